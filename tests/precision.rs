//! Precision across files: what the per-rule fixtures (one file each) cannot show.
//! DestinationRules spread over directories.

use canarylint::diagnostic::Diagnostic;
use canarylint::rules::registry::RuleId;
use canarylint::workspace::WorkspaceOptions;

fn lint(files: &[(&str, String)], rule: RuleId) -> Vec<Diagnostic> {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|(name, text)| (name.to_string(), text.clone()))
        .collect();
    let outcome = canarylint::lint_texts(
        &texts,
        &WorkspaceOptions::default(),
        &Default::default(),
        &|id| id == rule,
    );
    outcome.diagnostics
}

/// A VirtualService that claims `host` and sends everything to `to`, with `extra` spec lines.
fn virtual_service(name: &str, namespace: &str, host: &str, extra: &str, to: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {name}
  namespace: {namespace}
spec:
  hosts: [{host}]
{extra}  http:
    - route:
        - destination: {to}
"
    )
}

fn dr(name: &str, namespace: Option<&str>, host: &str, subsets: &[&str]) -> String {
    let ns = namespace.map_or(String::new(), |n| format!("  namespace: {n}\n"));
    let subsets: String = subsets
        .iter()
        .map(|s| format!("    - name: {s}\n      labels: {{version: {s}}}\n"))
        .collect();
    let subsets = if subsets.is_empty() {
        String::new()
    } else {
        format!("  subsets:\n{subsets}")
    };
    format!(
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {name}
{ns}spec:
  host: \"{host}\"
{subsets}"
    )
}

/// A VirtualService for the service `name` that sends everything to `host`'s `subset`.
fn routing(name: &str, namespace: &str, host: &str, subset: &str) -> String {
    let to = format!("{{host: {host}, subset: {subset}}}");
    virtual_service(name, namespace, name, "", &to)
}

#[test]
fn an_unrelated_destination_rule_without_namespace_is_not_blamed() {
    let exported = dr("reviews", Some("bar"), "reviews", &["v1"]);
    // A catch-all rule from an unrelated directory, with no namespace: it would shadow the
    // service's rule if it were applied to `shop`, but nothing says it is.
    let elsewhere = dr("catch-all", None, "*.local", &[]);
    let vs = routing("reviews", "shop", "reviews.bar.svc.cluster.local", "v1");
    let files = [
        ("app/vs.yaml", format!("{vs}---\n{exported}")),
        ("examples/dr.yaml", elsewhere.clone()),
    ];
    let found = lint(&files, RuleId::MissingSubset);
    assert!(found.is_empty(), "{:#?}", found);

    // Next to the VirtualService it lands in the same namespace and is the rule Istio uses.
    let files = [
        ("app/vs.yaml", format!("{vs}---\n{exported}")),
        ("app/dr.yaml", elsewhere),
    ];
    let found = lint(&files, RuleId::MissingSubset);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["subset `v1` is not defined for host `reviews.bar.svc.cluster.local` by DestinationRule `default/catch-all` (app/dr.yaml:4), which defines no subsets"]
    );
}

#[test]
fn a_subset_a_destination_rule_without_namespace_may_define_is_not_missing() {
    // The tutorial layout: the VirtualService states its namespace, the DestinationRule with
    // the subsets is applied into it from another directory (`kubectl apply -n tutorial`),
    // and a namespace-wide rule without subsets sits elsewhere.
    let vs = routing("recommendation", "tutorial", "recommendation", "version-v1");
    let files = [
        ("tests/vs.yaml", vs),
        (
            "istiofiles/dr-recommendation.yaml",
            dr("recommendation", None, "recommendation", &["version-v1"]),
        ),
        (
            "istiofiles/dr-tls.yaml",
            dr(
                "default",
                Some("tutorial"),
                "*.tutorial.svc.cluster.local",
                &[],
            ),
        ),
    ];
    let found = lint(&files, RuleId::MissingSubset);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn one_destination_rule_in_several_files_is_named_once() {
    let vs = routing("reviews", "shop", "reviews", "v3");
    let rule = dr("reviews", Some("shop"), "reviews", &["v1", "v2"]);
    let files = [
        ("base/dr.yaml", rule.clone()),
        ("app/all.yaml", format!("{vs}---\n{rule}")),
        ("variants/dr.yaml", rule),
    ];
    let found = lint(&files, RuleId::MissingSubset);
    let shown: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        shown,
        [(
            "subset `v3` is not defined for host `reviews.shop.svc.cluster.local` by DestinationRule `shop/reviews` (line 15), which defines `v1` and `v2`",
            Some("did you mean `v1` or `v2`?")
        )]
    );
}
