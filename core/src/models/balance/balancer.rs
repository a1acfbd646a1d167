//! The balancer actor: a reverse proxy in front of the servers.
//!
//! Requests from clients are routed by the current algorithm to an eligible backend (registered,
//! not removed, passing health checks, not ejected as an outlier, and at layer 7 in the pool for
//! the request's path). Responses come back through the balancer, which is how it knows each
//! backend's requests in progress and response times. Derived routing structures (member lists,
//! the hash ring, the least-connections index, the per-region lists) are rebuilt only when
//! membership or health changes, so routing one request costs O(1) to O(log n), except smooth
//! weighted round robin, whose O(n) update on every pick is the algorithm itself.

use super::algorithms::{hash_key, Algorithm, LeastConn, Ring};
use super::{BalanceModel, Msg, Profile, Req, Status, Tally, Timer};
use crate::model::Ctx;
use crate::time::{Time, MS};
use crate::NodeId;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// Why a backend is out of rotation, if it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// In rotation.
    Ok,
    /// Failed `fall` health checks in a row.
    Unhealthy,
    /// Ejected by passive outlier detection until a time.
    Ejected,
    /// Left the pool (removed by the operator).
    Removed,
}

/// The balancer's record of one backend server.
#[derive(Clone, Debug)]
pub struct Backend {
    /// The server's node id.
    pub node: NodeId,
    /// Its settings as registered.
    pub profile: Profile,
    /// Passing health checks.
    pub healthy: bool,
    /// Removed from the pool.
    pub removed: bool,
    /// Ejected as an outlier until this time (0 = not ejected).
    pub ejected_until: Time,
    /// Requests forwarded and not yet answered.
    pub active: u32,
    /// Peak-EWMA of response time, µs.
    pub ewma_us: f64,
    /// When the EWMA was last updated.
    pub ewma_at: Time,
    /// Consecutive health-check failures / successes.
    pub fails: u32,
    /// Consecutive health-check successes.
    pub rises: u32,
    /// Sequence of the last probe answered.
    pub acked: u32,
    /// Consecutive failed (or too slow) responses, for outlier detection.
    pub bad_streak: u32,
    /// Requests routed here so far.
    pub routed: u64,
    /// Current weight for smooth weighted round robin.
    pub wrr_current: i64,
    /// Key in the least-connections index, when in it.
    lc_key: Option<(u64, u64)>,
}

impl Backend {
    fn new(node: NodeId, profile: Profile) -> Backend {
        Backend {
            node,
            profile,
            healthy: true,
            removed: false,
            ejected_until: 0,
            active: 0,
            ewma_us: 0.0,
            ewma_at: 0,
            fails: 0,
            rises: 0,
            acked: 0,
            bad_streak: 0,
            routed: 0,
            wrr_current: 0,
            lc_key: None,
        }
    }

    /// Why it is out of rotation, if it is.
    pub fn standing(&self) -> Standing {
        if self.removed {
            Standing::Removed
        } else if !self.healthy {
            Standing::Unhealthy
        } else if self.ejected_until != 0 {
            Standing::Ejected
        } else {
            Standing::Ok
        }
    }

    /// Whether requests may be routed here.
    pub fn eligible(&self) -> bool {
        self.standing() == Standing::Ok
    }
}

/// Routing structures for one pool of eligible backends (all of them at layer 4; per path at
/// layer 7).
#[derive(Clone, Debug, Default)]
struct Pool {
    /// Eligible backend slots, by node id.
    members: Vec<u16>,
    ring: Ring,
    lc: LeastConn,
    rr: u32,
    /// Eligible slots per region.
    regions: Vec<Vec<u16>>,
    region_rr: Vec<u32>,
}

/// What the balancer did with the last request it routed (read by the observer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// Session key (client and session).
    pub key: u32,
    /// Backend slot.
    pub slot: u16,
    /// Backend node.
    pub node: NodeId,
    /// The request's pool.
    pub pool: u8,
}

