//! The little git this tool needs: the repository root, the files changed since a revision,
//! and the files of a commit. Runs the `git` command, as a hook or CI job already has it.
//!
//! The repository may be untrusted (a downloaded or shared clone), and its own
//! configuration (`.git/config`, `.git/info/attributes`) could make git run a program. Every
//! invocation goes through [`Repo::command`], which turns those programs off: the fsmonitor
//! hook (`core.fsmonitor`), hooks such as `post-index-change` that a worktree diff triggers
//! (`core.hooksPath`), clean, smudge and process filters (every configured
//! `filter.<driver>`), external diff and textconv drivers (`--no-ext-diff --no-textconv`),
//! and the pager. User-given revisions follow `--end-of-options`, and file lists are read
//! NUL-separated (`-z`), so that no name is quoted or split.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Why git could not tell what was asked.
#[derive(Debug)]
pub enum GitError {
    /// The `git` program could not be started.
    Spawn(std::io::Error),
    /// git failed; what it wrote on standard error.
    Failed(String),
    /// Reading git's answer failed.
    Read(std::io::Error),
    /// `git cat-file` was started without its pipes.
    NoPipes,
    /// A blob `git cat-file` did not give: its id, and what git answered instead.
    MissingBlob { blob: String, answer: String },
    /// No git work tree holds the path.
    NotARepository,
    /// The revision names no commit of this clone.
    UnknownRevision(String),
    /// The revision names no commit of this clone, which may not have fetched it.
    NotFetched(String),
    /// The revision is not in this clone, which is shallow.
    Shallow(String),
    /// The git command that failed (`git ls-tree`), and why.
    In {
        command: String,
        source: Box<GitError>,
    },
}

impl GitError {
    /// This failure, as the failure of `command`.
    fn within(self, command: impl Into<String>) -> GitError {
        GitError::In {
            command: command.into(),
            source: Box::new(self),
        }
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitError::Spawn(e) => write!(f, "cannot run git: {e}"),
            GitError::Failed(stderr) => f.write_str(stderr),
            GitError::Read(e) => write!(f, "{e}"),
            GitError::NoPipes => f.write_str("no pipes"),
            GitError::MissingBlob { blob, answer } => {
                write!(f, "cannot read blob {blob}: {answer}")
            }
            GitError::NotARepository => f.write_str("not inside a git repository"),
            GitError::UnknownRevision(rev) => write!(f, "unknown revision `{rev}`"),
            GitError::NotFetched(rev) => write!(
                f,
                "unknown revision `{rev}` (is it fetched? a shallow clone may lack it)"
            ),
            GitError::Shallow(rev) => write!(
                f,
                "revision `{rev}` is not in this clone: the clone is shallow; \
                 fetch `{rev}` (e.g. `git fetch --deepen=50`, or `actions/checkout` with `fetch-depth: 0`)"
            ),
            GitError::In { command, source } => write!(f, "{command}: {source}"),
        }
    }
}

