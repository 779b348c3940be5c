//! Services and the pods behind them: a Service's selector and ports, and the pod templates
//! of Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods and Argo Rollouts, with the
//! labels their pods will carry.

use crate::hash::HashMap;

use crate::model::index::Index;
use crate::model::istio::ServiceEntry;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::spanned::{Location, Spanned};
use crate::source::FileId;
use crate::yaml::Node;

/// A label as written: its key and value, each where it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Label<'a> {
    pub(crate) key: Spanned<&'a str>,
    pub(crate) value: Spanned<&'a str>,
}

impl Label<'_> {
    /// Whether a controller may put this label on the pods at run time: a run-time key with
    /// a value. Istio adds the node's locality and name to an endpoint's labels only when
    /// they are not empty (AugmentLabels, pilot/pkg/serviceregistry/util/label/label.go), so
    /// a subset that asks for an empty one selects only pods whose template writes it.
    pub(crate) fn set_at_run_time(&self) -> bool {
        is_runtime_label(self.key.value) && !self.value.value.is_empty()
    }
}

/// The string-valued labels of a mapping of `file`.
pub(crate) fn labels_of(file: FileId, node: Option<&Node>) -> Vec<Label<'_>> {
    node.map_or(&[][..], Node::entries)
        .iter()
        .filter_map(|e| {
            Some(Label {
                key: Spanned::of(file, &e.key, e.key.as_str()?),
                value: Spanned::of(file, &e.value, e.value.as_str()?),
            })
        })
        .collect()
}

/// Labels that controllers put on pods at run time, which no manifest writes: a selector
/// or subset that asks for one is not judged on it. Argo Rollouts injects
/// `rollouts-pod-template-hash` into the subsets and Services it manages; Deployments add
/// `pod-template-hash`, StatefulSets and DaemonSets `controller-revision-hash` and the pod
/// name and index; the locality keys come from the node.
pub(crate) fn is_runtime_label(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "pod-template-hash",
        "rollouts-pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "kubernetes.io/hostname",
    ];
    const PREFIXES: &[&str] = &[
        "topology.kubernetes.io/",
        "topology.istio.io/",
        "failure-domain.beta.kubernetes.io/",
    ];
    EXACT.contains(&key) || PREFIXES.iter().any(|p| key.starts_with(p))
}

/// A Kubernetes Service (core v1).
#[derive(Clone, Copy)]
pub(crate) struct Service<'a> {
    pub(crate) res: &'a Resource,
    spec: Option<&'a Node>,
}

impl<'a> Service<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::Service).then_some(())?;
        Some(Service {
            res,
            spec: res.spec(),
        })
    }

    /// The pods the Service selects: `None` when it selects none by itself (no selector,
    /// an `ExternalName` Service, a templated selector), so that its endpoints cannot be
    /// told from the repository.
    pub(crate) fn selector(&self) -> Option<Vec<Label<'a>>> {
        let spec = self.spec?;
        if spec.get("type").and_then(Node::as_str) == Some("ExternalName") {
            return None;
        }
        let node = spec.get("selector")?;
        let labels = labels_of(self.res.file, Some(node));
        let complete = labels.len() == node.entries().len();
        (complete && !labels.is_empty() && !labels.iter().any(|l| is_templated(l.value.value)))
            .then_some(labels)
    }

    /// `spec.ports`: `None` when one cannot be read, or the Service is an `ExternalName`
    /// one (Istio gives it the ports, but its endpoints are another host's).
    pub(crate) fn ports(&self) -> Option<Vec<Port<'a>>> {
        let spec = self.spec?;
        if spec.get("type").and_then(Node::as_str) == Some("ExternalName") {
            return None;
        }
        ports_of(self.res.file, spec.get("ports"), "port")
    }
}

/// A port of a Service or ServiceEntry: its number, where it is written, and the protocol it
/// declares, when it declares one.
#[derive(Clone, Debug)]
pub(crate) struct Port<'a> {
    pub(crate) number: Spanned<u32>,
    pub(crate) name: Option<&'a str>,
    /// `appProtocol` (a Service's) or `protocol` (a ServiceEntry's).
    pub(crate) app_protocol: Option<&'a str>,
}

