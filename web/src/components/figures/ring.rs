//! Key-space figures: the hash ring and the range bar, drawn as SVG.
//!
//! - **Ring**: owned arcs as a thick coloured band (one colour per owner), tokens as ticks on
//!   the band, keys as dots inside it in their owner's colour. Keys that are moving (or just
//!   moved) get a ring around them and, unless the reader asked for reduced motion, a pulse.
//! - **Range bar**: segments left to right in their owner's colour, a load gauge along the
//!   bottom of each, keys as dots above the bar, moving ones ringed.
//!
//! The halos of moving keys are drawn on a second SVG laid over the first, and only that layer
//! pulses (by opacity, which the compositor animates without repainting): a ring of 720 arcs
//! and 160 keys is painted once per refresh, not once per animation frame.
//!
//! Each picture is one focusable `role="img"` element with a summary label; a `<details>`
//! underneath holds the full text alternative (shares per owner, ranges with their load, keys
//! that move), which screen readers and the curious can open.

use distlab_core::figure::{RangeBar, Ring, RingMark};
use std::collections::BTreeMap;
use yew::prelude::*;

const TAU: f64 = std::f64::consts::TAU;
/// Ring geometry (SVG user units).
const C: f64 = 120.0;
const R_BAND: f64 = 92.0;
const R_KEYS: f64 = 70.0;

fn point(r: f64, at: f64) -> (f64, f64) {
    let a = at * TAU - TAU / 4.0;
    (C + r * a.cos(), C + r * a.sin())
}

/// An SVG path for the arc from `start` to `end` (fractions; `end` below `start` wraps).
fn arc_path(start: f64, end: f64) -> String {
    let mut span = end - start;
    if span <= 0.0 {
        span += 1.0;
    }
    if span >= 0.9999 {
        // A full circle: two half arcs.
        let (x0, y0) = point(R_BAND, 0.0);
        let (x1, y1) = point(R_BAND, 0.5);
        return format!("M{x0:.2} {y0:.2}A{R_BAND} {R_BAND} 0 1 1 {x1:.2} {y1:.2}A{R_BAND} {R_BAND} 0 1 1 {x0:.2} {y0:.2}");
    }
    let (x0, y0) = point(R_BAND, start);
    let (x1, y1) = point(R_BAND, start + span);
    let large = u8::from(span > 0.5);
    format!("M{x0:.2} {y0:.2}A{R_BAND} {R_BAND} 0 {large} 1 {x1:.2} {y1:.2}")
}

fn owner_name(detail: &str) -> String {
    detail.split_whitespace().next().unwrap_or("").to_string()
}

fn moving_list(marks: &[RingMark]) -> Html {
    let moving: Vec<&RingMark> = marks.iter().filter(|m| m.moving && !m.major).collect();
    if moving.is_empty() {
        return html! { <p>{ "No key is moving." }</p> };
    }
    html! {
        <p>{ format!("Moving ({}): ", moving.len()) }{ moving.iter().take(40).map(|m| m.label.clone()).collect::<Vec<_>>().join(", ") }{ if moving.len() > 40 { " …" } else { "" } }</p>
    }
}

fn key_dot(m: &RingMark, x: f64, y: f64) -> Html {
    let class = classes!("fig-key", crate::util::tint(m.color), m.moving.then_some("moving"));
    html! {
        <g class={class}>
            <circle class="dot" cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="2.6"><title>{ m.label.clone() }</title></circle>
        </g>
    }
}

/// The pulsing layer over a picture: one halo per moving key (none: no layer).
fn halos(view_box: &str, aspect: &'static str, at: impl Iterator<Item = (u32, f64, f64)>) -> Html {
    let rings: Vec<Html> = at
        .map(|(color, x, y)| html! { <circle class={classes!("halo", crate::util::tint(color))} cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="5.5" /> })
        .collect();
    if rings.is_empty() {
        return html! {};
    }
    html! {
        <svg class="fig-halos" viewBox={view_box.to_string()} preserveAspectRatio={aspect} aria-hidden="true" focusable="false">
            <g class="fig-key moving">{ for rings }</g>
        </svg>
    }
}

/// Where a key sits on the ring: inside the band, nudged inwards by a little of its own hash
/// so neighbours do not overlap completely.
fn ring_key_at(m: &RingMark) -> (f64, f64) {
    let wobble = ((m.at * 9973.0).fract() - 0.5) * 14.0;
    point(R_KEYS + wobble, m.at)
}

