//! A PBFT client (OSDI §4.1): one request at a time, sent to the primary it believes in; it
//! accepts a result once f + 1 replicas reply with it, and on a timeout retransmits the request
//! to every replica. With steady load on, it issues the next request after a think time.

use super::msg::{primary, reply_quorum, Msg, Request, View, KEYS};
use super::{Pbft, Timer};
use crate::model::Ctx;
use crate::time::Time;
use crate::NodeId;
use super::small::SmallMap;
use alloc::format;

/// A client's whole state.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// This client.
    pub id: NodeId,
    /// Timestamp of the last request issued.
    pub ts: u64,
    /// The request waiting for f + 1 matching replies.
    pub outstanding: Option<Request>,
    /// The view the client believes current (from replies).
    pub view: View,
    /// Replies to the outstanding request, by replica: the result.
    pub replies: SmallMap<NodeId, u64>,
    /// Requests completed.
    pub done: u64,
    /// The last accepted (timestamp, result).
    pub last: Option<(u64, u64)>,
    /// Retransmissions of the outstanding request.
    pub retries: u32,
    /// When the current timer was armed and when it fires.
    pub timer: Option<(Time, Time)>,
    /// What the last step accepted: (timestamp, result, submitted at).
    pub accepted: Option<(u64, u64, Time)>,
    /// When the outstanding request was issued.
    pub sent_at: Time,
    /// Network messages sent in the last step.
    pub sent: u32,
}

impl Client {
    /// A client with steady load arms its first think timer.
    pub fn new(cfg: &Pbft, id: NodeId, ctx: &mut Ctx<Pbft>) -> Client {
        let mut c = Client { id, ..Client::default() };
        if cfg.think_ms > 0 {
            let after = ctx.rng().range(cfg.think_ms * crate::MS / 2, cfg.think_ms * crate::MS + 1);
            ctx.set_timer(Timer::Think, after);
        }
        c.timer = None;
        c
    }

    fn begin(&mut self) {
        self.accepted = None;
        self.sent = 0;
    }

    /// Issues a request writing `value` to key index `key`; refused if one is outstanding.
    pub fn issue(&mut self, cfg: &Pbft, key: u8, value: u32, ctx: &mut Ctx<Pbft>) {
        self.begin();
        if let Some(r) = self.outstanding {
            ctx.note(format!("C{} still waits for {}: one request at a time", self.id - cfg.n(), r.text()));
            return;
        }
        self.ts += 1;
        let r = Request { client: self.id, ts: self.ts, key, value };
        self.outstanding = Some(r);
        self.replies.clear();
        self.retries = 0;
        self.sent_at = ctx.now();
        let p = primary(self.view, cfg.n());
        ctx.note(format!("C{} sends {} (t={}) to R{p}, the primary it believes in", self.id - cfg.n(), r.text(), r.ts));
        self.sent += 1;
        ctx.send(p, Msg::Request(r));
        self.arm(cfg, Timer::Retry, cfg.retry_ms * crate::MS, ctx);
    }

    fn arm(&mut self, _cfg: &Pbft, t: Timer, after: Time, ctx: &mut Ctx<Pbft>) {
        ctx.set_timer(t, after);
        self.timer = Some((ctx.now(), ctx.now() + after));
    }

    /// Handles a timer: retransmit, or (steady load) issue the next request.
    pub fn on_timer(&mut self, cfg: &Pbft, timer: Timer, ctx: &mut Ctx<Pbft>) {
        self.begin();
        match timer {
            Timer::Retry => {
                let Some(r) = self.outstanding else { return };
                self.retries += 1;
                ctx.note(format!("C{} times out on {} and sends it to every replica", self.id - cfg.n(), r.text()));
                for rep in 0..cfg.n() {
                    self.sent += 1;
                    ctx.send(rep, Msg::Request(r));
                }
                let back = (cfg.retry_ms * crate::MS) << self.retries.min(3);
                self.arm(cfg, Timer::Retry, back, ctx);
            }
            Timer::Think => {
                if cfg.think_ms > 0 && self.outstanding.is_none() {
                    let key = ctx.rng().below(KEYS.len() as u32) as u8;
                    let value = (self.ts as u32 + 1) % 100;
                    self.issue(cfg, key, value, ctx);
                } else if cfg.think_ms > 0 {
                    ctx.set_timer(Timer::Think, cfg.think_ms * crate::MS);
                }
            }
            _ => {}
        }
    }

    /// A reply: accept once f + 1 replicas sent the same result.
    pub fn on_reply(&mut self, cfg: &Pbft, from: NodeId, view: View, ts: u64, result: u64, ctx: &mut Ctx<Pbft>) {
        self.begin();
        let Some(r) = self.outstanding else { return };
        if ts != r.ts || from >= cfg.n() {
            return;
        }
        self.replies.insert(from, result);
        let matching = self.replies.values().filter(|x| **x == result).count() as u32;
        if matching < reply_quorum(cfg.f) {
            return;
        }
        self.view = self.view.max(view);
        self.outstanding = None;
        self.done += 1;
        self.last = Some((ts, result));
        self.accepted = Some((ts, result, self.sent_at));
        ctx.announce(format_args!("C{} accepts result {result} for {} ({} matching replies)", self.id - cfg.n(), r.text(), matching));
        ctx.cancel_timer(Timer::Retry);
        self.timer = None;
        if cfg.think_ms > 0 {
            let after = ctx.rng().range(cfg.think_ms * crate::MS / 2, cfg.think_ms * crate::MS + 1);
            self.arm(cfg, Timer::Think, after, ctx);
        }
    }
}
