//! `weight-rollback-incomplete`: see rules/weight-rollback-incomplete.md.

use std::collections::HashSet;

use crate::history::Baseline;
use crate::model::changes::{old_virtual_service, split_changes, unchanged};
use crate::model::index::Index;
use crate::model::istio::{Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{percent, split, DestKey};
use crate::rules::{Context, Rule};
use crate::source::SourceFile;

declare_rule!(WeightRollbackIncomplete, kinds: [Kind::VirtualService]);

/// A route that this change took a canary off.
struct Rollback<'a> {
    res: &'a Resource,
    route: Route<'a>,
    key: DestKey,
    canary: String,
    was: f64,
    /// Where the route sends its traffic now (its largest share).
    now_to: String,
}

impl Rule for WeightRollbackIncomplete {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(base) = cx.baseline() else { return };
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        // Rollbacks in this VirtualService and in the mesh VirtualServices of its hosts.
        let mut related: Vec<&Resource> = vec![res];
        let mut seen: HashSet<*const Resource> = HashSet::from([res as *const Resource]);
        for host in vs.hosts() {
            for other in index.mesh_virtual_services(&index.resolve(host.value, &res.namespace)) {
                if seen.insert(other as *const Resource) {
                    related.push(other);
                }
            }
        }
        let rollbacks: Vec<Rollback<'_>> = related
            .into_iter()
            .flat_map(|r| rollbacks(index, base, cx.file(r), r))
            .collect();
        if rollbacks.is_empty() {
            return;
        }
        let since = base.since();
        for route in vs.routes() {
            if index.is_managed(&vs, &route) {
                continue;
            }
            let Some(s) = split(index, &vs, route) else {
                continue;
            };
            for ((dest, key), share) in s.dests.iter().zip(&s.keys).zip(&s.shares) {
                if *share <= 0.0 {
                    continue;
                }
                let Some(rb) = rollbacks.iter().find(|rb| {
                    rb.key == *key
                        && !(std::ptr::eq(rb.res, res)
                            && rb.route.protocol == route.protocol
                            && rb.route.index == route.index)
                }) else {
                    continue;
                };
                let whose = if std::ptr::eq(rb.res, res) {
                    format!("{} ({})", rb.route.label(), cx.location(rb.route.span()))
                } else {
                    format!(
                        "{} of VirtualService `{}/{}` ({})",
                        rb.route.label(),
                        rb.res.namespace,
                        rb.res.name,
                        cx.location(rb.route.span())
                    )
                };
                let at = dest
                    .subset_field()
                    .or(dest.host_field())
                    .map_or(dest.span(), |f| f.span);
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
                        "finish the rollback: remove this route or send it to `{}`, so that the canary is unreachable",
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
    let Some(vs) = VirtualService::view(res) else {
        return out;
    };
    let Some(old) = old_virtual_service(base, index, file, &vs) else {
        return out;
    };
    // Every VirtualService of a host looks at the others' rollbacks: an unchanged one has
    // none, and is told without pairing its routes.
    if unchanged(base, file, res, old.res) {
        return out;
    }
    // Routes a controller sets are left out: their seed in git says nothing of a rollback.
    for (route, new, before) in split_changes(index, base.index(), &vs, &old) {
        // Only a split had a canary to roll back.
        if before.live() < 2 {
            continue;
        }
        let Some(now_to) = new
            .shares
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .and_then(|(i, _)| new.dests.get(i))
        else {
            continue;
        };
        // The canary by role; with unknown roles, any destination taken to 0%.
        let candidates: Vec<usize> = match before.canary {
            Some(c) => vec![c],
            None => (0..before.dests.len()).collect(),
        };
        for c in candidates {
            let (Some(key), Some(dest), Some(&was)) = (
                before.keys.get(c),
                before.dests.get(c),
                before.shares.get(c),
            ) else {
                continue;
            };
            if was > 0.0 && new.share_of(key) <= 0.0 {
                out.push(Rollback {
                    res,
                    route,
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
