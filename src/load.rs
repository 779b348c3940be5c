//! Load: read a file, split it into documents, and parse only the documents the rules need
//! into span-aware nodes. Nothing here fails: problems become diagnostics.

use crate::hash::{lock, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::prescan;
use crate::source::{HelmSource, SourceFile, Span};
use crate::walk::{Skip, Target};
use crate::yaml::{self, LoadIssue, Loaded, Node};

/// Files over this size are skipped.
pub(crate) const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Parse every document, not only those whose kind may matter (checks the pre-scan).
    pub full_parse: bool,
}

/// A resource before its namespace default is known.
pub(crate) struct RawResource {
    pub(crate) resource: Resource,
    pub(crate) explicit_namespace: bool,
}

/// What loading one file produced. Diagnostics and resources carry file id 0 until the
/// workspace numbers the files.
pub struct LoadedFile {
    pub(crate) source: SourceFile,
    pub(crate) resources: Vec<RawResource>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub documents: usize,
    /// Whether anything in the file needs its text later (resources or findings).
    pub(crate) keep: bool,
    /// The namespace the nearest kustomization above the file sets, for its resources that
    /// set none (see [`LoadedFile::resolve_namespace`]).
    pub(crate) kustomization_namespace: Option<String>,
    /// The directory of the kustomization that lists the file among its `resources` (see
    /// [`KustomizeNamespaces::build_for`]).
    pub(crate) kustomization_build: Option<PathBuf>,
    /// The CustomResourceDefinitions of the validated kinds the file writes, not yet parsed.
    pub(crate) crds: Vec<CrdSource>,
    /// What the file system said of the file as it was read (see [`crate::cache`]).
    pub(crate) stamp: Option<crate::cache::Stamp>,
    /// Whether its documents came from the cache, not from parsing.
    pub(crate) cached: bool,
    /// The text of a kustomization file that keeps no text of its own: every render that
    /// includes its directory reads it, and would otherwise read it again from the disk.
    pub(crate) kustomization_text: Option<Arc<str>>,
}

/// A file loaded with nothing the later phases keep (no resources, no findings, no
/// CustomResourceDefinition): what they still ask of it.
pub(crate) struct Unkept {
    /// Its path, lexically clean.
    pub(crate) clean: std::ffi::OsString,
    pub(crate) documents: usize,
    pub(crate) reported: bool,
    /// What the file system said of the file as it was read, to tell next time whether it
    /// changed (see [`crate::cache`]).
    pub(crate) stamp: Option<crate::cache::Stamp>,
    /// Whether the cache had it so, unchanged and without anything to keep.
    pub(crate) cached: bool,
    /// The text of a kustomization file, for the renders (see
    /// [`LoadedFile::kustomization_text`]).
    pub(crate) text: Option<Arc<str>>,
    /// Where the walk placed it: a file only renders read joins the file table there,
    /// without asking the file system where it is.
    pub(crate) place: UnkeptPlace,
}

/// Where the walk placed a file the run does not keep ([`Unkept::place`]), without a second
/// copy of the path where the place is the end of it, as it is for most files: there are
/// tens of thousands, and a few hundred of them are asked for.
pub(crate) enum UnkeptPlace {
    /// In the repository, at the last this many bytes of the file's clean path, which
    /// start a name.
    Tail(usize),
    Other(crate::source::Place),
}

impl UnkeptPlace {
    pub(crate) fn new(place: crate::source::Place, clean: &std::ffi::OsStr) -> UnkeptPlace {
        if let crate::source::Place::Repository(rel) = &place {
            let (path, tail) = (clean.as_encoded_bytes(), rel.as_os_str().as_encoded_bytes());
            let at = path.len().wrapping_sub(tail.len());
            if cfg!(unix) && path.ends_with(tail) && (at == 0 || path[at - 1] == b'/') {
                return UnkeptPlace::Tail(tail.len());
            }
        }
        UnkeptPlace::Other(place)
    }

    /// The place of the file at `clean`.
    pub(crate) fn place(&self, clean: &std::ffi::OsStr) -> crate::source::Place {
        use crate::source::Place;
        match self {
            #[cfg(unix)]
            UnkeptPlace::Tail(n) => {
                use std::os::unix::ffi::OsStrExt;
                let bytes = clean.as_bytes();
                let tail = &bytes[bytes.len().saturating_sub(*n)..];
                Place::Repository(PathBuf::from(std::ffi::OsStr::from_bytes(tail)))
            }
            #[cfg(not(unix))]
            UnkeptPlace::Tail(_) => Place::Unresolved,
            UnkeptPlace::Other(place) => place.clone(),
        }
    }
}

impl LoadedFile {
    /// Whether the file was not read, or not read whole (a note says why).
    pub(crate) fn skipped(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| matches!(d.rule, RuleId::SkippedFile | RuleId::IoError))
    }

    /// The file as [`Unkept`] (right) when nothing of it is kept, else as it is (left).
    pub(crate) fn unkept(self) -> rayon::iter::Either<LoadedFile, Unkept> {
        use rayon::iter::Either;
        if self.keep || !self.crds.is_empty() || !self.diagnostics.is_empty() {
            return Either::Left(self);
        }
        let clean = clean_os(self.source.path);
        Either::Right(Unkept {
            place: UnkeptPlace::new(self.source.place, &clean),
            clean,
            documents: self.documents,
            reported: self.source.reported,
            stamp: self.stamp,
            cached: false,
            text: self.kustomization_text,
        })
    }

    /// Finds the namespace the kustomizations above the file set, when a resource of the
    /// file sets none: indexing gives it to those resources. Finds too the kustomization
    /// that builds the file, when it has DestinationRules.
    pub(crate) fn resolve_namespace(&mut self, kustomize: &KustomizeNamespaces) {
        if self.resources.iter().any(|r| !r.explicit_namespace) {
            self.kustomization_namespace = kustomize.namespace_for(&self.source.path);
        }
        // Only DestinationRules are compared across the files a kustomization builds.
        if self
            .resources
            .iter()
            .any(|r| r.resource.kind == crate::model::kinds::Kind::DestinationRule)
        {
            self.kustomization_build = kustomize.build_for(&self.source.path);
        }
    }
}

/// A path, lexically clean, as the bytes the tables of paths are keyed by.
pub(crate) fn clean_os(path: PathBuf) -> std::ffi::OsString {
    if is_clean(&path) {
        path.into_os_string()
    } else {
        clean_key(&path).into_owned()
    }
}

/// [`clean_os`] of a borrowed path: the path itself when it is clean already, or the part
/// after `./` when that is (every path a walk of `.` gives).
pub(crate) fn clean_key(path: &Path) -> std::borrow::Cow<'_, std::ffi::OsStr> {
    match clean_as_written(path) {
        Some(clean) => std::borrow::Cow::Borrowed(clean.as_os_str()),
        None => std::borrow::Cow::Owned(clean_components(path).into_os_string()),
    }
}

/// `path` lexically clean when that is a part of it: itself, or what follows a `./` that
/// a clean relative path follows.
pub(crate) fn clean_as_written(path: &Path) -> Option<&Path> {
    if is_clean(path) {
        return Some(path);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let rest = path.as_os_str().as_bytes().strip_prefix(b"./")?;
        let rest = Path::new(std::ffi::OsStr::from_bytes(rest));
        // `.//a` is `a`, not `/a`.
        (!rest.has_root() && is_clean(rest)).then_some(rest)
    }
    #[cfg(not(unix))]
    None
}

fn note(source: SourceFile, span: Span, rule: RuleId, message: String) -> LoadedFile {
    LoadedFile {
        source,
        resources: Vec::new(),
        diagnostics: vec![Diagnostic::new(rule, 0, span, message)],
        documents: 0,
        keep: true,
        kustomization_namespace: None,
        kustomization_build: None,
        crds: Vec::new(),
        stamp: None,
        cached: false,
        kustomization_text: None,
    }
}

