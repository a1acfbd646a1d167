//! # Load balancing: every classic algorithm under real queueing
//!
//! A load balancer sits between many clients and a pool of servers and decides, for each
//! request, which server gets it. That one decision shapes everything a user feels: a good
//! choice finds an idle server at once, a bad one queues the request behind slow work while
//! another server sits idle. The interesting part is that the balancer never sees the future
//! and rarely sees the present: it knows what it sent where, what came back and how fast, and
//! what its health checks said a moment ago.
//!
//! ## The actors
//! Everything is an actor exchanging messages, so requests animate as moving dots:
//!
//! - **Clients** (one per region, tier 0) produce requests as a Poisson process: the gaps
//!   between requests are exponential, so arrivals cluster and thin out by chance, as real
//!   traffic does. Each request has a cost (constant, exponential, log-normal, bimodal or
//!   Pareto, the last heavy-tailed: most requests are cheap and a few are enormous), a session
//!   (what hashing and stickiness key on) and a path (`/api` or `/static`).
//! - **The balancer** (tier 1) is a reverse proxy: requests go client → balancer → server →
//!   balancer → client. Proxying the response is what lets it count each server's requests in
//!   progress and time each response.
//! - **Servers** (tier 2) run a fixed number of workers and a bounded queue. Work takes
//!   `cost / speed`; a full queue rejects the request with a reason, and the rejection travels
//!   back like a response. A kernel crash is a fail-stop server (everything it held is lost); a
//!   kernel `Slow(k)` stretches its service times k-fold, a fail-slow server, which is the
//!   nastier fault because it still answers health checks.
//!
//! ## The algorithms (switch them while the simulation runs)
//! - *Round robin* and *smooth weighted round robin* (nginx's: weights 5, 1, 1 give
//!   a a b a c a a, not a a a a a b c) ignore load entirely; they are fair only when servers
//!   and requests are alike.
//! - *Random* is round robin's memoryless cousin: same average, worse luck.
//! - *Least connections* (and its weighted form) sends each request where the fewest are in
//!   progress; with uneven servers or costs it adapts where round robin cannot.
//! - *Power of two choices* samples two servers and takes the less loaded. Balls-into-bins
//!   theory says this one comparison drops the maximum load from about `log n / log log n` to
//!   `log log n`: nearly all the benefit of least connections, with no global state.
//! - *Peak EWMA* (Finagle, Linkerd) keeps a moving average of each server's response time
//!   that jumps up at once on a slow response and decays slowly; it multiplies that by the load
//!   and compares two random servers. It notices a server that is slow but not busy.
//! - *Source hash* (hash mod n) and *consistent hash* (a ring with virtual nodes) keep a session
//!   on one server. Change n and mod-n hashing reshuffles almost every session; the ring moves
//!   only about 1/n of them. Both are blind to load: a hot session overloads its server.
//! - *Geographic* sends each client to the nearest region with a healthy server, failing over
//!   to the next nearest. Crossing regions costs `wan_ms` per hop in the measured latency.
//!
//! ## Health
//! Active health checks probe every server each interval; `fall` failures in a row (no answer
//! within the timeout) eject it, `rise` successes readmit it. Passive outlier detection watches
//! real responses instead: `outlier_errors` bad responses in a row (an error, or slower than
//! `outlier_slow_ms` when set) eject a server for `outlier_eject_ms`, never more than half of
//! them. At layer 7 the balancer routes by path: `/api` to the even servers, `/static` to the
//! odd ones, so cheap requests never queue behind expensive ones.
//!
//! ## What to watch
//! The latency percentiles (p50, p95, p99 over the last second), throughput, drops by reason,
//! imbalance (the busiest server's load over the mean), utilisation. Three invariants are
//! checked after every event: conservation (no request is ever lost without a reason), nothing
//! is routed to a server the balancer has ejected, and sticky sessions stay put while their
//! server is healthy. See `invariants.rs` for how conservation is checked in O(1) per event.

pub mod algorithms;
pub mod balancer;
pub mod clients;
pub mod invariants;
pub mod metrics;
pub mod servers;
pub mod view;

