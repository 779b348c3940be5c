use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

fn fs(files: &[(&str, &str)]) -> MemFs {
    MemFs(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[test]
fn the_cached_disk_finds_kustomization_files_as_the_disk_does() {
    let root = std::env::temp_dir().join(format!("canarylint-kfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (dir, file) in [
        ("a", Some("kustomization.yml")),
        ("b", Some("Kustomization")),
        ("c", None),
    ] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        if let Some(f) = file {
            std::fs::write(root.join(dir).join(f), "resources: []\n").unwrap();
        }
    }
    // A directory named like a kustomization file is not one.
    std::fs::create_dir_all(root.join("c/kustomization.yaml")).unwrap();
    let cached = CachedDisk::default();
    for dir in ["a", "b", "c", "missing"] {
        let dir = root.join(dir);
        let want = kustomization_file(&Disk, &dir);
        // Asked twice: the second answer comes from the cache.
        assert_eq!(kustomization_file(&cached, &dir), want, "{}", dir.display());
        assert_eq!(kustomization_file(&cached, &dir), want, "{}", dir.display());
    }
    assert_eq!(
        kustomization_file(&cached, &root.join("a")),
        Some(root.join("a/kustomization.yml"))
    );
    assert_eq!(kustomization_file(&cached, &root.join("c")), None);
    std::fs::remove_dir_all(&root).unwrap();
}

fn find<'a>(r: &'a Rendered, kind: &str, name: &str) -> &'a Node {
    r.resources
        .iter()
        .find(|n| {
            n.get("kind").and_then(Node::as_str) == Some(kind)
                && n.path(&["metadata", "name"]).and_then(Node::as_str) == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in {:#?}", r.resources))
}

fn file_of(r: &Rendered, span: Span) -> &Path {
    &r.file_of(span).expect("span in a file").path
}

fn text_at(r: &Rendered, span: Span) -> &str {
    let f = r.file_of(span).unwrap();
    &f.text[(span.start - f.base) as usize..(span.end - f.base) as usize]
}

const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - name: qa-header
    match:
    - headers:
        x-qa: {exact: \"1\"}
    route:
    - destination: {host: reviews, subset: v2}
  - name: main
    route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10
";

const SVC: &str = "apiVersion: v1
kind: Service
metadata:
  name: reviews
spec:
  selector:
    app: reviews
  ports:
  - port: 80
    name: http
  - port: 9080
    name: grpc
";

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews
spec:
  selector:
    matchLabels:
      app: reviews
  template:
    metadata:
      labels:
        app: reviews
    spec:
      containers:
      - name: app
        image: reviews:1
";

#[test]
fn overlay_sets_namespace_and_prefix() {
    let f = fs(&[
        (
            "base/kustomization.yaml",
            "resources:\n- vs.yaml\n- svc.yaml\n",
        ),
        ("base/vs.yaml", VS),
        ("base/svc.yaml", SVC),
        (
            "prod/kustomization.yaml",
            "resources:\n- ../base\nnamespace: prod\nnamePrefix: p-\n",
        ),
    ]);
    let r = render(Path::new("prod"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.unsupported.is_empty());
    let vs = find(&r, "VirtualService", "p-reviews");
    let ns = vs.path(&["metadata", "namespace"]).unwrap();
    assert_eq!(ns.as_str(), Some("prod"));
    assert_eq!(file_of(&r, ns.span), Path::new("prod/kustomization.yaml"));
    assert_eq!(text_at(&r, ns.span), "prod");
    let name = vs.path(&["metadata", "name"]).unwrap();
    assert_eq!(file_of(&r, name.span), Path::new("base/vs.yaml"));
    // Hosts are not rewritten.
    assert_eq!(
        vs.path(&["spec", "hosts"]).unwrap().items()[0].as_str(),
        Some("reviews")
    );
    find(&r, "Service", "p-reviews");
    assert_eq!(
        r.kustomizations,
        vec![PathBuf::from("prod"), PathBuf::from("base")]
    );
    assert_eq!(r.resource_files.len(), 2);
    // Bases are increasing and disjoint.
    for w in r.files.windows(2) {
        assert_eq!(w[1].base, w[0].base + w[0].len + 1);
    }
    assert_eq!(r.files[0].base, 0);
}

#[test]
fn json6902_weight_points_at_the_patch() {
    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml]\npatches:\n- path: weight.yaml\n  target:\n    kind: VirtualService\n    name: reviews\n",
        ),
        (
            "app/weight.yaml",
            "- op: replace\n  path: /spec/http/1/route/0/weight\n  value: 50\n- op: replace\n  path: /spec/http/1/route/1/weight\n  value: 50\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let vs = find(&r, "VirtualService", "reviews");
    let route = &vs.path(&["spec", "http"]).unwrap().items()[1]
        .get("route")
        .unwrap()
        .items()[0];
    let w = route.get("weight").unwrap();
    assert_eq!(w.as_str(), Some("50"));
    assert_eq!(file_of(&r, w.span), Path::new("app/weight.yaml"));
    let host = route.path(&["destination", "host"]).unwrap();
    assert_eq!(file_of(&r, host.span), Path::new("app/vs.yaml"));
    assert_eq!(r.patch_files, vec![PathBuf::from("app/weight.yaml")]);
    assert_eq!(r.resource_files, vec![PathBuf::from("app/vs.yaml")]);
}

#[test]
fn strategic_merge_replaces_routes_of_a_custom_resource() {
    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml]\npatches:\n- patch: |-\n    apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata:\n      name: reviews\n    spec:\n      http:\n      - name: main\n        route:\n        - destination: {host: reviews, subset: v1}\n          weight: 50\n        - destination: {host: reviews, subset: v2}\n          weight: 50\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let vs = find(&r, "VirtualService", "reviews");
    let http = vs.path(&["spec", "http"]).unwrap().items();
    assert_eq!(http.len(), 1);
    let w = http[0].get("route").unwrap().items()[0]
        .get("weight")
        .unwrap();
    // The inline patch's weight points at its line in the kustomization.
    assert_eq!(file_of(&r, w.span), Path::new("app/kustomization.yaml"));
    assert_eq!(text_at(&r, w.span), "50");
    assert_eq!(r.dropped.len(), 1, "{:?}", r.dropped);
    let d = &r.dropped[0];
    assert_eq!(d.list, "spec.http");
    assert_eq!(d.entry, "route `qa-header`");
    assert_eq!(d.resource, "VirtualService `reviews`");
    assert_eq!(file_of(&r, d.base), Path::new("app/vs.yaml"));
    assert_eq!(file_of(&r, d.patch), Path::new("app/kustomization.yaml"));
}

#[test]
fn unmatched_patch_and_missing_json_path_are_errors() {
    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml]\npatches:\n- patch: |-\n    apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata:\n      name: ratings\n    spec: {}\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(r.errors[0]
        .0
        .contains("no matches for Id VirtualService.v1.networking.istio.io/ratings.[noNs]"));

    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml]\npatches:\n- target: {kind: VirtualService}\n  patch: |-\n    - op: replace\n      path: /spec/http/2/route\n      value: []\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(
        r.errors[0].0,
        "replace operation does not apply: doc is missing path: /spec/http/2/route: missing value"
    );
    assert_eq!(text_at(&r, r.errors[0].1), "/spec/http/2/route");
}

#[test]
fn helm_charts_and_remote_resources_are_unsupported() {
    let f = fs(&[(
        "app/kustomization.yaml",
        "helmCharts:\n- name: x\nresources:\n- https://github.com/org/repo//deploy?ref=v1\n",
    )]);
    let r = render(Path::new("app"), &f);
    let what: Vec<&str> = r.unsupported.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(what.len(), 2, "{what:?}");
    assert_eq!(what[0], "helmCharts");
    assert!(what[1].starts_with("a remote resource `https://github.com/org/repo"));
    assert_eq!(text_at(&r, r.unsupported[0].1), "helmCharts");
}

#[test]
fn common_labels_reach_selectors() {
    let f = fs(&[
        ("app/svc.yaml", SVC),
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources: [svc.yaml, deploy.yaml]\ncommonLabels:\n  team: payments\ncommonAnnotations:\n  owner: me\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let svc = find(&r, "Service", "reviews");
    let sel = svc.path(&["spec", "selector", "team"]).unwrap();
    assert_eq!(sel.as_str(), Some("payments"));
    assert_eq!(file_of(&r, sel.span), Path::new("app/kustomization.yaml"));
    assert_eq!(
        svc.path(&["spec", "selector", "app"]).unwrap().as_str(),
        Some("reviews")
    );
    let d = find(&r, "Deployment", "reviews");
    for p in [
        &["spec", "selector", "matchLabels", "team"][..],
        &["spec", "template", "metadata", "labels", "team"],
        &["metadata", "labels", "team"],
    ] {
        assert_eq!(d.path(p).and_then(Node::as_str), Some("payments"), "{p:?}");
    }
    assert_eq!(
        d.path(&["spec", "template", "metadata", "annotations", "owner"])
            .and_then(Node::as_str),
        Some("me")
    );
    // Output order: Service before Deployment.
    assert_eq!(
        r.resources[0].get("kind").and_then(Node::as_str),
        Some("Service")
    );
}

#[test]
fn components_delete_null_and_port_merge() {
    let f = fs(&[
        ("base/kustomization.yaml", "resources: [svc.yaml, deploy.yaml, vs.yaml]\n"),
        ("base/svc.yaml", SVC),
        ("base/deploy.yaml", DEPLOY),
        ("base/vs.yaml", VS),
        (
            "comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [dr.yaml]\npatches:\n- path: svc.yaml\n",
        ),
        (
            "comp/dr.yaml",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec: {host: reviews}\n",
        ),
        (
            "comp/svc.yaml",
            "apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec:\n  ports:\n  - port: 9080\n    name: grpc-web\n  - port: 9090\n    name: metrics\n  selector:\n    app: null\n    tier: api\n",
        ),
        (
            "prod/kustomization.yaml",
            "resources: [../base]\ncomponents: [../comp]\npatchesStrategicMerge:\n- |-\n  apiVersion: networking.istio.io/v1\n  kind: VirtualService\n  metadata: {name: reviews}\n  $patch: delete\n",
        ),
    ]);
    let r = render(Path::new("prod"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.unsupported.is_empty(), "{:?}", r.unsupported);
    assert!(r
        .resources
        .iter()
        .all(|n| n.get("kind").and_then(Node::as_str) != Some("VirtualService")));
    find(&r, "DestinationRule", "reviews");
    let svc = find(&r, "Service", "reviews");
    let sel = svc.path(&["spec", "selector"]).unwrap();
    assert!(sel.get("app").is_none());
    assert_eq!(sel.get("tier").and_then(Node::as_str), Some("api"));
    let ports: Vec<(String, String)> = svc
        .path(&["spec", "ports"])
        .unwrap()
        .items()
        .iter()
        .map(|p| {
            (
                p.get("port").and_then(Node::as_str).unwrap().to_string(),
                p.get("name").and_then(Node::as_str).unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        vec![
            ("9080".to_string(), "grpc-web".to_string()),
            ("9090".to_string(), "metrics".to_string()),
            ("80".to_string(), "http".to_string()),
        ]
    );
    assert!(r.kustomizations.contains(&PathBuf::from("comp")));
}

#[test]
fn missing_and_bare_directories_are_errors() {
    let f = fs(&[
        (
            "app/kustomization.yaml",
            "resources: [nope.yaml, ../plain]\n",
        ),
        ("plain/a.yaml", SVC),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
    assert!(r.errors[0].0.contains("no such file or directory"));
    assert!(r.errors[1]
        .0
        .contains("unable to find one of 'kustomization.yaml'"));
}

#[test]
fn a_base_read_twice_is_parsed_once() {
    let f = fs(&[
        ("base/kustomization.yaml", "resources: [svc.yaml]\n"),
        ("base/svc.yaml", SVC),
        (
            "a/kustomization.yaml",
            "resources: [../base]\nnameSuffix: -a\n",
        ),
        (
            "b/kustomization.yaml",
            "resources: [../base]\nnameSuffix: -b\n",
        ),
        ("all/kustomization.yaml", "resources: [../a, ../b]\n"),
    ]);
    let r = render(Path::new("all"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.resources.len(), 2);
    let paths: Vec<_> = r.files.iter().map(|f| f.path.clone()).collect();
    let mut dedup = paths.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(paths.len(), dedup.len());
    find(&r, "Service", "reviews-a");
    find(&r, "Service", "reviews-b");
}

#[test]
fn paths_are_cleaned_lexically() {
    assert_eq!(clean(Path::new("a/b/../c")), PathBuf::from("a/c"));
    assert_eq!(clean(Path::new("../x/./y")), PathBuf::from("../x/y"));
    assert_eq!(clean(Path::new("a/../..")), PathBuf::from(".."));
    assert_eq!(clean(Path::new("")), PathBuf::from("."));
    assert_eq!(clean(Path::new("a/b.yaml")), PathBuf::from("a/b.yaml"));
    assert_eq!(clean(Path::new("/a/b")), PathBuf::from("/a/b"));
    assert_eq!(clean(Path::new("a//b/")), PathBuf::from("a/b"));
}

#[test]
fn hostile_input_does_not_panic() {
    for k in [
        "resources: 3\n",
        "- a\n- b\n",
        "patches: [{patch: '[1, 2]', target: {kind: '('}}]\n",
        "patches: [{patch: \"- op: add\\n  path: ''\\n  value: 1\", target: {}}]\n",
        "resources: [.]\n",
        "components: [.]\n",
        "commonLabels: {a: true}\n",
        "labels: [{pairs: {a: y}}]\n",
        "patchesStrategicMerge: ['kind: X', 'x.yaml']\n",
        ": : :\n",
    ] {
        let f = fs(&[("app/kustomization.yaml", k), ("app/x.yaml", "- 1\n")]);
        let _ = render(Path::new("app"), &f);
    }
}

#[test]
fn yaml_1_1_booleans_in_labels_are_errors() {
    let f = fs(&[
        (
            "app/kustomization.yaml",
            "resources: [svc.yaml]\ncommonLabels: {canary: yes}\n",
        ),
        ("app/svc.yaml", SVC),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(r.errors[0].0.contains("cannot unmarshal bool"));
    assert_eq!(text_at(&r, r.errors[0].1), "yes");
}

#[test]
fn replaced_subsets_and_route_destinations_are_dropped() {
    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/dr.yaml",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec:\n  host: reviews\n  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: v2}\n",
        ),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml, dr.yaml]\npatches:\n- path: p.yaml\n",
        ),
        (
            "app/p.yaml",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec:\n  subsets:\n  - name: v1\n    labels: {version: v1}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  http:\n  - name: qa-header\n    match:\n    - headers:\n        x-qa: {exact: \"1\"}\n    route:\n    - destination: {host: reviews, subset: v2}\n  - name: main\n    route:\n    - destination: {host: reviews, subset: v1}\n      weight: 100\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let got: Vec<(String, String, String)> = r
        .dropped
        .iter()
        .map(|d| (d.resource.clone(), d.list.clone(), d.entry.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "DestinationRule `reviews`".to_string(),
                "spec.subsets".to_string(),
                "subset `v2`".to_string()
            ),
            (
                "VirtualService `reviews`".to_string(),
                "spec.http[1].route".to_string(),
                "entry 2".to_string()
            ),
        ]
    );
    assert_eq!(file_of(&r, r.dropped[0].patch), Path::new("app/p.yaml"));
}

#[test]
fn two_kustomization_files_are_an_error() {
    let f = fs(&[
        ("app/kustomization.yaml", "resources: []\n"),
        ("app/kustomization.yml", "resources: []\n"),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0]
        .0
        .starts_with("Found multiple kustomization files"));
}

#[test]
fn a_diamond_of_includes_is_bounded() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..40 {
        files.push((
            format!("k{i}/kustomization.yaml"),
            format!(
                "resources: [../k{}/, ../k{}]\nnameSuffix: -{i}\n",
                i + 1,
                i + 1
            ),
        ));
    }
    files.push((
        "k40/kustomization.yaml".into(),
        "resources: [svc.yaml]\n".into(),
    ));
    files.push(("k40/svc.yaml".into(), SVC.into()));
    let f = MemFs(
        files
            .into_iter()
            .map(|(p, t)| (PathBuf::from(p), t))
            .collect(),
    );
    let r = render(Path::new("k0"), &f);
    assert!(r
        .errors
        .iter()
        .any(|(m, _)| m.contains("kustomizations to build")));
}

#[test]
fn a_target_that_selects_nothing_is_not_an_error() {
    // kustomize v5 applies a targeted patch to every match, and to none without failing;
    // only a patch that names its resource itself must find it.
    let f = fs(&[
        ("app/vs.yaml", VS),
        (
            "app/kustomization.yaml",
            "resources: [vs.yaml]\npatches:\n- target: {kind: Rollout}\n  patch: |-\n    - op: replace\n      path: /spec/x\n      value: 1\n",
        ),
    ]);
    let r = render(Path::new("app"), &f);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.resources.len(), 1);
}

#[test]
fn files_outside_the_kustomization_are_refused() {
    let f = fs(&[
        ("shared/vs.yaml", VS),
        ("app/kustomization.yaml", "resources: [../shared/vs.yaml]\n"),
    ]);
    let r = render(Path::new("app"), &f);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(r.errors[0].0.contains("is not in or below 'app'"));
}

#[test]
fn a_resource_kustomize_refuses_fails_the_build_as_kubectl_says() {
    // Each message is the one `kubectl kustomize` (kustomize v5) gives for the file.
    let cases: &[(&str, &str, &str)] = &[
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a-b: c, a: b}\n  annotations: {z: \"1\"}\n",
            "missing metadata.name in object {{v1 ConfigMap} {{ } map[a:b a-b:c] map[z:1]}}",
            "apiVersion",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"\"\n  namespace: x\n",
            "missing metadata.name in object {{v1 ConfigMap} {{ x} map[] map[]}}",
            "apiVersion",
        ),
        (
            "apiVersion: v1\nmetadata: {name: a}\n",
            "missing kind in object {{v1 } {{a } map[] map[]}}",
            "apiVersion",
        ),
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {labels: {a: b}}\n",
            "missing metadata.name in object {{v1 ConfigMap} {{ } map[a:b] map[]}}",
            "apiVersion",
        ),
        (
            "apiVersion: v1\nkind: ConfigMapList\nitems: x\n",
            "expected array in ConfigMapList/items, but found string",
            "x",
        ),
        (
            "apiVersion: v1\nkind: ConfigMapList\nitems: {a: b}\n",
            "expected array in ConfigMapList/items, but found map[string]interface {}",
            "{a: b}",
        ),
        (
            "apiVersion: v1\nkind: ConfigMapList\nitems: 3.5\n",
            "expected array in ConfigMapList/items, but found float64",
            "3.5",
        ),
    ];
    for (doc, message, at) in cases {
        let f = fs(&[
            ("app/vs.yaml", VS),
            ("app/r.yaml", doc),
            ("app/kustomization.yaml", "resources: [vs.yaml, r.yaml]\n"),
        ]);
        let r = render(Path::new("app"), &f);
        assert_eq!(r.errors.len(), 1, "{doc}: {:?}", r.errors);
        assert_eq!(
            r.errors[0].0,
            format!("accumulating resources from 'r.yaml': {message}")
        );
        let span = r.errors[0].1;
        assert_eq!(file_of(&r, span), Path::new("app/r.yaml"));
        // The file's text is not kept where it holds identities only: read from `doc`.
        let start = (span.start - r.file_of(span).unwrap().base) as usize;
        assert!(doc[start..].starts_with(at), "{doc}: at {start}");
    }
    // Taken as kustomize takes them: a list without items is a resource of its own (and
    // needs no name), a list whose items are null holds none, and a null item is dropped.
    // A null entry of a list inside a resource is kept: kustomize's check for one
    // (`HasNilEntryInList` in kyaml/yaml/rnode.go, called by `dropBadNodes`) looks for Go
    // maps and slices in a `*yaml.Node`, finds none, and passes every resource; its own
    // test (`listWithNil` in kyaml/yaml/rnode_test.go) expects so, and `kubectl kustomize`
    // builds both of the last two.
    for doc in [
        "apiVersion: v1\nkind: ConfigMapList\nmetadata: {}\n",
        "apiVersion: v1\nkind: ConfigMapList\nitems: null\n",
        "apiVersion: v1\nkind: List\nitems:\n- null\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  finalizers: [null, x]\ndata: {k: v}\n",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n  data: {list: [1, null]}\n- null\n",
    ] {
        let f = fs(&[
            ("app/vs.yaml", VS),
            ("app/r.yaml", doc),
            ("app/kustomization.yaml", "resources: [vs.yaml, r.yaml]\n"),
        ]);
        let r = render(Path::new("app"), &f);
        assert!(r.errors.is_empty(), "{doc}: {:?}", r.errors);
        find(&r, "VirtualService", "reviews");
    }
}

#[test]
fn an_identity_is_read_in_one_pass_as_get_and_path_read_each_field() {
    // Duplicate keys (the last wins), a null key (it names no entry), values that are not
    // strings, and `apiVersion`s with no, one or two slashes.
    let docs = [
        "apiVersion: a/v1\nkind: K\nmetadata: {name: n, namespace: s}\n",
        "kind: A\nkind: B\napiVersion: v1\nmetadata: {name: x}\nmetadata: {name: y, namespace: z}\n",
        "~: q\napiVersion: networking.istio.io/v1beta1\nkind: ~\nmetadata: {name: [a], namespace: null, ~: w}\n",
        "\"~\": q\nkind: K\nmetadata: {\"name\": n, name: m}\n",
        "apiVersion: /v1\nkind: K\nmetadata: x\n",
        "apiVersion: a/b/c\nmetadata: {namespace: s}\n",
        "- not a mapping\n",
    ];
    for doc in docs {
        let node = yaml::load(doc, 0).docs.remove(0);
        let id = IdRef::of(&node);
        let get = |p: &[&str]| node.path(p).and_then(Node::as_str).unwrap_or("");
        let api = get(&["apiVersion"]);
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        assert_eq!(
            (id.group, id.version, id.kind, id.name, id.namespace),
            (
                group,
                version,
                get(&["kind"]),
                get(&["metadata", "name"]),
                get(&["metadata", "namespace"])
            ),
            "{doc}"
        );
    }
}

#[test]
fn a_clean_path_is_within_a_clean_directory_as_path_starts_with_says() {
    let paths = [
        "a",
        "a/b",
        "a/b/c.yaml",
        "ab/c",
        "/a/b",
        "/a",
        "/ab",
        "a/bc",
        "b/a",
    ];
    for p in paths {
        for d in paths {
            assert_eq!(
                within(Path::new(p), Path::new(d)),
                Path::new(p).starts_with(d),
                "{p} in {d}"
            );
        }
    }
}
