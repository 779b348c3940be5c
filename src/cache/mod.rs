//! What loading found in files, kept between runs. A file unchanged since the last run is
//! not loaded again: one that held nothing the later phases keep is not even read, and
//! one with resources is not parsed (its resources' trees are decoded from the cache) and
//! read only if a later phase asks for its text (a finding's line, a render, a
//! suppression comment, which its entry says it holds).
//!
//! A file is unchanged when its device, inode, size, modification time and change time
//! are those it had when it was read (the change time moves on every write and cannot be
//! set back by hand). A file changed in the last seconds before a run is not kept: a
//! second write within the file system's clock step could leave its times as they were
//! (git's "racily clean" entries, read-cache.c `is_racy_timestamp`). Of findings, only
//! those loading makes are kept (a rule, a place, a message and help).
//!
//! The cache lives in the user's cache directory, never in the linted repository: a
//! repository (a fork's pull request) cannot bring results of its own. One cache file
//! serves one working directory and repository; it names the build of canarylint that
//! wrote it and the load options, and a file of another build or options is not read. A
//! cache that cannot be read, decoded or written is ignored: the run reads every file.

pub mod clean;

use std::ffi::OsStr;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::iter::ParallelIterator;

use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::load::{CrdSource, RawResource};
use crate::model::kinds::Kind;
use crate::source::HelmSource;
use crate::source::Span;
use crate::yaml::{Node, Scalar, Style, Value};

pub(crate) mod renders;

/// Files changed this many seconds or less before the run are loaded again next time.
const RACY_SECONDS: i64 = 2;

const MAGIC: &[u8] = b"canarylint load cache 7\n";

/// How the names of the two caches' files start; the run's key follows, in sixteen hex
/// digits.
const LOAD_FILE: &str = "load-";
const RENDER_FILE: &str = "render-";

/// What the file system says of a file, compared to tell it unchanged: device, inode,
/// size, and the modification and change times in nanoseconds since the epoch. Kept
/// with every file loaded, so kept small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp([i64; 5]);

impl Stamp {
    #[cfg(unix)]
    pub(crate) fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| {
            let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
            Stamp([
                meta.dev() as i64,
                meta.ino() as i64,
                meta.size() as i64,
                ns(meta.mtime(), meta.mtime_nsec()),
                ns(meta.ctime(), meta.ctime_nsec()),
            ])
        })
    }

    #[cfg(not(unix))]
    pub(crate) fn of(_: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// Whether the file changed so shortly before `start` (seconds since the epoch) that a
    /// later write could keep its times.
    fn racy(&self, start: i64) -> bool {
        let [.., mtime, ctime] = self.0;
        mtime.max(ctime) / 1_000_000_000 >= start - RACY_SECONDS
    }
}

/// What a run keeps of a loaded file for the next.
pub(crate) struct Entry<'a> {
    /// The file's path, lexically clean.
    pub(crate) clean: std::borrow::Cow<'a, OsStr>,
    pub(crate) stamp: Stamp,
    pub(crate) documents: usize,
    /// The roots of its resources and its findings. Only findings as loading makes them
    /// are kept: a rule, a place, a message and help.
    pub(crate) roots: &'a [RawResource],
    pub(crate) diagnostics: &'a [Diagnostic],
    /// Its CustomResourceDefinitions of validated kinds, and Helm's `# Source:` comments.
    pub(crate) crds: &'a [CrdSource],
    pub(crate) helm: &'a [HelmSource],
    /// Whether the text holds a suppression comment's marker: a file the next run does not
    /// read is searched for suppressions only if it does.
    pub(crate) marked: bool,
}

impl Entry<'_> {
    /// Whether the file held anything the later phases keep (else it is only a path).
    fn kept(&self) -> bool {
        !self.roots.is_empty() || !self.diagnostics.is_empty() || !self.crds.is_empty()
    }
}

/// Whether the cache holds all of a finding: it keeps those loading makes (a rule, a
/// place, a message and help), and a file with another is loaded again each run.
pub(crate) fn holds(d: &Diagnostic) -> bool {
    d.severity == d.rule.severity()
        && d.resource.is_none()
        && d.node_path.is_none()
        && d.related.is_empty()
        && d.baseline.is_none()
}

