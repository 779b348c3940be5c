//! Strategic merge patches, as kustomize applies them (upstream
//! api/filters/patchstrategicmerge, kyaml/yaml/merge2): mappings merge key by key, a `null`
//! deletes a key, `$patch: delete` deletes, `$patch: replace` replaces. Lists of built-in
//! kinds merge by their merge key for the common fields; every other list, and every list
//! of a custom resource, is replaced whole (kustomize knows no merge keys for custom
//! resources: kubernetes-sigs/kustomize#2825). Patched values keep the patch's spans.

use super::{to_json, Dropped};
use crate::yaml::{Entry, Node, Value};

/// Applies `patch` to `base` (the patch's identity fields are ignored: kustomize sets
/// them to the target's). Whether the patch deletes the resource.
pub(super) fn apply(base: &mut Node, patch: &Node, dropped: &mut Vec<Dropped>) -> bool {
    if directive(patch) == Some("delete") {
        return true;
    }
    if patch.as_map().is_none() {
        return false;
    }
    let id = super::Id::of(base);
    let cx = Cx {
        builtin: builtin_group(&id.group),
        kind: id.kind.clone(),
        resource: format!("{} `{}`", id.kind, id.name),
    };
    // Keep the target's identity.
    let mut p = patch.clone();
    if let Some(entries) = p.value.take_map() {
        let kept: Vec<Entry> = entries
            .into_iter()
            .filter(|e| !matches!(e.key.as_str(), Some("apiVersion" | "kind")))
            .map(|mut e| {
                if e.key.as_str() == Some("metadata") {
                    if let Some(m) = e.value.value.take_map() {
                        e.value.value = Value::Map(
                            m.into_iter()
                                .filter(|me| !matches!(me.key.as_str(), Some("name" | "namespace")))
                                .collect(),
                        );
                    }
                }
                e
            })
            .collect();
        p.value = Value::Map(kept);
    }
    if directive(&p) == Some("replace") {
        let mut keep: Vec<Entry> = Vec::new();
        for k in ["apiVersion", "kind", "metadata"] {
            if let Some(e) = base.entry(k) {
                keep.push(e.clone());
            }
        }
        let mut new = cleaned(&p);
        if let Some(entries) = new.value.take_map() {
            keep.extend(
                entries.into_iter().filter(|e| {
                    !matches!(e.key.as_str(), Some("apiVersion" | "kind" | "metadata"))
                }),
            );
        }
        base.value = Value::Map(keep);
        return false;
    }
    let mut path = Vec::new();
    merge_map(base, &p, &mut path, &cx, dropped);
    false
}

/// Groups of the Kubernetes API itself, whose schemas kustomize knows.
pub(super) fn builtin_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps" | "batch" | "policy" | "autoscaling" | "extensions"
    ) || (group.ends_with(".k8s.io")
        && !group.ends_with(".x-k8s.io")
        && group != "gateway.networking.k8s.io")
}

struct Cx {
    builtin: bool,
    kind: String,
    resource: String,
}

fn directive(n: &Node) -> Option<&str> {
    n.get("$patch").and_then(Node::as_str)
}

fn is_directive(key: &str) -> bool {
    key.starts_with('$')
}

/// A patch value as it is added where the base has nothing: no nulls in mappings, no
/// directives.
fn cleaned(n: &Node) -> Node {
    match &n.value {
        Value::Scalar(_) => n.clone(),
        Value::Seq(items) => Node {
            span: n.span,
            value: Value::Seq(
                items
                    .iter()
                    .filter(|i| directive(i) != Some("delete"))
                    .map(cleaned)
                    .collect(),
            ),
        },
        Value::Map(entries) => Node {
            span: n.span,
            value: Value::Map(
                entries
                    .iter()
                    .filter(|e| !e.value.is_null() && !e.key.as_str().is_some_and(is_directive))
                    .map(|e| Entry {
                        key: e.key.clone(),
                        value: cleaned(&e.value),
                    })
                    .collect(),
            ),
        },
    }
}

fn merge_map(
    base: &mut Node,
    patch: &Node,
    path: &mut Vec<String>,
    cx: &Cx,
    dropped: &mut Vec<Dropped>,
) {
    if base.as_map().is_none() {
        *base = cleaned(patch);
        return;
    }
    for pe in patch.entries() {
        let Some(key) = pe.key.as_str() else { continue };
        if is_directive(key) {
            continue;
        }
        let Value::Map(entries) = &mut base.value else {
            return;
        };
        let at = entries.iter().rposition(|e| e.key.as_str() == Some(key));
        if pe.value.is_null() || directive(&pe.value) == Some("delete") {
            if let Some(i) = at {
                entries.remove(i);
            }
            continue;
        }
        let Some(i) = at else {
            entries.push(Entry {
                key: pe.key.clone(),
                value: cleaned(&pe.value),
            });
            continue;
        };
        let bv = &mut entries[i].value;
        path.push(key.to_string());
        match (&bv.value, &pe.value.value) {
            (Value::Map(_), Value::Map(_)) => {
                if directive(&pe.value) == Some("replace") {
                    *bv = cleaned(&pe.value);
                } else {
                    merge_map(bv, &pe.value, path, cx, dropped);
                }
            }
            (Value::Seq(_), Value::Seq(_)) => merge_list(bv, &pe.value, path, cx, dropped),
            _ => *bv = cleaned(&pe.value),
        }
        path.pop();
    }
}

