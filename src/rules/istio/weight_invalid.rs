//! `weight-invalid`: see rules/weight-invalid.md.

use crate::model::gateway_api::{GatewayRoute, MAX_WEIGHT};
use crate::model::istio::{VirtualService, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::Written;
use crate::model::split::known_weights;
use crate::rules::{Context, Rule};
use crate::source::SourceFile;

declare_rule!(
    WeightInvalid,
    kinds: [Kind::VirtualService, Kind::HttpRoute, Kind::GrpcRoute]
);

/// A weight as written, for messages: `"90"` quoted, else the text.
fn shown(written: Written<'_>) -> String {
    match written {
        Written::Text { text, quoted: true } => format!("`\"{text}\"`"),
        Written::Text { text, .. } => SourceFile::snippet(text),
        Written::Collection => "(a collection)".to_string(),
    }
}

impl Rule for WeightInvalid {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        if let Some(route) = GatewayRoute::view(res) {
            check_gateway_route(&route, cx);
            return;
        }
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            let dests = route.destinations();
            for d in &dests {
                if let Weight::Invalid(written, why) = d.weight() {
                    let shown = shown(written.value);
                    cx.report_with_help(
                        written,
                        format!("the weight {shown} of `{}` {why}", d.label()),
                        "write the weight as a plain integer from 0 to 100, e.g. `weight: 90`",
                    );
                }
            }
            let Some(weights) = known_weights(&dests) else {
                continue;
            };
            // A lone destination takes all the traffic whatever its weight (pilot's
            // route.go translateRoute and networkfilter.go buildOutboundNetworkFilters use
            // its cluster directly), and validation rejects a zero total only with more than
            // one destination (pkg/config/validation validateHTTPRouteDestinations and
            // validateRouteDestinations: `len(weights) > 1 && totalWeight == 0`).
            let all_zero = weights.iter().all(|&w| w == 0);
            if dests.len() > 1 && all_zero {
                let span = route.list_span();
                cx.report_with_help(
                    span,
                    format!(
                        "every destination of {} has weight 0, so the route sends its traffic nowhere",
                        route.label()
                    ),
                    "give the destination that should take the traffic a weight of 100",
                );
            }
        }
    }
}

/// Gateway API weights are relative integers from 0 to 1,000,000 (the CRDs' `minimum` and
/// `maximum`), 1 when omitted. A rule whose backends all weigh 0 forwards nothing; even a
/// lone backend with weight 0 gets no traffic ("If weight is set to 0, no traffic should be
/// forwarded for this entry"), and what the client gets then differs by implementation.
fn check_gateway_route(route: &GatewayRoute<'_>, cx: &mut Context<'_>) {
    let help = "write the weight as a plain integer from 0 to 1000000; weights are relative, e.g. `weight: 90` and `weight: 10`";
    for rule in route.rules() {
        let backends = rule.backends();
        for b in &backends {
            match b.weight() {
                Weight::Invalid(written, why) => {
                    let shown = shown(written.value);
                    cx.report_with_help(
                        written,
                        format!("the weight {shown} of backend `{}` {why}", b.label()),
                        help,
                    );
                }
                Weight::Value(v) if v.value > MAX_WEIGHT => cx.report_with_help(
                    v,
                    format!(
                        "the weight {} of backend `{}` is above 1000000, the largest the API server accepts",
                        v.value,
                        b.label()
                    ),
                    help,
                ),
                _ => {}
            }
        }
        let weights: Option<Vec<i64>> = backends.iter().map(|b| b.effective_weight()).collect();
        let Some(weights) = weights else {
            continue;
        };
        if !backends.is_empty() && weights.iter().all(|&w| w == 0) {
            let every = if backends.len() == 1 {
                "the only backend"
            } else {
                "every backend"
            };
            cx.report_with_help(
                rule.backends_span(),
                format!(
                    "{every} of {} has weight 0, so the rule forwards its requests nowhere",
                    rule.label()
                ),
                "give the backend that should take the traffic a weight above 0 (weights are relative; an omitted weight is 1)",
            );
        }
    }
}
