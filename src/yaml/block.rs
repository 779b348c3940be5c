//! A fast path for the YAML most manifests are written in: block mappings and sequences
//! of plain and simply quoted one-line scalars, with comments and blank lines. It reads
//! bytes and lines directly, and gives the very tree (nodes, spans, styles, duplicate
//! keys) that the event parser gives for the same text; anything outside that subset
//! (flow collections but an empty one at a line's end, block scalars, anchors, tags,
//! escapes, multi-line scalars, tabs, non-ASCII text, several documents, anything
//! malformed) is declined, and the caller
//! parses the text with the event parser. The root may be indented: the loader parses the
//! nested entries of a document it reads in part as a block of their own.
//! `tests::fast_path_agrees_with_the_parser` holds it to that on every document of the
//! corpus, each of its root entries and each of its indented blocks.
//!
//! Spans follow the event parser's markers (see the tests): a mapping starts at its first
//! key and ends where its last entry does; a block sequence starts at its first `-`, one
//! written at its key's indentation at its first item; an empty value is the empty plain
//! scalar at its key's colon.

use super::{report_duplicates, Entry, LoadIssue, Loaded, Node, Scalar, Style, Value};
use crate::source::Span;

/// Deeper than this is left to the event parser (which bounds depth itself).
const MAX_DEPTH: usize = 64;

/// Larger documents are left to the event parser, which bounds their node count.
const MAX_LEN: usize = 1 << 20;

/// Parses `text` (which starts at byte `base` of its file) when it is in the subset; `None`
/// otherwise.
pub(super) fn load(text: &str, base: usize) -> Option<Loaded> {
    let t = text.as_bytes();
    // Tabs, carriage returns, other control characters and non-ASCII text: declined.
    if t.len() > MAX_LEN || !plain_ascii(t) {
        return None;
    }
    let mut p = Block {
        s: text,
        t,
        base,
        issues: Vec::new(),
        depth: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    let mut at = p.content(0)?;
    // One optional `---` line before the root.
    if at.col == 0 && t[at.pos..].starts_with(b"---") {
        let rest = &t[at.pos + 3..p.line_end(at.pos)];
        if !rest.iter().all(|&b| b == b' ') {
            return None;
        }
        at = p.content(p.next_line(at.pos))?;
    }
    let (root, next) = p.node(at)?;
    // Nothing may follow the root (another document, `...`, a stray line).
    if next.is_some() {
        return None;
    }
    Some(Loaded {
        docs: vec![root],
        issues: p.issues,
        failed: false,
        aliases_exhausted: false,
    })
}

/// A content line: the position of its first non-space byte, and its column.
#[derive(Clone, Copy)]
struct At {
    pos: usize,
    col: usize,
}

/// Whether `t` is printable ASCII and line feeds only. Branch-free within a chunk, so
/// that it compiles to vector instructions.
fn plain_ascii(t: &[u8]) -> bool {
    t.chunks(64).all(|c| {
        !c.iter().fold(false, |bad, &b| {
            bad | (b >= 0x7f) | ((b < 0x20) & (b != b'\n'))
        })
    })
}

struct Block<'a> {
    s: &'a str,
    t: &'a [u8],
    base: usize,
    issues: Vec<LoadIssue>,
    depth: usize,
    /// The entries of the mappings being read, innermost last (see [`Block::map`]).
    entries: Vec<Entry>,
    /// The items of the sequences being read, innermost last.
    items: Vec<Node>,
}

/// Bytes that may not start a plain scalar (YAML 1.2 §5.3 indicators), besides `-`, `?`
/// and `:` followed by a space, which the subset declines as well.
fn is_indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
            | b'\n'
    )
}

