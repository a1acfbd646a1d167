//! # Sharding: every way to map keys to shards, with data that really moves
//!
//! One machine cannot hold every key or serve every request, so the key space is split across
//! shards. Two questions decide everything: *which shard owns a key* (the strategy), and *what
//! happens when the set of shards changes* (rebalancing). A good strategy spreads keys and load
//! evenly and, when a shard joins or leaves, moves only the keys that must move: about
//! 1 / (n + 1) of them when an (n + 1)-th shard joins. A good rebalancing protocol moves them
//! while clients keep reading and writing, and never loses a write it has acknowledged.
//!
//! ## Strategies (each a small pure module, public API of the crate)
//! - [`modulo`]: `hash mod n`. Even, trivial, and moves about n / (n + 1) of all keys on any change.
//! - [`range`]: contiguous key ranges (Bigtable tablets), split and merged; scans stay local,
//!   monotonic keys make the last range hot.
//! - [`ring`]: the consistent-hash ring of Karger et al. with virtual nodes and weights; replicas
//!   on the next distinct nodes clockwise (Dynamo's preference list).
//! - [`jump`]: jump consistent hash (Lamping and Veach 2014): no table, minimal movement, but only
//!   the last bucket can go.
//! - [`rendezvous`]: highest random weight (Thaler and Ravishankar 1996), weighted.
//! - [`maglev`]: Maglev's permutation-filled lookup table (Eisenbud et al., NSDI 2016).
//!
//! ## The actors
//! - **The router** (node 0, a config service): owns the authoritative routing table with an
//!   epoch, turns joins, leaves, failures, splits and setting changes into reconfigurations, and
//!   drives each one through *prepare* and *commit*.
//! - **Clients** cache a table and send each operation straight to the owner. A shard that
//!   knows a newer table answers with it (a redirect); a client with a stale table refreshes
//!   from the redirect and retries. Workloads: uniform, Zipf with skew α, one hot key,
//!   monotonically increasing keys, and range scans (scatter-gather).
//! - **Shards** hold keys (a persistent map, key → version) with replication factor R: the
//!   primary applies a write, replicates it to the R − 1 backups and only then acknowledges.
//!   A shard serves one operation at a time from a queue, so a hot shard shows as latency.
//!
//! ## Moving data safely (the handoff)
//! On *prepare(e + 1)* every shard works out which of its keys change owners. The designated
//! sender (the first surviving old owner) streams each such key to its new owners in throttled
//! batches while still serving it; a key written meanwhile is marked dirty and sent again.
//! When nothing is dirty and every batch is acknowledged, the shard *freezes* its moving keys
//! (operations on them are told to retry) and reports ready. When every shard is ready, the
//! router *commits*: shards adopt the new table and drop keys they no longer own; clients learn
//! it from the router or from redirects. The freeze is what makes it safe: without it a write
//! acknowledged by the old owner after its last batch would vanish at the commit.
//! A shard whose disk failed and that rejoins counts as empty until the table that takes it
//! back commits: its keys are sent to it like any new owner's, including those it owned before
//! it failed (otherwise it would come back as their owner holding nothing, and serve version 0).
//!
//! ## Secondary indexes (see [`index`])
//! Finding keys by an attribute (their *tag*) rather than by id: a *local* index (each shard
//! indexes its own keys; a query is scattered to every shard) or a *global* one (a tag's
//! entries live on one shard; a query asks that shard, but a write now updates two shards).
//!
//! ## Invariants (checked after every event; see `invariants.rs`)
//! - Every key has exactly R distinct owners, one primary, all members, in every committed table.
//! - An acknowledged write stays readable: a read never returns an older version than one
//!   already acknowledged, and no shard drops the last copy of it.
//! - A consistent strategy moves only keys that must move (to a joining shard, or away from a
//!   leaving one). Modulo's near-total reshuffle is a metric, not a violation.
//! - With a global index, a query by tag sees every write acknowledged before it was served.

pub mod hash;
pub mod index;
pub mod jump;
pub mod maglev;
pub mod modulo;
pub mod range;
pub mod rendezvous;
pub mod ring;
pub mod table;

pub mod client;
pub mod invariants;
pub mod router;
pub mod shard;
pub mod view;

use crate::model::{Ctx, Happened, Model, Nodes};
use crate::time::{Time, MS};
use crate::view::{params_from, check_param, CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, ParamSpec, QueryInfo, Value, Violation};
use crate::NodeId;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

