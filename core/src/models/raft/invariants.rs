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
use crate::persist::{PMap, PVec};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::rc::Rc;
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

/// What the checker remembers of one log index: the first entry written there, and the first
/// entry applied there. A loaded hour of Raft writes hundreds of thousands of indexes, so this
/// is kept small (terms as `u32`, identities folded to 32 bits: only entries at the same index
/// are ever compared) and stored in a [`PVec`] that snapshots share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndexRecord {
    /// Identity of the first entry written here ([`fold`] of [`Entry::ident`](super::Entry::ident)).
    pub ident: u32,
    /// Its term (0: nothing written here yet).
    pub term: u32,
    /// The term of the entry before it in the log that held it.
    pub prev_term: u32,
    /// Term of the first entry applied here (0: none applied yet).
    pub applied_term: u32,
    /// The term of the server that applied it first: it was committed in this term or earlier.
    pub in_term: u32,
    /// The server that applied it first.
    pub by: u8,
    /// Whether a client was told this entry is committed.
    pub acked: bool,
}

/// A term as the ghost stores it (terms beyond `u32::MAX` do not occur in a lab run).
fn t32(term: Term) -> u32 {
    u32::try_from(term).unwrap_or(u32::MAX)
}

/// An entry identity folded to 32 bits.
pub fn fold(ident: u64) -> u32 {
    (ident ^ (ident >> 32)) as u32
}

/// Everything the checker and the metrics remember about a run.
///
/// What grows with the run (a record per log index) lives in persistent collections, so a
/// time-travel snapshot shares it; the rest is bounded by the number of terms and servers.
#[derive(Clone, Debug, Default, Hash)]
pub struct Ghost {
    /// The leader of each term.
    pub leaders: Rc<BTreeMap<Term, NodeId>>,
    /// For each current leader: its term and last index when last observed.
    leader_last: Rc<BTreeMap<NodeId, (Term, Index)>>,
    /// One record per log index above `base`: `records[i - base - 1]` is index `i`.
    records: PVec<IndexRecord>,
    /// Indexes up to here are forgotten: every server has compacted them into its snapshot,
    /// so no check can reach them again (see [`Ghost::forget_compacted`]).
    base: Index,
    /// Entries written at an index in a term other than the first one seen there:
    /// (identity, term before it), by (index, term). Rare: only entries later overwritten.
    others: PMap<(Index, Term), (u32, u32)>,
    /// Highest index applied anywhere.
    applied_max: Index,
    /// Indexes at which two different entries were applied.
    pub conflicts: Rc<BTreeSet<Index>>,
    /// Client acknowledgements (an entry acknowledged twice counts once).
    pub acked: u64,
    /// Acknowledged entries later contradicted by a different applied entry.
    pub acked_lost: u64,
    /// Servers that stood as candidates, per term (a bit per server).
    pub candidates: Rc<BTreeMap<Term, u32>>,
    /// For leaders with an uncommitted entry of their own term: (oldest such index, since).
    uncommitted: Rc<BTreeMap<(NodeId, Term), (Index, Time)>>,
    /// Leaders found unable to commit.
    pub stale: Rc<BTreeSet<(NodeId, Term)>>,
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

    /// What is remembered of index `i`.
    pub fn record(&self, i: Index) -> Option<&IndexRecord> {
        i.checked_sub(self.base + 1).and_then(|k| self.records.get(k as usize))
    }

    /// The entry first applied at index `i`: (term, identity, in term, by).
    pub fn applied(&self, i: Index) -> Option<(Term, u32, Term, NodeId)> {
        let r = self.record(i).filter(|r| r.applied_term != 0)?;
        let ident = if r.applied_term == r.term { r.ident } else { self.others.get(&(i, r.applied_term as Term)).map_or(0, |o| o.0) };
        Some((r.applied_term as Term, ident, r.in_term as Term, r.by as NodeId))
    }

    /// Highest index applied anywhere.
    pub fn applied_max(&self) -> Index {
        self.applied_max
    }

