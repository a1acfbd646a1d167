//! Compare mode: the same model, seed and workload under two settings side by side (for
//! example two balancing algorithms), advanced in lockstep by one animation loop and one set of
//! controls. Faults go to both runs, so the only difference between them is the setting.
//!
//! Route: `#/compare/<model>?a=<key>=<value>&b=<key>=<value>[&set=<key>=<value>…][&seed=<n>][&metric=<name>]`.
//! Without `a`/`b` the first choice (or switch) parameter of the model differs.
//!
//! Two different models can be compared too, when they share a command vocabulary:
//! `vs=<model>` makes run B another model, and `script=<scenario file>` gives both runs the
//! timeline of a scenario from `content/scenarios/` (its settings go to the run of the
//! scenario's own model, its seed to both unless `seed=` says otherwise). Every command in the
//! script must be one both models know, or the comparison is refused with the reason. The
//! chart and the table match metrics by name; a metric only one model has shows "–" for the
//! other.

use super::chart::{css_width, hex, surface};
use super::cluster::Cluster;
use super::figures::Figures;
use super::controls::Controls;
use super::node_menu::NodeMenu;
use crate::hooks::{use_paced_frames, PlanFn, Rendered};
use crate::route::Route;
use crate::state::{default_speed, Frame, LabAction, LabHandle, ViewRef};
use crate::util::{go, perf_now};
use distlab_core::{models, Action, Lab, NodeId, ParamKind, Time, Value, MS};
use plotters::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Okabe–Ito blue and orange: the two runs, told apart with any colour-vision deficiency.
pub const RUN_COLORS: [&str; 2] = ["#0072B2", "#E69F00"];
/// A setting pair preferred as the default when a model offers both values (any model).
const PREFERRED: &[(&str, &str, &str)] = &[("algorithm", "round_robin", "least_connections")];
/// Virtual time both runs advance together before either goes further.
const SLICE: Time = 5 * MS;
/// Least real time between chart redraws while playing.
const REDRAW_MS: f64 = 250.0;
/// Most points per chart line.
const POINTS_MAX: usize = 400;

/// What is compared: a model, a seed, settings shared by both runs, and each run's own settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareSpec {
    /// Model name.
    pub model: String,
    /// Seed of both runs.
    pub seed: u64,
    /// Settings of both runs.
    pub shared: Vec<(String, Value)>,
    /// Run A's own settings (override `shared`).
    pub a: Vec<(String, Value)>,
    /// Run B's own settings.
    pub b: Vec<(String, Value)>,
    /// Metric shown in the chart (by name).
    pub metric: Option<String>,
    /// Run B's model, when it differs from run A's.
    pub model_b: Option<String>,
    /// A scenario file whose timeline both runs play.
    pub script: Option<String>,
}

/// Parses a setting's text for a parameter kind.
pub fn parse_value(kind: &ParamKind, text: &str) -> Result<Value, String> {
    match kind {
        ParamKind::Int { .. } | ParamKind::Float { .. } => text.trim().parse::<f64>().map(Value::Num).map_err(|_| format!("\"{text}\" is not a number")),
        ParamKind::Bool => match text {
            "true" | "1" | "on" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "off" | "no" => Ok(Value::Bool(false)),
            _ => Err(format!("\"{text}\" is not true or false")),
        },
        ParamKind::Choice(_) => Ok(Value::Text(text.to_string())),
    }
}

fn decode(s: &str) -> String {
    js_decode(s).unwrap_or_else(|| s.to_string())
}

