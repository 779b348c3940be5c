//! `manual-weight-split`: see rules/manual-weight-split.md.

use crate::codes::RuleId;
use crate::diagnostic::Severity;
use crate::model::gateway_api::{self, GatewayRoute};
use crate::model::istio::{VirtualService, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{backend_service, known_weights};
use crate::rules::{Context, Rule};
use crate::text::join_and;

declare_rule!(ManualWeightSplit, kinds: [Kind::VirtualService, Kind::HttpRoute, Kind::GrpcRoute]);

const HELP: &str =
    "let Flagger or Argo Rollouts step the weights under analysis instead of editing them in git";

impl Rule for ManualWeightSplit {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let severity = if cx.policy().require_automation {
            Severity::Error
        } else {
            RuleId::ManualWeightSplit.severity()
        };
        if let Some(route) = GatewayRoute::view(res) {
            check_route(&route, severity, cx);
            return;
        }
        let Some(vs) = VirtualService::view(res) else {
            return;
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
                HELP,
            );
        }
    }
}

/// A rule of an HTTPRoute or GRPCRoute splits by hand when a weight is written in it and two
/// or more Services get a share: weights are relative and an omitted one is 1, so a rule
/// that lists several backends without weights spreads traffic evenly, a plain load
/// balance rather than a release split.
fn check_route(route: &GatewayRoute<'_>, severity: Severity, cx: &mut Context<'_>) {
    let ns = route.res.namespace.as_str();
    for rule in route.rules() {
        let backends = rule.backends();
        if !backends
            .iter()
            .any(|b| matches!(b.weight(), Weight::Value(_)))
        {
            continue;
        }
        let Some(weights) = backends
            .iter()
            .map(|b| b.effective_weight())
            .collect::<Option<Vec<i64>>>()
        else {
            continue;
        };
        let mut services: Vec<(&str, &str)> = backends
            .iter()
            .zip(&weights)
            .filter(|(_, w)| **w > 0)
            .filter_map(|(b, _)| backend_service(b, ns))
            .collect();
        services.sort_unstable();
        services.dedup();
        if services.len() < 2 || cx.index().is_route_managed(route, &rule) {
            continue;
        }
        let (live, live_weights): (Vec<_>, Vec<i64>) = backends
            .into_iter()
            .zip(weights)
            .filter(|(_, w)| *w > 0)
            .unzip();
        cx.report_as(
            severity,
            rule.backends_span(),
            format!(
                "{} splits traffic by hand ({}); no Flagger Canary or Argo Rollout manages it",
                rule.label(),
                gateway_api::shares(&live, &live_weights)
            ),
            HELP,
        );
    }
}
