//! What loading and rendering found, kept between runs: a run takes the files and renders
//! unchanged since the last one from the cache and reports what a run without it reports;
//! a changed file, a damaged cache or `--no-cache` loads and renders again.

#![cfg(unix)] // the cache is told unchanged files by their inode and change time.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{copy_fixture, findings, json, stderr, Scratch};

/// A whole-repository run from `dir`, with its cache in `cache`, and its timings.
fn lint(dir: &Path, cache: &Path, extra: &[&str]) -> Output {
    lint_target(dir, Path::new("."), cache, extra)
}

/// A run from `dir` of `target`, with its cache in `cache`, and its timings.
fn lint_target(dir: &Path, target: &Path, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--timings",
        ])
        .args(extra)
        .arg("--")
        .arg(target)
        .env("CANARYLINT_CACHE_DIR", cache)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// What `--timings` says of the cache: the files it gave and the files there were.
fn from_cache(o: &Output) -> (usize, usize) {
    counted(o, "cache: ")
}

/// What `--timings` says of the cache of renders: the renders it gave and the renders
/// there were.
fn renders_from_cache(o: &Output) -> (usize, usize) {
    counted(o, "renders: ")
}

/// The two counts of the line of `--timings` that starts with `label` ("N of M ...").
fn counted(o: &Output, label: &str) -> (usize, usize) {
    let err = stderr(o);
    let line = err
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} line in {err}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[1..3], ["of", words[2]], "{line}");
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

/// The findings of a run as (file, line, rule), to compare runs.
fn found(o: &Output) -> Vec<(String, u64, String)> {
    let report = json(o);
    findings(&report)
        .iter()
        .map(|f| {
            (
                common::field(f, "file"),
                common::line(f),
                common::field(f, "rule"),
            )
        })
        .collect()
}

/// Files written now are changed "just before" a run for a while (see the cache's note on
/// racily clean files): wait until they no longer are.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(3100));
}

const DESTINATION_RULE: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
    - {name: v1, labels: {version: v1}}
";

const CONFIG_MAP: &str = "apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
";

