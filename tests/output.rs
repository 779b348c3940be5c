//! The output side of the binary: a closed or broken standard output, hostile file names
//! and YAML values on their way to a terminal or a CI log, `--output` files (symbolic links,
//! stale reports after a failed run), repository-relative paths in SARIF and GitHub
//! annotations, runs that read no file, and the pre-commit hook's command line.

#![cfg(unix)] // file names with line breaks, symbolic links and `sh`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use canarylint::render::escape::is_unsafe;
use common::{git, stderr, stdout, Scratch};

const BIN: &str = env!("CARGO_BIN_EXE_canarylint");

fn tempdir(tag: &str) -> Scratch {
    Scratch::new(&format!("out-{tag}"))
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A VirtualService whose weights sum to 40 (`weight-sum`).
fn broken(name: &str) -> String {
    common::vs_weight_40(name, name, None)
}

/// Runs the binary through `sh` with standard output closed.
fn with_stdout_closed(dir: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(r#"exec "$0" "$@" >&-"#)
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_is_an_error() {
    let o = with_stdout_closed(&common::root(), &["check", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: standard output is closed"),
        "{}",
        stderr(&o)
    );
    let o = with_stdout_closed(&common::root(), &["rules"]);
    assert_eq!(o.status.code(), Some(2));
    // Nothing is lost when every report goes to a file.
    let dir = tempdir("closed");
    let json = dir.join("out.json");
    let o = with_stdout_closed(
        &common::root(),
        &[
            "check",
            "fixtures/demo",
            "--format",
            "json",
            "--output",
            arg(&json),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(!v["findings"].as_array().unwrap().is_empty());
}

#[test]
fn a_broken_pipe_ends_the_run_quietly() {
    let dir = tempdir("pipe");
    let json = dir.join("out.json");
    // The SARIF log is far larger than a pipe's buffer: writing it meets the closed end.
    let mut child = Command::new(BIN)
        .args([
            "check",
            "fixtures/demo",
            "--format",
            "sarif",
            "--format",
            "json",
            "--output",
            arg(&json),
        ])
        .current_dir(common::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    // The file outputs are still written.
    assert!(std::fs::read_to_string(&json)
        .unwrap()
        .contains("\"findings\""));
}

/// No character a terminal or log viewer acts on, but the line breaks of the report.
fn assert_printable(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && is_unsafe(c))
        .collect();
    assert!(bad.is_empty(), "{what} holds {bad:?}:\n{text}");
}

/// No line the GitHub Actions runner would take for a workflow command: after leading
/// whitespace, `::` (actions/runner `ActionCommand.TryParseV2`).
fn assert_no_command(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "{what} has a command line: {line}"
        );
    }
}

#[test]
fn file_names_and_values_reach_every_output_escaped() {
    let dir = tempdir("inject");
    let name = "a\n::error file=x::INJECTED\n::add-mask::s.yaml";
    // A host with YAML escapes for ESC and ENQ, and one with raw control characters in the
    // source line: ESC, BEL, DEL and a C1 CSI. Neither subset exists: messages quote hosts.
    let yaml = [
        common::vs_weight_40("r", "\"r\\e[31m\\x05\"", Some("v1")),
        common::vs_weight_40("s", "\"x\u{1b}[31m\u{7}\u{7f}\u{9b}\"", Some("v2")),
    ]
    .join("---\n");
    std::fs::write(dir.join(name), yaml).unwrap();
    let run = |args: &[&str]| common::run_in(&dir, args);

    let o = run(&["check", ".", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert_printable("text", &text);
    assert_no_command("text", &text);
    assert!(
        text.contains("--> a\\n::error file=x::INJECTED\\n::add-mask::s.yaml:"),
        "{text}"
    );
    assert!(text.contains("`r\\x1b[31m\\x05"), "{text}");
    // The source line shows its control characters as pictures, and the underline stays
    // under `v2`, at the column the location line names.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("subset: v2}"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(lines[at].contains("\"x␛[31m␇␡�\""), "{}", lines[at]);
    let column = |l: &str, pat: &str| l.find(pat).map(|b| l[..b].chars().count());
    assert_eq!(
        column(lines[at], "v2}"),
        column(lines[at + 1], "^^"),
        "{}\n{}",
        lines[at],
        lines[at + 1]
    );
    let location = lines[..at]
        .iter()
        .rev()
        .find(|l| l.trim_start().starts_with("-->"))
        .unwrap();
    let gutter = lines[at].find('|').unwrap() + 2;
    let col = column(lines[at], "v2}").unwrap() - gutter + 1;
    assert!(
        location.ends_with(&format!(":{col}")),
        "{location} vs {col}"
    );

    let stats = stdout(&run(&["check", ".", "--statistics"]));
    assert_printable("statistics", &stats);
    assert_no_command("statistics", &stats);

    let json = stdout(&run(&["check", ".", "--format", "json"]));
    assert_printable("json", &json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = common::findings(&v);
    assert!(!findings.is_empty(), "{json}");
    assert!(findings.iter().all(|f| f["file"] == name), "{json}");

    let sarif = stdout(&run(&["check", ".", "--format", "sarif"]));
    assert_printable("sarif", &sarif);
    serde_json::from_str::<serde_json::Value>(&sarif).unwrap();

    // One workflow command per finding; the name is a property, escaped.
    let github = stdout(&run(&["check", ".", "--format", "github"]));
    assert_printable("github", &github);
    let commands: Vec<&str> = github.lines().collect();
    assert_eq!(commands.len(), findings.len(), "{github}");
    for c in &commands {
        assert!(
            c.starts_with(
                "::error file=a%0A%3A%3Aerror file=x%3A%3AINJECTED%0A%3A%3Aadd-mask%3A%3As.yaml,"
            ) || c.starts_with("::notice file=a%0A"),
            "{c}"
        );
    }
    assert!(github.contains("`r\\x1b[31m\\x05"), "{github}");
}

#[test]
fn errors_and_warnings_are_escaped_too() {
    let dir = tempdir("errors");
    let evil = dir.join("e\u{1b}[2J\n::add-mask::x");
    std::fs::create_dir(&evil).unwrap();
    let o = common::run_in(&dir, &["check", arg(&evil)]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.starts_with("warning: no YAML files under `"), "{err}");
    assert_printable("warning", &err);
    assert_no_command("warning", &err);
    std::fs::write(
        dir.join(".canarylint.yaml"),
        "policy:\n  \"\\e[31m\\n::add-mask::k\": 1\n",
    )
    .unwrap();
    let o = common::run_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown key"), "{err}");
    assert_printable("error", &err);
    assert_no_command("error", &err);
}

#[test]
fn output_replaces_a_symbolic_link_instead_of_writing_through_it() {
    let dir = tempdir("symlink");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let sarif = dir.join("canarylint.sarif");
    std::os::unix::fs::symlink(&victim, &sarif).unwrap();
    let o = common::run_in(
        &common::root(),
        &[
            "check",
            "fixtures/demo",
            "--format",
            "sarif",
            "--output",
            arg(&sarif),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&sarif).unwrap().is_file());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    // Nothing else is left in the directory (no temporary file).
    assert_eq!(common::file_names(&dir), ["canarylint.sarif", "victim.txt"]);
}

#[test]
fn a_run_that_cannot_start_leaves_no_stale_report() {
    let dir = tempdir("stale");
    std::fs::write(dir.join(".canarylint.yaml"), "polcy: {}\n").unwrap();
    std::fs::write(dir.join("vs.yaml"), broken("r")).unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let sarif = dir.join("canarylint.sarif");
    let linked = dir.join("linked.sarif");
    let (json, text) = (dir.join("out.json"), dir.join("out.txt"));
    std::fs::write(&sarif, "{\"stale\": true}").unwrap();
    std::os::unix::fs::symlink(&victim, &linked).unwrap();
    std::fs::write(&json, "{\"stale\": true}").unwrap();
    std::fs::write(&text, "stale").unwrap();
    let o = common::run_in(
        &dir,
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--output",
            arg(&sarif),
            "--format",
            "sarif",
            "--output",
            arg(&linked),
            "--format",
            "json",
            "--output",
            arg(&json),
            "--format",
            "text",
            "--output",
            arg(&text),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("unknown key `polcy`"), "{err}");
    for log in [&sarif, &linked] {
        assert!(std::fs::symlink_metadata(log).unwrap().is_file());
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(log).unwrap()).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "canarylint");
        assert_eq!(run["results"], serde_json::json!([]));
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let note = &invocation["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "error");
        let message = note["message"]["text"].as_str().unwrap();
        assert!(message.contains("unknown key `polcy`"), "{message}");
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!json.exists() && !text.exists());
}

/// A git repository with `base/vs.yaml` and `base/sp ace#1.yaml`, each with a finding.
fn git_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("base")).unwrap();
    std::fs::write(repo.join("base/vs.yaml"), broken("a")).unwrap();
    std::fs::write(repo.join("base/sp ace#1.yaml"), broken("b")).unwrap();
    git(&repo, &["init", "-q"]);
    repo
}

fn locations(sarif: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut locs: Vec<serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"].clone())
        .collect();
    locs.sort_by_key(|l| l["uri"].as_str().unwrap().to_string());
    locs.dedup();
    locs
}

#[test]
fn sarif_and_github_paths_are_relative_to_the_repository_from_anywhere() {
    let dir = tempdir("srcroot");
    let repo = git_repo(&dir);
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let canonical = std::fs::canonicalize(&repo).unwrap();
    for (cwd, target) in [
        (&elsewhere, arg(&repo)),
        (&elsewhere, "../repo/base"),
        (&repo, "."),
    ] {
        let o = common::run_in(
            cwd,
            &[
                "check",
                target,
                "--format",
                "sarif",
                "--select",
                "weight-sum",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            locations(&v),
            [
                serde_json::json!({"uri": "base/sp%20ace%231.yaml", "uriBaseId": "%SRCROOT%"}),
                serde_json::json!({"uri": "base/vs.yaml", "uriBaseId": "%SRCROOT%"}),
            ],
            "from {} with {target}",
            cwd.display()
        );
        assert_eq!(
            v["runs"][0]["originalUriBaseIds"],
            serde_json::json!({"%SRCROOT%": {"uri": format!("file://{}/", canonical.display())}})
        );
        let o = common::run_in(
            cwd,
            &[
                "check",
                target,
                "--format",
                "github",
                "--select",
                "weight-sum",
            ],
        );
        let text = stdout(&o);
        let mut files: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("file=")?.1.split(',').next())
            .collect();
        files.sort();
        assert_eq!(files, ["base/sp ace#1.yaml", "base/vs.yaml"]);
    }
}

#[test]
fn a_file_outside_the_repository_has_an_absolute_uri() {
    let dir = tempdir("outside");
    let repo = git_repo(&dir);
    std::fs::create_dir(dir.join("out side")).unwrap();
    let outside = dir.join("out side/x y.yaml");
    std::fs::write(&outside, broken("c")).unwrap();
    let o = common::run_in(
        &dir,
        &[
            "check",
            "repo",
            arg(&outside),
            "--format",
            "sarif",
            "--select",
            "weight-sum",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let canonical = std::fs::canonicalize(&dir).unwrap();
    let expected = format!("file://{}/out%20side/x%20y.yaml", canonical.display());
    assert_eq!(
        locations(&v),
        [
            serde_json::json!({"uri": "base/sp%20ace%231.yaml", "uriBaseId": "%SRCROOT%"}),
            serde_json::json!({"uri": "base/vs.yaml", "uriBaseId": "%SRCROOT%"}),
            serde_json::json!({"uri": expected}),
        ]
    );
    let root = std::fs::canonicalize(&repo).unwrap();
    assert_eq!(
        v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root.display())
    );
}

#[test]
fn a_run_that_reads_no_file_says_so() {
    let dir = tempdir("nofiles");
    std::fs::write(dir.join("notes.txt"), "no YAML here").unwrap();
    let o = common::run_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "warning: no YAML files under `.`\n");
    let o = common::run_in(
        &common::root(),
        &[
            "check",
            "fixtures/demo",
            "fixtures/suppress",
            "--exclude",
            "**",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "warning: no YAML files under `fixtures/demo` and `fixtures/suppress`\n"
    );
    // A run that read files says nothing.
    let o = common::run_in(&common::root(), &["check", "fixtures/demo"]);
    assert_eq!(stderr(&o), "");
}

/// The hook's `entry`, as pre-commit splits it.
fn hook_entry() -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml")).unwrap();
    use saphyr::LoadableYamlNode;
    let docs = saphyr::Yaml::load_from_str(&text).unwrap();
    let entry = docs[0][0]["entry"].as_str().unwrap().to_string();
    entry.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_hook_takes_file_names_that_look_like_flags_as_files() {
    let dir = tempdir("hook");
    let names = ["--exclude=*.yaml", "--output=x.yaml", "routes.yaml"];
    for (i, name) in names.iter().enumerate() {
        std::fs::write(dir.join(name), broken(&format!("r{i}"))).unwrap();
    }
    git(&dir, &["init", "-q"]);
    let entry = hook_entry();
    assert_eq!(entry[0], "canarylint");
    // pre-commit appends the staged file names to the entry.
    let o = Command::new(BIN)
        .args(&entry[1..])
        .args(names)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    for name in names {
        assert!(
            text.contains(&format!("--> {name}:")),
            "{name} not linted:\n{text}"
        );
    }
    assert!(!dir.join("x.yaml").exists());
}
