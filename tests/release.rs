//! What a team pins is what a release publishes: the version in `Cargo.toml` (its one place)
//! is the tag the README's and the example workflow's pins name, the changelog has its
//! entry, the Python package takes it from `Cargo.toml`, and the Action downloads from where
//! the release workflow publishes, under the names it publishes.

mod common;

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::root().join(rel))
        .unwrap_or_else(|e| panic!("{rel} cannot be read: {e}"))
}

/// The value of the first top-level `key = "value"` line of a TOML file.
fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.trim_start().strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').to_string())
    })
}

fn version() -> String {
    toml_string(&read("Cargo.toml"), "version").expect("Cargo.toml has a version")
}

/// Each pin of a release in `text`: `rev: vX`, `uses: canarylint/canarylint@vX`,
/// `version=vX` and `releases/download/vX/` in code, with its line.
fn pins(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start().trim_start_matches("- ");
        for prefix in ["rev: ", "uses: canarylint/canarylint@", "version="] {
            if let Some(v) = t.strip_prefix(prefix) {
                if v.starts_with('v') {
                    found.push((i + 1, v.trim().to_string()));
                }
            }
        }
        let mut rest = line;
        while let Some(at) = rest.find("releases/download/") {
            rest = &rest[at + "releases/download/".len()..];
            let tag: String = rest
                .chars()
                .take_while(|c| !matches!(c, '/' | '"' | ' ' | '`'))
                .collect();
            if tag.starts_with('v') && tag.len() > 1 {
                found.push((i + 1, tag));
            }
        }
    }
    found
}

#[test]
fn every_pin_names_the_version_of_cargo_toml() {
    let tag = format!("v{}", version());
    for file in [
        "README.md",
        "examples/workflows/canarylint.yml",
        "RELEASING.md",
    ] {
        let text = read(file);
        for (line, pinned) in pins(&text) {
            // Placeholders in the release procedure (`vX.Y.Z`) are not pins.
            if pinned.starts_with("vX") {
                continue;
            }
            assert_eq!(pinned, tag, "{file}:{line} pins {pinned}, not {tag}");
        }
    }
    assert!(
        !pins(&read("README.md")).is_empty(),
        "the README shows how to pin a release"
    );
}

#[test]
fn the_changelog_has_an_entry_for_the_version() {
    let changelog = read("CHANGELOG.md");
    assert!(changelog.contains("## [Unreleased]"));
    let heading = format!("## [{}] - ", version());
    assert!(
        changelog.lines().any(|l| l.starts_with(&heading)),
        "CHANGELOG.md has no `{heading}YYYY-MM-DD` entry"
    );
}

#[test]
fn the_python_package_takes_its_version_from_cargo_toml() {
    let pyproject = read("pyproject.toml");
    assert!(pyproject.contains("dynamic = [\"version\"]"), "{pyproject}");
    assert_eq!(toml_string(&pyproject, "version"), None);
    assert!(pyproject.contains("bindings = \"bin\""), "{pyproject}");
    assert_eq!(
        toml_string(&pyproject, "name").as_deref(),
        Some("canarylint")
    );
}

#[test]
fn the_action_downloads_what_the_release_publishes() {
    let repository = toml_string(&read("Cargo.toml"), "repository").unwrap();
    let action = read("action.yml");
    assert!(
        action.contains(&format!(
            "${{CANARYLINT_RELEASE_URL:-{repository}/releases/download}}"
        )),
        "action.yml does not download from {repository}'s releases"
    );
    let dist = read("dist-workspace.toml");
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            dist.contains(&format!("\"{target}\"")),
            "dist builds no {target}"
        );
        assert!(action.contains(target), "action.yml installs no {target}");
    }
    for (setting, value) in [
        ("unix-archive", ".tar.xz"),
        ("windows-archive", ".zip"),
        ("checksum", "sha256"),
    ] {
        assert_eq!(
            toml_string(&dist, setting).as_deref(),
            Some(value),
            "dist-workspace.toml `{setting}`"
        );
    }
    assert!(Path::new(&common::root().join(".github/workflows/release.yml")).is_file());
}
