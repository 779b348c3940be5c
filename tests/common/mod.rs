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

/// Runs git in `dir` with a fixed identity and fixed dates (stable shas); panics on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z")
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs the canarylint binary in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// A VirtualService `name` in namespace `shop` whose one destination, `host` (a YAML scalar,
/// quoted as it needs), gets weight 40: a `weight-sum` finding, and with a subset (which no
/// DestinationRule defines) a `missing-subset` finding that quotes the host.
pub fn vs_weight_40(name: &str, host: &str, subset: Option<&str>) -> String {
    let subset = subset.map_or(String::new(), |s| format!(", subset: {s}"));
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: shop}}
spec:
  hosts: [{name}]
  http:
    - route:
        - destination: {{host: {host}{subset}}}
          weight: 40
"
    )
}

/// The names in a directory, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