/// What Istio takes a port's traffic to be, when the port says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PortProtocol {
    /// HTTP, HTTP/2, gRPC: http routes apply.
    Http,
    /// TCP, TLS, HTTPS and the other opaque protocols: tcp and tls routes apply.
    Opaque,
}

impl Port<'_> {
    /// The protocol the port declares: `appProtocol` (a ServiceEntry's `protocol`), else the
    /// prefix of its name before the first `-`; `None` when it declares none (Istio then
    /// sniffs the protocol, and either kind of route may apply).
    // pilot/pkg/serviceregistry/kube/conversion.go ConvertProtocol: appProtocol first, then the
    // name (`<protocol>[-<suffix>]`, protocol.Parse); HTTPS is TLS to a sidecar.
    pub(crate) fn protocol(&self) -> Option<PortProtocol> {
        let declared = self
            .app_protocol
            .or_else(|| self.name.map(|n| n.split('-').next().unwrap_or(n)))?
            .to_ascii_lowercase();
        match declared.as_str() {
            "http" | "http2" | "grpc" | "grpc-web" | "kubernetes.io/h2c" => {
                Some(PortProtocol::Http)
            }
            "tcp" | "tls" | "https" | "mongo" | "mysql" | "redis" | "udp" | "kubernetes.io/ws"
            | "kubernetes.io/wss" => Some(PortProtocol::Opaque),
            _ => None,
        }
    }
}

/// The ports of a `ports` list of `file`, each numbered by `number_key` (`port` in a
/// Service, `number` in Istio's resources): `None` when one cannot be read (templated, not a
/// number), so that the set of ports is unknown.
pub(crate) fn ports_of<'a>(
    file: FileId,
    list: Option<&'a Node>,
    number_key: &str,
) -> Option<Vec<Port<'a>>> {
    list.map_or(&[][..], Node::items)
        .iter()
        .map(|p| port_of(file, p, number_key))
        .collect()
}

/// One port (see [`ports_of`]). A Service's `protocol` is the transport (TCP, UDP), not the
/// application protocol Istio reads, so only Istio's resources' `protocol` counts.
pub(crate) fn port_of<'a>(file: FileId, p: &'a Node, number_key: &str) -> Option<Port<'a>> {
    let n = p.get(number_key)?;
    let number = u32::try_from(n.as_scalar()?.as_int()?).ok()?;
    let text = |k: &str| p.get(k).and_then(Node::as_scalar).map(|s| s.text.as_str());
    let app_protocol = if number_key == "port" {
        text("appProtocol")
    } else {
        text("protocol")
    };
    Some(Port {
        number: Spanned::of(file, n, number),
        name: text("name"),
        app_protocol,
    })
}

/// The pods a workload runs, as its pod template says.
#[derive(Clone, Debug)]
pub(crate) struct PodTemplate<'a> {
    /// The workload: a Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod or Rollout.
    pub(crate) workload: &'a Resource,
    pub(crate) labels: Vec<Label<'a>>,
    /// Where the labels are (the workload's name when it writes none).
    pub(crate) at: Location,
}

