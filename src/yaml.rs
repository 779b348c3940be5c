//! Span-aware YAML nodes built from `saphyr-parser` events. Loading never fails: a syntax
//! error ends the document it is in and is returned beside whatever loaded before it.

use crate::hash::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::source::Span;

mod block;

#[derive(Clone, Debug)]
pub struct Node {
    pub(crate) span: Span,
    pub(crate) value: Value,
}

// Trees of every routing document and render are held at once: a node stays 48 bytes.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node>() <= 48);

#[derive(Clone, Debug)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

impl Value {
    /// Moves the items of a sequence out, leaving it empty (a `Value` cannot be
    /// destructured by value: it has a `Drop`).
    pub(crate) fn take_seq(&mut self) -> Option<Vec<Node>> {
        match self {
            Value::Seq(items) => Some(std::mem::take(items)),
            _ => None,
        }
    }

    fn has_children(&self) -> bool {
        match self {
            Value::Scalar(_) => false,
            Value::Seq(items) => !items.is_empty(),
            Value::Map(entries) => !entries.is_empty(),
        }
    }

    /// Moves the entries of a mapping out, leaving it empty.
    pub(crate) fn take_map(&mut self) -> Option<Vec<Entry>> {
        match self {
            Value::Map(entries) => Some(std::mem::take(entries)),
            _ => None,
        }
    }
}

