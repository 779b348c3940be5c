//! The GitHub Action's lint step, run as the runner runs it (`bash --noprofile --norc -eo
//! pipefail`), on a repository whose file names and YAML values try to issue workflow
//! commands. Its output goes through a model of how the runner finds commands in a step's
//! output (actions/runner `src/Runner.Common/ActionCommand.cs`, `TryParseV2` then
//! `TryParse`; `src/Runner.Worker/ActionCommandManager.cs` for `stop-commands`).

#![cfg(unix)] // bash, and a file name with line breaks.

mod common;

use std::path::{Path, PathBuf};

use saphyr::LoadableYamlNode;

/// Commands the runner knows (compared without case), besides a `stop-commands` token.
const REGISTERED: [&str; 15] = [
    "stop-commands",
    "set-env",
    "set-output",
    "save-state",
    "add-mask",
    "add-path",
    "add-matcher",
    "remove-matcher",
    "warning",
    "error",
    "notice",
    "debug",
    "group",
    "endgroup",
    "echo",
];

/// A command the runner would take from `line`: `::name props::data` after leading
/// whitespace, else `##[name props]data` anywhere in the line. Returns (name, data).
fn parse(line: &str, known: &dyn Fn(&str) -> bool) -> Option<(String, String)> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("::") {
        if let Some(end) = rest.find("::") {
            let name = rest[..end].split(' ').next().unwrap_or("");
            if known(name) {
                return Some((name.to_lowercase(), rest[end + 2..].to_string()));
            }
        }
    }
    let start = line.find("##[")? + 3;
    let rest = &line[start..];
    let end = rest.find(']')?;
    let name = rest[..end].split(' ').next().unwrap_or("");
    known(name).then(|| (name.to_lowercase(), rest[end + 1..].to_string()))
}

/// The commands the runner would process in a step's output, in order.
fn processed(output: &str) -> Vec<(String, String)> {
    let mut stopped_until: Option<String> = None;
    let mut out = Vec::new();
    for line in output.lines() {
        let known = |name: &str| {
            REGISTERED.iter().any(|r| r.eq_ignore_ascii_case(name))
                || stopped_until
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(name))
        };
        let Some((name, data)) = parse(line, &known) else {
            continue;
        };
        match &stopped_until {
            Some(token) if name.eq_ignore_ascii_case(token) => stopped_until = None,
            Some(_) => continue,
            None if name == "stop-commands" => stopped_until = Some(data.clone()),
            None => {}
        }
        out.push((name, data));
    }
    out
}

#[test]
fn the_model_sees_commands_as_the_runner_does() {
    let got = processed(
        "  ::add-mask::a\n\
         text ##[add-mask]b\n\
         ::stop-commands::T1\n\
         ::add-mask::c\n\
         x ##[error]d\n\
         ::t1::\n\
         ::warning file=f::e\n",
    );
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["add-mask", "add-mask", "stop-commands", "t1", "warning"]
    );
}

/// The `run` script of the action's step named `name`.
fn step_script(name: &str) -> String {
    let text = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    let docs = saphyr::Yaml::load_from_str(&text).unwrap();
    let steps = docs[0]["runs"]["steps"].as_vec().unwrap();
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name}"));
    step["run"].as_str().unwrap().to_string()
}

/// A fresh directory with a git repository `repo` and the runner's temporary directory.
fn workspace(tag: &str) -> (common::Scratch, PathBuf, PathBuf) {
    let dir = common::Scratch::new(&format!("action-{tag}"));
    let (repo, runner_temp) = (dir.join("repo"), dir.join("temp"));
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&runner_temp).unwrap();
    common::git(&repo, &["init", "-q"]);
    (dir, repo, runner_temp)
}

fn run_step(repo: &Path, runner_temp: &Path) -> std::process::Output {
    run_step_with(repo, runner_temp, "")
}

fn run_step_with(repo: &Path, runner_temp: &Path, base: &str) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_canarylint"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = runner_temp.join("lint.sh");
    std::fs::write(&script, step_script("Lint")).unwrap();
    std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(repo)
        .env("PATH", path)
        .env("RUNNER_TEMP", runner_temp)
        .env("GITHUB_EVENT_NAME", "push")
        .env("CANARYLINT_PATHS", ".")
        .env("CANARYLINT_ARGS", "")
        .env("CANARYLINT_SARIF", "canarylint.sarif")
        .env("CANARYLINT_FAIL_ON", "warning")
        .env("CANARYLINT_BASE", base)
        .env("CANARYLINT_PR_BASE", "")
        .output()
        .unwrap()
}