impl<'a> PodTemplate<'a> {
    /// The value the pods carry for `key`.
    pub(crate) fn label(&self, key: &str) -> Option<&'a str> {
        self.labels
            .iter()
            .find(|l| l.key.value == key)
            .map(|l| l.value.value)
    }

    /// Whether the pods carry every label of `selector` (run-time labels aside).
    pub(crate) fn carries(&self, selector: &[Label<'_>]) -> bool {
        selector
            .iter()
            .all(|s| s.set_at_run_time() || self.label(s.key.value) == Some(s.value.value))
    }

    /// The kinds whose resources run pods from a template.
    pub(crate) const KINDS: &'static [Kind] = &[
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::ReplicaSet,
        Kind::Pod,
        Kind::Rollout,
    ];

    /// The pod template of a workload: `spec.template` (a Pod's own metadata). A Rollout
    /// with a `workloadRef` runs the template of the Deployment it names, when the
    /// repository holds it. `None` when the labels cannot be told (absent template,
    /// templated values).
    pub(crate) fn of(workload: &'a Resource, index: &'a Index) -> Option<Self> {
        let metadata = match workload.kind {
            Kind::Pod => workload.root.get("metadata"),
            Kind::Rollout => match workload.spec()?.get("template") {
                Some(t) => t.get("metadata"),
                None => {
                    let r = workload.spec()?.get("workloadRef")?;
                    let name = r.get("name")?.as_str()?;
                    let kind = r.get("kind").and_then(Node::as_str).unwrap_or("Deployment");
                    if kind != "Deployment" {
                        return None;
                    }
                    let target = index.get(Kind::Deployment, &workload.namespace, name)?;
                    let template = PodTemplate::of(target, index)?;
                    return Some(PodTemplate {
                        workload,
                        ..template
                    });
                }
            },
            k if PodTemplate::KINDS.contains(&k) => {
                workload.spec()?.get("template")?.get("metadata")
            }
            _ => return None,
        };
        let node = metadata.and_then(|m| m.get("labels"));
        let labels = labels_of(workload.file, node);
        if node.is_some_and(|n| n.entries().len() != labels.len())
            || labels.iter().any(|l| is_templated(l.value.value))
        {
            return None;
        }
        let at = node.map_or(workload.name_location(), |n| Location::of(workload.file, n));
        Some(PodTemplate {
            workload,
            labels,
            at,
        })
    }
}

/// A workload's `spec.selector` as written: the keys of its `matchLabels` and where the
/// selector is.
pub(crate) struct WorkloadSelector<'a> {
    /// The `matchLabels` keys (empty when it writes none, e.g. only `matchExpressions`);
    /// `None` when they cannot be told (not a mapping, templated keys).
    pub(crate) match_label_keys: Option<Vec<&'a str>>,
    /// `matchLabels`, else `selector`.
    pub(crate) at: Location,
}

/// The `spec.selector` of a Deployment or DaemonSet: `None` when the manifest writes none
/// (a kustomize patch, a fragment) or is of another kind. Reads `spec.selector` only.
pub(crate) fn workload_selector(workload: &Resource) -> Option<WorkloadSelector<'_>> {
    if !matches!(workload.kind, Kind::Deployment | Kind::DaemonSet) {
        return None;
    }
    let selector = workload.spec()?.get("selector")?;
    let Some(labels) = selector.get("matchLabels") else {
        return Some(WorkloadSelector {
            match_label_keys: selector.as_map().map(|_| Vec::new()),
            at: Location::of(workload.file, selector),
        });
    };
    let keys: Option<Vec<&str>> = labels.as_map().and_then(|entries| {
        entries
            .iter()
            .map(|e| e.key.as_str().filter(|k| !is_templated(k)))
            .collect()
    });
    Some(WorkloadSelector {
        match_label_keys: keys,
        at: Location::of(workload.file, labels),
    })
}

/// The repository's workloads by each label their pods carry: (namespace, key, value) to
/// resource indexes, so that a selector is matched against its candidates only.
pub(crate) type PodsByLabel = HashMap<(String, String, String), Vec<usize>>;

