//! What the rules of Gateway API routes match, as comparable keys, and what the routes attach
//! to: two rules with an equal match, on one parent and hostname, compete for the same
//! requests and only one of them gets them (`conflicting-route-match`).
//!
//! Facts are from the standard CRDs (v1.6.1), `HTTPRoute.spec.rules[].matches` and
//! `GRPCRoute.spec.rules[].matches`: precedence is not first-match but by specificity, and on
//! a tie "the oldest Route based on creation timestamp", then "the Route appearing first in
//! alphabetical order by {namespace}/{name}", then "the FIRST matching rule (in list order)"
//! within a route. Equal matches therefore always tie.

use crate::hash::HashMap;

use crate::model::gateway_api::{GatewayRoute, RouteRule};
use crate::model::gateway_refs::{hostnames, parent_refs, ParentKind};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::spanned::Location;
use crate::yaml::{Node, Style};

/// A header or query parameter match: (name, type, value).
type Pair = (String, String, String);

/// One match of a rule, normalised so that matches that select the same requests compare
/// equal however they are written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MatchKey {
    Http {
        path_type: String,
        path: String,
        method: Option<String>,
        headers: Vec<Pair>,
        query: Vec<Pair>,
    },
    Grpc {
        method_type: String,
        service: Option<String>,
        method: Option<String>,
        headers: Vec<Pair>,
    },
}

impl MatchKey {
    /// "PathPrefix /api, method GET, header version=v2": for messages.
    pub(crate) fn label(&self) -> String {
        let pairs = |what: &str, list: &[Pair]| -> Vec<String> {
            list.iter()
                .map(|(name, ty, value)| {
                    let op = if ty == "Exact" { "=" } else { "=~" };
                    format!("{what} {name}{op}{value}")
                })
                .collect()
        };
        let mut parts = Vec::new();
        match self {
            MatchKey::Http {
                path_type,
                path,
                method,
                headers,
                query,
            } => {
                parts.push(format!("{path_type} {path}"));
                if let Some(m) = method {
                    parts.push(format!("method {m}"));
                }
                parts.extend(pairs("header", headers));
                parts.extend(pairs("query", query));
            }
            MatchKey::Grpc {
                method_type,
                service,
                method,
                headers,
            } => {
                match (service, method) {
                    (None, None) => parts.push("every method".to_string()),
                    (s, m) => parts.push(format!(
                        "{method_type} {}/{}",
                        s.as_deref().unwrap_or("*"),
                        m.as_deref().unwrap_or("*")
                    )),
                }
                parts.extend(pairs("header", headers));
            }
        }
        parts.join(", ")
    }
}

/// A match of a rule and where it is written (the rule itself for the default match).
pub(crate) struct RuleMatch {
    pub(crate) key: MatchKey,
    pub(crate) at: Location,
}

/// A string field: `Ok(None)` when absent, `Err` when it is templated or not a string (then
/// the match is left alone: no opinion).
fn text(node: Option<&Node>) -> Result<Option<&str>, ()> {
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return Ok(None);
    };
    let scalar = node.as_scalar().ok_or(())?;
    let plain_other = scalar.style == Style::Plain
        && scalar.tag.is_none()
        && (scalar.as_int().is_some() || scalar.as_bool().is_some());
    let s = node.as_str().ok_or(())?;
    if plain_other || is_templated(s) {
        return Err(());
    }
    Ok(Some(s))
}

/// Header or query parameter matches as an order-insensitive set. Of entries with equivalent
/// names only the first counts ("Subsequent entries with an equivalent ... name MUST be
/// ignored"); header names compare case-insensitively, query parameter names exactly.
fn pairs(list: Option<&Node>, fold_case: bool) -> Result<Vec<Pair>, ()> {
    let mut out: Vec<Pair> = Vec::new();
    for item in list.map_or(&[][..], Node::items) {
        let name = text(item.get("name"))?.ok_or(())?;
        let name = if fold_case {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        };
        // `type` defaults to Exact (HTTPHeaderMatch, HTTPQueryParamMatch, GRPCHeaderMatch).
        let ty = text(item.get("type"))?.unwrap_or("Exact");
        let value = text(item.get("value"))?.ok_or(())?;
        if !out.iter().any(|(n, _, _)| *n == name) {
            out.push((name, ty.to_string(), value.to_string()));
        }
    }
    out.sort();
    Ok(out)
}

