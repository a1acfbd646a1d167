//! The one interface every model implements, for consensus protocols and data planes alike.
//!
//! A model is its configuration (`Self`) plus the behaviour of its actors. Handlers get a
//! [`Ctx`]: the current time, the node's own random stream, and a buffer for effects (send, set
//! or cancel a timer, note something). The kernel applies the effects; a handler never sees the
//! network, the clock or another node.
//!
//! After every event the kernel calls [`Model::observe`] with read access to every node. That is
//! where invariants are checked and where the model keeps its omniscient history (`Ghost`):
//! everything ever committed, every leader per term, every request's fate.

pub use crate::net::Loss;
use crate::rng::Rng;
use crate::time::Time;
use crate::trace::Text;
use crate::view::{MsgInfo, NodeView, Param, Value, Violation};
use crate::{MsgId, NodeId};
use alloc::string::String;
use alloc::vec::Vec;

pub use crate::view::NodeStatus;

/// An effect a handler asks the kernel to perform.
#[derive(Clone, Debug)]
pub enum Effect<M: Model> {
    /// Send a message.
    Send(NodeId, M::Msg),
    /// (Re)arm a timer to fire after a delay; arming an armed timer moves it.
    SetTimer(M::Timer, Time),
    /// Disarm a timer.
    CancelTimer(M::Timer),
    /// Note something in the trace; `true` marks it for screen-reader narration.
    Note(Text, bool),
}

/// A handler's window on the world.
pub struct Ctx<'a, M: Model> {
    pub(crate) now: Time,
    pub(crate) id: NodeId,
    pub(crate) rng: &'a mut Rng,
    pub(crate) out: &'a mut Vec<Effect<M>>,
    pub(crate) byzantine: bool,
    /// Whether ordinary notes are kept (see [`Ctx::tracing`]).
    pub(crate) tracing: bool,
    /// Whether nothing is kept, announcements included (the model checker's worlds).
    pub(crate) quiet: bool,
}

impl<'a, M: Model> Ctx<'a, M> {
    /// Builds a context by hand: for unit tests of handlers, which then inspect `out`.
    pub fn new(now: Time, id: NodeId, rng: &'a mut Rng, out: &'a mut Vec<Effect<M>>) -> Self {
        Ctx { now, id, rng, out, byzantine: false, tracing: true, quiet: false }
    }

    /// Current virtual time.
    #[inline]
    pub fn now(&self) -> Time {
        self.now
    }

    /// The node handling the event.
    #[inline]
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The node's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// Whether the user made this node Byzantine.
    #[inline]
    pub fn byzantine(&self) -> bool {
        self.byzantine
    }

    /// Sends `msg` to `to`.
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: M::Msg) {
        self.out.push(Effect::Send(to, msg));
    }

    /// Arms `timer` to fire `after` µs from now (replacing an armed one with the same key).
    #[inline]
    pub fn set_timer(&mut self, timer: M::Timer, after: Time) {
        self.out.push(Effect::SetTimer(timer, after));
    }

    /// Disarms `timer`.
    #[inline]
    pub fn cancel_timer(&mut self, timer: M::Timer) {
        self.out.push(Effect::CancelTimer(timer));
    }

    /// Whether the world keeps ordinary notes ([`Ctx::note`]); false when nobody reads the
    /// trace (the model checker, raw-throughput benchmarks), so a handler may skip formatting
    /// a note on a hot path: `if ctx.tracing() { ctx.note(text!(...)) }`. Announcements are
    /// always kept.
    #[inline]
    pub fn tracing(&self) -> bool {
        self.tracing
    }

    /// Adds a line to the trace (a `String`, or a [`Text`] built with `text!` or
    /// [`Text::lazy`], which cost no allocation).
    pub fn note(&mut self, text: impl Into<Text>) {
        self.out.push(Effect::Note(text.into(), false));
    }

    /// Adds a line to the trace that a screen reader should announce (elections, commits).
    /// Given `format_args!(...)`, the line is formatted only if it is kept.
    pub fn announce(&mut self, text: impl Into<Text>) {
        if !self.quiet {
            self.out.push(Effect::Note(text.into(), true));
        }
    }
}

/// A node as the kernel holds it.
#[derive(Clone, Debug)]
pub struct Slot<M: Model> {
    /// Live state, `None` while crashed.
    pub state: Option<M::Node>,
    /// What survived the last crash (set while crashed).
    pub durable: Option<M::Durable>,
    /// Lifecycle status.
    pub status: NodeStatus,
    /// Byzantine switch.
    pub byzantine: bool,
}

/// A message on the wire.
#[derive(Clone, Debug)]
pub struct Envelope<Msg> {
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Send time.
    pub sent_at: Time,
    /// Arrival time.
    pub arrives_at: Time,
    /// Payload.
    pub msg: Msg,
}

/// A node's slot and its random stream, as a world holds them: behind an `Rc`, shared with the
/// world's copies (time-travel snapshots, the model checker's successor states) until one of
/// them changes the node, which then gets its own copy (`Rc::make_mut`). Copying a world copies
/// a pointer per node, and an event copies only the node it touches.
#[derive(Clone, Debug)]
pub(crate) struct NodeCell<M: Model> {
    pub(crate) slot: Slot<M>,
    pub(crate) rng: crate::rng::Rng,
}

