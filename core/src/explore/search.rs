//! The search: breadth-first, depth-first with a depth bound, and random walks (swarm
//! testing), all resumable in step budgets.

use super::choice::{choices, next_in_round, resolve, Choice};
use crate::action::TimedAction as Timed;
use super::fingerprint::{message_hashes, of_world, of_world_known, NodeHashes};
use super::goals::{goals_of, GoalSpec};
use super::{Budget, Config, Counterexample, Stats, Status, Strategy};
use crate::action::{Action, TimedAction};
use crate::model::Model;
use crate::rng::Rng;
use crate::time::Time;
use crate::view::Violation;
use crate::world::{Sink, World};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// A sink that keeps the first violation and nothing else.
#[derive(Default)]
pub(crate) struct Catch {
    pub(crate) violation: Option<Violation>,
}

impl Sink for Catch {
    fn trace(&mut self, _: crate::trace::TraceEntry) {}
    fn sample(&mut self, _: Time, _: &[f64]) {}
    fn violation(&mut self, v: Violation) {
        if self.violation.is_none() {
            self.violation = Some(v);
        }
    }
}

/// A state waiting to be expanded.
#[derive(Clone)]
struct Item<M: Model> {
    /// Boxed: the frontier's slots stay small (a world is several hundred bytes, mostly
    /// pointers to what it shares), and moving an item moves a pointer.
    world: Box<World<M>>,
    used: Budget,
    depth: u32,
    /// Index in the trail (breadth- and depth-first) of the step that led here.
    trail: u32,
    /// Its nodes' hashes, for its successors' fingerprints.
    nodes: NodeHashes,
}

/// The node a choice may change (`Some(None)`: none), as far as the fingerprint cares; `None`
/// when any may have (a round of deliveries followed it).
pub(crate) fn touched(choice: &Choice, round: &[Choice]) -> Option<Option<crate::NodeId>> {
    if !round.is_empty() {
        return None;
    }
    Some(match choice {
        Choice::Deliver { to, .. } => Some(*to),
        Choice::Fire { node, .. } | Choice::Command { node, .. } => Some(*node),
        Choice::Crash(n) | Choice::Restart(n) => Some(*n),
        Choice::Drop { .. } | Choice::Duplicate { .. } | Choice::Isolate(_) | Choice::Heal => None,
    })
}

/// The visited set: fingerprint → depth of the shallowest visit, in one open-addressing table
/// (linear probing, at most half full). Fingerprints are already well mixed, so their top
/// bits are the slot. 12 bytes a slot, so 24 to 48 bytes a state, against about 60 in a
/// `BTreeMap<u64, u32>`, and a lookup is one or two cache lines instead of a tree walk.
/// Fingerprint 0 marks an empty slot: a state whose fingerprint is 0 is stored as 1 (one
/// more hash collision, at odds of 2^-64).
struct Visited {
    keys: Vec<u64>,
    depths: Vec<u32>,
    len: usize,
    /// 64 minus log2 of the capacity.
    shift: u32,
}

impl Visited {
    fn new() -> Self {
        Visited { keys: alloc::vec![0; 1024], depths: alloc::vec![0; 1024], len: 0, shift: 64 - 10 }
    }

    #[inline]
    fn slot(&self, fp: u64) -> (usize, bool) {
        let mask = self.keys.len() - 1;
        let mut i = (fp >> self.shift) as usize;
        loop {
            let k = self.keys[i];
            if k == fp {
                return (i, true);
            }
            if k == 0 {
                return (i, false);
            }
            i = (i + 1) & mask;
        }
    }

    /// The depth stored for `fp`.
    #[inline]
    fn get(&self, fp: u64) -> Option<u32> {
        let (i, found) = self.slot(fp.max(1));
        found.then(|| self.depths[i])
    }

    /// Stores `depth` for `fp`; gives the depth it replaces, if any.
    #[inline]
    fn insert(&mut self, fp: u64, depth: u32) -> Option<u32> {
        let fp = fp.max(1);
        let (i, found) = self.slot(fp);
        if found {
            return Some(core::mem::replace(&mut self.depths[i], depth));
        }
        self.keys[i] = fp;
        self.depths[i] = depth;
        self.len += 1;
        if self.len * 2 > self.keys.len() {
            self.grow();
        }
        None
    }

