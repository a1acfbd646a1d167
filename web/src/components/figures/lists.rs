//! The lists figure: named ordered lists of items, drawn as strips of key tiles (an LRU order,
//! ARC's four lists, SLRU's segments, LFU counts as badges), or, for a list with a hand, as a
//! ring of frames with the hand pointing at one (CLOCK).
//!
//! Every list is an ordered HTML list whose items carry their own spoken text, so the picture
//! is its own text alternative; the ring is an image with a description plus the same list for
//! screen readers. Nothing here is interactive, so nothing takes focus.

use distlab_core::figure::{ListItem, Lists, NamedList};
use yew::prelude::*;

/// Most empty slots drawn after a list's items (a bounded list shows its free room).
const SLOTS_MAX: usize = 24;

/// What a screen reader says for one item.
fn spoken(it: &ListItem) -> String {
    let mut s = it.text.clone();
    if let Some(b) = &it.badge {
        s.push_str(", ");
        s.push_str(b);
    }
    if it.ghost {
        s.push_str(", ghost (remembered, not stored)");
    }
    if it.hot {
        s.push_str(", just used");
    }
    s
}

fn tile(it: &ListItem, at_hand: bool) -> Html {
    html! {
        <li class={classes!("lst-item", crate::util::tint(it.color), it.hot.then_some("hot"), it.ghost.then_some("ghost"), at_hand.then_some("at-hand"))}
            aria-label={spoken(it)}>
            <span class="lst-key" aria-hidden="true">{ it.text.clone() }</span>
            if let Some(b) = &it.badge { <small class="lst-badge" aria-hidden="true">{ b.clone() }</small> }
        </li>
    }
}

fn count(list: &NamedList) -> String {
    let shown = list.items.len();
    let ghosts = list.items.iter().any(|i| i.ghost) && list.items.iter().all(|i| i.ghost);
    let n = list.total.map_or(shown, |t| t as usize);
    let cut = if n > shown { format!(" (first {shown} shown)") } else { String::new() };
    match list.capacity {
        _ if ghosts => format!("{n} remembered{cut}"),
        Some(c) => format!("{n} of {c}{cut}"),
        None => format!("{n}{cut}"),
    }
}

fn strip(list: &NamedList, label: &str) -> Html {
    let used = list.total.map_or(list.items.len(), |t| t as usize).max(list.items.len());
    let free = list.capacity.map_or(0, |c| (c as usize).saturating_sub(used)).min(SLOTS_MAX.saturating_sub(list.items.len().min(SLOTS_MAX)));
    html! {
        <div class="lst-row">
            if list.items.is_empty() { <p class="lst-none">{ "empty" }</p> }
            else {
                <ol class="lst-strip" aria-label={label.to_string()}>
                    { for list.items.iter().enumerate().map(|(i, it)| tile(it, list.hand == Some(i as u32))) }
                </ol>
            }
            if free > 0 {
                <div class="lst-free" aria-hidden="true">{ for (0..free).map(|_| html! { <span class="lst-slot"></span> }) }</div>
            }
        </div>
    }
}

/// A ring of frames (CLOCK) with the hand drawn from the centre to the frame it rests on.
fn ring(list: &NamedList, label: &str, hand: u32) -> Html {
    let n = list.items.len().max(1);
    let r_frame = if n > 16 { 11.0 } else { 14.0 };
    let radius = (n as f64 * (r_frame * 2.0 + 4.0) / std::f64::consts::TAU).max(42.0);
    let size = 2.0 * (radius + r_frame + 6.0);
    let c = size / 2.0;
    let at = |i: usize| {
        let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
        (c + radius * a.cos(), c + radius * a.sin())
    };
    let show_hand = (hand as usize) < list.items.len();
    let (hx, hy) = at(hand as usize % n);
    let reach = (radius - r_frame - 3.0) / radius;
    let described = match list.items.get(hand as usize) {
        Some(it) => format!("{label}. The hand points at frame {} ({}).", hand + 1, spoken(it)),
        None => format!("{label}. The hand points at frame {}.", hand + 1),
    };
    html! {
        <div class="lst-ring-wrap">
            <svg class="lst-ring" viewBox={format!("0 0 {size:.0} {size:.0}")} width={format!("{size:.0}")} height={format!("{size:.0}")} role="img" aria-label={described}>
                <circle class="lst-ring-track" cx={format!("{c:.1}")} cy={format!("{c:.1}")} r={format!("{radius:.1}")} />
                if show_hand { <line class="lst-hand" x1={format!("{c:.1}")} y1={format!("{c:.1}")} x2={format!("{:.1}", c + (hx - c) * reach)} y2={format!("{:.1}", c + (hy - c) * reach)} /> }
                <circle class="lst-hub" cx={format!("{c:.1}")} cy={format!("{c:.1}")} r="4" />
                { for list.items.iter().enumerate().map(|(i, it)| {
                    let (x, y) = at(i);
                    let bit = it.badge.as_deref().map(|b| b.ends_with('1')).unwrap_or(false);
                    html! {
                        <g class={classes!("lst-frame", crate::util::tint(it.color), it.hot.then_some("hot"), it.ghost.then_some("ghost"), (i as u32 == hand).then_some("at-hand"), bit.then_some("bit"))}>
                            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={format!("{r_frame:.0}")} />
                            <text x={format!("{x:.1}")} y={format!("{:.1}", y + 4.0)} text-anchor="middle">{ it.text.clone() }</text>
                        </g>
                    }
                }) }
            </svg>
            <ol class="sr-only">{ for list.items.iter().map(|it| html! { <li>{ spoken(it) }</li> }) }</ol>
            <p class="lst-legend" aria-hidden="true"><span class="lst-dot bit"></span>{ "reference bit set" }<span class="lst-dot"></span>{ "clear" }</p>
        </div>
    }
}

/// Draws every list.
pub fn render(l: &Lists) -> Html {
    html! {
        <div class="fig-lists">{ for l.lists.iter().map(|list| {
            let label = format!("{}: {}", list.name, count(list));
            html! {
                <div class={classes!("fig-list", list.hand.is_some().then_some("has-hand"))}>
                    <h3><span class="lst-name">{ list.name.clone() }</span>{ " " }<span class="lst-count">{ count(list) }</span></h3>
                    { match list.hand {
                        Some(h) if !list.items.is_empty() => ring(list, &label, h),
                        _ => strip(list, &label),
                    } }
                </div>
            }
        }) }</div>
    }
}