pub use client::Client;
pub use index::{Index, INDEX_NAMES};
pub use invariants::Ghost;
pub use router::Router;
pub use shard::Shard;
pub use table::{Owners, Strategy, Table, STRATEGY_NAMES};

/// Most shards.
pub const SHARDS_MAX: u32 = 32;
/// Most spare shards.
pub const SPARES_MAX: u32 = 8;
/// Most clients.
pub const CLIENTS_MAX: u32 = 4;
/// Most keys preloaded.
pub const KEYS_MAX: u32 = 100_000;

/// Client workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Every key equally likely.
    Uniform,
    /// Zipf over key ranks with skew α: key 0 is the most popular.
    Zipf,
    /// A share of all operations hits one key.
    HotKey,
    /// Writes insert ever-increasing new keys (timestamps, auto-increment ids).
    Monotonic,
    /// Reads are range scans of `scan_len` keys.
    Scan,
}

/// Workload names.
pub const WORKLOAD_NAMES: &[&str] = &["uniform", "zipf", "hot_key", "monotonic", "scan"];
const WORKLOADS: [Workload; 5] = [Workload::Uniform, Workload::Zipf, Workload::HotKey, Workload::Monotonic, Workload::Scan];

/// Teaching mutations: each breaks one rule so that an invariant catches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// The protocol as described.
    None,
    /// Sources do not freeze moving keys before reporting ready.
    NoFreeze,
    /// Primaries acknowledge a write before the backups have it.
    AckEarly,
    /// Ring tokens depend on the member count, so any change reshuffles every key.
    Reseed,
    /// With a global index, a write is acknowledged before its index entry is written.
    IndexAsync,
}

/// Mutation names.
pub const MUTATION_NAMES: &[&str] = &["none", "no_freeze", "ack_early", "reseed", "index_async"];
const MUTATIONS: [Mutation; 5] = [Mutation::None, Mutation::NoFreeze, Mutation::AckEarly, Mutation::Reseed, Mutation::IndexAsync];

/// An operation a client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Read one key.
    Read(u32),
    /// Write one key.
    Write(u32),
    /// Count keys in `lo..hi` (one part of a scatter-gather scan).
    Scan(u32, u32),
    /// Count keys with this tag, by the secondary index (one part, with a local index).
    Find(u32),
    /// Write an index entry: its version becomes at least this one (idempotent).
    Put(u32, u64),
}

/// One operation as it travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    /// Issuing client.
    pub client: NodeId,
    /// Client's operation id.
    pub id: u64,
    /// What.
    pub kind: OpKind,
    /// Epoch of the client's table when it sent it.
    pub epoch: u64,
}

/// How a shard answers an operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done: the version read or written (0 = no such key), or the keys counted by a scan.
    Ok(u64),
    /// Not mine: here is my (newer) table.
    Redirect(Rc<Table>),
    /// Try again soon: the key is moving, or my table is older than yours, or my queue is full.
    Retry,
}

/// Messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → shard.
    Op(Op),
    /// Shard → client.
    Reply(Op, Outcome),
    /// Primary → backup: apply this version.
    Replicate {
        /// Key.
        key: u32,
        /// Version.
        version: u64,
        /// The primary's write id, echoed.
        wid: u64,
    },
    /// Backup → primary.
    ReplicaAck {
        /// The primary's write id.
        wid: u64,
    },
    /// Router → shard: start moving keys for this table.
    Prepare {
        /// The committed table the move starts from.
        base: Rc<Table>,
        /// The next table.
        table: Rc<Table>,
        /// Shards whose data is gone.
        failed: Rc<Vec<NodeId>>,
    },
    /// Shard → router: my moving keys are handed off and frozen.
    Ready(u64),
    /// Router → shard or client: this table is now authoritative.
    Commit(Rc<Table>),
    /// Shard → router: I adopted the table of this epoch.
    Committed(u64),
    /// Shard → shard: a batch of keys (key, version) for the table of `epoch`.
    Handoff {
        /// Epoch of the table being prepared.
        epoch: u64,
        /// Batch number at the sender.
        batch: u32,
        /// Keys and versions.
        items: Rc<Vec<(u32, u64)>>,
    },
    /// Shard → shard: batch stored.
    HandoffAck {
        /// Epoch.
        epoch: u64,
        /// Batch number.
        batch: u32,
    },
    /// Client → router: send me the table.
    GetTable,
    /// Shard → router: join (with my weight), leave, or my data is gone.
    Member(MemberChange),
    /// Shard → router: load over the last report interval.
    Load {
        /// Operations served.
        ops: u32,
        /// Median key of recent operations (for load-based splits).
        median_key: u32,
        /// Largest key held.
        max_key: u32,
        /// Data keys held, and the middle one of them (for size-based splits; 0, 0 unless the
        /// range strategy splits automatically).
        size: (u32, u32),
    },
}

