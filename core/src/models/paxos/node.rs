//! One Paxos node: an acceptor, a proposer and a learner (a replica that executes what it
//! learns), any of which it may or may not be. Only the algorithm: messages, timers and
//! commands come in through the [`Ctx`]; messages, timers and notes go out through it. What
//! a step did that the checker needs (promises made, values accepted, learned, executed) is
//! left in [`Ready`]. A message a node sends to itself is handled at once, in the same step
//! (a local call in a real system), so it costs no network message.

use super::msg::{Accepted, Ballot, Command, Msg, Slot, Value, PROMISE_MAX};
use super::Paxos;
use crate::model::Ctx;
use crate::persist::{PMap, PSet};
use crate::time::Time;
use crate::NodeId;
use crate::small::SmallMap;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most slots a leader has open (proposed, not yet executed by itself) at once.
pub const WINDOW: u64 = 32;
/// Most client commands a proposer queues while it prepares or its window is full.
pub const QUEUE_MAX: usize = 64;
/// Most chosen values one `Decided` message carries.
pub const CATCHUP_MAX: usize = 32;
/// Most nodes a forwarded command passes through.
const HOPS_MAX: u8 = 2;
/// Most messages a node hands itself in one step (a bound, not a limit ever reached).
const LOCAL_MAX: usize = 10_000;

/// Where a proposer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not proposing (and, in Multi-Paxos, following a leader or waiting to stand).
    Idle,
    /// Phase 1: prepare sent, collecting promises.
    Preparing,
    /// Phase 2 of a single decree: accept sent, waiting to learn the outcome.
    Accepting,
    /// Multi-Paxos: phase 1 done for every open slot; runs phase 2 per slot.
    Leading,
    /// Single decree: refused, waiting out a random backoff before a higher ballot.
    Backoff,
    /// Single decree: the decision is known.
    Done,
}

impl Phase {
    /// Lower-case name for views and notes.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Preparing => "phase 1",
            Phase::Accepting => "phase 2",
            Phase::Leading => "leader",
            Phase::Backoff => "backing off",
            Phase::Done => "decided",
        }
    }
}

/// Timer keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Single decree: the current ballot took too long, or a backoff ended: try a higher one.
    Retry,
    /// Multi-Paxos: no word from a leader for a while: stand (phase 1 with a higher ballot).
    Leader,
    /// Multi-Paxos leader: heartbeat, and resend accepts that got no answer.
    Heartbeat,
}

/// One acceptor event of a step, in order, for the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptorEvent {
    /// Promised a ballot (phase 1b).
    Promised(Ballot),
    /// Accepted (slot, ballot, value ident) (phase 2b).
    Accepted(Slot, Ballot, u64),
}

/// What one step did besides sending: cleared at the start of every step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    /// Promises and acceptances, in order.
    pub acceptor: Vec<AcceptorEvent>,
    /// Values learned: (slot, value).
    pub learned: Vec<(Slot, Value)>,
    /// Values executed: (slot, ident).
    pub executed: Vec<(Slot, u64)>,
    /// Client commands created at this node (their ids).
    pub proposed: Vec<u64>,
    /// Ballots this node started (phase 1 runs).
    pub ballots: u32,
    /// Whether the node became leader.
    pub became_leader: bool,
    /// Network messages sent (local ones not counted).
    pub sent: u32,
}

/// What survives a crash: the acceptor's promise and accepted values ("Paxos Made Simple"
/// §2.3: an acceptor "must remember this information even if it fails and then restarts"),
/// and the highest round the proposer ever used (§2.5: "a proposer must remember the
/// highest-numbered proposal it has ever tried to issue"), so it never reuses a ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Durable {
    /// Highest ballot promised.
    pub promised: Ballot,
    /// Accepted (ballot, value) per slot.
    pub accepted: PMap<Slot, (Ballot, Value)>,
    /// Highest round this proposer used.
    pub max_round: u32,
}

