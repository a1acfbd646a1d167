//! Cache nodes: a bounded key → value store run by one eviction policy, answering gets, filling
//! misses from the database (read-through and the modes built on it), writing through or
//! behind, honouring TTLs, and guarding fills with leases, single flight and XFetch.

use super::msg::{Msg, Stamp, Timer};
use super::policy::{AnyPolicy, Key, Policy};
use super::{CachingModel, Cure, Mode};
use crate::model::Ctx;
use crate::time::Time;
use crate::NodeId;
use crate::small::{SmallMap, SmallSet};
use alloc::rc::Rc;
use alloc::vec::Vec;

/// A cached value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    /// Version.
    pub stamp: Stamp,
    /// When it expires (`Time::MAX`: never).
    pub expires: Time,
    /// How long the fetch that produced it took (XFetch's δ).
    pub fetch_us: Time,
    /// Written here but not yet in the database (write-behind).
    pub dirty: bool,
}

/// A database fetch in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    /// Key.
    pub key: Key,
    /// Clients waiting for it: (client, request).
    pub waiters: Vec<(NodeId, u64)>,
    /// A write to the key arrived meanwhile: the value fetched may be older, do not store it.
    pub stale: bool,
    /// When it started.
    pub started: Time,
}

/// A write-through write waiting for the database.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PendingWrite {
    /// Key.
    pub key: Key,
    /// Client and its request.
    pub client: NodeId,
    #[allow(missing_docs)]
    pub req: u64,
    /// Stamp written.
    pub stamp: Stamp,
}

/// A cache node.
#[derive(Clone, Debug)]
pub struct Cache {
    /// The eviction policy (holds the keys in its own order).
    pub policy: AnyPolicy,
    /// The values.
    pub entries: SmallMap<Key, Entry>,
    /// Fetches in flight by ticket.
    pub fills: SmallMap<u64, Fill>,
    /// The fetch new misses of a key join (single flight, or leases in read-through modes).
    pub flight: SmallMap<Key, u64>,
    /// Leases handed out (cache-aside): key → (token, expiry).
    pub leases: SmallMap<Key, (u64, Time)>,
    /// Write-through writes waiting for the database.
    pub writes: SmallMap<u64, PendingWrite>,
    /// Dirty keys (write-behind).
    pub dirty: SmallSet<Key>,
    /// Next ticket or token.
    pub next_ticket: u64,
    /// Counters.
    pub hits: u64,
    #[allow(missing_docs)]
    pub misses: u64,
    #[allow(missing_docs)]
    pub evictions: u64,
    #[allow(missing_docs)]
    pub fetches: u64,
    #[allow(missing_docs)]
    pub rejected_sets: u64,
    #[allow(missing_docs)]
    pub early_refreshes: u64,
    #[allow(missing_docs)]
    pub flushed: u64,
    /// The last key requested and whether it hit (highlighted in the figure).
    pub last: Option<(Key, bool)>,
}

impl Cache {
    /// An empty cache (a start, or a restart: caches keep nothing on a crash).
    pub fn start(model: &CachingModel, ctx: &mut Ctx<CachingModel>) -> Cache {
        ctx.set_timer(Timer::Flush, model.flush());
        Cache {
            policy: AnyPolicy::new(model.policy, model.capacity),
            entries: SmallMap::new(),
            fills: SmallMap::new(),
            flight: SmallMap::new(),
            leases: SmallMap::new(),
            writes: SmallMap::new(),
            dirty: SmallSet::new(),
            next_ticket: 1,
            hits: 0,
            misses: 0,
            evictions: 0,
            fetches: 0,
            rejected_sets: 0,
            early_refreshes: 0,
            flushed: 0,
            last: None,
        }
    }

    /// Rebuilds the policy if the policy or the capacity setting changed (keys kept in key
    /// order, extras evicted).
    fn sync(&mut self, model: &CachingModel, ctx: &mut Ctx<CachingModel>) {
        if self.policy.kind() == model.policy && self.policy.capacity() == model.capacity {
            return;
        }
        let mut p = AnyPolicy::new(model.policy, model.capacity);
        let keys: Vec<Key> = self.entries.keys().copied().collect();
        for k in keys {
            if let Some(v) = p.insert(k, ctx.rng()) {
                self.drop_entry(v, ctx, model);
            }
        }
        self.policy = p;
    }

    fn drop_entry(&mut self, k: Key, ctx: &mut Ctx<CachingModel>, model: &CachingModel) {
        if let Some(e) = self.entries.remove(&k) {
            self.evictions += 1;
            if e.dirty {
                // Evicting a dirty entry writes it out first.
                self.dirty.remove(&k);
                self.flushed += 1;
                ctx.send(model.db_id(), Msg::Flush(Rc::new(alloc::vec![(k, e.stamp)])));
            }
        }
    }

