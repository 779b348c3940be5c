//! Runs the rules over the index in parallel. A rule that panics on a resource becomes an
//! `internal-error` finding on that resource; the other rules and resources go on.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use rayon::prelude::*;

use crate::codes::RuleId;
use crate::config::Policy;
use crate::diagnostic::Diagnostic;
use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::rules::registry::RULES;
use crate::rules::{Context, Rule};
use crate::source::{FileId, SourceFile};

thread_local! {
    static IN_RULE: Cell<bool> = const { Cell::new(false) };
}

/// Keeps rule panics off stderr (they become findings) and leaves other panics alone.
fn quiet_rule_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_RULE.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// The findings of the enabled rules on the index's subjects. With `reported` (a run that
/// reports on some files only, and an index whose subjects are all as written in their
/// files), the rules that keep to their subject skip the subjects of the other files: what
/// they find is in the subject's own file, names no other resource, and would be dropped.
pub(crate) fn check(
    index: &Index,
    files: &[SourceFile],
    policy: &Policy,
    baseline: Option<&Baseline>,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
    reported: Option<&(dyn Fn(FileId) -> bool + Sync)>,
) -> Vec<Diagnostic> {
    check_with(index, files, policy, baseline, RULES, enabled, reported)
}

pub(crate) fn check_with(
    index: &Index,
    files: &[SourceFile],
    policy: &Policy,
    baseline: Option<&Baseline>,
    rules: &[&dyn Rule],
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
    reported: Option<&(dyn Fn(FileId) -> bool + Sync)>,
) -> Vec<Diagnostic> {
    quiet_rule_panics();
    let rules: Vec<&dyn Rule> = rules.iter().copied().filter(|r| enabled(r.id())).collect();
    // The kinds of the resources in the files reported on: a rule that relates none of
    // them finds nothing to report on the others' resources.
    let reported_kinds: Vec<Kind> = match reported {
        Some(reported) => {
            let mut kinds: Vec<Kind> = index
                .resources
                .iter()
                .filter(|r| reported(r.file))
                .map(|r| r.kind)
                .collect();
            kinds.sort_unstable();
            kinds.dedup();
            kinds
        }
        None => Vec::new(),
    };
    let diags: Vec<Diagnostic> = index
        .subjects()
        .par_iter()
        .flat_map_iter(|res| {
            let mut out = Vec::new();
            let schema = std::cell::OnceCell::new();
            let reported_here = reported.is_none_or(|reported| reported(res.file));
            for rule in rules
                .iter()
                .filter(|r| r.kinds().contains(&res.kind))
                .filter(|r| {
                    reported_here
                        || (!r.keeps_to_its_subject()
                            && r.relates().iter().any(|k| reported_kinds.contains(k)))
                })
            {
                let id = rule.id();
                let mut cx = Context::new(index, files, policy, res, id, &schema)
                    .with_baseline(baseline)
                    .claiming(*rule);
                IN_RULE.with(|f| f.set(true));
                let result = panic::catch_unwind(AssertUnwindSafe(|| rule.check(res, &mut cx)));
                IN_RULE.with(|f| f.set(false));
                match result {
                    Ok(()) => out.extend(cx.into_diagnostics()),
                    Err(payload) => {
                        let what = payload
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "unknown panic".into());
                        let msg = format!("rule `{id}` failed on this resource: {what}");
                        if enabled(RuleId::InternalError) {
                            let at = index.real(res.name_location());
                            out.push(
                                Diagnostic::new(RuleId::InternalError, at.file, at.span, msg)
                                    .help("this is a bug in canarylint; the other rules still ran")
                                    .resource(Some(res.key())),
                            );
                        }
                    }
                }
            }
            out
        })
        .collect();
    without_schema_repeats(diags)
}

