//! `parent-not-found`: see rules/parent-not-found.md.

use crate::model::gateway_api::GatewayRoute;
use crate::model::gateway_refs::{
    hostnames, listeners, parent_refs, AllowedFrom, Listener, ParentKind, ParentRef,
};
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::model::spanned::Location;
use crate::rules::{Context, Rule};
use crate::text::{all_closest, did_you_mean, join_and};

declare_rule!(ParentNotFound, kinds: [Kind::HttpRoute, Kind::GrpcRoute]);

/// How many names a message lists before it counts the rest.
const SHOWN: usize = 4;

impl Rule for ParentNotFound {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(route) = GatewayRoute::view(res) else {
            return;
        };
        for parent in parent_refs(&route) {
            let kind = match parent.kind {
                ParentKind::Gateway => Kind::KubernetesGateway,
                ParentKind::Service => Kind::Service,
                ParentKind::Other => continue,
            };
            let index = cx.index();
            if index
                .get(kind, parent.namespace, parent.name.value)
                .is_none()
            {
                not_defined(res, &parent, kind, cx);
                continue;
            }
            if parent.kind != ParentKind::Gateway {
                continue;
            }
            let Some(gateway) = index.referenced(
                Kind::KubernetesGateway,
                parent.namespace,
                parent.name.value,
                res,
            ) else {
                continue;
            };
            // The Gateway must certainly be the one the route meets: written or applied with
            // it, or both namespaces stated (a scope of several repositories may hold a
            // Gateway of the same name in `default` that the route never meets).
            let stated = |r: &Resource| r.namespace_source != NamespaceSource::Default;
            if !(near(index, gateway, res)
                || (stated(gateway) && (parent.namespace_written || stated(res))))
            {
                continue;
            }
            check_attachment(res, &route, &parent, gateway, cx);
        }
    }
}

/// Written with the route (its file, or its directory with stated namespaces) or applied with
/// it (one kustomization).
fn near(index: &Index, a: &Resource, route: &Resource) -> bool {
    index.written_together(a, route) || index.applied_together(a, route)
}

/// Names in backticks, sorted and without repeats: at most [`SHOWN`], then a count.
fn listed<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let total = names.len();
    names.truncate(SHOWN);
    let mut items: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    if total > SHOWN {
        items.push(format!("{} more", total - SHOWN));
    }
    join_and(&items)
}

fn not_defined(res: &Resource, parent: &ParentRef<'_>, kind: Kind, cx: &mut Context<'_>) {
    let index = cx.index();
    let (ns, name) = (parent.namespace, parent.name.value);
    // A manifest without a namespace lands wherever it is applied: a parent of that name
    // defined anywhere may be the one it meets.
    if !parent.namespace_written
        && res.namespace_source == NamespaceSource::Default
        && index.of_kind(kind).any(|r| r.name == name)
    {
        return;
    }
    // The scope rule: only where the repository writes that namespace's Gateways (or
    // Services) with the route; elsewhere they come from a platform repository, a Helm chart
    // or an operator.
    if !index.has_kind_in(kind, ns) {
        return;
    }
    let defined: Vec<&Resource> = index
        .in_namespace(kind, ns)
        .filter(|r| near(index, r, res))
        .collect();
    if defined.is_empty() {
        return;
    }
    let names: Vec<&str> = defined.iter().map(|r| r.name.as_str()).collect();
    let guess = did_you_mean(name, names.iter().copied());
    let elsewhere: Vec<&Resource> = index
        .of_kind(kind)
        .filter(|r| r.name == name && r.namespace != ns && near(index, r, res))
        .collect();
    let (what, consequence) = match parent.kind {
        ParentKind::Service => ("Service", "so this mesh route applies to no Service"),
        _ => (
            "Gateway",
            "so the route is attached to no Gateway through it",
        ),
    };
    let help = match (guess, elsewhere.as_slice()) {
        (Some(g), _) => format!("{g} Otherwise define {what} `{name}` in namespace `{ns}`"),
        (None, [r, ..]) => format!(
            "{what} `{name}` is defined in namespace `{}` ({}): set the parentRef's `namespace` to it",
            r.namespace,
            cx.location(r.name_location())
        ),
        (None, []) => format!("define {what} `{name}` in namespace `{ns}`, or name one that exists"),
    };
    cx.report_with_help(
        parent.name,
        format!(
            "parentRef names {what} `{ns}/{name}`, which is not defined; the namespace defines {} here, {consequence}",
            listed(names.iter().copied())
        ),
        help,
    );
    // The parents it may have meant: a change to them (a rename) caused the finding.
    let meant = all_closest(name, names.iter().copied());
    cx.relate(
        defined
            .iter()
            .copied()
            .filter(|r| meant.contains(&r.name.as_str()))
            .chain(elsewhere.iter().copied()),
    );
}

