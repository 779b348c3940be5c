//! How the routes of a VirtualService or a Gateway API route at a base revision correspond
//! to its current routes.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::resource::Resource;
use crate::model::split::{split, AnyRoute, Routing, Split};
use crate::source::SourceFile;
use crate::yaml::{Node, Value};

/// The same VirtualService, HTTPRoute or GRPCRoute at the base revision, matched by kind,
/// namespace and name wherever its file is now (see `Baseline::counterpart`).
pub(crate) fn old_routing<'b>(
    base: &'b Baseline,
    index: &Index,
    files: Option<&SourceFile>,
    routing: &Routing<'_>,
) -> Option<Routing<'b>> {
    let res = routing.res();
    let unique_now = index.count(res.kind, &res.namespace, &res.name) == 1;
    base.counterpart(res, files, unique_now)
        .and_then(Routing::view)
}

/// The resources whose routes share traffic with `routing`'s, itself first: for a
/// VirtualService, the mesh VirtualServices of its hosts; for a Gateway API route, the
/// other routes of its kind and namespace applied with it (one file, one kustomization)
/// whose `parentRefs` and `hostnames` read the same (mapping keys in any order), which
/// take the same requests.
pub(crate) fn related<'i>(index: &'i Index, routing: &Routing<'i>) -> Vec<&'i Resource> {
    let res = routing.res();
    let mut related: Vec<&Resource> = vec![res];
    let mut seen: HashSet<*const Resource> = HashSet::from([res as *const Resource]);
    match routing {
        Routing::Istio(vs) => {
            for host in vs.hosts() {
                for other in index.mesh_virtual_services(&index.resolve(host.value, &res.namespace))
                {
                    if seen.insert(other as *const Resource) {
                        related.push(other);
                    }
                }
            }
        }
        Routing::Gateway(route) => {
            let attach = |spec: &Node| {
                let field = |k: &str| spec.get(k).map_or_else(String::new, canonical);
                (field("parentRefs"), field("hostnames"))
            };
            let mine = attach(route.spec);
            for other in index.in_namespace(res.kind, &res.namespace) {
                // Routes of other files may be alternatives (samples, clusters, tutorial
                // steps) that never take traffic at once, and one of the same name is a
                // variant of this route, not a route beside it.
                let together = index.applied_together(res, other) && other.name != res.name;
                if together
                    && other.spec().is_some_and(|s| attach(s) == mine)
                    && seen.insert(other as *const Resource)
                {
                    related.push(other);
                }
            }
        }
    }
    related
}

/// Whether a resource reads the same, byte for byte, as its counterpart `old` at the base
/// revision.
pub(crate) fn unchanged(
    base: &Baseline,
    file: Option<&SourceFile>,
    res: &Resource,
    old: &Resource,
) -> bool {
    fn text<'f>(f: Option<&'f SourceFile>, r: &Resource) -> Option<&'f str> {
        f?.text()
            .get(r.root.span.start as usize..r.root.span.end as usize)
    }
    let old_file = base.workspace.files.get(old.file as usize);
    matches!((text(file, res), text(old_file, old)), (Some(a), Some(b)) if a == b)
}

/// The routes of `routing` whose weights the repository sets (no controller rewrites
/// them), each with its split now and at the base revision (`old`, seen through the
/// baseline's `old_index`). Routes without a counterpart, or whose split cannot be told,
/// are left out.
pub(crate) fn split_changes<'n, 'o>(
    index: &Index,
    old_index: &Index,
    routing: &Routing<'n>,
    old: &Routing<'o>,
) -> Vec<(AnyRoute<'n>, Split<'n>, Split<'o>)> {
    pair_routes(routing, old)
        .into_iter()
        .filter(|(route, _)| !routing.is_managed(index, route))
        .filter_map(|(route, old_route)| {
            let now = split(index, routing, &route)?;
            let before = split(old_index, old, &old_route)?;
            Some((route, now, before))
        })
        .collect()
}