/// The balancer.
#[derive(Clone, Debug)]
pub struct Balancer {
    /// Every backend ever registered, in registration order.
    pub backends: Vec<Backend>,
    /// Slot of each node id (`u16::MAX` = not a backend).
    slot_of: Vec<u16>,
    pools: [Pool; 2],
    /// Whether the pools need rebuilding.
    dirty: bool,
    /// Algorithm the pools were built for.
    built_for: Option<(Algorithm, bool, u32)>,
    /// Sticky sessions: session key → backend slot.
    pub sticky: BTreeMap<u32, u16>,
    /// Health-check round.
    probe_seq: u32,
    /// What happened to the last request routed during the current event.
    pub last_route: Option<Route>,
    /// Backends ejected so far (health checks and outlier detection).
    pub ejections: u64,
    /// Counters for the observer.
    pub tally: Tally,
}

/// What survives a balancer crash: its configuration (the registry and sticky table).
#[derive(Clone, Debug)]
pub struct BalancerDurable {
    /// Registered backends: node and profile, and whether removed.
    pub registry: Vec<(NodeId, Profile, bool)>,
    /// Sticky table.
    pub sticky: BTreeMap<u32, u16>,
}

const NO_SLOT: u16 = u16::MAX;

impl Balancer {
    /// A balancer whose upstream block lists `registry`.
    pub fn start(model: &BalanceModel, durable: BalancerDurable, ctx: &mut Ctx<BalanceModel>) -> Balancer {
        let mut b = Balancer {
            backends: Vec::new(),
            slot_of: Vec::new(),
            pools: Default::default(),
            dirty: true,
            built_for: None,
            sticky: durable.sticky,
            probe_seq: 0,
            last_route: None,
            ejections: 0,
            tally: Tally::default(),
        };
        for (node, profile, removed) in durable.registry {
            let slot = b.add_backend(node, profile);
            b.backends[slot as usize].removed = removed;
        }
        ctx.set_timer(Timer::Health, model.tick_interval());
        b
    }

    /// The durable part.
    pub fn durable(&self) -> BalancerDurable {
        BalancerDurable { registry: self.backends.iter().map(|b| (b.node, b.profile, b.removed)).collect(), sticky: self.sticky.clone() }
    }

    fn add_backend(&mut self, node: NodeId, profile: Profile) -> u16 {
        if self.slot_of.len() <= node as usize {
            self.slot_of.resize(node as usize + 1, NO_SLOT);
        }
        let slot = self.backends.len() as u16;
        self.slot_of[node as usize] = slot;
        self.backends.push(Backend::new(node, profile));
        self.dirty = true;
        slot
    }

    /// The backend slot of node `node`.
    pub fn slot(&self, node: NodeId) -> Option<u16> {
        self.slot_of.get(node as usize).copied().filter(|&s| s != NO_SLOT)
    }

    /// Backends in rotation.
    pub fn in_rotation(&self) -> u32 {
        self.backends.iter().filter(|b| b.eligible()).count() as u32
    }

    fn pool_of(model: &BalanceModel, profile: &Profile) -> usize {
        if model.layer7 {
            profile.pool as usize
        } else {
            0
        }
    }

    /// Rebuilds the routing structures when membership, health, algorithm or layer changed.
    fn refresh(&mut self, model: &BalanceModel) {
        let want = (model.algorithm, model.layer7, model.vnodes);
        if !self.dirty && self.built_for == Some(want) {
            return;
        }
        self.dirty = false;
        self.built_for = Some(want);
        let regions = model.regions.max(1) as usize;
        for pool in &mut self.pools {
            pool.members.clear();
            pool.lc.clear();
            pool.regions.resize(regions, Vec::new());
            pool.region_rr.resize(regions, 0);
            for r in &mut pool.regions {
                r.clear();
            }
        }
        let mut order: Vec<u16> = (0..self.backends.len() as u16).collect();
        order.sort_by_key(|&s| self.backends[s as usize].node);
        let weighted = model.algorithm == Algorithm::WeightedLeastConnections;
        for s in order {
            let b = &mut self.backends[s as usize];
            b.lc_key = None;
            if !b.eligible() {
                continue;
            }
            let p = Self::pool_of(model, &b.profile);
            let pool = &mut self.pools[p];
            pool.members.push(s);
            let r = (b.profile.region as usize).min(regions - 1);
            pool.regions[r].push(s);
            if model.algorithm.uses_least_conn() {
                b.lc_key = Some(pool.lc.insert(s, LeastConn::score(b.active, b.profile.weight, weighted)));
            }
        }
        if model.algorithm == Algorithm::ConsistentHash {
            for p in 0..2 {
                let members = &self.pools[p].members;
                let backends = &self.backends;
                self.pools[p].ring = Ring::build(members.iter().map(|&s| (backends[s as usize].node, backends[s as usize].profile.weight)), model.vnodes);
            }
        } else {
            for pool in &mut self.pools {
                pool.ring = Ring::default();
            }
        }
    }

