//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`.
//! Paths are relative to the repository root (`%SRCROOT%`); fingerprints hash the rule, the
//! resource and the YAML path of the node, so they survive reformatting and moved lines.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kinds::Kind;
use crate::render::Report;
use crate::rules::registry::RuleId;
use crate::rules::RuleMeta;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "canarylint/v1";

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

fn tags(meta: &RuleMeta) -> Vec<String> {
    let mut tags = vec!["canarylint".to_string()];
    let area = |k: &Kind| match k {
        Kind::Canary | Kind::MetricTemplate => "flagger",
        Kind::Rollout | Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate => "argo-rollouts",
        Kind::VirtualService | Kind::DestinationRule | Kind::Gateway | Kind::ServiceEntry => {
            "istio"
        }
        _ => "kubernetes",
    };
    for k in meta.kinds {
        let t = area(k).to_string();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if meta.kinds.is_empty() {
        tags.push("yaml".into());
    }
    tags
}

fn descriptor(id: RuleId) -> ReportingDescriptor {
    let meta = id.meta();
    let doc = id.doc();
    let full = section(doc, "## What it does").unwrap_or(meta.summary);
    ReportingDescriptor::builder()
        .id(id.as_str())
        .name(pascal(id.as_str()))
        .short_description(
            MultiformatMessageString::builder()
                .text(meta.summary)
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
                .level(serde_json::json!(level(meta.severity)))
                .build(),
        )
        .properties(PropertyBag::builder().tags(tags(meta)).build())
        .build()
}

/// FNV-1a, 64 bits: stable across runs and platforms.
fn fnv1a(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn fingerprint(report: &Report<'_>, d: &Diagnostic) -> String {
    let key = match (&d.resource, &d.node_path) {
        (Some(r), Some(path)) => {
            format!("{}|{}|{}|{}|{}", d.rule, r.kind, r.namespace, r.name, path)
        }
        (Some(r), None) => format!(
            "{}|{}|{}|{}|{}",
            d.rule, r.kind, r.namespace, r.name, d.message
        ),
        _ => format!("{}|{}|{}", d.rule, report.repo_path(d), d.message),
    };
    fnv1a(&key)
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
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(report.repo_path(d))
                        .uri_base_id("%SRCROOT%")
                        .build(),
                )
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
    fingerprints.insert(FINGERPRINT_KEY.to_string(), fingerprint(report, d));
    SarifResult::builder()
        .rule_id(d.rule.as_str())
        .rule_index(rule_index as i64)
        .level(level)
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .build()
}

pub fn render(report: &Report<'_>) -> String {
    let rules: Vec<RuleId> = RuleId::ALL.to_vec();
    let results = report
        .diagnostics
        .iter()
        .map(|d| {
            let index = rules.iter().position(|r| *r == d.rule).unwrap_or(0);
            result(report, d, index)
        })
        .collect::<Vec<_>>();
    let driver = ToolComponent::builder()
        .name("canarylint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules.iter().map(|&r| descriptor(r)).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .automation_details(RunAutomationDetails::builder().id("canarylint/").build())
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serializes");
    s.push('\n');
    s
}
