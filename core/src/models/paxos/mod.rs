//! # Paxos
//!
//! Paxos (Lamport, "The Part-Time Parliament", TOCS 1998, retold plainly in "Paxos Made
//! Simple", 2001) lets a set of processes agree on one value although any of them may crash
//! and messages may be lost, delayed, duplicated or reordered. Multi-Paxos runs one instance
//! per slot of a log and keeps one leader for them all (van Renesse and Altinbuken, "Paxos Made
//! Moderately Complex", ACM Computing Surveys 2015, call it PMMC below).
//!
//! **Roles.** *Proposers* propose values, *acceptors* vote on them, *learners* find out what
//! was chosen. Here every node is a learner and a replica (it executes what it learns into a
//! small key-value store); the first `acceptors` nodes are acceptors and the first `proposers`
//! are proposers, so by default each of five nodes plays all three roles.
//!
//! **Ballots.** Every attempt to get a value chosen runs under a *ballot*: a round number and
//! the proposer's id, ordered by round, then id, so no two proposers ever share a ballot. A
//! proposer remembers on disk the highest round it used and never reuses one.
//!
//! **Phase 1 (prepare / promise).** A proposer picks a ballot above any it has seen and asks
//! the acceptors to *promise* it. An acceptor promises if it has promised nothing higher
//! (rule P1a of §2.2): from then on it refuses every lower ballot. With the promise it reports
//! the highest-ballot value it has already accepted, if any. A refusal names the higher
//! ballot, so the proposer knows how high it must go next time.
//!
//! **Phase 2 (accept / accepted).** Once a *phase-1 quorum* promised, the proposer asks the
//! acceptors to accept a value in its ballot, and it may not pick freely: if any promise
//! reported an accepted value, it must propose the one from the highest ballot (P2c). Only if
//! none did may it propose its own. An acceptor accepts unless it promised a higher ballot,
//! and tells every learner. A value is **chosen** the moment a *phase-2 quorum* of acceptors
//! has accepted it in one ballot, which can happen while no learner knows yet: learners learn
//! a value when they have heard `Accepted` from a phase-2 quorum for the same ballot. Phase 1
//! is what makes this safe: any later proposer's phase-1 quorum meets the quorum that chose a
//! value in at least one acceptor, which reports the value, so the later proposer proposes
//! the same value again.
//!
//! **Duelling proposers.** Two proposers can keep pre-empting each other: one's phase 1
//! invalidates the other's phase 2, forever. Paxos is safe but not live without help (§2.4
//! says to elect a distinguished proposer). The single-decree mode retries a refused ballot
//! after a random backoff, growing with each refusal; switch `backoff` off to watch the duel.
//!
//! **Multi-Paxos (Paxos Made Simple §3, PMMC).** A proposer that hears no leader for a
//! randomised timeout stands: it runs phase 1 once, for every slot from the first one it has
//! not learned, with a ballot above any it has seen. The promises report every accepted value
//! in those slots; the new leader proposes each again (the highest-ballot one per slot) and
//! fills the slots nobody reported, *gaps* left by a predecessor that crashed mid-way, with
//! no-ops, then gives new client commands fresh slots, each needing only phase 2. Heartbeats
//! keep the other proposers from standing; a refusal, or a heartbeat of a higher ballot,
//! makes a leader step down. Replicas execute learned commands strictly in slot order, so a
//! gap holds back everything after it; a replica that sees from the heartbeat that it lags
//! asks for the chosen values it missed. A leader keeps at most [`node::WINDOW`] slots open.
//!
//! **Flexible quorums** (Howard, Malkhi and Spiegelman, "Flexible Paxos", OPODIS 2016). Safety
//! only needs every phase-1 quorum to meet every phase-2 quorum: `q1 + q2 > acceptors`. The
//! settings allow any pair (0 means a majority), so the learner can pick one that does not
//! intersect and watch two values get chosen.
//!
//! **Persistence.** An acceptor's promise and its accepted (ballot, value) per slot survive a
//! crash, as does the proposer's highest round; everything else (learned values, the
//! key-value store, leadership) is volatile and rebuilt by catching up.
//!
//! **What the checker watches** (see [`invariants`]): Nontriviality, Agreement (one value per
//! slot), Learned Only If Chosen, Promise Kept, and Executed Prefixes, after every event.
//! Teaching mutations, off by default: `ignore_promised_values` (a proposer ignores the values
//! reported in promises and proposes its own: Agreement breaks), `forget_promise` (an acceptor
//! forgets its promise on restart: Promise Kept, then Agreement, break), and non-intersecting
//! quorums through the `q1` / `q2` settings.

