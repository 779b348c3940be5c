//! Overlays: the environments a repository's kustomizations build. Each top-level
//! kustomization (one that no other kustomization of the run includes) is rendered as
//! `kustomize build` would, and its resources are linted together, as one cluster holds
//! them. The files a render uses (its resources, and its patches) are then not linted as
//! written; every other file is. A kustomization that cannot be rendered (a feature
//! canarylint does not render, or one that makes the build fail) leaves its files to be
//! linted as written, with a note or a finding that says why.
//!
//! A rendered resource keeps its nodes' spans: those of the file its document is in are
//! that file's, the others (a patch's values, a namespace an overlay sets) are foreign
//! spans (see [`crate::model::spanned::FOREIGN`]) that its scope's index maps back to the
//! file they were written in.

use std::collections::BTreeMap;

use crate::hash::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::cache::renders::{Outlined, RenderCache};
use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::kustomize::{self, Fs, Rendered};
use crate::load;
use crate::model::index::{HostFacts, Index};
use crate::model::resource::{NamespaceSource, Resource};
use crate::model::spanned::{ForeignFiles, FOREIGN};
use crate::source::{FileId, Place, SourceFile, Span};
use crate::yaml::{Node, Value};

/// One environment: a top-level kustomization and the index over what it renders.
pub(crate) struct Overlay {
    /// Its directory as displayed (`overlays/prod`).
    pub(crate) name: String,
    /// Its directory, lexically clean.
    pub(crate) dir: PathBuf,
    pub(crate) index: Index,
}

/// A finding about a kustomization: the file it is in (clean path and text), the files
/// its render read, and the finding.
type Finding = (PathBuf, Arc<str>, Arc<Vec<PathBuf>>, Diagnostic);

/// Findings of overlays by where they are and what they say, with the overlays that have
/// them.
type Groups<'o> = BTreeMap<(FileId, Span, RuleId, String), (Diagnostic, Vec<&'o Overlay>)>;

/// What the renders of a run gave, before the workspace numbers its files.
pub(crate) struct Renders {
    /// The successful renders of the top-level kustomizations, by directory.
    ok: Vec<(PathBuf, Rendered)>,
    /// The files those renders use, lexically clean: not linted as written.
    pub(crate) consumed: HashSet<OsString>,
    /// Notes and findings about the kustomizations (unrendered features, build errors,
    /// dropped routes), each with the path of its file; numbered with the files.
    findings: Vec<Finding>,
    /// The files renders read that the run excludes (`--exclude`): never reported on.
    excluded: HashSet<OsString>,
    /// Whether the run reports on the findings of each render in `ok`, and of each of
    /// `findings`: when it reports on a file the render read (see [`Renders::mark`]).
    reported: (Vec<bool>, Vec<bool>),
    /// The successful renders a restricted run took by their outline alone.
    outlined: Vec<Outline>,
}

/// What a run that reports on some files only reports on, as the renders see it: a cached
/// render that read none of those files (nor any file of a render that read one) and whose
/// overlay would see none of their namespaces is taken by its outline (see [`Outline`]).
/// The overlay would be skipped (see [`Numbered::into_overlays`]) and every finding about
/// it dropped.
pub(crate) struct Restriction<'a> {
    /// Whether the run reports on a file, by clean path.
    pub(crate) reported: &'a (dyn Fn(&OsStr) -> bool + Sync),
    /// The namespaces of the resources in the files it reports on.
    pub(crate) namespaces: HashSet<String>,
    pub(crate) root_namespace: &'a str,
    pub(crate) default_namespace: &'a str,
}

impl Restriction<'_> {
    /// Which of the outlined renders the run takes by their outline (`made` are the
    /// renders of the others, in the same order).
    fn skips(&self, outlined: &[Option<Outlined>], made: &[Option<Rendered>]) -> Vec<bool> {
        let read: Vec<Vec<std::borrow::Cow<'_, OsStr>>> = outlined
            .iter()
            .zip(made)
            .map(|(o, m)| match (m, o) {
                (Some(r), _) => r.files.iter().map(|f| load::clean_key(&f.path)).collect(),
                (None, Some(o)) => o.outline.files.iter().map(|p| load::clean_key(p)).collect(),
                (None, None) => Vec::new(),
            })
            .collect();
        // The files reported on, and those of each render that read one (it reports on all
        // of its files).
        let mut near: HashSet<&OsStr> = HashSet::default();
        for files in &read {
            if files.iter().any(|p| (self.reported)(p)) {
                near.extend(files.iter().map(|p| &**p));
            }
        }
        outlined
            .iter()
            .zip(&read)
            .map(|(o, files)| {
                let Some(o) = o else { return false };
                if files
                    .iter()
                    .any(|p| (self.reported)(p) || near.contains(&**p))
                {
                    return false;
                }
                o.outline.failed
                    || !o
                        .outline
                        .namespaces(self.default_namespace)
                        .chain(std::iter::once(self.root_namespace))
                        .any(|ns| self.namespaces.contains(ns))
            })
            .collect()
    }
}