/// What a skip decided at discovery says, as a note at the file.
fn skip_note(skip: &Skip) -> (RuleId, String, Option<&'static str>) {
    match skip {
        Skip::NotRegular(what) => (
            RuleId::IoError,
            format!("cannot read the file: it is {what}, not a regular file"),
            Some("only regular files are read; a FIFO or a device may block or never end"),
        ),
        Skip::SymlinkLoop => (
            RuleId::IoError,
            "cannot read the file: symlink loop".into(),
            Some("the link leads back to itself; point it at a file"),
        ),
        Skip::TooManyLinks => (
            RuleId::IoError,
            "cannot read the file: its path goes through more symlinks than the system follows in one path".into(),
            Some("each link leads somewhere, but the system stops following links after a fixed number (40 on Linux): lint the directory the links lead to, or shorten the chain of links"),
        ),
        Skip::BrokenSymlink(to) => (
            RuleId::IoError,
            format!(
                "cannot read the file: broken symlink (its target `{}` does not exist)",
                to.display()
            ),
            None,
        ),
        Skip::OutsideRepository(to) => (
            RuleId::SkippedFile,
            format!(
                "skipped: a symlink to `{}`, outside the repository",
                to.display()
            ),
            Some("only links inside the repository are followed, as Argo CD and Flux refuse links out of it"),
        ),
        Skip::Unreadable(e) => (RuleId::IoError, format!("cannot read it: {e}"), None),
        Skip::Template(engine) => (
            RuleId::SkippedFile,
            format!("skipped: a {engine} template by its name; YAML only once rendered"),
            Some("lint the rendered output instead, e.g. `render … | canarylint check -`"),
        ),
    }
}

/// Loads a file found by discovery, at the place planning gave it.
pub fn load_target(t: Target, opts: LoadOptions) -> LoadedFile {
    load_target_cached(t, opts, None)
}

/// Loads as [`load_target`] does, taking a file's resources from `cache` when the file is
/// unchanged since the run that kept them.
pub(crate) fn load_target_cached(
    mut t: Target,
    opts: LoadOptions,
    cache: Option<&crate::cache::LoadCache>,
) -> LoadedFile {
    let (reported, place) = (t.reported, std::mem::take(&mut t.place));
    let mut f = read_target(t, opts, cache);
    // Whether it is reported, and where it is, matter to overlays even when it is not kept.
    f.source.reported = reported;
    f.source.place = place;
    f
}

fn read_target(
    t: Target,
    opts: LoadOptions,
    cache: Option<&crate::cache::LoadCache>,
) -> LoadedFile {
    match &t.skip {
        Some(skip) => {
            let (rule, msg, help) = skip_note(skip);
            let source = SourceFile::new(t.path, t.display, Arc::from(""));
            let mut f = note(source, Span::default(), rule, msg);
            if let (Some(help), Some(d)) = (help, f.diagnostics.first_mut()) {
                d.help = Some(help.to_string());
            }
            f
        }
        None => load_file(t.path, t.display, opts, cache),
    }
}

pub(crate) fn load_file(
    path: PathBuf,
    display: String,
    opts: LoadOptions,
    cache: Option<&crate::cache::LoadCache>,
) -> LoadedFile {
    let empty = |path: PathBuf, display: String| SourceFile::new(path, display, Arc::from(""));
    // A file the cache has, unchanged, is not read: only a later phase that needs its text
    // reads it. One with CustomResourceDefinitions is, as their schemas are read from it;
    // its documents are taken as decoded here if the file read has the same stamp.
    let mut decoded = None;
    if let Some(cache) = cache.filter(|_| path.as_os_str() != "-") {
        let found = cache.kept_unread(&clean_key(&path), &path);
        if let Some((at, (docs, marked))) =
            found.and_then(|found| Some((found.stamp, Documents::cached(cache, &found)?)))
        {
            if docs.keep && docs.crds.is_empty() {
                let mut f = docs.into_file(SourceFile::unread(path, display, at, marked));
                f.stamp = Some(at);
                f.cached = true;
                return f;
            }
            decoded = Some((at, docs));
        }
    }
    let mut stamp = None;
    let read = if path.as_os_str() == "-" {
        read_capped(std::io::stdin().lock())
    } else {
        read_stamped(&path).map(|(bytes, s)| {
            stamp = s;
            bytes
        })
    };
    let bytes = match read {
        Ok(b) => b,
        Err(ReadError::TooLarge(size)) => {
            let size = match size {
                Some(n) => format!("{:.1} MB", n as f64 / 1_048_576.0),
                None => "larger than that".into(),
            };
            let msg = format!(
                "skipped: the file is {size}, over the {} MB limit",
                MAX_FILE_BYTES / 1_048_576
            );
            return note(
                empty(path, display),
                Span::default(),
                RuleId::SkippedFile,
                msg,
            );
        }
        Err(ReadError::NotRegular(what)) => {
            let (rule, msg, _) = skip_note(&Skip::NotRegular(what));
            return note(empty(path, display), Span::default(), rule, msg);
        }
        Err(ReadError::Io(e)) => {
            let msg = format!("cannot read the file: {e}");
            return note(empty(path, display), Span::default(), RuleId::IoError, msg);
        }
    };
    let text = match utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
            let src = SourceFile::new(path, display, Arc::from(valid));
            let span = Span::new(at, at);
            let msg =
                format!("skipped: the file is not valid UTF-8 (first bad byte at offset {at})");
            return note(src, span, RuleId::SkippedFile, msg);
        }
    };
    if text.trim().is_empty() {
        return note(
            SourceFile::new(path, display, Arc::from(text)),
            Span::default(),
            RuleId::SkippedFile,
            "skipped: the file is empty".into(),
        );
    }
    let cached = match decoded {
        Some((at, docs)) if stamp == Some(at) => Some(docs),
        _ => cache.zip(stamp).and_then(|(cache, stamp)| {
            Documents::cached(cache, &cache.kept(&clean_key(&path), stamp)?).map(|(d, _)| d)
        }),
    };
    let from_cache = cached.is_some();
    let docs = cached.unwrap_or_else(|| load_documents(&text, opts));
    // Only files that hold resources or findings keep their text (most hold neither), and
    // kustomization files, for the renders.
    let mut kustomization_text = None;
    let text = if docs.keep {
        Arc::from(text)
    } else {
        if crate::kustomize::kustomization_name_of(&path).is_some() {
            kustomization_text = Some(Arc::from(text));
        }
        Arc::from("")
    };
    let mut f = docs.into_file(SourceFile::new(path, display, text));
    f.kustomization_text = kustomization_text;
    f.stamp = stamp;
    f.cached = from_cache;
    f
}

/// `String::from_utf8`, validated by a vectorized check (`simdutf8`, chosen at run time
/// for the processor) first: every file a run reads is checked, 254 MB on the 10-copy
/// bench tree. Text that check refuses is checked again by `String::from_utf8`, whose
/// error tells where the first bad byte is.
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: `simdutf8` has just found `bytes` to be valid UTF-8.
        Ok(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        String::from_utf8(bytes)
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    /// Over `MAX_FILE_BYTES`; the size when the file system tells it.
    TooLarge(Option<u64>),
    /// A FIFO, a device or a socket, described.
    NotRegular(&'static str),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge(_) => {
                write!(
                    f,
                    "the file is over the {} MB limit",
                    MAX_FILE_BYTES / 1_048_576
                )
            }
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            ReadError::TooLarge(_) | ReadError::NotRegular(_) => None,
        }
    }
}

/// Reads at most `MAX_FILE_BYTES` of a stream, counting the bytes actually read.
fn read_capped(r: impl std::io::Read) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(None));
    }
    Ok(buf)
}

/// Reads a regular file of at most `MAX_FILE_BYTES`. The file is opened without blocking
/// and checked with one `fstat` of the open file: a FIFO, a device or `/dev/zero` is never
/// read (`fstat` says 0 bytes for them, and reading one may block or never end).
pub(crate) fn read_regular(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_stamped(path).map(|(bytes, _)| bytes)
}

/// Reads as [`read_regular`] does, with what the `fstat` of the open file said of it (the
/// stamp of the bytes read).
pub(crate) fn read_stamped(
    path: &Path,
) -> Result<(Vec<u8>, Option<crate::cache::Stamp>), ReadError> {
    let (bytes, meta) = read_bounded(path, MAX_FILE_BYTES, true)?;
    Ok((bytes, crate::cache::Stamp::of(&meta)))
}