pub mod invariants;
pub mod msg;
pub mod node;
mod view;

pub use invariants::{check_all, Chosen, Ghost};
pub use msg::{Accepted, Ballot, Command, Msg, Slot, Value, PROMISE_MAX};
pub use node::{AcceptorEvent, Durable, Node, Phase, Ready, Timer, WINDOW};

use crate::figure::Figure;
use crate::model::{Ctx, Happened, Model, Nodes};
use crate::time::Time;
use crate::view::{CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, QueryInfo, Value as PValue, Violation};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most acceptors.
pub const ACCEPTORS_MAX: u32 = 9;
/// Most proposers.
pub const PROPOSERS_MAX: u32 = 5;

/// The Paxos model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Paxos {
    /// Acceptors: nodes `0..acceptors`.
    pub acceptors: u32,
    /// Proposers: nodes `0..proposers`.
    pub proposers: u32,
    /// Multi-Paxos (a log of slots with a stable leader) instead of a single decree.
    pub multi: bool,
    /// Phase-1 quorum size; 0 means a majority of the acceptors.
    pub q1: u32,
    /// Phase-2 quorum size; 0 means a majority of the acceptors.
    pub q2: u32,
    /// Single decree: wait a random, growing time before retrying a refused ballot.
    pub backoff: bool,
    /// Single decree: base of the backoff, in ms.
    pub backoff_ms: u64,
    /// Single decree: how long a ballot may take before the proposer retries, in ms.
    pub retry_ms: u64,
    /// Multi-Paxos: shortest time without a leader before a proposer stands, in ms.
    pub leader_min_ms: u64,
    /// Multi-Paxos: longest such time, in ms (the shortest is used if this is smaller).
    pub leader_max_ms: u64,
    /// Multi-Paxos: the leader's heartbeat interval, in ms.
    pub heartbeat_ms: u64,
    /// Mutation: a proposer ignores the values reported in promises and proposes its own.
    pub ignore_promised_values: bool,
    /// Mutation: an acceptor forgets its promise when it restarts.
    pub forget_promise: bool,
}

impl Default for Paxos {
    fn default() -> Self {
        Paxos {
            acceptors: 5,
            proposers: 5,
            multi: true,
            q1: 0,
            q2: 0,
            backoff: true,
            backoff_ms: 20,
            retry_ms: 200,
            leader_min_ms: 150,
            leader_max_ms: 300,
            heartbeat_ms: 50,
            ignore_promised_values: false,
            forget_promise: false,
        }
    }
}

impl Paxos {
    /// Number of nodes: enough for every acceptor and every proposer.
    pub fn nodes(&self) -> u32 {
        self.acceptors.max(self.proposers)
    }

    fn quorum(&self, q: u32) -> u32 {
        if q == 0 {
            self.acceptors / 2 + 1
        } else {
            q.min(self.acceptors)
        }
    }

    /// Phase-1 quorum size in effect.
    pub fn q1(&self) -> u32 {
        self.quorum(self.q1)
    }

    /// Phase-2 quorum size in effect.
    pub fn q2(&self) -> u32 {
        self.quorum(self.q2)
    }