fn http_key(m: &Node) -> Result<MatchKey, ()> {
    let path = m.get("path").filter(|n| !n.is_null());
    // `path` defaults to `{type: PathPrefix, value: /}`, and each field of it alike.
    let path_type = text(path.and_then(|p| p.get("type")))?.unwrap_or("PathPrefix");
    let mut value = text(path.and_then(|p| p.get("value")))?
        .unwrap_or("/")
        .to_string();
    // A prefix matches whole path elements and a trailing `/` is ignored: `/abc` and `/abc/`
    // are one prefix (the CRD's `HTTPPathModifier.replacePrefixMatch`: "Note that this
    // matches the behavior of the PathPrefix match type ... When specified, a trailing `/`
    // is ignored").
    if path_type == "PathPrefix" && value.len() > 1 && value.ends_with('/') {
        value.pop();
    }
    Ok(MatchKey::Http {
        path_type: path_type.to_string(),
        path: value,
        method: text(m.get("method"))?.map(str::to_string),
        headers: pairs(m.get("headers"), true)?,
        query: pairs(m.get("queryParams"), false)?,
    })
}

fn grpc_key(m: &Node) -> Result<MatchKey, ()> {
    let method = m.get("method").filter(|n| !n.is_null());
    let field = |key: &str| text(method.and_then(|n| n.get(key)));
    Ok(MatchKey::Grpc {
        // GRPCMethodMatch.type defaults to Exact.
        method_type: field("type")?.unwrap_or("Exact").to_string(),
        service: field("service")?.map(str::to_string),
        method: field("method")?.map(str::to_string),
        headers: pairs(m.get("headers"), true)?,
    })
}

/// The matches of a rule of a route of `kind`: those that can be read. A rule without
/// `matches` matches every request (HTTP: the default `PathPrefix /`; gRPC: "If no matches
/// are specified, the implementation MUST match every gRPC request").
pub(crate) fn rule_matches(kind: Kind, rule: &RouteRule<'_>) -> Vec<RuleMatch> {
    let key = |m: &Node| match kind {
        Kind::GrpcRoute => grpc_key(m),
        _ => http_key(m),
    };
    let written = rule.node.get("matches").map_or(&[][..], Node::items);
    if written.is_empty() {
        let empty = Node {
            span: rule.node.span,
            value: crate::yaml::Value::Map(Vec::new()),
        };
        let at = rule.node.entries().first().map_or(rule.node, |e| &e.key);
        return key(&empty)
            .map(|key| RuleMatch {
                key,
                at: Location::of(rule.file, at),
            })
            .into_iter()
            .collect();
    }
    written
        .iter()
        .filter_map(|m| {
            Some(RuleMatch {
                key: key(m).ok()?,
                at: Location::of(rule.file, m),
            })
        })
        .collect()
}

/// What a route attaches to: a Gateway, or a Service (a mesh route), with the listener
/// (`sectionName`) or port it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ParentKey {
    pub(crate) service: bool,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) section: Option<String>,
    pub(crate) port: Option<i64>,
}

impl ParentKey {
    /// "Gateway `infra/public` listener `https`".
    pub(crate) fn label(&self) -> String {
        let kind = if self.service { "Service" } else { "Gateway" };
        let mut s = format!("{kind} `{}/{}`", self.namespace, self.name);
        if let Some(section) = &self.section {
            s.push_str(&format!(" listener `{section}`"));
        }
        if let Some(port) = self.port {
            s.push_str(&format!(" port {port}"));
        }
        s
    }
}

