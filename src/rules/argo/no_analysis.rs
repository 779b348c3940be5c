//! `rollout-no-analysis`: see rules/rollout-no-analysis.md.

use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::rollouts::{Pause, Rollout};
use crate::model::schedule;
use crate::rules::{Context, Rule};
use crate::text::join_and;

declare_rule!(RolloutNoAnalysis, kinds: [Kind::Rollout]);

impl Rule for RolloutNoAnalysis {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
        let steps = rollout.steps();
        let weights: Vec<i64> = steps
            .iter()
            .filter_map(|s| s.set_weight())
            .filter_map(|w| w.weight.value)
            .collect();
        if steps.iter().all(|s| s.set_weight().is_none()) {
            return;
        }
        // Argo Rollouts analysis: a background `strategy.canary.analysis`, inline
        // `steps[].analysis`, or `steps[].experiment.analyses` (a failed one aborts).
        if rollout.has_background_analysis() || steps.iter().any(|s| s.runs_analysis()) {
            return;
        }
        let Some(key) = rollout.steps_key() else {
            return;
        };
        let pauses: Vec<Pause> = steps.iter().filter_map(|s| s.pause()).collect();
        let mut timers: Vec<String> = Vec::new();
        for p in pauses.iter().filter(|p| matches!(p, Pause::Timed(_))) {
            let d = p.describe();
            if !timers.contains(&d) {
                timers.push(d);
            }
        }
        let person = pauses.iter().any(|p| matches!(p, Pause::Indefinite));
        let mut gates = Vec::new();
        if !timers.is_empty() {
            gates.push(format!("timers ({})", join_and(&timers)));
        }
        if person {
            gates.push("a person (`pause: {}`)".to_string());
        }
        if steps.iter().any(|s| s.is_experiment()) {
            gates.push("`experiment` steps that run no analyses".to_string());
        }
        let rests = if gates.is_empty() {
            "nothing: with no pause or experiment, every step follows the last at once".to_string()
        } else {
            join_and(&gates)
        };
        let schedule = if weights.is_empty() {
            String::new()
        } else {
            format!(" (`setWeight` {})", schedule::format(&weights))
        };
        cx.report_with_help(
            key,
            format!(
                "the canary steps{schedule} run no automated analysis: promotion rests on {rests}"
            ),
            "add a background `analysis` under `strategy.canary`, or `analysis` steps, with AnalysisTemplates that measure the canary (error rate, latency)",
        );
    }
}
