//! The rule interface: what a rule declares, the per-resource check, and the context it
//! reports into.
//!
//! # Adding a rule
//!
//! 1. The rule file, `src/rules/<area>/<name>.rs`: a `//!` line naming its doc,
//!    `declare_rule!(MyRule, kinds: [Kind::VirtualService]);`, and `impl Rule for MyRule`
//!    whose `check` reads the resource through the typed views of `crate::model` and
//!    reports with `cx.report_with_help(at, message, help)` (lowercase, no final period,
//!    values in backticks; the help says what to change), `at` being where the value it
//!    reports on is written (a `Spanned` value's location, which may be in another file).
//! 2. One line in the rule table, `src/codes.rs`: `MyRule => "my-rule", Error, "summary",
//!    area::my_rule::MyRule;`, at the end (SARIF rule indexes keep their positions).
//! 3. Its doc, `rules/my-rule.md`: the sections of the others, with a ` ```yaml bad ` and a
//!    ` ```yaml good ` example that `tests/rule_docs.rs` runs.
//! 4. Its fixtures, `fixtures/rules/my-rule/{bad,good}.yaml`, offending lines marked
//!    `# expect: my-rule`, and the snapshot `tests/rules.rs` writes
//!    (`INSTA_UPDATE=always cargo test --test rules`).
//! 5. `cargo run -- rules --format markdown` gives the README's rule table.

use std::cell::OnceCell;

use crate::codes::RuleId;
use crate::config::Policy;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::schema::Validation;
use crate::model::spanned::{Locate, Location};
use crate::source::SourceFile;
use crate::text::{backtick_list, did_you_mean};

/// What a rule declares: its id (its name, severity, summary and doc are in the rule table)
/// and the kinds of resource it checks. Written by `declare_rule!`.
pub(crate) trait Declared {
    fn id(&self) -> RuleId;
    /// The kinds `check` is called for.
    fn kinds(&self) -> &'static [Kind];
}

pub(crate) trait Rule: Declared + Sync {
    fn check(&self, res: &Resource, cx: &mut Context<'_>);

    /// Whether the rule reads each document as written, alone, and reports only in it:
    /// then a kind only it reads does not make a kustomization render (see
    /// [`crate::overlay::is_checked`]), and a run that reports on some files only does not
    /// check the others' documents with it (see [`crate::engine::check`]).
    fn reads_documents_alone(&self) -> bool {
        false
    }

    /// Whether every finding of the rule lies in the file of the resource it checks and
    /// relates no other resource (see [`Context::relate`]): then a run that reports on some
    /// files only does not check the others' resources with it, since each finding there
    /// would be dropped (see [`crate::engine::check`]). Debug builds check the claim.
    fn keeps_to_its_subject(&self) -> bool {
        self.reads_documents_alone()
    }

    /// The kinds of the other resources its findings may relate (see [`Context::relate`]):
    /// a run that reports on files holding none of these kinds does not check the other
    /// files' resources with it, since each finding there would be dropped. Debug builds
    /// check the claim.
    fn relates(&self) -> &'static [Kind] {
        Kind::ALL
    }
}

/// Declares a rule: the unit struct named as its `RuleId` variant, and the kinds it checks.
macro_rules! declare_rule {
    ($name:ident, kinds: [$($kind:expr),* $(,)?]) => {
        pub(crate) struct $name;

        impl $crate::rules::Declared for $name {
            fn id(&self) -> $crate::codes::RuleId {
                $crate::codes::RuleId::$name
            }

            fn kinds(&self) -> &'static [$crate::model::kinds::Kind] {
                &[$($kind),*]
            }
        }
    };
    ($name:ident, kinds: $kinds:path) => {
        pub(crate) struct $name;

        impl $crate::rules::Declared for $name {
            fn id(&self) -> $crate::codes::RuleId {
                $crate::codes::RuleId::$name
            }

            fn kinds(&self) -> &'static [$crate::model::kinds::Kind] {
                $kinds
            }
        }
    };
}

pub mod argo;
pub mod change;
pub mod delivery;
pub mod flagger;
pub mod gateway;
pub mod istio;
pub mod registry;
pub mod schema;

