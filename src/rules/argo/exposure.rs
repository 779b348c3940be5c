//! `rollout-exposure`: see rules/rollout-exposure.md.

use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::rollouts::Rollout;
use crate::model::schedule::{self, Excess};
use crate::rules::{Context, Rule};

declare_rule!(RolloutExposure, kinds: [Kind::Rollout]);

impl Rule for RolloutExposure {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
        // Out-of-range weights are `rollout-weight-steps`' finding. After the last step the
        // weight is 100: that is promotion, not a step under analysis, so it is left out.
        let steps: Vec<_> = rollout
            .set_weights()
            .into_iter()
            .filter_map(|w| Some((w, w.weight.value.filter(|v| (0..=100).contains(v))?)))
            .collect();
        let weights: Vec<i64> = steps.iter().map(|(_, v)| *v).collect();
        let policy = cx.policy();
        // Leading `setWeight: 0` steps expose nothing: the rise to the first exposure is
        // `max-first-step`'s to judge, not `max-step`'s.
        let offset = weights.iter().position(|&w| w > 0).unwrap_or(0);
        let exposed = weights.get(offset..).unwrap_or(&[]);
        for excess in schedule::excesses(exposed, policy) {
            let at = offset + excess.step();
            let Some((w, _)) = steps.get(at) else {
                continue;
            };
            let help = match excess {
                Excess::Peak { limit, .. } => format!(
                    "keep the canary at or below {limit}% while it is under analysis; promotion after the last step takes it to 100%"
                ),
                Excess::FirstStep { limit, .. } => {
                    format!("start with a `setWeight` of at most {limit}")
                }
                Excess::Jump { limit, .. } => {
                    format!("add `setWeight` steps in between, at most {limit} points apart")
                }
            };
            cx.report_with_help(
                w.weight,
                format!(
                    "{}, at `steps[{}]` of schedule `{}`",
                    excess.describe(),
                    w.step,
                    schedule::format(&weights)
                ),
                help,
            );
        }
    }
}
