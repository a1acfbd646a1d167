//! # Raft
//!
//! Raft (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX
//! ATC 2014; and Ongaro's dissertation, 2014) keeps a replicated log identical on a cluster of
//! servers, so that every server applies the same commands in the same order to its copy of a
//! state machine — here a small key-value store. It tolerates the crash of any minority.
//!
//! **Terms and roles.** Time is divided into numbered terms. In each term at most one leader is
//! elected; everybody else is a follower. Every message carries its sender's term; a server
//! that sees a newer term adopts it and becomes a follower, and a message from an older term is
//! refused. The term is therefore a logical clock that exposes stale leaders.
//!
//! **Elections (§5.2).** A follower that hears nothing from a leader for an election timeout
//! (randomised, 150–300 ms by default, so that usually one server times out first) becomes a
//! candidate: it increments its term, votes for itself and asks the others for their votes.
//! Each server grants one vote per term, first come first served, and only to a candidate whose
//! log is at least as up to date as its own: a later last term, or the same last term and an
//! index at least as long (§5.4.1). A majority of votes makes a leader, which then sends
//! AppendEntries heartbeats to keep the others from timing out. If the vote splits, the
//! candidates time out again with new random timeouts and retry in a higher term.
//!
//! *Pre-vote* (dissertation §9.6, optional here): before incrementing its term a server asks
//! whether it could win. Others say yes only if its log is up to date and they have not heard
//! from a leader within the minimum election timeout. A server that was cut off and comes back
//! then no longer forces the whole cluster into a new term.
//!
//! **Log replication (§5.3).** The leader appends each client command to its log and sends it
//! in AppendEntries together with the index and term of the entry just before it. A follower
//! accepts only if it has that previous entry (the *consistency check*); this is what makes
//! logs that agree on one entry agree on everything before it (Log Matching). On a mismatch the
//! follower replies with a hint — the conflicting term and the first index it holds for that
//! term — so the leader can skip back a whole term per round trip instead of one entry. A
//! follower deletes a suffix only where it really conflicts with the leader, never because of a
//! stale or duplicated message.
//!
//! **Commitment (§5.3, §5.4.2).** An entry is committed once the leader that created it has
//! stored it on a majority; then it, and every entry before it, is applied. A leader counts
//! replicas only for entries of its *own* term: Figure 8 of the paper shows an entry from an
//! older term that reached a majority and was still overwritten later. Older entries are
//! committed indirectly, by committing a newer one after them. That is why a new leader appends
//! a no-op (§8): it commits its predecessors' entries without waiting for a client.
//!
//! **Persistence.** `currentTerm`, `votedFor` and the log (with the snapshot) are written to
//! stable storage before answering; commit index, applied index, the state machine, roles and
//! replication progress are volatile and rebuilt after a restart.
//!
//! **Clients (§8).** Any server accepts a request; a follower passes it to the leader it knows.
//! The leader acknowledges it once it is committed and applied. A request that finds no leader
//! is refused (a real client would retry).
//!
//! **Membership (dissertation §4).** One server is added or removed at a time: any two
//! majorities of configurations that differ by one server overlap, so no joint consensus is
//! needed. A configuration entry takes effect as soon as a server appends it. A leader starts a
//! change only when the previous one is committed and it has committed an entry of its own term
//! (the fix for the bug in the original single-server algorithm). A spare server added with
//! `add_node` announces itself; the leader's `add_server` then puts it in the configuration.
//! A removed leader steps down once its removal is committed.
//!
//! **Snapshots (§7).** Once enough entries are applied, a server replaces them with a snapshot
//! of the key-value store (plus the last included index and term and the membership). A
//! follower that needs compacted entries receives the whole snapshot in InstallSnapshot.
//!
//! **What the checker watches** (Figure 3): Election Safety, Leader Append-Only, Log Matching,
//! Leader Completeness and State Machine Safety, after every event (see [`invariants`]). Two
//! teaching mutations break the algorithm on purpose: `commit_old_terms` (count replicas of
//! older-term entries: Figure 8) and `vote_without_log_check` (skip §5.4.1). With either on, a
//! scenario in the tests drives the cluster into a caught violation.

pub mod invariants;
pub mod msg;
pub mod node;
mod view;

pub use invariants::Ghost;
pub use msg::{Entry, Index, Msg, Op, Request, Shared, Snapshot, Store, Term, Word};
pub use node::{ClientReply, Durable, Node, Progress, Ready, Role, Timer};