    /// Whether every phase-1 quorum meets every phase-2 quorum (Flexible Paxos).
    pub fn quorums_intersect(&self) -> bool {
        self.q1() + self.q2() > self.acceptors
    }
}

/// A command given to a node from the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeCommand {
    /// A client writes `key=value` through this node (forwarded to the leader).
    Request {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// "Propose here": this proposer proposes `key=value` itself (in Multi-Paxos it first
    /// stands for leader with a higher ballot).
    Propose {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Multi-Paxos: stand for leader now.
    Timeout,
}

static INVARIANTS: [InvariantInfo; 5] = [
    InvariantInfo { name: invariants::NONTRIVIALITY, source: "Paxos Made Simple §2.1", summary: "Only a value that has been proposed may be chosen." },
    InvariantInfo { name: invariants::AGREEMENT, source: "Paxos Made Simple §2.1; PMMC §3", summary: "At most one value is chosen per slot (chosen = accepted by a phase-2 quorum in one ballot)." },
    InvariantInfo { name: invariants::LEARNED_CHOSEN, source: "Paxos Made Simple §2.1", summary: "A learner never learns a value that has not been chosen." },
    InvariantInfo { name: invariants::PROMISE_KEPT, source: "Paxos Made Simple §2.2, P1a", summary: "An acceptor never accepts a ballot below one it has promised." },
    InvariantInfo { name: invariants::EXECUTED_PREFIX, source: "PMMC §2 (replica consistency)", summary: "Replicas' executed logs are prefixes of one another." },
];

static METRICS: [MetricInfo; 4] = [
    MetricInfo { name: "commit_latency_ms", label: "Commit latency", unit: "ms" },
    MetricInfo { name: "chosen", label: "Slots chosen", unit: "" },
    MetricInfo { name: "ballots", label: "Ballots started", unit: "" },
    MetricInfo { name: "msgs_per_cmd", label: "Messages per command", unit: "" },
];

static QUERIES: [QueryInfo; 19] = [
    QueryInfo { name: "leaders", summary: "Live Multi-Paxos leaders (nodes that finished phase 1 and have not stepped down)." },
    QueryInfo { name: "leader", summary: "Id of the live leader with the highest ballot, or -1." },
    QueryInfo { name: "chosen", summary: "Slots chosen so far (the omniscient count: a phase-2 quorum accepted one value)." },
    QueryInfo { name: "noops_chosen", summary: "Slots chosen with a no-op (gap filling, cumulative)." },
    QueryInfo { name: "commands_chosen", summary: "Slots chosen with a client command (cumulative)." },
    QueryInfo { name: "learned", summary: "Most slots any live node has learned." },
    QueryInfo { name: "learned_all", summary: "Fewest slots a live node has learned." },
    QueryInfo { name: "executed", summary: "Highest executed prefix on a live node." },
    QueryInfo { name: "executed_all", summary: "Lowest executed prefix on a live node (what every live replica executed)." },
    QueryInfo { name: "unknown_chosen", summary: "Slots chosen that no learner has learned yet (now)." },
    QueryInfo { name: "chosen_unknown_ms", summary: "Longest time, in ms, a chosen value went unknown to every learner (cumulative)." },
    QueryInfo { name: "ballots", summary: "Ballots started: phase-1 runs (cumulative)." },
    QueryInfo { name: "duel_ballots", summary: "Most ballots started in a row without any value being chosen (cumulative)." },
    QueryInfo { name: "leader_changes", summary: "Times a proposer became Multi-Paxos leader (cumulative)." },
    QueryInfo { name: "max_round", summary: "Highest ballot round any node used or promised, live or crashed." },
    QueryInfo { name: "messages", summary: "Network messages sent (cumulative)." },
    QueryInfo { name: "msgs_per_cmd", summary: "Messages sent per client command learned (cumulative)." },
    QueryInfo { name: "acked", summary: "Client commands learned by some node (cumulative)." },
    QueryInfo { name: "violations", summary: "Invariant violations detected so far (cumulative, counting repeats)." },
];

static COMMANDS: [CommandInfo; 3] = [
    CommandInfo { name: "request", arg: "key=value", summary: "A client writes key=value through this node (Multi-Paxos forwards it to the leader; a single decree proposes it if this node is a proposer)." },
    CommandInfo { name: "propose", arg: "key=value", summary: "Propose here: this proposer runs a ballot for key=value itself (in Multi-Paxos it stands for leader first)." },
    CommandInfo { name: "timeout", arg: "", summary: "Multi-Paxos: this proposer stands for leader now; single decree: retry the current proposal." },
];

/// What the Paxos model says about itself.
pub static INFO: ModelInfo = ModelInfo {
    name: "paxos",
    title: "Paxos and Multi-Paxos",
    pitch: "Prepare, promise, accept: one value chosen by a quorum before anyone knows it, duelling proposers, and a Multi-Paxos log with leader changes and no-op gaps.",
    invariants: &INVARIANTS,
    metrics: &METRICS,
    queries: &QUERIES,
    commands: &COMMANDS,
    layout: Layout::Ring,
    node_noun: "node",
};

/// Parses `key=value`, short and printable.
fn parse_kv(name: &str, arg: &str) -> Result<(String, String), String> {
    let (k, v) = arg.split_once('=').ok_or_else(|| format!("`{name}` takes key=value, got \"{arg}\""))?;
    let (k, v) = (k.trim(), v.trim());
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok(k, 12) || !ok(v, 16) {
        return Err(format!("key (1–12) and value (1–16) must be letters, digits, _ or -, got \"{arg}\""));
    }
    Ok((k.into(), v.into()))
}

impl Model for Paxos {
    type Node = Node;
    type Durable = Durable;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = NodeCommand;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        let ms = |min: i64, max: i64| ParamKind::Int { min, max };
        let b = |x: bool| PValue::Bool(x);
        let n = |x: u64| PValue::Num(x as f64);
        alloc::vec![
            Param { key: "acceptors", label: "Acceptors", help: "Nodes 0 to n-1 are acceptors.", kind: ParamKind::Int { min: 1, max: ACCEPTORS_MAX as i64 }, value: n(self.acceptors as u64), live: false },
            Param { key: "proposers", label: "Proposers", help: "Nodes 0 to n-1 are proposers (every node is a learner).", kind: ParamKind::Int { min: 1, max: PROPOSERS_MAX as i64 }, value: n(self.proposers as u64), live: false },
            Param { key: "multi", label: "Multi-Paxos", help: "A log of slots with a stable leader; off: one single decree.", kind: ParamKind::Bool, value: b(self.multi), live: false },
            Param { key: "q1", label: "Phase-1 quorum", help: "Promises a proposer needs; 0 = a majority. Safe only if q1 + q2 > acceptors.", kind: ParamKind::Int { min: 0, max: ACCEPTORS_MAX as i64 }, value: n(self.q1 as u64), live: true },
            Param { key: "q2", label: "Phase-2 quorum", help: "Acceptances that choose a value; 0 = a majority. Safe only if q1 + q2 > acceptors.", kind: ParamKind::Int { min: 0, max: ACCEPTORS_MAX as i64 }, value: n(self.q2 as u64), live: true },
            Param { key: "backoff", label: "Randomised backoff", help: "Single decree: wait a random, growing time before retrying a refused ballot. Off shows duelling proposers.", kind: ParamKind::Bool, value: b(self.backoff), live: true },
            Param { key: "backoff_ms", label: "Backoff base (ms)", help: "Single decree: the first backoff is up to this long; it doubles per refusal.", kind: ms(1, 5_000), value: n(self.backoff_ms), live: true },
            Param { key: "retry_ms", label: "Ballot timeout (ms)", help: "Single decree: a ballot that has not finished after this long is retried higher.", kind: ms(10, 10_000), value: n(self.retry_ms), live: true },
            Param { key: "leader_min_ms", label: "Leader timeout min (ms)", help: "Multi-Paxos: shortest randomised wait without a leader before standing.", kind: ms(10, 10_000), value: n(self.leader_min_ms), live: true },
            Param { key: "leader_max_ms", label: "Leader timeout max (ms)", help: "Multi-Paxos: longest such wait (the minimum is used if smaller).", kind: ms(10, 10_000), value: n(self.leader_max_ms), live: true },
            Param { key: "heartbeat_ms", label: "Heartbeat (ms)", help: "Multi-Paxos: how often the leader says it is alive.", kind: ms(5, 5_000), value: n(self.heartbeat_ms), live: true },
            Param { key: "ignore_promised_values", label: "Mutation: ignore promised values", help: "Unsafe: after phase 1 a proposer proposes its own value even if a promise reported an accepted one.", kind: ParamKind::Bool, value: b(self.ignore_promised_values), live: true },
            Param { key: "forget_promise", label: "Mutation: forget promise on restart", help: "Unsafe: an acceptor's promise is not kept on disk.", kind: ParamKind::Bool, value: b(self.forget_promise), live: true },
        ]
    }

    fn set_param(&mut self, key: &str, value: &PValue) -> Result<(), String> {
        let param = self.params().into_iter().find(|p| p.key == key).ok_or_else(|| format!("unknown setting `{key}`"))?;
        param.kind.check(key, value)?;
        match (key, value) {
            ("acceptors", PValue::Num(x)) => self.acceptors = *x as u32,
            ("proposers", PValue::Num(x)) => self.proposers = *x as u32,
            ("q1", PValue::Num(x)) => self.q1 = *x as u32,
            ("q2", PValue::Num(x)) => self.q2 = *x as u32,
            ("backoff_ms", PValue::Num(x)) => self.backoff_ms = *x as u64,
            ("retry_ms", PValue::Num(x)) => self.retry_ms = *x as u64,
            ("leader_min_ms", PValue::Num(x)) => self.leader_min_ms = *x as u64,
            ("leader_max_ms", PValue::Num(x)) => self.leader_max_ms = *x as u64,
            ("heartbeat_ms", PValue::Num(x)) => self.heartbeat_ms = *x as u64,
            ("multi", PValue::Bool(x)) => self.multi = *x,
            ("backoff", PValue::Bool(x)) => self.backoff = *x,
            ("ignore_promised_values", PValue::Bool(x)) => self.ignore_promised_values = *x,
            ("forget_promise", PValue::Bool(x)) => self.forget_promise = *x,
            _ => return Err(format!("`{key}` has the wrong type")),
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.nodes()
    }

    fn max_nodes(&self) -> u32 {
        self.nodes()
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

    fn parse_command(&self, name: &str, arg: &str) -> Result<NodeCommand, String> {
        match name {
            "request" => parse_kv(name, arg).map(|(key, value)| NodeCommand::Request { key, value }),
            "propose" => parse_kv(name, arg).map(|(key, value)| NodeCommand::Propose { key, value }),
            "timeout" => Ok(NodeCommand::Timeout),
            _ => Err(format!("unknown command `{name}` (known: request, propose, timeout)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: NodeCommand, ctx: &mut Ctx<Self>) {
        node.on_command(self, cmd, ctx);
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Retry => "ballot retry",
            Timer::Leader => "leader timeout",
            Timer::Heartbeat => "heartbeat",
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
        view::node_view(self, id, node, durable, now)
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    fn figures(&self, nodes: &Nodes<Self>, ghost: &Ghost) -> Vec<Figure> {
        view::figures(self, nodes, ghost)
    }

    fn snapshot_bytes(&self, node: &Node) -> usize {
        // Bounded volatile maps: open proposals, tallies, phase-1 reports, the queue.
        core::mem::size_of::<Node>()
            + (node.proposals.len() + node.tallies.len() + node.reported.len()) * 96
            + node.queue.len() * 80
    }
}
