//! Typed views of Flagger resources (flagger.app/v1beta1): Canary and MetricTemplate.

use crate::duration::{self, Duration};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::yaml::{Node, Scalar};

/// Flagger's analysis interval when unset or unparsable, and its floor
/// (pkg/apis/flagger/v1beta1/canary.go: `AnalysisInterval`, GetAnalysisInterval).
pub const DEFAULT_INTERVAL: Duration = Duration(60_000);
pub const MIN_INTERVAL: Duration = Duration(10_000);
/// A webhook's timeout when unset or shorter than two characters (pkg/controller/webhook.go
/// CallWebhook).
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration(10_000);
/// The traffic weight Flagger routes in total (pkg/controller/scheduler.go totalWeight).
pub const TOTAL_WEIGHT: i64 = 100;

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
    /// `targetRef.kind`, the workload kind Flagger resolves the target as.
    pub fn target_kind(&self) -> Option<Kind> {
        match self.target_ref()?.kind? {
            "Deployment" => Some(Kind::Deployment),
            "DaemonSet" => Some(Kind::DaemonSet),
            _ => None,
        }
    }

    /// Whether this is a whole Canary rather than a fragment or a kustomize patch of one:
    /// it has the `targetRef` the CRD requires. Rules about what is missing, or that fall
    /// back on defaults, read only whole Canaries.
    pub fn is_complete(&self) -> bool {
        self.target_ref().is_some()
    }

    /// The analysis Flagger will run: that of a whole Canary (not a fragment or patch)
    /// that does not skip it. Rules about the schedule and its timing read only this.
    pub fn scheduled_analysis(&self) -> Option<Analysis<'a>> {
        if self.skips_analysis() || !self.is_complete() {
            return None;
        }
        self.analysis()
    }

    /// Whether `skipAnalysis: true` is set.
    pub fn skips_analysis(&self) -> bool {
        self.skip_analysis().is_some_and(|(v, _)| v)
    }

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

    /// The key node of a field, for findings about the field as a whole.
    pub fn key(&self, key: &str) -> Option<&'a Node> {
        self.node
            .entry(key)
            .filter(|e| !e.value.is_null())
            .map(|e| &e.key)
    }

    /// The analysis interval as Flagger runs it: 60s when unset or not a Go duration,
    /// at least 10s (pkg/apis/flagger/v1beta1/canary.go GetAnalysisInterval).
    pub fn interval(&self) -> Duration {
        match self
            .get("interval")
            .and_then(Node::as_str)
            .and_then(duration::parse)
        {
            None => DEFAULT_INTERVAL,
            Some(d) => d.max(MIN_INTERVAL),
        }
    }

    /// The failed checks before rollback: 1 when unset or not positive
    /// (pkg/apis/flagger/v1beta1/canary.go GetAnalysisThreshold).
    pub fn threshold(&self) -> i64 {
        self.int("threshold").map_or(1, |(t, _)| t.max(1))
    }

    /// `iterations`, when positive: A/B testing or blue/green instead of traffic steps
    /// (pkg/controller/scheduler.go advanceCanary checks it first).
    pub fn iterations(&self) -> Option<i64> {
        self.int("iterations").map(|(n, _)| n).filter(|&n| n > 0)
    }

    /// The weight at which Flagger promotes: the last `stepWeights` entry (capped at 100)
    /// when set, else `maxWeight` when positive, else 100
    /// (pkg/controller/scheduler.go maxWeight).
    pub fn max_weight(&self) -> i64 {
        if let Some(&last) = self
            .step_weights()
            .and_then(|(w, _)| w.last().copied())
            .as_ref()
        {
            return last.min(TOTAL_WEIGHT);
        }
        self.int("maxWeight")
            .map(|(w, _)| w)
            .filter(|&w| w > 0)
            .unwrap_or(TOTAL_WEIGHT)
    }

    /// The canary weights Flagger steps through under analysis, one per interval; empty for
    /// `iterations` or a schedule that never advances. Simulates
    /// pkg/controller/scheduler.go: each tick, while `canaryWeight < maxWeight`, add
    /// `nextStepWeight` (`stepWeight` when positive, else the distance to the next larger
    /// `stepWeights` entry) and cap at 100.
    pub fn canary_weights(&self) -> Vec<i64> {
        if self.iterations().is_some() {
            return Vec::new();
        }
        let step = self.int("stepWeight").map_or(0, |(s, _)| s);
        let steps = self.step_weights().map(|(w, _)| w).unwrap_or_default();
        let max = self.max_weight();
        let next = |cur: i64| -> i64 {
            if step > 0 || steps.is_empty() {
                return step;
            }
            steps.iter().find(|&&w| cur < w).map_or(0, |&w| w - cur)
        };
        let mut out = Vec::new();
        let mut cur = 0;
        while cur < max {
            let s = next(cur);
            if s <= 0 {
                break;
            }
            let new = (cur + s).min(TOTAL_WEIGHT);
            if new == cur {
                break;
            }
            cur = new;
            out.push(cur);
        }
        out
    }

    /// The analysis intervals to full promotion: the traffic steps, or `iterations`.
    pub fn steps_to_promotion(&self) -> Option<usize> {
        if let Some(n) = self.iterations() {
            return usize::try_from(n).ok();
        }
        let n = self.canary_weights().len();
        (n > 0).then_some(n)
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
        self.node.get("interval").filter(|n| !n.is_null())
    }

    /// Whether this is one of Flagger's builtin metrics (`request-success-rate`,
    /// `request-duration`): no `templateRef`, no inline `query`.
    pub fn builtin(&self) -> Option<&'a str> {
        if self.template_ref().is_some() || self.query().is_some() {
            return None;
        }
        self.name()
            .filter(|n| matches!(*n, "request-success-rate" | "request-duration"))
    }

    /// The deprecated `threshold`, which template metrics still compare against
    /// (a value above it fails the check).
    pub fn legacy_threshold(&self) -> Option<&'a Node> {
        self.node.get("threshold").filter(|n| !n.is_null())
    }

    /// The key node of `templateVariables`, when present.
    pub fn template_variables_key(&self) -> Option<&'a Node> {
        self.node.entry("templateVariables").map(|e| &e.key)
    }

    /// Where findings about the metric as a whole point: its name, else its first key.
    pub fn span(&self) -> crate::source::Span {
        self.name_node()
            .map(|n| n.span)
            .or_else(|| self.node.entries().first().map(|e| e.key.span))
            .unwrap_or(self.node.span)
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
        self.node.get("timeout").filter(|n| !n.is_null())
    }

    /// The timeout Flagger applies: 10s when unset or shorter than two characters, `None`
    /// when it is not a Go duration (the call then fails; pkg/controller/webhook.go
    /// CallWebhook).
    pub fn effective_timeout(&self) -> Option<Duration> {
        let t = self.timeout().and_then(Node::as_str).unwrap_or("");
        if t.chars().count() < 2 {
            return Some(DEFAULT_WEBHOOK_TIMEOUT);
        }
        duration::parse(t)
    }

    /// The URL's path, without query or fragment.
    pub fn url_path(&self) -> Option<&'a str> {
        let url = self.url()?;
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let end = path.find(['?', '#']).unwrap_or(path.len());
        Some(path[..end].trim_end_matches('/'))
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

