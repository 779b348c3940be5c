//! The OpenAPI schemas of the CustomResourceDefinitions of the kinds canarylint reads, and a
//! structural-schema walker over the span-aware YAML tree that reports where a document
//! departs from them: a field the schema does not define (the API server prunes it), or a
//! value of the wrong type, outside an enum, a pattern or a range, or a missing required
//! field.
//!
//! The schemas are `schemas/<group>_<kind>.json`, written by `schemas/generate` from the
//! upstream CRDs (their sources and revisions are in each file's `source`), embedded and
//! parsed only when a document of that kind is validated; or those of the repository's own
//! CRD of the kind nearest the document ([`crate::model::crd`]). CEL rules
//! (`x-kubernetes-validations`) and `format` are not checked.

use crate::hash::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use serde_json::Value as Json;

use crate::model::crd::VendoredCrd;
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
    pub(crate) versions: Versions,
    /// Whether the API server prunes the fields the schemas do not define: always for
    /// `apiextensions.k8s.io/v1`; for `v1beta1`, only with `preserveUnknownFields: false`.
    pub(crate) prunes: bool,
}

/// What a CRD says of one version of its kind.
pub(crate) enum Served<'s> {
    Schema(&'s Json),
    /// Served, with no schema: the API server neither prunes nor validates.
    NoSchema,
    /// Not served: the API server rejects documents of the version.
    No,
}

/// The schema of each version of a kind, by version. An embedded kind's come as text and
/// are parsed when first asked: a run reads one version of a kind (an Istio kind's three
/// versions have one schema each), and a run of a few files is mostly this parse.
#[derive(Debug, Default)]
pub(crate) struct Versions(Vec<(String, Version)>);

#[derive(Debug)]
struct Version {
    text: Option<Box<serde_json::value::RawValue>>,
    parsed: OnceLock<Json>,
}

/// The same versions (each once), with the same schemas.
impl PartialEq for Versions {
    fn eq(&self, other: &Versions) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .all(|(name, _)| other.get(name).is_some() && self.get(name) == other.get(name))
    }
}

impl Versions {
    /// The schema of `version`, if it has one.
    pub(crate) fn get(&self, version: &str) -> Option<&Json> {
        let (_, v) = self.0.iter().find(|(name, _)| name == version)?;
        Some(v.parsed.get_or_init(|| {
            let text = v.text.as_ref().map_or("null", |t| t.get());
            serde_json::from_str(text).expect("embedded schemas are valid JSON")
        }))
    }

    /// Gives `version` its schema (the last one given counts).
    pub(crate) fn insert(&mut self, version: String, schema: Json) {
        self.0.retain(|(name, _)| *name != version);
        self.0.push((
            version,
            Version {
                text: None,
                parsed: OnceLock::from(schema),
            },
        ));
    }
}

impl KindSchema {
    fn parse(text: &str) -> KindSchema {
        #[derive(serde::Deserialize)]
        struct Embedded {
            #[serde(default)]
            served: Vec<String>,
            #[serde(default)]
            versions: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>,
        }
        let doc: Embedded = serde_json::from_str(text).expect("embedded schemas are valid JSON");
        let versions = doc
            .versions
            .into_iter()
            .map(|(name, text)| {
                let v = Version {
                    text: Some(text),
                    parsed: OnceLock::new(),
                };
                (name, v)
            })
            .collect();
        KindSchema {
            served: doc.served,
            versions: Versions(versions),
            prunes: true,
        }
    }

    pub(crate) fn version(&self, version: &str) -> Served<'_> {
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

/// The keywords of a schema object that the walker reads, found in one pass over its
/// entries: looked up one by one, twenty searches of every schema object for every node
/// of every document were most of the walk's time.
#[derive(Default)]
struct Keywords<'s> {
    int_or_string: bool,
    ty: Option<&'s str>,
    items: Option<&'s Json>,
    properties: Option<&'s serde_json::Map<String, Json>>,
    additional: Option<&'s Json>,
    preserve_unknown: bool,
    required: Option<&'s Json>,
    max_properties: Option<f64>,
    list_type: Option<&'s str>,
    list_map_keys: Option<&'s Json>,
    enumerated: Option<&'s Json>,
    min_length: Option<f64>,
    max_length: Option<f64>,
    pattern: Option<&'s str>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    min_items: Option<f64>,
    max_items: Option<f64>,
    one_of: Option<&'s Vec<Json>>,
    any_of: Option<&'s Vec<Json>>,
    all_of: Option<&'s Vec<Json>>,
}

