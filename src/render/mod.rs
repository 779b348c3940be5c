//! Renderers: pure functions from sorted findings to text.

pub mod github;
pub mod json;
pub mod rules;
pub mod sarif;
pub mod text;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineCol, SourceFile};
use crate::workspace::Stats;

/// Everything a renderer needs.
pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub files: &'a [SourceFile],
    pub stats: Stats,
    /// Each file's path relative to the repository root, with forward slashes.
    pub repo_paths: &'a [String],
}

impl Report<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Start and end (exclusive) of a finding, as lines and character columns.
    pub fn position(&self, d: &Diagnostic) -> (LineCol, LineCol) {
        let Some(f) = self.files.get(d.file as usize) else {
            let one = LineCol { line: 1, column: 1 };
            return (one, one);
        };
        (
            f.line_col(d.span.start as usize),
            f.line_col(d.span.end as usize),
        )
    }

    /// The finding's path relative to the repository root.
    pub fn repo_path(&self, d: &Diagnostic) -> &str {
        self.repo_paths
            .get(d.file as usize)
            .map_or_else(|| self.path(d), String::as_str)
    }

    pub fn path(&self, d: &Diagnostic) -> &str {
        self.files
            .get(d.file as usize)
            .map_or("", |f| f.display.as_str())
    }
}