/// Reads a regular file of at most `limit` bytes, opened without blocking (and, unless
/// `follow_links`, not through a symbolic link), with what its `fstat` said.
pub(crate) fn read_bounded(
    path: &Path,
    limit: u64,
    follow_links: bool,
) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    use std::io::Read;
    let (f, meta) = open_bounded(path, limit, follow_links)?;
    let mut buf = Vec::with_capacity(meta.len() as usize + 1);
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        // It grew while being read.
        return Err(ReadError::TooLarge(None));
    }
    Ok((buf, meta))
}

/// Opens a regular file of at most `limit` bytes as [`read_bounded`] does, with what its
/// `fstat` said, without reading it.
pub(crate) fn open_bounded(
    path: &Path,
    limit: u64,
    follow_links: bool,
) -> Result<(std::fs::File, std::fs::Metadata), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let links = if follow_links { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | links);
    }
    let f = options.open(path).map_err(ReadError::Io)?;
    let meta = f.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(crate::walk::file_kind(
            meta.file_type(),
        )));
    }
    let len = meta.len();
    if len > limit {
        return Err(ReadError::TooLarge(Some(len)));
    }
    Ok((f, meta))
}

/// Loads the documents of an in-memory file.
pub(crate) fn load_text(source: SourceFile, opts: LoadOptions) -> LoadedFile {
    let text = Arc::clone(source.text());
    load_documents(&text, opts).into_file(source)
}

/// What the documents of a file gave, before the file is wrapped up.
struct Documents {
    resources: Vec<RawResource>,
    diagnostics: Vec<Diagnostic>,
    documents: usize,
    keep: bool,
    /// The documents that name their Helm template, in order.
    helm: Vec<HelmSource>,
    crds: Vec<CrdSource>,
}

impl Documents {
    /// The documents of a file as the run that cached them found them (see
    /// [`crate::cache`]), and whether its text holds a suppression comment's marker.
    fn cached(
        cache: &crate::cache::LoadCache,
        found: &crate::cache::Found,
    ) -> Option<(Documents, bool)> {
        let loaded = cache.loaded(found)?;
        let resources = loaded
            .roots
            .into_iter()
            .map(resource)
            .collect::<Option<Vec<RawResource>>>()?;
        let docs = Documents {
            keep: !resources.is_empty() || !loaded.diagnostics.is_empty(),
            resources,
            diagnostics: loaded.diagnostics,
            documents: found.documents,
            helm: loaded.helm,
            crds: loaded.crds,
        };
        Some((docs, loaded.marked))
    }

    fn into_file(self, mut source: SourceFile) -> LoadedFile {
        if self.keep {
            source.helm = self.helm;
        }
        LoadedFile {
            source,
            resources: self.resources,
            diagnostics: self.diagnostics,
            documents: self.documents,
            keep: self.keep,
            crds: self.crds,
            kustomization_namespace: None,
            kustomization_build: None,
            stamp: None,
            cached: false,
            kustomization_text: None,
        }
    }
}

/// What of a mapping the rules read: an entry whole, or only some of its own entries.
#[derive(Clone, Copy)]
enum Part {
    Whole,
    Keys(&'static [(&'static str, Part)]),
}

/// A Pod's labels are in its metadata.
const IDENTITY: &[(&str, Part)] = &[
    ("apiVersion", Part::Whole),
    ("kind", Part::Whole),
    ("metadata", Part::Whole),
];

/// A controller's selector and the metadata of its pod template: the labels its pods carry.
/// The containers, most of the bytes of a repository's relevant documents, are not read.
const WORKLOAD: &[(&str, Part)] = &[
    ("apiVersion", Part::Whole),
    ("kind", Part::Whole),
    ("metadata", Part::Whole),
    (
        "spec",
        Part::Keys(&[
            ("selector", Part::Whole),
            ("template", Part::Keys(&[("metadata", Part::Whole)])),
        ]),
    ),
];

/// The parts of a document of `kind` the rules read, when they read only some.
fn projection(kind: &str) -> Option<&'static [(&'static str, Part)]> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => Some(WORKLOAD),
        "Pod" => Some(IDENTITY),
        _ => None,
    }
}

/// Whether the rules read documents of `kind` only in part (see [`projection`]).
pub(crate) fn read_in_part(kind: &str) -> bool {
    projection(kind).is_some()
}

/// Parses only the `parts` of a document whose root keys start at `roots` (file offsets),
/// each entry on its own. `None` when anything is unusual; the caller then parses the whole
/// document.
fn load_projection(
    text: &str,
    start: usize,
    end: usize,
    roots: &[usize],
    parts: &[(&str, Part)],
) -> Option<Loaded> {
    // A sequence written at the indentation of its key (`- item` at column 0) belongs to
    // the root key before it.
    let roots: Vec<usize> = roots
        .iter()
        .copied()
        .filter(|&r| !is_item(&text[r..]))
        .collect();
    let mut issues = Vec::new();
    let entries = project_entries(text, &roots, end, parts, &mut issues)?;
    Some(Loaded {
        docs: vec![Node {
            span: Span::new(start, end),
            value: yaml::Value::Map(entries),
        }],
        issues,
        failed: false,
        aliases_exhausted: false,
    })
}

/// The entries among `parts` of a block mapping whose entries start at `starts` (the
/// offsets of their lines) and which ends at `end`.
fn project_entries(
    text: &str,
    starts: &[usize],
    end: usize,
    parts: &[(&str, Part)],
    issues: &mut Vec<LoadIssue>,
) -> Option<Vec<yaml::Entry>> {
    // Each entry's key and what of it is read.
    let mut wanted: Vec<(usize, &str, Option<Part>)> = Vec::with_capacity(starts.len());
    for &r in starts {
        // The entry's first line, as `lines()` gives it (a CR before the LF dropped), found
        // with one search: this runs for every root key of every projected document.
        let rest = &text[r..];
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(n) => rest[..n].strip_suffix('\r').unwrap_or(&rest[..n]),
            None => rest,
        };
        let (key, _) = prescan::plain_key(line.trim_start_matches(' '))?;
        let part = parts.iter().find(|(k, _)| *k == key).map(|&(_, p)| p);
        wanted.push((r, key, part));
    }
    let stop_of = |i: usize| starts.get(i + 1).copied().unwrap_or(end);
    let mut entries: Vec<yaml::Entry> = Vec::new();
    let mut i = 0;
    while i < wanted.len() {
        let (r, key, part) = wanted[i];
        let before = entries.len();
        match part {
            None => {
                i += 1;
                continue;
            }
            // Entries read whole one after another are parsed as one block.
            Some(Part::Whole) => {
                let mut j = i + 1;
                while wanted
                    .get(j)
                    .is_some_and(|w| matches!(w.2, Some(Part::Whole)))
                {
                    j += 1;
                }
                entries.extend(whole_entries(text, r, stop_of(j - 1), j - i, issues)?);
                i = j;
            }
            Some(Part::Keys(sub)) => {
                let stop = stop_of(i);
                entries.push(match nested_starts(text, r, stop) {
                    Some(children) => {
                        let inner = project_entries(text, &children, stop, sub, issues)?;
                        let span = Span::new(
                            children[0] + indent(&text[children[0]..]),
                            inner.last().map_or(stop, |e| e.value.span.end as usize),
                        );
                        // A plain key (`plain_key` says so) is its own text.
                        let at = r + indent(&text[r..]);
                        yaml::Entry {
                            key: Node {
                                span: Span::new(at, at + key.len()),
                                value: yaml::Value::Scalar(yaml::Scalar {
                                    text: key.into(),
                                    style: yaml::Style::Plain,
                                    tag: None,
                                }),
                            },
                            value: Node {
                                span,
                                value: yaml::Value::Map(inner),
                            },
                        }
                    }
                    None => whole_entries(text, r, stop, 1, issues)?.pop()?,
                });
                i += 1;
            }
        }
        // Both of a repeated key are kept and the last is read, as in the full parse; the
        // parser reports repeats within one block itself.
        for k in before..entries.len() {
            let (done, new) = entries.split_at(before);
            let entry = &new[k - before];
            if let Some(first) = done.iter().find(|e| e.key.as_str() == entry.key.as_str()) {
                issues.push(LoadIssue::DuplicateKey {
                    key: entry.key.as_str().unwrap_or_default().to_string(),
                    first: first.key.span,
                    second: entry.key.span,
                });
            }
        }
    }
    // Held as long as the trees are: no spare room.
    entries.shrink_to_fit();
    Some(entries)
}

