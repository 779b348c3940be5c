//! `rollout-weight-steps`: see rules/rollout-weight-steps.md.

use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::rollouts::{Rollout, SetWeight};
use crate::rules::{Context, Rule};

declare_rule!(RolloutWeightSteps, kinds: [Kind::Rollout]);

impl Rule for RolloutWeightSteps {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
        let weights = rollout.set_weights();
        let mut valid: Vec<(SetWeight, i64)> = Vec::new();
        for w in weights {
            let Some(v) = w.weight.value else {
                continue;
            };
            // argo-rollouts pkg/apis/rollouts/validation/validation.go
            // ValidateRolloutStrategyCanary: "SetWeight needs to be between 0 and 100".
            if (0..=100).contains(&v) {
                valid.push((w, v));
            } else {
                cx.report_with_help(
                    w.weight,
                    format!(
                        "`setWeight` of {v} at `steps[{}]` is outside 0..100; Argo Rollouts rejects the Rollout",
                        w.step
                    ),
                    "give the canary's share of traffic in percent, from 0 to 100",
                );
            }
        }
        down_then_up(&valid, cx);
        same_service(&rollout, cx);
    }
}

/// A weight that falls and then rises again moves traffic back and forth: Argo Rollouts
/// applies each `setWeight` as written.
// argo-rollouts utils/replicaset/canary.go GetCurrentSetWeight: the last setWeight reached is
// applied; decreases are not validated.
fn down_then_up(weights: &[(SetWeight, i64)], cx: &mut Context<'_>) {
    let mut fall: Option<(usize, i64, usize, i64)> = None;
    for pair in weights.windows(2) {
        let [(a, av), (b, bv)] = pair else {
            continue;
        };
        if bv < av && fall.is_none() {
            fall = Some((a.step, *av, b.step, *bv));
        } else if bv > av {
            let Some((from_step, from, to_step, to)) = fall else {
                continue;
            };
            cx.report_with_help(
                b.weight,
                format!(
                    "canary weight falls from {from}% (`steps[{from_step}]`) to {to}% (`steps[{to_step}]`) and rises again to {bv}% (`steps[{}]`); Argo Rollouts applies each `setWeight` as written, so traffic moves back and forth",
                    b.step
                ),
                "make the `setWeight` steps non-decreasing; a decrease is usually a typo",
            );
            return;
        }
    }
}

// argo-rollouts pkg/apis/rollouts/validation/validation.go: "This rollout uses the same
// service for the stable and canary services, but two different services are required."
fn same_service(rollout: &Rollout<'_>, cx: &mut Context<'_>) {
    let (Some(canary), Some(stable)) = (rollout.canary_service(), rollout.stable_service()) else {
        return;
    };
    let c = canary.value;
    if c.is_empty() || c != stable.value || is_templated(c) {
        return;
    }
    let line = cx.line(stable);
    cx.report_with_help(
        canary,
        format!(
            "`canaryService` is `{c}`, the same Service as `stableService` (line {line}); Argo Rollouts rejects a Rollout that uses one Service for both"
        ),
        format!("create a separate canary Service (e.g. `{c}-canary`) with the same selector and ports"),
    );
}
