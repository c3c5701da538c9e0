//! From a model to rules: simulate, rank the points, choose where to watch, measure the choice
//! on held-out trials, and write one rule per chosen point (plus sequence rules along the
//! attack paths through it).
//!
//! * **Training and prediction.** The points are chosen on the attacks of trials
//!   `0..trials` of the seed; the choice is then measured on trials
//!   `trials..trials + holdout_trials` of the same seed. Trials are independent draws (each is
//!   keyed by its index), so the held-out share is an unbiased estimate of the share of new
//!   attacks the choice detects, free of the optimism of measuring a choice on the attacks it
//!   was fitted to; its interval is the Wilson 95 % interval over held-out attacks (campaigns
//!   are independent, so attacks are).
//! * **Detection probability.** A chosen point is taken to see every completion of its step:
//!   the rule matches the step's own telemetry event. The model's monitors and their
//!   `p_detect` describe those monitors (they act inside the simulation, where their responses
//!   stop campaigns); they are not the rules' probability of matching an event.
//! * **Sequence rules.** For a chosen step `p`, each parent `q` that precedes `p` on at least
//!   `min_sequence_support` of the training paths through `p` gives a rule `q then p` (at most
//!   `max_sequences_per_point`, most frequent first) on the two assets, which the attack graph
//!   connects, with the window the 95th percentile of the simulated times from `q` to `p`
//!   (rounded up to three significant digits, at most the horizon). Its level is one above the
//!   single rule's: two steps in the predicted order are stronger evidence than one.
//! * **Next steps and assets at risk** come from the training paths through the point: the
//!   steps that followed it (with how often and how soon), and the assets of the steps it led
//!   to.

use std::collections::{BTreeMap, HashMap};

use ensure_model::{Model, StepId};
use ensure_simulator::{compile, Configuration};

use crate::attack::{self, Status};
use crate::attacks::{edge_flow, Attack, Collector};
use crate::cover::{self, CoverProblem};
use crate::native::{
    Coverage, Derivation, Detection, GoalShare, Level, Match, NextStep, PathShare, Rule, RuleSet,
    Share, Why, FORMAT_VERSION,
};
use crate::points::{Point, Points};
use crate::value::{self, nearest_rank, Percentiles, PointValue};
use crate::RulesError;

/// How to derive rules.
#[derive(Debug, Clone)]
pub struct DeriveConfig {
    pub seed: u64,
    /// Trials the points are chosen on.
    pub trials: u64,
    /// Further trials the choice is measured on (the prediction).
    pub holdout_trials: u64,
    /// Worker threads for the simulation (0: every core); results do not depend on it.
    pub threads: usize,
    /// Share of simulated attacks to detect before their goal.
    pub target_share: f64,
    /// Yearly monitoring budget, euros.
    pub budget_eur: Option<f64>,
    /// A point counts only when seen at least this long before the goal.
    pub min_lead_hours: f64,
    /// The response time that detection value weighs lead times against.
    pub response_hours: f64,
    /// Yearly cost of a point when the model prices no monitor.
    pub default_point_cost_eur: f64,
    /// Which controls are on; `None`: the model's current configuration.
    pub configuration: Option<Configuration>,
    /// Consider interfaces (flows) as points as well as steps.
    pub interfaces: bool,
    /// Sequence rules per chosen step, at most.
    pub max_sequences_per_point: usize,
    /// A sequence `q then p` is written when `q` precedes `p` on at least this share of the
    /// paths through `p`.
    pub min_sequence_support: f64,
    /// Points listed in the rule set's ranking.
    pub ranking_len: usize,
    /// The rules' date (`YYYY-MM-DD`), part of the output: fixed, so that output is
    /// reproducible.
    pub date: String,
    /// CBC's time limit per solve, seconds.
    pub time_limit_secs: u32,
}

/// The date derived rules carry unless told otherwise: the date this derivation's logic last
/// changed, so that the same model and seed give the same bytes on any day.
pub const DEFAULT_DATE: &str = "2026-11-25";

