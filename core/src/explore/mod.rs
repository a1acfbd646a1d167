//! # Exploration: the model checker
//!
//! In a normal run the clock picks the next event: the earliest message or timer in the queue.
//! Here the *explorer* picks it. In any state it lists the choices open ([`choices`]): deliver
//! any message in flight, in any order; drop or duplicate one; fire any armed timer; crash or
//! restart a node; isolate a node or heal the network; give a node a command from its menu
//! (a client request) — faults and commands each within a budget ([`Budget`]). Applying a choice
//! runs the model's ordinary handlers through the kernel ([`World::act_at`]), and the model's
//! ordinary `observe` checks its invariants after every step: a model written for the lab is
//! checkable for free.
//!
//! States are fingerprinted by a stable hash ([`fingerprint`]) so a state reached twice is
//! expanded once. Strategies ([`Strategy`]): breadth-first (shortest counterexamples, for small
//! configurations), depth-first with a depth bound, and random walks with swarm testing (each
//! walk draws its own fault budget, so some walks are fault-free and some fault-heavy —
//! Groce et al., "Swarm Testing", ISSTA 2012). Every search is resumable: [`Checker::run`]
//! takes a step budget, so the shell can run it in slices and cancel between them.
//!
//! A violation gives a [`Counterexample`]: the schedule (as [`Choice`]s, which name messages by
//! content so they survive edits) and the same schedule as kernel actions. [`shrink`] reduces it
//! with delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
//! Input", TSE 2002): remove chunks of steps, halving the chunk size, keep any smaller schedule
//! that still breaks the same invariant. [`Checker::scenario`] then writes it as an ordinary
//! scenario: an [`Action::Manual`] at time 0 (from then on only the timeline makes things
//! happen), then one `deliver` / `fire` / fault / command entry per step, at the virtual time the
//! explorer gave it. Running that scenario with the CLI or opening it in the lab replays the
//! same events to the same violation.
//!
//! Two ways to reach deep bugs with a small search. A *scenario prefix* ([`Config::prefix`]):
//! a scripted run with the clock sets the stage (Raft's Figure 8 needs two leader changes
//! before the interesting part), and the explorer takes over from the state it reaches; the
//! counterexample's scenario keeps the prefix in front of its `manual` entry. *Rounds*
//! ([`Config::rounds`]): after each choice the network delivers every message in flight, so
//! the explorer picks only timers, faults and commands — a coarser search that does not try
//! message orders, but whose depth counts elections and crashes rather than deliveries (the
//! deliveries still appear, one by one, in the counterexample).
//!
//! Each model names a few reachability goals ([`goals`]) so a search that finds no bug shows
//! what it reached.
//!
//! Natively (the `std` feature), a breadth-first search can run on several threads
//! ([`parallel`]): each thread owns the worlds it expands, the calling thread merges their
//! successors in the one-thread order, so every count, goal and counterexample is the same for
//! any number of threads. The page's worker is one thread and uses [`Explorer`] directly.

pub mod choice;
pub mod fingerprint;
pub mod goals;
pub mod parallel;
pub mod search;

pub use choice::{choices, describe, resolve, Choice};
pub use search::{replay, root_world, Explorer};
#[cfg(feature = "std")]
pub use parallel::{boxed_parallel, Parallel};

use crate::action::{Action, TimedAction};
use crate::model::Model;
use crate::NodeId;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// How to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Breadth-first: every state at depth d before any at d + 1.
    Bfs,
    /// Depth-first, down to the depth bound.
    Dfs,
    /// Random walks from the start, each to the depth bound.
    Random,
}

impl Strategy {
    /// Parses "bfs", "dfs" or "random".
    pub fn parse(text: &str) -> Result<Strategy, String> {
        match text {
            "bfs" => Ok(Strategy::Bfs),
            "dfs" => Ok(Strategy::Dfs),
            "random" | "swarm" => Ok(Strategy::Random),
            other => Err(format!("unknown strategy \"{other}\" (known: bfs, dfs, random)")),
        }
    }
}

