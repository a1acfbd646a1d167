//! Breadth-first search on several threads, with exactly the result of one.
//!
//! Worlds share their parts through `Rc` (cheap copies are what makes a successor cost a few
//! pointer copies), so a world never crosses a thread. Each thread therefore owns a [`Shard`]:
//! its own copy of the start state, built the same way from the same model, seed and script,
//! and the worlds of the frontier states it holds, each named by a slot number. What crosses
//! threads is plain data: which states to expand, and for each successor its choice, its
//! fingerprint, the goals it reached and the violation it caused ([`Successor`]).
//!
//! The calling thread keeps everything that decides the result — the visited table, the
//! trail, the counters, the goals, the counterexample — in an ordinary [`Explorer`], and
//! merges the shards' successors in the order the one-thread search generates them:
//! frontier state by frontier state, choice by choice. The one-thread search's stopping rules
//! (the step budget of a `run`, the state bound, a violation) are checked at the same points,
//! so the steps, distinct states, frontier, goals (with the step at which each was reached)
//! and counterexample are identical for any number of threads. Work a shard did past the
//! stopping point is thrown away (at most one batch).
//!
//! Which shard expands a state does not change the result, only the speed. A state's
//! successors stay with the shard that made them, so the shards' shares drift apart; when a
//! batch is lopsided, the excess moves to the idler shards, which rebuild those states from
//! the start by their schedule (the trail's choices, resolved and applied as the search
//! applied them, rounds included): a few steps per state moved, against a dozen or so
//! successors per state expanded.
//!
//! Only breadth-first search runs in parallel; depth-first search and random walks are
//! sequential by nature and run on one thread.

use super::choice::{choices, resolve, Choice};
use super::fingerprint::{message_hashes, of_world_known, NodeHashes};
use super::goals::{goals_of, GoalSpec};
use super::search::{advance, root_world_after, touched};
use super::{start_script, Budget, Config};
use crate::action::TimedAction;
use crate::model::Model;
use crate::view::Violation;
use crate::world::World;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// A slot number meaning "no world kept".
pub const NONE: u32 = u32::MAX;

/// A successor computed by a shard: what the merge needs to count it exactly as the
/// one-thread search does.
#[derive(Debug)]
pub struct Successor {
    pub(crate) choice: Choice,
    /// The deliveries of the round that followed the choice (with [`Config::rounds`]).
    pub(crate) round: Vec<Choice>,
    pub(crate) violation: Option<Violation>,
    pub(crate) fp: u64,
    pub(crate) used: Budget,
    /// Bit i: goal i (among those still open when the batch was dealt) holds in this state.
    pub(crate) goals: u64,
    /// The shard's slot holding the successor's world ([`NONE`] at the depth bound, or after a
    /// violation).
    pub(crate) slot: u32,
}

/// Where a shard finds a state to expand.
#[derive(Debug)]
pub enum Handle {
    /// In its own slot.
    Slot(u32),
    /// Not held by this shard: rebuild it from the start by these trail choices.
    Rebuild(Vec<Choice>),
}

/// One thread's share of a parallel breadth-first search: its own start state, and the worlds
/// of the frontier states it holds, by slot.
pub struct Shard<M: Model> {
    root: World<M>,
    config: Config,
    goals: &'static [GoalSpec],
    base: Vec<f64>,
    slots: Vec<Option<(Box<World<M>>, NodeHashes)>>,
    free: Vec<u32>,
    buf: Vec<(Choice, TimedAction)>,
    round: Vec<Choice>,
    msgs: Vec<(crate::MsgId, u64)>,
}

impl<M: Model> Shard<M> {
    /// A shard of a search of `model` with `config`: it builds the start state as
    /// [`super::Explorer::new`] does.
    pub fn new(model: M, config: Config) -> Self {
        let (root, _) = root_world_after(model, config.seed, &start_script(&config));
        let goals = goals_of(root.model.info().name);
        let base = goals.iter().map(|g| root.query(g.query).unwrap_or(0.0)).collect();
        Shard { root, config, goals, base, slots: Vec::new(), free: Vec::new(), buf: Vec::new(), round: Vec::new(), msgs: Vec::new() }
    }

