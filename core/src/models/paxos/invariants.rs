//! The safety properties of consensus as "Paxos Made Simple" §2.1 states them, the acceptor's
//! rule P1a of §2.2, and the replicas' consistency of "Paxos Made Moderately Complex" §2,
//! checked after every event, with the omniscient history ([`Ghost`]) they need.
//!
//! The ghost decides what *chosen* means, not the learners: a value is chosen in a slot the
//! instant a phase-2 quorum of acceptors has accepted it in one ballot, whether or not any
//! learner has heard. The lab marks that moment, then each learner's.
//!
//! Each check is incremental: it looks at what the step of the node that handled the event did
//! (its [`Ready`](super::Ready)) against the history kept here, at a cost per event that does
//! not grow with the run. [`check_all`] recomputes everything from the nodes' state, and the
//! tests call it every few hundred events to cross-check the incremental checks.

use super::msg::{Ballot, Slot, Value};
use super::node::AcceptorEvent;
use super::Paxos;
use crate::model::{Happened, Nodes};
use crate::persist::{PMap, PSet, PVec};
use crate::time::Time;
use crate::view::Violation;
use crate::NodeId;
use crate::small::SmallMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// §2.1: only a value that has been proposed may be chosen.
pub const NONTRIVIALITY: &str = "Nontriviality";
/// §2.1: only a single value is chosen (per slot, in Multi-Paxos).
pub const AGREEMENT: &str = "Agreement";
/// §2.1: a process never learns that a value has been chosen unless it actually has been.
pub const LEARNED_CHOSEN: &str = "Learned Only If Chosen";
/// §2.2, P1a: an acceptor never accepts a ballot below one it promised.
pub const PROMISE_KEPT: &str = "Promise Kept";
/// PMMC §2: replicas execute the same commands in the same order (executed logs are
/// prefixes of one another).
pub const EXECUTED_PREFIX: &str = "Executed Prefixes";

/// A slot's decision as the ghost saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    /// The value.
    pub value: Value,
    /// The ballot whose phase-2 quorum chose it (the first one).
    pub ballot: Ballot,
    /// When the quorum was complete.
    pub at: Time,
    /// Learners that have learned it (a bit each).
    pub learners: u16,
    /// When the first learner learned it.
    pub learned_at: Option<Time>,
}

/// Everything the checker and the metrics remember about a run.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Ids of every client command ever created.
    pub proposed: PSet<u64>,
    /// Acceptances per (slot, ballot): the value's ident and the acceptors (a bit each).
    pub votes: PMap<(Slot, Ballot), (u64, u16)>,
    /// The chosen value of each slot.
    pub chosen: PMap<Slot, Chosen>,
    /// Slots chosen that no learner has learned yet, with the moment they were chosen.
    pub unknown: SmallMap<Slot, Time>,
    /// Longest a chosen value went unknown to every learner, in µs (finished gaps).
    pub unknown_max: Time,
    /// The highest ballot each acceptor ever promised (or accepted).
    pub promised: SmallMap<NodeId, Ballot>,
    /// The first executed value ident per slot (index = slot - 1) and who executed it.
    pub executed: PVec<(u64, NodeId)>,
    /// Phase-1 runs (ballots started).
    pub ballots: u64,
    /// Ballots started since a value was last chosen.
    pub ballots_since_choice: u64,
    /// Most ballots started in a row without any value being chosen.
    pub duel_max: u64,
    /// Times a proposer became Multi-Paxos leader.
    pub leader_changes: u64,
    /// Slots chosen.
    pub chosen_count: u64,
    /// Slots chosen with a no-op.
    pub noops_chosen: u64,
    /// Network messages sent.
    pub sent: u64,
    /// Client commands learned somewhere (each once).
    pub commands_learned: u64,
    /// Command latencies (submission to first learner) since the last sample: (sum µs, count).
    pub latency: (Time, u64),
    /// Violations reported (with repeats).
    pub violations: u64,
}

fn bit(id: NodeId) -> u16 {
    1u16 << (id & 15)
}

