//! How the load-balancing actors look in the lab: clients on the left, the balancer in the
//! middle, servers on the right with their queue as cells and their fill as a load gauge.

use super::{BalanceModel, Durable, Msg, Node, Path, Standing, Status};
use crate::time::Time;
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Most queue cells drawn per server.
pub const CELLS_MAX: usize = 24;

/// Palette indices.
const GREEN: u32 = 2;
const ORANGE: u32 = 1;
const RED: u32 = 3;
const GREY: u32 = 0;

/// Describes a message for the trace and the animation.
pub fn describe(model: &BalanceModel, msg: &Msg) -> MsgInfo {
    match msg {
        Msg::Request(r) => MsgInfo {
            kind: if r.path == Path::Static { "request /static" } else { "request" },
            label: format!("C{}#{} s{}", r.client, r.id, r.session),
            ok: None,
        },
        Msg::Response(r, status) => MsgInfo {
            kind: match status {
                Status::Ok => "response",
                Status::QueueFull => "rejected: queue full",
                Status::NoBackend => "rejected: no server",
            },
            label: format!("C{}#{}", r.client, r.id),
            ok: Some(*status == Status::Ok),
        },
        Msg::Probe(seq) => MsgInfo { kind: "health check", label: format!("probe {seq}"), ok: None },
        Msg::ProbeAck(seq) => MsgInfo { kind: "health ok", label: format!("probe {seq} ok"), ok: Some(true) },
        Msg::Register(p, _) => MsgInfo { kind: "register", label: format!("register w{} ×{}", p.weight, p.speed), ok: None },
        Msg::Welcome => MsgInfo { kind: "welcome", label: "welcome".to_string(), ok: Some(true) },
        Msg::Leave => MsgInfo { kind: "leave", label: "leave the pool".to_string(), ok: None },
        Msg::Notice(on) => MsgInfo {
            kind: "rotation",
            label: if *on { "back in rotation".to_string() } else { format!("out of rotation ({})", model.algorithm.name()) },
            ok: Some(*on),
        },
    }
}

fn fmt_ms(us: f64) -> String {
    format!("{:.1} ms", us / 1_000.0)
}

