//! Load: read a file, split it into documents, and parse only the documents the rules need
//! into span-aware nodes. Nothing here fails: problems become diagnostics.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::model::kinds::Kind;
use crate::model::resource::{NamespaceSource, Resource};
use crate::prescan;
use crate::rules::registry::RuleId;
use crate::source::{SourceFile, Span};
use crate::yaml::{self, LoadIssue, Node};

/// Files over this size are skipped.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Parse every document, not only those whose kind may matter (checks the pre-scan).
    pub full_parse: bool,
}

/// A resource before its namespace default is known.
pub struct RawResource {
    pub resource: Resource,
    pub explicit_namespace: bool,
}

/// What loading one file produced. Diagnostics and resources carry file id 0 until the
/// workspace numbers the files.
pub struct LoadedFile {
    pub source: SourceFile,
    pub resources: Vec<RawResource>,
    pub diagnostics: Vec<Diagnostic>,
    pub documents: usize,
    /// Whether anything in the file needs its text later (resources or findings).
    pub keep: bool,
}

fn note(source: SourceFile, span: Span, rule: RuleId, message: String) -> LoadedFile {
    LoadedFile {
        source,
        resources: Vec::new(),
        diagnostics: vec![Diagnostic::new(rule, 0, span, message)],
        documents: 0,
        keep: true,
    }
}

pub fn load_file(path: PathBuf, display: String, opts: LoadOptions) -> LoadedFile {
    let empty = |path: PathBuf, display: String| SourceFile::new(path, display, Arc::from(""));
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() && m.len() > MAX_FILE_BYTES => {
            let msg = format!(
                "skipped: the file is {:.1} MB, over the {} MB limit",
                m.len() as f64 / 1_048_576.0,
                MAX_FILE_BYTES / 1_048_576
            );
            return note(
                empty(path, display),
                Span::default(),
                RuleId::SkippedFile,
                msg,
            );
        }
        _ => {}
    }
    let read = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
    } else {
        std::fs::read(&path)
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            let msg = format!("cannot read the file: {e}");
            return note(empty(path, display), Span::default(), RuleId::IoError, msg);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
            let src = SourceFile::new(path, display, Arc::from(valid));
            let span = Span::new(at, at);
            let msg =
                format!("skipped: the file is not valid UTF-8 (first bad byte at offset {at})");
            return note(src, span, RuleId::SkippedFile, msg);
        }
    };
    let source = SourceFile::new(path, display, Arc::from(text));
    if source.text.trim().is_empty() {
        return note(
            source,
            Span::default(),
            RuleId::SkippedFile,
            "skipped: the file is empty".into(),
        );
    }
    load_text(source, opts)
}

/// Loads the documents of an in-memory file.
pub fn load_text(source: SourceFile, opts: LoadOptions) -> LoadedFile {
    let text = Arc::clone(&source.text);
    // A byte-order mark is not part of the first document.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut out = LoadedFile {
        source,
        resources: Vec::new(),
        diagnostics: Vec::new(),
        documents: 0,
        keep: false,
    };
    let mut templated: Vec<Span> = Vec::new();
    for seg in prescan::segments(&text[bom..]) {
        let (start, end) = (seg.start + bom, seg.end + bom);
        out.documents += 1;
        let known_irrelevant = seg.kind.certainly_not(Kind::is_relevant_name);
        if known_irrelevant && !opts.full_parse {
            continue;
        }
        let piece = &text[start..end];
        let loaded = yaml::load(piece, start);
        // A document that failed to parse counts unless its lines already ruled it out.
        let mut relevant = loaded.failed && !known_irrelevant;
        for doc in loaded.docs {
            let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
                continue;
            };
            if !Kind::is_relevant_name(kind) {
                continue;
            }
            // `name: {{ .Values.x }}` parses as a mapping used as a key: a template that
            // only looks like YAML.
            if piece.contains("{{") && doc.has_collection_key() {
                templated.push(doc.span);
                continue;
            }
            relevant = true;
            collect_resources(doc, &mut out.resources);
        }
        if !relevant {
            continue;
        }
        for issue in loaded.issues {
            out.diagnostics.push(match issue {
                LoadIssue::Syntax { span, .. } if piece.contains("{{") => {
                    templated.push(span);
                    continue;
                }
                LoadIssue::Syntax { span, message } => {
                    Diagnostic::new(RuleId::YamlSyntax, 0, span, message)
                }
                LoadIssue::DuplicateKey { key, first, second } => {
                    let line = out.source.line_col(first.start as usize).line;
                    Diagnostic::new(
                        RuleId::DuplicateKey,
                        0,
                        second,
                        format!("key `{key}` is given twice; the first is at line {line}"),
                    )
                    .help("remove one of them: most loaders silently keep the last, some the first, and the API server rejects the document")
                }
            });
        }
    }
    if let Some(&first) = templated.first() {
        // One note per file: a chart's templates are expected not to parse.
        let n = templated.len();
        let what = if n == 1 {
            "a document that uses".to_string()
        } else {
            format!("{n} documents that use")
        };
        out.diagnostics.push(
            Diagnostic::new(
                RuleId::SkippedFile,
                0,
                first,
                format!(
                    "skipped {what} template syntax (`{{{{ ... }}}}`): YAML only once rendered"
                ),
            )
            .help("lint the rendered output instead, e.g. `helm template . | canarylint check -`"),
        );
    }
    out.keep = !out.resources.is_empty() || !out.diagnostics.is_empty();
    if !out.keep {
        out.source.forget_text();
    }
    out
}

