//! Kustomize overlays: each pitfall of `fixtures/overlays/`, linted as the overlays render
//! it, with every finding at the file and line of the base or patch that caused it.

mod common;

use common::{copy_fixture, field, findings, git, json, line, run, run_in, Scratch};

/// The findings of `canarylint check PATH` as (rule, file, line, message).
fn check(path: &str) -> Vec<(String, String, u64, String)> {
    found(&run(&json_check(path)))
}

/// `check PATH` in JSON, never failing.
fn json_check(path: &str) -> [&str; 7] {
    [
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--",
        path,
    ]
}

/// The findings of a run as (rule, file, line, message).
fn found(o: &std::process::Output) -> Vec<(String, String, u64, String)> {
    findings(&json(o))
        .iter()
        .map(|f| {
            (
                field(f, "rule"),
                field(f, "file"),
                line(f),
                field(f, "message"),
            )
        })
        .collect()
}

/// The (rule, file, line) of findings, with the fixture's directory left out of the file.
/// The fixtures split traffic by hand, which `manual-weight-split` notes everywhere.
fn places(dir: &str, found: &[(String, String, u64, String)]) -> Vec<(String, String, u64)> {
    found
        .iter()
        .filter(|(rule, ..)| rule != "manual-weight-split")
        .map(|(rule, file, line, _)| {
            let file = file.strip_prefix(dir).unwrap_or(file).to_string();
            (rule.clone(), file, *line)
        })
        .collect()
}

fn row(rule: &str, file: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), file.to_string(), line)
}

#[test]
fn a_json6902_patch_that_inverts_the_split_is_found_at_the_patch() {
    let dir = "fixtures/overlays/json6902-inverts/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [row("inverted-split", "overlays/prod/weights.yaml", 7)],
        "{found:#?}"
    );
    // The finding is in prod's own patch: where it is says which overlay. The base's
    // split, which both overlays render, names each.
    let inverted = found.iter().find(|f| f.0 == "inverted-split").unwrap();
    assert!(
        inverted
            .3
            .ends_with("roles told by name, `stable` and `canary`"),
        "{found:#?}"
    );
    let notes: Vec<&str> = found
        .iter()
        .filter(|f| f.0 == "manual-weight-split")
        .map(|f| f.3.as_str())
        .collect();
    assert_eq!(notes.len(), 2, "{found:#?}");
    assert!(notes
        .iter()
        .any(|m| m.contains("`stable` 5 and `canary` 95")
            && m.ends_with("(in overlay `fixtures/overlays/json6902-inverts/overlays/prod`)")));
    assert!(notes
        .iter()
        .any(|m| m.contains("`stable` 95 and `canary` 5")
            && m.ends_with("(in overlay `fixtures/overlays/json6902-inverts/overlays/staging`)")));
}

#[test]
fn a_strategic_merge_patch_that_drops_a_route_is_found() {
    let dir = "fixtures/overlays/smp-drops-route/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [row("patch-drops-routes", "overlays/prod/weights.yaml", 7)],
        "{found:#?}"
    );
    let message = &found
        .iter()
        .find(|f| f.0 == "patch-drops-routes")
        .unwrap()
        .3;
    assert!(
        message.contains("route `qa-header`") && message.contains("base/reviews.yaml:8"),
        "{message}"
    );
}

#[test]
fn a_patch_file_is_not_linted_as_a_whole_resource() {
    // As written, the patch is a second DestinationRule for `reviews` without subsets.
    let dir = "fixtures/overlays/patch-not-linted/";
    let found = check(dir);
    assert_eq!(places(dir, &found), [], "{found:#?}");
}

#[test]
fn an_overlay_path_reads_its_base() {
    let dir = "fixtures/overlays/follows-base/";
    // The overlay alone: its VirtualService's subset is defined by the base.
    let found = check(&format!("{dir}overlays/prod"));
    assert_eq!(
        places(dir, &found),
        [row("missing-subset", "base/virtualservice.yaml", 11)],
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.3.contains("DestinationRule `shop/reviews`")),
        "{found:#?}"
    );
    assert!(
        found[0]
            .3
            .ends_with("(in overlay `fixtures/overlays/follows-base/overlays/prod`)"),
        "{found:#?}"
    );
    // The whole repository: the base is linted as each overlay renders it, and the same
    // finding in both is reported once.
    let all = check(dir);
    assert_eq!(places(dir, &all), places(dir, &found));
    let names = "(in overlays `fixtures/overlays/follows-base/overlays/prod`, `fixtures/overlays/follows-base/overlays/staging`)";
    assert!(all[0].3.ends_with(names), "{all:#?}");
}

