//! Discover: the YAML files to lint, walked in parallel (honouring .gitignore, skipping
//! hidden directories), plus every file named explicitly.

use std::collections::HashSet;
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

/// The files a run reports on, when that is not every file it reads.
#[derive(Debug, Default)]
pub struct ReportScope {
    files: HashSet<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl ReportScope {
    /// Whether findings in the file at `path` are reported.
    pub fn contains(&self, path: &Path) -> bool {
        let Ok(abs) = std::fs::canonicalize(path) else {
            return false;
        };
        self.files.contains(&abs) || self.dirs.iter().any(|d| abs.starts_with(d))
    }
}

/// What to read and what to report on.
#[derive(Debug)]
pub struct Plan {
    pub targets: Vec<Target>,
    /// `None`: report on everything read.
    pub report: Option<ReportScope>,
}

/// `path` made absolute against `cwd`, with `.` and `..` folded away without touching the
/// file system.
fn lexical_absolute(cwd: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `root` as a path relative to the working directory when it is above or below it.
pub fn relative_to_cwd(root: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) else {
        return root.to_path_buf();
    };
    if let Ok(below) = root.strip_prefix(&cwd) {
        return if below.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            below.to_path_buf()
        };
    }
    if let Ok(above) = cwd.strip_prefix(root) {
        return above.components().map(|_| "..").collect();
    }
    root.to_path_buf()
}

/// Plans a run. Given only directories (or `-`), everything found is read and reported.
/// Given files, the whole git repository around them is read, so that cross-resource rules
/// see every resource, and only the files given (and the directories given) are reported;
/// outside a git repository only what was given is read. With `force_exclude`, excludes
/// apply to the files given too.
pub fn plan(paths: &[PathBuf], excludes: &GlobSet, force_exclude: bool) -> Result<Plan, WalkError> {
    let explicit: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && !p.is_dir())
        .collect();
    let mut given = discover(paths, excludes)?;
    if force_exclude {
        given.retain(|t| !t.explicit || !excluded(excludes, &t.path, Path::new(".")));
    }
    let Some(first) = explicit.first() else {
        return Ok(Plan {
            targets: given,
            report: None,
        });
    };
    let Some(root) = crate::git::root_of(first) else {
        return Ok(Plan {
            targets: given,
            report: None,
        });
    };
    let mut scope = ReportScope::default();
    for t in &given {
        if t.explicit {
            if let Ok(abs) = std::fs::canonicalize(&t.path) {
                scope.files.insert(abs);
            }
        }
    }
    for p in paths.iter().filter(|p| p.is_dir()) {
        if let Ok(abs) = std::fs::canonicalize(p) {
            scope.dirs.push(abs);
        }
    }
    // Read the whole repository; what was given keeps the path it was given as. Paths are
    // compared lexically: resolving each of tens of thousands of files costs more than
    // the lint.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut seen: HashSet<PathBuf> = given
        .iter()
        .map(|t| lexical_absolute(&cwd, &t.path))
        .collect();
    let mut targets = given;
    for t in discover(&[relative_to_cwd(&root)], excludes)? {
        if seen.insert(lexical_absolute(&cwd, &t.path)) {
            targets.push(t);
        }
    }
    targets.sort();
    Ok(Plan {
        targets,
        report: Some(scope),
    })
}
