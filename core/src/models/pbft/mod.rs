//! # PBFT: Practical Byzantine Fault Tolerance
//!
//! Castro and Liskov, "Practical Byzantine Fault Tolerance" (OSDI 1999), and the longer
//! "Practical Byzantine Fault Tolerance and Proactive Recovery" (ACM TOCS 20(4), 2002), which
//! this module calls OSDI and TOCS. Raft and Paxos survive replicas that stop; PBFT survives
//! replicas that lie: up to f *Byzantine* replicas may send anything at all, to anyone, in
//! their own name, while the service still behaves like one correct server.
//!
//! **Why 3f + 1.** A replica can only wait for n − f others (f may never answer), and of
//! those n − f, f may be liars. For the correct ones among them to outnumber the liars,
//! n − 2f > f, so n ≥ 3f + 1. Every quorum here has n − f = 2f + 1 replicas, and any two
//! quorums share f + 1, at least one of them correct. With n < 3f + 1 two quorums can share
//! only liars: the lab allows that setting ([`Pbft::replicas`]) to show what breaks.
//!
//! **Normal case (OSDI §4.2).** The primary of view v is replica v mod n. A client sends its
//! request to the primary; the primary gives it a sequence number between the watermarks and
//! multicasts PRE-PREPARE(v, n, d). A backup accepts it if it is in view v, n is in the window
//! and it has not accepted another digest for (v, n); it then multicasts PREPARE. A replica is
//! *prepared* with the pre-prepare and 2f matching PREPAREs from different backups; two correct
//! replicas can never be prepared on different digests for one (v, n), so an equivocating
//! primary cannot get two requests through one slot. Prepared, it multicasts COMMIT; with
//! 2f + 1 matching COMMITs it is *committed-local*, executes the request once all lower
//! sequence numbers are executed, and replies. The client accepts f + 1 matching replies (at
//! least one is honest) and, if none come in time, sends the request to every replica; the
//! backups pass it to the primary and start their view-change timers.
//!
//! **Checkpoints and garbage collection (§4.3).** Every K requests each replica multicasts
//! CHECKPOINT(n, digest of its state). With 2f + 1 matching ones the checkpoint is *stable*:
//! the log up to n is dropped, and n becomes the low watermark h. The primary may only assign
//! sequence numbers up to h + L (here L = 2K), so a faulty primary cannot exhaust the space
//! and a replica that fell behind fetches a stable checkpoint's state (state transfer).
//!
//! **View change (§4.4).** A backup whose timer expires with a request still waiting moves
//! to view v + 1 and multicasts VIEW-CHANGE with its stable checkpoint and a certificate for
//! every request prepared above it. The new primary waits for 2f + 1 of them and multicasts
//! NEW-VIEW with those messages and re-issued pre-prepares: for each sequence number from the
//! latest stable checkpoint to the highest prepared one, the request prepared in the highest
//! view, or the null request for a gap. Backups recompute that choice and reject a NEW-VIEW
//! that does not follow. Anything committed anywhere was prepared at f + 1 correct replicas,
//! so one of them is among any 2f + 1 view-changes: it survives into every later view. A
//! replica that sees f + 1 view-changes for higher views joins the smallest (§4.5.2), and
//! the timeout doubles with each view change that fails.
//!
//! **Authentication** is modelled: the kernel stamps every message with its sender, so no
//! replica can forge another's message, and the certificates in VIEW-CHANGE and NEW-VIEW stand
//! for signed messages that Byzantine replicas may leave out but never invent.
//!
//! **Byzantine behaviours**, chosen per replica from its menu or in a scenario (the kernel's
//! plain switch means `silent`): *silent*; *equivocate* (as primary, two pre-prepares for one
//! sequence number to two halves of the backups); *lie* (wrong results in replies); *conflict*
//! (prepare and commit every digest seen, and a made-up one); *replay* (re-send its own old
//! messages); *slow* (as primary, hold each request for 80% of the view-change timeout).
//!
//! **What the checker watches** ([`invariants`]), for correct replicas, after every event:
//! Prepared Uniqueness, Agreement (one request per sequence number, across views), Same
//! Execution, and Honest Results (a client accepts only a result a correct replica produced).
//! With at most f Byzantine replicas and n ≥ 3f + 1 a violation is a bug; beyond, it is the
//! lesson, and each violation says the fault bound was exceeded.

