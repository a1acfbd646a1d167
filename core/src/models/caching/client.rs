//! Clients: draw keys from the workload as a Poisson process and run each request through the
//! configured write policy. The client is where cache-aside lives: on a miss it reads the
//! database itself and fills the cache, which is exactly what opens the stale-set race.

use super::msg::{Cmd, Msg, Stamp, Timer};
use super::policy::Key;
use super::workload::Gen;
use super::{CachingModel, Cure, Mode};
use crate::model::Ctx;
use crate::time::{Time, MS};
use crate::NodeId;
use crate::small::SmallMap;
use alloc::vec::Vec;

/// Most requests a client keeps open; arrivals beyond are shed (counted).
pub const OUTSTANDING_MAX: usize = 512;
/// Most lease retries of one request before it gives up.
pub const RETRIES_MAX: u32 = 200;

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for a cache.
    AtCache,
    /// Waiting for the database.
    AtDb,
    /// Waiting for another request of this client that reads the same key (single flight).
    Joined,
    /// Write done in the database, waiting for the cache's invalidation.
    Deleting,
    /// Waiting to retry (a lease is held elsewhere).
    Waiting,
}

/// An open request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Op {
    /// A write (else a read).
    pub write: bool,
    /// Key.
    pub key: Key,
    /// When it was issued.
    pub issued: Time,
    /// Where it is.
    pub stage: Stage,
    /// The cache it went to.
    pub cache: Option<NodeId>,
    /// The stamp it writes.
    pub stamp: Stamp,
    /// Lease granted on a miss.
    pub lease: Option<u64>,
    /// Lease retries so far.
    pub retries: u32,
    /// The write policy when it was issued (it decides the steps, even if the setting changes).
    pub mode: Mode,
}

/// A finished request, for the observer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Done {
    /// Key.
    pub key: Key,
    /// A write.
    pub write: bool,
    /// Succeeded.
    pub ok: bool,
    /// Stamp read or written.
    pub stamp: Stamp,
    /// Issued at.
    pub issued: Time,
    /// Finished at.
    pub at: Time,
    /// Answered from the cache.
    pub hit: bool,
    /// Issued in write-through mode.
    pub wt: bool,
}

/// A client.
#[derive(Clone, Debug)]
pub struct Client {
    /// Own index (0-based), part of every stamp.
    pub index: u32,
    /// Key stream.
    pub gen: Gen,
    /// Next request id.
    pub next_req: u64,
    /// Open requests.
    pub ops: SmallMap<u64, Op>,
    /// Per cache (index): believed down until.
    pub down_until: Vec<Time>,
    /// Single flight at the client (cache-aside): key → requests waiting on one database read.
    pub flight: SmallMap<Key, Vec<u64>>,
    /// Last stamp written.
    pub last_stamp: Stamp,
    /// The model's workload when the stream was last rebuilt from it.
    pub synced: super::workload::Spec,
    /// Requests finished by the last event (read by the observer).
    pub recent: Vec<Done>,
    /// Reads and writes finished, hits, failures, shed arrivals.
    pub reads: u64,
    #[allow(missing_docs)]
    pub writes: u64,
    #[allow(missing_docs)]
    pub hits: u64,
    #[allow(missing_docs)]
    pub failed: u64,
    #[allow(missing_docs)]
    pub shed: u64,
}

/// What survives a client crash.
#[derive(Clone, Debug)]
pub struct ClientDurable {
    /// Next request id.
    pub next_req: u64,
    /// Last stamp written.
    pub last_stamp: Stamp,
    /// The trace it replays, if any.
    pub gen: Gen,
}

impl Client {
    /// A client starting (or restarting) with the given ids.
    pub fn start(model: &CachingModel, index: u32, d: ClientDurable, ctx: &mut Ctx<CachingModel>) -> Client {
        let c = Client {
            index,
            gen: d.gen,
            next_req: d.next_req,
            ops: SmallMap::new(),
            down_until: alloc::vec![0; model.caches as usize],
            flight: SmallMap::new(),
            last_stamp: d.last_stamp,
            synced: model.spec(),
            recent: Vec::new(),
            reads: 0,
            writes: 0,
            hits: 0,
            failed: 0,
            shed: 0,
        };
        let gap = model.arrival_gap(ctx.rng());
        ctx.set_timer(Timer::Arrive, gap);
        c
    }

