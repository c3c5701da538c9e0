//! `ensure simulate`, `merge`, `compare` and `sensitivity`: Monte Carlo runs of a model, their
//! shards, paired comparisons and tornado data. Parses and validates the flags, shows a
//! progress bar on a terminal, renders the results.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use ensure_simulator::{
    compare, sensitivity, Configuration, Figure, PartialDoc, Precision, Shard, SimConfig,
};

use crate::{exit, model_or_report, output};

#[derive(Clone, Copy, ValueEnum)]
pub enum ResultFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// The model file (YAML or JSON).
    model: PathBuf,
    /// Trials to run (with --precision: the most to run).
    #[arg(long, default_value_t = 10_000)]
    trials: u64,
    /// Seed of the random numbers: the same model and seed give the same results.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (0: every core). The results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Run only slice I of N (1 <= I <= N) and write its partial result as JSON, for
    /// `ensure merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Keep running until the 95 % interval of --figure is at most this wide on each side.
    #[arg(long, value_name = "E", requires = "figure")]
    precision: Option<f64>,
    /// The figure for --precision: `goal:ID` (a probability) or `mean-loss` (EUR).
    #[arg(long, value_name = "FIGURE")]
    figure: Option<String>,
    /// Switch this control on (repeatable), on top of the model's current configuration.
    #[arg(long = "enable", value_name = "CONTROL")]
    enable: Vec<String>,
    /// Switch this control off (repeatable).
    #[arg(long = "disable", value_name = "CONTROL")]
    disable: Vec<String>,
    /// Do not record attack paths (a little faster on large models).
    #[arg(long)]
    no_paths: bool,
    /// Also write the events the simulated attacks produce (JSON lines, the input of
    /// `ensure watch`): every step every campaign completes, trial after trial.
    #[arg(long, value_name = "FILE")]
    emit_events: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    format: ResultFormat,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Partial results written by `ensure simulate --shard`.
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ResultFormat::Json)]
    format: ResultFormat,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct CompareArgs {
    /// The baseline model.
    model: PathBuf,
    /// The variant model (usually a file that `extends` the baseline).
    #[arg(long)]
    variant: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    trials: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 0)]
    threads: usize,
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    format: ResultFormat,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct SensitivityArgs {
    model: PathBuf,
    /// The figure to rank parameters by: `goal:ID` or `mean-loss`.
    #[arg(long, default_value = "mean-loss")]
    figure: String,
    /// Trials per run (two runs per parameter).
    #[arg(long, default_value_t = 5_000)]
    trials: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Rows of the text table.
    #[arg(long, default_value_t = 20)]
    top: usize,
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    format: ResultFormat,
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(total: u64, what: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:40} {pos}/{len} trials, {per_sec}, eta {eta}",
        ) {
            pb.set_style(style);
        }
        pb.set_message(what.to_string());
        Progress(Some(pb))
    }

    fn tick(&self, n: u64) {
        if let Some(pb) = &self.0 {
            pb.inc(n);
        }
    }

    fn finish(self) {
        if let Some(pb) = self.0 {
            pb.finish_and_clear();
        }
    }
}

fn parse_shard(s: &str) -> Result<Shard> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("--shard takes I/N, e.g. 2/4, not `{s}`"))?;
    let (i, n): (u32, u32) = (
        i.trim()
            .parse()
            .with_context(|| format!("bad shard index `{i}`"))?,
        n.trim()
            .parse()
            .with_context(|| format!("bad shard count `{n}`"))?,
    );
    if n == 0 || i == 0 || i > n {
        bail!("--shard {s}: write I/N with 1 <= I <= N");
    }
    Ok(Shard {
        index: i - 1,
        count: n,
    })
}

fn parse_figure(s: &str) -> Result<Figure> {
    Figure::parse(s).ok_or_else(|| anyhow!("unknown figure `{s}`: write `goal:ID` or `mean-loss`"))
}

