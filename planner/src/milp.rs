//! A small mixed-integer program form, and the only module that talks to a solver (through
//! `good_lp`): CBC (feature `cbc`, Debian's coinor-libcbc-dev) or microlp (feature
//! `microlp`, pure Rust). Everything above builds a [`Program`], which can be inspected and
//! tested without a solver; solver types never leave this module.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[cfg(not(any(feature = "cbc", feature = "microlp")))]
compile_error!("ensure-planner needs a solver: enable the `cbc` or the `microlp` feature");

/// Which MILP solver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// COIN-OR CBC, branch and cut.
    Cbc,
    /// microlp, a pure-Rust branch and bound.
    Microlp,
}

impl Solver {
    /// The solvers this build has, preferred first.
    pub fn available() -> Vec<Solver> {
        let mut v = Vec::new();
        if cfg!(feature = "cbc") {
            v.push(Solver::Cbc);
        }
        if cfg!(feature = "microlp") {
            v.push(Solver::Microlp);
        }
        v
    }

    pub fn parse(s: &str) -> Option<Solver> {
        match s {
            "cbc" => Some(Solver::Cbc),
            "microlp" => Some(Solver::Microlp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Solver::Cbc => "cbc",
            Solver::Microlp => "microlp",
        }
    }
}

impl Default for Solver {
    fn default() -> Self {
        Solver::available()[0]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Var {
    pub integer: bool,
    pub lo: f64,
    pub hi: f64,
}

/// `lo <= sum(coef * var) <= hi`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub terms: Vec<(u32, f64)>,
    pub lo: f64,
    pub hi: f64,
}

/// Minimise `objective` subject to `rows`, over `vars`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Program {
    pub vars: Vec<Var>,
    pub objective: Vec<(u32, f64)>,
    pub rows: Vec<Row>,
}

impl Program {
    pub fn binary(&mut self) -> u32 {
        self.var(true, 0.0, 1.0)
    }

    pub fn continuous(&mut self, lo: f64, hi: f64) -> u32 {
        self.var(false, lo, hi)
    }

    pub fn var(&mut self, integer: bool, lo: f64, hi: f64) -> u32 {
        self.vars.push(Var { integer, lo, hi });
        (self.vars.len() - 1) as u32
    }

    pub fn at_least(&mut self, terms: Vec<(u32, f64)>, lo: f64) {
        self.rows.push(Row {
            terms,
            lo,
            hi: f64::INFINITY,
        });
    }

    pub fn at_most(&mut self, terms: Vec<(u32, f64)>, hi: f64) {
        self.rows.push(Row {
            terms,
            lo: f64::NEG_INFINITY,
            hi,
        });
    }

    pub fn n_integer(&self) -> usize {
        self.vars.iter().filter(|v| v.integer).count()
    }

    /// Whether `x` satisfies every bound and row, within `tol`.
    pub fn satisfied_by(&self, x: &[f64], tol: f64) -> bool {
        self.vars.iter().zip(x).all(|(v, x)| {
            *x >= v.lo - tol && *x <= v.hi + tol && (!v.integer || (x - x.round()).abs() <= tol)
        }) && self.rows.iter().all(|r| {
            let s: f64 = r.terms.iter().map(|(v, c)| c * x[*v as usize]).sum();
            s >= r.lo - tol && s <= r.hi + tol
        })
    }
}

/// What the solver answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// Proved optimal.
    Optimal(Vec<f64>),
    /// The time limit stopped the search with this (feasible) incumbent.
    Stopped(Vec<f64>),
    /// No solution exists.
    Infeasible,
    /// The solver gave no usable answer (the reason).
    Failed(String),
}

/// Solves `p` with `solver`, within `time_limit`.
pub(crate) fn solve(p: &Program, solver: Solver, time_limit: Duration) -> (Answer, Duration) {
    let started = Instant::now();
    // A row without variables is a constant: a false one (a clause nothing can satisfy) makes
    // the program infeasible, whatever a solver would make of an empty row.
    if p.rows
        .iter()
        .any(|r| r.terms.is_empty() && (r.lo > 1e-9 || r.hi < -1e-9))
    {
        return (Answer::Infeasible, started.elapsed());
    }
    let answer = match solver {
        Solver::Cbc => solve_cbc(p, time_limit),
        Solver::Microlp => solve_microlp(p, time_limit),
    };
    let answer = match answer {
        // Solvers work to tolerances: an answer that breaks a row is no answer.
        Answer::Optimal(x) | Answer::Stopped(x) if !p.satisfied_by(&x, 1e-5) => {
            Answer::Failed("the solver's solution breaks a constraint".into())
        }
        a => a,
    };
    (answer, started.elapsed())
}

