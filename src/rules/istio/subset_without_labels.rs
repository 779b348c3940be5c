//! `subset-without-labels`: see rules/subset-without-labels.md.

use crate::model::istio::DestinationRule;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::rollouts::Rollout;
use crate::rules::{Context, Rule};

declare_rule!(SubsetWithoutLabels, kinds: [Kind::DestinationRule]);

impl Rule for SubsetWithoutLabels {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(dr) = DestinationRule::view(res) else {
            return;
        };
        // Argo Rollouts writes `rollouts-pod-template-hash` into the subsets it manages.
        let managed: Vec<&str> = cx
            .index()
            .in_namespace(Kind::Rollout, &res.namespace)
            .filter_map(Rollout::view)
            .filter_map(|r| r.destination_rule())
            .filter(|d| d.name.value == res.name)
            .flat_map(|d| [d.canary_subset, d.stable_subset])
            .flatten()
            .map(|s| s.value)
            .collect();
        let subsets = dr.subsets();
        // A subset without labels beside subsets that have some was meant to be one version
        // among them; alone (an egress gateway's, a ServiceEntry's), it carries a traffic
        // policy for the whole host, as Istio's egress examples do.
        let splits = subsets
            .iter()
            .any(|s| s.label_list().is_some_and(|l| !l.is_empty()));
        if !splits {
            return;
        }
        for subset in &subsets {
            if managed.contains(&subset.name.value) {
                continue;
            }
            if subset.label_list().is_some_and(|l| l.is_empty()) {
                cx.report_with_help(
                    subset.name,
                    format!(
                        "subset `{}` has no labels, so it selects every pod of `{}`: a route to it reaches every version",
                        subset.name.value,
                        dr.host().unwrap_or("its host")
                    ),
                    "give the subset the labels of one version's pods, e.g. `version: v2`",
                );
            }
        }
    }
}
