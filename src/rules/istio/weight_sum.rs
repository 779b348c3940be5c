//! `weight-sum`: see rules/weight-sum.md.

use crate::model::istio::{VirtualService, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{known_weights, percent, shares};
use crate::rules::{Context, Rule};

declare_rule!(WeightSum, kinds: [Kind::VirtualService]);

impl Rule for WeightSum {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            // A controller rewrites this route's weights; what git holds is its seed.
            if cx.index().is_managed(&vs, &route) {
                continue;
            }
            let dests = route.destinations();
            // Invalid or templated weights are `weight-invalid`'s finding.
            let Some(weights) = known_weights(&dests) else {
                continue;
            };
            let sum: i64 = weights.iter().sum();
            if let [only] = dests.as_slice() {
                // A lone destination gets all the traffic whatever its weight says.
                let Weight::Value(weight) = only.weight() else {
                    continue;
                };
                let w = weight.value;
                if w != 0 && w != 100 {
                    cx.report_with_help(
                        weight,
                        format!(
                            "the only destination `{}` of {} has weight {w}, but gets 100% of the traffic",
                            only.label(),
                            route.label()
                        ),
                        format!(
                            "add the destination that the other {}% was meant for, or set the weight to 100",
                            100 - w
                        ),
                    );
                }
                continue;
            }
            if dests.len() < 2 || sum == 100 || sum == 0 {
                continue;
            }
            let parts: Vec<String> = dests
                .iter()
                .zip(&weights)
                .zip(shares(&weights))
                .map(|((d, w), s)| format!("`{}` {w} → {}", d.label(), percent(s)))
                .collect();
            let span = route.list_span();
            cx.report_with_help(
                span,
                format!(
                    "the weights of {} add up to {sum}, not 100; Istio applies them as shares: {}",
                    route.label(),
                    parts.join(", ")
                ),
                "make the weights add up to 100 so that what the file says is what users get",
            );
        }
    }
}