/// A membership request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Join with a weight.
    Join(u32),
    /// Leave gracefully (data handed off first).
    Leave,
    /// The shard's data is gone (disk lost); take it out without a handoff.
    Failed,
    /// New weight.
    Weight(u32),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Client: next operation.
    Arrive,
    /// Client: retries and timeouts; shard: handoff pacing; router: resends.
    Tick,
    /// Shard: the operation in service is done.
    Done,
    /// Shard: load report.
    Report,
}

/// Node commands.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    /// Shard: leave gracefully.
    Leave,
    /// Shard: join again (after leaving).
    Join,
    /// Shard: lose the disk (data gone) and tell the router.
    Fail,
    /// Shard: set weight.
    Weight(u32),
    /// Router: split the range holding this key there.
    Split(u32),
    /// Router: merge the range starting at this key into the one before.
    Merge(u32),
    /// Client: write this key once.
    Write(u32),
    /// Client: read this key once.
    Read(u32),
    /// Client: count the keys with this tag, through the secondary index.
    Find(u32),
}

/// What the observer should know about a handler's work (cleared at each handler). Plain data,
/// so a snapshot copies a node's list without clone code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Obs {
    /// A shard served a read of `key` at `version`.
    Served {
        /// Key.
        key: u32,
        /// Version returned.
        version: u64,
    },
    /// A shard dropped its copy of `key` (no longer owner, or data lost).
    Dropped {
        /// Key.
        key: u32,
        /// Version it held.
        version: u64,
    },
    /// A client got a write acknowledged.
    Acked {
        /// Key.
        key: u32,
        /// Version.
        version: u64,
    },
    /// A client finished an operation.
    Done {
        /// Latency, µs.
        latency: Time,
        /// A scatter-gather scan.
        scan: bool,
    },
    /// A client gave up on an operation.
    GaveUp,
    /// A client was redirected.
    Redirected,
    /// A shard served `n` operations (load accounting).
    Load(u32),
    /// A shard answered an index query for `tag` from a global index: `count` entries.
    Found {
        /// Tag.
        tag: u32,
        /// Entries counted.
        count: u64,
    },
    /// A client's write of `key` at `version` is acknowledged with its index entry (global).
    Indexed {
        /// Data key.
        key: u32,
        /// Version of the data write.
        version: u64,
    },
    /// A client finished an index query that asked `shards` shards.
    FindDone {
        /// Latency, µs.
        latency: Time,
        /// Shards asked.
        shards: u32,
        /// Keys counted.
        count: u64,
    },
    /// A client finished a write that touched `shards` shards (1, or 2 with a global index).
    WriteDone {
        /// Shards written.
        shards: u32,
    },
    /// The router committed a new table (the observer reads it from the router, and the one
    /// before from the ghost).
    NewTable,
}

/// The sharding model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Sharding {
    /// Shards at start.
    pub shards: u32,
    /// Clients.
    pub clients: u32,
    /// Spare shards: running but not members until they join (from their menu).
    pub spares: u32,
    /// Keys preloaded (`0..keys`).
    pub keys: u32,
    /// Strategy.
    pub strategy: Strategy,
    /// Replication factor.
    pub replicas: u32,
    /// Virtual nodes per unit of weight (ring).
    pub vnodes: u32,
    /// Workload.
    pub workload: Workload,
    /// Zipf skew.
    pub zipf_alpha: f64,
    /// Share of operations on the hot key.
    pub hot_share: f64,
    /// Operations per second, all clients together.
    pub rate: f64,
    /// Share of reads (the rest are writes).
    pub read_share: f64,
    /// Keys per scan.
    pub scan_len: u32,
    /// Mean service time per operation at a shard, µs.
    pub service_us: f64,
    /// Keys per second a shard hands off.
    pub migrate_rate: f64,
    /// Reads may go to any replica, not only the primary.
    pub read_replicas: bool,
    /// Spread the hot key's writes over this many salted keys (0 = off).
    pub salt: u32,
    /// Split a hot or big range automatically (range strategy).
    pub auto_split: bool,
    /// A shard is hot (or big) when it serves (or holds) this many times the mean.
    pub split_factor: f64,
    /// Secondary index.
    pub index: Index,
    /// Share of reads that are index queries (with an index).
    pub index_share: f64,
    /// Teaching mutation.
    pub mutation: Mutation,
}