    /// Every acknowledged entry: (index, term).
    pub fn acked_entries(&self) -> impl Iterator<Item = (Index, Term)> + '_ {
        let base = self.base;
        self.records.iter().enumerate().filter(|(_, r)| r.acked).map(move |(k, r)| (base + k as Index + 1, r.applied_term as Term))
    }

    /// The record of index `i`, created (with the indexes before it) if missing; `None` if
    /// it was forgotten.
    fn record_mut(&mut self, i: Index) -> Option<&mut IndexRecord> {
        let k = i.checked_sub(self.base + 1)? as usize;
        while self.records.len() <= k {
            self.records.push(IndexRecord::default());
        }
        self.records.get_mut(k)
    }

    /// Forgets the records of indexes that every server, up or crashed, has compacted into
    /// its snapshot. A server only writes, applies or is checked at indexes above its own
    /// snapshot, and snapshots never move back, so those records are never read again; this
    /// keeps the ghost of a long run from growing with it. (A server added later starts with
    /// an empty log and holds the floor at 0 until a snapshot reaches it.)
    fn forget_compacted(&mut self, nodes: &Nodes<Raft>) {
        let mut floor = Index::MAX;
        for id in 0..nodes.len() {
            let Some(slot) = nodes.slot(id) else { continue };
            let snapshot = match (&slot.state, &slot.durable) {
                (Some(n), _) => n.snapshot.last_index,
                (None, Some(d)) => d.snapshot.last_index,
                (None, None) => 0,
            };
            floor = floor.min(snapshot);
        }
        if floor >= self.base + FORGET_BATCH {
            self.records.drop_front(((floor - self.base) as usize).min(self.records.len()));
            self.base = floor;
        }
    }

    /// What was written first at (index, term): (identity, term before), if anything.
    fn written(&self, i: Index, term: Term) -> Option<(u32, u32)> {
        match self.record(i) {
            Some(r) if r.term != 0 && r.term as Term == term => Some((r.ident, r.prev_term)),
            Some(r) if r.term != 0 => self.others.get(&(i, term)).copied(),
            _ => None,
        }
    }

    /// Records that (index, term) holds `ident` after an entry of term `prev`.
    fn write(&mut self, i: Index, term: Term, ident: u32, prev: Term) {
        let Some(r) = self.record_mut(i) else { return };
        if r.term == 0 {
            (r.term, r.ident, r.prev_term) = (t32(term), ident, t32(prev));
        } else {
            self.others.insert_mut((i, term), (ident, t32(prev)));
        }
    }

    /// Bytes a time-travel snapshot of the ghost costs beyond what it shares.
    pub fn snapshot_bytes(&self) -> usize {
        const SLOT: usize = 40;
        core::mem::size_of::<Ghost>()
            + (self.leaders.len() + self.leader_last.len() + self.conflicts.len() + self.candidates.len() + self.uncommitted.len() + self.stale.len()) * SLOT
            + crate::persist::PVEC_PATH_BYTES
            // The records a snapshot holds: those above the forgotten prefix.
            + self.records.len() * core::mem::size_of::<IndexRecord>()
    }

    /// Updates the unable-to-commit tracking for one live leader.
    pub(super) fn watch_leader(&mut self, cfg: &Raft, leader: &Node, now: Time) {
        let (term, commit) = (leader.term, leader.commit);
        let key = (leader.id, term);
        if leader.last_term() == term && leader.last_index() > commit {
            // The maps are shared with the ghost's copies: change them only when needed.
            let since = match self.uncommitted.get(&key) {
                Some(&(index, since)) if index > commit => since,
                _ => {
                    Rc::make_mut(&mut self.uncommitted).insert(key, (commit + 1, now));
                    now
                }
            };
            if now.saturating_sub(since) > 2 * cfg.election_max_ms.max(cfg.election_min_ms) * crate::MS && !self.stale.contains(&key) {
                Rc::make_mut(&mut self.stale).insert(key);
            }
        } else if self.uncommitted.contains_key(&key) {
            Rc::make_mut(&mut self.uncommitted).remove(&key);
        }
    }

    fn report(&mut self, out: &mut Vec<Violation>, invariant: &'static str, nodes: Vec<NodeId>, cells: Vec<(NodeId, Index)>, detail: String) {
        self.violations += 1;
        out.push(Violation { invariant, time: 0, event: 0, nodes, cells, detail });
    }
}

/// Most committed indexes a new leader is checked against, newest first, before the check
/// trusts Log Matching for the rest (see [`observe`]).
const COMPLETENESS_WINDOW: u64 = 64;