fn js_decode(s: &str) -> Option<String> {
    if !s.contains('%') && !s.contains('+') {
        return Some(s.to_string());
    }
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::decode_uri_component(&s.replace('+', " ")).ok().and_then(|v| v.as_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

impl CompareSpec {
    /// The default comparison for a model: a preferred pair if the model has it, else its first
    /// choice parameter (its value against the next option), else its first switch.
    pub fn default_for(model: &str) -> Result<CompareSpec, String> {
        let lab = models::new_lab(model, &[], 1, Vec::new())?;
        let params = lab.params();
        let mut pick: Option<(String, Value, Value)> = None;
        for (key, va, vb) in PREFERRED {
            if let Some(p) = params.iter().find(|p| p.key == *key) {
                if let ParamKind::Choice(names) = p.kind {
                    if names.contains(va) && names.contains(vb) {
                        pick = Some((key.to_string(), Value::Text(va.to_string()), Value::Text(vb.to_string())));
                        break;
                    }
                }
            }
        }
        if pick.is_none() {
            pick = params.iter().find_map(|p| match (&p.kind, &p.value) {
                (ParamKind::Choice(names), Value::Text(t)) if names.len() > 1 => {
                    let i = names.iter().position(|n| n == t).unwrap_or(0);
                    Some((p.key.to_string(), Value::Text(names[i].to_string()), Value::Text(names[(i + 1) % names.len()].to_string())))
                }
                _ => None,
            });
        }
        if pick.is_none() {
            pick = params.iter().find_map(|p| match p.value {
                Value::Bool(v) => Some((p.key.to_string(), Value::Bool(v), Value::Bool(!v))),
                _ => None,
            });
        }
        let (a, b) = match pick {
            Some((k, va, vb)) => (vec![(k.clone(), va)], vec![(k, vb)]),
            None => (Vec::new(), Vec::new()),
        };
        Ok(CompareSpec { model: model.to_string(), seed: 1, shared: Vec::new(), a, b, metric: None, model_b: None, script: None })
    }

    /// Parses a compare route's query (`a=key=value&b=key=value&set=key=value&seed=n&metric=m`).
    pub fn parse(model: &str, query: Option<&str>) -> Result<CompareSpec, String> {
        let mut spec = CompareSpec::default_for(model)?;
        let Some(q) = query.filter(|q| !q.is_empty()) else { return Ok(spec) };
        let parts: Vec<(&str, &str)> = q
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|part| part.split_once('=').ok_or_else(|| format!("\"{part}\" should look like name=value")))
            .collect::<Result<_, _>>()?;
        // Run B's model first: its settings are checked against its own parameters.
        let model_b = parts.iter().rev().find(|(k, _)| *k == "vs").map(|(_, m)| decode(m)).filter(|m| m != model);
        let params_a = models::new_lab(model, &[], 1, Vec::new())?.params();
        let params_b = match &model_b {
            Some(m) => models::new_lab(m, &[], 1, Vec::new()).map_err(|e| format!("vs: {e}"))?.params(),
            None => params_a.clone(),
        };
        let setting = |params: &[distlab_core::Param], name: &str, kv: &str| -> Result<(String, Value), String> {
            let (k, v) = kv.split_once('=').ok_or_else(|| format!("\"{kv}\" should look like key=value"))?;
            let (k, v) = (decode(k), decode(v));
            let p = params.iter().find(|p| p.key == k).ok_or_else(|| format!("{name} has no setting \"{k}\""))?;
            let value = parse_value(&p.kind, &v)?;
            p.kind.check(&k, &value)?;
            Ok((k, value))
        };
        let name_b = model_b.clone().unwrap_or_else(|| model.to_string());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut seed = None;
        for (key, rest) in parts {
            match key {
                "a" => a.push(setting(&params_a, model, rest)?),
                "b" => b.push(setting(&params_b, &name_b, rest)?),
                "set" if model_b.is_none() => spec.shared.push(setting(&params_a, model, rest)?),
                "set" => return Err("\"set\" applies to both runs, which are different models here: use a= and b=".into()),
                "seed" => seed = Some(rest.parse().map_err(|_| format!("the seed \"{rest}\" is not a whole number"))?),
                "metric" => spec.metric = Some(decode(rest)),
                "vs" => {}
                "script" => {
                    let file = decode(rest);
                    crate::content::scenario(&file).map_err(|e| e.0)?;
                    spec.script = Some(file);
                }
                other => return Err(format!("unknown compare option \"{other}\"")),
            }
        }
        if !a.is_empty() || !b.is_empty() || model_b.is_some() {
            spec.a = a;
            spec.b = b;
        }
        spec.model_b = model_b;
        spec.seed = match (seed, &spec.script) {
            (Some(s), _) => s,
            (None, Some(f)) => crate::content::scenario(f).map(|s| s.seed).unwrap_or(1),
            (None, None) => 1,
        };
        Ok(spec)
    }

    /// Run B's model.
    pub fn model_of(&self, b: bool) -> &str {
        match (&self.model_b, b) {
            (Some(m), true) => m,
            _ => &self.model,
        }
    }

    /// The query string (without `?`) that [`CompareSpec::parse`] reads back.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        for (name, list) in [("a", &self.a), ("b", &self.b), ("set", &self.shared)] {
            for (k, v) in list {
                parts.push(format!("{name}={k}={}", v.to_text()));
            }
        }
        if let Some(m) = &self.model_b {
            parts.push(format!("vs={m}"));
        }
        if let Some(f) = &self.script {
            parts.push(format!("script={f}"));
        }
        let script_seed = self.script.as_deref().and_then(|f| crate::content::scenario(f).ok()).map_or(1, |s| s.seed);
        if self.seed != script_seed {
            parts.push(format!("seed={}", self.seed));
        }
        if let Some(m) = &self.metric {
            parts.push(format!("metric={m}"));
        }
        parts.join("&")
    }

    /// The route of this comparison.
    pub fn route(&self) -> Route {
        let q = self.to_query();
        Route::Compare { model: self.model.clone(), query: (!q.is_empty()).then_some(q) }
    }

    /// All settings of run A (`false`) or B (`true`).
    pub fn settings(&self, b: bool) -> Vec<(String, Value)> {
        let own = if b { &self.b } else { &self.a };
        let mut out: Vec<(String, Value)> = self.shared.iter().filter(|(k, _)| !own.iter().any(|(o, _)| o == k)).cloned().collect();
        out.extend(own.iter().cloned());
        out
    }

    /// A short description of one run's own settings, e.g. `algorithm = least_connections`.
    pub fn describe(&self, b: bool) -> String {
        let own = if b { &self.b } else { &self.a };
        let settings = own.iter().map(|(k, v)| format!("{k} = {}", v.to_text())).collect::<Vec<_>>().join(", ");
        match (&self.model_b, own.is_empty()) {
            (None, true) => "defaults".into(),
            (None, false) => settings,
            (Some(_), true) => self.model_of(b).to_string(),
            (Some(_), false) => format!("{}, {settings}", self.model_of(b)),
        }
    }

    /// Builds both runs: the same seed and script (the scenario's timeline, or none); each run
    /// its own model and settings. A script command one of the models does not know is an
    /// error naming the run, the timeline entry and the command.
    pub fn build(&self) -> Result<[Box<dyn Lab>; 2], String> {
        let script = match &self.script {
            Some(f) => Some(crate::content::scenario(f).map_err(|e| e.0)?),
            None => None,
        };
        let run = |b: bool| -> Result<Box<dyn Lab>, String> {
            let model = self.model_of(b);
            let (mut settings, timeline) = match &script {
                Some(s) => {
                    let own = if s.model == model { s.settings().map_err(|e| e.0)? } else { Vec::new() };
                    (own, s.actions().map_err(|e| e.0)?)
                }
                None => (Vec::new(), Vec::new()),
            };
            let mine = self.settings(b);
            settings.retain(|(k, _)| !mine.iter().any(|(m, _)| m == k));
            settings.extend(mine);
            models::new_lab(model, &settings, self.seed, timeline).map_err(|e| format!("Run {} ({model}): {e}", if b { "B" } else { "A" }))
        };
        Ok([run(false)?, run(true)?])
    }
}

