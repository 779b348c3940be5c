//! `rollout-subset-missing`: see rules/rollout-subset-missing.md.

use crate::model::gateway_api::GatewayRoute;
use crate::model::istio::{DestinationRule, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::rollouts::{DestinationRuleRef, Rollout};
use crate::model::spanned::Location;
use crate::rules::{defined_subsets, missing_subset_help, Context, Rule};
use crate::text::{backtick_list, did_you_mean, join_and};

declare_rule!(RolloutSubsetMissing, kinds: [Kind::Rollout]);

impl Rule for RolloutSubsetMissing {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(rollout) = Rollout::view(res) else {
            return;
        };
        gateway_routes(res, &rollout, cx);
        let dr = rollout.destination_rule();
        // A missing DestinationRule or subset is the root cause; the routes are not checked
        // against it as well.
        if dr
            .as_ref()
            .is_some_and(|dr| check_destination_rule(res, dr, cx))
        {
            return;
        }
        let sides = match &dr {
            Some(dr) => {
                let (Some(canary), Some(stable)) = (dr.canary_subset, dr.stable_subset) else {
                    return;
                };
                Sides::Subsets {
                    canary: canary.value,
                    stable: stable.value,
                }
            }
            None => {
                let (Some(canary), Some(stable)) =
                    (rollout.canary_service(), rollout.stable_service())
                else {
                    return;
                };
                Sides::Services {
                    canary: canary.value,
                    stable: stable.value,
                }
            }
        };
        if [sides.canary(), sides.stable()]
            .into_iter()
            .any(is_templated)
        {
            return;
        }
        let managed_routes = rollout.managed_route_names();
        for m in rollout.virtual_services() {
            let Some(vs) = cx
                .index()
                .referenced(Kind::VirtualService, m.namespace, m.name, res)
                .and_then(VirtualService::view)
            else {
                continue;
            };
            if !vs.declares_http() {
                continue;
            }
            for route in m.http_routes(&vs, &managed_routes) {
                // Findings belong to the Rollout: point at its `routes` entry, else at the
                // VirtualService name.
                let at = m
                    .route_entries
                    .iter()
                    .find(|r| Some(r.value) == route.name())
                    .map_or(m.written.span, |r| r.span);
                check_route(at, &vs, &route, &sides, cx);
            }
        }
    }
}

/// What the managed routes must send traffic to.
enum Sides<'a> {
    Subsets { canary: &'a str, stable: &'a str },
    Services { canary: &'a str, stable: &'a str },
}

impl Sides<'_> {
    fn canary(&self) -> &str {
        match self {
            Sides::Subsets { canary, .. } | Sides::Services { canary, .. } => canary,
        }
    }

    fn stable(&self) -> &str {
        match self {
            Sides::Subsets { stable, .. } | Sides::Services { stable, .. } => stable,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Sides::Subsets { .. } => "subset",
            Sides::Services { .. } => "service",
        }
    }
}

/// The DestinationRule is looked up in the Rollout's namespace, and must define both
/// subsets.
// argo-rollouts istio.go getDestinationRule (lister in r.rollout.Namespace); UpdateHash labels
// the subsets named canarySubsetName / stableSubsetName and silently skips a missing one.
/// Whether it reported anything.
fn check_destination_rule(
    res: &Resource,
    dr: &DestinationRuleRef<'_>,
    cx: &mut Context<'_>,
) -> bool {
    let name = dr.name.value;
    if is_templated(name) {
        return false;
    }
    let index = cx.index();
    let Some(dr_res) = index.referenced(Kind::DestinationRule, &res.namespace, name, res) else {
        let defined = index
            .get(Kind::DestinationRule, &res.namespace, name)
            .is_some();
        if !defined && index.has_kind_in(Kind::DestinationRule, &res.namespace) {
            let names = index
                .in_namespace(Kind::DestinationRule, &res.namespace)
                .map(|r| r.name.as_str());
            let help = match did_you_mean(name, names) {
                Some(hint) => hint,
                None => format!(
                    "define DestinationRule `{name}` in namespace `{}` (Argo Rollouts looks it up in the Rollout's namespace)",
                    res.namespace
                ),
            };
            cx.report_with_help(
                dr.name,
                format!(
                    "DestinationRule `{}/{name}` is not defined; namespace `{}` defines {}",
                    res.namespace,
                    res.namespace,
                    index.names_in(Kind::DestinationRule, &res.namespace, 5)
                ),
                help,
            );
            return true;
        }
        return false;
    };
    let Some(rule) = DestinationRule::view(dr_res) else {
        return false;
    };
    if rule.has_templated_subsets() {
        return false;
    }
    let mut reported = false;
    let subsets = rule.subsets();
    let names: Vec<&str> = subsets.iter().map(|s| s.name.value).collect();
    for (role, written) in [("canary", dr.canary_subset), ("stable", dr.stable_subset)] {
        let Some(written) = written else {
            continue;
        };
        let subset = written.value;
        if is_templated(subset) || names.contains(&subset) {
            continue;
        }
        let defined = defined_subsets(&names);
        let help = missing_subset_help(
            subset,
            &names,
            dr_res,
            &format!("; Argo Rollouts labels it with the {role} pod hash"),
        );
        cx.report_with_help(
            written,
            format!(
                "{role} subset `{subset}` is not defined by DestinationRule `{}/{}` ({}), {defined}",
                dr_res.namespace,
                dr_res.name,
                cx.location(dr_res.name_location())
            ),
            help,
        );
        cx.relate([dr_res]);
        reported = true;
    }
    reported
}

