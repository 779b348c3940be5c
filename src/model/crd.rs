//! The CustomResourceDefinitions of the validated kinds that a repository writes (teams
//! vendor their cluster's CRDs): found by the loader from their identity, matched to the
//! documents nearest them, and read, only when a document uses one, straight from the
//! parser's events into the JSON schema that [`crate::model::schema`] walks.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value as Json};

use crate::hash::HashMap;
use crate::model::kinds::Kind;
use crate::model::schema::{scalar_type, KindSchema, CRD_NAMES, KINDS};
use crate::yaml::{Scalar, Style};

/// A CustomResourceDefinition of one of [`KINDS`] written in the repository (teams vendor
/// their cluster's CRDs): documents of its kind are validated against it rather than
/// against the embedded schema. Parsed on first use.
#[derive(Debug)]
pub(crate) struct VendoredCrd {
    pub(crate) kind: Kind,
    /// The file, lexically clean, for [`Nearness::nearest`].
    pub(crate) path: PathBuf,
    /// The file as reported, and the line of the document.
    pub(crate) display: String,
    pub(crate) line: u32,
    /// Equal for copies of one CRD.
    pub(crate) content: u64,
    /// For a CRD of a test's fixtures (under a `test`, `tests`, `e2e`, `testdata` or
    /// `fixtures` directory): that directory, outside which it is not used. A project
    /// tests against one release; its examples and charts are for any.
    pub(crate) scope: Option<PathBuf>,
    /// Where to read it; `None` when no document uses the CRD.
    pub(crate) source: Option<CrdText>,
    /// Shared by the copies of one CRD (same kind and content): read once for all.
    pub(crate) schema: Arc<OnceLock<Option<KindSchema>>>,
}

impl VendoredCrd {
    /// `crds/istio.yaml:12` (renderers escape it).
    pub(crate) fn location(&self) -> String {
        format!("{}:{}", self.display, self.line)
    }

    /// Its schemas; none when no document uses it, or when it no longer reads as a CRD of
    /// its kind (a `spec.group` or `spec.names.kind` at odds with its name).
    pub(crate) fn schema(&self) -> Option<&KindSchema> {
        self.schema
            .get_or_init(|| {
                let src = self.source.as_ref()?;
                let read;
                let text: &str = if src.text.is_empty() {
                    read = std::fs::read_to_string(&src.file).ok()?;
                    &read
                } else {
                    &src.text
                };
                let (kind, schema) = from_crd(text.get(src.range.clone())?)?;
                (kind == self.kind).then_some(schema)
            })
            .as_ref()
    }
}

/// Where a vendored CRD's document is.
#[derive(Debug)]
pub(crate) struct CrdText {
    /// The file's text, when the run keeps it; empty when it does not (a file with no
    /// resources): the file is then read again, once, if a document uses the CRD.
    pub(crate) text: Arc<str>,
    pub(crate) file: PathBuf,
    pub(crate) place: crate::source::Place,
    /// Whether the run reports the file's findings (see [`crate::source::SourceFile`]).
    pub(crate) reported: bool,
    pub(crate) range: std::ops::Range<usize>,
}

/// The test directory a CRD at `path` belongs to, if any: see [`VendoredCrd::scope`].
pub(crate) fn test_scope(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.parent()?.components() {
        out.push(c);
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "test" | "tests" | "e2e" | "testdata" | "fixtures"
        ) {
            return Some(out);
        }
    }
    None
}

/// Whether the metadata of a CustomResourceDefinition, as written, may name one of
/// [`KINDS`]' CRDs: the pre-scan's test, so that the many other CRDs of a repository are
/// never parsed.
pub(crate) fn may_name_crd(metadata: &str) -> bool {
    static FINDERS: OnceLock<Vec<memchr::memmem::Finder<'static>>> = OnceLock::new();
    FINDERS
        .get_or_init(|| CRD_NAMES.iter().map(memchr::memmem::Finder::new).collect())
        .iter()
        .any(|f| f.find(metadata.as_bytes()).is_some())
}

