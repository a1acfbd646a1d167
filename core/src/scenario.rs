//! Scenario files: a model, its settings, a seed, a timeline of actions, and expectations.
//!
//! The same type serves scenario files in `content/scenarios/`, lesson steps, challenges, the
//! command-line runner, tests and share links. The format is JSON; durations are written as
//! strings with a unit (`"150ms"`, `"2s"`, `"300us"`) or as whole microseconds.
//!
//! ```json
//! {
//!   "model": "raft",
//!   "title": "Leader crash",
//!   "seed": 7,
//!   "config": { "servers": 5 },
//!   "run_for": "5s",
//!   "timeline": [
//!     { "at": "1s", "do": "request", "node": 0, "arg": "x=1" },
//!     { "at": "2s", "do": "crash", "node": 0 },
//!     { "at": "2s", "do": "partition", "groups": [[1, 2], [3, 4]] }
//!   ],
//!   "expect": [
//!     { "by": "1s", "query": "leaders", "eq": 1 },
//!     { "no_violations": true }
//!   ]
//! }
//! ```
//!
//! Parsing never panics: every error names the line and column, or the field (`timeline[2].node`),
//! and what was expected.

use crate::action::{Action, TimedAction};
use crate::lab::Lab;
use crate::net::LinkConfig;
use crate::time::{fmt_time, parse_duration, Time};
use crate::view::Value;
use crate::NodeId;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest scenario accepted, in bytes (files, imports, inflated share links).
pub const SCENARIO_BYTES_MAX: usize = 1 << 20;
/// Most timeline entries accepted.
pub const TIMELINE_MAX: usize = 100_000;
/// The most virtual time a scenario may cover: its `run_for`, and every other time or
/// duration in it (timeline entries, expectations, link latencies). A day of virtual time is
/// far more than any lesson needs and still finishes; without a bound a typo such as
/// `"run_for": 1000000000000000000` would make the runner (or a browser tab) run forever.
pub const RUN_FOR_MAX: Time = 24 * 3600 * crate::SEC;

