//! canarylint: a linter for Istio traffic routing and progressive delivery in GitOps
//! repositories. Pipeline: discover (`walk`) -> load (`load`, `yaml`) -> index (`model`)
//! -> check (`engine`, `rules`) -> report (`render`).

pub mod cli;
pub mod diagnostic;
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
    Io(std::io::Error),
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsageError::BadGlob(g, e) => write!(f, "invalid --exclude glob `{g}`: {e}"),
            UsageError::Walk(e) => write!(f, "{e}"),
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

pub fn workspace_options(args: &CheckArgs) -> WorkspaceOptions {
    WorkspaceOptions {
        load: LoadOptions {
            full_parse: args.full_parse,
        },
        default_namespace: args.default_namespace.clone(),
        root_namespace: args.root_namespace.clone(),
    }
}

/// Lints the paths of `args` and returns sorted findings.
pub fn lint(args: &CheckArgs) -> Result<Outcome, UsageError> {
    let mut globs = GlobSetBuilder::new();
    for g in &args.exclude {
        let glob =
            Glob::new(g).map_err(|e| UsageError::BadGlob(g.clone(), e.kind().to_string()))?;
        globs.add(glob);
    }
    let globs = globs
        .build()
        .map_err(|e| UsageError::BadGlob(args.exclude.join(" "), e.to_string()))?;
    let targets = walk::discover(&args.paths, &globs).map_err(UsageError::Walk)?;
    let workspace = Workspace::load(&targets, &workspace_options(args));
    let diagnostics = check_workspace(&workspace, &|_| true);
    Ok(Outcome {
        workspace,
        diagnostics,
    })
}

/// Lints in-memory files (display name, text) with the enabled rules, for tests and docs.
pub fn lint_texts(
    texts: &[(String, String)],
    opts: &WorkspaceOptions,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Outcome {
    let workspace = Workspace::from_texts(texts, opts);
    let diagnostics = check_workspace(&workspace, enabled);
    Outcome {
        workspace,
        diagnostics,
    }
}

/// Runs the enabled rules over a loaded workspace; loader findings included.
pub fn check_workspace(
    ws: &Workspace,
    enabled: &(dyn Fn(RuleId) -> bool + Sync),
) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = ws
        .load_diagnostics
        .iter()
        .filter(|d| enabled(d.rule))
        .cloned()
        .collect();
    diags.extend(engine::check(&ws.index, &ws.files, enabled));
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
