//! The cluster view: nodes on a ring or in tiers, messages moving along the links, partitions,
//! timers, loads and violations. Pure display; clicks and hovers are reported upward.

use super::cluster_canvas::{self as canvas, Ghost};
use super::partition_drag::{drop_action, hit_node, hit_zone, key_action, to_drawing, zones, Target};
use crate::geometry::{along, group_of, place, Placement};
use crate::state::ViewRef;
use crate::util::{color, fmt_time, name_color};
use distlab_core::{Action, Layout, MsgId, NodeId, NodeStatus, NodeView, View};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Above this many nodes the view is drawn on a canvas.
pub const CANVAS_NODES: usize = 24;
/// Above this many messages in flight the view is drawn on a canvas. Each SVG message is a
/// group of four elements moved every frame: at 200 (Multi-Paxos on 9 nodes, where every
/// acceptor tells every learner) that DOM churn alone took most of a frame.
pub const CANVAS_MESSAGES: usize = 64;
/// Pointer travel (drawing units) before a press becomes a drag.
const DRAG_START: f64 = 6.0;

/// Most messages drawn one by one; the rest are counted.
pub const MSG_DRAW_MAX: usize = 300;
/// Most links drawn between nodes.
const LINKS_MAX: usize = 400;

/// Properties of [`Cluster`].
#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    /// The picture.
    pub view: ViewRef,
    /// Ring or tiers.
    pub layout: Layout,
    /// Highlighted message.
    #[prop_or_default]
    pub hover: Option<MsgId>,
    /// Reports the message under the pointer.
    #[prop_or_default]
    pub on_hover: Callback<Option<MsgId>>,
    /// Opens a node's menu; `None` for a static preview.
    #[prop_or_default]
    pub on_node: Option<Callback<NodeId>>,
    /// Drops a message in flight.
    #[prop_or_default]
    pub on_drop: Option<Callback<MsgId>>,
    /// Node whose menu is open.
    #[prop_or_default]
    pub selected: Option<NodeId>,
    /// Small preview (home page): no text, no interaction.
    #[prop_or_default]
    pub compact: bool,
    /// Drawn over the selected node (its menu).
    #[prop_or_default]
    pub overlay: Html,
    /// Width of the drawing in SVG units.
    #[prop_or(640.0)]
    pub width: f64,
    /// Height of the drawing.
    #[prop_or(440.0)]
    pub height: f64,
    /// Applies a partition built by dragging nodes into groups (or pressing a group key on a
    /// focused node); `None` disables dragging.
    #[prop_or_default]
    pub on_partition: Option<Callback<Action>>,
    /// The picture the canvas view's hidden node list describes to screen readers; it may lag
    /// `view` while the run plays fast, so a hundred labels are not rewritten every frame.
    /// Defaults to `view`.
    #[prop_or_default]
    pub a11y: Option<ViewRef>,
    /// Force the canvas renderer (`Some(true)`) or SVG (`Some(false)`); by default dense
    /// views use the canvas.
    #[prop_or_default]
    pub canvas: Option<bool>,
}

/// Whether a view is dense enough to need the canvas renderer.
pub fn wants_canvas(view: &View) -> bool {
    view.nodes.len() > CANVAS_NODES || view.messages.len() > CANVAS_MESSAGES
}

/// Pointer position in drawing units, relative to the drawing element (yew delegates events,
/// so `current_target` is not the drawing).
fn local(e: &MouseEvent, el: &NodeRef, w: f64, h: f64) -> Option<(f64, f64)> {
    let el = el.cast::<web_sys::Element>()?;
    let rect = el.get_bounding_client_rect();
    Some(to_drawing(e.client_x() as f64 - rect.left(), e.client_y() as f64 - rect.top(), rect.width(), rect.height(), w, h))
}

const GROUP_NAMES: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

/// The name of partition group `g`.
pub fn group_name(g: usize) -> &'static str {
    GROUP_NAMES.get(g).copied().unwrap_or("?")
}

