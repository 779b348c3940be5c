//! Hostile input: nothing crashes the run, hangs it, or makes it skip a file or a
//! resource without a visible note. Each test builds its input in a temporary directory.

mod common;

use std::path::Path;

use common::Scratch;

/// A VirtualService whose weights add up to 110: one `weight-sum` finding.
const BAD_SPLIT: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 30
";

/// Runs the binary and returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_fed(dir, args, None)
}

/// Runs the binary with `stdin` fed to it (from another thread), killing it after 60 s: a
/// hang is a failure, not a stuck test run.
fn run_fed(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (i32, String, String) {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // The linter stops reading at its size limit; the rest meets a closed pipe.
        std::thread::spawn(move || pipe.write_all(&bytes));
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let _ = out.read_to_end(&mut o);
        let _ = err.read_to_end(&mut e);
        (o, e)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("canarylint {args:?} did not finish in 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (o, e) = reader.join().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o).into_owned(),
        String::from_utf8_lossy(&e).into_owned(),
    )
}

/// (file, rule, message) of each finding of a JSON report.
fn findings(json: &str) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    common::findings(&v)
        .iter()
        .map(|d| {
            let s = |k: &str| common::field(d, k);
            (s("file"), s("rule"), s("message"))
        })
        .collect()
}

#[test]
fn deep_nesting_is_a_syntax_finding_and_the_rest_is_linted() {
    let s = Scratch::new("deep");
    // 200,000 levels of block sequences: a stack overflow in building or dropping the tree
    // would abort the process with no output at all. Several files, so that the deep one is
    // loaded on a worker thread with a small stack.
    let deep = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: deep}}\nspec:\n {}1\n",
        "- ".repeat(200_000)
    );
    s.write("deep.yaml", &deep);
    // The same depth in a document no rule reads: with `--full-parse` it is parsed, and its
    // tree dropped.
    s.write(
        "kindless.yaml",
        &format!("spec:\n {}1\n", "- ".repeat(200_000)),
    );
    for i in 0..4 {
        s.write(&format!("vs{i}.yaml"), BAD_SPLIT);
    }
    let (code, out, err) = run(s.path(), &["check", ".", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let full = run(
        s.path(),
        &["check", ".", "--format", "json", "--full-parse"],
    );
    assert_eq!(full, (code, out.clone(), err.clone()));
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let findings = json["findings"].as_array().unwrap();
    let of = |rule: &str| {
        findings
            .iter()
            .filter(|d| d["rule"] == rule)
            .collect::<Vec<_>>()
    };
    let syntax = of("yaml-syntax");
    assert_eq!(syntax.len(), 1, "{out}");
    assert!(syntax[0]["message"]
        .as_str()
        .unwrap()
        .contains("nests deeper than 1000 levels"));
    assert_eq!(syntax[0]["file"], "deep.yaml");
    assert_eq!(syntax[0]["line"], 5);
    assert_eq!(of("weight-sum").len(), 4, "{out}");
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_endless_input_are_never_read() {
    let s = Scratch::new("fifo");
    s.write("vs.yaml", BAD_SPLIT);
    let fifo = s.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    // Named on the command line, and found by walking: an `io-error` saying what it is,
    // and the rest is linted. Opening the FIFO for reading would block forever.
    for args in [
        &["check", "pipe.yaml", "vs.yaml", "--format", "json"][..],
        &["check", ".", "--format", "json"][..],
    ] {
        let (code, out, err) = run(s.path(), args);
        assert_eq!(code, 1, "{err}");
        let f = findings(&out);
        assert!(
            f.iter().any(|(file, rule, msg)| file == "pipe.yaml"
                && rule == "io-error"
                && msg.contains("a FIFO (named pipe), not a regular file")),
            "{f:#?}"
        );
        assert!(f
            .iter()
            .any(|(file, rule, _)| file == "vs.yaml" && rule == "weight-sum"));
    }
    // `fstat` says 0 bytes for `/dev/zero`, which never ends.
    let (code, out, _) = run(s.path(), &["check", "/dev/zero", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(findings(&out)
        .iter()
        .any(|(_, rule, msg)| rule == "io-error" && msg.contains("a character device")));
    // Standard input is capped by the bytes read, not by a size it cannot know.
    let zeros = vec![b'a'; 12 * 1024 * 1024];
    let (code, out, _) = run_fed(s.path(), &["check", "-", "--format", "json"], Some(zeros));
    assert_eq!(code, 0, "a note is not a failure");
    let f = findings(&out);
    assert!(
        f.iter()
            .any(|(_, rule, msg)| rule == "skipped-file" && msg.contains("over the 10 MB limit")),
        "{f:#?}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_inside_the_repository_only() {
    use std::os::unix::fs::symlink;
    let outer = Scratch::new("links");
    let secret = outer.write("secret/id.yaml", "token: s3cr3t\n");
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("apps/sub")).unwrap();
    std::fs::write(repo.join("apps/real.yaml"), BAD_SPLIT).unwrap();
    std::fs::write(
        repo.join("shared.yaml"),
        BAD_SPLIT.replace("reviews", "ratings"),
    )
    .unwrap();
    // Inside the repository: followed, and a file reached twice is linted once.
    symlink("real.yaml", repo.join("apps/link.yaml")).unwrap();
    symlink("../shared.yaml", repo.join("apps/shared-link.yaml")).unwrap();
    symlink("..", repo.join("apps/sub/up")).unwrap();
    // Out of the repository: a fork's pull request must not make the log show the lines
    // of a file of the machine that lints it.
    symlink(&secret, repo.join("apps/secret.yaml")).unwrap();
    symlink(secret.parent().unwrap(), repo.join("apps/secrets")).unwrap();
    // Broken and looping links.
    symlink("nowhere.yaml", repo.join("apps/dangling.yaml")).unwrap();
    symlink("b.yaml", repo.join("apps/a.yaml")).unwrap();
    symlink("a.yaml", repo.join("apps/b.yaml")).unwrap();
    let (code, out, err) = run(&repo, &["check", "apps", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let mut got: Vec<(String, String)> = findings(&out)
        .into_iter()
        .filter(|(_, rule, _)| rule != "missing-subset" && rule != "manual-weight-split")
        .map(|(file, rule, _)| (file, rule))
        .collect();
    got.sort();
    let want = [
        ("apps/a.yaml", "io-error"),
        ("apps/b.yaml", "io-error"),
        ("apps/dangling.yaml", "io-error"),
        ("apps/real.yaml", "weight-sum"),
        ("apps/secret.yaml", "skipped-file"),
        ("apps/secrets", "skipped-file"),
        ("apps/shared-link.yaml", "weight-sum"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want, "{out}");
    assert!(!out.contains("s3cr3t"), "{out}");
    let f = findings(&out);
    let msg = |file: &str| {
        f.iter()
            .find(|x| x.0 == file)
            .map(|x| x.2.clone())
            .unwrap_or_default()
    };
    assert!(msg("apps/a.yaml").contains("symlink loop"));
    assert!(msg("apps/dangling.yaml").contains("broken symlink"));
    assert!(msg("apps/secret.yaml").contains("outside the repository"));
    // Named on the command line: a loop and a dangling link are errors that say so.
    let (code, _, err) = run(&repo, &["check", "apps/a.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("`apps/a.yaml`: symlink loop"), "{err}");
    let (code, _, err) = run(&repo, &["check", "apps/dangling.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("broken symlink"), "{err}");
    // An explicit link out of the repository is not followed either.
    let (_, out, _) = run(&repo, &["check", "apps/secret.yaml", "--format", "json"]);
    assert!(!out.contains("s3cr3t"));
    assert!(out.contains("outside the repository"), "{out}");
}

/// A chain of directory links (`app0/next -> ../app1`, `app1/next -> ../app2`, ...): each
/// file is linted once, at its own path, and no path through the chain is taken for a
/// symlink loop (the kernel refuses a path through more than 40 links). A link to a
/// directory the walk does not list itself (ignored) is still walked through.
#[cfg(unix)]
#[test]
fn a_chain_of_directory_links_is_walked_once_and_is_no_loop() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new("chain");
    std::fs::create_dir_all(s.path().join(".git")).unwrap();
    s.write(".gitignore", "ignored/\n");
    let apps = 45;
    for i in 0..apps {
        s.write(
            &format!("app{i}/vs.yaml"),
            &BAD_SPLIT.replace("name: reviews,", &format!("name: reviews{i},")),
        );
        if i + 1 < apps {
            symlink(
                format!("../app{}", i + 1),
                s.path().join(format!("app{i}/next")),
            )
            .unwrap();
        }
    }
    s.write(
        "ignored/vs.yaml",
        &BAD_SPLIT.replace("name: reviews,", "name: ignored,"),
    );
    symlink("../ignored", s.path().join("app0/to-ignored")).unwrap();
    // The walked directory may itself be a link to the repository.
    symlink(".", s.path().join("via")).unwrap();
    for (walked, prefix) in [(".", ""), ("via", "via/")] {
        let (code, out, err) = run(s.path(), &["check", walked, "--format", "json"]);
        assert_eq!(code, 1, "{err}");
        let mut got: Vec<(String, String)> = findings(&out)
            .into_iter()
            // Every VirtualService routes the one host: the rules that compare them speak too.
            .filter(|(_, rule, _)| {
                ["weight-sum", "io-error", "skipped-file"].contains(&rule.as_str())
            })
            .map(|(file, rule, _)| (file, rule))
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> = (0..apps)
            .map(|i| format!("{prefix}app{i}/vs.yaml"))
            .chain(std::iter::once(format!("{prefix}app0/to-ignored/vs.yaml")))
            .map(|f| (f, "weight-sum".to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "{out}");
    }
    // Walked from its first directory, the chain leaves the walk: it is walked through, and
    // the path through more links than the system follows is said to be that, not a loop.
    let (_, out, err) = run(s.path(), &["check", "app0", "--format", "json"]);
    let notes: Vec<(String, String, String)> = findings(&out)
        .into_iter()
        .filter(|(_, rule, _)| rule == "io-error")
        .collect();
    assert_eq!(notes.len(), 1, "{out}{err}");
    assert!(notes[0].0.ends_with(&"/next".repeat(41)), "{notes:?}");
    assert!(
        notes[0].2.contains("more symlinks than the system follows"),
        "{notes:?}"
    );
}

#[test]
fn hidden_gitops_folders_and_any_case_extensions_are_linted() {
    let s = Scratch::new("hidden");
    std::fs::create_dir_all(s.path().join(".git")).unwrap();
    for f in [
        ".argocd/apps/vs.yaml",
        ".flux/vs.yml",
        "apps/.hidden.yaml",
        "apps/z.Yaml",
        "apps/UPPER.YML",
    ] {
        s.write(f, BAD_SPLIT);
    }
    // Never read: a version-control folder.
    s.write(".git/vs.yaml", BAD_SPLIT);
    let (_, out, _) = run(s.path(), &["check", ".", "--format", "json"]);
    let mut files: Vec<String> = findings(&out)
        .into_iter()
        .filter(|(_, rule, _)| rule == "weight-sum")
        .map(|(file, _, _)| file)
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".argocd/apps/vs.yaml",
            ".flux/vs.yml",
            "apps/.hidden.yaml",
            "apps/UPPER.YML",
            "apps/z.Yaml"
        ],
        "{out}"
    );
}

#[test]
fn excluded_and_skipped_files_are_counted_in_the_summary() {
    let s = Scratch::new("summary");
    s.write("vs.yaml", BAD_SPLIT);
    s.write("vendor/a.yaml", BAD_SPLIT);
    s.write("empty.yaml", "\n");
    s.write("chart/x.j2.yaml", "kind: {{ kind }}\n");
    let (_, out, _) = run(
        s.path(),
        &[
            "check",
            ".",
            "--exclude",
            "vendor",
            "--select",
            "weight-sum,skipped-file",
        ],
    );
    assert!(
        out.ends_with(
            "Found 1 error, 0 warnings, 2 notes (1 resource in 3 files, 1 document; 2 files not fully linted, 1 path excluded).\n"
        ),
        "{out}"
    );
    let (_, json, _) = run(
        s.path(),
        &["check", ".", "--exclude", "vendor", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["skipped"], 2);
    assert_eq!(v["summary"]["excluded"], 1);
}

#[test]
fn a_config_above_the_repository_does_not_apply() {
    let outer = Scratch::new("above");
    // Someone else's settings, one folder up: they would exclude everything.
    outer.write(".canarylint.yaml", "exclude: [\"**\"]\n");
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::write(repo.join("vs.yaml"), BAD_SPLIT).unwrap();
    let (code, out, err) = run(&repo, &["check", "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(findings(&out)
        .iter()
        .any(|(_, rule, _)| rule == "weight-sum"));
    // The repository's own config still applies.
    std::fs::write(repo.join(".canarylint.yaml"), "exclude: [\"vs.yaml\"]\n").unwrap();
    let (code, out, _) = run(&repo, &["check", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
}

/// A VirtualService whose weights add up to 110, with its `kind` line left out.
fn split_without_kind(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
metadata: {{name: {name}, namespace: shop}}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {{host: reviews}}
      weight: 80
    - destination: {{host: ratings}}
      weight: 30
"
    )
}

#[test]
fn the_pre_scan_never_drops_what_a_full_parse_finds() {
    let s = Scratch::new("prescan");
    let shapes: Vec<(&str, String)> = vec![
        // Lone CRs end lines in YAML: the `kind` is on a line of its own.
        (
            "lone-cr",
            format!(
                "apiVersion: v1\rkind: ConfigMap\r---\rkind: VirtualService\r{}",
                split_without_kind("lone-cr").replace('\n', "\r")
            ),
        ),
        (
            "tagged",
            format!(
                "!!str kind: VirtualService\n{}",
                split_without_kind("tagged")
            ),
        ),
        (
            "bare-tag",
            format!("! kind: VirtualService\n{}", split_without_kind("bare-tag")),
        ),
        (
            "anchored",
            format!(
                "&k kind: VirtualService\n{}",
                split_without_kind("anchored")
            ),
        ),
        (
            "escaped",
            format!(
                "\"\\x6bind\": VirtualService\n{}",
                split_without_kind("escaped")
            ),
        ),
        (
            "single-quoted",
            format!(
                "'kind': VirtualService\n{}",
                split_without_kind("single-quoted")
            ),
        ),
        (
            "merged",
            format!(
                "<<: {{kind: VirtualService}}\n{}",
                split_without_kind("merged")
            ),
        ),
        (
            "merged-alias",
            format!(
                "identity: &id {{kind: VirtualService}}\n<<: *id\n{}",
                split_without_kind("merged-alias")
            ),
        ),
        // A byte-order mark may open any document (YAML 1.2, l-document-prefix).
        (
            "bom-second-document",
            format!(
                "kind: ConfigMap\n\u{feff}---\nkind: VirtualService\n{}",
                split_without_kind("bom-second-document")
            ),
        ),
    ];
    for (name, text) in &shapes {
        s.write(&format!("{name}.yaml"), text);
    }
    let dir = common::path_arg(s.path());
    let fast = canarylint::lint(&common::check_args(&[&dir])).unwrap();
    let full = canarylint::lint(&common::check_args(&[&dir, "--full-parse"])).unwrap();
    let render = |o: &canarylint::Outcome| canarylint::render::json::render(&o.report());
    let (a, b) = (render(&fast), render(&full));
    assert_eq!(a, b, "the pre-scan changed the findings");
    for (name, _) in &shapes {
        let file = format!("{name}.yaml");
        assert!(
            findings(&a)
                .iter()
                .any(|(f, rule, _)| f.ends_with(&file) && rule == "weight-sum"),
            "{file}: the VirtualService was not linted\n{a}"
        );
    }
}

#[test]
fn templates_of_any_engine_are_notes_not_syntax_errors() {
    let s = Scratch::new("templates");
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n";
    s.write(
        "percent.yaml",
        &format!("{vs}metadata:\n  name: %APP_NAME%\n  namespace: %NAMESPACE%\n"),
    );
    s.write(
        "jinja.yaml",
        &format!(
            "{vs}metadata: {{name: x}}\n{{% if prod %}}\nspec: {{hosts: [a]}}\n{{% endif %}}\n"
        ),
    );
    s.write(
        "freemarker.yaml",
        &format!("{vs}metadata: {{name: x}}\n<#if prod>\nspec: {{hosts: [a]}}\n</#if>\n"),
    );
    for name in [
        "a.ftl.yaml",
        "b.j2.yaml",
        "c.tpl.yaml",
        "values.yaml.gotmpl",
    ] {
        s.write(name, &format!("{vs}metadata: {{name: {{{{ .name }}}}}}\n"));
    }
    // Not a template: a real syntax error stays one.
    s.write("broken.yaml", &format!("{vs}metadata: [x\n"));
    let (_, out, _) = run(s.path(), &["check", ".", "--format", "json"]);
    let mut got: Vec<(String, String)> = findings(&out)
        .into_iter()
        .map(|(file, rule, msg)| {
            let syntax = msg
                .split(" template syntax (")
                .nth(1)
                .and_then(|m| m.split(')').next())
                .or_else(|| msg.split("skipped: a ").nth(1))
                .unwrap_or(&rule)
                .to_string();
            (file, format!("{rule}: {syntax}"))
        })
        .collect();
    got.sort();
    let want = [
        (
            "a.ftl.yaml",
            "skipped-file: FreeMarker template by its name; YAML only once rendered",
        ),
        (
            "b.j2.yaml",
            "skipped-file: Jinja template by its name; YAML only once rendered",
        ),
        ("broken.yaml", "yaml-syntax: yaml-syntax"),
        (
            "c.tpl.yaml",
            "skipped-file: Go template by its name; YAML only once rendered",
        ),
        ("freemarker.yaml", "skipped-file: `<#...>`"),
        ("jinja.yaml", "skipped-file: `{% ... %}`"),
        ("percent.yaml", "skipped-file: `%NAME%` placeholders"),
        (
            "values.yaml.gotmpl",
            "skipped-file: Go template by its name; YAML only once rendered",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want, "{out}");
}

#[test]
fn floods_of_notes_are_folded_and_sarif_stays_bounded() {
    let s = Scratch::new("flood");
    for i in 0..3000 {
        s.write(&format!("d{}/e{i}.yaml", i % 10), "\n");
    }
    for i in 0..6 {
        std::fs::write(s.path().join(format!("latin1-{i}.yaml")), b"a: \xe9\n").unwrap();
    }
    s.write("vs.yaml", BAD_SPLIT);
    let (_, out, _) = run(s.path(), &["check", ".", "--format", "json"]);
    let f = findings(&out);
    let notes = f.iter().filter(|x| x.1 == "skipped-file").count();
    assert_eq!(notes, canarylint::fold::NOTE_LIMIT + 1, "{out}");
    let folded = f
        .iter()
        .find(|x| x.2.starts_with("and "))
        .expect("a folded note");
    assert!(
        folded.2.contains("more files with a `skipped-file` note")
            && folded.2.contains("the file is empty")
            && folded.2.contains("6 the file is not valid UTF-8"),
        "{}",
        folded.2
    );
    // Every other finding is still there, and the summary counts every skipped file.
    assert!(f.iter().any(|x| x.1 == "weight-sum"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["skipped"], 3006);
    let (_, sarif, _) = run(s.path(), &["check", ".", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap().len();
    assert!(results < 70, "{results} SARIF results");
}

#[test]
fn aliases_cannot_multiply_a_file_past_its_budget() {
    let s = Scratch::new("bombs");
    // 200 documents, each an alias bomb just under the per-document limit: 22 million
    // nodes from a 64 KB file, 2 GB and 40 s before the budget was per file.
    let bomb = |i: usize| {
        format!(
            "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: bomb{i}, namespace: shop}}
spec:
  a: &a [x, x, x, x, x, x, x, x, x, x]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
"
        )
    };
    let text: Vec<String> = (0..200).map(bomb).collect();
    s.write("bombs.yaml", &text.join("---\n"));
    s.write("vs.yaml", BAD_SPLIT);
    let (code, out, err) = run(s.path(), &["check", ".", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let f = findings(&out);
    let syntax: Vec<_> = f.iter().filter(|x| x.1 == "yaml-syntax").collect();
    assert_eq!(syntax.len(), 1, "{f:#?}");
    assert!(syntax[0]
        .2
        .contains("aliases in this file expand to more than"));
    assert!(f.iter().any(|x| x.0 == "vs.yaml" && x.1 == "weight-sum"));
    // The same with the pre-scan off.
    let full = run(
        s.path(),
        &["check", ".", "--format", "json", "--full-parse"],
    );
    assert_eq!(full.1, out);
}