/// The `n` entries written in `text[from..to]`, parsed as one block.
fn whole_entries(
    text: &str,
    from: usize,
    to: usize,
    n: usize,
    issues: &mut Vec<LoadIssue>,
) -> Option<Vec<yaml::Entry>> {
    let loaded = yaml::load(&text[from..to], from);
    if loaded.failed || loaded.docs.len() != 1 {
        return None;
    }
    issues.extend(loaded.issues);
    let mut doc = loaded.docs.into_iter().next()?;
    doc.value.take_map().filter(|m| m.len() == n)
}

/// The documents of a file a kustomization reads, every span from `base`. A document of
/// a kind the rules never read (a CRD, a ConfigMap) is parsed for its identity only
/// (`apiVersion`, `kind`, `metadata`), and a workload for the parts the rules read (see
/// [`projection`]), which is all a render needs of them: what patches do to the rest never
/// reaches a rule. Kustomization files are parsed whole.
pub(crate) fn load_for_render(text: &str, base: usize) -> Loaded {
    let mut out = Loaded {
        docs: Vec::new(),
        issues: Vec::new(),
        failed: false,
        aliases_exhausted: false,
    };
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    for seg in prescan::segments(&text[bom..]) {
        let (start, end) = (seg.start + bom, seg.end + bom);
        // A workload is read in part, as the loader reads it. A patch's directives
        // (`$patch: delete`) are read wherever they are.
        let directives = memchr::memmem::find(&text.as_bytes()[start..end], b"$patch").is_some();
        let parts = match &seg.kind {
            _ if directives => None,
            prescan::Guess::Kind(k) if k == "Kustomization" || k == "Component" => None,
            prescan::Guess::Kind(k) if !Kind::is_relevant_name(k) => Some(IDENTITY),
            prescan::Guess::Kind(k) => projection(k),
            _ => None,
        };
        let projected = parts.and_then(|parts| {
            let roots: Vec<usize> = seg.roots.iter().map(|r| r + bom).collect();
            load_projection(text, start, end, &roots, parts)
        });
        let loaded = projected.unwrap_or_else(|| yaml::load(&text[start..end], start));
        out.failed |= loaded.failed;
        out.aliases_exhausted |= loaded.aliases_exhausted;
        out.docs.extend(loaded.docs);
        out.issues.extend(loaded.issues);
    }
    out.shift(base as u32);
    out
}

fn is_item(line: &str) -> bool {
    let b = line.as_bytes();
    b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

fn indent(line: &str) -> usize {
    leading_spaces(line.as_bytes())
}

/// Where the entries of the block mapping that is the value of the entry written in
/// `text[from..to]` start, when that can be told for certain from the lines: the key's line
/// holds nothing after the colon but a comment, and every content line after it is indented
/// with spaces, deeper than the key, and either a plain `key:` at the indentation of the
/// first one or deeper still. A line at that indentation cannot continue a scalar or a flow
/// collection, which must be indented more than their mapping's entries (YAML 1.2 §6.1,
/// §7.3), nor be a block scalar's content, which must too (§8.1.1.1).
fn nested_starts(text: &str, from: usize, to: usize) -> Option<Vec<usize>> {
    let block = &text[from..to];
    if memchr::memchr(b'\r', block.as_bytes()).is_some() {
        return None;
    }
    let mut lines = lines_inclusive(block);
    let first = lines.next()?;
    let (_, rest) = prescan::plain_key(first.trim_start_matches(' ').trim_end_matches('\n'))?;
    if !prescan::is_blank_or_comment(rest) {
        return None;
    }
    let parent = indent(first);
    let mut at = from + first.len();
    let mut child: Option<usize> = None;
    let mut starts = Vec::new();
    for line in lines {
        let here = at;
        at += line.len();
        let body = line.trim_end_matches('\n');
        if prescan::is_blank_or_comment(body) {
            continue;
        }
        let n = indent(body);
        if body[n..].starts_with('\t') || n <= parent {
            return None;
        }
        let n0 = *child.get_or_insert(n);
        if n < n0 {
            return None;
        }
        if n == n0 {
            let (key, _) = prescan::plain_key(&body[n..])?;
            if key == "<<" {
                return None;
            }
            starts.push(here);
        }
    }
    (!starts.is_empty()).then_some(starts)
}

/// The lines of `text` with their line breaks, as `text.split_inclusive('\n')` gives them,
/// the breaks found by one `memchr` iterator: a search started again for every line costs
/// more than the line, and this runs over every line of every block a projection reads.
fn lines_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = breaks.next().map_or(text.len(), |i| i + 1);
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// [`line_at`] of offsets of one text asked in increasing order, each counting on from the
/// one before: a file of many documents is counted once, not once for each.
#[derive(Default)]
struct LineCounter {
    /// Where the count stopped, and the line breaks before it.
    at: usize,
    breaks: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, offset: usize) -> usize {
        let end = crate::source::floor_char_boundary(text, offset.min(text.len()));
        if end < self.at {
            *self = LineCounter::default();
        }
        let bytes = &text.as_bytes()[..end];
        let from = self.at;
        // A CR that ended the text counted before is half of a CRLF now.
        if from > 0 && bytes[from - 1] == b'\r' && bytes.get(from) == Some(&b'\n') {
            self.breaks -= 1;
        }
        self.breaks += crate::source::line_breaks(&bytes[from..]).count();
        self.at = end;
        self.breaks + 1
    }
}

/// The 1-based line of a byte offset, counted on demand (rarely needed).
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    LineCounter::default().line_at(text, offset)
}

/// The template a document of `helm template` output was rendered from: a `# Source: <path>`
/// comment at column 0 among the comments and blank lines that open `text[start..end]`
/// (after its `---`), before its first content line. Returns where the line after the
/// comment starts, and the path.
fn helm_source(text: &str, start: usize, end: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = start;
    while at < end {
        let next = match memchr::memchr2(b'\n', b'\r', &bytes[at..end]) {
            None => end,
            Some(i) if bytes[at + i] == b'\r' && bytes.get(at + i + 1) == Some(&b'\n') => {
                at + i + 2
            }
            Some(i) => at + i + 1,
        };
        let body = text[at..next].trim_end_matches(['\n', '\r']);
        at = next;
        if let Some(path) = body.strip_prefix("# Source: ") {
            let path = path.trim();
            if !path.is_empty() {
                return Some((at, path));
            }
        }
        // `---`, or `--- # comment`: content after the marker is the document's.
        let marker = body.strip_prefix("---").is_some_and(|rest| {
            (rest.is_empty() || rest.starts_with([' ', '\t'])) && prescan::is_blank_or_comment(rest)
        });
        if !marker && !prescan::is_blank_or_comment(body) {
            return None;
        }
    }
    None
}

