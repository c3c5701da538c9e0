//! `ensure verify`: check the properties of model files with the verifier, print the
//! verdicts as text, JSON or SARIF, optionally search the cheapest repair, and choose the
//! exit code (0 all hold, 1 some violated, 2 bad input, 3 none violated but some unknown).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use clap::{Args, ValueEnum};
use ensure_verifier::render::{self, Input};
use ensure_verifier::{Options, RepairOptions, Report};

use crate::{exit, output, render as diag};

#[derive(Args)]
pub struct VerifyArgs {
    /// Model files (YAML or JSON).
    #[arg(required = true)]
    models: Vec<PathBuf>,
    /// Check only this property (repeatable); all by default.
    #[arg(long = "property", value_name = "ID")]
    properties: Vec<String>,
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    format: VerifyFormat,
    /// Write the result here (atomically) instead of to stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Time budget of each property, in seconds; a property not decided in time is unknown.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// Also search the cheapest set of candidate controls that makes the properties hold.
    #[arg(long)]
    repair: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum VerifyFormat {
    Text,
    Json,
    Sarif,
}

struct Done {
    file: PathBuf,
    checked: ensure_model::Checked,
    report: Report,
    repair: Option<ensure_verifier::RepairReport>,
}

pub fn run(args: VerifyArgs) -> Result<u8> {
    let options = Options {
        properties: args.properties.clone(),
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
        ..Options::default()
    };
    let base = std::env::current_dir().ok();
    let mut done = Vec::new();
    for path in &args.models {
        let mut checked = ensure_model::check(path, &|p: &Path| std::fs::read_to_string(p));
        let text = diag::diagnostics(&checked.diagnostics, &checked.sources);
        if !text.is_empty() {
            eprint!("{text}");
        }
        let Some(model) = checked.model.take() else {
            eprintln!("{}: not verified: the model has errors", path.display());
            return Ok(exit::BAD_INPUT);
        };
        let report = match ensure_verifier::verify(&model, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return Ok(exit::BAD_INPUT);
            }
        };
        let repair = if args.repair {
            let r = ensure_verifier::repair(
                &model,
                &RepairOptions {
                    verify: options.clone(),
                    ..RepairOptions::default()
                },
            )?;
            Some(r)
        } else {
            None
        };
        // A JSON model read on the fast path has no places; read it again with them, so that
        // witnesses point at lines (ids are stable across the two reads).
        let checked = if report.n_violated() + report.n_unknown() > 0
            && !model.properties.iter().any(|p| p.span.is_known())
        {
            let with_spans = ensure_model::check_loaded(ensure_model::load::load_with_spans(
                path,
                &|p: &Path| std::fs::read_to_string(p),
            ));
            match with_spans.model {
                Some(m) if m.assets.len() == model.assets.len() => {
                    let report = ensure_verifier::relocate(&report, &m);
                    done.push(Done {
                        file: path.clone(),
                        checked: ensure_model::Checked {
                            model: Some(m),
                            ..with_spans
                        },
                        report,
                        repair,
                    });
                    continue;
                }
                _ => ensure_model::Checked {
                    model: Some(model),
                    ..checked
                },
            }
        } else {
            ensure_model::Checked {
                model: Some(model),
                ..checked
            }
        };
        done.push(Done {
            file: path.clone(),
            checked,
            report,
            repair,
        });
    }
    let text = match args.format {
        VerifyFormat::Text => {
            let mut s = String::new();
            for (i, d) in done.iter().enumerate() {
                if i > 0 {
                    s.push('\n');
                }
                let model = d.checked.model.as_ref().expect("verified models are kept");
                let input = Input {
                    file: &d.file,
                    report: &d.report,
                    sources: &d.checked.sources,
                };
                s.push_str(&render::text::report(&input, model, base.as_deref()));
                if let Some(r) = &d.repair {
                    s.push_str(&render::text::repair(r, model));
                }
            }
            s
        }
        VerifyFormat::Json => {
            let v: Vec<serde_json::Value> = done
                .iter()
                .map(|d| {
                    let model = d.checked.model.as_ref().expect("verified models are kept");
                    let input = Input {
                        file: &d.file,
                        report: &d.report,
                        sources: &d.checked.sources,
                    };
                    let mut v = render::json::report(&input, model, base.as_deref());
                    if let Some(r) = &d.repair {
                        v["repair"] = render::json::repair(r, model);
                    }
                    v
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({ "models": v }))? + "\n"
        }
        VerifyFormat::Sarif => {
            let inputs: Vec<(Input, &ensure_model::Model)> = done
                .iter()
                .map(|d| {
                    (
                        Input {
                            file: &d.file,
                            report: &d.report,
                            sources: &d.checked.sources,
                        },
                        d.checked.model.as_ref().expect("verified models are kept"),
                    )
                })
                .collect();
            let repairs: Vec<serde_json::Value> = done
                .iter()
                .filter_map(|d| {
                    let model = d.checked.model.as_ref()?;
                    d.repair.as_ref().map(|r| {
                        let mut v = render::json::repair(r, model);
                        v["file"] =
                            serde_json::json!(render::display_path(&d.file, base.as_deref()));
                        v
                    })
                })
                .collect();
            let repair = (!repairs.is_empty()).then(|| serde_json::json!(repairs));
            let log = render::sarif::log(&inputs, base.as_deref(), repair);
            serde_json::to_string_pretty(&log)? + "\n"
        }
    };
    output::emit(args.out.as_deref(), text.as_bytes())?;
    let violated: usize = done.iter().map(|d| d.report.n_violated()).sum();
    let unknown: usize = done.iter().map(|d| d.report.n_unknown()).sum();
    Ok(if violated > 0 {
        exit::VIOLATED
    } else if unknown > 0 {
        exit::UNKNOWN
    } else {
        exit::OK
    })
}
