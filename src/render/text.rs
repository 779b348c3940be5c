//! `--format text`: rustc-style diagnostics with the offending node underlined.
//!
//! Each snippet is cut from the file by its line index, so rendering many findings in one
//! large file stays linear.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::render::Report;

pub fn render(report: &Report<'_>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in report.diagnostics {
        out.push_str(&renderer.render(&[group(report, d)]).to_string());
        out.push_str("\n\n");
    }
    out.push_str(&summary(report));
    out
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn group<'a>(report: &'a Report<'_>, d: &'a Diagnostic) -> Group<'a> {
    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.rule.as_str());
    let path = report.path(d);
    let Some(file) = report.files.get(d.file as usize) else {
        return Group::with_title(title);
    };
    let start = d.span.start as usize;
    let (line, _) = report.position(d);
    // The node's first line: multi-line nodes are underlined where they begin.
    let range = file.line_range(line.line as usize);
    let text = &file.text[range.clone()];
    let local_start = start.saturating_sub(range.start).min(text.len());
    let local_end = (d.span.end as usize)
        .saturating_sub(range.start)
        .clamp(local_start, text.len());
    let snippet = Snippet::source(text)
        .line_start(line.line as usize)
        .path(path)
        .annotation(AnnotationKind::Primary.span(local_start..local_end));
    let mut g = Group::with_title(title).element(snippet);
    if let Some(help) = &d.help {
        g = g.element(Level::HELP.message(help.as_str()));
    }
    g
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn summary(report: &Report<'_>) -> String {
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let mut scope = format!(
        "{} in {}, {}",
        plural(report.stats.resources, "resource"),
        plural(report.stats.files, "file"),
        plural(report.stats.documents, "document")
    );
    // What was not linted: each skipped file has a note; excluded paths are counted here.
    let mut left_out = Vec::new();
    if report.stats.skipped > 0 {
        let n = report.stats.skipped;
        left_out.push(format!("{} not fully linted", plural(n, "file")));
    }
    if report.stats.excluded > 0 {
        left_out.push(format!(
            "{} excluded",
            plural(report.stats.excluded, "path")
        ));
    }
    if !left_out.is_empty() {
        scope.push_str(&format!("; {}", left_out.join(", ")));
    }
    if e + w + i == 0 {
        return format!("All checks passed: {scope}.\n");
    }
    let mut parts = vec![plural(e, "error"), plural(w, "warning")];
    if i > 0 {
        parts.push(plural(i, "note"));
    }
    format!("Found {} ({scope}).\n", parts.join(", "))
}

/// `--statistics`: the number of findings per rule, most first.
pub fn statistics(report: &Report<'_>) -> String {
    let mut counts: Vec<(crate::rules::registry::RuleId, usize)> = Vec::new();
    for d in report.diagnostics {
        match counts.iter_mut().find(|(r, _)| *r == d.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.rule, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for (rule, n) in &counts {
        let meta = rule.meta();
        out.push_str(&format!(
            "{n:>6}  {:<30} {:<8} {}\n",
            rule.as_str(),
            meta.severity.as_str(),
            meta.summary
        ));
    }
    out.push_str(&summary(report));
    out
}
