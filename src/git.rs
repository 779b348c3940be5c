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

/// The full sha of the commit `rev` names, resolved the way git does (`origin/main`,
/// `HEAD~1`, a sha), or `None` when this clone does not have it.
pub fn resolve_commit(root: &Path, rev: &str) -> Result<Option<String>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((!sha.is_empty()).then_some(sha))
}

/// Whether the repository is a shallow clone (its history is cut off).
pub fn is_shallow(root: &Path) -> bool {
    git(root, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s.trim() == "true")
}

/// The files of commit `sha` that `keep` accepts, as (path, blob id), from
/// `git ls-tree -r -z`.
pub fn files_at(
    root: &Path,
    sha: &str,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<(String, String)>, String> {
    let out = git(root, &["ls-tree", "-r", "-z", "--full-tree", sha])
        .map_err(|e| format!("git ls-tree: {e}"))?;
    Ok(out
        .split('\0')
        .filter_map(|rec| {
            // `<mode> SP <type> SP <object> TAB <path>`
            let (meta, path) = rec.split_once('\t')?;
            let mut parts = meta.split(' ');
            let (_mode, kind, blob) = (parts.next()?, parts.next()?, parts.next()?);
            (kind == "blob" && keep(Path::new(path))).then(|| (path.to_string(), blob.to_string()))
        })
        .collect())
}

/// The contents of the given blobs, read in one `git cat-file --batch` process.
pub fn read_blobs(root: &Path, blobs: &[String]) -> Result<Vec<Vec<u8>>, String> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;

    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("git cat-file: no pipes".into());
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
            .map_err(|e| format!("git cat-file: {e}"))?;
        // `<object> SP <type> SP <size> LF <contents> LF`, or `<object> SP missing LF`.
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: cannot read blob {blob}: {}", header.trim()))?;
        let mut body = vec![0; size + 1];
        reader
            .read_exact(&mut body)
            .map_err(|e| format!("git cat-file: {e}"))?;
        body.pop();
        out.push(body);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}