/// What the last run kept of a file that is unchanged since.
pub(crate) struct Found {
    pub(crate) stamp: Stamp,
    pub(crate) documents: usize,
    /// Where its resources' roots and findings are encoded in the cache (empty for a file
    /// without).
    payload: Range<usize>,
}

/// What the last run loaded of a file with resources, findings or CRDs.
pub(crate) struct Loaded {
    pub(crate) roots: Vec<Node>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) crds: Vec<CrdSource>,
    pub(crate) helm: Vec<HelmSource>,
    pub(crate) marked: bool,
}

/// The cache of one run: the entries the last run left, and where this run's go.
pub(crate) struct LoadCache {
    file: PathBuf,
    /// The build and options the entries hold for.
    identity: Vec<u8>,
    /// The cache file as read; `entries` points into it.
    bytes: Bytes,
    /// Each entry's path hash and where the entry starts, sorted.
    entries: Vec<(u64, usize)>,
    /// When the run began, in seconds since the epoch.
    start: i64,
}

impl LoadCache {
    /// The cache in `dir` for a run named by `key` (the repository it reads, and the
    /// working directory its relative paths start from), under `options` (what changes
    /// what loading finds). An absent or damaged
    /// cache is empty.
    pub(crate) fn open(dir: &Path, key: &[&OsStr], options: &str) -> Option<LoadCache> {
        let mut cache = LoadCache {
            file: dir.join(format!("{LOAD_FILE}{:016x}", name(key)?)),
            identity: identity(options),
            bytes: Bytes::default(),
            entries: Vec::new(),
            start: now()?,
        };
        if let Some(bytes) = read(&cache.file) {
            if let Some(entries) = index(&bytes, &cache.identity) {
                cache.entries = entries;
                cache.bytes = bytes;
            }
        }
        Some(cache)
    }

    /// Where the cache of the overlays' renders that goes with this one is (same
    /// repository, working directory, build and options): see [`renders::RenderCache`].
    pub(crate) fn renders_at(&self) -> renders::Place {
        renders::Place {
            file: self.file.with_file_name(
                self.file
                    .file_name()
                    .map(|n| n.to_string_lossy().replacen(LOAD_FILE, RENDER_FILE, 1))
                    .unwrap_or_default(),
            ),
            identity: self.identity.clone(),
            start: self.start,
            found: None,
        }
    }

