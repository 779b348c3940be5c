//! Precision across files and at scale: what the per-rule fixtures (one file each) cannot
//! show. Many VirtualServices claiming one host, thousands of routes in one VirtualService,
//! DestinationRules spread over directories.

use canarylint::codes::RuleId;
use canarylint::diagnostic::Diagnostic;
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

/// A VirtualService for `reviews` in `shop`.
fn reviews(name: &str, extra: &str) -> String {
    virtual_service(name, "shop", "reviews", extra, "{host: reviews}")
}

/// Every one of `n` VirtualServices for one host gets one finding, which names three others
/// and counts the rest.
fn assert_bounded_conflicts(files: &[(&str, String)], n: usize) {
    let found = lint(files, RuleId::ConflictingVirtualservice);
    assert_eq!(found.len(), n, "one finding per VirtualService");
    let more = format!(" and {} more;", n - 4);
    for d in &found {
        assert_eq!(
            d.message.matches("`shop/reviews-").count(),
            3,
            "{}",
            d.message
        );
        assert!(d.message.contains(&more), "{}", d.message);
        assert!(
            d.message.len() < 400,
            "{} bytes: {}",
            d.message.len(),
            d.message
        );
        let own = &d.resource.as_ref().expect("a resource").name;
        assert!(
            !d.message.contains(&format!("`shop/{own}`")),
            "{}",
            d.message
        );
    }
}

#[test]
fn many_virtual_services_for_one_host_are_named_a_few_and_counted() {
    let names: Vec<String> = (0..60).map(|i| format!("vs-{i:02}.yaml")).collect();
    let files: Vec<(&str, String)> = names
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), reviews(&format!("reviews-{i}"), "")))
        .collect();
    assert_bounded_conflicts(&files, 60);

    // Some exported to lists of namespaces: every pair is looked at, and still counted.
    let files: Vec<(&str, String)> = names
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let export = if i % 2 == 0 {
                "  exportTo: [shop, web]\n"
            } else {
                ""
            };
            (f.as_str(), reviews(&format!("reviews-{i}"), export))
        })
        .collect();
    assert_bounded_conflicts(&files, 60);
}

#[test]
fn a_virtual_service_defined_twice_counts_once() {
    let files = [
        ("a.yaml", reviews("reviews-a", "")),
        ("b.yaml", reviews("reviews-b", "")),
        ("overlay/b.yaml", reviews("reviews-b", "")),
    ];
    let found = lint(&files, RuleId::ConflictingVirtualservice);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(found.len(), 2, "{messages:#?}");
    assert!(
        messages.iter().all(|m| !m.contains("more")),
        "{messages:#?}"
    );
}

/// `n` http routes with distinct, non-nested prefixes, then a route that the first covers.
fn many_routes(n: usize) -> String {
    let mut s = String::from(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: api
  namespace: shop
spec:
  hosts: [api]
  http:
",
    );
    for i in 0..n {
        s.push_str(&format!(
            "    - match:
        - uri: {{prefix: /svc-{i:05}/}}
        - headers: {{x-tenant: {{exact: t{i}}}}}
          uri: {{regex: \"/r{i}/[a-z]+\"}}
      route:
        - destination: {{host: api}}
"
        ));
    }
    s.push_str(
        "    - match:
        - uri: {prefix: /svc-00000/orders}
        - uri: {prefix: /late}
      route:
        - destination: {host: api}
    - match:
        - uri: {exact: /svc-00001/x}
      route:
        - destination: {host: api}
",
    );
    s
}

#[test]
fn thousands_of_routes_find_exactly_the_covered_blocks() {
    let n = 3000;
    let files = [("routes.yaml", many_routes(n))];
    let route = lint(&files, RuleId::ShadowedRoute);
    let lines: Vec<&str> = route.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        lines,
        [format!(
            "http route {} can never match: every request it matches is covered by match 1 of http route 2 at line 16",
            n + 2
        )],
    );
    let matched = lint(&files, RuleId::ShadowedMatch);
    let lines: Vec<&str> = matched.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        lines,
        [format!(
            "match 1 of http route {} never applies: it is covered by match 1 of http route 1 at line 10",
            n + 1
        )],
    );
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

#[test]
fn a_namespaced_short_host_is_reported_once_by_host_not_fqdn() {
    // Istio looks `reviews.shop` up as written: no service, whatever the DestinationRules
    // define. `host-not-fqdn` says so; `missing-subset` does not add a second finding, and
    // the rule for `reviews.shop` does not apply to the service's full name.
    let rule = dr("reviews", Some("shop"), "reviews.shop", &["v1"]);
    let short = routing("reviews", "web", "reviews.shop", "v1");
    let full = routing("ratings", "web", "reviews.shop.svc.cluster.local", "v1");
    let files = [("app.yaml", format!("{short}---\n{full}---\n{rule}"))];
    let at = |rule: RuleId| -> Vec<(String, Option<String>)> {
        lint(&files, rule)
            .into_iter()
            .map(|d| (d.resource.map(|r| r.name).unwrap_or_default(), d.node_path))
            .collect()
    };
    let missing = at(RuleId::MissingSubset);
    assert_eq!(missing.len(), 1, "only the full name: {missing:?}");
    assert_eq!(missing[0].0, "ratings");
    let not_fqdn = at(RuleId::HostNotFqdn);
    assert_eq!(
        not_fqdn.len(),
        2,
        "the short destination and the rule's host: {not_fqdn:?}"
    );
    assert!(not_fqdn.iter().all(|f| !missing.contains(f)));
}
