//! One-at-a-time sensitivity: each parameter moved to a low and a high end, the model
//! re-simulated on common random numbers, and parameters ranked by the swing of one figure
//! (tornado-chart data).
//!
//! Ranges: rates, times and money are halved and doubled (actor frequencies, step times to
//! compromise and outage durations by step name, impact losses, dependency recovery times,
//! monitor delay and response). Probabilities are moved half-way to 0 and half-way to 1
//! (`p / 2` and `1 - (1 - p) / 2`): control efficacies, step success probabilities by step
//! name, dependency propagation probabilities, monitor detection probabilities. Slowdowns
//! `s` go to `1 + (s - 1) / 2` and `1 + 2 (s - 1)`. A parameter that a move leaves
//! unchanged (a probability of 1 moved up, a zero time scaled) keeps its base value there.

use std::collections::BTreeSet;
use std::fmt::Write;

use ensure_model::{Distribution, Model};
use serde::{Deserialize, Serialize};

use crate::compile::{compile, Configuration};
use crate::partial::Partial;
use crate::result::finalize_any;
use crate::{pool, tally_chunks, Figure, SimError, TrialOptions, CHUNK_TRIALS};

/// One row of the tornado.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityRow {
    pub parameter: String,
    pub low_setting: String,
    pub high_setting: String,
    /// The figure with the parameter at its low and high ends.
    pub low: f64,
    pub high: f64,
    /// `|high - low|`.
    pub swing: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub model: String,
    pub figure: String,
    pub trials: u64,
    pub seed: u64,
    /// The figure at the base values.
    pub base: f64,
    /// Largest swing first.
    pub rows: Vec<SensitivityRow>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Low,
    High,
}

#[derive(Debug, Clone, PartialEq)]
enum Knob {
    ActorFrequency(usize),
    ControlEfficacy(usize),
    ControlSlowdown(usize),
    StepTtc(String),
    StepSuccess(String),
    StepOutage(String),
    ImpactLoss(usize),
    DependencyPropagation(usize),
    DependencyRecovery(usize),
    MonitorDetection(usize),
    MonitorSpeed(usize),
}

fn scale(end: End) -> f64 {
    match end {
        End::Low => 0.5,
        End::High => 2.0,
    }
}

fn prob(p: f64, end: End) -> f64 {
    match end {
        End::Low => p / 2.0,
        End::High => 1.0 - (1.0 - p) / 2.0,
    }
}

/// The distribution of `k` times a draw of `d`.
pub fn scale_distribution(d: &Distribution, k: f64) -> Distribution {
    match *d {
        Distribution::Constant(v) => Distribution::Constant(v * k),
        Distribution::Exponential { rate } => Distribution::Exponential { rate: rate / k },
        Distribution::LogNormal { mu, sigma } => Distribution::LogNormal {
            mu: mu + k.ln(),
            sigma,
        },
        Distribution::Gamma { shape, scale } => Distribution::Gamma {
            shape,
            scale: scale * k,
        },
        Distribution::Uniform { min, max } => Distribution::Uniform {
            min: min * k,
            max: max * k,
        },
        Distribution::Triangular { min, mode, max } => Distribution::Triangular {
            min: min * k,
            mode: mode * k,
            max: max * k,
        },
        Distribution::Pert {
            min,
            mode,
            max,
            lambda,
        } => Distribution::Pert {
            min: min * k,
            mode: mode * k,
            max: max * k,
            lambda,
        },
    }
}

impl Knob {
    fn name(&self, m: &Model) -> String {
        match self {
            Knob::ActorFrequency(i) => format!("actor {} frequency", m.actors[*i].id),
            Knob::ControlEfficacy(i) => format!("control {} efficacy", m.controls[*i].id),
            Knob::ControlSlowdown(i) => format!("control {} slowdown", m.controls[*i].id),
            Knob::StepTtc(n) => format!("step {n} time to compromise"),
            Knob::StepSuccess(n) => format!("step {n} p_success"),
            Knob::StepOutage(n) => format!("step {n} outage duration"),
            Knob::ImpactLoss(i) => format!("impact {} loss", m.impacts[*i].id),
            Knob::DependencyPropagation(i) => format!(
                "dependency {} p_propagate",
                crate::compile::dependency_label(m, *i)
            ),
            Knob::DependencyRecovery(i) => format!(
                "dependency {} recovery",
                crate::compile::dependency_label(m, *i)
            ),
            Knob::MonitorDetection(i) => format!("monitor {} p_detect", m.monitors[*i].id),
            Knob::MonitorSpeed(i) => format!("monitor {} delay and response", m.monitors[*i].id),
        }
    }

