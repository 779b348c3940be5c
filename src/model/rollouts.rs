//! Typed views of progressive-delivery resources: Argo Rollouts and Flagger Canaries.

use crate::duration::{self, Duration};
use crate::model::istio::{Protocol, Route, VirtualService};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::roles::DeclaredRoles;
use crate::model::spanned::{Field, Location, Spanned};
use crate::source::FileId;
use crate::yaml::Node;

pub(crate) struct Rollout<'a> {
    pub(crate) res: &'a Resource,
    /// `spec.strategy.canary`.
    canary: &'a Node,
}

/// A VirtualService a Rollout manages: `trafficRouting.istio.virtualService(s)`.
pub(crate) struct ManagedVs<'a> {
    /// The `name` value, as written (`name` or `name.namespace`).
    pub(crate) written: Spanned<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) namespace: &'a str,
    /// The http routes it manages; empty means the only route.
    pub(crate) routes: Vec<&'a str>,
    /// The `routes` entries, with where each is.
    pub(crate) route_entries: Vec<Spanned<&'a str>>,
    /// Whether it lists tls or tcp routes to manage.
    pub(crate) tls_routes: bool,
    pub(crate) tcp_routes: bool,
}

impl<'a> Rollout<'a> {
    pub(crate) fn view(res: &'a Resource) -> Option<Self> {
        (res.kind == Kind::Rollout).then_some(())?;
        Some(Rollout {
            res,
            canary: res.spec()?.path(&["strategy", "canary"])?,
        })
    }

    fn istio(&self) -> Option<&'a Node> {
        self.canary.path(&["trafficRouting", "istio"])
    }

    pub(crate) fn virtual_services(&self) -> Vec<ManagedVs<'a>> {
        let Some(istio) = self.istio() else {
            return Vec::new();
        };
        let mut refs: Vec<&Node> = istio.get("virtualService").into_iter().collect();
        refs.extend(istio.get("virtualServices").map_or(&[][..], Node::items));
        let file = self.res.file;
        refs.into_iter()
            .filter_map(|node| {
                let name_node = node.get("name")?;
                let full = name_node.as_str()?;
                // `name.namespace` names a VirtualService in another namespace.
                let (name, namespace) = full.split_once('.').unwrap_or((full, &self.res.namespace));
                let route_entries: Vec<Spanned<&str>> = node
                    .get("routes")
                    .map_or(&[][..], Node::items)
                    .iter()
                    .filter_map(|n| Some(Spanned::of(file, n, n.as_str()?)))
                    .collect();
                let routes = route_entries.iter().map(|r| r.value).collect();
                let listed = |k: &str| node.get(k).is_some_and(|n| !n.items().is_empty());
                Some(ManagedVs {
                    written: Spanned::of(file, name_node, full),
                    name,
                    namespace,
                    routes,
                    route_entries,
                    tls_routes: listed("tlsRoutes"),
                    tcp_routes: listed("tcpRoutes"),
                })
            })
            .collect()
    }

    /// `stableService`, when it is a string.
    pub(crate) fn stable_service(&self) -> Option<Spanned<&'a str>> {
        self.string("stableService")
    }

    /// `canaryService`, when it is a string.
    pub(crate) fn canary_service(&self) -> Option<Spanned<&'a str>> {
        self.string("canaryService")
    }

    fn string(&self, key: &str) -> Option<Spanned<&'a str>> {
        let n = self.canary.get(key)?;
        Some(Spanned::of(self.res.file, n, n.as_str()?))
    }

    pub(crate) fn stable_subset(&self) -> Option<&'a str> {
        self.istio()?
            .path(&["destinationRule", "stableSubsetName"])?
            .as_str()
    }

    pub(crate) fn canary_subset(&self) -> Option<&'a str> {
        self.istio()?
            .path(&["destinationRule", "canarySubsetName"])?
            .as_str()
    }

    /// Whether the Rollout sets the weights of a route of `vs`: an http route it names in
    /// `routes`, or the one it picks when `routes` is omitted (see
    /// [`ManagedVs::http_routes`]); tls and tcp routes when it lists any.
    pub(crate) fn manages(&self, vs: &VirtualService<'_>, route: &Route<'_>) -> bool {
        let managed_routes = self.managed_route_names();
        self.virtual_services().iter().any(|m| {
            m.name == vs.res.name
                && m.namespace == vs.res.namespace
                && match route.protocol {
                    Protocol::Tls => m.tls_routes,
                    Protocol::Tcp => m.tcp_routes,
                    Protocol::Http if m.routes.is_empty() => {
                        !m.tls_routes
                            && !m.tcp_routes
                            && m.http_routes(vs, &managed_routes)
                                .iter()
                                .any(|r| r.index == route.index)
                    }
                    Protocol::Http => route.name().is_some_and(|n| m.routes.contains(&n)),
                }
        })
    }

    /// The stable and canary names the Rollout declares.
    pub(crate) fn declared_roles(&self) -> DeclaredRoles {
        DeclaredRoles {
            source: format!("Rollout `{}/{}`", self.res.namespace, self.res.name),
            stable: [self.stable_service().map(|s| s.value), self.stable_subset()]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
            canary: [self.canary_service().map(|s| s.value), self.canary_subset()]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
        }
    }
}