    /// The cache that serves `key` now: the first live node clockwise on the ring, or in
    /// write-through mode the owner only (never a substitute: see the module essay).
    pub fn route(&self, model: &CachingModel, key: Key, now: Time) -> Option<NodeId> {
        let ring = &model.ring;
        if ring.is_empty() {
            return None;
        }
        let h = super::key_hash(key);
        let start = ring.partition_point(|p| p.0 < h);
        for i in 0..ring.len() {
            let (_, idx) = ring[(start + i) % ring.len()];
            if self.down_until.get(idx as usize).is_none_or(|t| *t <= now) {
                return Some(model.cache_id(idx));
            }
            if model.mode == Mode::WriteThrough {
                return None;
            }
        }
        None
    }

    fn stamp(&mut self, now: Time) -> Stamp {
        let s = (now * 16 + self.index as u64).max(self.last_stamp + 16);
        self.last_stamp = s;
        s
    }

    /// Issues a request.
    pub fn issue(&mut self, model: &CachingModel, write: bool, key: Key, ctx: &mut Ctx<CachingModel>) {
        if self.ops.len() >= OUTSTANDING_MAX {
            self.shed += 1;
            return;
        }
        let req = self.next_req;
        self.next_req += 1;
        let now = ctx.now();
        let route = self.route(model, key, now);
        let mut op = Op { write, key, issued: now, stage: Stage::AtCache, cache: route, stamp: 0, lease: None, retries: 0, mode: model.mode };
        if write {
            op.stamp = self.stamp(now);
            match (model.mode, route) {
                (Mode::WriteThrough | Mode::WriteBehind, Some(c)) => ctx.send(c, Msg::Put { key, req, stamp: op.stamp }),
                (Mode::WriteThrough, None) => {
                    self.ops.insert(req, op);
                    self.finish(req, false, 0, false, now);
                    return;
                }
                _ => {
                    op.stage = Stage::AtDb;
                    ctx.send(model.db_id(), Msg::DbWrite { key, tag: req, stamp: op.stamp });
                }
            }
        } else {
            match route {
                Some(c) => ctx.send(c, Msg::Get { key, req }),
                None if model.mode == Mode::WriteThrough => {
                    self.ops.insert(req, op);
                    self.finish(req, false, 0, false, now);
                    return;
                }
                None => {
                    op.stage = Stage::AtDb;
                    ctx.send(model.db_id(), Msg::DbRead { key, tag: req });
                }
            }
        }
        self.ops.insert(req, op);
        ctx.set_timer(Timer::Timeout(req), model.timeout());
    }

    fn finish(&mut self, req: u64, ok: bool, stamp: Stamp, hit: bool, now: Time) {
        let Some(op) = self.ops.remove(&req) else { return };
        if op.write {
            self.writes += 1;
        } else {
            self.reads += 1;
        }
        if hit {
            self.hits += 1;
        }
        if !ok {
            self.failed += 1;
        }
        self.recent.push(Done { key: op.key, write: op.write, ok, stamp, issued: op.issued, at: now, hit, wt: op.mode == Mode::WriteThrough });
    }

    fn complete(&mut self, req: u64, ok: bool, stamp: Stamp, hit: bool, ctx: &mut Ctx<CachingModel>) {
        if self.ops.contains_key(&req) {
            ctx.cancel_timer(Timer::Timeout(req));
            ctx.cancel_timer(Timer::Retry(req));
            self.finish(req, ok, stamp, hit, ctx.now());
        }
    }