    fn setting(&self, end: End) -> &'static str {
        match (self, end) {
            (
                Knob::ControlEfficacy(_)
                | Knob::StepSuccess(_)
                | Knob::DependencyPropagation(_)
                | Knob::MonitorDetection(_),
                End::Low,
            ) => "p / 2",
            (
                Knob::ControlEfficacy(_)
                | Knob::StepSuccess(_)
                | Knob::DependencyPropagation(_)
                | Knob::MonitorDetection(_),
                End::High,
            ) => "1 - (1 - p) / 2",
            (Knob::ControlSlowdown(_), End::Low) => "1 + (s - 1) / 2",
            (Knob::ControlSlowdown(_), End::High) => "1 + 2 (s - 1)",
            (_, End::Low) => "x 0.5",
            (_, End::High) => "x 2",
        }
    }

    fn apply(&self, m: &mut Model, end: End) {
        match self {
            Knob::ActorFrequency(i) => {
                if let Some(f) = &mut m.actors[*i].frequency_per_year {
                    *f *= scale(end);
                }
            }
            Knob::ControlEfficacy(i) => {
                for e in &mut m.controls[*i].effects {
                    if e.efficacy > 0.0 {
                        e.efficacy = prob(e.efficacy, end);
                    }
                }
            }
            Knob::ControlSlowdown(i) => {
                for e in &mut m.controls[*i].effects {
                    e.slowdown = 1.0 + (e.slowdown - 1.0) * scale(end);
                }
            }
            Knob::StepTtc(n) => {
                for s in m.steps.iter_mut().filter(|s| &s.name == n) {
                    s.ttc_hours = scale_distribution(&s.ttc_hours, scale(end));
                }
            }
            Knob::StepSuccess(n) => {
                for s in m.steps.iter_mut().filter(|s| &s.name == n) {
                    s.p_success = prob(s.p_success, end);
                }
            }
            Knob::StepOutage(n) => {
                for s in m.steps.iter_mut().filter(|s| &s.name == n) {
                    s.outage_hours = scale_distribution(&s.outage_hours, scale(end));
                }
            }
            Knob::ImpactLoss(i) => {
                let imp = &mut m.impacts[*i];
                if let Some(d) = &mut imp.loss_eur {
                    *d = scale_distribution(d, scale(end));
                }
                if let Some(c) = &mut imp.cost_eur_per_hour {
                    *c *= scale(end);
                }
            }
            Knob::DependencyPropagation(i) => {
                let d = &mut m.dependencies[*i];
                d.p_propagate = prob(d.p_propagate, end);
            }
            Knob::DependencyRecovery(i) => {
                let d = &mut m.dependencies[*i];
                d.recovery_hours = scale_distribution(&d.recovery_hours, scale(end));
            }
            Knob::MonitorDetection(i) => {
                let mo = &mut m.monitors[*i];
                mo.p_detect = prob(mo.p_detect, end);
            }
            Knob::MonitorSpeed(i) => {
                let mo = &mut m.monitors[*i];
                mo.delay_hours = scale_distribution(&mo.delay_hours, scale(end));
                mo.response_hours = scale_distribution(&mo.response_hours, scale(end));
            }
        }
    }
}

