//! The event log: the most recent trace entries, newest first. Clicking one travels to it.

use crate::state::{LabAction, LabHandle};
use crate::util::fmt_time;
use distlab_core::{MsgId, TraceKind};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Entries shown.
pub const SHOWN_MAX: usize = 150;

/// Properties of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The run.
    pub handle: LabHandle,
    /// Highlighted message.
    #[prop_or_default]
    pub hover: Option<MsgId>,
    /// Reports the message under the pointer.
    pub on_hover: Callback<Option<MsgId>>,
    /// Reports actions.
    pub on_action: Callback<LabAction>,
    /// Most entries shown (fewer while the run plays fast, so each update stays cheap).
    #[prop_or(SHOWN_MAX)]
    pub rows: usize,
}

fn kind_word(k: TraceKind) -> &'static str {
    match k {
        TraceKind::Deliver => "deliver",
        TraceKind::Lost => "lost",
        TraceKind::Timer => "timer",
        TraceKind::Action => "action",
        TraceKind::Note => "note",
    }
}

/// The event log.
#[component]
pub fn EventLog(p: &EventLogProps) -> Html {
    // Filter: 0 everything, 1 without deliveries, 2 important only.
    let filter = use_state(|| 1u8);
    let lab = p.handle.lab.borrow();
    let trace = lab.trace();
    let f = *filter;
    let rows = trace
        .iter()
        .rev()
        .filter(|e| match f {
            0 => true,
            1 => e.kind != TraceKind::Deliver,
            _ => e.important || e.kind == TraceKind::Action,
        })
        .take(p.rows.min(SHOWN_MAX))
        .enumerate()
        .map(|(row, e)| {
            let cb = p.on_action.clone();
            let event = e.event;
            let msg = e.msg;
            let (h1, h2) = (p.on_hover.clone(), p.on_hover.clone());
            let class = classes!(
                "entry",
                kind_word(e.kind),
                e.important.then_some("important"),
                (msg.is_some() && msg == p.hover).then_some("hover")
            );
            html! {
                <li class={class}
                    onmouseenter={Callback::from(move |_: MouseEvent| if msg.is_some() { h1.emit(msg) })}
                    onmouseleave={Callback::from(move |_: MouseEvent| if msg.is_some() { h2.emit(None) })}>
                    <button class="link" title="Travel to just after this event" tabindex={if row == 0 { "0" } else { "-1" }}
                        onclick={Callback::from(move |_: MouseEvent| cb.emit(LabAction::SeekEvent(event + 1)))}>
                        <span class="t">{ fmt_time(e.time) }</span>
                        <span class="k">{ kind_word(e.kind) }</span>
                        <span class="x">{ e.text.to_string() }</span>
                    </button>
                </li>
            }
        });
    let onchange = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                filter.set(s.value().parse().unwrap_or(1));
            }
        })
    };
    // One Tab stop for the whole list (it holds up to SHOWN_MAX entries); arrows move inside.
    let on_key = Callback::from(|e: KeyboardEvent| {
        let key = e.key();
        if !matches!(key.as_str(), "ArrowDown" | "ArrowUp" | "Home" | "End") {
            return;
        }
        let Some(list) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let Ok(buttons) = list.query_selector_all("button") else { return };
        let n = buttons.length();
        if n == 0 {
            return;
        }
        e.prevent_default();
        e.stop_propagation();
        let active = crate::util::active_element();
        let at = (0..n).find(|i| buttons.item(*i).zip(active.as_ref()).is_some_and(|(b, a)| b.is_same_node(Some(a.as_ref())))).unwrap_or(0);
        let next = match key.as_str() {
            "ArrowDown" => (at + 1).min(n - 1),
            "ArrowUp" => at.saturating_sub(1),
            "Home" => 0,
            _ => n - 1,
        };
        if let Some(b) = buttons.item(next).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = b.focus();
        }
    });
    html! {
        <div class="event-log">
            <div class="row">
                <label>{"Show "}
                    <select data-testid="event-filter" {onchange}>
                        <option value="0" selected={f == 0}>{"everything"}</option>
                        <option value="1" selected={f == 1}>{"all but deliveries"}</option>
                        <option value="2" selected={f == 2}>{"important"}</option>
                    </select>
                </label>
                <small>{ format!("{} entries kept", trace.len()) }</small>
            </div>
            <ol class="log" data-testid="event-log" aria-label="Event log, newest first; arrow keys move between entries" onkeydown={on_key}>{ for rows }</ol>
        </div>
    }
}
