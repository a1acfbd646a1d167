//! A client: a workload generator with a cached routing table.
//!
//! Operations arrive as a Poisson process. Each is sent straight to the owner by the cached
//! table; a redirect brings a newer table (the client adopts it and resends at once), a retry
//! answer or a timeout resends after a short backoff (asking the router for its table too).
//! A scan is scattered to every shard that may own keys in its range and completes when the
//! slowest part answers: with hashed placement that is every shard, so its latency is the
//! maximum of n latencies (tail amplification).
//!
//! With a secondary index, some reads are index queries by tag: scattered to every shard with a
//! local index, sent to the one index shard with a global index. With a global index a write
//! has two halves: the key on its primary, then its index entry on the tag's shard; it is
//! acknowledged (done) when both are (under the `index_async` mutation, after the first).

use super::index::{self, Index};
use super::{Cmd, Msg, Mutation, Obs, Op, OpKind, Outcome, Sharding, Table, Timer, Workload, CLIENT_TICK, OP_TIMEOUT, OUTSTANDING_MAX, SALT_BASE, TRIES_MAX};
use crate::model::Ctx;
use crate::time::Time;
use crate::NodeId;
use crate::small::SmallMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

/// An operation the client is waiting for (plain data: a snapshot copies it, no clone code).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pending {
    /// What (a scan's range covers every part).
    pub kind: OpKind,
    /// When it was issued.
    pub issued: Time,
    /// When it was last sent.
    pub sent_at: Time,
    /// Sends so far.
    pub tries: u32,
    /// Resend at this time (after a retry answer).
    pub retry_at: Option<Time>,
    /// Scan or index-query parts still outstanding: one bit per shard id (every node id is
    /// below 64, see [`bit`]).
    pub parts: u64,
    /// Index query: keys counted so far, and shards asked.
    pub found: (u64, u32),
    /// An index entry written after its write was already acknowledged (`index_async`).
    pub background: bool,
}

/// A client's state.
#[derive(Clone, Debug)]
pub struct Client {
    /// Own id.
    pub id: NodeId,
    /// Cached table.
    pub table: Rc<Table>,
    /// Next operation id.
    pub next_id: u64,
    /// Outstanding operations.
    pub pending: SmallMap<u64, Pending>,
    /// Next monotonic key counter.
    pub mono: u64,
    /// Completed operations.
    pub completed: u64,
    /// Redirects received.
    pub redirects: u64,
    /// Operations given up.
    pub gave_up: u64,
    /// Arrivals shed because too many were outstanding.
    pub shed: u64,
    /// Observations of the last handler.
    pub obs: Vec<Obs>,
    /// Handler sequence number.
    pub obs_seq: u64,
}

/// A node's bit in a set of shards ([`Pending::parts`]); every node id is below 64.
fn bit(id: NodeId) -> u64 {
    const { assert!(1 + super::CLIENTS_MAX + super::SHARDS_MAX + super::SPARES_MAX <= 64) };
    1u64.checked_shl(id).unwrap_or(0)
}

/// The set of `ids` as bits.
fn mask(ids: &[NodeId]) -> u64 {
    let mut m = 0;
    for &id in ids {
        m |= bit(id);
    }
    m
}

/// Continuous Zipf by inversion: a rank in `1..=n` with weight ∝ rank^-α.
pub fn zipf_rank(u: f64, n: u32, alpha: f64) -> u32 {
    let n1 = n as f64 + 1.0;
    let x = if libm::fabs(alpha - 1.0) < 1e-9 {
        libm::exp(u * libm::log(n1))
    } else {
        let a = 1.0 - alpha;
        let h = (libm::pow(n1, a) - 1.0) / a;
        libm::pow(1.0 + a * u * h, 1.0 / a)
    };
    (x as u32).clamp(1, n.max(1))
}

