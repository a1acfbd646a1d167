//! The grid figure on a canvas, while the run plays fast.
//!
//! At top speed a big grid (a 9-acceptor slot table, PBFT's 10 × 20 quorum grid) changes every
//! time it is refreshed, and as a table it is hundreds of cells, each a few elements with a
//! tooltip and hidden text: rebuilding, restyling, laying out and painting them cost more than
//! a whole frame, and even between refreshes the browser re-painted and re-layered every one of
//! them (each clips its text) on every frame. No one reads a cell at that speed, so while the
//! run plays fast the same picture is painted on one canvas, which the browser treats as one
//! image; paused or playing slowly, the table is back with its text cell by cell.
//!
//! The canvas copies the table's look (same cell sizes, borders, fills, notes and gauges; see
//! `.fig-grid` in style.css), so pressing play or pause does not make it jump. Its text
//! alternative is a summary: size, the columns shown, and how many columns reach each quorum
//! line.

use super::grid::{applies, filled_counts};
use crate::state::ViewRef;
use crate::util::PALETTE;
use distlab_core::figure::{FigureKind, Grid, GridCell};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// A grid is drawn on a canvas while playing fast from this many cells on; a smaller one is
/// cheap enough as a table.
pub const CANVAS_CELLS: usize = 60;

/// Whether `g` is big enough to be drawn on a canvas while the run plays fast.
pub fn wants_canvas(g: &Grid) -> bool {
    g.rows.len() * g.columns.len().max(1) >= CANVAS_CELLS
}

/// Geometry in CSS pixels, after `.fig-grid` (11px monospace, 3px border spacing, cells 40 to
/// 64 px wide and 22 px high with a 2 px border).
const SPACING: f64 = 3.0;
const FONT_PX: f64 = 11.0;
const LINE: f64 = 13.2;
const CELL_H: f64 = 22.0;
const CELL_MIN_W: f64 = 40.0;
const CELL_MAX_W: f64 = 64.0;
/// Horizontal padding plus border of a cell, and of a heading.
const CELL_PAD: f64 = 10.0;
const TH_PAD: f64 = 8.0;
const NOTE_LINE: f64 = 10.0;
const HEAD_H: f64 = 16.0;
const GAUGE_H: f64 = 23.0;
/// Advance of one monospace character, in em (DejaVu Sans Mono and most others: 0.6).
const CHAR_EM: f64 = 0.602;

fn text_w(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * CHAR_EM * px
}

/// Theme colours (as in style.css's :root).
struct Ink {
    fg: &'static str,
    muted: &'static str,
    line: &'static str,
    ok: &'static str,
    bad: &'static str,
}

fn ink() -> Ink {
    let dark = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()).is_some_and(|m| m.matches());
    if dark {
        Ink { fg: "#e4e6eb", muted: "#9aa1ad", line: "#2e333d", ok: "#3fc79a", bad: "#ff8a4c" }
    } else {
        Ink { fg: "#1d2026", muted: "#5b6270", line: "#dde1e7", ok: "#00795a", bad: "#c24a00" }
    }
}

/// Where everything goes.
struct Layout {
    label_w: f64,
    cols: Vec<f64>,
    rows: Vec<f64>,
    w: f64,
    h: f64,
}

fn layout(g: &Grid) -> Layout {
    let label_w = g
        .rows
        .iter()
        .map(|r| text_w(&r.label, FONT_PX))
        .chain(g.lines.iter().map(|l| text_w(&l.label, 10.0)))
        .fold(0.0, f64::max)
        + TH_PAD;
    let mut cols: Vec<f64> = g.columns.iter().map(|c| (text_w(c, FONT_PX) + TH_PAD).max(CELL_MIN_W)).collect();
    let mut rows = Vec::with_capacity(g.rows.len());
    for r in &g.rows {
        let mut h = CELL_H;
        for (i, c) in r.cells.iter().enumerate().take(cols.len()) {
            let sub = c.note.chars().count() > 1;
            let w = text_w(&c.text, FONT_PX).max(if sub { text_w(&c.note, 9.0) } else { 0.0 }) + CELL_PAD;
            cols[i] = cols[i].max(w.clamp(CELL_MIN_W, CELL_MAX_W));
            if sub {
                h = h.max(LINE + NOTE_LINE + 4.0);
            }
        }
        rows.push(h);
    }
    let w = SPACING + label_w + cols.iter().map(|c| c + SPACING).sum::<f64>() + SPACING;
    let h = SPACING + HEAD_H + SPACING + rows.iter().map(|r| r + SPACING).sum::<f64>() + g.lines.len() as f64 * (GAUGE_H + SPACING);
    Layout { label_w, cols, rows, w: w.ceil(), h: h.ceil() }
}

