//! kustomize's built-in transformers for the fields canarylint reads: namespace, name
//! prefix and suffix, labels and annotations (with the field specs of upstream
//! api/internal/konfig/builtinpluginconsts), patch target selectors, and the legacy
//! output order (upstream api/resid/gvk.go).

use regex::Regex;

use super::{empty_map, IdRef, Res};
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

/// Kinds of the Kubernetes API that have no namespace. kustomize takes any other kind,
/// custom ones included, as namespaced.
pub(super) fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "StorageClass"
            | "PriorityClass"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "APIService"
            | "CSIDriver"
            | "CSINode"
            | "IngressClass"
            | "RuntimeClass"
            | "PodSecurityPolicy"
            | "VolumeAttachment"
            | "ComponentStatus"
            | "CertificateSigningRequest"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "TokenReview"
            | "SelfSubjectAccessReview"
            | "SelfSubjectRulesReview"
            | "SubjectAccessReview"
    )
}

/// The mapping at `keys` under `n`, created (spanned `span`) where missing when `create`.
fn map_at<'a>(n: &'a mut Node, keys: &[&str], create: bool, span: Span) -> Option<&'a mut Node> {
    let mut cur = n;
    for k in keys {
        let Value::Map(entries) = &mut cur.value else {
            return None;
        };
        let i = match entries.iter().rposition(|e| e.key.as_str() == Some(k)) {
            Some(i) => i,
            None if create => {
                entries.push(Entry {
                    key: super::scalar(k, span),
                    value: empty_map(span),
                });
                entries.len() - 1
            }
            None => return None,
        };
        let v = &mut entries[i].value;
        if v.is_null() {
            if !create {
                return None;
            }
            *v = empty_map(span);
        }
        cur = v;
    }
    cur.as_map().is_some().then_some(cur)
}

/// Gives a resource an empty `metadata.annotations` where it has none.
pub(super) fn ensure_annotations(n: &mut Node, span: Span) {
    if n.as_map().is_some() {
        let _ = map_at(n, &["metadata", "annotations"], true, span);
    }
}

/// Removes a null or empty `metadata.annotations`, as kustomize's output has none.
pub(super) fn drop_empty_annotations(n: &mut Node) {
    let Value::Map(entries) = &mut n.value else {
        return;
    };
    let Some(meta) = entries
        .iter_mut()
        .rev()
        .find(|e| e.key.as_str() == Some("metadata"))
    else {
        return;
    };
    let Value::Map(m) = &mut meta.value.value else {
        return;
    };
    m.retain(|e| {
        e.key.as_str() != Some("annotations")
            || !(e.value.is_null() || e.value.as_map().is_some_and(|a| a.is_empty()))
    });
}

/// Sets `key: value` (a clone of the kustomization's entry) in a mapping.
fn set(m: &mut Node, e: &Entry) {
    let Value::Map(entries) = &mut m.value else {
        return;
    };
    let key = e.key.as_str();
    match entries.iter_mut().rev().find(|x| x.key.as_str() == key) {
        Some(x) => x.value = e.value.clone(),
        None => entries.push(e.clone()),
    }
}

/// `namespace:` sets `metadata.namespace` of every namespaced resource.
pub(super) fn namespace(acc: &mut [Res], ns: &Node) {
    for r in acc {
        // Read in place: the identity of every resource, at every kustomization that sets
        // a namespace, was copied into five strings only to be looked at.
        let id = IdRef::of(&r.node);
        // kustomize's `metaNamespaceHack` (upstream api/filters/namespace): a v1
        // Namespace takes the namespace as its name.
        if id.kind == "Namespace" && id.group.is_empty() && id.version == "v1" {
            r.remember();
            if let Some(meta) = map_at(&mut r.node, &["metadata"], true, ns.span) {
                set(
                    meta,
                    &Entry {
                        key: super::scalar("name", ns.span),
                        value: ns.clone(),
                    },
                );
            }
            continue;
        }
        if cluster_scoped(id.kind) {
            continue;
        }
        r.remember();
        let span = ns.span;
        if let Some(meta) = map_at(&mut r.node, &["metadata"], true, span) {
            set(
                meta,
                &Entry {
                    key: super::scalar("namespace", span),
                    value: ns.clone(),
                },
            );
        }
    }
}

