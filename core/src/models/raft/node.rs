//! One Raft server: only the algorithm. Messages and timers come in; messages, timers and
//! notes go out through the [`Ctx`]; what a real server would hand its caller after a step
//! (entries to persist, entries applied, client replies) is left in [`Ready`].

use super::msg::{members_text, Entry, Index, Msg, Op, Request, Shared, Snapshot, Store, Term, Word};
use crate::text;
use crate::persist::PVec;
use alloc::rc::Rc;
use super::Raft;
use crate::model::Ctx;
use crate::time::Time;
use crate::NodeId;
use crate::small::{SmallMap, SmallSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most entries one AppendEntries carries; a lagging follower catches up over a few rounds.
pub const BATCH_MAX: usize = 32;
/// Most servers a forwarded request may pass through.
const HOPS_MAX: u8 = 2;

/// A server's role (§5.1), plus the pre-candidate of the pre-vote round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Answers leaders and candidates.
    Follower,
    /// Asking for pre-votes before starting a real election (dissertation §9.6).
    PreCandidate,
    /// Asking for votes in its term.
    Candidate,
    /// Handles client requests and replicates its log.
    Leader,
}

impl Role {
    /// Lower-case name for views and notes.
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

/// Timer keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// A follower or candidate heard nothing for a while: start an election.
    Election,
    /// A leader's cue to send AppendEntries (possibly empty) to every follower.
    Heartbeat,
    /// The steady client attached to this server sends its next request (`load_rps`).
    Load,
}

/// A leader's view of one follower (Figure 2, "volatile state on leaders").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Index of the next entry to send.
    pub next: Index,
    /// Highest index known to be replicated on the follower.
    pub matched: Index,
    /// When the follower last answered in this term (for the availability metric).
    pub heard_at: Option<Time>,
}

/// A reply to a client: its request is committed and applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientReply {
    /// The request.
    pub id: u64,
    /// Where it sits in the log.
    pub index: Index,
    /// The term of its entry.
    pub term: Term,
    /// Submission to acknowledgement, in µs.
    pub latency: Time,
}

/// What one step produced besides messages: what a real server would persist, apply and
/// answer before going on (etcd calls this `Ready`). Cleared at the start of every step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ready {
    /// First log index written or truncated in this step, if any.
    pub written_from: Option<Index>,
    /// Entries that were replaced or cut off without having been committed.
    pub truncated: u64,
    /// Entries applied to the state machine: (index, term, entry ident).
    pub applied: Vec<(Index, Term, u64)>,
    /// A snapshot installed from the leader: (last index, last term).
    pub installed: Option<(Index, Term)>,
    /// Replies to clients.
    pub replies: Vec<ClientReply>,
    /// Whether the server became leader.
    pub became_leader: bool,
}

impl Ready {
    /// Empties it for the next step, keeping the lists' storage.
    fn clear(&mut self) {
        let (mut applied, mut replies) = (core::mem::take(&mut self.applied), core::mem::take(&mut self.replies));
        applied.clear();
        replies.clear();
        *self = Ready { applied, replies, ..Ready::default() };
    }
}

/// What survives a crash (Figure 2, "persistent state on all servers", and §7's snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Durable {
    /// `currentTerm`.
    pub term: Term,
    /// `votedFor`.
    pub voted_for: Option<NodeId>,
    /// `log[]`, after the snapshot.
    pub log: PVec<Shared>,
    /// The latest snapshot.
    pub snapshot: Snapshot,
}

/// A Raft server's whole state.
#[derive(Clone, Debug, Hash)]
pub struct Node {
    /// This server.
    pub id: NodeId,
    // Persistent.
    /// Latest term seen.
    pub term: Term,
    /// Candidate voted for in `term`.
    pub voted_for: Option<NodeId>,
    /// Entries after the snapshot: `log[i]` has index `snapshot.last_index + 1 + i`. Persistent,
    /// so that time-travel snapshots share it (see [`crate::persist`]).
    pub log: PVec<Shared>,
    /// The latest snapshot (index 0 holds the bootstrap membership).
    pub snapshot: Snapshot,
    // Volatile.
    /// Role.
    pub role: Role,
    /// The leader of `term`, if known.
    pub leader: Option<NodeId>,
    /// Highest index known to be committed.
    pub commit: Index,
    /// Highest index applied to `kv`.
    pub applied: Index,
    /// The replicated key-value store.
    pub kv: Store,
    /// Current membership: the latest configuration in the log (or the snapshot).
    pub config: Rc<Vec<NodeId>>,
    /// Index of the entry that holds `config`.
    pub config_index: Index,
    /// Votes (or pre-votes) received in the current campaign.
    pub votes: SmallSet<NodeId>,
    /// Leader: replication state of each follower.
    pub progress: SmallMap<NodeId, Progress>,
    /// Leader: client requests waiting to commit, by log index.
    pub pending: SmallMap<Index, Request>,
    /// When the election timer was armed and when it fires.
    pub election: Option<(Time, Time)>,
    /// When a leader of the current term was last heard from.
    pub heard_leader_at: Option<Time>,
    /// Spare servers that have asked to join.
    pub known: SmallSet<NodeId>,
    /// Whether the steady client's timer is armed.
    pub load_armed: bool,
    /// Requests the steady client has sent.
    pub load_sent: u64,
    /// Output of the last step.
    pub ready: Ready,
}

