//! The settings of a run: flags over the config file over built-in defaults, resolved and
//! validated into one struct before any work starts (ripgrep's `HiArgs`).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::cli::CheckArgs;
use crate::codes::RuleId;
use crate::config::{self, Config, Policy, RuleSettings};
use crate::error::Error;
use crate::load::LoadOptions;
use crate::walk;
use crate::workspace::WorkspaceOptions;

/// Everything a run needs to know before it reads a file.
#[derive(Default)]
pub struct Settings {
    /// What to read and what to report on.
    pub(crate) targets: walk::Request,
    /// The revision the rules compare with, if any.
    pub(crate) base: Option<Base>,
    pub(crate) policy: Policy,
    pub(crate) workspace: WorkspaceOptions,
    pub(crate) rules: RuleSettings,
    pub(crate) per_file_ignores: PerFileIgnores,
    /// Where the findings known before come from, if only new ones count.
    pub(crate) known: Option<KnownFrom>,
    /// `--timings`: each phase's resident memory is read as well (from `/proc`).
    pub(crate) timings: bool,
}

/// The findings a run's are compared with: only the others are new and count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KnownFrom {
    /// `--new-since REV`: the findings of the repository as it was at `REV`.
    Revision(String),
    /// `--baseline FILE` or the config's `baseline:`: the findings a baseline file lists.
    File(PathBuf),
}

/// A base revision (`--base REV`, or `--changed-since REV`, which implies it).
pub(crate) struct Base {
    pub(crate) rev: String,
    /// The flag that named it, for messages.
    pub(crate) flag: &'static str,
}

/// `per-file-ignores:`, compiled: rules that are not reported in the files a glob matches,
/// by their displayed path or their path relative to the config file's directory.
#[derive(Default)]
pub(crate) struct PerFileIgnores {
    /// The config file's directory, resolved.
    base: Option<PathBuf>,
    globs: Vec<(GlobSet, Vec<RuleId>)>,
}

impl PerFileIgnores {
    /// The config's `per-file-ignores`, relative to its directory.
    pub(crate) fn new(config: &Config) -> Result<PerFileIgnores, Error> {
        if config.per_file_ignores.is_empty() {
            return Ok(PerFileIgnores::default());
        }
        let base = config
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .and_then(|p| std::fs::canonicalize(p).ok());
        let globs = config
            .per_file_ignores
            .iter()
            .map(|(glob, rules)| Ok((globset(std::slice::from_ref(glob))?, rules.clone())))
            .collect::<Result<_, Error>>()?;
        Ok(PerFileIgnores { base, globs })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Whether findings of `rule` are ignored in the file shown as `display`, whose resolved
    /// path is `absolute`.
    pub(crate) fn ignores(&self, rule: RuleId, display: &str, absolute: Option<&Path>) -> bool {
        let rel = self
            .base
            .as_ref()
            .zip(absolute)
            .and_then(|(base, abs)| abs.strip_prefix(base).ok());
        self.globs.iter().any(|(g, rules)| {
            rules.contains(&rule) && (g.is_match(display) || rel.is_some_and(|r| g.is_match(r)))
        })
    }
}

/// The globs as one set; an invalid glob is an error naming it.
pub(crate) fn globset(globs: &[String]) -> Result<GlobSet, Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| Error::BadGlob {
            glob: g.clone(),
            reason: e.kind().to_string(),
        })?);
    }
    b.build().map_err(|e| Error::BadGlob {
        glob: globs.join(" "),
        reason: e.to_string(),
    })
}

/// The rule `name`, or the error that names it.
pub fn rule_named(name: &str) -> Result<RuleId, Error> {
    RuleId::from_name(name).ok_or_else(|| Error::UnknownRule(name.to_string()))
}

fn rule_ids(names: &[String]) -> Result<Vec<RuleId>, Error> {
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(rule_named)
        .collect()
}

impl Settings {
    pub(crate) fn resolve(args: &CheckArgs) -> Result<Settings, Error> {
        let config = if args.no_config {
            Config::default()
        } else if let Some(path) = &args.config {
            config::load(path)?
        } else {
            match config::find(walk::first_path(&args.paths)) {
                Some(path) => config::load(&path)?,
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
            cache: if args.no_cache {
                None
            } else {
                crate::cache::default_dir()
            },
        };
        let mut rules = config.rules.clone();
        let select = rule_ids(&args.select)?;
        if !select.is_empty() {
            rules.select = Some(select);
        }
        rules.ignore.extend(rule_ids(&args.ignore)?);
        let mut excludes = config.exclude.clone();
        excludes.extend(args.exclude.iter().cloned());
        let targets = walk::Request {
            paths: args.paths.clone(),
            excludes: globset(&excludes)?,
            force_exclude: args.force_exclude,
            changed_since: args.changed_since.clone(),
        };
        let per_file_ignores = PerFileIgnores::new(&config)?;
        let base = match (&args.base, &args.changed_since) {
            (Some(rev), _) => Some((rev, "--base")),
            (None, Some(rev)) => Some((rev, "--changed-since")),
            (None, None) => None,
        };
        // Flags over the config. `--write-baseline` writes the configured baseline, which
        // need not exist yet, so it does not read it.
        let configured = config
            .baseline
            .as_ref()
            .filter(|_| args.write_baseline.is_none());
        let known = match (&args.new_since, &args.baseline, configured) {
            (Some(rev), _, _) => Some(KnownFrom::Revision(rev.clone())),
            (None, Some(file), _) => Some(KnownFrom::File(file.clone())),
            (None, None, Some(file)) => {
                let dir = config.path.as_ref().and_then(|p| p.parent());
                Some(KnownFrom::File(dir.map_or(file.clone(), |d| d.join(file))))
            }
            (None, None, None) => None,
        };
        Ok(Settings {
            known,
            targets,
            base: base.map(|(rev, flag)| Base {
                rev: rev.clone(),
                flag,
            }),
            policy: config.policy,
            workspace,
            rules,
            per_file_ignores,
            timings: args.timings,
        })
    }
}