/// What a run that reports on some files only needs of a render whose findings it would
/// all drop (see [`Restriction`]): kept in the render cache before the render, so that such
/// a render is neither decoded nor indexed.
#[derive(Debug, PartialEq)]
pub(crate) struct Outline {
    /// The paths of the files it read (as in [`Rendered::files`]).
    pub(crate) files: Vec<PathBuf>,
    /// The files it uses: its resource files and its patches (as in [`Rendered`]).
    pub(crate) resource_files: Vec<PathBuf>,
    pub(crate) patch_files: Vec<PathBuf>,
    /// Its kustomization directories (as in [`Rendered::kustomizations`]).
    pub(crate) kustomizations: Vec<PathBuf>,
    /// Whether it failed (a feature not rendered, or an error that fails the build): its
    /// files are then linted as written.
    pub(crate) failed: bool,
    /// Each resource an overlay of it would hold: its kind, the namespace it names (none:
    /// the default), and its file (an index in `files`).
    pub(crate) resources: Vec<(crate::model::kinds::Kind, Option<String>, u32)>,
}

impl Outline {
    /// The namespaces of its resources, as its overlay would have them.
    fn namespaces<'a>(&'a self, default_namespace: &'a str) -> impl Iterator<Item = &'a str> {
        self.resources
            .iter()
            .map(move |(_, ns, _)| ns.as_deref().unwrap_or(default_namespace))
    }

    /// The outline of a render, its resources read as [`overlay`] reads them.
    pub(crate) fn of(r: &Rendered) -> Outline {
        let resources = r
            .resources
            .iter()
            .filter_map(|doc| {
                let file = r.last_file_before(doc.span)?;
                let (kind, namespace) = load::kind_and_namespace(doc)?;
                Some((kind, namespace.map(str::to_string), file as u32))
            })
            .collect();
        Outline {
            files: r.files.iter().map(|f| f.path.clone()).collect(),
            resource_files: r.resource_files.clone(),
            patch_files: r.patch_files.clone(),
            kustomizations: r.kustomizations.clone(),
            failed: failed(r),
            resources,
        }
    }
}

/// Whether a render failed: a feature it does not render, or an error that fails the
/// build (see [`settle`]).
fn failed(r: &Rendered) -> bool {
    !r.unsupported.is_empty()
        || r.errors
            .iter()
            .any(|(m, _)| !kustomize::is_generator_error(m))
}

/// The kustomization directories a run reads: those of its files, and those above them up
/// to the repository root (a file of an overlay is linted as the overlay renders it).
pub(crate) fn candidates<'p>(files: impl Iterator<Item = &'p Path>, fs: &dyn Fs) -> Vec<PathBuf> {
    // In parallel, a run of files at a time: each run asks of the directories above its
    // own, and a directory found by two is kept once.
    let files: Vec<&Path> = files.collect();
    let mut found: Vec<PathBuf> = files
        .par_chunks(2048)
        .flat_map_iter(|run| candidates_of(run, fs))
        .collect();
    // In `Path`'s order, sorted by keys compared as bytes where every path has one: the
    // directories found above the 30,000 files of the 10-copy bench tree took 39 M
    // instructions to sort by their components, on one thread.
    match found
        .iter()
        .map(|d| crate::walk::order_key(d))
        .collect::<Option<Vec<Vec<u8>>>>()
    {
        Some(keys) => {
            let mut keyed: Vec<(Vec<u8>, PathBuf)> = keys.into_iter().zip(found).collect();
            keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            keyed.dedup_by(|a, b| a.0 == b.0);
            keyed.into_iter().map(|(_, d)| d).collect()
        }
        None => {
            found.sort_unstable();
            found.dedup();
            found
        }
    }
}

fn candidates_of(files: &[&Path], fs: &dyn Fs) -> Vec<PathBuf> {
    // By the path's bytes: hashing a `Path` walks its components.
    let mut seen: HashSet<OsString> = HashSet::default();
    let mut found = Vec::new();
    let mut last: Option<&[u8]> = None;
    for file in files {
        // Files come directory by directory: the one before in the same directory, as
        // written, has asked everything this one would.
        let bytes = file.as_os_str().as_encoded_bytes();
        let written = &bytes[..crate::walk::last_separator(bytes).unwrap_or(0)];
        if last == Some(written) {
            continue;
        }
        last = Some(written);
        let clean = load::clean_key(file);
        let dir = match Path::new(&clean).parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut dir = dir.to_path_buf();
        loop {
            if !seen.insert(dir.as_os_str().to_owned()) {
                break;
            }
            if fs.kustomization_name(&dir).is_some() {
                found.push(dir.clone());
            }
            if fs.is_dir(&dir.join(".git")) {
                break;
            }
            match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() || dir != Path::new(".") => {
                    if p.as_os_str().is_empty() {
                        dir = PathBuf::from(".");
                    } else {
                        dir.pop();
                    }
                }
                _ => break,
            }
            // Relative paths stop at the working directory's top, `..` chains included
            // (`..` can only lead a clean path).
            if crate::walk::last_name(&dir) == b".." {
                break;
            }
        }
    }
    found
}