/// How many faults and commands a schedule may contain (or, while searching, has used).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Node crashes (restarts are free).
    pub crashes: u32,
    /// Messages dropped.
    pub drops: u32,
    /// Messages duplicated.
    pub duplicates: u32,
    /// Nodes isolated (healing is free).
    pub partitions: u32,
    /// Commands given (client requests).
    pub commands: u32,
}

impl Budget {
    /// A number that tells used budgets apart, for fingerprints.
    pub fn key(&self) -> u64 {
        let f = |x: u32| x.min(0xfff) as u64;
        f(self.crashes) | f(self.drops) << 12 | f(self.duplicates) << 24 | f(self.partitions) << 36 | f(self.commands) << 48
    }
}

/// A search's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Strategy.
    pub strategy: Strategy,
    /// Longest schedule explored.
    pub depth_max: u32,
    /// Fault and command budget of every schedule.
    pub limit: Budget,
    /// Names of the node commands the explorer may give (from the model's menus).
    pub commands: Vec<String>,
    /// Seed of the world (timer durations) and of the random walks.
    pub seed: u64,
    /// Stop after this many steps.
    pub states_max: u64,
    /// Include the ghost history in fingerprints (sound; fewer states merge).
    pub with_ghost: bool,
    /// Random walks draw their own budget below `limit` (swarm testing).
    pub swarm: bool,
    /// A scripted start (a scenario prefix): these timeline actions run with the clock, as in
    /// an ordinary run, until `start`; the explorer takes over from the state they reach.
    /// Empty: the explorer picks every event from time 0.
    pub prefix: Vec<TimedAction>,
    /// When the explorer takes over (the time of the `Manual` action); 0 without a prefix.
    pub start: crate::time::Time,
    /// Rounds: after each choice the network delivers every message in flight (in the order
    /// the clock would, again and again until none is left), so the explorer picks only timers,
    /// faults and commands. A coarser search — message interleavings are not explored — that
    /// reaches deep scenarios (elections after crashes and partitions) in few choices.
    pub rounds: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            strategy: Strategy::Bfs,
            depth_max: 12,
            limit: Budget { crashes: 0, drops: 0, duplicates: 0, partitions: 0, commands: 1 },
            commands: alloc::vec!["request".into()],
            seed: 1,
            states_max: 200_000,
            with_ghost: true,
            swarm: true,
            prefix: Vec::new(),
            start: 0,
            rounds: false,
        }
    }
}

/// Bounds on user-given configuration, so a page or a CLI flag cannot ask for the absurd.
pub const DEPTH_MAX: u32 = 200;
/// Largest fault or command budget of one kind.
pub const BUDGET_MAX: u32 = 20;

impl Config {
    /// Checks every field is in range; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.depth_max == 0 || self.depth_max > DEPTH_MAX {
            return Err(format!("depth must be between 1 and {DEPTH_MAX}, got {}", self.depth_max));
        }
        let l = &self.limit;
        for (name, v) in [("crashes", l.crashes), ("drops", l.drops), ("duplicates", l.duplicates), ("partitions", l.partitions), ("commands", l.commands)] {
            if v > BUDGET_MAX {
                return Err(format!("{name} must be at most {BUDGET_MAX}, got {v}"));
            }
        }
        if self.states_max == 0 {
            return Err("the state bound must be at least 1".into());
        }
        if let Some(late) = self.prefix.iter().find(|a| a.at > self.start) {
            return Err(format!("prefix action at {} comes after the explorer's start at {}", crate::time::fmt_time(late.at), crate::time::fmt_time(self.start)));
        }
        if self.prefix.iter().any(|a| matches!(a.action, Action::Manual)) {
            return Err("the prefix must run with the clock: it cannot contain a manual action".into());
        }
        Ok(())
    }
}

