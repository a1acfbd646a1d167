//! Plain data the shell renders: what every model can say about itself and its state.
//!
//! The shell knows nothing about any particular model; it draws these structures.

use crate::time::Time;
use crate::{MsgId, NodeId};
use alloc::string::String;
use alloc::vec::Vec;

/// A configuration value: numbers (integers included), switches and named choices.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A switch.
    Bool(bool),
    /// A number; integer parameters hold whole numbers.
    Num(f64),
    /// A named choice.
    Text(String),
}

impl Value {
    /// A short rendering for display and error messages.
    pub fn to_text(&self) -> String {
        match self {
            Value::Bool(b) => alloc::format!("{b}"),
            Value::Num(n) => alloc::format!("{n}"),
            Value::Text(t) => t.clone(),
        }
    }
}

/// The type and valid range of a parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// A whole number in `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A real number in `min..=max`.
    Float {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// A switch.
    Bool,
    /// One of the listed names.
    Choice(&'static [&'static str]),
}

/// A setting as a model declares it in a static table: key, label, help, type and range, and
/// whether it may change while running. A table is much smaller in the page than code that
/// builds each [`Param`].
pub type ParamSpec = (&'static str, &'static str, &'static str, ParamKind, bool);

/// The settings of `table` with their current `values`, given in the table's order.
pub fn params_from(table: &[ParamSpec], values: impl IntoIterator<Item = Value>) -> Vec<Param> {
    table.iter().zip(values).map(|(&(key, label, help, ref kind, live), value)| Param { key, label, help, kind: kind.clone(), value, live }).collect()
}

/// The first half of every table-driven `set_param`: `key` must be in `table` and `value` in
/// its range; the error names what is wrong.
pub fn check_param(table: &[ParamSpec], key: &str, value: &Value) -> Result<(), String> {
    let spec = table.iter().find(|p| p.0 == key).ok_or_else(|| alloc::format!("unknown setting `{key}`"))?;
    spec.3.check(key, value)
}

impl ParamKind {
    /// Checks a value against this kind; the error says what was expected.
    pub fn check(&self, key: &str, value: &Value) -> Result<(), String> {
        match (self, value) {
            (ParamKind::Int { min, max }, Value::Num(n)) => {
                if *n != libm::trunc(*n) {
                    Err(alloc::format!("`{key}` must be a whole number, got {n}"))
                } else if *n < *min as f64 || *n > *max as f64 {
                    Err(alloc::format!("`{key}` must be between {min} and {max}, got {n}"))
                } else {
                    Ok(())
                }
            }
            (ParamKind::Float { min, max }, Value::Num(n)) => {
                if !n.is_finite() || *n < *min || *n > *max {
                    Err(alloc::format!("`{key}` must be between {min} and {max}, got {n}"))
                } else {
                    Ok(())
                }
            }
            (ParamKind::Bool, Value::Bool(_)) => Ok(()),
            (ParamKind::Choice(names), Value::Text(t)) => {
                if names.contains(&t.as_str()) {
                    Ok(())
                } else {
                    Err(alloc::format!("`{key}` must be one of {}, got \"{t}\"", names.join(", ")))
                }
            }
            (kind, v) => Err(alloc::format!(
                "`{key}` must be {}, got {}",
                match kind {
                    ParamKind::Int { .. } => "a whole number",
                    ParamKind::Float { .. } => "a number",
                    ParamKind::Bool => "true or false",
                    ParamKind::Choice(_) => "a name in quotes",
                },
                v.to_text()
            )),
        }
    }
}

/// One configurable parameter of a model with its current value.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Key used in scenario files and share links.
    pub key: &'static str,
    /// Label shown in the UI.
    pub label: &'static str,
    /// One sentence on what it does.
    pub help: &'static str,
    /// Type and range.
    pub kind: ParamKind,
    /// Current value.
    pub value: Value,
    /// Whether it may change while the simulation runs (otherwise only at reset).
    pub live: bool,
}

/// A safety property a model checks after every event.
#[derive(Clone, Copy, Debug)]
pub struct InvariantInfo {
    /// Short name, e.g. "Election Safety".
    pub name: &'static str,
    /// Where it comes from, e.g. "Raft paper §5.2, Figure 3".
    pub source: &'static str,
    /// What it says, in one sentence.
    pub summary: &'static str,
}

/// A named time series a model samples.
#[derive(Clone, Copy, Debug)]
pub struct MetricInfo {
    /// Key used in expectations, e.g. "p99_ms".
    pub name: &'static str,
    /// Label for the chart.
    pub label: &'static str,
    /// Unit, e.g. "ms".
    pub unit: &'static str,
}

/// A named number a scenario expectation or a challenge can ask the model for.
#[derive(Clone, Copy, Debug)]
pub struct QueryInfo {
    /// Key, e.g. "leaders".
    pub name: &'static str,
    /// What it measures.
    pub summary: &'static str,
}

/// A Byzantine behaviour a model offers (silent, equivocate, lie, ...). The shell lists a
/// model's modes in every node's menu; choosing one sends the node the model command
/// [`BYZANTINE_COMMAND`] with the mode's `name` as argument (and [`HONEST_MODE`] to stop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByzantineMode {
    /// Argument of the command, e.g. "equivocate".
    pub name: &'static str,
    /// Menu label, e.g. "Equivocate (as primary)".
    pub label: &'static str,
    /// One sentence on what the node then does.
    pub summary: &'static str,
}

/// The model command that sets a node's Byzantine mode (argument: a mode name or
/// [`HONEST_MODE`]). A scenario writes it as `{ "do": "byzantine", "node": 0, "arg": "lie" }`.
pub const BYZANTINE_COMMAND: &str = "byzantine";
/// The argument of [`BYZANTINE_COMMAND`] that makes a node follow the protocol again.
pub const HONEST_MODE: &str = "honest";

