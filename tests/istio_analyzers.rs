//! `istioctl analyze`'s own expectations, from `../shared/corpus/istio-analyzers/expected.yaml`
//! (the analyzer test table of istio/istio), for the messages canarylint reproduces:
//!
//! | Istio                                   | canarylint                               |
//! |-----------------------------------------|------------------------------------------|
//! | IST0101 on a DestinationRule subset     | `missing-subset`                         |
//! | IST0109 conflicting mesh hosts          | `conflicting-virtualservice`             |
//! | IST0130 unreachable rule                | `shadowed-route`                         |
//! | IST0131 ineffective match               | `shadowed-match`, `redundant-match`      |
//! | IST0101 on a destination host (part)    | `host-not-fqdn`, `host-not-found`        |
//! | IST0112 destination port required (part)| `destination-port-required`              |
//! | IST0101 on a `gateways` entry           | `gateway-not-found`                      |
//! | IST0132 host not found in gateway       | `gateway-host-mismatch`                  |
//!
//! `host-not-found` reproduces the IST0101 findings on a missing in-cluster host of a
//! namespace whose Services are written with the VirtualService ([`REPRODUCED`]). It leaves
//! out, on purpose: external hosts without a ServiceEntry (`other.bookinfo.com`: canarylint
//! cannot know a repository's egress policy), a port the Service lacks, and `exportTo`
//! visibility of Services. `destination-port-required` follows the controller, not the
//! analyzer: pilot/pkg/networking/core/route/route.go GetDestinationCluster sends a
//! destination without `port` to the port the traffic arrived on when its service has
//! several, which fails only where that port is not one of the destination's. The table's
//! `reviews-2port-missing` has no `hosts` (so no port traffic arrives on, and the API server
//! rejects it), so canarylint does not report it. IST0174 (UnknownDestinationRuleHost, the
//! SubsetSelectPodAnalyzer case `DestinationRuleWithFakeHost`) is `host-not-found` on a
//! DestinationRule, but that file defines no Service, so the scope rule keeps it silent.
//!
//! `host-not-fqdn` reproduces only the IST0101 findings of DestinationHostAnalyzer about a
//! host written `svc.ns` or `svc.ns.svc`: the analyzer looks such a host up as written
//! (util/hosts.go ConvertHostToFQDN expands only names without a dot; service_lookup.go
//! InitServiceEntryHostMap keys Services by `name.ns.svc.cluster.local`), so it finds no
//! Service and reports IST0101. The others (no such Service, port or `exportTo`) need the
//! cluster's Services, which canarylint does not check. For these [`PARTIAL`] analyzers,
//! canarylint's findings must be among upstream's (none extra, none on the `clean`
//! resources); upstream's table has no `svc.ns` destination, so there the test guards the
//! external and wildcard hosts of its cases (`external-reviews.org`, `*.eu.bookinfo.com`,
//! `other.bookinfo.com`) against false positives.
//!
//! Each case's files are linted together with only those rules, under the harness facts of
//! the table's header (objects without a namespace are in namespace `""`), and the findings
//! per resource must be the table's multiset: none missing, none extra, none on the `clean`
//! resources. Two differences of granularity are translated, as upstream's code defines them:
//!
//! - IST0109 names a VirtualService at most once (conflictingmeshgatewayhosts.go keeps a
//!   `reported` set); canarylint reports each conflicting host at its own node.
//! - For an unreachable rule, upstream reports IST0130 and also IST0131 for each of its
//!   matches (validation.go analyzeUnreachable*Rules calls reportIneffective per duplicate
//!   match, then reportUnreachable); `shadowed-route` says both in one finding ("all its match
//!   blocks are covered"), so it counts as IST0130 plus one IST0131 per `match` block.
//!
//! `gateway-not-found` follows the scope rule: the table's cases define Gateways in the
//! namespaces their VirtualServices name, so it speaks on each; `istio-system` Gateways that a
//! repository does not define would keep it silent.
//!
//! Where canarylint knowingly differs, [`DIVERGENCES`] records it with the evidence, and the
//! test asserts canarylint's side.

mod common;

use std::collections::BTreeMap;

use canarylint::codes::RuleId;
use canarylint::diagnostic::Diagnostic;
use canarylint::model::istio::{Protocol, VirtualService};
use canarylint::model::kinds::Kind;
use canarylint::workspace::WorkspaceOptions;
use saphyr::{LoadableYamlNode, Yaml};

/// (kind, namespace, name).
type Key = (String, String, String);
/// Per resource, how many findings of each code.
type Findings = BTreeMap<Key, BTreeMap<String, usize>>;

