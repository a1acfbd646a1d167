//! The cluster view on canvases, for dense labs (many nodes or many messages in flight) where
//! one SVG element per message cannot hold 60 frames per second. Draws the same picture as the
//! SVG view in immediate mode, on three stacked layers (see [`LAYERS`]) so that a frame redraws
//! only what moved; shapes of one colour are batched into one path.

use super::partition_drag::{Target, Zone};
use crate::geometry::{along, group_of, Placement};
use crate::util::{color, name_color, PALETTE};
use distlab_core::{Layout, MsgId, NodeId, NodeStatus, View};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A node being dragged: its id and the pointer position in drawing units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ghost {
    /// The node.
    pub node: NodeId,
    /// Pointer x.
    pub x: f64,
    /// Pointer y.
    pub y: f64,
    /// What is under the pointer.
    pub target: Option<Target>,
}

/// Everything one canvas frame shows besides the view.
pub struct Frame<'a> {
    /// Node positions.
    pub pl: &'a Placement,
    /// Ring or tiers.
    pub layout: Layout,
    /// Drawing size.
    pub w: f64,
    /// Drawing height.
    pub h: f64,
    /// Node whose menu is open.
    pub selected: Option<NodeId>,
    /// Highlighted message.
    pub hover: Option<MsgId>,
    /// Node being dragged.
    pub ghost: Option<Ghost>,
    /// Drop zones (while dragging).
    pub zones: &'a [Zone],
    /// Links drawn between these pairs (already limited).
    pub pairs: &'a [(usize, usize)],
    /// Small preview.
    pub compact: bool,
}

struct Ink {
    dark: bool,
    fg: &'static str,
    muted: &'static str,
    panel: &'static str,
    link: &'static str,
    bad: &'static str,
}

impl Ink {
    fn new(dark: bool) -> Ink {
        if dark {
            Ink { dark, fg: "#e4e6eb", muted: "#9aa1ad", panel: "#1b1e25", link: "#3a404b", bad: "#ff8a4c" }
        } else {
            Ink { dark, fg: "#1d2026", muted: "#5b6270", panel: "#ffffff", link: "#c5cbd4", bad: "#c24a00" }
        }
    }
}

/// Sizes the canvas backing store to `scale` device pixels per drawing unit and returns its 2D
/// context, scaled so that drawing units map onto it, and cleared.
fn context(canvas: &HtmlCanvasElement, w: f64, h: f64, scale: f64) -> Option<CanvasRenderingContext2d> {
    let (bw, bh) = ((w * scale).round() as u32, (h * scale).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let ctx = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0).ok()?;
    ctx.clear_rect(0.0, 0.0, w, h);
    Some(ctx)
}

fn dash(ctx: &CanvasRenderingContext2d, segs: &[f64]) {
    let a = js_sys::Array::new();
    for s in segs {
        a.push(&(*s).into());
    }
    let _ = ctx.set_line_dash(&a);
}

fn circle(ctx: &CanvasRenderingContext2d, x: f64, y: f64, r: f64) {
    ctx.move_to(x + r, y);
    let _ = ctx.arc(x, y, r, 0.0, core::f64::consts::TAU);
}

/// A fingerprint of what a layer shows (FNV-1a over the inputs that change its picture).
#[derive(Clone, Copy)]
struct Sig(u64);

