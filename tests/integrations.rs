//! Rule selection, severities, suppressions, exit codes, and the SARIF, GitHub and
//! statistics outputs, end to end through the binary.

mod common;

use std::path::Path;

use common::{json, run as canarylint, run_in, stderr, stdout, Scratch};

fn rules_and_lines(v: &serde_json::Value) -> Vec<(String, u64)> {
    common::findings(v)
        .iter()
        .map(|f| (common::field(f, "rule"), common::line(f)))
        .collect()
}

#[test]
fn suppressions_comments_annotations_and_unused_ones() {
    let o = canarylint(&[
        "check",
        "fixtures/suppress",
        "--format",
        "json",
        "--select",
        "weight-sum,unused-suppression",
    ]);
    let got = rules_and_lines(&json(&o));
    assert_eq!(
        got,
        vec![
            // line 20: its weight-sum is not suppressed (the id is misspelt on line 22)
            ("weight-sum".to_string(), 20),
            ("unused-suppression".to_string(), 22),
            // line 14 names inverted-split, which did not run: not reported
        ],
        "{}",
        stdout(&o)
    );
    let v = json(&canarylint(&[
        "check",
        "fixtures/suppress",
        "--format",
        "json",
    ]));
    let msgs: Vec<String> = common::findings(&v)
        .iter()
        .map(|f| common::field(f, "message"))
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("`weight-summ` is not a rule; did you mean `weight-sum`?")),
        "{msgs:#?}"
    );
    // With every rule on, the stale `inverted-split` on line 14 is reported.
    assert!(
        msgs.iter()
            .any(|m| m.contains("`inverted-split` is suppressed but reports nothing on this line")),
        "{msgs:#?}"
    );
}

#[test]
fn selection_and_severity_from_flags() {
    let v = json(&canarylint(&[
        "check",
        "fixtures/demo",
        "--format",
        "json",
        "--select",
        "weight-sum",
    ]));
    let found = rules_and_lines(&v);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(r, _)| r == "weight-sum"));
    let v = json(&canarylint(&[
        "check",
        "fixtures/demo",
        "--format",
        "json",
        "--ignore",
        "weight-sum,manual-weight-split",
    ]));
    let found = rules_and_lines(&v);
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|(r, _)| r != "weight-sum" && r != "manual-weight-split"));
    let o = canarylint(&["check", "fixtures/demo", "--select", "weigth-sum"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule `weigth-sum`; did you mean `weight-sum`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_rules_severity_and_per_file_ignores() {
    let dir = Scratch::new("config");
    std::fs::write(
        dir.join(".canarylint.yaml"),
        "rules:\n  ignore: [manual-weight-split]\n  severity:\n    weight-sum: warning\nper-file-ignores:\n  \"legacy/**\": [missing-subset]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    let vs =
        std::fs::read_to_string(common::root().join("fixtures/demo/reviews/reviews.yaml")).unwrap();
    std::fs::write(dir.join("legacy/reviews.yaml"), &vs).unwrap();
    std::fs::write(
        dir.join("reviews.yaml"),
        vs.replace("name: reviews", "name: reviews2"),
    )
    .unwrap();
    let o = run_in(&dir, &["check", ".", "--format", "json"]);
    let v = json(&o);
    let f = common::findings(&v);
    let legacy_missing = f
        .iter()
        .any(|x| x["file"] == "legacy/reviews.yaml" && x["rule"] == "missing-subset");
    assert!(!legacy_missing, "{}", stdout(&o));
    assert!(f
        .iter()
        .any(|x| x["file"] == "reviews.yaml" && x["rule"] == "missing-subset"));
    let weight_sums: Vec<_> = f.iter().filter(|x| x["rule"] == "weight-sum").collect();
    assert!(!weight_sums.is_empty(), "{}", stdout(&o));
    assert!(weight_sums.iter().all(|x| x["severity"] == "warning"));
    assert!(!f.iter().any(|x| x["rule"] == "manual-weight-split"));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let warn_only = [
        "check",
        "fixtures/rules/conflicting-virtualservice/bad.yaml",
        "--select",
        "conflicting-virtualservice",
    ];
    assert_eq!(canarylint(&warn_only).status.code(), Some(1));
    let with = |flag: &str| {
        let mut a = warn_only.to_vec();
        a.extend(["--fail-on", flag]);
        canarylint(&a).status.code()
    };
    assert_eq!(with("error"), Some(0));
    assert_eq!(with("warning"), Some(1));
    assert_eq!(with("never"), Some(0));
    let info_only = [
        "check",
        "fixtures/parse/templated.yaml",
        "--fail-on",
        "info",
    ];
    assert_eq!(canarylint(&info_only).status.code(), Some(1));
}

#[test]
fn sarif_output() {
    let o = canarylint(&["check", "fixtures/demo", "--format", "sarif"]);
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "canarylint");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        for k in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
            "properties",
        ] {
            assert!(r.get(k).is_some(), "rule lacks {k}: {r}");
        }
        assert!(r["help"]["markdown"].as_str().unwrap().starts_with("# "));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("fixtures/demo/"));
        assert!(res["partialFingerprints"]["canarylint/v1"].is_string());
    }
    assert_eq!(run["automationDetails"]["id"], "canarylint/");
    // Results only; the rule table is large and stable.
    insta::assert_json_snapshot!(run["results"]);
}

