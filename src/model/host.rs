//! Istio host names: short names resolved against a namespace, wildcards, and `exportTo`.

use crate::yaml::Node;

/// Kubernetes' default cluster domain.
pub(crate) const CLUSTER_SUFFIX: &str = "svc.cluster.local";

/// Resolves a host as Istio does for a resource in `namespace`: a name without dots is a
/// service of that namespace (`reviews` -> `reviews.ns.svc.cluster.local`); any other name is
/// taken as written, `reviews.shop` and `reviews.shop.svc` included (see
/// [`namespaced_short_form`]).
// pilot/pkg/model/config.go ResolveShortnameToFQDN: `*`, IP addresses and names that contain a
// `.` are returned unchanged; only a name without a dot gains `.<namespace>.svc.<domain>`.
pub(crate) fn resolve(host: &str, namespace: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host == "*" || host.contains('.') {
        return host;
    }
    // Pushed, not `format!`ed: a run resolves a host for every route (13,000 on the 10-copy
    // bench tree), and the formatting machinery took 1,700 instructions a call.
    let mut fqdn = host;
    fqdn.reserve(namespace.len() + CLUSTER_SUFFIX.len() + 2);
    fqdn.push('.');
    fqdn.push_str(namespace);
    fqdn.push('.');
    fqdn.push_str(CLUSTER_SUFFIX);
    fqdn
}

/// A host written as a Kubernetes Service's namespaced short name, `svc.ns` or `svc.ns.svc`,
/// which Istio does not expand: the service and namespace it names, and its full name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShortForm {
    pub(crate) service: String,
    pub(crate) namespace: String,
    /// `svc.ns.svc.cluster.local`.
    pub(crate) fqdn: String,
}

/// Kubernetes namespaces every cluster has.
const CLUSTER_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// Whether `host` is a service's namespaced short name that Istio takes as written: `svc.ns.svc`
/// (no public domain ends in `svc`), or `svc.ns` when `ns` is a namespace (`is_namespace`, a
/// namespace every cluster has, or a label no public top-level domain can be: one with a digit
/// or a `-`). `svc` must be a Service name (a DNS-1035 label) and `ns` a namespace name (a
/// DNS-1123 label). Two-label external names (`example.com`) are not such hosts unless `com`
/// is a namespace of the repository.
// Kubernetes DNS answers `svc.ns` and `svc.ns.svc` through the pod's search path, but Istio
// routes by the name as written (pilot/pkg/model/config.go ResolveShortnameToFQDN expands only
// names without a dot), and `istioctl analyze` looks such a host up as written too
// (pkg/config/analysis/analyzers/util/hosts.go ConvertHostToFQDN, service_lookup.go
// GetDestinationHost: IST0101 ReferencedResourceNotFound).
pub(crate) fn namespaced_short_form(
    host: &str,
    is_namespace: impl Fn(&str) -> bool,
) -> Option<ShortForm> {
    let labels: Vec<&str> = host.split('.').collect();
    let (service, namespace) = match labels.as_slice() {
        [s, n, "svc"] => (*s, *n),
        [s, n] if is_namespace(n) || CLUSTER_NAMESPACES.contains(n) || !could_be_tld(n) => (*s, *n),
        _ => return None,
    };
    (is_dns1035_label(service) && is_dns1123_label(namespace)).then(|| ShortForm {
        service: service.to_string(),
        namespace: namespace.to_string(),
        fqdn: format!("{service}.{namespace}.{CLUSTER_SUFFIX}"),
    })
}

/// Whether a label may be a public top-level domain: letters only, or an IDN `xn--` label.
fn could_be_tld(label: &str) -> bool {
    label.starts_with("xn--") || label.chars().all(|c| c.is_ascii_alphabetic())
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
fn is_dns1123_label(label: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !label.is_empty()
        && label.len() <= 63
        && label.chars().all(|c| ok(c) || c == '-')
        && label.starts_with(ok)
        && label.ends_with(ok)
}

/// A DNS-1123 label that starts with a letter, as Service names are.
fn is_dns1035_label(label: &str) -> bool {
    is_dns1123_label(label) && label.starts_with(|c: char| c.is_ascii_lowercase())
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

/// Whether two host names overlap as Istio's `host.Name.Matches` says: equal, or one a
/// wildcard (`*`, `*.suffix`) that covers the other (both wildcards: the shorter covers the
/// longer). `*.acme.io` does not match `acme.io`.
// pkg/config/host/name.go Matches; a Gateway server host and a VirtualService host intersect
// when either is a subset of the other (pkg/config/host/names.go Intersection, SubsetOf).
pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(x), Some(y)) => x.ends_with(y) || y.ends_with(x),
        (Some(x), None) => b.ends_with(x),
        (None, Some(y)) => a.ends_with(y),
        (None, None) => a == b,
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
        assert_eq!(resolve("reviews", "shop"), "reviews.shop.svc.cluster.local");
        // Istio expands only names without a dot.
        assert_eq!(resolve("reviews.bookinfo", "shop"), "reviews.bookinfo");
        assert_eq!(resolve("a.b.svc", "x"), "a.b.svc");
        assert_eq!(resolve("api.example.com", "shop"), "api.example.com");
        assert_eq!(
            resolve("Reviews.Shop.svc.cluster.local", "x"),
            "reviews.shop.svc.cluster.local"
        );
        assert_eq!(resolve("*", "x"), "*");
        assert_eq!(namespace_of("reviews.shop.svc.cluster.local"), Some("shop"));
        assert_eq!(namespace_of("api.example.com"), None);
    }

    #[test]
    fn namespaced_short_forms() {
        let known = |ns: &str| ns == "shop" || ns == "com";
        let form = |h: &str| namespaced_short_form(h, known).map(|f| f.fqdn);
        assert_eq!(
            form("reviews.shop").as_deref(),
            Some("reviews.shop.svc.cluster.local")
        );
        assert_eq!(
            form("reviews.other.svc").as_deref(),
            Some("reviews.other.svc.cluster.local")
        );
        assert_eq!(
            form("reviews.default").as_deref(),
            Some("reviews.default.svc.cluster.local")
        );
        assert_eq!(
            form("reviews.shop-2").as_deref(),
            Some("reviews.shop-2.svc.cluster.local")
        );
        // A repository namespace named like a domain makes the name ambiguous: it is read as
        // the namespace.
        assert!(form("example.com").is_some());
        for external in [
            "example.org",
            "httpbin.org",
            "api.example.com",
            "reviews",
            "reviews.shop.svc.cluster.local",
            "10.0",
            "1reviews.shop",
            "reviews.xn--p1ai",
            "*.shop",
        ] {
            assert_eq!(form(external), None, "{external}");
        }
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
    fn overlapping_names() {
        assert!(overlaps("*", "orders.shop.svc.cluster.local"));
        assert!(overlaps("*.acme.io", "shop.acme.io"));
        assert!(overlaps("shop.acme.io", "*.acme.io"));
        assert!(overlaps("*.acme.io", "*.eu.acme.io"));
        assert!(overlaps("*.eu.acme.io", "*.acme.io"));
        assert!(overlaps("*.acme.io", "a.b.acme.io"));
        assert!(!overlaps("*.acme.io", "acme.io"));
        assert!(!overlaps("orders.acme.io", "orders.shop.svc.cluster.local"));
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
