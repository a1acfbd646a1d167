//! A rooted tree with a highlighted path: block trees with the best chain, forks and stale
//! branches.

use alloc::string::String;
use alloc::vec::Vec;

/// A tree figure. Nodes are listed parents first.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Tree {
    /// Every node; `parent` indexes into this list.
    pub nodes: Vec<TreeNode>,
}

/// One node of a tree.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TreeNode {
    /// Index of the parent in [`Tree::nodes`], `None` for a root.
    pub parent: Option<u32>,
    /// Short text, e.g. a block's height and hash prefix.
    pub label: String,
    /// Longer text for the inspector and screen readers.
    pub detail: String,
    /// Palette index (e.g. the miner).
    pub color: u32,
    /// On the highlighted path (the best chain).
    pub highlighted: bool,
    /// Marked by a violation or as invalid.
    pub marked: bool,
    /// Greyed out (stale, orphaned).
    pub faded: bool,
    /// Small tags drawn beside the node (e.g. which replicas have it as their tip).
    pub tags: Vec<String>,
}
