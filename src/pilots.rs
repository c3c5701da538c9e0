//! `ensure pilots`: the main job. Every scenario under `scenarios/` end to end: check the
//! model and its variants, verify every property, simulate the baseline, compare each
//! variant with it, rank the parameters, plan the cost–risk frontier, derive detection
//! rules; then write each pilot's raw results, graph exports and report (HTML, Markdown,
//! JSON) under one folder, and an index page linking them.
//!
//! Each analysis is one library call on results the report then reads back from the JSON
//! it wrote, exactly as `ensure report` would. A pilot's folder is built aside and moved
//! into place whole, and the index is written last, so an interrupted run never leaves a
//! half-written pilot behind. Violated properties are findings, not failures: the exit code
//! is 2 only for bad input or an analysis that could not run.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use ensure_model::Model;
use ensure_reports::index::{self, Entry};
use ensure_reports::{Inputs, Provenance};

use crate::report::{publish, shell_quote, version};
use crate::{exit, render};

#[derive(Args)]
pub struct PilotsArgs {
    /// The folder of the scenarios: one sub-folder each, with `model.yaml` and `variants/`.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
    /// Where to write the results, one folder per pilot and `index.html`.
    #[arg(long, default_value = "out/pilots")]
    out: PathBuf,
    /// Trials of the baseline simulation; comparisons run half as many per variant,
    /// sensitivity a twenty-fifth per run, planning and rules a tenth.
    #[arg(long, default_value_t = 50_000)]
    trials: u64,
    /// Seed of every analysis.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A fast run for tests: 2,000 trials, and a 10-second budget per property.
    #[arg(long)]
    quick: bool,
    /// Only this pilot (repeatable); all by default.
    #[arg(long = "only", value_name = "NAME")]
    only: Vec<String>,
    /// Worker threads (0: every core). The results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// Trials of every analysis, from the baseline's.
#[derive(Debug, Clone, Copy)]
struct Budget {
    simulate: u64,
    compare: u64,
    sensitivity: u64,
    plan: u64,
    rules: u64,
    verify_timeout: Duration,
}

impl Budget {
    fn of(trials: u64, quick: bool) -> Budget {
        let t = if quick { trials.min(2_000) } else { trials }.max(100);
        Budget {
            simulate: t,
            compare: (t / 2).max(100),
            sensitivity: (t / 25).max(100),
            plan: (t / 10).max(200),
            rules: (t / 10).max(200),
            verify_timeout: Duration::from_secs(if quick { 10 } else { 60 }),
        }
    }
}

struct Pilot {
    name: String,
    dir: PathBuf,
    model: PathBuf,
    variants: Vec<PathBuf>,
}

fn discover(root: &Path, only: &[String]) -> Result<Vec<Pilot>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(root)
        .with_context(|| format!("cannot read the scenarios folder {}", root.display()))?;
    for e in entries {
        let dir = e?.path();
        let model = dir.join("model.yaml");
        if !model.is_file() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow!("{}: not a UTF-8 folder name", dir.display()))?
            .to_string();
        let mut variants: Vec<PathBuf> = match std::fs::read_dir(dir.join("variants")) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "json"))
                .collect(),
            Err(_) => Vec::new(),
        };
        variants.sort();
        out.push(Pilot {
            name,
            dir,
            model,
            variants,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    for o in only {
        if !out.iter().any(|p| &p.name == o) {
            bail!(
                "no pilot `{o}` under {} (pilots: {})",
                root.display(),
                out.iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if !only.is_empty() {
        out.retain(|p| only.contains(&p.name));
    }
    if out.is_empty() {
        bail!(
            "no scenario under {}: each needs a folder with model.yaml",
            root.display()
        );
    }
    Ok(out)
}

/// The overall progress bar and the bar of the running analysis, on stderr when it is a
/// terminal; nothing otherwise.
struct Progress {
    multi: Option<indicatif::MultiProgress>,
    overall: Option<indicatif::ProgressBar>,
    stage: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(n_stages: u64) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress {
                multi: None,
                overall: None,
                stage: None,
            };
        }
        let multi = indicatif::MultiProgress::new();
        let overall = multi.add(indicatif::ProgressBar::new(n_stages));
        if let Ok(s) =
            indicatif::ProgressStyle::with_template("pilots {bar:30} {pos}/{len} {msg} [{elapsed}]")
        {
            overall.set_style(s);
        }
        let stage = multi.add(indicatif::ProgressBar::new(0));
        Progress {
            multi: Some(multi),
            overall: Some(overall),
            stage: Some(stage),
        }
    }

    /// Starts a stage of `trials` trials (0: a spinner).
    fn stage(&self, what: &str, trials: u64) {
        if let Some(o) = &self.overall {
            o.set_message(what.to_string());
        }
        if let Some(s) = &self.stage {
            s.reset();
            s.set_length(trials);
            let template = if trials > 0 {
                "  {spinner} {bar:30} {pos}/{len} trials, {per_sec}, eta {eta}"
            } else {
                "  {spinner} working [{elapsed}]"
            };
            if let Ok(st) = indicatif::ProgressStyle::with_template(template) {
                s.set_style(st);
            }
            s.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn tick(&self, n: u64) {
        if let Some(s) = &self.stage {
            s.inc(n);
        }
    }

    fn done(&self) {
        if let Some(o) = &self.overall {
            o.inc(1);
        }
    }

    fn println(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(s) = &self.stage {
            s.finish_and_clear();
        }
        if let Some(o) = &self.overall {
            o.finish_and_clear();
        }
    }
}

/// A path as written into commands: relative, with forward slashes.
fn shown(p: &Path) -> String {
    p.display().to_string()
}

fn command(args: &[&str]) -> String {
    std::iter::once("ensure")
        .chain(args.iter().copied())
        .map(shell_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What one pilot produced: files (relative to its folder), the report's inputs, and the
/// commands that remake them.
struct Outcome {
    files: Vec<(String, Vec<u8>)>,
    inputs: Inputs,
    commands: Vec<String>,
    notes: Vec<String>,
}

/// Pretty JSON with a final newline (a macro so that this crate need not name serde).
macro_rules! pretty {
    ($v:expr) => {
        serde_json::to_string_pretty($v).map(|s| s + "\n")
    };
}

/// Adds a JSON result: kept as a file, and read back as the report will read it.
fn keep(o: &mut Outcome, file: &str, json: String) -> Result<()> {
    let doc = ensure_reports::parse_result(&json)
        .map_err(|e| anyhow!("{file}: the result does not read back: {e}"))?;
    o.inputs.add(doc);
    o.files.push((file.to_string(), json.into_bytes()));
    Ok(())
}

fn load(path: &Path) -> Result<(ensure_model::Checked, String)> {
    let checked = ensure_model::check(path, &|p: &Path| std::fs::read_to_string(p));
    let text = render::diagnostics(&checked.diagnostics, &checked.sources);
    Ok((checked, text))
}

fn run_pilot(
    p: &Pilot,
    out_dir: &Path,
    b: Budget,
    seed: u64,
    threads: usize,
    progress: &Progress,
) -> Result<(Outcome, Model)> {
    let mut o = Outcome {
        files: Vec::new(),
        inputs: Inputs::default(),
        commands: Vec::new(),
        notes: Vec::new(),
    };
    let model_s = shown(&p.model);
    let dir_s = shown(&out_dir.join(&p.name));
    let at = |f: &str| format!("{dir_s}/{f}");
    let seed_s = seed.to_string();

    // Check the model and every variant.
    progress.stage(&format!("{}: check", p.name), 0);
    let mut check_txt = String::new();
    let mut problems = Vec::new();
    let mut summarise = |path: &Path, model: Option<&Model>, diags: &str| {
        if !diags.is_empty() {
            progress.println(diags.trim_end());
        }
        match model {
            Some(m) => check_txt.push_str(&format!(
                "{}: ok: `{}`: {} assets, {} relations, {} attack steps, {} goals, {} properties\n",
                shown(path),
                m.name,
                m.assets.len(),
                m.graph.edge_count(),
                m.steps.len(),
                m.goals.len(),
                m.properties.len()
            )),
            None => problems.push(format!("{}: the model has errors", shown(path))),
        }
    };
    let (mut checked, diags) = load(&p.model)?;
    summarise(&p.model, checked.model.as_ref(), &diags);
    let mut variant_models = Vec::new();
    for v in &p.variants {
        let (c, diags) = load(v)?;
        summarise(v, c.model.as_ref(), &diags);
        if let Some(m) = c.model {
            variant_models.push((v.clone(), m));
        }
    }
    o.files.push(("check.txt".into(), check_txt.into_bytes()));
    let mut check_args = vec!["check", model_s.as_str()];
    let variant_s: Vec<String> = p.variants.iter().map(|v| shown(v)).collect();
    check_args.extend(variant_s.iter().map(String::as_str));
    o.commands.push(command(&check_args));
    progress.done();
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    let model = checked
        .model
        .take()
        .ok_or_else(|| anyhow!("{model_s}: the model has errors"))?;

    // Graph exports.
    o.files.push((
        "graph.dot".into(),
        ensure_reports::graph::to_dot(&model).into_bytes(),
    ));
    o.files.push((
        "graph.json".into(),
        pretty!(&ensure_reports::graph::to_json(&model))?.into_bytes(),
    ));
    o.files.push((
        "graph.svg".into(),
        ensure_reports::layout::asset_graph_svg(&model, &Default::default()).into_bytes(),
    ));

    // Verify every property.
    progress.stage(&format!("{}: verify", p.name), 0);
    let options = ensure_verifier::Options {
        timeout: b.verify_timeout,
        ..Default::default()
    };
    let report = ensure_verifier::verify(&model, &options)
        .map_err(|e| anyhow!("{model_s}: cannot verify: {e}"))?;
    let input = ensure_verifier::render::Input {
        file: &p.model,
        report: &report,
        sources: &checked.sources,
    };
    let base = std::env::current_dir().ok();
    let v = ensure_verifier::render::json::report(&input, &model, base.as_deref());
    keep(
        &mut o,
        "verify.json",
        pretty!(&serde_json::json!({ "models": [v] }))?,
    )?;
    let timeout_s = b.verify_timeout.as_secs().to_string();
    o.commands.push(command(&[
        "verify",
        &model_s,
        "--timeout-secs",
        &timeout_s,
        "--format",
        "json",
        "--out",
        &at("verify.json"),
    ]));
    progress.done();

    // Simulate the baseline.
    progress.stage(&format!("{}: simulate", p.name), b.simulate);
    let mut config = ensure_simulator::SimConfig::new(b.simulate, seed);
    config.threads = threads;
    let part = ensure_simulator::run_partial(&model, &config, &|n| progress.tick(n))
        .map_err(|e| anyhow!("{model_s}: cannot simulate: {e}"))?;
    let sim = ensure_simulator::finalize(&part)
        .map_err(|e| anyhow!("{model_s}: cannot simulate: {e}"))?;
    keep(&mut o, "simulation.json", pretty!(&sim)?)?;
    let trials_s = b.simulate.to_string();
    o.commands.push(command(&[
        "simulate",
        &model_s,
        "--trials",
        &trials_s,
        "--seed",
        &seed_s,
        "--format",
        "json",
        "--out",
        &at("simulation.json"),
    ]));
    progress.done();

    // Compare every variant with the baseline.
    let compare_s = b.compare.to_string();
    for (path, variant) in &variant_models {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("variant")
            .to_string();
        progress.stage(&format!("{}: compare {stem}", p.name), b.compare);
        let c =
            ensure_simulator::compare::compare(&model, variant, b.compare, seed, threads, &|n| {
                progress.tick(n)
            })
            .map_err(|e| anyhow!("{}: cannot compare: {e}", shown(path)))?;
        let file = format!("compare-{stem}.json");
        keep(&mut o, &file, pretty!(&c)?)?;
        o.commands.push(command(&[
            "compare",
            &model_s,
            "--variant",
            &shown(path),
            "--trials",
            &compare_s,
            "--seed",
            &seed_s,
            "--format",
            "json",
            "--out",
            &at(&file),
        ]));
        progress.done();
    }

    // Which parameters move the mean loss.
    let figure = ensure_simulator::Figure::parse("mean-loss")
        .ok_or_else(|| anyhow!("the simulator does not know the figure mean-loss"))?;
    let runs = 2 * ensure_simulator::sensitivity::n_parameters(&model) as u64 + 1;
    progress.stage(&format!("{}: sensitivity", p.name), runs * b.sensitivity);
    let s = ensure_simulator::sensitivity::sensitivity(
        &model,
        &figure,
        b.sensitivity,
        seed,
        threads,
        &|n| progress.tick(n),
    )
    .map_err(|e| anyhow!("{model_s}: cannot run the sensitivity analysis: {e}"))?;
    keep(&mut o, "sensitivity.json", pretty!(&s)?)?;
    let sens_s = b.sensitivity.to_string();
    o.commands.push(command(&[
        "sensitivity",
        &model_s,
        "--figure",
        "mean-loss",
        "--trials",
        &sens_s,
        "--seed",
        &seed_s,
        "--format",
        "json",
        "--out",
        &at("sensitivity.json"),
    ]));
    progress.done();

    // The cost–risk frontier over the candidate controls.
    progress.stage(&format!("{}: plan", p.name), 0);
    let mut cfg = ensure_planner::PlanConfig::new(f64::INFINITY);
    cfg.trials = b.plan;
    cfg.check_trials = b.plan;
    cfg.seed = seed;
    cfg.check_seed = seed.wrapping_add(1);
    cfg.threads = threads;
    cfg.verify_timeout = b.verify_timeout;
    let budgets = ensure_planner::auto_budgets(&model, cfg.basis, &[], f64::INFINITY);
    if budgets.is_empty() {
        o.notes.push("no candidate controls: no plan".into());
    } else {
        let f = ensure_planner::frontier(&model, &cfg, &budgets)
            .map_err(|e| anyhow!("{model_s}: cannot plan: {e}"))?;
        keep(&mut o, "plan.json", pretty!(&f)?)?;
        let plan_s = b.plan.to_string();
        o.commands.push(command(&[
            "plan",
            &model_s,
            "--frontier",
            "--trials",
            &plan_s,
            "--check-trials",
            &plan_s,
            "--seed",
            &seed_s,
            "--verify-timeout-secs",
            &timeout_s,
            "--format",
            "json",
            "--out",
            &at("plan.json"),
        ]));
    }
    progress.done();

    // Where to watch, and the rules that watch it.
    progress.stage(&format!("{}: rules", p.name), 0);
    let mut rc = ensure_rules::DeriveConfig::new(b.rules, seed);
    rc.holdout_trials = b.rules;
    rc.threads = threads;
    let derived = ensure_rules::derive(&model, &rc)
        .map_err(|e| anyhow!("{model_s}: cannot derive rules: {e}"))?;
    keep(&mut o, "rules/rules.json", derived.rules.to_json())?;
    for w in &derived.warnings {
        o.notes.push(format!("rules: {w}"));
    }
    let rules_s = b.rules.to_string();
    o.commands.push(command(&[
        "rules",
        &model_s,
        "--trials",
        &rules_s,
        "--seed",
        &seed_s,
        "--date",
        &rc.date,
        "--out",
        &at("rules"),
    ]));
    progress.done();
    Ok((o, model))
}

/// Writes a pilot's folder aside, then moves it into place whole.
fn install(out: &Path, name: &str, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(out)
        .with_context(|| format!("cannot write in {}", out.display()))?;
    for (rel, bytes) in files {
        let path = tmp.path().join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let dest = out.join(name);
    let old = out.join(format!(".{name}.old"));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if dest.exists() {
        std::fs::rename(&dest, &old)
            .with_context(|| format!("cannot move {} aside", dest.display()))?;
    }
    let tmp = tmp.keep();
    #[cfg(unix)]
    {
        // A temporary folder is private to its owner; a pilot's results are for everyone.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot write {}", dest.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// The first paragraph of a scenario's README, for the index.
fn story(dir: &Path, model: &Model) -> String {
    let text = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let para: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#'))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    if para.is_empty() {
        model.description.trim().to_string()
    } else {
        // Plain text: the index writes it as text, not Markdown.
        para.join(" ").replace(['*', '`'], "")
    }
}

pub fn run(a: PilotsArgs) -> Result<u8> {
    let started = Instant::now();
    let pilots = discover(&a.scenarios, &a.only)?;
    let b = Budget::of(a.trials, a.quick);
    let n_stages: u64 = pilots.iter().map(|p| 6 + p.variants.len() as u64).sum();
    let progress = Progress::new(n_stages);
    let mut entries = Vec::new();
    let mut failed = Vec::new();
    for p in &pilots {
        let t0 = Instant::now();
        match run_pilot(p, &a.out, b, a.seed, a.threads, &progress) {
            Ok((mut o, model)) => {
                let dir_s = shown(&a.out.join(&p.name));
                let mut report_cmd = vec!["report".to_string(), shown(&p.model)];
                report_cmd.extend(
                    o.files
                        .iter()
                        .filter(|(f, _)| f.ends_with(".json") && !f.starts_with("graph"))
                        .map(|(f, _)| format!("{dir_s}/{f}")),
                );
                report_cmd.extend([
                    "--html".into(),
                    format!("{dir_s}/report.html"),
                    "--markdown".into(),
                    dir_s.clone(),
                    "--json".into(),
                    format!("{dir_s}/report.json"),
                ]);
                o.commands.push(command(
                    &report_cmd.iter().map(String::as_str).collect::<Vec<_>>(),
                ));
                let prov = Provenance {
                    version: version(),
                    commands: std::mem::take(&mut o.commands),
                };
                let doc = ensure_reports::build(&model, &o.inputs, &prov);
                let md = ensure_reports::markdown::render(&doc);
                o.files.push((
                    "report.html".into(),
                    ensure_reports::html::render(&doc).into_bytes(),
                ));
                for (rel, svg) in md.images {
                    o.files.push((rel, svg.into_bytes()));
                }
                o.files.push(("report.md".into(), md.text.into_bytes()));
                o.files
                    .push(("report.json".into(), doc.to_json().into_bytes()));
                install(&a.out, &p.name, &o.files)?;
                for n in &o.notes {
                    progress.println(&format!("pilots: {}: {n}", p.name));
                }
                progress.println(&format!(
                    "pilots: {}: done in {:.0} s, report {dir_s}/report.html",
                    p.name,
                    t0.elapsed().as_secs_f64()
                ));
                entries.push(Entry {
                    name: p.name.clone(),
                    description: story(&p.dir, &model),
                    links: vec![
                        ("HTML".into(), format!("{}/report.html", p.name)),
                        ("Markdown".into(), format!("{}/report.md", p.name)),
                        ("raw results".into(), format!("{}/", p.name)),
                    ],
                    headlines: index::headlines_of(&doc),
                });
            }
            Err(e) => {
                progress.println(&format!("pilots: {}: failed: {e:#}", p.name));
                failed.push(p.name.clone());
            }
        }
    }
    progress.finish();
    if !entries.is_empty() {
        let mut cmd = vec!["pilots".to_string()];
        let defaults = PilotsDefaults::get();
        if a.scenarios != defaults.scenarios {
            cmd.extend(["--scenarios".into(), shown(&a.scenarios)]);
        }
        if a.out != defaults.out {
            cmd.extend(["--out".into(), shown(&a.out)]);
        }
        cmd.extend(["--trials".into(), a.trials.to_string()]);
        cmd.extend(["--seed".into(), a.seed.to_string()]);
        if a.quick {
            cmd.push("--quick".into());
        }
        for o in &a.only {
            cmd.extend(["--only".into(), o.clone()]);
        }
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let doc = index::build(
            "The ENSURESEC pilots",
            &format!(
                "{} pilot(s) end to end: verification, simulation, variants, sensitivity, planning and detection rules · {}",
                entries.len(),
                version()
            ),
            &entries,
            &Provenance {
                version: version(),
                commands: vec![command(&cmd)],
            },
        );
        publish(
            &a.out.join("index.html"),
            ensure_reports::html::render(&doc).as_bytes(),
        )?;
        let md = ensure_reports::markdown::render(&doc);
        publish(&a.out.join("index.md"), md.text.as_bytes())?;
    }
    eprintln!(
        "pilots: {} of {} done in {:.0} s; index {}",
        entries.len(),
        pilots.len(),
        started.elapsed().as_secs_f64(),
        shown(&a.out.join("index.html"))
    );
    if failed.is_empty() {
        Ok(exit::OK)
    } else {
        eprintln!("pilots: failed: {}", failed.join(", "));
        Ok(exit::BAD_INPUT)
    }
}

/// The defaults of the flags, to leave them out of the recorded command.
struct PilotsDefaults {
    scenarios: PathBuf,
    out: PathBuf,
}

impl PilotsDefaults {
    fn get() -> PilotsDefaults {
        PilotsDefaults {
            scenarios: PathBuf::from("scenarios"),
            out: PathBuf::from("out/pilots"),
        }
    }
}