fn load_documents(text: &str, opts: LoadOptions) -> Documents {
    // A byte-order mark is not part of the first document.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut out = Documents {
        resources: Vec::new(),
        diagnostics: Vec::new(),
        documents: 0,
        keep: false,
        helm: Vec::new(),
        crds: Vec::new(),
    };
    // The lines of the CustomResourceDefinitions, counted once through the text.
    let mut lines = LineCounter::default();
    // Documents that are templates, with the syntax that tells it.
    // (document number, where, syntax): a document may show a template twice, as a
    // mapping key and as a syntax error.
    let mut templated: Vec<(usize, Span, Template)> = Vec::new();
    // What aliases may copy in this file. Documents the pre-scan rules out get a budget of
    // their own under `--full-parse`, so that both ways read the same.
    let mut alias_budget = yaml::MAX_ALIAS_NODES;
    for seg in prescan::segments(&text[bom..]) {
        let (start, end) = (seg.start + bom, seg.end + bom);
        out.documents += 1;
        // Only `helm template` output has `# Source:` comments, and only among the lines
        // that open a document (see `helm_source`), before its first root key.
        let opening = seg.roots.first().map_or(end, |r| r + bom);
        if memchr::memmem::find(&text.as_bytes()[start..opening], b"# Source: ").is_some() {
            if let Some((at, path)) = helm_source(text, start, end) {
                out.helm.push(HelmSource {
                    start: at as u32,
                    end: end as u32,
                    path: path.into(),
                });
            }
        }
        let known_irrelevant = seg.kind.certainly_not(Kind::is_relevant_name);
        // Of a CustomResourceDefinition of a validated kind, only the identity now, with or
        // without `--full-parse`: the rest is parsed if a document uses it (see
        // `model::schema`), more leniently than manifests are.
        if may_be_crd(text, &seg, bom) {
            let roots: Vec<usize> = seg.roots.iter().map(|r| r + bom).collect();
            let identity = load_projection(text, start, end, &roots, IDENTITY)
                .unwrap_or_else(|| yaml::load(&text[start..end], start));
            for doc in &identity.docs {
                out.crds
                    .extend(CrdSource::of(doc, text, &seg, bom, &mut lines));
            }
        }
        if known_irrelevant && !opts.full_parse {
            continue;
        }
        let piece = &text[start..end];
        let parts = match &seg.kind {
            prescan::Guess::Kind(k) => projection(k),
            _ => None,
        };
        let mut own_budget = yaml::MAX_ALIAS_NODES;
        let budget = if known_irrelevant {
            &mut own_budget
        } else {
            &mut alias_budget
        };
        let loaded = match parts.and_then(|parts| {
            let roots: Vec<usize> = seg.roots.iter().map(|r| r + bom).collect();
            load_projection(text, start, end, &roots, parts)
        }) {
            Some(l) => l,
            None => yaml::load_budgeted(piece, start, budget),
        };
        let stop = loaded.aliases_exhausted && !known_irrelevant;
        // A document that failed to parse counts unless its lines already ruled it out.
        let mut relevant = loaded.failed && !known_irrelevant;
        for doc in loaded.docs {
            let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
                continue;
            };
            // A CRD the lines could not tell (those they could are read above).
            if kind == "CustomResourceDefinition" && seg.kind == prescan::Guess::Unknown {
                out.crds
                    .extend(CrdSource::of(&doc, text, &seg, bom, &mut lines));
            }
            if !Kind::is_relevant_name(kind) {
                continue;
            }
            // `name: {{ .Values.x }}` parses as a mapping used as a key: a template that
            // only looks like YAML.
            if piece.contains("{{") && doc.has_collection_key() {
                templated.push((out.documents, doc.span, Template::Go));
                continue;
            }
            relevant = true;
            collect_resources(doc, &mut out.resources);
        }
        if !relevant {
            continue;
        }
        for issue in loaded.issues {
            out.diagnostics.push(match issue {
                LoadIssue::Syntax { span, message } => match Template::in_text(piece) {
                    Some(t) => {
                        templated.push((out.documents, span, t));
                        continue;
                    }
                    None => Diagnostic::new(RuleId::YamlSyntax, 0, span, message),
                },
                LoadIssue::DuplicateKey { key, first, second } => {
                    let line = line_at(text, first.start as usize);
                    Diagnostic::new(
                        RuleId::DuplicateKey,
                        0,
                        second,
                        format!("key `{key}` is given twice; the first is at line {line}"),
                    )
                    .help("remove one of them: most loaders silently keep the last, some the first, and the API server rejects the document")
                }
            });
        }
        if stop {
            // The finding says the rest of the file is not read.
            break;
        }
    }
    templated.dedup_by_key(|(doc, ..)| *doc);
    if let Some(&(_, first, syntax)) = templated.first() {
        // One note per file: a chart's templates are expected not to parse.
        let n = templated.len();
        let what = if n == 1 {
            "a document that uses".to_string()
        } else {
            format!("{n} documents that use")
        };
        out.diagnostics.push(
            Diagnostic::new(
                RuleId::SkippedFile,
                0,
                first,
                format!(
                    "skipped {what} template syntax ({}): YAML only once rendered",
                    syntax.describe()
                ),
            )
            .help(syntax.help()),
        );
    }
    out.keep = !out.resources.is_empty() || !out.diagnostics.is_empty();
    out
}

/// Whether a document the pre-scan calls a `CustomResourceDefinition` may be one of the
/// validated kinds': its `metadata` entry, as written, holds one of their CRD names. The
/// other CRDs of a repository (hundreds of kilobytes each) are never parsed.
fn may_be_crd(text: &str, seg: &prescan::Segment, bom: usize) -> bool {
    if !matches!(&seg.kind, prescan::Guess::Kind(k) if k == "CustomResourceDefinition") {
        return false;
    }
    let end = seg.end + bom;
    seg.roots.iter().enumerate().any(|(i, &r)| {
        let (from, to) = (r + bom, seg.roots.get(i + 1).map_or(end, |n| n + bom));
        text[from..to].starts_with("metadata:") && crate::model::crd::may_name_crd(&text[from..to])
    })
}

/// A CustomResourceDefinition of a validated kind in a file, parsed only if a document uses
/// it (most of a CRD's bytes are its schema).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrdSource {
    pub(crate) kind: Kind,
    /// The document's bytes in the file.
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) line: u32,
    /// A hash of the document without its `metadata` (labels and annotations differ
    /// between copies of one CRD): equal for copies.
    pub(crate) content: u64,
}

impl CrdSource {
    /// The CRD a parsed document (whole, or its identity) is, when its `metadata.name` is
    /// that of a validated kind's CRD. Computed from the lines as the pre-scan saw them, so
    /// that `--full-parse` gives the same.
    /// `lines` counts the lines of `text` (a file may hold many CRDs).
    fn of(
        doc: &Node,
        text: &str,
        seg: &prescan::Segment,
        bom: usize,
        lines: &mut LineCounter,
    ) -> Option<CrdSource> {
        let name = doc.path(&["metadata", "name"])?.as_str()?;
        let i = crate::model::schema::CRD_NAMES
            .iter()
            .position(|n| *n == name)?;
        let (start, end) = (seg.start + bom, seg.end + bom);
        let mut h = ContentHash::default();
        // From the first content line: the `---` and comments before it are not the CRD's.
        let mut at = seg.roots.first().map_or(start, |r| r + bom);
        for (j, &r) in seg.roots.iter().enumerate() {
            let (from, to) = (r + bom, seg.roots.get(j + 1).map_or(end, |n| n + bom));
            if text[from..to].starts_with("metadata:") {
                h.lines(&text[at..from]);
                at = to;
            }
        }
        h.lines(&text[at..end]);
        Some(CrdSource {
            kind: crate::model::schema::KINDS[i],
            start: start as u32,
            end: end as u32,
            line: lines.line_at(
                text,
                seg.roots
                    .first()
                    .map_or(doc.span.start as usize, |r| r + bom),
            ) as u32,
            content: h.finish(),
        })
    }
}

/// A hash of a text's content lines, their trailing spaces trimmed, without blank and
/// comment lines: the same for copies of one CRD that differ in layout only. Not for
/// adversaries: a collision only makes two CRDs count as copies.
///
/// The words of the content go to four lanes in turn, so that the multiplications of
/// consecutive words overlap, and a line's indentation counts as one word: most of a
/// CRD's bytes are the spaces that indent its schema.
#[derive(Default)]
struct ContentHash {
    lanes: [u64; 4],
    words: usize,
}

impl ContentHash {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn step(lane: u64, word: u64) -> u64 {
        (lane.rotate_left(5) ^ word).wrapping_mul(Self::K)
    }

    fn finish(&self) -> u64 {
        self.lanes
            .iter()
            .fold(self.words as u64, |h, &lane| Self::step(h, lane))
    }

    fn lines(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut lanes = self.lanes;
        let mut n = self.words;
        let mut mix = |word: u64| {
            lanes[n & 3] = Self::step(lanes[n & 3], word);
            n += 1;
        };
        let mut from = 0;
        for to in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
            let line = bytes[from..to].trim_ascii_end();
            from = to + 1;
            let spaces = leading_spaces(line);
            let rest = &line[spaces..];
            let body = rest.trim_ascii_start();
            if body.is_empty() || body[0] == b'#' {
                continue;
            }
            // The indentation, then the rest of the line, whose last word holds the line's
            // end (no whole word holds a LF, so the lines are told apart).
            mix(spaces as u64 | 1 << 63);
            let mut chunks = rest.chunks_exact(8);
            for c in &mut chunks {
                mix(u64::from_le_bytes(c.try_into().unwrap_or_default()));
            }
            let rest = chunks.remainder();
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            last[rest.len()] = b'\n';
            mix(u64::from_le_bytes(last));
        }
        self.lanes = lanes;
        self.words = n;
    }
}

