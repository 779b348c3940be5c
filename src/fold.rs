//! Folds floods of file notes. A tree of 100,000 empty or templated files would otherwise
//! give 100,000 `skipped-file` notes: megabytes of SARIF and a terminal nobody reads. Past
//! `NOTE_LIMIT` notes of one rule, the rest become one note that counts them by reason.

use std::collections::BTreeMap;

use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::text::count;

/// Notes of one rule shown one by one; more are folded into one.
pub const NOTE_LIMIT: usize = 50;

/// The rules whose findings are notes about files rather than about resources.
const FILE_NOTES: &[RuleId] = &[RuleId::SkippedFile, RuleId::IoError];

/// A message's reason, with the parts that name one file taken out: numbers become `N`,
/// quoted values `…`, and the `skipped:` prefix goes.
fn reason(message: &str) -> String {
    let m = message
        .strip_prefix("skipped: ")
        .or_else(|| message.strip_prefix("cannot read the file: "))
        .unwrap_or(message);
    let mut out = String::new();
    let mut in_quote = false;
    let mut last_digit = false;
    // Digits inside a word (`UTF-8`, `v2`) are part of it.
    let mut in_word = false;
    for c in m.chars() {
        if c == '`' {
            if !in_quote {
                out.push('…');
            }
            in_quote = !in_quote;
            continue;
        }
        if in_quote {
            continue;
        }
        let digit = !in_word && (c.is_ascii_digit() || (last_digit && c == '.'));
        if digit {
            if !last_digit {
                out.push('N');
            }
        } else {
            out.push(c);
            in_word = c.is_alphanumeric() || c == '-';
        }
        last_digit = digit;
    }
    out
}

/// Whether some rule has more than `NOTE_LIMIT` file notes, which [`fold_notes`] folds.
pub(crate) fn floods(diags: &[Diagnostic]) -> bool {
    let mut counts: BTreeMap<RuleId, usize> = BTreeMap::new();
    for d in diags {
        if FILE_NOTES.contains(&d.rule) {
            *counts.entry(d.rule).or_default() += 1;
        }
    }
    counts.values().any(|&n| n > NOTE_LIMIT)
}

/// Keeps the first `NOTE_LIMIT` file notes of each rule (in the given order) and folds the
/// rest into one note at the first folded file.
pub(crate) fn fold_notes(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if !floods(&diags) {
        return diags;
    }
    let mut seen: BTreeMap<RuleId, usize> = BTreeMap::new();
    let mut folded: BTreeMap<RuleId, (Diagnostic, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut out = Vec::with_capacity(diags.len());
    for d in diags {
        if !FILE_NOTES.contains(&d.rule) {
            out.push(d);
            continue;
        }
        let n = seen.entry(d.rule).or_default();
        *n += 1;
        if *n <= NOTE_LIMIT {
            out.push(d);
            continue;
        }
        let (_, reasons) = folded.entry(d.rule).or_insert_with(|| {
            let mut first = d.clone();
            first.span = Span::default();
            first.help = None;
            first.resource = None;
            first.node_path = None;
            (first, BTreeMap::new())
        });
        *reasons.entry(reason(&d.message)).or_default() += 1;
    }
    for (rule, (mut note, reasons)) in folded {
        let total: usize = reasons.values().sum();
        let mut by_count: Vec<(&String, &usize)> = reasons.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut parts: Vec<String> = by_count
            .iter()
            .take(3)
            .map(|(r, n)| format!("{} {r}", count(**n)))
            .collect();
        if by_count.len() > 3 {
            let rest: usize = by_count.iter().skip(3).map(|(_, n)| **n).sum();
            parts.push(format!("{} for other reasons", count(rest)));
        }
        let files = if total == 1 { "file" } else { "files" };
        note.message = format!(
            "and {} more {files} with a `{rule}` note, from here on: {}",
            count(total),
            parts.join("; ")
        );
        note.help = Some(format!(
            "only the first {NOTE_LIMIT} `{rule}` notes are listed one by one; `--exclude` the folders that hold no manifests"
        ));
        out.push(note);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(file: u32, msg: &str) -> Diagnostic {
        Diagnostic::new(RuleId::SkippedFile, file, Span::new(0, 0), msg)
    }

    #[test]
    fn reasons_drop_what_names_one_file() {
        assert_eq!(
            reason("skipped: the file is 12.5 MB, over the 10 MB limit"),
            "the file is N MB, over the N MB limit"
        );
        assert_eq!(
            reason("skipped: a symlink to `/etc/x`, outside the repository"),
            "a symlink to …, outside the repository"
        );
    }

    #[test]
    fn floods_fold_into_one_note() {
        let mut diags: Vec<Diagnostic> = (0..1000)
            .map(|i| note(i, "skipped: the file is empty"))
            .collect();
        diags.push(note(
            1000,
            "skipped: the file is not valid UTF-8 (first bad byte at offset 7)",
        ));
        let weight = Diagnostic::new(RuleId::WeightSum, 3, Span::new(1, 2), "w");
        diags.push(weight.clone());
        let out = fold_notes(diags);
        assert_eq!(out.len(), NOTE_LIMIT + 2);
        assert!(out.contains(&weight));
        let last = out.last().unwrap();
        assert_eq!(last.file, NOTE_LIMIT as u32);
        assert_eq!(
            last.message,
            "and 951 more files with a `skipped-file` note, from here on: 950 the file is empty; 1 the file is not valid UTF-8 (first bad byte at offset N)"
        );
    }

    #[test]
    fn few_notes_are_untouched() {
        let diags: Vec<Diagnostic> = (0..NOTE_LIMIT as u32).map(|i| note(i, "x")).collect();
        assert_eq!(fold_notes(diags.clone()), diags);
    }
}
