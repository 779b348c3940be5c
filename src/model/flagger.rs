//! Typed views of Flagger resources (flagger.app/v1beta1): Canary and MetricTemplate.

use crate::duration::{self, Duration};
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::model::spanned::{Field, Location, Spanned};
use crate::source::FileId;
use crate::yaml::{Entry, Node, Scalar};

/// Flagger's analysis interval when unset or unparsable, and its floor
/// (pkg/apis/flagger/v1beta1/canary.go: `AnalysisInterval`, GetAnalysisInterval).
pub(crate) const DEFAULT_INTERVAL: Duration = Duration(60_000);
pub(crate) const MIN_INTERVAL: Duration = Duration(10_000);
/// A webhook's timeout when unset or shorter than two characters (pkg/controller/webhook.go
/// CallWebhook).
pub(crate) const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration(10_000);
/// The traffic weight Flagger routes in total (pkg/controller/scheduler.go totalWeight).
pub(crate) const TOTAL_WEIGHT: i64 = 100;

pub(crate) struct Canary<'a> {
    pub(crate) res: &'a Resource,
    pub(crate) spec: &'a Node,
}

/// A reference to another object: `targetRef`, `autoscalerRef`, a metric's `templateRef`.
#[derive(Clone, Copy)]
pub(crate) struct ObjectRef<'a> {
    pub(crate) kind: Option<&'a str>,
    pub(crate) name: Spanned<&'a str>,
    pub(crate) namespace: Option<&'a str>,
}

impl<'a> ObjectRef<'a> {
    fn of(file: FileId, node: &'a Node) -> Option<Self> {
        let name = node.get("name")?;
        Some(ObjectRef {
            kind: node.get("kind").and_then(Node::as_str),
            name: Spanned::of(file, name, name.as_str()?),
            namespace: node.get("namespace").and_then(Node::as_str),
        })
    }
}

impl<'a> Canary<'a> {
    /// `targetRef.kind`, the workload kind Flagger resolves the target as.
    pub(crate) fn target_kind(&self) -> Option<Kind> {
        match self.target_ref()?.kind? {
            "Deployment" => Some(Kind::Deployment),
            "DaemonSet" => Some(Kind::DaemonSet),
            _ => None,
        }
    }

    /// Whether this is a whole Canary rather than a fragment or a kustomize patch of one:
    /// it has the `targetRef` the CRD requires. Rules about what is missing, or that fall
    /// back on defaults, read only whole Canaries.
    pub(crate) fn is_complete(&self) -> bool {
        self.target_ref().is_some()
    }

    /// The analysis Flagger will run: that of a whole Canary (not a fragment or patch)
    /// that does not skip it. Rules about the schedule and its timing read only this.
    pub(crate) fn scheduled_analysis(&self) -> Option<Analysis<'a>> {
        if self.skips_analysis() || !self.is_complete() {
            return None;
        }
        self.analysis()
    }

    /// Whether `skipAnalysis: true` is set.
    pub(crate) fn skips_analysis(&self) -> bool {
        self.skip_analysis().is_some_and(|s| s.value)
    }

    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::Canary).then_some(())?;
        Some(Canary {
            res,
            spec: res.spec()?,
        })
    }

    pub(crate) fn target_ref(&self) -> Option<ObjectRef<'a>> {
        ObjectRef::of(self.res.file, self.spec.get("targetRef")?)
    }

    /// The apex service Flagger generates: `spec.service.name`, else the target's name.
    pub(crate) fn apex(&self) -> Option<&'a str> {
        self.spec
            .path(&["service", "name"])
            .and_then(Node::as_str)
            .or_else(|| self.target_ref().map(|t| t.name.value))
    }

    /// `spec.provider`, when set (the mesh-wide default applies otherwise).
    pub(crate) fn provider(&self) -> Option<&'a str> {
        self.provider_field().map(|p| p.value)
    }

    /// `spec.provider` with where it is written, when set to a string.
    pub(crate) fn provider_field(&self) -> Option<Spanned<&'a str>> {
        let n = self.spec.get("provider")?;
        Some(Spanned::of(self.res.file, n, n.as_str()?))
    }

    /// Whether the Canary routes through Istio, or may (no provider set).
    pub(crate) fn may_use_istio(&self) -> bool {
        self.provider().is_none_or(|p| p == "istio")
    }

    /// Whether Flagger may route the Canary through its Gateway API router, which writes the
    /// HTTPRoute named after the apex service in the Canary's namespace: a provider with the
    /// `gatewayapi:v1` prefix (`gatewayapi:v1`, `gatewayapi:v1beta1`), or no provider with
    /// `service.gatewayRefs` set. A bare `gatewayapi` falls to the Istio router. Without a
    /// provider the controller's `-mesh-provider` default applies, which the repository
    /// does not show; the Gateway API router refuses a Canary without `gatewayRefs`.
    // Flagger pkg/router/factory.go MeshRouter (`strings.HasPrefix(provider,
    // "gatewayapi:v1beta1")`, then `"gatewayapi:v1"`, else the default Istio router);
    // pkg/router/gateway_api.go Reconcile ("GatewayRefs must be specified", the HTTPRoute
    // named `apexSvcName` in `canary.Namespace`).
    pub(crate) fn may_use_gateway_api(&self) -> bool {
        match self.provider() {
            Some(p) => p.starts_with("gatewayapi:v1"),
            None => self
                .spec
                .path(&["service", "gatewayRefs"])
                .is_some_and(|n| !n.items().is_empty()),
        }
    }

    /// `skipAnalysis`, when it is a boolean.
    pub(crate) fn skip_analysis(&self) -> Option<Spanned<bool>> {
        let n = self.spec.get("skipAnalysis")?;
        Some(Spanned::of(
            self.res.file,
            n,
            n.as_scalar().and_then(Scalar::as_bool)?,
        ))
    }

    /// `analysis` (or the deprecated `canaryAnalysis`) and its key node.
    pub(crate) fn analysis(&self) -> Option<Analysis<'a>> {
        let e = self
            .spec
            .entry("analysis")
            .or_else(|| self.spec.entry("canaryAnalysis"))?;
        Some(Analysis::new(self.res.file, e))
    }
}

