//! Figures: the generic pictures a model adds to its view (see `distlab_core::figure`). One
//! renderer per kind, each in its own file; none knows which model it draws.
//!
//! Every figure is a titled panel with a caption; each renderer draws its picture and keeps a
//! text alternative (a table or a list) that screen readers read.
//!
//! Each figure is its own component that re-renders only when its figure changed (compared by
//! value, which is far cheaper than building and diffing its picture): a hash ring of 720 arcs
//! that stayed the same costs nothing on a refresh.

mod grid;
mod grid_canvas;
mod lists;
mod ring;
mod tree;

use crate::state::ViewRef;
use distlab_core::figure::{Figure, FigureKind};
use yew::prelude::*;

/// Properties of [`Figures`].
#[derive(Properties, PartialEq)]
pub struct FiguresProps {
    /// The picture whose figures to draw.
    pub view: ViewRef,
    /// Prefix of the panels' element ids, so two runs' figures on one page (compare mode)
    /// keep their ids unique.
    #[prop_or_default]
    pub id_prefix: &'static str,
    /// Added to each panel's accessible name (e.g. " (run A)"), so two runs' figures on one
    /// page are distinct landmarks.
    #[prop_or_default]
    pub label_suffix: &'static str,
    /// The run plays fast: big grids are painted on a canvas instead of built as tables (see
    /// `grid_canvas`).
    #[prop_or_default]
    pub fast: bool,
}

/// Every figure of the view, one panel each.
#[component]
pub fn Figures(p: &FiguresProps) -> Html {
    if p.view.figures.is_empty() {
        return html! {};
    }
    html! { <>{ for p.view.figures.iter().enumerate().map(|(i, f)| html! { <FigurePanel key={f.key} view={p.view.clone()} index={i} id_prefix={p.id_prefix} label_suffix={p.label_suffix} fast={p.fast} /> }) }</> }
}

/// Properties of [`FigurePanel`]: figure `index` of `view`.
#[derive(Properties)]
struct FigurePanelProps {
    view: ViewRef,
    index: usize,
    id_prefix: &'static str,
    label_suffix: &'static str,
    fast: bool,
}

impl PartialEq for FigurePanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.fast == other.fast
            && self.id_prefix == other.id_prefix && self.label_suffix == other.label_suffix && (self.view == other.view || (self.index == other.index && self.view.figures.get(self.index) == other.view.figures.get(other.index)))
    }
}

/// One figure, redrawn only when it differs from the one drawn.
#[component]
fn FigurePanel(p: &FigurePanelProps) -> Html {
    match p.view.figures.get(p.index) {
        Some(f) => figure(f, p.id_prefix, p.label_suffix, p.fast.then_some((&p.view, p.index))),
        None => html! {},
    }
}

/// Draws figure `f`; `fast` (the view holding it and its index) while the run plays fast.
fn figure(f: &Figure, id_prefix: &str, label_suffix: &str, fast: Option<(&ViewRef, usize)>) -> Html {
    let id = format!("fig-{id_prefix}{}", f.key);
    let body = match &f.kind {
        FigureKind::Grid(g) => match fast {
            Some((view, index)) if grid_canvas::wants_canvas(g) => html! { <grid_canvas::GridCanvas view={view.clone()} {index} title={f.title.clone()} /> },
            _ => grid::render(g, &f.title),
        },
        FigureKind::Tree(t) => tree::render(t),
        FigureKind::Ring(r) => ring::render_ring(r),
        FigureKind::RangeBar(b) => ring::render_bar(b),
        FigureKind::Lists(l) => lists::render(l),
        FigureKind::KeyGrid(k) => grid::render_keys(k, &f.title),
    };
    html! {
        <section class="panel figure" aria-labelledby={label_suffix.is_empty().then(|| id.clone())} aria-label={(!label_suffix.is_empty()).then(|| format!("{}{label_suffix}", f.title))}
            data-testid={format!("figure-{}", f.key)} key={f.key}>
            <h2 id={id}>{ f.title.clone() }</h2>
            if !f.caption.is_empty() { <p class="hint">{ f.caption.clone() }</p> }
            { body }
        </section>
    }
}
