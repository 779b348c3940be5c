//! Traffic splits: each leg's share of a route's traffic as the data plane applies the
//! weights, and which leg is the canary. A route is an Istio VirtualService route or a
//! Gateway API route rule; a leg is a destination of the one or a backend of the other.

use crate::model::gateway_api::{Backend, GatewayRoute, RouteRule};
use crate::model::host;
use crate::model::index::Index;
use crate::model::istio::{Destination, Route, VirtualService, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::roles::split_roles;
use crate::model::spanned::Location;
use crate::yaml::Node;

/// Each destination's share of the route's traffic, in percent, as Istio applies the
/// weights: relative to their sum (Istio 1.15 and later accept sums other than 100).
pub(crate) fn shares(weights: &[i64]) -> Vec<f64> {
    let sum: i64 = weights.iter().sum();
    weights
        .iter()
        .map(|&w| {
            if sum > 0 {
                w as f64 * 100.0 / sum as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// A share, for messages: `90%`, `12.5%`.
pub(crate) fn percent(p: f64) -> String {
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// Points, for messages: `89`, `12.5`.
pub(crate) fn points(p: f64) -> String {
    percent(p).trim_end_matches('%').to_string()
}

/// The effective weight of every destination, when all are known integers.
pub(crate) fn known_weights(dests: &[Destination<'_>]) -> Option<Vec<i64>> {
    dests.iter().map(|d| d.weight().effective()).collect()
}

/// A leg as the data plane sees it: the resolved host and the subset. A Gateway API
/// Service backend is its Service's full name (`web.shop.svc.cluster.local`, as Istio
/// resolves a short host) and no subset; its `port` is left out, as another port of one
/// Service reaches the same pods, the same version.
pub(crate) type DestKey = (String, Option<String>);

/// One way a route sends traffic: an Istio destination or a Gateway API backend.
pub(crate) enum Leg<'a> {
    Istio(Destination<'a>),
    Gateway(Backend<'a>),
}

impl<'a> Leg<'a> {
    /// A short name for messages: the subset or host; the backend's name (with its
    /// namespace when it sets one).
    pub(crate) fn label(&self) -> String {
        match self {
            Leg::Istio(d) => d.label(),
            Leg::Gateway(b) => b.label(),
        }
    }

    pub(crate) fn weight(&self) -> Weight<'a> {
        match self {
            Leg::Istio(d) => d.weight(),
            Leg::Gateway(b) => b.weight(),
        }
    }

    /// The weight the data plane applies, when it can be told: an omitted one is 0 for
    /// Istio (beside other destinations) and 1 for the Gateway API (the CRDs'
    /// `backendRefs[].weight`: "If unspecified, weight defaults to 1").
    pub(crate) fn effective_weight(&self) -> Option<i64> {
        match self {
            Leg::Istio(d) => d.weight().effective(),
            Leg::Gateway(b) => b.effective_weight(),
        }
    }

    /// Where findings about the leg point: its weight when written, else what it names.
    pub(crate) fn span(&self) -> Location {
        match self {
            Leg::Istio(d) => d.span(),
            Leg::Gateway(b) => match b.weight() {
                Weight::Value(v) => v.span,
                _ => b.span(),
            },
        }
    }

    /// Where findings about what the leg reaches point: the subset, else the host; the
    /// backend's name.
    pub(crate) fn target_span(&self) -> Location {
        match self {
            Leg::Istio(d) => d
                .subset_field()
                .or(d.host_field())
                .map_or(d.span(), |f| f.span),
            Leg::Gateway(b) => b.span(),
        }
    }

    /// The Gateway API backend, for shares written the Gateway API way.
    fn backend(&self) -> Option<Backend<'a>> {
        match self {
            Leg::Gateway(b) => Some(Backend {
                node: b.node,
                file: b.file,
            }),
            Leg::Istio(_) => None,
        }
    }
}

/// The Service a Gateway API backend names, as (namespace, name): `None` for a backend of
/// another kind (an InferencePool, a ServiceImport) or one whose name cannot be read. The
/// group defaults to the core group and the kind to `Service`, the namespace to the
/// route's (the CRDs' `BackendRef` `group`, `kind` and `namespace`).
pub(crate) fn backend_service<'a>(
    b: &Backend<'a>,
    route_ns: &'a str,
) -> Option<(&'a str, &'a str)> {
    if !b.is_service() {
        return None;
    }
    let field = |k: &str| b.node.get(k).filter(|n| !n.is_null());
    let ns = field("namespace").map_or(Some(route_ns), Node::as_str)?;
    let name = b.name()?;
    (!is_templated(ns) && !is_templated(name)).then_some((ns, name))
}

/// What a Gateway API backend reaches, comparable across routes and revisions: a Service
/// as Istio resolves a host, anything else by group, kind, namespace and name.
fn backend_key(b: &Backend<'_>, route_ns: &str) -> Option<DestKey> {
    if let Some((ns, name)) = backend_service(b, route_ns) {
        return Some((host::resolve(name, ns), None));
    }
    let text = |k: &str| b.node.get(k).and_then(Node::as_str).unwrap_or("");
    let ns = b
        .node
        .get("namespace")
        .and_then(Node::as_str)
        .unwrap_or(route_ns);
    let name = b.name().filter(|n| !is_templated(n) && !is_templated(ns))?;
    Some((
        format!("{}.{}:{ns}/{name}", text("kind"), text("group")),
        None,
    ))
}

/// A resource whose routes split traffic: a VirtualService, an HTTPRoute or a GRPCRoute.
pub(crate) enum Routing<'a> {
    Istio(VirtualService<'a>),
    Gateway(GatewayRoute<'a>),
}

/// "VirtualService `shop/web`", "HTTPRoute `shop/web`": a resource, for messages.
pub(crate) fn describe(res: &Resource) -> String {
    format!("{} `{}/{}`", res.kind.name(), res.namespace, res.name)
}

/// One route of a [`Routing`]: an http, tcp or tls route of a VirtualService, or a rule of
/// a Gateway API route.
pub(crate) enum AnyRoute<'a> {
    Istio(Route<'a>),
    Gateway(RouteRule<'a>),
}

impl<'a> Routing<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        match res.kind {
            Kind::VirtualService => VirtualService::view(res).map(Routing::Istio),
            Kind::HttpRoute | Kind::GrpcRoute => GatewayRoute::view(res).map(Routing::Gateway),
            _ => None,
        }
    }

    pub(crate) fn res(&self) -> &'a Resource {
        match self {
            Routing::Istio(vs) => vs.res,
            Routing::Gateway(r) => r.res,
        }
    }

    /// Its routes, in order: a VirtualService's by protocol.
    pub(crate) fn routes(&self) -> Vec<AnyRoute<'a>> {
        match self {
            Routing::Istio(vs) => vs.routes().into_iter().map(AnyRoute::Istio).collect(),
            Routing::Gateway(r) => r.rules().into_iter().map(AnyRoute::Gateway).collect(),
        }
    }

    /// "VirtualService `shop/web`", for messages.
    pub(crate) fn describe(&self) -> String {
        describe(self.res())
    }

    /// Whether a controller rewrites this route's weights, so that what git holds is its
    /// seed: for a VirtualService, see [`Index::is_managed`]; a Gateway API route rule, see
    /// [`Index::is_route_managed`].
    pub(crate) fn is_managed(&self, index: &Index, route: &AnyRoute<'_>) -> bool {
        match (self, route) {
            (Routing::Istio(vs), AnyRoute::Istio(r)) => index.is_managed(vs, r),
            (Routing::Gateway(g), AnyRoute::Gateway(r)) => index.is_route_managed(g, r),
            _ => false,
        }
    }
}

impl Clone for AnyRoute<'_> {
    fn clone(&self) -> Self {
        match self {
            AnyRoute::Istio(r) => AnyRoute::Istio(*r),
            AnyRoute::Gateway(r) => AnyRoute::Gateway(RouteRule {
                node: r.node,
                index: r.index,
                file: r.file,
            }),
        }
    }
}

impl<'a> AnyRoute<'a> {
    pub(crate) fn name(&self) -> Option<&'a str> {
        match self {
            AnyRoute::Istio(r) => r.name(),
            AnyRoute::Gateway(r) => r.name(),
        }
    }

    /// "http route 2 `canary`", "rule 2 `canary`".
    pub(crate) fn label(&self) -> String {
        match self {
            AnyRoute::Istio(r) => r.label(),
            AnyRoute::Gateway(r) => r.label(),
        }
    }

    /// What it is called in help text: a "route" of a VirtualService, a "rule" of a
    /// Gateway API route.
    pub(crate) fn noun(&self) -> &'static str {
        match self {
            AnyRoute::Istio(_) => "route",
            AnyRoute::Gateway(_) => "rule",
        }
    }

    /// Where findings about the route as a whole point: its first key.
    pub(crate) fn span(&self) -> Location {
        match self {
            AnyRoute::Istio(r) => r.span(),
            AnyRoute::Gateway(r) => {
                let first = r.node.entries().first().map_or(r.node, |e| &e.key);
                Location::of(r.file, first)
            }
        }
    }

    /// Its `match` (a VirtualService route) or `matches` (a rule), when it has one.
    pub(crate) fn match_node(&self) -> Option<&'a Node> {
        match self {
            AnyRoute::Istio(r) => r.match_node(),
            AnyRoute::Gateway(r) => r.node.get("matches").filter(|m| !m.is_null()),
        }
    }

    /// Whether `other` is this very route: same protocol and position.
    pub(crate) fn same_place(&self, other: &AnyRoute<'_>) -> bool {
        match (self, other) {
            (AnyRoute::Istio(a), AnyRoute::Istio(b)) => {
                a.protocol == b.protocol && a.index == b.index
            }
            (AnyRoute::Gateway(a), AnyRoute::Gateway(b)) => a.index == b.index,
            _ => false,
        }
    }

    /// The group its routes are paired in across revisions: a VirtualService's routes by
    /// protocol, a Gateway API route's rules all together.
    pub(crate) fn group(&self) -> Option<crate::model::istio::Protocol> {
        match self {
            AnyRoute::Istio(r) => Some(r.protocol),
            AnyRoute::Gateway(_) => None,
        }
    }

    pub(crate) fn legs(&self) -> Vec<Leg<'a>> {
        match self {
            AnyRoute::Istio(r) => r.destinations().into_iter().map(Leg::Istio).collect(),
            AnyRoute::Gateway(r) => r.backends().into_iter().map(Leg::Gateway).collect(),
        }
    }
}

