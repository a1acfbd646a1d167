//! The ARIA live region that narrates important events (elections, commits, crashes) for
//! screen readers, and shows the latest one on screen.

use yew::prelude::*;

/// Properties of [`Announcer`].
#[derive(Properties, PartialEq)]
pub struct AnnouncerProps {
    /// The latest announcement.
    pub text: AttrValue,
}

/// The live region.
#[component]
pub fn Announcer(p: &AnnouncerProps) -> Html {
    html! {
        <div class="announcer" aria-live="polite" aria-atomic="true" role="status" data-testid="announcer">{ p.text.clone() }</div>
    }
}
