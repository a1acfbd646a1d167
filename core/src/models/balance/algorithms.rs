//! The routing algorithms, as small pure pieces the balancer composes.
//!
//! Each piece is independent of the simulation so the tests can check exact sequences: smooth
//! weighted round robin ([`SmoothWrr`]), the consistent-hash ring ([`Ring`]), the key hash
//! ([`hash_key`]), and the least-connections index ([`LeastConn`]).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

/// A routing algorithm the balancer can use; switchable while the simulation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Each server in turn.
    RoundRobin,
    /// nginx's smooth weighted round robin: interleaves servers in proportion to their weights.
    WeightedRoundRobin,
    /// A uniformly random server.
    Random,
    /// The server with the fewest requests in progress (ties in turn).
    LeastConnections,
    /// The fewest requests in progress per unit of weight.
    WeightedLeastConnections,
    /// Hash of the session ("source address") modulo the number of servers.
    SourceHash,
    /// Hash of the session onto a ring with virtual nodes; few sessions move on changes.
    ConsistentHash,
    /// Two random servers, the less loaded of the two.
    PowerOfTwo,
    /// Two random servers, the lower of (peak-EWMA response time × (in progress + 1)).
    PeakEwma,
    /// The nearest region with a healthy server, round robin inside it.
    Geographic,
}

/// Every algorithm with its parameter name, in the order the UI lists them.
pub const ALGORITHMS: [(Algorithm, &str); 10] = [
    (Algorithm::RoundRobin, "round_robin"),
    (Algorithm::WeightedRoundRobin, "weighted_round_robin"),
    (Algorithm::Random, "random"),
    (Algorithm::LeastConnections, "least_connections"),
    (Algorithm::WeightedLeastConnections, "weighted_least_connections"),
    (Algorithm::SourceHash, "source_hash"),
    (Algorithm::ConsistentHash, "consistent_hash"),
    (Algorithm::PowerOfTwo, "p2c"),
    (Algorithm::PeakEwma, "peak_ewma"),
    (Algorithm::Geographic, "geographic"),
];

/// The algorithm names accepted by the `algorithm` parameter.
pub const ALGORITHM_NAMES: &[&str] = &[
    "round_robin",
    "weighted_round_robin",
    "random",
    "least_connections",
    "weighted_least_connections",
    "source_hash",
    "consistent_hash",
    "p2c",
    "peak_ewma",
    "geographic",
];

impl Algorithm {
    /// The parameter name.
    pub fn name(self) -> &'static str {
        ALGORITHMS.iter().find(|(a, _)| *a == self).map_or("round_robin", |(_, n)| n)
    }

    /// Parses a parameter name.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        ALGORITHMS.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }

    /// Whether the balancer must keep the least-connections index up to date.
    pub fn uses_least_conn(self) -> bool {
        matches!(self, Algorithm::LeastConnections | Algorithm::WeightedLeastConnections)
    }
}

/// SplitMix64's finaliser: a fast, well-mixed 64-bit hash of a 64-bit key. Portable: the same
/// on every platform, so the same session lands on the same server natively and in wasm.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of a session key, as hash-based routing uses it.
#[inline]
pub fn hash_key(key: u32) -> u64 {
    mix64(key as u64 ^ 0x5EED_0F5E_5510_u64)
}

/// Smooth weighted round robin, as nginx does it: every pick, each candidate's current weight
/// grows by its weight; the largest wins (first on ties) and loses the total. Over one cycle of
/// `sum(weights)` picks each server is chosen exactly `weight` times, spread out rather than in
/// bursts (weights 5, 1, 1 give a a b a c a a).
#[derive(Clone, Debug, Default)]
pub struct SmoothWrr;

impl SmoothWrr {
    /// Picks among `candidates` (`(weight, &mut current)`) and returns the winner's position.
    /// O(n): every candidate's current weight changes on every pick, which is the algorithm.
    pub fn pick<'a>(candidates: impl Iterator<Item = (u32, &'a mut i64)>) -> Option<usize> {
        let mut total: i64 = 0;
        let mut best: Option<(usize, i64)> = None;
        let mut best_ref: Option<&'a mut i64> = None;
        for (i, (weight, current)) in candidates.enumerate() {
            let w = weight.max(1) as i64;
            *current += w;
            total += w;
            if best.is_none_or(|(_, b)| *current > b) {
                best = Some((i, *current));
                best_ref = Some(current);
            }
        }
        if let Some(r) = best_ref {
            *r -= total;
        }
        best.map(|(i, _)| i)
    }
}