impl Default for Sharding {
    fn default() -> Self {
        Sharding {
            shards: 4,
            clients: 2,
            spares: 2,
            keys: 2_000,
            strategy: Strategy::Ring,
            replicas: 1,
            vnodes: 8,
            workload: Workload::Uniform,
            zipf_alpha: 1.0,
            hot_share: 0.3,
            rate: 400.0,
            read_share: 0.7,
            scan_len: 50,
            service_us: 500.0,
            migrate_rate: 2_000.0,
            read_replicas: false,
            salt: 0,
            auto_split: false,
            split_factor: 1.5,
            index: Index::Off,
            index_share: 0.2,
            mutation: Mutation::None,
        }
    }
}

/// Key where salted copies of the hot key start.
pub const SALT_BASE: u32 = 0xF000_0000;

/// Metrics, in the order `sample` writes them.
pub const METRICS: [MetricInfo; 9] = [
    MetricInfo { name: "throughput", label: "operations done", unit: "op/s" },
    MetricInfo { name: "p99_ms", label: "p99 latency (single key)", unit: "ms" },
    MetricInfo { name: "scan_p99_ms", label: "p99 latency (scatter-gather scan)", unit: "ms" },
    MetricInfo { name: "imbalance", label: "load imbalance (max / mean shard ops)", unit: "×" },
    MetricInfo { name: "key_imbalance", label: "key imbalance (max / mean keys per shard)", unit: "×" },
    MetricInfo { name: "moved_fraction", label: "keys moved by the last change", unit: "" },
    MetricInfo { name: "ideal_fraction", label: "ideal share moved, |Δn| / max(n)", unit: "" },
    MetricInfo { name: "redirects", label: "redirects", unit: "/s" },
    MetricInfo { name: "find_p99_ms", label: "p99 latency (index query)", unit: "ms" },
];

pub(crate) const QUERIES: &[QueryInfo] = &[
    QueryInfo { name: "completed", summary: "operations completed so far" },
    QueryInfo { name: "gave_up", summary: "operations clients gave up on so far" },
    QueryInfo { name: "acked_writes", summary: "writes acknowledged so far" },
    QueryInfo { name: "redirects", summary: "redirects so far (stale client tables)" },
    QueryInfo { name: "epoch", summary: "epoch of the router's committed table" },
    QueryInfo { name: "members", summary: "shards in the committed table" },
    QueryInfo { name: "migrating", summary: "1 while a reconfiguration is being prepared, else 0" },
    QueryInfo { name: "reconfigs", summary: "tables committed since the start" },
    QueryInfo { name: "moved_keys", summary: "keys whose primary changed in the last committed change" },
    QueryInfo { name: "moved_fraction", summary: "share of keys whose primary changed in the last committed change" },
    QueryInfo { name: "max_moved_fraction", summary: "largest moved share of any committed change so far" },
    QueryInfo { name: "ideal_fraction", summary: "|Δn| / max(n) for the last change: what a consistent strategy moves" },
    QueryInfo { name: "handed_off", summary: "key copies handed off between shards so far" },
    QueryInfo { name: "key_imbalance", summary: "largest shard's keys over the mean, in the committed table" },
    QueryInfo { name: "imbalance", summary: "busiest shard's operations over the mean, last second" },
    QueryInfo { name: "max_imbalance", summary: "largest load imbalance sampled after the first second" },
    QueryInfo { name: "p99_ms", summary: "p99 single-key latency over the last second (ms)" },
    QueryInfo { name: "scan_p99_ms", summary: "p99 scan latency over the last second (ms)" },
    QueryInfo { name: "failed_shards", summary: "shards whose data was lost (failed)" },
    QueryInfo { name: "splits", summary: "ranges split so far (manual and automatic)" },
    QueryInfo { name: "finds", summary: "index queries completed so far" },
    QueryInfo { name: "find_fanout", summary: "shards asked per index query, mean so far" },
    QueryInfo { name: "write_fanout", summary: "shards written per acknowledged write, mean so far" },
    QueryInfo { name: "last_found", summary: "keys counted by the last index query completed" },
    QueryInfo { name: "find_p99_ms", summary: "p99 index-query latency over the last second (ms)" },
];