#[test]
fn a_floating_destinationrule_is_checked_where_the_overlay_puts_it() {
    let dir = "fixtures/overlays/floating-export/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [row("missing-subset", "frontend/virtualservice.yaml", 10)],
        "{found:#?}"
    );
}

#[test]
fn a_name_prefix_renames_the_service_but_not_the_hosts() {
    let dir = "fixtures/overlays/name-prefix/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [row("host-not-found", "base/reviews.yaml", 18)],
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.3.contains("`prod-reviews`")),
        "{found:#?}"
    );
}

#[test]
fn build_errors_are_found_where_kustomize_fails() {
    let dir = "fixtures/overlays/build-errors/";
    let found = check(dir);
    let mut got = places(dir, &found);
    got.sort();
    assert_eq!(
        got,
        [
            row(
                "overlay-build-error",
                "overlays/missing/kustomization.yaml",
                2
            ),
            row("overlay-build-error", "overlays/no-match/ratings.yaml", 2),
            row("overlay-build-error", "overlays/path/kustomization.yaml", 6),
        ],
        "{found:#?}"
    );
}

#[test]
fn what_cannot_be_rendered_is_a_note_and_the_files_are_linted_as_written() {
    let dir = "fixtures/overlays/unsupported/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [
            row("skipped-file", "kustomization.yaml", 2),
            row("weight-sum", "reviews.yaml", 11),
        ],
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.3.contains("`helmCharts`")),
        "{found:#?}"
    );
}

#[test]
fn from_inside_an_overlay_its_base_is_named_by_the_overlay() {
    let dir = common::root().join("fixtures/overlays/follows-base/overlays/prod");
    let o = common::run_in(
        &dir,
        &["check", "--format", "json", "--fail-on", "never", "."],
    );
    let report = json(&o);
    let found: Vec<(String, String)> = findings(&report)
        .iter()
        .filter(|f| field(f, "rule") == "missing-subset")
        .map(|f| (field(f, "file"), field(f, "message")))
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "../../base/virtualservice.yaml");
    assert!(found[0].1.ends_with("(in overlay `.`)"), "{found:#?}");
}

#[test]
fn an_overlay_sees_the_manifests_applied_beside_it() {
    // The DestinationRule is outside every kustomization, in the overlay's namespace: `v1`
    // is found there, and `v2` is reported as missing from it (not from nowhere).
    let dir = "fixtures/overlays/outside-context/";
    let found = check(dir);
    assert_eq!(
        places(dir, &found),
        [row("missing-subset", "app/virtualservice.yaml", 11)],
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.3.contains("DestinationRule `shop/reviews` (fixtures/overlays/outside-context/istio/destinationrule.yaml:5)")),
        "{found:#?}"
    );
}

/// Copies the fixture directories `dirs` (under `fixtures/overlays/`) into a new git
/// repository, each below its own name.
fn repository_of(tag: &str, dirs: &[&str]) -> Scratch {
    let repo = Scratch::new(tag);
    for dir in dirs {
        copy_fixture(&format!("overlays/{dir}"), &repo, &format!("{dir}/"));
    }
    git(&repo, &["init", "-q"]);
    repo
}

/// The (rule, file, line) of the findings of a run given `file` in `repo`.
fn given(repo: &Scratch, file: &str) -> Vec<(String, String, u64)> {
    places("", &found(&run_in(repo, &json_check(file))))
}

#[test]
fn a_run_given_a_manifest_an_overlay_sees_reports_what_the_overlay_finds_of_it() {
    let repo = repository_of(
        "overlay-sees-given",
        &["outside-context", "json6902-inverts"],
    );
    // The overlay reads none of the files given, but it sees the DestinationRule in its
    // namespace, and its finding names it.
    assert_eq!(
        given(&repo, "outside-context/istio/destinationrule.yaml"),
        [row(
            "missing-subset",
            "outside-context/app/virtualservice.yaml",
            11
        )]
    );
    // Given a file of another overlay, nothing of this one is reported.
    let found = given(&repo, "json6902-inverts/base/reviews.yaml");
    assert!(
        !found.is_empty() && found.iter().all(|f| !f.1.contains("outside-context")),
        "{found:#?}"
    );
}
