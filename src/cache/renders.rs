//! What rendering the overlays found, kept between runs beside what loading found (see
//! [`super`]): each kustomization's listing (what it includes) and each top-level
//! kustomization's render, with every question the computation asked of the file system
//! and the answer it got. The next run asks the questions again; when every answer is the
//! same, the computation would find what it found, and that is decoded instead.
//!
//! A read is asked as the stamp of the file read (device, inode, size, times): the one
//! loading took of the file, else a `stat`, always taken before the text is read, so that
//! a file written after it has another stamp next time. A computation that read a file
//! changed in the seconds before the run, or one whose stamp could not be taken, is not
//! kept (see [`Stamp`]).

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{begin_sized, decode, encode, end_sized, put_bytes, put_stamp, put_str, Reader, Stamp};
use crate::hash::{lock, HashMap};
use crate::kustomize::{Dropped, Fs, Rendered, RenderedFile};
use crate::model::kinds::Kind;
use crate::overlay::{Listing, Outline};
use crate::source::Span;

pub(super) const MAGIC: &[u8] = b"canarylint render cache 3\n";

/// What a file was when a computation read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    File(Stamp),
    Dir,
    Missing,
    /// Something else (a FIFO, a device), or a file whose stamp could not be taken: a
    /// computation that read one is not kept.
    Other,
}

/// A question a computation asked of the file system, with its answer.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Query {
    Read(PathBuf, Seen),
    IsDir(PathBuf, bool),
    IsFile(PathBuf, bool),
    Kustomization(PathBuf, Option<u8>),
}

/// What the last run kept, and what this run keeps.
pub(crate) struct RenderCache<'a> {
    file: PathBuf,
    identity: Vec<u8>,
    /// When the run began, in seconds since the epoch.
    start: i64,
    /// The cache file as read.
    bytes: super::Bytes,
    /// Whether the last run left a cache (of this build and options), if an empty one:
    /// only then is what this run finds kept. A run that is the first (a fresh clone, as
    /// in CI) leaves only an empty cache, and costs no more than one without.
    recording: bool,
    /// Each entry by what it holds (0 a listing, 1 a render) and its directory's path: the
    /// whole entry, and where its questions start.
    entries: Entries,
    /// The stamp loading took of a file, by clean path (`Some(None)` where it could take
    /// none).
    known: &'a (dyn Fn(&OsStr) -> Option<Option<Stamp>> + Sync),
    /// What the file system said of the other files read.
    asked: Mutex<HashMap<OsString, Seen>>,
    /// The entries of the last run this one found true.
    kept: Mutex<Vec<Range<usize>>>,
    /// The texts renders taken from the cache keep, by clean path: read once for all the
    /// renders that include the file (and held once); `None` where the read failed.
    texts: Mutex<HashMap<OsString, Option<Arc<str>>>>,
    /// The cache file being written, with the entries this run made: written as they are
    /// made, so that they are not all held at once. Created with the first.
    made: Mutex<Option<Option<super::Draft>>>,
    /// Of the renders, how many the cache gave, how many there were, and how many of
    /// those given were taken by their outline alone.
    renders: (AtomicUsize, AtomicUsize, AtomicUsize),
}

/// A render's outline as the cache holds it (see [`RenderCache::outline`]).
pub(crate) struct Outlined {
    pub(crate) outline: Outline,
    entry: Range<usize>,
}

/// Where a cache of renders is, the build and options it holds for, and when the run
/// began; once read, what it holds.
pub(crate) struct Place {
    pub(super) file: PathBuf,
    pub(super) identity: Vec<u8>,
    pub(super) start: i64,
    /// The cache file's bytes and entries, when it was read and is of this build.
    pub(super) found: Option<Option<(super::Bytes, Entries)>>,
}

impl Place {
    /// Reads the cache file (beside other work: [`RenderCache::open`] reads it if not).
    pub(crate) fn read(mut self) -> Place {
        let found = super::read(&self.file)
            .and_then(|bytes| Some((index(&bytes, &self.identity)?, bytes)))
            .map(|(entries, bytes)| (bytes, entries));
        self.found = Some(found);
        self
    }
}

