//! Istio host names: short names resolved against a namespace, wildcards, and `exportTo`.

use std::collections::HashSet;

use crate::yaml::Node;

/// Kubernetes' default cluster domain.
pub(crate) const CLUSTER_SUFFIX: &str = "svc.cluster.local";

/// Resolves a host as Istio does for a resource in `namespace`: a name without dots is a
/// service of that namespace (`reviews` -> `reviews.ns.svc.cluster.local`); a name with dots
/// is taken as written. Two readings are added so that one service has one spelling:
/// `svc.ns.svc` gains the cluster domain, and `svc.ns` does too when `ns` is a namespace the
/// linted repository uses.
pub(crate) fn resolve(host: &str, namespace: &str, known_namespaces: &HashSet<String>) -> String {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host == "*" || host.starts_with("*.") && host.matches('.').count() > 1 {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [_] => format!("{host}.{namespace}.{CLUSTER_SUFFIX}"),
        [_, _, "svc"] => format!("{host}.cluster.local"),
        [_, ns] if known_namespaces.contains(*ns) => format!("{host}.{CLUSTER_SUFFIX}"),
        _ => host,
    }
}

/// The namespace of an in-cluster service host (`svc.ns.svc.cluster.local`).
pub(crate) fn namespace_of(fqdn: &str) -> Option<&str> {
    let rest = fqdn.strip_suffix(CLUSTER_SUFFIX)?.strip_suffix('.')?;
    let (_, ns) = rest.rsplit_once('.')?;
    (ns != "*").then_some(ns)
}

/// Whether the host pattern `pattern` (possibly `*` or `*.suffix`) matches `host`. A wildcard
/// `host` is matched when the pattern covers all of it.
pub(crate) fn matches(pattern: &str, host: &str) -> bool {
    if pattern == host || pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => {
            let host_rest = host.strip_prefix('*').unwrap_or(host);
            host_rest.ends_with(suffix) && host_rest.len() >= suffix.len()
        }
        None => false,
    }
}

/// The dotted suffixes of a host after its first label, longest first: `a.b.c` gives `.b.c`
/// and `.c`; `*.a.b` gives `.b`. A wildcard `*` + suffix covers exactly the hosts that have
/// that suffix among these.
pub(crate) fn dotted_suffixes(host: &str) -> impl Iterator<Item = &str> {
    let rest = host.strip_prefix('*').unwrap_or(host);
    rest.char_indices()
        .filter(|&(i, c)| c == '.' && i > 0)
        .map(move |(i, _)| &rest[i..])
}

/// How specific a matching host pattern is: exact hosts beat wildcards, longer beat shorter.
pub(crate) fn specificity(pattern: &str) -> (bool, usize) {
    (!pattern.starts_with('*'), pattern.len())
}

/// Which namespaces may see a resource (`exportTo`; unset means every namespace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExportTo {
    All,
    Some(Vec<String>),
}

impl ExportTo {
    pub(crate) fn parse(node: Option<&Node>) -> ExportTo {
        let Some(list) = node.and_then(Node::as_seq) else {
            return ExportTo::All;
        };
        let names: Vec<String> = list
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        if names.is_empty() || names.iter().any(|n| n == "*") {
            ExportTo::All
        } else {
            ExportTo::Some(names)
        }
    }

    /// Whether a resource in `own` is visible from namespace `viewer`.
    pub(crate) fn visible(&self, own: &str, viewer: &str) -> bool {
        match self {
            ExportTo::All => true,
            ExportTo::Some(names) => names
                .iter()
                .any(|n| n == viewer || (n == "." && own == viewer)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution() {
        let known: HashSet<String> = ["bookinfo".to_string()].into();
        assert_eq!(
            resolve("reviews", "shop", &known),
            "reviews.shop.svc.cluster.local"
        );
        assert_eq!(
            resolve("reviews.bookinfo", "shop", &known),
            "reviews.bookinfo.svc.cluster.local"
        );
        assert_eq!(
            resolve("api.example.com", "shop", &known),
            "api.example.com"
        );
        assert_eq!(resolve("a.b.svc", "x", &known), "a.b.svc.cluster.local");
        assert_eq!(
            resolve("Reviews.Shop.svc.cluster.local", "x", &known),
            "reviews.shop.svc.cluster.local"
        );
        assert_eq!(namespace_of("reviews.shop.svc.cluster.local"), Some("shop"));
        assert_eq!(namespace_of("api.example.com"), None);
    }

    #[test]
    fn wildcards() {
        assert!(matches(
            "*.shop.svc.cluster.local",
            "a.shop.svc.cluster.local"
        ));
        assert!(!matches(
            "*.shop.svc.cluster.local",
            "a.other.svc.cluster.local"
        ));
        assert!(matches("*", "anything"));
        assert!(matches("*.example.com", "*.api.example.com"));
        assert!(!matches("*.api.example.com", "*.example.com"));
    }

    #[test]
    fn suffixes_agree_with_wildcard_matching() {
        let s: Vec<&str> = dotted_suffixes("a.b.c").collect();
        assert_eq!(s, [".b.c", ".c"]);
        let s: Vec<&str> = dotted_suffixes("*.a.b").collect();
        assert_eq!(s, [".b"]);
        for (pattern, host) in [
            ("*.b.c", "a.b.c"),
            ("*.c", "a.b.c"),
            ("*.d", "*.productpage.d"),
            ("*.b.c", "*.a.b.c"),
        ] {
            assert!(matches(pattern, host));
            let suffix = pattern.trim_start_matches('*');
            assert!(
                dotted_suffixes(host).any(|s| s == suffix),
                "{pattern} {host}"
            );
        }
        assert!(!dotted_suffixes("b.c").any(|s| s == ".b.c"));
        assert!(!matches("*.b.c", "b.c"));
    }

    #[test]
    fn export_to() {
        let dot = ExportTo::Some(vec![".".into()]);
        assert!(dot.visible("a", "a"));
        assert!(!dot.visible("a", "b"));
        assert!(ExportTo::All.visible("a", "b"));
    }
}
