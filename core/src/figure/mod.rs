//! Figures: generic pictures a model can add to its view beyond nodes and messages.
//!
//! Nodes on a ring with messages between them suit consensus; other labs need other pictures:
//! a block tree, a hash ring, a range bar, a grid of quorum votes, a cache's lists. Each is a
//! kind of [`Figure`] here, plain data the model fills in [`Model::figures`](crate::Model::figures)
//! and the shell draws, with a text alternative for screen readers. The shell never knows which
//! model a figure came from, so any model can use any kind.
//!
//! A kind is added by adding a file here and a variant to [`FigureKind`], then a renderer of
//! the same name in the shell (`web/src/components/figures/`).

pub mod grid;
pub mod lists;
pub mod ring;
pub mod tree;

pub use grid::{Grid, GridCell, GridRow, KeyCell, KeyGrid, KeyOwner, QuorumLine};
pub use lists::{ListItem, Lists, NamedList};
pub use ring::{Arc as RingArc, Mark as RingMark, RangeBar, Ring, Segment};
pub use tree::{Tree, TreeNode};

use alloc::string::String;

/// One picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Stable key (for tests and for keeping a figure's place across frames), e.g. "slots".
    pub key: &'static str,
    /// Heading, e.g. "Slots per replica".
    pub title: String,
    /// One or two sentences a screen reader hears before the figure's text alternative, and
    /// the sighted reader sees as a caption.
    pub caption: String,
    /// What to draw.
    pub kind: FigureKind,
}

/// The kinds of picture the shell can draw.
#[derive(Clone, Debug, PartialEq)]
pub enum FigureKind {
    /// Rows of cells with optional threshold lines (quorum grids, slot tables, key grids).
    Grid(Grid),
    /// A rooted tree with one highlighted path (block trees).
    Tree(Tree),
    /// A circle of positions owned by nodes (consistent-hash rings).
    Ring(Ring),
    /// A line of key ranges owned by nodes (range partitioning).
    RangeBar(RangeBar),
    /// Named ordered lists of items (a cache's LRU list, ARC's four lists, a CLOCK hand).
    Lists(Lists),
    /// Many small squares coloured by owner (a key space by shard), moving ones marked.
    KeyGrid(KeyGrid),
}
