//! Repair: the cheapest set of candidate controls that makes the selected properties hold.
//!
//! An implicit hitting-set search (counterexample-guided): the optimiser picks the cheapest
//! set of candidates satisfying every clause learned so far (at most one per group); the
//! properties are checked with that set on; each violation's witness becomes a clause that
//! every repair must satisfy: some control whose switch would invalidate the witness must
//! switch (block a step of the derivation, cut an edge it uses, change a flow it names, ...),
//! or, for a reachability witness, enough guards must be added to reach `min_controls`.
//! Clauses only ever exclude sets under which a known witness stays valid, so the
//! optimiser's cheapest set is never more expensive than any repair; once the checks pass,
//! it is a cheapest repair. When the optimiser finds no set at all, no repair exists, and
//! the clauses in its unsatisfiable core say which witnesses make it impossible.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use ensure_model::{
    AssetId, Change, ControlId, FlowId, HostingId, Model, Property, RelationRef, StepId,
};

use crate::check::{self, Setting};
use crate::encode::ir::*;
use crate::encode::Index;
use crate::report::*;
use crate::solve::{self, Optimum};
use crate::{select, Options, VerifyError};

/// The price of a control that the repair minimises, in words for the output.
pub const COST_BASIS: &str = "cost_eur + upkeep_eur_per_year (the first year's cost)";