/// The `variables` a template query reads: `{{ variables.x }}`, `{{ .variables.x }}`,
/// `{{ index variables "x" }}` (pkg/metrics/providers: the query is a Go text/template
/// over namespace, name, target, interval and variables).
pub fn query_variables(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = query;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after.find("}}").unwrap_or(after.len());
        let action = &after[..close];
        rest = &after[close..];
        let mut names = Vec::new();
        let mut a = action;
        while let Some(i) = a.find("variables") {
            let before = a[..i].chars().next_back();
            let tail = &a[i + "variables".len()..];
            a = tail;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(field) = tail.strip_prefix('.') {
                names.push(ident(field));
            } else if action[..action.len() - tail.len() - "variables".len()]
                .trim_end()
                .trim_end_matches('.')
                .trim_end()
                .ends_with("index")
            {
                let arg = tail.trim_start();
                if let Some(q) = arg.strip_prefix('"') {
                    names.push(q.split('"').next().unwrap_or("").to_string());
                }
            }
        }
        for n in names {
            if !n.is_empty() && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Whether a value is a template expression only a renderer can resolve.
pub fn templated(node: &Node) -> bool {
    node.as_str().is_some_and(is_templated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_of_a_query() {
        assert_eq!(
            query_variables(
                r#"x{a="{{ variables.direction }}", b="{{ .variables.b_2 }}"} {{ index variables "c" }} {{ interval }} {{ myvariables.d }}"#
            ),
            vec!["direction", "b_2", "c"]
        );
        assert!(query_variables("rate(x[{{ interval }}])").is_empty());
    }
}
