//! Logs and queues: one row per node, one box per cell. Solid = committed / done, hollow =
//! tentative; cells named by a violation are marked.

use crate::util::color;
use distlab_core::{NodeStatus, View};
use std::rc::Rc;
use yew::prelude::*;

/// Most cells shown per node (the newest).
const CELLS_MAX: usize = 40;
/// Most rows shown.
const ROWS_MAX: usize = 40;

/// Properties of [`Cells`].
#[derive(Properties, PartialEq)]
pub struct CellsProps {
    /// The picture.
    pub view: Rc<View>,
}

/// The log / queue panel.
#[component]
pub fn Cells(p: &CellsProps) -> Html {
    let rows: Vec<_> = p.view.nodes.iter().filter(|n| !n.cells.is_empty() || n.timer.is_some() || p.view.nodes.len() <= 12).take(ROWS_MAX).collect();
    if rows.iter().all(|n| n.cells.is_empty()) {
        return html! {};
    }
    html! {
        <div class="cells" data-testid="cells" aria-label="Logs and queues">
            { for rows.iter().map(|n| {
                let skip = n.cells.len().saturating_sub(CELLS_MAX);
                let first = n.cells_offset + skip as u64;
                html! {
                    <div class={classes!("cell-row", (n.status == NodeStatus::Crashed).then_some("crashed"), n.violated.then_some("violated"))}
                        data-testid={format!("cells-{}", n.id)}>
                        <span class="cell-label" style={format!("border-color:{}", color(n.color))}>{ n.label.clone() }</span>
                        if skip > 0 { <span class="cell-more">{ format!("…{skip}") }</span> }
                        { for n.cells.iter().skip(skip).enumerate().map(|(i, c)| {
                            let idx = first + i as u64;
                            let style = if c.solid { format!("background:{};border-color:{}", color(c.color), color(c.color)) } else { format!("border-color:{}", color(c.color)) };
                            html! {
                                <span class={classes!("cell", if c.solid { "solid" } else { "hollow" }, c.marked.then_some("marked"))}
                                    style={style} title={format!("#{idx}: {}{}{}", c.text, if c.solid { "" } else { " (tentative)" }, if c.marked { " — named by a violation" } else { "" })}>
                                    { c.text.clone() }
                                </span>
                            }
                        }) }
                    </div>
                }
            }) }
        </div>
    }
}