/// The kind and schemas of a CustomResourceDefinition of one of [`KINDS`], written in YAML:
/// its `metadata.name` is the kind's CRD name and its `spec.group` and `spec.names.kind`
/// agree. Reads `apiextensions.k8s.io/v1` (a schema per version) and `v1beta1`
/// (`spec.validation` for every version, `spec.version` for a single one).
pub(crate) fn from_crd(text: &str) -> Option<(Kind, KindSchema)> {
    let mut doc = yaml_json(text)?;
    let name = doc.pointer("/metadata/name")?.as_str()?;
    let i = CRD_NAMES.iter().position(|n| *n == name)?;
    let kind = KINDS[i];
    let spec = doc.get_mut("spec")?;
    let group = spec.get("group")?.as_str()?;
    let names_kind = spec.pointer("/names/kind")?.as_str()?;
    if Kind::from_api(&format!("{group}/v"), names_kind) != Some(kind) {
        return None;
    }
    let v1beta1 =
        doc.get("apiVersion").and_then(Json::as_str) == Some("apiextensions.k8s.io/v1beta1");
    let spec = doc.get_mut("spec")?;
    let prunes =
        !v1beta1 || spec.get("preserveUnknownFields").and_then(Json::as_bool) == Some(false);
    let common = spec
        .pointer_mut("/validation/openAPIV3Schema")
        .map(Json::take);
    let single = spec
        .get("version")
        .and_then(Json::as_str)
        .map(str::to_string);
    let mut served = Vec::new();
    let mut versions = crate::model::schema::Versions::default();
    let listed = match spec.get_mut("versions") {
        Some(Json::Array(items)) => std::mem::take(items),
        _ => Vec::new(),
    };
    let none = listed.is_empty();
    for mut v in listed {
        let Some(version) = v.get("name").and_then(Json::as_str).map(str::to_string) else {
            continue;
        };
        if v.get("served").and_then(Json::as_bool).unwrap_or(true) {
            served.push(version.clone());
        }
        let own = v.pointer_mut("/schema/openAPIV3Schema").map(Json::take);
        if let Some(schema) = own.or_else(|| common.clone()) {
            versions.insert(version, schema);
        }
    }
    if none {
        let version = single?;
        served.push(version.clone());
        if let Some(schema) = common {
            versions.insert(version, schema);
        }
    }
    Some((
        kind,
        KindSchema {
            served,
            versions,
            prunes,
        },
    ))
}

/// The deepest nesting [`yaml_json`] reads (a CRD's schema is about 20 levels deep).
const MAX_JSON_DEPTH: usize = 128;

/// The first document of a YAML text as JSON, straight from the parser's events, without
/// the `description`s of schemas (documentation only: most of a CRD's bytes), as
/// `schemas/generate` writes the embedded ones. Scalars are typed as the API server reads
/// them ([`scalar_type`]). `None` for a syntax error, an alias, a complex key or nesting
/// deeper than [`MAX_JSON_DEPTH`].
fn yaml_json(text: &str) -> Option<Json> {
    events_json(text).or_else(|| events_json(&reindent_quoted(text)?))
}