impl<'a> RenderCache<'a> {
    /// The cache at `place`, for a run that loaded files with the stamps in `known` (by
    /// clean path); empty when absent or damaged.
    pub(crate) fn open(
        place: Place,
        known: &'a (dyn Fn(&OsStr) -> Option<Option<Stamp>> + Sync),
    ) -> Self {
        let place = match place.found {
            Some(_) => place,
            None => place.read(),
        };
        let found = place.found.flatten();
        let recording = found.is_some();
        let (bytes, entries) = found.unwrap_or_default();
        RenderCache {
            file: place.file,
            identity: place.identity,
            start: place.start,
            recording,
            bytes,
            entries,
            known,
            asked: Mutex::default(),
            kept: Mutex::default(),
            texts: Mutex::default(),
            made: Mutex::default(),
            renders: Default::default(),
        }
    }

    /// What `dir`'s kustomization lists: as the last run found it, when the file system
    /// answers its questions as then, else as `make` finds it with `fs`.
    pub(crate) fn listing(
        &self,
        dir: &Path,
        fs: &dyn Fs,
        make: impl FnOnce(&dyn Fs) -> Listing,
    ) -> Listing {
        self.memo(0, dir, fs, |r, _| decode_listing(r), make, encode_listing)
    }

    /// The render of `dir`'s kustomization: as the last run found it, when the file system
    /// answers its questions as then, else as `make` renders it with `fs`.
    pub(crate) fn rendered(
        &self,
        dir: &Path,
        fs: &dyn Fs,
        make: impl FnOnce(&dyn Fs) -> Rendered,
    ) -> Rendered {
        self.renders.1.fetch_add(1, Ordering::Relaxed);
        self.memo(
            1,
            dir,
            fs,
            |r, fs| {
                let out =
                    decode_rendered(r, &|path| self.text(fs, path), &|path| fs.keeps_text(path));
                if out.is_some() {
                    self.renders.0.fetch_add(1, Ordering::Relaxed);
                }
                out
            },
            make,
            encode_rendered,
        )
    }

    /// The outline of `dir`'s render as the last run found it, when the file system answers
    /// its questions as then. Nothing is counted or kept until [`RenderCache::take`].
    pub(crate) fn outline(&self, dir: &Path, fs: &dyn Fs) -> Option<Outlined> {
        let (entry, mut r) = self.holding(1, dir, fs)?;
        Some(Outlined {
            outline: decode_outline(&mut r)?,
            entry,
        })
    }

    /// The last run's entry of `what` for `dir`, when the file system answers its
    /// questions as then: the whole entry, and a reader at what the computation found.
    fn holding(&self, what: u8, dir: &Path, fs: &dyn Fs) -> Option<(Range<usize>, Reader<'_>)> {
        let key = dir.as_os_str().as_encoded_bytes();
        let (range, body) = self.entries.get(&(what, Box::from(key)))?;
        let mut r = Reader(&self.bytes[*body..range.end]);
        self.holds(&mut r, fs).then(|| (range.clone(), r))
    }

    /// Takes a render by its outline alone: counted as given, and kept for the next run.
    pub(crate) fn take(&self, o: Outlined) -> Outline {
        self.renders.0.fetch_add(1, Ordering::Relaxed);
        self.renders.1.fetch_add(1, Ordering::Relaxed);
        self.renders.2.fetch_add(1, Ordering::Relaxed);
        lock(&self.kept).push(o.entry);
        o.outline
    }

    /// The text of `path` (clean) read through `fs`, once for every render that keeps it.
    fn text(&self, fs: &dyn Fs, path: &Path) -> Option<Arc<str>> {
        crate::hash::memo(&self.texts, path.as_os_str(), || fs.read(path).ok())
    }