/// A Paxos node's whole state.
#[derive(Clone, Debug)]
pub struct Node {
    /// This node.
    pub id: NodeId,
    // ----- acceptor (persistent) -----
    /// Whether this node is an acceptor.
    pub is_acceptor: bool,
    /// Highest ballot promised.
    pub promised: Ballot,
    /// Accepted (ballot, value) per slot.
    pub accepted: PMap<Slot, (Ballot, Value)>,
    // ----- proposer -----
    /// Whether this node is a proposer.
    pub is_proposer: bool,
    /// Highest round used (persistent).
    pub max_round: u32,
    /// Highest ballot seen anywhere (promises refused, heartbeats).
    pub seen: Ballot,
    /// Phase.
    pub phase: Phase,
    /// Current ballot (meaningful outside `Idle`).
    pub ballot: Ballot,
    /// Single decree: the value this proposer wants chosen.
    pub own: Option<Value>,
    /// Acceptors that promised `ballot` (a bit each).
    pub promises: u16,
    /// Phase 1: the highest-ballot value reported per slot.
    pub reported: SmallMap<Slot, (Ballot, Value)>,
    /// Open proposals: slot -> (value, when its accepts were last sent).
    pub proposals: SmallMap<Slot, (Value, Time)>,
    /// Leader: next free slot.
    pub next_slot: Slot,
    /// Commands waiting for a slot.
    pub queue: VecDeque<Command>,
    /// Refusals in a row (for the backoff).
    pub attempts: u32,
    /// Multi-Paxos: the leader this node follows, with its ballot.
    pub leader: Option<(NodeId, Ballot)>,
    /// When the leader (or retry) timer was armed and when it fires.
    pub timer: Option<(Time, Time)>,
    /// Earliest time to ask for catch-up again.
    pub catchup_at: Time,
    // ----- learner and replica (volatile) -----
    /// Accepted messages per unlearned slot: (highest ballot, acceptors, value).
    pub tallies: SmallMap<Slot, (Ballot, u16, Value)>,
    /// Learned (chosen) values.
    pub learned: PMap<Slot, Value>,
    /// Every slot up to this one is executed.
    pub executed: Slot,
    /// The replicated key-value store.
    pub kv: PMap<String, String>,
    /// Ids of the commands executed. A command can be chosen in two slots (a deposed leader
    /// hands it to the next, which may also recover it from the acceptors); like the replicas
    /// of "Paxos Made Moderately Complex", a replica applies only the first.
    pub applied: PSet<u64>,
    /// Messages to itself, handled within the step.
    inbox: VecDeque<Msg>,
    /// Output of the last step.
    pub ready: Ready,
}

fn bit(id: NodeId) -> u16 {
    1u16 << (id & 15)
}

impl Node {
    /// A fresh node.
    pub fn new(cfg: &Paxos, id: NodeId, ctx: &mut Ctx<Paxos>) -> Node {
        let d = Durable { promised: Ballot::ZERO, accepted: PMap::new(), max_round: 0 };
        Node::restart(cfg, id, d, ctx)
    }

    /// Rebuilds a node from what it persisted; everything else starts over. With the
    /// `forget_promise` mutation the acceptor loses its promise (but keeps what it accepted).
    pub fn restart(cfg: &Paxos, id: NodeId, d: Durable, ctx: &mut Ctx<Paxos>) -> Node {
        let promised = if cfg.forget_promise { Ballot::ZERO } else { d.promised };
        let mut n = Node {
            id,
            is_acceptor: id < cfg.acceptors,
            promised,
            accepted: d.accepted,
            is_proposer: id < cfg.proposers,
            max_round: d.max_round,
            seen: promised,
            phase: Phase::Idle,
            ballot: Ballot::ZERO,
            own: None,
            promises: 0,
            reported: SmallMap::new(),
            proposals: SmallMap::new(),
            next_slot: 1,
            queue: VecDeque::new(),
            attempts: 0,
            leader: None,
            timer: None,
            catchup_at: 0,
            tallies: SmallMap::new(),
            learned: PMap::new(),
            executed: 0,
            applied: PSet::new(),
            kv: PMap::new(),
            inbox: VecDeque::new(),
            ready: Ready::default(),
        };
        if cfg.multi && n.is_proposer {
            n.arm_leader_timer(cfg, ctx);
        }
        n
    }