/// `trafficRouting.istio.destinationRule`: the DestinationRule whose subsets Argo Rollouts
/// labels with the stable and canary pod hashes.
pub(crate) struct DestinationRuleRef<'a> {
    pub(crate) name: Spanned<&'a str>,
    /// `canarySubsetName` and `stableSubsetName`, when they are strings.
    pub(crate) canary_subset: Option<Spanned<&'a str>>,
    pub(crate) stable_subset: Option<Spanned<&'a str>>,
}

/// One entry of `strategy.canary.steps`.
#[derive(Clone, Copy)]
pub(crate) struct Step<'a> {
    /// 0-based, as Argo Rollouts numbers them (`steps[2]`).
    pub(crate) index: usize,
    node: &'a Node,
    file: FileId,
}

/// A `setWeight` step.
#[derive(Clone, Copy)]
pub(crate) struct SetWeight {
    pub(crate) step: usize,
    /// The weight, when it is a plain integer.
    pub(crate) weight: Spanned<Option<i64>>,
}

/// A `pause` step: `pause: {}` waits for a person; `pause: {duration}` is a timer.
#[derive(Clone, Debug)]
pub(crate) enum Pause {
    Indefinite,
    /// The `duration` as Argo Rollouts reads it (a Go duration string, or seconds as an
    /// integer), for messages; none when it is not a scalar.
    Timed(Spanned<Option<String>>),
}

impl<'a> Step<'a> {
    pub(crate) fn set_weight(&self) -> Option<SetWeight> {
        let node = self.node.get("setWeight").filter(|n| !n.is_null())?;
        Some(SetWeight {
            step: self.index,
            weight: Spanned::of(self.file, node, node.as_scalar().and_then(|s| s.as_int())),
        })
    }

    pub(crate) fn pause(&self) -> Option<Pause> {
        let e = self.node.entry("pause")?;
        match e.value.get("duration").filter(|d| !d.is_null()) {
            Some(d) => Some(Pause::Timed(Spanned::of(self.file, d, pause_duration(d)))),
            None => Some(Pause::Indefinite),
        }
    }

    /// Whether the step is an `experiment` (which holds the rollout while it runs).
    pub(crate) fn is_experiment(&self) -> bool {
        self.node.get("experiment").is_some_and(|n| !n.is_null())
    }

    /// Whether the step runs an automated check: an inline `analysis` with templates, or
    /// an `experiment` with `analyses` (a failed experiment analysis aborts the Rollout).
    pub(crate) fn runs_analysis(&self) -> bool {
        has_templates(self.node.get("analysis"))
            || self
                .node
                .path(&["experiment", "analyses"])
                .is_some_and(|a| !a.items().is_empty())
    }
}

fn has_templates(analysis: Option<&Node>) -> bool {
    analysis
        .and_then(|a| a.get("templates"))
        .is_some_and(|t| !t.items().is_empty())
}

