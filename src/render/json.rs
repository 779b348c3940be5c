//! `--format json`: the stable machine-readable contract (version 1). Strings hold no raw
//! control character: every one is a JSON escape.

use serde::Serialize;

use crate::diagnostic::Severity;
use crate::render::{escape, Report};

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    resource: Option<Resource<'a>>,
    /// Only for a finding in a document of `helm template` output that names its template.
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<Template<'a>>,
    /// Only when the run compares with a baseline: `new` or `unchanged` (not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
    /// The other resources the finding depends on; only for a finding that has some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<RelatedResource<'a>>,
}

/// A resource a finding depends on, where its name is, and whether its file is among the
/// changed files of a run given some files only.
#[derive(Serialize)]
struct RelatedResource<'a> {
    kind: &'static str,
    namespace: &'a str,
    name: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    changed: bool,
}

/// The Helm template a finding was rendered from, and its line in the rendered document.
#[derive(Serialize)]
struct Template<'a> {
    path: &'a str,
    line: u32,
}

#[derive(Serialize)]
struct Resource<'a> {
    kind: &'static str,
    namespace: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    documents: usize,
    resources: usize,
    /// Files not linted (each has a note saying why).
    skipped: usize,
    /// Paths removed by exclude globs.
    excluded: usize,
    /// With a baseline, the new findings only: those that count.
    errors: usize,
    warnings: usize,
    infos: usize,
    /// Only when the run compares with a baseline: the findings new and unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unchanged: Option<usize>,
}

pub fn render(report: &Report<'_>) -> String {
    let findings = report
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = report.position(d);
            Finding {
                rule: d.rule.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                help: d.help.as_deref(),
                file: report.path(d),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                resource: d.resource.as_ref().map(|r| Resource {
                    kind: r.kind.name(),
                    namespace: &r.namespace,
                    name: &r.name,
                }),
                template: report
                    .template(d)
                    .map(|(path, line)| Template { path, line }),
                baseline: d.baseline.map(|s| s.as_str()),
                related: d
                    .related
                    .iter()
                    .map(|r| {
                        let (file, at) = report.related_at(r);
                        RelatedResource {
                            kind: r.resource.kind.name(),
                            namespace: &r.resource.namespace,
                            name: &r.resource.name,
                            file,
                            line: at.line,
                            column: at.column,
                            changed: r.changed,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let out = Output {
        version: 1,
        findings,
        summary: Summary {
            files: report.stats.files,
            documents: report.stats.documents,
            resources: report.stats.resources,
            skipped: report.stats.skipped,
            excluded: report.stats.excluded,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            infos: report.count(Severity::Info),
            new: report.baseline_counts().map(|(new, _)| new),
            unchanged: report.baseline_counts().map(|(_, unchanged)| unchanged),
        },
    };
    let mut s = serde_json::to_string_pretty(&out).expect("findings serialize");
    s.push('\n');
    // serde_json escapes the C0 controls; DEL, C1 and bidirectional controls too.
    escape::json(s)
}
