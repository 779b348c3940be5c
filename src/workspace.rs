//! The loaded repository: files, resources and the index, with the findings loading made.
//! Loading reads the files (and the kustomizations above them); indexing only arranges
//! what was read.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::cache::LoadCache;
use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::load::{self, KustomizeNamespaces, LoadOptions};
use crate::model::index::Index;
use crate::model::resource::{NamespaceSource, Resource};
use crate::overlay;
use crate::source::{Place, SourceFile};
use crate::walk::Target;

#[derive(Clone, Debug)]
pub struct WorkspaceOptions {
    pub load: LoadOptions,
    pub default_namespace: String,
    pub root_namespace: String,
    /// The directory that keeps what loading found between runs (see [`crate::cache`]);
    /// `None`: every file is read.
    pub cache: Option<PathBuf>,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions {
            load: LoadOptions::default(),
            default_namespace: "default".into(),
            root_namespace: crate::model::index::DEFAULT_ROOT_NAMESPACE.into(),
            cache: None,
        }
    }
}

/// Wall time per phase, for `--timings`, with the processor time the process spent in it
/// (on all its threads: beside the wall time, how parallel the phase was) and the resident
/// memory at its end, and the run's peak, where the system tells them (Unix:
/// `getrusage`; Linux: `/proc/self/status`).
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub(crate) phases: Vec<Phase>,
    /// Whether memory and processor time are read at each phase's end: only when the
    /// timings are shown.
    measured: bool,
    /// The process's processor time when the last phase ended (or the timings began).
    cpu: Option<std::time::Duration>,
    /// Of the files loaded, how many the cache gave (unchanged since the last run), and
    /// how many there were; `None` when the run kept no cache.
    pub(crate) cache: Option<(usize, usize)>,
    /// Of the overlays' renders, how many the cache gave, how many there were, and how
    /// many of those given a run that reports on some files only took by their outline.
    pub(crate) renders: Option<(usize, usize, usize)>,
}

/// One phase's wall time, processor time and resident memory (kB) at its end.
#[derive(Clone, Debug)]
pub(crate) struct Phase {
    pub(crate) name: &'static str,
    pub(crate) wall: std::time::Duration,
    cpu: Option<std::time::Duration>,
    rss: Option<u64>,
}

