//! Per-rule fixtures: `fixtures/rules/<rule-id>/{bad,good}.yaml`. Every line ending in
//! `# expect: <rule-id>` must get a finding of that rule, and no other line may; `good.yaml`
//! gets none. The text output of each `bad.yaml` is snapshotted. More cases of a kind may
//! sit beside them as `bad-<what>.yaml` and `good-<what>.yaml` (e.g. `bad-httproute.yaml`,
//! snapshotted as `<rule-id>__<what>`). A `base.yaml` beside them is their base revision
//! (`--base`), for change-aware rules.

mod common;

use std::collections::BTreeSet;

use canarylint::codes::RuleId;
use canarylint::history::Baseline;
use canarylint::render::text;
use canarylint::workspace::WorkspaceOptions;

fn expected_lines(text: &str, rule: RuleId) -> BTreeSet<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split("# expect:")
                .nth(1)
                .is_some_and(|ids| ids.split(',').any(|id| id.trim() == rule.as_str()))
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

fn lint(name: &str, text: &str, base: Option<&str>, rule: RuleId) -> canarylint::Outcome {
    // A fixture of several files (an overlay and its base) marks each with `# file: PATH`.
    let dir = name.strip_suffix(".yaml").unwrap_or(name);
    let texts = common::split_files(&format!("{dir}/"), name, text);
    let opts = WorkspaceOptions::default();
    let baseline = base.map(|b| {
        let old = [(name.to_string(), b.to_string())];
        Baseline::from_texts(&old, "origin/main", "a1b2c3d", &opts)
    });
    canarylint::lint_texts_against(
        &texts,
        baseline.as_ref(),
        &opts,
        &Default::default(),
        &|id| id == rule,
    )
}

#[test]
fn fixtures_match_their_markers() {
    let dir = common::root().join("fixtures/rules");
    let mut failures = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rule = RuleId::from_name(&name)
            .unwrap_or_else(|| panic!("fixtures/rules/{name}: no such rule"));
        let base = std::fs::read_to_string(dir.join(&name).join("base.yaml")).ok();
        // `bad`, `good`, then `bad-<what>` and `good-<what>` in name order.
        let mut extra: Vec<String> = std::fs::read_dir(dir.join(&name))
            .unwrap()
            .filter_map(|e| {
                let stem = e
                    .ok()?
                    .file_name()
                    .to_string_lossy()
                    .strip_suffix(".yaml")?
                    .to_string();
                (stem.starts_with("bad-") || stem.starts_with("good-")).then_some(stem)
            })
            .collect();
        extra.sort();
        let cases = ["bad".to_string(), "good".to_string()]
            .into_iter()
            .chain(extra);
        for stem in cases {
            let (case, what) = stem.split_once('-').unwrap_or((stem.as_str(), ""));
            let file = format!("fixtures/rules/{name}/{stem}.yaml");
            let text = std::fs::read_to_string(common::root().join(&file))
                .unwrap_or_else(|_| panic!("{file} is missing"));
            let outcome = lint(&file, &text, base.as_deref(), rule);
            let report = outcome.report();
            let found: BTreeSet<(String, u32)> = outcome
                .diagnostics
                .iter()
                .map(|d| (report.path(d).to_string(), report.position(d).0.line))
                .collect();
            let dir = file.strip_suffix(".yaml").unwrap();
            let expected: BTreeSet<(String, u32)> =
                common::split_files(&format!("{dir}/"), &file, &text)
                    .iter()
                    .flat_map(|(path, body)| {
                        expected_lines(body, rule)
                            .into_iter()
                            .map(move |l| (path.clone(), l))
                    })
                    .collect();
            if case == "bad" {
                assert!(
                    !expected.is_empty(),
                    "{file}: has no `# expect: {rule}` marker"
                );
                let snapshot = if what.is_empty() {
                    name.clone()
                } else {
                    format!("{name}__{what}")
                };
                insta::assert_snapshot!(snapshot, text::render(&report, false));
            }
            if found != expected {
                failures.push(format!(
                    "{file}: findings on lines {found:?}, markers on lines {expected:?}\n{}",
                    text::render(&report, false)
                ));
            }
            seen += 1;
        }
    }
    assert!(seen > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_checking_rule_has_fixtures() {
    let dir = common::root().join("fixtures/rules");
    for id in RuleId::ALL {
        if matches!(id, RuleId::IoError | RuleId::InternalError) {
            continue;
        }
        assert!(
            dir.join(id.as_str()).join("bad.yaml").is_file(),
            "fixtures/rules/{id}/bad.yaml is missing"
        );
    }
}