use crate::model::{Ctx, Happened, Loss, Model, Nodes};
use crate::rng::Rng;
use crate::time::{Time, MS, SEC};
use crate::view::{CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, QueryInfo, Value, Violation};
use crate::NodeId;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub use algorithms::Algorithm;
pub use balancer::{Backend, Balancer, BalancerDurable, Standing};
pub use clients::{Client, ClientDurable};
pub use invariants::Ghost;
pub use servers::{Server, ServerDurable};

/// "No server yet" in a request.
pub const NO_SERVER: NodeId = NodeId::MAX;
/// How often an unwelcomed server re-sends its registration.
pub const REGISTER_RETRY: Time = SEC;
/// Time constant of the peak-EWMA decay, µs.
pub const EWMA_DECAY_US: f64 = 1_000_000.0;
/// Cost of a `/static` request relative to the chosen distribution.
pub const STATIC_COST_FACTOR: f64 = 0.2;
/// Most servers.
pub const SERVERS_MAX: u32 = 100;
/// Most regions (and clients).
pub const REGIONS_MAX: u32 = 4;
/// Largest cost drawn, as a multiple of the mean (keeps Pareto tails finite).
pub const COST_CAP_FACTOR: f64 = 1_000.0;

/// A request's path, for layer-7 routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// `/api`: full cost.
    Api = 0,
    /// `/static`: a fifth of the cost.
    Static = 1,
}

/// How a request ended, as its response says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Served.
    Ok,
    /// Rejected: the server's queue was full.
    QueueFull,
    /// Rejected: no eligible server for it.
    NoBackend,
}

/// Why a request (or a copy of one) ended without success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The server's queue was full.
    QueueFull = 0,
    /// The balancer had no eligible server.
    NoBackend = 1,
    /// Lost on the wire: random loss, partition, cut link, dropped by the user.
    Network = 2,
    /// Arrived at a crashed node.
    NodeDown = 3,
    /// Held by a server when it crashed.
    Crashed = 4,
    /// An extra copy made by network duplication, discarded by the client.
    Duplicate = 5,
    /// A response the client no longer waited for (it restarted meanwhile).
    Late = 6,
}

/// Number of [`Reason`]s.
pub const REASONS: usize = 7;

/// One request, as it travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Req {
    /// Issuing client's node id.
    pub client: u16,
    /// Client's region.
    pub region: u8,
    /// The server's region (set by the balancer).
    pub server_region: u8,
    /// Path.
    pub path: Path,
    /// Per-client sequence number.
    pub id: u64,
    /// Session within the client.
    pub session: u32,
    /// Work at speed 1, µs.
    pub cost_us: u32,
    /// When the client issued it.
    pub issued: Time,
    /// Server chosen by the balancer.
    pub server: NodeId,
    /// When the balancer forwarded it.
    pub fwd_at: Time,
}

/// A server's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    /// Weight for the weighted algorithms.
    pub weight: u32,
    /// Work per unit of time (1 = normal).
    pub speed: f64,
    /// Layer-7 pool: 0 `/api`, 1 `/static`.
    pub pool: u8,
    /// Region.
    pub region: u8,
}

/// Messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A request (client → balancer → server).
    Request(Req),
    /// A response or rejection (server → balancer → client, or balancer → client).
    Response(Req, Status),
    /// A health check with its round number.
    Probe(u32),
    /// The answer to a health check.
    ProbeAck(u32),
    /// A server joins (or updates its settings); `true` from a fresh start.
    Register(Profile, bool),
    /// The balancer acknowledges a registration.
    Welcome,
    /// A server leaves the pool.
    Leave,
    /// The balancer tells a server whether it is in rotation (for display).
    Notice(bool),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Client: next arrival.
    Arrive,
    /// Server: worker `n` finishes.
    Done(u16),
    /// Server: re-send registration.
    Register,
    /// Balancer: health-check round and housekeeping.
    Health,
    /// Balancer: health-check answers are due.
    HealthTimeout,
}

/// Node commands (for servers).
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    /// Set the weight.
    Weight(u32),
    /// Set the speed.
    Speed(f64),
    /// Leave the pool (drain).
    Leave,
    /// Join the pool again.
    Join,
}

