//! `canarylint rules`: the rule table, for people and for tools.

use serde::Serialize;

use crate::rules::registry::all_metas;

pub fn table() -> String {
    let mut out = String::new();
    for m in all_metas() {
        out.push_str(&format!(
            "{:<30} {:<8} {}\n",
            m.id.as_str(),
            m.severity.as_str(),
            m.summary
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
    let entries: Vec<Entry> = all_metas()
        .map(|m| Entry {
            id: m.id.as_str(),
            severity: m.severity.as_str(),
            summary: m.summary,
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&entries).expect("rules serialize");
    s.push('\n');
    s
}
