//! The rule interface: metadata, the per-resource check, and the context it reports into.

pub mod argo;
pub mod change;
pub mod delivery;
pub mod flagger;
pub mod istio;
pub mod registry;

use crate::config::Policy;
use crate::diagnostic::{Diagnostic, Severity};
use crate::history::Baseline;
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::rules::registry::RuleId;
use crate::source::{SourceFile, Span};

pub struct RuleMeta {
    pub id: RuleId,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    pub severity: Severity,
    /// The kinds `check` is called for.
    pub kinds: &'static [Kind],
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, res: &Resource, cx: &mut Context<'_>);
}

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
