//! Gating on new findings: `--new-since REV` and `--baseline FILE` (written by
//! `--write-baseline FILE`) count only findings that were not there before, matched by
//! rule, resource and YAML path.

mod common;

use std::path::Path;

use common::{git, stderr, stdout, Scratch};

/// VirtualService `shop/a` with one destination at weight 40 (`weight-sum`), in flow style.
const OLD: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: shop}
spec:
  hosts: [a]
  http:
    - route:
        - destination: {host: a}
          weight: 40
";

/// The same resource reformatted (block style, other indentation) below a comment: its
/// finding moves from line 9 to line 16.
const REFORMATTED: &str = "# the checkout route

apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: a
  namespace: shop
spec:
  hosts:
  - a
  http:
  - route:
    - destination:
        host: a
      weight: 40
";

/// A second VirtualService, `shop/b`, with weight 30: a new finding.
const NEW: &str = "---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: shop}
spec:
  hosts: [b]
  http:
    - route:
        - destination: {host: b}
          weight: 30
";

/// A repository whose one commit has `OLD` in `apps/vs.yaml`.
fn repo(tag: &str) -> Scratch {
    let dir = Scratch::new(tag);
    dir.write("apps/vs.yaml", OLD);
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    dir
}

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut argv = vec!["check", ".", "--select", "weight-sum", "--color", "never"];
    argv.extend_from_slice(args);
    common::run_in(dir, &argv)
}