/// How many spaces a line starts with, counted eight at a time while it can.
fn leading_spaces(line: &[u8]) -> usize {
    let mut at = 0;
    while line.get(at..at + 8) == Some(b"        ") {
        at += 8;
    }
    at + line[at..].iter().take_while(|&&b| b == b' ').count()
}

/// Template syntax that makes a document fail to parse as YAML until it is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Template {
    /// Helm and other Go templates: `{{ ... }}`.
    Go,
    /// Jinja: `{% ... %}`, `{# ... #}`.
    Jinja,
    /// FreeMarker: `<#if ...>`, `</#list>`.
    FreeMarker,
    /// Placeholders replaced before applying: `%NAME%`.
    Percent,
}

impl Template {
    /// The template syntax a text uses, if any.
    fn in_text(text: &str) -> Option<Template> {
        if text.contains("{{") {
            Some(Template::Go)
        } else if text.contains("{%") || text.contains("{#") {
            Some(Template::Jinja)
        } else if text.contains("<#") || text.contains("</#") {
            Some(Template::FreeMarker)
        } else if has_percent_placeholder(text) {
            Some(Template::Percent)
        } else {
            None
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Template::Go => "`{{ ... }}`",
            Template::Jinja => "`{% ... %}`",
            Template::FreeMarker => "`<#...>`",
            Template::Percent => "`%NAME%` placeholders",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Template::Go => {
                "lint the rendered output instead, e.g. `helm template . | canarylint check -`"
            }
            _ => {
                "lint the rendered output instead: render it, then pipe it to `canarylint check -`"
            }
        }
    }
}

/// A `%NAME%` placeholder: `%`, a letter or `_`, name characters, `%`.
fn has_percent_placeholder(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'%', bytes).any(|i| {
        let rest = &bytes[i + 1..];
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            .count();
        name > 0
            && (rest[0].is_ascii_alphabetic() || rest[0] == b'_')
            && rest.get(name) == Some(&b'%')
    })
}

/// Turns a document into resources: itself, or the items of a `List`.
fn collect_resources(doc: Node, out: &mut Vec<RawResource>) {
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
    if kind == "List" || kind.ends_with("List") {
        let Some(yaml::Value::Seq(_)) = doc.get("items").map(|n| &n.value) else {
            return;
        };
        let mut doc = doc;
        let Some(entries) = doc.value.take_map() else {
            return;
        };
        for mut e in entries {
            if e.key.as_str() != Some("items") {
                continue;
            }
            if let Some(items) = e.value.value.take_seq() {
                for item in items {
                    if let Some(r) = resource(item) {
                        out.push(r);
                    }
                }
            }
        }
        return;
    }
    if let Some(r) = resource(doc) {
        out.push(r);
    }
}

pub(crate) fn resource(root: Node) -> Option<RawResource> {
    let (kind, ns) = kind_and_namespace(&root)?;
    let ns = ns.map(str::to_string);
    let kind_node = root.get("kind")?;
    let meta = root.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    let name = name_node.and_then(Node::as_str).unwrap_or("").to_string();
    let name_span = name_node.map_or(kind_node.span, |n| n.span);
    Some(RawResource {
        explicit_namespace: ns.is_some(),
        resource: Resource {
            kind,
            name,
            namespace: ns.unwrap_or_default(),
            namespace_source: NamespaceSource::Explicit,
            file: 0,
            root: std::sync::Arc::new(root),
            name_span,
        },
    })
}

/// The kind of a document the linter reads as a resource (see [`resource`]), and the
/// namespace it names.
pub(crate) fn kind_and_namespace(root: &Node) -> Option<(Kind, Option<&str>)> {
    let api = root.get("apiVersion")?.as_str()?;
    let kind = Kind::from_api(api, root.get("kind")?.as_str()?)?;
    let ns = root
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str);
    Some((kind, ns))
}

/// Finds the `namespace:` that the nearest kustomization above a directory sets, for the
/// files loaded in parallel: each directory is read once.
#[derive(Default)]
pub(crate) struct KustomizeNamespaces {
    /// The maps are keyed by the directory's bytes: hashing a `Path` walks its components.
    cache: Mutex<HashMap<std::ffi::OsString, Option<String>>>,
    /// By directory as written, to spare a `canonicalize` per file.
    by_written_dir: Mutex<HashMap<std::ffi::OsString, Option<String>>>,
    /// The files each directory's kustomization lists among its `resources`, and whether
    /// the directory is a repository root.
    listed: Mutex<HashMap<std::ffi::OsString, (Vec<PathBuf>, bool)>>,
    canonical: crate::canonical::Canonical,
    /// The disk as the walk saw it, where it listed the directory.
    disk: crate::kustomize::CachedDisk,
}

impl KustomizeNamespaces {
    /// Answers from what the walk saw of the directories it listed where it can.
    pub(crate) fn knowing(listed: std::sync::Arc<crate::walk::Listed>) -> KustomizeNamespaces {
        KustomizeNamespaces {
            disk: crate::kustomize::CachedDisk::knowing(listed),
            ..KustomizeNamespaces::default()
        }
    }

    /// The text of `dir`'s kustomization file: the first of kustomize's names that the
    /// directory holds (as the walk saw it, where it listed the directory), and no other.
    fn kustomization_text(&self, dir: &Path) -> Option<String> {
        use crate::kustomize::Fs;
        let name = self.disk.kustomization_name(dir)?;
        let bytes = read_regular(&dir.join(crate::kustomize::KUSTOMIZATION_NAMES[name])).ok()?;
        utf8(bytes).ok()
    }

    /// Whether `dir` is a repository's top (holds a `.git`, a directory or a worktree's
    /// file).
    fn is_repository_root(&self, dir: &Path) -> bool {
        use crate::kustomize::Fs;
        let git = dir.join(".git");
        self.disk.is_dir(&git) || self.disk.is_file(&git)
    }

    pub(crate) fn namespace_for(&self, file: &Path) -> Option<String> {
        let dir = file.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Some(hit) = lock(&self.by_written_dir).get(dir.as_os_str()) {
            return hit.clone();
        }
        // Resolved from the walk where it knows no link is on the way; else by the disk.
        let canonical = self
            .disk
            .listed()
            .resolved(dir)
            .or_else(|| self.canonical.dir(dir))
            .unwrap_or_else(|| dir.to_path_buf());
        let found = self.lookup(&canonical);
        lock(&self.by_written_dir).insert(dir.as_os_str().to_owned(), found.clone());
        found
    }

    fn lookup(&self, dir: &Path) -> Option<String> {
        if let Some(hit) = lock(&self.cache).get(dir.as_os_str()) {
            return hit.clone();
        }
        let own = self
            .kustomization_text(dir)
            .and_then(|text| kustomization_namespace(&text));
        // The repository root ends the search: kustomizations outside it do not apply.
        let found = match own {
            Some(ns) => Some(ns),
            None if self.is_repository_root(dir) => None,
            None => dir.parent().and_then(|p| self.lookup(p)),
        };
        lock(&self.cache).insert(dir.as_os_str().to_owned(), found.clone());
        found
    }

    /// The directory of the kustomization that lists `file` among its `resources`: the
    /// nearest one above it, within the repository. The files one kustomization lists are
    /// built and applied together. A file only a directory entry brings in has a
    /// kustomization of its own there, which is then the one.
    pub(crate) fn build_for(&self, file: &Path) -> Option<PathBuf> {
        // Paths are compared as written, made lexically clean: a `canonicalize` per file
        // costs more than the rest of the lookup.
        let file = lexically_clean(file);
        let mut dir = file.parent();
        while let Some(d) = dir {
            let (lists, root) = self.listed_in(d);
            if lists {
                let listed = lock(&self.listed);
                if listed
                    .get(d.as_os_str())
                    .is_some_and(|(files, _)| files.contains(&file))
                {
                    return Some(d.to_path_buf());
                }
            }
            if root {
                return None;
            }
            dir = d.parent();
        }
        None
    }

    /// Whether `dir` has a kustomization that lists files, and whether it is a repository
    /// root; the list is cached.
    fn listed_in(&self, dir: &Path) -> (bool, bool) {
        if let Some((files, root)) = lock(&self.listed).get(dir.as_os_str()) {
            return (!files.is_empty(), *root);
        }
        let files = self
            .kustomization_text(dir)
            .map_or_else(Vec::new, |text| kustomization_resources(dir, &text));
        let root = self.is_repository_root(dir);
        let lists = !files.is_empty();
        lock(&self.listed).insert(dir.as_os_str().to_owned(), (files, root));
        (lists, root)
    }
}

