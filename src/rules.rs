//! `ensure rules`: derive detection rules from simulated attacks and write them as Sigma or
//! native rules; and the event file of `ensure simulate --emit-events`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use ensure_model::Model;
use ensure_rules::{derive::DEFAULT_DATE, native::Detection, DeriveConfig, Derived};
use ensure_simulator::{Configuration, SimConfig};

use crate::{exit, model_or_report};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleFormat {
    /// Sigma rules (one `.yml` per chosen point) and `coverage.json`.
    Sigma,
    /// `rules.json`, the rule set `ensure watch` runs (single and sequence rules).
    Native,
}

#[derive(Args)]
pub struct RulesArgs {
    /// The model file (YAML or JSON).
    model: PathBuf,
    #[arg(long, value_enum, default_value_t = RuleFormat::Native)]
    format: RuleFormat,
    /// The directory to write (replaced whole, atomically; it may hold only rule files).
    #[arg(long)]
    out: PathBuf,
    /// Trials the monitoring points are chosen on.
    #[arg(long, default_value_t = 2000)]
    trials: u64,
    /// Further trials the choice is measured on (default: as many as --trials).
    #[arg(long)]
    holdout_trials: Option<u64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of simulated attacks to detect before their goal.
    #[arg(long, default_value_t = 0.8)]
    target_share: f64,
    /// Yearly monitoring budget in euros.
    #[arg(long, value_name = "EUR")]
    budget: Option<f64>,
    /// Count a detection only when it comes at least this many hours before the goal.
    #[arg(long, default_value_t = 0.0)]
    min_lead_hours: f64,
    /// The response time that detection value weighs lead times against, hours.
    #[arg(long, default_value_t = 24.0)]
    response_hours: f64,
    /// Yearly cost of a monitoring point when the model's monitors give no cost, euros.
    #[arg(long, default_value_t = 10_000.0, value_name = "EUR")]
    point_cost: f64,
    /// Watch attack steps only, not interfaces (flows).
    #[arg(long)]
    no_interfaces: bool,
    /// The rules' date, YYYY-MM-DD (default: SOURCE_DATE_EPOCH's day when set, else a fixed
    /// date, so that output is reproducible).
    #[arg(long)]
    date: Option<String>,
    /// Switch this control on (repeatable), on top of the model's current configuration.
    #[arg(long = "enable", value_name = "CONTROL")]
    enable: Vec<String>,
    /// Switch this control off (repeatable).
    #[arg(long = "disable", value_name = "CONTROL")]
    disable: Vec<String>,
    /// Worker threads (0: every core). The results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// The date of `SOURCE_DATE_EPOCH` (seconds since 1970), the reproducible-builds convention.
fn source_date() -> Option<String> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(civil_date(secs))
}

