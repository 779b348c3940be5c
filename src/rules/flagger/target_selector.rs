//! `flagger-target-selector`: see rules/flagger-target-selector.md.

use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::workloads::workload_selector;
use crate::rules::{Context, Rule};
use crate::text::backtick_list;

declare_rule!(FlaggerTargetSelector, kinds: [Kind::Canary]);

/// The `matchLabels` keys Flagger takes the pod selector from, the first present one
/// winning: the default of its `-selector-labels` flag (cmd/flagger/main.go), read by
/// getSelectorLabel in pkg/canary/deployment_controller.go and daemonset_controller.go.
pub(crate) const FLAGGER_SELECTOR_LABELS: &[&str] = &["app", "name", "app.kubernetes.io/name"];

impl Rule for FlaggerTargetSelector {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        // Only Deployment and DaemonSet targets are read by a selector label; Service
        // targets (Knative, the provider-less router) are not.
        let (Some(target), Some(kind)) = (canary.target_ref(), canary.target_kind()) else {
            return;
        };
        let name = target.name.value;
        if is_templated(name) {
            return;
        }
        let index = cx.index();
        // Every definition of the workload applied with the Canary (a base and its
        // overlays, variants) that writes a selector; one that carries a Flagger label, or
        // whose labels cannot be told, is enough to say nothing.
        let selectors: Vec<_> = index
            .all_named(kind, &res.namespace, name)
            .filter(|w| index.placed_together(res, w))
            .filter_map(workload_selector)
            .collect();
        let mut keys_of_first: Option<(&[&str], _)> = None;
        for s in &selectors {
            let Some(keys) = &s.match_label_keys else {
                return;
            };
            if keys.iter().any(|k| FLAGGER_SELECTOR_LABELS.contains(k)) {
                return;
            }
            keys_of_first.get_or_insert((keys.as_slice(), s.at));
        }
        let Some((keys, at)) = keys_of_first else {
            return;
        };
        let labels = FLAGGER_SELECTOR_LABELS
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = if keys.is_empty() {
            format!(
                "whose `spec.selector` ({}) has no `matchLabels`, so",
                cx.location(at)
            )
        } else {
            format!(
                "whose `matchLabels` ({}) {} {},",
                cx.location(at),
                if keys.len() == 1 { "is" } else { "are" },
                backtick_list(keys)
            )
        };
        cx.report_with_help(
            target.name,
            format!(
                "`targetRef` names {kind} `{}/{name}`, {what} none of the labels Flagger selects pods by ({labels}): the Canary never initialises",
                res.namespace,
            ),
            format!(
                "add `app: {name}` (or `name`, `app.kubernetes.io/name`) to the {kind}'s `spec.selector.matchLabels` and pod template labels; a selector cannot change in place, so the {kind} is re-created"
            ),
        );
        cx.relate(
            index
                .all_named(kind, &res.namespace, name)
                .filter(|w| index.placed_together(res, w)),
        );
    }
}
