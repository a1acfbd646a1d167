//! The safety properties of Figure 3 of the Raft paper, checked after every event, and the
//! omniscient history ([`Ghost`]) they need.
//!
//! Each check is incremental: it looks only at the server that handled the event and at what
//! that step changed (its [`Ready`](super::Ready)), against history kept here. A violation names
//! the servers and log cells (server, index) involved so the lab can light them up.

use super::msg::{Index, Term};
use super::node::{Node, Role};
use super::Raft;
use crate::model::{Happened, Nodes};
use crate::time::Time;
use crate::view::Violation;
use crate::NodeId;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// §5.2: at most one leader per term.
pub const ELECTION_SAFETY: &str = "Election Safety";
/// §5.3: a leader never overwrites or deletes its entries.
pub const LEADER_APPEND_ONLY: &str = "Leader Append-Only";
/// §5.3: same index and term means same entry and same prefix.
pub const LOG_MATCHING: &str = "Log Matching";
/// §5.4: committed entries are in every later leader's log.
pub const LEADER_COMPLETENESS: &str = "Leader Completeness";
/// §5.4.3: no two servers apply different entries at one index.
pub const STATE_MACHINE_SAFETY: &str = "State Machine Safety";

/// The first entry applied at an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Its term.
    pub term: Term,
    /// Its identity ([`Entry::ident`](super::Entry::ident)).
    pub ident: u64,
    /// The server that applied it first.
    pub by: NodeId,
    /// That server's term then: the entry was committed in this term (or earlier).
    pub in_term: Term,
}

/// A client acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ack {
    /// Log index of the request's entry.
    pub index: Index,
    /// Term of the entry.
    pub term: Term,
    /// When the client was answered.
    pub at: Time,
    /// Submission to acknowledgement, in µs.
    pub latency: Time,
}

/// Everything the checker and the metrics remember about a run.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// The leader of each term.
    pub leaders: BTreeMap<Term, NodeId>,
    /// For each current leader: its term and last index when last observed.
    leader_last: BTreeMap<NodeId, (Term, Index)>,
    /// Every entry ever written, by (index, term): its identity, the term before it, and the
    /// first server seen holding it.
    entries: BTreeMap<(Index, Term), (u64, Term, NodeId)>,
    /// The first entry applied at each index.
    pub committed: BTreeMap<Index, Committed>,
    /// Indexes at which two different entries were applied.
    pub conflicts: BTreeSet<Index>,
    /// Acknowledged client requests, by request id.
    pub acked: BTreeMap<u64, Ack>,
    /// Servers that stood as candidates, per term (a bit per server).
    pub candidates: BTreeMap<Term, u32>,
    /// For leaders with an uncommitted entry of their own term: (oldest such index, since).
    uncommitted: BTreeMap<(NodeId, Term), (Index, Time)>,
    /// Leaders found unable to commit.
    pub stale: BTreeSet<(NodeId, Term)>,
    /// Entries deleted from followers' logs before being committed.
    pub overwritten: u64,
    /// Snapshots installed through InstallSnapshot.
    pub snapshots_installed: u64,
    /// Violations reported (with repeats).
    pub violations: u64,
    /// Acknowledgement latencies since the last sample: (sum in µs, count).
    pub latency: (Time, u64),
}

impl Ghost {
    /// Leaders elected so far.
    pub fn leader_changes(&self) -> u64 {
        self.leaders.len() as u64
    }

    /// Terms with two or more candidates and no leader, once a later term began.
    pub fn split_votes(&self) -> u64 {
        let latest = self.candidates.keys().next_back().copied().unwrap_or(0);
        self.candidates
            .iter()
            .filter(|(t, bits)| **t < latest && bits.count_ones() >= 2 && !self.leaders.contains_key(t))
            .count() as u64
    }

    /// Acknowledged requests contradicted by another committed entry.
    pub fn acked_lost(&self) -> u64 {
        self.acked
            .values()
            .filter(|a| self.conflicts.contains(&a.index) || self.committed.get(&a.index).map(|c| c.term) != Some(a.term))
            .count() as u64
    }

    /// Updates the unable-to-commit tracking for one live leader.
    pub(super) fn watch_leader(&mut self, cfg: &Raft, leader: &Node, now: Time) {
        let (term, commit) = (leader.term, leader.commit);
        let key = (leader.id, term);
        if leader.last_term() == term && leader.last_index() > commit {
            let e = self.uncommitted.entry(key).or_insert((commit + 1, now));
            if e.0 <= commit {
                *e = (commit + 1, now);
            }
            if now.saturating_sub(e.1) > 2 * cfg.election_max_ms.max(cfg.election_min_ms) * crate::MS {
                self.stale.insert(key);
            }
        } else {
            self.uncommitted.remove(&key);
        }
    }

    fn report(&mut self, out: &mut Vec<Violation>, invariant: &'static str, nodes: Vec<NodeId>, cells: Vec<(NodeId, Index)>, detail: String) {
        self.violations += 1;
        out.push(Violation { invariant, time: 0, event: 0, nodes, cells, detail });
    }
}

