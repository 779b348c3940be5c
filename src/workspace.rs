//! The loaded repository: files, resources and the index, with the findings loading made.
//! Loading reads the files (and the kustomizations above them); indexing only arranges
//! what was read.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::codes::RuleId;
use crate::diagnostic::Diagnostic;
use crate::load::{self, KustomizeNamespaces, LoadOptions};
use crate::model::index::Index;
use crate::model::resource::{NamespaceSource, Resource};
use crate::source::{Place, SourceFile};
use crate::walk::Target;

#[derive(Clone, Debug)]
pub struct WorkspaceOptions {
    pub load: LoadOptions,
    pub default_namespace: String,
    pub root_namespace: String,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions {
            load: LoadOptions::default(),
            default_namespace: "default".into(),
            root_namespace: crate::model::index::DEFAULT_ROOT_NAMESPACE.into(),
        }
    }
}

/// Wall time per phase, for `--timings`.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub(crate) phases: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    pub fn record(&mut self, phase: &'static str, since: std::time::Instant) {
        self.phases.push((phase, since.elapsed()));
    }

    pub fn render(&self) -> String {
        let total: std::time::Duration = self.phases.iter().map(|(_, d)| *d).sum();
        let mut s = String::new();
        for (phase, d) in &self.phases {
            s.push_str(&format!("{phase:>9}: {:>8.1} ms\n", d.as_secs_f64() * 1e3));
        }
        s.push_str(&format!(
            "{:>9}: {:>8.1} ms\n",
            "total",
            total.as_secs_f64() * 1e3
        ));
        s
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
}

pub struct Workspace {
    /// The repository root the files' places are relative to; `None` for in-memory files.
    pub(crate) root: Option<PathBuf>,
    /// The files that hold resources or findings; a `FileId` indexes this.
    pub files: Vec<SourceFile>,
    pub index: Index,
    pub(crate) load_diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
}

impl Workspace {
    pub fn load(targets: &[Target], opts: &WorkspaceOptions) -> Workspace {
        Self::load_timed(targets, opts, &mut Timings::default())
    }

    /// Loads and indexes, recording the two phases.
    pub(crate) fn load_timed(
        targets: &[Target],
        opts: &WorkspaceOptions,
        timings: &mut Timings,
    ) -> Workspace {
        let t = std::time::Instant::now();
        let progress = crate::progress::Progress::start(targets.len() as u64, "linting");
        let kustomize = KustomizeNamespaces::default();
        let loaded: Vec<load::LoadedFile> = targets
            .par_iter()
            .map(|t| {
                let mut f = load::load_target(t, opts.load);
                f.resolve_namespace(&kustomize);
                progress.inc();
                f
            })
            .collect();
        progress.finish();
        timings.record("load", t);
        let t = std::time::Instant::now();
        let ws = Self::from_loaded(loaded, opts);
        timings.record("index", t);
        ws
    }

    /// Builds a workspace from in-memory files (display path, text), for tests and docs.
    /// Each file's display path is its path in the repository, and places it for
    /// kustomization namespaces.
    pub(crate) fn from_texts(texts: &[(String, String)], opts: &WorkspaceOptions) -> Workspace {
        let sources = texts
            .iter()
            .map(|(name, text)| {
                let mut src =
                    SourceFile::new(PathBuf::from(name), name.clone(), text.as_str().into());
                src.place = Place::Repository(PathBuf::from(name));
                src
            })
            .collect();
        Self::from_sources(sources, opts)
    }

    /// Builds a workspace from files read elsewhere (e.g. from git history): each file's
    /// path places it for kustomization namespaces; its display name is what reports show.
    pub(crate) fn from_sources(sources: Vec<SourceFile>, opts: &WorkspaceOptions) -> Workspace {
        let kustomize = KustomizeNamespaces::default();
        let loaded = sources
            .into_iter()
            .map(|src| {
                let mut f = load::load_text(src, opts.load);
                f.resolve_namespace(&kustomize);
                f
            })
            .collect();
        Self::from_loaded(loaded, opts)
    }

    /// Numbers loaded files and builds the index over their resources, without reading
    /// anything more.
    pub fn from_loaded(loaded: Vec<load::LoadedFile>, opts: &WorkspaceOptions) -> Workspace {
        let mut stats = Stats {
            files: loaded.len(),
            ..Stats::default()
        };
        let mut files = Vec::new();
        let mut resources: Vec<Resource> = Vec::new();
        let mut diags = Vec::new();
        let mut builds: Vec<Option<std::path::PathBuf>> = Vec::new();
        for lf in loaded {
            stats.documents += lf.documents;
            if lf
                .diagnostics
                .iter()
                .any(|d| matches!(d.rule, RuleId::SkippedFile | RuleId::IoError))
            {
                stats.skipped += 1;
            }
            if !lf.keep {
                continue;
            }
            let id = files.len() as u32;
            for raw in lf.resources {
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
        stats.resources = resources.len();
        let index = Index::new(resources, opts.root_namespace.clone())
            .with_directories(files.iter().map(|f| f.path.parent()))
            .with_builds(builds.iter().map(Option::as_deref));
        Workspace {
            root: None,
            files,
            index,
            load_diagnostics: diags,
            stats,
        }
    }
}
