//! `rollout-route-missing`: see rules/rollout-route-missing.md.

use crate::model::istio::{Protocol, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::rollouts::{ManagedVs, Rollout, StrayGatewayKey, GATEWAY_API_PLUGIN};
use crate::rules::{Context, Rule};
use crate::text::{backtick_list, did_you_mean};

declare_rule!(RolloutRouteMissing, kinds: [Kind::Rollout]);

impl Rule for RolloutRouteMissing {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
        gateway_api(res, &rollout, cx);
        let managed_routes = rollout.managed_route_names();
        for m in rollout.virtual_services() {
            if is_templated(m.name) || is_templated(m.namespace) {
                continue;
            }
            let index = cx.index();
            let Some(vs_res) = index.referenced(Kind::VirtualService, m.namespace, m.name, res)
            else {
                if index
                    .get(Kind::VirtualService, m.namespace, m.name)
                    .is_none()
                {
                    missing_vs(&m, cx);
                }
                continue;
            };
            let Some(vs) = VirtualService::view(vs_res) else {
                continue;
            };
            // argo-rollouts istio.go reconcileVirtualService: without an `http` list the http
            // routes are neither validated nor patched; tls and tcp routes may be managed.
            if !vs.declares_http() {
                if !m.tls_routes && !m.tcp_routes && vs.routes().is_empty() {
                    cx.report_with_help(
                        m.written,
                        format!(
                            "VirtualService `{}/{}` ({}) has no routes, so Argo Rollouts has no weights to set",
                            m.namespace,
                            m.name,
                            cx.location(vs_res.name_location())
                        ),
                        "add the http route that sends traffic to the stable and canary destinations",
                    );
                    cx.relate([vs_res]);
                }
                continue;
            }
            if m.routes.is_empty() {
                omitted_routes(&m, &vs, &managed_routes, cx);
            } else {
                named_routes(&m, &vs, cx);
            }
        }
    }
}

/// The VirtualService is not in scope: a finding only when the scope defines others in that
/// namespace (else it is likely managed elsewhere).
fn missing_vs(m: &ManagedVs<'_>, cx: &mut Context<'_>) {
    let index = cx.index();
    if !index.has_kind_in(Kind::VirtualService, m.namespace) {
        return;
    }
    let names = index
        .in_namespace(Kind::VirtualService, m.namespace)
        .map(|r| r.name.as_str());
    let help = match did_you_mean(m.name, names) {
        Some(hint) => hint,
        None => format!(
            "define VirtualService `{}` in namespace `{}`, or name one that exists (`name.namespace` for another namespace)",
            m.name, m.namespace
        ),
    };
    cx.report_with_help(
        m.written,
        format!(
            "VirtualService `{}/{}` is not defined; namespace `{}` defines {}",
            m.namespace,
            m.name,
            m.namespace,
            index.names_in(Kind::VirtualService, m.namespace, 5)
        ),
        help,
    );
}

/// `routes` lists http routes by name; each must exist.
// argo-rollouts istio.go getHttpRouteIndexesToPatch: "HTTP Route '%s' is not found in the
// defined Virtual Service."
fn named_routes(m: &ManagedVs<'_>, vs: &VirtualService<'_>, cx: &mut Context<'_>) {
    let names: Vec<&str> = vs
        .routes_of(Protocol::Http)
        .iter()
        .filter_map(|r| r.name())
        .collect();
    for entry in &m.route_entries {
        let route = entry.value;
        if is_templated(route) || names.contains(&route) {
            continue;
        }
        let has = if names.is_empty() {
            "which has no named http routes".to_string()
        } else {
            format!("which has {}", backtick_list(&names))
        };
        let help = match did_you_mean(route, names.iter().copied()) {
            Some(hint) => hint,
            None => {
                format!("give the http route that splits stable and canary traffic `name: {route}`")
            }
        };
        cx.report_with_help(
            entry,
            format!(
                "http route `{route}` is not defined in VirtualService `{}/{}` ({}), {has}",
                m.namespace,
                m.name,
                cx.location(vs.res.name_location())
            ),
            help,
        );
        cx.relate([vs.res]);
    }
}

