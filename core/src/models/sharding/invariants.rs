//! The observer: the record of acknowledged writes, the three invariants, and the metrics.
//!
//! # How the checks stay incremental
//! Every handler leaves a short list of observations in its node ([`Obs`]): a read served at a
//! version, a key dropped, a write acknowledged, a table committed. After each event the
//! observer reads only the acting node's list, so the cost of an event is the size of what it
//! did, never the length of the run:
//! - *Acknowledged writes stay readable*: a served read is compared with the highest version
//!   acknowledged for its key (a persistent map, shared with snapshots). A dropped copy that
//!   was up to date must leave another up-to-date copy somewhere (a look-up in each shard's
//!   map, live or on a crashed shard's disk).
//! - *R owners* and *minimal moves* are checked when the router commits a table, over the
//!   whole key space (the only moment the placement changes).
//! - *The index sees acknowledged writes* (global index): the ghost counts, per tag, the keys
//!   that exist as far as any client was told; a shard answering a query for a tag with fewer
//!   entries than that has missed an acknowledged write.
//!
//! [`full_check`] re-checks durability for every acknowledged key from scratch; the sweeps
//! call it every few thousand events to cross-check the incremental version.

use super::index::{self, Index};
use super::{Durable, Node, Obs, Sharding, Strategy, Table, METRICS};
use crate::model::{Happened, Nodes};
use super::view::Say;
use crate::persist::PMap;
use crate::view::Violation;
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Name of the ownership invariant.
pub const R_OWNERS: &str = "Exactly R owners";
/// Name of the durability invariant.
pub const ACKED_READABLE: &str = "Acknowledged writes stay readable";
/// Name of the minimal-movement invariant.
pub const MINIMAL_MOVES: &str = "Only keys that must move do";
/// Name of the index invariant.
pub const INDEX_COMPLETE: &str = "Index queries see acknowledged writes";

/// Window slots (of one metric interval each).
const SLOTS: usize = 10;
/// Histogram buckets (factor 1.4 from 1 µs).
const BUCKETS: usize = 64;
const FACTOR: f64 = 1.4;

/// A latency histogram with log-spaced buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct Hist(pub [u32; BUCKETS]);

impl Default for Hist {
    fn default() -> Self {
        Hist([0; BUCKETS])
    }
}

impl Hist {
    fn add(&mut self, us: u64) {
        let b = (libm::log(us.max(1) as f64) / libm::log(FACTOR)) as usize;
        self.0[b.min(BUCKETS - 1)] += 1;
    }

    fn merge(&mut self, o: &Hist) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }

    /// The `q` quantile in ms (upper edge of its bucket), 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let total: u64 = self.0.iter().map(|&x| x as u64).sum();
        if total == 0 {
            return 0.0;
        }
        let want = libm::ceil(q * total as f64) as u64;
        let mut seen = 0u64;
        for (b, &n) in self.0.iter().enumerate() {
            seen += n as u64;
            if seen >= want.max(1) {
                return libm::pow(FACTOR, b as f64 + 1.0) / 1_000.0;
            }
        }
        0.0
    }
}

/// One metric interval's counts.
#[derive(Clone, Debug, Default, PartialEq)]
struct Slot {
    done: u32,
    redirects: u32,
    hist: Hist,
    scan_hist: Hist,
    find_hist: Hist,
    /// Operations served per node id.
    load: Vec<u32>,
}

/// Omniscient history.
#[derive(Clone, Default)]
pub struct Ghost {
    /// Highest acknowledged version per written key (preloaded keys count as version 1).
    pub acked: PMap<u32, u64>,
    /// Writes acknowledged.
    pub acked_count: u64,
    seen: Vec<u64>,
    started: bool,
    /// Operations completed.
    pub completed: u64,
    /// Operations given up.
    pub gave_up: u64,
    /// Redirects.
    pub redirects: u64,
    slots: Vec<Slot>,
    cur: usize,
    samples: u64,
    /// Last sampled values, by metric index.
    pub last: [f64; METRICS.len()],
    /// Largest load imbalance sampled after the first second.
    pub max_imbalance: f64,
    /// Keys whose primary changed in the last committed change.
    pub moved_keys: u64,
    /// Their share of all keys.
    pub moved_fraction: f64,
    /// Largest share so far.
    pub max_moved_fraction: f64,
    /// |Δn| / max(n) of the last change.
    pub ideal_fraction: f64,
    /// Largest shard's keys over the mean, committed table.
    pub key_imbalance: f64,
    /// Tables committed.
    pub reconfigs: u64,
    /// Keys moved by the last commit (the first 512), for the figures: (key, old primary).
    pub recent_moves: Vec<(u32, NodeId)>,
    /// When the last table was committed.
    pub last_commit: u64,
    /// Largest data key acknowledged (the key space the figures show).
    pub max_key: u32,
    /// Keys per tag that exist as far as any client was told (global index).
    pub tag_keys: [u64; index::TAGS as usize],
    /// Index queries completed, and the shards they asked in all.
    pub finds: (u64, u64),
    /// Writes completed, and the shards they wrote in all.
    pub writes: (u64, u64),
    /// Keys counted by the last index query completed.
    pub last_found: u64,
    /// What the key grid figure needs besides the run's state.
    pub figure: FigureState,
}