/// Whether the Gateway accepts the route through this parentRef: a listener chosen by
/// `sectionName` and `port` that admits the route's namespace and kind and shares a hostname
/// with it (the CRD's `ParentReference.sectionName` and `.port`: the route attaches when at
/// least one selected listener accepts it).
fn check_attachment(
    res: &Resource,
    route: &GatewayRoute<'_>,
    parent: &ParentRef<'_>,
    gateway: &Resource,
    cx: &mut Context<'_>,
) {
    let all = listeners(gateway);
    if all.is_empty() {
        return;
    }
    let gw = format!("Gateway `{}/{}`", gateway.namespace, gateway.name);
    let mut selected: Vec<&Listener<'_>> = all.iter().collect();
    if let Some(section) = parent.section_name {
        // A listener whose name cannot be read may be this one.
        if all.iter().any(|l| l.templated || l.name.is_none()) {
            return;
        }
        selected.retain(|l| l.name == Some(section.value));
        if selected.is_empty() {
            let names: Vec<&str> = all.iter().filter_map(|l| l.name).collect();
            let help = did_you_mean(section.value, names.iter().copied()).unwrap_or_else(|| {
                format!(
                    "name one of {gw}'s listeners, or add a listener `{}` to it",
                    section.value
                )
            });
            cx.report_with_help(
                section,
                format!(
                    "`sectionName` `{}` names no listener of {gw} (its listeners: {}), so the route is not attached to it",
                    section.value,
                    listed(names.iter().copied())
                ),
                help,
            );
            cx.relate([gateway]);
            return;
        }
    }
    if let Some(port) = parent.port {
        if selected.iter().any(|l| l.templated || l.port.is_none()) {
            return;
        }
        let mut numbers: Vec<i64> = selected.iter().filter_map(|l| l.port).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let ports: Vec<String> = numbers.iter().map(i64::to_string).collect();
        selected.retain(|l| l.port == Some(port.value));
        if selected.is_empty() {
            let of = match parent.section_name {
                Some(s) => format!(
                    "listener `{}` of {gw} listens on port {}",
                    s.value,
                    join_and(&ports)
                ),
                None => format!("the listeners of {gw} listen on ports {}", join_and(&ports)),
            };
            cx.report_with_help(
                port,
                format!(
                    "`port` {} matches no listener: {of}, so the route is not attached to it",
                    port.value
                ),
                "set `port` to a listener's port, or leave it out to attach to every listener",
            );
            cx.relate([gateway]);
            return;
        }
    }
    if selected.iter().any(|l| l.templated) {
        return;
    }
    let scope = |ls: &[&Listener<'_>]| match (ls, ls.first().and_then(|l| l.name)) {
        ([_], Some(n)) => format!("listener `{n}`"),
        _ => format!("its listeners {}", listed(ls.iter().filter_map(|l| l.name))),
    };
    // Routes of other namespaces: `allowedRoutes.namespaces.from` defaults to `Same`. The
    // route's namespace must be certain; `Selector` depends on namespace labels, taken to
    // allow.
    // Both namespaces must be certain: a manifest without one lands where it is applied.
    if res.namespace_source != NamespaceSource::Default
        && gateway.namespace_source != NamespaceSource::Default
    {
        let by_ns: Vec<&Listener<'_>> = selected
            .iter()
            .copied()
            .filter(|l| l.allows_namespace(&res.namespace, &gateway.namespace))
            .collect();
        if by_ns.is_empty() {
            let at = parent
                .node
                .get("namespace")
                .map_or(parent.name.span, |n| Location::of(res.file, n));
            cx.report_with_help(
                at,
                format!(
                    "{gw} admits only routes of its own namespace through {} (`allowedRoutes.namespaces.from` is `Same`{}), so this {} of namespace `{}` is not attached to it",
                    scope(&selected),
                    if selected.iter().all(|l| l.from == AllowedFrom::Same && l.node.get("allowedRoutes").and_then(|a| a.get("namespaces")).is_none()) { ", the default" } else { "" },
                    res.kind,
                    res.namespace
                ),
                format!(
                    "set `allowedRoutes.namespaces.from: All` (or a `Selector` that selects `{}`) on a listener of {gw}",
                    res.namespace
                ),
            );
            cx.relate([gateway]);
            return;
        }
        selected = by_ns;
    }
    let by_kind: Vec<&Listener<'_>> = selected
        .iter()
        .copied()
        .filter(|l| l.allows_kind(res.kind))
        .collect();
    if by_kind.is_empty() {
        let kinds: Vec<&str> = selected
            .iter()
            .flat_map(|l| l.kinds.iter().map(|&(_, k)| k))
            .collect();
        cx.report_with_help(
            parent.name,
            format!(
                "{gw} admits only {} through {} (`allowedRoutes.kinds`), so this {} is not attached to it",
                listed(kinds.iter().copied()),
                scope(&selected),
                res.kind
            ),
            format!("add kind `{}` to a listener's `allowedRoutes.kinds`", res.kind),
        );
        cx.relate([gateway]);
        return;
    }
    let Some(hosts) = hostnames(route) else {
        return;
    };
    if hosts.is_empty() || by_kind.iter().any(|l| l.accepts_hostnames(&hosts)) {
        return;
    }
    let names: Vec<&str> = hosts.iter().map(|h| h.value.as_str()).collect();
    let listener_hosts: Vec<&str> = by_kind
        .iter()
        .filter_map(|l| l.hostname.as_deref())
        .collect();
    let at = hosts[0].span;
    cx.report_with_help(
        at,
        format!(
            "no hostname of the route ({}) matches a hostname of {} of {gw} ({}), so the Gateway does not accept the route",
            listed(names.iter().copied()),
            scope(&by_kind),
            listed(listener_hosts.iter().copied())
        ),
        "add a hostname the listener accepts (`*.example.com` matches one or more labels before `.example.com`), or change the listener's `hostname`",
    );
    cx.relate([gateway]);
}
