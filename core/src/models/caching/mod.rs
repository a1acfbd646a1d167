//! # Caching: eviction policies on real workloads, write policies and what each loses in a
//! crash, stampedes and their cures
//!
//! A cache keeps a small, fast copy of a slow store's hottest data. Two questions decide
//! whether it helps: *what to keep* when it is full (the eviction policy), and *how it stays
//! in step with the store* when data changes (the write policy). This lab answers both with
//! measurements, and adds the failure modes that hurt in production: stampedes when a hot key
//! expires, stale values left by racing fills, writes acknowledged and then lost, and the cold
//! start after a cache node dies.
//!
//! ## Eviction ([`policy`])
//! FIFO, LRU, LFU with dynamic aging, CLOCK, random, segmented LRU, ARC and W-TinyLFU, each a
//! small pure module; Belady's OPT, which sees the future, bounds them all. Which is best
//! depends on the workload ([`workload`]): Zipf traffic rewards frequency; a loop one key
//! larger than the cache defeats LRU and FIFO completely (random does better); one-off scans
//! flush recency-only caches while SLRU, ARC and W-TinyLFU shrug them off. The hit-ratio
//! curves ([`curves`]) replay the workload through every policy at eight sizes, a slice per
//! metric sample so the page never stalls.
//!
//! ## The service
//! Clients (tier 0) send requests to cache nodes (tier 1) chosen on a consistent-hash ring;
//! the database (tier 2) is slow and has a few workers. Write policies (`mode`):
//!
//! - *cache-aside*: the client asks the cache; on a miss it reads the database and sets the
//!   cache itself. A write goes to the database, then deletes the cached copy. Between a slow
//!   reader's database read and its set, a writer can update and delete: the reader's set then
//!   parks an old value in the cache indefinitely (the *stale-set race*). Leases (Nishtala et
//!   al., "Scaling Memcache at Facebook", NSDI 2013) cure it: a miss hands out a token, a delete
//!   voids it, and a set with a void token is refused. Leases also tame stampedes: while one
//!   client holds the token, others are told to wait a moment and retry.
//! - *read-through*: the cache itself fetches misses; writes as in cache-aside.
//! - *write-through*: writes go through the cache, which writes the database and only then
//!   updates itself and acknowledges. The checked promise: no read issued after a write was
//!   acknowledged returns an older value. To keep it, the cache refuses to store a fetch that
//!   a write overtook, and a client never uses a substitute node for a key whose owner it
//!   thinks is down (a substitute may hold an old copy): it fails the request instead.
//! - *write-behind*: the cache acknowledges at once and flushes dirty entries every
//!   `flush_ms`. Fast, but a crash before the flush loses acknowledged writes; the lab counts
//!   each one (a metric, not a violation: the mode never promised durability).
//! - *write-around*: writes go to the database only and leave the cache alone; cached copies
//!   stay stale until their TTL runs out.
//!
//! ## Stampedes
//! When a hot key expires, every request for it misses at once and each one goes to the
//! database: a *stampede* (thundering herd). The lab measures the herd as the most reads of one
//! key in the database at once. Cures (`cure`): *single flight* (one fetch per key, the others
//! wait for it: at the cache in read-through modes, per client in cache-aside); *XFetch*
//! (Vattani, Chierichetti and Lowenstein, VLDB 2015: each hit recomputes early with a
//! probability that rises as expiry nears, scaled by how long a fetch takes, so one request
//! refreshes the key before it expires; a refresh-ahead); and *leases* (above).
//!
//! ## Distributed
//! Keys map to cache nodes on a consistent-hash ring (32 virtual nodes each). When a node
//! stops answering, clients time out, mark it down for `down_ms` and send its keys to the next
//! node clockwise, which has never seen them: they go cold, and the database takes the load
//! until the survivors warm up. A restarted node comes back empty.
//!
//! ## Invariants and metrics
//! Checked after every event: a cache never holds more than its capacity (and its policy
//! agrees with its contents), and in write-through mode reads after acknowledged writes are
//! never older. Stale reads, write-behind losses, database load, the herd, latency p50/p99 and
//! the hit ratio are metrics. Two teaching mutations break the invariants on purpose:
//! `bug_no_evict` and `bug_blind_fill`.

