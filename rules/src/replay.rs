//! Closing the loop: which simulated attacks the alerts of a replay detected in time.
//!
//! Replaying the events of trials `trials` of a seed ([`crate::events::emit`]) through
//! `ensure watch` gives alerts naming the event that fired them. An attack (see
//! [`crate::attacks`]) is **detected** when an alert fired by an event of its campaign comes
//! strictly before its goal time less the minimum lead, on the stream's clock (trial `i`
//! starts at [`crate::events::trial_offset_hours`]). The same attacks, judged by the points the
//! rules watch instead of by alerts, give the share the derivation predicts for those very
//! trials: the two agree exactly when `watch` implements the rules' semantics.

use std::collections::HashMap;
use std::ops::Range;

use ensure_model::Model;
use ensure_simulator::{compile, Configuration};

use crate::attacks::{Attack, Collector};
use crate::events::{parse_event_id, trial_offset_hours};
use crate::native::{Detection, RuleSet, Share};
use crate::points::Points;
use crate::RulesError;

/// The simulated attacks of some trials, with what is needed to judge alerts on them.
pub struct Replay {
    pub attacks: Vec<Attack>,
    pub horizon_hours: f64,
    pub min_lead_hours: f64,
    points: Points,
}

impl Replay {
    /// Simulates trials `trials` of `seed` (the same ones `emit` wrote) and keeps their attacks.
    pub fn new(
        model: &Model,
        configuration: Option<&Configuration>,
        seed: u64,
        trials: Range<u64>,
        min_lead_hours: f64,
        threads: usize,
    ) -> Result<Replay, RulesError> {
        let configuration = configuration
            .cloned()
            .unwrap_or_else(|| Configuration::current(model));
        let c = compile(model, &configuration)?;
        let points = Points::new(model, 0.0);
        let attacks =
            Collector::new(model, &points, min_lead_hours).collect(&c, seed, trials, threads)?;
        Ok(Replay {
            attacks,
            horizon_hours: model.horizon_hours,
            min_lead_hours,
            points,
        })
    }

    /// The share of attacks detected by alerts, given as `(event id, alert time)`.
    pub fn measure<'a>(&self, alerts: impl IntoIterator<Item = (&'a str, f64)>) -> Share {
        let mut first: HashMap<(u64, u32), f64> = HashMap::new();
        for (id, t) in alerts {
            if let Some(key) = parse_event_id(id) {
                let e = first.entry(key).or_insert(f64::INFINITY);
                *e = e.min(t);
            }
        }
        let detected = self
            .attacks
            .iter()
            .filter(|a| {
                first.get(&(a.trial, a.campaign)).is_some_and(|t| {
                    *t < trial_offset_hours(self.horizon_hours, a.trial) + a.goal_hours
                        - self.min_lead_hours
                })
            })
            .count() as u64;
        Share::of(detected, self.attacks.len() as u64)
    }

    /// The share the single-event rules of `rules` detect by their points, without alerts.
    pub fn predict(&self, model: &Model, rules: &RuleSet) -> Share {
        let mut by_label: HashMap<String, u32> = HashMap::new();
        for p in 0..self.points.len() as u32 {
            by_label.insert(self.points.label(model, self.points.point(p)), p);
        }
        let mut chosen: Vec<u32> = Vec::new();
        for r in &rules.rules {
            let Detection::Single { matches } = &r.detection else {
                continue;
            };
            if !matches.fields.is_empty() {
                continue;
            }
            // The rules a derivation writes: one step on one asset, or one flow.
            let labels: Vec<String> =
                match (&matches.asset[..], &matches.step[..], &matches.flow[..]) {
                    ([a], [s], []) => vec![format!("{a}.{s}")],
                    ([], [], flows) => flows.iter().map(|f| format!("flow:{f}")).collect(),
                    _ => Vec::new(),
                };
            chosen.extend(labels.iter().filter_map(|l| by_label.get(l).copied()));
        }
        chosen.sort_unstable();
        chosen.dedup();
        Share::of(
            crate::derive::detected(&self.attacks, &chosen),
            self.attacks.len() as u64,
        )
    }
}