pub mod client;
pub mod invariants;
pub mod msg;
pub mod replica;
pub mod small;
mod view;

pub use client::Client;
pub use invariants::{check_all, Ghost};
pub use msg::{digest, in_window, new_view_pps, prepare_quorum, primary, quorum, reply_quorum, state_digest, Cert, Digest, Msg, Request, Seq, Store, View, ViewChange, KEYS, NULL};
pub use replica::{Entry, Mode, Ready, Replica, Votes};
pub use view::raft_msgs;

use crate::figure::Figure;
use crate::model::{Ctx, Happened, Model, Nodes};
use crate::time::Time;
use crate::view::{ByzantineMode, CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, QueryInfo, Value as PValue, Violation};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most replicas (f = 3 needs 10).
pub const REPLICAS_MAX: u32 = 10;

/// The PBFT model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Pbft {
    /// Faults tolerated.
    pub f: u32,
    /// Replicas; 0 means 3f + 1. Fewer than 3f + 1 is the unsafe setting.
    pub replicas: u32,
    /// Clients.
    pub clients: u32,
    /// Checkpoint interval K (the window L is 2K).
    pub checkpoint: u64,
    /// A client's think time between requests, in ms; 0 = only on command.
    pub think_ms: u64,
    /// Base view-change timeout, in ms.
    pub vc_ms: u64,
    /// Client retransmission timeout, in ms.
    pub retry_ms: u64,
}

impl Default for Pbft {
    fn default() -> Self {
        Pbft { f: 1, replicas: 0, clients: 1, checkpoint: 4, think_ms: 150, vc_ms: 400, retry_ms: 200 }
    }
}

impl Pbft {
    /// Replicas in effect: 3f + 1 unless set (at least f + 1).
    pub fn n(&self) -> u32 {
        if self.replicas == 0 {
            3 * self.f + 1
        } else {
            self.replicas.max(self.f + 1)
        }
    }

    /// Log window L between the watermarks.
    pub fn window(&self) -> u64 {
        2 * self.checkpoint
    }

    /// Index of a client node among the clients, if it is one.
    pub fn client_slot(&self, id: NodeId) -> Option<usize> {
        (id >= self.n() && id < self.n() + self.clients).then(|| (id - self.n()) as usize)
    }
}

/// A node: a replica or a client. (Clients are few and small; boxing the replica would add
/// an indirection to every handler for no saving.)
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// A replica.
    Replica(replica::Replica),
    /// A client.
    Client(Client),
}

/// Timer keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Replica: a request waited too long (or a view change did not finish).
    ViewChange,
    /// Slow primary: release held requests.
    Stall,
    /// Client: retransmit.
    Retry,
    /// Client: issue the next request.
    Think,
}

/// A command given to a node from the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeCommand {
    /// Client: write `value` to key index `key`.
    Request(u8, u32),
    /// Replica: suspect the primary now.
    ViewChange,
    /// Replica: set the Byzantine behaviour.
    Byzantine(Mode),
}

static INVARIANTS: [InvariantInfo; 4] = [
    InvariantInfo { name: invariants::PREPARED_UNIQUE, source: "Castro & Liskov OSDI'99 §4.2", summary: "Two correct replicas never hold prepared certificates for different requests at one (view, sequence number)." },
    InvariantInfo { name: invariants::AGREEMENT, source: "OSDI'99 §4.5.1; TOCS'02 §2.2", summary: "Correct replicas never commit different requests at one sequence number, in any views." },
    InvariantInfo { name: invariants::SAME_EXECUTION, source: "TOCS'02 §2.2 (linearizability)", summary: "Correct replicas execute the same requests in the same order." },
    InvariantInfo { name: invariants::HONEST_RESULT, source: "OSDI'99 §4.1", summary: "A client only accepts a result that some correct replica produced." },
];

