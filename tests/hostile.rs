//! Hostile input: nothing crashes the run, hangs it, or makes it skip a file or a
//! resource without a visible note. Each test builds its input in a temporary directory.

mod common;

use std::path::{Path, PathBuf};

/// A directory under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("canarylint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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
    let o = common::run_in(dir, args);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
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
