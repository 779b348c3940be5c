//! The baseline of a change-aware run: the repository as it was at a git revision, loaded
//! into a second, read-only workspace that rules compare the current resources with.

use std::path::{Path, PathBuf};

use crate::git;
use crate::model::index::Index;
use crate::source::SourceFile;
use crate::walk;
use crate::workspace::{Workspace, WorkspaceOptions};

/// The old revision: its resources, and how messages name it.
pub struct Baseline {
    pub workspace: Workspace,
    /// The revision as given (`origin/main`, `HEAD~1`, a sha).
    pub rev: String,
    /// The commit's abbreviated sha.
    pub short: String,
}

impl Baseline {
    /// A baseline from in-memory files (display path, text), for tests and docs.
    pub fn from_texts(
        texts: &[(String, String)],
        rev: &str,
        short: &str,
        opts: &WorkspaceOptions,
    ) -> Baseline {
        Baseline {
            workspace: Workspace::from_texts(texts, opts),
            rev: rev.to_string(),
            short: short.to_string(),
        }
    }

    pub fn index(&self) -> &Index {
        &self.workspace.index
    }

    /// "since origin/main (a1b2c3d)", for messages.
    pub fn since(&self) -> String {
        if self.rev.starts_with(&self.short) {
            format!("since {}", self.short)
        } else {
            format!("since {} ({})", self.rev, self.short)
        }
    }
}

/// Loads every YAML file of the repository holding `start` as it was at `rev`. `flag`
/// names the option that asked for it, for errors. Never falls back: a missing git, an
/// unknown revision or a shallow clone without it are errors naming `rev`.
pub fn load(
    start: &Path,
    rev: &str,
    flag: &str,
    opts: &WorkspaceOptions,
) -> Result<Baseline, String> {
    let root =
        git::root_of(start).ok_or_else(|| format!("{flag} {rev}: not inside a git repository"))?;
    let sha = git::resolve_commit(&root, rev)
        .map_err(|e| format!("{flag} {rev}: {e}"))?
        .ok_or_else(|| {
            if git::is_shallow(&root) {
                format!(
                    "{flag} {rev}: revision `{rev}` is not in this clone: the clone is shallow; \
                     fetch `{rev}` (e.g. `git fetch --deepen=50`, or `actions/checkout` with `fetch-depth: 0`)"
                )
            } else {
                format!("{flag} {rev}: unknown revision `{rev}`")
            }
        })?;
    let files =
        git::files_at(&root, &sha, walk::is_yaml).map_err(|e| format!("{flag} {rev}: {e}"))?;
    let blobs: Vec<String> = files.iter().map(|(_, b)| b.clone()).collect();
    let texts = git::read_blobs(&root, &blobs).map_err(|e| format!("{flag} {rev}: {e}"))?;
    let sources = files
        .into_iter()
        .zip(texts)
        .map(|((path, _), bytes)| {
            // The path in the work tree, so that kustomization namespaces apply as they
            // do to the current files.
            let on_disk: PathBuf = root.join(&path);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            SourceFile::new(on_disk, format!("{rev}:{path}"), text.into())
        })
        .collect();
    Ok(Baseline {
        workspace: Workspace::from_sources(sources, opts),
        rev: rev.to_string(),
        short: sha.get(..7).unwrap_or(&sha).to_string(),
    })
}
