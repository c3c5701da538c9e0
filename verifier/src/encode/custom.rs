//! Custom properties: a formula of the property language, grounded over the model's finite
//! domains. The counterexample asserts the negated formula; the variables of its leading
//! universal quantifiers become solver choices (one Boolean per value, exactly one true),
//! so the falsifying values are read from the solver's model. Inner quantifiers become
//! conjunctions and disjunctions over their domains. Attributes and relations that depend on
//! the configuration (flow attributes, trust, flows in place, `c.on`, reachability) are
//! formulas over the configuration's variables; reachability is an exact least-fixpoint
//! encoding per actor or per compromised asset, shared by every atom that needs it.

use std::collections::HashMap;

use ensure_model::logic::{Attr, Cmp, Domain, Expr as F, Formula, Pred, Term, Value};
use ensure_model::{
    AccessId, ActorId, AssetId, ControlId, CustodyId, DependencyId, FlowId, HostingId, Layer,
    Model, RelationRef, StepId,
};

use super::config::{Config, Scope};
use super::ir::*;
use super::reach::{Reach, ReachSpec};
use super::trust::Trust;
use super::Index;

pub struct Custom<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    /// The leading universal variables, each with its choice per value.
    pub choices: Vec<(usize, Vec<(Value, VarId)>)>,
    /// How many combinations of values of the leading variables there are.
    pub n_instances: u128,
}

/// The grounding would exceed the budget of formula nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub budget: usize,
}

/// The members of a domain, each with the condition under which it is one (flows must be
/// in place).
pub fn members(model: &Model, cfg: &Config, d: &Domain) -> Vec<(Value, Expr)> {
    let assets = (0..model.assets.len()).map(|i| AssetId(i as u32));
    match d {
        Domain::Assets(f) => assets
            .filter(|a| {
                let x = model.asset(*a);
                f.type_
                    .is_none_or(|t| model.type_is(x.type_id, &model.types[t.idx()].id))
                    && f.layer.is_none_or(|l| x.layer == l)
                    && f.org.is_none_or(|o| x.org == Some(o))
                    && f.zone.is_none_or(|z| x.zone == Some(z))
                    && f.tag.as_ref().is_none_or(|t| x.tags.contains(t))
            })
            .map(|a| (Value::Asset(a), TRUE))
            .collect(),
        Domain::Persons | Domain::Insiders => assets
            .filter(|a| {
                let x = model.asset(*a);
                x.layer == Layer::Human && (matches!(d, Domain::Persons) || x.org.is_some())
            })
            .map(|a| (Value::Asset(a), TRUE))
            .collect(),
        Domain::Flows => (0..model.flows.len())
            .map(|i| FlowId(i as u32))
            .map(|f| (Value::Flow(f), cfg.flow_alive(f)))
            .filter(|(_, c)| !c.is_false())
            .collect(),
        Domain::Actors => (0..model.actors.len())
            .map(|i| (Value::Actor(ActorId(i as u32)), TRUE))
            .collect(),
        Domain::Controls => (0..model.controls.len())
            .map(|i| (Value::Control(ControlId(i as u32)), TRUE))
            .collect(),
    }
}

pub fn encode<'m>(
    ix: &Index<'m>,
    formula: &Formula,
    scope: Scope,
    budget: usize,
) -> Result<Custom<'m>, TooLarge> {
    let model = ix.model;
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let prefix = formula.prefix();
    let mut body = &formula.body;
    for _ in &prefix {
        if let F::Forall(_, b) = body {
            body = b;
        }
    }
    // Each combination of the leading variables' values grounds the body at least once:
    // refuse before building anything when that alone is over budget.
    let n_combinations = prefix.iter().fold(1u128, |n, v| {
        n.saturating_mul(members(model, &cfg, &formula.vars[*v].domain).len() as u128)
    });
    if n_combinations > budget as u128 {
        return Err(TooLarge { budget });
    }
    let mut choices = Vec::new();
    let mut n_instances: u128 = 1;
    let mut domains = Vec::new();
    for v in &prefix {
        let ms = members(model, &cfg, &formula.vars[*v].domain);
        n_instances = n_instances.saturating_mul(ms.len() as u128);
        let vars: Vec<(Value, VarId)> = ms
            .iter()
            .map(|(val, _)| {
                let name = format!("{} = {}", formula.vars[*v].name, value_name(model, val));
                (val.clone(), problem.bool_var(name))
            })
            .collect();
        problem.assert(
            format!("one value of {}", formula.vars[*v].name),
            exactly_one(vars.iter().map(|(_, x)| Expr::var(*x)).collect()),
        );
        choices.push((*v, vars));
        domains.push(ms);
    }
    let mut g = Grounder {
        ix,
        cfg: &cfg,
        problem: &mut problem,
        trust: Trust::default(),
        by_actor: HashMap::new(),
        by_asset: HashMap::new(),
        env: vec![None; formula.vars.len()],
        formula,
        budget,
        used: 0,
    };
    let negated = g.negated_prefix(&prefix, &choices, &domains, 0, body)?;
    problem.assert("the formula is false", negated);
    Ok(Custom {
        problem,
        cfg,
        choices,
        n_instances,
    })
}

