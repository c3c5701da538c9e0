//! A brute-force reading of the semantics (book: methods/semantics.md), written without the
//! verifier's encodings: it enumerates configurations, actors, failed sets, coalitions and
//! subsets of controls, and computes least fixpoints by iteration. Slow and obviously
//! correct on the small models the property tests generate.

use std::collections::{BTreeSet, HashSet};

use ensure_model::logic::{Attr, Cmp, Domain, Expr as F, Formula, Pred, Term, Value};
use ensure_model::{
    ActorId, AssetId, Change, ControlId, FlowId, Layer, Model, Property, PropertyKind, RelationRef,
    Requires, StepId,
};

/// Which controls are on.
pub type On = Vec<bool>;

/// The configurations a property is checked in.
pub fn configurations(model: &Model, all: bool) -> Vec<On> {
    let base: On = model.controls.iter().map(|c| c.enabled).collect();
    if !all {
        return vec![base];
    }
    let group_has_enabled = |g: &Option<String>| {
        g.as_ref().is_some_and(|g| {
            model
                .controls
                .iter()
                .any(|c| c.enabled && c.group.as_ref() == Some(g))
        })
    };
    let free: Vec<usize> = (0..model.controls.len())
        .filter(|i| !model.controls[*i].enabled && !group_has_enabled(&model.controls[*i].group))
        .collect();
    let mut out = Vec::new();
    for mask in 0u64..(1u64 << free.len()) {
        let mut on = base.clone();
        for (k, i) in free.iter().enumerate() {
            if mask & (1 << k) != 0 {
                on[*i] = true;
            }
        }
        // A candidate that is on shares its group with no other control that is on (two
        // enabled controls of one group are the model's business, not a configuration's).
        let mut ok = true;
        for (i, c) in model.controls.iter().enumerate() {
            for (j, d) in model.controls.iter().enumerate() {
                if i != j && on[i] && on[j] && !c.enabled && c.group.is_some() && c.group == d.group
                {
                    ok = false;
                }
            }
        }
        if ok {
            out.push(on);
        }
    }
    out
}

pub fn removed(model: &Model, on: &On) -> HashSet<RelationRef> {
    let mut out = HashSet::new();
    for (i, c) in model.controls.iter().enumerate() {
        if on[i] {
            for ch in &c.changes {
                if let Change::Remove(r) = ch {
                    out.insert(*r);
                }
            }
        }
    }
    out
}

pub struct World<'m> {
    pub model: &'m Model,
    pub on: On,
    pub removed: HashSet<RelationRef>,
}

impl<'m> World<'m> {
    pub fn new(model: &'m Model, on: On) -> Self {
        let removed = removed(model, &on);
        World { model, on, removed }
    }

    pub fn edge_alive(&self, s: StepId, k: usize) -> bool {
        let via = self.model.step(s).parent_via[k];
        self.model.via_alive(via, &|r| self.removed.contains(&r))
    }

    pub fn flow_alive(&self, f: FlowId) -> bool {
        !self.removed.contains(&RelationRef::Flow(f))
    }

    pub fn flow(&self, f: FlowId) -> ensure_model::Flow {
        self.model
            .flow_as_configured(f, &|c: ControlId| self.on[c.idx()])
    }

    pub fn blocked(&self, s: StepId) -> bool {
        self.model
            .controls
            .iter()
            .enumerate()
            .any(|(i, c)| self.on[i] && c.effects.iter().any(|e| e.step == s && e.efficacy >= 1.0))
    }

    pub fn possible(&self, s: StepId, caps: &[Layer]) -> bool {
        let st = self.model.step(s);
        caps.contains(&st.layer) && st.p_success > 0.0 && !self.blocked(s)
    }