/// "`web-v1` 3 → 30% and `web-v2` 7 → 70%": Gateway API legs' weights and shares, the
/// way its weights read (relative, 1 when omitted). `None` for Istio legs.
pub(crate) fn gateway_shares(legs: &[Leg<'_>], weights: &[i64]) -> Option<String> {
    let backends = legs.iter().map(Leg::backend).collect::<Option<Vec<_>>>()?;
    Some(crate::model::gateway_api::shares(&backends, weights))
}

/// A route's traffic: who gets which share, and which leg is the canary.
pub(crate) struct Split<'a> {
    pub(crate) legs: Vec<Leg<'a>>,
    pub(crate) keys: Vec<DestKey>,
    /// Percent of the route's traffic, as `inverted-split` computes it.
    pub(crate) shares: Vec<f64>,
    /// The canary's position in a two-way split, when `inverted-split`'s detection tells.
    pub(crate) canary: Option<usize>,
}

impl Split<'_> {
    /// The share this split sends to `key` (0 when it is not a leg).
    pub(crate) fn share_of(&self, key: &DestKey) -> f64 {
        self.keys
            .iter()
            .zip(&self.shares)
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s)
            .sum()
    }

    /// Legs that get traffic.
    pub(crate) fn live(&self) -> usize {
        self.shares.iter().filter(|s| **s > 0.0).count()
    }
}