/// Monotonic counters every node keeps for the observer (see `invariants.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Request-carrying messages sent.
    pub sent_req: u64,
    /// Control messages sent.
    pub sent_ctl: u64,
    /// Request-carrying messages received.
    pub recv_req: u64,
    /// Control messages received.
    pub recv_ctl: u64,
    /// Requests issued (clients).
    pub issued: u64,
    /// Requests completed (clients).
    pub completed: u64,
    /// Copies ended without success, by [`Reason`] (clients).
    pub ended: [u64; REASONS],
    /// Requests held now (servers).
    pub held: u64,
    /// Requests routed (balancer).
    pub routed: u64,
    /// Latency of the last completed request, µs (clients).
    pub last_latency_us: u64,
    /// Whether this is a server's tally.
    pub is_server: bool,
}

/// A node's state.
#[derive(Clone, Debug)]
pub enum Node {
    /// A client.
    Client(Client),
    /// The balancer.
    Balancer(alloc::boxed::Box<Balancer>),
    /// A server.
    Server(Server),
}

/// What survives a crash.
#[derive(Clone, Debug)]
pub enum Durable {
    /// A client's.
    Client(ClientDurable),
    /// The balancer's.
    Balancer(BalancerDurable),
    /// A server's.
    Server(ServerDurable),
}

/// Request cost distributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostDist {
    /// Every request costs the mean.
    Constant,
    /// Exponential.
    Exponential,
    /// Log-normal with σ = 1.
    Lognormal,
    /// 90 % at half the mean, 10 % at 5.5 × the mean.
    Bimodal,
    /// Pareto with shape 1.5: heavy-tailed, finite mean, infinite variance.
    Pareto,
}

const COST_NAMES: &[&str] = &["constant", "exponential", "lognormal", "bimodal", "pareto"];
const COSTS: [CostDist; 5] = [CostDist::Constant, CostDist::Exponential, CostDist::Lognormal, CostDist::Bimodal, CostDist::Pareto];

impl CostDist {
    /// Draws a cost with the given mean.
    pub fn draw(self, rng: &mut Rng, mean: f64) -> f64 {
        let x = match self {
            CostDist::Constant => mean,
            CostDist::Exponential => rng.exp(mean),
            CostDist::Lognormal => rng.lognormal(libm::log(mean) - 0.5, 1.0),
            CostDist::Bimodal => {
                if rng.chance(0.1) {
                    mean * 5.5
                } else {
                    mean * 0.5
                }
            }
            CostDist::Pareto => rng.pareto(mean / 3.0, 1.5),
        };
        x.min(mean * COST_CAP_FACTOR)
    }

    fn name(self) -> &'static str {
        COST_NAMES[COSTS.iter().position(|c| *c == self).unwrap_or(0)]
    }
}

/// Initial server speeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speeds {
    /// All 1.
    Equal,
    /// A cycle of 2, 1, 0.5, 1, 0.25, 1.5, 1, 0.75 (mean 1).
    Mixed,
    /// All 1 but the first, at 0.25.
    OneSlow,
}

const SPEED_NAMES: &[&str] = &["equal", "mixed", "one_slow"];
const MIXED: [f64; 8] = [2.0, 1.0, 0.5, 1.0, 0.25, 1.5, 1.0, 0.75];

/// The load-balancing model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BalanceModel {
    /// Regions, one client each.
    pub regions: u32,
    /// Servers at start.
    pub servers: u32,
    /// Total arrival rate, requests per second.
    pub rate: f64,
    /// Rate multiplier during bursts (the first second of every five); 1 = no bursts.
    pub burst: f64,
    /// Request cost distribution.
    pub cost: CostDist,
    /// Mean request cost at speed 1, ms.
    pub cost_ms: f64,
    /// Routing algorithm.
    pub algorithm: Algorithm,
    /// Workers per server.
    pub concurrency: u32,
    /// Queue capacity per server.
    pub queue: u32,
    /// Initial speeds.
    pub speeds: Speeds,
    /// Whether initial weights follow speeds.
    pub weight_by_speed: bool,
    /// Sessions per client.
    pub sessions: u32,
    /// Share of requests from one hot session.
    pub hot_session: f64,
    /// Sticky sessions.
    pub sticky: bool,
    /// Layer-7 routing by path.
    pub layer7: bool,
    /// Share of `/static` requests.
    pub static_share: f64,
    /// Active health checks.
    pub health_checks: bool,
    /// Health-check interval, ms.
    pub hc_interval_ms: f64,
    /// Health-check timeout, ms.
    pub hc_timeout_ms: f64,
    /// Failures in a row that eject.
    pub hc_fall: u32,
    /// Successes in a row that readmit.
    pub hc_rise: u32,
    /// Passive outlier detection.
    pub outlier: bool,
    /// Bad responses in a row that eject.
    pub outlier_errors: u32,
    /// A response slower than this counts as bad (0 = only errors), ms.
    pub outlier_slow_ms: f64,
    /// How long an outlier stays ejected, ms.
    pub outlier_eject_ms: f64,
    /// Latency added per region crossed, ms.
    pub wan_ms: f64,
    /// Virtual nodes per unit of weight on the hash ring.
    pub vnodes: u32,
}

