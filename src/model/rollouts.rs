//! Typed views of progressive-delivery resources: Argo Rollouts and Flagger Canaries.

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
                Some(ManagedVs {
                    node,
                    name,
                    namespace,
                    routes,
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

    /// Whether the Rollout manages `route` (by name, or as the only route) of the
    /// VirtualService `namespace/name`.
    pub fn manages(
        &self,
        namespace: &str,
        name: &str,
        route: Option<&str>,
        only_route: bool,
    ) -> bool {
        self.virtual_services().iter().any(|m| {
            m.name == name
                && m.namespace == namespace
                && match route {
                    _ if m.routes.is_empty() => only_route,
                    Some(r) => m.routes.contains(&r),
                    None => false,
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
