//! The model checker panel: configure a search of the lab's model (with its current settings),
//! run it in a Web Worker spawned on first use, watch its progress, cancel and resume it, and
//! open a counterexample in the lab at the violation, export it or share it.
//!
//! The checker itself is a separate wasm (the `worker/` package), so this file is all the main
//! bundle carries of it: a form, a progress view and `postMessage` glue.

use crate::route::Route;
use crate::state::LabAction;
use crate::util::{base_url, copy_text, download, fmt_bytes};
use distlab_core::scenario::Scenario;
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, MessageEvent, Worker};
use yew::prelude::*;

/// A find-the-bug exercise: the search is the one it states, not the form's.
#[derive(Clone, PartialEq)]
pub struct Exercise {
    /// The challenge's start (the mutated protocol).
    pub start: Scenario,
    /// The checker part: search, bound, control setting.
    pub spec: distlab_core::challenge::CheckerSpec,
    /// The learner's own schedule that broke it, once they have (for the side-by-side view).
    pub hand: Option<Vec<String>>,
    /// Link back to the hand attempt.
    pub back: String,
}

/// Properties of [`CheckerPanel`].
#[derive(Properties, PartialEq)]
pub struct CheckerProps {
    /// The run as it stands (its model and settings are what the checker searches).
    pub scenario: Callback<(), Scenario>,
    /// Reports actions (loading the counterexample, notices).
    pub on_action: Callback<LabAction>,
    /// Set on a find-the-bug exercise.
    #[prop_or_default]
    pub exercise: Option<Exercise>,
}

/// A counterexample as the worker reports it.
#[derive(Clone, Debug, PartialEq, Default)]
struct Found {
    invariant: String,
    detail: String,
    found_steps: u32,
    steps: Vec<String>,
    scenario: String,
    link: String,
}

/// The latest progress report.
#[derive(Clone, Debug, PartialEq, Default)]
struct Progress {
    /// "loading", "running", "paused", "exhausted", "bounded", "memory" (stopped at the worker's
    /// memory bound), "violation" or "" (not started, or the worker failed).
    status: String,
    explored: f64,
    distinct: f64,
    depth: u32,
    busy_ms: f64,
    /// The worker's heap in use, its wasm memory (which never shrinks), and the heap at which
    /// it stops a search.
    memory_bytes: f64,
    memory_size: f64,
    memory_max: f64,
    goals: Vec<(String, bool)>,
    found: Option<Found>,
    error: Option<String>,
}

/// The worker and what waits for it to be ready.
#[derive(Default)]
struct Handle {
    worker: Option<Worker>,
    ready: bool,
    pending: Option<JsValue>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Option<Closure<dyn FnMut(JsValue)>>,
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}
fn num(o: &JsValue, k: &str) -> f64 {
    get(o, k).as_f64().unwrap_or(0.0)
}
fn text(o: &JsValue, k: &str) -> String {
    get(o, k).as_string().unwrap_or_default()
}
fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

/// Reads a progress message from the worker into `prev`.
fn read(msg: &JsValue, prev: &Progress) -> Progress {
    let mut p = prev.clone();
    match text(msg, "kind").as_str() {
        "error" => {
            p.status = String::new();
            p.error = Some(text(msg, "message"));
        }
        "progress" => {
            p.error = None;
            p.status = text(msg, "status");
            p.explored = num(msg, "explored");
            p.distinct = num(msg, "distinct");
            p.depth = num(msg, "depth") as u32;
            p.busy_ms = num(msg, "busy_ms");
            p.memory_bytes = num(msg, "memory_bytes");
            p.memory_size = num(msg, "memory_size");
            p.memory_max = num(msg, "memory_max");
            p.goals = js_sys::Array::from(&get(msg, "goals"))
                .iter()
                .map(|g| {
                    let g = js_sys::Array::from(&g);
                    (g.get(0).as_string().unwrap_or_default(), g.get(1).as_bool().unwrap_or(false))
                })
                .collect();
            if !get(msg, "scenario").is_undefined() {
                p.found = Some(Found {
                    invariant: text(msg, "invariant"),
                    detail: text(msg, "detail"),
                    found_steps: num(msg, "found_steps") as u32,
                    steps: js_sys::Array::from(&get(msg, "steps")).iter().filter_map(|s| s.as_string()).collect(),
                    scenario: text(msg, "scenario"),
                    link: text(msg, "link"),
                });
            }
        }
        _ => {}
    }
    p
}

