//! A node-link JSON graph (networkx `node_link_data`) with per-edge propagation probabilities,
//! as an `ensure` model whose cascades are the independent-cascade model.
//!
//! The file is `{"directed": bool, "multigraph": bool, "graph": {...}, "nodes": [{"id": ID,
//! ...}], "edges": [{"source": ID, "target": ID, ...}]}`. networkx before 3.4 (and 3.4–3.5 by
//! default) names the edge list `links`; 3.6 and later `edges`; either is read, not both. Node
//! ids may be any JSON value networkx writes (numbers, strings, lists for tuples), matched by
//! value as networkx does (`1` and `"1"` are different nodes). As in `node_link_graph`, a file
//! without `directed` is undirected.
//!
//! Attributes read (all optional):
//!
//! | where | attribute | meaning |
//! |---|---|---|
//! | edge | `p_propagate` (else `p`, else `probability`) | probability that a failure of `source` takes `target` down (default [`GraphOptions::p_default`]) |
//! | edge | `delay_hours` | hours before it does (default 0) |
//! | edge | `relation` | if any edge has one, only `depends-on` edges propagate, from target to source: the shape `ensure graph --format json` writes, where a service points at what it depends on |
//! | node | `seed: true` | the node fails at time zero |
//! | node | `p_fail` | probability that the node fails at time zero |
//! | node | `outage_hours` | how long a failure of the node itself lasts (default: the whole horizon) |
//! | node | `layer` | its `ensure` layer (default `cyber`) |
//! | node | `name` | its display name |
//! | graph | `horizon_hours` | the model's horizon |
//!
//! Each node becomes an asset with one attack step, `fail` (instant, `causes_outage`), which
//! only the actor `seeds` performs, from the seed nodes, once at time zero, each with its
//! `p_fail`. Each edge becomes its own dependency entry (`service: target, on: [source]`,
//! `p_propagate`), so every edge gets its own draw, once per run: exactly the independent
//! cascade, where each newly failed node has one chance to fail each neighbour. An undirected
//! edge propagates both ways. Failures last the whole horizon unless `outage_hours` says
//! otherwise, so that, as in the independent cascade, a failed node stays failed.

use std::collections::{BTreeSet, HashMap};

use ensure_model::format::{
    ActorDoc, AssetDoc, DependencyDoc, DistDoc, Layer, ModelDoc, Requires, StepOverrideDoc,
    StepTemplateDoc, TypeDoc,
};
use ensure_model::Located;
use serde_json::{Map, Value};

use crate::ids::IdTable;
use crate::json::{kind, parse, JsonPath, Reader};
use crate::{ImportError, Imported};

/// The horizon `ensure` uses when a model names none (one year).
const DEFAULT_HORIZON_HOURS: f64 = 8760.0;

/// How to read a dependency graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphOptions {
    /// Propagation probability of an edge that gives none.
    pub p_default: f64,
    /// Nodes that fail at time zero, besides those the file marks, by id as written in the
    /// file (a number or a string).
    pub seeds: Vec<String>,
    /// The model's name (default: the graph's `name` attribute, else `dependency-graph`).
    pub name: Option<String>,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            p_default: 1.0,
            seeds: Vec::new(),
            name: None,
        }
    }
}

struct GraphNode {
    /// The node's id as canonical JSON text, for matching edges to nodes.
    key: String,
    id: String,
    name: Option<String>,
    layer: Layer,
    p_fail: f64,
    outage_hours: Option<f64>,
}

struct Edge {
    from: usize,
    to: usize,
    p: f64,
    delay_hours: Option<f64>,
}