/// Pretty JSON with a final newline (a macro so that this crate need not name serde).
macro_rules! json {
    ($v:expr) => {
        serde_json::to_string_pretty($v).map(|s| s + "\n")
    };
}

pub fn simulate(a: SimulateArgs) -> Result<u8> {
    let Some(model) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let mut config = SimConfig::new(a.trials, a.seed);
    config.threads = a.threads;
    config.paths = !a.no_paths;
    config.shard = a.shard.as_deref().map(parse_shard).transpose()?;
    if let Some(e) = a.precision {
        let figure = parse_figure(a.figure.as_deref().unwrap_or_default())?;
        config.precision = Some(Precision {
            figure,
            half_width: e,
        });
    } else if a.figure.is_some() {
        bail!("--figure goes with --precision");
    }
    if !a.enable.is_empty() || !a.disable.is_empty() {
        config.configuration = Some(Configuration::current_with(&model, &a.enable, &a.disable)?);
    }
    if a.emit_events.is_some() {
        crate::rules::check_emit(&config)?;
    }
    let progress = Progress::new(a.trials, "simulating");
    let partial = ensure_simulator::run_partial(&model, &config, &|n| progress.tick(n));
    progress.finish();
    let partial = partial?;
    let text = if config.shard.is_some() {
        json!(&PartialDoc::of(&partial))?
    } else {
        let result = ensure_simulator::finalize(&partial)?;
        match a.format {
            ResultFormat::Text => ensure_simulator::render_text(&result),
            ResultFormat::Json => json!(&result)?,
        }
    };
    output::emit(a.out.as_deref(), text.as_bytes())?;
    if let Some(path) = &a.emit_events {
        crate::rules::emit_events(&model, &config, path)?;
    }
    Ok(exit::OK)
}

fn read_partial(p: &Path) -> Result<ensure_simulator::Partial> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    let doc: PartialDoc = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a partial result of `ensure simulate --shard`",
            p.display()
        )
    })?;
    doc.into_partial()
        .with_context(|| format!("{}", p.display()))
}

pub fn merge(a: MergeArgs) -> Result<u8> {
    let parts = a
        .parts
        .iter()
        .map(|p| read_partial(p))
        .collect::<Result<Vec<_>>>()?;
    let merged = ensure_simulator::merge(&parts)?;
    let result = ensure_simulator::finalize(&merged)?;
    let text = match a.format {
        ResultFormat::Text => ensure_simulator::render_text(&result),
        ResultFormat::Json => json!(&result)?,
    };
    output::emit(a.out.as_deref(), text.as_bytes())?;
    Ok(exit::OK)
}

pub fn compare(a: CompareArgs) -> Result<u8> {
    let Some(base) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(variant) = model_or_report(&a.variant) else {
        return Ok(exit::BAD_INPUT);
    };
    let progress = Progress::new(a.trials, "comparing");
    let result = compare::compare(&base, &variant, a.trials, a.seed, a.threads, &|n| {
        progress.tick(n)
    });
    progress.finish();
    let result = result?;
    let text = match a.format {
        ResultFormat::Text => compare::render_text(&result),
        ResultFormat::Json => json!(&result)?,
    };
    output::emit(a.out.as_deref(), text.as_bytes())?;
    Ok(exit::OK)
}

pub fn sensitivity(a: SensitivityArgs) -> Result<u8> {
    let Some(model) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let figure = parse_figure(&a.figure)?;
    let runs = 2 * sensitivity::n_parameters(&model) as u64 + 1;
    let progress = Progress::new(runs * a.trials, "sensitivity");
    let result = sensitivity::sensitivity(&model, &figure, a.trials, a.seed, a.threads, &|n| {
        progress.tick(n)
    });
    progress.finish();
    let result = result?;
    let text = match a.format {
        ResultFormat::Text => sensitivity::render_text(&result, a.top),
        ResultFormat::Json => json!(&result)?,
    };
    output::emit(a.out.as_deref(), text.as_bytes())?;
    Ok(exit::OK)
}
