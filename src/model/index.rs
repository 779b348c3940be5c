//! The index over every resource in scope: by kind, by name, and by resolved host, so that
//! cross-resource rules never compare all pairs.

use crate::hash::{HashMap, HashSet};
use std::path::Path;

use crate::model::flagger::Canary;
use crate::model::gateway_api::{GatewayRoute, RouteRule};
use crate::model::host::{self, ExportTo, ShortForm};
use crate::model::istio::{DestinationRule, Route, Subset, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, NamespaceSource, Resource};
use crate::model::rollouts::Rollout;
use crate::yaml::Node;

pub const DEFAULT_ROOT_NAMESPACE: &str = "istio-system";

pub struct Index {
    pub(crate) resources: Vec<Resource>,
    pub(crate) root_namespace: String,
    known_namespaces: HashSet<String>,
    by_kind: HashMap<Kind, Vec<usize>>,
    /// Resources by kind, namespace and name (looked up by `&str`, without a key to build).
    by_name: HashMap<Kind, HashMap<String, HashMap<String, Vec<usize>>>>,
    /// DestinationRules by resolved host; wildcard hosts are kept apart.
    dr_exact: HashMap<String, Vec<usize>>,
    /// DestinationRules with a wildcard host, by pattern (each pattern once, in the order
    /// of its first rule).
    dr_wild: Vec<(String, Vec<usize>)>,
    /// Mesh-bound VirtualServices by resolved host.
    vs_by_host: HashMap<String, Vec<usize>>,
    /// Each claimed host, grouped once: for `conflicting-virtualservice`.
    host_claims: HashMap<String, HostClaims>,
    /// Claimed hosts by each of their dotted suffixes (`a.b.c`: `.b.c` and `.c`), for the
    /// wildcard hosts that cover them.
    hosts_by_suffix: HashMap<String, Vec<String>>,
    /// ServiceEntry namespaces by host, for external hosts.
    se_namespaces: HashMap<String, Vec<String>>,
    /// DestinationRules with a guessed namespace and a short host, by that host.
    floating_short: HashMap<String, Vec<usize>>,
    /// The resolved hosts of the DestinationRules whose namespace is only guessed: exact,
    /// and wildcard patterns.
    floating_exact: HashSet<String>,
    floating_wild: Vec<String>,
    /// Namespaces that have a DestinationRule for a service, by the service's short name.
    dr_service_namespaces: HashMap<String, Vec<String>>,
    /// Rollouts by the VirtualService (namespace, name) they manage.
    rollouts_by_vs: HashMap<(String, String), Vec<usize>>,
    /// Flagger Canaries by (namespace, apex service).
    canaries_by_apex: HashMap<(String, String), Vec<usize>>,
    /// Flagger Canaries by the workload they target: (kind, namespace, name).
    canaries_by_target: HashMap<(String, String, String), Vec<usize>>,
    /// Resources by kind, then namespace (looked up by `&str`, without a key to build).
    by_kind_ns: HashMap<Kind, HashMap<String, Vec<usize>>>,
    /// The directory of each file (by `FileId`), as a number: equal numbers, same directory.
    file_dirs: std::sync::Arc<[u32]>,
    /// Whether every resource is applied with every other (an overlay's render).
    all_together: bool,
    /// How many resources, from the first, the rules check; the rest are only looked up
    /// (an overlay's view of the manifests outside it).
    subjects: usize,
    /// The kustomization that lists each file (by `FileId`), as a number.
    file_builds: Vec<Option<u32>>,
    /// Workloads by the labels of their pods, built on first use (see
    /// [`crate::model::workloads`]).
    pub(crate) pods_by_label: std::sync::OnceLock<crate::model::workloads::PodsByLabel>,
    /// ServiceEntries by the hosts they declare, built on first use.
    pub(crate) se_hosts: std::sync::OnceLock<crate::model::workloads::EntryHosts>,
    /// Where the nodes of rendered resources that come from other files than their
    /// resource's are (an overlay's patches and kustomization), for [`Index::real`].
    foreign: Option<crate::model::spanned::ForeignFiles>,
    /// Gateway API routes by route kind, parent and hostname, built on first use.
    route_groups: std::sync::OnceLock<crate::model::route_match::RouteGroups>,
    /// The CustomResourceDefinitions of the validated kinds that the repository writes, and
    /// which one each file's documents take (see [`crate::model::crd::CrdTable::new`]).
    crds: std::sync::Arc<crate::model::crd::CrdTable>,
    /// DestinationRule selections already made (see [`Index::destination_rules`]).
    dr_selections: std::sync::Mutex<DrSelections>,
    /// The labels of the pods behind a Service or host, kept (see
    /// [`Index::pod_labels_behind`]).
    pub(crate) pod_labels: std::sync::Mutex<crate::model::workloads::PodLabelsKept>,
}

/// What the index reads of a resource's hosts, which depends on the resource alone.
pub(crate) enum HostFacts {
    /// A DestinationRule's host: resolved in its namespace, and as written (lower case)
    /// when it is a short name.
    DestinationRule {
        short: Option<String>,
        resolved: String,
    },
    /// A mesh-bound VirtualService's hosts, resolved in its namespace, sorted, each once.
    VirtualService(Vec<String>),
    /// A DestinationRule without a host, or a VirtualService bound to gateways only.
    Neither,
    /// Another kind.
    Other,
}

impl HostFacts {
    pub(crate) fn of(r: &Resource) -> HostFacts {
        if let Some(dr) = DestinationRule::view(r) {
            let Some(raw) = dr.host() else {
                return HostFacts::Neither;
            };
            HostFacts::DestinationRule {
                short: (!raw.contains('.')).then(|| raw.to_ascii_lowercase()),
                resolved: host::resolve(raw, &r.namespace),
            }
        } else if let Some(vs) = VirtualService::view(r) {
            if !vs.is_mesh_bound() {
                return HostFacts::Neither;
            }
            let mut hosts: Vec<String> = vs
                .hosts()
                .map(|h| host::resolve(h.value, &r.namespace))
                .collect();
            hosts.sort();
            hosts.dedup();
            HostFacts::VirtualService(hosts)
        } else {
            HostFacts::Other
        }
    }
}