/// A pause's `duration` as Argo Rollouts reads it, for messages: none when it is not a
/// scalar.
fn pause_duration(d: &Node) -> Option<String> {
    let s = d.as_scalar()?;
    // Argo Rollouts reads an integer duration as seconds (v1alpha1 RolloutPause
    // DurationSeconds).
    Some(match s.as_int() {
        Some(secs) => {
            u64::try_from(secs).map_or(s.text.to_string(), |v| Duration::from_secs(v).to_string())
        }
        None => duration::parse(&s.text).map_or(s.text.to_string(), |v| v.to_string()),
    })
}

impl Pause {
    /// `pause: {}` or `pause: {duration: 10m}`, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Pause::Indefinite => "`pause: {}`".to_string(),
            Pause::Timed(d) => match &d.value {
                Some(shown) => format!("`pause: {{duration: {shown}}}`"),
                None => "`pause: {duration}`".to_string(),
            },
        }
    }
}

impl<'a> Rollout<'a> {
    /// The `steps` key, for findings about the schedule as a whole.
    pub(crate) fn steps_key(&self) -> Option<Location> {
        let e = self.canary.entry("steps")?;
        Some(Location::of(self.res.file, &e.key))
    }

    pub(crate) fn steps(&self) -> Vec<Step<'a>> {
        let file = self.res.file;
        self.canary
            .get("steps")
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
            .map(|(index, node)| Step { index, node, file })
            .collect()
    }

    pub(crate) fn set_weights(&self) -> Vec<SetWeight> {
        self.steps().iter().filter_map(Step::set_weight).collect()
    }

    /// Whether a background analysis (`strategy.canary.analysis`) runs with templates.
    pub(crate) fn has_background_analysis(&self) -> bool {
        has_templates(self.canary.get("analysis"))
    }

    pub(crate) fn destination_rule(&self) -> Option<DestinationRuleRef<'a>> {
        let file = self.res.file;
        let dr = self.istio()?.get("destinationRule")?;
        let name = dr.get("name")?;
        let subset = |k: &str| {
            let n = dr.get(k)?;
            Some(Spanned::of(file, n, n.as_str()?))
        };
        Some(DestinationRuleRef {
            name: Spanned::of(file, name, name.as_str()?),
            canary_subset: subset("canarySubsetName"),
            stable_subset: subset("stableSubsetName"),
        })
    }

    /// `trafficRouting.managedRoutes[].name`: routes Argo Rollouts adds for header and
    /// mirror steps.
    pub(crate) fn managed_route_names(&self) -> Vec<&'a str> {
        self.canary
            .path(&["trafficRouting", "managedRoutes"])
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|r| r.get("name")?.as_str())
            .collect()
    }
}

impl ManagedVs<'_> {
    /// The http routes of `vs` whose weights Argo Rollouts sets: those named in `routes`.
    /// With `routes` omitted, Argo requires exactly one http route besides those listed in
    /// `managedRoutes` (the header and mirror routes it adds itself), and patches the only
    /// http route of the VirtualService, named or not, else the first one without a name.
    /// None when the VirtualService has no `http` list, which Argo then does not read, or
    /// when it has several routes of its own, which Argo rejects.
    // argo-rollouts rollout/trafficrouting/istio/istio.go: ValidateHTTPRoutes ("it must have
    // exactly one route when omitting spec.strategy.canary.trafficRouting.istio.
    // virtualService.routes", counted without the managed routes) and
    // getHttpRouteIndexesToPatch (the only route by index since v1.9, else the first route
    // with no name).
    pub(crate) fn http_routes<'v>(
        &self,
        vs: &VirtualService<'v>,
        managed_routes: &[&str],
    ) -> Vec<Route<'v>> {
        let routes = vs.routes_of(Protocol::Http);
        if self.routes.is_empty() {
            let own = routes
                .iter()
                .filter(|r| r.name().is_none_or(|n| !managed_routes.contains(&n)))
                .count();
            if own > 1 {
                return Vec::new();
            }
            if routes.len() == 1 {
                return routes;
            }
            return routes
                .into_iter()
                .find(|r| r.name().is_none())
                .into_iter()
                .collect();
        }
        self.routes
            .iter()
            .filter_map(|name| routes.iter().find(|r| r.name() == Some(name)).copied())
            .collect()
    }
}

