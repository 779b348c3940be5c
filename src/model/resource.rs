//! A resource: one Kubernetes object from a document (or a `List` item), with its identity.

use crate::diagnostic::ResourceKey;
use crate::model::kinds::Kind;
use crate::model::spanned::Location;
use crate::source::{FileId, Span};
use crate::yaml::Node;

#[derive(Debug)]
pub struct Resource {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    /// `metadata.namespace`, else the kustomization's or the default namespace.
    pub(crate) namespace: String,
    pub(crate) namespace_source: NamespaceSource,
    pub(crate) file: FileId,
    /// The object's root mapping; shared by the indexes that look the resource up (each
    /// overlay's index holds the manifests outside it that share its namespaces).
    pub(crate) root: std::sync::Arc<Node>,
    /// The node that names the resource (`metadata.name`, else `kind`), for findings about
    /// the resource as a whole.
    pub(crate) name_span: Span,
}

/// Where a resource's namespace comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NamespaceSource {
    /// `metadata.namespace`.
    Explicit,
    /// The `namespace:` of a kustomization above the file.
    Kustomization,
    /// Neither: the default namespace, a guess (the manifest may be applied anywhere).
    Default,
}

impl Resource {
    /// A copy, for another index that looks it up.
    pub(crate) fn duplicate(&self) -> Resource {
        Resource {
            kind: self.kind,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            namespace_source: self.namespace_source,
            file: self.file,
            root: self.root.clone(),
            name_span: self.name_span,
        }
    }

    pub(crate) fn key(&self) -> ResourceKey {
        ResourceKey {
            kind: self.kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// Where a span of the resource's file is.
    pub(crate) fn location(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    /// Where the resource is named, for findings and messages about it as a whole.
    pub(crate) fn name_location(&self) -> Location {
        self.location(self.name_span)
    }

    pub(crate) fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }
}

/// The string-valued entries of a mapping.
pub(crate) fn string_pairs(node: Option<&Node>) -> impl Iterator<Item = (&str, &str)> {
    node.map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| Some((e.key.as_str()?, e.value.as_str()?)))
}

/// Whether a value is a Helm or Go template expression, which only a renderer can resolve.
pub(crate) fn is_templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${")
}