    fn grow(&mut self) {
        let cap = self.keys.len() * 2;
        let keys = core::mem::replace(&mut self.keys, alloc::vec![0; cap]);
        let depths = core::mem::take(&mut self.depths);
        self.depths = alloc::vec![0; cap];
        self.shift -= 1;
        for (k, d) in keys.into_iter().zip(depths) {
            if k != 0 {
                let (i, _) = self.slot(k);
                self.keys[i] = k;
                self.depths[i] = d;
            }
        }
    }

    /// Bytes it holds.
    fn bytes(&self) -> usize {
        self.keys.len() * (core::mem::size_of::<u64>() + core::mem::size_of::<u32>())
    }
}

/// Most deliveries in one round (a model whose messages never stop gets its round cut here).
const ROUND_MAX: usize = 10_000;

/// Stream of the explorer's own random choices (random walks), apart from the world's.
const EXPLORER_STREAM: u64 = 0x6578_706c_6f72_6572;

/// The world a search starts from: the model's initial nodes, switched to manual mode by an
/// [`Action::Manual`] at time 0 exactly as a scenario's first timeline entry switches it.
pub fn root_world<M: Model>(model: M, seed: u64) -> World<M> {
    root_world_after(model, seed, &[TimedAction { at: 0, action: Action::Manual }]).0
}

/// The world a search starts from after a scripted start (see [`super::start_script`]): the
/// script runs with the clock up to its last action, `Manual`. Also gives the first violation
/// the script itself caused, if any.
pub fn root_world_after<M: Model>(mut model: M, seed: u64, script: &[TimedAction]) -> (World<M>, Option<Violation>) {
    model.exploring();
    let mut world = World::new(model, seed);
    let mut sink = Catch::default();
    while world.action_cursor() < script.len() && world.step(script, &mut sink) {}
    world.silence();
    (world, sink.violation)
}

/// Applies a schedule to a world, step by step, skipping steps that are impossible there.
/// Returns the actions applied and, if one happened, the first violation with the number of
/// steps taken when it was caught (the schedule is cut there).
pub fn replay<M: Model>(root: &World<M>, path: &[Choice]) -> (Vec<Choice>, Vec<TimedAction>, Option<Violation>) {
    let mut world = root.clone();
    let mut kept = Vec::new();
    let mut actions = Vec::new();
    for choice in path {
        let Some(timed) = resolve(&world, choice) else { continue };
        let mut sink = Catch::default();
        if world.act_at(timed.at, &timed.action, &mut sink).is_err() {
            continue;
        }
        kept.push(choice.clone());
        actions.push(timed);
        if sink.violation.is_some() {
            return (kept, actions, sink.violation);
        }
    }
    (kept, actions, None)
}

/// Applies a choice (as its kernel action) to `next` (a copy of the state it was listed in),
/// then (with `rounds`) the network's deliveries, pushed onto `round`; `None` if the choice is
/// refused, else the first violation it caused, if any.
pub(crate) fn advance<M: Model>(next: &mut World<M>, timed: &Timed, rounds: bool, round: &mut Vec<Choice>) -> Option<Option<Violation>> {
    let mut sink = Catch::default();
    next.act_at(timed.at, &timed.action, &mut sink).ok()?;
    round.clear();
    if rounds {
        while sink.violation.is_none() && round.len() < ROUND_MAX {
            let Some((choice, timed)) = next_in_round(next) else { break };
            if next.act_at(timed.at, &timed.action, &mut sink).is_err() {
                break;
            }
            round.push(choice);
        }
    }
    Some(sink.violation)
}

/// A random walk under way: its world, budget limit and use, path so far and depth (choices
/// made; the path also holds the deliveries of rounds).
type Walk<M> = (World<M>, Budget, Budget, Vec<Choice>, u32);

/// A search over one model's states.
pub struct Explorer<M: Model> {
    config: Config,
    root: World<M>,
    frontier: VecDeque<Item<M>>,
    /// (parent, choice) of every distinct state reached, index 0 being the root.
    trail: Vec<(u32, Choice)>,
    /// With rounds: the deliveries that followed the choice of a trail entry.
    round_of: BTreeMap<u32, Vec<Choice>>,
    visited: Visited,
    goals: &'static [GoalSpec],
    reached: Vec<Option<u64>>,
    /// Each goal's query at the root: a goal counts what the search adds to a scripted start.
    base: Vec<f64>,
    stats: Stats,
    status: Status,
    found: Option<Counterexample>,
    rng: Rng,
    walk: Option<Walk<M>>,
    /// The walk's chance (in 1/16) of firing a timer when a message could be delivered instead;
    /// 0 picks uniformly among all choices.
    timer_bias: u32,
    buf: Vec<(Choice, Timed)>,
    /// The deliveries of the current round (kept for its storage).
    round: Vec<Choice>,
    /// The hashes of the messages in flight in the state being expanded, by id (kept for its
    /// storage).
    msgs: Vec<(crate::MsgId, u64)>,
    /// Check every fingerprint made from the parent's node hashes against one made from
    /// scratch (debug builds and the unit tests).
    verify: bool,
    reuse: Reuse<M>,
}

