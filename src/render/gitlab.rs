//! `--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`), which
//! GitLab shows in the merge request widget and the pipeline's Code Quality tab: a JSON
//! array of issues, each with `description`, `check_name`, `fingerprint`, `severity` and
//! `location` (`path` relative to the repository root, `lines.begin`), the fields of
//! docs.gitlab.com `ci/testing/code_quality` ("Code Quality report format").
//!
//! GitLab compares the report of a merge request's pipeline with its target branch's by
//! fingerprint, so every finding is listed, also those `--new-since` or `--baseline`
//! count as unchanged: leaving them out would show them as fixed.

use std::collections::HashMap;

use serde::Serialize;

use crate::diagnostic::Severity;
use crate::render::{escape, fnv1a, Report};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// GitLab's scale is `info`, `minor`, `major`, `critical`, `blocker`. This tool's three
/// levels take the lower three steps, as other linters' reports do (an error is `major`),
/// and leave `critical` and `blocker` to security scanners, whose findings rank above a
/// misrouted canary in the widget's order.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(report: &Report<'_>) -> String {
    // GitLab requires the fingerprints of one report to be unique. The second and later
    // findings that share one (the same rule on the same node, said twice) hash it with
    // their occurrence number, in the report's stable order: `<fingerprint>|2`, `|3`, ...
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .map(|d| {
            let base = report.fingerprint(d);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 {
                base
            } else {
                fnv1a(&format!("{base}|{n}"))
            };
            let (start, _) = report.position(d);
            let mut description = d.message.clone();
            if let Some((path, line)) = report.template(d) {
                description.push_str(&format!(" (Helm template `{path}`, line {line})"));
            }
            Issue {
                description,
                check_name: d.rule.as_str(),
                fingerprint,
                severity: severity(d.severity),
                location: Location {
                    path: report.repo_path(d).as_annotation_path(),
                    lines: Lines { begin: start.line },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).expect("issues serialize");
    s.push('\n');
    // serde_json escapes the C0 controls; DEL, C1 and bidirectional controls too.
    escape::json(s)
}