use crate::model::{Ctx, Happened, Model, Nodes};
use crate::time::Time;
use crate::trace::Text;
use crate::view::{CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, QueryInfo, Value, Violation};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most servers (the ones started plus spares added later).
pub const SERVERS_MAX: u32 = 9;

/// The Raft model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Raft {
    /// Servers at the start, all members.
    pub servers: u32,
    /// Shortest election timeout, in ms.
    pub election_min_ms: u64,
    /// Longest election timeout, in ms (the shortest is used if this is smaller).
    pub election_max_ms: u64,
    /// Leader's heartbeat interval, in ms.
    pub heartbeat_ms: u64,
    /// Run a pre-vote round before each election.
    pub prevote: bool,
    /// Whether a new leader appends a no-op entry.
    pub noop: bool,
    /// Applied entries beyond the snapshot that trigger a new snapshot (0 = never).
    pub snapshot_threshold: u64,
    /// Steady client load: requests per second over all servers (0 = off).
    pub load_rps: u32,
    /// Mutation: commit entries of earlier terms by counting replicas (unsafe: Figure 8).
    pub commit_old_terms: bool,
    /// Mutation: grant votes without the up-to-date log check of §5.4.1 (unsafe).
    pub vote_without_log_check: bool,
}

impl Default for Raft {
    fn default() -> Self {
        Raft {
            servers: 5,
            election_min_ms: 150,
            election_max_ms: 300,
            heartbeat_ms: 50,
            prevote: false,
            noop: true,
            snapshot_threshold: 100,
            load_rps: 0,
            commit_old_terms: false,
            vote_without_log_check: false,
        }
    }
}

/// A command given to a server from the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A client request `key=value`.
    Request {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Let the election timer fire now.
    Timeout,
    /// At the leader: add this server to the membership.
    AddServer(NodeId),
    /// At the leader: remove this server from the membership.
    RemoveServer(NodeId),
}

static INVARIANTS: [InvariantInfo; 5] = [
    InvariantInfo {
        name: invariants::ELECTION_SAFETY,
        source: "Raft paper §5.2, Figure 3",
        summary: "At most one leader can be elected in a given term.",
    },
    InvariantInfo {
        name: invariants::LEADER_APPEND_ONLY,
        source: "Raft paper §5.3, Figure 3",
        summary: "A leader never overwrites or deletes entries in its log; it only appends.",
    },
    InvariantInfo {
        name: invariants::LOG_MATCHING,
        source: "Raft paper §5.3, Figure 3",
        summary: "If two logs contain an entry with the same index and term, the logs are identical up to that index.",
    },
    InvariantInfo {
        name: invariants::LEADER_COMPLETENESS,
        source: "Raft paper §5.4, Figure 3",
        summary: "An entry committed in a term is present in the logs of the leaders of all higher terms.",
    },
    InvariantInfo {
        name: invariants::STATE_MACHINE_SAFETY,
        source: "Raft paper §5.4.3, Figure 3",
        summary: "No two servers apply different entries at the same log index.",
    },
];

static METRICS: [MetricInfo; 5] = [
    MetricInfo { name: "commit_latency_ms", label: "Commit latency", unit: "ms" },
    MetricInfo { name: "throughput", label: "Acknowledged requests", unit: "req/s" },
    MetricInfo { name: "leader_changes", label: "Leaders elected", unit: "" },
    MetricInfo { name: "availability", label: "Leader able to commit", unit: "0/1" },
    MetricInfo { name: "committed_index", label: "Highest commit index", unit: "" },
];

static QUERIES: [QueryInfo; 15] = [
    QueryInfo { name: "leaders", summary: "Live leaders in the highest term any live leader has (1 in a healthy cluster)." },
    QueryInfo { name: "leader", summary: "Id of the live leader with the highest term, or -1 if there is none." },
    QueryInfo { name: "max_term", summary: "Highest term of any server, live or crashed." },
    QueryInfo { name: "committed", summary: "Highest commit index on any live server." },
    QueryInfo { name: "committed_all", summary: "Lowest commit index among live members (what every live member has committed)." },
    QueryInfo { name: "acked", summary: "Client requests acknowledged so far (cumulative)." },
    QueryInfo { name: "acked_lost", summary: "Acknowledged requests whose entry was later contradicted by another committed entry (must stay 0)." },
    QueryInfo { name: "leader_changes", summary: "Leaders elected so far (cumulative; the first election counts)." },
    QueryInfo { name: "elections", summary: "Terms in which some server stood as a candidate (cumulative)." },
    QueryInfo { name: "split_votes", summary: "Terms in which two or more candidates stood and nobody won, counted once a later term began (cumulative)." },
    QueryInfo { name: "overwritten_uncommitted", summary: "Log entries that were appended and later deleted by a leader's conflicting entries (cumulative)." },
    QueryInfo { name: "stale_leaders", summary: "Leaders that held an uncommitted entry of their own term for more than twice the longest election timeout: cut off from a majority (cumulative)." },
    QueryInfo { name: "members", summary: "Size of the membership as the leader with the highest term sees it (0 without a leader)." },
    QueryInfo { name: "snapshots_installed", summary: "Snapshots installed by followers through InstallSnapshot (cumulative)." },
    QueryInfo { name: "violations", summary: "Invariant violations detected so far (cumulative, counting repeats)." },
];