/// The text with the continuation lines of multi-line quoted scalars indented one column
/// past their key, when some are not: YAML 1.2 requires it, Go's and PyYAML's parsers (and
/// so `kubectl`) do not, and CRDs written by hand (Flagger's) rely on it. The scalars'
/// values do not change: folding drops a continuation line's leading spaces. `None` when
/// there is nothing to change.
fn reindent_quoted(text: &str) -> Option<String> {
    /// Whether `s` closes a scalar quoted with `q`.
    fn closes(s: &[u8], q: u8) -> bool {
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'\\' if q == b'"' => i += 2,
                b'\'' if q == b'\'' && s.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == q => return true,
                _ => i += 1,
            }
        }
        false
    }
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut changed = false;
    // The quote of the scalar left open, and the least indentation of its lines.
    let mut open: Option<(u8, usize)> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if let Some((q, least)) = open {
            if indent < least && !body.trim().is_empty() {
                out.extend(std::iter::repeat_n(' ', least - indent));
                changed = true;
            }
            out.push_str(line);
            if closes(line.as_bytes(), q) {
                open = None;
            }
            continue;
        }
        out.push_str(line);
        // The key of an entry that opens a list item (`- description: '...`) is where
        // its text starts.
        let (mut body, mut indent) = (body, indent);
        while let Some(rest) = body.strip_prefix("- ") {
            let item = rest.trim_start_matches(' ');
            indent += body.len() - item.len();
            body = item;
        }
        let Some((_, rest)) = crate::prescan::plain_key(body.trim_end()) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(q) = rest.bytes().next().filter(|b| matches!(b, b'\'' | b'"')) {
            if !closes(&rest.as_bytes()[1..], q) {
                open = Some((q, indent + 1));
            }
        }
    }
    changed.then_some(out)
}

/// [`yaml_json`] of a text as it is.
fn events_json(text: &str) -> Option<Json> {
    use saphyr_parser::{Event, Parser, ScalarStyle};
    enum Open {
        Seq(Vec<Json>),
        /// The entries so far, the key waiting for its value, and whether that value is a
        /// description to drop.
        Map(Map<String, Json>, Option<String>, bool),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, _) = next.ok()?;
        let value = match event {
            Event::Scalar(text, style, _, tag) => {
                if let Some(Open::Map(_, key @ None, drop)) = stack.last_mut() {
                    *drop = text == "description";
                    *key = Some(text.into_owned());
                    continue;
                }
                if let Some(Open::Map(_, key, true)) = stack.last_mut() {
                    *key = None;
                    continue;
                }
                let scalar = Scalar {
                    style: match style {
                        ScalarStyle::Plain => Style::Plain,
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                        _ => Style::Block,
                    },
                    tag: tag.map(|t| Box::new(t.to_string())),
                    text: text.as_ref().into(),
                };
                scalar_json(scalar)
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if let Some(Open::Map(_, None, _)) = stack.last() {
                    return None;
                }
                if stack.len() >= MAX_JSON_DEPTH {
                    return None;
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(Vec::new()),
                    _ => Open::Map(Map::new(), None, false),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Open::Seq(items) => Json::Array(items),
                Open::Map(entries, _, _) => Json::Object(entries),
            },
            Event::Alias(_) => return None,
            Event::DocumentEnd if stack.is_empty() => break,
            _ => continue,
        };
        match stack.last_mut() {
            None => return Some(value),
            Some(Open::Seq(items)) => items.push(value),
            Some(Open::Map(entries, key, drop)) => {
                let k = key.take()?;
                *drop = false;
                entries.insert(k, value);
            }
        }
    }
    None
}

/// A scalar as JSON.
fn scalar_json(s: Scalar) -> Json {
    match scalar_type(&s) {
        "null" => Json::Null,
        "boolean" => Json::Bool(s.as_bool().unwrap_or(false)),
        "integer" => s.as_int().map_or(Json::Null, Json::from),
        "number" => s
            .text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::Null, Json::Number),
        _ => Json::String(s.text.into_string()),
    }
}

/// The repository's CRDs of the validated kinds, sorted by path, with the one that the
/// documents of each kind in each file take ([`Nearness::nearest`]), chosen once for all
/// the indexes of a run. A CRD that no document takes keeps no text: it is never parsed.
#[derive(Debug, Default)]
pub(crate) struct CrdTable {
    crds: Vec<VendoredCrd>,
    chosen: HashMap<(Kind, crate::source::FileId), usize>,
}

