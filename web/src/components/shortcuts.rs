//! The keyboard shortcut list, shown by `?`.

use yew::prelude::*;

/// Every shortcut: (keys, what).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("→", "step one event"),
    ("←", "step back one event"),
    ("Shift + → / ←", "jump 100 events"),
    ("[ / ]", "slower / faster"),
    ("Home", "go to time 0"),
    ("End", "go to the furthest point reached"),
    ("1 … 9", "open the menu of node 1 … 9"),
    ("Enter on a node", "open its menu (Tab moves between nodes)"),
    ("Esc", "close menus and this list"),
    ("r", "reset the lab"),
    ("s", "copy a share link"),
    ("?", "show this list"),
];

/// Properties of [`Shortcuts`].
#[derive(Properties, PartialEq)]
pub struct ShortcutsProps {
    /// Closes the list.
    pub on_close: Callback<()>,
}

/// The shortcut dialog.
#[component]
pub fn Shortcuts(p: &ShortcutsProps) -> Html {
    let close = {
        let cb = p.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    use_effect_with((), |_| {
        // Focus moves into the dialog and, when it closes, back to where it was.
        let before = crate::util::active_element();
        crate::util::focus_id("shortcuts-close");
        move || {
            if let Some(el) = before {
                crate::util::focus_element(&el);
            }
        }
    });
    html! {
        <div class="modal-backdrop" onclick={close.clone()}>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2 id="shortcuts-title">{"Keyboard shortcuts"}</h2>
                <table>
                    <tbody>
                        { for SHORTCUTS.iter().map(|(k, what)| html! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> }) }
                    </tbody>
                </table>
                <button id="shortcuts-close" onclick={close}>{"Close"}</button>
            </div>
        </div>
    }
}
