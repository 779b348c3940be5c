//! The rule interface: what a rule declares, the per-resource check, and the context it
//! reports into.
//!
//! # Adding a rule
//!
//! 1. The rule file, `src/rules/<area>/<name>.rs`: a `//!` line naming its doc,
//!    `declare_rule!(MyRule, kinds: [Kind::VirtualService]);`, and `impl Rule for MyRule`
//!    whose `check` reads the resource through the typed views of `crate::model` and
//!    reports with `cx.report(span, message)` (lowercase, no final period, values in
//!    backticks) or `cx.report_with_help`.
//! 2. One line in the rule table, `src/codes.rs`: `MyRule => "my-rule", Error, "summary",
//!    area::my_rule::MyRule;`, at the end (SARIF rule indexes keep their positions).
//! 3. Its doc, `rules/my-rule.md`: the sections of the others, with a ` ```yaml bad ` and a
//!    ` ```yaml good ` example that `tests/rule_docs.rs` runs.
//! 4. Its fixtures, `fixtures/rules/my-rule/{bad,good}.yaml`, offending lines marked
//!    `# expect: my-rule`, and the snapshot `tests/rules.rs` writes
//!    (`INSTA_UPDATE=always cargo test --test rules`).
//! 5. `cargo run -- rules --format markdown` gives the README's rule table.

use crate::codes::RuleId;
use crate::config::Policy;
use crate::diagnostic::{Diagnostic, Severity};
use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::source::{SourceFile, Span};

/// What a rule declares: its id (its name, severity, summary and doc are in the rule table)
/// and the kinds of resource it checks. Written by `declare_rule!`.
pub trait Declared {
    fn id(&self) -> RuleId;
    /// The kinds `check` is called for.
    fn kinds(&self) -> &'static [Kind];
}

pub trait Rule: Declared + Sync {
    fn check(&self, res: &Resource, cx: &mut Context<'_>);
}

/// Declares a rule: the unit struct named as its `RuleId` variant, and the kinds it checks.
macro_rules! declare_rule {
    ($name:ident, kinds: [$($kind:expr),* $(,)?]) => {
        pub struct $name;

        impl $crate::rules::Declared for $name {
            fn id(&self) -> $crate::codes::RuleId {
                $crate::codes::RuleId::$name
            }

            fn kinds(&self) -> &'static [$crate::model::kinds::Kind] {
                &[$($kind),*]
            }
        }
    };
}

pub mod argo;
pub mod change;
pub mod delivery;
pub mod flagger;
pub mod istio;
pub mod registry;

/// What a rule sees while checking one resource.
pub struct Context<'a> {
    index: &'a Index,
    files: &'a [SourceFile],
    policy: &'a Policy,
    res: &'a Resource,
    rule: RuleId,
    baseline: Option<&'a Baseline>,
    out: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    pub fn new(
        index: &'a Index,
        files: &'a [SourceFile],
        policy: &'a Policy,
        res: &'a Resource,
        rule: RuleId,
    ) -> Self {
        Context {
            index,
            files,
            policy,
            res,
            rule,
            baseline: None,
            out: Vec::new(),
        }
    }

    /// Gives the rule the old revision to compare with (`--base`).
    pub fn with_baseline(mut self, baseline: Option<&'a Baseline>) -> Self {
        self.baseline = baseline;
        self
    }

    /// The repository at the base revision, when the run compares with one (`--base`).
    pub fn baseline(&self) -> Option<&'a Baseline> {
        self.baseline
    }

    pub fn index(&self) -> &'a Index {
        self.index
    }

    /// The delivery policy of the run.
    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    pub fn report(&mut self, span: Span, message: impl Into<String>) {
        self.push(span, message.into(), None);
    }

    pub fn report_with_help(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(span, message.into(), Some(help.into()));
    }

    /// Reports at a severity other than the rule's default (a policy can raise it).
    pub fn report_as(
        &mut self,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(span, message.into(), Some(help.into()));
        if let Some(d) = self.out.last_mut() {
            d.severity = severity;
        }
    }

    fn push(&mut self, span: Span, message: String, help: Option<String>) {
        let mut d = Diagnostic::new(self.rule, self.res.file, span, message);
        d.help = help;
        d.resource = Some(self.res.key());
        d.node_path = self.res.root.path_to(span);
        self.out.push(d);
    }

    /// The file a resource was loaded from.
    pub fn file(&self, res: &Resource) -> Option<&'a SourceFile> {
        self.files.get(res.file as usize)
    }

    /// The 1-based line of a span in `res`'s file.
    pub fn line(&self, res: &Resource, span: Span) -> u32 {
        self.files
            .get(res.file as usize)
            .map_or(0, |f| f.line_col(span.start as usize).line)
    }

    /// Where a node of another resource is, for messages: `line 12` in the same file,
    /// else `path:12`.
    pub fn location(&self, other: &Resource, span: Span) -> String {
        let line = self.line(other, span);
        if other.file == self.res.file {
            format!("line {line}")
        } else {
            let path = self
                .files
                .get(other.file as usize)
                .map_or("?", |f| f.display.as_str());
            format!("{path}:{line}")
        }
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.out
    }
}