/// `path` without `.` components, and with each `..` taking away the name before it.
pub(crate) fn lexically_clean(path: &Path) -> PathBuf {
    // Most paths a run sees are clean already (the walker's, the renders'), or after `./`:
    // copied as they are, without walking their components.
    match clean_as_written(path) {
        Some(clean) => clean.to_path_buf(),
        None => clean_components(path),
    }
}

fn clean_components(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `names` (a path's bytes after its leading separator, if any) is one or more
/// names none of which is empty or starts with a dot: then none is `.` or `..`. A name
/// after a separator that is empty or dotted starts with `/` or `.`, so the path has
/// neither `//` nor `/.` in it.
pub(crate) fn plain_names(names: &[u8]) -> bool {
    static PAIRS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new(b"//"),
                memchr::memmem::Finder::new(b"/."),
            ]
        });
    !matches!(names.first(), None | Some(b'/' | b'.'))
        && names.last() != Some(&b'/')
        && PAIRS.iter().all(|f| f.find(names).is_none())
}

/// Whether [`lexically_clean`] would give `path` back byte for byte: names between single
/// separators, none `.` or `..`, no trailing separator (Unix; elsewhere, never assumed).
pub(crate) fn is_clean(path: &Path) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    let body = bytes.strip_prefix(b"/").unwrap_or(bytes);
    // Not empty, and no separator last.
    if body.last().is_none_or(|&b| b == b'/') {
        return false;
    }
    // Most paths' names are plain, which two vectorized searches tell, where looking at
    // each name after each separator took about 700 instructions a path.
    if plain_names(body) {
        return true;
    }
    // Whether the name that starts at `at` is empty, `.` or `..`.
    let ends = |i: usize| body.get(i).is_none_or(|&c| c == b'/');
    let bad = |at: usize| {
        body[at] == b'/'
            || (body[at] == b'.' && (ends(at + 1) || (body[at + 1] == b'.' && ends(at + 2))))
    };
    // The names start first and after each separator: only those bytes are looked at, the
    // separators found by `memchr` (every path of a run is asked about, several times).
    !bad(0) && !memchr::memchr_iter(b'/', body).any(|at| bad(at + 1))
}

/// The entries that a kustomization file's text (in `dir`) lists under `resources`, as
/// paths written from `dir` and made lexically clean (a directory or remote base matches no
/// file).
fn kustomization_resources(dir: &Path, text: &str) -> Vec<PathBuf> {
    let loaded = yaml::load(text, 0);
    let Some(doc) = loaded.docs.first() else {
        return Vec::new();
    };
    let Some(items) = doc.get("resources").and_then(Node::as_seq) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|n| Some(lexically_clean(&dir.join(n.as_str()?))))
        .collect()
}

/// The `namespace:` a kustomization file's text sets.
fn kustomization_namespace(text: &str) -> Option<String> {
    let loaded = yaml::load(text, 0);
    Some(loaded.docs.first()?.get("namespace")?.as_str()?.to_string())
}

#[cfg(test)]
mod tests {

    #[test]
    fn utf8_is_checked_as_the_standard_library_checks_it() {
        let texts: [&[u8]; 8] = [
            b"",
            b"a: 1\n",
            "k: \u{e9}\u{1f600}\n".as_bytes(),
            b"a: \xff\n",
            b"\xc3",
            b"ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok \xe2\x82",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ];
        for bytes in texts {
            let ours = utf8(bytes.to_vec()).map_err(|e| e.utf8_error());
            let std = String::from_utf8(bytes.to_vec()).map_err(|e| e.utf8_error());
            assert_eq!(ours, std, "{bytes:?}");
        }
    }

    #[test]
    fn a_source_comment_names_a_template_only_where_it_opens_a_document() {
        let text = "kind: A\n# Source: t/late.yaml\nx: 1\n---\n# c\n\n# Source: t/b.yaml\nkind: B\n---\n# Source: t/c.yaml\n[1, 2]\n---\n  a: 1\n# Source: t/d.yaml\n";
        let f = SourceFile::new(PathBuf::new(), String::new(), text.into());
        let docs = load_documents(f.text(), LoadOptions::default());
        let paths: Vec<&str> = docs.helm.iter().map(|h| &*h.path).collect();
        assert_eq!(paths, ["t/b.yaml", "t/c.yaml"]);
    }

    #[test]
    fn counting_lines_on_gives_the_line_of_each_offset_as_listing_them_from_the_start() {
        let text = "a\nb\r\nc\rd\n\ne\r\r\nf\u{e9}g\nh\r";
        // Every offset, in increasing order and in steps (a CRLF split between two asks
        // included), and once going back.
        for step in 1..=4 {
            let mut lines = LineCounter::default();
            // The number of line starts before the offset, all listed.
            let from_start = |offset: usize| {
                let end = crate::source::floor_char_boundary(text, offset.min(text.len()));
                crate::source::line_starts(&text[..end]).len()
            };
            for offset in (0..=text.len() + 1).step_by(step) {
                assert_eq!(
                    lines.line_at(text, offset),
                    from_start(offset),
                    "offset {offset}, step {step}"
                );
            }
            assert_eq!(lines.line_at(text, 3), from_start(3));
        }
    }

    #[test]
    fn lines_are_split_as_split_inclusive_splits_them() {
        for text in ["", "\n", "a", "a\n", "a\nb", "a\n\nb\n", "\n\n", "é\nü\n x"] {
            let ours: Vec<&str> = lines_inclusive(text).collect();
            let std: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn an_unkept_files_place_is_the_end_of_its_path_or_kept_whole() {
        use crate::source::Place;
        use std::ffi::OsStr;
        let repo = |p: &str| Place::Repository(PathBuf::from(p));
        let cases = [
            ("/r/a/b.yaml", repo("a/b.yaml"), true),
            ("a/b.yaml", repo("a/b.yaml"), true),
            // Not where a name starts, or not the end of the path.
            ("/r/xa/b.yaml", repo("a/b.yaml"), false),
            ("/r/a/b.yaml", repo("sub/a/b.yaml"), false),
            (
                "/o/b.yaml",
                Place::Outside(PathBuf::from("/o/b.yaml")),
                false,
            ),
            ("b.yaml", Place::Unresolved, false),
        ];
        for (clean, place, tail) in cases {
            let kept = UnkeptPlace::new(place.clone(), OsStr::new(clean));
            assert_eq!(
                matches!(kept, UnkeptPlace::Tail(_)),
                tail && cfg!(unix),
                "{clean}"
            );
            assert_eq!(kept.place(OsStr::new(clean)), place, "{clean}");
        }
    }

    #[test]
    fn a_path_is_clean_when_no_name_of_it_is_empty_or_dots() {
        // Every path of up to five bytes of `a`, `.` and `/`, against a split into names.
        let oracle = |bytes: &[u8]| {
            let body = bytes.strip_prefix(b"/").unwrap_or(bytes);
            !body.is_empty()
                && body
                    .split(|&b| b == b'/')
                    .all(|name| !matches!(name, b"" | b"." | b".."))
        };
        let mut paths = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| ["a", ".", "/"].map(|c| format!("{p}{c}")))
                .collect();
            paths.extend(longer);
        }
        paths.sort();
        paths.dedup();
        // Each also after and before a long clean path, for the searches' long-text code.
        let long = "name.d/".repeat(16);
        for p in paths {
            for p in [p.clone(), format!("{long}{p}"), format!("{p}{long}x")] {
                assert_eq!(is_clean(Path::new(&p)), oracle(p.as_bytes()), "{p:?}");
            }
        }
    }