/// What the key grid figure keeps in the ghost: the table before the last commit (to show what
/// that commit moved), and the grid last drawn with a key of everything it depends on (shared
/// by snapshots: the key says it all). Its `Debug` text is short, so state fingerprints
/// neither pay for a thousand squares nor depend on whether a figure was drawn.
#[derive(Clone, Default)]
pub struct FigureState {
    /// The table before the last commit.
    pub prev_table: Option<alloc::rc::Rc<Table>>,
    /// The committed table as last observed (the one before the next commit; not in the
    /// `Debug` text: the router's state holds it).
    pub table: Option<alloc::rc::Rc<Table>>,
    /// The key grid last drawn (its picture and caption), by key.
    pub grid: alloc::rc::Rc<core::cell::RefCell<Option<(u64, crate::figure::KeyGrid, alloc::string::String)>>>,
}

impl core::fmt::Debug for FigureState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FigureState(prev e{:?})", self.prev_table.as_ref().map(|t| t.epoch))
    }
}

/// What the invariants read: the acknowledged versions, the index's promised counts, which
/// observations were already taken, and the table before the last commit. Counters and metric
/// windows are left out: they never decide a violation, and the model checker fingerprints
/// the ghost by this text, so states that differ only in latency histograms are one state.
impl core::fmt::Debug for Ghost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ghost")
            .field("started", &self.started)
            .field("acked", &self.acked)
            .field("seen", &self.seen)
            .field("tag_keys", &self.tag_keys)
            .field("reconfigs", &self.reconfigs)
            .field("figure", &self.figure)
            .finish_non_exhaustive()
    }
}

/// A shard's copy of `key`, live or on a crashed shard's disk; `None` if it has none or failed.
fn copy_at(nodes: &Nodes<Sharding>, id: NodeId, key: u32) -> Option<u64> {
    match nodes.up(id) {
        Some(Node::Shard(s)) => (!s.failed).then(|| s.data.get(&key).copied()).flatten(),
        Some(_) => None,
        None => match nodes.slot(id).and_then(|s| s.durable.as_ref()) {
            Some(Durable::Shard(d)) => (!d.failed).then(|| d.data.get(&key).copied()).flatten(),
            _ => None,
        },
    }
}

/// The router's committed table, from its live state or its disk.
pub fn committed(nodes: &Nodes<Sharding>) -> Option<alloc::rc::Rc<Table>> {
    match nodes.up(Sharding::ROUTER) {
        Some(Node::Router(r)) => Some(r.table().clone()),
        _ => match nodes.slot(Sharding::ROUTER).and_then(|s| s.durable.as_ref()) {
            Some(Durable::Router(d)) => Some(d.committed.clone()),
            _ => None,
        },
    }
}

impl Ghost {
    /// The acknowledged version of `key` (preloaded keys start at 1).
    pub fn acked_of(&self, m: &Sharding, key: u32) -> u64 {
        self.acked.get(&key).copied().unwrap_or(if key < m.keys || preloaded_entry(m, key) { 1 } else { 0 })
    }

    fn slot(&mut self) -> &mut Slot {
        if self.slots.is_empty() {
            self.slots = vec![Slot::default(); SLOTS];
        }
        &mut self.slots[self.cur]
    }
}

/// Whether `key` is the index entry of a preloaded key (global index).
fn preloaded_entry(m: &Sharding, key: u32) -> bool {
    m.index == Index::Global && index::is_entry(key) && index::entry_of(key).0 < m.keys
}

