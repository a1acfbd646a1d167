//! The lab page: one layout for every model. It owns the lab state (one reducer around the
//! run), the animation loop, keyboard shortcuts and narration; everything else is a widget.

use super::announcer::Announcer;
use super::cells::Cells;
use super::challenge::ChallengePanel;
use super::chart::Chart;
use super::cluster::Cluster;
use super::controls::Controls;
use super::event_log::EventLog;
use super::faults::Faults;
use super::figures::Figures;
use super::invariants::Invariants;
use super::lesson::LessonPanel;
use super::node_menu::NodeMenu;
use super::settings::Settings;
use super::share::ShareBar;
use super::shortcuts::Shortcuts;
use super::spacetime::SpaceTime;
use crate::content;
use crate::hooks::{use_paced_frames, PlanFn, Rendered};
use crate::route::Route;
use crate::state::{scenario_of, Frame, LabAction, LabHandle, LabState, ViewRef, SPEEDS};
use crate::util::perf_now;
use distlab_core::challenge::Challenge;
use distlab_core::lab::is_announcement;
use distlab_core::scenario::{Scenario, Step};
use distlab_core::time::fmt_time;
use distlab_core::{models, share, Action, MsgId, NodeId, Time};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Least real time between two spoken announcements.
const ANNOUNCE_GAP_MS: f64 = 1500.0;

/// While the run plays fast, real time between two refreshes of a heavy panel (event log,
/// space-time, chart, logs / queues, messages in flight). One panel is refreshed at a time, in
/// turn, so each is redrawn about every `PANELS × REFRESH_MS` and no frame pays for all of
/// them. Paused or stepping, they are exact.
const REFRESH_MS: f64 = 80.0;
/// The run plays "fast" at this speed (virtual seconds per real second) or more...
const FAST_SPEED: f64 = 1.0;
/// ...or when a frame runs at least this many events.
const FAST_EVENTS: u64 = 48;
/// Event log entries and space-time arrows shown while the run plays fast.
const FAST_LOG_ROWS: usize = 40;
/// While the run plays fast, above this many messages in flight the cluster is drawn on the
/// canvas: at top speed nearly every message is new each frame, and creating and dropping an
/// SVG group per message took most of a frame (Multi-Paxos on 9 nodes: about 100 a frame).
const FAST_SVG_MESSAGES: usize = 32;
const FAST_ARROWS: usize = 40;
/// While the run plays fast and faster than this (virtual seconds per real second), big grid
/// figures are painted on a canvas rather than built as tables: too fast to read cell by cell,
/// and rebuilding hundreds of cells cost more than a frame. At real time or slower (where the
/// lessons and tests read them) they stay tables.
const FAST_PAINT_SPEED: f64 = 1.0;

/// The throttled panels, indices into [`Throttle`]; the last is the canvas view's hidden node
/// list for screen readers.
const P_LOG: usize = 0;
const P_SPACETIME: usize = 1;
const P_CHART: usize = 2;
const P_CELLS: usize = 3;
const P_FLIGHT: usize = 4;
const P_NODES: usize = 5;
const PANELS: usize = 6;
/// Their names in the figures recorded for benchmarks.
const PANEL_NAMES: [&str; PANELS] = ["log", "spacetime", "chart", "cells", "flight", "nodes"];

/// What each heavy panel was last given, and which one the coming frame refreshes. The
/// refresh is planned before the frame simulates, so the pacer can leave room for it.
#[derive(Default)]
struct Throttle {
    snap: [Option<(LabHandle, ViewRef)>; PANELS],
    /// The panel refreshed next.
    next: usize,
    /// When the last refresh was planned (page clock, ms).
    last: f64,
    /// The panel the coming frame refreshes.
    planned: Option<usize>,
    events: u64,
    /// Whether the last render found the run playing fast.
    fast: bool,
    /// What the last render did, for the pacer.
    rendered: Rc<Cell<Rendered>>,
}