impl Node {
    /// A fresh server. Servers below `cfg.servers` start in the bootstrap membership; others
    /// are spares with an empty configuration.
    pub fn new(cfg: &Raft, id: NodeId, ctx: &mut Ctx<Raft>) -> Node {
        let config = if id < cfg.servers { (0..cfg.servers).collect() } else { Vec::new() };
        let durable = Durable { term: 0, voted_for: None, log: PVec::new(), snapshot: Snapshot { config: Rc::new(config), ..Snapshot::default() } };
        Node::restart(cfg, id, durable, ctx)
    }

    /// Rebuilds a server from what it persisted: everything volatile starts over (§5.1).
    pub fn restart(cfg: &Raft, id: NodeId, d: Durable, ctx: &mut Ctx<Raft>) -> Node {
        let mut node = Node {
            id,
            term: d.term,
            voted_for: d.voted_for,
            commit: d.snapshot.last_index,
            applied: d.snapshot.last_index,
            kv: d.snapshot.kv.clone(),
            log: d.log,
            snapshot: d.snapshot,
            role: Role::Follower,
            leader: None,
            config: Rc::default(),
            config_index: 0,
            votes: SmallSet::new(),
            progress: SmallMap::new(),
            pending: SmallMap::new(),
            election: None,
            heard_leader_at: None,
            known: SmallSet::new(),
            load_armed: false,
            load_sent: 0,
            ready: Ready::default(),
        };
        node.refresh_config();
        node.reset_election_timer(cfg, ctx);
        node.ensure_load(cfg, ctx);
        node
    }

    /// Bytes a time-travel snapshot of this server costs beyond what it shares (see
    /// [`crate::Model::snapshot_bytes`]): the bounded maps in full, the log's copied path.
    pub fn snapshot_bytes(&self) -> usize {
        use core::mem::size_of;
        const SLOT: usize = 16;
        let kv = (self.kv.len() + self.snapshot.kv.len()) * (2 * size_of::<Word>() + SLOT);
        size_of::<Node>()
            + kv
            + self.pending.len() * (size_of::<(Index, Request)>() + SLOT)
            + self.progress.len() * (size_of::<(NodeId, Progress)>() + SLOT)
            + (self.votes.len() + self.known.len()) * (size_of::<NodeId>() + SLOT)
            + (self.config.len() + self.snapshot.config.len()) * size_of::<NodeId>()
            + crate::persist::PVEC_PATH_BYTES
            + self.log.len() * Self::LOG_ENTRY_BYTES
    }

    /// What one log entry costs a snapshot: its pointer, and a quarter of the entry itself
    /// (the servers holding an entry share one copy; a quarter is a five-server cluster's share
    /// rounded up). A snapshot keeps the log as it was;
    /// once the live log has been compacted past it, that log is the snapshot's alone, so the
    /// history counts every snapshot's whole log. That is exact when snapshots lie more than
    /// a compaction apart (the default compacts every 100 entries) and safe when closer.
    const LOG_ENTRY_BYTES: usize = core::mem::size_of::<Shared>() + (2 * core::mem::size_of::<usize>() + core::mem::size_of::<Entry>()) / 4;

    /// What survives a crash.
    pub fn durable(&self) -> Durable {
        Durable { term: self.term, voted_for: self.voted_for, log: self.log.clone(), snapshot: self.snapshot.clone() }
    }

    // ----- log helpers -----

    /// Index of the last entry (the snapshot's if the log is empty).
    pub fn last_index(&self) -> Index {
        self.snapshot.last_index + self.log.len() as Index
    }

    /// Term of the last entry.
    pub fn last_term(&self) -> Term {
        self.log.last().map_or(self.snapshot.last_term, |e| e.term)
    }

    /// Term of the entry at `index`, if this server still knows it.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.snapshot.last_index {
            Some(self.snapshot.last_term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }

