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

pub mod balance;
pub mod paxos;
pub mod pbft;
pub mod pow;
pub mod caching;
pub mod raft;
pub mod sharding;

/// Every model, in the order the home page lists them.
pub fn catalog() -> Vec<&'static ModelInfo> {
    Vec::from(CATALOG)
}

const CATALOG: &[&ModelInfo] = &[&raft::INFO, &balance::INFO, &paxos::INFO, &sharding::INFO, &pow::INFO, &caching::INFO, &pbft::INFO];

/// Builds a run of `model` with settings, seed and action script.
/// Errors name the bad setting, or the index of the first bad action.
pub fn build<M: crate::Model>(model: M, settings: &[(String, Value)], seed: u64, actions: Vec<TimedAction>) -> Result<Box<dyn Lab>, String> {
    let model = configure(model, settings)?;
    let sim = Sim::new(model, seed, actions);
    sim.validate_script().map_err(|(i, e)| format!("timeline[{i}]: {e}"))?;
    Ok(Box::new(sim))
}

/// Builds a run of the model named `model`.
pub fn new_lab(model: &str, settings: &[(String, Value)], seed: u64, actions: Vec<TimedAction>) -> Result<Box<dyn Lab>, String> {
    match model {
        "raft" => build(raft::Raft::default(), settings, seed, actions),
        "balance" => build(balance::BalanceModel::default(), settings, seed, actions),
        "paxos" => build(paxos::Paxos::default(), settings, seed, actions),
        "sharding" => build(sharding::Sharding::default(), settings, seed, actions),
        "pow" => build(pow::Pow::default(), settings, seed, actions),
        "caching" => build(caching::CachingModel::default(), settings, seed, actions),
        "pbft" => build(pbft::Pbft::default(), settings, seed, actions),
        _ => Err(format!(
            "unknown model \"{model}\" (known: {})",
            CATALOG.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Builds a model-checker search of the model named `model` (see [`crate::explore`]).
/// Errors name the unknown model, the bad setting or the bad configuration field.
pub fn new_checker(model: &str, settings: &[(String, Value)], config: crate::explore::Config) -> Result<Box<dyn crate::explore::Checker>, String> {
    use crate::explore::boxed;
    match model {
        "raft" => boxed(raft::Raft::default(), settings, config),
        "balance" => boxed(balance::BalanceModel::default(), settings, config),
        "paxos" => boxed(paxos::Paxos::default(), settings, config),
        "sharding" => boxed(sharding::Sharding::default(), settings, config),
        "pow" => boxed(pow::Pow::default(), settings, config),
        "caching" => boxed(caching::CachingModel::default(), settings, config),
        _ => Err(format!(
            "unknown model \"{model}\" (known: {})",
            CATALOG.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
        )),
    }
}
