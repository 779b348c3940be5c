//! Renders a kustomization as `kustomize build` (kustomize v5) does, for the parts of
//! resources that canarylint reads: resources and bases, components, strategic-merge and
//! JSON 6902 patches, namespace, name prefix and suffix, labels and annotations.
//!
//! Every file read gets a virtual base (see `Rendered::files`), so that each node of the
//! output says by its span which file, and which line of it, it came from: a weight set by
//! a patch points at the patch, a name kept from a base at the base.
//!
//! The order of the transformations in one kustomization follows kustomize's
//! `configureBuiltinTransformers` (upstream api/internal/target/kusttarget_configplugin.go):
//! patchesStrategicMerge, patches, namespace, namePrefix/nameSuffix, labels and
//! commonLabels, commonAnnotations, patchesJson6902.

use std::collections::BTreeMap;

use crate::hash::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::source::Span;
use crate::yaml::{self, Entry, Node, Scalar, Style, Value};

mod json6902;
mod merge;
mod transform;

#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;

pub(crate) trait Fs: Sync {
    /// The text of a regular file.
    fn read(&self, path: &Path) -> Result<Arc<str>, String>;
    /// The text of a regular file, as [`Fs::read`] gives it, for a caller that keeps it
    /// only at times: a text the file system does not hold itself is handed over as read,
    /// and copied into a shared one only if kept.
    fn read_text(&self, path: &Path) -> Result<Text, String> {
        self.read(path).map(Text::Shared)
    }
    /// Told before a render uses a file's text, whether it reads it or has it already
    /// (renders share what they parse): what the cache of renders records.
    fn reads(&self, _path: &Path) {}
    /// Whether the run keeps the text of the file at `path` (clean) itself, read when a
    /// finding asks for it: a render taken from the cache of renders need not hold it.
    fn keeps_text(&self, _path: &Path) -> bool {
        false
    }
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// Which of [`KUSTOMIZATION_NAMES`] `dir` holds, the first that it does.
    fn kustomization_name(&self, dir: &Path) -> Option<usize> {
        KUSTOMIZATION_NAMES
            .iter()
            .position(|n| self.is_file(&clean(&dir.join(n))))
    }
}

/// The text of a file, shared or as read (see [`Fs::read_text`]).
pub(crate) enum Text {
    Shared(Arc<str>),
    Owned(String),
}

impl Text {
    pub(crate) fn shared(self) -> Arc<str> {
        match self {
            Text::Shared(t) => t,
            Text::Owned(t) => Arc::from(t),
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Shared(t) => t,
            Text::Owned(t) => t,
        }
    }
}

/// The real file system.
pub(crate) struct Disk;

/// A path as the disk is asked it: the empty path is the working directory.
pub(crate) fn on_disk(path: &Path) -> &Path {
    if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    }
}

impl Fs for Disk {
    fn read(&self, path: &Path) -> Result<Arc<str>, String> {
        self.read_text(path).map(Text::shared)
    }

    fn read_text(&self, path: &Path) -> Result<Text, String> {
        let bytes = crate::load::read_regular(on_disk(path)).map_err(|e| e.to_string())?;
        crate::load::utf8(bytes)
            .map(Text::Owned)
            .map_err(|_| "the file is not UTF-8 text".to_string())
    }

    fn is_dir(&self, path: &Path) -> bool {
        on_disk(path).is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        on_disk(path).is_file()
    }
}

/// The real file system, with what it says of paths kept: the many renders of a run ask
/// again and again whether the same kustomization files and directories exist.
#[derive(Default)]
pub(crate) struct CachedDisk {
    /// By the path's bytes (paths here are lexically clean): hashing a `Path` walks its
    /// components.
    kinds: std::sync::Mutex<HashMap<std::ffi::OsString, (bool, bool)>>,
    /// What [`Fs::kustomization_name`] said of a directory: one entry for the three names
    /// it asks about, which most directories hold none of.
    kustomizations: std::sync::Mutex<HashMap<std::ffi::OsString, Option<u8>>>,
    /// What the walk saw of the directories it listed, answered without asking the disk.
    listed: Arc<crate::walk::Listed>,
}

impl CachedDisk {
    /// Answers from what the walk saw of the directories it listed.
    pub(crate) fn knowing(listed: Arc<crate::walk::Listed>) -> CachedDisk {
        CachedDisk {
            listed,
            ..CachedDisk::default()
        }
    }

    /// What the walk saw of the directories it listed.
    pub(crate) fn listed(&self) -> &crate::walk::Listed {
        &self.listed
    }

    /// Whether the path is a directory, and whether it is a file.
    fn kind(&self, path: &Path) -> (bool, bool) {
        // Told by the bytes (paths here are clean): `file_name` parses the components, and
        // this is asked of every directory above every file. A path it misses is asked of
        // the disk, with the same answer.
        let bytes = path.as_os_str().as_encoded_bytes();
        if bytes == b".git" || bytes.ends_with(b"/.git") {
            let dir = path.parent().map_or(Path::new("."), on_disk);
            if let Some(seen) = self.listed.get(dir) {
                return (seen.git == Some(true), seen.git == Some(false));
            }
        }
        // A kustomization file, in a directory the walk listed: the walk saw it or not.
        if let Some(i) = kustomization_name_of(path) {
            let dir = path.parent().map_or(Path::new("."), on_disk);
            if let Some(seen) = self.listed.get(dir) {
                return (false, seen.kustomization_files & (1 << i) != 0);
            }
        }
        // A directory the walk listed is one.
        if self.listed.get(on_disk(path)).is_some() {
            return (true, false);
        }
        crate::hash::memo(&self.kinds, path.as_os_str(), || {
            match std::fs::metadata(on_disk(path)) {
                Ok(m) => (m.is_dir(), m.is_file()),
                Err(_) => (false, false),
            }
        })
    }
}

impl Fs for CachedDisk {
    fn read(&self, path: &Path) -> Result<Arc<str>, String> {
        Disk.read(path)
    }

    fn read_text(&self, path: &Path) -> Result<Text, String> {
        Disk.read_text(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.kind(path).0
    }

    fn is_file(&self, path: &Path) -> bool {
        self.kind(path).1
    }

    fn kustomization_name(&self, dir: &Path) -> Option<usize> {
        if let Some(seen) = self.listed.get(on_disk(dir)) {
            return seen.kustomization.map(usize::from);
        }
        crate::hash::memo(&self.kustomizations, dir.as_os_str(), || {
            Disk.kustomization_name(dir).map(|i| i as u8)
        })
        .map(usize::from)
    }
}

/// Files in memory, for tests: a directory is any proper prefix of a key.
pub(crate) struct MemFs(pub BTreeMap<PathBuf, String>);

impl Fs for MemFs {
    fn read(&self, path: &Path) -> Result<Arc<str>, String> {
        self.0
            .get(&clean(path))
            .map(|t| Arc::from(t.as_str()))
            .ok_or_else(|| format!("open {}: no such file or directory", path.display()))
    }