/// The DestinationRules Istio applies to one destination host, seen from one namespace:
/// those of the first namespace (client, host, root) that has a visible match, with the
/// most specific host, merged.
pub(crate) struct DrSelection<'a> {
    index: &'a Index,
    kept: std::sync::Arc<KeptSelection>,
    /// The rules, viewed on first use: most questions are answered from `kept`.
    rules: std::cell::OnceCell<Vec<DestinationRule<'a>>>,
}

impl<'a> DrSelection<'a> {
    /// The rules, in the order of the index.
    pub(crate) fn rules(&self) -> &[DestinationRule<'a>] {
        let index = self.index;
        self.rules.get_or_init(|| {
            self.kept
                .ids
                .iter()
                .filter_map(|&i| DestinationRule::view(&index.resources[i as usize]))
                .collect()
        })
    }

    pub(crate) fn subsets(&self) -> Vec<Subset<'a>> {
        self.rules().iter().flat_map(|r| r.subsets()).collect()
    }

    /// The first subset of this name, looked for rule by rule.
    pub(crate) fn subset(&self, name: &str) -> Option<Subset<'a>> {
        self.rules()
            .iter()
            .find_map(|r| r.subsets().into_iter().find(|s| s.name.value == name))
    }

    /// Whether the rules define a subset of this name.
    pub(crate) fn has_subset(&self, subset: &str) -> bool {
        self.names().names.contains(subset)
    }

    /// Whether the rules define a subset of this name, or may: a templated name.
    pub(crate) fn may_define(&self, subset: &str) -> bool {
        let names = self.names();
        names.templated || names.names.contains(subset)
    }

    /// The subset names of the rules, found once per kept selection: every route to the
    /// host asks, and the rules of a merged host may be many.
    fn names(&self) -> &SubsetNames {
        self.kept.names.get_or_init(|| {
            let mut names = SubsetNames::default();
            for s in self.subsets() {
                names.templated |= is_templated(s.name.value);
                names.names.insert(s.name.value.into());
            }
            names
        })
    }

    /// The subset names, in order, without repeats (one DestinationRule may be defined in
    /// several files).
    pub(crate) fn subset_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = Vec::new();
        for s in self.subsets() {
            if !names.contains(&s.name.value) {
                names.push(s.name.value);
            }
        }
        names
    }

    /// One definition per DestinationRule object (namespace and name): the one in `near`'s
    /// file when there is one, else the first; those of `near`'s file first. Definitions of
    /// one object in several files (overlays, variants) are one rule in the cluster.
    pub(crate) fn objects(&self, near: &Resource) -> Vec<&DestinationRule<'a>> {
        let mut out: Vec<&DestinationRule<'a>> = Vec::new();
        for dr in self.rules() {
            let same = |o: &&DestinationRule<'a>| {
                o.res.namespace == dr.res.namespace && o.res.name == dr.res.name
            };
            match out.iter().position(same) {
                None => out.push(dr),
                Some(i) if dr.res.file == near.file && out[i].res.file != near.file => {
                    out[i] = dr;
                }
                Some(_) => {}
            }
        }
        // The rules of `near`'s own file first.
        out.sort_by_key(|dr| dr.res.file != near.file);
        out
    }
}

impl Index {
    /// Gives the index the repository's CustomResourceDefinitions of the validated kinds.
    pub(crate) fn with_crds(mut self, crds: std::sync::Arc<crate::model::crd::CrdTable>) -> Self {
        self.set_crds(crds);
        self
    }

    pub(crate) fn set_crds(&mut self, crds: std::sync::Arc<crate::model::crd::CrdTable>) {
        self.crds = crds;
    }

    /// The repository's CustomResourceDefinitions of the validated kinds.
    pub(crate) fn crds(&self) -> &crate::model::crd::CrdTable {
        &self.crds
    }

    pub(crate) fn new(resources: Vec<Resource>, root_namespace: String) -> Self {
        Self::with_host_facts(resources, root_namespace, &|_| None)
    }