const INVARIANTS: &[InvariantInfo] = &[
    InvariantInfo {
        name: invariants::R_OWNERS,
        source: "Dynamo §4.3 (preference list of N distinct nodes); Bigtable tablet assignment",
        summary: "In every committed table each key has exactly R distinct owners, all members, the first one primary.",
    },
    InvariantInfo {
        name: invariants::ACKED_READABLE,
        source: "durability of acknowledged writes across reconfiguration (Spanner/CockroachDB range moves, Dynamo hinted handoff)",
        summary: "No read returns an older version than one already acknowledged, and no shard drops the last copy of it.",
    },
    InvariantInfo {
        name: invariants::MINIMAL_MOVES,
        source: "Karger et al. 1997 (monotonicity); Lamping and Veach 2014; Thaler and Ravishankar 1996",
        summary: "With a consistent strategy only keys that must move do: to a joining shard, or away from a leaving one.",
    },
    InvariantInfo {
        name: invariants::INDEX_COMPLETE,
        source: "read-your-writes through a secondary index (DynamoDB global secondary indexes are eventually consistent; Megastore, Spanner: indexes updated in the write's transaction)",
        summary: "With a global index, a query by tag counts every key whose write was acknowledged before the query was served.",
    },
];

const COMMANDS: &[CommandInfo] = &[
    CommandInfo { name: "leave", arg: "", summary: "shard: leave the cluster gracefully; its keys are handed off first" },
    CommandInfo { name: "join", arg: "", summary: "shard: join the cluster again" },
    CommandInfo { name: "fail", arg: "", summary: "shard: lose its disk; the router rebuilds from replicas (if any)" },
    CommandInfo { name: "weight", arg: "1..16", summary: "shard: set its weight (ring, rendezvous)" },
    CommandInfo { name: "split", arg: "key", summary: "router: split the range holding this key there (range strategy)" },
    CommandInfo { name: "merge", arg: "key", summary: "router: merge the range starting at this key into the one before" },
    CommandInfo { name: "write", arg: "key", summary: "client: write one key" },
    CommandInfo { name: "read", arg: "key", summary: "client: read one key" },
    CommandInfo { name: "find", arg: "tag", summary: "client: count the keys with this tag (0..7) through the secondary index" },
];

/// The model's static description.
pub static INFO: ModelInfo = ModelInfo {
    name: "sharding",
    title: "Sharding and rebalancing",
    pitch: "Modulo, ranges, a ring with virtual nodes, jump hash, rendezvous and Maglev on one workload; add a shard and watch keys move.",
    invariants: INVARIANTS,
    metrics: &METRICS,
    queries: QUERIES,
    commands: COMMANDS,
    layout: Layout::Tiers,
    node_noun: "node",
};

impl Sharding {
    /// The router's node id.
    pub const ROUTER: NodeId = 0;

    /// The first shard's node id (clients come after the router).
    #[inline]
    pub fn first_shard(&self) -> NodeId {
        1 + self.clients
    }

    /// Whether `id` is a shard.
    #[inline]
    pub fn is_shard(&self, id: NodeId) -> bool {
        id >= self.first_shard()
    }

    /// A node's display name: `R`, `C0`, `S0`…
    pub fn label(&self, id: NodeId) -> String {
        view::Say::default().node(self, id).take()
    }

    /// The table the cluster starts with.
    pub fn initial_table(&self) -> Table {
        let mut members: Vec<NodeId> = Vec::new();
        for i in 0..self.shards {
            members.push(self.first_shard() + i);
        }
        let weights = alloc::vec![1; members.len()];
        Table::build(1, self.strategy, members, weights, self.replicas as u8, self.vnodes, Vec::new(), self.keys, self.mutation == Mutation::Reseed)
    }

    /// Keys a shard hands off per pacing tick.
    pub fn batch_keys(&self) -> usize {
        ((self.migrate_rate * HANDOFF_TICK as f64 / 1e6) as usize).max(1)
    }
}

/// Handoff pacing interval.
pub const HANDOFF_TICK: Time = 10 * MS;
/// Client tick (timeouts, retries).
pub const CLIENT_TICK: Time = 20 * MS;
/// A client gives an operation up after this long.
pub const OP_TIMEOUT: Time = 400 * MS;
/// Tries before a client gives an operation up.
pub const TRIES_MAX: u32 = 20;
/// Router resend interval.
pub const ROUTER_TICK: Time = 100 * MS;
/// Shard load-report interval.
pub const REPORT_INTERVAL: Time = 500 * MS;
/// Operations a shard queues before telling clients to retry.
pub const QUEUE_MAX: usize = 400;
/// Operations a client keeps outstanding before it sheds new arrivals.
pub const OUTSTANDING_MAX: usize = 64;