/// Every data key the cluster should hold, in order: the preloaded ones and every key written
/// since (index entries not included: they are [`entries`]). Built once per commit (a vector,
/// not a chain of iterators: one loop in the page instead of an adapter type per caller).
pub fn universe(m: &Sharding, g: &Ghost) -> Vec<u32> {
    let mut keys: Vec<u32> = Vec::with_capacity(m.keys as usize);
    for k in 0..m.keys {
        keys.push(k);
    }
    for (&k, _) in g.acked.range(m.keys..) {
        if !index::is_entry(k) {
            keys.push(k);
        }
    }
    keys
}

/// [`universe`], then the keys a global index's entries are placed by, one per tag (every
/// entry has its tag's owners, so checking these checks them all): the keys whose owners
/// [`owners_problem`] checks. Also returns where the index keys start.
pub fn placed_keys(m: &Sharding, g: &Ghost) -> (Vec<u32>, usize) {
    let mut keys = universe(m, g);
    let data = keys.len();
    if m.index == Index::Global {
        keys.extend((0..index::TAGS).map(index::tag_base));
    }
    (keys, data)
}

/// Every index entry the cluster should hold (global index): the preloaded keys' entries and
/// every entry written since.
pub fn entries<'a>(m: &Sharding, g: &'a Ghost) -> impl Iterator<Item = u32> + 'a {
    let pre = if m.index == Index::Global { m.keys.min(index::INDEXABLE) } else { 0 };
    (0..pre).map(index::entry).chain(g.acked.range(index::INDEX_BASE..index::INDEX_BASE + index::TAGS * index::INDEXABLE).map(|(&k, _)| k).filter(move |&e| index::entry_of(e).0 >= pre))
}

/// Checks from scratch that every acknowledged version survives somewhere; returns what is
/// wrong (for the sweeps, to cross-check the incremental checks).
#[inline(never)]
pub fn full_check(m: &Sharding, nodes: &Nodes<Sharding>, g: &Ghost) -> Vec<String> {
    let mut bad = Vec::new();
    let shards: Vec<NodeId> = (m.first_shard()..nodes.len()).collect();
    for k in universe(m, g).into_iter().chain(entries(m, g)) {
        let a = g.acked_of(m, k);
        if a == 0 {
            continue;
        }
        if !shards.iter().any(|&s| copy_at(nodes, s, k).is_some_and(|v| v >= a)) {
            bad.push(Say::new("key ").n(k as u64).s(": no copy at version ").n(a).s(" or later").take());
            if bad.len() > 10 {
                break;
            }
        }
    }
    if let Some(t) = committed(nodes) {
        if let Some(e) = owners_problem(&t, &placed_keys(m, g).0) {
            bad.push(e);
        }
        // The index: a local one matches a recount; a global one holds every told-of key.
        for (id, n) in nodes.live() {
            if let Node::Shard(s) = n {
                if let Some(c) = s.tag_counts {
                    if c != super::shard::count_tags(&s.data, &s.table, id) {
                        bad.push(format!("{}: local index {c:?} differs from a recount", m.label(id)));
                    }
                }
            }
        }
        if m.index == Index::Global && committed_quiet(nodes) {
            for tg in 0..index::TAGS {
                let base = index::tag_base(tg);
                let held = t.primary(base).and_then(|p| match nodes.up(p) {
                    Some(Node::Shard(s)) if !s.failed => Some(s.data.range(base..base + index::INDEXABLE).count() as u64),
                    _ => None,
                });
                if let Some(n) = held {
                    if n < g.tag_keys[tg as usize] {
                        bad.push(Say::new("tag ").n(tg as u64).s(": ").n(n).s(" index entries on its shard, ").n(g.tag_keys[tg as usize]).s(" keys acknowledged").take());
                    }
                }
            }
        }
    }
    bad
}

/// Whether no reconfiguration is under way (index entries may be in transit during one).
fn committed_quiet(nodes: &Nodes<Sharding>) -> bool {
    matches!(nodes.up(Sharding::ROUTER), Some(Node::Router(r)) if r.next.is_none())
}

