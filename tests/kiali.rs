//! Kiali's validation fixtures (`../shared/corpus/real/kiali__kiali`) and the expectations its
//! `EXPECTED.md` records, for the checks canarylint reproduces:
//!
//! | Kiali                                   | canarylint           |
//! |-----------------------------------------|----------------------|
//! | KIA1102 non-existent gateway            | `gateway-not-found`  |
//!
//! A Kiali unit test runs one checker with context the fixture lacks (NoGatewayChecker: the
//! cluster's Gateways are `{valid-gateway}`). Here that context is a Gateway written beside the
//! fixture, as a repository would hold it. Without Gateways of a namespace in the repository,
//! canarylint says nothing about references into it (the scope rule), where Kiali, which sees
//! the cluster, reports them.

mod common;

use canarylint::codes::RuleId;
use canarylint::workspace::WorkspaceOptions;

fn gateway(namespace: &str, name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector: {{istio: ingressgateway}}
  servers:
    - port: {{number: 80, name: http, protocol: HTTP}}
      hosts: ['*']
"
    )
}

/// The node paths of the `gateway-not-found` findings on the fixture, linted with `extra`.
fn not_found(fixture: &str, extra: &[String]) -> Option<Vec<String>> {
    let corpus = common::corpus("kiali", "skipped")?;
    let dir = corpus.join("real/kiali__kiali/tests/data/validations/virtualservices");
    let body = std::fs::read_to_string(dir.join(fixture)).expect("the Kiali fixture");
    let mut texts = vec![(fixture.to_string(), body)];
    for (i, text) in extra.iter().enumerate() {
        texts.push((format!("gateway-{i}.yaml"), text.clone()));
    }
    let outcome = canarylint::lint_texts(
        &texts,
        &WorkspaceOptions::default(),
        &Default::default(),
        &|id| id == RuleId::GatewayNotFound,
    );
    let mut paths: Vec<String> = outcome
        .diagnostics
        .iter()
        .map(|d| d.node_path.clone().unwrap_or_default())
        .collect();
    paths.sort();
    Some(paths)
}

#[test]
fn kia1102_missing_gateway_in_a_match() {
    // EXPECTED.md row 1: one KIA1102, on `http[1].match[0].gateways[1]`.
    let Some(found) = not_found(
        "non-existent-gateway-in-match.yaml",
        &[gateway("default", "valid-gateway")],
    ) else {
        return;
    };
    assert_eq!(found, ["spec.http[1].match[0].gateways[1]"]);
}

#[test]
fn kia1102_missing_gateway_of_another_namespace() {
    // Row 2 (never read by Kiali's test, by a test bug): `istio-system/non-existent-...`
    // resolves to namespace istio-system. Reported once the repository defines Gateways there.
    let fixture = "non-existent-ns-gateway-in-match.yaml";
    let Some(found) = not_found(fixture, &[gateway("default", "valid-gateway")]) else {
        return;
    };
    assert!(found.is_empty(), "{found:?}");
    let Some(found) = not_found(
        fixture,
        &[
            gateway("default", "valid-gateway"),
            gateway("istio-system", "ingressgateway"),
        ],
    ) else {
        return;
    };
    assert_eq!(found, ["spec.http[1].match[0].gateways[1]"]);
}

#[test]
fn kia1102_derived_rows_follow_the_scope_rule() {
    // Rows 17 and 18 (derived): `my-egress-gw` is in no file, and the repository defines no
    // Gateway of namespace istio-trials: nothing to say.
    for fixture in [
        "subset-presence-service-entry.yaml",
        "subset-presence-service-entry-invalid.yaml",
    ] {
        let Some(found) = not_found(fixture, &[]) else {
            return;
        };
        assert!(found.is_empty(), "{fixture}: {found:?}");
    }
}
