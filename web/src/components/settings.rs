//! The settings panel, generated from the model's parameters. Live parameters change the
//! running simulation (a `Set` action, so it is in the script and replays); the others restart
//! the run from time 0 with the new configuration.

use crate::state::LabAction;
use distlab_core::{Action, Param, ParamKind, Value};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Properties of [`Settings`].
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    /// Current values (after live changes).
    pub live: Vec<Param>,
    /// Values the run started with.
    pub initial: Vec<Param>,
    /// Reports actions.
    pub on_action: Callback<LabAction>,
    /// The run has scripted actions still ahead (a lesson or scenario timeline). Changing a
    /// live setting now would branch and discard them, so it restarts with the new value and
    /// the whole timeline instead ("switch the mutation on and replay").
    #[prop_or_default]
    pub script_ahead: bool,
}

fn fmt_num(v: &Value) -> String {
    match v {
        Value::Num(n) => {
            if *n == n.trunc() && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                format!("{n}")
            }
        }
        other => other.to_text(),
    }
}

/// The settings panel.
#[component]
pub fn Settings(p: &SettingsProps) -> Html {
    let rows = p.live.iter().map(|param| {
        let key = param.key;
        let kind = param.kind.clone();
        let live = param.live;
        let initial = p.initial.clone();
        let cb = p.on_action.clone();
        let live = live && !p.script_ahead;
        let emit = Callback::from(move |value: Value| {
            if let Err(e) = kind.check(key, &value) {
                cb.emit(LabAction::Notice(true, e));
                return;
            }
            if live {
                cb.emit(LabAction::Act(Action::Set(key.to_string(), value)));
            } else {
                let settings = initial
                    .iter()
                    .map(|q| (q.key.to_string(), if q.key == key { value.clone() } else { q.value.clone() }))
                    .collect();
                cb.emit(LabAction::Restart(settings));
            }
        });
        let id = format!("param-{key}");
        let control = match &param.kind {
            ParamKind::Bool => {
                let checked = param.value == Value::Bool(true);
                let emit = emit.clone();
                html! { <input id={id.clone()} data-testid={id.clone()} type="checkbox" {checked}
                    onchange={Callback::from(move |e: Event| {
                        if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) { emit.emit(Value::Bool(i.checked())) }
                    })} /> }
            }
            ParamKind::Choice(names) => {
                let current = param.value.to_text();
                let emit = emit.clone();
                html! { <select id={id.clone()} data-testid={id.clone()}
                    onchange={Callback::from(move |e: Event| {
                        if let Some(s) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) { emit.emit(Value::Text(s.value())) }
                    })}>
                    { for names.iter().map(|n| html! { <option value={*n} selected={*n == current}>{*n}</option> }) }
                </select> }
            }
            ParamKind::Int { min, max } => {
                let emit = emit.clone();
                html! { <input id={id.clone()} data-testid={id.clone()} type="number" min={min.to_string()} max={max.to_string()} step="1"
                    value={fmt_num(&param.value)}
                    onchange={Callback::from(move |e: Event| {
                        if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                            if let Ok(v) = i.value().trim().parse::<f64>() { emit.emit(Value::Num(v)) }
                        }
                    })} /> }
            }
            ParamKind::Float { min, max } => {
                let emit = emit.clone();
                html! { <input id={id.clone()} data-testid={id.clone()} type="number" min={min.to_string()} max={max.to_string()} step="any"
                    value={fmt_num(&param.value)}
                    onchange={Callback::from(move |e: Event| {
                        if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                            if let Ok(v) = i.value().trim().parse::<f64>() { emit.emit(Value::Num(v)) }
                        }
                    })} /> }
            }
        };
        let range = match &param.kind {
            ParamKind::Int { min, max } => format!("{min}–{max}"),
            ParamKind::Float { min, max } => format!("{min}–{max}"),
            _ => String::new(),
        };
        html! {
            <div class="setting" title={param.help}>
                <label for={id.clone()}>{ param.label }
                    if !param.live { <span class="tag" title="Changing this restarts the run from time 0">{"restarts"}</span> }
                </label>
                { control }
                <small class="help">{ param.help }{ if range.is_empty() { String::new() } else { format!(" ({range})") } }</small>
            </div>
        }
    });
    html! {
        <div class="settings" data-testid="settings">{ for rows }</div>
    }
}