    /// What survives a crash.
    pub fn durable(&self) -> Durable {
        Durable { promised: self.promised, accepted: self.accepted.clone(), max_round: self.max_round }
    }

    /// Highest slot this node knows anything about (learned, accepted or proposed).
    pub fn top_slot(&self) -> Slot {
        let l = self.learned.last().map_or(0, |(s, _)| *s);
        let a = self.accepted.last().map_or(0, |(s, _)| *s);
        let p = self.proposals.keys().next_back().copied().unwrap_or(0);
        l.max(a).max(p).max(self.executed)
    }

    /// Whether this proposer leads (Multi-Paxos).
    pub fn is_leader(&self) -> bool {
        self.phase == Phase::Leading
    }

    // ----- sending -----

    fn send(&mut self, to: NodeId, msg: Msg, ctx: &mut Ctx<Paxos>) {
        if to == self.id {
            self.inbox.push_back(msg);
        } else {
            self.ready.sent += 1;
            ctx.send(to, msg);
        }
    }

    fn send_acceptors(&mut self, cfg: &Paxos, msg: &Msg, ctx: &mut Ctx<Paxos>) {
        for a in 0..cfg.acceptors {
            self.send(a, msg.clone(), ctx);
        }
    }

    fn send_all(&mut self, cfg: &Paxos, msg: &Msg, ctx: &mut Ctx<Paxos>) {
        for a in 0..cfg.nodes() {
            self.send(a, msg.clone(), ctx);
        }
    }

    /// Handles the messages this node sent itself during the step.
    fn drain(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        let mut budget = LOCAL_MAX;
        while let Some(m) = self.inbox.pop_front() {
            self.handle(cfg, self.id, m, ctx);
            budget -= 1;
            if budget == 0 {
                debug_assert!(false, "a step sent itself too many messages");
                self.inbox.clear();
            }
        }
    }

    // ----- timers -----

    fn arm_leader_timer(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        let lo = cfg.leader_min_ms * crate::MS;
        let hi = (cfg.leader_max_ms * crate::MS).max(lo);
        let after = ctx.rng().range(lo, hi);
        ctx.set_timer(Timer::Leader, after);
        self.timer = Some((ctx.now(), ctx.now() + after));
    }

    fn arm_retry(&mut self, after: Time, ctx: &mut Ctx<Paxos>) {
        ctx.set_timer(Timer::Retry, after);
        self.timer = Some((ctx.now(), ctx.now() + after));
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, cfg: &Paxos, timer: Timer, ctx: &mut Ctx<Paxos>) {
        self.ready = Ready::default();
        match timer {
            Timer::Retry => {
                self.timer = None;
                if !cfg.multi && self.own.is_some() && matches!(self.phase, Phase::Preparing | Phase::Accepting | Phase::Backoff) {
                    if self.phase != Phase::Backoff {
                        ctx.note(format!("N{}: ballot {} timed out", self.id, self.ballot.text()));
                    }
                    self.start_phase1(cfg, ctx);
                }
            }
            Timer::Leader => {
                self.timer = None;
                if cfg.multi && self.is_proposer && !self.is_leader() {
                    self.start_phase1(cfg, ctx);
                }
            }
            Timer::Heartbeat => {
                if self.is_leader() {
                    self.heartbeat(cfg, ctx);
                    ctx.set_timer(Timer::Heartbeat, cfg.heartbeat_ms * crate::MS);
                }
            }
        }
        self.drain(cfg, ctx);
    }

    fn heartbeat(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        let msg = Msg::Heartbeat { ballot: self.ballot, executed: self.executed };
        for n in 0..cfg.nodes() {
            if n != self.id {
                self.send(n, msg.clone(), ctx);
            }
        }
        // Accepts that got no quorum within two heartbeats are sent again (lost messages).
        let now = ctx.now();
        let stale: Vec<Slot> = self.proposals.iter().filter(|(_, (_, at))| now >= at + 2 * cfg.heartbeat_ms * crate::MS).map(|(s, _)| *s).collect();
        for s in stale {
            if let Some((v, at)) = self.proposals.get_mut(&s) {
                *at = now;
                let msg = Msg::Accept { ballot: self.ballot, slot: s, value: v.clone() };
                self.send_acceptors(cfg, &msg, ctx);
            }
        }
    }