#[test]
fn unchanged_files_come_from_the_cache_and_the_findings_stay_those_of_a_full_read() {
    let repo = Scratch::new("cache-repo");
    let cache = Scratch::new("cache-dir");
    repo.write(
        "vs.yaml",
        &common::vs_weight_40("reviews", "reviews", Some("v1")),
    );
    repo.write("dr.yaml", DESTINATION_RULE);
    repo.write("cm.yaml", CONFIG_MAP);
    // A duplicate key: a finding of loading itself, kept with the file.
    repo.write(
        "dup.yaml",
        &format!("{DESTINATION_RULE}metadata: {{name: again}}\n"),
    );
    // Rendered Helm output: its findings name their template.
    let helm = common::vs_weight_40("details", "details", None);
    repo.write(
        "helm.yaml",
        &format!("---\n# Source: shop/templates/vs.yaml\n{helm}"),
    );
    // Suppression comments: one that silences its file's finding, one that silences
    // nothing. The runs that do not read these files must still find them.
    repo.write(
        "quiet.yaml",
        &format!(
            "# canarylint: ignore-file[weight-sum] a canary on its way\n{}",
            common::vs_weight_40("payments", "payments", None)
        ),
    );
    repo.write(
        "stale.yaml",
        &format!("# canarylint: ignore-file[missing-subset] long fixed\n{DESTINATION_RULE}")
            .replace("reviews", "stale"),
    );
    settle();
    let full = lint(&repo, &cache, &["--no-cache"]);
    assert!(stderr(&full).contains("cache: off"), "{}", stderr(&full));
    let expected = found(&full);
    let rules: Vec<&str> = expected.iter().map(|f| f.2.as_str()).collect();
    assert!(
        rules.contains(&"weight-sum") && rules.contains(&"duplicate-key"),
        "{expected:?}"
    );
    assert!(
        expected
            .iter()
            .any(|f| f.0 == "stale.yaml" && f.2 == "unused-suppression"),
        "{expected:?}"
    );
    assert!(
        !expected.iter().any(|f| f.0 == "quiet.yaml"),
        "{expected:?}"
    );
    let report = json(&full);
    let from_helm = findings(&report).iter().find(|f| f["file"] == "helm.yaml");
    assert!(
        from_helm.is_some_and(|f| f["template"]["path"] == "shop/templates/vs.yaml"),
        "{report}"
    );
    assert_eq!(
        common::file_names(&cache),
        Vec::<String>::new(),
        "--no-cache wrote a cache"
    );

    // The first run reads everything; the second takes the file without resources from
    // the cache, and sees the others unchanged; the third takes them all.
    let runs: Vec<Output> = (0..3).map(|_| lint(&repo, &cache, &[])).collect();
    let counts: Vec<(usize, usize)> = runs.iter().map(from_cache).collect();
    assert_eq!(counts, [(0, 7), (1, 7), (7, 7)]);
    for run in &runs {
        assert_eq!(found(run), expected);
        assert_eq!(run.stdout, full.stdout);
    }
    // A run that takes every file from the cache leaves the file as it is; one that loads
    // a file again replaces it.
    let written = || {
        use std::os::unix::fs::MetadataExt;
        let names = common::file_names(&cache);
        let m = std::fs::metadata(cache.join(&names[0])).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let before = written();
    let again = lint(&repo, &cache, &[]);
    assert_eq!(from_cache(&again), (7, 7));
    assert_eq!(written(), before, "an unchanged run wrote the cache again");

    // Changed files are loaded again: the finding moves with the broken VirtualService.
    repo.write(
        "vs.yaml",
        &common::vs_weight_40("reviews", "reviews", Some("v1")).replace("40", "100"),
    );
    repo.write("cm.yaml", &common::vs_weight_40("ratings", "ratings", None));
    let changed = lint(&repo, &cache, &[]);
    assert_eq!(from_cache(&changed), (5, 7));
    assert_ne!(
        written(),
        before,
        "a run that loaded files again kept the old cache"
    );
    let now = found(&lint(&repo, &cache, &["--no-cache"]));
    assert_eq!(found(&changed), now);
    assert!(
        now.iter().any(|f| f.0 == "cm.yaml" && f.2 == "weight-sum"),
        "{now:?}"
    );
    assert!(
        !now.iter().any(|f| f.0 == "vs.yaml" && f.2 == "weight-sum"),
        "{now:?}"
    );

    // A damaged cache is no cache. Without kustomizations, there is no cache of renders.
    let names = common::file_names(&cache);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("load-"), "{names:?}");
    let file = cache.join(&names[0]);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = lint(&repo, &cache, &[]);
    assert_eq!(from_cache(&damaged).0, 0);
    assert_eq!(found(&damaged), now);
}

#[test]
fn runs_spelled_alike_share_the_cache_and_runs_spelled_otherwise_do_not_empty_it() {
    let repo = Scratch::new("cache-spelling");
    let cache = Scratch::new("cache-spelling-dir");
    common::git(&repo, &["init", "-q"]);
    let vs = repo.write(
        "vs.yaml",
        &common::vs_weight_40("reviews", "reviews", Some("v1")),
    );
    repo.write("dr.yaml", DESTINATION_RULE);
    repo.write("cm.yaml", CONFIG_MAP);
    settle();
    let whole = |extra: &[&str]| lint_target(&repo, &repo, &cache, extra);
    let full = whole(&["--no-cache"]);
    // A file with resources is kept once a second run has seen it.
    for _ in 0..2 {
        whole(&[]);
    }
    assert_eq!(from_cache(&whole(&[])), (3, 3));
    // One file given by its absolute path, as an editor gives it: the rest of the
    // repository is spelled as the whole run spelled it, and every file comes from the
    // cache, from the repository's directory and from elsewhere.
    let one = lint_target(&repo, &vs, &cache, &[]);
    assert_eq!(from_cache(&one), (3, 3), "{}", stderr(&one));
    let elsewhere = lint_target(&std::env::temp_dir(), &vs, &cache, &[]);
    assert_eq!(from_cache(&elsewhere), (3, 3), "{}", stderr(&elsewhere));
    // A run spelled from the working directory keeps a cache of its own, and the absolute
    // one is still whole after it.
    assert_eq!(from_cache(&lint(&repo, &cache, &[])), (0, 3));
    assert_eq!(
        from_cache(&lint_target(&repo, Path::new("vs.yaml"), &cache, &[])).1,
        3
    );
    let again = whole(&[]);
    assert_eq!(from_cache(&again), (3, 3));
    assert_eq!(found(&again), found(&full));
}