/// A consistent-hash ring: each server owns `vnodes × weight` points; a key belongs to the
/// first point clockwise from its hash. Adding a server moves only the keys its new points
/// capture; removing one moves only the keys it owned.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    points: Vec<(u64, u32)>,
}

/// Most virtual nodes one server gets (weight × vnodes is capped here).
pub const RING_POINTS_PER_SERVER_MAX: u32 = 1_000;

impl Ring {
    /// Builds the ring for `(server, weight)` members with `vnodes` points per unit of weight.
    pub fn build(members: impl Iterator<Item = (u32, u32)>, vnodes: u32) -> Ring {
        let mut points = Vec::new();
        for (server, weight) in members {
            let n = (vnodes.max(1) * weight.max(1)).min(RING_POINTS_PER_SERVER_MAX);
            for replica in 0..n {
                points.push((mix64(((server as u64) << 32) | replica as u64), server));
            }
        }
        // Sort by point, then server, so equal points (never seen in practice) still order the
        // same way everywhere.
        points.sort_unstable();
        Ring { points }
    }

    /// The server owning `hash`, or `None` on an empty ring. O(log points).
    pub fn lookup(&self, hash: u64) -> Option<u32> {
        if self.points.is_empty() {
            return None;
        }
        let i = self.points.partition_point(|&(p, _)| p < hash);
        let i = if i == self.points.len() { 0 } else { i };
        Some(self.points[i].1)
    }

    /// Number of points on the ring.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the ring has no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// An ordered index for least connections: `(score, ticket, slot)`. The ticket is a counter
/// taken whenever an entry is (re)inserted, so among equal scores the entry waiting longest
/// wins: ties go round in turn, as in HAProxy's `leastconn`. O(log n) per update and pick.
#[derive(Clone, Debug, Default)]
pub struct LeastConn {
    set: BTreeSet<(u64, u64, u16)>,
    ticket: u64,
}

/// Fixed-point scale for weighted scores: `active × SCALE / weight`.
pub const LC_SCALE: u64 = 1 << 20;

impl LeastConn {
    /// The score of a server with `active` requests in progress and `weight`.
    #[inline]
    pub fn score(active: u32, weight: u32, weighted: bool) -> u64 {
        if weighted {
            (active as u64 + 1) * LC_SCALE / weight.max(1) as u64
        } else {
            active as u64
        }
    }

    /// Empties the index.
    pub fn clear(&mut self) {
        self.set.clear();
    }

    /// Inserts `slot` with `score`; returns the key to remove it by later.
    pub fn insert(&mut self, slot: u16, score: u64) -> (u64, u64) {
        self.ticket += 1;
        self.set.insert((score, self.ticket, slot));
        (score, self.ticket)
    }

    /// Removes the entry inserted with `key`.
    pub fn remove(&mut self, slot: u16, key: (u64, u64)) {
        self.set.remove(&(key.0, key.1, slot));
    }

    /// The least-loaded slot.
    pub fn first(&self) -> Option<u16> {
        self.set.first().map(|&(_, _, s)| s)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrr_sequence(weights: &[u32], n: usize) -> Vec<usize> {
        let mut current = alloc::vec![0i64; weights.len()];
        (0..n)
            .map(|_| SmoothWrr::pick(weights.iter().copied().zip(current.iter_mut())).unwrap())
            .collect()
    }

    #[test]
    fn smooth_wrr_matches_nginx() {
        assert_eq!(wrr_sequence(&[5, 1, 1], 7), [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn ring_lookup_wraps() {
        let ring = Ring::build([(1, 1), (2, 1)].into_iter(), 10);
        assert_eq!(ring.len(), 20);
        assert!(ring.lookup(u64::MAX).is_some());
        assert!(Ring::default().lookup(5).is_none());
    }
}