impl Throttle {
    /// Plans the coming frame (page clock `now`): the heavy panel it refreshes, if any.
    fn plan(&mut self, now: f64) -> Option<usize> {
        if self.planned.is_none() && now - self.last >= REFRESH_MS {
            self.planned = Some(self.next);
            self.last = now;
        }
        self.planned
    }

    /// Whether the coming frame's picture needs the model's figures: always, unless the run
    /// plays fast and the frame refreshes another panel (the figures are drawn in the logs
    /// panel's turn).
    fn figures_due(&self) -> bool {
        !self.fast || self.planned == Some(P_CELLS)
    }

    /// The run each heavy panel shows this render: the run now for every panel when not
    /// playing fast (or after a jump back or a new run), else the run now for the planned
    /// panel only and the previous picture for the others. Returns whether the run plays fast.
    fn update(&mut self, state: &LabState) -> bool {
        let events = state.view.event;
        let back = events < self.events;
        let fast = state.playing && !back && (state.speed >= FAST_SPEED || events - self.events >= FAST_EVENTS);
        self.events = events;
        let mut rendered = Rendered { panel: None, sim_ms: state.sim_ms };
        let planned = self.planned.take();
        for i in 0..PANELS {
            let stale = self.snap[i].as_ref().is_none_or(|(h, _)| !Rc::ptr_eq(&h.lab, &state.handle.lab));
            let due = planned == Some(i);
            if !fast || stale || due {
                if fast && due {
                    rendered.panel = Some(i);
                    self.next = (i + 1) % PANELS;
                }
                // The same run at the same version is the same picture: kept, so the panel
                // sees the same props (and the figures are not built again).
                if self.snap[i].as_ref().is_none_or(|(h, _)| *h != state.handle) {
                    let view = if i == P_CELLS { state.view_with_figures() } else { state.view.clone() };
                    self.snap[i] = Some((state.handle.clone(), view));
                }
            }
        }
        self.fast = fast;
        self.rendered.set(rendered);
        fast
    }

    fn get(&self, i: usize, state: &LabState) -> (LabHandle, ViewRef) {
        self.snap[i].clone().unwrap_or_else(|| (state.handle.clone(), state.view.clone()))
    }
}

/// Properties of [`LabPage`].
#[derive(Properties, PartialEq)]
pub struct LabPageProps {
    /// A lab, lesson or challenge route (the model is known to exist).
    pub route: Route,
}

/// What the page was opened for, besides the run itself.
#[derive(Clone, PartialEq)]
enum Extra {
    None,
    Lesson(Rc<content::Lesson>, usize),
    Challenge(Rc<Challenge>, Vec<(String, String)>),
    /// The route's content could not be loaded (why, and a retry: [`LabViewProps::unavailable`]).
    Unavailable,
}

fn default_lab(model: &str) -> LabState {
    let lab = models::new_lab(model, &[], 1, Vec::new()).expect("catalogued models build with defaults");
    LabState::new(lab, None)
}

fn scenario_state(s: &Scenario, challenge: Option<Rc<Challenge>>) -> Result<LabState, String> {
    let state = LabState::from_scenario(s, challenge)?;
    Ok(state)
}

