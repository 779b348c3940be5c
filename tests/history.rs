//! `--base REV`: each split compared with its previous revision, in temporary git
//! repositories with a history. Commits use fixed dates, so their shas (which messages
//! show) are stable.

mod common;

use std::path::Path;
use std::process::Output;

use common::{git, run_in as canarylint, stderr, stdout, Scratch};

/// (rule, line, message) of each finding of the JSON output.
fn findings(o: &Output) -> Vec<(String, u64, String)> {
    common::findings(&common::json(o))
        .iter()
        .map(|f| {
            (
                common::field(f, "rule"),
                common::line(f),
                common::field(f, "message"),
            )
        })
        .collect()
}

fn jumps(dir: &Path, base: &str) -> Vec<(String, u64, String)> {
    let o = canarylint(
        dir,
        &[
            "check",
            "--base",
            base,
            "--select",
            "weight-jump,weight-rollback-incomplete",
            "--format",
            "json",
        ],
    );
    findings(&o)
}

fn split(v1: u32, v2: u32) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: checkout
  namespace: shop
spec:
  hosts: [checkout]
  http:
    - name: default
      route:
        - destination: {{host: checkout, subset: v1}}
          weight: {v1}
        - destination: {{host: checkout, subset: v2}}
          weight: {v2}
"
    )
}

const DR: &str = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: checkout
  namespace: shop
spec:
  host: checkout
  subsets:
    - name: v1
      labels: {version: v1}
    - name: v2
      labels: {version: v2}
";

fn repo(tag: &str) -> Scratch {
    let d = Scratch::new(&format!("history-{tag}"));
    git(&d, &["init", "-q"]);
    d
}

fn commit(d: &Path, files: &[(&str, &str)], msg: &str) {
    for (path, text) in files {
        let p = d.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", msg]);
}

const VS_PATH: &str = "apps/checkout/virtualservice.yaml";

/// 100/0 -> 90/10 -> 1/99.
fn incident(tag: &str) -> Scratch {
    let d = repo(tag);
    commit(
        &d,
        &[
            (VS_PATH, &split(100, 0)),
            ("apps/checkout/destinationrule.yaml", DR),
        ],
        "v1 only",
    );
    commit(&d, &[(VS_PATH, &split(90, 10))], "canary at 10%");
    commit(&d, &[(VS_PATH, &split(1, 99))], "canary at 99%");
    d
}

#[test]
fn the_jump_to_99_is_reported_and_the_step_to_10_is_not() {
    let d = incident("incident");
    let got = jumps(&d, "HEAD~1");
    assert_eq!(got.len(), 1, "{got:?}");
    let (rule, line, msg) = &got[0];
    assert_eq!((rule.as_str(), *line), ("weight-jump", 14));
    assert!(
        msg.contains("canary `v2` 10% → 99% (+89) since HEAD~1 ("),
        "{msg}"
    );
    // The same history, one commit earlier: 100/0 -> 90/10 is within `max-step`.
    git(&d, &["checkout", "-q", "HEAD~1"]);
    assert_eq!(jumps(&d, "HEAD~1"), vec![]);
    // `--changed-since` implies `--base`.
    git(&d, &["checkout", "-q", "main"]);
    let o = canarylint(
        &d,
        &[
            "check",
            "--changed-since",
            "HEAD~1",
            "--select",
            "weight-jump",
            "--format",
            "json",
        ],
    );
    assert_eq!(findings(&o).len(), 1);
}

#[test]
fn text_and_sarif_outputs_of_the_incident() {
    let d = incident("outputs");
    let o = canarylint(&d, &["check", "--base", "HEAD~1", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("incident_text", stdout(&o));
    let o = canarylint(&d, &["check", "--base", "HEAD~1", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    insta::assert_json_snapshot!("incident_sarif", v["runs"][0]["results"]);
}

#[test]
fn a_moved_file_is_matched_by_kind_namespace_and_name() {
    let d = repo("moved");
    commit(&d, &[(VS_PATH, &split(90, 10))], "canary at 10%");
    std::fs::create_dir_all(d.join("shop")).unwrap();
    git(&d, &["mv", VS_PATH, "shop/checkout.yaml"]);
    commit(
        &d,
        &[("shop/checkout.yaml", &split(1, 99))],
        "move and jump",
    );
    let got = jumps(&d, "HEAD~1");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].2.contains("10% → 99% (+89)"), "{got:?}");
}

fn routes(first: &str, second: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: reviews, namespace: shop}}
spec:
  hosts: [reviews]
  http:
{first}{second}"
    )
}

