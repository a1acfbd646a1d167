//! The routing table: which shards own a key, under one strategy, at one epoch.
//!
//! A table is immutable once built and shared (`Rc`) between the router, the shards and the
//! clients' caches, so sending it costs a pointer. Its derived lookup structures (ring tokens,
//! the Maglev table) are built once, in [`Table::build`].

use super::hash::key_hash;
use super::{jump, maglev, modulo, range, rendezvous, ring};
use crate::NodeId;
use alloc::vec::Vec;

/// Most replicas per key.
pub const REPLICAS_MAX: usize = 3;

/// Maglev table size: prime, and over 100 slots per shard at the most shards.
pub const MAGLEV_M: u32 = 4_099;

/// How keys are mapped to shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// hash mod n.
    Modulo,
    /// Contiguous key ranges.
    Range,
    /// Consistent-hash ring with virtual nodes.
    Ring,
    /// Jump consistent hash.
    Jump,
    /// Weighted rendezvous hashing.
    Rendezvous,
    /// Maglev's lookup table.
    Maglev,
}

/// Strategy names, as settings spell them.
pub const STRATEGY_NAMES: &[&str] = &["modulo", "range", "ring", "jump", "rendezvous", "maglev"];
/// The strategies, in the order of [`STRATEGY_NAMES`].
pub const STRATEGIES: [Strategy; 6] = [Strategy::Modulo, Strategy::Range, Strategy::Ring, Strategy::Jump, Strategy::Rendezvous, Strategy::Maglev];

impl Strategy {
    /// The setting's name.
    pub fn name(self) -> &'static str {
        STRATEGY_NAMES[STRATEGIES.iter().position(|s| *s == self).unwrap_or(0)]
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<Strategy> {
        STRATEGY_NAMES.iter().position(|n| *n == name).map(|i| STRATEGIES[i])
    }

    /// Whether changing membership should move only keys that must move (the minimal set).
    /// Maglev is close but not exact; modulo and renumbered jump hash are not.
    pub fn consistent(self) -> bool {
        matches!(self, Strategy::Ring | Strategy::Rendezvous | Strategy::Jump)
    }

    /// Whether keys are placed by hash (a ring picture) rather than in order (a range bar).
    pub fn hashed(self) -> bool {
        self != Strategy::Range
    }
}

/// Up to [`REPLICAS_MAX`] owners of a key, primary first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Owners {
    /// How many.
    pub len: u8,
    /// Shard node ids.
    pub ids: [NodeId; REPLICAS_MAX],
}

impl Owners {
    /// The owners as a slice.
    pub fn as_slice(&self) -> &[NodeId] {
        &self.ids[..self.len as usize]
    }

    /// The primary.
    pub fn primary(&self) -> Option<NodeId> {
        self.as_slice().first().copied()
    }

    /// Whether `id` is one of them.
    pub fn contains(&self, id: NodeId) -> bool {
        self.as_slice().contains(&id)
    }

    /// These owners without `id`, in order.
    pub fn without(&self, id: NodeId) -> Owners {
        let mut o = Owners::default();
        for &x in self.as_slice() {
            if x != id {
                o.ids[o.len as usize] = x;
                o.len += 1;
            }
        }
        o
    }
}

/// A routing table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Configuration epoch; higher is newer.
    pub epoch: u64,
    /// Strategy.
    pub strategy: Strategy,
    /// Member shards in bucket order.
    pub members: Vec<NodeId>,
    /// Weight per member (ring, rendezvous).
    pub weights: Vec<u32>,
    /// Replicas per key (capped by the number of members).
    pub replicas: u8,
    /// Virtual nodes per unit of weight (ring).
    pub vnodes: u32,
    /// Ranges: start key and member index (range strategy).
    pub ranges: range::Ranges,
    /// Teaching mutation: ring tokens depend on the member count, so every change reshuffles.
    pub reseed: bool,
    tokens: Vec<(u64, u32)>,
    maglev: Vec<u32>,
    /// `(node id, weight)` per member, in bucket order (rendezvous scores these).
    weighted: Vec<(u64, u32)>,
}

