//! Which match blocks of a VirtualService can never apply because an earlier block takes
//! every request they match: the model behind `shadowed-route`, `shadowed-match` and
//! `redundant-match`.
//!
//! Envoy tries the blocks in order (each `match` entry of each route becomes one Envoy route;
//! pilot/pkg/networking/core/route/route.go translateRoute), so a block is dead when an
//! earlier block covers it. Candidate covers are found through keys (`matching::cover_keys`):
//! a VirtualService with thousands of routes is not compared pair by pair, and the answer is
//! the one the pairwise comparison gives.

use crate::hash::HashMap;

use crate::model::istio::{
    http_match_all, http_match_block, l4_match_all, l4_match_block, Protocol, Route, VirtualService,
};
use crate::model::matching::{
    block_covers, cover_keys, covered_lookups, l4_cover_keys, l4_covered_lookups, l4_covers,
    L4Block, MatchBlock,
};
use crate::model::spanned::Location;
use crate::yaml::Node;

/// One match block, as conditions.
enum Cond {
    Http(MatchBlock),
    L4(L4Block),
}

impl Cond {
    fn covers(&self, other: &Cond) -> bool {
        match (self, other) {
            (Cond::Http(a), Cond::Http(b)) => block_covers(a, b),
            (Cond::L4(a), Cond::L4(b)) => l4_covers(a, b),
            _ => false,
        }
    }

    fn cover_keys(&self) -> Vec<String> {
        match self {
            Cond::Http(a) => cover_keys(a),
            Cond::L4(a) => l4_cover_keys(a),
        }
    }

    fn lookups(&self) -> Vec<String> {
        match self {
            Cond::Http(b) => covered_lookups(b),
            Cond::L4(b) => l4_covered_lookups(b),
        }
    }
}

/// One block of a route's `match` list (or the whole route, when it has none).
pub(crate) struct Block<'a> {
    pub(crate) route: Route<'a>,
    /// 0-based position in the route's `match`; `None` for a route without one.
    pub(crate) position: Option<usize>,
    /// Its first key: where findings about it point.
    pub(crate) span: Location,
    cond: Cond,
}

/// What becomes of one match block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Some requests reach it.
    Live,
    /// Earlier routes take every request it matches: the block `block` of route `route`
    /// covers it, directly or through an earlier block of its own route.
    Shadowed { route: usize, block: usize },
    /// An earlier block of its own route (`block`) takes every request it matches, and
    /// earlier routes do not.
    Redundant { block: usize },
}

/// The blocks of every route of one protocol, in order, and what becomes of each.
pub(crate) struct Coverage<'a> {
    pub(crate) routes: Vec<Vec<Block<'a>>>,
    pub(crate) fates: Vec<Vec<Fate>>,
}

impl<'a> Coverage<'a> {
    pub(crate) fn of(vs: &VirtualService<'a>, protocol: Protocol) -> Self {
        let routes = blocks(vs, protocol);
        // Blocks filed under their cover keys, in order: (route, block).
        let mut filed: HashMap<String, Vec<(usize, usize)>> = HashMap::default();
        let mut fates: Vec<Vec<Fate>> = Vec::with_capacity(routes.len());
        for (j, blocks) in routes.iter().enumerate() {
            let mut own: Vec<Fate> = Vec::with_capacity(blocks.len());
            for (k, b) in blocks.iter().enumerate() {
                let mut candidates: Vec<(usize, usize)> = b
                    .cond
                    .lookups()
                    .iter()
                    .filter_map(|l| filed.get(l))
                    .flatten()
                    .copied()
                    .collect();
                candidates.sort_unstable();
                candidates.dedup();
                let by = candidates.into_iter().find(|&(rj, rk)| {
                    routes
                        .get(rj)
                        .and_then(|r| r.get(rk))
                        .is_some_and(|a| a.cond.covers(&b.cond))
                });
                own.push(match by {
                    None => Fate::Live,
                    Some((rj, rk)) if rj < j => Fate::Shadowed {
                        route: rj,
                        block: rk,
                    },
                    // Covered within the route: shadowed if the covering block is.
                    Some((_, rk)) => match own.get(rk) {
                        Some(&Fate::Shadowed { route, block }) => Fate::Shadowed { route, block },
                        _ => Fate::Redundant { block: rk },
                    },
                });
                for key in b.cond.cover_keys() {
                    filed.entry(key).or_default().push((j, k));
                }
            }
            fates.push(own);
        }
        Coverage { routes, fates }
    }

    pub(crate) fn block(&self, route: usize, block: usize) -> Option<&Block<'a>> {
        self.routes.get(route)?.get(block)
    }

    /// Each route's blocks with their fates.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[Block<'a>], &[Fate])> {
        self.routes
            .iter()
            .zip(&self.fates)
            .map(|(b, f)| (b.as_slice(), f.as_slice()))
    }
}

/// The match blocks of every route of one protocol, in order.
fn blocks<'a>(vs: &VirtualService<'a>, protocol: Protocol) -> Vec<Vec<Block<'a>>> {
    let gateways = vs.bound_gateways();
    let ns = vs.res.namespace.as_str();
    let cond = |node: &Node| match protocol {
        Protocol::Http => Cond::Http(http_match_block(node, &gateways, ns)),
        Protocol::Tcp | Protocol::Tls => Cond::L4(l4_match_block(node, &gateways, ns)),
    };
    // A route without `match` matches every request on the VirtualService's gateways.
    let all = || match protocol {
        Protocol::Http => Cond::Http(http_match_all(&gateways)),
        Protocol::Tcp | Protocol::Tls => Cond::L4(l4_match_all(&gateways)),
    };
    vs.routes_of(protocol)
        .into_iter()
        .map(|route| {
            let nodes = route.match_blocks();
            if nodes.is_empty() {
                return vec![Block {
                    route,
                    position: None,
                    span: route.span(),
                    cond: all(),
                }];
            }
            nodes
                .iter()
                .enumerate()
                .map(|(i, node)| Block {
                    route,
                    position: Some(i),
                    span: route.match_block_span(node),
                    cond: cond(node),
                })
                .collect()
        })
        .collect()
}
