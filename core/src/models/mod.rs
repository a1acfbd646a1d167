//! The catalogue of models, and how to build a run of one by name.
//!
//! Adding a model: write its module, then add one line to `CATALOG` and one arm to
//! [`new_lab`]. Nothing in the kernel or the shell changes.
//!
//! Every model keeps state that grows with a run (logs, chains, histories in the ghost) in the
//! kernel's persistent collections ([`crate::persist`]), so that time-travel snapshots share
//! it; checks invariants incrementally in `observe` (what the event changed, against running
//! summaries), with a full re-check the seeded sweeps run to cross-check; and draws any picture
//! beyond nodes and messages as generic [`figures`](crate::figure).

use crate::action::TimedAction;
use crate::lab::{configure, Lab, Sim};
use crate::view::{ModelInfo, Value};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

// Caching reuses balance's latency histogram (`balance::metrics`).
#[cfg(any(feature = "balance", feature = "caching"))]
pub mod balance;
#[cfg(feature = "paxos")]
pub mod paxos;
#[cfg(feature = "pbft")]
pub mod pbft;
#[cfg(feature = "pow")]
pub mod pow;
#[cfg(feature = "caching")]
pub mod caching;
#[cfg(feature = "raft")]
pub mod raft;
#[cfg(feature = "sharding")]
pub mod sharding;

/// Every model, in the order the home page lists them (those built: one cargo feature each).
pub fn catalog() -> Vec<&'static ModelInfo> {
    Vec::from(CATALOG)
}

const CATALOG: &[&ModelInfo] = &[
    #[cfg(feature = "raft")]
    &raft::INFO,
    #[cfg(feature = "balance")]
    &balance::INFO,
    #[cfg(feature = "paxos")]
    &paxos::INFO,
    #[cfg(feature = "sharding")]
    &sharding::INFO,
    #[cfg(feature = "pow")]
    &pow::INFO,
    #[cfg(feature = "caching")]
    &caching::INFO,
    #[cfg(feature = "pbft")]
    &pbft::INFO,
];

/// Builds a run of `model` with settings, seed and action script.
/// Errors name the bad setting, or the index of the first bad action.
pub fn build<M: crate::Model>(model: M, settings: &[(String, Value)], seed: u64, actions: Vec<TimedAction>) -> Result<Box<dyn Lab>, String> {
    let model = configure(model, settings)?;
    let sim = Sim::new(model, seed, actions);
    sim.validate_script().map_err(|(i, e)| format!("timeline[{i}]: {e}"))?;
    // The untyped run: every model shares one copy of the history code and the `Lab` facade.
    Ok(Box::new(sim.into_any()))
}

/// Builds a run of the model named `model`.
pub fn new_lab(model: &str, settings: &[(String, Value)], seed: u64, actions: Vec<TimedAction>) -> Result<Box<dyn Lab>, String> {
    match model {
        #[cfg(feature = "raft")]
        "raft" => build(raft::Raft::default(), settings, seed, actions),
        #[cfg(feature = "balance")]
        "balance" => build(balance::BalanceModel::default(), settings, seed, actions),
        #[cfg(feature = "paxos")]
        "paxos" => build(paxos::Paxos::default(), settings, seed, actions),
        #[cfg(feature = "sharding")]
        "sharding" => build(sharding::Sharding::default(), settings, seed, actions),
        #[cfg(feature = "pow")]
        "pow" => build(pow::Pow::default(), settings, seed, actions),
        #[cfg(feature = "caching")]
        "caching" => build(caching::CachingModel::default(), settings, seed, actions),
        #[cfg(feature = "pbft")]
        "pbft" => build(pbft::Pbft::default(), settings, seed, actions),
        _ => Err(format!(
            "unknown model \"{model}\" (known: {})",
            CATALOG.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// [`new_checker`] on `threads` threads: a breadth-first search runs in parallel with the
/// same result as on one thread (see [`crate::explore::parallel`]); other strategies run on the
/// calling thread.
#[cfg(feature = "std")]
pub fn new_checker_threads(model: &str, settings: &[(String, Value)], config: crate::explore::Config, threads: usize) -> Result<Box<dyn crate::explore::Checker>, String> {
    use crate::explore::boxed_parallel;
    match model {
        #[cfg(feature = "raft")]
        "raft" => boxed_parallel(raft::Raft::default, settings, config, threads),
        #[cfg(feature = "balance")]
        "balance" => boxed_parallel(balance::BalanceModel::default, settings, config, threads),
        #[cfg(feature = "paxos")]
        "paxos" => boxed_parallel(paxos::Paxos::default, settings, config, threads),
        #[cfg(feature = "sharding")]
        "sharding" => boxed_parallel(sharding::Sharding::default, settings, config, threads),
        #[cfg(feature = "pow")]
        "pow" => boxed_parallel(pow::Pow::default, settings, config, threads),
        #[cfg(feature = "caching")]
        "caching" => boxed_parallel(caching::CachingModel::default, settings, config, threads),
        #[cfg(feature = "pbft")]
        "pbft" => boxed_parallel(pbft::Pbft::default, settings, config, threads),
        _ => new_checker(model, settings, config),
    }
}

/// Builds a model-checker search of the model named `model` (see [`crate::explore`]).
/// Errors name the unknown model, the bad setting or the bad configuration field.
pub fn new_checker(model: &str, settings: &[(String, Value)], config: crate::explore::Config) -> Result<Box<dyn crate::explore::Checker>, String> {
    use crate::explore::boxed;
    match model {
        #[cfg(feature = "raft")]
        "raft" => boxed(raft::Raft::default(), settings, config),
        #[cfg(feature = "balance")]
        "balance" => boxed(balance::BalanceModel::default(), settings, config),
        #[cfg(feature = "paxos")]
        "paxos" => boxed(paxos::Paxos::default(), settings, config),
        #[cfg(feature = "sharding")]
        "sharding" => boxed(sharding::Sharding::default(), settings, config),
        #[cfg(feature = "pow")]
        "pow" => boxed(pow::Pow::default(), settings, config),
        #[cfg(feature = "caching")]
        "caching" => boxed(caching::CachingModel::default(), settings, config),
        #[cfg(feature = "pbft")]
        "pbft" => boxed(pbft::Pbft::default(), settings, config),
        _ => Err(format!(
            "unknown model \"{model}\" (known: {})",
            CATALOG.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
        )),
    }
}
