//! `.canarylint.yaml`: the delivery policy and project settings. Found upward from the
//! first linted path, or given with `--config`. Any unknown key or bad value is an error
//! naming the file, the line and the key, with a did-you-mean.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::codes::RuleId;
use crate::diagnostic::Severity;
use crate::duration::{self, Duration};
use crate::source::SourceFile;
use crate::text::closest;
use crate::yaml::{self, LoadIssue, Node};

pub(crate) const FILE_NAMES: &[&str] = &[".canarylint.yaml", ".canarylint.yml"];

/// A promotion gate the policy can require of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    ErrorRate,
    Latency,
}

impl Gate {
    pub(crate) const ALL: &'static [(Gate, &'static str)] =
        &[(Gate::ErrorRate, "error-rate"), (Gate::Latency, "latency")];

    pub(crate) fn name(self) -> &'static str {
        Gate::ALL
            .iter()
            .find(|(g, _)| *g == self)
            .map_or("", |(_, n)| n)
    }
}

/// The platform's progressive-delivery standard.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Highest canary share, in percent, while under analysis.
    pub(crate) max_canary_weight: u32,
    /// Highest first exposure, in percent.
    pub(crate) max_first_step: u32,
    /// Largest single increase between two steps, in points.
    pub(crate) max_step: u32,
    /// Worst-case time from the first failed check to 0% canary.
    pub(crate) rollback_sla: Duration,
    pub(crate) required_gates: Vec<Gate>,
    /// Weighted splits must be driven by Flagger or Argo Rollouts.
    pub(crate) require_automation: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_canary_weight: 50,
            max_first_step: 10,
            max_step: 20,
            rollback_sla: Duration::from_secs(600),
            required_gates: vec![Gate::ErrorRate, Gate::Latency],
            require_automation: false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Config {
    /// The file it was read from, if any.
    pub(crate) path: Option<PathBuf>,
    pub(crate) policy: Policy,
    pub(crate) default_namespace: Option<String>,
    pub(crate) root_namespace: Option<String>,
    pub(crate) exclude: Vec<String>,
    pub(crate) rules: RuleSettings,
    /// Rules to ignore in files matching a glob.
    pub(crate) per_file_ignores: Vec<(String, Vec<RuleId>)>,
    /// A baseline file of known findings (`baseline:`), as written: relative to the
    /// config file's directory.
    pub(crate) baseline: Option<PathBuf>,
}

/// `rules:`: which rules run, and at what severity.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RuleSettings {
    /// Only these rules run, when set.
    pub(crate) select: Option<Vec<RuleId>>,
    pub(crate) ignore: Vec<RuleId>,
    pub(crate) severity: Vec<(RuleId, Severity)>,
}

impl RuleSettings {
    pub(crate) fn enabled(&self, id: RuleId) -> bool {
        self.select.as_ref().is_none_or(|s| s.contains(&id)) && !self.ignore.contains(&id)
    }

    pub(crate) fn severity_of(&self, id: RuleId) -> Option<Severity> {
        self.severity
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, s)| *s)
    }
}

