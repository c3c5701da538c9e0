//! The only module that names Z3: it translates an [`encode::ir::Problem`] to Z3 terms one
//! to one, runs the checks with a time budget, and reads assignments back. Z3 types stay in
//! here; callers see [`Outcome`] and [`Assignment`].
//!
//! Z3 runs in the thread-local context of the `z3` crate; a [`Session`] owns one solver.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use z3::ast::{Bool, Int};
use z3::{Optimize, Params, SatResult, Solver};

use crate::encode::ir::{Assignment, Expr, Problem, Sort, VarId};

/// Runs `f` in a fresh Z3 context: each property gets its own, so that its answer does not
/// depend on what was solved before it, and its memory is returned when it is done.
pub fn isolated<R: Send + Sync>(f: impl FnOnce() -> R + Send + Sync) -> R {
    z3::with_z3_config(&z3::Config::new(), f)
}

/// What one check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Satisfiable, with the values of every variable.
    Sat(Assignment),
    Unsat,
    /// The solver gave up: its reason (a timeout says so).
    Unknown(String),
}

/// Counters of a session, for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveStats {
    pub checks: u32,
    pub solver_time: Duration,
    /// Z3's own statistics of the last check (conflicts, decisions, memory, ...).
    pub z3: BTreeMap<String, f64>,
}

/// A solver loaded with a problem.
pub struct Session {
    solver: Solver,
    vars: Vec<Var>,
    pub stats: SolveStats,
}

#[derive(Clone)]
enum Var {
    Bool(Bool),
    Int(Int),
}

fn declare(problem: &Problem) -> Vec<Var> {
    problem
        .vars
        .iter()
        .map(|v| match v.sort {
            Sort::Bool => Var::Bool(Bool::new_const(v.name.as_str())),
            Sort::Int => Var::Int(Int::new_const(v.name.as_str())),
        })
        .collect()
}

fn bool_of(vars: &[Var], v: VarId) -> &Bool {
    match &vars[v.idx()] {
        Var::Bool(b) => b,
        Var::Int(_) => unreachable!("the encoder uses integer variables only in `Less`"),
    }
}

fn int_of(vars: &[Var], v: VarId) -> &Int {
    match &vars[v.idx()] {
        Var::Int(i) => i,
        Var::Bool(_) => unreachable!("the encoder compares only integer variables"),
    }
}

/// Translates a formula.
fn term(vars: &[Var], e: &Expr) -> Bool {
    match e {
        Expr::Const(b) => Bool::from_bool(*b),
        Expr::Var(v) => bool_of(vars, *v).clone(),
        Expr::Not(x) => term(vars, x).not(),
        Expr::And(xs) => Bool::and(&xs.iter().map(|x| term(vars, x)).collect::<Vec<_>>()),
        Expr::Or(xs) => Bool::or(&xs.iter().map(|x| term(vars, x)).collect::<Vec<_>>()),
        Expr::Implies(a, b) => term(vars, a).implies(term(vars, b)),
        Expr::Iff(a, b) => term(vars, a).iff(term(vars, b)),
        Expr::AtMost(xs, k) => {
            let ts: Vec<Bool> = xs.iter().map(|x| term(vars, x)).collect();
            z3::ast::atmost(ts.iter(), *k)
        }
        Expr::AtLeast(xs, k) => {
            let ts: Vec<Bool> = xs.iter().map(|x| term(vars, x)).collect();
            z3::ast::atleast(ts.iter(), *k)
        }
        Expr::Less(a, b) => int_of(vars, *a).lt(int_of(vars, *b)),
    }
}

fn read(vars: &[Var], model: &z3::Model) -> Assignment {
    let mut asg = Assignment {
        bools: vec![None; vars.len()],
        ints: vec![None; vars.len()],
    };
    for (i, v) in vars.iter().enumerate() {
        match v {
            Var::Bool(b) => asg.bools[i] = model.eval(b, true).and_then(|x| x.as_bool()),
            Var::Int(n) => asg.ints[i] = model.eval(n, true).and_then(|x| x.as_i64()),
        }
    }
    asg
}

fn timeout_params(budget: Duration) -> Params {
    let mut p = Params::new();
    let ms = budget.as_millis().clamp(1, u32::MAX as u128) as u32;
    p.set_u32("timeout", ms);
    p
}