/// What a kustomization lists, read without rendering: the directories it includes
/// (`resources`, `bases`, `components`), the files it lists as resources, and whether it
/// is a Component, which only another kustomization renders.
#[derive(Default)]
pub(crate) struct Listing {
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) component: bool,
}

fn listing(dir: &Path, fs: &dyn Fs, parsed: &kustomize::Parsed) -> Listing {
    let mut out = Listing::default();
    // Parsed as the renders parse it, once for them and this listing.
    let Some(file) = kustomize::kustomization_file(fs, dir).and_then(|f| parsed.get(fs, &f).ok())
    else {
        return out;
    };
    let Some(doc) = file.loaded.docs.first() else {
        return out;
    };
    out.component = doc.get("kind").and_then(Node::as_str) == Some("Component");
    for key in ["resources", "bases", "components"] {
        for item in doc.get(key).map_or(&[][..], Node::items) {
            let Some(entry) = item.as_str() else { continue };
            if entry.contains("://") || entry.starts_with("git@") {
                continue;
            }
            let path = load::lexically_clean(&dir.join(entry));
            if fs.is_dir(&path) {
                out.dirs.push(path);
            } else {
                out.files.push(path);
            }
        }
    }
    out
}

/// Renders the kustomizations in `dirs` that no other of them includes, and that hold a
/// resource of a kind the linter reads (`relevant` tells for the files the run loaded; a
/// file it did not load may hold one).
///
/// With `cache`, what the last run found is taken where the file system answers as then.
pub(crate) fn render_all(
    dirs: &[PathBuf],
    fs: &dyn Fs,
    relevant: &(dyn Fn(&Path) -> Option<bool> + Sync),
    cache: Option<&RenderCache<'_>>,
    restriction: Option<&Restriction<'_>>,
) -> Renders {
    let parsed = kustomize::Parsed::default();
    let listings: HashMap<OsString, Listing> = dirs
        .par_iter()
        .map(|d| {
            let d = load::lexically_clean(d);
            let l = match cache {
                Some(c) => c.listing(&d, fs, |fs| listing(&d, fs, &parsed)),
                None => listing(&d, fs, &parsed),
            };
            (d.into_os_string(), l)
        })
        .collect();
    let included: HashSet<&OsStr> = listings
        .values()
        .flat_map(|l| l.dirs.iter().map(|d| d.as_os_str()))
        .collect();
    let top: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| !included.contains(load::lexically_clean(d).as_os_str()))
        .collect();
    let top: Vec<&PathBuf> = top
        .into_par_iter()
        .filter(|d| {
            let component = listings
                .get(load::lexically_clean(d).as_os_str())
                .is_some_and(|l| l.component);
            !component && holds_relevant(d, fs, &parsed, &listings, relevant)
        })
        .collect();
    let render = |d: &Path| {
        let render = |fs: &dyn Fs| {
            let mut r = kustomize::render_with(d, fs, &parsed);
            // Only the kinds the rules read are kept (the others hold their identity only).
            r.resources
                .retain(|doc| kustomize::read_kind(doc).is_some());
            r
        };
        match cache {
            Some(c) => c.rendered(&load::lexically_clean(d), fs, render),
            None => render(fs),
        }
    };
    // A restricted run first takes the outlines the cache holds, and renders the others:
    // whether it may skip a render depends on the files every render read.
    let outlined: Vec<Option<Outlined>> = match (cache, restriction) {
        (Some(c), Some(_)) => top
            .par_iter()
            .map(|d| c.outline(&load::lexically_clean(d), fs))
            .collect(),
        _ => top.iter().map(|_| None).collect(),
    };
    let made: Vec<Option<Rendered>> = top
        .par_iter()
        .zip(&outlined)
        .map(|(d, o)| o.is_none().then(|| render(d)))
        .collect();
    let skips = match restriction {
        Some(x) => x.skips(&outlined, &made),
        None => Vec::new(),
    };
    let renders: Vec<(PathBuf, Render)> = top
        .into_par_iter()
        .zip(made)
        .zip(outlined)
        .enumerate()
        .map(|(i, ((d, made), o))| {
            let r = match (made, o) {
                (Some(r), _) => Render::Made(r),
                (None, Some(o)) if skips.get(i) == Some(&true) => match cache {
                    Some(c) => Render::Outlined(c.take(o)),
                    None => Render::Outlined(o.outline),
                },
                (None, _) => Render::Made(render(d)),
            };
            (d.clone(), r)
        })
        .collect();
    parsed.free();
    let mut included: HashSet<OsString> = HashSet::default();
    for (dir, r) in &renders {
        let own = load::lexically_clean(dir);
        let kustomizations = match r {
            Render::Made(r) => &r.kustomizations,
            Render::Outlined(o) => &o.kustomizations,
        };
        included.extend(
            kustomizations
                .iter()
                .map(|k| load::lexically_clean(k))
                .filter(|k| *k != own)
                .map(PathBuf::into_os_string),
        );
    }
    // Each render's findings and files are settled in parallel (paths made clean, texts
    // read), then gathered in order.
    let settled: Vec<Settled> = renders
        .into_par_iter()
        .filter(|(dir, _)| !included.contains(load::lexically_clean(dir).as_os_str()))
        .map(|(dir, r)| match r {
            Render::Made(r) => settle(dir, r, fs),
            Render::Outlined(o) => Settled {
                consumed: if o.failed {
                    Vec::new()
                } else {
                    o.resource_files
                        .iter()
                        .chain(&o.patch_files)
                        .map(|p| load::lexically_clean(p).into_os_string())
                        .collect()
                },
                outline: (!o.failed).then_some(o),
                ..Settled::default()
            },
        })
        .collect();
    let mut out = Renders {
        ok: Vec::new(),
        consumed: HashSet::default(),
        findings: Vec::new(),
        excluded: HashSet::default(),
        reported: Default::default(),
        outlined: Vec::new(),
    };
    for s in settled {
        out.findings.extend(s.findings);
        out.consumed.extend(s.consumed);
        out.ok.extend(s.ok);
        out.outlined.extend(s.outline);
    }
    out
}

