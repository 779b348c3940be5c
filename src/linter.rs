//! One pipeline for every run, from the command line, the tests and the docs: the rules,
//! then per-file ignores, suppressions, severity overrides, the report scope and the
//! folding of note floods, in one sorted list. Checking reads nothing: every file's place
//! was settled when it was planned.

use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{CheckArgs, FailOn};
use crate::codes::RuleId;
use crate::config::{Policy, RuleSettings};
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::error::Error;
use crate::history::{self, Baseline};
use crate::render::{RepoPath, RepoPaths, Report};
use crate::settings::{KnownFrom, Settings};
use crate::source::{Place, SourceFile};
use crate::workspace::{Timings, Workspace, WorkspaceOptions};
use crate::{engine, fold, known, suppress, walk};

/// The result of a lint run.
pub struct Outcome {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
    /// The repository root and each file's path relative to it.
    pub(crate) repo_paths: RepoPaths,
    pub timings: Timings,
}

impl Outcome {
    pub(crate) fn new(
        workspace: Workspace,
        diagnostics: Vec<Diagnostic>,
        timings: Timings,
    ) -> Outcome {
        let repo_paths = repo_paths(&workspace, &diagnostics);
        Outcome {
            workspace,
            diagnostics,
            repo_paths,
            timings,
        }
    }

