//! The OpenAPI schemas of the CustomResourceDefinitions of the kinds canarylint reads, and a
//! structural-schema walker over the span-aware YAML tree that reports where a document
//! departs from them: a field the schema does not define (the API server prunes it), or a
//! value of the wrong type, outside an enum, a pattern or a range, or a missing required
//! field.
//!
//! The schemas are `schemas/<group>_<kind>.json`, written by `schemas/generate` from the
//! upstream CRDs (their sources and revisions are in each file's `source`), embedded and
//! parsed only when a document of that kind is validated. CEL rules
//! (`x-kubernetes-validations`) and `format` are not checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use serde_json::{Map, Value as Json};

use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, Scalar, Style, Value};

/// The kinds validated against a schema, in the order of [`EMBEDDED`] and [`CRD_NAMES`].
pub(crate) const KINDS: &[Kind] = &[
    Kind::VirtualService,
    Kind::DestinationRule,
    Kind::Gateway,
    Kind::ServiceEntry,
    Kind::Canary,
    Kind::MetricTemplate,
    Kind::Rollout,
    Kind::AnalysisTemplate,
    Kind::ClusterAnalysisTemplate,
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::KubernetesGateway,
    Kind::ReferenceGrant,
];

/// The embedded schema of each of [`KINDS`].
const EMBEDDED: [&str; KINDS.len()] = [
    include_str!("../../schemas/networking.istio.io_VirtualService.json"),
    include_str!("../../schemas/networking.istio.io_DestinationRule.json"),
    include_str!("../../schemas/networking.istio.io_Gateway.json"),
    include_str!("../../schemas/networking.istio.io_ServiceEntry.json"),
    include_str!("../../schemas/flagger.app_Canary.json"),
    include_str!("../../schemas/flagger.app_MetricTemplate.json"),
    include_str!("../../schemas/argoproj.io_Rollout.json"),
    include_str!("../../schemas/argoproj.io_AnalysisTemplate.json"),
    include_str!("../../schemas/argoproj.io_ClusterAnalysisTemplate.json"),
    include_str!("../../schemas/gateway.networking.k8s.io_HTTPRoute.json"),
    include_str!("../../schemas/gateway.networking.k8s.io_GRPCRoute.json"),
    include_str!("../../schemas/gateway.networking.k8s.io_Gateway.json"),
    include_str!("../../schemas/gateway.networking.k8s.io_ReferenceGrant.json"),
];

/// The `metadata.name` of the CustomResourceDefinition of each of [`KINDS`]:
/// `<plural>.<group>`, as the API server requires.
pub(crate) const CRD_NAMES: [&str; KINDS.len()] = [
    "virtualservices.networking.istio.io",
    "destinationrules.networking.istio.io",
    "gateways.networking.istio.io",
    "serviceentries.networking.istio.io",
    "canaries.flagger.app",
    "metrictemplates.flagger.app",
    "rollouts.argoproj.io",
    "analysistemplates.argoproj.io",
    "clusteranalysistemplates.argoproj.io",
    "httproutes.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "referencegrants.gateway.networking.k8s.io",
];

/// The schemas of one kind: one per version of its CRD that has one.
#[derive(Debug, PartialEq)]
pub(crate) struct KindSchema {
    /// The versions the CRD serves, in its order.
    pub(crate) served: Vec<String>,
    /// The schema of each version that has one (a CRD of `apiextensions.k8s.io/v1beta1`
    /// may have none, or one for all versions).
    versions: Map<String, Json>,
    /// Whether the API server prunes the fields the schemas do not define: always for
    /// `apiextensions.k8s.io/v1`; for `v1beta1`, only with `preserveUnknownFields: false`.
    pub(crate) prunes: bool,
}

/// What a CRD says of one version of its kind.
enum Served<'s> {
    Schema(&'s Json),
    /// Served, with no schema: the API server neither prunes nor validates.
    NoSchema,
    /// Not served: the API server rejects documents of the version.
    No,
}

impl KindSchema {
    fn parse(text: &str) -> KindSchema {
        let mut doc: Json = serde_json::from_str(text).expect("embedded schemas are valid JSON");
        let served = strings(doc.get("served"));
        let versions = match doc["versions"].take() {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        KindSchema {
            served,
            versions,
            prunes: true,
        }
    }

    fn version(&self, version: &str) -> Served<'_> {
        if !self.served.iter().any(|v| v == version) {
            return Served::No;
        }
        self.versions
            .get(version)
            .map_or(Served::NoSchema, Served::Schema)
    }
}