/// The nodes [`Nodes`] reads: a world's shared cells, or a plain slice of slots (tests).
pub(crate) enum SlotList<'a, M: Model> {
    Cells(&'a [alloc::rc::Rc<NodeCell<M>>]),
    Plain(&'a [Slot<M>]),
}

impl<M: Model> Clone for SlotList<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: Model> Copy for SlotList<'_, M> {}

impl<'a, M: Model> SlotList<'a, M> {
    #[inline]
    fn len(self) -> usize {
        match self {
            SlotList::Cells(c) => c.len(),
            SlotList::Plain(s) => s.len(),
        }
    }

    #[inline]
    fn get(self, i: usize) -> Option<&'a Slot<M>> {
        match self {
            SlotList::Cells(c) => c.get(i).map(|c| &c.slot),
            SlotList::Plain(s) => s.get(i),
        }
    }
}

/// Read access to every node and the messages in flight, for invariants, metrics and views.
pub struct Nodes<'a, M: Model> {
    pub(crate) slots: SlotList<'a, M>,
    pub(crate) in_flight: &'a crate::small::SeqMap<Envelope<M::Msg>>,
    pub(crate) now: Time,
}

impl<'a, M: Model> Nodes<'a, M> {
    /// Builds a read-only view over nodes, for tests of invariants.
    pub fn new(
        slots: &'a [Slot<M>],
        in_flight: &'a crate::small::SeqMap<Envelope<M::Msg>>,
        now: Time,
    ) -> Self {
        Nodes { slots: SlotList::Plain(slots), in_flight, now }
    }

    /// Number of nodes.
    pub fn len(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// Current time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// A node's live state, `None` if it is crashed or does not exist.
    pub fn up(&self, id: NodeId) -> Option<&'a M::Node> {
        self.slots.get(id as usize).and_then(|s| s.state.as_ref())
    }

    /// A node's kernel slot.
    pub fn slot(&self, id: NodeId) -> Option<&'a Slot<M>> {
        self.slots.get(id as usize)
    }

    /// Every live node with its id.
    pub fn live(&self) -> impl Iterator<Item = (NodeId, &'a M::Node)> + 'a {
        let slots = self.slots;
        (0..slots.len()).filter_map(move |i| slots.get(i).and_then(|s| s.state.as_ref()).map(|n| (i as NodeId, n)))
    }

    /// Messages in flight.
    pub fn in_flight(&self) -> impl Iterator<Item = (MsgId, &'a Envelope<M::Msg>)> + 'a {
        self.in_flight.iter().map(|(k, v)| (*k, v))
    }
}

/// What just happened, for [`Model::observe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happened {
    /// A message was handled by this node.
    Delivered(NodeId),
    /// A timer fired at this node.
    Timer(NodeId),
    /// A command was handled by this node.
    Command(NodeId),
    /// A node restarted or joined.
    Started(NodeId),
    /// Any other action (crash, partition, ...).
    Action,
}

impl Happened {
    /// The node whose state may have changed, if one.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            Happened::Delivered(n) | Happened::Timer(n) | Happened::Command(n) | Happened::Started(n) => Some(n),
            Happened::Action => None,
        }
    }
}

