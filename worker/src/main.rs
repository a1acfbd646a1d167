//! The model checker's Web Worker: a separate wasm, loaded the first time a learner starts a
//! search, so the page's main bundle does not carry the checker and the page keeps its frame
//! rate while it searches. A package of its own so that it is built for speed (opt-level 3,
//! see `profile.worker-release`) while the page is built for size, and with its own allocator
//! (src/heap.rs).
//!
//! Protocol (plain JS objects, no codec): the page sends `{cmd: "start", scenario, strategy,
//! depth, crashes, drops, duplicates, partitions, commands, states, seed}` (the scenario JSON
//! carries the model and its settings), `{cmd: "pause"}` and `{cmd: "resume"}`. The worker
//! answers `{kind: "ready"}` once loaded, then `{kind: "progress", ...}` after every slice
//! (about 40 ms of search) and, on a violation, the shrunk counterexample as scenario JSON and
//! a share payload. Between slices it yields to its event loop, which is how a pause arrives.
//! Progress carries the heap in use; past `MEMORY_MAX` the worker stops the search with the
//! status "memory" rather than let a failed allocation end it.
//! A find-the-bug exercise sends `{cmd: "start", scenario, spec, control}` instead: `scenario`
//! is the challenge's start, `spec` its checker part (JSON), and the search is the one the
//! exercise states (with the mutation off when `control` is true).

#[cfg(target_arch = "wasm32")]
mod heap;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

#[cfg(target_arch = "wasm32")]
mod worker {
    use distlab_core::explore::{Budget, Checker, Config, Status, Strategy};
    use distlab_core::scenario::Scenario;
    use distlab_core::{models, share};
    use js_sys::{Array, Object, Reflect};
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// Real time one slice of search takes before the worker yields.
    const SLICE_MS: f64 = 40.0;

    /// Heap a search may hold before the worker stops it. A wasm32 memory can reach 4 GiB, but
    /// a browser may refuse to grow it well before (on a phone, or with many tabs open), and a
    /// failed allocation ends the worker. So stop at about half: a slice adds some tens of
    /// megabytes, far less than what is left. The search stops as if at its state bound, with
    /// its own status, and can be started over with a smaller bound or depth.
    const MEMORY_MAX: f64 = (2u64 << 30) as f64;

