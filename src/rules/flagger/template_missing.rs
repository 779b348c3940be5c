//! `flagger-template-missing`: see rules/flagger-template-missing.md.

use crate::model::flagger::{query_variables, Canary, MetricTemplate};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::rules::{Context, Rule};
use crate::text::{backtick_list, did_you_mean};

declare_rule!(FlaggerTemplateMissing, kinds: [Kind::Canary]);

impl Rule for FlaggerTemplateMissing {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(a) = Canary::view(res).and_then(|c| c.analysis()) else {
            return;
        };
        let index = cx.index();
        for m in a.metrics() {
            let Some(t) = m.template_ref() else { continue };
            // A templateRef without a namespace is looked up in the Canary's
            // (pkg/controller/scheduler_metrics.go runMetricChecks).
            let ns = t.namespace.unwrap_or(&res.namespace);
            let name = t.name.value;
            if is_templated(name) || is_templated(ns) {
                continue;
            }
            let Some(tpl) = index
                .get(Kind::MetricTemplate, ns, name)
                .and_then(MetricTemplate::view)
            else {
                // A scope without templates in that namespace installs them from elsewhere.
                if !index.has_kind_in(Kind::MetricTemplate, ns) {
                    continue;
                }
                let names: Vec<&str> = index
                    .in_namespace(Kind::MetricTemplate, ns)
                    .map(|r| r.name.as_str())
                    .collect();
                let help = match did_you_mean(name, names.iter().copied()) {
                    Some(hint) => hint,
                    None => format!(
                        "define MetricTemplate `{name}` in namespace `{ns}`, or set `templateRef.namespace` to where it is"
                    ),
                };
                cx.report_with_help(
                    t.name,
                    format!(
                        "metric `{}` references MetricTemplate `{ns}/{name}`, which is not defined: namespace `{ns}` defines {}",
                        m.name().unwrap_or("?"),
                        backtick_list(&names)
                    ),
                    help,
                );
                continue;
            };
            let Some(query) = tpl.query() else { continue };
            let given: Vec<&str> = m.template_variables().collect();
            let missing: Vec<String> = query_variables(query)
                .into_iter()
                .filter(|v| !given.contains(&v.as_str()))
                .collect();
            if missing.is_empty() {
                continue;
            }
            // Flagger renders the query with Go text/template, which prints `<no value>`
            // for a missing map key (pkg/metrics/providers/render.go).
            let at = m.template_variables_key().unwrap_or(m.span());
            let plural = if missing.len() == 1 { "" } else { "s" };
            cx.report_with_help(
                at,
                format!(
                    "metric `{}` does not set template variable{plural} {} that MetricTemplate `{ns}/{name}` ({}) reads: the query is rendered with `<no value>` in {}",
                    m.name().unwrap_or("?"),
                    backtick_list(&missing),
                    cx.location(tpl.res.name_location()),
                    if missing.len() == 1 { "its place" } else { "their places" },
                ),
                format!(
                    "add {} under the metric's `templateVariables`",
                    backtick_list(&missing.iter().map(|v| format!("{v}: ...")).collect::<Vec<_>>())
                ),
            );
            cx.relate([tpl.res]);
        }
    }
}