/// The first key whose owners in `t` are not exactly R distinct members, if any.
pub fn owners_problem(t: &Table, keys: &[u32]) -> Option<String> {
    let r = t.r();
    for &k in keys {
        let o = t.owners(k);
        let ids = o.as_slice();
        let distinct = ids.iter().enumerate().all(|(i, a)| !ids[..i].contains(a));
        if ids.len() != r || !distinct || !ids.iter().all(|id| t.members.contains(id)) {
            let mut say = super::view::Say::new("epoch ");
            say.n(t.epoch).s(": key ").n(k as u64).s(" has owners [");
            for (i, &id) in ids.iter().enumerate() {
                say.s(if i > 0 { ", " } else { "" }).n(id as u64);
            }
            return Some(say.s("], want ").n(r as u64).s(" distinct members").take());
        }
    }
    None
}

impl Sharding {
    fn violation(nodes: &Nodes<Sharding>, invariant: &'static str, who: Vec<NodeId>, detail: String) -> Violation {
        Violation { invariant, time: nodes.now(), event: 0, nodes: who, cells: Vec::new(), detail }
    }

    /// Looks at what the last event did.
    #[inline(never)]
    pub(crate) fn observe_event(&self, nodes: &Nodes<Sharding>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        if !g.started {
            g.started = true;
            if let Some(t) = committed(nodes) {
                g.figure.table = Some(t.clone());
                let (keys, data) = placed_keys(self, g);
                if let Some(e) = owners_problem(&t, &keys) {
                    out.push(Self::violation(nodes, R_OWNERS, Vec::new(), e));
                }
                g.key_imbalance = key_imbalance(&t, keys[..data].iter().copied());
            }
            g.max_key = self.keys.saturating_sub(1);
            if self.index == Index::Global {
                for k in 0..self.keys.min(index::INDEXABLE) {
                    g.tag_keys[index::tag(k) as usize] += 1;
                }
            }
        }
        let Some(id) = what.node() else { return };
        let Some(node) = nodes.up(id) else { return };
        let (seq, obs) = node.obs();
        let i = id as usize;
        if g.seen.len() <= i {
            g.seen.resize(i + 1, 0);
        }
        if g.seen[i] == seq {
            return;
        }
        g.seen[i] = seq;
        for o in obs {
            match o {
                Obs::Served { key, version } => {
                    let a = g.acked_of(self, *key);
                    if *version < a {
                        out.push(Self::violation(nodes, ACKED_READABLE, alloc::vec![id], Say::default().node(self, id).s(" served key ").n(*key as u64).s(" at version ").n(*version).s(", but version ").n(a).s(" was acknowledged").take()));
                    }
                }
                Obs::Dropped { key, version } => {
                    let a = g.acked_of(self, *key);
                    if a > 0 && *version >= a {
                        let elsewhere = (self.first_shard()..nodes.len()).any(|s| s != id && copy_at(nodes, s, *key).is_some_and(|v| v >= a));
                        if !elsewhere {
                            out.push(Self::violation(nodes, ACKED_READABLE, alloc::vec![id], Say::default().node(self, id).s(" dropped the last copy of key ").n(*key as u64).s(" at version ").n(a).s(", which was acknowledged").take()));
                        }
                    }
                }
                Obs::Acked { key, version } => {
                    if *version > g.acked_of(self, *key) {
                        g.acked.insert_mut(*key, *version);
                    }
                    if index::is_entry(*key) {
                        continue;
                    }
                    if *key < index::INDEX_BASE && *key > g.max_key {
                        g.max_key = *key;
                    }
                    g.acked_count += 1;
                }
                Obs::Indexed { key, version } => {
                    // Version 1 is a key's first write: one more key with its tag exists.
                    if *version == 1 && *key >= self.keys {
                        g.tag_keys[index::tag(*key) as usize] += 1;
                    }
                }
                Obs::Found { tag, count } => {
                    let want = g.tag_keys[(*tag).min(index::TAGS - 1) as usize];
                    if *count < want {
                        out.push(Self::violation(
                            nodes,
                            INDEX_COMPLETE,
                            alloc::vec![id],
                            Say::default().node(self, id).s(" answered a query for tag ").n(*tag as u64).s(" with ").n(*count).s(" keys, but ").n(want).s(" keys with that tag were acknowledged: the index lags the data").take(),
                        ));
                    }
                }
                Obs::FindDone { latency, shards, count } => {
                    g.completed += 1;
                    g.last_found = *count;
                    g.finds.0 += 1;
                    g.finds.1 += *shards as u64;
                    let s = g.slot();
                    s.done += 1;
                    s.find_hist.add(*latency);
                }
                Obs::WriteDone { shards } => {
                    g.writes.0 += 1;
                    g.writes.1 += *shards as u64;
                }
                Obs::Done { latency, scan } => {
                    g.completed += 1;
                    let s = g.slot();
                    s.done += 1;
                    if *scan {
                        s.scan_hist.add(*latency);
                    } else {
                        s.hist.add(*latency);
                    }
                }
                Obs::GaveUp => g.gave_up += 1,
                Obs::Redirected => {
                    g.redirects += 1;
                    g.slot().redirects += 1;
                }
                Obs::Load(n) => {
                    let s = g.slot();
                    if s.load.len() <= i {
                        s.load.resize(i + 1, 0);
                    }
                    s.load[i] += n;
                }
                Obs::NewTable => {
                    let Some(new) = committed(nodes) else { continue };
                    let old = g.figure.table.replace(new.clone()).unwrap_or_else(|| new.clone());
                    g.figure.prev_table = Some(old.clone());
                    self.on_new_table(nodes, g, &old, &new, out)
                }
            }
        }
    }

