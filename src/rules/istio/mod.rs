//! Rules over Istio VirtualServices and DestinationRules.

pub mod conflicting_virtualservice;
pub mod duplicate_subset;
pub mod inverted_split;
pub mod missing_subset;
pub mod shadowed_route;
pub mod sticky_session_split;
pub mod weight_invalid;
pub mod weight_sum;

use crate::model::istio::Destination;

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
