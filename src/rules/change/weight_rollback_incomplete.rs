//! `weight-rollback-incomplete`: see rules/weight-rollback-incomplete.md.

use crate::history::Baseline;
use crate::model::changes::{old_routing, related, split_changes, unchanged};
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{describe, percent, split, AnyRoute, DestKey, Routing};
use crate::rules::{Context, Rule};
use crate::source::SourceFile;

declare_rule!(
    WeightRollbackIncomplete,
    kinds: [Kind::VirtualService, Kind::HttpRoute, Kind::GrpcRoute]
);

/// A route that this change took a canary off.
struct Rollback<'a> {
    res: &'a Resource,
    route: AnyRoute<'a>,
    key: DestKey,
    canary: String,
    was: f64,
    /// Where the route sends its traffic now (its largest share).
    now_to: String,
}

impl Rule for WeightRollbackIncomplete {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(base) = cx.baseline() else { return };
        let Some(routing) = Routing::view(res) else {
            return;
        };
        let index = cx.index();
        let related = related(index, &routing);
        let rollbacks: Vec<Rollback<'_>> = related
            .into_iter()
            .flat_map(|r| rollbacks(index, base, cx.file(r), r))
            .collect();
        if rollbacks.is_empty() {
            return;
        }
        let since = base.since();
        for route in routing.routes() {
            if routing.is_managed(index, &route) {
                continue;
            }
            let Some(s) = split(index, &routing, &route) else {
                continue;
            };
            for ((leg, key), share) in s.legs.iter().zip(&s.keys).zip(&s.shares) {
                if *share <= 0.0 {
                    continue;
                }
                let Some(rb) = rollbacks.iter().find(|rb| {
                    rb.key == *key && !(std::ptr::eq(rb.res, res) && rb.route.same_place(&route))
                }) else {
                    continue;
                };
                let whose = if std::ptr::eq(rb.res, res) {
                    format!("{} ({})", rb.route.label(), cx.location(rb.route.span()))
                } else {
                    format!(
                        "{} of {} ({})",
                        rb.route.label(),
                        describe(rb.res),
                        cx.location(rb.route.span())
                    )
                };
                let at = leg.target_span();
                cx.report_with_help(
                    at,
                    format!(
                        "{} still sends {} to canary `{}`, which {whose} took from {} to 0% {since}",
                        route.label(),
                        percent(*share),
                        rb.canary,
                        percent(rb.was)
                    ),
                    format!(
                        "finish the rollback: remove this {} or send it to `{}`, so that the canary is unreachable",
                        route.noun(),
                        rb.now_to
                    ),
                );
                cx.relate([rb.res]);
            }
        }
    }
}

/// The canaries that this change moved to 0% on some route of `res`.
fn rollbacks<'a>(
    index: &'a Index,
    base: &Baseline,
    file: Option<&SourceFile>,
    res: &'a Resource,
) -> Vec<Rollback<'a>> {
    let mut out = Vec::new();
    let Some(routing) = Routing::view(res) else {
        return out;
    };
    let Some(old) = old_routing(base, index, file, &routing) else {
        return out;
    };
    // Every VirtualService of a host looks at the others' rollbacks: an unchanged one has
    // none, and is told without pairing its routes.
    if unchanged(base, file, res, old.res()) {
        return out;
    }
    // Routes a controller sets are left out: their seed in git says nothing of a rollback.
    for (route, new, before) in split_changes(index, base.index(), &routing, &old) {
        // Only a split had a canary to roll back.
        if before.live() < 2 {
            continue;
        }
        let Some(now_to) = new
            .shares
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .and_then(|(i, _)| new.legs.get(i))
        else {
            continue;
        };
        // The canary by role; with unknown roles, any destination taken to 0%.
        let candidates: Vec<usize> = match before.canary {
            Some(c) => vec![c],
            None => (0..before.legs.len()).collect(),
        };
        for c in candidates {
            let (Some(key), Some(dest), Some(&was)) =
                (before.keys.get(c), before.legs.get(c), before.shares.get(c))
            else {
                continue;
            };
            if was > 0.0 && new.share_of(key) <= 0.0 {
                out.push(Rollback {
                    res,
                    route: route.clone(),
                    key: key.clone(),
                    canary: dest.label(),
                    was,
                    now_to: now_to.label(),
                });
            }
        }
    }
    out
}
