//! Why a run cannot start or finish: one error type, printed once by `main` (exit code 2).
//! What the files hold never makes one: problems in them are findings.

use std::fmt;
use std::path::PathBuf;

use crate::codes;
use crate::config::ConfigError;
use crate::git::GitError;
use crate::walk::WalkError;

#[derive(Debug)]
pub enum Error {
    /// A glob (`--exclude`, `exclude:`, `per-file-ignores:`) that does not compile.
    BadGlob { glob: String, reason: String },
    /// A rule id that names no rule.
    UnknownRule(String),
    /// A path given that cannot be linted.
    Walk(WalkError),
    /// A config file that cannot be read, or says something invalid.
    Config(ConfigError),
    /// The git revision given to `flag` (`--base`, `--changed-since`) cannot be used.
    Revision {
        flag: &'static str,
        rev: String,
        source: GitError,
    },
    /// A baseline file (`--baseline`, `baseline:`) that cannot be read or is not one.
    Baseline { path: PathBuf, reason: String },
    /// A report that cannot be written.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// File descriptor 1 was closed: what goes to standard output would be lost.
    StdoutClosed,
    /// No cache directory is set (`canarylint clean`).
    NoCacheDir,
    /// The cache directory, or a file in it, that cannot be read or removed.
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// A report that cannot be written to standard output.
    pub fn stdout(source: std::io::Error) -> Error {
        Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadGlob { glob, reason } => write!(f, "invalid glob `{glob}`: {reason}"),
            Error::UnknownRule(r) => match codes::suggest(r) {
                Some(c) => write!(f, "unknown rule `{r}`; did you mean `{c}`?"),
                None => write!(f, "unknown rule `{r}`; `canarylint rules` lists them"),
            },
            Error::Walk(e) => write!(f, "{e}"),
            Error::Config(e) => write!(f, "{e}"),
            Error::Revision { flag, rev, source } => write!(f, "{flag} {rev}: {source}"),
            Error::Baseline { path, reason } => {
                write!(f, "baseline `{}`: {reason}", path.display())
            }
            Error::Write { path, source } => {
                write!(f, "cannot write `{}`: {source}", path.display())
            }
            Error::StdoutClosed => write!(
                f,
                "standard output is closed: the report would be lost (write it to a file with `--output FILE`)"
            ),
            Error::NoCacheDir => write!(
                f,
                "no cache directory: none of CANARYLINT_CACHE_DIR, XDG_CACHE_HOME and HOME is set to an absolute path"
            ),
            Error::Cache { path, source } => {
                write!(f, "cannot clean `{}`: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Revision { source, .. } => Some(source),
            Error::Write { source, .. } | Error::Cache { source, .. } => Some(source),
            Error::Walk(e) => e.source(),
            Error::Config(e) => e.source(),
            Error::BadGlob { .. }
            | Error::UnknownRule(_)
            | Error::Baseline { .. }
            | Error::StdoutClosed
            | Error::NoCacheDir => None,
        }
    }
}

impl From<WalkError> for Error {
    fn from(e: WalkError) -> Error {
        Error::Walk(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_failures_name_the_flag_the_revision_and_the_command() {
        let shallow = Error::Revision {
            flag: "--base",
            rev: "HEAD~1".into(),
            source: GitError::Shallow("HEAD~1".into()),
        };
        assert_eq!(
            shallow.to_string(),
            "--base HEAD~1: revision `HEAD~1` is not in this clone: the clone is shallow; fetch `HEAD~1` (e.g. `git fetch --deepen=50`, or `actions/checkout` with `fetch-depth: 0`)"
        );
        let blob = Error::Revision {
            flag: "--changed-since",
            rev: "main".into(),
            source: GitError::In {
                command: "git cat-file".into(),
                source: Box::new(GitError::MissingBlob {
                    blob: "abc".into(),
                    answer: "abc missing".into(),
                }),
            },
        };
        assert_eq!(
            blob.to_string(),
            "--changed-since main: git cat-file: cannot read blob abc: abc missing"
        );
        let source = std::error::Error::source(&blob).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("git cat-file: cannot read blob abc: abc missing")
        );
    }
}
