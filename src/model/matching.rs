//! Match-set containment for Istio VirtualService routes.
//!
//! Decides whether one HTTP match block (or tcp/tls L4 match block) accepts
//! every request that another one accepts, so that a route placed after a
//! broader route can be reported as shadowed. Every check is sound: it only
//! answers `true` when the containment is provable and answers `false` when
//! unsure.

use crate::hash::HashMap;
use regex::{Regex, RegexBuilder};
use std::cell::RefCell;
use std::net::IpAddr;

/// One Istio `StringMatch`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum StrMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
    /// Header or query parameter given with an empty match `{}`: presence only.
    Present,
}

/// A string condition plus its case handling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StrCond {
    pub(crate) m: StrMatch,
    pub(crate) ignore_case: bool,
}

impl StrCond {
    #[cfg(test)]
    pub(crate) fn exact(s: impl Into<String>) -> Self {
        Self::new(StrMatch::Exact(s.into()))
    }

    pub(crate) fn prefix(s: impl Into<String>) -> Self {
        Self::new(StrMatch::Prefix(s.into()))
    }

    #[cfg(test)]
    pub(crate) fn regex(s: impl Into<String>) -> Self {
        Self::new(StrMatch::Regex(s.into()))
    }

    #[cfg(test)]
    pub(crate) fn present() -> Self {
        Self::new(StrMatch::Present)
    }

    #[cfg(test)]
    /// The same condition with `ignore_case` set.
    pub(crate) fn ignoring_case(mut self) -> Self {
        self.ignore_case = true;
        self
    }

    fn new(m: StrMatch) -> Self {
        StrCond {
            m,
            ignore_case: false,
        }
    }
}

/// One `HTTPMatchRequest`: all of its conditions are ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MatchBlock {
    pub(crate) uri: Option<StrCond>,
    pub(crate) scheme: Option<StrCond>,
    pub(crate) method: Option<StrCond>,
    pub(crate) authority: Option<StrCond>,
    pub(crate) headers: Vec<(String, StrCond)>,
    pub(crate) without_headers: Vec<(String, StrCond)>,
    pub(crate) query_params: Vec<(String, StrCond)>,
    pub(crate) port: Option<u32>,
    pub(crate) source_labels: Vec<(String, String)>,
    pub(crate) gateways: Option<Vec<String>>,
    pub(crate) source_namespace: Option<String>,
    pub(crate) unknown: bool,
}

impl MatchBlock {
    /// A block without any condition: matches every request.
    pub(crate) fn everything() -> Self {
        Self::default()
    }
}

/// One tcp/tls `L4MatchAttributes` / `TLSMatchAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct L4Block {
    pub(crate) destination_subnets: Vec<String>,
    pub(crate) port: Option<u32>,
    pub(crate) source_labels: Vec<(String, String)>,
    pub(crate) gateways: Option<Vec<String>>,
    pub(crate) source_namespace: Option<String>,
    pub(crate) sni_hosts: Vec<String>,
    pub(crate) unknown: bool,
}

/// Whether `c` accepts every value the field can carry, ignoring whether the
/// field is present at all: `.*`-like regexes, `Prefix("")` and `Present`.
pub(crate) fn accepts_any_value(c: &StrCond) -> bool {
    match &c.m {
        StrMatch::Present => true,
        StrMatch::Prefix(p) => p.is_empty(),
        StrMatch::Regex(r) => is_universal_regex(r),
        StrMatch::Exact(_) => false,
    }
}

/// Whether `c` accepts every request as far as this field is concerned.
///
/// Only fields that every request carries (uri, scheme, method, authority)
/// can have a universal condition: in Istio/Envoy even regex `.*` on a
/// header or query parameter requires it to be present, so with
/// `field_always_present == false` this is always `false` (use
/// [`accepts_any_value`] for "any value, given presence").
/// `Prefix("/")` on the uri is handled by [`block_covers`], not here.
pub(crate) fn is_universal(c: &StrCond, field_always_present: bool) -> bool {
    field_always_present && accepts_any_value(c)
}

/// Is the set of values matched by `b` a subset of the set matched by `a`?
/// Both conditions are taken to require the field to be present.
pub(crate) fn str_covers(a: &StrCond, b: &StrCond) -> bool {
    if accepts_any_value(a) {
        return true;
    }
    if let (StrMatch::Regex(ra), StrMatch::Regex(rb)) = (&a.m, &b.m) {
        // Identical text is the same set, unless only b ignores case.
        return ra == rb && (a.ignore_case || !b.ignore_case) && compile_full(ra, false).is_some();
    }
    let a_fold = folds_case(a, true);
    if folds_case(b, false) && !a_fold {
        return false;
    }
    match (&a.m, &b.m) {
        (StrMatch::Exact(x), StrMatch::Exact(s)) => fold(s, a_fold) == fold(x, a_fold),
        (StrMatch::Prefix(p), StrMatch::Exact(s) | StrMatch::Prefix(s)) => {
            fold(s, a_fold).starts_with(&fold(p, a_fold))
        }
        (StrMatch::Regex(r), StrMatch::Exact(s)) => {
            plain_ascii(s) && compile_full(r, false).is_some_and(|re| re.is_match(s))
        }
        (StrMatch::Regex(r), StrMatch::Prefix(q)) => {
            compile_full(r, false).is_some()
                && regex_literal_prefix(r).is_some_and(|p| q.starts_with(&p))
        }
        _ => false,
    }
}

/// Is every request matched by block `b` also matched by block `a`?
pub(crate) fn block_covers(a: &MatchBlock, b: &MatchBlock) -> bool {
    if a.unknown || b.unknown {
        return false;
    }
    always_present_covers(&a.uri, &b.uri, true)
        && always_present_covers(&a.scheme, &b.scheme, false)
        && always_present_covers(&a.method, &b.method, false)
        && always_present_covers(&a.authority, &b.authority, false)
        && named_conds_cover(&a.headers, &b.headers)
        && named_conds_cover(&a.query_params, &b.query_params)
        && a.without_headers.iter().all(|(h, ca)| excludes(b, h, ca))
        && placement_covers(
            Placement {
                port: a.port,
                source_labels: &a.source_labels,
                gateways: &a.gateways,
                source_namespace: &a.source_namespace,
            },
            Placement {
                port: b.port,
                source_labels: &b.source_labels,
                gateways: &b.gateways,
                source_namespace: &b.source_namespace,
            },
        )
}

