//! `helm template` output: each finding keeps its place in the stream and, in a document that
//! opens with a `# Source: <path>` comment, names the template and its line in the rendered
//! document (line 1 is the line after the comment), in every output format.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use canarylint::render::escape::is_unsafe;
use common::{findings, json, stdout, vs_weight_40};

/// `helm template shop ./shop`, as Helm prints it: every document opens with `---` and a
/// `# Source:` comment.
fn rendered() -> String {
    std::fs::read_to_string(common::root().join("fixtures/helm/shop.yaml")).unwrap()
}

const VS: &str = "shop/templates/virtualservice.yaml";
const DR: &str = "shop/templates/destinationrule.yaml";

/// Runs the binary in the crate's root with `input` on standard input.
fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().unwrap();
    let bytes = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&bytes));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    o
}

/// A finding's template path and line in the rendered document, if any.
type Template = Option<(String, u64)>;

/// Each finding as (rule, line in the stream, template).
fn located(report: &serde_json::Value) -> Vec<(String, u64, Template)> {
    findings(report)
        .iter()
        .map(|f| {
            let template = f.get("template").map(|t| {
                assert_eq!(t.as_object().unwrap().len(), 2, "{t}");
                (
                    t["path"].as_str().unwrap().to_string(),
                    t["line"].as_u64().unwrap(),
                )
            });
            (common::field(f, "rule"), common::line(f), template)
        })
        .collect()
}

/// The 1-based line of the `n`th (0-based) line of `text` that is `# Source: {path}`.
fn source_line(text: &str, path: &str, n: usize) -> u64 {
    let comment = format!("# Source: {path}");
    let i = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == comment)
        .nth(n)
        .unwrap()
        .0;
    i as u64 + 1
}

#[test]
fn text_output_names_the_template() {
    let o = run_stdin(&["check", "-", "--color", "never"], &rendered());
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains(&format!(
        "   --> <stdin>:141:21\n    |\n141 |             subset: v3\n    |                     ^^\n    |\n    = note: from Helm template `{VS}`, line 21 of the rendered document\n    = help: did you mean `v1` or `v2`?\n"
    )), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn json_output_gives_the_template_and_its_line() {
    let text = rendered();
    let o = run_stdin(&["check", "-", "--format", "json"], &text);
    assert_eq!(o.status.code(), Some(1));
    let report = json(&o);
    let vs = source_line(&text, VS, 0);
    let dr = source_line(&text, DR, 0);
    let at = |line: u64, path: &str, from: u64| (line, Some((path.to_string(), line - from)));
    let got: Vec<(String, (u64, Template))> = located(&report)
        .into_iter()
        .map(|(rule, line, t)| (rule, (line, t)))
        .collect();
    let expect = |rule: &str, loc| (rule.to_string(), loc);
    assert_eq!(
        got,
        [
            expect("subset-selects-nothing", at(118, DR, dr)),
            expect("missing-subset", at(141, VS, vs)),
            expect("weight-sum", at(143, VS, vs)),
            expect("manual-weight-split", at(143, VS, vs)),
        ]
    );
    // The line within the rendered document counts from the line after `# Source:`.
    assert_eq!(got[1].1 .1, Some((VS.to_string(), 21)));
    assert_eq!(
        text.lines().nth(vs as usize + 21 - 1),
        Some("            subset: v3")
    );
    // The real location is unchanged.
    let f = &findings(&report)[1];
    assert_eq!(f["file"], "<stdin>");
    assert_eq!(
        (f["column"].as_u64(), f["end_column"].as_u64()),
        (Some(21), Some(23))
    );
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn sarif_results_carry_the_template_as_a_property() {
    let o = run_stdin(&["check", "-", "--format", "sarif"], &rendered());
    assert_eq!(o.status.code(), Some(1));
    let log = json(&o);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let templates: Vec<(&str, &serde_json::Value)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                &r["properties"]["helmTemplate"],
            )
        })
        .collect();
    assert_eq!(
        templates,
        [
            (
                "subset-selects-nothing",
                &serde_json::json!({"path": DR, "line": 23})
            ),
            (
                "missing-subset",
                &serde_json::json!({"path": VS, "line": 21})
            ),
            ("weight-sum", &serde_json::json!({"path": VS, "line": 23})),
            (
                "manual-weight-split",
                &serde_json::json!({"path": VS, "line": 23})
            ),
        ]
    );
    // The physical location is the stream's.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        141
    );
}

#[test]
fn github_annotations_name_the_template_in_the_message() {
    let o = run_stdin(&["check", "-", "--format", "github"], &rendered());
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("::error file=<stdin>,line=141,col=21,"),
        "{text}"
    );
    assert!(
        lines[1].ends_with(&format!(
            "which defines `v1`, `v2` and `legacy` (Helm template `{VS}`, line 21)%0Ahelp: did you mean `v1` or `v2`?"
        )),
        "{text}"
    );
    assert!(lines[0].contains(&format!("(Helm template `{DR}`, line 23)%0Ahelp: ")));
}

