//! The planning loop: optimise on the scenarios, check the properties, re-simulate, learn,
//! repeat; then check the plan out of sample.
//!
//! 1. Simulate the baseline (every candidate off) and trace its losses ([`Scenarios`]).
//! 2. Solve the program ([`crate::formulate`]) under the rules ([`crate::rules`]).
//! 3. If must-hold properties are violated with the proposal on, add the verifier's blocking
//!    clauses and go back to 2.
//! 4. Re-simulate the proposal on the same trials: its true in-sample figure. What the
//!    re-simulation shows that the scenarios did not know (other derivations of the same
//!    steps, new losses) is added, and 2 runs again, until the proposal is one already
//!    re-simulated (or nothing new was learnt, or the round limit is reached).
//! 5. The plan is the best configuration re-simulated so far that respects every rule, by
//!    its re-simulated figure: the program proposes, the simulation decides.
//! 6. A local search polishes it: configurations one addition, removal or swap away, most
//!    promising first by the scenarios' estimate, are re-simulated until none improves (or
//!    `polish` re-simulations are spent). This is what catches the effects the
//!    approximation cannot see (slowdowns, detection, cascades, goal-directed attackers).
//! 7. Re-simulate the plan and the baseline on fresh random numbers (another seed): the
//!    out-of-sample figure with its 95 % interval, and the paired reduction.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ensure_model::{Model, Property};
use serde::{Deserialize, Serialize};

use crate::candidates::{BudgetBasis, Candidates};
use crate::formulate::formulate;
use crate::milp::{self, Answer, Solver};
use crate::objective::{estimate, paired_difference, Difference, Estimate, Objective};
use crate::properties::{self, PropertyVerdict};
use crate::rules::{self, Conflict, Rule, Rules};
use crate::scenarios::{self, Outcomes, ScenarioStats, Scenarios};
use crate::PlanError;

/// How to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfig {
    pub objective: Objective,
    /// The most the chosen candidates may cost, on `basis` (infinite: no limit).
    pub budget_eur: f64,
    pub basis: BudgetBasis,
    /// Minimise the figure plus the chosen controls' cost (money objectives only).
    pub with_cost: bool,
    /// Trials of the scenarios (the sample-average approximation).
    pub trials: u64,
    pub seed: u64,
    /// Trials of the out-of-sample check.
    pub check_trials: u64,
    /// Seed of the out-of-sample check; must differ from `seed`.
    pub check_seed: u64,
    /// Controls the plan must include.
    pub require: Vec<String>,
    /// Properties the plan must make hold.
    pub must_hold: Vec<String>,
    /// At most one chosen control protecting each asset.
    pub at_most_one_per_asset: bool,
    /// The most re-simulations per budget.
    pub max_rounds: usize,
    /// The most re-simulations of the local search that polishes the optimiser's plan (0:
    /// none).
    pub polish: usize,
    /// Worker threads (0: every core). Results do not depend on it.
    pub threads: usize,
    pub solver: Solver,
    /// Time limit of each optimisation.
    pub time_limit: Duration,
    /// Time limit of each property check.
    pub verify_timeout: Duration,
}

impl PlanConfig {
    pub fn new(budget_eur: f64) -> PlanConfig {
        PlanConfig {
            objective: Objective::ExpectedLoss,
            budget_eur,
            basis: BudgetBasis::Total,
            with_cost: false,
            trials: 10_000,
            seed: 1,
            check_trials: 10_000,
            check_seed: 2,
            require: Vec::new(),
            must_hold: Vec::new(),
            at_most_one_per_asset: false,
            max_rounds: 10,
            polish: 16,
            threads: 0,
            solver: Solver::default(),
            time_limit: Duration::from_secs(60),
            verify_timeout: Duration::from_secs(60),
        }
    }
}

/// A control the plan buys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenControl {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub cost_eur: f64,
    pub upkeep_eur_per_year: f64,
    /// What it costs on the budget basis.
    pub basis_cost_eur: f64,
    pub required: bool,
}

/// One configuration's figure three ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// What the optimiser's scenarios say (the sample-average approximation).
    pub estimate: f64,
    /// A full re-simulation on the optimisation's trials.
    pub resimulated: f64,
    /// A re-simulation with fresh random numbers.
    pub out_of_sample: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A plan respecting every rule; the search converged.
    Found,
    /// A plan respecting every rule, but the search stopped before converging (see `stop`).
    Stopped,
    /// No plan respects the rules (see `conflicts`).
    Infeasible,
}

