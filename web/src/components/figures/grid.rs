//! The grid figure: rows (replicas, acceptors, keys) by columns (slots, sequence numbers),
//! drawn as a table of coloured cells, with a gauge row per quorum line that fills as a
//! column's filled cells approach the line's count and lights up when it reaches it.
//!
//! The table is its own text alternative: every cell carries its detail as visually hidden
//! text (read by screen readers, shown to the sighted reader as a tooltip), and each gauge
//! says "3 of 3 needed". A grid wider than the panel scrolls sideways; the scroller takes
//! keyboard focus so it can be scrolled without a mouse.

use distlab_core::figure::{Grid, GridCell, QuorumLine};
use yew::prelude::*;

/// Filled cells per column (index into `columns`).
fn filled_counts(g: &Grid) -> Vec<u32> {
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

fn applies(line: &QuorumLine, column: usize) -> bool {
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