impl Default for BalanceModel {
    fn default() -> Self {
        BalanceModel {
            regions: 1,
            servers: 6,
            rate: 400.0,
            burst: 1.0,
            cost: CostDist::Exponential,
            cost_ms: 10.0,
            algorithm: Algorithm::RoundRobin,
            concurrency: 2,
            queue: 50,
            speeds: Speeds::Equal,
            weight_by_speed: false,
            sessions: 100,
            hot_session: 0.0,
            sticky: false,
            layer7: false,
            static_share: 0.3,
            health_checks: true,
            hc_interval_ms: 500.0,
            hc_timeout_ms: 200.0,
            hc_fall: 2,
            hc_rise: 2,
            outlier: false,
            outlier_errors: 5,
            outlier_slow_ms: 0.0,
            outlier_eject_ms: 5_000.0,
            wan_ms: 40.0,
            vnodes: 100,
        }
    }
}

/// Metrics, in the order `sample` writes them.
pub const METRICS: [MetricInfo; 10] = [
    MetricInfo { name: "p50_ms", label: "p50 latency", unit: "ms" },
    MetricInfo { name: "p95_ms", label: "p95 latency", unit: "ms" },
    MetricInfo { name: "p99_ms", label: "p99 latency", unit: "ms" },
    MetricInfo { name: "throughput", label: "throughput", unit: "req/s" },
    MetricInfo { name: "drops_queue_full", label: "dropped: queue full", unit: "req/s" },
    MetricInfo { name: "drops_no_backend", label: "dropped: no server", unit: "req/s" },
    MetricInfo { name: "drops_lost", label: "lost (network, crash)", unit: "req/s" },
    MetricInfo { name: "imbalance", label: "imbalance (max / mean load)", unit: "×" },
    MetricInfo { name: "utilisation", label: "utilisation", unit: "" },
    MetricInfo { name: "in_flight", label: "requests in flight", unit: "req" },
];

const QUERIES: &[QueryInfo] = &[
    QueryInfo { name: "issued", summary: "requests issued by all clients so far" },
    QueryInfo { name: "completed", summary: "requests answered successfully so far" },
    QueryInfo { name: "dropped", summary: "requests that failed so far, every reason" },
    QueryInfo { name: "dropped_queue_full", summary: "requests rejected by a full server queue so far" },
    QueryInfo { name: "dropped_no_backend", summary: "requests the balancer had no server for so far" },
    QueryInfo { name: "dropped_lost", summary: "requests lost on the wire, at a crashed node, or in a crashed server so far" },
    QueryInfo { name: "in_flight", summary: "requests issued and not yet ended" },
    QueryInfo { name: "p50_ms", summary: "median latency over the last second, at the last sample (ms)" },
    QueryInfo { name: "p95_ms", summary: "95th percentile latency over the last second, at the last sample (ms)" },
    QueryInfo { name: "p99_ms", summary: "99th percentile latency over the last second, at the last sample (ms)" },
    QueryInfo { name: "max_p99_ms", summary: "largest p99 of any sample so far (ms)" },
    QueryInfo { name: "mean_latency_ms", summary: "mean latency of every completed request so far (ms)" },
    QueryInfo { name: "throughput", summary: "completed requests per second over the last second" },
    QueryInfo { name: "imbalance", summary: "busiest server's requests over the mean, last second" },
    QueryInfo { name: "max_imbalance", summary: "largest imbalance of any sample after the first second" },
    QueryInfo { name: "utilisation", summary: "share of workers busy, averaged over the last second" },
    QueryInfo { name: "mean_max_held", summary: "mean over samples of the largest number of requests any server held" },
    QueryInfo { name: "max_held", summary: "largest number of requests any server held at a sample" },
    QueryInfo { name: "in_rotation", summary: "servers the balancer routes to now" },
    QueryInfo { name: "ejections", summary: "servers ejected so far (health checks and outlier detection)" },
    QueryInfo { name: "sessions_moved", summary: "requests that went to a different server than their session's previous one" },
    QueryInfo { name: "rate", summary: "the configured arrival rate (req/s)" },
];