#[test]
fn fingerprints_survive_moved_lines() {
    let dir = Scratch::new("fingerprint");
    let text =
        std::fs::read_to_string(common::root().join("fixtures/demo/reviews/reviews.yaml")).unwrap();
    std::fs::write(dir.join("a.yaml"), &text).unwrap();
    let before = json_fingerprints(&dir);
    std::fs::write(
        dir.join("a.yaml"),
        format!(
            "# a comment\n# and another\n{}",
            text.replace("weight: ", "weight:   ")
        ),
    )
    .unwrap();
    let after = json_fingerprints(&dir);
    assert!(!before.is_empty());
    assert_eq!(before, after);
}

fn json_fingerprints(dir: &Path) -> Vec<String> {
    let v = json(&run_in(dir, &["check", ".", "--format", "sarif"]));
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["canarylint/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn github_output() {
    let o = canarylint(&["check", "fixtures/demo", "--format", "github"]);
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn several_outputs_in_one_run() {
    let dir = Scratch::new("outputs");
    let sarif = dir.join("out.sarif");
    let json_out = dir.join("out.json");
    let o = canarylint(&[
        "check",
        "fixtures/demo",
        "--color",
        "never",
        "--format",
        "text",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
        "--format",
        "json",
        "--output",
        json_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[inverted-split]"));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(
        s["runs"][0]["results"].as_array().unwrap().len(),
        j["findings"].as_array().unwrap().len()
    );
}

#[test]
fn statistics_count_per_rule() {
    let o = canarylint(&["check", "fixtures/demo", "--statistics"]);
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn rules_explain_and_schema_commands() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&canarylint(&["rules", "--format", "json"]))).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "weight-sum" && r["severity"] == "error"));
    let o = canarylint(&["explain", "weight-sum"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("# weight-sum\n"));
    let o = canarylint(&["explain", "wieght-sum"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `weight-sum`?"));
    let schema: serde_json::Value =
        serde_json::from_str(&stdout(&canarylint(&["config-schema"]))).unwrap();
    assert!(schema["properties"]["policy"].is_object());
}

/// Lints a fixture under a policy written to a temporary config file.
fn with_policy(fixture: &str, policy: &str, select: &str) -> Vec<(String, u64)> {
    let dir = Scratch::new(&format!("policy-{}", select.replace(',', "-")));
    let config = dir.join("canarylint.yaml");
    std::fs::write(&config, policy).unwrap();
    let o = canarylint(&[
        "check",
        fixture,
        "--config",
        config.to_str().unwrap(),
        "--select",
        select,
        "--format",
        "json",
    ]);
    rules_and_lines(&json(&o))
}

#[test]
fn the_policy_file_moves_the_delivery_rules() {
    let sla = "fixtures/rules/flagger-rollback-sla/bad.yaml";
    let lines = |v: Vec<(String, u64)>| v.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    assert_eq!(
        lines(with_policy(sla, "policy: {}\n", "flagger-rollback-sla")),
        [13, 29, 44]
    );
    // 5m × 5 = 25m, 15m × 1 and 1m × 20 all fit a one-hour SLA; 20m does not fit 25m × 1.
    assert_eq!(
        lines(with_policy(
            sla,
            "policy:\n  rollback-sla: 1h\n",
            "flagger-rollback-sla"
        )),
        [0u64; 0]
    );
    assert_eq!(
        lines(with_policy(
            sla,
            "policy:\n  rollback-sla: 20m\n",
            "flagger-rollback-sla"
        )),
        [13]
    );

    let exposure = "fixtures/rules/rollout-exposure/bad.yaml";
    let strict = with_policy(exposure, "policy: {}\n", "rollout-exposure");
    let loose = with_policy(
        exposure,
        "policy:\n  max-canary-weight: 100\n  max-first-step: 100\n  max-step: 100\n",
        "rollout-exposure",
    );
    assert!(!strict.is_empty());
    assert!(loose.is_empty(), "{loose:?}");

    // require-automation turns the hand-edited split into an error.
    let o = canarylint(&["check", "fixtures/config/strict", "--format", "json"]);
    let v = json(&o);
    let f = common::findings(&v);
    assert!(
        f.iter()
            .any(|x| x["rule"] == "manual-weight-split" && x["severity"] == "error"),
        "{}",
        stdout(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    let o = canarylint(&[
        "check",
        "fixtures/config/strict",
        "--no-config",
        "--format",
        "json",
    ]);
    let v = json(&o);
    let f = common::findings(&v);
    assert!(!f.is_empty(), "{}", stdout(&o));
    assert!(f.iter().all(|x| x["severity"] == "info"));
}

#[test]
fn completions_and_man_page() {
    let o = canarylint(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("canarylint"));
    let o = canarylint(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains(".TH canarylint 1"));
}
