//! Discover: the YAML files to lint, walked in parallel (honouring .gitignore, skipping
//! hidden directories), plus every file named explicitly.

use crate::hash::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};
use rayon::prelude::*;

use crate::error::Error;
use crate::git::GitError;
use crate::source::Place;

/// How standard input (the path `-`) is shown.
pub(crate) const STDIN: &str = "<stdin>";

/// A file to lint, with the path to show for it and its place in the repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub(crate) display: String,
    pub(crate) path: PathBuf,
    /// Named on the command line (not found by walking).
    pub(crate) explicit: bool,
    /// Why the file is not read, when discovery already knows: the loader turns it into a
    /// note at the file, so that nothing is skipped without a word.
    pub(crate) skip: Option<Skip>,
    /// Where the file is: placed against the repository root when planned (see [`plan`]);
    /// its resolved path when only discovered (see [`discover`]).
    pub(crate) place: Place,
    /// Whether its findings are reported (see [`plan`]).
    pub(crate) reported: bool,
}

impl Target {
    fn new(path: &Path, explicit: bool, skip: Option<Skip>) -> Target {
        Target {
            display: display(path),
            path: path.to_path_buf(),
            explicit,
            skip,
            place: Place::Unresolved,
            reported: true,
        }
    }

    /// The target with its place resolved from its own path (one file-system call) and
    /// settled against `root`.
    fn placed(mut self, root: Option<&Path>) -> Target {
        self.place = resolve(&self.path).settle(root);
        self
    }
}

/// Where `path` really is, every symlink resolved.
fn resolve(path: &Path) -> Place {
    std::fs::canonicalize(path).map_or(Place::Unresolved, Place::Outside)
}

/// Why discovery leaves a file unread.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Skip {
    /// A FIFO, a device or a socket: reading one may block forever or never end.
    NotRegular(&'static str),
    /// A symlink that leads back to itself.
    SymlinkLoop,
    /// A path through more symlinks than the system follows in one lookup (40 on Linux),
    /// each of which leads somewhere: a long chain of directory links.
    TooManyLinks,
    /// A symlink whose target does not exist.
    BrokenSymlink(PathBuf),
    /// A symlink that leads out of the repository, to this target. A pull request could
    /// otherwise make the linter print lines of any file of the machine that lints it.
    OutsideRepository(PathBuf),
    /// A directory or file the walk could not read.
    Unreadable(String),
    /// A template by its name (`x.j2.yaml`, `x.gotmpl`), of this engine.
    Template(&'static str),
}

/// What the walk found: the files to lint, and how many paths the excludes removed.
#[derive(Debug, Default)]
pub struct Discovery {
    pub targets: Vec<Target>,
    /// Files and directories skipped by `exclude` globs (a directory counts once).
    pub(crate) excluded: usize,
    /// What the walk saw of the directories it listed.
    pub(crate) listed: Listed,
}

/// What the walk saw of each directory it listed, which later phases would otherwise ask
/// the disk, a few calls for each of thousands of directories: the kustomization file it
/// holds, and whether it holds a `.git`. A file the walk ignores (`.gitignore`) is not
/// seen, as in a fresh clone of the repository. Directories by their clean path as walked.
#[derive(Debug, Default)]
pub(crate) struct Listed {
    dirs: crate::hash::HashMap<std::ffi::OsString, Seen>,
    /// Each walked directory's resolved path, and its clean path as walked: a resolved
    /// path below one is asked as the walk saw it.
    roots: Vec<(PathBuf, PathBuf)>,
    /// The symlinks the walks followed, by their clean path as walked.
    linked: Links,
}

/// The symlinks a walk followed, to tell whether a path was reached through one. Each of
/// the path's ancestors is looked up, so a question costs the path's depth, not the number
/// of links: a repository may hold thousands, and every file is asked about.
#[derive(Debug, Default)]
pub(crate) struct Links(crate::hash::HashSet<std::ffi::OsString>);

impl Links {
    fn add(&mut self, link: PathBuf) {
        self.0.insert(link.into_os_string());
    }

    fn extend(&mut self, other: Links) {
        self.0.extend(other.0);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `path` is one of the links or lies below one, as [`Path::starts_with`]
    /// tells it of paths spelled as the links are (both from one walk's joins, or both
    /// lexically clean): a path and the links it lies below share their bytes up to the
    /// link's end.
    fn holds(&self, path: &Path) -> bool {
        !self.0.is_empty() && path.ancestors().any(|a| self.0.contains(a.as_os_str()))
    }
}

/// What the walk saw in one directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Which of the kustomization file names it holds: the first in kustomize's order.
    pub(crate) kustomization: Option<u8>,
    /// Each of the kustomization file names it holds as a file: bit `i` for
    /// [`crate::kustomize::KUSTOMIZATION_NAMES`]`[i]`.
    pub(crate) kustomization_files: u8,
    /// A `.git` entry: `Some(true)` a directory, `Some(false)` a file (a worktree's).
    pub(crate) git: Option<bool>,
}

impl Listed {
    /// What the walk saw in `dir` (a clean path), when it listed it.
    pub(crate) fn get(&self, dir: &Path) -> Option<Seen> {
        if let Some(seen) = self.dirs.get(dir.as_os_str()) {
            return Some(*seen);
        }
        if !dir.is_absolute() {
            return None;
        }
        self.roots.iter().find_map(|(resolved, walked)| {
            let below = dir.strip_prefix(resolved).ok()?;
            let key = crate::kustomize::clean(&walked.join(below));
            self.dirs.get(key.as_os_str()).copied()
        })
    }

    /// Where a directory the walk listed really is, every symlink resolved, without asking
    /// the disk: below a walked directory, and reached through no link the walks followed,
    /// it is where its path below that directory leads from the directory's resolved path.
    /// `None` for any other directory (ask the disk).
    pub(crate) fn resolved(&self, dir: &Path) -> Option<PathBuf> {
        let key = crate::kustomize::clean(dir);
        if !self.dirs.contains_key(key.as_os_str()) || self.linked.holds(&key) {
            return None;
        }
        self.roots.iter().find_map(|(resolved, walked)| {
            if key == *walked {
                return Some(resolved.clone());
            }
            let below = if walked.as_os_str() == "." {
                &key
            } else {
                key.strip_prefix(walked).ok()?
            };
            below
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
                .then(|| resolved.join(below))
        })
    }

    fn merge(&mut self, other: Listed) {
        self.roots.extend(other.roots);
        self.linked.extend(other.linked);
        if self.dirs.is_empty() {
            self.dirs = other.dirs;
            return;
        }
        for (dir, seen) in other.dirs {
            let mine = self.dirs.entry(dir).or_default();
            mine.kustomization = match (mine.kustomization, seen.kustomization) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            mine.kustomization_files |= seen.kustomization_files;
            mine.git = mine.git.or(seen.git);
        }
    }
}

/// Records what the parallel walk sees, directory by directory.
#[derive(Default)]
struct Seeing(Mutex<crate::hash::HashMap<std::ffi::OsString, Seen>>);

impl Seeing {
    fn with(&self, dir: &Path, f: impl FnOnce(&mut Seen)) {
        let key = crate::kustomize::clean(dir).into_os_string();
        f(self.0.lock().expect("walk results").entry(key).or_default());
    }

    /// A directory the walk lists.
    fn dir(&self, dir: &Path) {
        self.with(dir, |_| {});
    }

    /// A file the walk found, or a version-control entry it does not walk into.
    fn entry(&self, path: &Path, is_dir: bool) {
        // Told by the name's bytes, without parsing the path's components: most names are
        // none of these.
        let name = last_name(path);
        let kustomization = crate::kustomize::KUSTOMIZATION_NAMES
            .iter()
            .position(|n| name == n.as_bytes())
            .filter(|_| !is_dir);
        if name != b".git" && kustomization.is_none() {
            return;
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if name == b".git" {
            self.with(parent, |s| s.git = Some(is_dir));
        } else if let Some(i) = kustomization {
            let i = i as u8;
            self.with(parent, |s| {
                s.kustomization = Some(s.kustomization.map_or(i, |k| k.min(i)));
                s.kustomization_files |= 1 << i;
            });
        }
    }
}

#[derive(Debug)]
pub enum WalkError {
    NotFound(String),
    SymlinkLoop(String),
    BrokenSymlink(String, String),
    Unreadable(String, String),
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::NotFound(p) => write!(f, "`{p}`: no such file or directory"),
            WalkError::SymlinkLoop(p) => write!(f, "`{p}`: symlink loop"),
            WalkError::BrokenSymlink(p, t) => {
                write!(f, "`{p}`: broken symlink (its target `{t}` does not exist)")
            }
            WalkError::Unreadable(p, e) => write!(f, "`{p}`: cannot read it: {e}"),
        }
    }
}

