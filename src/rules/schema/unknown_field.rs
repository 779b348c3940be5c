//! `unknown-field`: see rules/unknown-field.md.

use crate::model::resource::Resource;
use crate::model::schema::{self, object_name, Problem};
use crate::rules::{Context, Rule};
use crate::text::{backtick_list, did_you_mean};

declare_rule!(UnknownField, kinds: schema::KINDS);

/// The most fields a message lists.
const LISTED: usize = 12;

impl Rule for UnknownField {
    fn reads_documents_alone(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let kind = res.kind.name();
        let version = res
            .root
            .get("apiVersion")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        let validation = cx.schema();
        for v in &validation.violations {
            let Problem::Unknown {
                field,
                allowed,
                elsewhere,
            } = &v.problem
            else {
                continue;
            };
            let of = object_name(kind, &v.path);
            let listed = if allowed.is_empty() {
                "no fields".to_string()
            } else if allowed.len() > LISTED {
                format!(
                    "{} and {} more",
                    backtick_list(&allowed[..LISTED]).replacen(" and ", ", ", 1),
                    allowed.len() - LISTED
                )
            } else {
                backtick_list(allowed)
            };
            let suggestion = did_you_mean(field, allowed.iter().map(String::as_str));
            let consequence = match suggestion.as_deref() {
                Some(s) if s.contains("`subset`") => {
                    "; this destination then selects every version of the host"
                }
                _ => "",
            };
            let fate = match validation.kept_by() {
                Some(crd) => format!(
                    "it has no effect (the API server keeps it: the CustomResourceDefinition at `{}` does not prune unknown fields)",
                    crd.location()
                ),
                None => format!(
                    "the API server drops it (or rejects the {kind} under strict field validation)"
                ),
            };
            let mut message = format!(
                "`{field}` is not a field of {of}, which has {listed}: {fate}{consequence}"
            );
            if !elsewhere.is_empty() {
                let this = version.rsplit_once('/').map_or(version, |(_, v)| v);
                message.push_str(&format!(
                    "; `{field}` exists in {}, not in {this}",
                    elsewhere.join(", ")
                ));
            }
            if let Some(s) = &suggestion {
                message.push_str("; ");
                message.push_str(s);
            }
            let help = if let Some(s) = suggestion {
                format!("fix the name ({s}), or remove the field")
            } else if !elsewhere.is_empty() {
                format!(
                    "write the field where the schema of this apiVersion has it, or use an apiVersion that has it ({})",
                    elsewhere.join(", ")
                )
            } else {
                format!("remove the field, or move it to where the {kind} schema defines it")
            };
            message.push_str(&validation.judged_by());
            cx.report_with_help(v.span, message, help);
        }
    }
}