/// Is every connection matched by L4 block `b` also matched by `a`?
pub(crate) fn l4_covers(a: &L4Block, b: &L4Block) -> bool {
    if a.unknown || b.unknown {
        return false;
    }
    let subnets_ok = a.destination_subnets.is_empty()
        || (!b.destination_subnets.is_empty()
            && b.destination_subnets.iter().all(|bs| {
                a.destination_subnets
                    .iter()
                    .any(|as_| cidr_contains(as_, bs))
            }));
    let sni_ok = a.sni_hosts.is_empty()
        || (!b.sni_hosts.is_empty()
            && b.sni_hosts
                .iter()
                .all(|bh| a.sni_hosts.iter().any(|ah| sni_covers(ah, bh))));
    subnets_ok
        && sni_ok
        && placement_covers(
            Placement {
                port: a.port,
                source_labels: &a.source_labels,
                gateways: &a.gateways,
                source_namespace: &a.source_namespace,
            },
            Placement {
                port: b.port,
                source_labels: &b.source_labels,
                gateways: &b.gateways,
                source_namespace: &b.source_namespace,
            },
        )
}

struct Placement<'a> {
    port: Option<u32>,
    source_labels: &'a [(String, String)],
    gateways: &'a Option<Vec<String>>,
    source_namespace: &'a Option<String>,
}

fn placement_covers(a: Placement<'_>, b: Placement<'_>) -> bool {
    let port_ok = a.port.is_none() || a.port == b.port;
    let labels_ok = a.source_labels.iter().all(|l| b.source_labels.contains(l));
    // An empty gateway list on b is treated as unknown rather than "matches nothing".
    let gateways_ok = match (a.gateways, b.gateways) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ga), Some(gb)) => !gb.is_empty() && gb.iter().all(|g| ga.contains(g)),
    };
    let ns_ok = a.source_namespace.is_none() || a.source_namespace == b.source_namespace;
    port_ok && labels_ok && gateways_ok && ns_ok
}

/// uri, scheme, method and authority are carried by every request.
fn always_present_covers(a: &Option<StrCond>, b: &Option<StrCond>, is_uri: bool) -> bool {
    let ca = match a {
        None => return true,
        Some(ca) => ca,
    };
    if field_universal(ca, is_uri) {
        return true;
    }
    b.as_ref().is_some_and(|cb| str_covers(ca, cb))
}

fn field_universal(c: &StrCond, is_uri: bool) -> bool {
    // Every request path starts with "/".
    is_universal(c, true) || (is_uri && str_covers(c, &StrCond::prefix("/")))
}

fn named_conds_cover(a: &[(String, StrCond)], b: &[(String, StrCond)]) -> bool {
    a.iter()
        .all(|(h, ca)| b.iter().any(|(n, cb)| n == h && str_covers(ca, cb)))
}

/// Does block `b` guarantee that header `h` does not match `ca`?
/// (Istio `withoutHeaders`: an absent header also passes.)
fn excludes(b: &MatchBlock, h: &str, ca: &StrCond) -> bool {
    b.without_headers
        .iter()
        .any(|(n, cb)| n == h && str_covers(cb, ca))
        || b.headers
            .iter()
            .any(|(n, cb)| n == h && provably_disjoint(cb, ca))
}

/// Can no present value match both `x` and `y`?
fn provably_disjoint(x: &StrCond, y: &StrCond) -> bool {
    let f = x.ignore_case || y.ignore_case;
    // ASCII-only folding is only trusted on ASCII literals.
    let ok = |s: &str, t: &str| !f || (s.is_ascii() && t.is_ascii());
    match (&x.m, &y.m) {
        (StrMatch::Exact(s), StrMatch::Exact(t)) => ok(s, t) && fold(s, f) != fold(t, f),
        (StrMatch::Exact(s), StrMatch::Prefix(p)) | (StrMatch::Prefix(p), StrMatch::Exact(s)) => {
            ok(s, p) && !fold(s, f).starts_with(&fold(p, f))
        }
        (StrMatch::Prefix(p), StrMatch::Prefix(q)) => {
            let (p, q) = (fold(p, f), fold(q, f));
            ok(&p, &q) && !p.starts_with(&q) && !q.starts_with(&p)
        }
        (StrMatch::Exact(s), StrMatch::Regex(r)) | (StrMatch::Regex(r), StrMatch::Exact(s)) => {
            // Widest reading of the regex: case-insensitive if either side asks.
            plain_ascii(s) && compile_full(r, f).is_some_and(|re| !re.is_match(s))
        }
        _ => false,
    }
}

/// Whether comparing `c` against a literal may fold ASCII case.
///
/// For the covering side (`narrow == true`) the narrowest reading is taken,
/// for the covered side the widest. Envoy ignores `ignore_case` for regex
/// (Istio: "case will be ignored only in the case of exact and prefix URI
/// matches"), while a brief-level reading applies it; either way is sound.
fn folds_case(c: &StrCond, narrow: bool) -> bool {
    match &c.m {
        StrMatch::Exact(s) | StrMatch::Prefix(s) => {
            let cased = s.chars().any(char::is_alphabetic);
            if narrow {
                c.ignore_case || !cased
            } else {
                c.ignore_case && cased
            }
        }
        StrMatch::Regex(_) => !narrow && c.ignore_case,
        StrMatch::Present => false,
    }
}

fn fold(s: &str, yes: bool) -> String {
    if yes {
        s.to_ascii_lowercase()
    } else {
        s.to_owned()
    }
}

/// Printable ASCII only: on such input the `regex` crate agrees with RE2
/// (Unicode vs ASCII `\d`, `\w`, `\s` only differ elsewhere).
fn plain_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Compiles an Istio regex the way Envoy applies it: RE2, whole value.
/// `None` when invalid or when it uses syntax where RE2 and the `regex`
/// crate may disagree.
/// Compiled once per thread: a VirtualService compares one regex with many blocks.
fn compile_full(pat: &str, case_insensitive: bool) -> Option<Regex> {
    thread_local! {
        static COMPILED: RefCell<HashMap<(String, bool), Option<Regex>>> =
            RefCell::new(HashMap::default());
    }
    let key = (pat.to_string(), case_insensitive);
    if let Some(hit) = COMPILED.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let compiled = compile_uncached(pat, case_insensitive);
    COMPILED.with(|c| c.borrow_mut().insert(key, compiled.clone()));
    compiled
}

