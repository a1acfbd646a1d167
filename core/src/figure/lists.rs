//! Named ordered lists: a cache's LRU order, ARC's T1/T2/B1/B2, the CLOCK ring with its hand,
//! LFU counts.

use alloc::string::String;
use alloc::vec::Vec;

/// A lists figure.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Lists {
    /// The lists, top to bottom.
    pub lists: Vec<NamedList>,
}

/// One list.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NamedList {
    /// Name, e.g. "T1 (recent)".
    pub name: String,
    /// Items, head first.
    pub items: Vec<ListItem>,
    /// Index of the item a pointer rests on (a CLOCK hand), if any.
    pub hand: Option<u32>,
    /// Most items the list may hold, if bounded (drawn as empty slots).
    pub capacity: Option<u32>,
    /// How many items the list really holds, when `items` shows only the first few.
    pub total: Option<u32>,
}

/// One item.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ListItem {
    /// Short text, e.g. a key.
    pub text: String,
    /// A small number drawn beside it (an LFU count, a reference bit).
    pub badge: Option<String>,
    /// Palette index.
    pub color: u32,
    /// Just touched (a hit) — drawn highlighted.
    pub hot: bool,
    /// Ghost entry (ARC's B1/B2: remembered, not cached) — drawn hollow.
    pub ghost: bool,
}
