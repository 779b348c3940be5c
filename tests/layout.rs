//! The layout of `src/rules/`, checked on the source tree: a rule folder holds its rules and
//! a `mod.rs` of module declarations; what rules share lives in `src/model/`, so no rule
//! folder imports another, and rules read manifests through the model's typed views, never
//! the YAML nodes of `crate::yaml`.

use std::fs;
use std::path::{Path, PathBuf};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules")
}

/// The rule folders (`istio`, `flagger`, ...), sorted.
fn areas() -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(rules_dir())
        .expect("src/rules")
        .filter_map(|e| {
            let e = e.ok()?;
            e.file_type().ok()?.is_dir().then_some(())?;
            e.file_name().into_string().ok()
        })
        .collect();
    out.sort();
    out
}

/// The `.rs` files of a folder (not of its subfolders), with their text, sorted.
fn rs_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = fs::read_dir(dir)
        .expect("a source folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| {
            let text = fs::read_to_string(&p).expect("a readable source file");
            (p, text)
        })
        .collect();
    out.sort();
    out
}

/// The `.rs` files of one rule folder, with their text.
fn files_of(area: &str) -> Vec<(PathBuf, String)> {
    rs_files(&rules_dir().join(area))
}

/// Every `.rs` file under `src/rules/`, with its text.
fn all_rule_files() -> Vec<(PathBuf, String)> {
    let mut out = rs_files(&rules_dir());
    out.extend(areas().iter().flat_map(|a| files_of(a)));
    out
}

/// The code of a file, comments left out (doc comments mention paths in prose).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let code = line.split("//").next().unwrap_or("");
        (!code.trim().is_empty()).then_some((i + 1, code))
    })
}

/// The modules a line names under `crate::rules::` or through `super::super::`: `istio` in
/// `crate::rules::istio::percent`, `istio` and `change` in `crate::rules::{istio, change}`.
fn rule_modules_named(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["crate::rules::", "super::super::"] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            rest = &rest[i + prefix.len()..];
            let names = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or(""),
                None => rest,
            };
            for name in names.split(',') {
                let ident: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !ident.is_empty() {
                    out.push(ident);
                }
                if !rest.starts_with('{') {
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn no_rule_folder_imports_another() {
    let areas = areas();
    assert!(areas.len() >= 4, "rule folders: {areas:?}");
    let mut wrong = Vec::new();
    for area in &areas {
        for (path, text) in files_of(area) {
            for (line, code) in code_lines(&text) {
                for module in rule_modules_named(code) {
                    if module != *area && areas.contains(&module) {
                        wrong.push(format!(
                            "{}:{line}: imports `crate::rules::{module}`",
                            path.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a rule folder uses another's code; move what they share to src/model/:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn rule_folders_hold_rules_and_module_declarations() {
    let mut wrong = Vec::new();
    for area in areas() {
        for (path, text) in files_of(&area) {
            let is_mod = path.file_name().is_some_and(|n| n == "mod.rs");
            if is_mod {
                let other =
                    code_lines(&text).find(|(_, code)| !code.trim_start().starts_with("pub mod "));
                if let Some((line, code)) = other {
                    wrong.push(format!(
                        "{}:{line}: `{}`: a rule folder's mod.rs only declares its rules",
                        path.display(),
                        code.trim()
                    ));
                }
            } else if !text.contains("declare_rule!(") {
                wrong.push(format!(
                    "{}: declares no rule; shared code belongs in src/model/",
                    path.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Whether a line of code names the `yaml` module (`crate::yaml::Node`,
/// `use crate::{diagnostic, yaml}`): the word `yaml` outside string literals.
fn names_yaml(code: &str) -> bool {
    // Outside strings: every other piece between double quotes.
    let outside: Vec<&str> = code.split('"').step_by(2).collect();
    outside.iter().any(|piece| {
        piece.match_indices("yaml").any(|(i, _)| {
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(piece[..i].chars().next_back()) && !ident(piece[i + 4..].chars().next())
        })
    })
}

#[test]
fn rules_do_not_read_yaml_nodes() {
    let mut wrong = Vec::new();
    for (path, text) in all_rule_files() {
        for (line, code) in code_lines(&text) {
            if names_yaml(code) {
                wrong.push(format!("{}:{line}: `{}`", path.display(), code.trim()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "rules read manifests through the typed views of src/model/ (add a helper there), not YAML nodes:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_sees_imports() {
    assert_eq!(
        rule_modules_named("use crate::rules::istio::{known_weights, percent};"),
        vec!["istio"]
    );
    assert_eq!(
        rule_modules_named("use crate::rules::{Context, Rule, change};"),
        vec!["Context", "Rule", "change"]
    );
    assert_eq!(
        rule_modules_named("    crate::rules::delivery::schedule::format(&w)"),
        vec!["delivery"]
    );
    assert_eq!(
        rule_modules_named("use super::super::argo::x;"),
        vec!["argo"]
    );
    assert!(rule_modules_named("use crate::model::split::percent;").is_empty());
    assert!(names_yaml("use crate::yaml::Node;"));
    assert!(names_yaml("    let n: &crate::yaml::Node = x;"));
    assert!(names_yaml("use crate::{diagnostic, yaml::Style};"));
    assert!(names_yaml("use crate::{diagnostic, yaml};"));
    assert!(!names_yaml(r#"let s = "```yaml bad";"#));
    assert!(!names_yaml("fn yaml_like() {}"));
}