/// A render as a run takes it: made (or decoded whole), or by its outline alone.
enum Render {
    Made(Rendered),
    Outlined(Outline),
}

/// What one render gives the run: its findings, and when it succeeded, the files it uses
/// and itself.
#[derive(Default)]
struct Settled {
    findings: Vec<Finding>,
    consumed: Vec<OsString>,
    ok: Option<(PathBuf, Rendered)>,
    /// A successful render taken by its outline alone.
    outline: Option<Outline>,
}

/// The findings of a top-level kustomization's render (unrendered features, dropped
/// routes, build errors) and, when it succeeded, the files it uses.
fn settle(dir: PathBuf, r: Rendered, fs: &dyn Fs) -> Settled {
    let mut out = Settled::default();
    let at = |span: Span| located(fs, &r, span);
    let read: Arc<Vec<PathBuf>> = Arc::new(
        r.files
            .iter()
            .map(|f| load::lexically_clean(&f.path))
            .collect(),
    );
    if !r.unsupported.is_empty() {
        for (feature, span) in &r.unsupported {
            let (path, text, span) = at(*span);
            let feature = if feature.starts_with("a ") {
                feature.clone()
            } else {
                format!("`{feature}`")
            };
            let msg = format!(
                "not rendered: this kustomization uses {feature}, which canarylint does not render; its files are linted as written"
            );
            out.findings.push((
                path,
                text,
                Arc::clone(&read),
                Diagnostic::new(RuleId::SkippedFile, 0, span, msg).help(
                    "render it yourself and lint the output: `kubectl kustomize DIR | canarylint check -`",
                ),
            ));
        }
        return out;
    }
    for d in &r.dropped {
        let (path, text, span) = at(d.patch);
        let (base_path, base_text, base_span) = at(d.base);
        let line = load::line_at(&base_text, base_span.start as usize);
        let msg = format!(
            "this patch replaces the list `{}` of {}: {} of the base ({}:{line}) is not in the patched list",
            d.list,
            d.resource,
            d.entry,
            base_path.display()
        );
        out.findings.push((
            path,
            text,
            Arc::clone(&read),
            Diagnostic::new(RuleId::PatchDropsRoutes, 0, span, msg).help(
                "a strategic-merge patch replaces the lists of a custom resource whole; change one value with a JSON 6902 patch (`op: replace`, `path: /spec/http/0/route/0/weight`), or repeat every entry of the base",
            ),
        ));
    }
    let errors: Vec<&(String, Span)> = r
        .errors
        .iter()
        .filter(|(m, _)| !kustomize::is_generator_error(m))
        .collect();
    if !errors.is_empty() {
        for (message, span) in errors {
            let (path, text, span) = at(*span);
            out.findings.push((
                path,
                text,
                Arc::clone(&read),
                Diagnostic::new(
                    RuleId::OverlayBuildError,
                    0,
                    span,
                    format!("`kustomize build {}` fails: {message}", dir.display()),
                )
                .help("the sync of this overlay fails until this is fixed; its files are linted as written"),
            ));
        }
        return out;
    }
    out.consumed = r
        .resource_files
        .iter()
        .chain(&r.patch_files)
        .map(|p| load::lexically_clean(p).into_os_string())
        .collect();
    out.ok = Some((dir, r));
    out
}

/// Whether a rule checks resources of `kind` on their own. Services are checked only
/// beside the Flagger Canary that owns them (`flagger-owned-resource`), which is checked
/// itself; the other kinds the rules read (workloads, Gateways) are only looked up. Rules
/// that read each document alone (the schema rules) do not count: a file no render uses
/// is checked as written.
pub(crate) fn is_checked(kind: crate::model::kinds::Kind) -> bool {
    use crate::model::kinds::Kind;
    kind != Kind::Service
        && crate::rules::registry::RULES
            .iter()
            .any(|r| !r.reads_documents_alone() && r.kinds().contains(&kind))
}

