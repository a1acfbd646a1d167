//! Logs and queues: one row per node, one box per cell, columns aligned by index so the
//! servers' logs can be compared at a glance (as in RaftScope). Filled = committed / done,
//! hollow with a dashed border = tentative; cells named by a violation are ringed in red.
//!
//! A node may report progress of its peers in its details as `"<peer label> next / match"` →
//! `"<next> / <match>"` (a Raft leader's nextIndex / matchIndex); those are drawn on the peer's
//! row: a bar under the entries known to match and a caret at the next index to send.

use crate::state::ViewRef;
use crate::util::tint;
use distlab_core::{NodeStatus, View};
use std::collections::BTreeMap;
use yew::prelude::*;

/// Most index columns shown (the newest).
const COLUMNS_MAX: u64 = 18;
/// Most rows shown.
const ROWS_MAX: usize = 40;
/// Most rows shown while the run plays fast: about what the panel shows without scrolling.
const FAST_ROWS: usize = 12;

/// Properties of [`Cells`].
#[derive(Properties, PartialEq)]
pub struct CellsProps {
    /// The picture.
    pub view: ViewRef,
    /// The run plays fast: cells go without tooltips (a text each to build and update, for a
    /// picture that changes several times a second).
    #[prop_or_default]
    pub fast: bool,
}

/// Suffix of a detail in which a node (a Raft leader) reports a peer's progress.
const PROGRESS: &str = " next / match";

/// `(next, match)` per peer label, as reported by any node that is up (the leader): one pass
/// over every node's details, however many rows there are.
fn progress(view: &View) -> BTreeMap<&str, (u64, u64)> {
    let mut out = BTreeMap::new();
    for (k, v) in view.nodes.iter().filter(|n| n.status != NodeStatus::Crashed).flat_map(|n| n.details.iter()) {
        let Some(peer) = k.strip_suffix(PROGRESS) else { continue };
        let parsed = v.split_once(" / ").and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
        if let Some(p) = parsed {
            out.entry(peer).or_insert(p);
        }
    }
    out
}


