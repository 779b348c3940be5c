//! Rules over the OpenAPI schemas of the CustomResourceDefinitions (see
//! `crate::model::schema`): fields the API server drops, and values it rejects.

pub mod invalid_field;
pub mod unknown_field;

use crate::model::resource::Resource;
use crate::model::route_match::is_test_assertion;
use crate::model::schema::{self, path_text, Segment, Violation};
use crate::rules::Context;

/// The schema violations of a resource; none for a test assertion (a Chainsaw or KUTTL
/// assert file holds partial documents that are compared with the cluster, not applied).
pub(crate) fn violations(res: &Resource, cx: &Context<'_>) -> Vec<Violation> {
    if cx.file(res).is_some_and(|f| is_test_assertion(&f.display)) {
        return Vec::new();
    }
    schema::validate(res.kind, &res.root)
}

/// What a message calls the object at `path`: a name readers know for the common places,
/// else the path (`spec.http[0].route[0].destination`).
pub(crate) fn object_name(kind: &str, path: &[Segment]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.as_str(),
            Segment::Index(_) => "[]",
        })
        .collect();
    let known = match keys.as_slice() {
        [] => Some(format!("a {kind}")),
        ["spec"] => Some(format!("a {kind} spec")),
        ["spec", "http" | "tcp" | "tls", "[]", "route", "[]", "destination"] => {
            Some("a route destination".to_string())
        }
        ["spec", "http" | "tcp" | "tls", "[]", "route", "[]"] => Some("a route".to_string()),
        ["spec", "http", "[]"] => Some("an http route".to_string()),
        ["spec", "http", "[]", "match", "[]"] => Some("a match block".to_string()),
        ["spec", "subsets", "[]"] => Some("a subset".to_string()),
        ["spec", "analysis"] => Some(format!("the {kind} analysis")),
        ["spec", "analysis", "metrics", "[]"] => Some(format!("a {kind} analysis metric")),
        ["spec", "service"] => Some("a Canary service".to_string()),
        ["spec", "strategy", "canary"] => Some("a canary strategy".to_string()),
        ["spec", "strategy", "canary", "trafficRouting"] => {
            Some("a Rollout's traffic routing".to_string())
        }
        ["spec", "strategy", "canary", "steps", "[]"] => Some("a canary step".to_string()),
        ["spec", "rules", "[]"] => Some(format!("a {kind} rule")),
        ["spec", "rules", "[]", "backendRefs", "[]"] => Some("a backend reference".to_string()),
        ["spec", "parentRefs", "[]"] => Some("a parent reference".to_string()),
        _ => None,
    };
    match known {
        Some(name) if path.is_empty() => name,
        Some(name) => format!("{name} (`{}`)", path_text(path)),
        None => format!("`{}`", path_text(path)),
    }
}
