//! A node's menu: faults (crash, restart, pause, resume, slow, isolate) and the model's own
//! commands, plus the node's details. Opened by click or keyboard; Escape closes it.
//!
//! A command the model offers without an argument although its [`CommandInfo`] says it takes
//! one (a trace of keys, say) opens a small form instead: a text box, or a text file to load,
//! handed to the model as the argument. The model validates it; a bad argument comes back as
//! the page's notice, naming what is wrong.

use crate::state::LabAction;
use distlab_core::{Action, CommandInfo, NodeStatus, NodeView};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Properties of [`NodeMenu`].
#[derive(Properties, PartialEq)]
pub struct NodeMenuProps {
    /// The node.
    pub node: NodeView,
    /// Model commands offered now: (command, argument, label).
    pub commands: Vec<(&'static str, String, String)>,
    /// Byzantine behaviours the model offers for this node.
    #[prop_or_default]
    pub byzantine: &'static [distlab_core::ByzantineMode],
    /// Reports actions.
    pub on_action: Callback<LabAction>,
    /// Closes the menu.
    pub on_close: Callback<()>,
    /// The model's commands (what each argument looks like).
    #[prop_or_default]
    pub infos: Infos,
}

/// A model's static command list, compared by address.
#[derive(Clone, Copy, Default)]
pub struct Infos(pub &'static [CommandInfo]);

impl PartialEq for Infos {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.0, other.0)
    }
}

/// Largest file the form reads (the model has its own, usually smaller, limit).
const FILE_BYTES_MAX: f64 = 4.0 * 1024.0 * 1024.0;

/// Properties of [`CommandInput`].
#[derive(Properties, PartialEq)]
struct CommandInputProps {
    node: distlab_core::NodeId,
    info: Info,
    label: String,
    on_action: Callback<LabAction>,
    on_close: Callback<()>,
}

/// One command's static description, compared by address.
#[derive(Clone, Copy)]
struct Info(&'static CommandInfo);

impl PartialEq for Info {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.0, other.0)
    }
}

