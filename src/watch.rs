//! `ensure watch`: the live monitor. Reads events (standard input, a followed file or a Unix
//! socket), writes alerts as JSON lines, and closes with a summary on standard error.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use ensure_rules::RuleSet;
use ensure_watch::{Engine, EngineConfig, Input, SourceConfig, Summary};

use crate::{exit, output};

#[derive(Args)]
pub struct WatchArgs {
    /// The rule set: `rules.json` from `ensure rules --format native`, or its directory.
    #[arg(long)]
    rules: PathBuf,
    /// Follow this file as it grows (like `tail -F`) instead of reading standard input.
    #[arg(long, conflicts_with = "socket")]
    follow: Option<PathBuf>,
    /// Listen on this Unix domain socket; writers connect and send JSON lines.
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Write alerts to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Stop after this many seconds without new events.
    #[arg(long, value_name = "SECS")]
    until_idle: Option<f64>,
    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Join keys remembered per sequence rule; beyond, the least recently used are evicted
    /// (and counted).
    #[arg(long, default_value_t = 100_000)]
    max_keys: usize,
    /// Hours an event may lag the latest event time before it counts as late.
    #[arg(long, default_value_t = 0.0)]
    lateness_hours: f64,
    /// Longer lines are skipped (and counted as malformed).
    #[arg(long, default_value_t = 1 << 20)]
    max_line_bytes: usize,
    /// Socket connections served at once; more are refused (and counted).
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
}

fn read_rules(path: &std::path::Path) -> Result<RuleSet> {
    let file = if path.is_dir() {
        path.join("rules.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read the rules {}", file.display()))?;
    RuleSet::from_json(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}\n  hint: `ensure rules MODEL --format native --out DIR` writes DIR/rules.json",
            file.display()
        )
    })
}

pub fn run(a: WatchArgs) -> Result<u8> {
    let rules = read_rules(&a.rules)?;
    if !(a.lateness_hours.is_finite() && a.lateness_hours >= 0.0) {
        bail!("--lateness-hours must be a non-negative number");
    }
    let until_idle = match a.until_idle {
        Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => bail!("--until-idle must be a non-negative number of seconds, not {s}"),
        None => None,
    };
    let mut engine = Engine::new(
        &rules,
        EngineConfig {
            max_keys_per_rule: a.max_keys.max(1),
            lateness_hours: a.lateness_hours,
            ..EngineConfig::default()
        },
    )?;
    let config = SourceConfig {
        until_idle,
        stop: ensure_watch::source::stop_on_signals()?,
        max_line_bytes: a.max_line_bytes,
        max_connections: a.max_connections.max(1),
        ..SourceConfig::default()
    };
    let input = match (&a.follow, &a.socket) {
        (Some(f), _) => Input::Follow(f.clone()),
        (None, Some(s)) => Input::Socket(s.clone()),
        (None, None) => Input::Stdin,
    };
    let summary = match &a.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            let s = ensure_watch::watch(&mut engine, &input, &config, &mut w)?;
            w.flush()?;
            s
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let s = ensure_watch::watch(&mut engine, &input, &config, &mut w)?;
            w.flush()?;
            s
        }
    };
    eprint!("{}", render_summary(&summary));
    if let Some(path) = &a.summary {
        let text = serde_json::to_string_pretty(&summary)? + "\n";
        output::write_atomic(path, text.as_bytes())?;
    }
    Ok(exit::OK)
}

fn render_summary(s: &Summary) -> String {
    let c = &s.counters;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "watch: {} lines, {} events, {} malformed, {} blank, {} late; {} alerts; stopped: {}",
        c.lines,
        c.events,
        c.malformed,
        c.blank_lines,
        c.late_events,
        c.alerts,
        match s.source.stopped_by {
            ensure_watch::StopReason::EndOfInput => "end of input",
            ensure_watch::StopReason::Idle => "idle",
            ensure_watch::StopReason::Signal => "signal",
        }
    );
    let _ = writeln!(
        out,
        "watch: sequence keys {} live, {} expired, {} evicted while live; {} older first events replaced in full rings",
        c.sequence_keys, c.sequence_keys_expired, c.sequence_keys_evicted, c.sequence_firsts_replaced
    );
    let src = &s.source;
    if src.truncations + src.reopens + src.connections + src.refused_connections > 0 {
        let _ = writeln!(
            out,
            "watch: {} truncations, {} reopened after rotation, {} connections, {} refused",
            src.truncations, src.reopens, src.connections, src.refused_connections
        );
    }
    for m in &c.malformed_examples {
        let _ = writeln!(
            out,
            "watch: malformed line {}: {}: {}",
            m.line, m.error, m.text
        );
    }
    out
}