/// Drops the `unknown-field` and `invalid-field` findings at a place where another rule
/// already reports (a string weight is `weight-invalid`'s, the removed `templateName` is
/// `rollout-template-missing`'s): that rule says more about it.
fn without_schema_repeats(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let schema = |r: RuleId| matches!(r, RuleId::UnknownField | RuleId::InvalidField);
    if !diags.iter().any(|d| schema(d.rule)) {
        return diags;
    }
    let others: std::collections::HashSet<(crate::source::FileId, u32)> = diags
        .iter()
        .filter(|d| !schema(d.rule))
        .map(|d| (d.file, d.span.start))
        .collect();
    diags.retain(|d| !schema(d.rule) || !others.contains(&(d.file, d.span.start)));
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::Resource;
    use crate::rules::Declared;
    use crate::workspace::{Workspace, WorkspaceOptions};

    /// A test rule in the place of `weight-sum`.
    macro_rules! test_rule {
        ($name:ident) => {
            struct $name;

            impl Declared for $name {
                fn id(&self) -> RuleId {
                    RuleId::WeightSum
                }

                fn kinds(&self) -> &'static [Kind] {
                    &[Kind::VirtualService]
                }
            }
        };
    }

    // A rule that panics on one resource.
    test_rule!(Panics);

    impl Rule for Panics {
        fn check(&self, res: &Resource, _: &mut Context<'_>) {
            if res.name == "boom" {
                panic!("index out of bounds");
            }
        }
    }

    /// The findings of `rules` on two VirtualServices named `names`, in one file.
    fn two_checked(names: [&str; 2], rules: &[&dyn Rule]) -> Vec<Diagnostic> {
        let text = names
            .map(|n| format!("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {n}}}\n"))
            .join("---\n");
        let ws = Workspace::from_texts(&[("t.yaml".into(), text)], &WorkspaceOptions::default());
        check_with(
            &ws.index,
            &ws.files,
            &Policy::default(),
            None,
            rules,
            &|_| true,
            None,
        )
    }

    #[test]
    fn a_panicking_rule_becomes_an_internal_error() {
        let diags = two_checked(
            ["boom", "fine"],
            &[&Panics, &crate::rules::istio::weight_sum::WeightSum],
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].rule, RuleId::InternalError);
        assert!(diags[0].message.contains("index out of bounds"));
        assert_eq!(diags[0].resource.as_ref().unwrap().name, "boom");
    }

    /// Debug builds (the tests) hold a rule to its claim: a rule that claims to keep to its
    /// subject and does not fails as a bug, and would be skipped wrongly.
    #[test]
    #[cfg(debug_assertions)]
    fn a_rule_that_strays_from_its_subject_is_caught() {
        // A rule that claims to keep to its subject, and relates another resource.
        test_rule!(Strays);

        impl Rule for Strays {
            fn keeps_to_its_subject(&self) -> bool {
                true
            }

            fn check(&self, res: &Resource, cx: &mut Context<'_>) {
                cx.report_with_help(res.name_location(), "found", "none");
                let others: Vec<&Resource> = cx
                    .index()
                    .resources
                    .iter()
                    .filter(|r| r.name != res.name)
                    .collect();
                cx.relate(others);
            }
        }

        let diags = two_checked(["a", "b"], &[&Strays]);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags.iter().all(|d| d.rule == RuleId::InternalError
            && d.message.contains("claims to keep to its subject")));
    }

    #[test]
    fn rules_that_keep_to_their_subject_skip_the_files_not_reported() {
        // A field no VirtualService has, a weight sum off, and a subset the DestinationRule
        // of `a.yaml` does not define, in each of two files.
        let vs = |name: &str| {
            format!("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}}}\nspec:\n  hosts: [a]\n  htttp: []\n  http:\n  - route:\n    - destination: {{host: a, subset: v1}}\n      weight: 40\n")
        };
        let dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec:\n  host: a\n  subsets:\n  - {name: v2, labels: {version: v2}}\n";
        let ws = Workspace::from_texts(
            &[
                ("a.yaml".into(), format!("{}---\n{dr}", vs("one"))),
                ("b.yaml".into(), vs("two")),
            ],
            &WorkspaceOptions::default(),
        );
        let sorted = |mut v: Vec<(FileId, RuleId)>| {
            v.sort();
            v
        };
        let (weights, fields, subsets) = (
            RuleId::WeightSum,
            RuleId::UnknownField,
            RuleId::MissingSubset,
        );
        let found = |reported: Option<&(dyn Fn(FileId) -> bool + Sync)>| {
            sorted(
                check(
                    &ws.index,
                    &ws.files,
                    &Policy::default(),
                    None,
                    &|_| true,
                    reported,
                )
                .iter()
                .filter(|d| [weights, fields, subsets].contains(&d.rule))
                .map(|d| (d.file, d.rule))
                .collect(),
            )
        };
        assert_eq!(
            found(None),
            sorted(vec![
                (0, weights),
                (0, fields),
                (0, subsets),
                (1, weights),
                (1, fields),
                (1, subsets)
            ])
        );
        // The schema rules and `weight-sum` keep to their subject: only the reported file's
        // resources are checked with them. `missing-subset` relates the DestinationRule, in
        // the reported file: it still checks every VirtualService.
        assert!(RULES
            .iter()
            .any(|r| r.id() == weights && r.keeps_to_its_subject()));
        assert!(RULES
            .iter()
            .any(|r| r.id() == subsets && !r.keeps_to_its_subject()));
        let some = sorted(vec![(0, weights), (0, fields), (0, subsets), (1, subsets)]);
        assert_eq!(found(Some(&|f| f == 0)), some);
        // `missing-subset` relates DestinationRules only: reporting on `b.yaml`, which has
        // none, it checks only the VirtualService there.
        assert_eq!(
            found(Some(&|f| f == 1)),
            sorted(vec![(1, weights), (1, fields), (1, subsets)])
        );
    }
}