    fn store(&mut self, world: Box<World<M>>, nodes: NodeHashes) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some((world, nodes));
                i
            }
            None => {
                self.slots.push(Some((world, nodes)));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Lets go of the world in `slot`.
    pub fn release(&mut self, slot: u32) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            if s.take().is_some() {
                self.free.push(slot);
            }
        }
    }

    /// Worlds held.
    pub fn held(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Rebuilds a state from the start by the trail's choices leading to it (each resolved in
    /// the state it was made in, and followed by its round, as the search made it); its slot.
    fn rebuild(&mut self, path: &[Choice]) -> u32 {
        let mut world = Box::new(self.root.clone());
        let mut round = core::mem::take(&mut self.round);
        for choice in path {
            match resolve(&world, choice) {
                Some(timed) => {
                    let _ = advance(&mut world, &timed, self.config.rounds, &mut round);
                }
                None => debug_assert!(false, "a trail choice is possible where it was made: {choice:?}"),
            }
        }
        self.round = round;
        let mut nodes = NodeHashes::default();
        nodes.fill(&world, None);
        self.store(world, nodes)
    }

    /// Expands the state found by `handle` (whose used budget is `used`, at `depth`):
    /// every successor, in the order of [`choices`], up to the first that breaks an
    /// invariant. Successors below the depth bound keep their world in a slot. The last
    /// successor takes the state's own world (as the one-thread search does): gives the
    /// state's slot if it is still held (a violation came first), else [`NONE`].
    pub fn expand(&mut self, handle: Handle, used: Budget, depth: u32, open_goals: u64, out: &mut Vec<Successor>) -> u32 {
        out.clear();
        let slot = match handle {
            Handle::Slot(s) => s,
            Handle::Rebuild(path) => self.rebuild(&path),
        };
        let Some((parent, parent_nodes)) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            debug_assert!(false, "slot {slot} holds no world");
            return NONE;
        };
        self.free.push(slot);
        let config = &self.config;
        let mut buf = core::mem::take(&mut self.buf);
        let mut round = core::mem::take(&mut self.round);
        let mut msgs = core::mem::take(&mut self.msgs);
        choices(&parent, &config.limit, &used, &config.commands, config.rounds, &mut buf);
        message_hashes(&parent, &mut msgs);
        out.reserve(buf.len());
        let keep = depth + 1 < self.config.depth_max;
        let last = buf.len().saturating_sub(1);
        let mut parent = Some(parent);
        for (i, (choice, timed)) in buf.iter().enumerate() {
            let start = if i == last { parent.take() } else { parent.clone() };
            let Some(mut world) = start else { break };
            let Some(violation) = advance(&mut world, timed, self.config.rounds, &mut round) else { continue };
            let mut goals = 0;
            for (i, g) in self.goals.iter().enumerate() {
                if open_goals & 1 << i != 0 && world.query(g.query).is_some_and(|x| x - self.base[i] >= g.at_least) {
                    goals |= 1 << i;
                }
            }
            let mut s = Successor { choice: choice.clone(), round: core::mem::take(&mut round), violation, fp: 0, used, goals, slot: NONE };
            if s.violation.is_some() {
                out.push(s);
                break;
            }
            choice.spend(&mut s.used);
            let mut nodes = NodeHashes::default();
            nodes.fill(&world, touched(choice, &s.round).map(|t| (&parent_nodes, t)));
            s.fp = of_world_known(&world, self.config.with_ghost, s.used.key(), &nodes, &msgs);
            if keep {
                s.slot = self.store(world, nodes);
            }
            out.push(s);
        }
        self.buf = buf;
        self.round = round;
        self.msgs = msgs;
        match parent {
            Some(world) => self.store(world, parent_nodes),
            None => NONE,
        }
    }
}

/// One state of a batch for a shard to expand.
#[derive(Debug)]
pub struct Task {
    /// Its place in the batch.
    pub index: u32,
    /// Where the shard finds it.
    pub handle: Handle,
    /// Its used budget.
    pub used: Budget,
    /// Its depth.
    pub depth: u32,
}

