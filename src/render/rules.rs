//! `canarylint rules`: the rule table, for people and for tools.

use serde::Serialize;

use crate::codes::RuleId;

pub fn table() -> String {
    let mut out = String::new();
    for id in RuleId::ALL {
        out.push_str(&format!(
            "{:<30} {:<8} {}\n",
            id.as_str(),
            id.severity().as_str(),
            id.summary()
        ));
    }
    out
}

/// The rule table of the README, each id linked to its doc.
pub fn markdown() -> String {
    let mut out = String::from("| id | severity | summary |\n|---|---|---|\n");
    for id in RuleId::ALL {
        out.push_str(&format!(
            "| [`{0}`](rules/{0}.md) | {1} | {2} |\n",
            id.as_str(),
            id.severity().as_str(),
            id.summary()
        ));
    }
    out
}

#[derive(Serialize)]
struct Entry {
    id: &'static str,
    severity: &'static str,
    summary: &'static str,
}

pub fn json() -> String {
    let entries: Vec<Entry> = RuleId::ALL
        .iter()
        .map(|id| Entry {
            id: id.as_str(),
            severity: id.severity().as_str(),
            summary: id.summary(),
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&entries).expect("rules serialize");
    s.push('\n');
    s
}