static METRICS: [MetricInfo; 4] = [
    MetricInfo { name: "latency_ms", label: "Request latency", unit: "ms" },
    MetricInfo { name: "msgs_per_req", label: "Messages per request (PBFT, ~2n²)", unit: "" },
    MetricInfo { name: "raft_msgs_per_req", label: "Raft with the same n (2n)", unit: "" },
    MetricInfo { name: "accepted", label: "Requests completed", unit: "" },
];

static QUERIES: [QueryInfo; 20] = [
    QueryInfo { name: "view", summary: "Highest view a correct live replica is in (or moving to)." },
    QueryInfo { name: "max_view", summary: "Highest view a correct replica installed with a NEW-VIEW (cumulative)." },
    QueryInfo { name: "primary", summary: "Primary of the highest installed view among correct live replicas, or -1." },
    QueryInfo { name: "executed", summary: "Most requests a correct live replica executed." },
    QueryInfo { name: "executed_all", summary: "Fewest requests a correct live replica executed." },
    QueryInfo { name: "committed", summary: "Sequence numbers committed at some correct replica (cumulative)." },
    QueryInfo { name: "nulls", summary: "Of which null requests (gaps filled by a new primary)." },
    QueryInfo { name: "stable", summary: "Highest stable checkpoint (low watermark) of a correct live replica." },
    QueryInfo { name: "stable_all", summary: "Lowest stable checkpoint of a correct live replica." },
    QueryInfo { name: "log_max", summary: "Largest log (entries above the low watermark) of a correct live replica." },
    QueryInfo { name: "new_views", summary: "NEW-VIEWs installed by correct replicas (cumulative, each replica counted)." },
    QueryInfo { name: "accepted", summary: "Requests clients accepted (cumulative)." },
    QueryInfo { name: "wrong", summary: "Requests clients accepted with a result no correct replica produced (cumulative)." },
    QueryInfo { name: "equivocations", summary: "Sequence numbers a Byzantine primary sent two different pre-prepares for (cumulative)." },
    QueryInfo { name: "transfers", summary: "State transfers installed by correct replicas (cumulative)." },
    QueryInfo { name: "faulty", summary: "Replicas that have been Byzantine at some point." },
    QueryInfo { name: "bound_exceeded", summary: "1 if more than f replicas have been Byzantine or n < 3f + 1, else 0." },
    QueryInfo { name: "messages", summary: "Network messages sent (cumulative)." },
    QueryInfo { name: "msgs_per_req", summary: "Messages sent per accepted request (cumulative)." },
    QueryInfo { name: "violations", summary: "Invariant violations detected so far (cumulative, counting repeats)." },
];

static COMMANDS: [CommandInfo; 3] = [
    CommandInfo { name: "request", arg: "key=value", summary: "A client writes value (a number) to key x, y or z." },
    CommandInfo { name: "view_change", arg: "", summary: "A replica suspects the primary: its view-change timer expires now." },
    CommandInfo { name: "byzantine", arg: "mode", summary: "A replica turns Byzantine in the named way (silent, equivocate, lie, conflict, replay, slow) or honest again." },
];

static MODES: [ByzantineMode; 6] = [
    ByzantineMode { name: "silent", label: "Silent", summary: "Sends nothing at all." },
    ByzantineMode { name: "equivocate", label: "Equivocate (as primary)", summary: "As primary, sends different pre-prepares for one sequence number to different backups, and commits every digest." },
    ByzantineMode { name: "lie", label: "Lie to clients", summary: "Replies with a wrong result (all liars tell the same lie)." },
    ByzantineMode { name: "conflict", label: "Vote for conflicting digests", summary: "Prepares and commits every digest it sees, and one it makes up." },
    ByzantineMode { name: "replay", label: "Replay old messages", summary: "Re-sends its own old messages at random." },
    ByzantineMode { name: "slow", label: "Slow primary", summary: "As primary, holds each request for 80% of the view-change timeout." },
];