/// The upstream analyzers whose expectations canarylint reproduces, the codes it reproduces
/// of each, and the rules that do.
const ANALYZERS: &[(&str, &[&str], &[RuleId])] = &[
    (
        "virtualservice.DestinationRuleAnalyzer",
        &["IST0101"],
        &[RuleId::MissingSubset],
    ),
    (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        &["IST0109"],
        &[RuleId::ConflictingVirtualservice],
    ),
    (
        "virtualservice.GatewayAnalyzer",
        &["IST0101", "IST0132"],
        &[RuleId::GatewayNotFound, RuleId::GatewayHostMismatch],
    ),
    (
        "schema.ValidationAnalyzer.VirtualService",
        &["IST0130", "IST0131"],
        &[
            RuleId::ShadowedRoute,
            RuleId::ShadowedMatch,
            RuleId::RedundantMatch,
        ],
    ),
    (
        "destinationrule.SubsetSelectPodAnalyzer",
        &["IST0173"],
        &[RuleId::SubsetSelectsNothing],
    ),
];

/// Analyzers of which canarylint reproduces a part of the findings of these codes: its
/// findings must be among upstream's.
const PARTIAL: &[(&str, &[&str], &[RuleId])] = &[(
    "virtualservice.DestinationHostAnalyzer",
    &["IST0101", "IST0112"],
    &[
        RuleId::HostNotFqdn,
        RuleId::HostNotFound,
        RuleId::DestinationPortRequired,
    ],
)];

/// Findings of the [`PARTIAL`] analyzers that canarylint must reproduce: (case, resource,
/// code, how many).
const REPRODUCED: &[(&str, &str, &str, usize)] = &[
    // `host-not-found`: `reviews-bogus` in namespace `default`, where the file defines
    // Services. The other IST0101 of this resource is a route entry without a destination,
    // which the schema reports.
    (
        "virtualServiceDestinationHosts",
        "VirtualService default/reviews-bogushost",
        "IST0101",
        1,
    ),
    (
        "virtualServiceDestinationHosts",
        "VirtualService default/reviews-mirror-bogushost",
        "IST0101",
        1,
    ),
];

/// A case where canarylint's findings knowingly differ from upstream's table.
struct Divergence {
    case: &'static str,
    resource: &'static str,
    /// The codes upstream expects on the resource.
    istio: &'static [&'static str],
    /// The codes canarylint's findings stand for.
    canarylint: &'static [&'static str],
    /// The evidence.
    why: &'static str,
}

const DIVERGENCES: &[Divergence] = &[
    Divergence {
        case: "DestinationRuleSubsetsNotSelectPods",
        resource: "DestinationRule default/subsets-not-select-pods",
        istio: &["IST0173"],
        canarylint: &[],
        why: "the case holds the Service but no pod or workload at all: upstream analyzes a \
              cluster, where no pod means none runs; a repository that defines no workload \
              behind the Service cannot tell which pods run (they may be deployed from \
              elsewhere), so `subset-selects-nothing` speaks only when a workload behind the \
              Service is in the repository (the scope rule)",
    },
    Divergence {
        case: "virtualServiceGateways",
        resource: "VirtualService /httpbin-bogus",
        istio: &["IST0101", "IST0132"],
        canarylint: &["IST0101"],
        why:
            "the Gateway `httpbin-gateway-bogus` is not defined. Upstream reports it (IST0101) and \
              then also IST0132, because vsHostInGateway (gateways.go) finds no server host for a \
              Gateway that does not exist; `gateway-not-found` says it once",
    },
    Divergence {
        case: "virtualServiceGateways",
        resource: "VirtualService /httpbin",
        istio: &["IST0132"],
        canarylint: &[],
        why: "Gateway `httpbin-gateway` has no `servers`. The API server rejects such a Gateway \
              (pkg/config/validation/validation.go: \"gateway must have at least one server\"), \
              so no VirtualService binds to it; its hosts are not compared",
    },
    Divergence {
        case: "virtualServiceGateways",
        resource: "VirtualService default/cross-test",
        istio: &["IST0132"],
        canarylint: &[],
        why: "Gateway `another/crossnamespace-gw` has no `servers`, as for `httpbin` above",
    },
    Divergence {
        case: "virtualServiceKubernetesGateways",
        resource: "VirtualService default/my-vs-host-mismatch",
        istio: &["IST0132"],
        canarylint: &[],
        why: "`default/my-gateway` is a Gateway API Gateway (gateway.networking.k8s.io). Pilot \
              binds VirtualServices to Istio Gateways by name; from a Gateway API Gateway it \
              makes Istio Gateways named `<name>~istio-autogenerated-k8s-gateway~<listener>` \
              (pkg/config/gateway/kube/gatewayapi.go InternalGatewayName), so canarylint \
              compares no Gateway API listener hostnames",
    },
    Divergence {
        case: "dupmatches",
        resource: "VirtualService /uri-with-prefix-exact",
        istio: &[],
        canarylint: &["IST0131"],
        why: "match 2 (`uri: {exact: /}`, GET) is covered by match 1 (`uri: {prefix: /}`): every \
              request path starts with `/`, so Envoy never reaches it. Upstream's overlap check \
              compares prefix matches only (validation.go genMatchHTTPRoutes returns nil for a \
              match without a URI prefix), so it stays silent; `redundant-match` reports it",
    },
    Divergence {
        case: "dupmatches",
        resource: "VirtualService /overlapping-in-two-matches",
        istio: &["IST0131"],
        canarylint: &["IST0130", "IST0131"],
        why: "route 2's only match (prefix `/api/v1/products`, GET) is covered by route 1's \
              (prefix `/api/v1/product`, GET), so the route can never match. Upstream reports \
              the match (IST0131) but never derives IST0130 from prefix coverage, only from \
              identical matches; `shadowed-route` reports the unreachable route",
    },
];

