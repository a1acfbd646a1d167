//! Partitions by dragging: the pure half. Where the drop zones are, what lies under the
//! pointer, and which `Action` a drop (or a group key) means. The cluster view draws and wires
//! these; nothing here knows about any model.
//!
//! Rules: dropping node X on node Y puts X in Y's group; if they already share a group (for
//! example while the network is whole), X and Y leave it together as a new group. Dropping on
//! a group zone moves X into that group ("new group" makes one); the heal zone heals everything.
//! Keyboard: with a node focused, `a`…`f` move it into group A…F and `h` heals.

use crate::geometry::{group_of, Placement};
use distlab_core::{Action, NodeId, View};

/// Most groups offered.
pub const GROUPS_MAX: usize = 6;

/// What a dragged node can be dropped on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Another node.
    Node(NodeId),
    /// A group zone (index; one past the last group = a new group).
    Group(usize),
    /// Heal the whole network.
    Heal,
}

/// A drop zone: its target, rectangle `(x, y, w, h)` in drawing units and caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// What dropping here does.
    pub target: Target,
    /// Rectangle in drawing units.
    pub rect: (f64, f64, f64, f64),
    /// Caption.
    pub caption: String,
}

/// Current group of every node (0 for all while the network is whole).
pub fn assignment(view: &View) -> Vec<usize> {
    (0..view.nodes.len()).map(|i| group_of(view, i as NodeId).unwrap_or(0)).collect()
}

/// Number of groups now (1 while whole).
pub fn group_count(view: &View) -> usize {
    assignment(view).iter().copied().max().map_or(1, |m| m + 1)
}

/// The drop zones for a drawing of width `w`: a column at the left edge, one per existing group,
/// one "new group" and one "heal".
pub fn zones(view: &View, w: f64) -> Vec<Zone> {
    let k = group_count(view);
    let (zw, zh, gap) = ((w * 0.16).clamp(70.0, 110.0), 30.0, 6.0);
    let mut out = Vec::new();
    let mut y = 26.0;
    let whole = view.groups.is_empty();
    for g in 0..(k + 1).min(GROUPS_MAX) {
        let caption = if g == k || (whole && g >= 1) { format!("new group {}", super::cluster::group_name(g)) } else { format!("group {}", super::cluster::group_name(g)) };
        out.push(Zone { target: Target::Group(g), rect: (6.0, y, zw, zh), caption });
        y += zh + gap;
    }
    out.push(Zone { target: Target::Heal, rect: (6.0, y, zw, zh), caption: "heal all".into() });
    out
}

/// The node under a point, if any (generous: touch-friendly).
pub fn hit_node(pl: &Placement, x: f64, y: f64) -> Option<NodeId> {
    let reach = (pl.r + 6.0).max(10.0);
    let mut best: Option<(f64, usize)> = None;
    for (i, &(nx, ny)) in pl.pos.iter().enumerate() {
        let d = ((nx - x).powi(2) + (ny - y).powi(2)).sqrt();
        if d <= reach && best.is_none_or(|b| d < b.0) {
            best = Some((d, i));
        }
    }
    best.map(|b| b.1 as NodeId)
}

/// The zone under a point, if any.
pub fn hit_zone(zones: &[Zone], x: f64, y: f64) -> Option<Target> {
    zones.iter().find(|z| x >= z.rect.0 && x <= z.rect.0 + z.rect.2 && y >= z.rect.1 && y <= z.rect.1 + z.rect.3).map(|z| z.target)
}

/// Turns a group assignment into an action: a partition, or heal when one group is left.
pub fn action_for(groups: &[usize]) -> Action {
    let top = groups.iter().copied().max().unwrap_or(0);
    let lists: Vec<Vec<NodeId>> = (0..=top)
        .map(|g| groups.iter().enumerate().filter(|(_, x)| **x == g).map(|(i, _)| i as NodeId).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .collect();
    if lists.len() <= 1 {
        Action::Heal
    } else {
        Action::Partition(lists)
    }
}

/// What dropping `node` on `target` does; `None` when nothing would change.
pub fn drop_action(view: &View, node: NodeId, target: Target) -> Option<Action> {
    let mut groups = assignment(view);
    let i = node as usize;
    if i >= groups.len() {
        return None;
    }
    let fresh = groups.iter().copied().max().unwrap_or(0) + 1;
    match target {
        Target::Heal => return (!view.groups.is_empty()).then_some(Action::Heal),
        Target::Node(other) => {
            let o = other as usize;
            if o == i || o >= groups.len() {
                return None;
            }
            if groups[o] == groups[i] {
                // Together, out of their shared group.
                if groups.iter().filter(|g| **g == groups[i]).count() == 2 {
                    return None;
                }
                groups[i] = fresh;
                groups[o] = fresh;
            } else {
                groups[i] = groups[o];
            }
        }
        Target::Group(g) => {
            let g = g.min(fresh).min(GROUPS_MAX - 1);
            if groups[i] == g {
                return None;
            }
            groups[i] = g;
        }
    }
    let action = action_for(&groups);
    if action == Action::Heal && view.groups.is_empty() {
        return None;
    }
    Some(action)
}

/// The action for a group key pressed on a focused node (`a`…`f`, `h`), if it is one.
pub fn key_action(view: &View, node: NodeId, key: &str) -> Option<Option<Action>> {
    let target = match key {
        "h" | "H" => Target::Heal,
        k if k.len() == 1 && (b'a'..b'a' + GROUPS_MAX as u8).contains(&k.as_bytes()[0]) => Target::Group((k.as_bytes()[0] - b'a') as usize),
        _ => return None,
    };
    Some(drop_action(view, node, target))
}

/// Converts a pointer position in CSS pixels (relative to the element's box of `bw`×`bh`) to
/// drawing units of a `w`×`h` drawing scaled to fit and centred (SVG `meet`, canvas `contain`).
pub fn to_drawing(px: f64, py: f64, bw: f64, bh: f64, w: f64, h: f64) -> (f64, f64) {
    let s = (bw / w).min(bh / h).max(1e-9);
    let (ox, oy) = ((bw - w * s) / 2.0, (bh - h * s) / 2.0);
    ((px - ox) / s, (py - oy) / s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_become_partitions() {
        assert_eq!(action_for(&[0, 0, 1, 1, 0]), Action::Partition(vec![vec![0, 1, 4], vec![2, 3]]));
        assert_eq!(action_for(&[2, 2, 2]), Action::Heal);
        assert_eq!(action_for(&[0, 3, 3]), Action::Partition(vec![vec![0], vec![1, 2]]));
    }

    #[test]
    fn scaling_is_centred() {
        let (x, y) = to_drawing(320.0, 220.0, 640.0, 440.0, 640.0, 440.0);
        assert!((x - 320.0).abs() < 1e-9 && (y - 220.0).abs() < 1e-9);
        let (x, _) = to_drawing(0.0, 0.0, 1280.0, 440.0, 640.0, 440.0);
        assert!((x + 320.0).abs() < 1e-9);
    }
}