static COMMANDS: [CommandInfo; 4] = [
    CommandInfo { name: "request", arg: "key=value", summary: "A client writes key=value through this server (a follower forwards it to the leader)." },
    CommandInfo { name: "timeout", arg: "", summary: "The server's election timer fires now." },
    CommandInfo { name: "add_server", arg: "server id", summary: "At the leader: add a server to the membership." },
    CommandInfo { name: "remove_server", arg: "server id", summary: "At the leader: remove a server from the membership." },
];

/// What the Raft model says about itself.
pub static INFO: ModelInfo = ModelInfo {
    name: "raft",
    title: "Raft consensus",
    pitch: "Leader election, log replication and commitment, with crashes and partitions, checked live against the paper's safety properties.",
    invariants: &INVARIANTS,
    metrics: &METRICS,
    queries: &QUERIES,
    commands: &COMMANDS,
    layout: Layout::Ring,
    node_noun: "server",
};

/// Parses a `request` argument: `key=value`, short and printable.
fn parse_request(arg: &str) -> Result<(String, String), String> {
    let (k, v) = arg.split_once('=').ok_or_else(|| format!("a request looks like key=value, got \"{arg}\""))?;
    let (k, v) = (k.trim(), v.trim());
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok(k, 12) || !ok(v, 16) {
        return Err(format!("key (1–12) and value (1–16) must be letters, digits, _ or -, got \"{arg}\""));
    }
    Ok((k.into(), v.into()))
}

