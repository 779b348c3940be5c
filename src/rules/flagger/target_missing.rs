//! `flagger-target-missing`: see rules/flagger-target-missing.md.

use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::rules::{Context, Rule};
use crate::text::did_you_mean;

declare_rule!(FlaggerTargetMissing, kinds: [Kind::Canary]);

impl Rule for FlaggerTargetMissing {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        // Service targets are Knative or provider-less; only Deployment and DaemonSet
        // targets are workloads the scope can define.
        let (Some(target), Some(kind)) = (canary.target_ref(), canary.target_kind()) else {
            return;
        };
        let ns = &res.namespace;
        let index = cx.index();
        // A scope without such workloads in the namespace deploys them from elsewhere.
        let name = target.name.value;
        if is_templated(name) || !index.has_kind_in(kind, ns) || index.get(kind, ns, name).is_some()
        {
            return;
        }
        let names: Vec<&str> = index
            .in_namespace(kind, ns)
            .map(|r| r.name.as_str())
            .collect();
        let help = match did_you_mean(name, names.iter().copied()) {
            Some(hint) => hint,
            None => {
                format!("define {kind} `{name}` in namespace `{ns}`, or target one that exists")
            }
        };
        cx.report_with_help(
            target.name,
            format!(
                "`targetRef` names {kind} `{ns}/{name}`, which is not defined: namespace `{ns}` defines {}",
                crate::text::backtick_list(&names)
            ),
            help,
        );
    }
}
