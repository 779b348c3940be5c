//! Explicit file lists and `--changed-since`: the whole repository is indexed, and only
//! the files given (or changed) are reported on. Uses temporary git repositories.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::git;

fn canarylint(dir: &Path, args: &[&str]) -> Output {
    common::run_in(dir, args)
}

fn findings(o: &Output) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v2}
";

const DR: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
    - name: v1
      labels: {version: v1}
";

const BROKEN_ELSEWHERE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other, namespace: shop}
spec:
  hosts: [other]
  http:
    - route:
        - destination: {host: other}
          weight: 40
";

fn repo(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("canarylint-git-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(d.join("apps/reviews")).unwrap();
    std::fs::create_dir_all(d.join("platform")).unwrap();
    std::fs::write(d.join("apps/reviews/vs.yaml"), VS).unwrap();
    std::fs::write(d.join("platform/dr.yaml"), DR).unwrap();
    std::fs::write(d.join("platform/other.yaml"), BROKEN_ELSEWHERE).unwrap();
    git(&d, &["init", "-q"]);
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "base"]);
    d
}

#[test]
fn explicit_files_are_checked_against_the_whole_repository() {
    let d = repo("explicit");
    // The DestinationRule lives elsewhere in the repository: it is indexed, so the
    // missing subset is found, and the other file's finding is not reported.
    let o = canarylint(
        &d.join("apps"),
        &["check", "reviews/vs.yaml", "--format", "json"],
    );
    assert_eq!(
        findings(&o),
        vec![("reviews/vs.yaml".to_string(), "missing-subset".to_string())]
    );
    // Subset v1 exists: nothing to report, even though other.yaml is broken.
    std::fs::write(d.join("apps/reviews/vs.yaml"), VS.replace("v2", "v1")).unwrap();
    let o = canarylint(&d, &["check", "apps/reviews/vs.yaml", "--format", "json"]);
    assert_eq!(findings(&o), vec![]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn changed_since_reports_only_changed_files() {
    let d = repo("changed");
    git(&d, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(d.join("apps/reviews/vs.yaml"), VS.replace("v2", "v3")).unwrap();
    git(&d, &["commit", "-q", "-am", "route to v3"]);
    std::fs::write(
        d.join("apps/new.yaml"),
        BROKEN_ELSEWHERE.replace("other", "fresh"),
    )
    .unwrap();
    let o = canarylint(
        &d,
        &[
            "check",
            "--changed-since",
            "main",
            "--format",
            "json",
            "--select",
            "missing-subset,weight-sum",
        ],
    );
    let mut f = findings(&o);
    f.sort();
    assert_eq!(
        f,
        vec![
            ("apps/new.yaml".to_string(), "weight-sum".to_string()),
            (
                "apps/reviews/vs.yaml".to_string(),
                "missing-subset".to_string()
            ),
        ]
    );
    let o = canarylint(&d, &["check", "--changed-since", "no-such-rev"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown revision `no-such-rev`"));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn force_exclude_applies_to_explicit_files() {
    let d = repo("force");
    let args = [
        "check",
        "platform/other.yaml",
        "--exclude",
        "platform/**",
        "--format",
        "json",
    ];
    assert_eq!(findings(&canarylint(&d, &args)).len(), 1);
    let mut forced = args.to_vec();
    forced.push("--force-exclude");
    assert_eq!(findings(&canarylint(&d, &forced)), vec![]);
    std::fs::remove_dir_all(&d).ok();
}
