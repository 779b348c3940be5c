//! The little git this tool needs: the repository root, and the files changed since a
//! revision. Runs the `git` command, as a hook or CI job already has it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The root of the git work tree holding `path`, found by looking for `.git` upward.
pub fn root_of(path: &Path) -> Option<PathBuf> {
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

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Files changed between `rev` and HEAD (`git diff --name-only rev...HEAD`), plus
/// uncommitted and untracked files that still exist, relative to `root`.
pub fn changed_since(root: &Path, rev: &str) -> Result<Vec<PathBuf>, String> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!("unknown revision `{rev}` (is it fetched? a shallow clone may lack it)")
    })?;
    let mut names = Vec::new();
    for args in [
        vec![
            "diff",
            "--name-only",
            "--no-renames",
            &format!("{rev}...HEAD"),
        ],
        vec!["diff", "--name-only", "--no-renames", "HEAD"],
        vec!["ls-files", "--others", "--exclude-standard"],
    ] {
        let out = git(root, &args).map_err(|e| format!("git {}: {e}", args.join(" ")))?;
        names.extend(out.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
    }
    names.sort();
    names.dedup();
    names.retain(|p| root.join(p).is_file());
    Ok(names)
}