    fn memo<T>(
        &self,
        what: u8,
        dir: &Path,
        fs: &dyn Fs,
        decode: impl FnOnce(&mut Reader<'_>, &dyn Fs) -> Option<T>,
        make: impl FnOnce(&dyn Fs) -> T,
        encode: impl FnOnce(&T, &mut Vec<u8>),
    ) -> T {
        if let Some((range, mut r)) = self.holding(what, dir, fs) {
            if let Some(found) = decode(&mut r, fs).filter(|_| r.0.is_empty()) {
                lock(&self.kept).push(range);
                return found;
            }
        }
        let key = dir.as_os_str().as_encoded_bytes();
        if !self.recording {
            return make(fs);
        }
        let recording = Recording {
            fs,
            cache: self,
            log: Mutex::default(),
        };
        let found = make(&recording);
        let mut log = recording
            .log
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        log.sort_unstable();
        log.dedup();
        // Kept only when every file read has a stamp that a later write changes.
        let sure = log.iter().all(|q| match q {
            Query::Read(_, Seen::File(s)) => !s.racy(self.start),
            Query::Read(_, seen) => *seen != Seen::Other,
            _ => true,
        });
        if sure {
            let mut out = Vec::new();
            encode_entry(what, key, &log, &found, encode, &mut out);
            let mut made = lock(&self.made);
            let draft =
                made.get_or_insert_with(|| super::Draft::create(&self.file, MAGIC, &self.identity));
            if let Some(d) = draft {
                d.put(&out);
            }
        }
        found
    }

    /// Whether the file system answers the questions of an entry as it did.
    fn holds(&self, r: &mut Reader<'_>, fs: &dyn Fs) -> bool {
        let Some(paths) = read_list(r, |r| r.bytes().and_then(path_from)) else {
            return false;
        };
        let Some(n) = r.u32() else { return false };
        for _ in 0..n {
            let path = r.u32().and_then(|i| paths.get(i as usize));
            let Some((tag, &path)) = r.u8().zip(path) else {
                return false;
            };
            let same = match tag {
                0 => {
                    let Some(was) = read_seen(r) else {
                        return false;
                    };
                    self.seen(path) == was
                }
                1 => r.u8().is_some_and(|b| fs.is_dir(path) == (b == 1)),
                2 => r.u8().is_some_and(|b| fs.is_file(path) == (b == 1)),
                3 => r
                    .u8()
                    .is_some_and(|k| fs.kustomization_name(path).map_or(u8::MAX, |i| i as u8) == k),
                _ => false,
            };
            if !same {
                return false;
            }
        }
        true
    }

    /// What a file read is now: the stamp loading took of it, else what the file system
    /// says (once per file and run).
    fn seen(&self, path: &Path) -> Seen {
        if let Some(stamp) = (self.known)(path.as_os_str()) {
            return stamp.map_or(Seen::Other, Seen::File);
        }
        crate::hash::memo(&self.asked, path.as_os_str(), || {
            match std::fs::metadata(crate::kustomize::on_disk(path)) {
                Ok(m) if m.is_file() => Stamp::of(&m).map_or(Seen::Other, Seen::File),
                Ok(m) if m.is_dir() => Seen::Dir,
                Ok(_) => Seen::Other,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Seen::Missing,
                Err(_) => Seen::Other,
            }
        })
    }

    /// Of the renders, how many the cache gave, how many there were, and how many of those
    /// given were taken by their outline alone.
    pub(crate) fn renders(&self) -> (usize, usize, usize) {
        (
            self.renders.0.load(Ordering::Relaxed),
            self.renders.1.load(Ordering::Relaxed),
            self.renders.2.load(Ordering::Relaxed),
        )
    }

    /// Keeps this run's entries for the next, unless they are those the last run left.
    pub(crate) fn save(self) {
        let kept = self.kept.into_inner().unwrap_or_else(|e| e.into_inner());
        let draft = match self.made.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(draft) => draft,
            // Nothing new: written only when some entry of the last run is gone, or there
            // was no cache.
            None if self.recording && kept.len() == self.entries.len() => return,
            None => super::Draft::create(&self.file, MAGIC, &self.identity),
        };
        if let Some(mut draft) = draft {
            for r in kept {
                draft.put(&self.bytes[r]);
            }
            draft.finish();
        }
    }
}

/// The file system of a computation the cache keeps: answers as `fs` does, and notes
/// every question and answer.
struct Recording<'c, 'a> {
    fs: &'c dyn Fs,
    cache: &'c RenderCache<'a>,
    log: Mutex<Vec<Query>>,
}

