//! A PBFT replica: the normal case (pre-prepare, prepare, commit, execute, reply), checkpoints
//! with watermarks and log garbage collection, state transfer, and the view change, plus the
//! Byzantine behaviours the lab can switch on. Only the algorithm: messages, timers and
//! commands come in through the [`Ctx`]; what a step did that the checker needs is left in
//! [`Ready`].

use super::msg::*;
use super::Pbft;
use crate::model::Ctx;
use crate::persist::PMap;
use crate::time::Time;
use crate::NodeId;
use super::small::SmallMap;
use alloc::format;
use alloc::vec::Vec;

/// Most distinct (view, digest) vote sets a log entry keeps (conflicting votes beyond are
/// dropped: a correct replica only ever needs the one its pre-prepare names).
const VOTES_MAX: usize = 6;
/// VIEW-CHANGEs for views further ahead than this are ignored (a Byzantine replica's).
const VIEWS_AHEAD_MAX: View = 1_000;
/// Messages for a view not yet installed that a replica keeps.
const EARLY_MAX: usize = 64;
/// Sequence numbers whose CHECKPOINT votes a replica keeps.
const CHECKPOINTS_MAX: usize = 16;
/// Old messages a replaying replica remembers.
const REPLAY_MAX: usize = 16;
/// The view-change timeout doubles per failed view change, up to 2^this times.
const BACKOFF_SHIFT_MAX: u32 = 3;

/// How a replica behaves. Everything but `Honest` is Byzantine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Follows the protocol.
    #[default]
    Honest,
    /// Sends nothing at all.
    Silent,
    /// As primary, sends different pre-prepares for one sequence number to different backups,
    /// and commits every digest it sees.
    Equivocate,
    /// Replies to clients with a wrong result (the same wrong result as every other liar).
    Lie,
    /// Prepares and commits every digest it sees, plus one it makes up.
    Conflict,
    /// Re-sends its own old messages at random.
    Replay,
    /// As primary, holds every request for just under the view-change timeout.
    Slow,
}

impl Mode {
    /// Every Byzantine mode with its name, in menu order.
    pub const BYZANTINE: [(Mode, &'static str); 6] =
        [(Mode::Silent, "silent"), (Mode::Equivocate, "equivocate"), (Mode::Lie, "lie"), (Mode::Conflict, "conflict"), (Mode::Replay, "replay"), (Mode::Slow, "slow")];

    /// The mode's name (`honest` for the correct one).
    pub fn name(self) -> &'static str {
        Mode::BYZANTINE.iter().find(|(m, _)| *m == self).map_or("honest", |(_, n)| n)
    }

    /// The mode named `name`.
    pub fn parse(name: &str) -> Option<Mode> {
        if name == "honest" || name == "off" {
            return Some(Mode::Honest);
        }
        Mode::BYZANTINE.iter().find(|(_, n)| *n == name).map(|(m, _)| *m)
    }
}

/// Votes for one (view, digest) at one sequence number: a bit per replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Votes {
    /// View.
    pub view: View,
    /// Digest.
    pub digest: Digest,
    /// Replicas whose PREPARE this replica holds.
    pub prepares: u16,
    /// Replicas whose COMMIT this replica holds.
    pub commits: u16,
}

/// A replica's log entry for one sequence number above its low watermark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The accepted pre-prepare: (view, digest, request).
    pub pp: Option<(View, Digest, Option<Request>)>,
    /// Prepares and commits held, per (view, digest).
    pub votes: Vec<Votes>,
    /// The latest prepared certificate.
    pub prepared: Option<Cert>,
    /// Committed-local: the digest and request (kept across views).
    pub committed: Option<(View, Digest, Option<Request>)>,
}

impl Entry {
    /// The vote set for (view, digest), if held.
    pub fn votes(&self, view: View, digest: Digest) -> Option<&Votes> {
        self.votes.iter().find(|v| v.view == view && v.digest == digest)
    }

    fn votes_mut(&mut self, view: View, digest: Digest) -> Option<&mut Votes> {
        if let Some(i) = self.votes.iter().position(|v| v.view == view && v.digest == digest) {
            return Some(&mut self.votes[i]);
        }
        if self.votes.len() >= VOTES_MAX {
            return None;
        }
        self.votes.push(Votes { view, digest, prepares: 0, commits: 0 });
        self.votes.last_mut()
    }
}

/// An execution: (seq, digest, and for a request executed for the first time its client,
/// timestamp and the correct result).
pub type Executed = (Seq, Digest, Option<(NodeId, u64, u64)>);
/// A NEW-VIEW as sent: (view, V, O).
pub type NewViewSent = (View, Vec<(NodeId, ViewChange)>, Vec<Cert>);

/// What one step did, for the checker and the metrics; cleared at the start of every step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    /// Became prepared: (view, seq, digest).
    pub prepared: Vec<(View, Seq, Digest)>,
    /// Became committed-local: (view, seq, digest).
    pub committed: Vec<(View, Seq, Digest)>,
    /// Executed: (seq, digest, and for a request executed for the first time its client,
    /// timestamp and the correct result).
    pub executed: Vec<Executed>,
    /// Network messages sent.
    pub sent: u32,
    /// Pre-prepares with two different digests sent for one sequence number.
    pub equivocations: u32,
    /// A new view was installed.
    pub new_view: bool,
    /// A state transfer was installed.
    pub transferred: bool,
}