/// The embedded schema of a kind, parsed on first use.
pub(crate) fn schema_of(kind: Kind) -> Option<&'static KindSchema> {
    static PARSED: [OnceLock<KindSchema>; KINDS.len()] = [const { OnceLock::new() }; KINDS.len()];
    let i = KINDS.iter().position(|&k| k == kind)?;
    Some(PARSED[i].get_or_init(|| KindSchema::parse(EMBEDDED[i])))
}

/// A CustomResourceDefinition of one of [`KINDS`] written in the repository (teams vendor
/// their cluster's CRDs): documents of its kind are validated against it rather than
/// against the embedded schema. Parsed on first use.
#[derive(Debug)]
pub(crate) struct VendoredCrd {
    pub(crate) kind: Kind,
    /// The file, lexically clean, for [`nearest`].
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
    pub(crate) schema: OnceLock<Option<KindSchema>>,
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
    let mut versions = Map::new();
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
                    tag: tag.map(|t| t.to_string().into_boxed_str()),
                    text: text.into_owned(),
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
        _ => Json::String(s.text),
    }
}

/// The vendored CRD of `kind` nearest to `file`: the one whose directory shares the most
/// leading components with the file's (a monorepo's clusters each vendor their own). When
/// CRDs with different schemas are equally near, the repository does not say which the
/// file's cluster runs: none is used (the embedded schema is).
pub(crate) fn nearest<'c>(
    crds: &'c [VendoredCrd],
    kind: Kind,
    file: &Path,
) -> Option<&'c VendoredCrd> {
    nearest_at(crds, kind, file).map(|i| &crds[i])
}

/// The position in `crds` of [`nearest`]'s answer.
pub(crate) fn nearest_at(crds: &[VendoredCrd], kind: Kind, file: &Path) -> Option<usize> {
    fn dir(p: &Path) -> &[u8] {
        p.parent()
            .unwrap_or(Path::new(""))
            .as_os_str()
            .as_encoded_bytes()
    }
    // Both paths are lexically clean: components are the pieces between separators.
    let here = dir(file);
    let shared = |c: &VendoredCrd| {
        dir(&c.path)
            .split(|b| std::path::is_separator(char::from(*b)))
            .zip(here.split(|b| std::path::is_separator(char::from(*b))))
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut best: Option<(usize, usize)> = None;
    let mut ambiguous = false;
    let within = |c: &VendoredCrd| c.scope.as_ref().is_none_or(|s| file.starts_with(s));
    for (i, c) in crds
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == kind && within(c))
    {
        let n = shared(c);
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

/// One step of the path from the document's root to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// `spec.http[0].route[1]`.
pub(crate) fn path_text(path: &[Segment]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The apiVersion is not one the CRD serves.
    Version {
        version: String,
        served: Vec<String>,
    },
    /// A field that is not in the schema's `properties`.
    Unknown {
        field: String,
        allowed: Vec<String>,
        /// Other served versions that define the field at the same place.
        elsewhere: Vec<String>,
    },
    Type {
        expected: &'static str,
        found: &'static str,
    },
    Enum {
        allowed: Vec<String>,
    },
    Pattern {
        pattern: String,
    },
    /// A number, a length, a count of items or fields out of bounds: what is wrong.
    Range {
        what: String,
    },
    Required {
        field: String,
    },
    /// An item of a `x-kubernetes-list-type: map` or `set` list that repeats an earlier
    /// one: the keys it repeats, as written.
    Duplicate {
        keys: String,
    },
    /// A `oneOf` or `anyOf` not met: what is wrong.
    Alternatives {
        what: String,
    },
}

/// Where a document departs from its schema.
#[derive(Clone, Debug)]
pub(crate) struct Violation {
    /// From the document root to the parent mapping of an unknown field or a missing
    /// required one, to the value otherwise.
    pub(crate) path: Vec<Segment>,
    /// The key of an unknown field; the value of an invalid one; the key of the mapping
    /// that lacks a required field.
    pub(crate) span: Span,
    pub(crate) problem: Problem,
    /// The value, when it is a scalar: for messages.
    pub(crate) shown: Option<String>,
}

/// Where a document departs from its schema, and which schema judged it.
#[derive(Debug, Default)]
pub(crate) struct Validation<'c> {
    pub(crate) violations: Vec<Violation>,
    /// The repository's CRD of the kind, when it decided: the versions served, and the
    /// schema unless it has none for the version (then the embedded one judged).
    pub(crate) crd: Option<&'c VendoredCrd>,
    /// Whether `crd`'s schema judged the fields.
    pub(crate) judged: bool,
}

impl Validation<'_> {
    /// What a message adds when the repository's CRD judged the document:
    /// ` (schema: the CustomResourceDefinition at `crds/istio.yaml:12`)`.
    pub(crate) fn judged_by(&self) -> String {
        self.crd
            .filter(|_| self.judged)
            .map(|c| {
                format!(
                    " (schema: the CustomResourceDefinition at `{}`)",
                    c.location()
                )
            })
            .unwrap_or_default()
    }

    /// The CRD that keeps the fields its schema does not define, when the repository's CRD
    /// does not prune: a `v1beta1` CRD without `preserveUnknownFields: false`, or one with
    /// no schema for the version.
    pub(crate) fn kept_by(&self) -> Option<&VendoredCrd> {
        self.crd
            .filter(|c| !self.judged || c.schema().is_some_and(|ks| !ks.prunes))
    }
}