/// A Canary's `analysis`, its scheduling fields read once: each as written (present and not
/// null), with where its key and value are.
pub(crate) struct Analysis<'a> {
    /// The `analysis` (or `canaryAnalysis`) key, for findings about the analysis as a whole.
    pub(crate) key: Location,
    /// `interval`: how often the checks run.
    pub(crate) interval: Option<Field<GoDuration<'a>>>,
    /// `threshold`: the failed checks before rollback; the value when it is an integer.
    pub(crate) threshold: Option<Field<Option<i64>>>,
    /// `iterations`: A/B testing or blue/green instead of traffic steps.
    pub(crate) iterations: Option<Field<Option<i64>>>,
    /// `stepWeight`: the canary weight added at each step.
    pub(crate) step_weight: Option<Field<Option<i64>>>,
    /// `maxWeight`: the canary weight at which Flagger promotes.
    pub(crate) max_weight: Option<Field<Option<i64>>>,
    /// `stepWeights`: its entries, each with its value when it is an integer (none when the
    /// field is not a list).
    pub(crate) step_weights: Option<Field<Vec<Spanned<Option<i64>>>>>,
    /// `stepWeightPromotion`: the primary weight added at each step after the analysis.
    pub(crate) step_weight_promotion: Option<Field<Option<i64>>>,
    /// `match`: the request conditions of A/B testing, with how many there are (none when
    /// the field is not a list).
    pub(crate) matches: Option<Field<usize>>,
    /// `mirror`: whether traffic is mirrored to the canary, when it is a boolean.
    pub(crate) mirror: Option<Field<Option<bool>>>,
    /// The `metrics` key, when the field is set.
    pub(crate) metrics_key: Option<Location>,
    node: &'a Node,
    file: FileId,
}

/// A Go duration field (`interval`, `timeout`) as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GoDuration<'a> {
    Valid(Duration),
    /// Text that is not a Go duration.
    Invalid(&'a str),
    /// A template expression, which only a renderer can resolve, or a value that is not text.
    Unknown,
}

impl<'a> GoDuration<'a> {
    fn of(node: &'a Node) -> Self {
        match node.as_str() {
            Some(text) if !is_templated(text) => {
                duration::parse(text).map_or(GoDuration::Invalid(text), GoDuration::Valid)
            }
            _ => GoDuration::Unknown,
        }
    }

    /// The duration, when it is a valid one.
    pub(crate) fn valid(self) -> Option<Duration> {
        match self {
            GoDuration::Valid(d) => Some(d),
            _ => None,
        }
    }
}

/// An integer as the Kubernetes API reads it, when the node holds one.
fn int(node: &Node) -> Option<i64> {
    node.as_scalar()?.as_int()
}

