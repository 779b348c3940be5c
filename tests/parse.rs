//! Loading odd input: BOM, CRLF, multi-byte text, broken documents between good ones,
//! unknown anchors, templates, non-UTF-8, empty and huge files. Nothing aborts the run.

mod common;

use canarylint::codes::RuleId;

fn findings(path: &str) -> Vec<(String, RuleId, u32, u32)> {
    let dir = common::root().join(path);
    let outcome = canarylint::lint(&common::check_args(&[&common::path_arg(&dir)])).unwrap();
    let report = outcome.report();
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let (start, _) = report.position(d);
            let file = report.path(d).rsplit('/').next().unwrap().to_string();
            (file, d.rule, start.line, start.column)
        })
        .collect()
}

#[test]
fn odd_inputs_load_with_exact_positions() {
    let f = findings("fixtures/parse");
    let has = |file: &str, rule: RuleId, line: u32, col: u32| {
        assert!(
            f.contains(&(file.to_string(), rule, line, col)),
            "missing {file}:{line}:{col} {rule}; got {f:#?}"
        );
    };
    // The same weight, at the same line and column, with a BOM, with CRLF, and after
    // multi-byte text.
    has("bom.yaml", RuleId::WeightSum, 11, 19);
    has("crlf.yaml", RuleId::WeightSum, 11, 19);
    has("unicode.yaml", RuleId::WeightSum, 14, 19);
    // A broken document between two good ones: all three are reported.
    has("broken-middle.yaml", RuleId::WeightSum, 9, 19);
    has("broken-middle.yaml", RuleId::YamlSyntax, 15, 1);
    has("broken-middle.yaml", RuleId::WeightSum, 24, 19);
    has("bad-anchor.yaml", RuleId::YamlSyntax, 6, 9);
    has("quoted-kind.yaml", RuleId::WeightSum, 10, 19);
    has("empty.yaml", RuleId::SkippedFile, 1, 1);
    has("latin1.yaml", RuleId::SkippedFile, 4, 12);
    has("templated.yaml", RuleId::SkippedFile, 1, 3);
    // Kindless documents are ignored, duplicate keys and all.
    assert!(!f.iter().any(|x| x.0 == "kindless.yaml"), "{f:#?}");
    // A template note is information, never an error or warning.
    assert!(f
        .iter()
        .filter(|x| x.0 == "templated.yaml")
        .all(|x| x.1 == RuleId::SkippedFile));
}

#[test]
fn multibyte_columns_count_characters() {
    let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec: {hosts: [ü], http: [{route: [{destination: {host: ü}, weight: 5}]}]}\n";
    let texts = [("t.yaml".to_string(), text.to_string())];
    let o = canarylint::lint_texts(&texts, &Default::default(), &Default::default(), &|_| true);
    let (start, end) = o.report().position(&o.diagnostics[0]);
    // `5` is the 69th character of its line; two 2-byte `ü` before it put it at byte 71.
    assert_eq!((start.line, start.column, end.column), (4, 69, 70));
}

#[test]
fn huge_files_are_skipped_with_a_note() {
    let dir = common::Scratch::new("huge");
    let path = dir.join("huge.yaml");
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    while text.len() <= 10 * 1024 * 1024 {
        text.push_str(
            "  key: 0123456789012345678901234567890123456789012345678901234567890123456789\n",
        );
    }
    std::fs::write(&path, text).unwrap();
    let outcome = canarylint::lint(&common::check_args(&[&common::path_arg(&dir)])).unwrap();
    assert_eq!(outcome.diagnostics.len(), 1);
    assert_eq!(outcome.diagnostics[0].rule, RuleId::SkippedFile);
    assert!(outcome.diagnostics[0]
        .message
        .contains("over the 10 MB limit"));
}

#[test]
fn kustomization_namespaces_apply_to_the_tree_below() {
    let f = findings("fixtures/repos/kustomize");
    // apps/reviews.yaml takes `shop` from the root and sees base/'s rule; the staging overlay
    // takes `staging` and does not.
    assert_eq!(
        f,
        vec![("reviews.yaml".to_string(), RuleId::MissingSubset, 10, 48)],
        "{f:#?}"
    );
}

#[test]
fn manifests_without_a_namespace_conflict_only_within_their_directory() {
    let f = findings("fixtures/repos/unset-namespace");
    let conflicts: Vec<&str> = f
        .iter()
        .filter(|x| x.1 == RuleId::ConflictingVirtualservice)
        .map(|x| x.0.as_str())
        .collect();
    assert_eq!(conflicts, ["reviews-faults.yaml", "reviews.yaml"], "{f:#?}");
}

#[test]
fn templates_that_happen_to_parse_are_skipped() {
    let f = findings("fixtures/parse");
    let helm: Vec<_> = f
        .iter()
        .filter(|x| x.0 == "helm-that-parses.yaml")
        .collect();
    assert_eq!(helm.len(), 1, "{helm:#?}");
    assert_eq!(helm[0].1, RuleId::SkippedFile);
}

#[test]
fn guessed_namespaces_do_not_hide_destination_rules() {
    let mut f = findings("fixtures/repos/unset-namespace-subsets");
    f.retain(|x| x.1 != RuleId::ManualWeightSplit);
    assert_eq!(
        f,
        vec![("ratings.yaml".to_string(), RuleId::MissingSubset, 13, 48)],
        "{f:#?}"
    );
}

#[test]
fn destination_rules_merge_only_when_applied_together() {
    let f = findings("fixtures/repos/applied-together");
    // The two files one kustomization lists merge; the scenarios beside each other, and
    // the kustomization's rules with them, do not, though all are in namespace `shop`.
    assert_eq!(
        f,
        vec![(
            "reviews-tls.yaml".to_string(),
            RuleId::DuplicateDestinationrule,
            7,
            9
        )],
        "{f:#?}"
    );
}
