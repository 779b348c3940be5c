//! What a Gateway API route refers to: the Services of its `backendRefs`, the parents of its
//! `parentRefs` (Gateways, or Services for a mesh route), and what decides whether a
//! Gateway's listener accepts the route (its name, port, hostname and `allowedRoutes`), and
//! the ReferenceGrants that let a route refer to a Service of another namespace.
//!
//! Facts are from the standard CRDs (v1.6.1): `HTTPRoute.spec.parentRefs[]`,
//! `HTTPRoute.spec.hostnames`, `HTTPBackendRef`, `Gateway.spec.listeners[]` and
//! `ReferenceGrant.spec`.

use crate::model::gateway_api::{Backend, GatewayRoute};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::spanned::Spanned;
use crate::yaml::Node;

/// The API group of the Gateway API kinds.
pub(crate) const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// A string field of a reference, with its node.
fn field<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|n| n.as_str().is_some())
}

/// A `backendRefs` entry that names a core Service.
pub(crate) struct ServiceRef<'a> {
    pub(crate) name: Spanned<&'a str>,
    /// The namespace it refers to: its `namespace`, else the route's.
    pub(crate) namespace: &'a str,
    /// The `namespace` node, when it is written.
    pub(crate) namespace_node: Option<Spanned<&'a str>>,
}

/// The Service a backend refers to; `None` for another kind of backend (`group` and `kind`
/// default to the core group and `Service`: an InferencePool or a ServiceImport is not a
/// Service) and for a templated or missing name.
pub(crate) fn service_ref<'a>(
    route: &'a Resource,
    backend: &Backend<'a>,
) -> Option<ServiceRef<'a>> {
    let group = backend
        .node
        .get("group")
        .and_then(Node::as_str)
        .unwrap_or("");
    let kind = backend
        .node
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or("Service");
    if !(group.is_empty() || group == "core") || kind != "Service" {
        return None;
    }
    let name_node = field(backend.node, "name")?;
    let name = name_node.as_str()?;
    let namespace_node = field(backend.node, "namespace")
        .map(|n| Spanned::of(backend.file, n, n.as_str().unwrap_or("")));
    let namespace = namespace_node.map_or(route.namespace.as_str(), |n| n.value);
    if is_templated(name) || is_templated(namespace) || name.is_empty() || namespace.is_empty() {
        return None;
    }
    Some(ServiceRef {
        name: Spanned::of(backend.file, name_node, name),
        namespace,
        namespace_node,
    })
}

/// What a `parentRefs` entry refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParentKind {
    /// A Gateway API Gateway (the default).
    Gateway,
    /// A core Service: a mesh (GAMMA) route.
    Service,
    /// Anything else (a ListenerSet, an implementation's own kind): not checked.
    Other,
}

/// An entry of a route's `parentRefs`.
pub(crate) struct ParentRef<'a> {
    pub(crate) node: &'a Node,
    pub(crate) kind: ParentKind,
    pub(crate) name: Spanned<&'a str>,
    /// Its `namespace`, else the route's.
    pub(crate) namespace: &'a str,
    pub(crate) namespace_written: bool,
    pub(crate) section_name: Option<Spanned<&'a str>>,
    pub(crate) port: Option<Spanned<i64>>,
}

/// The route's `parentRefs` whose name (and namespace, section) can be read; templated
/// ones are left out.
pub(crate) fn parent_refs<'a>(route: &GatewayRoute<'a>) -> Vec<ParentRef<'a>> {
    let file = route.res.file;
    let mut out = Vec::new();
    for node in route.spec.get("parentRefs").map_or(&[][..], Node::items) {
        // `group` defaults to gateway.networking.k8s.io and `kind` to Gateway; the core group
        // must be written as "" (the CRD's `ParentReference.group`).
        let group = node
            .get("group")
            .and_then(Node::as_str)
            .unwrap_or(GATEWAY_GROUP);
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or("Gateway");
        let kind = match (group, kind) {
            (GATEWAY_GROUP, "Gateway") => ParentKind::Gateway,
            ("" | "core", "Service") => ParentKind::Service,
            _ => ParentKind::Other,
        };
        let Some(name_node) = field(node, "name") else {
            continue;
        };
        let Some(name) = name_node.as_str() else {
            continue;
        };
        let ns_node = field(node, "namespace");
        let namespace = ns_node
            .and_then(Node::as_str)
            .unwrap_or(route.res.namespace.as_str());
        let section_name =
            field(node, "sectionName").and_then(|n| Some(Spanned::of(file, n, n.as_str()?)));
        if is_templated(name)
            || is_templated(namespace)
            || section_name.is_some_and(|s| is_templated(s.value))
            || name.is_empty()
        {
            continue;
        }
        let port = node
            .get("port")
            .and_then(|n| Some(Spanned::of(file, n, n.as_scalar()?.as_int()?)));
        out.push(ParentRef {
            node,
            kind,
            name: Spanned::of(file, name_node, name),
            namespace,
            namespace_written: ns_node.is_some(),
            section_name,
            port,
        });
    }
    out
}

