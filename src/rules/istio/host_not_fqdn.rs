//! `host-not-fqdn`: see rules/host-not-fqdn.md.

use crate::model::istio::{DestinationRule, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};

declare_rule!(HostNotFqdn, kinds: [Kind::VirtualService, Kind::DestinationRule]);

impl Rule for HostNotFqdn {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let index = cx.index();
        if let Some(dr) = DestinationRule::view(res) {
            let Some(host) = dr.host_field() else {
                return;
            };
            let Some(form) = index.namespaced_short_form(host.value) else {
                return;
            };
            cx.report_with_help(
                host,
                format!(
                    "host `{}` is not service `{}` of namespace `{}`: Istio expands only names without a dot, so this DestinationRule applies to no service",
                    host.value, form.service, form.namespace
                ),
                format!("write the full name `{}`", form.fqdn),
            );
            return;
        }
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            for (host, loss) in route.hosts_and_loss() {
                let Some(form) = index.namespaced_short_form(host.value) else {
                    continue;
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
        }
    }
}