    // ----- proposer: phase 1 -----

    /// Starts phase 1 with a ballot above every one this node has used or seen.
    fn start_phase1(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        if self.is_leader() && !self.proposals.is_empty() {
            ctx.note(format!("N{} abandons {} open slot(s) of ballot {}", self.id, self.proposals.len(), self.ballot.text()));
        }
        if cfg.multi {
            self.requeue_open();
        }
        let round = self.max_round.max(self.seen.round).max(self.promised.round).max(self.ballot.round) + 1;
        self.max_round = round;
        self.ballot = Ballot::new(round, self.id);
        self.seen = self.seen.max(self.ballot);
        self.phase = Phase::Preparing;
        self.promises = 0;
        self.reported.clear();
        self.proposals.clear();
        self.ready.ballots += 1;
        if cfg.multi {
            self.leader = None;
            ctx.cancel_timer(Timer::Heartbeat);
            self.arm_leader_timer(cfg, ctx);
        } else {
            self.arm_retry(cfg.retry_ms * crate::MS, ctx);
        }
        let from = if cfg.multi { self.executed + 1 } else { 1 };
        ctx.announce(format_args!("N{} starts phase 1 with ballot {}", self.id, self.ballot.text()));
        let msg = Msg::Prepare { ballot: self.ballot, from };
        self.send_acceptors(cfg, &msg, ctx);
    }

    fn on_prepare(&mut self, cfg: &Paxos, from: NodeId, ballot: Ballot, from_slot: Slot, ctx: &mut Ctx<Paxos>) {
        if !self.is_acceptor {
            return;
        }
        if ballot >= self.promised {
            // A proposer whose own acceptor promises a higher ballot knows at once that it has
            // been pre-empted (§2.3: it "should abandon" its proposal), and gives up
            // without waiting for refusals: with backoff that ends duels sooner, without it they
            // go on for good.
            // The same goes for a Multi-Paxos leader: its own acceptor will refuse its accepts.
            if self.is_proposer && ballot > self.ballot && matches!(self.phase, Phase::Preparing | Phase::Accepting | Phase::Leading) {
                self.on_reject(cfg, self.ballot, ballot, ctx);
            }
            // P1a: from now on, ignore every ballot below this one.
            self.promised = ballot;
            self.seen = self.seen.max(ballot);
            self.ready.acceptor.push(AcceptorEvent::Promised(ballot));
            let mut accepted = Vec::new();
            let mut truncated = false;
            for (&slot, (b, v)) in self.accepted.range(from_slot..) {
                if accepted.len() == PROMISE_MAX {
                    truncated = true;
                    break;
                }
                accepted.push(Accepted { slot, ballot: *b, value: v.clone() });
            }
            self.send(from, Msg::Promise { ballot, accepted, truncated }, ctx);
        } else {
            self.send(from, Msg::Reject { ballot, higher: self.promised, phase: 1 }, ctx);
        }
    }

    fn on_promise(&mut self, cfg: &Paxos, from: NodeId, ballot: Ballot, accepted: Vec<Accepted>, truncated: bool, ctx: &mut Ctx<Paxos>) {
        if self.phase != Phase::Preparing || ballot != self.ballot || from >= cfg.acceptors {
            return;
        }
        if truncated {
            // Too far behind to see every open slot: learn what is chosen first, stand later.
            ctx.note(format!("N{} is too far behind to lead; it catches up from N{from} first", self.id));
            self.phase = Phase::Idle;
            self.send(from, Msg::CatchUp { from: self.executed + 1 }, ctx);
            self.arm_leader_timer(cfg, ctx);
            return;
        }
        self.promises |= bit(from);
        for a in accepted {
            let keep = self.reported.get(&a.slot).is_none_or(|(b, _)| a.ballot > *b);
            if keep {
                self.reported.insert(a.slot, (a.ballot, a.value));
            }
        }
        if self.promises.count_ones() >= cfg.q1() {
            self.phase1_done(cfg, ctx);
        }
    }