impl DeriveConfig {
    pub fn new(trials: u64, seed: u64) -> DeriveConfig {
        DeriveConfig {
            seed,
            trials,
            holdout_trials: trials,
            threads: 0,
            target_share: 0.8,
            budget_eur: None,
            min_lead_hours: 0.0,
            response_hours: 24.0,
            default_point_cost_eur: 10_000.0,
            configuration: None,
            interfaces: true,
            max_sequences_per_point: 2,
            min_sequence_support: 0.2,
            ranking_len: 20,
            date: DEFAULT_DATE.into(),
            time_limit_secs: 60,
        }
    }

    fn check(&self) -> Result<(), RulesError> {
        let bad = |m: String| Err(RulesError::Config(m));
        if self.trials == 0 || self.holdout_trials == 0 {
            return bad("--trials must be at least 1 (and as many held-out trials)".into());
        }
        if !(0.0..=1.0).contains(&self.target_share) {
            return bad(format!(
                "--target-share must lie in [0, 1], not {}",
                self.target_share
            ));
        }
        if let Some(b) = self.budget_eur {
            if !(b.is_finite() && b >= 0.0) {
                return bad(format!(
                    "--budget must be a non-negative number of euros, not {b}"
                ));
            }
        }
        for (name, v) in [
            ("--min-lead-hours", self.min_lead_hours),
            ("--response-hours", self.response_hours),
            ("the default point cost", self.default_point_cost_eur),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("{name} must be a non-negative number, not {v}"));
            }
        }
        if !is_date(&self.date) {
            return bad(format!(
                "the date must read YYYY-MM-DD, not `{}`",
                self.date
            ));
        }
        Ok(())
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// Derived rules and what the derivation noticed on the way.
#[derive(Debug, Clone)]
pub struct Derived {
    pub rules: RuleSet,
    /// Technique ids the table does not know or marks deprecated or revoked (kept in the native
    /// rules, left out of Sigma tags).
    pub warnings: Vec<String>,
}