/// Reads a node-link JSON graph as an `ensure` model.
pub fn import_dependency_graph(text: &str, opts: &GraphOptions) -> Result<Imported, ImportError> {
    let root = parse(text)?;
    let mut r = Reader::default();
    let here = JsonPath::root();
    if !(0.0..=1.0).contains(&opts.p_default) {
        r.problem(
            &here,
            format!(
                "the default propagation probability must be between 0 and 1, not {}",
                opts.p_default
            ),
        );
        return Err(r.into_error());
    }
    let Some(obj) = r.object(&root, &here) else {
        return Err(r.into_error());
    };
    let directed = match obj.get("directed") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            r.problem(
                &here.key("directed"),
                format!("expected a boolean, found {}", kind(other)),
            );
            false
        }
    };
    let graph_attrs = match obj.get("graph") {
        None | Some(Value::Null) => None,
        Some(v) => r.object(v, &here.key("graph")),
    };
    let horizon = graph_attrs
        .and_then(|g| g.get("horizon_hours"))
        .filter(|v| !v.is_null())
        .and_then(|v| {
            let p = here.key("graph").key("horizon_hours");
            let h = r.number(v, &p)?;
            if h > 0.0 {
                Some(h)
            } else {
                r.problem(&p, format!("the horizon must be greater than 0, not {h}"));
                None
            }
        });
    let graph_name = graph_attrs
        .and_then(|g| g.get("name"))
        .and_then(Value::as_str);

    let nodes = read_nodes(&mut r, obj, &here);
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key.as_str(), i))
        .collect();
    let edges = read_edges(&mut r, obj, &here, &index, opts.p_default);
    let mut p_fail: Vec<f64> = nodes.iter().map(|n| n.p_fail).collect();
    for s in &opts.seeds {
        // A seed given as text is the JSON value it spells (`7`, `"7"`, `[0, 1]`), else the
        // string it is (`db`).
        let key = match serde_json::from_str::<Value>(s) {
            Ok(v) => v.to_string(),
            Err(_) => Value::String(s.clone()).to_string(),
        };
        match index.get(key.as_str()) {
            Some(&i) => p_fail[i] = 1.0,
            None => r.problem(&here, format!("seed `{s}` is not a node of the graph")),
        }
    }
    if !r.problems.is_empty() {
        return Err(r.into_error());
    }

    let horizon_hours = horizon.unwrap_or(DEFAULT_HORIZON_HOURS);
    let mut doc = ModelDoc {
        ensure: Some(1),
        name: Some(
            opts.name
                .clone()
                .or_else(|| graph_name.map(str::to_string))
                .unwrap_or_else(|| "dependency-graph".to_string()),
        ),
        horizon_hours: horizon,
        ..Default::default()
    };
    let layers: BTreeSet<Layer> = nodes.iter().map(|n| n.layer).collect();
    for layer in &layers {
        doc.types.push(TypeDoc {
            id: name(type_id(*layer)),
            extends: None,
            layer: Some(*layer),
            description: Some("A node of an imported dependency graph.".into()),
            steps: vec![StepTemplateDoc {
                name: name("fail"),
                description: Some("The node fails (a seed of the cascade).".into()),
                requires: Requires::Any,
                from: Vec::new(),
                ttc_hours: Some(DistDoc::Constant(0.0)),
                p_success: None,
                attack: Vec::new(),
                capec: Vec::new(),
                causes_outage: true,
                outage_hours: Some(DistDoc::Constant(horizon_hours)),
            }],
        });
    }
    for (n, &p) in nodes.iter().zip(&p_fail) {
        let mut steps = Vec::new();
        if (p > 0.0 && p < 1.0) || n.outage_hours.is_some() {
            steps.push(StepOverrideDoc {
                name: name("fail"),
                ttc_hours: None,
                p_success: (p > 0.0 && p < 1.0).then_some(p),
                disabled: false,
                also_from: Vec::new(),
                outage_hours: n.outage_hours.map(DistDoc::Constant),
            });
        }
        doc.assets.push(AssetDoc {
            id: name(n.id.clone()),
            type_: name(type_id(n.layer)),
            name: n.name.clone(),
            description: None,
            org: None,
            zone: None,
            hosted_on: None,
            stores: Vec::new(),
            trust: None,
            records: None,
            value_eur: None,
            crown_jewel: false,
            tags: Vec::new(),
            steps,
        });
    }
    let mut dep_ids = IdTable::default();
    for e in &edges {
        // An undirected edge was read once; it propagates both ways, each way with its own draw.
        let ways: &[(usize, usize)] = if directed {
            &[(e.from, e.to)]
        } else {
            &[(e.from, e.to), (e.to, e.from)]
        };
        for &(from, to) in ways {
            let (from, to) = (&nodes[from].id, &nodes[to].id);
            doc.dependencies.push(DependencyDoc {
                id: Some(name(dep_ids.fresh(&format!("{from}->{to}")))),
                service: name(to.clone()),
                requires: Requires::Any,
                on: vec![name(from.clone())],
                p_propagate: (e.p < 1.0).then_some(e.p),
                delay_hours: e.delay_hours.map(DistDoc::Constant),
                recovery_hours: None,
            });
        }
    }
    let entry: Vec<Located<String>> = nodes
        .iter()
        .zip(&p_fail)
        .filter(|(_, &p)| p > 0.0)
        .map(|(n, _)| name(format!("{}.fail", n.id)))
        .collect();
    if entry.is_empty() {
        r.note(&here, "no seed nodes: nothing fails (mark nodes with `seed: true` or `p_fail`, or name seeds)");
    } else {
        doc.actors.push(ActorDoc {
            id: name("seeds"),
            name: Some("Failures of the seed nodes at time zero".into()),
            description: None,
            entry,
            capabilities: Vec::new(),
            frequency_per_year: None,
        });
    }
    doc.description = Some(format!(
        "Imported from a node-link dependency graph: {} nodes, {} {} edges.",
        nodes.len(),
        edges.len(),
        if directed {
            "directed"
        } else {
            "undirected (each propagating both ways)"
        },
    ));
    Ok(Imported {
        doc,
        notes: r.notes,
    })
}

