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