/// Derives the rules of `model`.
pub fn derive(model: &Model, config: &DeriveConfig) -> Result<Derived, RulesError> {
    config.check()?;
    let configuration = config
        .configuration
        .clone()
        .unwrap_or_else(|| Configuration::current(model));
    let c = compile(model, &configuration)?;
    let points = Points::new(model, config.default_point_cost_eur);
    let collector = Collector::new(model, &points, config.min_lead_hours);
    let train = collector.collect(&c, config.seed, 0..config.trials, config.threads)?;
    let holdout = collector.collect(
        &c,
        config.seed,
        config.trials..config.trials + config.holdout_trials,
        config.threads,
    )?;
    let ranking = value::rank(
        model,
        &points,
        &train,
        config.trials,
        config.min_lead_hours,
        config.response_hours,
    );

    // Candidates: every point some training attack sees before its goal.
    let usable = |p: u32| config.interfaces || matches!(points.point(p), Point::Step(_));
    let mut candidates: Vec<u32> = train
        .iter()
        .flat_map(|a| a.seen.iter().map(|(p, _)| *p))
        .filter(|p| usable(*p))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let local: HashMap<u32, u32> = candidates
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i as u32))
        .collect();
    let mut classes: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    for a in &train {
        let set: Vec<u32> = a
            .seen
            .iter()
            .filter_map(|(p, _)| local.get(p).copied())
            .collect();
        if !set.is_empty() {
            *classes.entry(set).or_insert(0) += 1;
        }
    }
    let by_point: HashMap<u32, &PointValue> = ranking.iter().map(|(i, v)| (*i, v)).collect();
    let max_value = ranking
        .iter()
        .map(|(_, v)| v.value_eur)
        .fold(0.0f64, f64::max);
    let problem = CoverProblem {
        costs: candidates
            .iter()
            .map(|p| points.cost_eur(model, points.point(*p)))
            .collect(),
        values: candidates
            .iter()
            .map(|p| {
                by_point
                    .get(p)
                    .map_or(0.0, |v| v.weighted_share + v.value_eur / (max_value + 1.0))
            })
            .collect(),
        classes: classes.into_iter().collect(),
        n_attacks: train.len() as u64,
        target_share: config.target_share,
        budget_eur: config.budget_eur,
        time_limit_secs: config.time_limit_secs,
    };
    let solution = cover::solve(&problem)?;
    let rank_of: HashMap<u32, usize> = ranking
        .iter()
        .enumerate()
        .map(|(r, (p, _))| (*p, r))
        .collect();
    let mut chosen: Vec<u32> = solution
        .chosen
        .iter()
        .map(|&i| candidates[i as usize])
        .collect();
    chosen.sort_by_key(|p| (rank_of.get(p).copied().unwrap_or(usize::MAX), *p));

    let predicted = Share::of(detected(&holdout, &chosen), holdout.len() as u64);
    let mut warnings = Vec::new();
    if train.is_empty() {
        warnings.push(format!(
            "no simulated campaign reached a goal in {} trials: there is nothing to watch for (does the model have goals its actors can reach?)",
            config.trials
        ));
    }
    let mut rules = Vec::new();
    let mut already: Vec<u32> = Vec::new();
    for &p in &chosen {
        let marginal = train
            .iter()
            .filter(|a| a.seen_at(p).is_some() && !already.iter().any(|q| a.seen_at(*q).is_some()))
            .count() as u64;
        already.push(p);
        let figures = by_point.get(&p).map(|v| (*v).clone());
        let builder = RuleBuilder {
            model,
            points: &points,
            train: &train,
            config,
        };
        builder.rules_for(p, figures, marginal, &mut rules, &mut warnings);
    }
    warnings.sort();
    warnings.dedup();

    let set = RuleSet {
        ensure_rules: FORMAT_VERSION,
        model: model.name.clone(),
        derivation: Some(Derivation {
            seed: config.seed,
            trials: config.trials,
            holdout_trials: config.holdout_trials,
            target_share: config.target_share,
            budget_eur_per_year: config.budget_eur,
            min_lead_hours: config.min_lead_hours,
            response_hours: config.response_hours,
            controls_on: configuration.on_ids(model),
            horizon_hours: model.horizon_hours,
            attack_version: attack::ATTACK_VERSION.into(),
            date: config.date.clone(),
        }),
        coverage: Some(Coverage {
            attacks: train.len() as u64,
            detected: solution.covered,
            required: solution.required,
            target_met: solution.target_met(),
            solver: solution.status,
            cost_eur_per_year: solution.cost_eur,
            predicted,
            points: chosen
                .iter()
                .map(|p| points.label(model, points.point(*p)))
                .collect(),
        }),
        ranking: ranking
            .iter()
            .take(config.ranking_len)
            .map(|(_, v)| v.clone())
            .collect(),
        rules,
    };
    set.check().map_err(|e| RulesError::Config(e.to_string()))?;
    Ok(Derived {
        rules: set,
        warnings,
    })
}

/// How many of `attacks` see one of `chosen` before their goal.
pub fn detected(attacks: &[Attack], chosen: &[u32]) -> u64 {
    attacks
        .iter()
        .filter(|a| chosen.iter().any(|p| a.seen_at(*p).is_some()))
        .count() as u64
}

/// The UUID of a derived rule: version 5 in a fixed namespace, named by the model and the
/// rule's key, so that the same model gives the same ids on every run and machine.
pub fn rule_uuid(model_name: &str, key: &str) -> String {
    // The namespace is itself a v5 UUID of the project's name in the URL namespace.
    let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"https://ensure.invalid/rules");
    uuid::Uuid::new_v5(&ns, format!("{model_name}\n{key}").as_bytes()).to_string()
}

