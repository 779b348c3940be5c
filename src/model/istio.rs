//! Typed, read-only views of Istio resources: VirtualService routes and destinations,
//! DestinationRule subsets and traffic policies.

use crate::model::gateway::{gateway_target, GatewayTarget};
use crate::model::host::ExportTo;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, string_pairs, Resource};
use crate::model::spanned::{Location, Spanned, Written};
use crate::model::workloads::{labels_of, ports_of, Label, Port};
use crate::source::FileId;
use crate::yaml::{Node, Scalar};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Tcp,
    Tls,
}

impl Protocol {
    pub(crate) const ALL: [Protocol; 3] = [Protocol::Http, Protocol::Tcp, Protocol::Tls];

    pub fn key(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
        }
    }
}

pub struct VirtualService<'a> {
    pub(crate) res: &'a Resource,
    pub(crate) spec: &'a Node,
}

impl<'a> VirtualService<'a> {
    pub fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::VirtualService).then_some(())?;
        Some(VirtualService {
            res,
            spec: res.spec()?,
        })
    }

    /// The `hosts` entries as written (templated ones left out).
    pub(crate) fn hosts(&self) -> impl Iterator<Item = Spanned<&'a str>> {
        let file = self.res.file;
        self.spec
            .get("hosts")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(move |n| {
                let host = n.as_str().filter(|s| !is_templated(s))?;
                Some(Spanned::of(file, n, host))
            })
    }

    /// Whether every `hosts` entry can be read (none templated or not a string).
    pub(crate) fn hosts_known(&self) -> bool {
        let items = self.spec.get("hosts").map_or(&[][..], Node::items);
        items.len() == self.hosts().count()
    }

    /// Every `gateways` entry as written: the top-level list's (`in_match` none), then each
    /// http, tcp and tls route's `match[].gateways`, each resolved (templated ones left out).
    pub(crate) fn gateway_refs(&self) -> Vec<GatewayRef<'a>> {
        let file = self.res.file;
        let ns = self.res.namespace.as_str();
        let read = |list: Option<&'a Node>, in_match: Option<(Route<'a>, usize)>| {
            list.map_or(&[][..], Node::items)
                .iter()
                .filter_map(move |n| {
                    let written = n.as_str().filter(|s| !is_templated(s))?;
                    Some(GatewayRef {
                        written: Spanned::of(file, n, written),
                        target: gateway_target(written, ns),
                        in_match,
                    })
                })
                .collect::<Vec<_>>()
        };
        let mut out = read(self.spec.get("gateways"), None);
        for route in self.routes() {
            for (i, block) in route.match_blocks().iter().enumerate() {
                out.extend(read(block.get("gateways"), Some((route, i))));
            }
        }
        out
    }

    pub(crate) fn gateways(&self) -> Vec<&'a str> {
        self.spec
            .get("gateways")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }

    /// The gateways the VirtualService binds to, each as `ns/name` or `mesh`: its `gateways`
    /// resolved as pilot resolves them (see [`gateway_target`]), `mesh` when it names none.
    pub(crate) fn bound_gateways(&self) -> Vec<String> {
        let ns = self.res.namespace.as_str();
        let names: Vec<String> = self
            .gateways()
            .iter()
            .map(|g| gateway_target(g, ns).label())
            .collect();
        bound_gateways(&names)
    }

    /// Whether the VirtualService applies to sidecars: no `gateways`, or `mesh` among them.
    pub(crate) fn is_mesh_bound(&self) -> bool {
        let gws = self.gateways();
        gws.is_empty() || gws.contains(&"mesh")
    }

    pub(crate) fn export_to(&self) -> ExportTo {
        ExportTo::parse(self.spec.get("exportTo"))
    }

    /// The routes of one protocol, in order.
    pub fn routes_of(&self, protocol: Protocol) -> Vec<Route<'a>> {
        self.spec
            .get(protocol.key())
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
            .map(|(index, node)| Route {
                protocol,
                index,
                node,
                file: self.res.file,
            })
            .collect()
    }

    /// Every http, tcp and tls route.
    pub(crate) fn routes(&self) -> Vec<Route<'a>> {
        Protocol::ALL
            .iter()
            .flat_map(|&p| self.routes_of(p))
            .collect()
    }

    /// Whether the VirtualService has an `http` list (possibly empty). Argo Rollouts skips
    /// its http checks and patches when it has none.
    pub(crate) fn declares_http(&self) -> bool {
        self.spec.get("http").is_some_and(|n| !n.is_null())
    }
}

