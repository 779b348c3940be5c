//! Small text helpers shared by messages: did-you-mean and lists.

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo (the first in
/// sort order when several are equally close).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    all_closest(word, candidates).into_iter().next()
}

/// Every candidate at the smallest distance from `word`, if close enough to be a likely typo:
/// sorted, without repeats.
pub(crate) fn all_closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let lower = word.to_lowercase();
    let mut near: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|&(d, c)| d <= (c.chars().count().max(word.chars().count()) / 3).max(2))
        .collect();
    let Some(best) = near.iter().map(|&(d, _)| d).min() else {
        return Vec::new();
    };
    near.retain(|&(d, _)| d == best);
    let mut out: Vec<&str> = near.into_iter().map(|(_, c)| c).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// "did you mean `v1`?", or "did you mean `v1` or `v2`?" when several names are equally
/// close; `None` when none is close.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near = all_closest(word, candidates);
    if near.is_empty() {
        return None;
    }
    let quoted: Vec<String> = near.iter().map(|s| format!("`{s}`")).collect();
    Some(format!("did you mean {}?", join_with(&quoted, "or")))
}

/// A count with thousands separators: `2,497`.
pub(crate) fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `a`, `b` and `c`, each in backticks.
pub fn backtick_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    join_and(&quoted)
}

/// a, b and c.
pub(crate) fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    join_with(items, "and")
}

/// a, b `word` c.
pub(crate) fn join_with<S: AsRef<str>>(items: &[S], word: &str) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(closest("v3", ["v1", "canary", "stable"]), Some("v1"));
        assert_eq!(
            closest("stabel", ["v1", "canary", "stable"]),
            Some("stable")
        );
        assert_eq!(closest("zzzzzzzz", ["v1", "canary"]), None);
        assert_eq!(backtick_list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn equally_close_names_are_all_offered() {
        assert_eq!(
            all_closest("v3", ["v2", "v1", "canary", "v1"]),
            ["v1", "v2"]
        );
        assert_eq!(closest("v3", ["v2", "v1"]), Some("v1"));
        assert_eq!(
            did_you_mean("v3", ["v1", "v2", "stable"]).as_deref(),
            Some("did you mean `v1` or `v2`?")
        );
        assert_eq!(
            did_you_mean("v3", ["v1", "v2", "v4"]).as_deref(),
            Some("did you mean `v1`, `v2` or `v4`?")
        );
        assert_eq!(
            did_you_mean("stabel", ["stable", "canary"]).as_deref(),
            Some("did you mean `stable`?")
        );
        assert_eq!(did_you_mean("zzzzzzzz", ["v1"]), None);
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(7), "7");
        assert_eq!(count(2497), "2,497");
        assert_eq!(count(1234567), "1,234,567");
    }
}