    /// A phase-1 quorum promised: pick the values to propose ("Paxos Made Simple" P2c: the
    /// value of the highest-numbered proposal among the replies, or any value if none).
    fn phase1_done(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        let reported = core::mem::take(&mut self.reported);
        if !cfg.multi {
            let own = self.own.clone().unwrap_or(Value::Noop);
            let value = match reported.get(&1) {
                Some((b, v)) if !cfg.ignore_promised_values => {
                    if *v != own {
                        ctx.note(format!("N{} must propose {} (accepted in ballot {}) instead of its own {}", self.id, v.text(), b.text(), own.text()));
                    }
                    v.clone()
                }
                _ => own,
            };
            self.phase = Phase::Accepting;
            self.propose(cfg, 1, value, ctx);
            return;
        }
        self.phase = Phase::Leading;
        self.leader = Some((self.id, self.ballot));
        self.attempts = 0;
        self.ready.became_leader = true;
        ctx.cancel_timer(Timer::Leader);
        self.timer = None;
        ctx.announce(format_args!("N{} leads with ballot {}", self.id, self.ballot.text()));
        let top = reported.keys().next_back().copied().unwrap_or(0).max(self.top_learned());
        let mut noops = 0;
        for s in self.executed + 1..=top {
            if self.learned.contains_key(&s) {
                continue;
            }
            let value = match reported.get(&s) {
                Some((_, v)) if !cfg.ignore_promised_values => v.clone(),
                _ => {
                    noops += 1;
                    Value::Noop
                }
            };
            self.propose(cfg, s, value, ctx);
        }
        if noops > 0 {
            ctx.announce(format_args!("N{} fills {noops} gap(s) with no-ops", self.id));
        }
        self.next_slot = top + 1;
        self.heartbeat(cfg, ctx);
        ctx.set_timer(Timer::Heartbeat, cfg.heartbeat_ms * crate::MS);
        self.fill_window(cfg, ctx);
    }

    fn top_learned(&self) -> Slot {
        self.learned.last().map_or(0, |(s, _)| *s)
    }

    // ----- proposer: phase 2 -----

    fn propose(&mut self, cfg: &Paxos, slot: Slot, value: Value, ctx: &mut Ctx<Paxos>) {
        self.proposals.insert(slot, (value.clone(), ctx.now()));
        let msg = Msg::Accept { ballot: self.ballot, slot, value };
        self.send_acceptors(cfg, &msg, ctx);
    }

    /// Leader: gives queued commands slots while the window has room.
    fn fill_window(&mut self, cfg: &Paxos, ctx: &mut Ctx<Paxos>) {
        while self.is_leader() && self.next_slot <= self.executed + WINDOW {
            let Some(cmd) = self.queue.pop_front() else { break };
            let slot = self.next_slot;
            self.next_slot += 1;
            ctx.note(format!("N{} proposes {}={} for slot {slot}", self.id, cmd.key, cmd.value));
            self.propose(cfg, slot, Value::Cmd(cmd), ctx);
        }
    }

    /// Multi-Paxos: the commands of the open proposals go back to the head of the queue, in
    /// slot order, to be proposed again or forwarded to the next leader. A value some acceptor
    /// accepted may be recovered by the next leader's phase 1 as well; replicas apply a
    /// command once.
    fn requeue_open(&mut self) {
        for (_, (v, _)) in self.proposals.iter().rev() {
            if let Value::Cmd(c) = v {
                if self.queue.len() < QUEUE_MAX && !self.queue.iter().any(|q| q.id == c.id) {
                    self.queue.push_front(c.clone());
                }
            }
        }
        self.proposals.clear();
    }

