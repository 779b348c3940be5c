//! `inverted-split`: see rules/inverted-split.md.

use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::roles::split_roles;
use crate::model::split::{known_weights, percent, shares};
use crate::rules::{Context, Rule};

declare_rule!(InvertedSplit, kinds: [Kind::VirtualService]);

impl Rule for InvertedSplit {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        for route in vs.routes() {
            // A controller rewrites this route's weights; what git holds is its seed.
            if index.is_managed(&vs, &route) {
                continue;
            }
            let dests = route.destinations();
            let [a, b] = dests.as_slice() else { continue };
            let Some(weights) = known_weights(&dests) else {
                continue;
            };
            let Some(r) = split_roles(index, res, a, b) else {
                continue;
            };
            let (s, c) = (r.stable, 1 - r.stable);
            let (ws, wc) = (weights[s], weights[c]);
            if !(0 < ws && ws < wc) {
                continue;
            }
            let pct = shares(&weights);
            let (stable, canary) = (&dests[s], &dests[c]);
            let Some(at) = canary.weight().location() else {
                continue;
            };
            cx.report_with_help(
                at,
                format!(
                    "{} sends {} to canary `{}` and only {} to stable `{}`; roles told {}",
                    route.label(),
                    percent(pct[c]),
                    canary.label(),
                    percent(pct[s]),
                    stable.label(),
                    r.evidence
                ),
                format!(
                    "if the canary was meant to get {}, swap the weights: `{}` {wc}, `{}` {ws}",
                    percent(pct[s]),
                    stable.label(),
                    canary.label()
                ),
            );
        }
    }
}
