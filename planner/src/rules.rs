//! What a plan must respect besides its objective: the budget, mandatory controls, one option
//! per group, at most one control per asset, and the verifier's properties (as the clauses
//! learnt from their witnesses). Each rule is a group of rows over the candidates' binary
//! variables; when no plan respects them all, a deletion filter over the rules finds a
//! smallest conflicting set and [`explain`] says it in words.

use std::time::Duration;

use ensure_model::Model;
use ensure_verifier::encode::ir::Expr;
use serde::{Deserialize, Serialize};

use crate::candidates::{BudgetBasis, Candidates};
use crate::milp::{self, Answer, Program, Solver};

/// One rule a plan must respect, as the output names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Rule {
    /// The chosen candidates cost at most this (on the basis).
    Budget { budget_eur: f64, basis: BudgetBasis },
    /// This control must be chosen.
    Required { control: String },
    /// At most one of these options of one group.
    Group {
        group: String,
        controls: Vec<String>,
    },
    /// At most one of the controls protecting this asset.
    PerAsset {
        asset: String,
        controls: Vec<String>,
    },
    /// The property must hold with the plan on; `requires` are the clauses learnt from its
    /// witnesses so far, in the verifier's words.
    Property {
        property: String,
        requires: Vec<String>,
    },
}

/// A learnt clause of a property: the verifier's formula over candidates, and its words.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub expr: Expr,
    pub requires: String,
}

/// The rules in force, over candidate numbers.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub costs: Vec<f64>,
    pub basis: BudgetBasis,
    pub budget: f64,
    pub required: Vec<usize>,
    pub groups: Vec<(String, Vec<usize>)>,
    pub per_asset: Vec<(String, Vec<usize>)>,
    /// Per must-hold property: its id and the clauses learnt so far.
    pub properties: Vec<(String, Vec<Clause>)>,
}

/// A rule by position: budget, then required, groups, per-asset, properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleRef {
    Budget,
    Required(usize),
    Group(usize),
    PerAsset(usize),
    Property(usize),
}

impl Rules {
    pub fn new(
        model: &Model,
        cand: &Candidates,
        basis: BudgetBasis,
        budget: f64,
        required: Vec<usize>,
        per_asset: bool,
        properties: Vec<String>,
    ) -> Rules {
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for i in 0..cand.len() {
            if let Some(g) = &cand.control(model, i).group {
                match groups.iter_mut().find(|(n, _)| n == g) {
                    Some((_, v)) => v.push(i),
                    None => groups.push((g.clone(), vec![i])),
                }
            }
        }
        groups.retain(|(_, v)| v.len() > 1);
        let mut assets: Vec<(String, Vec<usize>)> = Vec::new();
        if per_asset {
            let mut by_asset: Vec<Vec<usize>> = vec![Vec::new(); model.assets.len()];
            for i in 0..cand.len() {
                let mut protects = cand.control(model, i).protects.clone();
                protects.sort();
                protects.dedup();
                for a in protects {
                    by_asset[a.idx()].push(i);
                }
            }
            for (a, v) in by_asset.into_iter().enumerate() {
                if v.len() > 1 {
                    assets.push((model.assets[a].id.clone(), v));
                }
            }
        }
        Rules {
            costs: cand.costs(model, basis),
            basis,
            budget,
            required,
            groups,
            per_asset: assets,
            properties: properties.into_iter().map(|p| (p, Vec::new())).collect(),
        }
    }

    pub fn all(&self) -> Vec<RuleRef> {
        let mut v = vec![RuleRef::Budget];
        v.extend((0..self.required.len()).map(RuleRef::Required));
        v.extend((0..self.groups.len()).map(RuleRef::Group));
        v.extend((0..self.per_asset.len()).map(RuleRef::PerAsset));
        v.extend((0..self.properties.len()).map(RuleRef::Property));
        v
    }

    /// Adds the rows of `rules` over the candidates' variables `x`.
    pub fn add(&self, p: &mut Program, x: &[u32], rules: &[RuleRef]) {
        for r in rules {
            match *r {
                RuleRef::Budget if self.budget.is_infinite() => {}
                RuleRef::Budget => {
                    let terms: Vec<(u32, f64)> = x
                        .iter()
                        .zip(&self.costs)
                        .filter(|(_, c)| **c != 0.0)
                        .map(|(v, c)| (*v, *c))
                        .collect();
                    // A cent of slack: costs are sums of decimal figures.
                    p.at_most(terms, self.budget + 0.01);
                }
                RuleRef::Required(i) => {
                    let v = x[self.required[i]];
                    p.at_least(vec![(v, 1.0)], 1.0);
                }
                RuleRef::Group(i) => {
                    p.at_most(self.groups[i].1.iter().map(|c| (x[*c], 1.0)).collect(), 1.0)
                }
                RuleRef::PerAsset(i) => p.at_most(
                    self.per_asset[i].1.iter().map(|c| (x[*c], 1.0)).collect(),
                    1.0,
                ),
                RuleRef::Property(i) => {
                    for cl in &self.properties[i].1 {
                        assert_expr(p, x, &cl.expr);
                    }
                }
            }
        }
    }