#[derive(Debug, Clone)]
pub struct RepairOptions {
    pub verify: Options,
    /// Time budget of the whole search.
    pub budget: Duration,
    /// The most rounds (optimise, then check) before giving up.
    pub max_rounds: usize,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions {
            verify: Options::default(),
            budget: Duration::from_secs(600),
            max_rounds: 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RepairStatus {
    /// Every selected property holds as the model is.
    NotNeeded,
    /// Turning these candidates on makes every selected property hold; no cheaper set does
    /// (proved: every learned clause is necessary).
    Found {
        controls: Vec<ControlId>,
        cost_eur: f64,
    },
    /// No set of candidates makes the properties hold; these witnesses show why.
    Impossible { blocking: Vec<Learned> },
    /// The search stopped without an answer.
    Unknown { reason: String },
}

/// A clause learned from a witness.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub property: String,
    /// The witness it came from.
    pub summary: String,
    /// What the clause asks of a repair, in words.
    pub requires: String,
    /// The candidates on when the witness was found.
    pub under: Vec<ControlId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RepairReport {
    pub status: RepairStatus,
    pub cost_basis: &'static str,
    /// Candidate controls the search could choose from.
    pub candidates: Vec<ControlId>,
    pub rounds: usize,
    pub learned: Vec<Learned>,
    pub time: Duration,
    /// The verdicts with the repair on (when one was found).
    pub after: Option<Report>,
}

/// Cost in cents, so that the optimiser works on integers.
fn cents(model: &Model, c: ControlId) -> i64 {
    let x = &model.controls[c.idx()];
    ((x.cost_eur + x.upkeep_eur_per_year) * 100.0).round() as i64
}

pub fn repair(model: &Model, options: &RepairOptions) -> Result<RepairReport, VerifyError> {
    let started = Instant::now();
    let deadline = started + options.budget;
    let selected = select(model, &options.verify.properties)?;
    let ix = Index::new(model);
    let influence = Influence::new(model);
    // Candidates: controls not in place, except those whose group already has one in place.
    let candidates: Vec<ControlId> = (0..model.controls.len())
        .map(|i| ControlId(i as u32))
        .filter(|c| {
            let x = &model.controls[c.idx()];
            !x.enabled
                && !x.group.as_ref().is_some_and(|g| {
                    model
                        .controls
                        .iter()
                        .any(|d| d.enabled && d.group.as_ref() == Some(g))
                })
        })
        .collect();
    let mut master = Problem::default();
    let var_of: HashMap<ControlId, VarId> = candidates
        .iter()
        .map(|c| {
            (
                *c,
                master.bool_var(format!("choose {}", model.controls[c.idx()].id)),
            )
        })
        .collect();
    let mut groups: HashMap<&str, Vec<Expr>> = HashMap::new();
    for c in &candidates {
        if let Some(g) = &model.controls[c.idx()].group {
            groups.entry(g).or_default().push(Expr::var(var_of[c]));
        }
    }
    let mut group_names: Vec<&str> = groups.keys().copied().collect();
    group_names.sort();
    for g in group_names {
        master.assert(
            format!("group {g}: at most one"),
            at_most(groups[g].clone(), 1),
        );
    }
    let objective: Vec<(VarId, i64)> = candidates
        .iter()
        .map(|c| (var_of[c], cents(model, *c)))
        .collect();

    let mut clauses: Vec<Expr> = Vec::new();
    let mut learned: Vec<Learned> = Vec::new();
    let mut chosen: Vec<ControlId> = Vec::new();
    let mut rounds = 0;
    let finish = |status, rounds, learned, after| RepairReport {
        status,
        cost_basis: COST_BASIS,
        candidates: candidates.clone(),
        rounds,
        learned,
        time: started.elapsed(),
        after,
    };
    loop {
        rounds += 1;
        if rounds > options.max_rounds {
            return Ok(finish(
                RepairStatus::Unknown {
                    reason: format!("no answer within {} rounds", options.max_rounds),
                },
                rounds - 1,
                learned,
                None,
            ));
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        let setting = Setting {
            also_on: chosen.clone(),
            timeout: options.verify.timeout.min(remaining),
            grounding_budget: options.verify.grounding_budget,
        };
        let reports: Vec<PropertyReport> = selected
            .iter()
            .map(|p| check::check(&ix, p, &setting))
            .collect();
        if let Some(u) = reports
            .iter()
            .find(|r| matches!(r.verdict, Verdict::Unknown { .. }))
        {
            let Verdict::Unknown { reason } = &u.verdict else {
                unreachable!("matched above")
            };
            return Ok(finish(
                RepairStatus::Unknown {
                    reason: format!(
                        "property `{}` could not be decided with {} on: {reason}",
                        u.id,
                        names(model, &chosen)
                    ),
                },
                rounds,
                learned,
                None,
            ));
        }
        let mut any = false;
        for (p, r) in selected.iter().zip(&reports) {
            let Verdict::Violated { witness } = &r.verdict else {
                continue;
            };
            any = true;
            for (clause, requires) in clauses_of(&ix, &influence, p, witness, &chosen, &var_of) {
                clauses.push(clause);
                learned.push(Learned {
                    property: p.id.clone(),
                    summary: witness.summary.clone(),
                    requires,
                    under: chosen.clone(),
                });
            }
        }
        if !any {
            let after = Report {
                model: model.name.clone(),
                properties: reports,
            };
            let status = if chosen.is_empty() && rounds == 1 {
                RepairStatus::NotNeeded
            } else {
                RepairStatus::Found {
                    cost_eur: chosen.iter().map(|c| cents(model, *c)).sum::<i64>() as f64 / 100.0,
                    controls: chosen.clone(),
                }
            };
            return Ok(finish(status, rounds, learned, Some(after)));
        }
        let mut problem = master.clone();
        for (i, c) in clauses.iter().enumerate() {
            problem.assert(format!("clause {i}"), c.clone());
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match solve::minimize(&problem, &objective, remaining) {
            Optimum::Found(asg, _) => {
                let next: Vec<ControlId> = candidates
                    .iter()
                    .copied()
                    .filter(|c| asg.bool(var_of[c]))
                    .collect();
                if next == chosen {
                    // The learned clauses should exclude the set just refuted; if they do
                    // not, a clause is wrong, and saying so beats looping.
                    return Ok(finish(
                        RepairStatus::Unknown {
                            reason: "internal: a learned clause does not exclude its own witness"
                                .into(),
                        },
                        rounds,
                        learned,
                        None,
                    ));
                }
                chosen = next;
            }
            Optimum::Infeasible => {
                let core = solve::unsat_core(&master, &clauses, remaining).unwrap_or_default();
                let blocking = if core.is_empty() {
                    learned.clone()
                } else {
                    core.iter().map(|i| learned[*i].clone()).collect()
                };
                return Ok(finish(
                    RepairStatus::Impossible { blocking },
                    rounds,
                    learned,
                    None,
                ));
            }
            Optimum::Unknown(reason) => {
                return Ok(finish(
                    RepairStatus::Unknown { reason },
                    rounds,
                    learned,
                    None,
                ))
            }
        }
    }
}

/// The clauses a repair must satisfy, learned from `witness` of `property` found with the
/// candidates `chosen` on, for a caller that runs its own optimiser (the planner): in each
/// clause `Expr::Var(VarId(i))` means "`choosable[i]` is on" (controls not in `choosable`
/// never switch). Each clause comes with what it asks, in words. These are the clauses
/// [`repair`] learns, so they exclude only sets under which the witness stays valid.
pub fn blocking_clauses(
    model: &Model,
    property: &Property,
    witness: &Witness,
    chosen: &[ControlId],
    choosable: &[ControlId],
) -> Vec<(Expr, String)> {
    let ix = Index::new(model);
    let influence = Influence::new(model);
    let var_of: HashMap<ControlId, VarId> = choosable
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, VarId(i as u32)))
        .collect();
    clauses_of(&ix, &influence, property, witness, chosen, &var_of)
}

fn names(model: &Model, cs: &[ControlId]) -> String {
    if cs.is_empty() {
        "no candidate".into()
    } else {
        cs.iter()
            .map(|c| model.controls[c.idx()].id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Which controls act on what: removals, flow changes, blocking effects.
struct Influence {
    removers: HashMap<RelationRef, Vec<ControlId>>,
    flow_changers: HashMap<FlowId, Vec<ControlId>>,
    blockers: HashMap<StepId, Vec<ControlId>>,
}

impl Influence {
    fn new(model: &Model) -> Self {
        let mut removers: HashMap<RelationRef, Vec<ControlId>> = HashMap::new();
        let mut flow_changers: HashMap<FlowId, Vec<ControlId>> = HashMap::new();
        let mut blockers: HashMap<StepId, Vec<ControlId>> = HashMap::new();
        for (i, c) in model.controls.iter().enumerate() {
            let id = ControlId(i as u32);
            for ch in &c.changes {
                match ch {
                    Change::Remove(r) => removers.entry(*r).or_default().push(id),
                    Change::Flow { flow, .. } => flow_changers.entry(*flow).or_default().push(id),
                }
            }
            for e in &c.effects {
                if e.efficacy >= 1.0 {
                    blockers.entry(e.step).or_default().push(id);
                }
            }
        }
        Influence {
            removers,
            flow_changers,
            blockers,
        }
    }

    fn removers(&self, r: RelationRef) -> &[ControlId] {
        self.removers.get(&r).map_or(&[], Vec::as_slice)
    }

    /// Controls that can change the trust of an asset (by removing a hosting entry on the
    /// way the trust is found).
    fn trust_changers(&self, model: &Model, a: AssetId, out: &mut BTreeSet<ControlId>) {
        let mut seen = BTreeSet::new();
        let mut todo = vec![a];
        while let Some(x) = todo.pop() {
            if !seen.insert(x) {
                continue;
            }
            let asset = model.asset(x);
            if asset.trust.is_some() {
                continue;
            }
            if let Some(z) = asset.zone {
                todo.push(z);
                continue;
            }
            for (i, h) in model.hosting.iter().enumerate() {
                if h.asset == x {
                    out.extend(self.removers(RelationRef::Hosting(HostingId(i as u32))));
                    todo.push(h.on);
                }
            }
            if let Some(o) = asset.org {
                todo.push(o);
            }
        }
    }

    /// Controls whose switch can invalidate a derivation: they block one of its steps or
    /// remove a relation behind an edge into one of its steps.
    fn derivation_changers(
        &self,
        model: &Model,
        nodes: &[DerivationNode],
        out: &mut BTreeSet<ControlId>,
    ) {
        for n in nodes {
            out.extend(self.blockers.get(&n.step).into_iter().flatten());
            for via in &model.step(n.step).parent_via {
                for r in model.relations_of(*via) {
                    out.extend(self.removers(r));
                }
            }
        }
    }
}

/// The literal "control `c` is switched relative to `chosen`".
fn switched(c: ControlId, chosen: &[ControlId], var_of: &HashMap<ControlId, VarId>) -> Expr {
    match var_of.get(&c) {
        Some(v) if chosen.contains(&c) => not(Expr::var(*v)),
        Some(v) => Expr::var(*v),
        // Enabled controls, and candidates no repair may choose, never switch.
        None => FALSE,
    }
}

fn some_switched(
    cs: &BTreeSet<ControlId>,
    chosen: &[ControlId],
    var_of: &HashMap<ControlId, VarId>,
) -> Expr {
    or(cs.iter().map(|c| switched(*c, chosen, var_of)))
}

/// The switches a clause offers, in words.
fn describe(
    model: &Model,
    cs: &BTreeSet<ControlId>,
    chosen: &[ControlId],
    var_of: &HashMap<ControlId, VarId>,
) -> String {
    let options: Vec<String> = cs
        .iter()
        .filter(|c| var_of.contains_key(c))
        .map(|c| {
            let id = &model.controls[c.idx()].id;
            if chosen.contains(c) {
                format!("turn off {id}")
            } else {
                format!("turn on {id}")
            }
        })
        .collect();
    if options.is_empty() {
        "no candidate control can invalidate this witness".into()
    } else {
        format!("one of: {}", options.join(", "))
    }
}

/// The steps of a derivation that `root` depends on.
fn sub_derivation(nodes: &[DerivationNode], root: StepId) -> Vec<DerivationNode> {
    let by: HashMap<StepId, &DerivationNode> = nodes.iter().map(|n| (n.step, n)).collect();
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    let mut out = Vec::new();
    while let Some(s) = todo.pop() {
        if !seen.insert(s) {
            continue;
        }
        if let Some(n) = by.get(&s) {
            todo.extend(n.parents.iter().copied());
            out.push((*n).clone());
        }
    }
    out
}

/// Clauses every repair must satisfy, learned from a witness found with `chosen` on, each
/// with what it asks in words.
fn clauses_of(
    ix: &Index,
    inf: &Influence,
    prop: &Property,
    witness: &Witness,
    chosen: &[ControlId],
    var_of: &HashMap<ControlId, VarId>,
) -> Vec<(Expr, String)> {
    let model = ix.model;
    let clause = |rel: &BTreeSet<ControlId>| {
        (
            some_switched(rel, chosen, var_of),
            describe(model, rel, chosen, var_of),
        )
    };
    if prop.all_configurations {
        // The witness configuration stays admissible for every repair it already contains:
        // a repair must turn on some candidate that is off in it.
        let on: BTreeSet<ControlId> = chosen
            .iter()
            .chain(witness.configuration.iter().flatten())
            .copied()
            .collect();
        let off: BTreeSet<ControlId> = var_of.keys().filter(|c| !on.contains(c)).copied().collect();
        return vec![(
            or(off.iter().map(|c| Expr::var(var_of[c]))),
            if off.is_empty() {
                "the violating configuration has every candidate on".into()
            } else {
                format!(
                    "turn on one of {} (off in the violating configuration)",
                    off.iter()
                        .map(|c| model.controls[c.idx()].id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        )];
    }
    let on_now = |c: ControlId| model.controls[c.idx()].enabled || chosen.contains(&c);
    match &witness.detail {
        Detail::Boundary { flows } => flows
            .iter()
            .map(|o| {
                let fl = &model.flows[o.flow.idx()];
                let mut rel: BTreeSet<ControlId> = BTreeSet::new();
                rel.extend(inf.removers(RelationRef::Flow(o.flow)));
                rel.extend(inf.flow_changers.get(&o.flow).into_iter().flatten());
                inf.trust_changers(model, fl.from, &mut rel);
                inf.trust_changers(model, fl.to, &mut rel);
                let (e, d) = clause(&rel);
                (
                    e,
                    format!(
                        "flow {}: {d}",
                        crate::encode::custom::flow_name(model, o.flow)
                    ),
                )
            })
            .collect(),
        Detail::Confinement { holder, .. } => {
            let mut rel = BTreeSet::new();
            inf.trust_changers(model, *holder, &mut rel);
            for (i, fl) in model.flows.iter().enumerate() {
                if fl.from == *holder || fl.to == *holder {
                    let f = FlowId(i as u32);
                    rel.extend(inf.removers(RelationRef::Flow(f)));
                    rel.extend(inf.flow_changers.get(&f).into_iter().flatten());
                }
            }
            let (e, d) = clause(&rel);
            vec![(e, format!("holder {}: {d}", model.asset(*holder).id))]
        }
        Detail::Reachability { derivation, .. } => {
            let mut rel = BTreeSet::new();
            inf.derivation_changers(model, derivation, &mut rel);
            // Enough guards on the derivation would also defeat it.
            let guards: Vec<(ControlId, Expr)> = model
                .controls
                .iter()
                .enumerate()
                .map(|(i, c)| (ControlId(i as u32), c))
                .filter(|(_, c)| {
                    prop.control_kinds.is_empty() || prop.control_kinds.contains(&c.kind)
                })
                .filter(|(_, c)| {
                    c.effects
                        .iter()
                        .any(|e| derivation.iter().any(|n| n.step == e.step))
                })
                .map(|(id, _)| match var_of.get(&id) {
                    Some(v) => (id, Expr::var(*v)),
                    None => (id, Expr::Const(on_now(id))),
                })
                .collect();
            let (e, d) = clause(&rel);
            let names: Vec<&str> = guards
                .iter()
                .filter(|(c, _)| var_of.contains_key(c))
                .map(|(c, _)| model.controls[c.idx()].id.as_str())
                .collect();
            let more = if names.is_empty() {
                String::new()
            } else {
                format!(
                    "; or {} guards of the path in all, among candidates {}",
                    prop.min_controls,
                    names.join(", ")
                )
            };
            vec![(
                or2(
                    e,
                    at_least(
                        guards.into_iter().map(|(_, g)| g).collect(),
                        prop.min_controls,
                    ),
                ),
                format!("the attack path: {d}{more}"),
            )]
        }
        Detail::Separation { derivation, .. } => {
            let mut rel = BTreeSet::new();
            inf.derivation_changers(model, derivation, &mut rel);
            let (e, d) = clause(&rel);
            vec![(e, format!("the coalition's path: {d}"))]
        }
        Detail::BlastRadius {
            reached,
            derivation,
            ..
        } => {
            // The witness stands while more than `max_assets` of its derivations do.
            let mut any = BTreeSet::new();
            let broken: Vec<Expr> = reached
                .iter()
                .map(|(_, s)| {
                    let mut rel = BTreeSet::new();
                    inf.derivation_changers(model, &sub_derivation(derivation, *s), &mut rel);
                    any.extend(rel.iter().copied());
                    some_switched(&rel, chosen, var_of)
                })
                .collect();
            let max = prop.max_assets.unwrap_or(0) as usize;
            let need = reached.len().saturating_sub(max);
            vec![(
                at_least(broken, need as u32),
                format!(
                    "cut the paths to {need} of the {} assets reached: {}",
                    reached.len(),
                    describe(model, &any, chosen, var_of)
                ),
            )]
        }
        Detail::Resilience { propagation, .. } => {
            let mut rel = BTreeSet::new();
            for n in propagation {
                if let Some(d) = n.dependency {
                    rel.extend(inf.removers(RelationRef::Dependency(d)));
                }
            }
            let (e, d) = clause(&rel);
            vec![(e, format!("the propagation: {d}"))]
        }
        Detail::Custom { .. } => {
            // What a formula depends on is open-ended: require some candidate to switch.
            let all: BTreeSet<ControlId> = var_of.keys().copied().collect();
            let (e, d) = clause(&all);
            vec![(e, format!("some candidate must switch: {d}"))]
        }
    }
}
