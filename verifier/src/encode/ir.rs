//! The constraint form between the model and the solver: Boolean formulas over Boolean and
//! integer variables, with cardinality constraints and strict order on integers (ranks).
//!
//! Small on purpose: every property is written in it, `solve` translates it to Z3 one to one,
//! and [`Problem::to_smt2`] prints it as SMT-LIB so that an encoding can be read and
//! snapshot-tested without a solver. The smart constructors fold constants, so a property of a
//! fixed configuration loses every configuration variable before it reaches the solver.

use std::fmt::Write;

/// A variable of a [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

impl VarId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Bool,
    Int,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VarInfo {
    pub name: String,
    pub sort: Sort,
}

/// A Boolean formula. Build it with the constructors below, which fold constants.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(bool),
    Var(VarId),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Implies(Box<Expr>, Box<Expr>),
    Iff(Box<Expr>, Box<Expr>),
    /// At most `k` of the formulas hold.
    AtMost(Vec<Expr>, u32),
    /// At least `k` of the formulas hold.
    AtLeast(Vec<Expr>, u32),
    /// The first integer variable is smaller than the second.
    Less(VarId, VarId),
}

pub const TRUE: Expr = Expr::Const(true);
pub const FALSE: Expr = Expr::Const(false);

impl Expr {
    pub fn var(v: VarId) -> Expr {
        Expr::Var(v)
    }

    pub fn is_true(&self) -> bool {
        matches!(self, Expr::Const(true))
    }

    pub fn is_false(&self) -> bool {
        matches!(self, Expr::Const(false))
    }

    pub fn as_const(&self) -> Option<bool> {
        match self {
            Expr::Const(b) => Some(*b),
            _ => None,
        }
    }
}

pub fn not(e: Expr) -> Expr {
    match e {
        Expr::Const(b) => Expr::Const(!b),
        Expr::Not(inner) => *inner,
        e => Expr::Not(Box::new(e)),
    }
}

pub fn and(items: impl IntoIterator<Item = Expr>) -> Expr {
    let mut out = Vec::new();
    for e in items {
        match e {
            Expr::Const(true) => {}
            Expr::Const(false) => return FALSE,
            Expr::And(inner) => out.extend(inner),
            e => out.push(e),
        }
    }
    match out.len() {
        0 => TRUE,
        1 => out.pop().expect("one item"),
        _ => Expr::And(out),
    }
}

pub fn or(items: impl IntoIterator<Item = Expr>) -> Expr {
    let mut out = Vec::new();
    for e in items {
        match e {
            Expr::Const(false) => {}
            Expr::Const(true) => return TRUE,
            Expr::Or(inner) => out.extend(inner),
            e => out.push(e),
        }
    }
    match out.len() {
        0 => FALSE,
        1 => out.pop().expect("one item"),
        _ => Expr::Or(out),
    }
}

pub fn and2(a: Expr, b: Expr) -> Expr {
    and([a, b])
}

pub fn or2(a: Expr, b: Expr) -> Expr {
    or([a, b])
}

pub fn implies(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Const(false), _) | (_, Expr::Const(true)) => TRUE,
        (Expr::Const(true), b) => b,
        (a, Expr::Const(false)) => not(a),
        (a, b) => Expr::Implies(Box::new(a), Box::new(b)),
    }
}

pub fn iff(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Const(x), Expr::Const(y)) => Expr::Const(x == y),
        (Expr::Const(true), e) | (e, Expr::Const(true)) => e,
        (Expr::Const(false), e) | (e, Expr::Const(false)) => not(e),
        (a, b) => Expr::Iff(Box::new(a), Box::new(b)),
    }
}

/// Drops constant members, adjusting `k`; `None` means the constraint is constant.
fn cardinality(items: Vec<Expr>, k: u32) -> (Vec<Expr>, i64) {
    let mut k = k as i64;
    let mut out = Vec::with_capacity(items.len());
    for e in items {
        match e {
            Expr::Const(true) => k -= 1,
            Expr::Const(false) => {}
            e => out.push(e),
        }
    }
    (out, k)
}

pub fn at_most(items: Vec<Expr>, k: u32) -> Expr {
    let (items, k) = cardinality(items, k);
    if k < 0 {
        FALSE
    } else if items.len() as i64 <= k {
        TRUE
    } else if k == 0 {
        and(items.into_iter().map(not))
    } else {
        Expr::AtMost(items, k as u32)
    }
}

pub fn at_least(items: Vec<Expr>, k: u32) -> Expr {
    let (items, k) = cardinality(items, k);
    if k <= 0 {
        TRUE
    } else if (items.len() as i64) < k {
        FALSE
    } else if items.len() as i64 == k {
        and(items)
    } else if k == 1 {
        or(items)
    } else {
        Expr::AtLeast(items, k as u32)
    }
}

pub fn exactly_one(items: Vec<Expr>) -> Expr {
    and2(at_most(items.clone(), 1), at_least(items, 1))
}