impl CrdTable {
    /// Chooses for each (kind, file, lexically clean path) of `uses` its CRD. Files of one
    /// directory choose alike: the choice is made once per directory and kind. A use
    /// without a file (of an overlay a run skipped, see [`crate::overlay::Outline`]) only
    /// makes its CRD used.
    pub(crate) fn new<'p>(
        mut crds: Vec<VendoredCrd>,
        uses: impl Iterator<Item = (Kind, Option<crate::source::FileId>, &'p Path)>,
    ) -> CrdTable {
        crds.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        let mut chosen = HashMap::default();
        let mut elsewhere = Vec::new();
        if !crds.is_empty() {
            // By the directory's bytes: hashing a `Path` walks its components.
            let mut by_dir: HashMap<(Kind, &[u8]), Option<usize>> = HashMap::default();
            let near = Nearness::new(&crds);
            // Each (kind, file) once: an overlay's index repeats the manifests it sees.
            let mut seen: crate::hash::HashSet<(Kind, crate::source::FileId)> = Default::default();
            for (kind, file, path) in uses {
                if !KINDS.contains(&kind) || file.is_some_and(|file| !seen.insert((kind, file))) {
                    continue;
                }
                let dir = path.parent().unwrap_or(Path::new(""));
                let choice = *by_dir
                    .entry((kind, dir.as_os_str().as_encoded_bytes()))
                    .or_insert_with(|| near.nearest(kind, path));
                match (choice, file) {
                    (Some(i), Some(file)) => {
                        chosen.insert((kind, file), i);
                    }
                    (Some(i), None) => elsewhere.push(i),
                    (None, _) => {}
                }
            }
        }
        let mut used = vec![false; crds.len()];
        for &i in chosen.values().chain(&elsewhere) {
            used[i] = true;
        }
        // Copies of one CRD (a monorepo's clusters each vendor it) are read once.
        let mut first: HashMap<(Kind, u64), usize> = HashMap::default();
        for i in (0..crds.len()).filter(|&i| used[i]) {
            let j = *first.entry((crds[i].kind, crds[i].content)).or_insert(i);
            if j != i {
                crds[i].schema = Arc::clone(&crds[j].schema);
            }
        }
        for (c, used) in crds.iter_mut().zip(used) {
            if !used {
                c.source = None;
            }
        }
        CrdTable { crds, chosen }
    }

    /// The CRD that the documents of `kind` in `file` take, if any.
    pub(crate) fn of(&self, kind: Kind, file: crate::source::FileId) -> Option<&VendoredCrd> {
        self.chosen.get(&(kind, file)).map(|&i| &self.crds[i])
    }

    pub(crate) fn as_slice(&self) -> &[VendoredCrd] {
        &self.crds
    }
}

/// The CRDs of each kind by their directories' leading components, to find the one nearest
/// to a file without comparing it with every CRD (a tree vendors its CRDs many times, and
/// every directory asks).
struct Nearness<'c> {
    crds: &'c [VendoredCrd],
    /// The CRDs without a test scope, by kind, number of leading components and those
    /// components as bytes: the first such CRD, and whether their contents differ.
    under: HashMap<(Kind, usize, &'c [u8]), (usize, bool)>,
    /// The CRDs with a test scope, by position: they count only for files in their scope.
    scoped: Vec<usize>,
}