/// What a rule sees while checking one resource.
pub(crate) struct Context<'a> {
    index: &'a Index,
    files: &'a [SourceFile],
    policy: &'a Policy,
    res: &'a Resource,
    rule: RuleId,
    baseline: Option<&'a Baseline>,
    /// The resource's schema validation, shared by the rules that read it.
    schema: &'a OnceCell<Validation<'a>>,
    out: Vec<Diagnostic>,
    /// Whether the rule claims to keep to its subject ([`Rule::keeps_to_its_subject`]).
    keeps_to_subject: bool,
    /// The kinds the rule claims to relate ([`Rule::relates`]).
    relates: &'static [Kind],
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        index: &'a Index,
        files: &'a [SourceFile],
        policy: &'a Policy,
        res: &'a Resource,
        rule: RuleId,
        schema: &'a OnceCell<Validation<'a>>,
    ) -> Self {
        Context {
            index,
            files,
            policy,
            res,
            rule,
            baseline: None,
            schema,
            out: Vec::new(),
            keeps_to_subject: false,
            relates: Kind::ALL,
        }
    }

    /// Holds the rule to its claims: that it keeps to its subject, and the kinds it
    /// relates (checked in debug builds).
    pub(crate) fn claiming(mut self, rule: &dyn Rule) -> Self {
        self.keeps_to_subject = rule.keeps_to_its_subject();
        self.relates = rule.relates();
        self
    }

    /// Gives the rule the old revision to compare with (`--base`).
    pub(crate) fn with_baseline(mut self, baseline: Option<&'a Baseline>) -> Self {
        self.baseline = baseline;
        self
    }

    /// Where the resource departs from the schema of its CustomResourceDefinition (the
    /// repository's own CRD of the kind, nearest to the file, else the embedded one).
    pub(crate) fn schema(&self) -> &'a Validation<'a> {
        self.schema.get_or_init(|| {
            crate::model::schema::violations(
                self.res,
                self.file(self.res),
                self.index.crds().of(self.res.kind, self.res.file),
            )
        })
    }

    /// The repository at the base revision, when the run compares with one (`--base`).
    pub(crate) fn baseline(&self) -> Option<&'a Baseline> {
        self.baseline
    }

    pub(crate) fn index(&self) -> &'a Index {
        self.index
    }

    /// The delivery policy of the run.
    pub(crate) fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// Reports a finding at `at`: a value's location (which may be in another file than the
    /// resource's, e.g. an overlay's patch), or a span in the resource's file.
    pub(crate) fn report_with_help(
        &mut self,
        at: impl Locate,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(at, message.into(), Some(help.into()));
    }

    /// Reports at a severity other than the rule's default (a policy can raise it).
    pub(crate) fn report_as(
        &mut self,
        severity: Severity,
        at: impl Locate,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(at, message.into(), Some(help.into()));
        if let Some(d) = self.out.last_mut() {
            d.severity = severity;
        }
    }

    /// Where `at` is: a bare span is in the file of the resource being checked.
    /// A rendered resource's node from another file (a patch) is in that file.
    fn locate(&self, at: impl Locate) -> Location {
        self.index.real(at.locate(self.res.file))
    }

    fn push(&mut self, at: impl Locate, message: String, help: Option<String>) {
        let written = at.locate(self.res.file);
        debug_assert!(
            !self.keeps_to_subject || written.file == self.res.file,
            "`{}` claims to keep to its subject but reports in another file",
            self.rule
        );
        let at = self.index.real(written);
        let mut d = Diagnostic::new(self.rule, at.file, at.span, message);
        d.help = help;
        d.resource = Some(self.res.key());
        // A node path is a place in the resource's own tree (which a patch's node of a
        // rendered resource is too).
        d.node_path = if written.file == self.res.file {
            self.res.root.path_to(written.span)
        } else {
            None
        };
        self.out.push(d);
    }

    /// Names the other resources the last finding depends on (see [`Related`]), so that a
    /// run given only their files still reports it. A resource is named once, and never
    /// the one being checked.
    pub(crate) fn relate<'r>(&mut self, resources: impl IntoIterator<Item = &'r Resource>) {
        let index = self.index;
        let own = self.res;
        let keeps = self.keeps_to_subject;
        let relates = self.relates;
        let rule = self.rule;
        let Some(d) = self.out.last_mut() else {
            return;
        };
        for r in resources {
            if std::ptr::eq(r, own) || (r.file == own.file && r.key() == own.key()) {
                continue;
            }
            debug_assert!(
                !keeps,
                "`{rule}` claims to keep to its subject but relates another resource"
            );
            debug_assert!(
                relates.contains(&r.kind),
                "`{rule}` relates a {} but claims to relate only {relates:?}",
                r.kind.name()
            );
            let at = index.real(r.name_location());
            let related = Related {
                resource: r.key(),
                file: at.file,
                span: at.span,
                changed: false,
            };
            if !d.related.contains(&related) {
                d.related.push(related);
            }
        }
    }

    /// The file a resource was loaded from.
    pub(crate) fn file(&self, res: &Resource) -> Option<&'a SourceFile> {
        self.files.get(res.file as usize)
    }

    /// The 1-based line of `at`.
    pub(crate) fn line(&self, at: impl Locate) -> u32 {
        let at = self.locate(at);
        self.files
            .get(at.file as usize)
            .map_or(0, |f| f.line_col(at.span.start as usize).line)
    }

    /// Where `at` is, for messages: `line 12` in the file of the resource being checked,
    /// else `path:12`.
    pub(crate) fn location(&self, at: impl Locate) -> String {
        let at = self.locate(at);
        let line = self.line(at);
        if at.file == self.res.file {
            format!("line {line}")
        } else {
            let path = self
                .files
                .get(at.file as usize)
                .map_or("?", |f| f.display.as_str());
            format!("{path}:{line}")
        }
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.out
    }
}