/// A duration or time in a scenario: `"150ms"`, `"1.5s"`, `"300us"`, or microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur(pub Time);

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let text = if t % crate::SEC == 0 {
            format!("{}s", t / crate::SEC)
        } else if t % crate::MS == 0 {
            format!("{}ms", t / crate::MS)
        } else {
            format!("{t}us")
        };
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a duration such as \"150ms\", \"2s\", \"300us\" or a whole number of microseconds")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dur, E> {
                capped(v)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dur, E> {
                u64::try_from(v).map_err(|_| E::custom("a duration cannot be negative")).and_then(capped)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dur, E> {
                match parse_duration(v) {
                    Some(t) => capped(t),
                    None => Err(E::custom(format!("\"{v}\" is not a duration (use e.g. \"150ms\", \"2s\", \"300us\", at most \"86400s\")"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration read from a scenario, refused past [`RUN_FOR_MAX`]; the caller's error names the
/// field (`run_for`, `timeline[3].at`, ...).
fn capped<E: serde::de::Error>(t: Time) -> Result<Dur, E> {
    if t > RUN_FOR_MAX {
        return Err(E::custom(format!(
            "{} is longer than the {} h ({} s) of virtual time a scenario may cover",
            fmt_time(t),
            RUN_FOR_MAX / (3600 * crate::SEC),
            RUN_FOR_MAX / crate::SEC
        )));
    }
    Ok(Dur(t))
}

/// A whole scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Model name, e.g. "raft".
    pub model: String,
    /// Title for lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it shows, in a sentence or two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Random seed.
    #[serde(default)]
    pub seed: u64,
    /// Model settings, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, serde_json::Value>,
    /// How long the runner simulates (default: just past the last timeline entry, at least 10 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_for: Option<Dur>,
    /// Actions at times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Step>,
    /// What must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expect>,
}

/// One timeline entry. `do` names the action; which other fields it needs depends on it:
///
/// | `do` | fields |
/// |---|---|
/// | `crash`, `restart`, `pause`, `resume`, `isolate` | `node` |
/// | `slow` | `node`, `factor` (1 = normal) |
/// | `byzantine` | `node`, `on` (the kernel's switch); or `node`, `arg` (a mode the model names) |
/// | `partition` | `groups` (lists of node ids) |
/// | `heal` | — |
/// | `cut`, `uncut` | `from`, `to` (one direction) |
/// | `link` | `from`, `to`, and any of the link fields |
/// | `net` | any of the link fields (all links without an override) |
/// | `drop` | `msg` |
/// | `set` | `key`, `value` |
/// | `add_node` | — |
/// | `manual` | — (from then on messages and timers wait for `deliver` and `fire`) |
/// | `deliver`, `duplicate` | `msg` |
/// | `fire` | `node`, `timer` (the id the kernel gave the timer when it was armed) |
/// | anything else | a model command: `node`, optional `arg` |
///
/// Link fields: `latency_min`, `latency_max`, `loss`, `duplicate`, `reorder`, `reorder_delay`;
/// unspecified ones take the defaults (2–6 ms, no loss).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When.
    pub at: Dur,
    /// What (see the table).
    #[serde(rename = "do")]
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub node: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub arg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub factor: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub on: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub groups: Option<Vec<Vec<NodeId>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub from: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub to: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub msg: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub timer: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub latency_min: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub latency_max: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub duplicate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub reorder: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub reorder_delay: Option<Dur>,
}

/// One expectation. Exactly one subject: `query` (a model query), `metric` (a metric series),
/// `no_violations`, or `violation` (an invariant that must be caught). For a query, the timing
/// is one of `at` (at that time), `by` (at some moment up to then), `always` (after every event,
/// within `from`..`to` if given) or none (at the end). For a metric, every sample within
/// `from`..`to` must satisfy the comparison. Comparisons: `eq`, `ne`, `lt`, `le`, `gt`, `ge`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_violations: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ne: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ge: Option<f64>,
}

/// A scenario that could not be read or built. The message names the place and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl core::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ScenarioError {}

fn err<T>(text: String) -> Result<T, ScenarioError> {
    Err(ScenarioError(text))
}

impl Scenario {
    /// Parses scenario JSON. Errors give line, column and field path.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > SCENARIO_BYTES_MAX {
            return err(format!("scenario is {} bytes; the limit is {SCENARIO_BYTES_MAX}", text.len()));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (line, col) = (inner.line(), inner.column());
            // serde_json puts " at line L column C" at the end of its messages; we say it first.
            let mut msg = inner.to_string();
            if let Some(cut) = msg.rfind(" at line ") {
                msg.truncate(cut);
            }
            if path.is_empty() || path == "." {
                ScenarioError(format!("line {line}, column {col}: {msg}"))
            } else {
                ScenarioError(format!("line {line}, column {col}: `{path}`: {msg}"))
            }
        })?;
        if scenario.timeline.len() > TIMELINE_MAX {
            return err(format!("`timeline` has {} entries; the limit is {TIMELINE_MAX}", scenario.timeline.len()));
        }
        Ok(scenario)
    }

    /// Serialises to pretty JSON (for export).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The settings as kernel values; the error names the setting.
    pub fn settings(&self) -> Result<Vec<(String, Value)>, ScenarioError> {
        self.config
            .iter()
            .map(|(k, v)| json_to_value(v).map(|v| (k.clone(), v)).map_err(|e| ScenarioError(format!("`config.{k}`: {e}"))))
            .collect()
    }

    /// The timeline as kernel actions; the error names the entry and field.
    pub fn actions(&self) -> Result<Vec<TimedAction>, ScenarioError> {
        self.timeline
            .iter()
            .enumerate()
            .map(|(i, s)| s.to_action().map(|action| TimedAction { at: s.at.0, action }).map_err(|e| ScenarioError(format!("`timeline[{i}]`: {e}"))))
            .collect()
    }

    /// Builds a run (all settings and actions validated).
    pub fn build(&self) -> Result<Box<dyn Lab>, ScenarioError> {
        let settings = self.settings()?;
        let actions = self.actions()?;
        crate::models::new_lab(&self.model, &settings, self.seed, actions).map_err(|e| {
            if e.starts_with("unknown model") {
                ScenarioError(format!("`model`: {e}"))
            } else if e.starts_with("timeline[") {
                ScenarioError(format!("`{}", e.replacen(']', "]`", 1)))
            } else {
                ScenarioError(format!("`config`: {e}"))
            }
        })
    }

    /// The scenario of a run as it stands: its model, settings, seed and action script.
    pub fn of_lab(lab: &dyn Lab) -> Scenario {
        Scenario::of_run(lab.info().name, lab.seed(), lab.params(), lab.actions())
    }

    /// The scenario of a run given by its parts: the model's name, the seed, the settings it
    /// started with and its action script (sorted by time). For code that has a model but no
    /// [`Lab`] (the model checker's worker builds none, so no lab's drawing code ships in it).
    pub fn of_run(model: &str, seed: u64, params: Vec<crate::view::Param>, actions: &[TimedAction]) -> Scenario {
        let config = params.into_iter().map(|p| (p.key.to_string(), value_to_json(&p.value))).collect();
        Scenario { model: model.into(), seed, config, timeline: actions.iter().map(Step::from_action).collect(), ..Scenario::default() }
    }

    /// How long the runner simulates.
    pub fn duration(&self) -> Time {
        if let Some(d) = self.run_for {
            return d.0;
        }
        let last = self.timeline.iter().map(|s| s.at.0).max().unwrap_or(0);
        let last_expect = self.expect.iter().filter_map(|e| e.at.or(e.by).or(e.to)).map(|d| d.0).max().unwrap_or(0);
        (last.max(last_expect) + 2 * crate::SEC).max(10 * crate::SEC)
    }
}

fn json_to_value(v: &serde_json::Value) -> Result<Value, String> {
    match v {
        serde_json::Value::Bool(b) => Ok(Value::Bool(*b)),
        serde_json::Value::Number(n) => n.as_f64().map(Value::Num).ok_or_else(|| "number out of range".into()),
        serde_json::Value::String(s) => Ok(Value::Text(s.clone())),
        other => Err(format!("expected a number, true/false or a name in quotes, got {other}")),
    }
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Num(n) if *n == libm::trunc(*n) && n.abs() < 9e15 => serde_json::Value::from(*n as i64),
        Value::Num(n) => serde_json::Number::from_f64(*n).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null),
        Value::Text(t) => serde_json::Value::String(t.clone()),
    }
}