const INVARIANTS: &[InvariantInfo] = &[
    InvariantInfo {
        name: invariants::CONSERVATION,
        source: "queueing-network flow balance (Little's law bookkeeping); Envoy and HAProxy count every request's fate",
        summary: "Every request is completed, dropped with a reason, or still in flight: none is lost silently.",
    },
    InvariantInfo {
        name: invariants::NO_EJECTED,
        source: "NGINX/HAProxy health checks, Envoy outlier detection",
        summary: "The balancer never routes a request to a server it has taken out of rotation (or, at layer 7, to the wrong pool).",
    },
    InvariantInfo {
        name: invariants::AFFINITY,
        source: "sticky sessions (HAProxy stick tables, NGINX sticky)",
        summary: "With stickiness on, a session keeps going to the same server while that server stays in rotation.",
    },
];

const COMMANDS: &[CommandInfo] = &[
    CommandInfo { name: "weight", arg: "1..100", summary: "set a server's weight" },
    CommandInfo { name: "speed", arg: "0.1..10", summary: "set a server's speed (1 = normal)" },
    CommandInfo { name: "leave", arg: "", summary: "take a server out of the pool; it finishes what it holds" },
    CommandInfo { name: "join", arg: "", summary: "put a server back into the pool" },
];

/// The model's static description.
pub static INFO: ModelInfo = ModelInfo {
    name: "balance",
    title: "Load balancing",
    pitch: "Route thousands of requests a second across servers with ten algorithms, then fail one slowly and watch p99.",
    invariants: INVARIANTS,
    metrics: &METRICS,
    queries: QUERIES,
    commands: COMMANDS,
    layout: Layout::Tiers,
    node_noun: "node",
};

impl BalanceModel {
    /// The balancer's node id (clients come first).
    #[inline]
    pub fn balancer_id(&self) -> NodeId {
        self.regions
    }

    /// The first server's node id.
    #[inline]
    pub fn first_server(&self) -> NodeId {
        self.regions + 1
    }

    /// A node's display name: `C0` (client of region 0), `LB`, `S0`…
    pub fn label(&self, id: NodeId) -> String {
        if id < self.regions {
            format!("C{id}")
        } else if id == self.regions {
            "LB".into()
        } else {
            format!("S{}", id - self.first_server())
        }
    }

    /// The settings of server number `index` (0-based) at start.
    pub fn profile(&self, index: u32) -> Profile {
        let speed = match self.speeds {
            Speeds::Equal => 1.0,
            Speeds::Mixed => MIXED[index as usize % MIXED.len()],
            Speeds::OneSlow => {
                if index == 0 {
                    0.25
                } else {
                    1.0
                }
            }
        };
        let weight = if self.weight_by_speed { libm::round(speed * 4.0).max(1.0) as u32 } else { 1 };
        Profile { weight, speed, pool: (index % 2) as u8, region: (index % self.regions.max(1)) as u8 }
    }

    /// The session key hash-based routing and stickiness use.
    #[inline]
    pub fn session_key(&self, req: &Req) -> u32 {
        ((req.client as u32) << 24) | (req.session & 0x00FF_FFFF)
    }

    /// Extra latency of a response crossing regions, µs (both ways).
    pub fn wan_penalty(&self, a: u8, b: u8) -> Time {
        let hops = (a as i64 - b as i64).unsigned_abs();
        (hops as f64 * self.wan_ms * 2.0 * MS as f64) as Time
    }

    /// Balancer housekeeping interval.
    pub fn tick_interval(&self) -> Time {
        if self.health_checks {
            ((self.hc_interval_ms * MS as f64) as Time).max(MS)
        } else {
            100 * MS
        }
    }

    /// Health-check timeout, kept below the interval.
    pub fn hc_timeout(&self) -> Time {
        let t = ((self.hc_timeout_ms * MS as f64) as Time).max(MS / 2);
        t.min(self.tick_interval().saturating_sub(MS / 2).max(1))
    }

