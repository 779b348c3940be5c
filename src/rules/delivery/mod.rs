//! Rules that hold traffic splits to the platform's progressive-delivery policy.

pub mod manual_weight_split;
