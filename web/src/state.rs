//! The lab state: one run (`Box<dyn Lab>`) plus playback settings, its actions, and the
//! reducer.
//!
//! The run lives behind `Rc<RefCell<..>>` so `reduce` never clones it: an action mutates the
//! run in place and returns a new, cheap `LabState` with a fresh [`View`] and a bumped
//! `version`, which is what components compare to know they must redraw.

use distlab_core::challenge::{Challenge, Grader};
use distlab_core::scenario::{Dur, Scenario, RUN_FOR_MAX};
use distlab_core::{Action, Lab, Layout, Time, Value, View, MS, SEC};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

/// Playback speeds offered: virtual seconds per real second. `INFINITY` = as fast as possible.
pub const SPEEDS: [f64; 14] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, f64::INFINITY];

/// Label for a speed.
pub fn speed_label(s: f64) -> String {
    if s.is_infinite() {
        "max".into()
    } else if s < 1.0 {
        format!("1/{}×", (1.0 / s).round())
    } else {
        format!("{s}×")
    }
}

/// Most real milliseconds one frame spends simulating where there is no pacer (the home page
/// previews, tests that drive a run frame by frame). The lab and compare pages ask their
/// [`crate::pacing::Pacer`] instead.
pub const LAB_BUDGET_MS: f64 = 6.0;
/// Events run between clock checks, at most.
const CHUNK_EVENTS: u64 = 256;
/// Real time one chunk of events should take: chunks shrink when events are expensive (a
/// miner's slice of real hashing costs about a millisecond) and grow back when they are cheap,
/// so the clock is read often enough for the frame budget to hold.
const CHUNK_MS: f64 = 1.0;

/// Runs `lab` towards `until` in chunks sized to [`CHUNK_MS`] until `over` says the frame's
/// budget is spent; returns whether it stopped for the budget.
pub(crate) fn run_chunks(lab: &mut dyn Lab, until: Time, over: impl Fn() -> bool) -> bool {
    thread_local! {
        /// The chunk size that last fitted [`CHUNK_MS`], kept across frames so a frame does
        /// not start with a chunk far too big for the run's events.
        static CHUNK: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
    }
    let mut chunk = CHUNK.with(|c| c.get());
    let done = run_chunks_from(lab, until, over, &mut chunk);
    CHUNK.with(|c| c.set(chunk));
    done
}

fn run_chunks_from(lab: &mut dyn Lab, until: Time, over: impl Fn() -> bool, chunk: &mut u64) -> bool {
    while lab.now() < until {
        let t0 = crate::util::perf_now();
        let ran = lab.run_until(until, *chunk);
        let ms = crate::util::perf_now() - t0;
        *chunk = if ms > CHUNK_MS { (*chunk / 2).max(1) } else if ms < CHUNK_MS / 4.0 { (*chunk * 2).min(CHUNK_EVENTS) } else { *chunk };
        if ran == 0 {
            break;
        }
        if over() {
            return true;
        }
    }
    false
}

/// A shared handle to the run. Equality is "same run, same version", so components re-render
/// exactly when the run changed.
#[derive(Clone)]
pub struct LabHandle {
    /// The run.
    pub lab: Rc<RefCell<Box<dyn Lab>>>,
    /// Bumped on every change.
    pub version: u64,
}

impl PartialEq for LabHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.lab, &other.lab) && self.version == other.version
    }
}

/// A run's picture as components receive it: shared, and compared by identity. The reducer
/// makes a new one whenever the run changes, so the same `Rc` means the same picture, and a
/// panel whose picture did not change skips its render without comparing hundreds of nodes
/// field by field (which `Rc<View>`'s own equality would do).
#[derive(Clone, Debug)]
pub struct ViewRef(pub Rc<View>);

impl ViewRef {
    /// Wraps a fresh picture.
    pub fn new(view: View) -> ViewRef {
        ViewRef(Rc::new(view))
    }
}

impl PartialEq for ViewRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for ViewRef {
    type Target = View;
    fn deref(&self) -> &View {
        &self.0
    }
}

/// A challenge being attempted: the challenge and its live grader.
#[derive(Clone)]
pub struct Attempt {
    /// The challenge.
    pub challenge: Rc<Challenge>,
    /// Grades the run once per frame.
    pub grader: Rc<RefCell<Option<Grader>>>,
}