/// Counters of a search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Steps taken: successors computed and checked (transitions applied, invariants checked,
    /// fingerprinted), new or not — what TLC calls "states generated".
    pub explored: u64,
    /// Distinct states seen (by fingerprint).
    pub distinct: u64,
    /// Deepest schedule reached.
    pub depth: u32,
    /// States waiting to be expanded.
    pub frontier: u64,
    /// Random walks started.
    pub walks: u64,
    /// Bytes one stored state costs (the start state, by the kernel's snapshot accounting).
    pub state_bytes: u64,
}

/// Where a search stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// More to explore: call `run` again.
    Running,
    /// Every state within the bounds was explored, no violation.
    Exhausted,
    /// The state bound was reached, no violation.
    Bounded,
    /// An invariant broke: see the counterexample.
    Violation,
}

/// A schedule that breaks an invariant.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The invariant.
    pub invariant: &'static str,
    /// The violation's detail.
    pub detail: String,
    /// Nodes involved.
    pub nodes: Vec<NodeId>,
    /// Log cells involved.
    pub cells: Vec<(NodeId, u64)>,
    /// The schedule, as choices.
    pub path: Vec<Choice>,
    /// The schedule as kernel actions, at their times (without the leading `Manual`).
    pub actions: Vec<TimedAction>,
    /// Whether it has been shrunk.
    pub shrunk: bool,
}

impl Counterexample {
    /// The whole action script that replays it from a search configured with `config`: the
    /// prefix, `Manual` when the explorer took over, then the steps.
    pub fn script(&self, config: &Config) -> Vec<TimedAction> {
        let mut out = start_script(config);
        out.extend(self.actions.iter().cloned());
        out
    }
}

/// The actions that bring a search to its root state: the prefix, then `Manual` at `start`.
pub fn start_script(config: &Config) -> Vec<TimedAction> {
    let mut out = config.prefix.clone();
    out.sort_by_key(|a| a.at);
    out.push(TimedAction { at: config.start, action: Action::Manual });
    out
}

