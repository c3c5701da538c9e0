//! The sample-average approximation as a mixed-integer program.
//!
//! Every loss of the scenarios is true under a plan exactly when some *term* (a set of
//! candidates) has none of its candidates chosen: a happening is a set of terms (one per
//! derivation found), and a conjunction of happenings and killers distributes into one (the
//! combinations of one term per happening, with the killers). So each event is a *pattern*,
//! an antichain of terms. Each distinct term `T` gets a variable `u_T` in [0, 1] with the
//! covering row `u_T + sum_{c in T} x_c >= 1`, and a pattern of several terms a variable `v_P
//! >= u_T` per minimal term: at the optimum each is 1 exactly when the plan leaves some term
//! of it uncut. Events and trials with the same pattern share the variable, so the program
//! grows with the number of distinct terms and patterns, not with the number of trials. Two things stay compound, with a
//! variable `w` above its parts: losses learnt under a plan, which hold only when the plan
//! has one of the candidates that made them possible (`w >= v + a - 1`, with `a >= x_c` for
//! each such candidate, shared by every condition on the same candidates), and the rare
//! conjunction whose expansion would exceed [`MAX_EXPANSION`] terms (`w >= sum v - (n - 1)
//! - sum x_k`).
//!
//! Objectives (all divided by `scale`, the baseline figure, so the solver works on numbers
//! near 1):
//! * expected loss and goal probability: `const + sum_u weight_u v_u`, the weights summed
//!   over trials and divided by N;
//! * CVaR at level `q` (Rockafellar–Uryasev): `eta + sum_t s_t / ((1 - q) N)` with
//!   `s_t >= L_t - eta`, `s_t >= 0`, where `L_t` is trial `t`'s loss;
//! * VaR at level `q`: `eta` with `L_t <= eta + M_t y_t`, `y_t` binary, and at most
//!   `N - ceil(q N)` trials above `eta` (`M_t` is the trial's loss with nothing cut); trials
//!   that cannot lose more than the VaR of the uncuttable losses (a lower bound of every
//!   plan's VaR) need no indicator. One binary per trial that can lose money makes VaR far
//!   harder than CVaR: a few thousand trials is what CBC solves in a minute.
//!
//! Every objective carries a tiny cost term (1e-6 of the objective's scale per all the
//! candidates' cost) so that among plans of equal risk the cheapest is chosen, and, when
//! asked, the chosen controls' cost itself (then the figure is "loss plus cost").

use std::collections::HashMap;

use crate::milp::Program;
use crate::objective::{quantile_rank, Objective};
use crate::scenarios::{Event, Scenarios};
use crate::trace::subset;
use crate::trace::Conj;

/// A happening's or an event's variable, or a constant 1 (nothing can cut it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Unit {
    One,
    Var(u32),
    /// `1 - var`: a term of one candidate needs no variable of its own.
    Not(u32),
}

impl Unit {
    /// Adds `coef * self` to `row`; returns the constant part.
    fn push(self, coef: f64, row: &mut Vec<(u32, f64)>) -> f64 {
        match self {
            Unit::One => coef,
            Unit::Var(v) => {
                row.push((v, coef));
                0.0
            }
            Unit::Not(v) => {
                row.push((v, -coef));
                coef
            }
        }
    }
}

/// The program and how to read it.
pub(crate) struct Formulation {
    pub program: Program,
    /// The candidates' variables.
    pub x: Vec<u32>,
    /// Distinct patterns and compound events.
    pub n_patterns: usize,
}

/// Relative weight of the tie-break on cost.
const TIE_BREAK: f64 = 1e-6;