#[test]
fn documents_without_a_source_comment_name_no_template() {
    // A manifest of its own before the rendered chart and after it, as `cat extra.yaml;
    // helm template ...` gives.
    let plain = vs_weight_40("plain", "plain", None);
    let input = format!(
        "{plain}{}---\n# A comment, not a source.\n{plain}",
        rendered()
    );
    let o = run_stdin(&["check", "-", "--format", "json"], &input);
    let report = json(&o);
    let got = located(&report);
    let weight_sum: Vec<_> = got.iter().filter(|f| f.0 == "weight-sum").collect();
    assert_eq!(weight_sum.len(), 3, "{got:?}");
    assert_eq!(weight_sum[0].2, None, "before the chart: {got:?}");
    assert_eq!(
        weight_sum[1].2.as_ref().map(|t| t.0.as_str()),
        Some(VS),
        "{got:?}"
    );
    assert_eq!(weight_sum[2].2, None, "after the chart: {got:?}");
    // No `template` key at all, not `null`.
    for f in findings(&report) {
        if f.get("template").is_none() {
            assert!(!f.as_object().unwrap().contains_key("template"));
        }
    }
    let plain_sarif = run_stdin(&["check", "-", "--format", "sarif"], &plain);
    let result = &json(&plain_sarif)["runs"][0]["results"][0];
    assert!(result.get("properties").is_none(), "{result}");
    let text = stdout(&run_stdin(&["check", "-", "--color", "never"], &plain));
    assert!(!text.contains("Helm template"), "{text}");
    let github = stdout(&run_stdin(&["check", "-", "--format", "github"], &plain));
    assert!(!github.contains("Helm template"), "{github}");
}

#[test]
fn a_source_comment_counts_only_before_the_content() {
    // A `# Source:` below the first content line is a comment of the document, and one
    // after other comments still names the template; CRLF line breaks count as one.
    let late = format!(
        "---\n{}# Source: late/templates/vs.yaml\n",
        vs_weight_40("late", "late", None)
    );
    let early = "---\r\n# Rendered by CI\r\n\r\n# Source: early/templates/vs.yaml\r\n".to_string()
        + &vs_weight_40("early", "early", None).replace('\n', "\r\n");
    let o = run_stdin(&["check", "-", "--format", "json"], &(late + &early));
    let got = located(&json(&o));
    let weight_sum: Vec<_> = got.iter().filter(|f| f.0 == "weight-sum").collect();
    assert_eq!(weight_sum.len(), 2, "{got:?}");
    assert_eq!(weight_sum[0].2, None);
    // `weight: 40` is line 9 of the VirtualService, line 24 of the stream.
    assert_eq!(weight_sum[1].1, 24);
    assert_eq!(
        weight_sum[1].2,
        Some(("early/templates/vs.yaml".to_string(), 9))
    );
}

#[test]
fn a_hostile_template_path_is_escaped() {
    let path = "evil/\u{1b}[31mred\u{7}\u{85}::error file=x::INJECTED\u{202e}%0A.yaml";
    let input = format!(
        "---\n# Source: {path}\n{}",
        vs_weight_40("evil", "evil", None)
    );
    let text = stdout(&run_stdin(&["check", "-", "--color", "never"], &input));
    assert!(
        text.contains(
            "= note: from Helm template `evil/\\x1b[31mred\\x07\\u{85}::error file=x::INJECTED\\u{202e}%0A.yaml`, line 9 of the rendered document"
        ),
        "{text}"
    );
    let github = stdout(&run_stdin(&["check", "-", "--format", "github"], &input));
    assert!(
        github.contains(
            "(Helm template `evil/\\x1b[31mred\\x07\\u{85}::error file=x::INJECTED\\u{202e}%250A.yaml`, line 9)"
        ),
        "{github}"
    );
    for (what, out) in [("text", &text), ("github", &github)] {
        assert!(
            !out.chars().any(|c| c != '\n' && is_unsafe(c)),
            "{what}: {out}"
        );
        assert!(
            out.lines()
                .all(|l| !l.trim_start().starts_with("::error file=x")),
            "{what}: {out}"
        );
    }
    // JSON and SARIF hold the path as JSON escapes, and give it back whole.
    for format in ["json", "sarif"] {
        let o = run_stdin(&["check", "-", "--format", format], &input);
        let out = stdout(&o);
        assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{out}");
        let v = json(&o);
        let template = if format == "json" {
            &findings(&v)[0]["template"]
        } else {
            &v["runs"][0]["results"][0]["properties"]["helmTemplate"]
        };
        assert_eq!(template["path"], path, "{format}");
    }
}

#[test]
fn a_rendered_file_maps_as_standard_input_does() {
    // On its own: the crate's other fixtures are a repository of workloads too.
    let dir = common::Scratch::new("helm-file");
    dir.write("out/shop.yaml", &rendered());
    let o = common::run_in(&dir, &["check", "out/shop.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report = json(&o);
    assert!(findings(&report)
        .iter()
        .all(|f| f["file"] == "out/shop.yaml"));
    let from_stdin = run_stdin(&["check", "-", "--format", "json"], &rendered());
    assert_eq!(located(&report), located(&json(&from_stdin)));
    let text = stdout(&common::run_in(
        &dir,
        &["check", "out/shop.yaml", "--color", "never"],
    ));
    assert!(
        text.contains(&format!(
            "   --> out/shop.yaml:143:7\n    |\n143 |       route:\n    |       ^^^^^\n    |\n    = note: from Helm template `{VS}`, line 23 of the rendered document\n"
        )),
        "{text}"
    );
}
