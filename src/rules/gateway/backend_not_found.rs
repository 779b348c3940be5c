//! `backend-not-found`: see rules/backend-not-found.md.

use crate::model::gateway_api::{Backend, GatewayRoute, RouteRule};
use crate::model::gateway_refs::{grant_allows, service_ref, ServiceRef};
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::model::split;
use crate::rules::{Context, Rule};
use crate::text::closest;

declare_rule!(BackendNotFound, kinds: [Kind::HttpRoute, Kind::GrpcRoute]);

/// How many names a message lists before it counts the rest.
const SHOWN: usize = 3;

impl Rule for BackendNotFound {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(route) = GatewayRoute::view(res) else {
            return;
        };
        for rule in route.rules() {
            let backends = rule.backends();
            for (i, backend) in backends.iter().enumerate() {
                let Some(svc) = service_ref(res, backend) else {
                    continue;
                };
                let consequence = consequence(&rule, &backends, i);
                let index = cx.index();
                if index
                    .get(Kind::Service, svc.namespace, svc.name.value)
                    .is_none()
                {
                    missing_service(res, &rule, backend, &svc, &consequence, cx);
                } else if svc.namespace != res.namespace {
                    missing_grant(res, &rule, backend, &svc, &consequence, cx);
                }
            }
        }
    }
}

/// "so requests to it (30% of the rule's) get 500 responses": an invalid backendRef's share of
/// the rule's requests gets HTTP 500 (the CRD's `HTTPRouteRule.backendRefs`: "the proportion
/// of requests that would otherwise have been routed to an invalid backend MUST receive a 500
/// status code").
fn consequence(rule: &RouteRule<'_>, backends: &[Backend<'_>], i: usize) -> String {
    let weights: Option<Vec<i64>> = backends.iter().map(Backend::effective_weight).collect();
    let share = weights
        .filter(|w| w.iter().sum::<i64>() > 0)
        .and_then(|w| split::shares(&w).get(i).copied());
    match share {
        Some(s) if backends.len() > 1 => format!(
            "so its share of {}'s requests ({}) gets 500 responses",
            rule.label(),
            split::percent(s)
        ),
        Some(_) => format!("so {}'s requests get 500 responses", rule.label()),
        None => format!(
            "so its share of {}'s requests gets 500 responses",
            rule.label()
        ),
    }
}

/// Names in backticks, sorted and without repeats: at most [`SHOWN`], then a count.
fn listed<'r>(resources: impl IntoIterator<Item = &'r Resource>) -> String {
    let mut names: Vec<&str> = resources.into_iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let total = names.len();
    names.truncate(SHOWN);
    let mut items: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    if total > SHOWN {
        items.push(format!("{} more", total - SHOWN));
    }
    crate::text::join_and(&items)
}

/// The Services of `namespace` written together with the route (its file, or its directory
/// when both state their namespace) or applied with it (one kustomization): the scope rule.
fn services_near<'i>(index: &'i Index, route: &Resource, namespace: &str) -> Vec<&'i Resource> {
    index
        .in_namespace(Kind::Service, namespace)
        .filter(|s| index.written_together(s, route) || index.applied_together(s, route))
        .collect()
}

