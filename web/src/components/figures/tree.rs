//! The tree figure: nodes listed under their parents.

use distlab_core::figure::Tree;
use yew::prelude::*;

/// Draws a tree as nested lists (its own text alternative).
pub fn render(t: &Tree) -> Html {
    fn children(t: &Tree, parent: Option<u32>) -> Html {
        let kids: Vec<usize> = t.nodes.iter().enumerate().filter(|(_, n)| n.parent == parent).map(|(i, _)| i).collect();
        if kids.is_empty() {
            return html! {};
        }
        html! {
            <ul class="fig-tree">{ for kids.into_iter().map(|i| {
                let n = &t.nodes[i];
                html! { <li class={classes!(n.highlighted.then_some("best"), n.faded.then_some("faded"), n.marked.then_some("marked"))} title={n.detail.clone()}>
                    { n.label.clone() }{ children(t, Some(i as u32)) }</li> }
            }) }</ul>
        }
    }
    children(t, None)
}
