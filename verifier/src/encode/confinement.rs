//! Confinement: the data class is held only by assets of enough trust, inside its owner's
//! organisation or organisations the owner's agreements reach. A counterexample is a
//! configuration and a holder (a solver choice) that breaks this; the witness also gives a
//! chain of carrying flows from an asset that stores the data to the holder, read from an
//! exact encoding of "connected to a storer through carrying flows in place".

use std::collections::{BTreeSet, HashMap};

use ensure_model::{AssetId, FlowId, Model, Property};

use super::config::{Config, Scope};
use super::graph;
use super::ir::*;
use super::trust::Trust;

pub struct Candidate {
    pub asset: AssetId,
    pub choice: VarId,
    pub holds: Expr,
    pub low_trust: Expr,
    pub outside_agreements: bool,
}

pub struct Confinement<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    pub data: AssetId,
    pub min_trust: u8,
    pub trust: Trust,
    pub candidates: Vec<Candidate>,
    /// Flows that may carry the data, with the condition that they do.
    pub carrying: Vec<(FlowId, Expr)>,
    pub connected: HashMap<AssetId, VarId>,
    rank: HashMap<AssetId, VarId>,
    /// Organisations the data may go to: the owner and those its agreements reach.
    pub covered: BTreeSet<AssetId>,
}

/// The owner of a data class and every organisation a chain of agreements covering it
/// reaches from the owner.
pub fn covered_orgs(model: &Model, data: AssetId) -> Option<(AssetId, BTreeSet<AssetId>)> {
    let owner = model.asset(data).org?;
    let mut covered = BTreeSet::from([owner]);
    let mut todo = vec![owner];
    while let Some(o) = todo.pop() {
        for g in &model.agreements {
            if g.from == o && g.data.contains(&data) && covered.insert(g.to) {
                todo.push(g.to);
            }
        }
    }
    Some((owner, covered))
}

pub fn encode<'m>(model: &'m Model, prop: &Property, scope: Scope) -> Confinement<'m> {
    let data = prop
        .data
        .expect("the builder requires `data` for confinement");
    let min_trust = prop.min_trust.unwrap_or(0);
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let mut trust = Trust::default();
    let covered = covered_orgs(model, data).map(|(_, c)| c);

    let carrying: Vec<(FlowId, Expr)> = (0..model.flows.len())
        .map(|i| FlowId(i as u32))
        .map(|f| (f, cfg.carries(f, data)))
        .filter(|(_, e)| !e.is_false())
        .collect();
    let mut incident: HashMap<AssetId, Vec<(FlowId, AssetId, Expr)>> = HashMap::new();
    for (f, e) in &carrying {
        let flow = &model.flows[f.idx()];
        incident
            .entry(flow.from)
            .or_default()
            .push((*f, flow.to, e.clone()));
        incident
            .entry(flow.to)
            .or_default()
            .push((*f, flow.from, e.clone()));
    }
    let stores = |a: AssetId| model.asset(a).stores.contains(&data);
    let mut holders: BTreeSet<AssetId> = incident.keys().copied().collect();
    holders.extend(
        (0..model.assets.len())
            .map(|i| AssetId(i as u32))
            .filter(|a| stores(*a)),
    );
    let holders: Vec<AssetId> = holders.into_iter().collect();

    // Connected to a storer through carrying flows in place: an exact least fixpoint, with
    // ranks inside the components of the (undirected) carrying graph.
    let n = model.assets.len();
    let inside: Vec<bool> = {
        let mut v = vec![false; n];
        for a in &holders {
            v[a.idx()] = true;
        }
        v
    };
    let neighbours = |x: usize| -> Vec<usize> {
        incident
            .get(&AssetId(x as u32))
            .map(|v| v.iter().map(|(_, o, _)| o.idx()).collect())
            .unwrap_or_default()
    };
    let nodes: Vec<usize> = holders.iter().map(|a| a.idx()).collect();
    let (comp, nontrivial) = graph::sccs(n, &nodes, neighbours, |y| inside[y]);
    let mut connected = HashMap::new();
    let mut rank = HashMap::new();
    for a in &holders {
        let id = &model.asset(*a).id;
        connected.insert(*a, problem.bool_var(format!("connected {id}")));
        if nontrivial[comp[a.idx()] as usize] {
            rank.insert(*a, problem.int_var(format!("rank {id}")));
        }
    }
    let ordered = |p: AssetId, a: AssetId| match (rank.get(&p), rank.get(&a)) {
        (Some(rp), Some(ra)) if comp[p.idx()] == comp[a.idx()] => less(*rp, *ra),
        _ => TRUE,
    };
    for a in &holders {
        let me = Expr::var(connected[a]);
        let id = &model.asset(*a).id;
        let links = incident.get(a).cloned().unwrap_or_default();
        let justified = or2(
            Expr::Const(stores(*a)),
            or(links.iter().map(|(_, other, e)| {
                and([e.clone(), Expr::var(connected[other]), ordered(*other, *a)])
            })),
        );
        problem.assert(
            format!("{id}: connected only through a storer"),
            implies(me.clone(), justified),
        );
        problem.assert(
            format!("{id}: connected if it stores the data"),
            implies(Expr::Const(stores(*a)), me.clone()),
        );
        for (f, other, e) in &links {
            let label = model.flows[f.idx()]
                .id
                .clone()
                .unwrap_or_else(|| format!("flow {}", f.idx()));
            problem.assert(
                format!(
                    "{id}: connected if {} is, through {label}",
                    model.asset(*other).id
                ),
                implies(and2(e.clone(), Expr::var(connected[other])), me.clone()),
            );
        }
    }

    let mut candidates = Vec::new();
    for a in &holders {
        let asset = model.asset(*a);
        let holds = or2(
            Expr::Const(stores(*a)),
            or(incident
                .get(a)
                .into_iter()
                .flatten()
                .map(|(_, _, e)| e.clone())),
        );
        let low_trust = trust.of(&cfg, *a).test(|t| *t < min_trust);
        let outside_agreements = match (&covered, asset.org) {
            (Some(c), Some(o)) => !c.contains(&o),
            _ => false,
        };
        let bad = or2(low_trust.clone(), Expr::Const(outside_agreements));
        if and2(holds.clone(), bad).is_false() {
            continue;
        }
        let choice = problem.bool_var(format!("holder {}", asset.id));
        candidates.push(Candidate {
            asset: *a,
            choice,
            holds,
            low_trust,
            outside_agreements,
        });
    }
    problem.assert(
        "one holder is chosen",
        exactly_one(candidates.iter().map(|c| Expr::var(c.choice)).collect()),
    );
    for c in &candidates {
        problem.assert(
            format!("{} holds the data and may not", model.asset(c.asset).id),
            implies(
                Expr::var(c.choice),
                and2(
                    c.holds.clone(),
                    or2(c.low_trust.clone(), Expr::Const(c.outside_agreements)),
                ),
            ),
        );
    }
    Confinement {
        problem,
        cfg,
        data,
        min_trust,
        trust,
        candidates,
        carrying,
        connected,
        rank,
        covered: covered.unwrap_or_default(),
    }
}