    /// How many entries the last run left.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry of `clean` (a path, lexically clean), if the last run left one.
    fn entry(&self, clean: &OsStr) -> Option<Record<'_>> {
        let path = clean.as_encoded_bytes();
        let h = path_hash(path);
        let first = self.entries.partition_point(|&(k, _)| k < h);
        self.entries[first..]
            .iter()
            .take_while(|&&(k, _)| k == h)
            .filter_map(|&(_, at)| Record::at(&self.bytes, at))
            .find(|r| r.path == path)
    }

    /// What the last run kept of the file at `clean` when it held nothing to keep, and
    /// `path` is unchanged since.
    pub(crate) fn unkept(&self, clean: &OsStr, path: &Path) -> Option<Found> {
        self.unchanged(clean, path, State::Unkept)
    }

    /// What the last run kept of the file at `clean` when it had resources or findings,
    /// if `path` is unchanged since, as the file system tells without reading it.
    pub(crate) fn kept_unread(&self, clean: &OsStr, path: &Path) -> Option<Found> {
        self.unchanged(clean, path, State::Loaded)
    }

    /// The entry of `clean` in `state`, if `path` has the stamp it had: the file system is
    /// asked only of files with such an entry.
    fn unchanged(&self, clean: &OsStr, path: &Path, state: State) -> Option<Found> {
        let r = self.entry(clean).filter(|r| r.state == state)?;
        let now = std::fs::metadata(path).ok().and_then(|m| Stamp::of(&m))?;
        (now == r.stamp).then_some(Found {
            stamp: r.stamp,
            documents: r.documents,
            payload: r.payload,
        })
    }

    /// What the last run kept of the file at `clean` when it had resources or findings,
    /// if the file just read has the stamp it had then.
    pub(crate) fn kept(&self, clean: &OsStr, stamp: Stamp) -> Option<Found> {
        let r = self.entry(clean).filter(|r| r.state == State::Loaded)?;
        (r.stamp == stamp).then_some(Found {
            stamp,
            documents: r.documents,
            payload: r.payload,
        })
    }

    /// What a file [`LoadCache::kept`] found held (its resources' roots, findings, CRDs
    /// and Helm sources), as loaded; `None` if it does not decode (a damaged cache).
    pub(crate) fn loaded(&self, found: &Found) -> Option<Loaded> {
        let mut r = Reader(self.bytes.get(found.payload.clone())?);
        let n = r.u32()? as usize;
        let mut roots = Vec::with_capacity(n.min(r.0.len()));
        for _ in 0..n {
            roots.push(decode(&mut r, 0)?);
        }
        let n = r.u32()? as usize;
        let mut diagnostics = Vec::with_capacity(n.min(r.0.len()));
        for _ in 0..n {
            let rule = RuleId::from_name(r.str()?)?;
            let span = Span {
                start: r.u32()?,
                end: r.u32()?,
            };
            let mut d = Diagnostic::new(rule, 0, span, r.str()?);
            d.help = match r.u8()? {
                0 => None,
                1 => Some(r.str()?.to_string()),
                _ => return None,
            };
            diagnostics.push(d);
        }
        let n = r.u32()? as usize;
        let mut crds = Vec::with_capacity(n.min(r.0.len()));
        for _ in 0..n {
            crds.push(CrdSource {
                kind: *Kind::ALL.get(usize::from(r.u8()?))?,
                start: r.u32()?,
                end: r.u32()?,
                line: r.u32()?,
                content: r.u64()?,
            });
        }
        let n = r.u32()? as usize;
        let mut helm = Vec::with_capacity(n.min(r.0.len()));
        for _ in 0..n {
            helm.push(HelmSource {
                start: r.u32()?,
                end: r.u32()?,
                path: r.str()?.into(),
            });
        }
        let marked = match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        r.0.is_empty().then_some(Loaded {
            roots,
            diagnostics,
            crds,
            helm,
            marked,
        })
    }

    /// Whether the last run left `n` entries: when this run's `n` entries are each one it
    /// left, unchanged, they are all it left.
    pub(crate) fn holds_just(&self, n: usize) -> bool {
        self.entries.len() == n
    }

    /// Keeps this run's entries for the next, unless they are those it found. Entries of
    /// files changed just before the run are left out (see the module's note).
    pub(crate) fn save<'a>(self, entries: impl ParallelIterator<Item = Entry<'a>>) {
        let start = self.start;
        // The entries in a few runs of bytes, in parallel, with how many there are and how
        // many are those found: an unchanged file's entry is taken as it is, and one seen
        // before is now encoded.
        let parts: Vec<(Vec<u8>, usize, usize)> = entries
            .filter(|e| !e.stamp.racy(start))
            .fold(
                || (Vec::new(), 0, 0),
                |(mut out, n, same), e| {
                    let old = self.entry(&e.clean).filter(|r| r.stamp == e.stamp);
                    let state = match (e.kept(), old.as_ref().map(|r| r.state)) {
                        (false, Some(State::Unkept)) | (true, Some(State::Loaded)) => {
                            out.extend_from_slice(old.map_or(&[][..], |r| r.bytes));
                            return (out, n + 1, same + 1);
                        }
                        (false, _) => State::Unkept,
                        (true, Some(State::Seen)) => State::Loaded,
                        (true, _) => State::Seen,
                    };
                    encode_entry(&e, state, &mut out);
                    (out, n + 1, same)
                },
            )
            .collect();
        let (n, same) = parts.iter().fold((0, 0), |(n, s), p| (n + p.1, s + p.2));
        if n == self.entries.len() && same == n {
            return;
        }
        write(
            &self.file,
            MAGIC,
            &self.identity,
            parts.iter().map(|p| p.0.as_slice()),
        );
    }
}

/// Writes a cache file: the magic, the identity and `parts`.
fn write<'p>(file: &Path, magic: &[u8], identity: &[u8], parts: impl Iterator<Item = &'p [u8]>) {
    if let Some(mut draft) = Draft::create(file, magic, identity) {
        parts.for_each(|p| draft.put(p));
        draft.finish();
    }
}

/// A cache file being written: to a file beside it, then moved over the old, so that a
/// run that reads it meanwhile sees either whole.
struct Draft {
    file: PathBuf,
    tmp: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
}

