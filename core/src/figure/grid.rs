//! A grid of cells: rows (replicas, slots, keys) by columns (sequence numbers, nodes), with
//! optional quorum lines ("2f + 1 commits needed") drawn across a column's count.

use alloc::string::String;
use alloc::vec::Vec;

/// A grid figure.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Grid {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows, top to bottom.
    pub rows: Vec<GridRow>,
    /// Thresholds to draw: a column whose count of `filled` cells reaches one is marked.
    pub lines: Vec<QuorumLine>,
}

/// One row.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GridRow {
    /// Row heading, e.g. "R2".
    pub label: String,
    /// The node the row belongs to, if any (hovering highlights it).
    pub node: Option<crate::NodeId>,
    /// Cells, one per column (shorter rows leave the rest blank).
    pub cells: Vec<GridCell>,
}

/// One cell.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GridCell {
    /// Short text, e.g. "P" or "x=3".
    pub text: String,
    /// Palette index.
    pub color: u32,
    /// Solid (held, chosen, committed) or hollow (tentative).
    pub filled: bool,
    /// Marked by a violation or as the moment of interest.
    pub marked: bool,
    /// Text for the inspector and screen readers, e.g. "R2 holds 3 PREPAREs for seq 7".
    pub detail: String,
    /// A filler or placeholder (a no-op in a log): drawn with a dashed outline.
    pub dashed: bool,
    /// A tiny mark drawn in the cell's corner (a tick for "executed", a count, a ballot).
    pub note: String,
}

/// A threshold across columns.
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumLine {
    /// Label, e.g. "2f = 2 prepares".
    pub label: String,
    /// Filled cells a column needs to reach it.
    pub count: u32,
    /// The columns (by index) the line applies to; empty means every column.
    pub columns: Vec<u32>,
}

/// A dense grid of small squares in reading order, each one item (a key, a slot, a bucket)
/// coloured by its owner: a key space by shard, a table by the node it points at. Unlike
/// [`Grid`] it carries no text per cell, so a thousand squares cost little to build and
/// compare every frame; the shell names each square from `prefix` and its `key`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KeyGrid {
    /// Squares per row.
    pub columns: u32,
    /// What a square's number names, e.g. "k" (square 17 reads "k17").
    pub prefix: String,
    /// The owners squares refer to (by index), in legend order.
    pub owners: Vec<KeyOwner>,
    /// The squares, in reading order.
    pub cells: Vec<KeyCell>,
    /// One line over the grid, e.g. "Keys moved 19.8 % · ideal 1/(n+1) = 20.0 %".
    pub headline: String,
}

/// An owner of squares.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KeyOwner {
    /// Name, e.g. "S3".
    pub name: String,
    /// Palette index.
    pub color: u32,
    /// The node it is, if any.
    pub node: Option<crate::NodeId>,
}

/// One square.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct KeyCell {
    /// The item's number (shown as `prefix` + `key`).
    pub key: u64,
    /// Its owner now (index into [`KeyGrid::owners`]).
    pub owner: u32,
    /// The owner it is moving to, while it moves.
    pub next: Option<u32>,
    /// It changed owner a moment ago (drawn ringed; its colour change is animated).
    pub moved: bool,
}

impl KeyGrid {
    /// Squares per owner index (for legends and text alternatives).
    pub fn counts(&self) -> Vec<u32> {
        let mut n = alloc::vec![0u32; self.owners.len()];
        for c in &self.cells {
            if let Some(x) = n.get_mut(c.owner as usize) {
                *x += 1;
            }
        }
        n
    }
}
