//! `canarylint clean`: removes the caches runs keep (see [`super::default_dir`]), and
//! nothing else of the directory they are in, which may be shared with other programs.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// What `clean` found to remove, or removed.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// The directory.
    pub dir: PathBuf,
    /// The cache files, in name order.
    pub files: Vec<PathBuf>,
    /// Their size together, in bytes.
    pub bytes: u64,
}

impl Cleaned {
    /// What a run says of it: "removed 12 cache files (3.4 MB) from DIR", or "would
    /// remove" after `--dry-run` (each file listed before), or that there is none. Paths
    /// are escaped for a terminal.
    pub fn summary(&self, dry_run: bool) -> String {
        let shown =
            |p: &Path| crate::render::escape::display(&p.display().to_string()).into_owned();
        let dir = shown(&self.dir);
        if self.files.is_empty() {
            return format!("no cache files in {dir}\n");
        }
        let mut out = String::new();
        if dry_run {
            for f in &self.files {
                out.push_str(&format!("{}\n", shown(f)));
            }
        }
        let n = self.files.len();
        let files = if n == 1 { "file" } else { "files" };
        let verb = if dry_run { "would remove" } else { "removed" };
        let size = match self.bytes {
            b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1_048_576.0),
            b => format!("{} KB", b.div_ceil(1024)),
        };
        out.push_str(&format!("{verb} {n} cache {files} ({size}) from {dir}\n"));
        out
    }
}

/// Removes the cache files of the cache directory (see [`super::default_dir`]); with
/// `dry_run`, only finds them. A cache file is a regular file named as runs name them
/// (`load-` or `render-`, sixteen hex digits, and a draft's `.tmpPID-N`, see
/// `temporary`) that starts with a
/// cache's header (a draft may be empty): a link, a directory or another program's file
/// of such a name is left as it is. A directory that does not exist holds none.
pub fn clean(dry_run: bool) -> Result<Cleaned, Error> {
    let dir = super::default_dir().ok_or(Error::NoCacheDir)?;
    let mut out = Cleaned {
        dir: dir.clone(),
        ..Cleaned::default()
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => return Err(Error::Cache { path: dir, source }),
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::Cache {
            path: dir.clone(),
            source,
        })?;
        let path = entry.path();
        let Some(draft) = entry.file_name().to_str().and_then(cache_name) else {
            continue;
        };
        // Not followed: the entry itself.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || !(starts_as_cache(&path) || draft && meta.len() == 0) {
            continue;
        }
        out.bytes += meta.len();
        out.files.push(path);
    }
    out.files.sort();
    if !dry_run {
        for f in &out.files {
            match std::fs::remove_file(f) {
                Ok(()) => {}
                // Removed meanwhile (a run replacing its cache): gone either way.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(Error::Cache {
                        path: f.clone(),
                        source,
                    })
                }
            }
        }
    }
    Ok(out)
}

/// Whether `name` is that of a cache file (`load-` or `render-` and sixteen lowercase hex
/// digits), and then whether of a draft (`.tmpPID-N` after it).
fn cache_name(name: &str) -> Option<bool> {
    let rest = name
        .strip_prefix(super::LOAD_FILE)
        .or_else(|| name.strip_prefix(super::RENDER_FILE))?;
    let (hash, draft) = match rest.split_once('.') {
        Some((hash, suffix)) => {
            let (pid, n) = suffix.strip_prefix("tmp")?.split_once('-')?;
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            (digits(pid) && digits(n)).then_some((hash, true))?
        }
        None => (rest, false),
    };
    let hex = hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then_some(draft)
}

/// Whether the file at `path` starts as a cache file of any version does: with either
/// cache's magic, up to its version.
fn starts_as_cache(path: &Path) -> bool {
    use std::io::Read;
    let unversioned = |magic: &'static [u8]| {
        let space = magic.iter().rposition(|&b| b == b' ').unwrap_or(0);
        &magic[..space + 1]
    };
    let prefixes = [
        unversioned(super::MAGIC),
        unversioned(super::renders::MAGIC),
    ];
    let longest = prefixes.iter().map(|p| p.len()).max().unwrap_or(0);
    let mut head = Vec::with_capacity(longest);
    let read =
        std::fs::File::open(path).and_then(|f| f.take(longest as u64).read_to_end(&mut head));
    read.is_ok() && prefixes.iter().any(|p| head.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_told_from_others() {
        assert_eq!(cache_name("load-0123456789abcdef"), Some(false));
        assert_eq!(cache_name("render-0123456789abcdef"), Some(false));
        assert_eq!(cache_name("load-0123456789abcdef.tmp412-3"), Some(true));
        for other in [
            "load-0123456789ABCDEF",
            "load-0123456789abcde",
            "load-0123456789abcdef0",
            "load-0123456789abcdef.tmp",
            "load-0123456789abcdef.tmp1-",
            "load-0123456789abcdef.bak",
            "loads-0123456789abcdef",
            "notes.txt",
        ] {
            assert_eq!(cache_name(other), None, "{other}");
        }
    }
}
