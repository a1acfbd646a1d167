//! # distlab-web
//!
//! The lab shell: a yew app that renders any distlab-core model through the object-safe
//! [`distlab_core::Lab`] facade. Nothing here knows about Raft or load balancing; every picture
//! comes from the model's [`distlab_core::View`], every control from its parameters, commands,
//! invariants and metrics.
//!
//! Layout follows yew's own examples: [`state`] holds the lab state, its actions and the
//! reducer (pure apart from driving the simulation it owns); [`components`] holds one widget
//! per file, which display data and report user intent through callbacks; [`app`] routes.

pub mod app;
pub mod components;
pub mod content;
pub mod geometry;
pub mod hooks;
pub mod lesson_format;
pub mod pacing;
pub mod route;
pub mod state;
pub mod util;

/// Mounts the app on the page body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
