//! Suppressions, parsed in one place: `# canarylint: ignore[rule,...] reason` on the
//! offending line or on its own line directly above it, `# canarylint: ignore-file[rule,...]`
//! anywhere in a file, and the resource annotation `canarylint.io/ignore: "rule,..."` for
//! generated YAML that has lost its comments. A suppression that suppresses nothing is an
//! `unused-suppression` finding.

use crate::hash::HashMap;
use rayon::prelude::*;

use crate::codes::{self, RuleId};
use crate::diagnostic::{Diagnostic, ResourceKey};
use crate::model::index::Index;
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::Node;

pub(crate) const ANNOTATION: &str = "canarylint.io/ignore";
pub(crate) const MARKER: &str = "canarylint:";

#[derive(Debug)]
enum Scope {
    /// Findings that start on this 1-based line.
    Line(u32),
    File,
    Resource(ResourceKey),
}

#[derive(Debug)]
struct Suppression {
    file: FileId,
    scope: Scope,
    /// The rule names as written, each with its span.
    ids: Vec<(String, Span)>,
    /// Where an unused-suppression finding points when the list is empty or malformed.
    span: Span,
    malformed: Option<String>,
}

/// Removes suppressed findings and adds `unused-suppression` findings for suppressions
/// that suppressed nothing. `enabled` tells which rules ran: a suppression of a rule that
/// did not run is not reported as unused.
pub(crate) fn apply(
    diags: Vec<Diagnostic>,
    files: &[SourceFile],
    indexes: &[&Index],
    enabled: &dyn Fn(RuleId) -> bool,
) -> Vec<Diagnostic> {
    // The files and resources are searched in parallel, each list kept in order.
    let mut sups: Vec<Suppression> = files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| f.marked(MARKER))
        .flat_map_iter(|(id, f)| comments(id as FileId, f))
        .collect();
    let annotated: Vec<(&Index, &crate::model::resource::Resource, &Node)> = indexes
        .par_iter()
        .flat_map_iter(|&ix| {
            ix.subjects().iter().filter_map(move |r| {
                let node = r.root.path(&["metadata", "annotations", ANNOTATION])?;
                Some((ix, r, node))
            })
        })
        .collect();
    // A resource an overlay renders carries the annotations of its base.
    let mut seen = crate::hash::HashSet::default();
    for (ix, r, node) in annotated {
        let at = ix.real(r.location(node.span));
        if !seen.insert((r.file, at, r.key())) {
            continue;
        }
        let text = node.as_str().unwrap_or_default();
        let mut ids = split_ids(text, node);
        for (_, span) in &mut ids {
            *span = ix.real(r.location(*span)).span;
        }
        sups.push(Suppression {
            file: at.file,
            scope: Scope::Resource(r.key()),
            ids,
            span: at.span,
            malformed: None,
        });
    }
    let mut used = vec![Vec::new(); sups.len()];
    for (s, u) in sups.iter().zip(used.iter_mut()) {
        *u = vec![false; s.ids.len()];
    }
    // Suppressions by what they cover, so that each finding looks only at its own: a file
    // of 10,000 suppressed lines costs no more per finding than a file of ten.
    let mut by_line: HashMap<(FileId, u32), Vec<usize>> = HashMap::default();
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::default();
    let mut by_resource: HashMap<(FileId, &ResourceKey), Vec<usize>> = HashMap::default();
    for (i, s) in sups.iter().enumerate() {
        if s.malformed.is_some() {
            continue;
        }
        match &s.scope {
            Scope::Line(l) => by_line.entry((s.file, *l)).or_default().push(i),
            Scope::File => by_file.entry(s.file).or_default().push(i),
            Scope::Resource(key) => by_resource.entry((s.file, key)).or_default().push(i),
        }
    }
    let none = Vec::new();
    // The line of each finding in a file with suppressions of lines, its file's lines
    // counted in parallel (the others' files are not read for it).
    let lined: crate::hash::HashSet<FileId> = by_line.keys().map(|&(f, _)| f).collect();
    let lines: Vec<u32> = diags
        .par_iter()
        .map(|d| match files.get(d.file as usize) {
            Some(f) if lined.contains(&d.file) => f.line_col(d.span.start as usize).line,
            _ => 0,
        })
        .collect();
    let mut out = Vec::with_capacity(diags.len());
    for (d, line) in diags.into_iter().zip(lines) {
        let on_resource = d
            .resource
            .as_ref()
            .and_then(|key| by_resource.get(&(d.file, key)));
        let candidates = by_line
            .get(&(d.file, line))
            .unwrap_or(&none)
            .iter()
            .chain(by_file.get(&d.file).unwrap_or(&none))
            .chain(on_resource.unwrap_or(&none));
        let mut suppressed = false;
        for &si in candidates {
            for (i, (name, _)) in sups[si].ids.iter().enumerate() {
                if name == d.rule.as_str() {
                    used[si][i] = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            out.push(d);
        }
    }
    if enabled(RuleId::UnusedSuppression) {
        for (s, u) in sups.iter().zip(&used) {
            out.extend(unused(s, u, enabled));
        }
    }
    out
}

fn unused(s: &Suppression, used: &[bool], enabled: &dyn Fn(RuleId) -> bool) -> Vec<Diagnostic> {
    let diag = |span: Span, msg: String, help: &str| {
        Diagnostic::new(RuleId::UnusedSuppression, s.file, span, msg).help(help)
    };
    if let Some(why) = &s.malformed {
        return vec![diag(
            s.span,
            why.clone(),
            "write `# canarylint: ignore[rule-id] reason`",
        )];
    }
    if s.ids.is_empty() {
        return vec![diag(
            s.span,
            "the suppression names no rule".into(),
            "name the rules to ignore, e.g. `ignore[weight-sum]`",
        )];
    }
    let mut out = Vec::new();
    for ((name, span), &hit) in s.ids.iter().zip(used) {
        match RuleId::from_name(name) {
            None => {
                let msg = match codes::suggest(name) {
                    Some(c) => format!("`{name}` is not a rule; did you mean `{c}`?"),
                    None => format!("`{name}` is not a rule"),
                };
                out.push(diag(*span, msg, "`canarylint rules` lists the rule ids"));
            }
            Some(id) if !hit && enabled(id) => {
                let what = match s.scope {
                    Scope::Line(_) => "on this line",
                    Scope::File => "in this file",
                    Scope::Resource(_) => "on this resource",
                };
                out.push(diag(
                    *span,
                    format!("`{name}` is suppressed but reports nothing {what}"),
                    "remove the stale suppression",
                ));
            }
            Some(_) => {}
        }
    }
    out
}

fn split_ids(text: &str, node: &Node) -> Vec<(String, Span)> {
    // Spans point at the value as a whole: annotation values are usually quoted.
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), node.span))
        .collect()
}