/// Builds the state for a route, with its lab's content (`None` when the route needs none, the
/// lab has none, or it could not be loaded: `unavailable`); problems become a notice on a
/// usable default lab.
fn initial(route: &Route, content: Option<&content::LabContent>, unavailable: bool) -> (LabState, Extra, Option<Time>) {
    let model = match route {
        Route::Lab { model, .. } | Route::Lesson { model, .. } | Route::Challenge { model, .. } => model.clone(),
        _ => String::new(),
    };
    let fallback = |why: String| {
        let mut s = default_lab(&model);
        s.notice = Some((true, why));
        s
    };
    if unavailable && matches!(route, Route::Lesson { .. } | Route::Challenge { .. }) {
        // The lab runs anyway; the side panel says what is missing and offers to fetch again.
        return (default_lab(&model), Extra::Unavailable, None);
    }
    match route {
        Route::Lab { share: Some(payload), .. } => match share::decode(payload).map_err(|e| e.0).and_then(|s| {
            let st = scenario_state(&s, None)?;
            // A share link always opens paused at its moment (time 0 if it names none).
            Ok((st, Some(s.run_for.map_or(0, |d| d.0))))
        }) {
            Ok((st, at)) => (st, Extra::None, at),
            Err(e) => (fallback(format!("{e} You are looking at a fresh {model} lab instead.")), Extra::None, None),
        },
        Route::Lesson { step, .. } => match content.and_then(|c| c.lesson.clone().map(|l| (c, l))) {
            Some((content, lesson)) => {
                let step = (*step).clamp(1, lesson.steps.len().max(1));
                let file = lesson.steps.get(step - 1).and_then(|s| s.scenario.clone());
                let st = match file.map(|f| content.scenario(&f).map_err(|e| e.0).and_then(|s| scenario_state(&s, None))) {
                    Some(Ok(st)) => st,
                    Some(Err(e)) => fallback(format!("This lesson step's scenario could not be loaded: {e}")),
                    None => default_lab(&model),
                };
                (st, Extra::Lesson(lesson, step), None)
            }
            None => (fallback(format!("There is no lesson for {model} yet.")), Extra::None, None),
        },
        Route::Challenge { id, .. } => match content.map_or(Ok(Vec::new()), |c| c.challenges()) {
            Ok(list) => {
                let others: Vec<(String, String)> = list.iter().map(|c| (c.id.clone(), c.title.clone())).collect();
                match list.into_iter().find(|c| &c.id == id) {
                    Some(c) => {
                        let c = Rc::new(c);
                        match scenario_state(&c.start, Some(c.clone())) {
                            Ok(st) => (st, Extra::Challenge(c, others), None),
                            Err(e) => (fallback(format!("This challenge could not be started: {e}")), Extra::None, None),
                        }
                    }
                    None => (fallback(format!("There is no challenge \"{id}\" for {model}.")), Extra::None, None),
                }
            }
            Err(e) => (fallback(e.0), Extra::None, None),
        },
        _ => (default_lab(&model), Extra::None, None),
    }
}

/// Latest values the keyboard handler needs (it is registered once).
#[derive(Default)]
struct KeyCtx {
    speed: f64,
    events: u64,
    horizon: Time,
    nodes: usize,
    selected: Option<NodeId>,
}

fn typing_in_field(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA") || el.closest("[role=menu]").ok().flatten().is_some())
}

/// The lab page. A lesson or challenge route first loads its lab's content (fetched on first
/// use, then kept for the session): meanwhile a busy placeholder; if it cannot be loaded, the
/// lab runs with its defaults and the side panel says why, with a retry.
#[component]
pub fn LabPage(p: &LabPageProps) -> Html {
    // Only a route the index says has content fetches it (a lab with no lesson, or a challenge
    // id it does not list, is told so at once).
    let model = match &p.route {
        Route::Lesson { model, .. } => content::index(model).filter(|i| i.lesson_steps > 0),
        Route::Challenge { model, id } => content::index(model).filter(|i| i.challenges.contains(&id.as_str())),
        _ => None,
    }
    .map(|i| i.lab.to_string());
    let (loaded, retry) = content::use_lab_content(model);
    let route = p.route.clone();
    match loaded {
        None => html! { <LabView {route} /> },
        Some(content::Loaded::Ready(c)) => html! { <LabView key="ready" {route} content={Some(c)} /> },
        Some(content::Loaded::Failed(why)) => html! { <LabView key="failed" {route} unavailable={Some((AttrValue::from(why), retry))} /> },
        Some(content::Loaded::Pending) => loading(&route),
    }
}

/// What a route waits for, in words ("lesson", "challenge", "comparison's script").
fn awaited(route: &Route) -> (&str, &'static str) {
    match route {
        Route::Lesson { model, .. } => (model, "lesson"),
        Route::Challenge { model, .. } => (model, "challenge"),
        Route::Compare { model, .. } => (model, "comparison's script"),
        Route::Lab { model, .. } => (model, "lab"),
        _ => ("", "page"),
    }
}

