//! canarylint: a linter for Istio traffic routing and progressive delivery in GitOps
//! repositories. Pipeline: discover (`walk`) -> load (`load`, `yaml`) -> index (`model`)
//! -> check (`engine`, `rules`) -> report (`render`).

pub mod cli;
pub mod codes;
pub mod config;
pub mod diagnostic;
pub mod duration;
pub mod engine;
pub mod fold;
pub mod git;
pub mod history;
pub mod load;
pub mod model;
pub mod output;
pub mod prescan;
pub mod progress;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod text;
pub mod walk;
pub mod workspace;
pub mod yaml;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::cli::{CheckArgs, Cli, Color, Command, FailOn, Format, ListFormat};
use crate::codes::RuleId;
use crate::config::{Config, ConfigError, Policy, RuleSettings};
use crate::diagnostic::{Diagnostic, Severity};
use crate::history::Baseline;
use crate::load::LoadOptions;
use crate::render::{escape, RepoPath, RepoPaths, Report};
use crate::workspace::{Timings, Workspace, WorkspaceOptions};

/// Why a run could not start. Printed once by `main`; exit code 2.
#[derive(Debug)]
pub enum UsageError {
    BadGlob(String, String),
    UnknownRule(String),
    Walk(walk::WalkError),
    Config(ConfigError),
    Git(String),
    Io(PathBuf, std::io::Error),
    /// File descriptor 1 was closed: what goes to standard output would be lost.
    StdoutClosed,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsageError::BadGlob(g, e) => write!(f, "invalid glob `{g}`: {e}"),
            UsageError::UnknownRule(r) => match codes::suggest(r) {
                Some(c) => write!(f, "unknown rule `{r}`; did you mean `{c}`?"),
                None => write!(f, "unknown rule `{r}`; `canarylint rules` lists them"),
            },
            UsageError::Walk(e) => write!(f, "{e}"),
            UsageError::Config(e) => write!(f, "{e}"),
            UsageError::Git(e) => write!(f, "{e}"),
            UsageError::Io(p, e) => write!(f, "cannot write `{}`: {e}", p.display()),
            UsageError::StdoutClosed => write!(
                f,
                "standard output is closed: the report would be lost (write it to a file with `--output FILE`)"
            ),
        }
    }
}

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

/// The settings of a run: flags over the config file over built-in defaults.
pub struct Settings {
    pub config: Config,
    pub workspace: WorkspaceOptions,
    pub excludes: Vec<String>,
    pub rules: RuleSettings,
}

fn rule_ids(names: &[String]) -> Result<Vec<RuleId>, UsageError> {
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|n| RuleId::from_name(n).ok_or_else(|| UsageError::UnknownRule(n.to_string())))
        .collect()
}

impl Settings {
    pub fn resolve(args: &CheckArgs) -> Result<Settings, UsageError> {
        let config = if args.no_config {
            Config::default()
        } else if let Some(path) = &args.config {
            config::load(path).map_err(UsageError::Config)?
        } else {
            let start = args.paths.first().map_or(Path::new("."), |p| p.as_path());
            let start = if start.as_os_str() == "-" {
                Path::new(".")
            } else {
                start
            };
            match config::find(start) {
                Some(path) => config::load(&path).map_err(UsageError::Config)?,
                None => Config::default(),
            }
        };
        let defaults = WorkspaceOptions::default();
        let workspace = WorkspaceOptions {
            load: LoadOptions {
                full_parse: args.full_parse,
            },
            default_namespace: args
                .default_namespace
                .clone()
                .or_else(|| config.default_namespace.clone())
                .unwrap_or(defaults.default_namespace),
            root_namespace: args
                .root_namespace
                .clone()
                .or_else(|| config.root_namespace.clone())
                .unwrap_or(defaults.root_namespace),
        };
        let mut excludes = config.exclude.clone();
        excludes.extend(args.exclude.iter().cloned());
        let mut rules = config.rules.clone();
        let select = rule_ids(&args.select)?;
        if !select.is_empty() {
            rules.select = Some(select);
        }
        rules.ignore.extend(rule_ids(&args.ignore)?);
        Ok(Settings {
            config,
            workspace,
            excludes,
            rules,
        })
    }
}

fn globset(globs: &[String]) -> Result<GlobSet, UsageError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| UsageError::BadGlob(g.clone(), e.kind().to_string()))?);
    }
    b.build()
        .map_err(|e| UsageError::BadGlob(globs.join(" "), e.to_string()))
}