/// `routes` is omitted: Argo requires exactly one http route (routes listed in
/// `managedRoutes` aside), and patches the only http route, else the first without a name.
// argo-rollouts istio.go ValidateHTTPRoutes: "spec.http[] should be set in VirtualService and
// it must have exactly one route when omitting
// spec.strategy.canary.trafficRouting.istio.virtualService.routes"; getHttpRouteIndexesToPatch
// patches the only route by index (since v1.9), else the first route with no name.
fn omitted_routes(
    m: &ManagedVs<'_>,
    vs: &VirtualService<'_>,
    managed_routes: &[&str],
    cx: &mut Context<'_>,
) {
    let all = vs.routes_of(Protocol::Http);
    let routes: Vec<_> = all
        .iter()
        .filter(|r| r.name().is_none_or(|n| !managed_routes.contains(&n)))
        .copied()
        .collect();
    let at = cx.location(vs.res.name_location());
    let vs_name = format!("`{}/{}` ({at})", m.namespace, m.name);
    let (message, help) = match routes.as_slice() {
        [] => (
            format!("`routes` is omitted and VirtualService {vs_name} has no http route for Argo Rollouts to manage, so weights are never set"),
            "add the http route that sends traffic to the stable and canary destinations".to_string(),
        ),
        // The only http route of the VirtualService is patched whatever its name; beside
        // managed routes, only an unnamed one is.
        [only] => match only.name() {
            Some(name) if all.len() > 1 => (
                format!("`routes` is omitted and VirtualService {vs_name} also holds managed routes, so Argo Rollouts patches the first unnamed http route, but its only other route is named `{name}`: weights are never set"),
                format!("list it: `routes: [{name}]`"),
            ),
            _ => return,
        },
        many => {
            let labels: Vec<String> = many.iter().map(|r| r.label()).collect();
            let help =
                "name the http route that splits stable and canary traffic and list it under `routes`"
                    .to_string();
            (
                format!(
                    "`routes` is omitted, so Argo Rollouts requires exactly one http route, but VirtualService {vs_name} has {}: {}",
                    many.len(),
                    crate::text::join_and(&labels)
                ),
                help,
            )
        }
    };
    cx.report_with_help(m.written, message, help);
    cx.relate([vs.res]);
}

/// The Gateway API plugin's routes: the plugin fails without any ("No routes configured"),
/// and looks each up by kind in its namespace; keys it does not read are reported too.
// argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/plugin.go SetWeight
// (isConfigHasRoutes, GatewayAPIManifestError) and getGatewayAPITrafficRoutingConfig
// (`Plugins[PluginName]`, the namespace defaulting to the Rollout's).
fn gateway_api(res: &Resource, rollout: &Rollout<'_>, cx: &mut Context<'_>) {
    for stray in rollout.stray_gateway_api_keys() {
        match stray {
            StrayGatewayKey::Misplaced(key) => cx.report_with_help(
                key,
                format!(
                    "`trafficRouting.{}` is not a Rollout field: the API server prunes it, and Argo Rollouts never sets the route weights",
                    key.value
                ),
                format!("move it under `trafficRouting.plugins.{GATEWAY_API_PLUGIN}`, with the plugin registered in the `argo-rollouts-config` ConfigMap"),
            ),
            StrayGatewayKey::Misspelt(key) => cx.report_with_help(
                key,
                format!(
                    "plugin `{}` is not `{GATEWAY_API_PLUGIN}`: the Gateway API plugin reads its configuration only under its exact name, and finds no routes",
                    key.value
                ),
                format!("did you mean `{GATEWAY_API_PLUGIN}`?"),
            ),
        }
    }
    let Some(plugin) = rollout.gateway_plugin() else {
        return;
    };
    if plugin.routes.is_empty() && !plugin.selects {
        cx.report_with_help(
            plugin.key,
            format!("plugin `{GATEWAY_API_PLUGIN}` names no route, so it fails to set any weight (\"No routes configured\")"),
            "name the route that splits stable and canary traffic: `httpRoute: <name>` (or `httpRoutes`, `grpcRoute`, `grpcRoutes`, `tcpRoutes`, `tlsRoutes`)",
        );
        return;
    }
    let ns = plugin.namespace;
    if is_templated(ns) {
        return;
    }
    let index = cx.index();
    for r in &plugin.routes {
        let Some(kind) = r.kind else {
            continue;
        };
        let name = r.name.value;
        if is_templated(name)
            || index.referenced(kind, ns, name, res).is_some()
            || index.get(kind, ns, name).is_some()
        {
            continue;
        }
        // The other kind of route by that name: listed under the wrong field.
        let other = match kind {
            Kind::HttpRoute => Kind::GrpcRoute,
            _ => Kind::HttpRoute,
        };
        if let Some(found) = index.referenced(other, ns, name, res) {
            let field = match other {
                Kind::HttpRoute => "httpRoute",
                _ => "grpcRoute",
            };
            cx.report_with_help(
                r.name,
                format!(
                    "`{}` names `{name}`, which is {} {other} ({}), not a {}: the plugin looks it up among {}s and fails",
                    r.field,
                    if other == Kind::HttpRoute { "an" } else { "a" },
                    cx.location(found.name_location()),
                    r.kind_name,
                    r.kind_name
                ),
                format!("list it under `{field}` (or `{field}s`)"),
            );
            cx.relate([found]);
            continue;
        }
        if !index.has_kind_in(kind, ns) {
            continue;
        }
        let names = index.in_namespace(kind, ns).map(|r| r.name.as_str());
        let help = match did_you_mean(name, names) {
            Some(hint) => hint,
            None => format!(
                "define {} `{name}` in namespace `{ns}`, or name one that exists (the plugin's `namespace` for another namespace)",
                r.kind_name
            ),
        };
        cx.report_with_help(
            r.name,
            format!(
                "{} `{ns}/{name}` is not defined; namespace `{ns}` defines {}",
                r.kind_name,
                index.names_in(kind, ns, 5)
            ),
            help,
        );
    }
}