/// A batch for one shard: slots to release first, then states to expand.
#[derive(Debug, Default)]
pub struct Job {
    /// Slots no longer needed.
    pub release: Vec<u32>,
    /// States to expand.
    pub tasks: Vec<Task>,
    /// The goals still open (bit set).
    pub open_goals: u64,
}

/// A shard's answer to a [`Job`]: for each task, its place in the batch, the state's slot and
/// its successors.
pub type Reply = Vec<(u32, u32, Vec<Successor>)>;

impl<M: Model> Shard<M> {
    /// Does a job.
    pub fn serve(&mut self, job: Job) -> Reply {
        for slot in job.release {
            self.release(slot);
        }
        let mut reply = Vec::with_capacity(job.tasks.len());
        for task in job.tasks {
            let mut out = Vec::new();
            let slot = self.expand(task.handle, task.used, task.depth, job.open_goals, &mut out);
            reply.push((task.index, slot, out));
        }
        reply
    }
}

#[cfg(feature = "std")]
pub use threads::{boxed_parallel, Parallel};

#[cfg(feature = "std")]
mod threads {
    use super::*;
    use crate::explore::{Checker, Counterexample, Explorer, Stats, Status, Strategy};
    use alloc::collections::VecDeque;
    use alloc::string::String;
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::thread::JoinHandle;

    /// States per shard in a batch, at most, by default: enough to make a batch's hand-offs
    /// between threads cheap, few enough that the batch's successors (each a world, kept until
    /// the merge decides) stay in the caches.
    const BATCH: usize = 32;

    /// A frontier state: which shard holds its world, in which slot ([`NONE`]: none does yet).
    struct Item {
        owner: usize,
        slot: u32,
        used: Budget,
        depth: u32,
        trail: u32,
    }

    /// A shard on its own thread.
    struct Remote {
        jobs: Option<Sender<Job>>,
        replies: Receiver<Reply>,
        thread: Option<JoinHandle<()>>,
    }

    /// A breadth-first search on `threads` threads (the calling one and `threads - 1` more),
    /// with the result of [`Explorer`] on one (see the module documentation).
    pub struct Parallel<M: Model> {
        inner: Explorer<M>,
        local: Shard<M>,
        remotes: Vec<Remote>,
        frontier: VecDeque<Item>,
        /// Slots to release, by shard, sent with its next job.
        release: Vec<Vec<u32>>,
        /// States expanded and successors generated so far, to size batches near the end of a
        /// budget.
        expanded: u64,
        generated: u64,
        batch: usize,
    }

    impl<M: Model> Parallel<M> {
        /// A breadth-first search of `model` with `config` on `threads` threads (at least 1).
        /// Worlds do not cross threads, nor does a model (some hold `Rc`s): each other thread
        /// calls `build` for its own copy of `model`.
        pub fn new(model: M, build: impl Fn() -> M + Send + Clone + 'static, config: Config, threads: usize) -> Self {
            let threads = threads.max(1);
            let mut inner = Explorer::new(model.clone(), Config { strategy: Strategy::Bfs, ..config.clone() });
            inner.clear_frontier();
            let local = Shard::new(model, config.clone());
            let remotes = (1..threads)
                .map(|_| {
                    let (jobs, job_rx) = channel::<Job>();
                    let (reply_tx, replies) = channel::<Reply>();
                    let (build, config) = (build.clone(), config.clone());
                    let thread = std::thread::spawn(move || {
                        let mut shard = Shard::new(build(), config);
                        while let Ok(job) = job_rx.recv() {
                            if reply_tx.send(shard.serve(job)).is_err() {
                                break;
                            }
                        }
                    });
                    Remote { jobs: Some(jobs), replies, thread: Some(thread) }
                })
                .collect();
            let mut frontier = VecDeque::new();
            if inner.status() == Status::Running {
                frontier.push_back(Item { owner: 0, slot: NONE, used: Budget::default(), depth: 0, trail: 0 });
            }
            Parallel { inner, local, remotes, frontier, release: alloc::vec![Vec::new(); threads], expanded: 0, generated: 0, batch: BATCH }
        }

        /// Sets the most states per thread in a batch (at least 1); the result does not depend
        /// on it.
        pub fn set_batch(&mut self, states: usize) {
            self.batch = states.max(1);
        }

