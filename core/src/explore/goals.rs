//! Reachability goals: things that should be possible in a model, so that a search that finds
//! no bug shows it explored something ("a leader is elected", "a value is chosen").
//!
//! A goal is a model query compared with a bound (counted from the search's start state, which
//! a scenario prefix may have moved on), checked after every explored step. They are
//! named here, by model name, from each model's documented queries, so that no model's code
//! changes for the checker; a model without an entry gets none.

/// One reachability goal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoalSpec {
    /// What should be possible, in words.
    pub label: &'static str,
    /// The model query (one of `ModelInfo::queries`).
    pub query: &'static str,
    /// Reached when the query's value is at least this.
    pub at_least: f64,
}

const fn g(label: &'static str, query: &'static str, at_least: f64) -> GoalSpec {
    GoalSpec { label, query, at_least }
}

static RAFT: [GoalSpec; 3] = [
    g("a leader is elected", "leader_changes", 1.0),
    g("an entry is committed", "committed", 1.0),
    g("leadership changes hands", "leader_changes", 2.0),
];
static PAXOS: [GoalSpec; 3] = [
    g("a leader is elected", "leader_changes", 1.0),
    g("a value is chosen", "chosen", 1.0),
    g("a client is answered", "acked", 1.0),
];
static POW: [GoalSpec; 2] = [g("a block is mined", "blocks_mined", 1.0), g("a block is orphaned", "stale_blocks", 1.0)];
static CACHING: [GoalSpec; 2] = [g("a read hits the cache", "hits", 1.0), g("a write is acknowledged", "acked_writes", 1.0)];
static SHARDING: [GoalSpec; 2] = [g("a request completes", "completed", 1.0), g("a write is acknowledged", "acked_writes", 1.0)];
static BALANCE: [GoalSpec; 2] = [g("a request completes", "completed", 1.0), g("a request is dropped", "dropped", 1.0)];

/// The goals of the model named `model`.
pub fn goals_of(model: &str) -> &'static [GoalSpec] {
    match model {
        "raft" => &RAFT,
        "paxos" => &PAXOS,
        "pow" => &POW,
        "caching" => &CACHING,
        "sharding" => &SHARDING,
        "balance" => &BALANCE,
        _ => &[],
    }
}