#[test]
fn an_old_finding_stays_old_when_its_file_is_reformatted() {
    let dir = repo("base-new-since");
    dir.write("apps/vs.yaml", REFORMATTED);
    let o = check(&dir, &["--new-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "No new findings: 0 new, 1 unchanged (not counted) (1 resource in 1 file, 1 document).\n"
    );
    // Without the gate, the finding fails the run.
    assert_eq!(check(&dir, &[]).status.code(), Some(1));

    // A finding introduced since is new: it is shown, and fails the run.
    dir.write("apps/vs.yaml", &format!("{REFORMATTED}{NEW}"));
    let o = check(&dir, &["--new-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("destination `b`"), "{text}");
    assert!(!text.contains("destination `a`"), "{text}");
    assert!(
        text.ends_with(
            "Found 1 error, 0 warnings (2 resources in 1 file, 2 documents).\n1 new, 1 unchanged (not counted).\n"
        ),
        "{text}"
    );
    // GitHub annotations: the new finding only.
    let o = check(&dir, &["--new-since", "HEAD", "--format", "github"]);
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("destination `b`"));

    // JSON and SARIF keep both, each with its state.
    let v = common::json(&check(&dir, &["--new-since", "HEAD", "--format", "json"]));
    let states: Vec<(String, String)> = common::findings(&v)
        .iter()
        .map(|f| (f["resource"]["name"].to_string(), f["baseline"].to_string()))
        .collect();
    assert_eq!(
        states,
        [
            ("\"a\"".to_string(), "\"unchanged\"".to_string()),
            ("\"b\"".to_string(), "\"new\"".to_string())
        ]
    );
    assert_eq!(v["summary"]["new"], 1);
    assert_eq!(v["summary"]["unchanged"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    let o = check(&dir, &["--new-since", "HEAD", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let states: Vec<&str> = results
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["unchanged", "new"]);

    // JUnit fails on the new finding only; GitLab, which compares reports itself, lists
    // both (leaving one out would show it as fixed).
    let o = check(&dir, &["--new-since", "HEAD", "--format", "junit"]);
    let junit = stdout(&o);
    assert!(junit.contains("tests=\"1\" failures=\"1\""), "{junit}");
    assert!(!junit.contains("destination `a`"), "{junit}");
    let o = check(&dir, &["--new-since", "HEAD", "--format", "gitlab"]);
    let gitlab: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(gitlab.as_array().unwrap().len(), 2);

    // Only new findings at or above `--fail-on` count.
    let o = check(&dir, &["--new-since", "HEAD", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn identical_old_findings_cover_as_many_new_ones() {
    let dir = repo("base-multiset");
    // Two variants of `shop/a` (one fingerprint twice) at HEAD; a third now.
    dir.write("apps/copy.yaml", OLD);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "two"]);
    let o = check(&dir, &["--new-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    dir.write("apps/third.yaml", REFORMATTED);
    let o = check(&dir, &["--new-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("1 new, 2 unchanged (not counted).\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_revision_that_does_not_exist_stops_the_run() {
    let dir = repo("base-bad-rev");
    let o = check(&dir, &["--new-since", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error: --new-since no-such-branch: unknown revision `no-such-branch`"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_written_baseline_gates_later_runs() {
    let dir = repo("base-file");
    let file = dir.join("known.json");
    let o = check(&dir, &["--write-baseline", file.to_str().unwrap()]);
    // The run that writes the baseline reports, but does not fail.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("destination `a`"));
    assert!(
        stderr(&o).contains("wrote 1 finding to the baseline"),
        "{}",
        stderr(&o)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    let entry = &written["findings"][0];
    assert_eq!(entry["rule"], "weight-sum");
    assert_eq!(entry["resource"], "VirtualService shop/a");
    assert_eq!(entry["path"], "spec.http[0].route[0].weight");
    assert_eq!(entry["file"], "apps/vs.yaml");
    assert_eq!(entry["fingerprint"].as_str().unwrap().len(), 16);

    dir.write("apps/vs.yaml", REFORMATTED);
    let o = check(&dir, &["--baseline", "known.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    dir.write("apps/vs.yaml", &format!("{REFORMATTED}{NEW}"));
    let o = check(&dir, &["--baseline", "known.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("1 new, 1 unchanged (not counted).\n"));

    // The config names it too, relative to the config file.
    dir.write("apps/.canarylint.yaml", "baseline: ../known.json\n");
    let o = common::run_in(&dir.join("apps"), &["check", ".", "--select", "weight-sum"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).ends_with("1 new, 1 unchanged (not counted).\n"),
        "{}",
        stdout(&o)
    );
    // With `--write-baseline`, the configured baseline is written, not read.
    std::fs::remove_file(&file).unwrap();
    let o = common::run_in(
        &dir.join("apps"),
        &["check", ".", "--write-baseline", "../known.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(file.exists());
    // A misspelt key is an error with a suggestion.
    dir.write("apps/.canarylint.yaml", "basline: ../known.json\n");
    let o = common::run_in(&dir.join("apps"), &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown key `basline` in the config; did you mean `baseline`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_baseline_stops_the_run() {
    let dir = repo("base-bad-file");
    dir.write("old.json", "{\"version\": 9, \"findings\": []}\n");
    dir.write("other.json", "[1, 2]\n");
    for (file, reason) in [
        ("missing.json", "error: baseline `missing.json`: cannot read it: "),
        (
            "old.json",
            "error: baseline `old.json`: format version 9 is not one this canarylint reads (version 1)",
        ),
        (
            "other.json",
            "error: baseline `other.json`: not a baseline written by `--write-baseline`: ",
        ),
    ] {
        let o = check(&dir, &["--baseline", file]);
        assert_eq!(o.status.code(), Some(2), "{file}");
        assert!(stderr(&o).contains(reason), "{}", stderr(&o));
    }
    // One source of known findings at a time.
    let o = check(&dir, &["--baseline", "old.json", "--new-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

#[test]
fn nothing_is_new_when_nothing_changed_whatever_the_scope() {
    // A route in `apps/` to a subset that the DestinationRule in `infra/` lacks: what the
    // linter finds in `apps/` depends on whether `infra/` is read with it.
    let dir = Scratch::new("base-scope");
    dir.write(
        "apps/vs.yaml",
        &common::vs_weight_40("a", "a.shop.svc.cluster.local", Some("v1")),
    );
    dir.write(
        "infra/dr.yaml",
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a, namespace: shop}
spec:
  host: a.shop.svc.cluster.local
  subsets:
    - {name: v2, labels: {version: v2}}
",
    );
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    for target in [".", "apps", "apps/vs.yaml", "infra"] {
        let o = common::run_in(&dir, &["check", target, "--new-since", "HEAD"]);
        assert_eq!(o.status.code(), Some(0), "{target}: {}", stdout(&o));
        let all = common::run_in(&dir, &["check", target]);
        if all.status.code() == Some(1) {
            assert!(
                stdout(&o).starts_with("No new findings: 0 new, "),
                "{target}: {}",
                stdout(&o)
            );
        }
        let v = common::json(&common::run_in(
            &dir,
            &["check", target, "--new-since", "HEAD", "--format", "json"],
        ));
        assert_eq!(v["summary"]["new"], 0, "{target}");
        assert!(v["summary"]["unchanged"].is_u64(), "{target}");
    }
    // A run without findings says so, comparing or not.
    let o = common::run_in(
        &dir,
        &[
            "check",
            ".",
            "--new-since",
            "HEAD",
            "--select",
            "host-not-fqdn",
        ],
    );
    assert!(
        stdout(&o).starts_with("All checks passed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_revision_is_never_read_as_an_option() {
    let dir = repo("base-option-rev");
    let o = check(&dir, &["--new-since=--output=x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: --new-since --output=x: unknown revision `--output=x`"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("x").exists());
}
