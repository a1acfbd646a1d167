//! The simulated world: virtual clock, event queue, network, node lifecycle, invariant checks.
//!
//! Events are ordered by `(time, sequence number)`, so ties always break the same way. User
//! actions are not in the heap: they live in the run's action script (owned by [`crate::Sim`])
//! and the world keeps a cursor into it. An action at time `t` takes effect after every queued
//! event at `t` and before any event after `t`; a metric sample at `t` sees everything at or
//! before `t`. Those two rules make a run replay identically whether it is driven one event at a
//! time, by `run_until`, or resumed from a snapshot.

use crate::action::{Action, TimedAction};
use crate::model::{Ctx, Effect, Envelope, Happened, Model, NodeCell, Nodes, Slot, SlotList};
use crate::net::{Fate, Loss, Network};
use crate::rng::{Rng, NETWORK_STREAM};
use crate::small::{SeqMap, SmallMap};
use crate::time::Time;
use crate::text;
use crate::trace::{Text, TraceEntry, TraceHash, TraceKind};
use crate::view::{MessageView, NodeStatus, View, Violation};
use crate::{MsgId, NodeId};
use alloc::collections::BinaryHeap;
use alloc::rc::Rc;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

/// Where a world reports what happens, so the world itself stays small to snapshot.
pub trait Sink {
    /// A trace entry.
    fn trace(&mut self, entry: TraceEntry);
    /// A metric sample at `time`, one value per metric.
    fn sample(&mut self, time: Time, values: &[f64]);
    /// An invariant violation.
    fn violation(&mut self, violation: Violation);
}

/// A sink that keeps nothing (benchmarks, fast-forwarding checks).
pub struct NullSink;
impl Sink for NullSink {
    fn trace(&mut self, _: TraceEntry) {}
    fn sample(&mut self, _: Time, _: &[f64]) {}
    fn violation(&mut self, _: Violation) {}
}

/// A sink that keeps only the violations, in the order found (seeded sweeps and other drivers
/// that need no trace).
#[derive(Debug, Default)]
pub struct Violations(pub Vec<Violation>);
impl Sink for Violations {
    fn trace(&mut self, _: TraceEntry) {}
    fn sample(&mut self, _: Time, _: &[f64]) {}
    fn violation(&mut self, v: Violation) {
        self.0.push(v);
    }
}