/// The suppression comments of a file.
fn comments(file: FileId, f: &SourceFile) -> Vec<Suppression> {
    let text = f.text();
    let lines: Vec<(usize, &str)> = (1..=f.line_count())
        .map(|n| {
            let range = f.line_range(n);
            (range.start, &text[range])
        })
        .collect();
    let is_comment_only = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#')
    };
    let mut out = Vec::new();
    for (i, &(start, line)) in lines.iter().enumerate() {
        let Some(hash) = directive_at(line) else {
            continue;
        };
        let rest = line[hash + 1..].trim_start();
        let Some(rest) = rest.strip_prefix(MARKER) else {
            continue;
        };
        let rest_trim = rest.trim_start();
        let rest_off = start + line.len() - rest_trim.len();
        let comment_span = Span::new(start + hash, start + line.len());
        let (scope, body, body_off) = if let Some(b) = rest_trim.strip_prefix("ignore-file") {
            (Scope::File, b, rest_off + "ignore-file".len())
        } else if let Some(b) = rest_trim.strip_prefix("ignore") {
            let own_line = line[..hash].trim().is_empty();
            let target = if own_line {
                lines[i + 1..]
                    .iter()
                    .position(|(_, l)| !is_comment_only(l))
                    .map_or(0, |k| (i + 1 + k) as u32 + 1)
            } else {
                i as u32 + 1
            };
            (Scope::Line(target), b, rest_off + "ignore".len())
        } else {
            out.push(Suppression {
                file,
                scope: Scope::File,
                ids: Vec::new(),
                span: comment_span,
                malformed: Some(format!(
                    "unknown directive `{}`; expected `ignore[...]` or `ignore-file[...]`",
                    rest_trim.split_whitespace().next().unwrap_or("")
                )),
            });
            continue;
        };
        let Some(list) = body
            .strip_prefix('[')
            .and_then(|b| b.split_once(']').map(|(l, _)| l))
        else {
            out.push(Suppression {
                file,
                scope,
                ids: Vec::new(),
                span: comment_span,
                malformed: Some("the suppression lists no rules in brackets".into()),
            });
            continue;
        };
        let list_off = body_off + 1;
        let mut ids = Vec::new();
        let mut pos = 0;
        for part in list.split(',') {
            let lead = part.len() - part.trim_start().len();
            let name = part.trim();
            if !name.is_empty() {
                let s = list_off + pos + lead;
                ids.push((name.to_string(), Span::new(s, s + name.len())));
            }
            pos += part.len() + 1;
        }
        out.push(Suppression {
            file,
            scope,
            ids,
            span: comment_span,
            malformed: None,
        });
    }
    out
}

/// The byte offset of a `#` that starts a `canarylint:` comment: at the start of the line
/// or after white space, and outside quotes.
fn directive_at(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        let opens_quote = (c == '"' || c == '\'')
            && (prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',' | '-'));
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if opens_quote => quote = Some(c),
            None if c == '#'
                && prev.is_whitespace()
                && line[i + 1..].trim_start().starts_with(MARKER) =>
            {
                return Some(i);
            }
            None => {}
        }
        prev = c;
    }
    None
}