/// Records are forgotten in steps of this many indexes (see [`Ghost::forget_compacted`]).
const FORGET_BATCH: Index = 256;

/// Checks the server that handled the event against history, then records what it did.
pub fn observe(_cfg: &Raft, nodes: &Nodes<Raft>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    let Some(id) = what.node() else { return };
    let Some(n) = nodes.up(id) else { return };
    let r = &n.ready;
    g.overwritten += r.truncated;

    if n.role == Role::Candidate {
        let bit = 1 << (id & 31);
        if g.candidates.get(&n.term).is_none_or(|bits| bits & bit == 0) {
            *Rc::make_mut(&mut g.candidates).entry(n.term).or_default() |= bit;
        }
    }

    // Election Safety (§5.2): one leader per term.
    if n.role == Role::Leader {
        match g.leaders.get(&n.term) {
            None => {
                Rc::make_mut(&mut g.leaders).insert(n.term, id);
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
        let last = (n.term, n.last_index());
        if g.leader_last.get(&id) != Some(&last) {
            Rc::make_mut(&mut g.leader_last).insert(id, last);
        }
    } else {
        if g.leader_last.contains_key(&id) {
            Rc::make_mut(&mut g.leader_last).remove(&id);
        }
    }

    // Log Matching (§5.3): every entry written this step agrees with every other copy of the
    // entry with the same index and term, down to the term of the entry before it. By
    // induction over indexes that makes the whole prefixes identical.
    if let Some(from) = r.written_from {
        for i in from.max(n.snapshot.last_index + 1)..=n.last_index() {
            let (Some(e), Some(prev)) = (n.entry(i), n.term_at(i - 1)) else { continue };
            let (ident, term) = (fold(e.ident()), e.term);
            match g.written(i, term) {
                None => g.write(i, term, ident, prev),
                // A previous term of 0 is unknown (see the State Machine Safety check below), except
                // at index 1, where it is the truth for every copy.
                Some((ident2, prev2)) if ident2 != ident || (prev2 != 0 && prev2 != t32(prev)) => {
                    // Name a server that holds the other entry, if one still does.
                    let other = nodes
                        .live()
                        .find(|(o, m)| *o != id && m.entry(i).is_some_and(|x| x.term == term && fold(x.ident()) == ident2))
                        .map_or(id, |(o, _)| o);
                    let detail = format!("S{id} and S{other} hold different entries at index {i} of term {term}");
                    g.report(out, LOG_MATCHING, alloc::vec![id, other], alloc::vec![(id, i), (other, i)], detail);
                }
                Some(_) => {}
            }
        }
    }

    // State Machine Safety (§5.4.3): what is applied at an index is the same everywhere.
    for &(i, term, ident) in &r.applied {
        let ident = fold(ident);
        match g.applied(i) {
            None => {
                if g.written(i, term).is_none() {
                    // Applied from a log the checker never saw written: a server alone in its
                    // configuration commits, applies and compacts an entry in the step that
                    // appends it, so the Log Matching check above (which looks above the
                    // snapshot) never saw it. Record it, with its previous term unknown (0), so
                    // later copies are compared with it.
                    g.write(i, term, ident, 0);
                }
                if let Some(rec) = g.record_mut(i) {
                    (rec.applied_term, rec.in_term, rec.by) = (t32(term), t32(n.term), id as u8);
                }
                g.applied_max = g.applied_max.max(i);
                // Leader Completeness for leaders elected before this commit became known.
                for (lid, l) in nodes.live() {
                    if l.role == Role::Leader && l.term > n.term && i > l.snapshot.last_index && l.term_at(i) != Some(term) {
                        let detail = format!("leader S{lid} of term {} lacks entry {i} (term {term}) committed in term {}", l.term, n.term);
                        g.report(out, LEADER_COMPLETENESS, alloc::vec![lid, id], alloc::vec![(lid, i), (id, i)], detail);
                    }
                }
            }
            Some((t, ident2, _, by)) if (t, ident2) != (term, ident) => {
                if Rc::make_mut(&mut g.conflicts).insert(i) && g.record(i).is_some_and(|r| r.acked) {
                    g.acked_lost += 1;
                }
                let detail = format!("S{id} applied a different entry at index {i} (term {term}) than S{by} did (term {t})");
                g.report(out, STATE_MACHINE_SAFETY, alloc::vec![id, by], alloc::vec![(id, i), (by, i)], detail);
            }
            Some(_) => {}
        }
    }
    if let Some((i, term)) = r.installed {
        g.snapshots_installed += 1;
        if let Some((t, _, _, by)) = g.applied(i) {
            if t != term {
                if Rc::make_mut(&mut g.conflicts).insert(i) && g.record(i).is_some_and(|r| r.acked) {
                    g.acked_lost += 1;
                }
                let detail = format!("S{id} installed a snapshot ending at index {i} (term {term}) but S{by} applied term {t} there");
                g.report(out, STATE_MACHINE_SAFETY, alloc::vec![id, by], alloc::vec![(by, i)], detail);
            }
        }
    }

    // Leader Completeness (§5.4): a new leader holds every entry committed in earlier terms.
    // Checked against the newest committed indexes only: the leader's log passed Log Matching
    // entry by entry, so holding a committed entry means holding the prefix it was committed
    // with. The full check ([`check_all`]) walks every index; the sweeps cross-check the two.
    if r.became_leader {
        let floor = n.snapshot.last_index + 1;
        let lowest = g.applied_max.saturating_sub(COMPLETENESS_WINDOW).max(floor);
        let missing = (lowest..=g.applied_max)
            .rev()
            .filter_map(|i| g.applied(i).map(|a| (i, a)))
            .find(|&(i, (t, ident, in_term, _))| in_term < n.term && n.entry(i).map(|e| (e.term, fold(e.ident()))) != Some((t, ident)));
        if let Some((i, (t, _, in_term, by))) = missing {
            let detail = format!("S{id} became leader of term {} without entry {i} (term {t}) committed in term {in_term}", n.term);
            g.report(out, LEADER_COMPLETENESS, alloc::vec![id, by], alloc::vec![(id, i), (by, i)], detail);
        }
    }

    for reply in &r.replies {
        let matches = g.applied(reply.index).is_some_and(|a| a.0 == reply.term) && !g.conflicts.contains(&reply.index);
        let Some(rec) = g.record_mut(reply.index) else { continue };
        if !rec.acked {
            rec.acked = true;
            g.acked += 1;
            if !matches {
                g.acked_lost += 1;
            }
        }
        g.latency.0 += reply.latency;
        g.latency.1 += 1;
    }

    if n.snapshot.last_index >= g.base + FORGET_BATCH {
        g.forget_compacted(nodes);
    }
}

/// The full check: every live server's whole log against the ghost, and every leader against
/// every committed index. Its cost grows with the logs, so [`observe`] never calls it; the
/// seeded sweeps run it every few hundred events to prove that the incremental checks miss
/// nothing. Returns the invariants that fail, with details.
pub fn check_all(nodes: &Nodes<Raft>, g: &Ghost) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (id, n) in nodes.live() {
        for i in n.snapshot.last_index + 1..=n.last_index() {
            let (Some(e), Some(prev)) = (n.entry(i), n.term_at(i - 1)) else { continue };
            match g.written(i, e.term) {
                Some((ident, p)) if ident != fold(e.ident()) || (p != 0 && p != t32(prev)) => out.push((LOG_MATCHING, format!("S{id} index {i} term {} differs from the first copy written", e.term))),
                None => out.push((LOG_MATCHING, format!("S{id} holds index {i} term {} the checker never saw written", e.term))),
                _ => {}
            }
            if i <= n.applied {
                if let Some((t, ident, _, _)) = g.applied(i) {
                    if (t, ident) != (e.term, fold(e.ident())) {
                        out.push((STATE_MACHINE_SAFETY, format!("S{id} applied index {i} term {} but term {t} was applied first", e.term)));
                    }
                }
            }
        }
        if n.role == Role::Leader {
            for i in n.snapshot.last_index + 1..=g.applied_max {
                let Some((t, ident, in_term, _)) = g.applied(i) else { continue };
                if in_term < n.term && n.entry(i).map(|e| (e.term, fold(e.ident()))) != Some((t, ident)) {
                    out.push((LEADER_COMPLETENESS, format!("leader S{id} of term {} lacks committed index {i} (term {t})", n.term)));
                }
            }
        }
    }
    out
}
