//! Metric charts drawn with plotters on a canvas: the model's metrics grouped by unit (so
//! p50 / p95 / p99 share one chart), one group at a time.

use crate::state::LabHandle;
use crate::util::{color, perf_now};
use distlab_core::{Lab, SEC};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Most points drawn per series (longer runs are thinned evenly).
const POINTS_MAX: usize = 400;
/// Least real time between redraws while playing.
const REDRAW_MS: f64 = 120.0;

/// Properties of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// The run.
    pub handle: LabHandle,
    /// Whether it is playing (redraws are throttled then).
    pub playing: bool,
}

/// Metric indices grouped by unit, in first-seen order.
pub fn groups(lab: &dyn Lab) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, m) in lab.metrics().iter().enumerate() {
        match out.iter_mut().find(|(u, _)| u == m.unit) {
            Some((_, v)) => v.push(i),
            None => out.push((m.unit.to_string(), vec![i])),
        }
    }
    out
}

fn dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn hex(c: &str) -> RGBColor {
    let v = u32::from_str_radix(c.trim_start_matches('#'), 16).unwrap_or(0x888888);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

fn draw(canvas: web_sys::HtmlCanvasElement, lab: &dyn Lab, group: &[usize]) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?;
    let root = backend.into_drawing_area();
    let (bg, fg, grid) = if dark() { (RGBColor(24, 26, 31), RGBColor(220, 222, 228), RGBColor(60, 64, 72)) } else { (WHITE, RGBColor(40, 42, 48), RGBColor(225, 227, 232)) };
    root.fill(&bg).map_err(|e| e.to_string())?;
    let samples = lab.samples();
    let metrics = lab.metrics();
    let stride = samples.len().div_ceil(POINTS_MAX).max(1);
    let t_end = lab.now().max(1);
    let t_start = samples.front().map_or(0, |s| s.0).min(t_end.saturating_sub(1));
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (_, vals) in samples.iter().step_by(stride) {
        for &i in group {
            if let Some(&v) = vals.get(i) {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    lo = lo.min(0.0);
    if hi <= lo {
        hi = lo + 1.0;
    }
    hi += (hi - lo) * 0.08;
    let x0 = t_start as f64 / SEC as f64;
    let x1 = (t_end as f64 / SEC as f64).max(x0 + 1e-3);
    let font = ("sans-serif", 12).into_font().color(&fg);
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(22)
        .y_label_area_size(48)
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(grid)
        .bold_line_style(grid)
        .axis_style(fg)
        .label_style(font.clone())
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.1}s"))
        .y_label_formatter(&|y| if y.abs() >= 1000.0 { format!("{:.1}k", y / 1000.0) } else if y.fract().abs() < 1e-9 { format!("{y:.0}") } else { format!("{y:.2}") })
        .draw()
        .map_err(|e| e.to_string())?;
    for (k, &i) in group.iter().enumerate() {
        let c = hex(color(k as u32));
        let points = samples
            .iter()
            .step_by(stride)
            .filter_map(|(t, vals)| vals.get(i).filter(|v| v.is_finite()).map(|v| (*t as f64 / SEC as f64, *v)));
        let label = metrics.get(i).map_or("", |m| m.label);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(bg.mix(0.85))
        .border_style(grid)
        .label_font(font)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// The metrics chart.
#[component]
pub fn Chart(p: &ChartProps) -> Html {
    let canvas = use_node_ref();
    let selected = use_state(|| 0usize);
    let last_draw = use_mut_ref(|| f64::NEG_INFINITY);
    let groups = groups(p.handle.lab.borrow().as_ref());
    let sel = (*selected).min(groups.len().saturating_sub(1));
    {
        let canvas = canvas.clone();
        let handle = p.handle.clone();
        let group = groups.get(sel).map(|g| g.1.clone()).unwrap_or_default();
        let playing = p.playing;
        let last_draw = last_draw.clone();
        use_effect_with((p.handle.clone(), sel, playing), move |_| {
            let now = perf_now();
            if !playing || now - *last_draw.borrow() >= REDRAW_MS {
                *last_draw.borrow_mut() = now;
                if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                    let _ = draw(c, handle.lab.borrow().as_ref(), &group);
                }
            }
        });
    }
    let lab = p.handle.lab.borrow();
    let metrics = lab.metrics();
    let onchange = {
        let selected = selected.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                selected.set(s.value().parse().unwrap_or(0));
            }
        })
    };
    let names = groups
        .get(sel)
        .map(|g| g.1.iter().filter_map(|i| metrics.get(*i).map(|m| m.label)).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    html! {
        <div class="chart">
            if groups.is_empty() {
                <p class="hint">{"This model has no metrics."}</p>
            } else {
                <label>{"Metric "}
                    <select data-testid="chart-metric" {onchange}>
                        { for groups.iter().enumerate().map(|(i, (unit, idx))| {
                            let label = idx.iter().filter_map(|j| metrics.get(*j).map(|m| m.label)).collect::<Vec<_>>().join(" · ");
                            html! { <option value={i.to_string()} selected={i == sel}>{ format!("{label} ({unit})") }</option> }
                        }) }
                    </select>
                </label>
            }
            <canvas ref={canvas} width="640" height="220" data-testid="chart" role="img"
                aria-label={format!("Chart of {names} over time, {} samples", lab.samples().len())}></canvas>
        </div>
    }
}
