//! The grid figure: rows (replicas, acceptors, keys) by columns (slots, sequence numbers),
//! drawn as a table of coloured cells, with a gauge row per quorum line that fills as a
//! column's filled cells approach the line's count and lights up when it reaches it.
//!
//! The table is its own text alternative: every cell carries its detail as visually hidden
//! text (read by screen readers, shown to the sighted reader as a tooltip), and each gauge
//! says "3 of 3 needed". A grid wider than the panel scrolls sideways; the scroller takes
//! keyboard focus so it can be scrolled without a mouse.
//!
//! The key grid ([`render_keys`]) is the dense sibling: a thousand small squares in reading
//! order, each an item (a key) in its owner's colour, drawn as one SVG. A square moving to a
//! new owner shows that owner's colour as an inset; one that just moved is ringed, and its
//! colour change is a CSS transition (painted only while it runs; nothing loops). Its text
//! alternative is the headline, the owners with their counts, and the moving squares.

use distlab_core::figure::{Grid, GridCell, KeyGrid, QuorumLine};
use yew::prelude::*;

/// Filled cells per column (index into `columns`).
pub(super) fn filled_counts(g: &Grid) -> Vec<u32> {
    let mut counts = vec![0u32; g.columns.len()];
    for r in &g.rows {
        for (i, c) in r.cells.iter().enumerate().take(counts.len()) {
            if c.filled {
                counts[i] += 1;
            }
        }
    }
    counts
}

pub(super) fn applies(line: &QuorumLine, column: usize) -> bool {
    line.columns.is_empty() || line.columns.contains(&(column as u32))
}

fn cell(c: &GridCell) -> Html {
    let empty = c.text.is_empty() && !c.filled;
    let class = classes!(
        "fig-cell",
        crate::util::tint(c.color),
        c.filled.then_some("filled"),
        (!c.filled && !empty).then_some("open"),
        empty.then_some("empty"),
        c.dashed.then_some("dashed"),
        c.marked.then_some("marked"),
    );
    html! {
        <td class={class} title={c.detail.clone()}>
            <span class="fig-cell-text" aria-hidden="true">{ c.text.clone() }</span>
            // A one-character note (a tick, a count) sits in the corner; a longer one (a
            // ballot) on a second line.
            if !c.note.is_empty() {
                <span class={classes!("fig-cell-note", if c.note.chars().count() <= 1 { "corner" } else { "sub" })} aria-hidden="true">{ c.note.clone() }</span>
            }
            <span class="fig-sr">{ if c.detail.is_empty() { c.text.clone() } else { c.detail.clone() } }</span>
        </td>
    }
}

/// A gauge: `count` of `rows` filled, with a tick at the line's threshold.
fn gauge(count: u32, need: u32, rows: u32) -> Html {
    let rows = rows.max(need).max(1) as f64;
    let w = 36.0;
    let fill = (count as f64 / rows * w).min(w);
    let tick = (need as f64 / rows * w).min(w);
    let reached = count >= need;
    html! {
        <td class={classes!("fig-gauge", reached.then_some("reached"))}>
            <svg width="40" height="10" viewBox="0 0 40 10" aria-hidden="true" focusable="false">
                <rect class="fig-gauge-track" x="2" y="2" width={format!("{w}")} height="6" rx="2" />
                <rect class="fig-gauge-fill" x="2" y="2" width={format!("{fill:.1}")} height="6" rx="2" />
                <line class="fig-gauge-tick" x1={format!("{:.1}", tick + 2.0)} x2={format!("{:.1}", tick + 2.0)} y1="0" y2="10" />
            </svg>
            <span class="fig-gauge-text">{ format!("{count}/{need}") }</span>
            <span class="fig-sr">{ if reached { format!(" ({count} of {need} needed: reached)") } else { format!(" ({count} of {need} needed)") } }</span>
        </td>
    }
}

/// Draws a grid; `title` names its scrolling region for assistive technology.
pub fn render(g: &Grid, title: &str) -> Html {
    let counts = filled_counts(g);
    let rows = g.rows.len() as u32;
    let reached: Vec<bool> = (0..g.columns.len()).map(|i| g.lines.iter().any(|l| applies(l, i) && counts[i] >= l.count)).collect();
    html! {
        <div class="fig-grid-scroll" tabindex="0" role="region" aria-label={format!("{title} (table, scrolls sideways)")}>
            <table class="fig-grid">
                <thead><tr>
                    <td class="fig-corner"></td>
                    { for g.columns.iter().enumerate().map(|(i, c)| html! {
                        <th scope="col" class={classes!(reached[i].then_some("reached"))}>{ c.clone() }</th>
                    }) }
                </tr></thead>
                <tbody>
                    { for g.rows.iter().map(|r| html! {
                        <tr data-node={r.node.map(|n| n.to_string())}>
                            <th scope="row">{ r.label.clone() }</th>
                            // (Not keyed by column: measured, yew's keyed diff re-created far
                            // more cells when the slot window slid than rewriting their text.)
                            { for r.cells.iter().map(cell) }
                            { for (r.cells.len()..g.columns.len()).map(|_| html! { <td class="fig-cell empty"></td> }) }
                        </tr>
                    }) }
                </tbody>
                if !g.lines.is_empty() {
                    <tfoot>
                        { for g.lines.iter().map(|l| html! {
                            <tr class="fig-line">
                                <th scope="row">{ l.label.clone() }</th>
                                { for (0..g.columns.len()).map(|i| if applies(l, i) { gauge(counts[i], l.count, rows) } else { html! { <td></td> } }) }
                            </tr>
                        }) }
                    </tfoot>
                }
            </table>
        </div>
    }
}