/// Each current route with the same route at the base revision: routes of one group (a
/// VirtualService's protocol; a Gateway API route's rules all together) are matched by
/// `name`, then the rest by their position among the routes whose `match` (`matches`)
/// are equal. A route with no counterpart (new, or its match changed) is left out.
pub(crate) fn pair_routes<'n, 'o>(
    new: &Routing<'n>,
    old: &Routing<'o>,
) -> Vec<(AnyRoute<'n>, AnyRoute<'o>)> {
    let mut news: Vec<AnyRoute<'n>> = new.routes();
    let mut olds: Vec<AnyRoute<'o>> = old.routes();
    let mut groups: Vec<_> = news.iter().map(AnyRoute::group).collect();
    groups.dedup();
    let mut out = Vec::new();
    for g in groups {
        let (n, rest): (Vec<_>, Vec<_>) = news.into_iter().partition(|r| r.group() == g);
        news = rest;
        let (o, rest): (Vec<_>, Vec<_>) = olds.into_iter().partition(|r| r.group() == g);
        olds = rest;
        pair_group(n, o, &mut out);
    }
    out
}

fn pair_group<'n, 'o>(
    news: Vec<AnyRoute<'n>>,
    olds: Vec<AnyRoute<'o>>,
    out: &mut Vec<(AnyRoute<'n>, AnyRoute<'o>)>,
) {
    // Old routes by name and by match, in order, so that thousands of routes are paired
    // without comparing all pairs.
    let mut old_by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (i, o) in olds.iter().enumerate() {
        if let Some(name) = o.name() {
            old_by_name.entry(name).or_default().push_back(i);
        }
    }
    let mut old_taken = vec![false; olds.len()];
    let new_names: HashSet<&str> = news.iter().filter_map(AnyRoute::name).collect();
    let mut new_left = Vec::new();
    for n in news {
        let by_name = n
            .name()
            .and_then(|name| old_by_name.get_mut(name)?.pop_front());
        match by_name.filter(|&i| i < olds.len()) {
            Some(i) => {
                old_taken[i] = true;
                new_left.push((n, Some(i)));
            }
            None => new_left.push((n, None)),
        }
    }
    // Old routes whose name a current route still uses were matched, or moved on.
    let mut old_by_match: HashMap<String, VecDeque<usize>> = HashMap::new();
    for (i, o) in olds.iter().enumerate() {
        if !old_taken[i] && !o.name().is_some_and(|name| new_names.contains(name)) {
            old_by_match.entry(match_key(o)).or_default().push_back(i);
        }
    }
    let mut pairs: Vec<(AnyRoute<'n>, usize)> = Vec::new();
    let mut by_match = Vec::new();
    for (n, by_name) in new_left {
        match by_name {
            Some(i) => pairs.push((n, i)),
            None => by_match.push(n),
        }
    }
    for n in by_match {
        if let Some(i) = old_by_match
            .get_mut(&match_key(&n))
            .and_then(VecDeque::pop_front)
        {
            pairs.push((n, i));
        }
    }
    let mut olds: Vec<Option<AnyRoute<'o>>> = olds.into_iter().map(Some).collect();
    for (n, i) in pairs {
        if let Some(o) = olds.get_mut(i).and_then(Option::take) {
            out.push((n, o));
        }
    }
}

/// A route's `match` as canonical text (mapping keys sorted), so that equal matches
/// compare equal however they are written.
fn match_key(route: &AnyRoute<'_>) -> String {
    route.match_node().map_or_else(String::new, canonical)
}

fn canonical(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s) => format!("{:?}", s.text),
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Map(entries) => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|e| format!("{}:{}", canonical(&e.key), canonical(&e.value)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Workspace, WorkspaceOptions};

    fn vs(http: &str) -> Workspace {
        let text = format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: r}}\nspec:\n  hosts: [r]\n  http:\n{http}"
        );
        Workspace::from_texts(&[("t.yaml".into(), text)], &WorkspaceOptions::default())
    }

    fn pairs(new: &str, old: &str) -> Vec<(usize, usize)> {
        let (n, o) = (vs(new), vs(old));
        let (Some(Routing::Istio(nv)), Some(Routing::Istio(ov))) = (
            Routing::view(&n.index.resources[0]),
            Routing::view(&o.index.resources[0]),
        ) else {
            panic!("no VirtualService");
        };
        let (nv, ov) = (Routing::Istio(nv), Routing::Istio(ov));
        let mut p: Vec<(usize, usize)> = pair_routes(&nv, &ov)
            .iter()
            .map(|(a, b)| match (a, b) {
                (AnyRoute::Istio(a), AnyRoute::Istio(b)) => (a.index, b.index),
                _ => panic!("not VirtualService routes"),
            })
            .collect();
        p.sort();
        p
    }

    #[test]
    fn routes_pair_by_name_then_by_equal_match() {
        let header = "    - match: [{headers: {x: {exact: '1'}}}]\n      route: [{destination: {host: r}}]\n";
        let other = "    - match: [{headers: {x: {exact: '2'}}}]\n      route: [{destination: {host: r}}]\n";
        let default = "    - route: [{destination: {host: r}}]\n";
        // Reordered: each route follows its match.
        assert_eq!(
            pairs(
                &format!("{other}{header}{default}"),
                &format!("{header}{other}{default}")
            ),
            vec![(0, 1), (1, 0), (2, 2)]
        );
        // Renamed: the name is new, the match is the same.
        let named =
            |n: &str| format!("    - name: {n}\n      route: [{{destination: {{host: r}}}}]\n");
        assert_eq!(pairs(&named("b"), &named("a")), vec![(0, 0)]);
        // Named routes follow their names even when their matches change places.
        let a = "    - name: a\n      match: [{uri: {prefix: /a}}]\n      route: [{destination: {host: r}}]\n";
        let b = "    - name: b\n      match: [{uri: {prefix: /b}}]\n      route: [{destination: {host: r}}]\n";
        assert_eq!(
            pairs(&format!("{b}{a}"), &format!("{a}{b}")),
            vec![(0, 1), (1, 0)]
        );
        // A changed match has no counterpart.
        assert_eq!(pairs(other, header), vec![]);
    }

    fn route_pairs(new: &str, old: &str) -> Vec<(usize, usize)> {
        let doc = |rules: &str| {
            format!(
                "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  rules:\n{rules}"
            )
        };
        let load = |rules: &str| {
            Workspace::from_texts(
                &[("t.yaml".into(), doc(rules))],
                &WorkspaceOptions::default(),
            )
        };
        let (n, o) = (load(new), load(old));
        let (Some(nr), Some(or)) = (
            Routing::view(&n.index.resources[0]),
            Routing::view(&o.index.resources[0]),
        ) else {
            panic!("no HTTPRoute");
        };
        let mut p: Vec<(usize, usize)> = pair_routes(&nr, &or)
            .iter()
            .map(|(a, b)| match (a, b) {
                (AnyRoute::Gateway(a), AnyRoute::Gateway(b)) => (a.index, b.index),
                _ => panic!("not Gateway API rules"),
            })
            .collect();
        p.sort();
        p
    }

    #[test]
    fn gateway_rules_pair_by_name_then_by_equal_matches() {
        let beta =
            "    - matches: [{headers: [{name: x, value: '1'}]}]\n      backendRefs: [{name: r}]\n";
        let default = "    - backendRefs: [{name: r}]\n";
        // Reordered: each rule follows its matches, written in any key order.
        let beta_reordered =
            "    - matches: [{headers: [{value: '1', name: x}]}]\n      backendRefs: [{name: r}]\n";
        assert_eq!(
            route_pairs(
                &format!("{default}{beta_reordered}"),
                &format!("{beta}{default}")
            ),
            vec![(0, 1), (1, 0)]
        );
        // Named rules follow their names even when their matches change.
        let named = |n: &str, p: &str| {
            format!(
                "    - name: {n}\n      matches: [{{path: {{value: {p}}}}}]\n      backendRefs: [{{name: r}}]\n"
            )
        };
        assert_eq!(
            route_pairs(
                &format!("{}{}", named("b", "/x"), named("a", "/y")),
                &format!("{}{}", named("a", "/a"), named("b", "/b"))
            ),
            vec![(0, 1), (1, 0)]
        );
        // A changed match of an unnamed rule has no counterpart.
        let other =
            "    - matches: [{headers: [{name: x, value: '2'}]}]\n      backendRefs: [{name: r}]\n";
        assert_eq!(route_pairs(other, beta), vec![]);
    }
}
