//! The one table of rules: ids, their names, and the rule objects. Rule-id strings are
//! compared nowhere else.

use crate::diagnostic::Severity;
use crate::rules::{delivery, istio, Rule, RuleMeta};

macro_rules! rule_ids {
    ($($variant:ident => $name:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId { $($variant,)* }

        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $name,)* }
            }

            pub fn from_name(name: &str) -> Option<RuleId> {
                match name { $($name => Some(RuleId::$variant),)* _ => None }
            }

            /// The rule's documentation, `rules/<id>.md`, embedded in the binary.
            pub fn doc(self) -> &'static str {
                match self {
                    $(RuleId::$variant => include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),)*
                }
            }
        }
    };
}

rule_ids! {
    YamlSyntax => "yaml-syntax",
    DuplicateKey => "duplicate-key",
    SkippedFile => "skipped-file",
    IoError => "io-error",
    InternalError => "internal-error",
    UnusedSuppression => "unused-suppression",
    WeightSum => "weight-sum",
    WeightInvalid => "weight-invalid",
    InvertedSplit => "inverted-split",
    MissingSubset => "missing-subset",
    ShadowedRoute => "shadowed-route",
    ShadowedMatch => "shadowed-match",
    DuplicateSubset => "duplicate-subset",
    ConflictingVirtualservice => "conflicting-virtualservice",
    StickySessionSplit => "sticky-session-split",
    // Progressive delivery: the platform standard.
    ManualWeightSplit => "manual-weight-split",
    // Progressive delivery: Flagger.
    FlaggerSkipAnalysis => "flagger-skip-analysis",
    FlaggerNoMetrics => "flagger-no-metrics",
    FlaggerSloGates => "flagger-slo-gates",
    FlaggerThresholdRange => "flagger-threshold-range",
    FlaggerWeightSteps => "flagger-weight-steps",
    FlaggerExposure => "flagger-exposure",
    FlaggerRollbackSla => "flagger-rollback-sla",
    FlaggerDuration => "flagger-duration",
    FlaggerTargetMissing => "flagger-target-missing",
    FlaggerTemplateMissing => "flagger-template-missing",
    FlaggerOwnedResource => "flagger-owned-resource",
    FlaggerDuplicateTarget => "flagger-duplicate-target",
    FlaggerWebhook => "flagger-webhook",

    // Progressive delivery: Argo Rollouts.
    RolloutRouteMissing => "rollout-route-missing",
    RolloutSubsetMissing => "rollout-subset-missing",
    RolloutWeightSteps => "rollout-weight-steps",
    RolloutExposure => "rollout-exposure",
    RolloutNoAnalysis => "rollout-no-analysis",
    // Change-aware: compared with a base revision (`--base`).
    WeightJump => "weight-jump",
    WeightRollbackIncomplete => "weight-rollback-incomplete",
    // Istio, added after the others: ids keep their positions (SARIF rule indexes).
    RedundantMatch => "redundant-match",

}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Findings the loader and the engine make themselves.
static BUILTIN: &[RuleMeta] = &[
    RuleMeta {
        id: RuleId::YamlSyntax,
        summary: "a document that is not valid YAML",
        severity: Severity::Error,
        kinds: &[],
    },
    RuleMeta {
        id: RuleId::DuplicateKey,
        summary: "a mapping key given twice; loaders silently keep one of them",
        severity: Severity::Error,
        kinds: &[],
    },
    RuleMeta {
        id: RuleId::SkippedFile,
        summary: "a file or document that could not be linted (encoding, size, templates)",
        severity: Severity::Info,
        kinds: &[],
    },
    RuleMeta {
        id: RuleId::IoError,
        summary: "a file that could not be read",
        severity: Severity::Warning,
        kinds: &[],
    },
    RuleMeta {
        id: RuleId::UnusedSuppression,
        summary: "a suppression comment or annotation that suppresses nothing, or names no rule",
        severity: Severity::Warning,
        kinds: &[],
    },
    RuleMeta {
        id: RuleId::InternalError,
        summary: "a rule failed on this resource; please report it",
        severity: Severity::Error,
        kinds: &[],
    },
];

/// Every rule that checks resources, in a stable order.
pub static RULES: &[&dyn Rule] = &[
    &istio::weight_sum::WeightSum,
    &istio::weight_invalid::WeightInvalid,
    &istio::inverted_split::InvertedSplit,
    &istio::missing_subset::MissingSubset,
    &istio::shadowed_route::ShadowedRoute,
    &istio::shadowed_route::ShadowedMatch,
    &istio::redundant_match::RedundantMatch,
    &istio::duplicate_subset::DuplicateSubset,
    &istio::conflicting_virtualservice::ConflictingVirtualservice,
    &istio::sticky_session_split::StickySessionSplit,
    &delivery::manual_weight_split::ManualWeightSplit,
    // Flagger rules.
    &crate::rules::flagger::skip_analysis::FlaggerSkipAnalysis,
    &crate::rules::flagger::no_metrics::FlaggerNoMetrics,
    &crate::rules::flagger::slo_gates::FlaggerSloGates,
    &crate::rules::flagger::threshold_range::FlaggerThresholdRange,
    &crate::rules::flagger::weight_steps::FlaggerWeightSteps,
    &crate::rules::flagger::exposure::FlaggerExposure,
    &crate::rules::flagger::rollback_sla::FlaggerRollbackSla,
    &crate::rules::flagger::duration::FlaggerDuration,
    &crate::rules::flagger::target_missing::FlaggerTargetMissing,
    &crate::rules::flagger::template_missing::FlaggerTemplateMissing,
    &crate::rules::flagger::owned_resource::FlaggerOwnedResource,
    &crate::rules::flagger::duplicate_target::FlaggerDuplicateTarget,
    &crate::rules::flagger::webhook::FlaggerWebhook,
    // Argo Rollouts rules.
    &crate::rules::argo::route_missing::RolloutRouteMissing,
    &crate::rules::argo::subset_missing::RolloutSubsetMissing,
    &crate::rules::argo::weight_steps::RolloutWeightSteps,
    &crate::rules::argo::exposure::RolloutExposure,
    &crate::rules::argo::no_analysis::RolloutNoAnalysis,
    // Change-aware rules.
    &crate::rules::change::weight_jump::WeightJump,
    &crate::rules::change::weight_rollback_incomplete::WeightRollbackIncomplete,
];

impl RuleId {
    pub fn meta(self) -> &'static RuleMeta {
        BUILTIN
            .iter()
            .find(|m| m.id == self)
            .or_else(|| RULES.iter().map(|r| r.meta()).find(|m| m.id == self))
            .expect("every rule id has a meta entry")
    }
}

/// The metadata of every rule id, in id order.
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    RuleId::ALL.iter().map(|id| id.meta())
}

/// The closest rule id to a misspelt one, for did-you-mean hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::text::closest(name, RuleId::ALL.iter().map(|r| r.as_str()))
}