impl<'a> Analysis<'a> {
    fn new(file: FileId, entry: &'a Entry) -> Self {
        let node = &entry.value;
        let set = |key: &str| node.entry(key).filter(|e| !e.value.is_null());
        let int_field = |key: &str| set(key).map(|e| Field::of(file, e, int(&e.value)));
        Analysis {
            key: Location::of(file, &entry.key),
            interval: set("interval").map(|e| Field::of(file, e, GoDuration::of(&e.value))),
            threshold: int_field("threshold"),
            iterations: int_field("iterations"),
            step_weight: int_field("stepWeight"),
            max_weight: int_field("maxWeight"),
            step_weights: set("stepWeights").map(|e| {
                let items = e
                    .value
                    .items()
                    .iter()
                    .map(|i| Spanned::of(file, i, int(i)))
                    .collect();
                Field::of(file, e, items)
            }),
            step_weight_promotion: int_field("stepWeightPromotion"),
            matches: set("match").map(|e| Field::of(file, e, e.value.items().len())),
            mirror: set("mirror")
                .map(|e| Field::of(file, e, e.value.as_scalar().and_then(Scalar::as_bool))),
            metrics_key: set("metrics").map(|e| Location::of(file, &e.key)),
            node,
            file,
        }
    }

    fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key).filter(|n| !n.is_null())
    }

    /// The analysis interval as Flagger runs it: 60s when unset or not a Go duration,
    /// at least 10s (pkg/apis/flagger/v1beta1/canary.go GetAnalysisInterval).
    pub(crate) fn effective_interval(&self) -> Duration {
        match self.interval.and_then(|f| f.value.valid()) {
            None => DEFAULT_INTERVAL,
            Some(d) => d.max(MIN_INTERVAL),
        }
    }

    /// The failed checks before rollback: 1 when unset or not positive
    /// (pkg/apis/flagger/v1beta1/canary.go GetAnalysisThreshold).
    pub(crate) fn effective_threshold(&self) -> i64 {
        self.threshold.and_then(|f| f.value).map_or(1, |t| t.max(1))
    }

    /// `iterations`, when positive: A/B testing or blue/green instead of traffic steps
    /// (pkg/controller/scheduler.go advanceCanary checks it first).
    pub(crate) fn iteration_count(&self) -> Option<i64> {
        self.iterations.and_then(|f| f.value).filter(|&n| n > 0)
    }

    /// The `stepWeights` values, when every entry is an integer.
    fn step_weight_values(&self) -> Option<Vec<i64>> {
        self.step_weights
            .as_ref()?
            .value
            .iter()
            .map(|w| w.value)
            .collect()
    }

    /// The weight at which Flagger promotes: the last `stepWeights` entry (capped at 100)
    /// when set, else `maxWeight` when positive, else 100
    /// (pkg/controller/scheduler.go maxWeight).
    pub(crate) fn promotion_weight(&self) -> i64 {
        if let Some(&last) = self
            .step_weight_values()
            .and_then(|w| w.last().copied())
            .as_ref()
        {
            return last.min(TOTAL_WEIGHT);
        }
        self.max_weight
            .and_then(|f| f.value)
            .filter(|&w| w > 0)
            .unwrap_or(TOTAL_WEIGHT)
    }

    /// The canary weights Flagger steps through under analysis, one per interval; empty for
    /// `iterations` or a schedule that never advances. Simulates
    /// pkg/controller/scheduler.go: each tick, while `canaryWeight < maxWeight`, add
    /// `nextStepWeight` (`stepWeight` when positive, else the distance to the next larger
    /// `stepWeights` entry) and cap at 100.
    pub(crate) fn canary_weights(&self) -> Vec<i64> {
        if self.iteration_count().is_some() {
            return Vec::new();
        }
        let step = self.step_weight.and_then(|f| f.value).unwrap_or(0);
        let steps = self.step_weight_values().unwrap_or_default();
        let max = self.promotion_weight();
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
    pub(crate) fn steps_to_promotion(&self) -> Option<usize> {
        if let Some(n) = self.iteration_count() {
            return usize::try_from(n).ok();
        }
        let n = self.canary_weights().len();
        (n > 0).then_some(n)
    }

    pub(crate) fn metrics(&self) -> Vec<Metric<'a>> {
        let file = self.file;
        self.get("metrics")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|node| Metric { node, file })
            .collect()
    }

    pub(crate) fn webhooks(&self) -> Vec<Webhook<'a>> {
        let file = self.file;
        self.get("webhooks")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|node| Webhook { node, file })
            .collect()
    }
}

