//! Renders every kustomization of the shared corpus and of `fixtures/` both with
//! `kubectl kustomize` and with `render`, and compares the documents of the kinds the
//! linter reads, as data. Set `CANARYLINT_DIFF_STRICT=1` to fail on any difference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;
use serde_json::Value as J;

use super::{clean, kustomization_file, render, to_json, Disk};
use crate::model::kinds::Kind;
use crate::yaml::{self, Node};

type Key = (String, String, String);

/// The documents the linter reads, by (kind, namespace, name), as data: of workloads only
/// the parts the linter reads from them.
fn relevant(docs: &[Node]) -> BTreeMap<Key, J> {
    let mut out = BTreeMap::new();
    for d in docs {
        let api = d.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
        let Some(k) = Kind::from_api(api, kind) else {
            continue;
        };
        let mut v = to_json(d);
        if let J::Object(m) = &mut v {
            match k {
                Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::ReplicaSet => {
                    let spec = m.get("spec").cloned().unwrap_or(J::Null);
                    let mut s = serde_json::Map::new();
                    if let Some(sel) = spec.get("selector") {
                        s.insert("selector".into(), sel.clone());
                    }
                    if let Some(tm) = spec.get("template").and_then(|t| t.get("metadata")) {
                        s.insert("template".into(), serde_json::json!({ "metadata": tm }));
                    }
                    m.retain(|k, _| matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                    m.insert("spec".into(), J::Object(s));
                }
                Kind::Pod => {
                    m.retain(|k, _| matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                }
                _ => {}
            }
        }
        let ns = d
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .unwrap_or("");
        let name = d
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("");
        out.insert((kind.to_string(), ns.to_string(), name.to_string()), v);
    }
    out
}

/// The first path at which two values differ.
fn first_difference(a: &J, b: &J, path: &str) -> Option<String> {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = first_difference(u, v, &p) {
                            return Some(d);
                        }
                    }
                    (u, v) => {
                        return Some(format!("{p}: kubectl {} / canarylint {}", show(u), show(v)))
                    }
                }
            }
            None
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!(
            "{path}: kubectl {} / canarylint {}",
            show(Some(a)),
            show(Some(b))
        )),
    }
}

fn show(v: Option<&J>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 80 {
                format!("{}…", &s[..crate::source::floor_char_boundary(&s, 80)])
            } else {
                s
            }
        }
    }
}

fn kustomization_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    if kustomization_file(&Disk, root).is_some() {
        out.push(root.to_path_buf());
    }
    let mut subs: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| e.file_name() != ".git")
        .map(|e| e.path())
        .collect();
    subs.sort();
    for s in subs {
        kustomization_dirs(&s, out);
    }
}

fn is_component(dir: &Path) -> bool {
    let Some(f) = kustomization_file(&Disk, dir) else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(f) else {
        return false;
    };
    let l = yaml::load(&text, 0);
    l.docs
        .first()
        .and_then(|d| d.get("kind"))
        .and_then(Node::as_str)
        == Some("Component")
}

enum Outcome {
    Declined(Vec<String>),
    BothFailed,
    Agree(usize),
    Differ(String),
    FalseError(String),
}

