//! A bounded fuzz run inside `cargo test`: manifests from the fixtures and the third-party
//! corpus, mutated the ways hostile or broken YAML differs from good YAML (bytes, lines,
//! indentation, tags, anchors, quotes, merge keys, document markers, line breaks), are
//! loaded and linted with every rule. For each mutant: no panic, no `internal-error`, and
//! the same findings with and without the kind pre-scan.
//!
//! `CANARYLINT_FUZZ_CASES` sets the number of mutants (default 3,000) and
//! `CANARYLINT_FUZZ_SEED` the seed; a failing mutant is written to `target/fuzz-failure.yaml`.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use canarylint::codes::RuleId;
use canarylint::config::Policy;
use canarylint::load::LoadOptions;
use canarylint::workspace::WorkspaceOptions;

/// xorshift64*: a small, seeded, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn token(&mut self) -> &'static str {
        TOKENS[self.below(TOKENS.len())]
    }
}

/// Text that changes how YAML reads a line.
const TOKENS: &[&str] = &[
    "\r",
    "\r\n",
    "\n",
    "\t",
    " ",
    "  ",
    "#",
    "- ",
    ": ",
    ":",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\\x6b",
    "&a ",
    "*a",
    "!!str ",
    "! ",
    "!!int ",
    "<<: ",
    "? ",
    "|\n",
    ">-\n",
    "{{ .Values.x }}",
    "{% if x %}",
    "%VAR%",
    "\u{feff}",
    "\u{85}",
    "é",
    "kind: VirtualService\n",
    "kind: DestinationRule\n",
    "kind: Canary\n",
    "kind: Rollout\n",
    "kind: ConfigMap\n",
    "apiVersion: networking.istio.io/v1\n",
    "weight: 0",
    "weight: -5",
    "weight: 1e3",
    "subset: v2",
    "host: \"*\"",
    "null",
    "~",
    "0x10",
    "9999999999999999999",
];

fn char_floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One random edit.
fn mutate_once(rng: &mut Rng, text: &str, other: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = char_floor(text, rng.below(text.len() + 1));
    let line = rng.below(lines.len().max(1));
    let mut out = String::with_capacity(text.len() + 32);
    match rng.below(12) {
        // Insert a token at a byte.
        0 | 1 => {
            out.push_str(&text[..at]);
            out.push_str(rng.token());
            out.push_str(&text[at..]);
        }
        // Delete a few bytes.
        2 => {
            let end = char_floor(text, at + 1 + rng.below(8));
            out.push_str(&text[..at]);
            out.push_str(&text[end..]);
        }
        // Replace a byte with a token.
        3 => {
            let end = char_floor(text, at + 1).max(at);
            let end = if end == at {
                char_floor(text, at + 4)
            } else {
                end
            };
            out.push_str(&text[..at]);
            out.push_str(rng.token());
            out.push_str(&text[end..]);
        }
        // Prefix a line with a token (tags, anchors, quotes on keys).
        4 | 5 => {
            for (i, l) in lines.iter().enumerate() {
                if i == line {
                    let trimmed = l.trim_start();
                    out.push_str(&l[..l.len() - trimmed.len()]);
                    out.push_str(rng.token());
                    out.push_str(trimmed);
                } else {
                    out.push_str(l);
                }
            }
        }
        // Dedent a line to column 0, or indent it.
        6 => {
            for (i, l) in lines.iter().enumerate() {
                if i == line {
                    if rng.below(2) == 0 {
                        out.push_str(l.trim_start());
                    } else {
                        out.push_str("  ");
                        out.push_str(l);
                    }
                } else {
                    out.push_str(l);
                }
            }
        }
        // Duplicate, delete or swap lines.
        7 => {
            for (i, l) in lines.iter().enumerate() {
                out.push_str(l);
                if i == line {
                    out.push_str(l);
                }
            }
        }
        8 => {
            for (i, l) in lines.iter().enumerate() {
                if i != line {
                    out.push_str(l);
                }
            }
        }
        9 => {
            let other_line = rng.below(lines.len().max(1));
            let mut v = lines.clone();
            if !v.is_empty() {
                v.swap(line, other_line);
            }
            v.iter().for_each(|l| out.push_str(l));
        }
        // Splice in lines of another manifest.
        10 => {
            let theirs: Vec<&str> = other.split_inclusive('\n').collect();
            let from = rng.below(theirs.len().max(1));
            let n = 1 + rng.below(6);
            for (i, l) in lines.iter().enumerate() {
                if i == line {
                    theirs
                        .iter()
                        .skip(from)
                        .take(n)
                        .for_each(|t| out.push_str(t));
                }
                out.push_str(l);
            }
        }
        // Change every line break.
        _ => {
            let brk = *rng.pick(&["\r", "\r\n", "\n"]);
            out = text.replace("\r\n", "\n").replace('\n', brk);
        }
    }
    out
}

