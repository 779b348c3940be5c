//! Command-line flags, validated into one settings struct before any work starts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "canarylint",
    version,
    about = "Lint Istio traffic routing and progressive-delivery settings in GitOps repositories"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint YAML manifests under the given paths
    Check(Box<CheckArgs>),
    /// List every rule with its default severity and summary
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation
    Explain {
        /// The rule id, e.g. `weight-sum`
        rule: String,
    },
    /// Print a JSON schema for `.canarylint.yaml`, for editors
    ConfigSchema,
    /// Print a shell completion script (e.g. `canarylint completions bash > /etc/bash_completion.d/canarylint`)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Remove the caches runs keep (in `$CANARYLINT_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/canarylint` or `~/.cache/canarylint`)
    Clean {
        /// List the cache files instead of removing them
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Files or directories to lint (directories are walked, honouring .gitignore; `-` reads
    /// standard input). Given files, the whole repository around them is indexed and only
    /// they are reported on.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format (repeatable: each `--format` may be followed by its own `--output`; one
    /// at most writes to standard output)
    #[arg(long, value_enum, default_values_t = [Format::Text])]
    pub(crate) format: Vec<Format>,

    /// Write the preceding `--format` to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Vec<PathBuf>,

    /// Print the wall time, share and resident memory of each phase on standard error
    #[arg(long)]
    pub timings: bool,

    /// Print the number of findings per rule instead of the findings (text format)
    #[arg(long)]
    pub statistics: bool,

    /// The lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Run only these rules (comma-separated, repeatable)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(crate) select: Vec<String>,

    /// Do not run these rules (comma-separated, repeatable)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(crate) ignore: Vec<String>,

    /// Skip files and directories matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Apply excludes to files named on the command line too (for pre-commit)
    #[arg(long)]
    pub(crate) force_exclude: bool,

    /// Lint the YAML files changed since this git revision (and uncommitted or untracked ones)
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,

    /// Compare each traffic split with this git revision and report risky changes
    /// (`weight-jump`, `weight-rollback-incomplete`); `--changed-since` implies it
    #[arg(long, value_name = "REV")]
    pub(crate) base: Option<String>,

    /// Count only new findings: those that did not exist at this git revision (matched by
    /// rule, resource and YAML path, so moved lines and reformatting keep a finding old)
    #[arg(long, value_name = "REV", conflicts_with = "baseline")]
    pub new_since: Option<String>,

    /// Count only findings not listed in this baseline file (written by `--write-baseline`)
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,

    /// Write this run's findings to a baseline file for `--baseline`; the run then exits 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Namespace of resources that set none and have no kustomization namespace [default: default]
    #[arg(long, value_name = "NS")]
    pub(crate) default_namespace: Option<String>,

    /// Istio's root namespace, whose DestinationRules apply mesh-wide [default: istio-system]
    #[arg(long, value_name = "NS")]
    pub(crate) root_namespace: Option<String>,

    /// Read settings from this file instead of the `.canarylint.yaml` found upward from the first path
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,

    /// Ignore any `.canarylint.yaml`
    #[arg(long)]
    pub(crate) no_config: bool,

    /// When to use colour in text output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Read every file, not keeping between runs what loading found (kept in
    /// `$CANARYLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/canarylint` or `~/.cache/canarylint`)
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// Parse every document fully instead of pre-scanning kinds (a check of the pre-scan)
    #[arg(long, hide = true)]
    pub(crate) full_parse: bool,

    /// Where each format goes, paired from `--format` and `--output` by their order
    #[arg(skip)]
    pub outputs: Vec<(Format, Option<PathBuf>)>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Findings with the offending line underlined
    Text,
    /// The stable machine-readable report
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions annotations
    Github,
    /// GitLab Code Quality report
    Gitlab,
    /// JUnit XML
    Junit,
}

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
    /// The README's rule table
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Parses the command line. Each `--output` goes with the closest `--format` before it;
/// formats without one write to standard output, and only one may: two reports on one
/// stream make neither readable.
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::Check(args), Some(("check", m))) = (&mut cli.command, matches.subcommand()) {
        let formats: Vec<usize> = m
            .indices_of("format")
            .map(Iterator::collect)
            .unwrap_or_default();
        let outputs: Vec<usize> = m
            .indices_of("output")
            .map(Iterator::collect)
            .unwrap_or_default();
        let mut pairs: Vec<(Format, Option<PathBuf>)> =
            args.format.iter().map(|&f| (f, None)).collect();
        for (oi, out) in outputs.iter().zip(&args.output) {
            // The last `--format` given before this `--output`, else the only format.
            let owner = formats
                .iter()
                .rposition(|&fi| fi < *oi)
                .or((pairs.len() == 1).then_some(0));
            let Some(owner) = owner else {
                return Err(Cli::command().error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "`--output {}` must follow the `--format` it is for",
                        out.display()
                    ),
                ));
            };
            if pairs[owner].1.is_some() {
                return Err(Cli::command().error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "two `--output` files for one `--format` (`{}`)",
                        out.display()
                    ),
                ));
            }
            pairs[owner].1 = Some(out.clone());
        }
        let mut to_stdout = pairs.iter().filter(|(_, out)| out.is_none());
        if let (Some((first, _)), Some((second, _))) = (to_stdout.next(), to_stdout.next()) {
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "only one format may write to standard output: `{}` and `{}` both do; give one an `--output FILE`",
                    first.name(),
                    second.name()
                ),
            ));
        }
        args.outputs = pairs;
    }
    Ok(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(argv: &[&str]) -> Vec<(Format, Option<PathBuf>)> {
        match parse(argv).unwrap().command {
            Command::Check(a) => a.outputs,
            _ => unreachable!(),
        }
    }

    #[test]
    fn outputs_pair_with_formats() {
        assert_eq!(outputs(&["c", "check"]), vec![(Format::Text, None)]);
        assert_eq!(
            outputs(&[
                "c", "check", "--format", "text", "--format", "sarif", "--output", "x.sarif", "."
            ]),
            vec![
                (Format::Text, None),
                (Format::Sarif, Some("x.sarif".into()))
            ]
        );
        assert_eq!(
            outputs(&["c", "check", "--output", "x.json", "--format", "json"]),
            vec![(Format::Json, Some("x.json".into()))]
        );
        assert!(
            parse(["c", "check", "--output", "a", "--format", "text", "--format", "json"]).is_err()
        );
    }

    #[test]
    fn one_format_at_most_writes_to_stdout() {
        let refused = |argv: &[&str]| parse(argv).unwrap_err().to_string();
        assert!(refused(&["c", "check", "--format", "json", "--format", "sarif"]).contains(
            "only one format may write to standard output: `json` and `sarif` both do; give one an `--output FILE`"
        ));
        assert!(
            refused(&["c", "check", "--format", "text", "--format", "github"])
                .contains("`text` and `github` both do")
        );
        assert_eq!(
            outputs(&["c", "check", "--format", "json", "--format", "junit", "--output", "j.xml"]),
            vec![(Format::Json, None), (Format::Junit, Some("j.xml".into()))]
        );
    }
}