    fn on_reject(&mut self, cfg: &Paxos, ballot: Ballot, higher: Ballot, ctx: &mut Ctx<Paxos>) {
        self.seen = self.seen.max(higher);
        self.max_round = self.max_round.max(higher.round);
        if ballot != self.ballot || !matches!(self.phase, Phase::Preparing | Phase::Accepting | Phase::Leading) {
            return;
        }
        ctx.announce(format_args!("N{}'s ballot {} is refused: an acceptor promised {}", self.id, ballot.text(), higher.text()));
        if cfg.multi {
            if self.is_leader() && !self.proposals.is_empty() {
                ctx.note(format!("N{} steps down; its {} open command(s) wait for the next leader", self.id, self.proposals.len()));
            }
            self.phase = Phase::Idle;
            self.requeue_open();
            self.leader = Some((higher.proposer, higher));
            ctx.cancel_timer(Timer::Heartbeat);
            self.arm_leader_timer(cfg, ctx);
            return;
        }
        self.proposals.clear();
        if cfg.backoff {
            self.attempts = (self.attempts + 1).min(6);
            let cap = (cfg.backoff_ms * crate::MS) << self.attempts.min(4);
            let wait = ctx.rng().range(cap / 4, cap.max(1));
            self.phase = Phase::Backoff;
            self.arm_retry(wait, ctx);
        } else {
            // Without backoff, try again at once: two proposers can pre-empt each other forever.
            self.start_phase1(cfg, ctx);
        }
    }

    // ----- acceptor: phase 2 -----

    fn on_accept(&mut self, cfg: &Paxos, from: NodeId, ballot: Ballot, slot: Slot, value: Value, ctx: &mut Ctx<Paxos>) {
        if !self.is_acceptor {
            return;
        }
        if ballot >= self.promised {
            // P1a: accept unless a higher ballot was promised.
            self.promised = ballot;
            self.seen = self.seen.max(ballot);
            self.ready.acceptor.push(AcceptorEvent::Accepted(slot, ballot, value.ident()));
            self.accepted.insert_mut(slot, (ballot, value.clone()));
            let msg = Msg::Accepted { ballot, slot, value };
            self.send_all(cfg, &msg, ctx);
        } else {
            self.send(from, Msg::Reject { ballot, higher: self.promised, phase: 2 }, ctx);
        }
    }

    // ----- learner and replica -----

    fn on_accepted(&mut self, cfg: &Paxos, from: NodeId, ballot: Ballot, slot: Slot, value: Value, ctx: &mut Ctx<Paxos>) {
        if from >= cfg.acceptors || self.learned.contains_key(&slot) || slot <= self.executed {
            return;
        }
        let t = self.tallies.get_or_insert(slot, (ballot, 0, value.clone()));
        if ballot > t.0 {
            *t = (ballot, 0, value);
        } else if ballot < t.0 {
            return;
        }
        t.1 |= bit(from);
        if t.1.count_ones() >= cfg.q2() {
            let (b, v) = (t.0, t.2.clone());
            self.learn(cfg, slot, v, Some(b), ctx);
        }
    }

    /// Records a chosen value (learned from a quorum of `via`, or from another learner) and
    /// executes what is now contiguous.
    fn learn(&mut self, cfg: &Paxos, slot: Slot, value: Value, via: Option<Ballot>, ctx: &mut Ctx<Paxos>) {
        if self.learned.contains_key(&slot) || slot <= self.executed {
            return;
        }
        self.tallies.remove(&slot);
        self.learned.insert_mut(slot, value.clone());
        self.ready.learned.push((slot, value.clone()));
        if cfg.multi {
            ctx.note(format!("N{} learns slot {slot}: {}", self.id, value.text()));
        } else {
            ctx.announce(format_args!("N{} learns the decision: {}", self.id, value.text()));
        }
        if let Some((v, _)) = self.proposals.remove(&slot) {
            if v != value {
                ctx.note(format!("N{}'s proposal {} lost slot {slot} to {}", self.id, v.text(), value.text()));
            }
        }
        if !cfg.multi && self.is_proposer && matches!(self.phase, Phase::Preparing | Phase::Accepting | Phase::Backoff) {
            if via != Some(self.ballot) || self.phase != Phase::Accepting {
                // Decided by someone else's ballot: the learners this proposer's own ballot
                // would have reached may not know, so it tells them (the "distinguished
                // learner" of Paxos Made Simple §2.3).
                let msg = Msg::Decided { entries: alloc::vec![(slot, value.clone())] };
                for n in 0..cfg.nodes() {
                    if n != self.id {
                        self.send(n, msg.clone(), ctx);
                    }
                }
            }
            self.phase = Phase::Done;
            self.attempts = 0;
            self.timer = None;
            ctx.cancel_timer(Timer::Retry);
        }
        self.execute();
        self.fill_window(cfg, ctx);
    }