fn key(kind: &str, namespace: &str, name: &str) -> Key {
    (kind.to_string(), namespace.to_string(), name.to_string())
}

/// `VirtualService ns/name` or `VirtualService /name` (no namespace).
fn parse_resource(s: &str) -> Option<Key> {
    let (kind, full) = s.split_once(' ')?;
    let (ns, name) = full.split_once('/')?;
    Some(key(kind, ns, name))
}

fn str_of<'a>(y: &'a Yaml<'a>, k: &str) -> Option<&'a str> {
    y.as_mapping_get(k)?.as_str()
}

fn seq<'a>(y: &'a Yaml<'a>, k: &str) -> &'a [Yaml<'a>] {
    y.as_mapping_get(k)
        .and_then(|v| v.as_sequence())
        .map_or(&[][..], Vec::as_slice)
}

/// The number of `match` blocks of the route a `shadowed-route` finding is on (0 for a route
/// without `match`), read from its node path (`spec.tcp[1].match[0].port`).
fn match_blocks(outcome: &canarylint::Outcome, d: &Diagnostic) -> usize {
    let (Some(path), Some(res)) = (&d.node_path, &d.resource) else {
        panic!("shadowed-route finding without a node path: {d:?}");
    };
    let (protocol, rest) = [Protocol::Http, Protocol::Tcp, Protocol::Tls]
        .into_iter()
        .find_map(|p| Some((p, path.strip_prefix(&format!("spec.{}[", p.key()))?)))
        .unwrap_or_else(|| panic!("not on a route: {path}"));
    let index: usize = rest
        .split(']')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no route index in {path}"));
    let resource = outcome
        .workspace
        .index
        .get(Kind::VirtualService, &res.namespace, &res.name)
        .expect("the finding's VirtualService");
    let vs = VirtualService::view(resource).expect("a VirtualService view");
    vs.routes_of(protocol)
        .get(index)
        .map_or(0, |r| r.match_blocks().len())
}

/// The upstream codes canarylint's findings stand for, per resource.
fn translate(outcome: &canarylint::Outcome) -> Findings {
    let mut out = Findings::new();
    for d in &outcome.diagnostics {
        let Some(r) = &d.resource else {
            continue;
        };
        let k = key(r.kind.name(), &r.namespace, &r.name);
        let codes = out.entry(k).or_default();
        match d.rule {
            RuleId::MissingSubset
            | RuleId::HostNotFqdn
            | RuleId::HostNotFound
            | RuleId::GatewayNotFound => *codes.entry("IST0101".into()).or_default() += 1,
            RuleId::DestinationPortRequired => *codes.entry("IST0112".into()).or_default() += 1,
            RuleId::GatewayHostMismatch => *codes.entry("IST0132".into()).or_default() += 1,
            RuleId::ConflictingVirtualservice => {
                codes.insert("IST0109".into(), 1);
            }
            RuleId::ShadowedRoute => {
                *codes.entry("IST0130".into()).or_default() += 1;
                let n = match_blocks(outcome, d);
                if n > 0 {
                    *codes.entry("IST0131".into()).or_default() += n;
                }
            }
            RuleId::ShadowedMatch | RuleId::RedundantMatch => {
                *codes.entry("IST0131".into()).or_default() += 1
            }
            RuleId::SubsetSelectsNothing => *codes.entry("IST0173".into()).or_default() += 1,
            other => panic!("unexpected rule {other}"),
        }
    }
    out
}

