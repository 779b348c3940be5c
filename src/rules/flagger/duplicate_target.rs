//! `flagger-duplicate-target`: see rules/flagger-duplicate-target.md.

use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::rules::{Context, Rule};

declare_rule!(FlaggerDuplicateTarget, kinds: [Kind::Canary]);

impl Rule for FlaggerDuplicateTarget {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(target) = Canary::view(res).and_then(|c| c.target_ref()) else {
            return;
        };
        let name = target.name.value;
        if is_templated(name) {
            return;
        }
        let kind = target.kind.unwrap_or("Deployment");
        let others: Vec<&Resource> = cx
            .index()
            .canaries_targeting(kind, &res.namespace, name)
            // The same Canary in several overlays or clusters is one object, not two.
            .filter(|r| r.name != res.name)
            .collect();
        let Some(first) = others.first() else {
            return;
        };
        let more = match others.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        cx.report_with_help(
            target.name,
            format!(
                "{kind} `{}/{name}` is also the target of Canary `{}/{}` ({}){more}: both controllers create `{name}-primary` and fight over its routing",
                res.namespace,
                first.namespace,
                first.name,
                cx.location(first.name_location()),
            ),
            "keep one Canary per workload",
        );
        cx.relate(others.iter().copied());
    }
}
