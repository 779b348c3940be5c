//! `duplicate-subset`: see rules/duplicate-subset.md.

use crate::hash::HashMap;

use crate::model::istio::DestinationRule;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(DuplicateSubset, kinds: [Kind::DestinationRule]);

impl Rule for DuplicateSubset {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(dr) = DestinationRule::view(res) else {
            return;
        };
        let mut seen = HashMap::default();
        for s in dr.subsets() {
            if let Some(first) = seen.insert(s.name.value, s.name.span) {
                let line = cx.line(first);
                cx.report_with_help(
                    s.name,
                    format!("subset `{}` is defined twice; the first is at line {line}", s.name.value),
                    "remove or rename one of them: routes to this name reach only one of the two label sets",
                );
            }
        }
    }
}
