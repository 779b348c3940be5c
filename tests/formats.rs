//! The CI report formats: GitLab Code Quality (`--format gitlab`) and JUnit XML
//! (`--format junit`), and the rule that only one format writes to standard output.

#![cfg(unix)] // file names with control characters.

mod common;

use std::path::Path;

use common::{git, stderr, stdout, Scratch};

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A repository with two variants of VirtualService `shop/a` (the same finding twice, so
/// one fingerprint twice) in `base/` and `prod/`, and one of `shop/b`, each with a
/// `weight-sum` finding.
fn repo(dir: &Path) -> std::path::PathBuf {
    let repo = dir.join("repo");
    for (file, name) in [
        ("base/a.yaml", "a"),
        ("prod/a.yaml", "a"),
        ("base/sp ace.yaml", "b"),
    ] {
        let p = repo.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, common::vs_weight_40(name, name, None)).unwrap();
    }
    git(&repo, &["init", "-q"]);
    repo
}

#[test]
fn gitlab_lists_every_finding_with_a_unique_fingerprint() {
    let dir = Scratch::new("fmt-gitlab");
    let repo = repo(&dir);
    // From a subdirectory: paths are still relative to the repository root.
    let o = common::run_in(
        &repo.join("base"),
        &[
            "check",
            "..",
            "--format",
            "gitlab",
            "--select",
            "weight-sum",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), 3, "{v:#}");
    let mut paths: Vec<&str> = issues
        .iter()
        .map(|i| i["location"]["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["base/a.yaml", "base/sp ace.yaml", "prod/a.yaml"]);
    for i in issues {
        assert_eq!(i["check_name"], "weight-sum");
        assert_eq!(i["severity"], "major", "an error is `major`");
        assert_eq!(i["location"]["lines"]["begin"], 9);
        assert!(
            i["description"].as_str().unwrap().contains("has weight 40"),
            "{i}"
        );
    }
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 3, "fingerprints are unique: {v:#}");

    // The first of each is SARIF's fingerprint: one identity in both reports.
    let o = common::run_in(
        &repo,
        &["check", ".", "--format", "sarif", "--select", "weight-sum"],
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sarif_prints: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["canarylint/v1"].as_str().unwrap())
        .collect();
    assert_eq!(sarif_prints.len(), 3);
    let shared = sarif_prints
        .iter()
        .filter(|p| sarif_prints.iter().filter(|q| q == p).count() == 2)
        .count();
    assert_eq!(shared, 2, "the variants share one: {sarif_prints:?}");
    for p in &sarif_prints {
        assert!(fingerprints.contains(p), "{p} in {fingerprints:?}");
    }
}

/// Checks that `doc` is well-formed XML as this tool writes it: only characters XML 1.0
/// allows, markup nested and closed, attributes quoted, only the predefined entities.
/// Returns the elements' start tags (name and attributes) in document order.
fn well_formed(doc: &str) -> Vec<(String, Vec<(String, String)>)> {
    for c in doc.chars() {
        let ok = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        assert!(ok, "{:?} is not an XML character", c);
    }
    let entities = |text: &str| {
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            let end = rest[at..].find(';').expect("an entity ends") + at;
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&&rest[at..=end]),
                "entity {}",
                &rest[at..=end]
            );
            rest = &rest[end + 1..];
        }
        assert!(!text.contains('<'), "raw `<` in {text:?}");
    };
    let body = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        entities(&rest[..open]);
        if open > 0 || !stack.is_empty() {
            assert!(
                !stack.is_empty() || rest[..open].trim().is_empty(),
                "text outside the root"
            );
        }
        let close = rest[open..].find('>').expect("a tag ends") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "closing tag");
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut attrs = Vec::new();
        while !attrs_text.trim().is_empty() {
            let (key, value) = attrs_text.trim_start().split_once("=\"").expect("key=\"");
            let end = value.find('"').expect("a closing quote");
            entities(&value[..end]);
            assert!(!value[..end].contains(['\n', '\r', '\t']), "raw whitespace");
            attrs.push((key.to_string(), value[..end].to_string()));
            attrs_text = &value[end + 1..];
        }
        tags.push((name.to_string(), attrs));
        if !empty {
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert!(rest.trim().is_empty());
    tags
}

fn attr<'a>(tag: &'a (String, Vec<(String, String)>), key: &str) -> &'a str {
    tag.1
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {tag:?}"))
}

#[test]
fn junit_is_well_formed_whatever_the_file_names() {
    let dir = Scratch::new("fmt-junit");
    let hostile = "x<y>&\"'\u{1b}[31m\u{7}\u{7f}\u{9b}\u{202e}\u{fffe}\n]]>.yaml";
    std::fs::write(
        dir.join(hostile),
        common::vs_weight_40("r", "\"r<&\\e\\x05\"", Some("v1")),
    )
    .unwrap();
    std::fs::write(
        dir.join("clean.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: c, namespace: shop}\nspec: {host: c}\n",
    )
    .unwrap();
    let o = common::run_in(&dir, &["check", ".", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let xml = stdout(&o);
    let tags = well_formed(&xml);
    let names: Vec<&str> = tags.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "testsuites",
            "testsuite",
            "testcase",
            "failure",
            "testcase",
            "failure",
            "testcase"
        ],
        "{xml}"
    );
    for t in &tags[..2] {
        assert_eq!(attr(t, "tests"), "3");
        assert_eq!(attr(t, "failures"), "2");
    }
    let escaped =
        "x&lt;y&gt;&amp;&quot;&apos;\\x1b[31m\\x07\\x7f\\u{9b}\\u{202e}\\u{fffe}\\n]]&gt;.yaml";
    assert_eq!(attr(&tags[2], "classname"), escaped);
    assert_eq!(attr(&tags[2], "name"), "missing-subset");
    assert_eq!(attr(&tags[4], "name"), "weight-sum");
    assert_eq!(attr(&tags[3], "type"), "error");
    // The file without findings passes.
    assert_eq!(attr(&tags[6], "classname"), "clean.yaml");
    assert_eq!(attr(&tags[6], "name"), "canarylint");
    // The failure lists each finding at its line and column, values escaped.
    assert!(xml.contains(&format!("{escaped}:8:")), "{xml}");
    assert!(xml.contains("r&lt;&amp;\\x1b\\x05"), "{xml}");

    // A clean run still has test cases, and no failure.
    let o = common::run_in(&dir, &["check", "clean.yaml", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let tags = well_formed(&stdout(&o));
    assert_eq!(attr(&tags[0], "tests"), "1");
    assert_eq!(attr(&tags[0], "failures"), "0");
}

#[test]
fn only_one_format_writes_to_stdout() {
    let dir = Scratch::new("fmt-stdout");
    let report = dir.join("report.sarif");
    for (formats, named) in [
        (["json", "sarif"], "`json` and `sarif` both do"),
        (["text", "github"], "`text` and `github` both do"),
        (["gitlab", "junit"], "`gitlab` and `junit` both do"),
    ] {
        let o = common::run(&[
            "check",
            "fixtures/demo",
            "--format",
            formats[0],
            "--format",
            formats[1],
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stdout(&o).is_empty());
        assert!(
            stderr(&o).contains(&format!(
                "error: only one format may write to standard output: {named}; give one an `--output FILE`"
            )),
            "{}",
            stderr(&o)
        );
    }
    // With a file for one of them, both are written.
    let o = common::run(&[
        "check",
        "fixtures/demo",
        "--format",
        "json",
        "--format",
        "sarif",
        "--output",
        arg(&report),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap();
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"runs\""));
}
