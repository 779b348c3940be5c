//! Typed views over loaded resources, and the index that cross-resource rules query.

pub mod changes;
pub mod coverage;
pub mod flagger;
pub mod host;
pub mod index;
pub mod istio;
pub mod kinds;
pub mod matching;
pub mod resource;
pub mod roles;
pub mod rollouts;
pub mod schedule;
pub mod spanned;
pub mod split;
