//! `flagger-threshold-range`: see rules/flagger-threshold-range.md.

use crate::model::flagger::{Canary, Metric};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerThresholdRange, kinds: [Kind::Canary]);

impl Rule for FlaggerThresholdRange {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(analysis) = Canary::view(res).and_then(|c| c.analysis()) else {
            return;
        };
        for m in analysis.metrics() {
            check_metric(&m, cx);
        }
    }
}

fn check_metric(m: &Metric<'_>, cx: &mut Context<'_>) {
    let name = m.name().unwrap_or("?");
    let builtin = m.builtin();
    let range = m.threshold_range();
    let (min, max) = range.map_or((None, None), |r| (r.min, r.max));
    let empty = range.is_none_or(|r| r.empty);
    // The deprecated `threshold` still gates when there is no range: a minimum success
    // rate, a maximum duration in milliseconds, a maximum for other metrics.
    if empty && m.has_legacy_threshold() {
        return;
    }
    if empty {
        // Flagger pkg/controller/scheduler_metrics.go: without a range the builtin success
        // rate is never compared, `request-duration` fails on any latency, and a template or
        // query metric fails when its value is above 0 (the unset deprecated `threshold`).
        let (effect, help) = match builtin {
            Some("request-success-rate") => (
                "the success rate is never checked",
                "add `thresholdRange: {min: 99}` (a percentage)",
            ),
            Some(_) => (
                "every request with any latency fails the check",
                "add `thresholdRange: {max: 500}` (milliseconds)",
            ),
            None => (
                "the check fails whenever the query returns a value above 0",
                "add a `thresholdRange` with the `min` or `max` the value must stay within",
            ),
        };
        let what = if range.is_some() {
            "an empty `thresholdRange`"
        } else {
            "no `thresholdRange`"
        };
        cx.report_with_help(
            m.span(),
            format!("metric `{name}` has {what}: {effect}"),
            help,
        );
        return;
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo.value > hi.value {
            cx.report_with_help(
                lo,
                format!(
                    "metric `{name}` has `min: {}` above `max: {}`: no value passes, every check fails",
                    lo.value, hi.value
                ),
                "swap the bounds",
            );
            return;
        }
    }
    match builtin {
        // Flagger's builtin success rate is a percentage from 0 to 100
        // (pkg/metrics/observers: 100 - 5xx rate * 100).
        Some("request-success-rate") => {
            if let Some(min) = min {
                let lo = min.value;
                if lo < 1.0 {
                    cx.report_with_help(
                        min,
                        format!("metric `request-success-rate` is a percentage from 0 to 100: `min: {lo}` passes any success rate from {lo}% up, so the check practically never fails"),
                        format!("write the percentage, e.g. `min: {}`", pct(lo)),
                    );
                } else if lo > 100.0 {
                    cx.report_with_help(
                        min,
                        format!("metric `request-success-rate` is a percentage from 0 to 100: `min: {lo}` is above 100%, the check always fails"),
                        "set `min` to at most 100, e.g. `99`",
                    );
                }
            }
        }
        // `request-duration` is in milliseconds (pkg/metrics/observers: P99 in ms).
        Some(_) => {
            if let Some(max) = max {
                let hi = max.value;
                if hi < 1.0 {
                    cx.report_with_help(
                        max,
                        format!("metric `request-duration` is in milliseconds: `max: {hi}` fails on any request slower than {hi}ms, the check always fails"),
                        format!("write milliseconds, e.g. `max: {}` for {hi}s", ms(hi)),
                    );
                }
            }
        }
        None => {}
    }
}

/// A ratio written as a percentage: `0.99` -> `99`.
fn pct(ratio: f64) -> String {
    trim(ratio * 100.0)
}

fn ms(secs: f64) -> String {
    trim(secs * 1000.0)
}

fn trim(v: f64) -> String {
    let s = format!("{:.3}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
