//! Which destination of a two-way split is the stable version and which the canary.

use std::cmp::Ordering;

/// What is known of one destination of a split.
#[derive(Clone, Debug, Default)]
pub struct Side<'a> {
    /// The host as written.
    pub host: &'a str,
    pub subset: Option<&'a str>,
    /// The `version` label of the subset, from its DestinationRule.
    pub version_label: Option<&'a str>,
}

/// Stable and canary names that a progressive-delivery controller declares for a route.
#[derive(Clone, Debug, Default)]
pub struct DeclaredRoles {
    /// Who declares them, for messages (e.g. "Rollout `shop/checkout`").
    pub source: String,
    pub stable: Vec<String>,
    pub canary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roles {
    /// Index (0 or 1) of the stable side; the other is the canary.
    pub stable: usize,
    /// How the roles were told apart, for messages.
    pub evidence: String,
}

const STABLE_WORDS: &[&str] = &["stable", "primary", "main"];
const CANARY_WORDS: &[&str] = &["canary", "preview", "next"];

/// Tells stable from canary by the strongest evidence available, or says nothing.
pub fn detect(sides: [&Side<'_>; 2], declared: &[DeclaredRoles]) -> Option<Roles> {
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

fn by_words<'a>(sides: [&Side<'a>; 2]) -> Option<Roles> {
    let pick = |f: &dyn Fn(&Side<'a>) -> Option<&'a str>| -> Option<Roles> {
        let (na, nb) = (f(sides[0])?, f(sides[1])?);
        let (a, b) = (word_role(na)?, word_role(nb)?);
        (a != b).then(|| Roles {
            stable: if a { 0 } else { 1 },
            evidence: format!("by name, `{na}` and `{nb}`"),
        })
    };
    pick(&|s| s.subset).or_else(|| pick(&|s| Some(short_host(s.host))))
}

/// A version at the end of a name: `v2`, `1.5.0`, `reviews-v3`.
pub fn parse_version(name: &str) -> Option<Vec<u64>> {
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

fn by_version<'a>(sides: [&Side<'a>; 2]) -> Option<Roles> {
    let try_with = |f: &dyn Fn(&Side<'a>) -> Option<&'a str>, what: &str| -> Option<Roles> {
        let (na, nb) = (f(sides[0])?, f(sides[1])?);
        let (va, vb) = (parse_version(na)?, parse_version(nb)?);
        let stable = match compare_versions(&va, &vb) {
            Ordering::Less => 0,
            Ordering::Greater => 1,
            Ordering::Equal => return None,
        };
        Some(Roles {
            stable,
            evidence: format!(
                "by {what}, `{}` < `{}`",
                [na, nb][stable],
                [na, nb][1 - stable]
            ),
        })
    };
    try_with(&|s| s.subset, "version order of the subsets").or_else(|| {
        try_with(
            &|s| s.version_label,
            "version order of the subsets' `version` labels",
        )
    })
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