/// What the worlds a search makes can share instead of allocating their own: the worlds of
/// successors thrown away (seen before, refused, at the depth bound), whose buffers the next
/// copies reuse, and one buffer for the handlers' effects, lent to each world for its step
/// (see [`World::swap_scratch`]).
pub(crate) struct Reuse<M: Model> {
    worlds: Vec<Box<World<M>>>,
    effects: Vec<crate::model::Effect<M>>,
}

/// Most worlds kept for reuse: one successor is made at a time, so one is nearly always enough.
const SPARE_MAX: usize = 2;

impl<M: Model> Reuse<M> {
    pub(crate) fn new() -> Self {
        Reuse { worlds: Vec::new(), effects: Vec::new() }
    }

    /// A copy of `world`, into the buffers of a spare world if there is one.
    pub(crate) fn copy(&mut self, world: &World<M>) -> Box<World<M>> {
        match self.worlds.pop() {
            Some(mut spare) => {
                (*spare).clone_from(world);
                spare
            }
            None => Box::new(world.clone()),
        }
    }

    /// Keeps a world thrown away for [`Reuse::copy`].
    pub(crate) fn keep(&mut self, world: Box<World<M>>) {
        if self.worlds.len() < SPARE_MAX {
            self.worlds.push(world);
        }
    }

    /// [`advance`], with the shared effects buffer.
    pub(crate) fn advance(&mut self, next: &mut World<M>, timed: &Timed, rounds: bool, round: &mut Vec<Choice>) -> Option<Option<Violation>> {
        next.swap_scratch(&mut self.effects);
        let violation = advance(next, timed, rounds, round);
        next.swap_scratch(&mut self.effects);
        violation
    }
}

impl<M: Model> Explorer<M> {
    /// A search of `model` (already configured) with `config`.
    pub fn new(model: M, config: Config) -> Self {
        let (root, early) = root_world_after(model, config.seed, &super::start_script(&config));
        let goals = goals_of(root.model.info().name);
        let mut e = Explorer {
            rng: Rng::stream(config.seed, EXPLORER_STREAM),
            frontier: VecDeque::new(),
            trail: alloc::vec![(u32::MAX, Choice::Heal)],
            round_of: BTreeMap::new(),
            visited: Visited::new(),
            reached: alloc::vec![None; goals.len()],
            base: goals.iter().map(|g| root.query(g.query).unwrap_or(0.0)).collect(),
            goals,
            stats: Stats::default(),
            status: Status::Running,
            found: None,
            walk: None,
            timer_bias: 8,
            buf: Vec::new(),
            round: Vec::new(),
            msgs: Vec::new(),
            verify: cfg!(debug_assertions),
            reuse: Reuse::new(),
            root,
            config,
        };
        let fp = of_world(&e.root, e.config.with_ghost, Budget::default().key());
        e.visited.insert(fp, 0);
        e.stats.distinct = 1;
        e.stats.state_bytes = e.root.snapshot_bytes() as u64;
        if let Some(v) = early {
            // The scripted start breaks an invariant by itself: an empty schedule shows it.
            e.found = Some(Counterexample { invariant: v.invariant, detail: v.detail, nodes: v.nodes, cells: v.cells, path: Vec::new(), actions: Vec::new(), shrunk: true });
            e.status = Status::Violation;
            return e;
        }
        if !matches!(e.config.strategy, Strategy::Random) {
            let mut nodes = NodeHashes::default();
            nodes.fill(&e.root, None);
            e.frontier.push_back(Item { world: Box::new(e.root.clone()), used: Budget::default(), depth: 0, trail: 0, nodes });
        }
        e
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The world every schedule starts from.
    pub fn root(&self) -> &World<M> {
        &self.root
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        s.frontier = self.frontier.len() as u64;
        s
    }

    /// Where the search stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The goals and, for each reached one, the number of steps explored when it was.
    pub fn goals(&self) -> Vec<(&'static str, Option<u64>)> {
        self.goals.iter().zip(&self.reached).map(|(g, r)| (g.label, *r)).collect()
    }

    /// Bytes the search holds besides the worlds themselves: the visited table, the trail (one
    /// entry per distinct state, to rebuild schedules), the rounds' deliveries and the frontier's
    /// slots. Each world in the frontier costs about [`World::snapshot_bytes`] on top.
    pub fn bookkeeping_bytes(&self) -> u64 {
        use core::mem::size_of;
        let rounds: usize = self.round_of.values().map(|r| r.capacity() * size_of::<Choice>() + 48).sum();
        (self.visited.bytes() + self.trail.capacity() * size_of::<(u32, Choice)>() + rounds + self.frontier.capacity() * size_of::<Item<M>>()) as u64
    }

    /// The violation found, if any.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        self.found.as_ref()
    }