/// `namePrefix` and `nameSuffix` rename every resource but Namespaces, CRDs and
/// APIServices (upstream prefixsuffix transformer's skip list).
pub(super) fn prefix_suffix(acc: &mut [Res], prefix: &str, suffix: &str) {
    for r in acc {
        if matches!(
            IdRef::of(&r.node).kind,
            "Namespace" | "CustomResourceDefinition" | "APIService"
        ) {
            continue;
        }
        r.remember();
        let Value::Map(entries) = &mut r.node.value else {
            continue;
        };
        let Some(meta) = entries
            .iter_mut()
            .rev()
            .find(|e| e.key.as_str() == Some("metadata"))
        else {
            continue;
        };
        let Value::Map(m) = &mut meta.value.value else {
            continue;
        };
        if let Some(name) = m.iter_mut().rev().find(|e| e.key.as_str() == Some("name")) {
            if let Value::Scalar(s) = &mut name.value.value {
                s.text = compact_str::format_compact!("{prefix}{}{suffix}", s.text);
            }
        }
    }
}

/// Whether a field spec of `kind` (and `group` when given) applies to `id`.
fn is(id: &IdRef<'_>, kind: &str, group: Option<&str>) -> bool {
    id.kind == kind && group.is_none_or(|g| id.group == g)
}

/// The paths (of mappings) a label goes to besides `metadata.labels`, with whether
/// kustomize creates them (upstream commonlabels.go and metadatalabels.go).
fn label_paths(
    id: &IdRef<'_>,
    selectors: bool,
    templates: bool,
) -> Vec<(&'static [&'static str], bool)> {
    let mut v: Vec<(&'static [&'static str], bool)> = Vec::new();
    if selectors {
        if matches!(id.kind, "Service" | "ReplicationController")
            && id.group.is_empty()
            && id.version == "v1"
        {
            v.push((&["spec", "selector"], true));
        }
        if is(id, "Deployment", None)
            || is(id, "ReplicaSet", None)
            || is(id, "DaemonSet", None)
            || is(id, "StatefulSet", Some("apps"))
        {
            v.push((&["spec", "selector", "matchLabels"], true));
        }
        if is(id, "Job", Some("batch")) || is(id, "PodDisruptionBudget", Some("policy")) {
            v.push((&["spec", "selector", "matchLabels"], false));
        }
        if is(id, "CronJob", Some("batch")) {
            v.push((
                &["spec", "jobTemplate", "spec", "selector", "matchLabels"],
                false,
            ));
        }
    }
    if templates {
        if (is(id, "ReplicationController", Some("")) && id.version == "v1")
            || is(id, "Deployment", None)
            || is(id, "ReplicaSet", None)
            || is(id, "DaemonSet", None)
            || is(id, "StatefulSet", Some("apps"))
            || is(id, "Job", Some("batch"))
        {
            v.push((&["spec", "template", "metadata", "labels"], true));
        }
        if is(id, "CronJob", Some("batch")) {
            v.push((&["spec", "jobTemplate", "metadata", "labels"], true));
            v.push((
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "metadata",
                    "labels",
                ],
                true,
            ));
        }
    }
    v
}

/// Adds labels to every resource's `metadata.labels`, and to selectors and pod templates
/// as asked.
pub(super) fn labels(acc: &mut [Res], pairs: &Node, selectors: bool, templates: bool) {
    for r in acc {
        let id = IdRef::of(&r.node);
        let mut paths: Vec<(&[&str], bool)> = vec![(&["metadata", "labels"], true)];
        paths.extend(label_paths(&id, selectors, templates));
        for e in pairs.entries() {
            for (p, create) in &paths {
                if let Some(m) = map_at(&mut r.node, p, *create, e.key.span) {
                    set(m, &with_string_value(e));
                }
            }
        }
    }
}

