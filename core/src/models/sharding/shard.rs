//! A shard server: its keys, its queue, replication, and its side of the handoff.
//!
//! Data is a persistent map key → version: a snapshot of a shard holding 100,000 keys shares
//! them with the previous snapshot. Operations wait in a queue and are served one at a time
//! (mean `service_us`), so a hot shard shows up as latency. The routing check happens when an
//! operation is served, against the shard's current table:
//! - not an owner (or not the primary, for a write): redirect with my table if the client's is
//!   older, retry if mine is older (my commit is on its way);
//! - a key frozen by the handoff: retry.
//!
//! With a local secondary index a shard also keeps, per tag, the number of keys it is primary
//! for: bumped when a write creates a key, recounted whenever its table or data set changes
//! wholesale (a commit, a restart, a lost disk). With a global index it holds index entries
//! like any other keys and answers a query for a tag it owns by counting that tag's entries.

use super::index::{self, Index};
use super::table::Owners;
use super::{Cmd, MemberChange, Msg, Mutation, Obs, Op, OpKind, Outcome, Sharding, Table, Timer, HANDOFF_TICK, OP_TIMEOUT, QUEUE_MAX, REPORT_INTERVAL};
use crate::model::Ctx;
use crate::persist::PMap;
use crate::time::Time;
use crate::NodeId;
use crate::small::SmallMap;
use super::view::Say;
use alloc::rc::Rc;
use alloc::vec::Vec;

/// A persistent set of keys. Stored as a map from each key to 0, the same type as a shard's
/// data, so that the page carries one copy of the red-black tree code for both, not two.
/// Keys leave only through [`KeySet::take_first`], which marks them taken (value 1) rather
/// than removing them: the lab then never removes from a tree of this type (a shard dropping
/// keys rebuilds its data), and the page carries no copy of the tree's removal code for it.
/// Marks stay until the set is replaced (every handoff starts a new one); `lo` bounds the keys
/// still in the set from below, so a take does not walk over the marks before it.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    map: PMap<u32, u64>,
    live: usize,
    lo: u32,
}