fn missing_service(
    res: &Resource,
    rule: &RouteRule<'_>,
    backend: &Backend<'_>,
    svc: &ServiceRef<'_>,
    consequence: &str,
    cx: &mut Context<'_>,
) {
    let index = cx.index();
    let (ns, name) = (svc.namespace, svc.name.value);
    // A manifest without a namespace lands wherever it is applied: a Service of that name
    // defined anywhere may be the one it meets.
    if svc.namespace_node.is_none()
        && res.namespace_source == NamespaceSource::Default
        && index.of_kind(Kind::Service).any(|s| s.name == name)
    {
        return;
    }
    // The scope rule: only where the Services of that namespace are written or applied with
    // the route, so this one would be too; otherwise it may come from a Helm chart, an
    // operator, another base (kustomize renames Services) or another repository.
    if !index.has_kind_in(Kind::Service, ns) {
        return;
    }
    let near = services_near(index, res, ns);
    if near.is_empty() {
        return;
    }
    let guess = closest(name, near.iter().map(|s| s.name.as_str()))
        .and_then(|n| near.iter().find(|s| s.name == n).copied());
    // Defined in another namespace, under this name: the namespace may be what is wrong.
    let elsewhere: Vec<&Resource> = index
        .of_kind(Kind::Service)
        .filter(|s| s.name == name && s.namespace != ns)
        .filter(|s| index.written_together(s, res) || index.applied_together(s, res))
        .collect();
    let help = match (guess, elsewhere.as_slice()) {
        (Some(s), _) => format!(
            "did you mean Service `{}` ({})? Otherwise define Service `{name}` in namespace `{ns}`",
            s.name,
            cx.location(s.name_location())
        ),
        (None, [s, ..]) => format!(
            "Service `{name}` is defined in namespace `{}` ({}): set the backend's `namespace` to it",
            s.namespace,
            cx.location(s.name_location())
        ),
        (None, []) => format!(
            "define Service `{name}` in namespace `{ns}`, or name a Service that exists"
        ),
    };
    cx.report_with_help(
        svc.name,
        format!(
            "backend `{}` of {}: Service `{ns}/{name}` is not defined; the namespace defines {} here, {consequence}",
            backend.label(),
            rule.label(),
            listed(near.iter().copied()),
        ),
        help,
    );
    cx.relate(guess.into_iter().chain(elsewhere.iter().copied()));
}

fn missing_grant(
    res: &Resource,
    rule: &RouteRule<'_>,
    backend: &Backend<'_>,
    svc: &ServiceRef<'_>,
    consequence: &str,
    cx: &mut Context<'_>,
) {
    let index = cx.index();
    let (ns, name) = (svc.namespace, svc.name.value);
    let Some(ns_node) = svc.namespace_node else {
        return;
    };
    // The grant must name the route's namespace, which is only a guess without one.
    if res.namespace_source == NamespaceSource::Default {
        return;
    }
    let Some(service) = index.referenced(Kind::Service, ns, name, res) else {
        return;
    };
    let grants: Vec<&Resource> = index.in_namespace(Kind::ReferenceGrant, ns).collect();
    // An unreadable (templated) grant may allow it.
    if grants
        .iter()
        .any(|g| grant_allows(g, res.kind, &res.namespace, name) != Some(false))
    {
        return;
    }
    // The scope rule: the repository writes the Service, or a grant of its namespace, with
    // the route (one file, one directory with stated namespaces, or one kustomization), so
    // the grant that allows the reference would be written here too. A Service defined far
    // from the route may have its grants managed elsewhere (a platform repository).
    let near = |r: &Resource| index.written_together(r, res) || index.applied_together(r, res);
    if !(near(service) || grants.iter().any(|g| near(g))) {
        return;
    }
    let defined = if grants.is_empty() {
        format!("namespace `{ns}` has no ReferenceGrant")
    } else {
        format!(
            "the ReferenceGrants of namespace `{ns}` ({}) allow no {} of namespace `{}` to refer to it",
            listed(grants.iter().copied()),
            res.kind,
            res.namespace
        )
    };
    cx.report_with_help(
        ns_node,
        format!(
            "backend `{}` of {} refers to Service `{ns}/{name}` of another namespace, and {defined}: the reference is not permitted, {consequence}",
            backend.label(),
            rule.label(),
        ),
        format!(
            "add a ReferenceGrant in namespace `{ns}` with `from` group `gateway.networking.k8s.io`, kind `{}`, namespace `{}` and `to` group `\"\"`, kind `Service`{}",
            res.kind,
            res.namespace,
            format_args!(" (name `{name}` or none)")
        ),
    );
    cx.relate(std::iter::once(service).chain(grants.iter().copied()));
}