/// Everything the lab page shows.
#[derive(Clone)]
pub struct LabState {
    /// The run.
    pub handle: LabHandle,
    /// Its picture now.
    pub view: ViewRef,
    /// Playing or paused.
    pub playing: bool,
    /// Virtual seconds per real second.
    pub speed: f64,
    /// Fraction of a microsecond carried between frames at slow speeds.
    carry: f64,
    /// Real milliseconds the last frame spent simulating (for the pacer).
    pub sim_ms: f64,
    /// `view` was built without the model's figures (a frame that did not need them: see
    /// [`Frame::figures`]); [`LabState::view_with_figures`] fills them in.
    pub figures_left_out: bool,
    /// A message for the user: (is error, text).
    pub notice: Option<(bool, String)>,
    /// The run as first loaded, for Reset.
    origin: Rc<Box<dyn Lab>>,
    /// Challenge being attempted.
    pub attempt: Option<Attempt>,
}

impl PartialEq for LabState {
    fn eq(&self, other: &Self) -> bool {
        self.handle == other.handle && self.playing == other.playing && self.speed == other.speed && self.notice == other.notice
    }
}

/// One animation frame, as the animation loop sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Real milliseconds since the previous frame.
    pub elapsed_ms: f64,
    /// Most real milliseconds this frame may spend simulating.
    pub budget_ms: f64,
    /// Whether the page redraws the model's figures after this frame. When it does not, the
    /// run's picture is built without them: they often cost more to build than the rest, and
    /// while a run plays fast the page redraws them only a few times a second.
    pub figures: bool,
}

impl Frame {
    /// A frame with a fixed budget.
    pub fn fixed(elapsed_ms: f64, budget_ms: f64) -> Frame {
        Frame { elapsed_ms, budget_ms, figures: true }
    }
}

/// Something the user (or the animation loop) does.
pub enum LabAction {
    /// An animation frame.
    Tick(Frame),
    /// Toggle play / pause.
    TogglePlay,
    /// Pause.
    Pause,
    /// One event forward.
    Step,
    /// One event back.
    StepBack,
    /// Jump to a virtual time.
    SeekTime(Time),
    /// Jump to just after an event.
    SeekEvent(u64),
    /// Change speed.
    Speed(f64),
    /// Restart from 0 with a new seed, keeping the configuration and script.
    Reseed(u64),
    /// Back to the run as loaded.
    Reset,
    /// A kernel action now (faults, commands, live settings).
    Act(Action),
    /// Change a setting that needs a restart: all settings, rebuilt from time 0.
    Restart(Vec<(String, Value)>),
    /// Replace the run (import, lesson step, share link).
    Load(Box<dyn Lab>, String),
    /// Show a message.
    Notice(bool, String),
    /// Hide the message.
    Dismiss,
}

impl LabState {
    /// A state around a run; Reset returns to the run as given here.
    pub fn new(lab: Box<dyn Lab>, attempt: Option<Rc<Challenge>>) -> LabState {
        let origin = Rc::new(lab.boxed_clone());
        let speed = default_speed(lab.info().layout);
        let view = ViewRef::new(lab.view());
        let lab = Rc::new(RefCell::new(lab));
        let attempt = attempt.map(|c| {
            let grader = Grader::new(&c, lab.borrow().as_ref()).ok();
            Attempt { challenge: c, grader: Rc::new(RefCell::new(grader)) }
        });
        LabState { handle: LabHandle { lab, version: 0 }, view, playing: false, speed, carry: 0.0, sim_ms: 0.0, figures_left_out: false, notice: None, origin, attempt }
    }

    /// Builds the state for a scenario (share link, lesson step, import).
    pub fn from_scenario(s: &Scenario, attempt: Option<Rc<Challenge>>) -> Result<LabState, String> {
        let lab = s.build().map_err(|e| e.0)?;
        Ok(LabState::new(lab, attempt))
    }

    /// The scenario of the run as it stands, stamped with the current time as `run_for` (a
    /// share link opens at that moment).
    pub fn scenario(&self) -> Scenario {
        scenario_of(self.handle.lab.borrow().as_ref())
    }

