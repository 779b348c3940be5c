//! Typed views over loaded resources, and the index that cross-resource rules query.

pub(crate) mod changes;
pub(crate) mod coverage;
pub(crate) mod crd;
pub(crate) mod flagger;
pub(crate) mod gateway;
pub(crate) mod gateway_api;
pub(crate) mod gateway_refs;
pub(crate) mod host;
pub(crate) mod index;
pub mod istio;
pub mod kinds;
pub(crate) mod matching;
pub(crate) mod resource;
pub(crate) mod roles;
pub(crate) mod rollouts;
pub(crate) mod route_match;
pub(crate) mod schedule;
pub(crate) mod schema;
pub(crate) mod spanned;
pub(crate) mod split;
pub(crate) mod workloads;
