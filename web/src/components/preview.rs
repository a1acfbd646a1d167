//! A small live picture of a model for the home page: its default run, playing slowly (or a
//! still frame when the user prefers reduced motion).

use super::cluster::Cluster;
use crate::hooks::use_frames;
use crate::state::{Frame, LabAction, LabState, LAB_BUDGET_MS};
use distlab_core::{models, SEC};
use yew::prelude::*;

/// Properties of [`Preview`].
#[derive(Properties, PartialEq)]
pub struct PreviewProps {
    /// Model name.
    pub model: AttrValue,
}

/// The preview.
#[component]
pub fn Preview(p: &PreviewProps) -> Html {
    let model = p.model.to_string();
    let still = use_memo((), |_| crate::util::reduced_motion());
    let state = {
        let still = *still;
        use_reducer(move || {
            let lab = models::new_lab(&model, &[], 1, Vec::new()).expect("catalogued models build with defaults");
            let mut st = LabState::new(lab, None);
            // Start a little way in, so there is something to see at once.
            st.handle.lab.borrow_mut().run_until(SEC / 2, 200_000);
            st.refresh();
            st.playing = !still;
            st
        })
    };
    {
        let d = state.dispatcher();
        use_frames(state.playing, Callback::from(move |ms: f64| d.dispatch(LabAction::Tick(Frame::fixed(ms, LAB_BUDGET_MS)))));
    }
    let layout = state.handle.lab.borrow().info().layout;
    html! {
        <div class="preview" aria-hidden="true">
            <Cluster view={state.view.clone()} {layout} compact=true width={320.0} height={200.0} />
        </div>
    }
}