pub(crate) struct Metric<'a> {
    node: &'a Node,
    file: FileId,
}

/// A metric's `thresholdRange`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ThresholdRange {
    /// `min` and `max`, when they are plain numbers.
    pub(crate) min: Option<Spanned<f64>>,
    pub(crate) max: Option<Spanned<f64>>,
    /// Whether it has neither a `min` nor a `max` key.
    pub(crate) empty: bool,
}

impl<'a> Metric<'a> {
    pub(crate) fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    pub(crate) fn template_ref(&self) -> Option<ObjectRef<'a>> {
        ObjectRef::of(self.file, self.node.get("templateRef")?)
    }

    /// `thresholdRange`, when present.
    pub(crate) fn threshold_range(&self) -> Option<ThresholdRange> {
        let range = self.node.get("thresholdRange")?;
        // A bound as a number, when it is written as a plain one.
        let bound = |which: &str| -> Option<Spanned<f64>> {
            let n = range.get(which)?;
            let s = n.as_scalar()?;
            (s.style == crate::yaml::Style::Plain).then_some(())?;
            Some(Spanned::of(self.file, n, s.text.parse().ok()?))
        };
        Some(ThresholdRange {
            min: bound("min"),
            max: bound("max"),
            empty: range.get("min").is_none() && range.get("max").is_none(),
        })
    }

    /// `interval`: the range of the metric query.
    pub(crate) fn interval(&self) -> Option<Spanned<GoDuration<'a>>> {
        let n = self.node.get("interval").filter(|n| !n.is_null())?;
        Some(Spanned::of(self.file, n, GoDuration::of(n)))
    }

    /// Whether this is one of Flagger's builtin metrics (`request-success-rate`,
    /// `request-duration`): no `templateRef`, no inline `query`.
    pub(crate) fn builtin(&self) -> Option<&'a str> {
        if self.template_ref().is_some() || self.query().is_some() {
            return None;
        }
        self.name()
            .filter(|n| matches!(*n, "request-success-rate" | "request-duration"))
    }

    /// Whether the deprecated `threshold` is set, which template metrics still compare
    /// against (a value above it fails the check).
    pub(crate) fn has_legacy_threshold(&self) -> bool {
        self.node.get("threshold").is_some_and(|n| !n.is_null())
    }

    /// The `templateVariables` key, when present.
    pub(crate) fn template_variables_key(&self) -> Option<Location> {
        let e = self.node.entry("templateVariables")?;
        Some(Location::of(self.file, &e.key))
    }

    /// Where findings about the metric as a whole point: its name, else its first key.
    pub(crate) fn span(&self) -> Location {
        let node = self
            .node
            .get("name")
            .or_else(|| self.node.entries().first().map(|e| &e.key))
            .unwrap_or(self.node);
        Location::of(self.file, node)
    }

    /// An inline `query` (deprecated in Flagger, but still read).
    pub(crate) fn query(&self) -> Option<&'a str> {
        self.node.get("query").and_then(Node::as_str)
    }

    pub(crate) fn template_variables(&self) -> impl Iterator<Item = &'a str> {
        self.node
            .get("templateVariables")
            .map_or(&[][..], Node::entries)
            .iter()
            .filter_map(|e| e.key.as_str())
    }
}

pub(crate) struct Webhook<'a> {
    node: &'a Node,
    file: FileId,
}

impl<'a> Webhook<'a> {
    pub(crate) fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(Node::as_str)
    }

    /// The webhook type; Flagger's default is `rollout`.
    pub(crate) fn kind(&self) -> &'a str {
        self.node
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("rollout")
    }

    /// `url` as written, with its text when it is a string.
    pub(crate) fn url(&self) -> Option<Spanned<Option<&'a str>>> {
        let n = self.node.get("url")?;
        Some(Spanned::of(self.file, n, n.as_str()))
    }

    /// `timeout`, when set.
    pub(crate) fn timeout(&self) -> Option<Spanned<GoDuration<'a>>> {
        let n = self.timeout_node()?;
        Some(Spanned::of(self.file, n, GoDuration::of(n)))
    }

    fn timeout_node(&self) -> Option<&'a Node> {
        self.node.get("timeout").filter(|n| !n.is_null())
    }

    /// The timeout Flagger applies: 10s when unset or shorter than two characters, `None`
    /// when it is not a Go duration (the call then fails; pkg/controller/webhook.go
    /// CallWebhook).
    pub(crate) fn effective_timeout(&self) -> Option<Duration> {
        let t = self.timeout_node().and_then(Node::as_str).unwrap_or("");
        if t.chars().count() < 2 {
            return Some(DEFAULT_WEBHOOK_TIMEOUT);
        }
        duration::parse(t)
    }

    /// The URL's path, without query or fragment.
    pub(crate) fn url_path(&self) -> Option<&'a str> {
        let url = self.url()?.value?;
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let end = path.find(['?', '#']).unwrap_or(path.len());
        Some(path[..end].trim_end_matches('/'))
    }
}