/// A route kind, a parent and a hostname (empty: the route names none, so any): the routes
/// of one key compete for the same requests. A wildcard hostname is its own key: a more
/// specific hostname wins before matches are compared (`HTTPRouteSpec.hostnames`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RouteKey {
    pub(crate) kind: Kind,
    pub(crate) parent: ParentKey,
    pub(crate) hostname: String,
}

/// The keys of a route: every parent it can be told to attach to (a Gateway or a Service,
/// read without templates) with every hostname; none when a hostname is templated.
pub(crate) fn route_keys(route: &GatewayRoute<'_>) -> Vec<RouteKey> {
    let Some(hosts) = hostnames(route) else {
        return Vec::new();
    };
    let mut hosts: Vec<String> = hosts.into_iter().map(|h| h.value).collect();
    if hosts.is_empty() {
        hosts.push(String::new());
    }
    let mut out: Vec<RouteKey> = Vec::new();
    for p in parent_refs(route) {
        if p.kind == ParentKind::Other {
            continue;
        }
        let parent = ParentKey {
            service: p.kind == ParentKind::Service,
            namespace: p.namespace.to_string(),
            name: p.name.value.to_string(),
            section: p.section_name.map(|s| s.value.to_string()),
            port: p.port.map(|p| p.value),
        };
        for h in &hosts {
            let key = RouteKey {
                kind: route.res.kind,
                parent: parent.clone(),
                hostname: h.clone(),
            };
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// Routes by their keys (positions in the index's resources).
pub(crate) type RouteGroups = HashMap<RouteKey, Vec<usize>>;

pub(crate) fn group_routes(resources: &[Resource]) -> RouteGroups {
    let mut groups = RouteGroups::default();
    for (i, r) in resources.iter().enumerate() {
        let Some(route) = GatewayRoute::view(r) else {
            continue;
        };
        for key in route_keys(&route) {
            groups.entry(key).or_default().push(i);
        }
    }
    groups
}

/// Whether two rules do the same with the requests: equal `backendRefs` (weights included)
/// and equal `filters`. Then whichever gets the traffic, nothing changes.
pub(crate) fn same_action(a: &RouteRule<'_>, b: &RouteRule<'_>) -> bool {
    let data = |r: &RouteRule<'_>, key: &str| r.node.get(key).map(crate::kustomize::to_json);
    data(a, "backendRefs") == data(b, "backendRefs") && data(a, "filters") == data(b, "filters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kind: Kind, yaml: &str) -> Vec<String> {
        let loaded = crate::yaml::load(yaml, 0);
        let node = &loaded.docs[0];
        let rule = RouteRule {
            node,
            index: 0,
            file: 0,
        };
        rule_matches(kind, &rule)
            .into_iter()
            .map(|m| m.key.label())
            .collect()
    }

    #[test]
    fn matches_are_normalised() {
        assert_eq!(keys(Kind::HttpRoute, "backendRefs: []"), ["PathPrefix /"]);
        assert_eq!(
            keys(
                Kind::HttpRoute,
                "matches:\n- path: {value: /api/}\n  headers: [{name: B, value: x}, {name: a, value: y}, {name: b, value: z}]"
            ),
            ["PathPrefix /api, header a=y, header b=x"]
        );
        assert_eq!(
            keys(
                Kind::HttpRoute,
                "matches:\n- path: {type: Exact, value: /a/}"
            ),
            ["Exact /a/"]
        );
        assert_eq!(
            keys(
                Kind::HttpRoute,
                "matches:\n- path: {value: '{{ .p }}'}\n- method: GET"
            ),
            ["PathPrefix /, method GET"]
        );
        assert_eq!(
            keys(
                Kind::HttpRoute,
                "matches:\n- headers: [{name: n, value: 2}]"
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            keys(
                Kind::GrpcRoute,
                "matches:\n- method: {service: s, method: M}"
            ),
            ["Exact s/M"]
        );
        assert_eq!(keys(Kind::GrpcRoute, "filters: []"), ["every method"]);
    }
}
