//! `flagger-exposure`: see rules/flagger-exposure.md.

use crate::model::flagger::{Analysis, Canary};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::schedule::{self, Excess};
use crate::rules::{Context, Rule};

declare_rule!(FlaggerExposure, kinds: [Kind::Canary]);

impl Rule for FlaggerExposure {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        // Without analysis there is no schedule (`flagger-skip-analysis`); `iterations`
        // (A/B testing, blue/green) is all-or-nothing by design.
        let Some(a) = Canary::view(res).and_then(|c| c.scheduled_analysis()) else {
            return;
        };
        let weights = a.canary_weights();
        let excesses = schedule::excesses(&weights, cx.policy());
        if excesses.is_empty() {
            return;
        }
        let list = a.step_weights.as_ref().filter(|f| !f.value.is_empty());
        let step_weight = a.step_weight.map(|f| f.span);
        for e in excesses {
            let at = match (&e, list) {
                (_, Some(list)) => {
                    let w = weights.get(e.step()).copied().unwrap_or(0);
                    let entry = list
                        .value
                        .iter()
                        .find(|i| i.value.map(|v| v.min(100)) == Some(w));
                    Some(entry.map_or(list.span, |i| i.span))
                }
                (Excess::Peak { .. }, None) => a.max_weight.map(|f| f.span).or(step_weight),
                (_, None) => step_weight,
            };
            let Some(at) = at else {
                continue;
            };
            let help = match e {
                Excess::Peak { limit, .. } => peak_help(&a, list.is_some(), limit),
                Excess::FirstStep { limit, .. } => format!("start at {limit}% or less"),
                Excess::Jump { limit, .. } => {
                    format!("add steps so that no increase is above {limit} points")
                }
            };
            cx.report_with_help(
                at,
                format!("schedule {}: {}", schedule::format(&weights), e.describe()),
                help,
            );
        }
    }
}

/// Which field to change so that the canary stays within `limit`%. Flagger promotes once the
/// canary reaches `maxWeight` (the last `stepWeights` entry when set, else `maxWeight`, else
/// 100; pkg/controller/scheduler.go maxWeight), stepping by `stepWeight` until it is reached.
fn peak_help(a: &Analysis<'_>, stepped_by_list: bool, limit: u32) -> String {
    if stepped_by_list {
        return format!(
            "keep every `stepWeights` entry at or below {limit}%; Flagger promotes after the last one"
        );
    }
    let limit = i64::from(limit);
    let step = a.step_weight.and_then(|f| f.value).unwrap_or(0);
    // The schedule stops at the first multiple of `stepWeight` at or above `maxWeight`.
    let max = if step > 0 { limit / step * step } else { limit };
    let explicit = a.max_weight.and_then(|f| f.value).is_some_and(|w| w > 0);
    if max <= 0 {
        return format!(
            "lower `stepWeight` to at most {limit}, and `maxWeight` with it; Flagger promotes once the canary reaches `maxWeight`"
        );
    }
    let multiple = if max < limit {
        format!(" (the largest multiple of `stepWeight` {step} within the policy's {limit}%)")
    } else {
        String::new()
    };
    if explicit {
        format!(
            "lower `maxWeight` to at most {max}{multiple}; Flagger promotes once the canary reaches it"
        )
    } else {
        format!(
            "set `maxWeight: {max}`{multiple}; without it Flagger takes the canary to 100% before promoting"
        )
    }
}