    /// The entry at `index`, if it is in the log (not compacted, not beyond the end).
    pub fn entry(&self, index: Index) -> Option<&Entry> {
        let first = self.snapshot.last_index + 1;
        if index < first {
            return None;
        }
        self.log.get((index - first) as usize).map(|e| &**e)
    }

    fn slot(&self, index: Index) -> usize {
        (index - self.snapshot.last_index - 1) as usize
    }

    /// Whether this server belongs to its own current configuration.
    pub fn is_member(&self) -> bool {
        self.config.contains(&self.id)
    }

    /// Whether `set` holds a majority of the current configuration.
    fn quorum(&self, set: &SmallSet<NodeId>) -> bool {
        let n = self.config.iter().filter(|m| set.contains(m)).count();
        2 * n > self.config.len()
    }

    /// Recomputes the membership from the latest configuration entry (or the snapshot).
    fn refresh_config(&mut self) {
        for (i, e) in self.log.iter().enumerate().rev() {
            if let Op::Config(m) = &e.op {
                self.config = Rc::new(m.clone());
                self.config_index = self.snapshot.last_index + 1 + i as Index;
                return;
            }
        }
        self.config = self.snapshot.config.clone();
        self.config_index = self.snapshot.last_index;
    }

    /// The membership in effect at `index` (at most the last index).
    fn config_at(&self, index: Index) -> Rc<Vec<NodeId>> {
        let mut i = index.min(self.last_index());
        while i > self.snapshot.last_index {
            if let Some(Entry { op: Op::Config(m), .. }) = self.entry(i) {
                return Rc::new(m.clone());
            }
            i -= 1;
        }
        self.snapshot.config.clone()
    }

    /// Whom a leader replicates to: the current members and, while a membership change is
    /// uncommitted, the members of the previous configuration too (so a removed server learns
    /// of its removal).
    pub fn targets(&self) -> SmallSet<NodeId> {
        let mut t = SmallSet::new();
        for &m in self.config.iter() {
            t.insert(m);
        }
        if self.config_index > self.commit {
            for &m in self.config_at(self.config_index - 1).iter() {
                t.insert(m);
            }
        }
        t.remove(&self.id);
        t
    }

    fn mark_written(&mut self, index: Index) {
        let w = &mut self.ready.written_from;
        *w = Some(w.map_or(index, |x| x.min(index)));
    }

    /// Appends an entry to the log (leaders, for their own entries).
    fn append(&mut self, entry: Entry) -> Index {
        let index = self.last_index() + 1;
        if let Op::Config(m) = &entry.op {
            self.config = Rc::new(m.clone());
            self.config_index = index;
        }
        self.log.push(Rc::new(entry));
        self.mark_written(index);
        index
    }

    /// Removes every entry from `index` on.
    fn truncate_from(&mut self, index: Index) {
        let cut = self.slot(index);
        self.ready.truncated += (self.log.len() - cut) as u64;
        self.log.truncate(cut);
        self.mark_written(index);
        if index <= self.commit {
            // Only a teaching mutation lets a leader overwrite committed entries; follow it,
            // so the checker sees the state machines diverge.
            self.commit = index - 1;
            self.applied = self.applied.min(index - 1);
        }
        if self.config_index >= index {
            self.refresh_config();
        }
    }

    // ----- timers -----

    fn reset_election_timer(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        let lo = cfg.election_min_ms * crate::MS;
        let hi = (cfg.election_max_ms * crate::MS).max(lo);
        let after = ctx.rng().range(lo, hi);
        ctx.set_timer(Timer::Election, after);
        self.election = Some((ctx.now(), ctx.now() + after));
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, cfg: &Raft, timer: Timer, ctx: &mut Ctx<Raft>) {
        self.ready.clear();
        self.ensure_load(cfg, ctx);
        match timer {
            Timer::Load => self.client_load(cfg, ctx),
            Timer::Election => self.election_timeout(cfg, ctx),
            Timer::Heartbeat => {
                if self.role == Role::Leader {
                    self.heartbeat(ctx);
                    ctx.set_timer(Timer::Heartbeat, cfg.heartbeat_ms * crate::MS);
                }
            }
        }
    }

    // ----- the steady client load -----

    /// Time between two requests of the client attached to each server: together the
    /// clients send `load_rps` requests a second, spread evenly over the starting servers.
    fn load_period(cfg: &Raft) -> Time {
        (cfg.servers.max(1) as Time * crate::SEC / cfg.load_rps.max(1) as Time).max(1)
    }

