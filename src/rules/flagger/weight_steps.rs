//! `flagger-weight-steps`: see rules/flagger-weight-steps.md.

use crate::model::flagger::{Analysis, Canary, TOTAL_WEIGHT};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::schedule;
use crate::model::spanned::{Location, Spanned};
use crate::rules::{Context, Rule};

declare_rule!(FlaggerWeightSteps, kinds: [Kind::Canary]);

impl Rule for FlaggerWeightSteps {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(a) = Canary::view(res).and_then(|c| c.analysis()) else {
            return;
        };
        // The Canary CRD's analysis `oneOf` requires exactly one of the three
        // (artifacts/flagger/crd.yaml).
        let mut modes: Vec<(&str, Location)> = [
            ("iterations", a.iterations.map(|f| f.key)),
            ("stepWeight", a.step_weight.map(|f| f.key)),
            ("stepWeights", a.step_weights.as_ref().map(|f| f.key)),
        ]
        .into_iter()
        .filter_map(|(m, key)| Some((m, key?)))
        .collect();
        modes.sort_by_key(|(_, key)| key.span.start);
        if let [(first, _), rest @ ..] = modes.as_slice() {
            for (m, key) in rest {
                cx.report_with_help(
                    *key,
                    format!("`{m}` is set together with `{first}`: the Canary CRD accepts only one of `iterations`, `stepWeight` and `stepWeights`, and the API server rejects this Canary"),
                    format!("keep either `{first}` or `{m}`"),
                );
            }
            if !rest.is_empty() {
                return;
            }
        }
        if a.step_weights.is_some() {
            step_weights(&a, cx);
        } else if a.step_weight.is_some() {
            step_weight(&a, cx);
        }
    }
}

fn step_weights(a: &Analysis<'_>, cx: &mut Context<'_>) {
    // Flagger pkg/controller/scheduler.go maxWeight: with stepWeights, the last one is the
    // promotion weight and `maxWeight` is not read.
    if let Some(max) = a.max_weight {
        cx.report_with_help(
            max.key,
            "`maxWeight` is ignored when `stepWeights` is set: the last step weight is where Flagger promotes",
            "remove `maxWeight`; the last entry of `stepWeights` is the highest canary weight",
        );
    }
    let Some(list) = &a.step_weights else {
        return;
    };
    let mut prev: Option<i64> = None;
    for item in &list.value {
        let Some(w) = item.value else {
            continue;
        };
        if !(1..=TOTAL_WEIGHT).contains(&w) {
            cx.report_with_help(
                item.span,
                format!("step weight `{w}` is outside 1..100: a canary weight is a percentage of traffic"),
                "use weights from 1 to 100",
            );
        } else if let Some(p) = prev.filter(|&p| w <= p) {
            // pkg/controller/scheduler.go nextStepWeight moves to the first entry above the
            // current weight, so this one is skipped.
            cx.report_with_help(
                item.span,
                format!("step weight `{w}` does not increase on the one before it ({p}): Flagger skips it and the schedule runs {}", schedule::format(&a.canary_weights())),
                "list the step weights in strictly increasing order",
            );
        }
        prev = Some(prev.map_or(w, |p| p.max(w)));
    }
}

fn step_weight(a: &Analysis<'_>, cx: &mut Context<'_>) {
    let Some(Spanned {
        value: step,
        span: step_at,
    }) = a.step_weight.and_then(|f| f.known())
    else {
        return;
    };
    if step <= 0 {
        cx.report_with_help(
            step_at,
            format!("`stepWeight: {step}` never advances the canary: it stays at 0% and is never promoted"),
            "set a positive `stepWeight`, e.g. `10`",
        );
        return;
    }
    let Some(Spanned {
        value: max,
        span: max_at,
    }) = a.max_weight.and_then(|f| f.known())
    else {
        return;
    };
    if max > TOTAL_WEIGHT {
        // Promotion needs canaryWeight >= maxWeight, and the weight is capped at 100.
        cx.report_with_help(
            max_at,
            format!("`maxWeight: {max}` is above 100: the canary weight stops at 100% and Flagger never promotes"),
            "set `maxWeight` to at most 100",
        );
        return;
    }
    let weights = a.canary_weights();
    let Some(&last) = weights.last() else {
        return;
    };
    if max > 0 && last > max {
        let lower = max / step * step;
        let upper = lower + step;
        let options: Vec<String> = [lower, upper]
            .into_iter()
            .filter(|w| (1..=TOTAL_WEIGHT).contains(w))
            .map(|w| w.to_string())
            .collect();
        cx.report_with_help(
            max_at,
            format!(
                "`maxWeight: {max}` with `stepWeight: {step}` runs {}: the canary overshoots to {last}%",
                schedule::format(&weights)
            ),
            format!(
                "set `maxWeight` to a multiple of `stepWeight` ({}), or list the weights in `stepWeights`",
                options.join(" or ")
            ),
        );
    }
}
