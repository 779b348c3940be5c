//! Rules over Istio VirtualServices and DestinationRules.

pub mod conflicting_virtualservice;
pub mod destination_port_required;
pub mod duplicate_destinationrule;
pub mod duplicate_subset;
pub mod gateway_host_mismatch;
pub mod gateway_not_found;
pub mod host_not_found;
pub mod host_not_fqdn;
pub mod inverted_split;
pub mod missing_subset;
pub mod redundant_match;
pub mod shadowed_route;
pub mod sticky_session_split;
pub mod subset_selects_nothing;
pub mod subset_without_labels;
pub mod weight_invalid;
pub mod weight_sum;
