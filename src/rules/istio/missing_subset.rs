//! `missing-subset`: see rules/missing-subset.md.

use crate::diagnostic::Severity;
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::rules::registry::RuleId;
use crate::rules::{Context, Rule, RuleMeta};
use crate::text::{backtick_list, closest};

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
                let rules: Vec<String> = sel
                    .rules
                    .iter()
                    .map(|dr| {
                        format!(
                            "`{}/{}` ({})",
                            dr.res.namespace,
                            dr.res.name,
                            cx.location(dr.res, dr.res.name_span)
                        )
                    })
                    .collect();
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
                        rules.join(" and ")
                    ),
                    help,
                );
            }
        }
    }
}