/// A node's state.
#[derive(Clone, Debug)]
pub enum Node {
    /// The router.
    Router(alloc::boxed::Box<Router>),
    /// A client.
    Client(alloc::boxed::Box<Client>),
    /// A shard.
    Shard(alloc::boxed::Box<Shard>),
}

impl Node {
    /// What the last handler observed, with its sequence number.
    pub fn obs(&self) -> (u64, &[Obs]) {
        match self {
            Node::Router(r) => (r.obs_seq, &r.obs),
            Node::Client(c) => (c.obs_seq, &c.obs),
            Node::Shard(s) => (s.obs_seq, &s.obs),
        }
    }

    fn begin(&mut self) {
        let (seq, obs) = match self {
            Node::Router(r) => (&mut r.obs_seq, &mut r.obs),
            Node::Client(c) => (&mut c.obs_seq, &mut c.obs),
            Node::Shard(s) => (&mut s.obs_seq, &mut s.obs),
        };
        *seq += 1;
        obs.clear();
    }
}

/// What survives a crash.
#[derive(Clone, Debug)]
pub enum Durable {
    /// The router's committed table, failed shards and queued changes.
    Router(router::RouterDurable),
    /// A client's operation counter.
    Client(u64),
    /// A shard's data and tables.
    Shard(shard::ShardDurable),
}

/// The settings: key, label, help, type and range, whether it may change while running (their
/// values are in [`Sharding::params`], in this order). A table, not code: much smaller in the page.
static PARAMS: [ParamSpec; 22] = [
    ("strategy", "Strategy", "How keys map to shards; changing it moves the data to the new placement.", ParamKind::Choice(STRATEGY_NAMES), true),
    ("shards", "Shards", "Shards at the start (add more while running).", ParamKind::Int { min: 1, max: SHARDS_MAX as i64 }, false),
    ("keys", "Keys", "Keys preloaded at the start, 0 to keys − 1.", ParamKind::Int { min: 10, max: KEYS_MAX as i64 }, false),
    ("replicas", "Replicas (R)", "Copies of every key; a write is acknowledged once all R have it.", ParamKind::Int { min: 1, max: 3 }, true),
    ("vnodes", "Virtual nodes", "Tokens per shard (per unit of weight) on the ring.", ParamKind::Int { min: 1, max: 1_000 }, true),
    ("workload", "Workload", "uniform, zipf (skew α), hot_key, monotonic (ever-increasing inserts), scan (range reads).", ParamKind::Choice(WORKLOAD_NAMES), true),
    ("zipf_alpha", "Zipf α", "Skew of the Zipf workload (0 = uniform, 1 = classic).", ParamKind::Float { min: 0.0, max: 3.0 }, true),
    ("hot_share", "Hot-key share", "Share of operations on the one hot key (hot_key workload).", ParamKind::Float { min: 0.0, max: 1.0 }, true),
    ("rate", "Rate (op/s)", "Operations per second from all clients together.", ParamKind::Float { min: 0.0, max: 20_000.0 }, true),
    ("read_share", "Read share", "Share of operations that read; the rest write.", ParamKind::Float { min: 0.0, max: 1.0 }, true),
    ("scan_len", "Scan length", "Keys per range scan.", ParamKind::Int { min: 1, max: 1_000 }, true),
    ("service_us", "Service time (µs)", "Mean time a shard spends per operation.", ParamKind::Float { min: 10.0, max: 100_000.0 }, true),
    ("migrate_rate", "Handoff rate (keys/s)", "How fast a shard streams keys to their new owner (throttle).", ParamKind::Float { min: 100.0, max: 1_000_000.0 }, true),
    ("read_replicas", "Read from replicas", "Spread reads over all R owners, not only the primary.", ParamKind::Bool, true),
    ("salt", "Salt the hot key", "Spread the hot key's writes over this many salted keys (reads gather them all); 0 = off.", ParamKind::Int { min: 0, max: 16 }, true),
    ("auto_split", "Split hot ranges", "The router splits a range that is hot (by load: at the median key of recent operations) or big (by size: at its middle key) (range strategy).", ParamKind::Bool, true),
    ("split_factor", "Hot threshold", "A shard is hot when it serves this many times the mean.", ParamKind::Float { min: 1.1, max: 10.0 }, true),
    ("spares", "Spare shards", "Shards that run but hold nothing until they join (open one's menu).", ParamKind::Int { min: 0, max: SPARES_MAX as i64 }, false),
    ("clients", "Clients", "Client nodes sharing the rate.", ParamKind::Int { min: 1, max: CLIENTS_MAX as i64 }, false),
    ("index", "Secondary index", "off; local (each shard indexes its own keys, a query asks every shard); global (a tag's entries on one shard, a write updates two shards).", ParamKind::Choice(INDEX_NAMES), false),
    ("index_share", "Index-query share", "Share of reads that find keys by tag through the index (with an index on).", ParamKind::Float { min: 0.0, max: 1.0 }, true),
    ("mutation", "Mutation", "Break one rule on purpose and watch an invariant catch it.", ParamKind::Choice(MUTATION_NAMES), false),
];