    fn execute(&mut self) {
        while let Some(v) = self.learned.get(&(self.executed + 1)).cloned() {
            self.executed += 1;
            if let Value::Cmd(c) = &v {
                if !self.applied.contains(&c.id) {
                    self.applied.insert_mut(c.id);
                    self.kv.insert_mut(c.key.clone(), c.value.clone());
                }
            }
            self.ready.executed.push((self.executed, v.ident()));
        }
        // Tallies for executed slots are of no use any more.
        while let Some((&s, _)) = self.tallies.first_key_value() {
            if s > self.executed {
                break;
            }
            self.tallies.remove(&s);
        }
    }

    fn on_heartbeat(&mut self, cfg: &Paxos, from: NodeId, ballot: Ballot, executed: Slot, ctx: &mut Ctx<Paxos>) {
        if ballot < self.seen.max(self.promised) && self.leader.is_none_or(|(_, b)| b != ballot) {
            return; // A leader that a newer ballot has overtaken.
        }
        self.seen = self.seen.max(ballot);
        if self.is_proposer && matches!(self.phase, Phase::Preparing | Phase::Leading) && self.ballot < ballot {
            ctx.note(format!("N{} hears leader N{from} with ballot {} and stops standing", self.id, ballot.text()));
            self.phase = Phase::Idle;
            self.requeue_open();
            ctx.cancel_timer(Timer::Heartbeat);
        }
        if self.is_leader() {
            return;
        }
        self.leader = Some((from, ballot));
        if self.is_proposer {
            self.arm_leader_timer(cfg, ctx);
        }
        // Lagging replicas ask for what they missed, at most once per heartbeat.
        if executed > self.executed && ctx.now() >= self.catchup_at {
            self.catchup_at = ctx.now() + cfg.heartbeat_ms * crate::MS;
            self.send(from, Msg::CatchUp { from: self.executed + 1 }, ctx);
        }
        // Commands queued while no leader was known go to the new one.
        while let Some(cmd) = self.queue.pop_front() {
            self.send(from, Msg::Forward { cmd, hops: 1 }, ctx);
        }
    }

    fn on_catchup(&mut self, from: NodeId, from_slot: Slot, ctx: &mut Ctx<Paxos>) {
        let entries: Vec<(Slot, Value)> = self.learned.range(from_slot..).take(CATCHUP_MAX).map(|(s, v)| (*s, v.clone())).collect();
        if !entries.is_empty() {
            self.send(from, Msg::Decided { entries }, ctx);
        }
    }

    // ----- clients -----

    /// A client command arrives here (from the lab or forwarded).
    fn submit(&mut self, cfg: &Paxos, cmd: Command, hops: u8, ctx: &mut Ctx<Paxos>) {
        if !cfg.multi {
            if !self.is_proposer {
                ctx.note(format!("N{} is not a proposer: {}={} is refused", self.id, cmd.key, cmd.value));
                return;
            }
            return self.propose_single(cfg, cmd, ctx);
        }
        match self.phase {
            Phase::Leading => {
                if self.queue.iter().any(|c| c.id == cmd.id) || self.proposals.values().any(|(v, _)| v.ident() == cmd.id) {
                    return; // A duplicated message.
                }
                self.enqueue(cmd, ctx);
                self.fill_window(cfg, ctx);
            }
            Phase::Preparing => self.enqueue(cmd, ctx),
            _ => match self.leader {
                Some((l, _)) if l != self.id && hops < HOPS_MAX => {
                    ctx.note(format!("N{} forwards {}={} to leader N{l}", self.id, cmd.key, cmd.value));
                    self.send(l, Msg::Forward { cmd, hops: hops + 1 }, ctx);
                }
                _ => ctx.note(format!("N{} knows no leader: {}={} is refused (the client would retry)", self.id, cmd.key, cmd.value)),
            },
        }
    }

    fn enqueue(&mut self, cmd: Command, ctx: &mut Ctx<Paxos>) {
        if self.queue.len() >= QUEUE_MAX {
            ctx.note(format!("N{}'s queue is full: {}={} is refused", self.id, cmd.key, cmd.value));
        } else {
            self.queue.push_back(cmd);
        }
    }

