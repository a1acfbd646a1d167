//! The space-time diagram: one vertical line per node, time flowing down to "now" at the
//! bottom, every recent message an arrow from its send to its delivery (or a cross where it
//! was lost). Hovering an arrow highlights the message everywhere, and the other way round.

use crate::state::LabHandle;
use crate::util::{color, fmt_time, name_color};
use distlab_core::{MsgId, Time, TraceKind, View};
use std::rc::Rc;
use yew::prelude::*;

/// Message arrows drawn from the trace.
const ARROWS_MAX: usize = 160;
/// Node markers (timers, notes) drawn.
const MARKS_MAX: usize = 120;
/// Shortest window shown.
const SPAN_MIN: Time = 20_000;

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
}

/// The space-time diagram.
#[component]
pub fn SpaceTime(p: &SpaceTimeProps) -> Html {
    let (w, h) = (640.0_f64, 300.0_f64);
    let (left, right, top, bottom) = (56.0, 16.0, 26.0, 12.0);
    let lab = p.handle.lab.borrow();
    let view = &p.view;
    let now = view.time;
    let n = view.nodes.len().max(1);
    let trace = lab.trace();
    let recent: Vec<_> = trace
        .iter()
        .rev()
        .filter(|e| matches!(e.kind, TraceKind::Deliver | TraceKind::Lost) && e.peer.is_some() && e.node.is_some())
        .take(ARROWS_MAX)
        .collect();
    let mut start = recent.iter().map(|e| e.sent_at.min(e.time)).min().unwrap_or(now);
    for m in &view.messages {
        start = start.min(m.sent_at);
    }
    if now.saturating_sub(start) < SPAN_MIN {
        start = now.saturating_sub(SPAN_MIN);
    }
    let span = (now - start).max(1) as f64;
    let lane = |i: u32| -> f64 {
        if n == 1 {
            (left + w - right) / 2.0
        } else {
            left + (i as f64) * (w - left - right) / (n - 1) as f64
        }
    };
    let y = |t: Time| -> f64 { top + (t.saturating_sub(start) as f64 / span) * (h - top - bottom) };

    let lanes = view.nodes.iter().map(|nv| {
        let x = lane(nv.id);
        let label = (n <= 24).then(|| html! { <text class="lane-label" x={x.to_string()} y="14" text-anchor="middle">{ nv.label.clone() }</text> });
        html! {
            <g>
                <line class={classes!("lane", (nv.status == distlab_core::NodeStatus::Crashed).then_some("down"))}
                    x1={x.to_string()} y1={top.to_string()} x2={x.to_string()} y2={(h - bottom).to_string()} />
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
            </g>
        }
    };

    let arrows = recent.iter().rev().map(|e| {
        let (from, to) = (e.peer.unwrap_or(0), e.node.unwrap_or(0));
        let (x1, y1) = (lane(from), y(e.sent_at));
        match e.kind {
            TraceKind::Lost => {
                // A message lost on the way ends in a cross part way to its receiver.
                let (x2, y2) = if e.time > e.sent_at { (lane(to), y(e.time)) } else { ((x1 + lane(to)) / 2.0, y1 + 6.0) };
                let tip = format!("{} — {}", fmt_time(e.time), e.text);
                html! {
                    <>
                        { arrow(e.msg, x1, y1, x2, y2, "lost", e.label, tip) }
                        <text class="loss-x" x={x2.to_string()} y={(y2 + 4.0).to_string()} text-anchor="middle">{"✕"}</text>
                    </>
                }
            }
            _ => arrow(e.msg, x1, y1, lane(to), y(e.time), "delivered", e.label, format!("{} — {}", fmt_time(e.time), e.text)),
        }
    });

    let flying = view.messages.iter().take(ARROWS_MAX).map(|m| {
        let span_m = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (now.saturating_sub(m.sent_at) as f64 / span_m).clamp(0.0, 1.0);
        let (xa, xb) = (lane(m.from), lane(m.to));
        arrow(Some(m.id), xa, y(m.sent_at), xa + (xb - xa) * frac, y(now), "flying", m.kind, format!("in flight: {}", m.label))
    });

    let marks = trace
        .iter()
        .rev()
        .take_while(|e| e.time >= start)
        .filter(|e| (e.kind == TraceKind::Timer || e.important) && e.node.is_some())
        .take(MARKS_MAX)
        .map(|e| {
            let (x, yy) = (lane(e.node.unwrap_or(0)), y(e.time));
            let class = if e.important { "mark important" } else { "mark" };
            html! { <circle class={class} cx={x.to_string()} cy={yy.to_string()} r={if e.important { "4" } else { "2.5" }}><title>{ format!("{} — {}", fmt_time(e.time), e.text) }</title></circle> }
        });

    html! {
        <svg class="spacetime" viewBox={format!("0 0 {w} {h}")} data-testid="spacetime" role="img"
            aria-label={format!("Space-time diagram from {} to {}", fmt_time(start), fmt_time(now))}>
            <defs>
                <marker id="st-head" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M0,0 L8,4 L0,8 z" class="head" />
                </marker>
            </defs>
            <text class="axis" x="4" y={(top + 4.0).to_string()}>{ fmt_time(start) }</text>
            <text class="axis" x="4" y={(h - bottom).to_string()}>{ fmt_time(now) }</text>
            { for lanes }
            { for marks }
            <g>{ for arrows }</g>
            <g>{ for flying }</g>
        </svg>
    }
}