/// Validates a document of `kind` against the schema of its `apiVersion`: the top-level
/// fields and `spec` (`metadata` and `status` are not checked). The schema is `crd`'s when
/// the repository vendors one, else the embedded one; a version `crd` serves without a
/// schema (a `v1beta1` CRD with no `validation`) is checked against the embedded schema
/// of that version, which the controller's own types follow.
pub(crate) fn validate<'c>(
    kind: Kind,
    root: &Node,
    crd: Option<&'c VendoredCrd>,
) -> Validation<'c> {
    let mut out = Validation {
        violations: Vec::new(),
        crd,
        judged: false,
    };
    let Some(embedded) = schema_of(kind) else {
        return out;
    };
    let Some(api) = root.get("apiVersion") else {
        return out;
    };
    let Some(version) = api
        .as_str()
        .map(|a| a.rsplit_once('/').map_or(a, |(_, v)| v))
    else {
        return out;
    };
    if is_templated(version) || !is_manifest(root) {
        return out;
    }
    let crd = crd.filter(|c| c.schema().is_some());
    out.crd = crd;
    out.judged = crd
        .and_then(VendoredCrd::schema)
        .is_some_and(|ks| matches!(ks.version(version), Served::Schema(_)));
    let (ks, schema) = match crd
        .and_then(VendoredCrd::schema)
        .map(|ks| (ks, ks.version(version)))
    {
        Some((ks, Served::Schema(s))) => (ks, s),
        Some((ks, Served::No)) => {
            out.violations.push(not_served(api, version, ks));
            return out;
        }
        Some((_, Served::NoSchema)) => match embedded.versions.get(version) {
            Some(s) => (embedded, s),
            None => return out,
        },
        None if skipped(kind, version) => return out,
        None => match embedded.version(version) {
            Served::Schema(s) => (embedded, s),
            Served::NoSchema => return out,
            Served::No => {
                out.violations.push(not_served(api, version, embedded));
                return out;
            }
        },
    };
    // A vendored CRD is the cluster's: it says exactly which channel it is.
    let exact = out.judged;
    let mut w = Walker {
        out: &mut out.violations,
        experimental: !exact
            && matches!(
                kind,
                Kind::HttpRoute | Kind::GrpcRoute | Kind::KubernetesGateway | Kind::ReferenceGrant
            ),
        path: Vec::new(),
        structural: true,
    };
    let props = schema.get("properties");
    for e in root.entries() {
        let Some(key) = e.key.as_str() else { continue };
        match key {
            "apiVersion" | "kind" | "metadata" | "status" | "<<" => {}
            _ if is_templated(key) => {}
            "spec" => {
                if let Some(spec) = props.and_then(|p| p.get("spec")) {
                    w.path.push(Segment::Key("spec".into()));
                    w.node(spec, &e.value, e.key.span);
                    w.path.pop();
                }
            }
            _ if props.is_some_and(|p| p.get(key).is_some()) => {}
            _ if e.value.is_null() => {}
            _ => w.unknown(schema, key, e.key.span),
        }
    }
    // A missing `spec` that the schema requires: at the kind.
    let at = root.get("kind").map_or(root.span, |k| k.span);
    for req in strings(schema.get("required")) {
        if root.get(&req).is_none() {
            w.push(at, Problem::Required { field: req });
        }
    }
    for v in &mut out.violations {
        if let Problem::Unknown {
            field, elsewhere, ..
        } = &mut v.problem
        {
            *elsewhere = ks
                .served
                .iter()
                .filter(|other| *other != version)
                .filter(|other| {
                    ks.versions
                        .get(other.as_str())
                        .and_then(|s| at_path(s, &v.path))
                        .is_some_and(|s| {
                            s.get("properties")
                                .and_then(|p| p.get(field.as_str()))
                                .is_some()
                        })
                })
                .cloned()
                .collect();
        }
    }
    out
}

fn not_served(api: &Node, version: &str, ks: &KindSchema) -> Violation {
    Violation {
        path: vec![Segment::Key("apiVersion".into())],
        span: api.span,
        problem: Problem::Version {
            version: version.to_string(),
            served: ks.served.clone(),
        },
        shown: None,
    }
}

