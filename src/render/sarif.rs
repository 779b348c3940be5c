//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`.
//! Paths are URI references relative to the repository root, declared as `%SRCROOT%` in
//! `originalUriBaseIds`; a file outside it has an absolute `file://` URI. Fingerprints hash
//! the rule, the resource and the YAML path of the node, so they survive reformatting and
//! moved lines. A run that could not start is a valid log too: its invocation failed and
//! says why ([`render_error`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use crate::codes::RuleId;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kinds::Kind;
use crate::render::{escape, RepoPath, Report};
use crate::rules::registry;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "canarylint/v1";
const SRCROOT: &str = "%SRCROOT%";
/// `runs[].automationDetails.id`: code scanning's category for this tool's runs.
const AUTOMATION_ID: &str = "canarylint/";

/// Bytes percent-encoded for a URI path: all but the unreserved characters and `/`, so
/// that `:` never reads as a scheme and `#`, `?`, `%` and spaces stay part of the name.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An absolute path as a `file://` URI, ending in `/` for a directory.
pub(crate) fn file_uri(path: &Path, dir: bool) -> String {
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStrExt;
        percent_encode(path.as_os_str().as_bytes())
    };
    #[cfg(not(unix))]
    let path = windows_uri_path(&path.to_string_lossy());
    let mut uri = format!("file://{path}");
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// A Windows path as a URI path: `C:\x` and the canonical `\\?\C:\x` become `/C:/x`,
/// `\\?\UNC\host\share\x` becomes `//host/share/x`.
#[cfg_attr(unix, allow(dead_code))]
fn windows_uri_path(path: &str) -> String {
    let s = path.replace('\\', "/");
    let s = if let Some(unc) = s.strip_prefix("//?/UNC/") {
        format!("//{unc}")
    } else if let Some(local) = s.strip_prefix("//?/") {
        format!("/{local}")
    } else if s.starts_with('/') {
        s.clone()
    } else {
        format!("/{s}")
    };
    // The drive's colon stays: Windows file names cannot hold one.
    percent_encode(s.as_bytes()).replace("%3A", ":")
}

fn artifact_location(path: &RepoPath) -> ArtifactLocation {
    match path {
        RepoPath::Relative(rel) => ArtifactLocation::builder()
            .uri(percent_encode(rel.as_bytes()))
            .uri_base_id(SRCROOT)
            .build(),
        RepoPath::Outside(abs) => ArtifactLocation::builder()
            .uri(file_uri(abs, false))
            .build(),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The text of a `## Section` of a rule doc, up to the next heading.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.find(heading)? + heading.len();
    let rest = &doc[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// `weight-sum` -> `WeightSum`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

fn tags(id: RuleId) -> Vec<String> {
    let kinds = registry::kinds(id);
    let mut tags = vec!["canarylint".to_string()];
    let area = |k: &Kind| match k {
        Kind::Canary | Kind::MetricTemplate => "flagger",
        Kind::Rollout | Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate => "argo-rollouts",
        Kind::VirtualService | Kind::DestinationRule | Kind::Gateway | Kind::ServiceEntry => {
            "istio"
        }
        _ => "kubernetes",
    };
    for k in kinds {
        let t = area(k).to_string();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if kinds.is_empty() {
        tags.push("yaml".into());
    }
    tags
}

fn descriptor(id: RuleId) -> ReportingDescriptor {
    let doc = id.doc();
    let full = section(doc, "## What it does").unwrap_or(id.summary());
    ReportingDescriptor::builder()
        .id(id.as_str())
        .name(pascal(id.as_str()))
        .short_description(
            MultiformatMessageString::builder()
                .text(id.summary())
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(
            MultiformatMessageString::builder()
                .text(doc)
                .markdown(doc)
                .build(),
        )
        .help_uri(format!(
            "{}/blob/main/rules/{}.md",
            env!("CARGO_PKG_REPOSITORY"),
            id.as_str()
        ))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(level(id.severity())))
                .build(),
        )
        .properties(PropertyBag::builder().tags(tags(id)).build())
        .build()
}

fn result(report: &Report<'_>, d: &Diagnostic, rule_index: usize) -> SarifResult {
    let (start, end) = report.position(d);
    let region = Region::builder()
        .start_line(i64::from(start.line))
        .start_column(i64::from(start.column))
        .end_line(i64::from(end.line))
        .end_column(i64::from(end.column))
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact_location(&report.repo_path(d)))
                .region(region)
                .build(),
        )
        .build();
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let level = match d.severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), report.fingerprint(d));
    let mut result = SarifResult::builder()
        .rule_id(d.rule.as_str())
        .rule_index(rule_index as i64)
        .level(level)
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .build();
    if !d.related.is_empty() {
        result.related_locations = Some(related_locations(report, d));
    }
    // With a baseline every result is kept, and code scanning reads which are new.
    result.baseline_state = d.baseline.map(|s| serde_json::json!(s.as_str()));
    if let Some((path, line)) = report.template(d) {
        let template = serde_json::json!({"path": path, "line": line});
        result.properties = Some(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([("helmTemplate".to_string(), template)]))
                .build(),
        );
    }
    result
}