fn name(s: impl Into<String>) -> Located<String> {
    Located::new(s.into())
}

fn type_id(layer: Layer) -> String {
    format!("dependency-node-{}", layer.as_str())
}

fn read_nodes(r: &mut Reader, obj: &Map<String, Value>, here: &JsonPath) -> Vec<GraphNode> {
    let path = here.key("nodes");
    let Some(list) = r.required(obj, here, "nodes") else {
        return Vec::new();
    };
    let Some(list) = list.as_array() else {
        r.problem(&path, format!("expected an array, found {}", kind(list)));
        return Vec::new();
    };
    let mut ids = IdTable::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let p = path.idx(i);
        let Some(n) = r.object(v, &p) else { continue };
        let Some(id_v) = r.required(n, &p, "id") else {
            continue;
        };
        let key = id_v.to_string();
        if let Some(first) = seen.insert(key.clone(), i) {
            r.problem(&p.key("id"), format!("node {key} is already node {first}"));
            continue;
        }
        let readable = match id_v {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("-"),
            other => other.to_string(),
        };
        let id = ids.fresh(&readable);
        let name = n.get("name").and_then(Value::as_str).map(str::to_string);
        let layer = match n.get("layer") {
            None | Some(Value::Null) => Layer::Cyber,
            Some(l) => match Layer::ALL.iter().find(|x| Some(x.as_str()) == l.as_str()) {
                Some(x) => *x,
                None => {
                    r.problem(
                        &p.key("layer"),
                        "expected one of cyber, data, physical, human, organisational",
                    );
                    Layer::Cyber
                }
            },
        };
        let seed = match n.get("seed") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(Value::Bool(true)) => true,
            Some(other) => {
                r.problem(
                    &p.key("seed"),
                    format!("expected a boolean, found {}", kind(other)),
                );
                false
            }
        };
        let p_fail = match n.get("p_fail") {
            None | Some(Value::Null) => 0.0,
            Some(v) => r.probability(v, &p.key("p_fail")).unwrap_or(0.0),
        };
        let outage_hours = match n.get("outage_hours") {
            None | Some(Value::Null) => None,
            Some(v) => r.number(v, &p.key("outage_hours")).and_then(|h| {
                if h >= 0.0 {
                    Some(h)
                } else {
                    r.problem(
                        &p.key("outage_hours"),
                        format!("must not be negative, not {h}"),
                    );
                    None
                }
            }),
        };
        out.push(GraphNode {
            key,
            id,
            name,
            layer,
            p_fail: if seed { 1.0 } else { p_fail },
            outage_hours,
        });
    }
    out
}

