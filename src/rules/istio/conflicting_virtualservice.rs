//! `conflicting-virtualservice`: see rules/conflicting-virtualservice.md.

use crate::diagnostic::Severity;
use crate::model::index::share_a_viewer;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};

pub struct ConflictingVirtualservice;

static META: RuleMeta = RuleMeta {
    id: RuleId::ConflictingVirtualservice,
    summary: "two mesh VirtualServices claim the same host; Istio uses only one",
    severity: Severity::Warning,
    kinds: &[Kind::VirtualService],
};

impl Rule for ConflictingVirtualservice {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        if !vs.is_mesh_bound() {
            return;
        }
        let index = cx.index();
        let export = vs.export_to();
        let mut reported = Vec::new();
        for (node, host) in vs.hosts() {
            let fqdn = index.resolve(host, &res.namespace);
            if reported.contains(&fqdn) {
                continue;
            }
            let others: Vec<String> = index
                .mesh_virtual_services(&fqdn)
                // The same object defined twice (overlays, environments) is not a conflict.
                .filter(|o| !(o.namespace == res.namespace && o.name == res.name))
                .filter_map(|o| {
                    let ov = VirtualService::view(o)?;
                    share_a_viewer(&res.namespace, &export, &o.namespace, &ov.export_to()).then(
                        || {
                            format!(
                                "`{}/{}` ({})",
                                o.namespace,
                                o.name,
                                cx.location(o, o.name_span)
                            )
                        },
                    )
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            reported.push(fqdn.clone());
            cx.report_with_help(
                node.span,
                format!(
                    "host `{fqdn}` is also claimed by mesh VirtualService {}; sidecars use only one of them",
                    others.join(", ")
                ),
                "merge the routes into one VirtualService, or bind the others to gateways",
            );
        }
    }
}
