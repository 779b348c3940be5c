//! `--format text`: rustc-style diagnostics with the offending node underlined.
//!
//! Each snippet is cut from the file by its line index, so rendering many findings in one
//! large file stays linear. Paths, messages, help and source lines are printed with their
//! control characters escaped (`escape`): a file name or a YAML value never reaches the
//! terminal or a CI log raw.

use std::borrow::Cow;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::render::{escape, Report};

pub fn render(report: &Report<'_>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    // Findings a baseline already had are counted in the summary, not shown.
    for d in report.diagnostics.iter().filter(|d| d.counts()) {
        let shown = Shown::of(report, d);
        out.push_str(&renderer.render(&[shown.group(d)]).to_string());
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

/// A finding's texts as printed: the path, message and help with control characters
/// escaped, and the node's first line (multi-line nodes are underlined where they begin)
/// with the underline's range in it.
struct Shown<'a> {
    message: Cow<'a, str>,
    help: Option<Cow<'a, str>>,
    /// Where a finding in `helm template` output was rendered from.
    template: Option<String>,
    path: Cow<'a, str>,
    /// The line, its 1-based number and the underlined byte range.
    source: Option<(Cow<'a, str>, usize, Range<usize>)>,
    /// The resources the finding depends on, as notes.
    related: Vec<String>,
}

/// How many related resources a finding lists; the rest are counted.
const RELATED_SHOWN: usize = 3;

/// "related: DestinationRule `shop/reviews` at dr.yaml:3, changed", for each resource a
/// finding depends on in another file (the message names those of its own file) or in a
/// changed one, then how many more.
fn related_notes(report: &Report<'_>, d: &Diagnostic) -> Vec<String> {
    let listed: Vec<&crate::diagnostic::Related> = d
        .related
        .iter()
        .filter(|r| r.file != d.file || r.changed)
        .collect();
    let mut notes: Vec<String> = listed
        .iter()
        .take(RELATED_SHOWN)
        .map(|r| {
            let (path, at) = report.related_at(r);
            format!(
                "related: {} `{}/{}` at {}:{}{}",
                r.resource.kind,
                escape::display(&r.resource.namespace),
                escape::display(&r.resource.name),
                escape::display(path),
                at.line,
                if r.changed { ", changed" } else { "" }
            )
        })
        .collect();
    if listed.len() > RELATED_SHOWN {
        let rest = &listed[RELATED_SHOWN..];
        let changed = rest.iter().filter(|r| r.changed).count();
        let mut more = format!("related: {} more", rest.len());
        if changed > 0 {
            more.push_str(&format!(" ({changed} changed)"));
        }
        notes.push(more);
    }
    notes
}

impl<'a> Shown<'a> {
    fn of(report: &'a Report<'_>, d: &'a Diagnostic) -> Shown<'a> {
        let source = report.files.get(d.file as usize).map(|file| {
            let (line, _) = report.position(d);
            let range = file.line_range(line.line as usize);
            let text = &file.text()[range.clone()];
            let start = (d.span.start as usize)
                .saturating_sub(range.start)
                .min(text.len());
            let end = (d.span.end as usize)
                .saturating_sub(range.start)
                .clamp(start, text.len());
            let (text, span) = escape::line_with_span(text, start..end);
            (text, line.line as usize, span)
        });
        Shown {
            message: escape::display(&d.message),
            help: d.help.as_deref().map(escape::display),
            template: report.template(d).map(|(path, line)| {
                format!(
                    "from Helm template `{}`, line {line} of the rendered document",
                    escape::display(path)
                )
            }),
            path: escape::display(report.path(d)),
            source,
            related: related_notes(report, d),
        }
    }

    fn group(&self, d: &Diagnostic) -> Group<'_> {
        let title = level(d.severity)
            .primary_title(self.message.as_ref())
            .id(d.rule.as_str());
        let Some((text, line, span)) = &self.source else {
            return Group::with_title(title);
        };
        let snippet = Snippet::source(text.as_ref())
            .line_start(*line)
            .path(self.path.as_ref())
            .annotation(AnnotationKind::Primary.span(span.clone()));
        let mut g = Group::with_title(title).element(snippet);
        if let Some(template) = &self.template {
            g = g.element(Level::NOTE.message(template.as_str()));
        }
        for note in &self.related {
            g = g.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &self.help {
            g = g.element(Level::HELP.message(help.as_ref()));
        }
        g
    }
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
    let compared = report.baseline_counts();
    if e + w + i == 0 {
        return match compared {
            Some((_, unchanged)) if unchanged > 0 => {
                format!("No new findings: 0 new, {unchanged} unchanged (not counted) ({scope}).\n")
            }
            _ => format!("All checks passed: {scope}.\n"),
        };
    }
    let mut parts = vec![plural(e, "error"), plural(w, "warning")];
    if i > 0 {
        parts.push(plural(i, "note"));
    }
    let mut out = format!("Found {} ({scope}).\n", parts.join(", "));
    if let Some((new, unchanged)) = compared {
        out.push_str(&format!(
            "{new} new, {unchanged} unchanged (not counted).\n"
        ));
    }
    out
}

/// `--statistics`: the number of findings per rule, most first.
pub fn statistics(report: &Report<'_>) -> String {
    let mut counts: Vec<(crate::codes::RuleId, usize)> = Vec::new();
    for d in report.diagnostics.iter().filter(|d| d.counts()) {
        match counts.iter_mut().find(|(r, _)| *r == d.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.rule, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for (rule, n) in &counts {
        out.push_str(&format!(
            "{n:>6}  {:<30} {:<8} {}\n",
            rule.as_str(),
            rule.severity().as_str(),
            rule.summary()
        ));
    }
    out.push_str(&summary(report));
    out
}