impl<'s> Keywords<'s> {
    fn of(schema: &'s Json) -> Keywords<'s> {
        let mut k = Keywords::default();
        let Some(entries) = schema.as_object() else {
            return k;
        };
        for (key, v) in entries {
            let flag = || v.as_bool().unwrap_or(false);
            match key.as_str() {
                "x-kubernetes-int-or-string" => k.int_or_string = flag(),
                "type" => k.ty = v.as_str(),
                "items" => k.items = Some(v),
                "properties" => k.properties = v.as_object(),
                "additionalProperties" => k.additional = Some(v),
                "x-kubernetes-preserve-unknown-fields" => k.preserve_unknown = flag(),
                "required" => k.required = Some(v),
                "maxProperties" => k.max_properties = v.as_f64(),
                "x-kubernetes-list-type" => k.list_type = v.as_str(),
                "x-kubernetes-list-map-keys" => k.list_map_keys = Some(v),
                "enum" => k.enumerated = Some(v),
                "minLength" => k.min_length = v.as_f64(),
                "maxLength" => k.max_length = v.as_f64(),
                "pattern" => k.pattern = v.as_str(),
                "minimum" => k.minimum = v.as_f64(),
                "maximum" => k.maximum = v.as_f64(),
                "exclusiveMinimum" => k.exclusive_minimum = flag(),
                "exclusiveMaximum" => k.exclusive_maximum = flag(),
                "minItems" => k.min_items = v.as_f64(),
                "maxItems" => k.max_items = v.as_f64(),
                "oneOf" => k.one_of = v.as_array(),
                "anyOf" => k.any_of = v.as_array(),
                "allOf" => k.all_of = v.as_array(),
                _ => {}
            }
        }
        k
    }
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
pub(crate) fn scalar_type(s: &Scalar) -> &'static str {
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

/// A YAML 1.2 core-schema float (`1.5`, `.5`, `1e3`, `-.inf`, `.nan`), told without a
/// regular expression: compiling one was a millisecond of a run of one file.
fn is_float(t: &str) -> bool {
    if matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let b = t.as_bytes();
    let rest = b
        .strip_prefix(b"-")
        .or_else(|| b.strip_prefix(b"+"))
        .unwrap_or(b);
    if matches!(rest, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
    // `[0-9]+(\.[0-9]*)?` or `\.[0-9]+`, then `([eE][-+]?[0-9]+)?`, then the end.
    let mut i = digits(rest);
    if rest.get(i) == Some(&b'.') {
        let fraction = digits(&rest[i + 1..]);
        if i == 0 && fraction == 0 {
            return false;
        }
        i += 1 + fraction;
    } else if i == 0 {
        return false;
    }
    if matches!(rest.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(rest.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let exponent = digits(&rest[j..]);
        if exponent == 0 {
            return false;
        }
        i = j + exponent;
    }
    i == rest.len()
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
            v.shown = Some(s.text.to_string());
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
        let k = Keywords::of(schema);
        if k.int_or_string {
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
        } else if let Some(expected) = k.ty {
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
        self.value_constraints(&k, n);
        self.alternatives(&k, n);
        match &n.value {
            Value::Map(entries) => self.map(schema, &k, n, entries, key),
            Value::Seq(items) => {
                self.duplicates(&k, items);
                if let Some(item_schema) = k.items {
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

    fn map(
        &mut self,
        schema: &Json,
        k: &Keywords<'_>,
        n: &Node,
        entries: &[crate::yaml::Entry],
        key: Span,
    ) {
        let (props, additional, preserve) = (k.properties, k.additional, k.preserve_unknown);
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
        for req in strings(k.required) {
            if n.get(&req).is_none() && !entries.iter().any(|e| e.key.as_str() == Some("<<")) {
                self.push(key, Problem::Required { field: req });
            }
        }
        let count = entries.len() as f64;
        if let Some(max) = k.max_properties {
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
    fn duplicates(&mut self, k: &Keywords<'_>, items: &[Node]) {
        let list_type = k.list_type;
        if !matches!(list_type, Some("set" | "map")) {
            return;
        }
        let keys = strings(k.list_map_keys);
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
        let mut seen = crate::hash::HashSet::default();
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

    fn value_constraints(&mut self, k: &Keywords<'_>, n: &Node) {
        let allowed = strings(k.enumerated);
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
                if let Some(min) = k.min_length {
                    if len < min {
                        let what =
                            format!("is {len} characters long, shorter than the minimum {min}");
                        self.invalid(n, Problem::Range { what });
                    }
                }
                if let Some(max) = k.max_length {
                    if len > max {
                        let what =
                            format!("is {len} characters long, longer than the maximum {max}");
                        self.invalid(n, Problem::Range { what });
                    }
                }
                if let Some(p) = k.pattern {
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
                    if let Some(min) = k.minimum {
                        if v < min || (k.exclusive_minimum && v == min) {
                            let what = format!("is below the minimum {min}");
                            self.invalid(n, Problem::Range { what });
                        }
                    }
                    if let Some(max) = k.maximum {
                        if v > max || (k.exclusive_maximum && v == max) {
                            let what = format!("is above the maximum {max}");
                            self.invalid(n, Problem::Range { what });
                        }
                    }
                }
            }
        }
        if let Some(items) = n.as_seq() {
            let len = items.len() as f64;
            if let Some(min) = k.min_items {
                if len < min {
                    let what = format!("has {len} items, fewer than the minimum {min}");
                    self.invalid(n, Problem::Range { what });
                }
            }
            if let Some(max) = k.max_items {
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

    fn alternatives(&mut self, k: &Keywords<'_>, n: &Node) {
        if let Some(one_of) = k.one_of {
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
        if let Some(any_of) = k.any_of {
            // Gateway API and Argo int-or-string fields repeat the type as `anyOf`.
            if !any_of.iter().any(|s| Walker::meets(s, n)) {
                let what = explain(any_of, n, 0);
                self.invalid(n, Problem::Alternatives { what });
            }
        }
        if let Some(all_of) = k.all_of {
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
    let mut seen = crate::hash::HashSet::default();
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
    crd: Option<&'c VendoredCrd>,
) -> Validation<'c> {
    if file.is_some_and(SourceFile::is_test_assertion) {
        return Validation::default();
    }
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

    #[test]
    fn floats_are_told_as_the_core_schema_tells_them() {
        // Against the core schema's expression, for texts made of the characters a float
        // may hold.
        let re = Regex::new(r"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$").unwrap();
        let alphabet = [
            "0", "7", ".", "-", "+", "e", "E", "x", "inf", "nan", "Inf", "NaN", "INF", "NAN", " ",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for t in &texts {
                for a in alphabet {
                    next.push(format!("{t}{a}"));
                }
            }
            texts.extend(next);
        }
        let mut floats = 0;
        for t in &texts {
            assert_eq!(is_float(t), re.is_match(t), "{t:?}");
            floats += usize::from(is_float(t));
        }
        assert!(floats > 100, "{floats}");
    }
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
}
