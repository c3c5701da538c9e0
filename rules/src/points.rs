//! Monitoring points: an attack step (a rule on the step's own telemetry) or an interface (a
//! flow whose traffic carries the attack from one asset to the next), with a dense index, a
//! label, a log source and a yearly monitoring cost.
//!
//! **Cost of a point.** A model's monitors price what watching costs: for each ENSURESEC
//! monitor kind, the cost of one point is the sum of `cost_eur_per_year` of the model's
//! monitors of that kind that carry a cost, divided by the number of step instances they
//! observe. A kind the model does not price costs the mean of the priced kinds' point costs;
//! a model that prices none costs every point the flat default. Each point also costs 1 EUR
//! more in the optimisation (not in the reported cost), so that free points are chosen only
//! when they help.

use std::collections::HashMap;

use ensure_model::{FlowId, Model, StepId};

use crate::logsource::{self, LogSource, MonitorKind};

/// A monitoring point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Point {
    Step(StepId),
    Interface(FlowId),
}

/// The points of one model: dense indices (steps first, then flows), labels and costs.
#[derive(Debug, Clone)]
pub struct Points {
    n_steps: usize,
    flow_labels: Vec<String>,
    kind_cost: HashMap<MonitorKind, f64>,
    default_cost: f64,
}

impl Points {
    /// `default_cost_eur`: the yearly cost of a point when the model prices no monitor.
    pub fn new(model: &Model, default_cost_eur: f64) -> Points {
        let mut flow_labels: Vec<String> = Vec::with_capacity(model.flows.len());
        let mut seen: HashMap<String, u32> = HashMap::new();
        for f in &model.flows {
            let base = match &f.id {
                Some(id) => id.clone(),
                None => format!("{}->{}", model.asset(f.from).id, model.asset(f.to).id),
            };
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            flow_labels.push(if *n == 1 { base } else { format!("{base}#{n}") });
        }
        let mut sums: HashMap<MonitorKind, (f64, usize)> = HashMap::new();
        for m in &model.monitors {
            let Some(kind) = MonitorKind::parse(&m.kind) else {
                continue;
            };
            let mut observed = m.observes.clone();
            observed.sort();
            observed.dedup();
            if m.cost_eur_per_year > 0.0 && !observed.is_empty() {
                let e = sums.entry(kind).or_insert((0.0, 0));
                e.0 += m.cost_eur_per_year;
                e.1 += observed.len();
            }
        }
        let kind_cost: HashMap<MonitorKind, f64> = sums
            .into_iter()
            .map(|(k, (eur, n))| (k, eur / n as f64))
            .collect();
        let default_cost = if kind_cost.is_empty() {
            default_cost_eur
        } else {
            // Mean over kinds in a fixed order, so that the sum is the same on every run.
            let mut sum = 0.0;
            let mut n = 0;
            for k in MonitorKind::ALL {
                if let Some(c) = kind_cost.get(&k) {
                    sum += c;
                    n += 1;
                }
            }
            sum / n as f64
        };
        Points {
            n_steps: model.steps.len(),
            flow_labels,
            kind_cost,
            default_cost,
        }
    }

    pub fn len(&self) -> usize {
        self.n_steps + self.flow_labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn index(&self, p: Point) -> u32 {
        match p {
            Point::Step(s) => s.0,
            Point::Interface(f) => (self.n_steps + f.idx()) as u32,
        }
    }

    pub fn point(&self, idx: u32) -> Point {
        let i = idx as usize;
        if i < self.n_steps {
            Point::Step(StepId(idx))
        } else {
            Point::Interface(FlowId((i - self.n_steps) as u32))
        }
    }

    /// The label of a flow: its id, or `from->to` for a flow without one.
    pub fn flow_label(&self, f: FlowId) -> &str {
        &self.flow_labels[f.idx()]
    }

    /// `asset.step` for a step, `flow:LABEL` for an interface.
    pub fn label(&self, model: &Model, p: Point) -> String {
        match p {
            Point::Step(s) => model.step_label(s),
            Point::Interface(f) => format!("flow:{}", self.flow_label(f)),
        }
    }

    pub fn source(&self, model: &Model, p: Point) -> (LogSource, MonitorKind) {
        match p {
            Point::Step(s) => logsource::of_step(model, s),
            Point::Interface(_) => logsource::of_interface(),
        }
    }

    /// The yearly cost of watching `p`, in euros.
    pub fn cost_eur(&self, model: &Model, p: Point) -> f64 {
        let (_, kind) = self.source(model, p);
        self.kind_cost
            .get(&kind)
            .copied()
            .unwrap_or(self.default_cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        let c = ensure_model::check_str("t.yaml", text);
        c.model.unwrap_or_else(|| panic!("{:?}", c.diagnostics))
    }

    const BASE: &str = r#"
ensure: 1
name: t
assets:
  - {id: web, type: web-application}
  - {id: api, type: api}
  - {id: db, type: database}
  - {id: acct, type: identity}
  - {id: van, type: vehicle}
flows:
  - {id: f1, from: web, to: api, authentication: token, encryption: tls13}
  - {from: api, to: db, authentication: certificate, encryption: tls13}
  - {from: api, to: db, authentication: certificate, encryption: tls13}
"#;

    #[test]
    fn indices_round_trip_and_flows_without_ids_get_unique_labels() {
        let m = model(BASE);
        let pts = Points::new(&m, 1000.0);
        assert_eq!(pts.len(), m.steps.len() + 3);
        for i in 0..pts.len() as u32 {
            assert_eq!(pts.index(pts.point(i)), i);
        }
        let labels: Vec<&str> = (0..3).map(|f| pts.flow_label(FlowId(f))).collect();
        assert_eq!(labels, ["f1", "api->db", "api->db#2"]);
    }

    #[test]
    fn costs_come_from_the_monitors_of_each_kind() {
        let text = format!(
            "{BASE}monitors:
  - {{id: m1, name: a, kind: data-security, observes: [exfiltrate, tamper], on: [db], p_detect: 0.5, cost_eur_per_year: 30000}}
  - {{id: m2, name: b, kind: behavioural, observes: [acct.misuse], p_detect: 0.5, cost_eur_per_year: 10000}}
  - {{id: m3, name: c, kind: behavioural, observes: [acct.authenticate], p_detect: 0.5}}
"
        );
        let m = model(&text);
        let pts = Points::new(&m, 1000.0);
        let step = |a: &str, s: &str| {
            Point::Step(m.step_id(m.asset_id(a).expect("asset"), s).expect("step"))
        };
        // 30,000 over two observed steps; 10,000 over one (the free monitor does not count).
        assert_eq!(pts.cost_eur(&m, step("db", "compromise")), 15_000.0);
        assert_eq!(pts.cost_eur(&m, step("acct", "use")), 10_000.0);
        // Unpriced kinds cost the mean of the priced kinds' point costs.
        assert_eq!(pts.cost_eur(&m, step("van", "hijack")), 12_500.0);
        assert_eq!(pts.cost_eur(&m, Point::Interface(FlowId(0))), 12_500.0);
        // No priced monitor at all: the flat default.
        let bare = model(BASE);
        assert_eq!(
            Points::new(&bare, 1000.0).cost_eur(&bare, step("db", "compromise")),
            1000.0
        );
    }
}
