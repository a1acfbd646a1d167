//! The space-time diagram: one horizontal lane per node, time flowing right to "now" at the
//! right edge, every recent message an arrow from its send to its delivery (or a cross where it
//! was lost), rejected replies marked ✗, elections and other notable events as diamonds on
//! their lane. Hovering an arrow highlights the message everywhere, and the other way round.

use crate::state::LabHandle;
use crate::util::{color, fmt_time, name_color, nice_step};
use distlab_core::{MsgId, NodeStatus, Time, TraceKind, View, MS, SEC};
use std::rc::Rc;
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
    pub view: Rc<View>,
    /// Highlighted message.
    #[prop_or_default]
    pub hover: Option<MsgId>,
    /// Reports the message under the pointer.
    pub on_hover: Callback<Option<MsgId>>,
    /// Most arrows drawn from the trace and in flight (fewer while the run plays fast).
    #[prop_or(ARROWS_MAX)]
    pub arrows: usize,
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
    let labels = lane_h >= 11.0;
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

    let lanes = view.nodes.iter().map(|nv| {
        let y = lane(nv.id);
        let down = nv.status == NodeStatus::Crashed;
        let label = labels.then(|| html! {
            <>
                <rect class="lane-chip" x="2" y={(y - 8.0).to_string()} width="34" height="16" rx="4" fill={color(nv.color)} />
                <text class="lane-label" x="19" y={(y + 4.0).to_string()} text-anchor="middle">{ nv.label.clone() }</text>
            </>
        });
        html! {
            <g>
                <title>{ format!("{}: {}{}", nv.label, nv.role, if down { ", crashed" } else { "" }) }</title>
                <line class={classes!("lane", down.then_some("down"))}
                    x1={LEFT.to_string()} y1={y.to_string()} x2={(W - RIGHT).to_string()} y2={y.to_string()} />
                { label }
            </g>
        }
    });

    let arrow = |id: Option<MsgId>, x1: f64, y1: f64, x2: f64, y2: f64, class: &'static str, kind: &str, tip: String| {
        let hovered = id.is_some() && id == p.hover;
        let (h1, h2) = (p.on_hover.clone(), p.on_hover.clone());
        html! {
            <g class={classes!("arrow", class, hovered.then_some("hover"))}
                onmouseenter={Callback::from(move |_: MouseEvent| if id.is_some() { h1.emit(id) })}
                onmouseleave={Callback::from(move |_: MouseEvent| if id.is_some() { h2.emit(None) })}>
                <title>{ tip }</title>
                <line class="hit" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                <line class="shaft" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
                    stroke={color(name_color(kind))} marker-end={(class == "delivered").then_some("url(#st-head)")} />
                <circle class="send" cx={x1.to_string()} cy={y1.to_string()} r="1.8" fill={color(name_color(kind))} />
            </g>
        }
    };

    let mut kinds: Vec<&'static str> = Vec::new();
    let arrows = recent
        .iter()
        .rev()
        .map(|e| {
            if !kinds.contains(&e.label) {
                kinds.push(e.label);
            }
            let (from, to) = (e.peer.unwrap_or(0), e.node.unwrap_or(0));
            let (x1, y1) = (x(e.sent_at), lane(from));
            let tip = format!("{} → {} at {}: {}", fmt_time(e.sent_at), fmt_time(e.time), view.nodes.get(to as usize).map_or("", |v| v.label.as_str()), e.text);
            match e.kind {
                TraceKind::Lost => {
                    // A message lost on the way ends in a cross part way to its receiver.
                    let (x2, y2) = if e.time > e.sent_at { (x(e.time), y1 + (lane(to) - y1) * 0.6) } else { (x1 + 6.0, (y1 + lane(to)) / 2.0) };
                    html! {
                        <>
                            { arrow(e.msg, x1, y1, x2, y2, "lost", e.label, format!("lost: {tip}")) }
                            <text class="loss-x" x={x2.to_string()} y={(y2 + 4.0).to_string()} text-anchor="middle">{"✕"}</text>
                        </>
                    }
                }
                _ => {
                    let (x2, y2) = (x(e.time), lane(to));
                    // Replies say ✗ in their text when they refuse (vote denied, log mismatch).
                    let refused = e.text.contains('✗');
                    html! {
                        <>
                            { arrow(e.msg, x1, y1, x2, y2, "delivered", e.label, tip) }
                            if refused { <text class="fail-x" x={(x2 + 5.0).to_string()} y={(y2 - 3.0).to_string()}>{"✗"}</text> }
                        </>
                    }
                }
            }
        })
        .collect::<Vec<_>>();

    let flying = view
        .messages
        .iter()
        .take(arrows_max)
        .map(|m| {
            if !kinds.contains(&m.kind) {
                kinds.push(m.kind);
            }
            let span_m = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
            let frac = (now.saturating_sub(m.sent_at) as f64 / span_m).clamp(0.0, 1.0);
            let (ya, yb) = (lane(m.from), lane(m.to));
            arrow(Some(m.id), x(m.sent_at), ya, x(now), ya + (yb - ya) * frac, "flying", m.kind, format!("in flight: {} (arrives at {})", m.label, fmt_time(m.arrives_at)))
        })
        .collect::<Vec<_>>();

    let marks = trace
        .iter()
        .rev()
        .take_while(|e| e.time >= start)
        .filter(|e| (e.kind == TraceKind::Timer || e.important || e.kind == TraceKind::Action) && e.node.is_some())
        .take(marks_max)
        .map(|e| {
            let (xx, yy) = (x(e.time), lane(e.node.unwrap_or(0)));
            let tip = format!("{} — {}", fmt_time(e.time), e.text);
            if e.important || e.kind == TraceKind::Action {
                let class = if e.kind == TraceKind::Action { "mark action" } else { "mark important" };
                html! { <path class={class} d={format!("M{xx},{} l5,5 l-5,5 l-5,-5 z", yy - 5.0)}><title>{ tip }</title></path> }
            } else {
                html! { <line class="mark timer" x1={xx.to_string()} y1={(yy - 4.0).to_string()} x2={xx.to_string()} y2={(yy + 4.0).to_string()}><title>{ tip }</title></line> }
            }
        });

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
                { for lanes }
                { for marks }
                <g>{ for arrows }</g>
                <g>{ for flying }</g>
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