    /// Whether `chosen` respects every rule but the properties (which only the verifier can
    /// judge).
    pub fn admits(&self, chosen: &[bool]) -> bool {
        let cost: f64 = chosen
            .iter()
            .zip(&self.costs)
            .filter(|(c, _)| **c)
            .map(|(_, c)| c)
            .sum();
        cost <= self.budget + 0.01
            && self.required.iter().all(|i| chosen[*i])
            && self
                .groups
                .iter()
                .chain(&self.per_asset)
                .all(|(_, v)| v.iter().filter(|i| chosen[**i]).count() <= 1)
    }

    pub fn cost(&self, chosen: &[bool]) -> f64 {
        chosen
            .iter()
            .zip(&self.costs)
            .filter(|(c, _)| **c)
            .map(|(_, c)| c)
            .sum()
    }

    pub fn describe(&self, model: &Model, cand: &Candidates, r: RuleRef) -> Rule {
        let name = |i: usize| cand.control(model, i).id.clone();
        match r {
            RuleRef::Budget => Rule::Budget {
                budget_eur: self.budget,
                basis: self.basis,
            },
            RuleRef::Required(i) => Rule::Required {
                control: name(self.required[i]),
            },
            RuleRef::Group(i) => Rule::Group {
                group: self.groups[i].0.clone(),
                controls: self.groups[i].1.iter().map(|c| name(*c)).collect(),
            },
            RuleRef::PerAsset(i) => Rule::PerAsset {
                asset: self.per_asset[i].0.clone(),
                controls: self.per_asset[i].1.iter().map(|c| name(*c)).collect(),
            },
            RuleRef::Property(i) => Rule::Property {
                property: self.properties[i].0.clone(),
                requires: self.properties[i]
                    .1
                    .iter()
                    .map(|c| c.requires.clone())
                    .collect(),
            },
        }
    }

    /// The cheapest set of candidates respecting `rules` (the budget excluded), if any.
    fn cheapest(
        &self,
        n: usize,
        rules: &[RuleRef],
        solver: Solver,
        time_limit: Duration,
    ) -> Option<Vec<bool>> {
        let mut p = Program::default();
        let x: Vec<u32> = (0..n).map(|_| p.binary()).collect();
        self.add(&mut p, &x, rules);
        p.objective = x
            .iter()
            .zip(&self.costs)
            .map(|(v, c)| (*v, c.max(0.0) + 1e-6))
            .collect();
        match milp::solve(&p, solver, time_limit).0 {
            Answer::Optimal(v) | Answer::Stopped(v) => {
                Some(x.iter().map(|i| v[*i as usize] > 0.5).collect())
            }
            _ => None,
        }
    }
}

/// Whether some set of `n` candidates respects `rules`: `Some(answer)` when the solver could
/// tell.
fn feasible(
    rules: &Rules,
    n: usize,
    subset: &[RuleRef],
    solver: Solver,
    time_limit: Duration,
) -> Option<bool> {
    let mut p = Program::default();
    let x: Vec<u32> = (0..n).map(|_| p.binary()).collect();
    rules.add(&mut p, &x, subset);
    match milp::solve(&p, solver, time_limit).0 {
        Answer::Optimal(_) | Answer::Stopped(_) => Some(true),
        Answer::Infeasible => Some(false),
        Answer::Failed(_) => None,
    }
}

/// A set of rules that no plan can respect together, and why, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub rules: Vec<Rule>,
    pub explanation: String,
}

/// A smallest set of conflicting rules (dropping any one of them leaves a feasible set), by
/// a deletion filter; `None` if the rules are feasible or the solver cannot tell.
pub(crate) fn conflict(
    rules: &Rules,
    n: usize,
    solver: Solver,
    time_limit: Duration,
) -> Option<Vec<RuleRef>> {
    let mut set = rules.all();
    if feasible(rules, n, &set, solver, time_limit)? {
        return None;
    }
    for r in rules.all() {
        let without: Vec<RuleRef> = set.iter().copied().filter(|x| *x != r).collect();
        if feasible(rules, n, &without, solver, time_limit) == Some(false) {
            set = without;
        }
    }
    Some(set)
}

