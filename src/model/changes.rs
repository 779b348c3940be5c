//! How a VirtualService's routes at a base revision correspond to its current routes.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::istio::{Protocol, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{split, Split};
use crate::source::SourceFile;
use crate::yaml::{Node, Value};

/// The same VirtualService at the base revision, matched by kind, namespace and name
/// wherever its file is now (see `Baseline::counterpart`).
pub(crate) fn old_virtual_service<'b>(
    base: &'b Baseline,
    index: &Index,
    files: Option<&SourceFile>,
    vs: &VirtualService<'_>,
) -> Option<VirtualService<'b>> {
    let res = vs.res;
    let unique_now = index.count(Kind::VirtualService, &res.namespace, &res.name) == 1;
    base.counterpart(res, files, unique_now)
        .and_then(VirtualService::view)
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
        f?.text
            .get(r.root.span.start as usize..r.root.span.end as usize)
    }
    let old_file = base.workspace.files.get(old.file as usize);
    matches!((text(file, res), text(old_file, old)), (Some(a), Some(b)) if a == b)
}

/// The routes of `vs` whose weights the repository sets (no controller rewrites them), each
/// with its split now and at the base revision (`old`, seen through the baseline's
/// `old_index`). Routes without a counterpart, or whose split cannot be told, are left out.
pub(crate) fn split_changes<'n, 'o>(
    index: &Index,
    old_index: &Index,
    vs: &VirtualService<'n>,
    old: &VirtualService<'o>,
) -> Vec<(Route<'n>, Split<'n>, Split<'o>)> {
    pair_routes(vs, old)
        .into_iter()
        .filter(|(route, _)| !index.is_managed(vs, route))
        .filter_map(|(route, old_route)| {
            Some((
                route,
                split(index, vs, route)?,
                split(old_index, old, old_route)?,
            ))
        })
        .collect()
}

/// Each current route with the same route at the base revision: routes of one protocol
/// are matched by `name`, then the rest by their position among the routes whose `match`
/// blocks are equal. A route with no counterpart (new, or its match changed) is left out.
pub(crate) fn pair_routes<'n, 'o>(
    new: &VirtualService<'n>,
    old: &VirtualService<'o>,
) -> Vec<(Route<'n>, Route<'o>)> {
    let mut out = Vec::new();
    for p in Protocol::ALL {
        let (news, olds) = (new.routes_of(p), old.routes_of(p));
        // Old routes by name and by match, in order, so that thousands of routes are paired
        // without comparing all pairs.
        let mut old_by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
        for (i, o) in olds.iter().enumerate() {
            if let Some(name) = o.name() {
                old_by_name.entry(name).or_default().push_back(i);
            }
        }
        let mut old_taken = vec![false; olds.len()];
        let mut new_left = Vec::new();
        for n in &news {
            let by_name = n
                .name()
                .and_then(|name| old_by_name.get_mut(name)?.pop_front());
            match by_name.and_then(|i| Some((i, olds.get(i)?))) {
                Some((i, o)) => {
                    old_taken[i] = true;
                    out.push((*n, *o));
                }
                None => new_left.push(*n),
            }
        }
        // Old routes whose name a current route still uses were matched, or moved on.
        let new_names: HashSet<&str> = news.iter().filter_map(Route::name).collect();
        let mut old_by_match: HashMap<String, VecDeque<&Route<'o>>> = HashMap::new();
        for (i, o) in olds.iter().enumerate() {
            if !old_taken[i] && !o.name().is_some_and(|name| new_names.contains(name)) {
                old_by_match.entry(match_key(o)).or_default().push_back(o);
            }
        }
        for n in new_left {
            if let Some(o) = old_by_match
                .get_mut(&match_key(&n))
                .and_then(VecDeque::pop_front)
            {
                out.push((n, *o));
            }
        }
    }
    out
}

/// A route's `match` as canonical text (mapping keys sorted), so that equal matches
/// compare equal however they are written.
fn match_key(route: &Route<'_>) -> String {
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
        let (Some(nv), Some(ov)) = (
            VirtualService::view(&n.index.resources[0]),
            VirtualService::view(&o.index.resources[0]),
        ) else {
            panic!("no VirtualService");
        };
        let mut p: Vec<(usize, usize)> = pair_routes(&nv, &ov)
            .iter()
            .map(|(a, b)| (a.index, b.index))
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
}