fn numbers(stats: &z3::Statistics) -> BTreeMap<String, f64> {
    stats
        .entries()
        .map(|e| {
            let v = match e.value {
                z3::StatisticsValue::UInt(u) => u as f64,
                z3::StatisticsValue::Double(d) => d,
            };
            (e.key, v)
        })
        .collect()
}

/// A timeout or cancellation is reported as such, whatever Z3's wording.
fn unknown_reason(reason: Option<String>, budget: Duration) -> String {
    let r = reason.unwrap_or_else(|| "unknown".into());
    if r.contains("timeout") || r.contains("canceled") || r.contains("cancelled") {
        format!("timeout: no answer within {:.1} s", budget.as_secs_f64())
    } else {
        format!("solver gave up: {r}")
    }
}

impl Session {
    pub fn new(problem: &Problem) -> Session {
        let solver = Solver::new();
        let vars = declare(problem);
        for a in &problem.assertions {
            solver.assert(term(&vars, &a.expr));
        }
        Session {
            solver,
            vars,
            stats: SolveStats::default(),
        }
    }

    /// Checks the constraints plus `extra` (which hold for this check only), within `budget`.
    pub fn check(&mut self, budget: Duration, extra: &[Expr]) -> Outcome {
        if budget.is_zero() {
            return Outcome::Unknown(unknown_reason(Some("timeout".into()), budget));
        }
        self.solver.set_params(&timeout_params(budget));
        if !extra.is_empty() {
            self.solver.push();
            for e in extra {
                self.solver.assert(term(&self.vars, e));
            }
        }
        let started = Instant::now();
        let result = self.solver.check();
        self.stats.solver_time += started.elapsed();
        self.stats.checks += 1;
        self.stats.z3 = numbers(&self.solver.get_statistics());
        let out = match result {
            SatResult::Sat => match self.solver.get_model() {
                Some(m) => Outcome::Sat(read(&self.vars, &m)),
                None => Outcome::Unknown("solver gave up: no model for a satisfiable check".into()),
            },
            SatResult::Unsat => Outcome::Unsat,
            SatResult::Unknown => {
                Outcome::Unknown(unknown_reason(self.solver.get_reason_unknown(), budget))
            }
        };
        if !extra.is_empty() {
            self.solver.pop(1);
        }
        out
    }
}

/// What the optimiser found.
#[derive(Debug, Clone, PartialEq)]
pub enum Optimum {
    /// A cheapest assignment and its cost.
    Found(Assignment, i64),
    Infeasible,
    Unknown(String),
}

/// Minimises `sum(weight * var)` over the Boolean `objective` variables subject to the
/// problem's constraints, within `budget`.
pub fn minimize(problem: &Problem, objective: &[(VarId, i64)], budget: Duration) -> Optimum {
    let opt = Optimize::new();
    opt.set_params(&timeout_params(budget));
    let vars = declare(problem);
    for a in &problem.assertions {
        opt.assert(term(&vars, &a.expr));
    }
    let zero = Int::from_i64(0);
    let terms: Vec<Int> = objective
        .iter()
        .map(|(v, w)| bool_of(&vars, *v).ite(&Int::from_i64(*w), &zero))
        .collect();
    let cost = if terms.is_empty() {
        zero.clone()
    } else {
        Int::add(&terms)
    };
    opt.minimize(&cost);
    match opt.check(&[]) {
        SatResult::Sat => match opt.get_model() {
            Some(m) => {
                let asg = read(&vars, &m);
                let value = m.eval(&cost, true).and_then(|c| c.as_i64()).unwrap_or(0);
                Optimum::Found(asg, value)
            }
            None => Optimum::Unknown("optimiser gave up: no model".into()),
        },
        SatResult::Unsat => Optimum::Infeasible,
        SatResult::Unknown => Optimum::Unknown(unknown_reason(opt.get_reason_unknown(), budget)),
    }
}

