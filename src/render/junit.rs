//! `--format junit`: a JUnit XML report, for CI systems that show test results (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines).
//!
//! One `<testcase>` per rule and file that has findings (`classname` the file as displayed,
//! `name` the rule id), failed by one `<failure>` that lists them (`line:column: severity:
//! message`, then the help); and one passing `<testcase name="canarylint">` per file linted
//! without a finding, so that a clean run still has test cases and the count of files shows.
//! Rules that pass in a file with findings are not listed: every rule times every file
//! would bury the failures. Findings that `--new-since` or `--baseline` count as unchanged
//! are left out, as in the text output: a failure here is one that fails the run.
//!
//! File names and YAML values are untrusted: each character that XML 1.0 cannot hold (C0
//! controls, U+FFFE, U+FFFF), and each that a log viewer could act on (DEL, C1 and
//! bidirectional controls), is shown as an escape (`\x1b`), never written raw, so the
//! document stays well-formed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::diagnostic::{Diagnostic, Severity};
use crate::render::{escape, Report};

/// `s` as XML text or attribute value: markup characters as entities, and characters XML
/// cannot hold or a viewer could act on as escapes.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if escape::is_unsafe(c) || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                escape::push_escaped(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One failed test case: the findings of one rule in one file.
fn failure(report: &Report<'_>, path: &str, rule: &str, found: &[&Diagnostic]) -> String {
    let worst = found
        .iter()
        .map(|d| d.severity)
        .max()
        .unwrap_or(Severity::Error);
    let message = match found {
        [one] => one.message.clone(),
        _ => format!("{} of `{rule}`", plural(found.len(), "finding")),
    };
    // Each line is escaped on its own: the line breaks between them are the report's.
    let mut body = String::new();
    for d in found {
        let (start, _) = report.position(d);
        let line = format!(
            "{path}:{}:{}: {}: {}",
            start.line,
            start.column,
            d.severity,
            escape::display(&d.message)
        );
        body.push_str(&xml(&line));
        body.push('\n');
        if let Some(help) = &d.help {
            body.push_str(&xml(&format!("help: {}", escape::display(help))));
            body.push('\n');
        }
    }
    format!(
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
        xml(rule),
        xml(path),
        xml(path),
        xml(&escape::display(&message)),
        worst,
        body
    )
}

pub fn render(report: &Report<'_>) -> String {
    let mut failed: BTreeMap<(&str, &str), Vec<&Diagnostic>> = BTreeMap::new();
    for d in report.diagnostics.iter().filter(|d| d.counts()) {
        failed
            .entry((report.path(d), d.rule.as_str()))
            .or_default()
            .push(d);
    }
    let with_findings: BTreeSet<&str> = failed.keys().map(|(path, _)| *path).collect();
    let clean: BTreeSet<&str> = report
        .files
        .iter()
        .filter(|f| f.reported && !with_findings.contains(f.display.as_str()))
        .map(|f| f.display.as_str())
        .collect();
    let tests = failed.len() + clean.len();
    let mut cases = String::new();
    for ((path, rule), found) in &failed {
        cases.push_str(&failure(report, &escape::display(path), rule, found));
    }
    for path in &clean {
        let path = xml(&escape::display(path));
        let _ = writeln!(
            cases,
            "    <testcase name=\"canarylint\" classname=\"{path}\" file=\"{path}\"/>"
        );
    }
    let counts = format!(
        "tests=\"{tests}\" failures=\"{}\" errors=\"0\"",
        failed.len()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"canarylint\" {counts}>\n  <testsuite name=\"canarylint\" {counts} skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_becomes_valid_xml() {
        let hostile = "a<b>&\"'\u{1b}[31m\u{0}\u{7f}\u{9b}\u{202e}\u{fffe}\n\t.yaml";
        assert_eq!(
            xml(hostile),
            "a&lt;b&gt;&amp;&quot;&apos;\\x1b[31m\\x00\\x7f\\u{9b}\\u{202e}\\u{fffe}\\n\\t.yaml"
        );
    }
}