impl Step {
    fn need<T: Copy>(v: Option<T>, field: &str, what: &str) -> Result<T, String> {
        v.ok_or_else(|| format!("`{field}` is required for \"{what}\""))
    }

    fn link(&self) -> Result<LinkConfig, String> {
        let d = LinkConfig::default();
        let c = LinkConfig {
            latency_min: self.latency_min.map_or(d.latency_min, |x| x.0),
            latency_max: self.latency_max.map_or(d.latency_max.max(self.latency_min.map_or(0, |x| x.0)), |x| x.0),
            loss: self.loss.unwrap_or(d.loss),
            duplicate: self.duplicate.unwrap_or(d.duplicate),
            reorder: self.reorder.unwrap_or(d.reorder),
            reorder_delay: self.reorder_delay.map_or(d.reorder_delay, |x| x.0),
        };
        c.validate()?;
        Ok(c)
    }

    /// Converts to a kernel action; the error names the missing or bad field.
    pub fn to_action(&self) -> Result<Action, String> {
        let w = self.what.as_str();
        let node = || Self::need(self.node, "node", w);
        Ok(match w {
            "crash" => Action::Crash(node()?),
            "restart" => Action::Restart(node()?),
            "pause" => Action::Pause(node()?),
            "resume" => Action::Resume(node()?),
            "isolate" => Action::Isolate(node()?),
            "slow" => Action::Slow(node()?, Self::need(self.factor, "factor", w)?),
            // With a mode name, the model command that sets the mode (see `ByzantineMode`).
            "byzantine" if self.arg.is_some() => Action::Command { node: node()?, name: w.into(), arg: self.arg.clone().unwrap_or_default() },
            "byzantine" => Action::Byzantine(node()?, self.on.unwrap_or(true)),
            "partition" => Action::Partition(self.groups.clone().ok_or_else(|| String::from("`groups` is required for \"partition\""))?),
            "heal" => Action::Heal,
            "cut" => Action::Cut(Self::need(self.from, "from", w)?, Self::need(self.to, "to", w)?),
            "uncut" => Action::Uncut(Self::need(self.from, "from", w)?, Self::need(self.to, "to", w)?),
            "link" => Action::Link(Self::need(self.from, "from", w)?, Self::need(self.to, "to", w)?, self.link()?),
            "net" => Action::Net(self.link()?),
            "drop" => Action::Drop(Self::need(self.msg, "msg", w)?),
            "set" => {
                let key = self.key.clone().ok_or_else(|| String::from("`key` is required for \"set\""))?;
                let value = self.value.as_ref().ok_or_else(|| String::from("`value` is required for \"set\""))?;
                Action::Set(key, json_to_value(value).map_err(|e| format!("`value`: {e}"))?)
            }
            "add_node" => Action::AddNode,
            "manual" => Action::Manual,
            "deliver" => Action::Deliver(Self::need(self.msg, "msg", w)?),
            "duplicate" => Action::Duplicate(Self::need(self.msg, "msg", w)?),
            "fire" => Action::Fire(node()?, Self::need(self.timer, "timer", w)?),
            "" => return Err("`do` must name an action".into()),
            name => Action::Command { node: node()?, name: name.into(), arg: self.arg.clone().unwrap_or_default() },
        })
    }