/// Spawns the worker (a classic worker that loads the checker's wasm-bindgen output; the
/// files have no content hash, so the crate version busts caches).
fn spawn(on_message: &Closure<dyn FnMut(MessageEvent)>) -> Result<Worker, JsValue> {
    let base = base_url();
    let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
    let v = env!("CARGO_PKG_VERSION");
    // A wasm that fails to load rejects a promise, which a worker does not report to the page:
    // rethrown from a timer, it reaches the worker's `onerror` like any other failure.
    let script = format!("importScripts('{dir}checker-worker.js?v={v}');wasm_bindgen('{dir}checker-worker_bg.wasm?v={v}').catch(function(e){{setTimeout(function(){{throw e;}});}});");
    let parts = js_sys::Array::of1(&JsValue::from_str(&script));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let worker = Worker::new(&url)?;
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Ok(worker)
}

fn fmt_count(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The exercise's fixed search, in words, and the control switch.
fn exercise_form(ex: &Exercise, control: &UseStateHandle<bool>, busy: bool) -> Html {
    let spec = &ex.spec;
    let strategy = match spec.strategy.as_str() {
        "bfs" => "breadth-first",
        "dfs" => "depth-first",
        _ => "random walks",
    };
    let mut how = format!("{strategy} search, schedules of at most {} choices, stated bound {} steps", spec.depth, fmt_count(spec.states as f64));
    let faults: Vec<String> = [("crash", spec.crashes), ("drop", spec.drops), ("duplicate", spec.duplicates), ("isolation", spec.partitions), ("client command", spec.commands)]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{n} {w}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if !faults.is_empty() {
        how += &format!("; budget: {}", faults.join(", "));
    }
    if !spec.prefix.is_empty() {
        let until = spec.until.map_or_else(|| "its last step".to_string(), |d| distlab_core::time::fmt_time(d.0));
        how += &format!("; it starts from a scripted run of {} timeline steps up to {until}", spec.prefix.len());
    }
    if spec.rounds {
        how += "; after each choice the network delivers every message in flight";
    }
    if !spec.set.is_empty() {
        let set: Vec<String> = spec.set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        how += &format!("; smaller configuration: {}", set.join(", "));
    }
    let on_control = {
        let control = control.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                control.set(input.checked());
            }
        })
    };
    html! {
        <>
            <p class="hint">{ format!("The checker searches this exercise's start ({} on) for a violation of {}: {how}.", spec.mutation, spec.invariant) }</p>
            <label class="checker-control">
                <input type="checkbox" data-testid="checker-control" checked={**control} onchange={on_control} disabled={busy} />
                { format!(" Control: the protocol as published ({} = {}); the same search must find nothing", spec.mutation, spec.control) }
            </label>
        </>
    }
}

/// The exercise's two halves side by side: the learner's schedule and the checker's.
fn side_by_side(ex: &Exercise, pr: &Progress, control: bool) -> Html {
    let hand = match &ex.hand {
        Some(steps) => html! {
            <>
                <p class="ok" data-testid="exercise-hand-done">{ format!("You broke it with {} actions:", steps.len()) }</p>
                <ol class="checker-steps">{ for steps.iter().map(|s| html! { <li>{ s.clone() }</li> }) }</ol>
            </>
        },
        None => html! { <p class="hint" data-testid="exercise-hand-open">{"Not yet: break the protocol with the lab's controls (the challenge above)."}<a href={ex.back.clone()}>{" Back to the hand attempt"}</a></p> },
    };
    let checker = match (&pr.found, pr.status.as_str()) {
        (Some(f), _) => html! {
            <>
                <p class="bad" data-testid="exercise-checker-done">{ format!("{} broken in {} steps:", f.invariant, f.steps.len()) }</p>
                <ol class="checker-steps">{ for f.steps.iter().map(|s| html! { <li>{ s.clone() }</li> }) }</ol>
            </>
        },
        (None, "exhausted" | "bounded") if control => html! { <p class="ok" data-testid="exercise-control-clean">{ format!("Control: no violation within the bound ({} steps). The mutation is the bug.", fmt_count(pr.explored)) }</p> },
        (None, "exhausted" | "bounded") => html! { <p class="hint">{"Nothing found within the bound."}</p> },
        (None, "memory") => html! { <p class="hint">{"Nothing found before the search reached the worker's memory bound, short of the exercise's bound."}</p> },
        _ => html! { <p class="hint">{"Start the search."}</p> },
    };
    html! {
        <div class="exercise-compare" data-testid="exercise-compare">
            <div><h3>{"By hand"}</h3>{ hand }</div>
            <div><h3>{ if control { "Checker (control)" } else { "Checker" } }</h3>{ checker }</div>
        </div>
    }
}

