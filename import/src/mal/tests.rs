use super::*;
use serde_json::json;

/// A node of a hand-written attack graph: full name `asset:step`, type, TTC, parents.
type Spec<'a> = (&'a str, &'a str, Value, &'a [&'a str]);

/// An attack graph as mal-toolbox writes it: ids in order, children derived from parents,
/// `lang_graph_attack_step` from the asset's first letter upper-cased as its type.
fn graph(specs: &[Spec<'_>]) -> Value {
    let id_of = |full: &str| specs.iter().position(|s| s.0 == full).expect("known step") as i64;
    let mut steps = serde_json::Map::new();
    for (i, (full, ty, ttc, parents)) in specs.iter().enumerate() {
        let (asset, step) = full.split_once(':').expect("asset:step");
        let parents: serde_json::Map<String, Value> = parents
            .iter()
            .map(|p| (id_of(p).to_string(), json!(p)))
            .collect();
        let children: serde_json::Map<String, Value> = specs
            .iter()
            .filter(|s| s.3.contains(full))
            .map(|s| (id_of(s.0).to_string(), json!(s.0)))
            .collect();
        let mut ty_name = asset.trim_end_matches(char::is_numeric).to_string();
        ty_name[..1].make_ascii_uppercase();
        steps.insert(
            full.to_string(),
            json!({
                "id": i, "type": ty, "lang_graph_attack_step": format!("{ty_name}:{step}"),
                "name": step, "ttc": ttc, "children": children, "parents": parents, "asset": asset,
            }),
        );
    }
    json!({ "attack_steps": steps })
}

/// Sets a field of one step.
fn set(mut g: Value, full: &str, key: &str, v: Value) -> Value {
    g["attack_steps"][full][key] = v;
    g
}

fn f(name: &str, args: &[f64]) -> Value {
    json!({"type": "function", "name": name, "arguments": args})
}

fn opts(entry: &[&str]) -> MalOptions {
    MalOptions {
        entry: entry.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// Imports `g`, checks that `ensure check` accepts the result without a single diagnostic
/// and that it reads back equal from YAML, and renders it one line per step, control, actor,
/// goal and note.
fn check(g: Value, opts: &MalOptions) -> Vec<String> {
    let imported = import_mal(&g.to_string(), opts).unwrap_or_else(|e| panic!("{e}"));
    let yaml = ensure_model::format::to_yaml(&imported.doc).expect("serialisable");
    let checked = ensure_model::check_str("imported.yaml", &yaml);
    assert!(
        checked.diagnostics.is_empty(),
        "{:#?}\n{yaml}",
        checked.diagnostics
    );
    let loaded = ensure_model::load_str("imported.yaml", &yaml);
    assert_eq!(loaded.doc, imported.doc);
    render(&imported)
}

fn render(imported: &Imported) -> Vec<String> {
    let doc = &imported.doc;
    let dist = |d: &Option<DistDoc>| match d {
        Some(DistDoc::Constant(c)) => format!("{c}"),
        Some(DistDoc::Exponential(e)) => format!("exp(mean {})", e.mean.unwrap_or(f64::NAN)),
        other => format!("{other:?}"),
    };
    let mut out = Vec::new();
    for s in &doc.attack_steps {
        let from: Vec<&str> = s.from.iter().map(|f| f.as_str()).collect();
        out.push(format!(
            "{}.{} {}{}{} ttc {}{}",
            s.asset,
            s.name,
            if s.requires == Requires::All {
                "all"
            } else {
                "any"
            },
            if from.is_empty() { "" } else { " <- " },
            from.join(", "),
            dist(&s.ttc_hours),
            s.p_success.map(|p| format!(" p {p}")).unwrap_or_default(),
        ));
    }
    for c in &doc.controls {
        let steps: Vec<&str> = c.effects.iter().map(|e| e.step.as_str()).collect();
        out.push(format!(
            "control {} {} {}: {}",
            c.id,
            c.kind,
            if c.enabled { "on" } else { "off" },
            steps.join(", ")
        ));
    }
    for a in &doc.actors {
        let entry: Vec<&str> = a.entry.iter().map(|e| e.as_str()).collect();
        out.push(format!("actor {}: {}", a.id, entry.join(", ")));
    }
    for g in &doc.goals {
        out.push(format!("goal {}: {}", g.id, g.targets[0]));
    }
    for n in &imported.notes {
        out.push(format!("note {}: {}", n.path, n.message));
    }
    out
}

/// The problems of an import that must fail, as `path: message` lines.
fn problems(text: &str, opts: &MalOptions) -> Vec<String> {
    match import_mal(text, opts) {
        Ok(i) => panic!("imported: {:?}", render(&i)),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn steps_keep_their_logic_and_ttc_in_hours() {
    let g = graph(&[
        ("net:access", "or", Value::Null, &[]),
        (
            "h1:connect",
            "or",
            f("Exponential", &[2.0]),
            &["net:access"],
        ),
        (
            "h1:guess",
            "or",
            f("HardAndUncertain", &[]),
            &["h1:connect"],
        ),
        (
            "h1:auth",
            "and",
            f("Exponential", &[0.5]),
            &["h1:connect", "h1:guess"],
        ),
    ]);
    let opts = MalOptions {
        goals: vec!["h1:auth".into()],
        ..opts(&["net:access"])
    };
    assert_eq!(
        check(g, &opts),
        [
            "net.access any ttc 0",
            "h1.connect any <- net.access ttc exp(mean 12)",
            "h1.guess any <- h1.connect ttc exp(mean 240) p 0.5",
            "h1.auth all <- h1.connect, h1.guess ttc exp(mean 48)",
            "actor attacker: net.access",
            "goal h1:auth: h1.auth",
        ]
    );
}

#[test]
fn time_unit_is_an_option() {
    let g = graph(&[
        ("a:x", "or", Value::Null, &[]),
        ("a:y", "or", f("Exponential", &[0.5]), &["a:x"]),
    ]);
    let hours = MalOptions {
        hours_per_unit: 1.0,
        ..opts(&["a:x"])
    };
    assert_eq!(check(g, &hours)[1], "a.y any <- a.x ttc exp(mean 2)");
}

#[test]
fn defences_block_and_steps_according_to_their_status() {
    let g = graph(&[
        ("h:connect", "or", Value::Null, &[]),
        ("h:patched", "defense", f("Enabled", &[]), &[]),
        ("h:mfa", "defense", f("Bernoulli", &[0.0]), &[]),
        ("h:edr", "defense", f("Bernoulli", &[0.3]), &[]),
        ("h:exploit", "and", Value::Null, &["h:connect", "h:patched"]),
        ("h:login", "and", Value::Null, &["h:connect", "h:mfa"]),
        ("h:run", "and", Value::Null, &["h:connect", "h:edr"]),
        ("h:persist", "and", Value::Null, &["h:run", "h:edr"]),
    ]);
    assert_eq!(
        check(g, &opts(&["h:connect"])),
        [
            "h.connect any ttc 0",
            "h.exploit all <- h.connect ttc 0",
            "h.login all <- h.connect ttc 0",
            "h.run all <- h.connect, h.edr-off ttc 0",
            "h.persist all <- h.run, h.edr-off ttc 0",
            "h.edr-off any ttc 0 p 0.7",
            "control h:patched mal-defense on: h.exploit",
            "control h:mfa mal-defense off: h.login",
            "actor attacker: h.connect, h.edr-off",
        ]
    );
}

#[test]
fn existence_steps_block_when_their_condition_fails() {
    let g = graph(&[
        ("h:connect", "or", Value::Null, &[]),
        ("fw:present", "exist", Value::Null, &[]),
        ("fw:absent", "notExist", Value::Null, &[]),
        ("h:bypass", "and", Value::Null, &["h:connect", "fw:present"]),
        ("h:direct", "and", Value::Null, &["h:connect", "fw:absent"]),
    ]);
    let g = set(g, "fw:present", "existence_status", json!(true));
    let g = set(g, "fw:absent", "existence_status", json!(true));
    assert_eq!(
        check(g, &opts(&["h:connect"])),
        [
            "h.connect any ttc 0",
            "h.bypass all <- h.connect ttc 0",
            "h.direct all <- h.connect ttc 0",
            "control fw:absent mal-existence on: h.direct",
            "actor attacker: h.connect",
        ]
    );
}

#[test]
fn parents_that_a_disabled_defence_makes_unnecessary_are_not_waited_for() {
    // `free` has a disabled defence among its parents: mal-simulator counts it as done for the
    // `and` steps below it. `both` then waits for `a` only; `either` has only such parents and
    // waits for any of them.
    let g = graph(&[
        ("h:a", "or", Value::Null, &[]),
        ("h:b", "or", Value::Null, &[]),
        ("h:off", "defense", Value::Null, &[]),
        ("h:free", "or", Value::Null, &["h:b", "h:off"]),
        ("h:free2", "or", Value::Null, &["h:a", "h:off"]),
        ("h:both", "and", Value::Null, &["h:a", "h:free"]),
        ("h:either", "and", Value::Null, &["h:free", "h:free2"]),
        ("h:on", "defense", f("Enabled", &[]), &[]),
        ("h:g", "or", Value::Null, &["h:a", "h:on"]),
    ]);
    assert_eq!(
        check(g, &opts(&["h:a", "h:b"])),
        [
            "h.a any ttc 0",
            "h.b any ttc 0",
            "h.free any <- h.b ttc 0",
            "h.free2 any <- h.a ttc 0",
            "h.both all <- h.a ttc 0",
            "h.either any <- h.free, h.free2 ttc 0",
            "h.g any <- h.a ttc 0",
            "actor attacker: h.a, h.b",
            "note $: 1 `or` step(s) have a defence or existence step among their parents; like mal-simulator, the import does not let it block them",
        ]
    );
}

#[test]
fn any_of_several_parents_and_a_gate_go_through_a_helper() {
    let g = graph(&[
        ("h:a", "or", Value::Null, &[]),
        ("h:off", "defense", Value::Null, &[]),
        ("h:f1", "or", Value::Null, &["h:a", "h:off"]),
        ("h:f2", "or", Value::Null, &["h:a", "h:off"]),
        ("h:maybe", "defense", f("Bernoulli", &[0.5]), &[]),
        ("h:x", "and", Value::Null, &["h:f1", "h:f2", "h:maybe"]),
    ]);
    let lines = check(g, &opts(&["h:a"]));
    assert_eq!(
        lines[..6],
        [
            "h.a any ttc 0",
            "h.f1 any <- h.a ttc 0",
            "h.f2 any <- h.a ttc 0",
            "h.x-any any <- h.f1, h.f2 ttc 0",
            "h.x all <- h.x-any, h.maybe-off ttc 0",
            "h.maybe-off any ttc 0 p 0.5",
        ]
    );
}

#[test]
fn entry_points_are_compromised_at_the_start() {
    let g = graph(&[
        ("h:patched", "defense", f("Enabled", &[]), &[]),
        ("h:pre", "or", Value::Null, &[]),
        (
            "h:start",
            "and",
            f("HardAndUncertain", &[]),
            &["h:pre", "h:patched"],
        ),
        ("h:next", "or", f("Exponential", &[1.0]), &["h:start"]),
    ]);
    assert_eq!(
        check(g, &opts(&["h:start"])),
        [
            "h.pre any ttc 0",
            "h.start all ttc 0",
            "h.next any <- h.start ttc exp(mean 24)",
            "actor attacker: h.start",
        ]
    );
}

#[test]
fn older_mal_toolbox_files_are_read() {
    // mal-toolbox 0.x wrote statuses as strings and the attacker's entry points in the file.
    let g = graph(&[
        ("h:connect", "or", Value::Null, &[]),
        ("h:patched", "defense", Value::Null, &[]),
        ("fw:present", "exist", Value::Null, &[]),
        (
            "h:exploit",
            "and",
            Value::Null,
            &["h:connect", "h:patched", "fw:present"],
        ),
    ]);
    let g = set(g, "h:patched", "defense_status", json!("1.0"));
    let mut g = set(g, "fw:present", "existence_status", json!("False"));
    g["attackers"] = json!({"0": {"id": 0, "entry_points": [0], "reached_attack_steps": [0]}});
    assert_eq!(
        check(g, &MalOptions::default()),
        [
            "h.connect any ttc 0",
            "h.exploit all <- h.connect ttc 0",
            "control h:patched mal-defense on: h.exploit",
            "control fw:present mal-existence on: h.exploit",
            "actor attacker: h.connect",
        ]
    );
}

#[test]
fn edges_listed_in_one_direction_only_are_read_the_same() {
    let both = graph(&[
        ("a:x", "or", Value::Null, &[]),
        ("a:y", "and", Value::Null, &["a:x"]),
    ]);
    let mut parents_only = both.clone();
    parents_only["attack_steps"]["a:x"]["children"] = json!({});
    let mut children_only = both.clone();
    children_only["attack_steps"]["a:y"]["parents"] = json!([]);
    let o = opts(&["a:x"]);
    assert_eq!(check(parents_only, &o), check(both.clone(), &o));
    assert_eq!(check(children_only, &o), check(both, &o));
}

#[test]
fn names_become_valid_ids() {
    let g = json!({"attack_steps": {
        "web server:access": {"id": 0, "type": "or", "ttc": null, "children": {"1": "web server:read"}, "parents": {}, "asset": "web server", "name": "access"},
        // No `asset` or `name`: both come from the key.
        "web server:read": {"id": 1, "type": "or", "ttc": null, "children": {}, "parents": {"0": "web server:access"}},
    }});
    assert_eq!(
        check(g, &opts(&["web server:access"])),
        [
            "web_server.access any ttc 0",
            "web_server.read any <- web_server.access ttc 0",
            "actor attacker: web_server.access",
        ]
    );
}

#[test]
fn and_cycles_are_cut() {
    let g = graph(&[
        ("a:x", "or", Value::Null, &[]),
        ("a:y", "and", Value::Null, &["a:x", "a:z"]),
        ("a:z", "and", Value::Null, &["a:x", "a:y"]),
    ]);
    assert_eq!(
        check(g, &opts(&["a:x"])),
        [
            "a.x any ttc 0",
            "a.y all ttc 0",
            "a.z all ttc 0",
            "actor attacker: a.x",
            "note $: 2 `and` step(s) wait for each other in cycles and can never happen; imported without preconditions",
        ]
    );
}

#[test]
fn a_graph_without_entry_points_has_no_attacker() {
    let g = graph(&[("a:x", "or", Value::Null, &[])]);
    assert_eq!(
        check(g, &MalOptions::default()),
        [
            "a.x any ttc 0",
            "note $: no entry points: the model has no attacker (give entry points as `asset:step`)",
        ]
    );
}

#[test]
fn problems_name_their_json_path() {
    let o = MalOptions::default();
    let p = |text: &str| problems(text, &o);
    assert_eq!(
        p("[1, 2"),
        ["$: not valid JSON: EOF while parsing a list (line 1, column 5)"]
    );
    assert_eq!(p("[]"), ["$: expected an object, found an array"]);
    assert_eq!(p("{}"), ["$: missing field `attack_steps`"]);
    assert_eq!(
        p(r#"{"attack_steps": []}"#),
        ["$.attack_steps: expected an object, found an array"]
    );
    let bad = json!({"attack_steps": {
        "a:x": {"type": "or", "parents": {}, "children": {}},
        "a:y": {"id": 1, "type": "xor"},
        "a:z": {"id": "2", "type": "and"},
        "a:w": {"id": 3, "type": "or", "parents": {"9": "a:q", "one": "a:x"}, "ttc": f("Gamma", &[1.0])},
        "a:d": {"id": 4, "type": "defense", "ttc": f("Exponential", &[1.0])},
        "a:e": {"id": 5, "type": "exist"},
        "b": {"id": 6, "type": "or"},
    }});
    assert_eq!(
        p(&bad.to_string()),
        [
            r#"$.attack_steps["a:d"].ttc: a defence's status must be `Bernoulli(p)`, `Enabled` or `Disabled` (mal-simulator reads nothing else as a defence status)"#,
            r#"$.attack_steps["a:e"]: missing field `existence_status`"#,
            r#"$.attack_steps["a:w"].parents.one: `one` is not a node id (an integer)"#,
            r#"$.attack_steps["a:w"].ttc.arguments: expected 2 argument(s), found 1"#,
            r#"$.attack_steps["a:x"]: missing field `id`"#,
            r#"$.attack_steps["a:y"].type: unknown step type `xor` (expected or, and, defense, exist or notExist)"#,
            r#"$.attack_steps["a:z"].id: expected an integer id, found a string"#,
            r#"$.attack_steps.b: missing field `asset` (and the step's key is not `asset:step`)"#,
        ]
    );
    let g = graph(&[
        ("a:x", "or", Value::Null, &[]),
        ("a:y", "or", Value::Null, &["a:x"]),
    ]);
    let mut g = set(g, "a:y", "parents", json!({"7": "a:q"}));
    g["attack_steps"]["a:x"]["id"] = json!(1);
    assert_eq!(
        p(&g.to_string()),
        [
            r#"$.attack_steps["a:y"].id: id 1 is also the id of `a:x`"#,
            r#"$.attack_steps["a:y"].parents["7"]: no step has id 7"#,
        ]
    );
}

#[test]
fn options_naming_unknown_steps_are_problems() {
    let g = graph(&[
        ("a:x", "or", Value::Null, &[]),
        ("a:d", "defense", Value::Null, &[]),
    ])
    .to_string();
    let o = MalOptions {
        entry: vec!["a:nope".into(), "a:d".into()],
        goals: vec!["b:x".into()],
        ..Default::default()
    };
    assert_eq!(
        problems(&g, &o),
        [
            "$: entry point `a:nope` is not a step of this graph (write `asset:step`)",
            "$: entry point `a:d` is a defence or existence step, not an attack step",
            "$: goal `b:x` is not a step of this graph (write `asset:step`)",
        ]
    );
    let zero = MalOptions {
        hours_per_unit: 0.0,
        ..Default::default()
    };
    assert_eq!(
        problems(&g, &zero),
        ["$: hours per MAL time unit must be greater than 0, not 0"]
    );
}