    fn metric_interval_us(&self) -> Time {
        100 * MS
    }

    fn initial_registry(&self) -> BalancerDurable {
        let registry = (0..self.servers).map(|i| (self.first_server() + i, self.profile(i), false)).collect();
        BalancerDurable { registry, sticky: BTreeMap::new() }
    }
}

fn num(value: &Value) -> f64 {
    match value {
        Value::Num(n) => *n,
        _ => 0.0,
    }
}

impl Model for BalanceModel {
    type Node = Node;
    type Durable = Durable;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = Cmd;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        let int = |min, max| ParamKind::Int { min, max };
        let float = |min, max| ParamKind::Float { min, max };
        let n = |x: f64| Value::Num(x);
        let t = |s: &str| Value::Text(s.into());
        let speeds = SPEED_NAMES[match self.speeds {
            Speeds::Equal => 0,
            Speeds::Mixed => 1,
            Speeds::OneSlow => 2,
        }];
        let p = |key, label, help, kind, value, live| Param { key, label, help, kind, value, live };
        alloc::vec![
            p("algorithm", "Algorithm", "How the balancer picks a server for each request.", ParamKind::Choice(algorithms::ALGORITHM_NAMES), t(self.algorithm.name()), true),
            p("rate", "Arrival rate (req/s)", "Requests per second from all clients together (a Poisson process).", float(0.0, 20_000.0), n(self.rate), true),
            p("burst", "Burst factor", "Rate multiplier during the first second of every five (1 = steady).", float(1.0, 10.0), n(self.burst), true),
            p("cost", "Request cost", "Distribution of the work per request; pareto is heavy-tailed.", ParamKind::Choice(COST_NAMES), t(self.cost.name()), true),
            p("cost_ms", "Mean cost (ms)", "Mean service time of a request on a speed-1 server.", float(0.1, 1_000.0), n(self.cost_ms), true),
            p("servers", "Servers", "Servers at the start (add more while running).", int(1, SERVERS_MAX as i64), n(self.servers as f64), false),
            p("regions", "Regions", "Regions, each with one client; servers are spread over them.", int(1, REGIONS_MAX as i64), n(self.regions as f64), false),
            p("concurrency", "Workers per server", "Requests a server works on at once.", int(1, 64), n(self.concurrency as f64), false),
            p("queue", "Queue capacity", "Requests a server can hold waiting; beyond that it rejects.", int(0, 1_000), n(self.queue as f64), false),
            p("speeds", "Server speeds", "equal, mixed (0.25× to 2×), or one_slow (the first at 0.25×).", ParamKind::Choice(SPEED_NAMES), t(speeds), false),
            p("weight_by_speed", "Weights follow speed", "Give each server a weight of 4 × its speed.", ParamKind::Bool, Value::Bool(self.weight_by_speed), false),
            p("sessions", "Sessions per client", "Distinct sessions (the key for hashing and stickiness).", int(1, 5_000), n(self.sessions as f64), false),
            p("hot_session", "Hot session share", "Share of all requests that belong to one single session.", float(0.0, 1.0), n(self.hot_session), true),
            p("sticky", "Sticky sessions", "Keep each session on the server that served it, while it stays healthy.", ParamKind::Bool, Value::Bool(self.sticky), true),
            p("layer", "Layer", "l4 routes every request alike; l7 routes /api and /static to separate pools.", ParamKind::Choice(&["l4", "l7"]), t(if self.layer7 { "l7" } else { "l4" }), true),
            p("static_share", "Static share", "Share of requests for /static (cheap: a fifth of the cost).", float(0.0, 1.0), n(self.static_share), true),
            p("health_checks", "Health checks", "Probe every server each interval; eject after `fall` misses.", ParamKind::Bool, Value::Bool(self.health_checks), true),
            p("hc_interval_ms", "Check interval (ms)", "Time between health-check rounds.", float(20.0, 10_000.0), n(self.hc_interval_ms), true),
            p("hc_timeout_ms", "Check timeout (ms)", "How long a probe may take (kept below the interval).", float(1.0, 10_000.0), n(self.hc_timeout_ms), true),
            p("hc_fall", "Fall", "Failed checks in a row that eject a server.", int(1, 10), n(self.hc_fall as f64), true),
            p("hc_rise", "Rise", "Passed checks in a row that readmit it.", int(1, 10), n(self.hc_rise as f64), true),
            p("outlier", "Outlier detection", "Eject servers whose real responses keep failing (passive checks).", ParamKind::Bool, Value::Bool(self.outlier), true),
            p("outlier_errors", "Outlier streak", "Bad responses in a row that eject a server.", int(1, 100), n(self.outlier_errors as f64), true),
            p("outlier_slow_ms", "Outlier slow (ms)", "A response slower than this counts as bad (0 = only errors count).", float(0.0, 60_000.0), n(self.outlier_slow_ms), true),
            p("outlier_eject_ms", "Ejection time (ms)", "How long an outlier stays out.", float(10.0, 600_000.0), n(self.outlier_eject_ms), true),
            p("wan_ms", "WAN latency (ms)", "Extra one-way latency per region crossed.", float(0.0, 1_000.0), n(self.wan_ms), true),
            p("vnodes", "Virtual nodes", "Points per unit of weight on the consistent-hash ring.", int(1, 1_000), n(self.vnodes as f64), true),
        ]
    }

    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        let params = self.params();
        let p = params.iter().find(|p| p.key == key).ok_or_else(|| format!("unknown setting `{key}`"))?;
        p.kind.check(key, value)?;
        let text = match value {
            Value::Text(t) => t.as_str(),
            _ => "",
        };
        let flag = matches!(value, Value::Bool(true));
        let x = num(value);
        match key {
            "algorithm" => self.algorithm = Algorithm::from_name(text).ok_or_else(|| format!("`algorithm`: unknown \"{text}\""))?,
            "rate" => self.rate = x,
            "burst" => self.burst = x,
            "cost" => self.cost = COSTS[COST_NAMES.iter().position(|n| *n == text).unwrap_or(0)],
            "cost_ms" => self.cost_ms = x,
            "servers" => self.servers = x as u32,
            "regions" => self.regions = x as u32,
            "concurrency" => self.concurrency = x as u32,
            "queue" => self.queue = x as u32,
            "speeds" => {
                self.speeds = match text {
                    "mixed" => Speeds::Mixed,
                    "one_slow" => Speeds::OneSlow,
                    _ => Speeds::Equal,
                }
            }
            "weight_by_speed" => self.weight_by_speed = flag,
            "sessions" => self.sessions = x as u32,
            "hot_session" => self.hot_session = x,
            "sticky" => self.sticky = flag,
            "layer" => self.layer7 = text == "l7",
            "static_share" => self.static_share = x,
            "health_checks" => self.health_checks = flag,
            "hc_interval_ms" => self.hc_interval_ms = x,
            "hc_timeout_ms" => self.hc_timeout_ms = x,
            "hc_fall" => self.hc_fall = x as u32,
            "hc_rise" => self.hc_rise = x as u32,
            "outlier" => self.outlier = flag,
            "outlier_errors" => self.outlier_errors = x as u32,
            "outlier_slow_ms" => self.outlier_slow_ms = x,
            "outlier_eject_ms" => self.outlier_eject_ms = x,
            "wan_ms" => self.wan_ms = x,
            "vnodes" => self.vnodes = x as u32,
            _ => return Err(format!("unknown setting `{key}`")),
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.regions + 1 + self.servers
    }

    fn max_nodes(&self) -> u32 {
        self.regions + 1 + SERVERS_MAX
    }

    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        if id < self.regions {
            Node::Client(Client::start(self, id as u8, 0, ctx))
        } else if id == self.regions {
            Node::Balancer(alloc::boxed::Box::new(Balancer::start(self, self.initial_registry(), ctx)))
        } else {
            let index = id - self.first_server();
            let mut s = Server::start(self, self.profile(index), true, ctx);
            s.tally.is_server = true;
            Node::Server(s)
        }
    }

    fn durable(&self, node: &Node) -> Durable {
        match node {
            Node::Client(c) => Durable::Client(ClientDurable { next_id: c.next_id }),
            Node::Balancer(b) => Durable::Balancer(b.durable()),
            Node::Server(s) => Durable::Server(ServerDurable { profile: s.profile, joined: s.joined }),
        }
    }

    fn restart(&self, id: NodeId, durable: Durable, ctx: &mut Ctx<Self>) -> Node {
        match durable {
            Durable::Client(d) => Node::Client(Client::start(self, id as u8, d.next_id, ctx)),
            Durable::Balancer(d) => Node::Balancer(alloc::boxed::Box::new(Balancer::start(self, d, ctx))),
            Durable::Server(d) => {
                let mut s = Server::start(self, d.profile, d.joined, ctx);
                s.tally.is_server = true;
                Node::Server(s)
            }
        }
    }

    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match node {
            Node::Client(c) => c.on_message(self, msg, ctx),
            Node::Balancer(b) => b.on_message(self, from, msg, ctx),
            Node::Server(s) => s.on_message(self, from, msg, ctx),
        }
    }

    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        match node {
            Node::Client(c) => c.on_timer(self, timer, ctx),
            Node::Balancer(b) => b.on_timer(self, timer, ctx),
            Node::Server(s) => s.on_timer(self, timer, ctx),
        }
    }

    fn parse_command(&self, name: &str, arg: &str) -> Result<Cmd, String> {
        let arg = arg.trim();
        match name {
            "weight" => match arg.parse::<u32>() {
                Ok(w) if (1..=100).contains(&w) => Ok(Cmd::Weight(w)),
                _ => Err(format!("weight must be a whole number from 1 to 100, got \"{arg}\"")),
            },
            "speed" => match arg.parse::<f64>() {
                Ok(s) if (0.1..=10.0).contains(&s) => Ok(Cmd::Speed(s)),
                _ => Err(format!("speed must be a number from 0.1 to 10, got \"{arg}\"")),
            },
            "leave" => Ok(Cmd::Leave),
            "join" => Ok(Cmd::Join),
            other => Err(format!("unknown command \"{other}\" (known: weight, speed, leave, join)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: Cmd, ctx: &mut Ctx<Self>) {
        if let Node::Server(s) = node {
            s.on_command(self, cmd, ctx);
        }
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(self, msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Arrive => "arrival",
            Timer::Done(_) => "service done",
            Timer::Register => "registration retry",
            Timer::Health => "health-check round",
            Timer::HealthTimeout => "health-check timeout",
        }
    }

    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        self.observe_ledger(nodes, ghost, what, out);
        self.observe_routing(nodes, ghost, what, out);
    }

    fn on_lost(&self, ghost: &mut Ghost, msg: &Msg, why: Loss) {
        self.lost(ghost, msg, why);
    }

    fn metric_interval(&self) -> Time {
        self.metric_interval_us()
    }

    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        self.take_sample(nodes, ghost, out);
    }

    fn query(&self, nodes: &Nodes<Self>, g: &Ghost, name: &str) -> Option<f64> {
        let metric = |key: &str| METRICS.iter().position(|m| m.name == key).map(|i| g.last[i]);
        let balancer = || match nodes.up(self.balancer_id()) {
            Some(Node::Balancer(b)) => Some(b.as_ref()),
            _ => None,
        };
        Some(match name {
            "issued" => g.issued as f64,
            "completed" => g.completed as f64,
            "dropped" => g.dropped() as f64,
            "dropped_queue_full" => g.ended[Reason::QueueFull as usize] as f64,
            "dropped_no_backend" => g.ended[Reason::NoBackend as usize] as f64,
            "dropped_lost" => (g.ended[Reason::Network as usize] + g.ended[Reason::NodeDown as usize] + g.ended[Reason::Crashed as usize]) as f64,
            "in_flight" => g.in_flight() as f64,
            "p50_ms" | "p95_ms" | "p99_ms" | "throughput" | "imbalance" | "utilisation" => metric(name)?,
            "max_p99_ms" => g.max_p99_ms,
            "mean_latency_ms" => {
                if g.completed > 0 {
                    g.latency_sum_us / g.completed as f64 / 1_000.0
                } else {
                    0.0
                }
            }
            "max_imbalance" => g.max_imbalance,
            "mean_max_held" => Self::mean_max_held(g),
            "max_held" => g.max_held,
            "in_rotation" => balancer().map_or(0, |b| b.in_rotation()) as f64,
            "ejections" => balancer().map_or(0, |b| b.ejections) as f64,
            "sessions_moved" => g.moved as f64,
            "rate" => self.rate,
            _ => return None,
        })
    }

    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, now: Time) -> NodeView {
        view::node_view(self, id, node, durable, now)
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }
}
