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
use crate::world::{Kernel, Sink, World};
use crate::NodeId;
use alloc::boxed::Box;
use alloc::collections::{BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::any::Any;
use core::marker::PhantomData;

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

/// What [`Sim`]'s history layer needs of a world, object-safe. Snapshots, seeking, branching
/// and the [`Lab`] facade are written once against it ([`AnySim`]), so every model shares one
/// copy of that code and adds only these small shims (a page with seven labs used to carry
/// seven copies of all of `Sim`).
trait Run: Any {
    fn as_any(&self) -> &dyn Any;
    fn clone_run(&self) -> Box<dyn Run>;
    /// A new world of the same model with another seed.
    fn fresh(&self, seed: u64) -> Box<dyn Run>;
    fn step_within(&mut self, actions: &[TimedAction], limit: Time, sink: &mut dyn Sink) -> bool;
    fn advance_to(&mut self, t: Time, sink: &mut dyn Sink);
    /// The world's model-independent part (clock, counters, trace hash): one shim serves
    /// every accessor of it below.
    fn kernel(&self) -> &Kernel;
    fn snapshot_bytes(&self) -> usize;
    fn validate(&self, action: &Action) -> Result<(), String>;
    fn add_node(&mut self);
    fn info(&self) -> &'static ModelInfo;
    fn params(&self) -> Vec<Param>;
    fn view(&self) -> View;
    fn view_without_figures(&self) -> View;
    fn figures(&self) -> Vec<crate::figure::Figure>;
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)>;
    fn byzantine_modes(&self, node: NodeId) -> &'static [crate::view::ByzantineMode];
    fn query(&self, name: &str) -> Option<f64>;
    fn in_flight(&self) -> usize;
}

impl dyn Run {
    fn events(&self) -> u64 {
        self.kernel().events()
    }
    fn now(&self) -> Time {
        self.kernel().now()
    }
    fn next_sample(&self) -> Time {
        self.kernel().next_sample()
    }
    fn action_cursor(&self) -> usize {
        self.kernel().action_cursor()
    }
    fn seed(&self) -> u64 {
        self.kernel().seed()
    }
    fn trace_hash(&self) -> u64 {
        self.kernel().trace_hash()
    }
}

impl<M: Model> Run for World<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn clone_run(&self) -> Box<dyn Run> {
        Box::new(self.clone())
    }
    fn fresh(&self, seed: u64) -> Box<dyn Run> {
        Box::new(World::new(self.model.clone(), seed))
    }
    fn step_within(&mut self, actions: &[TimedAction], limit: Time, sink: &mut dyn Sink) -> bool {
        World::step_within(self, actions, limit, sink)
    }
    fn advance_to(&mut self, t: Time, sink: &mut dyn Sink) {
        World::advance_to(self, t, sink)
    }
    fn kernel(&self) -> &Kernel {
        World::kernel(self)
    }
    fn snapshot_bytes(&self) -> usize {
        World::snapshot_bytes(self)
    }
    fn validate(&self, action: &Action) -> Result<(), String> {
        World::validate(self, action)
    }
    fn add_node(&mut self) {
        World::add_node(self, &mut crate::world::NullSink);
    }
    fn info(&self) -> &'static ModelInfo {
        self.model.info()
    }
    fn params(&self) -> Vec<Param> {
        self.model.params()
    }
    fn view(&self) -> View {
        World::view(self)
    }
    fn view_without_figures(&self) -> View {
        World::view_without_figures(self)
    }
    fn figures(&self) -> Vec<crate::figure::Figure> {
        World::figures(self)
    }
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)> {
        World::node_commands(self, node)
    }
    fn byzantine_modes(&self, node: NodeId) -> &'static [crate::view::ByzantineMode] {
        self.model.byzantine_modes(node)
    }
    fn query(&self, name: &str) -> Option<f64> {
        World::query(self, name)
    }
    fn in_flight(&self) -> usize {
        World::in_flight_count(self)
    }
}

impl Clone for Box<dyn Run> {
    fn clone(&self) -> Self {
        self.clone_run()
    }
}

impl core::fmt::Debug for dyn Run {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "World({}, event {}, time {})", self.info().name, self.events(), self.now())
    }
}

