//! Where nodes go in the cluster view, for either layout, at any density.

use distlab_core::{Layout, NodeId, View};

/// Positions and size of the nodes in a `w`×`h` box.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Centre of each node, by id.
    pub pos: Vec<(f64, f64)>,
    /// Node radius.
    pub r: f64,
    /// Column x positions and tier numbers (Tiers layout), for headings.
    pub columns: Vec<(f64, u8)>,
}

/// Most nodes stacked in one column before it wraps into another.
const ROWS_MAX: usize = 20;

/// Lays out `view`'s nodes.
pub fn place(view: &View, layout: Layout, w: f64, h: f64) -> Placement {
    let n = view.nodes.len();
    match layout {
        Layout::Ring => {
            let (cx, cy) = (w / 2.0, h / 2.0);
            let ring = (w.min(h) / 2.0 - 62.0).max(20.0);
            let pos = (0..n)
                .map(|i| {
                    let a = -core::f64::consts::FRAC_PI_2 + i as f64 * core::f64::consts::TAU / n.max(1) as f64;
                    (cx + ring * a.cos(), cy + ring * a.sin())
                })
                .collect();
            let gap = if n > 1 { ring * (core::f64::consts::PI / n as f64).sin() } else { ring };
            Placement { pos, r: (gap * 0.62).clamp(5.0, 34.0), columns: Vec::new() }
        }
        Layout::Tiers => {
            let mut tiers: Vec<u8> = view.nodes.iter().map(|v| v.tier).collect();
            tiers.sort_unstable();
            tiers.dedup();
            // Each tier gets ceil(count / ROWS_MAX) sub-columns.
            let members: Vec<Vec<NodeId>> = tiers.iter().map(|t| view.nodes.iter().filter(|v| v.tier == *t).map(|v| v.id).collect()).collect();
            let subcols: Vec<usize> = members.iter().map(|m| m.len().div_ceil(ROWS_MAX).max(1)).collect();
            let total: usize = subcols.iter().sum::<usize>() + tiers.len().saturating_sub(1);
            // Names and roles are written to the right of each node: leave room on the right.
            let col_w = (w - 120.0) / total.max(1) as f64;
            let rows_max = members.iter().map(|m| m.len().min(ROWS_MAX)).max().unwrap_or(1).max(1);
            let row_h = (h - 50.0) / rows_max as f64;
            let r = (row_h * 0.36).min(col_w * 0.3).clamp(3.0, 30.0);
            let mut pos = vec![(0.0, 0.0); n];
            let mut columns = Vec::new();
            let mut col = 0usize;
            for (ti, m) in members.iter().enumerate() {
                let cols = subcols[ti];
                let x0 = 20.0 + col as f64 * col_w;
                columns.push((x0 + cols as f64 * col_w / 2.0, tiers[ti]));
                let per_col = m.len().div_ceil(cols);
                for (k, id) in m.iter().enumerate() {
                    let (c, row) = (k / per_col.max(1), k % per_col.max(1));
                    let in_col = per_col.min(m.len() - c * per_col);
                    let span = in_col as f64 * row_h;
                    let y = 30.0 + (h - 30.0 - span) / 2.0 + (row as f64 + 0.5) * row_h;
                    let x = x0 + (c as f64 + 0.5) * col_w;
                    if let Some(p) = pos.get_mut(*id as usize) {
                        *p = (x, y);
                    }
                }
                col += cols + 1;
            }
            Placement { pos, r, columns }
        }
    }
}

/// A point `frac` of the way from `a` to `b`, trimmed by `r` at both ends and shifted `side`
/// pixels to the right of the direction of travel (so the two directions do not overlap).
pub fn along(a: (f64, f64), b: (f64, f64), frac: f64, r: f64, side: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let trim = r.min(len / 2.0);
    let start = (a.0 + ux * trim, a.1 + uy * trim);
    let run = len - 2.0 * trim;
    let f = frac.clamp(0.0, 1.0);
    (start.0 + ux * run * f - uy * side, start.1 + uy * run * f + ux * side)
}

/// Which partition group a node is in (`None` when the network is whole). Nodes not named in
/// any group form one more group, numbered after the named ones.
pub fn group_of(view: &View, node: NodeId) -> Option<usize> {
    if view.groups.is_empty() {
        return None;
    }
    Some(view.groups.iter().position(|g| g.contains(&node)).unwrap_or(view.groups.len()))
}