#[test]
fn a_file_changed_just_before_a_run_is_loaded_again_by_the_next() {
    let repo = Scratch::new("cache-racy");
    let cache = Scratch::new("cache-racy-dir");
    repo.write("cm.yaml", CONFIG_MAP);
    // Written now: twice read, never taken from the cache (a write in the same clock step
    // could leave its times as they are).
    assert_eq!(from_cache(&lint(&repo, &cache, &[])), (0, 1));
    assert_eq!(from_cache(&lint(&repo, &cache, &[])), (0, 1));
    settle();
    assert_eq!(from_cache(&lint(&repo, &cache, &[])), (0, 1));
    assert_eq!(from_cache(&lint(&repo, &cache, &[])), (1, 1));
}

#[test]
fn unchanged_renders_come_from_the_cache_and_a_change_to_any_file_they_asked_of_renders_again() {
    let repo = Scratch::new("cache-overlays");
    let cache = Scratch::new("cache-overlays-dir");
    // Two overlays of one base; prod's JSON 6902 patch inverts the split.
    copy_fixture("overlays/json6902-inverts", &repo, "");
    settle();
    let full = lint(&repo, &cache, &["--no-cache"]);
    assert!(
        found(&full)
            .iter()
            .any(|f| f.0 == "overlays/prod/weights.yaml" && f.2 == "inverted-split"),
        "{:?}",
        found(&full)
    );
    // The first run renders; the second keeps what it rendered; the third takes it.
    let runs: Vec<Output> = (0..3).map(|_| lint(&repo, &cache, &[])).collect();
    let counts: Vec<(usize, usize)> = runs.iter().map(renders_from_cache).collect();
    assert_eq!(counts, [(0, 2), (0, 2), (2, 2)]);
    for run in &runs {
        assert_eq!(run.stdout, full.stdout);
    }
    let names = common::file_names(&cache);
    assert_eq!(names.len(), 2, "{names:?}");

    // A file a render read changes, keeping its length: that render is made again, the
    // other is taken.
    let weights = std::fs::read_to_string(repo.join("overlays/prod/weights.yaml")).unwrap();
    let swapped = weights
        .replace("value: 95", "value: @")
        .replace("value: 5", "value: 95")
        .replace("value: @", "value: 5");
    assert_eq!((swapped.len(), swapped != weights), (weights.len(), true));
    repo.write("overlays/prod/weights.yaml", &swapped);
    let fixed = lint(&repo, &cache, &[]);
    assert_eq!(renders_from_cache(&fixed), (1, 2));
    let now = lint(&repo, &cache, &["--no-cache"]);
    assert_eq!(fixed.stdout, now.stdout);
    assert!(
        !found(&now).iter().any(|f| f.2 == "inverted-split"),
        "{:?}",
        found(&now)
    );

    // A file a render found missing appears: the render that asked is made again.
    repo.write(
        "overlays/staging/kustomization.yaml",
        "namespace: shop\nresources: [../../base, extra.yaml]\n",
    );
    settle();
    let missing = lint(&repo, &cache, &[]);
    assert!(
        found(&missing).iter().any(|f| f.2 == "overlay-build-error"),
        "{:?}",
        found(&missing)
    );
    let runs: Vec<Output> = (0..2).map(|_| lint(&repo, &cache, &[])).collect();
    assert_eq!(renders_from_cache(&runs[1]), (2, 2));
    assert_eq!(runs[1].stdout, missing.stdout);
    repo.write("overlays/staging/extra.yaml", CONFIG_MAP);
    let appeared = lint(&repo, &cache, &[]);
    assert_eq!(renders_from_cache(&appeared), (1, 2));
    assert_eq!(appeared.stdout, lint(&repo, &cache, &["--no-cache"]).stdout);
    assert!(
        !found(&appeared)
            .iter()
            .any(|f| f.2 == "overlay-build-error"),
        "{:?}",
        found(&appeared)
    );

    // A damaged cache of renders is none: everything is rendered again.
    let renders = names.iter().find(|n| n.starts_with("render-")).unwrap();
    let file = cache.join(renders);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
    let damaged = lint(&repo, &cache, &[]);
    assert_eq!(renders_from_cache(&damaged), (0, 2));
    assert_eq!(damaged.stdout, appeared.stdout);
}

