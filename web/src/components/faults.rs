//! Network faults: a partition editor (assign nodes to groups), per-link loss and latency, and
//! a keyboard-friendly list of messages in flight to drop.

use super::cluster::group_name;
use crate::geometry::group_of;
use crate::state::{LabAction, ViewRef};
use crate::util::fmt_time;
use distlab_core::{Action, LinkConfig, MsgId, NodeId, MS};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Properties of [`Faults`].
#[derive(Properties, PartialEq)]
pub struct FaultsProps {
    /// The picture now (nodes and partition groups).
    pub view: ViewRef,
    /// The picture for the list of messages in flight (may lag `view` while the run plays
    /// fast, so the list is not rebuilt every frame).
    pub flight: ViewRef,
    /// Highlighted message.
    #[prop_or_default]
    pub hover: Option<MsgId>,
    /// Reports the message under the pointer.
    pub on_hover: Callback<Option<MsgId>>,
    /// Reports actions.
    pub on_action: Callback<LabAction>,
}

const GROUPS: usize = 3;
const DROP_LIST_MAX: usize = 12;

fn select_value(e: &Event) -> Option<String> {
    e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).map(|s| s.value())
}

/// The fault panel. Its editors only get cheap, comparable props (labels, groups), so they
/// are not rebuilt every frame while the run plays.
#[component]
pub fn Faults(p: &FaultsProps) -> Html {
    let view = &p.view;
    let n = view.nodes.len();
    let labels: Vec<String> = view.nodes.iter().map(|nv| nv.label.clone()).collect();
    let current: Vec<usize> = (0..n).map(|i| group_of(view, i as NodeId).unwrap_or(0).min(GROUPS - 1)).collect();
    html! {
        <div class="faults">
            <PartitionEditor labels={labels.clone()} {current} partitioned={!view.groups.is_empty()} on_action={p.on_action.clone()} />
            <LinkEditor {labels} on_action={p.on_action.clone()} />
            <InFlight view={p.flight.clone()} hover={p.hover} on_hover={p.on_hover.clone()} on_action={p.on_action.clone()} />
        </div>
    }
}

/// Properties of [`PartitionEditor`].
#[derive(Properties, PartialEq)]
struct PartitionEditorProps {
    labels: Vec<String>,
    current: Vec<usize>,
    partitioned: bool,
    on_action: Callback<LabAction>,
}

/// Assign nodes to groups.
#[component]
fn PartitionEditor(p: &PartitionEditorProps) -> Html {
    let n = p.labels.len();
    // The draft partition: one group per node. Starts from the network as it is.
    let draft = use_state(|| None::<Vec<usize>>);
    let current = &p.current;
    let groups: Vec<usize> = match &*draft {
        Some(d) if d.len() == n => d.clone(),
        _ => current.clone(),
    };
    let rows = p.labels.iter().enumerate().map(|(i, label)| {
        let draft = draft.clone();
        let base = groups.clone();
        let onchange = Callback::from(move |e: Event| {
            if let Some(g) = select_value(&e).and_then(|v| v.parse::<usize>().ok()) {
                let mut next = base.clone();
                if let Some(slot) = next.get_mut(i) {
                    *slot = g;
                }
                draft.set(Some(next));
            }
        });
        html! {
            <label class="pe-node">
                <span>{ label.clone() }</span>
                <select data-testid={format!("group-{i}")} {onchange} aria-label={format!("Group of {label}")}>
                    { for (0..GROUPS).map(|g| html! { <option value={g.to_string()} selected={groups[i] == g}>{ group_name(g) }</option> }) }
                </select>
            </label>
        }
    });
    let apply = {
        let cb = p.on_action.clone();
        let groups = groups.clone();
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let lists: Vec<Vec<NodeId>> = (0..GROUPS)
                .map(|g| groups.iter().enumerate().filter(|(_, x)| **x == g).map(|(i, _)| i as NodeId).collect::<Vec<_>>())
                .filter(|l| !l.is_empty())
                .collect();
            if lists.len() <= 1 {
                cb.emit(LabAction::Act(Action::Heal));
            } else {
                cb.emit(LabAction::Act(Action::Partition(lists)));
            }
            draft.set(None);
        })
    };
    let heal = {
        let cb = p.on_action.clone();
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            cb.emit(LabAction::Act(Action::Heal));
            draft.set(None);
        })
    };
    html! {
        <section data-testid="partition-editor" aria-label="Partition editor">
            <h3>{"Partition"}</h3>
            <p class="hint">{"Put nodes in groups; messages between groups are lost."}</p>
            <div class="pe-grid">{ for rows }</div>
            <div class="row">
                <button data-testid="partition-apply" onclick={apply}>{"Apply partition"}</button>
                <button data-testid="heal" onclick={heal}>{"Heal"}</button>
                if p.partitioned { <span class="tag warn">{"partitioned"}</span> }
            </div>
        </section>
    }
}

/// Properties of [`LinkEditor`].
#[derive(Properties, PartialEq)]
struct LinkEditorProps {
    labels: Vec<String>,
    on_action: Callback<LabAction>,
}