    /// Completes a single-flight group led by `req` (cache-aside at the client).
    fn complete_flight(&mut self, key: Key, ok: bool, stamp: Stamp, ctx: &mut Ctx<CachingModel>) {
        if let Some(group) = self.flight.remove(&key) {
            for r in group {
                self.complete(r, ok, stamp, false, ctx);
            }
        }
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &CachingModel, from: NodeId, msg: Msg, ctx: &mut Ctx<CachingModel>) {
        self.recent.clear();
        match msg {
            Msg::Value { req, stamp, hit, .. } => self.complete(req, true, stamp, hit, ctx),
            Msg::Fail { req, .. } => self.complete(req, false, 0, false, ctx),
            Msg::PutAck { req, stamp, .. } => self.complete(req, true, stamp, false, ctx),
            Msg::Deleted { req, .. } => {
                let s = self.ops.get(&req).map_or(0, |o| o.stamp);
                self.complete(req, true, s, false, ctx)
            }
            Msg::Miss { key, req, lease, wait } => {
                let Some(op) = self.ops.get_mut(&req) else { return };
                if wait {
                    op.retries += 1;
                    if op.retries > RETRIES_MAX {
                        self.complete(req, false, 0, false, ctx);
                    } else {
                        op.stage = Stage::Waiting;
                        ctx.set_timer(Timer::Retry(req), model.lease_wait());
                    }
                    return;
                }
                op.lease = lease;
                if model.cure == Cure::SingleFlight {
                    if let Some(group) = self.flight.get_mut(&key) {
                        group.push(req);
                        op.stage = Stage::Joined;
                        return;
                    }
                    self.flight.insert(key, alloc::vec![req]);
                }
                op.stage = Stage::AtDb;
                ctx.send(model.db_id(), Msg::DbRead { key, tag: req });
            }
            Msg::DbValue { key, tag, stamp } => {
                let Some(op) = self.ops.get(&tag) else { return };
                if op.write || op.stage != Stage::AtDb {
                    return;
                }
                if let (Some(c), true) = (op.cache, op.mode == Mode::CacheAside) {
                    ctx.send(c, Msg::Set { key, stamp, lease: op.lease });
                }
                let grouped = self.flight.get(&key).is_some_and(|g| g.first() == Some(&tag));
                if grouped {
                    self.complete_flight(key, true, stamp, ctx);
                } else {
                    self.complete(tag, true, stamp, false, ctx);
                }
            }
            Msg::DbAck { key, tag, .. } => {
                let Some(op) = self.ops.get_mut(&tag) else { return };
                if !op.write || op.stage != Stage::AtDb {
                    return;
                }
                let route = op.cache;
                match (op.mode, route) {
                    (Mode::CacheAside | Mode::ReadThrough, Some(c)) => {
                        op.stage = Stage::Deleting;
                        ctx.send(c, Msg::Delete { key, req: tag });
                    }
                    _ => {
                        let s = op.stamp;
                        self.complete(tag, true, s, false, ctx);
                    }
                }
            }
            _ => {
                let _ = from;
            }
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, model: &CachingModel, timer: Timer, ctx: &mut Ctx<CachingModel>) {
        self.recent.clear();
        match timer {
            Timer::Arrive => {
                let spec = model.spec();
                if spec != self.synced {
                    self.synced = spec;
                    let keep = if spec.shape == super::workload::Shape::Trace { self.gen.trace() } else { None };
                    self.gen = Gen::new(spec, keep).scan_range(self.index);
                }
                if model.rate > 0.0 {
                    let write = ctx.rng().chance(model.write_share);
                    let key = self.gen.next(ctx.rng());
                    self.issue(model, write, key, ctx);
                }
                let gap = model.arrival_gap(ctx.rng());
                ctx.set_timer(Timer::Arrive, gap);
            }
            Timer::Timeout(req) => {
                let Some(op) = self.ops.get(&req) else { return };
                if let (Stage::AtCache | Stage::Deleting | Stage::Waiting, Some(c)) = (op.stage, op.cache) {
                    let idx = model.cache_index(c);
                    if let Some(t) = self.down_until.get_mut(idx as usize) {
                        *t = ctx.now() + model.down_ms as Time * MS;
                    }
                }
                let (key, leader) = (op.key, op.stage == Stage::AtDb && !op.write);
                if leader && self.flight.get(&key).is_some_and(|g| g.first() == Some(&req)) {
                    self.complete_flight(key, false, 0, ctx);
                } else {
                    if let Some(g) = self.flight.get_mut(&key) {
                        g.retain(|r| *r != req);
                    }
                    self.finish(req, false, 0, false, ctx.now());
                    ctx.cancel_timer(Timer::Retry(req));
                }
            }
            Timer::Retry(req) => {
                let Some(op) = self.ops.get_mut(&req) else { return };
                let key = op.key;
                op.stage = Stage::AtCache;
                let route = self.route(model, key, ctx.now());
                let op = self.ops.get_mut(&req).expect("present");
                op.cache = route;
                match route {
                    Some(c) => ctx.send(c, Msg::Get { key, req }),
                    None => {
                        op.stage = Stage::AtDb;
                        ctx.send(model.db_id(), Msg::DbRead { key, tag: req });
                    }
                }
            }
            _ => {}
        }
    }

    /// Handles a command.
    pub fn on_command(&mut self, model: &CachingModel, cmd: Cmd, ctx: &mut Ctx<CachingModel>) {
        self.recent.clear();
        match cmd {
            Cmd::Read(k) => self.issue(model, false, k, ctx),
            Cmd::Write(k) => self.issue(model, true, k, ctx),
            Cmd::Trace(t) => {
                let mut spec = self.gen.spec();
                spec.shape = super::workload::Shape::Trace;
                self.gen = Gen::new(spec, Some(t));
                ctx.announce(format_args!("client {} now replays a trace of {} keys", self.index + 1, self.gen.trace_len()));
            }
            Cmd::Flush => {}
        }
    }
}