/// How many of the renders the cache gave a run took by their outline alone (`--timings`).
fn outlined(o: &Output) -> usize {
    let err = stderr(o);
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("renders: "))
        .unwrap_or_else(|| panic!("no renders line in {err}"));
    line.split_once(" (")
        .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_run_given_some_files_takes_the_renders_it_reports_nothing_of_by_their_outline() {
    let repo = Scratch::new("cache-outlines");
    let cache = Scratch::new("cache-outlines-dir");
    // One base, rendered into `shop` and `books`, and into an overlay that fails; an
    // overlay of its own; a DestinationRule of `shop` outside the renders, without the
    // subset `v2` the base routes to; an unreadable VirtualService CRD that only rendered
    // documents use.
    repo.write("base/kustomization.yaml", "resources: [vs.yaml]\n");
    let weights = common::root().join("fixtures/rules/weight-sum/bad.yaml");
    repo.write("base/vs.yaml", &std::fs::read_to_string(weights).unwrap());
    for (overlay, namespace, more) in [
        ("shop", "shop", ""),
        ("books", "books", ""),
        ("broken", "books", ", missing.yaml"),
    ] {
        repo.write(
            &format!("overlays/{overlay}/kustomization.yaml"),
            &format!("namespace: {namespace}\nresources: [../../base{more}]\n"),
        );
    }
    repo.write(
        "overlays/alone/kustomization.yaml",
        "namespace: other\nresources: [vs.yaml]\n",
    );
    repo.write(
        "overlays/alone/vs.yaml",
        &std::fs::read_to_string(repo.join("base/vs.yaml")).unwrap(),
    );
    repo.write("apps/dr.yaml", DESTINATION_RULE);
    repo.write(
        "crds/vs.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: virtualservices.networking.istio.io\nspec:\n  group: networking.istio.io\n  names: {kind: VirtualService}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema: &s {type: object}\n  - name: v1beta1\n    schema:\n      openAPIV3Schema: *s\n",
    );
    common::git(&repo, &["init", "-q"]);
    settle();
    let whole = found(&lint(&repo, &cache, &["--no-cache"]));
    for (file, rule) in [
        ("base/vs.yaml", "weight-sum"),
        ("base/vs.yaml", "missing-subset"),
        ("overlays/broken/kustomization.yaml", "overlay-build-error"),
        ("crds/vs.yaml", "skipped-file"),
    ] {
        assert!(
            whole.iter().any(|f| f.0 == file && f.2 == rule),
            "{file} {rule}: {whole:?}"
        );
    }
    // The second run keeps the renders.
    for _ in 0..2 {
        lint(&repo, &cache, &[]);
    }
    // Given one file, a run takes by their outline the renders that read none of its files
    // (nor a file of a render that read one: the base of the three) and whose overlays see
    // none of its namespaces (the DestinationRule's is `shop`'s), and reports what a run
    // without the cache reports. The CRD is used by rendered documents only.
    for (file, outlines) in [
        ("base/vs.yaml", 1),
        ("base/kustomization.yaml", 1),
        ("apps/dr.yaml", 3),
        ("overlays/shop/kustomization.yaml", 1),
        ("overlays/broken/kustomization.yaml", 1),
        ("overlays/alone/kustomization.yaml", 3),
        // Its VirtualService names `shop` (the overlay sets another): `shop` is made.
        ("overlays/alone/vs.yaml", 2),
        ("crds/vs.yaml", 4),
    ] {
        let target = Path::new(file);
        let cached = lint_target(&repo, target, &cache, &[]);
        let fresh = lint_target(&repo, target, &cache, &["--no-cache"]);
        assert_eq!(
            String::from_utf8_lossy(&cached.stdout),
            String::from_utf8_lossy(&fresh.stdout),
            "{file}"
        );
        assert_eq!(renders_from_cache(&cached), (4, 4), "{file}");
        assert_eq!(outlined(&cached), outlines, "{file}: {}", stderr(&cached));
        let shown = found(&fresh);
        let expected = match file {
            "apps/dr.yaml" => Some(("base/vs.yaml", "missing-subset")),
            "crds/vs.yaml" => Some(("crds/vs.yaml", "skipped-file")),
            "overlays/broken/kustomization.yaml" => Some((file, "overlay-build-error")),
            _ => None,
        };
        if let Some((at, rule)) = expected {
            assert!(
                shown.iter().any(|f| f.0 == at && f.2 == rule),
                "{file}: {shown:?}"
            );
        }
    }
    // The renders taken by their outline stay in the cache.
    let again = lint(&repo, &cache, &[]);
    assert_eq!((renders_from_cache(&again), outlined(&again)), ((4, 4), 0));
}

