//! The kernel's [`SmallMap`](crate::small::SmallMap) (PBFT's bounded per-node tables were its
//! first users).

pub use crate::small::SmallMap;