/// A queued event. Not generic: the event queue, its ordering and the timer bookkeeping are one
/// copy in the page for every model. A timer is named by its node and the sequence number of
/// the queue entry standing for it (see [`Armed`]); the world finds its key when it fires.
#[derive(Clone, Copy, Debug)]
enum Ev {
    Deliver(MsgId),
    /// A timer of this node, by its tag: `Armed::queued.1`.
    Timer(NodeId, u64),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    at: Time,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

/// An armed timer: when it fires, and the queue entry that stands for it; the world's table
/// keeps one per timer key. Queue entries (and the backlog) name it by its tag, the sequence
/// number of that entry (`queued.1`): sequence numbers are unique, so at most one record of a
/// node has a given tag.
///
/// Re-arming a timer for later (a follower restarting its election timeout on every heartbeat,
/// say) does not push a new entry: the entry already queued stays, and when it comes up early
/// it is pushed again at the timer's real `(at, seq)`. Events are ordered by `(time, seq)`, so
/// the run is exactly what it would be with an entry pushed per arming, and the queue does not
/// fill with dead entries.
#[derive(Clone, Copy, Debug)]
struct Armed {
    /// When it fires, and its sequence number (from its latest arming); 0 while set aside
    /// because its node is paused (not armed: see [`Armed::parked`]).
    at: Time,
    seq: u64,
    /// The queue entry standing for it: `(time, seq)`, at or before `(at, seq)`.
    queued: (Time, u64),
}

impl Armed {
    /// Set aside while its node is paused: not armed, and no queue entry stands for it.
    fn parked(&self) -> bool {
        self.seq == 0
    }
}

/// The world's table of armed timers as the kernel reaches it: by node and tag, without the
/// model's timer type.
trait ArmedTable {
    /// The record of the timer at `node` with `tag`.
    fn by_tag(&mut self, node: NodeId, tag: u64) -> Option<&mut Armed>;
}

impl<T: Ord> ArmedTable for SmallMap<(NodeId, T), Armed> {
    fn by_tag(&mut self, node: NodeId, tag: u64) -> Option<&mut Armed> {
        let i = position_of(self, node, tag)?;
        Some(&mut self.as_mut_slice()[i].1)
    }
}

/// Where the timer at `node` with `tag` sits in a world's table. Keys are in (node, timer)
/// order: look among this node's only.
fn position_of<T: Ord>(table: &SmallMap<(NodeId, T), Armed>, node: NodeId, tag: u64) -> Option<usize> {
    let entries = table.as_slice();
    let start = entries.partition_point(|((n, _), _)| *n < node);
    Some(start + entries[start..].iter().take_while(|((n, _), _)| *n == node).position(|(_, armed)| armed.queued.1 == tag)?)
}

/// Why an action found nothing to act on (see [`Kernel::refused`]).
enum Refused<'a> {
    /// A command (its name) for a node that is not running.
    NotRunning(&'a str, NodeId),
    /// The model refused the action; why.
    Ignored(&'a str),
    /// A message id not in flight.
    NotInFlight(MsgId),
    /// A timer id not armed at the node.
    NotArmed(u64, NodeId),
}

/// Why a message was lost, for its trace line (see [`Kernel::lost`]).
enum Lost {
    /// It arrived at a node that is down.
    Down,
    /// It waited for a paused node that crashed.
    Crashed,
    /// The user dropped it.
    Dropped,
    /// The network lost it.
    Net(Loss),
}

/// Where a message sent now goes (see [`Kernel::route`]).
enum Route {
    /// Lost on the way: its id, and why.
    Lost(MsgId, Loss),
    /// Queued for delivery at `at` as message `id`, and possibly a duplicate too.
    Sent { id: MsgId, at: Time, dup: Option<(MsgId, Time)> },
}

/// The part of a world that does not depend on the model: clock, event queue, armed timers,
/// network, trace hash, script cursor. Its code is one copy for every model; [`World`] adds
/// the model, its nodes, messages and timer keys, and calls the model.
#[derive(Debug)]
pub(crate) struct Kernel {
    seed: u64,
    now: Time,
    seq: u64,
    events: u64,
    queue: BinaryHeap<Entry>,
    /// Events that arrived while a node was paused, in arrival order (a timer set aside keeps
    /// its key in the world's table, parked, until its node resumes).
    backlog: Vec<(NodeId, Ev)>,
    /// Shared with copies until a partition, cut or link setting changes it.
    net: Rc<Network>,
    net_rng: Rng,
    action_cursor: usize,
    next_sample: Time,
    hash: TraceHash,
    /// Set by [`Action::Manual`]: queued events wait for `Deliver` and `Fire` actions.
    manual: bool,
    /// Record nothing, not even the important entries that feed the trace hash without
    /// tracing (the model checker's worlds: no one reads their trace).
    quiet: bool,
    violations: Vec<Violation>,
    samples: Vec<f64>,
}

/// A snapshot: everything but the scratch buffers, which are empty between events.
impl Clone for Kernel {
    #[inline(never)]
    fn clone(&self) -> Self {
        // With room for the events of a step or two, so that the copy's next step does not
        // reallocate them (the model checker takes one step per copy).
        let mut queue = BinaryHeap::with_capacity(if self.manual { 0 } else { self.queue.len() + ROOM });
        queue.clone_from(&self.queue);
        Kernel {
            seed: self.seed,
            now: self.now,
            seq: self.seq,
            events: self.events,
            queue,
            backlog: self.backlog.clone(),
            net: self.net.clone(),
            net_rng: self.net_rng.clone(),
            action_cursor: self.action_cursor,
            next_sample: self.next_sample,
            hash: self.hash,
            manual: self.manual,
            quiet: self.quiet,
            violations: Vec::new(),
            samples: Vec::new(),
        }
    }

    /// The same copy into this kernel's buffers (the model checker reuses the worlds of the
    /// successors it throws away).
    fn clone_from(&mut self, src: &Self) {
        self.queue.clone_from(&src.queue);
        self.backlog.clone_from(&src.backlog);
        self.net.clone_from(&src.net);
        self.violations.clear();
        self.samples.clear();
        self.seed = src.seed;
        self.now = src.now;
        self.seq = src.seq;
        self.events = src.events;
        self.net_rng = src.net_rng.clone();
        self.action_cursor = src.action_cursor;
        self.next_sample = src.next_sample;
        self.hash = src.hash;
        self.manual = src.manual;
        self.quiet = src.quiet;
    }
}

impl Kernel {
    pub(crate) fn now(&self) -> Time {
        self.now
    }
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }
    pub(crate) fn events(&self) -> u64 {
        self.events
    }
    pub(crate) fn action_cursor(&self) -> usize {
        self.action_cursor
    }
    pub(crate) fn trace_hash(&self) -> u64 {
        self.hash.0
    }
    pub(crate) fn next_sample(&self) -> Time {
        self.next_sample
    }

    fn new(seed: u64) -> Self {
        Kernel {
            seed,
            now: 0,
            seq: 0,
            events: 0,
            queue: BinaryHeap::new(),
            backlog: Vec::new(),
            net: Rc::default(),
            net_rng: Rng::stream(seed, NETWORK_STREAM),
            action_cursor: 0,
            next_sample: 0,
            hash: TraceHash::default(),
            manual: false,
            quiet: false,
            violations: Vec::new(),
            samples: Vec::new(),
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Queues an event for the clock, which in manual mode never takes one: there the queue
    /// stays empty (the timeline's `Deliver` and `Fire` actions name messages and timers by id,
    /// and timers keep their deadlines in the world's table), so copies of a manual world, as the model
    /// checker makes for every step, carry no queue.
    fn enqueue(&mut self, entry: Entry) {
        if !self.manual {
            self.queue.push(entry);
        }
    }

    /// Pops queue entries of timers that no longer stand for anything (cancelled, fired, set
    /// aside) and moves re-armed timers to their real time, until the top of the queue is an
    /// armed timer or a message (`Some(id)`: whether it is still in flight is the world's to
    /// say), or the queue is empty.
    fn settle_top(&mut self, timers: &mut dyn ArmedTable) -> Option<MsgId> {
        while let Some(top) = self.queue.peek() {
            match top.ev {
                Ev::Deliver(id) => return Some(id),
                Ev::Timer(node, tag) => match timers.by_tag(node, tag) {
                    Some(armed) if !armed.parked() && armed.queued == (top.at, top.seq) => {
                        if armed.seq == top.seq {
                            return None;
                        }
                        // Re-armed for later since this entry was queued: queue it at its time.
                        armed.queued = (armed.at, armed.seq);
                        let entry = Entry { at: armed.at, seq: armed.seq, ev: Ev::Timer(node, armed.seq) };
                        self.queue.pop();
                        self.queue.push(entry);
                        continue;
                    }
                    _ => {}
                },
            }
            self.queue.pop();
        }
        None
    }

    /// Arms a timer at `node` not in the world's table yet to fire at `at`: its record.
    fn arm_new(&mut self, node: NodeId, at: Time) -> Armed {
        let seq = self.next_seq();
        self.enqueue(Entry { at, seq, ev: Ev::Timer(node, seq) });
        Armed { at, seq, queued: (at, seq) }
    }

    /// Arms `armed`, a timer at `node`, to fire at `at` (replacing an earlier arming).
    fn rearm(&mut self, node: NodeId, armed: &mut Armed, at: Time) {
        let seq = self.next_seq();
        if !armed.parked() && armed.queued.0 <= at {
            armed.at = at;
            armed.seq = seq;
            return;
        }
        *armed = Armed { at, seq, queued: (at, seq) };
        self.enqueue(Entry { at, seq, ev: Ev::Timer(node, seq) });
    }

    /// What to do next at or before `limit`: `Some(true)` apply the script's next action,
    /// `Some(false)` take the queue's top, `None` nothing (call after the top is settled).
    fn next_step(&self, actions: &[TimedAction], limit: Time) -> Option<bool> {
        let top = if self.manual { None } else { self.queue.peek() };
        let (action_next, at) = match (actions.get(self.action_cursor), top) {
            (None, None) => return None,
            (Some(a), Some(e)) => (a.at < e.at, if a.at < e.at { a.at.max(self.now) } else { e.at }),
            (Some(a), None) => (true, a.at.max(self.now)),
            (None, Some(e)) => (false, e.at),
        };
        if at > limit {
            None
        } else {
            Some(action_next)
        }
    }

    /// Where a message from `from` to `to` sent now goes, by the network's dice; a message
    /// that gets there is queued (and its copy, if the link duplicates it).
    fn route(&mut self, from: NodeId, to: NodeId, slow: Time) -> Route {
        let fate = self.net.fate(from, to, &mut self.net_rng);
        let id = self.next_seq();
        let (first, second) = match fate {
            Fate::Lost(why) => return Route::Lost(id, why),
            Fate::Once(d) => (d, None),
            Fate::Twice(d1, d2) => (d1, Some(d2)),
        };
        let dup = second.map(|d2| {
            let dup = self.next_seq();
            let at = self.now + d2 * slow;
            self.enqueue(Entry { at, seq: dup, ev: Ev::Deliver(dup) });
            (dup, at)
        });
        let at = self.now + first * slow;
        self.enqueue(Entry { at, seq: id, ev: Ev::Deliver(id) });
        Route::Sent { id, at, dup }
    }

    /// Hashes a trace entry and hands it to the sink. Not inlined: the world records from a
    /// dozen places, and every model would otherwise carry a copy of each.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn record(&mut self, sink: &mut dyn Sink, kind: TraceKind, node: Option<NodeId>, peer: Option<NodeId>, sent_at: Time, msg: Option<MsgId>, label: &'static str, text: Text, important: bool) {
        if self.quiet {
            return;
        }
        let entry = TraceEntry { event: self.events, time: self.now, kind, node, peer, sent_at, msg, label, text, important };
        self.hash.add(&entry);
        sink.trace(entry);
    }

    /// Reports the violations the model found after an event, and counts the event.
    #[inline(never)]
    fn end_event(&mut self, sink: &mut dyn Sink) {
        for mut v in self.violations.drain(..) {
            v.time = self.now;
            v.event = self.events;
            sink.violation(v);
        }
        self.events += 1;
    }

    /// Records an action about to be applied, or the note that it is ignored (`check` says
    /// why), which counts as its event. Returns whether to apply it.
    #[inline(never)]
    fn begin_action(&mut self, action: &Action, check: Result<(), ActionError>, tracing: bool, sink: &mut dyn Sink) -> bool {
        let important = !matches!(action, Action::Command { .. } | Action::Drop(_) | Action::Set(..) | Action::Deliver(_) | Action::Duplicate(_) | Action::Fire(..));
        // Without tracing, only important entries are recorded (as for notes): the model
        // checker applies an action per step and has no use for its text.
        if tracing || important {
            self.record(sink, TraceKind::Action, action.node(), None, 0, None, "action", action.describe().into(), important);
        }
        if let Err(why) = check {
            // Scripts are validated when loaded; a script edited into inconsistency is reported,
            // never panicked on.
            self.record(sink, TraceKind::Note, action.node(), None, 0, None, "note", text!("ignored: {why}"), false);
            self.events += 1;
            return false;
        }
        true
    }

    /// Records the note that an action found nothing to act on, and why.
    #[inline(never)]
    fn refused(&mut self, sink: &mut dyn Sink, node: Option<NodeId>, why: Refused<'_>) {
        let text = match why {
            Refused::NotRunning(name, node) => text!("{name} not delivered: node {node} is not running"),
            Refused::Ignored(why) => text!("ignored: {why}"),
            Refused::NotInFlight(id) => text!("message #{id} is not in flight"),
            Refused::NotArmed(id, node) => text!("timer #{id} is not armed at node {node}"),
        };
        self.record(sink, TraceKind::Note, node, None, 0, None, "note", text, false);
    }

    /// Records the loss of message `id` from `from` to `to`, sent at `sent_at`, with the
    /// model's `kind` and `label` for it.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn lost(&mut self, sink: &mut dyn Sink, from: NodeId, to: NodeId, sent_at: Time, id: MsgId, kind: &'static str, label: Text, why: Lost) {
        let text = match why {
            Lost::Down => text!("{label} lost: {to} is down"),
            Lost::Crashed => text!("{label} lost: {to} crashed"),
            Lost::Dropped => text!("{label} dropped by you"),
            Lost::Net(why) => {
                let reason = match why {
                    Loss::Partitioned => "partitioned",
                    Loss::Cut => "link cut",
                    _ => "lost on the wire",
                };
                text!("{label}: {reason}")
            }
        };
        self.record(sink, TraceKind::Lost, Some(to), Some(from), sent_at, Some(id), kind, text, false);
    }

    /// Applies an action that needs neither the model nor the nodes (network and mode changes).
    #[inline(never)]
    fn apply_plain(&mut self, action: &Action) {
        match action {
            Action::Manual => {
                // Nothing takes events from the queue from now on (see `enqueue`).
                self.manual = true;
                self.queue = BinaryHeap::new();
            }
            _ => Rc::make_mut(&mut self.net).apply(action),
        }
    }

    /// Forgets the events set aside for node `id`, as it crashes; returns the messages that
    /// waited for it, now lost.
    #[inline(never)]
    fn crash(&mut self, id: NodeId) -> Vec<MsgId> {
        let (mine, rest): (Vec<_>, Vec<_>) = core::mem::take(&mut self.backlog).into_iter().partition(|(n, _)| *n == id);
        self.backlog = rest;
        mine.into_iter()
            .filter_map(|(_, ev)| match ev {
                Ev::Deliver(msg) => Some(msg),
                Ev::Timer(..) => None,
            })
            .collect()
    }

    /// Queues again what was set aside while node `id` was paused, now: its timers are armed
    /// to fire now, its messages arrive now, in the order they came.
    #[inline(never)]
    fn resume(&mut self, id: NodeId, timers: &mut dyn ArmedTable) {
        let (mine, rest): (Vec<_>, Vec<_>) = core::mem::take(&mut self.backlog).into_iter().partition(|(n, _)| *n == id);
        self.backlog = rest;
        for (_, ev) in mine {
            match ev {
                Ev::Timer(n, tag) => {
                    if let Some(armed) = timers.by_tag(n, tag) {
                        self.rearm(n, armed, self.now);
                    }
                }
                ev => {
                    let seq = self.next_seq();
                    self.enqueue(Entry { at: self.now, seq, ev });
                }
            }
        }
    }
}

/// A simulated world running model `M`.
///
/// Copies are cheap (time-travel snapshots, the model checker's successor states): each node
/// (with its random stream), the network and every message in flight sit behind an `Rc`,
/// shared with the copies until one of them changes it; an event copies the one node it is
/// handled by. A manual world ([`Action::Manual`]) keeps no event queue at all.
///
/// What does not depend on the model (clock, queue, armed timers, network) is a [`Kernel`],
/// whose code every model shares; this type holds the model's own parts and calls the model.
#[derive(Debug)]
pub struct World<M: Model> {
    /// The model's configuration (changed only by `Set` actions).
    pub model: M,
    k: Kernel,
    /// Messages in flight by id (ids only grow, so this is an append-mostly queue).
    in_flight: SeqMap<Envelope<M::Msg>>,
    /// Each armed timer. A popped timer entry that is not the one standing for its timer is
    /// stale. A sorted vector, not a `BTreeMap`: a world holds a few timers per node, and each
    /// model's `BTreeMap` of its timer type was a copy of the B-tree code in the page.
    timers: SmallMap<(NodeId, M::Timer), Armed>,
    /// Each node's slot and random stream, shared with this world's copies until changed
    /// (see [`NodeCell`]): change one only through [`cell_mut`].
    cells: Vec<Rc<NodeCell<M>>>,
    ghost: M::Ghost,
    /// Whether to build trace text (off only in raw-throughput benchmarks).
    pub tracing: bool,
    scratch: Vec<Effect<M>>,
}

/// A snapshot: everything but the scratch buffer, which is empty between events (its element
/// type would otherwise add a copy of every model's effect and text cloning code to the page,
/// for a vector that is always empty when a world is cloned).
impl<M: Model> Clone for World<M> {
    fn clone(&self) -> Self {
        World {
            model: self.model.clone(),
            k: self.k.clone(),
            // With room for the messages of a step or two (see `Kernel::clone`).
            in_flight: self.in_flight.clone_with_room(ROOM),
            timers: self.timers.clone(),
            cells: self.cells.clone(),
            ghost: self.ghost.clone(),
            tracing: self.tracing,
            scratch: Vec::new(),
        }
    }

