//! Rules over Gateway API routes (HTTPRoute, GRPCRoute).

pub mod backend_not_found;
pub mod backend_weight_omitted;
pub mod conflicting_route_match;
pub mod parent_not_found;
