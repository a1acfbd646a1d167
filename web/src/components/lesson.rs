//! The lesson side panel: one step's prose, with the scenario behind it loaded in the lab.

use crate::content::Lesson;
use crate::route::Route;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`LessonPanel`].
#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    /// Model name.
    pub model: AttrValue,
    /// The lesson.
    pub lesson: Rc<Lesson>,
    /// Current step, 1-based.
    pub step: usize,
    /// Replays the step from its start.
    pub on_replay: Callback<()>,
}

/// The lesson panel.
#[component]
pub fn LessonPanel(p: &LessonPanelProps) -> Html {
    let total = p.lesson.steps.len();
    let step = p.step.clamp(1, total.max(1));
    // Intro and bodies are HTML already (rendered at build time, see build.rs).
    let body = p.lesson.steps.get(step - 1).map(|s| s.body.clone()).unwrap_or_default();
    let intro = (step == 1).then(|| p.lesson.intro.clone());
    let href = |k: usize| Route::Lesson { model: p.model.to_string(), step: k }.to_hash();
    let replay = {
        let cb = p.on_replay.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <aside class="lesson" data-testid="lesson" aria-label="Lesson">
            <h2>{ p.lesson.title.clone() }</h2>
            if let Some(intro) = intro {
                <div class="prose intro">{ Html::from_html_unchecked(intro.into()) }</div>
            }
            if let Some(s) = p.lesson.steps.get(step - 1) {
                <h3 data-testid="lesson-step-title">{ format!("Step {step} of {total}: {}", s.title) }</h3>
                <div class="prose">{ Html::from_html_unchecked(body.into()) }</div>
            }
            <div class="row lesson-nav">
                if step > 1 { <a class="button" data-testid="lesson-prev" href={href(step - 1)}>{"← Previous"}</a> }
                <button data-testid="lesson-replay" onclick={replay}>{"↺ Replay step"}</button>
                if step < total { <a class="button primary" data-testid="lesson-next" href={href(step + 1)}>{"Next →"}</a> }
            </div>
            <ol class="steps">
                { for p.lesson.steps.iter().enumerate().map(|(i, s)| html! {
                    <li class={classes!((i + 1 == step).then_some("current"))}>
                        <a href={href(i + 1)} aria-current={(i + 1 == step).then_some("step")}>{ s.title.clone() }</a>
                    </li>
                }) }
            </ol>
        </aside>
    }
}
