//! `shadowed-route` and `shadowed-match`: see rules/shadowed-route.md and
//! rules/shadowed-match.md.

use crate::diagnostic::Severity;
use crate::model::istio::{http_match_block, l4_match_block, Protocol, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::matching::{block_covers, l4_covers, L4Block, MatchBlock};
use crate::model::resource::Resource;
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};
use crate::source::Span;

pub struct ShadowedRoute;
pub struct ShadowedMatch;

static ROUTE_META: RuleMeta = RuleMeta {
    id: RuleId::ShadowedRoute,
    summary: "a route that can never match because earlier routes catch all its requests",
    severity: Severity::Error,
    kinds: &[Kind::VirtualService],
};

static MATCH_META: RuleMeta = RuleMeta {
    id: RuleId::ShadowedMatch,
    summary: "a match block that earlier routes already catch, in a route that can still match",
    severity: Severity::Warning,
    kinds: &[Kind::VirtualService],
};

/// One match block of a route, as conditions.
enum Cond {
    Http(MatchBlock),
    L4(L4Block),
}

impl Cond {
    fn covers(&self, other: &Cond) -> bool {
        match (self, other) {
            (Cond::Http(a), Cond::Http(b)) => block_covers(a, b),
            (Cond::L4(a), Cond::L4(b)) => l4_covers(a, b),
            _ => false,
        }
    }
}

struct Block<'a> {
    route: Route<'a>,
    /// 0-based position in the route's `match`; `None` for a route without one.
    position: Option<usize>,
    span: Span,
    cond: Cond,
}

/// The match blocks of every route of one protocol, in order. A route without `match`
/// matches everything.
fn blocks<'a>(vs: &VirtualService<'a>, protocol: Protocol) -> Vec<Vec<Block<'a>>> {
    let gateways = vs.gateways();
    vs.routes_of(protocol)
        .into_iter()
        .map(|route| {
            let to_cond = |node| match protocol {
                Protocol::Http => Cond::Http(http_match_block(node, &gateways)),
                Protocol::Tcp | Protocol::Tls => Cond::L4(l4_match_block(node, &gateways)),
            };
            let nodes = route.match_blocks();
            if nodes.is_empty() {
                let cond = match protocol {
                    Protocol::Http => Cond::Http(http_match_block(&EMPTY, &gateways)),
                    _ => Cond::L4(l4_match_block(&EMPTY, &gateways)),
                };
                return vec![Block {
                    route,
                    position: None,
                    span: route.span(),
                    cond,
                }];
            }
            nodes
                .iter()
                .enumerate()
                .map(|(i, node)| Block {
                    route,
                    position: Some(i),
                    span: node.entries().first().map_or(node.span, |e| e.key.span),
                    cond: to_cond(node),
                })
                .collect()
        })
        .collect()
}

static EMPTY: crate::yaml::Node = crate::yaml::Node {
    span: Span { start: 0, end: 0 },
    value: crate::yaml::Value::Map(Vec::new()),
};

/// For each route, for each of its blocks, the earlier block that covers it.
fn coverage<'a, 'b>(routes: &'b [Vec<Block<'a>>]) -> Vec<Vec<Option<&'b Block<'a>>>> {
    routes
        .iter()
        .enumerate()
        .map(|(j, blocks)| {
            blocks
                .iter()
                .map(|b| {
                    routes[..j]
                        .iter()
                        .flatten()
                        .find(|a| a.cond.covers(&b.cond))
                })
                .collect()
        })
        .collect()
}

fn describe(cx: &Context<'_>, res: &Resource, by: &Block<'_>) -> String {
    let what = match by.position {
        None => format!("{} (no `match`: it takes every request)", by.route.label()),
        Some(i) if by.route.match_blocks().len() > 1 => {
            format!("match {} of {}", i + 1, by.route.label())
        }
        Some(_) => by.route.label(),
    };
    format!("{what} at line {}", cx.line(res, by.span))
}

fn check(res: &Resource, cx: &mut Context<'_>, whole_route: bool) {
    let Some(vs) = VirtualService::view(res) else {
        return;
    };
    for protocol in Protocol::ALL {
        let routes = blocks(&vs, protocol);
        let cover = coverage(&routes);
        for (blocks, covered) in routes.iter().zip(&cover) {
            let Some(first) = blocks.first() else {
                continue;
            };
            let all = covered.iter().all(Option::is_some);
            if whole_route && all {
                let Some(by) = covered[0] else { continue };
                let desc = describe(cx, res, by);
                let also = if covered.len() > 1 {
                    "all its match blocks are"
                } else {
                    "every request it matches is"
                };
                cx.report_with_help(
                    first.span,
                    format!("{} can never match: {also} covered by {desc}", first.route.label()),
                    "move this route above the one that covers it, or narrow the earlier route's match",
                );
            } else if !whole_route && !all {
                for (b, by) in blocks.iter().zip(covered) {
                    let (Some(by), Some(i)) = (by, b.position) else {
                        continue;
                    };
                    let desc = describe(cx, res, by);
                    cx.report_with_help(
                        b.span,
                        format!(
                            "match {} of {} never applies: it is covered by {desc}",
                            i + 1,
                            b.route.label()
                        ),
                        "blocks of one `match` list are ORed; to require several conditions together, put them in one block",
                    );
                }
            }
        }
    }
}

impl Rule for ShadowedRoute {
    fn meta(&self) -> &'static RuleMeta {
        &ROUTE_META
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        check(res, cx, true);
    }
}

impl Rule for ShadowedMatch {
    fn meta(&self) -> &'static RuleMeta {
        &MATCH_META
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        check(res, cx, false);
    }
}