/// Builds the program for `s`'s objective; `costs` are the candidates' costs on the budget
/// basis, `cost_weight` 1 to add the plan's cost to the objective, 0 not to.
pub(crate) fn formulate(s: &Scenarios, costs: &[f64], cost_weight: f64, scale: f64) -> Formulation {
    let mut p = Program::default();
    let x: Vec<u32> = (0..s.n_candidates).map(|_| p.binary()).collect();

    let mut units = Units {
        by_id: vec![None; s.terms.items.len()],
        ..Units::default()
    };
    // Per trial: its constant and its (unit, weight) pairs, the units merged.
    let mut per_trial: Vec<(f64, Vec<(Unit, f64)>)> = Vec::with_capacity(s.trials.len());
    let mut pairs: Vec<(Unit, f64)> = Vec::new();
    for td in &s.trials {
        let terms_of = |h: u32| -> Vec<Vec<u32>> {
            td.happenings[h as usize]
                .terms
                .iter()
                .map(|t| s.terms.get(*t).to_vec())
                .collect()
        };
        let mut constant = td.constant;
        pairs.clear();
        for e in &td.events {
            let unit = match e {
                Event::One { h, .. } => {
                    units.happening(&mut p, &x, s, &td.happenings[*h as usize].terms)
                }
                Event::Any { conjs, .. } => units.event(&mut p, &x, conjs, &terms_of),
            };
            match unit {
                Unit::One => constant += e.weight(),
                u => pairs.push((u, e.weight())),
            }
        }
        pairs.sort_by_key(|e| unit_order(e.0));
        let mut merged: Vec<(Unit, f64)> = Vec::with_capacity(pairs.len());
        for &(u, w) in &pairs {
            match merged.last_mut() {
                Some(last) if last.0 == u => last.1 += w,
                _ => merged.push((u, w)),
            }
        }
        per_trial.push((constant, merged));
    }

    let n = s.trials.len().max(1) as f64;
    let inv = 1.0 / scale;
    let mut objective: Vec<(u32, f64)> = Vec::new();
    match &s.objective {
        Objective::ExpectedLoss | Objective::GoalProbability { .. } => {
            let mut coef: HashMap<u32, f64> = HashMap::new();
            let mut row = Vec::new();
            for (_, w) in &per_trial {
                for (u, x) in w {
                    row.clear();
                    u.push(*x, &mut row);
                    for (v, c) in &row {
                        *coef.entry(*v).or_default() += c;
                    }
                }
            }
            let mut c: Vec<(u32, f64)> = coef
                .into_iter()
                .filter(|(_, x)| *x != 0.0)
                .map(|(v, x)| (v, x * inv / n))
                .collect();
            c.sort_by_key(|e| e.0);
            objective.extend(c);
        }
        Objective::Cvar { level } => {
            let eta = p.continuous(0.0, f64::INFINITY);
            objective.push((eta, 1.0));
            let k = 1.0 / ((1.0 - level) * n);
            for (constant, w) in &per_trial {
                if w.is_empty() && *constant == 0.0 {
                    continue;
                }
                // s_t + eta - L_t >= 0, L_t = const_t + sum w u
                let st = p.continuous(0.0, f64::INFINITY);
                objective.push((st, k));
                let mut row = vec![(st, 1.0), (eta, 1.0)];
                let mut c = *constant * inv;
                for (u, x) in w {
                    c -= u.push(-x * inv, &mut row);
                }
                p.at_least(row, c);
            }
        }
        Objective::Var { level } => {
            let rank = quantile_rank(*level, s.trials.len());
            let above = s.trials.len() - rank;
            // No plan takes a trial's loss below what no candidate can cut, so the VaR of those
            // floors bounds every plan's VaR from below: a trial that cannot lose more than
            // that bound never needs its indicator.
            let mut floors: Vec<f64> = per_trial.iter().map(|t| t.0 * inv).collect();
            floors.sort_by(f64::total_cmp);
            let lower = floors.get(rank.saturating_sub(1)).copied().unwrap_or(0.0);
            let eta = p.continuous(lower, f64::INFINITY);
            objective.push((eta, 1.0));
            let mut ys = Vec::new();
            for (constant, w) in &per_trial {
                let big = (constant + w.iter().map(|e| e.1).sum::<f64>()) * inv;
                if big <= lower {
                    continue;
                }
                // L_t - eta - M_t y_t <= 0
                let y = p.binary();
                ys.push((y, 1.0));
                let mut row = vec![(eta, -1.0), (y, -big)];
                let mut c = *constant * inv;
                for (u, x) in w {
                    c += u.push(x * inv, &mut row);
                }
                p.at_most(row, -c);
            }
            if !ys.is_empty() {
                p.at_most(ys, above as f64);
            }
        }
    }
    let total_cost: f64 = costs.iter().map(|c| c.max(0.0)).sum();
    for (i, c) in costs.iter().enumerate() {
        let tie = if total_cost > 0.0 {
            TIE_BREAK * c.max(0.0) / total_cost
        } else {
            TIE_BREAK / costs.len().max(1) as f64
        };
        let w = cost_weight * c * inv + tie;
        if w != 0.0 {
            objective.push((x[i], w));
        }
    }
    p.objective = objective;
    Formulation {
        program: p,
        x,
        n_patterns: units.terms.len() + units.patterns.len() + units.compounds.len(),
    }
}

/// A conjunction's terms expand to at most this many before it is kept as a conjunction of
/// pattern variables instead.
const MAX_EXPANSION: usize = 256;

