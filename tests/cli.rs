//! The binary end to end: exit codes, the text and JSON outputs on the demo repository,
//! usage errors.

mod common;

use common::{run as canarylint, stdout};

#[test]
fn demo_text_output() {
    let o = canarylint(&["check", "fixtures/demo", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn demo_json_output_keeps_its_contract() {
    let o = canarylint(&["check", "fixtures/demo", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    let keys = |x: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = x.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["findings", "summary", "version"]);
    assert_eq!(
        keys(&v["summary"]),
        [
            "documents",
            "errors",
            "excluded",
            "files",
            "infos",
            "resources",
            "skipped",
            "warnings"
        ]
    );
    let f = &v["findings"][0];
    assert_eq!(
        keys(f),
        [
            "column",
            "end_column",
            "end_line",
            "file",
            "help",
            "line",
            "message",
            "resource",
            "rule",
            "severity"
        ]
    );
    assert_eq!(keys(&f["resource"]), ["kind", "name", "namespace"]);
    insta::assert_snapshot!(text);
}

#[test]
fn clean_input_exits_zero() {
    let o = canarylint(&["check", "fixtures/rules/duplicate-subset/good.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("All checks passed"));
}

#[test]
fn info_notes_do_not_fail_the_run() {
    let o = canarylint(&[
        "check",
        "fixtures/parse/templated.yaml",
        "fixtures/parse/empty.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn missing_path_is_a_usage_error() {
    let o = canarylint(&["check", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains("`no/such/dir`: no such file or directory"),
        "{err}"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    assert_eq!(
        canarylint(&["check", "--formt", "json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        canarylint(&["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    let o = canarylint(&["check", "--exclude", "a[", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("invalid glob `a[`"));
}

#[test]
fn exclude_skips_matching_paths() {
    let o = canarylint(&[
        "check",
        "fixtures/demo",
        "--exclude",
        "reviews/**",
        "--format",
        "json",
    ]);
    let files: Vec<String> = common::findings(&common::json(&o))
        .iter()
        .map(|f| common::field(f, "file"))
        .collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|f| !f.contains("reviews")), "{files:?}");
}

#[test]
fn a_file_an_overlay_reads_below_an_excluded_directory_is_not_reported() {
    let dir = common::Scratch::new("exclude-dir");
    dir.write(
        "vendor/base/vs.yaml",
        &common::vs_weight_40("reviews", "reviews", None),
    );
    dir.write("vendor/base/kustomization.yaml", "resources:\n- vs.yaml\n");
    dir.write(
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../vendor/base\n",
    );
    let files = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", ".", "--format", "json", "--no-cache"];
        args.extend_from_slice(extra);
        let o = common::run_in(&dir, &args);
        common::findings(&common::json(&o))
            .iter()
            .map(|f| common::field(f, "file"))
            .collect()
    };
    // The overlay renders the vendored base, and its findings are in the base's file...
    assert!(
        files(&[]).iter().any(|f| f == "vendor/base/vs.yaml"),
        "{:?}",
        files(&[])
    );
    // ...which a run that excludes the directory, or a directory above it, never reports
    // on: the walk does not enter it, and a render that reads it does not either.
    for exclude in ["vendor", "vendor/base", "base", "vendor/**"] {
        let found = files(&["--exclude", exclude]);
        assert!(
            found.iter().all(|f| !f.starts_with("vendor/")),
            "--exclude {exclude}: {found:?}"
        );
    }
    // A pattern that names a directory above the repository excludes nothing in it.
    let top = dir.path().parent().unwrap().file_name().unwrap();
    let found = files(&["--exclude", top.to_str().unwrap()]);
    assert!(
        found.iter().any(|f| f == "vendor/base/vs.yaml"),
        "{found:?}"
    );
}

#[test]
fn explicit_files_are_linted_whatever_their_name() {
    let dir = common::Scratch::new("explicit");
    let file = dir.join("routes.txt");
    std::fs::copy(
        common::root().join("fixtures/rules/weight-sum/bad.yaml"),
        &file,
    )
    .unwrap();
    let o = canarylint(&["check", &common::path_arg(&file)]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn rules_lists_every_rule() {
    let o = canarylint(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for id in canarylint::codes::RuleId::ALL {
        assert!(text.contains(id.as_str()), "{id} missing from `rules`");
    }
}

#[test]
fn config_errors_name_file_line_and_suggestion() {
    let o = canarylint(&["check", "fixtures/config/typo"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains(".canarylint.yaml:3: unknown key `max-frist-step` in `policy`; did you mean `max-first-step`?"),
        "{err}"
    );
    // --no-config skips it; --config names another file.
    assert_eq!(
        canarylint(&["check", "fixtures/config/typo", "--no-config"])
            .status
            .code(),
        Some(0)
    );
    let o = canarylint(&["check", "fixtures/config/typo", "--config", "no/such.yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn timings_give_every_phase_its_share_and_memory() {
    let o = canarylint(&["check", "fixtures/demo", "--format", "json", "--timings"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let phases = ["discover", "load", "overlays", "index", "check", "render"];
    let mut shares = 0.0;
    for phase in phases {
        let line = err
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{phase}:")))
            .unwrap_or_else(|| panic!("no {phase} line in {err}"));
        let share: f64 = line
            .split_whitespace()
            .find_map(|w| w.strip_suffix('%')?.parse().ok())
            .unwrap_or_else(|| panic!("no share in {line}"));
        shares += share;
        if cfg!(target_os = "linux") {
            assert!(line.contains("resident") && line.ends_with(" MB"), "{line}");
        }
    }
    assert!(
        (shares - 100.0).abs() < 0.5,
        "shares sum to {shares}: {err}"
    );
    let total = err.lines().find(|l| l.contains("total:")).expect("a total");
    if cfg!(target_os = "linux") {
        assert!(total.contains("peak") && total.ends_with(" MB"), "{total}");
    }
}