impl Model for Sharding {
    type Node = Node;
    type Durable = Durable;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = Cmd;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    #[inline(never)]
    fn params(&self) -> Vec<Param> {
        let n = |x: f64| Value::Num(x);
        let t = |s: &str| Value::Text(s.into());
        let b = Value::Bool;
        // The values, in the order of [`PARAMS`].
        let values = [
            t(self.strategy.name()),
            n(self.shards as f64),
            n(self.keys as f64),
            n(self.replicas as f64),
            n(self.vnodes as f64),
            t(WORKLOAD_NAMES[WORKLOADS.iter().position(|w| *w == self.workload).unwrap_or(0)]),
            n(self.zipf_alpha),
            n(self.hot_share),
            n(self.rate),
            n(self.read_share),
            n(self.scan_len as f64),
            n(self.service_us),
            n(self.migrate_rate),
            b(self.read_replicas),
            n(self.salt as f64),
            b(self.auto_split),
            n(self.split_factor),
            n(self.spares as f64),
            n(self.clients as f64),
            t(self.index.name()),
            n(self.index_share),
            t(MUTATION_NAMES[MUTATIONS.iter().position(|m| *m == self.mutation).unwrap_or(0)]),
        ];
        params_from(&PARAMS, values)
    }

    #[inline(never)]
    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        check_param(&PARAMS, key, value)?;
        // Checked: the key is in the table and the value of its kind and in range. Dispatch on
        // the row's index (a jump table), not on the key's text again.
        let row = PARAMS.iter().position(|p| p.0 == key).unwrap_or(usize::MAX);
        let (x, flag, choice) = match (value, PARAMS.get(row).map(|p| &p.3)) {
            (Value::Text(t), Some(ParamKind::Choice(names))) => (0.0, false, names.iter().position(|n| *n == t.as_str()).unwrap_or(0)),
            (Value::Num(n), _) => (*n, false, 0),
            (Value::Bool(b), _) => (0.0, *b, 0),
            _ => (0.0, false, 0),
        };
        let u = x as u32;
        // In the order of [`PARAMS`].
        match row {
            0 => self.strategy = table::STRATEGIES[choice],
            1 => self.shards = u,
            2 => self.keys = u,
            3 => self.replicas = u,
            4 => self.vnodes = u,
            5 => self.workload = WORKLOADS[choice],
            6 => self.zipf_alpha = x,
            7 => self.hot_share = x,
            8 => self.rate = x,
            9 => self.read_share = x,
            10 => self.scan_len = u,
            11 => self.service_us = x,
            12 => self.migrate_rate = x,
            13 => self.read_replicas = flag,
            14 => self.salt = u,
            15 => self.auto_split = flag,
            16 => self.split_factor = x,
            17 => self.spares = u,
            18 => self.clients = u,
            19 => self.index = index::INDEXES[choice],
            20 => self.index_share = x,
            _ => self.mutation = MUTATIONS[choice],
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        1 + self.clients + self.shards + self.spares
    }

    fn max_nodes(&self) -> u32 {
        1 + self.clients + SHARDS_MAX + SPARES_MAX
    }