    pub fn report(&self) -> Report<'_> {
        Report {
            diagnostics: &self.diagnostics,
            files: &self.workspace.files,
            stats: self.workspace.stats,
            repo: &self.repo_paths,
        }
    }

    /// Whether a finding at or above `fail_on` exists that counts (one a baseline already
    /// had does not).
    pub fn failed(&self, fail_on: FailOn) -> bool {
        let floor = match fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            FailOn::Never => return false,
        };
        self.diagnostics
            .iter()
            .any(|d| d.severity >= floor && d.counts())
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

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Plans, loads and checks the files the settings name, timing each phase.
    pub(crate) fn lint_files(&self) -> Result<Outcome, Error> {
        let mut timings = if self.settings.timings {
            Timings::with_memory()
        } else {
            Timings::default()
        };
        let t = Instant::now();
        let mut plan = walk::plan(&self.settings.targets)?;
        timings.record("discover", t);
        // One cache per repository and spelling of its paths, as the cache keeps entries by
        // path: relative paths are from the working directory, which the key then names.
        // A pre-commit run, whatever files it is given, reads the files a run of the whole
        // repository spelled alike read; runs spelled otherwise keep a cache of their own
        // rather than overwrite it.
        let root = plan.root.clone();
        let relative = !plan.targets.iter().all(|t| t.path.is_absolute());
        let cache = || {
            let dir = self.settings.workspace.cache.as_deref()?;
            let cwd = match relative {
                true => Some(std::env::current_dir().ok()?),
                false => None,
            };
            let key: Vec<&std::ffi::OsStr> =
                root.iter().chain(&cwd).map(|r| r.as_os_str()).collect();
            let options = format!("{:?}", self.settings.workspace.load);
            crate::cache::LoadCache::open(dir, &key, &options)
        };
        let mut workspace = Workspace::load_timed(
            std::mem::take(&mut plan.targets),
            std::mem::take(&mut plan.listed),
            &self.settings.workspace,
            plan.root.as_deref(),
            // Files renders read are excluded only where the run excludes any: asked of
            // each file of each render.
            (!self.settings.targets.excludes.is_empty()).then_some(&|p: &std::path::Path| {
                let request = &self.settings.targets;
                let roots = request.paths.iter().map(|r| r.as_path());
                std::iter::once(std::path::Path::new("."))
                    .chain(roots)
                    .any(|root| walk::excluded_within(&request.excludes, p, root))
            }),
            cache,
            &mut timings,
        );
        workspace.stats.excluded = plan.excluded;
        let t = Instant::now();
        let diagnostics = self.check(&workspace);
        timings.record("check", t);
        Ok(Outcome::new(workspace, diagnostics, timings))
    }

    /// Lints in-memory files (display path, text).
    pub(crate) fn lint_texts(&self, texts: &[(String, String)]) -> Outcome {
        let workspace = Workspace::from_texts(texts, &self.settings.workspace);
        let diagnostics = self.check(&workspace);
        Outcome::new(workspace, diagnostics, Timings::default())
    }

    /// The findings of a loaded workspace, sorted: the loader's and the enabled rules',
    /// less those `per-file-ignores` and suppressions remove (with an
    /// `unused-suppression` for each suppression that removes nothing), at their configured
    /// severities, in the files reported on, with floods of file notes folded.
    pub fn check(&self, ws: &Workspace) -> Vec<Diagnostic> {
        let rules = &self.settings.rules;
        let enabled = |id: RuleId| rules.enabled(id);
        let mut diags: Vec<Diagnostic> = ws
            .load_diagnostics
            .iter()
            .filter(|d| enabled(d.rule))
            .cloned()
            .collect();
        let reported =
            |id: crate::source::FileId| ws.files.get(id as usize).is_some_and(|f| f.reported);
        diags.extend(engine::check(
            &ws.index,
            &ws.files,
            &self.settings.policy,
            self.baseline,
            &enabled,
            ws.restricted.then_some(&reported),
        ));
        // Each overlay's resources as it renders them; one finding for every overlay that
        // has it.
        let rendered: Vec<(Diagnostic, &crate::overlay::Overlay)> = ws
            .overlays
            .par_iter()
            .flat_map_iter(|o| {
                engine::check(
                    &o.index,
                    &ws.files,
                    &self.settings.policy,
                    self.baseline,
                    &enabled,
                    None,
                )
                .into_iter()
                .map(move |d| (d, o))
            })
            .collect();
        diags.extend(crate::overlay::merge(rendered, &ws.files));
        let ignores = &self.settings.per_file_ignores;
        if !ignores.is_empty() {
            diags.retain(|d| {
                let Some(f) = ws.files.get(d.file as usize) else {
                    return true;
                };
                let absolute = f.place.absolute(ws.root.as_deref());
                !ignores.ignores(d.rule, &f.display, absolute.as_deref())
            });
        }
        // The findings in the files reported on, and those elsewhere that depend on a
        // resource in them: the VirtualService that routes to a subset the given
        // DestinationRule no longer defines. Kept before the suppressions are applied, so
        // that the files of the others are not read for their lines.
        let shown = |d: &mut Diagnostic| {
            if ws.restricted {
                for r in &mut d.related {
                    r.changed = reported(r.file);
                }
            }
            reported(d.file) || d.related.iter().any(|r| r.changed)
        };
        diags.retain_mut(shown);
        // After the suppressions, so that `unused-suppression` findings take theirs too.
        let mut diags = suppress::apply(
            diags,
            &ws.files,
            &std::iter::once(&ws.index)
                .chain(ws.overlays.iter().map(|o| &o.index))
                .collect::<Vec<_>>(),
            &enabled,
        );
        for d in &mut diags {
            if let Some(s) = rules.severity_of(d.rule) {
                d.severity = s;
            }
        }
        // Suppressions in the files not reported on that suppress nothing now.
        diags.retain_mut(shown);
        sort(&ws.files, &mut diags);
        // Folding keeps the first notes of the sorted list; the notes it adds are sorted in.
        if fold::floods(&diags) {
            diags = fold::fold_notes(diags);
            sort(&ws.files, &mut diags);
        }
        read_texts(&ws.files, &diags);
        diags
    }
}

/// Reads, in parallel, the texts of the files that the findings and their related
/// resources are in and that the cache gave unread, and finds their line starts: the
/// reports place each finding in its file's text, one after another.
fn read_texts(files: &[SourceFile], diags: &[Diagnostic]) {
    let mut ids: Vec<usize> = diags
        .iter()
        .flat_map(|d| std::iter::once(d.file).chain(d.related.iter().map(|r| r.file)))
        .map(|f| f as usize)
        .filter(|&f| f < files.len())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.par_iter().for_each(|&f| {
        files[f].line_index(0);
    });
}

/// Sorts findings by file (in the order of displayed paths), then position and rule, and
/// drops exact repeats.
fn sort(files: &[SourceFile], diags: &mut Vec<Diagnostic>) {
    // Only the files with findings are ranked (a run holds tens of thousands of files, and
    // findings in a few): by displayed path, then by number.
    let mut ids: Vec<usize> = diags
        .iter()
        .map(|d| d.file as usize)
        .filter(|&f| f < files.len())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.sort_by(|&a, &b| files[a].display.cmp(&files[b].display));
    let mut rank = vec![0; files.len()];
    for (r, id) in ids.into_iter().enumerate() {
        rank[id] = r + 1;
    }
    diagnostic::sort_and_dedup(diags, |f| rank.get(f as usize).copied().unwrap_or(0));
}