/// Side of a key-grid square and its pitch (SVG user units).
const KEY_SIDE: f64 = 9.0;
const KEY_PITCH: f64 = 10.0;
/// Square classes by palette index, built once (a thousand squares re-rendered must not
/// format a class string each).
const KEY_CLASS: [&str; 8] = ["kc k0", "kc k1", "kc k2", "kc k3", "kc k4", "kc k5", "kc k6", "kc k7"];
const KEY_CLASS_MOVED: [&str; 8] = ["kc moved k0", "kc moved k1", "kc moved k2", "kc moved k3", "kc moved k4", "kc moved k5", "kc moved k6", "kc moved k7"];
const KEY_NEXT: [&str; 8] = ["kn k0", "kn k1", "kn k2", "kn k3", "kn k4", "kn k5", "kn k6", "kn k7"];

/// Draws a key grid.
pub fn render_keys(g: &KeyGrid, title: &str) -> Html {
    let cols = g.columns.max(1) as usize;
    let rows = g.cells.len().div_ceil(cols).max(1);
    let (w, h) = (cols as f64 * KEY_PITCH, rows as f64 * KEY_PITCH);
    let color = |o: u32| g.owners.get(o as usize).map_or(7, |x| x.color) as usize % 8;
    let name = |o: u32| g.owners.get(o as usize).map_or("?", |x| x.name.as_str());
    let counts = g.counts();
    let moving: Vec<_> = g.cells.iter().filter(|c| c.next.is_some()).collect();
    let moved = g.cells.iter().filter(|c| c.moved).count();
    let label = format!(
        "{title}: {} squares, {} owners; {} moving{}.",
        g.cells.len(),
        counts.iter().filter(|&&n| n > 0).count(),
        moving.len(),
        if moved > 0 { format!(", {moved} just moved") } else { String::new() }
    );
    let squares = g.cells.iter().enumerate().map(|(i, c)| {
        let (x, y) = ((i % cols) as f64 * KEY_PITCH, (i / cols) as f64 * KEY_PITCH);
        let class = if c.moved { KEY_CLASS_MOVED[color(c.owner)] } else { KEY_CLASS[color(c.owner)] };
        html! {
            <>
                <rect class={class} x={x.to_string()} y={y.to_string()} width={KEY_SIDE.to_string()} height={KEY_SIDE.to_string()} />
                if let Some(n) = c.next {
                    <rect class={KEY_NEXT[color(n)]} x={(x + 2.5).to_string()} y={(y + 2.5).to_string()} width="4" height="4">
                        <title>{ format!("{}{}: {} → {}", g.prefix, c.key, name(c.owner), name(n)) }</title>
                    </rect>
                }
            </>
        }
    });
    html! {
        <div class="fig-keys">
            if !g.headline.is_empty() { <p class="fig-keys-headline" data-testid="keygrid-headline">{ g.headline.clone() }</p> }
            <svg viewBox={format!("0 0 {w} {h}")} role="img" tabindex="0" aria-label={label.clone()} focusable="true"
                data-moving={moving.len().to_string()} data-moved={moved.to_string()}>
                { for squares }
            </svg>
            <ul class="fig-legend" aria-hidden="true">
                { for g.owners.iter().zip(&counts).filter(|(_, n)| **n > 0).map(|(o, n)| html! {
                    <li class={crate::util::tint(o.color)}><i></i>{ format!("{} {n}", o.name) }</li>
                }) }
            </ul>
            <details class="fig-text">
                <summary>{ "As text" }</summary>
                <p>{ label }</p>
                if !g.headline.is_empty() { <p>{ g.headline.clone() }</p> }
                <ul>{ for g.owners.iter().zip(&counts).filter(|(_, n)| **n > 0).map(|(o, n)| html! { <li>{ format!("{}: {n} squares", o.name) }</li> }) }</ul>
                if moving.is_empty() {
                    <p>{ "No square is moving." }</p>
                } else {
                    <p>{ format!("Moving ({}): ", moving.len()) }
                        { moving.iter().take(40).map(|c| format!("{}{} {} → {}", g.prefix, c.key, name(c.owner), c.next.map_or("?", name))).collect::<Vec<_>>().join(", ") }
                        { if moving.len() > 40 { " …" } else { "" } }</p>
                }
            </details>
        </div>
    }
}