    /// Arms the client's timer if the load is on and it is not armed yet (a live change of
    /// `load_rps` is picked up at the server's next event). The first requests of the clients
    /// are staggered by server so the load is even.
    fn ensure_load(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        if cfg.load_rps > 0 && !self.load_armed && self.id < cfg.servers {
            self.load_armed = true;
            let period = Self::load_period(cfg);
            ctx.set_timer(Timer::Load, period / cfg.servers.max(1) as Time * (self.id as Time + 1));
        }
    }

    /// The client attached to this server sends a request (`k0`..`k15` = a counter) and waits
    /// for the next one; with the load switched off it stops.
    fn client_load(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        self.load_armed = false;
        if cfg.load_rps == 0 {
            return;
        }
        let n = self.load_sent;
        self.load_sent += 1;
        let key = Word::format(format_args!("k{}", (n * cfg.servers as u64 + self.id as u64) % 16));
        let value = Word::format(format_args!("{n}"));
        let request = Request { id: ctx.rng().next_u64(), key, value, submitted_at: ctx.now(), origin: self.id };
        self.submit(request, 0, ctx);
        self.load_armed = true;
        ctx.set_timer(Timer::Load, Self::load_period(cfg));
    }

    fn election_timeout(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        if self.role == Role::Leader {
            return;
        }
        // A server that its latest configuration leaves out still stands while that
        // configuration is uncommitted (dissertation §4.2.2): the removal may yet be undone,
        // and a server whose log is the most up to date refuses its vote to everyone else, so
        // if it stayed quiet the cluster could wait for ever (a leader that removed itself,
        // then crashed).
        if !self.is_member() && self.config_index <= self.commit {
            // Spares stay quiet, but a server added after the start says it exists.
            if self.id >= cfg.servers && self.config.is_empty() {
                for peer in 0..cfg.servers {
                    ctx.send(peer, Msg::Join);
                }
            }
            self.reset_election_timer(cfg, ctx);
            return;
        }
        if cfg.prevote {
            self.campaign_pre(cfg, ctx);
        } else {
            self.campaign(cfg, ctx);
        }
    }

    // ----- elections (§5.2) -----

