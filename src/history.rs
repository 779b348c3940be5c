//! The baseline of a change-aware run: the repository as it was at a git revision, loaded
//! into a second, read-only workspace that rules compare the current resources with.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::git::{self, GitError};
use crate::model::index::Index;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::source::SourceFile;
use crate::walk;
use crate::workspace::{Workspace, WorkspaceOptions};

/// The old revision: its resources, and how messages name it.
pub struct Baseline {
    pub(crate) workspace: Workspace,
    /// The revision as given (`origin/main`, `HEAD~1`, a sha).
    pub(crate) rev: String,
    /// The commit's abbreviated sha.
    pub(crate) short: String,
    /// Each old file's path in the repository, by file id.
    paths: Vec<String>,
    /// Old resources by (kind, namespace, name), in index order.
    by_name: HashMap<(Kind, String, String), Vec<usize>>,
}

impl Baseline {
    /// A baseline from in-memory files (repository path, text), for tests and docs.
    pub fn from_texts(
        texts: &[(String, String)],
        rev: &str,
        short: &str,
        opts: &WorkspaceOptions,
    ) -> Baseline {
        let sources = texts
            .iter()
            .map(|(path, text)| {
                SourceFile::new(
                    PathBuf::from(path),
                    format!("{rev}:{path}"),
                    text.as_str().into(),
                )
            })
            .collect();
        Self::new(Workspace::from_sources(sources, opts), rev, short)
    }

    fn new(workspace: Workspace, rev: &str, short: &str) -> Baseline {
        let prefix = format!("{rev}:");
        let paths = workspace
            .files
            .iter()
            .map(|f| {
                let d = f.display.as_str();
                d.strip_prefix(&prefix).unwrap_or(d).to_string()
            })
            .collect();
        let mut by_name: HashMap<(Kind, String, String), Vec<usize>> = HashMap::new();
        for (i, r) in workspace.index.resources.iter().enumerate() {
            by_name
                .entry((r.kind, r.namespace.clone(), r.name.clone()))
                .or_default()
                .push(i);
        }
        Baseline {
            workspace,
            rev: rev.to_string(),
            short: short.to_string(),
            paths,
            by_name,
        }
    }

    /// The resource `res` (of the current run, loaded from `file`) was at the base
    /// revision: the one of the same kind, namespace and name, wherever its file is now.
    /// When several share that identity (variants of one manifest), only the one at the
    /// same path counts, so that variants are never compared with each other.
    /// `unique_now` says whether `res` is the only current resource with its identity.
    pub(crate) fn counterpart(
        &self,
        res: &Resource,
        file: Option<&SourceFile>,
        unique_now: bool,
    ) -> Option<&Resource> {
        let key = (res.kind, res.namespace.clone(), res.name.clone());
        let found = self.by_name.get(&key)?;
        let at = |i: &usize| self.workspace.index.resources.get(*i);
        if let [only] = found.as_slice() {
            if unique_now {
                return at(only);
            }
        }
        // The current file's path in the repository, settled when it was planned.
        let path = file?.place.repo_path()?;
        found
            .iter()
            .filter_map(at)
            .find(|r| self.paths.get(r.file as usize) == Some(&path))
    }

    /// Whether the base revision has any resource of this identity.
    pub(crate) fn has(&self, res: &Resource) -> bool {
        self.by_name
            .contains_key(&(res.kind, res.namespace.clone(), res.name.clone()))
    }

    pub(crate) fn index(&self) -> &Index {
        &self.workspace.index
    }

    /// "since origin/main (a1b2c3d)", for messages.
    pub(crate) fn since(&self) -> String {
        if self.rev.starts_with(&self.short) {
            format!("since {}", self.short)
        } else {
            format!("since {} ({})", self.rev, self.short)
        }
    }
}

/// The YAML files of a repository as they were at a revision.
pub(crate) struct Snapshot {
    /// The root of the work tree.
    pub(crate) root: PathBuf,
    /// The commit's abbreviated sha.
    pub(crate) short: String,
    /// Each file's path in the repository, and its text.
    pub(crate) files: Vec<(String, String)>,
}

/// Reads every YAML file of the repository holding `start` as it was at `rev`, from git's
/// object store (nothing of the repository runs). Never falls back: a missing git, an
/// unknown revision or a shallow clone without it are errors.
pub(crate) fn read_at(start: &Path, rev: &str) -> Result<Snapshot, GitError> {
    let root = git::root_of(start).ok_or(GitError::NotARepository)?;
    let repo = git::Repo::open(&root);
    let sha = repo.resolve_commit(rev)?.ok_or_else(|| {
        if repo.is_shallow() {
            GitError::Shallow(rev.to_string())
        } else {
            GitError::UnknownRevision(rev.to_string())
        }
    })?;
    let files = repo.files_at(&sha, walk::is_yaml)?;
    let blobs: Vec<String> = files.iter().map(|(_, b)| b.clone()).collect();
    let texts = repo.read_blobs(&blobs)?;
    let files = files
        .into_iter()
        .zip(texts)
        .map(|((path, _), bytes)| (path, String::from_utf8_lossy(&bytes).into_owned()))
        .collect();
    let short = sha.get(..7).unwrap_or(&sha).to_string();
    Ok(Snapshot { root, short, files })
}

/// Loads every YAML file of the repository holding `start` as it was at `rev` (see
/// [`read_at`]).
pub(crate) fn load(start: &Path, rev: &str, opts: &WorkspaceOptions) -> Result<Baseline, GitError> {
    let snapshot = read_at(start, rev)?;
    let sources = snapshot
        .files
        .into_iter()
        .map(|(path, text)| {
            // The path in the work tree, so that kustomization namespaces apply as they
            // do to the current files.
            let on_disk: PathBuf = snapshot.root.join(&path);
            SourceFile::new(on_disk, format!("{rev}:{path}"), text.into())
        })
        .collect();
    Ok(Baseline::new(
        Workspace::from_sources(sources, opts),
        rev,
        &snapshot.short,
    ))
}
