//! The home page: every lab in the catalogue with its pitch, a live preview, and links to its
//! lesson and challenges.

use super::preview::Preview;
use crate::content;
use crate::route::Route;
use distlab_core::models::catalog;
use yew::prelude::*;

/// The home page.
#[component]
pub fn Home() -> Html {
    let cards = catalog().into_iter().map(|m| {
        // From the index compiled into the app: the content itself is fetched when a page needs it.
        let index = content::index(m.name);
        let steps = index.map_or(0, |i| i.lesson_steps);
        let challenges = index.map_or(&[][..], |i| i.challenges);
        let lab = Route::Lab { model: m.name.into(), share: None }.to_hash();
        html! {
            <article class="card" data-testid={format!("lab-card-{}", m.name)}>
                <a href={lab.clone()} class="card-preview" aria-label={format!("Open the {} lab", m.title)} tabindex="-1">
                    <Preview model={m.name} />
                </a>
                <h2><a href={lab.clone()}>{ m.title }</a></h2>
                <p>{ m.pitch }</p>
                <div class="row">
                    <a class="button primary" href={lab} data-testid={format!("open-{}", m.name)}>{"Open lab"}</a>
                    if steps > 0 {
                        <a class="button" href={Route::Lesson { model: m.name.into(), step: 1 }.to_hash()}>{ format!("Lesson ({steps} steps)") }</a>
                    }
                    <a class="button" href={Route::Compare { model: m.name.into(), query: None }.to_hash()} data-testid={format!("compare-{}", m.name)}>{"Compare"}</a>
                    if let Some(id) = challenges.first() {
                        <a class="button" href={Route::Challenge { model: m.name.into(), id: id.to_string() }.to_hash()}>{ format!("Challenges ({})", challenges.len()) }</a>
                    }
                </div>
                <p class="meta">{ format!("{} invariants · {} metrics", m.invariants.len(), m.metrics.len()) }</p>
            </article>
        }
    });
    let empty = catalog().is_empty();
    html! {
        <div class="home" data-testid="home">
            <section class="hero">
                <h1>{"Distributed systems, running in your browser"}</h1>
                <p>{"Every lab is a deterministic simulation: crash nodes, split the network, drop messages, step back in time, and watch the invariants that must hold. The same seed and the same actions always give the same run, so any moment can be shared as a link."}</p>
            </section>
            if empty {
                <p class="hint">{"No labs are registered yet."}</p>
            }
            <div class="cards">{ for cards }</div>
        </div>
    }
}