/// A replica's whole state. PBFT keeps it in memory; here it all survives a crash (the
/// paper's replicas would otherwise need the recovery of the TOCS paper, §4 and §5).
#[derive(Clone, Debug)]
pub struct Replica {
    /// This replica.
    pub id: NodeId,
    /// Current view.
    pub view: View,
    /// A view change to `view` is under way (no NEW-VIEW accepted yet).
    pub changing: bool,
    /// The message log, above the low watermark.
    pub log: PMap<Seq, Entry>,
    /// Low watermark: sequence number of the last stable checkpoint.
    pub low: Seq,
    /// Its state digest, and the signers of its certificate.
    pub stable: (Digest, u16),
    /// The state at the last stable checkpoint (for state transfer).
    pub stable_store: Store,
    /// Highest sequence number executed.
    pub executed: Seq,
    /// The service state.
    pub store: Store,
    /// Primary: next sequence number to assign.
    pub next_seq: Seq,
    /// Requests received and not yet executed, one per client (the view-change timer runs
    /// while there is any).
    pub pending: SmallMap<NodeId, Request>,
    /// Primary: the latest timestamp per client given a sequence number in this view.
    pub assigned: SmallMap<NodeId, u64>,
    /// CHECKPOINT votes above the low watermark: seq → [(state digest, signers)].
    pub checkpoints: SmallMap<Seq, Vec<(Digest, u16)>>,
    /// Own checkpoint states not yet stable.
    pub own_checkpoints: SmallMap<Seq, Store>,
    /// A certified checkpoint this replica is fetching the state of.
    pub fetching: Option<(Seq, Digest, u16)>,
    /// The latest VIEW-CHANGE from each replica for a view at or above this one.
    pub vcs: SmallMap<NodeId, ViewChange>,
    /// Failed view changes in a row (the timeout doubles each time).
    pub vc_attempts: u32,
    /// The NEW-VIEW this replica sent as primary (resent to laggards).
    pub last_new_view: Option<NewViewSent>,
    /// When the view-change timer was armed and when it fires.
    pub timer: Option<(Time, Time)>,
    /// Byzantine behaviour chosen from the menu.
    pub mode: Mode,
    /// The kernel's Byzantine switch, as last seen (it means `silent` if no mode is chosen).
    pub switch: bool,
    /// Slow primary: requests held back, with the time each may go.
    pub stalled: Vec<(Time, Request)>,
    /// Replaying replica: its own old messages.
    pub replay: Vec<(NodeId, Msg)>,
    /// Normal-case messages for a view this replica has not installed yet (they can overtake
    /// the NEW-VIEW), handled once it does.
    pub early: Vec<(NodeId, Msg)>,
    /// Output of the last step.
    pub ready: Ready,
}

fn bit(id: NodeId) -> u16 {
    1u16 << (id & 15)
}

impl Replica {
    /// A fresh replica in view 0.
    pub fn new(id: NodeId) -> Replica {
        Replica {
            id,
            view: 0,
            changing: false,
            log: PMap::new(),
            low: 0,
            stable: (state_digest(&Store::default()), 0),
            stable_store: Store::default(),
            executed: 0,
            store: Store::default(),
            next_seq: 1,
            pending: SmallMap::new(),
            assigned: SmallMap::new(),
            checkpoints: SmallMap::new(),
            own_checkpoints: SmallMap::new(),
            fetching: None,
            vcs: SmallMap::new(),
            vc_attempts: 0,
            last_new_view: None,
            timer: None,
            mode: Mode::Honest,
            switch: false,
            stalled: Vec::new(),
            replay: Vec::new(),
            early: Vec::new(),
            ready: Ready::default(),
        }
    }

    /// The behaviour in effect: the chosen mode, or `silent` if only the kernel's switch is on.
    pub fn effective(&self) -> Mode {
        match (self.mode, self.switch) {
            (Mode::Honest, true) => Mode::Silent,
            (m, _) => m,
        }
    }

    /// Whether this replica misbehaves now.
    pub fn byzantine(&self) -> bool {
        self.effective() != Mode::Honest
    }

    /// Whether this replica is the primary of its view.
    pub fn is_primary(&self, cfg: &Pbft) -> bool {
        primary(self.view, cfg.n()) == self.id
    }

    // ----- sending -----

    fn send(&mut self, to: NodeId, msg: Msg, ctx: &mut Ctx<Pbft>) {
        if self.effective() == Mode::Silent {
            return;
        }
        if self.effective() == Mode::Replay && !matches!(msg, Msg::Reply { .. } | Msg::State { .. }) {
            if self.replay.len() >= REPLAY_MAX {
                self.replay.remove(0);
            }
            self.replay.push((to, msg.clone()));
        }
        self.ready.sent += 1;
        ctx.send(to, msg);
    }