    /// Recomputes the picture after the run was changed directly.
    pub fn refresh(&mut self) {
        self.view = ViewRef::new(self.handle.lab.borrow().view());
        self.figures_left_out = false;
        self.handle.version += 1;
    }

    /// The picture now with the model's figures, built if they were left out of `view`.
    pub fn view_with_figures(&self) -> ViewRef {
        if !self.figures_left_out {
            return self.view.clone();
        }
        let figures = self.handle.lab.borrow().figures();
        ViewRef::new(distlab_core::View { figures, ..(*self.view).clone() })
    }

    fn changed(&self, lab_changed: bool) -> Rc<LabState> {
        self.changed_with(lab_changed, true)
    }

    /// [`LabState::changed`], with the model's figures in the new picture or not.
    fn changed_with(&self, lab_changed: bool, figures: bool) -> Rc<LabState> {
        let mut next = self.clone();
        if lab_changed {
            let lab = self.handle.lab.borrow();
            next.view = ViewRef::new(if figures { lab.view() } else { lab.view_without_figures() });
            next.figures_left_out = !figures;
            next.handle.version += 1;
            if let Some(a) = &next.attempt {
                if let Some(g) = a.grader.borrow_mut().as_mut() {
                    g.progress(lab.as_ref());
                }
            }
        }
        Rc::new(next)
    }

    /// After time travel backwards, goals are graded afresh from here.
    fn regrade(&self) {
        if let Some(a) = &self.attempt {
            let lab = self.handle.lab.borrow();
            *a.grader.borrow_mut() = Grader::new(&a.challenge, lab.as_ref()).ok();
        }
    }

    fn act(&self, action: Action) -> Option<String> {
        let result = self.handle.lab.borrow_mut().act(action);
        result.err()
    }
}

/// The scenario of a run as it stands, stamped with its current time as `run_for`.
pub fn scenario_of(lab: &dyn Lab) -> Scenario {
    let mut s = Scenario::of_lab(lab);
    s.run_for = Some(Dur(lab.now()));
    s
}

/// A first speed that makes messages visible: consensus labs move in milliseconds, data planes
/// in many requests per second.
pub fn default_speed(layout: Layout) -> f64 {
    match layout {
        Layout::Ring => 0.05,
        Layout::Tiers => 0.1,
    }
}

/// The most real time one frame advances a run at a finite speed: after a stall (a late frame,
/// a background tab) the run does not try to catch up, which would only make the next frame
/// late too.
const CATCH_UP_MS: f64 = 34.0;

/// Runs the simulation forward for one frame within its real-time budget. At a finite speed
/// virtual time follows real time × speed; when the budget runs out first, the rest of this
/// frame's virtual time is dropped (the run slows down rather than the page).
fn advance(lab: &mut dyn Lab, speed: f64, frame: Frame, carry: &mut f64) {
    let start = crate::util::perf_now();
    let over = || crate::util::perf_now() - start > frame.budget_ms;
    if speed.is_infinite() {
        loop {
            let now = lab.now();
            if now >= RUN_FOR_MAX {
                break;
            }
            if run_chunks(lab, (now + SEC).min(RUN_FOR_MAX), over) || lab.now() == now {
                break;
            }
        }
        return;
    }
    let want = frame.elapsed_ms.clamp(0.0, CATCH_UP_MS) * 1000.0 * speed + *carry;
    let whole = want.floor();
    *carry = want - whole;
    // A run stops at the longest a scenario may cover, so its share link always opens.
    let target = lab.now().saturating_add(whole as Time).min(RUN_FOR_MAX);
    if run_chunks(lab, target, over) {
        *carry = 0.0;
    }
}

