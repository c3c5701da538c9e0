//! Choosing where to watch: a weighted partial set cover, solved exactly with CBC.
//!
//! Candidates are monitoring points with a yearly cost; each element is a class of simulated
//! attacks that see the same set of points before their goal, weighted by how many attacks it
//! holds. With `y_p` binary (watch `p`) and `c_a` in `[0, 1]` (class `a` detected):
//!
//! ```text
//! minimise   sum_p (round(cost_p) + 1) y_p - tie-breaks
//! subject to c_a <= sum_{p seen by a} y_p            for every class a
//!            sum_a w_a c_a >= k                        (k = ceil(target * attacks))
//!            sum_p cost_p y_p <= budget                (when there is one)
//! ```
//!
//! `c_a` need not be integer: with binary `y`, `c_a <= min(1, sum y)` is 0 or 1 at any
//! optimum's rounding. When no choice within the budget reaches `k`, the cover first
//! maximises `sum w_a c_a` under the budget and then finds the cheapest choice reaching that.
//! The tie-breaks (more coverage, then more detection value, each scaled to add less than
//! half a euro in all) pick one of several cheapest choices deterministically.

use good_lp::solvers::coin_cbc::coin_cbc;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
    SolverModel, Variable,
};

/// A cover instance.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverProblem {
    /// Yearly cost of each candidate, euros (non-negative).
    pub costs: Vec<f64>,
    /// Tie-break value of each candidate (non-negative; higher is preferred).
    pub values: Vec<f64>,
    /// Classes of attacks: the candidates each sees, and how many attacks it holds.
    pub classes: Vec<(Vec<u32>, u64)>,
    /// All attacks, those that see no candidate included.
    pub n_attacks: u64,
    /// Share of attacks to detect, in `[0, 1]`.
    pub target_share: f64,
    pub budget_eur: Option<f64>,
    /// CBC's time limit, seconds.
    pub time_limit_secs: u32,
}

/// How a cover was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverStatus {
    /// Proved optimal.
    Optimal,
    /// The solver hit its time limit: the best choice found, not proved optimal.
    TimeLimit,
}

/// A chosen set of points.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverSolution {
    /// Chosen candidates, ascending.
    pub chosen: Vec<u32>,
    /// Attacks detected by the choice.
    pub covered: u64,
    /// What the target asked for: `ceil(target_share * n_attacks)`.
    pub required: u64,
    pub cost_eur: f64,
    pub status: CoverStatus,
}

