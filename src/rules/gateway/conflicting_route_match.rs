//! `conflicting-route-match`: see rules/conflicting-route-match.md.

use crate::model::gateway_api::{GatewayRoute, RouteRule};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::route_match::{
    route_keys, rule_matches, same_action, MatchKey, RouteKey, RuleMatch,
};
use crate::model::spanned::Location;
use crate::rules::{Context, Rule};

declare_rule!(ConflictingRouteMatch, kinds: [Kind::HttpRoute, Kind::GrpcRoute]);

const HELP: &str = "give the rules different matches, or merge them into one rule; on a tie the oldest route gets the traffic, then the first by namespace/name, then the first rule of a route";

/// A rule of a route and its readable matches.
struct Matched<'a> {
    rule: RouteRule<'a>,
    matches: Vec<RuleMatch>,
}

impl Matched<'_> {
    /// Where this rule writes `key`, unless it does the same as `rule` with the requests.
    fn competes(&self, key: &MatchKey, rule: &RouteRule<'_>) -> Option<Location> {
        let m = self.matches.iter().find(|m| m.key == *key)?;
        (!same_action(&self.rule, rule)).then_some(m.at)
    }
}

fn matched<'a>(route: &GatewayRoute<'a>) -> Vec<Matched<'a>> {
    route
        .rules()
        .into_iter()
        .map(|rule| Matched {
            matches: rule_matches(route.res.kind, &rule),
            rule,
        })
        .collect()
}

fn created(res: &Resource) -> Option<&str> {
    res.root
        .path(&["metadata", "creationTimestamp"])
        .and_then(|n| n.as_str())
}

/// Whether `other` gets the traffic of a match both routes have, rather than `res`: the
/// older route when both tell their creation time, then the first by `namespace/name`;
/// without creation times (manifests seldom have them), the one written first.
fn wins(other: &Resource, res: &Resource) -> bool {
    match (created(other), created(res)) {
        (Some(a), Some(b)) if a != b => a < b,
        (Some(_), Some(_)) => (&other.namespace, &other.name) < (&res.namespace, &res.name),
        _ => (other.file, other.name_span.start) < (res.file, res.name_span.start),
    }
}

impl Rule for ConflictingRouteMatch {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        // An assertion's objects are compared with live ones, never applied.
        if cx.file(res).is_some_and(|f| f.is_test_assertion()) {
            return;
        }
        let Some(route) = GatewayRoute::view(res) else {
            return;
        };
        let mine = matched(&route);
        let keys = route_keys(&route);
        for (i, m) in mine.iter().enumerate() {
            for rm in &m.matches {
                let earlier = mine[..i]
                    .iter()
                    .find_map(|e| Some((e, e.competes(&rm.key, &m.rule)?)));
                if let Some((e, at)) = earlier {
                    let (this, that) = (m.rule.label(), e.rule.label());
                    cx.report_with_help(
                        rm.at,
                        format!(
                            "match `{}` of {this} is identical to a match of {that} ({}) of this route; only {that} gets the traffic",
                            rm.key.label(),
                            cx.location(at),
                        ),
                        HELP,
                    );
                    continue;
                }
                across(cx, res, &keys, m, rm);
            }
        }
    }
}

/// Reports a match that a rule of another route on the same parent and hostname has too,
/// when that route gets the traffic.
fn across(
    cx: &mut Context<'_>,
    res: &Resource,
    keys: &[RouteKey],
    m: &Matched<'_>,
    rm: &RuleMatch,
) {
    let index = cx.index();
    for key in keys {
        for other in index.routes_sharing(key) {
            let same_object = other.namespace == res.namespace && other.name == res.name;
            if same_object || !index.applied_together(res, other) || !wins(other, res) {
                continue;
            }
            let Some(theirs) = GatewayRoute::view(other) else {
                continue;
            };
            let found = matched(&theirs)
                .into_iter()
                .find_map(|o| Some((o.competes(&rm.key, &m.rule)?, o.rule.label())));
            let Some((at, that)) = found else {
                continue;
            };
            let host = if key.hostname.is_empty() {
                "any host".to_string()
            } else {
                format!("host `{}`", key.hostname)
            };
            cx.report_with_help(
                rm.at,
                format!(
                    "match `{}` of {} is identical to {that} of {} `{}/{}` ({}) on {} for {host}; only one of them gets the traffic",
                    rm.key.label(),
                    m.rule.label(),
                    other.kind.name(),
                    other.namespace,
                    other.name,
                    cx.location(at),
                    key.parent.label(),
                ),
                HELP,
            );
            cx.relate([other]);
            return;
        }
    }
}
