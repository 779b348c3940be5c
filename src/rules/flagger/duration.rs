//! `flagger-duration`: see rules/flagger-duration.md.

use crate::duration;
use crate::model::flagger::{Canary, GoDuration, DEFAULT_INTERVAL, MIN_INTERVAL};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerDuration, kinds: [Kind::Canary]);

impl Rule for FlaggerDuration {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(a) = Canary::view(res).and_then(|c| c.analysis()) else {
            return;
        };
        if let Some(interval) = a.interval {
            // pkg/apis/flagger/v1beta1/canary.go GetAnalysisInterval: a parse error falls
            // back to 60s, and anything under 10s is raised to 10s.
            match interval.value {
                GoDuration::Valid(d) if d < MIN_INTERVAL => cx.report_with_help(
                    interval.span,
                    format!("analysis `interval: {d}` is below Flagger's minimum: it runs every {MIN_INTERVAL}"),
                    format!("write `interval: {MIN_INTERVAL}` or longer"),
                ),
                GoDuration::Invalid(text) => cx.report_with_help(
                    interval.span,
                    format!("analysis `interval: {text}` is not a Go duration: Flagger silently runs the analysis every {DEFAULT_INTERVAL} instead"),
                    help(text),
                ),
                _ => {}
            }
        }
        for m in a.metrics() {
            let Some(interval) = m.interval() else {
                continue;
            };
            if let GoDuration::Invalid(text) = interval.value {
                cx.report_with_help(
                    interval.span,
                    format!(
                        "metric `{}` has `interval: {text}`, which is not a Go duration: the metric query's range is invalid and every check fails",
                        m.name().unwrap_or("?")
                    ),
                    help(text),
                );
            }
        }
        for w in a.webhooks() {
            let Some(timeout) = w.timeout() else { continue };
            // pkg/controller/webhook.go CallWebhook: a timeout shorter than two characters
            // becomes 10s; any other that does not parse fails the call.
            let GoDuration::Invalid(text) = timeout.value else {
                continue;
            };
            if text.chars().count() < 2 {
                continue;
            }
            cx.report_with_help(
                timeout.span,
                format!(
                    "webhook `{}` has `timeout: {text}`, which is not a Go duration: every call of the webhook fails",
                    w.name().unwrap_or("?")
                ),
                help(text),
            );
        }
    }
}

/// A Go duration for a common mistake: `5min` -> `5m`, `1m30` -> `1m30s`, `30` -> `30s`.
fn help(text: &str) -> String {
    let t = text.trim();
    let guess = if let Some(n) = t.strip_suffix("mins").or_else(|| t.strip_suffix("min")) {
        format!("{n}m")
    } else if let Some(n) = t.strip_suffix("secs").or_else(|| t.strip_suffix("sec")) {
        format!("{n}s")
    } else if let Some(n) = t.strip_suffix("hours").or_else(|| t.strip_suffix("hour")) {
        format!("{n}h")
    } else if t.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{t}s")
    } else {
        String::new()
    };
    if !guess.is_empty() && duration::parse(&guess).is_some() {
        format!(
            "write `{guess}`: Go durations use the units `s`, `m` and `h`, each after its number"
        )
    } else {
        "write a Go duration such as `30s`, `1m` or `1m30s`".to_string()
    }
}
