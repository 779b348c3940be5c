//! `flagger-slo-gates`: see rules/flagger-slo-gates.md.

use crate::config::Gate;
use crate::model::flagger::{Canary, Metric, MetricTemplate};
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};
use crate::text::backtick_list;

declare_rule!(FlaggerSloGates, kinds: [Kind::Canary]);

/// What a metric is known to measure.
struct Measures {
    errors: bool,
    latency: bool,
    /// A template that is not in scope and whose names tell nothing: it may measure anything.
    unknown: bool,
}

impl Rule for FlaggerSloGates {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(analysis) = Canary::view(res)
            .filter(Canary::is_complete)
            .and_then(|c| c.analysis())
        else {
            return;
        };
        let metrics = analysis.metrics();
        // No metrics at all is `flagger-no-metrics`.
        let Some(key) = analysis.metrics_key.filter(|_| !metrics.is_empty()) else {
            return;
        };
        let measures: Vec<Measures> = metrics
            .iter()
            .map(|m| classify(m, res, cx.index()))
            .collect();
        if measures.iter().any(|m| m.unknown) {
            return;
        }
        let names: Vec<&str> = metrics.iter().map(|m| m.name().unwrap_or("?")).collect();
        for &gate in &cx.policy().required_gates {
            let (covered, what, help) = match gate {
                Gate::ErrorRate => (
                    measures.iter().any(|m| m.errors),
                    "errors",
                    "add the builtin `request-success-rate` metric with `thresholdRange.min` (a percentage, e.g. `99`), or a MetricTemplate over 5xx responses",
                ),
                Gate::Latency => (
                    measures.iter().any(|m| m.latency),
                    "latency",
                    "add the builtin `request-duration` metric with `thresholdRange.max` in milliseconds (e.g. `500`), or a MetricTemplate over a latency quantile",
                ),
            };
            if covered {
                continue;
            }
            let none = match names.as_slice() {
                [one] => format!("`{one}` does not measure {what}"),
                _ => format!("none of {} measures {what}", backtick_list(&names)),
            };
            cx.report_with_help(
                key,
                format!("analysis has no {} gate: {none}", gate.name()),
                help,
            );
        }
    }
}

fn classify(m: &Metric<'_>, res: &Resource, index: &Index) -> Measures {
    let mut texts: Vec<&str> = m.name().into_iter().chain(m.query()).collect();
    let mut unknown = false;
    if let Some(t) = m.template_ref() {
        texts.push(t.name.value);
        let ns = t.namespace.unwrap_or(&res.namespace);
        match index
            .get(Kind::MetricTemplate, ns, t.name.value)
            .and_then(MetricTemplate::view)
        {
            Some(tpl) => texts.extend(tpl.query()),
            None => unknown = true,
        }
    }
    let errors = texts.iter().any(|t| measures_errors(t));
    let latency = texts.iter().any(|t| measures_latency(t));
    Measures {
        errors,
        latency,
        unknown: unknown && !errors && !latency,
    }
}

/// Words in a metric or template name, or a query, that show it measures failed requests.
fn measures_errors(text: &str) -> bool {
    let t = text.to_ascii_lowercase().replace(' ', "");
    [
        "5xx",
        "error",
        "success",
        "fail",
        "response_code",
        "status_code",
        "grpc_code",
        "status=~\"5",
        "code=~\"5",
        "code!~\"5",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Words that show a metric measures latency.
fn measures_latency(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "duration",
        "latency",
        "p99",
        "p95",
        "p90",
        "histogram_quantile",
        "_bucket",
        "response_time",
        "responsetime",
    ]
    .iter()
    .any(|w| t.contains(w))
}