fn read_edges(
    r: &mut Reader,
    obj: &Map<String, Value>,
    here: &JsonPath,
    index: &HashMap<&str, usize>,
    p_default: f64,
) -> Vec<Edge> {
    let (key, list) = match (obj.get("edges"), obj.get("links")) {
        (Some(e), None) => ("edges", e),
        (None, Some(l)) => ("links", l),
        (Some(_), Some(_)) => {
            r.problem(
                here,
                "both `edges` and `links` are present; networkx writes one of them",
            );
            return Vec::new();
        }
        (None, None) => {
            r.problem(
                here,
                "missing field `edges` (or `links`, its name before networkx 3.6)",
            );
            return Vec::new();
        }
    };
    let path = here.key(key);
    let Some(list) = list.as_array() else {
        r.problem(&path, format!("expected an array, found {}", kind(list)));
        return Vec::new();
    };
    let typed = list
        .iter()
        .any(|e| e.get("relation").is_some_and(|v| !v.is_null()));
    let mut out = Vec::with_capacity(list.len());
    let mut n_skipped = 0usize;
    let mut n_loops = 0usize;
    for (i, v) in list.iter().enumerate() {
        let p = path.idx(i);
        let Some(e) = r.object(v, &p) else { continue };
        let mut end = |field: &str| {
            let v = r.required(e, &p, field)?;
            let k = v.to_string();
            match index.get(k.as_str()) {
                Some(&n) => Some(n),
                None => {
                    r.problem(&p.key(field), format!("{k} is not a node of the graph"));
                    None
                }
            }
        };
        let (source, target) = (end("source"), end("target"));
        let p_edge = ["p_propagate", "p", "probability"]
            .iter()
            .find_map(|k| e.get(*k).filter(|v| !v.is_null()).map(|v| (k, v)))
            .map_or(Some(p_default), |(k, v)| r.probability(v, &p.key(k)));
        let delay_hours = match e.get("delay_hours") {
            None | Some(Value::Null) => Some(None),
            Some(v) => r.number(v, &p.key("delay_hours")).and_then(|d| {
                if d >= 0.0 {
                    Some(Some(d))
                } else {
                    r.problem(
                        &p.key("delay_hours"),
                        format!("must not be negative, not {d}"),
                    );
                    None
                }
            }),
        };
        let (Some(source), Some(target), Some(p_edge), Some(delay_hours)) =
            (source, target, p_edge, delay_hours)
        else {
            continue;
        };
        let (from, to) = if typed {
            match e.get("relation").and_then(Value::as_str) {
                // `ensure graph` points a service at what it depends on.
                Some("depends-on") => (target, source),
                _ => {
                    n_skipped += 1;
                    continue;
                }
            }
        } else {
            (source, target)
        };
        if from == to {
            n_loops += 1;
            continue;
        }
        out.push(Edge {
            from,
            to,
            p: p_edge,
            delay_hours,
        });
    }
    if n_skipped > 0 {
        r.note(
            &path,
            format!("{n_skipped} edge(s) with a `relation` other than `depends-on` do not propagate failures and were skipped"),
        );
    }
    if n_loops > 0 {
        r.note(
            &path,
            format!("{n_loops} self-loop(s) skipped: a failed node cannot fail itself again"),
        );
    }
    out
}

#[cfg(test)]
mod tests;