    /// Replaces the counterexample (after shrinking it).
    pub(crate) fn set_counterexample(&mut self, c: Counterexample) {
        self.found = Some(c);
    }

    fn path_to(&self, mut index: u32) -> Vec<Choice> {
        let mut path = Vec::new();
        while index != 0 {
            let (parent, choice) = &self.trail[index as usize];
            if let Some(round) = self.round_of.get(&index) {
                path.extend(round.iter().rev().cloned());
            }
            path.push(choice.clone());
            index = *parent;
        }
        path.reverse();
        path
    }

    /// Explores up to `budget` more steps (a step is one transition: clone a state, apply a
    /// choice, check invariants). Call again to resume.
    pub fn run(&mut self, budget: u64) -> Status {
        if self.status != Status::Running {
            return self.status;
        }
        let stop = self.stats.explored.saturating_add(budget);
        while self.stats.explored < stop && self.status == Status::Running {
            if self.stats.explored >= self.config.states_max {
                self.status = Status::Bounded;
                break;
            }
            match self.config.strategy {
                Strategy::Bfs | Strategy::Dfs => self.expand_next(),
                Strategy::Random => self.walk_step(),
            }
        }
        self.status
    }

    fn note_goals(&mut self, world: &World<M>) {
        for (i, g) in self.goals.iter().enumerate() {
            if self.reached[i].is_none() && world.query(g.query).is_some_and(|x| x - self.base[i] >= g.at_least) {
                self.reached[i] = Some(self.stats.explored);
            }
        }
    }

    /// Applies a choice (as its kernel action) to `next` (a copy of the state it was listed
    /// in), then (with rounds) the network's deliveries, pushed onto `round`; None if it is
    /// refused.
    fn apply(&mut self, next: &mut World<M>, timed: &Timed, round: &mut Vec<Choice>) -> Option<Option<Violation>> {
        let violation = self.reuse.advance(next, timed, self.config.rounds, round)?;
        self.stats.explored += 1;
        self.note_goals(next);
        Some(violation)
    }

    fn found(&mut self, v: Violation, path: Vec<Choice>) {
        let (path, actions, _) = replay(&self.root, &path);
        self.found = Some(Counterexample { invariant: v.invariant, detail: v.detail, nodes: v.nodes, cells: v.cells, path, actions, shrunk: false });
        self.status = Status::Violation;
    }

    fn expand_next(&mut self) {
        let item = match self.config.strategy {
            Strategy::Dfs => self.frontier.pop_back(),
            _ => self.frontier.pop_front(),
        };
        let Some(item) = item else {
            self.status = Status::Exhausted;
            return;
        };
        let mut buf = core::mem::take(&mut self.buf);
        choices(&item.world, &self.config.limit, &item.used, &self.config.commands, self.config.rounds, &mut buf);
        let dfs = self.config.strategy == Strategy::Dfs;
        let first_child = self.frontier.len();
        let mut round = core::mem::take(&mut self.round);
        let mut msgs = core::mem::take(&mut self.msgs);
        message_hashes(&item.world, &mut msgs);
        // The last choice takes the state itself instead of a copy.
        let mut parent = Some(item.world);
        let last = buf.len().saturating_sub(1);
        for (i, (choice, timed)) in buf.iter().enumerate() {
            let start = if i == last { parent.take() } else { parent.as_deref().map(|p| self.reuse.copy(p)) };
            let Some(mut world) = start else { break };
            let Some(violation) = self.apply(&mut world, timed, &mut round) else {
                self.reuse.keep(world);
                continue;
            };
            let depth = item.depth + 1;
            self.stats.depth = self.stats.depth.max(depth);
            if let Some(v) = violation {
                let mut path = self.path_to(item.trail);
                path.push(choice.clone());
                path.append(&mut round);
                self.found(v, path);
                break;
            }
            let mut used = item.used;
            choice.spend(&mut used);
            let mut nodes = NodeHashes::default();
            nodes.fill(&world, touched(choice, &round).map(|t| (&item.nodes, t)));
            let fp = of_world_known(&world, self.config.with_ghost, used.key(), &nodes, &msgs);
            if self.verify {
                assert_eq!(fp, of_world(&world, self.config.with_ghost, used.key()), "fingerprint from the parent's node hashes after {choice:?}");
            }
            match self.visited.get(fp) {
                Some(d) if d <= depth => {
                    self.reuse.keep(world);
                    continue;
                }
                Some(_) => {}
                None => self.stats.distinct += 1,
            }
            self.visited.insert(fp, depth);
            self.trail.push((item.trail, choice.clone()));
            if !round.is_empty() {
                self.round_of.insert((self.trail.len() - 1) as u32, core::mem::take(&mut round));
            }
            if depth < self.config.depth_max {
                self.frontier.push_back(Item { world, used, depth, trail: (self.trail.len() - 1) as u32, nodes });
            } else {
                self.reuse.keep(world);
            }
        }
        self.buf = buf;
        self.round = round;
        self.msgs = msgs;
        if dfs {
            // Reversed, so the first choice is popped (explored) first.
            // (Depth-first only pushes and pops at the back, so the queue is one slice already.)
            self.frontier.make_contiguous()[first_child..].reverse();
        }
    }