impl CoverSolution {
    pub fn target_met(&self) -> bool {
        self.covered >= self.required
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoverError {
    #[error("the target share must lie in [0, 1], not {0}")]
    BadTarget(f64),
    #[error("the budget must be a non-negative number of euros, not {0}")]
    BadBudget(f64),
    #[error("the solver failed: {0}")]
    Solver(String),
}

impl CoverProblem {
    fn check(&self) -> Result<(), CoverError> {
        if !(0.0..=1.0).contains(&self.target_share) {
            return Err(CoverError::BadTarget(self.target_share));
        }
        if let Some(b) = self.budget_eur {
            if !(b >= 0.0 && b.is_finite()) {
                return Err(CoverError::BadBudget(b));
            }
        }
        Ok(())
    }

    /// `ceil(target * attacks)`, robust to the rounding of shares like 0.7 * 10.
    pub fn required(&self) -> u64 {
        let k = self.target_share * self.n_attacks as f64;
        let r = k.round();
        if (k - r).abs() < 1e-9 {
            r as u64
        } else {
            k.ceil() as u64
        }
    }

    /// Attacks detected by `chosen` (sorted ascending).
    pub fn covered_by(&self, chosen: &[u32]) -> u64 {
        self.classes
            .iter()
            .filter(|(set, _)| set.iter().any(|p| chosen.binary_search(p).is_ok()))
            .map(|(_, w)| *w)
            .sum()
    }

    pub fn cost_of(&self, chosen: &[u32]) -> f64 {
        // A fold from +0: an empty sum of f64 is -0, which would print as "-0".
        chosen
            .iter()
            .fold(0.0, |acc, &p| acc + self.costs[p as usize])
    }

    fn within_budget(&self, cost: f64) -> bool {
        self.budget_eur.is_none_or(|b| cost <= b + 1e-6)
    }

    /// The integer cost the optimisation minimises.
    fn unit_cost(&self, p: usize) -> f64 {
        self.costs[p].round() + 1.0
    }
}

/// The cheapest choice reaching the target (or, when the budget cannot, the most coverage the
/// budget buys), with CBC.
pub fn solve(problem: &CoverProblem) -> Result<CoverSolution, CoverError> {
    problem.check()?;
    let required = problem.required();
    let mut status = CoverStatus::Optimal;
    let chosen = match min_cost(problem, required, &mut status)? {
        Some(c) => c,
        None => {
            let best = max_coverage(problem, &mut status)?;
            min_cost(problem, best, &mut status)?.unwrap_or_default()
        }
    };
    Ok(CoverSolution {
        covered: problem.covered_by(&chosen),
        required,
        cost_eur: problem.cost_of(&chosen),
        chosen,
        status,
    })
}

struct Vars {
    y: Vec<Variable>,
    c: Vec<Variable>,
}

fn variables(problem: &CoverProblem) -> (ProblemVariables, Vars) {
    let mut vars = ProblemVariables::new();
    let y = (0..problem.costs.len())
        .map(|_| vars.add(variable().binary()))
        .collect();
    let c = (0..problem.classes.len())
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    (vars, Vars { y, c })
}

fn cbc_quiet(
    mut m: good_lp::solvers::coin_cbc::CoinCbcProblem,
    secs: u32,
) -> good_lp::solvers::coin_cbc::CoinCbcProblem {
    m.set_parameter("logLevel", "0");
    m.set_parameter("slogLevel", "0");
    m.set_parameter("ratioGap", "0");
    m.set_parameter("allowableGap", "0.0001");
    m.set_parameter("sec", &secs.max(1).to_string());
    m.set_parameter("threads", "1");
    m
}

fn coverage_expr(problem: &CoverProblem, v: &Vars) -> Expression {
    problem
        .classes
        .iter()
        .zip(&v.c)
        .map(|((_, w), c)| *w as f64 * *c)
        .sum()
}

fn add_structure(
    problem: &CoverProblem,
    v: &Vars,
    mut m: good_lp::solvers::coin_cbc::CoinCbcProblem,
) -> good_lp::solvers::coin_cbc::CoinCbcProblem {
    for ((set, _), c) in problem.classes.iter().zip(&v.c) {
        let seen: Expression = set.iter().map(|&p| v.y[p as usize]).sum();
        m.add_constraint(constraint!(*c <= seen));
    }
    if let Some(b) = problem.budget_eur {
        let cost: Expression =
            v.y.iter()
                .enumerate()
                .map(|(p, y)| problem.costs[p] * *y)
                .sum();
        m.add_constraint(constraint!(cost <= b + 1e-6));
    }
    m
}

fn chosen_of(v: &Vars, s: &impl Solution) -> Vec<u32> {
    v.y.iter()
        .enumerate()
        .filter(|(_, y)| s.value(**y) > 0.5)
        .map(|(i, _)| i as u32)
        .collect()
}

fn note(status: &mut CoverStatus, s: SolutionStatus) {
    if matches!(s, SolutionStatus::TimeLimit) {
        *status = CoverStatus::TimeLimit;
    }
}

/// The cheapest choice detecting at least `required` attacks within the budget; `None` when
/// there is none.
fn min_cost(
    problem: &CoverProblem,
    required: u64,
    status: &mut CoverStatus,
) -> Result<Option<Vec<u32>>, CoverError> {
    if required == 0 {
        return Ok(Some(Vec::new()));
    }
    let (vars, v) = variables(problem);
    let total_w: f64 = problem.classes.iter().map(|(_, w)| *w as f64).sum::<f64>() + 1.0;
    let total_v: f64 = problem.values.iter().sum::<f64>() + 1.0;
    let mut objective: Expression =
        v.y.iter()
            .enumerate()
            .map(|(p, y)| (problem.unit_cost(p) - 0.2 * problem.values[p] / total_v) * *y)
            .sum();
    objective -= (0.2 / total_w) * coverage_expr(problem, &v);
    let m = cbc_quiet(
        vars.minimise(objective).using(coin_cbc),
        problem.time_limit_secs,
    );
    let mut m = add_structure(problem, &v, m);
    let cov = coverage_expr(problem, &v);
    m.add_constraint(constraint!(cov >= required as f64));
    match m.solve() {
        Ok(s) => {
            note(status, s.status());
            let chosen = chosen_of(&v, &s);
            // A time-limited run may stop before any feasible choice.
            if problem.covered_by(&chosen) >= required {
                Ok(Some(chosen))
            } else if matches!(s.status(), SolutionStatus::TimeLimit) {
                Ok(None)
            } else {
                Err(CoverError::Solver(format!(
                    "CBC returned a choice detecting {} attacks, {} required",
                    problem.covered_by(&chosen),
                    required
                )))
            }
        }
        Err(ResolutionError::Infeasible) => Ok(None),
        Err(e) => Err(CoverError::Solver(e.to_string())),
    }
}

/// The most attacks any choice within the budget detects.
fn max_coverage(problem: &CoverProblem, status: &mut CoverStatus) -> Result<u64, CoverError> {
    let (vars, v) = variables(problem);
    let objective = coverage_expr(problem, &v);
    let m = cbc_quiet(
        vars.maximise(objective).using(coin_cbc),
        problem.time_limit_secs,
    );
    let m = add_structure(problem, &v, m);
    match m.solve() {
        Ok(s) => {
            note(status, s.status());
            Ok(problem.covered_by(&chosen_of(&v, &s)))
        }
        Err(e) => Err(CoverError::Solver(e.to_string())),
    }
}

/// The same optimum by enumeration, for tests on small instances (at most 20 candidates).
pub fn brute_force(problem: &CoverProblem) -> Result<CoverSolution, CoverError> {
    problem.check()?;
    let n = problem.costs.len();
    assert!(n <= 20, "brute force is for small instances");
    let required = problem.required();
    let subsets = || {
        (0u32..1 << n).map(|mask| {
            (0..n as u32)
                .filter(|i| mask & (1 << i) != 0)
                .collect::<Vec<u32>>()
        })
    };
    let best_coverage = subsets()
        .filter(|s| problem.within_budget(problem.cost_of(s)))
        .map(|s| problem.covered_by(&s))
        .max()
        .unwrap_or(0);
    let goal = required.min(best_coverage);
    let unit = |s: &[u32]| -> f64 { s.iter().map(|&p| problem.unit_cost(p as usize)).sum() };
    let chosen = subsets()
        .filter(|s| problem.within_budget(problem.cost_of(s)) && problem.covered_by(s) >= goal)
        .min_by(|a, b| unit(a).total_cmp(&unit(b)))
        .unwrap_or_default();
    Ok(CoverSolution {
        covered: problem.covered_by(&chosen),
        required,
        cost_eur: problem.cost_of(&chosen),
        chosen,
        status: CoverStatus::Optimal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn problem(
        costs: &[f64],
        classes: &[(&[u32], u64)],
        n_attacks: u64,
        target: f64,
        budget: Option<f64>,
    ) -> CoverProblem {
        CoverProblem {
            costs: costs.to_vec(),
            values: vec![0.0; costs.len()],
            classes: classes.iter().map(|(s, w)| (s.to_vec(), *w)).collect(),
            n_attacks,
            target_share: target,
            budget_eur: budget,
            time_limit_secs: 30,
        }
    }

    #[test]
    fn a_hand_worked_instance() {
        // Four attacks in three classes; point 2 sees classes 0 and 1 but costs more than
        // points 0 and 1 together; point 3 alone sees class 2.
        let p = problem(
            &[100.0, 100.0, 250.0, 50.0],
            &[(&[0, 2], 2), (&[1, 2], 1), (&[3], 1)],
            5, // one more attack sees no point at all
            0.6,
            None,
        );
        assert_eq!(p.required(), 3);
        let s = solve(&p).expect("solves");
        assert_eq!(s.chosen, vec![0, 3]);
        assert_eq!((s.covered, s.cost_eur), (3, 150.0));
        assert!(s.target_met());
        // The whole target (5 of 5) is out of reach: the best is 4, at 250 + 50 or 100 + 100 + 50.
        let p = problem(&[100.0, 100.0, 250.0, 50.0], &p_classes(), 5, 1.0, None);
        let s = solve(&p).expect("solves");
        assert!(!s.target_met());
        assert_eq!(s.covered, 4);
        assert_eq!(s.cost_eur, 250.0);
        assert_eq!(s.chosen, vec![0, 1, 3]);
        // A budget of 120 buys point 0 or point 3 alone... point 0 detects more.
        let p = problem(
            &[100.0, 100.0, 250.0, 50.0],
            &p_classes(),
            5,
            1.0,
            Some(120.0),
        );
        let s = solve(&p).expect("solves");
        assert_eq!((s.chosen.clone(), s.covered), (vec![0], 2));
    }

    fn p_classes() -> Vec<(&'static [u32], u64)> {
        vec![(&[0, 2], 2), (&[1, 2], 1), (&[3], 1)]
    }

    #[test]
    fn zero_target_chooses_nothing() {
        let p = problem(&[1.0], &[(&[0], 3)], 3, 0.0, None);
        let s = solve(&p).expect("solves");
        assert!(s.chosen.is_empty());
        assert!(s.target_met());
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert_eq!(
            solve(&problem(&[1.0], &[], 0, 1.5, None)),
            Err(CoverError::BadTarget(1.5))
        );
        assert_eq!(
            solve(&problem(&[1.0], &[], 0, 0.5, Some(-1.0))),
            Err(CoverError::BadBudget(-1.0))
        );
    }

    fn arb_problem() -> impl Strategy<Value = CoverProblem> {
        (1usize..9).prop_flat_map(|n| {
            (
                prop::collection::vec(0u32..5, n),
                prop::collection::vec(
                    (prop::collection::btree_set(0..n as u32, 0..4), 1u64..5),
                    0..10,
                ),
                0u64..4,
                0u32..=10,
                prop::option::of(0u32..12),
            )
                .prop_map(|(costs, classes, extra, target, budget)| {
                    let classes: Vec<(Vec<u32>, u64)> = classes
                        .into_iter()
                        .map(|(s, w)| (s.into_iter().collect(), w))
                        .collect();
                    let n_attacks = classes.iter().map(|c| c.1).sum::<u64>() + extra;
                    CoverProblem {
                        costs: costs.iter().map(|c| f64::from(*c) * 1000.0).collect(),
                        values: vec![0.0; costs.len()],
                        classes,
                        n_attacks,
                        target_share: f64::from(target) / 10.0,
                        budget_eur: budget.map(|b| f64::from(b) * 1000.0),
                        time_limit_secs: 30,
                    }
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn the_solver_finds_the_brute_force_optimum(p in arb_problem()) {
            let s = solve(&p).expect("solves");
            let b = brute_force(&p).expect("enumerates");
            prop_assert!(p.within_budget(s.cost_eur));
            prop_assert_eq!(s.covered, p.covered_by(&s.chosen));
            // Same coverage goal reached (the target, or the most the budget buys) ...
            prop_assert_eq!(s.covered.min(s.required), b.covered.min(b.required));
            // ... at the same optimisation cost.
            let unit = |c: &[u32]| c.iter().map(|&i| p.unit_cost(i as usize)).sum::<f64>();
            prop_assert_eq!(unit(&s.chosen), unit(&b.chosen));
        }
    }
}