impl Recording<'_, '_> {
    fn note(&self, q: Query) {
        lock(&self.log).push(q);
    }
}

impl Fs for Recording<'_, '_> {
    fn reads(&self, path: &Path) {
        // Before the text is read: a write after this has another stamp.
        self.note(Query::Read(path.to_path_buf(), self.cache.seen(path)));
    }

    fn read(&self, path: &Path) -> Result<Arc<str>, String> {
        self.read_text(path).map(crate::kustomize::Text::shared)
    }

    fn read_text(&self, path: &Path) -> Result<crate::kustomize::Text, String> {
        self.reads(path);
        self.fs.read_text(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        let b = self.fs.is_dir(path);
        self.note(Query::IsDir(path.to_path_buf(), b));
        b
    }

    fn is_file(&self, path: &Path) -> bool {
        let b = self.fs.is_file(path);
        self.note(Query::IsFile(path.to_path_buf(), b));
        b
    }

    fn kustomization_name(&self, dir: &Path) -> Option<usize> {
        let k = self.fs.kustomization_name(dir);
        self.note(Query::Kustomization(
            dir.to_path_buf(),
            k.and_then(|i| u8::try_from(i).ok()),
        ));
        k
    }
}

/// A path as the cache keeps it.
fn put_path(out: &mut Vec<u8>, p: &Path) {
    put_bytes(out, p.as_os_str().as_encoded_bytes());
}

/// A path [`put_path`] wrote. Only bytes of this platform's own paths are taken: on Unix
/// any, elsewhere UTF-8.
fn path_from(b: &[u8]) -> Option<&Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(Path::new(OsStr::from_bytes(b)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(b).ok().map(Path::new)
    }
}

fn read_path(r: &mut Reader<'_>) -> Option<PathBuf> {
    r.bytes().and_then(path_from).map(Path::to_path_buf)
}

fn read_seen(r: &mut Reader<'_>) -> Option<Seen> {
    Some(match r.u8()? {
        0 => {
            let mut s = [0i64; 5];
            for v in &mut s {
                *v = r.u64()? as i64;
            }
            Seen::File(Stamp(s))
        }
        1 => Seen::Dir,
        2 => Seen::Missing,
        3 => Seen::Other,
        _ => return None,
    })
}

fn put_span(out: &mut Vec<u8>, s: Span) {
    out.extend_from_slice(&s.start.to_le_bytes());
    out.extend_from_slice(&s.end.to_le_bytes());
}

fn read_span(r: &mut Reader<'_>) -> Option<Span> {
    Some(Span {
        start: r.u32()?,
        end: r.u32()?,
    })
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

/// `n` items `item` reads, the count first.
fn read_list<'a, T>(
    r: &mut Reader<'a>,
    mut item: impl FnMut(&mut Reader<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(r.0.len()));
    for _ in 0..n {
        out.push(item(r)?);
    }
    Some(out)
}

/// An entry: its length (u64, the rest of the entry), what it holds (u8), the directory's
/// path, the paths asked of (a count, u32, and each path), the questions (a count, and
/// each one's path number, u32, tag and answer), then what the computation found.
fn encode_entry<T>(
    what: u8,
    dir: &[u8],
    log: &[Query],
    found: &T,
    encode: impl FnOnce(&T, &mut Vec<u8>),
    out: &mut Vec<u8>,
) {
    let at = begin_sized(out);
    out.push(what);
    put_bytes(out, dir);
    // The paths asked of, each once (a render asks of most whether it is a directory, a
    // file, and reads it), then the questions by the path's number.
    let mut numbers: HashMap<&Path, u32> = HashMap::default();
    let mut paths: Vec<&Path> = Vec::new();
    let mut asked: Vec<(u32, &Query)> = Vec::with_capacity(log.len());
    for q in log {
        let (Query::Read(p, ..)
        | Query::IsDir(p, _)
        | Query::IsFile(p, _)
        | Query::Kustomization(p, _)) = q;
        let n = *numbers.entry(p.as_path()).or_insert_with(|| {
            paths.push(p.as_path());
            paths.len() as u32 - 1
        });
        asked.push((n, q));
    }
    put_count(out, paths.len());
    for p in paths {
        put_path(out, p);
    }
    put_count(out, asked.len());
    for (n, q) in asked {
        out.extend_from_slice(&n.to_le_bytes());
        match q {
            Query::Read(_, seen) => {
                out.push(0);
                match seen {
                    Seen::File(stamp) => {
                        out.push(0);
                        put_stamp(out, stamp);
                    }
                    Seen::Dir => out.push(1),
                    Seen::Missing => out.push(2),
                    Seen::Other => out.push(3),
                }
            }
            Query::IsDir(_, b) | Query::IsFile(_, b) => {
                out.push(if matches!(q, Query::IsDir(..)) { 1 } else { 2 });
                out.push(u8::from(*b));
            }
            Query::Kustomization(_, k) => {
                out.push(3);
                out.push(k.unwrap_or(u8::MAX));
            }
        }
    }
    encode(found, out);
    end_sized(out, at);
}

/// Where each entry of a cache file is, by what it holds and its directory: the whole
/// entry, and where its questions start.
type Entries = HashMap<(u8, Box<[u8]>), (Range<usize>, usize)>;

/// The entries of a cache file; `None` when the file is of another build or damaged.
fn index(bytes: &[u8], identity: &[u8]) -> Option<Entries> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(identity)?.strip_prefix(b"\n")?;
    let mut at = bytes.len() - rest.len();
    let mut entries = HashMap::default();
    while at < bytes.len() {
        let len = usize::try_from(Reader(bytes.get(at..)?).u64()?).ok()?;
        let end = at.checked_add(8)?.checked_add(len)?;
        let mut r = Reader(bytes.get(at + 8..end)?);
        let what = r.u8()?;
        let dir = r.bytes()?;
        let body = end - r.0.len();
        entries.insert((what, Box::from(dir)), (at..end, body));
        at = end;
    }
    Some(entries)
}