    /// Single decree: this proposer wants `cmd` chosen.
    fn propose_single(&mut self, cfg: &Paxos, cmd: Command, ctx: &mut Ctx<Paxos>) {
        if let Some(v) = self.learned.get(&1).cloned() {
            ctx.note(format!("N{} already knows the decision ({}); it tells everyone", self.id, v.text()));
            let msg = Msg::Decided { entries: alloc::vec![(1, v)] };
            for n in 0..cfg.nodes() {
                if n != self.id {
                    self.send(n, msg.clone(), ctx);
                }
            }
            return;
        }
        self.own = Some(Value::Cmd(cmd));
        self.attempts = 0;
        self.start_phase1(cfg, ctx);
    }

    /// Handles a node command.
    pub fn on_command(&mut self, cfg: &Paxos, cmd: super::NodeCommand, ctx: &mut Ctx<Paxos>) {
        self.ready = Ready::default();
        match cmd {
            super::NodeCommand::Request { key, value } => {
                let c = self.new_command(key, value, ctx);
                self.submit(cfg, c, 0, ctx);
            }
            super::NodeCommand::Propose { key, value } => {
                if !self.is_proposer {
                    ctx.note(format!("N{} is not a proposer", self.id));
                } else if cfg.multi && !self.is_leader() {
                    // "Propose here": stand for leader with a higher ballot, then propose.
                    let c = self.new_command(key, value, ctx);
                    self.enqueue(c, ctx);
                    self.start_phase1(cfg, ctx);
                } else {
                    let c = self.new_command(key, value, ctx);
                    self.submit(cfg, c, 0, ctx);
                }
            }
            super::NodeCommand::Timeout => {
                if !self.is_proposer {
                    ctx.note(format!("N{} is not a proposer", self.id));
                } else if cfg.multi {
                    if self.is_leader() {
                        ctx.note(format!("N{} already leads", self.id));
                    } else {
                        self.start_phase1(cfg, ctx);
                    }
                } else if self.own.is_some() && self.phase != Phase::Done {
                    self.start_phase1(cfg, ctx);
                } else {
                    ctx.note(format!("N{} has nothing to propose", self.id));
                }
            }
        }
        self.drain(cfg, ctx);
    }

    fn new_command(&mut self, key: String, value: String, ctx: &mut Ctx<Paxos>) -> Command {
        let id = ctx.rng().next_u64() | 1; // never 0, the no-op's ident
        self.ready.proposed.push(id);
        Command { id, key, value, origin: self.id, submitted_at: ctx.now() }
    }

    // ----- dispatch -----

    /// Handles a message from the network.
    pub fn on_message(&mut self, cfg: &Paxos, from: NodeId, msg: Msg, ctx: &mut Ctx<Paxos>) {
        self.ready = Ready::default();
        self.handle(cfg, from, msg, ctx);
        self.drain(cfg, ctx);
    }

    fn handle(&mut self, cfg: &Paxos, from: NodeId, msg: Msg, ctx: &mut Ctx<Paxos>) {
        match msg {
            Msg::Prepare { ballot, from: s } => self.on_prepare(cfg, from, ballot, s, ctx),
            Msg::Promise { ballot, accepted, truncated } => self.on_promise(cfg, from, ballot, accepted, truncated, ctx),
            Msg::Accept { ballot, slot, value } => self.on_accept(cfg, from, ballot, slot, value, ctx),
            Msg::Accepted { ballot, slot, value } => self.on_accepted(cfg, from, ballot, slot, value, ctx),
            Msg::Reject { ballot, higher, .. } => self.on_reject(cfg, ballot, higher, ctx),
            Msg::Heartbeat { ballot, executed } => {
                if cfg.multi {
                    self.on_heartbeat(cfg, from, ballot, executed, ctx)
                }
            }
            Msg::CatchUp { from: s } => self.on_catchup(from, s, ctx),
            Msg::Decided { entries } => {
                for (slot, value) in entries {
                    self.learn(cfg, slot, value, None, ctx);
                }
            }
            Msg::Forward { cmd, hops } => self.submit(cfg, cmd, hops, ctx),
        }
    }
}
