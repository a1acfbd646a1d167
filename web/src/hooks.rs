//! The animation loop as a hook: calls back once per display frame with the real
//! milliseconds since the previous frame, while `active`.

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
