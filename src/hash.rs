//! Hash maps and sets keyed by paths, hosts and names, with foldhash rather than std's
//! SipHash (which took 5-7% of a whole-tree run, hashing paths component by component).
//! foldhash's `fast::RandomState` is seeded per process: a repository cannot be written
//! to make its keys collide.

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// The answer `cache` keeps for `key`, computed by `f` (outside the lock, so that slow work
/// in one thread does not hold up the others) the first time it is asked.
pub(crate) fn memo<Q, V>(
    cache: &std::sync::Mutex<HashMap<Q::Owned, V>>,
    key: &Q,
    f: impl FnOnce() -> V,
) -> V
where
    Q: ?Sized + std::hash::Hash + Eq + ToOwned,
    Q::Owned: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
    V: Clone,
{
    if let Some(v) = lock(cache).get(key).cloned() {
        return v;
    }
    let v = f();
    lock(cache).insert(key.to_owned(), v.clone());
    v
}

/// A lock whose holder cannot have left what it guards half-changed (a panic elsewhere
/// leaves it usable).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
