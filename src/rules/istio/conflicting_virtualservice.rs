//! `conflicting-virtualservice`: see rules/conflicting-virtualservice.md.

use std::path::Path;

use crate::diagnostic::Severity;
use crate::model::index::share_a_viewer;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};

pub struct ConflictingVirtualservice;

static META: RuleMeta = RuleMeta {
    id: RuleId::ConflictingVirtualservice,
    summary: "two mesh VirtualServices claim the same host; Istio uses only one",
    severity: Severity::Warning,
    kinds: &[Kind::VirtualService],
};

fn same_object(a: &Resource, b: &Resource) -> bool {
    a.namespace == b.namespace && a.name == b.name
}

/// Whether two resources certainly land in the namespaces the index gives them. A
/// manifest without a namespace (and no kustomization setting one) is applied wherever
/// its directory is applied, so it is only compared with manifests of the same directory.
fn comparable(cx: &Context<'_>, a: &Resource, b: &Resource) -> bool {
    let guessed = |r: &Resource| r.namespace_source == NamespaceSource::Default;
    if !guessed(a) && !guessed(b) {
        return true;
    }
    let dir = |r: &Resource| {
        cx.file(r)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
    };
    dir(a) == dir(b)
}

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
            // `*` is not allowed on a mesh-bound VirtualService; validation rejects it.
            if host == "*" {
                continue;
            }
            let fqdn = index.resolve(host, &res.namespace);
            if reported.contains(&fqdn) {
                continue;
            }
            let claimants: Vec<&Resource> = index.mesh_virtual_services(&fqdn).collect();
            // A VirtualService defined in several files (overlays, alternatives) is one
            // object: report it once, at its first definition.
            if claimants
                .iter()
                .take_while(|o| !std::ptr::eq(**o, res))
                .any(|o| same_object(o, res))
            {
                continue;
            }
            let mut others: Vec<String> = Vec::new();
            for o in claimants {
                if same_object(o, res) || !comparable(cx, res, o) {
                    continue;
                }
                let Some(ov) = VirtualService::view(o) else {
                    continue;
                };
                if !share_a_viewer(&res.namespace, &export, &o.namespace, &ov.export_to()) {
                    continue;
                }
                let name = format!("`{}/{}`", o.namespace, o.name);
                if !others.iter().any(|x| x.starts_with(&name)) {
                    others.push(format!("{name} ({})", cx.location(o, o.name_span)));
                }
            }
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