/// An entry of a VirtualService's `gateways`, or of a route's `match[].gateways`.
pub(crate) struct GatewayRef<'a> {
    pub(crate) written: Spanned<&'a str>,
    pub(crate) target: GatewayTarget,
    /// The route whose match block lists it, and the block's 0-based position; `None` for the
    /// top-level list.
    pub(crate) in_match: Option<(Route<'a>, usize)>,
}

/// One entry of `http`, `tcp` or `tls`.
#[derive(Clone, Copy)]
pub struct Route<'a> {
    pub(crate) protocol: Protocol,
    /// 0-based position among the routes of its protocol.
    pub(crate) index: usize,
    node: &'a Node,
    file: FileId,
}

impl<'a> Route<'a> {
    pub(crate) fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// "http route 2 `canary`": 1-based, with its name when it has one.
    pub(crate) fn label(&self) -> String {
        let mut s = format!("{} route {}", self.protocol.key(), self.index + 1);
        if let Some(name) = self.name() {
            s.push_str(&format!(" `{name}`"));
        }
        s
    }

    /// The `match` node, if the route has a non-empty one.
    pub(crate) fn match_node(&self) -> Option<&'a Node> {
        self.node
            .get("match")
            .filter(|m| !m.items().is_empty() || m.as_seq().is_none() && !m.is_null())
    }

    pub fn match_blocks(&self) -> &'a [Node] {
        self.match_node().map_or(&[][..], Node::items)
    }

    /// How many blocks its `match` list has.
    pub(crate) fn match_count(&self) -> usize {
        self.match_blocks().len()
    }

    pub(crate) fn destinations(&self) -> Vec<Destination<'a>> {
        self.node
            .get("route")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|n| Destination::of(self.file, n))
            .collect()
    }

    /// `mirror` and `mirrors[].destination` of an http route.
    pub(crate) fn mirrors(&self) -> Vec<Destination<'a>> {
        let mut out = Vec::new();
        if let Some(m) = self.node.get("mirror") {
            out.push(Destination::bare(self.file, m));
        }
        for m in self.node.get("mirrors").map_or(&[][..], Node::items) {
            out.push(Destination::of(self.file, m));
        }
        out
    }

    /// The known host of each destination and mirror, with what a host that names no
    /// service costs the route: "http route 1 sends its traffic to no service (503)", "the
    /// mirror of http route 1 reaches no service".
    pub(crate) fn hosts_and_loss(&self) -> Vec<(Spanned<&'a str>, String)> {
        let label = self.label();
        let dests = self.destinations().into_iter().map(|d| (d, false));
        let mirrors = self.mirrors().into_iter().map(|d| (d, true));
        dests
            .chain(mirrors)
            .filter_map(|(d, mirror)| {
                let host = d.host_field()?.known()?;
                let loss = if mirror {
                    format!("the mirror of {label} reaches no service")
                } else {
                    format!("{label} sends its traffic to no service (503)")
                };
                Some((host, loss))
            })
            .collect()
    }

    /// Where findings about the route's destinations as a whole point: its `route` key.
    pub(crate) fn list_span(&self) -> Location {
        self.node
            .entry("route")
            .map_or(self.span(), |e| Location::of(self.file, &e.key))
    }

    /// Where findings about the route as a whole point: its first key.
    pub(crate) fn span(&self) -> Location {
        let first = self.node.entries().first().map_or(self.node, |e| &e.key);
        Location::of(self.file, first)
    }

    /// Where findings about a block of its `match` list point: the block's first key.
    pub(crate) fn match_block_span(&self, block: &Node) -> Location {
        let first = block.entries().first().map_or(block, |e| &e.key);
        Location::of(self.file, first)
    }
}

