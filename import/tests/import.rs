//! The importers on files the real tools wrote, and their semantics against a reference
//! implementation of mal-simulator's rules on random graphs.

use std::collections::{BTreeMap, BTreeSet};

use ensure_import::{import_dependency_graph, import_mal, GraphOptions, MalOptions};
use ensure_model::{Model, Requires};
use proptest::prelude::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The model built from an imported document; `ensure check` must have nothing to say.
fn build(doc: &ensure_model::format::ModelDoc) -> Model {
    let yaml = ensure_model::format::to_yaml(doc).expect("serialisable");
    let checked = ensure_model::check_str("imported.yaml", &yaml);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    checked.model.expect("a model without errors")
}

/// The steps an actor reaches under the book's qualitative semantics: possible steps (some
/// chance of success, no control that is on stopping them for sure) from the entry steps, one
/// parent for `any`, every parent for `all`.
fn ensure_reach(m: &Model) -> BTreeSet<String> {
    let effects = m.step_effects();
    let possible: Vec<bool> = m
        .steps
        .iter()
        .zip(&effects)
        .map(|(s, eff)| {
            s.p_success > 0.0
                && !eff
                    .iter()
                    .any(|(c, efficacy, _)| m.controls[c.idx()].enabled && *efficacy >= 1.0)
        })
        .collect();
    let mut reached = vec![false; m.steps.len()];
    for a in &m.actors {
        for e in &a.entry {
            reached[e.idx()] = possible[e.idx()];
        }
    }
    loop {
        let mut changed = false;
        for (i, s) in m.steps.iter().enumerate() {
            if reached[i] || !possible[i] || s.parents.is_empty() {
                continue;
            }
            let now = match s.requires {
                Requires::Any => s.parents.iter().any(|p| reached[p.idx()]),
                Requires::All => s.parents.iter().all(|p| reached[p.idx()]),
            };
            if now {
                reached[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    m.steps
        .iter()
        .enumerate()
        // Gates (`DEFENCE-off`) and helpers (`STEP-any`) are the import's own steps.
        .filter(|(i, s)| reached[*i] && !s.name.contains('-'))
        .map(|(_, s)| format!("{}:{}", m.assets[s.asset.idx()].id, s.name))
        .collect()
}

/// A step of an attack graph, as mal-simulator sees it.
#[derive(Debug, Clone)]
struct MalStep {
    kind: String,
    parents: Vec<usize>,
    /// `or`/`and`: the Bernoulli draw of the episode succeeded. Defence: on. Existence: the
    /// condition fails (the step blocks).
    flag: bool,
}

/// What mal-simulator's attacker reaches when it explores until nothing is left, for one
/// outcome of the episode's draws, written from its source (`graph_utils.node_is_traversable`,
/// `graph_processing.calculate_necessity`, `attacker_step`): entry points are performed at the
/// start; a step is traversable when it is an attack step, not blocked, has a performed
/// parent, and (for `and`) every necessary parent is performed.
fn malsim_reach(steps: &[MalStep], entries: &[usize]) -> BTreeSet<usize> {
    let is_attack = |i: usize| steps[i].kind == "or" || steps[i].kind == "and";
    let blocks = |i: usize| !is_attack(i) && steps[i].flag;
    // Necessity: the greatest fixpoint, from all necessary down.
    let mut necessary: Vec<bool> = (0..steps.len())
        .map(|i| is_attack(i) || blocks(i))
        .collect();
    loop {
        let mut changed = false;
        for (i, s) in steps.iter().enumerate() {
            if !is_attack(i) || s.parents.is_empty() || !necessary[i] {
                continue;
            }
            let now = if s.kind == "or" {
                s.parents.iter().all(|&p| necessary[p])
            } else {
                s.parents.iter().any(|&p| necessary[p])
            };
            if !now {
                necessary[i] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let blocked = |i: usize| {
        let s = &steps[i];
        !s.flag
            || if s.kind == "and" {
                s.parents.iter().any(|&p| blocks(p))
            } else {
                s.parents.iter().all(|&p| blocks(p))
            }
    };
    let mut performed: BTreeSet<usize> = entries.iter().copied().collect();
    loop {
        let next = (0..steps.len()).find(|&i| {
            let s = &steps[i];
            is_attack(i)
                && !performed.contains(&i)
                && !blocked(i)
                && s.parents.iter().any(|p| performed.contains(p))
                && (s.kind == "or"
                    || s.parents
                        .iter()
                        .all(|&p| !necessary[p] || performed.contains(&p)))
        });
        match next {
            Some(i) => {
                performed.insert(i);
            }
            None => return performed,
        }
    }
}

/// Writes steps as mal-toolbox does, named `a{i % 3}:s{i}`.
fn mal_json(steps: &[MalStep]) -> Value {
    let full = |i: usize| format!("a{}:s{i}", i % 3);
    let mut out = serde_json::Map::new();
    for (i, s) in steps.iter().enumerate() {
        let parents: serde_json::Map<String, Value> = s
            .parents
            .iter()
            .map(|&p| (p.to_string(), json!(full(p))))
            .collect();
        let children: serde_json::Map<String, Value> = steps
            .iter()
            .enumerate()
            .filter(|(_, c)| c.parents.contains(&i))
            .map(|(c, _)| (c.to_string(), json!(full(c))))
            .collect();
        let mut node = json!({
            "id": i, "type": s.kind, "name": format!("s{i}"), "asset": format!("a{}", i % 3),
            "lang_graph_attack_step": format!("A:s{i}"), "children": children, "parents": parents,
            "ttc": null,
        });
        match s.kind.as_str() {
            "or" | "and" if !s.flag => {
                node["ttc"] = json!({"type": "function", "name": "Bernoulli", "arguments": [0.0]})
            }
            "defense" => {
                let on = if s.flag { 1.0 } else { 0.0 };
                node["ttc"] = json!({"type": "function", "name": "Bernoulli", "arguments": [on]})
            }
            // `flag` is "blocks": an `exist` step blocks when the thing does not exist.
            "exist" => node["existence_status"] = json!(!s.flag),
            "notExist" => node["existence_status"] = json!(s.flag),
            _ => {}
        }
        out.insert(full(i), node);
    }
    json!({ "attack_steps": out })
}

fn mal_step() -> impl Strategy<Value = (String, bool, Vec<usize>)> {
    (
        prop::sample::select(vec![
            "or", "or", "or", "and", "and", "defense", "exist", "notExist",
        ]),
        prop::bool::weighted(0.8),
        prop::collection::vec(0usize..12, 0..4),
    )
        .prop_map(|(k, f, p)| (k.to_string(), f, p))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// On random graphs (cycles, defences, existence steps, impossible steps, all outcomes
    /// fixed), the imported model reaches exactly the steps mal-simulator's attacker does.
    #[test]
    fn imported_graphs_reach_what_mal_simulator_reaches(
        raw in prop::collection::vec(mal_step(), 1..12),
        entry_picks in prop::collection::vec(0usize..12, 1..3),
    ) {
        let n = raw.len();
        let mut steps: Vec<MalStep> = raw
            .into_iter()
            .map(|(kind, flag, parents)| MalStep { kind, parents, flag })
            .collect();
        // Only attack steps have parents.
        for s in steps.iter_mut() {
            s.parents = if s.kind == "or" || s.kind == "and" {
                let mut p: Vec<usize> = s.parents.iter().map(|p| p % n).collect();
                p.sort_unstable();
                p.dedup();
                p
            } else {
                Vec::new()
            };
        }
        let attack: Vec<usize> = (0..n).filter(|&i| steps[i].kind == "or" || steps[i].kind == "and").collect();
        prop_assume!(!attack.is_empty());
        let mut entries: Vec<usize> = entry_picks.iter().map(|e| attack[e % attack.len()]).collect();
        entries.sort_unstable();
        entries.dedup();
        let expected: BTreeSet<String> = malsim_reach(&steps, &entries)
            .into_iter()
            .map(|i| format!("a{}:s{i}", i % 3))
            .collect();
        let opts = MalOptions {
            entry: entries.iter().map(|&i| format!("a{}:s{i}", i % 3)).collect(),
            ..Default::default()
        };
        let imported = import_mal(&mal_json(&steps).to_string(), &opts).expect("imports");
        let model = build(&imported.doc);
        prop_assert_eq!(ensure_reach(&model), expected);
    }

    /// Whatever bytes come in, the importers answer with a model or with problems.
    #[test]
    fn arbitrary_input_never_panics(text in ".{0,200}") {
        let _ = import_mal(&text, &MalOptions::default());
        let _ = import_dependency_graph(&text, &GraphOptions::default());
    }

    /// Mutating a real file anywhere yields a model or problems with paths, never a panic.
    #[test]
    fn mutated_real_files_never_panic(at in 0usize..80_000, byte in any::<u8>(), graph in any::<bool>()) {
        let text = if graph {
            fixture("networkx-3.6.1-dag-12-edges.json")
        } else {
            fixture("mal-toolbox-2.11.0-benchlang-40.json")
        };
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        bytes[at] = byte;
        let text = String::from_utf8_lossy(&bytes);
        let result = if graph {
            import_dependency_graph(&text, &GraphOptions::default()).map(|_| ())
        } else {
            import_mal(&text, &MalOptions { entry: vec!["net0:access".into()], ..Default::default() }).map(|_| ())
        };
        if let Err(e) = result {
            prop_assert!(!e.problems.is_empty());
            prop_assert!(e.problems.iter().all(|p| p.path.starts_with('$')));
        }
    }
}

#[test]
fn a_real_mal_toolbox_graph_imports_and_reaches_what_mal_simulator_reaches() {
    let text = fixture("mal-toolbox-2.11.0-benchlang-40.json");
    let opts = MalOptions {
        entry: vec!["net0:access".into()],
        goals: vec!["data0:read".into()],
        ..Default::default()
    };
    let imported = import_mal(&text, &opts).expect("imports");
    let model = build(&imported.doc);
    // The reference, with every uncertain step succeeding and every defence that is on with
    // some probability off: the widest episode, which the imported model's possible steps
    // (gates and Bernoulli steps with p > 0) must match.
    let v: Value = serde_json::from_str(&text).expect("json");
    let nodes = v["attack_steps"].as_object().expect("steps");
    let mut by_id: BTreeMap<i64, (&String, &Value)> = BTreeMap::new();
    for (k, n) in nodes {
        by_id.insert(n["id"].as_i64().expect("id"), (k, n));
    }
    let index: BTreeMap<i64, usize> = by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let steps: Vec<MalStep> = by_id
        .values()
        .map(|(_, n)| {
            let kind = n["type"].as_str().expect("type").to_string();
            let flag = match kind.as_str() {
                "defense" => n["ttc"]["arguments"][0].as_f64() == Some(1.0),
                _ => true,
            };
            let parents = n["parents"]
                .as_object()
                .expect("parents")
                .keys()
                .map(|k| index[&k.parse::<i64>().expect("id")])
                .collect();
            MalStep {
                kind,
                parents,
                flag,
            }
        })
        .collect();
    let names: Vec<&String> = by_id.values().map(|(k, _)| *k).collect();
    let entry = names
        .iter()
        .position(|k| *k == "net0:access")
        .expect("entry");
    let expected: BTreeSet<String> = malsim_reach(&steps, &[entry])
        .into_iter()
        .map(|i| names[i].clone())
        .collect();
    let reached = ensure_reach(&model);
    assert!(reached.len() > 20, "only {} steps reached", reached.len());
    assert_eq!(reached, expected);
    assert!(
        model.n_attack_edges() > 150,
        "{} edges",
        model.n_attack_edges()
    );
}

#[test]
fn both_networkx_spellings_import_to_the_same_cascade() {
    let edges = import_dependency_graph(
        &fixture("networkx-3.6.1-dag-12-edges.json"),
        &GraphOptions::default(),
    )
    .expect("imports");
    let links = import_dependency_graph(
        &fixture("networkx-3.6.1-dag-12-links.json"),
        &GraphOptions::default(),
    )
    .expect("imports");
    assert_eq!(edges.doc, links.doc);
    let model = build(&edges.doc);
    assert_eq!(model.assets.len(), 12);
    assert_eq!(model.dependencies.len(), 24);
    assert_eq!(model.actors.len(), 1);
    let seed = model.actors[0]
        .entry
        .iter()
        .map(|s| model.step_label(*s))
        .collect::<Vec<_>>();
    assert_eq!(seed, ["0.fail"]);
    let v: Value =
        serde_json::from_str(&fixture("networkx-3.6.1-dag-12-edges.json")).expect("json");
    for (e, d) in v["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .zip(&model.dependencies)
    {
        assert_eq!(model.assets[d.on[0].idx()].id, e["source"].to_string());
        assert_eq!(model.assets[d.service.idx()].id, e["target"].to_string());
        assert_eq!(Some(d.p_propagate), e["p_propagate"].as_f64());
    }
}