/// The route's `spec.hostnames`, lowercased as DNS names compare; `None` when one cannot be
/// read (templated), so that no conclusion is drawn from them.
pub(crate) fn hostnames<'a>(route: &GatewayRoute<'a>) -> Option<Vec<Spanned<String>>> {
    let file = route.res.file;
    let mut out = Vec::new();
    for n in route.spec.get("hostnames").map_or(&[][..], Node::items) {
        let h = n.as_str()?;
        if is_templated(h) {
            return None;
        }
        out.push(Spanned::of(file, n, h.trim().to_ascii_lowercase()));
    }
    Some(out)
}

/// `listener.allowedRoutes.namespaces.from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AllowedFrom {
    /// Only routes of the Gateway's namespace: the default.
    Same,
    All,
    /// Namespaces by label, which the repository cannot tell: treated as allowing.
    Selector,
    /// Something unreadable or unknown: treated as allowing.
    Unknown,
}

/// An entry of a Gateway API Gateway's `spec.listeners`.
pub(crate) struct Listener<'a> {
    pub(crate) node: &'a Node,
    pub(crate) name: Option<&'a str>,
    pub(crate) port: Option<i64>,
    /// Lowercased; `None` accepts every hostname.
    pub(crate) hostname: Option<String>,
    pub(crate) from: AllowedFrom,
    /// `allowedRoutes.kinds` as (group, kind); empty when unset (the protocol decides).
    pub(crate) kinds: Vec<(&'a str, &'a str)>,
    /// Some part of the listener is templated: it is taken to accept anything.
    pub(crate) templated: bool,
}

impl Listener<'_> {
    /// Whether a route of `kind` from `route_ns` may attach, by `allowedRoutes`, to this
    /// listener of a Gateway of `gateway_ns`.
    pub(crate) fn allows_namespace(&self, route_ns: &str, gateway_ns: &str) -> bool {
        self.templated || self.from != AllowedFrom::Same || route_ns == gateway_ns
    }

    /// Whether `allowedRoutes.kinds` admits a route of `kind` (unset admits by protocol,
    /// which is not judged here).
    pub(crate) fn allows_kind(&self, kind: Kind) -> bool {
        self.templated
            || self.kinds.is_empty()
            || self
                .kinds
                .iter()
                .any(|&(g, k)| g == GATEWAY_GROUP && k == kind.name())
    }

    /// Whether the listener accepts some hostname of the route (a route without hostnames
    /// and a listener without one accept all).
    pub(crate) fn accepts_hostnames(&self, route_hosts: &[Spanned<String>]) -> bool {
        match &self.hostname {
            _ if self.templated || route_hosts.is_empty() => true,
            None => true,
            Some(l) => route_hosts.iter().any(|h| hostnames_intersect(l, &h.value)),
        }
    }
}

/// The listeners of a Gateway API Gateway.
pub(crate) fn listeners(gateway: &Resource) -> Vec<Listener<'_>> {
    let Some(spec) = gateway.spec() else {
        return Vec::new();
    };
    spec.get("listeners")
        .map_or(&[][..], Node::items)
        .iter()
        .map(listener)
        .collect()
}