/// An entry of a route's `route` list (or a mirror): a destination and its weight.
#[derive(Clone, Copy)]
pub(crate) struct Destination<'a> {
    node: &'a Node,
    destination: Option<&'a Node>,
    weight: Option<&'a Node>,
    file: FileId,
}

impl<'a> Destination<'a> {
    fn of(file: FileId, node: &'a Node) -> Self {
        Destination {
            node,
            destination: node.get("destination"),
            weight: node.get("weight"),
            file,
        }
    }

    fn bare(file: FileId, dest: &'a Node) -> Self {
        Destination {
            node: dest,
            destination: Some(dest),
            weight: None,
            file,
        }
    }

    fn host_node(&self) -> Option<&'a Node> {
        self.destination?.get("host")
    }

    /// The host as written, unless it is missing or templated.
    pub(crate) fn host(&self) -> Option<&'a str> {
        self.host_node()?.as_str().filter(|h| !is_templated(h))
    }

    /// The `host` field, with the host unless it is templated or not a string.
    pub(crate) fn host_field(&self) -> Option<Spanned<Option<&'a str>>> {
        let n = self.host_node()?;
        Some(Spanned::of(self.file, n, self.host()))
    }

    fn subset_node(&self) -> Option<&'a Node> {
        self.destination?.get("subset").filter(|n| !n.is_null())
    }

    pub(crate) fn subset(&self) -> Option<&'a str> {
        self.subset_node()?.as_str().filter(|s| !is_templated(s))
    }

    /// The `subset` field when set, with the subset unless it is templated or not a string.
    pub(crate) fn subset_field(&self) -> Option<Spanned<Option<&'a str>>> {
        let n = self.subset_node()?;
        Some(Spanned::of(self.file, n, self.subset()))
    }

    /// Whether the destination names a port (`port`, set to anything).
    pub(crate) fn has_port(&self) -> bool {
        self.destination
            .and_then(|d| d.get("port"))
            .is_some_and(|p| !p.is_null())
    }

    pub(crate) fn weight(&self) -> Weight<'a> {
        weight_of(self.file, self.weight)
    }

    /// A short name for messages: the subset, else the host.
    pub(crate) fn label(&self) -> String {
        match (self.host(), self.subset()) {
            (_, Some(subset)) => subset.to_string(),
            (Some(host), None) => host.to_string(),
            _ => "?".into(),
        }
    }

    /// Where findings about the destination point: its weight, else its subset or host.
    pub(crate) fn span(&self) -> Location {
        let node = self
            .weight
            .or(self.subset_node())
            .or(self.host_node())
            .unwrap_or(self.node);
        Location::of(self.file, node)
    }
}

/// A `weight` field as written (`node`: the field's value, when the key is there).
pub(crate) fn weight_of(file: FileId, node: Option<&Node>) -> Weight<'_> {
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return Weight::Missing(node.map(|n| Location::of(file, n)));
    };
    let at = Location::of(file, node);
    let invalid = |why| Weight::Invalid(Spanned::new(Written::of(node), at), why);
    match node.as_scalar() {
        Some(s) => match s.as_int() {
            Some(v) if v < 0 => invalid("is negative"),
            Some(v) => Weight::Value(Spanned::new(v, at)),
            None if is_templated(&s.text) => Weight::Templated(at),
            None => invalid(invalid_weight_reason(s)),
        },
        None => invalid("is not a number"),
    }
}

fn invalid_weight_reason(s: &Scalar) -> &'static str {
    let quoted = s.style != crate::yaml::Style::Plain;
    if quoted && s.text.trim().parse::<i64>().is_ok() {
        "is a quoted string, and the API server rejects strings"
    } else if s.text.parse::<f64>().is_ok() {
        "is not an integer"
    } else {
        "is not a number"
    }
}