/// Versions no embedded CRD serves but that clusters still run: Gateway API `v1alpha2`
/// (HTTPRoute, GRPCRoute, Gateway and ReferenceGrant: served by the releases before v1.0,
/// by the experimental channel for GRPCRoute and ReferenceGrant, and by the HTTPRoute CRD
/// Linkerd installs). Without a vendored CRD that says what the cluster serves, documents
/// of them are not checked.
fn skipped(kind: Kind, version: &str) -> bool {
    matches!(
        kind,
        Kind::HttpRoute | Kind::GrpcRoute | Kind::KubernetesGateway | Kind::ReferenceGrant
    ) && version == "v1alpha2"
}

/// Fields and enum values that only the Gateway API experimental channel defines (its
/// HTTPRoute and GRPCRoute rules' `retry` and `sessionPersistence`, the `ExternalAuth`
/// filter): a cluster that installs that channel accepts them.
const EXPERIMENTAL: &[&str] = &[
    "retry",
    "sessionPersistence",
    "externalAuth",
    "ExternalAuth",
];

/// Whether a document is a manifest to apply, not a test assertion (Chainsaw and
/// Kyverno-JSON write JMESPath expressions as keys: `(length(rules)): 1`) nor a
/// strategic-merge patch directive (`$patch: delete`), whose fields are partial.
fn is_manifest(root: &Node) -> bool {
    fn expression_or_directive(n: &Node) -> bool {
        match &n.value {
            Value::Scalar(_) => false,
            Value::Seq(items) => items.iter().any(expression_or_directive),
            Value::Map(entries) => entries.iter().any(|e| {
                e.key.as_str().is_some_and(|k| {
                    (k.starts_with('(') && k.ends_with(')')) || k.starts_with("$patch")
                }) || expression_or_directive(&e.value)
            }),
        }
    }
    !expression_or_directive(root)
}

/// The schema at a path of the document, if the path exists in it.
fn at_path<'s>(mut schema: &'s Json, path: &[Segment]) -> Option<&'s Json> {
    for seg in path {
        schema = match seg {
            Segment::Key(k) => schema
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))?,
            Segment::Index(_) => schema.get("items")?,
        };
    }
    Some(schema)
}

struct Walker<'o> {
    out: &'o mut Vec<Violation>,
    /// Whether fields of the Gateway API experimental channel are let through.
    experimental: bool,
    path: Vec<Segment>,
    /// Whether unknown fields are reported: not inside `oneOf`/`anyOf` alternatives, whose
    /// `properties` constrain some fields without listing all of them.
    structural: bool,
}

/// A placeholder that a test harness or a script replaces before applying:
/// `{GATEWAY_CLASS_NAME}`, written plain (YAML reads a one-entry flow mapping with a null
/// value) or quoted.
fn is_placeholder(n: &Node) -> bool {
    fn name(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_uppercase()
            && b.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
    }
    match &n.value {
        Value::Scalar(s) => s
            .text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .is_some_and(name),
        Value::Map(entries) => {
            matches!(entries.as_slice(), [e] if e.value.is_null() && e.key.as_str().is_some_and(name))
        }
        Value::Seq(_) => false,
    }
}

/// What a scalar is, as the API server reads YAML (the YAML 1.2 core schema, which
/// `kubectl` and Go's YAML libraries use for plain scalars).
fn scalar_type(s: &Scalar) -> &'static str {
    if let Some(tag) = s.tag.as_deref() {
        return match tag
            .rsplit(':')
            .next()
            .unwrap_or(tag)
            .trim_start_matches('!')
        {
            "str" | "binary" | "timestamp" => "string",
            "int" => "integer",
            "float" => "number",
            "bool" => "boolean",
            "null" => "null",
            _ => "string",
        };
    }
    if s.style != Style::Plain {
        return "string";
    }
    if s.is_null() {
        "null"
    } else if s.as_bool().is_some() {
        "boolean"
    } else if s.as_int().is_some() {
        "integer"
    } else if is_float(&s.text) {
        "number"
    } else {
        "string"
    }
}