    /// The same copy, into this world's buffers.
    fn clone_from(&mut self, src: &Self) {
        self.model.clone_from(&src.model);
        self.k.clone_from(&src.k);
        self.in_flight.clone_from_with_room(&src.in_flight, ROOM);
        self.timers.clone_from(&src.timers);
        self.cells.clone_from(&src.cells);
        self.ghost.clone_from(&src.ghost);
        self.tracing = src.tracing;
        self.scratch.clear();
    }
}

/// Spare room in a copy's event queue and messages in flight.
const ROOM: usize = 2;

/// Why an action was refused.
pub type ActionError = String;

impl<M: Model> World<M> {
    /// Creates a world with the model's initial nodes, all started at time 0.
    pub fn new(model: M, seed: u64) -> Self {
        let mut w = World {
            model,
            k: Kernel::new(seed),
            in_flight: SeqMap::new(),
            timers: SmallMap::new(),
            cells: Vec::new(),
            ghost: M::Ghost::default(),
            tracing: true,
            scratch: Vec::new(),
        };
        for _ in 0..w.model.initial_nodes() {
            w.add_node(&mut NullSink);
        }
        w
    }

    /// The model-independent part: clock, counters, trace hash.
    pub(crate) fn kernel(&self) -> &Kernel {
        &self.k
    }
    /// Current virtual time.
    pub fn now(&self) -> Time {
        self.k.now
    }
    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.k.seed
    }
    /// Number of events processed so far.
    pub fn events(&self) -> u64 {
        self.k.events
    }
    /// Number of actions of the script already applied.
    pub fn action_cursor(&self) -> usize {
        self.k.action_cursor
    }
    /// Hash of every trace entry so far.
    pub fn trace_hash(&self) -> u64 {
        self.k.hash.0
    }
    /// Swaps `buf` with this world's buffer for its handlers' effects: the model checker lends
    /// one buffer to every world it makes, each of which takes a step or two, instead of each
    /// growing (and keeping) its own.
    pub(crate) fn swap_scratch(&mut self, buf: &mut Vec<Effect<M>>) {
        core::mem::swap(&mut self.scratch, buf);
    }
    /// Stops recording trace entries altogether, important ones included: tracing off, and the
    /// trace hash frozen (the model checker's worlds, whose trace no one reads).
    pub(crate) fn silence(&mut self) {
        self.tracing = false;
        self.k.quiet = true;
    }
    /// Time of the next metric sample.
    pub fn next_sample(&self) -> Time {
        self.k.next_sample
    }
    /// The network.
    pub fn network(&self) -> &Network {
        &self.k.net
    }
    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        self.cells.len() as u32
    }
    /// Read access to nodes and messages.
    pub fn nodes(&self) -> Nodes<'_, M> {
        Nodes { slots: SlotList::Cells(&self.cells), in_flight: &self.in_flight, now: self.k.now }
    }
    /// The ghost history.
    pub fn ghost(&self) -> &M::Ghost {
        &self.ghost
    }
    /// Number of messages in flight.
    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }
    /// Estimated bytes a snapshot (a clone) of this world costs beyond what it shares with the
    /// world it was cloned from: the event queue, messages and timers in full, each node and
    /// the ghost as the model counts them ([`Model::snapshot_bytes`], [`Model::ghost_bytes`]).
    /// Growing state in [`crate::persist`] collections is shared and barely counts.
    pub fn snapshot_bytes(&self) -> usize {
        use core::mem::size_of;
        // A B-tree slot costs about its key and value plus a share of its node.
        const TREE_SLOT: usize = 16;
        let mut bytes = size_of::<Self>()
            + self.k.queue.len() * size_of::<Entry>()
            + self.in_flight.len() * (size_of::<MsgId>() + size_of::<Envelope<M::Msg>>() + TREE_SLOT)
            + self.timers.len() * (size_of::<(NodeId, M::Timer)>() + size_of::<Armed>() + TREE_SLOT)
            + self.k.backlog.len() * size_of::<(NodeId, Ev)>()
            + self.cells.len() * (size_of::<NodeCell<M>>() + 2 * size_of::<usize>())
            + self.model.ghost_bytes(&self.ghost);
        for cell in &self.cells {
            if let Some(node) = &cell.slot.state {
                bytes += self.model.snapshot_bytes(node);
            }
        }
        bytes
    }
    /// A node's status, if it exists.
    pub fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.cells.get(id as usize).map(|c| c.slot.status)
    }
    /// A model query.
    pub fn query(&self, name: &str) -> Option<f64> {
        self.model.query(&self.nodes(), &self.ghost, name)
    }

    /// Whether queued events wait for the timeline to pick them ([`Action::Manual`]).
    pub fn manual(&self) -> bool {
        self.k.manual
    }
    /// Armed timers: node, key, and the id that names the timer in [`Action::Fire`].
    pub fn armed_timers(&self) -> impl Iterator<Item = (NodeId, &M::Timer, u64)> + '_ {
        // A key set aside while its node is paused is not armed.
        self.timers.iter().filter(|(_, armed)| !armed.parked()).map(|((n, t), armed)| (*n, t, armed.seq))
    }
    /// When an armed timer is due, by its id.
    pub fn timer_deadline(&self, id: u64) -> Option<Time> {
        self.timers.values().find(|armed| !armed.parked() && armed.seq == id).map(|armed| armed.at)
    }
    /// Applies one action at time `at` (or now, if that is later) outside any script, exactly as
    /// [`World::step`] applies a script's action: the model checker drives a world this way, and
    /// a scenario of the same actions replays it.
    pub fn act_at(&mut self, at: Time, action: &Action, sink: &mut dyn Sink) -> Result<(), ActionError> {
        let cmd = self.check(action)?;
        let at = at.max(self.k.now);
        self.emit_samples_before(at, sink);
        self.k.now = at;
        self.apply_action(action, Ok(cmd), sink);
        Ok(())
    }

    /// Pops queue entries that no longer stand for anything (delivered or dropped messages,
    /// cancelled timers) and moves re-armed timers to their real time, so that the top of the
    /// queue is the next event.
    fn drop_stale(&mut self) {
        while let Some(id) = self.k.settle_top(&mut self.timers) {
            if self.in_flight.contains_key(&id) {
                return;
            }
            self.k.queue.pop();
        }
    }

    /// Arms `timer` at `node` to fire at `at` (replacing an earlier arming).
    fn arm(&mut self, node: NodeId, timer: M::Timer, at: Time) {
        let key = (node, timer);
        match self.timers.get_mut(&key) {
            Some(armed) => self.k.rearm(node, armed, at),
            None => {
                let armed = self.k.arm_new(node, at);
                self.timers.insert(key, armed);
            }
        }
    }

    /// Disarms `timer` at `node`.
    fn cancel(&mut self, node: NodeId, timer: M::Timer) {
        self.timers.remove(&(node, timer));
    }

    /// Processes the next event or action. Returns false when nothing is left.
    pub fn step(&mut self, actions: &[TimedAction], sink: &mut dyn Sink) -> bool {
        self.step_within(actions, Time::MAX, sink)
    }

    /// Processes the next event or action at or before `limit`; false if there is none. Events
    /// for a paused node are set aside without counting, so the one after them may lie past
    /// the limit: it is left for later, and the clock stays where it was.
    pub fn step_within(&mut self, actions: &[TimedAction], limit: Time, sink: &mut dyn Sink) -> bool {
        loop {
            self.drop_stale();
            let Some(action_next) = self.k.next_step(actions, limit) else { return false };
            if action_next {
                let timed = &actions[self.k.action_cursor];
                let at = timed.at.max(self.k.now);
                self.emit_samples_before(at, sink);
                self.k.now = at;
                self.k.action_cursor += 1;
                // `actions` is not part of the world: no need to clone the action to apply it.
                self.apply_action(&timed.action, self.check(&timed.action), sink);
                return true;
            }
            let Some(entry) = self.k.queue.pop() else { return false };
            self.emit_samples_before(entry.at, sink);
            self.k.now = entry.at;
            if self.handle(entry.ev, sink) {
                return true;
            }
        }
    }

    /// Processes everything up to and including time `t`, then sets the clock to `t`.
    /// Stops early after `max_events` events; returns the number processed.
    pub fn run_until(&mut self, t: Time, actions: &[TimedAction], max_events: u64, sink: &mut dyn Sink) -> u64 {
        let mut n = 0;
        while n < max_events {
            if !self.step_within(actions, t, sink) {
                self.advance_to(t, sink);
                break;
            }
            n += 1;
        }
        n
    }

    /// Moves the clock to `t`, taking the samples due, when nothing is left to happen before it.
    pub fn advance_to(&mut self, t: Time, sink: &mut dyn Sink) {
        if t > self.k.now {
            self.emit_samples_through(t, sink);
            self.k.now = t;
        }
    }

    fn emit_samples_before(&mut self, t: Time, sink: &mut dyn Sink) {
        while self.k.next_sample < t {
            self.take_sample(sink);
        }
    }

    fn emit_samples_through(&mut self, t: Time, sink: &mut dyn Sink) {
        while self.k.next_sample <= t {
            self.take_sample(sink);
        }
    }

    fn take_sample(&mut self, sink: &mut dyn Sink) {
        let at = self.k.next_sample;
        let mut values = core::mem::take(&mut self.k.samples);
        values.clear();
        let nodes = Nodes { slots: SlotList::Cells(&self.cells), in_flight: &self.in_flight, now: at };
        self.model.sample(&nodes, &mut self.ghost, &mut values);
        sink.sample(at, &values);
        self.k.samples = values;
        self.k.next_sample = at + self.model.metric_interval().max(1);
    }


    /// Handles one popped event; false if it was not handled (set aside while its node is
    /// paused).
    fn handle(&mut self, ev: Ev, sink: &mut dyn Sink) -> bool {
        match ev {
            Ev::Deliver(id) => {
                let to = self.in_flight.get(&id).expect("checked by drop_stale").to;
                let status = self.cells[to as usize].slot.status;
                if status == NodeStatus::Paused {
                    self.k.backlog.push((to, ev));
                    return false;
                }
                let env = self.in_flight.remove(&id).expect("checked by drop_stale");
                if status == NodeStatus::Crashed {
                    self.model.on_lost(&mut self.ghost, &env.msg, Loss::NodeDown);
                    if self.tracing {
                        let (kind, label) = self.model.trace_msg(&env.msg);
                        self.k.lost(sink, env.from, env.to, env.sent_at, id, kind, label, Lost::Down);
                    }
                    self.k.events += 1;
                    return true;
                }
                if self.tracing {
                    let (kind, label) = self.model.trace_msg(&env.msg);
                    self.k.record(sink, TraceKind::Deliver, Some(env.to), Some(env.from), env.sent_at, Some(id), kind, label, false);
                }
                let mut out = core::mem::take(&mut self.scratch);
                {
                    let NodeCell { slot, rng } = cell_mut(&mut self.cells, to);
                    let node = slot.state.as_mut().expect("up nodes have state");
                    let mut ctx = Ctx { now: self.k.now, id: to, rng, out: &mut out, byzantine: slot.byzantine, tracing: self.tracing, quiet: self.k.quiet };
                    self.model.on_message(node, env.from, env.msg, &mut ctx);
                }
                self.apply_effects(to, &mut out, sink);
                self.scratch = out;
                self.after_event(Happened::Delivered(to), sink);
                true
            }
            Ev::Timer(node, tag) => {
                let i = position_of(&self.timers, node, tag).expect("an armed timer is in the table");
                if self.cells[node as usize].slot.status == NodeStatus::Paused {
                    // Disarmed while it waits (parked); resuming arms it again.
                    self.timers.as_mut_slice()[i].1.seq = 0;
                    self.k.backlog.push((node, ev));
                    return false;
                }
                let timer = self.timers.remove_at(i).0 .1;
                if self.tracing {
                    let label = self.model.timer_label(&timer);
                    self.k.record(sink, TraceKind::Timer, Some(node), None, 0, None, label, Text::lazy(at_node, label, [node as u64, 0, 0, 0]), false);
                }
                let mut out = core::mem::take(&mut self.scratch);
                {
                    let NodeCell { slot, rng } = cell_mut(&mut self.cells, node);
                    let state = slot.state.as_mut().expect("crashed nodes have no timers");
                    let mut ctx = Ctx { now: self.k.now, id: node, rng, out: &mut out, byzantine: slot.byzantine, tracing: self.tracing, quiet: self.k.quiet };
                    self.model.on_timer(state, timer, &mut ctx);
                }
                self.apply_effects(node, &mut out, sink);
                self.scratch = out;
                self.after_event(Happened::Timer(node), sink);
                true
            }
        }
    }

    fn after_event(&mut self, what: Happened, sink: &mut dyn Sink) {
        let nodes = Nodes { slots: SlotList::Cells(&self.cells), in_flight: &self.in_flight, now: self.k.now };
        self.model.observe(&nodes, &mut self.ghost, what, &mut self.k.violations);
        self.k.end_event(sink);
    }

    fn apply_effects(&mut self, node: NodeId, out: &mut Vec<Effect<M>>, sink: &mut dyn Sink) {
        let slow = match self.cells[node as usize].slot.status {
            NodeStatus::Slow(k) => k.max(1) as Time,
            _ => 1,
        };
        for effect in out.drain(..) {
            match effect {
                Effect::Send(to, msg) => self.send(node, to, msg, slow, sink),
                Effect::SetTimer(timer, after) => self.arm(node, timer, self.k.now + after.saturating_mul(slow)),
                Effect::CancelTimer(timer) => self.cancel(node, timer),
                Effect::Note(text, important) => {
                    if self.tracing || important {
                        self.k.record(sink, TraceKind::Note, Some(node), None, 0, None, "note", text, important);
                    }
                }
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: M::Msg, slow: Time, sink: &mut dyn Sink) {
        if to as usize >= self.cells.len() {
            debug_assert!(false, "node {from} sent to missing node {to}");
            return;
        }
        let now = self.k.now;
        match self.k.route(from, to, slow) {
            Route::Lost(id, why) => {
                self.model.on_lost(&mut self.ghost, &msg, why);
                if self.tracing {
                    let (kind, label) = self.model.trace_msg(&msg);
                    self.k.lost(sink, from, to, now, id, kind, label, Lost::Net(why));
                }
            }
            Route::Sent { id, at, dup } => {
                if let Some((dup, at)) = dup {
                    self.in_flight.insert(dup, Envelope { from, to, sent_at: now, arrives_at: at, msg: msg.clone() });
                }
                self.in_flight.insert(id, Envelope { from, to, sent_at: now, arrives_at: at, msg });
            }
        }
    }

    /// Checks that an action makes sense in this world now; the error says why not.
    pub fn validate(&self, action: &Action) -> Result<(), ActionError> {
        self.check(action).map(|_| ())
    }

    /// [`World::validate`], giving a command parsed (so that it is parsed once).
    fn check(&self, action: &Action) -> Result<Option<M::Cmd>, ActionError> {
        let n = self.cells.len() as NodeId;
        // Only commands and settings need the model; the rest is checked by one non-generic
        // function shared by every model (see `validate_action`).
        match action {
            Action::Command { node, name, arg } => {
                node_exists(*node, n)?;
                self.model.parse_command(name, arg).map(Some)
            }
            Action::Set(key, value) => check_live_setting(&self.model.params(), key, value).map(|_| None),
            _ => validate_action(action, n, self.model.max_nodes()).map(|_| None),
        }
    }

    /// Applies an action, given what [`World::check`] says of it.
    fn apply_action(&mut self, action: &Action, check: Result<Option<M::Cmd>, ActionError>, sink: &mut dyn Sink) {
        let (check, cmd) = match check {
            Ok(cmd) => (Ok(()), cmd),
            Err(why) => (Err(why), None),
        };
        if !self.k.begin_action(action, check, self.tracing, sink) {
            return;
        }
        let mut what = Happened::Action;
        match action {
            Action::Crash(id) => {
                if self.cells[*id as usize].slot.state.is_some() {
                    let slot = &mut cell_mut(&mut self.cells, *id).slot;
                    let state = slot.state.take().expect("checked");
                    slot.durable = Some(self.model.durable(&state));
                    slot.status = NodeStatus::Crashed;
                    self.timers.retain(|(n, _), _| n != id);
                    // Messages that waited while the node was paused die with it.
                    for msg in self.k.crash(*id) {
                        if let Some(env) = self.in_flight.remove(&msg) {
                            self.model.on_lost(&mut self.ghost, &env.msg, Loss::NodeDown);
                            let (kind, label) = self.model.trace_msg(&env.msg);
                            self.k.lost(sink, env.from, env.to, env.sent_at, msg, kind, label, Lost::Crashed);
                        }
                    }
                }
            }
            Action::Restart(id) => {
                if self.cells[*id as usize].slot.durable.is_some() {
                    let NodeCell { slot, rng } = cell_mut(&mut self.cells, *id);
                    let durable = slot.durable.take().expect("checked");
                    slot.status = NodeStatus::Up;
                    let mut out = core::mem::take(&mut self.scratch);
                    let mut ctx = Ctx { now: self.k.now, id: *id, rng, out: &mut out, byzantine: slot.byzantine, tracing: self.tracing, quiet: self.k.quiet };
                    slot.state = Some(self.model.restart(*id, durable, &mut ctx));
                    self.apply_effects(*id, &mut out, sink);
                    self.scratch = out;
                    what = Happened::Started(*id);
                }
            }
            Action::Pause(id) => {
                if self.cells[*id as usize].slot.state.is_some() {
                    cell_mut(&mut self.cells, *id).slot.status = NodeStatus::Paused;
                }
            }
            Action::Resume(id) => {
                if self.cells[*id as usize].slot.status == NodeStatus::Paused {
                    cell_mut(&mut self.cells, *id).slot.status = NodeStatus::Up;
                    self.k.resume(*id, &mut self.timers);
                }
            }
            Action::Slow(id, k) => {
                let slot = &self.cells[*id as usize].slot;
                if slot.state.is_some() && slot.status != NodeStatus::Paused {
                    cell_mut(&mut self.cells, *id).slot.status = if *k <= 1 { NodeStatus::Up } else { NodeStatus::Slow(*k) };
                }
            }
            Action::Byzantine(id, on) => cell_mut(&mut self.cells, *id).slot.byzantine = *on,
            Action::Drop(id) => {
                if let Some(env) = self.in_flight.remove(id) {
                    self.model.on_lost(&mut self.ghost, &env.msg, Loss::Dropped);
                    let (kind, label) = self.model.trace_msg(&env.msg);
                    self.k.lost(sink, env.from, env.to, env.sent_at, *id, kind, label, Lost::Dropped);
                }
            }
            Action::Command { node, name, .. } => {
                let slot = &self.cells[*node as usize].slot;
                match (slot.state.is_some() && slot.status != NodeStatus::Paused, cmd) {
                    (true, Some(cmd)) => {
                        let NodeCell { slot, rng } = cell_mut(&mut self.cells, *node);
                        let state = slot.state.as_mut().expect("checked");
                        let mut out = core::mem::take(&mut self.scratch);
                        let mut ctx = Ctx { now: self.k.now, id: *node, rng, out: &mut out, byzantine: slot.byzantine, tracing: self.tracing, quiet: self.k.quiet };
                        self.model.on_command(state, cmd, &mut ctx);
                        self.apply_effects(*node, &mut out, sink);
                        self.scratch = out;
                        what = Happened::Command(*node);
                    }
                    _ => self.k.refused(sink, Some(*node), Refused::NotRunning(name, *node)),
                }
            }
            Action::Set(key, value) => {
                if let Err(why) = self.model.set_param(key, value) {
                    self.k.refused(sink, None, Refused::Ignored(&why));
                }
            }
            Action::AddNode => {
                let id = self.add_node(sink);
                what = Happened::Started(id);
            }
            Action::Duplicate(id) => {
                if let Some(env) = self.in_flight.get(id).cloned() {
                    let copy = self.k.next_seq();
                    let at = env.arrives_at;
                    self.in_flight.insert(copy, env);
                    self.k.enqueue(Entry { at, seq: copy, ev: Ev::Deliver(copy) });
                }
            }
            Action::Deliver(id) => {
                if self.in_flight.contains_key(id) && self.handle(Ev::Deliver(*id), sink) {
                    return;
                }
                self.k.refused(sink, None, Refused::NotInFlight(*id));
            }
            Action::Fire(node, id) => {
                let tag = self.timers.iter().find(|((n, _), armed)| n == node && !armed.parked() && armed.seq == *id).map(|(_, armed)| armed.queued.1);
                if let Some(tag) = tag {
                    if self.handle(Ev::Timer(*node, tag), sink) {
                        return;
                    }
                }
                self.k.refused(sink, Some(*node), Refused::NotArmed(*id, *node));
            }
            _ => self.k.apply_plain(action),
        }
        self.after_event(what, sink);
    }

    pub(crate) fn add_node(&mut self, sink: &mut dyn Sink) -> NodeId {
        let id = self.cells.len() as NodeId;
        let mut rng = Rng::stream(self.k.seed, id as u64 + 1);
        let mut out = Vec::new();
        let state = {
            let mut ctx = Ctx { now: self.k.now, id, rng: &mut rng, out: &mut out, byzantine: false, tracing: self.tracing, quiet: self.k.quiet };
            self.model.init(id, &mut ctx)
        };
        self.cells.push(Rc::new(NodeCell { slot: Slot { state: Some(state), durable: None, status: NodeStatus::Up, byzantine: false }, rng }));
        self.apply_effects(id, &mut out, sink);
        id
    }

    /// The picture the shell draws.
    pub fn view(&self) -> View {
        let mut v = self.view_without_figures();
        v.figures = self.figures();
        v
    }

    /// The picture without the model's figures (`figures` left empty), which often cost more
    /// to build than the rest: for a frame that does not redraw them.
    pub fn view_without_figures(&self) -> View {
        let now = self.k.now;
        let nodes = self
            .cells
            .iter()
            .map(|c| &c.slot)
            .enumerate()
            .map(|(i, s)| {
                let mut v = self.model.node_view(i as NodeId, s.state.as_ref(), s.durable.as_ref(), now);
                v.status = s.status;
                v
            })
            .collect();
        let messages = self
            .in_flight
            .iter()
            .map(|(id, env)| {
                let info = self.model.describe(&env.msg);
                MessageView { id: *id, from: env.from, to: env.to, kind: info.kind, label: info.label, ok: info.ok, sent_at: env.sent_at, arrives_at: env.arrives_at }
            })
            .collect();
        network_view(&self.k.net, now, self.k.events, nodes, messages, Vec::new())
    }

    /// The model's figures now, as [`World::view`] includes them.
    pub fn figures(&self) -> Vec<crate::figure::Figure> {
        self.model.figures(&self.nodes(), &self.ghost)
    }

    /// Commands offered for a node right now.
    pub fn node_commands(&self, id: NodeId) -> Vec<(&'static str, String, String)> {
        match self.cells.get(id as usize) {
            Some(c) => self.model.node_commands(id, c.slot.state.as_ref()),
            None => Vec::new(),
        }
    }

    /// Node `id`'s commands named in `only`, without labels (see [`Model::command_args`]).
    pub fn command_args(&self, id: NodeId, only: &[String]) -> Vec<(&'static str, String)> {
        match self.cells.get(id as usize) {
            Some(c) => self.model.command_args(id, c.slot.state.as_ref(), only),
            None => Vec::new(),
        }
    }
}

/// Node `id`'s cell, to change: this world's own copy (cloned from the one it shares with its
/// copies, if it does).
#[inline]
fn cell_mut<M: Model>(cells: &mut [Rc<NodeCell<M>>], id: NodeId) -> &mut NodeCell<M> {
    Rc::make_mut(&mut cells[id as usize])
}

/// Completes a [`View`] with the network's part. Not generic: one copy serves every model.
fn network_view(net: &Network, time: Time, event: u64, nodes: Vec<crate::view::NodeView>, messages: Vec<MessageView>, figures: Vec<crate::figure::Figure>) -> View {
    View {
        time,
        event,
        nodes,
        messages,
        groups: net.groups().to_vec(),
        cuts: net.cuts().collect(),
        default_link: net.default,
        links: net.links.iter().map(|(&(a, b), c)| (a, b, *c)).collect(),
        figures,
    }
}

/// Whether node `id` exists among `n` nodes; the error says which ids do.
fn node_exists(id: NodeId, n: NodeId) -> Result<(), ActionError> {
    if id < n {
        Ok(())
    } else {
        Err(format!("node {id} does not exist (nodes are 0 to {})", n.saturating_sub(1)))
    }
}

/// Checks a live `Set` of `key` to `value` against the model's parameters.
fn check_live_setting(params: &[crate::view::Param], key: &str, value: &crate::view::Value) -> Result<(), ActionError> {
    let p = params
        .iter()
        .find(|p| p.key == key)
        .ok_or_else(|| format!("unknown setting `{key}` (known: {})", params.iter().map(|p| p.key).collect::<Vec<_>>().join(", ")))?;
    if !p.live {
        return Err(format!("`{key}` can only be changed at reset"));
    }
    p.kind.check(key, value)
}

/// Checks an action that needs nothing of the model but its node limit, in a world of `n`
/// nodes. Not generic, so every model shares one copy. (Commands and settings are checked
/// by [`World::validate`], which asks the model.)
fn validate_action(action: &Action, n: NodeId, max_nodes: u32) -> Result<(), ActionError> {
    let node_ok = |id: NodeId| node_exists(id, n);
    match action {
        Action::Crash(id) | Action::Restart(id) | Action::Pause(id) | Action::Resume(id) | Action::Isolate(id) | Action::Byzantine(id, _) => node_ok(*id),
        Action::Slow(id, k) => {
            node_ok(*id)?;
            if (1..=1000).contains(k) {
                Ok(())
            } else {
                Err(format!("slow factor must be between 1 and 1000, got {k}"))
            }
        }
        Action::Partition(groups) => {
            let mut seen = alloc::collections::BTreeSet::new();
            for g in groups {
                for &id in g {
                    node_ok(id)?;
                    if !seen.insert(id) {
                        return Err(format!("node {id} is in two partition groups"));
                    }
                }
            }
            Ok(())
        }
        // Message and timer ids are checked when the action is applied (a script names ids
        // that do not exist yet when it is validated).
        Action::Heal | Action::Drop(_) | Action::Manual | Action::Deliver(_) | Action::Duplicate(_) => Ok(()),
        Action::Fire(id, _) => node_ok(*id),
        Action::Cut(a, b) | Action::Uncut(a, b) => node_ok(*a).and(node_ok(*b)),
        Action::Link(a, b, c) => {
            node_ok(*a)?;
            node_ok(*b)?;
            c.validate().map_err(String::from)
        }
        Action::Net(c) => c.validate().map_err(String::from),
        Action::Command { node, .. } => node_ok(*node),
        Action::Set(..) => Ok(()),
        Action::AddNode => {
            if n < max_nodes {
                Ok(())
            } else {
                Err(format!("this lab allows at most {max_nodes} nodes"))
            }
        }
    }
}

/// Renders a timer's trace line: "election timeout at 3".
fn at_node(label: &'static str, args: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{label} at {}", args[0])
}