fn header_route() -> String {
    "    - match:
        - headers: {x-beta: {exact: \"1\"}}
      route:
        - destination: {host: reviews, subset: v2}
"
    .to_string()
}

fn default_route(name: &str, v1: u32, v2: u32) -> String {
    format!(
        "    - name: {name}
      route:
        - destination: {{host: reviews, subset: v1}}
          weight: {v1}
        - destination: {{host: reviews, subset: v2}}
          weight: {v2}
"
    )
}

#[test]
fn routes_renamed_or_reordered_keep_their_counterparts() {
    let d = repo("routes");
    let path = "reviews.yaml";
    commit(
        &d,
        &[(
            path,
            &routes(&header_route(), &default_route("default", 90, 10)),
        )],
        "base",
    );
    // Reordered: the header route (100% to v2) and the default route change places. Each
    // is matched with itself, so nothing grew.
    commit(
        &d,
        &[(
            path,
            &routes(&default_route("default", 90, 10), &header_route()),
        )],
        "reorder",
    );
    assert_eq!(jumps(&d, "HEAD~1"), vec![]);
    // Renamed, with a jump: matched by position among routes with no match.
    commit(
        &d,
        &[(
            path,
            &routes(&default_route("primary", 50, 50), &header_route()),
        )],
        "rename and jump",
    );
    let got = jumps(&d, "HEAD~1");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]
            .2
            .starts_with("http route 1 `primary`: canary `v2` 10% → 50% (+40)"),
        "{got:?}"
    );
}

#[test]
fn a_flagger_managed_route_is_exempt() {
    let d = repo("flagger");
    let vs = |primary: u32, canary: u32| {
        format!(
            "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: podinfo, namespace: test}}
spec:
  hosts: [podinfo]
  http:
    - route:
        - destination: {{host: podinfo-primary}}
          weight: {primary}
        - destination: {{host: podinfo-canary}}
          weight: {canary}
"
        )
    };
    let canary = "apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: istio
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}
";
    commit(&d, &[("podinfo/vs.yaml", &vs(100, 0))], "base");
    commit(&d, &[("podinfo/vs.yaml", &vs(10, 90))], "jump, unmanaged");
    assert_eq!(jumps(&d, "HEAD~1").len(), 1);
    commit(
        &d,
        &[("podinfo/canary.yaml", canary)],
        "let Flagger manage it",
    );
    assert_eq!(jumps(&d, "HEAD~2"), vec![]);
}

#[test]
fn a_missing_revision_is_an_error_naming_it() {
    let d = incident("errors");
    let o = canarylint(&d, &["check", "--base", "no-such-rev"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--base no-such-rev: unknown revision `no-such-rev`"),
        "{}",
        stderr(&o)
    );
    // A shallow clone lacks the parent commit.
    let shallow = d.with_extension("shallow");
    std::fs::remove_dir_all(&shallow).ok();
    let url = format!("file://{}", d.display());
    git(
        &std::env::temp_dir(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            &shallow.to_string_lossy(),
        ],
    );
    let o = canarylint(&shallow, &["check", "--base", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--base HEAD~1"), "{err}");
    assert!(
        err.contains("the clone is shallow; fetch `HEAD~1`"),
        "{err}"
    );
    assert!(err.contains("fetch-depth: 0"), "{err}");
    // Outside any git repository.
    let plain = d.with_extension("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("vs.yaml"), split(1, 99)).unwrap();
    let o = canarylint(&plain, &["check", "--base", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--base main: not inside a git repository"),
        "{}",
        stderr(&o)
    );
    for p in [&shallow, &plain] {
        std::fs::remove_dir_all(p).ok();
    }
}

#[test]
fn variants_of_one_manifest_are_compared_by_path() {
    // Sample repositories keep several variants of one VirtualService (same name) side by
    // side; each is compared with its own file, never with another variant.
    let d = repo("variants");
    commit(
        &d,
        &[
            ("vs-10.yaml", &split(90, 10)),
            ("vs-99.yaml", &split(1, 99)),
        ],
        "variants",
    );
    assert_eq!(jumps(&d, "HEAD"), vec![]);
    commit(&d, &[("vs-10.yaml", &split(50, 50))], "jump in one variant");
    let got = jumps(&d, "HEAD~1");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].2.contains("10% → 50% (+40)"), "{got:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_base_revision_is_not_read_as_a_manifest() {
    // git stores a symlink as a blob holding its target. This one's target is a whole
    // VirtualService written as one flow mapping: read as a file, it would be a phantom
    // base for the real one, at 100/0.
    let d = repo("symlink-blob");
    let phantom = "{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: checkout, namespace: shop}, spec: {hosts: [checkout], http: [{name: default, route: [{destination: {host: checkout, subset: v1}, weight: 100}, {destination: {host: checkout, subset: v2}, weight: 0}]}]}}";
    std::fs::create_dir_all(d.join("apps")).unwrap();
    std::os::unix::fs::symlink(phantom, d.join("apps/link.yaml")).unwrap();
    commit(&d, &[("apps/checkout/destinationrule.yaml", DR)], "base");
    commit(
        &d,
        &[(VS_PATH, &split(1, 99))],
        "a new VirtualService at 99%",
    );
    // A new VirtualService, compared with no previous revision: not with the phantom.
    let found = jumps(&d, "HEAD~1");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .2
            .contains("VirtualService `shop/checkout` is not at HEAD~1"),
        "{found:#?}"
    );
}
