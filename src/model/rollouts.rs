//! Typed views of progressive-delivery resources: Argo Rollouts and Flagger Canaries.

use crate::model::istio::Protocol;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::roles::DeclaredRoles;
use crate::yaml::Node;

pub struct Rollout<'a> {
    pub res: &'a Resource,
    pub canary: &'a Node,
}

/// A VirtualService a Rollout manages: `trafficRouting.istio.virtualService(s)`.
pub struct ManagedVs<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub namespace: &'a str,
    /// The http routes it manages; empty means the only route.
    pub routes: Vec<&'a str>,
    /// Whether it lists tls or tcp routes to manage.
    pub tls_routes: bool,
    pub tcp_routes: bool,
}

impl<'a> Rollout<'a> {
    pub fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::Rollout).then_some(())?;
        Some(Rollout {
            res,
            canary: res.spec()?.path(&["strategy", "canary"])?,
        })
    }

    fn istio(&self) -> Option<&'a Node> {
        self.canary.path(&["trafficRouting", "istio"])
    }

    pub fn virtual_services(&self) -> Vec<ManagedVs<'a>> {
        let Some(istio) = self.istio() else {
            return Vec::new();
        };
        let mut refs: Vec<&Node> = istio.get("virtualService").into_iter().collect();
        refs.extend(istio.get("virtualServices").map_or(&[][..], Node::items));
        refs.into_iter()
            .filter_map(|node| {
                let full = node.get("name")?.as_str()?;
                // `name.namespace` names a VirtualService in another namespace.
                let (name, namespace) = full.split_once('.').unwrap_or((full, &self.res.namespace));
                let routes = node
                    .get("routes")
                    .map_or(&[][..], Node::items)
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                let listed = |k: &str| node.get(k).is_some_and(|n| !n.items().is_empty());
                Some(ManagedVs {
                    node,
                    name,
                    namespace,
                    routes,
                    tls_routes: listed("tlsRoutes"),
                    tcp_routes: listed("tcpRoutes"),
                })
            })
            .collect()
    }

    pub fn stable_service(&self) -> Option<&'a str> {
        self.canary.get("stableService")?.as_str()
    }

    pub fn canary_service(&self) -> Option<&'a str> {
        self.canary.get("canaryService")?.as_str()
    }

    pub fn stable_subset(&self) -> Option<&'a str> {
        self.istio()?
            .path(&["destinationRule", "stableSubsetName"])?
            .as_str()
    }

    pub fn canary_subset(&self) -> Option<&'a str> {
        self.istio()?
            .path(&["destinationRule", "canarySubsetName"])?
            .as_str()
    }

    /// Whether the Rollout manages a route of the VirtualService `namespace/name`: an http
    /// route by name (or as the only http route when `routes` is omitted); tls and tcp
    /// routes when it lists any.
    pub fn manages(
        &self,
        namespace: &str,
        name: &str,
        protocol: Protocol,
        route: Option<&str>,
        only_route: bool,
    ) -> bool {
        self.virtual_services().iter().any(|m| {
            m.name == name
                && m.namespace == namespace
                && match protocol {
                    Protocol::Tls => m.tls_routes,
                    Protocol::Tcp => m.tcp_routes,
                    Protocol::Http => match route {
                        _ if m.routes.is_empty() => only_route && !m.tls_routes && !m.tcp_routes,
                        Some(r) => m.routes.contains(&r),
                        None => false,
                    },
                }
        })
    }

    /// The stable and canary names the Rollout declares.
    pub fn declared_roles(&self) -> DeclaredRoles {
        DeclaredRoles {
            source: format!("Rollout `{}/{}`", self.res.namespace, self.res.name),
            stable: [self.stable_service(), self.stable_subset()]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
            canary: [self.canary_service(), self.canary_subset()]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
        }
    }

    pub fn refers_to(&self, namespace: &str, name: &str) -> bool {
        self.virtual_services()
            .iter()
            .any(|m| m.name == name && m.namespace == namespace)
    }
}