    /// The least fixpoint of the reach rules, by iteration.
    pub fn reach(
        &self,
        entries: &[StepId],
        caps: &[Layer],
        allowed: &dyn Fn(StepId) -> bool,
    ) -> Vec<bool> {
        let n = self.model.steps.len();
        let mut r = vec![false; n];
        loop {
            let mut changed = false;
            for i in 0..n {
                if r[i] {
                    continue;
                }
                let s = StepId(i as u32);
                if !allowed(s) || !self.possible(s, caps) {
                    continue;
                }
                let st = self.model.step(s);
                let live: Vec<StepId> = st
                    .parents
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| self.edge_alive(s, *k))
                    .map(|(_, p)| *p)
                    .collect();
                let ok = entries.contains(&s)
                    || match st.requires {
                        Requires::Any => live.iter().any(|p| r[p.idx()]),
                        Requires::All => !live.is_empty() && live.iter().all(|p| r[p.idx()]),
                    };
                if ok {
                    r[i] = true;
                    changed = true;
                }
            }
            if !changed {
                return r;
            }
        }
    }

    pub fn trust(&self, a: AssetId) -> u8 {
        self.trust_in(a, &mut Vec::new())
    }

    fn trust_in(&self, a: AssetId, visiting: &mut Vec<AssetId>) -> u8 {
        if visiting.contains(&a) {
            return 0;
        }
        visiting.push(a);
        let x = self.model.asset(a);
        let t = if let Some(t) = x.trust {
            t
        } else if let Some(z) = x.zone {
            self.trust_in(z, visiting)
        } else {
            let hosts: Vec<AssetId> = self
                .model
                .hosting
                .iter()
                .enumerate()
                .filter(|(i, h)| {
                    h.asset == a
                        && !self
                            .removed
                            .contains(&RelationRef::Hosting(ensure_model::HostingId(*i as u32)))
                })
                .map(|(_, h)| h.on)
                .collect();
            if !hosts.is_empty() {
                hosts
                    .iter()
                    .map(|h| self.trust_in(*h, visiting))
                    .min()
                    .unwrap_or(0)
            } else if let Some(o) = x.org {
                self.trust_in(o, visiting)
            } else {
                0
            }
        };
        visiting.pop();
        t
    }

    pub fn crosses(&self, f: FlowId, gap: u8) -> bool {
        let fl = &self.model.flows[f.idx()];
        self.flow_alive(f) && self.trust(fl.from).abs_diff(self.trust(fl.to)) >= gap
    }

    pub fn carries(&self, f: FlowId, d: AssetId) -> bool {
        self.flow_alive(f) && self.flow(f).carries.contains(&d)
    }

    pub fn holds(&self, a: AssetId, d: AssetId) -> bool {
        self.model.asset(a).stores.contains(&d)
            || (0..self.model.flows.len()).any(|i| {
                let f = FlowId(i as u32);
                let fl = &self.model.flows[i];
                (fl.from == a || fl.to == a) && self.carries(f, d)
            })
    }

    /// The down set of a failed set: a least fixpoint.
    pub fn down(&self, failed: &[AssetId]) -> Vec<bool> {
        let n = self.model.assets.len();
        let mut d = vec![false; n];
        for a in failed {
            d[a.idx()] = true;
        }
        loop {
            let mut changed = false;
            for (i, dep) in self.model.dependencies.iter().enumerate() {
                if d[dep.service.idx()]
                    || dep.p_propagate <= 0.0
                    || self
                        .removed
                        .contains(&RelationRef::Dependency(ensure_model::DependencyId(
                            i as u32,
                        )))
                {
                    continue;
                }
                let unmet = match dep.requires {
                    Requires::All => dep.on.iter().any(|m| d[m.idx()]),
                    Requires::Any => dep.on.iter().all(|m| d[m.idx()]),
                };
                if unmet {
                    d[dep.service.idx()] = true;
                    changed = true;
                }
            }
            if !changed {
                return d;
            }
        }
    }
}

pub fn insiders(model: &Model) -> Vec<AssetId> {
    (0..model.assets.len())
        .map(|i| AssetId(i as u32))
        .filter(|a| model.asset(*a).layer == Layer::Human && model.asset(*a).org.is_some())
        .collect()
}

pub fn targets(model: &Model, p: &Property) -> Vec<AssetId> {
    if p.targets.is_empty() {
        (0..model.assets.len())
            .map(|i| AssetId(i as u32))
            .filter(|a| model.asset(*a).crown_jewel)
            .collect()
    } else {
        p.targets.clone()
    }
}