/// Where a Rollout runs an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnalysisSite {
    /// `strategy.canary.analysis`, in the background of the steps.
    Background,
    /// `strategy.canary.steps[i].analysis`.
    Step(usize),
    /// `strategy.canary.steps[i].experiment.analyses`.
    Experiment(usize),
    /// `strategy.blueGreen.prePromotionAnalysis`.
    PrePromotion,
    /// `strategy.blueGreen.postPromotionAnalysis`.
    PostPromotion,
}

impl std::fmt::Display for AnalysisSite {
    /// The field, as written in the Rollout, for messages: `steps[2].analysis`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalysisSite::Background => f.write_str("`strategy.canary.analysis`"),
            AnalysisSite::Step(i) => write!(f, "`steps[{i}].analysis`"),
            AnalysisSite::Experiment(i) => write!(f, "`steps[{i}].experiment.analyses`"),
            AnalysisSite::PrePromotion => f.write_str("`prePromotionAnalysis`"),
            AnalysisSite::PostPromotion => f.write_str("`postPromotionAnalysis`"),
        }
    }
}

/// A reference to an AnalysisTemplate, or with `clusterScope: true` to a
/// ClusterAnalysisTemplate: an entry of an analysis's `templates`, or of an experiment's
/// `analyses`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TemplateRef<'a> {
    /// `templateName`, when it is a string.
    pub(crate) name: Spanned<&'a str>,
    /// `clusterScope`: false when unset, none when it is not a boolean.
    pub(crate) cluster_scope: Option<bool>,
}

/// An analysis a Rollout runs, and the templates it names.
pub(crate) struct AnalysisBlock<'a> {
    pub(crate) site: AnalysisSite,
    pub(crate) templates: Vec<TemplateRef<'a>>,
    /// A `templateName` directly under the analysis: the singular field of the Rollout API
    /// before v1.0, no longer in the Rollout CRD (its value, when it is a string).
    pub(crate) legacy_template_name: Option<Field<Option<&'a str>>>,
}

/// The analyses of a Rollout of either strategy: the canary's background analysis, its
/// `analysis` and `experiment` steps, and the blue-green pre- and post-promotion analyses.
// argo-rollouts pkg/apis/rollouts/v1alpha1/types.go: RolloutAnalysis.Templates
// ([]AnalysisTemplateRef), RolloutExperimentStep.Analyses
// ([]RolloutExperimentStepAnalysisTemplateRef, each with its own templateName and
// clusterScope).
pub(crate) fn analyses(res: &Resource) -> Vec<AnalysisBlock<'_>> {
    if res.kind != Kind::Rollout {
        return Vec::new();
    }
    let Some(strategy) = res.spec().and_then(|s| s.get("strategy")) else {
        return Vec::new();
    };
    let file = res.file;
    let mut out = Vec::new();
    let canary = strategy.get("canary");
    if let Some(node) = canary.and_then(|c| c.get("analysis")) {
        out.push(analysis_block(file, AnalysisSite::Background, node));
    }
    let steps = canary
        .and_then(|c| c.get("steps"))
        .map_or(&[][..], Node::items);
    for (i, step) in steps.iter().enumerate() {
        if let Some(node) = step.get("analysis") {
            out.push(analysis_block(file, AnalysisSite::Step(i), node));
        }
        if let Some(list) = step.path(&["experiment", "analyses"]) {
            out.push(AnalysisBlock {
                site: AnalysisSite::Experiment(i),
                templates: list
                    .items()
                    .iter()
                    .filter_map(|a| template_ref(file, a))
                    .collect(),
                legacy_template_name: None,
            });
        }
    }
    let blue_green = strategy.get("blueGreen");
    for (key, site) in [
        ("prePromotionAnalysis", AnalysisSite::PrePromotion),
        ("postPromotionAnalysis", AnalysisSite::PostPromotion),
    ] {
        if let Some(node) = blue_green.and_then(|b| b.get(key)) {
            out.push(analysis_block(file, site, node));
        }
    }
    out
}