    /// Sends to every other replica.
    fn multicast(&mut self, cfg: &Pbft, msg: &Msg, ctx: &mut Ctx<Pbft>) {
        for r in 0..cfg.n() {
            if r != self.id {
                self.send(r, msg.clone(), ctx);
            }
        }
    }

    // ----- timers -----

    fn vc_timeout(&self, cfg: &Pbft) -> Time {
        cfg.vc_ms * crate::MS * (1u64 << self.vc_attempts.min(BACKOFF_SHIFT_MAX))
    }

    fn arm(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        let after = self.vc_timeout(cfg);
        ctx.set_timer(super::Timer::ViewChange, after);
        self.timer = Some((ctx.now(), ctx.now() + after));
    }

    fn disarm(&mut self, ctx: &mut Ctx<Pbft>) {
        if self.timer.take().is_some() {
            ctx.cancel_timer(super::Timer::ViewChange);
        }
    }

    /// Starts the timer if a request waits and it is not running (OSDI §4.4).
    fn wait_for_requests(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        if !self.pending.is_empty() && self.timer.is_none() {
            self.arm(cfg, ctx);
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, cfg: &Pbft, timer: super::Timer, ctx: &mut Ctx<Pbft>) {
        self.begin(ctx);
        match timer {
            super::Timer::ViewChange => {
                self.timer = None;
                if self.effective() == Mode::Silent {
                    return;
                }
                if let Some((seq, _, _)) = self.fetching {
                    // The state may have been lost on the way: ask everyone again.
                    self.multicast(cfg, &Msg::Fetch { seq }, ctx);
                }
                let mut next = self.view + 1;
                if self.changing {
                    self.vc_attempts += 1;
                    // Another replica already asks for a higher view (it timed out more often,
                    // cut off): go there rather than one view up, or the two never meet.
                    let ahead = self.vcs.iter().filter(|(r, m)| **r != self.id && m.view > next).map(|(_, m)| m.view).max();
                    next = ahead.unwrap_or(next);
                }
                ctx.announce(format_args!("R{}'s timer expires in view {}: it asks for view {next}", self.id, self.view));
                self.start_view_change(cfg, next, ctx);
            }
            super::Timer::Stall => self.release_stalled(cfg, ctx),
            _ => {}
        }
    }

    fn begin(&mut self, ctx: &mut Ctx<Pbft>) {
        self.ready = Ready::default();
        self.switch = ctx.byzantine();
    }

    // ----- normal case -----

    /// A request from a client (or relayed by a backup).
    fn on_request(&mut self, cfg: &Pbft, from: NodeId, r: Request, ctx: &mut Ctx<Pbft>) {
        let Some(c) = cfg.client_slot(r.client) else { return };
        if from >= cfg.n() && from != r.client {
            return; // Only the client itself can sign its request.
        }
        let (last_ts, last_result) = self.store.last[c];
        if r.ts <= last_ts {
            if r.ts == last_ts && from == r.client {
                // Executed already: the reply may have been lost (OSDI §4.1).
                let result = self.result_for(last_result);
                self.send(r.client, Msg::Reply { view: self.view, ts: r.ts, result }, ctx);
            }
            return;
        }
        if self.pending.get(&r.client).is_some_and(|p| p.ts > r.ts) {
            return;
        }
        self.pending.insert(r.client, r);
        if self.is_primary(cfg) && !self.changing {
            if self.effective() == Mode::Slow {
                if !self.stalled.iter().any(|(_, s)| *s == r) {
                    let at = ctx.now() + cfg.vc_ms * crate::MS * 8 / 10;
                    if self.stalled.is_empty() {
                        ctx.set_timer(super::Timer::Stall, at - ctx.now());
                    }
                    self.stalled.push((at, r));
                }
                return;
            }
            self.assign_pending(cfg, ctx);
        } else {
            if from == r.client && !self.changing {
                // A backup passes the request on and waits for it to execute.
                let p = primary(self.view, cfg.n());
                self.send(p, Msg::Request(r), ctx);
            }
            self.wait_for_requests(cfg, ctx);
        }
    }

    fn release_stalled(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        while let Some(&(at, _)) = self.stalled.first() {
            if at > ctx.now() {
                ctx.set_timer(super::Timer::Stall, at - ctx.now());
                break;
            }
            self.stalled.remove(0);
        }
        if self.is_primary(cfg) && !self.changing {
            ctx.note(format!("R{} (slow primary) finally orders the requests it held back", self.id));
            self.assign_pending(cfg, ctx);
        }
    }

    /// Primary: gives pending requests sequence numbers while the window has room.
    fn assign_pending(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        if self.effective() == Mode::Slow && !self.stalled.is_empty() {
            return;
        }
        let todo: Vec<Request> = self.pending.values().filter(|r| self.assigned.get(&r.client).is_none_or(|ts| *ts < r.ts)).copied().collect();
        for r in todo {
            if !in_window(self.next_seq, self.low, cfg.window()) {
                ctx.note(format!("R{}: sequence {} is above the high watermark {}; requests wait for a checkpoint", self.id, self.next_seq, self.low + cfg.window()));
                return;
            }
            let seq = self.next_seq;
            self.next_seq += 1;
            self.assigned.insert(r.client, r.ts);
            let d = digest(&r);
            if self.effective() == Mode::Equivocate {
                // A different request (another client's, or the null request) for half the backups.
                let other = self.pending.values().find(|o| o.client != r.client && self.assigned.get(&o.client).is_none_or(|ts| *ts < o.ts)).copied();
                if let Some(o) = other {
                    self.assigned.insert(o.client, o.ts);
                }
                let d2 = other.map_or(NULL, |o| digest(&o));
                ctx.announce(format_args!("R{} (Byzantine primary) equivocates at sequence {seq}: {} to some backups, {} to others", self.id, r.text(), other.map_or("the null request".into(), |o| o.text())));
                self.ready.equivocations += 1;
                // The first half of the backups (rounded down) get one, the rest the other.
                let mut k = 0;
                for b in 0..cfg.n() {
                    if b == self.id {
                        continue;
                    }
                    k += 1;
                    let msg = if k <= (cfg.n() - 1) / 2 { Msg::PrePrepare { view: self.view, seq, digest: d, req: Some(r) } } else { Msg::PrePrepare { view: self.view, seq, digest: d2, req: other } };
                    self.send(b, msg, ctx);
                }
                self.accept_pre_prepare(cfg, self.view, seq, d, Some(r), ctx);
                continue;
            }
            ctx.note(format!("R{} (primary) assigns sequence {seq} to {}", self.id, r.text()));
            self.multicast(cfg, &Msg::PrePrepare { view: self.view, seq, digest: d, req: Some(r) }, ctx);
            self.accept_pre_prepare(cfg, self.view, seq, d, Some(r), ctx);
        }
    }

    /// Records a pre-prepare accepted in `view` and, at a backup, multicasts the PREPARE.
    fn accept_pre_prepare(&mut self, cfg: &Pbft, view: View, seq: Seq, d: Digest, req: Option<Request>, ctx: &mut Ctx<Pbft>) {
        let mut e = self.log.get(&seq).cloned().unwrap_or_default();
        e.pp = Some((view, d, req));
        if let Some(r) = req {
            if !self.is_primary(cfg) && r.ts > self.store.last[cfg.client_slot(r.client).unwrap_or(0)].0 {
                self.pending.get_or_insert(r.client, r);
            }
        }
        self.log.insert_mut(seq, e);
        if primary(view, cfg.n()) != self.id {
            self.vote(cfg, view, seq, d, true, ctx);
        }
        self.check(cfg, seq, ctx);
        self.wait_for_requests(cfg, ctx);
    }

    /// Sends (and records) this replica's PREPARE or COMMIT for (view, seq, digest), once.
    fn vote(&mut self, cfg: &Pbft, view: View, seq: Seq, d: Digest, prepare: bool, ctx: &mut Ctx<Pbft>) {
        let me = bit(self.id);
        let Some(mut e) = self.log.get(&seq).cloned() else { return };
        let Some(v) = e.votes_mut(view, d) else { return };
        let mask = if prepare { &mut v.prepares } else { &mut v.commits };
        if *mask & me != 0 {
            return;
        }
        *mask |= me;
        self.log.insert_mut(seq, e);
        let msg = if prepare { Msg::Prepare { view, seq, digest: d } } else { Msg::Commit { view, seq, digest: d } };
        self.multicast(cfg, &msg, ctx);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_pre_prepare(&mut self, cfg: &Pbft, from: NodeId, view: View, seq: Seq, d: Digest, req: Option<Request>, ctx: &mut Ctx<Pbft>) {
        // OSDI §4.2: signed by the primary of the current view, digest matches, in the window,
        // and no other pre-prepare accepted for (view, seq) with a different digest.
        let ok_digest = match req {
            Some(r) => digest(&r) == d && cfg.client_slot(r.client).is_some(),
            None => d == NULL,
        };
        if from != primary(view, cfg.n()) || view != self.view || self.changing || !ok_digest || !in_window(seq, self.low, cfg.window()) {
            return;
        }
        if self.byzantine_votes() {
            self.echo(cfg, view, seq, d, ctx);
        }
        match self.log.get(&seq).and_then(|e| e.pp) {
            Some((v, d0, _)) if v == view => {
                if d0 != d {
                    ctx.note(format!("R{} rejects a second pre-prepare for sequence {seq} in view {view} with another digest", self.id));
                }
            }
            _ => self.accept_pre_prepare(cfg, view, seq, d, req, ctx),
        }
    }

    fn byzantine_votes(&self) -> bool {
        matches!(self.effective(), Mode::Conflict | Mode::Equivocate)
    }

    /// A Byzantine voter prepares and commits whatever digest it sees (and, in `conflict`
    /// mode, one it makes up), so as to help conflicting requests to a quorum.
    fn echo(&mut self, cfg: &Pbft, view: View, seq: Seq, d: Digest, ctx: &mut Ctx<Pbft>) {
        if !self.log.contains_key(&seq) {
            self.log.insert_mut(seq, Entry::default());
        }
        let mut digests = alloc::vec![d];
        if self.effective() == Mode::Conflict && d != NULL {
            digests.push(d ^ 0x00ba_d0ba_d000);
        }
        for d in digests {
            if primary(view, cfg.n()) != self.id {
                self.vote(cfg, view, seq, d, true, ctx);
            }
            self.vote(cfg, view, seq, d, false, ctx);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_vote(&mut self, cfg: &Pbft, from: NodeId, view: View, seq: Seq, d: Digest, prepare: bool, ctx: &mut Ctx<Pbft>) {
        // OSDI §4.2: accepted if in the current view and the window; a primary's PREPARE is
        // not a backup's and does not count.
        if from >= cfg.n() || view != self.view || self.changing || !in_window(seq, self.low, cfg.window()) {
            return;
        }
        if prepare && from == primary(view, cfg.n()) {
            return;
        }
        if self.byzantine_votes() {
            self.echo(cfg, view, seq, d, ctx);
        }
        let mut e = self.log.get(&seq).cloned().unwrap_or_default();
        let Some(v) = e.votes_mut(view, d) else { return };
        let mask = if prepare { &mut v.prepares } else { &mut v.commits };
        if *mask & bit(from) != 0 {
            return; // A duplicate, or a replay.
        }
        *mask |= bit(from);
        self.log.insert_mut(seq, e);
        self.check(cfg, seq, ctx);
    }

    /// Moves an entry on: prepared (pre-prepare + 2f prepares) → COMMIT; committed-local
    /// (prepared + 2f + 1 commits) → execute.
    fn check(&mut self, cfg: &Pbft, seq: Seq, ctx: &mut Ctx<Pbft>) {
        let Some(e) = self.log.get(&seq) else { return };
        let Some((view, d, req)) = e.pp else { return };
        if view != self.view {
            return;
        }
        let Some(v) = e.votes(view, d).copied() else { return };
        let p = primary(view, cfg.n());
        let prepared_now = (v.prepares & !bit(p)).count_ones() >= prepare_quorum(cfg.n(), cfg.f);
        let already = e.prepared.is_some_and(|c| c.view == view && c.digest == d);
        if prepared_now && !already {
            let mut e = e.clone();
            e.prepared = Some(Cert { seq, view, digest: d, req });
            self.log.insert_mut(seq, e);
            self.ready.prepared.push((view, seq, d));
            self.vote(cfg, view, seq, d, false, ctx);
        }
        let Some(e) = self.log.get(&seq) else { return };
        let prepared = e.prepared.is_some_and(|c| c.view == view && c.digest == d);
        let commits = e.votes(view, d).map_or(0, |v| v.commits.count_ones());
        if prepared && commits >= quorum(cfg.n(), cfg.f) && e.committed.is_none_or(|(cv, _, _)| cv != view) {
            let mut e = e.clone();
            e.committed = Some((view, d, req));
            self.log.insert_mut(seq, e);
            self.ready.committed.push((view, seq, d));
            self.execute(cfg, ctx);
        }
    }

    fn result_for(&self, honest: u64) -> u64 {
        if self.effective() == Mode::Lie {
            honest + 1_000
        } else {
            honest
        }
    }

    /// Executes committed requests in sequence order and replies to their clients.
    fn execute(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        let mut done = false;
        while let Some((_, d, req)) = self.log.get(&(self.executed + 1)).and_then(|e| e.committed) {
            self.executed += 1;
            done = true;
            let seq = self.executed;
            let mut first = None;
            if let Some(r) = req {
                let c = cfg.client_slot(r.client).unwrap_or(0);
                if r.ts > self.store.last[c].0 {
                    let result = self.store.apply(c, &r);
                    first = Some((r.client, r.ts, result));
                    let lie = self.result_for(result);
                    self.send(r.client, Msg::Reply { view: self.view, ts: r.ts, result: lie }, ctx);
                }
                if self.pending.get(&r.client).is_some_and(|p| p.ts <= r.ts) {
                    self.pending.remove(&r.client);
                }
            }
            self.ready.executed.push((seq, d, first));
            if seq % cfg.checkpoint == 0 {
                self.own_checkpoints.insert(seq, self.store);
                let state = state_digest(&self.store);
                self.multicast(cfg, &Msg::Checkpoint { seq, state }, ctx);
                self.on_checkpoint(cfg, self.id, seq, state, ctx);
            }
        }
        if done {
            // OSDI §4.4: the timer stops when no request waits, and restarts if one still does.
            self.disarm(ctx);
            self.vc_attempts = 0;
            self.wait_for_requests(cfg, ctx);
        }
    }

    // ----- checkpoints and state transfer -----

    fn on_checkpoint(&mut self, cfg: &Pbft, from: NodeId, seq: Seq, state: Digest, ctx: &mut Ctx<Pbft>) {
        if seq <= self.low || from >= cfg.n() || seq % cfg.checkpoint != 0 {
            return;
        }
        if !self.checkpoints.contains_key(&seq) && self.checkpoints.len() >= CHECKPOINTS_MAX {
            // Bounded: a newer checkpoint than any kept is dropped, an older one evicts the newest.
            let top = self.checkpoints.keys().next_back().copied();
            match top {
                Some(top) if top > seq => {
                    self.checkpoints.remove(&top);
                }
                _ => return,
            }
        }
        let votes = self.checkpoints.get_or_insert(seq, Vec::new());
        let i = match votes.iter().position(|(d, _)| *d == state) {
            Some(i) => i,
            None if votes.len() < VOTES_MAX => {
                votes.push((state, 0));
                votes.len() - 1
            }
            None => return,
        };
        votes[i].1 |= bit(from);
        let signers = votes[i].1;
        if signers.count_ones() >= quorum(cfg.n(), cfg.f) {
            self.stabilise(cfg, seq, state, signers, ctx);
        }
    }

    /// A checkpoint with 2f + 1 matching CHECKPOINTs is stable (OSDI §4.3): the low watermark
    /// moves up, and the log, older checkpoints and their votes are discarded.
    fn stabilise(&mut self, cfg: &Pbft, seq: Seq, state: Digest, signers: u16, ctx: &mut Ctx<Pbft>) {
        if seq <= self.low {
            return;
        }
        match self.own_checkpoints.get(&seq) {
            Some(s) if state_digest(s) == state => {
                self.stable_store = *s;
                ctx.note(format!("R{}: checkpoint {seq} is stable; log entries up to {seq} are discarded", self.id));
                self.set_low(cfg, seq, state, signers);
            }
            // Executed past it without keeping its state: move on, but serve no state at `seq`.
            _ if self.executed >= seq => self.set_low(cfg, seq, state, 0),
            _ => {
                // Behind: move the window, and fetch the state from the replicas that vouched.
                ctx.note(format!("R{} is behind stable checkpoint {seq}: it fetches the state", self.id));
                self.set_low(cfg, seq, state, 0);
                self.fetch(cfg, seq, state, signers, ctx);
            }
        }
        if self.is_primary(cfg) && !self.changing {
            self.assign_pending(cfg, ctx);
        }
    }

    fn fetch(&mut self, cfg: &Pbft, seq: Seq, state: Digest, signers: u16, ctx: &mut Ctx<Pbft>) {
        if self.executed >= seq || self.fetching.is_some_and(|(s, _, _)| s >= seq) {
            return;
        }
        self.fetching = Some((seq, state, signers));
        for r in 0..cfg.n() {
            if signers & bit(r) != 0 && r != self.id {
                self.send(r, Msg::Fetch { seq }, ctx);
            }
        }
    }

    fn set_low(&mut self, _cfg: &Pbft, seq: Seq, state: Digest, signers: u16) {
        if self.fetching.is_some_and(|(s, _, _)| self.executed >= s) {
            self.fetching = None;
        }
        self.low = seq;
        self.stable = (state, signers);
        self.next_seq = self.next_seq.max(seq + 1);
        while let Some((&s, _)) = self.log.first() {
            if s > seq {
                break;
            }
            self.log.remove_mut(&s);
        }
        self.checkpoints.retain(|s, _| *s > seq);
        self.own_checkpoints.retain(|s, _| *s > seq);
    }

    fn on_fetch(&mut self, from: NodeId, seq: Seq, ctx: &mut Ctx<Pbft>) {
        if self.low >= seq && self.low > 0 && from != self.id && self.stable.1 != 0 {
            let (store, proof) = (self.stable_store, self.stable.1);
            let seq = self.low;
            self.send(from, Msg::State { seq, store, proof }, ctx);
        }
    }

    fn on_state(&mut self, cfg: &Pbft, seq: Seq, store: Store, proof: u16, ctx: &mut Ctx<Pbft>) {
        if seq <= self.executed || seq < self.low || proof.count_ones() < quorum(cfg.n(), cfg.f) {
            return;
        }
        if let Some((s, d, _)) = self.fetching {
            if s == seq && state_digest(&store) != d {
                return;
            }
        }
        ctx.announce(format_args!("R{} installs the state of checkpoint {seq} by state transfer", self.id));
        self.store = store;
        self.executed = seq;
        self.stable_store = store;
        self.fetching = None;
        self.ready.transferred = true;
        let state = state_digest(&store);
        self.set_low(cfg, seq, state, proof);
        for (c, (ts, _)) in store.last.iter().enumerate() {
            let client = cfg.n() + c as u32;
            if self.pending.get(&client).is_some_and(|p| p.ts <= *ts) {
                self.pending.remove(&client);
            }
        }
        self.execute(cfg, ctx);
        if self.pending.is_empty() {
            self.disarm(ctx);
        }
    }

    // ----- view change -----

    fn certs(&self) -> Vec<Cert> {
        self.log.iter().filter(|(s, _)| **s > self.low).filter_map(|(_, e)| e.prepared).collect()
    }

    /// Moves to view `v` and multicasts a VIEW-CHANGE (OSDI §4.4).
    fn start_view_change(&mut self, cfg: &Pbft, v: View, ctx: &mut Ctx<Pbft>) {
        if v <= self.view && !(v == self.view && self.changing) {
            return;
        }
        let vc = ViewChange { view: v, stable: self.low, state: self.stable.0, proof: self.stable.1, prepared: self.certs() };
        self.view = v;
        self.changing = true;
        self.assigned.clear();
        self.stalled.clear();
        self.vcs.retain(|_, m| m.view >= v);
        self.vcs.insert(self.id, vc.clone());
        self.multicast(cfg, &Msg::ViewChange(vc), ctx);
        self.arm(cfg, ctx);
        self.try_new_view(cfg, ctx);
    }

    fn on_view_change(&mut self, cfg: &Pbft, from: NodeId, vc: ViewChange, ctx: &mut Ctx<Pbft>) {
        if from >= cfg.n() {
            return;
        }
        if vc.view == self.view && !self.changing && self.is_primary(cfg) {
            // A laggard still asks for the view this primary already started: resend NEW-VIEW.
            if let Some((v, vcs, pps)) = self.last_new_view.clone() {
                if v == self.view {
                    self.send(from, Msg::NewView { view: v, vcs, pps }, ctx);
                }
            }
            return;
        }
        if vc.view < self.view || (vc.view == self.view && !self.changing) || vc.view > self.view.saturating_add(VIEWS_AHEAD_MAX) {
            return;
        }
        if self.vcs.get(&from).is_some_and(|m| m.view >= vc.view) {
            return;
        }
        self.vcs.insert(from, vc);
        // OSDI §4.5.2: f + 1 VIEW-CHANGEs for higher views prove a correct replica wants one:
        // join the smallest of them.
        let higher: Vec<View> = self.vcs.iter().filter(|(r, m)| **r != self.id && m.view > self.view).map(|(_, m)| m.view).collect();
        if higher.len() as u32 > cfg.f {
            let v = higher.iter().copied().min().unwrap_or(self.view + 1);
            ctx.note(format!("R{} sees f + 1 view-changes for higher views and joins view {v}", self.id));
            self.start_view_change(cfg, v, ctx);
            return;
        }
        self.try_new_view(cfg, ctx);
    }

    /// The new primary: once it holds 2f + 1 VIEW-CHANGEs for its view, it multicasts NEW-VIEW.
    fn try_new_view(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        if !self.changing || !self.is_primary(cfg) {
            return;
        }
        let vcs: Vec<(NodeId, ViewChange)> = self.vcs.iter().filter(|(_, m)| m.view == self.view).map(|(r, m)| (*r, m.clone())).collect();
        if (vcs.len() as u32) < quorum(cfg.n(), cfg.f) {
            return;
        }
        let (_, _, pps) = new_view_pps(&vcs);
        ctx.announce(format_args!("R{} is primary of view {}: NEW-VIEW with {} view-changes re-issues {} pre-prepare(s)", self.id, self.view, vcs.len(), pps.len()));
        self.multicast(cfg, &Msg::NewView { view: self.view, vcs: vcs.clone(), pps: pps.clone() }, ctx);
        self.last_new_view = Some((self.view, vcs.clone(), pps.clone()));
        self.install(cfg, &vcs, &pps, ctx);
    }

    fn on_new_view(&mut self, cfg: &Pbft, from: NodeId, view: View, vcs: Vec<(NodeId, ViewChange)>, pps: Vec<Cert>, ctx: &mut Ctx<Pbft>) {
        if from != primary(view, cfg.n()) || view < self.view || (view == self.view && !self.changing) {
            return;
        }
        // Check V (2f + 1 view-changes for this view from different replicas) and recompute O.
        let mut senders = 0u16;
        for (r, m) in &vcs {
            if m.view != view || *r >= cfg.n() {
                return;
            }
            senders |= bit(*r);
        }
        if senders.count_ones() < quorum(cfg.n(), cfg.f) || new_view_pps(&vcs).2 != pps {
            ctx.note(format!("R{} rejects a NEW-VIEW for view {view} that does not follow from its view-changes", self.id));
            return;
        }
        self.view = view;
        self.changing = true;
        self.install(cfg, &vcs, &pps, ctx);
    }

    /// Enters the new view: the latest stable checkpoint in V, then the pre-prepares of O.
    fn install(&mut self, cfg: &Pbft, vcs: &[(NodeId, ViewChange)], pps: &[Cert], ctx: &mut Ctx<Pbft>) {
        let (min_s, state, _) = new_view_pps(vcs);
        self.changing = false;
        self.vc_attempts = 0;
        self.ready.new_view = true;
        self.assigned.clear();
        self.vcs.retain(|_, m| m.view > self.view);
        self.disarm(ctx);
        if min_s > self.low {
            // The latest stable checkpoint in V becomes this replica's low watermark too.
            let signers = vcs.iter().filter(|(_, m)| m.stable == min_s).fold(0u16, |a, (_, m)| a | m.proof);
            match self.own_checkpoints.get(&min_s).copied() {
                Some(s) if state_digest(&s) == state => {
                    self.stable_store = s;
                    self.set_low(cfg, min_s, state, signers);
                }
                _ => {
                    self.set_low(cfg, min_s, state, 0);
                    self.fetch(cfg, min_s, state, signers, ctx);
                }
            }
        }
        // Drop pre-prepares and votes of older views; keep prepared and committed records.
        let keys: Vec<Seq> = self.log.keys().copied().collect();
        for s in keys {
            if let Some(mut e) = self.log.get(&s).cloned() {
                e.pp = None;
                e.votes.retain(|v| v.view >= self.view);
                self.log.insert_mut(s, e);
            }
        }
        let top = pps.last().map_or(min_s, |c| c.seq).max(min_s);
        self.next_seq = top + 1;
        for c in pps {
            if c.seq > self.low {
                if let Some(r) = c.req {
                    self.assigned.insert(r.client, r.ts);
                }
                if in_window(c.seq, self.low, cfg.window()) {
                    self.accept_pre_prepare(cfg, self.view, c.seq, c.digest, c.req, ctx);
                }
            }
        }
        if self.is_primary(cfg) {
            self.assign_pending(cfg, ctx);
        } else {
            // Requests waiting go to the new primary.
            let p = primary(self.view, cfg.n());
            let waiting: Vec<Request> = self.pending.values().copied().collect();
            for r in waiting {
                self.send(p, Msg::Request(r), ctx);
            }
        }
        // Messages of this view that overtook the NEW-VIEW.
        let early = core::mem::take(&mut self.early);
        for (from, m) in early {
            match m {
                Msg::PrePrepare { view, .. } | Msg::Prepare { view, .. } | Msg::Commit { view, .. } if view == self.view => self.handle(cfg, from, m, ctx),
                Msg::PrePrepare { view, .. } | Msg::Prepare { view, .. } | Msg::Commit { view, .. } if view > self.view => self.early.push((from, m)),
                _ => {}
            }
        }
        self.wait_for_requests(cfg, ctx);
    }

    // ----- Byzantine replay -----

    fn maybe_replay(&mut self, ctx: &mut Ctx<Pbft>) {
        if self.effective() != Mode::Replay || self.replay.is_empty() || !ctx.rng().chance(0.3) {
            return;
        }
        let i = ctx.rng().below(self.replay.len() as u32) as usize;
        let (to, msg) = self.replay[i].clone();
        self.ready.sent += 1;
        ctx.send(to, msg);
    }

    // ----- dispatch -----

    /// Handles a message.
    pub fn on_message(&mut self, cfg: &Pbft, from: NodeId, msg: Msg, ctx: &mut Ctx<Pbft>) {
        self.begin(ctx);
        if self.effective() == Mode::Silent {
            return;
        }
        if let Msg::PrePrepare { view, .. } | Msg::Prepare { view, .. } | Msg::Commit { view, .. } = msg {
            if view > self.view || (view == self.view && self.changing) {
                if self.early.len() >= EARLY_MAX {
                    self.early.remove(0);
                }
                self.early.push((from, msg));
                return;
            }
        }
        self.handle(cfg, from, msg, ctx);
        self.maybe_replay(ctx);
    }

    fn handle(&mut self, cfg: &Pbft, from: NodeId, msg: Msg, ctx: &mut Ctx<Pbft>) {
        match msg {
            Msg::Request(r) => self.on_request(cfg, from, r, ctx),
            Msg::PrePrepare { view, seq, digest, req } => self.on_pre_prepare(cfg, from, view, seq, digest, req, ctx),
            Msg::Prepare { view, seq, digest } => self.on_vote(cfg, from, view, seq, digest, true, ctx),
            Msg::Commit { view, seq, digest } => self.on_vote(cfg, from, view, seq, digest, false, ctx),
            Msg::Checkpoint { seq, state } => self.on_checkpoint(cfg, from, seq, state, ctx),
            Msg::ViewChange(vc) => self.on_view_change(cfg, from, vc, ctx),
            Msg::NewView { view, vcs, pps } => self.on_new_view(cfg, from, view, vcs, pps, ctx),
            Msg::Fetch { seq } => self.on_fetch(from, seq, ctx),
            Msg::State { seq, store, proof } => self.on_state(cfg, seq, store, proof, ctx),
            Msg::Reply { .. } => {}
        }
    }

    /// Sets the Byzantine behaviour (from the node menu or a scenario).
    pub fn set_mode(&mut self, cfg: &Pbft, mode: Mode, ctx: &mut Ctx<Pbft>) {
        self.begin(ctx);
        let was = self.mode;
        self.mode = mode;
        if mode == Mode::Honest {
            ctx.announce(format_args!("R{} follows the protocol again (it stays counted as faulty)", self.id));
        } else {
            ctx.announce(format_args!("R{} turns Byzantine: {}", self.id, mode.name()));
        }
        if was == Mode::Slow && mode != Mode::Slow {
            self.stalled.clear();
            if self.is_primary(cfg) && !self.changing {
                self.assign_pending(cfg, ctx);
            }
        }
    }

    /// Forces this replica's view-change timer to expire now.
    pub fn force_view_change(&mut self, cfg: &Pbft, ctx: &mut Ctx<Pbft>) {
        self.begin(ctx);
        self.disarm(ctx);
        ctx.announce(format_args!("R{} suspects the primary and asks for view {}", self.id, self.view + 1));
        self.start_view_change(cfg, self.view + 1, ctx);
    }
}
