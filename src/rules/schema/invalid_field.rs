//! `invalid-field`: see rules/invalid-field.md.

use crate::model::resource::Resource;
use crate::model::schema::{self, object_name, path_text, Problem};
use crate::rules::{Context, Rule};
use crate::source::SourceFile;
use crate::text::{backtick_list, join_with};

declare_rule!(InvalidField, kinds: schema::KINDS);

/// "an integer", "a string".
fn a(ty: &str) -> String {
    match ty {
        "integer" | "object" | "array" | "integer or string" => format!("an {ty}"),
        "null" => "null".to_string(),
        _ => format!("a {ty}"),
    }
}

impl Rule for InvalidField {
    fn reads_documents_alone(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let kind = res.kind.name();
        let rejects = format!("the API server rejects the {kind}");
        let validation = cx.schema();
        for v in &validation.violations {
            let path = path_text(&v.path);
            let value = v
                .shown
                .as_deref()
                .map(|s| format!("`{}` ", SourceFile::snippet(s).trim_matches('`')))
                .unwrap_or_default();
            let (message, help) = match &v.problem {
                Problem::Unknown { .. } => continue,
                Problem::Version { version, served } => {
                    let group = res
                        .root
                        .get("apiVersion")
                        .and_then(|n| n.as_str())
                        .and_then(|a| a.rsplit_once('/'))
                        .map_or("", |(g, _)| g);
                    (
                        format!(
                            "`{version}` is not a version of {kind} that {} serves ({}): the API server rejects the {kind}",
                            validation.crd.map_or("its CustomResourceDefinition".to_string(), |c| format!("the CustomResourceDefinition at `{}`", c.location())),
                            backtick_list(served)
                        ),
                        format!(
                            "use a served version, e.g. `apiVersion: {group}/{}`",
                            served.first().map_or("", String::as_str)
                        ),
                    )
                }
                Problem::Type { expected, found } => (
                    format!(
                        "`{path}` is {} {value}where the schema expects {}: {rejects}",
                        a(found),
                        a(expected)
                    ),
                    match *expected {
                        "string" => "quote the value, e.g. `\"true\"`".to_string(),
                        _ => format!("write {} here", a(expected)),
                    },
                ),
                Problem::Enum { allowed } => {
                    let quoted: Vec<String> = allowed.iter().map(|s| format!("`{s}`")).collect();
                    (
                        format!(
                            "`{path}` is {}, which is not one of {}: {rejects}",
                            value.trim_end(),
                            join_with(&quoted, "or")
                        ),
                        "use one of the values the schema allows".to_string(),
                    )
                }
                Problem::Pattern { pattern } => (
                    format!("`{path}` {value}does not match the pattern `{pattern}`: {rejects}"),
                    "write a value the pattern matches".to_string(),
                ),
                Problem::Range { what } => (
                    format!("`{path}` {value}{what}: {rejects}"),
                    "write a value within the schema's bounds".to_string(),
                ),
                Problem::Required { field } => (
                    format!(
                        "{} lacks the required field `{field}`: {rejects}",
                        object_name(kind, &v.path)
                    ),
                    format!("add `{field}`"),
                ),
                Problem::Duplicate { keys } => (
                    format!("`{path}` repeats {keys} of an earlier item of the list: {rejects}"),
                    "merge the items, or give each a distinct key".to_string(),
                ),
                Problem::Alternatives { what } => (
                    format!("{} {what}: {rejects}", object_name(kind, &v.path)),
                    "keep exactly one of the alternatives".to_string(),
                ),
            };
            let mut message = message.replace("is , which", "is a value which");
            if !matches!(v.problem, Problem::Version { .. }) {
                message.push_str(&validation.judged_by());
            }
            cx.report_with_help(v.span, message, help);
        }
    }
}