impl std::error::Error for GitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GitError::Spawn(e) | GitError::Read(e) => Some(e),
            GitError::In { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// The root of the git work tree holding `path`, found by looking for `.git` upward.
pub(crate) fn root_of(path: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(path).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// Settings given to every git invocation, whatever the repository's configuration says.
/// `core.hooksPath` names a directory that cannot hold hooks.
const HARDENING: [&str; 6] = [
    "--no-pager",
    "--no-optional-locks",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
];

/// A git repository, with the configuration overrides that keep git from running programs.
pub(crate) struct Repo {
    root: PathBuf,
    /// `(key, value)` settings that switch off every configured filter driver.
    no_filters: Vec<(String, String)>,
}

impl Repo {
    /// The repository whose work tree is `root`. Reads which filter drivers its
    /// configuration defines (reading configuration runs nothing), to switch them off.
    pub(crate) fn open(root: &Path) -> Repo {
        let mut repo = Repo {
            root: root.to_path_buf(),
            no_filters: Vec::new(),
        };
        // Exit code 1: no filter is configured.
        let names = repo
            .output(&["config", "-z", "--name-only", "--get-regexp", r"^filter\."])
            .map(|o| o.stdout)
            .unwrap_or_default();
        let mut drivers: Vec<String> = split_z(&names)
            .filter_map(|key| {
                // `filter.<driver>.<variable>`; the driver name may itself hold dots.
                let key = String::from_utf8_lossy(key);
                let rest = key.strip_prefix("filter.")?;
                Some(rest.rsplit_once('.')?.0.to_string())
            })
            .collect();
        drivers.sort();
        drivers.dedup();
        for d in drivers {
            for (var, value) in [
                ("clean", ""),
                ("smudge", ""),
                ("process", ""),
                ("required", "false"),
            ] {
                repo.no_filters
                    .push((format!("filter.{d}.{var}"), value.to_string()));
            }
        }
        repo
    }

    /// A git command in this repository with the hardening settings. Filter overrides go
    /// through `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>` (git 2.31), after any the
    /// environment already holds: a driver name may contain `=`, which `-c` cannot express.
    pub(crate) fn command(&self) -> Command {
        let mut c = Command::new("git");
        c.args(HARDENING).arg("-C").arg(&self.root);
        if !self.no_filters.is_empty() {
            let first: usize = std::env::var("GIT_CONFIG_COUNT")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            for (i, (key, value)) in self.no_filters.iter().enumerate() {
                c.env(format!("GIT_CONFIG_KEY_{}", first + i), key);
                c.env(format!("GIT_CONFIG_VALUE_{}", first + i), value);
            }
            c.env(
                "GIT_CONFIG_COUNT",
                (first + self.no_filters.len()).to_string(),
            );
        }
        c
    }

    fn output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Output, GitError> {
        let out = self
            .command()
            .args(args)
            .output()
            .map_err(GitError::Spawn)?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(GitError::Failed(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ))
        }
    }

    fn text<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, GitError> {
        self.output(args)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// Paths from a NUL-separated (`-z`) git listing, byte for byte.
    fn paths<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Vec<PathBuf>, GitError> {
        let out = self.output(args)?;
        Ok(split_z(&out.stdout).map(path_from_bytes).collect())
    }

    /// Files changed between `rev` and HEAD (`git diff --name-only rev...HEAD`), plus
    /// uncommitted and untracked files that still exist, relative to the root.
    pub(crate) fn changed_since(&self, rev: &str) -> Result<Vec<PathBuf>, GitError> {
        if self.resolve_commit(rev)?.is_none() {
            return Err(GitError::NotFetched(rev.to_string()));
        }
        let range = format!("{rev}...HEAD");
        let diff = [
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=all",
            "--end-of-options",
        ];
        let committed: Vec<&str> = diff.iter().copied().chain([range.as_str()]).collect();
        let uncommitted: Vec<&str> = diff.iter().copied().chain(["HEAD", "--"]).collect();
        let untracked = ["ls-files", "-z", "--others", "--exclude-standard"];
        let mut names = Vec::new();
        for args in [&committed[..], &uncommitted[..], &untracked[..]] {
            names.extend(
                self.paths(args)
                    .map_err(|e| e.within(format!("git {}", args.join(" "))))?,
            );
        }
        names.sort();
        names.dedup();
        names.retain(|p| self.root.join(p).is_file());
        Ok(names)
    }

    /// The full sha of the commit `rev` names, resolved the way git does (`origin/main`,
    /// `HEAD~1`, a sha), or `None` when this clone does not have it.
    pub(crate) fn resolve_commit(&self, rev: &str) -> Result<Option<String>, GitError> {
        let out = self
            .command()
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .output()
            .map_err(GitError::Spawn)?;
        if !out.status.success() {
            return Ok(None);
        }
        let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((!sha.is_empty()).then_some(sha))
    }

    /// Whether the repository is a shallow clone (its history is cut off).
    pub(crate) fn is_shallow(&self) -> bool {
        self.text(&["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|s| s.trim() == "true")
    }

    /// The files of commit `sha` that `keep` accepts, as (path, blob id), from
    /// `git ls-tree -r -z`.
    pub(crate) fn files_at(
        &self,
        sha: &str,
        keep: impl Fn(&Path) -> bool,
    ) -> Result<Vec<(String, String)>, GitError> {
        let out = self
            .text(&[
                "ls-tree",
                "-r",
                "-z",
                "--full-tree",
                "--end-of-options",
                sha,
            ])
            .map_err(|e| e.within("git ls-tree"))?;
        Ok(out
            .split('\0')
            .filter_map(|rec| {
                // `<mode> SP <type> SP <object> TAB <path>`
                let (meta, path) = rec.split_once('\t')?;
                let mut parts = meta.split(' ');
                let (mode, kind, blob) = (parts.next()?, parts.next()?, parts.next()?);
                // A symlink is a blob too (mode 120000) that holds the link's target, not a
                // manifest.
                (kind == "blob" && mode != "120000" && keep(Path::new(path)))
                    .then(|| (path.to_string(), blob.to_string()))
            })
            .collect())
    }

    /// The contents of the given blobs, read in one `git cat-file --batch` process (which
    /// applies no filter or textconv without `--filters`/`--textconv`).
    pub(crate) fn read_blobs(&self, blobs: &[String]) -> Result<Vec<Vec<u8>>, GitError> {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::process::Stdio;

        let mut child = self
            .command()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(GitError::Spawn)?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(GitError::NoPipes.within("git cat-file"));
        };
        let input: String = blobs.iter().map(|b| format!("{b}\n")).collect();
        // Write from another thread: git answers while it reads, and both pipes are bounded.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut reader = BufReader::new(stdout);
        let mut out = Vec::with_capacity(blobs.len());
        for blob in blobs {
            let mut header = String::new();
            reader
                .read_line(&mut header)
                .map_err(|e| GitError::Read(e).within("git cat-file"))?;
            // `<object> SP <type> SP <size> LF <contents> LF`, or `<object> SP missing LF`.
            let size: usize = header
                .trim_end()
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    GitError::MissingBlob {
                        blob: blob.clone(),
                        answer: header.trim().to_string(),
                    }
                    .within("git cat-file")
                })?;
            let mut body = vec![0; size + 1];
            reader
                .read_exact(&mut body)
                .map_err(|e| GitError::Read(e).within("git cat-file"))?;
            body.pop();
            out.push(body);
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(out)
    }
}

/// Files changed between `rev` and HEAD, plus uncommitted and untracked files that still
/// exist, relative to `root` (see [`Repo::changed_since`]).
pub(crate) fn changed_since(root: &Path, rev: &str) -> Result<Vec<PathBuf>, GitError> {
    Repo::open(root).changed_since(rev)
}

/// The records of a `-z` listing.
fn split_z(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&b| b == 0).filter(|r| !r.is_empty())
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    // git writes paths as UTF-8 on other platforms.
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}
