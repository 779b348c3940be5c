//! Rules over the OpenAPI schemas of the CustomResourceDefinitions (see
//! `crate::model::schema`): fields the API server drops, and values it rejects.

pub mod invalid_field;
pub mod unknown_field;
