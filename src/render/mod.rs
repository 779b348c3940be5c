//! Renderers: pure functions from sorted findings to text.

pub mod escape;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod rules;
pub mod sarif;
pub mod text;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::source::{FileId, LineCol, SourceFile};
use crate::workspace::Stats;

/// Where a file is, for SARIF and GitHub annotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoPath {
    /// Relative to the repository root, with forward slashes.
    Relative(String),
    /// A file outside the repository root: its absolute path.
    Outside(PathBuf),
}

impl RepoPath {
    /// The path as a GitHub annotation's `file=`: relative to the repository, or absolute.
    pub(crate) fn as_annotation_path(&self) -> String {
        match self {
            RepoPath::Relative(p) => p.clone(),
            RepoPath::Outside(p) => p.to_string_lossy().replace('\\', "/"),
        }
    }
}

/// The repository root of a run and where each of its files is relative to it.
#[derive(Clone, Debug, Default)]
pub struct RepoPaths {
    /// The repository root: the git work tree of the linted path, else the working
    /// directory; absolute and canonical. `None` for in-memory files.
    pub root: Option<PathBuf>,
    /// Each file's place, by file id.
    pub paths: Vec<RepoPath>,
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub files: &'a [SourceFile],
    pub stats: Stats,
    pub repo: &'a RepoPaths,
}

impl Report<'_> {
    /// The findings of `severity` that count: with a baseline, the new ones.
    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity && d.counts())
            .count()
    }

    /// The findings new and unchanged, when the run compares with a baseline.
    pub(crate) fn baseline_counts(&self) -> Option<(usize, usize)> {
        if !self.stats.compared {
            return None;
        }
        let new = self.diagnostics.iter().filter(|d| d.counts()).count();
        Some((new, self.diagnostics.len() - new))
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

    /// Where a related resource's name is, and the displayed path of its file.
    pub fn related_at(&self, r: &Related) -> (&str, LineCol) {
        match self.files.get(r.file as usize) {
            Some(f) => (f.display.as_str(), f.line_col(r.span.start as usize)),
            None => ("", LineCol { line: 1, column: 1 }),
        }
    }

    /// A related resource's file relative to the repository root (or outside it).
    pub(crate) fn related_repo_path(&self, r: &Related) -> RepoPath {
        self.repo_path_of(r.file)
    }

    /// The Helm template a finding was rendered from, and its 1-based line in the rendered
    /// document, when its document names one in a `# Source:` comment.
    pub fn template(&self, d: &Diagnostic) -> Option<(&str, u32)> {
        self.files
            .get(d.file as usize)?
            .helm_template(d.span.start as usize)
    }

    /// The finding's file relative to the repository root (or outside it).
    pub(crate) fn repo_path(&self, d: &Diagnostic) -> RepoPath {
        self.repo_path_of(d.file)
    }

    /// File `file` relative to the repository root (or outside it), else as displayed.
    fn repo_path_of(&self, file: FileId) -> RepoPath {
        self.repo
            .paths
            .get(file as usize)
            .cloned()
            .unwrap_or_else(|| {
                let shown = self
                    .files
                    .get(file as usize)
                    .map_or("", |f| f.display.as_str());
                RepoPath::Relative(shown.to_string())
            })
    }

    /// The repository root, when the run has one.
    pub(crate) fn root(&self) -> Option<&Path> {
        self.repo.root.as_deref()
    }

    /// The finding's stable fingerprint: a hash of its rule, its resource and the YAML path
    /// of its node (`spec.http[0].route[1].weight`), so that it survives reformatting,
    /// moved lines and a resource moved to another file. A finding without a node path
    /// hashes its message instead, and one without a resource its repository path and
    /// message. SARIF's `partialFingerprints`, GitLab's `fingerprint` and the baseline of
    /// `--new-since`/`--baseline` are this one value, so they agree on what is one finding.
    /// Two findings may share it (the same rule on the same node, said twice).
    pub fn fingerprint(&self, d: &Diagnostic) -> String {
        let key = match (&d.resource, &d.node_path) {
            (Some(r), Some(path)) => {
                format!("{}|{}|{}|{}|{}", d.rule, r.kind, r.namespace, r.name, path)
            }
            (Some(r), None) => format!(
                "{}|{}|{}|{}|{}",
                d.rule, r.kind, r.namespace, r.name, d.message
            ),
            _ => format!(
                "{}|{}|{}",
                d.rule,
                self.repo_path(d).as_annotation_path(),
                d.message
            ),
        };
        fnv1a(&key)
    }

    pub fn path(&self, d: &Diagnostic) -> &str {
        self.files
            .get(d.file as usize)
            .map_or("", |f| f.display.as_str())
    }
}

/// FNV-1a, 64 bits, as 16 hex digits: stable across runs, versions and platforms.
pub(crate) fn fnv1a(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
