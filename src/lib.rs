//! canarylint: a linter for Istio traffic routing and progressive delivery in GitOps
//! repositories. Pipeline: discover (`walk`) -> load (`load`, `yaml`) -> index (`model`)
//! -> check (`engine`, `rules`) -> report (`render`).

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod duration;
pub mod engine;
pub mod load;
pub mod model;
pub mod prescan;
pub mod render;
pub mod rules;
pub mod source;
pub mod text;
pub mod walk;
pub mod workspace;
pub mod yaml;

use std::io::{IsTerminal, Write};

use globset::{Glob, GlobSetBuilder};

use crate::cli::{CheckArgs, Cli, Color, Command, Format};
use crate::config::{Config, ConfigError, Policy};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::LoadOptions;
use crate::render::Report;
use crate::rules::registry::RuleId;
use crate::workspace::{Workspace, WorkspaceOptions};

/// Why a run could not start. Printed once by `main`; exit code 2.
#[derive(Debug)]
pub enum UsageError {
    BadGlob(String, String),
    Walk(walk::WalkError),
    Config(ConfigError),
    Io(std::io::Error),
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsageError::BadGlob(g, e) => write!(f, "invalid --exclude glob `{g}`: {e}"),
            UsageError::Walk(e) => write!(f, "{e}"),
            UsageError::Config(e) => write!(f, "{e}"),
            UsageError::Io(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

/// The result of a lint run.
pub struct Outcome {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    pub fn report(&self) -> Report<'_> {
        Report {
            diagnostics: &self.diagnostics,
            files: &self.workspace.files,
            stats: self.workspace.stats,
        }
    }

    /// Whether any finding is a warning or an error.
    pub fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity >= Severity::Warning)
    }
}

/// The settings of a run: flags over the config file over built-in defaults.
pub struct Settings {
    pub config: Config,
    pub workspace: WorkspaceOptions,
    pub excludes: Vec<String>,
}

impl Settings {
    pub fn resolve(args: &CheckArgs) -> Result<Settings, UsageError> {
        let config = if args.no_config {
            Config::default()
        } else if let Some(path) = &args.config {
            config::load(path).map_err(UsageError::Config)?
        } else {
            let start = args
                .paths
                .first()
                .map_or(std::path::Path::new("."), |p| p.as_path());
            let start = if start.as_os_str() == "-" {
                std::path::Path::new(".")
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
        Ok(Settings {
            config,
            workspace,
            excludes,
        })
    }
}

/// Lints the paths of `args` and returns sorted findings.
pub fn lint(args: &CheckArgs) -> Result<Outcome, UsageError> {
    let settings = Settings::resolve(args)?;
    let mut globs = GlobSetBuilder::new();
    for g in &settings.excludes {
        let glob =
            Glob::new(g).map_err(|e| UsageError::BadGlob(g.clone(), e.kind().to_string()))?;
        globs.add(glob);
    }
    let globs = globs
        .build()
        .map_err(|e| UsageError::BadGlob(settings.excludes.join(" "), e.to_string()))?;
    let targets = walk::discover(&args.paths, &globs).map_err(UsageError::Walk)?;
    let workspace = Workspace::load(&targets, &settings.workspace);
    let diagnostics = check_workspace(&workspace, &settings.config.policy, &|_| true);
    Ok(Outcome {
        workspace,
        diagnostics,
    })
}

/// Lints in-memory files (display name, text) with the enabled rules, for tests and docs.
pub fn lint_texts(
    texts: &[(String, String)],
    opts: &WorkspaceOptions,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    let workspace = Workspace::from_texts(texts, opts);
    let diagnostics = check_workspace(&workspace, policy, enabled);
    Outcome {
        workspace,
        diagnostics,
    }
}

/// Runs the enabled rules over a loaded workspace; loader findings included.
pub fn check_workspace(
    ws: &Workspace,
    policy: &Policy,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = ws
        .load_diagnostics
        .iter()
        .filter(|d| enabled(d.rule))
        .cloned()
        .collect();
    diags.extend(engine::check(&ws.index, &ws.files, policy, enabled));
    let order: Vec<usize> = {
        let mut ids: Vec<usize> = (0..ws.files.len()).collect();
        ids.sort_by(|&a, &b| ws.files[a].display.cmp(&ws.files[b].display));
        let mut rank = vec![0; ids.len()];
        for (r, id) in ids.into_iter().enumerate() {
            rank[id] = r;
        }
        rank
    };
    diagnostic::sort_and_dedup(&mut diags, |f| order.get(f as usize).copied().unwrap_or(0));
    diags
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, UsageError> {
    match cli.command {
        Command::Check(args) => {
            let outcome = lint(&args)?;
            let report = outcome.report();
            let text = match args.format {
                Format::Json => render::json::render(&report),
                Format::Text => {
                    let color = match args.color {
                        Color::Always => true,
                        Color::Never => false,
                        Color::Auto => {
                            std::io::stdout().is_terminal()
                                && std::env::var_os("NO_COLOR").is_none()
                        }
                    };
                    render::text::render(&report, color)
                }
            };
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(UsageError::Io)?;
            Ok(if outcome.failed() { 1 } else { 0 })
        }
        Command::Rules => {
            let mut out = String::new();
            for m in rules::registry::all_metas() {
                out.push_str(&format!(
                    "{:<28} {:<8} {}\n",
                    m.id.as_str(),
                    m.severity.as_str(),
                    m.summary
                ));
            }
            std::io::stdout()
                .write_all(out.as_bytes())
                .map_err(UsageError::Io)?;
            Ok(0)
        }
    }
}