impl Index {
    /// Grouped on first use, or beforehand by [`Index::group_pods`].
    fn pods_by_label(&self) -> &PodsByLabel {
        self.pods_by_label.get_or_init(|| {
            let mut map = PodsByLabel::default();
            for k in PodTemplate::KINDS {
                for (i, r) in self
                    .resources
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.kind == *k)
                {
                    let Some(t) = PodTemplate::of(r, self) else {
                        continue;
                    };
                    for l in &t.labels {
                        map.entry((
                            r.namespace.clone(),
                            l.key.value.to_string(),
                            l.value.value.to_string(),
                        ))
                        .or_default()
                        .push(i);
                    }
                }
            }
            map
        })
    }

    /// Groups the workloads by their pods' labels now, before the rules run: the first rule
    /// to need them would otherwise group them while the threads that reach them next wait
    /// (5 ms of the 10-copy bench tree).
    pub(crate) fn group_pods(&self) {
        if self.resources.iter().any(|r| r.kind == Kind::Service) {
            self.pods_by_label();
        }
    }

    /// The pod templates the Service selects, when it selects pods by itself.
    pub(crate) fn pods_behind<'a>(&'a self, service: &Service<'a>) -> Option<Vec<PodTemplate<'a>>> {
        let selector = service.selector()?;
        let ns = &service.res.namespace;
        // The workloads that carry one label the selector asks for; with only run-time
        // labels asked, every workload of the namespace.
        let candidates: Vec<&Resource> = match selector.iter().find(|l| !l.set_at_run_time()) {
            Some(l) => {
                let key = (
                    ns.clone(),
                    l.key.value.to_string(),
                    l.value.value.to_string(),
                );
                self.pods_by_label()
                    .get(&key)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|&i| &self.resources[i])
                    .collect()
            }
            None => PodTemplate::KINDS
                .iter()
                .flat_map(|&k| self.in_namespace(k, ns))
                .collect(),
        };
        Some(
            candidates
                .into_iter()
                .filter_map(|r| PodTemplate::of(r, self))
                .filter(|p| p.carries(&selector))
                .collect(),
        )
    }

    /// Every definition the repository has of the Service an in-cluster host names
    /// (`svc.ns.svc.cluster.local`): overlays and variants may each define it.
    pub(crate) fn services_of_host(&self, fqdn: &str) -> Vec<Service<'_>> {
        let Some((name, ns)) = service_name(fqdn) else {
            return Vec::new();
        };
        self.all_named(Kind::Service, ns, name)
            .filter_map(Service::view)
            .collect()
    }

    /// The pod templates behind any definition of the Service of `fqdn`, each workload once:
    /// `None` when the repository does not define the Service, or one of its definitions
    /// selects no pods by itself (its endpoints cannot be told).
    pub(crate) fn pods_of_host(&self, fqdn: &str) -> Option<(Service<'_>, Vec<PodTemplate<'_>>)> {
        let mut services = self.services_of_host(fqdn).into_iter();
        let first = services.next()?;
        let mut pods = self.pods_behind(&first)?;
        // Definitions that select alike select the same pods: each selector is matched once.
        fn key<'a>(s: &Service<'a>) -> Option<Vec<(&'a str, &'a str)>> {
            let labels = s.selector()?;
            Some(
                labels
                    .iter()
                    .map(|l| (l.key.value, l.value.value))
                    .collect(),
            )
        }
        let mut matched = vec![key(&first)];
        for s in services {
            let k = key(&s);
            if matched.contains(&k) {
                continue;
            }
            pods.extend(self.pods_behind(&s)?);
            matched.push(k);
        }
        let mut seen = crate::hash::HashSet::default();
        pods.retain(|p| seen.insert((p.workload.kind, p.workload.name.as_str(), p.at)));
        Some((first, pods))
    }
}

/// The label sets of the pods behind a Service or host, each set once: what a question of
/// the form "does any pod carry these labels" needs.
#[derive(Default)]
pub(crate) struct PodLabels(Vec<Vec<(Box<str>, Box<str>)>>);

