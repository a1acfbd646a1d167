//! The tree figure: an SVG picture of a rooted tree growing left to right (block trees with
//! the best chain highlighted, forks and stale branches; merkle trees), with the nested list
//! as its text alternative.
//!
//! Layout: a node's column is its depth; rows are given out depth-first, highlighted children
//! first, and a node sits on the row of its first child, so the highlighted path is one
//! straight line along the top and every fork branches off below it.

use distlab_core::figure::{Tree, TreeNode};
use yew::prelude::*;

const BOX_W: f64 = 104.0;
const BOX_H: f64 = 28.0;
const GAP_X: f64 = 22.0;
const ROW_H: f64 = 50.0;
const PAD: f64 = 6.0;
/// Longest label drawn in a box (the full text is in the title and the list).
const LABEL_CHARS: usize = 15;

/// Column and row of every node.
fn layout(t: &Tree) -> (Vec<(usize, usize)>, usize, usize) {
    let n = t.nodes.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, node) in t.nodes.iter().enumerate() {
        match node.parent.map(|p| p as usize).filter(|&p| p < i) {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let first = |v: &mut Vec<usize>| v.sort_by_key(|&c| (!t.nodes[c].highlighted, c));
    for c in children.iter_mut() {
        first(c);
    }
    first(&mut roots);
    let mut pos = vec![(0usize, 0usize); n];
    let mut next_row = 0usize;
    let mut max_col = 0usize;
    // Iterative depth-first walk: (node, depth, children visited).
    for root in roots {
        let mut stack: Vec<(usize, usize, bool)> = vec![(root, 0, false)];
        while let Some((i, depth, visited)) = stack.pop() {
            max_col = max_col.max(depth);
            if visited {
                pos[i] = (depth, children[i].first().map_or(next_row, |&c| pos[c].1));
                if children[i].is_empty() {
                    next_row += 1;
                }
                continue;
            }
            stack.push((i, depth, true));
            for &c in children[i].iter().rev() {
                stack.push((c, depth + 1, false));
            }
        }
    }
    (pos, max_col + 1, next_row.max(1))
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

fn classes(n: &TreeNode) -> Classes {
    classes!("tn", crate::util::tint(n.color), n.highlighted.then_some("best"), n.faded.then_some("faded"), n.marked.then_some("marked"))
}

/// Draws a tree as an SVG picture, with the nested list as its text alternative.
pub fn render(t: &Tree) -> Html {
    if t.nodes.is_empty() {
        return html! { <p class="hint">{ "(empty)" }</p> };
    }
    let (pos, cols, rows) = layout(t);
    let xy = |i: usize| (PAD + pos[i].0 as f64 * (BOX_W + GAP_X), PAD + pos[i].1 as f64 * ROW_H);
    let width = PAD * 2.0 + cols as f64 * (BOX_W + GAP_X) - GAP_X;
    let height = PAD * 2.0 + rows as f64 * ROW_H - (ROW_H - BOX_H) + 14.0;
    let edges = t.nodes.iter().enumerate().filter_map(|(i, n)| {
        let p = n.parent.map(|p| p as usize).filter(|&p| p < i)?;
        let (x1, y1) = xy(p);
        let (x2, y2) = xy(i);
        let (x1, y1, y2) = (x1 + BOX_W, y1 + BOX_H / 2.0, y2 + BOX_H / 2.0);
        let mid = x1 + GAP_X / 2.0;
        let d = format!("M{x1},{y1} H{mid} V{y2} H{x2}");
        let class = classes!("te", (n.highlighted && t.nodes[p].highlighted).then_some("best"), n.marked.then_some("marked"), n.faded.then_some("faded"));
        Some(html! { <path {d} class={class} /> })
    });
    let boxes = t.nodes.iter().enumerate().map(|(i, n)| {
        let (x, y) = xy(i);
        let tags = n.tags.join(" · ");
        html! {
            <g class={classes(n)} transform={format!("translate({x},{y})")}>
                <title>{ n.detail.clone() }</title>
                <rect width={BOX_W.to_string()} height={BOX_H.to_string()} rx="5" />
                <text x={(BOX_W / 2.0).to_string()} y={(BOX_H / 2.0 + 4.0).to_string()} text-anchor="middle">{ short(&n.label) }</text>
                if !tags.is_empty() {
                    <text class="tag" x="2" y={(BOX_H + 12.0).to_string()}>{ tags }</text>
                }
            </g>
        }
    });
    let best = t.nodes.iter().filter(|n| n.highlighted).count();
    let marked = t.nodes.iter().filter(|n| n.marked).count();
    let faded = t.nodes.iter().filter(|n| n.faded).count();
    let summary = format!(
        "Tree of {} nodes: {best} on the highlighted path, {faded} greyed out, {marked} marked as broken.",
        t.nodes.len()
    );
    html! {
        <div class="fig-tree-wrap">
            // `dir=rtl` starts the scroll at the right end, where the newest blocks are.
            <div class="fig-tree-scroll" dir="rtl" tabindex="0" role="region" aria-label={summary.clone()}>
                <svg class="fig-tree-svg" dir="ltr" width={width.to_string()} height={height.to_string()} viewBox={format!("0 0 {width} {height}")} aria-hidden="true" focusable="false">
                    { for edges }
                    { for boxes }
                </svg>
            </div>
            <details class="fig-tree-text">
                <summary>{ "As a list" }</summary>
                { list(t, None) }
            </details>
        </div>
    }
}

/// The tree as nested lists: each node with its detail, children under it.
fn list(t: &Tree, parent: Option<u32>) -> Html {
    let kids: Vec<usize> = t
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| match parent {
            None => n.parent.is_none_or(|p| p as usize >= *i),
            Some(p) => n.parent == Some(p),
        })
        .map(|(i, _)| i)
        .collect();
    if kids.is_empty() {
        return html! {};
    }
    html! {
        <ul class="fig-tree">{ for kids.into_iter().map(|i| {
            let n = &t.nodes[i];
            let mark = if n.marked { " (broken)" } else if n.highlighted { " (highlighted)" } else if n.faded { " (greyed out)" } else { "" };
            html! { <li class={classes!(n.highlighted.then_some("best"), n.faded.then_some("faded"), n.marked.then_some("marked"))}>
                { format!("{}{mark}: {}", n.label, n.detail) }{ list(t, Some(i as u32)) }</li> }
        }) }</ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(parent: Option<u32>, highlighted: bool) -> TreeNode {
        TreeNode { parent, highlighted, ..Default::default() }
    }

    #[test]
    fn the_highlighted_path_is_the_top_row_and_forks_go_below() {
        // 0 - 1 - 2 (best) and a fork 0 - 1 - 3, and 1 - 4 - 5 with 4 listed before the best.
        let t = Tree { nodes: vec![node(None, true), node(Some(0), true), node(Some(1), false), node(Some(1), true), node(Some(3), true)] };
        let (pos, cols, rows) = layout(&t);
        assert_eq!((cols, rows), (4, 2));
        assert_eq!(pos[0], (0, 0));
        assert_eq!(pos[3], (2, 0), "the highlighted child takes the parent's row");
        assert_eq!(pos[4], (3, 0));
        assert_eq!(pos[2], (2, 1), "the fork goes below");
    }
}