fn listener(node: &Node) -> Listener<'_> {
    let mut templated = false;
    let mut text = |key: &str| {
        let v = node.get(key).and_then(Node::as_str);
        templated |= v.is_some_and(is_templated);
        v
    };
    let name = text("name");
    let hostname = text("hostname").map(|h| h.trim().to_ascii_lowercase());
    let port_node = node.get("port");
    let port = port_node.and_then(Node::as_scalar).and_then(|s| s.as_int());
    templated |= port_node.is_some_and(|n| !n.is_null()) && port.is_none();
    let allowed = node.get("allowedRoutes");
    // `allowedRoutes` defaults to `namespaces: {from: Same}` (the CRD's defaults).
    let from = match allowed
        .and_then(|a| a.path(&["namespaces", "from"]))
        .map(|n| n.as_str())
    {
        None => AllowedFrom::Same,
        Some(Some("Same")) => AllowedFrom::Same,
        Some(Some("All")) => AllowedFrom::All,
        Some(Some("Selector")) => AllowedFrom::Selector,
        Some(None) => AllowedFrom::Same,
        Some(Some(_)) => AllowedFrom::Unknown,
    };
    let mut kinds = Vec::new();
    for k in allowed
        .and_then(|a| a.get("kinds"))
        .map_or(&[][..], Node::items)
    {
        let Some(kind) = k.get("kind").and_then(Node::as_str) else {
            templated = true;
            continue;
        };
        // `group` defaults to gateway.networking.k8s.io (RouteGroupKind.group).
        let group = k
            .get("group")
            .and_then(Node::as_str)
            .unwrap_or(GATEWAY_GROUP);
        templated |= is_templated(kind) || is_templated(group);
        kinds.push((group, kind));
    }
    templated |= allowed.is_some_and(|a| a.as_map().is_none() && !a.is_null());
    Listener {
        node,
        name,
        port,
        hostname,
        from,
        kinds,
        templated,
    }
}

/// Whether a listener hostname and a route hostname have a host in common. A `*.` prefix is
/// a suffix match over one or more labels: `*.example.com` matches `test.example.com` and
/// `foo.test.example.com`, not `example.com` (the CRD's `HTTPRoute.spec.hostnames` and
/// `Listener.hostname`).
pub(crate) fn hostnames_intersect(a: &str, b: &str) -> bool {
    // `*.example.com` covers `x` when `x` ends with `.example.com` and has a label before it.
    let covers = |suffix: &str, x: &str| {
        x.strip_suffix(suffix)
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|rest| !rest.is_empty())
    };
    match (a.strip_prefix("*."), b.strip_prefix("*.")) {
        (None, None) => a == b,
        (Some(s), None) => covers(s, b),
        (None, Some(s)) => covers(s, a),
        // Two wildcards share hosts when one suffix is the other or lies under it.
        (Some(x), Some(y)) => x == y || covers(x, y) || covers(y, x),
    }
}

/// Whether a ReferenceGrant lets a route of `route_kind` in `from_ns` refer to the Service
/// `name` of the grant's namespace: some `from` entry names the Gateway API group, the
/// route's kind and its namespace, and some `to` entry the core group, kind `Service`, and
/// no name or this one (the CRD's `ReferenceGrant.spec.from` and `.to`). `None` when the
/// grant cannot be read (templated).
pub(crate) fn grant_allows<'r>(
    grant: &'r Resource,
    route_kind: Kind,
    from_ns: &str,
    name: &str,
) -> Option<bool> {
    let spec = grant.spec()?;
    let mut templated = false;
    let mut text = |n: &'r Node, key: &str| -> Option<&'r str> {
        let v = n.get(key).and_then(Node::as_str);
        templated |= v.is_some_and(is_templated);
        v
    };
    let from = spec
        .get("from")
        .map_or(&[][..], Node::items)
        .iter()
        .filter(|f| {
            text(f, "group") == Some(GATEWAY_GROUP)
                && text(f, "kind") == Some(route_kind.name())
                && text(f, "namespace") == Some(from_ns)
        })
        .count()
        > 0;
    let to = spec
        .get("to")
        .map_or(&[][..], Node::items)
        .iter()
        .filter(|t| {
            matches!(text(t, "group"), Some("" | "core") | None)
                && text(t, "kind") == Some("Service")
                && text(t, "name").is_none_or(|n| n.is_empty() || n == name)
        })
        .count()
        > 0;
    if templated {
        return None;
    }
    Some(from && to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_hostnames_match_one_label_or_more() {
        assert!(hostnames_intersect("*.example.com", "test.example.com"));
        assert!(hostnames_intersect("*.example.com", "foo.test.example.com"));
        assert!(!hostnames_intersect("*.example.com", "example.com"));
        assert!(!hostnames_intersect("*.example.com", "test.example.net"));
        assert!(hostnames_intersect("test.example.com", "*.example.com"));
        assert!(hostnames_intersect("test.example.com", "test.example.com"));
        assert!(!hostnames_intersect("a.example.com", "b.example.com"));
        // Two wildcards share hosts when one lies under the other.
        assert!(hostnames_intersect("*.example.com", "*.example.com"));
        assert!(hostnames_intersect("*.example.com", "*.eu.example.com"));
        assert!(hostnames_intersect("*.eu.example.com", "*.example.com"));
        assert!(!hostnames_intersect("*.example.com", "*.example.net"));
        // A label boundary: `badexample.com` is not under `example.com`.
        assert!(!hostnames_intersect("*.example.com", "x.badexample.com"));
    }
}