fn status_class(n: &NodeView) -> &'static str {
    match n.status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Slow(_) => "slow",
    }
}

fn status_word(n: &NodeView) -> String {
    match n.status {
        NodeStatus::Up => String::new(),
        NodeStatus::Crashed => "crashed".into(),
        NodeStatus::Paused => "paused".into(),
        NodeStatus::Slow(k) => format!("slow ×{k}"),
    }
}

/// A description of a node for screen readers and tooltips.
pub fn describe_node(n: &NodeView) -> String {
    describe_with(n, 1.0)
}

/// [`describe_node`] with the load rounded to `step` percent (fewer DOM updates per frame).
fn describe_with(n: &NodeView, step: f64) -> String {
    let mut s = format!("{}: {}", n.label, n.role);
    if !n.headline.is_empty() {
        s.push_str(&format!(", {}", n.headline));
    }
    let st = status_word(n);
    if !st.is_empty() {
        s.push_str(&format!(", {st}"));
    }
    for b in &n.badges {
        s.push_str(&format!(", {b}"));
    }
    if let Some(l) = n.load {
        s.push_str(&format!(", load {:.0}%", (l * 100.0 / step).round() * step));
    }
    if n.violated {
        s.push_str(", invariant violated");
    }
    s
}

/// A node's click handler: opens its menu, unless the click ends a drag.
fn click_handler(on_node: Callback<NodeId>, suppress: Rc<RefCell<bool>>, id: NodeId) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        // The panel behind closes menus on click; this click opens one.
        e.stop_propagation();
        if std::mem::take(&mut *suppress.borrow_mut()) {
            return; // the end of a drag, not a click
        }
        on_node.emit(id)
    })
}

/// A focused node's keys: Enter or Space opens its menu; with partitions enabled, a group
/// letter moves it to that group and H heals (see [`key_action`]). `view` gives the picture
/// now, from which the new groups are computed.
fn key_handler(on_node: Callback<NodeId>, on_partition: Option<Callback<Action>>, view: impl Fn() -> ViewRef + 'static, id: NodeId) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on_node.emit(id);
        } else if let (Some(part), false) = (&on_partition, e.ctrl_key() || e.meta_key() || e.alt_key()) {
            if let Some(action) = key_action(&view(), id, &e.key()) {
                e.prevent_default();
                e.stop_propagation();
                if let Some(a) = action {
                    part.emit(a);
                }
            }
        }
    })
}

/// Properties of [`NodeList`].
#[derive(Properties)]
struct NodeListProps {
    /// The picture the labels describe.
    view: ViewRef,
    /// The picture now, for key handlers.
    latest: Rc<RefCell<ViewRef>>,
    selected: Option<NodeId>,
    on_node: Callback<NodeId>,
    on_partition: Option<Callback<Action>>,
    suppress: Rc<RefCell<bool>>,
    draggable: bool,
}

impl PartialEq for NodeListProps {
    fn eq(&self, o: &Self) -> bool {
        // `latest` and `suppress` are cells shared for the component's life: only what they
        // point to changes, and handlers read that when they run.
        self.view == o.view
            && self.selected == o.selected
            && self.on_node == o.on_node
            && self.on_partition == o.on_partition
            && self.draggable == o.draggable
            && Rc::ptr_eq(&self.latest, &o.latest)
            && Rc::ptr_eq(&self.suppress, &o.suppress)
    }
}