/// The minimal sets of `sets` (a set containing another adds nothing to "some set has no
/// chosen candidate"), sorted; `None` when one is empty (nothing can cut it).
fn minimal(mut sets: Vec<Vec<u32>>) -> Option<Vec<Vec<u32>>> {
    if sets.iter().any(|t| t.is_empty()) {
        return None;
    }
    sets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    sets.dedup();
    let mut out: Vec<Vec<u32>> = Vec::new();
    for t in sets {
        if !out.iter().any(|m| subset(m, &t)) {
            out.push(t);
        }
    }
    out.sort();
    Some(out)
}

/// A conjunction as one set of terms: all its happenings happen (each: some term of it has
/// no chosen candidate) and none of its killers is chosen, which distributes into "some
/// combination of one term per happening, with the killers, has no chosen candidate".
/// `None` when that would be more than [`MAX_EXPANSION`] terms.
fn expand(conj: &Conj, terms_of: &dyn Fn(u32) -> Vec<Vec<u32>>) -> Option<Vec<Vec<u32>>> {
    let mut acc: Vec<Vec<u32>> = vec![conj.k.clone()];
    for h in &conj.h {
        let ts = terms_of(*h);
        if acc.len() * ts.len() > MAX_EXPANSION {
            return None;
        }
        acc = acc
            .iter()
            .flat_map(|a| {
                ts.iter().map(move |t| {
                    let mut u: Vec<u32> = a.iter().chain(t).copied().collect();
                    u.sort_unstable();
                    u.dedup();
                    u
                })
            })
            .collect();
    }
    Some(acc)
}

/// What makes an event true, over variables: `any` (a pattern), or one of the conditional
/// parts (a pattern and candidates one of which must be chosen), or one of the conjunctions
/// kept whole (pattern variables, killers, needs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Compound {
    any: Option<Unit>,
    conditional: Vec<(Unit, Vec<u32>)>,
    whole: Vec<(Vec<Unit>, Vec<u32>, Vec<u32>)>,
}

/// The program's variables for terms, patterns and compound events, shared by equal keys.
#[derive(Default)]
struct Units {
    terms: HashMap<Vec<u32>, Unit>,
    /// Terms by their id in the scenarios, once seen.
    by_id: Vec<Option<Unit>>,
    /// Happenings of several derivations, by their term ids.
    by_ids: HashMap<Vec<u32>, Unit>,
    patterns: HashMap<Vec<Vec<u32>>, Unit>,
    compounds: HashMap<Compound, Unit>,
    /// "Some candidate of the set is chosen", shared by every condition on the same set.
    ors: HashMap<Vec<u32>, u32>,
}

impl Units {
    /// The variable of "one of `needs` is chosen": `x_c` itself for one candidate, else `a`
    /// with `a >= x_c` for each (at the optimum `a` is as small as that allows: conditions
    /// only ever add loss).
    fn any_of(&mut self, p: &mut Program, x: &[u32], needs: &[u32]) -> u32 {
        if let [c] = needs {
            return x[*c as usize];
        }
        if let Some(a) = self.ors.get(needs) {
            return *a;
        }
        let a = p.continuous(0.0, 1.0);
        for c in needs {
            p.at_least(vec![(a, 1.0), (x[*c as usize], -1.0)], 0.0);
        }
        self.ors.insert(needs.to_vec(), a);
        a
    }

    /// "No candidate of `t` is chosen": `1 - x_c` for one candidate, else a variable with
    /// the covering row `u + sum_{c in t} x_c >= 1`. Terms are shared by many patterns, so
    /// each gets its row once.
    fn term(&mut self, p: &mut Program, x: &[u32], t: &[u32]) -> Unit {
        match t {
            [] => return Unit::One,
            [c] => return Unit::Not(x[*c as usize]),
            _ => {}
        }
        if let Some(u) = self.terms.get(t) {
            return *u;
        }
        let u = p.continuous(0.0, 1.0);
        let mut row = vec![(u, 1.0)];
        row.extend(t.iter().map(|c| (x[*c as usize], 1.0)));
        p.at_least(row, 1.0);
        self.terms.insert(t.to_vec(), Unit::Var(u));
        Unit::Var(u)
    }

    /// The unit of a happening with these derivations (term ids): looked up without
    /// building its terms when seen before, as most are.
    fn happening(&mut self, p: &mut Program, x: &[u32], s: &Scenarios, ids: &[u32]) -> Unit {
        if let [id] = ids {
            if let Some(u) = self.by_id[*id as usize] {
                return u;
            }
            let u = self.term(p, x, s.terms.get(*id));
            self.by_id[*id as usize] = Some(u);
            return u;
        }
        if let Some(u) = self.by_ids.get(ids) {
            return *u;
        }
        let terms = ids.iter().map(|t| s.terms.get(*t).to_vec()).collect();
        let u = self.pattern(p, x, terms);
        self.by_ids.insert(ids.to_vec(), u);
        u
    }

