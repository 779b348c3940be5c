//! Where paths really are, every symlink resolved, with one file-system call a path.
//!
//! `std::fs::canonicalize` asks the kernel to read every component as a link (a `readlink`
//! per component, ten or more for a file deep in a repository). A path whose last
//! component is not a link is where its directory really is, joined with its name; the
//! directories are resolved once each and kept.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::hash::HashMap;

/// Directories resolved, by their path as asked.
#[derive(Default)]
pub(crate) struct Canonical {
    dirs: Mutex<HashMap<OsString, Option<PathBuf>>>,
}

impl Canonical {
    /// The path `path` really leads to, as `std::fs::canonicalize` gives it; `None` when it
    /// does not exist. Directories on the way are kept.
    pub(crate) fn file(&self, path: &Path) -> Option<PathBuf> {
        match split(path) {
            Some((dir, name)) => {
                let meta = std::fs::symlink_metadata(path).ok()?;
                if meta.is_symlink() {
                    return std::fs::canonicalize(path).ok();
                }
                Some(self.dir(dir)?.join(name))
            }
            None => std::fs::canonicalize(path).ok(),
        }
    }

    /// [`Canonical::file`] for a directory, kept for the next path in it.
    pub(crate) fn dir(&self, dir: &Path) -> Option<PathBuf> {
        crate::hash::memo(&self.dirs, dir.as_os_str(), || self.file(dir))
    }
}

/// The directory of `path` and its last name, when resolving the directory and joining the
/// name is the same as resolving the path: a plain last name, no `..` anywhere (a `..`
/// after a link goes up from where the link leads).
fn split(path: &Path) -> Option<(&Path, &std::ffi::OsStr)> {
    if path.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    let name = match path.components().next_back()? {
        Component::Normal(name) => name,
        _ => return None,
    };
    let dir = path.parent()?;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    Some((dir, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_as_the_standard_library_does() {
        let root = std::env::temp_dir().join(format!("canarylint-canon-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let root = root.as_path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("a/b/f.yaml"), "x").unwrap();
        std::fs::write(root.join("real/g.yaml"), "x").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("real"), root.join("a/link")).unwrap();
            std::os::unix::fs::symlink(root.join("a/b/f.yaml"), root.join("a/file-link.yaml"))
                .unwrap();
        }
        let c = Canonical::default();
        let mut asked = vec![
            "a/b/f.yaml",
            "a/b",
            "a/b/missing.yaml",
            "a/./b/f.yaml",
            "a/b/../b/f.yaml",
            "real/g.yaml",
        ];
        if cfg!(unix) {
            asked.extend(["a/link/g.yaml", "a/file-link.yaml", "a/link/../b/f.yaml"]);
        }
        for rel in asked {
            let p = root.join(rel);
            // Twice: the second answer comes from the kept directories.
            for _ in 0..2 {
                assert_eq!(c.file(&p), std::fs::canonicalize(&p).ok(), "{rel}");
            }
        }
        std::fs::remove_dir_all(root).unwrap();
    }
}
