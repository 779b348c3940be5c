//! Rules over Flagger Canaries and MetricTemplates (flagger.app/v1beta1).

pub mod duplicate_target;
pub mod duration;
pub mod exposure;
pub mod ignored_setting;
pub mod no_metrics;
pub mod owned_resource;
pub mod rollback_sla;
pub mod skip_analysis;
pub mod slo_gates;
pub mod target_missing;
pub mod target_selector;
pub mod template_missing;
pub mod threshold_range;
pub mod webhook;
pub mod weight_steps;