fn subsets<T: Clone>(items: &[T], max: usize) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    for size in 1..=max.min(items.len()) {
        let mut idx: Vec<usize> = (0..size).collect();
        loop {
            out.push(idx.iter().map(|i| items[*i].clone()).collect());
            let mut k = size;
            while k > 0 && idx[k - 1] == items.len() - size + k - 1 {
                k -= 1;
            }
            if k == 0 {
                break;
            }
            idx[k - 1] += 1;
            for j in k..size {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
    out
}

/// Organisations the data may go to, or `None` when it has no owner.
pub fn covered(model: &Model, data: AssetId) -> Option<BTreeSet<AssetId>> {
    let owner = model.asset(data).org?;
    let mut c = BTreeSet::from([owner]);
    loop {
        let before = c.len();
        for g in &model.agreements {
            if c.contains(&g.from) && g.data.contains(&data) {
                c.insert(g.to);
            }
        }
        if c.len() == before {
            return Some(c);
        }
    }
}

/// What the oracle says of a property in one configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Holds,
    /// Violated; for resilience and separation, the size of a smallest failing set or
    /// coalition; for blast radius, the count.
    Violated(Option<usize>),
}

pub fn check_in(w: &World, p: &Property) -> Answer {
    let model = w.model;
    let v = |n| Answer::Violated(n);
    match p.kind {
        PropertyKind::Boundary => {
            if offending_flows(w, p).is_empty() {
                Answer::Holds
            } else {
                v(None)
            }
        }
        PropertyKind::Confinement => {
            if bad_holders(w, p).is_empty() {
                Answer::Holds
            } else {
                v(None)
            }
        }
        PropertyKind::Reachability => {
            if p.min_controls == 0 {
                return Answer::Holds;
            }
            let target_steps: Vec<StepId> = targets(model, p)
                .iter()
                .flat_map(|a| model.steps_of(*a).iter().copied())
                .collect();
            let actors: Vec<ActorId> = match p.actor {
                Some(a) => vec![a],
                None => (0..model.actors.len()).map(|i| ActorId(i as u32)).collect(),
            };
            let counting: Vec<usize> = model
                .controls
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    w.on[*i]
                        && !c.effects.is_empty()
                        && (p.control_kinds.is_empty() || p.control_kinds.contains(&c.kind))
                })
                .map(|(i, _)| i)
                .collect();
            for a in actors {
                let actor = &model.actors[a.idx()];
                for allowed_set in subsets(&counting, p.min_controls as usize - 1) {
                    // Steps guarded only by allowed counting controls.
                    let allowed = |s: StepId| {
                        counting.iter().all(|c| {
                            allowed_set.contains(c)
                                || !model.controls[*c].effects.iter().any(|e| e.step == s)
                        })
                    };
                    let r = w.reach(&actor.entry, &actor.capabilities, &allowed);
                    if target_steps.iter().any(|s| r[s.idx()]) {
                        return v(None);
                    }
                }
            }
            Answer::Holds
        }
        PropertyKind::Resilience => {
            let service = p.service.expect("service");
            let others: Vec<AssetId> = (0..model.assets.len())
                .map(|i| AssetId(i as u32))
                .filter(|a| *a != service)
                .collect();
            let mut best: Option<usize> = None;
            for f in subsets(&others, p.k as usize) {
                if w.down(&f)[service.idx()] && best.is_none_or(|b| f.len() < b) {
                    best = Some(f.len());
                }
            }
            match best {
                Some(b) => v(Some(b)),
                None => Answer::Holds,
            }
        }
        PropertyKind::Separation => match smallest_coalition(w, p) {
            Some(n) => v(Some(n)),
            None => Answer::Holds,
        },
        PropertyKind::BlastRadius => {
            let n = blast(w, p).len();
            if n > p.max_assets.unwrap_or(0) as usize {
                v(Some(n))
            } else {
                Answer::Holds
            }
        }
        PropertyKind::Custom => {
            let f = ensure_model::logic::compile(&p.assert.as_ref().expect("assert").0, model)
                .expect("formulas of generated models compile");
            let mut env = vec![None; f.vars.len()];
            if eval(w, &f, &f.body, &mut env) {
                Answer::Holds
            } else {
                v(None)
            }
        }
    }
}