pub fn less(a: VarId, b: VarId) -> Expr {
    if a == b {
        FALSE
    } else {
        Expr::Less(a, b)
    }
}

/// A value that depends on the configuration: the conditions are mutually exclusive and one
/// of them holds, so exactly one value applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Guarded<T>(pub Vec<(Expr, T)>);

impl<T: Clone + PartialEq> Guarded<T> {
    pub fn constant(v: T) -> Self {
        Guarded(vec![(TRUE, v)])
    }

    /// `if cond then v else self`.
    pub fn override_with(self, cond: Expr, v: T) -> Self {
        if cond.is_false() {
            return self;
        }
        if cond.is_true() {
            return Guarded::constant(v);
        }
        let mut out = vec![(cond.clone(), v)];
        for (c, x) in self.0 {
            out.push((and2(not(cond.clone()), c), x));
        }
        Guarded(out).merged()
    }

    /// The condition under which the value satisfies `pred`.
    pub fn test(&self, pred: impl Fn(&T) -> bool) -> Expr {
        or(self
            .0
            .iter()
            .filter(|(_, v)| pred(v))
            .map(|(c, _)| c.clone()))
    }

    /// Joins entries with equal values and drops impossible ones.
    pub fn merged(self) -> Self {
        let mut out: Vec<(Vec<Expr>, T)> = Vec::new();
        for (c, v) in self.0 {
            if c.is_false() {
                continue;
            }
            match out.iter_mut().find(|(_, x)| *x == v) {
                Some((cs, _)) => cs.push(c),
                None => out.push((vec![c], v)),
            }
        }
        Guarded(out.into_iter().map(|(cs, v)| (or(cs), v)).collect())
    }

    /// The only value, when the value does not depend on the configuration.
    pub fn as_constant(&self) -> Option<&T> {
        match self.0.as_slice() {
            [(c, v)] if c.is_true() => Some(v),
            _ => None,
        }
    }
}

/// A named constraint, for reading the encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub note: String,
    pub expr: Expr,
}

/// Variables and the constraints over them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    pub vars: Vec<VarInfo>,
    pub assertions: Vec<Assertion>,
}

impl Problem {
    pub fn bool_var(&mut self, name: impl Into<String>) -> VarId {
        self.var(name.into(), Sort::Bool)
    }

    pub fn int_var(&mut self, name: impl Into<String>) -> VarId {
        self.var(name.into(), Sort::Int)
    }

    fn var(&mut self, name: String, sort: Sort) -> VarId {
        let id = VarId(self.vars.len() as u32);
        self.vars.push(VarInfo { name, sort });
        id
    }

    /// Adds a constraint; a constant `true` is dropped.
    pub fn assert(&mut self, note: impl Into<String>, expr: Expr) {
        if !expr.is_true() {
            self.assertions.push(Assertion {
                note: note.into(),
                expr,
            });
        }
    }

    pub fn name(&self, v: VarId) -> &str {
        &self.vars[v.idx()].name
    }

    /// The number of nodes of all constraints, a measure of the encoding's size.
    pub fn size(&self) -> usize {
        fn count(e: &Expr) -> usize {
            match e {
                Expr::Const(_) | Expr::Var(_) | Expr::Less(..) => 1,
                Expr::Not(x) => 1 + count(x),
                Expr::And(xs) | Expr::Or(xs) | Expr::AtMost(xs, _) | Expr::AtLeast(xs, _) => {
                    1 + xs.iter().map(count).sum::<usize>()
                }
                Expr::Implies(a, b) | Expr::Iff(a, b) => 1 + count(a) + count(b),
            }
        }
        self.assertions.iter().map(|a| count(&a.expr)).sum()
    }

    /// The problem as an SMT-LIB 2 script (declarations, then one assertion per constraint
    /// preceded by its note as a comment).
    pub fn to_smt2(&self) -> String {
        let mut out = String::new();
        for v in &self.vars {
            let sort = match v.sort {
                Sort::Bool => "Bool",
                Sort::Int => "Int",
            };
            let _ = writeln!(out, "(declare-const {} {sort})", symbol(&v.name));
        }
        for a in &self.assertions {
            let _ = writeln!(out, "; {}", a.note);
            let _ = writeln!(out, "(assert {})", self.expr_smt2(&a.expr));
        }
        out.push_str("(check-sat)\n");
        out
    }

    pub fn expr_smt2(&self, e: &Expr) -> String {
        let mut s = String::new();
        self.write_expr(&mut s, e);
        s
    }