impl std::error::Error for WalkError {}

/// A name with a YAML extension, in any case (`x.yaml`, `z.Yaml`, `X.YML`).
pub fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The template engine a file's name announces: `x.j2.yaml`, `x.ftl.yaml`, `x.tpl.yaml`
/// (a template that renders to YAML), or `x.gotmpl` (helmfile's Go templates).
pub(crate) fn template_engine(path: &Path) -> Option<&'static str> {
    engine_of_name(path.file_name()?.as_encoded_bytes())
}

/// [`template_engine`] of a file name, told by its bytes: the walk asks it of every file.
fn engine_of_name(name: &[u8]) -> Option<&'static str> {
    const ENGINES: &[(&str, &str)] = &[
        ("j2", "Jinja"),
        ("jinja", "Jinja"),
        ("jinja2", "Jinja"),
        ("ftl", "FreeMarker"),
        ("tpl", "Go"),
        ("tmpl", "Go"),
        ("gotmpl", "Go"),
    ];
    // The extensions follow the first dot: the last one, and the one before it where the
    // name has a third part (else that part is the name's stem).
    let last_dot = memchr::memrchr(b'.', name)?;
    let (head, last) = (&name[..last_dot], &name[last_dot + 1..]);
    let engine = if last.eq_ignore_ascii_case(b"gotmpl") {
        "Go"
    } else if yaml_name(name) {
        let before = &head[memchr::memrchr(b'.', head)? + 1..];
        ENGINES
            .iter()
            .find(|(e, _)| before.eq_ignore_ascii_case(e.as_bytes()))
            .map(|(_, engine)| *engine)?
    } else {
        return None;
    };
    // A name that is not UTF-8 announces none.
    std::str::from_utf8(name).ok().map(|_| engine)
}

/// [`is_yaml`] of a file name, told by its bytes: its extension follows its last dot, when
/// that is not its first byte (`.yaml` has none).
fn yaml_name(name: &[u8]) -> bool {
    memchr::memrchr(b'.', name)
        .filter(|&dot| dot > 0)
        .map(|dot| &name[dot + 1..])
        .is_some_and(|e| e.eq_ignore_ascii_case(b"yaml") || e.eq_ignore_ascii_case(b"yml"))
}

/// The last name of a path, as bytes: what follows its last separator (a walked path's
/// file or directory name; a clean relative path's `..` where it is a chain of them).
pub(crate) fn last_name(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    &bytes[last_separator(bytes).map_or(0, |i| i + 1)..]
}

/// Where the last separator of a path's bytes is: `/`, and on Windows `\\` too.
pub(crate) fn last_separator(bytes: &[u8]) -> Option<usize> {
    if cfg!(windows) {
        memchr::memrchr2(b'/', b'\\', bytes)
    } else {
        memchr::memrchr(b'/', bytes)
    }
}

/// A key whose byte order is the order of [`Path`]'s `Ord` (component by component): the
/// path's bytes with each separator made the lowest byte, `0`, for a path whose names are
/// none of them empty, `.` or `..` (told, more strictly, by none starting with a dot), as
/// a clean path's are; `None` for any other, and on Windows (prefixes, two separators). A
/// name that is the start of another then sorts first, as its separator or its end comes
/// first, and a root, the empty name before a leading separator, before any name.
/// Comparing two keys is a `memcmp`; `Path::cmp` parses both paths' components, about
/// 600 instructions a comparison.
pub(crate) fn order_key(path: &Path) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let names = bytes.strip_prefix(b"/").unwrap_or(bytes);
        let plain = names.is_empty() || crate::load::plain_names(names);
        plain.then(|| {
            bytes
                .iter()
                .map(|&c| if c == b'/' { 0 } else { c })
                .collect()
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a walked file is one to lint or to note as a template.
fn wanted(path: &Path) -> bool {
    is_yaml(path) || template_engine(path).is_some()
}

pub(crate) fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// What a file that is neither a regular file nor a directory is, for messages.
pub(crate) fn file_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// Whether an error is "too many levels of symbolic links".
fn is_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Whether a path the system refused with `ELOOP` holds a link that leads back to itself,
/// rather than more links than the system follows in one lookup: taken a component at a
/// time, each link is resolved on its own, from where the path before it really is.
fn holds_a_loop(path: &Path) -> bool {
    let mut at = PathBuf::new();
    for c in path.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(&at) {
                Ok(real) => at = real,
                Err(e) => return is_loop(&e),
            },
            Ok(_) => {}
            Err(e) => return is_loop(&e),
        }
    }
    false
}