/// A model-specific command that can be sent to a node.
#[derive(Clone, Copy, Debug)]
pub struct CommandInfo {
    /// Key, e.g. "request".
    pub name: &'static str,
    /// What the argument looks like, e.g. "key=value", or "" when there is none.
    pub arg: &'static str,
    /// What it does.
    pub summary: &'static str,
}

/// Everything static a model says about itself.
#[derive(Clone, Copy, Debug)]
pub struct ModelInfo {
    /// Key used in URLs and scenario files, e.g. "raft".
    pub name: &'static str,
    /// Title, e.g. "Raft consensus".
    pub title: &'static str,
    /// One-line pitch for the home page.
    pub pitch: &'static str,
    /// Safety properties checked after every event.
    pub invariants: &'static [InvariantInfo],
    /// Metric series, in the order `sample` writes them.
    pub metrics: &'static [MetricInfo],
    /// Named queries for expectations and challenges.
    pub queries: &'static [QueryInfo],
    /// Node commands.
    pub commands: &'static [CommandInfo],
    /// How the shell should lay nodes out.
    pub layout: Layout,
    /// What a node is called ("server", "replica", ...).
    pub node_noun: &'static str,
}

/// How nodes are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// On a ring (peers).
    Ring,
    /// In columns by [`NodeView::tier`], left to right (clients, balancer, servers).
    Tiers,
}

/// Lifecycle state of a node, owned by the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    /// Running normally.
    Up,
    /// Crashed: volatile state lost, durable state kept.
    Crashed,
    /// Paused: events wait until it resumes.
    Paused,
    /// Running, but its timers and outgoing messages take `factor` times longer.
    Slow(u32),
}

/// One cell of a node's log or queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Short text, e.g. "x=3".
    pub text: String,
    /// Palette index (e.g. the entry's term).
    pub color: u32,
    /// Solid (committed / done) or hollow (tentative).
    pub solid: bool,
    /// Marked by a violation.
    pub marked: bool,
}

/// What a node looks like right now.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    /// Node id.
    pub id: NodeId,
    /// Name, e.g. "S3".
    pub label: String,
    /// Role, e.g. "leader".
    pub role: String,
    /// Kernel lifecycle status.
    pub status: NodeStatus,
    /// Palette index for the node's colour (e.g. its term).
    pub color: u32,
    /// Big number or word in the node, e.g. the term.
    pub headline: String,
    /// Small tags, e.g. "voted S2".
    pub badges: Vec<String>,
    /// Key/value details for the inspector.
    pub details: Vec<(String, String)>,
    /// Log or queue.
    pub cells: Vec<Cell>,
    /// Index of the first cell (logs may be compacted).
    pub cells_offset: u64,
    /// A countdown to draw as an arc: (start, deadline).
    pub timer: Option<(Time, Time)>,
    /// A 0..1 gauge, e.g. queue fill or utilisation.
    pub load: Option<f64>,
    /// Column for [`Layout::Tiers`].
    pub tier: u8,
    /// Whether a violation names this node.
    pub violated: bool,
    /// Whether the node is a member (greyed out otherwise).
    pub member: bool,
}

impl NodeView {
    /// A view with only the essentials set.
    pub fn new(id: NodeId, label: String, role: &str) -> Self {
        NodeView {
            id,
            label,
            role: role.into(),
            status: NodeStatus::Up,
            color: 0,
            headline: String::new(),
            badges: Vec::new(),
            details: Vec::new(),
            cells: Vec::new(),
            cells_offset: 1,
            timer: None,
            load: None,
            tier: 0,
            violated: false,
            member: true,
        }
    }
}

/// How a model describes one message.
#[derive(Clone, Debug, PartialEq)]
pub struct MsgInfo {
    /// Kind, for colour and filtering, e.g. "RequestVote".
    pub kind: &'static str,
    /// One-line label, e.g. "RequestVote t3 last 4@2".
    pub label: String,
    /// For replies: success or failure.
    pub ok: Option<bool>,
}

/// A message in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    /// Message id (used to drop it).
    pub id: MsgId,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Kind.
    pub kind: &'static str,
    /// Label.
    pub label: String,
    /// Success mark for replies.
    pub ok: Option<bool>,
    /// When it was sent.
    pub sent_at: Time,
    /// When it arrives.
    pub arrives_at: Time,
}

/// A safety violation: an invariant that failed, and what it points at.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Invariant name (one of the model's [`InvariantInfo`]).
    pub invariant: &'static str,
    /// When it was detected.
    pub time: Time,
    /// Index of the event after which it was detected.
    pub event: u64,
    /// Nodes involved.
    pub nodes: Vec<NodeId>,
    /// Log cells involved: (node, index).
    pub cells: Vec<(NodeId, u64)>,
    /// What exactly is wrong.
    pub detail: String,
}

/// The whole picture at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Virtual time.
    pub time: Time,
    /// Number of events processed.
    pub event: u64,
    /// Every node.
    pub nodes: Vec<NodeView>,
    /// Messages in flight.
    pub messages: Vec<MessageView>,
    /// Partition groups (empty when the network is whole).
    pub groups: Vec<Vec<NodeId>>,
    /// One-way cuts.
    pub cuts: Vec<(NodeId, NodeId)>,
    /// Behaviour of every link without an override.
    pub default_link: crate::net::LinkConfig,
    /// Per directed link overrides.
    pub links: Vec<(NodeId, NodeId, crate::net::LinkConfig)>,
    /// The model's extra pictures (see [`crate::figure`]).
    pub figures: Vec<crate::figure::Figure>,
}
