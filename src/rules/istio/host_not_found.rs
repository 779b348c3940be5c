//! `host-not-found`: see rules/host-not-found.md.

use crate::model::istio::{DestinationRule, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::model::spanned::Spanned;
use crate::model::workloads::service_name;
use crate::rules::{Context, Rule};
use crate::text::{closest, join_and};

declare_rule!(HostNotFound, kinds: [Kind::VirtualService, Kind::DestinationRule]);

impl Rule for HostNotFound {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::Service]
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        if let Some(dr) = DestinationRule::view(res) {
            if let Some(host) = dr.host_field() {
                check_host(res, host, "this DestinationRule applies to no service", cx);
            }
            return;
        }
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            for (host, loss) in route.hosts_and_loss() {
                check_host(res, host, &loss, cx);
            }
        }
    }
}

fn check_host(res: &Resource, host: Spanned<&str>, what: &str, cx: &mut Context<'_>) {
    let index = cx.index();
    // `svc.ns` and `svc.ns.svc` are `host-not-fqdn`'s.
    if index.namespaced_short_form(host.value).is_some() {
        return;
    }
    let fqdn = index.resolve(host.value, &res.namespace);
    // Only in-cluster names: an external host needs no ServiceEntry to be written here.
    let Some((name, ns)) = service_name(&fqdn) else {
        return;
    };
    if index.defines_service_host(&fqdn, &res.namespace) {
        return;
    }
    // A short name of a manifest whose namespace is only guessed names a Service of
    // whichever namespace it is applied to: defined in one of them, it may be that one.
    let short = !host.value.contains('.');
    if short
        && res.namespace_source == NamespaceSource::Default
        && index.of_kind(Kind::Service).any(|s| s.name == name)
    {
        return;
    }
    // The scope rule: Services of that namespace are written together with this manifest
    // (its file, or its directory when both state their namespace), so this one would be
    // too; otherwise it may come from a chart, another base (kustomize prefixes and suffixes
    // rename Services) or another repository.
    let services: Vec<&Resource> = index
        .in_namespace(Kind::Service, ns)
        .filter(|s| index.written_together(s, res))
        .collect();
    if services.is_empty() {
        return;
    }
    let near = closest(name, services.iter().map(|s| s.name.as_str()))
        .and_then(|n| services.iter().find(|s| s.name == n));
    let mut names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
    names.sort_unstable();
    names.dedup();
    let total = names.len();
    names.truncate(3);
    if total > 3 {
        names.push(format!("{} more", total - 3));
    }
    let defined = join_and(&names);
    let help = match near {
        Some(s) => format!(
            "did you mean Service `{}` ({})? Otherwise define Service `{name}` in namespace `{ns}`, or a ServiceEntry for `{fqdn}`",
            s.name,
            cx.location(s.name_location())
        ),
        None => format!(
            "define Service `{name}` in namespace `{ns}`, or a ServiceEntry for `{fqdn}`, or correct the host"
        ),
    };
    cx.report_with_help(
        host,
        format!(
            "host `{}` names Service `{name}` of namespace `{ns}`, which no Service or ServiceEntry defines (the Services written with this manifest there: {defined}), so {what}",
            host.value
        ),
        help,
    );
    // The Service it most likely meant (renamed, say): a change to it caused the finding.
    cx.relate(near.copied());
}