/// Directories of version control systems: never manifests, and often large.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Whether an exclude glob matches the path, relative to the walked root or as displayed,
/// or the file name alone.
pub(crate) fn excluded(excludes: &GlobSet, path: &Path, root: &Path) -> bool {
    if excludes.is_empty() {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    excludes.is_match(rel)
        || excludes.is_match(display(path))
        || path.file_name().is_some_and(|n| excludes.is_match(n))
}

/// Whether a walk of `root` leaves out `path`: it matches, or a directory on the way to it
/// from `root` does (the walk does not enter an excluded directory). A path outside `root`
/// is asked about itself only.
pub(crate) fn excluded_within(excludes: &GlobSet, path: &Path, root: &Path) -> bool {
    if excludes.is_empty() {
        return false;
    }
    let below = if root == Path::new(".") {
        (path.is_relative() && !path.starts_with("..")).then_some(path)
    } else {
        path.strip_prefix(root).ok()
    };
    match below {
        Some(rel) => rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| excluded(excludes, &root.join(a), root)),
        None => excluded(excludes, path, root),
    }
}

/// The repository a path belongs to, for symlinks: its git work tree, else `fallback`.
fn repository_of(path: &Path, fallback: &Path) -> PathBuf {
    crate::git::root_of(path)
        .or_else(|| std::fs::canonicalize(fallback).ok())
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// Where a symlink that resolves to `target` leads, when that is outside `root`.
fn outside(link: &Path, target: &Path, root: &Path) -> Option<PathBuf> {
    (!target.starts_with(root)).then(|| std::fs::read_link(link).unwrap_or(target.to_path_buf()))
}

/// A file named on the command line, placed against `root`. Explicit files are read even
/// when excluded (unless `--force-exclude`); a symlink is followed only inside its
/// repository.
fn explicit(p: &Path, root: Option<&Path>) -> Result<Target, WalkError> {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) if is_loop(&e) => return Err(WalkError::SymlinkLoop(display(p))),
        Err(e) => {
            return Err(match std::fs::read_link(p) {
                Ok(t) if e.kind() == std::io::ErrorKind::NotFound => {
                    WalkError::BrokenSymlink(display(p), t.to_string_lossy().into_owned())
                }
                _ if e.kind() == std::io::ErrorKind::NotFound => WalkError::NotFound(display(p)),
                _ => WalkError::Unreadable(display(p), e.to_string()),
            })
        }
    };
    if !meta.is_file() {
        // Never opened: opening a FIFO blocks until something writes to it.
        return Ok(
            Target::new(p, true, Some(Skip::NotRegular(file_kind(meta.file_type())))).placed(root),
        );
    }
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_symlink()) {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        let repository = repository_of(parent.unwrap_or(Path::new(".")), Path::new("."));
        let target = std::fs::canonicalize(p).ok();
        if let Some(to) = target.and_then(|t| outside(p, &t, &repository)) {
            return Ok(Target::new(p, true, Some(Skip::OutsideRepository(to))).placed(root));
        }
    }
    std::fs::File::open(p).map_err(|e| WalkError::Unreadable(display(p), e.to_string()))?;
    let skip = template_engine(p).map(Skip::Template);
    Ok(Target::new(p, true, skip).placed(root))
}

/// The path an error of the walk is about, and the I/O error under it.
fn error_path(err: &ignore::Error) -> (Option<&Path>, Option<&std::io::Error>) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path), error_path(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => (Some(child), None),
        ignore::Error::Io(e) => (None, Some(e)),
        _ => (None, None),
    }
}

fn is_ancestor_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_ancestor_loop(err),
        _ => false,
    }
}