/// Two runs in lockstep plus playback settings. Takes the same [`LabAction`]s as a lab page;
/// every action goes to both runs.
#[derive(Clone)]
pub struct CompareState {
    /// Runs A and B.
    pub runs: [LabHandle; 2],
    /// Their pictures now.
    pub views: [ViewRef; 2],
    /// Playing or paused.
    pub playing: bool,
    /// Virtual seconds per real second.
    pub speed: f64,
    carry: f64,
    /// Real milliseconds the last frame spent simulating (for the pacer).
    sim_ms: f64,
    /// A message: (is error, text).
    pub notice: Option<(bool, String)>,
    origin: Rc<[Box<dyn Lab>; 2]>,
}

impl PartialEq for CompareState {
    fn eq(&self, o: &Self) -> bool {
        self.runs == o.runs && self.playing == o.playing && self.speed == o.speed && self.notice == o.notice
    }
}

impl CompareState {
    /// A state around two fresh runs.
    pub fn new(labs: [Box<dyn Lab>; 2]) -> CompareState {
        let origin = Rc::new([labs[0].boxed_clone(), labs[1].boxed_clone()]);
        let speed = default_speed(labs[0].info().layout);
        let [a, b] = labs;
        let views = [ViewRef::new(a.view()), ViewRef::new(b.view())];
        let runs = [LabHandle { lab: Rc::new(RefCell::new(a)), version: 0 }, LabHandle { lab: Rc::new(RefCell::new(b)), version: 0 }];
        CompareState { runs, views, playing: false, speed, carry: 0.0, sim_ms: 0.0, notice: None, origin }
    }

    /// Virtual time of run A (B is always at the same time after any action).
    pub fn now(&self) -> Time {
        self.runs[0].lab.borrow().now()
    }

    fn refreshed(&self) -> CompareState {
        let mut next = self.clone();
        for i in 0..2 {
            next.views[i] = ViewRef::new(self.runs[i].lab.borrow().view());
            next.runs[i].version += 1;
        }
        next
    }

    /// Brings run B to run A's time (after A moved on its own).
    fn sync(&self) {
        let t = self.runs[0].lab.borrow().now();
        let mut b = self.runs[1].lab.borrow_mut();
        if b.now() > t {
            b.seek_time(t);
        } else {
            b.run_until(t, u64::MAX);
        }
    }

    /// Applies `f` to both runs.
    fn both(&self, mut f: impl FnMut(&mut dyn Lab) -> Result<(), String>) -> Option<String> {
        let mut err = None;
        for (i, r) in self.runs.iter().enumerate() {
            if let Err(e) = f(r.lab.borrow_mut().as_mut()) {
                err.get_or_insert(format!("Run {}: {e}", if i == 0 { "A" } else { "B" }));
            }
        }
        err
    }
}

/// While playing, least real time between two refreshes of the pictures the canvas views'
/// hidden node lists describe.
const A11Y_MS: f64 = 500.0;

/// Runs both labs forward for one frame, in slices of virtual time so they never drift apart
/// by more than a slice. Each run moves in chunks of events sized to the frame budget (as on
/// the lab page), so a slice crowded with events cannot hold the frame: when the budget runs
/// out mid-slice, the run behind catches up first in the next frame.
pub fn advance_both(a: &mut dyn Lab, b: &mut dyn Lab, speed: f64, frame: Frame, carry: &mut f64) {
    let start = perf_now();
    let over = || perf_now() - start > frame.budget_ms;
    let target = if speed.is_infinite() {
        Time::MAX
    } else {
        let want = frame.elapsed_ms.clamp(0.0, 100.0) * 1000.0 * speed + *carry;
        let whole = want.floor();
        *carry = want - whole;
        a.now().max(b.now()).saturating_add(whole as Time)
    };
    loop {
        let (ta, tb) = (a.now(), b.now());
        let (run, to): (&mut dyn Lab, Time) = if ta < tb {
            (&mut *a, tb)
        } else if tb < ta {
            (&mut *b, ta)
        } else if ta < target {
            (&mut *a, ta.saturating_add(SLICE).min(target))
        } else {
            break;
        };
        let before = run.now();
        if crate::state::run_chunks(run, to, over) {
            *carry = 0.0;
            break;
        }
        if run.now() == before || over() {
            break;
        }
    }
}