/// `YYYY-MM-DD` of a time in seconds since 1970 (H. Hinnant's civil-from-days algorithm).
fn civil_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn run(a: RulesArgs) -> Result<u8> {
    let Some(model) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let mut config = DeriveConfig::new(a.trials, a.seed);
    config.holdout_trials = a.holdout_trials.unwrap_or(a.trials);
    config.threads = a.threads;
    config.target_share = a.target_share;
    config.budget_eur = a.budget;
    config.min_lead_hours = a.min_lead_hours;
    config.response_hours = a.response_hours;
    config.default_point_cost_eur = a.point_cost;
    config.interfaces = !a.no_interfaces;
    config.date = a
        .date
        .clone()
        .or_else(source_date)
        .unwrap_or_else(|| DEFAULT_DATE.to_string());
    if !a.enable.is_empty() || !a.disable.is_empty() {
        config.configuration = Some(Configuration::current_with(&model, &a.enable, &a.disable)?);
    }
    let derived = ensure_rules::derive(&model, &config)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    match a.format {
        RuleFormat::Native => files.push(("rules.json".into(), derived.rules.to_json().into())),
        RuleFormat::Sigma => {
            for f in ensure_rules::sigma::render(&derived.rules) {
                files.push((f.file_name, f.text.into()));
            }
            let mut coverage = derived.rules.clone();
            coverage.rules.clear();
            files.push(("coverage.json".into(), coverage.to_json().into()));
        }
    }
    write_dir_atomic(&a.out, &files)?;
    for w in &derived.warnings {
        eprintln!("warning: {w}");
    }
    print!("{}", render_text(&model, &derived, a.format, &a.out));
    Ok(exit::OK)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn render_text(model: &Model, d: &Derived, format: RuleFormat, out: &Path) -> String {
    let mut s = String::new();
    let set = &d.rules;
    if let (Some(der), Some(cov)) = (&set.derivation, &set.coverage) {
        let _ = writeln!(
            s,
            "{}: {} trials (seed {}), {} simulated attacks reached a goal; target {} detected before the goal{}",
            model.name,
            der.trials,
            der.seed,
            cov.attacks,
            pct(der.target_share),
            der.budget_eur_per_year
                .map(|b| format!(", budget EUR {b:.0} per year"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            s,
            "chose {} point(s), EUR {:.0} per year ({}): they detect {} of {} training attacks ({}){}",
            cov.points.len(),
            cov.cost_eur_per_year,
            match cov.solver {
                ensure_rules::cover::CoverStatus::Optimal => "optimal",
                ensure_rules::cover::CoverStatus::TimeLimit => "best found in the time limit",
            },
            cov.detected,
            cov.attacks,
            pct(cov.detected as f64 / cov.attacks.max(1) as f64),
            if cov.target_met {
                String::new()
            } else {
                format!("; the target ({} attacks) is out of reach", cov.required)
            }
        );
        let p = &cov.predicted;
        let _ = writeln!(
            s,
            "predicted on {} held-out trials: {} [{}, {}] of {} attacks",
            der.holdout_trials,
            pct(p.share),
            pct(p.ci95[0]),
            pct(p.ci95[1]),
            p.attacks
        );
    }
    let _ = writeln!(
        s,
        "\n  {:<48} {:>8} {:>9} {:>11} {:>13} {:>11}",
        "chosen point", "seen", "on paths", "lead p50", "value EUR", "cost EUR/yr"
    );
    for r in &set.rules {
        if let (Detection::Single { .. }, Some(w)) = (&r.detection, &r.why) {
            let f = &w.figures;
            let _ = writeln!(
                s,
                "  {:<48} {:>8} {:>9} {:>9.1} h {:>13.0} {:>11.0}",
                w.point,
                pct(f.share_seen),
                pct(f.share_on_paths),
                f.lead_hours.p50,
                f.value_eur,
                f.cost_eur_per_year
            );
        }
    }
    let n_single = set
        .rules
        .iter()
        .filter(|r| matches!(r.detection, Detection::Single { .. }))
        .count();
    let n_seq = set.rules.len() - n_single;
    let _ = match format {
        RuleFormat::Native => writeln!(
            s,
            "\nwrote {n_single} single and {n_seq} sequence rule(s) to {}",
            out.join("rules.json").display()
        ),
        RuleFormat::Sigma => writeln!(
            s,
            "\nwrote {n_single} Sigma rule(s) and coverage.json to {} ({n_seq} sequence rule(s) are native only)",
            out.display()
        ),
    };
    s
}

/// Whether a directory holds only what `ensure rules` writes, so that replacing it loses
/// nothing else.
fn only_rule_files(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = entry.file_type()?.is_file()
            && (name.ends_with(".yml") || name == "rules.json" || name == "coverage.json");
        if !ours {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes `files` into a new directory beside `dir` and moves it into place: `dir` is never
/// seen half-written (an existing `dir` is swapped out, then removed).
fn write_dir_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let parent = crate::output::parent_dir(dir);
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    if dir.exists() {
        if !dir.is_dir() {
            bail!("{} exists and is not a directory", dir.display());
        }
        if !only_rule_files(dir)? {
            bail!(
                "{} holds files other than rules; give --out a new or a rules directory",
                dir.display()
            );
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix(".ensure-rules-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (name, bytes) in files {
        let path = tmp.path().join(name);
        let mut f = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    let tmp_path = tmp.keep();
    if dir.exists() {
        let old = tempfile::Builder::new()
            .prefix(".ensure-rules-old-")
            .tempdir_in(&parent)?
            .keep();
        std::fs::rename(dir, &old)
            .with_context(|| format!("cannot move {} aside", dir.display()))?;
        std::fs::rename(&tmp_path, dir)
            .with_context(|| format!("cannot write {}", dir.display()))?;
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove {}", old.display()))?;
    } else {
        std::fs::rename(&tmp_path, dir)
            .with_context(|| format!("cannot write {}", dir.display()))?;
    }
    Ok(())
}

/// Whether `--emit-events` goes with the other flags of the run.
pub fn check_emit(config: &SimConfig) -> Result<()> {
    if config.shard.is_some() || config.precision.is_some() {
        bail!("--emit-events writes the events of all --trials; it does not combine with --shard or --precision");
    }
    Ok(())
}

/// `ensure simulate --emit-events FILE`: the events of the run's trials, streamed into a
/// temporary file beside `path` and moved into place when complete.
pub fn emit_events(model: &Model, config: &SimConfig, path: &Path) -> Result<()> {
    check_emit(config)?;
    let configuration = config
        .configuration
        .clone()
        .unwrap_or_else(|| Configuration::current(model));
    let c = ensure_simulator::compile(model, &configuration)?;
    let tmp = crate::output::temp_beside(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp);
    ensure_rules::events::emit(&c, config.seed, 0..config.trials, &mut w)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(1_795_601_730), "2026-11-25");
        assert_eq!(super::civil_date(951_782_400), "2000-02-29");
        assert_eq!(super::civil_date(-1), "1969-12-31");
    }
}
