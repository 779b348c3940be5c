//! The GitHub Action's steps, run as the runner runs them (`bash --noprofile --norc -eo
//! pipefail`). The lint step, on a repository whose file names and YAML values try to issue
//! workflow commands: its output goes through a model of how the runner finds commands in a
//! step's output (actions/runner `src/Runner.Common/ActionCommand.cs`, `TryParseV2` then
//! `TryParse`; `src/Runner.Worker/ActionCommandManager.cs` for `stop-commands`). The install
//! steps, against a release server on 127.0.0.1 and a fake cargo.

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
    run_lint_step(repo, runner_temp, &[("CANARYLINT_BASE", base)])
}

/// Runs the lint step on a push event with the inputs' defaults, but for `env`.
fn run_lint_step(repo: &Path, runner_temp: &Path, env: &[(&str, &str)]) -> std::process::Output {
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
        .env("CANARYLINT_BASE", "")
        .env("CANARYLINT_NEW_SINCE", "")
        .env("CANARYLINT_PR_BASE", "")
        .envs(env.iter().copied())
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

/// A shallow clone of branch `pr` of `origin`, as actions/checkout makes it.
fn shallow_clone(dir: &Path, origin: &Path, name: &str) -> PathBuf {
    let work = dir.join(name);
    let url = format!("file://{}", origin.display());
    let work_arg = work.display().to_string();
    common::git(
        dir,
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
    work
}

fn head(repo: &Path) -> String {
    let o = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(repo)
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

#[test]
fn on_a_pull_request_only_new_findings_fail_the_step() {
    let (dir, origin, runner_temp) = workspace("new-since");
    common::git(
        &origin,
        &["config", "uploadpack.allowAnySHA1InWant", "true"],
    );
    // The base branch already holds a finding (weights that add up to 110).
    let old = common::vs_weight_40("old", "old", None).replace("weight: 40", "weight: 110");
    std::fs::write(origin.join("old.yaml"), &old).unwrap();
    common::git(&origin, &["add", "."]);
    common::git(&origin, &["commit", "-qm", "base"]);
    let base = head(&origin);
    // A pull request that reformats the old file (its finding moves) and adds a clean one.
    common::git(&origin, &["checkout", "-q", "-b", "pr"]);
    std::fs::write(origin.join("old.yaml"), format!("# moved\n\n{old}")).unwrap();
    std::fs::write(
        origin.join("clean.yaml"),
        common::vs_weight_40("clean", "clean", None).replace("weight: 40", "weight: 100"),
    )
    .unwrap();
    common::git(&origin, &["add", "."]);
    common::git(&origin, &["commit", "-qm", "reformat"]);
    let pr = [
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("CANARYLINT_PR_BASE", base.as_str()),
    ];
    let work = shallow_clone(dir.path(), &origin, "clean-pr");
    let o = run_lint_step(&work, &runner_temp, &pr);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("0 new, 1 unchanged"), "{out}");
    // SARIF keeps the old finding, marked unchanged, for code scanning.
    let sarif = std::fs::read_to_string(work.join("canarylint.sarif")).unwrap();
    assert!(
        sarif.contains("\"baselineState\": \"unchanged\""),
        "{sarif}"
    );
    // `new-since: none` counts every finding.
    let o = run_lint_step(
        &work,
        &runner_temp,
        &[pr[0], pr[1], ("CANARYLINT_NEW_SINCE", "none")],
    );
    assert_eq!(o.status.code(), Some(1));

    // A pull request that adds a finding fails, and its annotation is the only one.
    common::git(&origin, &["checkout", "-q", "pr"]);
    std::fs::write(
        origin.join("clean.yaml"),
        common::vs_weight_40("clean", "clean", None).replace("weight: 40", "weight: 30"),
    )
    .unwrap();
    common::git(&origin, &["commit", "-qam", "new finding"]);
    let work = shallow_clone(dir.path(), &origin, "bad-pr");
    let o = run_lint_step(&work, &runner_temp, &pr);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("1 new, 1 unchanged"), "{out}");
    let annotations: Vec<_> = processed(&out)
        .into_iter()
        .filter(|(name, _)| name == "error" || name == "warning")
        .collect();
    assert_eq!(annotations.len(), 1, "{out}");
    assert!(annotations[0].1.contains("30"), "{annotations:?}");
}

// ---------- The install steps ----------
//
// The steps before `Lint` run in order as the runner runs them: each `run` step with its
// `env` evaluated (`${{ name.of.a.value }}`: the inputs, with action.yml's defaults, the
// `github` and `runner` values a test gives, and the outputs of the steps before), its
// `GITHUB_OUTPUT` file read into `steps.<id>.outputs`, one `GITHUB_PATH` file for all, its
// `if` evaluated (`a == 'b'` and `a != 'b'`, joined by `&&`), and the first failure stopping
// the rest. A `uses` step (actions/cache) is not run: its `with` is evaluated and recorded; a
// test stands for a cache hit by putting the binary where the restore would.

/// What the steps before `Lint` did.
struct Install {
    /// The names of the steps that ran, `uses` steps included.
    ran: Vec<String>,
    /// The `with` of each `uses` step that ran, evaluated, by step name.
    with: std::collections::HashMap<String, std::collections::HashMap<String, String>>,
    /// The values the expressions could see at the end: `steps.<id>.outputs.<name>` and all.
    values: std::collections::HashMap<String, String>,
    /// The exit code of the last step run (0 if none failed).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The lines written to `GITHUB_PATH`.
    path: Vec<String>,
}

impl Install {
    fn output(&self, step: &str, name: &str) -> &str {
        self.values
            .get(&format!("steps.{step}.outputs.{name}"))
            .map_or("", String::as_str)
    }

    fn ran(&self, step: &str) -> bool {
        self.ran.iter().any(|s| s == step)
    }

    fn log(&self) -> String {
        format!(
            "ran {:?}, exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.ran, self.code, self.stdout, self.stderr
        )
    }
}

/// `text` with each `${{ name }}` replaced by its value.
fn evaluate(text: &str, values: &std::collections::HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed expression") + start;
        let name = rest[start + 3..end].trim();
        let value = match values.get(name) {
            Some(v) => v.as_str(),
            None if name.starts_with("steps.") => "",
            None => panic!("the tests give no value for `{name}`"),
        };
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A step's `if`: comparisons with a quoted string, joined by `&&`.
fn condition(text: &str, values: &std::collections::HashMap<String, String>) -> bool {
    text.split("&&").all(|part| {
        let (lhs, op, rhs) = if let Some((l, r)) = part.split_once("==") {
            (l, true, r)
        } else if let Some((l, r)) = part.split_once("!=") {
            (l, false, r)
        } else {
            panic!("an `if` the tests cannot read: {text}")
        };
        let lhs = lhs.trim();
        let lhs = match values.get(lhs) {
            Some(v) => v.as_str(),
            None if lhs.starts_with("steps.") => "",
            None => panic!("the tests give no value for `{lhs}`"),
        };
        let rhs = rhs.trim();
        let rhs = rhs
            .strip_prefix('\'')
            .and_then(|r| r.strip_suffix('\''))
            .unwrap_or_else(|| panic!("an `if` the tests cannot read: {text}"));
        (lhs == rhs) == op
    })
}

/// Runs the steps before `Lint` in `dir` (which gets `temp` for `runner.temp` and
/// `tool-cache` for `runner.tool_cache`), with `given` values (`inputs.version`,
/// `github.action_ref`, `runner.os`...), `bin` first on `PATH`, and `env` besides.
fn run_install(
    dir: &Path,
    given: &[(&str, &str)],
    bin: Option<&Path>,
    env: &[(&str, &str)],
) -> Install {
    use std::collections::HashMap;
    let text = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    let docs = saphyr::Yaml::load_from_str(&text).unwrap();
    let (temp, tool_cache) = (dir.join("temp"), dir.join("tool-cache"));
    std::fs::create_dir_all(&temp).unwrap();
    std::fs::create_dir_all(&tool_cache).unwrap();
    let github_path = dir.join("github-path");
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in docs[0]["inputs"].as_mapping().unwrap() {
        let default = v
            .as_mapping_get("default")
            .and_then(|d| d.as_str())
            .unwrap_or("");
        values.insert(
            format!("inputs.{}", k.as_str().unwrap()),
            default.to_string(),
        );
    }
    for (k, v) in [
        ("github.action_ref", ""),
        ("github.action_path", "/nonexistent/action"),
        ("runner.os", "Linux"),
        ("runner.arch", "X64"),
    ] {
        values.insert(k.to_string(), v.to_string());
    }
    values.insert("runner.temp".into(), temp.display().to_string());
    values.insert("runner.tool_cache".into(), tool_cache.display().to_string());
    for (k, v) in given {
        values.insert(k.to_string(), v.to_string());
    }
    let path = match bin {
        Some(b) => format!(
            "{}:{}",
            b.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let mut install = Install {
        ran: Vec::new(),
        with: HashMap::new(),
        values: HashMap::new(),
        code: Some(0),
        stdout: String::new(),
        stderr: String::new(),
        path: Vec::new(),
    };
    for (i, step) in docs[0]["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .enumerate()
    {
        let name = step["name"].as_str().unwrap().to_string();
        if name == "Lint" {
            break;
        }
        if let Some(cond) = step.as_mapping_get("if").and_then(|v| v.as_str()) {
            if !condition(cond, &values) {
                continue;
            }
        }
        install.ran.push(name.clone());
        if step
            .as_mapping_get("uses")
            .and_then(|v| v.as_str())
            .is_some()
        {
            let mut with = HashMap::new();
            for (k, v) in step["with"].as_mapping().unwrap() {
                with.insert(
                    k.as_str().unwrap().to_string(),
                    evaluate(v.as_str().unwrap(), &values),
                );
            }
            install.with.insert(name, with);
            continue;
        }
        let script = temp.join(format!("step-{i}.sh"));
        std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
        let output_file = temp.join(format!("output-{i}"));
        std::fs::write(&output_file, "").unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(dir)
            .env("PATH", &path)
            .env("RUNNER_OS", &values["runner.os"])
            .env("RUNNER_ARCH", &values["runner.arch"])
            .env("RUNNER_TEMP", &temp)
            .env("RUNNER_TOOL_CACHE", &tool_cache)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &github_path);
        if let Some(map) = step.as_mapping_get("env").and_then(|v| v.as_mapping()) {
            for (k, v) in map {
                cmd.env(k.as_str().unwrap(), evaluate(v.as_str().unwrap(), &values));
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        install.stdout.push_str(&String::from_utf8_lossy(&o.stdout));
        install.stderr.push_str(&String::from_utf8_lossy(&o.stderr));
        if let Some(id) = step.as_mapping_get("id").and_then(|v| v.as_str()) {
            for line in std::fs::read_to_string(&output_file).unwrap().lines() {
                let (k, v) = line
                    .split_once('=')
                    .unwrap_or_else(|| panic!("an output line {line:?}"));
                values.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
            }
        }
        if !o.status.success() {
            install.code = o.status.code();
            break;
        }
    }
    install.path = std::fs::read_to_string(&github_path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    install.values = values;
    install
}

/// A server of release files on 127.0.0.1 (a port the system chose), answering 404 for any
/// other path, and the paths it was asked for.
struct Releases {
    url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Releases {
    fn serve(files: Vec<(String, Vec<u8>)>) -> Releases {
        Releases::serve_else(files, "404 Not Found")
    }

    /// A server that answers `missing` (a status line) for paths it does not have.
    fn serve_else(files: Vec<(String, Vec<u8>)>, missing: &'static str) -> Releases {
        use std::io::{BufRead, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/releases",
            listener.local_addr().unwrap().port()
        );
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = requests.clone();
        let files: std::collections::HashMap<String, Vec<u8>> = files.into_iter().collect();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = request.split(' ').nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path.clone());
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => (missing, b"no\n".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Releases { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

const LINUX: &str = "x86_64-unknown-linux-musl";

/// The program a fake release holds: it says its version.
fn fake_binary(version: &str) -> String {
    format!("#!/bin/sh\necho \"canarylint {version} (a fake release)\"\n")
}

fn sha256_hex(file: &Path) -> String {
    let o = std::process::Command::new("sha256sum")
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()[..64].to_string()
}

/// A release archive for `target` in `dir` as cargo-dist packs it (`nested`: the binary in
/// `canarylint-<target>/`) or flat: its name and bytes.
fn fake_archive(dir: &Path, target: &str, version: &str, nested: bool) -> (String, Vec<u8>) {
    let windows = target.contains("windows");
    let exe = if windows {
        "canarylint.exe"
    } else {
        "canarylint"
    };
    let stage = dir.join(format!("stage-{target}-{nested}"));
    let top = format!("canarylint-{target}");
    let inner = if nested {
        stage.join(&top)
    } else {
        stage.clone()
    };
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(inner.join(exe), fake_binary(version)).unwrap();
    std::fs::write(inner.join("README.md"), "a fake release\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(inner.join(exe), std::fs::Permissions::from_mode(0o755)).unwrap();
    let name = if windows {
        format!("{top}.zip")
    } else {
        format!("{top}.tar.xz")
    };
    let archive = dir.join(&name);
    let members = if nested {
        vec![top.as_str()]
    } else {
        vec![exe, "README.md"]
    };
    let o = if windows {
        std::process::Command::new("zip")
            .arg("-qr")
            .arg(&archive)
            .args(&members)
            .current_dir(&stage)
            .output()
            .unwrap()
    } else {
        std::process::Command::new("tar")
            .arg("-cJf")
            .arg(&archive)
            .arg("-C")
            .arg(&stage)
            .args(&members)
            .output()
            .unwrap()
    };
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (name, std::fs::read(&archive).unwrap())
}

/// The files of a release `version` for `target` on the server: the archive and its
/// `.sha256`, as `<hex> *<name>` (cargo-dist's) or `<hex>  <name>`.
fn release_files(dir: &Path, target: &str, version: &str, nested: bool) -> Vec<(String, Vec<u8>)> {
    let (name, bytes) = fake_archive(dir, target, version, nested);
    let hex = sha256_hex(&dir.join(&name));
    let sep = if nested { " *" } else { "  " };
    vec![
        (format!("/releases/v{version}/{name}"), bytes),
        (
            format!("/releases/v{version}/{name}.sha256"),
            format!("{hex}{sep}{name}\n").into_bytes(),
        ),
    ]
}

/// Where the install puts `version` for `target`.
fn cached(dir: &Path, version: &str, target: &str) -> PathBuf {
    dir.join("tool-cache")
        .join("canarylint")
        .join(version)
        .join(target)
}

/// A release given as the `version` input (`0.2.0` or `v0.2.0`), or taken from the action's
/// tag, is downloaded, checked, put in the tool cache for the cache step to save, and on
/// `PATH`; nested and flat archives alike.
#[test]
fn the_install_steps_download_check_and_cache_a_release() {
    let dir = common::Scratch::new("action-release");
    for (i, (given, nested)) in [
        (("inputs.version", "0.2.0"), true),
        (("inputs.version", "v0.2.0"), false),
        (("github.action_ref", "v0.2.0"), true),
    ]
    .into_iter()
    .enumerate()
    {
        let run = dir.join(format!("run{i}"));
        std::fs::create_dir_all(&run).unwrap();
        let server = Releases::serve(release_files(&run, LINUX, "0.2.0", nested));
        let got = run_install(
            &run,
            &[given, ("inputs.release-url", &server.url)],
            None,
            &[],
        );
        let log = got.log();
        assert_eq!(got.code, Some(0), "{log}");
        let home = cached(&run, "0.2.0", LINUX);
        let binary = home.join("canarylint");
        assert!(binary.is_file(), "{log}");
        assert_eq!(got.path, [home.display().to_string()], "{log}");
        let o = std::process::Command::new(&binary)
            .arg("--version")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "canarylint 0.2.0 (a fake release)\n"
        );
        assert!(
            got.stdout.contains("canarylint 0.2.0 (a fake release)"),
            "{log}"
        );
        assert_eq!(
            server.requests(),
            [
                format!("/releases/v0.2.0/canarylint-{LINUX}.tar.xz"),
                format!("/releases/v0.2.0/canarylint-{LINUX}.tar.xz.sha256"),
            ]
        );
        // The cache steps restore and save that directory, keyed on the version and target.
        for step in [
            "Restore the canarylint release",
            "Save the canarylint release",
        ] {
            let with = &got.with[step];
            assert_eq!(with["path"], home.display().to_string(), "{step}");
            assert_eq!(with["key"], format!("canarylint-0.2.0-{LINUX}"), "{step}");
        }
        assert_eq!(got.output("install", "downloaded"), "true", "{log}");
        assert!(!got.ran("Build canarylint"), "{log}");
        // Nothing is left in the runner's temporary directory but the steps' files.
        let left: Vec<String> = std::fs::read_dir(run.join("temp"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("step-") && !n.starts_with("output-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// Windows gets the `.zip` and `canarylint.exe` (a script here, run as Windows would run the
/// binary).
#[test]
fn the_install_steps_take_the_zip_on_windows() {
    if std::process::Command::new("zip")
        .arg("-v")
        .output()
        .is_err()
        || std::process::Command::new("unzip")
            .arg("-v")
            .output()
            .is_err()
    {
        common::note("the_install_steps_take_the_zip_on_windows: zip or unzip is absent: not run");
        return;
    }
    let dir = common::Scratch::new("action-windows");
    let target = "x86_64-pc-windows-msvc";
    let server = Releases::serve(release_files(&dir, target, "0.2.0", true));
    let got = run_install(
        &dir,
        &[
            ("inputs.version", "0.2.0"),
            ("inputs.release-url", &server.url),
            ("runner.os", "Windows"),
        ],
        None,
        &[],
    );
    assert_eq!(got.code, Some(0), "{}", got.log());
    assert!(cached(&dir, "0.2.0", target)
        .join("canarylint.exe")
        .is_file());
    assert!(server.requests()[0].ends_with(&format!("/v0.2.0/canarylint-{target}.zip")));
}

/// An archive whose SHA-256 is not the one published beside it fails the step, which says
/// so, and nothing is installed or cached.
#[test]
fn a_release_that_does_not_match_its_checksum_is_not_installed() {
    let dir = common::Scratch::new("action-checksum");
    let mut files = release_files(&dir, LINUX, "0.2.0", true);
    let other = fake_archive(&dir, LINUX, "6.6.6", true).1;
    files[0].1 = other;
    let server = Releases::serve(files);
    let got = run_install(
        &dir,
        &[
            ("inputs.version", "0.2.0"),
            ("inputs.release-url", &server.url),
        ],
        None,
        &[],
    );
    let log = got.log();
    assert_eq!(got.code, Some(1), "{log}");
    assert!(
        got.stderr.contains(&format!(
            "the SHA-256 checksum of canarylint-{LINUX}.tar.xz does not match {}/v0.2.0/canarylint-{LINUX}.tar.xz.sha256",
            server.url
        )),
        "{log}"
    );
    assert!(!cached(&dir, "0.2.0", LINUX).exists(), "{log}");
    assert!(got.path.is_empty(), "{log}");
    assert!(!got.ran("Save the canarylint release"), "{log}");
    assert!(!got.ran("Build canarylint"), "{log}");
    // A `.sha256` that holds no checksum fails too.
    let mut files = release_files(&dir, LINUX, "0.2.1", true);
    files[1].1 = b"<html>not found</html>\n".to_vec();
    let server = Releases::serve(files);
    let got = run_install(
        &dir,
        &[
            ("inputs.version", "0.2.1"),
            ("inputs.release-url", &server.url),
        ],
        None,
        &[],
    );
    assert_eq!(got.code, Some(1), "{}", got.log());
    assert!(
        got.stderr.contains("holds no SHA-256 checksum"),
        "{}",
        got.log()
    );
    assert!(!cached(&dir, "0.2.1", LINUX).exists());
}

/// A `version` with no release fails the step, naming the version and the URL tried.
#[test]
fn an_unknown_version_fails_naming_it_and_its_url() {
    let dir = common::Scratch::new("action-unknown");
    let server = Releases::serve(release_files(&dir, LINUX, "0.2.0", true));
    let got = run_install(
        &dir,
        &[
            ("inputs.version", "9.9.9"),
            ("inputs.release-url", &server.url),
        ],
        None,
        &[],
    );
    let log = got.log();
    assert_eq!(got.code, Some(1), "{log}");
    let url = format!("{}/v9.9.9/canarylint-{LINUX}.tar.xz", server.url);
    assert!(
        got.stderr.contains(&format!(
            "there is no release of canarylint 9.9.9 for {LINUX}: {url} was not found (HTTP 404)"
        )),
        "{log}"
    );
    assert!(got.path.is_empty(), "{log}");
    assert!(!got.ran("Build canarylint"), "{log}");
}

/// A download that fails otherwise than with a 404 fails the step, even for the action's
/// own tag (no build from source hides it).
#[test]
fn a_download_that_fails_fails_the_step() {
    let dir = common::Scratch::new("action-forbidden");
    let server = Releases::serve_else(Vec::new(), "403 Forbidden");
    for given in [("inputs.version", "0.2.0"), ("github.action_ref", "v0.2.0")] {
        let got = run_install(
            &dir,
            &[given, ("inputs.release-url", &server.url)],
            None,
            &[],
        );
        let log = got.log();
        assert_eq!(got.code, Some(1), "{log}");
        assert!(
            got.stderr.contains(&format!(
                "could not download canarylint 0.2.0 from {}/v0.2.0/canarylint-{LINUX}.tar.xz (curl exit status 22, HTTP status 403)",
                server.url
            )),
            "{log}"
        );
        assert!(!got.ran("Build canarylint"), "{log}");
        assert!(got.path.is_empty(), "{log}");
    }
}

/// A `cargo` that records its arguments and `CARGO_TARGET_DIR` in `$CARGO_LOG`, and installs
/// a fake canarylint under its `--root`.
fn fake_cargo(dir: &Path) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("cargo"),
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$CARGO_LOG\"\nprintf '%s\\n' \"$CARGO_TARGET_DIR\" >> \"$CARGO_LOG\"\nroot=\nprev=\nfor a in \"$@\"; do\n  if [ \"$prev\" = --root ]; then root=$a; fi\n  prev=$a\ndone\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho canarylint 0.3.0-dev\\n' > \"$root/bin/canarylint\"\nchmod 755 \"$root/bin/canarylint\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The action at `action_ref`, with no `version`, builds its checkout with cargo (faked),
/// between the cargo cache steps keyed on its Cargo.lock; returns what ran and cargo's
/// arguments (and last, `CARGO_TARGET_DIR`).
fn built_from_source(tag: &str, action_ref: &str, url: &str) -> (Install, Vec<String>, PathBuf) {
    let dir = common::Scratch::new(tag);
    let bin = fake_cargo(&dir);
    let action = dir.join("action");
    std::fs::create_dir_all(&action).unwrap();
    std::fs::write(action.join("Cargo.lock"), "# a lock file\n").unwrap();
    let log = dir.join("cargo.log");
    let got = run_install(
        &dir,
        &[
            ("github.action_ref", action_ref),
            ("github.action_path", &action.display().to_string()),
            ("inputs.release-url", url),
        ],
        Some(&bin),
        &[("CARGO_LOG", &log.display().to_string())],
    );
    let text = got.log();
    assert_eq!(got.code, Some(0), "{text}");
    assert_eq!(got.output("install", "source"), "true", "{text}");
    let args: Vec<String> = std::fs::read_to_string(&log)
        .unwrap_or_else(|_| panic!("cargo did not run: {text}"))
        .lines()
        .map(String::from)
        .collect();
    let root = dir.join("temp").join("canarylint-build");
    let target = dir.join("temp").join("canarylint-target");
    assert_eq!(
        args,
        [
            "install",
            "--locked",
            "--root",
            &root.display().to_string(),
            "--path",
            &action.display().to_string(),
            &target.display().to_string(),
        ],
        "{text}"
    );
    assert_eq!(got.path, [root.join("bin").display().to_string()], "{text}");
    assert!(got.stdout.contains("canarylint 0.3.0-dev"), "{text}");
    let key = format!(
        "canarylint-cargo-Linux-X64-{}",
        sha256_hex(&action.join("Cargo.lock"))
    );
    for step in ["Restore the cargo cache", "Save the cargo cache"] {
        let with = &got.with[step];
        assert_eq!(with["key"], key, "{step}");
        assert!(
            with["path"]
                .lines()
                .any(|l| l == target.display().to_string()),
            "{step}"
        );
    }
    assert!(
        !got.ran("Restore the canarylint release") || action_ref.starts_with('v'),
        "{text}"
    );
    assert!(!got.ran("Save the canarylint release"), "{text}");
    (got, args, dir.path().to_path_buf())
}

/// The action used at a branch (or a commit) is a development version: its checkout is
/// built, and no release is asked for.
#[test]
fn a_branch_of_the_action_builds_its_checkout() {
    let server = Releases::serve(Vec::new());
    for action_ref in ["main", "0123456789abcdef0123456789abcdef01234567", "", "v1"] {
        let (got, ..) = built_from_source("action-branch", action_ref, &server.url);
        assert!(!got.ran("Restore the canarylint release"), "{}", got.log());
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// The action at a version tag that has no release yet (being released, or a fork's tag)
/// builds its checkout instead of failing.
#[test]
fn an_action_tag_without_a_release_builds_its_checkout() {
    let server = Releases::serve(Vec::new());
    let (got, ..) = built_from_source("action-tag-unreleased", "v0.3.0", &server.url);
    assert!(got.ran("Restore the canarylint release"), "{}", got.log());
    assert!(
        got.stdout.contains("there is no release 0.3.0"),
        "{}",
        got.log()
    );
    assert_eq!(
        server.requests(),
        [format!("/releases/v0.3.0/canarylint-{LINUX}.tar.xz")]
    );
}

/// With the release in the tool cache, as the restore step leaves it on a hit, nothing is
/// downloaded and nothing is saved again.
#[test]
fn a_cached_release_is_not_downloaded() {
    let dir = common::Scratch::new("action-cached");
    let home = cached(&dir, "0.2.0", LINUX);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("canarylint"), fake_binary("0.2.0")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        home.join("canarylint"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let server = Releases::serve(release_files(&dir, LINUX, "0.2.0", true));
    let got = run_install(
        &dir,
        &[
            ("inputs.version", "0.2.0"),
            ("inputs.release-url", &server.url),
        ],
        None,
        &[],
    );
    let log = got.log();
    assert_eq!(got.code, Some(0), "{log}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert_eq!(got.path, [home.display().to_string()], "{log}");
    assert!(got.stdout.contains("is in the cache"), "{log}");
    assert!(
        got.stdout.contains("canarylint 0.2.0 (a fake release)"),
        "{log}"
    );
    assert!(!got.ran("Save the canarylint release"), "{log}");
    assert!(!got.ran("Build canarylint"), "{log}");
}

/// What cannot be installed stops the first step with a clear message: a `version` that is
/// not one, a runner with no release, a release URL that is not https (or http to this
/// machine); a version tag on such a runner builds from source instead.
#[test]
fn the_install_steps_refuse_what_they_cannot_install() {
    let dir = common::Scratch::new("action-refuse");
    let cases: [(&[(&str, &str)], &str); 7] = [
        (
            &[("inputs.version", "latest")],
            "is not a release version such as 0.2.0",
        ),
        (
            &[("inputs.version", "0.2.0\n::add-mask::x")],
            "is not a release version",
        ),
        (
            &[
                ("inputs.version", "0.2.0"),
                ("runner.os", "Windows"),
                ("runner.arch", "ARM64"),
            ],
            "no release of canarylint is built for Windows ARM64",
        ),
        (
            &[
                ("inputs.version", "0.2.0"),
                ("inputs.release-url", "http://example.com/r"),
            ],
            "is not an https:// URL",
        ),
        (
            &[
                ("inputs.version", "0.2.0"),
                ("inputs.release-url", "http://127.0.0.1@example.com/r"),
            ],
            "is not an https:// URL",
        ),
        (
            &[
                ("inputs.version", "0.2.0"),
                ("inputs.release-url", "http://127.0.0.1.example.com/r"),
            ],
            "is not an https:// URL",
        ),
        (
            &[
                ("inputs.version", "0.2.0"),
                ("inputs.release-url", "ftp://127.0.0.1/r"),
            ],
            "is not an https:// URL",
        ),
    ];
    for (given, message) in cases {
        let got = run_install(&dir, given, None, &[]);
        let log = got.log();
        assert_eq!(got.code, Some(2), "{given:?}: {log}");
        assert!(got.stderr.contains(message), "{given:?}: {log}");
        assert_eq!(got.ran, ["Resolve canarylint"], "{given:?}");
    }
    // The action's own tag on a runner with no release: its checkout is built.
    let bin = fake_cargo(&dir);
    let log = dir.join("cargo.log");
    let got = run_install(
        &dir,
        &[
            ("github.action_ref", "v0.2.0"),
            ("runner.os", "Windows"),
            ("runner.arch", "ARM64"),
        ],
        Some(&bin),
        &[("CARGO_LOG", &log.display().to_string())],
    );
    assert_eq!(got.code, Some(0), "{}", got.log());
    assert!(got.ran("Build canarylint"), "{}", got.log());
    assert!(log.is_file(), "{}", got.log());
}
