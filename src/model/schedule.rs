//! Exposure schedules: the canary weights a controller will step through, and how they
//! measure against the policy. Read by the Flagger and Argo Rollouts rules.

use crate::config::Policy;

/// `1 → 5 → 10 → 80`.
pub(crate) fn format(weights: &[i64]) -> String {
    weights
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

/// One way a schedule exceeds the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Excess {
    /// The schedule goes above `max-canary-weight`: at `step` (the first step above it, at
    /// `first`%), up to `peak`%.
    Peak {
        step: usize,
        first: i64,
        peak: i64,
        limit: u32,
    },
    /// The first exposure, above `max-first-step`.
    FirstStep { weight: i64, limit: u32 },
    /// An increase between two steps, above `max-step`.
    Jump {
        step: usize,
        from: i64,
        to: i64,
        limit: u32,
    },
}

impl Excess {
    /// The 0-based step the excess is at.
    pub(crate) fn step(&self) -> usize {
        match self {
            Excess::Peak { step, .. } | Excess::Jump { step, .. } => *step,
            Excess::FirstStep { .. } => 0,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Excess::Peak {
                first, peak, limit, ..
            } if first < peak => format!(
                "the canary peaks at {peak}%, above the policy's `max-canary-weight` of {limit}% from {first}% on"
            ),
            Excess::Peak { peak, limit, .. } => {
                format!("the canary reaches {peak}%, above the policy's `max-canary-weight` of {limit}%")
            }
            Excess::FirstStep { weight, limit } => {
                format!("the first step exposes {weight}%, above the policy's `max-first-step` of {limit}%")
            }
            Excess::Jump { from, to, limit, .. } => format!(
                "the step from {from}% to {to}% (+{}) is above the policy's `max-step` of {limit} points",
                to - from
            ),
        }
    }
}

/// How the canary weights of a schedule (in order, while under analysis) exceed the policy.
/// Only the first excess of each kind is returned.
pub(crate) fn excesses(weights: &[i64], policy: &Policy) -> Vec<Excess> {
    let mut out = Vec::new();
    // Steps at 0% expose nothing; exposure starts at the first positive weight.
    let skipped = weights.iter().take_while(|&&w| w <= 0).count();
    let live = &weights[skipped..];
    if let Some(&first) = live.first() {
        if first > i64::from(policy.max_first_step) {
            out.push(Excess::FirstStep {
                weight: first,
                limit: policy.max_first_step,
            });
        }
    }
    // The first exposure is `max-first-step`'s; `max-step` governs the increases after it.
    for (i, pair) in live.windows(2).enumerate() {
        let (from, to) = (pair[0], pair[1]);
        if to - from > i64::from(policy.max_step) {
            out.push(Excess::Jump {
                step: skipped + i + 1,
                from,
                to,
                limit: policy.max_step,
            });
            break;
        }
    }
    if let Some((i, &w)) = weights
        .iter()
        .enumerate()
        .find(|(_, &w)| w > i64::from(policy.max_canary_weight))
    {
        out.push(Excess::Peak {
            step: i,
            first: w,
            peak: weights.iter().copied().max().unwrap_or(w),
            limit: policy.max_canary_weight,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_against_policy() {
        let p = Policy::default();
        assert!(excesses(&[5, 10, 20, 40, 50], &p).is_empty());
        assert_eq!(format(&[1, 5, 10, 80]), "1 → 5 → 10 → 80");
        let e = excesses(&[1, 5, 10, 80], &p);
        assert_eq!(
            e,
            vec![
                Excess::Jump {
                    step: 3,
                    from: 10,
                    to: 80,
                    limit: 20
                },
                Excess::Peak {
                    step: 3,
                    first: 80,
                    peak: 80,
                    limit: 50
                },
            ]
        );
        assert_eq!(excesses(&[0, 5, 10], &p), vec![]);
        // The peak is the highest weight, not the first one above the limit.
        let e = excesses(&[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], &p);
        assert_eq!(
            e.last(),
            Some(&Excess::Peak {
                step: 5,
                first: 60,
                peak: 100,
                limit: 50
            })
        );
        assert_eq!(
            e.last().map(Excess::describe).as_deref(),
            Some("the canary peaks at 100%, above the policy's `max-canary-weight` of 50% from 60% on")
        );
        assert_eq!(
            excesses(&[0, 40], &p),
            vec![Excess::FirstStep {
                weight: 40,
                limit: 10
            }]
        );
        let e = excesses(&[25, 50], &p);
        assert_eq!(
            e,
            vec![
                Excess::FirstStep {
                    weight: 25,
                    limit: 10
                },
                Excess::Jump {
                    step: 1,
                    from: 25,
                    to: 50,
                    limit: 20
                }
            ]
        );
    }
}
