//! One pipeline for every run, from the command line, the tests and the docs: the rules,
//! then per-file ignores, suppressions, severity overrides, the report scope and the
//! folding of note floods, in one sorted list.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::{CheckArgs, FailOn};
use crate::config::{Policy, RuleSettings};
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::error::Error;
use crate::history::{self, Baseline};
use crate::render::{RepoPath, RepoPaths, Report};
use crate::rules::registry::RuleId;
use crate::settings::Settings;
use crate::source::SourceFile;
use crate::walk::ReportScope;
use crate::workspace::{Timings, Workspace, WorkspaceOptions};
use crate::{engine, fold, git, suppress, walk};

/// The result of a lint run.
pub struct Outcome {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
    /// The repository root and each file's path relative to it.
    pub repo_paths: RepoPaths,
    pub timings: Timings,
}

impl Outcome {
    pub fn report(&self) -> Report<'_> {
        Report {
            diagnostics: &self.diagnostics,
            files: &self.workspace.files,
            stats: self.workspace.stats,
            repo: &self.repo_paths,
        }
    }

    /// Whether a finding at or above `fail_on` exists.
    pub fn failed(&self, fail_on: FailOn) -> bool {
        let floor = match fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            FailOn::Never => return false,
        };
        self.diagnostics.iter().any(|d| d.severity >= floor)
    }
}

/// The settings of a run and the base revision its rules compare with.
pub struct Linter<'b> {
    settings: Settings,
    baseline: Option<&'b Baseline>,
}

