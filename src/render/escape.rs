//! Escaping of file names and YAML values on their way to a terminal or a CI log, where a
//! control character could move the cursor, recolour or hide text, ring the bell, or start
//! a new line that the GitHub Actions runner reads as a workflow command.

use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Range;

/// Whether a terminal or a log viewer could act on `c`: the C0 controls (tab, CR and LF
/// included), DEL, the C1 controls, and the Unicode bidirectional overrides and isolates,
/// which reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How an unsafe character is shown: `\t`, `\n`, `\r`, `\x1b`, `\u{9b}`, ...
pub(crate) fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every character `escape` selects shown as an escape (see [`push_escaped`]).
pub(crate) fn escape_if(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` safe to print: every unsafe character escaped, so the text stays on one line.
pub fn display(s: &str) -> Cow<'_, str> {
    escape_if(s, is_unsafe)
}

/// A JSON document with DEL, the C1 controls and the bidirectional controls written as
/// `\uXXXX` escapes. serde_json escapes the C0 controls in strings (a raw one outside a
/// string is JSON's own whitespace); the others are valid JSON but reach a terminal raw.
/// JSON outside strings is ASCII, so each of them is in a string, and the escape stands for
/// the same character.
pub(crate) fn json(doc: String) -> String {
    let raw = |c: char| (c as u32) >= 0x7f && is_unsafe(c);
    if !doc.chars().any(raw) {
        return doc;
    }
    let mut out = String::with_capacity(doc.len() + 16);
    for c in doc.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// How an unsafe character of a source line is shown: one character, so that columns and
/// underlines stay where they were. C0 controls and DEL become their Unicode control
/// pictures (`␛`, `␅`, `␡`), as rustc shows them; C1 and bidirectional controls `�`.
fn picture(c: char) -> char {
    match c as u32 {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// A source line safe to print, with a byte range of it mapped onto the result. Tabs are
/// kept (the snippet renderer expands them); every other unsafe character is replaced by
/// one visible character, so the underline stays under the same characters.
pub(crate) fn line_with_span(line: &str, span: Range<usize>) -> (Cow<'_, str>, Range<usize>) {
    let unsafe_char = |c: char| c != '\t' && is_unsafe(c);
    if !line.chars().any(unsafe_char) {
        return (Cow::Borrowed(line), span);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let (mut start, mut end) = (None, None);
    for (i, c) in line.char_indices() {
        if i >= span.start && start.is_none() {
            start = Some(out.len());
        }
        if i >= span.end && end.is_none() {
            end = Some(out.len());
        }
        out.push(if unsafe_char(c) { picture(c) } else { c });
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (Cow::Owned(out), start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(display("plain/café.yaml"), "plain/café.yaml");
        assert_eq!(
            display("a\n::error file=x::INJECTED\r\t\u{1b}[31m\u{7}\u{7f}\u{9b}\u{202e}"),
            "a\\n::error file=x::INJECTED\\r\\t\\x1b[31m\\x07\\x7f\\u{9b}\\u{202e}"
        );
        assert!(!display("\u{0}\u{1f}\u{85}").chars().any(is_unsafe));
    }

    #[test]
    fn json_escapes_round_trip() {
        let value = "r\u{1b}[31m\u{7f}\u{9b}\u{202e}";
        let doc = json(serde_json::to_string_pretty(&[value]).unwrap());
        assert!(!doc.chars().any(|c| c != '\n' && is_unsafe(c)), "{doc}");
        assert_eq!(doc, "[\n  \"r\\u001b[31m\\u007f\\u009b\\u202e\"\n]");
        assert_eq!(serde_json::from_str::<Vec<String>>(&doc).unwrap(), [value]);
    }

    #[test]
    fn source_lines_keep_their_columns() {
        let line = "  host: \"r\u{1b}[31m\u{5}\u{9b}\" # x";
        let start = line.find('"').unwrap();
        let end = line.rfind('"').unwrap() + 1;
        let (shown, span) = line_with_span(line, start..end);
        assert_eq!(shown, "  host: \"r␛[31m␅�\" # x");
        assert_eq!(&shown[span], "\"r␛[31m␅�\"");
        assert_eq!(shown.chars().count(), line.chars().count());
        // Nothing to replace: the line and the span are unchanged.
        let (shown, span) = line_with_span("\ta: b", 1..2);
        assert_eq!((shown.as_ref(), span), ("\ta: b", 1..2));
    }
}