fn compile_uncached(pat: &str, case_insensitive: bool) -> Option<Regex> {
    if !re2_compatible(pat) || Regex::new(pat).is_err() {
        return None;
    }
    RegexBuilder::new(&format!("^(?:{pat})$"))
        .case_insensitive(case_insensitive)
        .size_limit(1 << 22)
        .build()
        .ok()
}

/// Rejects constructs the `regex` crate reads differently from RE2: nested
/// classes and class set operations (`&&`, `--`, `~~`), `\<`, `\>`,
/// `\b{...}`, `{,n}`, and flags other than `imsU`.
fn re2_compatible(pat: &str) -> bool {
    let c: Vec<char> = pat.chars().collect();
    let mut i = 0;
    let mut class_body: Option<usize> = None;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '\\' {
            match next {
                None | Some('<') | Some('>') => return false,
                Some('b') | Some('B') if c.get(i + 2) == Some(&'{') => return false,
                _ => {}
            }
            i += 2;
            continue;
        }
        match class_body {
            Some(start) => {
                if c[i] == ']' && i > start {
                    class_body = None;
                } else if c[i] == '[' {
                    if next != Some(':') {
                        return false;
                    }
                    match c[i..].windows(2).position(|w| w == [':', ']']) {
                        Some(end) if end > 0 => i += end + 1,
                        _ => return false,
                    }
                } else if matches!(c[i], '&' | '-' | '~') && next == Some(c[i]) {
                    return false;
                }
            }
            None => match c[i] {
                '[' => {
                    let start = if next == Some('^') { i + 2 } else { i + 1 };
                    class_body = Some(start);
                    i = start;
                    continue;
                }
                '{' if next == Some(',') => return false,
                '(' if next == Some('?') => {
                    let flags: String = c[i + 2..]
                        .iter()
                        .take_while(|ch| !matches!(ch, ':' | ')'))
                        .collect();
                    let named = flags.starts_with('P') || flags.starts_with('<');
                    if !named && !flags.chars().all(|f| "imsU-".contains(f)) {
                        return false;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    true
}

fn strip_anchors(r: &str) -> &str {
    let r = r.strip_prefix('^').unwrap_or(r);
    match r.strip_suffix('$') {
        Some(rest) if !ends_with_escape(rest) => rest,
        _ => r,
    }
}

/// Whether the text ends in an odd run of backslashes (escaping what follows).
fn ends_with_escape(s: &str) -> bool {
    s.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn is_universal_regex(r: &str) -> bool {
    const BODIES: [&str; 6] = [".*", "(.*)", "(?:.*)", r"[\s\S]*", "(?s).*", "(?s:.*)"];
    BODIES.contains(&strip_anchors(r)) || regex_literal_prefix(r).is_some_and(|p| p.is_empty())
}

/// For a regex of the form `^?<literal>.*$?`, the literal (unescaped).
fn regex_literal_prefix(r: &str) -> Option<String> {
    let body = strip_anchors(r).strip_suffix(".*")?;
    if ends_with_escape(body) {
        return None;
    }
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if e.is_ascii_punctuation() && e != '<' && e != '>' => out.push(e),
                _ => return None,
            },
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                return None;
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

fn parse_cidr(s: &str) -> Option<(u128, u32, bool)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let (bits, width, v4) = match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(ip) => (u128::from(u32::from(ip)), 32, true),
        IpAddr::V6(ip) => (u128::from(ip), 128, false),
    };
    let len = match len {
        None => width,
        Some(l) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => l.parse().ok()?,
        Some(_) => return None,
    };
    if len > width {
        return None;
    }
    // Keep the network bits only, aligned to the top of a 128-bit word.
    let top = bits << (128 - width);
    let masked = top.checked_shr(128 - len).unwrap_or(0);
    Some((masked.checked_shl(128 - len).unwrap_or(0), len, v4))
}

fn cidr_contains(outer: &str, inner: &str) -> bool {
    match (parse_cidr(outer), parse_cidr(inner)) {
        (Some((on, ol, ov4)), Some((inn, il, iv4))) => {
            ov4 == iv4
                && il >= ol
                && inn.checked_shr(128 - ol).unwrap_or(0) == on.checked_shr(128 - ol).unwrap_or(0)
        }
        _ => false,
    }
}

/// SNI wildcards: `*` matches everything, `*.example.com` matches any name
/// (at any depth) ending in `.example.com`.
fn sni_covers(a: &str, b: &str) -> bool {
    if a == "*" || a == b {
        return true;
    }
    let suffix = match a.strip_prefix('*') {
        Some(s) if s.starts_with('.') && !s.contains('*') => s,
        _ => return false,
    };
    let head = match b.strip_suffix(suffix) {
        Some(h) if !h.is_empty() => h,
        _ => return false,
    };
    let label_part = head.strip_prefix("*.").unwrap_or(head);
    head == "*" || (!label_part.is_empty() && !label_part.contains('*'))
}

/// Keys for finding covering blocks without comparing all pairs. A block that covers
/// others is filed under [`cover_keys`]; a block looks for the blocks that may cover it under
/// [`covered_lookups`]. Whenever `block_covers(a, b)` holds, some key of `a` is among the
/// lookups of `b` (the test `keys_never_hide_a_cover` checks it), so only the blocks filed
/// under those keys need the full comparison.
const ANY: &str = "*";

fn key(parts: &[&str]) -> String {
    parts.join("\u{0}")
}

/// `base` + each prefix of the lowercased literal, shortest first (the empty one aside).
fn prefix_keys(out: &mut Vec<String>, base: &str, literal: &str) {
    let lower = literal.to_ascii_lowercase();
    for (i, _) in lower.char_indices().skip(1) {
        out.push(key(&[base, &lower[..i]]));
    }
    if !lower.is_empty() {
        out.push(key(&[base, &lower]));
    }
}

/// The key a string condition files a covering block under, if it narrows the field.
fn str_key(tag: &str, name: &str, c: &StrCond) -> Option<String> {
    match &c.m {
        StrMatch::Exact(x) => Some(key(&[tag, "e", name, &x.to_ascii_lowercase()])),
        StrMatch::Prefix(p) if !p.is_empty() => {
            Some(key(&[tag, "p", name, &p.to_ascii_lowercase()]))
        }
        _ => None,
    }
}

/// The lookups of a string condition on the covered side: its exact value and its prefixes.
fn str_lookups(out: &mut Vec<String>, tag: &str, name: &str, c: &StrCond) {
    let exact = key(&[tag, "e", name]);
    let prefix = key(&[tag, "p", name]);
    match &c.m {
        StrMatch::Exact(v) => {
            out.push(key(&[&exact, &v.to_ascii_lowercase()]));
            prefix_keys(out, &prefix, v);
        }
        StrMatch::Prefix(v) => prefix_keys(out, &prefix, v),
        _ => {}
    }
}

/// Where a block that may cover others is filed; empty for a block that covers nothing. The
/// narrowest condition decides: a literal on the uri, a header or a query parameter first.
pub(crate) fn cover_keys(a: &MatchBlock) -> Vec<String> {
    if a.unknown {
        return Vec::new();
    }
    let uri = a.uri.as_ref().filter(|c| !field_universal(c, true));
    // A regex covers the same regex, exact values it matches, and (when it is a literal
    // followed by `.*`) prefixes that start with that literal.
    let uri_regex = uri.and_then(|c| match &c.m {
        StrMatch::Regex(r) => Some((r, regex_literal_prefix(r).filter(|p| !p.is_empty()))),
        _ => None,
    });
    if let Some((r, Some(p))) = uri_regex {
        return vec![
            key(&["u", "r", r]),
            key(&["u", "p", "", &p.to_ascii_lowercase()]),
        ];
    }
    if let Some(k) = uri.and_then(|c| str_key("u", "", c)) {
        return vec![k];
    }
    let named = [("h", &a.headers), ("q", &a.query_params)];
    for (tag, conds) in named {
        if let Some(k) = conds
            .iter()
            .find(|(_, c)| matches!(c.m, StrMatch::Exact(_)))
            .and_then(|(n, c)| str_key(tag, n, c))
        {
            return vec![k];
        }
    }
    for (tag, conds) in named {
        if let Some(k) = conds.iter().find_map(|(n, c)| str_key(tag, n, c)) {
            return vec![k];
        }
    }
    if let Some((r, None)) = uri_regex {
        return vec![key(&["u", "r", r]), key(&["u", "x"])];
    }
    for (tag, c) in [("a", &a.authority), ("m", &a.method), ("s", &a.scheme)] {
        if let Some(k) = c
            .as_ref()
            .filter(|c| !field_universal(c, false))
            .and_then(|c| str_key(tag, "", c))
        {
            return vec![k];
        }
    }
    // A header or query parameter of any value still has to be present.
    for (tag, conds) in named {
        if let Some((n, _)) = conds.first() {
            return vec![key(&[tag, "n", n])];
        }
    }
    if let Some(p) = a.port {
        return vec![key(&["port", &p.to_string()])];
    }
    vec![ANY.to_string()]
}

/// Where to look for the blocks that may cover `b`; empty for a block nothing can cover.
pub(crate) fn covered_lookups(b: &MatchBlock) -> Vec<String> {
    if b.unknown {
        return Vec::new();
    }
    let mut out = vec![ANY.to_string()];
    if let Some(c) = &b.uri {
        str_lookups(&mut out, "u", "", c);
        match &c.m {
            StrMatch::Exact(_) => out.push(key(&["u", "x"])),
            StrMatch::Regex(r) => {
                out.push(key(&["u", "r", r]));
                if let Some(p) = regex_literal_prefix(r) {
                    prefix_keys(&mut out, &key(&["u", "p", ""]), &p);
                }
            }
            _ => {}
        }
    }
    for (tag, conds) in [("h", &b.headers), ("q", &b.query_params)] {
        for (n, c) in conds {
            out.push(key(&[tag, "n", n]));
            str_lookups(&mut out, tag, n, c);
        }
    }
    for (tag, c) in [("a", &b.authority), ("m", &b.method), ("s", &b.scheme)] {
        if let Some(c) = c {
            str_lookups(&mut out, tag, "", c);
        }
    }
    if let Some(p) = b.port {
        out.push(key(&["port", &p.to_string()]));
    }
    out
}

/// [`cover_keys`] for tcp and tls blocks.
pub(crate) fn l4_cover_keys(a: &L4Block) -> Vec<String> {
    if a.unknown {
        return Vec::new();
    }
    if !a.sni_hosts.is_empty() && !a.sni_hosts.iter().any(|h| h == "*") {
        let mut out = Vec::new();
        for h in &a.sni_hosts {
            out.push(key(&["sni", h]));
            if let Some(suffix) = h.strip_prefix('*') {
                out.push(key(&["sni*", suffix]));
            }
        }
        return out;
    }
    match a.port {
        Some(p) => vec![key(&["port", &p.to_string()])],
        None => vec![ANY.to_string()],
    }
}

/// [`covered_lookups`] for tcp and tls blocks.
pub(crate) fn l4_covered_lookups(b: &L4Block) -> Vec<String> {
    if b.unknown {
        return Vec::new();
    }
    let mut out = vec![ANY.to_string()];
    for h in &b.sni_hosts {
        out.push(key(&["sni", h]));
        let rest = h.strip_prefix('*').unwrap_or(h);
        for (i, c) in rest.char_indices().skip(1) {
            if c == '.' {
                out.push(key(&["sni*", &rest[i..]]));
            }
        }
    }
    if let Some(p) = b.port {
        out.push(key(&["port", &p.to_string()]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str) -> StrCond {
        StrCond::exact(s)
    }
    fn pre(s: &str) -> StrCond {
        StrCond::prefix(s)
    }
    fn re(s: &str) -> StrCond {
        StrCond::regex(s)
    }
    fn uri(c: StrCond) -> MatchBlock {
        MatchBlock {
            uri: Some(c),
            ..MatchBlock::everything()
        }
    }
    fn hdr(name: &str, c: StrCond) -> MatchBlock {
        MatchBlock {
            headers: vec![(name.to_string(), c)],
            ..MatchBlock::everything()
        }
    }
    fn without(name: &str, c: StrCond) -> MatchBlock {
        MatchBlock {
            without_headers: vec![(name.to_string(), c)],
            ..MatchBlock::everything()
        }
    }
    fn hdr_and_without(h: (&str, StrCond), w: (&str, StrCond)) -> MatchBlock {
        MatchBlock {
            headers: vec![(h.0.to_string(), h.1)],
            without_headers: vec![(w.0.to_string(), w.1)],
            ..MatchBlock::everything()
        }
    }

    /// Blocks of every shape the keys distinguish, for the key soundness test.
    fn sample_blocks() -> Vec<MatchBlock> {
        let conds = || {
            vec![
                ex("/api"),
                ex("/API/v1"),
                ex("/api/v1/users"),
                pre("/api"),
                pre("/Api").ignoring_case(),
                pre("/api/v1"),
                pre("/"),
                pre(""),
                re("/api/.*"),
                re("/api/v[0-9]+"),
                re(".*"),
                re("(abc"),
                StrCond::present(),
                ex("GET"),
                pre("G"),
            ]
        };
        let mut out = vec![MatchBlock::everything()];
        for c in conds() {
            out.push(uri(c.clone()));
            out.push(hdr("x-v", c.clone()));
            out.push(without("x-v", c.clone()));
            out.push(MatchBlock {
                query_params: vec![("v".into(), c.clone())],
                ..MatchBlock::everything()
            });
            out.push(MatchBlock {
                method: Some(c.clone()),
                port: Some(80),
                ..MatchBlock::everything()
            });
            out.push(MatchBlock {
                authority: Some(c.clone()),
                scheme: Some(c.clone()),
                ..MatchBlock::everything()
            });
            for d in conds() {
                out.push(MatchBlock {
                    uri: Some(c.clone()),
                    headers: vec![("x-v".into(), d.clone()), ("x-w".into(), ex("1"))],
                    ..MatchBlock::everything()
                });
            }
        }
        out.push(MatchBlock {
            port: Some(80),
            ..MatchBlock::everything()
        });
        out.push(MatchBlock {
            unknown: true,
            ..MatchBlock::everything()
        });
        out
    }

    #[test]
    fn keys_never_hide_a_cover() {
        let blocks = sample_blocks();
        let mut covers = 0;
        for a in &blocks {
            let keys = cover_keys(a);
            for b in &blocks {
                if block_covers(a, b) {
                    covers += 1;
                    let lookups = covered_lookups(b);
                    assert!(
                        keys.iter().any(|k| lookups.contains(k)),
                        "{a:?} covers {b:?}, but its keys {keys:?} are not among {lookups:?}"
                    );
                }
            }
        }
        // The sample exercises covering pairs of many shapes.
        assert!(covers > 1000, "{covers}");
        let l4s: Vec<L4Block> = [
            vec![],
            vec!["a.example.com"],
            vec!["*.example.com"],
            vec!["*.api.example.com"],
            vec!["b.api.example.com", "a.example.com"],
            vec!["*"],
        ]
        .into_iter()
        .flat_map(|hosts| {
            [None, Some(443)].into_iter().map(move |port| L4Block {
                sni_hosts: hosts.iter().map(|h| h.to_string()).collect(),
                port,
                ..L4Block::default()
            })
        })
        .collect();
        for a in &l4s {
            for b in &l4s {
                if l4_covers(a, b) {
                    let lookups = l4_covered_lookups(b);
                    assert!(
                        l4_cover_keys(a).iter().any(|k| lookups.contains(k)),
                        "{a:?} covers {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn regex_is_full_match() {
        assert!(!str_covers(&re("v1"), &ex("v10")));
        assert!(str_covers(&re("v1"), &ex("v1")));
        assert!(str_covers(&re("v1.*"), &ex("v10")));
        assert!(!str_covers(&re("a|b"), &ex("ab")));
        assert!(str_covers(&re("a|b"), &ex("b")));
    }

    #[test]
    fn invalid_regex_never_covers_and_is_only_covered_by_universal() {
        assert!(!str_covers(&re("(abc"), &ex("(abc")));
        assert!(!str_covers(&re("(abc"), &re("(abc")));
        assert!(!str_covers(&pre("("), &re("(abc")));
        assert!(str_covers(&re(".*"), &re("(abc")));
        assert!(str_covers(&pre(""), &re("(abc")));
        // Must not be rescued by the ^(?:...)$ wrapper.
        assert!(!str_covers(&re("a)|(?:b"), &ex("b")));
    }

    #[test]
    fn exact_covers_only_same_exact() {
        assert!(str_covers(&ex("/a"), &ex("/a")));
        assert!(!str_covers(&ex("/a"), &ex("/b")));
        assert!(!str_covers(&ex("/a"), &pre("/a")));
        assert!(!str_covers(&ex("a"), &re("a")));
        assert!(!str_covers(&ex("a"), &StrCond::present()));
    }

    #[test]
    fn prefix_covers_exact_and_longer_prefix() {
        assert!(str_covers(&pre("/api"), &ex("/api/v1")));
        assert!(!str_covers(&pre("/api"), &ex("/ap")));
        assert!(str_covers(&pre("/api"), &pre("/api/v1")));
        assert!(!str_covers(&pre("/api/v1"), &pre("/api")));
    }

    #[test]
    fn prefix_covers_regex_only_when_universal() {
        assert!(!str_covers(&pre("/api"), &re("/api/.*")));
        assert!(str_covers(&pre(""), &re("/api/.*")));
    }

    #[test]
    fn exact_api_vs_prefix_api_slash() {
        assert!(!str_covers(&pre("/api/"), &ex("/api")));
        assert!(!str_covers(&ex("/api"), &pre("/api/")));
        assert!(!block_covers(&uri(pre("/api/")), &uri(ex("/api"))));
        assert!(!block_covers(&uri(ex("/api")), &uri(pre("/api/"))));
    }

    #[test]
    fn regex_covers_same_regex_text_only() {
        assert!(str_covers(&re("/v[0-9]+"), &re("/v[0-9]+")));
        assert!(!str_covers(&re("/v[0-9]+"), &re("/v[0-9]")));
        // b ignoring case may be wider than a.
        assert!(!str_covers(&re("/v"), &re("/v").ignoring_case()));
        assert!(str_covers(
            &re("/v").ignoring_case(),
            &re("/v").ignoring_case()
        ));
    }

    #[test]
    fn literal_prefix_regex_covers_prefix() {
        assert!(str_covers(&re("/api/.*"), &pre("/api/v1")));
        assert!(str_covers(&re("^/api/.*$"), &pre("/api/")));
        assert!(str_covers(&re(r"/a\.b.*"), &pre("/a.b/c")));
        assert!(!str_covers(&re(r"/a\.b.*"), &pre("/aXb")));
        assert!(!str_covers(&re("/api/.*"), &pre("/ap")));
        assert!(!str_covers(&re("/api/.+"), &pre("/api/x")));
        // "\.*" is zero or more dots, not a prefix form.
        assert!(!str_covers(&re(r"/a\.*"), &pre("/a")));
        assert!(!str_covers(&re("/a.*"), &pre("/a").ignoring_case()));
    }

    #[test]
    fn universal_forms() {
        for r in [".*", "^.*$", ".*$", "^.*", "(.*)", r"[\s\S]*", "(?s).*"] {
            assert!(is_universal(&re(r), true), "{r}");
            assert!(str_covers(&re(r), &ex("anything")), "{r}");
            assert!(str_covers(&re(r), &StrCond::present()), "{r}");
        }
        assert!(is_universal(&pre(""), true));
        assert!(!is_universal(&pre("/"), true));
        assert!(!is_universal(&re(".+"), true));
        assert!(!is_universal(&re(r"\.*"), true));
        assert!(!is_universal(&re(".*"), false));
        assert!(accepts_any_value(&re(".*")));
    }

    #[test]
    fn present_semantics() {
        let p = StrCond::present();
        for b in [ex("x"), pre("x"), re("x.*"), StrCond::present()] {
            assert!(str_covers(&p, &b));
        }
        assert!(str_covers(&pre(""), &p));
        assert!(str_covers(&re(".*"), &p));
        assert!(!str_covers(&pre("x"), &p));
        assert!(!str_covers(&ex(""), &p));
        assert!(!str_covers(&re(".+"), &p));
    }

    #[test]
    fn case_insensitive_a_covers_case_variants() {
        assert!(str_covers(&ex("/API").ignoring_case(), &ex("/api")));
        assert!(str_covers(&pre("/Api").ignoring_case(), &pre("/aPI/v1")));
        assert!(str_covers(
            &ex("/a").ignoring_case(),
            &ex("/A").ignoring_case()
        ));
        assert!(!str_covers(&ex("/a").ignoring_case(), &ex("/b")));
    }

    #[test]
    fn case_insensitive_b_needs_insensitive_a() {
        assert!(!str_covers(&ex("/api"), &ex("/api").ignoring_case()));
        assert!(!str_covers(&pre("/api"), &pre("/api/v1").ignoring_case()));
        // No cased letters: ignoring case changes nothing.
        assert!(str_covers(&ex("/123"), &ex("/123").ignoring_case()));
        assert!(str_covers(&pre("/1"), &pre("/12").ignoring_case()));
        assert!(str_covers(&pre("/1"), &pre("/1abc").ignoring_case()));
        assert!(str_covers(&re(".*"), &ex("/API").ignoring_case()));
        assert!(str_covers(&re("/[0-9]+"), &ex("/123").ignoring_case()));
        assert!(!str_covers(&re("/v[0-9]+"), &ex("/v1").ignoring_case()));
    }

    #[test]
    fn regex_ignore_case_is_read_narrowly_on_covering_side() {
        // Envoy applies ignore_case to exact/prefix only, so this is not provable.
        assert!(!str_covers(&re("/api").ignoring_case(), &ex("/API")));
        assert!(str_covers(&re("/api").ignoring_case(), &ex("/api")));
    }

    #[test]
    fn ignore_uri_case_blocks() {
        let a = uri(pre("/api").ignoring_case());
        assert!(block_covers(&a, &uri(pre("/API/v1"))));
        assert!(block_covers(&a, &uri(ex("/Api"))));
        let b = uri(pre("/api/v1").ignoring_case());
        assert!(!block_covers(&uri(pre("/api")), &b));
        assert!(block_covers(&a, &b));
    }

    #[test]
    fn header_rule_after_uri_prefix_slash_is_covered() {
        let a = uri(pre("/"));
        let b = hdr("x-canary", ex("true"));
        assert!(block_covers(&a, &b));
        assert!(!block_covers(&b, &a));
        assert!(block_covers(&uri(re("/.*")), &b));
        assert!(!block_covers(&uri(pre("/a")), &b));
    }

    #[test]
    fn header_regex_any_requires_presence() {
        let a = hdr("x", re(".*"));
        assert!(block_covers(&a, &hdr("x", ex("canary"))));
        assert!(!block_covers(&a, &uri(pre("/"))));
        assert!(!block_covers(&a, &MatchBlock::everything()));
        assert!(!block_covers(&a, &hdr("y", ex("canary"))));
    }

    #[test]
    fn always_present_fields() {
        let b = uri(pre("/x"));
        let method = MatchBlock {
            method: Some(ex("GET")),
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&method, &b));
        let any_method = MatchBlock {
            method: Some(re(".*")),
            ..MatchBlock::everything()
        };
        assert!(block_covers(&any_method, &b));
        let auth_slash = MatchBlock {
            authority: Some(pre("/")),
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&auth_slash, &b));
        let scheme = MatchBlock {
            scheme: Some(ex("https")),
            ..MatchBlock::everything()
        };
        assert!(block_covers(&scheme, &scheme));
        assert!(block_covers(&uri(pre("")), &b));
        assert!(block_covers(&uri(StrCond::present()), &b));
    }

    #[test]
    fn everything_covers_all_known_blocks() {
        let e = MatchBlock::everything();
        let b = MatchBlock {
            uri: Some(pre("/a")),
            headers: vec![("x".into(), ex("1"))],
            port: Some(80),
            gateways: Some(vec!["gw".into()]),
            ..MatchBlock::everything()
        };
        assert!(block_covers(&e, &b));
        assert!(block_covers(&e, &e));
        let unknown = MatchBlock {
            unknown: true,
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&e, &unknown));
    }

    #[test]
    fn only_unrestricted_blocks_cover_everything() {
        let e = MatchBlock::everything();
        assert!(block_covers(&uri(pre("/")), &e));
        let universal = MatchBlock {
            uri: Some(re(".*")),
            scheme: Some(pre("")),
            method: Some(re("^.*$")),
            authority: Some(re(".*")),
            ..MatchBlock::everything()
        };
        assert!(block_covers(&universal, &e));
        assert!(!block_covers(&uri(pre("/a")), &e));
        assert!(!block_covers(&hdr("x", StrCond::present()), &e));
        assert!(!block_covers(&without("x", ex("1")), &e));
        let gw = MatchBlock {
            gateways: Some(vec!["mesh".into()]),
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&gw, &e));
    }

    #[test]
    fn unknown_never_covers_nor_covered() {
        let u = MatchBlock {
            unknown: true,
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&u, &MatchBlock::everything()));
        assert!(!block_covers(&MatchBlock::everything(), &u));
        assert!(!block_covers(&u, &u));
    }

    #[test]
    fn without_headers_implied_by_wider_exclusion() {
        let a = without("x", ex("canary"));
        assert!(block_covers(&a, &without("x", pre("can"))));
        assert!(block_covers(&a, &without("x", ex("canary"))));
        assert!(!block_covers(&a, &without("x", ex("other"))));
        assert!(!block_covers(&a, &without("y", pre(""))));
        assert!(!block_covers(&a, &MatchBlock::everything()));
    }

    #[test]
    fn without_headers_implied_by_disjoint_required_value() {
        let a = without("x", ex("canary"));
        assert!(block_covers(&a, &hdr("x", ex("stable"))));
        assert!(!block_covers(&a, &hdr("x", ex("canary"))));
        assert!(!block_covers(&a, &hdr("x", ex("CANARY").ignoring_case())));
        assert!(block_covers(&a, &hdr("x", pre("st"))));
        assert!(!block_covers(&a, &hdr("x", pre("can"))));
        assert!(block_covers(&a, &hdr("x", re("v[0-9]+"))));
        assert!(!block_covers(&a, &hdr("x", re("can.*"))));
        let ap = without("x", pre("can"));
        assert!(block_covers(&ap, &hdr("x", pre("sta"))));
        assert!(!block_covers(&ap, &hdr("x", pre("ca"))));
        let ar = without("x", re("v[0-9]+"));
        assert!(block_covers(&ar, &hdr("x", ex("canary"))));
        assert!(!block_covers(&ar, &hdr("x", ex("v2"))));
        assert!(!block_covers(&ar, &hdr("x", ex("V2").ignoring_case())));
    }

    #[test]
    fn without_present_requires_absence() {
        let a = without("x", StrCond::present());
        assert!(block_covers(&a, &without("x", StrCond::present())));
        assert!(block_covers(&a, &without("x", re(".*"))));
        assert!(!block_covers(&a, &without("x", ex("1"))));
        assert!(!block_covers(&a, &hdr("x", ex("1"))));
        // b excluding presence excludes any value.
        assert!(block_covers(
            &without("x", ex("1")),
            &without("x", StrCond::present())
        ));
    }

    #[test]
    fn without_headers_in_b_only_narrows() {
        let a = hdr("x", pre("a"));
        assert!(block_covers(
            &a,
            &hdr_and_without(("x", ex("ab")), ("y", ex("1")))
        ));
        assert!(block_covers(&uri(pre("/")), &without("y", ex("1"))));
        assert!(!block_covers(&a, &without("x", ex("b"))));
    }

    #[test]
    fn duplicate_header_names() {
        let b = MatchBlock {
            headers: vec![("x".into(), pre("ab")), ("x".into(), ex("abc"))],
            ..MatchBlock::everything()
        };
        let a = MatchBlock {
            headers: vec![("x".into(), pre("a")), ("x".into(), ex("abc"))],
            ..MatchBlock::everything()
        };
        assert!(block_covers(&a, &b));
        let a2 = MatchBlock {
            headers: vec![("x".into(), pre("a")), ("x".into(), ex("abd"))],
            ..MatchBlock::everything()
        };
        assert!(!block_covers(&a2, &b));
    }

    #[test]
    fn query_params_require_same_name() {
        let q = |n: &str, c: StrCond| MatchBlock {
            query_params: vec![(n.to_string(), c)],
            ..MatchBlock::everything()
        };
        assert!(block_covers(&q("v", re("[0-9]+")), &q("v", ex("12"))));
        assert!(!block_covers(&q("v", ex("1")), &q("w", ex("1"))));
        assert!(!block_covers(&q("v", ex("1")), &hdr("v", ex("1"))));
    }

    #[test]
    fn port_and_namespace() {
        let p = |port| MatchBlock {
            port,
            ..MatchBlock::everything()
        };
        assert!(block_covers(&p(Some(80)), &p(Some(80))));
        assert!(!block_covers(&p(Some(80)), &p(Some(81))));
        assert!(!block_covers(&p(Some(80)), &p(None)));
        assert!(block_covers(&p(None), &p(Some(80))));
        let ns = |n: Option<&str>| MatchBlock {
            source_namespace: n.map(String::from),
            ..MatchBlock::everything()
        };
        assert!(block_covers(&ns(Some("a")), &ns(Some("a"))));
        assert!(!block_covers(&ns(Some("a")), &ns(Some("b"))));
        assert!(!block_covers(&ns(Some("a")), &ns(None)));
    }

    #[test]
    fn source_labels_subset() {
        let l = |ls: &[(&str, &str)]| MatchBlock {
            source_labels: ls
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..MatchBlock::everything()
        };
        let a = l(&[("app", "web")]);
        assert!(block_covers(&a, &l(&[("app", "web"), ("v", "1")])));
        assert!(!block_covers(&a, &l(&[("app", "api")])));
        assert!(!block_covers(&a, &l(&[])));
        assert!(!block_covers(&l(&[("app", "web"), ("v", "1")]), &a));
    }

    #[test]
    fn gateways_subset() {
        let g = |gs: Option<&[&str]>| MatchBlock {
            gateways: gs.map(|v| v.iter().map(|s| s.to_string()).collect()),
            ..MatchBlock::everything()
        };
        let a = g(Some(&["ns/gw1", "mesh"]));
        assert!(block_covers(&a, &g(Some(&["mesh"]))));
        assert!(block_covers(&a, &g(Some(&["mesh", "ns/gw1"]))));
        assert!(!block_covers(&a, &g(Some(&["ns/gw2"]))));
        assert!(!block_covers(&a, &g(None)));
        assert!(!block_covers(&a, &g(Some(&[]))));
        assert!(block_covers(&g(None), &g(Some(&["mesh"]))));
    }

    #[test]
    fn re2_divergent_syntax_is_rejected() {
        // In RE2 these are literal characters; the regex crate reads them otherwise.
        assert!(!str_covers(&re("[^a--b]"), &ex("c")));
        assert!(!str_covers(&re("[a&&b]x"), &ex("&x")));
        assert!(!str_covers(&re("a{,3}"), &ex("aa")));
        assert!(!str_covers(&re(r"\<a"), &ex("a")));
        assert!(!str_covers(&re("(?x)a b"), &ex("ab")));
        assert!(str_covers(&re("[[:digit:]]+"), &ex("42")));
        assert!(str_covers(&re("(?i)abc"), &ex("ABC")));
        assert!(str_covers(&re("(?P<v>v[0-9])"), &ex("v1")));
    }

    #[test]
    fn regex_only_trusted_on_printable_ascii_values() {
        assert!(!str_covers(&re(r"\d"), &ex("\u{0661}")));
        assert!(!str_covers(&re(".*x"), &ex("\u{e9}x")));
        assert!(str_covers(&re(".x"), &ex("ax")));
    }

    #[test]
    fn non_ascii_case_folding_is_not_trusted() {
        // Kelvin sign folds to 'k' in Unicode but not in Envoy's ASCII folding.
        assert!(!str_covers(&ex("k").ignoring_case(), &ex("\u{212a}")));
        assert!(!block_covers(
            &without("x", ex("k")),
            &hdr("x", ex("\u{212a}").ignoring_case())
        ));
    }

    #[test]
    fn anchored_regex_behaves_like_unanchored() {
        assert!(str_covers(&re("^v1$"), &ex("v1")));
        assert!(!str_covers(&re("^v1$"), &ex("v10")));
        assert!(!str_covers(&re("^v1"), &ex("v10")));
    }

    #[test]
    fn present_is_universal_only_on_always_present_fields() {
        assert!(is_universal(&StrCond::present(), true));
        assert!(!is_universal(&StrCond::present(), false));
        assert!(!is_universal(&pre(""), false));
        assert!(block_covers(
            &uri(StrCond::present()),
            &MatchBlock::everything()
        ));
    }

    #[test]
    fn without_headers_case_insensitive_disjointness() {
        let a = without("x", pre("CAN").ignoring_case());
        assert!(!block_covers(&a, &hdr("x", ex("canary"))));
        assert!(block_covers(&a, &hdr("x", ex("stable"))));
        let b = hdr("x", pre("Ca").ignoring_case());
        assert!(!block_covers(&without("x", ex("cat")), &b));
        assert!(block_covers(&without("x", ex("dog")), &b));
    }

    #[test]
    fn headers_and_uri_combined() {
        let a = MatchBlock {
            uri: Some(pre("/api")),
            headers: vec![("x".into(), re("v[12]"))],
            ..MatchBlock::everything()
        };
        let b = MatchBlock {
            uri: Some(ex("/api/users")),
            headers: vec![("x".into(), ex("v2")), ("y".into(), ex("1"))],
            ..MatchBlock::everything()
        };
        assert!(block_covers(&a, &b));
        let b_wrong_uri = MatchBlock {
            uri: Some(ex("/web")),
            ..b.clone()
        };
        assert!(!block_covers(&a, &b_wrong_uri));
        let b_no_uri = MatchBlock { uri: None, ..b };
        assert!(!block_covers(&a, &b_no_uri));
    }

    fn l4(f: impl FnOnce(&mut L4Block)) -> L4Block {
        let mut b = L4Block::default();
        f(&mut b);
        b
    }

    #[test]
    fn l4_subnets_ipv4() {
        let a = l4(|b| b.destination_subnets = vec!["10.0.0.0/8".into()]);
        assert!(l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["10.1.0.0/16".into()])
        ));
        assert!(l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["10.2.3.4".into()])
        ));
        assert!(!l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["11.0.0.0/16".into()])
        ));
        assert!(!l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["0.0.0.0/0".into()])
        ));
        assert!(!l4_covers(&a, &L4Block::default()));
        let all = l4(|b| b.destination_subnets = vec!["0.0.0.0/0".into()]);
        assert!(l4_covers(
            &all,
            &l4(|b| b.destination_subnets = vec!["1.2.3.4/32".into()])
        ));
        assert!(l4_covers(&L4Block::default(), &a));
    }

    #[test]
    fn l4_subnets_ipv6_and_invalid() {
        let a = l4(|b| b.destination_subnets = vec!["2001:db8::/32".into()]);
        assert!(l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["2001:db8:1::/48".into()])
        ));
        assert!(l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["2001:db8::1".into()])
        ));
        assert!(!l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["2001:db9::/48".into()])
        ));
        assert!(!l4_covers(
            &a,
            &l4(|b| b.destination_subnets = vec!["10.0.0.1".into()])
        ));
        let any6 = l4(|b| b.destination_subnets = vec!["::/0".into()]);
        assert!(l4_covers(&any6, &a));
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "nope",
            "10.0.0.0/",
            "10.0.0.0/+8",
        ] {
            let x = l4(|b| b.destination_subnets = vec![bad.into()]);
            assert!(!l4_covers(&x, &x), "{bad}");
        }
        let multi =
            l4(|b| b.destination_subnets = vec!["10.0.0.0/24".into(), "10.0.1.0/24".into()]);
        assert!(l4_covers(
            &multi,
            &l4(|b| b.destination_subnets = vec!["10.0.1.7".into(), "10.0.0.9".into()])
        ));
        assert!(!l4_covers(
            &multi,
            &l4(|b| b.destination_subnets = vec!["10.0.2.7".into(), "10.0.0.9".into()])
        ));
    }

    #[test]
    fn l4_sni_wildcards() {
        let s = |hs: &[&str]| l4(|b| b.sni_hosts = hs.iter().map(|h| h.to_string()).collect());
        let a = s(&["*.example.com"]);
        assert!(l4_covers(&a, &s(&["foo.example.com"])));
        assert!(l4_covers(&a, &s(&["*.example.com"])));
        assert!(l4_covers(&a, &s(&["a.b.example.com", "*.b.example.com"])));
        assert!(!l4_covers(&a, &s(&["example.com"])));
        assert!(!l4_covers(&a, &s(&["fooexample.com"])));
        assert!(!l4_covers(&a, &s(&["*"])));
        assert!(!l4_covers(&a, &s(&["foo.example.com", "foo.other.com"])));
        assert!(!l4_covers(&a, &L4Block::default()));
        assert!(l4_covers(&s(&["*"]), &s(&["*"])));
        assert!(l4_covers(&s(&["*"]), &s(&["x.y"])));
        assert!(l4_covers(&s(&["x.y"]), &s(&["x.y"])));
        assert!(!l4_covers(&s(&["x.y"]), &s(&["*.y"])));
    }

    #[test]
    fn l4_placement_and_unknown() {
        let a = l4(|b| {
            b.port = Some(443);
            b.gateways = Some(vec!["gw".into()]);
            b.source_labels = vec![("app".into(), "x".into())];
            b.source_namespace = Some("ns".into());
        });
        let mut b = a.clone();
        b.source_labels.push(("v".into(), "1".into()));
        assert!(l4_covers(&a, &b));
        assert!(!l4_covers(&b, &a));
        let other_port = l4(|x| {
            *x = L4Block {
                port: Some(80),
                ..b.clone()
            }
        });
        assert!(!l4_covers(&a, &other_port));
        let unknown = L4Block {
            unknown: true,
            ..b.clone()
        };
        assert!(!l4_covers(&a, &unknown));
        assert!(!l4_covers(&unknown, &b));
    }
}
