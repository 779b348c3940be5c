//! `flagger-no-metrics`: see rules/flagger-no-metrics.md.

use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerNoMetrics, kinds: [Kind::Canary]);

impl Rule for FlaggerNoMetrics {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        // `flagger-skip-analysis` covers a Canary that runs no analysis at all.
        if canary.skips_analysis() || !canary.is_complete() {
            return;
        }
        let help = "add `request-success-rate` and `request-duration` metrics (or MetricTemplates) with a `thresholdRange` to `analysis.metrics`";
        let Some(analysis) = canary.analysis() else {
            cx.report_with_help(
                res.name_span,
                format!(
                    "Canary `{}` has no `analysis`: only pod readiness gates promotion",
                    res.name
                ),
                help,
            );
            return;
        };
        if !analysis.metrics().is_empty() {
            return;
        }
        let gates = if analysis.webhooks().is_empty() {
            "only pod readiness gates promotion"
        } else {
            "only pod readiness and webhooks gate promotion"
        };
        cx.report_with_help(
            analysis.key,
            format!("the analysis checks no metrics: {gates}"),
            help,
        );
    }
}
