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
pub(crate) struct Segment {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Guess,
    /// When the kind is certain: where each root key's line starts. A root key's value
    /// runs to the next root key, so a single entry can be parsed on its own.
    pub(crate) roots: Vec<usize>,
}

/// What the lines say of a document's `kind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Guess {
    /// The document has this kind, for certain.
    Kind(String),
    /// The document has no `kind` key at its root, for certain.
    NoKind,
    /// The lines cannot tell; the document must be parsed.
    Unknown,
}

impl Guess {
    /// Whether the document is certainly not of a kind in `relevant`.
    pub(crate) fn certainly_not(&self, relevant: impl Fn(&str) -> bool) -> bool {
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
pub(crate) fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut cur = Scan::at(0);
    // A directive (`%YAML`) belongs to the document its `---` opens.
    let mut in_directives = false;
    let bytes = text.as_bytes();
    // Without a CR (most texts), a line ends at the next LF, and runs of indented lines
    // are passed over in one search (see below).
    let lf_only = memchr::memchr(b'\r', bytes).is_none();
    let mut next = 0;
    while next < bytes.len() {
        let start = next;
        // A line ends at LF, CRLF or a lone CR: all three are YAML line breaks.
        let pos = if lf_only {
            memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1)
        } else {
            match memchr::memchr2(b'\n', b'\r', &bytes[start..]) {
                None => bytes.len(),
                Some(i)
                    if bytes[start + i] == b'\r' && bytes.get(start + i + 1) == Some(&b'\n') =>
                {
                    start + i + 2
                }
                Some(i) => start + i + 1,
            }
        };
        next = pos;
        // Most lines are indented content: once the root's shape is known they cannot
        // start a document, name a kind or change anything the scan tracks. Without a CR,
        // the indented lines that follow are passed over in one search.
        if bytes[start] == b' ' && cur.block_root.is_some() {
            if lf_only {
                next = unindented_line(bytes, start);
            }
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
        if first == b' ' {
            // Indented content: the root is indented, which the first line already said.
            cur.block_root.get_or_insert(false);
            continue;
        }
        cur.roots.push(start);
        let item = first == b'-' && matches!(body.as_bytes().get(1), None | Some(b' ' | b'\t'));
        if cur.block_root.is_none() {
            // A root sequence has no `kind`: such a document is certainly not a resource.
            cur.root_seq = item;
            cur.block_root = Some(starts_block_key(first));
        }
        if cur.root_seq {
            // Every line at column 0 of a root sequence is one of its items.
            if !item {
                cur.uncertain = true;
            }
            continue;
        }
        // A root key's sequence may sit at the key's own indentation (`rules:` then
        // `- apiGroups: ...` at column 0): its items are no root keys.
        if item {
            continue;
        }
        // Otherwise, at column 0 of a block mapping, only root keys: each must be a plain key
        // this scan reads for certain. A quoted, escaped, tagged, anchored or complex key, a
        // merge key (`<<`) that may bring a `kind`, or a line that is no key at all leaves
        // the document to the parser.
        let Some((key, value)) = plain_key(body) else {
            cur.uncertain = true;
            continue;
        };
        match key {
            "<<" => cur.uncertain = true,
            "kind" => match (simple_value(value), &cur.kind) {
                (Some(v), None) => cur.kind = Some(v.to_string()),
                _ => cur.uncertain = true,
            },
            _ => {}
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

/// Where the first line after `from` that does not start with a space starts (the text's
/// end if none does): just past the first LF at or after `from` that no space follows.
fn unindented_line(bytes: &[u8], from: usize) -> usize {
    // Sixty-four bytes at a time, each tested beside the byte after it and the results
    // gathered with no branch (the compiler makes vector compares of it); the block that
    // holds the line is then read byte by byte.
    const BLOCK: usize = 64;
    let mut at = from;
    while at + BLOCK < bytes.len() {
        let (this, after) = (&bytes[at..at + BLOCK], &bytes[at + 1..=at + BLOCK]);
        let mut any = 0u8;
        for (a, b) in this.iter().zip(after) {
            any |= u8::from(*a == b'\n') & u8::from(*b != b' ');
        }
        if any != 0 {
            break;
        }
        at += BLOCK;
    }
    while at < bytes.len() {
        if bytes[at] == b'\n' && bytes.get(at + 1) != Some(&b' ') {
            return at + 1;
        }
        at += 1;
    }
    bytes.len()
}

/// `---` or `...` at column 0 followed by white space or the end of the line.
fn marker<'a>(body: &'a str, m: &str) -> Option<&'a str> {
    let rest = body.strip_prefix(m)?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(rest)
}

pub(crate) fn is_blank_or_comment(s: &str) -> bool {
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

/// The key and the value part of a `key: value` line at column 0 whose key is a plain
/// scalar: it starts with a character that can start a plain key, and ends at the first
/// `:` followed by white space or the end of the line, before any comment.
pub(crate) fn plain_key(body: &str) -> Option<(&str, &str)> {
    let bytes = body.as_bytes();
    // A byte-order mark may open any document; the parser drops it, so the key is not
    // what the bytes say.
    if !starts_block_key(*bytes.first()?) || body.starts_with('\u{feff}') {
        return None;
    }
    let mut from = 0;
    loop {
        let colon = from + memchr::memchr(b':', &bytes[from..])?;
        if matches!(bytes.get(colon + 1), None | Some(b' ' | b'\t')) {
            let key = body[..colon].trim_end_matches([' ', '\t']);
            // A comment ends the line before any key (`a #b: c`). A byte scan: substring
            // search is slow to start on keys this short, and this runs for every root line.
            let kb = key.as_bytes();
            if memchr::memchr_iter(b'#', kb).any(|i| i > 0 && matches!(kb[i - 1], b' ' | b'\t')) {
                return None;
            }
            return Some((key, &body[colon + 1..]));
        }
        from = colon + 1;
    }
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

    #[test]
    fn indented_lines_are_passed_over_to_the_next_line_at_column_0() {
        // Against one byte at a time, from every position of texts around the block size.
        let one_by_one = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i] == b'\n' && b.get(i + 1) != Some(&b' '))
                .map_or(b.len(), |i| i + 1)
        };
        let mut seed = 7u32;
        for len in [0, 1, 2, 63, 64, 65, 66, 127, 128, 129, 200, 1000] {
            for _ in 0..20 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        match (seed >> 16) % 10 {
                            0 | 1 => b'\n',
                            2..=6 => b' ',
                            7 => b'\t',
                            _ => b'a',
                        }
                    })
                    .collect();
                for from in 0..text.len() {
                    assert_eq!(
                        unindented_line(&text, from),
                        one_by_one(&text, from),
                        "{text:?} from {from}"
                    );
                }
            }
        }
    }

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
        // Keys the lines cannot read for certain, among otherwise plain ones.
        for key in [
            "!!str kind",
            "! kind",
            "&a kind",
            "\"\\x6bind\"",
            "'kind'",
            "<<",
            "\u{feff}kind",
        ] {
            let text = format!("apiVersion: v1\n{key}: VirtualService\nmetadata: {{}}\n");
            assert_eq!(segments(&text)[0].kind, Guess::Unknown, "{key}");
        }
        // A root key's sequence at column 0 is fine; a kind after it is read.
        assert_eq!(
            kinds("rules:\n- apiGroups: [\"\"]\n  kind: X\n- b\nkind: ClusterRole\n"),
            vec![Some("ClusterRole".to_string())]
        );
        // A column-0 line that is no key at all.
        assert_eq!(kinds("kind: ConfigMap\nnot a key\n"), vec![None]);
        assert_eq!(kinds("a: 1\nb # c: d\n"), vec![None]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let t = "apiVersion: v1\rkind: ConfigMap\r---\rkind: VirtualService\r";
        assert_eq!(
            kinds(t),
            vec![
                Some("ConfigMap".to_string()),
                Some("VirtualService".to_string())
            ]
        );
        let crlf = "kind: A\r\n---\r\nkind: B\r\n";
        assert_eq!(
            kinds(crlf),
            vec![Some("A".to_string()), Some("B".to_string())]
        );
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
