//! Exports of the asset graph: Graphviz DOT for drawing, node-link JSON for other tools.

use std::fmt::Write;

use ensure_model::{Layer, Model, Relation};

fn layer_colour(layer: Layer) -> &'static str {
    match layer {
        Layer::Cyber => "#dbeafe",
        Layer::Data => "#fef9c3",
        Layer::Physical => "#dcfce7",
        Layer::Human => "#fce7f3",
        Layer::Organisational => "#e5e7eb",
    }
}

fn layer_shape(layer: Layer) -> &'static str {
    match layer {
        Layer::Cyber => "box",
        Layer::Data => "cylinder",
        Layer::Physical => "box3d",
        Layer::Human => "ellipse",
        Layer::Organisational => "folder",
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The asset graph in Graphviz DOT, one cluster per organisation, coloured by layer.
/// Membership edges (in-zone, owned-by) are drawn as clusters and attributes, not arrows,
/// so that the picture stays readable.
pub fn to_dot(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&model.name));
    let _ = writeln!(out, "  rankdir=LR; compound=true; fontname=\"Helvetica\";");
    let _ = writeln!(
        out,
        "  node [style=filled, fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=8];");
    let node_line = |a: &ensure_model::Asset| {
        format!(
            "{} [label={}, shape={}, fillcolor={}{}];",
            quote(&a.id),
            quote(&format!(
                "{}\n<{}>",
                a.name,
                model.types[a.type_id.idx()].id
            )),
            layer_shape(a.layer),
            quote(layer_colour(a.layer)),
            if a.crown_jewel {
                ", penwidth=3, color=\"#b91c1c\""
            } else {
                ""
            }
        )
    };
    // Organisations first, each as a cluster holding the assets it owns.
    let orgs: Vec<usize> = (0..model.assets.len())
        .filter(|i| model.assets[*i].layer == Layer::Organisational)
        .collect();
    for &o in &orgs {
        let org = &model.assets[o];
        let _ = writeln!(
            out,
            "  subgraph {} {{",
            quote(&format!("cluster_{}", org.id))
        );
        let _ = writeln!(
            out,
            "    label={}; style=rounded; color=\"#6b7280\";",
            quote(&org.name)
        );
        let _ = writeln!(out, "    {}", node_line(org));
        for a in model
            .assets
            .iter()
            .filter(|a| a.org.map(|x| x.idx()) == Some(o))
        {
            let _ = writeln!(out, "    {}", node_line(a));
        }
        let _ = writeln!(out, "  }}");
    }
    for a in model
        .assets
        .iter()
        .filter(|a| a.org.is_none() && a.layer != Layer::Organisational)
    {
        let _ = writeln!(out, "  {}", node_line(a));
    }
    for e in model.graph.edge_indices() {
        let (s, t) = model
            .graph
            .edge_endpoints(e)
            .expect("edge index from this graph");
        let rel = model.graph[e];
        let (from, to) = (&model.assets[s.index()].id, &model.assets[t.index()].id);
        let attrs = match rel {
            Relation::Org => continue,
            Relation::Flow(f) => {
                let f = &model.flows[f.idx()];
                let weak = f.authentication == ensure_model::Authentication::None
                    || f.encryption == ensure_model::Encryption::None;
                format!(
                    "label={}, color={}",
                    quote(&format!(
                        "{}{}",
                        f.protocol.as_deref().unwrap_or("flow"),
                        if weak { " (!)" } else { "" }
                    )),
                    if weak { "\"#b91c1c\"" } else { "\"#1d4ed8\"" }
                )
            }
            Relation::Dependency(_) => {
                "label=\"needs\", style=dashed, color=\"#9333ea\"".to_string()
            }
            other => format!(
                "label={}, style=dotted, color=\"#6b7280\"",
                quote(other.label())
            ),
        };
        let _ = writeln!(out, "  {} -> {} [{attrs}];", quote(from), quote(to));
    }
    let _ = writeln!(out, "}}");
    out
}

/// The asset graph as node-link JSON (networkx `node_link_data` shape: `nodes`, `links`).
pub fn to_json(model: &Model) -> serde_json::Value {
    let nodes: Vec<serde_json::Value> = model
        .assets
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id,
                "name": a.name,
                "type": model.types[a.type_id.idx()].id,
                "layer": a.layer.as_str(),
                "org": a.org.map(|o| model.assets[o.idx()].id.clone()),
                "zone": a.zone.map(|z| model.assets[z.idx()].id.clone()),
                "trust": a.trust,
                "crown_jewel": a.crown_jewel,
            })
        })
        .collect();
    let links: Vec<serde_json::Value> = model
        .graph
        .edge_indices()
        .map(|e| {
            let (s, t) = model
                .graph
                .edge_endpoints(e)
                .expect("edge index from this graph");
            let rel = model.graph[e];
            let mut link = serde_json::json!({
                "source": model.assets[s.index()].id,
                "target": model.assets[t.index()].id,
                "relation": rel.label(),
            });
            match rel {
                Relation::Flow(f) => {
                    let f = &model.flows[f.idx()];
                    // The model file's own spellings (`api-key`, `tls13`), not Rust's.
                    link["authentication"] = serde_json::json!(f.authentication);
                    link["encryption"] = serde_json::json!(f.encryption);
                    link["carries"] = f
                        .carries
                        .iter()
                        .map(|d| model.assets[d.idx()].id.clone())
                        .collect();
                }
                Relation::Dependency(d) => {
                    link["p_propagate"] =
                        serde_json::json!(model.dependencies[d.idx()].p_propagate);
                }
                _ => {}
            }
            link
        })
        .collect();
    serde_json::json!({
        "directed": true,
        "multigraph": true,
        "graph": {"name": model.name},
        "nodes": nodes,
        "links": links,
    })
}
