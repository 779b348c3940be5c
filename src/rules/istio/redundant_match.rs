//! `redundant-match`: see rules/redundant-match.md.

use crate::model::coverage::{Coverage, Fate};
use crate::model::istio::{Protocol, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(RedundantMatch, kinds: [Kind::VirtualService]);

impl Rule for RedundantMatch {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for protocol in Protocol::ALL {
            let cov = Coverage::of(&vs, protocol);
            // Blocks that earlier routes shadow are `shadowed-route`'s and `shadowed-match`'s.
            for (blocks, fates) in cov.iter() {
                for (b, fate) in blocks.iter().zip(fates) {
                    let (&Fate::Redundant { block }, Some(i)) = (fate, b.position) else {
                        continue;
                    };
                    let Some(by) = blocks.get(block) else {
                        continue;
                    };
                    cx.report_with_help(
                        b.span,
                        format!(
                            "match {} of {} adds nothing: it is covered by match {} at line {}",
                            i + 1,
                            b.route.label(),
                            block + 1,
                            cx.line(by.span)
                        ),
                        "remove this block; blocks of one `match` list are ORed, so to require several conditions together, put them in one block",
                    );
                }
            }
        }
    }
}
