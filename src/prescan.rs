//! Splits a YAML stream into documents and, where it can be told for certain from the raw
//! lines, names each document's kind, so that documents no rule reads cost little more than
//! reading them.
//!
//! A document's kind is taken from the lines only when its root is a block mapping written
//! at column 0: then every line that starts at column 0 is a root key (continuation lines
//! of scalars and flow collections must be indented, YAML 1.2 §6.1, §7.3), and a single
//! `kind: Name` line among them is the document's kind. Anything else (a flow or indented
//! root, a quoted, tagged, aliased or repeated `kind`, a complex key) leaves the kind
//! unknown, and an unknown kind is always parsed.

/// One document of a stream: a byte range of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub kind: Guess,
    /// When the kind is certain: where each root key's line starts. A root key's value
    /// runs to the next root key, so a single entry can be parsed on its own.
    pub roots: Vec<usize>,
}

/// What the lines say of a document's `kind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guess {
    /// The document has this kind, for certain.
    Kind(String),
    /// The document has no `kind` key at its root, for certain.
    NoKind,
    /// The lines cannot tell; the document must be parsed.
    Unknown,
}

impl Guess {
    /// Whether the document is certainly not of a kind in `relevant`.
    pub fn certainly_not(&self, relevant: impl Fn(&str) -> bool) -> bool {
        match self {
            Guess::Kind(k) => !relevant(k),
            Guess::NoKind => true,
            Guess::Unknown => false,
        }
    }
}

#[derive(Default)]
struct Scan {
    start: usize,
    has_content: bool,
    /// The first content line has been seen and opened a column-0 block mapping.
    block_root: Option<bool>,
    kind: Option<String>,
    uncertain: bool,
    /// The root is a block sequence.
    root_seq: bool,
    /// Start of every column-0 content line: with a certain kind, the root keys.
    roots: Vec<usize>,
}

impl Scan {
    fn at(start: usize) -> Self {
        Scan {
            start,
            ..Scan::default()
        }
    }

    fn close(self, end: usize, out: &mut Vec<Segment>) {
        if end <= self.start {
            return;
        }
        let certain = !self.uncertain && self.block_root == Some(true);
        let kind = match (certain, self.kind) {
            _ if self.root_seq && !self.uncertain => Guess::NoKind,
            (false, _) => Guess::Unknown,
            (true, Some(k)) => Guess::Kind(k),
            (true, None) => Guess::NoKind,
        };
        let roots = if matches!(kind, Guess::Kind(_)) {
            self.roots
        } else {
            Vec::new()
        };
        out.push(Segment {
            start: self.start,
            end,
            kind,
            roots,
        });
    }
}

/// Splits `text` into document segments. Every byte belongs to exactly one segment, so
/// parsing the segments one by one sees the whole stream.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut cur = Scan::at(0);
    // A directive (`%YAML`) belongs to the document its `---` opens.
    let mut in_directives = false;
    let bytes = text.as_bytes();
    let mut next = 0;
    let mut newlines = memchr::memchr_iter(b'\n', bytes);
    while next < bytes.len() {
        let start = next;
        let pos = newlines.next().map_or(bytes.len(), |nl| nl + 1);
        next = pos;
        // Most lines are indented content: once the root's shape is known they cannot
        // start a document, name a kind or change anything the scan tracks.
        if bytes[start] == b' ' && cur.block_root.is_some() {
            continue;
        }
        let body = text[start..pos].trim_end_matches(['\n', '\r']);
        if body.starts_with('%') {
            if cur.has_content && !in_directives {
                std::mem::replace(&mut cur, Scan::at(start)).close(start, &mut out);
            }
            in_directives = true;
            cur.has_content = true;
            continue;
        }
        if let Some(rest) = marker(body, "---") {
            if !in_directives && (cur.has_content || cur.block_root.is_some()) {
                std::mem::replace(&mut cur, Scan::at(start)).close(start, &mut out);
            }
            in_directives = false;
            cur.has_content = true;
            if !is_blank_or_comment(rest) {
                // Content on the marker line: `--- {kind: X}` or `--- !tag`.
                cur.uncertain = true;
                cur.block_root.get_or_insert(false);
            }
            continue;
        }
        if marker(body, "...").is_some() {
            cur.has_content = true;
            std::mem::replace(&mut cur, Scan::at(pos)).close(pos, &mut out);
            continue;
        }
        if is_blank_or_comment(body) {
            continue;
        }
        cur.has_content = true;
        let first = body.as_bytes()[0];
        if !matches!(first, b' ' | b'\t' | b'#') {
            cur.roots.push(start);
        }
        if cur.block_root.is_none() {
            // A root sequence has no `kind`: such a document is certainly not a resource.
            if first == b'-' && (body.len() == 1 || body.as_bytes()[1] == b' ') {
                cur.root_seq = true;
            }
            cur.block_root = Some(starts_block_key(first));
        }
        if first == b'?' || first == b'\t' {
            cur.uncertain = true;
        }
        if let Some(value) = key_value(body, "kind") {
            match (simple_value(value), &cur.kind) {
                (Some(v), None) => cur.kind = Some(v.to_string()),
                _ => cur.uncertain = true,
            }
        } else if body.starts_with("\"kind\"") || body.starts_with("'kind'") {
            cur.uncertain = true;
        }
    }
    cur.close(text.len(), &mut out);
    if out.is_empty() {
        out.push(Segment {
            start: 0,
            end: text.len(),
            kind: Guess::Unknown,
            roots: Vec::new(),
        });
    }
    out
}