impl Ghost {
    fn report(&mut self, out: &mut Vec<Violation>, invariant: &'static str, nodes: Vec<NodeId>, cells: Vec<(NodeId, u64)>, detail: String) {
        self.violations += 1;
        out.push(Violation { invariant, time: 0, event: 0, nodes, cells, detail });
    }

    /// Longest a chosen value has gone (or is going) unknown to every learner, in µs.
    pub fn unknown_ms(&self, now: Time) -> Time {
        let open = self.unknown.values().map(|&at| now.saturating_sub(at)).max().unwrap_or(0);
        self.unknown_max.max(open)
    }

    /// Records one acceptance; returns `Some(slot)` if it completed a quorum.
    fn vote(&mut self, cfg: &Paxos, id: NodeId, slot: Slot, ballot: Ballot, ident: u64) -> Option<u16> {
        let (first, mask) = self.votes.get(&(slot, ballot)).copied().unwrap_or((ident, 0));
        let mask = mask | bit(id);
        self.votes.insert_mut((slot, ballot), (first, mask));
        let quorum = mask.count_ones() >= cfg.q2();
        (quorum && first == ident).then_some(mask)
    }
}

/// Checks what the node that handled the event did, then records it.
pub fn observe(cfg: &Paxos, nodes: &Nodes<Paxos>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    let Some(id) = what.node() else { return };
    let Some(n) = nodes.up(id) else { return };
    let r = &n.ready;
    let now = nodes.now();
    g.sent += r.sent as u64;
    if r.ballots > 0 {
        g.ballots += r.ballots as u64;
        g.ballots_since_choice += r.ballots as u64;
        g.duel_max = g.duel_max.max(g.ballots_since_choice);
    }
    if r.became_leader {
        g.leader_changes += 1;
    }
    for &c in &r.proposed {
        g.proposed.insert_mut(c);
    }

    // Promise Kept (P1a) and the moment of choice, in the order the acceptor acted.
    for ev in &r.acceptor {
        match *ev {
            AcceptorEvent::Promised(b) => {
                let p = g.promised.get_or_insert(id, Ballot::default());
                *p = (*p).max(b);
            }
            AcceptorEvent::Accepted(slot, b, ident) => {
                let p = g.promised.get(&id).copied().unwrap_or_default();
                if b < p {
                    let detail = format!("acceptor N{id} accepted ballot {} in slot {slot} after promising ballot {}", b.text(), p.text());
                    g.report(out, PROMISE_KEPT, alloc::vec![id], alloc::vec![(id, slot)], detail);
                }
                g.promised.insert(id, p.max(b));
                if g.vote(cfg, id, slot, b, ident).is_none() {
                    continue;
                }
                match g.chosen.get(&slot) {
                    None => {
                        let value = n.accepted.get(&slot).map(|(_, v)| v.clone()).unwrap_or(Value::Noop);
                        // Nontriviality: a chosen command was proposed by some client.
                        if ident != 0 && !g.proposed.contains(&ident) {
                            let detail = format!("slot {slot} chose {}, which no client proposed", value.text());
                            g.report(out, NONTRIVIALITY, alloc::vec![id], alloc::vec![(id, slot)], detail);
                        }
                        if value.is_noop() {
                            g.noops_chosen += 1;
                        }
                        g.chosen.insert_mut(slot, Chosen { value, ballot: b, at: now, learners: 0, learned_at: None });
                        g.unknown.insert(slot, now);
                        g.chosen_count += 1;
                        g.ballots_since_choice = 0;
                    }
                    Some(c) if c.value.ident() != ident => {
                        let detail = format!(
                            "slot {slot}: {} was chosen in ballot {}, and now a quorum accepted a different value in ballot {}",
                            c.value.text(),
                            c.ballot.text(),
                            b.text()
                        );
                        g.report(out, AGREEMENT, alloc::vec![id], alloc::vec![(id, slot)], detail);
                    }
                    Some(_) => {}
                }
            }
        }
    }

    // Learned Only If Chosen.
    for (slot, v) in &r.learned {
        let slot = *slot;
        match g.chosen.get(&slot).cloned() {
            Some(mut c) if c.value.ident() == v.ident() => {
                if c.learned_at.is_none() {
                    c.learned_at = Some(now);
                    if let Some(at) = g.unknown.remove(&slot) {
                        g.unknown_max = g.unknown_max.max(now - at);
                    }
                    if let Value::Cmd(cmd) = v {
                        g.commands_learned += 1;
                        g.latency.0 += now.saturating_sub(cmd.submitted_at);
                        g.latency.1 += 1;
                    }
                }
                c.learners |= bit(id);
                g.chosen.insert_mut(slot, c);
            }
            other => {
                let what = match other {
                    Some(c) => format!("{} was chosen there", c.value.text()),
                    None => "nothing was chosen there yet".into(),
                };
                let detail = format!("N{id} learned {} in slot {slot}, but {what}", v.text());
                g.report(out, LEARNED_CHOSEN, alloc::vec![id], alloc::vec![(id, slot)], detail);
            }
        }
    }

    // Executed Prefixes.
    for &(slot, ident) in &r.executed {
        let i = (slot - 1) as usize;
        match g.executed.get(i).copied() {
            Some((first, by)) if first != ident => {
                let detail = format!("N{id} executed a different value in slot {slot} than N{by} did");
                g.report(out, EXECUTED_PREFIX, alloc::vec![id, by], alloc::vec![(id, slot), (by, slot)], detail);
            }
            Some(_) => {}
            None if i == g.executed.len() => g.executed.push((ident, id)),
            None => debug_assert!(false, "N{id} executed slot {slot} past the ghost's record"),
        }
    }
}