/// What a message says of the subsets a DestinationRule defines, for a subset it does not:
/// "which defines `v1` and `v2`", or "which defines no subsets".
pub(crate) fn defined_subsets(names: &[&str]) -> String {
    if names.is_empty() {
        "which defines no subsets".to_string()
    } else {
        format!("which defines {}", backtick_list(names))
    }
}

/// The help for a subset that DestinationRule `dr` does not define: the nearest name it
/// does define, else adding the subset (`why` says who needs it, when it is not the route).
pub(crate) fn missing_subset_help(
    subset: &str,
    names: &[&str],
    dr: &Resource,
    why: &str,
) -> String {
    did_you_mean(subset, names.iter().copied()).unwrap_or_else(|| {
        format!(
            "add a subset `{subset}` to DestinationRule `{}/{}`{why}",
            dr.namespace, dr.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spanned::{Location, Spanned};
    use crate::source::Span;
    use crate::workspace::{Workspace, WorkspaceOptions};

    const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n";
    const PATCH: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  http:\n  - route:\n    - destination: {host: r}\n      weight: 90\n";

    /// A value of a resource may come from another file (an overlay's patch): the finding
    /// is in that file, and names it in messages.
    #[test]
    fn findings_point_into_the_file_of_the_value() {
        let ws = Workspace::from_texts(
            &[
                ("base.yaml".into(), VS.into()),
                ("patch.yaml".into(), PATCH.into()),
            ],
            &WorkspaceOptions::default(),
        );
        let file = |name: &str| {
            ws.files
                .iter()
                .position(|f| f.display.ends_with(name))
                .expect("a loaded file") as u32
        };
        let (base, patch) = (file("base.yaml"), file("patch.yaml"));
        let res = ws
            .index
            .resources
            .iter()
            .find(|r| r.file == base)
            .expect("the base resource");
        assert_ne!(patch, res.file);
        let start = PATCH.find("90").unwrap();
        let weight = Spanned::new(90, Location::new(patch, Span::new(start, start + 2)));
        let policy = Policy::default();
        let schema = OnceCell::new();
        let mut cx = Context::new(
            &ws.index,
            &ws.files,
            &policy,
            res,
            RuleId::WeightSum,
            &schema,
        );
        assert_eq!(cx.line(weight), 8);
        assert_eq!(
            cx.location(weight),
            format!("{}:8", ws.files[patch as usize].display)
        );
        assert_eq!(cx.location(res.name_span), "line 3");
        cx.report_with_help(weight, "the weight", "help");
        cx.report_with_help(res.name_span, "the resource", "help");
        let diags = cx.into_diagnostics();
        assert_eq!(diags.len(), 2);
        assert_eq!((diags[0].file, diags[0].span), (patch, weight.span.span));
        assert_eq!(diags[0].node_path, None);
        assert_eq!(diags[0].resource, Some(res.key()));
        assert_eq!((diags[1].file, diags[1].span), (res.file, res.name_span));
        assert_eq!(diags[1].node_path.as_deref(), Some("metadata.name"));
    }
}