/// What the search did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchStats {
    pub solver: String,
    /// Seed of the optimisation's trials.
    pub seed: u64,
    /// Of the last program solved.
    pub variables: usize,
    pub integer_variables: usize,
    pub constraints: usize,
    pub patterns: usize,
    pub solves: usize,
    /// Re-simulations of proposals on the optimisation's trials.
    pub rounds: usize,
    /// Optimisations redone because a property failed.
    pub property_rounds: usize,
    /// Re-simulations spent by the local search after the optimisation, and how many of
    /// them improved the plan.
    pub polish_evaluations: usize,
    pub polish_moves: usize,
    pub converged: bool,
    /// The optimiser's last proposal that met the properties, and its re-simulated figure,
    /// before the local search.
    pub proposal: Vec<String>,
    pub proposal_resimulated: Option<f64>,
    /// Why the search stopped early, if it did.
    pub stop: Option<String>,
    pub sampling_seconds: f64,
    pub solve_seconds: f64,
    pub refine_seconds: f64,
    pub verify_seconds: f64,
    pub check_seconds: f64,
    pub scenarios: ScenarioStats,
}

/// A countermeasure plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub model: String,
    pub objective: Objective,
    /// The objective in words.
    pub figure: String,
    pub budget_eur: f64,
    pub budget_basis: BudgetBasis,
    /// Whether the objective was the figure plus the plan's cost.
    pub with_cost: bool,
    pub status: Status,
    pub conflicts: Vec<Conflict>,
    /// Candidates to put in place, in model order.
    pub controls: Vec<ChosenControl>,
    /// Controls already in place (kept, at no cost).
    pub in_place: Vec<String>,
    pub spent_eur: f64,
    pub baseline: Option<Figures>,
    pub plan: Option<Figures>,
    /// Plan minus baseline out of sample, paired on common random numbers (expected loss
    /// and goal probabilities).
    pub reduction: Option<Difference>,
    /// The must-hold properties, re-verified with the plan on.
    pub properties: Vec<PropertyVerdict>,
    pub search: SearchStats,
    pub notes: Vec<String>,
}

/// One budget of a frontier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub budget_eur: f64,
    pub status: Status,
    pub controls: Vec<String>,
    pub spent_eur: f64,
    pub figures: Option<Figures>,
    pub reduction: Option<Difference>,
}

/// Cost against residual risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub model: String,
    pub objective: Objective,
    pub figure: String,
    pub budget_basis: BudgetBasis,
    pub baseline: Figures,
    /// Non-dominated points by spend, cheapest first.
    pub points: Vec<FrontierPoint>,
    /// Budgets whose plan was dominated by (or the same as) a cheaper one.
    pub dropped: Vec<f64>,
    pub search: SearchStats,
}

/// What solving at one budget gave.
struct Point {
    chosen: Option<Vec<bool>>,
    status: Status,
    conflicts: Vec<Conflict>,
}

const MAX_PROPERTY_ROUNDS: usize = 200;

/// In the local search, each removal is paired with this many of the best additions.
const MAX_SWAP_INS: usize = 8;

struct Search<'m> {
    model: &'m Model,
    cfg: PlanConfig,
    cand: Candidates,
    props: Vec<&'m Property>,
    rules: Rules,
    /// Required controls that can never be on (a control of their group is in place).
    held_off: Vec<Conflict>,
    scenarios: Scenarios,
    scale: f64,
    /// Configurations re-simulated on the optimisation's trials, with their figure.
    evaluated: Vec<(Vec<bool>, f64)>,
    verified: HashMap<Vec<bool>, (bool, Vec<PropertyVerdict>)>,
    /// Out-of-sample outcomes by configuration (the baseline's among them).
    checks: HashMap<Vec<bool>, Outcomes>,
    stats: SearchStats,
}

