//! Lints every YAML file of the third-party corpus in `../shared/corpus`: no panic, no
//! internal error, no syntax finding on a file a YAML 1.2 parser accepts, and the same
//! findings with and without the kind pre-scan. Prints the findings per rule.

mod common;

use std::collections::BTreeMap;

use canarylint::codes::RuleId;
use saphyr::{LoadableYamlNode, MarkedYaml};

#[test]
fn corpus_lints_cleanly() {
    let Some(corpus) = common::corpus("corpus_lints_cleanly", "skipped") else {
        return;
    };
    let dir = common::path_arg(&corpus);
    let fast = canarylint::lint(&common::check_args(&[&dir])).expect("lint runs");
    let full = canarylint::lint(&common::check_args(&[&dir, "--full-parse"])).expect("lint runs");

    let report = fast.report();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &fast.diagnostics {
        *per_rule.entry(d.rule.as_str()).or_default() += 1;
    }
    eprintln!(
        "corpus: {} files, {} documents, {} resources",
        report.stats.files, report.stats.documents, report.stats.resources
    );
    for (rule, n) in &per_rule {
        eprintln!("  {rule:<28} {n}");
    }

    let internal: Vec<_> = fast
        .diagnostics
        .iter()
        .filter(|d| d.rule == RuleId::InternalError)
        .map(|d| format!("{}: {}", report.path(d), d.message))
        .collect();
    assert!(internal.is_empty(), "internal errors: {internal:#?}");

    // A syntax finding on a file that saphyr (a YAML 1.2 parser) loads is a loader bug.
    let wrong_syntax: Vec<String> = fast
        .diagnostics
        .iter()
        .filter(|d| d.rule == RuleId::YamlSyntax)
        .filter(|d| {
            let text = fast.workspace.files[d.file as usize].text();
            MarkedYaml::load_from_str(text).is_ok()
        })
        .map(|d| format!("{}: {}", report.path(d), d.message))
        .collect();
    assert!(
        wrong_syntax.is_empty(),
        "yaml-syntax on valid YAML: {wrong_syntax:#?}"
    );

    // The pre-scan never changes what is found.
    let render = |o: &canarylint::Outcome| canarylint::render::json::render(&o.report());
    assert_eq!(fast.workspace.stats.files, full.workspace.stats.files);
    let (a, b) = (render(&fast), render(&full));
    if a != b {
        let only = |x: &str, y: &str| -> Vec<String> {
            x.lines()
                .filter(|l| !y.contains(*l))
                .take(20)
                .map(str::to_string)
                .collect()
        };
        panic!(
            "pre-scan and full parse differ:\nonly with pre-scan: {:#?}\nonly with full parse: {:#?}",
            only(&a, &b),
            only(&b, &a)
        );
    }
}
