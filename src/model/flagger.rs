//! Typed views of Flagger resources (flagger.app/v1beta1): Canary and MetricTemplate.

use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::yaml::{Node, Scalar};

pub struct Canary<'a> {
    pub res: &'a Resource,
    pub spec: &'a Node,
}

/// A reference to another object: `targetRef`, `autoscalerRef`, a metric's `templateRef`.
#[derive(Clone, Copy)]
pub struct ObjectRef<'a> {
    pub node: &'a Node,
    pub kind: Option<&'a str>,
    pub name_node: &'a Node,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
}

impl<'a> ObjectRef<'a> {
    fn of(node: &'a Node) -> Option<Self> {
        let name_node = node.get("name")?;
        Some(ObjectRef {
            node,
            kind: node.get("kind").and_then(Node::as_str),
            name_node,
            name: name_node.as_str()?,
            namespace: node.get("namespace").and_then(Node::as_str),
        })
    }
}

impl<'a> Canary<'a> {
    pub fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::Canary).then_some(())?;
        Some(Canary {
            res,
            spec: res.spec()?,
        })
    }

    pub fn target_ref(&self) -> Option<ObjectRef<'a>> {
        ObjectRef::of(self.spec.get("targetRef")?)
    }

    /// The apex service Flagger generates: `spec.service.name`, else the target's name.
    pub fn apex(&self) -> Option<&'a str> {
        self.spec
            .path(&["service", "name"])
            .and_then(Node::as_str)
            .or_else(|| self.target_ref().map(|t| t.name))
    }

    /// `spec.provider`, when set (the mesh-wide default applies otherwise).
    pub fn provider(&self) -> Option<&'a str> {
        self.spec.get("provider").and_then(Node::as_str)
    }

    /// Whether the Canary routes through Istio, or may (no provider set).
    pub fn may_use_istio(&self) -> bool {
        self.provider().is_none_or(|p| p == "istio")
    }

    /// `skipAnalysis` and its value node.
    pub fn skip_analysis(&self) -> Option<(bool, &'a Node)> {
        let n = self.spec.get("skipAnalysis")?;
        Some((n.as_scalar().and_then(Scalar::as_bool)?, n))
    }

    /// `analysis` (or the deprecated `canaryAnalysis`) and its key node.
    pub fn analysis(&self) -> Option<Analysis<'a>> {
        let e = self
            .spec
            .entry("analysis")
            .or_else(|| self.spec.entry("canaryAnalysis"))?;
        Some(Analysis {
            key: &e.key,
            node: &e.value,
        })
    }
}

pub struct Analysis<'a> {
    pub key: &'a Node,
    pub node: &'a Node,
}

impl<'a> Analysis<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key).filter(|n| !n.is_null())
    }

    /// An integer field and its node.
    pub fn int(&self, key: &str) -> Option<(i64, &'a Node)> {
        let n = self.get(key)?;
        Some((n.as_scalar()?.as_int()?, n))
    }

    pub fn step_weights(&self) -> Option<(Vec<i64>, &'a Node)> {
        let n = self.get("stepWeights")?;
        let ws = n
            .as_seq()?
            .iter()
            .map(|i| i.as_scalar()?.as_int())
            .collect::<Option<_>>()?;
        Some((ws, n))
    }

    pub fn metrics(&self) -> Vec<Metric<'a>> {
        self.get("metrics")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|node| Metric { node })
            .collect()
    }

    pub fn webhooks(&self) -> Vec<Webhook<'a>> {
        self.get("webhooks")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|node| Webhook { node })
            .collect()
    }
}

pub struct Metric<'a> {
    pub node: &'a Node,
}

impl<'a> Metric<'a> {
    pub fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    pub fn name_node(&self) -> Option<&'a Node> {
        self.node.get("name")
    }

    pub fn template_ref(&self) -> Option<ObjectRef<'a>> {
        ObjectRef::of(self.node.get("templateRef")?)
    }

    /// `thresholdRange` and its key node, when present.
    pub fn threshold_range(&self) -> Option<(&'a Node, &'a Node)> {
        let e = self.node.entry("thresholdRange")?;
        Some((&e.key, &e.value))
    }

    /// A bound of the threshold range, as a number, with its node.
    pub fn bound(&self, which: &str) -> Option<(f64, &'a Node)> {
        let (_, range) = self.threshold_range()?;
        let n = range.get(which)?;
        let s = n.as_scalar()?;
        (s.style == crate::yaml::Style::Plain).then_some(())?;
        Some((s.text.parse().ok()?, n))
    }

    pub fn interval(&self) -> Option<&'a Node> {
        self.node.get("interval")
    }

    /// An inline `query` (deprecated in Flagger, but still read).
    pub fn query(&self) -> Option<&'a str> {
        self.node.get("query").and_then(Node::as_str)
    }

    pub fn template_variables(&self) -> impl Iterator<Item = &'a str> {
        self.node
            .get("templateVariables")
            .map_or(&[][..], Node::entries)
            .iter()
            .filter_map(|e| e.key.as_str())
    }
}

pub struct Webhook<'a> {
    pub node: &'a Node,
}

impl<'a> Webhook<'a> {
    pub fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// The webhook type; Flagger's default is `rollout`.
    pub fn kind(&self) -> &'a str {
        self.node
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("rollout")
    }

    pub fn url_node(&self) -> Option<&'a Node> {
        self.node.get("url")
    }

    pub fn url(&self) -> Option<&'a str> {
        self.url_node()?.as_str()
    }

    pub fn timeout(&self) -> Option<&'a Node> {
        self.node.get("timeout")
    }
}

pub struct MetricTemplate<'a> {
    pub res: &'a Resource,
    pub spec: &'a Node,
}

impl<'a> MetricTemplate<'a> {
    pub fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::MetricTemplate).then_some(())?;
        Some(MetricTemplate {
            res,
            spec: res.spec()?,
        })
    }

    pub fn query(&self) -> Option<&'a str> {
        self.spec.get("query").and_then(Node::as_str)
    }
}
