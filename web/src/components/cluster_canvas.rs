//! The cluster view on a canvas, for dense labs (many nodes or many messages in flight) where
//! one SVG element per message cannot hold 60 frames per second. Draws the same picture as the
//! SVG view in immediate mode; messages are batched by colour into one path each.

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
    fg: &'static str,
    muted: &'static str,
    panel: &'static str,
    link: &'static str,
    bad: &'static str,
}

fn ink() -> Ink {
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches());
    if dark {
        Ink { fg: "#e4e6eb", muted: "#9aa1ad", panel: "#1b1e25", link: "#3a404b", bad: "#ff8a4c" }
    } else {
        Ink { fg: "#1d2026", muted: "#5b6270", panel: "#ffffff", link: "#c5cbd4", bad: "#c24a00" }
    }
}

/// Sizes the canvas backing store for the device and returns its 2D context, scaled so that
/// drawing units map to CSS pixels of a `w`×`h` drawing.
fn context(canvas: &HtmlCanvasElement, w: f64, h: f64) -> Option<CanvasRenderingContext2d> {
    let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 2.0);
    let (bw, bh) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let ctx = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
    ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok()?;
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

/// Draws one frame of the cluster on `canvas`, and records how long that took (ms) in
/// `window.__distlabCanvasMs` (last 600 frames) for benchmarks.
pub fn draw(canvas: &HtmlCanvasElement, view: &View, f: &Frame) {
    let t0 = crate::util::perf_now();
    paint(canvas, view, f);
    let Some(w) = web_sys::window() else { return };
    let key = wasm_bindgen::JsValue::from_str("__distlabCanvasMs");
    let arr = match js_sys::Reflect::get(&w, &key).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
        Some(a) => a,
        None => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&w, &key, &a);
            a
        }
    };
    arr.push(&(crate::util::perf_now() - t0).into());
    if arr.length() > 600 {
        arr.shift();
    }
}

fn paint(canvas: &HtmlCanvasElement, view: &View, f: &Frame) {
    let Some(ctx) = context(canvas, f.w, f.h) else { return };
    let ink = ink();
    let (pl, r) = (f.pl, f.pl.r);
    ctx.clear_rect(0.0, 0.0, f.w, f.h);

    // Group regions: a soft disc in the group's colour behind each member.
    if !view.groups.is_empty() {
        ctx.set_global_alpha(0.16);
        let k = view.groups.len() + 1;
        for g in 0..k {
            ctx.begin_path();
            for node in &view.nodes {
                if group_of(view, node.id) == Some(g) {
                    let (x, y) = pl.pos[node.id as usize];
                    circle(&ctx, x, y, r + 10.0);
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
        dash(&ctx, &[5.0, 5.0]);
        ctx.set_stroke_style_str(ink.bad);
        ctx.stroke();
        dash(&ctx, &[]);
    }

    // Tier headings.
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

    // Nodes.
    let labels = r >= 9.0 && !f.compact;
    for node in &view.nodes {
        let (x, y) = pl.pos[node.id as usize];
        let fill = color(node.color);
        let crashed = node.status == NodeStatus::Crashed;
        ctx.begin_path();
        circle(&ctx, x, y, r);
        ctx.set_fill_style_str(ink.panel);
        ctx.fill();
        ctx.set_global_alpha(if node.member { 0.28 } else { 0.1 });
        ctx.set_fill_style_str(if crashed { ink.muted } else { fill });
        ctx.fill();
        ctx.set_global_alpha(if node.member { 1.0 } else { 0.4 });
        match node.status {
            NodeStatus::Crashed => dash(&ctx, &[4.0, 3.0]),
            NodeStatus::Paused => dash(&ctx, &[2.0, 3.0]),
            NodeStatus::Slow(_) => dash(&ctx, &[10.0, 3.0]),
            NodeStatus::Up => {}
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
        dash(&ctx, &[]);
        ctx.set_global_alpha(1.0);
        if let Some(l) = node.load {
            let l = l.clamp(0.0, 1.0);
            let (gw, gh) = (r * 1.6, (r * 0.22).clamp(2.0, 4.0));
            let (gx, gy) = (x - gw / 2.0, y + r * 0.45);
            ctx.set_fill_style_str(ink.link);
            ctx.fill_rect(gx, gy, gw, gh);
            ctx.set_fill_style_str(crate::util::load_color(l));
            ctx.fill_rect(gx, gy, gw * l, gh);
        }
        if crashed && r >= 5.0 {
            ctx.set_fill_style_str(ink.bad);
            ctx.set_font("800 11px sans-serif");
            let _ = ctx.fill_text("✕", x + r * 0.8, y - r * 0.6);
        }
        if labels {
            ctx.set_fill_style_str(ink.fg);
            ctx.set_font(&format!("700 {:.0}px sans-serif", (r * 0.7).clamp(8.0, 13.0)));
            if f.layout == Layout::Tiers {
                ctx.set_text_align("start");
                let _ = ctx.fill_text(&node.label, x + r + 4.0, y + 4.0);
                ctx.set_text_align("center");
            } else {
                let _ = ctx.fill_text(&node.label, x, y - r - 5.0);
            }
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
        circle(&ctx, x, y, msg_r * 2.0);
        ctx.set_fill_style_str(color(c));
        ctx.fill();
        ctx.set_line_width(2.0);
        ctx.set_stroke_style_str(ink.fg);
        ctx.stroke();
    }

    // Dragging: drop zones, the target highlighted, and a ghost of the node at the pointer.
    if let Some(g) = f.ghost {
        draw_zones(&ctx, f.zones, g.target, &ink);
        if let Some(Target::Node(t)) = g.target {
            if let Some(&(x, y)) = pl.pos.get(t as usize) {
                ctx.begin_path();
                circle(&ctx, x, y, r + 6.0);
                ctx.set_line_width(3.0);
                ctx.set_stroke_style_str(ink.fg);
                ctx.stroke();
            }
        }
        if let Some(&(ox, oy)) = pl.pos.get(g.node as usize) {
            ctx.begin_path();
            ctx.move_to(ox, oy);
            ctx.line_to(g.x, g.y);
            dash(&ctx, &[4.0, 4.0]);
            ctx.set_line_width(1.5);
            ctx.set_stroke_style_str(ink.fg);
            ctx.stroke();
            ctx.begin_path();
            circle(&ctx, g.x, g.y, r.max(8.0));
            ctx.stroke();
            dash(&ctx, &[]);
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
