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
//! trail, the counters, the goals, the counterexample — in an ordinary [`Explorer`](super::Explorer), and
//! merges the shards' successors in the order the one-thread search generates them:
//! frontier state by frontier state, choice by choice. The one-thread search's stopping rules
//! (the step budget of a `run`, the state bound, a violation) are checked at the same points,
//! so the steps, distinct states, frontier, goals (with the step at which each was reached)
//! and counterexample are identical for any number of threads.
//!
//! The merge is the only serial part, so it does only what decides the result (a visited
//! lookup, a trail entry and a frontier entry per successor), and the shards expand ahead of
//! it: the frontier holds each state from its own merge until its successors' — not dealt yet,
//! dealt to a shard, or expanded, its successors waiting for the merge in the shard's slots.
//! The other threads always have a queue of states to expand (topped up whenever it runs
//! low, answered state by state), so they do not wait for the merge; the calling thread
//! merges whatever is ready and expands one state of its own in between, and waits only when
//! every state within reach (a window ahead of the merge) is dealt. Expanded states that a
//! `run`'s step budget leaves unmerged stay as they are for the next `run`; only a violation
//! or the state bound throws work away, at most a window of states (near the bound, no more
//! states are dealt than it needs).
//!
//! Most duplicates never reach the merge. Each shard remembers the fingerprints it made
//! lately, with the number of the state it made each from (`Successor::seen`): states are
//! merged in frontier order and the search is breadth-first, so a successor the shard made
//! before from a state merged no later is certain to be visited by the time the merge comes
//! to it. The shard drops its world at once, while it is in the cache, and the merge only
//! counts the step (on raft-3, nine duplicates in ten on one thread, eight on two). The
//! other duplicates' worlds are let go by the shard that made them, on its own thread, and
//! successor lists go back to the shard that filled them, to be filled again.
//!
//! Which shard expands a state does not change the result, only the speed. A state's
//! successors stay with the shard that made them, and each shard expands the states it holds,
//! in frontier order. A shard that finds none of its own within the window takes the first
//! state of the shard with the most left there (if that is more than `Tuning::steal_min`)
//! and rebuilds it by its schedule (the trail's choices, resolved and applied as the search
//! applied them, rounds included), starting from the deepest world of its last rebuild's
//! path that the new path shares: states are taken in frontier order, mostly siblings, so a
//! rebuild is one or two steps, against a dozen or so successors per state expanded. The
//! successors of a state taken that way belong to the taker, so the shards' shares follow
//! their speeds (the calling thread, which also merges, holds a little less). Taking never
//! stops, as a state's successors sit together and so the runs of states held by one shard
//! grow level by level until a taking cuts them (raft-3 on two threads: about one state
//! expanded in ten).
//!
//! Only breadth-first search runs in parallel; depth-first search and random walks are
//! sequential by nature and run on one thread.

use super::choice::{choices, resolve, Choice};
use super::fingerprint::{message_hashes, of_world_known, NodeHashes};
use super::goals::{goals_of, GoalSpec};
use super::search::{root_world_after, touched, Reuse};
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
#[cfg_attr(not(feature = "std"), allow(dead_code))] // read by the merge, which needs threads
pub struct Successor {
    pub(crate) choice: Choice,
    /// The deliveries of the round that followed the choice (with [`Config::rounds`]).
    pub(crate) round: Vec<Choice>,
    /// Boxed: a violation is rare, and a successor crosses threads by value.
    pub(crate) violation: Option<Box<Violation>>,
    pub(crate) fp: u64,
    pub(crate) used: Budget,
    /// Bit i: goal i (among those still open when the state was dealt) holds in this state.
    pub(crate) goals: u64,
    /// The shard's slot holding the successor's world ([`NONE`] at the depth bound, after a
    /// violation, or when `seen`).
    pub(crate) slot: u32,
    /// The shard made this state before, from a state merged no later than this one's
    /// parent (or from the parent itself): the merge finds it visited, so the shard dropped
    /// its world at once and left out its choice.
    pub(crate) seen: bool,
}

