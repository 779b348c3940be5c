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
            (false, _) => Guess::Unknown,
            (true, Some(k)) => Guess::Kind(k),
            (true, None) => Guess::NoKind,
        };
        out.push(Segment {
            start: self.start,
            end,
            kind,
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
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
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
        if cur.block_root.is_none() {
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
