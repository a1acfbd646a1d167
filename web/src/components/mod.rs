//! One widget per file. Components display what they are given and report intent through
//! callbacks; the lab page owns the state.

pub mod announcer;
pub mod cells;
pub mod challenge;
pub mod chart;
pub mod checker;
pub mod cluster;
pub mod cluster_canvas;
pub mod compare;
pub mod controls;
pub mod event_log;
pub mod faults;
pub mod figures;
pub mod home;
pub mod invariants;
pub mod lab_page;
pub mod lesson;
pub mod node_menu;
pub mod notice;
pub mod partition_drag;
pub mod preview;
pub mod settings;
pub mod share;
pub mod shortcuts;
pub mod spacetime;