    #[inline(never)]
    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        let table = Rc::new(self.initial_table());
        if id == Self::ROUTER {
            Node::Router(alloc::boxed::Box::new(Router::start(self, router::RouterDurable::new(table), ctx)))
        } else if id < self.first_shard() {
            Node::Client(alloc::boxed::Box::new(Client::start(self, id, 0, table, ctx)))
        } else {
            Node::Shard(alloc::boxed::Box::new(Shard::init(self, id, table, ctx)))
        }
    }

    #[inline(never)]
    fn durable(&self, node: &Node) -> Durable {
        match node {
            Node::Router(r) => Durable::Router(r.durable.clone()),
            Node::Client(c) => Durable::Client(c.next_id),
            Node::Shard(s) => Durable::Shard(s.durable()),
        }
    }

    #[inline(never)]
    fn restart(&self, id: NodeId, durable: Durable, ctx: &mut Ctx<Self>) -> Node {
        match durable {
            Durable::Router(d) => Node::Router(alloc::boxed::Box::new(Router::start(self, d, ctx))),
            Durable::Client(next) => Node::Client(alloc::boxed::Box::new(Client::start(self, id, next, Rc::new(self.initial_table()), ctx))),
            Durable::Shard(d) => Node::Shard(alloc::boxed::Box::new(Shard::restart(self, id, d, ctx))),
        }
    }

    #[inline(never)]
    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        node.begin();
        match node {
            Node::Router(r) => r.on_message(self, from, msg, ctx),
            Node::Client(c) => c.on_message(self, from, msg, ctx),
            Node::Shard(s) => s.on_message(self, from, msg, ctx),
        }
    }

    #[inline(never)]
    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        node.begin();
        match node {
            Node::Router(r) => r.on_timer(self, timer, ctx),
            Node::Client(c) => c.on_timer(self, timer, ctx),
            Node::Shard(s) => s.on_timer(self, timer, ctx),
        }
    }

    #[inline(never)]
    fn parse_command(&self, name: &str, arg: &str) -> Result<Cmd, String> {
        let arg = arg.trim();
        // "<head>a whole number from <lo> to <hi>, got "<arg>"": every argument error.
        let whole = |head: &str, lo: u64, hi: u64| view::Say::new(head).s("a whole number from ").n(lo).s(" to ").n(hi).s(", got \"").s(arg).s("\"").take();
        let key = |what: &str| arg.parse::<u32>().map_err(|_| whole(view::Say::new(what).s(" needs a key: ").0.as_str(), 0, u32::MAX as u64));
        match name {
            "leave" => Ok(Cmd::Leave),
            "join" => Ok(Cmd::Join),
            "fail" => Ok(Cmd::Fail),
            "weight" => match arg.parse::<u32>() {
                Ok(w) if (1..=16).contains(&w) => Ok(Cmd::Weight(w)),
                _ => Err(whole("weight must be ", 1, 16)),
            },
            "split" => key("split").map(Cmd::Split),
            "merge" => key("merge").map(Cmd::Merge),
            "write" => key("write").map(Cmd::Write),
            "read" => key("read").map(Cmd::Read),
            "find" => match arg.parse::<u32>() {
                Ok(t) if t < index::TAGS && self.index != Index::Off => Ok(Cmd::Find(t)),
                Ok(t) if t < index::TAGS => Err("find needs a secondary index: set `index` to local or global".into()),
                _ => Err(whole("find needs a tag: ", 0, (index::TAGS - 1) as u64)),
            },
            other => Err(view::Say::new("unknown command \"").s(other).s("\" (known: leave, join, fail, weight, split, merge, write, read, find)").take()),
        }
    }

    #[inline(never)]
    fn on_command(&self, node: &mut Node, cmd: Cmd, ctx: &mut Ctx<Self>) {
        node.begin();
        match node {
            Node::Router(r) => r.on_command(self, cmd, ctx),
            Node::Client(c) => c.on_command(self, cmd, ctx),
            Node::Shard(s) => s.on_command(self, cmd, ctx),
        }
    }

    #[inline(never)]
    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(self, msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Arrive => "next operation",
            Timer::Tick => "tick",
            Timer::Done => "operation served",
            Timer::Report => "load report",
        }
    }

    #[inline(never)]
    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        self.observe_event(nodes, ghost, what, out);
    }

    fn metric_interval(&self) -> Time {
        100 * MS
    }

    #[inline(never)]
    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        self.take_sample(nodes, ghost, out);
    }

    #[inline(never)]
    fn query(&self, nodes: &Nodes<Self>, g: &Ghost, name: &str) -> Option<f64> {
        self.answer(nodes, g, name)
    }

    #[inline(never)]
    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, now: Time) -> NodeView {
        view::node_view(self, id, node, durable, now)
    }

    #[inline(never)]
    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    #[inline(never)]
    fn figures(&self, nodes: &Nodes<Self>, ghost: &Ghost) -> Vec<crate::figure::Figure> {
        view::figures(self, nodes, ghost)
    }

    #[inline(never)]
    fn snapshot_bytes(&self, node: &Node) -> usize {
        core::mem::size_of::<Node>()
            + match node {
                Node::Router(_) => 512,
                Node::Client(c) => c.pending.len() * 64,
                Node::Shard(s) => s.queue.len() * 32 + s.pending_writes.len() * 48 + s.obs.len() * 24,
            }
    }
}