/// Shrinks a counterexample by delta debugging: drop chunks of steps (halves, then quarters,
/// down to single steps), keeping any shorter schedule that still breaks the same invariant;
/// steps made impossible by a removal are skipped. At most `tests_max` replays. Deterministic.
pub fn shrink<M: Model>(root: &crate::world::World<M>, cex: &Counterexample, tests_max: u32) -> Counterexample {
    let invariant = cex.invariant;
    let mut tests = 0u32;
    let test = |path: &[Choice]| -> Option<(Vec<Choice>, Vec<TimedAction>, crate::view::Violation)> {
        let (kept, actions, v) = replay(root, path);
        match v {
            Some(v) if v.invariant == invariant => Some((kept, actions, v)),
            _ => None,
        }
    };
    let mut best = cex.clone();
    let mut cur = cex.path.clone();
    let mut n = 2usize;
    while cur.len() >= 2 && tests < tests_max {
        let len = cur.len();
        let chunk = len.div_ceil(n);
        let mut reduced = false;
        let mut start = 0;
        while start < len && tests < tests_max {
            let end = (start + chunk).min(len);
            let candidate: Vec<Choice> = cur[..start].iter().chain(&cur[end..]).cloned().collect();
            tests += 1;
            if let Some((kept, actions, v)) = test(&candidate) {
                if kept.len() < cur.len() {
                    best = Counterexample { invariant, detail: v.detail, nodes: v.nodes, cells: v.cells, path: kept.clone(), actions, shrunk: true };
                    cur = kept;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
            start = end;
        }
        if !reduced {
            if n >= len {
                break;
            }
            n = (n * 2).min(len);
        }
    }
    best.shrunk = true;
    best
}

/// A search over any model, object-safe: what the CLI and the page drive.
pub trait Checker {
    /// The model's name.
    fn model(&self) -> &'static str;
    /// The search's configuration.
    fn config(&self) -> &Config;
    /// Explores up to `budget` more steps; call again to resume.
    fn run(&mut self, budget: u64) -> Status;
    /// Runs until the search stops (a violation, the bound, or nothing left), in chunks.
    fn finish(&mut self) -> Status {
        loop {
            let s = self.run(10_000);
            if s != Status::Running {
                return s;
            }
        }
    }
    /// Where the search stands.
    fn status(&self) -> Status;
    /// Counters.
    fn stats(&self) -> Stats;
    /// Goals, each with the step count when it was reached.
    fn goals(&self) -> Vec<(&'static str, Option<u64>)>;
    /// The violation found.
    fn counterexample(&self) -> Option<&Counterexample>;
    /// Shrinks the violation found (at most `tests_max` replays).
    fn shrink(&mut self, tests_max: u32);
    /// The counterexample's steps in words.
    fn describe_steps(&self) -> Vec<String>;
    /// The counterexample as a scenario that replays it.
    #[cfg(feature = "serde")]
    fn scenario(&self) -> Option<crate::scenario::Scenario>;
}

impl<M: Model> Checker for Explorer<M> {
    fn model(&self) -> &'static str {
        self.root().model.info().name
    }
    fn config(&self) -> &Config {
        Explorer::config(self)
    }
    fn run(&mut self, budget: u64) -> Status {
        Explorer::run(self, budget)
    }
    fn status(&self) -> Status {
        Explorer::status(self)
    }
    fn stats(&self) -> Stats {
        Explorer::stats(self)
    }
    fn goals(&self) -> Vec<(&'static str, Option<u64>)> {
        Explorer::goals(self)
    }
    fn counterexample(&self) -> Option<&Counterexample> {
        Explorer::counterexample(self)
    }
    fn shrink(&mut self, tests_max: u32) {
        if let Some(c) = self.counterexample() {
            if !c.shrunk {
                let small = shrink(self.root(), c, tests_max);
                self.set_counterexample(small);
            }
        }
    }
    fn describe_steps(&self) -> Vec<String> {
        let Some(c) = self.counterexample() else { return Vec::new() };
        let mut world = self.root().clone();
        let mut out = Vec::new();
        for (choice, timed) in c.path.iter().zip(&c.actions) {
            out.push(format!("{} {}", crate::time::fmt_time(timed.at), describe(&world, choice)));
            let _ = world.act_at(timed.at, &timed.action, &mut crate::world::NullSink);
        }
        out
    }
    #[cfg(feature = "serde")]
    fn scenario(&self) -> Option<crate::scenario::Scenario> {
        let c = self.counterexample()?;
        // The script as a run of it would hold it (`Sim::new` sorts by time), without building
        // a `Sim`: a `dyn Lab` here would pull every model's drawing code into the worker.
        let mut script = c.script(self.config());
        script.sort_by_key(|a| a.at);
        let model = &self.root().model;
        let mut s = crate::scenario::Scenario::of_run(model.info().name, self.config().seed, model.params(), &script);
        let end = c.actions.last().map_or(0, |a| a.at);
        s.title = Some(format!("Counterexample: {}", c.invariant));
        s.description = Some(format!(
            "Found by the model checker ({} steps{}): {}. The explorer picks every event; the timeline replays its choices.",
            c.actions.len(),
            if c.shrunk { ", shrunk" } else { "" },
            c.detail
        ));
        s.run_for = Some(crate::scenario::Dur(end + crate::MS));
        s.expect = alloc::vec![crate::scenario::Expect { violation: Some(c.invariant.into()), ..Default::default() }];
        Some(s)
    }
}

/// A boxed search of `model` configured with `settings`; the error names the bad setting or
/// configuration field.
pub fn boxed<M: Model>(model: M, settings: &[(String, crate::view::Value)], config: Config) -> Result<Box<dyn Checker>, String> {
    config.validate()?;
    let model = crate::lab::configure(model, settings)?;
    Ok(Box::new(Explorer::new(model, config)))
}