pub mod cache;
pub mod client;
pub mod curves;
pub mod db;
pub mod invariants;
pub mod msg;
pub mod policy;
pub mod view;
pub mod workload;

use crate::model::{Ctx, Happened, Loss, Model, Nodes};
use crate::rng::Rng;
use crate::time::{Time, MS};
use crate::view::{params_from, check_param, CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, ParamSpec, QueryInfo, Value, Violation};
use crate::NodeId;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

pub use cache::Cache;
pub use client::{Client, ClientDurable};
pub use db::Db;
pub use invariants::Ghost;
pub use msg::{Cmd, Msg, Stamp, Timer};
pub use policy::{Key, Kind, KINDS};
pub use workload::{Shape, Spec};

/// Most clients.
pub const CLIENTS_MAX: u32 = 8;
/// Most cache nodes.
pub const CACHES_MAX: u32 = 8;
/// Virtual nodes per cache on the ring.
pub const VNODES: u32 = 32;

/// Write policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Client fills on a miss, writes invalidate.
    CacheAside,
    /// Cache fills on a miss, writes invalidate.
    ReadThrough,
    /// Writes go through the cache to the database, synchronously.
    WriteThrough,
    /// Writes are acknowledged by the cache and flushed later.
    WriteBehind,
    /// Writes go to the database only.
    WriteAround,
}

/// Setting names of the write policies.
pub const MODE_NAMES: &[&str] = &["cache_aside", "read_through", "write_through", "write_behind", "write_around"];
const MODES: [Mode; 5] = [Mode::CacheAside, Mode::ReadThrough, Mode::WriteThrough, Mode::WriteBehind, Mode::WriteAround];

/// Stampede cures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cure {
    /// Nothing.
    None,
    /// One fetch per key at a time.
    SingleFlight,
    /// Probabilistic early recomputation.
    XFetch,
    /// Leases (memcache).
    Leases,
}

/// Setting names of the cures.
pub const CURE_NAMES: &[&str] = &["none", "single_flight", "xfetch", "leases"];
const CURES: [Cure; 4] = [Cure::None, Cure::SingleFlight, Cure::XFetch, Cure::Leases];

