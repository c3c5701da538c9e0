//! A built-in drawing of the asset graph that needs no Graphviz: one swimlane per
//! organisation, one column per layer, nodes ordered inside each cell to keep edges short.
//!
//! Deterministic by construction (no hashing, fixed number formatting), so a report that
//! embeds it is byte-identical for the same model and highlight.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use ensure_model::{AssetId, Layer, Model, Relation};

/// What to emphasise on the drawing: a verifier witness, an attack path.
#[derive(Debug, Clone, Default)]
pub struct Highlight {
    pub assets: BTreeSet<AssetId>,
    /// Directed pairs of assets whose edges are emphasised (either direction matches).
    pub edges: BTreeSet<(AssetId, AssetId)>,
}

impl Highlight {
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty() && self.edges.is_empty()
    }
}

/// The layer columns, left to right.
pub const COLUMNS: [Layer; 5] = [
    Layer::Human,
    Layer::Cyber,
    Layer::Data,
    Layer::Physical,
    Layer::Organisational,
];
const NODE_W: f64 = 150.0;
const NODE_H: f64 = 24.0;
const GAP_Y: f64 = 8.0;
const GAP_X: f64 = 14.0;
const COL_GAP: f64 = 70.0;
const LANE_PAD: f64 = 14.0;
const LANE_LABEL_W: f64 = 150.0;
const HEADER_H: f64 = 34.0;
/// Nodes per row inside one cell, at most; wide cells keep tall lanes from dominating.
const MAX_PER_ROW: usize = 3;
/// The widest the picture grows by putting nodes side by side.
const MAX_WIDTH: f64 = 1600.0;

/// Where each asset sits, and the size of the picture.
#[derive(Debug, Clone)]
pub struct Layout {
    pub position: Vec<(f64, f64)>,
    pub width: f64,
    pub height: f64,
    lanes: Vec<Lane>,
    col_x: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Lane {
    label: String,
    y: f64,
    height: f64,
}

/// The column of a layer.
pub fn column_of(layer: Layer) -> usize {
    COLUMNS.iter().position(|l| *l == layer).unwrap_or(0)
}

fn layer_fill(layer: Layer) -> &'static str {
    match layer {
        Layer::Cyber => "#dbeafe",
        Layer::Data => "#fef9c3",
        Layer::Physical => "#dcfce7",
        Layer::Human => "#fce7f3",
        Layer::Organisational => "#e5e7eb",
    }
}

/// Relations drawn as edges; zone and organisation membership are shown by the lanes and
/// node labels instead, which keeps a 100-asset picture readable.
const ARROW_COLOURS: [&str; 7] = [
    "#2563eb", "#6b7280", "#7c3aed", "#059669", "#ea580c", "#ca8a04", "#dc2626",
];

fn edge_style(r: Relation) -> Option<(&'static str, &'static str, &'static str)> {
    // (css class, stroke colour, dash pattern)
    match r {
        Relation::Flow(_) => Some(("flow", "#2563eb", "")),
        Relation::Hosting => Some(("hosting", "#6b7280", "4 3")),
        Relation::Access => Some(("access", "#7c3aed", "2 3")),
        Relation::Custody => Some(("custody", "#059669", "6 2 2 2")),
        Relation::Dependency(_) => Some(("dependency", "#ea580c", "")),
        Relation::Stores => Some(("stores", "#ca8a04", "1 3")),
        Relation::Zone | Relation::Org => None,
    }
}

/// The organisation lane of an asset: its own org, or itself if it is an organisation,
/// or the lane of whatever hosts it.
pub(crate) fn lane_of(model: &Model, a: AssetId) -> Option<AssetId> {
    let mut cur = a;
    for _ in 0..model.assets.len() {
        let asset = model.asset(cur);
        if asset.layer == Layer::Organisational && asset.org.is_none() {
            return Some(cur);
        }
        if let Some(o) = asset.org {
            return Some(o);
        }
        match asset.hosted_on.first() {
            Some(h) => cur = *h,
            None => return None,
        }
    }
    None
}