/// Whether a kustomization or one it includes lists a file that holds (or may hold) a
/// resource of a kind the linter reads.
fn holds_relevant(
    dir: &Path,
    fs: &dyn Fs,
    parsed: &kustomize::Parsed,
    listings: &HashMap<OsString, Listing>,
    relevant: &(dyn Fn(&Path) -> Option<bool> + Sync),
) -> bool {
    let mut seen: HashSet<PathBuf> = HashSet::default();
    let mut todo = vec![load::lexically_clean(dir)];
    while let Some(d) = todo.pop() {
        if !seen.insert(d.clone()) {
            continue;
        }
        let owned;
        let l = match listings.get(d.as_os_str()) {
            Some(l) => l,
            None => {
                owned = listing(&d, fs, parsed);
                &owned
            }
        };
        if l.files.iter().any(|f| relevant(f) != Some(false)) {
            return true;
        }
        todo.extend(l.dirs.iter().cloned());
    }
    false
}

/// The file (its clean path and text) and the span in it of a span of a render. A file
/// whose text the render did not keep is read again.
fn located(fs: &dyn Fs, r: &Rendered, span: Span) -> (PathBuf, Arc<str>, Span) {
    match r.file_of(span) {
        Some(f) => {
            let text = if f.text.is_empty() && f.len > 0 {
                fs.read(&f.path).unwrap_or_else(|_| Arc::from(""))
            } else {
                Arc::clone(&f.text)
            };
            let span = Span::new(
                (span.start - f.base) as usize,
                (span.end.saturating_sub(f.base) as usize).min(text.len()),
            );
            (load::lexically_clean(&f.path), text, span)
        }
        None => (PathBuf::new(), Arc::from(""), span),
    }
}

/// The workspace's files by their clean path, and the way to add the files only renders
/// read.
pub(crate) struct FileTable<'a> {
    pub(crate) files: &'a mut Vec<SourceFile>,
    by_path: HashMap<OsString, FileId>,
    root: Option<PathBuf>,
    /// The files only renders read.
    added: HashSet<FileId>,
    excluded: HashSet<OsString>,
    /// Where the walk placed the files the run loaded and did not keep, by clean path.
    placed: HashMap<&'a OsStr, &'a load::UnkeptPlace>,
    canonical: crate::canonical::Canonical,
}

impl<'a> FileTable<'a> {
    /// The table of `files`, to which the files only renders read are added: at the place
    /// `placed` gives a file by its clean path, else where its path leads.
    pub(crate) fn new(
        files: &'a mut Vec<SourceFile>,
        root: Option<PathBuf>,
        placed: impl Iterator<Item = (&'a OsStr, &'a load::UnkeptPlace)>,
    ) -> Self {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (load::lexically_clean(&f.path).into_os_string(), i as FileId))
            .collect();
        FileTable {
            files,
            by_path,
            root,
            added: HashSet::default(),
            excluded: HashSet::default(),
            placed: placed.collect(),
            canonical: Default::default(),
        }
    }

    /// The id of the file at `path`, added with `text` when the run has not kept it (and
    /// then reported or not as `reported` says).
    fn id(&mut self, path: &Path, text: &Arc<str>, reported: bool) -> FileId {
        let clean = load::lexically_clean(path);
        let reported = reported && !self.excluded.contains(clean.as_os_str());
        if let Some(&id) = self.by_path.get(clean.as_os_str()) {
            let f = &mut self.files[id as usize];
            // A file the loader did not keep has no text.
            if !text.is_empty() {
                f.fill_text(text);
            }
            if self.added.contains(&id) {
                f.reported |= reported;
            }
            return id;
        }
        let id = self.files.len() as FileId;
        let display = crate::walk::display(&clean);
        let mut src = SourceFile::new(clean.clone(), display, Arc::clone(text));
        src.reported = reported;
        self.added.insert(id);
        src.place = match self
            .placed
            .get(clean.as_os_str())
            .map(|p| p.place(clean.as_os_str()))
        {
            Some(place) if place != Place::Unresolved => place,
            _ => match self.canonical.file(&clean) {
                Some(abs) => Place::Outside(abs).settle(self.root.as_deref()),
                None => Place::Repository(clean.clone()),
            },
        };
        self.files.push(src);
        self.by_path.insert(clean.into_os_string(), id);
        id
    }
}

impl Renders {
    /// Marks the files renders read that `excluded` says the run excludes (a run that
    /// excludes files), and the renders whose findings the run reports on: those that read
    /// a file `reported` says it reports on (by clean path; one of a pre-commit list, say).
    /// The files only such a render read are reported too.
    pub(crate) fn mark(
        &mut self,
        excluded: Option<&dyn Fn(&Path) -> bool>,
        reported: impl Fn(&OsStr) -> bool,
    ) {
        let reports = |p: &Path| reported(&load::clean_key(p));
        let renders = self
            .ok
            .iter()
            .map(|(_, r)| r.files.iter().any(|f| reports(&f.path)));
        // The findings of one render share the list of the files it read (hundreds of
        // files, for tens of findings): each list is read once.
        let mut lists: HashMap<*const Vec<PathBuf>, bool> = HashMap::default();
        let mut distinct: Vec<&[PathBuf]> = Vec::new();
        let findings = self.findings.iter().map(|f| {
            *lists.entry(Arc::as_ptr(&f.2)).or_insert_with(|| {
                distinct.push(&f.2);
                f.2.iter().any(|p| reports(p))
            })
        });
        self.reported = (renders.collect(), findings.collect());
        let Some(excluded) = excluded else {
            return;
        };
        let read = self
            .ok
            .iter()
            .flat_map(|(_, r)| r.files.iter().map(|f| f.path.as_path()))
            .chain(distinct.into_iter().flatten().map(PathBuf::as_path));
        // Copied only when excluded.
        self.excluded = read
            .map(load::clean_key)
            .filter(|p| excluded(Path::new(p)))
            .map(std::borrow::Cow::into_owned)
            .collect();
    }

