//! `missing-subset`: see rules/missing-subset.md.

use crate::model::index::{Index, Unplaced};
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::model::spanned::Spanned;
use crate::rules::{defined_subsets, missing_subset_help, Context, Rule};
use crate::text::{count, join_and};

declare_rule!(MissingSubset, kinds: [Kind::VirtualService]);

impl Rule for MissingSubset {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::DestinationRule]
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
                let (
                    Some(host),
                    Some(Spanned {
                        value: subset,
                        span: at,
                    }),
                ) = (d.host(), d.subset_field().and_then(|f| f.known()))
                else {
                    continue;
                };
                // A service's namespaced short name (`reviews.shop`) names no service as
                // written: `host-not-fqdn` reports it, and no DestinationRule can fix it.
                if index.namespaced_short_form(host).is_some() {
                    continue;
                }
                let fqdn = index.resolve(host, &res.namespace);
                if res.namespace_source == NamespaceSource::Default
                    && defined_in_another_namespace(index, res, host, subset)
                {
                    continue;
                }
                // A DestinationRule that sets no namespace may land in the client's namespace
                // or not: the subset is missing only if it is missing either way. The message
                // names the rules whose place is known, when there are some.
                // The rules from anywhere are asked first: when they define the subset, the
                // rules beside the VirtualService (kept per directory) are not needed.
                let anywhere =
                    index.destination_rules(&fqdn, &res.namespace, res, Unplaced::Anywhere);
                if anywhere.as_ref().is_some_and(|sel| sel.may_define(subset)) {
                    continue;
                }
                let beside = index.destination_rules(&fqdn, &res.namespace, res, Unplaced::Beside);
                if beside.as_ref().is_some_and(|sel| sel.may_define(subset)) {
                    continue;
                }
                let Some(sel) = beside.or(anywhere) else {
                    let why = if index.any_dr_for(&fqdn) {
                        format!(
                            "the DestinationRules for host `{fqdn}` are not visible from namespace `{}` (their namespace or `exportTo`)",
                            res.namespace
                        )
                    } else {
                        format!("no DestinationRule defines host `{fqdn}`")
                    };
                    cx.report_with_help(
                        at,
                        format!("subset `{subset}` is not defined: {why}"),
                        format!(
                            "add a DestinationRule for `{host}` in namespace `{}` (or `{}`) with a subset `{subset}`",
                            res.namespace,
                            index.root_namespace
                        ),
                    );
                    continue;
                };
                let objects = sel.objects(res);
                let Some(first) = objects.first() else {
                    continue;
                };
                let names = sel.subset_names();
                let shown = 3;
                let mut rules: Vec<String> = objects
                    .iter()
                    .take(shown)
                    .map(|dr| {
                        format!(
                            "`{}/{}` ({})",
                            dr.res.namespace,
                            dr.res.name,
                            cx.location(dr.res.name_location())
                        )
                    })
                    .collect();
                if objects.len() > shown {
                    rules.push(format!("{} more", count(objects.len() - shown)));
                }
                let defined = defined_subsets(&names);
                let help = missing_subset_help(subset, &names, first.res, "");
                cx.report_with_help(
                    at,
                    format!(
                        "subset `{subset}` is not defined for host `{fqdn}` by DestinationRule {}, {defined}",
                        join_and(&rules)
                    ),
                    help,
                );
                cx.relate(objects.iter().map(|dr| dr.res));
            }
        }
    }
}

/// Whether a VirtualService whose namespace is only guessed would find the subset if it
/// were applied to a namespace that has a DestinationRule for the service.
fn defined_in_another_namespace(index: &Index, res: &Resource, host: &str, subset: &str) -> bool {
    if host.contains('.') {
        return false;
    }
    index.dr_namespaces_for_service(host).iter().any(|ns| {
        let fqdn = index.resolve(host, ns);
        index
            .destination_rules(&fqdn, ns, res, Unplaced::Anywhere)
            .is_some_and(|sel| sel.has_subset(subset))
    })
}