fn drawn_edges(model: &Model) -> Vec<(AssetId, AssetId, Relation)> {
    let mut out: Vec<(AssetId, AssetId, Relation)> = model
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = model.graph.edge_endpoints(e)?;
            let r = model.graph[e];
            edge_style(r)?;
            Some((model.graph[a], model.graph[b], r))
        })
        .collect();
    out.sort_by_key(|(a, b, r)| (*a, *b, edge_style(*r).map(|s| s.0)));
    out
}

/// Lays the asset graph out in organisation lanes and layer columns.
pub fn layout(model: &Model) -> Layout {
    let n = model.assets.len();
    // Lanes: organisations in file order, then one lane for assets outside any.
    let mut lane_ids: Vec<Option<AssetId>> = model
        .assets
        .iter()
        .enumerate()
        .filter(|(_, a)| a.layer == Layer::Organisational && a.org.is_none())
        .map(|(i, _)| Some(AssetId(i as u32)))
        .collect();
    let lane_idx_of: Vec<usize> = (0..n)
        .map(|i| {
            let l = lane_of(model, AssetId(i as u32));
            match lane_ids.iter().position(|x| *x == l) {
                Some(p) => p,
                None => {
                    lane_ids.push(l);
                    lane_ids.len() - 1
                }
            }
        })
        .collect();
    let col_of = |a: AssetId| {
        COLUMNS
            .iter()
            .position(|l| *l == model.asset(a).layer)
            .unwrap_or(0)
    };
    // Cells: (lane, column) -> assets, ordered by a barycentre heuristic.
    let mut cells: BTreeMap<(usize, usize), Vec<AssetId>> = BTreeMap::new();
    for (i, lane) in lane_idx_of.iter().enumerate() {
        let a = AssetId(i as u32);
        cells.entry((*lane, col_of(a))).or_default().push(a);
    }
    let edges = drawn_edges(model);
    let mut neighbours: Vec<Vec<AssetId>> = vec![Vec::new(); n];
    for (a, b, _) in &edges {
        neighbours[a.idx()].push(*b);
        neighbours[b.idx()].push(*a);
    }
    let mut rank: Vec<f64> = vec![0.0; n];
    let assign_ranks = |cells: &BTreeMap<(usize, usize), Vec<AssetId>>, rank: &mut Vec<f64>| {
        // A global vertical order: lane first, then position in the cell.
        for ((lane, _), assets) in cells {
            for (k, a) in assets.iter().enumerate() {
                rank[a.idx()] = *lane as f64 * 1000.0 + k as f64;
            }
        }
    };
    assign_ranks(&cells, &mut rank);
    for _ in 0..4 {
        for assets in cells.values_mut() {
            let key = |a: &AssetId| {
                let ns = &neighbours[a.idx()];
                if ns.is_empty() {
                    rank[a.idx()]
                } else {
                    ns.iter().map(|b| rank[b.idx()]).sum::<f64>() / ns.len() as f64
                }
            };
            let mut keyed: Vec<(f64, AssetId)> = assets.iter().map(|a| (key(a), *a)).collect();
            keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            *assets = keyed.into_iter().map(|(_, a)| a).collect();
        }
        assign_ranks(&cells, &mut rank);
    }
    // Nodes per row, per column: one each to start with (a clean layered picture), then
    // a second or third in the column whose tallest cell is tallest, while the picture
    // stays within MAX_WIDTH: pages scroll down, not sideways.
    let mut per_col = [1usize; COLUMNS.len()];
    let tallest = |per_col: &[usize; COLUMNS.len()], c: usize| {
        cells
            .iter()
            .filter(|((_, cc), _)| *cc == c)
            .map(|(_, a)| a.len().div_ceil(per_col[c]))
            .max()
            .unwrap_or(0)
    };
    let total_width = |per_col: &[usize; COLUMNS.len()]| {
        LANE_LABEL_W
            + per_col
                .iter()
                .map(|k| *k as f64 * NODE_W + (*k as f64 - 1.0) * GAP_X + COL_GAP)
                .sum::<f64>()
    };
    loop {
        let mut best: Option<(usize, usize)> = None;
        for c in 0..COLUMNS.len() {
            let rows = tallest(&per_col, c);
            let mut wider = per_col;
            wider[c] += 1;
            if per_col[c] >= MAX_PER_ROW
                || total_width(&wider) > MAX_WIDTH
                || tallest(&wider, c) >= rows
            {
                continue;
            }
            if best.is_none_or(|(_, r)| rows > r) {
                best = Some((c, rows));
            }
        }
        match best {
            Some((c, _)) => per_col[c] += 1,
            None => break,
        }
    }
    let per_row = |c: usize, count: usize| count.clamp(1, per_col[c]);
    let mut col_w = [NODE_W; COLUMNS.len()];
    for ((_, c), assets) in &cells {
        let k = per_row(*c, assets.len()) as f64;
        col_w[*c] = col_w[*c].max(k * NODE_W + (k - 1.0) * GAP_X);
    }
    let mut col_x = Vec::with_capacity(COLUMNS.len());
    let mut x = LANE_LABEL_W + COL_GAP / 2.0;
    for w in col_w {
        col_x.push(x);
        x += w + COL_GAP;
    }
    let width = x;
    let mut position = vec![(0.0, 0.0); n];
    let mut lanes = Vec::new();
    let mut y = HEADER_H;
    for (li, lane) in lane_ids.iter().enumerate() {
        let mut lane_h: f64 = NODE_H;
        for (c, cx) in col_x.iter().enumerate() {
            let Some(assets) = cells.get(&(li, c)) else {
                continue;
            };
            let k = per_row(c, assets.len());
            for (j, a) in assets.iter().enumerate() {
                let (row, col) = (j / k, j % k);
                position[a.idx()] = (
                    cx + col as f64 * (NODE_W + GAP_X),
                    y + LANE_PAD + row as f64 * (NODE_H + GAP_Y),
                );
            }
            let rows = assets.len().div_ceil(k) as f64;
            lane_h = lane_h.max(rows * (NODE_H + GAP_Y) - GAP_Y);
        }
        let height = lane_h + 2.0 * LANE_PAD;
        lanes.push(Lane {
            label: match lane {
                Some(o) => model.asset(*o).name.clone(),
                None => "outside any organisation".into(),
            },
            y,
            height,
        });
        y += height;
    }
    Layout {
        position,
        width,
        height: y + 30.0,
        lanes,
        col_x,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Shortens a label to what fits in `max_px` at `size_px`, with an ellipsis.
fn fit(s: &str, size_px: f64, bold: bool, max_px: f64) -> String {
    crate::text::fit(s, size_px, bold, max_px)
}

/// The asset graph as a standalone SVG document, with `highlight` emphasised and everything
/// else dimmed when a highlight is given.
pub fn asset_graph_svg(model: &Model, highlight: &Highlight) -> String {
    asset_graph_svg_with(model, highlight, "g")
}

/// As [`asset_graph_svg`], with the drawing's internal ids (its arrow heads) prefixed by
/// `id`, so that several drawings can share one HTML page.
pub fn asset_graph_svg_with(model: &Model, highlight: &Highlight, id: &str) -> String {
    let lay = layout(model);
    let id = esc(id);
    let dim = !highlight.is_empty();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="asset-graph" viewBox="0 0 {:.0} {:.0}" width="{:.0}" height="{:.0}" font-family="{}" font-size="10">"#,
        lay.width,
        lay.height,
        lay.width,
        lay.height,
        crate::text::FAMILY
    );
    let _ = writeln!(out, "<title>Asset graph of {}</title>", esc(&model.name));
    // One arrow head per stroke colour: `context-stroke` is not drawn by every viewer.
    out.push_str("<defs>");
    for colour in ARROW_COLOURS {
        let _ = write!(
            out,
            r#"<marker id="{id}-arrow-{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>"#,
            &colour[1..]
        );
    }
    out.push_str("</defs>\n");
    for (i, layer) in COLUMNS.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="20" font-weight="bold" font-size="12">{} layer</text>"#,
            lay.col_x[i],
            layer.as_str()
        );
    }
    for (i, lane) in lay.lanes.iter().enumerate() {
        let fill = if i % 2 == 0 { "#f9fafb" } else { "#ffffff" };
        let _ = writeln!(
            out,
            r##"<rect x="0" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#e5e7eb"/>"##,
            lane.y, lay.width, lane.height,
        );
        let max_lines = (((lane.height - 8.0) / 13.0).floor() as usize).max(1);
        let lines = crate::text::wrap(&lane.label, 10.5, LANE_LABEL_W - 16.0);
        for (k, line) in lines.iter().take(max_lines).enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="8" y="{:.1}" font-weight="bold" font-size="10.5">{}</text>"#,
                lane.y + 18.0 + 13.0 * k as f64,
                esc(line)
            );
        }
    }
    let edges = drawn_edges(model);
    let _ = writeln!(out, r#"<g class="edges" fill="none">"#);
    for (a, b, r) in &edges {
        let Some((class, colour, dash)) = edge_style(*r) else {
            continue;
        };
        let hot = highlight.edges.contains(&(*a, *b)) || highlight.edges.contains(&(*b, *a));
        let (pa, pb) = (lay.position[a.idx()], lay.position[b.idx()]);
        // Leave from the side facing the target; enter on the side facing the source.
        let (x1, x2) = if pb.0 >= pa.0 + NODE_W {
            (pa.0 + NODE_W, pb.0)
        } else if pb.0 + NODE_W <= pa.0 {
            (pa.0, pb.0 + NODE_W)
        } else {
            (pa.0 + NODE_W, pb.0 + NODE_W)
        };
        let (y1, y2) = (pa.1 + NODE_H / 2.0, pb.1 + NODE_H / 2.0);
        let bend = ((x2 - x1).abs() / 2.0).max(40.0);
        let (c1, c2) = if x2 >= x1 + 1.0 {
            (x1 + bend, x2 - bend)
        } else if x1 >= x2 + 1.0 {
            (x1 - bend, x2 + bend)
        } else {
            (x1 + bend, x2 + bend)
        };
        let (opacity, width) = match (dim, hot) {
            (_, true) => ("1", "2.5"),
            (true, false) => ("0.12", "1"),
            (false, false) => ("0.55", "1"),
        };
        let stroke = if hot { "#dc2626" } else { colour };
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let _ = writeln!(
            out,
            r#"<path class="edge {class}{}" d="M {x1:.1} {y1:.1} C {c1:.1} {y1:.1} {c2:.1} {y2:.1} {x2:.1} {y2:.1}" stroke="{stroke}" stroke-width="{width}" opacity="{opacity}"{dash_attr} marker-end="url(#{id}-arrow-{})"><title>{} {} {}</title></path>"#,
            if hot { " hot" } else { "" },
            &stroke[1..],
            esc(&model.asset(*a).id),
            r.label(),
            esc(&model.asset(*b).id),
        );
    }
    let _ = writeln!(out, "</g>");
    let _ = writeln!(out, r#"<g class="nodes">"#);
    for (i, a) in model.assets.iter().enumerate() {
        let id = AssetId(i as u32);
        let (x, y) = lay.position[i];
        let hot = highlight.assets.contains(&id);
        let opacity = if dim && !hot { "0.35" } else { "1" };
        let (stroke, sw) = if hot {
            ("#dc2626", "2.5")
        } else if a.crown_jewel {
            ("#b91c1c", "1.5")
        } else {
            ("#6b7280", "0.8")
        };
        let jewel = if a.crown_jewel { "★ " } else { "" };
        let _ = writeln!(
            out,
            r#"<g class="node{}" opacity="{opacity}"><title>{} ({}){}</title><rect x="{x:.1}" y="{y:.1}" width="{NODE_W:.0}" height="{NODE_H:.0}" rx="4" fill="{}" stroke="{stroke}" stroke-width="{sw}"/><text x="{:.1}" y="{:.1}">{}</text></g>"#,
            if hot { " hot" } else { "" },
            esc(&a.id),
            esc(&model.types[a.type_id.idx()].id),
            if a.crown_jewel { ", crown jewel" } else { "" },
            layer_fill(a.layer),
            x + 5.0,
            y + NODE_H / 2.0 + 3.5,
            esc(&fit(&format!("{jewel}{}", a.id), 10.0, false, NODE_W - 9.0)),
        );
    }
    let _ = writeln!(out, "</g>");
    // Legend.
    let ly = lay.height - 9.0;
    let mut lx = 8.0;
    for (label, colour, dash) in [
        ("flow", "#2563eb", ""),
        ("hosted on", "#6b7280", "4 3"),
        ("access", "#7c3aed", "2 3"),
        ("custody", "#059669", "6 2 2 2"),
        ("depends on", "#ea580c", ""),
        ("stores", "#ca8a04", "1 3"),
    ] {
        let _ = write!(
            out,
            r#"<line x1="{lx:.0}" y1="{:.1}" x2="{:.0}" y2="{:.1}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{:.0}" y="{:.1}">{label}</text>"#,
            ly - 4.0,
            lx + 24.0,
            ly - 4.0,
            lx + 28.0,
            ly
        );
        lx += 100.0;
    }
    out.push_str("\n</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = r#"
name: t
assets:
  - {id: shop, type: company}
  - {id: psp, type: company}
  - {id: dmz, type: network-zone, org: shop, trust: 3}
  - {id: web, type: web-application, org: shop, zone: dmz, crown_jewel: true}
  - {id: db, type: database, org: shop, stores: [pii]}
  - {id: pii, type: customer-pii, org: shop}
  - {id: gw, type: payment-gateway, org: psp}
  - {id: clerk, type: employee, org: shop}
  - {id: visitor, type: customer}
flows:
  - {from: web, to: db, authentication: password, encryption: tls12}
  - {from: web, to: gw, authentication: api-key, encryption: tls13}
dependencies:
  - {service: web, on: [db]}
"#;
        let c = ensure_model::check_str("t.yaml", text);
        c.model.expect("valid")
    }

    #[test]
    fn every_asset_gets_its_own_place_inside_the_picture() {
        let m = model();
        let lay = layout(&m);
        for (i, (x, y)) in lay.position.iter().enumerate() {
            assert!(*x > 0.0 && x + NODE_W < lay.width, "asset {i} at x {x}");
            assert!(
                *y >= HEADER_H && y + NODE_H < lay.height,
                "asset {i} at y {y}"
            );
            for (j, (x2, y2)) in lay.position.iter().enumerate().skip(i + 1) {
                let overlap = (x - x2).abs() < NODE_W && (y - y2).abs() < NODE_H;
                assert!(!overlap, "assets {i} and {j} overlap");
            }
        }
        // Organisations get lanes of their own, plus one for the customer outside any.
        assert_eq!(lay.lanes.len(), 3);
    }

    #[test]
    fn the_svg_is_deterministic_and_highlights_what_it_is_asked_to() {
        let m = model();
        let plain = asset_graph_svg(&m, &Highlight::default());
        assert_eq!(plain, asset_graph_svg(&m, &Highlight::default()));
        assert_eq!(plain.matches("<g class=\"node\"").count(), m.assets.len());
        assert!(!plain.contains(" hot\""));
        let web = m.asset_id("web").unwrap();
        let db = m.asset_id("db").unwrap();
        let h = Highlight {
            assets: [web, db].into_iter().collect(),
            edges: [(web, db)].into_iter().collect(),
        };
        let hot = asset_graph_svg(&m, &h);
        assert_eq!(hot.matches("class=\"node hot\"").count(), 2);
        // The flow and the dependency between web and db are both emphasised.
        assert_eq!(hot.matches("class=\"edge flow hot\"").count(), 1);
        assert_eq!(hot.matches("class=\"edge dependency hot\"").count(), 1);
        assert!(hot.starts_with("<svg") && hot.trim_end().ends_with("</svg>"));
    }
}
