//! Frame pacing: how many real milliseconds the simulation may spend in the next frame.
//!
//! A frame at 60 Hz lasts 16.7 ms and holds three kinds of work: the simulation, our rendering
//! (yew, the canvas, the charts), and the browser's own style, layout, paint and compositing.
//! Only the first can be stretched or shrunk, so the simulation gets what the other two leave:
//!
//! ```text
//! sim budget = target − (estimated cost of rendering this frame)
//! ```
//!
//! The render cost is measured every frame (from the frame callback to the end of the render
//! that follows it, minus the simulation's own share) and kept per kind of frame: ordinary
//! frames, and frames that also refresh one of the heavy panels (a chart, the space-time
//! diagram), which cost more and are known in advance. The estimates rise at once and decay
//! slowly, so they track a high percentile rather than the mean: a frame that overruns is the
//! thing to avoid, not a frame that finishes early.
//!
//! What the browser itself costs (style, layout, paint, compositing) JavaScript cannot time, so
//! it is learnt from late frames, and blamed on the kind of frame that came late. After an
//! ordinary frame, the target itself drops 0.75 ms, and each ordinary frame on time gives
//! 0.03 ms back, so it settles where about one in 26 is late (0.03 / (0.75 + 0.03)) if the
//! page is what makes frames late. After a refresh, only that panel's frames leave more room
//! (their update may have given the browser much to lay out and paint).

/// Least budget: the simulation always moves, however heavy the page.
pub const MIN_BUDGET_MS: f64 = 0.75;
/// Most budget, even when the page is light (leaves room for input handling).
pub const MAX_BUDGET_MS: f64 = 8.0;
/// Where the target starts, and its bounds: our JavaScript per frame, everything included.
const TARGET_START_MS: f64 = 10.0;
const TARGET_MIN_MS: f64 = 4.0;
const TARGET_MAX_MS: f64 = 12.0;
/// A frame interval above this is late (at 60 Hz: one vsync missed, with slack for jitter).
pub const LATE_MS: f64 = 20.0;
/// What a late frame takes off the target, and what a frame on time gives back.
const TARGET_DOWN_MS: f64 = 0.75;
const TARGET_UP_MS: f64 = 0.03;

/// A cost estimate that jumps up to a new maximum and decays slowly towards cheaper frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    ms: f64,
}

impl Estimate {
    /// Weight of a measurement above the estimate, and below it.
    const UP: f64 = 0.6;
    const DOWN: f64 = 0.04;

    /// An estimate starting at `ms`.
    pub const fn new(ms: f64) -> Estimate {
        Estimate { ms }
    }

    /// The estimate (ms).
    pub fn ms(&self) -> f64 {
        self.ms
    }

    /// Takes in one measurement.
    pub fn add(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        let w = if ms > self.ms { Self::UP } else { Self::DOWN };
        self.ms += w * (ms - self.ms);
    }
}

/// What the pacer knows about one kind of frame: ordinary frames, or frames that refresh one
/// particular heavy panel.
#[derive(Clone, Debug)]
struct Kind {
    /// Our rendering's cost.
    render: Estimate,
    /// Extra room for the browser's own work after such a frame (style, layout, paint of what
    /// the refresh changed), learnt from late frames: JavaScript cannot time that work, but a
    /// frame of this kind that came late shows it was underestimated.
    after: f64,
}

/// What one late refresh adds to its kind's allowance, and what one on time takes back.
const AFTER_UP_MS: f64 = 1.5;
const AFTER_DOWN_MS: f64 = 0.05;

/// The frame pacer of one animated page.
#[derive(Clone, Debug)]
pub struct Pacer {
    target: f64,
    /// Index 0: ordinary frames; 1 + i: frames that refresh panel i.
    kinds: Vec<Kind>,
    /// The kind of the frame before this one, once it ran.
    last: Option<usize>,
}

impl Pacer {
    /// A pacer for a page with `panels` heavy panels refreshed in turn.
    pub fn new(panels: usize) -> Pacer {
        let kind = |ms| Kind { render: Estimate::new(ms), after: 0.0 };
        let mut kinds = vec![kind(3.0)];
        kinds.extend((0..panels).map(|_| kind(6.0)));
        Pacer { target: TARGET_START_MS, kinds, last: None }
    }

    fn kind(panel: Option<usize>) -> usize {
        panel.map_or(0, |p| p + 1)
    }

    /// A frame began `interval_ms` after the previous one. If that one came late, the blame
    /// goes to its kind: a refresh of a panel learns to leave more room after it; an ordinary
    /// frame lowers the target for every frame.
    pub fn frame_began(&mut self, interval_ms: f64) {
        let late = interval_ms > LATE_MS;
        match self.last.take() {
            Some(k) if k > 0 => {
                let after = &mut self.kinds[k].after;
                *after = if late { *after + AFTER_UP_MS } else { (*after - AFTER_DOWN_MS).max(0.0) };
            }
            _ if late => self.target = (self.target - TARGET_DOWN_MS).max(TARGET_MIN_MS),
            _ => self.target = (self.target + TARGET_UP_MS).min(TARGET_MAX_MS),
        }
    }

