//! `flagger-ignored-setting`: see rules/flagger-ignored-setting.md.

use crate::model::flagger::{Analysis, Canary};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::{Field, Location, Spanned};
use crate::rules::{Context, Rule};

declare_rule!(FlaggerIgnoredSetting, kinds: [Kind::Canary]);

/// Flagger's provider name for plain Kubernetes Services (pkg/apis/flagger/v1beta1/provider.go
/// KubernetesProvider).
const KUBERNETES: &str = "kubernetes";

/// The `iterations` Flagger sets for the kubernetes provider when fewer than one are given
/// (pkg/controller/scheduler.go advanceCanary).
const KUBERNETES_ITERATIONS: i64 = 10;

impl Rule for FlaggerIgnoredSetting {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        // Without analysis Flagger promotes at once (`flagger-skip-analysis`), and a fragment
        // or patch of a Canary does not say what the whole one runs.
        let Some(a) = canary.scheduled_analysis() else {
            return;
        };
        // Only the Canary's own `provider` is known: the mesh provider of the Flagger
        // deployment (`-mesh-provider`) applies otherwise.
        match canary.provider_field() {
            Some(p) if p.value == KUBERNETES => kubernetes(&a, p, cx),
            _ => iterations(&a, cx),
        }
    }
}

/// `provider: kubernetes`: Flagger drops `match` and runs blue/green.
// pkg/controller/scheduler.go advanceCanary, on every tick: with the kubernetes provider
// `Match` is set to nil ("A/B testing is not supported when using the kubernetes provider")
// and `Iterations` below 1 becomes 10 ("Progressive traffic is not supported when using the
// kubernetes provider"); DeploymentStrategy (pkg/apis/flagger/v1beta1/canary.go) then gives
// blue/green, and runBlueGreen neither sets weights (`maxWeight`, `stepWeight`,
// `stepWeights` are read by runCanary only) nor mirrors (`provider != "kubernetes"`);
// runPromotionTrafficShift finalises at once, without `stepWeightPromotion`.
fn kubernetes(a: &Analysis<'_>, provider: Spanned<&str>, cx: &mut Context<'_>) {
    let runs = match a.iterations {
        None => format!("blue/green (`iterations: {KUBERNETES_ITERATIONS}`)"),
        Some(f) => match f.value {
            Some(n) if n >= 1 => format!("blue/green (`iterations: {n}`)"),
            Some(_) => format!("blue/green (`iterations: {KUBERNETES_ITERATIONS}`)"),
            // A template or a quoted number: blue/green still, for however many.
            None => "blue/green".to_string(),
        },
    };
    let with = format!("with `provider: kubernetes` ({})", cx.location(provider));
    let alternative = "or set `provider` to a mesh or ingress controller that can split traffic";
    if let Some(m) = a.matches.filter(|m| m.value > 0) {
        cx.report_with_help(
            m.key,
            format!("`match` is ignored: {with} Flagger cannot route requests by header or cookie, so there is no A/B testing and it runs {runs}"),
            format!("remove `match`, {alternative} (e.g. `istio`) for A/B testing"),
        );
    }
    // `iterations` together with `stepWeight` or `stepWeights` is rejected by the CRD
    // (`flagger-weight-steps`), so these are only ignored without it.
    if a.iterations.is_none() {
        for (name, key) in [
            ("stepWeight", a.step_weight.map(|f| f.key)),
            ("stepWeights", a.step_weights.as_ref().map(|f| f.key)),
        ] {
            let Some(key) = key else { continue };
            cx.report_with_help(
                key,
                format!("`{name}` is ignored: {with} Flagger shifts no traffic by weight and runs {runs} instead"),
                format!("replace `{name}` with `iterations` (the checks before promotion), {alternative}"),
            );
        }
    }
    if let Some(max) = a.max_weight {
        cx.report_with_help(
            max.key,
            format!("`maxWeight` is ignored: {with} Flagger shifts no traffic by weight and runs {runs} instead"),
            format!("remove `maxWeight`, {alternative}"),
        );
    }
    if let Some(step) = a.step_weight_promotion.filter(|f| f.value != Some(0)) {
        cx.report_with_help(
            step.key,
            format!("`stepWeightPromotion` is ignored: {with} Flagger promotes by rolling out the primary, with no traffic to shift back in steps"),
            format!("remove `stepWeightPromotion`, {alternative}"),
        );
    }
    if let Some(mirror) = mirrored(a) {
        cx.report_with_help(
            mirror.key,
            format!("`mirror` is ignored: {with} Flagger cannot mirror traffic, and the {runs} analysis runs without it"),
            format!("remove `mirror`, {alternative} (e.g. `istio`) for mirroring"),
        );
    }
}

/// `iterations` above 0: A/B testing with `match`, else blue/green; no traffic steps.
// pkg/apis/flagger/v1beta1/canary.go DeploymentStrategy: `len(Match) > 0 && Iterations > 0`
// is A/B testing, `Iterations > 0` blue/green, anything else a canary release; only
// runCanary (pkg/controller/scheduler.go) reads `maxWeight`, and runAB never mirrors.
// `match` with `stepWeight` and no `iterations` is a canary release whose weights apply to the
// matching requests (pkg/router/istio.go SetRoutes), so neither is ignored.
fn iterations(a: &Analysis<'_>, cx: &mut Context<'_>) {
    let (Some(field), Some(n)) = (a.iterations, a.iteration_count()) else {
        return;
    };
    let at = |l: Location| cx.location(l);
    let ab = a.matches.filter(|m| m.value > 0);
    let runs = match ab {
        Some(m) => format!(
            "with `iterations: {n}` ({}) and `match` ({}) Flagger runs A/B testing",
            at(field.key),
            at(m.key)
        ),
        None => format!(
            "with `iterations: {n}` ({}) Flagger runs blue/green",
            at(field.key)
        ),
    };
    let by_weight = if ab.is_some() {
        "which sends every matching request to the canary instead of a share of the traffic"
    } else {
        "which shifts no traffic by weight"
    };
    if let Some(max) = a.max_weight {
        cx.report_with_help(
            max.key,
            format!("`maxWeight` is ignored: {runs}, {by_weight}"),
            "remove `maxWeight`, or replace `iterations` with `stepWeight` or `stepWeights` for a canary release",
        );
    }
    if ab.is_some() {
        if let Some(mirror) = mirrored(a) {
            cx.report_with_help(
                mirror.key,
                format!("`mirror` is ignored: {runs}, which sends the matching requests to the canary and mirrors none"),
                "remove `mirror`, or remove `match` for blue/green with mirroring",
            );
        }
    }
}

/// `mirror: true`.
fn mirrored(a: &Analysis<'_>) -> Option<Field<Option<bool>>> {
    a.mirror.filter(|m| m.value == Some(true))
}