pub fn offending_flows(w: &World, p: &Property) -> BTreeSet<FlowId> {
    (0..w.model.flows.len())
        .map(|i| FlowId(i as u32))
        .filter(|f| {
            let fl = w.flow(*f);
            w.crosses(*f, p.min_trust_gap)
                && !((p.require_authentication.is_empty()
                    || p.require_authentication.contains(&fl.authentication))
                    && (p.require_encryption.is_empty()
                        || p.require_encryption.contains(&fl.encryption)))
        })
        .collect()
}

pub fn bad_holders(w: &World, p: &Property) -> BTreeSet<AssetId> {
    let d = p.data.expect("data");
    let cov = covered(w.model, d);
    (0..w.model.assets.len())
        .map(|i| AssetId(i as u32))
        .filter(|a| w.holds(*a, d))
        .filter(|a| {
            let low = w.trust(*a) < p.min_trust.unwrap_or(0);
            let outside = match (&cov, w.model.asset(*a).org) {
                (Some(c), Some(o)) => !c.contains(&o),
                _ => false,
            };
            low || outside
        })
        .collect()
}

pub fn smallest_coalition(w: &World, p: &Property) -> Option<usize> {
    let model = w.model;
    let ins: Vec<AssetId> = insiders(model)
        .into_iter()
        .filter(|a| model.step_id(*a, "misuse").is_some())
        .collect();
    for c in subsets(&ins, p.k as usize) {
        let entries: Vec<StepId> = c
            .iter()
            .filter_map(|a| model.step_id(*a, "misuse"))
            .collect();
        let r = w.reach(&entries, &Layer::ALL, &|_| true);
        let hit = |a: AssetId| model.steps_of(a).iter().any(|s| r[s.idx()]);
        if hit(p.assets[0]) && hit(p.assets[1]) {
            return Some(c.len());
        }
    }
    None
}

pub fn blast(w: &World, p: &Property) -> BTreeSet<AssetId> {
    let model = w.model;
    let id = p.targets[0];
    let r = w.reach(model.steps_of(id), &Layer::ALL, &|_| true);
    (0..model.assets.len())
        .map(|i| AssetId(i as u32))
        .filter(|a| *a != id && model.steps_of(*a).iter().any(|s| r[s.idx()]))
        .collect()
}

/// Does the property hold in every configuration of its scope?
pub fn holds(model: &Model, p: &Property) -> bool {
    configurations(model, p.all_configurations)
        .into_iter()
        .all(|on| check_in(&World::new(model, on), p) == Answer::Holds)
}

// ------------------------------------------------------------------------------ formulas

pub fn members(w: &World, d: &Domain) -> Vec<Value> {
    let m = w.model;
    let assets = (0..m.assets.len()).map(|i| AssetId(i as u32));
    match d {
        Domain::Assets(f) => assets
            .filter(|a| {
                let x = m.asset(*a);
                f.type_
                    .is_none_or(|t| m.type_is(x.type_id, &m.types[t.idx()].id))
                    && f.layer.is_none_or(|l| l == x.layer)
                    && f.org.is_none_or(|o| x.org == Some(o))
                    && f.zone.is_none_or(|z| x.zone == Some(z))
                    && f.tag.as_ref().is_none_or(|t| x.tags.contains(t))
            })
            .map(Value::Asset)
            .collect(),
        Domain::Persons => assets
            .filter(|a| m.asset(*a).layer == Layer::Human)
            .map(Value::Asset)
            .collect(),
        Domain::Insiders => insiders(m).into_iter().map(Value::Asset).collect(),
        Domain::Flows => (0..m.flows.len())
            .map(|i| FlowId(i as u32))
            .filter(|f| w.flow_alive(*f))
            .map(Value::Flow)
            .collect(),
        Domain::Actors => (0..m.actors.len())
            .map(|i| Value::Actor(ActorId(i as u32)))
            .collect(),
        Domain::Controls => (0..m.controls.len())
            .map(|i| Value::Control(ControlId(i as u32)))
            .collect(),
    }
}