impl Block<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn line_end(&self, pos: usize) -> usize {
        memchr::memchr(b'\n', &self.t[pos..]).map_or(self.t.len(), |i| pos + i)
    }

    fn next_line(&self, pos: usize) -> usize {
        (self.line_end(pos) + 1).min(self.t.len())
    }

    /// The first content line at or after the line starting at `line` (blank and comment
    /// lines skipped); `None` at the end of the text.
    fn content(&self, mut line: usize) -> Option<At> {
        let t = self.t;
        while line < t.len() {
            let mut i = line;
            while i < t.len() && t[i] == b' ' {
                i += 1;
            }
            match t.get(i) {
                None => return None,
                Some(b'\n') => line = i + 1,
                Some(b'#') => line = self.next_line(i),
                Some(_) => {
                    return Some(At {
                        pos: i,
                        col: i - line,
                    })
                }
            }
        }
        None
    }

    /// Whether the content at `pos` is a sequence entry (`-` then a space or the line end).
    fn is_item(&self, pos: usize) -> bool {
        self.t[pos] == b'-' && matches!(self.t.get(pos + 1), None | Some(b' ' | b'\n'))
    }

    /// Parses the block node whose first content is at `at` (a mapping or a sequence);
    /// returns it and the next content line after it.
    fn node(&mut self, at: At) -> Option<(Node, Option<At>)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let out = if self.is_item(at.pos) {
            self.seq(at, false)
        } else {
            self.map(at)
        };
        self.depth -= 1;
        out
    }

    /// A block mapping whose first key is at `at`; its keys are at `at.col`.
    fn map(&mut self, first: At) -> Option<(Node, Option<At>)> {
        // Entries gather on a stack the whole parse shares, and move to a vector of their
        // exact number: most mappings hold one to three entries, and a vector grown by
        // pushes would hold room for four or more.
        let from = self.entries.len();
        let mut at = first;
        let next = loop {
            let (key, colon_end) = self.key(at.pos)?;
            let (value, next) = self.value(at.col, colon_end)?;
            self.entries.push(Entry { key, value });
            match next {
                Some(n) if n.col == at.col => {
                    if self.is_item(n.pos) {
                        return None;
                    }
                    at = n;
                }
                Some(n) if n.col > at.col => return None,
                other => break other,
            }
        };
        let entries: Vec<Entry> = self.entries.drain(from..).collect();
        let last = entries.last()?;
        let end = last.value.span.end.max(last.key.span.end);
        let start = entries[0].key.span.start;
        report_duplicates(&entries, &mut self.issues);
        Some((
            Node {
                span: Span { start, end },
                value: Value::Map(entries),
            },
            next,
        ))
    }

    /// A plain key at `pos`, up to its `:`; the key and where the colon ends.
    fn key(&self, pos: usize) -> Option<(Node, usize)> {
        let t = self.t;
        if is_indicator(t[pos]) || t[pos..].starts_with(b"<<") {
            return None;
        }
        let mut i = pos;
        loop {
            match t.get(i) {
                None | Some(b'\n') => return None,
                Some(b':') if matches!(t.get(i + 1), None | Some(b' ' | b'\n')) => break,
                Some(b'#') if t[i - 1] == b' ' => return None,
                _ => i += 1,
            }
        }
        // A key is short (the parser's simple keys are at most 1024 characters), and ends
        // at its colon.
        if i - pos > 1000 || t[i - 1] == b' ' {
            return None;
        }
        Some((self.scalar(pos, i, Style::Plain), i + 1))
    }

    fn scalar(&self, start: usize, end: usize, style: Style) -> Node {
        // The text is ASCII (checked on entry): any byte offset is a char boundary.
        let text = match style {
            Style::Quoted => &self.s[start + 1..end - 1],
            _ => &self.s[start..end],
        };
        Node {
            span: self.span(start, end),
            value: Value::Scalar(Scalar {
                text: text.into(),
                style,
                tag: None,
            }),
        }
    }

    /// The value of an entry whose key is at column `col` and whose colon ends at `pos`.
    fn value(&mut self, col: usize, pos: usize) -> Option<(Node, Option<At>)> {
        let t = self.t;
        let mut r = pos;
        while r < t.len() && t[r] == b' ' {
            r += 1;
        }
        if r >= t.len() || t[r] == b'\n' || (t[r] == b'#' && r > pos) {
            // Nothing on the key's line: a nested block, a sequence at the key's
            // indentation, or an empty scalar.
            let next = self.content(self.next_line(pos));
            return match next {
                Some(n) if n.col > col => {
                    let (node, after) = self.node(n)?;
                    // A nested block ends at a line indented as its key or less.
                    if after.is_some_and(|a| a.col > col) {
                        return None;
                    }
                    Some((node, after))
                }
                Some(n) if n.col == col && self.is_item(n.pos) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return None;
                    }
                    let out = self.seq(n, true);
                    self.depth -= 1;
                    out
                }
                // At the colon, as the parser places it.
                _ => Some((self.scalar(pos - 1, pos - 1, Style::Plain), next)),
            };
        }
        let node = self.inline_scalar(r)?;
        let next = self.content(self.next_line(r));
        // A more indented line would continue the scalar.
        if next.is_some_and(|n| n.col > col) {
            return None;
        }
        Some((node, next))
    }

    /// A one-line scalar starting at `r` (plain, or quoted without escapes), with nothing
    /// after it on its line but a comment.
    fn inline_scalar(&self, r: usize) -> Option<Node> {
        let t = self.t;
        let end = self.line_end(r);
        let (node, after) = match t[r] {
            q @ (b'"' | b'\'') => {
                let close = r + 1 + memchr::memchr(q, &t[r + 1..end])?;
                if (q == b'"' && t[r + 1..close].contains(&b'\\'))
                    || (q == b'\'' && t.get(close + 1) == Some(&b'\''))
                {
                    return None;
                }
                (self.scalar(r, close + 1, Style::Quoted), close + 1)
            }
            // An empty flow collection, with nothing after it (the parser's span of one
            // runs on over a comment after it).
            b'[' | b'{' if end == r + 2 && t[r + 1] == if t[r] == b'[' { b']' } else { b'}' } => {
                let value = if t[r] == b'[' {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                let node = Node {
                    span: self.span(r, end),
                    value,
                };
                return Some(node);
            }
            // `-1`, `:x`, `?x` are plain (YAML 1.2 ns-plain-first).
            b'-' | b'?' | b':' if t.get(r + 1).is_some_and(|&c| c != b' ' && c != b'\n') => {
                self.plain(r, end)?
            }
            b if is_indicator(b) => return None,
            _ => self.plain(r, end)?,
        };
        // Only spaces, then the line's end or a comment after a space.
        let mut i = after;
        while i < end && t[i] == b' ' {
            i += 1;
        }
        if i < end && !(t[i] == b'#' && i > after) {
            return None;
        }
        Some(node)
    }

    /// A plain scalar from `r` to the line's `end` or a comment; it and where it ends.
    fn plain(&self, r: usize, end: usize) -> Option<(Node, usize)> {
        let t = self.t;
        let mut stop = end;
        for i in r + 1..end {
            match t[i] {
                b'#' if t[i - 1] == b' ' => {
                    stop = i;
                    break;
                }
                b':' if i + 1 == end || t[i + 1] == b' ' => return None,
                _ => {}
            }
        }
        let mut e = stop;
        while t[e - 1] == b' ' {
            e -= 1;
        }
        Some((self.scalar(r, e, Style::Plain), e))
    }

    /// A block sequence whose first `-` is at `first`; `indentless` when it is written at
    /// its key's indentation.
    fn seq(&mut self, first: At, indentless: bool) -> Option<(Node, Option<At>)> {
        let t = self.t;
        let from = self.items.len();
        let mut at = first;
        let next = loop {
            // The item's content: on the `-` line, or on the lines below.
            let mut c = at.pos + 1;
            while c < t.len() && t[c] == b' ' {
                c += 1;
            }
            let (item, after) = if c >= t.len() || t[c] == b'\n' || t[c] == b'#' {
                let n = self.content(self.next_line(at.pos))?;
                // An empty item; the first of a sequence at its key's indentation, which the
                // parser places at the end of the `-` line.
                if n.col <= at.col || (indentless && self.items.len() == from) {
                    return None;
                }
                self.node(n)?
            } else if self.is_item(c) {
                return None;
            } else if self.key(c).is_some() {
                self.node(At {
                    pos: c,
                    col: at.col + (c - at.pos),
                })?
            } else {
                let node = self.inline_scalar(c)?;
                (node, self.content(self.next_line(c)))
            };
            self.items.push(item);
            match after {
                Some(n) if n.col == at.col && self.is_item(n.pos) => at = n,
                Some(n) if n.col > at.col => return None,
                Some(n) if n.col == at.col && !indentless => return None,
                other => break other,
            }
        };
        let items: Vec<Node> = self.items.drain(from..).collect();
        let start = if indentless {
            items[0].span.start
        } else {
            self.span(first.pos, first.pos).start
        };
        let end = items.last()?.span.end;
        Some((
            Node {
                span: Span { start, end },
                value: Value::Seq(items),
            },
            next,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path's tree, or `None`; with the parser's, which it must equal.
    fn both(text: &str) -> (Option<String>, String) {
        let fast = load(text, 7).map(|l| format!("{l:?}"));
        let slow = format!(
            "{:?}",
            super::super::parse(text, 7, &mut usize::MAX.clone())
        );
        (fast, slow)
    }

    #[test]
    fn the_subset_gives_the_parsers_tree() {
        for text in [
            "a: b\n",
            "a: b",
            "a:\nb: c\n",
            "a:\n  b: c\n",
            "a:\n- x\n- y\nb: 1\n",
            "a:\n  - x\n  - 'y'\n",
            "- name: x\n  port: 1\n- z\n",
            "a: b   # c\n",
            "a:   \n  # c\nb: \"q\"  \n",
            "a:\n",
            "a:\n# x\n\n",
            "---\na: 1\n",
            "# c\n---\na: 1\n",
            "a:  # c\nb: 1\n",
            "a:  # c\n  s: 1\n",
            "-   name: x\n    p: 1\n",
            "- # c\n  a: 1\n",
            "a:\n  - b:\n    c: 1\n",
            "a:\n- b:\n  c: 1\nd: 2\n",
            "a:\n- b:\nd: 2\n",
            "a: x y  z \n",
            "a: x#y\n",
            "a: x:y\n",
            "a: 1\na: 2\nb:\n  c: 1\n  c: 2\n",
            "a.b/c: \"v\"\nd: ''\n",
            "a: []\nb: {}\nc: -1\nd: :x\ne: ?y\nf:\n- []\n- {}\n",
            "  a: 1\n",
            "  a: 1\n  b:\n    c: x\n  d:\n  - e\n",
            "\n  # c\n    a: 1  # d\n    b: 2\n\n",
            "  - a\n  - b: 1\n    c: 2\n",
            "---\n  a: 1\n",
        ] {
            let (fast, slow) = both(text);
            assert_eq!(fast.as_deref(), Some(slow.as_str()), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_parser() {
        for text in [
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: |\n  x\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: \"x\\ny\"\n",
            "a: 'it''s'\n",
            "a: x\n  y\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: é\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\n...\n",
            "<<: {a: 1}\n",
            "\"a\": 1\n",
            "a : 1\n",
            "- - a\n",
            "-\n- b\n",
            "a: b: c\n",
            "a: {}  # c\n",
            "a: [1]\n",
            "plain\n",
            "a: 1\n b: 2\n",
            "  a: 1\n b: 2\n",
            "  a: 1\nb: 2\n",
            "  a: 1\n---\n",
            "a: \"x\"y\n",
            "",
        ] {
            let (fast, _) = both(text);
            assert_eq!(fast, None, "{text:?}");
        }
    }

    /// The indented blocks of `text[start..end]`, from the start of each line indented
    /// deeper than the content line before it to the next content line indented less (the
    /// nested entries the loader parses of a document it reads in part).
    fn nested_blocks(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
        // (line start, indentation) of each content line.
        let mut lines = Vec::new();
        let mut at = start;
        for line in text[start..end].split_inclusive('\n') {
            let body = line.trim_start_matches(' ');
            if !body.trim().is_empty() && !body.starts_with('#') {
                lines.push((at, line.len() - body.len()));
            }
            at += line.len();
        }
        let mut out = Vec::new();
        for (i, &(from, col)) in lines.iter().enumerate().skip(1) {
            if col > lines[i - 1].1 {
                let to = lines[i..].iter().find(|l| l.1 < col).map_or(end, |l| l.0);
                out.push((from, to));
            }
        }
        out
    }

    /// Compares the fast path with the parser on `text` and on each of its documents, root
    /// entries and indented blocks (the pieces the loader parses): how many pieces, and
    /// how many the fast path read.
    fn agrees(text: &str, what: &str) -> (usize, usize) {
        let (mut fast_pieces, mut all_pieces) = (0, 0);
        let mut pieces: Vec<(usize, usize)> = vec![(0, text.len())];
        for seg in crate::prescan::segments(text) {
            pieces.push((seg.start, seg.end));
            for (i, &r) in seg.roots.iter().enumerate() {
                pieces.push((r, seg.roots.get(i + 1).copied().unwrap_or(seg.end)));
            }
            pieces.extend(nested_blocks(text, seg.start, seg.end));
        }
        for (start, end) in pieces {
            let Some(piece) = text.get(start..end) else {
                continue;
            };
            all_pieces += 1;
            let Some(fast) = load(piece, start).map(|l| format!("{l:?}")) else {
                continue;
            };
            fast_pieces += 1;
            let slow = format!(
                "{:?}",
                super::super::parse(piece, start, &mut usize::MAX.clone())
            );
            if fast != slow {
                let at = fast
                    .bytes()
                    .zip(slow.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(fast.len().min(slow.len()));
                let from = at.saturating_sub(300);
                panic!(
                    "{what}, bytes {start}..{end}: the fast path reads\n{}\nthe parser\n{}",
                    &fast[from..(at + 200).min(fast.len())],
                    &slow[from..(at + 200).min(slow.len())]
                );
            }
        }
        (fast_pieces, all_pieces)
    }

    /// Every document of the third-party corpus and of the fixtures that the fast path
    /// reads, it reads as the parser does.
    #[test]
    fn fast_path_agrees_with_the_parser() {
        let corpus = crate::testing::corpus();
        if corpus.is_none() {
            eprintln!("fast_path_agrees_with_the_parser: ../shared/corpus absent, fixtures only");
        }
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let (mut fast, mut all) = (0, 0);
        for root in corpus.into_iter().chain([fixtures]) {
            for (path, text) in crate::testing::yaml_files(&root) {
                let (f, a) = agrees(&text, &path.display().to_string());
                fast += f;
                all += a;
            }
        }
        eprintln!("fast path: {fast} of {all} pieces");
        assert!(
            fast * 2 > all,
            "the fast path read only {fast} of {all} pieces"
        );
    }
}