/// A snapshot and what it costs (its [`World::snapshot_bytes`] when taken).
#[derive(Clone, Debug)]
struct Snapshot {
    world: Box<dyn Run>,
    bytes: usize,
}

/// A run with history and time travel, of any model: what [`Sim`] is, without the model's
/// type. The shell holds one as a `Box<dyn Lab>`.
#[derive(Clone, Debug)]
pub struct AnySim {
    world: Box<dyn Run>,
    initial: Box<dyn Run>,
    actions: Vec<TimedAction>,
    snapshots: Vec<Snapshot>,
    /// Sum of the snapshots' `bytes`.
    snapshot_bytes: usize,
    /// The history's memory budget.
    budget_bytes: usize,
    interval: u64,
    history: History,
    /// Furthest point reached on this branch: (events, time).
    horizon: (u64, Time),
}

/// A run of model `M` with history and time travel: an [`AnySim`] (every method of which it
/// offers) that also gives typed access to its [`World`].
#[derive(Clone, Debug)]
pub struct Sim<M: Model> {
    run: AnySim,
    model: PhantomData<fn() -> M>,
}

impl<M: Model> Sim<M> {
    /// A new run of `model` with `seed` and an action script (sorted by time, validated by the
    /// caller; invalid actions are reported in the trace when reached).
    pub fn new(model: M, seed: u64, actions: Vec<TimedAction>) -> Self {
        Sim { run: AnySim::new(Box::new(World::new(model, seed)), actions), model: PhantomData }
    }

    /// The current world.
    pub fn world(&self) -> &World<M> {
        self.run.world.as_any().downcast_ref::<World<M>>().expect("a Sim<M> runs a World<M>")
    }

    /// The run without its model's type (what the shell holds as a `Box<dyn Lab>`).
    pub fn into_any(self) -> AnySim {
        self.run
    }
}

impl<M: Model> core::ops::Deref for Sim<M> {
    type Target = AnySim;
    fn deref(&self) -> &AnySim {
        &self.run
    }
}

impl<M: Model> core::ops::DerefMut for Sim<M> {
    fn deref_mut(&mut self) -> &mut AnySim {
        &mut self.run
    }
}

impl AnySim {
    fn new(world: Box<dyn Run>, mut actions: Vec<TimedAction>) -> Self {
        actions.sort_by_key(|a| a.at);
        AnySim {
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
        self.snapshot_bytes + self.history.bytes(self.world.info().metrics.len())
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
    fn restore_back(&mut self, at_or_before: impl Fn(&dyn Run) -> bool) {
        let snap = self.snapshots.iter().rev().map(|s| &s.world).find(|s| at_or_before(&***s)).unwrap_or(&self.initial).clone();
        self.history.rewind(snap.events(), snap.next_sample());
        self.world = snap;
    }

    /// Jumps to the latest snapshot of this branch that lies ahead of the current moment but
    /// not past the target, if there is one: the events in between need no replay.
    fn restore_ahead(&mut self, not_past: impl Fn(&dyn Run) -> bool) {
        let here = self.world.events();
        if let Some(snap) = self.snapshots.iter().rev().map(|s| &s.world).find(|s| s.events() > here && not_past(&***s)) {
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
                w.add_node();
            }
        }
        Ok(())
    }

    /// Resets to the start with a new seed, keeping model and script.
    pub fn reseed(&mut self, seed: u64) {
        let budget = self.budget_bytes;
        *self = AnySim::new(self.initial.fresh(seed), core::mem::take(&mut self.actions));
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

impl Lab for AnySim {
    fn info(&self) -> &'static ModelInfo {
        self.world.info()
    }
    fn params(&self) -> Vec<Param> {
        self.initial.params()
    }
    fn live_params(&self) -> Vec<Param> {
        self.world.params()
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
        AnySim::step(self)
    }
    fn run_until(&mut self, t: Time, max_events: u64) -> u64 {
        AnySim::run_until(self, t, max_events)
    }
    fn step_back(&mut self) {
        AnySim::step_back(self)
    }
    fn seek_time(&mut self, t: Time) {
        AnySim::seek_time(self, t)
    }
    fn seek_event(&mut self, index: u64) {
        AnySim::seek_event(self, index)
    }
    fn act(&mut self, action: Action) -> Result<(), String> {
        AnySim::act(self, action)
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
        self.world.info().metrics
    }
    fn samples(&self) -> &VecDeque<(Time, Vec<f64>)> {
        &self.history.samples
    }
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)> {
        self.world.node_commands(node)
    }
    fn byzantine_modes(&self, node: NodeId) -> &'static [crate::view::ByzantineMode] {
        self.world.byzantine_modes(node)
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
        self.world.in_flight()
    }
    fn reseed(&mut self, seed: u64) {
        AnySim::reseed(self, seed)
    }
    fn validate_script(&self) -> Result<(), (usize, String)> {
        AnySim::validate_script(self)
    }
    fn boxed_clone(&self) -> Box<dyn Lab> {
        Box::new(self.clone())
    }
    fn history_size(&self) -> (usize, usize) {
        (self.history_bytes(), self.snapshot_count())
    }
    fn set_history_budget(&mut self, bytes: usize) {
        AnySim::set_history_budget(self, bytes)
    }
}