/// Adds annotations to every resource's `metadata.annotations` and pod templates.
pub(super) fn annotations(acc: &mut [Res], pairs: &Node) {
    for r in acc {
        let id = IdRef::of(&r.node);
        let mut paths: Vec<&[&str]> = vec![&["metadata", "annotations"]];
        if (is(&id, "ReplicationController", Some("")) && id.version == "v1")
            || is(&id, "Deployment", None)
            || is(&id, "ReplicaSet", None)
            || is(&id, "DaemonSet", None)
            || is(&id, "StatefulSet", Some("apps"))
            || is(&id, "Job", Some("batch"))
        {
            paths.push(&["spec", "template", "metadata", "annotations"]);
        }
        if is(&id, "CronJob", Some("batch")) {
            paths.push(&["spec", "jobTemplate", "metadata", "annotations"]);
            paths.push(&[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "metadata",
                "annotations",
            ]);
        }
        for e in pairs.entries() {
            for p in &paths {
                if let Some(m) = map_at(&mut r.node, p, true, e.key.span) {
                    set(m, &with_string_value(e));
                }
            }
        }
    }
}

/// A label entry whose value is a string (a null value becomes "", as Go reads it).
fn with_string_value(e: &Entry) -> Entry {
    let mut e = e.clone();
    if let Value::Scalar(s) = &mut e.value.value {
        if s.is_null() {
            s.text = compact_str::CompactString::default();
        }
        s.style = crate::yaml::Style::Quoted;
        s.tag = None;
    }
    e
}

/// A pattern of a patch's `target`, which kustomize anchors (`^(?:p)$`) and compiles as a
/// regex. Most are plain names (`Deployment`, `reviews`, `networking.istio.io`): one with
/// no metacharacter but `.` is matched character by character, `.` matching any character
/// but a line feed as in the regex, and no regex is compiled (a compile costs about
/// 260,000 instructions, and renders build a selector for every patch).
enum Pattern {
    Plain(String),
    Regex(Regex),
}

impl Pattern {
    fn new(p: &str) -> Result<Pattern, regex::Error> {
        if p.chars().all(|c| !r"\+*?()|[]{}^$".contains(c)) {
            Ok(Pattern::Plain(p.to_string()))
        } else {
            Regex::new(&format!("^(?:{p})$")).map(Pattern::Regex)
        }
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Plain(p) => {
                let (mut a, mut b) = (p.chars(), s.chars());
                loop {
                    match (a.next(), b.next()) {
                        (None, None) => return true,
                        (Some(x), Some(y)) if x == y || (x == '.' && y != '\n') => {}
                        _ => return false,
                    }
                }
            }
            Pattern::Regex(r) => r.is_match(s),
        }
    }
}

/// A patch's `target`: regexes (anchored) on group, version, kind, name and namespace, and
/// label and annotation selectors.
pub(super) struct Selector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Vec<Req>,
    annotations: Vec<Req>,
}

enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Selector {
    pub(super) fn new(t: &Node) -> Result<Selector, (String, Span)> {
        let rx = |k: &str| -> Result<Option<Pattern>, (String, Span)> {
            match t.get(k) {
                Some(n) => match n.as_str() {
                    Some(s) if !s.is_empty() => Pattern::new(s)
                        .map(Some)
                        .map_err(|e| (format!("invalid regex in target.{k}: {e}"), n.span)),
                    _ => Ok(None),
                },
                None => Ok(None),
            }
        };
        let reqs = |k: &str| -> Result<Vec<Req>, (String, Span)> {
            match t.get(k).and_then(|n| n.as_str().map(|s| (s, n.span))) {
                Some((s, span)) => parse_selector(s)
                    .ok_or_else(|| (format!("unable to parse requirement in {k}: {s}"), span)),
                None => Ok(Vec::new()),
            }
        };
        Ok(Selector {
            group: rx("group")?,
            version: rx("version")?,
            kind: rx("kind")?,
            name: rx("name")?,
            namespace: rx("namespace")?,
            labels: reqs("labelSelector")?,
            annotations: reqs("annotationSelector")?,
        })
    }

    pub(super) fn matches(&self, r: &Res) -> bool {
        // Read from the node, not copied: a selector is asked of every resource of a render.
        let cur = super::IdRef::of(&r.node);
        let ok = |rx: &Option<Pattern>, s: &str| rx.as_ref().is_none_or(|rx| rx.is_match(s));
        if !ok(&self.group, cur.group)
            || !ok(&self.version, cur.version)
            || !ok(&self.kind, cur.kind)
        {
            return false;
        }
        // As kustomize: the original or the current name and namespace, not one between.
        let org = r.prev.first().map_or(cur, |p| p.as_ref());
        let ids = [org, cur];
        if !ids.iter().any(|id| ok(&self.name, id.name)) {
            return false;
        }
        if !ids.iter().any(|id| {
            ok(&self.namespace, id.namespace) || ok(&self.namespace, id.effective_namespace())
        }) {
            return false;
        }
        let meta = |k: &str| r.node.path(&["metadata", k]);
        reqs_match(&self.labels, meta("labels"))
            && reqs_match(&self.annotations, meta("annotations"))
    }
}