    /// The timeline entry for a kernel action.
    pub fn from_action(a: &TimedAction) -> Step {
        let mut s = Step { at: Dur(a.at), ..Step::default() };
        let link = |s: &mut Step, c: &LinkConfig| {
            s.latency_min = Some(Dur(c.latency_min));
            s.latency_max = Some(Dur(c.latency_max));
            s.loss = Some(c.loss);
            s.duplicate = Some(c.duplicate);
            s.reorder = Some(c.reorder);
            s.reorder_delay = Some(Dur(c.reorder_delay));
        };
        s.what = match &a.action {
            Action::Crash(n) => { s.node = Some(*n); "crash" }
            Action::Restart(n) => { s.node = Some(*n); "restart" }
            Action::Pause(n) => { s.node = Some(*n); "pause" }
            Action::Resume(n) => { s.node = Some(*n); "resume" }
            Action::Isolate(n) => { s.node = Some(*n); "isolate" }
            Action::Slow(n, k) => { s.node = Some(*n); s.factor = Some(*k); "slow" }
            Action::Byzantine(n, on) => { s.node = Some(*n); s.on = Some(*on); "byzantine" }
            Action::Partition(g) => { s.groups = Some(g.clone()); "partition" }
            Action::Heal => "heal",
            Action::Cut(a, b) => { s.from = Some(*a); s.to = Some(*b); "cut" }
            Action::Uncut(a, b) => { s.from = Some(*a); s.to = Some(*b); "uncut" }
            Action::Link(a, b, c) => { s.from = Some(*a); s.to = Some(*b); link(&mut s, c); "link" }
            Action::Net(c) => { link(&mut s, c); "net" }
            Action::Drop(m) => { s.msg = Some(*m); "drop" }
            Action::Set(k, v) => { s.key = Some(k.clone()); s.value = Some(value_to_json(v)); "set" }
            Action::AddNode => "add_node",
            Action::Manual => "manual",
            Action::Deliver(m) => { s.msg = Some(*m); "deliver" }
            Action::Duplicate(m) => { s.msg = Some(*m); "duplicate" }
            Action::Fire(n, t) => { s.node = Some(*n); s.timer = Some(*t); "fire" }
            Action::Command { node, name, arg } => {
                s.node = Some(*node);
                if !arg.is_empty() {
                    s.arg = Some(arg.clone());
                }
                s.what = name.clone();
                return s;
            }
        }
        .into();
        s
    }
}

/// The result of checking one expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// What was expected, in words.
    pub what: String,
    /// Whether it held.
    pub passed: bool,
    /// What was observed.
    pub observed: String,
}

/// What running a scenario found.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// One line per expectation.
    pub outcomes: Vec<Outcome>,
    /// Every violation: (invariant, time, detail).
    pub violations: Vec<(String, Time, String)>,
    /// Events processed.
    pub events: u64,
    /// Final time.
    pub time: Time,
    /// Trace hash.
    pub trace_hash: u64,
}

impl Report {
    /// Whether every expectation held (and, when there are none, no invariant was violated).
    pub fn passed(&self) -> bool {
        if self.outcomes.is_empty() {
            self.violations.is_empty()
        } else {
            self.outcomes.iter().all(|o| o.passed)
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Cmp::Eq => x == bound,
            Cmp::Ne => x != bound,
            Cmp::Lt => x < bound,
            Cmp::Le => x <= bound,
            Cmp::Gt => x > bound,
            Cmp::Ge => x >= bound,
        }
    }
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "≠",
            Cmp::Lt => "<",
            Cmp::Le => "≤",
            Cmp::Gt => ">",
            Cmp::Ge => "≥",
        }
    }
}