/// Recomputes every property from the nodes' state and the whole history (cost grows with the
/// run: for tests, every few hundred events, to cross-check [`observe`]).
pub fn check_all(cfg: &Paxos, nodes: &Nodes<Paxos>, g: &Ghost) -> Vec<String> {
    let mut bad = Vec::new();
    // Every quorum of acceptances in the history agrees with the recorded choice.
    for ((slot, b), (ident, mask)) in g.votes.iter() {
        if mask.count_ones() >= cfg.q2() {
            match g.chosen.get(slot) {
                Some(c) if c.value.ident() == *ident || g.violations > 0 => {}
                other => bad.push(format!("slot {slot}: quorum in ballot {} for {ident:x}, chosen {other:?}", b.text())),
            }
        }
    }
    for (slot, c) in g.chosen.iter() {
        if let Value::Cmd(cmd) = &c.value {
            if !g.proposed.contains(&cmd.id) {
                bad.push(format!("slot {slot}: chosen command {:x} was never proposed", cmd.id));
            }
        }
    }
    for (id, n) in nodes.live() {
        for (slot, (b, v)) in n.accepted.iter() {
            let rec = g.votes.get(&(*slot, *b));
            if rec.is_none_or(|(_, m)| m & bit(id) == 0) {
                bad.push(format!("N{id} holds {} in slot {slot} (ballot {}) that the ghost never saw accepted", v.text(), b.text()));
            }
            if !cfg.forget_promise && *b > n.promised {
                bad.push(format!("N{id} accepted ballot {} in slot {slot} above its promise {}", b.text(), n.promised.text()));
            }
        }
        if n.is_acceptor && n.promised > g.promised.get(&id).copied().unwrap_or_default() {
            bad.push(format!("N{id} promised {} but the ghost recorded less", n.promised.text()));
        }
        for (slot, v) in n.learned.iter() {
            if g.chosen.get(slot).is_none_or(|c| c.value.ident() != v.ident()) {
                bad.push(format!("N{id} learned {} in slot {slot}, not the chosen value", v.text()));
            }
        }
        for s in 1..=n.executed {
            let mine = n.learned.get(&s).map(|v| v.ident());
            if mine.is_none() || g.executed.get((s - 1) as usize).map(|e| e.0) != mine {
                bad.push(format!("N{id} executed slot {s} out of line with the ghost"));
            }
        }
    }
    if g.violations > 0 {
        // A run that broke a property (a teaching mutation) is expected to disagree.
        bad.retain(|b| !b.contains("not the chosen value") && !b.contains("out of line"));
    }
    bad
}
