//! Metric charts drawn with plotters on a canvas: the model's metrics grouped by unit (so
//! p50 / p95 / p99 share one chart), one group at a time.

use crate::state::{LabHandle, ViewRef};
use crate::util::{color, perf_now};
use distlab_core::{Lab, View, SEC};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Most points drawn per series (longer runs are thinned evenly).
const POINTS_MAX: usize = 400;
/// Series with fewer points than this are also drawn as dots.
const SPARSE_POINTS: usize = 60;
/// Height of the chart in CSS pixels.
const CSS_HEIGHT: f64 = 230.0;
/// Least real time between redraws while playing.
const REDRAW_MS: f64 = 120.0;

/// Properties of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// The run.
    pub handle: LabHandle,
    /// Whether it is playing (redraws are throttled then).
    pub playing: bool,
    /// The picture at the same moment: the per-node load chart draws its gauges.
    pub view: ViewRef,
}

/// A chart's drawing area and the panel's colours.
pub(crate) struct Surface {
    pub(crate) root: DrawingArea<CanvasBackend, plotters::coord::Shift>,
    /// Device pixels per CSS pixel: every length is scaled by it.
    pub(crate) dpr: f64,
    pub(crate) bg: RGBColor,
    pub(crate) grid: RGBColor,
    pub(crate) muted: RGBColor,
}

/// Sizes the canvas's backing store to `css_w` × [`CSS_HEIGHT`] CSS pixels times the device
/// pixel ratio (so text is 12 CSS px and lines are crisp at any zoom) and clears it to the
/// panel's colour (style.css --panel, --line, --muted), so the chart sits flush.
pub(crate) fn surface(canvas: web_sys::HtmlCanvasElement, css_w: f64) -> Result<Surface, String> {
    let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
    let (pw, ph) = ((css_w * dpr).round() as u32, (CSS_HEIGHT * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?.into_drawing_area();
    let dark = dark();
    let (bg, grid) = if dark { (RGBColor(27, 30, 37), RGBColor(46, 51, 61)) } else { (WHITE, RGBColor(221, 225, 231)) };
    let muted = if dark { RGBColor(154, 161, 173) } else { RGBColor(91, 98, 112) };
    root.fill(&bg).map_err(|e| e.to_string())?;
    Ok(Surface { root, dpr, bg, grid, muted })
}

/// A chart with f64 axes on a [`Surface`].
pub(crate) type Plot<'a> = ChartContext<'a, CanvasBackend, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

impl Surface {
    /// `v` CSS pixels in device pixels.
    pub(crate) fn px(&self, v: f64) -> u32 {
        (v * self.dpr).round() as u32
    }

    /// The panel's label font (12 CSS px, muted).
    pub(crate) fn font(&self) -> TextStyle<'static> {
        ("sans-serif", 12.0 * self.dpr).into_font().color(&self.muted)
    }

    /// A chart over `x` × `y` with the panels' margins and label areas.
    pub(crate) fn plot(&self, x: std::ops::Range<f64>, y: std::ops::Range<f64>) -> Result<Plot<'_>, String> {
        ChartBuilder::on(&self.root)
            .margin(self.px(10.0))
            .x_label_area_size(self.px(24.0))
            .y_label_area_size(self.px(46.0))
            .build_cartesian_2d(x, y)
            .map_err(|e| e.to_string())
    }

    /// Grid, axes and tick labels in the panel's colours: `x_labels` ticks across (no vertical
    /// grid lines unless `x_grid`), five up.
    pub(crate) fn axes(&self, chart: &mut Plot, x_labels: usize, x_grid: bool, x_fmt: &dyn Fn(&f64) -> String, y_fmt: &dyn Fn(&f64) -> String) -> Result<(), String> {
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(self.bg).bold_line_style(self.grid).axis_style(self.muted).label_style(self.font());
        if !x_grid {
            mesh.disable_x_mesh();
        }
        mesh.x_labels(x_labels).y_labels(5).x_label_formatter(x_fmt).y_label_formatter(y_fmt).draw().map_err(|e| e.to_string())
    }
}

/// The nodes that report a load gauge (servers), for the "load by node" chart.
fn loaded(view: &View) -> Vec<(&str, f64)> {
    view.nodes.iter().filter_map(|n| n.load.map(|l| (n.label.as_str(), l.clamp(0.0, 1.0)))).collect()
}

