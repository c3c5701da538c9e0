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