/// Frees a tree without recursion: however deep a document is, dropping it cannot
/// overflow the stack. Nested collections are moved to a list on the heap and freed from
/// there one level at a time.
impl Drop for Value {
    fn drop(&mut self) {
        fn nested(v: &mut Value, pending: &mut Vec<Value>) {
            let mut keep = |n: &mut Node| {
                if n.value.has_children() {
                    pending.push(std::mem::replace(&mut n.value, Value::Seq(Vec::new())));
                }
            };
            match v {
                Value::Scalar(_) => {}
                Value::Seq(items) => items.iter_mut().for_each(&mut keep),
                Value::Map(entries) => entries.iter_mut().for_each(|e| {
                    keep(&mut e.key);
                    keep(&mut e.value);
                }),
            }
        }
        if !self.has_children() {
            return;
        }
        let mut pending = Vec::new();
        nested(self, &mut pending);
        while let Some(mut v) = pending.pop() {
            nested(&mut v, &mut pending);
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: Node,
    pub(crate) value: Node,
}

#[derive(Clone, Debug)]
pub(crate) struct Scalar {
    /// Held inline up to 24 bytes (most keys and values): parsing, cloning a render's
    /// documents and dropping them allocate nothing for those.
    pub(crate) text: compact_str::CompactString,
    pub(crate) style: Style,
    /// An explicit tag such as `!!str`, as written.
    /// Boxed: rare, and a scalar without one stays small (a node is 48 bytes); a thin
    /// pointer, where `Box<str>` would take 16 bytes.
    #[allow(clippy::box_collection)]
    pub(crate) tag: Option<Box<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Quoted,
    Block,
}

impl Node {
    pub(crate) fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that is not null.
    pub(crate) fn as_str(&self) -> Option<&str> {
        self.as_scalar()
            .filter(|s| !s.is_null())
            .map(|s| s.text.as_str())
    }

    pub(crate) fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        // The last entry wins, as in most loaders; duplicates are reported separately.
        // A null key (`~:`) names no entry: told only of a key whose text matches, as this
        // is asked of every entry of every mapping a rule reads.
        self.as_map()?.iter().rev().find(|e| {
            e.key
                .as_scalar()
                .is_some_and(|s| s.text.as_str() == key && !s.is_null())
        })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of mapping keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The items of a sequence; an empty slice for anything else.
    pub(crate) fn items(&self) -> &[Node] {
        self.as_seq().unwrap_or(&[])
    }

    /// The entries of a mapping; an empty slice for anything else.
    pub(crate) fn entries(&self) -> &[Entry] {
        self.as_map().unwrap_or(&[])
    }

    /// The path of keys and indexes from this node to the node (or key) at `span`, e.g.
    /// `spec.http[0].route[1].weight`.
    /// Moves every span of the tree `by` bytes on.
    pub(crate) fn shift(&mut self, by: u32) {
        self.span.start += by;
        self.span.end += by;
        match &mut self.value {
            Value::Map(entries) => {
                for e in entries {
                    e.key.shift(by);
                    e.value.shift(by);
                }
            }
            Value::Seq(items) => {
                for n in items {
                    n.shift(by);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn path_to(&self, span: Span) -> Option<String> {
        fn walk(n: &Node, span: Span, path: &mut String) -> bool {
            if n.span.start > span.start || n.span.end < span.end {
                return false;
            }
            match &n.value {
                Value::Scalar(_) => n.span == span,
                Value::Seq(items) => {
                    // Items are in source order: the one that can hold `span` is found by
                    // bisection, so that a path into a list of 10,000 routes costs no more
                    // than into a list of ten.
                    let i = items
                        .partition_point(|item| item.span.start <= span.start)
                        .saturating_sub(1);
                    let try_item = |i: usize, item: &Node, path: &mut String| {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        if walk(item, span, path) {
                            return true;
                        }
                        path.truncate(len);
                        false
                    };
                    let found = items.get(i).is_some_and(|item| try_item(i, item, path))
                        || items
                            .iter()
                            .enumerate()
                            .filter(|&(j, item)| j != i && contains(item.span, span))
                            .any(|(j, item)| try_item(j, item, path));
                    found || n.span == span
                }
                Value::Map(entries) => {
                    entries.iter().any(|e| {
                        if !contains(e.key.span, span) && !contains(e.value.span, span) {
                            return false;
                        }
                        let len = path.len();
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(e.key.as_str().unwrap_or("?"));
                        if e.key.span == span || walk(&e.value, span, path) {
                            return true;
                        }
                        path.truncate(len);
                        false
                    }) || n.span == span
                }
            }
        }
        fn contains(outer: Span, inner: Span) -> bool {
            outer.start <= inner.start && inner.end <= outer.end
        }
        let mut path = String::new();
        walk(self, span, &mut path).then_some(path)
    }

    /// Whether any mapping in the tree has a mapping or sequence as a key.
    pub(crate) fn has_collection_key(&self) -> bool {
        match &self.value {
            Value::Scalar(_) => false,
            Value::Seq(s) => s.iter().any(Node::has_collection_key),
            Value::Map(m) => m
                .iter()
                .any(|e| !matches!(e.key.value, Value::Scalar(_)) || e.value.has_collection_key()),
        }
    }

    fn count(&self) -> usize {
        match &self.value {
            Value::Scalar(_) => 1,
            Value::Seq(s) => 1 + s.iter().map(Node::count).sum::<usize>(),
            Value::Map(m) => {
                1 + m
                    .iter()
                    .map(|e| e.key.count() + e.value.count())
                    .sum::<usize>()
            }
        }
    }
}

impl Scalar {
    /// A plain `~`, `null` or empty scalar (YAML 1.2 core schema).
    pub(crate) fn is_null(&self) -> bool {
        self.style == Style::Plain
            && self.tag.is_none()
            && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// An integer as the Kubernetes API reads YAML: a plain decimal, `0x` or `0o` literal.
    pub(crate) fn as_int(&self) -> Option<i64> {
        if self.style != Style::Plain || self.tag.as_deref().is_some_and(|t| !t.ends_with("int")) {
            return None;
        }
        let t = self.text.as_str();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let value = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()?
        } else {
            return None;
        };
        Some(if neg { -value } else { value })
    }

    /// A plain `true` or `false`.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        if self.style != Style::Plain {
            return None;
        }
        match self.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
}

/// A problem found while loading one document.
#[derive(Clone, Debug)]
pub(crate) enum LoadIssue {
    Syntax {
        span: Span,
        message: String,
    },
    DuplicateKey {
        key: String,
        first: Span,
        second: Span,
    },
}

/// The documents of one piece of a YAML stream.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) docs: Vec<Node>,
    pub(crate) issues: Vec<LoadIssue>,
    /// Whether the stream stopped at a syntax error.
    pub(crate) failed: bool,
    /// Whether it stopped because aliases used up the budget of the whole file.
    pub(crate) aliases_exhausted: bool,
}

/// More nodes than this in one document (after alias expansion) is treated as an attack.
const MAX_NODES: usize = 1_000_000;

/// Deeper nesting than this (after alias expansion) is treated as an attack: real
/// manifests nest a few dozen levels, and every walk over a tree is bounded by its depth.
impl Loaded {
    /// Moves every span `by` bytes on.
    pub(crate) fn shift(&mut self, by: u32) {
        if by == 0 {
            return;
        }
        let moved = |s: &mut Span| {
            s.start += by;
            s.end += by;
        };
        for d in &mut self.docs {
            d.shift(by);
        }
        for issue in &mut self.issues {
            match issue {
                LoadIssue::Syntax { span, .. } => moved(span),
                LoadIssue::DuplicateKey { first, second, .. } => {
                    moved(first);
                    moved(second);
                }
            }
        }
    }
}

pub(crate) const MAX_DEPTH: usize = 1_000;

/// Nodes that aliases may copy in one file, all its documents together. Without it, a
/// 64 KB file of 200 small alias bombs (each under `MAX_NODES`) takes 2 GB and 40 s, and a
/// 10 MB one never ends.
pub(crate) const MAX_ALIAS_NODES: usize = 1_000_000;

/// Parses `text`, which starts at byte `base` of its file, into nodes whose spans are file
/// offsets.
pub(crate) fn load(text: &str, base: usize) -> Loaded {
    load_budgeted(text, base, &mut MAX_ALIAS_NODES.clone())
}

/// As `load`, with the nodes aliases may still copy in this file: the caller shares one
/// budget among the pieces of a file.
pub(crate) fn load_budgeted(text: &str, base: usize, alias_budget: &mut usize) -> Loaded {
    // Most manifests are plain block YAML, read faster by hand (same tree).
    block::load(text, base).unwrap_or_else(|| parse(text, base, alias_budget))
}

/// Parses `text` with the event parser.
fn parse(text: &str, base: usize, alias_budget: &mut usize) -> Loaded {
    let positions = Positions::new(text, base);
    let mut builder = Builder {
        positions: &positions,
        stack: Vec::new(),
        anchors: HashMap::default(),
        nodes: 0,
        alias_budget,
        out: Loaded::default(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let start = positions.byte(span.start.index());
                let mut end = positions.byte(span.end.index());
                // The parser's span of a quoted scalar may run on over the spaces and the
                // comment after it: it ends at the closing quote.
                if let Event::Scalar(_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, ..) =
                    &event
                {
                    if let Some(close) = quoted_end(text, start - base) {
                        end = end.min(close + base);
                    }
                }
                if let Err(message) = builder.event(event, Span::new(start, end)) {
                    builder.fail(Span::new(start, end), message);
                    break;
                }
            }
            Err(e) => {
                let at = positions.byte(e.marker().index());
                let end = next_char_end(text, at - base) + base;
                builder.fail(Span::new(at, end), e.info().to_string());
                break;
            }
        }
    }
    builder.out
}

/// The end (past the closing quote) of the quoted scalar that opens at byte `at` of
/// `text`: `"` with backslash escapes, or `'` with `''` for a quote.
fn quoted_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(at)?;
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// Turns the parser's character indexes into byte offsets.
struct Positions {
    base: usize,
    /// Byte offset of each character; empty when the text is ASCII.
    offsets: Vec<u32>,
    len: usize,
}

impl Positions {
    fn new(text: &str, base: usize) -> Self {
        let offsets = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i as u32).collect()
        };
        Positions {
            base,
            offsets,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let local = if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets
                .get(char_index)
                .map_or(self.len, |&o| o as usize)
        };
        self.base + local
    }
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
        /// The greatest height of a child so far.
        height: usize,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
        height: usize,
    },
}