/// A destination's `weight`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Weight<'a> {
    /// No `weight`, or one left empty (then where it is): Istio treats it as 0 when several
    /// destinations share a route.
    Missing(Option<Location>),
    Value(Spanned<i64>),
    /// A weight the API server rejects or Istio cannot read, as written, and why.
    Invalid(Spanned<Written<'a>>, &'static str),
    /// A template expression that only a renderer can resolve.
    Templated(Location),
}

impl Weight<'_> {
    /// The weight as Istio counts it, when it is known.
    pub(crate) fn effective(&self) -> Option<i64> {
        match self {
            Weight::Missing(_) => Some(0),
            Weight::Value(v) => Some(v.value),
            _ => None,
        }
    }

    /// Where the `weight` field is written, if it is.
    pub(crate) fn location(&self) -> Option<Location> {
        match self {
            Weight::Missing(at) => *at,
            Weight::Value(v) => Some(v.span),
            Weight::Invalid(w, _) => Some(w.span),
            Weight::Templated(at) => Some(*at),
        }
    }
}

/// A ServiceEntry: the hosts it adds to the mesh and their ports.
pub(crate) struct ServiceEntry<'a> {
    pub(crate) res: &'a Resource,
    spec: &'a Node,
}

impl<'a> ServiceEntry<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::ServiceEntry).then_some(())?;
        Some(ServiceEntry {
            res,
            spec: res.spec()?,
        })
    }

    /// The `hosts`, lowercased (templated ones left out).
    pub(crate) fn hosts(&self) -> Vec<String> {
        self.spec
            .get("hosts")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(Node::as_str)
            .filter(|h| !is_templated(h))
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect()
    }

    /// `ports` (each with its `number`): `None` when one cannot be read.
    pub(crate) fn ports(&self) -> Option<Vec<Port<'a>>> {
        ports_of(self.res.file, self.spec.get("ports"), "number")
    }

    pub(crate) fn export_to(&self) -> ExportTo {
        ExportTo::parse(self.spec.get("exportTo"))
    }
}

pub(crate) struct DestinationRule<'a> {
    pub(crate) res: &'a Resource,
    pub(crate) spec: &'a Node,
}

pub(crate) struct Subset<'a> {
    pub(crate) name: Spanned<&'a str>,
    node: &'a Node,
    file: FileId,
}

impl<'a> Subset<'a> {
    pub(crate) fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        string_pairs(self.node.get("labels"))
    }

    /// The subset's labels, each where it is written: `None` when they cannot be told (a
    /// label that is not a string, a templated value).
    pub(crate) fn label_list(&self) -> Option<Vec<Label<'a>>> {
        let node = self.node.get("labels");
        let labels = labels_of(self.file, node);
        let complete = node.map_or(0, |n| n.entries().len()) == labels.len()
            && node.is_none_or(|n| n.as_map().is_some() || n.is_null());
        (complete && !labels.iter().any(|l| is_templated(l.value.value))).then_some(labels)
    }

    /// The consistent-hash stickiness the subset's traffic policy sets (see
    /// [`DestinationRule::sticky_hash`]).
    pub(crate) fn sticky_hash(&self) -> Option<Spanned<&'static str>> {
        sticky_hash(self.file, self.node.get("trafficPolicy"))
    }
}

