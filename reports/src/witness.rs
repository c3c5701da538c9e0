//! What a verifier witness names on the asset graph: the assets it involves and the edges
//! between them (flows it crosses, derivation steps from one asset to another, outages
//! propagating along dependencies).

use std::collections::BTreeMap;

use ensure_model::{AssetId, Model, StepId};
use serde_json::Value;

use crate::inputs::{ItemDoc, WitnessDoc};
use crate::layout::Highlight;

/// Names of the model's elements as the verifier writes them, resolved to assets.
pub struct Names<'m> {
    model: &'m Model,
    steps: BTreeMap<String, AssetId>,
    flows: BTreeMap<String, (AssetId, AssetId)>,
    dependencies: BTreeMap<String, (AssetId, Vec<AssetId>)>,
}

impl<'m> Names<'m> {
    pub fn new(model: &'m Model) -> Names<'m> {
        let steps = (0..model.steps.len())
            .map(|i| {
                let s = StepId(i as u32);
                (model.step_label(s), model.step(s).asset)
            })
            .collect();
        let flows = model
            .flows
            .iter()
            .map(|f| {
                let name = f.id.clone().unwrap_or_else(|| {
                    format!("{} -> {}", model.asset(f.from).id, model.asset(f.to).id)
                });
                (name, (f.from, f.to))
            })
            .collect();
        let dependencies = model
            .dependencies
            .iter()
            .map(|d| {
                let name =
                    d.id.clone()
                        .unwrap_or_else(|| format!("dependency of {}", model.asset(d.service).id));
                (name, (d.service, d.on.clone()))
            })
            .collect();
        Names {
            model,
            steps,
            flows,
            dependencies,
        }
    }

    pub fn asset(&self, name: &str) -> Option<AssetId> {
        self.model.asset_id(name)
    }

    pub fn step_asset(&self, label: &str) -> Option<AssetId> {
        self.steps.get(label).copied()
    }

    /// Where an element of a witness sits on the graph.
    pub fn item_assets(&self, item: &ItemDoc) -> Vec<AssetId> {
        match item {
            ItemDoc::Asset(a) => self.asset(a).into_iter().collect(),
            ItemDoc::Step(s) => self.step_asset(s).into_iter().collect(),
            ItemDoc::Flow(f) => self
                .flows
                .get(f)
                .map(|(a, b)| vec![*a, *b])
                .unwrap_or_default(),
            ItemDoc::Dependency(d) => self
                .dependencies
                .get(d)
                .map(|(s, on)| std::iter::once(*s).chain(on.iter().copied()).collect())
                .unwrap_or_default(),
            ItemDoc::Control(_) | ItemDoc::Actor(_) => Vec::new(),
        }
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(xs) => xs.iter().flat_map(strings).collect(),
        Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The witness drawn on the graph.
pub fn highlight(names: &Names<'_>, w: &WitnessDoc) -> Highlight {
    let mut h = Highlight::default();
    let edge = |h: &mut Highlight, a: AssetId, b: AssetId| {
        if a != b {
            h.edges.insert((a, b));
        }
        h.assets.insert(a);
        h.assets.insert(b);
    };
    for e in &w.elements {
        let assets = names.item_assets(&e.item);
        match &e.item {
            ItemDoc::Flow(_) if assets.len() == 2 => edge(&mut h, assets[0], assets[1]),
            ItemDoc::Dependency(_) => {
                if let Some((s, on)) = assets.split_first() {
                    for o in on {
                        edge(&mut h, *o, *s);
                    }
                }
            }
            _ => h.assets.extend(assets),
        }
    }
    let d = &w.detail;
    // Derivations: each step from its parents, an edge where they sit on different assets.
    for node in d
        .get("derivation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(step) = node.get("step").and_then(Value::as_str) else {
            continue;
        };
        let Some(to) = names.step_asset(step) else {
            continue;
        };
        h.assets.insert(to);
        for from in node
            .get("from")
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| names.step_asset(p))
        {
            edge(&mut h, from, to);
        }
    }
    // Outages: each asset down because of the assets it depends on.
    for node in d
        .get("propagation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(a) = node
            .get("asset")
            .and_then(Value::as_str)
            .and_then(|a| names.asset(a))
        else {
            continue;
        };
        h.assets.insert(a);
        for b in node
            .get("because")
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|b| names.asset(b))
        {
            edge(&mut h, b, a);
        }
    }
    // Flows: a confinement's carrying chain, a boundary's offending flows.
    let flow_names: Vec<&str> = d
        .get("chain")
        .map(strings)
        .unwrap_or_default()
        .into_iter()
        .chain(
            d.get("flows")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| f.get("flow").and_then(Value::as_str)),
        )
        .collect();
    for f in flow_names {
        if let Some((a, b)) = names.flows.get(f) {
            edge(&mut h, *a, *b);
        }
    }
    // Sets of assets: failed, coalition, holder, identity, reached.
    for key in ["failed", "coalition", "holder", "identity"] {
        for a in d
            .get(key)
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| names.asset(a))
        {
            h.assets.insert(a);
        }
    }
    for r in d
        .get("reached")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(a) = r
            .get("asset")
            .and_then(Value::as_str)
            .and_then(|a| names.asset(a))
        {
            h.assets.insert(a);
        } else if let Some(a) = r.as_str().and_then(|s| names.step_asset(s)) {
            h.assets.insert(a);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::ElementDoc;

    fn model() -> Model {
        let text = r#"
name: t
assets:
  - {id: shop, type: company}
  - {id: web, type: web-application, org: shop}
  - {id: db, type: database, org: shop}
  - {id: dc, type: facility, org: shop}
flows:
  - {id: f1, from: web, to: db, authentication: password, encryption: tls12}
dependencies:
  - {id: d1, service: web, on: [dc]}
"#;
        ensure_model::check_str("t.yaml", text)
            .model
            .expect("valid")
    }

    #[test]
    fn flows_dependencies_and_derivations_become_edges() {
        let m = model();
        let names = Names::new(&m);
        let id = |s: &str| m.asset_id(s).unwrap();
        let w = WitnessDoc {
            summary: String::new(),
            configuration: None,
            notes: vec![],
            elements: vec![
                ElementDoc {
                    role: "flow".into(),
                    label: "f1".into(),
                    item: ItemDoc::Flow("f1".into()),
                    location: None,
                },
                ElementDoc {
                    role: "dep".into(),
                    label: "d1".into(),
                    item: ItemDoc::Dependency("d1".into()),
                    location: None,
                },
            ],
            detail: serde_json::json!({"derivation": [
                {"step": "db.compromise", "entry": false, "from": ["web.compromise"]}
            ]}),
        };
        let h = highlight(&names, &w);
        assert!(h.edges.contains(&(id("web"), id("db"))));
        assert!(h.edges.contains(&(id("dc"), id("web"))));
        assert_eq!(h.assets.len(), 3);
        assert!(!h.assets.contains(&id("shop")));
    }
}
