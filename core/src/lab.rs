//! [`Sim`]: a world plus its history (time travel, trace, violations, metrics), and [`Lab`],
//! the object-safe facade the web shell renders any model through.
//!
//! Time travel keeps a snapshot (a clone of the world) every `interval` events. Going back
//! restores the nearest snapshot at or before the target and replays the action script from
//! there; acting in the past truncates the script (a branch). A clone costs what changed since
//! the last one, because models keep growing state in [`crate::persist`] collections.
//!
//! The history has a memory budget ([`HISTORY_BUDGET_BYTES`] by default, see
//! [`Sim::set_history_budget`]) covering its snapshots, trace and samples, by the kernel's own
//! byte accounting ([`World::snapshot_bytes`]). When more than [`SNAPSHOTS_MAX`] snapshots
//! exist, or the history would exceed its budget, every other snapshot is dropped and the
//! interval doubles: a jump then replays more events (it gets slower), but no run can grow
//! without bound and crash the tab.

use crate::action::{Action, TimedAction};
use crate::model::Model;
use crate::time::Time;
use crate::trace::{TraceEntry, TraceKind};
use crate::view::{MetricInfo, ModelInfo, Param, Value, View, Violation};
use crate::world::{Sink, World};
use crate::NodeId;
use alloc::boxed::Box;
use alloc::collections::{BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

/// Most snapshots kept before thinning.
pub const SNAPSHOTS_MAX: usize = 1024;
/// Default memory budget of a run's history (snapshots, trace, samples), in bytes.
pub const HISTORY_BUDGET_BYTES: usize = 64 << 20;
/// Events between snapshots at the start of a run.
pub const SNAPSHOT_INTERVAL_MIN: u64 = 512;
/// Most trace entries kept for display (older ones are regenerated on demand by seeking).
pub const TRACE_MAX: usize = 20_000;
/// Most metric samples kept per run.
pub const SAMPLES_MAX: usize = 100_000;
/// Most violations kept (each distinct violation is recorded once).
pub const VIOLATIONS_MAX: usize = 1_000;
/// Bytes of text a trace entry carries, on average, for the history's accounting.
const TRACE_TEXT_BYTES: usize = 48;

/// Everything recorded about a run besides the world itself.
///
/// The visible part covers the run up to the current moment. Seeking back moves the later part
/// into a stash instead of discarding it: it is still this branch's future, so seeking forward
/// again (possibly by jumping to a later snapshot, skipping the replay of what lies between)
/// brings it back. Acting in the past starts a new branch and clears the stash.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Recent trace entries, oldest first.
    pub trace: VecDeque<TraceEntry>,
    /// Metric samples: time and one value per metric.
    pub samples: VecDeque<(Time, Vec<f64>)>,
    /// Distinct violations, in the order found.
    pub violations: Vec<Violation>,
    seen: BTreeSet<(&'static str, String)>,
    future: Future,
}

/// The part of a branch's history after the current moment.
#[derive(Clone, Debug, Default)]
struct Future {
    trace: VecDeque<TraceEntry>,
    samples: VecDeque<(Time, Vec<f64>)>,
    violations: VecDeque<Violation>,
}

impl Sink for History {
    fn trace(&mut self, entry: TraceEntry) {
        if self.trace.len() == TRACE_MAX {
            self.trace.pop_front();
        }
        self.trace.push_back(entry);
    }

    fn sample(&mut self, time: Time, values: &[f64]) {
        if self.samples.len() == SAMPLES_MAX {
            self.samples.pop_front();
        }
        self.samples.push_back((time, values.to_vec()));
    }

    fn violation(&mut self, v: Violation) {
        if self.violations.len() < VIOLATIONS_MAX && self.seen.insert((v.invariant, v.detail.clone())) {
            self.violations.push(v);
        }
    }
}

impl History {
    /// Bytes held, by the kernel's accounting: entries and samples, visible and stashed.
    /// (`metrics` is the number of values per sample.)
    pub fn bytes(&self, metrics: usize) -> usize {
        use core::mem::size_of;
        let entry = size_of::<TraceEntry>() + TRACE_TEXT_BYTES;
        let sample = size_of::<(Time, Vec<f64>)>() + metrics * size_of::<f64>();
        (self.trace.len() + self.future.trace.len()) * entry
            + (self.samples.len() + self.future.samples.len()) * sample
            + (self.violations.len() + self.future.violations.len()) * (size_of::<Violation>() + TRACE_TEXT_BYTES)
    }

    /// Moves everything from event `event` and sample time `sample_from` on into the stash.
    fn rewind(&mut self, event: u64, sample_from: Time) {
        while self.trace.back().is_some_and(|e| e.event >= event) {
            let e = self.trace.pop_back().expect("checked");
            self.future.trace.push_front(e);
        }
        while self.samples.back().is_some_and(|s| s.0 >= sample_from) {
            let s = self.samples.pop_back().expect("checked");
            self.future.samples.push_front(s);
        }
        while self.violations.last().is_some_and(|v| v.event >= event) {
            let v = self.violations.pop().expect("checked");
            self.seen.remove(&(v.invariant, v.detail.clone()));
            self.future.violations.push_front(v);
        }
    }

    /// Brings back from the stash everything before event `event` and sample time
    /// `sample_before`, for a jump forward that skips replaying it.
    fn advance(&mut self, event: u64, sample_before: Time) {
        while self.future.trace.front().is_some_and(|e| e.event < event) {
            let e = self.future.trace.pop_front().expect("checked");
            Sink::trace(self, e);
        }
        while self.future.samples.front().is_some_and(|s| s.0 < sample_before) {
            let (t, v) = self.future.samples.pop_front().expect("checked");
            Sink::sample(self, t, &v);
        }
        while self.future.violations.front().is_some_and(|v| v.event < event) {
            let v = self.future.violations.pop_front().expect("checked");
            Sink::violation(self, v);
        }
    }

    /// Forgets stashed entries the replay has just regenerated (everything before the given
    /// point), so the stash only holds what is still ahead.
    fn forget_regenerated(&mut self, event: u64, sample_before: Time) {
        while self.future.trace.front().is_some_and(|e| e.event < event) {
            self.future.trace.pop_front();
        }
        while self.future.samples.front().is_some_and(|s| s.0 < sample_before) {
            self.future.samples.pop_front();
        }
        while self.future.violations.front().is_some_and(|v| v.event < event) {
            self.future.violations.pop_front();
        }
    }

    /// Starts a new branch: the old future is gone.
    fn branch(&mut self) {
        self.future = Future::default();
    }
}

/// A snapshot and what it costs (its [`World::snapshot_bytes`] when taken).
#[derive(Clone, Debug)]
struct Snapshot<M: Model> {
    world: World<M>,
    bytes: usize,
}

/// A run with history and time travel.
#[derive(Clone, Debug)]
pub struct Sim<M: Model> {
    world: World<M>,
    initial: World<M>,
    actions: Vec<TimedAction>,
    snapshots: Vec<Snapshot<M>>,
    /// Sum of the snapshots' `bytes`.
    snapshot_bytes: usize,
    /// The history's memory budget.
    budget_bytes: usize,
    interval: u64,
    history: History,
    /// Furthest point reached on this branch: (events, time).
    horizon: (u64, Time),
}

impl<M: Model> Sim<M> {
    /// A new run of `model` with `seed` and an action script (sorted by time, validated by the
    /// caller; invalid actions are reported in the trace when reached).
    pub fn new(model: M, seed: u64, mut actions: Vec<TimedAction>) -> Self {
        actions.sort_by_key(|a| a.at);
        let world = World::new(model, seed);
        Sim {
            initial: world.clone(),
            world,
            actions,
            snapshots: Vec::new(),
            snapshot_bytes: 0,
            budget_bytes: HISTORY_BUDGET_BYTES,
            interval: SNAPSHOT_INTERVAL_MIN,
            history: History::default(),
            horizon: (0, 0),
        }
    }

    /// The current world.
    pub fn world(&self) -> &World<M> {
        &self.world
    }

    /// The history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The action script.
    pub fn actions(&self) -> &[TimedAction] {
        &self.actions
    }

    fn maybe_snapshot(&mut self) {
        let e = self.world.events();
        if e == 0 || e % self.interval != 0 {
            return;
        }
        if self.snapshots.last().is_some_and(|s| s.world.events() >= e) {
            return;
        }
        let bytes = self.world.snapshot_bytes();
        self.snapshots.push(Snapshot { world: self.world.clone(), bytes });
        self.snapshot_bytes += bytes;
        self.thin();
    }

    /// Drops every other snapshot (doubling the interval) while there are too many or the
    /// history is over its budget.
    fn thin(&mut self) {
        while !self.snapshots.is_empty() && (self.snapshots.len() > SNAPSHOTS_MAX || self.history_bytes() > self.budget_bytes) {
            self.interval *= 2;
            let interval = self.interval;
            self.snapshots.retain(|s| s.world.events() % interval == 0);
            self.recount();
        }
    }

    fn recount(&mut self) {
        self.snapshot_bytes = self.snapshots.iter().map(|s| s.bytes).sum();
    }

    /// Bytes the history holds by the kernel's accounting: snapshots, trace and samples.
    pub fn history_bytes(&self) -> usize {
        self.snapshot_bytes + self.history.bytes(self.world.model.info().metrics.len())
    }

    /// Number of time-travel snapshots held.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// Sets the history's memory budget (thinning at once if it is over).
    pub fn set_history_budget(&mut self, bytes: usize) {
        self.budget_bytes = bytes;
        self.thin();
    }

    /// The history's memory budget.
    pub fn history_budget(&self) -> usize {
        self.budget_bytes
    }

    fn note_horizon(&mut self) {
        let here = (self.world.events(), self.world.now());
        if here > self.horizon {
            self.horizon = here;
        }
    }

    /// Processes one event. False when nothing is left to do.
    pub fn step(&mut self) -> bool {
        self.step_within(Time::MAX)
    }

    /// Processes one event at or before `limit` (see [`World::step_within`]).
    fn step_within(&mut self, limit: Time) -> bool {
        let did = self.world.step_within(&self.actions, limit, &mut self.history);
        if did {
            self.history.forget_regenerated(self.world.events(), self.world.next_sample());
            self.maybe_snapshot();
            self.note_horizon();
        }
        did
    }

    /// Runs until time `t` (or `max_events` events); returns the number of events processed.
    pub fn run_until(&mut self, t: Time, max_events: u64) -> u64 {
        let mut n = 0;
        while n < max_events {
            if self.step_within(t) {
                n += 1;
            } else {
                // Nothing left at or before t: advance the clock (and take samples) to t.
                self.world.advance_to(t, &mut self.history);
                self.history.forget_regenerated(self.world.events(), self.world.next_sample());
                self.note_horizon();
                break;
            }
        }
        n
    }

    /// Restores the latest snapshot at or before a point behind the current moment.
    fn restore_back(&mut self, at_or_before: impl Fn(&World<M>) -> bool) {
        let snap = self.snapshots.iter().rev().map(|s| &s.world).find(|s| at_or_before(s)).unwrap_or(&self.initial).clone();
        self.history.rewind(snap.events(), snap.next_sample());
        self.world = snap;
    }

    /// Jumps to the latest snapshot of this branch that lies ahead of the current moment but
    /// not past the target, if there is one: the events in between need no replay.
    fn restore_ahead(&mut self, not_past: impl Fn(&World<M>) -> bool) {
        let here = self.world.events();
        if let Some(snap) = self.snapshots.iter().rev().map(|s| &s.world).find(|s| s.events() > here && not_past(s)) {
            let snap = snap.clone();
            self.history.advance(snap.events(), snap.next_sample());
            self.world = snap;
        }
    }

    /// Goes to just after event `index` (0 = the start).
    pub fn seek_event(&mut self, index: u64) {
        if index < self.world.events() {
            self.restore_back(|s| s.events() <= index);
        } else {
            self.restore_ahead(|s| s.events() <= index);
        }
        while self.world.events() < index {
            if !self.step() {
                break;
            }
        }
        self.history.forget_regenerated(self.world.events(), self.world.next_sample());
    }

    /// Goes to time `t` (backwards or forwards).
    pub fn seek_time(&mut self, t: Time) {
        if t < self.world.now() {
            self.restore_back(|s| s.now() <= t);
        } else {
            self.restore_ahead(|s| s.now() <= t);
        }
        self.run_until(t, u64::MAX);
        self.history.forget_regenerated(self.world.events(), self.world.next_sample());
    }

    /// Undoes the last event.
    pub fn step_back(&mut self) {
        let e = self.world.events();
        if e > 0 {
            self.seek_event(e - 1);
        }
    }

    /// Applies an action now. If the run had gone further before (we are in the past), the old
    /// future is discarded: this is a branch.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        self.world.validate(&action)?;
        self.actions.truncate(self.world.action_cursor());
        self.actions.push(TimedAction { at: self.world.now(), action });
        // A new branch: snapshots and history of the old future no longer apply.
        let here = self.world.events();
        self.snapshots.retain(|s| s.world.events() <= here);
        self.recount();
        self.history.branch();
        self.horizon = (self.world.events(), self.world.now());
        // Take effect immediately: finish whatever is queued at this instant, then the action.
        let now = self.world.now();
        self.run_until(now, u64::MAX);
        Ok(())
    }

    /// Checks a whole script against this run's configuration, in order (a node added by an
    /// earlier `AddNode` may be named later). The error gives the action's index.
    pub fn validate_script(&self) -> Result<(), (usize, String)> {
        let mut w = self.initial.clone();
        for (i, a) in self.actions.iter().enumerate() {
            w.validate(&a.action).map_err(|e| (i, e))?;
            if a.action == Action::AddNode {
                w.add_node(&mut crate::world::NullSink);
            }
        }
        Ok(())
    }

    /// Resets to the start with a new seed, keeping model and script.
    pub fn reseed(&mut self, seed: u64) {
        let budget = self.budget_bytes;
        *self = Sim::new(self.initial.model.clone(), seed, core::mem::take(&mut self.actions));
        self.budget_bytes = budget;
    }
}