    fn is_dir(&self, path: &Path) -> bool {
        let p = clean(path);
        if p == Path::new(".") {
            return self.0.keys().any(|k| k.is_relative());
        }
        self.0.keys().any(|k| k != &p && k.starts_with(&p))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(&clean(path))
    }
}

/// The names kustomize looks for, in its order (upstream api/konfig/general.go).
pub(crate) const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Which of [`KUSTOMIZATION_NAMES`] the file at `path` is named.
pub(crate) fn kustomization_name_of(path: &Path) -> Option<usize> {
    let name = path.file_name()?;
    KUSTOMIZATION_NAMES.iter().position(|k| name == *k)
}

/// Whether `dir` holds a kustomization file: the name of it (`kustomization.yaml`,
/// `kustomization.yml`, `Kustomization`).
pub(crate) fn kustomization_file(fs: &dyn Fs, dir: &Path) -> Option<PathBuf> {
    fs.kustomization_name(dir)
        .map(|i| clean(&dir.join(KUSTOMIZATION_NAMES[i])))
}

/// The kind of a resource, when it is one the linter reads.
pub(crate) fn read_kind(node: &Node) -> Option<&str> {
    let field = |k: &str| node.get(k).and_then(Node::as_str);
    let (api, kind) = (field("apiVersion")?, field("kind")?);
    crate::model::kinds::Kind::from_api(api, kind).map(|_| kind)
}

/// Whether a resource holds all of itself: one of a kind the linter reads, and not one it
/// reads in part (a workload, see `load::load_for_render`).
fn relevant_kind(node: &Node) -> bool {
    read_kind(node).is_some_and(|kind| !crate::load::read_in_part(kind))
}

/// A document kustomize drops unread: null, or an empty mapping.
fn is_empty_node(d: &Node) -> bool {
    d.is_null() || d.as_map().is_some_and(<[Entry]>::is_empty)
}

/// Why kustomize refuses a document of a file of resources, and where: not a mapping, no
/// kind, or no name where the kind is not a list's (`dropBadNodes` in
/// `api/resource/factory.go`, `GetValidatedMetadata` in `kyaml/yaml/rnode.go`). `None` for
/// a document it takes, or drops as empty.
fn refused(d: &Node) -> Option<(String, Span)> {
    if is_empty_node(d) {
        return None;
    }
    if d.as_map().is_none() {
        return Some(("missing Resource metadata".into(), d.span));
    }
    let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
    let named = d
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .is_some_and(|n| !n.is_empty());
    let fault = if kind.is_empty() {
        "missing kind"
    } else if !named && !kind.ends_with("List") {
        "missing metadata.name"
    } else {
        return None;
    };
    Some((format!("{fault} in object {}", go_meta(d)), d.span))
}

/// A document's identity as kustomize prints it in those messages (Go's `%v` of kyaml's
/// `ResourceMeta`): `{{v1 ConfigMap} {{name namespace} map[labels] map[annotations]}}`.
fn go_meta(d: &Node) -> String {
    let text = |keys: &[&str]| d.path(keys).and_then(Node::as_str).unwrap_or("");
    // Go prints a map's entries sorted by key.
    let map = |key: &str| {
        let mut pairs: Vec<(&str, &str)> = d
            .path(&["metadata", key])
            .map_or(&[][..], Node::entries)
            .iter()
            .filter_map(|e| Some((e.key.as_str()?, e.value.as_str().unwrap_or(""))))
            .collect();
        pairs.sort_unstable();
        let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!("map[{}]", pairs.join(" "))
    };
    format!(
        "{{{{{} {}}} {{{{{} {}}} {} {}}}}}",
        text(&["apiVersion"]),
        text(&["kind"]),
        text(&["metadata", "name"]),
        text(&["metadata", "namespace"]),
        map("labels"),
        map("annotations")
    )
}

/// The Go type a value decodes to as kustomize reads a resource (Go's `%T`).
fn go_type(n: &Node) -> &'static str {
    match &n.value {
        Value::Map(_) => "map[string]interface {}",
        Value::Seq(_) => "[]interface {}",
        Value::Scalar(s) => match core_type(s) {
            serde_json::Value::Bool(_) => "bool",
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "int",
            serde_json::Value::Number(_) => "float64",
            serde_json::Value::Null => "<nil>",
            _ => "string",
        },
    }
}

/// How kustomize's message for a missing generator source starts.
const GENERATOR_ERROR: &str = "loading KV pairs: ";

/// Whether a build error is a generator's missing source file (`secrets.env`). Such files
/// are often kept out of the repository on purpose (secrets, files made in CI), and what
/// they generate (ConfigMaps, Secrets) is nothing the linter reads.
pub(crate) fn is_generator_error(message: &str) -> bool {
    message.starts_with(GENERATOR_ERROR)
}

/// One file read while rendering, with the virtual offset its spans start at.
#[derive(Clone, Debug)]
pub(crate) struct RenderedFile {
    pub path: PathBuf,
    pub base: u32,
    /// The text's length in bytes.
    pub len: u32,
    /// The text; empty for a file whose documents are all of kinds the linter never reads
    /// (only their identities are parsed): most of the bytes renders read, and nothing in
    /// a render's output points into them. A finding about one reads it again.
    pub text: Arc<str>,
}

#[derive(Debug, Default)]
pub(crate) struct Rendered {
    /// Every file read (kustomization files, resource files, patch files), each once, with
    /// a virtual base: file i's text was parsed with `yaml::load(text, base)`, bases start
    /// at 0, are disjoint and increasing (base_{i+1} = base_i + len_i + 1). So every span
    /// of every node below says which file it is in.
    pub files: Vec<RenderedFile>,
    /// The rendered documents, in kustomize's output order, every span virtual.
    pub resources: Vec<Node>,
    /// Files whose documents became resources (paths as in `files`).
    pub resource_files: Vec<PathBuf>,
    /// Files read as patches (strategic merge or JSON 6902), never resources by themselves.
    pub patch_files: Vec<PathBuf>,
    /// This kustomization's directory and every kustomization directory it includes,
    /// recursively (resources and components).
    pub kustomizations: Vec<PathBuf>,
    /// Features canarylint does not render, with the span of the key (virtual): if any,
    /// callers must not use `resources`.
    pub unsupported: Vec<(String, Span)>,
    /// What makes `kustomize build` fail, with kustomize's own wording where it has one, at
    /// the span of the cause.
    pub errors: Vec<(String, Span)>,
    /// Entries of a list that a strategic-merge patch replaced on a custom resource.
    pub dropped: Vec<Dropped>,
}

impl Rendered {
    /// The file a virtual span lies in.
    pub(crate) fn file_of(&self, span: Span) -> Option<&RenderedFile> {
        let f = &self.files[self.last_file_before(span)?];
        (span.start <= f.base + f.len).then_some(f)
    }