    fn campaign_pre(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        self.role = Role::PreCandidate;
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.id);
        if ctx.tracing() {
            ctx.note(text!("S{} asks for pre-votes for term {}", self.id, self.term + 1));
        }
        self.reset_election_timer(cfg, ctx);
        if self.quorum(&self.votes) {
            return self.campaign(cfg, ctx);
        }
        let msg = Msg::RequestVote { term: self.term + 1, last_index: self.last_index(), last_term: self.last_term(), pre: true };
        for &peer in self.config.iter() {
            if peer != self.id {
                ctx.send(peer, msg.clone());
            }
        }
    }

    fn campaign(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        self.term += 1;
        self.voted_for = Some(self.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.id);
        ctx.announce(format_args!("S{} starts an election for term {}", self.id, self.term));
        self.reset_election_timer(cfg, ctx);
        if self.quorum(&self.votes) {
            return self.become_leader(cfg, ctx);
        }
        let msg = Msg::RequestVote { term: self.term, last_index: self.last_index(), last_term: self.last_term(), pre: false };
        for &peer in self.config.iter() {
            if peer != self.id {
                ctx.send(peer, msg.clone());
            }
        }
    }

    fn become_leader(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes.clear();
        self.pending.clear();
        self.election = None;
        self.ready.became_leader = true;
        ctx.cancel_timer(Timer::Election);
        ctx.announce(format_args!("S{} is leader for term {}", self.id, self.term));
        self.progress.clear();
        if cfg.noop {
            self.append(Entry { term: self.term, op: Op::Noop });
        }
        self.sync_progress();
        self.broadcast_append(ctx);
        ctx.set_timer(Timer::Heartbeat, cfg.heartbeat_ms * crate::MS);
        self.maybe_commit(cfg, ctx);
    }

    /// Adopts `term` (forgetting the vote if it is newer) and becomes a follower.
    fn become_follower(&mut self, cfg: &Raft, term: Term, ctx: &mut Ctx<Raft>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.leader = None;
            self.heard_leader_at = None;
        }
        if self.role == Role::Leader {
            // A leader has no election timer running; a follower or candidate keeps its own:
            // only a leader's message or a granted vote restarts it (Figure 2), so a candidate
            // with a stale log cannot hold off everyone else's elections.
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.note(text!("S{} steps down in term {}", self.id, self.term));
            self.reset_election_timer(cfg, ctx);
        }
        if self.role != Role::Follower {
            self.role = Role::Follower;
            self.votes.clear();
            self.progress.clear();
            self.pending.clear();
        }
    }

    /// The up-to-date check of §5.4.1.
    fn log_ok(&self, cfg: &Raft, last_index: Index, last_term: Term) -> bool {
        cfg.vote_without_log_check || (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    #[allow(clippy::too_many_arguments)]
    fn on_request_vote(&mut self, cfg: &Raft, from: NodeId, term: Term, last_index: Index, last_term: Term, pre: bool, ctx: &mut Ctx<Raft>) {
        if !self.config.is_empty() && !self.config.contains(&from) && self.config_index <= self.commit {
            // A server removed from the cluster that never learned it keeps campaigning; do
            // not let its terms disturb us (as HashiCorp's raft does). Refusing is always safe,
            // and it costs nothing once the configuration without it is committed. Before
            // that the removal may yet be undone and the server may be needed to elect a
            // leader (dissertation §4.2.2), so its request is handled like any other.
            ctx.send(from, Msg::Vote { term: self.term, granted: false, pre });
            return;
        }
        if pre {
            // Grant only if the candidate could win: its term would be newer, its log is
            // up to date, and we have not heard from a live leader within the minimum timeout.
            let leased = self.role == Role::Leader || self.heard_leader_at.is_some_and(|t| ctx.now() < t + cfg.election_min_ms * crate::MS);
            let granted = term > self.term && !leased && self.log_ok(cfg, last_index, last_term);
            let reply_term = if granted { term } else { self.term };
            ctx.send(from, Msg::Vote { term: reply_term, granted, pre: true });
            return;
        }
        if term > self.term {
            self.become_follower(cfg, term, ctx);
        }
        let granted = term == self.term && self.voted_for.is_none_or(|v| v == from) && self.log_ok(cfg, last_index, last_term);
        if granted {
            self.voted_for = Some(from);
            self.reset_election_timer(cfg, ctx);
        }
        ctx.send(from, Msg::Vote { term: self.term, granted, pre: false });
    }

    fn on_vote(&mut self, cfg: &Raft, from: NodeId, term: Term, granted: bool, pre: bool, ctx: &mut Ctx<Raft>) {
        if pre {
            if self.role != Role::PreCandidate {
                return;
            }
            if !granted && term > self.term {
                return self.become_follower(cfg, term, ctx);
            }
            if granted && term == self.term + 1 {
                self.votes.insert(from);
                if self.quorum(&self.votes) {
                    self.campaign(cfg, ctx);
                }
            }
            return;
        }
        if term > self.term {
            return self.become_follower(cfg, term, ctx);
        }
        if self.role == Role::Candidate && term == self.term && granted {
            self.votes.insert(from);
            if self.quorum(&self.votes) {
                self.become_leader(cfg, ctx);
            }
        }
    }

    // ----- replication (§5.3) -----

    /// Adds progress for new targets and forgets servers no longer replicated to.
    fn sync_progress(&mut self) {
        let targets = self.targets();
        let next = self.last_index() + 1;
        self.progress.retain(|p, _| targets.contains(p));
        for &t in targets.iter() {
            self.progress.get_or_insert(t, Progress { next, matched: 0, heard_at: None });
        }
    }

    fn broadcast_append(&mut self, ctx: &mut Ctx<Raft>) {
        let peers: Vec<NodeId> = self.progress.keys().copied().collect();
        for peer in peers {
            self.send_append(peer, ctx);
        }
    }

    /// Sends `peer` what it needs next: entries from its `next`, or the snapshot if those were
    /// compacted away.
    ///
    /// Replication is pipelined: once entries are sent, `next` moves past them, so the next
    /// request or reply sends only what is new instead of repeating what is still in flight
    /// (etcd's "replicate" state). A rejection moves `next` back, and every heartbeat resends
    /// from the first unacknowledged entry, which recovers entries lost on the way.
    fn send_append(&mut self, peer: NodeId, ctx: &mut Ctx<Raft>) {
        let Some(p) = self.progress.get(&peer) else { return };
        let next = p.next;
        if next <= self.snapshot.last_index {
            ctx.send(peer, Msg::InstallSnapshot { term: self.term, snapshot: self.snapshot.clone() });
            return;
        }
        let prev_index = next - 1;
        let prev_term = self.term_at(prev_index).unwrap_or(0);
        let from = self.slot(next);
        let to = self.log.len().min(from + BATCH_MAX);
        let entries: Vec<Shared> = self.log.range(from..to).cloned().collect();
        if let Some(p) = self.progress.get_mut(&peer) {
            p.next = next + entries.len() as Index;
        }
        ctx.send(peer, Msg::AppendEntries { term: self.term, prev_index, prev_term, entries, commit: self.commit });
    }

    /// A heartbeat: every follower hears from the leader, and entries sent but not yet
    /// acknowledged go again (a follower still probing for its match keeps its `next`).
    fn heartbeat(&mut self, ctx: &mut Ctx<Raft>) {
        for p in self.progress.values_mut() {
            if p.matched > 0 {
                p.next = p.next.min(p.matched + 1);
            }
        }
        self.broadcast_append(ctx);
    }

    /// Hears from the leader of the current term: follow it and restart the election timer.
    fn heard_leader(&mut self, cfg: &Raft, term: Term, from: NodeId, ctx: &mut Ctx<Raft>) {
        if term > self.term || self.role != Role::Follower {
            self.become_follower(cfg, term, ctx);
        }
        self.reset_election_timer(cfg, ctx);
        self.leader = Some(from);
        self.heard_leader_at = Some(ctx.now());
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append(&mut self, cfg: &Raft, from: NodeId, term: Term, prev_index: Index, prev_term: Term, entries: Vec<Shared>, commit: Index, ctx: &mut Ctx<Raft>) {
        let reject = |term: Term, conflict_index: Index, conflict_term: Option<Term>| Msg::AppendReply { term, success: false, match_index: 0, conflict_index, conflict_term };
        if term < self.term {
            ctx.send(from, reject(self.term, 0, None));
            return;
        }
        self.heard_leader(cfg, term, from, ctx);
        // Consistency check, with the hint that lets the leader skip a whole term at a time.
        if prev_index > self.last_index() {
            ctx.send(from, reject(self.term, self.last_index() + 1, None));
            return;
        }
        if prev_index > self.snapshot.last_index {
            let mine = self.term_at(prev_index).unwrap_or(0);
            if mine != prev_term {
                let mut first = prev_index;
                while first > self.snapshot.last_index + 1 && self.term_at(first - 1) == Some(mine) {
                    first -= 1;
                }
                ctx.send(from, reject(self.term, first, Some(mine)));
                return;
            }
        }
        // Append, truncating only at a real conflict: a stale or duplicated message must not
        // cut off entries a newer one already added.
        let match_index = prev_index + entries.len() as Index;
        for (k, e) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + k as Index;
            if index <= self.snapshot.last_index {
                continue;
            }
            match self.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => self.truncate_from(index),
                None => {}
            }
            if let Op::Config(m) = &e.op {
                self.config = Rc::new(m.clone());
                self.config_index = index;
            }
            self.log.push(e);
            self.mark_written(index);
        }
        if commit > self.commit {
            let new_commit = commit.min(match_index);
            if new_commit > self.commit {
                self.commit = new_commit;
            }
        }
        self.apply(cfg, ctx);
        ctx.send(from, Msg::AppendReply { term: self.term, success: true, match_index, conflict_index: 0, conflict_term: None });
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append_reply(&mut self, cfg: &Raft, from: NodeId, term: Term, success: bool, match_index: Index, conflict_index: Index, conflict_term: Option<Term>, ctx: &mut Ctx<Raft>) {
        if term > self.term {
            return self.become_follower(cfg, term, ctx);
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let last = self.last_index();
        let back_to = conflict_term.and_then(|t| (self.snapshot.last_index + 1..=last).rev().find(|&i| self.term_at(i) == Some(t)).map(|i| i + 1));
        let Some(p) = self.progress.get_mut(&from) else { return };
        p.heard_at = Some(ctx.now());
        if success {
            p.matched = p.matched.max(match_index);
            p.next = p.next.max(p.matched + 1);
            let behind = p.next <= last;
            self.maybe_commit(cfg, ctx);
            if behind && self.role == Role::Leader {
                self.send_append(from, ctx);
            }
        } else {
            let next = back_to.unwrap_or(conflict_index);
            p.next = next.clamp(p.matched + 1, last + 1);
            self.send_append(from, ctx);
        }
    }

    // ----- snapshots (§7) -----

    fn on_install_snapshot(&mut self, cfg: &Raft, from: NodeId, term: Term, snapshot: Snapshot, ctx: &mut Ctx<Raft>) {
        if term < self.term {
            ctx.send(from, Msg::SnapshotReply { term: self.term, last_index: 0 });
            return;
        }
        self.heard_leader(cfg, term, from, ctx);
        let (index, last_term) = (snapshot.last_index, snapshot.last_term);
        if index > self.commit {
            if self.term_at(index) == Some(last_term) {
                let keep = self.slot(index) + 1;
                self.log.drop_front(keep);
            } else {
                self.ready.truncated += self.log.len() as u64;
                self.log.clear();
                self.mark_written(index + 1);
            }
            self.kv = snapshot.kv.clone();
            self.snapshot = snapshot;
            self.commit = index;
            self.applied = index;
            self.refresh_config();
            self.ready.installed = Some((index, last_term));
            ctx.note(text!("S{} installs a snapshot up to {index}", self.id));
        }
        ctx.send(from, Msg::SnapshotReply { term: self.term, last_index: index });
    }

    fn on_snapshot_reply(&mut self, cfg: &Raft, from: NodeId, term: Term, last_index: Index, ctx: &mut Ctx<Raft>) {
        if term > self.term {
            return self.become_follower(cfg, term, ctx);
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let last = self.last_index();
        let Some(p) = self.progress.get_mut(&from) else { return };
        p.heard_at = Some(ctx.now());
        p.matched = p.matched.max(last_index);
        p.next = p.next.max(p.matched + 1);
        let behind = p.next <= last;
        self.maybe_commit(cfg, ctx);
        if behind && self.role == Role::Leader {
            self.send_append(from, ctx);
        }
    }

    fn maybe_compact(&mut self, cfg: &Raft) {
        if cfg.snapshot_threshold == 0 || self.applied < self.snapshot.last_index + cfg.snapshot_threshold {
            return;
        }
        let index = self.applied;
        let term = self.term_at(index).unwrap_or(0);
        let config = self.config_at(index);
        let cut = self.slot(index) + 1;
        self.log.drop_front(cut);
        self.snapshot = Snapshot { last_index: index, last_term: term, kv: self.kv.clone(), config };
    }

    // ----- commitment (§5.3, §5.4.2) and the state machine -----

    /// Commits the highest index stored on a majority, if its entry is from this term. With
    /// the `commit_old_terms` mutation, older entries are committed by counting replicas too,
    /// which Figure 8 shows is unsafe.
    fn maybe_commit(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        let mut n = self.last_index();
        while n > self.commit {
            let t = self.term_at(n).unwrap_or(0);
            if t != self.term && !cfg.commit_old_terms {
                break;
            }
            let holds = |m: &NodeId| if *m == self.id { self.last_index() >= n } else { self.progress.get(m).is_some_and(|p| p.matched >= n) };
            let holders = self.config.iter().filter(|m| holds(m)).count();
            if 2 * holders > self.config.len() {
                self.commit = n;
                break;
            }
            n -= 1;
        }
        self.apply(cfg, ctx);
    }

    fn apply(&mut self, cfg: &Raft, ctx: &mut Ctx<Raft>) {
        let mut config_committed = false;
        while self.applied < self.commit {
            let index = self.applied + 1;
            let Some(entry) = self.entry(index) else { break };
            let (term, ident) = (entry.term, entry.ident());
            match &entry.op {
                Op::Put(r) => {
                    self.kv.insert(r.key, r.value);
                }
                Op::Config(_) => config_committed = true,
                Op::Noop => {}
            }
            self.applied = index;
            self.ready.applied.push((index, term, ident));
            if self.role == Role::Leader {
                if let Some(req) = self.pending.remove(&index) {
                    ctx.announce(format_args!("S{} commits {}={} at index {index}", self.id, req.key, req.value));
                    self.ready.replies.push(ClientReply { id: req.id, index, term, latency: ctx.now() - req.submitted_at });
                }
            }
        }
        if config_committed && self.role == Role::Leader {
            self.sync_progress();
            if !self.is_member() {
                // A leader removed from the cluster steps down once the change commits (§4.2.2).
                ctx.announce(format_args!("S{} leaves the cluster and steps down", self.id));
                self.become_follower(cfg, self.term, ctx);
            }
        }
        self.maybe_compact(cfg);
    }

    // ----- clients and membership -----

    /// Puts a client request in the log (leader) or passes it to the leader.
    fn submit(&mut self, request: Request, hops: u8, ctx: &mut Ctx<Raft>) {
        if self.role == Role::Leader {
            if self.pending.values().any(|r| r.id == request.id) {
                // A duplicated message: the request is already in the log (a real client
                // session would carry serial numbers for this, §8).
                return;
            }
            let index = self.append(Entry { term: self.term, op: Op::Put(request.clone()) });
            if ctx.tracing() {
                ctx.note(text!("S{} appends {}={} at index {index}", self.id, request.key, request.value));
            }
            self.pending.insert(index, request);
            self.broadcast_append(ctx);
            return;
        }
        match self.leader {
            Some(l) if l != self.id && hops < HOPS_MAX => {
                if ctx.tracing() {
                    ctx.note(text!("S{} forwards {}={} to leader S{l}", self.id, request.key, request.value));
                }
                ctx.send(l, Msg::Forward { request, hops: hops + 1 });
            }
            _ if ctx.tracing() => ctx.note(text!("S{} knows no leader: {}={} is refused (the client would retry)", self.id, request.key, request.value)),
            _ => {}
        }
    }

    /// Handles a node command.
    pub fn on_command(&mut self, cfg: &Raft, cmd: super::Command, ctx: &mut Ctx<Raft>) {
        self.ready.clear();
        self.ensure_load(cfg, ctx);
        match cmd {
            super::Command::Request { key, value } => {
                let request = Request { id: ctx.rng().next_u64(), key: key.as_str().into(), value: value.as_str().into(), submitted_at: ctx.now(), origin: self.id };
                self.submit(request, 0, ctx);
            }
            super::Command::Timeout => {
                if self.role == Role::Leader {
                    ctx.note(text!("S{} is the leader; it has no election timer", self.id));
                } else {
                    self.election_timeout(cfg, ctx);
                }
            }
            super::Command::AddServer(s) | super::Command::RemoveServer(s) => {
                let add = matches!(cmd, super::Command::AddServer(_));
                if let Err(why) = self.change_membership(cfg, s, add, ctx) {
                    ctx.note(text!("S{}: {why}", self.id));
                }
            }
        }
        if self.role == Role::Leader {
            self.maybe_commit(cfg, ctx);
        }
    }

    /// Proposes adding or removing one server (dissertation §4.1, with the fix of §4.1's
    /// bug note: a leader first commits an entry of its own term).
    fn change_membership(&mut self, cfg: &Raft, server: NodeId, add: bool, ctx: &mut Ctx<Raft>) -> Result<(), String> {
        if self.role != Role::Leader {
            return Err(match self.leader {
                Some(l) => format!("not the leader; ask S{l}"),
                None => "not the leader, and no leader is known".into(),
            });
        }
        if self.config_index > self.commit {
            return Err("a membership change is still in progress".into());
        }
        if self.term_at(self.commit) != Some(self.term) {
            return Err("the leader has not committed an entry of its term yet".into());
        }
        let mut members = Vec::clone(&self.config);
        if add {
            if members.contains(&server) {
                return Err(format!("S{server} is already a member"));
            }
            if server >= cfg.servers && !self.known.contains(&server) {
                return Err(format!("S{server} has not asked to join"));
            }
            members.push(server);
            members.sort_unstable();
        } else {
            if !members.contains(&server) {
                return Err(format!("S{server} is not a member"));
            }
            if members.len() == 1 {
                return Err("cannot remove the last member".into());
            }
            members.retain(|&m| m != server);
        }
        let text = members_text(&members);
        let index = self.append(Entry { term: self.term, op: Op::Config(members) });
        ctx.announce(format_args!("S{} proposes membership {text} at index {index}", self.id));
        self.sync_progress();
        self.broadcast_append(ctx);
        Ok(())
    }

    // ----- dispatch -----

    /// Handles a message.
    pub fn on_message(&mut self, cfg: &Raft, from: NodeId, msg: Msg, ctx: &mut Ctx<Raft>) {
        self.ready.clear();
        self.ensure_load(cfg, ctx);
        match msg {
            Msg::RequestVote { term, last_index, last_term, pre } => self.on_request_vote(cfg, from, term, last_index, last_term, pre, ctx),
            Msg::Vote { term, granted, pre } => self.on_vote(cfg, from, term, granted, pre, ctx),
            Msg::AppendEntries { term, prev_index, prev_term, entries, commit } => self.on_append(cfg, from, term, prev_index, prev_term, entries, commit, ctx),
            Msg::AppendReply { term, success, match_index, conflict_index, conflict_term } => {
                self.on_append_reply(cfg, from, term, success, match_index, conflict_index, conflict_term, ctx)
            }
            Msg::InstallSnapshot { term, snapshot } => self.on_install_snapshot(cfg, from, term, snapshot, ctx),
            Msg::SnapshotReply { term, last_index } => self.on_snapshot_reply(cfg, from, term, last_index, ctx),
            Msg::Forward { request, hops } => {
                self.submit(request, hops, ctx);
                if self.role == Role::Leader {
                    self.maybe_commit(cfg, ctx);
                }
            }
            Msg::Join => {
                if self.known.insert(from) {
                    ctx.note(text!("S{} learns that spare S{from} wants to join", self.id));
                }
            }
        }
    }
}
