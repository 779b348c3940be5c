//! Cross-file impact: a run given some files (pre-commit, `--changed-since`, files on the
//! command line) reports a finding elsewhere when a resource it depends on is in those
//! files, and every cross-resource finding names what it depends on in text, JSON and
//! SARIF.

mod common;

use common::{findings, git, json, run_in, stdout, Scratch};

const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v1}
          weight: 90
        - destination: {host: reviews, subset: v3}
          weight: 10
";

const DR: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v3, labels: {version: v3}}
";

const OTHER: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: shop}
spec:
  host: ratings
";

/// A repository whose VirtualService routes to subset `v3`, committed while the
/// DestinationRule defined it, then the DestinationRule without it (uncommitted).
fn repository(tag: &str) -> Scratch {
    let repo = Scratch::new(tag);
    repo.write("vs.yaml", VS);
    repo.write("dr.yaml", DR);
    repo.write("other.yaml", OTHER);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "routes"]);
    repo.write(
        "dr.yaml",
        &DR.replace("    - {name: v3, labels: {version: v3}}\n", ""),
    );
    repo
}

#[test]
fn a_given_file_reports_the_findings_it_causes_in_other_files() {
    let repo = repository("xfile-given");
    let o = run_in(&repo, &["check", "--color", "never", "--", "dr.yaml"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[missing-subset]: subset `v3` is not defined"),
        "{text}"
    );
    assert!(text.contains("--> vs.yaml:10:48"), "{text}");
    assert!(
        text.contains("= note: related: DestinationRule `shop/reviews` at dr.yaml:3, changed"),
        "{text}"
    );

    // A file the finding does not depend on does not report it.
    let o = run_in(&repo, &["check", "--color", "never", "--", "other.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("All checks passed"));
}

#[test]
fn changed_since_reports_the_findings_a_change_causes_elsewhere() {
    let repo = repository("xfile-changed");
    let o = run_in(
        &repo,
        &["check", "--changed-since", "HEAD", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let report = json(&o);
    let found = findings(&report);
    let missing: Vec<_> = found
        .iter()
        .filter(|f| f["rule"] == "missing-subset")
        .collect();
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!(missing[0]["file"], "vs.yaml");
    assert_eq!(
        missing[0]["related"],
        serde_json::json!([{
            "kind": "DestinationRule",
            "namespace": "shop",
            "name": "reviews",
            "file": "dr.yaml",
            "line": 3,
            "column": 18,
            "changed": true
        }])
    );
    // The VirtualService's own findings that depend on nothing changed stay unreported.
    assert!(
        found
            .iter()
            .all(|f| f["file"] != "vs.yaml" || !f["related"].is_null()),
        "{report}"
    );
}

#[test]
fn a_whole_repository_run_relates_without_calling_anything_changed() {
    let repo = repository("xfile-all");
    let o = run_in(&repo, &["check", "--format", "json", "."]);
    let report = json(&o);
    let missing = findings(&report)
        .iter()
        .find(|f| f["rule"] == "missing-subset")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(missing["related"][0]["file"], "dr.yaml");
    assert_eq!(missing["related"][0]["changed"], false);

    // Text names a related resource of another file, without "changed".
    let o = run_in(&repo, &["check", "--color", "never", "."]);
    let text = stdout(&o);
    assert!(
        text.contains("= note: related: DestinationRule `shop/reviews` at dr.yaml:3\n"),
        "{text}"
    );
}

#[test]
fn sarif_gives_the_related_resources_as_related_locations() {
    let repo = repository("xfile-sarif");
    let o = run_in(&repo, &["check", "--format", "sarif", "--", "dr.yaml"]);
    let log = json(&o);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let missing = results
        .iter()
        .find(|r| r["ruleId"] == "missing-subset")
        .unwrap_or_else(|| panic!("{log}"));
    let related = &missing["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "dr.yaml"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(
        related["message"]["text"],
        "DestinationRule `shop/reviews`, changed"
    );
}