    /// The index of the last file whose text starts at or before `span`: the file an
    /// overlay places a rendered document in.
    pub(crate) fn last_file_before(&self, span: Span) -> Option<usize> {
        self.files
            .partition_point(|f| f.base <= span.start)
            .checked_sub(1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dropped {
    /// The list's path, e.g. "spec.http".
    pub list: String,
    /// How to name the dropped entry: "route `qa-header`" (its `name:`), else "entry 2".
    pub entry: String,
    /// The dropped entry in the base (virtual).
    pub base: Span,
    /// The patch's list that replaced it (virtual).
    pub patch: Span,
    /// "VirtualService `reviews`".
    pub resource: String,
}

/// Renders the kustomization in `dir` as `kustomize build dir` (kustomize v5) would, for
/// the kinds canarylint reads.
#[cfg(test)]
pub(crate) fn render(dir: &Path, fs: &dyn Fs) -> Rendered {
    render_with(dir, fs, &Parsed::default())
}

/// The files renders read, each read and parsed once for all of them (a base that many
/// overlays include), with spans from 0.
#[derive(Default)]
pub(crate) struct Parsed {
    /// By the file's clean path, as bytes.
    files: std::sync::Mutex<HashMap<std::ffi::OsString, ParsedFile>>,
}

type ParsedFile = Result<Arc<ParsedText>, String>;

/// A file as the renders parsed it.
pub(crate) struct ParsedText {
    /// Its text, empty when nothing in a render's output can point into it (see
    /// [`RenderedFile::text`]).
    pub(crate) text: Arc<str>,
    pub(crate) len: u32,
    pub(crate) loaded: yaml::Loaded,
}

impl ParsedText {
    fn new(text: Text, loaded: yaml::Loaded) -> Result<ParsedText, String> {
        let len = u32::try_from(text.len()).map_err(|_| "the file is over 4 GB".to_string())?;
        // Every document a mapping of a kind the linter never reads (its identity only),
        // and nothing to report: the text is not kept.
        let identities = !loaded.docs.is_empty()
            && loaded.issues.is_empty()
            && !loaded.failed
            && loaded.docs.iter().all(|d| {
                d.get("kind")
                    .and_then(Node::as_str)
                    .is_some_and(|k| !matches!(k, "Kustomization" | "Component"))
                    && read_kind(d).is_none()
            });
        Ok(ParsedText {
            text: if identities {
                Arc::from("")
            } else {
                text.shared()
            },
            len,
            loaded,
        })
    }
}

impl Parsed {
    /// Frees the parsed files in parallel: they are many trees of nodes, and freeing them
    /// one after another was a serial step of every first run.
    pub(crate) fn free(self) {
        let files = self
            .files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        files.into_par_iter().for_each(drop);
    }

    pub(crate) fn get(&self, fs: &dyn Fs, path: &Path) -> ParsedFile {
        fs.reads(path);
        // Parsed outside the lock; two threads may parse one file at once, and agree.
        crate::hash::memo(&self.files, path.as_os_str(), || {
            fs.read_text(path).and_then(|text| {
                let loaded = crate::load::load_for_render(&text, 0);
                ParsedText::new(text, loaded).map(Arc::new)
            })
        })
    }
}

/// Renders as [`render`] does, reading files through `parsed`, which renders share.
pub(crate) fn render_with(dir: &Path, fs: &dyn Fs, parsed: &Parsed) -> Rendered {
    let mut r = Renderer {
        parsed,
        fs,
        out: Rendered::default(),
        cache: HashMap::default(),
        docs: Vec::new(),
        next_base: 0,
        stack: Vec::new(),
        seen: HashSet::default(),
        fifo: false,
        vars: Vec::new(),
        var_refs_relevant: false,
        builds: 0,
    };
    let dir = clean(dir);
    let mut res = r.build(&dir, Vec::new(), Kind::Top, Span::default());
    if !r.fifo {
        transform::legacy_sort(&mut res);
    }
    for x in &mut res {
        transform::drop_empty_annotations(&mut x.node);
    }
    if let Some(span) = r.vars_unsupported(&res) {
        r.out.unsupported.push(("vars".into(), span));
    }
    r.out.resources = res.into_iter().map(|r| r.node).collect();
    r.out
}

/// Lexically cleans a path: `a/./b/../c` -> `a/c`; leading `..` are kept; empty -> `.`.
pub(crate) fn clean(path: &Path) -> PathBuf {
    // Most paths are clean already: copied without walking their components.
    if crate::load::is_clean(path) {
        return path.to_path_buf();
    }
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Whether `path` lies in or below `dir`, lexically (the empty directory is `.`).
pub(crate) fn within(path: &Path, dir: &Path) -> bool {
    // Where both are clean, as a render's paths are, by their bytes: the directory's, then
    // a separator or the end. `Path::starts_with` parses the components of both, and this
    // is asked of every resource and patch file of every render.
    if crate::load::is_clean(path) && crate::load::is_clean(dir) {
        let (p, d) = (
            path.as_os_str().as_encoded_bytes(),
            dir.as_os_str().as_encoded_bytes(),
        );
        return p.starts_with(d) && p.get(d.len()).is_none_or(|&b| b == b'/');
    }
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        return !path.starts_with("..") && path.is_relative();
    }
    path.starts_with(dir)
}

/// What two identities kustomize holds as one share: group, version, kind, name, and the
/// namespace as it compares them.
type IdKey = (String, String, String, String, String);

/// A resource's identity as kustomize's `ResId`: group, version, kind, name, namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Id {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// The values of the entries of `node` named `keys`, each as [`Node::get`] gives it (the
/// last entry of the name, a null key naming none), found in one pass.
fn entries_named<'a, const N: usize>(node: &'a Node, keys: [&str; N]) -> [Option<&'a Node>; N] {
    let mut out = [None; N];
    for e in node.entries() {
        let Some(key) = e.key.as_scalar() else {
            continue;
        };
        if let Some(i) = keys.iter().position(|k| key.text.as_str() == *k) {
            if !key.is_null() {
                out[i] = Some(&e.value);
            }
        }
    }
    out
}

/// An [`Id`] read from a node without copying its strings: a patch's target is compared
/// with every resource of a render.
#[derive(Clone, Copy, PartialEq, Eq)]
struct IdRef<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: &'a str,
}

impl<'a> IdRef<'a> {
    fn of(node: &'a Node) -> IdRef<'a> {
        // One pass over the document's entries and one over its metadata's, where asking
        // for each of the five fields searched them six times: this is asked of every
        // resource at every step of every render.
        let [api, kind, meta] = entries_named(node, ["apiVersion", "kind", "metadata"]);
        let [name, namespace] =
            meta.map_or([None, None], |m| entries_named(m, ["name", "namespace"]));
        let text = |n: Option<&'a Node>| n.and_then(Node::as_str).unwrap_or("");
        let api = text(api);
        // `rsplit_once('/')`, by memchr: a reverse search for a char took a fifth of this.
        let (group, version) = match memchr::memrchr(b'/', api.as_bytes()) {
            Some(i) => (&api[..i], &api[i + 1..]),
            None => ("", api),
        };
        IdRef {
            group,
            version,
            kind: text(kind),
            name: text(name),
            namespace: text(namespace),
        }
    }

    /// The namespace as kustomize compares it: `default` when unset, none for
    /// cluster-scoped kinds.
    fn effective_namespace(&self) -> &'a str {
        if transform::cluster_scoped(self.kind) {
            ""
        } else if self.namespace.is_empty() {
            "default"
        } else {
            self.namespace
        }
    }

    /// Whether kustomize holds the two identities as one.
    fn same(&self, o: &IdRef<'_>) -> bool {
        self.group == o.group
            && self.version == o.version
            && self.kind == o.kind
            && self.name == o.name
            && self.effective_namespace() == o.effective_namespace()
    }
}

impl Id {
    pub(crate) fn of(node: &Node) -> Id {
        let r = IdRef::of(node);
        Id {
            group: r.group.to_string(),
            version: r.version.to_string(),
            kind: r.kind.to_string(),
            name: r.name.to_string(),
            namespace: r.namespace.to_string(),
        }
    }

    fn as_ref(&self) -> IdRef<'_> {
        IdRef {
            group: &self.group,
            version: &self.version,
            kind: &self.kind,
            name: &self.name,
            namespace: &self.namespace,
        }
    }

    /// The namespace as kustomize compares it (see [`IdRef::effective_namespace`]).
    pub(super) fn effective_namespace(&self) -> &str {
        self.as_ref().effective_namespace()
    }