/// Where a key sits on the ring.
pub fn key_hash(k: Key) -> u32 {
    let mut x = (k as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((x ^ (x >> 31)) >> 32) as u32
}

/// The ring: sorted (point, cache index).
pub fn build_ring(caches: u32) -> Vec<(u32, u32)> {
    // Sorted as (u64, u32) pairs, the same order: that sort is already in the page (the load
    // balancer's ring), a sort of (u32, u32) pairs would be one more copy.
    let mut ring: Vec<(u64, u32)> = Vec::new();
    for c in 0..caches {
        for v in 0..VNODES {
            ring.push((key_hash(0x4000_0000 ^ (c << 16) ^ v) as u64, c));
        }
    }
    ring.sort_unstable();
    ring.into_iter().map(|(h, c)| (h as u32, c)).collect()
}

/// The caching model's configuration.
#[derive(Clone, Debug)]
pub struct CachingModel {
    /// Clients.
    pub clients: u32,
    /// Cache nodes.
    pub caches: u32,
    /// Keys per cache node.
    pub capacity: u32,
    /// Eviction policy.
    pub policy: Kind,
    /// Workload shape.
    pub shape: Shape,
    /// Distinct keys.
    pub keys: u32,
    /// Zipf skew.
    pub alpha: f64,
    /// Share of one-off keys (scan).
    pub scan_share: f64,
    /// Requests per second, all clients together.
    pub rate: f64,
    /// Share of writes.
    pub write_share: f64,
    /// Write policy.
    pub mode: Mode,
    /// Time to live, ms (0 = forever).
    pub ttl_ms: f64,
    /// Stampede cure.
    pub cure: Cure,
    /// XFetch's β (> 1 refreshes earlier).
    pub xfetch_beta: f64,
    /// Database service time per operation, ms.
    pub db_ms: f64,
    /// Database workers.
    pub db_workers: u32,
    /// Write-behind flush interval, ms.
    pub flush_ms: f64,
    /// Client request timeout, ms.
    pub timeout_ms: f64,
    /// How long a client avoids a cache that timed out, ms.
    pub down_ms: f64,
    /// Retry delay while another client holds a lease, ms.
    pub lease_wait_ms: f64,
    /// Requests in the hit-ratio curves.
    pub curve_requests: u32,
    /// No hit-ratio curves: set for a model-checker search ([`Model::exploring`]). Not a
    /// setting, so a counterexample exported as a scenario runs with the curves on.
    pub no_curves: bool,
    /// Teaching mutation: forget to remove the policy's victim (capacity breaks).
    pub bug_no_evict: bool,
    /// Teaching mutation: store every fetched value, even one a write overtook.
    pub bug_blind_fill: bool,
    /// The ring (derived from `caches`).
    pub ring: Rc<Vec<(u32, u32)>>,
}

impl Default for CachingModel {
    fn default() -> Self {
        CachingModel {
            clients: 3,
            caches: 3,
            capacity: 50,
            policy: Kind::Lru,
            shape: Shape::Zipf,
            keys: 1_000,
            alpha: 0.9,
            scan_share: 0.3,
            rate: 600.0,
            write_share: 0.05,
            mode: Mode::CacheAside,
            ttl_ms: 0.0,
            cure: Cure::None,
            xfetch_beta: 1.0,
            db_ms: 10.0,
            db_workers: 8,
            flush_ms: 1_000.0,
            timeout_ms: 1_000.0,
            down_ms: 3_000.0,
            lease_wait_ms: 10.0,
            curve_requests: 20_000,
            no_curves: false,
            bug_no_evict: false,
            bug_blind_fill: false,
            ring: Rc::new(build_ring(3)),
        }
    }
}

/// Invariant: capacity.
pub const CAPACITY: &str = "Capacity";
/// Invariant: read your acknowledged writes (write-through).
pub const RYW: &str = "Write-through: no read older than an acknowledged write";

/// Metrics, in the order `sample` writes them.
pub const METRICS: [MetricInfo; 8] = [
    MetricInfo { name: "hit_ratio", label: "Hit ratio", unit: "" },
    MetricInfo { name: "db_reads", label: "Database reads per second", unit: "/s" },
    MetricInfo { name: "db_queue", label: "Database operations in progress", unit: "" },
    MetricInfo { name: "herd", label: "Stampede: most reads of one key in the database at once", unit: "" },
    MetricInfo { name: "p50_ms", label: "Latency p50", unit: "ms" },
    MetricInfo { name: "p99_ms", label: "Latency p99", unit: "ms" },
    MetricInfo { name: "stale_reads", label: "Stale reads per second", unit: "/s" },
    MetricInfo { name: "lost_writes", label: "Acknowledged writes lost (total)", unit: "" },
];

/// Static description.
pub static INFO: ModelInfo = ModelInfo {
    name: "caching",
    title: "Caching",
    pitch: "Eviction policies on real workloads, write policies and what each loses in a crash, stampedes and their cures.",
    invariants: &[
        InvariantInfo { name: CAPACITY, source: "any cache", summary: "A cache never holds more keys than its capacity, and its policy tracks exactly the keys it holds." },
        InvariantInfo { name: RYW, source: "write-through's contract", summary: "In write-through mode, a read issued after a write was acknowledged never returns an older value." },
    ],
    metrics: &METRICS,
    queries: &[
        QueryInfo { name: "requests", summary: "Requests finished (reads and writes)." },
        QueryInfo { name: "reads", summary: "Reads finished." },
        QueryInfo { name: "hits", summary: "Reads answered from a cache." },
        QueryInfo { name: "hit_ratio", summary: "Hits over reads, since the start." },
        QueryInfo { name: "failed", summary: "Requests that failed or timed out." },
        QueryInfo { name: "stale_reads", summary: "Reads older than a write acknowledged before they were issued." },
        QueryInfo { name: "acked_writes", summary: "Writes acknowledged." },
        QueryInfo { name: "lost_writes", summary: "Acknowledged writes lost (write-behind crash or a lost flush)." },
        QueryInfo { name: "db_reads", summary: "Reads that reached the database." },
        QueryInfo { name: "herd_peak", summary: "Most reads of one key in the database at once, ever." },
        QueryInfo { name: "evictions", summary: "Keys evicted by all caches." },
        QueryInfo { name: "rejected_sets", summary: "Sets refused because their lease was void." },
        QueryInfo { name: "capacity_peak", summary: "Most keys any one cache ever held." },
        QueryInfo { name: "curve_done", summary: "1 once the hit-ratio curves are complete." },
        QueryInfo { name: "auc_lru", summary: "Mean hit ratio of lru over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_fifo", summary: "Mean hit ratio of fifo over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_lfu", summary: "Mean hit ratio of lfu over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_clock", summary: "Mean hit ratio of clock over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_random", summary: "Mean hit ratio of random over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_slru", summary: "Mean hit ratio of slru over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_arc", summary: "Mean hit ratio of arc over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_tinylfu", summary: "Mean hit ratio of tinylfu over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_opt", summary: "Mean hit ratio of OPT over the eight curve sizes; 0 until the curves are complete." },
        QueryInfo { name: "auc_arc_minus_lru", summary: "auc_arc − auc_lru (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_arc_minus_opt", summary: "auc_arc − auc_opt (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_lru_minus_tinylfu", summary: "auc_lru − auc_tinylfu (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_tinylfu_minus_lru", summary: "auc_tinylfu − auc_lru (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_lru_minus_lfu", summary: "auc_lru − auc_lfu (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_lfu_minus_lru", summary: "auc_lfu − auc_lru (any pair of policies works the same way); 0 until the curves are complete." },
        QueryInfo { name: "auc_random_minus_lru", summary: "auc_random − auc_lru (any pair of policies works the same way); 0 until the curves are complete." },
    ],
    commands: &[
        CommandInfo { name: "read", arg: "key", summary: "A client reads a key now." },
        CommandInfo { name: "write", arg: "key", summary: "A client writes a key now." },
        CommandInfo { name: "trace", arg: "keys, one per line", summary: "A client replays this trace (at most 100,000 keys) instead of the workload." },
        CommandInfo { name: "flush", arg: "", summary: "A cache writes its dirty entries to the database now (write-behind)." },
    ],
    layout: Layout::Tiers,
    node_noun: "node",
};

impl CachingModel {
    /// The workload spec.
    pub fn spec(&self) -> Spec {
        Spec { shape: self.shape, keys: self.keys, alpha: self.alpha, scan_share: self.scan_share }
    }
    /// Node id of cache `i`.
    pub fn cache_id(&self, i: u32) -> NodeId {
        self.clients + i
    }
    /// Cache index of node `id`.
    pub fn cache_index(&self, id: NodeId) -> u32 {
        id.saturating_sub(self.clients)
    }
    /// Whether `id` is a cache.
    pub fn is_cache(&self, id: NodeId) -> bool {
        id >= self.clients && id < self.clients + self.caches
    }
    /// The database's node id.
    pub fn db_id(&self) -> NodeId {
        self.clients + self.caches
    }
    /// Gap to a client's next arrival.
    pub fn arrival_gap(&self, rng: &mut Rng) -> Time {
        if self.rate <= 0.0 {
            return 100 * MS;
        }
        let mean_us = self.clients as f64 * 1e6 / self.rate;
        (rng.exp(mean_us) as Time).max(1)
    }
    /// Request timeout.
    pub fn timeout(&self) -> Time {
        ((self.timeout_ms * MS as f64) as Time).max(MS)
    }
    /// TTL.
    pub fn ttl(&self) -> Time {
        ((self.ttl_ms * MS as f64) as Time).max(1)
    }
    /// Flush interval.
    pub fn flush(&self) -> Time {
        ((self.flush_ms * MS as f64) as Time).max(MS)
    }
    /// Lease retry delay.
    pub fn lease_wait(&self) -> Time {
        ((self.lease_wait_ms * MS as f64) as Time).max(100)
    }
    /// Database service time.
    pub fn db_service(&self) -> Time {
        ((self.db_ms * MS as f64) as Time).max(1)
    }
    /// A node's name.
    pub fn label(&self, id: NodeId) -> String {
        if id < self.clients {
            format!("C{}", id + 1)
        } else if self.is_cache(id) {
            format!("K{}", self.cache_index(id) + 1)
        } else {
            "DB".into()
        }
    }
    /// The metric interval in seconds.
    pub fn metric_interval_s(&self) -> f64 {
        0.1
    }
    /// A fingerprint of what the hit-ratio curves depend on.
    pub fn curve_fingerprint(&self, seed: u64, trace_fp: u64) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for x in [self.shape as u64, self.keys as u64, self.alpha.to_bits(), self.scan_share.to_bits(), self.curve_requests as u64, seed, trace_fp] {
            h = (h ^ x).wrapping_mul(0x0100_0000_01b3);
        }
        h
    }
}