/// A typed run is a lab too (tests and benchmarks box one); the shell boxes the [`AnySim`]
/// inside ([`Sim::into_any`]) so that no model adds a copy of this.
impl<M: Model> Lab for Sim<M> {
    fn info(&self) -> &'static ModelInfo {
        self.run.info()
    }
    fn params(&self) -> Vec<Param> {
        Lab::params(&self.run)
    }
    fn live_params(&self) -> Vec<Param> {
        self.run.live_params()
    }
    fn seed(&self) -> u64 {
        Lab::seed(&self.run)
    }
    fn now(&self) -> Time {
        Lab::now(&self.run)
    }
    fn events(&self) -> u64 {
        Lab::events(&self.run)
    }
    fn horizon(&self) -> (u64, Time) {
        self.run.horizon
    }
    fn step(&mut self) -> bool {
        self.run.step()
    }
    fn run_until(&mut self, t: Time, max_events: u64) -> u64 {
        self.run.run_until(t, max_events)
    }
    fn step_back(&mut self) {
        self.run.step_back()
    }
    fn seek_time(&mut self, t: Time) {
        self.run.seek_time(t)
    }
    fn seek_event(&mut self, index: u64) {
        self.run.seek_event(index)
    }
    fn act(&mut self, action: Action) -> Result<(), String> {
        self.run.act(action)
    }
    fn view(&self) -> View {
        Lab::view(&self.run)
    }
    fn view_without_figures(&self) -> View {
        Lab::view_without_figures(&self.run)
    }
    fn figures(&self) -> Vec<crate::figure::Figure> {
        Lab::figures(&self.run)
    }
    fn trace(&self) -> &VecDeque<TraceEntry> {
        Lab::trace(&self.run)
    }
    fn violations(&self) -> &[Violation] {
        Lab::violations(&self.run)
    }
    fn metrics(&self) -> &'static [MetricInfo] {
        Lab::metrics(&self.run)
    }
    fn samples(&self) -> &VecDeque<(Time, Vec<f64>)> {
        Lab::samples(&self.run)
    }
    fn node_commands(&self, node: NodeId) -> Vec<(&'static str, String, String)> {
        Lab::node_commands(&self.run, node)
    }
    fn byzantine_modes(&self, node: NodeId) -> &'static [crate::view::ByzantineMode] {
        Lab::byzantine_modes(&self.run, node)
    }
    fn actions(&self) -> &[TimedAction] {
        &self.run.actions
    }
    fn trace_hash(&self) -> u64 {
        Lab::trace_hash(&self.run)
    }
    fn query(&self, name: &str) -> Option<f64> {
        Lab::query(&self.run, name)
    }
    fn in_flight(&self) -> usize {
        Lab::in_flight(&self.run)
    }
    fn reseed(&mut self, seed: u64) {
        self.run.reseed(seed)
    }
    fn validate_script(&self) -> Result<(), (usize, String)> {
        self.run.validate_script()
    }
    fn boxed_clone(&self) -> Box<dyn Lab> {
        Box::new(self.run.clone())
    }
    fn history_size(&self) -> (usize, usize) {
        (self.run.history_bytes(), self.run.snapshot_count())
    }
    fn set_history_budget(&mut self, bytes: usize) {
        self.run.set_history_budget(bytes)
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