    /// [`Index::new`], with the [`HostFacts`] of some resources (by position) found before:
    /// an overlay's index repeats the manifests outside it that it sees.
    pub(crate) fn with_host_facts<'f>(
        resources: Vec<Resource>,
        root_namespace: String,
        hosts: &dyn Fn(usize) -> Option<&'f HostFacts>,
    ) -> Self {
        let mut ix = Index {
            resources,
            root_namespace,
            known_namespaces: HashSet::default(),
            by_kind: HashMap::default(),
            by_name: HashMap::default(),
            dr_exact: HashMap::default(),
            dr_wild: Vec::new(),
            vs_by_host: HashMap::default(),
            host_claims: HashMap::default(),
            hosts_by_suffix: HashMap::default(),
            se_namespaces: HashMap::default(),
            floating_short: HashMap::default(),
            floating_exact: HashSet::default(),
            floating_wild: Vec::new(),
            dr_service_namespaces: HashMap::default(),
            rollouts_by_vs: HashMap::default(),
            canaries_by_apex: HashMap::default(),
            canaries_by_target: HashMap::default(),
            by_kind_ns: HashMap::default(),
            file_dirs: std::sync::Arc::from(Vec::new()),
            all_together: false,
            subjects: usize::MAX,
            file_builds: Vec::new(),
            pods_by_label: std::sync::OnceLock::new(),
            se_hosts: std::sync::OnceLock::new(),
            foreign: None,
            route_groups: std::sync::OnceLock::new(),
            crds: std::sync::Arc::default(),
            dr_selections: Default::default(),
            pod_labels: Default::default(),
        };

        // Keys are copied only when new: an overlay's index repeats the manifests outside
        // it that share its namespaces, and most of their namespaces and hosts are known.
        for (i, r) in ix.resources.iter().enumerate() {
            if !ix.known_namespaces.contains(&r.namespace) {
                ix.known_namespaces.insert(r.namespace.clone());
            }
            push_keyed(ix.by_kind_ns.entry(r.kind).or_default(), &r.namespace, i);
            ix.by_kind.entry(r.kind).or_default().push(i);
            let in_kind = ix.by_name.entry(r.kind).or_default();
            match in_kind.get_mut(&r.namespace) {
                Some(names) => push_keyed(names, &r.name, i),
                None => {
                    let names = HashMap::from_iter([(r.name.clone(), vec![i])]);
                    in_kind.insert(r.namespace.clone(), names);
                }
            }
        }
        let mut wild_at: HashMap<String, usize> = HashMap::default();
        for i in 0..ix.resources.len() {
            let r = &ix.resources[i];
            let computed;
            let facts = match hosts(i) {
                Some(f) => f,
                None => {
                    computed = HostFacts::of(r);
                    &computed
                }
            };
            if let HostFacts::DestinationRule { short, resolved: h } = facts {
                if r.namespace_source == NamespaceSource::Default {
                    if let Some(short) = short {
                        push_keyed(&mut ix.floating_short, short, i);
                    }
                    if h.starts_with('*') {
                        ix.floating_wild.push(h.clone());
                    } else {
                        ix.floating_exact.insert(h.clone());
                    }
                }
                if let (Some(ns), Some(short)) = (host::namespace_of(h), h.split('.').next()) {
                    match ix.dr_service_namespaces.get_mut(short) {
                        Some(list) if list.iter().any(|n| n == ns) => {}
                        Some(list) => list.push(ns.to_string()),
                        None => {
                            ix.dr_service_namespaces
                                .insert(short.to_string(), vec![ns.to_string()]);
                        }
                    }
                }

                if h.starts_with('*') {
                    match wild_at.get(h) {
                        Some(&k) => ix.dr_wild[k].1.push(i),
                        None => {
                            wild_at.insert(h.clone(), ix.dr_wild.len());
                            ix.dr_wild.push((h.clone(), vec![i]));
                        }
                    }
                } else {
                    push_keyed(&mut ix.dr_exact, h, i);
                }
            } else if let HostFacts::VirtualService(hosts) = facts {
                for h in hosts {
                    push_keyed(&mut ix.vs_by_host, h, i);
                }
            } else if matches!(facts, HostFacts::Neither) {
                continue;
            } else if let Some(ro) = Rollout::view(r) {
                for m in ro.virtual_services() {
                    let key = (m.namespace.to_string(), m.name.to_string());
                    ix.rollouts_by_vs.entry(key).or_default().push(i);
                }
            } else if let Some(c) = Canary::view(r) {
                if let Some(apex) = c.apex() {
                    let key = (r.namespace.clone(), apex.to_string());
                    ix.canaries_by_apex.entry(key).or_default().push(i);
                }
                if let Some(t) = c.target_ref() {
                    // Flagger's default target kind is Deployment.
                    let kind = t.kind.unwrap_or("Deployment").to_string();
                    let key = (kind, r.namespace.clone(), t.name.value.to_string());
                    ix.canaries_by_target.entry(key).or_default().push(i);
                }
            } else if r.kind == Kind::ServiceEntry {
                let hosts = r
                    .spec()
                    .and_then(|s| s.get("hosts"))
                    .map_or(&[][..], Node::items);
                for h in hosts.iter().filter_map(Node::as_str) {
                    let h = h.to_ascii_lowercase();
                    ix.se_namespaces
                        .entry(h)
                        .or_default()
                        .push(r.namespace.clone());
                }
            }
        }
        ix.group_claims();
        ix
    }

    /// Groups the mesh VirtualServices of every host once, so that a rule asks per host and
    /// never compares all pairs.
    fn group_claims(&mut self) {
        let mut claims =
            HashMap::with_capacity_and_hasher(self.vs_by_host.len(), Default::default());
        let mut by_suffix: HashMap<String, Vec<String>> = HashMap::default();
        for (host, ids) in &self.vs_by_host {
            let mut objects: HashSet<(&str, &str)> = HashSet::default();
            let mut repeats = HashSet::default();
            let mut open = true;
            for &i in ids {
                let r = &self.resources[i];
                if !objects.insert((&r.namespace, &r.name)) {
                    repeats.insert(i);
                }
                open &= r.namespace_source != NamespaceSource::Default
                    && VirtualService::view(r).is_some_and(|v| v.export_to() == ExportTo::All);
            }
            let group = HostClaims {
                ids: ids.clone(),
                objects: objects.len(),
                repeats,
                open,
            };
            claims.insert(host.clone(), group);
            for suffix in host::dotted_suffixes(host) {
                by_suffix
                    .entry(suffix.to_string())
                    .or_default()
                    .push(host.clone());
            }
        }
        for hosts in by_suffix.values_mut() {
            hosts.sort();
        }
        self.host_claims = claims;
        self.hosts_by_suffix = by_suffix;
    }

    /// Gives the index the files that the foreign spans of its rendered resources are in.
    pub(crate) fn with_foreign(mut self, foreign: crate::model::spanned::ForeignFiles) -> Self {
        self.foreign = Some(foreign);
        self
    }

    /// Where a location really is: a foreign span (a node a patch or a kustomization gave a
    /// rendered resource) in the file it was written in; any other location as it is.
    pub(crate) fn real(
        &self,
        at: crate::model::spanned::Location,
    ) -> crate::model::spanned::Location {
        match &self.foreign {
            Some(f) => f.real(at),
            None => at,
        }
    }

    /// The directory of every file (in `FileId` order) as a number, for
    /// [`Index::set_directories`] (see [`Index::same_directory`]). Directories are one
    /// when they are one made absolute from `cwd` and lexically clean: a file given as
    /// `d/a.yaml` and one the walk found as `./d/b.yaml` or `/repo/d/b.yaml` are beside
    /// each other.
    pub(crate) fn directories<'p>(
        cwd: &Path,
        dirs: impl IntoIterator<Item = Option<&'p Path>>,
    ) -> std::sync::Arc<[u32]> {
        // Each spelling is made absolute once: most files share their directory, and come
        // one after another. Keyed by the paths' bytes (hashing a `Path` walks its
        // components): made absolute, they are clean.
        let bytes = |d: Option<&'p Path>| d.map(|d| d.as_os_str().as_encoded_bytes());
        let mut spelled: HashMap<Option<&[u8]>, u32> = HashMap::default();
        let mut ids: HashMap<Option<std::ffi::OsString>, u32> = HashMap::default();
        let mut last: Option<(Option<&[u8]>, u32)> = None;
        dirs.into_iter()
            .map(|d| {
                let key = bytes(d);
                if let Some((_, id)) = last.filter(|(k, _)| *k == key) {
                    return id;
                }
                let id = match spelled.get(&key) {
                    Some(&id) => id,
                    None => {
                        let absolute =
                            d.map(|d| crate::walk::lexical_absolute(cwd, d).into_os_string());
                        let next = ids.len() as u32;
                        let id = *ids.entry(absolute).or_insert(next);
                        spelled.insert(key, id);
                        id
                    }
                };
                last = Some((key, id));
                id
            })
            .collect()
    }

    /// Gives the index the directories of the files, shared with other indexes.
    pub(crate) fn set_directories(&mut self, dirs: std::sync::Arc<[u32]>) {
        self.file_dirs = dirs;
        // Selections depend on the directories.
        self.dr_selections
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The resources the rules check.
    pub(crate) fn subjects(&self) -> &[Resource] {
        &self.resources[..self.subjects.min(self.resources.len())]
    }

    /// Makes only the first `n` resources subjects of the rules; the others are context.
    pub(crate) fn with_subjects(mut self, n: usize) -> Self {
        self.subjects = n;
        self
    }

    /// Marks every resource as applied with every other, as an overlay's render is.
    pub(crate) fn all_applied_together(mut self) -> Self {
        self.all_together = true;
        self
    }

    /// Records the kustomization that lists every file (in `FileId` order), for
    /// [`Index::applied_together`].
    pub(crate) fn with_builds<'p>(
        mut self,
        builds: impl IntoIterator<Item = Option<&'p Path>>,
    ) -> Self {
        // By the path's bytes: hashing a `Path` walks its components.
        let mut ids: HashMap<&std::ffi::OsStr, u32> = HashMap::default();
        self.file_builds = builds
            .into_iter()
            .map(|b| {
                let next = ids.len() as u32;
                b.map(|b| *ids.entry(b.as_os_str()).or_insert(next))
            })
            .collect();
        self
    }

    /// Whether two resources are certainly applied together: written in one file, or in
    /// files that one kustomization lists among its `resources`. Files that are merely
    /// near each other may be alternatives (samples, test cases, tutorial steps) that are
    /// never applied at once.
    pub(crate) fn applied_together(&self, a: &Resource, b: &Resource) -> bool {
        let build = |r: &Resource| self.file_builds.get(r.file as usize).copied().flatten();
        let rendered = |r: &Resource| self.position(r).is_some_and(|i| i < self.subjects);
        (self.all_together && rendered(a) && rendered(b))
            || a.file == b.file
            || matches!((build(a), build(b)), (Some(x), Some(y)) if x == y)
    }

    /// Whether two resources come from files of the same directory (the same file, when
    /// directories are unknown).
    pub(crate) fn same_directory(&self, a: &Resource, b: &Resource) -> bool {
        let dir = |r: &Resource| self.file_dirs.get(r.file as usize).copied();
        match (dir(a), dir(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.file == b.file,
        }
    }

    /// Whether two resources certainly land in the namespaces the index gives them, or
    /// together: a manifest without a namespace (and no kustomization setting one) is applied
    /// wherever its directory is applied, so it only meets the manifests of its directory.
    pub(crate) fn placed_together(&self, a: &Resource, b: &Resource) -> bool {
        let guessed = |r: &Resource| r.namespace_source == NamespaceSource::Default;
        !(guessed(a) || guessed(b)) || self.same_directory(a, b)
    }

    /// Whether two manifests are written together, so that one tells about the other: the
    /// same file, or the same directory with both namespaces stated (by the manifest or its
    /// kustomization). A manifest without a namespace lands wherever its file is applied.
    pub(crate) fn written_together(&self, a: &Resource, b: &Resource) -> bool {
        let placed = |r: &Resource| r.namespace_source != NamespaceSource::Default;
        a.file == b.file || (placed(a) && placed(b) && self.same_directory(a, b))
    }

    /// The resources at the positions an index map holds (none for a missing key).
    fn resources_at<'s>(
        &'s self,
        ids: Option<&'s Vec<usize>>,
    ) -> impl Iterator<Item = &'s Resource> {
        ids.map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.resources[i])
    }

    pub(crate) fn resolve(&self, host: &str, namespace: &str) -> String {
        host::resolve(host, namespace)
    }

    /// Whether `host` is a service's namespaced short name (`svc.ns`, `svc.ns.svc`), which
    /// Istio looks up as written and so finds no service: `ns` a namespace the scope has
    /// resources in (or the root namespace), unless a ServiceEntry of the scope declares
    /// exactly this host (then it is one).
    pub(crate) fn namespaced_short_form(&self, host: &str) -> Option<ShortForm> {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if self.se_namespaces.contains_key(&host) {
            return None;
        }
        host::namespaced_short_form(&host, |ns| {
            ns == self.root_namespace || self.known_namespaces.contains(ns)
        })
    }

    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Resource> {
        self.named(kind, namespace, name)
            .and_then(|v| v.first())
            .map(|&i| &self.resources[i])
    }

    /// The positions of the definitions of `kind` `namespace/name`.
    fn named(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Vec<usize>> {
        self.by_name.get(&kind)?.get(namespace)?.get(name)
    }

    /// Whether the scope defines any resource of `kind` in `namespace` (a reference to a
    /// missing one is then likely a mistake rather than something managed elsewhere).
    pub(crate) fn has_kind_in(&self, kind: Kind, namespace: &str) -> bool {
        self.by_kind_ns
            .get(&kind)
            .is_some_and(|m| m.contains_key(namespace))
    }

    /// The resources of `kind` in `namespace`.
    pub(crate) fn in_namespace(
        &self,
        kind: Kind,
        namespace: &str,
    ) -> impl Iterator<Item = &Resource> {
        self.resources_at(self.by_kind_ns.get(&kind).and_then(|m| m.get(namespace)))
    }

    /// Every definition of `kind` `namespace/name` (overlays, variants), in index order.
    pub(crate) fn all_named(
        &self,
        kind: Kind,
        namespace: &str,
        name: &str,
    ) -> impl Iterator<Item = &Resource> {
        self.resources_at(self.named(kind, namespace, name))
    }

    /// How many times `kind` `namespace/name` is defined (overlays, variants).
    pub(crate) fn count(&self, kind: Kind, namespace: &str, name: &str) -> usize {
        self.named(kind, namespace, name).map_or(0, Vec::len)
    }

    /// The resource `namespace/name` of `kind` that a reference from `from` means: the one
    /// defined in the same file, else the only one in scope. None when it is not defined, or
    /// when several files define it and none is `from`'s (the scope then holds unrelated
    /// manifests, e.g. a directory of examples).
    pub(crate) fn referenced(
        &self,
        kind: Kind,
        namespace: &str,
        name: &str,
        from: &Resource,
    ) -> Option<&Resource> {
        let all: Vec<&Resource> = self.all_named(kind, namespace, name).collect();
        match all.iter().find(|r| r.file == from.file) {
            Some(r) => Some(r),
            None if all.len() == 1 => all.first().copied(),
            None => None,
        }
    }

    /// Every resource of `kind`, in any namespace (cluster-scoped kinds have none that
    /// counts).
    pub(crate) fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.resources_at(self.by_kind.get(&kind))
    }

    /// The names of the resources of `kind` in `namespace`, sorted, without repeats, for
    /// messages: at most `max`, with a count of the rest.
    pub(crate) fn names_in(&self, kind: Kind, namespace: &str, max: usize) -> String {
        name_list(self.in_namespace(kind, namespace), max)
    }

    /// The names of the resources of `kind` in any namespace, as [`Index::names_in`].
    pub(crate) fn names_of(&self, kind: Kind, max: usize) -> String {
        name_list(self.of_kind(kind), max)
    }

    /// Rollouts whose `trafficRouting.istio` names the VirtualService `namespace/name`.
    pub(crate) fn rollouts_for_vs(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Iterator<Item = Rollout<'_>> {
        let key = (namespace.to_string(), name.to_string());
        self.resources_at(self.rollouts_by_vs.get(&key))
            .filter_map(Rollout::view)
    }

    /// Flagger Canaries in `namespace` whose apex service is `apex`.
    pub(crate) fn canaries_for_apex(
        &self,
        namespace: &str,
        apex: &str,
    ) -> impl Iterator<Item = Canary<'_>> {
        let key = (namespace.to_string(), apex.to_string());
        self.resources_at(self.canaries_by_apex.get(&key))
            .filter_map(Canary::view)
    }

    /// Flagger Canaries whose `targetRef` is the workload `kind` `namespace/name`.
    pub(crate) fn canaries_targeting(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> impl Iterator<Item = &Resource> {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        self.resources_at(self.canaries_by_target.get(&key))
    }

    /// Rollouts whose Gateway API plugin names the HTTPRoute or GRPCRoute `res`, or
    /// discovers routes by label in its namespace (the selector is not matched: the route
    /// may be one of them).
    pub(crate) fn rollouts_for_route<'s>(
        &'s self,
        res: &'s Resource,
    ) -> impl Iterator<Item = Rollout<'s>> + 's {
        self.of_kind(Kind::Rollout)
            .filter_map(Rollout::view)
            .filter(move |ro| {
                ro.gateway_plugin().is_some_and(|p| {
                    p.namespace == res.namespace
                        && (p
                            .routes
                            .iter()
                            .any(|r| r.kind == Some(res.kind) && r.name.value == res.name)
                            || p.selects)
                })
            })
    }

    /// Whether a controller rewrites the weights of `rule` of a Gateway API route: a Rollout
    /// whose plugin names the route, when the rule sends to the Rollout's stable or canary
    /// Service (the plugin sets the weight of every backend named after either, in every
    /// rule), or every rule of an HTTPRoute that a Flagger Canary which may use the Gateway
    /// API generates (it writes the whole route).
    // argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/httproute.go and
    // grpcroute.go setHTTPRouteWeight / setGRPCRouteWeight (backends matched by name);
    // Flagger pkg/router/gateway_api.go Reconcile.
    pub(crate) fn is_route_managed(&self, route: &GatewayRoute<'_>, rule: &RouteRule<'_>) -> bool {
        let res = route.res;
        let by_rollout = self.rollouts_for_route(res).any(|ro| {
            let roles = [ro.stable_service(), ro.canary_service()];
            // Without both names (or with a templated one) any rule may be the managed one.
            if roles
                .iter()
                .any(|r| r.is_none_or(|s| crate::model::resource::is_templated(s.value)))
            {
                return true;
            }
            rule.backends().iter().any(|b| {
                b.name()
                    .is_some_and(|n| roles.iter().flatten().any(|s| s.value == n))
            })
        });
        by_rollout
            || res.kind == Kind::HttpRoute
                && self
                    .canaries_for_apex(&res.namespace, &res.name)
                    .any(|c| c.may_use_gateway_api())
    }

    /// Whether a controller rewrites this route's weights: a Rollout that manages it, or a
    /// Flagger Canary whose generated VirtualService this is.
    pub(crate) fn is_managed(&self, vs: &VirtualService<'_>, route: &Route<'_>) -> bool {
        let res = vs.res;
        if self
            .rollouts_for_vs(&res.namespace, &res.name)
            .any(|r| r.manages(vs, route))
        {
            return true;
        }
        let mut apexes: Vec<&str> = vec![res.name.as_str()];
        apexes.extend(
            vs.hosts()
                .map(|h| h.value.split('.').next().unwrap_or(h.value)),
        );
        apexes.into_iter().any(|apex| {
            self.canaries_for_apex(&res.namespace, apex)
                .any(|c| c.may_use_istio())
        })
    }

    /// Mesh-bound VirtualServices that claim the resolved `host`.
    pub(crate) fn mesh_virtual_services(&self, host: &str) -> impl Iterator<Item = &Resource> {
        self.resources_at(self.vs_by_host.get(host))
    }

    /// The mesh-bound VirtualServices that claim the resolved `host`, grouped.
    pub(crate) fn host_claims(&self, host: &str) -> Option<&HostClaims> {
        self.host_claims.get(host)
    }

    /// The other claimed hosts that overlap the resolved `host` through a wildcard (one of
    /// the two covers the other; `*` aside), sorted.
    pub(crate) fn overlapping_hosts<'s>(&'s self, host: &'s str) -> Vec<&'s str> {
        let mut out: Vec<&str> = host::dotted_suffixes(host)
            .filter_map(|suffix| {
                let (pattern, _) = self.host_claims.get_key_value(&format!("*{suffix}"))?;
                Some(pattern.as_str())
            })
            .collect();
        if let Some(suffix) = host.strip_prefix('*').filter(|s| s.starts_with('.')) {
            out.extend(
                self.hosts_by_suffix
                    .get(suffix)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(String::as_str),
            );
        }
        out.retain(|h| *h != host && *h != "*");
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `res` is a later definition of an object that claims the host in an earlier
    /// file too (overlays, variants): one object, reported once, at its first definition.
    pub(crate) fn repeats_a_claim(&self, claims: &HostClaims, res: &Resource) -> bool {
        self.position(res)
            .is_some_and(|i| claims.repeats.contains(&i))
    }

    /// Where a resource of this index sits in `resources`.
    fn position(&self, res: &Resource) -> Option<usize> {
        let offset =
            (res as *const Resource as usize).checked_sub(self.resources.as_ptr() as usize)?;
        let i = offset / std::mem::size_of::<Resource>();
        self.resources
            .get(i)
            .filter(|r| std::ptr::eq(*r, res))
            .map(|_| i)
    }

    /// The resources of a claim group, in index order.
    pub(crate) fn claimants<'s>(
        &'s self,
        claims: &'s HostClaims,
    ) -> impl Iterator<Item = &'s Resource> {
        claims.ids.iter().map(|&i| &self.resources[i])
    }

    /// DestinationRules whose host matches the resolved `host`, with the wildcard pattern
    /// that matched (`None` for an exact match): the exact ones, then those of each pattern;
    /// the rules of one pattern in the order of the index.
    fn drs_matching<'s>(
        &'s self,
        host: &str,
    ) -> impl Iterator<Item = (Option<&'s str>, &'s Resource)> {
        self.drs_matching_at(host)
            .map(|(p, i)| (p, &self.resources[i]))
    }

    /// [`Index::drs_matching`], each rule by its position.
    fn drs_matching_at<'s>(&'s self, host: &str) -> impl Iterator<Item = (Option<&'s str>, usize)> {
        let exact = self
            .dr_exact
            .get(host)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| (None, i));
        // Rules of one pattern together: copies of a tree repeat few patterns many times.
        let wild: Vec<_> = self
            .dr_wild
            .iter()
            .filter(|(p, _)| host::matches(p, host))
            .flat_map(|(p, ids)| ids.iter().map(move |&i| (Some(p.as_str()), i)))
            .collect();
        exact.chain(wild)
    }

    /// The DestinationRules of `namespace` whose host resolves to exactly `host` (the same
    /// wildcard pattern, for a wildcard), in index order: those Istio merges into one
    /// (pilot/pkg/model/push_context.go setDestinationRules keys them by namespace and
    /// resolved host).
    pub(crate) fn destination_rules_for_host_in<'s>(
        &'s self,
        namespace: &'s str,
        host: &'s str,
    ) -> impl Iterator<Item = &'s Resource> {
        let mut ids: Vec<usize> = self.dr_exact.get(host).cloned().unwrap_or_default();
        ids.extend(
            self.dr_wild
                .iter()
                .filter(|(p, _)| p == host)
                .flat_map(|(_, ids)| ids.iter().copied()),
        );
        ids.sort_unstable();
        ids.into_iter()
            .map(|i| &self.resources[i])
            .filter(move |r| r.namespace == namespace)
    }

    /// The namespaces that have a DestinationRule for a service of this short name.
    pub(crate) fn dr_namespaces_for_service(&self, short: &str) -> &[String] {
        self.dr_service_namespaces
            .get(short)
            .map_or(&[][..], Vec::as_slice)
    }

    /// Whether any DestinationRule in scope names this host, visible or not.
    pub(crate) fn any_dr_for(&self, host: &str) -> bool {
        self.drs_matching(host).next().is_some()
    }

    /// The DestinationRules Istio applies to `host` (resolved) for traffic from namespace
    /// `viewer`, for the manifest `from`. A DestinationRule whose namespace is only guessed
    /// lands wherever its directory is applied: `unplaced` says whether it counts in `viewer`
    /// from any directory, or only from `from`'s.
    // pilot/pkg/model/push_context.go destinationRule: the client's namespace, then the
    // service's, then the root namespace; in each, the most specific host (MostSpecificHostMatch),
    // rules of that host merged (destination_rule.go mergeDestinationRule).
    pub(crate) fn destination_rules(
        &self,
        host: &str,
        viewer: &str,
        from: &Resource,
        unplaced: Unplaced,
    ) -> Option<DrSelection<'_>> {
        // The answer depends on `from` only through its directory (see `same_directory`),
        // and many routes ask the same: kept by host, viewer and directory.
        let near = match unplaced {
            // Where `from` is counts only for rules whose namespace is only guessed: with none
            // that may match, the rules are those of anywhere.
            Unplaced::Anywhere => Near::Anywhere,
            Unplaced::Beside if !self.may_float(host) => Near::Anywhere,
            Unplaced::Beside => match self.file_dirs.get(from.file as usize) {
                Some(&dir) => Near::Dir(dir),
                None => Near::File(from.file),
            },
        };
        let key = (host.to_string(), viewer.to_string(), near);
        let kept = crate::hash::memo(&self.dr_selections, &key, || {
            self.select_destination_rules(host, viewer, from, unplaced)
                .map(|ids| {
                    std::sync::Arc::new(KeptSelection {
                        ids,
                        names: Default::default(),
                    })
                })
        })?;
        Some(DrSelection {
            index: self,
            kept,
            rules: std::cell::OnceCell::new(),
        })
    }

    /// Whether a DestinationRule whose namespace is only guessed may match the resolved
    /// `host` (by it, by a wildcard, or by its short name): only such a rule makes
    /// [`Index::destination_rules`] depend on where the asking manifest is.
    fn may_float(&self, host: &str) -> bool {
        let short = host.split('.').next().unwrap_or(host);
        self.floating_exact.contains(host)
            || self.floating_short.contains_key(short)
            || self.floating_wild.iter().any(|p| host::matches(p, host))
    }

    /// [`Index::destination_rules`], the rules by their positions, computed.
    fn select_destination_rules(
        &self,
        host: &str,
        viewer: &str,
        from: &Resource,
        unplaced: Unplaced,
    ) -> Option<Box<[u32]>> {
        let mut namespaces = vec![viewer.to_string()];
        match host::namespace_of(host) {
            Some(ns) => namespaces.push(ns.to_string()),
            None => namespaces.extend(self.se_namespaces.get(host).cloned().unwrap_or_default()),
        }
        namespaces.push(self.root_namespace.clone());
        let mut seen = HashSet::default();
        for ns in namespaces {
            if !seen.insert(ns.clone()) {
                continue;
            }
            // A DestinationRule whose namespace is only guessed may be applied to any
            // namespace, the client's among them; its short host then names the client's
            // service.
            let near =
                |r: &Resource| unplaced == Unplaced::Anywhere || self.same_directory(r, from);
            let floating = |r: &Resource| {
                ns == viewer && r.namespace_source == NamespaceSource::Default && near(r)
            };
            let short = host.split('.').next().unwrap_or(host);
            // Whether the short host names `host` from the client's namespace is the same
            // for every candidate: resolved once, and only when there are candidates.
            let floating_short = self
                .floating_short
                .get(short)
                .filter(|_| ns == viewer && self.resolve(short, viewer) == host)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|&i| (None, i))
                .filter(|&(_, i)| {
                    let r = &self.resources[i];
                    r.namespace != ns && near(r)
                });
            let candidates: Vec<(&str, usize)> = self
                .drs_matching_at(host)
                .filter(|&(_, i)| {
                    let r = &self.resources[i];
                    r.namespace == ns || floating(r)
                })
                .chain(floating_short)
                .filter(|&(_, i)| {
                    DestinationRule::view(&self.resources[i])
                        .is_some_and(|dr| dr.export_to().visible(&ns, viewer))
                })
                .map(|(p, i)| (p.unwrap_or(host), i))
                .collect();

            let Some(best) = candidates
                .iter()
                .map(|(p, _)| *p)
                .max_by_key(|p| host::specificity(p))
            else {
                continue;
            };
            let best = best.to_string();
            let rules = candidates
                .into_iter()
                .filter(|(p, _)| *p == best)
                .map(|(_, i)| i as u32)
                .collect();
            return Some(rules);
        }
        None
    }

    /// The Gateway API routes of a key (route kind, parent, hostname): those that compete
    /// for the same requests. Grouped on first use.
    pub(crate) fn routes_sharing(
        &self,
        key: &crate::model::route_match::RouteKey,
    ) -> impl Iterator<Item = &Resource> {
        let groups = self
            .route_groups
            .get_or_init(|| crate::model::route_match::group_routes(&self.resources));
        self.resources_at(groups.get(key))
    }
}

