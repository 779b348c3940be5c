//! Explicit file lists and `--changed-since`: the whole repository is indexed, and only
//! the files given (or changed) are reported on. Uses temporary git repositories.

mod common;

use std::path::Path;
use std::process::Output;

use common::{git, run_in as canarylint, Scratch};

/// `check --changed-since REV` with only the rules `select`, as JSON.
fn changed_since(dir: &Path, rev: &str, select: &str) -> Output {
    let args = [
        "check",
        "--changed-since",
        rev,
        "--format",
        "json",
        "--select",
        select,
    ];
    canarylint(dir, &args)
}

/// (file, rule) of each finding of the JSON output.
fn findings(o: &Output) -> Vec<(String, String)> {
    common::findings(&common::json(o))
        .iter()
        .map(|f| (common::field(f, "file"), common::field(f, "rule")))
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

fn repo(tag: &str) -> Scratch {
    let d = Scratch::new(&format!("git-{tag}"));
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
    let o = changed_since(&d, "main", "missing-subset,weight-sum");
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
    assert!(common::stderr(&o).contains("unknown revision `no-such-rev`"));
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
}

/// A VirtualService whose weights sum to 40: one `weight-sum` finding per file.
fn broken(name: &str) -> String {
    common::vs_weight_40(name, name, None)
}

#[test]
fn changed_since_reports_file_names_git_would_quote() {
    let d = repo("names");
    git(&d, &["checkout", "-q", "-b", "feature"]);
    // git quotes all but the last two in its default output (`core.quotePath`).
    let names = [
        "café.yaml",
        "a\tb.yaml",
        "q\"uote.yaml",
        "sp ace.yaml",
        "plain.yaml",
    ];
    for (i, name) in names.iter().enumerate() {
        std::fs::write(d.join(name), broken(&format!("committed{i}"))).unwrap();
    }
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "odd names"]);
    // The same names again, untracked, in a directory.
    std::fs::create_dir(d.join("new")).unwrap();
    for (i, name) in names.iter().enumerate() {
        std::fs::write(d.join("new").join(name), broken(&format!("untracked{i}"))).unwrap();
    }
    let o = changed_since(&d, "main", "weight-sum");
    let mut got: Vec<String> = findings(&o).into_iter().map(|(f, _)| f).collect();
    got.sort();
    let mut want: Vec<String> = names
        .iter()
        .flat_map(|n| [n.to_string(), format!("new/{n}")])
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn git_runs_no_program_from_the_repository_config() {
    let d = repo("untrusted");
    let marks = d.join("marks");
    std::fs::create_dir(&marks).unwrap();
    let touch = |what: &str| format!("touch '{}'", marks.join(what).display());
    // What an untrusted clone's own configuration could ask git to run.
    std::fs::write(d.join(".gitattributes"), "*.yaml filter=evil diff=evil\n").unwrap();
    for (key, value) in [
        ("core.fsmonitor", format!("{}; false", touch("fsmonitor"))),
        ("filter.evil.clean", format!("{}; cat", touch("clean"))),
        ("filter.evil.smudge", format!("{}; cat", touch("smudge"))),
        ("diff.evil.textconv", format!("{}; cat", touch("textconv"))),
        ("diff.evil.command", touch("diff-command")),
        ("diff.external", touch("diff-external")),
        ("core.pager", format!("{}; cat", touch("pager"))),
    ] {
        git(&d, &["config", key, &value]);
    }
    let hooks = d.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "post-index-change",
        "post-checkout",
        "reference-transaction",
    ] {
        let path = hooks.join(hook);
        std::fs::write(&path, format!("#!/bin/sh\n{}\n", touch(hook))).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    git(&d, &["add", ".gitattributes"]);
    git(&d, &["commit", "-q", "--no-verify", "-m", "attributes"]);
    std::fs::remove_dir_all(&marks).unwrap();
    std::fs::create_dir(&marks).unwrap();
    // A changed file and a rewritten one (same content, new mtime): git reads both.
    std::fs::write(d.join("apps/reviews/vs.yaml"), VS.replace("v2", "v3")).unwrap();
    std::fs::write(d.join("platform/dr.yaml"), DR).unwrap();
    for args in [
        &["check", "--changed-since", "HEAD~1", "--format", "json"][..],
        &["check", ".", "--base", "HEAD~1", "--format", "json"][..],
    ] {
        let o = canarylint(&d, args);
        assert_ne!(o.status.code(), Some(2), "{args:?}: {}", common::stderr(&o));
        let ran = common::file_names(&marks);
        assert!(ran.is_empty(), "{args:?} made git run {ran:?}");
    }
    // The changed file is still found, with the filter switched off.
    let o = canarylint(
        &d,
        &["check", "--changed-since", "HEAD~1", "--format", "json"],
    );
    assert!(findings(&o)
        .iter()
        .any(|(f, _)| f == "apps/reviews/vs.yaml"));
}