    /// The budget of a new walk: the configured one, or (swarm testing) each kind of fault
    /// switched off or drawn up to its limit, so walks mix fault-free and fault-heavy runs.
    fn walk_budget(&mut self) -> Budget {
        let l = self.config.limit;
        if !self.config.swarm {
            return l;
        }
        let mut draw = |max: u32| if max == 0 { 0 } else { self.rng.below(max + 1) };
        Budget { crashes: draw(l.crashes), drops: draw(l.drops), duplicates: draw(l.duplicates), partitions: draw(l.partitions), commands: l.commands.min(1).max(draw(l.commands)) }
    }

    fn walk_step(&mut self) {
        if self.walk.is_none() {
            let limit = self.walk_budget();
            // Swarm testing over pace too: some walks let timers fire often (elections,
            // retries), some rarely (long exchanges of messages between two timeouts).
            self.timer_bias = if self.config.swarm { [0, 0, 1, 4, 12][self.rng.below(5) as usize] } else { 0 };
            self.walk = Some((self.root.clone(), limit, Budget::default(), Vec::new(), 0));
            self.stats.walks += 1;
        }
        let Some((world, limit, used, path, depth)) = self.walk.take() else { return };
        let mut buf = core::mem::take(&mut self.buf);
        choices(&world, &limit, &used, &self.config.commands, self.config.rounds, &mut buf);
        if buf.is_empty() || depth >= self.config.depth_max {
            self.buf = buf;
            if path.is_empty() {
                // Nothing can happen at all from the start.
                self.status = Status::Exhausted;
            }
            return; // the walk ends; the next call starts another
        }
        let timers = buf.iter().filter(|c| matches!(c.0, Choice::Fire { .. })).count() as u32;
        let others = buf.len() as u32 - timers;
        let pick = if timers == 0 || others == 0 || self.timer_bias == 0 {
            self.rng.below(buf.len() as u32)
        } else if self.rng.below(16) < self.timer_bias {
            // The k-th timer choice.
            let k = self.rng.below(timers);
            buf.iter().enumerate().filter(|(_, c)| matches!(c.0, Choice::Fire { .. })).nth(k as usize).map_or(0, |(i, _)| i as u32)
        } else {
            let k = self.rng.below(others);
            buf.iter().enumerate().filter(|(_, c)| !matches!(c.0, Choice::Fire { .. })).nth(k as usize).map_or(0, |(i, _)| i as u32)
        };
        let (choice, timed) = buf[pick as usize].clone();
        self.buf = buf;
        let mut round = Vec::new();
        let mut next = world;
        let Some(violation) = self.apply(&mut next, &timed, &mut round) else {
            // Choices come from this very state, so this does not happen; end the walk anyway.
            if path.is_empty() {
                self.status = Status::Exhausted;
            }
            return;
        };
        let mut path = path;
        path.push(choice.clone());
        path.append(&mut round);
        self.stats.depth = self.stats.depth.max(depth + 1);
        if let Some(v) = violation {
            self.found(v, path);
            return;
        }
        let mut used = used;
        choice.spend(&mut used);
        let fp = of_world(&next, self.config.with_ghost, used.key());
        if self.visited.insert(fp, depth + 1).is_none() {
            self.stats.distinct += 1;
        }
        self.walk = Some((next, limit, used, path, depth + 1));
    }
}