impl<'c> Nearness<'c> {
    fn new(crds: &'c [VendoredCrd]) -> Nearness<'c> {
        let mut under: HashMap<(Kind, usize, &[u8]), (usize, bool)> = HashMap::default();
        let mut scoped = Vec::new();
        for (i, c) in crds.iter().enumerate() {
            if c.scope.is_some() {
                scoped.push(i);
                continue;
            }
            for (k, prefix) in leading(dir_bytes(&c.path)) {
                let e = under.entry((c.kind, k, prefix)).or_insert((i, false));
                e.1 |= crds[e.0].content != c.content;
            }
        }
        Nearness {
            crds,
            under,
            scoped,
        }
    }

    /// The vendored CRD of `kind` nearest to `file`: the one whose directory shares the most
    /// leading components with the file's (a monorepo's clusters each vendor their own), the
    /// first of them. When CRDs with different contents are equally near, the repository
    /// does not say which the file's cluster runs: none is used (the embedded schema is).
    /// Gives its position in `crds`.
    fn nearest(&self, kind: Kind, file: &Path) -> Option<usize> {
        let crds = self.crds;
        let here = dir_bytes(file);
        // The CRDs without a scope: the longest run of leading components that one shares.
        let mut runs: Vec<(usize, &[u8])> = leading(here).collect();
        runs.reverse();
        let unscoped = runs
            .into_iter()
            .find_map(|(k, prefix)| Some((k, *self.under.get(&(kind, k, prefix))?)));
        // The CRDs with a scope that holds the file, each compared.
        let scoped = self
            .scoped
            .iter()
            .map(|&i| (i, &crds[i]))
            .filter(|(_, c)| c.kind == kind && c.scope.as_ref().is_some_and(|s| lies_in(file, s)))
            .map(|(i, c)| (i, shared(dir_bytes(&c.path), here)));
        let most = scoped
            .clone()
            .map(|(_, n)| n)
            .chain(unscoped.map(|(k, _)| k))
            .max()?;
        let mut first: Option<usize> = None;
        let mut contents: Vec<u64> = Vec::new();
        let mut mixed = false;
        if let Some((_, (i, m))) = unscoped.filter(|(k, _)| *k == most) {
            first = Some(i);
            contents.push(crds[i].content);
            mixed = m;
        }
        for (i, _) in scoped.filter(|&(_, n)| n == most) {
            first = Some(first.map_or(i, |f| f.min(i)));
            if !contents.contains(&crds[i].content) {
                contents.push(crds[i].content);
            }
        }
        first.filter(|_| !mixed && contents.len() == 1)
    }
}

/// Each run of leading components of a clean directory (as bytes), with its length: `(0,
/// "")` first, then one, two, ... components. The empty directory has one component, empty.
fn leading(dir: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let ends = dir
        .iter()
        .enumerate()
        .filter(|&(_, b)| std::path::is_separator(char::from(*b)))
        .map(|(i, _)| i)
        .chain(std::iter::once(dir.len()));
    std::iter::once((0, &dir[..0])).chain(ends.enumerate().map(move |(k, e)| (k + 1, &dir[..e])))
}

/// How many leading components two clean directories (as bytes) share.
fn shared(a: &[u8], b: &[u8]) -> usize {
    a.split(|c| std::path::is_separator(char::from(*c)))
        .zip(b.split(|c| std::path::is_separator(char::from(*c))))
        .take_while(|(x, y)| x == y)
        .count()
}

/// The directory of a path, as bytes.
fn dir_bytes(p: &Path) -> &[u8] {
    p.parent()
        .unwrap_or(Path::new(""))
        .as_os_str()
        .as_encoded_bytes()
}

/// `Path::starts_with` for lexically clean paths, compared as bytes (Unix): a component-wise
/// compare costs more than the choice of every CRD for every directory of a large tree.
fn lies_in(path: &Path, dir: &Path) -> bool {
    if !cfg!(unix) {
        return path.starts_with(dir);
    }
    let (p, d) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    d.is_empty()
        || (p.starts_with(d) && (p.len() == d.len() || p[d.len()] == b'/' || d.ends_with(b"/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{schema_of, validate, Problem, Served};
    use crate::yaml::load;

    #[test]
    fn quoted_scalars_continued_at_their_keys_indentation_are_read() {
        let text =
            "a:\n  description: 'one\n  two'' three\n  four'\n  type: object\n  b: \"x\n  y\"\n";
        let fixed = reindent_quoted(text).unwrap();
        assert_eq!(
            fixed,
            "a:\n  description: 'one\n   two'' three\n   four'\n  type: object\n  b: \"x\n   y\"\n"
        );
        let json = yaml_json(text).unwrap();
        assert_eq!(json["a"]["b"], "x y");
        assert!(json["a"].get("description").is_none());
        assert_eq!(reindent_quoted("a: 'b'\n"), None);
        let item = "l:\n- d: 'one\n  two'\n";
        assert_eq!(reindent_quoted(item).unwrap(), "l:\n- d: 'one\n   two'\n");
    }

    fn vendored(path: &str, text: &str, content: u64) -> VendoredCrd {
        let (kind, _) = from_crd(text).expect("a CRD of a validated kind");
        VendoredCrd {
            kind,
            path: PathBuf::from(path),
            display: path.to_string(),
            line: 1,
            content,
            scope: test_scope(Path::new(path)),
            source: Some(CrdText {
                text: Arc::from(text),
                file: PathBuf::from(path),
                place: crate::source::Place::Unresolved,
                reported: true,
                range: 0..text.len(),
            }),
            schema: Arc::default(),
        }
    }

    /// The nearest CRD found by comparing the file with every CRD, as [`Nearness`] must
    /// answer.
    fn nearest_by_every_crd(crds: &[VendoredCrd], kind: Kind, file: &Path) -> Option<usize> {
        let here = dir_bytes(file);
        let mut best: Option<(usize, usize)> = None;
        let mut ambiguous = false;
        let within = |c: &VendoredCrd| c.scope.as_ref().is_none_or(|s| lies_in(file, s));
        for (i, c) in crds
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == kind && within(c))
        {
            let n = shared(dir_bytes(&c.path), here);
            match best {
                Some((_, m)) if n < m => {}
                Some((b, m)) if n == m => ambiguous |= crds[b].content != c.content,
                _ => {
                    best = Some((i, n));
                    ambiguous = false;
                }
            }
        }
        best.filter(|_| !ambiguous).map(|(i, _)| i)
    }

    #[test]
    fn the_nearest_crd_is_the_one_every_crd_compared_gives() {
        let vs = OLD_CRD;
        let dr = OLD_CRD
            .replace("virtualservices", "destinationrules")
            .replace("VirtualService", "DestinationRule");
        // CRDs at the top, deep, in sibling trees, twice with one content and with two, in
        // test directories, and one of each kind in one directory.
        let placed: [(&str, &str, u64); 13] = [
            ("a.yaml", vs, 1),
            ("crds/vs.yaml", vs, 2),
            ("crds/dr.yaml", &dr, 3),
            ("team-1/crds/vs.yaml", vs, 2),
            ("team-1/app/crds/vs.yaml", vs, 4),
            ("team-2/crds/vs.yaml", vs, 5),
            ("team-2/crds/more/vs.yaml", vs, 5),
            ("team-2/other/vs.yaml", vs, 6),
            ("team-3/x/vs.yaml", vs, 7),
            ("team-3/y/vs.yaml", vs, 7),
            ("team-4/test/vs.yaml", vs, 8),
            ("team-4/test/deep/vs.yaml", vs, 9),
            ("team-4/tests/dr.yaml", &dr, 10),
        ];
        for skip in 0..placed.len() {
            // Each CRD left out in turn, so that every tie and every nearest one changes.
            let mut crds: Vec<VendoredCrd> = placed
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, (p, t, c))| vendored(p, t, *c))
                .collect();
            crds.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            let near = Nearness::new(&crds);
            for file in [
                "x.yaml",
                "crds/x.yaml",
                "crds/more/x.yaml",
                "team-1/x.yaml",
                "team-1/app/x.yaml",
                "team-1/app/crds/x.yaml",
                "team-1/app/deep/er/x.yaml",
                "team-2/x.yaml",
                "team-2/crds/x.yaml",
                "team-2/crds/more/x.yaml",
                "team-2/other/x.yaml",
                "team-3/x.yaml",
                "team-3/x/x.yaml",
                "team-3/z/x.yaml",
                "team-4/x.yaml",
                "team-4/test/x.yaml",
                "team-4/test/deep/x.yaml",
                "team-4/tests/x.yaml",
                "team-5/a/b/x.yaml",
                "/abs/x.yaml",
            ] {
                for kind in [Kind::VirtualService, Kind::DestinationRule, Kind::Gateway] {
                    let path = Path::new(file);
                    assert_eq!(
                        near.nearest(kind, path),
                        nearest_by_every_crd(&crds, kind, path),
                        "{kind:?} for {file}, without {}",
                        placed[skip].0
                    );
                }
            }
        }
    }

    const OLD_CRD: &str = "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: virtualservices.networking.istio.io}\nspec:\n  group: networking.istio.io\n  names: {kind: VirtualService, plural: virtualservices}\n  version: v1alpha3\n";

    #[test]
    fn crds_of_both_apiextensions_versions_are_read() {
        let c = vendored("crds/a.yaml", OLD_CRD, 0);
        assert_eq!(c.kind, Kind::VirtualService);
        assert_eq!(c.schema().unwrap().served, ["v1alpha3"]);
        assert!(matches!(
            c.schema().unwrap().version("v1alpha3"),
            Served::NoSchema
        ));
        let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: canaries.flagger.app}\nspec:\n  group: flagger.app\n  names: {kind: Canary, plural: canaries}\n  versions:\n  - name: v1beta1\n    schema:\n      openAPIV3Schema:\n        description: a Canary\n        type: object\n        properties:\n          spec: {type: object, properties: {maxWeight: {type: integer, maximum: 100}}}\n  - name: v1alpha1\n    served: false\n";
        let c = vendored("crds/b.yaml", text, 0);
        assert_eq!(c.schema().unwrap().served, ["v1beta1"]);
        let Served::Schema(s) = c.schema().unwrap().version("v1beta1") else {
            panic!("{c:?}")
        };
        assert!(s.get("description").is_none(), "{s}");
        assert_eq!(
            s["properties"]["spec"]["properties"]["maxWeight"]["maximum"],
            100
        );
        assert!(matches!(
            c.schema().unwrap().version("v1alpha1"),
            Served::No
        ));
        // A CRD of another group, or named for another kind, is not one of them.
        let other = OLD_CRD.replace("group: networking.istio.io", "group: example.com");
        assert!(from_crd(&other).is_none());
    }

