//! PBFT's safety properties (Castro and Liskov, OSDI 1999 §4.2 and §4.5.1; TOCS 2002 §2.2,
//! §3), checked after every event for the honest replicas, with the omniscient history
//! ([`Ghost`]) they need.
//!
//! "Honest" means never Byzantine during the run: a replica that was Byzantine once is faulty
//! for good. While at most f replicas are faulty and n ≥ 3f + 1, a violation is a bug in the
//! model. Beyond that the checker still watches, and every violation says that the fault bound
//! was exceeded.
//!
//! Each check is incremental: it reads what the step of the node that handled the event did
//! (its [`Ready`](super::Ready)) against running records here, at a cost per event that does
//! not grow with the run. [`check_all`] recomputes everything from the nodes' state and the
//! whole history; the tests call it every few hundred events to cross-check.

use super::msg::{Digest, View, NULL};
use super::{Node, Pbft};
use crate::model::{Happened, Nodes};
use crate::persist::PMap;
use crate::view::Violation;
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// OSDI §4.2: if prepared(m, v, n, i) and prepared(m′, v, n, j) hold at correct replicas i
/// and j, then D(m) = D(m′).
pub const PREPARED_UNIQUE: &str = "Prepared Uniqueness";
/// OSDI §4.5.1, TOCS §2.2 (safety): correct replicas agree on the sequence numbers of the
/// requests that commit locally, even if they commit in different views.
pub const AGREEMENT: &str = "Agreement";
/// TOCS §2.2: the service behaves like a centralised one: correct replicas execute the same
/// requests in the same order.
pub const SAME_EXECUTION: &str = "Same Execution";
/// OSDI §4.1: a client waits for f + 1 matching replies, so the result it accepts is one a
/// correct replica produced.
pub const HONEST_RESULT: &str = "Honest Results";

/// Everything the checker and the metrics remember about a run. Growing records are
/// persistent maps keyed by packed integers (one map type for all of them).
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Replicas that have been Byzantine at some point (a bit each).
    pub faulty: u16,
    /// Digest prepared per (view, seq) at a correct replica (key `view << 40 | seq`).
    pub prepared: PMap<u64, u64>,
    /// Digest committed per seq at a correct replica.
    pub committed: PMap<u64, u64>,
    /// Digest executed per seq at a correct replica.
    pub executed: PMap<u64, u64>,
    /// Result computed for each (client, timestamp) by a correct replica (key `client << 40 | ts`).
    pub results: PMap<u64, u64>,
    /// Sequence numbers committed (distinct).
    pub committed_count: u64,
    /// Of which null requests.
    pub nulls: u64,
    /// Highest view any correct replica installed with a NEW-VIEW.
    pub max_view: View,
    /// New views installed (counting each replica).
    pub new_views: u64,
    /// Requests a client accepted.
    pub accepted: u64,
    /// Requests a client accepted with a result no correct replica produced.
    pub wrong: u64,
    /// Equivocating pre-prepares sent.
    pub equivocations: u64,
    /// State transfers installed.
    pub transfers: u64,
    /// Network messages sent.
    pub sent: u64,
    /// Latency of accepted requests since the last sample: (sum µs, count).
    pub latency: (u64, u64),
    /// Violations reported (with repeats).
    pub violations: u64,
}

fn bit(id: NodeId) -> u16 {
    1u16 << (id & 15)
}

fn key(hi: u64, lo: u64) -> u64 {
    (hi << 40) | (lo & ((1 << 40) - 1))
}

/// How a digest reads in a violation: `null` or a short hex.
pub fn digest_text(d: Digest) -> String {
    if d == NULL {
        "null".into()
    } else {
        format!("#{:04x}", d & 0xffff)
    }
}

impl Ghost {
    /// Replicas ever Byzantine.
    pub fn faulty_count(&self) -> u32 {
        self.faulty.count_ones()
    }

    /// Whether the fault bound is exceeded: more than f faulty, or n < 3f + 1.
    pub fn bound_exceeded(&self, cfg: &Pbft) -> bool {
        self.faulty_count() > cfg.f || cfg.n() < 3 * cfg.f + 1
    }

    fn report(&mut self, cfg: &Pbft, out: &mut Vec<Violation>, invariant: &'static str, nodes: Vec<NodeId>, cells: Vec<(NodeId, u64)>, detail: String) {
        self.violations += 1;
        let why = if self.faulty_count() > cfg.f {
            format!(" — the fault bound was exceeded: {} Byzantine replicas, f = {}", self.faulty_count(), cfg.f)
        } else if cfg.n() < 3 * cfg.f + 1 {
            format!(" — the fault bound was exceeded: n = {} < 3f + 1 = {}", cfg.n(), 3 * cfg.f + 1)
        } else {
            String::from(" — within the fault bound: a bug")
        };
        out.push(Violation { invariant, time: 0, event: 0, nodes, cells, detail: detail + &why });
    }
}

