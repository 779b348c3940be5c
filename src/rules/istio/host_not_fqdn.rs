//! `host-not-fqdn`: see rules/host-not-fqdn.md.

use crate::model::istio::{DestinationRule, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::Spanned;
use crate::rules::{Context, Rule};

declare_rule!(HostNotFqdn, kinds: [Kind::VirtualService, Kind::DestinationRule]);

impl Rule for HostNotFqdn {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        if let Some(dr) = DestinationRule::view(res) {
            if let Some(host) = dr.host_field() {
                check_host(host, "this DestinationRule applies to no service", cx);
            }
            return;
        }
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            for (host, loss) in route.hosts_and_loss() {
                check_host(host, &loss, cx);
            }
        }
    }
}

/// Reports `host` when it is a namespaced short name, with what it costs.
fn check_host(host: Spanned<&str>, loss: &str, cx: &mut Context<'_>) {
    let Some(form) = cx.index().namespaced_short_form(host.value) else {
        return;
    };
    cx.report_with_help(
        host,
        format!(
            "host `{}` is not service `{}` of namespace `{}`: Istio expands only names without a dot, so {loss}",
            host.value, form.service, form.namespace
        ),
        format!("write the full name `{}`", form.fqdn),
    );
}