/// `ensure_MODEL_LABEL` in `[a-z0-9_]`, at most 80 characters (longer names end in a hash of
/// the whole). The model is part of it so that the rules of several models can live in one
/// Sigma collection (file names and names must be unique there).
pub fn rule_name(model_name: &str, label: &str) -> String {
    let full = format!("{model_name} {label}");
    let mut s = String::with_capacity(full.len() + 7);
    s.push_str("ensure_");
    let mut last_us = true;
    for ch in full.chars() {
        if ch.is_ascii_alphanumeric() {
            s.push(ch.to_ascii_lowercase());
            last_us = false;
        } else if !last_us {
            s.push('_');
            last_us = true;
        }
    }
    while s.ends_with('_') {
        s.pop();
    }
    if s.len() > 80 {
        let h = ensure_simulator::rng::key_of(&full);
        s.truncate(71);
        s.push_str(&format!("_{:08x}", h as u32));
    }
    s
}

/// The level of a point: from the loss its attacks went on to cause, raised when the median
/// lead is under a day (little time to respond), lowered when it is over 30 days.
///
/// | mean loss of the attacks through it | level |
/// |---|---|
/// | at least EUR 1 M | high |
/// | at least EUR 100 k | medium |
/// | more than 0 | low |
/// | none | informational |
pub fn level_of(v: &PointValue) -> Level {
    let loss: i32 = if v.mean_loss_eur >= 1e6 {
        3
    } else if v.mean_loss_eur >= 1e5 {
        2
    } else if v.mean_loss_eur > 0.0 {
        1
    } else {
        0
    };
    let lead: i32 = if v.lead_hours.p50 < 24.0 {
        1
    } else if v.lead_hours.p50 > 720.0 {
        -1
    } else {
        0
    };
    Level::ALL[(loss + lead).clamp(0, 4) as usize]
}

/// Rounds up to three significant digits (windows read better, and still hold the sample);
/// the result is the double nearest a short decimal, so that it prints as one.
fn round_up_3(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x.max(0.0);
    }
    let e = x.log10().floor() as i32 - 2;
    let mut digits = (x / 10f64.powi(e)).ceil() as i64;
    loop {
        let r: f64 = format!("{digits}e{e}").parse().unwrap_or(x);
        if r >= x {
            return r;
        }
        digits += 1;
    }
}

struct RuleBuilder<'a> {
    model: &'a Model,
    points: &'a Points,
    train: &'a [Attack],
    config: &'a DeriveConfig,
}

/// What the attacks through one point did.
struct Through<'a> {
    /// The attacks, with the time the point was first passed on the path.
    attacks: Vec<(&'a Attack, f64)>,
    /// Per attack, the path steps that are the point itself (or entered over it).
    anchors: Vec<Vec<StepId>>,
}