/// A readable name of a value.
pub fn value_name(model: &Model, v: &Value) -> String {
    match v {
        Value::Asset(a) => model.asset(*a).id.clone(),
        Value::Flow(f) => flow_name(model, *f),
        Value::Actor(a) => model.actors[a.idx()].id.clone(),
        Value::Control(c) => model.controls[c.idx()].id.clone(),
        Value::Num(x) => format!("{x}"),
        Value::Bool(b) => b.to_string(),
        Value::Layer(l) => l.as_str().to_string(),
        Value::Authentication(a) => ensure_model::logic::auth_name(*a).to_string(),
        Value::Encryption(e) => ensure_model::logic::enc_name(*e).to_string(),
        Value::Type(t) => model.types[t.idx()].id.clone(),
        Value::Str(s) => s.clone(),
        Value::None => "none".to_string(),
    }
}

pub fn flow_name(model: &Model, f: FlowId) -> String {
    let flow = &model.flows[f.idx()];
    flow.id.clone().unwrap_or_else(|| {
        format!(
            "{} -> {}",
            model.asset(flow.from).id,
            model.asset(flow.to).id
        )
    })
}

struct Grounder<'a, 'm> {
    ix: &'a Index<'m>,
    cfg: &'a Config<'m>,
    problem: &'a mut Problem,
    trust: Trust,
    by_actor: HashMap<ActorId, Reach>,
    by_asset: HashMap<AssetId, Reach>,
    env: Vec<Option<Value>>,
    formula: &'a Formula,
    budget: usize,
    used: usize,
}

type G<T> = Result<T, TooLarge>;

impl Grounder<'_, '_> {
    fn spend(&mut self, n: usize) -> G<()> {
        self.used += n;
        if self.used > self.budget {
            Err(TooLarge {
                budget: self.budget,
            })
        } else {
            Ok(())
        }
    }

    fn negated_prefix(
        &mut self,
        prefix: &[usize],
        choices: &[(usize, Vec<(Value, VarId)>)],
        domains: &[Vec<(Value, Expr)>],
        i: usize,
        body: &F,
    ) -> G<Expr> {
        if i == prefix.len() {
            let b = self.formula(body)?;
            return Ok(not(b));
        }
        let v = prefix[i];
        let mut out = Vec::with_capacity(domains[i].len());
        for ((val, cond), (_, choice)) in domains[i].iter().zip(&choices[i].1) {
            self.env[v] = Some(val.clone());
            let inner = self.negated_prefix(prefix, choices, domains, i + 1, body)?;
            out.push(implies(Expr::var(*choice), and2(cond.clone(), inner)));
        }
        self.env[v] = None;
        Ok(and(out))
    }

