//! `sticky-session-split`: see rules/sticky-session-split.md.

use crate::model::index::Unplaced;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};
use crate::text::backtick_list;

declare_rule!(StickySessionSplit, kinds: [Kind::VirtualService]);

impl Rule for StickySessionSplit {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::DestinationRule]
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        for route in vs.routes() {
            let dests = route.destinations();
            // Destinations that take traffic, grouped by resolved host.
            let mut by_host: Vec<(String, Vec<&str>)> = Vec::new();
            for d in &dests {
                let (Some(host), Some(subset)) = (d.host(), d.subset()) else {
                    continue;
                };
                if d.weight().effective().is_none_or(|w| w <= 0) && dests.len() > 1 {
                    continue;
                }
                let fqdn = index.resolve(host, &res.namespace);
                match by_host.iter_mut().find(|(h, _)| *h == fqdn) {
                    Some((_, subsets)) => subsets.push(subset),
                    None => by_host.push((fqdn, vec![subset])),
                }
            }
            for (fqdn, mut subsets) in by_host {
                subsets.dedup();
                if subsets.len() < 2 {
                    continue;
                }
                let Some(sel) =
                    index.destination_rules(&fqdn, &res.namespace, res, Unplaced::Anywhere)
                else {
                    continue;
                };
                let sticky = sel.rules().iter().find_map(|dr| {
                    dr.sticky_hash()
                        .or_else(|| {
                            dr.subsets()
                                .into_iter()
                                .filter(|s| subsets.contains(&s.name.value))
                                .find_map(|s| s.sticky_hash())
                        })
                        .map(|key| (dr, key))
                });
                let Some((dr, key)) = sticky else {
                    continue;
                };
                let span = route.list_span();
                cx.report_with_help(
                    span,
                    format!(
                        "{} splits `{fqdn}` by weight across subsets {}, but DestinationRule `{}/{}` pins sessions with consistent hashing (`{}` at {}); stickiness holds only within a subset, so users bounce between versions",
                        route.label(),
                        backtick_list(&subsets),
                        dr.res.namespace,
                        dr.res.name,
                        key.value,
                        cx.location(key)
                    ),
                    "keep users on one version with Flagger's `sessionAffinity`, or route by a header or cookie match instead of by weight",
                );
                cx.relate([dr.res]);
            }
        }
    }
}
