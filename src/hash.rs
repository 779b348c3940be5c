//! Hash maps and sets keyed by paths, hosts and names, with foldhash rather than std's
//! SipHash (which took 5-7% of a whole-tree run, hashing paths component by component).
//! foldhash's `fast::RandomState` is seeded per process: a repository cannot be written
//! to make its keys collide.

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
