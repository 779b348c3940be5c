//! Rules over Argo Rollouts (argoproj.io/v1alpha1) that route with Istio.

pub mod exposure;
pub mod no_analysis;
pub mod route_missing;
pub mod subset_missing;
pub mod template_missing;
pub mod weight_steps;