impl<'a> DestinationRule<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::DestinationRule).then_some(())?;
        Some(DestinationRule {
            res,
            spec: res.spec()?,
        })
    }

    pub(crate) fn host(&self) -> Option<&'a str> {
        self.spec.get("host")?.as_str().filter(|h| !is_templated(h))
    }

    /// The `host`, at its value, unless it is missing, templated or not a string.
    pub(crate) fn host_field(&self) -> Option<Spanned<&'a str>> {
        let node = self.spec.get("host")?;
        let host = node.as_str().filter(|h| !is_templated(h))?;
        Some(Spanned::of(self.res.file, node, host))
    }

    pub(crate) fn export_to(&self) -> ExportTo {
        ExportTo::parse(self.spec.get("exportTo"))
    }

    /// The `exportTo` entries as written, sorted and without repeats (none when unset): Istio
    /// merges DestinationRules of one host only when these sets are equal
    /// (pilot/pkg/model/destination_rule.go mergeDestinationRule, with
    /// ENABLE_ENHANCED_DESTINATIONRULE_MERGE on by default). `None` when an entry is not a
    /// plain string.
    pub(crate) fn export_to_set(&self) -> Option<Vec<&'a str>> {
        let mut out = Vec::new();
        for n in self.spec.get("exportTo").map_or(&[][..], Node::items) {
            out.push(n.as_str().filter(|s| !is_templated(s))?);
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// The `workloadSelector.matchLabels`, sorted; `None` without a `workloadSelector`.
    pub(crate) fn workload_selector(&self) -> Option<Vec<(&'a str, &'a str)>> {
        let selector = self.spec.get("workloadSelector").filter(|n| !n.is_null())?;
        let mut labels: Vec<(&str, &str)> = string_pairs(selector.get("matchLabels")).collect();
        labels.sort_unstable();
        Some(labels)
    }

    /// The top-level `trafficPolicy` key, when the rule sets one.
    pub(crate) fn traffic_policy(&self) -> Option<Location> {
        let entry = self.spec.entry("trafficPolicy")?;
        (!entry.value.is_null()).then(|| Location::of(self.res.file, &entry.key))
    }

    pub(crate) fn subsets(&self) -> Vec<Subset<'a>> {
        self.spec
            .get("subsets")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|node| {
                let name = node.get("name")?;
                Some(Subset {
                    name: Spanned::of(self.res.file, name, name.as_str()?),
                    node,
                    file: self.res.file,
                })
            })
            .collect()
    }

    /// Whether any subset name is a template expression (the set of names is then unknown).
    pub(crate) fn has_templated_subsets(&self) -> bool {
        self.subsets().iter().any(|s| is_templated(s.name.value))
    }

    /// The consistent-hash stickiness the rule's top-level traffic policy sets: the
    /// `consistentHash` key in use, at that key.
    pub(crate) fn sticky_hash(&self) -> Option<Spanned<&'static str>> {
        sticky_hash(self.res.file, self.spec.get("trafficPolicy"))
    }
}

/// The consistent-hash stickiness a traffic policy of `file` sets: the key in use, at it.
fn sticky_hash(file: FileId, policy: Option<&Node>) -> Option<Spanned<&'static str>> {
    let policy = policy?;
    let mut lbs: Vec<&Node> = policy.get("loadBalancer").into_iter().collect();
    for pl in policy.get("portLevelSettings").map_or(&[][..], Node::items) {
        lbs.extend(pl.get("loadBalancer"));
    }
    lbs.into_iter().find_map(|lb| {
        let ch = lb.get("consistentHash")?;
        // Istio's ConsistentHashLB keys (networking/v1alpha3/destination_rule.proto).
        [
            "httpCookie",
            "httpHeaderName",
            "useSourceIp",
            "httpQueryParameterName",
        ]
        .into_iter()
        .find_map(|k| {
            let e = ch.entry(k)?;
            if k == "useSourceIp" && e.value.as_scalar().and_then(Scalar::as_bool) != Some(true) {
                return None;
            }
            Some(Spanned::of(file, &e.key, k))
        })
    })
}

use crate::model::matching::{L4Block, MatchBlock, StrCond, StrMatch};