    /// Stores a value, evicting as the policy says.
    fn store(&mut self, model: &CachingModel, key: Key, stamp: Stamp, fetch_us: Time, dirty: bool, ctx: &mut Ctx<CachingModel>) {
        let expires = if model.ttl_ms > 0.0 { ctx.now() + model.ttl() } else { Time::MAX };
        let entry = Entry { stamp, expires, fetch_us, dirty };
        if let Some(e) = self.entries.get_mut(&key) {
            *e = entry;
        } else {
            match self.policy.insert(key, ctx.rng()) {
                Some(v) if v == key => {
                    // Not admitted: a dirty value goes straight to the database.
                    if dirty {
                        self.flushed += 1;
                        ctx.send(model.db_id(), Msg::Flush(Rc::new(alloc::vec![(key, stamp)])));
                    }
                    return;
                }
                Some(v) if !model.bug_no_evict => self.drop_entry(v, ctx, model),
                _ => {}
            }
            self.entries.insert(key, entry);
        }
        if dirty {
            self.dirty.insert(key);
        } else {
            self.dirty.remove(&key);
        }
    }

    fn remove_key(&mut self, key: Key) {
        self.policy.remove(key);
        self.entries.remove(&key);
        self.dirty.remove(&key);
    }

    /// A write to `key` arrived: fetches already under way may bring an older value.
    fn writes_key(&mut self, key: Key) {
        self.flight.remove(&key);
        // Every fetch of the key in flight (a scan of the few fetches in flight: a set of
        // (key, ticket) pairs kept beside them was one more map type in the page).
        self.fills.retain(|_, f| {
            f.stale |= f.key == key;
            true
        });
    }