fn reqs_match(reqs: &[Req], m: Option<&Node>) -> bool {
    let get = |k: &str| {
        m.and_then(|m| m.get(k))
            .map(|v| v.as_str().unwrap_or("").to_string())
    };
    reqs.iter().all(|r| match r {
        Req::Eq(k, v) => get(k).as_deref() == Some(v),
        Req::Ne(k, v) => get(k).as_deref() != Some(v),
        Req::In(k, vs) => get(k).is_some_and(|g| vs.contains(&g)),
        Req::NotIn(k, vs) => get(k).is_none_or(|g| !vs.contains(&g)),
        Req::Exists(k) => get(k).is_some(),
        Req::Absent(k) => get(k).is_none(),
    })
}

/// A Kubernetes label selector: `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
fn parse_selector(s: &str) -> Option<Vec<Req>> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let list = |rest: &str| -> Option<Vec<String>> {
            let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            Some(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some((k, v)) = p.split_once("!=") {
            out.push(Req::Ne(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = p.split_once("==") {
            out.push(Req::Eq(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = p.split_once('=') {
            out.push(Req::Eq(k.trim().into(), v.trim().into()));
        } else if let Some((k, rest)) = p.split_once(" notin ") {
            out.push(Req::NotIn(k.trim().into(), list(rest)?));
        } else if let Some((k, rest)) = p.split_once(" in ") {
            out.push(Req::In(k.trim().into(), list(rest)?));
        } else if let Some(k) = p.strip_prefix('!') {
            out.push(Req::Absent(k.trim().into()));
        } else {
            out.push(Req::Exists(p.into()));
        }
    }
    Some(out)
}

const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// kustomize's legacy output order: some kinds first, some last, the rest by
/// group-version-kind, then by namespace and name.
pub(super) fn legacy_sort(acc: &mut [Res]) {
    let rank = |k: &str| -> i64 {
        if let Some(i) = ORDER_FIRST.iter().position(|x| *x == k) {
            i as i64 - ORDER_FIRST.len() as i64
        } else if let Some(i) = ORDER_LAST.iter().position(|x| *x == k) {
            i as i64 + 1
        } else {
            0
        }
    };
    acc.sort_by_cached_key(|r| {
        let id = r.id();
        // As kustomize's `Gvk.String()`: `group_version_kind`, `~G` for no group.
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        let gvk = format!(
            "{}_{}_{}",
            or(&id.group, "~G"),
            or(&id.version, "~V"),
            or(&id.kind, "~K")
        );
        (rank(&id.kind), gvk, id.namespace.clone(), id.name.clone())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain pattern matches as the anchored regex kustomize compiles does.
    #[test]
    fn plain_patterns_match_as_their_regex() {
        let patterns = [
            "Deployment",
            "reviews",
            "networking.istio.io",
            "v1",
            "a.c",
            "é.ü",
            ".",
            "..",
            "name with space",
            "x-y/z:1",
        ];
        let inputs = [
            "Deployment",
            "deployment",
            "Deployments",
            "reviews",
            "review",
            "networking.istio.io",
            "networkingXistio.io",
            "networking.istio.i",
            "v1",
            "v10",
            "abc",
            "a\nc",
            "a.c",
            "ac",
            "éxü",
            "é\nü",
            "x",
            "",
            "xy",
            "\n",
            "name with space",
            "x-y/z:1",
        ];
        for p in patterns {
            let plain = Pattern::new(p).unwrap();
            assert!(matches!(plain, Pattern::Plain(_)), "{p}");
            let rx = Regex::new(&format!("^(?:{p})$")).unwrap();
            for s in inputs {
                assert_eq!(
                    plain.is_match(s),
                    rx.is_match(s),
                    "pattern {p:?}, input {s:?}"
                );
            }
        }
        assert!(matches!(
            Pattern::new("reviews-.*").unwrap(),
            Pattern::Regex(_)
        ));
        assert!(Pattern::new("(").is_err());
    }
}