    /// What [`IdRef::same`] compares, as one value.
    fn into_key(self) -> IdKey {
        let namespace = self.effective_namespace().to_string();
        (self.group, self.version, self.kind, self.name, namespace)
    }
}

impl std::fmt::Display for Id {
    /// As kustomize prints a `ResId`: `Service.v1.[noGrp]/s.[noNs]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            self.kind,
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            self.name,
            or(&self.namespace, "[noNs]")
        )
    }
}

/// A resource being rendered, with the identities it had before (kustomize's `OrgId`
/// first), which patch targets may still name.
#[derive(Clone, Debug)]
pub(crate) struct Res {
    pub node: Node,
    pub prev: Vec<Id>,
}

impl Res {
    fn id(&self) -> Id {
        Id::of(&self.node)
    }

    /// Remembers the current identity before it changes.
    fn remember(&mut self) {
        if self
            .prev
            .last()
            .is_none_or(|p| p.as_ref() != IdRef::of(&self.node))
        {
            self.prev.push(self.id());
        }
    }

    fn ids(&self) -> impl Iterator<Item = Id> + '_ {
        self.prev.iter().cloned().chain(std::iter::once(self.id()))
    }

    /// Whether `id` is the resource's identity, or one it had before.
    fn answers_to(&self, id: &IdRef<'_>) -> bool {
        let name = || {
            self.node
                .path(&["metadata", "name"])
                .and_then(Node::as_str)
                .unwrap_or("")
        };
        self.prev.iter().any(|p| p.as_ref().same(id))
            // The name first: one lookup, and it tells most resources apart.
            || (name() == id.name && IdRef::of(&self.node).same(id))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Top,
    Resource,
    Component,
}

struct Renderer<'a> {
    parsed: &'a Parsed,
    fs: &'a dyn Fs,
    out: Rendered,
    /// Documents by the file's clean path, as bytes.
    cache: HashMap<std::ffi::OsString, Result<usize, String>>,
    docs: Vec<Vec<Node>>,
    next_base: u64,
    stack: Vec<PathBuf>,
    seen: HashSet<(u8, std::ffi::OsString)>,
    fifo: bool,
    /// `vars` of every kustomization, with the span of their key.
    vars: Vec<(Node, Span)>,
    /// Whether a `configurations` file makes vars reach a kind the linter reads.
    var_refs_relevant: bool,
    /// Kustomizations built so far: a base included by two overlays is built twice, so a
    /// hostile tree of includes could ask for 2^depth builds.
    builds: usize,
}

/// The most kustomizations one render builds (each inclusion counts).
const MAX_BUILDS: usize = 5_000;

/// Keys of a kustomization that change nothing the linter reads, or only make kinds it
/// never reads.
const IGNORED: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "images",
    "imageTags",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "buildMetadata",
    "sortOptions",
    "replicas",
];

/// Keys whose effect canarylint does not render.
const UNSUPPORTED: &[&str] = &[
    "helmCharts",
    "helmChartInflationGenerator",
    "helmGlobals",
    "generators",
    "transformers",
    "validators",
    "crds",
    "openapi",
];

const HANDLED: &[&str] = &[
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patches",
    "patchesJson6902",
    "vars",
    "replacements",
];

pub(crate) fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
        || s.starts_with("git@")
        || s.starts_with("git::")
        || s.contains("?ref=")
        || s.contains(".git//")
}

