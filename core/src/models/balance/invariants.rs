//! The observer: a ledger of every request, the three invariants, and the metric windows.
//!
//! # The ledger (conservation)
//! Every node keeps monotonic counters (a [`Tally`]): messages sent and received, split into
//! request-carrying ones (requests and responses) and control ones (probes, registration), and
//! at clients the requests issued, completed and failed by reason; at servers the requests
//! held (queued or in service). After each event the observer adds the change in the acting
//! node's counters to its ledger, so the work per event is O(1) whatever the number of nodes.
//! The network's losses arrive through `on_lost`; a server's crash is noticed after the crash
//! action, when whatever it held is written off as crashed. Copies the network duplicates are
//! inferred from the kernel's count of messages in flight.
//!
//! Conservation then says: copies issued − copies ended = copies on the wire + copies held.
//! A handler that swallows a request without answering it, or answers one twice, breaks it at
//! the very event where it happens. A second check compares the ledger's count of messages on
//! the wire with the kernel's own count, which catches a node miscounting what it received.
//!
//! # Routing invariants
//! After the balancer routes a request, the backend it chose must be in rotation by the
//! balancer's own authoritative flags (the routing structures are derived data, rebuilt on
//! changes; this catches any that went stale). With stickiness on, a session must go to the
//! server that served it last, as long as the balancer still has that server in rotation.

use super::metrics::{Histogram, SLOTS};
use super::{BalanceModel, Msg, Node, Reason, Tally, REASONS};
use crate::model::{Happened, Loss, Nodes};
use crate::view::Violation;
use crate::NodeId;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

/// Name of the conservation invariant.
pub const CONSERVATION: &str = "Request conservation";
/// Name of the ejection invariant.
pub const NO_EJECTED: &str = "No routing to ejected servers";
/// Name of the affinity invariant.
pub const AFFINITY: &str = "Session affinity";

/// Omniscient history: the ledger, session placements and metric windows.
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    started: bool,
    /// Last counters seen per node.
    seen: Vec<Tally>,
    /// Request copies created: issued plus network duplicates.
    pub copies: i64,
    /// Requests completed (first successful response).
    pub completed: i64,
    /// Copies ended without success, by [`Reason`].
    pub ended: [i64; REASONS],
    req_net: i64,
    ctl_net: i64,
    /// Requests held by servers.
    pub held: i64,
    lost_req: i64,
    lost_ctl: i64,
    lost_since: i64,
    kernel_prev: i64,
    broken: bool,
    /// Last server each session went to.
    sessions: BTreeMap<u32, NodeId>,
    /// Where each session is pinned, while stickiness is on (cleared when it is turned on).
    pinned: BTreeMap<u32, NodeId>,
    sticky_seen: bool,
    /// Requests that went to a different server than their session's previous one.
    pub moved: u64,
    /// Requests issued.
    pub issued: i64,
    /// Requests received per server node over the window: per-slot counts and running sum.
    recv_slots: Vec<[u32; SLOTS]>,
    recv_win: Vec<u32>,
    hist_slots: Vec<Histogram>,
    hist_win: Histogram,
    done_slots: [u32; SLOTS],
    drop_slots: [[u32; 3]; SLOTS],
    util_slots: [f64; SLOTS],
    cur: usize,
    samples: u64,
    /// Last sampled values, by metric index.
    pub last: [f64; super::METRICS.len()],
    /// Largest p99 sampled, ms.
    pub max_p99_ms: f64,
    /// Largest imbalance sampled.
    pub max_imbalance: f64,
    /// Sum over samples of the largest server backlog, for its mean.
    max_held_sum: f64,
    /// Largest backlog any server had at a sample.
    pub max_held: f64,
    /// Sum of latencies of completed requests, µs.
    pub latency_sum_us: f64,
}

/// Which drop series a reason belongs to: 0 queue full, 1 no backend, 2 lost.
fn drop_series(r: usize) -> Option<usize> {
    match r {
        x if x == Reason::QueueFull as usize => Some(0),
        x if x == Reason::NoBackend as usize => Some(1),
        x if x == Reason::Duplicate as usize => None,
        _ => Some(2),
    }
}