impl Client {
    /// Starts a client.
    #[inline(never)]
    pub fn start(m: &Sharding, id: NodeId, next_id: u64, table: Rc<Table>, ctx: &mut Ctx<Sharding>) -> Client {
        let c = Client { id, table, next_id, pending: SmallMap::new(), mono: 0, completed: 0, redirects: 0, gave_up: 0, shed: 0, obs: Vec::new(), obs_seq: 0 };
        c.arm(m, ctx);
        ctx.set_timer(Timer::Tick, CLIENT_TICK);
        if next_id > 0 {
            ctx.send(Sharding::ROUTER, Msg::GetTable);
        }
        c
    }

    fn arm(&self, m: &Sharding, ctx: &mut Ctx<Sharding>) {
        let rate = m.rate / m.clients.max(1) as f64;
        if rate > 0.0 {
            let gap = ctx.rng().exp(1e6 / rate) as Time;
            ctx.set_timer(Timer::Arrive, gap.max(1));
        } else {
            ctx.set_timer(Timer::Arrive, 100_000);
        }
    }

    /// Draws the next operation of the workload.
    #[inline(never)]
    fn draw(&mut self, m: &Sharding, ctx: &mut Ctx<Sharding>) -> OpKind {
        let read = ctx.rng().chance(m.read_share);
        // (Draws nothing more without an index, so runs without one keep their traces.)
        if read && m.index != Index::Off && ctx.rng().chance(m.index_share) {
            return OpKind::Find(ctx.rng().below(index::TAGS));
        }
        let keys = m.keys.max(1);
        let uniform = |ctx: &mut Ctx<Sharding>| ctx.rng().below(keys);
        match m.workload {
            Workload::Uniform => {
                let k = uniform(ctx);
                if read { OpKind::Read(k) } else { OpKind::Write(k) }
            }
            Workload::Zipf => {
                let u = ctx.rng().unit();
                let k = zipf_rank(u, keys, m.zipf_alpha) - 1;
                if read { OpKind::Read(k) } else { OpKind::Write(k) }
            }
            Workload::HotKey => {
                let hot = ctx.rng().chance(m.hot_share);
                let k = if hot { keys / 2 } else { uniform(ctx) };
                if hot && m.salt > 0 {
                    if read {
                        OpKind::Scan(SALT_BASE, SALT_BASE + m.salt)
                    } else {
                        OpKind::Write(SALT_BASE + ctx.rng().below(m.salt))
                    }
                } else if read {
                    OpKind::Read(k)
                } else {
                    OpKind::Write(k)
                }
            }
            Workload::Monotonic => {
                if read {
                    OpKind::Read(uniform(ctx))
                } else {
                    // Interleaved per client so that clients never collide.
                    let k = keys as u64 + self.mono * m.clients as u64 + (self.id - 1) as u64;
                    self.mono += 1;
                    OpKind::Write(k.min(index::INDEX_BASE as u64 - 1) as u32)
                }
            }
            Workload::Scan => {
                if read {
                    let lo = ctx.rng().below(keys);
                    OpKind::Scan(lo, lo.saturating_add(m.scan_len))
                } else {
                    OpKind::Write(uniform(ctx))
                }
            }
        }
    }