fn compare(dir: &Path) -> Outcome {
    let r = render(dir, &Disk);
    if !r.unsupported.is_empty() {
        let mut f: Vec<String> = r
            .unsupported
            .iter()
            .map(|(w, _)| {
                if w.starts_with("a remote") {
                    "remote resource".to_string()
                } else if w.starts_with("YAML canarylint cannot parse") {
                    "YAML the parser rejects".to_string()
                } else {
                    w.clone()
                }
            })
            .collect();
        f.sort();
        f.dedup();
        return Outcome::Declined(f);
    }
    let out = Command::new("kubectl").arg("kustomize").arg(dir).output();
    let Ok(out) = out else {
        return Outcome::Differ("kubectl did not run".into());
    };
    let ok = out.status.success();
    match (ok, r.errors.is_empty()) {
        (false, false) => {
            if std::env::var("CANARYLINT_DIFF_VERBOSE").as_deref() == Ok("1") {
                let e = String::from_utf8_lossy(&out.stderr);
                let e = e
                    .lines()
                    .filter(|l| !l.starts_with("# Warning"))
                    .collect::<Vec<_>>()
                    .join(" ");
                eprintln!(
                    "BOTH FAILED {}\n  kubectl:    {}\n  canarylint: {}",
                    dir.display(),
                    e.trim(),
                    r.errors[0].0
                );
            }
            return Outcome::BothFailed;
        }
        (false, true) => {
            let e = String::from_utf8_lossy(&out.stderr);
            let e = e
                .lines()
                .filter(|l| !l.starts_with("# Warning"))
                .collect::<Vec<_>>()
                .join(" ");
            return Outcome::Differ(format!("kubectl fails, canarylint does not: {}", e.trim()));
        }
        (true, false) => {
            return Outcome::FalseError(
                r.errors
                    .iter()
                    .map(|(m, _)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
        (true, true) => {}
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let theirs = relevant(&yaml::load(&text, 0).docs);
    let ours = relevant(&r.resources);
    let missing: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let mut msg = Vec::new();
    if !missing.is_empty() {
        msg.push(format!("missing in canarylint: {missing:?}"));
    }
    if !extra.is_empty() {
        msg.push(format!("only in canarylint: {extra:?}"));
    }
    for (k, v) in &theirs {
        if let Some(o) = ours.get(k) {
            if let Some(d) = first_difference(v, o, "") {
                msg.push(format!("{}/{}/{}: {d}", k.0, k.1, k.2));
                break;
            }
        }
    }
    if msg.is_empty() {
        // The same order of the documents the linter reads.
        let order = |docs: &[Node]| -> Vec<Key> {
            let keys = relevant(docs);
            let mut v: Vec<Key> = Vec::new();
            for d in docs {
                let k = (
                    d.get("kind")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                    d.path(&["metadata", "namespace"])
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                    d.path(&["metadata", "name"])
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                );
                if keys.contains_key(&k) {
                    v.push(k);
                }
            }
            v
        };
        let (a, b) = (order(&yaml::load(&text, 0).docs), order(&r.resources));
        if a != b {
            let i = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(0);
            msg.push(format!(
                "order differs at {i}: kubectl {:?} / canarylint {:?}",
                a.get(i),
                b.get(i)
            ));
        }
    }
    if msg.is_empty() {
        Outcome::Agree(theirs.len())
    } else {
        Outcome::Differ(msg.join("; "))
    }
}

#[test]
fn differential_against_kubectl() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        eprintln!("differential_against_kubectl: kubectl is absent, skipped");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    for base in ["../shared/corpus", "fixtures"] {
        let b = clean(&root.join(base));
        if !b.is_dir() {
            eprintln!(
                "differential_against_kubectl: {} is absent, skipped",
                b.display()
            );
            continue;
        }
        kustomization_dirs(&b, &mut dirs);
    }
    dirs.retain(|d| !is_component(d));
    let results: Vec<(PathBuf, Outcome)> =
        dirs.par_iter().map(|d| (d.clone(), compare(d))).collect();
    let (mut agree, mut both, mut differ, mut false_err, mut docs) = (0, 0, 0, 0, 0);
    let mut declined: BTreeMap<String, usize> = BTreeMap::new();
    let mut declined_dirs = 0;
    let show_dir = |d: &Path| d.strip_prefix(root).unwrap_or(d).display().to_string();
    for (d, o) in &results {
        match o {
            Outcome::Agree(n) => {
                agree += 1;
                docs += n;
            }
            Outcome::BothFailed => both += 1,
            Outcome::Declined(f) => {
                declined_dirs += 1;
                for x in f {
                    *declined.entry(x.clone()).or_default() += 1;
                }
            }
            Outcome::Differ(m) => {
                differ += 1;
                eprintln!("DIFFER {}: {m}", show_dir(d));
            }
            Outcome::FalseError(m) => {
                false_err += 1;
                eprintln!("FALSE ERROR {}: {m}", show_dir(d));
            }
        }
    }
    eprintln!("differential_against_kubectl summary");
    eprintln!("  compared      {:>5}", results.len());
    eprintln!("  agree         {agree:>5}  ({docs} documents)");
    eprintln!("  both failed   {both:>5}");
    eprintln!("  declined      {declined_dirs:>5}");
    for (f, n) in &declined {
        eprintln!("    {f:<40} {n:>5}");
    }
    eprintln!("  differ        {differ:>5}");
    eprintln!("  false errors  {false_err:>5}");
    if std::env::var("CANARYLINT_DIFF_STRICT").as_deref() == Ok("1") {
        assert_eq!(differ + false_err, 0, "canarylint and kubectl differ");
    }
}

/// Small kustomizations that exercise each transformation, written to a temporary
/// directory and compared with `kubectl kustomize` as the corpus is.
const SYNTHETIC: &[(&str, &[(&str, &str)])] = &[
    (
        "prefix-then-patch-by-original-name",
        &[
            ("base/kustomization.yaml", "resources: [vs.yaml, svc.yaml]\nnamePrefix: b-\nnamespace: one\n"),
            ("base/vs.yaml", VS),
            ("base/svc.yaml", SVC),
            (
                "kustomization.yaml",
                "resources: [base]\nnamespace: two\nnameSuffix: -s\npatches:\n- patch: |-\n    apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata: {name: reviews}\n    spec:\n      http:\n      - route:\n        - destination: {host: reviews}\n          weight: 100\npatchesJson6902:\n- target: {group: networking.istio.io, version: v1, kind: VirtualService, name: b-reviews}\n  patch: |-\n    - op: add\n      path: /spec/hosts/-\n      value: extra\n    - op: copy\n      from: /spec/hosts/0\n      path: /spec/gateways\n    - op: move\n      from: /spec/gateways\n      path: /metadata/labels\n    - op: remove\n      path: /metadata/labels\n    - op: test\n      path: /spec/hosts/1\n      value: extra\n",
            ),
        ],
    ),
    (
        "labels-and-annotations",
        &[
            ("deploy.yaml", DEPLOY),
            ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: bare}\nspec:\n  ports: [{port: 80}]\n"),
            ("list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n"),
            (
                "kustomization.yaml",
                "resources: [deploy.yaml, svc.yaml, list.yaml]\nlabels:\n- pairs: {a: \"1\"}\n  includeTemplates: true\n- pairs: {b: x}\n  includeSelectors: true\n- pairs: {c: \"y\"}\ncommonLabels: {d: z}\ncommonAnnotations: {e: \"true\"}\n",
            ),
        ],
    ),
    (
        "strategic-merge-details",
        &[
            ("deploy.yaml", DEPLOY),
            ("svc.yaml", SVC),
            ("dr.yaml", "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, labels: {tier: api}}\nspec:\n  host: reviews\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}, loadBalancer: {simple: ROUND_ROBIN}}\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]\n"),
            (
                "kustomization.yaml",
                "resources: [deploy.yaml, svc.yaml, dr.yaml]\npatches:\n- target: {kind: DestinationRule, labelSelector: tier=api}\n  patch: |-\n    apiVersion: networking.istio.io/v1\n    kind: DestinationRule\n    metadata: {name: any}\n    spec:\n      trafficPolicy:\n        $patch: replace\n        connectionPool: {tcp: {maxConnections: 5}}\n      subsets: [{name: v1, labels: {version: v1}}]\n- target: {kind: Dep.*, name: rev.*}\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: any, labels: {patched: \"yes\"}}\n    spec:\n      template:\n        metadata: {labels: {extra: \"1\"}}\n        spec:\n          containers: [{name: side, image: s}, {name: app, image: reviews:2}]\n- patch: |-\n    apiVersion: v1\n    kind: Service\n    metadata: {name: reviews}\n    spec:\n      ports: [{port: 9080, name: grpc2}, {port: 7000, name: new}]\n      selector: {app: null, role: web}\n",
            ),
        ],
    ),
    (
        "components-and-delete",
        &[
            ("base/kustomization.yaml", "resources: [svc.yaml, vs.yaml]\n"),
            ("base/svc.yaml", SVC),
            ("base/vs.yaml", VS),
            ("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\npatches:\n- path: del.yaml\ncommonLabels: {from: comp}\n"),
            ("comp/extra.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {selector: {istio: ingressgateway}}\n"),
            ("comp/del.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\n$patch: delete\n"),
            ("kustomization.yaml", "resources: [base]\ncomponents: [comp]\nnamespace: prod\n"),
        ],
    ),
    (
        "intermediate-names",
        &[
            ("a/kustomization.yaml", "resources: [vs.yaml]\nnamePrefix: a-\n"),
            ("a/vs.yaml", VS),
            ("b/kustomization.yaml", "resources: [../a]\nnamePrefix: b-\nnamespace: mid\n"),
            (
                "kustomization.yaml",
                "resources: [b]\nnamespace: top\npatchesStrategicMerge:\n- p.yaml\npatchesJson6902:\n- target: {kind: VirtualService, name: reviews, namespace: mid}\n  path: j.yaml\n",
            ),
            ("p.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a-reviews}\nspec:\n  http:\n  - route: [{destination: {host: reviews}}]\n    timeout: null\n    retries: {attempts: 3, perTryTimeout: null}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b-a-reviews, namespace: mid}\nspec:\n  gateways: [mesh]\n  newmap: {a: null, b: 1, c: {d: null}}\n"),
            ("j.yaml", "[{\"op\": \"add\", \"path\": \"/spec/tcp\", \"value\": []}]\n"),
        ],
    ),
];

const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  http:\n  - name: qa\n    match: [{headers: {x: {exact: \"1\"}}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n  - route: [{destination: {host: reviews, subset: v1}}]\n";
const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec:\n  selector: {app: reviews}\n  ports: [{port: 80, name: http}, {port: 9080, name: grpc}]\n";
const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reviews}\nspec:\n  selector: {matchLabels: {app: reviews}}\n  template:\n    metadata: {labels: {app: reviews}}\n    spec:\n      containers: [{name: app, image: reviews:1}]\n";

#[test]
fn synthetic_cases_against_kubectl() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        eprintln!("synthetic_cases_against_kubectl: kubectl is absent, skipped");
        return;
    }
    let root = std::env::temp_dir().join(format!("canarylint-kz-{}", std::process::id()));
    let mut bad = Vec::new();
    for (name, files) in SYNTHETIC {
        let dir = root.join(name);
        for (p, t) in *files {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        }
        match compare(&dir) {
            Outcome::Agree(n) => eprintln!("synthetic {name}: agree ({n} documents)"),
            Outcome::Differ(m) => bad.push(format!("{name}: {m}")),
            Outcome::FalseError(m) => bad.push(format!("{name}: canarylint fails: {m}")),
            Outcome::BothFailed => bad.push(format!("{name}: both fail")),
            Outcome::Declined(f) => bad.push(format!("{name}: declined {f:?}")),
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(bad.is_empty(), "{bad:#?}");
}
