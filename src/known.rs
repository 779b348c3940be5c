//! Findings known before a run, so that only new ones count: those of the repository as it
//! was at a git revision (`--new-since REV`), or those a baseline file lists (`--baseline
//! FILE`, written by `--write-baseline FILE`).
//!
//! A finding is known by its stable fingerprint ([`Report::fingerprint`]: rule, resource
//! and YAML path), so a finding whose lines moved, whose file was reformatted or whose
//! resource moved to another file is still the old one. Fingerprints are counted as a
//! multiset: two identical old findings cover two current ones, a third is new.
//!
//! At a revision, the repository is linted with the run's settings, from git's object store
//! (nothing in the repository runs), over the same scope: the files under the directories
//! linted now, or the whole repository when files are named (their repository is indexed
//! around them), less the excluded paths.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::BaselineState;
use crate::error::Error;
use crate::history;
use crate::linter::{Linter, Outcome};
use crate::render::Report;
use crate::walk;
use crate::workspace::{Timings, Workspace};

/// The version of the baseline file's format, raised when a change would make an older
/// canarylint misread it.
const VERSION: u32 = 1;

/// The fingerprints of known findings, with how many findings have each.
pub(crate) struct Known {
    counts: HashMap<String, usize>,
}

impl Known {
    fn of<'a>(prints: impl IntoIterator<Item = &'a str>) -> Known {
        let mut counts = HashMap::new();
        for p in prints {
            *counts.entry(p.to_string()).or_insert(0) += 1;
        }
        Known { counts }
    }

    /// Marks each finding of `outcome` new or unchanged. Each known fingerprint covers as
    /// many findings as were known with it, the first ones in the report's order.
    pub(crate) fn mark(mut self, outcome: &mut Outcome) {
        let prints: Vec<String> = {
            let report = outcome.report();
            outcome
                .diagnostics
                .iter()
                .map(|d| report.fingerprint(d))
                .collect()
        };
        for (d, print) in outcome.diagnostics.iter_mut().zip(prints) {
            let covered = match self.counts.get_mut(&print) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            };
            d.baseline = Some(if covered {
                BaselineState::Unchanged
            } else {
                BaselineState::New
            });
        }
    }
}

/// The findings of the repository at `rev`, linted as `linter` lints the current files.
pub(crate) fn at_revision(linter: &Linter<'_>, rev: &str) -> Result<Known, Error> {
    let settings = linter.settings();
    let start = walk::first_path(&settings.targets.paths);
    let snapshot = history::read_at(start, rev).map_err(|source| Error::Revision {
        flag: "--new-since",
        rev: rev.to_string(),
        source,
    })?;
    let scope = scope(&settings.targets.paths, &snapshot.root);
    let excludes = &settings.targets.excludes;
    let texts: Vec<(String, String)> = snapshot
        .files
        .into_iter()
        .filter(|(path, _)| {
            let path = Path::new(path);
            let inside = scope
                .as_ref()
                .is_none_or(|dirs| dirs.iter().any(|d| path.starts_with(d)));
            inside && !walk::excluded(excludes, path, Path::new(""))
        })
        .collect();
    let mut workspace = Workspace::from_texts(&texts, &settings.workspace);
    workspace.root = Some(snapshot.root);
    let diagnostics = linter.check(&workspace);
    let outcome = Outcome::new(workspace, diagnostics, Timings::default());
    let report = outcome.report();
    let prints: Vec<String> = outcome
        .diagnostics
        .iter()
        .map(|d| report.fingerprint(d))
        .collect();
    Ok(Known::of(prints.iter().map(String::as_str)))
}

/// The directories, relative to the repository `root`, that a run over `paths` lints;
/// `None` for the whole repository (a file or standard input is linted with its whole
/// repository indexed).
fn scope(paths: &[PathBuf], root: &Path) -> Option<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            return None;
        }
        let Ok(abs) = std::fs::canonicalize(p) else {
            continue;
        };
        if !abs.is_dir() {
            return None;
        }
        if let Ok(rel) = abs.strip_prefix(root) {
            dirs.push(rel.to_path_buf());
        }
    }
    Some(dirs)
}

/// A baseline file: the format version, and one entry per finding, in a stable order (by
/// rule, resource and YAML path, so that moved lines do not reorder it).
#[derive(Serialize, Deserialize)]
struct File<'a> {
    version: u32,
    #[serde(borrow)]
    findings: Vec<Entry<'a>>,
}

/// One known finding. Only the fingerprint is read back; the rest is for review.
#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    #[serde(default, skip_deserializing)]
    rule: &'a str,
    /// `VirtualService shop/reviews`.
    #[serde(default, skip_deserializing)]
    resource: Option<String>,
    /// The node's YAML path in its resource.
    #[serde(default, skip_deserializing)]
    path: Option<&'a str>,
    /// The file, relative to the repository root, when the finding was written.
    #[serde(default, skip_deserializing)]
    file: String,
    #[serde(borrow)]
    fingerprint: std::borrow::Cow<'a, str>,
}

/// The baseline file of a run's findings (`--write-baseline`): every finding, unchanged or
/// new.
pub fn render(report: &Report<'_>) -> String {
    let mut findings: Vec<Entry<'_>> = report
        .diagnostics
        .iter()
        .map(|d| Entry {
            rule: d.rule.as_str(),
            resource: d
                .resource
                .as_ref()
                .map(|r| format!("{} {}/{}", r.kind.name(), r.namespace, r.name)),
            path: d.node_path.as_deref(),
            file: report.repo_path(d).as_annotation_path(),
            fingerprint: report.fingerprint(d).into(),
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.rule, &a.resource, a.path, &a.fingerprint, &a.file).cmp(&(
            b.rule,
            &b.resource,
            b.path,
            &b.fingerprint,
            &b.file,
        ))
    });
    let file = File {
        version: VERSION,
        findings,
    };
    let mut s = serde_json::to_string_pretty(&file).expect("a baseline serializes");
    s.push('\n');
    crate::render::escape::json(s)
}

/// The findings a baseline file lists.
pub(crate) fn read(path: &Path) -> Result<Known, Error> {
    let fail = |reason: String| Error::Baseline {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    #[derive(Deserialize)]
    struct Version {
        version: Option<u32>,
    }
    let not_a_baseline =
        |e: serde_json::Error| fail(format!("not a baseline written by `--write-baseline`: {e}"));
    let version: Version = serde_json::from_str(&text).map_err(not_a_baseline)?;
    match version.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(fail(format!(
                "format version {v} is not one this canarylint reads (version {VERSION})"
            )))
        }
        None => {
            return Err(fail(
                "no format `version`: not a baseline written by `--write-baseline`".into(),
            ))
        }
    }
    let file: File<'_> = serde_json::from_str(&text).map_err(not_a_baseline)?;
    Ok(Known::of(
        file.findings.iter().map(|e| e.fingerprint.as_ref()),
    ))
}
