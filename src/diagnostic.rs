//! Findings: what a rule reports, where, and how severe it is.

use std::fmt;

use crate::codes::RuleId;
use crate::model::kinds::Kind;
use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}/{}`", self.kind, self.namespace, self.name)
    }
}

/// Another resource a finding depends on: changing it can cause or clear the finding (the
/// DestinationRule whose subset a VirtualService routes to). A run given some files reports
/// a finding whose related resource is in one of them, wherever the finding is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub resource: ResourceKey,
    pub file: FileId,
    /// Its name (`metadata.name`), or its document when it has none.
    pub(crate) span: Span,
    /// Whether its file is among the files a run was given (the changed files, for
    /// pre-commit and `--changed-since`) while others are not reported.
    pub changed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: RuleId,
    pub(crate) severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: FileId,
    pub(crate) span: Span,
    pub resource: Option<ResourceKey>,
    /// Where the node sits in its resource (`spec.http[0].route[1].weight`), a location that
    /// survives reformatting, for fingerprints.
    pub node_path: Option<String>,
    /// The other resources the finding depends on, in the order the message names them.
    pub related: Vec<Related>,
    /// Whether the finding existed before, when the run compares with a baseline
    /// (`--new-since`, `--baseline`).
    pub baseline: Option<BaselineState>,
}

/// Whether a finding is new, or was already found at the baseline (and is not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineState {
    New,
    Unchanged,
}

impl BaselineState {
    /// The name in JSON and SARIF (`baselineState`).
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

impl Diagnostic {
    pub fn new(rule: RuleId, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity(),
            message: message.into(),
            help: None,
            file,
            span,
            resource: None,
            node_path: None,
            related: Vec::new(),
            baseline: None,
        }
    }

    /// Whether the finding counts for the exit code and is shown in text output: all do,
    /// but those a baseline already had.
    pub fn counts(&self) -> bool {
        self.baseline != Some(BaselineState::Unchanged)
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn resource(mut self, key: Option<ResourceKey>) -> Self {
        self.resource = key;
        self
    }
}

/// Sorts findings by file, position and rule, and drops exact repeats.
pub(crate) fn sort_and_dedup(diags: &mut Vec<Diagnostic>, file_order: impl Fn(FileId) -> usize) {
    diags.sort_by(|a, b| {
        (
            file_order(a.file),
            a.span.start,
            a.span.end,
            a.rule,
            &a.message,
        )
            .cmp(&(
                file_order(b.file),
                b.span.start,
                b.span.end,
                b.rule,
                &b.message,
            ))
    });
    diags.dedup();
}