impl Draft {
    /// The draft of `file`, its header written; `None` when it cannot be created.
    fn create(file: &Path, magic: &[u8], identity: &[u8]) -> Option<Draft> {
        std::fs::create_dir_all(file.parent()?).ok()?;
        let tmp = temporary(
            file,
            SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        // Created anew, never through a link someone left at its name (a shared cache
        // directory): a stale file of a run that died is removed first.
        let _ = std::fs::remove_file(&tmp);
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .ok()?;
        let mut draft = Draft {
            file: file.to_path_buf(),
            tmp,
            out: Some(std::io::BufWriter::with_capacity(1 << 16, created)),
        };
        for part in [magic, identity, b"\n"] {
            draft.put(part);
        }
        Some(draft)
    }

    /// Appends `bytes`; after a failed write nothing more is written, and the draft is
    /// removed at the end.
    fn put(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out {
            if out.write_all(bytes).is_err() {
                self.out = None;
            }
        }
    }

    /// Moves the draft over the file, if all of it was written.
    fn finish(mut self) {
        let done = self.out.take().is_some_and(|mut out| out.flush().is_ok());
        if !done || std::fs::rename(&self.tmp, &self.file).is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl Drop for Draft {
    /// A draft never finished is removed.
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// When the run began, in seconds since the epoch.
fn now() -> Option<i64> {
    Some(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs() as i64,
    )
}

/// The name of the cache of a run from the working directory in the repository `key`: a
/// hash that is the same in every process (the hash maps' is seeded per process); each
/// part is hashed with its length, so the parts stay apart.
fn name(key: &[&OsStr]) -> Option<u64> {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    for k in key {
        k.as_encoded_bytes().hash(&mut h);
    }
    Some(h.finish())
}

/// Saves so far in this process: each writes a temporary file of its own (tests save from
/// several threads at once).
static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Where the `n`th save of this process writes the cache before moving it to `file`.
fn temporary(file: &Path, n: u64) -> PathBuf {
    file.with_extension(format!("tmp{}-{n}", std::process::id()))
}

/// An entry of the cache file: its length (u64, the rest of the entry), the path (its
/// length, u64, and bytes), the stamp (five i64), the document count (u64), the state
/// (u8), then, when the state is `Loaded`, the resources' roots (a count, u32, and each
/// tree), the findings (a count, and each one's rule name, span, message and help if
/// any), the CRDs (a count, and each one's kind, span, line and content hash) and the Helm
/// sources (a count, and each one's span and template path).
struct Record<'a> {
    /// The whole entry.
    bytes: &'a [u8],
    path: &'a [u8],
    stamp: Stamp,
    documents: usize,
    state: State,
    /// Where the roots and findings are in the cache's bytes.
    payload: Range<usize>,
}

/// What an entry holds of its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The file held nothing to keep.
    Unkept = 0,
    /// The file's resources and findings, encoded.
    Loaded = 1,
    /// The file held resources or findings, not encoded: they are when a run finds the
    /// file unchanged (a file read once, as in a fresh clone, costs no encoding).
    Seen = 2,
}

impl<'a> Record<'a> {
    fn at(all: &'a [u8], at: usize) -> Option<Record<'a>> {
        let len = usize::try_from(Reader(all.get(at..)?).u64()?).ok()?;
        let bytes = all.get(at..at.checked_add(8)?.checked_add(len)?)?;
        let mut r = Reader(&bytes[8..]);
        let path_len = usize::try_from(r.u64()?).ok()?;
        let path = r.take(path_len)?;
        let mut stamp = [0i64; 5];
        for v in &mut stamp {
            *v = r.u64()? as i64;
        }
        let documents = usize::try_from(r.u64()?).ok()?;
        let state = match r.u8()? {
            0 => State::Unkept,
            1 => State::Loaded,
            2 => State::Seen,
            _ => return None,
        };
        let end = at + bytes.len();
        if state != State::Loaded && !r.0.is_empty() {
            return None;
        }
        Some(Record {
            bytes,
            path,
            stamp: Stamp(stamp),
            documents,
            state,
            payload: end - r.0.len()..end,
        })
    }
}

/// Appends an entry to `out`.
fn encode_entry(e: &Entry<'_>, state: State, out: &mut Vec<u8>) {
    let at = begin_sized(out);
    let path = e.clean.as_encoded_bytes();
    out.extend_from_slice(&(path.len() as u64).to_le_bytes());
    out.extend_from_slice(path);
    put_stamp(out, &e.stamp);
    out.extend_from_slice(&(e.documents as u64).to_le_bytes());
    out.push(state as u8);
    if state == State::Loaded {
        out.extend_from_slice(&(e.roots.len() as u32).to_le_bytes());
        for r in e.roots {
            encode(&r.resource.root, out);
        }
        out.extend_from_slice(&(e.diagnostics.len() as u32).to_le_bytes());
        for d in e.diagnostics {
            put_str(out, d.rule.as_str());
            out.extend_from_slice(&d.span.start.to_le_bytes());
            out.extend_from_slice(&d.span.end.to_le_bytes());
            put_str(out, &d.message);
            match &d.help {
                Some(h) => {
                    out.push(1);
                    put_str(out, h);
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(e.crds.len() as u32).to_le_bytes());
        for c in e.crds {
            let kind = Kind::ALL
                .iter()
                .position(|k| *k == c.kind)
                .unwrap_or(usize::MAX);
            out.push(u8::try_from(kind).unwrap_or(u8::MAX));
            for v in [c.start, c.end, c.line] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&c.content.to_le_bytes());
        }
        out.extend_from_slice(&(e.helm.len() as u32).to_le_bytes());
        for h in e.helm {
            out.extend_from_slice(&h.start.to_le_bytes());
            out.extend_from_slice(&h.end.to_le_bytes());
            put_str(out, &h.path);
        }
        out.push(u8::from(e.marked));
    }
    end_sized(out, at);
}

/// Starts an entry of a cache file, which a reader can step over whole: room for its
/// length (u64), which [`end_sized`] writes once the entry is appended. Where it starts.
fn begin_sized(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; 8]);
    at
}

/// Ends the entry [`begin_sized`] started at `at`: writes its length.
fn end_sized(out: &mut [u8], at: usize) {
    let len = (out.len() - at - 8) as u64;
    out[at..at + 8].copy_from_slice(&len.to_le_bytes());
}

/// Appends a stamp: its five numbers (i64).
fn put_stamp(out: &mut Vec<u8>, stamp: &Stamp) {
    for v in stamp.0 {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Where each entry of a cache file starts, by its path's hash, sorted; `None` when the
/// file is of another build or damaged.
fn index(bytes: &[u8], identity: &[u8]) -> Option<Vec<(u64, usize)>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(identity)?.strip_prefix(b"\n")?;
    let mut at = bytes.len() - rest.len();
    let mut entries = Vec::new();
    while at < bytes.len() {
        let r = Record::at(bytes, at)?;
        entries.push((path_hash(r.path), at));
        at += r.bytes.len();
    }
    entries.sort_unstable();
    Some(entries)
}

fn path_hash(path: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(path)
}

/// A tree as bytes: its span (two u32), then a tag: 0 a scalar (its style, its text, its
/// tag if any), 1 a sequence (a count, u32, and the items), 2 a mapping (a count, and each
/// key and value).
fn encode(n: &Node, out: &mut Vec<u8>) {
    out.extend_from_slice(&n.span.start.to_le_bytes());
    out.extend_from_slice(&n.span.end.to_le_bytes());
    match &n.value {
        Value::Scalar(s) => {
            out.push(0);
            out.push(match s.style {
                Style::Plain => 0,
                Style::Quoted => 1,
                Style::Block => 2,
            });
            put_str(out, &s.text);
            match &s.tag {
                Some(t) => {
                    out.push(1);
                    put_str(out, t);
                }
                None => out.push(0),
            }
        }
        Value::Seq(items) => {
            out.push(1);
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            for i in items {
                encode(i, out);
            }
        }
        Value::Map(entries) => {
            out.push(2);
            out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
            for e in entries {
                encode(&e.key, out);
                encode(&e.value, out);
            }
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

/// Bytes with their length (u32) before them, as [`Reader::bytes`] reads them.
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// A tree [`encode`] wrote; `None` for bytes it did not write. The depth is bounded as
/// loading bounds a tree's.
fn decode(r: &mut Reader<'_>, depth: usize) -> Option<Node> {
    if depth > crate::yaml::MAX_DEPTH + 1 {
        return None;
    }
    let span = Span {
        start: r.u32()?,
        end: r.u32()?,
    };
    let value = match r.u8()? {
        0 => {
            let style = match r.u8()? {
                0 => Style::Plain,
                1 => Style::Quoted,
                2 => Style::Block,
                _ => return None,
            };
            let text = compact_str::CompactString::from(r.str()?);
            let tag = match r.u8()? {
                0 => None,
                1 => Some(Box::new(r.str()?.to_string())),
                _ => return None,
            };
            Value::Scalar(Scalar { text, style, tag })
        }
        1 => {
            let n = r.u32()? as usize;
            let mut items = Vec::with_capacity(n.min(r.0.len()));
            for _ in 0..n {
                items.push(decode(r, depth + 1)?);
            }
            Value::Seq(items)
        }
        2 => {
            let n = r.u32()? as usize;
            let mut entries = Vec::with_capacity(n.min(r.0.len()));
            for _ in 0..n {
                let key = decode(r, depth + 1)?;
                let value = decode(r, depth + 1)?;
                entries.push(crate::yaml::Entry { key, value });
            }
            Value::Map(entries)
        }
        _ => return None,
    };
    Some(Node { span, value })
}

/// The largest cache file read (the 10-copy bench tree's is 15 MB).
const MAX_CACHE_BYTES: u64 = 1 << 30;

/// A cache file's bytes, if it is a regular file (not a link, a FIFO or a device someone
/// left in a shared directory) of at most `MAX_CACHE_BYTES`.
fn read(path: &Path) -> Option<Bytes> {
    #[cfg(target_os = "linux")]
    if let Some(mapped) = Mapped::of(path) {
        return Some(Bytes::Mapped(mapped));
    }
    crate::load::read_bounded(path, MAX_CACHE_BYTES, false)
        .ok()
        .map(|(bytes, _)| Bytes::Read(bytes))
}

/// The bytes of a cache file: mapped where the system allows, else read. Reading copied
/// the 15 and 18 MB files of the bench tree's caches into fresh pages, 10-13 ms each of
/// every cached run; mapping them with their pages filled in takes about 1 ms.
pub(crate) enum Bytes {
    Read(Vec<u8>),
    #[cfg(target_os = "linux")]
    Mapped(Mapped),
}

impl Default for Bytes {
    fn default() -> Self {
        Bytes::Read(Vec::new())
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Read(v) => v,
            #[cfg(target_os = "linux")]
            Bytes::Mapped(m) => m.bytes(),
        }
    }
}

/// A cache file mapped read-only, private to this process.
///
/// A cache file is never written in place: a run writes a new file and renames it over
/// the old one ([`Draft::finish`]), so the file mapped keeps its bytes while it is mapped.
/// (Another program cutting the file short in place meanwhile would end the run, as it
/// would any program reading a mapped file; the cache directory is the user's own.)
#[cfg(target_os = "linux")]
pub(crate) struct Mapped {
    at: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone: shared references to
// its bytes are what a `&[u8]` is, from any thread.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapped {}
#[cfg(target_os = "linux")]
unsafe impl Sync for Mapped {}

#[cfg(target_os = "linux")]
impl Mapped {
    /// `path` mapped, if it is a regular file (not followed as a link) of 1 byte to
    /// `MAX_CACHE_BYTES`; `None` where it cannot be (the caller reads it instead).
    fn of(path: &Path) -> Option<Mapped> {
        use std::os::fd::AsRawFd;
        let (f, meta) = crate::load::open_bounded(path, MAX_CACHE_BYTES, false).ok()?;
        if meta.len() == 0 {
            return None;
        }
        let len = usize::try_from(meta.len()).ok()?;
        // SAFETY: a new private read-only mapping of an open regular file, at an address
        // the system chooses; the result is checked before use. `MAP_POPULATE` fills in
        // its pages at once rather than one fault at a time.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_POPULATE,
                f.as_raw_fd(),
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return None;
        }
        Some(Mapped {
            at: std::ptr::NonNull::new(at.cast::<u8>())?,
            len,
        })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `at` is a live mapping of `len` readable bytes until `drop`, and nothing
        // writes to it (see the type's note).
        unsafe { std::slice::from_raw_parts(self.at.as_ptr(), self.len) }
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `of`, unmapped once; no borrow of it outlives `self`.
        unsafe {
            libc::munmap(self.at.as_ptr().cast(), self.len);
        }
    }
}

/// The build of canarylint that writes a cache, and the options it loaded with: a cache of
/// another is not read.
fn identity(options: &str) -> Vec<u8> {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| Stamp::of(&m));
    let exe = exe.map_or(String::new(), |s| format!("{:?}", s.0));
    format!("{} {exe} {options}", env!("CARGO_PKG_VERSION"))
        .replace('\n', " ")
        .into_bytes()
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// Bytes with their length (u32) before them.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// The directory canarylint keeps its caches in: `CANARYLINT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/canarylint`, else `~/.cache/canarylint`; `None` when none is set.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let set = |v: &str| {
        std::env::var_os(v)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    };
    set("CANARYLINT_CACHE_DIR")
        .or_else(|| set("XDG_CACHE_HOME").map(|d| d.join("canarylint")))
        .or_else(|| set("HOME").map(|d| d.join(".cache").join("canarylint")))
        .filter(|d| d.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::iter::IntoParallelIterator;

    /// A fresh directory for one test, removed when it ends.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let p = std::env::temp_dir()
                .join(format!("canarylint-cache-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Scratch(p)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn stamp(n: i64) -> Stamp {
        Stamp([1, 2, 3, n * 1_000_000_000 + 5, n * 1_000_000_000 + 7])
    }

    fn entry<'a>(clean: &'a str, n: i64, roots: &'a [RawResource]) -> Entry<'a> {
        Entry {
            clean: std::borrow::Cow::Borrowed(OsStr::new(clean)),
            stamp: stamp(n),
            documents: n as usize,
            roots,
            diagnostics: &[],
            crds: &[],
            helm: &[],
            marked: false,
        }
    }

    #[test]
    fn trees_read_back_as_they_were_written() {
        let text = "a: [1, 'two', !!str 3]\nb:\n  c: |\n    block\n  d: {}\n'': ~\n";
        let doc = crate::yaml::load(text, 0).docs.remove(0);
        let mut bytes = Vec::new();
        encode(&doc, &mut bytes);
        let back = decode(&mut Reader(&bytes), 0).unwrap();
        assert_eq!(format!("{doc:?}"), format!("{back:?}"));
        // Cut short anywhere, the bytes do not decode.
        for cut in 0..bytes.len() {
            assert!(decode(&mut Reader(&bytes[..cut]), 0).is_none(), "{cut}");
        }
    }

    #[test]
    fn a_cache_reads_back_what_it_wrote_and_nothing_of_another_build() {
        let dir = Scratch::new("back");
        let text =
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\n";
        let doc = crate::yaml::load(text, 0).docs.remove(0);
        let resources = [crate::load::resource(doc.clone()).unwrap()];
        let cache = LoadCache::open(&dir.0, &[OsStr::new("repo")], "a").unwrap();
        assert_eq!(cache.len(), 0);
        let notes = [
            Diagnostic::new(RuleId::DuplicateKey, 0, Span::new(3, 9), "twice").help("once"),
            Diagnostic::new(RuleId::YamlSyntax, 0, Span::new(0, 1), "bad"),
        ];
        let crds = [CrdSource {
            kind: Kind::ClusterAnalysisTemplate,
            start: 5,
            end: 900,
            line: 2,
            content: u64::MAX - 7,
        }];
        let helm = [HelmSource {
            start: 20,
            end: 80,
            path: "shop/templates/vs.yaml".into(),
        }];
        let entries = || {
            let mut noted = entry("e.yaml", 102, &[]);
            noted.diagnostics = &notes;
            noted.crds = &crds;
            noted.helm = &helm;
            noted.marked = true;
            vec![
                entry("a/b.yaml", 100, &[]),
                entry("c d.yaml", 101, &resources),
                noted,
            ]
        };
        cache.save(entries().into_par_iter());
        // A file with resources is first only seen: its trees are kept when a second run
        // finds it unchanged.
        let seen = LoadCache::open(&dir.0, &[OsStr::new("repo")], "a").unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen.kept(OsStr::new("c d.yaml"), stamp(101)).is_none());
        seen.save(entries().into_par_iter());
        let again = LoadCache::open(&dir.0, &[OsStr::new("repo")], "a").unwrap();
        assert_eq!(again.len(), 3);
        // A file without resources is told unchanged by the file system (not here: the
        // stamps are made up); a file with them by the stamp of the file read.
        assert!(again.kept(OsStr::new("a/b.yaml"), stamp(100)).is_none());
        assert!(again.kept(OsStr::new("c d.yaml"), stamp(102)).is_none());
        let found = again.kept(OsStr::new("c d.yaml"), stamp(101)).unwrap();
        assert_eq!(found.documents, 101);
        let loaded = again.loaded(&found).unwrap();
        assert_eq!(format!("{:?}", loaded.roots), format!("{:?}", [&doc]));
        assert!(loaded.diagnostics.is_empty());
        assert!(!loaded.marked);
        let found = again.kept(OsStr::new("e.yaml"), stamp(102)).unwrap();
        let loaded = again.loaded(&found).unwrap();
        assert!(loaded.roots.is_empty());
        assert_eq!(format!("{:?}", loaded.diagnostics), format!("{notes:?}"));
        assert_eq!(loaded.crds, crds);
        assert_eq!(loaded.helm, helm);
        assert!(loaded.marked);
        // Other options, or another set of paths: nothing.
        let other = |key: &str, options: &str| {
            LoadCache::open(&dir.0, &[OsStr::new(key)], options)
                .unwrap()
                .len()
        };
        assert_eq!(other("repo", "b"), 0);
        assert_eq!(other("x", "a"), 0);
    }

    #[test]
    fn a_cache_read_keeps_its_bytes_while_a_later_run_replaces_the_file() {
        let dir = Scratch::new("replaced");
        let first = LoadCache::open(&dir.0, &[], "a").unwrap();
        first.save(vec![entry("old.yaml", 60, &[]), entry("b.yaml", 61, &[])].into_par_iter());
        let held = LoadCache::open(&dir.0, &[], "a").unwrap();
        let before = held.bytes.to_vec();
        assert_eq!(held.len(), 2);
        // Another run writes its cache meanwhile: a new file, renamed over this one.
        let other = LoadCache::open(&dir.0, &[], "a").unwrap();
        other.save(vec![entry("new.yaml", 70, &[])].into_par_iter());
        assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 1);
        assert_eq!(&*held.bytes, &before[..]);
        assert!(held.entry(OsStr::new("old.yaml")).is_some());
        // An empty file holds no cache, and is read, not mapped.
        std::fs::write(&held.file, b"").unwrap();
        assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn links_and_fifos_in_the_cache_directory_are_neither_read_nor_written_through() {
        let dir = Scratch::new("links");
        let other = Scratch::new("links-other");
        let valid = LoadCache::open(&other.0, &[], "a").unwrap();
        let valid_file = valid.file.clone();
        valid.save(vec![entry("old.yaml", 60, &[])].into_par_iter());
        assert_eq!(LoadCache::open(&other.0, &[], "a").unwrap().len(), 1);
        let cache = LoadCache::open(&dir.0, &[], "a").unwrap();
        let file = cache.file.clone();
        // A link to a valid cache is not followed.
        std::os::unix::fs::symlink(&valid_file, &file).unwrap();
        assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 0);
        // A FIFO is not read (reading it would wait for a writer).
        std::fs::remove_file(&file).unwrap();
        let c = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 0);
        // A link where the new cache is written first is replaced, not written through.
        let target = dir.0.join("target");
        std::fs::write(&target, b"keep").unwrap();
        // At the names of this process's next saves (other tests may save meanwhile).
        let next = SAVES.load(std::sync::atomic::Ordering::Relaxed);
        for n in next..next + 64 {
            std::os::unix::fs::symlink(&target, temporary(&file, n)).unwrap();
        }
        cache.save(vec![entry("new.yaml", 60, &[])].into_par_iter());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_cache_is_empty_and_a_racy_entry_is_not_kept() {
        let dir = Scratch::new("damaged");
        let cache = LoadCache::open(&dir.0, &[], "a").unwrap();
        let (now, file) = (cache.start, cache.file.clone());
        cache.save(
            vec![entry("f.yaml", now, &[]), entry("old.yaml", now - 60, &[])].into_par_iter(),
        );
        let again = LoadCache::open(&dir.0, &[], "a").unwrap();
        assert_eq!(
            again.len(),
            1,
            "the file changed at the run's start is loaded again"
        );
        // Cut short inside an entry or the header, the file reads as no cache.
        let bytes = std::fs::read(&file).unwrap();
        for cut in [bytes.len() - 1, bytes.len() - 9, MAGIC.len() + 3, 5] {
            std::fs::write(&file, &bytes[..cut]).unwrap();
            assert_eq!(LoadCache::open(&dir.0, &[], "a").unwrap().len(), 0, "{cut}");
        }
    }
}
