//! Per-phase benchmarks (`cargo bench`): discover, load, index, check and render, on the
//! third-party corpus in `../shared/corpus/real` (skipped where it is absent), discovery of
//! a generated tree with 2,000 symlinks and of a chain of 60 linked directories, and text
//! rendering of 10,000 findings in one 1 MB file. Whole-tree figures beside the read and
//! parse floors come from `bench/run`.

use std::path::PathBuf;
use std::sync::Arc;

use canarylint::codes::RuleId;
use canarylint::diagnostic::Diagnostic;
use canarylint::load;
use canarylint::render::{text, RepoPath, RepoPaths, Report};
use canarylint::source::{SourceFile, Span};
use canarylint::walk::{self, Target};
use canarylint::workspace::{Stats, Workspace, WorkspaceOptions};
use canarylint::{Linter, Settings};
use divan::Bencher;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    p.is_dir().then_some(p)
}

fn targets() -> Vec<Target> {
    let Some(dir) = corpus() else {
        return Vec::new();
    };
    walk::discover(&[dir], &globset::GlobSet::empty())
        .expect("corpus walks")
        .targets
}

fn main() {
    if corpus().is_none() {
        eprintln!("note: ../shared/corpus/real is absent; only the render benchmark has data");
    }
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn discover(b: Bencher) {
    let Some(dir) = corpus() else { return };
    b.bench(|| {
        walk::discover(std::slice::from_ref(&dir), &globset::GlobSet::empty())
            .map(|d| d.targets.len())
    });
}

/// A tree of 20,000 files and 2,000 symlinks to files in it. Whether a file was reached
/// through a link the walk followed is asked of every file: the cost must not grow with
/// the number of links.
#[cfg(unix)]
#[divan::bench(sample_count = 10)]
fn discover_with_2000_links(b: Bencher) {
    let dir = scratch_repository("links");
    for d in 0..200 {
        let app = dir.join(format!("apps/app{d}"));
        config_maps(&app, d, 100);
        std::fs::create_dir_all(app.join("shared")).expect("a scratch directory");
        for l in 0..10 {
            let to = format!("../../app{}/cm{l}.yaml", (d + 1) % 200);
            std::os::unix::fs::symlink(to, app.join(format!("shared/link{l}.yaml")))
                .expect("a scratch link");
        }
    }
    bench_discover(b, &dir);
}

/// A chain of 60 directories of 20 files, each with a link to the next
/// (`app0/next -> ../app1`): each directory is walked once, not once along every path
/// through the chain.
#[cfg(unix)]
#[divan::bench(sample_count = 10)]
fn discover_a_chain_of_60_linked_directories(b: Bencher) {
    let dir = scratch_repository("chain");
    for d in 0..60 {
        let app = dir.join(format!("app{d}"));
        config_maps(&app, d, 20);
        if d + 1 < 60 {
            std::os::unix::fs::symlink(format!("../app{}", d + 1), app.join("next"))
                .expect("a scratch link");
        }
    }
    bench_discover(b, &dir);
}

/// An empty repository in a scratch directory named for `what` and this process.
#[cfg(unix)]
fn scratch_repository(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canarylint-bench-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).expect("a scratch directory");
    dir
}

/// `count` ConfigMaps in `dir`, one a file, named for the directory's number `d`.
#[cfg(unix)]
fn config_maps(dir: &std::path::Path, d: usize, count: usize) {
    std::fs::create_dir_all(dir).expect("a scratch directory");
    for f in 0..count {
        let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{d}-{f}\n");
        std::fs::write(dir.join(format!("cm{f}.yaml")), text).expect("a scratch file");
    }
}

/// Discovers the scratch repository `dir`, then removes it.
#[cfg(unix)]
fn bench_discover(b: Bencher, dir: &std::path::Path) {
    b.bench(|| {
        walk::discover(&[dir.to_path_buf()], &globset::GlobSet::empty()).map(|d| d.targets.len())
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[divan::bench(sample_count = 10)]
fn load(b: Bencher) {
    let t = targets();
    let opts = WorkspaceOptions::default();
    b.bench(|| {
        t.iter()
            .map(|t| load::load_target(t.clone(), opts.load).documents)
            .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10)]
fn index(b: Bencher) {
    let t = targets();
    let opts = WorkspaceOptions::default();
    b.with_inputs(|| {
        t.iter()
            .map(|t| load::load_target(t.clone(), opts.load))
            .collect::<Vec<_>>()
    })
    .bench_values(|loaded| Workspace::from_loaded(loaded, &opts).stats.resources);
}

#[divan::bench(sample_count = 10)]
fn check(b: Bencher) {
    let ws = Workspace::load(&targets(), &WorkspaceOptions::default());
    let linter = Linter::new(Settings::default(), None);
    b.bench(|| linter.check(&ws).len());
}

/// 10,000 findings in one 1 MB file, rendered as text.
#[divan::bench(sample_count = 10)]
fn render_10k_findings_in_1mb(b: Bencher) {
    let mut text = String::new();
    let mut spans = Vec::new();
    while text.len() < 1_000_000 {
        let start = text.len() + "          weight: ".len();
        text.push_str("          weight: 50 # a line of a large generated VirtualService\n");
        spans.push(Span::new(start, start + 2));
    }
    let file = SourceFile::new(
        PathBuf::from("big.yaml"),
        "big.yaml".into(),
        Arc::from(text),
    );
    let step = spans.len() / 10_000;
    let diags: Vec<Diagnostic> = (0..10_000)
        .map(|i| {
            Diagnostic::new(
                RuleId::WeightSum,
                0,
                spans[i * step],
                "the weights add up to 150, not 100",
            )
            .help("make them add up to 100")
        })
        .collect();
    let files = [file];
    let repo = RepoPaths {
        root: None,
        paths: vec![RepoPath::Relative("big.yaml".to_string())],
    };
    let report = Report {
        diagnostics: &diags,
        files: &files,
        stats: Stats::default(),
        repo: &repo,
    };
    b.bench(|| text::render(&report, false).len());
}
