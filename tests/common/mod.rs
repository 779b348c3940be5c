//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use canarylint::cli::{CheckArgs, Cli, Command};
use clap::Parser;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus`, or `None` (with a message) where it is absent.
pub fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

pub fn check_args(args: &[&str]) -> CheckArgs {
    let mut argv = vec!["canarylint", "check"];
    argv.extend_from_slice(args);
    match Cli::try_parse_from(argv).expect("valid flags").command {
        Command::Check(a) => *a,
        _ => unreachable!(),
    }
}

pub fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