    fn start_fill(&mut self, model: &CachingModel, key: Key, waiter: Option<(NodeId, u64)>, ctx: &mut Ctx<CachingModel>) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.fills.insert(t, Fill { key, waiters: waiter.into_iter().collect(), stale: false, started: ctx.now() });
        self.fetches += 1;
        ctx.send(model.db_id(), Msg::DbRead { key, tag: t });
        ctx.set_timer(Timer::Fill(t), model.timeout());
        t
    }

    fn end_fill(&mut self, t: u64) -> Option<Fill> {
        let f = self.fills.remove(&t)?;
        if self.flight.get(&f.key) == Some(&t) {
            self.flight.remove(&f.key);
        }
        Some(f)
    }

    fn get(&mut self, model: &CachingModel, from: NodeId, key: Key, req: u64, ctx: &mut Ctx<CachingModel>) {
        let now = ctx.now();
        let fresh = self.entries.get(&key).copied().filter(|e| e.dirty || e.expires > now);
        if let Some(e) = fresh {
            // XFetch: recompute early with a probability that rises as expiry nears.
            let early = model.cure == Cure::XFetch && e.expires != Time::MAX && !e.dirty && {
                let delta = e.fetch_us.max(1) as f64;
                let u = 1.0 - ctx.rng().unit();
                now as f64 - delta * model.xfetch_beta * libm::log(u) >= e.expires as f64
            };
            self.policy.touch(key);
            if early {
                self.early_refreshes += 1;
                if model.mode == Mode::CacheAside {
                    self.misses += 1;
                    self.last = Some((key, false));
                    ctx.send(from, Msg::Miss { key, req, lease: None, wait: false });
                    return;
                }
                if !self.flight.contains_key(&key) {
                    let t = self.start_fill(model, key, None, ctx);
                    self.flight.insert(key, t);
                }
            }
            self.hits += 1;
            self.last = Some((key, true));
            ctx.send(from, Msg::Value { key, req, stamp: e.stamp, hit: true });
            return;
        }
        if self.entries.contains_key(&key) {
            self.remove_key(key); // expired
        } else {
            self.policy.touch(key); // lets frequency-based policies count the miss
        }
        self.misses += 1;
        self.last = Some((key, false));
        if model.mode == Mode::CacheAside {
            if model.cure == Cure::Leases {
                if self.leases.get(&key).is_some_and(|l| l.1 > now) {
                    ctx.send(from, Msg::Miss { key, req, lease: None, wait: true });
                    return;
                }
                let token = self.next_ticket;
                self.next_ticket += 1;
                self.leases.insert(key, (token, now + model.timeout()));
                ctx.send(from, Msg::Miss { key, req, lease: Some(token), wait: false });
            } else {
                ctx.send(from, Msg::Miss { key, req, lease: None, wait: false });
            }
            return;
        }
        let coalesce = matches!(model.cure, Cure::SingleFlight | Cure::Leases);
        if coalesce {
            if let Some(f) = self.flight.get(&key).and_then(|t| self.fills.get_mut(t)) {
                f.waiters.push((from, req));
                return;
            }
        }
        let t = self.start_fill(model, key, Some((from, req)), ctx);
        if coalesce {
            self.flight.insert(key, t);
        }
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &CachingModel, from: NodeId, msg: Msg, ctx: &mut Ctx<CachingModel>) {
        self.sync(model, ctx);
        match msg {
            Msg::Get { key, req } => self.get(model, from, key, req, ctx),
            Msg::DbValue { key, tag, stamp } => {
                let Some(f) = self.end_fill(tag) else { return };
                ctx.cancel_timer(Timer::Fill(tag));
                let newer = self.entries.get(&key).is_none_or(|e| e.stamp <= stamp && !e.dirty);
                if model.bug_blind_fill || (!f.stale && newer) {
                    let took = ctx.now().saturating_sub(f.started);
                    self.store(model, key, stamp, took, false, ctx);
                }
                for (c, req) in f.waiters {
                    ctx.send(c, Msg::Value { key, req, stamp, hit: false });
                }
            }
            Msg::Set { key, stamp, lease } => {
                if model.cure == Cure::Leases {
                    let valid = lease.is_some() && self.leases.get(&key).map(|l| l.0) == lease;
                    if !valid {
                        self.rejected_sets += 1;
                        return;
                    }
                    self.leases.remove(&key);
                }
                // A plain set overwrites whatever is there: the cache cannot tell old from new.
                self.store(model, key, stamp, model.db_service(), false, ctx);
            }
            Msg::Delete { key, req } => {
                self.remove_key(key);
                self.leases.remove(&key);
                self.writes_key(key);
                ctx.send(from, Msg::Deleted { key, req });
            }
            Msg::Put { key, req, stamp } => {
                self.writes_key(key);
                if model.mode == Mode::WriteBehind {
                    if self.entries.get(&key).is_none_or(|e| e.stamp < stamp) {
                        self.store(model, key, stamp, model.db_service(), true, ctx);
                    }
                    ctx.send(from, Msg::PutAck { key, req, stamp });
                } else {
                    let t = self.next_ticket;
                    self.next_ticket += 1;
                    self.writes.insert(t, PendingWrite { key, client: from, req, stamp });
                    ctx.send(model.db_id(), Msg::DbWrite { key, tag: t, stamp });
                    ctx.set_timer(Timer::Write(t), model.timeout());
                }
            }
            Msg::DbAck { key, tag, stamp } => {
                let Some(w) = self.writes.remove(&tag) else { return };
                ctx.cancel_timer(Timer::Write(tag));
                if self.entries.get(&key).is_none_or(|e| e.stamp < stamp) {
                    self.store(model, key, stamp, model.db_service(), false, ctx);
                }
                ctx.send(w.client, Msg::PutAck { key, req: w.req, stamp: w.stamp });
            }
            _ => {}
        }
    }

    /// Sends every dirty entry to the database in one batch.
    pub fn flush(&mut self, model: &CachingModel, ctx: &mut Ctx<CachingModel>) {
        if self.dirty.is_empty() {
            return;
        }
        let batch: Vec<(Key, Stamp)> = self.dirty.iter().filter_map(|k| self.entries.get(k).map(|e| (*k, e.stamp))).collect();
        for (k, _) in &batch {
            if let Some(e) = self.entries.get_mut(k) {
                e.dirty = false;
            }
        }
        self.dirty.clear();
        self.flushed += batch.len() as u64;
        ctx.send(model.db_id(), Msg::Flush(Rc::new(batch)));
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, model: &CachingModel, timer: Timer, ctx: &mut Ctx<CachingModel>) {
        self.sync(model, ctx);
        match timer {
            Timer::Fill(t) => {
                if let Some(f) = self.end_fill(t) {
                    for (c, req) in f.waiters {
                        ctx.send(c, Msg::Fail { key: f.key, req });
                    }
                }
            }
            Timer::Write(t) => {
                if let Some(w) = self.writes.remove(&t) {
                    ctx.send(w.client, Msg::Fail { key: w.key, req: w.req });
                }
            }
            Timer::Flush => {
                self.flush(model, ctx);
                let now = ctx.now();
                self.leases.retain(|_, l| l.1 > now);
                ctx.set_timer(Timer::Flush, model.flush());
            }
            _ => {}
        }
    }
}
