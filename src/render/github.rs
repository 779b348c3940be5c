//! `--format github`: one GitHub Actions workflow command per finding, which GitHub shows
//! as an annotation on the pull request.
//!
//! The runner reads a line as a command when, after leading whitespace, it starts with `::`
//! (`TryParseV2` in actions/runner `src/Runner.Common/ActionCommand.cs`), and unescapes
//! `%25`, `%0D` and `%0A` in the message, plus `%3A` and `%2C` in properties. So a command's
//! values never hold a raw line break: a file name or YAML value cannot start a command of
//! its own. It echoes the command line to the log, so terminal controls (ESC, BEL, ...) are
//! escaped as well, shown as `\x1b`, `\x07`.

use crate::diagnostic::Severity;
use crate::render::{escape, Report};

/// Escapes a workflow-command message: `%`, CR and LF as the runner unescapes them, every
/// other control character shown as an escape.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            // A tab is harmless in a log and may be part of a file name.
            c if c != '\t' && escape::is_unsafe(c) => escape::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow-command property, which also may not hold `:` or `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    // Findings a baseline already had are not annotated: they do not fail the run.
    for d in report.diagnostics.iter().filter(|d| d.counts()) {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (start, end) = report.position(d);
        // A message or help that holds a line break shows it as `\n`; the one line break
        // of the annotation separates the help.
        let mut message = escape::display(&d.message).into_owned();
        if let Some((path, line)) = report.template(d) {
            message.push_str(&format!(
                " (Helm template `{}`, line {line})",
                escape::display(path)
            ));
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&escape::display(help));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&report.repo_path(d).as_annotation_path()),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(d.rule.as_str()),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_start_a_command() {
        let name = "a\n::error file=x::INJECTED\n::add-mask::s\r\u{1b}[31m\u{7}%.yaml";
        for escaped in [escape_data(name), escape_property(name)] {
            assert!(
                !escaped.contains(['\n', '\r', '\u{1b}', '\u{7}']),
                "{escaped}"
            );
        }
        assert_eq!(
            escape_data(name),
            "a%0A::error file=x::INJECTED%0A::add-mask::s%0D\\x1b[31m\\x07%25.yaml"
        );
        assert_eq!(escape_property("a:b,c\td"), "a%3Ab%2Cc\td");
    }
}