    /// Simulation budget for a frame that refreshes `panel` (or none).
    pub fn budget(&self, panel: Option<usize>) -> f64 {
        let plain = self.kinds[0].render.ms();
        let cost = match self.kinds.get(Self::kind(panel)) {
            Some(k) if panel.is_some() => k.render.ms().max(plain) + k.after,
            _ => plain,
        };
        (self.target - cost).clamp(MIN_BUDGET_MS, MAX_BUDGET_MS)
    }

    /// A frame's work ended: `total_ms` from the frame callback to the end of rendering, of
    /// which `sim_ms` was the simulation; it refreshed `panel` (or none).
    pub fn frame_done(&mut self, panel: Option<usize>, total_ms: f64, sim_ms: f64) {
        let k = Self::kind(panel).min(self.kinds.len() - 1);
        self.kinds[k].render.add((total_ms - sim_ms).max(0.0));
        self.last = Some(k);
    }

    /// The target (ms of JavaScript per frame) as adapted so far.
    pub fn target(&self) -> f64 {
        self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_rises_at_once_and_decays_slowly() {
        let mut e = Estimate::new(2.0);
        e.add(10.0);
        assert!(e.ms() > 6.0, "one expensive frame moves the estimate most of the way: {}", e.ms());
        let high = e.ms();
        e.add(1.0);
        assert!(e.ms() > high - 0.5, "one cheap frame barely lowers it: {}", e.ms());
        for _ in 0..200 {
            e.add(1.0);
        }
        assert!((e.ms() - 1.0).abs() < 0.1, "a long run of cheap frames brings it down: {}", e.ms());
        e.add(f64::NAN);
        e.add(-3.0);
        assert!((e.ms() - 1.0).abs() < 0.1, "nonsense measurements are ignored");
    }

    #[test]
    fn budget_is_what_rendering_leaves() {
        let mut p = Pacer::new(2);
        for _ in 0..100 {
            p.frame_done(None, 7.0, 3.0); // render 4 ms
            p.frame_done(Some(1), 11.0, 2.0); // render 9 ms
        }
        let (plain, refresh) = (p.budget(None), p.budget(Some(1)));
        assert!((plain - (p.target() - 4.0)).abs() < 0.2, "plain {plain}");
        assert!((refresh - (p.target() - 9.0)).abs() < 0.2, "refresh {refresh}");
        assert!(refresh < plain);
        assert!(p.budget(Some(0)) < plain, "a panel not measured yet is assumed heavier than a plain frame");
        assert_eq!(p.budget(Some(7)), plain, "an unknown panel counts as a plain frame");
    }

    #[test]
    fn late_plain_frames_lower_the_target_and_on_time_frames_restore_it() {
        let mut p = Pacer::new(1);
        let start = p.target();
        for _ in 0..4 {
            p.frame_done(None, 5.0, 2.0);
            p.frame_began(33.4);
        }
        assert!(p.target() < start - 2.0);
        for _ in 0..1000 {
            p.frame_done(None, 5.0, 2.0);
            p.frame_began(16.7);
        }
        assert_eq!(p.target(), TARGET_MAX_MS);
        for _ in 0..1000 {
            p.frame_began(50.0);
        }
        assert_eq!(p.target(), TARGET_MIN_MS);
    }

    #[test]
    fn a_late_refresh_is_blamed_on_its_panel_only() {
        let mut p = Pacer::new(2);
        let (target, plain, other) = (p.target(), p.budget(None), p.budget(Some(1)));
        let heavy = p.budget(Some(0));
        for _ in 0..3 {
            p.frame_done(Some(0), 6.0, 0.0);
            p.frame_began(33.4);
        }
        assert_eq!(p.target(), target, "ordinary frames keep their budget");
        assert_eq!(p.budget(None), plain);
        assert_eq!(p.budget(Some(1)), other);
        assert!(p.budget(Some(0)) < heavy - 1.0, "the panel whose refresh came late leaves more room");
        for _ in 0..1000 {
            p.frame_done(Some(0), 6.0, 0.0);
            p.frame_began(16.7);
        }
        assert!((p.budget(Some(0)) - heavy).abs() < 1e-9, "and gives it back once refreshes are on time");
    }

    #[test]
    fn budget_stays_within_bounds() {
        let mut p = Pacer::new(0);
        for _ in 0..50 {
            p.frame_done(None, 40.0, 0.0);
        }
        assert_eq!(p.budget(None), MIN_BUDGET_MS, "a heavy page still lets the simulation move");
        let mut light = Pacer::new(0);
        for _ in 0..500 {
            light.frame_done(None, 0.5, 0.0);
            light.frame_began(16.7);
        }
        assert_eq!(light.budget(None), MAX_BUDGET_MS);
    }
}
