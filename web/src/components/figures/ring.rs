//! Key-space figures: the hash ring and the range bar.

use distlab_core::figure::{RangeBar, Ring};
use yew::prelude::*;

/// Draws a ring as a list of its arcs (its own text alternative).
pub fn render_ring(r: &Ring) -> Html {
    html! {
        <ul class="fig-ring">{ for r.arcs.iter().map(|a| html! {
            <li class={crate::util::tint(a.color)}>{ format!("{:.3}–{:.3} ", a.start, a.end) }{ a.detail.clone() }</li>
        }) }</ul>
    }
}

/// Draws a range bar as a list of its segments (its own text alternative).
pub fn render_bar(b: &RangeBar) -> Html {
    html! {
        <ul class="fig-bar">{ for b.segments.iter().map(|s| html! {
            <li class={crate::util::tint(s.color)}>{ s.label.clone() }</li>
        }) }</ul>
    }
}