impl Ghost {
    fn node_slot(&mut self, id: NodeId) -> usize {
        let i = id as usize;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, Tally::default());
            self.recv_slots.resize(i + 1, [0; SLOTS]);
            self.recv_win.resize(i + 1, 0);
        }
        i
    }

    fn ensure_hist(&mut self) {
        if self.hist_slots.is_empty() {
            self.hist_slots = vec![Histogram::default(); SLOTS];
        }
    }

    /// Requests issued and not yet ended (completed, failed or lost).
    pub fn in_flight(&self) -> i64 {
        self.copies - self.completed - self.ended.iter().sum::<i64>()
    }

    /// Requests dropped, all reasons but duplicates (which are extra copies, not requests).
    pub fn dropped(&self) -> i64 {
        self.ended.iter().enumerate().filter(|(r, _)| *r != Reason::Duplicate as usize).map(|(_, n)| n).sum()
    }

    /// Adds the change in node `id`'s counters to the ledger.
    fn absorb(&mut self, id: NodeId, now: &Tally) {
        let i = self.node_slot(id);
        let was = self.seen[i];
        let d = |a: u64, b: u64| a as i64 - b as i64;
        let issued = d(now.issued, was.issued);
        self.issued += issued;
        self.copies += issued;
        let completed = d(now.completed, was.completed);
        self.completed += completed;
        if completed > 0 {
            self.ensure_hist();
            self.hist_slots[self.cur].add(now.last_latency_us);
            self.hist_win.add(now.last_latency_us);
            self.done_slots[self.cur] += completed as u32;
            self.latency_sum_us += now.last_latency_us as f64;
        }
        for r in 0..REASONS {
            let e = d(now.ended[r], was.ended[r]);
            if e != 0 {
                self.ended[r] += e;
                if let Some(k) = drop_series(r) {
                    self.drop_slots[self.cur][k] += e.max(0) as u32;
                }
            }
        }
        self.req_net += d(now.sent_req, was.sent_req) - d(now.recv_req, was.recv_req);
        self.ctl_net += d(now.sent_ctl, was.sent_ctl) - d(now.recv_ctl, was.recv_ctl);
        self.held += d(now.held, was.held);
        let recv = d(now.recv_req, was.recv_req);
        if now.is_server && recv > 0 {
            self.recv_slots[i][self.cur] += recv as u32;
            self.recv_win[i] += recv as u32;
        }
        self.seen[i] = *now;
    }

    fn tally_of(node: &Node) -> &Tally {
        match node {
            Node::Client(c) => &c.tally,
            Node::Balancer(b) => &b.tally,
            Node::Server(s) => &s.tally,
        }
    }
}

impl BalanceModel {
    /// The ledger's share of `observe`: O(1) per event.
    pub(super) fn observe_ledger(&self, nodes: &Nodes<Self>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        let kernel_now = nodes.in_flight().size_hint().0 as i64;
        // Messages sent during this event, as the nodes counted them.
        let mut sent_req = 0i64;
        let mut sent_ctl = 0i64;
        let mut delivered = 0i64;
        let mut absorb = |g: &mut Ghost, id: NodeId, fresh: bool| {
            let i = g.node_slot(id);
            if fresh {
                g.seen[i] = Tally { held: g.seen[i].held, ..Tally::default() };
            }
            if let Some(node) = nodes.up(id) {
                let t = *Ghost::tally_of(node);
                sent_req += t.sent_req as i64 - g.seen[i].sent_req as i64;
                sent_ctl += t.sent_ctl as i64 - g.seen[i].sent_ctl as i64;
                g.absorb(id, &t);
            }
        };
        if !g.started {
            // The first event: every node's start-up (which the kernel does not report).
            g.started = true;
            for id in 0..nodes.len() {
                absorb(g, id, false);
            }
        }
        match what {
            Happened::Delivered(n) => {
                delivered = 1;
                absorb(g, n, false);
            }
            Happened::Timer(n) | Happened::Command(n) => absorb(g, n, false),
            Happened::Started(n) => absorb(g, n, true),
            Happened::Action => {
                // A crash loses whatever the server held. Actions are rare: O(nodes) is fine.
                for id in 0..nodes.len() {
                    let i = g.node_slot(id);
                    if nodes.up(id).is_none() && g.seen[i].held > 0 {
                        let held = g.seen[i].held as i64;
                        g.held -= held;
                        g.ended[Reason::Crashed as usize] += held;
                        g.drop_slots[g.cur][2] += held as u32;
                        g.seen[i].held = 0;
                    }
                }
            }
        }
        // Copies the network duplicated: messages that appeared beyond those sent.
        let created = kernel_now - g.kernel_prev + delivered + g.lost_since;
        let dups = created - sent_req - sent_ctl;
        if dups > 0 {
            let req = dups.min(sent_req);
            g.copies += req;
            g.req_net += req;
            g.ctl_net += dups - req;
        }
        g.kernel_prev = kernel_now;
        g.lost_since = 0;
        if g.broken {
            return;
        }
        let wire = g.req_net - g.lost_req;
        let balance = g.copies - g.completed - g.ended.iter().sum::<i64>();
        if balance != wire + g.held || wire < 0 || g.held < 0 {
            g.broken = true;
            out.push(Violation {
                invariant: CONSERVATION,
                time: 0,
                event: 0,
                nodes: what.node().into_iter().collect(),
                cells: Vec::new(),
                detail: format!(
                    "{balance} requests should be in flight, but {wire} are on the wire and {} held by servers",
                    g.held
                ),
            });
        } else if dups < 0 || kernel_now != wire + g.ctl_net - g.lost_ctl {
            g.broken = true;
            out.push(Violation {
                invariant: CONSERVATION,
                time: 0,
                event: 0,
                nodes: what.node().into_iter().collect(),
                cells: Vec::new(),
                detail: format!("the network holds {kernel_now} messages but the nodes account for {}", wire + g.ctl_net - g.lost_ctl),
            });
        }
    }