/// What a page shows while its lab's content is fetched: the lab's title and a busy status.
pub fn loading(route: &Route) -> Html {
    let (model, what) = awaited(route);
    let info = models::catalog().into_iter().find(|m| m.name == model);
    html! {
        <div class="lab-page content-loading" data-testid="content-loading" aria-busy="true">
            <div class="lab-head">
                <div>
                    <h1>{ info.as_ref().map_or(model, |i| i.title) }</h1>
                    if let Some(i) = &info { <p class="pitch">{ i.pitch }</p> }
                </div>
            </div>
            <p class="loading" role="status">{ format!("Loading the {what}…") }</p>
        </div>
    }
}

/// Why a route's content is missing, with a button that fetches it again; the page runs a
/// lab (or comparison) with its defaults meanwhile.
pub fn unavailable(route: &Route, why: &str, retry: Callback<()>) -> Html {
    let (_, what) = awaited(route);
    let onclick = Callback::from(move |_: MouseEvent| retry.emit(()));
    html! {
        <aside class="panel content-error" data-testid="content-error" aria-label="Content not loaded">
            <div role="alert">
                <h2>{ format!("The {what} did not load") }</h2>
                <p>{ format!("It could not be loaded: {why}. Meanwhile this page runs with its default settings.") }</p>
            </div>
            <button data-testid="content-retry" {onclick}>{"↻ Try again"}</button>
        </aside>
    }
}

/// Properties of [`LabView`].
#[derive(Properties, PartialEq)]
struct LabViewProps {
    route: Route,
    /// The lab's content, if the route needs it and it is loaded.
    #[prop_or_default]
    content: Option<Rc<content::LabContent>>,
    /// Why the route's content could not be loaded, and a retry.
    #[prop_or_default]
    unavailable: Option<(AttrValue, Callback<()>)>,
}

