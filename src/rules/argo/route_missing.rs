//! `rollout-route-missing`: see rules/rollout-route-missing.md.

use crate::model::istio::{Protocol, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::rollouts::{ManagedVs, Rollout};
use crate::rules::{Context, Rule};
use crate::text::{backtick_list, did_you_mean};

declare_rule!(RolloutRouteMissing, kinds: [Kind::Rollout]);

impl Rule for RolloutRouteMissing {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
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