/// The repository root and each file's path relative to it, with forward slashes, for
/// SARIF and GitHub annotations; a file outside the root keeps its absolute path, one
/// without a place its displayed path. Only files with findings or related resources get a
/// path; the others keep an empty one.
fn repo_paths(ws: &Workspace, diags: &[Diagnostic]) -> RepoPaths {
    let mut needed = vec![false; ws.files.len()];
    for file in diags
        .iter()
        .flat_map(|d| std::iter::once(d.file).chain(d.related.iter().map(|r| r.file)))
    {
        if let Some(n) = needed.get_mut(file as usize) {
            *n = true;
        }
    }
    let paths = ws
        .files
        .iter()
        .zip(needed)
        .map(|(f, needed)| match &f.place {
            _ if !needed => RepoPath::Relative(String::new()),
            Place::Outside(abs) => RepoPath::Outside(abs.clone()),
            place => RepoPath::Relative(
                place
                    .repo_path()
                    .unwrap_or_else(|| f.display.replace('\\', "/")),
            ),
        })
        .collect();
    RepoPaths {
        root: ws.root.clone(),
        paths,
    }
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
    let linter = Linter::new(settings, baseline.as_ref());
    // Known findings are read first too: a bad revision or file stops the run early.
    let known = match &linter.settings.known {
        Some(KnownFrom::Revision(rev)) => Some(known::at_revision(&linter, rev)?),
        Some(KnownFrom::File(path)) => Some(known::read(path)?),
        None => None,
    };
    let mut outcome = linter.lint_files()?;
    if let Some(known) = known {
        known.mark(&mut outcome);
        outcome.workspace.stats.compared = true;
    }
    Ok(outcome)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::settings::PerFileIgnores;

    /// A VirtualService whose one destination gets weight 40 (`weight-sum`), with `comment`
    /// on that line.
    fn split(name: &str, comment: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  hosts: [{name}]\n  http:\n  - route:\n    - destination: {{host: {name}}}\n      weight: 40 {comment}\n"
        )
    }

    fn found(outcome: &Outcome) -> Vec<(String, RuleId, Severity)> {
        let report = outcome.report();
        outcome
            .diagnostics
            .iter()
            .map(|d| (report.path(d).to_string(), d.rule, d.severity))
            .collect()
    }

    #[test]
    fn in_memory_files_take_ignores_suppressions_and_severities() {
        let config = Config {
            per_file_ignores: vec![("legacy/**".into(), vec![RuleId::WeightSum])],
            ..Config::default()
        };
        let settings = Settings {
            rules: RuleSettings {
                select: Some(vec![RuleId::WeightSum, RuleId::UnusedSuppression]),
                severity: vec![
                    (RuleId::WeightSum, Severity::Warning),
                    (RuleId::UnusedSuppression, Severity::Error),
                ],
                ..RuleSettings::default()
            },
            per_file_ignores: PerFileIgnores::new(&config).unwrap(),
            ..Settings::default()
        };
        let texts = [
            ("legacy/a.yaml".to_string(), split("a", "")),
            (
                "b.yaml".to_string(),
                split("b", "# canarylint: ignore[weight-sum]"),
            ),
            ("c.yaml".to_string(), split("c", "")),
            // Ignored by `per-file-ignores` first: the suppression is then unused.
            (
                "legacy/d.yaml".to_string(),
                split("d", "# canarylint: ignore[weight-sum]"),
            ),
        ];
        let outcome = Linter::new(settings, None).lint_texts(&texts);
        assert_eq!(
            found(&outcome),
            [
                ("c.yaml".into(), RuleId::WeightSum, Severity::Warning),
                (
                    "legacy/d.yaml".into(),
                    RuleId::UnusedSuppression,
                    Severity::Error
                ),
            ]
        );
    }

    #[test]
    fn only_the_files_reported_on_are_reported() {
        let texts = [
            ("a.yaml".to_string(), split("a", "")),
            ("b.yaml".to_string(), split("b", "")),
        ];
        let linter = Linter::new(Settings::default(), None);
        let mut ws = Workspace::from_texts(&texts, &WorkspaceOptions::default());
        ws.files[0].reported = false;
        let diags = linter.check(&ws);
        assert!(!diags.is_empty());
        assert!(diags.iter().all(|d| d.file == 1), "{diags:?}");
    }
}