    fn formula(&mut self, e: &F) -> G<Expr> {
        self.spend(1)?;
        Ok(match e {
            F::Const(b) => Expr::Const(*b),
            F::Not(x) => not(self.formula(x)?),
            F::And(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for x in xs {
                    out.push(self.formula(x)?);
                }
                and(out)
            }
            F::Or(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for x in xs {
                    out.push(self.formula(x)?);
                }
                or(out)
            }
            F::Implies(a, b) => implies(self.formula(a)?, self.formula(b)?),
            F::Iff(a, b) => iff(self.formula(a)?, self.formula(b)?),
            F::Forall(v, body) | F::Exists(v, body) => {
                let forall = matches!(e, F::Forall(..));
                let ms = members(self.ix.model, self.cfg, &self.formula.vars[*v].domain);
                let mut out = Vec::with_capacity(ms.len());
                for (val, cond) in ms {
                    self.env[*v] = Some(val);
                    let b = self.formula(body)?;
                    out.push(if forall {
                        implies(cond, b)
                    } else {
                        and2(cond, b)
                    });
                }
                self.env[*v] = None;
                if forall {
                    and(out)
                } else {
                    or(out)
                }
            }
            F::Cmp(op, a, b) => {
                let (a, b) = (self.term(a), self.term(b));
                pairs(&a, &b, |x, y| compare(*op, x, y))
            }
            F::In(t, list) => {
                let a = self.term(t);
                let mut out = Vec::new();
                for item in list {
                    let b = self.term(item);
                    out.push(pairs(&a, &b, |x, y| compare(Cmp::Eq, x, y)));
                }
                or(out)
            }
            F::Truth(t) => self.term(t).test(|v| *v == Value::Bool(true)),
            F::Pred(p) => self.pred(p)?,
        })
    }

    fn term(&mut self, t: &Term) -> Guarded<Value> {
        match t {
            Term::Var(v) => Guarded::constant(self.env[*v].clone().unwrap_or(Value::None)),
            Term::Const(v) => Guarded::constant(v.clone()),
            Term::Attr(owner, attr) => {
                let owner = self.term(owner);
                let mut out = Vec::new();
                for (c, v) in owner.0 {
                    for (c2, w) in self.attr(&v, *attr).0 {
                        out.push((and2(c.clone(), c2), w));
                    }
                }
                Guarded(out).merged()
            }
        }
    }

    fn attr(&mut self, v: &Value, attr: Attr) -> Guarded<Value> {
        let model = self.ix.model;
        let cfg = self.cfg;
        let opt_num = |x: Option<f64>| x.map_or(Value::None, Value::Num);
        let opt_asset = |x: Option<AssetId>| x.map_or(Value::None, Value::Asset);
        let c = Guarded::constant;
        match (v, attr) {
            (Value::Asset(a), _) => {
                let x = model.asset(*a);
                match attr {
                    Attr::Type => c(Value::Type(x.type_id)),
                    Attr::Layer => c(Value::Layer(x.layer)),
                    Attr::Org => c(opt_asset(x.org)),
                    Attr::Zone => c(opt_asset(x.zone)),
                    Attr::Trust => {
                        let t = self.trust.of(cfg, *a);
                        Guarded(
                            t.0.into_iter()
                                .map(|(e, t)| (e, Value::Num(t as f64)))
                                .collect(),
                        )
                    }
                    Attr::Records => c(opt_num(x.records.map(|r| r as f64))),
                    Attr::ValueEur => c(opt_num(x.value_eur)),
                    Attr::CrownJewel => c(Value::Bool(x.crown_jewel)),
                    Attr::Name => c(Value::Str(x.name.clone())),
                    _ => c(Value::None),
                }
            }
            (Value::Flow(f), _) => {
                let x = &model.flows[f.idx()];
                match attr {
                    Attr::From => c(Value::Asset(x.from)),
                    Attr::To => c(Value::Asset(x.to)),
                    Attr::Authentication => Guarded(
                        cfg.authentication(*f)
                            .0
                            .into_iter()
                            .map(|(e, a)| (e, Value::Authentication(a)))
                            .collect(),
                    ),
                    Attr::Encryption => Guarded(
                        cfg.encryption(*f)
                            .0
                            .into_iter()
                            .map(|(e, a)| (e, Value::Encryption(a)))
                            .collect(),
                    ),
                    Attr::InputValidation => Guarded(
                        cfg.input_validation(*f)
                            .0
                            .into_iter()
                            .map(|(e, b)| (e, Value::Bool(b)))
                            .collect(),
                    ),
                    Attr::RateLimited => c(Value::Bool(x.rate_limited)),
                    Attr::Protocol => c(x.protocol.clone().map_or(Value::None, Value::Str)),
                    _ => c(Value::None),
                }
            }
            (Value::Control(k), _) => {
                let x = &model.controls[k.idx()];
                match attr {
                    Attr::On => {
                        let on = cfg.on(*k);
                        Guarded(vec![
                            (on.clone(), Value::Bool(true)),
                            (not(on), Value::Bool(false)),
                        ])
                        .merged()
                    }
                    Attr::Enabled => c(Value::Bool(x.enabled)),
                    Attr::Kind => c(Value::Str(x.kind.clone())),
                    Attr::CostEur => c(Value::Num(x.cost_eur)),
                    Attr::UpkeepEurPerYear => c(Value::Num(x.upkeep_eur_per_year)),
                    _ => c(Value::None),
                }
            }
            _ => c(Value::None),
        }
    }