/// The model checker panel.
#[component]
pub fn CheckerPanel(p: &CheckerProps) -> Html {
    let progress = use_state(Progress::default);
    let handle = use_mut_ref(Handle::default);
    let strategy = use_state(|| "bfs".to_string());
    let depth = use_state(|| 12u32);
    let crashes = use_state(|| 0u32);
    let drops = use_state(|| 0u32);
    let commands = use_state(|| 1u32);
    let states = use_state(|| 1_000_000u32);
    let link = use_state(|| None::<String>);
    let control = use_state(|| false);
    // What the last search was: the exercise's mutated protocol or its control.
    let searched_control = use_state(|| false);

    let post = {
        let handle = handle.clone();
        let progress = progress.clone();
        move |msg: JsValue| {
            let mut h = handle.borrow_mut();
            if h.worker.is_none() {
                let handle2: Rc<RefCell<Handle>> = handle.clone();
                let shown = progress.clone();
                // The latest report, read through a shared cell: the closure outlives renders.
                let last = Rc::new(RefCell::new(Progress::default()));
                let cb = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                    let data = e.data();
                    if text(&data, "kind") == "ready" {
                        let mut h = handle2.borrow_mut();
                        h.ready = true;
                        if let (Some(w), Some(m)) = (h.worker.clone(), h.pending.take()) {
                            let _ = w.post_message(&m);
                        }
                        return;
                    }
                    let next = read(&data, &last.borrow());
                    *last.borrow_mut() = next.clone();
                    shown.set(next);
                });
                // A worker that fails (its wasm could not load, or it trapped) is dropped, so the
                // next search starts a fresh one; the panel says what happened.
                let handle3: Rc<RefCell<Handle>> = handle.clone();
                let failed = progress.clone();
                let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
                    let what = text(&e, "message");
                    let detail = if what.is_empty() { String::new() } else { format!(" ({what})") };
                    let mut h = handle3.borrow_mut();
                    if let Some(w) = h.worker.take() {
                        w.terminate();
                    }
                    h.ready = false;
                    h.pending = None;
                    failed.set(Progress { error: Some(format!("The checker stopped unexpectedly{detail}. Start over to search again.")), ..Progress::default() });
                });
                match spawn(&cb) {
                    Ok(w) => {
                        w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
                        h.worker = Some(w);
                        h._on_message = Some(cb);
                        h._on_error = Some(on_error);
                    }
                    Err(_) => {
                        progress.set(Progress { error: Some("This browser could not start the checker's worker.".into()), ..Progress::default() });
                        return;
                    }
                }
            }
            if h.ready {
                if let Some(w) = &h.worker {
                    let _ = w.post_message(&msg);
                }
            } else {
                h.pending = Some(msg);
            }
        }
    };

    let on_start = {
        let post = post.clone();
        let scenario = p.scenario.clone();
        let progress = progress.clone();
        let (strategy, depth, crashes, drops, commands, states) = (strategy.clone(), depth.clone(), crashes.clone(), drops.clone(), commands.clone(), states.clone());
        let link = link.clone();
        let exercise = p.exercise.clone();
        let (control, searched_control) = (control.clone(), searched_control.clone());
        Callback::from(move |_: MouseEvent| {
            let m = Object::new();
            set(&m, "cmd", "start");
            link.set(None);
            progress.set(Progress { status: "loading".into(), ..Progress::default() });
            if let Some(ex) = &exercise {
                set(&m, "scenario", ex.start.to_json());
                set(&m, "spec", ex.spec.to_json());
                set(&m, "control", *control);
                searched_control.set(*control);
                post(m.into());
                return;
            }
            let mut s = scenario.emit(());
            s.timeline.clear();
            set(&m, "scenario", s.to_json());
            set(&m, "strategy", strategy.as_str());
            set(&m, "depth", *depth);
            set(&m, "crashes", *crashes);
            set(&m, "drops", *drops);
            set(&m, "commands", *commands);
            set(&m, "states", *states);
            post(m.into());
        })
    };
    let command = |cmd: &'static str| {
        let post = post.clone();
        Callback::from(move |_: MouseEvent| {
            let m = Object::new();
            set(&m, "cmd", cmd);
            post(m.into());
        })
    };
    let on_pause = command("pause");
    let on_resume = command("resume");

    let number = |state: &UseStateHandle<u32>, max: u32| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                if let Ok(v) = input.value().trim().parse::<u32>() {
                    state.set(v.min(max));
                }
            }
        })
    };
    let on_strategy = {
        let strategy = strategy.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) {
                strategy.set(sel.value());
            }
        })
    };

    let pr = &*progress;
    let busy = matches!(pr.status.as_str(), "running" | "loading");
    let secs = pr.busy_ms / 1000.0;
    let rate = if secs > 0.0 { pr.explored / secs } else { 0.0 };
    let status_text = match pr.status.as_str() {
        "" => "Not started.".to_string(),
        "loading" => "Loading the checker…".into(),
        "running" => "Searching…".into(),
        "paused" => "Cancelled: resume to go on from here.".into(),
        "exhausted" => "No violation: every state within the bounds was explored.".into(),
        "bounded" => "No violation within the state bound.".into(),
        "memory" => format!(
            "No violation in the states explored before the search reached the worker's memory bound ({}). Lower the state bound or the depth, or run a larger search with the CLI (distlab explore).",
            fmt_bytes(pr.memory_max)
        ),
        "violation" => "Violation found.".into(),
        other => other.to_string(),
    };

    let found = pr.found.clone().map(|f| {
        let on_open = {
            let cb = p.on_action.clone();
            let json = f.scenario.clone();
            Callback::from(move |_: MouseEvent| match Scenario::parse(&json).and_then(|s| Ok((s.build()?, s))) {
                Ok((mut lab, s)) => {
                    if let Some(t) = s.run_for {
                        lab.seek_time(t.0);
                    }
                    cb.emit(LabAction::Load(lab, "Opened the checker's counterexample at the violation.".into()));
                }
                Err(e) => cb.emit(LabAction::Notice(true, format!("The counterexample did not open: {}", e.0))),
            })
        };
        let on_export = {
            let json = f.scenario.clone();
            let name = f.invariant.to_lowercase().replace(' ', "-");
            Callback::from(move |_: MouseEvent| download(&format!("counterexample-{name}.json"), "application/json", &json))
        };
        let on_share = {
            let json = f.scenario.clone();
            let payload = f.link.clone();
            let link = link.clone();
            Callback::from(move |_: MouseEvent| {
                let model = Scenario::parse(&json).map(|s| s.model).unwrap_or_default();
                let url = format!("{}{}", base_url(), Route::Lab { model, share: Some(payload.clone()) }.to_hash());
                copy_text(&url);
                link.set(Some(url));
            })
        };
        html! {
            <div class="checker-found" data-testid="checker-violation" role="alert">
                <p><strong>{ format!("{} violated", f.invariant) }</strong>{": "}{ f.detail.clone() }</p>
                <p class="hint">{ format!("Found in {} steps, shrunk to {}:", f.found_steps, f.steps.len()) }</p>
                <ol class="checker-steps" data-testid="checker-steps">
                    { for f.steps.iter().map(|s| html! { <li>{ s.clone() }</li> }) }
                </ol>
                <div class="checker-buttons">
                    <button class="primary" data-testid="checker-open" onclick={on_open}>{"Open in the lab"}</button>
                    <button data-testid="checker-export" onclick={on_export}>{"Export scenario"}</button>
                    <button data-testid="checker-share" onclick={on_share}>{"Share link"}</button>
                </div>
                if let Some(url) = (*link).clone() {
                    <input class="share-url" data-testid="checker-link" readonly=true value={url} aria-label="Share link of the counterexample" />
                }
            </div>
        }
    });

    html! {
        <div class="checker" data-testid="checker-panel">
            if let Some(ex) = &p.exercise {
                { exercise_form(ex, &control, busy) }
            } else {
            <p class="hint">{"Let the explorer pick every event — any delivery order, faults within a budget — and search this lab's settings for an invariant violation."}</p>
            <div class="checker-form">
                <label>{"Strategy"}
                    <select data-testid="checker-strategy" onchange={on_strategy} disabled={busy}>
                        <option value="bfs" selected={*strategy == "bfs"}>{"Breadth-first"}</option>
                        <option value="dfs" selected={*strategy == "dfs"}>{"Depth-first"}</option>
                        <option value="random" selected={*strategy == "random"}>{"Random walks (swarm)"}</option>
                    </select>
                </label>
                <label>{"Depth"}<input type="number" min="1" max="200" data-testid="checker-depth-input" value={depth.to_string()} onchange={number(&depth, 200)} disabled={busy} /></label>
                <label>{"Crashes"}<input type="number" min="0" max="20" data-testid="checker-crashes" value={crashes.to_string()} onchange={number(&crashes, 20)} disabled={busy} /></label>
                <label>{"Drops"}<input type="number" min="0" max="20" data-testid="checker-drops" value={drops.to_string()} onchange={number(&drops, 20)} disabled={busy} /></label>
                <label>{"Commands"}<input type="number" min="0" max="20" data-testid="checker-commands" value={commands.to_string()} onchange={number(&commands, 20)} disabled={busy} /></label>
                <label>{"State bound"}<input type="number" min="1" data-testid="checker-states" value={states.to_string()} onchange={number(&states, 100_000_000)} disabled={busy} /></label>
            </div>
            }
            <div class="checker-buttons">
                <button class="primary" data-testid="checker-start" onclick={on_start} disabled={busy}>{ if pr.status.is_empty() { "Start search" } else { "Start over" } }</button>
                if pr.status == "running" {
                    <button data-testid="checker-pause" onclick={on_pause}>{"Cancel"}</button>
                }
                if pr.status == "paused" {
                    <button data-testid="checker-resume" onclick={on_resume}>{"Resume"}</button>
                }
            </div>
            <p class="checker-status" data-testid="checker-status" data-status={pr.status.clone()} aria-live="polite">{ status_text }</p>
            if let Some(e) = &pr.error { <p class="bad" data-testid="checker-error">{ e.clone() }</p> }
            <dl class="checker-stats">
                <dt>{"States explored"}</dt><dd data-testid="checker-explored" data-value={pr.explored.to_string()}>{ fmt_count(pr.explored) }</dd>
                <dt>{"Distinct"}</dt><dd data-testid="checker-distinct" data-value={pr.distinct.to_string()}>{ fmt_count(pr.distinct) }</dd>
                <dt>{"States/s"}</dt><dd data-testid="checker-rate">{ fmt_count(rate) }</dd>
                <dt>{"Depth"}</dt><dd data-testid="checker-depth">{ pr.depth }</dd>
                <dt>{"Time"}</dt><dd data-testid="checker-time">{ format!("{secs:.1} s") }</dd>
                <dt>{"Memory"}</dt><dd data-testid="checker-memory" data-value={pr.memory_bytes.to_string()} data-size={pr.memory_size.to_string()}>{ fmt_bytes(pr.memory_bytes) }</dd>
            </dl>
            if !pr.goals.is_empty() {
                <ul class="checker-goals" data-testid="checker-goals" aria-label="Reachability goals">
                    { for pr.goals.iter().map(|(g, ok)| html! {
                        <li class={if *ok { "ok" } else { "open" }} data-reached={ok.to_string()}>
                            <span aria-hidden="true">{ if *ok { "✓ " } else { "○ " } }</span>{ g.clone() }
                            <span class="sr-only">{ if *ok { " (reached)" } else { " (not reached yet)" } }</span>
                        </li>
                    }) }
                </ul>
            }
            { found.unwrap_or_default() }
            if let Some(ex) = &p.exercise {
                { side_by_side(ex, pr, *searched_control) }
            }
        </div>
    }
}