impl Frame {
    fn height_mut(&mut self) -> &mut usize {
        match self {
            Frame::Seq { height, .. } | Frame::Map { height, .. } => height,
        }
    }
}

struct Builder<'a> {
    positions: &'a Positions,
    stack: Vec<Frame>,
    /// Anchored nodes, with their height (levels of nesting, a scalar is 1) and their
    /// number of nodes.
    anchors: HashMap<usize, (Node, usize, usize)>,
    nodes: usize,
    alias_budget: &'a mut usize,
    out: Loaded,
}

/// A vector without spare room: one grown by pushes holds room for four items or more.
fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

impl Builder<'_> {
    fn fail(&mut self, span: Span, message: String) {
        self.out.failed = true;
        self.out.issues.push(LoadIssue::Syntax { span, message });
        self.stack.clear();
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let scalar = Scalar {
                    text: text.as_ref().into(),
                    style,
                    tag: tag.map(|t| Box::new(t.to_string())),
                };
                let node = Node {
                    span,
                    value: Value::Scalar(scalar),
                };
                self.finish(node, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some((node, height, count)) = self.anchors.get(&id) else {
                    return Err("alias to an unknown anchor".into());
                };
                let (height, count) = (*height, *count);
                // Checked before the copy: an alias may hold a deep or a large tree.
                self.check_depth(height)?;
                let Some(left) = self.alias_budget.checked_sub(count) else {
                    self.out.aliases_exhausted = true;
                    return Err(format!(
                        "aliases in this file expand to more than {MAX_ALIAS_NODES} nodes; the rest of the file is not read"
                    ));
                };
                *self.alias_budget = left;
                let node = node.clone();
                self.nodes += count;
                // Keep the alias's own position so findings point where it is used.
                let node = Node { span, ..node };
                self.finish(node, 0, height)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(1)?;
                self.stack.push(Frame::Seq {
                    start: span,
                    anchor,
                    items: Vec::new(),
                    height: 0,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(1)?;
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    height: 0,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                    height,
                }) = self.stack.pop()
                else {
                    return Err("unbalanced sequence".into());
                };
                let end = items.last().map_or(span.end, |n| n.span.end.max(start.end));
                let node = Node {
                    span: Span {
                        start: start.start,
                        end,
                    },
                    // Trees of every routing document are held at once: no spare room.
                    value: Value::Seq(exact(items)),
                };
                self.finish(node, anchor, height + 1)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    start,
                    anchor,
                    entries,
                    height,
                    ..
                }) = self.stack.pop()
                else {
                    return Err("unbalanced mapping".into());
                };
                let end = entries
                    .last()
                    .map_or(span.end, |e| e.value.span.end.max(e.key.span.end));
                let entries = exact(self.close_map(entries));
                let node = Node {
                    span: Span {
                        start: start.start,
                        end,
                    },
                    value: Value::Map(entries),
                };
                self.finish(node, anchor, height + 1)?;
            }
            Event::DocumentStart(_) => self.anchors.clear(),
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        let _ = self.positions;
        Ok(())
    }

    /// Fails when a node `height` levels high, placed in the open collections, would nest
    /// deeper than `MAX_DEPTH`.
    fn check_depth(&self, height: usize) -> Result<(), String> {
        if self.stack.len() + height > MAX_DEPTH {
            return Err(format!(
                "the document nests deeper than {MAX_DEPTH} levels; canarylint stops reading it here"
            ));
        }
        Ok(())
    }

    /// Places a completed node of the given height in its parent, or ends the document.
    fn finish(&mut self, node: Node, anchor: usize, height: usize) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!(
                "document expands to more than {MAX_NODES} nodes (alias expansion)"
            ));
        }
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), height, node.count()));
        }
        if let Some(frame) = self.stack.last_mut() {
            let h = frame.height_mut();
            *h = (*h).max(height);
        }
        match self.stack.last_mut() {
            None => {
                self.out.docs.push(node);
                self.nodes = 0;
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
        Ok(())
    }

    /// Reports duplicate keys and applies merge keys (`<<`).
    fn close_map(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        let has_merge = report_duplicates(&entries, &mut self.out.issues);
        if !has_merge {
            return entries;
        }
        let mut explicit = Vec::with_capacity(entries.len());
        let mut merged = Vec::new();
        for mut e in entries {
            if e.key.as_scalar().is_some_and(is_merge_key) {
                if let Some(m) = e.value.value.take_map() {
                    merged.extend(m);
                } else if let Some(items) = e.value.value.take_seq() {
                    for mut item in items {
                        merged.extend(item.value.take_map().unwrap_or_default());
                    }
                }
            } else {
                explicit.push(e);
            }
        }
        // Explicit keys override merged ones; among merged maps the first wins.
        for m in merged {
            let key = m.key.as_str();
            if !explicit.iter().any(|e: &Entry| e.key.as_str() == key) {
                explicit.push(m);
            }
        }
        explicit
    }
}