impl Reducible for CompareState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let next = match action {
            LabAction::Tick(frame) => {
                if !self.playing {
                    return self;
                }
                let mut carry = self.carry;
                let t0 = perf_now();
                {
                    let mut a = self.runs[0].lab.borrow_mut();
                    let mut b = self.runs[1].lab.borrow_mut();
                    advance_both(a.as_mut(), b.as_mut(), self.speed, frame, &mut carry);
                }
                let sim_ms = perf_now() - t0;
                let mut next = self.refreshed();
                next.carry = carry;
                next.sim_ms = sim_ms;
                next
            }
            LabAction::TogglePlay => CompareState { playing: !self.playing, ..(*self).clone() },
            LabAction::Pause => CompareState { playing: false, ..(*self).clone() },
            LabAction::Step => {
                self.runs[0].lab.borrow_mut().step();
                self.sync();
                CompareState { playing: false, ..self.refreshed() }
            }
            LabAction::StepBack => {
                self.runs[0].lab.borrow_mut().step_back();
                self.sync();
                CompareState { playing: false, ..self.refreshed() }
            }
            LabAction::SeekTime(t) => {
                self.both(|l| {
                    l.seek_time(t);
                    Ok(())
                });
                self.refreshed()
            }
            LabAction::SeekEvent(e) => {
                self.runs[0].lab.borrow_mut().seek_event(e);
                self.sync();
                CompareState { playing: false, ..self.refreshed() }
            }
            LabAction::Speed(s) => CompareState { speed: s, carry: 0.0, ..(*self).clone() },
            LabAction::Reseed(seed) => {
                self.both(|l| {
                    l.reseed(seed);
                    Ok(())
                });
                self.refreshed()
            }
            LabAction::Reset => {
                let mut next = CompareState::new([self.origin[0].boxed_clone(), self.origin[1].boxed_clone()]);
                next.speed = self.speed;
                for (i, r) in next.runs.iter_mut().enumerate() {
                    r.version = self.runs[i].version + 1;
                }
                next
            }
            LabAction::Act(action) => {
                let err = self.both(|l| l.act(action.clone()));
                let mut next = self.refreshed();
                next.notice = err.map(|e| (true, format!("Not done: {e}")));
                next
            }
            LabAction::Restart(_) | LabAction::Load(..) => {
                CompareState { notice: Some((true, "Change the compared settings above instead.".into())), ..(*self).clone() }
            }
            LabAction::Notice(err, text) => CompareState { notice: Some((err, text)), ..(*self).clone() },
            LabAction::Dismiss => CompareState { notice: None, ..(*self).clone() },
        };
        Rc::new(next)
    }
}

