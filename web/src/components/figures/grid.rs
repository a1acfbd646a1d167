//! The grid figure: a table of cells with quorum lines.

use distlab_core::figure::Grid;
use yew::prelude::*;

/// Draws a grid as a table (its own text alternative).
pub fn render(g: &Grid) -> Html {
    html! {
        <table class="fig-grid">
            <thead><tr><th scope="col"></th>{ for g.columns.iter().map(|c| html! { <th scope="col">{ c.clone() }</th> }) }</tr></thead>
            <tbody>
                { for g.rows.iter().map(|r| html! {
                    <tr><th scope="row">{ r.label.clone() }</th>
                        { for r.cells.iter().map(|c| html! {
                            <td class={classes!(crate::util::tint(c.color), c.filled.then_some("solid"), c.marked.then_some("marked"))} title={c.detail.clone()}>{ c.text.clone() }</td>
                        }) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
