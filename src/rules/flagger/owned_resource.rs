//! `flagger-owned-resource`: see rules/flagger-owned-resource.md.

use crate::model::flagger::Canary;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};
use crate::source::Span;

declare_rule!(FlaggerOwnedResource, kinds: [Kind::VirtualService, Kind::DestinationRule, Kind::Service, Kind::HttpRoute]);

impl Rule for FlaggerOwnedResource {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let ns = res.namespace.as_str();
        let index = cx.index();
        match res.kind {
            Kind::VirtualService => {
                // Flagger pkg/router/istio.go reconcileVirtualService: the generated
                // VirtualService is named after the apex service and routes its host.
                if let Some(c) = pick(index.canaries_for_apex(ns, &res.name), res, |c| {
                    c.may_use_istio()
                }) {
                    report(cx, res, &c, res.name_span);
                    return;
                }
                // Flagger's VirtualService binds `mesh` unless the Canary lists gateways; a
                // gateway-only VirtualService for the same host does not meet it there.
                let Some(vs) = VirtualService::view(res).filter(|v| v.is_mesh_bound()) else {
                    return;
                };
                for written in vs.hosts() {
                    let host = written.value;
                    let Some(short) = host.split('.').next() else {
                        continue;
                    };
                    let fqdn = index.resolve(host, ns);
                    if fqdn != format!("{short}.{ns}.svc.cluster.local") {
                        continue;
                    }
                    if let Some(c) = pick(
                        index.canaries_for_apex(ns, short),
                        res,
                        Canary::may_use_istio,
                    ) {
                        let loc = cx.location(c.res.name_location());
                        cx.report_with_help(
                            written,
                            format!(
                                "host `{host}` is the apex service of Flagger Canary `{}/{}` ({loc}), whose generated VirtualService `{short}` routes it: Istio merges the two unpredictably and Flagger's weights may not apply",
                                c.res.namespace, c.res.name
                            ),
                            "remove this VirtualService and move its routing into the Canary's `service` (hosts, gateways, match, retries, headers)",
                        );
                        cx.relate([c.res]);
                        return;
                    }
                }
            }
            Kind::HttpRoute => {
                // Flagger pkg/router/gateway_api.go Reconcile: the generated HTTPRoute is named
                // after the apex service, in the Canary's namespace, and its spec is replaced
                // on every reconcile (filters and extra rules are lost: fluxcd/flagger#1857).
                if let Some(c) = pick(index.canaries_for_apex(ns, &res.name), res, |c| {
                    c.may_use_gateway_api()
                }) {
                    report(cx, res, &c, res.name_span);
                }
            }
            Kind::DestinationRule | Kind::Service => {
                // pkg/router/istio.go (DestinationRules) and kubernetes_default.go
                // (Services) generate `<apex>-primary` and `<apex>-canary`. The apex Service
                // itself is adopted too, but writing it by hand is the documented norm.
                let Some(apex) = res
                    .name
                    .strip_suffix("-primary")
                    .or_else(|| res.name.strip_suffix("-canary"))
                else {
                    return;
                };
                let istio_only = res.kind == Kind::DestinationRule;
                if let Some(c) = pick(index.canaries_for_apex(ns, apex), res, |c| {
                    !istio_only || c.may_use_istio()
                }) {
                    report(cx, res, &c, res.name_span);
                }
            }
            _ => {}
        }
    }
}

/// The first Canary that passes `keep`, preferring one in the resource's own file.
fn pick<'a>(
    canaries: impl Iterator<Item = Canary<'a>>,
    res: &Resource,
    keep: impl Fn(&Canary<'a>) -> bool,
) -> Option<Canary<'a>> {
    let all: Vec<Canary<'a>> = canaries.filter(|c| keep(c)).collect();
    let same_file = all.iter().position(|c| c.res.file == res.file).unwrap_or(0);
    all.into_iter().nth(same_file)
}

fn report(cx: &mut Context<'_>, res: &Resource, c: &Canary<'_>, span: Span) {
    let loc = cx.location(c.res.name_location());
    cx.report_with_help(
        span,
        format!(
            "Flagger Canary `{}/{}` ({loc}) generates and overwrites this {}: edits here are lost on the next reconcile",
            c.res.namespace, c.res.name, res.kind
        ),
        match res.kind {
            Kind::VirtualService => "remove it and configure routing in the Canary's `service` (hosts, gateways, match, retries, headers)",
            Kind::DestinationRule => "remove it and set the Canary's `service.trafficPolicy` (or `primary`/`canary` metadata) instead",
            Kind::HttpRoute => "remove it and configure routing in the Canary's `service` (gatewayRefs, hosts, match, headers, timeout)",
            _ => "remove it and set the Canary's `service` (port, portName, apex/primary/canary metadata) instead",
        },
    );
    cx.relate([c.res]);
}
