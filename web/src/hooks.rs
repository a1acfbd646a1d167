//! The animation loop as a hook: calls back once per display frame with the real
//! milliseconds since the previous frame, while `active`.

use crate::pacing::Pacer;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

type FrameFn = Closure<dyn FnMut(f64)>;

fn request(f: &FrameFn) -> Option<i32> {
    web_sys::window()?.request_animation_frame(f.as_ref().unchecked_ref()).ok()
}

/// Runs `on_frame(elapsed_ms)` every animation frame while `active`.
#[hook]
pub fn use_frames(active: bool, on_frame: Callback<f64>) {
    use_effect_with(active, move |active| {
        let stop = Rc::new(Cell::new(!*active));
        // The classic self-rescheduling closure: one closure lives as long as the loop.
        let slot: Rc<RefCell<Option<FrameFn>>> = Rc::new(RefCell::new(None));
        let id = Rc::new(Cell::new(None::<i32>));
        if *active {
            let last = Cell::new(None::<f64>);
            let (slot2, stop2, id2) = (slot.clone(), stop.clone(), id.clone());
            *slot.borrow_mut() = Some(Closure::wrap(Box::new(move |ts: f64| {
                if stop2.get() {
                    return;
                }
                let dt = last.get().map_or(16.7, |l| ts - l);
                last.set(Some(ts));
                crate::util::record_frame(dt);
                on_frame.emit(dt);
                if let Some(f) = slot2.borrow().as_ref() {
                    id2.set(request(f));
                }
            }) as Box<dyn FnMut(f64)>));
            if let Some(f) = slot.borrow().as_ref() {
                id.set(request(f));
            }
        }
        move || {
            stop.set(true);
            if let (Some(w), Some(i)) = (web_sys::window(), id.get()) {
                let _ = w.cancel_animation_frame(i);
            }
            // Break the cycle (the closure holds `slot`) so it is freed.
            slot.borrow_mut().take();
        }
    });
}

/// What a page reports about the frame it just rendered, for its [`Pacer`]: the heavy panel it
/// refreshed (if any) and the real milliseconds the frame spent simulating.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rendered {
    /// The heavy panel refreshed, if any.
    pub panel: Option<usize>,
    /// Milliseconds spent simulating.
    pub sim_ms: f64,
}

/// Tells a page's frame loop which heavy panel (if any) the coming frame refreshes, given the
/// page clock; such frames cost more, and the pacer leaves room for them.
pub type PlanFn = Rc<dyn Fn(f64) -> Option<usize>>;

/// [`use_frames`] with a [`Pacer`]: each frame, `on_frame` receives the elapsed time and the
/// simulation budget the pacer grants (what rendering is expected to leave of the frame); after
/// the render that follows, the pacer learns what the frame cost from `rendered`, which the
/// page fills in while rendering. `names` labels the panels in the figures recorded for
/// benchmarks (`window.__distlabSimMs`, `__distlabRenderMs`, `__distlabBudgetMs`,
/// `__distlabRefresh_<panel>`).
#[hook]
pub fn use_paced_frames(active: bool, names: &'static [&'static str], plan: PlanFn, rendered: Rc<Cell<Rendered>>, on_frame: Callback<crate::state::Frame>) {
    let pacer = use_mut_ref(|| Pacer::new(names.len()));
    use_frames(
        active,
        Callback::from(move |elapsed_ms: f64| {
            let t0 = crate::util::perf_now();
            let panel = plan(t0);
            let budget_ms = {
                let mut p = pacer.borrow_mut();
                p.frame_began(elapsed_ms);
                p.budget(panel)
            };
            on_frame.emit(crate::state::Frame { elapsed_ms, budget_ms, figures: true });
            // yew renders in a task the emit queued (through the page's dispatch); this task
            // runs after it.
            let (pacer, rendered) = (pacer.clone(), rendered.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = rendered.get();
                let total = crate::util::perf_now() - t0;
                pacer.borrow_mut().frame_done(r.panel, total, r.sim_ms);
                crate::util::record("__distlabSimMs", r.sim_ms);
                crate::util::record("__distlabRenderMs", total - r.sim_ms);
                crate::util::record("__distlabBudgetMs", budget_ms);
                if let Some(name) = r.panel.and_then(|i| names.get(i)) {
                    crate::util::record(&format!("__distlabRefresh_{name}"), total - r.sim_ms);
                }
            });
        }),
    );
}
