//! End-to-end tests of the `ensure` binary. Snapshots live beside their inputs; run with
//! `ENSURE_BLESS=1` to rewrite them after an intended change, then review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ensure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ensure"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the ensure binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the snapshot at `path`, or writes it when blessing.
fn check_snapshot(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("ENSURE_BLESS").is_some() {
        std::fs::write(path, actual).expect("snapshot is writable");
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|_| {
        format!(
            "missing snapshot {} (run with ENSURE_BLESS=1)",
            path.display()
        )
    })?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs:\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}

#[test]
fn malformed_models_get_their_expected_diagnostics() {
    let dir = root().join("tests/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} malformed models", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root())
            .expect("under the repo")
            .to_str()
            .expect("utf-8 path");
        let out = ensure(&["check", rel]);
        if out.status.code() != Some(2) {
            failures.push(format!("{rel}: exit {:?}, expected 2", out.status.code()));
        }
        let stderr = String::from_utf8(out.stderr).expect("utf-8 diagnostics");
        if !stderr.starts_with("error[") {
            failures.push(format!(
                "{rel}: does not start with an error diagnostic:\n{stderr}"
            ));
        }
        if let Err(e) = check_snapshot(&file.with_extension("stderr"), &stderr) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn json_diagnostics_carry_file_line_column_and_hint() {
    let out = ensure(&[
        "check",
        "--format",
        "json",
        "tests/malformed/04-dangling-flow-target.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let d = &v[0]["diagnostics"][0];
    assert_eq!(d["code"], "E0210");
    assert_eq!(d["line"], 16);
    assert_eq!(d["column"], 9);
    assert_eq!(d["file"], "tests/malformed/04-dangling-flow-target.yaml");
    assert_eq!(d["hint"], "did you mean `payment-db`?");
}

/// The named threats of each pilot, as goal ids. A scenario that loses one fails here.
const PILOT_GOALS: &[(&str, &[&str])] = &[
    (
        "ecommerce-platform",
        &[
            "phishing-customer-data",
            "injection-customer-data",
            "third-party-card-skimming",
        ],
    ),
    (
        "bank-payments",
        &[
            "ransomware-steals-payment-data",
            "social-engineering-client",
            "social-engineering-employee",
        ],
    ),
    (
        "pharmacy-supply-chain",
        &[
            "route-leaked-by-insider",
            "tracker-stolen-by-insider",
            "cargo-theft",
        ],
    ),
];

fn scenario_files(name: &str) -> Vec<String> {
    let dir = root().join("scenarios").join(name);
    let mut files = vec![format!("scenarios/{name}/model.yaml")];
    let mut variants: Vec<String> = std::fs::read_dir(dir.join("variants"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".yaml"))
                .map(|n| format!("scenarios/{name}/variants/{n}"))
                .collect()
        })
        .unwrap_or_default();
    variants.sort();
    files.extend(variants);
    files
}

/// Each scenario's committed diagram is what `ensure graph --format dot` draws of its model
/// today (regenerate with the commands under "Reproduce" in the scenario's README).
#[test]
fn scenario_diagrams_are_current() {
    for name in [
        "bank-payments",
        "ecommerce-platform",
        "pharmacy-supply-chain",
    ] {
        let dir = root().join("scenarios").join(name);
        let out = ensure(&[
            "graph",
            &path_str(&dir.join("model.yaml")),
            "--format",
            "dot",
        ]);
        assert!(out.status.success(), "{name}: ensure graph failed");
        let committed = std::fs::read_to_string(dir.join("diagram.dot")).expect("diagram.dot");
        assert!(
            String::from_utf8_lossy(&out.stdout) == committed,
            "scenarios/{name}/diagram.dot is stale: regenerate it with `ensure graph model.yaml --format dot > diagram.dot` and `dot -Tsvg diagram.dot -o diagram.svg`"
        );
    }
}

#[test]
fn every_scenario_and_variant_checks_cleanly_and_keeps_its_threats() {
    for (name, goals) in PILOT_GOALS {
        let files = scenario_files(name);
        assert!(
            files.len() >= 4,
            "{name}: a model and at least three variants, got {files:?}"
        );
        for file in &files {
            let out = ensure(&["check", "--deny-warnings", file]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{file}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let graph = ensure(&["graph", "--format", "json", file]);
            assert!(graph.status.success());
            let g: serde_json::Value = serde_json::from_slice(&graph.stdout).expect("graph JSON");
            let n_assets = g["nodes"].as_array().map_or(0, Vec::len);
            assert!(
                n_assets >= 40,
                "{file}: {n_assets} assets, a pilot needs at least 40"
            );
            let layers: std::collections::BTreeSet<&str> = g["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["layer"].as_str())
                .collect();
            assert!(layers.len() >= 4, "{file}: layers {layers:?}");
        }
        let text = std::fs::read_to_string(root().join(format!("scenarios/{name}/model.yaml")))
            .expect("model");
        for goal in *goals {
            assert!(
                text.contains(&format!("id: {goal}")),
                "{name} lost the goal `{goal}`"
            );
        }
    }
}

#[test]
fn schema_is_generated_from_the_format_types() {
    let out = ensure(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON schema");
    let props = schema["properties"]
        .as_object()
        .expect("top-level properties");
    for section in ensure_model::format::SECTIONS {
        assert!(
            props.contains_key(*section),
            "schema lacks section `{section}`"
        );
    }
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown top-level keys must be rejected"
    );
}

#[test]
fn generated_models_check_and_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["yaml", "json"] {
        let path = dir.path().join(format!("g.{format}"));
        let out = ensure(&[
            "generate",
            "--assets",
            "300",
            "--seed",
            "9",
            "--format",
            format,
            "--out",
            path.to_str().expect("utf-8"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let check = ensure(&["check", "--deny-warnings", path.to_str().expect("utf-8")]);
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let dot = ensure(&["graph", path.to_str().expect("utf-8")]);
        let dot = String::from_utf8(dot.stdout).expect("utf-8");
        assert!(dot.starts_with("digraph") && dot.contains("->"));
    }
}

#[test]
fn a_failed_export_leaves_no_file_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_path = dir.path().join("graph.dot");
    let out = ensure(&[
        "graph",
        "tests/malformed/03-unknown-type.yaml",
        "--out",
        out_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no temporary file left either"
    );
}

#[test]
fn json_problems_are_reported_with_places_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        "{\"name\": \"x\", \"assets\": [{\"id\": \"a\", \"type\": \"hots\"}]}\n",
    )
    .expect("write");
    let out = ensure(&["check", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.contains("bad.json:1:"), "{stderr}");
    assert!(stderr.contains("did you mean `host`?"), "{stderr}");
}

/// Runs `ensure` and returns stdout, failing with stderr if it did not succeed.
fn ensure_ok(args: &[&str]) -> String {
    let out = ensure(args);
    assert!(
        out.status.success(),
        "ensure {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn imported_graphs_pass_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mal = "import/tests/fixtures/mal-toolbox-2.11.0-benchlang-40.json";
    for ext in ["yaml", "json"] {
        let out = dir.path().join(format!("mal.{ext}"));
        let out = out.to_str().expect("utf-8");
        ensure_ok(&[
            "import",
            "mal",
            mal,
            "--entry",
            "net0:access",
            "--goal",
            "data0:read",
            "--out",
            out,
        ]);
        let checked = ensure_ok(&["check", "--deny-warnings", out]);
        assert!(checked.contains("1 actors, 1 goals"), "{checked}");
    }
    let cascade = dir.path().join("cascade.yaml");
    let cascade = cascade.to_str().expect("utf-8");
    ensure_ok(&[
        "import",
        "dependency-graph",
        "import/tests/fixtures/networkx-3.6.1-dag-12-links.json",
        "--out",
        cascade,
    ]);
    let checked = ensure_ok(&["check", "--deny-warnings", cascade]);
    assert!(checked.contains("12 assets, 24 relations"), "{checked}");
}

#[test]
fn a_scenarios_graph_export_imports_back_as_its_dependencies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("graph.json");
    let graph = graph.to_str().expect("utf-8");
    let model = "scenarios/bank-payments/model.yaml";
    ensure_ok(&["graph", model, "--format", "json", "--out", graph]);
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(graph).expect("written")).expect("json");
    let n_depends = exported["links"]
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| l["relation"] == "depends-on")
        .count();
    assert!(n_depends > 0, "the scenario has dependencies");
    let seed = exported["nodes"][0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let imported = dir.path().join("cascade.json");
    let imported = imported.to_str().expect("utf-8");
    let out = ensure(&[
        "import",
        "dependency-graph",
        graph,
        "--seed",
        &seed,
        "--out",
        imported,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Flows, hosting and the like do not propagate failures: said once, on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not propagate failures"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(imported).expect("written")).expect("json");
    assert_eq!(
        doc["dependencies"].as_array().expect("dependencies").len(),
        n_depends
    );
    ensure_ok(&["check", "--deny-warnings", imported]);
}

#[test]
fn import_problems_name_the_file_and_json_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"attack_steps": {"a:x": {"id": 0, "type": "or", "ttc": {"type": "function", "name": "Pareto", "arguments": [1, 2]}}}}"#,
    )
    .expect("writable");
    let bad = bad.to_str().expect("utf-8");
    let out_path = dir.path().join("never.yaml");
    let out = ensure(&[
        "import",
        "mal",
        bad,
        "--out",
        out_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {bad}: $.attack_steps[\"a:x\"].ttc.name: the Pareto distribution has no ensure counterpart (mal-simulator does not run it either)\n")
    );
    assert!(!out_path.exists());
    let out = ensure(&["import", "dependency-graph", bad]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {bad}: $: missing field `nodes`\nerror: {bad}: $: missing field `edges` (or `links`, its name before networkx 3.6)\n")
    );
}

// ------------------------------------------------------------------ simulation

/// The exit code and stderr of a run that must fail.
fn ensure_fails(args: &[&str]) -> String {
    let out = ensure(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "ensure {} should fail with 2: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8")
}

#[test]
fn simulate_writes_json_and_shards_merge_into_the_same_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = "scenarios/bank-payments/model.yaml";
    let whole = ensure_ok(&[
        "simulate", model, "--trials", "3000", "--seed", "9", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&whole).expect("JSON results");
    assert_eq!(v["trials"], 3000);
    assert!(v["goals"].as_array().is_some_and(|g| !g.is_empty()));
    assert!(v["loss_eur"]["var99"].as_f64().is_some());
    let mut parts = Vec::new();
    for i in 1..=3 {
        let p = dir.path().join(format!("part{i}.json"));
        let p = p.to_str().expect("utf-8").to_string();
        ensure_ok(&[
            "simulate",
            model,
            "--trials",
            "3000",
            "--seed",
            "9",
            "--threads",
            "1",
            "--shard",
            &format!("{i}/3"),
            "--out",
            &p,
        ]);
        parts.push(p);
    }
    let merged_path = dir.path().join("merged.json");
    let merged_path = merged_path.to_str().expect("utf-8");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--out", merged_path]);
    ensure_ok(&args);
    let merged = std::fs::read_to_string(merged_path).expect("written");
    assert_eq!(merged, whole, "merged shards differ from one run");
    let stderr = ensure_fails(&["merge", &parts[0], &parts[2]]);
    assert!(
        stderr.contains("missing") && stderr.contains("trials"),
        "{stderr}"
    );
    let stderr = ensure_fails(&["merge", &parts[0], &parts[0], &parts[1], &parts[2]]);
    assert!(stderr.contains("more than one"), "{stderr}");
}

#[test]
fn simulate_text_summary_and_precision_runs() {
    let text = ensure_ok(&[
        "simulate",
        "scenarios/pharmacy-supply-chain/model.yaml",
        "--trials",
        "200000",
        "--precision",
        "0.02",
        "--figure",
        "mean-loss",
    ]);
    assert!(
        text.contains("Goals (probability within the horizon"),
        "{text}"
    );
    assert!(text.contains("Loss per trial"), "{text}");
    let first = text.lines().next().unwrap_or_default();
    // The precision target in EUR is tiny, so the run goes to its cap.
    assert!(first.contains("200000 trials"), "{first}");
}

#[test]
fn simulate_rejects_bad_arguments_with_exit_2() {
    let model = "scenarios/bank-payments/model.yaml";
    for (args, expect) in [
        (vec!["--shard", "3/2"], "1 <= I <= N"),
        (vec!["--shard", "two"], "I/N"),
        (
            vec!["--precision", "0.01", "--figure", "goal:nope"],
            "unknown goal `nope`",
        ),
        (
            vec!["--precision", "0", "--figure", "mean-loss"],
            "positive",
        ),
        (
            vec!["--precision", "0.1", "--figure", "median"],
            "unknown figure",
        ),
        (
            vec!["--enable", "no-such-control"],
            "unknown control `no-such-control`",
        ),
        (vec!["--trials", "0"], "at least 1"),
    ] {
        let mut all = vec!["simulate", model];
        all.extend(args.iter());
        let stderr = ensure_fails(&all);
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    let stderr = ensure_fails(&["simulate", "no/such/model.yaml"]);
    assert!(!stderr.is_empty());
    let stderr = ensure_fails(&["merge", "scenarios/bank-payments/model.yaml"]);
    assert!(stderr.contains("not a partial result"), "{stderr}");
}

#[test]
fn compare_and_sensitivity_run_on_a_pilot() {
    let text = ensure_ok(&[
        "compare",
        "scenarios/ecommerce-platform/model.yaml",
        "--variant",
        "scenarios/ecommerce-platform/variants/waf-and-segmentation.yaml",
        "--trials",
        "2048",
    ]);
    assert!(text.contains("common random numbers"), "{text}");
    assert!(text.contains("injection-customer-data"), "{text}");
    let json = ensure_ok(&[
        "sensitivity",
        "scenarios/pharmacy-supply-chain/model.yaml",
        "--trials",
        "300",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON tornado");
    let rows = v["rows"].as_array().expect("rows");
    assert!(rows.len() > 10);
    let swings: Vec<f64> = rows.iter().filter_map(|r| r["swing"].as_f64()).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "sorted by swing");
}

// ------------------------------------------------------------------------------ verify

/// Exit codes of `ensure verify`: 0 all hold, 1 some violated, 2 bad input, 3 unknown.
#[test]
fn verify_exit_codes() {
    let base = "scenarios/pharmacy-supply-chain/model.yaml";
    let out = ensure(&["verify", base]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("VIOLATED no-single-insider-route-and-tracker"),
        "{text}"
    );
    assert!(text.contains("HOLDS prescription-data-confined"), "{text}");

    let out = ensure(&[
        "verify",
        "scenarios/pharmacy-supply-chain/variants/two-person-route-release.yaml",
        "--property",
        "no-single-insider-route-and-tracker",
        "--property",
        "prescription-data-confined",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = ensure(&["verify", base, "--property", "no-such-property"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("no property `no-such-property`"),
        "{stderr}"
    );

    let out = ensure(&["verify", "tests/malformed/60-formula-syntax-error.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.contains("error[E0601]"), "{stderr}");

    // A formula whose leading variables alone have more combinations than the grounding
    // budget is unknown (a resource limit), never "holds".
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big-formula.yaml");
    let mut yaml = String::from("assets:\n");
    for i in 0..60 {
        yaml.push_str(&format!("  - {{id: a{i}, type: host}}\n"));
    }
    yaml.push_str(
        "properties:\n  - id: too-big\n    kind: custom\n    assert: \"forall a, b, c, d in assets: a != b or c != d\"\n",
    );
    std::fs::write(&path, yaml).expect("write");
    let out = ensure(&["verify", path.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("UNKNOWN too-big") && text.contains("resource limit"),
        "{text}"
    );
}

/// The JSON report places every witness element on its line of the model file.
#[test]
fn verify_json_places_witnesses_on_model_lines() {
    let file = "scenarios/pharmacy-supply-chain/model.yaml";
    let out = ensure(&["verify", file, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = std::fs::read_to_string(root().join(file)).expect("model");
    let lines: Vec<&str> = text.lines().collect();
    let props = v["models"][0]["properties"].as_array().expect("properties");
    assert_eq!(props.len(), 5);
    let mut checked = 0;
    for p in props {
        let Some(elements) = p["witness"]["elements"].as_array() else {
            continue;
        };
        for e in elements {
            let loc = &e["location"];
            assert_eq!(loc["file"], file);
            let line = loc["line"].as_u64().expect("a line") as usize;
            let label = e["label"].as_str().expect("label");
            // The element is placed in its entry: on the line of its id, or of the first
            // field of an entry whose `id` is on the line above. A step is placed at its
            // asset, or at its name when it is declared or overridden on its own.
            let (id, step) = label.split_once('.').unwrap_or((label, label));
            let entry = &lines[line.saturating_sub(2)..line];
            assert!(
                entry.iter().any(|l| l.contains(id) || l.contains(step)),
                "{label} placed on line {line}: {entry:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} elements checked");
    let boundary = props
        .iter()
        .find(|p| p["id"] == "telematics-interfaces-protected")
        .expect("boundary property");
    assert_eq!(boundary["verdict"], "violated");
    let flows: Vec<&str> = boundary["witness"]["detail"]["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter_map(|f| f["flow"].as_str())
        .collect();
    assert_eq!(
        flows,
        ["f-tracker-truck-1-uplink", "f-tracker-van-1-uplink"]
    );
}

/// `--out` writes the same report atomically; `--repair` adds the repair search.
#[test]
fn verify_out_file_and_repair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_path = dir.path().join("report.json");
    let args = [
        "verify",
        "scenarios/bank-payments/variants/defence-in-depth.yaml",
        "--format",
        "json",
        "--repair",
    ];
    let stdout = ensure(&args);
    let mut with_out = args.to_vec();
    with_out.extend(["--out", out_path.to_str().expect("utf-8")]);
    let to_file = ensure(&with_out);
    assert_eq!(stdout.status.code(), Some(1));
    assert_eq!(to_file.status.code(), Some(1));
    assert!(to_file.stdout.is_empty());
    let a: serde_json::Value = serde_json::from_slice(&stdout.stdout).expect("JSON");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).expect("written")).expect("JSON");
    // Timings differ between runs; the verdicts and the repair do not.
    let verdicts = |v: &serde_json::Value| -> Vec<String> {
        v["models"][0]["properties"]
            .as_array()
            .expect("properties")
            .iter()
            .map(|p| format!("{} {}", p["id"], p["verdict"]))
            .collect()
    };
    assert_eq!(verdicts(&a), verdicts(&b));
    let repair = &a["models"][0]["repair"];
    assert_eq!(repair["status"], "impossible", "{repair}");
    assert_eq!(
        repair["blocking"][0]["property"],
        "gateway-survives-two-failures"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

/// The SARIF output of every pilot model and variant is valid SARIF 2.1.0, as the reference
/// tooling (`@microsoft/sarif-multitool validate`, which checks the JSON schema and the
/// specification's rules) sees it. `scripts/test.sh` installs the tool and sets
/// `ENSURE_SARIF_MULTITOOL`; under CI a missing tool fails the test.
#[test]
fn verify_sarif_is_valid_sarif_2_1_0() {
    let tool = std::env::var_os("ENSURE_SARIF_MULTITOOL")
        .map(PathBuf::from)
        .filter(|p| p.exists());
    let Some(tool) = tool else {
        assert!(
            std::env::var_os("CI").is_none(),
            "ENSURE_SARIF_MULTITOOL is not set to the sarif-multitool binary (scripts/test.sh installs it)"
        );
        eprintln!(
            "skipped: ENSURE_SARIF_MULTITOOL not set (scripts/test.sh installs the validator)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, _) in PILOT_GOALS {
        files.extend(scenario_files(name));
    }
    let mut sarifs = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let sarif = dir.path().join(format!("{i}.sarif"));
        let out = ensure(&[
            "verify",
            file,
            "--format",
            "sarif",
            "--out",
            sarif.to_str().expect("utf-8"),
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{file}");
        let log: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).expect("written")).expect("JSON");
        assert_eq!(log["version"], "2.1.0");
        let results = log["runs"][0]["results"].as_array().expect("results");
        assert!(!results.is_empty(), "{file}: no results");
        for r in results {
            if r["kind"] == "fail" {
                let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("a primary location");
                assert!(
                    root().join(uri).exists(),
                    "{file}: {uri} is not a path from the repository"
                );
            }
        }
        sarifs.push(sarif);
    }
    // One run of the validator over every log (it takes seconds to start); its findings
    // come back as a SARIF log of their own.
    let findings = dir.path().join("validation.sarif");
    let run = Command::new(&tool)
        .args(["validate", "-o"])
        .arg(&findings)
        .args(&sarifs)
        .output()
        .expect("sarif-multitool runs");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&findings).unwrap_or_else(|_| {
            panic!(
                "the validator wrote no findings: {}{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            )
        }))
        .expect("findings are JSON");
    let mut failures = Vec::new();
    for f in report["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if f["level"] == "error" {
            let at = &f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            failures.push(format!("{at}: {} {}", f["ruleId"], f["message"]));
        }
    }
    // The validator saw every file ("Done. 15 files scanned.").
    let said = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        said.contains(&format!("Done. {} files scanned.", sarifs.len())),
        "{said}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------------------------ detection rules and watch

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

#[test]
fn rules_are_reproducible_and_replace_their_directory_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = "scenarios/pharmacy-supply-chain/model.yaml";
    let a = path_str(&dir.path().join("a"));
    let b = path_str(&dir.path().join("b"));
    let args = |out: &str, format: &str| {
        vec![
            "rules".to_string(),
            model.into(),
            "--trials".into(),
            "300".into(),
            "--seed".into(),
            "4".into(),
            "--format".into(),
            format.into(),
            "--out".into(),
            out.into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ensure_ok(&args)
    };
    let said = run(args(&a, "native"));
    assert!(
        said.contains("chose") && said.contains("predicted on 300 held-out trials"),
        "{said}"
    );
    run(args(&b, "native"));
    let rules_a = std::fs::read(Path::new(&a).join("rules.json")).expect("written");
    assert_eq!(
        rules_a,
        std::fs::read(Path::new(&b).join("rules.json")).expect("written")
    );
    let v: serde_json::Value = serde_json::from_slice(&rules_a).expect("JSON");
    assert_eq!(v["ensure_rules"], 1);
    assert!(!v["rules"].as_array().expect("rules").is_empty());

    // Sigma into the same directory replaces the native rules whole.
    run(args(&a, "sigma"));
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"coverage.json".to_string()), "{names:?}");
    assert!(!names.contains(&"rules.json".to_string()), "{names:?}");
    assert!(
        names.iter().filter(|n| n.ends_with(".yml")).count() >= 2,
        "{names:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ensure-rules"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A directory holding anything else is refused and left alone.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("dir");
    std::fs::write(other.join("notes.txt"), "mine").expect("write");
    let mut bad = args(&path_str(&other), "native");
    bad[0] = "rules".into();
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let stderr = ensure_fails(&bad);
    assert!(stderr.contains("holds files other than rules"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).expect("kept"),
        "mine"
    );
    let stderr = ensure_fails(&["rules", model, "--out", &b, "--target-share", "1.5"]);
    assert!(stderr.contains("--target-share"), "{stderr}");
    let stderr = ensure_fails(&["rules", model, "--out", &b, "--enable", "no-such-control"]);
    assert!(stderr.contains("no-such-control"), "{stderr}");
    let stderr = ensure_fails(&["rules", model, "--out", &b, "--date", "yesterday"]);
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
}

/// Simulate with --emit-events, derive rules, replay the events through `ensure watch`.
#[test]
fn simulated_events_replay_through_watch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = "scenarios/ecommerce-platform/model.yaml";
    let events = dir.path().join("events.jsonl");
    let rules = path_str(&dir.path().join("rules"));
    ensure_ok(&[
        "simulate",
        model,
        "--trials",
        "100",
        "--seed",
        "3",
        "--format",
        "json",
        "--out",
        &path_str(&dir.path().join("sim.json")),
        "--emit-events",
        &path_str(&events),
    ]);
    ensure_ok(&["rules", model, "--trials", "200", "--out", &rules]);
    let mut text = std::fs::read_to_string(&events).expect("events written");
    let n_events = text.lines().count();
    assert!(n_events > 1000, "{n_events} events");
    // One malformed line, which must be counted and quoted, not fatal.
    text.push_str("{\"time\": oops}\n");
    let input = dir.path().join("input.jsonl");
    std::fs::write(&input, &text).expect("write");
    let alerts = dir.path().join("alerts.jsonl");
    let summary = dir.path().join("summary.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ensure"))
        .args([
            "watch",
            "--rules",
            &rules,
            "--out",
            &path_str(&alerts),
            "--summary",
            &path_str(&summary),
        ])
        .stdin(std::fs::File::open(&input).expect("input"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("1 malformed") && stderr.contains("malformed line"),
        "{stderr}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("JSON");
    assert_eq!(s["events"], n_events);
    assert_eq!(s["malformed"], 1);
    assert_eq!(s["malformed_examples"][0]["line"], n_events + 1);
    assert_eq!(s["stopped_by"], "end-of-input");
    let alerts = std::fs::read_to_string(&alerts).expect("alerts");
    assert!(alerts.lines().count() > 10);
    assert_eq!(s["alerts"], alerts.lines().count());
    for line in alerts.lines() {
        let a: serde_json::Value = serde_json::from_str(line).expect("alert JSON");
        assert!(a["rule"].is_string() && a["event"].is_string() && a["level"].is_string());
        assert!(a["next_steps"].is_array() && a["assets_at_risk"].is_array());
    }
    let stderr = ensure_fails(&[
        "simulate",
        model,
        "--trials",
        "100",
        "--shard",
        "1/2",
        "--emit-events",
        &path_str(&events),
    ]);
    assert!(stderr.contains("--emit-events"), "{stderr}");
}

fn watch_rules(dir: &Path) -> String {
    let rules = serde_json::json!({
        "ensure_rules": 1,
        "rules": [
            {"id": "r1", "name": "inj", "title": "injection", "level": "high",
             "detection": {"kind": "single", "match": {"step": ["exploit-injection"]}}},
            {"id": "r2", "name": "seq", "title": "theft then login", "level": "critical",
             "detection": {"kind": "sequence", "first": {"step": ["credential-theft"]},
                           "then": {"step": ["authenticate"]}, "within_hours": 1.0, "by": ["asset"]}}
        ]
    });
    let path = dir.join("rules.json");
    std::fs::write(&path, rules.to_string()).expect("write");
    path_str(&path)
}

/// Polls until `cond` holds (at most 20 s): waits for a condition, not for a time.
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed().as_secs() < 20,
            "timed out waiting for {what}"
        );
        std::thread::yield_now();
    }
}

fn lines_in(p: &Path) -> usize {
    std::fs::read_to_string(p).map_or(0, |t| t.lines().count())
}

/// A child process that is killed if the test fails before it ends, so that no stray monitor
/// outlives its test.
struct Child(Option<std::process::Child>);

impl Child {
    fn spawn(cmd: &mut Command) -> Child {
        Child(Some(
            cmd.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawns"),
        ))
    }
    fn id(&self) -> String {
        self.0.as_ref().map_or(0, |c| c.id()).to_string()
    }
    fn wait(mut self) -> Output {
        self.0
            .take()
            .expect("running")
            .wait_with_output()
            .expect("exits")
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn watch_follows_a_growing_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = watch_rules(dir.path());
    let log = dir.path().join("events.log");
    let alerts = dir.path().join("alerts.jsonl");
    std::fs::write(
        &log,
        "{\"time\": 1, \"asset\": \"web\", \"step\": \"exploit-injection\", \"id\": \"a\"}\n",
    )
    .expect("write");
    let child = Child::spawn(Command::new(env!("CARGO_BIN_EXE_ensure")).args([
        "watch",
        "--rules",
        &rules,
        "--follow",
        &path_str(&log),
        "--out",
        &path_str(&alerts),
    ]));
    // The first alert is out once watch has caught up with the file; then it grows.
    wait_for("the first alert", || lines_in(&alerts) == 1);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open");
    write!(
        f,
        "{{\"time\": 2, \"asset\": \"acct\", \"step\": \"credential-theft\", \"id\": \"b\"}}\n{{\"time\": 2.5, \"asset\": \"acct\", \"step\": \"authenticate\", \"id\": \"c\"}}\n{{\"time\": 3, \"asset\": \"web\", \"step\": \"exploit-injection\", \"id\": \"d\"}}"
    )
    .expect("append");
    drop(f);
    wait_for("the sequence alert", || lines_in(&alerts) == 2);
    let pid = child.id();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = child.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("4 events") && stderr.contains("stopped: signal"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&alerts).expect("alerts");
    let events: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["event"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    // The last line had no line break: it is read when watch stops.
    assert_eq!(events, ["a", "c", "d"]);
    // With --until-idle, a file that stops growing ends the run.
    let out = Command::new(env!("CARGO_BIN_EXE_ensure"))
        .args(["watch", "--rules", &rules, "--follow", &path_str(&log)])
        .args(["--until-idle", "0.2", "--out", &path_str(&alerts)])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("stopped: idle") && stderr.contains("3 alerts"),
        "{stderr}"
    );
}

#[test]
fn watch_listens_on_a_socket_and_stops_on_a_signal() {
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = watch_rules(dir.path());
    let sock = dir.path().join("events.sock");
    let alerts = dir.path().join("alerts.jsonl");
    let child = Child::spawn(Command::new(env!("CARGO_BIN_EXE_ensure")).args([
        "watch",
        "--rules",
        &rules,
        "--socket",
        &path_str(&sock),
        "--out",
        &path_str(&alerts),
    ]));
    wait_for("the socket", || UnixStream::connect(&sock).is_ok());
    // Two writers. Lines of one connection arrive in order; the order between connections is
    // whatever the kernel and the poll loop make it, so each sequence stays on one. The
    // second writer's last line has no line break and ends with its connection.
    let mut w1 = UnixStream::connect(&sock).expect("connects");
    let mut w2 = UnixStream::connect(&sock).expect("connects");
    w1.write_all(
        b"{\"time\": 1, \"asset\": \"acct\", \"step\": \"credential-theft\", \"id\": \"t\"}\n",
    )
    .expect("writes");
    w2.write_all(b"not an event\n{\"time\": 2, \"asset\": \"web\", \"step\": \"exploit-injection\", \"id\": \"v\"}")
        .expect("writes");
    drop(w2);
    w1.write_all(
        b"{\"time\": 1.5, \"asset\": \"acct\", \"step\": \"authenticate\", \"id\": \"u\"}\n",
    )
    .expect("writes");
    drop(w1);
    wait_for("two alerts", || lines_in(&alerts) == 2);
    let pid = child.id();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = child.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped: signal"), "{stderr}");
    assert!(
        stderr.contains("1 malformed") && stderr.contains("3 connections"),
        "{stderr}"
    );
    assert!(!sock.exists(), "the socket file is removed");
    let text = std::fs::read_to_string(&alerts).expect("alerts");
    let mut names: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["name"]
                .as_str()
                .expect("name")
                .to_string()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["inj", "seq"]);
}

#[test]
fn watch_rejects_bad_rule_files_with_a_place_and_a_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"ensure_rules\": 1,\n \"rules\": [ {\"id\": 3} ]}").expect("write");
    let stderr = ensure_fails(&["watch", "--rules", &path_str(&bad)]);
    assert!(stderr.contains("line 2, column"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    std::fs::write(&bad, "{\"ensure_rules\": 9, \"rules\": []}").expect("write");
    let stderr = ensure_fails(&["watch", "--rules", &path_str(&bad)]);
    assert!(stderr.contains("format version 9"), "{stderr}");
    let stderr = ensure_fails(&[
        "watch",
        "--rules",
        &path_str(&dir.path().join("missing.json")),
    ]);
    assert!(stderr.contains("cannot read the rules"), "{stderr}");
    let stderr = ensure_fails(&[
        "watch",
        "--rules",
        &watch_rules(dir.path()),
        "--follow",
        &path_str(&dir.path().join("nope.log")),
    ]);
    assert!(stderr.contains("nope.log"), "{stderr}");
}

// ------------------------------------------------------------------ planning

/// A shop with a database behind a web front: candidates with costs, a group of two
/// options, two controls protecting the same asset, and a property only one candidate can
/// make hold.
const PLAN_MODEL: &str = r#"
name: plan-test
horizon_hours: 8760
assets:
  - {id: web, type: web-application}
  - {id: db, type: database}
flows:
  - {id: f, from: web, to: db, authentication: none, encryption: none}
controls:
  - {id: waf, kind: waf, protects: [web], cost_eur: 6000, upkeep_eur_per_year: 2000, effects: [{step: exploit-injection, efficacy: 0.6}]}
  - {id: rasp, kind: waf, protects: [web], cost_eur: 9000, effects: [{step: exploit-injection, efficacy: 0.5}]}
  - {id: dam, kind: dam, protects: [db], group: db-option, cost_eur: 5000, effects: [{step: exfiltrate, efficacy: 0.5}]}
  - {id: dlp, kind: dlp, protects: [db], group: db-option, cost_eur: 8000, effects: [{step: exfiltrate, efficacy: 0.7}]}
  - {id: segment, kind: seg, cost_eur: 40000, changes: [{remove: f}]}
actors: [{id: x, entry: [web.exploit-injection], frequency_per_year: 6}]
goals: [{id: breach, threat: t, targets: [db.exfiltrate]}]
impacts:
  - {id: loss, kind: fraud, on_step: db.exfiltrate, loss_eur: {lognormal: {median: 20000, sigma: 1}}}
properties:
  - {id: db-behind-three, kind: reachability, actor: x, targets: [db], min_controls: 3}
"#;

fn plan_model(dir: &Path) -> String {
    let p = dir.join("shop.yaml");
    std::fs::write(&p, PLAN_MODEL).expect("writable");
    path_str(&p)
}

const FAST: [&str; 6] = [
    "--trials",
    "1500",
    "--check-trials",
    "1500",
    "--polish",
    "4",
];

fn plan_args<'a>(model: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["plan", model];
    v.extend_from_slice(&FAST);
    v.extend_from_slice(more);
    v
}

#[test]
fn plan_writes_a_checked_plan_as_json_and_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = plan_model(dir.path());
    let out = path_str(&dir.path().join("plan.json"));
    ensure_ok(&plan_args(
        &model,
        &["--budget", "20k", "--format", "json", "--out", &out],
    ));
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(p["status"], "found", "{p:#}");
    assert_eq!(p["budget_basis"], "total");
    assert!(p["spent_eur"].as_f64().expect("spent") <= 20_000.0);
    let controls: Vec<&str> = p["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert!(!controls.is_empty());
    assert!(
        !(controls.contains(&"dam") && controls.contains(&"dlp")),
        "{controls:?}"
    );
    let oos = &p["plan"]["out_of_sample"];
    let (v, lo, hi) = (
        oos["value"].as_f64().expect("value"),
        oos["ci95"][0].as_f64().expect("lo"),
        oos["ci95"][1].as_f64().expect("hi"),
    );
    assert!(lo <= v && v <= hi && lo < hi, "{oos}");
    assert!(
        p["reduction"]["value"].as_f64().expect("reduction") < 0.0,
        "{p:#}"
    );

    let text = ensure_ok(&plan_args(
        &model,
        &["--budget", "20000", "--budget-basis", "capex"],
    ));
    assert!(text.contains("Buy:"), "{text}");
    assert!(text.contains("out of sample [95 % CI]"), "{text}");
    assert!(text.contains("capex: one-off cost only"), "{text}");
}

#[test]
fn plan_must_hold_properties_and_explains_conflicts_with_exit_4() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = plan_model(dir.path());
    // Only removing the flow puts three controls (none) on every path to the database.
    let text = ensure_ok(&plan_args(
        &model,
        &["--budget", "100k", "--must-hold", "db-behind-three"],
    ));
    assert!(text.contains("segment"), "{text}");
    assert!(text.contains("db-behind-three: holds"), "{text}");

    let out = ensure(&plan_args(
        &model,
        &["--budget", "30k", "--must-hold", "db-behind-three"],
    ));
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("infeasible"), "{text}");
    assert!(text.contains("over the budget of 30,000 EUR"), "{text}");

    let out = ensure(&plan_args(
        &model,
        &[
            "--budget",
            "1M",
            "--require",
            "dam",
            "--require",
            "dlp",
            "--format",
            "json",
        ],
    ));
    assert_eq!(out.status.code(), Some(4));
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let why = p["conflicts"][0]["explanation"]
        .as_str()
        .expect("explanation");
    assert!(
        why.contains("group `db-option` allows only one of dam and dlp"),
        "{why}"
    );

    let out = ensure(&plan_args(
        &model,
        &[
            "--budget",
            "1M",
            "--require",
            "waf",
            "--require",
            "rasp",
            "--at-most-one-per-asset",
        ],
    ));
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("waf and rasp are both mandatory, but asset `web`"),
        "{text}"
    );
}

#[test]
fn plan_frontier_lists_cost_against_risk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = plan_model(dir.path());
    let text = ensure_ok(&plan_args(
        &model,
        &["--frontier", "--budgets", "0,8k,20k,70k"],
    ));
    assert!(text.contains("| budget (EUR) | spent (EUR) |"), "{text}");
    assert!(text.contains("| 0 | 0 | (none) |"), "{text}");
    let json = ensure_ok(&plan_args(&model, &["--frontier", "--format", "json"]));
    let f: serde_json::Value = serde_json::from_str(&json).expect("json");
    let points = f["points"].as_array().expect("points");
    assert!(points.len() >= 2, "{f:#}");
    let spent: Vec<f64> = points
        .iter()
        .map(|p| p["spent_eur"].as_f64().expect("spent"))
        .collect();
    assert!(spent.windows(2).all(|w| w[0] < w[1]), "{spent:?}");
}

#[test]
fn plan_rejects_bad_input_with_exit_2_and_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = plan_model(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (&["--budget", "lots"], "is not an amount of euros"),
        (&["--budget=-5"], "0 or more euros"),
        (&[], "--budget is required"),
        (
            &["--budget", "1k", "--require", "nope"],
            "no control `nope`",
        ),
        (
            &["--budget", "1k", "--must-hold", "nope"],
            "no property `nope`",
        ),
        (
            &["--budget", "1k", "--objective", "cvar"],
            "unknown objective `cvar`",
        ),
        (
            &["--budget", "1k", "--objective", "goal:nope"],
            "no goal `nope`",
        ),
        (
            &["--budget", "1k", "--budget-basis", "monthly"],
            "unknown budget basis",
        ),
        (
            &["--budget", "1k", "--check-seed", "1"],
            "--check-seed must differ",
        ),
        (
            &[
                "--budget",
                "1k",
                "--objective",
                "goal:breach",
                "--with-cost",
            ],
            "--with-cost needs a money objective",
        ),
        (
            &["--budget", "1k", "--solver", "gurobi"],
            "unknown solver `gurobi`",
        ),
    ];
    for (more, expect) in cases {
        let stderr = ensure_fails(&plan_args(&model, more));
        assert!(stderr.contains(expect), "{more:?}: {stderr}");
    }
    // A model with errors is reported with its place, and no output file is written.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "assets: [{id: a, type: nosuchtype}]\n").expect("writable");
    let out = path_str(&dir.path().join("never.json"));
    let stderr = ensure_fails(&["plan", &path_str(&bad), "--budget", "1k", "--out", &out]);
    assert!(stderr.contains("bad.yaml:1:"), "{stderr}");
    assert!(!Path::new(&out).exists());
}

#[test]
fn plan_is_reproducible_on_any_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = plan_model(dir.path());
    // Everything but the timings of the search line.
    let strip = |s: String| {
        s.lines()
            .filter(|l| !l.starts_with("Search:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let one = strip(ensure_ok(&plan_args(
        &model,
        &["--budget", "15k", "--threads", "1"],
    )));
    let two = strip(ensure_ok(&plan_args(
        &model,
        &["--budget", "15k", "--threads", "2"],
    )));
    assert_eq!(one, two);
}