/// The lab page proper, once the route's content is settled.
#[component]
fn LabView(p: &LabViewProps) -> Html {
    let route = p.route.clone();
    let content = p.content.clone();
    let failed = p.unavailable.is_some();
    let extra_init = use_mut_ref(|| None::<(Extra, Option<Time>)>);
    let state = {
        let extra_init = extra_init.clone();
        use_reducer(move || {
            let (mut st, extra, at) = initial(&route, content.as_deref(), failed);
            // A find-the-bug exercise opens paused too: the learner acts on it step by step.
            let exercise = matches!(&extra, Extra::Challenge(c, _) if c.checker.is_some());
            if let Some(t) = at {
                // A share link opens at the moment it was taken, paused.
                st.handle.lab.borrow_mut().seek_time(t);
                st.refresh();
            } else if !exercise && !crate::util::reduced_motion() {
                st.playing = true;
            }
            *extra_init.borrow_mut() = Some((extra, at));
            st
        })
    };
    let extra = extra_init.borrow().as_ref().map(|e| e.0.clone()).unwrap_or(Extra::None);
    let hover = use_state(|| None::<MsgId>);
    let selected = use_state(|| None::<NodeId>);
    let refocus = use_mut_ref(|| None::<NodeId>);
    let help = use_state(|| false);
    let announcement = use_state(String::new);
    let last_announced = use_mut_ref(|| (0u64, f64::NEG_INFINITY, None::<String>));
    let keys = use_mut_ref(KeyCtx::default);

    // Callbacks that stay the same between renders, so panels with equal props are skipped.
    let dispatch = {
        let d = state.dispatcher();
        (*use_memo((), move |_| Callback::from(move |a: LabAction| d.dispatch(a)))).clone()
    };
    let on_hover = {
        let set = hover.setter();
        use_callback((), move |m: Option<MsgId>, _| set.set(m))
    };
    let on_drop = use_callback(dispatch.clone(), |m: MsgId, d| d.emit(LabAction::Act(Action::Drop(m))));
    let on_partition = use_callback(dispatch.clone(), |a: Action, d| d.emit(LabAction::Act(a)));
    let on_reset = use_callback(dispatch.clone(), |_: (), d| d.emit(LabAction::Reset));
    let scenario_cb = {
        let lab = state.handle.lab.clone();
        let id = Rc::as_ptr(&lab) as *const () as usize;
        use_callback(id, move |_: (), _| scenario_of(lab.borrow().as_ref()))
    };
    let throttle = use_mut_ref(Throttle::default);
    let canvas_latch = use_mut_ref(|| false);
    // A find-the-bug exercise: the learner's own schedule that broke the protocol, kept for the
    // side-by-side view after the checker's counterexample is opened.
    let hand = use_state(|| None::<Vec<String>>);

    // The animation loop: advance virtual time by elapsed × speed each frame, within what the
    // pacer says rendering leaves of the frame.
    {
        let d = state.dispatcher();
        let (t1, t2, t3) = (throttle.clone(), throttle.clone(), throttle.clone());
        let plan: PlanFn = Rc::new(move |now| t1.borrow_mut().plan(now));
        let rendered = t2.borrow().rendered.clone();
        use_paced_frames(
            state.playing,
            &PANEL_NAMES,
            plan,
            rendered,
            Callback::from(move |f: Frame| d.dispatch(LabAction::Tick(Frame { figures: t3.borrow().figures_due(), ..f }))),
        );
    }

    // Narration: the newest important trace entries since last time, at a readable pace.
    {
        let announcement = announcement.clone();
        let last = last_announced.clone();
        let handle = state.handle.clone();
        use_effect_with(state.handle.clone(), move |_| {
            let lab = handle.lab.borrow();
            let events = lab.events();
            let mut l = last.borrow_mut();
            if events < l.0 {
                l.0 = events; // went back in time: say nothing about the past
                l.2 = None;
                announcement.set(String::new()); // nor leave news from a future that is gone
                return;
            }
            if let Some(e) = lab.trace().iter().rev().take_while(|e| e.event >= l.0).find(|e| is_announcement(e)) {
                l.2 = Some(format!("{}: {}", crate::util::fmt_time(e.time), e.text));
            }
            l.0 = events;
            let now = perf_now();
            if now - l.1 >= ANNOUNCE_GAP_MS {
                if let Some(text) = l.2.take() {
                    l.1 = now;
                    announcement.set(text);
                }
            }
        });
    }

    // Keyboard shortcuts, registered once; they read the latest values from `keys`.
    {
        let lab = state.handle.lab.borrow();
        let mut k = keys.borrow_mut();
        k.speed = state.speed;
        k.events = lab.events();
        k.horizon = lab.horizon().1.max(lab.now());
        k.nodes = state.view.nodes.len();
        k.selected = *selected;
    }
    {
        let d = state.dispatcher();
        let keys = keys.clone();
        let help = help.clone();
        let selected = selected.clone();
        let refocus = refocus.clone();
        use_effect_with((), move |_| {
            let doc = web_sys::window().and_then(|w| w.document());
            let listener = doc.map(|doc| {
                // Not passive: shortcuts must stop Space and the arrows from scrolling the page.
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let key = e.key();
                    if key == "Escape" {
                        help.set(false);
                        let in_menu = crate::util::active_element().and_then(|a| a.closest(".node-menu").ok().flatten()).is_some();
                        if in_menu {
                            *refocus.borrow_mut() = keys.borrow().selected;
                        }
                        selected.set(None);
                        return;
                    }
                    if typing_in_field(e) {
                        return;
                    }
                    let k = keys.borrow();
                    let on_button = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
                        matches!(el.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY") || el.get_attribute("role").as_deref() == Some("button")
                    });
                    let handled = match key.as_str() {
                        " " if !on_button => {
                            d.dispatch(LabAction::TogglePlay);
                            true
                        }
                        "ArrowRight" if e.shift_key() => {
                            d.dispatch(LabAction::SeekEvent(k.events + 100));
                            true
                        }
                        "ArrowLeft" if e.shift_key() => {
                            d.dispatch(LabAction::SeekEvent(k.events.saturating_sub(100)));
                            true
                        }
                        "ArrowRight" => {
                            d.dispatch(LabAction::Step);
                            true
                        }
                        "ArrowLeft" => {
                            d.dispatch(LabAction::StepBack);
                            true
                        }
                        "[" | "]" => {
                            let i = SPEEDS.iter().position(|s| *s == k.speed).unwrap_or(0);
                            let j = if key == "[" { i.saturating_sub(1) } else { (i + 1).min(SPEEDS.len() - 1) };
                            d.dispatch(LabAction::Speed(SPEEDS[j]));
                            true
                        }
                        "Home" => {
                            d.dispatch(LabAction::SeekTime(0));
                            true
                        }
                        "End" => {
                            d.dispatch(LabAction::SeekTime(k.horizon));
                            true
                        }
                        "r" => {
                            d.dispatch(LabAction::Reset);
                            true
                        }
                        "s" => {
                            click_testid("share");
                            true
                        }
                        "?" => {
                            help.set(true);
                            true
                        }
                        d1 if d1.len() == 1 && d1.as_bytes()[0].is_ascii_digit() && d1 != "0" => {
                            let n = (d1.as_bytes()[0] - b'1') as usize;
                            if n < k.nodes {
                                selected.set(Some(n as NodeId));
                                true
                            } else {
                                false
                            }
                        }
                        _ => false,
                    };
                    if handled {
                        e.prevent_default();
                    }
                })
            });
            move || drop(listener)
        });
    }

    let lab = state.handle.lab.borrow();
    let info = lab.info();
    let view = state.view.clone();
    let horizon = lab.horizon().1;

    let on_node = {
        let set = selected.setter();
        use_callback(*selected, move |n: NodeId, sel| set.set(if *sel == Some(n) { None } else { Some(n) }))
    };
    let close_menu = {
        let selected = selected.clone();
        let refocus = refocus.clone();
        Callback::from(move |_| {
            // Focus goes back to the node the menu belonged to, once the menu is gone.
            *refocus.borrow_mut() = *selected;
            selected.set(None);
        })
    };
    {
        let refocus = refocus.clone();
        use_effect_with(*selected, move |sel| {
            if sel.is_none() {
                if let Some(n) = refocus.borrow_mut().take() {
                    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&format!("[data-testid=cluster] [data-testid=node-{n}]")).ok().flatten()) {
                        crate::util::focus_element(&el);
                    }
                }
            }
        });
    }
    let menu = selected.and_then(|n| view.nodes.get(n as usize).cloned()).map(|node| {
        let commands = lab.node_commands(node.id);
        let byzantine = lab.byzantine_modes(node.id);
        let infos = super::node_menu::Infos(lab.info().commands);
        html! { <NodeMenu {node} {commands} {byzantine} {infos} on_action={dispatch.clone()} on_close={close_menu.clone()} /> }
    });

    let (fast, panels) = {
        let mut t = throttle.borrow_mut();
        let fast = t.update(&state);
        (fast, [P_LOG, P_SPACETIME, P_CHART, P_CELLS, P_FLIGHT, P_NODES].map(|i| t.get(i, &state)))
    };
    // The cluster goes to the canvas while the run plays fast with many messages in flight,
    // and stays there until the run stops playing fast: a count hovering around the threshold
    // must not switch renderers (rebuilding the whole drawing) every few frames.
    let cluster_canvas = fast && (view.messages.len() > FAST_SVG_MESSAGES || *canvas_latch.borrow());
    *canvas_latch.borrow_mut() = cluster_canvas;
    let [log_p, st_p, chart_p, cells_p, flight_p, nodes_p] = panels;
    let notice = state.notice.clone().map(|notice| super::notice::banner(notice, dispatch.reform(|_| LabAction::Dismiss)));
    let side = match &extra {
        Extra::Lesson(lesson, step) => {
            html! { <LessonPanel model={info.name} lesson={lesson.clone()} step={*step} on_replay={on_reset.clone()} /> }
        }
        Extra::Challenge(c, others) => {
            let goals = state.attempt.as_ref().and_then(|a| a.grader.borrow().as_ref().map(|g| g.status())).unwrap_or_default();
            let solved = !goals.is_empty() && goals.iter().all(|g| g.1 == Some(true));
            if solved && hand.is_none() {
                hand.set(Some(lab.actions().iter().map(|a| format!("{} {}", fmt_time(a.at), describe_action(&a.action))).collect()));
            }
            let panel = html! { <ChallengePanel model={info.name} title={c.title.clone()} brief_html={c.brief.clone()} hint={c.hint.clone()}
                {goals} others={others.clone()} id={c.id.clone()} on_retry={on_reset.clone()} /> };
            match &c.checker {
                Some(spec) => html! {
                    <>
                        { panel }
                        <section class="panel exercise-checker" aria-labelledby="h-exercise-checker">
                            <h2 id="h-exercise-checker">{"Then let the checker find it"}</h2>
                            <super::checker::CheckerPanel scenario={scenario_cb.clone()} on_action={dispatch.clone()}
                                exercise={Some(super::checker::Exercise { start: c.start.clone(), spec: spec.clone(), hand: (*hand).clone(), back: Route::Challenge { model: info.name.into(), id: c.id.clone() }.to_hash() })} />
                        </section>
                    </>
                },
                None => panel,
            }
        }
        Extra::Unavailable => match &p.unavailable {
            Some((why, retry)) => unavailable(&p.route, why, retry.clone()),
            None => html! {},
        },
        Extra::None => html! {},
    };
    let violations = lab.violations().len();
    let close_help = {
        let help = help.clone();
        Callback::from(move |_| help.set(false))
    };
    let open_help = {
        let help = help.clone();
        Callback::from(move |_: MouseEvent| help.set(true))
    };
    let deselect = {
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| selected.set(None))
    };

    html! {
        <div class="lab-page" data-testid="lab" data-model={info.name}>
            <div class="lab-head">
                <div>
                    <h1>{ info.title }</h1>
                    <p class="pitch">{ info.pitch }</p>
                </div>
                <div class="head-tools">
                    <a class="button" data-testid="compare-link" href={Route::Compare { model: info.name.into(), query: None }.to_hash()} title="Run this lab twice side by side with one setting changed">{"Compare…"}</a>
                    <ShareBar scenario={scenario_cb.clone()} on_action={dispatch.clone()} />
                    <button class="icon" data-testid="help" aria-label="Keyboard shortcuts (?)" title="Keyboard shortcuts (?)" onclick={open_help}>{"?"}</button>
                </div>
            </div>
            { notice }
            <Controls playing={state.playing} now={view.time} events={view.event} {horizon} speed={state.speed} seed={lab.seed()} history={lab.history_size()} on_action={dispatch.clone()} />
            <Announcer text={(*announcement).clone()} />
            { violation_bar(lab.violations(), &view) }
            <div class="lab-grid">
                <div class="stage">
                    <section class="panel cluster-panel" aria-label="Cluster" onclick={deselect}>
                        <Cluster view={view.clone()} layout={info.layout} hover={*hover} on_hover={on_hover.clone()}
                            on_node={on_node} on_drop={on_drop} selected={*selected} overlay={menu.unwrap_or_default()}
                            on_partition={Some(on_partition)} a11y={Some(nodes_p.1)}
                            canvas={cluster_canvas.then_some(true)} />
                        <p class="hint legend">{ format!("Click a {} (or Tab to it and press Enter) for its menu; click a message to drop it. ", info.node_noun) }
                            <span class="solid-key"></span>{" done/committed "}<span class="hollow-key"></span>{" tentative"}</p>
                    </section>
                    <Cells view={cells_p.1.clone()} {fast} />
                    <Figures view={cells_p.1} fast={fast && state.speed > FAST_PAINT_SPEED} />
                    <section class="panel" aria-labelledby="h-spacetime">
                        <h2 id="h-spacetime">{"Space-time"}<small class="h-note">{"hover an arrow to find the message in the cluster and the log"}</small></h2>
                        <SpaceTime handle={st_p.0} view={st_p.1} hover={*hover} on_hover={on_hover.clone()} arrows={if fast { FAST_ARROWS } else { usize::MAX }} fast={fast} />
                    </section>
                    <div class="lower">
                        <section class="panel" aria-labelledby="h-metrics">
                            <h2 id="h-metrics">{"Metrics"}</h2>
                            <Chart handle={chart_p.0} view={chart_p.1} playing={state.playing} />
                        </section>
                        <section class="panel" aria-labelledby="h-log">
                            <h2 id="h-log">{"Event log"}</h2>
                            <EventLog handle={log_p.0} hover={*hover} on_hover={on_hover.clone()} on_action={dispatch.clone()} rows={if fast { FAST_LOG_ROWS } else { usize::MAX }} />
                        </section>
                    </div>
                </div>
                <div class="sidebar">
                    { side }
                    <details class="panel" open=true>
                        <summary><h2>{"Invariants"}
                            if violations > 0 { <span class="tag bad">{ format!("{violations} violated") }</span> } else { <span class="tag ok">{"all hold"}</span> }
                        </h2></summary>
                        <Invariants handle={state.handle.clone()} stamp={super::invariants::stamp(lab.violations())} on_action={dispatch.clone()} />
                    </details>
                    if !matches!(&extra, Extra::Challenge(c, _) if c.checker.is_some()) {
                        <details class="panel" data-testid="checker-details">
                            <summary><h2>{"Model checker"}</h2></summary>
                            <super::checker::CheckerPanel scenario={scenario_cb.clone()} on_action={dispatch.clone()} />
                        </details>
                    }
                    <details class="panel" open=true>
                        <summary><h2>{"Faults"}</h2></summary>
                        <Faults view={view.clone()} flight={flight_p.1} hover={*hover} on_hover={on_hover.clone()} on_action={dispatch.clone()} />
                    </details>
                    <details class="panel" open=true>
                        <summary><h2>{"Settings"}</h2></summary>
                        <Settings live={lab.live_params()} initial={lab.params()} on_action={dispatch.clone()}
                            script_ahead={lab.actions().iter().any(|a| a.at > lab.now())} />
                    </details>
                </div>
            </div>
            if *help { <Shortcuts on_close={close_help} /> }
        </div>
    }
}