/// `s` cut to what fits in `w` pixels at `px`, with an ellipsis.
fn fit(s: &str, w: f64, px: f64) -> String {
    let max = (w / (CHAR_EM * px) + 0.01).floor().max(1.0) as usize;
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A monospace canvas font of `weight` and `px`, as one constant (a canvas parses the font
/// string each time it is set, so the draw sets each only once per batch).
macro_rules! mono {
    ($w:literal, $px:literal) => {
        concat!($w, " ", $px, "px ui-monospace, SFMono-Regular, Menlo, Consolas, \"DejaVu Sans Mono\", monospace")
    };
}
const F_TEXT: &str = mono!("400", "11");
const F_HEAD: &str = mono!("500", "11");
const F_LABEL: &str = mono!("600", "11");
const F_LINE: &str = mono!("500", "10");
const F_GAUGE: &str = mono!("400", "10");
const F_GAUGE_REACHED: &str = mono!("700", "10");
const F_SUB: &str = mono!("400", "9");
const F_CORNER: &str = mono!("700", "9");

fn dash(ctx: &CanvasRenderingContext2d, segs: &[f64]) {
    let a = js_sys::Array::new();
    for s in segs {
        a.push(&(*s).into());
    }
    let _ = ctx.set_line_dash(&a);
}

/// Cell texts drawn once each and then copied: a grid's cells repeat a few texts (a column's
/// value on every replica, one ballot everywhere), and painting text is most of a canvas's
/// cost without a GPU (shaping and rasterising each string), while copying a small image is
/// cheap. Keyed by font, colour, device pixel ratio and text; emptied when it grows past
/// [`TEXT_CACHE_MAX`] (the texts of a run move on with its slots).
struct TextCache {
    map: std::collections::BTreeMap<TextKey, (HtmlCanvasElement, f64, f64)>,
}

/// Font, colour, device pixels per 100 CSS pixels, text.
type TextKey = (&'static str, &'static str, u32, String);

/// How a text is drawn: font (`px` high) and colour.
#[derive(Clone, Copy)]
struct Pen {
    font: &'static str,
    px: f64,
    colour: &'static str,
}

const TEXT_CACHE_MAX: usize = 600;

thread_local! {
    static TEXTS: std::cell::RefCell<TextCache> = const { std::cell::RefCell::new(TextCache { map: std::collections::BTreeMap::new() }) };
}

/// Draws `text` centred on (`cx`, `cy`) with `pen`, from the cache.
fn cached_text(ctx: &CanvasRenderingContext2d, text: &str, pen: Pen, dpr: f64, cx: f64, cy: f64) {
    let Pen { font, px, colour } = pen;
    TEXTS.with(|t| {
        let mut t = t.borrow_mut();
        let key = (font, colour, (dpr * 100.0) as u32, text.to_string());
        if !t.map.contains_key(&key) {
            if t.map.len() >= TEXT_CACHE_MAX {
                t.map.clear();
            }
            // Wide enough for the estimate and then some (a glyph from a fallback font).
            let (w, h) = ((text_w(text, px) + px).ceil(), (px * 1.5).ceil());
            let Some(c) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.create_element("canvas").ok()).and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok()) else { return };
            c.set_width((w * dpr).ceil() as u32);
            c.set_height((h * dpr).ceil() as u32);
            let Some(g) = c.get_context("2d").ok().flatten().and_then(|g| g.dyn_into::<CanvasRenderingContext2d>().ok()) else { return };
            let _ = g.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
            g.set_font(font);
            g.set_fill_style_str(colour);
            g.set_text_align("center");
            g.set_text_baseline("middle");
            let _ = g.fill_text(text, w / 2.0, h / 2.0);
            t.map.insert(key.clone(), (c, w, h));
        }
        if let Some((c, w, h)) = t.map.get(&key) {
            let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(c, cx - w / 2.0, cy - h / 2.0, *w, *h);
        }
    });
}