/// The object-safe facade of a run, for the shell: any model looks the same through it.
pub trait Lab {
    /// Static description of the model.
    fn info(&self) -> &'static ModelInfo;
    /// The configuration the run started with (parameters and ranges).
    fn params(&self) -> Vec<Param>;
    /// The current value of parameters (after live `Set` actions).
    fn live_params(&self) -> Vec<Param>;
    /// The seed.
    fn seed(&self) -> u64;
    /// Current virtual time.
    fn now(&self) -> Time;
    /// Events processed.
    fn events(&self) -> u64;
    /// Furthest point reached on this branch: (events, time).
    fn horizon(&self) -> (u64, Time);
    /// Processes one event; false if nothing is left.
    fn step(&mut self) -> bool;
    /// Runs to time `t`, at most `max_events` events; returns events processed.
    fn run_until(&mut self, t: Time, max_events: u64) -> u64;
    /// Undoes one event.
    fn step_back(&mut self);
    /// Jumps to a time.
    fn seek_time(&mut self, t: Time);
    /// Jumps to just after an event.
    fn seek_event(&mut self, index: u64);
    /// Applies a user action now (a branch if in the past).
    fn act(&mut self, action: Action) -> Result<(), String>;
    /// The current picture, with violated nodes and cells marked.
    fn view(&self) -> View;
    /// The same picture without the model's figures (`figures` left empty), which often cost
    /// more to build than the rest: for a frame that does not redraw them.
    fn view_without_figures(&self) -> View;
    /// The model's figures now, as [`Lab::view`] includes them.
    fn figures(&self) -> Vec<crate::figure::Figure>;
    /// Recent trace entries.
    fn trace(&self) -> &VecDeque<TraceEntry>;
    /// Distinct violations so far.
    fn violations(&self) -> &[Violation];
    /// Metric descriptions.
    fn metrics(&self) -> &'static [MetricInfo];
    /// Metric samples.
    fn samples(&self) -> &VecDeque<(Time, Vec<f64>)>;
    /// Commands offered for a node: (command, argument, label).
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)>;
    /// The Byzantine modes a node's menu offers (see [`Model::byzantine_modes`]).
    fn byzantine_modes(&self, _node: NodeId) -> &'static [crate::view::ByzantineMode] {
        &[]
    }
    /// The action script so far (what a share link carries).
    fn actions(&self) -> &[TimedAction];
    /// Hash of the whole trace so far.
    fn trace_hash(&self) -> u64;
    /// A model query, `None` for an unknown name.
    fn query(&self, name: &str) -> Option<f64>;
    /// Number of messages in flight.
    fn in_flight(&self) -> usize;
    /// Restarts from time 0 with a seed, keeping the configuration and script.
    fn reseed(&mut self, seed: u64);
    /// Checks the action script; the error gives the index of the first bad action.
    fn validate_script(&self) -> Result<(), (usize, String)>;
    /// A copy of this run (for compare mode).
    fn boxed_clone(&self) -> Box<dyn Lab>;
    /// The history's size by the kernel's accounting, in bytes, and its number of snapshots.
    fn history_size(&self) -> (usize, usize);
    /// Sets the history's memory budget in bytes (see [`Sim::set_history_budget`]).
    fn set_history_budget(&mut self, bytes: usize);
}

