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