impl<'m> Search<'m> {
    fn new(model: &'m Model, cfg: &PlanConfig) -> Result<Search<'m>, PlanError> {
        if cfg.budget_eur.is_nan() || cfg.budget_eur < 0.0 {
            return Err(PlanError::BadBudget(cfg.budget_eur));
        }
        if cfg.trials == 0 || cfg.check_trials == 0 {
            return Err(PlanError::NoTrials);
        }
        if cfg.check_seed == cfg.seed {
            return Err(PlanError::SameSeed(cfg.seed));
        }
        cfg.objective.check(model).map_err(PlanError::Objective)?;
        if cfg.with_cost && !cfg.objective.is_money() {
            return Err(PlanError::CostWithProbability);
        }
        if !Solver::available().contains(&cfg.solver) {
            return Err(PlanError::NoSolver(cfg.solver.as_str().into()));
        }
        let cand = Candidates::of(model);
        let mut required = Vec::new();
        let mut held_off = Vec::new();
        for id in &cfg.require {
            let Some(ci) = model.controls.iter().position(|c| &c.id == id) else {
                return Err(PlanError::UnknownControl {
                    id: id.clone(),
                    known: model
                        .controls
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let cid = ensure_model::ControlId(ci as u32);
            if let Some(i) = cand.index_of(cid) {
                if !required.contains(&i) {
                    required.push(i);
                }
            } else if let Some((_, by)) = cand.held_off.iter().find(|(c, _)| *c == cid) {
                let by = &model.controls[by.idx()];
                held_off.push(Conflict {
                    rules: vec![Rule::Required {
                        control: id.clone(),
                    }],
                    explanation: format!(
                        "{id} is mandatory, but {} of its group `{}` is already in place, so {id} stays off",
                        by.id,
                        by.group.clone().unwrap_or_default()
                    ),
                });
            }
        }
        let mut props = Vec::new();
        for id in &cfg.must_hold {
            match model.properties.iter().find(|p| &p.id == id) {
                Some(p) => {
                    if let Some((text, _)) = &p.assert {
                        if let Err(e) = ensure_model::logic::compile(text, model) {
                            return Err(PlanError::Verifier(format!(
                                "property `{id}`: the formula does not compile: {}",
                                e.iter()
                                    .map(|x| x.message.clone())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )));
                        }
                    }
                    props.push(p)
                }
                None => {
                    return Err(PlanError::UnknownProperty {
                        id: id.clone(),
                        known: model
                            .properties
                            .iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                }
            }
        }
        let rules = Rules::new(
            model,
            &cand,
            cfg.basis,
            cfg.budget_eur,
            required,
            cfg.at_most_one_per_asset,
            props.iter().map(|p| p.id.clone()).collect(),
        );
        let started = Instant::now();
        let (scenarios, base) = Scenarios::sample(
            model,
            &cand,
            &cfg.objective,
            cfg.seed,
            cfg.trials,
            cfg.threads,
        )?;
        let base_figure = base.figure(&cfg.objective);
        let scale = if cfg.objective.is_money() {
            base_figure.abs().max(1.0)
        } else {
            1.0
        };
        let stats = SearchStats {
            solver: cfg.solver.as_str().into(),
            seed: cfg.seed,
            sampling_seconds: started.elapsed().as_secs_f64(),
            ..Default::default()
        };
        Ok(Search {
            model,
            cfg: cfg.clone(),
            evaluated: vec![(vec![false; cand.len()], base_figure)],
            cand,
            props,
            rules,
            held_off,
            scenarios,
            scale,
            verified: HashMap::new(),
            checks: HashMap::new(),
            stats,
        })
    }

    fn verify(&mut self, chosen: &[bool]) -> (bool, Option<String>) {
        if self.props.is_empty() {
            return (true, None);
        }
        if let Some((holds, _)) = self.verified.get(chosen) {
            return (*holds, None);
        }
        let started = Instant::now();
        let options = ensure_verifier::Options {
            timeout: self.cfg.verify_timeout,
            ..Default::default()
        };
        let checked = properties::check(self.model, &self.cand, &self.props, chosen, &options);
        self.stats.verify_seconds += started.elapsed().as_secs_f64();
        for (i, clauses) in &checked.learnt {
            self.rules.properties[*i].1.extend(clauses.iter().cloned());
        }
        let holds = checked.all_hold();
        self.verified
            .insert(chosen.to_vec(), (holds, checked.verdicts.clone()));
        (holds, checked.unknown)
    }

    /// The objective as the selection compares plans: the figure, plus the cost when the
    /// objective includes it.
    fn score(&self, chosen: &[bool], figure: f64) -> f64 {
        if self.cfg.with_cost {
            figure + self.rules.cost(chosen)
        } else {
            figure
        }
    }

    fn solve_at(&mut self, budget: f64) -> Point {
        self.rules.budget = budget;
        if !self.held_off.is_empty() {
            return Point {
                chosen: None,
                status: Status::Infeasible,
                conflicts: self.held_off.clone(),
            };
        }
        let mut rounds = 0;
        let mut proposal: Option<Vec<bool>> = None;
        let mut property_rounds = 0;
        let mut stop: Option<String> = None;
        let mut converged = false;
        let cost_weight = if self.cfg.with_cost { 1.0 } else { 0.0 };
        loop {
            let f = formulate(&self.scenarios, &self.rules.costs, cost_weight, self.scale);
            let mut program = f.program;
            self.rules.add(&mut program, &f.x, &self.rules.all());
            self.stats.variables = program.vars.len();
            self.stats.integer_variables = program.n_integer();
            self.stats.constraints = program.rows.len();
            self.stats.patterns = f.n_patterns;
            let (answer, took) = milp::solve(&program, self.cfg.solver, self.cfg.time_limit);
            self.stats.solves += 1;
            self.stats.solve_seconds += took.as_secs_f64();
            let (x, timed_out) = match answer {
                Answer::Optimal(x) => (x, false),
                Answer::Stopped(x) => (x, true),
                Answer::Infeasible => {
                    let set = rules::conflict(
                        &self.rules,
                        self.cand.len(),
                        self.cfg.solver,
                        self.cfg.time_limit,
                    )
                    .unwrap_or_else(|| self.rules.all());
                    let c = rules::explain(
                        self.model,
                        &self.cand,
                        &self.rules,
                        &set,
                        self.cfg.solver,
                        self.cfg.time_limit,
                    );
                    return Point {
                        chosen: None,
                        status: Status::Infeasible,
                        conflicts: vec![c],
                    };
                }
                Answer::Failed(reason) => {
                    stop = Some(format!("the solver failed: {reason}"));
                    break;
                }
            };
            let chosen: Vec<bool> = f.x.iter().map(|v| x[*v as usize] > 0.5).collect();
            let (holds, unknown) = self.verify(&chosen);
            if holds && unknown.is_none() {
                self.stats.proposal = self.cand.chosen_ids(self.model, &chosen);
                proposal = Some(chosen.clone());
            }
            if let Some(u) = unknown {
                stop = Some(format!("the verifier could not decide {u}"));
                break;
            }
            if !holds {
                property_rounds += 1;
                self.stats.property_rounds += 1;
                if property_rounds >= MAX_PROPERTY_ROUNDS {
                    stop = Some(format!(
                        "the properties still fail after {MAX_PROPERTY_ROUNDS} rounds of learning"
                    ));
                    break;
                }
                continue;
            }
            if self.evaluated.iter().any(|(e, _)| *e == chosen) {
                converged = !timed_out;
                if timed_out {
                    stop = Some("the optimiser's time limit".into());
                }
                break;
            }
            if rounds >= self.cfg.max_rounds {
                stop = Some(format!(
                    "{} re-simulations (--max-rounds) without the plan settling",
                    self.cfg.max_rounds
                ));
                break;
            }
            let started = Instant::now();
            let refined = self
                .scenarios
                .refine(self.model, &self.cand, &chosen, self.cfg.threads);
            self.stats.refine_seconds += started.elapsed().as_secs_f64();
            let (out, added) = match refined {
                Ok(r) => r,
                Err(e) => {
                    stop = Some(e.to_string());
                    break;
                }
            };
            rounds += 1;
            self.stats.rounds += 1;
            self.evaluated
                .push((chosen, out.figure(&self.cfg.objective)));
            if timed_out {
                stop = Some("the optimiser's time limit".into());
                break;
            }
            if added == 0 {
                // The scenarios already knew everything this plan's trials show: solving again
                // would propose it again.
                converged = true;
                break;
            }
        }
        self.stats.converged = converged;
        self.stats.stop = stop.clone();
        self.stats.proposal_resimulated = proposal
            .as_ref()
            .map(|p| self.figure_of(p))
            .filter(|f| f.is_finite());
        self.stats.scenarios = self.scenarios.stats();
        let mut best = self.best();
        if let Some(b) = best.clone() {
            if self.cfg.polish > 0 {
                best = Some(self.polish(b));
                self.stats.scenarios = self.scenarios.stats();
            }
        }
        match best {
            Some(chosen) => Point {
                chosen: Some(chosen),
                status: if stop.is_some() {
                    Status::Stopped
                } else {
                    Status::Found
                },
                conflicts: Vec::new(),
            },
            None => Point {
                chosen: None,
                status: Status::Stopped,
                conflicts: Vec::new(),
            },
        }
    }

    /// Whether a configuration may be a plan: it respects the rules and, when properties
    /// must hold, the verifier said they do.
    fn admissible(&self, chosen: &[bool]) -> bool {
        self.rules.admits(chosen)
            && (self.props.is_empty() || self.verified.get(chosen).is_some_and(|v| v.0))
    }

    /// Whether `a` is a better plan than `b`: a lower score, or the same score for less.
    fn better(&self, a: (&[bool], f64), b: (&[bool], f64)) -> bool {
        let (sa, sb) = (self.score(a.0, a.1), self.score(b.0, b.1));
        let tol = 1e-12 * sa.abs().max(sb.abs());
        sa < sb - tol || (sa <= sb + tol && self.rules.cost(a.0) < self.rules.cost(b.0) - 0.005)
    }

    /// The best configuration re-simulated so far that may be a plan.
    fn best(&self) -> Option<Vec<bool>> {
        let mut best: Option<(&[bool], f64)> = None;
        for (chosen, figure) in &self.evaluated {
            if !self.admissible(chosen) {
                continue;
            }
            if best.is_none_or(|b| self.better((chosen, *figure), b)) {
                best = Some((chosen, *figure));
            }
        }
        best.map(|b| b.0.to_vec())
    }

    fn figure_of(&self, chosen: &[bool]) -> f64 {
        self.evaluated
            .iter()
            .find(|(e, _)| e == chosen)
            .map_or(f64::INFINITY, |e| e.1)
    }

    /// Local search by simulation around `start`: configurations one addition, removal or
    /// swap away, most promising first by the scenarios' estimate, each re-simulated on the
    /// optimisation's trials (which also teaches the scenarios); moves to the first that is
    /// better, until none of the neighbours tried is or `cfg.polish` re-simulations are
    /// spent. It catches what the approximation cannot see: slowdowns, detection, cascades.
    fn polish(&mut self, start: Vec<bool>) -> Vec<bool> {
        let n = self.cand.len();
        let mut best = start;
        let mut spent = 0;
        'moves: while spent < self.cfg.polish {
            let on: Vec<usize> = (0..n).filter(|i| best[*i]).collect();
            let off: Vec<usize> = (0..n).filter(|i| !best[*i]).collect();
            let mut moves: Vec<Vec<bool>> = Vec::new();
            let mut push = |m: Vec<bool>, rules: &Rules| {
                if rules.admits(&m) {
                    moves.push(m);
                }
            };
            for &i in off.iter().chain(&on) {
                let mut m = best.clone();
                m[i] = !m[i];
                push(m, &self.rules);
            }
            // Swaps: every removal with the additions that rank best on their own. The
            // additions' scores are kept for the ranking below (an estimate is a pass over
            // every trial).
            let mut scored: std::collections::HashMap<Vec<bool>, f64> = Default::default();
            let mut adds: Vec<(f64, usize)> = off
                .iter()
                .map(|&i| {
                    let mut m = best.clone();
                    m[i] = true;
                    let score = self.score(&m, self.scenarios.estimate(&m));
                    scored.insert(m, score);
                    (score, i)
                })
                .collect();
            adds.sort_by(|a, b| a.0.total_cmp(&b.0));
            for &j in &on {
                for &(_, i) in adds.iter().take(MAX_SWAP_INS) {
                    let mut m = best.clone();
                    m[j] = false;
                    m[i] = true;
                    push(m, &self.rules);
                }
            }
            let mut ranked: Vec<(f64, Vec<bool>)> = moves
                .into_iter()
                .filter(|m| !self.evaluated.iter().any(|(e, _)| e == m))
                .map(|m| {
                    let score = scored
                        .get(&m)
                        .copied()
                        .unwrap_or_else(|| self.score(&m, self.scenarios.estimate(&m)));
                    (score, m)
                })
                .collect();
            ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            for (_, m) in ranked {
                if spent >= self.cfg.polish {
                    break 'moves;
                }
                if !self.props.is_empty() {
                    let (holds, unknown) = self.verify(&m);
                    if !holds || unknown.is_some() {
                        continue;
                    }
                }
                let started = Instant::now();
                let refined = self
                    .scenarios
                    .refine(self.model, &self.cand, &m, self.cfg.threads);
                self.stats.refine_seconds += started.elapsed().as_secs_f64();
                let Ok((out, _)) = refined else {
                    break 'moves;
                };
                spent += 1;
                self.stats.polish_evaluations += 1;
                let figure = out.figure(&self.cfg.objective);
                self.evaluated.push((m.clone(), figure));
                if self.better((&m, figure), (&best, self.figure_of(&best))) {
                    best = m;
                    self.stats.polish_moves += 1;
                    continue 'moves;
                }
            }
            break;
        }
        best
    }

    /// The out-of-sample check of `chosen` (simulated once, then remembered) and its paired
    /// change against the baseline on the same fresh trials.
    fn check(&mut self, chosen: &[bool]) -> Result<(Estimate, Option<Difference>), PlanError> {
        let started = Instant::now();
        let obj = self.cfg.objective.clone();
        let none = vec![false; self.cand.len()];
        for x in [&none[..], chosen] {
            if !self.checks.contains_key(x) {
                let config = self.cand.configuration(self.model, x);
                let o = scenarios::outcomes(
                    self.model,
                    &config,
                    &obj,
                    self.cfg.check_seed,
                    self.cfg.check_trials,
                    self.cfg.threads,
                )?;
                self.checks.insert(x.to_vec(), o);
            }
        }
        self.stats.check_seconds += started.elapsed().as_secs_f64();
        let (o, b) = (&self.checks[chosen], &self.checks[&none]);
        let e = estimate(&obj, &o.losses, &o.reached, self.cfg.check_seed);
        let d = paired_difference(&obj, (&b.losses, &b.reached), (&o.losses, &o.reached));
        Ok((e, d))
    }

    fn baseline_figures(&mut self) -> Result<Figures, PlanError> {
        let none = vec![false; self.cand.len()];
        let (out, _) = self.check(&none)?;
        Ok(Figures {
            estimate: self.scenarios.estimate(&none),
            resimulated: self.evaluated[0].1,
            out_of_sample: out,
        })
    }

    fn figures(&mut self, chosen: &[bool]) -> Result<(Figures, Option<Difference>), PlanError> {
        let (out, diff) = self.check(chosen)?;
        let resimulated = self.figure_of(chosen);
        assert!(
            resimulated.is_finite(),
            "plans are chosen among re-simulated configurations"
        );
        Ok((
            Figures {
                estimate: self.scenarios.estimate(chosen),
                resimulated,
                out_of_sample: out,
            },
            diff,
        ))
    }

    fn chosen_controls(&self, chosen: &[bool]) -> Vec<ChosenControl> {
        (0..self.cand.len())
            .filter(|i| chosen[*i])
            .map(|i| {
                let c = self.cand.control(self.model, i);
                ChosenControl {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    kind: c.kind.clone(),
                    cost_eur: c.cost_eur,
                    upkeep_eur_per_year: c.upkeep_eur_per_year,
                    basis_cost_eur: self.rules.costs[i],
                    required: self.rules.required.contains(&i),
                }
            })
            .collect()
    }

    fn notes(&self, plan: &Figures, chosen: &[bool]) -> Vec<String> {
        let mut notes = Vec::new();
        let obj = &self.cfg.objective;
        let fmt = |x: f64| crate::render::figure(obj, x);
        let gap = plan.resimulated - plan.estimate;
        let tol = 0.02 * plan.resimulated.abs().max(plan.estimate.abs()) + 1e-12;
        if gap.abs() > tol {
            notes.push(format!(
                "the scenarios put the plan at {} but re-simulating it on the same trials gives {}: {}",
                fmt(plan.estimate),
                fmt(plan.resimulated),
                if gap > 0.0 {
                    "the plan changes more than which attack paths are cut (detection, timing, cascades)"
                } else {
                    "slowdowns and cascades the scenarios do not credit also help"
                }
            ));
        }
        let o = &plan.out_of_sample;
        if plan.resimulated < o.ci95[0] || plan.resimulated > o.ci95[1] {
            notes.push(format!(
                "the in-sample figure {} lies outside the out-of-sample interval [{}, {}]: more trials (--trials) would make the choice less dependent on the sample",
                fmt(plan.resimulated),
                fmt(o.ci95[0]),
                fmt(o.ci95[1])
            ));
        }
        let share = self.stats.scenarios.uncuttable_share;
        if share > 0.5 {
            notes.push(format!(
                "{:.0} % of the baseline's losses come from steps no candidate affects",
                share * 100.0
            ));
        }
        if chosen.iter().all(|c| !c) {
            notes.push("no candidate within the rules lowers the figure".into());
        }
        let mine = self.cand.chosen_ids(self.model, chosen);
        if let Some(r) = self.stats.proposal_resimulated {
            if self.stats.proposal != mine {
                notes.push(format!(
                    "the optimiser proposed {} (re-simulated: {}); judged by simulation, the local search found the plan better",
                    if self.stats.proposal.is_empty() {
                        "nothing".to_string()
                    } else {
                        self.stats.proposal.join(", ")
                    },
                    fmt(r)
                ));
            }
        }
        notes
    }

    fn in_place(&self) -> Vec<String> {
        self.model
            .controls
            .iter()
            .filter(|c| c.enabled)
            .map(|c| c.id.clone())
            .collect()
    }
}

/// Chooses the candidate controls that make the objective smallest within the budget and the
/// rules, and checks the choice out of sample.
pub fn plan(model: &Model, cfg: &PlanConfig) -> Result<Plan, PlanError> {
    let mut s = Search::new(model, cfg)?;
    let point = s.solve_at(cfg.budget_eur);
    let baseline = s.baseline_figures()?;
    let mut out = Plan {
        model: model.name.clone(),
        objective: cfg.objective.clone(),
        figure: cfg.objective.describe(),
        budget_eur: cfg.budget_eur,
        budget_basis: cfg.basis,
        with_cost: cfg.with_cost,
        status: point.status,
        conflicts: point.conflicts,
        controls: Vec::new(),
        in_place: s.in_place(),
        spent_eur: 0.0,
        baseline: Some(baseline),
        plan: None,
        reduction: None,
        properties: Vec::new(),
        search: SearchStats::default(),
        notes: Vec::new(),
    };
    if let Some(chosen) = point.chosen {
        let (figures, diff) = s.figures(&chosen)?;
        out.controls = s.chosen_controls(&chosen);
        out.spent_eur = s.rules.cost(&chosen);
        out.notes = s.notes(&figures, &chosen);
        out.plan = Some(figures);
        out.reduction = diff;
        out.properties = s
            .verified
            .get(&chosen)
            .map(|v| v.1.clone())
            .unwrap_or_default();
    } else if out.status == Status::Stopped {
        out.notes.push(format!(
            "the search stopped before finding a plan that respects every rule: {}",
            s.stats.stop.clone().unwrap_or_default()
        ));
    }
    out.search = s.stats.clone();
    Ok(out)
}

/// At most this many automatic budgets.
const MAX_AUTO_POINTS: usize = 12;

/// Budgets at which the optimum can change: the mandatory controls' cost, then that plus
/// the cheapest others one by one (the sorted cumulative costs), up to `cap`.
pub fn auto_budgets(model: &Model, basis: BudgetBasis, require: &[String], cap: f64) -> Vec<f64> {
    let cand = Candidates::of(model);
    let costs = cand.costs(model, basis);
    let mut base = 0.0;
    let mut rest: Vec<f64> = Vec::new();
    for (i, c) in costs.iter().enumerate() {
        if require.contains(&cand.control(model, i).id) {
            base += c;
        } else {
            rest.push(*c);
        }
    }
    rest.sort_by(f64::total_cmp);
    let mut all = vec![base];
    let mut acc = base;
    for c in rest {
        acc += c;
        all.push(acc);
    }
    all.retain(|b| *b <= cap + 0.01);
    all.dedup_by(|a, b| (*a - *b).abs() < 0.005);
    if cap.is_finite() && all.last().is_none_or(|l| *l < cap - 0.005) {
        all.push(cap);
    }
    if all.len() > MAX_AUTO_POINTS {
        let n = all.len();
        all = (0..MAX_AUTO_POINTS)
            .map(|k| all[k * (n - 1) / (MAX_AUTO_POINTS - 1)])
            .collect();
        all.dedup();
    }
    all
}

/// Plans at each budget (`cfg.budget_eur` is ignored) and keeps the non-dominated points:
/// cost against residual risk.
pub fn frontier(model: &Model, cfg: &PlanConfig, budgets: &[f64]) -> Result<Frontier, PlanError> {
    if let Some(b) = budgets.iter().find(|b| b.is_nan() || **b < 0.0) {
        return Err(PlanError::BadBudget(*b));
    }
    let mut budgets = budgets.to_vec();
    budgets.sort_by(f64::total_cmp);
    budgets.dedup();
    let mut s = Search::new(model, cfg)?;
    // (budget, status, plan) per budget, then the non-dominated plans.
    let mut solved: Vec<(f64, Status, Option<Vec<bool>>)> = Vec::new();
    for b in budgets {
        let point = s.solve_at(b);
        solved.push((b, point.status, point.chosen));
    }
    let score = |s: &Search<'_>, chosen: &[bool]| -> f64 { s.score(chosen, s.figure_of(chosen)) };
    let mut points: Vec<FrontierPoint> = Vec::new();
    let mut dropped = Vec::new();
    for (i, (b, status, chosen)) in solved.iter().enumerate() {
        let Some(chosen) = chosen else {
            points.push(FrontierPoint {
                budget_eur: *b,
                status: status.clone(),
                controls: Vec::new(),
                spent_eur: 0.0,
                figures: None,
                reduction: None,
            });
            continue;
        };
        let (spent, mine) = (s.rules.cost(chosen), score(&s, chosen));
        // Dominated: another plan costs no more and does no worse, and is strictly better
        // in one of the two (or is the same plan, found at a smaller budget).
        let dominated = solved.iter().enumerate().any(|(j, (_, _, other))| {
            let Some(o) = other else { return false };
            if o == chosen {
                return j < i;
            }
            let (os, oscore) = (s.rules.cost(o), score(&s, o));
            os <= spent + 0.01
                && oscore <= mine + 1e-12 * mine.abs()
                && (os < spent - 0.01 || oscore < mine - 1e-12 * mine.abs())
        });
        if dominated {
            dropped.push(*b);
            continue;
        }
        let (figures, reduction) = s.figures(chosen)?;
        points.push(FrontierPoint {
            budget_eur: *b,
            status: status.clone(),
            controls: s.cand.chosen_ids(model, chosen),
            spent_eur: spent,
            figures: Some(figures),
            reduction,
        });
    }
    let baseline = s.baseline_figures()?;
    Ok(Frontier {
        model: model.name.clone(),
        objective: cfg.objective.clone(),
        figure: cfg.objective.describe(),
        budget_basis: cfg.basis,
        baseline,
        points,
        dropped,
        search: s.stats.clone(),
    })
}

/// One optimisation of the scenarios, without properties or re-simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The candidates chosen (`None`: no set respects the rules, or the solver failed).
    pub chosen: Option<Vec<bool>>,
    /// `optimal`, `stopped` (time limit), `infeasible`, or the solver's failure.
    pub status: String,
    pub variables: usize,
    pub integer_variables: usize,
    pub constraints: usize,
    pub patterns: usize,
    /// Building the program and solving it.
    pub seconds: f64,
}

impl Scenarios {
    /// Solves the approximation once under the rules of `cfg` (budget, basis, mandatory
    /// controls, groups, at most one per asset; not properties): what the planning loop does
    /// in each round, exposed for tests against enumeration and for benchmarks.
    pub fn optimise(&self, model: &Model, cfg: &PlanConfig) -> Result<Optimum, PlanError> {
        let started = Instant::now();
        let cand = Candidates::of(model);
        let mut required = Vec::new();
        for id in &cfg.require {
            let i = model
                .controls
                .iter()
                .position(|c| &c.id == id)
                .and_then(|i| cand.index_of(ensure_model::ControlId(i as u32)))
                .ok_or_else(|| PlanError::UnknownControl {
                    id: id.clone(),
                    known: String::new(),
                })?;
            required.push(i);
        }
        let rules = Rules::new(
            model,
            &cand,
            cfg.basis,
            cfg.budget_eur,
            required,
            cfg.at_most_one_per_asset,
            Vec::new(),
        );
        let scale = if self.objective.is_money() {
            self.estimate(&vec![false; cand.len()]).abs().max(1.0)
        } else {
            1.0
        };
        let f = formulate(
            self,
            &rules.costs,
            if cfg.with_cost { 1.0 } else { 0.0 },
            scale,
        );
        let mut program = f.program;
        rules.add(&mut program, &f.x, &rules.all());
        let (answer, _) = milp::solve(&program, cfg.solver, cfg.time_limit);
        let read = |x: &[f64]| Some(f.x.iter().map(|v| x[*v as usize] > 0.5).collect());
        let (chosen, status) = match &answer {
            Answer::Optimal(x) => (read(x), "optimal".to_string()),
            Answer::Stopped(x) => (read(x), "stopped".to_string()),
            Answer::Infeasible => (None, "infeasible".to_string()),
            Answer::Failed(r) => (None, r.clone()),
        };
        Ok(Optimum {
            chosen,
            status,
            variables: program.vars.len(),
            integer_variables: program.n_integer(),
            constraints: program.rows.len(),
            patterns: f.n_patterns,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Whether a set of candidates (by candidate number) respects the rules of `cfg` other than
/// properties: budget, mandatory controls, groups, at most one per asset.
pub fn admits(model: &Model, cfg: &PlanConfig, chosen: &[bool]) -> bool {
    let cand = Candidates::of(model);
    let required: Vec<usize> = cfg
        .require
        .iter()
        .filter_map(|id| {
            model
                .controls
                .iter()
                .position(|c| &c.id == id)
                .and_then(|i| cand.index_of(ensure_model::ControlId(i as u32)))
        })
        .collect();
    Rules::new(
        model,
        &cand,
        cfg.basis,
        cfg.budget_eur,
        required,
        cfg.at_most_one_per_asset,
        Vec::new(),
    )
    .admits(chosen)
}
