//! `manual-weight-split`: see rules/manual-weight-split.md.

use crate::codes::RuleId;
use crate::diagnostic::Severity;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::known_weights;
use crate::rules::{Context, Rule};
use crate::text::join_and;

declare_rule!(ManualWeightSplit, kinds: [Kind::VirtualService]);

impl Rule for ManualWeightSplit {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let severity = if cx.policy().require_automation {
            Severity::Error
        } else {
            RuleId::ManualWeightSplit.severity()
        };
        for route in vs.routes() {
            let dests = route.destinations();
            let Some(weights) = known_weights(&dests) else {
                continue;
            };
            // A split sends traffic to two or more destinations at once.
            let live: Vec<String> = dests
                .iter()
                .zip(&weights)
                .filter(|(_, w)| **w > 0)
                .map(|(d, w)| format!("`{}` {w}", d.label()))
                .collect();
            if live.len() < 2 || cx.index().is_managed(&vs, &route) {
                continue;
            }
            cx.report_as(
                severity,
                route.list_span(),
                format!(
                    "{} splits traffic by hand ({}); no Flagger Canary or Argo Rollout manages it",
                    route.label(),
                    join_and(&live)
                ),
                "let Flagger or Argo Rollouts step the weights under analysis instead of editing them in git",
            );
        }
    }
}