impl PodLabels {
    fn of(pods: &[PodTemplate<'_>]) -> PodLabels {
        let mut sets: Vec<Vec<(Box<str>, Box<str>)>> = Vec::new();
        for p in pods {
            let set: Vec<(Box<str>, Box<str>)> = p
                .labels
                .iter()
                .map(|l| (l.key.value.into(), l.value.value.into()))
                .collect();
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
        PodLabels(sets)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values the pods carry for `key` ([`PodTemplate::label`]), each label set's once.
    pub(crate) fn values<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> {
        self.0
            .iter()
            .filter_map(move |set| set.iter().find(|(k, _)| **k == *key).map(|(_, v)| &**v))
    }

    /// [`PodTemplate::carries`] for some pod.
    pub(crate) fn any_carries(&self, selector: &[Label<'_>]) -> bool {
        self.0.iter().any(|set| {
            selector.iter().all(|s| {
                s.set_at_run_time()
                    || set
                        .iter()
                        .find(|(k, _)| **k == *s.key.value)
                        .is_some_and(|(_, v)| **v == *s.value.value)
            })
        })
    }
}

/// What [`PodLabels`] are asked of: a Service definition, by its namespace and selector
/// (what [`Index::pods_behind`] reads of it), or a host.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum PodsAsked {
    Selector {
        namespace: String,
        labels: Vec<(String, String)>,
    },
    Host(String),
}

/// [`PodLabels`] kept by what they were asked of.
pub(crate) type PodLabelsKept = HashMap<PodsAsked, Option<std::sync::Arc<PodLabels>>>;

impl Index {
    /// The label sets of [`Index::pods_behind`] the Service, kept by its namespace and
    /// selector: every copy of a DestinationRule asks of its Service.
    pub(crate) fn pod_labels_behind(
        &self,
        service: &Service<'_>,
    ) -> Option<std::sync::Arc<PodLabels>> {
        let asked = PodsAsked::Selector {
            namespace: service.res.namespace.clone(),
            labels: service
                .selector()?
                .iter()
                .map(|l| (l.key.value.to_string(), l.value.value.to_string()))
                .collect(),
        };
        crate::hash::memo(&self.pod_labels, &asked, || {
            self.pods_behind(service)
                .map(|pods| std::sync::Arc::new(PodLabels::of(&pods)))
        })
    }

    /// The label sets of [`Index::pods_of_host`], kept by host.
    pub(crate) fn pod_labels_of_host(&self, fqdn: &str) -> Option<std::sync::Arc<PodLabels>> {
        crate::hash::memo(&self.pod_labels, &PodsAsked::Host(fqdn.to_string()), || {
            self.pods_of_host(fqdn)
                .map(|(_, pods)| std::sync::Arc::new(PodLabels::of(&pods)))
        })
    }
}

/// A definition the repository has of a destination host: a Service (one definition of it)
/// or a ServiceEntry that declares the host.
pub(crate) struct HostDefinition<'a> {
    pub(crate) res: &'a Resource,
    /// Its ports, when they can be read.
    pub(crate) ports: Option<Vec<Port<'a>>>,
}

impl HostDefinition<'_> {
    /// The distinct port numbers, sorted.
    pub(crate) fn numbers(&self) -> Option<Vec<u32>> {
        let mut n: Vec<u32> = self
            .ports
            .as_ref()?
            .iter()
            .map(|p| p.number.value)
            .collect();
        n.sort_unstable();
        n.dedup();
        Some(n)
    }
}

impl Index {
    /// Whether Flagger makes the Service `namespace/name`: a Canary's apex Service, or its
    /// `-primary` or `-canary` one (Flagger generates all three, for every provider).
    // fluxcd/flagger pkg/router/kubernetes_default.go Initialize/Reconcile: `<apex>`,
    // `<apex>-primary` and `<apex>-canary`, the apex being `spec.service.name` or the target's
    // name.
    pub(crate) fn flagger_makes_service(&self, namespace: &str, name: &str) -> bool {
        let apex = name
            .strip_suffix("-primary")
            .or_else(|| name.strip_suffix("-canary"));
        std::iter::once(name)
            .chain(apex)
            .any(|a| self.canaries_for_apex(namespace, a).next().is_some())
    }