/// Adds `i` to the list of `key`, copying the key only when it is new.
fn push_keyed(map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize) {
    match map.get_mut(key) {
        Some(list) => list.push(i),
        None => {
            map.insert(key.to_string(), vec![i]);
        }
    }
}

/// Resource names, sorted, without repeats, for messages: at most `max`, with a count of the
/// rest.
fn name_list<'a>(resources: impl Iterator<Item = &'a Resource>, max: usize) -> String {
    let mut names: Vec<&str> = resources
        .filter(|r| !r.name.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    if names.len() > max {
        shown.push(format!("{} more", names.len() - max));
    }
    crate::text::join_and(&shown)
}

/// Where a DestinationRule that sets no namespace (and has no kustomization setting one) may
/// land, for [`Index::destination_rules`]: it is applied with its directory, into a namespace
/// the repository does not state.
/// What a DestinationRule selection depends on of the manifest that asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Near {
    Anywhere,
    Dir(u32),
    File(crate::source::FileId),
}

/// DestinationRule selections kept: by host, viewer and what they depend on of the asker.
type DrSelections = HashMap<(String, String, Near), Option<std::sync::Arc<KeptSelection>>>;

/// A kept DestinationRule selection: the rules by their positions, and their subset names
/// once asked.
struct KeptSelection {
    ids: Box<[u32]>,
    names: std::sync::OnceLock<SubsetNames>,
}