    fn pred(&mut self, p: &Pred) -> G<Expr> {
        let model = self.ix.model;
        let cfg = self.cfg;
        let assets = |g: &Guarded<Value>| -> Vec<(Expr, AssetId)> {
            g.0.iter()
                .filter_map(|(c, v)| match v {
                    Value::Asset(a) => Some((c.clone(), *a)),
                    _ => None,
                })
                .collect()
        };
        let flows = |g: &Guarded<Value>| -> Vec<(Expr, FlowId)> {
            g.0.iter()
                .filter_map(|(c, v)| match v {
                    Value::Flow(f) => Some((c.clone(), *f)),
                    _ => None,
                })
                .collect()
        };
        let two_assets = |this: &mut Self, a: &Term, b: &Term| {
            let (x, y) = (this.term(a), this.term(b));
            let mut out = Vec::new();
            for (cx, a) in assets(&x) {
                for (cy, b) in assets(&y) {
                    out.push((and2(cx.clone(), cy), a, b));
                }
            }
            out
        };
        Ok(match p {
            Pred::Crosses { flow, gap } => {
                let g = self.term(flow);
                let mut out = Vec::new();
                for (c, f) in flows(&g) {
                    out.push(and2(
                        c,
                        super::boundary::crosses(&mut self.trust, cfg, f, *gap),
                    ));
                }
                or(out)
            }
            Pred::Stores { asset, data } => or(two_assets(self, asset, data)
                .into_iter()
                .map(|(c, a, d)| and2(c, Expr::Const(model.asset(a).stores.contains(&d))))),
            Pred::Carries { flow, data } => {
                let (g, d) = (self.term(flow), self.term(data));
                let mut out = Vec::new();
                for (cf, f) in flows(&g) {
                    for (cd, d) in assets(&d) {
                        out.push(and([cf.clone(), cd, cfg.carries(f, d)]));
                    }
                }
                or(out)
            }
            Pred::Holds { asset, data } => {
                or(two_assets(self, asset, data).into_iter().map(|(c, a, d)| {
                    let by_flow =
                        or((0..model.flows.len())
                            .map(|i| FlowId(i as u32))
                            .filter_map(|f| {
                                let fl = &model.flows[f.idx()];
                                (fl.from == a || fl.to == a).then(|| cfg.carries(f, d))
                            }));
                    and2(
                        c,
                        or2(Expr::Const(model.asset(a).stores.contains(&d)), by_flow),
                    )
                }))
            }
            Pred::HostedOn { asset, host } => {
                or(two_assets(self, asset, host).into_iter().map(|(c, a, h)| {
                    let entries = model
                        .hosting
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| x.asset == a && x.on == h)
                        .map(|(i, _)| {
                            cfg.relation_alive(RelationRef::Hosting(HostingId(i as u32)))
                        });
                    and2(c, or(entries))
                }))
            }
            Pred::HasAccess { who, to, right } => {
                or(two_assets(self, who, to).into_iter().map(|(c, w, t)| {
                    let entries = model
                        .access
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| {
                            x.who == w && x.to == t && right.is_none_or(|r| x.rights.contains(&r))
                        })
                        .map(|(i, _)| cfg.relation_alive(RelationRef::Access(AccessId(i as u32))));
                    and2(c, or(entries))
                }))
            }
            Pred::Custody { holder, item } => {
                or(two_assets(self, holder, item)
                    .into_iter()
                    .map(|(c, h, it)| {
                        let entries = model
                            .custody
                            .iter()
                            .enumerate()
                            .filter(|(_, x)| x.holder == h && x.item == it)
                            .map(|(i, _)| {
                                cfg.relation_alive(RelationRef::Custody(CustodyId(i as u32)))
                            });
                        and2(c, or(entries))
                    }))
            }
            Pred::DependsOn { service, on } => {
                or(two_assets(self, service, on).into_iter().map(|(c, s, o)| {
                    let entries = model
                        .dependencies
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| x.service == s && x.on.contains(&o))
                        .map(|(i, _)| {
                            cfg.relation_alive(RelationRef::Dependency(DependencyId(i as u32)))
                        });
                    and2(c, or(entries))
                }))
            }
            Pred::Is { asset, ty } => {
                let g = self.term(asset);
                or(assets(&g).into_iter().map(|(c, a)| {
                    and2(
                        c,
                        Expr::Const(
                            model.type_is(model.asset(a).type_id, &model.types[ty.idx()].id),
                        ),
                    )
                }))
            }
            Pred::Tagged { asset, tag } => {
                let g = self.term(asset);
                or(assets(&g)
                    .into_iter()
                    .map(|(c, a)| and2(c, Expr::Const(model.asset(a).tags.contains(tag)))))
            }
            Pred::Reachable { actor, asset } => {
                let (x, y) = (self.term(actor), self.term(asset));
                let mut out = Vec::new();
                for (ca, v) in &x.0 {
                    let Value::Actor(act) = v else { continue };
                    for (cb, a) in assets(&y) {
                        self.actor_reach(*act)?;
                        out.push(and([
                            ca.clone(),
                            cb,
                            self.reached_asset(Source::Actor(*act), a),
                        ]));
                    }
                }
                or(out)
            }
            Pred::Reaches { from, asset } => {
                let mut out = Vec::new();
                for (c, p, a) in two_assets(self, from, asset) {
                    self.asset_reach(p)?;
                    out.push(and2(c, self.reached_asset(Source::Asset(p), a)));
                }
                or(out)
            }
        })
    }

    fn actor_reach(&mut self, a: ActorId) -> G<()> {
        if !self.by_actor.contains_key(&a) {
            let model = self.ix.model;
            let actor = &model.actors[a.idx()];
            let caps = actor.capabilities.clone();
            let capable = move |s: StepId| Expr::Const(caps.contains(&model.step(s).layer));
            let spec = ReachSpec {
                tag: format!("[{}]", actor.id),
                entries: actor.entry.iter().map(|s| (*s, TRUE)).collect(),
                capable: &capable,
                targets: None,
                exact: true,
                separate: &|_| false,
            };
            let r = Reach::encode(self.ix, self.cfg, &spec, self.problem);
            self.spend(r.cone.len())?;
            self.by_actor.insert(a, r);
        }
        Ok(())
    }

    fn asset_reach(&mut self, p: AssetId) -> G<()> {
        if !self.by_asset.contains_key(&p) {
            let model = self.ix.model;
            let spec = ReachSpec {
                tag: format!("[{}]", model.asset(p).id),
                entries: model.steps_of(p).iter().map(|s| (*s, TRUE)).collect(),
                capable: &|_| TRUE,
                targets: None,
                exact: true,
                separate: &|_| false,
            };
            let r = Reach::encode(self.ix, self.cfg, &spec, self.problem);
            self.spend(r.cone.len())?;
            self.by_asset.insert(p, r);
        }
        Ok(())
    }

    /// Some step of `a` is reached from `src`.
    fn reached_asset(&self, src: Source, a: AssetId) -> Expr {
        let r = match src {
            Source::Actor(x) => &self.by_actor[&x],
            Source::Asset(p) => &self.by_asset[&p],
        };
        or(self.ix.model.steps_of(a).iter().map(|s| r.reached(*s)))
    }
}

#[derive(Clone, Copy)]
enum Source {
    Actor(ActorId),
    Asset(AssetId),
}

/// The condition under which `f` holds of the values of two guarded terms.
fn pairs(a: &Guarded<Value>, b: &Guarded<Value>, f: impl Fn(&Value, &Value) -> bool) -> Expr {
    let mut out = Vec::new();
    for (ca, x) in &a.0 {
        for (cb, y) in &b.0 {
            if f(x, y) {
                out.push(and2(ca.clone(), cb.clone()));
            }
        }
    }
    or(out)
}

/// Comparison of two values. An absent value (`none`) equals only `none`, and no order
/// holds with it.
pub fn compare(op: Cmp, x: &Value, y: &Value) -> bool {
    match op {
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
        _ => match (x, y) {
            (Value::Num(a), Value::Num(b)) => match op {
                Cmp::Lt => a < b,
                Cmp::Le => a <= b,
                Cmp::Gt => a > b,
                Cmp::Ge => a >= b,
                Cmp::Eq | Cmp::Ne => unreachable!("handled above"),
            },
            _ => false,
        },
    }
}