fn encode_listing(l: &Listing, out: &mut Vec<u8>) {
    for list in [&l.dirs, &l.files] {
        put_count(out, list.len());
        for p in list {
            put_path(out, p);
        }
    }
    out.push(u8::from(l.component));
}

fn decode_listing(r: &mut Reader<'_>) -> Option<Listing> {
    Some(Listing {
        dirs: read_list(r, read_path)?,
        files: read_list(r, read_path)?,
        component: r.u8()? == 1,
    })
}

/// A render's outline, then the rest of the render: a run that needs only the outline reads
/// no more.
fn encode_rendered(x: &Rendered, out: &mut Vec<u8>) {
    encode_outline(&Outline::of(x), out);
    for f in &x.files {
        out.extend_from_slice(&f.base.to_le_bytes());
        out.extend_from_slice(&f.len.to_le_bytes());
        out.push(u8::from(!f.text.is_empty()));
    }
    put_count(out, x.resources.len());
    for n in &x.resources {
        encode(n, out);
    }
    for list in [&x.unsupported, &x.errors] {
        put_count(out, list.len());
        for (m, s) in list {
            put_str(out, m);
            put_span(out, *s);
        }
    }
    put_count(out, x.dropped.len());
    for d in &x.dropped {
        put_str(out, &d.list);
        put_str(out, &d.entry);
        put_span(out, d.base);
        put_span(out, d.patch);
        put_str(out, &d.resource);
    }
}