    /// The routing invariants, after the balancer handled a request.
    pub(super) fn observe_routing(&self, nodes: &Nodes<Self>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        let lb = self.balancer_id();
        if what != Happened::Delivered(lb) {
            return;
        }
        let Some(Node::Balancer(b)) = nodes.up(lb) else { return };
        let Some(route) = b.last_route else { return };
        let Some(backend) = b.backends.get(route.slot as usize) else { return };
        if !backend.eligible() {
            out.push(Violation {
                invariant: NO_EJECTED,
                time: 0,
                event: 0,
                nodes: vec![lb, route.node],
                cells: Vec::new(),
                detail: format!("a request went to {}, which is {:?}", self.label(route.node), backend.standing()),
            });
        } else if self.layer7 && backend.profile.pool != route.pool {
            out.push(Violation {
                invariant: NO_EJECTED,
                time: 0,
                event: 0,
                nodes: vec![lb, route.node],
                cells: Vec::new(),
                detail: format!("a request for pool {} went to {} in pool {}", route.pool, self.label(route.node), backend.profile.pool),
            });
        }
        if g.sessions.insert(route.key, route.node).is_some_and(|prev| prev != route.node) {
            g.moved += 1;
        }
        if self.sticky != g.sticky_seen {
            // Stickiness was switched: pins from before do not bind.
            g.sticky_seen = self.sticky;
            g.pinned.clear();
        }
        if !self.sticky {
            return;
        }
        if let Some(prev) = g.pinned.insert(route.key, route.node) {
            if prev != route.node {
                let still_ok = b.slot(prev).and_then(|s| b.backends.get(s as usize)).is_some_and(|p| p.eligible() && (!self.layer7 || p.profile.pool == route.pool));
                if still_ok {
                    out.push(Violation {
                        invariant: AFFINITY,
                        time: 0,
                        event: 0,
                        nodes: vec![prev, route.node],
                        cells: Vec::new(),
                        detail: format!("session {} moved from {} to {} while {} was healthy", route.key, self.label(prev), self.label(route.node), self.label(prev)),
                    });
                }
            }
        }
    }

    /// Accounts for a lost message.
    pub(super) fn lost(&self, g: &mut Ghost, msg: &Msg, why: Loss) {
        g.lost_since += 1;
        match msg {
            Msg::Request(_) | Msg::Response(..) => {
                g.lost_req += 1;
                let r = if why == Loss::NodeDown { Reason::NodeDown } else { Reason::Network };
                g.ended[r as usize] += 1;
                g.drop_slots[g.cur][2] += 1;
            }
            _ => g.lost_ctl += 1,
        }
    }