/// Walks one directory: its YAML files (and template-named files, to note them), following
/// symlinks that stay inside the repository, reading hidden directories (`.argocd/`,
/// `.flux/` are GitOps folders) but not version-control ones, honouring `.gitignore`. The
/// files found are placed against `root`.
fn walk_dir(dir: &Path, excludes: &GlobSet, root: Option<&Path>) -> Discovery {
    let repository = repository_of(dir, dir);
    let resolved_dir = std::fs::canonicalize(dir).ok();
    let found = Mutex::new(Vec::new());
    // Symlinks followed: files reached through them may also be reached directly.
    let linked = Mutex::new(Links::default());
    // Directory links that lead into the walked directory, not walked through (see below).
    let deferred: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
    let excluded_count = std::sync::atomic::AtomicUsize::new(0);
    let seeing = std::sync::Arc::new(Seeing::default());
    let vcs_seen = std::sync::Arc::clone(&seeing);
    WalkBuilder::new(dir)
        .hidden(false)
        .follow_links(true)
        .filter_entry(move |e| {
            let vcs = e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| VCS_DIRS.contains(&n));
            if vcs {
                vcs_seen.entry(e.path(), e.file_type().is_some_and(|t| t.is_dir()));
            }
            !vcs
        })
        .build_parallel()
        .run(|| {
            let (found, linked, excluded_count, repository, seeing) =
                (&found, &linked, &excluded_count, &repository, &seeing);
            let (deferred, resolved_dir) = (&deferred, &resolved_dir);
            let mut found = Found::new(found);
            Box::new(move |entry| {
                let mut push = |t: Target| found.push(t);
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        let (path, io) = error_path(&err);
                        let Some(path) = path else {
                            return WalkState::Continue;
                        };
                        // A directory link back to an ancestor (`back -> ..`): what it
                        // leads to is walked anyway, so nothing is skipped.
                        if io.is_none() && is_ancestor_loop(&err) {
                            return WalkState::Continue;
                        }
                        let skip = match io {
                            Some(e) if is_loop(e) && !holds_a_loop(path) => Skip::TooManyLinks,
                            Some(e) if is_loop(e) => Skip::SymlinkLoop,
                            Some(e) if e.kind() == std::io::ErrorKind::NotFound => {
                                match std::fs::read_link(path) {
                                    Ok(t) => Skip::BrokenSymlink(t),
                                    // Gone since it was listed.
                                    Err(_) => return WalkState::Continue,
                                }
                            }
                            Some(e) => Skip::Unreadable(e.to_string()),
                            None => Skip::Unreadable(err.to_string()),
                        };
                        // A broken or looping link only matters where it names a manifest.
                        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
                        let looping = matches!(skip, Skip::SymlinkLoop | Skip::TooManyLinks);
                        if !is_link || wanted(path) || looping {
                            push(Target::new(path, false, Some(skip)));
                        }
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                if entry.depth() > 0 && excluded(excludes, path, dir) {
                    excluded_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return WalkState::Skip;
                }
                let Some(ft) = entry.file_type() else {
                    return WalkState::Continue;
                };
                if entry.path_is_symlink() {
                    let target = std::fs::canonicalize(path).ok();
                    if let Some(to) = target.as_deref().and_then(|t| outside(path, t, repository)) {
                        if ft.is_dir() || wanted(path) {
                            push(Target::new(path, false, Some(Skip::OutsideRepository(to))));
                        }
                        return WalkState::Skip;
                    }
                    linked.lock().expect("walk results").add(path.to_path_buf());
                    // A directory link that leads into the walked directory is not walked
                    // through: what it leads to is walked at its own path. Walked through,
                    // a chain of such links (`a/next -> ../b`, `b/next -> ../c`, ...) was
                    // walked once along every path through it, which grows with the
                    // square of its length, and paths through more than 40 links failed
                    // (`ELOOP`). Where the walk did not list the target itself (ignored,
                    // excluded), the link is walked after all (see below). The walked
                    // directory itself may be a link.
                    let below = entry.depth() > 0 && ft.is_dir();
                    if let (true, Some(t), Some(d)) = (below, &target, resolved_dir) {
                        if let Ok(rel) = t.strip_prefix(d) {
                            deferred
                                .lock()
                                .expect("walk results")
                                .push((path.to_path_buf(), dir.join(rel)));
                            return WalkState::Skip;
                        }
                    }
                }
                if ft.is_dir() {
                    seeing.dir(path);
                    return WalkState::Continue;
                }
                if ft.is_file() {
                    seeing.entry(path, false);
                }
                // Told by the name's bytes, the engine once for both questions.
                let name = last_name(path);
                let engine = engine_of_name(name);
                if !yaml_name(name) && engine.is_none() {
                    return WalkState::Continue;
                }
                let skip = if ft.is_file() {
                    engine.map(Skip::Template)
                } else {
                    Some(Skip::NotRegular(file_kind(ft)))
                };
                push(Target::new(path, false, skip));
                WalkState::Continue
            })
        });
    // Moved out of the runs, not copied: `concat` would clone every file.
    let runs = found.into_inner().expect("walk results");
    let mut targets = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for run in runs {
        targets.extend(run);
    }
    let linked = linked.into_inner().expect("walk results");
    if let (false, Some(base)) = (linked.is_empty(), &resolved_dir) {
        drop_linked_copies(dir, base, &linked, &mut targets);
    }
    place_walked(dir, &linked, &mut targets, root);
    let seen = std::sync::Arc::try_unwrap(seeing).map_or_else(
        |_| Default::default(),
        |s| s.0.into_inner().expect("walk results"),
    );
    // Which deferred links the walk listed the target of, asked before `seen` moves.
    let mut deferred = deferred.into_inner().expect("walk results");
    deferred.sort_unstable();
    deferred.retain(|(_, to)| !seen.contains_key(crate::kustomize::clean(to).as_os_str()));
    let roots = resolved_dir
        .map(|resolved| vec![(resolved, crate::kustomize::clean(dir))])
        .unwrap_or_default();
    let linked = Links(
        linked
            .0
            .iter()
            .map(|l| crate::kustomize::clean(Path::new(l)).into_os_string())
            .collect(),
    );
    let mut out = Discovery {
        targets,
        excluded: excluded_count.into_inner(),
        listed: Listed {
            dirs: seen,
            roots,
            linked,
        },
    };
    // The links whose target the walk did not list at its own path are walked through.
    for (link, _) in deferred {
        out.take(walk_dir(&link, excludes, root));
    }
    out
}

impl Discovery {
    /// Adds what another walk found.
    fn take(&mut self, other: Discovery) {
        self.targets.extend(other.targets);
        self.excluded += other.excluded;
        self.listed.merge(other.listed);
    }
}

/// The files one thread of a walk finds, handed to the walk's list a run at a time: one
/// list that grew by each of tens of thousands of files was copied again and again.
struct Found<'a> {
    mine: Vec<Target>,
    all: &'a Mutex<Vec<Vec<Target>>>,
}

impl<'a> Found<'a> {
    /// Files in a run.
    const RUN: usize = 1024;

    fn new(all: &'a Mutex<Vec<Vec<Target>>>) -> Found<'a> {
        Found {
            mine: Vec::new(),
            all,
        }
    }

    fn push(&mut self, t: Target) {
        if self.mine.len() == self.mine.capacity() {
            self.hand_over();
            self.mine.reserve_exact(Self::RUN);
        }
        self.mine.push(t);
    }

    fn hand_over(&mut self) {
        if !self.mine.is_empty() {
            let run = std::mem::take(&mut self.mine);
            self.all.lock().expect("walk results").push(run);
        }
    }
}

impl Drop for Found<'_> {
    /// The thread's last run, when its walk is done.
    fn drop(&mut self) {
        self.hand_over();
    }
}

/// Places each walked file against `root`. A plain file is where its path below the walked
/// directory leads from the directory's place: no file-system call for each of tens of
/// thousands of files. Links, what is reached through them, and what the walk noted (links
/// that lead nowhere, unreadable entries, templates) are resolved one by one.
fn place_walked(dir: &Path, linked: &Links, targets: &mut [Target], root: Option<&Path>) {
    let base = resolve(dir).settle(root);
    targets.par_iter_mut().for_each(|t| {
        let plain = t.skip.is_none() && !linked.holds(&t.path);
        t.place = match (&base, below(&t.path, dir)) {
            (Place::Repository(base), Ok(rel)) if plain => Place::Repository(joined(base, rel)),
            // The walked directory may be above the root.
            (Place::Outside(base), Ok(rel)) if plain => Place::Outside(base.join(rel)).settle(root),
            _ => resolve(&t.path).settle(root),
        };
    });
}

