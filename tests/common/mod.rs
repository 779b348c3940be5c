//! Helpers shared by the integration tests: the crate's paths, the corpus, the binary and
//! its JSON report, scratch directories and git repositories.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use canarylint::cli::{CheckArgs, Cli, Command};
use clap::Parser;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Says `message` on the terminal, past `cargo test`'s capture. What a test prints with
/// `eprintln!` is shown only when it fails; what is written to standard error itself is
/// shown either way.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "note: {message}");
}

/// `../shared/corpus`, or `None` where it is absent, with a note of what `test` does
/// `without` it.
pub fn corpus(test: &str, without: &str) -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        note(&format!("{test}: {} is absent: {without}", p.display()));
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
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Runs the canarylint binary in the crate's root, where the fixtures are.
pub fn run(args: &[&str]) -> Output {
    run_in(&root(), args)
}

/// What a run wrote on standard output, which is UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("standard output is UTF-8")
}

/// What a run wrote on standard error, which is UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("standard error is UTF-8")
}

/// The JSON report a run wrote on standard output; panics with both streams when there is
/// none.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// The findings of a JSON report.
pub fn findings(report: &serde_json::Value) -> &[serde_json::Value] {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("a report without findings: {report}"))
}

/// A string field of a finding: `file`, `rule`, `severity`, `message`.
pub fn field(finding: &serde_json::Value, key: &str) -> String {
    finding[key]
        .as_str()
        .unwrap_or_else(|| panic!("a finding without `{key}`: {finding}"))
        .to_string()
}

/// The 1-based line of a finding.
pub fn line(finding: &serde_json::Value) -> u64 {
    finding["line"]
        .as_u64()
        .unwrap_or_else(|| panic!("a finding without a line: {finding}"))
}

/// A directory `canarylint-<tag>-<pid>` under the system's temporary directory, made
/// empty, and removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("canarylint-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `text` to the file `rel`, making its directories.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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

/// Copies the fixture directory `from` (below `fixtures/`) into `to`, below its directory
/// `into` (`""` for its top, else ending in `/`).
#[allow(dead_code)]
pub fn copy_fixture(from: &str, to: &Scratch, into: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(from);
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(&root).unwrap().to_str().unwrap();
                to.write(
                    &format!("{into}{rel}"),
                    &std::fs::read_to_string(&p).unwrap(),
                );
            }
        }
    }
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

/// The files of an example or fixture that holds several: each `# file: PATH` line starts
/// the file PATH (below `dir`); a text without one is the single file `name`.
#[allow(dead_code)]
pub fn split_files(dir: &str, name: &str, text: &str) -> Vec<(String, String)> {
    if !text.lines().any(|l| l.starts_with("# file: ")) {
        return vec![(name.to_string(), text.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        match line.trim_end().strip_prefix("# file: ") {
            Some(path) => files.push((format!("{dir}{}", path.trim()), String::new())),
            None => {
                if let Some((_, body)) = files.last_mut() {
                    body.push_str(line);
                }
            }
        }
    }
    files
}