#[derive(Clone, Debug)]
enum Check {
    QueryAt(String, Time, Cmp, f64),
    QueryBy(String, Time, Cmp, f64),
    QueryAlways(String, Time, Time, Cmp, f64),
    QueryEnd(String, Cmp, f64),
    Metric(usize, Time, Time, Cmp, f64),
    NoViolations,
    Violation(String),
}

/// An expectation compiled against a model, ready to be evaluated as a run progresses.
#[derive(Clone, Debug)]
pub struct Goal {
    check: Check,
    /// Text for the report.
    pub what: String,
    state: Option<bool>,
    observed: Option<f64>,
}

impl Expect {
    fn comparison(&self) -> Result<(Cmp, f64), String> {
        let all = [(Cmp::Eq, self.eq), (Cmp::Ne, self.ne), (Cmp::Lt, self.lt), (Cmp::Le, self.le), (Cmp::Gt, self.gt), (Cmp::Ge, self.ge)];
        let mut given = all.iter().filter_map(|(c, v)| v.map(|v| (*c, v)));
        match (given.next(), given.next()) {
            (Some(one), None) => Ok(one),
            (None, _) => Err("give one comparison: eq, ne, lt, le, gt or ge".into()),
            (Some(_), Some(_)) => Err("give only one comparison".into()),
        }
    }