impl<'b> Linter<'b> {
    pub fn new(settings: Settings, baseline: Option<&'b Baseline>) -> Linter<'b> {
        Linter { settings, baseline }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Plans, loads and checks the files the settings name, timing each phase.
    pub fn lint_files(&self) -> Result<Outcome, Error> {
        let request = &self.settings.targets;
        let mut paths = request.paths.clone();
        if let Some(rev) = &request.changed_since {
            let error = |source| Error::Revision {
                flag: "--changed-since",
                rev: rev.clone(),
                source,
            };
            let root = git::root_of(Path::new("."))
                .ok_or_else(|| error(crate::git::GitError::NotARepository))?;
            let changed = git::changed_since(&root, rev).map_err(error)?;
            let base = walk::relative_to_cwd(&root);
            paths = changed
                .into_iter()
                .filter(|p| walk::is_yaml(p))
                .map(|p| {
                    if base.as_os_str() == "." {
                        p
                    } else {
                        base.join(p)
                    }
                })
                .collect();
            if paths.is_empty() {
                let workspace = Workspace::from_texts(&[], &self.settings.workspace);
                return Ok(Outcome {
                    workspace,
                    diagnostics: Vec::new(),
                    repo_paths: RepoPaths::default(),
                    timings: Timings::default(),
                });
            }
        }
        let mut timings = Timings::default();
        let t = Instant::now();
        let plan = walk::plan(&paths, &request.excludes, request.force_exclude)?;
        timings.record("discover", t);
        let mut workspace =
            Workspace::load_timed(&plan.targets, &self.settings.workspace, &mut timings);
        workspace.stats.excluded = plan.excluded;
        let t = Instant::now();
        let diagnostics = self.check_in(&workspace, plan.report.as_ref());
        timings.record("check", t);
        let repo_paths = repo_paths(&workspace, &diagnostics, &request.paths);
        Ok(Outcome {
            workspace,
            diagnostics,
            repo_paths,
            timings,
        })
    }

    /// Lints in-memory files (display path, text).
    pub fn lint_texts(&self, texts: &[(String, String)]) -> Outcome {
        let workspace = Workspace::from_texts(texts, &self.settings.workspace);
        let diagnostics = self.check(&workspace);
        let repo_paths = RepoPaths {
            root: None,
            paths: workspace
                .files
                .iter()
                .map(|f| RepoPath::Relative(f.display.clone()))
                .collect(),
        };
        Outcome {
            workspace,
            diagnostics,
            repo_paths,
            timings: Timings::default(),
        }
    }

    /// The findings of a loaded workspace, sorted: the loader's and the enabled rules',
    /// less those `per-file-ignores` and suppressions remove (with an
    /// `unused-suppression` for each suppression that removes nothing), at their configured
    /// severities, with floods of file notes folded.
    pub fn check(&self, ws: &Workspace) -> Vec<Diagnostic> {
        self.check_in(ws, None)
    }

    /// [`Linter::check`], reporting only on the files in `scope`, when given.
    fn check_in(&self, ws: &Workspace, scope: Option<&ReportScope>) -> Vec<Diagnostic> {
        let rules = &self.settings.rules;
        let enabled = |id: RuleId| rules.enabled(id);
        let mut diags: Vec<Diagnostic> = ws
            .load_diagnostics
            .iter()
            .filter(|d| enabled(d.rule))
            .cloned()
            .collect();
        diags.extend(engine::check(
            &ws.index,
            &ws.files,
            &self.settings.policy,
            self.baseline,
            &enabled,
        ));
        let ignores = &self.settings.per_file_ignores;
        if !ignores.is_empty() {
            diags.retain(|d| {
                let Some(f) = ws.files.get(d.file as usize) else {
                    return true;
                };
                let absolute = std::fs::canonicalize(&f.path).ok();
                !ignores.ignores(d.rule, &f.display, absolute.as_deref())
            });
        }
        // After the suppressions, so that `unused-suppression` findings take theirs too.
        let mut diags = suppress::apply(diags, &ws.files, &ws.index, &enabled);
        for d in &mut diags {
            if let Some(s) = rules.severity_of(d.rule) {
                d.severity = s;
            }
        }
        if let Some(scope) = scope {
            diags.retain(|d| {
                ws.files
                    .get(d.file as usize)
                    .is_some_and(|f| scope.contains(&f.path))
            });
        }
        sort(&ws.files, &mut diags);
        // Folding keeps the first notes of the sorted list; the notes it adds are sorted in.
        if fold::floods(&diags) {
            diags = fold::fold_notes(diags);
            sort(&ws.files, &mut diags);
        }
        diags
    }
}

/// Sorts findings by file (in the order of displayed paths), then position and rule, and
/// drops exact repeats.
fn sort(files: &[SourceFile], diags: &mut Vec<Diagnostic>) {
    let mut ids: Vec<usize> = (0..files.len()).collect();
    ids.sort_by(|&a, &b| files[a].display.cmp(&files[b].display));
    let mut rank = vec![0; ids.len()];
    for (r, id) in ids.into_iter().enumerate() {
        rank[id] = r;
    }
    diagnostic::sort_and_dedup(diags, |f| rank.get(f as usize).copied().unwrap_or(0));
}

/// The repository root (the git work tree of the first linted path, else the working
/// directory) and each file's path relative to it, with forward slashes, for SARIF and
/// GitHub annotations; a file outside the root keeps its absolute path. Only files with
/// findings are resolved; the others keep an empty path.
fn repo_paths(ws: &Workspace, diags: &[Diagnostic], paths: &[PathBuf]) -> RepoPaths {
    let root = git::root_of(walk::first_path(paths))
        .or_else(|| std::env::current_dir().and_then(std::fs::canonicalize).ok());
    let mut needed = vec![false; ws.files.len()];
    for d in diags {
        if let Some(n) = needed.get_mut(d.file as usize) {
            *n = true;
        }
    }
    let paths = ws
        .files
        .iter()
        .zip(needed)
        .map(|(f, needed)| {
            if !needed {
                return RepoPath::Relative(String::new());
            }
            // Standard input has no place in the repository.
            let abs = (f.path.as_os_str() != "-")
                .then(|| std::fs::canonicalize(&f.path).ok())
                .flatten();
            match (abs, &root) {
                (Some(abs), Some(root)) => match abs.strip_prefix(root) {
                    Ok(rel) => RepoPath::Relative(rel.to_string_lossy().replace('\\', "/")),
                    Err(_) => RepoPath::Outside(abs),
                },
                (Some(abs), None) => RepoPath::Outside(abs),
                (None, _) => RepoPath::Relative(f.display.replace('\\', "/")),
            }
        })
        .collect();
    RepoPaths { root, paths }
}

/// Lints what the command line names.
pub fn lint(args: &CheckArgs) -> Result<Outcome, Error> {
    let settings = Settings::resolve(args)?;
    // The base revision is loaded first, so that a missing one is reported with the reason
    // (a shallow clone, say) before any file is read.
    let baseline = match &settings.base {
        Some(base) => {
            let start = walk::first_path(&settings.targets.paths);
            let loaded = history::load(start, &base.rev, &settings.workspace);
            Some(loaded.map_err(|source| Error::Revision {
                flag: base.flag,
                rev: base.rev.clone(),
                source,
            })?)
        }
        None => None,
    };
    Linter::new(settings, baseline.as_ref()).lint_files()
}

/// Lints in-memory files (display name, text) with the enabled rules, for tests and docs.
pub fn lint_texts(
    texts: &[(String, String)],
    opts: &WorkspaceOptions,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    lint_texts_against(texts, None, opts, policy, enabled)
}

/// Lints in-memory files compared with a baseline (as `--base` does), for tests and docs:
/// the run's pipeline with default settings but for these.
pub fn lint_texts_against(
    texts: &[(String, String)],
    baseline: Option<&Baseline>,
    opts: &WorkspaceOptions,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    let select = RuleId::ALL.iter().copied().filter(|&id| enabled(id));
    let settings = Settings {
        workspace: opts.clone(),
        policy: policy.clone(),
        rules: RuleSettings {
            select: Some(select.collect()),
            ..RuleSettings::default()
        },
        ..Settings::default()
    };
    Linter::new(settings, baseline).lint_texts(texts)
}