/// A managed route must send traffic to both sides, or Argo Rollouts refuses to set weights.
// argo-rollouts istio.go validateVirtualServiceRouteDestinations: with a destinationRule only
// subsets are compared ("Canary DestinationRule subset '%s' not found in route"), else hosts
// by the part before the first dot (getHost), so FQDN destinations match ("Canary Service
// '%s' not found in route"; issue #1105, fixed by PR #1114).
fn check_route(
    at: Location,
    vs: &VirtualService<'_>,
    route: &Route<'_>,
    sides: &Sides<'_>,
    cx: &mut Context<'_>,
) {
    let dests = route.destinations();
    let mut seen: Vec<&str> = Vec::new();
    for d in &dests {
        let value = match sides {
            Sides::Subsets { .. } => d.subset_field().map(|f| f.value),
            Sides::Services { .. } => d.host_field().map(|f| f.value.map(short_host)),
        };
        match value {
            // A templated value could be either side.
            Some(None) => return,
            Some(Some(v)) => seen.push(v),
            None => {}
        }
    }
    let missing: Vec<String> = [("canary", sides.canary()), ("stable", sides.stable())]
        .into_iter()
        .filter(|(_, want)| !seen.contains(want))
        .map(|(role, want)| format!("the {role} {} `{want}`", sides.what()))
        .collect();
    if missing.is_empty() {
        return;
    }
    let has = if seen.is_empty() {
        format!("it has no destination {}", sides.what())
    } else {
        format!("its destinations are {}", backtick_list(&seen))
    };
    let help = match sides {
        Sides::Subsets { .. } => format!(
            "send the route to both subsets (e.g. `subset: {}` with weight 100 and `subset: {}` with weight 0)",
            sides.stable(),
            sides.canary()
        ),
        Sides::Services { .. } => format!(
            "send the route to both services (e.g. `host: {}` with weight 100 and `host: {}` with weight 0)",
            sides.stable(),
            sides.canary()
        ),
    };
    cx.report_with_help(
        at,
        format!(
            "{} of VirtualService `{}/{}` ({}) does not send traffic to {}, so Argo Rollouts will not set its weights; {has}",
            route.label(),
            vs.res.namespace,
            vs.res.name,
            cx.location(route.span()),
            join_and(&missing)
        ),
        help,
    );
    cx.relate([vs.res]);
}

/// The service name of a destination host: the part before the first dot.
// argo-rollouts istio.go getHost.
fn short_host(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// Each route the Gateway API plugin names must send traffic to both Services: the plugin
/// sets the weight of every backend named after the canary or the stable Service, in every
/// rule but those it added for header routes, and fails when either is in none ("backendRef
/// was not found in httpRoute").
// argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/httproute.go
// setHTTPRouteWeight and grpcroute.go setGRPCRouteWeight (canaryFound, stableFound).
fn gateway_routes(res: &Resource, rollout: &Rollout<'_>, cx: &mut Context<'_>) {
    let (Some(canary), Some(stable)) = (rollout.canary_service(), rollout.stable_service()) else {
        return;
    };
    let (canary, stable) = (canary.value, stable.value);
    if [canary, stable].into_iter().any(is_templated) {
        return;
    }
    let managed_routes = rollout.managed_route_names();
    for r in rollout.gateway_routes() {
        let Some(kind) = r.kind.filter(|_| !is_templated(r.namespace)) else {
            continue;
        };
        let Some(route) = cx
            .index()
            .referenced(kind, r.namespace, r.name.value, res)
            .and_then(GatewayRoute::view)
        else {
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        for rule in route.rules() {
            if rule.name().is_some_and(|n| managed_routes.contains(&n)) {
                continue;
            }
            for b in rule.backends() {
                match b.name() {
                    Some(n) if is_templated(n) => return,
                    Some(n) if !seen.contains(&n) => seen.push(n),
                    _ => {}
                }
            }
        }
        let missing: Vec<String> = [("canary", canary), ("stable", stable)]
            .into_iter()
            .filter(|(_, want)| !seen.contains(want))
            .map(|(role, want)| format!("the {role} service `{want}`"))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let has = if seen.is_empty() {
            "it has no backends".to_string()
        } else {
            format!("its backends are {}", backtick_list(&seen))
        };
        cx.report_with_help(
            r.name,
            format!(
                "{} `{}/{}` ({}) does not send traffic to {}, so the Gateway API plugin fails to set its weights; {has}",
                r.kind_name,
                route.res.namespace,
                route.res.name,
                cx.location(route.res.name_location()),
                join_and(&missing)
            ),
            format!(
                "list both services in the rule's `backendRefs` (e.g. `name: {stable}` with weight 100 and `name: {canary}` with weight 0)"
            ),
        );
        cx.relate([route.res]);
    }
}
