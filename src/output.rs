//! Where a run's reports go: standard output, or files replaced whole.
//!
//! An `--output` file is written to a new file in the same directory (created exclusively)
//! and renamed over the destination, so a reader never sees half a report, and a symbolic
//! link at the destination (say one committed in the repository being linted) is replaced,
//! never followed. When a run cannot start (exit code 2), no earlier report survives to be
//! taken for this run's: a SARIF file is replaced by a log of the failed run, the other
//! formats' files are removed.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::Format;
use crate::render;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Records that file descriptor 1 was closed when the process started (`main` checks it
/// before Rust's runtime opens `/dev/null` in its place).
pub fn mark_stdout_closed() {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
}

/// Whether standard output was closed when the process started: what is written to it is
/// lost.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Writes `text` to standard output. `Ok(false)` when the reader has gone (a broken pipe,
/// as with `| head`): the caller ends quietly, as ripgrep does (`crates/core/main.rs`).
pub fn write_stdout(text: &str) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `path` names a stream the system provides (`/dev/stdout`, `/dev/fd/3`,
/// `/proc/self/fd/1`): written through, as nothing in a repository can create one there.
fn system_stream(path: &Path) -> bool {
    cfg!(unix) && (path.starts_with("/dev") || path.starts_with("/proc"))
}

/// Replaces the file at `path` with `bytes`, through a new file in the same directory
/// renamed over it. A symbolic link at `path` is replaced, not followed; a FIFO or device
/// (which git cannot create) and the system's streams are written to directly.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if m.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        let stream = if m.is_symlink() {
            system_stream(path)
        } else {
            !m.is_file()
        };
        if stream {
            // Appending: `--output /dev/stdout >> log` keeps what the log held.
            return std::fs::OpenOptions::new()
                .append(true)
                .open(path)?
                .write_all(bytes);
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (tmp, mut file) = create_temp(dir)?;
    let written = file.write_all(bytes);
    drop(file);
    let written = written.and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A new file in `dir`, created exclusively (`O_EXCL`: never an existing file or link).
fn create_temp(dir: &Path) -> io::Result<(std::path::PathBuf, std::fs::File)> {
    let pid = std::process::id();
    let mut attempt = 0u32;
    loop {
        let tmp = dir.join(format!(".canarylint-{pid}-{attempt}.tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Removes what `path` names if it is a file or a symbolic link (the link itself): a
/// report that this run did not write.
fn remove_stale(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() || (m.is_symlink() && !system_stream(path)) => {
            std::fs::remove_file(path)
        }
        _ => Ok(()),
    }
}

/// After a run that could not start (`error`), makes sure no `--output` file holds an older
/// report: a SARIF file becomes a log of the failed run (`executionSuccessful: false`,
/// the error as a tool notification, no results), so that code scanning shows the failure;
/// the other formats' files are removed. Best effort: the run already fails.
pub fn discard(outputs: &[(Format, Option<std::path::PathBuf>)], error: &str) {
    for (format, path) in outputs {
        let Some(path) = path else { continue };
        let replaced = *format == Format::Sarif
            && replace_file(path, render::sarif::render_error(error).as_bytes()).is_ok();
        if !replaced {
            let _ = remove_stale(path);
        }
    }
}
