//! Every rule has `rules/<id>.md`, and every example in it is executed with only that rule
//! enabled: a ```yaml bad``` block must give a finding (exactly the ```text output``` block
//! that follows it, if any), a ```yaml good``` block none. A ```yaml base``` block is the
//! base revision (`--base`) of the examples after it, for change-aware rules.
//! `UPDATE_DOCS=1 cargo test --test rule_docs` rewrites the output blocks.

mod common;

use canarylint::codes::RuleId;
use canarylint::history::Baseline;
use canarylint::render::text;
use canarylint::workspace::WorkspaceOptions;

/// Rules whose findings no YAML text can produce.
const NO_EXAMPLES: &[RuleId] = &[RuleId::IoError, RuleId::InternalError];

struct Block {
    info: String,
    body: String,
    /// Byte range of the whole fenced block in the doc.
    range: std::ops::Range<usize>,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = doc[pos..].find("```") {
        let start = pos + open;
        let Some(nl) = doc[start..].find('\n') else {
            break;
        };
        let info = doc[start + 3..start + nl].trim().to_string();
        let body_start = start + nl + 1;
        let Some(close) = doc[body_start..].find("```") else {
            break;
        };
        let body = doc[body_start..body_start + close].to_string();
        let mut end = body_start + close + 3;
        if doc[end..].starts_with('\n') {
            end += 1;
        }
        out.push(Block {
            info,
            body,
            range: start..end,
        });
        pos = end;
    }
    out
}

fn run(rule: RuleId, yaml: &str, base: Option<&str>) -> (usize, String) {
    // An example of several files (a base and its overlay) marks each with `# file: PATH`.
    let texts = common::split_files("", "example.yaml", yaml);
    let opts = WorkspaceOptions::default();
    let baseline = base.map(|b| {
        let old = [("example.yaml".to_string(), b.to_string())];
        Baseline::from_texts(&old, "origin/main", "a1b2c3d", &opts)
    });
    let outcome = canarylint::lint_texts_against(
        &texts,
        baseline.as_ref(),
        &opts,
        &Default::default(),
        &|id| id == rule,
    );
    let n = outcome
        .diagnostics
        .iter()
        .filter(|d| d.rule == rule)
        .count();
    let rendered = text::render(&outcome.report(), false);
    let summary = text::summary(&outcome.report());
    let body = rendered
        .strip_suffix(&summary)
        .unwrap_or(&rendered)
        .trim_end()
        .to_string();
    (n, body + "\n")
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let dir = common::root().join("rules");
    for id in RuleId::ALL {
        assert!(
            dir.join(format!("{id}.md")).is_file(),
            "rules/{id}.md is missing"
        );
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".md").expect("only .md files in rules/");
        assert!(
            RuleId::from_name(stem).is_some(),
            "rules/{name} documents no rule"
        );
    }
}

#[test]
fn doc_examples_behave_as_documented() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let dir = common::root().join("rules");
    let mut failures = Vec::new();
    for id in RuleId::ALL.iter().copied() {
        let path = dir.join(format!("{id}.md"));
        let doc = std::fs::read_to_string(&path).unwrap();
        assert!(
            doc.starts_with(&format!("# {id}\n")),
            "{id}: the doc must open with `# {id}`"
        );
        for section in ["## What it does", "## Why is this bad?", "## Suppressing"] {
            assert!(doc.contains(section), "{id}: missing `{section}`");
        }
        let blocks = blocks(&doc);
        let (bad, good) = (
            blocks.iter().filter(|b| b.info == "yaml bad").count(),
            blocks.iter().filter(|b| b.info == "yaml good").count(),
        );
        if !NO_EXAMPLES.contains(&id) {
            assert!(
                bad > 0 && good > 0,
                "{id}: needs a ```yaml bad``` and a ```yaml good``` example"
            );
            assert!(
                doc.contains("## Example") && doc.contains("Use instead"),
                "{id}: missing `## Example` / `Use instead`"
            );
        }
        let mut new_doc = doc.clone();
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        let mut base: Option<&str> = None;
        for (i, b) in blocks.iter().enumerate() {
            match b.info.as_str() {
                "yaml base" => base = Some(&b.body),
                "yaml bad" => {
                    let (n, out) = run(id, &b.body, base);
                    if n == 0 {
                        failures.push(format!("{id}: a bad example gives no finding:\n{}", b.body));
                    }
                    let next = blocks.get(i + 1).filter(|n| n.info == "text output");
                    match next {
                        Some(expected) if expected.body != out => {
                            if update {
                                edits.push((
                                    expected.range.clone(),
                                    format!("```text output\n{out}```\n"),
                                ));
                            } else {
                                failures.push(format!(
                                    "{id}: output differs\n--- documented\n{}--- actual\n{out}",
                                    expected.body
                                ));
                            }
                        }
                        None if update && !blocks[..i].iter().any(|p| p.info == "yaml bad") => {
                            edits.push((
                                b.range.end..b.range.end,
                                format!("```text output\n{out}```\n"),
                            ));
                        }
                        _ => {}
                    }
                }
                "yaml good" => {
                    let (n, out) = run(id, &b.body, base);
                    if n > 0 {
                        failures.push(format!("{id}: a good example gives findings:\n{out}"));
                    }
                }
                _ => {}
            }
        }
        if update && !edits.is_empty() {
            for (range, text) in edits.into_iter().rev() {
                new_doc.replace_range(range, &text);
            }
            std::fs::write(&path, new_doc).unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_readme_rule_table_is_the_generated_one() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let table = canarylint::render::rules::markdown();
    assert!(
        readme.contains(&table),
        "README.md's rule table drifted from the rule table; paste the output of `cargo run -- rules --format markdown`:\n{table}"
    );
}