impl Confinement<'_> {
    /// The chosen holder and a chain of carrying flows from a storer to it (empty when the
    /// holder stores the data; the flow that makes it a holder when no storer connects).
    pub fn read(&self, asg: &Assignment) -> Option<(AssetId, Vec<FlowId>)> {
        let model = self.cfg.model;
        let holder = self.candidates.iter().find(|c| asg.bool(c.choice))?.asset;
        let carries_now = |f: FlowId| {
            self.carrying
                .iter()
                .find(|(g, _)| *g == f)
                .is_some_and(|(_, e)| asg.eval(e))
        };
        let stores = |a: AssetId| model.asset(a).stores.contains(&self.data);
        let mut chain = Vec::new();
        if !asg.bool(self.connected[&holder]) {
            let f = self
                .carrying
                .iter()
                .find(|(f, e)| {
                    let fl = &model.flows[f.idx()];
                    (fl.from == holder || fl.to == holder) && asg.eval(e)
                })
                .map(|(f, _)| *f);
            return Some((holder, f.into_iter().collect()));
        }
        let mut at = holder;
        let mut seen = vec![at];
        while !stores(at) {
            let rank_at = self.rank.get(&at).map(|r| asg.int(*r));
            let step = self.carrying.iter().find_map(|(f, _)| {
                let fl = &model.flows[f.idx()];
                let other = if fl.from == at {
                    fl.to
                } else if fl.to == at {
                    fl.from
                } else {
                    return None;
                };
                let lower = match (rank_at, self.rank.get(&other)) {
                    (Some(ra), Some(ro)) => asg.int(*ro) < ra,
                    _ => true,
                };
                (carries_now(*f)
                    && asg.bool(self.connected[&other])
                    && lower
                    && !seen.contains(&other))
                .then_some((*f, other))
            });
            let Some((f, other)) = step else { break };
            chain.push(f);
            seen.push(other);
            at = other;
        }
        chain.reverse();
        Some((holder, chain))
    }
}