/// The problem in good_lp's form, handed to `using`.
macro_rules! build {
    ($p:expr, $solver:expr) => {{
        use good_lp::{variable, Expression, ProblemVariables, SolverModel};
        let p: &Program = $p;
        let mut pv = ProblemVariables::new();
        let vars: Vec<good_lp::Variable> = p
            .vars
            .iter()
            .map(|v| {
                let d = variable().min(v.lo).max(v.hi);
                pv.add(if v.integer { d.integer() } else { d })
            })
            .collect();
        let mut obj = Expression::with_capacity(p.objective.len());
        for (v, c) in &p.objective {
            obj.add_mul(*c, vars[*v as usize]);
        }
        let mut model = pv.minimise(obj).using($solver);
        for r in &p.rows {
            let mut e = Expression::with_capacity(r.terms.len());
            for (v, c) in &r.terms {
                e.add_mul(*c, vars[*v as usize]);
            }
            if r.lo == r.hi {
                model.add_constraint(e.eq(r.lo));
            } else {
                if r.hi.is_finite() {
                    model.add_constraint(e.clone().leq(r.hi));
                }
                if r.lo.is_finite() {
                    model.add_constraint(good_lp::constraint::geq(e, r.lo));
                }
            }
        }
        (model, vars)
    }};
}

fn read(
    result: Result<impl good_lp::Solution, good_lp::ResolutionError>,
    vars: &[good_lp::Variable],
) -> Answer {
    use good_lp::solvers::SolutionStatus;
    match result {
        Ok(s) => {
            let x: Vec<f64> = vars.iter().map(|v| s.value(*v)).collect();
            match s.status() {
                SolutionStatus::Optimal => Answer::Optimal(x),
                _ => Answer::Stopped(x),
            }
        }
        Err(good_lp::ResolutionError::Infeasible) => Answer::Infeasible,
        Err(e) => Answer::Failed(e.to_string()),
    }
}

#[cfg(feature = "cbc")]
fn solve_cbc(p: &Program, time_limit: Duration) -> Answer {
    use good_lp::{SolverModel, WithTimeLimit};
    let (mut model, vars) = build!(p, good_lp::coin_cbc);
    // No presolve noise on stdout: a library never prints.
    model.set_parameter("log", "0");
    model.set_parameter("slogLevel", "0");
    let model = model.with_time_limit(time_limit.as_secs_f64().max(1.0));
    read(model.solve(), &vars)
}

#[cfg(not(feature = "cbc"))]
fn solve_cbc(_: &Program, _: Duration) -> Answer {
    Answer::Failed("this build has no CBC (build with the `cbc` feature)".into())
}

#[cfg(feature = "microlp")]
fn solve_microlp(p: &Program, time_limit: Duration) -> Answer {
    use good_lp::{SolverModel, WithTimeLimit};
    let (model, vars) = build!(p, good_lp::microlp);
    let model = model.with_time_limit(time_limit.as_secs_f64());
    read(model.solve(), &vars)
}

#[cfg(not(feature = "microlp"))]
fn solve_microlp(_: &Program, _: Duration) -> Answer {
    Answer::Failed("this build has no microlp (build with the `microlp` feature)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// max 5a + 4b + 3c s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, binary:
    /// the optimum is a = b = 1 (9): a + c (8) and b + c (7) are worse, all three break the
    /// first row.
    fn knapsack() -> Program {
        let mut p = Program::default();
        let x: Vec<u32> = (0..3).map(|_| p.binary()).collect();
        p.objective = vec![(x[0], -5.0), (x[1], -4.0), (x[2], -3.0)];
        p.at_most(vec![(x[0], 2.0), (x[1], 3.0), (x[2], 1.0)], 5.0);
        p.at_most(vec![(x[0], 4.0), (x[1], 1.0), (x[2], 2.0)], 11.0);
        p.at_most(vec![(x[0], 3.0), (x[1], 4.0), (x[2], 2.0)], 8.0);
        p
    }

    fn brute_force(p: &Program) -> f64 {
        (0..8u32)
            .map(|m| {
                (0..3)
                    .map(|i| f64::from((m >> i) & 1))
                    .collect::<Vec<f64>>()
            })
            .filter(|x| p.satisfied_by(x, 1e-9))
            .map(|x| p.objective.iter().map(|(v, c)| c * x[*v as usize]).sum())
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn every_solver_finds_the_enumerated_optimum() {
        let p = knapsack();
        let best = brute_force(&p);
        assert_eq!(best, -9.0);
        for s in Solver::available() {
            let (a, _) = solve(&p, s, Duration::from_secs(10));
            let Answer::Optimal(x) = a else {
                panic!("{s:?}: {a:?}")
            };
            let v: f64 = p.objective.iter().map(|(v, c)| c * x[*v as usize]).sum();
            assert!((v - best).abs() < 1e-6, "{s:?}: {v}");
        }
    }

    #[test]
    fn infeasibility_is_reported_as_such() {
        let mut p = knapsack();
        let x = 0;
        p.rows.push(Row {
            terms: vec![(x, 1.0)],
            lo: 2.0,
            hi: 3.0,
        });
        for s in Solver::available() {
            assert_eq!(
                solve(&p, s, Duration::from_secs(10)).0,
                Answer::Infeasible,
                "{s:?}"
            );
        }
    }
}