/// A node.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// A client.
    Client(Client),
    /// A cache node.
    Cache(alloc::boxed::Box<Cache>),
    /// The database.
    Db(Db),
}

/// What survives a crash.
#[derive(Clone, Debug)]
pub enum Durable {
    /// A client's ids.
    Client(ClientDurable),
    /// Caches keep nothing.
    Cache,
    /// The database keeps its data.
    Db(crate::persist::PMap<Key, Stamp>),
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Num(n) => *n,
        _ => 0.0,
    }
}

/// The settings in menu order: key, label, help, type and range, and whether they may change
/// while a run goes on ([`Model::params`] adds each one's current value). A table, not a
/// `Param` built field by field in code for each of them.
static PARAMS: [ParamSpec; 23] = [
    ("policy", "Eviction policy", "What a full cache evicts to make room.", ParamKind::Choice(policy::KIND_NAMES), true),
    ("capacity", "Capacity (keys per cache)", "Keys each cache node can hold.", ParamKind::Int { min: 1, max: 10_000 }, true),
    ("workload", "Workload", "zipf, uniform, loop (all keys in order, again and again), scan (zipf plus one-off keys), recency (fresh keys asked again soon, then forgotten), trace (a client's uploaded trace).", ParamKind::Choice(workload::SHAPE_NAMES), true),
    ("keys", "Distinct keys", "Keys the workload draws from (the loop length for loop).", ParamKind::Int { min: 1, max: 100_000 }, true),
    ("alpha", "Zipf skew α", "Higher means a few keys take most requests.", ParamKind::Float { min: 0.0, max: 3.0 }, true),
    ("scan_share", "Scan share", "Share of one-off keys in the scan workload.", ParamKind::Float { min: 0.0, max: 1.0 }, true),
    ("rate", "Request rate (req/s)", "Requests per second from all clients together.", ParamKind::Float { min: 0.0, max: 20_000.0 }, true),
    ("write_share", "Write share", "Share of requests that are writes.", ParamKind::Float { min: 0.0, max: 1.0 }, true),
    ("mode", "Write policy", "cache_aside, read_through, write_through, write_behind or write_around.", ParamKind::Choice(MODE_NAMES), true),
    ("ttl_ms", "TTL (ms)", "How long a cached value lives (0 = until evicted).", ParamKind::Float { min: 0.0, max: 600_000.0 }, true),
    ("cure", "Stampede cure", "none, single_flight, xfetch (early refresh) or leases.", ParamKind::Choice(CURE_NAMES), true),
    ("xfetch_beta", "XFetch β", "Above 1 refreshes earlier, below 1 later.", ParamKind::Float { min: 0.0, max: 10.0 }, true),
    ("db_ms", "Database time (ms)", "Service time of one database operation.", ParamKind::Float { min: 0.01, max: 1_000.0 }, true),
    ("db_workers", "Database workers", "Operations the database serves at once.", ParamKind::Int { min: 1, max: 64 }, true),
    ("flush_ms", "Flush interval (ms)", "How often a write-behind cache writes its dirty entries.", ParamKind::Float { min: 1.0, max: 600_000.0 }, true),
    ("timeout_ms", "Timeout (ms)", "How long a client waits for an answer.", ParamKind::Float { min: 1.0, max: 60_000.0 }, true),
    ("down_ms", "Avoid a dead cache for (ms)", "After a timeout, how long a client routes around that cache.", ParamKind::Float { min: 0.0, max: 600_000.0 }, true),
    ("lease_wait_ms", "Lease retry (ms)", "How long a client waits before asking again while another holds the lease.", ParamKind::Float { min: 0.1, max: 10_000.0 }, true),
    ("clients", "Clients", "Client nodes.", ParamKind::Int { min: 1, max: CLIENTS_MAX as i64 }, false),
    ("caches", "Cache nodes", "Cache nodes on the hash ring.", ParamKind::Int { min: 1, max: CACHES_MAX as i64 }, false),
    ("curve_requests", "Curve requests", "Requests replayed for the hit-ratio curves.", ParamKind::Int { min: 1_000, max: 1_000_000 }, true),
    ("bug_no_evict", "Bug: no eviction", "Teaching mutation: the cache forgets to drop the policy's victim.", ParamKind::Bool, true),
    ("bug_blind_fill", "Bug: blind fill", "Teaching mutation: store fetched values even when a write overtook them.", ParamKind::Bool, true),
];