/// The fingerprints of the successors a shard made lately, each with the number of the
/// state it was made from: a direct-mapped cache (a fingerprint evicts the one in its place).
/// Breadth-first search meets most states again soon after the first time, from a sibling of
/// the first parent (the diamonds of independent steps), and siblings are usually expanded by
/// the same shard.
struct Recent {
    entries: Vec<(u64, u64)>,
    /// 64 minus log2 of the entries.
    shift: u32,
}

impl Recent {
    /// Entries, as a power of 2: 256 KB. On raft-3 it catches 93% of the duplicates on one
    /// thread (4 times fewer entries: 77%, 4 times more: 97%).
    const BITS: u32 = 14;

    fn new() -> Self {
        Recent { entries: alloc::vec![(0, u64::MAX); 1 << Self::BITS], shift: 64 - Self::BITS }
    }

    /// Whether `fp` was made from a state numbered `index` or lower (states are merged in
    /// the order of their numbers, each one's successors in the order they are made, and the
    /// search is breadth-first, so the merge will have stored it by then at a depth no
    /// greater); remembers it otherwise.
    #[inline]
    fn seen(&mut self, fp: u64, index: u64) -> bool {
        let e = &mut self.entries[(fp >> self.shift) as usize];
        if e.0 == fp && e.1 <= index {
            return true;
        }
        *e = (fp, index);
        false
    }
}

/// Where a shard finds a state to expand.
#[derive(Debug)]
pub enum Handle {
    /// In its own slot.
    Slot(u32),
    /// Not held by this shard: rebuild it from the start by these trail choices.
    Rebuild(Vec<Choice>),
}

/// One state for a shard to expand.
#[derive(Debug)]
pub struct Task {
    /// Its number: states are numbered in the order they join the frontier.
    pub index: u64,
    /// Where the shard finds it.
    pub handle: Handle,
    /// Its used budget.
    pub used: Budget,
    /// Its depth.
    pub depth: u32,
}

/// Work for one shard: slots to release first, then states to expand, in order.
#[derive(Debug, Default)]
pub struct Job {
    /// Slots no longer needed.
    pub release: Vec<u32>,
    /// Emptied successor lists of earlier jobs, to fill again: a list is a large allocation,
    /// and the system allocator is slow to take large blocks back from another thread.
    pub spares: Vec<Vec<Successor>>,
    /// States to expand.
    pub tasks: Vec<Task>,
    /// The goals still open (bit set).
    pub open_goals: u64,
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
    recent: Recent,
    /// The last rebuild's path: each choice with the world it led to.
    chain: Vec<(Choice, World<M>)>,
    /// Successors found made before (see `Successor::seen`).
    seen: u64,
    /// Steps replayed to rebuild states.
    replayed: u64,
    /// Emptied successor lists to fill again.
    spares: Vec<Vec<Successor>>,
    reuse: Reuse<M>,
}

