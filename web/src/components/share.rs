//! Share link, export and import. The link carries the model, settings, seed, the action
//! script and the current time (opened, it replays to that moment exactly); the export is the
//! same scenario as a JSON file that the command-line runner also reads.

use crate::route::Route;
use crate::state::LabAction;
use crate::util::{base_url, copy_text, download, replace_hash};
use distlab_core::scenario::Scenario;
use distlab_core::share;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Properties of [`ShareBar`].
#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    /// Builds the scenario of the run as it stands.
    pub scenario: Callback<(), Scenario>,
    /// Reports actions (loading an import, notices).
    pub on_action: Callback<LabAction>,
}

/// Share / export / import buttons.
#[component]
pub fn ShareBar(p: &ShareBarProps) -> Html {
    // The link, and what it leaves out (long uploads that would make it unwieldy).
    let link = use_state(|| None::<(String, Vec<String>)>);
    let on_share = {
        let scenario = p.scenario.clone();
        let link = link.clone();
        Callback::from(move |_: MouseEvent| {
            let s = scenario.emit(());
            let bounded = share::encode_bounded(&s);
            let hash = Route::Lab { model: s.model.clone(), share: Some(bounded.payload) }.to_hash();
            // Replace, not push: the page stays as it is, but the address bar now reproduces it.
            replace_hash(&hash);
            let url = format!("{}{hash}", base_url());
            copy_text(&url);
            link.set(Some((url, bounded.omitted)));
        })
    };
    let on_export = {
        let scenario = p.scenario.clone();
        Callback::from(move |_: MouseEvent| {
            let s = scenario.emit(());
            download(&format!("{}-seed{}.json", s.model, s.seed), "application/json", &s.to_json());
        })
    };
    let on_import = {
        let cb = p.on_action.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let cb = cb.clone();
            let name = file.name();
            wasm_bindgen_futures::spawn_local(async move {
                let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(t) => t.as_string().unwrap_or_default(),
                    Err(_) => {
                        cb.emit(LabAction::Notice(true, format!("Could not read {name}.")));
                        return;
                    }
                };
                match Scenario::parse(&text).and_then(|s| {
                    let lab = s.build()?;
                    Ok((s, lab))
                }) {
                    Ok((s, mut lab)) => {
                        if let Some(t) = s.run_for {
                            lab.seek_time(t.0);
                        }
                        cb.emit(LabAction::Load(lab, format!("Imported {name}.")));
                    }
                    Err(e) => cb.emit(LabAction::Notice(true, format!("{name} is not a scenario this lab can open: {}", e.0))),
                }
            });
        })
    };
    let close = {
        let link = link.clone();
        Callback::from(move |_: MouseEvent| link.set(None))
    };
    html! {
        <div class="share-bar">
            <button data-testid="share" onclick={on_share} title="Copy a link that reproduces this run (s)">{"Share link"}</button>
            <button data-testid="export" onclick={on_export} title="Download the scenario as JSON">{"⬇ Export"}</button>
            <label class="button" title="Open a scenario JSON file">{"⬆ Import"}
                <input type="file" accept=".json,application/json" class="sr-only" data-testid="import" onchange={on_import} />
            </label>
            if let Some((url, omitted)) = &*link {
                <div class="share-link" role="status">
                    if omitted.is_empty() {
                        <span>{"Link copied. It reproduces this run up to now:"}</span>
                    } else {
                        <span data-testid="share-omitted">{ format!(
                            "Link copied, without {} (too long for a link): opened, it runs without {}. Export keeps everything.",
                            omitted.join(", "), if omitted.len() == 1 { "it" } else { "them" }
                        ) }</span>
                    }
                    <input type="text" readonly=true value={url.clone()} data-testid="share-url"
                        onfocus={Callback::from(|e: FocusEvent| {
                            if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) { i.select() }
                        })} />
                    <button class="icon" aria-label="Close" onclick={close}>{"✕"}</button>
                </div>
            }
        </div>
    }
}