/// The log / queue panel.
#[component]
pub fn Cells(p: &CellsProps) -> Html {
    let view = &p.view;
    let candidates = view.nodes.iter().filter(|n| !n.cells.is_empty() || n.timer.is_some() || view.nodes.len() <= 12);
    let rows_max = if p.fast { FAST_ROWS } else { ROWS_MAX };
    let rows: Vec<_> = candidates.clone().take(rows_max).collect();
    let hidden = candidates.count().min(ROWS_MAX) - rows.len();
    if rows.iter().all(|n| n.cells.is_empty()) {
        return html! {};
    }
    // One index range for all rows, ending at the longest log.
    let reported = progress(view);
    let progs: Vec<Option<(u64, u64)>> = rows.iter().map(|n| reported.get(n.label.as_str()).copied()).collect();
    // ...and one column past it when that is where a leader will send next.
    let end = rows
        .iter()
        .filter(|n| !n.cells.is_empty())
        .map(|n| n.cells_offset + n.cells.len() as u64)
        .chain(progs.iter().flatten().map(|(next, _)| next + 1))
        .max()
        .unwrap_or(0);
    let lowest = rows.iter().filter(|n| !n.cells.is_empty()).map(|n| n.cells_offset).min().unwrap_or(0);
    let first = lowest.max(end.saturating_sub(COLUMNS_MAX));
    let progs_shown = progs.iter().any(Option::is_some);
    let cols = end - first;
    // Contained, and skipped while scrolled out of view: hundreds of clipped cells otherwise
    // make the browser re-layerize and repaint them on every animation frame.
    let grid = format!(
        "grid-template-columns: 4.2em repeat({cols}, var(--cell-w)) auto; contain: content; content-visibility: auto; contain-intrinsic-size: auto 320px"
    );
    let header = html! {
        <div class="cell-row cell-head" aria-hidden="true">
            <span class="cell-label">{ if first > lowest { "…" } else { "index" } }</span>
            { for (first..end).map(|i| html! { <span class="cell-index">{ i }</span> }) }
            <span></span>
        </div>
    };
    html! {
        // Focusable, so a keyboard can scroll it when it overflows (axe: scrollable-region-focusable).
        <div class="cells" data-testid="cells" role="region" tabindex="0" aria-label="Logs and queues" style={grid}>
            { header }
            { for rows.iter().zip(progs).map(|(n, prog)| {
                let slots = (first..end).map(|idx| {
                    let at = idx.checked_sub(n.cells_offset).map(|k| k as usize);
                    let matched = prog.is_some_and(|(_, m)| idx <= m && m > 0);
                    let is_next = prog.is_some_and(|(nx, _)| idx == nx);
                    let extra = classes!(matched.then_some("matched"), is_next.then_some("next"));
                    match at.and_then(|k| n.cells.get(k)) {
                        Some(c) => {
                            html! {
                                <span class={classes!("cell", if c.solid { "solid" } else { "hollow" }, tint(c.color), c.marked.then_some("marked"), extra)}
                                    title={(!p.fast).then(|| format!("#{idx}: {}{}{}", c.text, if c.solid { " (committed / done)" } else { " (tentative)" }, if c.marked { " — named by a violation" } else { "" }))}>
                                    { c.text.clone() }
                                </span>
                            }
                        }
                        None if idx < n.cells_offset && !n.cells.is_empty() => html! { <span class={classes!("cell", "compacted", extra)} title={format!("#{idx}: in a snapshot")}></span> },
                        None => html! { <span class={classes!("cell", "empty", extra)}></span> },
                    }
                });
                let note = prog.map(|(nx, m)| html! { <span class="cell-prog" title="The leader's nextIndex / matchIndex for this server">{ format!("next {nx} · match {m}") }</span> });
                html! {
                    <div class={classes!("cell-row", (n.status == NodeStatus::Crashed).then_some("crashed"), n.violated.then_some("violated"))}
                        data-testid={format!("cells-{}", n.id)}>
                        <span class={classes!("cell-label", tint(n.color))} title={format!("{}: {}", n.label, n.role)}>
                            { n.label.clone() }<small>{ n.role.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default() }</small>
                        </span>
                        { for slots }
                        <span class="cell-tail">{ note }</span>
                    </div>
                }
            }) }
            if hidden > 0 { <p class="hint cells-more">{ format!("{hidden} more rows while the run plays fast; pause to see them all.") }</p> }
            <p class="cells-key hint">
                <span class="cell solid key"></span>{" committed / done "}
                <span class="cell hollow key"></span>{" not yet committed "}
                if progs_shown { <span class="cell matched key"></span>{" leader knows it matches "}<span class="cell empty next key"></span>{" leader sends next" } }
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distlab_core::{NodeView, View};

    fn view(nodes: Vec<NodeView>) -> View {
        View { time: 0, event: 0, nodes, messages: Vec::new(), groups: Vec::new(), cuts: Vec::new(), default_link: Default::default(), links: Vec::new(), figures: Vec::new() }
    }

    #[test]
    fn progress_is_read_from_the_leader_that_is_up() {
        let mut old = NodeView::new(0, "S0".into(), "leader");
        old.status = NodeStatus::Crashed;
        old.details = vec![("S2 next / match".into(), "9 / 9".into())];
        let mut leader = NodeView::new(1, "S1".into(), "leader");
        leader.details = vec![
            ("term".into(), "3".into()),
            ("S0 next / match".into(), "5 / 4".into()),
            ("S2 next / match".into(), " 7 / 0 ".into()),
            ("S3 next / match".into(), "garbled".into()),
        ];
        let v = view(vec![old, leader, NodeView::new(2, "S2".into(), "follower"), NodeView::new(3, "S3".into(), "follower")]);
        let p = progress(&v);
        assert_eq!(p.get("S0"), Some(&(5, 4)));
        assert_eq!(p.get("S2"), Some(&(7, 0)), "a crashed node's stale report is ignored");
        assert_eq!(p.get("S3"), None, "an unreadable value is skipped");
        assert_eq!(p.get("term"), None);
        assert_eq!(p.len(), 2);
    }
}
