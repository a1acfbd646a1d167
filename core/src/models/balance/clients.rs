//! Client actors: one per region, generating the workload.
//!
//! Arrivals form a Poisson process: the gap to the next request is exponential with mean
//! `1 / rate`, drawn afresh each time (so a rate change takes effect at the next arrival). A
//! burst multiplies the rate during the first second of every five. Each request belongs to a
//! session (what hash routing and stickiness key on), has a path (`/api` or `/static`, for
//! layer-7 routing) and a cost drawn from the chosen distribution. Responses come back through
//! the balancer; the client records the latency, or the reason the request failed.

use super::{BalanceModel, Msg, Path, Reason, Req, Status, Tally, Timer, NO_SERVER};
use crate::model::Ctx;
use crate::time::{Time, SEC};
use alloc::collections::VecDeque;

/// Requests a client remembers as outstanding, for spotting duplicate responses. A response to
/// a request more than this many requests old is counted as late.
pub const WINDOW_MAX: u64 = 1 << 17;

/// A client (one region's users).
#[derive(Clone, Debug)]
pub struct Client {
    /// Region index (0-based).
    pub region: u8,
    /// Id of the next request.
    pub next_id: u64,
    /// Id of the oldest request still tracked.
    base: u64,
    /// One bit per tracked request: answered yet?
    done: VecDeque<u64>,
    /// Requests answered successfully.
    pub completed: u64,
    /// Requests that failed, by reason.
    pub failed: u64,
    /// Sum of latencies of completed requests, µs.
    pub latency_sum_us: u64,
    /// Counters for the observer.
    pub tally: Tally,
}

/// What survives a client crash: the next request id (ids never repeat).
#[derive(Clone, Debug)]
pub struct ClientDurable {
    /// Id of the next request.
    pub next_id: u64,
}

impl Client {
    /// A client for `region` whose first request id is `next_id`.
    pub fn start(model: &BalanceModel, region: u8, next_id: u64, ctx: &mut Ctx<BalanceModel>) -> Client {
        let c = Client { region, next_id, base: next_id, done: VecDeque::new(), completed: 0, failed: 0, latency_sum_us: 0, tally: Tally::default() };
        c.arm(model, ctx);
        c
    }

    /// The arrival rate of this client right now, requests per second.
    fn rate(&self, model: &BalanceModel, now: Time) -> f64 {
        let base = model.rate / model.regions.max(1) as f64;
        if model.burst > 1.0 && now % (5 * SEC) < SEC {
            base * model.burst
        } else {
            base
        }
    }

    fn arm(&self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>) {
        let rate = self.rate(model, ctx.now()).max(0.001);
        let gap = ctx.rng().exp(SEC as f64 / rate);
        ctx.set_timer(Timer::Arrive, (gap as Time).clamp(1, 3600 * SEC));
    }

    /// Requests outstanding (issued, not yet answered) as far as this client knows.
    pub fn outstanding(&self) -> u64 {
        self.next_id - self.base - self.answered_in_window()
    }

    fn answered_in_window(&self) -> u64 {
        self.done.iter().map(|w| w.count_ones() as u64).sum()
    }

    fn issue(&mut self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>) {
        let id = self.next_id;
        self.next_id += 1;
        let rng = ctx.rng();
        let session = if rng.chance(model.hot_session) { 0 } else { rng.below(model.sessions.max(1)) };
        let path = if rng.chance(model.static_share) { Path::Static } else { Path::Api };
        let mut cost = model.cost.draw(rng, model.cost_ms * 1_000.0);
        if path == Path::Static {
            cost *= super::STATIC_COST_FACTOR;
        }
        let req = Req {
            client: ctx.id() as u16,
            region: self.region,
            server_region: self.region,
            path,
            id,
            session,
            cost_us: (cost as u64).clamp(1, u32::MAX as u64) as u32,
            issued: ctx.now(),
            server: NO_SERVER,
            fwd_at: 0,
        };
        // Track it in the duplicate window.
        let bit = id - self.base;
        if bit / 64 >= self.done.len() as u64 {
            self.done.push_back(0);
        }
        while self.next_id - self.base > WINDOW_MAX {
            self.done.pop_front();
            self.base += 64;
        }
        self.tally.issued += 1;
        self.tally.sent_req += 1;
        ctx.send(model.balancer_id(), Msg::Request(req));
    }

    /// Marks request `id` answered; false if it was answered before or is too old to know.
    fn answer(&mut self, id: u64) -> bool {
        if id < self.base || id >= self.next_id {
            return false;
        }
        let bit = id - self.base;
        let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
        let Some(w) = self.done.get_mut(word) else { return false };
        if *w & mask != 0 {
            return false;
        }
        *w |= mask;
        // Forget fully answered words at the front, keeping the one still being filled.
        while self.done.len() > 1 && self.done.front() == Some(&u64::MAX) {
            self.done.pop_front();
            self.base += 64;
        }
        true
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &BalanceModel, msg: Msg, ctx: &mut Ctx<BalanceModel>) {
        match msg {
            Msg::Response(req, status) => {
                self.tally.recv_req += 1;
                let fresh = self.answer(req.id);
                let reason = if fresh {
                    match status {
                        Status::Ok => None,
                        Status::QueueFull => Some(Reason::QueueFull),
                        Status::NoBackend => Some(Reason::NoBackend),
                    }
                } else if req.id >= self.base && req.id < self.next_id {
                    Some(Reason::Duplicate)
                } else {
                    Some(Reason::Late)
                };
                match reason {
                    None => {
                        let wan = model.wan_penalty(self.region, req.server_region);
                        let latency = ctx.now().saturating_sub(req.issued) + wan;
                        self.completed += 1;
                        self.latency_sum_us += latency;
                        self.tally.completed += 1;
                        self.tally.last_latency_us = latency;
                    }
                    Some(r) => {
                        if !matches!(r, Reason::Duplicate) {
                            self.failed += 1;
                        }
                        self.tally.ended[r as usize] += 1;
                    }
                }
            }
            _ => self.tally.recv_ctl += 1,
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, model: &BalanceModel, timer: Timer, ctx: &mut Ctx<BalanceModel>) {
        if timer == Timer::Arrive {
            if model.rate > 0.0 {
                self.issue(model, ctx);
            }
            self.arm(model, ctx);
        }
    }
}
