//! Go durations (`time.ParseDuration`), as Kubernetes controllers read `90s`, `1m30s`,
//! `1.5h`. Flagger parses its intervals and timeouts this way.

use std::fmt;

/// A duration in milliseconds (Go's finer units round down to them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Duration(pub u64);

impl Duration {
    pub(crate) fn from_secs(s: u64) -> Self {
        Duration(s * 1000)
    }

    pub(crate) fn millis(self) -> u64 {
        self.0
    }

    pub(crate) fn saturating_mul(self, n: u64) -> Self {
        Duration(self.0.saturating_mul(n))
    }
}

/// Parses a Go duration: a sequence of decimal numbers, each with a unit (`ns`, `us`, `µs`,
/// `ms`, `s`, `m`, `h`), e.g. `300ms`, `1h30m`. A bare `0` is allowed; negative durations
/// and a missing unit (`1m30`) are not (Go: "missing unit in duration").
pub(crate) fn parse(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration(0));
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() {
        return None;
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_ns += value * scale;
        rest = next;
    }
    Some(Duration((total_ns / 1e6) as u64))
}

impl fmt::Display for Duration {
    /// `90s` -> `1m30s`, `600s` -> `10m`, like Go's `Duration.String` without zero parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        if ms < 1000 {
            return write!(f, "{ms}ms");
        }
        let total_s = ms / 1000;
        let (h, m, s) = (total_s / 3600, (total_s % 3600) / 60, total_s % 60);
        let frac = ms % 1000;
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 || frac > 0 {
            if frac > 0 {
                let t = format!("{s}.{frac:03}");
                write!(f, "{}s", t.trim_end_matches('0'))?;
            } else {
                write!(f, "{s}s")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("300ms"), Some(Duration(300)));
        assert_eq!(parse("0"), Some(Duration(0)));
        assert_eq!(parse("5min"), None);
        assert_eq!(parse("1m30"), None);
        assert_eq!(parse("10"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("-1m"), None);
    }

    #[test]
    fn display() {
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
        assert_eq!(Duration::from_secs(600).to_string(), "10m");
        assert_eq!(Duration::from_secs(3600 * 2 + 5).to_string(), "2h5s");
        assert_eq!(Duration(1500).to_string(), "1.5s");
    }
}