    /// Compiles against a model: unknown queries, metrics and invariants are errors.
    pub fn compile(&self, lab: &dyn Lab) -> Result<Goal, String> {
        let info = lab.info();
        let label = |default: String| self.label.clone().unwrap_or(default);
        let subjects = [self.query.is_some(), self.metric.is_some(), self.no_violations.is_some(), self.violation.is_some()];
        if subjects.iter().filter(|s| **s).count() != 1 {
            return Err("give exactly one of `query`, `metric`, `no_violations`, `violation`".into());
        }
        if let Some(name) = &self.violation {
            if !info.invariants.iter().any(|i| i.name == name) {
                return Err(format!("`violation`: unknown invariant \"{name}\" (known: {})", info.invariants.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")));
            }
            return Ok(Goal::new(Check::Violation(name.clone()), label(format!("{name} is violated"))));
        }
        if self.no_violations.is_some() {
            return Ok(Goal::new(Check::NoViolations, label("no invariant is violated".into())));
        }
        let (cmp, bound) = self.comparison()?;
        let from = self.from.map_or(0, |d| d.0);
        let to = self.to.map_or(Time::MAX, |d| d.0);
        if let Some(metric) = &self.metric {
            let index = info.metrics.iter().position(|m| m.name == metric).ok_or_else(|| {
                format!("`metric`: unknown metric \"{metric}\" (known: {})", info.metrics.iter().map(|m| m.name).collect::<Vec<_>>().join(", "))
            })?;
            let window = match (self.from, self.to) {
                (None, None) => String::new(),
                _ => format!(" from {} to {}", fmt_time(from), self.to.map_or("the end".into(), |t| fmt_time(t.0))),
            };
            return Ok(Goal::new(Check::Metric(index, from, to, cmp, bound), label(format!("{metric} {} {bound}{window}", cmp.symbol()))));
        }
        let query = self.query.clone().unwrap_or_default();
        if !info.queries.iter().any(|q| q.name == query) {
            return Err(format!("`query`: unknown query \"{query}\" (known: {})", info.queries.iter().map(|q| q.name).collect::<Vec<_>>().join(", ")));
        }
        let sym = cmp.symbol();
        let timings = [self.at.is_some(), self.by.is_some(), self.always == Some(true)];
        if timings.iter().filter(|t| **t).count() > 1 {
            return Err("give at most one of `at`, `by`, `always`".into());
        }
        Ok(if let Some(at) = self.at {
            Goal::new(Check::QueryAt(query.clone(), at.0, cmp, bound), label(format!("{query} {sym} {bound} at {}", fmt_time(at.0))))
        } else if let Some(by) = self.by {
            Goal::new(Check::QueryBy(query.clone(), by.0, cmp, bound), label(format!("{query} {sym} {bound} by {}", fmt_time(by.0))))
        } else if self.always == Some(true) {
            Goal::new(Check::QueryAlways(query.clone(), from, to, cmp, bound), label(format!("{query} {sym} {bound} always")))
        } else {
            Goal::new(Check::QueryEnd(query.clone(), cmp, bound), label(format!("{query} {sym} {bound} at the end")))
        })
    }
}

impl Goal {
    fn new(check: Check, what: String) -> Goal {
        Goal { check, what, state: None, observed: None }
    }

    /// Whether the goal is settled: `Some(true)` met, `Some(false)` failed, `None` open.
    pub fn state(&self) -> Option<bool> {
        self.state
    }

    /// Updates the goal after the run moved forward (call after each event or frame).
    pub fn progress(&mut self, lab: &dyn Lab) {
        if self.state.is_some() {
            return;
        }
        let now = lab.now();
        match &self.check {
            Check::QueryBy(q, by, cmp, bound) => {
                if now <= *by {
                    if let Some(x) = lab.query(q) {
                        self.observed = Some(x);
                        if cmp.holds(x, *bound) {
                            self.state = Some(true);
                        }
                    }
                } else {
                    self.state = Some(false);
                }
            }
            Check::QueryAt(q, at, cmp, bound) => {
                if now <= *at {
                    if let Some(x) = lab.query(q) {
                        self.observed = Some(x);
                    }
                }
                if now >= *at {
                    if let Some(x) = self.observed {
                        self.state = Some(cmp.holds(x, *bound));
                    }
                }
            }
            Check::QueryAlways(q, from, to, cmp, bound) => {
                if now >= *from && now <= *to {
                    if let Some(x) = lab.query(q) {
                        if !cmp.holds(x, *bound) {
                            self.observed = Some(x);
                            self.state = Some(false);
                        }
                    }
                }
            }
            Check::Violation(name) => {
                if lab.violations().iter().any(|v| v.invariant == name) {
                    self.state = Some(true);
                }
            }
            Check::NoViolations | Check::QueryEnd(..) | Check::Metric(..) => {}
        }
    }

    /// Settles the goal at the end of a run.
    pub fn finish(&mut self, lab: &dyn Lab) -> Outcome {
        if self.state.is_none() {
            self.state = Some(match &self.check {
                Check::QueryEnd(q, cmp, bound) => {
                    self.observed = lab.query(q);
                    self.observed.is_some_and(|x| cmp.holds(x, *bound))
                }
                Check::QueryAlways(..) => true,
                Check::QueryAt(..) | Check::QueryBy(..) => false,
                Check::NoViolations => lab.violations().is_empty(),
                Check::Violation(_) => false,
                Check::Metric(index, from, to, cmp, bound) => {
                    let mut ok = true;
                    for (t, values) in lab.samples() {
                        if *t >= *from && *t <= *to {
                            if let Some(x) = values.get(*index) {
                                if x.is_finite() && !cmp.holds(*x, *bound) {
                                    self.observed = Some(*x);
                                    ok = false;
                                    break;
                                }
                            }
                        }
                    }
                    ok
                }
            });
        }
        let passed = self.state == Some(true);
        let observed = match (&self.check, self.observed) {
            (Check::NoViolations, _) => format!("{} violation(s)", lab.violations().len()),
            (Check::Violation(_), _) if passed => "caught".into(),
            (Check::Violation(_), _) => "not caught".into(),
            (_, Some(x)) => format!("observed {x}"),
            (_, None) if passed => "held".into(),
            (_, None) => "never observed".into(),
        };
        Outcome { what: self.what.clone(), passed, observed }
    }
}

/// Runs a scenario to its end and checks every expectation.
pub fn run(scenario: &Scenario) -> Result<Report, ScenarioError> {
    let mut lab = scenario.build()?;
    let mut goals = scenario
        .expect
        .iter()
        .enumerate()
        .map(|(i, e)| e.compile(lab.as_ref()).map_err(|m| ScenarioError(format!("`expect[{i}]`: {m}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let end = scenario.duration();
    // Step event by event so `by` and `always` see every intermediate state.
    loop {
        for g in goals.iter_mut() {
            g.progress(lab.as_ref());
        }
        let before = lab.events();
        lab.run_until(end, 1);
        if lab.events() == before {
            break;
        }
    }
    lab.run_until(end, u64::MAX);
    for g in goals.iter_mut() {
        g.progress(lab.as_ref());
    }
    let outcomes = goals.iter_mut().map(|g| g.finish(lab.as_ref())).collect();
    Ok(Report {
        outcomes,
        violations: lab.violations().iter().map(|v| (v.invariant.to_string(), v.time, v.detail.clone())).collect(),
        events: lab.events(),
        time: lab.now(),
        trace_hash: lab.trace_hash(),
    })
}