/// The split of `route`, seen through `index` (the current one or the baseline's). `None`
/// when a host or weight is templated or invalid, or the route sends nothing.
pub(crate) fn split<'a>(
    index: &Index,
    routing: &Routing<'a>,
    route: &AnyRoute<'a>,
) -> Option<Split<'a>> {
    let res = routing.res();
    let ns = &res.namespace;
    let legs = route.legs();
    let keys = legs
        .iter()
        .map(|leg| match leg {
            Leg::Istio(d) => Some((index.resolve(d.host()?, ns), d.subset().map(str::to_string))),
            Leg::Gateway(b) => backend_key(b, ns),
        })
        .collect::<Option<Vec<DestKey>>>()?;
    let weights = legs
        .iter()
        .map(Leg::effective_weight)
        .collect::<Option<Vec<i64>>>();
    let shares = match (legs.as_slice(), weights) {
        // A lone Istio destination gets all of the route's traffic, whatever its weight.
        ([Leg::Istio(_)], _) => vec![100.0],
        // A lone backend gets it unless its weight is 0 (the CRDs: "If weight is set to 0
        // for an entry, no traffic should be forwarded for that entry").
        ([Leg::Gateway(_)], Some(w)) if w.iter().all(|&w| w > 0) => vec![100.0],
        (_, Some(w)) if w.iter().sum::<i64>() > 0 => shares(&w),
        _ => return None,
    };
    let canary = match legs.as_slice() {
        [a, b] => split_roles(index, res, a, b).map(|r| 1 - r.stable),
        _ => None,
    };
    Some(Split {
        legs,
        keys,
        shares,
        canary,
    })
}