/// One cell's place.
struct Placed<'a> {
    c: &'a GridCell,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Placed<'_> {
    fn empty(&self) -> bool {
        self.c.text.is_empty() && !self.c.filled
    }
    fn k(&self) -> usize {
        self.c.color as usize % PALETTE.len()
    }
    fn sub(&self) -> bool {
        self.c.note.chars().count() > 1
    }
}

/// One rounded-rectangle path per palette colour over the cells `pick` selects, filled or
/// stroked in that colour (colours no picked cell has are skipped).
fn by_colour(ctx: &CanvasRenderingContext2d, cells: &[Placed], pick: impl Fn(&Placed) -> bool, fill: bool) {
    for (k, colour) in PALETTE.iter().enumerate() {
        ctx.begin_path();
        let mut any = false;
        for p in cells.iter().filter(|p| p.k() == k && pick(p)) {
            let _ = ctx.round_rect_with_f64(p.x + 1.0, p.y + 1.0, p.w - 2.0, p.h - 2.0, 3.5);
            any = true;
        }
        match (any, fill) {
            (false, _) => {}
            (true, true) => {
                ctx.set_fill_style_str(colour);
                ctx.fill();
            }
            (true, false) => {
                ctx.set_stroke_style_str(colour);
                ctx.stroke();
            }
        }
    }
}

/// Paints the cells in batches: one path per fill colour, per border colour and style, one
/// font per pass of text, instead of changing the canvas state for every cell.
fn cells(ctx: &CanvasRenderingContext2d, cells: &[Placed], ink: &Ink, dpr: f64) {
    // Fills: solid, then the faint fill of filled placeholders (no-ops).
    for faint in [false, true] {
        ctx.set_global_alpha(if faint { 0.3 } else { 1.0 });
        by_colour(ctx, cells, |p| p.c.filled && p.c.dashed == faint, true);
    }
    ctx.set_global_alpha(1.0);
    // Borders: 2 px in the cell's colour, solid or dashed.
    ctx.set_line_width(2.0);
    for dashed in [false, true] {
        dash(ctx, if dashed { &[6.0, 4.0] } else { &[] });
        by_colour(ctx, cells, |p| !p.empty() && p.c.dashed == dashed, false);
    }
    // Empty cells: 1 px dotted, in the line colour.
    ctx.set_line_width(1.0);
    dash(ctx, &[1.0, 2.0]);
    ctx.begin_path();
    for p in cells.iter().filter(|p| p.empty()) {
        let _ = ctx.round_rect_with_f64(p.x + 0.5, p.y + 0.5, p.w - 1.0, p.h - 1.0, 4.0);
    }
    ctx.set_stroke_style_str(ink.line);
    ctx.stroke();
    dash(ctx, &[]);
    // Marked cells: a 3 px outline just outside.
    if cells.iter().any(|p| p.c.marked) {
        ctx.begin_path();
        for p in cells.iter().filter(|p| p.c.marked) {
            let _ = ctx.round_rect_with_f64(p.x - 2.5, p.y - 2.5, p.w + 5.0, p.h + 5.0, 6.0);
        }
        ctx.set_line_width(3.0);
        ctx.set_stroke_style_str(ink.bad);
        ctx.stroke();
    }
    // Text: dark on a solid fill, the theme's colour otherwise; a note with more than one
    // character (a ballot) on a second line, a one-character note (a tick, a count) in the
    // top right corner.
    for p in cells {
        let colour = if p.c.filled && !p.c.dashed { "#111" } else { ink.fg };
        let cx = p.x + p.w / 2.0;
        if !p.c.text.is_empty() {
            let ty = if p.sub() { p.y + (p.h - LINE - NOTE_LINE) / 2.0 + LINE / 2.0 } else { p.y + p.h / 2.0 };
            cached_text(ctx, &fit(&p.c.text, p.w - CELL_PAD, FONT_PX), Pen { font: F_TEXT, px: FONT_PX, colour }, dpr, cx, ty);
        }
        if p.sub() {
            ctx.set_global_alpha(0.8);
            cached_text(ctx, &fit(&p.c.note, p.w - CELL_PAD, 9.0), Pen { font: F_SUB, px: 9.0, colour }, dpr, cx, p.y + (p.h - LINE - NOTE_LINE) / 2.0 + LINE + NOTE_LINE / 2.0);
            ctx.set_global_alpha(1.0);
        } else if !p.c.note.is_empty() {
            ctx.set_global_alpha(0.85);
            let half = text_w(&p.c.note, 9.0) / 2.0;
            cached_text(ctx, &p.c.note, Pen { font: F_CORNER, px: 9.0, colour }, dpr, p.x + p.w - 3.0 - half, p.y + 6.0);
            ctx.set_global_alpha(1.0);
        }
    }
}