fn mutate(rng: &mut Rng, text: &str, other: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..1 + rng.below(4) {
        t = mutate_once(rng, &t, other);
    }
    t
}

/// The YAML files under a folder, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if canarylint::walk::is_yaml(&p) {
            out.push(p);
        }
    }
}

/// Seeds: manifests rules read (by their `kind` lines), up to 64 KB each.
fn seeds() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    yaml_files(&common::root().join("fixtures"), &mut files);
    // Without the corpus, the fixtures alone seed the run.
    if let Some(corpus) = common::corpus(
        "mutated_manifests_never_crash_or_differ_with_the_pre_scan",
        "seeded from the fixtures only",
    ) {
        yaml_files(&corpus, &mut files);
    }
    let relevant = [
        "VirtualService",
        "DestinationRule",
        "Canary",
        "Rollout",
        "MetricTemplate",
        "AnalysisTemplate",
        "ServiceEntry",
        "Gateway",
        "Deployment",
    ];
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let keep = text.len() < 64 * 1024
                && relevant
                    .iter()
                    .any(|k| text.contains(&format!("kind: {k}")));
            keep.then_some((p, text))
        })
        .collect()
}

#[test]
fn mutated_manifests_never_crash_or_differ_with_the_pre_scan() {
    let seeds = seeds();
    assert!(seeds.len() > 20, "too few seeds: {}", seeds.len());
    let cases: usize = std::env::var("CANARYLINT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("CANARYLINT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe_f00d);
    eprintln!(
        "fuzz: {cases} mutants of {} manifests, seed {seed}",
        seeds.len()
    );
    let mut rng = Rng(seed | 1);
    let fast = WorkspaceOptions::default();
    let full = WorkspaceOptions {
        load: LoadOptions { full_parse: true },
        ..WorkspaceOptions::default()
    };
    let policy = Policy::default();
    let all = |_: RuleId| true;
    for case in 0..cases {
        let (path, text) = rng.pick(&seeds);
        let (_, other) = rng.pick(&seeds);
        let mutant = mutate(&mut rng, text, other);
        // The mutant beside an untouched manifest of the same folder, for the rules that
        // read more than one resource.
        let mut texts = vec![("mutant.yaml".to_string(), mutant.clone())];
        let sibling = seeds
            .iter()
            .find(|(p, _)| p != path && p.parent() == path.parent());
        if let Some((_, t)) = sibling {
            texts.push(("sibling.yaml".to_string(), t.clone()));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            let a = canarylint::lint_texts(&texts, &fast, &policy, &all);
            let b = canarylint::lint_texts(&texts, &full, &policy, &all);
            let render = |o: &canarylint::Outcome| canarylint::render::json::render(&o.report());
            // The text renderer too must take whatever the rules say of the mutant.
            let text = canarylint::render::text::render(&a.report(), false);
            let internal = a
                .diagnostics
                .iter()
                .find(|d| d.rule == RuleId::InternalError)
                .map(|d| d.message.clone());
            (render(&a), render(&b), internal, text)
        }));
        let failure = match result {
            Err(_) => Some("panicked".to_string()),
            Ok((_, _, Some(internal), _)) => Some(format!("internal error: {internal}")),
            Ok((a, b, None, _)) if a != b => Some(format!(
                "the pre-scan changed the findings:\n{a}\n---- full parse:\n{b}"
            )),
            Ok(_) => None,
        };
        if let Some(why) = failure {
            let out = common::root().join("target/fuzz-failure.yaml");
            let _ = std::fs::write(&out, &mutant);
            panic!(
                "case {case} (seed {seed}), a mutant of {}: {why}\nthe mutant is in {}",
                path.display(),
                out.display()
            );
        }
    }
}
