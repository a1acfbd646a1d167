//! The space-time diagram: one horizontal lane per node, time flowing right to "now" at the
//! right edge, every recent message an arrow from its send to its delivery (or a cross where it
//! was lost), rejected replies marked ✗, elections and other notable events as diamonds on
//! their lane. Hovering an arrow highlights the message everywhere, and the other way round.

use crate::state::{LabHandle, ViewRef};
use crate::util::{color, fmt_time, name_color, nice_step};
use core::fmt::Write;
use distlab_core::{MessageView, MsgId, NodeStatus, Time, TraceEntry, TraceKind, MS, SEC};
use std::collections::BTreeMap;
use yew::prelude::*;

/// Message arrows drawn from the trace (the newest). Fewer arrows = a shorter window = arrows
/// that visibly lean, so the order of sends and deliveries can be read.
pub const ARROWS_MAX: usize = 90;
/// Node markers (timers, notes) drawn.
const MARKS_MAX: usize = 120;
/// Shortest window shown.
const SPAN_MIN: Time = 20 * MS;
/// Drawing width in SVG units (the panel is about this wide on a laptop, so text stays 1:1).
const W: f64 = 900.0;
/// Left gutter for lane labels, right margin, top axis band.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 8.0;

/// Properties of [`SpaceTime`].
#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    /// The run (for its trace).
    pub handle: LabHandle,
    /// The picture now (messages in flight).
    pub view: ViewRef,
    /// Highlighted message.
    #[prop_or_default]
    pub hover: Option<MsgId>,
    /// Reports the message under the pointer.
    pub on_hover: Callback<Option<MsgId>>,
    /// Most arrows drawn from the trace and in flight (fewer while the run plays fast).
    #[prop_or(ARROWS_MAX)]
    pub arrows: usize,
    /// The run plays fast: arrows are drawn batched, one path per kind (see [`batched`]),
    /// without hover or tooltips.
    #[prop_or_default]
    pub fast: bool,
}

/// One node's lane.
#[derive(Clone, PartialEq)]
struct Lane {
    label: String,
    role: String,
    color: u32,
    down: bool,
}

/// Properties of [`Lanes`].
#[derive(Properties, PartialEq)]
struct LanesProps {
    lanes: Vec<Lane>,
    lane_h: f64,
}

/// The lanes, one per node: their own component, since they change only when a node crashes
/// or recovers while everything drawn over them moves every refresh.
#[component]
fn Lanes(p: &LanesProps) -> Html {
    let labels = p.lane_h >= 11.0;
    html! {
        { for p.lanes.iter().enumerate().map(|(i, l)| {
            let y = TOP + (i as f64 + 0.5) * p.lane_h;
            let label = labels.then(|| html! {
                <>
                    <rect class="lane-chip" x="2" y={(y - 8.0).to_string()} width="34" height="16" rx="4" fill={color(l.color)} />
                    <text class="lane-label" x="19" y={(y + 4.0).to_string()} text-anchor="middle">{ l.label.clone() }</text>
                </>
            });
            html! {
                <g>
                    <title>{ format!("{}: {}{}", l.label, l.role, if l.down { ", crashed" } else { "" }) }</title>
                    <line class={classes!("lane", l.down.then_some("down"))}
                        x1={LEFT.to_string()} y1={y.to_string()} x2={(W - RIGHT).to_string()} y2={y.to_string()} />
                    { label }
                </g>
            }
        }) }
    }
}

/// An axis label for `t` when ticks are `step` apart: as few digits as tell ticks apart.
fn tick_label(t: Time, step: f64) -> String {
    let digits = |unit: f64| ((-(step / unit).log10()).ceil().max(0.0) as usize).min(3);
    if t >= SEC {
        format!("{:.*} s", digits(SEC as f64), t as f64 / SEC as f64)
    } else {
        format!("{:.*} ms", digits(MS as f64), t as f64 / MS as f64)
    }
}

/// How an arrow ends.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Delivered,
    /// Delivered, and the reply refuses (its text carries ✗).
    Refused,
    Lost,
    Flying,
}

impl Style {
    fn class(self) -> &'static str {
        match self {
            Style::Delivered | Style::Refused => "delivered",
            Style::Lost => "lost",
            Style::Flying => "flying",
        }
    }
    fn headed(self) -> bool {
        matches!(self, Style::Delivered | Style::Refused)
    }
}