/// Reports each key of a mapping given again (merge keys aside) with the one before it;
/// whether the mapping has a merge key.
fn report_duplicates(entries: &[Entry], issues: &mut Vec<LoadIssue>) -> bool {
    let mut has_merge = false;
    let mut report = |first: Span, e: &Entry, s: &Scalar| {
        issues.push(LoadIssue::DuplicateKey {
            key: s.text.to_string(),
            first,
            second: e.key.span,
        })
    };
    // Small mappings (most) are compared pairwise: no table to build.
    if entries.len() <= 16 {
        for (i, e) in entries.iter().enumerate() {
            let Some(s) = e.key.as_scalar() else { continue };
            if is_merge_key(s) {
                has_merge = true;
                continue;
            }
            let before = entries[..i].iter().rev().find(|b| {
                b.key
                    .as_scalar()
                    .is_some_and(|k| !is_merge_key(k) && k.text == s.text)
            });
            if let Some(b) = before {
                report(b.key.span, e, s);
            }
        }
        return has_merge;
    }
    let mut seen: HashMap<&str, Span> =
        HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for e in entries {
        let Some(s) = e.key.as_scalar() else { continue };
        if is_merge_key(s) {
            has_merge = true;
            continue;
        }
        if let Some(first) = seen.insert(s.text.as_str(), e.key.span) {
            report(first, e, s);
        }
    }
    has_merge
}