/// Turns a document into resources: itself, or the items of a `List`.
fn collect_resources(doc: Node, out: &mut Vec<RawResource>) {
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
    if kind == "List" || kind.ends_with("List") {
        let Some(yaml::Value::Seq(_)) = doc.get("items").map(|n| &n.value) else {
            return;
        };
        let yaml::Value::Map(entries) = doc.value else {
            return;
        };
        for e in entries {
            if e.key.as_str() != Some("items") {
                continue;
            }
            if let yaml::Value::Seq(items) = e.value.value {
                for item in items {
                    if let Some(r) = resource(item) {
                        out.push(r);
                    }
                }
            }
        }
        return;
    }
    if let Some(r) = resource(doc) {
        out.push(r);
    }
}

fn resource(root: Node) -> Option<RawResource> {
    let api = root.get("apiVersion")?.as_str()?;
    let kind_node = root.get("kind")?;
    let kind = Kind::from_api(api, kind_node.as_str()?)?;
    let meta = root.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    let name = name_node.and_then(Node::as_str).unwrap_or("").to_string();
    let name_span = name_node.map_or(kind_node.span, |n| n.span);
    let ns = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .map(str::to_string);
    Some(RawResource {
        explicit_namespace: ns.is_some(),
        resource: Resource {
            kind,
            api_version: api.to_string(),
            name,
            namespace: ns.unwrap_or_default(),
            namespace_source: NamespaceSource::Explicit,
            file: 0,
            root,
            name_span,
        },
    })
}

/// Finds the `namespace:` that the nearest kustomization above a directory sets.
#[derive(Default)]
pub struct KustomizeNamespaces {
    cache: std::collections::HashMap<PathBuf, Option<String>>,
}

impl KustomizeNamespaces {
    pub fn namespace_for(&mut self, file: &Path) -> Option<String> {
        let dir = file.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.lookup(&dir)
    }

    fn lookup(&mut self, dir: &Path) -> Option<String> {
        if let Some(hit) = self.cache.get(dir) {
            return hit.clone();
        }
        let own = kustomization_namespace(dir);
        // The repository root ends the search: kustomizations outside it do not apply.
        let found = match own {
            Some(ns) => Some(ns),
            None if dir.join(".git").exists() => None,
            None => dir.parent().and_then(|p| self.lookup(p)),
        };
        self.cache.insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn kustomization_namespace(dir: &Path) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).ok()?;
            let loaded = yaml::load(&text, 0);
            let ns = loaded.docs.first()?.get("namespace")?.as_str()?.to_string();
            Some(ns)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str, full: bool) -> LoadedFile {
        let src = SourceFile::new(PathBuf::from("t.yaml"), "t.yaml".into(), Arc::from(text));
        load_text(src, LoadOptions { full_parse: full })
    }

    #[test]
    fn list_items_become_resources() {
        let f = load_str(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n",
            false,
        );
        assert_eq!(f.resources.len(), 1);
        assert_eq!(f.resources[0].resource.name, "a");
    }

    #[test]
    fn syntax_errors_only_for_relevant_documents() {
        let text = "kind: ConfigMap\ndata: [\n---\nkind: VirtualService\nspec: [\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ok}\n";
        for full in [false, true] {
            let f = load_str(text, full);
            let rules: Vec<_> = f.diagnostics.iter().map(|d| d.rule).collect();
            assert_eq!(rules, vec![RuleId::YamlSyntax], "full={full}");
            assert_eq!(f.resources.len(), 1);
        }
    }

    #[test]
    fn templates_are_skipped_with_a_note() {
        let f = load_str(
            "kind: VirtualService\nspec:\n  {{- if .Values.x }}\n  hosts: [a]\n",
            false,
        );
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].rule, RuleId::SkippedFile);
    }
}
