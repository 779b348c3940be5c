//! `.canarylint.yaml`: the delivery policy and project settings. Found upward from the
//! first linted path, or given with `--config`. Any unknown key or bad value is an error
//! naming the file, the line and the key, with a did-you-mean.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::duration::{self, Duration};
use crate::source::SourceFile;
use crate::text::closest;
use crate::yaml::{self, LoadIssue, Node};

pub const FILE_NAMES: &[&str] = &[".canarylint.yaml", ".canarylint.yml"];

/// A promotion gate the policy can require of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    ErrorRate,
    Latency,
}

impl Gate {
    pub const ALL: &'static [(Gate, &'static str)] =
        &[(Gate::ErrorRate, "error-rate"), (Gate::Latency, "latency")];

    pub fn name(self) -> &'static str {
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
    pub max_canary_weight: u32,
    /// Highest first exposure, in percent.
    pub max_first_step: u32,
    /// Largest single increase between two steps, in points.
    pub max_step: u32,
    /// Worst-case time from the first failed check to 0% canary.
    pub rollback_sla: Duration,
    pub required_gates: Vec<Gate>,
    /// Weighted splits must be driven by Flagger or Argo Rollouts.
    pub require_automation: bool,
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
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    pub policy: Policy,
    pub default_namespace: Option<String>,
    pub root_namespace: Option<String>,
    pub exclude: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub message: String,
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

const TOP_KEYS: &[&str] = &["policy", "default-namespace", "root-namespace", "exclude"];
const POLICY_KEYS: &[&str] = &[
    "max-canary-weight",
    "max-first-step",
    "max-step",
    "rollback-sla",
    "required-gates",
    "require-automation",
];

/// The config file that applies to `start`: the first found in it (or its directory) and
/// upward.
pub fn find(start: &Path) -> Option<PathBuf> {
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
        dir = d.parent();
    }
    None
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path
        .strip_prefix(&cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: shown.clone(),
        line: 0,
        message: format!("cannot read the config file: {e}"),
    })?;
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
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
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
            _ => return Err(r.unknown(&e.key, key, "the config", TOP_KEYS)),
        }
    }
    Ok(config)
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
        let e = parse("policy:\n  required-gates: [latncy]\n", "c").unwrap_err();
        assert!(e.message.contains("did you mean `latency`?"), "{e}");
    }
}