/// Draws metric `metric` of both runs on one chart, `css_w` CSS pixels wide.
fn draw(canvas: web_sys::HtmlCanvasElement, labs: [&dyn Lab; 2], metric: [Option<usize>; 2], names: [String; 2], css_w: f64) -> Result<(), String> {
    let sf = surface(canvas, css_w)?;
    let t_end = labs[0].now().max(1) as f64 / 1e6;
    let mut t_start = f64::INFINITY;
    let (mut lo, mut hi) = (0.0f64, f64::NEG_INFINITY);
    for (k, lab) in labs.into_iter().enumerate() {
        let s = lab.samples();
        if let Some(f) = s.front() {
            t_start = t_start.min(f.0 as f64 / 1e6);
        }
        let Some(metric) = metric[k] else { continue };
        // The same thinned points the lines are drawn from.
        for (_, v) in s.iter().step_by(s.len().div_ceil(POINTS_MAX).max(1)) {
            if let Some(&x) = v.get(metric).filter(|x| x.is_finite()) {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    if !t_start.is_finite() || t_start >= t_end {
        t_start = (t_end - 1e-3).max(0.0);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    hi += (hi - lo) * 0.08;
    let mut chart = sf.plot(t_start..t_end.max(t_start + 1e-3), lo..hi)?;
    sf.axes(&mut chart, 6, true, &|x| format!("{x:.1}s"), &|y| if y.abs() >= 1000.0 { format!("{:.1}k", y / 1000.0) } else { format!("{y:.1}") })?;
    for (k, lab) in labs.into_iter().enumerate() {
        let Some(metric) = metric[k] else { continue };
        let c = hex(RUN_COLORS[k]);
        let s = lab.samples();
        let stride = s.len().div_ceil(POINTS_MAX).max(1);
        let points = s.iter().step_by(stride).filter_map(|(t, v)| v.get(metric).filter(|x| x.is_finite()).map(|x| (*t as f64 / 1e6, *x)));
        let style = c.stroke_width(sf.px(if k == 0 { 2.0 } else { 3.0 }));
        let key = sf.px(14.0) as i32;
        chart
            .draw_series(LineSeries::new(points, style))
            .map_err(|e| e.to_string())?
            .label(names[k].clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + key, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(sf.bg.mix(0.85))
        .border_style(sf.grid)
        .label_font(sf.font())
        .draw()
        .map_err(|e| e.to_string())?;
    sf.root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// Decimals that suit a row whose largest magnitude is `m`.
fn decimals(m: f64) -> usize {
    if m >= 100.0 {
        0
    } else if m >= 1.0 {
        2
    } else {
        3
    }
}

fn fmt_num(v: f64, d: usize) -> String {
    if v.is_finite() {
        format!("{v:.d$}")
    } else {
        "–".into()
    }
}

/// Properties of [`ComparePage`].
#[derive(Properties, PartialEq)]
pub struct ComparePageProps {
    /// Model name (known to exist).
    pub model: String,
    /// The route's query, if any.
    #[prop_or_default]
    pub query: Option<String>,
}

fn select_value(e: &Event) -> Option<String> {
    let t = e.target()?;
    if let Some(s) = t.dyn_ref::<web_sys::HtmlSelectElement>() {
        return Some(s.value());
    }
    t.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value())
}

/// A value editor for one parameter kind: a select for choices and switches, a number field
/// otherwise.
fn value_editor(kind: &ParamKind, value: &str, testid: &'static str, label: String, on: Callback<String>) -> Html {
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = select_value(&e) {
            on.emit(v)
        }
    });
    match kind {
        ParamKind::Choice(names) => html! {
            <select data-testid={testid} aria-label={label} {onchange}>
                { for names.iter().map(|n| html! { <option value={*n} selected={*n == value}>{ *n }</option> }) }
            </select>
        },
        ParamKind::Bool => html! {
            <select data-testid={testid} aria-label={label} {onchange}>
                <option value="false" selected={value == "false"}>{"off"}</option>
                <option value="true" selected={value == "true"}>{"on"}</option>
            </select>
        },
        ParamKind::Int { min, max } => html! {
            <input type="number" data-testid={testid} aria-label={label} min={min.to_string()} max={max.to_string()} step="1" value={value.to_string()} {onchange} />
        },
        ParamKind::Float { min, max } => html! {
            <input type="number" data-testid={testid} aria-label={label} min={min.to_string()} max={max.to_string()} step="any" value={value.to_string()} {onchange} />
        },
    }
}

/// The lab whose content a compare query's `script=` needs (the last `script=` counts, as in
/// [`CompareSpec::parse`]), if that lab has content in this build.
pub fn script_lab(query: Option<&str>) -> Option<String> {
    let file = query?.split('&').filter_map(|kv| kv.strip_prefix("script=")).next_back().map(decode)?;
    crate::content::index(crate::content::lab_of_scenario(&file)).map(|i| i.lab.to_string())
}

/// The compare page. A `script=` first loads its lab's content (fetched on first use, then kept
/// for the session): meanwhile a busy placeholder; if it cannot be loaded, the default
/// comparison runs and says why, with a retry.
#[component]
pub fn ComparePage(p: &ComparePageProps) -> Html {
    let (loaded, retry) = crate::content::use_lab_content(script_lab(p.query.as_deref()));
    let (model, query) = (p.model.clone(), p.query.clone());
    match loaded {
        None | Some(crate::content::Loaded::Ready(_)) => html! { <CompareView key="ready" {model} {query} /> },
        Some(crate::content::Loaded::Failed(why)) => html! { <CompareView key="failed" {model} {query} unavailable={Some((AttrValue::from(why), retry))} /> },
        Some(crate::content::Loaded::Pending) => super::lab_page::loading(&Route::Compare { model, query }),
    }
}

/// Properties of [`CompareView`].
#[derive(Properties, PartialEq)]
struct CompareViewProps {
    model: String,
    #[prop_or_default]
    query: Option<String>,
    /// Why the script's content could not be loaded, and a retry.
    #[prop_or_default]
    unavailable: Option<(AttrValue, Callback<()>)>,
}

/// The compare page proper, once the script's content is settled.
#[component]
fn CompareView(p: &CompareViewProps) -> Html {
    let spec_init = {
        let (model, query) = (p.model.clone(), p.query.clone());
        use_memo((model, query), |(m, q)| match CompareSpec::parse(m, q.as_deref()) {
            Ok(s) => (s, None),
            Err(e) => (CompareSpec::default_for(m).unwrap_or(CompareSpec { model: m.clone(), seed: 1, shared: vec![], a: vec![], b: vec![], metric: None, model_b: None, script: None }), Some(e)),
        })
    };
    let (spec, spec_err) = (*spec_init).clone();
    let state = {
        let spec = spec.clone();
        use_reducer(move || {
            let (labs, err) = match spec.build() {
                Ok(l) => (l, spec_err),
                Err(e) => {
                    let d = CompareSpec::default_for(&spec.model).and_then(|d| d.build());
                    (d.expect("catalogued models build with defaults"), Some(e))
                }
            };
            let mut st = CompareState::new(labs);
            st.notice = err.map(|e| (true, format!("{e} Showing the default comparison instead.")));
            st.playing = !crate::util::reduced_motion();
            st
        })
    };
    let dispatch = {
        let d = state.dispatcher();
        Callback::from(move |a: LabAction| d.dispatch(a))
    };
    // The animation loop, paced like the lab page's. Its one heavy panel is the chart, redrawn
    // every REDRAW_MS while playing: the frames that redraw it are planned, so the pacer
    // leaves them more room.
    let rendered = use_memo((), |_| Rc::new(Cell::new(Rendered::default())));
    rendered.set(Rendered { panel: None, sim_ms: state.sim_ms });
    let last_draw = use_mut_ref(|| f64::NEG_INFINITY);
    {
        let d = state.dispatcher();
        let last = last_draw.clone();
        let plan: PlanFn = Rc::new(move |now| (now - *last.borrow() >= REDRAW_MS).then_some(0));
        use_paced_frames(state.playing, &["chart"], plan, (*rendered).clone(), Callback::from(move |f: Frame| d.dispatch(LabAction::Tick(f))));
    }
    let selected = use_state(|| None::<(usize, NodeId)>);
    let hover = use_state(|| None::<distlab_core::MsgId>);

    // Metrics for the chart and the table: run A's, then run B's that A lacks, matched by name.
    let lab_a = state.runs[0].lab.borrow();
    let metrics_b = state.runs[1].lab.borrow().metrics();
    let mut metrics: Vec<distlab_core::MetricInfo> = lab_a.metrics().to_vec();
    metrics.extend(metrics_b.iter().filter(|m| !metrics.iter().any(|x| x.name == m.name)).copied().collect::<Vec<_>>());
    let index_in = |list: &[distlab_core::MetricInfo], i: usize| metrics.get(i).and_then(|m| list.iter().position(|x| x.name == m.name));
    let metric_index = |i: usize| [index_in(lab_a.metrics(), i), index_in(metrics_b, i)];
    let default_metric = spec
        .metric
        .as_deref()
        .and_then(|m| metrics.iter().position(|x| x.name == m))
        .or_else(|| metrics.iter().position(|x| x.name.contains("p99")))
        .unwrap_or(0);
    let metric = use_state(|| default_metric);
    let metric_i = (*metric).min(metrics.len().saturating_sub(1));
    let names = [format!("A: {}", spec.describe(false)), format!("B: {}", spec.describe(true))];

    let canvas = use_node_ref();
    let chart_width = use_mut_ref(|| (0.0, f64::NEG_INFINITY));
    {
        let canvas = canvas.clone();
        let runs = state.runs.clone();
        let playing = state.playing;
        let names = names.clone();
        let (last_draw, rendered, width) = (last_draw.clone(), (*rendered).clone(), chart_width.clone());
        let idx = metric_index(metric_i);
        use_effect_with((state.runs.clone(), metric_i, playing), move |_| {
            let now = perf_now();
            if !playing || now - *last_draw.borrow() >= REDRAW_MS {
                *last_draw.borrow_mut() = now;
                rendered.set(Rendered { panel: Some(0), ..rendered.get() });
                if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                    let (a, b) = (runs[0].lab.borrow(), runs[1].lab.borrow());
                    if idx.iter().any(Option::is_some) {
                        let w = css_width(&c, playing, &mut width.borrow_mut());
                        let _ = draw(c, [a.as_ref(), b.as_ref()], idx, names, w);
                    }
                }
            }
        });
    }

    // The setting editor: which parameter differs, and its value in each run.
    let params = lab_a.params();
    let draft = use_state(|| spec.clone());
    let diff_key = draft.a.first().or(draft.b.first()).map(|(k, _)| k.clone()).unwrap_or_default();
    let param = params.iter().find(|p| p.key == diff_key).cloned();
    let value_of = |list: &Vec<(String, Value)>| list.iter().find(|(k, _)| *k == diff_key).map(|(_, v)| v.to_text()).or_else(|| param.as_ref().map(|p| p.value.to_text())).unwrap_or_default();
    let on_key = {
        let draft = draft.clone();
        let params = params.clone();
        Callback::from(move |e: Event| {
            let Some(k) = select_value(&e) else { return };
            let Some(p) = params.iter().find(|p| p.key == k) else { return };
            let mut d = (*draft).clone();
            let other = match (&p.kind, &p.value) {
                (ParamKind::Choice(n), Value::Text(t)) => {
                    let i = n.iter().position(|x| x == t).unwrap_or(0);
                    Value::Text(n[(i + 1) % n.len()].to_string())
                }
                (_, Value::Bool(v)) => Value::Bool(!v),
                (ParamKind::Int { max, .. }, Value::Num(v)) => Value::Num((v * 2.0).min(*max as f64).max(*v + 1.0).min(*max as f64)),
                (ParamKind::Float { max, .. }, Value::Num(v)) => Value::Num((v * 2.0).min(*max)),
                (_, v) => v.clone(),
            };
            d.a = vec![(k.clone(), p.value.clone())];
            d.b = vec![(k, other)];
            draft.set(d);
        })
    };
    let on_val = |b: bool| {
        let draft = draft.clone();
        let param = param.clone();
        Callback::from(move |text: String| {
            let Some(p) = &param else { return };
            if let Ok(v) = parse_value(&p.kind, &text) {
                let mut d = (*draft).clone();
                let list = if b { &mut d.b } else { &mut d.a };
                list.retain(|(k, _)| k != p.key);
                list.push((p.key.to_string(), v));
                draft.set(d);
            }
        })
    };
    let on_apply = {
        let draft = draft.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            go(&draft.route().to_hash());
        })
    };
    let editor = if spec.model_b.is_some() {
        // Two models: their settings differ wholesale, so there is no one setting to edit.
        html! { <p class="compare-editor" data-testid="compare-models">{ format!("Run A: {} · Run B: {}{}", spec.describe(false), spec.describe(true),
            spec.script.as_deref().map(|f| format!(" · script: {f}")).unwrap_or_default()) }</p> }
    } else { html! {
        <form class="compare-editor" onsubmit={on_apply}>
            <label>{"Setting "}
                <select data-testid="compare-param" onchange={on_key}>
                    { for params.iter().map(|p| html! { <option value={p.key} selected={p.key == diff_key} title={p.help}>{ p.label }</option> }) }
                </select>
            </label>
            if let Some(p) = &param {
                <label class="run-a">{"A "}{ value_editor(&p.kind, &value_of(&draft.a), "compare-a", format!("{} in run A", p.label), on_val(false)) }</label>
                <label class="run-b">{"B "}{ value_editor(&p.kind, &value_of(&draft.b), "compare-b", format!("{} in run B", p.label), on_val(true)) }</label>
            }
            <button type="submit" data-testid="compare-apply" title="Restart both runs with these settings">{"Compare"}</button>
        </form>
    } };

    // Latest values side by side.
    let lab_b = state.runs[1].lab.borrow();
    let latest = |lab: &dyn Lab, i: Option<usize>| i.and_then(|i| lab.samples().back().and_then(|s| s.1.get(i).copied())).unwrap_or(f64::NAN);
    let rows = metrics.iter().enumerate().map(|(i, m)| {
        let [ia, ib] = metric_index(i);
        let (va, vb) = (latest(lab_a.as_ref(), ia), latest(lab_b.as_ref(), ib));
        let diff = vb - va;
        let d = decimals(va.abs().max(vb.abs()).max(0.0));
        html! {
            <tr data-testid={format!("compare-row-{}", m.name)} data-a={va.to_string()} data-b={vb.to_string()} class={classes!((i == metric_i).then_some("current"))}>
                <th scope="row">{ m.label }<small>{ format!(" {}", m.unit) }</small></th>
                <td class="run-a">{ fmt_num(va, d) }</td>
                <td class="run-b">{ fmt_num(vb, d) }</td>
                <td>{ if diff.is_finite() { format!("{}{}", if diff > 0.0 { "+" } else { "" }, fmt_num(diff, d)) } else { "–".into() } }</td>
            </tr>
        }
    });
    let on_metric = {
        let metric = metric.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e).and_then(|v| v.parse().ok()) {
                metric.set(v)
            }
        })
    };

    let info = lab_a.info();
    let on_hover = {
        let hover = hover.clone();
        Callback::from(move |m| hover.set(m))
    };
    let close = {
        let selected = selected.clone();
        Callback::from(move |_| selected.set(None))
    };
    // Callbacks that stay the same between frames, so each canvas view's hidden node list is
    // not rebuilt every frame; and the pictures that list describes, refreshed a few times a
    // second while playing.
    let on_nodes = {
        let toggle = |k: usize| {
            let set = selected.setter();
            move |n: NodeId, sel: &Option<(usize, NodeId)>| set.set(if *sel == Some((k, n)) { None } else { Some((k, n)) })
        };
        [use_callback(*selected, toggle(0)), use_callback(*selected, toggle(1))]
    };
    let on_partition = {
        let d = state.dispatcher();
        use_callback((), move |a: Action, _| d.dispatch(LabAction::Act(a)))
    };
    let a11y = use_mut_ref(|| (f64::NEG_INFINITY, state.views.clone()));
    {
        let mut a = a11y.borrow_mut();
        let now = perf_now();
        if !state.playing || now - a.0 >= A11Y_MS || !Rc::ptr_eq(&a.1[0].0, &state.views[0].0) && a.1[0].event > state.views[0].event {
            *a = (now, state.views.clone());
        }
    }
    let side = |k: usize| {
        let lab = state.runs[k].lab.borrow();
        let view = state.views[k].clone();
        let on_node = on_nodes[k].clone();
        let on_drop = {
            let d = dispatch.clone();
            Callback::from(move |m| d.emit(LabAction::Act(Action::Drop(m))))
        };
        let sel = selected.filter(|s| s.0 == k).map(|s| s.1);
        let menu = sel.and_then(|n| view.nodes.get(n as usize).cloned()).map(|node| {
            let commands = lab.node_commands(node.id);
            let byzantine = lab.byzantine_modes(node.id);
            html! { <NodeMenu {node} {commands} {byzantine} on_action={dispatch.clone()} on_close={close.clone()} /> }
        });
        let which = if k == 0 { "a" } else { "b" };
        html! {
            <section class={classes!("panel", "compare-run", format!("run-{which}"))} data-testid={format!("compare-run-{which}")}
                data-hash={format!("{:016x}", lab.trace_hash())} data-seed={lab.seed().to_string()}
                aria-label={format!("Run {}", which.to_uppercase())}>
                <h2><span class="swatch" style={format!("background:{}", RUN_COLORS[k])}></span>{ names[k].clone() }</h2>
                <Cluster view={view.clone()} layout={info.layout} compact={true} hover={*hover} on_hover={on_hover.clone()}
                    on_node={on_node} on_drop={on_drop} selected={sel} overlay={menu.unwrap_or_default()}
                    on_partition={Some(on_partition.clone())} a11y={Some(a11y.borrow().1[k].clone())} />
                <p class="hint">{ format!("{} events · {} in flight · {} violations", lab.events(), lab.in_flight(), lab.violations().len()) }</p>
                // Each run's own pictures (key spaces, grids, lists), redrawn only when they change.
                <div class="compare-figures">
                    <Figures view={view} id_prefix={if k == 0 { "a-" } else { "b-" }} label_suffix={if k == 0 { " (run A)" } else { " (run B)" }} />
                </div>
            </section>
        }
    };
    let notice = match &p.unavailable {
        // The script's lab content did not load: that, with a retry, rather than the spec error.
        Some((why, retry)) => Some(super::lab_page::unavailable(&Route::Compare { model: p.model.clone(), query: p.query.clone() }, why, retry.clone())),
        None => state.notice.clone().map(|notice| super::notice::banner(notice, dispatch.reform(|_| LabAction::Dismiss))),
    };
    let view_a = state.views[0].clone();
    let horizon = lab_a.horizon().1;
    html! {
        <div class="compare-page" data-testid="compare" data-model={info.name}>
            <div class="lab-head">
                <div>
                    <h1>{ match &spec.model_b {
                        Some(_) => format!("Compare: {} and {}", info.title, lab_b.info().title),
                        None => format!("Compare: {}", info.title),
                    } }</h1>
                    if spec.model_b.is_some() {
                        <p class="pitch">{ format!("One seed ({}), one script, two models. Faults, commands and partitions you apply go to both runs.", spec.seed) }</p>
                    } else {
                    <p class="pitch">{ format!("One seed ({}), one workload{}, one difference. Faults, commands and partitions you apply go to both runs.", spec.seed,
                        if spec.shared.is_empty() { String::new() } else { format!(" ({})", spec.shared.iter().map(|(k, v)| format!("{k} = {}", v.to_text())).collect::<Vec<_>>().join(", ")) }) }</p>
                    }
                </div>
                <a class="button" href={Route::Lab { model: info.name.into(), share: None }.to_hash()} data-testid="compare-back">{"Back to the lab"}</a>
            </div>
            { editor }
            { notice }
            <Controls playing={state.playing} now={view_a.time} events={view_a.event} {horizon} speed={state.speed} seed={lab_a.seed()} history={lab_a.history_size()} on_action={dispatch.clone()} />
            <div class="compare-grid">
                { side(0) }
                { side(1) }
            </div>
            <div class="compare-lower">
                <section class="panel">
                    <h2>{"Both runs over time"}</h2>
                    if !metrics.is_empty() {
                        <label>{"Metric "}
                            <select data-testid="compare-metric" onchange={on_metric}>
                                { for metrics.iter().enumerate().map(|(i, m)| html! { <option value={i.to_string()} selected={i == metric_i}>{ format!("{} ({})", m.label, m.unit) }</option> }) }
                            </select>
                        </label>
                    }
                    <canvas ref={canvas} width="640" height="240" data-testid="compare-chart" role="img"
                        aria-label={format!("{} over time in run A (blue) and run B (orange)", metrics.get(metric_i).map_or("", |m| m.label))}></canvas>
                </section>
                <section class="panel">
                    <h2>{"Latest values"}</h2>
                    <table class="compare-table" data-testid="compare-table">
                        <thead><tr><th scope="col">{"Metric"}</th><th scope="col" class="run-a">{"A"}</th><th scope="col" class="run-b">{"B"}</th><th scope="col">{"B − A"}</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </section>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::CompareSpec;

    #[test]
    fn two_models_on_one_script() {
        let s = CompareSpec::parse("raft", Some("vs=paxos&script=raft-minority-partition.json")).expect("parses");
        assert_eq!((s.model_of(false), s.model_of(true)), ("raft", "paxos"));
        assert!(s.a.is_empty() && s.b.is_empty(), "no setting differs: the models do");
        assert_eq!(s.seed, 5, "the script's seed");
        assert_eq!(CompareSpec::parse("raft", Some(&s.to_query())).unwrap(), s);
        let [a, b] = s.build().expect("both models know every command of the script");
        assert_eq!((a.info().name, b.info().name), ("raft", "paxos"));
        assert_eq!(a.actions(), b.actions(), "one script");
        assert_eq!(s.describe(true), "paxos");
        // Settings are checked against each run's own model.
        assert!(CompareSpec::parse("raft", Some("vs=paxos&b=q1=3")).is_ok());
        assert!(CompareSpec::parse("raft", Some("vs=paxos&b=servers=3")).unwrap_err().contains("paxos has no setting"));
        assert!(CompareSpec::parse("raft", Some("vs=paxos&set=servers=3")).is_err());
        assert!(CompareSpec::parse("raft", Some("vs=nope")).unwrap_err().contains("unknown model"));
        assert!(CompareSpec::parse("raft", Some("script=nope.json")).unwrap_err().contains("nope.json"));
        // A script with a command the other model lacks is refused, naming it.
        let e = CompareSpec::parse("raft", Some("vs=paxos&script=raft-membership.json")).unwrap().build().err().expect("refused");
        assert!(e.contains("Run B (paxos)") && e.contains("timeline"), "{e}");
    }
}