    /// Numbers the renders' findings and files in `table`; the renders are
    /// [`Renders::mark`]ed first (those not marked are reported on nowhere).
    pub(crate) fn number(self, table: &mut FileTable<'_>) -> Numbered {
        let (renders, findings) = self.reported;
        debug_assert_eq!(
            (renders.len(), findings.len()),
            (self.ok.len(), self.findings.len()),
            "renders numbered before they were marked"
        );
        let mut diags = Vec::new();
        table.excluded = self.excluded;
        for (i, (path, text, _, mut d)) in self.findings.into_iter().enumerate() {
            let reported = findings.get(i).copied().unwrap_or(false);
            d.file = table.id(&path, &text, reported);
            diags.push(d);
        }
        let renders = self
            .ok
            .into_iter()
            .enumerate()
            .map(|(i, (dir, r))| {
                let reported = renders.get(i).copied().unwrap_or(false);
                let ids: Vec<FileId> = r
                    .files
                    .iter()
                    .map(|f| table.id(&f.path, &f.text, reported))
                    .collect();
                (dir, r, ids)
            })
            .collect();
        Numbered {
            renders,
            diags,
            outlined: self.outlined,
        }
    }
}

/// The renders, their files numbered in the workspace's table, and the findings about
/// the kustomizations.
pub(crate) struct Numbered {
    renders: Vec<(PathBuf, Rendered, Vec<FileId>)>,
    diags: Vec<Diagnostic>,
    outlined: Vec<Outline>,
}

/// What the overlays a run skipped would have held: how many resources their indexes had,
/// and the kind and file of each resource of their own (they use the vendored CRDs as
/// indexed ones do).
#[derive(Debug, Default)]
pub(crate) struct Skipped {
    pub(crate) resources: usize,
    pub(crate) uses: Vec<(crate::model::kinds::Kind, FileId)>,
    /// Those of the renders taken by their outline, by the file's clean path.
    pub(crate) outlined: Vec<(crate::model::kinds::Kind, PathBuf)>,
}

impl Numbered {
    /// Builds one index per environment, in parallel, each with the manifests `outside`
    /// the renders that share its namespaces.
    ///
    /// With `reported` (a run that reports on some files only), an overlay none of whose
    /// findings the run could report is skipped: one that read none of the files reported
    /// on, and sees none of their manifests (a finding names those it involves, and is
    /// reported for them). Its findings would all be in files the run does not report on.
    pub(crate) fn into_overlays(
        self,
        root_namespace: &str,
        default_namespace: &str,
        outside: &[Resource],
        reported: Option<&(dyn Fn(FileId) -> bool + Sync)>,
    ) -> (Vec<Overlay>, Vec<Diagnostic>, Skipped) {
        // What the index reads of the outside manifests' hosts, found once for all the
        // overlays that see them.
        let outside_hosts: Vec<std::sync::OnceLock<HostFacts>> =
            outside.iter().map(|_| std::sync::OnceLock::new()).collect();
        // The manifests outside the renders by their namespace (those whose namespace is
        // only a default are in none): each overlay takes those of its own namespaces.
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, r) in outside.iter().enumerate() {
            if r.namespace_source != NamespaceSource::Default {
                by_namespace
                    .entry(r.namespace.as_str())
                    .or_default()
                    .push(i);
            }
        }
        // The namespaces of the reported manifests an overlay may see.
        let watched: HashSet<&str> = match reported {
            Some(reported) => outside
                .iter()
                .filter(|r| r.namespace_source != NamespaceSource::Default && reported(r.file))
                .map(|r| r.namespace.as_str())
                .collect(),
            None => HashSet::default(),
        };
        let built: Vec<Result<Overlay, Skipped>> = self
            .renders
            .into_par_iter()
            .map(|(dir, r, ids)| {
                let unreported =
                    reported.is_some_and(|reported| !ids.iter().any(|&id| reported(id)));
                overlay(
                    dir,
                    r,
                    &ids,
                    Outside {
                        resources: outside,
                        hosts: &outside_hosts,
                        by_namespace: &by_namespace,
                    },
                    root_namespace,
                    default_namespace,
                    unreported.then_some(&watched),
                )
            })
            .collect();
        let mut skipped = Skipped::default();
        // Counted as [`overlay`] counts the overlays it skips.
        for o in &self.outlined {
            let namespaces: HashSet<&str> = o
                .namespaces(default_namespace)
                .chain(std::iter::once(root_namespace))
                .collect();
            skipped.resources += o.resources.len()
                + namespaces
                    .iter()
                    .filter_map(|ns| by_namespace.get(ns))
                    .map(Vec::len)
                    .sum::<usize>();
            skipped.outlined.extend(
                o.resources
                    .iter()
                    .map(|(kind, _, f)| (*kind, load::lexically_clean(&o.files[*f as usize]))),
            );
        }
        let mut overlays = Vec::with_capacity(built.len());
        for o in built {
            match o {
                Ok(o) => overlays.push(o),
                Err(s) => {
                    skipped.resources += s.resources;
                    skipped.uses.extend(s.uses);
                }
            }
        }
        (overlays, self.diags, skipped)
    }
}