    #[inline(never)]
    fn on_new_table(&self, nodes: &Nodes<Sharding>, g: &mut Ghost, old: &Table, new: &Table, out: &mut Vec<Violation>) {
        g.reconfigs += 1;
        g.last_commit = nodes.now();
        let (keys, data) = placed_keys(self, g);
        if let Some(e) = owners_problem(new, &keys) {
            out.push(Self::violation(nodes, R_OWNERS, Vec::new(), e));
        }
        let keys = &keys[..data];
        // Minimal movement applies when only membership or weights changed under a
        // consistent strategy (jump hash: only when members were appended or cut at the end).
        let prefix = old.members.starts_with(&new.members) || new.members.starts_with(&old.members);
        let check = new.strategy.consistent()
            && old.strategy == new.strategy
            && old.r() == new.r()
            && old.vnodes == new.vnodes
            && (new.strategy != Strategy::Jump || prefix);
        let weight = |t: &Table, id: NodeId| t.index_of(id).map(|i| t.weights[i as usize]);
        let mut moved = 0u64;
        let mut total = 0u64;
        let mut bad: Option<String> = None;
        let mut bad_count = 0u64;
        let mut recent = Vec::new();
        for &k in keys {
            total += 1;
            let (a, b) = (old.primary(k), new.primary(k));
            if a == b {
                continue;
            }
            moved += 1;
            if recent.len() < 512 {
                recent.push((k, a.unwrap_or(NodeId::MAX)));
            }
            if check {
                let (a, b) = (a.unwrap_or(NodeId::MAX), b.unwrap_or(NodeId::MAX));
                let joined = !old.members.contains(&b);
                let left = !new.members.contains(&a);
                let reweighted = weight(old, a) != weight(new, a) || weight(old, b) != weight(new, b);
                if !(joined || left || reweighted) {
                    bad_count += 1;
                    if bad.is_none() {
                        bad = Some(Say::new("key ").n(k as u64).s(" moved from ").node(self, a).s(" to ").node(self, b).s(", though neither joined, left or changed weight").take());
                    }
                }
            }
        }
        if let Some(b) = bad {
            out.push(Self::violation(nodes, MINIMAL_MOVES, Vec::new(), Say::new("epoch ").n(new.epoch).s(": ").s(&b).s(" (").n(bad_count).s(" such keys)").take()));
        }
        g.recent_moves = recent;
        g.moved_keys = moved;
        g.moved_fraction = if total > 0 { moved as f64 / total as f64 } else { 0.0 };
        if g.moved_fraction > g.max_moved_fraction {
            g.max_moved_fraction = g.moved_fraction;
        }
        let (n0, n1) = (old.len() as f64, new.len() as f64);
        g.ideal_fraction = if n0.max(n1) > 0.0 { libm::fabs(n1 - n0) / n0.max(n1) } else { 0.0 };
        g.key_imbalance = key_imbalance(new, keys.iter().copied());
    }