impl KeySet {
    /// The empty set.
    pub fn new() -> KeySet {
        KeySet::default()
    }
    /// Adds a key.
    pub fn insert_mut(&mut self, key: u32) {
        if !self.contains(&key) {
            self.map.insert_mut(key, 0);
            self.live += 1;
        }
        self.lo = self.lo.min(key);
    }
    /// Takes out the `n` smallest keys, in order.
    pub fn take_first(&mut self, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for (&k, &v) in self.map.range(self.lo..) {
            if out.len() == n {
                break;
            }
            if v == 0 {
                out.push(k);
            }
        }
        for &k in &out {
            self.map.insert_mut(k, 1);
            self.lo = k.saturating_add(1);
        }
        self.live -= out.len();
        out
    }
    /// Whether the set holds `key`.
    pub fn contains(&self, key: &u32) -> bool {
        self.map.get(key) == Some(&0)
    }
    /// Number of keys.
    pub fn size(&self) -> usize {
        self.live
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

/// Batches a shard keeps unacknowledged at once (with the tick, the throttle).
pub const INFLIGHT_MAX: usize = 4;
/// A batch not acknowledged after this long is sent again.
pub const BATCH_TIMEOUT: Time = 300_000;
/// After this long preparing, moving keys freeze so that the handoff converges even when
/// writes to them outpace it (monotonic inserts into a range being split).
pub const DRAIN_AFTER: Time = 1_000_000;
/// Keys remembered for the median of recent operations.
const RECENT: usize = 32;

/// What survives a crash: the disk (data and tables) and whether it failed or left.
#[derive(Clone, Debug)]
pub struct ShardDurable {
    /// Key → version.
    pub data: PMap<u32, u64>,
    /// Committed table as this shard knows it.
    pub table: Rc<Table>,
    /// Weight.
    pub weight: u32,
    /// Disk lost.
    pub failed: bool,
    /// A membership request not yet acted on.
    pub member_req: Option<MemberChange>,
    /// Epoch frozen for, if ready (a restarted shard must not unfreeze before the commit).
    pub frozen_for: Option<Rc<Table>>,
    /// The failed shards that table's prepare named (which keys are frozen depends on them).
    pub frozen_failed: Rc<Vec<NodeId>>,
}

/// A handoff batch: keys and versions, shared by the message and the sender's record of it.
pub type Batch = Rc<Vec<(u32, u64)>>;

/// A write waiting for its backups (plain data: a snapshot copies it, no clone code).
#[derive(Clone, Copy, Debug)]
pub struct PendingWrite {
    /// The client's operation.
    pub op: Op,
    /// Version written.
    pub version: u64,
    /// Backups still to answer (a set, so a duplicated answer counts once).
    pub waiting: Owners,
    /// When it started.
    pub at: Time,
}

/// A shard's state.
#[derive(Clone, Debug)]
pub struct Shard {
    /// Own id.
    pub id: NodeId,
    /// Key → version.
    pub data: PMap<u32, u64>,
    /// Committed table as this shard knows it.
    pub table: Rc<Table>,
    /// Table being prepared.
    pub next: Option<Rc<Table>>,
    /// Shards whose data is gone, for the table being prepared.
    pub failed_set: Rc<Vec<NodeId>>,
    /// Keys whose owners change in `next` (frozen once ready).
    pub moving: KeySet,
    /// Keys this shard must (re)send.
    pub pending: KeySet,
    /// Batches sent and not acknowledged: number → (destination, the batch as sent, sent at).
    pub inflight: SmallMap<u32, (NodeId, Batch, Time)>,
    /// Next batch number.
    pub next_batch: u32,
    /// Ready for `next` (moving keys frozen).
    pub ready: bool,
    /// Writes to moving keys outpaced the handoff for too long: moving keys are frozen now,
    /// before ready, so the last dirty keys can drain.
    pub draining: bool,
    /// When the prepare began.
    pub prepared_at: Time,
    /// Ready reported (differs from `ready` only under the no-freeze mutation).
    pub claimed: bool,
    /// Operations waiting, oldest first (at most [`QUEUE_MAX`]: a plain vector, whose code the
    /// page already has, rather than a deque of its own).
    pub queue: Vec<Op>,
    /// Operation in service.
    pub busy: Option<Op>,
    /// Writes waiting for backups.
    pub pending_writes: SmallMap<u64, PendingWrite>,
    /// Next write id.
    pub next_wid: u64,
    /// Operations served since the last report.
    pub served: u32,
    /// Operations served in all.
    pub served_total: u64,
    /// Recent operation keys (for the median).
    pub recent: [u32; RECENT],
    /// Recent keys recorded.
    pub recent_n: u32,
    /// Weight.
    pub weight: u32,
    /// Disk lost (ignores everything until it joins again).
    pub failed: bool,
    /// Key copies handed off.
    pub handed: u64,
    /// A membership request the router has not acted on yet (resent with each report).
    pub member_req: Option<MemberChange>,
    /// Local secondary index: primary keys per tag (kept only with a local index).
    pub tag_counts: Option<[u32; index::TAGS as usize]>,
    /// Observations of the last handler.
    pub obs: Vec<Obs>,
    /// Handler sequence number.
    pub obs_seq: u64,
}

/// Counts the primary keys per tag that `id` holds under `t` (the local index, from scratch).
pub fn count_tags(data: &PMap<u32, u64>, t: &Table, id: NodeId) -> [u32; index::TAGS as usize] {
    let mut c = [0u32; index::TAGS as usize];
    for (&k, _) in data.range(..index::INDEXABLE) {
        if t.primary(k) == Some(id) {
            c[index::tag(k) as usize] += 1;
        }
    }
    c
}

impl Shard {
    /// Recounts the local index, if there is one.
    fn recount(&mut self) {
        if self.tag_counts.is_some() {
            self.tag_counts = Some(count_tags(&self.data, &self.table, self.id));
        }
    }

    #[inline(never)]
    fn blank(id: NodeId, data: PMap<u32, u64>, table: Rc<Table>, weight: u32, failed: bool) -> Shard {
        Shard {
            id,
            data,
            table,
            next: None,
            failed_set: Rc::new(Vec::new()),
            moving: KeySet::new(),
            pending: KeySet::new(),
            inflight: SmallMap::new(),
            next_batch: 0,
            ready: false,
            claimed: false,
            draining: false,
            prepared_at: 0,
            queue: Vec::new(),
            busy: None,
            pending_writes: SmallMap::new(),
            next_wid: 0,
            served: 0,
            served_total: 0,
            recent: [0; RECENT],
            recent_n: 0,
            weight,
            failed,
            handed: 0,
            member_req: None,
            tag_counts: None,
            obs: Vec::new(),
            obs_seq: 0,
        }
    }

    /// A shard at the start of a run (preloaded with the keys it owns) or added later (empty,
    /// asking to join).
    #[inline(never)]
    pub fn init(m: &Sharding, id: NodeId, table: Rc<Table>, ctx: &mut Ctx<Sharding>) -> Shard {
        let mut data = PMap::new();
        if table.index_of(id).is_some() {
            for k in 0..m.keys {
                if table.owners(k).contains(id) {
                    data.insert_mut(k, 1);
                }
            }
            if m.index == Index::Global {
                // The preloaded keys' index entries, on their tags' shards.
                for t in 0..index::TAGS {
                    if table.owners(index::tag_base(t)).contains(id) {
                        for k in 0..m.keys.min(index::INDEXABLE) {
                            if index::tag(k) == t {
                                data.insert_mut(index::entry(k), 1);
                            }
                        }
                    }
                }
            }
        }
        let mut s = Shard::blank(id, data, table, 1, false);
        if m.index == Index::Local {
            s.tag_counts = Some([0; index::TAGS as usize]);
            s.recount();
        }
        // Spares wait to be asked; a shard added later (beyond the initial nodes) joins at once.
        if s.table.index_of(id).is_none() && id >= m.first_shard() + m.shards + m.spares {
            s.request(MemberChange::Join(1), ctx);
        }
        ctx.set_timer(Timer::Report, REPORT_INTERVAL);
        s
    }

    /// What survives a crash.
    #[inline(never)]
    pub fn durable(&self) -> ShardDurable {
        let frozen_for = if self.claimed { self.next.clone() } else { None };
        let frozen_failed = if self.claimed { self.failed_set.clone() } else { Rc::new(Vec::new()) };
        ShardDurable { data: self.data.clone(), table: self.table.clone(), weight: self.weight, failed: self.failed, frozen_for, frozen_failed, member_req: self.member_req }
    }

    /// Rebuilds after a crash: the disk survives, the handoff restarts when the router
    /// prepares again (it resends until this shard is ready).
    #[inline(never)]
    pub fn restart(m: &Sharding, id: NodeId, d: ShardDurable, ctx: &mut Ctx<Sharding>) -> Shard {
        let mut s = Shard::blank(id, d.data, d.table, d.weight, d.failed);
        s.member_req = d.member_req;
        if m.index == Index::Local {
            s.tag_counts = Some([0; index::TAGS as usize]);
            s.recount();
        }
        if let Some(next) = d.frozen_for {
            // Stay frozen: a write accepted now could be lost at the commit.
            s.failed_set = d.frozen_failed;
            s.moving = s.moving_keys(&next);
            s.next = Some(next);
            s.ready = m.mutation != Mutation::NoFreeze;
            s.claimed = true;
        }
        ctx.set_timer(Timer::Report, REPORT_INTERVAL);
        s
    }

    /// Asks the router for a membership change, and remembers it until it takes effect.
    fn request(&mut self, change: MemberChange, ctx: &mut Ctx<Sharding>) {
        self.member_req = Some(change);
        ctx.send(Sharding::ROUTER, Msg::Member(change));
    }

    /// Whether the pending membership request has taken effect (as far as this shard knows).
    fn request_done(&self) -> bool {
        let in_table = |t: &Table| t.index_of(self.id);
        let latest = self.next.as_ref().unwrap_or(&self.table);
        match self.member_req {
            None => true,
            Some(MemberChange::Join(_)) => in_table(latest).is_some(),
            Some(MemberChange::Leave) => in_table(latest).is_none(),
            Some(MemberChange::Failed) => false,
            Some(MemberChange::Weight(w)) => in_table(latest).is_none_or(|i| latest.weights.get(i as usize) == Some(&w)),
        }
    }

    /// Whether `key` must be handed to someone in the table being prepared: its owners change,
    /// or one of its next owners is a failed shard that rejoined with an empty disk (keys
    /// created after the prepare count too, so this is computed, not looked up).
    #[inline]
    pub fn is_moving(&self, key: u32) -> bool {
        self.next.as_ref().is_some_and(|n| Self::must_hand(&self.table.owners(key), &n.owners(key), &self.failed_set))
    }

    /// Whether a key owned by `old` in the committed table and by `new` in the next one must be
    /// sent to someone: a new owner that did not hold it, or one whose disk failed since (the
    /// router names failed shards; one that is a next owner has rejoined, empty).
    fn must_hand(old: &Owners, new: &Owners, failed: &[NodeId]) -> bool {
        old != new || new.as_slice().iter().any(|n| failed.contains(n))
    }

    /// Whether next owner `d` of a key owned by `old` must receive it.
    fn takes(d: NodeId, old: &Owners, failed: &[NodeId]) -> bool {
        !old.contains(d) || failed.contains(&d)
    }

    /// Whether `key` is frozen by the handoff.
    #[inline]
    pub fn frozen(&self, key: u32) -> bool {
        (self.ready || self.draining) && self.is_moving(key)
    }

    #[inline(never)]
    fn moving_keys(&self, next: &Table) -> KeySet {
        let mut moving = KeySet::new();
        for (&k, _) in self.data.iter() {
            if Self::must_hand(&self.table.owners(k), &next.owners(k), &self.failed_set) {
                moving.insert_mut(k);
            }
        }
        moving
    }

    /// The shard that sends `key` to its new owners: the first old owner whose data survives.
    fn sender(owners: &Owners, failed: &[NodeId]) -> Option<NodeId> {
        owners.as_slice().iter().copied().find(|o| !failed.contains(o))
    }

    /// Adopts a committed table and drops the keys it no longer owns (keeping those it owns in
    /// the table being prepared, which may already have arrived).
    fn adopt(&mut self, t: Rc<Table>) {
        if t.epoch <= self.table.epoch {
            return;
        }
        self.table = t.clone();
        if self.next.as_ref().is_some_and(|n| n.epoch <= t.epoch) {
            self.next = None;
            self.moving = KeySet::new();
            self.pending = KeySet::new();
            self.inflight.clear();
            self.ready = false;
            self.claimed = false;
            self.draining = false;
        }
        let keep_next = self.next.clone();
        let mut drop: Vec<(u32, u64)> = Vec::new();
        for (&k, &v) in self.data.iter() {
            let mine = t.owners(k).contains(self.id) || keep_next.as_ref().is_some_and(|n| n.owners(k).contains(self.id));
            if !mine {
                drop.push((k, v));
            }
        }
        if !drop.is_empty() {
            // The kept keys go into a new tree rather than the dropped ones out of this one:
            // the lab then carries no removal code for this tree type (see [`KeySet`]). Once a
            // commit, and the walk over every key above is as long.
            let mut kept = PMap::new();
            let mut gone = drop.iter().peekable();
            for (&k, &v) in self.data.iter() {
                if gone.peek().is_some_and(|d| d.0 == k) {
                    gone.next();
                } else {
                    kept.insert_mut(k, v);
                }
            }
            self.data = kept;
        }
        for (k, v) in drop {
            self.obs.push(Obs::Dropped { key: k, version: v });
        }
        self.recount();
    }

    /// Starts preparing `next`: works out the moving keys and those to send.
    #[inline(never)]
    fn prepare(&mut self, m: &Sharding, base: Rc<Table>, next: Rc<Table>, failed: Rc<Vec<NodeId>>, ctx: &mut Ctx<Sharding>) {
        if self.next.as_ref().is_some_and(|n| n.epoch >= next.epoch) {
            if self.claimed && self.next.as_ref().is_some_and(|n| n.epoch == next.epoch) {
                ctx.send(Sharding::ROUTER, Msg::Ready(next.epoch));
            }
            return;
        }
        if next.epoch <= self.table.epoch {
            return;
        }
        // Set `next` first so that adopting the base keeps keys already handed to us for it.
        self.next = Some(next.clone());
        self.adopt(base);
        self.next = Some(next.clone());
        self.failed_set = failed.clone();
        self.moving = KeySet::new();
        self.pending = KeySet::new();
        self.inflight.clear();
        self.ready = false;
        self.claimed = false;
        self.draining = false;
        self.prepared_at = ctx.now();
        for (&k, _) in self.data.iter() {
            let old = self.table.owners(k);
            let new = next.owners(k);
            if !Self::must_hand(&old, &new, &failed) || !old.contains(self.id) {
                continue;
            }
            self.moving.insert_mut(k);
            let needs = new.as_slice().iter().any(|&n| Self::takes(n, &old, &failed));
            if needs && Self::sender(&old, &failed) == Some(self.id) {
                self.pending.insert_mut(k);
            }
        }
        ctx.note(Say::default().node(m, self.id).s(": prepare epoch ").n(next.epoch).s(": ").n(self.moving.size() as u64).s(" keys change owners, ").n(self.pending.size() as u64).s(" to send").take());
        self.pump(m, ctx);
    }

    /// Sends handoff batches within the throttle; reports ready when all is delivered.
    fn pump(&mut self, m: &Sharding, ctx: &mut Ctx<Sharding>) {
        let Some(next) = self.next.clone() else { return };
        if self.ready || self.claimed {
            return;
        }
        let now = ctx.now();
        if !self.draining && m.mutation != Mutation::NoFreeze && now.saturating_sub(self.prepared_at) >= DRAIN_AFTER {
            self.draining = true;
            ctx.note(Say::default().node(m, self.id).s(": writes outpace the handoff; freezing moving keys to drain the rest").take());
        }
        let mut stale: Vec<u32> = Vec::new();
        for (&n, b) in self.inflight.iter() {
            if now.saturating_sub(b.2) >= BATCH_TIMEOUT {
                stale.push(n);
            }
        }
        for n in stale {
            if let Some((_, items, _)) = self.inflight.remove(&n) {
                for &(k, _) in items.iter() {
                    self.pending.insert_mut(k);
                }
            }
        }
        if self.inflight.len() < INFLIGHT_MAX && !self.pending.is_empty() {
            let take = self.pending.take_first(m.batch_keys());
            let mut by_dest: SmallMap<NodeId, Vec<(u32, u64)>> = SmallMap::new();
            for &k in &take {
                let Some(&v) = self.data.get(&k) else { continue };
                let old = self.table.owners(k);
                for &d in next.owners(k).as_slice() {
                    if Self::takes(d, &old, &self.failed_set) {
                        by_dest.get_or_insert(d, Vec::new()).push((k, v));
                    }
                }
            }
            for (dest, items) in by_dest {
                let batch = self.next_batch;
                self.next_batch += 1;
                self.handed += items.len() as u64;
                let items = Rc::new(items);
                self.inflight.insert(batch, (dest, items.clone(), now));
                ctx.send(dest, Msg::Handoff { epoch: next.epoch, batch, items });
            }
        }
        if self.pending.is_empty() && self.inflight.is_empty() {
            self.claimed = true;
            self.ready = m.mutation != Mutation::NoFreeze;
            if !self.ready {
                // The mutation: report ready without freezing, and keep accepting writes.
                ctx.send(Sharding::ROUTER, Msg::Ready(next.epoch));
                return;
            }
            ctx.note(Say::default().node(m, self.id).s(": handoff for epoch ").n(next.epoch).s(" done, ").n(self.moving.size() as u64).s(" keys frozen").take());
            ctx.send(Sharding::ROUTER, Msg::Ready(next.epoch));
        } else {
            ctx.set_timer(Timer::Tick, HANDOFF_TICK);
        }
    }

    fn redirect_or_retry(&self, op: &Op) -> Outcome {
        if op.epoch < self.table.epoch {
            Outcome::Redirect(self.table.clone())
        } else if op.epoch > self.table.epoch {
            Outcome::Retry
        } else {
            Outcome::Redirect(self.table.clone())
        }
    }

    fn remember(&mut self, key: u32) {
        self.recent[(self.recent_n as usize) % RECENT] = key;
        self.recent_n = self.recent_n.wrapping_add(1);
    }

    /// Serves one operation against the current table.
    #[inline(never)]
    fn serve(&mut self, m: &Sharding, op: Op, ctx: &mut Ctx<Sharding>) {
        let reply = |ctx: &mut Ctx<Sharding>, out: Outcome| ctx.send(op.client, Msg::Reply(op, out));
        if op.epoch > self.table.epoch {
            // The client knows a newer table than I do: I may have lost this key already.
            return reply(ctx, Outcome::Retry);
        }
        match op.kind {
            OpKind::Read(k) => {
                let owners = self.table.owners(k);
                let allowed = if m.read_replicas { owners.contains(self.id) } else { owners.primary() == Some(self.id) };
                if !allowed {
                    return reply(ctx, self.redirect_or_retry(&op));
                }
                if self.frozen(k) {
                    return reply(ctx, Outcome::Retry);
                }
                let v = self.data.get(&k).copied().unwrap_or(0);
                self.count(k);
                self.obs.push(Obs::Served { key: k, version: v });
                reply(ctx, Outcome::Ok(v));
            }
            OpKind::Write(k) | OpKind::Put(k, _) => {
                let owners = self.table.owners(k);
                if owners.primary() != Some(self.id) {
                    return reply(ctx, self.redirect_or_retry(&op));
                }
                if self.frozen(k) {
                    return reply(ctx, Outcome::Retry);
                }
                let old = self.data.get(&k).copied().unwrap_or(0);
                // A write makes a new version; an index entry takes the version it is given
                // (so a resent or reordered entry write never goes backwards).
                let v = match op.kind {
                    OpKind::Put(_, at) => old.max(at),
                    _ => old + 1,
                };
                self.data.insert_mut(k, v);
                if old == 0 && index::indexable(k) {
                    if let Some(c) = self.tag_counts.as_mut() {
                        c[index::tag(k) as usize] += 1;
                    }
                }
                self.count(k);
                if self.is_moving(k) && !self.claimed {
                    // Written while moving: send it (again).
                    self.moving.insert_mut(k);
                    self.pending.insert_mut(k);
                    if self.next.is_some() {
                        ctx.set_timer(Timer::Tick, HANDOFF_TICK);
                    }
                }
                // The owners after the primary (distinct, so: all but me).
                let backups = owners.without(self.id);
                if backups.len == 0 || m.mutation == Mutation::AckEarly {
                    reply(ctx, Outcome::Ok(v));
                }
                if backups.len > 0 {
                    let wid = self.next_wid;
                    self.next_wid += 1;
                    for &b in backups.as_slice() {
                        ctx.send(b, Msg::Replicate { key: k, version: v, wid });
                    }
                    if m.mutation != Mutation::AckEarly {
                        self.pending_writes.insert(wid, PendingWrite { op, version: v, waiting: backups, at: ctx.now() });
                    }
                }
            }
            OpKind::Scan(lo, hi) => {
                if op.epoch != self.table.epoch {
                    return reply(ctx, self.redirect_or_retry(&op));
                }
                let mut n = 0u64;
                for (&k, _) in self.data.range(lo..hi) {
                    if self.table.owners(k).primary() == Some(self.id) {
                        if self.frozen(k) {
                            return reply(ctx, Outcome::Retry);
                        }
                        n += 1;
                    }
                }
                self.count(lo);
                reply(ctx, Outcome::Ok(n));
            }
            OpKind::Find(t) => {
                let t = t.min(index::TAGS - 1);
                match self.tag_counts {
                    // Local: my own primary keys with this tag, at the client's epoch.
                    Some(c) => {
                        if op.epoch != self.table.epoch {
                            return reply(ctx, self.redirect_or_retry(&op));
                        }
                        self.count_op();
                        reply(ctx, Outcome::Ok(c[t as usize] as u64));
                    }
                    // Global: the tag's entries, if I am their primary.
                    None => {
                        let base = index::tag_base(t);
                        if self.table.primary(base) != Some(self.id) {
                            return reply(ctx, self.redirect_or_retry(&op));
                        }
                        if self.frozen(base) {
                            return reply(ctx, Outcome::Retry);
                        }
                        let n = self.data.range(base..base + index::INDEXABLE).count() as u64;
                        self.count_op();
                        self.obs.push(Obs::Found { tag: t, count: n });
                        reply(ctx, Outcome::Ok(n));
                    }
                }
            }
        }
    }

    fn count(&mut self, key: u32) {
        self.remember(key);
        self.count_op();
    }

    /// Counts an operation served (without a key for the median: index queries).
    fn count_op(&mut self) {
        self.served += 1;
        self.served_total += 1;
        self.obs.push(Obs::Load(1));
    }

    fn start_next(&mut self, m: &Sharding, ctx: &mut Ctx<Sharding>) {
        if self.busy.is_some() {
            return;
        }
        if !self.queue.is_empty() {
            let op = self.queue.remove(0);
            let scale = match op.kind {
                OpKind::Scan(lo, hi) => 1.0 + (hi.saturating_sub(lo)) as f64 / 50.0,
                _ => 1.0,
            };
            let t = (ctx.rng().exp(m.service_us) * scale) as Time;
            self.busy = Some(op);
            ctx.set_timer(Timer::Done, t.max(1));
        }
    }

    /// Handles a message.
    #[inline(never)]
    pub fn on_message(&mut self, m: &Sharding, from: NodeId, msg: Msg, ctx: &mut Ctx<Sharding>) {
        if self.failed {
            return;
        }
        match msg {
            Msg::Op(op) => {
                if self.queue.len() >= QUEUE_MAX {
                    ctx.send(op.client, Msg::Reply(op, Outcome::Retry));
                } else {
                    self.queue.push(op);
                    self.start_next(m, ctx);
                }
            }
            Msg::Replicate { key, version, wid } => {
                if self.data.get(&key).is_none_or(|&v| v < version) {
                    self.data.insert_mut(key, version);
                }
                ctx.send(from, Msg::ReplicaAck { wid });
            }
            Msg::ReplicaAck { wid } => {
                let done = match self.pending_writes.get_mut(&wid) {
                    Some(p) => {
                        p.waiting = p.waiting.without(from);
                        p.waiting.len == 0
                    }
                    None => false,
                };
                if done {
                    let p = self.pending_writes.remove(&wid).expect("present");
                    ctx.send(p.op.client, Msg::Reply(p.op, Outcome::Ok(p.version)));
                }
            }
            Msg::Prepare { base, table, failed } => self.prepare(m, base, table, failed, ctx),
            Msg::Commit(t) => {
                self.adopt(t);
                ctx.send(Sharding::ROUTER, Msg::Committed(self.table.epoch));
            }
            // Only for the table this shard is preparing; otherwise the sender retries after
            // this shard has heard of it (so the commit of an older table cannot drop what
            // arrived early).
            Msg::Handoff { epoch, batch, items } if self.next.as_ref().is_some_and(|n| n.epoch == epoch) => {
                for &(k, v) in items.iter() {
                    if self.data.get(&k).is_none_or(|&have| have < v) {
                        self.data.insert_mut(k, v);
                    }
                }
                ctx.send(from, Msg::HandoffAck { epoch, batch });
            }
            Msg::HandoffAck { epoch, batch } if self.next.as_ref().is_some_and(|n| n.epoch == epoch) && self.inflight.contains_key(&batch) => {
                self.inflight.remove(&batch);
                self.pump(m, ctx);
            }
            _ => {}
        }
    }

    /// Handles a timer.
    #[inline(never)]
    pub fn on_timer(&mut self, m: &Sharding, timer: Timer, ctx: &mut Ctx<Sharding>) {
        match timer {
            Timer::Done => {
                if let Some(op) = self.busy.take() {
                    if !self.failed {
                        self.serve(m, op, ctx);
                    }
                }
                self.start_next(m, ctx);
            }
            Timer::Tick => self.pump(m, ctx),
            Timer::Report => {
                if self.request_done() {
                    self.member_req = None;
                } else if let Some(change) = self.member_req {
                    ctx.send(Sharding::ROUTER, Msg::Member(change));
                }
                if !self.failed {
                    let n = (self.recent_n as usize).min(RECENT);
                    let mut keys: Vec<u32> = self.recent[..n].to_vec();
                    keys.sort_unstable();
                    let median_key = keys.get(n / 2).copied().unwrap_or(0);
                    let max_key = self.data.range(..index::INDEX_BASE).next_back().map_or(0, |(&k, _)| k);
                    let size = if m.auto_split && self.table.strategy == super::Strategy::Range {
                        let held = self.data.range(..index::INDEX_BASE).count();
                        let middle = self.data.range(..index::INDEX_BASE).nth(held / 2).map_or(0, |(&k, _)| k);
                        (held as u32, middle)
                    } else {
                        (0, 0)
                    };
                    ctx.send(Sharding::ROUTER, Msg::Load { ops: self.served, median_key, max_key, size });
                    self.served = 0;
                    let now = ctx.now();
                    self.pending_writes.retain(|_, p| now.saturating_sub(p.at) < OP_TIMEOUT);
                }
                ctx.set_timer(Timer::Report, REPORT_INTERVAL);
            }
            Timer::Arrive => {}
        }
    }

    /// Handles a command.
    #[inline(never)]
    pub fn on_command(&mut self, m: &Sharding, cmd: Cmd, ctx: &mut Ctx<Sharding>) {
        match cmd {
            Cmd::Leave if !self.failed => self.request(MemberChange::Leave, ctx),
            Cmd::Join => {
                if self.failed {
                    // A new, empty disk: own nothing until the router says otherwise.
                    let t = &self.table;
                    self.table = Rc::new(Table::build(t.epoch, t.strategy, Vec::new(), Vec::new(), t.replicas, t.vnodes, Vec::new(), 1, false));
                }
                self.failed = false;
                self.request(MemberChange::Join(self.weight), ctx);
            }
            Cmd::Fail if !self.failed => {
                let lost = core::mem::take(&mut self.data);
                self.recount();
                for (&k, &v) in lost.iter() {
                    self.obs.push(Obs::Dropped { key: k, version: v });
                }
                self.failed = true;
                self.queue.clear();
                self.busy = None;
                self.pending_writes.clear();
                self.next = None;
                self.ready = false;
                self.claimed = false;
                self.draining = false;
                self.moving = KeySet::new();
                self.pending = KeySet::new();
                self.inflight.clear();
                ctx.announce(Say::default().node(m, self.id).s(": disk lost").take());
                self.request(MemberChange::Failed, ctx);
            }
            Cmd::Weight(w) if !self.failed => {
                self.weight = w;
                self.request(MemberChange::Weight(w), ctx);
            }
            _ => {}
        }
    }
}
