//! # distlab-core
//!
//! A deterministic simulation kernel for distributed systems, and the models the distlab lab
//! teaches with.
//!
//! Everything is an actor in a simulated world ([`World`]): Raft servers and load-balancer
//! clients alike receive messages and timers and answer with effects (send, set a timer, note
//! something for the trace) written into a [`Ctx`]. They never see a clock, a global random
//! source or the network: the kernel owns virtual time, one seeded random generator split into
//! streams, and a network model with latency, loss, duplication, partitions and one-way cuts.
//! Faults and user actions are events in the same queue, so a run is fully identified by its
//! model, configuration, seed and action script, which is exactly what a scenario file or a share
//! link carries.
//!
//! [`Sim`] wraps a world with time travel (periodic snapshots plus replay), the trace buffer,
//! violations and metric series, and implements the object-safe [`Lab`] facade that the web
//! shell renders without knowing which model it shows.
//!
//! Time is measured in integer ticks of one microsecond ([`Time`]).
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod action;
pub mod explore;
pub mod figure;
pub mod lab;
pub mod model;
pub mod net;
pub mod persist;
pub mod rng;
pub mod small;
pub mod time;
pub mod trace;
pub mod view;
pub mod world;

pub mod models;
#[cfg(feature = "serde")]
pub mod scenario;
#[cfg(feature = "serde")]
pub mod share;
#[cfg(feature = "serde")]
pub mod challenge;

pub use action::{Action, TimedAction};
pub use lab::{AnySim, Lab, Sim};
pub use model::{Ctx, Model, NodeStatus};
pub use net::{LinkConfig, Network};
pub use persist::{PMap, PSet, PVec};
pub use rng::Rng;
pub use time::{Time, MS, SEC, US};
pub use trace::{TraceEntry, TraceKind};
pub use view::*;
pub use world::World;

/// Identifies a node (an actor) in a world. Dense, starting at 0.
pub type NodeId = u32;
/// Identifies a message in flight; unique within one run and stable across replays.
pub type MsgId = u64;
