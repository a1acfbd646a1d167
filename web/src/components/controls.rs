//! The control bar: play / pause, step, step back, time slider, speed, seed, reset.

use crate::state::{speed_label, LabAction, SPEEDS, SLIDER_MIN_SPAN};
use crate::util::{fmt_bytes, fmt_time};
use distlab_core::Time;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Properties of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Playing or paused.
    pub playing: bool,
    /// Current virtual time.
    pub now: Time,
    /// Events so far.
    pub events: u64,
    /// Furthest time reached on this branch.
    pub horizon: Time,
    /// Current speed.
    pub speed: f64,
    /// Seed.
    pub seed: u64,
    /// The history's size in bytes and its number of time-travel snapshots.
    #[prop_or_default]
    pub history: (usize, usize),
    /// Reports user intent.
    pub on_action: Callback<LabAction>,
}

/// The control bar.
#[component]
pub fn Controls(p: &ControlsProps) -> Html {
    let act = |a: fn() -> LabAction| {
        let cb = p.on_action.clone();
        Callback::from(move |_: MouseEvent| cb.emit(a()))
    };
    let seed_ref = use_node_ref();
    let max = p.horizon.max(p.now).max(SLIDER_MIN_SPAN);
    let on_time = {
        let cb = p.on_action.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                if let Ok(v) = input.value().parse::<f64>() {
                    cb.emit(LabAction::SeekTime(v.max(0.0) as Time));
                }
            }
        })
    };
    let on_speed = {
        let cb = p.on_action.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) {
                if let Some(s) = sel.value().parse::<usize>().ok().and_then(|i| SPEEDS.get(i)) {
                    cb.emit(LabAction::Speed(*s));
                }
            }
        })
    };
    let on_seed = {
        let cb = p.on_action.clone();
        let seed_ref = seed_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = seed_ref.cast::<HtmlInputElement>() {
                match input.value().trim().parse::<u64>() {
                    Ok(seed) => cb.emit(LabAction::Reseed(seed)),
                    Err(_) => cb.emit(LabAction::Notice(true, "The seed must be a whole number from 0 to 18446744073709551615.".into())),
                }
            }
        })
    };
    let speed_index = SPEEDS.iter().position(|s| *s == p.speed).unwrap_or(0);
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button class="primary play" data-testid="play" onclick={act(|| LabAction::TogglePlay)}
                aria-pressed={if p.playing { "true" } else { "false" }} title="Play / pause (space)">
                { if p.playing { "❙❙ Pause" } else { "▶ Play" } }
            </button>
            <button data-testid="step-back" onclick={act(|| LabAction::StepBack)} title="Step back one event (←)" aria-label="Step back">{"◀ Back"}</button>
            <button data-testid="step" onclick={act(|| LabAction::Step)} title="Step forward one event (→)" aria-label="Step">{"Step ▶"}</button>
            <label class="time">
                <span class="sr-only">{"Time"}</span>
                <input type="range" data-testid="time" min="0" max={max.to_string()} step="1" value={p.now.to_string()}
                    oninput={on_time} aria-valuetext={fmt_time(p.now)} />
            </label>
            <span class="clock" data-testid="clock" title="Virtual time and events processed">
                { fmt_time(p.now) }<small>{ format!(" · {} events", p.events) }</small>
            </span>
            <small class="history-size" data-testid="history-size" title="Memory the run's time travel holds (snapshots, trace, metrics), and its snapshots; past its budget, snapshots are thinned and jumps get slower">
                { format!("history {} · {} snapshots", fmt_bytes(p.history.0 as f64), p.history.1) }
            </small>
            <label class="speed" title="Speed: virtual time per real second ([ and ])">
                {"Speed "}
                <select data-testid="speed" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == speed_index}>{ speed_label(*s) }</option>
                    }) }
                </select>
            </label>
            <form class="seed" onsubmit={on_seed}>
                <label>{"Seed "}<input ref={seed_ref} data-testid="seed" type="text" inputmode="numeric" size="6" value={p.seed.to_string()} /></label>
                <button type="submit" data-testid="seed-apply" title="Restart from 0 with this seed">{"Apply"}</button>
            </form>
            <button data-testid="reset" onclick={act(|| LabAction::Reset)} title="Back to the start of this lab (r)">{"↺ Reset"}</button>
        </div>
    }
}
