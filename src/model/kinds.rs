//! The kinds of Kubernetes resources the linter reads.

/// A resource kind the rules or the index use. Everything else is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    VirtualService,
    DestinationRule,
    Gateway,
    /// A Gateway API `Gateway` (`gateway.networking.k8s.io`), which VirtualServices cannot
    /// bind to by name but which the repository may name by mistake or by design.
    KubernetesGateway,
    /// A Gateway API `HTTPRoute`, whose `backendRefs` split traffic by relative weight.
    HttpRoute,
    /// A Gateway API `GRPCRoute`, split as an `HTTPRoute` is.
    GrpcRoute,
    /// A Gateway API `ReferenceGrant`, which lets routes of other namespaces refer to
    /// Services of its own.
    ReferenceGrant,
    ServiceEntry,
    Service,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Pod,
    Canary,
    MetricTemplate,
    Rollout,
    AnalysisTemplate,
    ClusterAnalysisTemplate,
}

impl Kind {
    pub(crate) const ALL: &'static [Kind] = &[
        Kind::VirtualService,
        Kind::DestinationRule,
        Kind::Gateway,
        Kind::KubernetesGateway,
        Kind::HttpRoute,
        Kind::GrpcRoute,
        Kind::ReferenceGrant,
        Kind::ServiceEntry,
        Kind::Service,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::ReplicaSet,
        Kind::Pod,
        Kind::Canary,
        Kind::MetricTemplate,
        Kind::Rollout,
        Kind::AnalysisTemplate,
        Kind::ClusterAnalysisTemplate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::VirtualService => "VirtualService",
            Kind::DestinationRule => "DestinationRule",
            Kind::Gateway | Kind::KubernetesGateway => "Gateway",
            Kind::HttpRoute => "HTTPRoute",
            Kind::GrpcRoute => "GRPCRoute",
            Kind::ReferenceGrant => "ReferenceGrant",
            Kind::ServiceEntry => "ServiceEntry",
            Kind::Service => "Service",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Pod => "Pod",
            Kind::Canary => "Canary",
            Kind::MetricTemplate => "MetricTemplate",
            Kind::Rollout => "Rollout",
            Kind::AnalysisTemplate => "AnalysisTemplate",
            Kind::ClusterAnalysisTemplate => "ClusterAnalysisTemplate",
        }
    }

    /// The API group the kind must come from (`""` is the core group).
    fn group(self) -> &'static str {
        match self {
            Kind::VirtualService | Kind::DestinationRule | Kind::Gateway | Kind::ServiceEntry => {
                "networking.istio.io"
            }
            Kind::KubernetesGateway | Kind::HttpRoute | Kind::GrpcRoute | Kind::ReferenceGrant => {
                "gateway.networking.k8s.io"
            }
            Kind::Service | Kind::Pod => "",
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::ReplicaSet => "apps",
            Kind::Canary | Kind::MetricTemplate => "flagger.app",
            Kind::Rollout | Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate => "argoproj.io",
        }
    }

    /// Whether a document of this `kind:` value may be one the linter reads. `List` is read
    /// for its items.
    pub(crate) fn is_relevant_name(kind: &str) -> bool {
        kind == "List" || kind.ends_with("List") || Kind::ALL.iter().any(|k| k.name() == kind)
    }

    /// The kind of a document with this `apiVersion` and `kind`, when the linter reads it.
    /// Same-named kinds of other groups (a Knative `Service`) are not matched.
    pub(crate) fn from_api(api_version: &str, kind: &str) -> Option<Kind> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        Kind::ALL
            .iter()
            .find(|k| k.name() == kind && k.group() == group)
            .copied()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_checked() {
        assert_eq!(
            Kind::from_api("networking.istio.io/v1", "VirtualService"),
            Some(Kind::VirtualService)
        );
        assert_eq!(Kind::from_api("v1", "Service"), Some(Kind::Service));
        assert_eq!(Kind::from_api("serving.knative.dev/v1", "Service"), None);
        assert_eq!(Kind::from_api("v1", "ConfigMap"), None);
        assert_eq!(
            Kind::from_api("gateway.networking.k8s.io/v1", "Gateway"),
            Some(Kind::KubernetesGateway)
        );
        assert_eq!(
            Kind::from_api("gateway.networking.k8s.io/v1beta1", "HTTPRoute"),
            Some(Kind::HttpRoute)
        );
        // Linkerd's HTTPRoute of the same name is another API.
        assert_eq!(
            Kind::from_api("policy.linkerd.io/v1beta3", "HTTPRoute"),
            None
        );
        assert_eq!(
            Kind::from_api("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"),
            Some(Kind::ReferenceGrant)
        );
        assert!(Kind::is_relevant_name("List"));
        assert!(!Kind::is_relevant_name("CustomResourceDefinition"));
    }
}
