//! `gateway-not-found`: see rules/gateway-not-found.md.

use crate::model::gateway::{is_relative, placed_for, GatewayTarget};
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::rules::{Context, Rule};
use crate::text::did_you_mean;

declare_rule!(GatewayNotFound, kinds: [Kind::VirtualService]);

/// How many Gateways a message names before it counts the rest.
const SHOWN: usize = 5;

impl Rule for GatewayNotFound {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        for r in vs.gateway_refs() {
            // `mesh` is reserved; the Gateways Istio makes from Gateway API listeners are
            // never written in a repository.
            let GatewayTarget::Named { namespace, name } = &r.target else {
                continue;
            };
            // A Gateway API Gateway of that name: istioctl accepts the reference
            // (virtualservice/gateways.go looks up both kinds); pilot binds only Istio
            // Gateways by name, which is not this rule's finding.
            if index.get(Kind::Gateway, namespace, name).is_some()
                || index
                    .get(Kind::KubernetesGateway, namespace, name)
                    .is_some()
            {
                continue;
            }
            let same_name: Vec<&Resource> = index
                .of_kind(Kind::Gateway)
                .filter(|g| g.name == *name)
                .collect();
            // A Gateway of that name without a stated namespace may be applied to this one.
            if same_name
                .iter()
                .any(|g| g.namespace_source == NamespaceSource::Default)
            {
                continue;
            }
            // The scope rule: only where the repository defines the Gateways of that namespace
            // (with this VirtualService); elsewhere they are installed from another place (a
            // Helm chart, the platform team).
            let relative = is_relative(r.written.value);
            let mut near: Vec<&str> = index
                .in_namespace(Kind::Gateway, namespace)
                .filter(|g| placed_for(index, res, g, relative))
                .map(|g| g.name.as_str())
                .collect();
            if near.is_empty() {
                continue;
            }
            near.sort_unstable();
            near.dedup();
            let site = match &r.in_match {
                None => "`gateways`".to_string(),
                Some((route, i)) => format!("match {} of {}", i + 1, route.label()),
            };
            let consequence = match &r.in_match {
                None => "Istio binds the VirtualService to no gateway for it",
                Some(_) => "the match block never matches",
            };
            let help = match same_name.as_slice() {
                [g] => format!(
                    "Gateway `{name}` is defined in namespace `{}` ({}): write `{}/{name}`",
                    g.namespace,
                    cx.location(g.name_location()),
                    g.namespace
                ),
                _ => {
                    did_you_mean(name, near.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "define Gateway `{name}` in namespace `{namespace}`, or name a Gateway that exists (`<namespace>/<name>` for one of another namespace)"
                        )
                    })
                }
            };
            cx.report_with_help(
                r.written,
                format!(
                    "{site} names Gateway `{namespace}/{name}`, which is not defined (namespace `{namespace}` defines {} here), so {consequence}",
                    shown(&near)
                ),
                help,
            );
            cx.relate(same_name.iter().copied());
        }
    }
}

/// At most [`SHOWN`] names in backticks, then a count of the rest.
fn shown(names: &[&str]) -> String {
    let mut items: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        items.push(format!("{} more", names.len() - SHOWN));
    }
    crate::text::join_and(&items)
}
