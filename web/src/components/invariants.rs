//! The invariant panel: every safety property the model checks after every event, with its
//! source, and every violation found (clicking one travels to the moment it was detected).

use crate::state::{LabAction, LabHandle};
use crate::util::fmt_time;
use yew::prelude::*;

/// Properties of [`Invariants`].
///
/// Equality ignores the run's version: the panel only changes when the violations do, so it
/// compares the run's identity and [`InvariantsProps::stamp`] (not every frame's new version).
#[derive(Properties)]
pub struct InvariantsProps {
    /// The run.
    pub handle: LabHandle,
    /// What the panel shows changed when this did: see [`stamp`].
    pub stamp: (usize, u64, u64),
    /// Reports actions.
    pub on_action: Callback<LabAction>,
}

impl PartialEq for InvariantsProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.handle.lab, &other.handle.lab) && self.stamp == other.stamp && self.on_action == other.on_action
    }
}

/// A cheap fingerprint of a run's violations: how many, and when the newest was found.
pub fn stamp(violations: &[distlab_core::Violation]) -> (usize, u64, u64) {
    let last = violations.last();
    (violations.len(), last.map_or(0, |v| v.event), last.map_or(0, |v| v.time))
}

/// The invariant panel.
#[component]
pub fn Invariants(p: &InvariantsProps) -> Html {
    let lab = p.handle.lab.borrow();
    let info = lab.info();
    let violations = lab.violations();
    let list = info.invariants.iter().map(|inv| {
        let count = violations.iter().filter(|v| v.invariant == inv.name).count();
        let ok = count == 0;
        html! {
            <li class={classes!("invariant", if ok { "ok" } else { "bad" })} data-testid="invariant" data-ok={ok.to_string()}>
                <span class="icon" aria-hidden="true">{ if ok { "✓" } else { "✗" } }</span>
                <div>
                    <strong>{ inv.name }</strong>
                    if !ok { <span class="tag bad">{ format!("{count} violation{}", if count == 1 { "" } else { "s" }) }</span> }
                    <div class="summary">{ inv.summary }</div>
                    <cite>{ inv.source }</cite>
                </div>
            </li>
        }
    });
    let found = violations.iter().enumerate().map(|(i, v)| {
        let cb = p.on_action.clone();
        let event = v.event;
        let nodes = v.nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        html! {
            <li>
                <button class="link violation" data-testid={format!("violation-{i}")} title="Travel to the moment it was detected"
                    onclick={Callback::from(move |_: MouseEvent| cb.emit(LabAction::SeekEvent(event + 1)))}>
                    <span class="t">{ fmt_time(v.time) }</span>
                    <strong>{ v.invariant }</strong>
                    <span>{ v.detail.clone() }</span>
                    if !nodes.is_empty() { <small>{ format!(" (nodes {nodes})") }</small> }
                </button>
            </li>
        }
    });
    html! {
        <div class="invariants">
            <ul class="inv-list">{ for list }</ul>
            <h3>{ format!("Violations ({})", violations.len()) }</h3>
            if violations.is_empty() {
                <p class="hint" data-testid="violations">{"None so far: every invariant has held after every event."}</p>
            } else {
                <ol class="violations" data-testid="violations" role="alert">{ for found }</ol>
            }
        </div>
    }
}