    #[test]
    fn a_served_version_without_schema_is_checked_against_the_embedded_one() {
        let crd = vendored("crds/a.yaml", OLD_CRD, 0);
        let text = "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  htp: []\n";
        let doc = load(text, 0).docs.remove(0);
        let v = validate(Kind::VirtualService, &doc, Some(&crd));
        assert!(!v.judged, "the embedded schema judged it");
        assert!(
            matches!(&v.violations[0].problem, Problem::Unknown { field, .. } if field == "htp")
        );
        // A CRD with no schema keeps unknown fields.
        assert!(v.kept_by().is_some());
        // `v1` is not served by that cluster.
        let doc = load(&text.replace("v1alpha3", "v1"), 0).docs.remove(0);
        let v = validate(Kind::VirtualService, &doc, Some(&crd));
        assert!(v.crd.is_some());
        assert!(
            matches!(&v.violations[0].problem, Problem::Version { served, .. } if served == &["v1alpha3"])
        );
    }

    #[test]
    fn the_nearest_crd_is_used_and_equally_near_different_ones_are_not() {
        let newer = OLD_CRD.replace("version: v1alpha3", "version: v1beta1");
        let crds = [
            vendored("prod/crds/vs.yaml", OLD_CRD, 0),
            vendored("staging/crds/vs.yaml", &newer, 1),
        ];
        let files = [
            "prod/apps/vs.yaml",
            "prod/apps/other.yaml",
            "staging/vs.yaml",
            "shared/vs.yaml",
            "prod/c.yaml",
        ];
        let table = |crds: Vec<VendoredCrd>| {
            let uses = files
                .iter()
                .enumerate()
                .map(|(i, f)| (Kind::VirtualService, Some(i as u32), Path::new(*f)))
                .chain([(Kind::Canary, Some(4), Path::new("prod/c.yaml"))]);
            CrdTable::new(crds, uses)
        };
        let t = table(crds.into());
        let at =
            |t: &CrdTable, file: u32| t.of(Kind::VirtualService, file).map(|c| c.display.clone());
        assert_eq!(at(&t, 0).as_deref(), Some("prod/crds/vs.yaml"));
        assert_eq!(at(&t, 1).as_deref(), Some("prod/crds/vs.yaml"));
        assert_eq!(at(&t, 2).as_deref(), Some("staging/crds/vs.yaml"));
        assert_eq!(at(&t, 3), None);
        assert!(t.of(Kind::Canary, 4).is_none());
        // Both are used: both keep their text.
        assert!(t.as_slice().iter().all(|c| c.source.is_some()));
        // Copies of one CRD are not a choice.
        let copies = vec![
            vendored("prod/crds/vs.yaml", OLD_CRD, 0),
            vendored("staging/crds/vs.yaml", OLD_CRD, 0),
        ];
        let t = table(copies);
        assert!(at(&t, 3).is_some());
        // ... and are read once for all.
        let [prod, staging] = t.as_slice() else {
            panic!("two CRDs")
        };
        assert!(Arc::ptr_eq(&prod.schema, &staging.schema));
        assert!(prod.schema().is_some() && staging.schema().is_some());
        // One that nothing takes is never read.
        let t = table(vec![vendored("prod/crds/vs.yaml", OLD_CRD, 0)]);
        assert!(t.of(Kind::VirtualService, 2).is_some());
        let t = CrdTable::new(
            vec![vendored("prod/crds/vs.yaml", OLD_CRD, 0)],
            [(Kind::Canary, Some(0), Path::new("prod/c.yaml"))].into_iter(),
        );
        assert!(t.as_slice()[0].source.is_none());
    }