    /// The ServiceEntries visible from namespace `viewer` (their `exportTo`) that declare the
    /// resolved `host`: as written, by a wildcard that covers it, or by a short name in their
    /// own namespace.
    pub(crate) fn service_entries_of(&self, host: &str, viewer: &str) -> Vec<ServiceEntry<'_>> {
        let hosts = self.se_hosts.get_or_init(|| {
            let mut by = EntryHosts::default();
            for (i, r) in self.resources.iter().enumerate() {
                let Some(se) = ServiceEntry::view(r) else {
                    continue;
                };
                // The API server rejects a ServiceEntry host `*` (pkg/config/validation/
                // validation.go ValidateServiceEntry: "full wildcard is not allowed").
                for h in se.hosts().into_iter().filter(|h| h != "*") {
                    let resolved = crate::model::host::resolve(&h, &r.namespace);
                    if h.starts_with('*') {
                        by.wild.push((h.clone(), i));
                    }
                    if resolved != h {
                        by.exact.entry(resolved).or_default().push(i);
                    }
                    by.exact.entry(h).or_default().push(i);
                }
            }
            by
        });
        let exact = hosts.exact.get(host).map_or(&[][..], Vec::as_slice).iter();
        let wild = hosts
            .wild
            .iter()
            .filter(|(p, _)| crate::model::host::matches(p, host))
            .map(|(_, i)| i);
        let mut ids: Vec<usize> = exact.chain(wild).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|i| ServiceEntry::view(&self.resources[i]))
            .filter(|se| se.export_to().visible(&se.res.namespace, viewer))
            .collect()
    }

    /// Every definition the repository has of the resolved `host`, seen from namespace
    /// `viewer`, that `keep` keeps: the Service of an in-cluster name (each definition:
    /// overlays, variants), else (the repository defines no such Service) the ServiceEntries
    /// that declare it. Empty when it has none, or when Flagger makes the Service (its ports
    /// are Flagger's). Only the kept definitions' ports are read.
    pub(crate) fn host_definitions(
        &self,
        host: &str,
        viewer: &str,
        keep: impl Fn(&Resource) -> bool,
    ) -> Vec<HostDefinition<'_>> {
        if let Some((name, ns)) = service_name(host) {
            if self.flagger_makes_service(ns, name) {
                return Vec::new();
            }
        }
        let services = self.services_of_host(host);
        if !services.is_empty() {
            return services
                .into_iter()
                .filter(|s| keep(s.res))
                .map(|s| HostDefinition {
                    res: s.res,
                    ports: s.ports(),
                })
                .collect();
        }
        self.service_entries_of(host, viewer)
            .into_iter()
            .filter(|se| keep(se.res))
            .map(|se| HostDefinition {
                res: se.res,
                ports: se.ports(),
            })
            .collect()
    }

    /// Whether the repository defines the Service an in-cluster host names, or makes it
    /// defined: a Service of that name and namespace, a ServiceEntry that declares the host
    /// (visible from `viewer`),
    /// or a Flagger Canary that generates it.
    pub(crate) fn defines_service_host(&self, fqdn: &str, viewer: &str) -> bool {
        let Some((name, ns)) = service_name(fqdn) else {
            return false;
        };
        self.count(Kind::Service, ns, name) > 0
            || self.flagger_makes_service(ns, name)
            || !self.service_entries_of(fqdn, viewer).is_empty()
    }
}

/// The repository's ServiceEntries (resource indexes) by each host they declare, as written
/// and resolved in their namespace, and by their wildcard hosts.
#[derive(Default)]
pub(crate) struct EntryHosts {
    exact: HashMap<String, Vec<usize>>,
    wild: Vec<(String, usize)>,
}

/// The Service name and namespace of an in-cluster host (`svc.ns.svc.cluster.local`).
pub(crate) fn service_name(fqdn: &str) -> Option<(&str, &str)> {
    let rest = fqdn
        .strip_suffix(crate::model::host::CLUSTER_SUFFIX)?
        .strip_suffix('.')?;
    let (name, ns) = rest.split_once('.')?;
    (!name.contains('*') && !ns.contains('.')).then_some((name, ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_labels_are_told_apart() {
        for k in [
            "pod-template-hash",
            "rollouts-pod-template-hash",
            "topology.kubernetes.io/zone",
            "topology.istio.io/subzone",
            "failure-domain.beta.kubernetes.io/region",
            "kubernetes.io/hostname",
        ] {
            assert!(is_runtime_label(k), "{k}");
        }
        for k in ["app", "version", "track", "kubernetes.io/name"] {
            assert!(!is_runtime_label(k), "{k}");
        }
    }

    #[test]
    fn service_hosts_name_a_service() {
        assert_eq!(
            service_name("reviews.shop.svc.cluster.local"),
            Some(("reviews", "shop"))
        );
        assert_eq!(service_name("reviews.example.com"), None);
        assert_eq!(service_name("*.shop.svc.cluster.local"), None);
    }
}