/// Parses a severity name.
pub(crate) fn severity_named(name: &str) -> Option<Severity> {
    match name {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

pub(crate) const TOP_KEYS: &[&str] = &[
    "policy",
    "default-namespace",
    "root-namespace",
    "exclude",
    "rules",
    "per-file-ignores",
    "baseline",
];
pub(crate) const RULES_KEYS: &[&str] = &["select", "ignore", "severity"];
pub(crate) const POLICY_KEYS: &[&str] = &[
    "max-canary-weight",
    "max-first-step",
    "max-step",
    "rollback-sla",
    "required-gates",
    "require-automation",
];

/// The config file that applies to `start`: the first found in it (or its directory) and
/// upward, up to the repository root (the directory holding `.git`). A config above the
/// repository is someone else's: it must not change what a clone of the repository gets.
pub(crate) fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path
        .strip_prefix(&cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let cannot = |e: String| ConfigError {
        file: shown.clone(),
        line: 0,
        message: format!("cannot read the config file: {e}"),
    };
    let bytes = crate::load::read_regular(path).map_err(|e| cannot(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| cannot(e.to_string()))?;
    let mut config = parse(&text, &shown)?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

struct Reader<'a> {
    src: SourceFile,
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, node: &Node, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line: self.src.line_col(node.span.start as usize).line,
            message,
        }
    }

    fn unknown(&self, key: &Node, name: &str, section: &str, known: &[&str]) -> ConfigError {
        let mut msg = format!("unknown key `{name}` in {section}");
        match closest(name, known.iter().copied()) {
            Some(s) => msg.push_str(&format!("; did you mean `{s}`?")),
            None => msg.push_str(&format!(
                "; expected one of {}",
                crate::text::backtick_list(known)
            )),
        }
        self.err(key, msg)
    }

    fn percent(&self, key: &str, v: &Node) -> Result<u32, ConfigError> {
        match v.as_scalar().and_then(|s| s.as_int()) {
            Some(n) if (0..=100).contains(&n) => Ok(n as u32),
            _ => Err(self.err(
                v,
                format!("`{key}` must be a whole percentage from 0 to 100"),
            )),
        }
    }

    fn rule_id(&self, v: &Node) -> Result<RuleId, ConfigError> {
        let name = v.as_str().unwrap_or_default();
        RuleId::from_name(name).ok_or_else(|| {
            let mut msg = format!("unknown rule `{name}`");
            if let Some(c) = crate::codes::suggest(name) {
                msg.push_str(&format!("; did you mean `{c}`?"));
            }
            self.err(v, msg)
        })
    }

    fn rule_ids(&self, key: &str, v: &Node) -> Result<Vec<RuleId>, ConfigError> {
        let Some(items) = v.as_seq() else {
            return Err(self.err(v, format!("`{key}` must be a list of rule ids")));
        };
        items.iter().map(|i| self.rule_id(i)).collect()
    }

    fn string(&self, key: &str, v: &Node) -> Result<String, ConfigError> {
        v.as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| self.err(v, format!("`{key}` must be a string")))
    }

    fn strings<'n>(&self, key: &str, v: &'n Node) -> Result<Vec<(String, &'n Node)>, ConfigError> {
        let Some(items) = v.as_seq() else {
            return Err(self.err(v, format!("`{key}` must be a list")));
        };
        items
            .iter()
            .map(|i| Ok((self.string(key, i)?, i)))
            .collect()
    }
}

/// Parses the text of a config file, `file` naming it in errors.
pub(crate) fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let r = Reader {
        src: SourceFile::new(PathBuf::from(file), file.to_string(), text.into()),
        file,
    };
    let loaded = yaml::load(text, 0);
    if let Some(issue) = loaded.issues.first() {
        let (span, message) = match issue {
            LoadIssue::Syntax { span, message } => (*span, format!("invalid YAML: {message}")),
            LoadIssue::DuplicateKey { key, second, .. } => {
                (*second, format!("key `{key}` is given twice"))
            }
        };
        return Err(ConfigError {
            file: file.to_string(),
            line: r.src.line_col(span.start as usize).line,
            message,
        });
    }
    let mut config = Config::default();
    let Some(root) = loaded.docs.into_iter().next() else {
        return Ok(config);
    };
    if root.is_null() {
        return Ok(config);
    }
    let Some(entries) = root.as_map() else {
        return Err(r.err(&root, "the config must be a mapping of settings".into()));
    };
    for e in entries {
        let key = e.key.as_str().unwrap_or_default();
        let v = &e.value;
        match key {
            "policy" => config.policy = policy(&r, v)?,
            "default-namespace" => config.default_namespace = Some(r.string(key, v)?),
            "root-namespace" => config.root_namespace = Some(r.string(key, v)?),
            "exclude" => config.exclude = r.strings(key, v)?.into_iter().map(|(s, _)| s).collect(),
            "rules" => config.rules = rules(&r, v)?,
            "baseline" => config.baseline = Some(PathBuf::from(r.string(key, v)?)),
            "per-file-ignores" => {
                let Some(entries) = v.as_map() else {
                    return Err(r.err(
                        v,
                        "`per-file-ignores` must map globs to lists of rules".into(),
                    ));
                };
                for pe in entries {
                    let glob = r.string("per-file-ignores", &pe.key)?;
                    if let Err(e) = globset::Glob::new(&glob) {
                        return Err(r.err(&pe.key, format!("invalid glob `{glob}`: {}", e.kind())));
                    }
                    config
                        .per_file_ignores
                        .push((glob, r.rule_ids("per-file-ignores", &pe.value)?));
                }
            }
            _ => return Err(r.unknown(&e.key, key, "the config", TOP_KEYS)),
        }
    }
    Ok(config)
}

