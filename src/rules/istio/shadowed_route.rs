//! `shadowed-route` and `shadowed-match`: see rules/shadowed-route.md and
//! rules/shadowed-match.md.

use crate::model::coverage::{Block, Coverage, Fate};
use crate::model::istio::{Protocol, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(ShadowedRoute, kinds: [Kind::VirtualService]);
declare_rule!(ShadowedMatch, kinds: [Kind::VirtualService]);

fn describe(cx: &Context<'_>, by: &Block<'_>) -> String {
    let what = match by.position {
        None => format!("{} (no `match`: it takes every request)", by.route.label()),
        Some(i) if by.route.match_count() > 1 => {
            format!("match {} of {}", i + 1, by.route.label())
        }
        Some(_) => by.route.label(),
    };
    format!("{what} at line {}", cx.line(by.span))
}

/// The earlier block that shadows a block, if it is shadowed.
fn shadowed_by<'c, 'a>(cov: &'c Coverage<'a>, fate: &Fate) -> Option<&'c Block<'a>> {
    match *fate {
        Fate::Shadowed { route, block } => cov.block(route, block),
        _ => None,
    }
}

fn check(res: &Resource, cx: &mut Context<'_>, whole_route: bool) {
    let Some(vs) = VirtualService::view(res) else {
        return;
    };
    for protocol in Protocol::ALL {
        let cov = Coverage::of(&vs, protocol);
        for (blocks, fates) in cov.iter() {
            let Some(first) = blocks.first() else {
                continue;
            };
            let all = fates.iter().all(|f| matches!(f, Fate::Shadowed { .. }));
            if whole_route && all {
                let Some(by) = fates.first().and_then(|f| shadowed_by(&cov, f)) else {
                    continue;
                };
                let desc = describe(cx, by);
                let also = if fates.len() > 1 {
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
                for (b, fate) in blocks.iter().zip(fates) {
                    let (Some(by), Some(i)) = (shadowed_by(&cov, fate), b.position) else {
                        continue;
                    };
                    let desc = describe(cx, by);
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
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        check(res, cx, true);
    }
}

impl Rule for ShadowedMatch {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        check(res, cx, false);
    }
}