#[derive(Default)]
struct SubsetNames {
    names: HashSet<Box<str>>,
    /// Whether a name is a template expression (the set of names is then unknown).
    templated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unplaced {
    /// In any client's namespace: what it may add.
    Anywhere,
    /// Only with the manifests of its own directory: where it certainly is.
    Beside,
}

/// Whether some namespace can see both resources, given their namespaces and `exportTo`.
pub(crate) fn share_a_viewer(a_ns: &str, a: &ExportTo, b_ns: &str, b: &ExportTo) -> bool {
    let expand = |own: &str, e: &ExportTo| -> Option<Vec<String>> {
        match e {
            ExportTo::All => None,
            ExportTo::Some(list) => Some(
                list.iter()
                    .map(|n| if n == "." { own.to_string() } else { n.clone() })
                    .filter(|n| n != "~")
                    .collect(),
            ),
        }
    };
    match (expand(a_ns, a), expand(b_ns, b)) {
        (None, None) => true,
        (None, Some(l)) | (Some(l), None) => !l.is_empty(),
        (Some(x), Some(y)) => x.iter().any(|n| y.contains(n)),
    }
}

/// The mesh-bound VirtualServices that claim one host.
pub(crate) struct HostClaims {
    ids: Vec<usize>,
    /// How many distinct objects (namespace and name) claim it: one object may be defined in
    /// several files.
    pub(crate) objects: usize,
    /// The claimants that define an object an earlier claimant already defines.
    repeats: HashSet<usize>,
    /// Whether every claimant is exported everywhere and sits in a namespace it states (or
    /// its kustomization does): then every claimant conflicts with every other object.
    pub(crate) open: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Workspace, WorkspaceOptions};