fn rules(r: &Reader<'_>, node: &Node) -> Result<RuleSettings, ConfigError> {
    let mut out = RuleSettings::default();
    let Some(entries) = node.as_map() else {
        return Err(r.err(node, "`rules` must be a mapping".into()));
    };
    for e in entries {
        let key = e.key.as_str().unwrap_or_default();
        let v = &e.value;
        match key {
            "select" => out.select = Some(r.rule_ids(key, v)?),
            "ignore" => out.ignore = r.rule_ids(key, v)?,
            "severity" => {
                let Some(levels) = v.as_map() else {
                    return Err(r.err(
                        v,
                        "`severity` must map rule ids to `error`, `warning` or `info`".into(),
                    ));
                };
                for le in levels {
                    let id = r.rule_id(&le.key)?;
                    let name = le.value.as_str().unwrap_or_default();
                    let sev = severity_named(name).ok_or_else(|| {
                        r.err(
                            &le.value,
                            format!(
                                "unknown severity `{name}`; expected `error`, `warning` or `info`"
                            ),
                        )
                    })?;
                    out.severity.push((id, sev));
                }
            }
            _ => return Err(r.unknown(&e.key, key, "`rules`", RULES_KEYS)),
        }
    }
    Ok(out)
}

fn policy(r: &Reader<'_>, node: &Node) -> Result<Policy, ConfigError> {
    let mut p = Policy::default();
    if node.is_null() {
        return Ok(p);
    }
    let Some(entries) = node.as_map() else {
        return Err(r.err(node, "`policy` must be a mapping".into()));
    };
    for e in entries {
        let key = e.key.as_str().unwrap_or_default();
        let v = &e.value;
        match key {
            "max-canary-weight" => p.max_canary_weight = r.percent(key, v)?,
            "max-first-step" => p.max_first_step = r.percent(key, v)?,
            "max-step" => p.max_step = r.percent(key, v)?,
            "rollback-sla" => {
                let text = v.as_scalar().map(|s| s.text.as_str()).unwrap_or_default();
                p.rollback_sla = duration::parse(text).filter(|d| d.millis() > 0).ok_or_else(|| {
                    r.err(v, format!("`rollback-sla` must be a duration such as `90s` or `10m`, not `{text}`"))
                })?;
            }
            "required-gates" => {
                p.required_gates = r
                    .strings(key, v)?
                    .into_iter()
                    .map(|(s, n)| {
                        Gate::ALL
                            .iter()
                            .find(|(_, name)| *name == s)
                            .map(|(g, _)| *g)
                            .ok_or_else(|| {
                                let names: Vec<&str> = Gate::ALL.iter().map(|(_, n)| *n).collect();
                                let mut msg = format!("unknown gate `{s}` in `required-gates`");
                                if let Some(c) = closest(&s, names.iter().copied()) {
                                    msg.push_str(&format!("; did you mean `{c}`?"));
                                }
                                r.err(n, msg)
                            })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "require-automation" => {
                p.require_automation =
                    v.as_scalar().and_then(|s| s.as_bool()).ok_or_else(|| {
                        r.err(v, "`require-automation` must be `true` or `false`".into())
                    })?;
            }
            _ => return Err(r.unknown(&e.key, key, "`policy`", POLICY_KEYS)),
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_values() {
        assert_eq!(parse("", "c").unwrap(), Config::default());
        let c = parse("policy:\n  max-step: 25\n  rollback-sla: 90s\n  required-gates: [latency]\n  require-automation: true\n", "c").unwrap();
        assert_eq!(c.policy.max_step, 25);
        assert_eq!(c.policy.rollback_sla, Duration::from_secs(90));
        assert_eq!(c.policy.required_gates, vec![Gate::Latency]);
        assert!(c.policy.require_automation);
        assert_eq!(c.policy.max_canary_weight, 50);
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let e = parse("policy:\n  max-canry-weight: 50\n", ".canarylint.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            ".canarylint.yaml:2: unknown key `max-canry-weight` in `policy`; did you mean `max-canary-weight`?"
        );
        let e = parse("policy:\n  rollback-sla: 10min\n", "c").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`rollback-sla`"));
        let e = parse("policy:\n  max-step: 120\n", "c").unwrap_err();
        assert!(e.message.contains("from 0 to 100"));
        let e = parse("polcy: {}\n", "c").unwrap_err();
        assert!(e.message.contains("did you mean `policy`?"), "{e}");
        let e = parse("rules:\n  ignore: [weight-summ]\n", "c").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c:2: unknown rule `weight-summ`; did you mean `weight-sum`?"
        );
        let e = parse("rules:\n  severity: {weight-sum: fatal}\n", "c").unwrap_err();
        assert!(e.message.contains("unknown severity `fatal`"), "{e}");
        let e = parse("per-file-ignores:\n  \"a[\": [weight-sum]\n", "c").unwrap_err();
        assert!(e.message.contains("invalid glob"), "{e}");
        let e = parse("policy:\n  required-gates: [latncy]\n", "c").unwrap_err();
        assert!(e.message.contains("did you mean `latency`?"), "{e}");
    }
}

/// The config file's shape, for its JSON schema only: `parse` is the reader (it keeps
/// lines for errors). A test keeps the two in step.
mod file {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use crate::codes::RuleId;

    /// A rule id.
    pub(crate) struct RuleName;

    impl JsonSchema for RuleName {
        fn schema_name() -> Cow<'static, str> {
            "RuleId".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
            json_schema!({ "type": "string", "enum": ids })
        }
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    pub(crate) enum Level {
        Error,
        Warning,
        Info,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub(crate) enum GateName {
        ErrorRate,
        Latency,
    }

    /// The platform's progressive-delivery standard.
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub(crate) struct Policy {
        /// Highest canary share, in percent, while under analysis (default 50).
        #[schemars(range(min = 0, max = 100))]
        pub(crate) max_canary_weight: Option<u32>,
        /// Highest first exposure, in percent (default 10).
        #[schemars(range(min = 0, max = 100))]
        pub(crate) max_first_step: Option<u32>,
        /// Largest single increase between two steps, in points (default 20).
        #[schemars(range(min = 0, max = 100))]
        pub(crate) max_step: Option<u32>,
        /// Worst-case time from the first failed check to 0% canary, e.g. `10m` (default).
        #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"))]
        pub(crate) rollback_sla: Option<String>,
        /// Gates every analysis must have (default both).
        pub(crate) required_gates: Option<Vec<GateName>>,
        /// Weighted splits must be driven by Flagger or Argo Rollouts (default false).
        pub(crate) require_automation: Option<bool>,
    }

    /// Which rules run, and at what severity.
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub(crate) struct Rules {
        /// Run only these rules.
        pub(crate) select: Option<Vec<RuleName>>,
        /// Do not run these rules.
        pub(crate) ignore: Option<Vec<RuleName>>,
        /// Severity overrides.
        pub(crate) severity: Option<BTreeMap<String, Level>>,
    }

    /// `.canarylint.yaml`
    #[derive(JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub(crate) struct ConfigFile {
        pub(crate) policy: Option<Policy>,
        /// Namespace of resources that set none (default `default`).
        pub(crate) default_namespace: Option<String>,
        /// Istio's root namespace (default `istio-system`).
        pub(crate) root_namespace: Option<String>,
        /// Globs of paths not to lint.
        pub(crate) exclude: Option<Vec<String>>,
        pub(crate) rules: Option<Rules>,
        /// Rules to ignore in files matching a glob.
        pub(crate) per_file_ignores: Option<BTreeMap<String, Vec<RuleName>>>,
        /// A baseline file written by `--write-baseline`, relative to this file: the
        /// findings it lists are reported as unchanged and do not fail the run.
        pub(crate) baseline: Option<String>,
    }
}

/// A JSON schema for `.canarylint.yaml`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(file::ConfigFile);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    #[test]
    fn schema_and_reader_know_the_same_keys() {
        let v: serde_json::Value = serde_json::from_str(&schema()).unwrap();
        let keys = |obj: &serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = obj["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        let sorted = |s: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(keys(&v), sorted(TOP_KEYS));
        assert_eq!(keys(&v["$defs"]["Policy"]), sorted(POLICY_KEYS));
        assert_eq!(keys(&v["$defs"]["Rules"]), sorted(RULES_KEYS));
    }
}
