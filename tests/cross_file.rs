//! Cross-file impact: a run given some files (pre-commit, `--changed-since`, files on the
//! command line) reports a finding elsewhere when a resource it depends on is in those
//! files, and every cross-resource finding names what it depends on in text, JSON and
//! SARIF.

mod common;

use common::{copy_fixture, findings, git, json, run_in, split_files, stdout, Scratch};

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

/// A run given some files parses only the vendored CRDs in them at first, and the others
/// when a document needs them: each file still has the findings a whole run gives it, the
/// note on a CRD that cannot be read included.
#[test]
fn a_given_file_meets_the_vendored_crds_a_whole_run_meets() {
    let repo = Scratch::new("xfile-crds");
    // A readable CRD in one file and the VirtualService it judges in another.
    let fixture = "fixtures/rules/unknown-field/bad-vendored-crd.yaml";
    let text = std::fs::read_to_string(common::root().join(fixture)).expect("fixture");
    for (rel, text) in split_files("", "", &text) {
        repo.write(rel.trim_start_matches('/'), &text);
    }
    // A DestinationRule CRD that cannot be read (an alias), and a DestinationRule it
    // would judge.
    repo.write(
        "other/crds/dr.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: destinationrules.networking.istio.io\nspec:\n  group: networking.istio.io\n  names: {kind: DestinationRule}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema: &s {type: object}\n  - name: v1beta1\n    schema:\n      openAPIV3Schema: *s\n",
    );
    repo.write(
        "other/dr.yaml",
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: r\n  trafficPolcy: {}\n",
    );
    git(&repo, &["init", "-q"]);
    given_alone_as_in_the_whole_run(
        &repo,
        &[
            ("cluster/crds/virtualservices.yaml", "unknown-field", 0),
            ("apps/reviews/virtualservice.yaml", "unknown-field", 1),
            ("other/crds/dr.yaml", "skipped-file", 1),
            ("other/dr.yaml", "unknown-field", 1),
        ],
    );
}

/// A mesh VirtualService `name` without a namespace, for the host `recommendation`.
fn unplaced_vs(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}}}
spec:
  hosts: [recommendation]
  http:
    - route:
        - destination: {{host: recommendation}}
"
    )
}

/// The findings of a run from `dir` in the file `file` (absolute), as (line, rule).
fn found_in(dir: &std::path::Path, args: &[&str], file: &std::path::Path) -> Vec<(u64, String)> {
    let o = run_in(
        dir,
        &[&["check", "--format", "json", "--no-cache", "--"], args].concat(),
    );
    let report = json(&o);
    let mut out: Vec<(u64, String)> = findings(&report)
        .iter()
        .filter(|f| dir.join(common::field(f, "file")) == file)
        .map(|f| (common::line(f), common::field(f, "rule")))
        .collect();
    out.sort();
    out
}

#[test]
fn a_given_file_is_linted_as_a_whole_run_lints_it_however_its_path_is_written() {
    let repo = Scratch::new("xfile-spelling");
    // Manifests without a namespace meet only those beside them; `b` is written twice and
    // reported at its first definition.
    repo.write("apps/a.yaml", &unplaced_vs("a"));
    repo.write("apps/b1.yaml", &unplaced_vs("b"));
    repo.write("apps/b2.yaml", &unplaced_vs("b"));
    // A base that two overlays build: not an overlay of its own, wherever it is given from.
    copy_fixture("overlays/json6902-inverts", &repo, "shop/");
    git(&repo, &["init", "-q"]);
    given_alone_as_in_the_whole_run(
        &repo,
        &[
            ("apps/a.yaml", "conflicting-virtualservice", 1),
            ("apps/b1.yaml", "conflicting-virtualservice", 1),
            ("apps/b2.yaml", "conflicting-virtualservice", 0),
            ("shop/base/reviews.yaml", "manual-weight-split", 2),
            ("shop/base/kustomization.yaml", "overlay-build-error", 0),
        ],
    );
}

/// For each (file, rule, count) of `expected`: a whole run of `repo` finds `count` of
/// `rule` in the file, and a run given the file alone finds the whole run's findings in
/// it, however its path is written: from the root as pre-commit gives it, with `./`,
/// absolute from elsewhere, and by name from its own directory.
fn given_alone_as_in_the_whole_run(repo: &Scratch, expected: &[(&str, &str, usize)]) {
    for &(rel, rule, count) in expected {
        let file = repo.join(rel);
        let whole = found_in(repo, &["."], &file);
        assert_eq!(
            whole.iter().filter(|f| f.1 == rule).count(),
            count,
            "{rel}: {whole:?}"
        );
        let absolute = file.to_string_lossy().into_owned();
        let dotted = format!("./{rel}");
        let dir = file.parent().unwrap();
        let name = file.file_name().unwrap().to_str().unwrap();
        for (dir, given) in [
            (repo.path(), rel),
            (repo.path(), dotted.as_str()),
            (std::env::temp_dir().as_path(), absolute.as_str()),
            (dir, name),
        ] {
            assert_eq!(
                found_in(dir, &[given], &file),
                whole,
                "{given} from {}",
                dir.display()
            );
        }
    }
}
