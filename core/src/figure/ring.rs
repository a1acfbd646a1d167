//! Key spaces: a ring of hash positions (consistent hashing) and a bar of key ranges (range
//! partitioning). Positions are fractions of the key space in `0.0..1.0`.

use crate::NodeId;
use alloc::string::String;
use alloc::vec::Vec;

/// A circle of positions owned by nodes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ring {
    /// Owned arcs, clockwise: each runs from the previous arc's end to `end`.
    pub arcs: Vec<Arc>,
    /// Points on the ring (keys, virtual nodes).
    pub marks: Vec<Mark>,
}

/// An arc of the ring.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Arc {
    /// Where it starts, in `0.0..1.0`.
    pub start: f64,
    /// Where it ends (may be below `start`: the arc wraps past 0).
    pub end: f64,
    /// Owner.
    pub node: Option<NodeId>,
    /// Palette index.
    pub color: u32,
    /// Text for screen readers and the inspector.
    pub detail: String,
}

/// A point on the ring or bar.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Mark {
    /// Position in `0.0..1.0`.
    pub at: f64,
    /// Short label (may be empty for plain dots).
    pub label: String,
    /// Palette index.
    pub color: u32,
    /// Drawn larger (a node's token rather than a key).
    pub major: bool,
    /// Moving right now (animated).
    pub moving: bool,
}

/// A line of key ranges owned by nodes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RangeBar {
    /// Ranges left to right; they tile the key space.
    pub segments: Vec<Segment>,
    /// Points on the bar (keys).
    pub marks: Vec<Mark>,
}

/// One range.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Segment {
    /// Start, in `0.0..1.0`.
    pub start: f64,
    /// End, in `0.0..=1.0`.
    pub end: f64,
    /// Label, e.g. "[k100, k200)".
    pub label: String,
    /// Owner.
    pub node: Option<NodeId>,
    /// Palette index.
    pub color: u32,
    /// A 0..1 gauge drawn in the segment (load).
    pub load: Option<f64>,
}