impl Model for Raft {
    type Node = Node;
    type Durable = Durable;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = Command;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        let ms = |min: i64, max: i64| ParamKind::Int { min, max };
        alloc::vec![
            Param { key: "servers", label: "Servers", help: "Servers at the start, all members.", kind: ParamKind::Int { min: 1, max: SERVERS_MAX as i64 }, value: Value::Num(self.servers as f64), live: false },
            Param { key: "election_min_ms", label: "Election timeout min (ms)", help: "Shortest randomised election timeout.", kind: ms(10, 10_000), value: Value::Num(self.election_min_ms as f64), live: true },
            Param { key: "election_max_ms", label: "Election timeout max (ms)", help: "Longest randomised election timeout (the minimum is used if smaller).", kind: ms(10, 10_000), value: Value::Num(self.election_max_ms as f64), live: true },
            Param { key: "heartbeat_ms", label: "Heartbeat (ms)", help: "How often a leader sends AppendEntries when idle.", kind: ms(5, 5_000), value: Value::Num(self.heartbeat_ms as f64), live: true },
            Param { key: "prevote", label: "Pre-vote", help: "Ask whether an election could be won before starting one (dissertation §9.6).", kind: ParamKind::Bool, value: Value::Bool(self.prevote), live: true },
            Param { key: "noop", label: "Leader no-op", help: "A new leader appends a no-op entry so its predecessors' entries commit (§8).", kind: ParamKind::Bool, value: Value::Bool(self.noop), live: false },
            Param { key: "snapshot_threshold", label: "Snapshot every (entries)", help: "Applied entries beyond the last snapshot that trigger a new one (etcd long used 10,000); 0 never compacts, and the log then grows for as long as the run.", kind: ParamKind::Int { min: 0, max: 1_000_000 }, value: Value::Num(self.snapshot_threshold as f64), live: true },
            Param { key: "load_rps", label: "Client load (requests/s)", help: "A steady client on each server sends requests; together this many a second (0 is off). Watch throughput and commit latency.", kind: ParamKind::Int { min: 0, max: 2_000 }, value: Value::Num(self.load_rps as f64), live: true },
            Param { key: "commit_old_terms", label: "Mutation: commit old terms", help: "Unsafe: commit entries of earlier terms by counting replicas (the Figure 8 bug).", kind: ParamKind::Bool, value: Value::Bool(self.commit_old_terms), live: true },
            Param { key: "vote_without_log_check", label: "Mutation: vote without log check", help: "Unsafe: grant votes without checking the candidate's log is up to date.", kind: ParamKind::Bool, value: Value::Bool(self.vote_without_log_check), live: true },
        ]
    }

    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        let param = self.params().into_iter().find(|p| p.key == key).ok_or_else(|| format!("unknown setting `{key}`"))?;
        param.kind.check(key, value)?;
        match (key, value) {
            ("servers", Value::Num(n)) => self.servers = *n as u32,
            ("election_min_ms", Value::Num(n)) => self.election_min_ms = *n as u64,
            ("election_max_ms", Value::Num(n)) => self.election_max_ms = *n as u64,
            ("heartbeat_ms", Value::Num(n)) => self.heartbeat_ms = *n as u64,
            ("snapshot_threshold", Value::Num(n)) => self.snapshot_threshold = *n as u64,
            ("load_rps", Value::Num(n)) => self.load_rps = *n as u32,
            ("prevote", Value::Bool(b)) => self.prevote = *b,
            ("noop", Value::Bool(b)) => self.noop = *b,
            ("commit_old_terms", Value::Bool(b)) => self.commit_old_terms = *b,
            ("vote_without_log_check", Value::Bool(b)) => self.vote_without_log_check = *b,
            _ => return Err(format!("`{key}` has the wrong type")),
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.servers
    }

    fn max_nodes(&self) -> u32 {
        SERVERS_MAX
    }

    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        Node::new(self, id, ctx)
    }

    fn durable(&self, node: &Node) -> Durable {
        node.durable()
    }

    fn restart(&self, id: NodeId, durable: Durable, ctx: &mut Ctx<Self>) -> Node {
        Node::restart(self, id, durable, ctx)
    }

    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        node.on_message(self, from, msg, ctx);
    }

    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        node.on_timer(self, timer, ctx);
    }

    fn parse_command(&self, name: &str, arg: &str) -> Result<Command, String> {
        let server = || -> Result<NodeId, String> {
            arg.trim().parse::<NodeId>().ok().filter(|&n| n < SERVERS_MAX).ok_or_else(|| format!("`{name}` needs a server id from 0 to {}, got \"{arg}\"", SERVERS_MAX - 1))
        };
        match name {
            "request" => parse_request(arg).map(|(key, value)| Command::Request { key, value }),
            "timeout" => Ok(Command::Timeout),
            "add_server" => server().map(Command::AddServer),
            "remove_server" => server().map(Command::RemoveServer),
            _ => Err(format!("unknown command `{name}` (known: request, timeout, add_server, remove_server)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: Command, ctx: &mut Ctx<Self>) {
        node.on_command(self, cmd, ctx);
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(msg)
    }

    fn trace_msg(&self, msg: &Msg) -> (&'static str, Text) {
        let (kind, text, _) = view::trace_msg(msg);
        (kind, text)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Election => "election timeout",
            Timer::Heartbeat => "heartbeat",
            Timer::Load => "client request",
        }
    }

    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        invariants::observe(self, nodes, ghost, what, out);
    }

    fn metric_interval(&self) -> Time {
        100 * crate::MS
    }

    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        view::sample(self, nodes, ghost, out);
    }

    fn query(&self, nodes: &Nodes<Self>, ghost: &Ghost, name: &str) -> Option<f64> {
        view::query(self, nodes, ghost, name)
    }

    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, now: Time) -> NodeView {
        view::node_view(id, node, durable, now)
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    fn command_args(&self, _id: NodeId, node: Option<&Node>, only: &[String]) -> Vec<(&'static str, String)> {
        view::command_args(self, node, only)
    }

    fn snapshot_bytes(&self, node: &Node) -> usize {
        node.snapshot_bytes()
    }

    fn ghost_bytes(&self, ghost: &Ghost) -> usize {
        ghost.snapshot_bytes()
    }

    fn fingerprint(&self, part: crate::explore::fingerprint::Part<'_, Self>, h: &mut crate::explore::fingerprint::Hasher) {
        // Every type derives `Hash` over the same fields its `Debug` prints.
        part.hash_into(h);
    }
}
