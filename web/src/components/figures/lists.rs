//! The lists figure: named ordered lists of items.

use distlab_core::figure::Lists;
use yew::prelude::*;

/// Draws lists as ordered lists (their own text alternative).
pub fn render(l: &Lists) -> Html {
    html! {
        <div class="fig-lists">{ for l.lists.iter().map(|list| html! {
            <div class="fig-list">
                <h3>{ list.name.clone() }</h3>
                <ol>{ for list.items.iter().enumerate().map(|(i, it)| html! {
                    <li class={classes!(crate::util::tint(it.color), it.hot.then_some("hot"), it.ghost.then_some("ghost"), (list.hand == Some(i as u32)).then_some("hand"))}>
                        { it.text.clone() }
                        if let Some(b) = &it.badge { <small>{ b.clone() }</small> }
                    </li>
                }) }</ol>
            </div>
        }) }</div>
    }
}
