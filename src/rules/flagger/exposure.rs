//! `flagger-exposure`: see rules/flagger-exposure.md.

use crate::diagnostic::Severity;
use crate::model::flagger::Canary;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::delivery::schedule::{self, Excess};
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};

pub struct FlaggerExposure;

static META: RuleMeta = RuleMeta {
    id: RuleId::FlaggerExposure,
    summary: "a Canary traffic schedule that exposes more than the policy allows",
    severity: Severity::Warning,
    kinds: &[Kind::Canary],
};

impl Rule for FlaggerExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
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
        let list = a
            .get("stepWeights")
            .map(|n| n.items())
            .filter(|i| !i.is_empty());
        for e in excesses {
            let node = match (&e, list) {
                (_, Some(items)) => {
                    let w = weights.get(e.step()).copied().unwrap_or(0);
                    items
                        .iter()
                        .find(|i| {
                            i.as_scalar().and_then(|s| s.as_int()).map(|v| v.min(100)) == Some(w)
                        })
                        .or_else(|| a.get("stepWeights"))
                }
                (Excess::Peak { .. }, None) => a.get("maxWeight").or_else(|| a.get("stepWeight")),
                (_, None) => a.get("stepWeight"),
            };
            let Some(node) = node else {
                continue;
            };
            let help = match e {
                Excess::Peak { limit, .. } => {
                    format!("lower the last step to at most {limit}%; Flagger promotes from there")
                }
                Excess::FirstStep { limit, .. } => format!("start at {limit}% or less"),
                Excess::Jump { limit, .. } => {
                    format!("add steps so that no increase is above {limit} points")
                }
            };
            cx.report_with_help(
                node.span,
                format!("schedule {}: {}", schedule::format(&weights), e.describe()),
                help,
            );
        }
    }
}
