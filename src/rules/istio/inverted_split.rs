//! `inverted-split`: see rules/inverted-split.md.

use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::roles::split_roles;
use crate::model::split::{gateway_shares, percent, shares, Leg, Routing};
use crate::rules::{Context, Rule};

declare_rule!(InvertedSplit, kinds: [Kind::VirtualService, Kind::HttpRoute, Kind::GrpcRoute]);

impl Rule for InvertedSplit {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(routing) = Routing::view(res) else {
            return;
        };
        let index = cx.index();
        for route in routing.routes() {
            // A controller rewrites this route's weights; what git holds is its seed.
            if routing.is_managed(index, &route) {
                continue;
            }
            let legs = route.legs();
            let [a, b] = legs.as_slice() else { continue };
            let Some(weights) = legs
                .iter()
                .map(Leg::effective_weight)
                .collect::<Option<Vec<i64>>>()
            else {
                continue;
            };
            let Some(r) = split_roles(index, res, a, b) else {
                continue;
            };
            let (s, c) = (r.stable, 1 - r.stable);
            let (Some(&ws), Some(&wc)) = (weights.get(s), weights.get(c)) else {
                continue;
            };
            if !(0 < ws && ws < wc) {
                continue;
            }
            let pct = shares(&weights);
            let (Some(stable), Some(canary)) = (legs.get(s), legs.get(c)) else {
                continue;
            };
            let Some(at) = canary.weight().location() else {
                continue;
            };
            // Gateway API weights are relative: the message gives each weight and its share.
            let sends = match gateway_shares(&legs, &weights) {
                Some(split) => format!(
                    "sends canary `{}` more than stable `{}`: {split}",
                    canary.label(),
                    stable.label()
                ),
                None => format!(
                    "sends {} to canary `{}` and only {} to stable `{}`",
                    percent(pct[c]),
                    canary.label(),
                    percent(pct[s]),
                    stable.label()
                ),
            };
            cx.report_with_help(
                at,
                format!("{} {sends}; roles told {}", route.label(), r.evidence),
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