    #[test]
    fn clean_paths_are_kept_as_they_are_and_others_cleaned() {
        let cases = [
            "a/b.yaml",
            "/abs/a/b.yaml",
            "a",
            "/",
            "",
            ".",
            "./a/b",
            "a/./b",
            "a//b",
            "a/b/",
            "a/../b",
            "../a",
            "a/..",
            "..",
            "a/.hidden/b",
            "a/..b/c",
            "a/b..",
        ];
        let dotted = cases.map(|c| format!("./{c}"));
        let twice = cases.map(|c| format!("././{c}"));
        let after = cases.map(|c| format!(".//{c}"));
        let all = cases.iter().copied().chain(
            dotted
                .iter()
                .chain(&twice)
                .chain(&after)
                .map(String::as_str),
        );
        for case in all {
            let p = Path::new(case);
            assert_eq!(lexically_clean(p), clean_components(p), "{case}");
            assert_eq!(clean_key(p), clean_components(p).as_os_str(), "{case}");
            assert_eq!(clean_os(p.to_path_buf()), clean_components(p), "{case}");
            if is_clean(p) {
                assert_eq!(clean_components(p).as_os_str(), p.as_os_str(), "{case}");
            }
        }
        assert!(is_clean(Path::new("a/.hidden/b")));
        assert!(!is_clean(Path::new("a/./b")));
    }
    use super::*;

    fn load_str(text: &str, full: bool) -> LoadedFile {
        let src = SourceFile::new(PathBuf::from("t.yaml"), "t.yaml".into(), Arc::from(text));
        load_text(src, LoadOptions { full_parse: full })
    }

    #[test]
    fn crds_of_validated_kinds_are_found_by_name_and_the_same_with_full_parse() {
        let ours = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: canaries.flagger.app\n  labels: {release: \"1\"}\nspec:\n  group: flagger.app\n  names: {kind: Canary}\n";
        let other = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: applications.argoproj.io\nspec:\n  group: argoproj.io\n  names: {kind: Application}\n";
        let text = format!(
            "{other}---\n# the Canary CRD\n{ours}---\n{}",
            ours.replace("\"1\"", "\"2\"")
        );
        let fast = load_str(&text, false);
        let full = load_str(&text, true);
        assert_eq!(fast.crds, full.crds);
        assert_eq!(fast.crds.len(), 2, "{:?}", fast.crds);
        let c = &fast.crds[0];
        assert_eq!(c.kind, Kind::Canary);
        assert_eq!(c.line, 10);
        assert!(text[c.start as usize..].starts_with("---\n# the Canary CRD\napiVersion"));
        // Copies that differ in their metadata only have the same content.
        assert_eq!(fast.crds[0].content, fast.crds[1].content);
        // A file of CRDs alone holds nothing for the rules.
        assert!(fast.resources.is_empty());
    }

    #[test]
    fn list_items_become_resources() {
        let f = load_str(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n",
            false,
        );
        assert_eq!(f.resources.len(), 1);
        assert_eq!(f.resources[0].resource.name, "a");
    }

    #[test]
    fn syntax_errors_only_for_relevant_documents() {
        let text = "kind: ConfigMap\ndata: [\n---\nkind: VirtualService\nspec: [\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ok}\n";
        for full in [false, true] {
            let f = load_str(text, full);
            let rules: Vec<_> = f.diagnostics.iter().map(|d| d.rule).collect();
            assert_eq!(rules, vec![RuleId::YamlSyntax], "full={full}");
            assert_eq!(f.resources.len(), 1);
        }
    }

    /// The `parts` of a fully parsed document.
    fn prune(node: &Node, parts: &[(&str, Part)]) -> Node {
        let entries = node
            .entries()
            .iter()
            .filter_map(|e| {
                let part = parts.iter().find(|(k, _)| Some(*k) == e.key.as_str())?.1;
                Some(yaml::Entry {
                    key: e.key.clone(),
                    value: match part {
                        // A mapping read in part ends at its last entry read.
                        Part::Keys(sub) if e.value.as_map().is_some() => Node {
                            span: Span::new(0, 0),
                            value: yaml::Value::Map(prune(&e.value, sub).value.take_map()?),
                        },
                        _ => e.value.clone(),
                    },
                })
            })
            .collect();
        // The document's span, too, is that of its segment when read in part.
        Node {
            span: Span::new(0, 0),
            value: yaml::Value::Map(entries),
        }
    }

    /// Projects every document of `text` that has a projection, and compares it with the
    /// same parts of a full parse: the same nodes, values and spans. Returns how many were
    /// projected and how many fell back to a full parse.
    fn projections_agree(text: &str, what: &str) -> (usize, usize) {
        let (mut projected, mut fell_back) = (0, 0);
        for seg in prescan::segments(text) {
            let prescan::Guess::Kind(k) = &seg.kind else {
                continue;
            };
            let Some(parts) = projection(k) else {
                continue;
            };
            let Some(fast) = load_projection(text, seg.start, seg.end, &seg.roots, parts) else {
                fell_back += 1;
                continue;
            };
            let full = yaml::load(&text[seg.start..seg.end], seg.start);
            if full.failed {
                // A template (Helm) whose parts read parse: there is no full tree to
                // compare with.
                continue;
            }
            projected += 1;
            let expected = prune(&full.docs[0], parts);
            let fast = prune(&fast.docs[0], parts);
            assert_eq!(
                format!("{fast:?}"),
                format!("{expected:?}"),
                "{what}: at {}",
                seg.start
            );
        }
        (projected, fell_back)
    }

    #[test]
    fn workloads_are_read_in_part_as_a_full_parse_reads_them() {
        let shapes = [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels:\n        app: a # c\n    spec:\n      containers:\n      - name: x\n        args: [\"a: b\"]\n",
            // Comments at any indentation, a sequence at its key's indentation, a block
            // scalar whose content looks like keys.
            "kind: Deployment\nmetadata: {name: b}\nspec:\n# c\n    # d\n  selector:\n    matchLabels:\n      app: b\n  strategy: |\n    template: no\n  template:\n    metadata:\n      labels: {app: b}\n    spec:\n      containers:\n      - name: y\nitems:\n- a\n",
            // Flow values and values on the key's line are parsed whole.
            "kind: StatefulSet\nmetadata: {name: c}\nspec: {selector: {matchLabels: {app: c}}, template: {metadata: {labels: {app: c}}}}\n",
            "kind: DaemonSet\nmetadata: {name: d}\nspec:\n  template: &t\n    metadata: {labels: {app: d}}\n  selector: {matchLabels: {app: d}}\n",
            "kind: Pod\nmetadata:\n  name: e\n  labels: {app: e}\nspec:\n  containers: []\n",
            // A repeated key: the last wins.
            "kind: ReplicaSet\nmetadata: {name: f}\nspec:\n  template:\n    metadata: {labels: {app: x}}\n  template:\n    metadata: {labels: {app: f}}\n",
            // Multi-line scalars continue deeper than their key.
            "kind: Deployment\nmetadata: {name: g}\nspec:\n  selector:\n    matchLabels:\n      app: \"g\n        h\"\n  note: one\n    two three\n  template:\n    metadata:\n      labels: {app: gh}\n",
        ];
        // The entries of `spec` and `template` are told from the lines.
        let text = shapes[0];
        let spec = text.find("spec:\n").unwrap();
        let starts = nested_starts(text, spec, text.len()).unwrap();
        let keys: Vec<&str> = starts
            .iter()
            .map(|&s| text[s..].split(':').next().unwrap().trim())
            .collect();
        assert_eq!(keys, ["replicas", "selector", "template"]);
        let mut projected = 0;
        for (i, text) in shapes.iter().enumerate() {
            projected += projections_agree(text, &format!("shape {i}")).0;
        }
        assert!(projected >= 6, "only {projected} projected");
    }

    /// Every workload of the third-party corpus reads the same in part as in full.
    #[test]
    fn corpus_workloads_are_read_in_part_as_a_full_parse_reads_them() {
        let Some(root) = crate::testing::corpus() else {
            eprintln!("corpus_workloads_are_read_in_part_as_a_full_parse_reads_them: skipped, no ../shared/corpus");
            return;
        };
        let (mut projected, mut fell_back) = (0, 0);
        for (path, text) in crate::testing::yaml_files(&root) {
            let (p, f) = projections_agree(&text, &path.display().to_string());
            projected += p;
            fell_back += f;
        }
        eprintln!("corpus workloads: {projected} read in part, {fell_back} in full");
        assert!(projected > 100, "only {projected} projected");
    }

    #[test]
    fn templates_are_skipped_with_a_note() {
        let f = load_str(
            "kind: VirtualService\nspec:\n  {{- if .Values.x }}\n  hosts: [a]\n",
            false,
        );
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].rule, RuleId::SkippedFile);
    }
}
