//! Rules over Gateway API routes (HTTPRoute, GRPCRoute).

pub mod backend_not_found;
pub mod backend_weight_omitted;
pub mod parent_not_found;