/// The processor time (user and system) the process has spent so far, on all its threads.
#[cfg(unix)]
fn cpu_time() -> Option<std::time::Duration> {
    // SAFETY: `getrusage` writes the whole struct it is given, which lives on the stack.
    let usage = unsafe {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    let time = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<std::time::Duration> {
    None
}

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`), where there is one.
fn memory_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim_start_matches(':')
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Timings {
    /// Timings that read the resident memory at each phase's end too (`--timings`).
    pub(crate) fn with_memory() -> Self {
        Timings {
            measured: true,
            cpu: cpu_time(),
            ..Timings::default()
        }
    }

    pub fn record(&mut self, phase: &'static str, since: std::time::Instant) {
        let wall = since.elapsed();
        let (cpu, rss) = match self.measured {
            true => {
                let now = cpu_time();
                let spent = now
                    .zip(self.cpu)
                    .map(|(now, then)| now.saturating_sub(then));
                self.cpu = now;
                (spent, memory_kb("VmRSS"))
            }
            false => (None, None),
        };
        self.phases.push(Phase {
            name: phase,
            wall,
            cpu,
            rss,
        });
    }

    pub fn render(&self) -> String {
        let total: std::time::Duration = self.phases.iter().map(|p| p.wall).sum();
        let share = |d: std::time::Duration| {
            100.0 * d.as_secs_f64() / total.as_secs_f64().max(f64::MIN_POSITIVE)
        };
        let mb = |kb: Option<u64>| kb.map_or(String::new(), |kb| format!("{:>6} MB", kb / 1024));
        let cpu = |cpu: Option<std::time::Duration>| {
            cpu.map_or(String::new(), |c| {
                format!("  cpu {:>8.1} ms", c.as_secs_f64() * 1e3)
            })
        };
        let mut s = String::new();
        for p in &self.phases {
            s.push_str(&format!(
                "{:>9}: {:>8.1} ms {:>5.1}%{}  resident {}\n",
                p.name,
                p.wall.as_secs_f64() * 1e3,
                share(p.wall),
                cpu(p.cpu),
                mb(p.rss)
            ));
        }
        let spent = self.phases.iter().map(|p| p.cpu).sum::<Option<_>>();
        s.push_str(&format!(
            "{:>9}: {:>8.1} ms {:>5.1}%{}  peak     {}\n",
            "total",
            total.as_secs_f64() * 1e3,
            100.0,
            cpu(spent),
            mb(self.measured.then(|| memory_kb("VmHWM")).flatten())
        ));
        match self.cache {
            Some((hits, files)) => s.push_str(&format!(
                "{:>9}: {hits} of {files} files unchanged since the last run\n",
                "cache"
            )),
            None => s.push_str(&format!("{:>9}: off\n", "cache")),
        }
        if let Some((hits, renders, outlined)) = self.renders {
            let outlined = match outlined {
                0 => String::new(),
                n => format!(" ({n} taken by their outline: they touch no file reported on)"),
            };
            s.push_str(&format!(
                "{:>9}: {hits} of {renders} overlays' renders unchanged since the last run{outlined}\n",
                "renders"
            ));
        }
        s
    }
}

/// A file found by discovery that the last run found nothing in to keep, as it was then,
/// when it is unchanged since (see [`crate::cache`]); the target back otherwise.
fn unchanged(cache: &LoadCache, t: Target) -> Result<load::Unkept, Target> {
    if t.skip.is_some() || t.path.as_os_str() == "-" {
        return Err(t);
    }
    let clean = load::clean_key(&t.path);
    let Some(found) = cache.unkept(&clean, &t.path) else {
        return Err(t);
    };
    Ok(load::Unkept {
        place: load::UnkeptPlace::new(t.place, &clean),
        clean: clean.into_owned(),
        documents: found.documents,
        reported: t.reported,
        stamp: Some(found.stamp),
        cached: true,
        text: None,
    })
}

/// What the next run may take from this one's loading: the files without anything to
/// keep, and those whose findings are all as loading makes them.
fn cache_entries<'a>(
    loaded: &'a [load::LoadedFile],
    unkept: &'a [load::Unkept],
) -> impl rayon::iter::ParallelIterator<Item = crate::cache::Entry<'a>> {
    let kept = loaded.par_iter().filter_map(|f| {
        Some(crate::cache::Entry {
            stamp: entry_stamp(f)?,
            clean: load::clean_key(&f.source.path),
            documents: f.documents,
            roots: &f.resources,
            diagnostics: &f.diagnostics,
            crds: &f.crds,
            helm: &f.source.helm,
            marked: f.source.marked(crate::suppress::MARKER),
        })
    });
    let unkept = unkept.par_iter().filter_map(|u| {
        Some(crate::cache::Entry {
            clean: std::borrow::Cow::Borrowed(u.clean.as_os_str()),
            stamp: u.stamp?,
            documents: u.documents,
            roots: &[],
            diagnostics: &[],
            crds: &[],
            helm: &[],
            marked: false,
        })
    });
    kept.chain(unkept)
}

/// The stamp a loaded file's entry in the cache has, if it has one: findings the cache
/// cannot hold make the file be loaded again next time.
fn entry_stamp(f: &load::LoadedFile) -> Option<crate::cache::Stamp> {
    f.stamp
        .filter(|_| f.diagnostics.iter().all(crate::cache::holds))
}

/// How many entries [`cache_entries`] gives, if every one is one the cache had (the file
/// unchanged, and as much kept of it).
fn unchanged_entries(loaded: &[load::LoadedFile], unkept: &[load::Unkept]) -> Option<usize> {
    let kept = loaded.iter().filter(|f| entry_stamp(f).is_some());
    let unkept = unkept.iter().filter(|u| u.stamp.is_some());
    let mut n = 0;
    for same in kept.map(|f| f.cached).chain(unkept.map(|u| u.cached)) {
        if !same {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// What the overlays phase asks of the files the run loaded, by clean path (keyed by the
/// path's bytes: `Path`'s own hash splits it into components).
struct Known<'a> {
    loaded: &'a [load::LoadedFile],
    unkept: &'a [load::Unkept],
    /// Whether the file holds a resource a rule checks, whether the run reports on it
    /// (asked of every file of every render, and answered without reading the file's
    /// entry), and where it is: in `loaded`, or past its end in `unkept` (an index costs
    /// no room beside the flags).
    files: KnownPaths<'a>,
}

/// The table of [`Known`], split by the length of the path into shards that are filled in
/// parallel: filled in one piece, it was a serial 8 ms of a first run of the 10-copy bench
/// tree (30,000 paths hashed and inserted).
struct KnownPaths<'a>(
    Vec<crate::hash::HashMap<std::borrow::Cow<'a, std::ffi::OsStr>, (bool, bool, u32)>>,
);

impl<'a> KnownPaths<'a> {
    const SHARDS: usize = 8;

    fn shard(path: &std::ffi::OsStr) -> usize {
        path.len() % Self::SHARDS
    }

    fn get(&self, path: &std::ffi::OsStr) -> Option<&(bool, bool, u32)> {
        self.0[Self::shard(path)].get(path)
    }
}

impl<'a> Known<'a> {
    fn new(loaded: &'a [load::LoadedFile], unkept: &'a [load::Unkept]) -> Self {
        use std::borrow::Cow;
        let loaded_keys: Vec<(Cow<'a, std::ffi::OsStr>, bool, bool)> = loaded
            .par_iter()
            .map(|f| {
                let checked = f
                    .resources
                    .iter()
                    .any(|r| overlay::is_checked(r.resource.kind));
                (load::clean_key(&f.source.path), checked, f.source.reported)
            })
            .collect();
        // Each shard takes the paths of its lengths, in the order of the files (a path
        // found twice keeps its last place, as one table filled in order does).
        let room = (loaded.len() + unkept.len()) / KnownPaths::SHARDS * 5 / 4;
        let files = (0..KnownPaths::SHARDS)
            .into_par_iter()
            .map(|shard| {
                let mut table =
                    crate::hash::HashMap::with_capacity_and_hasher(room, Default::default());
                for (i, (path, checked, reported)) in loaded_keys.iter().enumerate() {
                    if KnownPaths::shard(path) == shard {
                        table.insert(path.clone(), (*checked, *reported, i as u32));
                    }
                }
                for (i, u) in unkept.iter().enumerate() {
                    let path = u.clean.as_os_str();
                    if KnownPaths::shard(path) == shard {
                        let at = (loaded.len() + i) as u32;
                        table.insert(Cow::Borrowed(path), (false, u.reported, at));
                    }
                }
                table
            })
            .collect();
        Known {
            loaded,
            unkept,
            files: KnownPaths(files),
        }
    }

    /// Whether a loaded file holds a resource that a rule checks, so that rendering the
    /// kustomizations that include it may find something; `None` for a file the run did
    /// not load.
    fn relevant(&self, path: &std::path::Path) -> Option<bool> {
        self.files.get(path.as_os_str()).map(|k| k.0)
    }

    /// Whether the run reports on the file at `path` (clean), one it found.
    fn reported(&self, path: &std::ffi::OsStr) -> bool {
        self.files.get(path).is_some_and(|k| k.1)
    }

    /// The whole text of a file the run loaded and kept, read now if the cache gave the
    /// file unread, or of a kustomization file it read: the renders read it from here
    /// rather than hold a second copy, or read it again.
    fn text(&self, path: &std::path::Path) -> Option<&std::sync::Arc<str>> {
        let i = self.files.get(path.as_os_str())?.2 as usize;
        match i.checked_sub(self.loaded.len()) {
            Some(u) => self.unkept.get(u)?.text.as_ref(),
            None => Some(self.kept(path)?.source.text()).filter(|t| !t.is_empty()),
        }
    }

    /// The file at `path` (clean) if the run loaded it whole and keeps it (and its text)
    /// for the later phases.
    fn kept(&self, path: &std::path::Path) -> Option<&load::LoadedFile> {
        let f = self
            .loaded
            .get(self.files.get(path.as_os_str())?.2 as usize)?;
        // A file read only in part (not UTF-8, say) has a note; standard input has no
        // path to read again.
        (f.keep && f.source.path.as_os_str() != "-" && !f.skipped()).then_some(f)
    }

    /// Whether the run loaded `path` as a regular file (it took its stamp).
    fn regular(&self, path: &std::path::Path) -> bool {
        self.stamp(path.as_os_str()).is_some_and(|s| s.is_some())
    }

    /// The stamp loading took of a file (`Some(None)` where it could take none), for the
    /// cache of renders.
    fn stamp(&self, path: &std::ffi::OsStr) -> Option<Option<crate::cache::Stamp>> {
        let i = self.files.get(path)?.2 as usize;
        match self.loaded.get(i) {
            Some(f) => Some(f.stamp),
            None => self.unkept.get(i - self.loaded.len()).map(|u| u.stamp),
        }
    }
}

/// The file system as the overlays phase sees it: a file the run loaded is a regular
/// file, without asking the disk again.
struct LoadedFs<'a> {
    fs: &'a dyn crate::kustomize::Fs,
    known: &'a Known<'a>,
}

impl crate::kustomize::Fs for LoadedFs<'_> {
    fn read(&self, path: &std::path::Path) -> Result<std::sync::Arc<str>, String> {
        self.read_text(path).map(crate::kustomize::Text::shared)
    }

    fn read_text(&self, path: &std::path::Path) -> Result<crate::kustomize::Text, String> {
        match self.known.text(path) {
            Some(text) => Ok(crate::kustomize::Text::Shared(std::sync::Arc::clone(text))),
            None => self.fs.read_text(path),
        }
    }

    fn keeps_text(&self, path: &std::path::Path) -> bool {
        self.known.kept(path).is_some()
    }

    fn is_dir(&self, path: &std::path::Path) -> bool {
        !self.known.regular(path) && self.fs.is_dir(path)
    }

    fn is_file(&self, path: &std::path::Path) -> bool {
        self.known.regular(path) || self.fs.is_file(path)
    }

    fn kustomization_name(&self, dir: &std::path::Path) -> Option<usize> {
        self.fs.kustomization_name(dir)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub documents: usize,
    pub resources: usize,
    /// Files that were not linted (or not wholly), each with a note saying why.
    pub(crate) skipped: usize,
    /// Paths that exclude globs removed (a directory counts once).
    pub excluded: usize,
    /// Whether the run compared its findings with known ones (`--new-since`, `--baseline`),
    /// so that each is new or unchanged.
    pub(crate) compared: bool,
}

pub struct Workspace {
    /// The repository root the files' places are relative to; `None` for in-memory files.
    pub(crate) root: Option<PathBuf>,
    /// The files that hold resources or findings; a `FileId` indexes this.
    pub files: Vec<SourceFile>,
    pub index: Index,
    /// The environments the run's top-level kustomizations build, each with its index.
    pub(crate) overlays: Vec<crate::overlay::Overlay>,
    pub(crate) load_diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// Whether the run reports on some files only (files given, pre-commit,
    /// `--changed-since`) while reading the whole repository.
    pub(crate) restricted: bool,
}

impl Workspace {
    pub fn load(targets: &[Target], opts: &WorkspaceOptions) -> Workspace {
        Self::load_timed(
            targets.to_vec(),
            crate::walk::Listed::default(),
            opts,
            None,
            None,
            || None,
            &mut Timings::default(),
        )
    }

    /// Loads and indexes, recording the two phases. `excluded` tells the files the run
    /// excludes, if it excludes any. `cache` opens the cache of what loading found, if the
    /// run keeps one. A run that reports on some of the files only skips the work whose
    /// findings it would drop.
    pub(crate) fn load_timed(
        targets: Vec<Target>,
        listed: crate::walk::Listed,
        opts: &WorkspaceOptions,
        root: Option<&std::path::Path>,
        excluded: Option<&dyn Fn(&std::path::Path) -> bool>,
        cache: impl FnOnce() -> Option<LoadCache> + Send,
        timings: &mut Timings,
    ) -> Workspace {
        let restricted = targets.iter().any(|t| !t.reported);
        // The kustomizations to render, found first so that loading can take the targets
        // (their paths move to the files); counted with the overlays. The cache is read
        // meanwhile.
        let t = std::time::Instant::now();
        let listed = std::sync::Arc::new(listed);
        let fs = crate::kustomize::CachedDisk::knowing(std::sync::Arc::clone(&listed));
        let (dirs, cache) = rayon::join(
            || {
                overlay::candidates(
                    targets
                        .iter()
                        .filter(|t| t.skip.is_none())
                        .map(|t| t.path.as_path()),
                    &fs,
                )
            },
            cache,
        );
        let found = t.elapsed();
        let t = std::time::Instant::now();
        let progress = crate::progress::Progress::start(targets.len() as u64, "linting");
        let kustomize = KustomizeNamespaces::knowing(listed);
        // Most files hold nothing a later phase keeps: only their path and counts stay.
        let files = targets.len();
        let unread = std::sync::atomic::AtomicUsize::new(0);
        let (loaded, mut unkept): (Vec<load::LoadedFile>, Vec<load::Unkept>) = targets
            .into_par_iter()
            .map(|t| {
                progress.inc();
                let t = match cache.as_ref() {
                    Some(c) => match unchanged(c, t) {
                        Ok(u) => {
                            unread.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            return rayon::iter::Either::Right(u);
                        }
                        Err(t) => t,
                    },
                    None => t,
                };
                let mut f = load::load_target_cached(t, opts.load, cache.as_ref());
                f.resolve_namespace(&kustomize);
                f.unkept()
            })
            .partition_map(|f| f);
        progress.finish();
        drop(kustomize);
        let mut renders_at = None;
        if let Some(cache) = cache {
            let parsed = loaded.iter().filter(|f| f.cached).count();
            timings.cache = Some((unread.into_inner() + parsed, files));
            renders_at = Some(cache.renders_at());
            // A run that found every file as the cache had it leaves the cache as it is.
            if unchanged_entries(&loaded, &unkept).is_none_or(|n| !cache.holds_just(n)) {
                cache.save(cache_entries(&loaded, &unkept));
            }
        }
        timings.record("load", t);
        let t = std::time::Instant::now();
        // A repository without kustomizations has no renders to keep. The cache of renders
        // is read beside the tables of what was loaded.
        let (renders_at, known) = rayon::join(
            || renders_at.filter(|_| !dirs.is_empty()).map(|at| at.read()),
            || Known::new(&loaded, &unkept),
        );
        let stamp = |p: &std::ffi::OsStr| known.stamp(p);
        let render_cache =
            renders_at.map(|at| crate::cache::renders::RenderCache::open(at, &stamp));
        let seen = LoadedFs {
            fs: &fs,
            known: &known,
        };
        let reported = |p: &std::ffi::OsStr| known.reported(p);
        let restriction = restricted.then(|| overlay::Restriction {
            reported: &reported,
            namespaces: loaded
                .iter()
                .filter(|lf| lf.source.reported)
                .flat_map(|lf| {
                    lf.resources
                        .iter()
                        .map(|raw| match &lf.kustomization_namespace {
                            _ if raw.explicit_namespace => raw.resource.namespace.clone(),
                            Some(ns) => ns.clone(),
                            None => opts.default_namespace.clone(),
                        })
                })
                .collect(),
            root_namespace: &opts.root_namespace,
            default_namespace: &opts.default_namespace,
        });
        let mut renders = overlay::render_all(
            &dirs,
            &seen,
            &|p| known.relevant(p),
            render_cache.as_ref(),
            restriction.as_ref(),
        );
        if let Some(c) = render_cache {
            timings.renders = Some(c.renders());
            c.save();
        }
        renders.mark(excluded, |p| known.reported(p));
        // What the file system learned, and the texts it shared, are not needed further.
        drop((fs, dirs, known));
        for u in &mut unkept {
            u.text = None;
        }
        crate::alloc::release_freed_memory();
        timings.record("overlays", t.checked_sub(found).unwrap_or(t));
        let t = std::time::Instant::now();
        let mut ws = Self::assemble(loaded, unkept, opts, Some(renders), root, restricted);
        ws.root = root.map(std::path::Path::to_path_buf);
        timings.record("index", t);
        ws
    }

    /// Builds a workspace from in-memory files (display path, text), for tests and docs.
    /// Each file's display path is its path in the repository, and places it for
    /// kustomization namespaces.
    /// Their kustomizations are rendered as on disk.
    pub(crate) fn from_texts(texts: &[(String, String)], opts: &WorkspaceOptions) -> Workspace {
        let sources: Vec<SourceFile> = texts
            .iter()
            .map(|(name, text)| {
                let mut src =
                    SourceFile::new(PathBuf::from(name), name.clone(), text.as_str().into());
                src.place = Place::Repository(PathBuf::from(name));
                src
            })
            .collect();
        let fs = crate::kustomize::MemFs(
            texts
                .iter()
                .map(|(name, text)| {
                    (
                        load::lexically_clean(std::path::Path::new(name)),
                        text.clone(),
                    )
                })
                .collect(),
        );
        let dirs = overlay::candidates(sources.iter().map(|s| s.path.as_path()), &fs);
        let loaded = Self::load_sources(sources, opts);
        let known = Known::new(&loaded, &[]);
        let mut renders = overlay::render_all(&dirs, &fs, &|p| known.relevant(p), None, None);
        renders.mark(None, |p| known.reported(p));
        Self::assemble(loaded, Vec::new(), opts, Some(renders), None, false)
    }

    /// Builds a workspace from files read elsewhere (e.g. from git history): each file's
    /// path places it for kustomization namespaces; its display name is what reports show.
    /// Their kustomizations are not rendered: the files are linted as written.
    pub(crate) fn from_sources(sources: Vec<SourceFile>, opts: &WorkspaceOptions) -> Workspace {
        Self::from_loaded(Self::load_sources(sources, opts), opts)
    }

    fn load_sources(sources: Vec<SourceFile>, opts: &WorkspaceOptions) -> Vec<load::LoadedFile> {
        let kustomize = KustomizeNamespaces::default();
        sources
            .into_iter()
            .map(|src| {
                let mut f = load::load_text(src, opts.load);
                f.resolve_namespace(&kustomize);
                f
            })
            .collect()
    }

    /// Numbers loaded files and builds the index over their resources, without reading
    /// anything more.
    pub fn from_loaded(loaded: Vec<load::LoadedFile>, opts: &WorkspaceOptions) -> Workspace {
        Self::assemble(loaded, Vec::new(), opts, None, None, false)
    }

    /// Numbers loaded files, builds the index over the resources of the files that no
    /// overlay renders, and one index per overlay (see [`crate::overlay`]). Files only
    /// renders read join the file table; `root` places them.
    fn assemble(
        loaded: Vec<load::LoadedFile>,
        unkept: Vec<load::Unkept>,
        opts: &WorkspaceOptions,
        renders: Option<overlay::Renders>,
        root: Option<&std::path::Path>,
        restricted: bool,
    ) -> Workspace {
        let mut stats = Stats {
            files: loaded.len() + unkept.len(),
            documents: unkept.iter().map(|u| u.documents).sum(),
            ..Stats::default()
        };
        // Sized once: a resource is large, and growing the list copied it again and again.
        let kept = loaded.iter().filter(|lf| lf.keep).count();
        let mut files = Vec::with_capacity(kept);
        let mut resources: Vec<Resource> =
            Vec::with_capacity(loaded.iter().map(|lf| lf.resources.len()).sum());
        let mut diags = Vec::new();
        let mut builds: Vec<Option<std::path::PathBuf>> = Vec::with_capacity(kept);
        let mut crds = Vec::new();
        for mut lf in loaded {
            stats.documents += lf.documents;
            for c in std::mem::take(&mut lf.crds) {
                let path = load::lexically_clean(&lf.source.path);
                crds.push(crate::model::crd::VendoredCrd {
                    kind: c.kind,
                    scope: crate::model::crd::test_scope(&path),
                    path,
                    display: lf.source.display.clone(),
                    line: c.line,
                    content: c.content,
                    source: Some(crate::model::crd::CrdText {
                        text: std::sync::Arc::clone(lf.source.text()),
                        file: lf.source.path.clone(),
                        place: lf.source.place.clone(),
                        reported: lf.source.reported,
                        range: c.start as usize..c.end as usize,
                    }),
                    schema: std::sync::Arc::default(),
                });
            }
            if lf.skipped() {
                stats.skipped += 1;
            }
            if !lf.keep {
                continue;
            }
            let id = files.len() as u32;
            let rendered = renders
                .as_ref()
                .is_some_and(|r| r.consumed.contains(&*load::clean_key(&lf.source.path)));
            for raw in lf.resources.into_iter().filter(|_| !rendered) {
                let mut r = raw.resource;
                r.file = id;
                if !raw.explicit_namespace {
                    (r.namespace, r.namespace_source) = match &lf.kustomization_namespace {
                        Some(ns) => (ns.clone(), NamespaceSource::Kustomization),
                        None => (opts.default_namespace.clone(), NamespaceSource::Default),
                    };
                }
                resources.push(r);
            }
            diags.extend(lf.diagnostics.into_iter().map(|mut d| {
                d.file = id;
                d
            }));
            files.push(lf.source);
            builds.push(lf.kustomization_build);
        }
        // The index of the manifests is built while the renders' files are numbered (they
        // share nothing); the overlays then see its manifests as those outside them.
        let (index, numbered) = match renders {
            Some(r) => {
                let root_namespace = opts.root_namespace.clone();
                let (index, numbered) = rayon::join(
                    move || Index::new(resources, root_namespace),
                    || {
                        let places = unkept.iter().map(|u| (u.clean.as_os_str(), &u.place));
                        let root = root.map(std::path::Path::to_path_buf);
                        r.number(&mut overlay::FileTable::new(&mut files, root, places))
                    },
                );
                (index, Some(numbered))
            }
            None => (Index::new(resources, opts.root_namespace.clone()), None),
        };
        let reported = |id: crate::source::FileId| files[id as usize].reported;
        let (mut overlays, found, skipped) = match numbered {
            Some(n) => n.into_overlays(
                &opts.root_namespace,
                &opts.default_namespace,
                &index.resources,
                restricted.then_some(&reported),
            ),
            None => (Vec::new(), Vec::new(), overlay::Skipped::default()),
        };
        diags.extend(found);
        let crds = used_crds(crds, &files, &index.resources, &overlays, &skipped);
        diags.extend(unreadable_crds(crds.as_slice(), &mut files, restricted));
        // Files only renders or CRDs brought have no kustomization build of their own.
        builds.resize(files.len(), None);
        let crds = std::sync::Arc::new(crds);
        // The directory of every file, now that the table holds them all, once for all the
        // indexes (files added last leave the numbers of those before as they were). A run
        // that checks every resource groups the workloads for its Services meanwhile.
        let cwd = std::env::current_dir().unwrap_or_default();
        let (dirs, ()) = rayon::join(
            || Index::directories(&cwd, files.iter().map(|f| f.path.parent())),
            || {
                if !restricted {
                    index.group_pods();
                }
            },
        );
        for o in &mut overlays {
            o.index.set_crds(crds.clone());
            o.index.set_directories(std::sync::Arc::clone(&dirs));
        }
        stats.resources = index.resources.len()
            + skipped.resources
            + overlays
                .iter()
                .map(|o| o.index.resources.len())
                .sum::<usize>();
        let mut index = index
            .with_crds(crds)
            .with_builds(builds.iter().map(Option::as_deref));
        index.set_directories(dirs);
        Workspace {
            root: None,
            files,
            index,
            overlays,
            load_diagnostics: diags,
            stats,
            restricted,
        }
    }
}

/// Chooses the vendored CRD of each file's documents of the validated kinds (see
/// [`crate::model::crd::CrdTable`]); the text of the others is dropped: only those chosen
/// are parsed.
fn used_crds(
    crds: Vec<crate::model::crd::VendoredCrd>,
    files: &[crate::source::SourceFile],
    resources: &[Resource],
    overlays: &[overlay::Overlay],
    skipped: &overlay::Skipped,
) -> crate::model::crd::CrdTable {
    // Borrowed where the path is clean as written, as most are; checked in parallel.
    let paths: Vec<std::borrow::Cow<'_, std::ffi::OsStr>> = if crds.is_empty() {
        Vec::new()
    } else {
        files.par_iter().map(|f| load::clean_key(&f.path)).collect()
    };
    let uses = resources
        .iter()
        .chain(overlays.iter().flat_map(|o| o.index.resources.iter()))
        .map(|r| (r.kind, r.file))
        .chain(skipped.uses.iter().copied())
        .filter_map(|(kind, file)| {
            Some((
                kind,
                Some(file),
                std::path::Path::new(paths.get(file as usize)?),
            ))
        })
        .chain(
            skipped
                .outlined
                .iter()
                .map(|(kind, path)| (*kind, None, path.as_path())),
        );
    crate::model::crd::CrdTable::new(crds, uses)
}

/// Parses the vendored CRDs that documents use, in parallel, and notes each that cannot be
/// read as a CRD of its kind (the documents then keep the embedded schema), at its first
/// line; its file joins the file table if it is not there. A `restricted` run (one that
/// reports on some files only) parses only the CRDs in the files it reports on: the
/// others' notes would not be shown, and the rules parse a CRD when they first need it.
fn unreadable_crds(
    crds: &[crate::model::crd::VendoredCrd],
    files: &mut Vec<SourceFile>,
    restricted: bool,
) -> Vec<Diagnostic> {
    let noted = |c: &&crate::model::crd::VendoredCrd| {
        c.source.as_ref().is_some_and(|s| s.reported || !restricted)
    };
    // Copies of one CRD share their schema: each is parsed once, by one thread (a thread
    // that reaches a copy of a schema another is parsing would wait for it), the largest
    // first so that the threads finish together.
    let mut seen = crate::hash::HashSet::default();
    let mut distinct: Vec<&crate::model::crd::VendoredCrd> = crds
        .iter()
        .filter(noted)
        .filter(|c| seen.insert(std::sync::Arc::as_ptr(&c.schema)))
        .collect();
    distinct.sort_by_key(|c| std::cmp::Reverse(c.source.as_ref().map_or(0, |s| s.range.len())));
    distinct.par_iter().with_max_len(1).for_each(|c| {
        c.schema();
    });
    let mut out = Vec::new();
    for c in crds.iter().filter(noted) {
        let Some(src) = c.source.as_ref().filter(|_| c.schema().is_none()) else {
            continue;
        };
        // The path as the file table holds it (the same spelling): compared as bytes, not
        // component by component.
        let id = match files
            .iter()
            .position(|f| f.path.as_os_str() == src.file.as_os_str())
        {
            Some(id) => id,
            None => {
                let text = if src.text.is_empty() {
                    match std::fs::read_to_string(&src.file) {
                        Ok(t) => std::sync::Arc::from(t),
                        Err(_) => continue,
                    }
                } else {
                    std::sync::Arc::clone(&src.text)
                };
                let mut f = SourceFile::new(src.file.clone(), c.display.clone(), text);
                f.place = src.place.clone();
                f.reported = src.reported;
                files.push(f);
                files.len() - 1
            }
        };
        let text = files[id].text();
        let start = crate::source::line_starts(text)
            .get(c.line.saturating_sub(1) as usize)
            .map_or(0, |&s| s as usize);
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let kind = c.kind.name();
        out.push(
            Diagnostic::new(
                RuleId::SkippedFile,
                id as u32,
                crate::source::Span::new(start, end),
                format!(
                    "skipped a CustomResourceDefinition of {kind} that cannot be read (YAML the parser rejects, an alias, or a `spec.group` or `spec.names.kind` at odds with its name): {kind} documents keep the embedded schema"
                ),
            )
            .help("fix the CRD, or remove it from the repository if the cluster does not run it"),
        );
    }
    out
}