fn term(w: &World, t: &Term, env: &[Option<Value>]) -> Value {
    match t {
        Term::Var(v) => env[*v].clone().unwrap_or(Value::None),
        Term::Const(c) => c.clone(),
        Term::Attr(o, a) => attr(w, &term(w, o, env), *a),
    }
}

fn attr(w: &World, v: &Value, a: Attr) -> Value {
    let m = w.model;
    let num = |x: Option<f64>| x.map_or(Value::None, Value::Num);
    match v {
        Value::Asset(id) => {
            let x = m.asset(*id);
            match a {
                Attr::Type => Value::Type(x.type_id),
                Attr::Layer => Value::Layer(x.layer),
                Attr::Org => x.org.map_or(Value::None, Value::Asset),
                Attr::Zone => x.zone.map_or(Value::None, Value::Asset),
                Attr::Trust => Value::Num(w.trust(*id) as f64),
                Attr::Records => num(x.records.map(|r| r as f64)),
                Attr::ValueEur => num(x.value_eur),
                Attr::CrownJewel => Value::Bool(x.crown_jewel),
                Attr::Name => Value::Str(x.name.clone()),
                _ => Value::None,
            }
        }
        Value::Flow(f) => {
            let x = w.flow(*f);
            match a {
                Attr::From => Value::Asset(x.from),
                Attr::To => Value::Asset(x.to),
                Attr::Authentication => Value::Authentication(x.authentication),
                Attr::Encryption => Value::Encryption(x.encryption),
                Attr::InputValidation => Value::Bool(x.input_validation),
                Attr::RateLimited => Value::Bool(x.rate_limited),
                Attr::Protocol => x.protocol.map_or(Value::None, Value::Str),
                _ => Value::None,
            }
        }
        Value::Control(c) => {
            let x = &m.controls[c.idx()];
            match a {
                Attr::On => Value::Bool(w.on[c.idx()]),
                Attr::Enabled => Value::Bool(x.enabled),
                Attr::Kind => Value::Str(x.kind.clone()),
                Attr::CostEur => Value::Num(x.cost_eur),
                Attr::UpkeepEurPerYear => Value::Num(x.upkeep_eur_per_year),
                _ => Value::None,
            }
        }
        _ => Value::None,
    }
}

fn cmp(op: Cmp, x: &Value, y: &Value) -> bool {
    match op {
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
        _ => match (x, y) {
            (Value::Num(a), Value::Num(b)) => match op {
                Cmp::Lt => a < b,
                Cmp::Le => a <= b,
                Cmp::Gt => a > b,
                _ => a >= b,
            },
            _ => false,
        },
    }
}