impl Model for CachingModel {
    type Node = Node;
    type Durable = Durable;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = Cmd;
    type Ghost = Ghost;

    /// The hit-ratio curves replay the workload against every policy: chart work the checker
    /// has no use for (no invariant or goal reads them).
    fn exploring(&mut self) {
        self.no_curves = true;
    }

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        let n = Value::Num;
        let t = |s: &str| Value::Text(s.into());
        let b = Value::Bool;
        let mode = MODE_NAMES[MODES.iter().position(|m| *m == self.mode).unwrap_or(0)];
        let cure = CURE_NAMES[CURES.iter().position(|m| *m == self.cure).unwrap_or(0)];
        let values = [
            t(self.policy.name()),
            n(self.capacity as f64),
            t(self.shape.name()),
            n(self.keys as f64),
            n(self.alpha),
            n(self.scan_share),
            n(self.rate),
            n(self.write_share),
            t(mode),
            n(self.ttl_ms),
            t(cure),
            n(self.xfetch_beta),
            n(self.db_ms),
            n(self.db_workers as f64),
            n(self.flush_ms),
            n(self.timeout_ms),
            n(self.down_ms),
            n(self.lease_wait_ms),
            n(self.clients as f64),
            n(self.caches as f64),
            n(self.curve_requests as f64),
            b(self.bug_no_evict),
            b(self.bug_blind_fill),
        ];
        params_from(&PARAMS, values)
    }

    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        check_param(&PARAMS, key, value)?;
        let text = match value {
            Value::Text(t) => t.as_str(),
            _ => "",
        };
        let flag = matches!(value, Value::Bool(true));
        let x = num(value);
        // A choice's index in its list of names (check_param has checked it is one of them).
        let at = |names: &[&str]| names.iter().position(|n| *n == text).unwrap_or(0);
        // The setting's row in PARAMS (check_param found it): a jump on a number, not a string
        // comparison per setting.
        match PARAMS.iter().position(|p| p.0 == key).unwrap_or(usize::MAX) {
            0 => self.policy = policy::KINDS[at(policy::KIND_NAMES)],
            1 => self.capacity = x as u32,
            2 => self.shape = workload::SHAPES[at(workload::SHAPE_NAMES)],
            3 => self.keys = x as u32,
            4 => self.alpha = x,
            5 => self.scan_share = x,
            6 => self.rate = x,
            7 => self.write_share = x,
            8 => self.mode = MODES[at(MODE_NAMES)],
            9 => self.ttl_ms = x,
            10 => self.cure = CURES[at(CURE_NAMES)],
            11 => self.xfetch_beta = x,
            12 => self.db_ms = x,
            13 => self.db_workers = x as u32,
            14 => self.flush_ms = x,
            15 => self.timeout_ms = x,
            16 => self.down_ms = x,
            17 => self.lease_wait_ms = x,
            18 => self.clients = x as u32,
            19 => {
                self.caches = x as u32;
                self.ring = Rc::new(build_ring(self.caches));
            }
            20 => self.curve_requests = x as u32,
            21 => self.bug_no_evict = flag,
            22 => self.bug_blind_fill = flag,
            _ => {}
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.clients + self.caches + 1
    }

    fn max_nodes(&self) -> u32 {
        self.initial_nodes()
    }

    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        if id < self.clients {
            let d = ClientDurable { next_req: 0, last_stamp: 0, gen: workload::Gen::new(self.spec(), None).scan_range(id) };
            Node::Client(Client::start(self, id, d, ctx))
        } else if self.is_cache(id) {
            Node::Cache(alloc::boxed::Box::new(Cache::start(self, ctx)))
        } else {
            Node::Db(Db::start(self, crate::persist::PMap::new()))
        }
    }

    fn durable(&self, node: &Node) -> Durable {
        match node {
            Node::Client(c) => Durable::Client(ClientDurable { next_req: c.next_req, last_stamp: c.last_stamp, gen: c.gen.clone() }),
            Node::Cache(_) => Durable::Cache,
            Node::Db(d) => Durable::Db(d.data.clone()),
        }
    }

    fn restart(&self, id: NodeId, durable: Durable, ctx: &mut Ctx<Self>) -> Node {
        match durable {
            Durable::Client(d) => Node::Client(Client::start(self, id, d, ctx)),
            Durable::Cache => Node::Cache(alloc::boxed::Box::new(Cache::start(self, ctx))),
            Durable::Db(data) => Node::Db(Db::start(self, data)),
        }
    }

    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match node {
            Node::Client(c) => c.on_message(self, from, msg, ctx),
            Node::Cache(c) => c.on_message(self, from, msg, ctx),
            Node::Db(d) => d.on_message(self, from, msg, ctx),
        }
    }

    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        match node {
            Node::Client(c) => c.on_timer(self, timer, ctx),
            Node::Cache(c) => c.on_timer(self, timer, ctx),
            Node::Db(d) => d.on_timer(self, timer, ctx),
        }
    }

    fn parse_command(&self, name: &str, arg: &str) -> Result<Cmd, String> {
        let key = |arg: &str| -> Result<Key, String> {
            match arg.trim().parse::<u32>() {
                Ok(k) if k < workload::SCAN_BASE => Ok(k),
                _ => Err(format!("{name} needs a key: a whole number below {}, got \"{}\"", workload::SCAN_BASE, arg.trim())),
            }
        };
        match name {
            "read" => Ok(Cmd::Read(key(arg)?)),
            "write" => Ok(Cmd::Write(key(arg)?)),
            "trace" => workload::parse_trace(arg).map(|t| Cmd::Trace(Rc::from(t))),
            "flush" => Ok(Cmd::Flush),
            other => Err(format!("unknown command \"{other}\" (known: read, write, trace, flush)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: Cmd, ctx: &mut Ctx<Self>) {
        match node {
            Node::Client(c) => c.on_command(self, cmd, ctx),
            Node::Cache(c) => {
                if cmd == Cmd::Flush {
                    c.flush(self, ctx);
                }
            }
            Node::Db(_) => {}
        }
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Arrive => "arrival",
            Timer::Timeout(_) => "request timeout",
            Timer::Retry(_) => "lease retry",
            Timer::Fill(_) => "fetch timeout",
            Timer::Write(_) => "write timeout",
            Timer::Flush => "flush",
            Timer::Done(_) => "database done",
        }
    }

    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        invariants::observe(self, nodes, ghost, what, out);
    }

    fn on_lost(&self, ghost: &mut Ghost, msg: &Msg, _why: Loss) {
        // A flush lost on the wire is acknowledged writes that never reach the database.
        if let Msg::Flush(batch) = msg {
            ghost.lost += batch.len() as u64;
        }
    }

    fn metric_interval(&self) -> Time {
        100 * MS
    }

    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        invariants::sample(self, nodes, ghost, out);
    }

    fn query(&self, nodes: &Nodes<Self>, ghost: &Ghost, name: &str) -> Option<f64> {
        invariants::query(self, nodes, ghost, name)
    }

    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, now: Time) -> NodeView {
        view::node_view(self, id, node, durable, now)
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    fn figures(&self, nodes: &Nodes<Self>, ghost: &Ghost) -> Vec<crate::figure::Figure> {
        view::figures(self, nodes, ghost)
    }

    fn snapshot_bytes(&self, node: &Node) -> usize {
        // Bounded per node: a cache's entries and policy (about 100 bytes a key), a client's
        // open requests, the database's queue. The database's data is a shared PMap.
        core::mem::size_of::<Node>()
            + match node {
                Node::Client(c) => c.ops.len() * 96,
                Node::Cache(c) => c.entries.len() * 128 + c.fills.len() * 96,
                Node::Db(d) => d.ops.len() * 64 + d.key_reads.len() * 24,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `set_param` picks the field by the setting's row in `PARAMS`: every setting, set to a
    /// value other than its default, reads back as that value and changes no other setting.
    #[test]
    fn every_setting_sets_its_own_field() {
        for spec in PARAMS.iter() {
            let mut m = CachingModel::default();
            let before = m.params();
            let value = match spec.3 {
                ParamKind::Int { min, .. } => Value::Num(min as f64 + 1.0),
                ParamKind::Float { max, .. } => Value::Num(max),
                ParamKind::Bool => Value::Bool(true),
                ParamKind::Choice(names) => Value::Text(names[names.len() - 1].into()),
            };
            m.set_param(spec.0, &value).expect("a valid value");
            for (a, b) in before.iter().zip(m.params()) {
                if a.key == spec.0 {
                    assert_eq!(b.value, value, "{}", spec.0);
                } else {
                    assert_eq!(a.value, b.value, "setting {} changed {}", spec.0, a.key);
                }
            }
        }
        assert!(CachingModel::default().set_param("nope", &Value::Num(1.0)).is_err());
    }

    /// `invariants::query` answers by the query's row in `INFO.queries`.
    #[test]
    fn query_rows_in_the_order_query_answers_them() {
        let names: Vec<&str> = INFO.queries.iter().take(14).map(|q| q.name).collect();
        assert_eq!(
            names,
            ["requests", "reads", "hits", "hit_ratio", "failed", "stale_reads", "acked_writes", "lost_writes", "db_reads", "herd_peak", "evictions", "rejected_sets", "capacity_peak", "curve_done"]
        );
        assert!(INFO.queries.iter().skip(14).all(|q| q.name.starts_with("auc_")));
    }
}
