//! The safety properties of a proof-of-work chain, checked after every event, and the
//! omniscient history ([`Ghost`]) they need.
//!
//! Incremental: after an event at a node, only the blocks that node added since the last look
//! and the blocks newly on its chain are examined. A block is re-validated from scratch (all
//! checks on, whatever the teaching mutations say) the first time any node has it on its chain;
//! its hash then names a verified history, so no block is validated twice. [`full_check`]
//! walks every chain from genesis, for the sweeps to cross-check.

use super::bitcoin::{difficulty, Hash, U256};
use super::chain::{connect, Checks, Entry, Reject};
use super::node::Node;
use super::Pow;
use crate::model::{Happened, Nodes};
use super::store::Set;
use crate::view::Violation;
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Whitepaper §4–5, Bitcoin Core's block checks: every block on a chain is valid.
pub const VALID_CHAIN: &str = "Valid Chain";
/// Whitepaper §2, §5: no output is spent twice on a chain.
pub const NO_DOUBLE_SPEND: &str = "No Double Spend";
/// Coins exist only as coinbases created them.
pub const CONSERVATION: &str = "Coins Conserved";
/// Whitepaper §5: nodes follow the most cumulative work.
pub const MOST_WORK: &str = "Most Work";

const N: usize = super::chain::MINERS_MAX;

/// What the checker and the metrics remember about a run.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Blocks whose whole history was re-validated.
    pub verified: Set<Hash>,
    /// Blocks found invalid (reported once).
    pub bad: Set<Hash>,
    /// Each node's tip when last checked.
    pub tips: [Option<Hash>; N],
    /// How many of each node's arrivals were scanned.
    pub scanned: [usize; N],
    /// Most work of any published block each node has.
    pub max_work: [U256; N],
    /// The first block seen at each height, as (height, hash).
    pub first_at: Set<(u64, Hash)>,
    /// Heights where a second block was seen.
    pub fork_heights: Set<u64>,
    /// Starting difficulty.
    pub start_difficulty: f64,
    /// Highest difficulty at any checked tip.
    pub max_difficulty: f64,
    /// Violations reported.
    pub violations: u64,
}

fn violation(invariant: &'static str, nodes: Vec<NodeId>, detail: String) -> Violation {
    Violation { invariant, time: 0, event: 0, nodes, cells: Vec::new(), detail }
}

/// Re-validates `block` (with every check) on its parent in `node`'s tree; compares the
/// node's bookkeeping with the recomputed entry.
fn verify(cfg: &Pow, node: &Node, hash: &Hash, out: &mut Vec<Violation>) -> bool {
    let Some(e) = node.tree.get(hash) else { return false };
    let Some(parent) = node.tree.get(&e.block.header.prev) else { return false };
    let want = Node::expected_bits(cfg, &node.tree, parent);
    let short = super::node::short(hash);
    match connect(parent, e.block.clone(), want, cfg.halving, Checks::ALL, 0) {
        Ok(fresh) => {
            if !conserved(e) || fresh.utxo_value != e.utxo_value {
                out.push(unconserved(node, e, &short));
                return false;
            }
            true
        }
        Err(r @ Reject::Spent(_)) => {
            let why = r.describe();
            out.push(violation(NO_DOUBLE_SPEND, alloc::vec![node.id], format!("block #{} {short} on M{}'s chain: {why}", e.height, node.id)));
            if !conserved(e) {
                out.push(unconserved(node, e, &short));
            }
            false
        }
        Err(r) => {
            out.push(violation(VALID_CHAIN, alloc::vec![node.id], format!("block #{} {short} on M{}'s chain: {}", e.height, node.id, r.describe())));
            false
        }
    }
}

/// The conservation violation at entry `e` of `node`'s chain.
fn unconserved(node: &Node, e: &Entry, short: &str) -> Violation {
    violation(CONSERVATION, alloc::vec![node.id], format!("M{}'s chain at #{} {short} holds {} sat, but coinbases created {} and fees took {}", node.id, e.height, e.utxo_value, e.minted, e.fees))
}

/// Coins in the UTXO set plus fees paid equal coinbase outputs, which stay within subsidies
/// plus fees.
fn conserved(e: &Entry) -> bool {
    e.utxo_value.checked_add(e.fees) == Some(e.minted) && e.minted <= e.subsidies.saturating_add(e.fees)
}

/// Checks the node that handled the event.
pub fn observe(cfg: &Pow, nodes: &Nodes<Pow>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    if g.start_difficulty == 0.0 {
        g.start_difficulty = difficulty(cfg.start_bits());
        g.max_difficulty = g.start_difficulty;
    }
    let Some(id) = what.node() else { return };
    let Some(node) = nodes.up(id) else { return };
    let i = id as usize;
    if i >= N {
        return;
    }
    let before = out.len();
    // New arrivals: most work seen, forks.
    for h in node.added.range(g.scanned[i]..) {
        let Some(e) = node.tree.get(h) else { continue };
        if !e.private && e.work > g.max_work[i] {
            g.max_work[i] = e.work;
        }
        if !e.private {
            let first = g.first_at.range_from(&(e.height, super::bitcoin::ZERO_HASH)).next().map(|(k, _)| k).filter(|k| k.0 == e.height);
            match first {
                None => g.first_at.add((e.height, *h)),
                Some((_, f)) if f != *h && !g.fork_heights.contains(&e.height) => g.fork_heights.add(e.height),
                _ => {}
            }
        }
    }
    g.scanned[i] = node.added.len();
    // The chain, from the new tip back to what was verified.
    if g.tips[i] != Some(node.tip) {
        g.tips[i] = Some(node.tip);
        let mut path = Vec::new();
        let mut h = node.tip;
        while let Some(e) = node.tree.get(&h) {
            if e.height == 0 || g.verified.contains(&h) || g.bad.contains(&h) {
                break;
            }
            path.push(h);
            h = e.block.header.prev;
        }
        for h in path.iter().rev() {
            if verify(cfg, node, h, out) {
                g.verified.add(*h);
            } else {
                g.bad.add(*h);
            }
        }
        let d = difficulty(node.tip_entry().block.header.bits);
        if d > g.max_difficulty {
            g.max_difficulty = d;
        }
    }
    if node.tip_entry().work < g.max_work[i] {
        out.push(violation(MOST_WORK, alloc::vec![id], format!("M{id} follows #{} with less work than a block it has", node.height())));
    }
    g.violations += (out.len() - before) as u64;
}

/// Re-checks every live node's whole chain and tree from genesis (for the sweeps).
pub fn full_check(cfg: &Pow, nodes: &Nodes<Pow>) -> Vec<Violation> {
    let mut out = Vec::new();
    for (_, node) in nodes.live() {
        for h in node.chain.iter().skip(1) {
            verify(cfg, node, h, &mut out);
        }
        let best = node.tree.values().filter(|e| !e.private).map(|e| e.work).max().unwrap_or(U256::ZERO);
        if node.tip_entry().work < best {
            out.push(violation(MOST_WORK, alloc::vec![node.id], format!("M{} follows less than the most work it has", node.id)));
        }
        for (k, h) in node.chain.iter().enumerate() {
            if node.tree.get(h).map(|e| e.height) != Some(k as u64) {
                out.push(violation(VALID_CHAIN, alloc::vec![node.id], format!("M{}'s chain index {k} does not hold a block of that height", node.id)));
            }
        }
    }
    out
}
