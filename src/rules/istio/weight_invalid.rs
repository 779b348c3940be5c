//! `weight-invalid`: see rules/weight-invalid.md.

use crate::model::istio::{VirtualService, Weight};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::Written;
use crate::model::split::known_weights;
use crate::rules::{Context, Rule};
use crate::source::SourceFile;

declare_rule!(WeightInvalid, kinds: [Kind::VirtualService]);

impl Rule for WeightInvalid {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        for route in vs.routes() {
            let dests = route.destinations();
            for d in &dests {
                if let Weight::Invalid(written, why) = d.weight() {
                    let shown = match written.value {
                        Written::Text { text, quoted: true } => format!("`\"{text}\"`"),
                        Written::Text { text, .. } => SourceFile::snippet(text),
                        Written::Collection => "(a collection)".to_string(),
                    };
                    cx.report_with_help(
                        written,
                        format!("the weight {shown} of `{}` {why}", d.label()),
                        "write the weight as a plain integer from 0 to 100, e.g. `weight: 90`",
                    );
                }
            }
            let Some(weights) = known_weights(&dests) else {
                continue;
            };
            // A lone destination takes all the traffic whatever its weight (pilot's
            // route.go translateRoute and networkfilter.go buildOutboundNetworkFilters use
            // its cluster directly), and validation rejects a zero total only with more than
            // one destination (pkg/config/validation validateHTTPRouteDestinations and
            // validateRouteDestinations: `len(weights) > 1 && totalWeight == 0`).
            let all_zero = weights.iter().all(|&w| w == 0);
            if dests.len() > 1 && all_zero {
                let span = route.list_span();
                cx.report_with_help(
                    span,
                    format!(
                        "every destination of {} has weight 0, so the route sends its traffic nowhere",
                        route.label()
                    ),
                    "give the destination that should take the traffic a weight of 100",
                );
            }
        }
    }
}