        /// Threads searching.
        pub fn threads(&self) -> usize {
            1 + self.remotes.len()
        }

        fn free(&mut self, shard: usize, slot: u32) {
            if slot == NONE {
                return;
            }
            if shard == 0 {
                self.local.release(slot);
            } else {
                self.release[shard].push(slot);
            }
        }

        /// Explores up to `budget` more steps, as [`Explorer::run`] does.
        pub fn run(&mut self, budget: u64) -> Status {
            if self.inner.status() != Status::Running {
                return self.inner.status();
            }
            let stop = self.inner.stats().explored.saturating_add(budget);
            while !self.stopped(stop) {
                if self.frontier.is_empty() {
                    self.inner.set_status(Status::Exhausted);
                    break;
                }
                self.batch(stop);
            }
            self.inner.status()
        }

        /// The one-thread search's stopping rules: `stop` steps reached, the search no longer
        /// running, or its bound reached (which makes it `Bounded`).
        fn stopped(&mut self, stop: u64) -> bool {
            let explored = self.inner.stats().explored;
            if explored >= stop || self.inner.status() != Status::Running {
                return true;
            }
            if explored >= self.inner.config().states_max {
                self.inner.set_status(Status::Bounded);
                return true;
            }
            false
        }

        /// Deals the front of the frontier to the shards, then merges their successors in
        /// frontier order until a stopping rule of the one-thread search says stop.
        fn batch(&mut self, stop: u64) {
            let n = self.threads();
            let explored = self.inner.stats().explored;
            // Near the end of the budget, only about as many states as it needs (plus one per
            // shard): the work past the stopping point is thrown away.
            let left = stop.min(self.inner.config().states_max).saturating_sub(explored);
            let per = self.generated.checked_div(self.expanded).unwrap_or(1).max(1);
            let k = self.frontier.len().min(self.batch * n).min((left / per) as usize + n).max(1);
            // Each state goes to the shard holding it, unless that shard has half as much again
            // as its share: the excess goes to the shards with the fewest, which rebuild it. (A
            // state's successors sit together in the frontier, so a batch is often lopsided;
            // balancing every batch exactly cost more in rebuilds than it saved in waiting.)
            let share = (k + k / 2).div_ceil(n);
            let mut count = alloc::vec![0usize; n];
            let mut dealt: Vec<usize> = Vec::with_capacity(k);
            for item in self.frontier.iter().take(k) {
                let w = if item.slot != NONE && count[item.owner] < share { item.owner } else { usize::MAX };
                if w != usize::MAX {
                    count[w] += 1;
                }
                dealt.push(w);
            }
            for w in dealt.iter_mut().filter(|w| **w == usize::MAX) {
                let idle = (0..n).min_by_key(|&i| count[i]).unwrap_or(0);
                count[idle] += 1;
                *w = idle;
            }
            let open_goals = self.inner.open_goals();
            let mut jobs: Vec<Job> = (0..n).map(|w| Job { release: core::mem::take(&mut self.release[w]), tasks: Vec::new(), open_goals }).collect();
            for (i, (item, &w)) in self.frontier.iter().zip(&dealt).enumerate() {
                let handle = if w == item.owner && item.slot != NONE { Handle::Slot(item.slot) } else { Handle::Rebuild(self.inner.trail_choices(item.trail)) };
                jobs[w].tasks.push(Task { index: i as u32, handle, used: item.used, depth: item.depth });
            }
            let mut jobs = jobs.into_iter();
            let local_job = jobs.next().unwrap_or_default();
            for (remote, job) in self.remotes.iter().zip(jobs) {
                if let Some(tx) = &remote.jobs {
                    tx.send(job).expect("a checker thread ended early");
                }
            }
            let mut results: Vec<Option<(u32, Vec<Successor>)>> = (0..k).map(|_| None).collect();
            for (index, slot, succ) in self.local.serve(local_job) {
                results[index as usize] = Some((slot, succ));
            }
            for remote in &self.remotes {
                let reply = remote.replies.recv().expect("a checker thread ended early");
                for (index, slot, succ) in reply {
                    results[index as usize] = Some((slot, succ));
                }
            }
            // The merge, in the one-thread search's order and with its stopping rules.
            let mut merged = 0;
            while merged < k {
                if merged > 0 && self.stopped(stop) {
                    break;
                }
                let item = self.frontier.pop_front().expect("dealt from the frontier");
                let w = dealt[merged];
                let (slot, succ) = results[merged].take().expect("every task answered");
                merged += 1;
                self.free(w, slot);
                if w != item.owner {
                    self.free(item.owner, item.slot);
                }
                self.expanded += 1;
                let depth = item.depth + 1;
                let mut succ = succ.into_iter();
                for mut s in succ.by_ref() {
                    self.generated += 1;
                    match self.inner.merge(item.trail, depth, &mut s) {
                        Some(trail) => self.frontier.push_back(Item { owner: w, slot: s.slot, used: s.used, depth, trail }),
                        None => self.free(w, s.slot),
                    }
                    if self.inner.status() != Status::Running {
                        break;
                    }
                }
                for s in succ {
                    self.free(w, s.slot);
                }
            }
            // States dealt but not merged stay in the frontier, held where they were expanded.
            for (j, i) in (merged..k).enumerate() {
                let w = dealt[i];
                let (slot, succ) = results[i].take().expect("every task answered");
                for s in succ {
                    self.free(w, s.slot);
                }
                // The shard that expanded it holds it now, or nobody does (its last successor
                // took its world): it is rebuilt when dealt again.
                let (owner, old) = (self.frontier[j].owner, self.frontier[j].slot);
                if w != owner {
                    self.free(owner, old);
                }
                self.frontier[j].owner = w;
                self.frontier[j].slot = slot;
            }
        }