impl<'a> RuleBuilder<'a> {
    fn through(&self, p: Point) -> Through<'a> {
        let deadline = |a: &Attack| a.goal_hours - self.config.min_lead_hours;
        let mut attacks = Vec::new();
        let mut anchors = Vec::new();
        for a in self.train {
            let hit: Vec<&crate::attacks::PathStep> = a
                .path
                .iter()
                .filter(|s| s.time_hours < deadline(a))
                .filter(|s| match p {
                    Point::Step(x) => s.step == x,
                    Point::Interface(f) => s
                        .parents
                        .iter()
                        .any(|q| edge_flow(self.model, *q, s.step) == Some(f)),
                })
                .collect();
            if let Some(t) = hit.iter().map(|s| s.time_hours).min_by(f64::total_cmp) {
                attacks.push((a, t));
                anchors.push(hit.iter().map(|s| s.step).collect());
            }
        }
        Through { attacks, anchors }
    }

    fn next_steps(&self, th: &Through<'_>) -> Vec<NextStep> {
        let mut gaps: BTreeMap<StepId, Vec<f64>> = BTreeMap::new();
        for ((a, t), anchors) in th.attacks.iter().zip(&th.anchors) {
            for s in &a.path {
                if !anchors.contains(&s.step) && s.parents.iter().any(|q| anchors.contains(q)) {
                    gaps.entry(s.step).or_default().push(s.time_hours - t);
                }
            }
        }
        let n = th.attacks.len().max(1) as f64;
        let mut out: Vec<NextStep> = gaps
            .into_iter()
            .map(|(s, mut g)| {
                g.sort_by(f64::total_cmp);
                NextStep {
                    step: self.model.step_label(s),
                    share: g.len() as f64 / n,
                    median_hours: nearest_rank(&g, 0.5),
                }
            })
            .collect();
        out.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.step.cmp(&b.step)));
        out.truncate(5);
        out
    }

    fn assets_at_risk(&self, th: &Through<'_>) -> Vec<String> {
        let mut count: BTreeMap<String, u64> = BTreeMap::new();
        for ((a, _), anchors) in th.attacks.iter().zip(&th.anchors) {
            // Descendants of the anchors within the path (paths are in topological order).
            let mut reached: Vec<StepId> = anchors.clone();
            let mut assets: Vec<&str> = Vec::new();
            for s in &a.path {
                if !reached.contains(&s.step) && s.parents.iter().any(|q| reached.contains(q)) {
                    reached.push(s.step);
                    let id = self.model.asset(self.model.step(s.step).asset).id.as_str();
                    if !assets.contains(&id) {
                        assets.push(id);
                    }
                }
            }
            for id in assets {
                *count.entry(id.to_string()).or_insert(0) += 1;
            }
        }
        let n = th.attacks.len().max(1) as f64;
        let mut out: Vec<(String, u64)> = count
            .into_iter()
            .filter(|(_, k)| *k as f64 / n >= 0.01)
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.into_iter().take(15).map(|(a, _)| a).collect()
    }

    fn goals(&self, th: &Through<'_>) -> Vec<GoalShare> {
        let mut count: BTreeMap<usize, u64> = BTreeMap::new();
        for (a, _) in &th.attacks {
            for g in &a.goals {
                *count.entry(g.idx()).or_insert(0) += 1;
            }
        }
        let n = th.attacks.len().max(1) as f64;
        let mut out: Vec<GoalShare> = count
            .into_iter()
            .map(|(g, k)| GoalShare {
                goal: self.model.goals[g].id.clone(),
                share: k as f64 / n,
            })
            .collect();
        out.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.goal.cmp(&b.goal)));
        out
    }

    fn paths(&self, th: &Through<'_>) -> Vec<PathShare> {
        let mut count: BTreeMap<Vec<StepId>, u64> = BTreeMap::new();
        for (a, _) in &th.attacks {
            *count
                .entry(a.path.iter().map(|s| s.step).collect())
                .or_insert(0) += 1;
        }
        let n = th.attacks.len().max(1) as f64;
        let mut out: Vec<(Vec<StepId>, u64)> = count.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.into_iter()
            .take(3)
            .map(|(p, k)| PathShare {
                share: k as f64 / n,
                steps: p.iter().map(|s| self.model.step_label(*s)).collect(),
            })
            .collect()
    }

    fn techniques(&self, th: &Through<'_>, p: Point) -> Vec<String> {
        let mut out: Vec<String> = match p {
            Point::Step(s) => self.model.step(s).attack.to_vec(),
            Point::Interface(_) => th
                .anchors
                .iter()
                .flatten()
                .flat_map(|s| self.model.step(*s).attack.iter().cloned())
                .collect(),
        };
        out.sort();
        out.dedup();
        out
    }

    fn match_of(&self, p: Point) -> Match {
        match p {
            Point::Step(s) => {
                let st = self.model.step(s);
                Match {
                    step: vec![st.name.clone()],
                    asset: vec![self.model.asset(st.asset).id.clone()],
                    ..Match::default()
                }
            }
            Point::Interface(f) => Match {
                flow: vec![self.points.flow_label(f).to_string()],
                ..Match::default()
            },
        }
    }

    fn title_of(&self, p: Point, techniques: &[String]) -> String {
        let named = techniques
            .iter()
            .filter_map(|t| attack::technique(t))
            .find(|t| t.status == Status::Active)
            .map(|t| format!(" ({} {})", t.id, t.name))
            .unwrap_or_default();
        match p {
            Point::Step(s) => {
                let st = self.model.step(s);
                format!(
                    "{} on {}{named} in {}",
                    st.name,
                    self.model.asset(st.asset).id,
                    self.model.name
                )
            }
            Point::Interface(f) => {
                let fl = &self.model.flows[f.idx()];
                format!(
                    "Attack over interface {} ({} to {}){named} in {}",
                    self.points.flow_label(f),
                    self.model.asset(fl.from).id,
                    self.model.asset(fl.to).id,
                    self.model.name
                )
            }
        }
    }

    fn rules_for(
        &self,
        p_idx: u32,
        figures: Option<PointValue>,
        marginal: u64,
        rules: &mut Vec<Rule>,
        warnings: &mut Vec<String>,
    ) {
        let p = self.points.point(p_idx);
        let label = self.points.label(self.model, p);
        let th = self.through(p);
        let figures = figures.unwrap_or_else(|| PointValue {
            point: label.clone(),
            attacks_on_path: 0,
            share_on_paths: 0.0,
            attacks_seen: 0,
            share_seen: 0.0,
            lead_hours: Percentiles {
                p5: 0.0,
                p50: 0.0,
                p95: 0.0,
            },
            mean_loss_eur: 0.0,
            weighted_share: 0.0,
            value_eur: 0.0,
            cost_eur_per_year: self.points.cost_eur(self.model, p),
        });
        let techniques = self.techniques(&th, p);
        for t in &techniques {
            match attack::technique(t).map(|t| t.status) {
                Some(Status::Active) => {}
                Some(Status::Deprecated) => warnings.push(format!(
                    "{label}: ATT&CK technique {t} is deprecated in ATT&CK {}",
                    attack::ATTACK_VERSION
                )),
                Some(Status::Revoked) => warnings.push(format!(
                    "{label}: ATT&CK technique {t} is revoked in ATT&CK {}",
                    attack::ATTACK_VERSION
                )),
                None => warnings.push(format!(
                    "{label}: ATT&CK technique {t} is not in ATT&CK {}",
                    attack::ATTACK_VERSION
                )),
            }
        }
        let (logsource, _) = self.points.source(self.model, p);
        let level = level_of(&figures);
        let next_steps = self.next_steps(&th);
        let assets_at_risk = self.assets_at_risk(&th);
        let why = Why {
            point: label.clone(),
            figures: figures.clone(),
            marginal_attacks: marginal,
            goals: self.goals(&th),
            paths: self.paths(&th),
            sequence_support: None,
            gap_hours: None,
        };
        let title = self.title_of(p, &techniques);
        rules.push(Rule {
            id: rule_uuid(&self.model.name, &format!("single/{label}")),
            name: rule_name(&self.model.name, &label),
            title,
            level,
            detection: Detection::Single {
                matches: self.match_of(p),
            },
            techniques: techniques.clone(),
            logsource: Some(logsource.clone()),
            next_steps: next_steps.clone(),
            assets_at_risk: assets_at_risk.clone(),
            why: Some(why.clone()),
        });

        let Point::Step(step) = p else {
            return;
        };
        // Sequences: the parents that lead into the step on its paths.
        let mut gaps: BTreeMap<StepId, Vec<f64>> = BTreeMap::new();
        for (a, _) in &th.attacks {
            if let Some(s) = a.path.iter().find(|s| s.step == step) {
                for q in &s.parents {
                    if let Some(qs) = a.path.iter().find(|x| x.step == *q) {
                        gaps.entry(*q)
                            .or_default()
                            .push(s.time_hours - qs.time_hours);
                    }
                }
            }
        }
        let n = th.attacks.len().max(1) as f64;
        let mut parents: Vec<(StepId, Vec<f64>)> = gaps
            .into_iter()
            .filter(|(q, g)| *q != step && g.len() as f64 / n >= self.config.min_sequence_support)
            .collect();
        parents.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        for (q, mut g) in parents
            .into_iter()
            .take(self.config.max_sequences_per_point)
        {
            g.sort_by(f64::total_cmp);
            let window = round_up_3(nearest_rank(&g, 0.95)).min(self.model.horizon_hours);
            let support = g.iter().filter(|x| **x >= 0.0 && **x <= window).count() as f64 / n;
            let q_label = self.model.step_label(q);
            let seq_label = format!("{q_label} then {label}");
            let mut why = why.clone();
            why.sequence_support = Some(support);
            why.gap_hours = Percentiles::of(&mut g);
            rules.push(Rule {
                id: rule_uuid(&self.model.name, &format!("sequence/{seq_label}")),
                name: rule_name(&self.model.name, &format!("seq {q_label} then {label}")),
                title: format!(
                    "{q_label} then {label} within {window} h in {}",
                    self.model.name
                ),
                level: level.raised(),
                detection: Detection::Sequence {
                    first: self.match_of(Point::Step(q)),
                    then: self.match_of(p),
                    within_hours: window,
                    by: Vec::new(),
                },
                techniques: techniques.clone(),
                logsource: Some(logsource.clone()),
                next_steps: next_steps.clone(),
                assets_at_risk: assets_at_risk.clone(),
                why: Some(why),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_up_keeps_three_digits_and_never_goes_below() {
        assert_eq!(round_up_3(0.0), 0.0);
        assert_eq!(round_up_3(123.4), 124.0);
        assert_eq!(round_up_3(123.0), 123.0);
        assert_eq!(round_up_3(0.012341), 0.0124);
        assert!(round_up_3(0.3) >= 0.3);
        for x in [1e-5, 0.7, 9.999, 17.3, 8759.2, 123456.7] {
            let r = round_up_3(x);
            assert!(r >= x && r <= x * 1.01, "{x} -> {r}");
        }
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(
            rule_name("shop", "web-front.exploit-injection"),
            "ensure_shop_web_front_exploit_injection"
        );
        assert_eq!(
            rule_name("shop", "flow:f-web-search"),
            "ensure_shop_flow_f_web_search"
        );
        let long = rule_name("m", &"x.".repeat(100));
        assert_eq!(long.len(), 80);
        assert_ne!(long, rule_name("m", &"x.".repeat(99)));
        assert_ne!(long, rule_name("n", &"x.".repeat(100)));
        let a = rule_uuid("m", "single/a.b");
        assert_eq!(a, rule_uuid("m", "single/a.b"));
        assert_ne!(a, rule_uuid("n", "single/a.b"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5", "version 5: {a}");
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-11-25"));
        for bad in [
            "2026-13-01",
            "2026-1-01",
            "20261125",
            "2026-11-2x",
            "2026-00-10",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn levels_follow_loss_and_lead() {
        let v = |loss: f64, lead: f64| PointValue {
            point: "p".into(),
            attacks_on_path: 1,
            share_on_paths: 1.0,
            attacks_seen: 1,
            share_seen: 1.0,
            lead_hours: Percentiles {
                p5: lead,
                p50: lead,
                p95: lead,
            },
            mean_loss_eur: loss,
            weighted_share: 1.0,
            value_eur: loss,
            cost_eur_per_year: 1.0,
        };
        assert_eq!(level_of(&v(2e6, 100.0)), Level::High);
        assert_eq!(level_of(&v(2e6, 2.0)), Level::Critical);
        assert_eq!(level_of(&v(2e5, 100.0)), Level::Medium);
        assert_eq!(level_of(&v(10.0, 1000.0)), Level::Informational);
        assert_eq!(level_of(&v(0.0, 1.0)), Level::Low);
    }
}
