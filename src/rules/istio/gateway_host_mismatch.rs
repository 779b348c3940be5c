//! `gateway-host-mismatch`: see rules/gateway-host-mismatch.md.

use crate::model::gateway::{is_relative, placed_for, Gateway, GatewayTarget, ServerHost};
use crate::model::host;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::rules::{Context, Rule};
use crate::text::join_and;

declare_rule!(GatewayHostMismatch, kinds: [Kind::VirtualService]);

/// How many hosts a message names before it counts the rest.
const SHOWN: usize = 4;

impl Rule for GatewayHostMismatch {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let hosts: Vec<&str> = vs.hosts().map(|h| h.value).collect();
        if hosts.is_empty() || !vs.hosts_known() {
            return;
        }
        // Istio expands a host without a dot with the VirtualService's namespace, for gateways
        // as for sidecars (pilot/pkg/model/virtualservice.go ResolveVirtualServiceShortnames).
        let resolved: Vec<String> = hosts
            .iter()
            .map(|h| host::resolve(h, &res.namespace))
            .collect();
        let index = cx.index();
        // The top-level `gateways` bind; a match's `gateways` only narrows them.
        for r in vs.gateway_refs().iter().filter(|r| r.in_match.is_none()) {
            let GatewayTarget::Named { namespace, name } = &r.target else {
                continue;
            };
            let Some(gw_res) = index.referenced(Kind::Gateway, namespace, name, res) else {
                continue;
            };
            if !placed_for(index, res, gw_res, is_relative(r.written.value)) {
                continue;
            }
            let Some(gateway) = Gateway::view(gw_res) else {
                continue;
            };
            let Some(server_hosts) = gateway.server_hosts() else {
                continue;
            };
            // pilot/pkg/networking/core/gateway.go buildGatewayVirtualHosts: a server's hosts
            // that admit the VirtualService's namespace (host.NamesForNamespace), intersected
            // with its resolved hosts (host.Names.Intersection); none, and the gateway builds
            // no route of it.
            let serving = |sh: &ServerHost<'_>| resolved.iter().any(|h| sh.serves(h));
            if server_hosts
                .iter()
                .any(|sh| sh.admits(&res.namespace, &gw_res.namespace) && serving(sh))
            {
                continue;
            }
            let blocked: Vec<&ServerHost<'_>> =
                server_hosts.iter().filter(|sh| serving(sh)).collect();
            // The namespace of the VirtualService is only guessed: a host restricted to some
            // namespace may admit it where it is applied.
            if !blocked.is_empty() && res.namespace_source == NamespaceSource::Default {
                continue;
            }
            let vs_hosts: Vec<String> = hosts
                .iter()
                .zip(&resolved)
                .map(|(h, full)| {
                    if h.contains('.') || *h == "*" {
                        format!("`{h}`")
                    } else {
                        format!("`{h}` (`{full}`)")
                    }
                })
                .collect();
            let gw_hosts = shown(
                server_hosts
                    .iter()
                    .map(|sh| format!("`{}`", sh.written.value))
                    .collect(),
            );
            let help = if let Some(sh) = blocked.first() {
                let admitted = match &sh.namespace {
                    crate::model::gateway::HostNamespace::Named(ns) => ns.as_str(),
                    _ => gw_res.namespace.as_str(),
                };
                format!(
                    "server host `{}` admits only VirtualServices of namespace `{admitted}`: define the VirtualService there, or write `{}/{}` (or `*/{}`) in the Gateway",
                    sh.written.value, res.namespace, sh.host, sh.host
                )
            } else if let Some(short) = hosts.iter().find(|h| !h.contains('.') && **h != "*") {
                format!(
                    "a host without a dot is a service of the mesh: `{short}` means `{}`, not a name clients send to the gateway; write the full name the Gateway serves ({gw_hosts})",
                    host::resolve(short, &res.namespace)
                )
            } else {
                "list a host the Gateway serves in `hosts`, or add this VirtualService's host to a server of the Gateway".to_string()
            };
            let location = server_hosts.first().map_or_else(
                || cx.location(gw_res.name_location()),
                |sh| cx.location(sh.written),
            );
            cx.report_with_help(
                r.written,
                format!(
                    "Gateway `{namespace}/{name}` serves none of this VirtualService's hosts {}: its servers ({location}) accept {gw_hosts}, so no request through it reaches these routes (404)",
                    shown(vs_hosts)
                ),
                help,
            );
            cx.relate([gw_res]);
        }
    }
}

/// At most [`SHOWN`] items, then a count of the rest, joined.
fn shown(mut items: Vec<String>) -> String {
    let total = items.len();
    items.truncate(SHOWN);
    if total > SHOWN {
        items.push(format!("{} more", total - SHOWN));
    }
    join_and(&items)
}
