//! Rules over Istio VirtualServices and DestinationRules.

pub mod conflicting_virtualservice;
pub mod duplicate_subset;
pub mod inverted_split;
pub mod missing_subset;
pub mod redundant_match;
pub mod shadowed_route;
pub mod sticky_session_split;
pub mod weight_invalid;
pub mod weight_sum;

use crate::model::index::{Index, Unplaced};
use crate::model::istio::Destination;
use crate::model::resource::Resource;
use crate::model::roles::{self, DeclaredRoles, Roles, Side};

/// Each destination's share of the route's traffic, in percent, as Istio applies the
/// weights: relative to their sum (Istio 1.15 and later accept sums other than 100).
pub fn shares(weights: &[i64]) -> Vec<f64> {
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

pub fn percent(p: f64) -> String {
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// The effective weight of every destination, when all are known integers.
pub fn known_weights(dests: &[Destination<'_>]) -> Option<Vec<i64>> {
    dests.iter().map(|d| d.weight().effective()).collect()
}

/// Stable and canary in a two-way split, by the strongest evidence available (see
/// `model::roles::detect`): the Rollouts that name this VirtualService, Flagger's naming,
/// names, then version order of the subsets or of their DestinationRule `version` labels.
pub fn split_roles(
    index: &Index,
    res: &Resource,
    a: &Destination<'_>,
    b: &Destination<'_>,
) -> Option<Roles> {
    let declared: Vec<DeclaredRoles> = index
        .rollouts_for_vs(&res.namespace, &res.name)
        .map(|r| r.declared_roles())
        .collect();
    let version = |d: &Destination<'_>| -> Option<String> {
        let host = index.resolve(d.host()?, &res.namespace);
        let sel = index.destination_rules(&host, &res.namespace, res, Unplaced::Anywhere)?;
        let subset = sel
            .subsets()
            .into_iter()
            .find(|s| Some(s.name) == d.subset())?;
        let v = subset.labels().find(|(k, _)| *k == "version")?.1;
        Some(v.to_string())
    };
    let (va, vb) = (version(a), version(b));
    let sides = [side(a, &va), side(b, &vb)];
    roles::detect([&sides[0], &sides[1]], &declared)
}

fn side<'a>(d: &Destination<'a>, version: &'a Option<String>) -> Side<'a> {
    Side {
        host: d.host().unwrap_or(""),
        subset: d.subset(),
        version_label: version.as_deref(),
    }
}