    /// Takes one sample: writes the metrics and moves the window on.
    pub(super) fn take_sample(&self, nodes: &Nodes<Self>, g: &mut Ghost, out: &mut Vec<f64>) {
        g.ensure_hist();
        let window_s = (SLOTS as f64 * self.metric_interval_us() as f64 / 1e6).max(1e-6);
        let [p50, p95, p99] = g.hist_win.quantiles([0.5, 0.95, 0.99]).map(|us| us / 1_000.0);
        let done: u32 = g.done_slots.iter().sum();
        let mut drops = [0u32; 3];
        for s in &g.drop_slots {
            for k in 0..3 {
                drops[k] += s[k];
            }
        }
        // Per-server load over the window, and instantaneous utilisation and backlog.
        let (mut max_load, mut sum_load, mut members) = (0u32, 0u64, 0u32);
        let (mut busy, mut workers, mut max_held) = (0u32, 0u32, 0u32);
        for (id, node) in nodes.live() {
            if let Node::Server(s) = node {
                busy += s.busy();
                workers += s.workers.len() as u32;
                max_held = max_held.max(s.held());
                if s.joined {
                    let load = g.recv_win.get(id as usize).copied().unwrap_or(0);
                    max_load = max_load.max(load);
                    sum_load += load as u64;
                    members += 1;
                }
            }
        }
        let imbalance = if sum_load == 0 || members == 0 { 1.0 } else { max_load as f64 * members as f64 / sum_load as f64 };
        g.util_slots[g.cur] = if workers == 0 { 0.0 } else { busy as f64 / workers as f64 };
        let filled = (g.samples + 1).min(SLOTS as u64) as f64;
        let util = g.util_slots.iter().sum::<f64>() / filled;
        let values = [
            p50,
            p95,
            p99,
            done as f64 / window_s,
            drops[0] as f64 / window_s,
            drops[1] as f64 / window_s,
            drops[2] as f64 / window_s,
            imbalance,
            util,
            g.in_flight() as f64,
        ];
        out.extend_from_slice(&values);
        g.last = values;
        g.samples += 1;
        g.max_p99_ms = g.max_p99_ms.max(p99);
        if g.samples > SLOTS as u64 {
            g.max_imbalance = g.max_imbalance.max(imbalance);
        }
        g.max_held = g.max_held.max(max_held as f64);
        g.max_held_sum += max_held as f64;
        // Move the window on: the oldest slot becomes the current one.
        g.cur = (g.cur + 1) % SLOTS;
        let cur = g.cur;
        let oldest = core::mem::take(&mut g.hist_slots[cur]);
        g.hist_win.sub_all(&oldest);
        g.hist_slots[cur] = oldest;
        g.hist_slots[cur].clear();
        g.done_slots[cur] = 0;
        g.drop_slots[cur] = [0; 3];
        g.util_slots[cur] = 0.0;
        for (slots, win) in g.recv_slots.iter_mut().zip(g.recv_win.iter_mut()) {
            *win -= slots[cur].min(*win);
            slots[cur] = 0;
        }
    }

    /// Mean over samples of the largest server backlog.
    pub(super) fn mean_max_held(g: &Ghost) -> f64 {
        if g.samples == 0 {
            0.0
        } else {
            g.max_held_sum / g.samples as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ctx, Effect, Envelope, Model, Slot};
    use crate::rng::Rng;
    use crate::view::NodeStatus;

    /// The ledger catches a balancer that swallows a request: the request left the wire, nobody
    /// holds it, and nobody answered it.
    #[test]
    fn a_swallowed_request_breaks_conservation() {
        let model = BalanceModel { servers: 1, ..BalanceModel::default() };
        let mut slots: Vec<Slot<BalanceModel>> = Vec::new();
        let mut wire = crate::small::SeqMap::new();
        for id in 0..model.initial_nodes() {
            let (mut rng, mut out) = (Rng::stream(1, id as u64 + 1), Vec::new());
            let state = model.init(id, &mut Ctx::new(0, id, &mut rng, &mut out));
            for e in out {
                if let Effect::Send(to, msg) = e {
                    wire.insert(wire.len() as u64, Envelope { from: id, to, sent_at: 0, arrives_at: 1, msg });
                }
            }
            slots.push(Slot { state: Some(state), durable: None, status: NodeStatus::Up, byzantine: false });
        }
        let (mut ghost, mut out) = (Ghost::default(), Vec::new());
        model.observe(&Nodes::new(&slots, &wire, 0), &mut ghost, Happened::Action, &mut out);
        assert!(out.is_empty(), "{out:?}");

        // The client issues one request.
        let Some(Node::Client(c)) = slots[0].state.as_mut() else { panic!() };
        c.tally.issued += 1;
        c.tally.sent_req += 1;
        let req = super::super::Req { client: 0, region: 0, server_region: 0, path: super::super::Path::Api, id: 0, session: 0, cost_us: 1, issued: 0, server: NO_SERVER_FOR_TEST, fwd_at: 0 };
        wire.insert(100, Envelope { from: 0, to: 1, sent_at: 0, arrives_at: 1, msg: Msg::Request(req) });
        model.observe(&Nodes::new(&slots, &wire, 1), &mut ghost, Happened::Timer(0), &mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(ghost.in_flight(), 1);

        // The balancer receives it and does nothing.
        wire.remove(&100);
        let Some(Node::Balancer(b)) = slots[1].state.as_mut() else { panic!() };
        b.tally.recv_req += 1;
        model.observe(&Nodes::new(&slots, &wire, 2), &mut ghost, Happened::Delivered(1), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].invariant, CONSERVATION);
    }

    const NO_SERVER_FOR_TEST: NodeId = super::super::NO_SERVER;
}