/// The manifests outside every render, as overlays look them up.
#[derive(Clone, Copy)]
struct Outside<'a> {
    resources: &'a [Resource],
    /// What the index reads of each one's hosts, found once for all the overlays.
    hosts: &'a [std::sync::OnceLock<HostFacts>],
    /// Those whose namespace is more than a default, by namespace.
    by_namespace: &'a HashMap<&'a str, Vec<usize>>,
}

/// One environment: the resources a render gave (its files numbered `ids`), in their
/// files, with the outside manifests of its namespaces, indexed. With `skip_unless` (the
/// render read no file reported on), the overlay is only counted unless it sees a
/// manifest of those namespaces.
fn overlay(
    dir: PathBuf,
    mut r: Rendered,
    ids: &[FileId],
    outside: Outside<'_>,
    root_namespace: &str,
    default_namespace: &str,
    skip_unless: Option<&HashSet<&str>>,
) -> Result<Overlay, Skipped> {
    let mut resources = Vec::new();
    for doc in std::mem::take(&mut r.resources) {
        let Some(k) = r.last_file_before(doc.span) else {
            continue;
        };
        let (base, len) = (r.files[k].base, r.files[k].len);
        let mut doc = doc;
        localize(&mut doc, base, base + len);
        if let Some(mut res) = load::resource(doc) {
            res.resource.file = ids[k];
            if !res.explicit_namespace {
                res.resource.namespace = default_namespace.to_string();
                res.resource.namespace_source = NamespaceSource::Default;
            }
            resources.push(res.resource);
        }
    }
    let clean = load::lexically_clean(&dir);
    let name = match crate::walk::display(&clean) {
        n if n.is_empty() => ".".to_string(),
        n => n,
    };
    // The manifests outside every render that share a namespace with the overlay (or are
    // in the root namespace) are in the cluster with it: its routes may use their
    // DestinationRules, Gateways and templates. They are looked up, not checked again.
    let subjects = resources.len();
    let namespaces: HashSet<&str> = resources
        .iter()
        .map(|r| r.namespace.as_str())
        .chain(std::iter::once(root_namespace))
        .collect();
    let mut context: Vec<usize> = namespaces
        .iter()
        .filter_map(|ns| outside.by_namespace.get(ns))
        .flatten()
        .copied()
        .collect();
    if skip_unless.is_some_and(|watched| !namespaces.iter().any(|ns| watched.contains(ns))) {
        return Err(Skipped {
            resources: resources.len() + context.len(),
            uses: resources.iter().map(|r| (r.kind, r.file)).collect(),
            outlined: Vec::new(),
        });
    }
    let foreign = ForeignFiles::new(
        r.files
            .iter()
            .zip(ids)
            .map(|(f, &id)| (f.base, f.base + f.len, id))
            .collect(),
    );
    // In the order of the manifests, as the index keeps them.
    context.sort_unstable();
    resources.extend(context.iter().map(|&i| outside.resources[i].duplicate()));
    let hosts = |at: usize| {
        let i = *context.get(at.checked_sub(subjects)?)?;
        Some(outside.hosts[i].get_or_init(|| HostFacts::of(&outside.resources[i])))
    };
    // Everything an overlay renders is applied together.
    let index = Index::with_host_facts(resources, root_namespace.to_string(), &hosts)
        .with_subjects(subjects)
        .all_applied_together()
        .with_foreign(foreign);
    Ok(Overlay {
        name,
        dir: clean,
        index,
    })
}

/// Makes the spans of a rendered document that are in its own file (`base..end` of the
/// render) that file's, and marks the others foreign.
fn localize(node: &mut Node, base: u32, end: u32) {
    let fix = |s: &mut Span| {
        if s.start >= base && s.start <= end {
            s.start -= base;
            s.end = s.end.min(end).saturating_sub(base);
        } else {
            s.start |= FOREIGN;
            s.end |= FOREIGN;
        }
    };
    fix(&mut node.span);
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries {
                localize(&mut e.key, base, end);
                localize(&mut e.value, base, end);
            }
        }
        Value::Seq(items) => {
            for n in items {
                localize(n, base, end);
            }
        }
        _ => {}
    }
}

