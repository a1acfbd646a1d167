//! The app: a header, and the page for the current hash route.

use crate::components::compare::ComparePage;
use crate::components::home::Home;
use crate::components::lab_page::LabPage;
use crate::route::Route;
use crate::util::location_hash;
use distlab_core::models::catalog;
use yew::prelude::*;

/// The app.
#[component]
pub fn App() -> Html {
    let route = use_state(|| Route::parse(&location_hash()));
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "hashchange", move |_| {
                    route.set(Route::parse(&location_hash()));
                    if let Some(w) = web_sys::window() {
                        w.scroll_to_with_x_and_y(0.0, 0.0);
                    }
                })
            });
            move || drop(listener)
        });
    }
    let known = |m: &str| catalog().iter().any(|i| i.name == m);
    let page = match &*route {
        Route::Home => html! { <Home /> },
        r @ (Route::Lab { model, .. } | Route::Lesson { model, .. } | Route::Challenge { model, .. }) if known(model) => {
            // Keyed by the route: a new route is a new page with fresh state.
            html! { <LabPage key={r.to_hash()} route={r.clone()} /> }
        }
        Route::Compare { model, query } if known(model) => html! { <ComparePage key={route.to_hash()} model={model.clone()} query={query.clone()} /> },
        Route::Lab { model, .. } | Route::Lesson { model, .. } | Route::Challenge { model, .. } | Route::Compare { model, .. } => html! {
            <div class="notice error" role="alert" data-testid="not-found">
                <h1 class="sr-only">{"Not found"}</h1>
                { format!("There is no lab called \"{model}\". ") }<a href="#/">{"See all labs"}</a>
            </div>
        },
        Route::NotFound(h) => html! {
            <div class="notice error" role="alert" data-testid="not-found">
                <h1 class="sr-only">{"Not found"}</h1>
                { format!("Nothing lives at \"{h}\". ") }<a href="#/">{"See all labs"}</a>
            </div>
        },
    };
    let current = match &*route {
        Route::Lab { model, .. } | Route::Lesson { model, .. } | Route::Challenge { model, .. } | Route::Compare { model, .. } => Some(model.clone()),
        _ => None,
    };
    html! {
        <>
            <a class="skip" href="#main" onclick={Callback::from(|e: MouseEvent| { e.prevent_default(); crate::util::focus_id("main"); })}>{"Skip to content"}</a>
            <header class="top">
                <a class="brand" href="#/" data-testid="home-link">{"distlab"}</a>
                <nav aria-label="Labs">
                    { for catalog().into_iter().map(|m| html! {
                        <a href={Route::Lab { model: m.name.into(), share: None }.to_hash()}
                            aria-current={(current.as_deref() == Some(m.name)).then_some("page")}>{ m.title }</a>
                    }) }
                </nav>
                <span class="kbd-hint">{"Press "}<kbd>{"?"}</kbd>{" for shortcuts"}</span>
            </header>
            <main id="main" tabindex="-1" class="page">{ page }</main>
        </>
    }
}