fn eur(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    let whole = cents.abs() / 100;
    let mut digits = whole.to_string();
    let mut out = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        out = format!(",{tail}{out}");
    }
    out = format!("{digits}{out}");
    if cents % 100 != 0 {
        out = format!("{out}.{:02}", cents.abs() % 100);
    }
    if cents < 0 {
        format!("-{out} EUR")
    } else {
        format!("{out} EUR")
    }
}

fn list(names: &[String]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The conflict in words.
pub(crate) fn explain(
    model: &Model,
    cand: &Candidates,
    rules: &Rules,
    set: &[RuleRef],
    solver: Solver,
    time_limit: Duration,
) -> Conflict {
    let described: Vec<Rule> = set
        .iter()
        .map(|r| rules.describe(model, cand, *r))
        .collect();
    let required: Vec<String> = set
        .iter()
        .filter_map(|r| match r {
            RuleRef::Required(i) => Some(cand.control(model, rules.required[*i]).id.clone()),
            _ => None,
        })
        .collect();
    let basis = rules.basis.describe();
    let explanation = if set.contains(&RuleRef::Budget) {
        let others: Vec<RuleRef> = set
            .iter()
            .copied()
            .filter(|r| *r != RuleRef::Budget)
            .collect();
        let only_required = others.iter().all(|r| matches!(r, RuleRef::Required(_)));
        match rules.cheapest(cand.len(), &others, solver, time_limit) {
            Some(cheapest) if only_required => {
                let cost = rules.cost(&cheapest);
                let (s, verb) = if required.len() > 1 {
                    ("s", format!("cost {} together", eur(cost)))
                } else {
                    ("", format!("costs {}", eur(cost)))
                };
                format!(
                    "mandatory control{s} {} {verb} ({basis}), over the budget of {}",
                    list(&required),
                    eur(rules.budget)
                )
            }
            Some(cheapest) => {
                let cost = rules.cost(&cheapest);
                let props: Vec<String> = others
                    .iter()
                    .filter_map(|r| match r {
                        RuleRef::Property(i) => Some(format!("`{}`", rules.properties[*i].0)),
                        _ => None,
                    })
                    .collect();
                let limits: Vec<String> = others
                    .iter()
                    .filter(|r| matches!(r, RuleRef::Group(_) | RuleRef::PerAsset(_)))
                    .map(|r| short(&rules.describe(model, cand, *r)))
                    .collect();
                let mut what = if props.is_empty() {
                    format!("the mandatory controls {}", list(&required))
                } else {
                    format!(
                        "making propert{} {} hold",
                        if props.len() > 1 { "ies" } else { "y" },
                        list(&props)
                    )
                };
                if !props.is_empty() && !required.is_empty() {
                    what += &format!(" with {} mandatory", list(&required));
                }
                if !limits.is_empty() {
                    what += &format!(" (where {})", list(&limits));
                }
                format!(
                    "{what} costs at least {} ({basis}; the cheapest way: {}), over the budget of {}",
                    eur(cost),
                    list(&cand.chosen_ids(model, &cheapest)),
                    eur(rules.budget)
                )
            }
            None => format!(
                "the budget of {} conflicts with {}",
                eur(rules.budget),
                list(
                    &described
                        .iter()
                        .filter(|r| !matches!(r, Rule::Budget { .. }))
                        .map(short)
                        .collect::<Vec<_>>()
                )
            ),
        }
    } else if let [RuleRef::Property(i)] = set {
        let (id, clauses) = &rules.properties[*i];
        format!(
            "no set of candidate controls makes property `{id}` hold; from its witnesses the verifier learnt: {}",
            clauses
                .iter()
                .map(|c| c.requires.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    } else {
        let limits: Vec<String> = described
            .iter()
            .filter(|r| !matches!(r, Rule::Required { .. }))
            .map(short)
            .collect();
        if required.len() >= 2 && limits.len() == 1 {
            format!(
                "{} are {} mandatory, but {}",
                list(&required),
                if required.len() == 2 { "both" } else { "all" },
                limits[0]
            )
        } else {
            format!(
                "{} cannot all hold{}",
                list(&limits),
                if required.is_empty() {
                    String::new()
                } else {
                    format!(" with {} mandatory", list(&required))
                }
            )
        }
    };
    Conflict {
        rules: described,
        explanation,
    }
}

/// A rule in a few words.
fn short(r: &Rule) -> String {
    match r {
        Rule::Budget { budget_eur, basis } => {
            format!("the budget of {} ({})", eur(*budget_eur), basis.as_str())
        }
        Rule::Required { control } => format!("mandatory {control}"),
        Rule::Group { group, controls } => {
            format!("group `{group}` allows only one of {}", list(controls))
        }
        Rule::PerAsset { asset, controls } => format!(
            "asset `{asset}` takes at most one of its protecting controls {}",
            list(controls)
        ),
        Rule::Property { property, .. } => format!("property `{property}` must hold"),
    }
}

/// A 0/1 quantity as `constant + coef * var` (or a constant).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lit {
    Const(bool),
    /// `var` when `positive`, else `1 - var`.
    Var {
        var: u32,
        positive: bool,
    },
}

impl Lit {
    fn not(self) -> Lit {
        match self {
            Lit::Const(b) => Lit::Const(!b),
            Lit::Var { var, positive } => Lit::Var {
                var,
                positive: !positive,
            },
        }
    }

    /// Adds `weight * self` to `terms`; returns the constant part.
    fn push(self, weight: f64, terms: &mut Vec<(u32, f64)>) -> f64 {
        match self {
            Lit::Const(b) => weight * f64::from(u8::from(b)),
            Lit::Var {
                var,
                positive: true,
            } => {
                terms.push((var, weight));
                0.0
            }
            Lit::Var {
                var,
                positive: false,
            } => {
                terms.push((var, -weight));
                weight
            }
        }
    }
}

/// Requires `e` to hold. Top-level conjunctions, disjunctions and cardinalities of literals
/// become one row each; anything deeper gets Tseitin variables.
pub(crate) fn assert_expr(p: &mut Program, x: &[u32], e: &Expr) {
    match e {
        Expr::And(items) => items.iter().for_each(|i| assert_expr(p, x, i)),
        Expr::Or(items) => at_least_k(p, x, items, 1),
        Expr::AtLeast(items, k) => at_least_k(p, x, items, *k),
        e => {
            let l = encode(p, x, e);
            let mut terms = Vec::new();
            let c = l.push(1.0, &mut terms);
            p.at_least(terms, 1.0 - c);
        }
    }
}

fn at_least_k(p: &mut Program, x: &[u32], items: &[Expr], k: u32) {
    let lits: Vec<Lit> = items.iter().map(|i| encode(p, x, i)).collect();
    let mut terms = Vec::new();
    let c: f64 = lits.iter().map(|l| l.push(1.0, &mut terms)).sum();
    p.at_least(terms, f64::from(k) - c);
}

/// A literal equal to `e` (both directions), adding variables and rows as needed.
fn encode(p: &mut Program, x: &[u32], e: &Expr) -> Lit {
    match e {
        Expr::Const(b) => Lit::Const(*b),
        Expr::Var(v) => Lit::Var {
            var: x[v.idx()],
            positive: true,
        },
        Expr::Not(inner) => encode(p, x, inner).not(),
        Expr::And(items) => {
            // w = AND(l): w <= l_i, w >= sum l - (n - 1).
            let lits: Vec<Lit> = items.iter().map(|i| encode(p, x, i)).collect();
            let w = p.binary();
            let mut sum = vec![(w, -1.0)];
            let mut c = 0.0;
            for l in &lits {
                let mut t = vec![(w, 1.0)];
                let cl = l.push(-1.0, &mut t);
                p.at_most(t, -cl);
                c += l.push(1.0, &mut sum);
            }
            p.at_most(sum, lits.len() as f64 - 1.0 - c);
            Lit::Var {
                var: w,
                positive: true,
            }
        }
        Expr::Or(items) => encode(
            p,
            x,
            &Expr::Not(Box::new(Expr::And(
                items
                    .iter()
                    .map(|i| Expr::Not(Box::new(i.clone())))
                    .collect(),
            ))),
        ),
        Expr::Implies(a, b) => encode(
            p,
            x,
            &Expr::Or(vec![Expr::Not(a.clone()), b.as_ref().clone()]),
        ),
        Expr::Iff(a, b) => {
            let (la, lb) = (encode(p, x, a), encode(p, x, b));
            // w = (a == b) = (a and b) or (not a and not b): four rows.
            let w = p.binary();
            let rows: [(f64, f64, f64, f64); 4] = [
                // w >= a + b - 1      ->  -w + a + b <= 1
                (-1.0, 1.0, 1.0, 1.0),
                // w >= 1 - a - b      ->  -w - a - b <= -1
                (-1.0, -1.0, -1.0, -1.0),
                // w <= 1 - a + b      ->   w + a - b <= 1
                (1.0, 1.0, -1.0, 1.0),
                // w <= 1 + a - b      ->   w - a + b <= 1
                (1.0, -1.0, 1.0, 1.0),
            ];
            for (cw, ca, cb, rhs) in rows {
                let mut t = vec![(w, cw)];
                let c = la.push(ca, &mut t) + lb.push(cb, &mut t);
                p.at_most(t, rhs - c);
            }
            Lit::Var {
                var: w,
                positive: true,
            }
        }
        Expr::AtLeast(items, k) => {
            // w = (sum l >= k): sum l >= k w, sum l <= (k - 1) + (n - k + 1) w.
            let lits: Vec<Lit> = items.iter().map(|i| encode(p, x, i)).collect();
            let n = lits.len() as f64;
            let k = f64::from(*k);
            let w = p.binary();
            let mut lo = vec![(w, -k)];
            let mut hi = vec![(w, -(n - k + 1.0))];
            let mut c = 0.0;
            for l in &lits {
                c += l.push(1.0, &mut lo);
                l.push(1.0, &mut hi);
            }
            p.at_least(lo, -c);
            p.at_most(hi, k - 1.0 - c);
            Lit::Var {
                var: w,
                positive: true,
            }
        }
        Expr::AtMost(items, k) => encode(p, x, &Expr::AtLeast(items.clone(), k + 1)).not(),
        // Integer order appears only in encodings of attack graphs, never in a clause over
        // controls; a clause that had one could not be honoured, so it forbids everything.
        Expr::Less(..) => Lit::Const(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ensure_verifier::encode::ir::{self, VarId};

    fn var(i: u32) -> Expr {
        Expr::Var(VarId(i))
    }

    fn eval(e: &Expr, x: &[bool]) -> bool {
        match e {
            Expr::Const(b) => *b,
            Expr::Var(v) => x[v.idx()],
            Expr::Not(a) => !eval(a, x),
            Expr::And(v) => v.iter().all(|a| eval(a, x)),
            Expr::Or(v) => v.iter().any(|a| eval(a, x)),
            Expr::Implies(a, b) => !eval(a, x) || eval(b, x),
            Expr::Iff(a, b) => eval(a, x) == eval(b, x),
            Expr::AtMost(v, k) => v.iter().filter(|a| eval(a, x)).count() <= *k as usize,
            Expr::AtLeast(v, k) => v.iter().filter(|a| eval(a, x)).count() >= *k as usize,
            Expr::Less(..) => false,
        }
    }

    /// The encoded clause admits exactly the assignments of the candidates that satisfy it:
    /// with x fixed, the program is feasible iff the formula is true.
    #[test]
    fn clause_encoding_agrees_with_the_formula_on_every_assignment() {
        let n = 4;
        let exprs = vec![
            ir::or(vec![var(0), ir::not(var(1))]),
            ir::at_least(vec![var(0), var(1), ir::not(var(2)), var(3)], 2),
            ir::or2(
                ir::and2(var(0), var(1)),
                ir::at_least(vec![var(2), var(3), ir::not(var(0))], 2),
            ),
            ir::iff(var(0), ir::or2(var(1), var(2))),
            ir::not(ir::at_most(vec![var(0), var(1), var(2)], 1)),
            ir::implies(var(3), ir::and2(ir::not(var(0)), var(2))),
            ir::at_most(
                vec![ir::and2(var(0), var(1)), var(2), ir::or2(var(3), var(1))],
                1,
            ),
        ];
        for e in &exprs {
            for m in 0..(1u32 << n) {
                let x: Vec<bool> = (0..n).map(|i| (m >> i) & 1 == 1).collect();
                let mut p = Program::default();
                let xs: Vec<u32> = (0..n).map(|_| p.binary()).collect();
                assert_expr(&mut p, &xs, e);
                for (i, v) in xs.iter().enumerate() {
                    let b = f64::from(u8::from(x[i]));
                    p.rows.push(crate::milp::Row {
                        terms: vec![(*v, 1.0)],
                        lo: b,
                        hi: b,
                    });
                }
                for s in Solver::available() {
                    let a = milp::solve(&p, s, Duration::from_secs(10)).0;
                    let feasible = matches!(a, Answer::Optimal(_) | Answer::Stopped(_));
                    assert_eq!(feasible, eval(e, &x), "{s:?}: {e:?} at {x:?}: {a:?}");
                }
            }
        }
    }

    #[test]
    fn euros_read_like_money() {
        assert_eq!(eur(120000.0), "120,000 EUR");
        assert_eq!(eur(1234567.5), "1,234,567.50 EUR");
        assert_eq!(eur(999.0), "999 EUR");
    }
}