fn encode_outline(o: &Outline, out: &mut Vec<u8>) {
    for list in [
        &o.files,
        &o.resource_files,
        &o.patch_files,
        &o.kustomizations,
    ] {
        put_count(out, list.len());
        for p in list {
            put_path(out, p);
        }
    }
    out.push(u8::from(o.failed));
    put_count(out, o.resources.len());
    for (kind, namespace, file) in &o.resources {
        let kind = Kind::ALL.iter().position(|k| k == kind).unwrap_or(0);
        out.push(u8::try_from(kind).unwrap_or(u8::MAX));
        match namespace {
            Some(ns) => {
                out.push(1);
                put_str(out, ns);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&file.to_le_bytes());
    }
}

fn decode_outline(r: &mut Reader<'_>) -> Option<Outline> {
    let files = read_list(r, read_path)?;
    let resource_files = read_list(r, read_path)?;
    let patch_files = read_list(r, read_path)?;
    let kustomizations = read_list(r, read_path)?;
    let failed = match r.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let resources = read_list(r, |r| {
        let kind = *Kind::ALL.get(usize::from(r.u8()?))?;
        let namespace = match r.u8()? {
            0 => None,
            1 => Some(r.str()?.to_string()),
            _ => return None,
        };
        let file = r.u32()?;
        ((file as usize) < files.len()).then_some((kind, namespace, file))
    })?;
    Some(Outline {
        files,
        resource_files,
        patch_files,
        kustomizations,
        failed,
        resources,
    })
}

/// A render [`encode_rendered`] wrote; the texts it kept are read again with `read`, and
/// must be as long as they were. The files the run keeps itself (`kept`) are not read: a
/// finding in one of those is placed in the run's own text, read if it asks.
fn decode_rendered(
    r: &mut Reader<'_>,
    read: &dyn Fn(&Path) -> Option<Arc<str>>,
    kept: &dyn Fn(&Path) -> bool,
) -> Option<Rendered> {
    let Outline {
        files,
        resource_files,
        patch_files,
        kustomizations,
        ..
    } = decode_outline(r)?;
    let files = files
        .into_iter()
        .map(|path| {
            let (base, len) = (r.u32()?, r.u32()?);
            let text = match r.u8()? {
                0 => Arc::from(""),
                1 if kept(&path) => Arc::from(""),
                1 => read(&path).filter(|t| t.len() == len as usize)?,
                _ => return None,
            };
            Some(RenderedFile {
                path,
                base,
                len,
                text,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let resources = read_list(r, |r| decode(r, 0))?;
    let message = |r: &mut Reader<'_>| Some((r.str()?.to_string(), read_span(r)?));
    let unsupported = read_list(r, message)?;
    let errors = read_list(r, message)?;
    let dropped = read_list(r, |r| {
        Some(Dropped {
            list: r.str()?.to_string(),
            entry: r.str()?.to_string(),
            base: read_span(r)?,
            patch: read_span(r)?,
            resource: r.str()?.to_string(),
        })
    })?;
    Some(Rendered {
        files,
        resources,
        resource_files,
        patch_files,
        kustomizations,
        unsupported,
        errors,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::{render_with, MemFs, Parsed};
    use std::collections::BTreeMap;

    const BASE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
    - route:
        - {destination: {host: reviews, subset: v1}, weight: 90}
        - {destination: {host: reviews, subset: v2}, weight: 10}
";

    fn files() -> MemFs {
        let mut m = BTreeMap::new();
        m.insert(
            PathBuf::from("base/kustomization.yaml"),
            "resources: [vs.yaml]\n".into(),
        );
        m.insert(PathBuf::from("base/vs.yaml"), BASE.into());
        m.insert(
            PathBuf::from("prod/kustomization.yaml"),
            "namespace: shop\nresources: [../base, missing.yaml]\npatches:\n  - {path: p.yaml, target: {kind: VirtualService}}\n".into(),
        );
        m.insert(
            PathBuf::from("prod/p.yaml"),
            "- {op: replace, path: /spec/http/0/route/0/weight, value: 5}\n".into(),
        );
        MemFs(m)
    }

    /// A stamp old enough not to be racy, numbered.
    fn stamp(n: i64) -> Stamp {
        Stamp([1, n, 3, 1_000_000_000, 1_000_000_000])
    }

    struct Dir(PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// One run's cache at `file`, the files having the stamps of `stamps`.
    fn open<'a>(
        file: &Path,
        known: &'a (dyn Fn(&OsStr) -> Option<Option<Stamp>> + Sync),
    ) -> RenderCache<'a> {
        let place = Place {
            file: file.to_path_buf(),
            identity: b"test".to_vec(),
            start: 1_000_000,
            found: None,
        };
        RenderCache::open(place, known)
    }

    /// Renders `prod` through `cache`, and says whether it was rendered (not taken).
    fn render(cache: &RenderCache<'_>, fs: &MemFs) -> (Rendered, bool) {
        let mut made = false;
        let r = cache.rendered(Path::new("prod"), fs, |fs| {
            made = true;
            render_with(Path::new("prod"), fs, &Parsed::default())
        });
        (r, made)
    }

    #[test]
    fn a_render_is_taken_while_every_answer_is_the_same_and_made_again_when_one_is_not() {
        let dir =
            Dir(std::env::temp_dir().join(format!("canarylint-renders-{}", std::process::id())));
        let file = dir.0.join("render-test");
        let fs = files();
        let fresh = render_with(Path::new("prod"), &fs, &Parsed::default());
        assert!(
            !fresh.resources.is_empty() && !fresh.errors.is_empty(),
            "{fresh:?}"
        );
        let p = Mutex::new(1);
        let known = |path: &OsStr| {
            let n = path.len() as i64 * 10 + *lock(&p);
            fs.0.contains_key(Path::new(path)).then_some(Some(stamp(n)))
        };
        // The first run leaves an empty cache; the second keeps what it renders; the
        // third takes it, as it was made.
        let mut made = Vec::new();
        for _ in 0..3 {
            let cache = open(&file, &known);
            let (r, m) = render(&cache, &fs);
            assert_eq!(format!("{r:?}"), format!("{fresh:?}"));
            made.push(m);
            cache.save();
        }
        assert_eq!(made, [true, true, false]);

        // Its outline alone, as the render's own; a render taken by it is counted, and its
        // entry kept for the next run.
        let cache = open(&file, &known);
        let o = cache.outline(Path::new("prod"), &fs).expect("an outline");
        assert_eq!(o.outline, Outline::of(&fresh));
        let (kind, namespace, at) = &o.outline.resources[0];
        assert_eq!(
            (*kind, namespace.as_deref()),
            (Kind::VirtualService, Some("shop"))
        );
        assert_eq!(o.outline.files[*at as usize], Path::new("base/vs.yaml"));
        assert!(o.outline.failed, "the missing resource fails the build");
        cache.take(o);
        assert_eq!(cache.renders(), (1, 1, 1));
        cache.save();
        assert!(!render(&open(&file, &known), &fs).1);

        // Cut short anywhere, the cache gives nothing, and the render is made.
        let bytes = std::fs::read(&file).unwrap();
        for cut in (MAGIC.len()..bytes.len()).step_by(7) {
            std::fs::write(&file, &bytes[..cut]).unwrap();
            let cache = open(&file, &known);
            assert!(render(&cache, &fs).1, "{cut}");
        }
        std::fs::write(&file, &bytes).unwrap();
        assert!(!render(&open(&file, &known), &fs).1);

        // A file read has another stamp: no outline, and made again.
        *lock(&p) = 2;
        assert!(open(&file, &known)
            .outline(Path::new("prod"), &fs)
            .is_none());
        assert!(render(&open(&file, &known), &fs).1);
        *lock(&p) = 1;
        // A file the render found missing appears: made again.
        let mut more = files();
        more.0
            .insert(PathBuf::from("prod/missing.yaml"), "a: b\n".into());
        let cache = open(&file, &known);
        let (r, m) = render(&cache, &more);
        assert!(m && r.errors != fresh.errors, "{r:?}");
    }

    #[test]
    fn a_render_that_read_a_racy_or_unstamped_file_is_not_kept() {
        let dir = Dir(std::env::temp_dir().join(format!("canarylint-racy-{}", std::process::id())));
        let file = dir.0.join("render-test");
        let fs = files();
        for (what, known) in [
            ("racy", Some(Stamp([1, 2, 3, 999_999 * 1_000_000_000, 0]))),
            ("unstamped", None),
        ] {
            let known = |_: &OsStr| Some(known);
            for _ in 0..3 {
                let cache = open(&file, &known);
                assert!(render(&cache, &fs).1, "{what}");
                cache.save();
            }
            let _ = std::fs::remove_file(&file);
        }
    }
}
