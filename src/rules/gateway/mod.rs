//! Rules over Gateway API routes (HTTPRoute, GRPCRoute).

pub mod backend_weight_omitted;
