//! The challenge panel: the brief, a hint on request, and each goal graded live.

use crate::route::Route;
use yew::prelude::*;

/// Properties of [`ChallengePanel`].
#[derive(Properties, PartialEq)]
pub struct ChallengePanelProps {
    /// Model name.
    pub model: AttrValue,
    /// Title.
    pub title: AttrValue,
    /// Brief, as HTML (challenge files are rendered at build time: `content::LabContent::challenges`).
    pub brief_html: AttrValue,
    /// Hint.
    pub hint: AttrValue,
    /// Each goal's text and state (met, failed, open).
    pub goals: Vec<(String, Option<bool>)>,
    /// Other challenges for this model: (id, title).
    pub others: Vec<(String, String)>,
    /// Current challenge id.
    pub id: AttrValue,
    /// Starts over.
    pub on_retry: Callback<()>,
}

/// The challenge panel.
#[component]
pub fn ChallengePanel(p: &ChallengePanelProps) -> Html {
    let solved = !p.goals.is_empty() && p.goals.iter().all(|g| g.1 == Some(true));
    let failed = p.goals.iter().any(|g| g.1 == Some(false));
    let retry = {
        let cb = p.on_retry.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <aside class={classes!("challenge", solved.then_some("solved"))} data-testid="challenge" aria-label="Challenge">
            <h2>{ p.title.clone() }</h2>
            <div class="prose">{ Html::from_html_unchecked(p.brief_html.clone()) }</div>
            if !p.hint.is_empty() {
                <details data-testid="hint"><summary>{"Hint"}</summary><p>{ p.hint.clone() }</p></details>
            }
            <h3>{"Goals"}</h3>
            <ul class="goals">
                { for p.goals.iter().enumerate().map(|(i, (what, state))| {
                    let (icon, class, word) = match state {
                        Some(true) => ("✓", "met", "met"),
                        Some(false) => ("✗", "failed", "failed"),
                        None => ("○", "open", "not yet"),
                    };
                    html! {
                        <li class={class} data-testid={format!("goal-{i}")} data-state={word}>
                            <span class="icon" aria-hidden="true">{icon}</span>{ what.clone() }<span class="sr-only">{ format!(": {word}") }</span>
                        </li>
                    }
                }) }
            </ul>
            <div role="status" aria-live="polite">
                if solved {
                    <p class="banner ok" data-testid="solved">{"★ Solved! Every goal is met."}</p>
                } else if failed {
                    <p class="banner bad">{"A goal can no longer be met in this run. Retry, or step back and try something else."}</p>
                }
            </div>
            <div class="row"><button data-testid="challenge-retry" onclick={retry}>{"↺ Start over"}</button></div>
            if p.others.len() > 1 {
                <h3>{"More challenges"}</h3>
                <ul class="others">
                    { for p.others.iter().map(|(id, title)| html! {
                        <li><a href={Route::Challenge { model: p.model.to_string(), id: id.clone() }.to_hash()}
                            aria-current={(id.as_str() == p.id.as_str()).then_some("page")}>{ title.clone() }</a></li>
                    }) }
                </ul>
            }
        </aside>
    }
}