    /// Re-files a backend in the least-connections index after its `active` count changed.
    fn touch(&mut self, model: &BalanceModel, slot: u16) {
        let b = &mut self.backends[slot as usize];
        if let Some(key) = b.lc_key {
            let p = Self::pool_of(model, &b.profile);
            let weighted = model.algorithm == Algorithm::WeightedLeastConnections;
            let pool = &mut self.pools[p];
            pool.lc.remove(slot, key);
            b.lc_key = Some(pool.lc.insert(slot, LeastConn::score(b.active, b.profile.weight, weighted)));
        }
    }

    /// Chooses a backend slot for a request, or `None` when the pool has no eligible backend.
    fn choose(&mut self, model: &BalanceModel, req: &Req, key: u32, pool: usize, ctx: &mut Ctx<BalanceModel>) -> Option<u16> {
        if model.sticky {
            if let Some(&s) = self.sticky.get(&key) {
                let b = &self.backends[s as usize];
                if b.eligible() && Self::pool_of(model, &b.profile) == pool {
                    return Some(s);
                }
            }
        }
        let p = &mut self.pools[pool];
        let n = p.members.len() as u32;
        if n == 0 {
            return None;
        }
        let chosen = match model.algorithm {
            Algorithm::RoundRobin => {
                let s = p.members[(p.rr % n) as usize];
                p.rr = (p.rr + 1) % n;
                s
            }
            Algorithm::WeightedRoundRobin => {
                // nginx's smooth WRR (see `SmoothWrr`); current weights live in the backends.
                let backends = &mut self.backends;
                let mut best: Option<(u16, i64)> = None;
                let mut total = 0i64;
                for &s in &p.members {
                    let b = &mut backends[s as usize];
                    let w = b.profile.weight.max(1) as i64;
                    b.wrr_current += w;
                    total += w;
                    if best.is_none_or(|(_, c)| b.wrr_current > c) {
                        best = Some((s, b.wrr_current));
                    }
                }
                let (s, _) = best?;
                backends[s as usize].wrr_current -= total;
                s
            }
            Algorithm::Random => p.members[ctx.rng().below(n) as usize],
            Algorithm::LeastConnections | Algorithm::WeightedLeastConnections => p.lc.first()?,
            Algorithm::SourceHash => p.members[(hash_key(key) % n as u64) as usize],
            Algorithm::ConsistentHash => {
                let node = p.ring.lookup(hash_key(key))?;
                self.slot(node)?
            }
            Algorithm::PowerOfTwo | Algorithm::PeakEwma => {
                if n == 1 {
                    p.members[0]
                } else {
                    let i = ctx.rng().below(n);
                    let mut j = ctx.rng().below(n - 1);
                    if j >= i {
                        j += 1;
                    }
                    let (a, b) = (p.members[i as usize], p.members[j as usize]);
                    let cost = |s: u16| {
                        let bk = &self.backends[s as usize];
                        if model.algorithm == Algorithm::PeakEwma {
                            let rtt = if bk.ewma_us > 0.0 { bk.ewma_us } else { model.cost_ms * 1_000.0 };
                            rtt * (bk.active as f64 + 1.0)
                        } else {
                            bk.active as f64
                        }
                    };
                    if cost(b) < cost(a) {
                        b
                    } else {
                        a
                    }
                }
            }
            Algorithm::Geographic => {
                let regions = p.regions.len();
                let home = (req.region as usize).min(regions.saturating_sub(1));
                let mut found = None;
                // Nearest first: home, then one step away on either side, and so on.
                'search: for d in 0..regions {
                    for r in [home.checked_sub(d), home.checked_add(d).filter(|_| d > 0)].into_iter().flatten() {
                        if r < regions && !p.regions[r].is_empty() {
                            let list = &p.regions[r];
                            let k = p.region_rr[r] % list.len() as u32;
                            p.region_rr[r] = (k + 1) % list.len() as u32;
                            found = Some(list[k as usize]);
                            break 'search;
                        }
                    }
                }
                found?
            }
        };
        if model.sticky {
            self.sticky.insert(key, chosen);
        }
        Some(chosen)
    }

    fn route(&mut self, model: &BalanceModel, mut req: Req, ctx: &mut Ctx<BalanceModel>) {
        self.refresh(model);
        let pool = if model.layer7 { req.path as usize } else { 0 };
        let key = model.session_key(&req);
        match self.choose(model, &req, key, pool, ctx) {
            Some(slot) => {
                let b = &mut self.backends[slot as usize];
                b.active += 1;
                b.routed += 1;
                req.server = b.node;
                req.server_region = b.profile.region;
                req.fwd_at = ctx.now();
                let node = b.node;
                self.touch(model, slot);
                self.last_route = Some(Route { key, slot, node, pool: pool as u8 });
                self.tally.routed += 1;
                self.tally.sent_req += 1;
                ctx.send(node, Msg::Request(req));
            }
            None => {
                self.tally.sent_req += 1;
                ctx.send(req.client as NodeId, Msg::Response(req, Status::NoBackend));
            }
        }
    }

    fn on_response(&mut self, model: &BalanceModel, from: NodeId, req: Req, status: Status, ctx: &mut Ctx<BalanceModel>) {
        if let Some(slot) = self.slot(from) {
            let now = ctx.now();
            let b = &mut self.backends[slot as usize];
            b.active = b.active.saturating_sub(1);
            let rtt = now.saturating_sub(req.fwd_at) as f64;
            if status == Status::Ok {
                // Peak EWMA: jump up to a worse sample at once, decay towards better ones.
                if rtt > b.ewma_us {
                    b.ewma_us = rtt;
                } else {
                    let dt = now.saturating_sub(b.ewma_at) as f64;
                    let w = libm::exp(-dt / super::EWMA_DECAY_US);
                    b.ewma_us = b.ewma_us * w + rtt * (1.0 - w);
                }
                b.ewma_at = now;
            }
            let bad = status != Status::Ok || (model.outlier_slow_ms > 0.0 && rtt > model.outlier_slow_ms * 1_000.0);
            b.bad_streak = if bad { b.bad_streak + 1 } else { 0 };
            let eject = model.outlier && bad && b.bad_streak >= model.outlier_errors && b.eligible();
            self.touch(model, slot);
            if eject {
                self.try_eject(model, slot, ctx);
            }
        }
        self.tally.sent_req += 1;
        ctx.send(req.client as NodeId, Msg::Response(req, status));
    }

    /// Ejects an outlier, unless that would take more than half the backends out of rotation.
    fn try_eject(&mut self, model: &BalanceModel, slot: u16, ctx: &mut Ctx<BalanceModel>) {
        let total = self.backends.iter().filter(|b| !b.removed).count() as u32;
        let out = self.backends.iter().filter(|b| !b.removed && !b.eligible()).count() as u32;
        if (out + 1) * 2 > total {
            return;
        }
        let until = ctx.now() + (model.outlier_eject_ms * MS as f64) as Time;
        let b = &mut self.backends[slot as usize];
        b.ejected_until = until.max(1);
        b.bad_streak = 0;
        b.active = 0;
        let node = b.node;
        self.ejections += 1;
        self.dirty = true;
        ctx.announce(format_args!("balancer ejects {} as an outlier", model.label(node)));
        self.notify(node, false, ctx);
    }

    fn notify(&mut self, node: NodeId, on: bool, ctx: &mut Ctx<BalanceModel>) {
        self.tally.sent_ctl += 1;
        ctx.send(node, Msg::Notice(on));
    }

    fn health_tick(&mut self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>) {
        let now = ctx.now();
        // Outliers whose ejection time is over come back.
        for i in 0..self.backends.len() {
            let b = &mut self.backends[i];
            if b.ejected_until != 0 && b.ejected_until <= now {
                b.ejected_until = 0;
                let node = b.node;
                self.dirty = true;
                ctx.note(format!("{} back from outlier ejection", model.label(node)));
                if self.backends[i].eligible() {
                    self.notify(node, true, ctx);
                }
            }
        }
        if model.health_checks {
            self.probe_seq = self.probe_seq.wrapping_add(1);
            let seq = self.probe_seq;
            for i in 0..self.backends.len() {
                if self.backends[i].removed {
                    continue;
                }
                let node = self.backends[i].node;
                self.tally.sent_ctl += 1;
                ctx.send(node, Msg::Probe(seq));
            }
            ctx.set_timer(Timer::HealthTimeout, model.hc_timeout());
        } else {
            // With checks off, every backend counts as healthy.
            for i in 0..self.backends.len() {
                if !self.backends[i].healthy {
                    self.backends[i].healthy = true;
                    self.dirty = true;
                }
            }
        }
        ctx.set_timer(Timer::Health, model.tick_interval());
    }

    fn health_verdicts(&mut self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>) {
        if !model.health_checks {
            return;
        }
        let seq = self.probe_seq;
        for i in 0..self.backends.len() {
            let b = &mut self.backends[i];
            if b.removed {
                continue;
            }
            let node = b.node;
            if b.acked == seq {
                b.fails = 0;
                b.rises += 1;
                if !b.healthy && b.rises >= model.hc_rise {
                    b.healthy = true;
                    self.dirty = true;
                    ctx.announce(format_args!("health checks readmit {}", model.label(node)));
                    if self.backends[i].eligible() {
                        self.notify(node, true, ctx);
                    }
                }
            } else {
                b.rises = 0;
                b.fails += 1;
                if b.healthy && b.fails >= model.hc_fall {
                    b.healthy = false;
                    // Its connections are considered broken: in-progress counts start over.
                    b.active = 0;
                    self.dirty = true;
                    self.ejections += 1;
                    ctx.announce(format_args!("health checks eject {}", model.label(node)));
                    self.notify(node, false, ctx);
                }
            }
        }
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &BalanceModel, from: NodeId, msg: Msg, ctx: &mut Ctx<BalanceModel>) {
        self.last_route = None;
        match msg {
            Msg::Request(req) => {
                self.tally.recv_req += 1;
                self.route(model, req, ctx);
            }
            Msg::Response(req, status) => {
                self.tally.recv_req += 1;
                self.on_response(model, from, req, status, ctx);
            }
            Msg::ProbeAck(seq) => {
                self.tally.recv_ctl += 1;
                if let Some(s) = self.slot(from) {
                    if seq == self.probe_seq {
                        self.backends[s as usize].acked = seq;
                    }
                }
            }
            Msg::Register(profile, fresh) => {
                self.tally.recv_ctl += 1;
                match self.slot(from) {
                    Some(s) => {
                        let b = &mut self.backends[s as usize];
                        let rejoined = b.removed;
                        b.profile = profile;
                        b.removed = false;
                        if fresh || rejoined {
                            // A restarted server lost whatever it held.
                            b.active = 0;
                        }
                        if rejoined {
                            ctx.announce(format_args!("{} rejoins the pool", model.label(from)));
                        }
                    }
                    None => {
                        self.add_backend(from, profile);
                        ctx.announce(format_args!("{} joins the pool", model.label(from)));
                    }
                }
                self.dirty = true;
                self.tally.sent_ctl += 1;
                ctx.send(from, Msg::Welcome);
            }
            Msg::Leave => {
                self.tally.recv_ctl += 1;
                if let Some(s) = self.slot(from) {
                    self.backends[s as usize].removed = true;
                    self.dirty = true;
                }
            }
            Msg::Probe(_) | Msg::Welcome | Msg::Notice(_) => self.tally.recv_ctl += 1,
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, model: &BalanceModel, timer: Timer, ctx: &mut Ctx<BalanceModel>) {
        self.last_route = None;
        match timer {
            Timer::Health => self.health_tick(model, ctx),
            Timer::HealthTimeout => self.health_verdicts(model, ctx),
            Timer::Arrive | Timer::Done(_) | Timer::Register => {}
        }
    }
}
