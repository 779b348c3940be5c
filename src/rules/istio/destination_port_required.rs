//! `destination-port-required`: see rules/destination-port-required.md.

use crate::model::gateway::{gateway_target, Gateway, GatewayTarget};
use crate::model::index::Index;
use crate::model::istio::{Protocol, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::workloads::{HostDefinition, Port, PortProtocol};
use crate::rules::{Context, Rule};
use crate::text::{join_and, join_with};

declare_rule!(DestinationPortRequired, kinds: [Kind::VirtualService]);

/// A port a route's traffic arrives on, and what makes it arrive there.
struct Arrival {
    port: u32,
    via: String,
}

impl Rule for DestinationPortRequired {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::Service, Kind::ServiceEntry]
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        for route in vs.routes() {
            let mut dests = route.destinations();
            dests.extend(route.mirrors());
            let mut arrivals: Option<Vec<Arrival>> = None;
            for d in dests {
                if d.has_port() {
                    continue;
                }
                let Some(host) = d.host_field().and_then(|f| f.known()) else {
                    continue;
                };
                if index.namespaced_short_form(host.value).is_some() {
                    continue;
                }
                let fqdn = index.resolve(host.value, &res.namespace);
                // Only definitions written with the VirtualService tell its ports.
                let defs: Vec<HostDefinition<'_>> =
                    index.host_definitions(&fqdn, &res.namespace, |d| {
                        index.written_together(d, res)
                    });
                let Some(numbers) = several_ports(&defs) else {
                    continue;
                };
                let Some(def) = defs
                    .iter()
                    .find(|d| d.res.file == res.file)
                    .or(defs.first())
                else {
                    continue;
                };
                // pilot/pkg/networking/core/route/route.go GetDestinationCluster (http routes)
                // and networkfilter.go buildOutboundNetworkFilters (tcp and tls routes): a
                // destination without `port` goes to the only port of its service, else to
                // the port the traffic arrived on (the sidecar listener's service port, the
                // gateway server's port). It fails only for an arrival port that the
                // destination does not have: there is no such cluster (503).
                let arrivals = arrivals.get_or_insert_with(|| arrival_ports(index, &vs, &route));
                let missing: Vec<&Arrival> = arrivals
                    .iter()
                    .filter(|a| !numbers.contains(&a.port))
                    .collect();
                let Some(first) = missing.first() else {
                    continue;
                };
                let what = if def.res.kind == Kind::Service {
                    "Service"
                } else {
                    "ServiceEntry"
                };
                let has: Vec<String> = numbers.iter().map(|n| format!("`{n}`")).collect();
                let arrive: Vec<String> = missing
                    .iter()
                    .map(|a| format!("`{}` ({})", a.port, a.via))
                    .collect();
                cx.report_with_help(
                    host,
                    format!(
                        "destination `{}` sets no `port` and {what} `{}/{}` ({}) has ports {}: Istio sends the traffic {} receives on port {} to that port of the destination, which it does not have (503)",
                        host.value,
                        def.res.namespace,
                        def.res.name,
                        cx.location(def.res.name_location()),
                        join_and(&has),
                        route.label(),
                        join_and(&arrive),
                    ),
                    format!(
                        "set the destination's `port: {{number: ...}}` to the port it should reach ({}); traffic arriving on port `{}` now has no cluster",
                        join_with(&has, "or"),
                        first.port
                    ),
                );
                cx.relate([def.res]);
            }
        }
    }
}

/// The port numbers of the host when every definition of it has more than one and all can
/// be read (their union); `None` otherwise.
fn several_ports(defs: &[HostDefinition<'_>]) -> Option<Vec<u32>> {
    let mut all = Vec::new();
    for d in defs {
        let n = d.numbers()?;
        if n.len() < 2 {
            return None;
        }
        all.extend(n);
    }
    all.sort_unstable();
    all.dedup();
    (!all.is_empty()).then_some(all)
}

/// The ports the route's traffic arrives on, as far as the repository tells: the `port` of
/// each of its match blocks when they all name one; else the ports of the VirtualService's
/// hosts (sidecars listen on each service port) and of the servers of its Gateways, those of
/// a protocol the route cannot serve left out.
fn arrival_ports(index: &Index, vs: &VirtualService<'_>, route: &Route<'_>) -> Vec<Arrival> {
    let blocks = route.match_blocks();
    let match_ports: Option<Vec<u32>> = blocks
        .iter()
        .map(|b| {
            let n = b.get("port")?.as_scalar()?.as_int()?;
            u32::try_from(n).ok()
        })
        .collect();
    if let Some(ports) = match_ports.filter(|p| !p.is_empty()) {
        let mut ports = ports;
        ports.sort_unstable();
        ports.dedup();
        return ports
            .into_iter()
            .map(|port| Arrival {
                port,
                via: "its match".into(),
            })
            .collect();
    }
    let serves = |p: Option<PortProtocol>| match (route.protocol, p) {
        (_, None) => true,
        (Protocol::Http, Some(p)) => p == PortProtocol::Http,
        (_, Some(p)) => p == PortProtocol::Opaque,
    };
    let mut out: Vec<Arrival> = Vec::new();
    let mut push = |port: u32, via: String| {
        if !out.iter().any(|a| a.port == port) {
            out.push(Arrival { port, via });
        }
    };
    let res = vs.res;
    if vs.is_mesh_bound() {
        for h in vs.hosts() {
            let fqdn = index.resolve(h.value, &res.namespace);
            for def in
                index.host_definitions(&fqdn, &res.namespace, |d| index.written_together(d, res))
            {
                for p in def.ports.iter().flatten() {
                    if serves(p.protocol()) {
                        push(p.number.value, format!("a port of host `{}`", h.value));
                    }
                }
            }
        }
    }
    for g in vs.gateways() {
        let GatewayTarget::Named {
            namespace: ns,
            name,
        } = gateway_target(g, &res.namespace)
        else {
            continue;
        };
        let Some(gw) = index
            .get(Kind::Gateway, &ns, &name)
            .filter(|g| index.written_together(g, res))
            .and_then(Gateway::view)
        else {
            continue;
        };
        for p in gw.server_ports().into_iter().flatten() {
            if serves(gateway_protocol(&p)) {
                push(p.number.value, format!("a server of Gateway `{ns}/{name}`"));
            }
        }
    }
    out
}

/// What a Gateway server's `protocol` carries: an HTTPS server terminates TLS for http
/// routes, or passes it through to tls routes, so it may serve either.
fn gateway_protocol(p: &Port<'_>) -> Option<PortProtocol> {
    match p.app_protocol?.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTP2" | "GRPC" => Some(PortProtocol::Http),
        "TCP" | "TLS" | "MONGO" => Some(PortProtocol::Opaque),
        _ => None,
    }
}