    fn write_expr(&self, s: &mut String, e: &Expr) {
        let list = |this: &Self, s: &mut String, head: &str, xs: &[Expr]| {
            s.push('(');
            s.push_str(head);
            for x in xs {
                s.push(' ');
                this.write_expr(s, x);
            }
            s.push(')');
        };
        match e {
            Expr::Const(true) => s.push_str("true"),
            Expr::Const(false) => s.push_str("false"),
            Expr::Var(v) => s.push_str(&symbol(self.name(*v))),
            Expr::Not(x) => {
                s.push_str("(not ");
                self.write_expr(s, x);
                s.push(')');
            }
            Expr::And(xs) => list(self, s, "and", xs),
            Expr::Or(xs) => list(self, s, "or", xs),
            Expr::Implies(a, b) => list(self, s, "=>", &[(**a).clone(), (**b).clone()]),
            Expr::Iff(a, b) => list(self, s, "=", &[(**a).clone(), (**b).clone()]),
            Expr::AtMost(xs, k) => list(self, s, &format!("(_ at-most {k})"), xs),
            Expr::AtLeast(xs, k) => list(self, s, &format!("(_ at-least {k})"), xs),
            Expr::Less(a, b) => {
                let _ = write!(s, "(< {} {})", symbol(self.name(*a)), symbol(self.name(*b)));
            }
        }
    }
}

/// An SMT-LIB symbol: plain when it can be, `|quoted|` otherwise.
fn symbol(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "~!@$%^&*_-+=<>.?/".contains(c));
    if plain {
        name.to_string()
    } else {
        format!("|{}|", name.replace(['|', '\\'], "_"))
    }
}

/// Values of a problem's variables, as a solver found them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub bools: Vec<Option<bool>>,
    pub ints: Vec<Option<i64>>,
}

impl Assignment {
    pub fn bool(&self, v: VarId) -> bool {
        self.bools.get(v.idx()).copied().flatten().unwrap_or(false)
    }

    pub fn int(&self, v: VarId) -> i64 {
        self.ints.get(v.idx()).copied().flatten().unwrap_or(0)
    }

    /// The value of a formula under this assignment.
    pub fn eval(&self, e: &Expr) -> bool {
        match e {
            Expr::Const(b) => *b,
            Expr::Var(v) => self.bool(*v),
            Expr::Not(x) => !self.eval(x),
            Expr::And(xs) => xs.iter().all(|x| self.eval(x)),
            Expr::Or(xs) => xs.iter().any(|x| self.eval(x)),
            Expr::Implies(a, b) => !self.eval(a) || self.eval(b),
            Expr::Iff(a, b) => self.eval(a) == self.eval(b),
            Expr::AtMost(xs, k) => xs.iter().filter(|x| self.eval(x)).count() <= *k as usize,
            Expr::AtLeast(xs, k) => xs.iter().filter(|x| self.eval(x)).count() >= *k as usize,
            Expr::Less(a, b) => self.int(*a) < self.int(*b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_fold_constants() {
        let mut p = Problem::default();
        let x = Expr::var(p.bool_var("x"));
        assert_eq!(and([TRUE, x.clone()]), x);
        assert_eq!(and([FALSE, x.clone()]), FALSE);
        assert_eq!(or([FALSE, x.clone()]), x);
        assert_eq!(implies(TRUE, x.clone()), x);
        assert_eq!(implies(x.clone(), FALSE), not(x.clone()));
        assert_eq!(not(not(x.clone())), x);
        assert_eq!(at_most(vec![TRUE, TRUE, x.clone()], 1), FALSE);
        assert_eq!(at_most(vec![TRUE, x.clone()], 1), not(x.clone()));
        assert_eq!(at_least(vec![TRUE, x.clone()], 1), TRUE);
        assert_eq!(at_least(vec![x.clone(), FALSE], 1), x);
    }

    #[test]
    fn guarded_values_keep_the_last_override() {
        let mut p = Problem::default();
        let a = Expr::var(p.bool_var("a"));
        let b = Expr::var(p.bool_var("b"));
        let g = Guarded::constant(0)
            .override_with(a.clone(), 1)
            .override_with(b.clone(), 2);
        let mut asg = Assignment {
            bools: vec![Some(true), Some(false)],
            ints: vec![],
        };
        let value = |asg: &Assignment| {
            g.0.iter()
                .filter(|(c, _)| asg.eval(c))
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
        };
        assert_eq!(value(&asg), vec![1]);
        asg.bools[1] = Some(true);
        assert_eq!(value(&asg), vec![2]);
        asg.bools = vec![Some(false), Some(false)];
        assert_eq!(value(&asg), vec![0]);
    }

    #[test]
    fn smt2_quotes_symbols_that_need_it() {
        let mut p = Problem::default();
        let x = p.bool_var("reached db.exfiltrate");
        let y = p.bool_var("on.waf");
        p.assert("x or y", or2(Expr::var(x), Expr::var(y)));
        assert_eq!(
            p.to_smt2(),
            "(declare-const |reached db.exfiltrate| Bool)\n(declare-const on.waf Bool)\n; x or y\n(assert (or |reached db.exfiltrate| on.waf))\n(check-sat)\n"
        );
    }
}