fn is_merge_key(s: &Scalar) -> bool {
    s.style == Style::Plain && s.text == "<<"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether every collection of the tree holds no spare room.
    fn exact_everywhere(n: &Node) -> bool {
        match &n.value {
            Value::Scalar(_) => true,
            Value::Seq(items) => {
                items.capacity() == items.len() && items.iter().all(exact_everywhere)
            }
            Value::Map(entries) => {
                entries.capacity() == entries.len()
                    && entries
                        .iter()
                        .all(|e| exact_everywhere(&e.key) && exact_everywhere(&e.value))
            }
        }
    }

    #[test]
    fn collections_hold_no_spare_room() {
        // The fast path's subset, and text only the event parser reads (a flow mapping, a
        // block scalar).
        for text in [
            "a: 1\nb:\n  c: 2\n  d: [x]\ne:\n- 1\n- 2\n- 3\n",
            "a: 1\nb:\n  c: 2\n  d: 3\ne:\n- 1\n- 2\n- 3\n",
            "a: {x: 1, y: 2, z: 3}\nb: |\n  text\nc:\n- 1\n",
        ] {
            let l = load(text, 0);
            assert!(l.issues.is_empty(), "{:?}", l.issues);
            assert!(exact_everywhere(&l.docs[0]), "{text:?}: {:#?}", l.docs[0]);
        }
    }

    fn one(text: &str) -> Node {
        let l = load(text, 0);
        assert!(l.issues.is_empty(), "{:?}", l.issues);
        l.docs.into_iter().next().unwrap()
    }

    #[test]
    fn spans_are_bytes_in_the_file() {
        let text = "a: é\nb: xyz\n";
        let l = load(text, 0);
        let b = l.docs[0].get("b").unwrap();
        assert_eq!(&text[b.span.range()], "xyz");
        let base = load(text, 100);
        assert_eq!(
            base.docs[0].get("b").unwrap().span.start,
            b.span.start + 100
        );
    }

    #[test]
    fn quoted_scalar_span_ends_at_its_closing_quote() {
        for (text, want) in [
            ("w: \"90\" # c\n", "\"90\""),
            ("w: '9''0' # c\n", "'9''0'"),
            ("w: \"a\\\"b\"   # c \"x\"\n", "\"a\\\"b\""),
            ("- \"é\" # ü\n", "\"é\""),
        ] {
            let n = one(text);
            let w = n.get("w").or_else(|| n.items().first()).unwrap();
            assert_eq!(&text[w.span.range()], want, "{text:?}");
        }
    }

    #[test]
    fn quoted_scalar_span_includes_quotes() {
        let text = "w: \"90\"\n";
        let n = one(text);
        let w = n.get("w").unwrap();
        assert_eq!(&text[w.span.range()], "\"90\"");
        assert_eq!(w.as_scalar().unwrap().style, Style::Quoted);
        assert_eq!(w.as_scalar().unwrap().as_int(), None);
    }

    #[test]
    fn duplicate_key_points_at_second() {
        let text = "a: 1\nweight: 2\nweight: 3\n";
        let l = load(text, 0);
        let LoadIssue::DuplicateKey { second, first, .. } = &l.issues[0] else {
            panic!()
        };
        assert_eq!(second.start, 15);
        assert_eq!(first.start, 5);
        assert_eq!(l.docs[0].get("weight").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn anchors_aliases_and_merge() {
        let n = one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nr: *b\n");
        let m = n.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(m.get("y").unwrap().as_str(), Some("3"));
        assert_eq!(n.path(&["r", "y"]).unwrap().as_str(), Some("2"));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let l = load("a: 1\n---\nb: [1, 2\n", 0);
        assert_eq!(l.docs.len(), 1);
        assert!(l.failed);
        assert!(matches!(l.issues[0], LoadIssue::Syntax { .. }));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            s.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let l = load(&s, 0);
        assert!(l.failed);
    }

    #[test]
    fn ints() {
        let n = one("a: 90\nb: -5\nc: 9.5\nd: 0x10\ne: '1'\n");
        let int = |k| n.get(k).unwrap().as_scalar().unwrap().as_int();
        assert_eq!(int("a"), Some(90));
        assert_eq!(int("b"), Some(-5));
        assert_eq!(int("c"), None);
        assert_eq!(int("d"), Some(16));
        assert_eq!(int("e"), None);
    }

    #[test]
    fn nesting_is_bounded_where_it_is_exceeded() {
        let text = format!("a:\n {}1\n", "- ".repeat(5_000));
        let l = load(&text, 0);
        assert!(l.failed);
        let LoadIssue::Syntax { span, message } = &l.issues[0] else {
            panic!("{:?}", l.issues)
        };
        assert!(message.contains("deeper than 1000"), "{message}");
        // The sequence that opens level 1001: the mapping is level 1.
        assert_eq!(span.start as usize, 4 + 2 * (MAX_DEPTH - 1));
        // Just under the limit loads.
        let ok = format!("a:\n {}1\n", "- ".repeat(MAX_DEPTH - 1));
        assert!(!load(&ok, 0).failed);
    }

    #[test]
    fn aliases_cannot_build_depth_past_the_limit() {
        // Each anchor nests the previous one 100 levels deeper: 15 lines give 1,500 levels.
        let mut s = String::new();
        for i in 0..15 {
            let inner = if i == 0 {
                "x".to_string()
            } else {
                format!("*a{}", i - 1)
            };
            s.push_str(&format!(
                "k{i}: &a{i} {}{inner}{}\n",
                "[".repeat(100),
                "]".repeat(100)
            ));
        }
        let l = load(&s, 0);
        assert!(l.failed, "{:?}", l.issues);
        let LoadIssue::Syntax { span, message } = &l.issues[0] else {
            panic!("{:?}", l.issues)
        };
        assert!(message.contains("deeper"), "{message}");
        // At the alias that would nest too deep: on line 10, the one that makes 1,001 levels.
        assert_eq!(s[..span.start as usize].matches('\n').count(), 9);
        assert!(s[span.start as usize..].starts_with("*a8"));
    }

    #[test]
    fn paths_into_long_lists_are_exact() {
        let mut text = String::from("spec:\n  http:\n");
        for i in 0..1000 {
            text.push_str(&format!("  - route: [{{weight: {i}}}, {{weight: x{i}}}]\n"));
        }
        let n = one(&text);
        let http = n.path(&["spec", "http"]).unwrap();
        for i in [0, 1, 500, 999] {
            let w = http.items()[i].get("route").unwrap().items()[1]
                .get("weight")
                .unwrap();
            assert_eq!(
                n.path_to(w.span).as_deref(),
                Some(format!("spec.http[{i}].route[1].weight").as_str())
            );
        }
        assert_eq!(n.path_to(http.span).as_deref(), Some("spec.http"));
    }

    #[test]
    fn dropping_a_deep_tree_does_not_recurse() {
        // Deeper than any parse allows, dropped on a thread with a small stack.
        let mut node = Node {
            span: Span::default(),
            value: Value::Scalar(Scalar {
                text: "x".into(),
                style: Style::Plain,
                tag: None,
            }),
        };
        for i in 0..200_000 {
            node = Node {
                span: Span::default(),
                value: if i % 2 == 0 {
                    Value::Seq(vec![node])
                } else {
                    let key = Node {
                        span: Span::default(),
                        value: Value::Seq(Vec::new()),
                    };
                    Value::Map(vec![Entry { key, value: node }])
                },
            };
        }
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || drop(node))
            .unwrap()
            .join()
            .unwrap();
    }
}