/// `base.join(rel)`, allocated once at its length.
fn joined(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::with_capacity(base.as_os_str().len() + 1 + rel.as_os_str().len());
    out.push(base);
    out.push(rel);
    out
}

/// `path` with `dir` taken off its front, as [`Path::strip_prefix`] gives it. A walked
/// file's path is the walked directory's bytes, a separator and clean names: that is told
/// by its bytes, and anything else is left to `strip_prefix`, which parses components
/// (tens of thousands of files are placed in every run).
fn below<'a>(path: &'a Path, dir: &Path) -> Result<&'a Path, std::path::StripPrefixError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (bytes, head) = (path.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
        let rest = bytes
            .strip_prefix(head)
            .filter(|_| !head.is_empty())
            .and_then(|rest| {
                if head.ends_with(b"/") {
                    Some(rest)
                } else {
                    rest.strip_prefix(b"/")
                }
            });
        if let Some(rest) = rest.filter(|r| r.first() != Some(&b'/')) {
            let rest = Path::new(std::ffi::OsStr::from_bytes(rest));
            if crate::load::is_clean(rest) {
                return Ok(rest);
            }
        }
    }
    path.strip_prefix(dir)
}

/// A file reached both directly and through a symlink is linted once, at its own path.
fn drop_linked_copies(dir: &Path, base: &Path, linked: &Links, targets: &mut Vec<Target>) {
    let via_link = |t: &Target| linked.holds(&t.path);
    let direct: HashSet<PathBuf> = targets
        .iter()
        .filter(|t| !via_link(t))
        .filter_map(|t| t.path.strip_prefix(dir).ok().map(|rel| base.join(rel)))
        .collect();
    targets.retain(|t| {
        !via_link(t)
            || t.skip.is_some()
            || std::fs::canonicalize(&t.path).map_or(true, |c| !direct.contains(&c))
    });
}

/// Every file to lint, sorted by displayed path. Explicit files are always linted; a path
/// that does not exist is an error. Each file's place is its resolved path.
pub fn discover(paths: &[PathBuf], excludes: &GlobSet) -> Result<Discovery, WalkError> {
    discover_in(paths, excludes, None)
}

/// [`discover`], each file placed against the repository `root`.
fn discover_in(
    paths: &[PathBuf],
    excludes: &GlobSet,
    root: Option<&Path>,
) -> Result<Discovery, WalkError> {
    walk_paths(paths, excludes, root).map(sorted)
}

/// The files under `paths` (and the files themselves), in no order; a file reached from
/// two of the paths is there twice.
fn walk_paths(
    paths: &[PathBuf],
    excludes: &GlobSet,
    root: Option<&Path>,
) -> Result<Discovery, WalkError> {
    let mut out = Discovery::default();
    let mut dirs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.targets.push(Target {
                display: STDIN.into(),
                ..Target::new(p, true, None)
            });
            continue;
        }
        if p.is_dir() {
            dirs.push(p.clone());
        } else {
            out.targets.push(explicit(p, root)?);
        }
    }
    for dir in dirs {
        out.take(walk_dir(&dir, excludes, root));
    }
    Ok(out)
}

/// [`discover_in`]'s files in their order, each path once.
fn sorted(mut found: Discovery) -> Discovery {
    // Tens of thousands of paths: sorted on every thread (the walk's threads are done).
    found.targets.par_sort_unstable();
    // One path has one display: paths are compared (by components) only where the
    // displays are the same.
    found
        .targets
        .dedup_by(|a, b| a.display == b.display && a.path == b.path);
    found
}

/// What a run reads and reports on, as the command line says.
#[derive(Debug)]
pub(crate) struct Request {
    /// Files and directories to lint; `-` is standard input.
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) excludes: GlobSet,
    /// Excludes apply to the files given too.
    pub(crate) force_exclude: bool,
    /// Lint the YAML files changed since this git revision (and the uncommitted or
    /// untracked ones) instead of `paths`.
    pub(crate) changed_since: Option<String>,
}

impl Default for Request {
    fn default() -> Request {
        Request {
            paths: Vec::new(),
            excludes: GlobSet::empty(),
            force_exclude: false,
            changed_since: None,
        }
    }
}

/// The first path given, or the working directory (for none, or standard input): where
/// the config file, the repository and its history are looked for.
pub(crate) fn first_path(paths: &[PathBuf]) -> &Path {
    paths
        .first()
        .filter(|p| p.as_os_str() != "-")
        .map_or(Path::new("."), PathBuf::as_path)
}

/// The files a run reports on, when that is not every file it reads.
#[derive(Debug)]
struct ReportScope<'r> {
    /// The places of the files given, in the repository and outside it, by their bytes
    /// (hashing a `Path` walks its components; places are clean).
    files: [HashSet<Box<[u8]>>; 2],
    /// The directories given, resolved.
    dirs: Vec<PathBuf>,
    /// The root the places are settled against.
    root: Option<&'r Path>,
}

/// Which of [`ReportScope`]'s sets a place is looked up in, and its bytes.
fn scope_key(place: &Place) -> Option<(usize, &[u8])> {
    match place {
        Place::Repository(p) => Some((0, p.as_os_str().as_encoded_bytes())),
        Place::Outside(p) => Some((1, p.as_os_str().as_encoded_bytes())),
        Place::Unresolved => None,
    }
}

impl ReportScope<'_> {
    /// Whether findings in the file at `place` are reported.
    fn contains(&self, place: &Place) -> bool {
        scope_key(place).is_some_and(|(i, bytes)| self.files[i].contains(bytes))
            || (!self.dirs.is_empty()
                && place
                    .absolute(self.root)
                    .is_some_and(|abs| self.dirs.iter().any(|d| abs.starts_with(d))))
    }
}

/// What to read, each file with its place in the repository and whether it is reported.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) targets: Vec<Target>,
    /// The repository root the places are relative to: the git work tree of the first path
    /// given, else the working directory; canonical. `None` when nothing is to be read
    /// because no file changed.
    pub(crate) root: Option<PathBuf>,
    /// Paths the excludes removed, for the summary.
    pub(crate) excluded: usize,
    /// What the walk saw of the directories it listed.
    pub(crate) listed: Listed,
}

/// `path` made absolute against `cwd`, with `.` and `..` folded away without touching the
/// file system.
pub(crate) fn lexical_absolute(cwd: &Path, path: &Path) -> PathBuf {
    // Most paths are clean, or clean after `./` (a walk's): joined without parsing them.
    if let Some(clean) = crate::load::clean_as_written(path) {
        if crate::load::is_clean(cwd) {
            return cwd.join(clean);
        }
    }
    folded(&cwd.join(path))
}

