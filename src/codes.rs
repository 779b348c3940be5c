//! The one table of rules: each rule's id, its name (the only place a rule-id string is
//! written), its default severity, its one-line summary and the rule that checks it. Its
//! documentation is `rules/<name>.md`, embedded. Everything that names rules (config, flags,
//! suppressions, renderers, `canarylint rules`, the registry of checks) is generated from
//! this table, so that adding a rule is one line here.

use crate::diagnostic::Severity;

/// Calls `$callback!` with every rule, in id order (the order of SARIF rule indexes: new
/// rules go at the end). An entry is `Variant => "name", Severity, "summary"`, then the
/// type that checks resources, for rules that are not the loader's or the engine's own.
macro_rules! rule_table {
    ($callback:ident) => {
        $callback! {
            YamlSyntax => "yaml-syntax", Error, "a document that is not valid YAML";
            DuplicateKey => "duplicate-key", Error, "a mapping key given twice; loaders silently keep one of them";
            SkippedFile => "skipped-file", Info, "a file or document that could not be linted (encoding, size, templates)";
            IoError => "io-error", Warning, "a file that could not be read";
            InternalError => "internal-error", Error, "a rule failed on this resource; please report it";
            UnusedSuppression => "unused-suppression", Warning, "a suppression comment or annotation that suppresses nothing, or names no rule";
            WeightSum => "weight-sum", Error, "route weights that do not add up to 100", istio::weight_sum::WeightSum;
            WeightInvalid => "weight-invalid", Error, "a weight that is negative or not an integer, or a route whose weights are all 0", istio::weight_invalid::WeightInvalid;
            InvertedSplit => "inverted-split", Error, "a two-way split that sends the canary more traffic than the stable version", istio::inverted_split::InvertedSplit;
            MissingSubset => "missing-subset", Error, "a route or mirror names a subset that no visible DestinationRule defines", istio::missing_subset::MissingSubset;
            ShadowedRoute => "shadowed-route", Error, "a route that can never match because earlier routes catch all its requests", istio::shadowed_route::ShadowedRoute;
            ShadowedMatch => "shadowed-match", Warning, "a match block that earlier routes already catch, in a route that can still match", istio::shadowed_route::ShadowedMatch;
            DuplicateSubset => "duplicate-subset", Error, "a DestinationRule lists the same subset name twice", istio::duplicate_subset::DuplicateSubset;
            ConflictingVirtualservice => "conflicting-virtualservice", Warning, "two mesh VirtualServices claim the same host; Istio uses only one", istio::conflicting_virtualservice::ConflictingVirtualservice;
            StickySessionSplit => "sticky-session-split", Warning, "a weighted split across subsets of a host whose DestinationRule uses consistent-hash stickiness", istio::sticky_session_split::StickySessionSplit;
            // Progressive delivery: the platform standard.
            ManualWeightSplit => "manual-weight-split", Info, "a weighted split between versions that no Flagger Canary or Argo Rollout manages", delivery::manual_weight_split::ManualWeightSplit;
            // Progressive delivery: Flagger.
            FlaggerSkipAnalysis => "flagger-skip-analysis", Error, "a Canary that promotes without running its analysis", flagger::skip_analysis::FlaggerSkipAnalysis;
            FlaggerNoMetrics => "flagger-no-metrics", Error, "a Canary whose analysis checks no metrics", flagger::no_metrics::FlaggerNoMetrics;
            FlaggerSloGates => "flagger-slo-gates", Warning, "a Canary analysis that lacks an error-rate or latency gate the policy requires", flagger::slo_gates::FlaggerSloGates;
            FlaggerThresholdRange => "flagger-threshold-range", Error, "a Canary metric whose threshold range can never fail or always fails", flagger::threshold_range::FlaggerThresholdRange;
            FlaggerWeightSteps => "flagger-weight-steps", Error, "a Canary traffic schedule that does not do what it says", flagger::weight_steps::FlaggerWeightSteps;
            FlaggerExposure => "flagger-exposure", Warning, "a Canary traffic schedule that exposes more than the policy allows", flagger::exposure::FlaggerExposure;
            FlaggerRollbackSla => "flagger-rollback-sla", Warning, "a Canary that takes longer than the policy's rollback SLA to roll back", flagger::rollback_sla::FlaggerRollbackSla;
            FlaggerDuration => "flagger-duration", Error, "a Canary interval or webhook timeout that is not a Go duration", flagger::duration::FlaggerDuration;
            FlaggerTargetMissing => "flagger-target-missing", Error, "a Canary whose targetRef names a workload that is not defined", flagger::target_missing::FlaggerTargetMissing;
            FlaggerTemplateMissing => "flagger-template-missing", Error, "a Canary metric that references an undefined MetricTemplate or template variable", flagger::template_missing::FlaggerTemplateMissing;
            FlaggerOwnedResource => "flagger-owned-resource", Error, "a hand-written resource that a Flagger Canary generates and overwrites", flagger::owned_resource::FlaggerOwnedResource;
            FlaggerDuplicateTarget => "flagger-duplicate-target", Error, "two Canaries that target the same workload", flagger::duplicate_target::FlaggerDuplicateTarget;
            FlaggerWebhook => "flagger-webhook", Warning, "a Canary webhook that always rolls back, never confirms, or outlasts the interval", flagger::webhook::FlaggerWebhook;
            // Progressive delivery: Argo Rollouts.
            RolloutRouteMissing => "rollout-route-missing", Error, "a Rollout's traffic routing names a VirtualService, http route or Gateway API route that does not exist", argo::route_missing::RolloutRouteMissing;
            RolloutSubsetMissing => "rollout-subset-missing", Error, "a Rollout's stable or canary subset or service is missing from its DestinationRule or managed route", argo::subset_missing::RolloutSubsetMissing;
            RolloutWeightSteps => "rollout-weight-steps", Error, "a canary `setWeight` outside 0..100 or going down and up again, or one service for stable and canary", argo::weight_steps::RolloutWeightSteps;
            RolloutExposure => "rollout-exposure", Warning, "a Rollout's `setWeight` steps expose more traffic than the delivery policy allows", argo::exposure::RolloutExposure;
            RolloutNoAnalysis => "rollout-no-analysis", Warning, "a canary Rollout that shifts traffic with no automated analysis", argo::no_analysis::RolloutNoAnalysis;
            // Change-aware: compared with a base revision (`--base`).
            WeightJump => "weight-jump", Error, "a change that raises a canary's share by more than the policy's `max-step`, or swaps stable and canary", change::weight_jump::WeightJump;
            WeightRollbackIncomplete => "weight-rollback-incomplete", Warning, "a change that moves a canary to 0% on one route while another route still sends it traffic", change::weight_rollback_incomplete::WeightRollbackIncomplete;
            // Istio, added after the others: ids keep their positions (SARIF rule indexes).
            RedundantMatch => "redundant-match", Info, "a match block that an earlier block of the same route already covers", istio::redundant_match::RedundantMatch;
            // The rest of the repository: Services, workloads and Gateways behind the routes.
            SubsetSelectsNothing => "subset-selects-nothing", Error, "a DestinationRule subset whose labels match no pod behind the host's Service", istio::subset_selects_nothing::SubsetSelectsNothing;
            SubsetWithoutLabels => "subset-without-labels", Warning, "a DestinationRule subset without labels, which selects every pod of the host", istio::subset_without_labels::SubsetWithoutLabels;
            // Progressive delivery, added after the others.
            FlaggerIgnoredSetting => "flagger-ignored-setting", Warning, "a Canary setting that Flagger ignores for the strategy it will run", flagger::ignored_setting::FlaggerIgnoredSetting;
            RolloutTemplateMissing => "rollout-template-missing", Error, "a Rollout analysis that names an undefined AnalysisTemplate or ClusterAnalysisTemplate, or uses the removed `templateName`", argo::template_missing::RolloutTemplateMissing;
            HostNotFqdn => "host-not-fqdn", Error, "a destination or DestinationRule host written `svc.ns` or `svc.ns.svc`, which Istio does not expand", istio::host_not_fqdn::HostNotFqdn;
            DuplicateDestinationrule => "duplicate-destinationrule", Warning, "several DestinationRules for one host in one namespace, where Istio drops all but the first traffic policy or subset of a name", istio::duplicate_destinationrule::DuplicateDestinationrule;
            FlaggerTargetSelector => "flagger-target-selector", Error, "a Canary whose target workload's selector has none of the labels Flagger selects pods by", flagger::target_selector::FlaggerTargetSelector;
            DestinationPortRequired => "destination-port-required", Error, "a destination without `port` whose service has several ports, reached on a port it does not have", istio::destination_port_required::DestinationPortRequired;
            HostNotFound => "host-not-found", Warning, "a destination or DestinationRule host naming an in-cluster Service that the repository does not define where it defines the namespace's Services", istio::host_not_found::HostNotFound;
            GatewayNotFound => "gateway-not-found", Error, "a VirtualService `gateways` entry that names a Gateway the repository does not define in that namespace", istio::gateway_not_found::GatewayNotFound;
            GatewayHostMismatch => "gateway-host-mismatch", Error, "a VirtualService bound to a Gateway that serves none of its hosts, so its routes never see a request (404)", istio::gateway_host_mismatch::GatewayHostMismatch;
            // Overlays: what a kustomization's render does to the resources.
            PatchDropsRoutes => "patch-drops-routes", Warning, "a strategic-merge patch that replaces a list of a custom resource and drops entries of the base (routes, subsets, steps, metrics)";
            OverlayBuildError => "overlay-build-error", Error, "a kustomization that `kustomize build` rejects: a missing file, a patch that matches nothing, a JSON 6902 path that does not exist";
            // Gateway API routes.
            BackendWeightOmitted => "backend-weight-omitted", Warning, "a Gateway API route rule where some backends have a `weight` and others have none (and so weight 1)", gateway::backend_weight_omitted::BackendWeightOmitted;
            BackendNotFound => "backend-not-found", Error, "a Gateway API route backend that names a Service the repository does not define, or one of another namespace that no ReferenceGrant lets it use", gateway::backend_not_found::BackendNotFound;
            ParentNotFound => "parent-not-found", Error, "a Gateway API route parentRef to a Gateway or Service the repository does not define, or to a listener that does not accept the route", gateway::parent_not_found::ParentNotFound;
            ConflictingRouteMatch => "conflicting-route-match", Warning, "two Gateway API route rules on the same parent and hostname with identical matches; only one of them gets the traffic", gateway::conflicting_route_match::ConflictingRouteMatch;
            // Schemas of the CustomResourceDefinitions.
            UnknownField => "unknown-field", Error, "a field the CustomResourceDefinition's schema does not define, which the API server drops", schema::unknown_field::UnknownField;
            InvalidField => "invalid-field", Error, "a value the CustomResourceDefinition's schema rejects: a wrong type, an enum, pattern or range, a missing required field, an apiVersion the CRD does not serve", schema::invalid_field::InvalidField;
        }
    };
}
pub(crate) use rule_table;

macro_rules! define_codes {
    ($($variant:ident => $name:literal, $severity:ident, $summary:literal $(, $check:path)?;)*) => {
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

            /// The severity of the rule's findings, unless the config overrides it.
            pub(crate) fn severity(self) -> Severity {
                match self { $(RuleId::$variant => Severity::$severity,)* }
            }

            /// One line, lowercase, no final period.
            pub(crate) fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $summary,)* }
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

rule_table!(define_codes);

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The closest rule id to a misspelt one, for did-you-mean hints.
pub(crate) fn suggest(name: &str) -> Option<&'static str> {
    crate::text::closest(name, RuleId::ALL.iter().map(|r| r.as_str()))
}