fn is_float(t: &str) -> bool {
    static FLOAT: OnceLock<Regex> = OnceLock::new();
    let re = FLOAT.get_or_init(|| {
        Regex::new(r"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
            .expect("valid")
    });
    re.is_match(t)
}

fn node_type(n: &Node) -> &'static str {
    match &n.value {
        Value::Scalar(s) => scalar_type(s),
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// The compiled `pattern`s, by source; `None` for one the `regex` crate cannot compile
/// (Kubernetes patterns are ECMA regular expressions: lookarounds are skipped).
fn pattern(source: &str) -> Option<Arc<Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(source.to_string())
        .or_insert_with(|| Regex::new(source).ok().map(Arc::new))
        .clone()
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .map(|v| match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Walker<'_> {
    fn push(&mut self, span: Span, problem: Problem) {
        self.out.push(Violation {
            path: self.path.clone(),
            span,
            problem,
            shown: None,
        });
    }

    /// Reports a problem with the value `n`.
    fn invalid(&mut self, n: &Node, problem: Problem) {
        self.push(n.span, problem);
        if let (Some(v), Some(s)) = (self.out.last_mut(), n.as_scalar()) {
            v.shown = Some(s.text.clone());
        }
    }

    fn unknown(&mut self, schema: &Json, field: &str, span: Span) {
        let mut allowed: Vec<String> = schema
            .get("properties")
            .and_then(Json::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        allowed.sort();
        self.push(
            span,
            Problem::Unknown {
                field: field.to_string(),
                allowed,
                elsewhere: Vec::new(),
            },
        );
    }

    /// Validates `n` against `schema`; `key` is the span of the key that holds it (or of
    /// the node itself, for a list item), where a missing required field is reported.
    fn node(&mut self, schema: &Json, n: &Node, key: Span) {
        if n.is_null() {
            // The API server prunes a null that is not `nullable`, and keeps one that is.
            return;
        }
        if let Some(s) = n.as_scalar() {
            if is_templated(&s.text) {
                return;
            }
        }
        if is_placeholder(n) {
            return;
        }
        let found = node_type(n);
        let int_or_string = schema
            .get("x-kubernetes-int-or-string")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        if int_or_string {
            if !matches!(found, "integer" | "string") {
                self.invalid(
                    n,
                    Problem::Type {
                        expected: "integer or string",
                        found,
                    },
                );
                return;
            }
        } else if let Some(expected) = schema.get("type").and_then(Json::as_str) {
            let ok = match expected {
                "number" => matches!(found, "number" | "integer"),
                // A plain scalar the API server would read as another type is still text to
                // a reader, but not to the server: `"true"` must be quoted.
                other => other == found,
            };
            // `[1.2.3.4, 001:db8::]`: a YAML 1.2 parser reads the IPv6 address in a flow
            // sequence as a one-entry mapping with an empty value, Go's YAML 1.1 parsers (and
            // Istio's own validation tests, crd-validation/serviceentry-valid.yaml) as the
            // string; the API server sees what `kubectl` parsed, so it is left alone.
            let ipv6_like = expected == "string"
                && matches!(n.entries(), [e] if e.value.as_str().is_none() && e.key.as_str().is_some_and(|k| k.contains(':')));
            if ipv6_like {
                return;
            }
            if !ok {
                let expected = match expected {
                    "object" => "object",
                    "array" => "array",
                    "string" => "string",
                    "integer" => "integer",
                    "number" => "number",
                    "boolean" => "boolean",
                    _ => return,
                };
                self.invalid(n, Problem::Type { expected, found });
                return;
            }
        }
        self.value_constraints(schema, n);
        self.alternatives(schema, n);
        match &n.value {
            Value::Map(entries) => self.map(schema, n, entries, key),
            Value::Seq(items) => {
                self.duplicates(schema, items);
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Segment::Index(i));
                        self.node(item_schema, item, item.span);
                        self.path.pop();
                    }
                }
            }
            Value::Scalar(_) => {}
        }
    }

    fn map(&mut self, schema: &Json, n: &Node, entries: &[crate::yaml::Entry], key: Span) {
        let props = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let preserve = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        for e in entries {
            let Some(field) = e.key.as_str() else {
                continue;
            };
            if field == "<<" || is_templated(field) {
                continue;
            }
            let sub = props
                .and_then(|p| p.get(field))
                .or_else(|| additional.filter(|a| a.is_object()));
            match sub {
                Some(sub) => {
                    self.path.push(Segment::Key(field.to_string()));
                    self.node(sub, &e.value, e.key.span);
                    self.path.pop();
                }
                None => {
                    // Without `properties`, an object keeps whatever it is given unless it
                    // is structural with none (then it is pruned: only `properties` or
                    // `additionalProperties` declare fields).
                    let declares = props.is_some() || additional.is_some();
                    let experimental = self.experimental && EXPERIMENTAL.contains(&field);
                    // A null has no effect, whatever its key (`creationTimestamp: null`,
                    // which serializers leave in pod templates).
                    if self.structural
                        && !preserve
                        && !experimental
                        && !e.value.is_null()
                        && declares
                        && additional != Some(&Json::Bool(true))
                    {
                        self.unknown(schema, field, e.key.span);
                    }
                }
            }
        }
        for req in strings(schema.get("required")) {
            if n.get(&req).is_none() && !entries.iter().any(|e| e.key.as_str() == Some("<<")) {
                self.push(key, Problem::Required { field: req });
            }
        }
        let count = entries.len() as f64;
        if let Some(max) = schema.get("maxProperties").and_then(Json::as_f64) {
            if count > max {
                self.invalid(
                    n,
                    Problem::Range {
                        what: format!("has {count} fields, more than the {max} allowed"),
                    },
                );
            }
        }
    }

    /// Items of a list the schema keys (`x-kubernetes-list-type: map` by its
    /// `x-kubernetes-list-map-keys`, `set` by value) that repeat an earlier item.
    fn duplicates(&mut self, schema: &Json, items: &[Node]) {
        let list_type = schema.get("x-kubernetes-list-type").and_then(Json::as_str);
        let keys = strings(schema.get("x-kubernetes-list-map-keys"));
        let identity = |item: &Node| -> Option<String> {
            match list_type {
                Some("set") => item.as_str().map(|s| format!("`{s}`")),
                Some("map") if !keys.is_empty() => {
                    let values: Option<Vec<String>> = keys
                        .iter()
                        .map(|k| Some(format!("`{k}: {}`", item.get(k)?.as_str()?)))
                        .collect();
                    values.map(|v| v.join(", "))
                }
                _ => None,
            }
        };
        if !matches!(list_type, Some("set" | "map")) {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let Some(id) = identity(item) else { continue };
            if is_templated(&id) {
                continue;
            }
            if !seen.insert(id.clone()) {
                self.path.push(Segment::Index(i));
                self.push(item.span, Problem::Duplicate { keys: id });
                self.path.pop();
            }
        }
    }

    fn value_constraints(&mut self, schema: &Json, n: &Node) {
        let allowed = strings(schema.get("enum"));
        if !allowed.is_empty() {
            if let Some(text) = n.as_str() {
                let experimental = self.experimental && EXPERIMENTAL.contains(&text);
                if !experimental && !allowed.iter().any(|a| a == text) {
                    self.invalid(n, Problem::Enum { allowed });
                    return;
                }
            }
        }
        if let Some(s) = n.as_scalar() {
            let ty = scalar_type(s);
            if ty == "string" {
                let len = s.text.chars().count() as f64;
                if let Some(min) = schema.get("minLength").and_then(Json::as_f64) {
                    if len < min {
                        let what =
                            format!("is {len} characters long, shorter than the minimum {min}");
                        self.invalid(n, Problem::Range { what });
                    }
                }
                if let Some(max) = schema.get("maxLength").and_then(Json::as_f64) {
                    if len > max {
                        let what =
                            format!("is {len} characters long, longer than the maximum {max}");
                        self.invalid(n, Problem::Range { what });
                    }
                }
                if let Some(p) = schema.get("pattern").and_then(Json::as_str) {
                    if pattern(p).is_some_and(|re| !re.is_match(&s.text)) {
                        self.invalid(
                            n,
                            Problem::Pattern {
                                pattern: p.to_string(),
                            },
                        );
                    }
                }
            } else if matches!(ty, "integer" | "number") {
                let value = s
                    .as_int()
                    .map(|i| i as f64)
                    .or_else(|| s.text.parse::<f64>().ok());
                if let Some(v) = value {
                    let exclusive =
                        |k: &str| schema.get(k).and_then(Json::as_bool).unwrap_or(false);
                    if let Some(min) = schema.get("minimum").and_then(Json::as_f64) {
                        if v < min || (exclusive("exclusiveMinimum") && v == min) {
                            let what = format!("is below the minimum {min}");
                            self.invalid(n, Problem::Range { what });
                        }
                    }
                    if let Some(max) = schema.get("maximum").and_then(Json::as_f64) {
                        if v > max || (exclusive("exclusiveMaximum") && v == max) {
                            let what = format!("is above the maximum {max}");
                            self.invalid(n, Problem::Range { what });
                        }
                    }
                }
            }
        }
        if let Some(items) = n.as_seq() {
            let len = items.len() as f64;
            if let Some(min) = schema.get("minItems").and_then(Json::as_f64) {
                if len < min {
                    let what = format!("has {len} items, fewer than the minimum {min}");
                    self.invalid(n, Problem::Range { what });
                }
            }
            if let Some(max) = schema.get("maxItems").and_then(Json::as_f64) {
                if len > max {
                    let what = format!("has {len} items, more than the maximum {max}");
                    self.invalid(n, Problem::Range { what });
                }
            }
        }
    }

    /// Whether `n` meets `schema` (an alternative of `oneOf` or `anyOf`, or a `not`).
    fn meets(schema: &Json, n: &Node) -> bool {
        let mut out = Vec::new();
        let mut w = Walker {
            out: &mut out,
            experimental: true,
            path: Vec::new(),
            structural: false,
        };
        w.node(schema, n, n.span);
        if let Some(not) = schema.get("not") {
            if Walker::meets(not, n) {
                return false;
            }
        }
        out.is_empty()
    }

    fn alternatives(&mut self, schema: &Json, n: &Node) {
        if let Some(one_of) = schema.get("oneOf").and_then(Json::as_array) {
            let met = one_of.iter().filter(|s| Walker::meets(s, n)).count();
            // Alternatives that constrain properties may tell apart only values that
            // defaults fill in first (a Gateway API address's `type` defaults to
            // `IPAddress`), or by `format`, which is not checked: several met is then no
            // evidence. Istio's alternatives of `required` fields are judged.
            let by_properties = one_of.iter().any(|a| a.get("properties").is_some());
            if met == 0 || (met > 1 && !by_properties) {
                let what = explain(one_of, n, met);
                self.invalid(n, Problem::Alternatives { what });
            }
        }
        if let Some(any_of) = schema.get("anyOf").and_then(Json::as_array) {
            // Gateway API and Argo int-or-string fields repeat the type as `anyOf`.
            if !any_of.iter().any(|s| Walker::meets(s, n)) {
                let what = explain(any_of, n, 0);
                self.invalid(n, Problem::Alternatives { what });
            }
        }
        if let Some(all_of) = schema.get("allOf").and_then(Json::as_array) {
            for s in all_of {
                if !Walker::meets(s, n) {
                    let what = "does not meet every condition of its schema (`allOf`)".to_string();
                    self.invalid(n, Problem::Alternatives { what });
                    break;
                }
            }
        }
    }
}