pub fn eval(w: &World, f: &Formula, e: &F, env: &mut Vec<Option<Value>>) -> bool {
    let m = w.model;
    match e {
        F::Const(b) => *b,
        F::Not(x) => !eval(w, f, x, env),
        F::And(xs) => xs.iter().all(|x| eval(w, f, x, env)),
        F::Or(xs) => xs.iter().any(|x| eval(w, f, x, env)),
        F::Implies(a, b) => !eval(w, f, a, env) || eval(w, f, b, env),
        F::Iff(a, b) => eval(w, f, a, env) == eval(w, f, b, env),
        F::Forall(v, body) | F::Exists(v, body) => {
            let forall = matches!(e, F::Forall(..));
            let mut result = forall;
            for val in members(w, &f.vars[*v].domain) {
                env[*v] = Some(val);
                let b = eval(w, f, body, env);
                if forall && !b {
                    result = false;
                    break;
                }
                if !forall && b {
                    result = true;
                    break;
                }
            }
            env[*v] = None;
            result
        }
        F::Cmp(op, a, b) => cmp(*op, &term(w, a, env), &term(w, b, env)),
        F::In(t, list) => {
            let x = term(w, t, env);
            list.iter().any(|i| term(w, i, env) == x)
        }
        F::Truth(t) => term(w, t, env) == Value::Bool(true),
        F::Pred(p) => {
            let a = |t: &Term| match term(w, t, env) {
                Value::Asset(a) => Some(a),
                _ => None,
            };
            let fl = |t: &Term| match term(w, t, env) {
                Value::Flow(f) => Some(f),
                _ => None,
            };
            match p {
                Pred::Crosses { flow, gap } => fl(flow).is_some_and(|x| w.crosses(x, *gap)),
                Pred::Stores { asset, data } => match (a(asset), a(data)) {
                    (Some(x), Some(d)) => m.asset(x).stores.contains(&d),
                    _ => false,
                },
                Pred::Carries { flow, data } => match (fl(flow), a(data)) {
                    (Some(x), Some(d)) => w.carries(x, d),
                    _ => false,
                },
                Pred::Holds { asset, data } => match (a(asset), a(data)) {
                    (Some(x), Some(d)) => w.holds(x, d),
                    _ => false,
                },
                Pred::HostedOn { asset, host } => match (a(asset), a(host)) {
                    (Some(x), Some(h)) => m.hosting.iter().enumerate().any(|(i, e)| {
                        e.asset == x
                            && e.on == h
                            && !w
                                .removed
                                .contains(&RelationRef::Hosting(ensure_model::HostingId(i as u32)))
                    }),
                    _ => false,
                },
                Pred::HasAccess { who, to, right } => match (a(who), a(to)) {
                    (Some(x), Some(t)) => m.access.iter().enumerate().any(|(i, e)| {
                        e.who == x
                            && e.to == t
                            && right.is_none_or(|r| e.rights.contains(&r))
                            && !w
                                .removed
                                .contains(&RelationRef::Access(ensure_model::AccessId(i as u32)))
                    }),
                    _ => false,
                },
                Pred::Custody { holder, item } => match (a(holder), a(item)) {
                    (Some(h), Some(it)) => m.custody.iter().enumerate().any(|(i, e)| {
                        e.holder == h
                            && e.item == it
                            && !w
                                .removed
                                .contains(&RelationRef::Custody(ensure_model::CustodyId(i as u32)))
                    }),
                    _ => false,
                },
                Pred::DependsOn { service, on } => match (a(service), a(on)) {
                    (Some(s), Some(o)) => m.dependencies.iter().enumerate().any(|(i, e)| {
                        e.service == s
                            && e.on.contains(&o)
                            && !w.removed.contains(&RelationRef::Dependency(
                                ensure_model::DependencyId(i as u32),
                            ))
                    }),
                    _ => false,
                },
                Pred::Is { asset, ty } => {
                    a(asset).is_some_and(|x| m.type_is(m.asset(x).type_id, &m.types[ty.idx()].id))
                }
                Pred::Tagged { asset, tag } => {
                    a(asset).is_some_and(|x| m.asset(x).tags.contains(tag))
                }
                Pred::Reachable { actor, asset } => {
                    let (Value::Actor(act), Some(x)) = (term(w, actor, env), a(asset)) else {
                        return false;
                    };
                    let ac = &m.actors[act.idx()];
                    let r = w.reach(&ac.entry, &ac.capabilities, &|_| true);
                    m.steps_of(x).iter().any(|s| r[s.idx()])
                }
                Pred::Reaches { from, asset } => match (a(from), a(asset)) {
                    (Some(p), Some(x)) => {
                        let r = w.reach(m.steps_of(p), &Layer::ALL, &|_| true);
                        m.steps_of(x).iter().any(|s| r[s.idx()])
                    }
                    _ => false,
                },
            }
        }
    }
}

/// The configurations of a property's scope with `forced` on as well (a repair).
pub fn configurations_with(model: &Model, all: bool, forced: &[ControlId]) -> Vec<On> {
    let mut m = model.clone();
    for c in forced {
        m.controls[c.idx()].enabled = true;
    }
    configurations(&m, all)
}

/// Does the property hold with `forced` on besides the enabled controls?
pub fn holds_with(model: &Model, p: &Property, forced: &[ControlId]) -> bool {
    configurations_with(model, p.all_configurations, forced)
        .into_iter()
        .all(|on| check_in(&World::new(model, on), p) == Answer::Holds)
}