/// Marks which overlays a finding was rendered in: the same finding in several overlays
/// becomes one, naming them. A finding of one overlay in a file of its own directory (its
/// patch, say) names none: where it is says which.
pub(crate) fn merge(found: Vec<(Diagnostic, &Overlay)>, files: &[SourceFile]) -> Vec<Diagnostic> {
    let mut groups: Groups<'_> = BTreeMap::new();
    for (d, overlay) in found {
        let key = (d.file, d.span, d.rule, d.message.clone());
        let g = groups.entry(key).or_insert_with(|| (d, Vec::new()));
        if !g.1.iter().any(|o| std::ptr::eq(*o, overlay)) {
            g.1.push(overlay);
        }
    }
    groups
        .into_values()
        .map(|(mut d, overlays)| {
            let own = match (overlays.as_slice(), files.get(d.file as usize)) {
                ([o], Some(f)) => kustomize::within(&load::lexically_clean(&f.path), &o.dir),
                _ => false,
            };
            if !own {
                let mut names: Vec<&str> = overlays.iter().map(|o| o.name.as_str()).collect();
                names.sort_unstable();
                d.message.push_str(&in_overlays(&names));
            }
            d
        })
        .collect()
}

fn in_overlays(names: &[&str]) -> String {
    const SHOWN: usize = 3;
    let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match names.len() {
        1 => format!(" (in overlay {})", quoted[0]),
        n if n <= SHOWN => format!(" (in overlays {})", quoted.join(", ")),
        n => format!(
            " (in overlays {} and {} more)",
            quoted.join(", "),
            n - SHOWN
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomizations_are_looked_for_above_a_file_up_to_a_leading_chain_of_parents() {
        // A file given as `../../a/b/vs.yaml`: `../../a` is above it; the search stops at
        // `../..`, and never asks the working directory, which is not above it.
        let k = "resources: []\n".to_string();
        let fs = kustomize::MemFs(
            [
                ("kustomization.yaml", k.clone()),
                ("../kustomization.yaml", k.clone()),
                ("../../kustomization.yaml", k.clone()),
                ("../../a/kustomization.yaml", k.clone()),
                ("../../a/b/vs.yaml", "kind: VirtualService\n".to_string()),
            ]
            .into_iter()
            .map(|(p, t)| (PathBuf::from(p), t))
            .collect(),
        );
        let found = candidates(std::iter::once(Path::new("../../a/b/vs.yaml")), &fs);
        assert_eq!(found, [PathBuf::from("../../a")]);
    }

    #[test]
    fn a_rendered_node_keeps_its_file_and_others_become_foreign() {
        // Two files of a render: the resource's own (at 0) and a patch (at 100).
        let text = "a: 1\n";
        let mut doc = crate::yaml::load(text, 0).docs.remove(0);
        let mut patch = crate::yaml::load("b: 2\n", 100).docs.remove(0);
        localize(&mut doc, 0, text.len() as u32);
        localize(&mut patch, 0, text.len() as u32);
        assert_eq!(doc.span.start & FOREIGN, 0);
        let b = patch.get("b").unwrap().span;
        assert_ne!(b.start & FOREIGN, 0);
        let files = ForeignFiles::new(vec![(0, 5, 7), (100, 105, 9)]);
        let at = files.real(crate::model::spanned::Location::new(7, b));
        assert_eq!((at.file, at.span), (9, Span::new(3, 4)));
        // A span of the resource's own file stays as it is.
        let own = crate::model::spanned::Location::new(7, doc.span);
        assert_eq!(files.real(own), own);
    }

    /// Files of kinds the linter never reads keep no text in a render, and a kustomization
    /// keeps its own: a finding in the first is placed by reading the file again.
    #[test]
    fn a_render_keeps_no_text_of_identities_and_places_findings_in_them_all_the_same() {
        let settings = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n";
        let fs = kustomize::MemFs(
            [
                ("k/kustomization.yaml", "resources: [settings.yaml]\n"),
                ("k/settings.yaml", settings),
            ]
            .into_iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
        );
        let r = kustomize::render_with(Path::new("k"), &fs, &kustomize::Parsed::default());
        let held: Vec<(&str, usize, u32)> = r
            .files
            .iter()
            .map(|f| (f.path.to_str().unwrap(), f.text.len(), f.len))
            .collect();
        assert_eq!(
            held,
            [
                ("k/kustomization.yaml", 27, 27),
                ("k/settings.yaml", 0, settings.len() as u32)
            ]
        );
        // `name: s` in the settings, as a render's span.
        let at = r.files[1].base as usize + settings.find("s\n").unwrap();
        let (path, text, span) = located(&fs, &r, Span::new(at, at + 1));
        assert_eq!(path, Path::new("k/settings.yaml"));
        assert_eq!(&text[span.start as usize..span.end as usize], "s");
    }

    #[test]
    fn findings_name_their_overlays() {
        assert_eq!(in_overlays(&["a"]), " (in overlay `a`)");
        assert_eq!(in_overlays(&["a", "b"]), " (in overlays `a`, `b`)");
        assert_eq!(
            in_overlays(&["a", "b", "c", "d", "e"]),
            " (in overlays `a`, `b`, `c` and 2 more)"
        );
    }
}