/// A case's `clean` resources; `[same as <case>]` stands for that case's.
fn clean_of<'a>(cases: &'a [Yaml<'a>], case: &'a Yaml<'a>) -> Vec<&'a str> {
    let clean: Vec<&str> = seq(case, "clean").iter().filter_map(Yaml::as_str).collect();
    match clean.as_slice() {
        [one] if one.starts_with("same as ") => {
            let other = one.trim_start_matches("same as ");
            let referenced = cases
                .iter()
                .find(|c| str_of(c, "case") == Some(other))
                .unwrap_or_else(|| panic!("no case `{other}`"));
            clean_of(cases, referenced)
        }
        _ => clean,
    }
}

fn set_codes(f: &mut Findings, k: Key, codes: &[&str]) {
    let entry = f.entry(k).or_default();
    entry.clear();
    for c in codes {
        *entry.entry(c.to_string()).or_default() += 1;
    }
}

#[test]
fn istio_analyzer_expectations_are_reproduced() {
    let Some(corpus) = common::corpus("istio_analyzer_expectations_are_reproduced", "skipped")
    else {
        return;
    };
    let dir = corpus.join("istio-analyzers");
    let text = std::fs::read_to_string(dir.join("expected.yaml")).expect("expected.yaml");
    let docs = Yaml::load_from_str(&text).expect("expected.yaml parses");
    let doc = docs.first().expect("one document");
    let opts = WorkspaceOptions {
        // Harness fact 1: objects without a namespace are in namespace "".
        default_namespace: String::new(),
        ..WorkspaceOptions::default()
    };

    let mut failures = Vec::new();
    let mut cases = 0;
    let mut compared = 0;
    for case in seq(doc, "cases") {
        let name = str_of(case, "case").unwrap_or("?");
        let analyzer = str_of(case, "analyzer").unwrap_or("");
        let partial = PARTIAL.iter().find(|(a, _, _)| *a == analyzer);
        let Some(&(_, codes, rules)) = ANALYZERS
            .iter()
            .find(|(a, _, _)| *a == analyzer)
            .or(partial)
        else {
            continue;
        };
        cases += 1;
        let texts: Vec<(String, String)> = seq(case, "files")
            .iter()
            .filter_map(Yaml::as_str)
            .map(|f| {
                let body = std::fs::read_to_string(dir.join(f))
                    .unwrap_or_else(|e| panic!("{name}: {f}: {e}"));
                (f.to_string(), body)
            })
            .collect();
        assert!(!texts.is_empty(), "{name}: no files");
        let outcome = canarylint::lint_texts(&texts, &opts, &Default::default(), &|id| {
            rules.contains(&id)
        });
        let mut actual = translate(&outcome);

        let mut expected = Findings::new();
        for f in seq(case, "findings") {
            let code = str_of(f, "code").unwrap_or("");
            if !codes.contains(&code) {
                continue;
            }
            let k = key(
                str_of(f, "kind").unwrap_or(""),
                str_of(f, "namespace").unwrap_or(""),
                str_of(f, "name").unwrap_or(""),
            );
            *expected
                .entry(k)
                .or_default()
                .entry(code.into())
                .or_default() += 1;
        }
        for clean in clean_of(seq(doc, "cases"), case) {
            let k = parse_resource(clean).unwrap_or_else(|| panic!("{name}: clean `{clean}`"));
            expected.entry(k).or_default();
        }
        for d in DIVERGENCES.iter().filter(|d| d.case == name) {
            let k = parse_resource(d.resource).expect("a divergence's resource");
            let upstream: Vec<&str> = expected
                .get(&k)
                .map(|c| {
                    c.iter()
                        .flat_map(|(code, n)| std::iter::repeat_n(code.as_str(), *n))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                upstream, d.istio,
                "{name}: {}: the table no longer says what the divergence records ({})",
                d.resource, d.why
            );
            set_codes(&mut expected, k, d.canarylint);
        }
        // Resources without findings on either side agree.
        expected.retain(|_, c| !c.is_empty());
        actual.retain(|_, c| !c.is_empty());
        compared += expected.len();
        if partial.is_some() {
            // Every finding is one of upstream's: no code more often than upstream has it.
            let extra: Vec<_> = actual
                .iter()
                .filter(|(k, codes)| {
                    codes.iter().any(|(code, n)| {
                        expected
                            .get(*k)
                            .and_then(|e| e.get(code))
                            .is_none_or(|m| n > m)
                    })
                })
                .collect();
            for (case, resource, code, n) in REPRODUCED.iter().filter(|r| r.0 == name) {
                let k = parse_resource(resource).expect("a reproduced finding's resource");
                let got = actual.get(&k).and_then(|c| c.get(*code)).copied();
                if got != Some(*n) {
                    failures.push(format!(
                        "case {case}: {resource}: expected {n} {code}, canarylint {got:?}"
                    ));
                }
            }
            if !extra.is_empty() {
                failures.push(format!(
                    "case {name}: findings upstream does not have: {extra:?}"
                ));
            }
        } else if actual != expected {
            failures.push(format!(
                "case {name}:\n  expected {expected:?}\n  canarylint {actual:?}"
            ));
        }
    }
    assert_eq!(cases, 17, "the table's cases for these analyzers");
    assert!(compared > 20, "{compared} resources with findings compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