impl Sig {
    fn new() -> Sig {
        Sig(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Sig {
        for x in b {
            self.0 = (self.0 ^ *x as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    fn num(&mut self, x: u64) -> &mut Sig {
        self.bytes(&x.to_le_bytes())
    }
    fn real(&mut self, x: f64) -> &mut Sig {
        self.num(x.to_bits())
    }
}

/// The dense cluster view is three canvases stacked back to front, each redrawn only when what
/// it shows changed: the backdrop (links, tier headings, partition regions), the nodes
/// (circles, status, names), and the live layer (load gauges, messages, hover, dragging). While
/// a run plays only the live layer changes, so only it is redrawn; a browser without a GPU
/// rasterises a canvas on the main thread, so this is most of the saving.
pub const LAYERS: usize = 3;

/// Which picture the two slow layers last drew, and on which canvas element.
#[derive(Default)]
pub struct Layers {
    drawn: [Option<(u64, HtmlCanvasElement)>; 2],
    dark: Option<web_sys::MediaQueryList>,
    /// How many CSS pixels a drawing unit is shown as, and when that was read (page clock, ms).
    shown: (f64, f64),
}

/// Least real time between two reads of the canvas's displayed width (a read makes the browser
/// lay out the page first if anything changed since the last layout).
const SHOWN_MS: f64 = 1000.0;

impl Layers {
    /// Device pixels per drawing unit, so the canvas is drawn at the size it is shown (crisp
    /// text and lines) rather than stretched: the drawing is fitted into the element's box
    /// (`object-fit: contain`), times the device pixel ratio (capped at 2 to bound the raster
    /// work).
    fn scale(&mut self, front: &HtmlCanvasElement, w: f64, h: f64) -> f64 {
        let now = crate::util::perf_now();
        if self.shown.0 <= 0.0 || now - self.shown.1 >= SHOWN_MS {
            let (bw, bh) = (front.client_width() as f64, front.client_height() as f64);
            self.shown = ((bw / w).min(bh / h), now);
        }
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 2.0);
        let shown = if self.shown.0 > 0.0 { self.shown.0 } else { 1.0 };
        // Quantised, so a few pixels of resizing do not redraw the slow layers every second.
        ((shown * dpr * 8.0).round() / 8.0).clamp(0.5, 4.0)
    }

    fn ink(&mut self) -> Ink {
        if self.dark.is_none() {
            self.dark = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
        }
        Ink::new(self.dark.as_ref().is_some_and(|m| m.matches()))
    }
}

/// Draws one frame of the cluster on the stacked `canvases` (back to front), and records how
/// long that took (ms) in `window.__distlabCanvasMs` for benchmarks.
pub fn draw(canvases: &[HtmlCanvasElement; LAYERS], view: &View, f: &Frame, layers: &mut Layers) {
    let t0 = crate::util::perf_now();
    let ink = layers.ink();
    let scale = layers.scale(&canvases[2], f.w, f.h);
    let base = *Sig::new().real(f.w).real(f.h).real(scale).num(ink.dark as u64).num(f.compact as u64).num(f.layout as u64);
    let keys = [backdrop_key(base, view, f), nodes_key(base, view, f)];
    let slow: [fn(&CanvasRenderingContext2d, &View, &Frame, &Ink); 2] = [paint_backdrop, paint_nodes];
    for (i, paint) in slow.iter().enumerate() {
        let same = layers.drawn[i].as_ref().is_some_and(|(k, c)| *k == keys[i] && c == &canvases[i]);
        if !same {
            if let Some(ctx) = context(&canvases[i], f.w, f.h, scale) {
                paint(&ctx, view, f, &ink);
                layers.drawn[i] = Some((keys[i], canvases[i].clone()));
            }
        }
    }
    if let Some(ctx) = context(&canvases[2], f.w, f.h, scale) {
        paint_live(&ctx, view, f, &ink);
    }
    crate::util::record("__distlabCanvasMs", crate::util::perf_now() - t0);
}

fn backdrop_key(mut k: Sig, view: &View, f: &Frame) -> u64 {
    k.num(view.nodes.len() as u64);
    for n in &view.nodes {
        k.num(n.tier as u64).bytes(n.role.as_bytes());
    }
    k.num(f.pairs.len() as u64);
    for &(a, b) in f.pairs {
        k.num(a as u64).num(b as u64);
    }
    for g in &view.groups {
        k.num(u64::MAX);
        for n in g {
            k.num(*n as u64);
        }
    }
    k.num(u64::MAX - 1);
    for &(a, b) in &view.cuts {
        k.num(a as u64).num(b as u64);
    }
    k.0
}

fn nodes_key(mut k: Sig, view: &View, f: &Frame) -> u64 {
    k.real(f.pl.r).num(f.selected.map_or(u64::MAX, |s| s as u64));
    for n in &view.nodes {
        let (x, y) = f.pl.pos[n.id as usize];
        let status = match n.status {
            NodeStatus::Up => 0,
            NodeStatus::Crashed => 1,
            NodeStatus::Paused => 2,
            NodeStatus::Slow(s) => 3 + s as u64,
        };
        k.real(x).real(y).num(n.color as u64).num(status).num(n.member as u64).num(n.violated as u64).bytes(n.label.as_bytes());
    }
    k.0
}

/// Links, tier headings and partition regions.
fn paint_backdrop(ctx: &CanvasRenderingContext2d, view: &View, f: &Frame, ink: &Ink) {
    let (pl, r) = (f.pl, f.pl.r);
    // Group regions: a soft disc in the group's colour behind each member.
    if !view.groups.is_empty() {
        ctx.set_global_alpha(0.16);
        let k = view.groups.len() + 1;
        for g in 0..k {
            ctx.begin_path();
            for node in &view.nodes {
                if group_of(view, node.id) == Some(g) {
                    let (x, y) = pl.pos[node.id as usize];
                    circle(ctx, x, y, r + 10.0);
                }
            }
            ctx.set_fill_style_str(color(g as u32 + 4));
            ctx.fill();
        }
        ctx.set_global_alpha(1.0);
    }

    // Links, in one path; severed ones in a second, dashed.
    ctx.set_line_width(1.0);
    let mut cut = Vec::new();
    ctx.begin_path();
    for &(a, b) in f.pairs {
        let split = group_of(view, a as NodeId) != group_of(view, b as NodeId)
            || view.cuts.iter().any(|&(x, y)| (x as usize, y as usize) == (a, b) || (x as usize, y as usize) == (b, a));
        if split {
            cut.push((a, b));
            continue;
        }
        let (pa, pb) = (pl.pos[a], pl.pos[b]);
        ctx.move_to(pa.0, pa.1);
        ctx.line_to(pb.0, pb.1);
    }
    ctx.set_stroke_style_str(ink.link);
    ctx.stroke();
    if !cut.is_empty() {
        ctx.begin_path();
        for (a, b) in cut {
            let (pa, pb) = (pl.pos[a], pl.pos[b]);
            ctx.move_to(pa.0, pa.1);
            ctx.line_to(pb.0, pb.1);
        }
        dash(ctx, &[5.0, 5.0]);
        ctx.set_stroke_style_str(ink.bad);
        ctx.stroke();
        dash(ctx, &[]);
    }

    // Tier headings (not on the small previews, where they would run into each other).
    if f.compact {
        return;
    }
    ctx.set_font("600 12px sans-serif");
    ctx.set_text_align("center");
    ctx.set_fill_style_str(ink.muted);
    for (x, tier) in &pl.columns {
        let count = view.nodes.iter().filter(|v| v.tier == *tier).count();
        if let Some(first) = view.nodes.iter().find(|v| v.tier == *tier) {
            let text = if count > 1 { format!("{} ×{count}", first.role.to_uppercase()) } else { first.role.to_uppercase() };
            let _ = ctx.fill_text(&text, *x, 16.0);
        }
    }
}

/// Node circles: colour, status, membership, violations, selection, names.
fn paint_nodes(ctx: &CanvasRenderingContext2d, view: &View, f: &Frame, ink: &Ink) {
    let (pl, r) = (f.pl, f.pl.r);
    let labels = r >= 9.0 && !f.compact;
    ctx.set_text_align(if f.layout == Layout::Tiers { "start" } else { "center" });
    let label_font = format!("700 {:.0}px sans-serif", (r * 0.7).clamp(8.0, 13.0));
    for node in &view.nodes {
        let (x, y) = pl.pos[node.id as usize];
        let fill = color(node.color);
        let crashed = node.status == NodeStatus::Crashed;
        ctx.begin_path();
        circle(ctx, x, y, r);
        ctx.set_fill_style_str(ink.panel);
        ctx.fill();
        ctx.set_global_alpha(if node.member { 0.28 } else { 0.1 });
        ctx.set_fill_style_str(if crashed { ink.muted } else { fill });
        ctx.fill();
        ctx.set_global_alpha(if node.member { 1.0 } else { 0.4 });
        let dashed = match node.status {
            NodeStatus::Crashed => Some([4.0, 3.0]),
            NodeStatus::Paused => Some([2.0, 3.0]),
            NodeStatus::Slow(_) => Some([10.0, 3.0]),
            NodeStatus::Up => None,
        };
        if let Some(d) = dashed {
            dash(ctx, &d);
        }
        let (stroke, width) = if node.violated {
            (ink.bad, 4.0)
        } else if f.selected == Some(node.id) {
            (ink.fg, 3.5)
        } else if crashed {
            (ink.muted, 2.0)
        } else {
            (fill, 2.0)
        };
        ctx.set_line_width(width);
        ctx.set_stroke_style_str(stroke);
        ctx.stroke();
        if dashed.is_some() {
            dash(ctx, &[]);
        }
        ctx.set_global_alpha(1.0);
        if crashed && r >= 5.0 {
            ctx.set_fill_style_str(ink.bad);
            ctx.set_font("800 11px sans-serif");
            let _ = ctx.fill_text("✕", x + r * 0.8, y - r * 0.6);
        }
        if labels {
            ctx.set_fill_style_str(ink.fg);
            ctx.set_font(&label_font);
            if f.layout == Layout::Tiers {
                let _ = ctx.fill_text(&node.label, x + r + 4.0, y + 4.0);
            } else {
                let _ = ctx.fill_text(&node.label, x, y - r - 5.0);
            }
        }
    }
}

/// What changes every frame: load gauges, messages in flight, the hovered message, dragging.
fn paint_live(ctx: &CanvasRenderingContext2d, view: &View, f: &Frame, ink: &Ink) {
    let (pl, r) = (f.pl, f.pl.r);

    // Load gauges: every track in one path, then the bars batched by colour.
    let (gw, gh) = (r * 1.6, (r * 0.22).clamp(2.0, 4.0));
    let gauge = |node: &distlab_core::NodeView| {
        let (x, y) = pl.pos[node.id as usize];
        (x - gw / 2.0, y + r * 0.45, node.load.map(|l| l.clamp(0.0, 1.0)))
    };
    if view.nodes.iter().any(|n| n.load.is_some()) {
        ctx.begin_path();
        for node in view.nodes.iter().filter(|n| n.load.is_some()) {
            let (gx, gy, _) = gauge(node);
            ctx.rect(gx, gy, gw, gh);
        }
        ctx.set_fill_style_str(ink.link);
        ctx.fill();
        for band in [0.0, 0.7, 0.9] {
            let c = crate::util::load_color(band);
            ctx.begin_path();
            for node in &view.nodes {
                let (gx, gy, load) = gauge(node);
                if let Some(l) = load.filter(|l| crate::util::load_color(*l) == c && *l > 0.0) {
                    ctx.rect(gx, gy, gw * l, gh);
                }
            }
            ctx.set_fill_style_str(c);
            ctx.fill();
        }
    }

    // Messages: batched by colour.
    let msg_r = if f.compact || r < 12.0 { 2.5 } else { 4.5 };
    let mut by_color: [Vec<(f64, f64)>; PALETTE.len()] = Default::default();
    let mut hovered = None;
    for m in &view.messages {
        let (Some(&a), Some(&b)) = (pl.pos.get(m.from as usize), pl.pos.get(m.to as usize)) else { continue };
        let span = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (view.time.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0);
        let p = along(a, b, frac, r, 0.0);
        if f.hover == Some(m.id) {
            hovered = Some((p, name_color(m.kind)));
        }
        by_color[name_color(m.kind) as usize % PALETTE.len()].push(p);
    }
    for (c, pts) in by_color.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        ctx.begin_path();
        for &(x, y) in pts {
            ctx.move_to(x + msg_r, y);
            let _ = ctx.arc(x, y, msg_r, 0.0, core::f64::consts::TAU);
        }
        ctx.set_fill_style_str(PALETTE[c]);
        ctx.fill();
    }
    if let Some(((x, y), c)) = hovered {
        ctx.begin_path();
        circle(ctx, x, y, msg_r * 2.0);
        ctx.set_fill_style_str(color(c));
        ctx.fill();
        ctx.set_line_width(2.0);
        ctx.set_stroke_style_str(ink.fg);
        ctx.stroke();
    }

    // Dragging: drop zones, the target highlighted, and a ghost of the node at the pointer.
    if let Some(g) = f.ghost {
        draw_zones(ctx, f.zones, g.target, ink);
        if let Some(Target::Node(t)) = g.target {
            if let Some(&(x, y)) = pl.pos.get(t as usize) {
                ctx.begin_path();
                circle(ctx, x, y, r + 6.0);
                ctx.set_line_width(3.0);
                ctx.set_stroke_style_str(ink.fg);
                ctx.stroke();
            }
        }
        if let Some(&(ox, oy)) = pl.pos.get(g.node as usize) {
            ctx.begin_path();
            ctx.move_to(ox, oy);
            ctx.line_to(g.x, g.y);
            dash(ctx, &[4.0, 4.0]);
            ctx.set_line_width(1.5);
            ctx.set_stroke_style_str(ink.fg);
            ctx.stroke();
            ctx.begin_path();
            circle(ctx, g.x, g.y, r.max(8.0));
            ctx.stroke();
            dash(ctx, &[]);
        }
    }
}

fn draw_zones(ctx: &CanvasRenderingContext2d, zones: &[Zone], target: Option<Target>, ink: &Ink) {
    ctx.set_font("600 12px sans-serif");
    ctx.set_text_align("center");
    for z in zones {
        let (x, y, w, h) = z.rect;
        let on = target == Some(z.target);
        let c = match z.target {
            Target::Group(g) => color(g as u32 + 4),
            _ => ink.muted,
        };
        ctx.set_global_alpha(if on { 0.95 } else { 0.82 });
        ctx.set_fill_style_str(ink.panel);
        ctx.fill_rect(x, y, w, h);
        ctx.set_global_alpha(if on { 0.45 } else { 0.18 });
        ctx.set_fill_style_str(c);
        ctx.fill_rect(x, y, w, h);
        ctx.set_global_alpha(1.0);
        ctx.set_line_width(if on { 3.0 } else { 1.5 });
        ctx.set_stroke_style_str(c);
        ctx.stroke_rect(x, y, w, h);
        ctx.set_fill_style_str(ink.fg);
        let _ = ctx.fill_text(&z.caption, x + w / 2.0, y + h / 2.0 + 4.0);
    }
}

/// The message nearest a point within reach, if any.
pub fn hit_message(view: &View, pl: &Placement, x: f64, y: f64) -> Option<MsgId> {
    let mut best: Option<(f64, MsgId)> = None;
    for m in &view.messages {
        let (Some(&a), Some(&b)) = (pl.pos.get(m.from as usize), pl.pos.get(m.to as usize)) else { continue };
        let span = m.arrives_at.saturating_sub(m.sent_at).max(1) as f64;
        let frac = (view.time.saturating_sub(m.sent_at) as f64 / span).clamp(0.0, 1.0);
        let (mx, my) = along(a, b, frac, pl.r, 0.0);
        let d = ((mx - x).powi(2) + (my - y).powi(2)).sqrt();
        if d <= 7.0 && best.is_none_or(|bb| d < bb.0) {
            best = Some((d, m.id));
        }
    }
    best.map(|b| b.1)
}
