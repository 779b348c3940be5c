//! Istio's own CRD validation inputs, `../shared/corpus/istio-analyzers/crd-validation/`:
//! every document of a `*-invalid.yaml` file is reported by `unknown-field` or
//! `invalid-field` at the path its `_err` names (or at the mapping that lacks a required
//! field; errors of CEL rules, which name no path, are out of scope), and every document of a `*-valid.yaml` file is clean.

mod common;

use canarylint::codes::RuleId;
use canarylint::workspace::WorkspaceOptions;

/// The documents of a file, each with the path its `_err` line names (which is removed).
fn documents(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n---")
        .filter(|d| d.contains("kind:"))
        .map(|doc| {
            let mut err = None;
            let body: Vec<String> = doc
                .lines()
                .map(|l| match l.strip_prefix("_err:") {
                    Some(rest) => {
                        let rest = rest.trim().trim_matches(['\'', '"']);
                        err = Some(rest.split(':').next().unwrap_or("").to_string());
                        format!("# _err:{rest}")
                    }
                    None => l.to_string(),
                })
                .collect();
            (err, body.join("\n") + "\n")
        })
        .collect()
}

#[test]
fn istio_crd_validation_inputs() {
    let Some(corpus) = common::corpus(
        "istio_crd_validation_inputs",
        "Istio's CRD validation inputs",
    ) else {
        return;
    };
    let dir = corpus.join("istio-analyzers/crd-validation");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("crd-validation")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let invalid = name.ends_with("-invalid.yaml");
        let text = std::fs::read_to_string(&file).expect("read");
        for (i, (err, doc)) in documents(&text).into_iter().enumerate() {
            let outcome = canarylint::lint_texts(
                &[(format!("{name}-{i}.yaml"), doc.clone())],
                &WorkspaceOptions::default(),
                &Default::default(),
                &|id| matches!(id, RuleId::UnknownField | RuleId::InvalidField),
            );
            let paths: Vec<String> = outcome
                .diagnostics
                .iter()
                .map(|d| d.node_path.clone().unwrap_or_default())
                .collect();
            let err = err.unwrap_or_default();
            // Errors without a field path are CEL rules (`x-kubernetes-validations`): out
            // of scope.
            let cel = !err.starts_with("spec") && err != "Duplicate value";
            if invalid && cel {
                continue;
            }
            if invalid {
                // A missing top-level field is reported at the kind.
                let at = |p: &String| {
                    err.starts_with(p.as_str())
                        || (p == "kind" && !err.contains('.'))
                        || err == "Duplicate value"
                };
                if !paths.iter().any(at) {
                    failures.push(format!(
                        "{name} document {i} ({err}): found {paths:?}\n{doc}"
                    ));
                }
            } else if !paths.is_empty() {
                failures.push(format!(
                    "{name} document {i}: found {:?}\n{doc}",
                    outcome.diagnostics
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} documents");
}

#[test]
fn a_node_another_rule_reports_is_left_to_it() {
    // A string weight: `weight-invalid` says more about it than the schema does.
    let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {host: r, subset: a}\n      weight: \"90\"\n    - destination: {host: r, subset: b}\n      weight: 10\n";
    let outcome = canarylint::lint_texts(
        &[("vs.yaml".into(), text.into())],
        &WorkspaceOptions::default(),
        &Default::default(),
        &|id| matches!(id, RuleId::WeightInvalid | RuleId::InvalidField),
    );
    let rules: Vec<RuleId> = outcome.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, [RuleId::WeightInvalid], "{:?}", outcome.diagnostics);
    let alone = canarylint::lint_texts(
        &[("vs.yaml".into(), text.into())],
        &WorkspaceOptions::default(),
        &Default::default(),
        &|id| id == RuleId::InvalidField,
    );
    let rules: Vec<RuleId> = alone.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, [RuleId::InvalidField], "{:?}", alone.diagnostics);
}

/// A repository's own CRD that cannot be read: a note at it, and the embedded schema for
/// its documents.
#[test]
fn an_unreadable_vendored_crd_is_noted() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: virtualservices.networking.istio.io\nspec:\n  group: networking.istio.io\n  names: {kind: VirtualService}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema: &s {type: object}\n  - name: v1beta1\n    schema:\n      openAPIV3Schema: *s\n";
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  htp: []\n";
    let outcome = canarylint::lint_texts(
        &[
            ("crds/vs.yaml".into(), crd.into()),
            ("apps/vs.yaml".into(), vs.into()),
        ],
        &WorkspaceOptions::default(),
        &Default::default(),
        &|id| matches!(id, RuleId::UnknownField | RuleId::SkippedFile),
    );
    let found: Vec<(RuleId, String)> = outcome
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.message.clone()))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(|(r, m)| *r == RuleId::SkippedFile
            && m.contains("CustomResourceDefinition of VirtualService that cannot be read")),
        "{found:?}"
    );
    // `htp` is unknown to the embedded schema; the message names no vendored CRD.
    assert!(
        found.iter().any(|(r, m)| *r == RuleId::UnknownField
            && m.starts_with("`htp`")
            && !m.contains("schema: the CustomResourceDefinition")),
        "{found:?}"
    );
}