impl<M: Model> Lab for Sim<M> {
    fn info(&self) -> &'static ModelInfo {
        self.world.model.info()
    }
    fn params(&self) -> Vec<Param> {
        self.initial.model.params()
    }
    fn live_params(&self) -> Vec<Param> {
        self.world.model.params()
    }
    fn seed(&self) -> u64 {
        self.world.seed()
    }
    fn now(&self) -> Time {
        self.world.now()
    }
    fn events(&self) -> u64 {
        self.world.events()
    }
    fn horizon(&self) -> (u64, Time) {
        self.horizon
    }
    fn step(&mut self) -> bool {
        Sim::step(self)
    }
    fn run_until(&mut self, t: Time, max_events: u64) -> u64 {
        Sim::run_until(self, t, max_events)
    }
    fn step_back(&mut self) {
        Sim::step_back(self)
    }
    fn seek_time(&mut self, t: Time) {
        Sim::seek_time(self, t)
    }
    fn seek_event(&mut self, index: u64) {
        Sim::seek_event(self, index)
    }
    fn act(&mut self, action: Action) -> Result<(), String> {
        Sim::act(self, action)
    }
    fn view(&self) -> View {
        let mut view = self.world.view();
        mark_violations(&mut view, &self.history.violations);
        view
    }
    fn view_without_figures(&self) -> View {
        let mut view = self.world.view_without_figures();
        mark_violations(&mut view, &self.history.violations);
        view
    }
    fn figures(&self) -> Vec<crate::figure::Figure> {
        self.world.figures()
    }
    fn trace(&self) -> &VecDeque<TraceEntry> {
        &self.history.trace
    }
    fn violations(&self) -> &[Violation] {
        &self.history.violations
    }
    fn metrics(&self) -> &'static [MetricInfo] {
        self.world.model.info().metrics
    }
    fn samples(&self) -> &VecDeque<(Time, Vec<f64>)> {
        &self.history.samples
    }
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)> {
        self.world.node_commands(node)
    }
    fn byzantine_modes(&self, node: NodeId) -> &'static [crate::view::ByzantineMode] {
        self.world.model.byzantine_modes(node)
    }
    fn actions(&self) -> &[TimedAction] {
        &self.actions
    }
    fn trace_hash(&self) -> u64 {
        self.world.trace_hash()
    }
    fn query(&self, name: &str) -> Option<f64> {
        self.world.query(name)
    }
    fn in_flight(&self) -> usize {
        self.world.in_flight_count()
    }
    fn reseed(&mut self, seed: u64) {
        Sim::reseed(self, seed)
    }
    fn validate_script(&self) -> Result<(), (usize, String)> {
        Sim::validate_script(self)
    }
    fn boxed_clone(&self) -> Box<dyn Lab> {
        Box::new(self.clone())
    }
    fn history_size(&self) -> (usize, usize) {
        (self.history_bytes(), self.snapshot_count())
    }
    fn set_history_budget(&mut self, bytes: usize) {
        Sim::set_history_budget(self, bytes)
    }
}

