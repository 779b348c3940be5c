//! Which destination of a two-way split is the stable version and which the canary.

use std::cmp::Ordering;

use crate::model::index::{Index, Unplaced};
use crate::model::istio::Destination;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::rollouts::Rollout;
use crate::model::split::{backend_service, Leg};

/// What is known of one destination of a split.
#[derive(Clone, Debug, Default)]
pub(crate) struct Side<'a> {
    /// The host as written.
    pub(crate) host: &'a str,
    pub(crate) subset: Option<&'a str>,
    /// The `version` label of the subset, from its DestinationRule.
    pub(crate) version_label: Option<&'a str>,
}

/// Stable and canary names that a progressive-delivery controller declares for a route.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeclaredRoles {
    /// Who declares them, for messages (e.g. "Rollout `shop/checkout`").
    pub(crate) source: String,
    pub(crate) stable: Vec<String>,
    pub(crate) canary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Roles {
    /// Index (0 or 1) of the stable side; the other is the canary.
    pub(crate) stable: usize,
    /// How the roles were told apart, for messages.
    pub(crate) evidence: String,
}

const STABLE_WORDS: &[&str] = &["stable", "primary", "main"];
const CANARY_WORDS: &[&str] = &["canary", "preview", "next"];

/// Tells stable from canary by the strongest evidence available, or says nothing.
pub(crate) fn detect(sides: [&Side<'_>; 2], declared: &[DeclaredRoles]) -> Option<Roles> {
    for d in declared {
        if let Some(r) = by_declared(sides, d) {
            return Some(r);
        }
    }
    by_flagger_naming(sides)
        .or_else(|| by_words(sides))
        .or_else(|| by_version(sides))
}

fn short_host(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

fn by_declared(sides: [&Side<'_>; 2], d: &DeclaredRoles) -> Option<Roles> {
    let role = |s: &Side<'_>| -> Option<bool> {
        let names = [s.subset, Some(short_host(s.host))];
        let is = |list: &[String]| names.iter().flatten().any(|n| list.iter().any(|x| x == n));
        match (is(&d.stable), is(&d.canary)) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
    };
    let (a, b) = (role(sides[0])?, role(sides[1])?);
    (a != b).then(|| Roles {
        stable: if a { 0 } else { 1 },
        evidence: format!("as {} declares", d.source),
    })
}

/// Flagger names the generated services `<name>-primary` and `<name>-canary`.
fn by_flagger_naming(sides: [&Side<'_>; 2]) -> Option<Roles> {
    let (a, b) = (short_host(sides[0].host), short_host(sides[1].host));
    let base = |h: &str, suffix: &str| h.strip_suffix(suffix).map(str::to_string);
    for (stable, canary, i) in [(a, b, 0), (b, a, 1)] {
        if let (Some(x), Some(y)) = (base(stable, "-primary"), base(canary, "-canary")) {
            if x == y {
                return Some(Roles {
                    stable: i,
                    evidence: format!("by Flagger's naming, `{stable}` and `{canary}`"),
                });
            }
        }
    }
    None
}

fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['-', '_', '.']).map(str::to_ascii_lowercase)
}

fn word_role(name: &str) -> Option<bool> {
    let stable = words(name).any(|w| STABLE_WORDS.contains(&w.as_str()));
    let canary = words(name).any(|w| CANARY_WORDS.contains(&w.as_str()));
    match (stable, canary) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

fn by_words(sides: [&Side<'_>; 2]) -> Option<Roles> {
    let told = |na: &str, nb: &str, a: bool, b: bool| {
        (a != b).then(|| Roles {
            stable: if a { 0 } else { 1 },
            evidence: format!("by name, `{na}` and `{nb}`"),
        })
    };
    if let (Some(na), Some(nb)) = (sides[0].subset, sides[1].subset) {
        if let (Some(a), Some(b)) = (word_role(na), word_role(nb)) {
            if let Some(r) = told(na, nb, a, b) {
                return Some(r);
            }
        }
    }
    // Two services are two versions of one only when their names differ by the role word
    // alone (`reviews-stable`, `reviews-canary`); `stable-api` and `canary-web` are unrelated.
    let (na, nb) = (short_host(sides[0].host), short_host(sides[1].host));
    let ((base_a, a), (base_b, b)) = (host_role(na)?, host_role(nb)?);
    (base_a == base_b).then(|| told(na, nb, a, b)).flatten()
}

/// A service name that is a base name and a role word before or after it, split on `-` or
/// `_`: `reviews-canary` is (`reviews`, canary); `canary` alone has an empty base.
fn host_role(name: &str) -> Option<(String, bool)> {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split(['-', '_']).collect();
    let role = |w: &str| word_role(w);
    let (base, r) = match parts.as_slice() {
        [only] => (String::new(), role(only)?),
        [first, rest @ ..] if !rest.is_empty() && role(first).is_some() => {
            (rest.join("-"), role(first)?)
        }
        [rest @ .., last] if !rest.is_empty() => (rest.join("-"), role(last)?),
        _ => return None,
    };
    Some((base, r))
}

/// A service name that ends in a `v`-version, split on `-` or `_`: `reviews-v2` is
/// (`reviews`, [2]). Only the `v` form counts: `redis-1` and `redis-2` are likely shards.
fn host_version(name: &str) -> Option<(String, Vec<u64>)> {
    let lower = name.to_ascii_lowercase();
    let (base, tail) = lower.rsplit_once(['-', '_'])?;
    let digits = tail.strip_prefix('v')?;
    if base.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base.to_string(), vec![digits.parse().ok()?]))
}

/// A version at the end of a name: `v2`, `1.5.0`, `reviews-v3`.
pub(crate) fn parse_version(name: &str) -> Option<Vec<u64>> {
    let tail = name.rsplit(['-', '_']).next()?;
    let digits = tail.strip_prefix(['v', 'V']).unwrap_or(tail);
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    digits.split('.').map(|p| p.parse().ok()).collect()
}

fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The older of two named versions is the stable one; equal versions tell nothing.
fn older(names: [&str; 2], versions: [&[u64]; 2], what: &str) -> Option<Roles> {
    let stable = match compare_versions(versions[0], versions[1]) {
        Ordering::Less => 0,
        Ordering::Greater => 1,
        Ordering::Equal => return None,
    };
    Some(Roles {
        stable,
        evidence: format!("by {what}, `{}` < `{}`", names[stable], names[1 - stable]),
    })
}

fn by_version<'a>(sides: [&Side<'a>; 2]) -> Option<Roles> {
    let try_with = |f: &dyn Fn(&Side<'a>) -> Option<&'a str>, what: &str| -> Option<Roles> {
        let (na, nb) = (f(sides[0])?, f(sides[1])?);
        let (va, vb) = (parse_version(na)?, parse_version(nb)?);
        older([na, nb], [&va, &vb], what)
    };
    try_with(&|s| s.subset, "version order of the subsets")
        .or_else(|| {
            try_with(
                &|s| s.version_label,
                "version order of the subsets' `version` labels",
            )
        })
        .or_else(|| by_host_version(sides))
}

/// Versions written as separate services of one base name: `reviews-v1` and
/// `reviews-v2.shop.svc.cluster.local`.
fn by_host_version(sides: [&Side<'_>; 2]) -> Option<Roles> {
    let (na, nb) = (short_host(sides[0].host), short_host(sides[1].host));
    let ((base_a, va), (base_b, vb)) = (host_version(na)?, host_version(nb)?);
    if base_a != base_b {
        return None;
    }
    older([na, nb], [&va, &vb], "version order of the services")
}

/// Stable and canary in a two-way split, by the strongest evidence available (see
/// [`detect`]). For VirtualService destinations: the Rollouts that name this
/// VirtualService, Flagger's naming, names, then version order of the subsets or of their
/// DestinationRule `version` labels. For Gateway API backends, two Services of one
/// namespace: the Rollouts of that namespace whose `stableService` and `canaryService` name
/// them, Flagger's naming, names, then version order of the Service names; backends of
/// other kinds, or of two namespaces, tell nothing.
pub(crate) fn split_roles(
    index: &Index,
    res: &Resource,
    a: &Leg<'_>,
    b: &Leg<'_>,
) -> Option<Roles> {
    match (a, b) {
        (Leg::Istio(a), Leg::Istio(b)) => destination_roles(index, res, a, b),
        (Leg::Gateway(a), Leg::Gateway(b)) => {
            let (ns_a, name_a) = backend_service(a, &res.namespace)?;
            let (ns_b, name_b) = backend_service(b, &res.namespace)?;
            if ns_a != ns_b {
                return None;
            }
            let declared: Vec<DeclaredRoles> = index
                .in_namespace(Kind::Rollout, ns_a)
                .filter_map(Rollout::view)
                .map(|r| r.declared_roles())
                .collect();
            let service = |name| Side {
                host: name,
                subset: None,
                version_label: None,
            };
            detect([&service(name_a), &service(name_b)], &declared)
        }
        _ => None,
    }
}

fn destination_roles(
    index: &Index,
    res: &Resource,
    a: &Destination<'_>,
    b: &Destination<'_>,
) -> Option<Roles> {
    let declared: Vec<DeclaredRoles> = index
        .rollouts_for_vs(&res.namespace, &res.name)
        .map(|r| r.declared_roles())
        .collect();
    let version = |d: &Destination<'_>| -> Option<String> {
        let host = index.resolve(d.host()?, &res.namespace);
        let sel = index.destination_rules(&host, &res.namespace, res, Unplaced::Anywhere)?;
        let subset = sel.subset(d.subset()?)?;
        let v = subset.labels().find(|(k, _)| *k == "version")?.1;
        Some(v.to_string())
    };
    let (va, vb) = (version(a), version(b));
    let sides = [side(a, &va), side(b, &vb)];
    detect([&sides[0], &sides[1]], &declared)
}

fn side<'a>(d: &Destination<'a>, version: &'a Option<String>) -> Side<'a> {
    Side {
        host: d.host().unwrap_or(""),
        subset: d.subset(),
        version_label: version.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side<'a>(host: &'a str, subset: Option<&'a str>) -> Side<'a> {
        Side {
            host,
            subset,
            version_label: None,
        }
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("v2"), Some(vec![2]));
        assert_eq!(parse_version("1.4.2"), Some(vec![1, 4, 2]));
        assert_eq!(parse_version("reviews-v3"), Some(vec![3]));
        assert_eq!(parse_version("canary"), None);
        let (a, b) = (side("r", Some("v1")), side("r", Some("v2")));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 0);
        let (a, b) = (side("r", Some("1.5.0")), side("r", Some("1.4.2")));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("r", Some("v10")), side("r", Some("v9")));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
    }

    #[test]
    fn names_and_flagger() {
        let (a, b) = (side("r", Some("canary")), side("r", Some("stable")));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("podinfo-primary", None), side("podinfo-canary", None));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 0);
        let (a, b) = (side("blue", None), side("green", None));
        assert_eq!(detect([&a, &b], &[]), None);
    }

    #[test]
    fn versions_and_roles_written_as_services() {
        let (a, b) = (
            side("reviews-v2.shop.svc.cluster.local", None),
            side("reviews-v1", None),
        );
        let r = detect([&a, &b], &[]).unwrap();
        assert_eq!(r.stable, 1);
        assert_eq!(
            r.evidence,
            "by version order of the services, `reviews-v1` < `reviews-v2`"
        );
        let (a, b) = (side("reviews-v10", None), side("reviews_v9", None));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("api-v10", None), side("api-v9", None));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("reviews-v1", None), side("ratings-v2", None));
        assert_eq!(
            detect([&a, &b], &[]),
            None,
            "two services, not two versions"
        );
        let (a, b) = (side("redis-1", None), side("redis-2", None));
        assert_eq!(
            detect([&a, &b], &[]),
            None,
            "numbered shards are not versions"
        );
        let (a, b) = (
            side("checkout-canary", None),
            side("checkout-stable.shop", None),
        );
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("canary-web", None), side("stable-api", None));
        assert_eq!(
            detect([&a, &b], &[]),
            None,
            "role words on unrelated services"
        );
        let (a, b) = (side("canary", None), side("stable", None));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        let (a, b) = (side("canary-svc", None), side("stable-svc", None));
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 1);
        // Subsets of one host still decide first.
        let (a, b) = (
            side("reviews-v2", Some("v1")),
            side("reviews-v1", Some("v2")),
        );
        assert_eq!(detect([&a, &b], &[]).unwrap().stable, 0);
    }

    #[test]
    fn declared_roles_win() {
        let d = DeclaredRoles {
            source: "Rollout `x`".into(),
            stable: vec!["v2".into()],
            canary: vec!["v1".into()],
        };
        let (a, b) = (side("r", Some("v1")), side("r", Some("v2")));
        assert_eq!(detect([&a, &b], &[d]).unwrap().stable, 1);
    }
}