    /// The CRDs the embedded schemas were generated from (by `schemas/generate`, in Python)
    /// read as a repository's own: the same schemas, to the value.
    #[test]
    fn vendored_crds_read_as_the_generator_reads_them() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/crds");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        };
        let mut seen = Vec::new();
        for e in entries.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            for seg in crate::prescan::segments(&text) {
                if let Some((kind, ks)) = from_crd(&text[seg.start..seg.end]) {
                    let embedded = schema_of(kind).unwrap();
                    assert_eq!(ks.served, embedded.served, "{kind}");
                    assert!(ks == *embedded, "{kind}: {}", e.path().display());
                    seen.push(kind);
                }
            }
        }
        seen.sort();
        seen.dedup();
        // Flagger's CRD among them continues quoted descriptions on lines no deeper than
        // their key (see `reindent_quoted`).
        assert_eq!(seen.len(), KINDS.len(), "{seen:?}");
    }

    #[test]
    fn clean_paths_lie_in_directories_as_the_standard_library_says() {
        for (path, dir) in [
            ("a/b/c.yaml", "a/b"),
            ("a/b/c.yaml", "a"),
            ("a/bc/c.yaml", "a/b"),
            ("a/b", "a/b"),
            ("/r/a/b.yaml", "/r"),
            ("/r/a/b.yaml", "/"),
            ("/ra/b.yaml", "/r"),
            ("a/b.yaml", "b"),
            ("a/b.yaml", ""),
        ] {
            let (path, dir) = (Path::new(path), Path::new(dir));
            assert_eq!(
                lies_in(path, dir),
                path.starts_with(dir),
                "{path:?} in {dir:?}"
            );
        }
    }
}
