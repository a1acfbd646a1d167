//! The dismissable notice above a lab (errors such as a damaged share link, or information).

use yew::prelude::*;

/// Renders a notice: `(is_error, text)`. Errors are announced as alerts, the rest as status.
pub fn banner((err, text): (bool, String), on_dismiss: Callback<MouseEvent>) -> Html {
    html! {
        <div class={classes!("notice", if err { "error" } else { "info" })} role={if err { "alert" } else { "status" }} data-testid="notice">
            <span>{ text }</span>
            <button class="icon" aria-label="Dismiss" onclick={on_dismiss}>{"✕"}</button>
        </div>
    }
}