impl<M: Model> Shard<M> {
    /// A shard of a search of `model` with `config`: it builds the start state as
    /// [`super::Explorer::new`] does.
    pub fn new(model: M, config: Config) -> Self {
        let (root, _) = root_world_after(model, config.seed, &start_script(&config));
        let goals = goals_of(root.model.info().name);
        let base = goals.iter().map(|g| root.query(g.query).unwrap_or(0.0)).collect();
        Shard { root, config, goals, base, slots: Vec::new(), free: Vec::new(), buf: Vec::new(), round: Vec::new(), msgs: Vec::new(), recent: Recent::new(), chain: Vec::new(), seen: 0, replayed: 0, spares: Vec::new(), reuse: Reuse::new() }
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
            if let Some((world, _)) = s.take() {
                self.free.push(slot);
                self.reuse.keep(world);
            }
        }
    }

    /// Worlds held.
    pub fn held(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Takes back an emptied successor list, to fill again.
    pub fn spare(&mut self, list: Vec<Successor>) {
        self.spares.push(list);
    }

    /// Successors found made before (`Successor::seen`) and steps replayed to rebuild states,
    /// so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.seen, self.replayed)
    }

    /// Rebuilds a state from the start by the trail's choices leading to it (each resolved in
    /// the state it was made in, and followed by its round, as the search made it). It starts
    /// from the deepest world of the last rebuild's path that this path shares: a shard takes
    /// another's states in frontier order, so mostly siblings, one step each.
    fn rebuild(&mut self, path: &[Choice]) -> (Box<World<M>>, NodeHashes) {
        let shared = self.chain.iter().zip(path).take_while(|((made, _), choice)| made == *choice).count();
        self.chain.truncate(shared);
        self.replayed += (path.len() - shared) as u64;
        let mut world = Box::new(self.chain.last().map_or_else(|| self.root.clone(), |(_, w)| w.clone()));
        let mut round = core::mem::take(&mut self.round);
        for choice in &path[shared..] {
            match resolve(&world, choice) {
                Some(timed) => {
                    let _ = self.reuse.advance(&mut world, &timed, self.config.rounds, &mut round);
                }
                None => debug_assert!(false, "a trail choice is possible where it was made: {choice:?}"),
            }
            self.chain.push((choice.clone(), (*world).clone()));
        }
        self.round = round;
        let mut nodes = NodeHashes::default();
        nodes.fill(&world, None);
        (world, nodes)
    }

    /// Expands a state: every successor, in the order of [`choices`], up to the first that
    /// breaks an invariant (goals checked among `open_goals`). Successors below the depth
    /// bound keep their world in a slot. The state's own world is let go (the last successor
    /// takes it, as the one-thread search does).
    pub fn expand(&mut self, task: Task, open_goals: u64) -> Vec<Successor> {
        let (parent, parent_nodes) = match task.handle {
            Handle::Slot(slot) => match self.slots.get_mut(slot as usize).and_then(Option::take) {
                Some(held) => {
                    self.free.push(slot);
                    held
                }
                None => {
                    debug_assert!(false, "slot {slot} holds no world");
                    return Vec::new();
                }
            },
            Handle::Rebuild(path) => self.rebuild(&path),
        };
        let config = &self.config;
        let mut buf = core::mem::take(&mut self.buf);
        let mut round = core::mem::take(&mut self.round);
        let mut msgs = core::mem::take(&mut self.msgs);
        choices(&parent, &config.limit, &task.used, &config.commands, config.rounds, &mut buf);
        message_hashes(&parent, &mut msgs);
        let mut out = self.spares.pop().unwrap_or_default();
        out.clear();
        out.reserve(buf.len());
        let keep = task.depth + 1 < self.config.depth_max;
        let last = buf.len().saturating_sub(1);
        let mut parent = Some(parent);
        for (i, (choice, timed)) in buf.iter().enumerate() {
            let start = if i == last { parent.take() } else { parent.as_deref().map(|p| self.reuse.copy(p)) };
            let Some(mut world) = start else { break };
            let Some(violation) = self.reuse.advance(&mut world, timed, self.config.rounds, &mut round) else {
                self.reuse.keep(world);
                continue;
            };
            let mut goals = 0;
            for (i, g) in self.goals.iter().enumerate() {
                if open_goals & 1 << i != 0 && world.query(g.query).is_some_and(|x| x - self.base[i] >= g.at_least) {
                    goals |= 1 << i;
                }
            }
            if let Some(v) = violation {
                out.push(Successor { choice: choice.clone(), round: core::mem::take(&mut round), violation: Some(Box::new(v)), fp: 0, used: task.used, goals, slot: NONE, seen: false });
                break;
            }
            let mut used = task.used;
            choice.spend(&mut used);
            let mut nodes = NodeHashes::default();
            nodes.fill(&world, touched(choice, &round).map(|t| (&parent_nodes, t)));
            let fp = of_world_known(&world, self.config.with_ghost, used.key(), &nodes, &msgs);
            if self.recent.seen(fp, task.index) {
                // The merge will find it visited: its world goes now, while it is in the cache.
                self.seen += 1;
                self.reuse.keep(world);
                out.push(Successor { choice: Choice::Heal, round: Vec::new(), violation: None, fp, used, goals, slot: NONE, seen: true });
                continue;
            }
            let slot = if keep {
                self.store(world, nodes)
            } else {
                self.reuse.keep(world);
                NONE
            };
            out.push(Successor { choice: choice.clone(), round: core::mem::take(&mut round), violation: None, fp, used, goals, slot, seen: false });
        }
        self.buf = buf;
        self.round = round;
        self.msgs = msgs;
        out
    }

    /// Does a job: releases its slots, then expands its states in order, handing each state's
    /// number and successors to `done` as soon as they are ready; stops early when `done` says
    /// false.
    pub fn serve(&mut self, job: Job, mut done: impl FnMut(u64, Vec<Successor>) -> bool) {
        for slot in job.release {
            self.release(slot);
        }
        self.spares.extend(job.spares);
        for task in job.tasks {
            let index = task.index;
            let out = self.expand(task, job.open_goals);
            if !done(index, out) {
                return;
            }
        }
    }
}