/// `path` with `.` and `..` folded away, component by component.
fn folded(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
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
pub(crate) fn relative_to_cwd(root: &Path) -> PathBuf {
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

/// The YAML files changed since `rev` (and the uncommitted or untracked ones), as paths from
/// the working directory.
fn changed_since(rev: &str) -> Result<Vec<PathBuf>, Error> {
    let error = |source| Error::Revision {
        flag: "--changed-since",
        rev: rev.to_string(),
        source,
    };
    let root =
        crate::git::root_of(Path::new(".")).ok_or_else(|| error(GitError::NotARepository))?;
    let changed = crate::git::changed_since(&root, rev).map_err(error)?;
    let base = relative_to_cwd(&root);
    Ok(changed
        .into_iter()
        .filter(|p| is_yaml(p))
        .map(|p| {
            if base.as_os_str() == "." {
                p
            } else {
                base.join(p)
            }
        })
        .collect())
}

/// Plans a run. Given only directories (or `-`), everything found is read and reported.
/// Given files, the whole git repository around them is read, so that cross-resource rules
/// see every resource, and only the files given (and the directories given) are reported;
/// outside a git repository only what was given is read. With `force_exclude`, excludes
/// apply to the files given too. With `changed_since`, the files given are those changed.
/// Each file is placed against the repository root.
pub(crate) fn plan(request: &Request) -> Result<Plan, Error> {
    let changed;
    let paths = match &request.changed_since {
        Some(rev) => {
            changed = changed_since(rev)?;
            if changed.is_empty() {
                return Ok(Plan::default());
            }
            &changed
        }
        None => &request.paths,
    };
    let root = crate::git::root_of(first_path(&request.paths))
        .or_else(|| std::env::current_dir().and_then(std::fs::canonicalize).ok());
    let Discovery {
        targets,
        excluded,
        listed,
    } = select(
        paths,
        &request.excludes,
        request.force_exclude,
        root.as_deref(),
    )?;
    Ok(Plan {
        targets,
        root,
        excluded,
        listed,
    })
}

/// The files to read, placed against `root`, with whether each is reported, and how many
/// paths the excludes removed.
fn select(
    paths: &[PathBuf],
    excludes: &GlobSet,
    force_exclude: bool,
    root: Option<&Path>,
) -> Result<Discovery, WalkError> {
    let explicit: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && !p.is_dir())
        .collect();
    let Discovery {
        targets: mut given,
        excluded: mut excluded_count,
        mut listed,
    } = discover_in(paths, excludes, root)?;
    if force_exclude {
        let before = given.len();
        given.retain(|t| !t.explicit || !excluded(excludes, &t.path, Path::new(".")));
        excluded_count += before - given.len();
    }
    let repository = explicit
        .first()
        .and_then(|first| crate::git::root_of(first));
    let Some(repository) = repository else {
        return Ok(Discovery {
            targets: given,
            excluded: excluded_count,
            listed,
        });
    };
    let mut files: [HashSet<Box<[u8]>>; 2] = Default::default();
    for (i, bytes) in given
        .iter()
        .filter(|t| t.explicit)
        .filter_map(|t| scope_key(&t.place))
    {
        files[i].insert(Box::from(bytes));
    }
    let scope = ReportScope {
        files,
        dirs: paths
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
        root,
    };
    // Read the whole repository, spelled as the first file given is: absolute paths given
    // (an editor, a script) are those a run over the repository's absolute path reads,
    // and the load cache keeps its entries by path (see `crate::cache`).
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = match explicit.first() {
        Some(first) if first.is_absolute() => repository.clone(),
        _ => relative_to_cwd(&repository),
    };
    // What was given keeps the name it was given as, and is read by the path the walk
    // gives it: the later phases compare paths as written (the directory of a file, the
    // files a kustomization lists), and `d/a.yaml` given beside `./d/b.yaml` walked, or
    // `a.yaml` given from `d` beside `../d/b.yaml`, would not be beside each other.
    // Paths are compared lexically: resolving each of tens of thousands of files costs
    // more than the lint. A walk yields each path once, so only the given files are looked
    // for, and only among the files of their names (making each of 30,000 paths absolute
    // costs 30 ms).
    let mut seen: HashSet<PathBuf> = HashSet::default();
    for t in &mut given {
        let written = lexical_absolute(&cwd, &t.path);
        if t.path.is_relative() && t.path.as_os_str() != "-" {
            if let Ok(rel) = written.strip_prefix(&repository) {
                t.path = base.join(rel);
            }
        }
        seen.insert(written);
    }
    let names: HashSet<std::ffi::OsString> = given
        .iter()
        .filter_map(|t| t.path.file_name().map(ToOwned::to_owned))
        .collect();
    // One walk yields each path once, and the targets are sorted below: the walk's order
    // is kept as it came. The files given join the walk's (the larger list), in place of
    // the walk's own entries for them.
    let everything = walk_paths(&[base], excludes, root)?;
    let mut targets = everything.targets;
    targets.retain(|t| {
        !(t.path.file_name().is_some_and(|n| names.contains(n))
            && seen.contains(&lexical_absolute(&cwd, &t.path)))
    });
    targets.extend(given);
    listed.merge(everything.listed);
    // In the order of their places, as a run of the whole repository from its root orders
    // them, whatever the spelling of the files given: rules that report a repeated object
    // at its first definition pick the same file.
    // Compared as bytes, as displays are (a `Path` compares by components, slowly).
    fn place(t: &Target) -> (u8, &[u8]) {
        match &t.place {
            Place::Repository(p) => (0, p.as_os_str().as_encoded_bytes()),
            Place::Outside(p) => (1, p.as_os_str().as_encoded_bytes()),
            Place::Unresolved => (2, &[]),
        }
    }
    targets.par_sort_unstable_by(|a, b| place(a).cmp(&place(b)).then_with(|| a.cmp(b)));
    for t in &mut targets {
        t.reported = scope.contains(&t.place);
    }
    Ok(Discovery {
        targets,
        excluded: excluded_count,
        listed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walked_path_loses_its_directory_as_strip_prefix_takes_it() {
        let dirs = [
            "", ".", "./", "a", "a/", "a/b", "./a", "a/./b", "a//b", "/a", "/", "a/..", "ab",
        ];
        let rests = [
            "", "c", "c/d", "./c", "c/./d", "../c", "c/..", "/c", "//c", "c/", ".c", "..c",
        ];
        for dir in dirs {
            for rest in rests {
                for sep in ["", "/", "//"] {
                    let path = format!("{dir}{sep}{rest}");
                    let (path, dir) = (Path::new(&path), Path::new(dir));
                    assert_eq!(
                        below(path, dir).ok(),
                        path.strip_prefix(dir).ok(),
                        "{} below {}",
                        path.display(),
                        dir.display()
                    );
                }
            }
        }
    }

    #[test]
    fn paths_are_ordered_as_their_components_order_them() {
        let paths = [
            "",
            ".",
            "..",
            "/",
            "//",
            "/a",
            "//a",
            "a",
            "a/",
            "a//b",
            "a/./b",
            "a/.",
            "a/..",
            "a/../b",
            "./a",
            "../a",
            "../b",
            "../../a",
            "a/b",
            "a/b/c",
            "a/b/",
            "a-b",
            "a-b/c",
            "a.b",
            "a/.b",
            "a/..b",
            "a/b.c",
            "ab",
            "ab/c",
            "-a",
            ".a",
            "x y/z",
            "team-1/k",
            "team-10/k",
            "team-1/k/l",
            "/a/b",
            "/a-b",
            "/ab",
            "/a/./b",
            "/.",
            "/..",
            "a/b/.",
        ];
        #[cfg(unix)]
        let odd = {
            use std::os::unix::ffi::OsStrExt;
            vec![
                PathBuf::from(std::ffi::OsStr::from_bytes(b"a/\xff")),
                PathBuf::from(std::ffi::OsStr::from_bytes(b"a\xff/b")),
            ]
        };
        #[cfg(not(unix))]
        let odd: Vec<PathBuf> = Vec::new();
        let all: Vec<PathBuf> = paths.iter().map(PathBuf::from).chain(odd).collect();
        let keyed: Vec<(&PathBuf, Vec<u8>)> = all
            .iter()
            .filter_map(|p| Some((p, super::order_key(p)?)))
            .collect();
        for (a, ka) in &keyed {
            for (b, kb) in &keyed {
                assert_eq!(ka.cmp(kb), a.cmp(b), "{a:?} against {b:?}");
            }
        }
        // Those with an empty, `.` or `..` name, or a name starting with a dot, have none.
        for p in &all {
            let bytes = p.as_os_str().as_encoded_bytes();
            let odd = bytes.windows(2).any(|w| w == b"//" || w == b"/.")
                || bytes.starts_with(b".")
                || (bytes.len() > 1 && bytes.ends_with(b"/"));
            assert_eq!(super::order_key(p).is_none(), odd, "{p:?}");
        }
        assert!(keyed.len() > 20, "{} keyed", keyed.len());
    }

    #[test]
    fn a_template_is_told_by_the_extension_before_the_yaml_one() {
        let cases = [
            ("a.j2.yaml", Some("Jinja")),
            ("a.b.JINJA2.yml", Some("Jinja")),
            (".j2.yaml", Some("Jinja")),
            ("d/a.ftl.yaml", Some("FreeMarker")),
            ("a.tpl.yaml", Some("Go")),
            ("a.gotmpl", Some("Go")),
            (".gotmpl", Some("Go")),
            ("a.yaml.gotmpl", Some("Go")),
            // The part before the first dot is the name, not an extension.
            ("j2.yaml", None),
            ("a.yaml", None),
            ("a.j2", None),
            ("a.j2.json", None),
            ("a", None),
            ("a.", None),
            (".yaml", None),
        ];
        for (name, engine) in cases {
            assert_eq!(template_engine(Path::new(name)), engine, "{name}");
        }
        // The walk tells a YAML name by its bytes, as `is_yaml` tells it by the path.
        let names = [
            "a.yaml",
            "A.YML",
            "a.Yaml",
            "a.yaml.bak",
            ".yaml",
            "..yaml",
            "a..yml",
            ".a.yml",
            "a.",
            "a",
            "yaml",
            ".",
            "a.json",
        ];
        for name in names {
            for path in [name.to_string(), format!("d/e/{name}")] {
                let path = Path::new(&path);
                assert_eq!(last_name(path), name.as_bytes(), "{name}");
                assert_eq!(yaml_name(last_name(path)), is_yaml(path), "{name}");
            }
        }
        // A backslash separates names only on Windows.
        let expected: &[u8] = if cfg!(windows) {
            b"e.yaml"
        } else {
            b"d\\e.yaml"
        };
        assert_eq!(last_name(Path::new("d\\e.yaml")), expected);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            // A name that is not UTF-8 may be YAML, and announces no engine.
            let name = std::ffi::OsStr::from_bytes(b"\xff.j2.yaml");
            assert!(is_yaml(Path::new(name)) && yaml_name(name.as_bytes()));
            assert_eq!(template_engine(Path::new(name)), None);
        }
    }

    #[test]
    fn clean_paths_are_made_absolute_as_folding_their_components_would() {
        let paths = [
            "a/b.yaml",
            "/abs/a",
            "a",
            "",
            ".",
            "./a/b",
            "././a",
            ".//a",
            "a/./b",
            "a//b",
            "a/b/",
            "a/../b",
            "../a",
            "..",
            "./../a",
            "a/.hidden/b",
        ];
        for cwd in ["/w/d", "/", "", "rel/d", "/w/./d"] {
            for p in paths {
                let (cwd, p) = (Path::new(cwd), Path::new(p));
                assert_eq!(
                    lexical_absolute(cwd, p),
                    folded(&cwd.join(p)),
                    "{cwd:?} {p:?}"
                );
            }
        }
    }

    /// Every walked file is placed where resolving its own path would place it.
    fn assert_placed_as_resolved(dir: &Path, root: &Path) {
        let found = discover_in(&[dir.to_path_buf()], &GlobSet::empty(), Some(root)).unwrap();
        assert!(!found.targets.is_empty());
        for t in &found.targets {
            assert_eq!(
                t.place,
                resolve(&t.path).settle(Some(root)),
                "{}",
                t.display
            );
        }
    }

    #[test]
    fn walked_files_are_placed_where_they_resolve() {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = std::fs::canonicalize(crate_dir).unwrap();
        assert_placed_as_resolved(&crate_dir.join("fixtures"), &root);
        // Walked from above the root, the files below it are still in the repository.
        assert_placed_as_resolved(&crate_dir.join("fixtures"), &root.join("fixtures/demo"));
    }

    #[cfg(unix)]
    #[test]
    fn files_reached_through_links_are_placed_where_they_resolve() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("canarylint-place-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("repo/apps/real")).unwrap();
        std::fs::write(dir.join("repo/apps/real/vs.yaml"), "kind: VirtualService\n").unwrap();
        std::fs::write(dir.join("repo/apps/other.yaml"), "kind: VirtualService\n").unwrap();
        symlink("real", dir.join("repo/apps/linked")).unwrap();
        symlink("other.yaml", dir.join("repo/apps/link.yaml")).unwrap();
        symlink("nowhere.yaml", dir.join("repo/apps/broken.yaml")).unwrap();
        let root = std::fs::canonicalize(dir.join("repo")).unwrap();
        assert_placed_as_resolved(&dir.join("repo/apps"), &root);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A link holds itself and what lies below it, and nothing else: as
    /// `Path::starts_with` tells, for each way a walk spells its paths.
    #[test]
    fn links_hold_the_paths_below_them_as_starts_with_tells() {
        // Spelled as a walk joins names onto the directory it was given.
        let roots = ["dir", "./dir", "/abs/dir", ".", "..", "dir/"];
        let below = ["link", "link.yaml", "a/link", "a/b/link"];
        let asked = [
            "",
            "link",
            "link.yaml",
            "link/f.yaml",
            "link/x/f.yaml",
            "linked/f.yaml",
            "lin",
            "a",
            "a/link",
            "a/link/f.yaml",
            "a/linkx/f.yaml",
            "a/b/link/c/d.yaml",
            "b/link",
        ];
        for root in roots {
            let join = |rel: &str| {
                if rel.is_empty() {
                    PathBuf::from(root)
                } else {
                    Path::new(root).join(rel)
                }
            };
            for n in 0..=below.len() {
                let mut links = Links::default();
                let walked: Vec<PathBuf> = below[..n].iter().map(|b| join(b)).collect();
                for l in &walked {
                    links.add(l.clone());
                }
                for a in asked {
                    let path = join(a);
                    let expected = walked.iter().any(|l| path.starts_with(l));
                    assert_eq!(links.holds(&path), expected, "{path:?} below {walked:?}");
                }
            }
        }
    }

    /// A directory the walk resolves is where the disk resolves it; one reached through a
    /// link it followed, or one it did not list, is left to the disk.
    #[cfg(unix)]
    #[test]
    fn the_walk_resolves_directories_as_the_disk_does() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("canarylint-resolved-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["real/a/b", "real/c", "elsewhere/d"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        symlink("../elsewhere", dir.join("real/linked")).unwrap();
        symlink("real", dir.join("top")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        // The root spelled absolute, through a link, and relative to the working directory.
        let relative: PathBuf = cwd.ancestors().skip(1).map(|_| Path::new("..")).collect();
        let relative = relative.join(dir.strip_prefix("/").unwrap());
        for root in [dir.join("real"), dir.join("top"), relative.join("real")] {
            let found = discover_in(std::slice::from_ref(&root), &GlobSet::empty(), None).unwrap();
            let mut told = 0;
            for sub in ["", "a", "a/b", "c", "linked", "linked/d", "missing"] {
                let at = root.join(sub);
                match found.listed.resolved(&at) {
                    Some(p) => {
                        assert_eq!(Some(p), std::fs::canonicalize(&at).ok(), "{}", at.display());
                        told += 1;
                    }
                    None => assert!(
                        sub.starts_with("linked") || sub == "missing",
                        "{} not resolved",
                        at.display()
                    ),
                }
            }
            assert_eq!(told, 4, "{}", root.display());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What the walk says of each directory it listed is what the disk says.
    #[cfg(unix)]
    #[test]
    fn the_walk_sees_kustomizations_and_repositories_as_the_disk_does() {
        use crate::kustomize::{Disk, Fs};
        let dir = std::env::temp_dir().join(format!("canarylint-seen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let tree = dir.join("tree");
        for (sub, files) in [
            ("", &[".git/HEAD"][..]),
            ("a", &["kustomization.yml", "Kustomization", "vs.yaml"]),
            ("a/b", &["Kustomization"]),
            ("a/b/c", &["vs.yaml"]),
            ("d", &["kustomization.yaml"]),
            ("d/worktree", &[".git"]),
            // A directory named like a kustomization file is not one.
            ("e/kustomization.yaml", &["x.yaml"]),
        ] {
            std::fs::create_dir_all(tree.join(sub)).unwrap();
            for f in files {
                let path = tree.join(sub).join(f);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, "resources: []\n").unwrap();
            }
        }
        // A kustomization file that is a link to one.
        std::fs::create_dir_all(tree.join("f")).unwrap();
        std::os::unix::fs::symlink("../d/kustomization.yaml", tree.join("f/kustomization.yaml"))
            .unwrap();
        std::os::unix::fs::symlink(&tree, dir.join("link")).unwrap();
        let resolved = std::fs::canonicalize(&tree).unwrap();
        // Walked through a link: asked by the walked path and by the resolved one.
        let found = discover_in(&[dir.join("link")], &GlobSet::empty(), None).unwrap();
        let dirs = [
            "",
            "a",
            "a/b",
            "a/b/c",
            "d",
            "d/worktree",
            "e",
            "e/kustomization.yaml",
            "f",
        ];
        for sub in dirs {
            for base in [dir.join("link"), resolved.clone()] {
                let at = crate::kustomize::clean(&base.join(sub));
                let seen = found.listed.get(&at).unwrap_or_else(|| panic!("{sub}"));
                assert_eq!(
                    seen.kustomization.map(usize::from),
                    Disk.kustomization_name(&at),
                    "{sub}"
                );
                for (i, name) in crate::kustomize::KUSTOMIZATION_NAMES.iter().enumerate() {
                    assert_eq!(
                        seen.kustomization_files & (1 << i) != 0,
                        Disk.is_file(&at.join(name)),
                        "{sub}/{name}"
                    );
                }
                let git = at.join(".git");
                let on_disk = std::fs::metadata(&git).ok().map(|m| m.is_dir());
                assert_eq!(seen.git, on_disk, "{sub}");
            }
        }
        // What the walk did not list is not answered.
        assert_eq!(found.listed.get(&dir), None);
        assert_eq!(found.listed.get(&tree.join(".git")), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