    /// Issues an operation.
    pub fn issue(&mut self, m: &Sharding, kind: OpKind, ctx: &mut Ctx<Sharding>) {
        if self.pending.len() >= OUTSTANDING_MAX {
            self.shed += 1;
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let now = ctx.now();
        self.pending.insert(id, Pending { kind, issued: now, sent_at: now, tries: 0, retry_at: None, parts: 0, found: (0, 0), background: false });
        self.send(m, id, ctx);
    }

    /// (Re)sends operation `id` by the cached table.
    fn send(&mut self, m: &Sharding, id: u64, ctx: &mut Ctx<Sharding>) {
        let table = self.table.clone();
        let now = ctx.now();
        let Some(p) = self.pending.get_mut(&id) else { return };
        p.tries += 1;
        p.sent_at = now;
        p.retry_at = None;
        let op = Op { client: self.id, id, kind: p.kind, epoch: table.epoch };
        match p.kind {
            OpKind::Read(k) => {
                let owners = table.owners(k);
                let n = owners.len as u32;
                if n == 0 {
                    return;
                }
                let pick = if m.read_replicas { ctx.rng().below(n) } else { 0 };
                ctx.send(owners.ids[pick as usize], Msg::Op(op));
            }
            OpKind::Write(k) => {
                if let Some(primary) = table.primary(k) {
                    ctx.send(primary, Msg::Op(op));
                }
            }
            OpKind::Scan(lo, hi) => {
                let shards = table.shards_for_scan(lo, hi);
                p.parts = mask(&shards);
                for &s in &shards {
                    ctx.send(s, Msg::Op(op));
                }
            }
            OpKind::Find(t) => {
                let shards = if m.index == Index::Global { table.primary(index::tag_base(t)).map_or(Vec::new(), |p| alloc::vec![p]) } else { table.shards_for_scan(0, u32::MAX) };
                p.parts = mask(&shards);
                p.found = (0, shards.len() as u32);
                for &s in &shards {
                    ctx.send(s, Msg::Op(op));
                }
            }
            OpKind::Put(e, _) => {
                if let Some(primary) = table.primary(e) {
                    ctx.send(primary, Msg::Op(op));
                }
            }
        }
    }

    /// A write's first half is done at version `v`: with a global index, write its entry next.
    /// Returns whether the write is finished (acknowledged to the application).
    #[inline(never)]
    fn wrote(&mut self, m: &Sharding, id: u64, key: u32, v: u64, ctx: &mut Ctx<Sharding>) -> bool {
        self.obs.push(Obs::Acked { key, version: v });
        if m.index != Index::Global || !index::indexable(key) {
            self.obs.push(Obs::WriteDone { shards: 1 });
            return true;
        }
        let Some(p) = self.pending.get_mut(&id) else { return true };
        p.kind = OpKind::Put(index::entry(key), v);
        p.tries = 0;
        let done = m.mutation == Mutation::IndexAsync;
        if done {
            // The mutation: tell the application now; the entry follows in the background.
            p.background = true;
            self.obs.push(Obs::Indexed { key, version: v });
            self.obs.push(Obs::WriteDone { shards: 2 });
            self.obs.push(Obs::Done { latency: ctx.now() - p.issued, scan: false });
            self.completed += 1;
        }
        self.send(m, id, ctx);
        false
    }

    fn adopt(&mut self, t: Rc<Table>) {
        if t.epoch > self.table.epoch {
            self.table = t;
        }
    }

    /// Handles a message.
    #[inline(never)]
    pub fn on_message(&mut self, m: &Sharding, from: NodeId, msg: Msg, ctx: &mut Ctx<Sharding>) {
        match msg {
            Msg::Commit(t) => self.adopt(t),
            Msg::Reply(op, outcome) => {
                let now = ctx.now();
                let Some(p) = self.pending.get_mut(&op.id) else { return };
                // A late (or duplicated) answer to the first half of a two-shard write must not
                // pass for the second half's.
                if op.kind != p.kind {
                    return;
                }
                // A reply to an earlier send of an operation that was resent since is stale
                // unless it is a plain success (which is still true).
                match outcome {
                    Outcome::Ok(v) => {
                        match p.kind {
                            OpKind::Scan(..) => {
                                if op.epoch != self.table.epoch || p.parts & bit(from) == 0 {
                                    return;
                                }
                                p.parts &= !bit(from);
                                if p.parts != 0 {
                                    return;
                                }
                                self.obs.push(Obs::Done { latency: now - p.issued, scan: true });
                            }
                            OpKind::Find(_) => {
                                if op.epoch != self.table.epoch || p.parts & bit(from) == 0 {
                                    return;
                                }
                                p.parts &= !bit(from);
                                p.found.0 += v;
                                if p.parts != 0 {
                                    return;
                                }
                                self.obs.push(Obs::FindDone { latency: now - p.issued, shards: p.found.1, count: p.found.0 });
                            }
                            OpKind::Write(k) => {
                                if !self.wrote(m, op.id, k, v, ctx) {
                                    return;
                                }
                                let issued = self.pending.get(&op.id).map_or(now, |p| p.issued);
                                self.obs.push(Obs::Done { latency: now - issued, scan: false });
                            }
                            OpKind::Put(e, wrote) => {
                                self.obs.push(Obs::Acked { key: e, version: v });
                                if p.background {
                                    self.pending.remove(&op.id);
                                    return;
                                }
                                self.obs.push(Obs::Indexed { key: index::entry_of(e).0, version: wrote });
                                self.obs.push(Obs::WriteDone { shards: 2 });
                                self.obs.push(Obs::Done { latency: now - p.issued, scan: false });
                            }
                            OpKind::Read(_) => self.obs.push(Obs::Done { latency: now - p.issued, scan: false }),
                        }
                        self.pending.remove(&op.id);
                        self.completed += 1;
                    }
                    Outcome::Redirect(t) => {
                        self.redirects += 1;
                        self.obs.push(Obs::Redirected);
                        let newer = t.epoch > self.table.epoch;
                        self.adopt(t);
                        if newer || op.epoch < self.table.epoch {
                            self.send(m, op.id, ctx);
                        } else if let Some(p) = self.pending.get_mut(&op.id) {
                            p.retry_at = Some(now + CLIENT_TICK);
                        }
                    }
                    Outcome::Retry => {
                        let backoff = CLIENT_TICK * (p.tries.min(5) as Time);
                        p.retry_at = Some(now + backoff);
                        if p.tries % 3 == 0 {
                            ctx.send(Sharding::ROUTER, Msg::GetTable);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Handles a timer.
    #[inline(never)]
    pub fn on_timer(&mut self, m: &Sharding, timer: Timer, ctx: &mut Ctx<Sharding>) {
        match timer {
            Timer::Arrive => {
                // At rate 0 the timer only polls for a rate set later.
                if m.rate > 0.0 {
                    let kind = self.draw(m, ctx);
                    self.issue(m, kind, ctx);
                }
                self.arm(m, ctx);
            }
            Timer::Tick => {
                let now = ctx.now();
                let mut due: Vec<(u64, bool)> = Vec::new();
                for (&id, p) in self.pending.iter() {
                    let timed_out = now.saturating_sub(p.sent_at) >= OP_TIMEOUT;
                    if timed_out || p.retry_at.is_some_and(|t| t <= now) {
                        due.push((id, timed_out));
                    }
                }
                let mut asked = false;
                for (id, timed_out) in due {
                    if self.pending.get(&id).is_some_and(|p| p.tries >= TRIES_MAX) {
                        self.pending.remove(&id);
                        self.gave_up += 1;
                        self.obs.push(Obs::GaveUp);
                        continue;
                    }
                    if timed_out && !asked {
                        ctx.send(Sharding::ROUTER, Msg::GetTable);
                        asked = true;
                    }
                    self.send(m, id, ctx);
                }
                ctx.set_timer(Timer::Tick, CLIENT_TICK);
            }
            _ => {}
        }
    }

    /// Handles a command (one read or write).
    #[inline(never)]
    pub fn on_command(&mut self, m: &Sharding, cmd: Cmd, ctx: &mut Ctx<Sharding>) {
        match cmd {
            Cmd::Write(k) => self.issue(m, OpKind::Write(k), ctx),
            Cmd::Read(k) => self.issue(m, OpKind::Read(k), ctx),
            Cmd::Find(t) => self.issue(m, OpKind::Find(t), ctx),
            _ => {}
        }
    }
}
