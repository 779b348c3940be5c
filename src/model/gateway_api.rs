//! Typed, read-only views of Gateway API routes (`gateway.networking.k8s.io` HTTPRoute and
//! GRPCRoute): their rules and the backends each rule splits traffic between.
//!
//! A backend's `weight` is relative, not a percentage: its share is weight / sum of the
//! rule's weights, an omitted weight is 1, and 0 sends it nothing (the standard CRDs,
//! v1.6.1, `HTTPBackendRef.weight` and `GRPCBackendRef.weight`: "If unspecified, weight
//! defaults to 1", minimum 0, maximum 1000000).

use crate::model::istio::{weight_of, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::Location;
use crate::model::split;
use crate::source::FileId;
use crate::yaml::Node;

/// The largest weight the API server accepts (the CRDs' `maximum: 1000000`).
pub(crate) const MAX_WEIGHT: i64 = 1_000_000;

/// An HTTPRoute or a GRPCRoute.
pub(crate) struct GatewayRoute<'a> {
    pub(crate) res: &'a Resource,
    pub(crate) spec: &'a Node,
}

impl<'a> GatewayRoute<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        matches!(res.kind, Kind::HttpRoute | Kind::GrpcRoute).then_some(())?;
        Some(GatewayRoute {
            res,
            spec: res.spec()?,
        })
    }

    /// `spec.rules`, in order.
    pub(crate) fn rules(&self) -> Vec<RouteRule<'a>> {
        self.spec
            .get("rules")
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
            .map(|(index, node)| RouteRule {
                node,
                index,
                file: self.res.file,
            })
            .collect()
    }
}

/// An entry of a route's `rules`.
pub(crate) struct RouteRule<'a> {
    pub(crate) node: &'a Node,
    pub(crate) index: usize,
    pub(crate) file: FileId,
}

impl<'a> RouteRule<'a> {
    pub(crate) fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// "rule 2 `canary`": 1-based, with its name when it has one.
    pub(crate) fn label(&self) -> String {
        let mut s = format!("rule {}", self.index + 1);
        if let Some(name) = self.name() {
            s.push_str(&format!(" `{name}`"));
        }
        s
    }

    pub(crate) fn backends(&self) -> Vec<Backend<'a>> {
        self.node
            .get("backendRefs")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|node| Backend {
                node,
                file: self.file,
            })
            .collect()
    }

    /// Where findings about the rule's backends as a whole point: its `backendRefs` key.
    pub(crate) fn backends_span(&self) -> Location {
        let key = self
            .node
            .entry("backendRefs")
            .map(|e| &e.key)
            .or(self.node.entries().first().map(|e| &e.key))
            .unwrap_or(self.node);
        Location::of(self.file, key)
    }
}

/// An entry of a rule's `backendRefs`.
pub(crate) struct Backend<'a> {
    pub(crate) node: &'a Node,
    pub(crate) file: FileId,
}

impl<'a> Backend<'a> {
    /// The `name` it refers to, when it is a string.
    pub(crate) fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// A short name for messages: the name, with its namespace when it sets one
    /// (`checkoutv2/checkout`), as two backends of one name may differ by namespace.
    pub(crate) fn label(&self) -> String {
        let name = self.name().unwrap_or("?");
        match self.node.get("namespace").and_then(Node::as_str) {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        }
    }

    /// The `weight` as written; [`Weight::Missing`] when it is omitted.
    pub(crate) fn weight(&self) -> Weight<'a> {
        weight_of(self.file, self.node.get("weight"))
    }

    /// The weight the implementation applies, when it can be told: 1 when omitted.
    pub(crate) fn effective_weight(&self) -> Option<i64> {
        match self.weight() {
            Weight::Missing(_) => Some(1),
            Weight::Value(v) => Some(v.value),
            _ => None,
        }
    }

    /// Where findings about the backend point: its `name`, else the entry.
    pub(crate) fn span(&self) -> Location {
        let node = self
            .node
            .get("name")
            .or(self.node.entries().first().map(|e| &e.key))
            .unwrap_or(self.node);
        Location::of(self.file, node)
    }
}

/// "`web-v1` 3 → 30% and `web-v2` 7 → 70%": each backend's weight and share of the rule.
pub(crate) fn shares(backends: &[Backend<'_>], weights: &[i64]) -> String {
    let items: Vec<String> = backends
        .iter()
        .zip(weights)
        .zip(split::shares(weights))
        .map(|((b, w), share)| format!("`{}` {w} → {}", b.label(), split::percent(share)))
        .collect();
    crate::text::join_and(&items)
}

impl Backend<'_> {
    /// Whether it names a Service: the core group and the `Service` kind, the defaults when
    /// omitted (the CRDs' `BackendObjectReference` `group` and `kind`).
    pub(crate) fn is_service(&self) -> bool {
        let field = |k: &str| self.node.get(k).filter(|n| !n.is_null());
        field("group").map_or(Some(""), Node::as_str) == Some("")
            && field("kind").map_or(Some("Service"), Node::as_str) == Some("Service")
    }
}