/// An analysis (`RolloutAnalysis`): its `templates`, and a `templateName` of the old API.
fn analysis_block(file: FileId, site: AnalysisSite, node: &Node) -> AnalysisBlock<'_> {
    AnalysisBlock {
        site,
        templates: node
            .get("templates")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|t| template_ref(file, t))
            .collect(),
        legacy_template_name: node
            .entry("templateName")
            .filter(|e| !e.value.is_null())
            .map(|e| Field::of(file, e, e.value.as_str())),
    }
}

/// An entry naming a template: `templateName` and `clusterScope`.
fn template_ref(file: FileId, node: &Node) -> Option<TemplateRef<'_>> {
    let name = node.get("templateName")?;
    let cluster_scope = match node.get("clusterScope").filter(|n| !n.is_null()) {
        None => Some(false),
        Some(n) => n.as_scalar().and_then(|s| s.as_bool()),
    };
    Some(TemplateRef {
        name: Spanned::of(file, name, name.as_str()?),
        cluster_scope,
    })
}

/// The name the Gateway API traffic-router plugin reads its configuration under, in
/// `trafficRouting.plugins`: any other key is not read by it.
// argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/plugin.go: `PluginName =
// "argoproj-labs/gatewayAPI"`; getGatewayAPITrafficRoutingConfig unmarshals
// `TrafficRouting.Plugins[PluginName]`.
pub(crate) const GATEWAY_API_PLUGIN: &str = "argoproj-labs/gatewayAPI";

/// `trafficRouting.plugins["argoproj-labs/gatewayAPI"]`: the routes whose weights the
/// Gateway API plugin sets.
pub(crate) struct GatewayPlugin<'a> {
    /// The plugin key, where it is written.
    pub(crate) key: Location,
    /// `namespace`, else the Rollout's: where the plugin looks the routes up.
    pub(crate) namespace: &'a str,
    pub(crate) routes: Vec<GatewayRouteRef<'a>>,
    /// Whether it discovers routes by label (`httpRouteSelector` and the like).
    pub(crate) selects: bool,
}

/// A route the Gateway API plugin names: `httpRoute`, `httpRoutes[].name`, `grpcRoute`...
pub(crate) struct GatewayRouteRef<'a> {
    /// The field it is listed under (`httpRoute`, `grpcRoutes`), for messages.
    pub(crate) field: &'static str,
    /// The route kind the plugin looks it up as; `None` for TCPRoutes and TLSRoutes, which
    /// canarylint does not index.
    pub(crate) kind: Option<Kind>,
    /// The kind's name (`HTTPRoute`, `TCPRoute`), for messages.
    pub(crate) kind_name: &'static str,
    pub(crate) name: Spanned<&'a str>,
    /// The plugin's namespace, where it is looked up.
    pub(crate) namespace: &'a str,
}