/// What the PBFT model says about itself.
pub static INFO: ModelInfo = ModelInfo {
    name: "pbft",
    title: "PBFT: Byzantine fault tolerance",
    pitch: "Turn replicas into liars: watch an equivocating primary fail to get two requests through one sequence number, a view change replace it, and safety break past f.",
    invariants: &INVARIANTS,
    metrics: &METRICS,
    queries: &QUERIES,
    commands: &COMMANDS,
    layout: Layout::Ring,
    node_noun: "replica",
};

fn parse_request(arg: &str) -> Result<(u8, u32), String> {
    let (k, v) = arg.split_once('=').ok_or_else(|| format!("`request` takes key=value, got \"{arg}\""))?;
    let key = KEYS.iter().position(|x| *x == k.trim()).ok_or_else(|| format!("the key must be x, y or z, got \"{}\"", k.trim()))?;
    let value = v.trim().parse::<u32>().ok().filter(|v| *v < 1_000).ok_or_else(|| format!("the value must be a number below 1000, got \"{}\"", v.trim()))?;
    Ok((key as u8, value))
}

impl Model for Pbft {
    type Node = Node;
    type Durable = Node;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = NodeCommand;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        let n = |x: u64| PValue::Num(x as f64);
        let int = |min: i64, max: i64| ParamKind::Int { min, max };
        alloc::vec![
            Param { key: "f", label: "Faults tolerated (f)", help: "Byzantine replicas the protocol is built to survive; quorums are n − f.", kind: int(1, 3), value: n(self.f as u64), live: false },
            Param { key: "replicas", label: "Replicas (0 = 3f + 1)", help: "Fewer than 3f + 1 is unsafe: two quorums may share only Byzantine replicas.", kind: int(0, REPLICAS_MAX as i64), value: n(self.replicas as u64), live: false },
            Param { key: "clients", label: "Clients", help: "Each sends one request at a time.", kind: int(1, msg::CLIENTS_MAX as i64), value: n(self.clients as u64), live: false },
            Param { key: "checkpoint", label: "Checkpoint interval K", help: "A checkpoint every K requests; the watermark window is 2K.", kind: int(1, 20), value: n(self.checkpoint), live: false },
            Param { key: "think_ms", label: "Client think time (ms)", help: "Steady load: a client sends its next request after about this long; 0 = only on command.", kind: int(0, 5_000), value: n(self.think_ms), live: true },
            Param { key: "vc_ms", label: "View-change timeout (ms)", help: "How long a backup waits for a request to execute before it suspects the primary (doubles per failed view change).", kind: int(20, 10_000), value: n(self.vc_ms), live: true },
            Param { key: "retry_ms", label: "Client retry (ms)", help: "How long a client waits for f + 1 replies before sending to every replica.", kind: int(10, 10_000), value: n(self.retry_ms), live: true },
        ]
    }

    fn set_param(&mut self, key: &str, value: &PValue) -> Result<(), String> {
        let param = self.params().into_iter().find(|p| p.key == key).ok_or_else(|| format!("unknown setting `{key}`"))?;
        param.kind.check(key, value)?;
        let PValue::Num(x) = value else { return Err(format!("`{key}` has the wrong type")) };
        let x = *x as u64;
        match key {
            "f" => self.f = x as u32,
            "replicas" => self.replicas = x as u32,
            "clients" => self.clients = x as u32,
            "checkpoint" => self.checkpoint = x,
            "think_ms" => self.think_ms = x,
            "vc_ms" => self.vc_ms = x,
            _ => self.retry_ms = x,
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.n() + self.clients
    }

    fn max_nodes(&self) -> u32 {
        self.n() + self.clients
    }

    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        if id < self.n() {
            Node::Replica(Replica::new(id))
        } else {
            Node::Client(Client::new(self, id, ctx))
        }
    }

    fn durable(&self, node: &Node) -> Node {
        node.clone()
    }

    fn restart(&self, _id: NodeId, durable: Node, ctx: &mut Ctx<Self>) -> Node {
        let mut node = durable;
        match &mut node {
            Node::Replica(r) => {
                r.ready = Ready::default();
                r.timer = None;
                r.stalled.clear();
                if !r.pending.is_empty() {
                    let after = self.vc_ms * crate::MS;
                    ctx.set_timer(Timer::ViewChange, after);
                    r.timer = Some((ctx.now(), ctx.now() + after));
                }
            }
            Node::Client(c) => {
                c.timer = None;
                let t = if c.outstanding.is_some() { Timer::Retry } else { Timer::Think };
                if c.outstanding.is_some() || self.think_ms > 0 {
                    ctx.set_timer(t, self.retry_ms * crate::MS);
                    c.timer = Some((ctx.now(), ctx.now() + self.retry_ms * crate::MS));
                }
            }
        }
        node
    }

    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match (node, msg) {
            (Node::Replica(r), msg) => r.on_message(self, from, msg, ctx),
            (Node::Client(c), Msg::Reply { view, ts, result }) => c.on_reply(self, from, view, ts, result, ctx),
            (Node::Client(c), _) => c.sent = 0,
        }
    }

    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        match node {
            Node::Replica(r) => r.on_timer(self, timer, ctx),
            Node::Client(c) => c.on_timer(self, timer, ctx),
        }
    }

    fn parse_command(&self, name: &str, arg: &str) -> Result<NodeCommand, String> {
        match name {
            "request" => parse_request(arg).map(|(k, v)| NodeCommand::Request(k, v)),
            "view_change" => Ok(NodeCommand::ViewChange),
            "byzantine" => Mode::parse(arg.trim()).map(NodeCommand::Byzantine).ok_or_else(|| format!("unknown Byzantine mode \"{arg}\" (known: honest, silent, equivocate, lie, conflict, replay, slow)")),
            _ => Err(format!("unknown command `{name}` (known: request, view_change, byzantine)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: NodeCommand, ctx: &mut Ctx<Self>) {
        match (node, cmd) {
            (Node::Client(c), NodeCommand::Request(k, v)) => c.issue(self, k, v, ctx),
            (Node::Replica(r), NodeCommand::ViewChange) => r.force_view_change(self, ctx),
            (Node::Replica(r), NodeCommand::Byzantine(m)) => r.set_mode(self, m, ctx),
            (Node::Replica(r), _) => {
                r.ready = Ready::default();
                ctx.note(format!("R{}: replicas take no client requests from the lab; a client sends them", r.id));
            }
            (Node::Client(c), _) => {
                c.sent = 0;
                c.accepted = None;
                ctx.note(format!("C{} is a client: it follows no Byzantine mode and starts no view change", c.id - self.n()));
            }
        }
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::ViewChange => "view-change timer",
            Timer::Stall => "slow primary",
            Timer::Retry => "client retry",
            Timer::Think => "next request",
        }
    }

    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        invariants::observe(self, nodes, ghost, what, out);
    }

    fn metric_interval(&self) -> Time {
        200 * crate::MS
    }

    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        view::sample(self, nodes, ghost, out);
    }

    fn query(&self, nodes: &Nodes<Self>, ghost: &Ghost, name: &str) -> Option<f64> {
        view::query(self, nodes, ghost, name)
    }

    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Node>, now: Time) -> NodeView {
        let mut v = view::node_view(self, id, node.or(durable), now);
        if node.is_none() {
            v.role = "crashed".into();
            v.timer = None;
        }
        v
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    fn byzantine_modes(&self, id: NodeId) -> &'static [ByzantineMode] {
        if id < self.n() {
            &MODES
        } else {
            &[]
        }
    }

    fn figures(&self, nodes: &Nodes<Self>, ghost: &Ghost) -> Vec<Figure> {
        view::figures(self, nodes, ghost)
    }

    fn snapshot_bytes(&self, node: &Node) -> usize {
        // Bounded maps: pending requests, checkpoint votes and states, view-changes, replay.
        core::mem::size_of::<Node>()
            + match node {
                Node::Replica(r) => (r.pending.len() + r.assigned.len()) * 48 + r.checkpoints.len() * 96 + r.own_checkpoints.len() * 96 + r.vcs.len() * 160 + (r.replay.len() + r.early.len()) * 64,
                Node::Client(c) => c.replies.len() * 32,
            }
    }
}