pub(crate) struct MetricTemplate<'a> {
    pub(crate) res: &'a Resource,
    pub(crate) spec: &'a Node,
}

impl<'a> MetricTemplate<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::MetricTemplate).then_some(())?;
        Some(MetricTemplate {
            res,
            spec: res.spec()?,
        })
    }

    pub(crate) fn query(&self) -> Option<&'a str> {
        self.spec.get("query").and_then(Node::as_str)
    }
}

/// The `variables` a template query reads: `{{ variables.x }}`, `{{ .variables.x }}`,
/// `{{ index variables "x" }}` (pkg/metrics/providers: the query is a Go text/template
/// over namespace, name, target, interval and variables).
pub(crate) fn query_variables(query: &str) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Workspace, WorkspaceOptions};

    fn canary(analysis: &str) -> Workspace {
        let text = format!(
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {{name: c}}\nspec:\n  targetRef: {{kind: Deployment, name: c}}\n  analysis:\n{analysis}"
        );
        Workspace::from_texts(&[("c.yaml".into(), text)], &WorkspaceOptions::default())
    }

    #[test]
    fn gateway_api_router_is_chosen_as_flaggers_factory_does() {
        let uses = |provider: &str, service: &str| {
            let text = format!(
                "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {{name: c}}\nspec:\n{provider}  targetRef: {{kind: Deployment, name: c}}\n  service: {service}\n"
            );
            let ws =
                Workspace::from_texts(&[("c.yaml".into(), text)], &WorkspaceOptions::default());
            Canary::view(&ws.index.resources[0]).is_some_and(|c| c.may_use_gateway_api())
        };
        let refs = "{port: 80, gatewayRefs: [{name: gw}]}";
        assert!(uses("  provider: gatewayapi:v1\n", refs));
        assert!(uses("  provider: gatewayapi:v1beta1\n", refs));
        assert!(!uses("  provider: gatewayapi\n", refs));
        assert!(!uses("  provider: istio\n", refs));
        assert!(uses("", refs));
        assert!(!uses("", "{port: 80}"));
    }

    #[test]
    fn analysis_fields_are_read_with_where_they_are() {
        let ws = canary(
            "    interval: 5min\n    threshold: ~\n    stepWeight: '10'\n    maxWeight: 50\n    stepWeights: [5, x, 20]\n    metrics: []\n",
        );
        let text = ws.files[0].text();
        let at = |loc: Location| &text[loc.span.range()];
        let Some(a) = Canary::view(&ws.index.resources[0]).and_then(|c| c.analysis()) else {
            panic!("no analysis");
        };
        assert_eq!(at(a.key), "analysis");
        let Some(interval) = a.interval else {
            panic!("no interval");
        };
        assert_eq!(interval.value, GoDuration::Invalid("5min"));
        assert_eq!((at(interval.key), at(interval.span)), ("interval", "5min"));
        assert_eq!(a.effective_interval(), DEFAULT_INTERVAL);
        // A null field is not set.
        assert!(a.threshold.is_none());
        assert_eq!(a.effective_threshold(), 1);
        // A quoted number is not an integer; the field is still there.
        let step = a.step_weight.map(|f| (f.value, at(f.span)));
        assert_eq!(step, Some((None, "'10'")));
        assert_eq!(
            a.max_weight.and_then(|f| f.known()).map(|m| m.value),
            Some(50)
        );
        let weights: Vec<(Option<i64>, &str)> = a
            .step_weights
            .iter()
            .flat_map(|f| &f.value)
            .map(|w| (w.value, at(w.span)))
            .collect();
        assert_eq!(weights, vec![(Some(5), "5"), (None, "x"), (Some(20), "20")]);
        // Not every step weight is an integer: `maxWeight` decides.
        assert_eq!(a.promotion_weight(), 50);
        assert_eq!(a.metrics_key.map(at), Some("metrics"));
        assert!(a.iterations.is_none());
    }

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