    fn dr(name: &str, namespace: Option<&str>, host: &str) -> String {
        let ns = namespace.map_or(String::new(), |n| format!("\n  namespace: {n}"));
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: {name}{ns}\nspec:\n  host: \"{host}\"\n  subsets:\n  - name: {name}\n    labels: {{version: {name}}}\n"
        )
    }

    fn vs(name: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {{host: reviews}}\n"
        )
    }

    fn selected(ws: &Workspace, host: &str, viewer: &str, from: &str, u: Unplaced) -> Vec<String> {
        let from = ws
            .index
            .resources
            .iter()
            .find(|r| r.name == from)
            .expect("the asking resource");
        ws.index
            .destination_rules(host, viewer, from, u)
            .map(|sel| sel.rules().iter().map(|d| d.res.name.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn rules_of_a_wildcard_are_taken_in_index_order_across_patterns() {
        let texts = [
            ("a/one.yaml", dr("one", Some("shop"), "*.example.com")),
            ("a/two.yaml", dr("two", Some("shop"), "*.other.com")),
            ("a/three.yaml", dr("three", Some("shop"), "*.example.com")),
            ("a/four.yaml", dr("four", Some("shop"), "*.api.example.com")),
            ("a/five.yaml", dr("five", Some("shop"), "*.example.com")),
        ]
        .map(|(p, t)| (p.to_string(), t));
        let ws = Workspace::from_texts(&texts, &WorkspaceOptions::default());
        // The most specific pattern wins; the rules of it merge, in index order.
        let any = Unplaced::Anywhere;
        assert_eq!(
            selected(&ws, "web.example.com", "shop", "one", any),
            ["one", "three", "five"]
        );
        assert_eq!(
            selected(&ws, "v1.api.example.com", "shop", "one", any),
            ["four"]
        );
        assert_eq!(selected(&ws, "x.other.com", "shop", "one", any), ["two"]);
        assert!(selected(&ws, "x.none.com", "shop", "one", any).is_empty());
        assert!(ws.index.any_dr_for("web.example.com"));
        let exact: Vec<&str> = ws
            .index
            .destination_rules_for_host_in("shop", "*.example.com")
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(exact, ["one", "three", "five"]);
    }

    #[test]
    fn a_rule_without_a_namespace_counts_beside_its_asker_only() {
        // The rule's short host names the Service of whichever namespace it is applied to:
        // the client's, when it is applied with it.
        let host = "reviews.shop.svc.cluster.local";
        let texts = [
            ("b/dr.yaml", dr("floating", None, "reviews")),
            (
                "b/fq.yaml",
                dr("full", None, "details.shop.svc.cluster.local"),
            ),
            ("b/vs.yaml", vs("near")),
            ("c/vs.yaml", vs("far")),
            (
                "d/dr.yaml",
                dr("placed", Some("shop"), "ratings.shop.svc.cluster.local"),
            ),
        ]
        .map(|(p, t)| (p.to_string(), t));
        let ws = Workspace::from_texts(&texts, &WorkspaceOptions::default());
        let (any, beside) = (Unplaced::Anywhere, Unplaced::Beside);
        // Asked from each directory in turn, so that a kept answer of one is not given to
        // the other.
        for _ in 0..2 {
            assert_eq!(selected(&ws, host, "shop", "near", beside), ["floating"]);
            assert!(selected(&ws, host, "shop", "far", beside).is_empty());
            assert_eq!(selected(&ws, host, "shop", "far", any), ["floating"]);
            let details = "details.shop.svc.cluster.local";
            assert_eq!(selected(&ws, details, "shop", "near", beside), ["full"]);
            assert!(selected(&ws, details, "shop", "far", beside).is_empty());
        }
        // A rule whose namespace is stated is the same from everywhere.
        let ratings = "ratings.shop.svc.cluster.local";
        for from in ["near", "far"] {
            assert_eq!(selected(&ws, ratings, "shop", from, beside), ["placed"]);
        }
    }
}