/// Per-link or network-wide loss and latency.
#[component]
fn LinkEditor(p: &LinkEditorProps) -> Html {
    let from = use_state(|| "*".to_string());
    let to = use_state(|| "*".to_string());
    let lat_min = use_node_ref();
    let lat_max = use_node_ref();
    let loss = use_node_ref();
    let both = use_node_ref();
    let node_options = |selected: &str| {
        let mut v = vec![html! { <option value="*" selected={selected == "*"}>{"all"}</option> }];
        v.extend(p.labels.iter().enumerate().map(|(id, label)| html! { <option value={id.to_string()} selected={selected == id.to_string()}>{ label.clone() }</option> }));
        v
    };
    let apply_link = {
        let cb = p.on_action.clone();
        let (from, to) = (from.clone(), to.clone());
        let (lat_min, lat_max, loss, both) = (lat_min.clone(), lat_max.clone(), loss.clone(), both.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let num = |r: &NodeRef| r.cast::<HtmlInputElement>().and_then(|i| i.value().trim().parse::<f64>().ok());
            let (Some(lo), Some(hi), Some(l)) = (num(&lat_min), num(&lat_max), num(&loss)) else {
                cb.emit(LabAction::Notice(true, "Latency and loss must be numbers.".into()));
                return;
            };
            if !(0.0..=60_000.0).contains(&lo) || !(0.0..=60_000.0).contains(&hi) || lo > hi || !(0.0..=100.0).contains(&l) {
                cb.emit(LabAction::Notice(true, "Latency must be 0–60000 ms with min ≤ max, and loss 0–100 %.".into()));
                return;
            }
            let cfg = LinkConfig { latency_min: (lo * MS as f64) as u64, latency_max: (hi * MS as f64) as u64, loss: l / 100.0, ..LinkConfig::default() };
            let both = both.cast::<HtmlInputElement>().is_some_and(|b| b.checked());
            match (from.parse::<NodeId>().ok(), to.parse::<NodeId>().ok()) {
                (Some(a), Some(b)) if a != b => {
                    cb.emit(LabAction::Act(Action::Link(a, b, cfg)));
                    if both {
                        cb.emit(LabAction::Act(Action::Link(b, a, cfg)));
                    }
                }
                (None, None) => cb.emit(LabAction::Act(Action::Net(cfg))),
                _ => cb.emit(LabAction::Notice(true, "Pick two different nodes, or \"all\" for both ends to set every link.".into())),
            }
        })
    };
    let set_from = {
        let from = from.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e) {
                from.set(v)
            }
        })
    };
    let set_to = {
        let to = to.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = select_value(&e) {
                to.set(v)
            }
        })
    };
    let d = LinkConfig::default();

    html! {
        <section data-testid="link-editor" aria-label="Link settings">
            <h3>{"Links"}</h3>
            <form onsubmit={apply_link} class="link-form">
                <label>{"From "}<select data-testid="link-from" onchange={set_from}>{ for node_options(&from) }</select></label>
                <label>{"To "}<select data-testid="link-to" onchange={set_to}>{ for node_options(&to) }</select></label>
                <label><input type="checkbox" ref={both} checked=true />{" both ways"}</label>
                <label>{"Latency "}<input ref={lat_min} data-testid="latency-min" type="number" min="0" step="any" value={(d.latency_min as f64 / 1000.0).to_string()} />
                    {"–"}<input ref={lat_max} data-testid="latency-max" type="number" min="0" step="any" value={(d.latency_max as f64 / 1000.0).to_string()} />{" ms"}</label>
                <label>{"Loss "}<input ref={loss} data-testid="loss" type="number" min="0" max="100" step="any" value="0" />{" %"}</label>
                <button type="submit" data-testid="link-apply">{"Apply"}</button>
            </form>
        </section>
    }
}

/// Properties of [`InFlight`].
#[derive(Properties, PartialEq)]
struct InFlightProps {
    view: ViewRef,
    hover: Option<MsgId>,
    on_hover: Callback<Option<MsgId>>,
    on_action: Callback<LabAction>,
}

/// A keyboard-friendly list of messages in flight to drop.
#[component]
fn InFlight(p: &InFlightProps) -> Html {
    let view = &p.view;
    let drops = view.messages.iter().take(DROP_LIST_MAX).map(|m| {
        let cb = p.on_action.clone();
        let id = m.id;
        let (h1, h2) = (p.on_hover.clone(), p.on_hover.clone());
        html! {
            <li class={classes!((p.hover == Some(id)).then_some("hover"))}
                onmouseenter={Callback::from(move |_: MouseEvent| h1.emit(Some(id)))}
                onmouseleave={Callback::from(move |_: MouseEvent| h2.emit(None))}>
                <span class="mono">{ format!("{}→{}", m.from, m.to) }</span>
                <span class="grow">{ m.label.clone() }</span>
                <small>{ fmt_time(m.arrives_at) }</small>
                <button class="small" data-testid={format!("drop-{id}")} aria-label={format!("Drop {}", m.label)}
                    onclick={Callback::from(move |_: MouseEvent| cb.emit(LabAction::Act(Action::Drop(id))))}>{"drop"}</button>
            </li>
        }
    });
    html! {
        <section aria-label="Messages in flight">
            <h3>{ format!("In flight ({})", view.messages.len()) }</h3>
            <ul class="drop-list" data-testid="in-flight">{ for drops }</ul>
        </section>
    }
}