    /// The variable of "some term of `terms` has no chosen candidate": the term's own for
    /// one term, else `v >= u_T` per minimal term `T`.
    fn pattern(&mut self, p: &mut Program, x: &[u32], terms: Vec<Vec<u32>>) -> Unit {
        let Some(key) = minimal(terms) else {
            return Unit::One;
        };
        if let [t] = key.as_slice() {
            return self.term(p, x, t);
        }
        if let Some(u) = self.patterns.get(&key) {
            return *u;
        }
        let v = p.continuous(0.0, 1.0);
        for t in &key {
            // v >= u
            let mut row = vec![(v, 1.0)];
            let c = self.term(p, x, t).push(-1.0, &mut row);
            p.at_least(row, -c);
        }
        self.patterns.insert(key, Unit::Var(v));
        Unit::Var(v)
    }

    /// The variable of an event that happens when one of its conjunctions holds.
    fn event(
        &mut self,
        p: &mut Program,
        x: &[u32],
        conjs: &[Conj],
        terms_of: &dyn Fn(u32) -> Vec<Vec<u32>>,
    ) -> Unit {
        let mut any: Vec<Vec<u32>> = Vec::new();
        let mut key = Compound {
            any: None,
            conditional: Vec::new(),
            whole: Vec::new(),
        };
        for cj in conjs {
            match expand(cj, terms_of) {
                Some(ts) if cj.needs.is_empty() => any.extend(ts),
                Some(ts) => {
                    let u = self.pattern(p, x, ts);
                    key.conditional.push((u, cj.needs.clone()));
                }
                None => {
                    let mut vs: Vec<Unit> = Vec::new();
                    let mut always = true;
                    for h in &cj.h {
                        match self.pattern(p, x, terms_of(*h)) {
                            Unit::One => {}
                            u => {
                                vs.push(u);
                                always = false;
                            }
                        }
                    }
                    if always && cj.k.is_empty() && cj.needs.is_empty() {
                        return Unit::One;
                    }
                    vs.sort_by_key(|u| unit_order(*u));
                    vs.dedup();
                    key.whole.push((vs, cj.k.clone(), cj.needs.clone()));
                }
            }
        }
        if !any.is_empty() {
            let u = self.pattern(p, x, any);
            if u == Unit::One {
                return Unit::One;
            }
            key.any = Some(u);
        }
        if key.conditional.is_empty() && key.whole.is_empty() {
            return key.any.unwrap_or(Unit::One);
        }
        key.conditional
            .sort_by_key(|(u, n)| (unit_order(*u), n.clone()));
        key.conditional.dedup();
        key.whole.sort();
        key.whole.dedup();
        if let Some(u) = self.compounds.get(&key) {
            return *u;
        }
        let w = p.continuous(0.0, 1.0);
        if let Some(u) = key.any {
            // w >= u
            let mut row = vec![(w, 1.0)];
            let c = u.push(-1.0, &mut row);
            p.at_least(row, -c);
        }
        for (u, needs) in &key.conditional {
            // w >= u + a - 1, where a is "one of the candidates that could make it hold".
            let a = self.any_of(p, x, needs);
            let mut row = vec![(w, 1.0), (a, -1.0)];
            let k = u.push(-1.0, &mut row);
            p.at_least(row, -1.0 - k);
        }
        for (us, ks, needs) in &key.whole {
            // w >= sum u - (n - 1) - sum x_k, and with needs, per c: ... + x_c - 1.
            let n = us.len() as f64;
            let a = (!needs.is_empty()).then(|| self.any_of(p, x, needs));
            let base = |extra: Option<u32>| {
                let mut row = vec![(w, 1.0)];
                let mut c = 0.0;
                for u in us {
                    c += u.push(-1.0, &mut row);
                }
                row.extend(ks.iter().map(|k| (x[*k as usize], 1.0)));
                if let Some(a) = extra {
                    row.push((a, -1.0));
                }
                (row, c)
            };
            match a {
                None => {
                    let (row, c) = base(None);
                    p.at_least(row, 1.0 - n - c);
                }
                Some(a) => {
                    let (row, c) = base(Some(a));
                    p.at_least(row, -n - c);
                }
            }
        }
        self.compounds.insert(key, Unit::Var(w));
        Unit::Var(w)
    }
}

fn unit_order(u: Unit) -> u64 {
    match u {
        Unit::One => u64::MAX,
        Unit::Var(v) => u64::from(v) << 1,
        Unit::Not(v) => u64::from(v) << 1 | 1,
    }
}
