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
