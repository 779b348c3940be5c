//! `missing-subset`: see rules/missing-subset.md.

use crate::diagnostic::Severity;
use crate::model::index::Index;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, NamespaceSource, Resource};
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};
use crate::text::{backtick_list, closest, join_and};

pub struct MissingSubset;

static META: RuleMeta = RuleMeta {
    id: RuleId::MissingSubset,
    summary: "a route or mirror names a subset that no visible DestinationRule defines",
    severity: Severity::Error,
    kinds: &[Kind::VirtualService],
};

impl Rule for MissingSubset {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        let index = cx.index();
        for route in vs.routes() {
            let mut dests = route.destinations();
            dests.extend(route.mirrors());
            for d in dests {
                let (Some(host), Some(subset), Some(node)) =
                    (d.host(), d.subset(), d.subset_node())
                else {
                    continue;
                };
                let fqdn = index.resolve(host, &res.namespace);
                if res.namespace_source == NamespaceSource::Default
                    && defined_in_another_namespace(index, host, subset)
                {
                    continue;
                }
                let Some(sel) = index.destination_rules(&fqdn, &res.namespace) else {
                    let why = if index.any_dr_for(&fqdn) {
                        format!(
                            "the DestinationRules for host `{fqdn}` are not visible from namespace `{}` (their namespace or `exportTo`)",
                            res.namespace
                        )
                    } else {
                        format!("no DestinationRule defines host `{fqdn}`")
                    };
                    cx.report_with_help(
                        node.span,
                        format!("subset `{subset}` is not defined: {why}"),
                        format!(
                            "add a DestinationRule for `{host}` in namespace `{}` (or `{}`) with a subset `{subset}`",
                            res.namespace,
                            index.root_namespace
                        ),
                    );
                    continue;
                };
                let subsets = sel.subsets();
                if subsets
                    .iter()
                    .any(|s| s.name == subset || is_templated(s.name))
                {
                    continue;
                }
                let Some(first) = sel.rules.first() else {
                    continue;
                };
                let names: Vec<&str> = subsets.iter().map(|s| s.name).collect();
                let shown = 3;
                let mut rules: Vec<String> = sel
                    .rules
                    .iter()
                    .take(shown)
                    .map(|dr| {
                        format!(
                            "`{}/{}` ({})",
                            dr.res.namespace,
                            dr.res.name,
                            cx.location(dr.res, dr.res.name_span)
                        )
                    })
                    .collect();
                if sel.rules.len() > shown {
                    rules.push(format!("{} more", sel.rules.len() - shown));
                }
                let defined = if names.is_empty() {
                    "which defines no subsets".to_string()
                } else {
                    format!("which defines {}", backtick_list(&names))
                };
                let help = match closest(subset, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "add a subset `{subset}` to DestinationRule `{}/{}`",
                        first.res.namespace, first.res.name
                    ),
                };
                cx.report_with_help(
                    node.span,
                    format!(
                        "subset `{subset}` is not defined for host `{fqdn}` by DestinationRule {}, {defined}",
                        join_and(&rules)
                    ),
                    help,
                );
            }
        }
    }
}

/// Whether a VirtualService whose namespace is only guessed would find the subset if it
/// were applied to a namespace that has a DestinationRule for the service.
fn defined_in_another_namespace(index: &Index, host: &str, subset: &str) -> bool {
    if host.contains('.') {
        return false;
    }
    index.dr_namespaces_for_service(host).iter().any(|ns| {
        let fqdn = index.resolve(host, ns);
        index
            .destination_rules(&fqdn, ns)
            .is_some_and(|sel| sel.subsets().iter().any(|s| s.name == subset))
    })
}
