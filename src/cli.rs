//! Command-line flags, validated into one settings struct before any work starts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    Check(CheckArgs),
    /// List every rule with its default severity and summary
    Rules,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Files or directories to lint (directories are walked, honouring .gitignore)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Skip files and directories matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Namespace of resources that set none and have no kustomization namespace [default: default]
    #[arg(long, value_name = "NS")]
    pub default_namespace: Option<String>,

    /// Istio's root namespace, whose DestinationRules apply mesh-wide [default: istio-system]
    #[arg(long, value_name = "NS")]
    pub root_namespace: Option<String>,

    /// Read settings from this file instead of the `.canarylint.yaml` found upward from the first path
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any `.canarylint.yaml`
    #[arg(long)]
    pub no_config: bool,

    /// When to use colour in text output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Parse every document fully instead of pre-scanning kinds (a check of the pre-scan)
    #[arg(long, hide = true)]
    pub full_parse: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}