/// Draws a node.
pub fn node_view(model: &BalanceModel, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, _now: Time) -> NodeView {
    let label = model.label(id);
    match node {
        Some(Node::Client(c)) => {
            let mut v = NodeView::new(id, label, "client");
            v.tier = 0;
            v.color = GREEN;
            v.headline = format!("{}", c.completed);
            v.badges.push(format!("region {}", c.region));
            let mean = if c.completed > 0 { c.latency_sum_us as f64 / c.completed as f64 } else { 0.0 };
            v.details = alloc::vec![
                ("region".into(), c.region.to_string()),
                ("issued".into(), c.next_id.to_string()),
                ("completed".into(), c.completed.to_string()),
                ("failed".into(), c.failed.to_string()),
                ("outstanding".into(), c.outstanding().to_string()),
                ("mean latency".into(), fmt_ms(mean)),
                ("rate".into(), format!("{:.0} req/s", model.rate / model.regions.max(1) as f64)),
            ];
            v
        }
        Some(Node::Balancer(b)) => {
            let mut v = NodeView::new(id, label, "balancer");
            v.tier = 1;
            v.color = GREEN;
            v.headline = model.algorithm.name().replace('_', " ");
            v.badges.push(if model.layer7 { "L7".into() } else { "L4".into() });
            if model.sticky {
                v.badges.push("sticky".into());
            }
            if model.health_checks {
                v.badges.push("health checks".into());
            }
            if model.outlier {
                v.badges.push("outlier detection".into());
            }
            v.details.push(("in rotation".into(), format!("{} of {}", b.in_rotation(), b.backends.iter().filter(|x| !x.removed).count())));
            v.details.push(("routed".into(), b.tally.routed.to_string()));
            v.details.push(("ejections".into(), b.ejections.to_string()));
            for bk in &b.backends {
                let state = match bk.standing() {
                    Standing::Ok => "ok",
                    Standing::Unhealthy => "unhealthy",
                    Standing::Ejected => "ejected",
                    Standing::Removed => "removed",
                };
                v.details.push((model.label(bk.node), format!("{state}, {} active, w{}, ewma {}", bk.active, bk.profile.weight, fmt_ms(bk.ewma_us))));
            }
            v.cells = b
                .backends
                .iter()
                .map(|bk| Cell {
                    text: format!("{}:{}", model.label(bk.node), bk.active),
                    color: match bk.standing() {
                        Standing::Ok => GREEN,
                        Standing::Ejected => ORANGE,
                        Standing::Unhealthy => RED,
                        Standing::Removed => GREY,
                    },
                    solid: bk.eligible(),
                    marked: false,
                })
                .collect();
            v
        }
        Some(Node::Server(s)) => {
            let mut v = NodeView::new(id, label, "server");
            v.tier = 2;
            let capacity = (s.workers.len() as u32 + s.queue_cap).max(1);
            let load = s.held() as f64 / capacity as f64;
            v.load = Some(load.min(1.0));
            v.headline = format!("{}", s.held());
            v.color = if !s.in_rotation {
                GREY
            } else if load > 0.8 {
                RED
            } else if load > 0.4 {
                ORANGE
            } else {
                GREEN
            };
            v.member = s.joined;
            if !s.in_rotation && s.joined {
                v.badges.push("out of rotation".into());
            }
            if s.profile.speed != 1.0 {
                v.badges.push(format!("×{}", s.profile.speed));
            }
            if s.profile.weight != 1 {
                v.badges.push(format!("w{}", s.profile.weight));
            }
            if model.layer7 {
                v.badges.push(if s.profile.pool == 0 { "/api".into() } else { "/static".into() });
            }
            v.details = alloc::vec![
                ("busy workers".into(), format!("{} of {}", s.busy(), s.workers.len())),
                ("queued".into(), format!("{} of {}", s.queue.len(), s.queue_cap)),
                ("served".into(), s.served.to_string()),
                ("rejected (queue full)".into(), s.rejected.to_string()),
                ("speed".into(), format!("{}", s.profile.speed)),
                ("weight".into(), s.profile.weight.to_string()),
                ("region".into(), s.profile.region.to_string()),
                ("pool".into(), if s.profile.pool == 0 { "/api".into() } else { "/static".into() }),
            ];
            // Workers first (solid), then the queue (hollow), capped.
            for (req, _) in s.workers.iter().flatten() {
                if v.cells.len() < CELLS_MAX {
                    v.cells.push(Cell { text: format!("C{}#{}", req.client, req.id), color: req.client as u32 + 4, solid: true, marked: false });
                }
            }
            for req in s.queue.iter().take(CELLS_MAX.saturating_sub(v.cells.len())) {
                v.cells.push(Cell { text: format!("C{}#{}", req.client, req.id), color: req.client as u32 + 4, solid: false, marked: false });
            }
            v
        }
        None => {
            let mut v = NodeView::new(id, label, if id < model.regions { "client" } else if id == model.regions { "balancer" } else { "server" });
            v.tier = if id < model.regions { 0 } else if id == model.regions { 1 } else { 2 };
            v.color = GREY;
            v.headline = "down".into();
            if let Some(Durable::Server(d)) = durable {
                v.member = d.joined;
            }
            v
        }
    }
}

/// Commands offered in a node's menu.
pub fn node_commands(model: &BalanceModel, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    let Some(Node::Server(s)) = node else { return Vec::new() };
    let _ = (model, id);
    let mut out = Vec::new();
    if s.joined {
        out.push(("leave", String::new(), "Remove from the pool (drain)".into()));
    } else {
        out.push(("join", String::new(), "Add back to the pool".into()));
    }
    for w in [1u32, 2, 4, 8] {
        if w != s.profile.weight {
            out.push(("weight", w.to_string(), format!("Weight {w}")));
        }
    }
    for sp in ["0.25", "0.5", "1", "2"] {
        out.push(("speed", sp.into(), format!("Speed ×{sp}")));
    }
    out
}
