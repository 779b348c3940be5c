//! `rollout-template-missing`: see rules/rollout-template-missing.md.

use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::rollouts::{analyses, AnalysisSite, TemplateRef};
use crate::rules::{Context, Rule};
use crate::text::did_you_mean;

declare_rule!(RolloutTemplateMissing, kinds: [Kind::Rollout]);

impl Rule for RolloutTemplateMissing {
    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        for block in analyses(res) {
            if let Some(legacy) = block.legacy_template_name {
                // Removed from RolloutAnalysis in argo-rollouts v1.0 (commit 7a7fbc0, #1009,
                // "remove deprecated fields"); manifests/crds/rollout-crd.yaml lists only
                // `templates[].templateName` under `analysis`, `prePromotionAnalysis` and
                // `postPromotionAnalysis`, without x-kubernetes-preserve-unknown-fields.
                let runs = match legacy.value {
                    Some(name) if !is_templated(name) => format!("`{name}` never runs"),
                    _ => "the template never runs".to_string(),
                };
                let help = match legacy.value {
                    Some(name) => format!(
                        "list the template under `templates`: `templates: [{{templateName: {name}}}]`"
                    ),
                    None => "list the template under `templates`: `templates: [{templateName: ...}]`"
                        .to_string(),
                };
                cx.report_with_help(
                    legacy.key,
                    format!(
                        "`templateName` directly under {} was removed in Argo Rollouts v1.0: the Rollout CRD has no such field, so the API server drops it (or rejects the Rollout under strict field validation) and {runs}",
                        block.site
                    ),
                    help,
                );
            }
            for t in &block.templates {
                check_ref(res, block.site, t, cx);
            }
        }
    }
}

/// A template reference: an AnalysisTemplate in the Rollout's namespace, or with
/// `clusterScope: true` a ClusterAnalysisTemplate.
// argo-rollouts rollout/analysis.go getAnalysisTemplatesFromRefs: clusterAnalysisTemplateLister
// .Get(name) when IsClusterScope, else analysisTemplateLister.AnalysisTemplates(rollout
// namespace).Get(name); a missing one fails the AnalysisRun's creation. Experiments are created
// in the Rollout's namespace (rollout/experiment.go GetExperimentFromTemplate) and look their
// analyses up the same way (experiments/experiment.go getAnalysisTemplatesFromAnalysis).
fn check_ref(res: &Resource, site: AnalysisSite, t: &TemplateRef<'_>, cx: &mut Context<'_>) {
    let name = t.name.value;
    if is_templated(name) {
        return;
    }
    let index = cx.index();
    let ns = res.namespace.as_str();
    match t.cluster_scope {
        // Not a boolean: the scope is unknown.
        None => {}
        Some(false) => {
            if index.get(Kind::AnalysisTemplate, ns, name).is_some() {
                return;
            }
            // A scope without AnalysisTemplates in that namespace (that are applied with the
            // Rollout) installs them from elsewhere.
            if !index
                .in_namespace(Kind::AnalysisTemplate, ns)
                .any(|at| index.placed_together(res, at))
            {
                return;
            }
            let help = match cluster_template(index, name) {
                Some(c) => format!(
                    "set `clusterScope: true`: `{name}` is a ClusterAnalysisTemplate ({})",
                    cx.location(c.name_location())
                ),
                None => {
                    let names = index
                        .in_namespace(Kind::AnalysisTemplate, ns)
                        .map(|r| r.name.as_str());
                    did_you_mean(name, names).unwrap_or_else(|| {
                        format!(
                            "define AnalysisTemplate `{name}` in namespace `{ns}` (Argo Rollouts looks it up in the Rollout's namespace), or set `clusterScope: true` for a ClusterAnalysisTemplate"
                        )
                    })
                }
            };
            cx.report_with_help(
                t.name,
                format!(
                    "{site} references AnalysisTemplate `{ns}/{name}`, which is not defined: namespace `{ns}` defines {}",
                    index.names_in(Kind::AnalysisTemplate, ns, 5)
                ),
                help,
            );
            cx.relate(cluster_template(index, name));
        }
        Some(true) => {
            if cluster_template(index, name).is_some() {
                return;
            }
            // A repository without ClusterAnalysisTemplates installs them from elsewhere.
            if index
                .of_kind(Kind::ClusterAnalysisTemplate)
                .next()
                .is_none()
            {
                return;
            }
            let help = match index.get(Kind::AnalysisTemplate, ns, name) {
                Some(at) => format!(
                    "remove `clusterScope: true`: `{name}` is an AnalysisTemplate in namespace `{ns}` ({})",
                    cx.location(at.name_location())
                ),
                None => {
                    let names = index
                        .of_kind(Kind::ClusterAnalysisTemplate)
                        .map(|r| r.name.as_str());
                    did_you_mean(name, names).unwrap_or_else(|| {
                        format!(
                            "define ClusterAnalysisTemplate `{name}`, or remove `clusterScope: true` for an AnalysisTemplate in namespace `{ns}`"
                        )
                    })
                }
            };
            cx.report_with_help(
                t.name,
                format!(
                    "{site} references ClusterAnalysisTemplate `{name}` (`clusterScope: true`), which is not defined: the repository defines {}",
                    index.names_of(Kind::ClusterAnalysisTemplate, 5)
                ),
                help,
            );
            cx.relate(index.get(Kind::AnalysisTemplate, ns, name));
        }
    }
}

/// The ClusterAnalysisTemplate `name`, from any file: it has no namespace.
fn cluster_template<'i>(index: &'i Index, name: &str) -> Option<&'i Resource> {
    index
        .of_kind(Kind::ClusterAnalysisTemplate)
        .find(|r| r.name == name)
}
