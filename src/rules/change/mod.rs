//! Change-aware rules: each traffic split compared with the same split at the base
//! revision (`--base`). Without a baseline they report nothing.

pub mod weight_jump;
pub mod weight_rollback_incomplete;

use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::istio::{Destination, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::istio::{known_weights, shares, split_roles};
use crate::source::SourceFile;

/// A destination as the mesh sees it: the resolved host and the subset.
pub type DestKey = (String, Option<String>);

/// A route's traffic: who gets which share, and which destination is the canary.
pub struct Split<'a> {
    pub route: Route<'a>,
    pub dests: Vec<Destination<'a>>,
    pub keys: Vec<DestKey>,
    /// Percent of the route's traffic, as `inverted-split` computes it.
    pub shares: Vec<f64>,
    /// The canary's position in a two-way split, when `inverted-split`'s detection tells.
    pub canary: Option<usize>,
}

impl Split<'_> {
    /// The share this split sends to `key` (0 when it is not a destination).
    pub fn share_of(&self, key: &DestKey) -> f64 {
        self.keys
            .iter()
            .zip(&self.shares)
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s)
            .sum()
    }

    /// Destinations that get traffic.
    pub fn live(&self) -> usize {
        self.shares.iter().filter(|s| **s > 0.0).count()
    }
}

/// The split of `route`, seen through `index` (the current one or the baseline's). `None`
/// when a host or weight is templated or invalid, or the route sends nothing.
pub fn split<'a>(index: &Index, vs: &VirtualService<'a>, route: Route<'a>) -> Option<Split<'a>> {
    let ns = &vs.res.namespace;
    let dests = route.destinations();
    let keys = dests
        .iter()
        .map(|d| Some((index.resolve(d.host()?, ns), d.subset().map(str::to_string))))
        .collect::<Option<Vec<DestKey>>>()?;
    // A lone destination gets all of the route's traffic, whatever its weight.
    let shares = if dests.len() == 1 {
        vec![100.0]
    } else {
        let weights = known_weights(&dests)?;
        if weights.iter().sum::<i64>() <= 0 {
            return None;
        }
        shares(&weights)
    };
    let canary = canary_of(index, vs, &dests);
    Some(Split {
        route,
        dests,
        keys,
        shares,
        canary,
    })
}

/// The canary of a two-way split, by `inverted-split`'s role detection: the Rollouts that
/// manage the VirtualService, Flagger's naming, names, then version order.
fn canary_of(index: &Index, vs: &VirtualService<'_>, dests: &[Destination<'_>]) -> Option<usize> {
    let [a, b] = dests else { return None };
    split_roles(index, vs.res, a, b).map(|r| 1 - r.stable)
}

/// The same VirtualService at the base revision, matched by kind, namespace and name
/// wherever its file is now (see `Baseline::counterpart`).
pub fn old_virtual_service<'b>(
    base: &'b Baseline,
    index: &Index,
    files: Option<&SourceFile>,
    vs: &VirtualService<'_>,
) -> Option<VirtualService<'b>> {
    let res = vs.res;
    let unique_now = index.count(Kind::VirtualService, &res.namespace, &res.name) == 1;
    base.counterpart(res, files, unique_now)
        .and_then(VirtualService::view)
}

/// Whether a resource reads the same, byte for byte, as its counterpart `old` at the base
/// revision.
pub fn unchanged(
    base: &Baseline,
    file: Option<&SourceFile>,
    res: &Resource,
    old: &Resource,
) -> bool {
    fn text<'f>(f: Option<&'f SourceFile>, r: &Resource) -> Option<&'f str> {
        f?.text
            .get(r.root.span.start as usize..r.root.span.end as usize)
    }
    let old_file = base.workspace.files.get(old.file as usize);
    matches!((text(file, res), text(old_file, old)), (Some(a), Some(b)) if a == b)
}

/// Points, for messages: `89`, `12.5`.
pub fn points(p: f64) -> String {
    crate::rules::istio::percent(p)
        .trim_end_matches('%')
        .to_string()
}
