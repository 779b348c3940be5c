//! `flagger-skip-analysis`: see rules/flagger-skip-analysis.md.

use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerSkipAnalysis, kinds: [Kind::Canary]);

impl Rule for FlaggerSkipAnalysis {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        // Flagger pkg/controller/scheduler.go shouldSkipAnalysis: with skipAnalysis the
        // canary is promoted on the next tick; only `confirm-rollout` webhooks still run.
        let Some(skip) = canary.skip_analysis().filter(|s| s.value) else {
            return;
        };
        cx.report_with_help(
            skip,
            "`skipAnalysis: true` promotes every new version without checking a single metric",
            "remove `skipAnalysis` (or set it to `false`) so the analysis gates promotion",
        );
    }
}