/// A distributed system the lab can run.
///
/// `Self` is the configuration; it is cloned into every snapshot, so keep it small.
pub trait Model: Clone + 'static {
    /// A node's whole state.
    type Node: Clone + core::fmt::Debug;
    /// The part of a node's state that survives a crash.
    type Durable: Clone + core::fmt::Debug;
    /// Messages between nodes.
    type Msg: Clone + core::fmt::Debug;
    /// Timer keys; one armed timer per key per node.
    type Timer: Clone + Ord + core::fmt::Debug;
    /// A parsed node command.
    type Cmd: Clone + core::fmt::Debug;
    /// Omniscient history kept for invariants and metrics.
    type Ghost: Clone + Default + core::fmt::Debug;

    /// Static description.
    fn info(&self) -> &'static crate::view::ModelInfo;
    /// Parameters with their current values and ranges.
    fn params(&self) -> Vec<Param>;
    /// Changes one parameter. Must reject out-of-range values with an error naming the key.
    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String>;

    /// Number of nodes the world starts with.
    fn initial_nodes(&self) -> u32;
    /// Most nodes the world may grow to with `AddNode`.
    fn max_nodes(&self) -> u32;
    /// Creates node `id` (at start, or later by `AddNode`).
    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Self::Node;
    /// What of a node survives a crash.
    fn durable(&self, node: &Self::Node) -> Self::Durable;
    /// Rebuilds a node from its durable state after a crash.
    fn restart(&self, id: NodeId, durable: Self::Durable, ctx: &mut Ctx<Self>) -> Self::Node;

    /// Handles a message.
    fn on_message(&self, node: &mut Self::Node, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<Self>);
    /// Handles a timer.
    fn on_timer(&self, node: &mut Self::Node, timer: Self::Timer, ctx: &mut Ctx<Self>);
    /// Parses a command; the error says what is wrong with it.
    fn parse_command(&self, name: &str, arg: &str) -> Result<Self::Cmd, String>;
    /// Handles a command.
    fn on_command(&self, node: &mut Self::Node, cmd: Self::Cmd, ctx: &mut Ctx<Self>);

    /// Describes a message for the trace and the animation.
    fn describe(&self, msg: &Self::Msg) -> MsgInfo;
    /// A message's kind and its line in the trace. By default `describe`'s kind and label; a
    /// model with many messages can return a lazy [`Text`] that is formatted only if read.
    fn trace_msg(&self, msg: &Self::Msg) -> (&'static str, Text) {
        let info = self.describe(msg);
        (info.kind, Text::Owned(info.label))
    }
    /// Names a timer for the trace.
    fn timer_label(&self, timer: &Self::Timer) -> &'static str;

    /// Checks invariants after an event and updates the ghost history.
    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Self::Ghost, what: Happened, out: &mut Vec<Violation>);
    /// Tells the observer a message was lost, and why (for conservation-style invariants).
    fn on_lost(&self, _ghost: &mut Self::Ghost, _msg: &Self::Msg, _why: Loss) {}
    /// Virtual time between metric samples.
    fn metric_interval(&self) -> Time;
    /// Writes one value per metric in `info().metrics`, in order.
    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Self::Ghost, out: &mut Vec<f64>);
    /// Answers a named query (see `info().queries`), `None` for an unknown name.
    fn query(&self, nodes: &Nodes<Self>, ghost: &Self::Ghost, name: &str) -> Option<f64>;

    /// Draws a node. `node` is `None` while crashed; `durable` then holds what survived.
    fn node_view(&self, id: NodeId, node: Option<&Self::Node>, durable: Option<&Self::Durable>, now: Time) -> NodeView;
    /// Commands offered in a node's menu right now: (command name, argument, label).
    fn node_commands(&self, id: NodeId, node: Option<&Self::Node>) -> Vec<(&'static str, String, String)>;
    /// The commands of [`Model::node_commands`] named in `only`, as (name, argument) without
    /// their labels: what the model checker tries in every state it expands. By default the
    /// menu, filtered; a model whose labels cost formatting can skip them.
    fn command_args(&self, id: NodeId, node: Option<&Self::Node>, only: &[String]) -> Vec<(&'static str, String)> {
        self.node_commands(id, node).into_iter().filter(|(name, _, _)| only.iter().any(|o| o == name)).map(|(name, arg, _)| (name, arg)).collect()
    }

    /// Pictures beyond nodes and messages (a block tree, a hash ring, a quorum grid), drawn by
    /// the shell's generic figure renderers. None by default.
    fn figures(&self, _nodes: &Nodes<Self>, _ghost: &Self::Ghost) -> Vec<crate::figure::Figure> {
        Vec::new()
    }

    /// The Byzantine behaviours node `id` can be switched to, listed by the shell in its menu
    /// (none by default). Choosing one is the model command
    /// [`BYZANTINE_COMMAND`](crate::view::BYZANTINE_COMMAND) with the mode's name, which the
    /// model's [`Model::parse_command`] must accept along with
    /// [`HONEST_MODE`](crate::view::HONEST_MODE). The kernel's plain Byzantine switch
    /// ([`Ctx::byzantine`]) stays available for models with a single behaviour.
    fn byzantine_modes(&self, _id: NodeId) -> &'static [crate::view::ByzantineMode] {
        &[]
    }

    /// Bytes a snapshot of this node costs beyond what it shares with earlier snapshots, for
    /// the history's memory budget. The default counts the node's inline size; a model whose
    /// nodes own bounded heap data (maps of peers, queues) adds an estimate of it. Growing
    /// state lives in [`crate::persist`] collections and costs (almost) nothing here.
    fn snapshot_bytes(&self, _node: &Self::Node) -> usize {
        core::mem::size_of::<Self::Node>()
    }

    /// Bytes a snapshot of the ghost costs, as [`Model::snapshot_bytes`] counts a node.
    fn ghost_bytes(&self, _ghost: &Self::Ghost) -> usize {
        core::mem::size_of::<Self::Ghost>()
    }

    /// Called on the model a model-checker search explores, before its first world is built.
    /// A model whose ghost does work that only feeds the lab's charts (never an invariant, a
    /// goal or a node's behaviour) turns it off here: the search then neither pays for it nor
    /// tells apart states that differ only in it. A counterexample replayed in the lab runs
    /// with the charts on and breaks the same invariant. Default: nothing to turn off.
    fn exploring(&mut self) {}

    /// Folds one part of a state into a model checker fingerprint
    /// ([`crate::explore::fingerprint`]): two states whose parts fold the same are one state.
    /// The default hashes the part's `Debug` text; a model whose types implement `Hash` (with
    /// the same equality as their `Debug` text) overrides it with `part.hash_into(h)`, which does
    /// not format anything and is many times faster.
    fn fingerprint(&self, part: crate::explore::fingerprint::Part<'_, Self>, h: &mut crate::explore::fingerprint::Hasher) {
        part.debug(h);
    }
}