impl Reducible for LabState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        match action {
            LabAction::Tick(frame) => {
                if !self.playing {
                    return self;
                }
                let mut carry = self.carry;
                let t0 = crate::util::perf_now();
                {
                    let mut lab = self.handle.lab.borrow_mut();
                    advance(lab.as_mut(), self.speed, frame, &mut carry);
                }
                let sim_ms = crate::util::perf_now() - t0;
                let mut next = (*self.changed_with(true, frame.figures)).clone();
                next.carry = carry;
                next.sim_ms = sim_ms;
                if self.handle.lab.borrow().now() >= RUN_FOR_MAX {
                    next.playing = false;
                    next.notice = Some((false, format!(
                        "The run stopped at {} h of virtual time, the most a scenario or a share link can hold. Go back in time or reset to play on.",
                        RUN_FOR_MAX / (3600 * SEC)
                    )));
                }
                Rc::new(next)
            }
            LabAction::TogglePlay => {
                let mut next = (*self).clone();
                next.playing = !self.playing;
                Rc::new(next)
            }
            LabAction::Pause => {
                if !self.playing {
                    return self;
                }
                let mut next = (*self).clone();
                next.playing = false;
                Rc::new(next)
            }
            LabAction::Step => {
                let did = self.handle.lab.borrow_mut().step();
                let mut next = (*self.changed(did)).clone();
                next.playing = false;
                Rc::new(next)
            }
            LabAction::StepBack => {
                self.handle.lab.borrow_mut().step_back();
                self.regrade();
                let mut next = (*self.changed(true)).clone();
                next.playing = false;
                Rc::new(next)
            }
            LabAction::SeekTime(t) => {
                let back = t < self.handle.lab.borrow().now();
                self.handle.lab.borrow_mut().seek_time(t);
                if back {
                    self.regrade();
                }
                self.changed(true)
            }
            LabAction::SeekEvent(e) => {
                let back = e < self.handle.lab.borrow().events();
                self.handle.lab.borrow_mut().seek_event(e);
                if back {
                    self.regrade();
                }
                let mut next = (*self.changed(true)).clone();
                next.playing = false;
                Rc::new(next)
            }
            LabAction::Speed(s) => {
                let mut next = (*self).clone();
                next.speed = s;
                next.carry = 0.0;
                Rc::new(next)
            }
            LabAction::Reseed(seed) => {
                self.handle.lab.borrow_mut().reseed(seed);
                self.regrade();
                self.changed(true)
            }
            LabAction::Reset => {
                let mut next = LabState::new(self.origin.boxed_clone(), self.attempt.as_ref().map(|a| a.challenge.clone()));
                next.speed = self.speed;
                next.handle.version = self.handle.version + 1;
                Rc::new(next)
            }
            LabAction::Act(action) => {
                let err = self.act(action);
                let mut next = (*self.changed(err.is_none())).clone();
                next.notice = err.map(|e| (true, format!("Not done: {e}")));
                Rc::new(next)
            }
            LabAction::Restart(settings) => {
                let (name, seed, actions) = {
                    let lab = self.handle.lab.borrow();
                    (lab.info().name, lab.seed(), lab.actions().to_vec())
                };
                let built = distlab_core::models::new_lab(name, &settings, seed, actions)
                    .or_else(|_| distlab_core::models::new_lab(name, &settings, seed, Vec::new()));
                match built {
                    Ok(lab) => {
                        *self.handle.lab.borrow_mut() = lab;
                        self.regrade();
                        let mut next = (*self.changed(true)).clone();
                        let kept = if self.handle.lab.borrow().actions().is_empty() { "" } else { " Your timeline of actions is kept and replays as before." };
                        next.notice = Some((false, format!("Restarted from time 0 with the new settings.{kept}")));
                        Rc::new(next)
                    }
                    Err(e) => {
                        let mut next = (*self).clone();
                        next.notice = Some((true, e));
                        Rc::new(next)
                    }
                }
            }
            LabAction::Load(lab, why) => {
                // A checker counterexample (its timeline hands events to the explorer) is not a
                // hand attempt: it is shown ungraded, so it cannot solve the challenge.
                let checker = lab.actions().iter().any(|a| matches!(a.action, distlab_core::Action::Manual));
                let mut next = LabState::new(lab, if checker { None } else { self.attempt.as_ref().map(|a| a.challenge.clone()) });
                next.speed = self.speed;
                next.handle.version = self.handle.version + 1;
                next.notice = Some((false, why));
                Rc::new(next)
            }
            LabAction::Notice(err, text) => {
                let mut next = (*self).clone();
                next.notice = Some((err, text));
                Rc::new(next)
            }
            LabAction::Dismiss => {
                let mut next = (*self).clone();
                next.notice = None;
                Rc::new(next)
            }
        }
    }
}

/// Seconds shown on the slider when nothing has happened yet.
pub const SLIDER_MIN_SPAN: Time = 100 * MS;