/// Checks the server that handled the event against history, then records what it did.
pub fn observe(_cfg: &Raft, nodes: &Nodes<Raft>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    let Some(id) = what.node() else { return };
    let Some(n) = nodes.up(id) else { return };
    let r = &n.ready;
    g.overwritten += r.truncated;

    if n.role == Role::Candidate {
        *g.candidates.entry(n.term).or_default() |= 1 << (id & 31);
    }

    // Election Safety (§5.2): one leader per term.
    if n.role == Role::Leader {
        match g.leaders.get(&n.term) {
            None => {
                g.leaders.insert(n.term, id);
            }
            Some(&other) if other != id => {
                let detail = format!("S{other} and S{id} are both leaders of term {}", n.term);
                g.report(out, ELECTION_SAFETY, alloc::vec![other, id], Vec::new(), detail);
            }
            Some(_) => {}
        }
    }

    // Leader Append-Only (§5.3): a leader's entries stay put while it leads.
    if n.role == Role::Leader {
        if let Some(&(t, last)) = g.leader_last.get(&id) {
            if t == n.term {
                let cut = r.written_from.filter(|&w| w <= last).or((n.last_index() < last).then(|| n.last_index() + 1));
                if let Some(w) = cut {
                    let cells = (w..=last).map(|i| (id, i)).collect();
                    let detail = format!("leader S{id} of term {t} rewrote its log from index {w} (it had {last} entries)");
                    g.report(out, LEADER_APPEND_ONLY, alloc::vec![id], cells, detail);
                }
            }
        }
        g.leader_last.insert(id, (n.term, n.last_index()));
    } else {
        g.leader_last.remove(&id);
    }

    // Log Matching (§5.3): every entry written this step agrees with every other copy of the
    // entry with the same index and term, down to the term of the entry before it. By
    // induction over indexes that makes the whole prefixes identical.
    if let Some(from) = r.written_from {
        for i in from.max(n.snapshot.last_index + 1)..=n.last_index() {
            let (Some(e), Some(prev)) = (n.entry(i), n.term_at(i - 1)) else { continue };
            let (ident, term) = (e.ident(), e.term);
            match g.entries.get(&(i, term)) {
                None => {
                    g.entries.insert((i, term), (ident, prev, id));
                }
                Some(&(ident2, prev2, other)) if (ident2, prev2) != (ident, prev) => {
                    let detail = format!("S{id} and S{other} hold different entries at index {i} of term {term}");
                    g.report(out, LOG_MATCHING, alloc::vec![id, other], alloc::vec![(id, i), (other, i)], detail);
                }
                Some(_) => {}
            }
        }
    }

    // State Machine Safety (§5.4.3): what is applied at an index is the same everywhere.
    for &(i, term, ident) in &r.applied {
        match g.committed.get(&i).copied() {
            None => {
                g.committed.insert(i, Committed { term, ident, by: id, in_term: n.term });
                // Leader Completeness for leaders elected before this commit became known.
                for (lid, l) in nodes.live() {
                    if l.role == Role::Leader && l.term > n.term && i > l.snapshot.last_index && l.term_at(i) != Some(term) {
                        let detail = format!("leader S{lid} of term {} lacks entry {i} (term {term}) committed in term {}", l.term, n.term);
                        g.report(out, LEADER_COMPLETENESS, alloc::vec![lid, id], alloc::vec![(lid, i), (id, i)], detail);
                    }
                }
            }
            Some(c) if (c.term, c.ident) != (term, ident) => {
                g.conflicts.insert(i);
                let detail = format!("S{id} applied a different entry at index {i} (term {term}) than S{} did (term {})", c.by, c.term);
                g.report(out, STATE_MACHINE_SAFETY, alloc::vec![id, c.by], alloc::vec![(id, i), (c.by, i)], detail);
            }
            Some(_) => {}
        }
    }
    if let Some((i, term)) = r.installed {
        g.snapshots_installed += 1;
        if let Some(c) = g.committed.get(&i).copied() {
            if c.term != term {
                g.conflicts.insert(i);
                let detail = format!("S{id} installed a snapshot ending at index {i} (term {term}) but S{} applied term {} there", c.by, c.term);
                g.report(out, STATE_MACHINE_SAFETY, alloc::vec![id, c.by], alloc::vec![(c.by, i)], detail);
            }
        }
    }

    // Leader Completeness (§5.4): a new leader holds every entry committed in earlier terms.
    if r.became_leader {
        let missing = g
            .committed
            .range(n.snapshot.last_index + 1..)
            .find(|(&i, c)| c.in_term < n.term && n.entry(i).map(|e| (e.term, e.ident())) != Some((c.term, c.ident)))
            .map(|(&i, c)| (i, *c));
        if let Some((i, c)) = missing {
            let detail = format!("S{id} became leader of term {} without entry {i} (term {}) committed in term {}", n.term, c.term, c.in_term);
            g.report(out, LEADER_COMPLETENESS, alloc::vec![id, c.by], alloc::vec![(id, i), (c.by, i)], detail);
        }
    }

    for reply in &r.replies {
        g.acked.entry(reply.id).or_insert(Ack { index: reply.index, term: reply.term, at: nodes.now(), latency: reply.latency });
        g.latency.0 += reply.latency;
        g.latency.1 += 1;
    }
}