impl Renderer<'_> {
    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.out.errors.push((message.into(), span));
    }

    fn note(&mut self, list: u8, path: &Path) {
        if self.seen.insert((list, path.as_os_str().to_owned())) {
            let v = match list {
                0 => &mut self.out.resource_files,
                1 => &mut self.out.patch_files,
                _ => &mut self.out.kustomizations,
            };
            v.push(path.to_path_buf());
        }
    }

    /// Reads and parses a file once; the index of its documents.
    fn file(&mut self, path: &Path) -> Result<usize, String> {
        if let Some(r) = self.cache.get(path.as_os_str()) {
            return r.clone();
        }
        let r = self.read_new(path);
        self.cache.insert(path.as_os_str().to_owned(), r.clone());
        r
    }

    fn read_new(&mut self, path: &Path) -> Result<usize, String> {
        let parsed = self.parsed.get(self.fs, path)?;
        let text = Arc::clone(&parsed.text);
        let base = self.next_base;
        if base + u64::from(parsed.len) + 1 > u64::from(u32::MAX) {
            return Err("the files of this kustomization are over 4 GB together".into());
        }
        self.next_base = base + u64::from(parsed.len) + 1;
        let mut loaded = yaml::Loaded {
            docs: parsed.loaded.docs.clone(),
            issues: parsed.loaded.issues.clone(),
            failed: parsed.loaded.failed,
            aliases_exhausted: parsed.loaded.aliases_exhausted,
        };
        loaded.shift(base as u32);
        // YAML the parser rejects is declined, not reported as a failure of the build:
        // kustomize's parser accepts some text this one does not (and the linter reports
        // syntax errors of the files it loads itself).
        for issue in &loaded.issues {
            if let yaml::LoadIssue::Syntax { span, message } = issue {
                self.out.unsupported.push((
                    format!(
                        "YAML canarylint cannot parse in `{}`: {message}",
                        path.display()
                    ),
                    *span,
                ));
            }
        }
        self.out.files.push(RenderedFile {
            path: path.to_path_buf(),
            base: base as u32,
            len: parsed.len,
            text,
        });
        self.docs.push(loaded.docs);
        Ok(self.docs.len() - 1)
    }

    /// Builds the kustomization in `dir` over the resources accumulated so far (`acc` is
    /// empty but for a component).
    fn build(&mut self, dir: &Path, mut acc: Vec<Res>, kind: Kind, at: Span) -> Vec<Res> {
        let Some(kfile) = kustomization_file(self.fs, dir) else {
            self.error(
                format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    dir.display()
                ),
                at,
            );
            return acc;
        };
        self.builds += 1;
        if self.builds > MAX_BUILDS {
            if self.builds == MAX_BUILDS + 1 {
                self.error(
                    format!("more than {MAX_BUILDS} kustomizations to build: not rendered"),
                    at,
                );
            }
            return acc;
        }
        let found = KUSTOMIZATION_NAMES
            .iter()
            .filter(|n| self.fs.is_file(&clean(&dir.join(n))))
            .count();
        if found > 1 {
            self.error(
                format!(
                    "Found multiple kustomization files under: {}",
                    dir.display()
                ),
                at,
            );
            return acc;
        }
        if self.stack.iter().any(|d| d == dir) {
            self.error(
                format!("cycle detected: '{}' includes itself", dir.display()),
                at,
            );
            return acc;
        }
        self.note(2, dir);
        let idx = match self.file(&kfile) {
            Ok(i) => i,
            Err(e) => {
                self.error(e, at);
                return acc;
            }
        };
        let k = self.docs[idx].first().cloned();
        let empty = k.as_ref().is_none_or(|k| {
            k.is_null()
                || k.entries()
                    .iter()
                    .all(|e| matches!(e.key.as_str(), Some("apiVersion" | "kind")))
        });
        let Some(k) = k.filter(|_| !empty) else {
            // As kustomize: a kustomization with nothing but its type is an error.
            let name = kfile.file_name().unwrap_or_default().to_string_lossy();
            let span = self.docs[idx].first().map_or(at, |d| d.span);
            self.error(format!("{name} is empty"), span);
            return acc;
        };
        if k.as_map().is_none() {
            self.error(
                format!(
                    "invalid Kustomization: {} is not a mapping",
                    kfile.display()
                ),
                k.span,
            );
            return acc;
        }
        let is_component = k.get("kind").and_then(Node::as_str) == Some("Component");
        match kind {
            Kind::Component if !is_component => {
                self.error(
                    format!(
                        "accumulating components: accumulateDirectory: \"expected kind 'Component' for path '{}' but got 'Kustomization'\"",
                        dir.display()
                    ),
                    at,
                );
                return acc;
            }
            Kind::Resource | Kind::Top if is_component => {
                self.error(
                    format!(
                        "accumulating resources: accumulateDirectory: \"expected kind != 'Component' for path '{}'\"",
                        dir.display()
                    ),
                    at,
                );
                return acc;
            }
            _ => {}
        }
        // kustomize reads its file with Go's JSON decoding, whose field names match in any
        // case: `apiversion` is `apiVersion`.
        let mut k = k;
        if let Value::Map(entries) = &mut k.value {
            for e in entries.iter_mut() {
                let Some(key) = e.key.as_str() else { continue };
                let known = IGNORED
                    .iter()
                    .chain(UNSUPPORTED)
                    .chain(HANDLED)
                    .chain(&["configurations"]);
                if let Some(canon) = known
                    .into_iter()
                    .find(|c| c.eq_ignore_ascii_case(key) && **c != key)
                {
                    if let Value::Scalar(s) = &mut e.key.value {
                        s.text = (*canon).into();
                    }
                }
            }
        }
        for e in k.entries() {
            let key = e.key.as_str().unwrap_or("");
            if UNSUPPORTED.contains(&key) {
                self.out.unsupported.push((key.to_string(), e.key.span));
            } else if key == "replacements" {
                if !self.replacements_harmless(dir, &e.value) {
                    self.out.unsupported.push((key.to_string(), e.key.span));
                }
            } else if key == "vars" {
                for v in e.value.items() {
                    self.vars.push((v.clone(), e.key.span));
                }
            } else if key == "configurations" {
                self.configurations(dir, e);
            } else if !IGNORED.contains(&key) && !HANDLED.contains(&key) {
                self.out
                    .unsupported
                    .push((format!("the key `{key}`"), e.key.span));
            }
        }
        if kind == Kind::Top {
            self.fifo = k.path(&["sortOptions", "order"]).and_then(Node::as_str) == Some("fifo");
        }
        self.stack.push(dir.to_path_buf());

        // Resources, then the legacy `bases` (kustomize appends them to `resources`).
        let mut items: Vec<Node> = Vec::new();
        for key in ["resources", "bases"] {
            if let Some(list) = k.get(key) {
                items.extend(list.items().iter().cloned());
            }
        }
        // The identities held so far, kept as resources are added: comparing each new
        // resource with every one held, or collecting them again for each entry, is
        // quadratic in a large build.
        let mut held: Option<HashSet<IdKey>> = None;
        for item in &items {
            let Some(entry) = item.as_str() else {
                self.error(
                    "invalid Kustomization: a resource is not a string",
                    item.span,
                );
                continue;
            };
            if is_remote(entry) {
                self.out
                    .unsupported
                    .push((format!("a remote resource `{entry}`"), item.span));
                continue;
            }
            let path = clean(&dir.join(entry));
            let new = self.resource(dir, entry, &path, item.span);
            if !new.is_empty() {
                let held =
                    held.get_or_insert_with(|| acc.iter().map(|a| a.id().into_key()).collect());
                self.add(&mut acc, held, new, &path, item.span);
            }
        }
        self.generator_files(dir, &k);
        if let Some(list) = k.get("components") {
            for item in list.items() {
                let Some(entry) = item.as_str() else {
                    continue;
                };
                if is_remote(entry) {
                    self.out
                        .unsupported
                        .push((format!("a remote component `{entry}`"), item.span));
                    continue;
                }
                let path = clean(&dir.join(entry));
                if !self.fs.is_dir(&path) {
                    self.error(
                        format!(
                            "accumulating components: accumulation err='accumulating components from '{entry}': evalsymlink failure on '{}' : lstat {}: no such file or directory'",
                            path.display(),
                            path.display()
                        ),
                        item.span,
                    );
                    continue;
                }
                acc = self.build(&path, acc, Kind::Component, item.span);
            }
        }

        if let Some(list) = k.get("patchesStrategicMerge") {
            for item in list.items() {
                self.patch_strategic_merge(dir, &kfile, item, &mut acc);
            }
        }
        if let Some(list) = k.get("patches") {
            for item in list.items() {
                if item.as_map().is_none() {
                    self.error(
                        "invalid Kustomization: json: cannot unmarshal string into Go struct field Kustomization.patches of type types.Patch",
                        item.span,
                    );
                    continue;
                }
                self.patch(dir, &kfile, item, &mut acc, false);
            }
        }
        if let Some(ns) = k
            .get("namespace")
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
        {
            transform::namespace(&mut acc, ns);
        }
        let prefix = k.get("namePrefix").filter(|n| n.as_str().is_some());
        let suffix = k.get("nameSuffix").filter(|n| n.as_str().is_some());
        if prefix.is_some() || suffix.is_some() {
            transform::prefix_suffix(
                &mut acc,
                prefix.and_then(Node::as_str).unwrap_or(""),
                suffix.and_then(Node::as_str).unwrap_or(""),
            );
        }
        if let Some(labels) = k.get("labels") {
            for l in labels.items() {
                if let Some(f) = l.entry("fields") {
                    self.out
                        .unsupported
                        .push(("labels with `fields`".into(), f.key.span));
                }
                let pairs = l.get("pairs");
                let sel = l
                    .get("includeSelectors")
                    .and_then(|n| n.as_scalar()?.as_bool())
                    == Some(true);
                let tpl = l
                    .get("includeTemplates")
                    .and_then(|n| n.as_scalar()?.as_bool())
                    == Some(true);
                if let Some(pairs) = pairs {
                    if self.string_map(pairs, "labels.pairs") {
                        transform::labels(&mut acc, pairs, sel, tpl || sel);
                    }
                }
            }
        }
        if let Some(cl) = k.get("commonLabels") {
            if self.string_map(cl, "commonLabels") {
                transform::labels(&mut acc, cl, true, true);
            }
        }
        if let Some(ca) = k.get("commonAnnotations") {
            if self.string_map(ca, "commonAnnotations") {
                transform::annotations(&mut acc, ca);
            }
        }
        if let Some(list) = k.get("patchesJson6902") {
            for item in list.items() {
                self.patch(dir, &kfile, item, &mut acc, true);
            }
        }
        self.stack.pop();
        acc
    }

    /// `configurations` files add field specs to kustomize's transformers. Those that can
    /// touch only kinds the linter never reads, and `varReference` and `images` (no effect
    /// on what it reads; `vars` itself is declined), are harmless; any other is declined.
    fn configurations(&mut self, dir: &Path, e: &Entry) {
        let decline = |me: &mut Self| {
            me.out
                .unsupported
                .push(("configurations".into(), e.key.span))
        };
        for item in e.value.items() {
            let Some(rel) = item.as_str() else {
                return decline(self);
            };
            let path = clean(&dir.join(rel));
            let Ok(i) = self.file(&path) else {
                return decline(self);
            };
            let Some(doc) = self.docs[i].first() else {
                continue;
            };
            for section in doc.entries() {
                let name = section.key.as_str().unwrap_or("");
                if name == "images" {
                    continue;
                }
                if name == "varReference" {
                    // Harmless unless vars are used (checked once rendered).
                    if section.value.items().iter().any(|f| {
                        f.get("kind")
                            .and_then(Node::as_str)
                            .is_none_or(crate::model::kinds::Kind::is_relevant_name)
                    }) {
                        self.var_refs_relevant = true;
                    }
                    continue;
                }
                // The kinds a section's field specs apply to: `fieldSpecs` of name
                // references, the specs themselves elsewhere.
                let specs: Vec<&Node> = if name == "nameReference" {
                    section
                        .value
                        .items()
                        .iter()
                        .flat_map(|r| r.get("fieldSpecs").map(Node::items).unwrap_or(&[]))
                        .collect()
                } else {
                    section.value.items().iter().collect()
                };
                let relevant = specs.iter().any(|f| {
                    f.get("kind")
                        .and_then(Node::as_str)
                        .is_none_or(crate::model::kinds::Kind::is_relevant_name)
                });
                if relevant {
                    return decline(self);
                }
            }
        }
    }

    /// Whether `replacements` only write fields the linter never reads: targets of kinds
    /// it does not read, or the pod spec of a workload (`spec.template.spec…`). Anything
    /// else is declined.
    fn replacements_harmless(&mut self, dir: &Path, list: &Node) -> bool {
        let mut reps: Vec<Node> = Vec::new();
        for item in list.items() {
            match item.get("path") {
                Some(p) => match self.patch_docs(dir, Some(p), None, false) {
                    Some(docs) => {
                        for d in docs {
                            match d.as_seq() {
                                Some(items) => reps.extend(items.iter().cloned()),
                                None => reps.push(d),
                            }
                        }
                    }
                    None => return false,
                },
                None => reps.push(item.clone()),
            }
        }
        reps.iter().all(|r| {
            r.get("targets").is_some_and(|t| {
                t.items().iter().all(|t| {
                    let Some(kind) = t.path(&["select", "kind"]).and_then(Node::as_str) else {
                        return false;
                    };
                    if !crate::model::kinds::Kind::is_relevant_name(kind) {
                        return true;
                    }
                    let prefix = match kind {
                        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
                            "spec.template.spec."
                        }
                        "Pod" => "spec.",
                        _ => return false,
                    };
                    let paths = t.get("fieldPaths").map(Node::items).unwrap_or(&[]);
                    !paths.is_empty()
                        && paths
                            .iter()
                            .all(|p| p.as_str().is_some_and(|p| p.starts_with(prefix)))
                })
            })
        })
    }

    /// Whether `vars` may change what the linter reads: the span of a `vars` key if so.
    /// kustomize substitutes `$(VAR)` only in its `varReference` fields (upstream
    /// api/konfig/builtinpluginconsts/varreference.go); of the parts the linter reads those
    /// are labels, annotations and Service ports. A var whose object is not among the
    /// resources is declined too (kustomize would fail).
    fn vars_unsupported(&self, res: &[Res]) -> Option<Span> {
        let (_, span) = self.vars.first()?;
        if self.var_refs_relevant {
            return Some(*span);
        }
        fn has_ref(n: &Node) -> bool {
            match &n.value {
                Value::Scalar(s) => s.text.contains("$("),
                Value::Seq(items) => items.iter().any(has_ref),
                Value::Map(entries) => entries.iter().any(|e| has_ref(&e.value)),
            }
        }
        for r in res {
            let n = &r.node;
            let api = n.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            let kind = n.get("kind").and_then(Node::as_str).unwrap_or("");
            if crate::model::kinds::Kind::from_api(api, kind).is_none() {
                continue;
            }
            let mut fields = vec![
                n.path(&["metadata", "labels"]),
                n.path(&["metadata", "annotations"]),
            ];
            if kind == "Service" {
                fields.push(n.path(&["spec", "ports"]));
            }
            if fields.into_iter().flatten().any(has_ref) {
                return Some(*span);
            }
        }
        for (v, span) in &self.vars {
            let kind = v.path(&["objref", "kind"]).and_then(Node::as_str);
            let name = v.path(&["objref", "name"]).and_then(Node::as_str);
            let found = res.iter().any(|r| {
                r.ids()
                    .any(|id| Some(id.kind.as_str()) == kind && Some(id.name.as_str()) == name)
            });
            if !found {
                return Some(*span);
            }
        }
        None
    }

    /// The files of `configMapGenerator` and `secretGenerator` must exist, or kustomize
    /// fails (the generated kinds are never read). See [`is_generator_error`].
    fn generator_files(&mut self, dir: &Path, k: &Node) {
        for g in ["configMapGenerator", "secretGenerator"] {
            for item in k.get(g).map(Node::items).unwrap_or(&[]) {
                for (field, what) in [
                    ("envs", "env source files"),
                    ("env", "env source files"),
                    ("files", "file sources"),
                ] {
                    let Some(list) = item.get(field) else {
                        continue;
                    };
                    let entries: Vec<&Node> = match list.as_seq() {
                        Some(items) => items.iter().collect(),
                        None => vec![list],
                    };
                    let all: Vec<&str> = entries.iter().filter_map(|n| n.as_str()).collect();
                    for n in &entries {
                        let Some(s) = n.as_str() else { continue };
                        // `files` entries may be `key=path`.
                        let rel = if field == "files" {
                            s.split_once('=').map_or(s, |(_, p)| p)
                        } else {
                            s
                        };
                        let path = clean(&dir.join(rel));
                        if !self.fs.is_file(&path) && !self.fs.is_dir(&path) {
                            self.error(
                                format!(
                                    "{GENERATOR_ERROR}{what}: [{}]: evalsymlink failure on '{}' : lstat {}: no such file or directory",
                                    all.join(" "),
                                    path.display(),
                                    path.display()
                                ),
                                n.span,
                            );
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Whether a map of labels or annotations holds only strings, as kustomize's
    /// `map[string]string` requires; an error if not.
    fn string_map(&mut self, m: &Node, field: &str) -> bool {
        if m.is_null() {
            return false;
        }
        if m.as_map().is_none() {
            self.error(
                format!("invalid Kustomization: json: cannot unmarshal into Go struct field Kustomization.{field} of type map[string]string"),
                m.span,
            );
            return false;
        }
        for e in m.entries() {
            let ty = match &e.value.value {
                // kustomize reads its file as YAML 1.1, where `y`, `no` and `on` are booleans.
                Value::Scalar(s) if yaml11_bool(s) => "bool",
                Value::Scalar(s) => match core_type(s) {
                    serde_json::Value::String(_) => continue,
                    serde_json::Value::Null => continue,
                    serde_json::Value::Bool(_) => "bool",
                    _ => "number",
                },
                _ => "object",
            };
            self.error(
                format!("invalid Kustomization: json: cannot unmarshal {ty} into Go struct field Kustomization.{field} of type string"),
                e.value.span,
            );
            return false;
        }
        true
    }

    /// The resources of one `resources` entry: a file's documents or a kustomization's output.
    fn resource(&mut self, dir: &Path, entry: &str, path: &Path, at: Span) -> Vec<Res> {
        if self.fs.is_dir(path) {
            if kustomization_file(self.fs, path).is_none() {
                self.error(
                    format!(
                        "accumulating resources: accumulation err='accumulating resources from '{entry}': read {}: is a directory': couldn't make target for path '{}': unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                        path.display(), path.display(), path.display()
                    ),
                    at,
                );
                return Vec::new();
            }
            return self.build(path, Vec::new(), Kind::Resource, at);
        }
        if !self.fs.is_file(path) {
            // kustomize names the first missing directory on the way.
            let mut missing = path;
            while let Some(parent) = missing.parent() {
                if parent.as_os_str().is_empty()
                    || self.fs.is_dir(parent)
                    || self.fs.is_file(parent)
                {
                    break;
                }
                missing = parent;
            }
            self.error(
                format!(
                    "accumulating resources: accumulation err='accumulating resources from '{entry}': evalsymlink failure on '{}' : lstat {}: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '{}' : lstat {}: no such file or directory",
                    path.display(),
                    missing.display(),
                    path.display(),
                    missing.display()
                ),
                at,
            );
            return Vec::new();
        }
        if !within(path, dir) {
            self.error(
                format!(
                    "accumulating resources: accumulation err='accumulating resources from '{entry}': security; file '{}' is not in or below '{}''",
                    path.display(),
                    dir.display()
                ),
                at,
            );
            return Vec::new();
        }
        let idx = match self.file(path) {
            Ok(i) => i,
            Err(e) => {
                self.error(format!("accumulating resources from '{entry}': {e}"), at);
                return Vec::new();
            }
        };
        self.note(0, path);
        match self.resources_of(idx) {
            Ok(out) => out,
            Err((message, span)) => {
                self.error(
                    format!("accumulating resources from '{entry}': {message}"),
                    span,
                );
                Vec::new()
            }
        }
    }

    /// The resources of a file of resources (documents `idx`), as kustomize reads them
    /// (`RNodesFromBytes` in `api/resource/factory.go`): every document is checked first,
    /// then each list (a kind ending in `List`, with `items`) is replaced by its items, which
    /// are checked and follow the file's other documents. The first fault fails the file.
    fn resources_of(&mut self, idx: usize) -> Result<Vec<Res>, (String, Span)> {
        let mut queue: std::collections::VecDeque<Node> = self.docs[idx].clone().into();
        if let Some(fault) = queue.iter().find_map(refused) {
            return Err(fault);
        }
        let mut out = Vec::new();
        while let Some(d) = queue.pop_front() {
            if is_empty_node(&d) {
                continue;
            }
            let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
            let items = d.get("items").filter(|_| kind.ends_with("List"));
            match items {
                // Not a collection: a resource of its own.
                None => out.push(Res {
                    node: d,
                    prev: Vec::new(),
                }),
                Some(items) if items.is_null() => {}
                Some(items) => {
                    let Some(items) = items.as_seq() else {
                        return Err((
                            format!(
                                "expected array in {kind}/items, but found {}",
                                go_type(items)
                            ),
                            items.span,
                        ));
                    };
                    if let Some(fault) = items.iter().find_map(refused) {
                        return Err(fault);
                    }
                    queue.extend(items.iter().filter(|i| !is_empty_node(i)).cloned());
                }
            }
        }
        Ok(out)
    }

    /// Adds `new` to `acc`, whose identities `held` holds, refusing an identity held
    /// already.
    fn add(
        &mut self,
        acc: &mut Vec<Res>,
        held: &mut HashSet<IdKey>,
        new: Vec<Res>,
        path: &Path,
        at: Span,
    ) {
        for r in new {
            if !held.insert(r.id().into_key()) {
                let id = r.id();
                let what = if self.fs.is_dir(path) {
                    format!("recursed merging from path '{}'", path.display())
                } else {
                    format!("merging resources from '{}'", path.display())
                };
                self.error(
                    format!("accumulating resources: {what}: may not add resource with an already registered id: {id}"),
                    at,
                );
                continue;
            }
            acc.push(r);
        }
    }

    /// The text of a patch given as a path (read as a patch file) or inline, parsed: its
    /// documents with virtual spans.
    fn patch_docs(
        &mut self,
        dir: &Path,
        path: Option<&Node>,
        inline: Option<&Node>,
        is_patch: bool,
    ) -> Option<Vec<Node>> {
        if let Some(p) = path {
            let Some(rel) = p.as_str() else {
                self.error(
                    "invalid Kustomization: a patch path is not a string",
                    p.span,
                );
                return None;
            };
            let full = clean(&dir.join(rel));
            if !self.fs.is_file(&full) {
                self.error(
                    format!("trouble configuring builtin PatchTransformer with config: `path: {rel}`: open {}: no such file or directory", full.display()),
                    p.span,
                );
                return None;
            }
            if !within(&full, dir) {
                self.error(
                    format!(
                        "security; file '{}' is not in or below '{}'",
                        full.display(),
                        dir.display()
                    ),
                    p.span,
                );
                return None;
            }
            return match self.file(&full) {
                Ok(i) => {
                    if is_patch {
                        self.note(1, &full);
                    }
                    Some(self.docs[i].clone())
                }
                Err(e) => {
                    self.error(e, p.span);
                    None
                }
            };
        }
        let inline = inline?;
        let text = inline.as_str()?;
        Some(self.inline_docs(inline, text))
    }

    /// Parses an inline patch and maps its spans into the kustomization file.
    fn inline_docs(&mut self, node: &Node, text: &str) -> Vec<Node> {
        let loaded = yaml::load(text, 0);
        let file = self.out.file_of(node.span).cloned();
        let map = file.as_ref().map(|f| InlineMap::new(f, node));
        let mut docs = loaded.docs;
        for d in &mut docs {
            remap(d, &|o| match &map {
                Some(Some(m)) => m.map(o),
                _ => node.span,
            });
        }
        if loaded.failed {
            for issue in &loaded.issues {
                if let yaml::LoadIssue::Syntax { message, .. } = issue {
                    self.out.unsupported.push((
                        format!("an inline patch canarylint cannot parse: {message}"),
                        node.span,
                    ));
                }
            }
        }
        docs
    }

    /// One entry of `patchesStrategicMerge`: a path or an inline patch.
    fn patch_strategic_merge(
        &mut self,
        dir: &Path,
        _kfile: &Path,
        item: &Node,
        acc: &mut Vec<Res>,
    ) {
        let Some(text) = item.as_str() else {
            return;
        };
        // As kustomize: a string that parses as resources is an inline patch, else a path.
        let looks_inline =
            text.contains('\n') || text.contains(": ") || text.trim_start().starts_with('{');
        let docs = if looks_inline {
            Some(self.inline_docs(item, text))
        } else {
            self.patch_docs(dir, Some(item), None, true)
        };
        let Some(docs) = docs else { return };
        for d in docs {
            if d.is_null() {
                continue;
            }
            let id = Id::of(&d);
            let prefix = format!("no resource matches strategic merge patch \"{id}\": ");
            self.smp_by_id(&d, acc, &prefix);
        }
    }

    /// Applies a strategic-merge patch to the one resource its identity names.
    fn smp_by_id(&mut self, patch: &Node, acc: &mut Vec<Res>, prefix: &str) {
        let id = Id::of(patch);
        let hits: Vec<usize> = acc
            .iter()
            .enumerate()
            .filter(|(_, r)| r.answers_to(&id.as_ref()))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [i] => {
                let i = *i;
                if merge::apply(&mut acc[i].node, patch, &mut self.out.dropped) {
                    acc.remove(i);
                }
            }
            [] => self.error(
                format!("{prefix}no matches for Id {id}; failed to find unique target for patch {id}"),
                patch.span,
            ),
            _ => self.error(
                format!("{prefix}multiple matches for Id {id}; failed to find unique target for patch {id}"),
                patch.span,
            ),
        }
    }

    /// One entry of `patches` (or of `patchesJson6902` when `json`).
    fn patch(&mut self, dir: &Path, _kfile: &Path, item: &Node, acc: &mut Vec<Res>, json: bool) {
        let path = item.get("path");
        let inline = item.get("patch");
        if path.is_some() && inline.is_some() {
            self.error("patch and path can't be set at the same time", item.span);
            return;
        }
        if path.is_none() && inline.is_none() {
            self.error("must specify one of patch and path", item.span);
            return;
        }
        if let Some(o) = item.get("options") {
            for e in o.entries() {
                if e.value.as_scalar().and_then(Scalar::as_bool) == Some(true) {
                    let name = e.key.as_str().unwrap_or("");
                    if name != "allowNoTargetMatch" {
                        self.out
                            .unsupported
                            .push((format!("the patch option `{name}`"), e.key.span));
                    }
                }
            }
        }
        let Some(docs) = self.patch_docs(dir, path, inline, true) else {
            return;
        };
        let docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
        let target = item.get("target");
        let is_json = json || docs.first().is_some_and(|d| d.as_seq().is_some());
        if is_json {
            let Some(ops) = docs.first() else { return };
            let Some(target) = target else {
                self.error("must specify a target for JSON patch", item.span);
                return;
            };
            let Some(sel) = self.selector(target) else {
                return;
            };
            for r in acc.iter_mut().filter(|r| sel.matches(r)) {
                // kustomize keeps its own annotations on every resource while it builds, so
                // `/metadata/annotations/…` always has a parent.
                transform::ensure_annotations(&mut r.node, ops.span);
                // A resource of a kind the linter never reads holds only its identity (see
                // `load::load_for_render`): its paths cannot be checked.
                let read = relevant_kind(&r.node);
                if let Err((m, s)) = json6902::apply(&mut r.node, ops) {
                    if read {
                        self.out.errors.push((m, s));
                        return;
                    }
                }
            }
            return;
        }
        match target {
            None => {
                for d in &docs {
                    self.smp_by_id(d, acc, "");
                }
            }
            Some(target) => {
                let Some(sel) = self.selector(target) else {
                    return;
                };
                let mut i = 0;
                while i < acc.len() {
                    if !sel.matches(&acc[i]) {
                        i += 1;
                        continue;
                    }
                    let mut deleted = false;
                    for d in &docs {
                        if merge::apply(&mut acc[i].node, d, &mut self.out.dropped) {
                            deleted = true;
                            break;
                        }
                    }
                    if deleted {
                        acc.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }

    fn selector(&mut self, target: &Node) -> Option<transform::Selector> {
        match transform::Selector::new(target) {
            Ok(s) => Some(s),
            Err((m, s)) => {
                self.error(m, s);
                None
            }
        }
    }
}

/// Maps offsets in the text of a block scalar (as parsed) to offsets in its file.
struct InlineMap {
    /// For each line of the scalar's text: its virtual start in the file.
    lines: Vec<(usize, usize)>,
    /// Line starts in the scalar's text.
    starts: Vec<usize>,
    whole: Span,
}

impl InlineMap {
    fn new(file: &RenderedFile, node: &Node) -> Option<InlineMap> {
        let s = node.as_scalar()?;
        if s.style != Style::Block {
            return None;
        }
        let text: &str = &file.text;
        let start = (node.span.start - file.base) as usize;
        let end = ((node.span.end - file.base) as usize).min(text.len());
        // The scalar's span starts at its first character of content, after the indentation.
        let body_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
        let indent = start - body_start;
        let mut lines = Vec::new();
        let mut at = body_start;
        for l in text[body_start..].split_inclusive('\n') {
            let content = l.trim_end_matches(['\n', '\r']);
            let ind = indent.min(content.len() - content.trim_start_matches(' ').len());
            lines.push((
                file.base as usize + at + ind,
                file.base as usize + at + content.len(),
            ));
            at += l.len();
            if at >= end {
                break;
            }
        }
        let mut starts = vec![0];
        for (i, b) in s.text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Some(InlineMap {
            lines,
            starts,
            whole: node.span,
        })
    }

    fn map(&self, span: Span) -> Span {
        Span::new(
            self.offset(span.start as usize),
            self.offset(span.end as usize),
        )
    }

    fn offset(&self, o: usize) -> usize {
        let line = self.starts.partition_point(|&s| s <= o).saturating_sub(1);
        let col = o - self.starts[line];
        match self.lines.get(line) {
            Some(&(start, end)) => (start + col)
                .min(end.max(start))
                .min(self.whole.end as usize),
            None => self.whole.end as usize,
        }
    }
}

fn remap(node: &mut Node, f: &dyn Fn(Span) -> Span) {
    node.span = f(node.span);
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| remap(n, f)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            remap(&mut e.key, f);
            remap(&mut e.value, f);
        }),
    }
}

/// A new plain scalar.
pub(crate) fn scalar(text: &str, span: Span) -> Node {
    Node {
        span,
        value: Value::Scalar(Scalar {
            text: text.into(),
            style: Style::Plain,
            tag: None,
        }),
    }
}

/// A new empty mapping.
pub(crate) fn empty_map(span: Span) -> Node {
    Node {
        span,
        value: Value::Map(Vec::new()),
    }
}

/// The value of a plain scalar under the YAML 1.2 core schema; a string for any other.
pub(crate) fn core_type(s: &Scalar) -> serde_json::Value {
    use serde_json::Value as J;
    let tag = s.tag.as_deref();
    if s.style != Style::Plain || tag.is_some_and(|t| t.ends_with("str")) {
        return J::String(s.text.to_string());
    }
    if s.is_null() || tag.is_some_and(|t| t.ends_with("null")) {
        return J::Null;
    }
    if let Some(b) = s.as_bool() {
        return J::Bool(b);
    }
    if let Some(i) = s.as_int() {
        return J::from(i);
    }
    let t = s.text.as_str();
    let float_like = {
        let body = t.strip_prefix(['-', '+']).unwrap_or(t);
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let mant_ok = {
            let (a, b) = mant.split_once('.').unwrap_or((mant, ""));
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
                && (mant.contains('.') || !a.is_empty())
        };
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        });
        mant_ok && exp_ok
    };
    if float_like {
        if let Ok(f) = t.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return J::Number(n);
            }
        }
    }
    J::String(s.text.to_string())
}

/// A plain scalar that YAML 1.1 reads as a boolean and YAML 1.2 as a string.
fn yaml11_bool(s: &Scalar) -> bool {
    s.style == Style::Plain
        && s.tag.is_none()
        && matches!(
            s.text.as_str(),
            "y" | "Y"
                | "yes"
                | "Yes"
                | "YES"
                | "n"
                | "N"
                | "no"
                | "No"
                | "NO"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
        )
}

/// A node as data, spans dropped.
pub(crate) fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Scalar(s) => core_type(s),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let mut m = serde_json::Map::new();
            for Entry { key, value } in entries {
                let k = match key.as_scalar() {
                    Some(s) => s.text.to_string(),
                    None => to_json(key).to_string(),
                };
                m.insert(k, to_json(value));
            }
            J::Object(m)
        }
    }
}