/// The parameters that can matter under `configuration`.
fn knobs(m: &Model, configuration: &Configuration) -> Vec<Knob> {
    let mut out = Vec::new();
    for (i, a) in m.actors.iter().enumerate() {
        if a.frequency_per_year.is_some() {
            out.push(Knob::ActorFrequency(i));
        }
    }
    for (i, c) in m.controls.iter().enumerate() {
        if !configuration.is_on(ensure_model::ControlId(i as u32)) {
            continue;
        }
        if c.effects.iter().any(|e| e.efficacy > 0.0) {
            out.push(Knob::ControlEfficacy(i));
        }
        if c.effects.iter().any(|e| e.slowdown > 1.0) {
            out.push(Knob::ControlSlowdown(i));
        }
    }
    let names: BTreeSet<&str> = m.steps.iter().map(|s| s.name.as_str()).collect();
    for n in &names {
        out.push(Knob::StepTtc(n.to_string()));
        out.push(Knob::StepSuccess(n.to_string()));
    }
    let outage_names: BTreeSet<&str> = m
        .steps
        .iter()
        .filter(|s| s.causes_outage)
        .map(|s| s.name.as_str())
        .collect();
    for n in outage_names {
        out.push(Knob::StepOutage(n.to_string()));
    }
    for i in 0..m.impacts.len() {
        out.push(Knob::ImpactLoss(i));
    }
    let removed = m.removed_relations(&|c| configuration.is_on(c));
    for i in 0..m.dependencies.len() {
        let r = ensure_model::RelationRef::Dependency(ensure_model::DependencyId(i as u32));
        if removed.contains(&r) {
            continue;
        }
        out.push(Knob::DependencyPropagation(i));
        out.push(Knob::DependencyRecovery(i));
    }
    for (i, mo) in m.monitors.iter().enumerate() {
        if mo.enabled {
            out.push(Knob::MonitorDetection(i));
            out.push(Knob::MonitorSpeed(i));
        }
    }
    out
}

/// Ranks the parameters of `model` by how much moving each over its range swings `figure`
/// (each end simulated with `trials` trials of `seed`, on common random numbers).
pub fn sensitivity(
    model: &Model,
    figure: &Figure,
    trials: u64,
    seed: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sensitivity, SimError> {
    if trials == 0 {
        return Err(SimError::NoTrials);
    }
    figure.check(model)?;
    let configuration = Configuration::current(model);
    let pool = pool(threads)?;
    let n_chunks = trials.div_ceil(CHUNK_TRIALS);
    let options = TrialOptions::default();
    let evaluate = |m: &Model| -> Result<f64, SimError> {
        let c = compile(m, &configuration)?;
        let tally = pool.install(|| tally_chunks(&c, seed, trials, 0..n_chunks, options, progress));
        let part = Partial::new(&c, seed, trials, CHUNK_TRIALS, vec![[0, n_chunks]], tally);
        Ok(figure.of(&finalize_any(&part)).0)
    };
    let base = evaluate(model)?;
    let mut rows = Vec::new();
    for knob in knobs(model, &configuration) {
        let mut values = [base; 2];
        for (slot, end) in [End::Low, End::High].into_iter().enumerate() {
            let mut m = model.clone();
            knob.apply(&mut m, end);
            values[slot] = evaluate(&m)?;
        }
        rows.push(SensitivityRow {
            parameter: knob.name(model),
            low_setting: knob.setting(End::Low).into(),
            high_setting: knob.setting(End::High).into(),
            low: values[0],
            high: values[1],
            swing: (values[1] - values[0]).abs(),
        });
    }
    rows.sort_by(|a, b| {
        b.swing
            .total_cmp(&a.swing)
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    Ok(Sensitivity {
        model: model.name.clone(),
        figure: figure.describe(),
        trials,
        seed,
        base,
        rows,
    })
}

/// The number of parameters [`sensitivity`] will move (each costs two runs).
pub fn n_parameters(model: &Model) -> usize {
    knobs(model, &Configuration::current(model)).len()
}

/// A plain-text tornado: the parameters with the largest swings.
pub fn render_text(s: &Sensitivity, top: usize) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: sensitivity of {} ({} trials per run, seed {}); base value {:.6}",
        s.model, s.figure, s.trials, s.seed, s.base
    );
    let _ = writeln!(
        o,
        "\n{:<60} {:>14} {:>14} {:>14}",
        "parameter", "low", "high", "swing"
    );
    for r in s.rows.iter().take(top) {
        let _ = writeln!(
            o,
            "{:<60} {:>14.6} {:>14.6} {:>14.6}",
            r.parameter, r.low, r.high, r.swing
        );
    }
    let zero = s.rows.iter().filter(|r| r.swing == 0.0).count();
    if zero > 0 {
        let _ = writeln!(o, "\n{zero} parameters did not move the figure at all.");
    }
    o
}