/// Marks the nodes and cells that violations name. Not generic: one copy serves every model.
fn mark_violations(view: &mut View, violations: &[Violation]) {
    for v in violations {
        for &n in &v.nodes {
            if let Some(node) = view.nodes.get_mut(n as usize) {
                node.violated = true;
            }
        }
        for &(n, index) in &v.cells {
            if let Some(node) = view.nodes.get_mut(n as usize) {
                let offset = node.cells_offset;
                if let Some(cell) = index.checked_sub(offset).and_then(|i| node.cells.get_mut(i as usize)) {
                    cell.marked = true;
                }
            }
        }
    }
}

/// Builds a model from its defaults and a list of settings; the error names the bad setting.
pub fn configure<M: Model>(mut model: M, settings: &[(String, Value)]) -> Result<M, String> {
    let params = model.params();
    for (key, value) in settings {
        let p = params.iter().find(|p| p.key == key).ok_or_else(|| {
            alloc::format!(
                "unknown setting `{key}` for {} (known: {})",
                model.info().name,
                params.iter().map(|p| p.key).collect::<Vec<_>>().join(", ")
            )
        })?;
        p.kind.check(key, value)?;
        model.set_param(key, value)?;
    }
    Ok(model)
}

/// True if the entry is a note a screen reader should announce.
pub fn is_announcement(e: &TraceEntry) -> bool {
    e.important && matches!(e.kind, TraceKind::Note | TraceKind::Action)
}
