//! Events: what the monitors emit and `ensure watch` reads, one JSON object per line.
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `time` | number or string | hours since the stream's epoch, or an RFC 3339 timestamp (read as hours since 1970-01-01T00:00:00Z); one stream should use one kind |
//! | `asset` | string | the asset id the activity was seen on |
//! | `step` | string | the attack step recognised, in the model's vocabulary (`exploit-injection`) |
//! | `source` | string, optional | the log source's short name (`webserver`, `database`, `authentication`, `physical-asset-monitor`, ...; see [`crate::logsource`]) |
//! | `flow` | string, optional | the interface the activity came over (a flow id, or `from->to`) |
//! | `peer` | string, optional | the asset at the other end of that interface |
//! | `id` | string, optional | an event id, echoed in alerts |
//! | `fields` | object, optional | any other fields (ECS-like names: `user.name`, `source.ip`), for rules' `fields` conditions and `by` keys |
//!
//! Unknown keys are ignored. Sigma rules name the same keys as fields (`asset`, `step`,
//! `flow`).
//!
//! **Simulated events** ([`emit`], `ensure simulate --emit-events`) are the ground truth of
//! what monitors could log: one event for every step that every campaign completes, at its
//! completion time, whether or not a model monitor would have detected it (the rules define new
//! monitoring points; the model's monitors' `p_detect` describes those monitors, and they act
//! in the simulation itself by stopping campaigns). An event carries the flow its step was
//! entered over, when the enabling attack-graph edge runs over one. Trials are laid end to end:
//! trial `i` starts at hour `2 * i * horizon`, so a gap of a whole horizon separates trials and
//! no correlation window of at most a horizon joins two of them. Event ids read
//! `t{trial}.c{campaign}.{n}`, `n` numbering the campaign's completions. Within a trial, events
//! are in time order (ties: campaign, then completion order). The output is a pure function
//! of the model, the configuration, the seed and the trials.

use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;

use ensure_model::{Model, StepId};
use ensure_simulator::{Compiled, TrialOptions, TrialScratch};

use crate::attacks::edge_flow;
use crate::logsource;
use crate::points::Points;

/// The hour at which trial `trial` starts in an emitted stream.
pub fn trial_offset_hours(horizon_hours: f64, trial: u64) -> f64 {
    2.0 * horizon_hours * trial as f64
}

/// The trial and campaign of a simulated event id (`t12.c3.7` → `(12, 3)`).
pub fn parse_event_id(id: &str) -> Option<(u64, u32)> {
    let mut parts = id.split('.');
    let t = parts.next()?.strip_prefix('t')?.parse().ok()?;
    let c = parts.next()?.strip_prefix('c')?.parse().ok()?;
    parts.next()?.parse::<u32>().ok()?;
    Some((t, c))
}

/// How many of each were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitStats {
    pub trials: u64,
    pub campaigns: u64,
    pub events: u64,
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes the events of trials `trials` of `seed`, trial by trial.
pub fn emit(
    c: &Compiled<'_>,
    seed: u64,
    trials: Range<u64>,
    out: &mut dyn Write,
) -> io::Result<EmitStats> {
    let model: &Model = c.model();
    let points = Points::new(model, 0.0);
    // `"asset":"..","step":"..","source":".."` of every step, escaped once.
    let mut step_json: HashMap<StepId, String> = HashMap::new();
    let mut edge_json: HashMap<(StepId, StepId), String> = HashMap::new();
    let mut scratch = TrialScratch::new(
        c,
        TrialOptions {
            completions: true,
            paths: false,
        },
    );
    let mut stats = EmitStats::default();
    let mut order: Vec<(f64, u32, u32)> = Vec::new();
    let mut line = String::with_capacity(256);
    for t in trials {
        let trial = ensure_simulator::simulate_trial(c, seed, t, &mut scratch);
        stats.trials += 1;
        stats.campaigns += trial.campaigns.len() as u64;
        order.clear();
        for (ci, camp) in trial.campaigns.iter().enumerate() {
            for (n, k) in trial.completions[camp.completions.clone()]
                .iter()
                .enumerate()
            {
                order.push((k.time_hours, ci as u32, n as u32));
            }
        }
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let offset = trial_offset_hours(model.horizon_hours, t);
        for &(time, ci, n) in &order {
            let camp = &trial.campaigns[ci as usize];
            let k = &trial.completions[camp.completions.start + n as usize];
            let body = step_json.entry(k.step).or_insert_with(|| {
                let s = model.step(k.step);
                let (ls, _) = logsource::of_step(model, k.step);
                format!(
                    "\"asset\":{},\"step\":{},\"source\":{}",
                    json_str(&model.asset(s.asset).id),
                    json_str(&s.name),
                    json_str(ls.name())
                )
            });
            line.clear();
            line.push_str("{\"time\":");
            line.push_str(&format!("{}", offset + time));
            line.push(',');
            line.push_str(body);
            if let Some(parent) = k.via {
                let flow = edge_json.entry((parent, k.step)).or_insert_with(|| {
                    match edge_flow(model, parent, k.step) {
                        Some(f) => format!(
                            ",\"flow\":{},\"peer\":{}",
                            json_str(points.flow_label(f)),
                            json_str(&model.asset(model.step(parent).asset).id)
                        ),
                        None => String::new(),
                    }
                });
                line.push_str(flow);
            }
            line.push_str(&format!(",\"id\":\"t{t}.c{ci}.{n}\"}}\n"));
            out.write_all(line.as_bytes())?;
            stats.events += 1;
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_parse_back() {
        assert_eq!(parse_event_id("t12.c3.7"), Some((12, 3)));
        assert_eq!(parse_event_id("t0.c0.0"), Some((0, 0)));
        assert_eq!(parse_event_id("t12.c3"), None);
        assert_eq!(parse_event_id("x12.c3.1"), None);
        assert_eq!(parse_event_id("t1.cx.1"), None);
    }
}