/// Lints the paths of `args` and returns sorted findings.
pub fn lint(args: &CheckArgs) -> Result<Outcome, UsageError> {
    let settings = Settings::resolve(args)?;
    let excludes = globset(&settings.excludes)?;
    let mut paths = args.paths.clone();
    // `--changed-since REV` implies `--base REV`; the baseline is loaded first, so that a
    // missing revision is reported with the reason (a shallow clone, say).
    let base = match (&args.base, &args.changed_since) {
        (Some(rev), _) => Some((rev, "--base")),
        (None, Some(rev)) => Some((rev, "--changed-since")),
        (None, None) => None,
    };
    let baseline = match base {
        Some((rev, flag)) => {
            let start = args
                .paths
                .first()
                .filter(|p| p.as_os_str() != "-")
                .map_or(Path::new("."), |p| p.as_path());
            Some(history::load(start, rev, flag, &settings.workspace).map_err(UsageError::Git)?)
        }
        None => None,
    };
    if let Some(rev) = &args.changed_since {
        let root = git::root_of(Path::new(".")).ok_or_else(|| {
            UsageError::Git(format!(
                "--changed-since {rev}: not inside a git repository"
            ))
        })?;
        let changed = git::changed_since(&root, rev)
            .map_err(|e| UsageError::Git(format!("--changed-since {rev}: {e}")))?;
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
            let workspace = Workspace::from_texts(&[], &settings.workspace);
            return Ok(Outcome {
                workspace,
                diagnostics: Vec::new(),
                repo_paths: RepoPaths::default(),
                timings: Timings::default(),
            });
        }
    }
    let mut timings = Timings::default();
    let t = std::time::Instant::now();
    let plan = walk::plan(&paths, &excludes, args.force_exclude).map_err(UsageError::Walk)?;
    timings.record("discover", t);
    let mut workspace = Workspace::load_timed(&plan.targets, &settings.workspace, &mut timings);
    workspace.stats.excluded = plan.excluded;
    let t = std::time::Instant::now();
    let enabled = |id: RuleId| settings.rules.enabled(id);
    let mut diagnostics = check_workspace(
        &workspace,
        &settings.config.policy,
        baseline.as_ref(),
        &enabled,
    );
    diagnostics = postprocess(&workspace, diagnostics, &settings, &enabled)?;
    timings.record("check", t);
    if let Some(scope) = &plan.report {
        diagnostics.retain(|d| {
            workspace
                .files
                .get(d.file as usize)
                .is_some_and(|f| scope.contains(&f.path))
        });
    }
    let mut diagnostics = fold::fold_notes(diagnostics);
    sort(&workspace, &mut diagnostics);
    let repo_paths = repo_paths(&workspace, &diagnostics, &args.paths);
    Ok(Outcome {
        workspace,
        diagnostics,
        repo_paths,
        timings,
    })
}

/// Severity overrides, per-file ignores and suppressions, in that order.
fn postprocess(
    ws: &Workspace,
    mut diags: Vec<Diagnostic>,
    settings: &Settings,
    enabled: &dyn Fn(RuleId) -> bool,
) -> Result<Vec<Diagnostic>, UsageError> {
    for d in &mut diags {
        if let Some(s) = settings.rules.severity_of(d.rule) {
            d.severity = s;
        }
    }
    if !settings.config.per_file_ignores.is_empty() {
        let base = settings
            .config
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .and_then(|p| std::fs::canonicalize(p).ok());
        let mut compiled = Vec::new();
        for (glob, rules) in &settings.config.per_file_ignores {
            compiled.push((globset(std::slice::from_ref(glob))?, rules));
        }
        diags.retain(|d| {
            let Some(f) = ws.files.get(d.file as usize) else {
                return true;
            };
            let rel = base.as_ref().and_then(|b| {
                std::fs::canonicalize(&f.path)
                    .ok()?
                    .strip_prefix(b)
                    .ok()
                    .map(Path::to_path_buf)
            });
            !compiled.iter().any(|(g, rules)| {
                rules.contains(&d.rule)
                    && (g.is_match(&f.display) || rel.as_ref().is_some_and(|r| g.is_match(r)))
            })
        });
    }
    let mut diags = suppress::apply(diags, &ws.files, &ws.index, enabled);
    for d in &mut diags {
        if let Some(s) = settings.rules.severity_of(d.rule) {
            d.severity = s;
        }
    }
    sort(ws, &mut diags);
    Ok(diags)
}