/// What is wrong with a mapping that meets no alternative, or several: in terms of the
/// fields the alternatives require, as in Istio's "exactly one of `exact`, `prefix` or
/// `regex`".
fn explain(alternatives: &[Json], n: &Node, met: usize) -> String {
    fn required(s: &Json, out: &mut Vec<String>) {
        out.extend(strings(s.get("required")));
        for k in ["anyOf", "oneOf"] {
            for a in s.get(k).and_then(Json::as_array).into_iter().flatten() {
                required(a, out);
            }
        }
    }
    let mut names = Vec::new();
    let mut none_allowed = false;
    for a in alternatives {
        if let Some(not) = a.get("not") {
            none_allowed = true;
            required(not, &mut names);
        } else {
            required(a, &mut names);
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if names.is_empty() {
        return if met == 0 {
            "matches none of the forms its schema allows".into()
        } else {
            format!("matches {met} of the forms its schema allows, where exactly one is allowed")
        };
    }
    let set: Vec<&String> = names.iter().filter(|f| n.get(f).is_some()).collect();
    let list = crate::text::backtick_list(&names);
    if set.len() > 1 {
        format!(
            "sets {}, where only one of {list} may be set",
            crate::text::backtick_list(&set)
        )
    } else if set.is_empty() && !none_allowed {
        format!("sets none of {list}; one of them is required")
    } else {
        format!("does not match the forms its schema allows for {list}")
    }
}

/// The schema violations of a resource; none for a test assertion (a Chainsaw or KUTTL
/// assert file holds partial documents that are compared with the cluster, not applied).
pub(crate) fn violations<'c>(
    res: &Resource,
    file: Option<&SourceFile>,
    crds: &'c [VendoredCrd],
) -> Validation<'c> {
    if file.is_some_and(SourceFile::is_test_assertion) {
        return Validation::default();
    }
    let crd = file
        .filter(|_| crds.iter().any(|c| c.kind == res.kind))
        .and_then(|f| nearest(crds, res.kind, &crate::load::lexically_clean(&f.path)));
    validate(res.kind, &res.root, crd)
}