/// Draws a ring.
pub fn render_ring(r: &Ring) -> Html {
    // Share of the circle per owner, for the legend and the text alternative.
    let mut share: BTreeMap<(u32, String), f64> = BTreeMap::new();
    for a in &r.arcs {
        let mut span = a.end - a.start;
        if span <= 0.0 {
            span += 1.0;
        }
        *share.entry((a.color, owner_name(&a.detail))).or_default() += span;
    }
    let keys = r.marks.iter().filter(|m| !m.major).count();
    let moving = r.marks.iter().filter(|m| m.moving && !m.major).count();
    let tokens = r.marks.iter().filter(|m| m.major).count();
    let label = if r.arcs.is_empty() {
        format!("Hash ring with {keys} keys placed by hash, coloured by owner; {moving} moving.")
    } else {
        format!("Hash ring: {} arcs owned by {} nodes, {tokens} tokens, {keys} keys; {moving} moving.", r.arcs.len(), share.len())
    };
    let mut by_owner: BTreeMap<u32, usize> = BTreeMap::new();
    for m in r.marks.iter().filter(|m| !m.major) {
        *by_owner.entry(m.color).or_default() += 1;
    }
    html! {
        <div class="fig-ring">
            <div class="fig-stage">
            <svg viewBox="0 0 240 240" role="img" tabindex="0" aria-label={label.clone()} focusable="true">
                <circle class="track" cx={C.to_string()} cy={C.to_string()} r={R_BAND.to_string()} />
                { for r.arcs.iter().map(|a| html! {
                    <path class={classes!("arc", crate::util::tint(a.color))} d={arc_path(a.start, a.end)}><title>{ a.detail.clone() }</title></path>
                }) }
                { for r.marks.iter().filter(|m| m.major).map(|m| {
                    let (x0, y0) = point(R_BAND - 9.0, m.at);
                    let (x1, y1) = point(R_BAND + 9.0, m.at);
                    html! { <line class={classes!("token", crate::util::tint(m.color))} x1={format!("{x0:.2}")} y1={format!("{y0:.2}")} x2={format!("{x1:.2}")} y2={format!("{y1:.2}")} /> }
                }) }
                { for r.marks.iter().filter(|m| !m.major).map(|m| {
                    let (x, y) = ring_key_at(m);
                    key_dot(m, x, y)
                }) }
                <text class="centre" x={C.to_string()} y={(C + 4.0).to_string()} text-anchor="middle">{ if moving > 0 { format!("{moving} moving") } else { format!("{keys} keys") } }</text>
            </svg>
            { halos("0 0 240 240", "xMidYMid meet", r.marks.iter().filter(|m| m.moving && !m.major).map(|m| {
                let (x, y) = ring_key_at(m);
                (m.color, x, y)
            })) }
            </div>
            <ul class="fig-legend" aria-hidden="true">
                { for share.iter().map(|((color, name), s)| html! {
                    <li class={crate::util::tint(*color)}><i></i>{ format!("{name} {:.0} %", s * 100.0) }</li>
                }) }
                if share.is_empty() {
                    { for by_owner.iter().map(|(color, n)| html! { <li class={crate::util::tint(*color)}><i></i>{ format!("{n} keys") }</li> }) }
                }
            </ul>
            <details class="fig-text">
                <summary>{ "As text" }</summary>
                <p>{ label }</p>
                if !share.is_empty() {
                    <ul>{ for share.iter().map(|((_, name), s)| html! { <li>{ format!("{name}: {:.1} % of the ring", s * 100.0) }</li> }) }</ul>
                }
                { moving_list(&r.marks) }
            </details>
        </div>
    }
}

/// Height of a key's dot above the bar (moving keys on one line, the rest jittered).
fn bar_key_y(m: &RingMark) -> f64 {
    10.0 + if m.moving { 0.0 } else { (m.at * 7919.0).fract() * 6.0 }
}

/// Draws a range bar.
pub fn render_bar(b: &RangeBar) -> Html {
    const W: f64 = 600.0;
    const TOP: f64 = 22.0;
    const H: f64 = 34.0;
    let moving = b.marks.iter().filter(|m| m.moving).count();
    let label = format!("Range bar: {} ranges, {} keys shown, {moving} moving.", b.segments.len(), b.marks.len());
    html! {
        <div class="fig-bar">
            <div class="fig-stage">
            <svg viewBox={format!("0 0 {W} 74")} preserveAspectRatio="none" role="img" tabindex="0" aria-label={label.clone()} focusable="true">
                { for b.segments.iter().map(|s| {
                    let x = s.start * W;
                    let w = ((s.end - s.start) * W).max(0.5);
                    let load = s.load.unwrap_or(0.0).clamp(0.0, 1.0);
                    html! {
                        <g class={classes!("seg", crate::util::tint(s.color))}>
                            <rect class="range" x={format!("{x:.2}")} y={TOP.to_string()} width={format!("{w:.2}")} height={H.to_string()}><title>{ s.label.clone() }</title></rect>
                            if s.load.is_some() {
                                <rect class="gauge" x={format!("{:.2}", x + 1.0)} y={format!("{:.2}", TOP + H - 7.0)} width={format!("{:.2}", ((w - 2.0) * load).max(0.0))} height="5" style={format!("fill:{}", crate::util::load_color(load))} />
                            }
                            if w > 60.0 {
                                <text x={format!("{:.2}", x + 4.0)} y={(TOP + 15.0).to_string()}>{ s.label.split_whitespace().last().unwrap_or("").to_string() }</text>
                            }
                        </g>
                    }
                }) }
                { for b.marks.iter().map(|m| key_dot(m, m.at * W, bar_key_y(m))) }
            </svg>
            { halos(&format!("0 0 {W} 74"), "none", b.marks.iter().filter(|m| m.moving).map(|m| (m.color, m.at * W, bar_key_y(m)))) }
            </div>
            <details class="fig-text">
                <summary>{ "As text" }</summary>
                <p>{ label }</p>
                <table>
                    <thead><tr><th scope="col">{ "Range" }</th><th scope="col">{ "Load" }</th></tr></thead>
                    <tbody>{ for b.segments.iter().map(|s| html! {
                        <tr><td>{ s.label.clone() }</td><td>{ s.load.map_or("—".to_string(), |l| format!("{:.0} %", l * 100.0)) }</td></tr>
                    }) }</tbody>
                </table>
                { moving_list(&b.marks) }
            </details>
        </div>
    }
}