    /// Writes one value per metric.
    #[inline(never)]
    pub(crate) fn take_sample(&self, nodes: &Nodes<Sharding>, g: &mut Ghost, out: &mut Vec<f64>) {
        g.slot();
        let mut hist = Hist::default();
        let mut scan = Hist::default();
        let mut find = Hist::default();
        let (mut done, mut redirects) = (0u64, 0u64);
        let mut load: Vec<u64> = Vec::new();
        for s in &g.slots {
            hist.merge(&s.hist);
            scan.merge(&s.scan_hist);
            find.merge(&s.find_hist);
            done += s.done as u64;
            redirects += s.redirects as u64;
            if load.len() < s.load.len() {
                load.resize(s.load.len(), 0);
            }
            for (a, b) in load.iter_mut().zip(s.load.iter()) {
                *a += *b as u64;
            }
        }
        let window_s = (g.samples.min(SLOTS as u64 - 1) + 1) as f64 * 0.1;
        let members: Vec<NodeId> = committed(nodes).map(|t| t.members.clone()).unwrap_or_default();
        let (mut total, mut top) = (0u64, 0u64);
        for &id in &members {
            let l = load.get(id as usize).copied().unwrap_or(0);
            total += l;
            top = top.max(l);
        }
        let imbalance = if total > 0 && !members.is_empty() { top as f64 / (total as f64 / members.len() as f64) } else { 0.0 };
        let values = [done as f64 / window_s, hist.quantile_ms(0.99), scan.quantile_ms(0.99), imbalance, g.key_imbalance, g.moved_fraction, g.ideal_fraction, redirects as f64 / window_s, find.quantile_ms(0.99)];
        g.last = values;
        if g.samples >= SLOTS as u64 && total >= 20 && imbalance > g.max_imbalance {
            g.max_imbalance = imbalance;
        }
        out.extend_from_slice(&values);
        g.samples += 1;
        g.cur = (g.cur + 1) % SLOTS;
        g.slots[g.cur] = Slot::default();
    }

    /// Answers a named query.
    #[inline(never)]
    pub(crate) fn answer(&self, nodes: &Nodes<Sharding>, g: &Ghost, name: &str) -> Option<f64> {
        let router = match nodes.up(Sharding::ROUTER) {
            Some(Node::Router(r)) => Some(r),
            _ => None,
        };
        let metric = |key: &str| METRICS.iter().position(|m| m.name == key).map(|i| g.last[i]);
        let ratio = |(n, d): (u64, u64)| if n > 0 { d as f64 / n as f64 } else { 0.0 };
        // Dispatch on the query's row in the table (a jump table), not on its text.
        Some(match super::QUERIES.iter().position(|q| q.name == name)? {
            0 => g.completed as f64,
            1 => g.gave_up as f64,
            2 => g.acked_count as f64,
            3 => g.redirects as f64,
            4 => committed(nodes).map_or(0.0, |t| t.epoch as f64),
            5 => committed(nodes).map_or(0.0, |t| t.len() as f64),
            6 => router.map_or(0.0, |r| r.next.is_some() as u8 as f64),
            7 => g.reconfigs as f64,
            8 => g.moved_keys as f64,
            9 => g.moved_fraction,
            10 => g.max_moved_fraction,
            11 => g.ideal_fraction,
            12 => {
                let mut handed = 0u64;
                for (_, n) in nodes.live() {
                    if let Node::Shard(s) = n {
                        handed += s.handed;
                    }
                }
                handed as f64
            }
            13 if !g.started => committed(nodes).map_or(0.0, |t| key_imbalance(&t, universe(self, g).iter().copied())),
            13 => g.key_imbalance,
            15 => g.max_imbalance,
            18 => router.map_or(0.0, |r| r.durable.failed.len() as f64),
            19 => router.map_or(0.0, |r| r.durable.splits as f64),
            20 => g.finds.0 as f64,
            21 => ratio(g.finds),
            22 => ratio(g.writes),
            23 => g.last_found as f64,
            // imbalance, p99_ms, scan_p99_ms, find_p99_ms: the last sample.
            _ => metric(name)?,
        })
    }
}

/// Largest member's primary keys over the mean, for `keys` under `t`.
pub fn key_imbalance(t: &Table, keys: impl Iterator<Item = u32>) -> f64 {
    if t.is_empty() {
        return 0.0;
    }
    let mut count = vec![0u64; t.len() as usize];
    let mut total = 0u64;
    for k in keys {
        count[t.primary_index(k) as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    *count.iter().max().unwrap_or(&0) as f64 / (total as f64 / count.len() as f64)
}