/// What a message calls the object at `path`: a name readers know for the common places,
/// else the path (`spec.http[0].route[0].destination`).
pub(crate) fn object_name(kind: &str, path: &[Segment]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.as_str(),
            Segment::Index(_) => "[]",
        })
        .collect();
    let known = match keys.as_slice() {
        [] => Some(format!("a {kind}")),
        ["spec"] => Some(format!("a {kind} spec")),
        ["spec", "http" | "tcp" | "tls", "[]", "route", "[]", "destination"] => {
            Some("a route destination".to_string())
        }
        ["spec", "http" | "tcp" | "tls", "[]", "route", "[]"] => Some("a route".to_string()),
        ["spec", "http", "[]"] => Some("an http route".to_string()),
        ["spec", "http", "[]", "match", "[]"] => Some("a match block".to_string()),
        ["spec", "subsets", "[]"] => Some("a subset".to_string()),
        ["spec", "analysis"] => Some(format!("the {kind} analysis")),
        ["spec", "analysis", "metrics", "[]"] => Some(format!("a {kind} analysis metric")),
        ["spec", "service"] => Some("a Canary service".to_string()),
        ["spec", "strategy", "canary"] => Some("a canary strategy".to_string()),
        ["spec", "strategy", "canary", "trafficRouting"] => {
            Some("a Rollout's traffic routing".to_string())
        }
        ["spec", "strategy", "canary", "steps", "[]"] => Some("a canary step".to_string()),
        ["spec", "rules", "[]"] => Some(format!("a {kind} rule")),
        ["spec", "rules", "[]", "backendRefs", "[]"] => Some("a backend reference".to_string()),
        ["spec", "parentRefs", "[]"] => Some("a parent reference".to_string()),
        _ => None,
    };
    match known {
        Some(name) if path.is_empty() => name,
        Some(name) => format!("{name} (`{}`)", path_text(path)),
        None => format!("`{}`", path_text(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn problems(text: &str, kind: Kind) -> Vec<(String, Problem)> {
        let doc = load(text, 0).docs.remove(0);
        validate(kind, &doc, None)
            .violations
            .into_iter()
            .map(|v| (path_text(&v.path), v.problem))
            .collect()
    }

    #[test]
    fn every_embedded_schema_parses() {
        for &kind in KINDS {
            let ks = schema_of(kind).expect("embedded");
            assert!(!ks.served.is_empty(), "{kind}");
            for v in &ks.served {
                assert!(matches!(ks.version(v), Served::Schema(_)), "{kind} {v}");
            }
        }
    }

    #[test]
    fn a_misspelt_destination_field_is_unknown() {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {host: r, subet: v2}\n      weight: 100\n";
        let p = problems(text, Kind::VirtualService);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "spec.http[0].route[0].destination");
        let Problem::Unknown { field, allowed, .. } = &p[0].1 else {
            panic!("{p:?}")
        };
        assert_eq!(field, "subet");
        assert!(allowed.contains(&"subset".to_string()));
    }

    #[test]
    fn string_matches_take_exactly_one_form() {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n  - match:\n    - uri: {exact: /a, prefix: /b}\n    - uri: {prefix: /c}\n    route:\n    - destination: {host: r}\n";
        let p = problems(text, Kind::VirtualService);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "spec.http[0].match[0].uri");
        assert!(
            matches!(&p[0].1, Problem::Alternatives { what } if what.contains("sets `exact` and `prefix`")),
            "{p:?}"
        );
    }

    #[test]
    fn nulls_and_placeholders_are_left_alone() {
        let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: {GATEWAY_CLASS_NAME}\n  creationTimestamp: null\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n    hostname: \"{LISTENER_HOSTNAME}\"\n";
        assert_eq!(problems(text, Kind::KubernetesGateway), []);
        let text = text.replace("{GATEWAY_CLASS_NAME}", "{gateway: class}");
        assert_eq!(problems(&text, Kind::KubernetesGateway).len(), 1);
    }

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

    #[test]
    fn types_enums_and_versions() {
        let text = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: c}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: c}\n  service: {port: \"{{ .port }}\"}\n  analysis:\n    threshold: five\n    maxWeight: 50\n    stepWeight: 10\n    interval: 1m\n";
        let p = problems(text, Kind::Canary);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "spec.analysis.threshold");
        let text = "apiVersion: networking.istio.io/v1alpha4\nkind: VirtualService\nmetadata: {name: r}\nspec: {}\n";
        let p = problems(text, Kind::VirtualService);
        assert!(
            matches!(&p[0].1, Problem::Version { version, .. } if version == "v1alpha4"),
            "{p:?}"
        );
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
                range: 0..text.len(),
            }),
            schema: OnceLock::new(),
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
        let at = |f: &str| {
            nearest(&crds, Kind::VirtualService, Path::new(f)).map(|c| c.display.as_str())
        };
        assert_eq!(at("prod/apps/vs.yaml"), Some("prod/crds/vs.yaml"));
        assert_eq!(at("staging/vs.yaml"), Some("staging/crds/vs.yaml"));
        assert_eq!(at("shared/vs.yaml"), None);
        assert_eq!(
            nearest(&crds, Kind::Canary, Path::new("prod/c.yaml")).map(|c| c.line),
            None
        );
        // Copies of one CRD are not a choice.
        let copies = [
            vendored("prod/crds/vs.yaml", OLD_CRD, 0),
            vendored("staging/crds/vs.yaml", OLD_CRD, 0),
        ];
        assert!(nearest(&copies, Kind::VirtualService, Path::new("shared/vs.yaml")).is_some());
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
}