/// The form for a command that takes a free-text argument.
#[component]
fn CommandInput(p: &CommandInputProps) -> Html {
    let text_ref = use_node_ref();
    {
        let text_ref = text_ref.clone();
        use_effect_with((), move |_| {
            if let Some(t) = text_ref.cast::<web_sys::HtmlElement>() {
                let _ = t.focus();
            }
        });
    }
    let send = {
        let cb = p.on_action.clone();
        let close = p.on_close.clone();
        let (node, name) = (p.node, p.info.0.name);
        Callback::from(move |arg: String| {
            cb.emit(LabAction::Act(Action::Command { node, name: name.to_string(), arg }));
            close.emit(());
        })
    };
    let onsubmit = {
        let send = send.clone();
        let text_ref = text_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(t) = text_ref.cast::<web_sys::HtmlTextAreaElement>() {
                send.emit(t.value());
            }
        })
    };
    let onfile = {
        let send = send.clone();
        let cb = p.on_action.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let name = file.name();
            if file.size() > FILE_BYTES_MAX {
                cb.emit(LabAction::Notice(true, format!("{name} is {:.1} MB; the largest file read here is 4 MB.", file.size() / 1_048_576.0)));
                return;
            }
            let send = send.clone();
            let cb = cb.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(t) => send.emit(t.as_string().unwrap_or_default()),
                    Err(_) => cb.emit(LabAction::Notice(true, format!("Could not read {name}."))),
                }
            });
        })
    };
    let cancel = {
        let close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| close.emit(()))
    };
    let info = p.info.0;
    let id = format!("command-text-{}", info.name);
    html! {
        <form class="command-input" data-testid="command-input" data-command={info.name} {onsubmit}>
            <p class="command-help">{ info.summary }</p>
            <label for={id.clone()}>{ format!("{}: {}", p.label, info.arg) }</label>
            <textarea id={id} ref={text_ref} rows="6" spellcheck="false" data-testid="command-text" />
            <label class="command-file">{ "…or load a text file: " }
                <input type="file" accept=".txt,.csv,.log,text/plain" data-testid="command-file" onchange={onfile} />
            </label>
            <div class="command-buttons">
                <button type="submit" data-testid="command-submit">{ "Run" }</button>
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// The node menu.
#[component]
pub fn NodeMenu(p: &NodeMenuProps) -> Html {
    let menu_ref = use_node_ref();
    {
        // Focus the first item when the menu opens, so keyboard users land in it.
        let menu_ref = menu_ref.clone();
        use_effect_with(p.node.id, move |_| {
            if let Some(el) = menu_ref.cast::<web_sys::HtmlElement>() {
                // Opened next to a node near the right edge, the menu would run off the screen:
                // slide it left (or, next to a node on the far left of a narrow screen, right).
                let _ = el.set_attribute("style", "");
                let vw = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1e9);
                let r = el.get_bounding_client_rect();
                let shift = if r.right() > vw - 8.0 { -(r.right() - vw + 8.0).min(r.left() - 8.0).max(0.0) } else { 0.0 };
                if shift != 0.0 {
                    let _ = el.set_attribute("style", &format!("transform:translateX({shift:.0}px)"));
                }
            }
            if let Some(el) = menu_ref.cast::<web_sys::Element>() {
                if let Ok(Some(b)) = el.query_selector("[role=menuitem]") {
                    if let Ok(b) = b.dyn_into::<web_sys::HtmlElement>() {
                        let _ = b.focus();
                    }
                }
            }
        });
    }
    let input = use_state(|| None::<Info>);
    let id = p.node.id;
    let item = |testid: &'static str, text: String, action: Action| {
        let cb = p.on_action.clone();
        let close = p.on_close.clone();
        html! {
            <button role="menuitem" data-testid={testid} onclick={Callback::from(move |_: MouseEvent| {
                cb.emit(LabAction::Act(action.clone()));
                close.emit(());
            })}>{text}</button>
        }
    };
    let status = p.node.status;
    let mut items = Vec::new();
    if status == NodeStatus::Crashed {
        items.push(item("restart", "Restart".into(), Action::Restart(id)));
    } else {
        items.push(item("crash", "Crash".into(), Action::Crash(id)));
        if status == NodeStatus::Paused {
            items.push(item("resume", "Resume".into(), Action::Resume(id)));
        } else {
            items.push(item("pause", "Pause".into(), Action::Pause(id)));
        }
        if let NodeStatus::Slow(_) = status {
            items.push(item("slow", "Normal speed".into(), Action::Slow(id, 1)));
        } else {
            items.push(item("slow", "Slow down ×4".into(), Action::Slow(id, 4)));
        }
    }
    items.push(item("isolate", "Isolate from the network".into(), Action::Isolate(id)));
    if !p.commands.is_empty() {
        items.push(html! { <div role="separator" class="menu-sep">{"Commands"}</div> });
    }
    for (name, arg, label) in &p.commands {
        let testid: &'static str = "command";
        if let Some(info) = p.infos.0.iter().find(|i| i.name == *name && !i.arg.is_empty() && arg.is_empty()) {
            // A free-text argument: open the form.
            let input = input.clone();
            items.push(html! {
                <button role="menuitem" data-testid={testid} data-command={*name} aria-haspopup="dialog"
                    onclick={Callback::from(move |_: MouseEvent| input.set(Some(Info(info))))}>{ format!("{label}…") }</button>
            });
            continue;
        }
        let cb = p.on_action.clone();
        let close = p.on_close.clone();
        let action = Action::Command { node: id, name: name.to_string(), arg: arg.clone() };
        items.push(html! {
            <button role="menuitem" data-testid={testid} data-command={*name} onclick={Callback::from(move |_: MouseEvent| {
                cb.emit(LabAction::Act(action.clone()));
                close.emit(());
            })}>{label.clone()}</button>
        });
    }
    if !p.byzantine.is_empty() {
        items.push(html! { <div role="separator" class="menu-sep">{"Byzantine"}</div> });
        let modes = p.byzantine.iter().map(|m| (m.name, m.label, m.summary)).chain([(distlab_core::HONEST_MODE, "Honest again", "Follow the protocol again.")]);
        for (name, label, summary) in modes {
            let cb = p.on_action.clone();
            let close = p.on_close.clone();
            let action = Action::Command { node: id, name: distlab_core::BYZANTINE_COMMAND.into(), arg: name.into() };
            items.push(html! {
                <button role="menuitem" class="menu-byzantine" data-testid="byzantine" data-mode={name} title={summary} onclick={Callback::from(move |_: MouseEvent| {
                    cb.emit(LabAction::Act(action.clone()));
                    close.emit(());
                })}>{label}</button>
            });
        }
    }
    let onkeydown = {
        let close = p.on_close.clone();
        let menu_ref = menu_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Escape" {
                e.stop_propagation();
                close.emit(());
                return;
            }
            let in_form = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|t| t.closest("form").ok().flatten().is_some());
            if (key != "ArrowDown" && key != "ArrowUp") || in_form {
                return;
            }
            // Arrow keys move between items.
            e.prevent_default();
            e.stop_propagation();
            let Some(el) = menu_ref.cast::<web_sys::Element>() else { return };
            let Ok(list) = el.query_selector_all("button") else { return };
            let n = list.length();
            let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
            let mut at = 0;
            for i in 0..n {
                if let (Some(node), Some(a)) = (list.item(i), active.as_ref()) {
                    if node.is_same_node(Some(a.as_ref())) {
                        at = i;
                    }
                }
            }
            let next = if key == "ArrowDown" { (at + 1) % n.max(1) } else { (at + n.max(1) - 1) % n.max(1) };
            if let Some(b) = list.item(next).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = b.focus();
            }
        })
    };
    let close = {
        let c = p.on_close.clone();
        Callback::from(move |_: MouseEvent| c.emit(()))
    };
    html! {
        <div class="node-menu" data-testid="node-menu" ref={menu_ref} {onkeydown}
            onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
            <div class="menu-head">
                <strong>{ format!("{} · {}", p.node.label, p.node.role) }</strong>
                <button class="icon" aria-label="Close menu" data-testid="node-menu-close" onclick={close}>{"✕"}</button>
            </div>
            if let Some(info) = *input {
                <CommandInput node={id} {info} label={p.node.label.clone()} on_action={p.on_action.clone()} on_close={p.on_close.clone()} />
            } else {
                <div role="menu" aria-label={format!("Actions for {}", p.node.label)}>
                    <div role="separator" class="menu-sep">{"Faults"}</div>
                    { for items }
                </div>
            }
            if !p.node.details.is_empty() {
                // Focusable, so that keyboard users can scroll a long list (axe:
                // scrollable-region-focusable).
                <dl class="details" tabindex="0">
                    { for p.node.details.iter().map(|(k, v)| html! { <><dt>{k.clone()}</dt><dd>{v.clone()}</dd></> }) }
                </dl>
            }
        </div>
    }
}