/// The load of every node that has one, now, as bars (0–100 % of what it can hold), with the
/// mean as a line: how evenly the work is spread, at a glance.
fn draw_loads(canvas: web_sys::HtmlCanvasElement, view: &View, css_w: f64) -> Result<(), String> {
    let sf = surface(canvas, css_w)?;
    let loads = loaded(view);
    let n = loads.len().max(1);
    // Scaled to the fullest node (at least 5 %), so uneven spread shows even at light load.
    let top = (loads.iter().map(|l| l.1).fold(0.0, f64::max) * 115.0).clamp(5.0, 100.0);
    // Node i's bar spans i ± 0.5, so whole-number ticks fall mid-bar.
    let mut chart = sf.plot(-0.5..n as f64 - 0.5, 0.0..top)?;
    let step = n.div_ceil(8).max(1);
    let label_of = |x: &f64| {
        let i = x.round();
        if i < 0.0 || (x - i).abs() > 1e-6 || i as usize % step != 0 {
            return String::new();
        }
        loads.get(i as usize).map_or(String::new(), |l| l.0.to_string())
    };
    sf.axes(&mut chart, n.min(60), false, &label_of, &|y| format!("{y:.0} %"))?;
    let gap = if n > 40 { 0.0 } else { 0.15 };
    chart
        .draw_series(loads.iter().enumerate().map(|(i, (_, l))| {
            let c = hex(crate::util::load_color(*l));
            Rectangle::new([(i as f64 - 0.5 + gap, 0.0), (i as f64 + 0.5 - gap, l * 100.0)], c.filled())
        }))
        .map_err(|e| e.to_string())?;
    if !loads.is_empty() {
        let mean = 100.0 * loads.iter().map(|l| l.1).sum::<f64>() / loads.len() as f64;
        chart.draw_series(LineSeries::new([(-0.5, mean), (n as f64 - 0.5, mean)], sf.muted.stroke_width(sf.px(2.0)))).map_err(|e| e.to_string())?;
    }
    sf.root.present().map_err(|e| e.to_string())?;
    Ok(())
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

/// A `#rrggbb` colour for plotters.
pub(crate) fn hex(c: &str) -> RGBColor {
    let v = u32::from_str_radix(c.trim_start_matches('#'), 16).unwrap_or(0x888888);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// The chart's width in CSS pixels. Reading it makes the browser lay out the page then and
/// there if anything changed since the last layout, which a frame that has just updated the
/// clock and a panel always has; so while the run plays the width is read about once a second
/// and remembered in between.
pub(crate) fn css_width(canvas: &web_sys::HtmlCanvasElement, playing: bool, cache: &mut (f64, f64)) -> f64 {
    let now = perf_now();
    if !playing || cache.0 <= 0.0 || now - cache.1 >= WIDTH_MS {
        *cache = (canvas.parent_element().map_or(0, |p| p.client_width()).max(240) as f64, now);
    }
    cache.0
}

/// Least real time between two reads of the chart's width while playing.
const WIDTH_MS: f64 = 1000.0;

fn draw(canvas: web_sys::HtmlCanvasElement, lab: &dyn Lab, group: &[usize], css_w: f64) -> Result<(), String> {
    let sf = surface(canvas, css_w)?;
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
    let empty = !lo.is_finite();
    if empty {
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
    let x_digits = ((-((x1 - x0) / 6.0).log10()).ceil().max(0.0) as usize).min(3);
    let mut chart = sf.plot(x0..x1, lo..hi)?;
    sf.axes(&mut chart, 6, true, &|x| format!("{x:.x_digits$} s"), &|y| {
        if y.abs() >= 1000.0 {
            format!("{:.1}k", y / 1000.0)
        } else if y.fract().abs() < 1e-9 {
            format!("{y:.0}")
        } else {
            format!("{y:.2}")
        }
    })?;
    for (k, &i) in group.iter().enumerate() {
        let c = hex(color(k as u32));
        let points: Vec<(f64, f64)> = samples
            .iter()
            .step_by(stride)
            .filter_map(|(t, vals)| vals.get(i).filter(|v| v.is_finite()).map(|v| (*t as f64 / SEC as f64, *v)))
            .collect();
        // Sparse series (a few commits, gaps between measurements) get dots so a lone value shows.
        if points.len() < SPARSE_POINTS {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, sf.px(3.0), c.filled())))
                .map_err(|e| e.to_string())?;
        }
        // The legend is HTML above the canvas, so it never covers a line.
        chart.draw_series(LineSeries::new(points, c.stroke_width(sf.px(2.0)))).map_err(|e| e.to_string())?;
    }
    if empty {
        let names = group.iter().filter_map(|i| metrics.get(*i).map(|m| m.label)).collect::<Vec<_>>().join(" / ");
        let msg = format!("No {} measured yet", names.to_lowercase());
        let style = TextStyle::from(("sans-serif", 14.0 * sf.dpr).into_font()).color(&sf.muted).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
        sf.root.draw_text(&msg, &style, ((css_w * sf.dpr / 2.0) as i32, (CSS_HEIGHT * sf.dpr / 2.0) as i32)).map_err(|e| e.to_string())?;
    }
    sf.root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// The metrics chart.
#[component]
pub fn Chart(p: &ChartProps) -> Html {
    let canvas = use_node_ref();
    let selected = use_state(|| 0usize);
    let last_draw = use_mut_ref(|| f64::NEG_INFINITY);
    let width = use_mut_ref(|| (0.0, f64::NEG_INFINITY));
    let groups = groups(p.handle.lab.borrow().as_ref());
    // One more choice after the metrics: the load of each node now, when nodes report one.
    let loads = loaded(&p.view);
    let load_role = p.view.nodes.iter().find(|n| n.load.is_some()).map(|n| n.role.clone());
    let choices = groups.len() + usize::from(load_role.is_some());
    let sel = (*selected).min(choices.saturating_sub(1));
    let by_node = load_role.is_some() && sel == groups.len();
    {
        let canvas = canvas.clone();
        let handle = p.handle.clone();
        let group = groups.get(sel).map(|g| g.1.clone()).unwrap_or_default();
        let playing = p.playing;
        let (last_draw, width, view) = (last_draw.clone(), width.clone(), p.view.clone());
        use_effect_with((p.handle.clone(), sel, playing), move |_| {
            let now = perf_now();
            if !playing || now - *last_draw.borrow() >= REDRAW_MS {
                *last_draw.borrow_mut() = now;
                if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                    let w = css_width(&c, playing, &mut width.borrow_mut());
                    let _ = if by_node { draw_loads(c, &view, w) } else { draw(c, handle.lab.borrow().as_ref(), &group, w) };
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
    let load_title = load_role.as_ref().map(|r| format!("load by {r}, now (% of capacity)"));
    let aria = if by_node {
        let mean = 100.0 * loads.iter().map(|l| l.1).sum::<f64>() / loads.len().max(1) as f64;
        let max = loads.iter().map(|l| l.1).fold(0.0, f64::max) * 100.0;
        format!("Bar chart of the load of {} {}s now: mean {mean:.0} %, highest {max:.0} %", loads.len(), load_role.as_deref().unwrap_or("node"))
    } else {
        format!("Chart of {names} over time, {} samples", lab.samples().len())
    };
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
                        if let Some(t) = load_title.clone() {
                            <option value={groups.len().to_string()} selected={by_node}>{ t }</option>
                        }
                    </select>
                </label>
            }
            if by_node {
                <div class="chart-legend" aria-hidden="true">
                    <span><i style={format!("background:{}", crate::util::load_color(0.0))}></i>{"under 70 %"}</span>
                    <span><i style={format!("background:{}", crate::util::load_color(0.7))}></i>{"70–90 %"}</span>
                    <span><i style={format!("background:{}", crate::util::load_color(0.9))}></i>{"90 % and over"}</span>
                    <span><i class="mean-key"></i>{"mean"}</span>
                </div>
            } else if let Some((unit, idx)) = groups.get(sel) {
                <div class="chart-legend" aria-hidden="true">
                    { for idx.iter().enumerate().filter_map(|(k, j)| metrics.get(*j).map(|m| html! {
                        <span><i style={format!("background:{}", color(k as u32))}></i>{ m.label }</span>
                    })) }
                    <span class="unit">{ format!("y: {unit} · x: virtual time") }</span>
                </div>
            }
            <canvas ref={canvas} width="640" height="230" data-testid="chart" role="img"
                aria-label={aria}></canvas>
        </div>
    }
}
