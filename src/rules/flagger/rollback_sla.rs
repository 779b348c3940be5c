//! `flagger-rollback-sla`: see rules/flagger-rollback-sla.md.

use crate::duration::Duration;
use crate::model::flagger::{Canary, MIN_INTERVAL};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerRollbackSla, kinds: [Kind::Canary]);

impl Rule for FlaggerRollbackSla {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        // A fragment or patch may leave `interval` or `threshold` to its base.
        let Some(a) = Canary::view(res).and_then(|c| c.scheduled_analysis()) else {
            return;
        };
        // Flagger pkg/controller/scheduler.go advanceCanary: at the start of each tick, a
        // canary with FailedChecks >= threshold is rolled back; one failed check per
        // interval (pkg/apis/flagger/v1beta1/canary.go GetAnalysisInterval/Threshold).
        let interval = a.effective_interval();
        let threshold = a.effective_threshold();
        let worst = interval.saturating_mul(threshold.unsigned_abs());
        let sla = cx.policy().rollback_sla;
        if worst <= sla {
            return;
        }
        let interval_label = match a.interval.and_then(|f| f.value.valid()) {
            Some(d) if d < MIN_INTERVAL => format!("`interval: {d}` (raised to {interval})"),
            Some(d) => format!("`interval: {d}`"),
            None => format!("the default `interval` of {interval}"),
        };
        let threshold_set = a.threshold.and_then(|f| f.known()).filter(|t| t.value > 0);
        let threshold_label = match threshold_set {
            Some(_) => format!("`threshold: {threshold}`"),
            None => "the default `threshold` of 1".to_string(),
        };
        let promotion = match a.steps_to_promotion() {
            Some(n) => format!(
                "; full promotion takes {n} intervals ({})",
                Duration(interval.millis().saturating_mul(n as u64))
            ),
            None => String::new(),
        };
        let Some(at) = threshold_set.map(|t| t.span).or(a.interval.map(|f| f.span)) else {
            return;
        };
        let max_threshold = sla.millis() / interval.millis().max(1);
        let help = if max_threshold >= 1 {
            format!("lower `threshold` to {max_threshold} or shorten `interval` so that interval × threshold stays within {sla}")
        } else {
            format!("shorten `interval` to at most {sla}")
        };
        cx.report_with_help(
            at,
            format!(
                "{interval_label} × {threshold_label} = {worst} before traffic returns to stable, above the policy's `rollback-sla` of {sla}{promotion}"
            ),
            help,
        );
    }
}