/// The constraints (of `tracked`, by index) that together make the problem unsatisfiable,
/// as far as Z3's core says; `None` when the problem is satisfiable or undecided.
pub fn unsat_core(problem: &Problem, tracked: &[Expr], budget: Duration) -> Option<Vec<usize>> {
    let solver = Solver::new();
    solver.set_params(&timeout_params(budget));
    let vars = declare(problem);
    for a in &problem.assertions {
        solver.assert(term(&vars, &a.expr));
    }
    let labels: Vec<Bool> = (0..tracked.len())
        .map(|i| Bool::new_const(format!("clause {i}")))
        .collect();
    for (l, e) in labels.iter().zip(tracked) {
        solver.assert(l.implies(term(&vars, e)));
    }
    match solver.check_assumptions(&labels) {
        SatResult::Unsat => {
            let core = solver.get_unsat_core();
            Some(
                labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| core.iter().any(|c| c == *l))
                    .map(|(i, _)| i)
                    .collect(),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::ir::*;

    #[test]
    fn a_small_problem_round_trips_through_z3() {
        let mut p = Problem::default();
        let x = p.bool_var("x");
        let y = p.bool_var("y");
        let r = p.int_var("r");
        let s = p.int_var("s");
        p.assert("x or y", or2(Expr::var(x), Expr::var(y)));
        p.assert("not both", at_most(vec![Expr::var(x), Expr::var(y)], 1));
        p.assert("x needs r < s", implies(Expr::var(x), less(r, s)));
        p.assert("and s < r", less(s, r));
        let mut session = Session::new(&p);
        match session.check(Duration::from_secs(5), &[]) {
            Outcome::Sat(a) => {
                assert!(!a.bool(x) && a.bool(y));
                assert!(a.int(s) < a.int(r));
                for asr in &p.assertions {
                    assert!(a.eval(&asr.expr), "{}", asr.note);
                }
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            session.check(Duration::from_secs(5), &[Expr::var(x)]),
            Outcome::Unsat
        );
        // The extra constraint held for one check only.
        assert!(matches!(
            session.check(Duration::from_secs(5), &[]),
            Outcome::Sat(_)
        ));
    }

    /// Eleven pigeons in ten holes, as clauses: exponential for resolution, so the check
    /// runs out of time, and says so.
    #[test]
    fn a_timeout_is_unknown_with_its_reason() {
        let mut p = Problem::default();
        let (pigeons, holes) = (11, 10);
        let x: Vec<Vec<VarId>> = (0..pigeons)
            .map(|i| {
                (0..holes)
                    .map(|j| p.bool_var(format!("p{i}h{j}")))
                    .collect()
            })
            .collect();
        for row in &x {
            p.assert("a hole per pigeon", or(row.iter().map(|v| Expr::var(*v))));
        }
        for hole in 0..holes {
            let column: Vec<VarId> = x.iter().map(|row| row[hole]).collect();
            for (a, pa) in column.iter().enumerate() {
                for pb in &column[a + 1..] {
                    p.assert(
                        "one pigeon per hole",
                        or2(not(Expr::var(*pa)), not(Expr::var(*pb))),
                    );
                }
            }
        }
        let mut session = Session::new(&p);
        match session.check(Duration::from_millis(200), &[]) {
            Outcome::Unknown(reason) => assert!(reason.starts_with("timeout"), "{reason}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert!(matches!(
            session.check(Duration::ZERO, &[]),
            Outcome::Unknown(_)
        ));
    }

    #[test]
    fn the_optimiser_finds_the_cheapest_cover() {
        let mut p = Problem::default();
        let a = p.bool_var("a");
        let b = p.bool_var("b");
        let c = p.bool_var("c");
        p.assert("a or b", or2(Expr::var(a), Expr::var(b)));
        p.assert("b or c", or2(Expr::var(b), Expr::var(c)));
        match minimize(&p, &[(a, 3), (b, 5), (c, 3)], Duration::from_secs(5)) {
            Optimum::Found(asg, cost) => {
                assert_eq!(cost, 5);
                assert!(asg.bool(b) || (asg.bool(a) && asg.bool(c) && cost == 6));
            }
            other => panic!("{other:?}"),
        }
        let core = unsat_core(
            &p,
            &[not(Expr::var(b)), not(Expr::var(a)), Expr::var(c)],
            Duration::from_secs(5),
        )
        .expect("unsatisfiable");
        assert_eq!(core, vec![0, 1]);
    }
}