impl Table {
    /// Builds a table and its lookup structures. `ranges` is used by the range strategy only;
    /// an empty one is replaced by even ranges over `0..span`.
    #[allow(clippy::too_many_arguments)]
    pub fn build(epoch: u64, strategy: Strategy, members: Vec<NodeId>, weights: Vec<u32>, replicas: u8, vnodes: u32, mut ranges: range::Ranges, span: u32, reseed: bool) -> Table {
        let n = members.len() as u32;
        let mut weighted: Vec<(u64, u32)> = Vec::with_capacity(members.len());
        for (i, &m) in members.iter().enumerate() {
            weighted.push((m as u64, weights.get(i).copied().unwrap_or(1)));
        }
        let tokens = if strategy == Strategy::Ring && n > 0 { ring::tokens(&weighted, vnodes, if reseed { n as u64 * 0x9E37 } else { 0 }) } else { Vec::new() };
        let maglev = if strategy == Strategy::Maglev && n > 0 {
            // A fixed size: a table whose size followed n would reshuffle on every change.
            let m = MAGLEV_M;
            let mut perms: Vec<(u32, u32)> = Vec::with_capacity(members.len());
            for &id in &members {
                perms.push(maglev::offset_skip(id as u64, m));
            }
            maglev::populate(&perms, m)
        } else {
            Vec::new()
        };
        if strategy == Strategy::Range {
            ranges.retain(|r| r.1 < n);
            if ranges.first().is_none_or(|r| r.0 != 0) {
                ranges = range::even(span.max(n), n);
            }
            range::coalesce(&mut ranges);
        } else {
            ranges.clear();
        }
        Table { epoch, strategy, members, weights, replicas: replicas.clamp(1, REPLICAS_MAX as u8), vnodes, ranges, reseed, tokens, maglev, weighted }
    }

    /// Number of member shards.
    pub fn len(&self) -> u32 {
        self.members.len() as u32
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Ring tokens `(position, member index)`, sorted (ring strategy).
    pub fn tokens(&self) -> &[(u64, u32)] {
        &self.tokens
    }

    /// The Maglev lookup table (member index per slot).
    pub fn maglev_table(&self) -> &[u32] {
        &self.maglev
    }

    /// Replicas actually placed (never more than the members).
    pub fn r(&self) -> usize {
        (self.replicas as usize).min(self.members.len())
    }

    /// Member index of the primary of `key`.
    pub fn primary_index(&self, key: u32) -> u32 {
        let mut i = [0u32; 1];
        self.indexes(key, &mut i);
        i[0]
    }

    /// Member indexes of the first `out.len()` owners of `key` (at most the members), primary
    /// first; returns how many. One routine for the primary and the replicas of every strategy.
    fn indexes(&self, key: u32, out: &mut [u32]) -> usize {
        // Index entries are placed by their tag (all of a tag's entries on one shard).
        let key = super::index::route(key);
        let n = self.len();
        if n == 0 {
            return 0;
        }
        let h = key_hash(key);
        let p = match self.strategy {
            Strategy::Ring => return ring::preference(&self.tokens, h, out),
            Strategy::Rendezvous => return rendezvous::top(h, &self.weighted, out.len(), out),
            Strategy::Modulo => modulo::bucket(h, n),
            Strategy::Jump => jump::bucket(h, n),
            Strategy::Range => self.ranges[range::find(&self.ranges, key)].1,
            Strategy::Maglev => self.maglev[(h % self.maglev.len() as u64) as usize],
        };
        // Replicas on the next members in bucket order.
        for (j, slot) in out.iter_mut().enumerate() {
            *slot = (p + j as u32) % n;
        }
        out.len()
    }

    /// The owners of `key`, primary first; empty when the table has no members.
    pub fn owners(&self, key: u32) -> Owners {
        let mut o = Owners::default();
        let mut idx = [0u32; REPLICAS_MAX];
        let got = self.indexes(key, &mut idx[..self.r()]);
        for (slot, &i) in o.ids.iter_mut().zip(idx.iter()).take(got) {
            *slot = self.members[i as usize];
        }
        o.len = got as u8;
        o
    }

    /// The primary of `key`.
    pub fn primary(&self, key: u32) -> Option<NodeId> {
        self.owners(key).primary()
    }

    /// Member index of node `id`.
    pub fn index_of(&self, id: NodeId) -> Option<u32> {
        self.members.iter().position(|&m| m == id).map(|i| i as u32)
    }

    /// Member ids owning keys in `lo..hi` as primary (range: the overlapping ranges; hashed
    /// strategies: every member, since neighbouring keys hash anywhere).
    pub fn shards_for_scan(&self, lo: u32, hi: u32) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = Vec::new();
        if self.strategy == Strategy::Range && !self.ranges.is_empty() {
            let a = range::find(&self.ranges, lo);
            let b = range::find(&self.ranges, hi.saturating_sub(1).max(lo));
            for r in &self.ranges[a..=b] {
                let id = self.members[r.1 as usize];
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        } else {
            out.extend_from_slice(&self.members);
        }
        out.sort_unstable();
        out
    }
}