#[cfg(feature = "std")]
pub use threads::{boxed_parallel, Balance, Parallel, Tuning};

#[cfg(feature = "std")]
mod threads {
    use super::*;
    use crate::explore::{Checker, Counterexample, Explorer, Stats, Status, Strategy};
    use alloc::collections::VecDeque;
    use alloc::string::String;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::sync::Arc;
    use std::thread::JoinHandle;
    use std::time::Instant;

    /// How the threads share the work; none of it changes the result, only the speed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Tuning {
        /// States in a job for another thread: it is sent more whenever fewer than this many
        /// are left in its queue, so it does not wait for the calling thread, and sending
        /// costs little per state.
        pub batch: usize,
        /// How far ahead of the merge states may be dealt, in frontier states per thread: far
        /// enough that each thread mostly finds states of its own to expand (the frontier
        /// holds runs of states held by one shard: a state's successors sit together), near
        /// enough that the successors waiting for the merge stay few.
        pub window: usize,
        /// A shard out of states of its own within reach takes another's only when that one
        /// has more than this many left there: taking costs a rebuild, a short wait less.
        pub steal_min: usize,
    }

    impl Default for Tuning {
        fn default() -> Self {
            Tuning { batch: 32, window: 512, steal_min: 128 }
        }
    }

    /// How the work was shared so far (for tuning; none of it changes the result).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Balance {
        /// States expanded on the calling thread.
        pub expanded_here: u64,
        /// States expanded on the other threads.
        pub expanded_there: u64,
        /// States rebuilt by a shard that did not hold them.
        pub rebuilt: u64,
        /// Steps replayed for those rebuilds.
        pub replayed: u64,
        /// Successors a shard found it had made before (`Successor::seen`).
        pub seen: u64,
        /// Times the calling thread waited for another.
        pub waits: u64,
        /// How long the calling thread waited (µs).
        pub wait_us: u64,
        /// How long the other threads waited for work, all together (µs).
        pub idle_us: u64,
    }

    /// What a thread tells the calling thread of its work, besides the successors.
    #[derive(Default)]
    struct Counts {
        idle_us: AtomicU64,
        seen: AtomicU64,
        replayed: AtomicU64,
    }

    /// A frontier state: which shard holds its world, in which slot ([`NONE`]: none does),
    /// and how far its expansion has come.
    struct Item {
        owner: u32,
        slot: u32,
        used: Budget,
        depth: u32,
        trail: u32,
        /// The shard it was dealt to ([`NONE`]: not dealt yet).
        dealt: u32,
        /// Its successors, once expanded.
        done: Option<Vec<Successor>>,
    }

    /// A shard on its own thread.
    struct Remote {
        jobs: Option<Sender<Job>>,
        replies: Receiver<(u64, Vec<Successor>)>,
        thread: Option<JoinHandle<()>>,
        /// States dealt to it whose successors have not come back yet.
        queued: usize,
        counts: Arc<Counts>,
    }

    /// A breadth-first search on `threads` threads (the calling one and `threads - 1` more),
    /// with the result of [`Explorer`] on one (see the module documentation).
    pub struct Parallel<M: Model> {
        inner: Explorer<M>,
        local: Shard<M>,
        remotes: Vec<Remote>,
        /// The states whose successors are not merged yet, in merge order.
        frontier: VecDeque<Item>,
        /// The number of the frontier's first state (states are numbered in the order they
        /// join the frontier).
        first: u64,
        /// By shard: where its search for the next state it holds goes on.
        scan: Vec<u64>,
        /// Every state numbered below this one is dealt.
        undealt: u64,
        /// States numbered below this one are counted in `backlog`.
        counted: u64,
        /// By shard: the states it holds within reach that are not dealt yet.
        backlog: Vec<usize>,
        /// States dealt and not merged yet.
        dealt: usize,
        /// Slots to release, by shard, sent with its next job.
        release: Vec<Vec<u32>>,
        /// Emptied successor lists, by shard, sent back with its next job.
        spares: Vec<Vec<Vec<Successor>>>,
        /// States expanded and successors generated so far, to deal no more than the state
        /// bound needs.
        expanded: u64,
        generated: u64,
        balance: Balance,
        tuning: Tuning,
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
                .map(|i| {
                    let (jobs, job_rx) = channel::<Job>();
                    let (reply_tx, replies) = channel();
                    let (build, config) = (build.clone(), config.clone());
                    let counts = Arc::new(Counts::default());
                    let told = counts.clone();
                    let thread = std::thread::Builder::new().name(std::format!("checker-{i}"));
                    let thread = thread.spawn(move || {
                        let mut shard = Shard::new(build(), config);
                        loop {
                            let t = Instant::now();
                            let Ok(job) = job_rx.recv() else { break };
                            told.idle_us.fetch_add(t.elapsed().as_micros() as u64, Relaxed);
                            let mut open = true;
                            shard.serve(job, |index, out| {
                                open = reply_tx.send((index, out)).is_ok();
                                open
                            });
                            let (seen, replayed) = shard.counts();
                            told.seen.store(seen, Relaxed);
                            told.replayed.store(replayed, Relaxed);
                            if !open {
                                break;
                            }
                        }
                    });
                    let thread = thread.expect("a thread for the search");
                    Remote { jobs: Some(jobs), replies, thread: Some(thread), queued: 0, counts }
                })
                .collect();
            let mut frontier = VecDeque::new();
            if inner.status() == Status::Running {
                frontier.push_back(Item { owner: 0, slot: NONE, used: Budget::default(), depth: 0, trail: 0, dealt: NONE, done: None });
            }
            Parallel {
                inner,
                local,
                remotes,
                frontier,
                first: 0,
                scan: alloc::vec![0; threads],
                undealt: 0,
                counted: 0,
                backlog: alloc::vec![0; threads],
                dealt: 0,
                release: alloc::vec![Vec::new(); threads],
                spares: (0..threads).map(|_| Vec::new()).collect(),
                expanded: 0,
                generated: 0,
                balance: Balance::default(),
                tuning: Tuning::default(),
            }
        }

        /// Sets how the threads share the work (each figure at least 1); the result does not
        /// depend on it.
        pub fn tune(&mut self, tuning: Tuning) {
            self.tuning = Tuning { batch: tuning.batch.max(1), window: tuning.window.max(1), steal_min: tuning.steal_min };
        }

        /// Threads searching.
        pub fn threads(&self) -> usize {
            1 + self.remotes.len()
        }

        /// How the work was shared so far (the other threads' counts as of their last job).
        pub fn balance(&self) -> Balance {
            let mut b = self.balance;
            b.expanded_there = self.expanded - b.expanded_here;
            let (seen, replayed) = self.local.counts();
            b.seen = seen;
            b.replayed = replayed;
            for r in &self.remotes {
                b.seen += r.counts.seen.load(Relaxed);
                b.replayed += r.counts.replayed.load(Relaxed);
                b.idle_us += r.counts.idle_us.load(Relaxed);
            }
            b
        }

        fn free(&mut self, shard: u32, slot: u32) {
            free(&mut self.local, &mut self.release, shard, slot);
        }

        /// Explores up to `budget` more steps, as [`Explorer::run`] does.
        pub fn run(&mut self, budget: u64) -> Status {
            if self.inner.status() != Status::Running {
                return self.inner.status();
            }
            let stop = self.inner.stats().explored.saturating_add(budget);
            while !self.stopped(stop) {
                let Some(front) = self.frontier.front() else {
                    self.inner.set_status(Status::Exhausted);
                    break;
                };
                if front.done.is_some() {
                    self.merge_front();
                    continue;
                }
                self.collect();
                if self.frontier.front().is_some_and(|f| f.done.is_some()) {
                    continue;
                }
                self.top_up();
                if let Some(task) = self.pick(0) {
                    let index = task.index;
                    let out = self.local.expand(task, self.inner.open_goals());
                    self.balance.expanded_here += 1;
                    self.finish(index, out);
                    continue;
                }
                // Everything within reach is dealt, the first state to another thread: wait
                // for it.
                let w = self.frontier.front().map_or(NONE, |f| f.dealt);
                let remote = &mut self.remotes[w as usize - 1];
                let t = Instant::now();
                let (index, out) = remote.replies.recv().expect("a checker thread ended early");
                self.balance.waits += 1;
                self.balance.wait_us += t.elapsed().as_micros() as u64;
                remote.queued -= 1;
                self.finish(index, out);
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

        /// Takes in the successors the other threads have sent so far.
        fn collect(&mut self) {
            for r in 0..self.remotes.len() {
                while let Ok((index, out)) = self.remotes[r].replies.try_recv() {
                    self.remotes[r].queued -= 1;
                    self.finish(index, out);
                }
            }
        }

        /// Keeps the state numbered `index`'s successors for the merge.
        fn finish(&mut self, index: u64, out: Vec<Successor>) {
            self.expanded += 1;
            self.generated += out.len() as u64;
            let item = &mut self.frontier[(index - self.first) as usize];
            debug_assert!(item.dealt != NONE && item.done.is_none());
            item.done = Some(out);
        }

        /// Sends each other thread whose queue runs low more states to expand.
        fn top_up(&mut self) {
            for r in 0..self.remotes.len() {
                if self.remotes[r].queued >= self.tuning.batch {
                    continue;
                }
                let w = r as u32 + 1;
                let mut tasks = Vec::new();
                while self.remotes[r].queued + tasks.len() < 2 * self.tuning.batch {
                    match self.pick(w) {
                        Some(task) => tasks.push(task),
                        None => break,
                    }
                }
                if tasks.is_empty() {
                    continue;
                }
                self.remotes[r].queued += tasks.len();
                let job = Job { release: core::mem::take(&mut self.release[w as usize]), spares: core::mem::take(&mut self.spares[w as usize]), tasks, open_goals: self.inner.open_goals() };
                if let Some(tx) = &self.remotes[r].jobs {
                    tx.send(job).expect("a checker thread ended early");
                }
            }
        }

        /// Deals shard `w` its next state: the next one it holds within the window, else the
        /// first state not dealt yet (which it rebuilds). None when every state within the
        /// window is dealt, or (near the state bound) when those dealt already give the steps
        /// it needs.
        fn pick(&mut self, w: u32) -> Option<Task> {
            let end = self.first + self.frontier.len().min(self.tuning.window * self.threads()) as u64;
            while self.counted < end {
                let owner = self.frontier[(self.counted - self.first) as usize].owner;
                self.backlog[owner as usize] += 1;
                self.counted += 1;
            }
            self.undealt = self.undealt.max(self.first);
            while self.undealt < end && self.frontier[(self.undealt - self.first) as usize].dealt != NONE {
                self.undealt += 1;
            }
            if self.undealt >= end {
                return None;
            }
            // Near the state bound, the successors of the states dealt already may be all the
            // steps left (each state gives about `per`): then only the merge's next state.
            let left = self.inner.config().states_max.saturating_sub(self.inner.stats().explored);
            let per = self.generated.checked_div(self.expanded).unwrap_or(1).max(1);
            if (self.dealt as u64).saturating_mul(per) >= left.saturating_add(per) {
                let owner = self.frontier[0].owner;
                return (self.undealt == self.first && (owner == w || w == 0)).then(|| self.deal(self.first, w));
            }
            let victim = if self.backlog[w as usize] > 0 {
                w
            } else {
                // Nothing of its own within reach: take the first state of the shard with the
                // most left to do, if that is many (or if the merge waits for the state).
                let v = (0..self.threads()).max_by_key(|&v| self.backlog[v]).unwrap_or(0);
                if self.backlog[v] <= self.tuning.steal_min && self.undealt != self.first {
                    return None;
                }
                if self.undealt == self.first && self.backlog[v] <= self.tuning.steal_min {
                    return Some(self.deal(self.first, w));
                }
                v as u32
            };
            let mut i = self.scan[victim as usize].max(self.undealt);
            while i < end {
                let item = &self.frontier[(i - self.first) as usize];
                if item.dealt == NONE && item.owner == victim {
                    self.scan[victim as usize] = i + 1;
                    return Some(self.deal(i, w));
                }
                i += 1;
            }
            debug_assert!(false, "shard {victim} has {} states within reach", self.backlog[victim as usize]);
            None
        }

        /// Deals the state numbered `index` to shard `w`.
        fn deal(&mut self, index: u64, w: u32) -> Task {
            let item = &mut self.frontier[(index - self.first) as usize];
            debug_assert!(item.dealt == NONE);
            item.dealt = w;
            let (owner, slot, used, depth, trail) = (item.owner, item.slot, item.used, item.depth, item.trail);
            self.dealt += 1;
            self.backlog[owner as usize] -= 1;
            let handle = if owner == w && slot != NONE {
                Handle::Slot(slot)
            } else {
                self.balance.rebuilt += 1;
                // The shard that held it lets its copy go.
                self.free(owner, slot);
                Handle::Rebuild(self.inner.trail_choices(trail))
            };
            Task { index, handle, used, depth }
        }

        /// Merges the first state's successors, in the one-thread search's order.
        fn merge_front(&mut self) {
            let item = self.frontier.pop_front().expect("a state to merge");
            self.first += 1;
            self.dealt -= 1;
            let w = item.dealt;
            let depth = item.depth + 1;
            let mut list = item.done.expect("expanded");
            let mut succ = list.drain(..);
            for mut s in succ.by_ref() {
                match self.inner.merge(item.trail, depth, &mut s) {
                    Some(trail) => self.frontier.push_back(Item { owner: w, slot: s.slot, used: s.used, depth, trail, dealt: NONE, done: None }),
                    None => free(&mut self.local, &mut self.release, w, s.slot),
                }
                if self.inner.status() != Status::Running {
                    break;
                }
            }
            for s in succ {
                free(&mut self.local, &mut self.release, w, s.slot);
            }
            if w == 0 {
                self.local.spare(list);
            } else {
                self.spares[w as usize].push(list);
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

    /// Lets go of `shard`'s world in `slot`: at once for the calling thread's own shard, with
    /// the next job for another.
    fn free<M: Model>(local: &mut Shard<M>, release: &mut [Vec<u32>], shard: u32, slot: u32) {
        if slot == NONE {
            return;
        }
        if shard == 0 {
            local.release(slot);
        } else {
            release[shard as usize].push(slot);
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
