//! Discover: the YAML files to lint, walked in parallel (honouring .gitignore, skipping
//! hidden directories), plus every file named explicitly.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};

/// How standard input (the path `-`) is shown.
pub const STDIN: &str = "<stdin>";

/// A file to lint, with the path to show for it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub display: String,
    pub path: PathBuf,
    /// Named on the command line (not found by walking).
    pub explicit: bool,
}

#[derive(Debug)]
pub enum WalkError {
    NotFound(String),
    Unreadable(String, String),
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::NotFound(p) => write!(f, "`{p}`: no such file or directory"),
            WalkError::Unreadable(p, e) => write!(f, "`{p}`: cannot read it: {e}"),
        }
    }
}

pub fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "YAML" | "YML")
    )
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Whether an exclude glob matches the path, relative to the walked root or as displayed,
/// or the file name alone.
pub fn excluded(excludes: &GlobSet, path: &Path, root: &Path) -> bool {
    if excludes.is_empty() {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    excludes.is_match(rel)
        || excludes.is_match(display(path))
        || path.file_name().is_some_and(|n| excludes.is_match(n))
}

/// Every file to lint, sorted by displayed path. Explicit files are always linted; a path
/// that does not exist is an error.
pub fn discover(paths: &[PathBuf], excludes: &GlobSet) -> Result<Vec<Target>, WalkError> {
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Target {
                display: STDIN.into(),
                path: p.clone(),
                explicit: true,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|_| WalkError::NotFound(display(p)))?;
        if meta.is_dir() {
            dirs.push(p.clone());
        } else {
            std::fs::File::open(p).map_err(|e| WalkError::Unreadable(display(p), e.to_string()))?;
            out.push(Target {
                display: display(p),
                path: p.clone(),
                explicit: true,
            });
        }
    }
    for dir in dirs {
        let found = Mutex::new(Vec::new());
        WalkBuilder::new(&dir).build_parallel().run(|| {
            let found = &found;
            let dir = &dir;
            Box::new(move |entry| {
                let Ok(entry) = entry else {
                    return WalkState::Continue;
                };
                let path = entry.path();
                if entry.depth() > 0 && excluded(excludes, path, dir) {
                    return WalkState::Skip;
                }
                if entry.file_type().is_some_and(|t| t.is_file()) && is_yaml(path) {
                    let t = Target {
                        display: display(path),
                        path: path.to_path_buf(),
                        explicit: false,
                    };
                    found.lock().expect("walk results").push(t);
                }
                WalkState::Continue
            })
        });
        out.extend(found.into_inner().expect("walk results"));
    }
    out.sort();
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}
