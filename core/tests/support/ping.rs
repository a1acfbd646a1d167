//! A tiny model for kernel tests: every node pings a random peer on a timer and counts pongs.
//! The pong count is durable; the number of pings sent is volatile.

use distlab_core::model::{Happened, Nodes};
use distlab_core::view::*;
use distlab_core::{Ctx, Model, NodeId, Time, MS};

#[derive(Clone, Debug)]
pub struct Ping {
    pub nodes: u32,
    pub tick: Time,
}

impl Default for Ping {
    fn default() -> Self {
        Ping { nodes: 3, tick: 10 * MS }
    }
}

#[derive(Clone, Debug)]
pub struct PingNode {
    pub pongs: u64,
    pub pings_sent: u64,
    pub restarts: u32,
}

#[derive(Clone, Debug)]
pub enum Msg {
    Ping(u64),
    Pong(u64),
}

#[derive(Clone, Debug, Default)]
pub struct Ghost {
    pub delivered: u64,
    pub lost: u64,
}

pub static INFO: ModelInfo = ModelInfo {
    name: "ping",
    title: "Ping",
    pitch: "test model",
    invariants: &[InvariantInfo { name: "Pongs Bounded", source: "test", summary: "no node counts more pongs than were delivered" }],
    metrics: &[MetricInfo { name: "pongs", label: "pongs", unit: "" }],
    queries: &[QueryInfo { name: "pongs", summary: "total pongs" }],
    commands: &[CommandInfo { name: "burst", arg: "n", summary: "send n pings now" }],
    layout: Layout::Ring,
    node_noun: "node",
};

impl Ping {
    fn tick_after(&self, ctx: &mut Ctx<Self>) -> Time {
        let t = self.tick;
        ctx.rng().range(t / 2, t + t / 2)
    }
    fn ping_someone(&self, node: &mut PingNode, ctx: &mut Ctx<Self>) {
        if self.nodes < 2 {
            return;
        }
        let mut to = ctx.rng().below(self.nodes - 1);
        if to >= ctx.id() {
            to += 1;
        }
        node.pings_sent += 1;
        ctx.send(to, Msg::Ping(node.pings_sent));
    }
}

impl Model for Ping {
    type Node = PingNode;
    type Durable = u64;
    type Msg = Msg;
    type Timer = u8;
    type Cmd = u32;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }
    fn params(&self) -> Vec<Param> {
        vec![
            Param { key: "nodes", label: "Nodes", help: "", kind: ParamKind::Int { min: 1, max: 50 }, value: Value::Num(self.nodes as f64), live: false },
            Param { key: "tick_ms", label: "Tick", help: "", kind: ParamKind::Int { min: 1, max: 1000 }, value: Value::Num((self.tick / MS) as f64), live: true },
        ]
    }
    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        match (key, value) {
            ("nodes", Value::Num(n)) => self.nodes = *n as u32,
            ("tick_ms", Value::Num(n)) => self.tick = *n as u64 * MS,
            _ => return Err(format!("bad setting {key}")),
        }
        Ok(())
    }
    fn initial_nodes(&self) -> u32 {
        self.nodes
    }
    fn max_nodes(&self) -> u32 {
        self.nodes + 2
    }
    fn init(&self, _id: NodeId, ctx: &mut Ctx<Self>) -> PingNode {
        let after = self.tick_after(ctx);
        ctx.set_timer(0, after);
        PingNode { pongs: 0, pings_sent: 0, restarts: 0 }
    }
    fn durable(&self, node: &PingNode) -> u64 {
        node.pongs
    }
    fn restart(&self, _id: NodeId, pongs: u64, ctx: &mut Ctx<Self>) -> PingNode {
        let after = self.tick_after(ctx);
        ctx.set_timer(0, after);
        ctx.announce("restarted");
        PingNode { pongs, pings_sent: 0, restarts: 1 }
    }
    fn on_message(&self, node: &mut PingNode, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Ping(n) => ctx.send(from, Msg::Pong(n)),
            Msg::Pong(_) => node.pongs += 1,
        }
    }
    fn on_timer(&self, node: &mut PingNode, _t: u8, ctx: &mut Ctx<Self>) {
        self.ping_someone(node, ctx);
        let after = self.tick_after(ctx);
        ctx.set_timer(0, after);
    }
    fn parse_command(&self, name: &str, arg: &str) -> Result<u32, String> {
        if name != "burst" {
            return Err(format!("unknown command {name}"));
        }
        arg.parse().map_err(|_| format!("`arg` must be a count, got \"{arg}\""))
    }
    fn on_command(&self, node: &mut PingNode, n: u32, ctx: &mut Ctx<Self>) {
        for _ in 0..n {
            self.ping_someone(node, ctx);
        }
    }
    fn describe(&self, msg: &Msg) -> MsgInfo {
        match msg {
            Msg::Ping(n) => MsgInfo { kind: "Ping", label: format!("ping {n}"), ok: None },
            Msg::Pong(n) => MsgInfo { kind: "Pong", label: format!("pong {n}"), ok: Some(true) },
        }
    }
    fn timer_label(&self, _t: &u8) -> &'static str {
        "tick"
    }
    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        if let Happened::Delivered(_) = what {
            ghost.delivered += 1;
        }
        let pongs: u64 = nodes.live().map(|(_, n)| n.pongs).sum();
        if pongs > ghost.delivered {
            out.push(Violation { invariant: "Pongs Bounded", time: 0, event: 0, nodes: vec![], cells: vec![], detail: "too many pongs".into() });
        }
    }
    fn on_lost(&self, ghost: &mut Ghost, _msg: &Msg, _why: distlab_core::model::Loss) {
        ghost.lost += 1;
    }
    fn metric_interval(&self) -> Time {
        100 * MS
    }
    fn sample(&self, nodes: &Nodes<Self>, _ghost: &mut Ghost, out: &mut Vec<f64>) {
        out.push(nodes.live().map(|(_, n)| n.pongs).sum::<u64>() as f64);
    }
    fn query(&self, nodes: &Nodes<Self>, _ghost: &Ghost, name: &str) -> Option<f64> {
        (name == "pongs").then(|| nodes.live().map(|(_, n)| n.pongs).sum::<u64>() as f64)
    }
    fn node_view(&self, id: NodeId, node: Option<&PingNode>, durable: Option<&u64>, _now: Time) -> NodeView {
        let mut v = NodeView::new(id, format!("N{id}"), "pinger");
        v.headline = format!("{}", node.map(|n| n.pongs).or(durable.copied()).unwrap_or(0));
        v
    }
    fn node_commands(&self, _id: NodeId, _node: Option<&PingNode>) -> Vec<(&'static str, String, String)> {
        vec![("burst", "3".into(), "Send 3 pings".into())]
    }
}