/// A quorum gauge: `count` of `rows` filled against `need`, in the column at `x` (`w` wide).
fn gauge(ctx: &CanvasRenderingContext2d, (count, need, rows): (u32, u32, u32), x: f64, y: f64, w: f64, ink: &Ink) {
    let rows = rows.max(need).max(1) as f64;
    let (tw, left) = (36.0, x + (w - 40.0) / 2.0);
    let fill = (count as f64 / rows * tw).min(tw);
    let tick = (need as f64 / rows * tw).min(tw);
    let reached = count >= need;
    ctx.begin_path();
    let _ = ctx.round_rect_with_f64(left + 2.0, y + 2.0, tw, 6.0, 2.0);
    ctx.set_fill_style_str(ink.line);
    ctx.fill();
    if fill > 0.0 {
        ctx.begin_path();
        let _ = ctx.round_rect_with_f64(left + 2.0, y + 2.0, fill, 6.0, 2.0);
        ctx.set_fill_style_str(if reached { ink.ok } else { ink.muted });
        ctx.fill();
    }
    ctx.begin_path();
    ctx.move_to(left + tick + 2.0, y);
    ctx.line_to(left + tick + 2.0, y + 10.0);
    ctx.set_stroke_style_str(ink.fg);
    ctx.set_line_width(1.5);
    ctx.stroke();
    ctx.set_font(if reached { F_GAUGE_REACHED } else { F_GAUGE });
    ctx.set_fill_style_str(if reached { ink.ok } else { ink.muted });
    let _ = ctx.fill_text(&format!("{count}/{need}"), x + w / 2.0, y + 10.0 + 6.5);
}

