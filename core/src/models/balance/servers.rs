//! Server actors: a fixed number of workers, a bounded FIFO queue, a speed and a weight.
//!
//! A request that finds every worker busy waits in the queue; if the queue is full it is
//! rejected at once with [`Status::QueueFull`] (the error travels back like any response, so the
//! client learns why). Service takes `cost / speed`, armed as one timer per worker; the kernel's
//! `Slow(k)` stretches those timers k-fold, which is exactly a fail-slow server. A crash loses
//! everything queued or in service: the observer accounts for those requests as crashed.

use super::{BalanceModel, Msg, Profile, Req, Status, Tally, Timer};
use crate::model::Ctx;
use crate::time::Time;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// A backend server.
#[derive(Clone, Debug)]
pub struct Server {
    /// Static settings: weight, speed, pool, region.
    pub profile: Profile,
    /// Whether it has joined the balancer's pool (false after `leave`).
    pub joined: bool,
    /// Whether the balancer last said it is in rotation (for display only).
    pub in_rotation: bool,
    /// Requests in service, one slot per worker.
    pub workers: Vec<Option<(Req, Time)>>,
    /// Free worker slots (a stack).
    free: Vec<u16>,
    /// Waiting requests.
    pub queue: VecDeque<Req>,
    /// Queue capacity.
    pub queue_cap: u32,
    /// Whether the balancer has not yet welcomed this incarnation.
    fresh: bool,
    /// Requests served to completion.
    pub served: u64,
    /// Requests rejected because the queue was full.
    pub rejected: u64,
    /// Counters for the observer.
    pub tally: Tally,
}

/// What survives a server crash: its settings and whether it had joined.
#[derive(Clone, Debug)]
pub struct ServerDurable {
    /// Static settings.
    pub profile: Profile,
    /// Whether it had joined the pool.
    pub joined: bool,
}

impl Server {
    /// A fresh server with `profile`, announcing itself to the balancer.
    pub fn start(model: &BalanceModel, profile: Profile, joined: bool, ctx: &mut Ctx<BalanceModel>) -> Server {
        let workers = model.concurrency.max(1) as usize;
        let mut s = Server {
            profile,
            joined,
            in_rotation: joined,
            workers: alloc::vec![None; workers],
            free: (0..workers as u16).rev().collect(),
            queue: VecDeque::new(),
            queue_cap: model.queue,
            fresh: true,
            served: 0,
            rejected: 0,
            tally: Tally::default(),
        };
        if joined {
            s.register(model, ctx);
        }
        s
    }

    fn register(&mut self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>) {
        self.send_ctl(model, ctx, Msg::Register(self.profile, self.fresh));
        // Retry until welcomed, in case the balancer is down or the message is lost.
        ctx.set_timer(Timer::Register, super::REGISTER_RETRY);
    }

    fn send_ctl(&mut self, model: &BalanceModel, ctx: &mut Ctx<BalanceModel>, msg: Msg) {
        self.tally.sent_ctl += 1;
        ctx.send(model.balancer_id(), msg);
    }

    /// Requests queued or in service.
    pub fn held(&self) -> u32 {
        (self.queue.len() + self.workers.len() - self.free.len()) as u32
    }

    /// Workers busy.
    pub fn busy(&self) -> u32 {
        (self.workers.len() - self.free.len()) as u32
    }

    fn service_time(&self, req: &Req) -> Time {
        let t = req.cost_us as f64 / self.profile.speed.max(0.01);
        (t as Time).max(1)
    }

    fn begin(&mut self, slot: u16, req: Req, ctx: &mut Ctx<BalanceModel>) {
        let t = self.service_time(&req);
        self.workers[slot as usize] = Some((req, ctx.now()));
        ctx.set_timer(Timer::Done(slot), t);
    }

    fn sync_held(&mut self) {
        self.tally.held = self.held() as u64;
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &BalanceModel, from: u32, msg: Msg, ctx: &mut Ctx<BalanceModel>) {
        match msg {
            Msg::Request(req) => {
                self.tally.recv_req += 1;
                if let Some(slot) = self.free.pop() {
                    self.begin(slot, req, ctx);
                } else if (self.queue.len() as u32) < self.queue_cap {
                    self.queue.push_back(req);
                } else {
                    self.rejected += 1;
                    self.tally.sent_req += 1;
                    ctx.send(from, Msg::Response(req, Status::QueueFull));
                }
                self.sync_held();
            }
            Msg::Probe(seq) => {
                self.tally.recv_ctl += 1;
                self.send_ctl(model, ctx, Msg::ProbeAck(seq));
            }
            Msg::Welcome => {
                self.tally.recv_ctl += 1;
                self.in_rotation = self.joined;
                self.fresh = false;
                ctx.cancel_timer(Timer::Register);
            }
            Msg::Notice(on) => {
                self.tally.recv_ctl += 1;
                self.in_rotation = on && self.joined;
            }
            Msg::Response(..) => {
                // Servers never receive responses; count it so conservation still balances.
                self.tally.recv_req += 1;
                debug_assert!(false, "server got a response");
                self.tally.ended[super::Reason::Late as usize] += 1;
            }
            Msg::Register(..) | Msg::ProbeAck(_) | Msg::Leave => {
                self.tally.recv_ctl += 1;
            }
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, model: &BalanceModel, timer: Timer, ctx: &mut Ctx<BalanceModel>) {
        match timer {
            Timer::Done(slot) => {
                if let Some((req, _)) = self.workers.get_mut(slot as usize).and_then(Option::take) {
                    self.served += 1;
                    self.tally.sent_req += 1;
                    ctx.send(model.balancer_id(), Msg::Response(req, Status::Ok));
                    match self.queue.pop_front() {
                        Some(next) => self.begin(slot, next, ctx),
                        None => self.free.push(slot),
                    }
                    self.sync_held();
                }
            }
            Timer::Register => {
                if self.joined {
                    self.register(model, ctx);
                }
            }
            Timer::Arrive | Timer::Health | Timer::HealthTimeout => {}
        }
    }

    /// Applies a node command.
    pub fn on_command(&mut self, model: &BalanceModel, cmd: super::Cmd, ctx: &mut Ctx<BalanceModel>) {
        use super::Cmd;
        match cmd {
            Cmd::Weight(w) => {
                self.profile.weight = w;
                if self.joined {
                    self.register(model, ctx);
                }
            }
            Cmd::Speed(s) => self.profile.speed = s,
            Cmd::Leave => {
                if self.joined {
                    self.joined = false;
                    self.in_rotation = false;
                    ctx.cancel_timer(Timer::Register);
                    self.send_ctl(model, ctx, Msg::Leave);
                    ctx.announce(format_args!("{} leaves the pool and drains", model.label(ctx.id())));
                }
            }
            Cmd::Join => {
                if !self.joined {
                    self.joined = true;
                    self.register(model, ctx);
                    ctx.announce(format_args!("{} asks to join the pool", model.label(ctx.id())));
                }
            }
        }
    }
}