/// The merge key of a list of a built-in kind, for the fields commonly patched.
fn merge_key(path: &[String], kind: &str) -> Option<&'static str> {
    let last = path.last()?.as_str();
    Some(match last {
        "containers" | "initContainers" | "ephemeralContainers" => "name",
        "env" | "volumes" | "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "ports" if kind == "Service" && path.len() == 2 => "port",
        "ports" if path.len() > 2 => "containerPort",
        _ => return None,
    })
}

fn key_of<'a>(n: &'a Node, key: &str) -> Option<serde_json::Value> {
    let v: &'a Node = n.get(key)?;
    Some(to_json(v))
}

fn merge_list(
    base: &mut Node,
    patch: &Node,
    path: &mut Vec<String>,
    cx: &Cx,
    dropped: &mut Vec<Dropped>,
) {
    let key = if cx.builtin {
        merge_key(path, &cx.kind)
    } else {
        None
    };
    let Some(key) = key.filter(|k| patch.items().iter().all(|i| key_of(i, k).is_some())) else {
        // A replacing list is taken as written, nulls and all.
        let new = patch.clone();
        if !cx.builtin {
            record_dropped(base, &new, path, cx, dropped);
        }
        *base = new;
        return;
    };
    let Value::Seq(items) = &mut base.value else {
        return;
    };
    // As kustomize: the patch's entries in its order (merged into the base's entry of the
    // same key), then the base's other entries in theirs.
    let mut rest: Vec<Option<Node>> = std::mem::take(items).into_iter().map(Some).collect();
    let mut out: Vec<Node> = Vec::new();
    for pi in patch.items() {
        let k = key_of(pi, key);
        let at = rest
            .iter()
            .position(|b| b.as_ref().is_some_and(|b| key_of(b, key) == k));
        if directive(pi) == Some("delete") {
            if let Some(i) = at {
                rest[i] = None;
            }
            continue;
        }
        match at.and_then(|i| rest[i].take()) {
            Some(mut b) => {
                path.push("[]".into());
                merge_map(&mut b, pi, path, cx, dropped);
                path.pop();
                out.push(b);
            }
            None => out.push(cleaned(pi)),
        }
    }
    out.extend(rest.into_iter().flatten());
    *items = out;
}

/// The lists whose replaced entries are reported, by kind: their path and the noun for
/// an entry.
fn tracked(kind: &str, path: &[String]) -> Option<&'static str> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match (kind, p.as_slice()) {
        ("VirtualService", ["spec", "http" | "tcp" | "tls"]) => "route",
        ("DestinationRule", ["spec", "subsets"]) => "subset",
        ("Canary", ["spec", "analysis", "metrics"]) => "metric",
        ("Canary", ["spec", "analysis", "webhooks"]) => "webhook",
        ("Rollout", ["spec", "strategy", "canary", "steps"]) => "step",
        _ => return None,
    })
}

/// Records the base entries a replacing list loses. Entries of routing lists matched by
/// `name:` are not lost; their `route` lists are compared by destination.
fn record_dropped(base: &Node, new: &Node, path: &[String], cx: &Cx, dropped: &mut Vec<Dropped>) {
    let Some(noun) = tracked(&cx.kind, path) else {
        return;
    };
    let list = path.join(".");
    let new_items = new.items();
    let new_data: Vec<serde_json::Value> = new_items.iter().map(to_json).collect();
    for (i, b) in base.items().iter().enumerate() {
        let data = to_json(b);
        if new_data.contains(&data) {
            continue;
        }
        let name = b.get("name").and_then(Node::as_str);
        let same_name = |n: &&Node| n.get("name").and_then(Node::as_str) == name;
        // A route is the same route when it has the same name; one without a name, when it
        // matches the same requests (the same `match`, or none): a patch that changes its
        // weights or adds a timeout keeps it.
        let same_match = |n: &&Node| {
            noun == "route"
                && name.is_none()
                && n.get("name").is_none()
                && b.get("match").map(to_json) == n.get("match").map(to_json)
        };
        let kept = match name {
            Some(_) => new_items.iter().find(same_name),
            None => new_items.iter().find(same_match),
        };
        if let Some(n) = kept {
            if noun == "route" {
                routes_dropped(b, n, &format!("{list}[{i}].route"), cx, dropped);
            }
            continue;
        }
        dropped.push(Dropped {
            list: list.clone(),
            entry: match name {
                Some(n) => format!("{noun} `{n}`"),
                None => format!("entry {}", i + 1),
            },
            base: b.span,
            patch: new.span,
            resource: cx.resource.clone(),
        });
    }
}

/// Destinations of a route that its replacement no longer has.
fn routes_dropped(base: &Node, new: &Node, list: &str, cx: &Cx, dropped: &mut Vec<Dropped>) {
    let dest = |r: &Node| r.get("destination").map(to_json);
    let (Some(b), Some(n)) = (base.get("route"), new.get("route")) else {
        return;
    };
    let kept: Vec<_> = n.items().iter().map(dest).collect();
    for (i, r) in b.items().iter().enumerate() {
        if !kept.contains(&dest(r)) {
            dropped.push(Dropped {
                list: list.to_string(),
                entry: format!("entry {}", i + 1),
                base: r.span,
                patch: n.span,
                resource: cx.resource.clone(),
            });
        }
    }
}