/// `---` or `...` at column 0 followed by white space or the end of the line.
fn marker<'a>(body: &'a str, m: &str) -> Option<&'a str> {
    let rest = body.strip_prefix(m)?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(rest)
}

fn is_blank_or_comment(s: &str) -> bool {
    let t = s.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// Whether a column-0 line that starts with this byte can be a plain key of a block mapping.
fn starts_block_key(b: u8) -> bool {
    !matches!(
        b,
        b' ' | b'\t'
            | b'{'
            | b'['
            | b'-'
            | b'?'
            | b':'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'"'
            | b'\''
            | b'%'
            | b'@'
            | b'`'
            | b','
    )
}

/// The value part of a `key: value` line at column 0.
fn key_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let rest = body.strip_prefix(key)?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let value = rest.strip_prefix(':')?;
    (value.is_empty() || value.starts_with([' ', '\t'])).then_some(value)
}

/// A kind name written as a plain or simply quoted scalar, with nothing after it but a
/// comment.
fn simple_value(value: &str) -> Option<&str> {
    let v = value.trim_matches([' ', '\t']);
    let v = match v.find(" #").or_else(|| v.find("\t#")) {
        Some(i) => v[..i].trim_end_matches([' ', '\t']),
        None => v,
    };
    let v = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let ok = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Option<String>> {
        segments(text)
            .into_iter()
            .map(|s| match s.kind {
                Guess::Kind(k) => Some(k),
                _ => None,
            })
            .collect()
    }

    fn kind(s: &Segment) -> Option<&str> {
        match &s.kind {
            Guess::Kind(k) => Some(k),
            _ => None,
        }
    }

    #[test]
    fn root_sequences_have_no_kind() {
        assert_eq!(
            segments("- op: add\n  path: /kind\n")[0].kind,
            Guess::NoKind
        );
        assert_eq!(segments("-\n  kind: X\n")[0].kind, Guess::NoKind);
        assert_eq!(segments("--- - a\n")[0].kind, Guess::Unknown);
    }

    #[test]
    fn kindless_documents_are_known() {
        assert_eq!(
            segments(
                "replicas: 3
image: x
"
            )[0]
            .kind,
            Guess::NoKind
        );
        assert_eq!(
            segments(
                "  kind: X
"
            )[0]
            .kind,
            Guess::Unknown
        );
    }

    #[test]
    fn splits_and_names_kinds() {
        let t = "apiVersion: v1\nkind: ConfigMap\n---\n# c\nkind: VirtualService # x\nspec: {}\n";
        let s = segments(t);
        assert_eq!(s.len(), 2);
        assert_eq!(kind(&s[0]), Some("ConfigMap"));
        assert_eq!(kind(&s[1]), Some("VirtualService"));
        assert_eq!(s[0].end, s[1].start);
        assert_eq!(s[1].end, t.len());
    }

    #[test]
    fn uncertain_shapes_stay_unknown() {
        assert_eq!(kinds("{kind: ConfigMap}\n"), vec![None]);
        assert_eq!(kinds("  kind: ConfigMap\n"), vec![None]);
        assert_eq!(kinds("kind: ConfigMap\nkind: Service\n"), vec![None]);
        assert_eq!(kinds("kind: *k\n"), vec![None]);
        assert_eq!(kinds("kind: !!str X\n"), vec![None]);
        assert_eq!(kinds("\"kind\": X\nkind: Y\n"), vec![None]);
        assert_eq!(kinds("--- {kind: X}\n"), vec![None]);
        assert_eq!(kinds("? kind\n: X\n"), vec![None]);
        assert_eq!(kinds("- kind: X\n"), vec![None]);
    }

    #[test]
    fn directives_and_document_end() {
        let t = "kind: A\n...\n%YAML 1.2\n---\nkind: B\n";
        let s = segments(t);
        assert_eq!(s.len(), 2);
        assert_eq!(&t[s[1].start..s[1].start + 9], "%YAML 1.2");
        assert_eq!(kind(&s[1]), Some("B"));
    }

    #[test]
    fn leading_marker_does_not_make_an_empty_document() {
        let s = segments("---\nkind: A\n---\nkind: B\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].start, 0);
    }
}