/// The resources a finding depends on, each at its name, with what it is as the message.
fn related_locations(report: &Report<'_>, d: &Diagnostic) -> Vec<Location> {
    d.related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (_, at) = report.related_at(r);
            let region = Region::builder()
                .start_line(i64::from(at.line))
                .start_column(i64::from(at.column))
                .build();
            let mut what = r.resource.to_string();
            if r.changed {
                what.push_str(", changed");
            }
            Location::builder()
                .id(i as i64)
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(artifact_location(&report.related_repo_path(r)))
                        .region(region)
                        .build(),
                )
                .message(Message::builder().text(what).build())
                .build()
        })
        .collect()
}

fn tool(rules: Vec<ReportingDescriptor>) -> Tool {
    let driver = ToolComponent::builder()
        .name("canarylint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    Tool::builder().driver(driver).build()
}

/// Serializes a log, with DEL, C1 and bidirectional controls escaped (`escape::json`).
fn to_json(runs: Vec<Run>) -> String {
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(runs)
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serializes");
    s.push('\n');
    escape::json(s)
}

/// GitHub code scanning rejects a run with more results than this (and shows the 5,000
/// most severe): "SARIF results exceed hard limit", docs.github.com, code-security/
/// code-scanning/troubleshooting-sarif-uploads/results-exceed-limit.
pub(crate) const MAX_RESULTS: usize = 25_000;

pub fn render(report: &Report<'_>) -> String {
    let rules: Vec<RuleId> = RuleId::ALL.to_vec();
    // Past the limit, the most severe findings are kept (in their order), and the run
    // says how many were left out.
    let mut kept: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    if kept.len() > MAX_RESULTS {
        let mut by_severity = kept.clone();
        by_severity.sort_by_key(|d| std::cmp::Reverse(d.severity));
        let floor = by_severity[MAX_RESULTS - 1].severity;
        let mut room_at_floor = by_severity[..MAX_RESULTS]
            .iter()
            .filter(|d| d.severity == floor)
            .count();
        kept.retain(|d| {
            if d.severity > floor {
                true
            } else if d.severity == floor && room_at_floor > 0 {
                room_at_floor -= 1;
                true
            } else {
                false
            }
        });
    }
    let left_out = report.diagnostics.len() - kept.len();
    let results = kept
        .iter()
        .map(|d| {
            let index = rules.iter().position(|r| *r == d.rule).unwrap_or(0);
            result(report, d, index)
        })
        .collect::<Vec<_>>();
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if left_out > 0 {
        let text = format!(
            "{left_out} of {} findings are left out of this log, the least severe first: code scanning takes at most {MAX_RESULTS} results a run; `--format json` lists them all",
            report.diagnostics.len()
        );
        invocation.tool_execution_notifications = Some(vec![Notification::builder()
            .level(serde_json::json!("warning"))
            .message(Message::builder().text(text).build())
            .build()]);
    }
    let mut run = Run::builder()
        .tool(tool(rules.iter().map(|&r| descriptor(r)).collect()))
        .invocations(vec![invocation])
        .results(results)
        .automation_details(RunAutomationDetails::builder().id(AUTOMATION_ID).build())
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    // In-memory files (tests, docs) have no root to declare.
    run.original_uri_base_ids = report.root().map(|root| {
        let location = ArtifactLocation::builder()
            .uri(file_uri(root, true))
            .build();
        BTreeMap::from([(SRCROOT.to_string(), location)])
    });
    to_json(vec![run])
}

/// The log of a run that could not start (a bad flag or config: exit code 2). Its one
/// invocation failed and carries the error; it has no results, but an empty `results`
/// array, which uploaders require (github/codeql-action `src/upload-lib.ts`,
/// `countResultsInSarif`). Code scanning takes `executionSuccessful: false` as a failed
/// analysis, not as one that fixed every alert.
pub(crate) fn render_error(message: &str) -> String {
    let notification = Notification::builder()
        .level(serde_json::json!("error"))
        .message(Message::builder().text(message).build())
        .build();
    let invocation = Invocation::builder()
        .execution_successful(false)
        .tool_execution_notifications(vec![notification])
        .build();
    let run = Run::builder()
        .tool(tool(Vec::new()))
        .invocations(vec![invocation])
        .results(Vec::<SarifResult>::new())
        .automation_details(RunAutomationDetails::builder().id(AUTOMATION_ID).build())
        .build();
    to_json(vec![run])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_keeps_to_what_code_scanning_accepts() {
        use crate::diagnostic::Severity;
        use crate::render::{RepoPath, RepoPaths};
        use crate::source::{SourceFile, Span};
        let file = SourceFile::new("a.yaml".into(), "a.yaml".into(), "a: 1\n".into());
        // 13,000 notes, then 13,000 errors: 26,000 findings, over the limit.
        let diags: Vec<Diagnostic> = (0..26_000)
            .map(|i| {
                let rule = if i < 13_000 {
                    RuleId::ManualWeightSplit
                } else {
                    RuleId::WeightSum
                };
                Diagnostic::new(rule, 0, Span::new(0, 1), format!("finding {i}"))
            })
            .collect();
        let files = [file];
        let repo = RepoPaths {
            root: None,
            paths: vec![RepoPath::Relative("a.yaml".to_string())],
        };
        let report = Report {
            diagnostics: &diags,
            files: &files,
            stats: Default::default(),
            repo: &repo,
        };
        let v: serde_json::Value = serde_json::from_str(&render(&report)).unwrap();
        let run = &v["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        let level = |l: &str| results.iter().filter(|r| r["level"] == l).count();
        assert_eq!(level("error"), 13_000, "every error is kept");
        assert_eq!(level("note"), MAX_RESULTS - 13_000);
        // The notes kept are the first ones, in order.
        assert_eq!(results[0]["message"]["text"], "finding 0");
        let note = &run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
        assert!(
            note.as_str()
                .unwrap()
                .starts_with("1000 of 26000 findings are left out"),
            "{note}"
        );
        assert_eq!(diags[0].severity, Severity::Info);
    }

    #[test]
    fn file_uris_are_percent_encoded() {
        assert_eq!(
            percent_encode("base/sp ace#1%:é.yaml".as_bytes()),
            "base/sp%20ace%231%25%3A%C3%A9.yaml"
        );
        #[cfg(unix)]
        assert_eq!(
            file_uri(Path::new("/repo/out side"), true),
            "file:///repo/out%20side/"
        );
        assert_eq!(
            windows_uri_path(r"\\?\C:\repo\a b.yaml"),
            "/C:/repo/a%20b.yaml"
        );
        assert_eq!(windows_uri_path(r"C:\repo"), "/C:/repo");
        assert_eq!(
            windows_uri_path(r"\\?\UNC\host\share\x.yaml"),
            "//host/share/x.yaml"
        );
    }
}