        /// Counters so far.
        pub fn stats(&self) -> Stats {
            let mut s = self.inner.stats();
            s.frontier = self.frontier.len() as u64;
            s
        }

        /// The search on the calling thread: trail, visited table, counterexample.
        pub fn explorer(&self) -> &Explorer<M> {
            &self.inner
        }
    }

    impl<M: Model> Drop for Parallel<M> {
        fn drop(&mut self) {
            for r in &mut self.remotes {
                r.jobs = None; // closes the channel: the thread's loop ends
            }
            for r in &mut self.remotes {
                if let Some(t) = r.thread.take() {
                    let _ = t.join();
                }
            }
        }
    }

    impl<M: Model> Checker for Parallel<M> {
        fn model(&self) -> &'static str {
            Checker::model(&self.inner)
        }
        fn config(&self) -> &Config {
            Checker::config(&self.inner)
        }
        fn run(&mut self, budget: u64) -> Status {
            Parallel::run(self, budget)
        }
        fn status(&self) -> Status {
            self.inner.status()
        }
        fn stats(&self) -> Stats {
            Parallel::stats(self)
        }
        fn goals(&self) -> Vec<(&'static str, Option<u64>)> {
            self.inner.goals()
        }
        fn counterexample(&self) -> Option<&Counterexample> {
            self.inner.counterexample()
        }
        fn shrink(&mut self, tests_max: u32) {
            Checker::shrink(&mut self.inner, tests_max)
        }
        fn describe_steps(&self) -> Vec<String> {
            Checker::describe_steps(&self.inner)
        }
        #[cfg(feature = "serde")]
        fn scenario(&self) -> Option<crate::scenario::Scenario> {
            Checker::scenario(&self.inner)
        }
    }

    /// [`super::super::boxed`] on `threads` threads: breadth-first searches run in parallel
    /// (same result, see the module documentation), other strategies on the calling thread.
    /// `make` gives the model's defaults; each thread configures its own copy with `settings`.
    pub fn boxed_parallel<M: Model>(make: fn() -> M, settings: &[(String, crate::view::Value)], config: Config, threads: usize) -> Result<Box<dyn Checker>, String> {
        if threads <= 1 || config.strategy != Strategy::Bfs {
            return super::super::boxed(make(), settings, config);
        }
        config.validate()?;
        let model = crate::lab::configure(make(), settings)?;
        let settings = settings.to_vec();
        let build = move || crate::lab::configure(make(), &settings).expect("the same settings were accepted on the calling thread");
        Ok(Box::new(Parallel::new(model, build, config, threads)))
    }
}
