//! `conflicting-virtualservice`: see rules/conflicting-virtualservice.md.

use crate::hash::HashSet;

use crate::model::index::{share_a_viewer, HostClaims};
use crate::model::istio::VirtualService;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::{Context, Rule};
use crate::text::{count, join_and};

declare_rule!(ConflictingVirtualservice, kinds: [Kind::VirtualService]);

/// How many other VirtualServices a finding names; the rest are counted.
const SHOWN: usize = 3;

fn same_object(a: &Resource, b: &Resource) -> bool {
    a.namespace == b.namespace && a.name == b.name
}

/// The other objects a VirtualService meets on one host: at most [`SHOWN`] of them named, and
/// how many there are in all; every one found is related to the finding.
struct Others<'r> {
    shown: Vec<String>,
    total: usize,
    found: Vec<&'r Resource>,
}

impl<'r> Others<'r> {
    fn new() -> Self {
        Others {
            shown: Vec::new(),
            total: 0,
            found: Vec::new(),
        }
    }

    fn add(&mut self, other: &'r Resource, describe: impl FnOnce() -> String) {
        if self.shown.len() < SHOWN {
            self.shown.push(describe());
        }
        self.found.push(other);
        self.total += 1;
    }

    fn list(&self) -> String {
        let mut items = self.shown.clone();
        if self.total > self.shown.len() {
            items.push(format!("{} more", count(self.total - self.shown.len())));
        }
        join_and(&items)
    }
}

impl Rule for ConflictingVirtualservice {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::VirtualService]
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(vs) = VirtualService::view(res) else {
            return;
        };
        if !vs.is_mesh_bound() {
            return;
        }
        let index = cx.index();
        let mut reported = Vec::new();
        for written in vs.hosts() {
            let host = written.value;
            // `*` is not allowed on a mesh-bound VirtualService; validation rejects it.
            if host == "*" {
                continue;
            }
            let fqdn = index.resolve(host, &res.namespace);
            if reported.contains(&fqdn) {
                continue;
            }
            reported.push(fqdn.clone());
            let Some(claims) = index.host_claims(&fqdn) else {
                continue;
            };
            // A VirtualService defined in several files (overlays, alternatives) is one
            // object: report it once, at its first definition.
            if index.repeats_a_claim(claims, res) {
                continue;
            }
            let same = same_host(cx, res, &vs, claims);
            if same.total > 0 {
                cx.report_with_help(
                    written,
                    format!(
                        "host `{fqdn}` is also claimed by mesh VirtualService {}; sidecars use only one of them",
                        same.list()
                    ),
                    "merge the routes into one VirtualService, or bind the others to gateways",
                );
                cx.relate(same.found.iter().copied());
            }
            let overlapping = overlapping(cx, res, &vs, &fqdn);
            if overlapping.total > 0 {
                let which = if overlapping.total == 1 {
                    "both gets only the routes of the more specific host"
                } else {
                    "several of them gets only the routes of the most specific host"
                };
                cx.report_with_help(
                    written,
                    format!(
                        "host `{fqdn}` overlaps {}; a service that matches {which}",
                        overlapping.list()
                    ),
                    "give the VirtualServices hosts that do not overlap, or merge their routes into one VirtualService",
                );
                cx.relate(overlapping.found.iter().copied());
            }
        }
    }
}

/// Whether another claimant is a different object that some namespace sees together with
/// `res` (placement, `exportTo`).
fn meets(cx: &Context<'_>, res: &Resource, vs: &VirtualService<'_>, other: &Resource) -> bool {
    if same_object(other, res) || !cx.index().placed_together(res, other) {
        return false;
    }
    VirtualService::view(other).is_some_and(|o| {
        share_a_viewer(
            &res.namespace,
            &vs.export_to(),
            &other.namespace,
            &o.export_to(),
        )
    })
}

fn name_at(cx: &Context<'_>, other: &Resource) -> String {
    format!(
        "`{}/{}` ({})",
        other.namespace,
        other.name,
        cx.location(other.name_location())
    )
}

/// The other objects that claim exactly this host.
fn same_host<'a>(
    cx: &Context<'a>,
    res: &Resource,
    vs: &VirtualService<'_>,
    claims: &'a HostClaims,
) -> Others<'a> {
    let index = cx.index();
    let mut others = Others::new();
    if claims.open {
        // Every claimant is exported everywhere from a stated namespace: every other object
        // conflicts; name the first few and count the rest without comparing pairs.
        let mut named: Vec<&Resource> = Vec::new();
        for o in index.claimants(claims) {
            if named.len() == SHOWN {
                break;
            }
            if !same_object(o, res) && !named.iter().any(|n| same_object(n, o)) {
                named.push(o);
                others.add(o, || name_at(cx, o));
            }
        }
        others.total = claims.objects.saturating_sub(1);
        return others;
    }
    let mut seen: HashSet<(&str, &str)> = HashSet::default();
    for o in index.claimants(claims) {
        if meets(cx, res, vs, o) && seen.insert((&o.namespace, &o.name)) {
            others.add(o, || name_at(cx, o));
        }
    }
    others
}

/// The objects that claim a host overlapping this one through a wildcard.
fn overlapping<'a>(
    cx: &Context<'a>,
    res: &Resource,
    vs: &VirtualService<'_>,
    fqdn: &str,
) -> Others<'a> {
    let index = cx.index();
    let mut others = Others::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::default();
    for other_host in index.overlapping_hosts(fqdn) {
        let Some(claims) = index.host_claims(other_host) else {
            continue;
        };
        for o in index.claimants(claims) {
            if meets(cx, res, vs, o) && seen.insert((&o.namespace, &o.name)) {
                others.add(o, || {
                    format!(
                        "host `{other_host}` of mesh VirtualService {}",
                        name_at(cx, o)
                    )
                });
            }
        }
    }
    others
}