#[test]
fn the_lint_step_lets_no_file_name_or_value_issue_a_command() {
    let (_dir, repo, runner_temp) = workspace("inject");
    let name = "a\n::error file=x::INJECTED\n::add-mask::s.yaml";
    let host = "\"##[add-mask]v ::add-mask::w\"";
    std::fs::write(repo.join(name), common::vs_weight_40("r", host, Some("v1"))).unwrap();
    let o = run_step(&repo, &runner_temp);
    let (stdout, stderr) = (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    );
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    // The text report is in the log...
    assert!(stdout.contains("error[weight-sum]"), "{stdout}");
    assert!(stdout.contains("##[add-mask]v"), "{stdout}");
    // ...and the runner processes only the annotations and the stop and resume of commands.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("canarylint.sarif")).unwrap())
            .unwrap();
    let findings = sarif["runs"][0]["results"].as_array().unwrap().len();
    assert!(findings >= 2, "{sarif}");
    let commands = processed(&stdout);
    let names: Vec<&str> = commands.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), findings + 2, "{names:?}\n{stdout}");
    assert!(
        names[..findings]
            .iter()
            .all(|n| ["error", "warning", "notice"].contains(n)),
        "{names:?}"
    );
    assert_eq!(names[findings], "stop-commands");
    assert_eq!(names[findings + 1], commands[findings].1.to_lowercase());
    assert!(commands[findings].1.len() >= 32, "a guessable token");
    assert!(processed(&stderr).is_empty(), "{stderr}");
    // The temporary report directory is gone.
    assert_eq!(std::fs::read_dir(&runner_temp).unwrap().count(), 1);
}

#[test]
fn the_lint_step_shows_why_canarylint_could_not_run() {
    let (_dir, repo, runner_temp) = workspace("config");
    std::fs::write(repo.join(".canarylint.yaml"), "\"##[add-mask]k\": 1\n").unwrap();
    std::fs::write(repo.join("canarylint.sarif"), "{\"stale\": true}").unwrap();
    let o = run_step(&repo, &runner_temp);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("error: .canarylint.yaml:1: unknown key `##[add-mask]k`"),
        "{stdout}"
    );
    let names: Vec<String> = processed(&stdout).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "stop-commands");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("canarylint.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

/// `base:` as a commit, a branch or a remote branch, on a shallow clone of a pull request
/// that lacks it, as `actions/checkout` leaves one: each form is fetched and compared with.
#[test]
fn the_lint_step_fetches_the_base_in_every_form() {
    let (dir, origin, runner_temp) = workspace("base");
    common::git(
        &origin,
        &["config", "uploadpack.allowAnySHA1InWant", "true"],
    );
    let vs = |canary: u32| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: reviews, namespace: shop}}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {{host: reviews, subset: stable}}\n      weight: {}\n    - destination: {{host: reviews, subset: canary}}\n      weight: {canary}\n",
            100 - canary
        )
    };
    std::fs::write(origin.join("reviews.yaml"), vs(10)).unwrap();
    common::git(&origin, &["add", "."]);
    common::git(&origin, &["commit", "-qm", "base"]);
    let main = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(&origin)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    common::git(&origin, &["checkout", "-q", "-b", "pr"]);
    std::fs::write(origin.join("reviews.yaml"), vs(90)).unwrap();
    common::git(&origin, &["commit", "-qam", "jump"]);
    for (i, base) in [main.as_str(), "main", "origin/main"]
        .into_iter()
        .enumerate()
    {
        let work = dir.join(format!("work{i}"));
        let url = format!("file://{}", origin.display());
        let work_arg = work.display().to_string();
        let clone = [
            "clone",
            "-q",
            "--depth=1",
            "--single-branch",
            "--branch",
            "pr",
            &url,
            &work_arg,
        ];
        common::git(dir.path(), &clone);
        let o = run_step_with(&work, &runner_temp, base);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert_eq!(o.status.code(), Some(1), "base {base}: {stdout}{stderr}");
        assert!(stdout.contains("weight-jump"), "base {base}: {stdout}");
    }
    // A base that is neither says so, and the step fails as a usage error.
    let work = dir.join("work-bad");
    let url = format!("file://{}", origin.display());
    let work_arg = work.display().to_string();
    common::git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--single-branch",
            "--branch",
            "pr",
            &url,
            &work_arg,
        ],
    );
    let o = run_step_with(&work, &runner_temp, "no-such-branch");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither a branch of origin nor a commit"));
}