/// The canvas view's accessible twin: every node as a button, visually hidden until a keyboard
/// user tabs into it. Its own component, so it renders only when its picture changes.
#[component]
fn NodeList(p: &NodeListProps) -> Html {
    let items = p.view.nodes.iter().map(|node| {
        let label = describe_with(node, 10.0);
        let latest = p.latest.clone();
        let onkeydown = key_handler(p.on_node.clone(), p.on_partition.clone(), move || latest.borrow().clone(), node.id);
        html! {
            <li key={node.id.to_string()}>
                <button type="button" data-testid={format!("node-{}", node.id)} data-role={node.role.clone()} data-status={status_class(node)}
                    class={classes!((p.selected == Some(node.id)).then_some("selected"))}
                    aria-label={label} onclick={click_handler(p.on_node.clone(), p.suppress.clone(), node.id)} {onkeydown}>{ node.label.clone() }</button>
            </li>
        }
    });
    let n = p.view.nodes.len();
    let keys = if p.draggable { ", A to F move to a group, H heals" } else { "" };
    html! { <ul class="node-list" aria-label={format!("{n} nodes: Enter opens a menu{keys}")}>{ for items }</ul> }
}

/// The cluster view.
#[component]
pub fn Cluster(p: &ClusterProps) -> Html {
    let view = &p.view;
    let (w, h) = (p.width, p.height);
    let pl: Placement = place(view, p.layout, w, h);
    let now = view.time;
    let r = pl.r;
    let dense = r < 12.0 || p.compact;
    let use_canvas = p.canvas.unwrap_or_else(|| wants_canvas(view));

    // Dragging a node to build partition groups.
    let press = use_mut_ref(|| None::<(NodeId, f64, f64)>);
    let ghost = use_state(|| None::<Ghost>);
    let suppress = use_mut_ref(|| false);
    let canvas_ref = use_node_ref();
    // Canvas mode: the two back layers (the front one is `canvas_ref`, which takes the input).
    let back_refs = use_memo((), |_| [NodeRef::default(), NodeRef::default()]);
    let layers = use_mut_ref(canvas::Layers::default);
    // The picture now, for handlers of the node list (which itself may show an older one).
    let latest = use_mut_ref(|| view.clone());
    *latest.borrow_mut() = view.clone();
    let draggable = p.on_partition.is_some() && p.on_node.is_some();
    let drop_zones = if ghost.is_some() { zones(view, w) } else { Vec::new() };
    let target_at = {
        let pl = pl.clone();
        let view = view.clone();
        move |node: NodeId, x: f64, y: f64| -> Option<Target> {
            hit_zone(&zones(&view, w), x, y).or_else(|| hit_node(&pl, x, y).filter(|t| *t != node).map(Target::Node))
        }
    };
    let onpointerdown = draggable.then(|| {
        let (press, suppress, pl, el_ref) = (press.clone(), suppress.clone(), pl.clone(), canvas_ref.clone());
        Callback::from(move |e: PointerEvent| {
            *suppress.borrow_mut() = false;
            if e.button() != 0 {
                return;
            }
            *press.borrow_mut() = local(&e, &el_ref, w, h).and_then(|(x, y)| hit_node(&pl, x, y).map(|n| (n, x, y)));
        })
    });
    let onpointermove = draggable.then(|| {
        let (press, ghost, target_at, el_ref) = (press.clone(), ghost.clone(), target_at.clone(), canvas_ref.clone());
        Callback::from(move |e: PointerEvent| {
            let Some((node, x0, y0)) = *press.borrow() else { return };
            let Some((x, y)) = local(&e, &el_ref, w, h) else { return };
            if ghost.is_none() {
                if ((x - x0).powi(2) + (y - y0).powi(2)).sqrt() < DRAG_START {
                    return;
                }
                if let Some(el) = el_ref.cast::<web_sys::Element>() {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
            }
            e.prevent_default();
            ghost.set(Some(Ghost { node, x, y, target: target_at(node, x, y) }));
        })
    });
    let onpointerup = draggable.then(|| {
        let (press, ghost, suppress, view, el_ref) = (press.clone(), ghost.clone(), suppress.clone(), view.clone(), canvas_ref.clone());
        let cb = p.on_partition.clone();
        Callback::from(move |e: PointerEvent| {
            let pressed = press.borrow_mut().take();
            let Some(g) = *ghost else { return };
            ghost.set(None);
            *suppress.borrow_mut() = true;
            let target = local(&e, &el_ref, w, h).and_then(|(x, y)| target_at(g.node, x, y));
            if let (Some((node, _, _)), Some(t), Some(cb)) = (pressed, target, cb.as_ref()) {
                if let Some(a) = drop_action(&view, node, t) {
                    cb.emit(a);
                }
            }
        })
    });
    let onpointercancel = draggable.then(|| {
        let (press, ghost) = (press.clone(), ghost.clone());
        Callback::from(move |_: PointerEvent| {
            press.borrow_mut().take();
            ghost.set(None);
        })
    });
    let node_click = |id: NodeId| p.on_node.clone().map(|cb| click_handler(cb, suppress.clone(), id));
    let node_key = |id: NodeId| {
        let view = view.clone();
        p.on_node.clone().map(|cb| key_handler(cb, p.on_partition.clone(), move || view.clone(), id))
    };

    // Links: faint lines, red and dashed where a partition or a cut separates the ends.
    let mut links = Vec::new();
    let n = view.nodes.len();
    let pairs: Vec<(usize, usize)> = match p.layout {
        Layout::Ring => (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect(),
        Layout::Tiers => {
            let mut v = Vec::new();
            for a in 0..n {
                for b in 0..n {
                    let (ta, tb) = (view.nodes[a].tier, view.nodes[b].tier);
                    if tb == ta + 1 {
                        v.push((a, b));
                    }
                }
            }
            v
        }
    };
    let pairs = if pairs.len() <= LINKS_MAX { pairs } else { Vec::new() };
    if !use_canvas {
        for &(a, b) in &pairs {
            let (pa, pb) = (pl.pos[a], pl.pos[b]);
            let split = group_of(view, a as NodeId) != group_of(view, b as NodeId);
            let cut = view.cuts.iter().any(|&(x, y)| (x as usize, y as usize) == (a, b) || (x as usize, y as usize) == (b, a));
            let class = if split || cut { "link cut" } else { "link" };
            links.push(html! { <line class={class} x1={pa.0.to_string()} y1={pa.1.to_string()} x2={pb.0.to_string()} y2={pb.1.to_string()} /> });
        }
    }

    // Column headings for tiers: the most common role in each.
    let headings = pl.columns.iter().map(|(x, tier)| {
        let mut roles: Vec<&str> = view.nodes.iter().filter(|v| v.tier == *tier).map(|v| v.role.as_str()).collect();
        roles.sort_unstable();
        let mut best = ("", 0);
        let mut i = 0;
        while i < roles.len() {
            let j = roles[i..].iter().take_while(|r| **r == roles[i]).count();
            if j > best.1 {
                best = (roles[i], j);
            }
            i += j;
        }
        let count = view.nodes.iter().filter(|v| v.tier == *tier).count();
        let text = if count > 1 { format!("{} ×{count}", best.0) } else { best.0.to_string() };
        html! { <text class="tier-heading" x={x.to_string()} y="16" text-anchor="middle">{text}</text> }
    });

    let nodes = view.nodes.iter().map(|node| {
        let (x, y) = pl.pos[node.id as usize];
        let fill = color(node.color);
        let group = group_of(view, node.id);
        let mut class = classes!("node", status_class(node));
        if node.violated {
            class.push("violated");
        }
        if !node.member {
            class.push("nonmember");
        }
        if p.selected == Some(node.id) {
            class.push("selected");
        }
        let halo = group.map(|g| html! {
            <circle class="group-halo" cx={x.to_string()} cy={y.to_string()} r={(r + 9.0).to_string()} stroke={color(g as u32 + 4)} />
        });
        let timer = node.timer.filter(|_| !dense && node.status != NodeStatus::Crashed).map(|(start, deadline)| {
            let span = deadline.saturating_sub(start).max(1) as f64;
            let left = (deadline.saturating_sub(now) as f64 / span).clamp(0.0, 1.0);
            let rr = r + 4.0;
            let c = core::f64::consts::TAU * rr;
            html! {
                <circle class="timer" cx={x.to_string()} cy={y.to_string()} r={rr.to_string()}
                    stroke-dasharray={format!("{:.2} {:.2}", c * left, c)}
                    transform={format!("rotate(-90 {x} {y})")} />
            }
        });
        let onclick = node_click(node.id);
        let onkeydown = node_key(node.id);
        let interactive = p.on_node.is_some();
        let label = describe_node(node);
        let text = if dense {
            html! {}
        } else {
            // Headline inside the node, shrunk to fit; name, role and badges above and below on
            // a ring, to the right in tiers (columns are tight vertically).
            let chars = node.headline.chars().count().max(1) as f64;
            let fs = (r * 0.62).min(2.0 * r * 0.85 / (0.6 * chars)).clamp(8.0, 20.0);
            // What fits across the circle at that size (a glyph is about 0.6 em wide); a longer
            // headline is cut with an ellipsis (the whole text is in the node's tooltip).
            let fit = ((2.0 * r * 0.85) / (0.6 * fs)).floor().max(3.0) as usize;
            let headline = if node.headline.chars().count() > fit {
                node.headline.chars().take(fit - 1).chain(['…']).collect::<String>()
            } else {
                node.headline.clone()
            };
            let st = status_word(node);
            let role = if st.is_empty() || node.role == st { node.role.clone() } else { format!("{} · {st}", node.role) };
            let side = p.layout == Layout::Tiers;
            let (lx, ly, anchor) = if side { (x + r + 7.0, y - 2.0, "start") } else { (x, y - r - 9.0, "middle") };
            let mut ty = if side { y + 11.0 } else { y + r + 14.0 + if node.timer.is_some() { 4.0 } else { 0.0 } };
            let mut lines = vec![html! { <text class="role" x={lx.to_string()} y={ty.to_string()} text-anchor={anchor}>{role}</text> }];
            for b in node.badges.iter().take(if side { 1 } else { 2 }) {
                ty += 13.0;
                lines.push(html! { <text class="badge" x={lx.to_string()} y={ty.to_string()} text-anchor={anchor}>{b.clone()}</text> });
            }
            html! {
                <>
                    <text class="label" x={lx.to_string()} y={ly.to_string()} text-anchor={anchor}>{node.label.clone()}</text>
                    <text class="headline" x={x.to_string()} y={(y + fs * 0.36).to_string()} text-anchor="middle" font-size={fs.to_string()}>{headline}</text>
                    { for lines }
                </>
            }
        };
        let gauge = node.load.map(|l| {
            let l = l.clamp(0.0, 1.0);
            let (gw, gh) = (r * 1.6, if dense { 2.5 } else { 4.0 });
            let gx = x - gw / 2.0;
            let gy = y + r * 0.45;
            html! {
                <g class="gauge">
                    <rect class="gauge-bg" x={gx.to_string()} y={gy.to_string()} width={gw.to_string()} height={gh.to_string()} />
                    <rect x={gx.to_string()} y={gy.to_string()} width={(gw * l).to_string()} height={gh.to_string()} fill={crate::util::load_color(l)} />
                </g>
            }
        });
        let mark = match node.status {
            NodeStatus::Crashed if !dense => html! { <text class="status-mark" x={(x + r * 0.7).to_string()} y={(y - r * 0.55).to_string()}>{"✕"}</text> },
            NodeStatus::Paused if !dense => html! { <text class="status-mark" x={(x + r * 0.7).to_string()} y={(y - r * 0.55).to_string()}>{"❙❙"}</text> },
            _ => html! {},
        };
        let group_tag = group.filter(|_| !dense).map(|g| html! {
            <text class="group-tag" x={(x - r - 6.0).to_string()} y={(y - r * 0.6).to_string()} text-anchor="end">{group_name(g)}</text>
        });
        // The node's words (name, headline, role, badges) are drawn beside the button rather
        // than inside it: its accessible name says the same in a fixed order ("S1: leader, 3"),
        // and a button's visible text must appear in its name in the order shown (WCAG 2.5.3,
        // axe: label-content-name-mismatch). A click on them still opens the menu.
        let captions_click = node_click(node.id);
        html! {
            <g key={node.id.to_string()}>
                <g class={class.clone()} data-testid={format!("node-{}", node.id)}
                    data-role={node.role.clone()} data-status={status_class(node)}
                    tabindex={interactive.then_some("0")} role={interactive.then_some("button")}
                    aria-label={label.clone()} {onclick} {onkeydown}>
                    <title>{label}</title>
                    { halo }
                    <circle class="under" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} />
                    <circle class="body" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} fill={fill} stroke={fill} />
                    { timer }
                    { gauge }
                </g>
                <g class={class} aria-hidden="true" onclick={captions_click}>
                    { text }
                    { mark }
                    { group_tag }
                </g>
            </g>
        }
    });

    let total = view.messages.len();
    let msg_r = if dense { 2.5 } else { 5.5 };
    let messages = view.messages.iter().take(MSG_DRAW_MAX).filter_map(|m| {
        let a = *pl.pos.get(m.from as usize)?;
        let b = *pl.pos.get(m.to as usize)?;
        let span = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (now.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (mx, my) = along(a, b, frac, r, if dense { 0.0 } else { 5.0 });
        let hovered = p.hover == Some(m.id);
        let fill = color(name_color(m.kind));
        let id = m.id;
        let on_hover = p.on_hover.clone();
        let on_leave = p.on_hover.clone();
        let onclick = p.on_drop.clone().map(|cb| Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            cb.emit(id)
        }));
        let mark = match (m.ok, dense) {
            (Some(true), false) => html! { <text class="ok-mark" x={(mx + 6.0).to_string()} y={(my - 5.0).to_string()}>{"✓"}</text> },
            (Some(false), false) => html! { <text class="fail-mark" x={(mx + 6.0).to_string()} y={(my - 5.0).to_string()}>{"✗"}</text> },
            _ => html! {},
        };
        let tip = format!("{} ({} → {}, arrives at {}){}", m.label, m.from, m.to, fmt_time(m.arrives_at), if p.on_drop.is_some() { " — click to drop" } else { "" });
        Some(html! {
            <g class={classes!("msg", hovered.then_some("hover"))} key={format!("m{}", m.id)} data-testid={format!("msg-{}", m.id)}
                data-kind={m.kind}
                onmouseenter={Callback::from(move |_: MouseEvent| on_hover.emit(Some(id)))}
                onmouseleave={Callback::from(move |_: MouseEvent| on_leave.emit(None))}
                {onclick}>
                <title>{tip}</title>
                <circle class="hit" cx={mx.to_string()} cy={my.to_string()} r={(msg_r + 5.0).to_string()} />
                <circle class="dot" cx={mx.to_string()} cy={my.to_string()} r={(if hovered { msg_r * 1.6 } else { msg_r }).to_string()} fill={fill} />
                { mark }
            </g>
        })
    });
    let more = (total > MSG_DRAW_MAX).then(|| html! {
        <text class="more" x="8" y={(h - 8.0).to_string()}>{format!("+{} more messages in flight (not drawn)", total - MSG_DRAW_MAX)}</text>
    });

    let overlay = p.selected.and_then(|s| pl.pos.get(s as usize).copied()).map(|(x, y)| {
        let style = format!("left:{:.2}%;top:{:.2}%", (x + r) / w * 100.0, (y - r) / h * 100.0);
        html! { <div class="overlay" style={style}>{ p.overlay.clone() }</div> }
    });

    // Groups: a soft region in each group's colour behind its members, and a legend.
    let regions = (!view.groups.is_empty() && !use_canvas).then(|| {
        let discs = view.nodes.iter().filter_map(|node| {
            let g = group_of(view, node.id)?;
            let (x, y) = pl.pos[node.id as usize];
            Some(html! { <circle cx={x.to_string()} cy={y.to_string()} r={(r + 12.0).to_string()} fill={color(g as u32 + 4)} /> })
        });
        html! { <g class="group-regions" aria-hidden="true">{ for discs }</g> }
    });
    let legend = if view.groups.is_empty() {
        html! {}
    } else {
        let k = view.groups.len() + 1;
        let chips = (0..k).filter_map(|g| {
            let members: Vec<&str> = view.nodes.iter().filter(|v| group_of(view, v.id) == Some(g)).map(|v| v.label.as_str()).collect();
            if members.is_empty() {
                return None;
            }
            let shown = members.iter().take(8).copied().collect::<Vec<_>>().join(", ");
            let more = if members.len() > 8 { format!(" +{}", members.len() - 8) } else { String::new() };
            Some(html! {
                <li data-testid={format!("group-chip-{g}")} data-size={members.len().to_string()}>
                    <span class="swatch" style={format!("background:{}", color(g as u32 + 4))}></span>
                    <b>{ group_name(g) }</b>{ format!(" ({}): {shown}{more}", members.len()) }
                </li>
            })
        });
        html! { <ul class="group-legend" data-testid="groups" aria-label="Partition groups">{ for chips }</ul> }
    };

    // While dragging: drop zones, the target, and a ghost at the pointer (SVG mode).
    let drag_layer = match (*ghost, use_canvas) {
        (Some(g), false) => {
            let zs = drop_zones.iter().map(|z| {
                let (x, y, zw, zh) = z.rect;
                let on = g.target == Some(z.target);
                let c = match z.target {
                    Target::Group(k) => color(k as u32 + 4),
                    _ => "#999999",
                };
                html! {
                    <g class={classes!("drop-zone", on.then_some("on"))}>
                        <rect x={x.to_string()} y={y.to_string()} width={zw.to_string()} height={zh.to_string()} rx="5" stroke={c} style={format!("--zone:{c}")} />
                        <text x={(x + zw / 2.0).to_string()} y={(y + zh / 2.0 + 4.0).to_string()} text-anchor="middle">{ z.caption.clone() }</text>
                    </g>
                }
            });
            let tgt = match g.target {
                Some(Target::Node(t)) => pl.pos.get(t as usize).map(|&(x, y)| html! { <circle class="drop-target" cx={x.to_string()} cy={y.to_string()} r={(r + 7.0).to_string()} /> }),
                _ => None,
            };
            let (ox, oy) = pl.pos.get(g.node as usize).copied().unwrap_or((g.x, g.y));
            html! {
                <g class="drag-layer" data-testid="drag-layer">
                    { for zs }
                    { tgt }
                    <line class="drag-line" x1={ox.to_string()} y1={oy.to_string()} x2={g.x.to_string()} y2={g.y.to_string()} />
                    <circle class="drag-ghost" cx={g.x.to_string()} cy={g.y.to_string()} r={r.max(8.0).to_string()} />
                </g>
            }
        }
        _ => html! {},
    };

    // Canvas mode: draw after every render (each layer only if its picture changed).
    {
        let canvas_ref = canvas_ref.clone();
        let (back_refs, layers) = (back_refs.clone(), layers.clone());
        let (view, pl, layout, compact) = (view.clone(), pl.clone(), p.layout, p.compact);
        let (selected, hover, g) = (p.selected, p.hover, *ghost);
        let pairs = if use_canvas { pairs.clone() } else { Vec::new() };
        let zs = drop_zones.clone();
        use_effect(move || {
            if use_canvas {
                let el = |r: &NodeRef| r.cast::<web_sys::HtmlCanvasElement>();
                if let (Some(a), Some(b), Some(c)) = (el(&back_refs[0]), el(&back_refs[1]), el(&canvas_ref)) {
                    let f = canvas::Frame { pl: &pl, layout, w, h, selected, hover, ghost: g, zones: &zs, pairs: &pairs, compact };
                    canvas::draw(&[a, b, c], &view, &f, &mut layers.borrow_mut());
                }
            }
        });
    }

    let drawing = if use_canvas {
        let onclick = {
            let (view, pl, suppress, el_ref) = (view.clone(), pl.clone(), suppress.clone(), canvas_ref.clone());
            let (on_node, on_drop) = (p.on_node.clone(), p.on_drop.clone());
            Callback::from(move |e: MouseEvent| {
                if std::mem::take(&mut *suppress.borrow_mut()) {
                    return;
                }
                let Some((x, y)) = local(&e, &el_ref, w, h) else { return };
                if let (Some(m), Some(cb)) = (canvas::hit_message(&view, &pl, x, y), on_drop.as_ref()) {
                    e.stop_propagation();
                    cb.emit(m);
                } else if let (Some(n), Some(cb)) = (hit_node(&pl, x, y), on_node.as_ref()) {
                    e.stop_propagation();
                    cb.emit(n);
                }
            })
        };
        let onmousemove = {
            let (view, pl, on_hover, hover, el_ref) = (view.clone(), pl.clone(), p.on_hover.clone(), p.hover, canvas_ref.clone());
            Callback::from(move |e: MouseEvent| {
                let m = local(&e, &el_ref, w, h).and_then(|(x, y)| canvas::hit_message(&view, &pl, x, y));
                if m != hover {
                    on_hover.emit(m);
                }
            })
        };
        // The accessible twin of the canvas: every node as a button (Tab, Enter, group keys).
        let list = p.on_node.clone().map(|on_node| {
            html! {
                <NodeList view={p.a11y.clone().unwrap_or_else(|| view.clone())} latest={latest.clone()} selected={p.selected}
                    {on_node} on_partition={p.on_partition.clone()} suppress={suppress.clone()} {draggable} />
            }
        });
        let (cw, ch) = ((w as u32).to_string(), (h as u32).to_string());
        html! {
            <>
                <div class="canvas-stack">
                    <canvas ref={back_refs[0].clone()} aria-hidden="true" width={cw.clone()} height={ch.clone()}></canvas>
                    <canvas ref={back_refs[1].clone()} aria-hidden="true" width={cw.clone()} height={ch.clone()}></canvas>
                    <canvas ref={canvas_ref} class={classes!(ghost.is_some().then_some("dragging"))} width={cw} height={ch}
                        role="img" aria-label={format!("{} nodes, {} messages in flight (drawn on a canvas)", n, p.a11y.as_ref().map_or(total, |v| v.messages.len()))} data-testid="cluster" data-renderer="canvas"
                        {onclick} {onmousemove} {onpointerdown} {onpointermove} {onpointerup} {onpointercancel}></canvas>
                </div>
                { list }
            </>
        }
    } else {
        html! {
            // With focusable nodes inside, the picture is a group of buttons, not an image: an
            // image's children are hidden from assistive technology (axe: nested-interactive).
            <svg ref={canvas_ref.clone()} viewBox={format!("0 0 {w} {h}")} role={if p.on_node.is_some() { "group" } else { "img" }}
                aria-label={format!("{} nodes, {} messages in flight", n, total)} data-testid="cluster" data-renderer="svg"
                class={classes!(ghost.is_some().then_some("dragging"))}
                {onpointerdown} {onpointermove} {onpointerup} {onpointercancel}>
                { regions }
                <g class="links">{ for links }</g>
                if !p.compact { { for headings } }
                <g class="nodes">{ for nodes }</g>
                <g class="messages">{ for messages }</g>
                { more }
                { drag_layer }
            </svg>
        }
    };

    html! {
        <div class={classes!("cluster", p.compact.then_some("compact"), draggable.then_some("draggable"))}>
            { drawing }
            { overlay }
            { legend }
        </div>
    }
}
