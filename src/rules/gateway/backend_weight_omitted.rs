//! `backend-weight-omitted`: see rules/backend-weight-omitted.md.

use crate::model::gateway_api::{shares, GatewayRoute};
use crate::model::istio::Weight;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};
use crate::text::backtick_list;

declare_rule!(BackendWeightOmitted, kinds: [Kind::HttpRoute, Kind::GrpcRoute]);

impl Rule for BackendWeightOmitted {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(route) = GatewayRoute::view(res) else {
            return;
        };
        for rule in route.rules() {
            let backends = rule.backends();
            let (omitted, weighted): (Vec<_>, Vec<_>) = backends
                .iter()
                .partition(|b| matches!(b.weight(), Weight::Missing(_)));
            if omitted.is_empty() || weighted.is_empty() {
                continue;
            }
            // Shares only when every weight can be read; a templated one leaves them open.
            let weights: Option<Vec<i64>> = backends.iter().map(|b| b.effective_weight()).collect();
            let split = match &weights {
                Some(w) => format!(": {}", shares(&backends, w)),
                None => String::new(),
            };
            let names: Vec<String> = omitted.iter().map(|b| b.label()).collect();
            let at = omitted[0].span();
            cx.report_with_help(
                at,
                format!(
                    "{} gives {} no `weight` beside backends that have one, so {} weight 1{split}",
                    rule.label(),
                    backtick_list(&names),
                    if names.len() == 1 { "it gets" } else { "they get" },
                ),
                "write every backend's weight (they are relative: `weight: 90` and `weight: 10` send 90% and 10%)",
            );
        }
    }
}