    #[derive(Default)]
    struct State {
        checker: Option<Box<dyn Checker>>,
        paused: bool,
        scheduled: bool,
        /// Search time so far (ms), excluding pauses.
        busy_ms: f64,
        /// Steps per slice, adapted to take about `SLICE_MS`.
        slice: u64,
        reported_violation: bool,
        /// The search was stopped at `MEMORY_MAX`.
        out_of_memory: bool,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State { slice: 500, ..State::default() });
        static TICK: RefCell<Option<Closure<dyn FnMut()>>> = const { RefCell::new(None) };
    }

    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    fn now() -> f64 {
        js_sys::Date::now()
    }

    fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
        let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
    }

    fn num(o: &JsValue, k: &str) -> Option<f64> {
        Reflect::get(o, &JsValue::from_str(k)).ok().and_then(|v| v.as_f64())
    }

    fn text(o: &JsValue, k: &str) -> Option<String> {
        Reflect::get(o, &JsValue::from_str(k)).ok().and_then(|v| v.as_string())
    }

    fn post(o: &Object) {
        let _ = scope().post_message(o);
    }

    fn error(msg: String) {
        let o = Object::new();
        set(&o, "kind", "error");
        set(&o, "message", msg);
        post(&o);
    }

    fn schedule(st: &mut State) {
        if st.scheduled {
            return;
        }
        st.scheduled = true;
        TICK.with(|t| {
            if let Some(cb) = t.borrow().as_ref() {
                let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(cb.as_ref().unchecked_ref(), 0);
            }
        });
    }

    fn status_name(s: Status, st: &State) -> &'static str {
        match s {
            Status::Running if st.out_of_memory => "memory",
            Status::Running if st.paused => "paused",
            Status::Running => "running",
            Status::Exhausted => "exhausted",
            Status::Bounded => "bounded",
            Status::Violation => "violation",
        }
    }

    fn progress(st: &mut State) {
        let Some(status) = st.checker.as_ref().map(|c| c.status()) else { return };
        let name = status_name(status, st);
        let Some(c) = st.checker.as_mut() else { return };
        let s = c.stats();
        let o = Object::new();
        set(&o, "kind", "progress");
        set(&o, "status", name);
        set(&o, "explored", s.explored as f64);
        set(&o, "distinct", s.distinct as f64);
        set(&o, "depth", s.depth);
        set(&o, "frontier", s.frontier as f64);
        set(&o, "walks", s.walks as f64);
        set(&o, "state_bytes", s.state_bytes as f64);
        set(&o, "busy_ms", st.busy_ms);
        set(&o, "memory_bytes", crate::heap::in_use() as f64);
        set(&o, "memory_size", crate::heap::memory_size_bytes() as f64);
        set(&o, "memory_max", MEMORY_MAX);
        let goals = Array::new();
        for (label, at) in c.goals() {
            let g = Array::new();
            g.push(&JsValue::from_str(label));
            g.push(&JsValue::from_bool(at.is_some()));
            goals.push(&g);
        }
        set(&o, "goals", goals);
        if status == Status::Violation && !st.reported_violation {
            st.reported_violation = true;
            let before = c.counterexample().map_or(0, |c| c.actions.len());
            c.shrink(4_000);
            if let (Some(cex), Some(scenario)) = (c.counterexample(), c.scenario()) {
                set(&o, "invariant", cex.invariant);
                set(&o, "detail", cex.detail.clone());
                set(&o, "found_steps", before as f64);
                set(&o, "steps", c.describe_steps().into_iter().map(JsValue::from).collect::<Array>());
                set(&o, "scenario", scenario.to_json());
                set(&o, "link", share::encode(&scenario));
            }
        }
        post(&o);
    }

    fn tick() {
        STATE.with(|s| {
            let mut st = s.borrow_mut();
            st.scheduled = false;
            if st.paused {
                return;
            }
            let slice = st.slice;
            let Some(c) = st.checker.as_mut() else { return };
            let t0 = now();
            let status = c.run(slice);
            let spent = (now() - t0).max(0.0);
            st.busy_ms += spent;
            // Aim at SLICE_MS per slice: grow or shrink the step count, within bounds.
            let per_step = spent / slice as f64;
            st.slice = if per_step > 0.0 { ((SLICE_MS / per_step) as u64).clamp(20, 200_000) } else { (slice * 2).min(200_000) };
            st.out_of_memory = status == Status::Running && crate::heap::in_use() as f64 >= MEMORY_MAX;
            progress(&mut st);
            if status == Status::Running && !st.out_of_memory {
                schedule(&mut st);
            }
        });
    }

    /// A search request: model name, settings, configuration.
    type Request = (String, Vec<(String, distlab_core::Value)>, Config);

    fn config(msg: &JsValue) -> Result<Request, String> {
        let scenario = Scenario::parse(&text(msg, "scenario").unwrap_or_default()).map_err(|e| e.0)?;
        let settings = scenario.settings().map_err(|e| e.0)?;
        let strategy = Strategy::parse(&text(msg, "strategy").unwrap_or_else(|| "bfs".into()))?;
        let n = |k: &str, default: u32| num(msg, k).map_or(default, |x| x.clamp(0.0, u32::MAX as f64) as u32);
        let limit = Budget { crashes: n("crashes", 0), drops: n("drops", 0), duplicates: n("duplicates", 0), partitions: n("partitions", 0), commands: n("commands", 1) };
        let config = Config {
            strategy,
            depth_max: n("depth", 12),
            limit,
            seed: num(msg, "seed").map_or(scenario.seed, |x| x.max(0.0) as u64),
            states_max: num(msg, "states").map_or(1_000_000, |x| x.max(1.0) as u64),
            ..Config::default()
        };
        Ok((scenario.model, settings, config))
    }

    fn start(msg: &JsValue) -> Result<Box<dyn Checker>, String> {
        if let Some(spec) = text(msg, "spec") {
            let spec = distlab_core::challenge::CheckerSpec::from_json(&spec).map_err(|e| e.0)?;
            let start = Scenario::parse(&text(msg, "scenario").unwrap_or_default()).map_err(|e| e.0)?;
            let control = Reflect::get(msg, &JsValue::from_str("control")).ok().and_then(|v| v.as_bool()).unwrap_or(false);
            return spec.checker(&start, control).map_err(|e| e.0);
        }
        config(msg).and_then(|(model, settings, config)| models::new_checker(&model, &settings, config))
    }

    fn on_message(e: MessageEvent) {
        let msg = e.data();
        let cmd = text(&msg, "cmd").unwrap_or_default();
        STATE.with(|s| {
            let mut st = s.borrow_mut();
            match cmd.as_str() {
                "start" => match start(&msg) {
                    Ok(c) => {
                        *st = State { checker: Some(c), slice: 200, ..State::default() };
                        progress(&mut st);
                        schedule(&mut st);
                    }
                    Err(e) => error(e),
                },
                "pause" => {
                    st.paused = true;
                    progress(&mut st);
                }
                "resume" if !st.out_of_memory => {
                    st.paused = false;
                    schedule(&mut st);
                }
                "resume" => progress(&mut st),
                _ => error(format!("unknown command \"{cmd}\"")),
            }
        });
    }

    pub fn main() {
        TICK.with(|t| *t.borrow_mut() = Some(Closure::new(tick)));
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
        scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
        handler.forget();
        let ready = Object::new();
        set(&ready, "kind", "ready");
        post(&ready);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::main();
}