/// One timeline action in words, for the exercise's side-by-side view.
fn describe_action(a: &distlab_core::Action) -> String {
    let step = Step::from_action(&distlab_core::TimedAction { at: 0, action: a.clone() });
    let mut out = step.what.clone();
    if let Some(n) = step.node {
        out += &format!(" S{n}");
    }
    if let Some(arg) = &step.arg {
        out += &format!(" {arg}");
    }
    if let Some(g) = &step.groups {
        out += &format!(" {g:?}");
    }
    out
}

/// A red bar above the stage while any invariant is violated, so a violation is seen even when
/// the invariant panel is scrolled out of view; its button brings the panel into view.
fn violation_bar(violations: &[distlab_core::Violation], view: &distlab_core::View) -> Html {
    let Some(first) = violations.first() else { return html! {} };
    let mut names: Vec<&str> = violations.iter().map(|v| v.invariant).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    let who = first.nodes.iter().filter_map(|n| view.nodes.get(*n as usize).map(|v| v.label.clone())).collect::<Vec<_>>().join(", ");
    let show = Callback::from(|_: MouseEvent| {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector("[data-testid=violations]").ok().flatten()) {
            el.scroll_into_view();
        }
    });
    html! {
        <div class="violation-bar">
            <span class="icon" aria-hidden="true">{"✗"}</span>
            <span><strong>{ format!("{} violated", names.join(" and ")) }</strong>
                { format!(" — first at {}{}: {}", crate::util::fmt_time(first.time), if who.is_empty() { String::new() } else { format!(" on {who}") }, first.detail) }</span>
            <button class="small" onclick={show}>{ format!("See all {}", violations.len()) }</button>
        </div>
    }
}

fn click_testid(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&format!("[data-testid={id}]")).ok().flatten()) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            el.click();
        }
    }
}

