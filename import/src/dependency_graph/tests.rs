use super::*;
use serde_json::json;

fn seeds(ids: &[&str]) -> GraphOptions {
    GraphOptions {
        seeds: ids.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// Imports `g`, checks that `ensure check` accepts the result without a single diagnostic
/// and that it reads back equal from YAML, and renders its cascade one line per element.
fn check(g: Value, opts: &GraphOptions) -> Vec<String> {
    let imported = import_dependency_graph(&g.to_string(), opts).unwrap_or_else(|e| panic!("{e}"));
    let yaml = ensure_model::format::to_yaml(&imported.doc).expect("serialisable");
    let checked = ensure_model::check_str("imported.yaml", &yaml);
    assert!(
        checked.diagnostics.is_empty(),
        "{:#?}\n{yaml}",
        checked.diagnostics
    );
    assert_eq!(
        ensure_model::load_str("imported.yaml", &yaml).doc,
        imported.doc
    );
    render(&imported)
}

fn render(imported: &Imported) -> Vec<String> {
    let doc = &imported.doc;
    let mut out = Vec::new();
    if let Some(h) = doc.horizon_hours {
        out.push(format!("horizon {h}"));
    }
    for t in &doc.types {
        let fail = &t.steps[0];
        out.push(format!("type {} outage {:?}", t.id, fail.outage_hours));
    }
    for a in &doc.assets {
        let mut line = format!("asset {} {}", a.id, a.type_);
        if let Some(n) = &a.name {
            line += &format!(" ({n})");
        }
        for s in &a.steps {
            line += &format!(" p_fail {:?} outage {:?}", s.p_success, s.outage_hours);
        }
        out.push(line);
    }
    for d in &doc.dependencies {
        out.push(format!(
            "{} = {} -> {} p {} delay {:?}",
            d.id.as_ref().map_or("", |i| i.as_str()),
            d.on[0],
            d.service,
            d.p_propagate.unwrap_or(1.0),
            d.delay_hours
        ));
    }
    for a in &doc.actors {
        let entry: Vec<&str> = a.entry.iter().map(|e| e.as_str()).collect();
        out.push(format!("actor {}: {}", a.id, entry.join(", ")));
    }
    for n in &imported.notes {
        out.push(format!("note {}: {}", n.path, n.message));
    }
    out
}

fn problems(text: &str, opts: &GraphOptions) -> Vec<String> {
    match import_dependency_graph(text, opts) {
        Ok(i) => panic!("imported: {:?}", render(&i)),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_edge_is_its_own_dependency() {
    let g = json!({
        "directed": true, "multigraph": true, "graph": {},
        "nodes": [{"id": "dc", "seed": true}, {"id": "api"}, {"id": "shop", "name": "Web shop"}],
        "edges": [
            {"source": "dc", "target": "api", "p_propagate": 0.8, "key": 0},
            {"source": "dc", "target": "api", "p": 0.5, "key": 1},
            {"source": "api", "target": "shop", "probability": 0.9, "delay_hours": 2},
        ],
    });
    assert_eq!(
        check(g, &GraphOptions::default()),
        [
            "type dependency-node-cyber outage Some(Constant(8760.0))",
            "asset dc dependency-node-cyber",
            "asset api dependency-node-cyber",
            "asset shop dependency-node-cyber (Web shop)",
            "dc->api = dc -> api p 0.8 delay None",
            "dc->api~2 = dc -> api p 0.5 delay None",
            "api->shop = api -> shop p 0.9 delay Some(Constant(2.0))",
            "actor seeds: dc.fail",
        ]
    );
}

#[test]
fn undirected_edges_propagate_both_ways() {
    // networkx before 3.6 wrote `links`; a file without `directed` is undirected.
    let g = json!({
        "nodes": [{"id": 1}, {"id": 2}],
        "links": [{"source": 1, "target": 2, "p_propagate": 0.25}],
    });
    assert_eq!(
        check(g, &seeds(&["1"])),
        [
            "type dependency-node-cyber outage Some(Constant(8760.0))",
            "asset 1 dependency-node-cyber",
            "asset 2 dependency-node-cyber",
            "1->2 = 1 -> 2 p 0.25 delay None",
            "2->1 = 2 -> 1 p 0.25 delay None",
            "actor seeds: 1.fail",
        ]
    );
}

#[test]
fn node_attributes_and_defaults() {
    let g = json!({
        "directed": true, "graph": {"name": "supply", "horizon_hours": 720},
        "nodes": [
            {"id": "a b", "p_fail": 0.1, "layer": "organisational"},
            {"id": "a_b", "outage_hours": 48},
            {"id": [0, 1], "seed": false},
        ],
        "edges": [{"source": "a b", "target": "a_b"}, {"source": "a_b", "target": [0, 1]}],
    });
    let opts = GraphOptions {
        p_default: 0.5,
        ..Default::default()
    };
    assert_eq!(
        check(g, &opts),
        [
            "horizon 720",
            "type dependency-node-cyber outage Some(Constant(720.0))",
            "type dependency-node-organisational outage Some(Constant(720.0))",
            "asset a_b dependency-node-organisational p_fail Some(0.1) outage None",
            "asset a_b~2 dependency-node-cyber p_fail None outage Some(Constant(48.0))",
            "asset 0-1 dependency-node-cyber",
            "a_b->a_b~2 = a_b -> a_b~2 p 0.5 delay None",
            "a_b~2->0-1 = a_b~2 -> 0-1 p 0.5 delay None",
            "actor seeds: a_b.fail",
        ]
    );
}

#[test]
fn ensures_own_graph_export_cascades_along_dependencies() {
    // `ensure graph --format json` draws a service's dependency from the service to what it
    // needs, next to relations that do not propagate failures.
    let g = json!({
        "directed": true, "multigraph": true, "graph": {"name": "shop"},
        "nodes": [{"id": "shop", "layer": "organisational"}, {"id": "psp"}, {"id": "db"}],
        "links": [
            {"source": "shop", "target": "psp", "relation": "depends-on", "p_propagate": 0.7},
            {"source": "shop", "target": "db", "relation": "flow"},
            {"source": "db", "target": "db", "relation": "depends-on"},
        ],
    });
    assert_eq!(
        check(g, &seeds(&["psp"])),
        [
            "type dependency-node-cyber outage Some(Constant(8760.0))",
            "type dependency-node-organisational outage Some(Constant(8760.0))",
            "asset shop dependency-node-organisational",
            "asset psp dependency-node-cyber",
            "asset db dependency-node-cyber",
            "psp->shop = psp -> shop p 0.7 delay None",
            "actor seeds: psp.fail",
            "note $.links: 1 edge(s) with a `relation` other than `depends-on` do not propagate failures and were skipped",
            "note $.links: 1 self-loop(s) skipped: a failed node cannot fail itself again",
        ]
    );
}

#[test]
fn seeds_named_as_options_match_ids_by_json_value() {
    let g =
        json!({"directed": true, "nodes": [{"id": 7}, {"id": "7"}, {"id": [1, 2]}], "edges": []});
    let lines = check(g.clone(), &seeds(&["7"]));
    assert_eq!(
        lines.last().map(String::as_str),
        Some("actor seeds: 7.fail")
    );
    let lines = check(g.clone(), &seeds(&["\"7\""]));
    assert_eq!(
        lines.last().map(String::as_str),
        Some("actor seeds: 7~2.fail")
    );
    let lines = check(g, &seeds(&["[1,2]"]));
    assert_eq!(
        lines.last().map(String::as_str),
        Some("actor seeds: 1-2.fail")
    );
}

#[test]
fn a_graph_without_seeds_has_no_actor() {
    let g = json!({"nodes": [{"id": "a"}], "edges": []});
    assert_eq!(
        check(g, &GraphOptions::default()).last().map(String::as_str),
        Some("note $: no seed nodes: nothing fails (mark nodes with `seed: true` or `p_fail`, or name seeds)")
    );
}

#[test]
fn problems_name_their_json_path() {
    let o = GraphOptions::default();
    let p = |v: Value| problems(&v.to_string(), &o);
    assert_eq!(
        problems("{\"nodes\": ", &o),
        ["$: not valid JSON: EOF while parsing a value (line 1, column 10)"]
    );
    assert_eq!(p(json!([])), ["$: expected an object, found an array"]);
    assert_eq!(
        p(json!({"directed": "yes", "edges": []})),
        [
            "$.directed: expected a boolean, found a string",
            "$: missing field `nodes`"
        ]
    );
    assert_eq!(
        p(json!({"nodes": []})),
        ["$: missing field `edges` (or `links`, its name before networkx 3.6)"]
    );
    assert_eq!(
        p(json!({"nodes": [], "edges": [], "links": []})),
        ["$: both `edges` and `links` are present; networkx writes one of them"]
    );
    assert_eq!(
        p(json!({
            "graph": {"horizon_hours": -1},
            "nodes": [{"name": "x"}, {"id": 1, "p_fail": 2}, {"id": 1}, {"id": 2, "layer": "cloud", "seed": 1}, 5],
            "edges": [
                {"source": 1},
                {"source": 1, "target": 3},
                {"source": 1, "target": 2, "p_propagate": "high", "delay_hours": -1},
            ],
        })),
        [
            "$.graph.horizon_hours: the horizon must be greater than 0, not -1",
            "$.nodes[0]: missing field `id`",
            "$.nodes[1].p_fail: a probability must be between 0 and 1, not 2",
            "$.nodes[2].id: node 1 is already node 1",
            "$.nodes[3].layer: expected one of cyber, data, physical, human, organisational",
            "$.nodes[3].seed: expected a boolean, found a number",
            "$.nodes[4]: expected an object, found a number",
            "$.edges[0]: missing field `target`",
            "$.edges[1].target: 3 is not a node of the graph",
            "$.edges[2].p_propagate: expected a number, found a string",
            "$.edges[2].delay_hours: must not be negative, not -1",
        ]
    );
    let bad_seed = GraphOptions {
        seeds: vec!["nope".into()],
        ..Default::default()
    };
    assert_eq!(
        problems(&json!({"nodes": [], "edges": []}).to_string(), &bad_seed),
        ["$: seed `nope` is not a node of the graph"]
    );
    let bad_p = GraphOptions {
        p_default: 1.5,
        ..Default::default()
    };
    assert_eq!(
        problems(&json!({"nodes": [], "edges": []}).to_string(), &bad_p),
        ["$: the default propagation probability must be between 0 and 1, not 1.5"]
    );
}
