//! Traffic splits: each destination's share of a route's traffic as Istio applies the
//! weights, and which destination is the canary.

use crate::model::index::Index;
use crate::model::istio::{Destination, Route, VirtualService};
use crate::model::roles::split_roles;

/// Each destination's share of the route's traffic, in percent, as Istio applies the
/// weights: relative to their sum (Istio 1.15 and later accept sums other than 100).
pub(crate) fn shares(weights: &[i64]) -> Vec<f64> {
    let sum: i64 = weights.iter().sum();
    weights
        .iter()
        .map(|&w| {
            if sum > 0 {
                w as f64 * 100.0 / sum as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// A share, for messages: `90%`, `12.5%`.
pub(crate) fn percent(p: f64) -> String {
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// Points, for messages: `89`, `12.5`.
pub(crate) fn points(p: f64) -> String {
    percent(p).trim_end_matches('%').to_string()
}

/// The effective weight of every destination, when all are known integers.
pub(crate) fn known_weights(dests: &[Destination<'_>]) -> Option<Vec<i64>> {
    dests.iter().map(|d| d.weight().effective()).collect()
}

/// A destination as the mesh sees it: the resolved host and the subset.
pub(crate) type DestKey = (String, Option<String>);

/// A route's traffic: who gets which share, and which destination is the canary.
pub(crate) struct Split<'a> {
    pub(crate) dests: Vec<Destination<'a>>,
    pub(crate) keys: Vec<DestKey>,
    /// Percent of the route's traffic, as `inverted-split` computes it.
    pub(crate) shares: Vec<f64>,
    /// The canary's position in a two-way split, when `inverted-split`'s detection tells.
    pub(crate) canary: Option<usize>,
}

impl Split<'_> {
    /// The share this split sends to `key` (0 when it is not a destination).
    pub(crate) fn share_of(&self, key: &DestKey) -> f64 {
        self.keys
            .iter()
            .zip(&self.shares)
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s)
            .sum()
    }

    /// Destinations that get traffic.
    pub(crate) fn live(&self) -> usize {
        self.shares.iter().filter(|s| **s > 0.0).count()
    }
}

/// The split of `route`, seen through `index` (the current one or the baseline's). `None`
/// when a host or weight is templated or invalid, or the route sends nothing.
pub(crate) fn split<'a>(
    index: &Index,
    vs: &VirtualService<'a>,
    route: Route<'a>,
) -> Option<Split<'a>> {
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