/// `canarylint clean` with the cache directory `cache`, and its output.
fn clean(cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canarylint"))
        .arg("clean")
        .args(extra)
        .env("CANARYLINT_CACHE_DIR", cache)
        .output()
        .expect("the binary runs")
}

#[test]
fn clean_removes_the_caches_and_nothing_else_of_their_directory() {
    let repo = Scratch::new("clean-repo");
    let cache = Scratch::new("clean-dir");
    copy_fixture("overlays/json6902-inverts", &repo, "");
    settle();
    for _ in 0..2 {
        assert!(lint(repo.path(), cache.path(), &[]).status.success());
    }
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let caches = names(cache.path());
    assert!(
        caches.iter().any(|n| n.starts_with("load-"))
            && caches.iter().any(|n| n.starts_with("render-")),
        "{caches:?}"
    );
    // Another program's files, named like caches or not, a link, and a run's empty draft.
    cache.write("notes.txt", "mine\n");
    cache.write("load-0123456789abcdef", "not a cache\n");
    cache.write("load-0123456789abcdef.bak", "canarylint load cache 7\n");
    cache.write("render-0123456789abcdef.tmp41-2", "");
    std::os::unix::fs::symlink(
        cache.path().join(&caches[0]),
        cache.path().join("render-fedcba9876543210"),
    )
    .unwrap();

    let dry = clean(cache.path(), &["--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let listed = String::from_utf8_lossy(&dry.stdout).into_owned();
    let n = caches.len() + 1;
    assert!(
        listed.contains(&format!("would remove {n} cache files (")),
        "{listed}"
    );
    assert!(
        listed.contains("render-0123456789abcdef.tmp41-2\n"),
        "{listed}"
    );
    for kept in ["notes.txt", "load-0123456789abcdef\n", ".bak", "fedcba"] {
        assert!(!listed.contains(kept), "{kept} in {listed}");
    }
    assert_eq!(
        names(cache.path()).len(),
        caches.len() + 5,
        "a dry run removes nothing"
    );

    let done = clean(cache.path(), &[]);
    assert!(done.status.success(), "{}", stderr(&done));
    let said = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(
        said.starts_with(&format!("removed {n} cache files (")),
        "{said}"
    );
    assert_eq!(
        names(cache.path()),
        [
            "load-0123456789abcdef",
            "load-0123456789abcdef.bak",
            "notes.txt",
            "render-fedcba9876543210",
        ]
    );
    // The link's target was one of the caches: left as a dangling link, not followed.
    let again = clean(cache.path(), &[]);
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("no cache files in "));
    // A run after it builds its caches anew.
    let first = lint(repo.path(), cache.path(), &[]);
    assert_eq!(from_cache(&first).0, 0);
}
