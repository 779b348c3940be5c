//! A resource: one Kubernetes object from a document (or a `List` item), with its identity.

use crate::diagnostic::ResourceKey;
use crate::model::kinds::Kind;
use crate::model::spanned::Location;
use crate::source::{FileId, Span};
use crate::yaml::Node;

#[derive(Debug)]
pub struct Resource {
    pub kind: Kind,
    pub api_version: String,
    pub name: String,
    /// `metadata.namespace`, else the kustomization's or the default namespace.
    pub namespace: String,
    pub namespace_source: NamespaceSource,
    pub file: FileId,
    /// The object's root mapping.
    pub root: Node,
    /// The node that names the resource (`metadata.name`, else `kind`), for findings about
    /// the resource as a whole.
    pub name_span: Span,
}

/// Where a resource's namespace comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamespaceSource {
    /// `metadata.namespace`.
    Explicit,
    /// The `namespace:` of a kustomization above the file.
    Kustomization,
    /// Neither: the default namespace, a guess (the manifest may be applied anywhere).
    Default,
}

impl Resource {
    pub fn key(&self) -> ResourceKey {
        ResourceKey {
            kind: self.kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// Where a span of the resource's file is.
    pub fn location(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    /// Where the resource is named, for findings and messages about it as a whole.
    pub fn name_location(&self) -> Location {
        self.location(self.name_span)
    }

    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    /// `metadata.labels`, as pairs of strings.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        string_pairs(self.root.path(&["metadata", "labels"]))
    }
}

/// The string-valued entries of a mapping.
pub fn string_pairs(node: Option<&Node>) -> impl Iterator<Item = (&str, &str)> {
    node.map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| Some((e.key.as_str()?, e.value.as_str()?)))
}

/// Whether a value is a Helm or Go template expression, which only a renderer can resolve.
pub fn is_templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${")
}