/// Reads an Istio StringMatch (`{exact|prefix|regex: ...}`; `{}` checks presence).
fn string_match(node: &Node, ignore_case: bool) -> Option<StrCond> {
    let entries = node.as_map()?;
    let m = match entries {
        [] => StrMatch::Present,
        [e] => {
            let v = e.value.as_scalar()?.text.to_string();
            if is_templated(&v) {
                return None;
            }
            match e.key.as_str()? {
                "exact" => StrMatch::Exact(v),
                "prefix" => StrMatch::Prefix(v),
                "regex" => StrMatch::Regex(v),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(StrCond { m, ignore_case })
}

fn string_matches(node: &Node, lowercase_names: bool) -> Option<Vec<(String, StrCond)>> {
    node.as_map()?
        .iter()
        .map(|e| {
            let name = e.key.as_str()?;
            let name = if lowercase_names {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            };
            Some((name, string_match(&e.value, false)?))
        })
        .collect()
}

fn labels(node: &Node) -> Option<Vec<(String, String)>> {
    node.as_map()?
        .iter()
        .map(|e| {
            Some((
                e.key.as_str()?.to_string(),
                e.value.as_scalar()?.text.to_string(),
            ))
        })
        .collect()
}

fn strings(node: &Node) -> Option<Vec<String>> {
    node.as_seq()?
        .iter()
        .map(|n| Some(n.as_scalar()?.text.to_string()))
        .collect()
}

fn port(node: &Node) -> Option<u32> {
    u32::try_from(node.as_scalar()?.as_int()?).ok()
}

/// Effective gateways of a match block: the VirtualService's gateways (resolved, `mesh` when
/// it names none), narrowed to the match's own `gateways` when it lists some, resolved against
/// the VirtualService's `namespace` as pilot does (a match gateway the VirtualService is not
/// bound to adds no traffic). `None` when the match's `gateways` is not a list of names.
fn effective_gateways(
    own: Option<&Node>,
    bound: &[String],
    namespace: &str,
) -> Option<Vec<String>> {
    match own {
        Some(g) => {
            let listed: Vec<String> = strings(g)?
                .iter()
                .map(|s| gateway_target(s, namespace).label())
                .collect();
            Some(
                bound
                    .iter()
                    .filter(|b| listed.contains(b))
                    .cloned()
                    .collect(),
            )
        }
        None => Some(bound.to_vec()),
    }
}

/// The gateways a VirtualService is bound to: its `gateways`, else `mesh`.
fn bound_gateways(vs_gateways: &[String]) -> Vec<String> {
    if vs_gateways.is_empty() {
        vec!["mesh".to_string()]
    } else {
        vs_gateways.to_vec()
    }
}

/// The conditions of an http route without `match`: every request on the VirtualService's
/// gateways (see [`VirtualService::bound_gateways`]).
pub(crate) fn http_match_all(bound: &[String]) -> MatchBlock {
    MatchBlock {
        gateways: Some(bound.to_vec()),
        ..MatchBlock::everything()
    }
}

/// The conditions of a tcp or tls route without `match`.
pub(crate) fn l4_match_all(bound: &[String]) -> L4Block {
    L4Block {
        gateways: Some(bound.to_vec()),
        ..L4Block::default()
    }
}

/// An HTTPMatchRequest as a condition set. Anything that cannot be modelled makes the block
/// `unknown`, so it neither covers nor is covered.
pub(crate) fn http_match_block(node: &Node, bound: &[String], namespace: &str) -> MatchBlock {
    let unknown = MatchBlock {
        unknown: true,
        ..MatchBlock::everything()
    };
    let Some(entries) = node.as_map() else {
        return unknown;
    };
    let ignore_case = node
        .get("ignoreUriCase")
        .and_then(|n| n.as_scalar()?.as_bool())
        .unwrap_or(false);
    let mut b = MatchBlock::everything();
    for e in entries {
        let Some(key) = e.key.as_str() else {
            return unknown;
        };
        let v = &e.value;
        let ok = match key {
            "name" | "statPrefix" | "ignoreUriCase" => Some(()),
            "uri" => string_match(v, ignore_case).map(|c| b.uri = Some(c)),
            "scheme" => string_match(v, false).map(|c| b.scheme = Some(c)),
            "method" => string_match(v, false).map(|c| b.method = Some(c)),
            "authority" => string_match(v, false).map(|c| b.authority = Some(c)),
            "headers" => string_matches(v, true).map(|h| b.headers = h),
            "withoutHeaders" => string_matches(v, true).map(|h| b.without_headers = h),
            "queryParams" => string_matches(v, false).map(|q| b.query_params = q),
            "port" => port(v).map(|p| b.port = Some(p)),
            "sourceLabels" => labels(v).map(|l| b.source_labels = l),
            "sourceNamespace" => v.as_str().map(|s| b.source_namespace = Some(s.to_string())),
            "gateways" => Some(()),
            _ => None,
        };
        if ok.is_none() {
            return unknown;
        }
    }
    match effective_gateways(node.get("gateways"), bound, namespace) {
        Some(g) => b.gateways = Some(g),
        None => return unknown,
    }
    b
}

/// An L4MatchAttributes (tcp) or TLSMatchAttributes (tls) as a condition set.
pub(crate) fn l4_match_block(node: &Node, bound: &[String], namespace: &str) -> L4Block {
    let unknown = L4Block {
        unknown: true,
        ..L4Block::default()
    };
    let Some(entries) = node.as_map() else {
        return unknown;
    };
    let mut b = L4Block::default();
    for e in entries {
        let Some(key) = e.key.as_str() else {
            return unknown;
        };
        let v = &e.value;
        let ok = match key {
            "destinationSubnets" => strings(v).map(|s| b.destination_subnets = s),
            "sniHosts" => strings(v).map(|s| b.sni_hosts = s),
            "port" => port(v).map(|p| b.port = Some(p)),
            "sourceLabels" => labels(v).map(|l| b.source_labels = l),
            "sourceNamespace" => v.as_str().map(|s| b.source_namespace = Some(s.to_string())),
            "gateways" => Some(()),
            _ => None,
        };
        if ok.is_none() {
            return unknown;
        }
    }
    match effective_gateways(node.get("gateways"), bound, namespace) {
        Some(g) => b.gateways = Some(g),
        None => return unknown,
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Workspace, WorkspaceOptions};

    #[test]
    fn weights_are_read_with_the_text_as_written() {
        let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n  - route:\n    - {destination: {host: a}, weight: 90}\n    - {destination: {host: b}, weight: \"10\"}\n    - {destination: {host: c}, weight: }\n    - {destination: {host: d}, weight: [1]}\n    - {destination: {host: e}, weight: \"{{ .w }}\"}\n    - {destination: {host: f}}\n";
        let ws = Workspace::from_texts(
            &[("r.yaml".into(), text.into())],
            &WorkspaceOptions::default(),
        );
        let Some(vs) = VirtualService::view(&ws.index.resources[0]) else {
            panic!("no VirtualService");
        };
        let at = |loc: Location| &text[loc.span.range()];
        let weights: Vec<Weight<'_>> = vs.routes()[0]
            .destinations()
            .iter()
            .map(Destination::weight)
            .collect();
        let [ninety, quoted, empty, list, templated, missing] = weights.as_slice() else {
            panic!("{weights:?}");
        };
        assert!(matches!(ninety, Weight::Value(v) if v.value == 90 && at(v.span) == "90"));
        let Weight::Invalid(written, why) = quoted else {
            panic!("{quoted:?}");
        };
        assert_eq!(
            written.value,
            Written::Text {
                text: "10",
                quoted: true
            }
        );
        assert_eq!(at(written.span), "\"10\"");
        assert!(why.contains("quoted"));
        assert!(matches!(empty, Weight::Missing(Some(_))));
        assert!(matches!(list, Weight::Invalid(w, _) if w.value == Written::Collection));
        assert!(matches!(templated, Weight::Templated(_)));
        assert!(matches!(missing, Weight::Missing(None)));
        assert_eq!(missing.effective(), Some(0));
        assert_eq!(templated.location().map(at), Some("\"{{ .w }}\""));
    }
}