/// The repository root (the git work tree of the first linted path, else the working
/// directory) and each file's path relative to it, with forward slashes, for SARIF and
/// GitHub annotations; a file outside the root keeps its absolute path. Only files with
/// findings are resolved; the others keep an empty path.
fn repo_paths(ws: &Workspace, diags: &[Diagnostic], paths: &[PathBuf]) -> RepoPaths {
    let first = paths
        .first()
        .filter(|p| p.as_os_str() != "-")
        .map_or(Path::new("."), PathBuf::as_path);
    let root = git::root_of(first)
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

/// Lints in-memory files (display name, text) with the enabled rules, for tests and docs.
pub fn lint_texts(
    texts: &[(String, String)],
    opts: &WorkspaceOptions,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    lint_texts_against(texts, None, opts, policy, enabled)
}

/// Lints in-memory files compared with a baseline (as `--base` does), for tests and docs.
pub fn lint_texts_against(
    texts: &[(String, String)],
    baseline: Option<&Baseline>,
    opts: &WorkspaceOptions,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    let workspace = Workspace::from_texts(texts, opts);
    let diagnostics = check_workspace(&workspace, policy, baseline, enabled);
    let mut diagnostics = suppress::apply(diagnostics, &workspace.files, &workspace.index, enabled);
    sort(&workspace, &mut diagnostics);
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

fn sort(ws: &Workspace, diags: &mut Vec<Diagnostic>) {
    let mut ids: Vec<usize> = (0..ws.files.len()).collect();
    ids.sort_by(|&a, &b| ws.files[a].display.cmp(&ws.files[b].display));
    let mut rank = vec![0; ids.len()];
    for (r, id) in ids.into_iter().enumerate() {
        rank[id] = r;
    }
    diagnostic::sort_and_dedup(diags, |f| rank.get(f as usize).copied().unwrap_or(0));
}

/// Runs the enabled rules over a loaded workspace; loader findings included.
pub fn check_workspace(
    ws: &Workspace,
    policy: &Policy,
    baseline: Option<&Baseline>,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = ws
        .load_diagnostics
        .iter()
        .filter(|d| enabled(d.rule))
        .cloned()
        .collect();
    diags.extend(engine::check(
        &ws.index, &ws.files, policy, baseline, enabled,
    ));
    sort(ws, &mut diags);
    diags
}

/// Writes a command's text to standard output; a reader that has gone ends it quietly.
fn write_out(text: &str) -> Result<(), UsageError> {
    if output::stdout_closed() {
        return Err(UsageError::StdoutClosed);
    }
    output::write_stdout(text)
        .map(|_| ())
        .map_err(|e| UsageError::Io(PathBuf::from("<stdout>"), e))
}

/// What a run that read no file says, on standard error.
fn no_files_warning(args: &CheckArgs) -> String {
    if let Some(rev) = &args.changed_since {
        return format!("no YAML files changed since `{rev}`");
    }
    let paths: Vec<String> = args
        .paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    format!("no YAML files under {}", text::backtick_list(&paths))
}

/// `canarylint check`: lints, then writes each format where it goes.
fn check(args: &CheckArgs) -> Result<u8, UsageError> {
    if output::stdout_closed() && args.outputs.iter().any(|(_, path)| path.is_none()) {
        return Err(UsageError::StdoutClosed);
    }
    let mut outcome = lint(args)?;
    if outcome.workspace.stats.files == 0 {
        eprintln!("warning: {}", escape::display(&no_files_warning(args)));
    }
    let t = std::time::Instant::now();
    let report = outcome.report();
    // Once the reader of standard output has gone, the files are still written.
    let mut stdout_open = true;
    for (format, path) in &args.outputs {
        if path.is_none() && !stdout_open {
            continue;
        }
        let text = match format {
            Format::Json => render::json::render(&report),
            Format::Sarif => render::sarif::render(&report),
            Format::Github => render::github::render(&report),
            Format::Text if args.statistics => render::text::statistics(&report),
            Format::Text => {
                let color = match args.color {
                    Color::Always => true,
                    Color::Never => false,
                    Color::Auto => {
                        path.is_none()
                            && std::io::stdout().is_terminal()
                            && std::env::var_os("NO_COLOR").is_none()
                    }
                };
                render::text::render(&report, color)
            }
        };
        match path {
            Some(p) => output::replace_file(p, text.as_bytes())
                .map_err(|e| UsageError::Io(p.clone(), e))?,
            None => {
                stdout_open = output::write_stdout(&text)
                    .map_err(|e| UsageError::Io(PathBuf::from("<stdout>"), e))?;
            }
        }
    }
    let failed = outcome.failed(args.fail_on);
    if args.timings {
        outcome.timings.record("render", t);
        eprint!("{}", outcome.timings.render());
    }
    // The process ends here: freeing every tree one by one would only cost time.
    std::mem::forget(outcome);
    // A closed pipe ends the run quietly, as the end of `| head` is no failure.
    Ok(if stdout_open { u8::from(failed) } else { 0 })
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, UsageError> {
    match cli.command {
        Command::Check(args) => {
            let result = check(&args);
            if let Err(e) = &result {
                output::discard(&args.outputs, &e.to_string());
            }
            result
        }
        Command::Rules { format } => {
            let text = match format {
                ListFormat::Text => render::rules::table(),
                ListFormat::Json => render::rules::json(),
                ListFormat::Markdown => render::rules::markdown(),
            };
            write_out(&text)?;
            Ok(0)
        }
        Command::Explain { rule } => {
            let id = RuleId::from_name(&rule).ok_or(UsageError::UnknownRule(rule))?;
            write_out(id.doc())?;
            Ok(0)
        }
        Command::ConfigSchema => {
            write_out(&config::schema())?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "canarylint",
                &mut out,
            );
            write_out(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| UsageError::Io(PathBuf::from("<stdout>"), e))?;
            write_out(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
    }
}