fn draw(canvas: &HtmlCanvasElement, g: &Grid, l: &Layout) {
    let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 2.0);
    let (bw, bh) = ((l.w * dpr).round() as u32, (l.h * dpr).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok()) else { return };
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, l.w, l.h);
    let ink = ink();
    let counts = filled_counts(g);
    let n_rows = g.rows.len() as u32;
    ctx.set_text_baseline("middle");
    // Column x positions.
    let mut xs = Vec::with_capacity(l.cols.len());
    let mut x = SPACING + l.label_w + SPACING;
    for w in &l.cols {
        xs.push(x);
        x += w + SPACING;
    }
    // Headings; a column that reaches a quorum line is underlined.
    let mut y = SPACING;
    ctx.set_text_align("center");
    ctx.set_font(F_HEAD);
    for (i, c) in g.columns.iter().enumerate() {
        let reached = g.lines.iter().any(|q| applies(q, i) && counts[i] >= q.count);
        ctx.set_fill_style_str(if reached { ink.fg } else { ink.muted });
        let _ = ctx.fill_text(c, xs[i] + l.cols[i] / 2.0, y + LINE / 2.0 + 0.5);
        if reached {
            ctx.set_fill_style_str(ink.ok);
            ctx.fill_rect(xs[i], y + HEAD_H - 2.0, l.cols[i], 2.0);
        }
    }
    y += HEAD_H + SPACING;
    // Row headings, then every cell.
    let blank = GridCell::default();
    let mut placed = Vec::with_capacity(g.rows.len() * xs.len());
    ctx.set_text_align("right");
    ctx.set_font(F_LABEL);
    ctx.set_fill_style_str(ink.fg);
    for (r, h) in g.rows.iter().zip(&l.rows) {
        let _ = ctx.fill_text(&r.label, SPACING + l.label_w - TH_PAD / 2.0, y + h / 2.0);
        for (i, x) in xs.iter().enumerate() {
            placed.push(Placed { c: r.cells.get(i).unwrap_or(&blank), x: *x, y, w: l.cols[i], h: *h });
        }
        y += h + SPACING;
    }
    cells(&ctx, &placed, &ink, dpr);
    // Quorum gauges.
    for q in &g.lines {
        ctx.set_text_align("right");
        ctx.set_font(F_LINE);
        ctx.set_fill_style_str(ink.muted);
        let _ = ctx.fill_text(&q.label, SPACING + l.label_w - TH_PAD / 2.0, y + GAUGE_H / 2.0);
        ctx.set_text_align("center");
        for (i, x) in xs.iter().enumerate() {
            if applies(q, i) {
                gauge(&ctx, (counts[i], q.count, n_rows), *x, y + 1.0, l.cols[i], &ink);
            }
        }
        y += GAUGE_H + SPACING;
    }
}

/// What a screen reader hears for the canvas: its size, the columns, and the quorum lines.
fn summary(g: &Grid, title: &str) -> String {
    let counts = filled_counts(g);
    let mut s = format!("{title}: {} rows by {} columns", g.rows.len(), g.columns.len());
    if let (Some(a), Some(b)) = (g.columns.first(), g.columns.last()) {
        s += &format!(" ({a} to {b})");
    }
    s += ", redrawn while the run plays fast; pause to read it cell by cell.";
    for q in &g.lines {
        let cols: Vec<usize> = (0..g.columns.len()).filter(|&i| applies(q, i)).collect();
        let reached = cols.iter().filter(|&&i| counts[i] >= q.count).count();
        s += &format!(" {}: reached in {reached} of {} columns.", q.label, cols.len());
    }
    s
}

/// Properties of [`GridCanvas`]: the grid is figure `index` of `view`.
#[derive(Properties, PartialEq)]
pub struct GridCanvasProps {
    /// The picture holding the grid.
    pub view: ViewRef,
    /// Index of the grid among its figures.
    pub index: usize,
    /// The figure's title (names the scrolling region and the picture).
    pub title: AttrValue,
}

/// A grid painted on a canvas (see the module documentation).
#[component]
pub fn GridCanvas(p: &GridCanvasProps) -> Html {
    let canvas = use_node_ref();
    let grid = match p.view.figures.get(p.index).map(|f| &f.kind) {
        Some(FigureKind::Grid(g)) => Some(g),
        _ => None,
    };
    let l = grid.map(layout);
    let size = l.as_ref().map(|l| (l.w, l.h));
    {
        let (canvas, view, index) = (canvas.clone(), p.view.clone(), p.index);
        use_effect_with(p.view.clone(), move |_| {
            if let (Some(c), Some(FigureKind::Grid(g))) = (canvas.cast::<HtmlCanvasElement>(), view.figures.get(index).map(|f| &f.kind)) {
                draw(&c, g, &layout(g));
            }
        });
    }
    let Some(g) = grid else { return html! {} };
    let (w, h) = size.unwrap_or_default();
    html! {
        <div class="fig-grid-scroll" tabindex="0" role="region" aria-label={format!("{} (picture, scrolls sideways)", p.title)}>
            <canvas ref={canvas} class="fig-grid-canvas" role="img" aria-label={summary(g, &p.title)}
                style={format!("width: {w}px; height: {h}px")} data-testid="grid-canvas"></canvas>
        </div>
    }
}