/// One message's arrow, from its send to its delivery, loss, or where it is now.
struct Arrow<'a> {
    msg: Option<MsgId>,
    kind: &'static str,
    style: Style,
    from: (f64, f64),
    to: (f64, f64),
    trace: Option<&'a TraceEntry>,
    flying: Option<&'a MessageView>,
}

/// A notable event on a lane.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Timer,
    Important,
    Action,
}

impl Mark {
    fn class(self) -> &'static str {
        match self {
            Mark::Timer => "mark timer",
            Mark::Important => "mark important",
            Mark::Action => "mark action",
        }
    }
}

/// Appends `M x1,y1 L x2,y2` to a path.
fn segment(d: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
    let _ = write!(d, "M{x1:.1},{y1:.1}L{x2:.1},{y2:.1}");
}

/// The arrows and marks while the run plays fast: one path per kind and style, so a refresh
/// rewrites a dozen attributes rather than several for every arrow. Nothing here reacts to the
/// pointer (nothing stays under it long enough); pausing brings back the interactive drawing.
fn batched(shapes: &[Arrow], marks: &[(f64, f64, Mark, &TraceEntry)]) -> Html {
    let mut shafts: BTreeMap<(&'static str, &'static str), String> = BTreeMap::new();
    let (mut heads, mut dots, mut crosses) = (String::new(), BTreeMap::<&'static str, String>::new(), String::new());
    for a in shapes {
        segment(shafts.entry((a.kind, a.style.class())).or_default(), a.from, a.to);
        let ((x1, y1), (x2, y2)) = (a.from, a.to);
        let _ = write!(dots.entry(a.kind).or_default(), "M{:.1},{y1:.1}a1.8,1.8 0 1,0 3.6,0a1.8,1.8 0 1,0 -3.6,0", x1 - 1.8);
        if a.style.headed() {
            // A head 8 long and 6 wide (as the interactive drawing's marker), along the shaft.
            let (dx, dy) = (x2 - x1, y2 - y1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-6);
            let (ux, uy) = (dx / len, dy / len);
            let (bx, by) = (x2 - 8.0 * ux, y2 - 8.0 * uy);
            let _ = write!(heads, "M{x2:.1},{y2:.1}L{:.1},{:.1}L{:.1},{:.1}z", bx - 3.0 * uy, by + 3.0 * ux, bx + 3.0 * uy, by - 3.0 * ux);
        }
        // Lost: a cross where it was lost; refused: a small cross beside the head.
        let cross = match a.style {
            Style::Lost => Some(((x2, y2), 3.0)),
            Style::Refused => Some(((x2 + 6.5, y2 - 4.5), 2.5)),
            _ => None,
        };
        if let Some(((cx, cy), r)) = cross {
            segment(&mut crosses, (cx - r, cy - r), (cx + r, cy + r));
            segment(&mut crosses, (cx + r, cy - r), (cx - r, cy + r));
        }
    }
    let mut mark_paths: BTreeMap<&'static str, String> = BTreeMap::new();
    for &(x, y, mark, _) in marks {
        let d = mark_paths.entry(mark.class()).or_default();
        match mark {
            Mark::Timer => segment(d, (x, y - 4.0), (x, y + 4.0)),
            _ => {
                let _ = write!(d, "M{x:.1},{:.1}l5,5l-5,5l-5,-5z", y - 5.0);
            }
        }
    }
    html! {
        <g class="batched">
            { for mark_paths.into_iter().map(|(class, d)| html! { <path {class} {d} /> }) }
            { for shafts.into_iter().map(|((kind, class), d)| html! {
                <g class={classes!("arrow", class)}><path class="shaft" {d} stroke={color(name_color(kind))} fill="none" /></g>
            }) }
            <path class="head" d={heads} />
            { for dots.into_iter().map(|(kind, d)| html! { <path class="send" {d} fill={color(name_color(kind))} /> }) }
            <path class="crosses" d={crosses} />
        </g>
    }
}

/// The space-time diagram.
#[component]
pub fn SpaceTime(p: &SpaceTimeProps) -> Html {
    let lab = p.handle.lab.borrow();
    let view = &p.view;
    let arrows_max = p.arrows.min(ARROWS_MAX);
    let marks_max = MARKS_MAX * arrows_max / ARROWS_MAX;
    let now = view.time;
    let n = view.nodes.len().max(1);
    // Lanes: roomy for a handful of nodes, packed for many.
    let lane_h = (260.0 / n as f64).clamp(6.0, 34.0);
    let h = TOP + BOTTOM + lane_h * n as f64;
    let trace = lab.trace();
    let recent: Vec<_> = trace
        .iter()
        .rev()
        .filter(|e| matches!(e.kind, TraceKind::Deliver | TraceKind::Lost) && e.peer.is_some() && e.node.is_some())
        .take(arrows_max)
        .collect();
    let mut start = recent.iter().map(|e| e.sent_at.min(e.time)).min().unwrap_or(now);
    for m in view.messages.iter().take(arrows_max) {
        start = start.min(m.sent_at);
    }
    if now.saturating_sub(start) < SPAN_MIN {
        start = now.saturating_sub(SPAN_MIN);
    }
    let span = (now - start).max(1) as f64;
    let lane = |i: u32| -> f64 { TOP + (i as f64 + 0.5) * lane_h };
    let x = |t: Time| -> f64 { LEFT + (t.saturating_sub(start) as f64 / span) * (W - LEFT - RIGHT) };

    // Time axis: nice ticks with faint grid lines.
    let step = nice_step(span, 7.0);
    let first = ((start as f64 / step).ceil() * step) as Time;
    let ticks = (0..12).map(|k| first + (k as f64 * step) as Time).take_while(|t| *t <= now).map(|t| {
        let xx = x(t);
        html! {
            <g class="tick">
                <line x1={xx.to_string()} y1={(TOP - 4.0).to_string()} x2={xx.to_string()} y2={(h - BOTTOM).to_string()} />
                <text x={xx.to_string()} y={(TOP - 8.0).to_string()} text-anchor="middle">{ tick_label(t, step) }</text>
            </g>
        }
    });

    let lanes: Vec<Lane> = view
        .nodes
        .iter()
        .map(|nv| Lane { label: nv.label.clone(), role: nv.role.clone(), color: nv.color, down: nv.status == NodeStatus::Crashed })
        .collect();

    // Every arrow's geometry first; how it is drawn depends on `fast`.
    let mut kinds: Vec<&'static str> = Vec::new();
    let mut shapes: Vec<Arrow> = Vec::with_capacity(recent.len() + arrows_max.min(view.messages.len()));
    for e in recent.iter().rev() {
        if !kinds.contains(&e.label) {
            kinds.push(e.label);
        }
        let (from, to) = (e.peer.unwrap_or(0), e.node.unwrap_or(0));
        let (x1, y1) = (x(e.sent_at), lane(from));
        let (style, (x2, y2)) = match e.kind {
            // A message lost on the way ends in a cross part way to its receiver.
            TraceKind::Lost => (Style::Lost, if e.time > e.sent_at { (x(e.time), y1 + (lane(to) - y1) * 0.6) } else { (x1 + 6.0, (y1 + lane(to)) / 2.0) }),
            // Replies say ✗ in their text when they refuse (vote denied, log mismatch).
            _ => (if e.text.contains("✗") { Style::Refused } else { Style::Delivered }, (x(e.time), lane(to))),
        };
        shapes.push(Arrow { msg: e.msg, kind: e.label, style, from: (x1, y1), to: (x2, y2), trace: Some(e), flying: None });
    }
    for m in view.messages.iter().take(arrows_max) {
        if !kinds.contains(&m.kind) {
            kinds.push(m.kind);
        }
        let span_m = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (now.saturating_sub(m.sent_at) as f64 / span_m).clamp(0.0, 1.0);
        let (ya, yb) = (lane(m.from), lane(m.to));
        shapes.push(Arrow { msg: Some(m.id), kind: m.kind, style: Style::Flying, from: (x(m.sent_at), ya), to: (x(now), ya + (yb - ya) * frac), trace: None, flying: Some(m) });
    }
    let marks: Vec<(f64, f64, Mark, &TraceEntry)> = trace
        .iter()
        .rev()
        .take_while(|e| e.time >= start)
        .filter(|e| (e.kind == TraceKind::Timer || e.important || e.kind == TraceKind::Action) && e.node.is_some())
        .take(marks_max)
        .map(|e| {
            let mark = if e.kind == TraceKind::Action { Mark::Action } else if e.important { Mark::Important } else { Mark::Timer };
            (x(e.time), lane(e.node.unwrap_or(0)), mark, e)
        })
        .collect();
    let drawing = if p.fast {
        batched(&shapes, &marks)
    } else {
        let tip = |a: &Arrow| match (a.trace, a.flying) {
            (Some(e), _) => {
                let to = view.nodes.get(e.node.unwrap_or(0) as usize).map_or("", |v| v.label.as_str());
                let lost = if a.style == Style::Lost { "lost: " } else { "" };
                format!("{lost}{} → {} at {to}: {}", fmt_time(e.sent_at), fmt_time(e.time), e.text)
            }
            (None, Some(m)) => format!("in flight: {} (arrives at {})", m.label, fmt_time(m.arrives_at)),
            _ => String::new(),
        };
        let arrows = shapes.iter().map(|a| {
            let ((x1, y1), (x2, y2)) = (a.from, a.to);
            let id = a.msg;
            let hovered = id.is_some() && id == p.hover;
            let (h1, h2) = (p.on_hover.clone(), p.on_hover.clone());
            let c = color(name_color(a.kind));
            let cross = match a.style {
                Style::Lost => html! { <text class="loss-x" x={x2.to_string()} y={(y2 + 4.0).to_string()} text-anchor="middle">{"✕"}</text> },
                Style::Refused => html! { <text class="fail-x" x={(x2 + 5.0).to_string()} y={(y2 - 3.0).to_string()}>{"✗"}</text> },
                _ => html! {},
            };
            html! {
                <>
                    <g class={classes!("arrow", a.style.class(), hovered.then_some("hover"))}
                        onmouseenter={Callback::from(move |_: MouseEvent| if id.is_some() { h1.emit(id) })}
                        onmouseleave={Callback::from(move |_: MouseEvent| if id.is_some() { h2.emit(None) })}>
                        <title>{ tip(a) }</title>
                        <line class="hit" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                        <line class="shaft" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
                            stroke={c} marker-end={a.style.headed().then_some("url(#st-head)")} />
                        <circle class="send" cx={x1.to_string()} cy={y1.to_string()} r="1.8" fill={c} />
                    </g>
                    { cross }
                </>
            }
        });
        let marks = marks.iter().map(|&(xx, yy, mark, e)| {
            let tip = html! { <title>{ format!("{} — {}", fmt_time(e.time), e.text) }</title> };
            match mark {
                Mark::Timer => html! { <line class="mark timer" x1={xx.to_string()} y1={(yy - 4.0).to_string()} x2={xx.to_string()} y2={(yy + 4.0).to_string()}>{ tip }</line> },
                _ => html! { <path class={mark.class()} d={format!("M{xx},{} l5,5 l-5,5 l-5,-5 z", yy - 5.0)}>{ tip }</path> },
            }
        });
        html! { <>{ for marks }<g>{ for arrows }</g></> }
    };

    kinds.sort_unstable();
    html! {
        // Contained, and skipped while scrolled out of view, so its hundreds of SVG shapes do
        // not add to every animation frame's layerize and paint.
        <div class="spacetime-wrap" style="contain: content; content-visibility: auto; contain-intrinsic-size: auto 400px">
            <svg class="spacetime" viewBox={format!("0 0 {W} {h}")} data-testid="spacetime" role="img"
                aria-label={format!("Space-time diagram from {} to {}: {} messages", fmt_time(start), fmt_time(now), recent.len() + view.messages.len().min(arrows_max))}>
                <defs>
                    <marker id="st-head" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0,0 L8,4 L0,8 z" class="head" />
                    </marker>
                </defs>
                { for ticks }
                <Lanes {lanes} {lane_h} />
                { drawing }
                <line class="now" x1={x(now).to_string()} y1={(TOP - 4.0).to_string()} x2={x(now).to_string()} y2={(h - BOTTOM).to_string()} />
            </svg>
            <div class="st-legend">
                { for kinds.iter().map(|k| html! { <span><i style={format!("background:{}", color(name_color(k)))}></i>{ *k }</span> }) }
                <span><b class="fail-x">{"✗"}</b>{"refused"}</span>
                <span><b class="loss-x">{"✕"}</b>{"lost"}</span>
                <span><b class="d-imp">{"◆"}</b>{"event"}</span>
                <span class="muted">{ format!("last {} · now at the right edge", fmt_time(now - start)) }</span>
            </div>
        </div>
    }
}