/// The parallel breadth-first search's half on the calling thread (see `parallel`, which needs
/// threads, so std).
#[cfg(feature = "std")]
impl<M: Model> Explorer<M> {
    /// Takes the start state out of the frontier: a parallel search keeps its own frontier
    /// of states held by its shards.
    pub(crate) fn clear_frontier(&mut self) {
        self.frontier.clear();
    }

    /// The trail's choices from the start to trail entry `index`, without the deliveries of
    /// rounds (a shard replays those itself, exactly as the search made them).
    pub(crate) fn trail_choices(&self, mut index: u32) -> Vec<Choice> {
        let mut path = Vec::new();
        while index != 0 {
            let (parent, choice) = &self.trail[index as usize];
            path.push(choice.clone());
            index = *parent;
        }
        path.reverse();
        path
    }

    /// The goals not reached yet, as a bit set.
    pub(crate) fn open_goals(&self) -> u64 {
        self.reached.iter().enumerate().filter(|(_, r)| r.is_none()).fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Counts one successor of the state at trail entry `parent` exactly as [`Explorer::run`]
    /// does breadth-first: a step explored, the goals it reached, a violation, or a state new
    /// or seen. `Some(trail index)` when the state joins the frontier.
    pub(crate) fn merge(&mut self, parent: u32, depth: u32, s: &mut super::parallel::Successor) -> Option<u32> {
        self.stats.explored += 1;
        for (i, r) in self.reached.iter_mut().enumerate() {
            if r.is_none() && s.goals & 1 << i != 0 {
                *r = Some(self.stats.explored);
            }
        }
        self.stats.depth = self.stats.depth.max(depth);
        if let Some(v) = s.violation.take() {
            let mut path = self.path_to(parent);
            path.push(s.choice.clone());
            path.append(&mut s.round);
            self.found(*v, path);
            return None;
        }
        if s.seen {
            debug_assert!(self.visited.get(s.fp).is_some_and(|d| d <= depth), "a state a shard saw is visited");
            return None;
        }
        match self.visited.get(s.fp) {
            Some(d) if d <= depth => return None,
            Some(_) => {}
            None => self.stats.distinct += 1,
        }
        self.visited.insert(s.fp, depth);
        self.trail.push((parent, core::mem::replace(&mut s.choice, Choice::Heal)));
        let index = (self.trail.len() - 1) as u32;
        if !s.round.is_empty() {
            self.round_of.insert(index, core::mem::take(&mut s.round));
        }
        (depth < self.config.depth_max).then_some(index)
    }

    /// Sets where the search stands (a parallel search drives the counters itself).
    pub(crate) fn set_status(&mut self, status: Status) {
        self.status = status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::{Budget, Config, Strategy};
    use crate::models::raft::Raft;

    /// Fingerprints made from the parent's node hashes equal fingerprints made from scratch,
    /// under every kind of choice (the explorer asserts it at every step with `verify`).
    #[test]
    fn incremental_fingerprints_equal_whole_ones() {
        let limit = Budget { crashes: 1, drops: 1, duplicates: 1, partitions: 1, commands: 1 };
        for (strategy, rounds) in [(Strategy::Bfs, false), (Strategy::Dfs, false), (Strategy::Bfs, true)] {
            let config = Config { strategy, limit, depth_max: 8, states_max: 4_000, rounds, ..Config::default() };
            let mut e = Explorer::new(Raft { servers: 3, ..Raft::default() }, config);
            e.verify = true;
            e.run(u64::MAX);
            assert!(e.stats().distinct > 100, "{strategy:?}: {:?}", e.stats());
        }
    }

    #[test]
    fn the_visited_table_keeps_every_key_through_growth() {
        let mut v = Visited::new();
        let key = |i: u64| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) ^ (i << 7);
        for i in 1..=10_000u64 {
            assert_eq!(v.insert(key(i), i as u32), None);
        }
        assert_eq!(v.insert(0, 5), None, "0 is stored as 1");
        for i in 1..=10_000u64 {
            assert_eq!(v.get(key(i)), Some(i as u32));
        }
        assert_eq!(v.insert(key(3), 1), Some(3));
        assert_eq!(v.get(key(3)), Some(1));
        assert_eq!(v.get(12345), None);
        assert_eq!(v.len, 10_001);
    }
}