/// Checks what the node that handled the event did, then records it.
pub fn observe(cfg: &Pbft, nodes: &Nodes<Pbft>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    let Some(id) = what.node() else { return };
    match nodes.up(id) {
        Some(Node::Replica(r)) => {
            let rd = &r.ready;
            g.sent += rd.sent as u64;
            g.equivocations += rd.equivocations as u64;
            if r.byzantine() || nodes.slot(id).is_some_and(|s| s.byzantine) {
                g.faulty |= bit(id);
            }
            if g.faulty & bit(id) != 0 {
                return;
            }
            if rd.new_view {
                g.new_views += 1;
                g.max_view = g.max_view.max(r.view);
            }
            if rd.transferred {
                g.transfers += 1;
            }
            for &(v, s, d) in &rd.prepared {
                match g.prepared.get(&key(v as u64, s)).copied() {
                    None => {
                        g.prepared.insert_mut(key(v as u64, s), d);
                    }
                    Some(d0) if d0 != d => {
                        let detail = format!("R{id} prepared {} at sequence {s} in view {v}, where another correct replica prepared {}", digest_text(d), digest_text(d0));
                        g.report(cfg, out, PREPARED_UNIQUE, alloc::vec![id], alloc::vec![(id, s)], detail);
                    }
                    Some(_) => {}
                }
            }
            for &(v, s, d) in &rd.committed {
                match g.committed.get(&s).copied() {
                    None => {
                        g.committed.insert_mut(s, d);
                        g.committed_count += 1;
                        if d == NULL {
                            g.nulls += 1;
                        }
                    }
                    Some(d0) if d0 != d => {
                        let detail = format!("R{id} committed {} at sequence {s} (view {v}), where another correct replica committed {}", digest_text(d), digest_text(d0));
                        g.report(cfg, out, AGREEMENT, alloc::vec![id], alloc::vec![(id, s)], detail);
                    }
                    Some(_) => {}
                }
            }
            for &(s, d, first) in &rd.executed {
                match g.executed.get(&s).copied() {
                    None => {
                        g.executed.insert_mut(s, d);
                    }
                    Some(d0) if d0 != d => {
                        let detail = format!("R{id} executed {} as request {s}, another correct replica executed {}", digest_text(d), digest_text(d0));
                        g.report(cfg, out, SAME_EXECUTION, alloc::vec![id], alloc::vec![(id, s)], detail);
                    }
                    Some(_) => {}
                }
                if let Some((c, ts, result)) = first {
                    if !g.results.contains_key(&key(c as u64, ts)) {
                        g.results.insert_mut(key(c as u64, ts), result);
                    }
                }
            }
        }
        Some(Node::Client(c)) => {
            g.sent += c.sent as u64;
            if let Some((ts, result, at)) = c.accepted {
                g.accepted += 1;
                g.latency.0 += nodes.now().saturating_sub(at);
                g.latency.1 += 1;
                if g.results.get(&key(id as u64, ts)) != Some(&result) {
                    g.wrong += 1;
                    let honest = match g.results.get(&key(id as u64, ts)) {
                        Some(h) => format!("correct replicas computed {h}"),
                        None => String::from("no correct replica has executed it"),
                    };
                    let detail = format!("C{} accepted result {result} for its request t={ts}, but {honest}", id - cfg.n());
                    g.report(cfg, out, HONEST_RESULT, alloc::vec![id], Vec::new(), detail);
                }
            }
        }
        None => {}
    }
}

/// Recomputes the properties from the nodes' state and the whole history (cost grows with
/// the run: for tests, every few hundred events, to cross-check [`observe`]).
pub fn check_all(_cfg: &Pbft, nodes: &Nodes<Pbft>, g: &Ghost) -> Vec<String> {
    let mut bad = Vec::new();
    if g.violations > 0 {
        return bad; // A run past the fault bound is expected to disagree.
    }
    for (id, node) in nodes.live() {
        let Node::Replica(r) = node else { continue };
        if g.faulty & bit(id) != 0 || r.byzantine() {
            continue;
        }
        for (s, e) in r.log.iter() {
            if let Some(c) = e.prepared {
                if g.prepared.get(&key(c.view as u64, *s)) != Some(&c.digest) {
                    bad.push(format!("R{id} holds a prepared certificate at {s} (view {}) the ghost disagrees with", c.view));
                }
            }
            if let Some((_, d, _)) = e.committed {
                if g.committed.get(s) != Some(&d) {
                    bad.push(format!("R{id} committed {} at {s} but the ghost recorded {:?}", digest_text(d), g.committed.get(s)));
                }
            }
        }
        if r.executed > 0 && !r.ready.transferred && g.executed.get(&r.executed).is_none() {
            bad.push(format!("R{id} executed up to {} but the ghost has no record of it", r.executed));
        }
        if r.low > r.executed && r.fetching.is_none() {
            bad.push(format!("R{id}'s low watermark {} is ahead of its execution {} and it fetches no state", r.low, r.executed));
        }
        if r.log.iter().any(|(s, _)| *s <= r.low) {
            bad.push(format!("R{id} keeps log entries at or below its low watermark {}", r.low));
        }
    }
    // Every committed sequence number was executed with the same digest where executed.
    for (s, d) in g.executed.iter() {
        if let Some(c) = g.committed.get(s) {
            if c != d {
                bad.push(format!("sequence {s}: committed {} but executed {}", digest_text(*c), digest_text(*d)));
            }
        }
    }
    bad
}