/// A key that was likely meant to configure the Gateway API plugin but is not read by it.
pub(crate) enum StrayGatewayKey<'a> {
    /// `trafficRouting.gatewayAPI`: not a Rollout field; the API server prunes it.
    Misplaced(Spanned<&'a str>),
    /// A plugin key close to [`GATEWAY_API_PLUGIN`] (`argoproj-labs/gatewayApi`).
    Misspelt(Spanned<&'a str>),
}

// The plugin's route fields: the single name, the list of `{name, useHeaderRoutes}`, and
// the label selector (pkg/plugin/types.go GatewayAPITrafficRouting).
const ROUTE_FIELDS: [(&str, &str, &str, Option<Kind>, &str); 4] = [
    (
        "httpRoute",
        "httpRoutes",
        "httpRouteSelector",
        Some(Kind::HttpRoute),
        "HTTPRoute",
    ),
    (
        "grpcRoute",
        "grpcRoutes",
        "grpcRouteSelector",
        Some(Kind::GrpcRoute),
        "GRPCRoute",
    ),
    (
        "tcpRoute",
        "tcpRoutes",
        "tcpRouteSelector",
        None,
        "TCPRoute",
    ),
    (
        "tlsRoute",
        "tlsRoutes",
        "tlsRouteSelector",
        None,
        "TLSRoute",
    ),
];

impl<'a> Rollout<'a> {
    fn plugins(&self) -> Option<&'a Node> {
        self.canary.path(&["trafficRouting", "plugins"])
    }

    /// The Gateway API plugin's configuration, when the Rollout has one.
    pub(crate) fn gateway_plugin(&self) -> Option<GatewayPlugin<'a>> {
        let file = self.res.file;
        let entry = self
            .plugins()?
            .entries()
            .iter()
            .find(|e| e.key.as_str() == Some(GATEWAY_API_PLUGIN))?;
        let config = &entry.value;
        // pkg/plugin/plugin.go: "Default namespace to rollout's namespace if not specified".
        let namespace = config
            .get("namespace")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.res.namespace);
        let mut routes = Vec::new();
        let mut selects = false;
        for (one, many, selector, kind, kind_name) in ROUTE_FIELDS {
            let named = |field: &'static str, n: &'a Node| {
                let name = n.as_str()?;
                Some(GatewayRouteRef {
                    field,
                    kind,
                    kind_name,
                    name: Spanned::of(file, n, name),
                    namespace,
                })
            };
            routes.extend(config.get(one).and_then(|n| named(one, n)));
            routes.extend(
                config
                    .get(many)
                    .map_or(&[][..], Node::items)
                    .iter()
                    .filter_map(|r| named(many, r.get("name")?)),
            );
            selects |= config.get(selector).is_some_and(|n| !n.is_null());
        }
        Some(GatewayPlugin {
            key: Location::of(file, &entry.key),
            namespace,
            routes,
            selects,
        })
    }

    /// The routes the Gateway API plugin names.
    pub(crate) fn gateway_routes(&self) -> Vec<GatewayRouteRef<'a>> {
        self.gateway_plugin().map_or_else(Vec::new, |p| p.routes)
    }

    /// Keys meant for the Gateway API plugin that nothing reads: `trafficRouting.gatewayAPI`
    /// and plugin keys that differ from [`GATEWAY_API_PLUGIN`] by case or a few letters.
    pub(crate) fn stray_gateway_api_keys(&self) -> Vec<StrayGatewayKey<'a>> {
        let file = self.res.file;
        let key_of = |e: &'a crate::yaml::Entry| Some(Spanned::of(file, &e.key, e.key.as_str()?));
        let mut out: Vec<StrayGatewayKey<'a>> = self
            .canary
            .get("trafficRouting")
            .map_or(&[][..], Node::entries)
            .iter()
            .filter_map(key_of)
            .filter(|k| k.value.eq_ignore_ascii_case("gatewayAPI"))
            .map(StrayGatewayKey::Misplaced)
            .collect();
        out.extend(
            self.plugins()
                .map_or(&[][..], Node::entries)
                .iter()
                .filter_map(key_of)
                .filter(|k| k.value != GATEWAY_API_PLUGIN && near_gateway_plugin(k.value))
                .map(StrayGatewayKey::Misspelt),
        );
        out
    }
}

/// Whether a plugin key looks like a misspelling of [`GATEWAY_API_PLUGIN`]: equal but for
/// case and punctuation, or a name ending in `gatewayapi` that is a few edits away.
fn near_gateway_plugin(key: &str) -> bool {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let folded = fold(key);
    folded == fold(GATEWAY_API_PLUGIN)
        || (folded.ends_with("gatewayapi")
            && crate::text::closest(key, [GATEWAY_API_PLUGIN]).is_some())
}

#[cfg(test)]
mod tests {
    use super::near_gateway_plugin;

    #[test]
    fn misspelt_gateway_plugin_keys() {
        assert!(near_gateway_plugin("argoproj-labs/gatewayApi"));
        assert!(near_gateway_plugin("argoproj-labs/gateway-api"));
        assert!(near_gateway_plugin("argoproj/gatewayAPI"));
        assert!(!near_gateway_plugin("argoproj-labs/contour"));
        assert!(!near_gateway_plugin("acme/gatewayAPI"));
    }
}
