//! The sample-average approximation's data: simulated trials reduced to which losses happened
//! and which candidate controls would have cut them.
//!
//! A trial is simulated with every candidate off and its completed steps recorded. Each loss
//! is traced to *happenings*, a step completed in one campaign of one trial, and each
//! happening to the derivation (attack path) that justified it. A candidate **cuts** a
//! derivation when its stop draw on one of the derivation's steps is below its efficacy (the
//! very uniform a simulation with the candidate on compares, [`ensure_simulator::rng`]),
//! when it blocks one of its steps (efficacy 1), or when its changes remove an edge the
//! derivation needs (the enabling edge of an `any` step, every live parent edge of an `all`
//! step). A happening is taken to happen under a plan unless the plan cuts every derivation
//! of it found so far. Losses:
//!
//! * a step impact is one happening;
//! * records exposed (an impact that counts once per trial) happen unless every campaign
//!   that completed the step is cut; the loss is the one the baseline drew;
//! * an outage impact is a formula over the happenings of the attack outages that caused
//!   it, through the cascade ([`crate::trace`]);
//! * for a goal objective, a trial reaches the goal unless every happening of a target step
//!   (in a campaign of an actor the goal counts) is cut.
//!
//! What this ignores, and why plans are re-simulated ([`Scenarios::refine`]) and checked out
//! of sample: once a derivation is cut the attacker may complete the step another way;
//! slowdowns may push steps past the horizon or into a detection's reach; a campaign that a
//! detection stopped may run on when a plan keeps the watched step from being attempted;
//! removing an edge may take steps out of a goal-directed actor's way. Re-simulating a plan
//! on the same trials adds the other derivations it shows, and the losses the baseline did
//! not have as losses *conditional* on the plan's candidates that made them possible; the
//! rest shows in the re-simulated and out-of-sample figures, and in the planner's local
//! search, which judges plans by simulation.

use std::collections::HashMap;
use std::ops::Range;

use ensure_model::{Change, ControlId, Model, RelationRef, Requires, StepId};
use ensure_simulator::rng::{campaign_key, key_of, pair_key, trial_key, Purpose, Stream};
use ensure_simulator::sample::Sampler;
use ensure_simulator::trial::{ImpactCause, Trial, TrialOptions, TrialScratch};
use ensure_simulator::{compile, simulate_trial, Compiled, Configuration};
use rayon::prelude::*;

use crate::candidates::Candidates;
use crate::objective::{self, Objective};
use crate::trace::{AttackOutage, Conj, LiveDep, OutageLoss, Tracer};
use crate::PlanError;

/// Trials per work unit: fixed, so that the result does not depend on the thread count.
const CHUNK: u64 = 256;
const NONE: u32 = u32::MAX;

/// Interned sorted sets of candidate numbers ("terms": any one of them cuts a derivation).
#[derive(Debug, Clone, Default)]
pub(crate) struct Terms {
    map: HashMap<Vec<u32>, u32>,
    pub items: Vec<Vec<u32>>,
}

impl Terms {
    pub fn intern(&mut self, v: Vec<u32>) -> u32 {
        if let Some(i) = self.map.get(&v) {
            return *i;
        }
        let i = self.items.len() as u32;
        self.map.insert(v.clone(), i);
        self.items.push(v);
        i
    }

    pub fn get(&self, i: u32) -> &[u32] {
        &self.items[i as usize]
    }
}

/// A step completed in one campaign: `(actor, campaign number of the actor, step)`.
pub(crate) type HKey = (u32, u32, u32);

/// A step completed in one campaign, with the derivations of it found so far (as terms).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Happening {
    pub key: HKey,
    /// Sorted term ids.
    pub terms: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Outage,
    Goal,
    /// Records exposed by an impact (this one) that counts once per trial.
    Exposure(u32),
    /// A step impact seen only under a plan.
    Refined,
}

/// A loss (or, for a goal objective, the goal being reached) and what it needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// Happens when the happening does.
    One { h: u32, weight: f64 },
    /// Happens when, for some conjunction, all its happenings happen and none of its
    /// candidates is chosen.
    Any {
        conjs: Vec<Conj>,
        weight: f64,
        kind: EventKind,
    },
}

impl Event {
    pub fn weight(&self) -> f64 {
        match self {
            Event::One { weight, .. } | Event::Any { weight, .. } => *weight,
        }
    }
}

/// One trial's losses and what they need.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TrialData {
    /// Losses no candidate can cut.
    pub constant: f64,
    pub happenings: Vec<Happening>,
    pub events: Vec<Event>,
    /// Campaigns a detection stopped, `(actor, campaign number)`, sorted, each with the
    /// term of the candidates that cut the derivation of a step whose alert stopped it.
    pub stoppers: Vec<((u32, u32), u32)>,
    /// Every campaign that completed a step, `(actor, campaign number)`, sorted, with the
    /// term of the candidates that act on its completed or alerted steps at all (a stop, a
    /// slowdown, a removed edge): the only ones that can change what it does.
    pub influence: Vec<((u32, u32), u32)>,
}

/// What one simulation of a configuration gave, trial by trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    pub losses: Vec<f64>,
    /// Whether each trial reached the objective's goal (empty for other objectives).
    pub reached: Vec<bool>,
}

impl Outcomes {
    pub fn figure(&self, objective: &Objective) -> f64 {
        objective::point(objective, &self.losses, &self.reached)
    }
}

/// Sizes of the scenario data, for the output.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioStats {
    pub trials: u64,
    /// Steps completed in a campaign that some loss depends on.
    pub happenings: u64,
    /// Losses (or goal hits) traced.
    pub events: u64,
    /// Derivations found (several per happening after refinement).
    pub derivations: u64,
    /// Share of the baseline figure's losses that no candidate can cut.
    pub uncuttable_share: f64,
}

/// The scenarios of a sample-average approximation: `trials` trials of one seed.
#[derive(Debug, Clone)]
pub struct Scenarios {
    pub(crate) objective: Objective,
    pub(crate) seed: u64,
    pub(crate) n_candidates: usize,
    pub(crate) terms: Terms,
    pub(crate) trials: Vec<TrialData>,
}

/// Which candidates cut what, under one configuration.
struct Cuts {
    /// Per step (rows of `effect_off`): `(candidate, efficacy, draw key)`.
    effect_off: Vec<u32>,
    effects: Vec<(u32, f64, u64)>,
    /// Candidates that alone remove the edge `(child, parent)`.
    edge: HashMap<(u32, u32), Vec<u32>>,
    /// Candidates that alone remove every live parent edge of an `all` step.
    all: HashMap<u32, Vec<u32>>,
    /// Candidates with any effect on a step (a stop or a slowdown).
    touch: HashMap<u32, Vec<u32>>,
}

impl Cuts {
    fn new(model: &Model, cand: &Candidates, c: &Compiled<'_>) -> Cuts {
        let config = c.configuration();
        let n = model.steps.len();
        // Effects: a control's effects on one step combine into one efficacy and one draw,
        // as the simulator does.
        let mut rows: Vec<(u32, u32, f64, u64)> = Vec::new();
        let mut touch: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, &cid) in cand.controls.iter().enumerate() {
            let ctl = &model.controls[cid.idx()];
            let ckey = key_of(&ctl.id);
            for e in &ctl.effects {
                if e.efficacy > 0.0 || e.slowdown != 1.0 {
                    let t = touch.entry(e.step.0).or_default();
                    if t.last() != Some(&(i as u32)) {
                        t.push(i as u32);
                    }
                }
            }
            let mut per_step: Vec<(u32, f64)> = ctl
                .effects
                .iter()
                .map(|e| (e.step.0, 1.0 - e.efficacy))
                .collect();
            per_step.sort_by_key(|p| p.0);
            let mut j = 0;
            while j < per_step.len() {
                let s = per_step[j].0;
                let mut keep = 1.0;
                while j < per_step.len() && per_step[j].0 == s {
                    keep *= per_step[j].1;
                    j += 1;
                }
                let efficacy = 1.0 - keep;
                if efficacy > 0.0 {
                    let key = pair_key(ckey, key_of(&model.step_label(StepId(s))));
                    rows.push((s, i as u32, efficacy, key));
                }
            }
        }
        rows.sort_by_key(|r| (r.0, r.1));
        let mut effect_off = vec![0u32; n + 1];
        for r in &rows {
            effect_off[r.0 as usize + 1] += 1;
        }
        for i in 0..n {
            effect_off[i + 1] += effect_off[i];
        }
        let effects = rows.into_iter().map(|r| (r.1, r.2, r.3)).collect();

        // Edges: which candidates' removals kill a live edge on their own.
        let removed_now = model.removed_relations(&|x: ControlId| config.is_on(x));
        let is_removed_now = |r: RelationRef| removed_now.binary_search(&r).is_ok();
        let mut removers: HashMap<RelationRef, Vec<u32>> = HashMap::new();
        let mut removes: Vec<Vec<RelationRef>> = vec![Vec::new(); cand.len()];
        for (i, &cid) in cand.controls.iter().enumerate() {
            for ch in &model.controls[cid.idx()].changes {
                if let Change::Remove(r) = ch {
                    removers.entry(*r).or_default().push(i as u32);
                    removes[i].push(*r);
                }
            }
        }
        let mut edge: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut all: HashMap<u32, Vec<u32>> = HashMap::new();
        if !removers.is_empty() {
            for (si, s) in model.steps.iter().enumerate() {
                // Per live parent: the candidates that kill every live edge from it.
                let mut per_parent: Vec<(u32, Vec<u32>)> = Vec::new();
                for (p, via) in s.parents.iter().zip(&s.parent_via) {
                    if !model.via_alive(*via, &is_removed_now) {
                        continue;
                    }
                    let mut ks: Vec<u32> = model
                        .relations_of(*via)
                        .iter()
                        .filter_map(|r| removers.get(r))
                        .flatten()
                        .copied()
                        .filter(|&k| {
                            let mine = &removes[k as usize];
                            !model.via_alive(*via, &|r| is_removed_now(r) || mine.contains(&r))
                        })
                        .collect();
                    ks.sort_unstable();
                    ks.dedup();
                    match per_parent.iter_mut().find(|(q, _)| *q == p.0) {
                        Some((_, prev)) => prev.retain(|k| ks.contains(k)),
                        None => per_parent.push((p.0, ks)),
                    }
                }
                if s.requires == Requires::All && !per_parent.is_empty() {
                    let mut common = per_parent[0].1.clone();
                    for (_, ks) in &per_parent[1..] {
                        common.retain(|k| ks.contains(k));
                    }
                    if !common.is_empty() {
                        all.insert(si as u32, common);
                    }
                }
                for (p, ks) in per_parent {
                    if !ks.is_empty() {
                        edge.insert((si as u32, p), ks);
                    }
                }
            }
        }
        Cuts {
            effect_off,
            effects,
            edge,
            all,
            touch,
        }
    }

    fn effects(&self, s: u32) -> &[(u32, f64, u64)] {
        &self.effects
            [self.effect_off[s as usize] as usize..self.effect_off[s as usize + 1] as usize]
    }
}

/// What extraction needs to know of the model, under the configuration simulated.
struct Extractor<'a> {
    c: &'a Compiled<'a>,
    seed: u64,
    cuts: Cuts,
    actor_keys: Vec<u64>,
    /// Per step with `causes_outage`: how to draw its outage's duration, and its key.
    outage: Vec<Option<(Sampler, u64)>>,
    /// Live dependency entries by service asset.
    deps_of: Vec<Vec<LiveDep>>,
    /// The goal objective: target steps and the actors that count (`None`: all).
    goal: Option<(Vec<bool>, Option<Vec<bool>>, usize)>,
    /// Whether losses are traced (any objective but a goal's).
    losses: bool,
    /// Whether some impact is an outage impact (so outage steps matter).
    outages: bool,
    /// Per impact: whether it counts once per trial (records exposed), and its step.
    once: Vec<bool>,
    once_step: Vec<u32>,
}

/// Per-worker scratch memory, stamped by campaign so that starting one costs nothing.
struct Scratch {
    epoch: u32,
    via_epoch: Vec<u32>,
    via: Vec<u32>,
    memo_epoch: Vec<u32>,
    memo: Vec<u32>,
    h_epoch: Vec<u32>,
    h: Vec<u32>,
    stack: Vec<(u32, bool)>,
    buf: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            epoch: 0,
            via_epoch: vec![0; n],
            via: vec![NONE; n],
            memo_epoch: vec![0; n],
            memo: vec![0; n],
            h_epoch: vec![0; n],
            h: vec![0; n],
            stack: Vec::new(),
            buf: Vec::new(),
        }
    }

    fn next_campaign(&mut self) {
        if self.epoch == u32::MAX - 1 {
            self.via_epoch.iter_mut().for_each(|e| *e = 0);
            self.memo_epoch.iter_mut().for_each(|e| *e = 0);
            self.h_epoch.iter_mut().for_each(|e| *e = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
    }

    fn via_of(&self, s: u32) -> Option<u32> {
        (self.via_epoch[s as usize] == self.epoch && self.via[s as usize] != NONE)
            .then(|| self.via[s as usize])
    }

    fn memo_of(&self, s: u32) -> Option<u32> {
        (self.memo_epoch[s as usize] == self.epoch).then(|| self.memo[s as usize])
    }
}

impl<'a> Extractor<'a> {
    fn new(
        model: &'a Model,
        cand: &Candidates,
        c: &'a Compiled<'a>,
        objective: &Objective,
        seed: u64,
    ) -> Extractor<'a> {
        let config = c.configuration();
        let removed = model.removed_relations(&|x: ControlId| config.is_on(x));
        let mut dep_killers: Vec<Vec<u32>> = vec![Vec::new(); model.dependencies.len()];
        for (i, &cid) in cand.controls.iter().enumerate() {
            for ch in &model.controls[cid.idx()].changes {
                if let Change::Remove(RelationRef::Dependency(d)) = ch {
                    dep_killers[d.idx()].push(i as u32);
                }
            }
        }
        let mut deps_of: Vec<Vec<LiveDep>> = vec![Vec::new(); model.assets.len()];
        for (di, d) in model.dependencies.iter().enumerate() {
            let id = RelationRef::Dependency(ensure_model::DependencyId(di as u32));
            if removed.binary_search(&id).is_ok() || d.p_propagate <= 0.0 {
                continue;
            }
            let mut members: Vec<u32> = d.on.iter().map(|a| a.0).collect();
            members.sort_unstable();
            members.dedup();
            let mut killers = dep_killers[di].clone();
            killers.sort_unstable();
            killers.dedup();
            deps_of[d.service.idx()].push(LiveDep {
                members,
                all: d.requires == Requires::All,
                killers,
            });
        }
        let losses = !matches!(objective, Objective::GoalProbability { .. });
        let outages = losses
            && model
                .impacts
                .iter()
                .any(|i| matches!(i.trigger, ensure_model::ImpactTrigger::Outage(_)));
        let outage = model
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (outages && s.causes_outage).then(|| {
                    (
                        Sampler::new(&s.outage_hours),
                        key_of(&model.step_label(StepId(i as u32))),
                    )
                })
            })
            .collect();
        let goal = match objective {
            Objective::GoalProbability { goal } => {
                model.goals.iter().position(|g| &g.id == goal).map(|gi| {
                    let g = &model.goals[gi];
                    let mut targets = vec![false; model.steps.len()];
                    for t in &g.targets {
                        targets[t.idx()] = true;
                    }
                    let actors = (!g.actors.is_empty()).then(|| {
                        let mut m = vec![false; model.actors.len()];
                        for a in &g.actors {
                            m[a.idx()] = true;
                        }
                        m
                    });
                    (targets, actors, gi)
                })
            }
            _ => None,
        };
        // As the simulator: records exposed once stay exposed, so an impact of that kind
        // counts at most once per trial (book: methods/semantics.md, losses).
        let once = model
            .impacts
            .iter()
            .map(|i| {
                i.kind == ensure_model::ImpactKind::RecordsExposed
                    && matches!(i.trigger, ensure_model::ImpactTrigger::Step(_))
            })
            .collect();
        let once_step = model
            .impacts
            .iter()
            .map(|i| match i.trigger {
                ensure_model::ImpactTrigger::Step(s) => s.0,
                ensure_model::ImpactTrigger::Outage(_) => u32::MAX,
            })
            .collect();
        Extractor {
            once,
            once_step,
            c,
            seed,
            cuts: Cuts::new(model, cand, c),
            actor_keys: model.actors.iter().map(|a| key_of(&a.id)).collect(),
            outage,
            deps_of,
            goal,
            losses,
            outages,
        }
    }

    /// The term (candidates cutting the derivation) of step `s` in the campaign whose
    /// completions are loaded in `sc`; `ck` is the campaign's key.
    fn term_of(&self, s: u32, ck: u64, sc: &mut Scratch, terms: &mut Terms) -> u32 {
        if let Some(t) = sc.memo_of(s) {
            return t;
        }
        sc.stack.clear();
        sc.stack.push((s, false));
        while let Some((x, expanded)) = sc.stack.pop() {
            if sc.memo_of(x).is_some() {
                continue;
            }
            let via = sc.via_of(x);
            let all = self.c.requires_all(StepId(x));
            if !expanded {
                sc.stack.push((x, true));
                if let Some(v) = via {
                    if all {
                        for p in self.c.live_parents(StepId(x)) {
                            if sc.memo_of(p.0).is_none() {
                                sc.stack.push((p.0, false));
                            }
                        }
                    } else if sc.memo_of(v).is_none() {
                        sc.stack.push((v, false));
                    }
                }
                continue;
            }
            let mut buf = std::mem::take(&mut sc.buf);
            buf.clear();
            for &(k, efficacy, key) in self.cuts.effects(x) {
                if Stream::new(ck, key, Purpose::ControlStop).u(0) < efficacy {
                    buf.push(k);
                }
            }
            if let Some(v) = via {
                let killers = if all {
                    self.cuts.all.get(&x)
                } else {
                    self.cuts.edge.get(&(x, v))
                };
                buf.extend(killers.into_iter().flatten());
                let add = |p: u32, buf: &mut Vec<u32>| {
                    if let Some(t) = sc.memo_of(p) {
                        buf.extend_from_slice(terms.get(t));
                    }
                };
                if all {
                    for p in self.c.live_parents(StepId(x)) {
                        add(p.0, &mut buf);
                    }
                } else {
                    add(v, &mut buf);
                }
            }
            buf.sort_unstable();
            buf.dedup();
            let t = terms.intern(buf.clone());
            sc.memo_epoch[x as usize] = sc.epoch;
            sc.memo[x as usize] = t;
            sc.buf = buf;
        }
        sc.memo_of(s).unwrap_or_else(|| terms.intern(Vec::new()))
    }

    /// The trial-local happening of step `s` in the current campaign.
    #[allow(clippy::too_many_arguments)]
    fn happening(
        &self,
        key: HKey,
        ck: u64,
        sc: &mut Scratch,
        terms: &mut Terms,
        data: &mut TrialData,
    ) -> u32 {
        let s = key.2;
        if sc.h_epoch[s as usize] == sc.epoch {
            return sc.h[s as usize];
        }
        let t = self.term_of(s, ck, sc, terms);
        let h = data.happenings.len() as u32;
        data.happenings.push(Happening {
            key,
            terms: vec![t],
        });
        sc.h_epoch[s as usize] = sc.epoch;
        sc.h[s as usize] = h;
        h
    }

    /// The candidates that, cutting what led to step `s` in the current campaign, would have
    /// kept the actor from attempting it at all (so that no monitor could see the attempt):
    /// the terms of its completed live parents and the removals of the edges from them. Its
    /// own stop draws do not count: a failed attempt is seen too.
    fn attempt_term(&self, s: u32, ck: u64, sc: &mut Scratch, terms: &mut Terms) -> Vec<u32> {
        let all = self.c.requires_all(StepId(s));
        let parents: Vec<u32> = match sc.via_of(s) {
            Some(v) if !all => vec![v],
            _ => self
                .c
                .live_parents(StepId(s))
                .map(|p| p.0)
                .filter(|p| sc.via_epoch[*p as usize] == sc.epoch)
                .collect(),
        };
        let mut out = Vec::new();
        for p in parents {
            let t = self.term_of(p, ck, sc, terms);
            out.extend_from_slice(terms.get(t));
            let killers = if all {
                self.cuts.all.get(&s)
            } else {
                self.cuts.edge.get(&(s, p))
            };
            out.extend(killers.into_iter().flatten());
        }
        out
    }

    /// One trial's losses (or goal hits) and what they need.
    fn extract(&self, trial: &Trial, sc: &mut Scratch, terms: &mut Terms) -> TrialData {
        let mut data = TrialData::default();
        let tk = trial_key(self.seed, trial.index);
        let model = self.c.model();
        // Step impacts by campaign; exposures (once per trial) by impact.
        let mut step_impacts: Vec<(u32, u32, f64)> = Vec::new();
        let mut exposures: Vec<(u32, f64, Vec<Conj>)> = Vec::new();
        let mut outage_losses: Vec<OutageLoss> = Vec::new();
        if self.losses {
            for ev in &trial.impacts {
                match ev.cause {
                    ImpactCause::Step { .. } if self.once[ev.impact.idx()] => {
                        exposures.push((ev.impact.0, ev.loss_eur, Vec::new()))
                    }
                    ImpactCause::Step { campaign, step } => {
                        step_impacts.push((campaign, step.0, ev.loss_eur))
                    }
                    ImpactCause::Outage { asset, episode } => {
                        let rate = model.impacts[ev.impact.idx()]
                            .cost_eur_per_hour
                            .unwrap_or(0.0);
                        outage_losses.push(OutageLoss {
                            asset: asset.0,
                            episode,
                            loss: ev.loss_eur,
                            rate_per_hour: rate,
                        });
                    }
                }
            }
            step_impacts.sort_by_key(|x| x.0);
        }
        let mut goal_conjs: Vec<Conj> = Vec::new();
        let mut attack: Vec<AttackOutage> = Vec::new();
        let mut next_impact = 0;
        for (ci, camp) in trial.campaigns.iter().enumerate() {
            let comps = &trial.completions[camp.completions.clone()];
            let mine: Range<usize> = {
                let start = next_impact;
                while next_impact < step_impacts.len() && step_impacts[next_impact].0 == ci as u32 {
                    next_impact += 1;
                }
                start..next_impact
            };
            if comps.is_empty() {
                continue;
            }
            sc.next_campaign();
            for k in comps {
                sc.via_epoch[k.step.idx()] = sc.epoch;
                sc.via[k.step.idx()] = k.via.map_or(NONE, |v| v.0);
            }
            let ck = campaign_key(tk, self.actor_keys[camp.actor.idx()], camp.index);
            let key = |s: u32| (camp.actor.0, camp.index, s);
            for &(_, s, loss) in &step_impacts[mine] {
                let h = self.happening(key(s), ck, sc, terms, &mut data);
                data.events.push(Event::One { h, weight: loss });
            }
            // Records exposed count once per trial, but any campaign that exposes them would
            // have: the loss happens unless every such campaign's derivation is cut.
            if !exposures.is_empty() {
                for k in comps {
                    for (imp, _, conjs) in &mut exposures {
                        if self.once_step[*imp as usize] == k.step.0 {
                            let h = self.happening(key(k.step.0), ck, sc, terms, &mut data);
                            conjs.push(Conj::new(vec![h], Vec::new()));
                        }
                    }
                }
            }
            if let Some((targets, actors, _)) = &self.goal {
                if actors.as_ref().is_none_or(|m| m[camp.actor.idx()]) {
                    for k in comps.iter().filter(|k| targets[k.step.idx()]) {
                        let h = self.happening(key(k.step.0), ck, sc, terms, &mut data);
                        goal_conjs.push(Conj::new(vec![h], Vec::new()));
                    }
                }
            }
            if camp.stopped {
                // What kept the steps whose alerts stopped it from being attempted: a plan
                // that cuts it may let the campaign run on (see `absorb`).
                let mut cut: Vec<u32> = Vec::new();
                for a in trial.alerts.iter().filter(|a| a.campaign == ci as u32) {
                    cut.extend(self.attempt_term(a.step.0, ck, sc, terms));
                }
                cut.sort_unstable();
                cut.dedup();
                let t = terms.intern(cut);
                data.stoppers.push(((camp.actor.0, camp.index), t));
            }
            let mut touched: Vec<u32> = Vec::new();
            let alerted = trial
                .alerts
                .iter()
                .filter(|a| a.campaign == ci as u32)
                .map(|a| a.step);
            for st in comps.iter().map(|k| k.step).chain(alerted) {
                let s = st.0;
                touched.extend(self.cuts.touch.get(&s).into_iter().flatten());
                if let Some(v) = sc.via_of(s) {
                    let killers = if self.c.requires_all(st) {
                        self.cuts.all.get(&s)
                    } else {
                        self.cuts.edge.get(&(s, v))
                    };
                    touched.extend(killers.into_iter().flatten());
                }
            }
            touched.sort_unstable();
            touched.dedup();
            let t = terms.intern(touched);
            data.influence.push(((camp.actor.0, camp.index), t));
            if self.outages {
                for k in comps {
                    if let Some((sampler, skey)) = &self.outage[k.step.idx()] {
                        let h = self.happening(key(k.step.0), ck, sc, terms, &mut data);
                        let d = sampler.sample(&Stream::new(ck, *skey, Purpose::Outage));
                        attack.push(AttackOutage {
                            asset: model.step(k.step).asset.0,
                            start: k.time_hours,
                            end: k.time_hours + d,
                            h,
                        });
                    }
                }
            }
        }
        for (imp, loss, mut conjs) in exposures {
            conjs.sort();
            conjs.dedup();
            data.events.push(Event::Any {
                conjs,
                weight: loss,
                kind: EventKind::Exposure(imp),
            });
        }
        if !goal_conjs.is_empty() {
            // Single happenings, one per campaign and target: nothing to minimise.
            goal_conjs.sort();
            goal_conjs.dedup();
            data.events.push(Event::Any {
                conjs: goal_conjs,
                weight: 1.0,
                kind: EventKind::Goal,
            });
        }
        if !outage_losses.is_empty() {
            let deps_of = |a: u32| -> &[LiveDep] { &self.deps_of[a as usize] };
            let mut tracer = Tracer::new(&trial.outages, &attack, &deps_of);
            for l in &outage_losses {
                let Some(i) = tracer.interval(l.asset, l.episode) else {
                    data.constant += l.loss;
                    continue;
                };
                for (weight, dnf) in tracer.pieces(i, l) {
                    match dnf {
                        Some(conjs) if !conjs.is_empty() => data.events.push(Event::Any {
                            conjs,
                            weight,
                            kind: EventKind::Outage,
                        }),
                        _ => data.constant += weight,
                    }
                }
            }
        }
        data
    }

    fn outcome(&self, trial: &Trial) -> (f64, bool) {
        let reached = self
            .goal
            .as_ref()
            .is_some_and(|(_, _, gi)| trial.goals.iter().any(|g| g.goal.idx() == *gi));
        (trial.loss_eur, reached)
    }
}

/// A chunk of trials extracted by one worker, with its own term numbering.
struct Chunk {
    terms: Terms,
    trials: Vec<TrialData>,
    losses: Vec<f64>,
    reached: Vec<bool>,
}

/// Simulates trials `0..n` of `seed` under the compiled configuration and extracts them, in
/// parallel; the chunks come back in trial order.
fn simulate_extract(ex: &Extractor<'_>, n: u64, threads: usize) -> Result<Vec<Chunk>, PlanError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PlanError::Threads(e.to_string()))?;
    let n_steps = ex.c.model().steps.len();
    let options = TrialOptions {
        completions: true,
        paths: false,
    };
    Ok(pool.install(|| {
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || (TrialScratch::new(ex.c, options), Scratch::new(n_steps)),
                |(ts, sc), k| {
                    let range = k * CHUNK..((k + 1) * CHUNK).min(n);
                    let mut chunk = Chunk {
                        terms: Terms::default(),
                        trials: Vec::with_capacity(range.clone().count()),
                        losses: Vec::with_capacity(range.clone().count()),
                        reached: Vec::with_capacity(range.clone().count()),
                    };
                    for t in range {
                        let trial = simulate_trial(ex.c, ex.seed, t, ts);
                        chunk.trials.push(ex.extract(trial, sc, &mut chunk.terms));
                        let (loss, reached) = ex.outcome(trial);
                        chunk.losses.push(loss);
                        chunk.reached.push(reached);
                    }
                    chunk
                },
            )
            .collect()
    }))
}

impl Scenarios {
    /// Simulates `trials` trials of `seed` with the model's current configuration (every
    /// candidate off) and traces the objective's losses (or goal hits): the scenarios of the
    /// approximation, and the simulated outcomes (the baseline figure).
    pub fn sample(
        model: &Model,
        cand: &Candidates,
        objective: &Objective,
        seed: u64,
        trials: u64,
        threads: usize,
    ) -> Result<(Scenarios, Outcomes), PlanError> {
        if trials == 0 {
            return Err(PlanError::NoTrials);
        }
        objective.check(model).map_err(PlanError::Objective)?;
        let config = cand.configuration(model, &vec![false; cand.len()]);
        let c = compile(model, &config).map_err(PlanError::Simulation)?;
        let ex = Extractor::new(model, cand, &c, objective, seed);
        let chunks = simulate_extract(&ex, trials, threads)?;
        let mut s = Scenarios {
            objective: objective.clone(),
            seed,
            n_candidates: cand.len(),
            terms: Terms::default(),
            trials: Vec::with_capacity(trials as usize),
        };
        let mut out = Outcomes {
            losses: Vec::with_capacity(trials as usize),
            reached: Vec::new(),
        };
        let goal = matches!(objective, Objective::GoalProbability { .. });
        for chunk in chunks {
            let map: Vec<u32> = chunk
                .terms
                .items
                .into_iter()
                .map(|v| s.terms.intern(v))
                .collect();
            for mut td in chunk.trials {
                for h in &mut td.happenings {
                    for t in &mut h.terms {
                        *t = map[*t as usize];
                    }
                }
                for st in td.stoppers.iter_mut().chain(td.influence.iter_mut()) {
                    st.1 = map[st.1 as usize];
                }
                td.stoppers.sort_unstable();
                td.influence.sort_unstable();
                s.trials.push(td);
            }
            out.losses.extend(chunk.losses);
            if goal {
                out.reached.extend(chunk.reached);
            }
        }
        Ok((s, out))
    }

    /// Simulates the same trials with the candidates `chosen` on (one flag per candidate of
    /// the model the scenarios were sampled from) and adds what the plan's
    /// trials show: new derivations of known happenings (the attacker's other ways once a
    /// path is cut), and step impacts and goal hits that the baseline did not have. Outage
    /// losses are not added (their episodes cannot be matched across configurations), so
    /// that nothing is counted twice. Returns the plan's outcomes on these trials and how
    /// many derivations and events were new.
    pub fn refine(
        &mut self,
        model: &Model,
        cand: &Candidates,
        chosen: &[bool],
        threads: usize,
    ) -> Result<(Outcomes, usize), PlanError> {
        if chosen.len() != self.n_candidates {
            return Err(PlanError::Candidates {
                expected: self.n_candidates,
                got: chosen.len(),
            });
        }
        let plan: Vec<u32> = (0..chosen.len() as u32)
            .filter(|i| chosen[*i as usize])
            .collect();
        let config: Configuration = cand.configuration(model, chosen);
        let c = compile(model, &config).map_err(PlanError::Simulation)?;
        let ex = Extractor::new(model, cand, &c, &self.objective, self.seed);
        let chunks = simulate_extract(&ex, self.trials.len() as u64, threads)?;
        let mut out = Outcomes {
            losses: Vec::with_capacity(self.trials.len()),
            reached: Vec::new(),
        };
        let goal = matches!(self.objective, Objective::GoalProbability { .. });
        let mut added = 0;
        let mut t = 0;
        for chunk in chunks {
            let map: Vec<u32> = chunk
                .terms
                .items
                .into_iter()
                .map(|v| self.terms.intern(v))
                .collect();
            for mut td in chunk.trials {
                for h in &mut td.happenings {
                    for x in &mut h.terms {
                        *x = map[*x as usize];
                    }
                }
                added += absorb(&mut self.trials[t], td, &plan, &self.terms);
                t += 1;
            }
            out.losses.extend(chunk.losses);
            if goal {
                out.reached.extend(chunk.reached);
            }
        }
        Ok((out, added))
    }

    pub fn n_trials(&self) -> usize {
        self.trials.len()
    }

    /// Whether the happening happens with the candidates `chosen` on: some derivation of it
    /// survives.
    fn happens(&self, h: &Happening, chosen: &[bool]) -> bool {
        h.terms
            .iter()
            .any(|t| self.terms.get(*t).iter().all(|c| !chosen[*c as usize]))
    }

    /// Each trial's loss (1 or 0 for a goal objective) with `chosen` on, as the
    /// approximation sees it.
    pub fn trial_values(&self, chosen: &[bool]) -> Vec<f64> {
        self.trials
            .iter()
            .map(|td| {
                let happens: Vec<bool> = td
                    .happenings
                    .iter()
                    .map(|h| self.happens(h, chosen))
                    .collect();
                td.constant
                    + td.events
                        .iter()
                        .filter(|e| match e {
                            Event::One { h, .. } => happens[*h as usize],
                            Event::Any { conjs, .. } => conjs.iter().any(|cj| {
                                cj.h.iter().all(|h| happens[*h as usize])
                                    && cj.k.iter().all(|k| !chosen[*k as usize])
                                    && (cj.needs.is_empty()
                                        || cj.needs.iter().any(|k| chosen[*k as usize]))
                            }),
                        })
                        .map(Event::weight)
                        .sum::<f64>()
            })
            .collect()
    }

    /// The objective's figure with `chosen` on, as the approximation sees it (what the
    /// optimiser minimises, without its cost terms).
    pub fn estimate(&self, chosen: &[bool]) -> f64 {
        let v = self.trial_values(chosen);
        match &self.objective {
            Objective::GoalProbability { .. } => {
                let reached: Vec<bool> = v.iter().map(|x| *x > 0.5).collect();
                objective::point(&self.objective, &[], &reached)
            }
            o => objective::point(o, &v, &[]),
        }
    }

    pub fn stats(&self) -> ScenarioStats {
        let mut st = ScenarioStats {
            trials: self.trials.len() as u64,
            ..Default::default()
        };
        let (mut fixed, mut total) = (0.0, 0.0);
        for td in &self.trials {
            st.happenings += td.happenings.len() as u64;
            st.events += td.events.len() as u64;
            st.derivations += td
                .happenings
                .iter()
                .map(|h| h.terms.len() as u64)
                .sum::<u64>();
            fixed += td.constant;
            total += td.constant;
            for e in &td.events {
                total += e.weight();
                let uncuttable = match e {
                    Event::One { h, .. } => td.happenings[*h as usize]
                        .terms
                        .iter()
                        .any(|t| self.terms.get(*t).is_empty()),
                    Event::Any { .. } => false,
                };
                if uncuttable {
                    fixed += e.weight();
                }
            }
        }
        st.uncuttable_share = if total > 0.0 { fixed / total } else { 0.0 };
        st
    }
}

/// Simulates trials `0..trials` of `seed` with `config` and returns each trial's loss and,
/// for a goal objective, whether it reached the goal: what an out-of-sample check needs.
pub fn outcomes(
    model: &Model,
    config: &Configuration,
    objective: &Objective,
    seed: u64,
    trials: u64,
    threads: usize,
) -> Result<Outcomes, PlanError> {
    if trials == 0 {
        return Err(PlanError::NoTrials);
    }
    objective.check(model).map_err(PlanError::Objective)?;
    let c = compile(model, config).map_err(PlanError::Simulation)?;
    let goal = match objective {
        Objective::GoalProbability { goal } => model.goals.iter().position(|g| &g.id == goal),
        _ => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PlanError::Threads(e.to_string()))?;
    let chunks: Vec<(Vec<f64>, Vec<bool>)> = pool.install(|| {
        (0..trials.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || TrialScratch::new(&c, TrialOptions::default()),
                |ts, k| {
                    let range = k * CHUNK..((k + 1) * CHUNK).min(trials);
                    let mut losses = Vec::new();
                    let mut reached = Vec::new();
                    for t in range {
                        let trial = simulate_trial(&c, seed, t, ts);
                        losses.push(trial.loss_eur);
                        if let Some(gi) = goal {
                            reached.push(trial.goals.iter().any(|g| g.goal.idx() == gi));
                        }
                    }
                    (losses, reached)
                },
            )
            .collect()
    });
    let mut out = Outcomes {
        losses: Vec::with_capacity(trials as usize),
        reached: Vec::new(),
    };
    for (l, r) in chunks {
        out.losses.extend(l);
        out.reached.extend(r);
    }
    Ok(out)
}

/// Adds to `base` what a trial of the configuration with the candidates `plan` on shows;
/// returns how many derivations and events were new.
///
/// A loss the baseline did not have is added on the condition that the plan includes one of
/// the candidates that made it possible: it arose from what the plan changed, so it is not
/// charged to configurations that change none of it, the baseline included (whose figure
/// the scenarios then still reproduce). When a detection stopped the loss's campaign in the
/// baseline, those are the plan's candidates that cut a step whose alert stopped it (the
/// campaign now runs on undetected: the way a control can raise the loss); otherwise the
/// plan's candidates that act on the campaign at all; otherwise all of `plan`.
fn absorb(base: &mut TrialData, new: TrialData, plan: &[u32], terms: &Terms) -> usize {
    let mut index: Vec<(HKey, u32)> = base
        .happenings
        .iter()
        .enumerate()
        .map(|(i, h)| (h.key, i as u32))
        .collect();
    index.sort_unstable();
    let find = |k: HKey| -> Option<u32> {
        index
            .binary_search_by_key(&k, |e| e.0)
            .ok()
            .map(|i| index[i].1)
    };
    let mut added = 0;
    // New happening number -> base number (existing or appended).
    let mut map: Vec<Option<u32>> = vec![None; new.happenings.len()];
    for (i, h) in new.happenings.iter().enumerate() {
        if let Some(b) = find(h.key) {
            let terms = &mut base.happenings[b as usize].terms;
            for t in &h.terms {
                if let Err(pos) = terms.binary_search(t) {
                    terms.insert(pos, *t);
                    added += 1;
                }
            }
            map[i] = Some(b);
        }
    }
    let adopt = |i: u32, base: &mut TrialData, map: &mut Vec<Option<u32>>| -> u32 {
        if let Some(b) = map[i as usize] {
            return b;
        }
        let b = base.happenings.len() as u32;
        base.happenings.push(new.happenings[i as usize].clone());
        map[i as usize] = Some(b);
        b
    };
    let stoppers = std::mem::take(&mut base.stoppers);
    let influence = std::mem::take(&mut base.influence);
    let mine = |list: &[((u32, u32), u32)], key: HKey| -> Vec<u32> {
        list.binary_search_by_key(&(key.0, key.1), |s| s.0)
            .ok()
            .map(|i| {
                let cut = terms.get(list[i].1);
                plan.iter().copied().filter(|c| cut.contains(c)).collect()
            })
            .unwrap_or_default()
    };
    let conditional = |h: u32, key: HKey| {
        let mut needs = mine(&stoppers, key);
        if needs.is_empty() {
            needs = mine(&influence, key);
        }
        if needs.is_empty() {
            needs = plan.to_vec();
        }
        Conj {
            h: vec![h],
            k: Vec::new(),
            needs,
        }
    };
    for e in &new.events {
        match e {
            // A step impact of a happening the baseline had is already there.
            Event::One { h, weight } => {
                let key = new.happenings[*h as usize].key;
                if find(key).is_none() {
                    let b = adopt(*h, base, &mut map);
                    base.events.push(Event::Any {
                        conjs: vec![conditional(b, key)],
                        weight: *weight,
                        kind: EventKind::Refined,
                    });
                    added += 1;
                }
            }
            Event::Any {
                conjs,
                kind: kind @ (EventKind::Goal | EventKind::Exposure(_)),
                weight,
            } => {
                let mut fresh = Vec::new();
                for cj in conjs {
                    let h = cj.h[0];
                    let key = new.happenings[h as usize].key;
                    if find(key).is_none() {
                        let b = adopt(h, base, &mut map);
                        fresh.push(conditional(b, key));
                    }
                }
                if fresh.is_empty() {
                    continue;
                }
                added += fresh.len();
                let same = |e: &Event| matches!(e, Event::Any { kind: k, .. } if k == kind);
                match base.events.iter_mut().find(|e| same(e)) {
                    Some(Event::Any { conjs, .. }) => {
                        conjs.extend(fresh);
                        conjs.sort();
                    }
                    _ => base.events.push(Event::Any {
                        conjs: fresh,
                        weight: *weight,
                        kind: *kind,
                    }),
                }
            }
            // Outage losses cannot be matched across configurations (episodes are numbered
            // by what happened before them); their causes' new derivations were merged above.
            Event::Any { .. } => {}
        }
    }
    base.stoppers = stoppers;
    base.influence = influence;
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_intern_sorted_sets_once() {
        let mut t = Terms::default();
        let a = t.intern(vec![1, 3]);
        let b = t.intern(vec![2]);
        assert_eq!(t.intern(vec![1, 3]), a);
        assert_ne!(a, b);
        assert_eq!(t.get(b), &[2]);
    }

    #[test]
    fn absorbing_merges_derivations_and_adds_only_new_losses() {
        let mut base = TrialData {
            constant: 0.0,
            happenings: vec![Happening {
                key: (0, 0, 5),
                terms: vec![1],
            }],
            events: vec![Event::One { h: 0, weight: 10.0 }],
            stoppers: Vec::new(),
            influence: Vec::new(),
        };
        let new = TrialData {
            constant: 0.0,
            stoppers: Vec::new(),
            influence: Vec::new(),
            happenings: vec![
                Happening {
                    key: (0, 0, 5),
                    terms: vec![2],
                },
                Happening {
                    key: (0, 1, 5),
                    terms: vec![3],
                },
            ],
            events: vec![
                Event::One { h: 0, weight: 10.0 },
                Event::One { h: 1, weight: 4.0 },
            ],
        };
        let terms = Terms::default();
        assert_eq!(absorb(&mut base, new.clone(), &[6], &terms), 2);
        assert_eq!(base.happenings[0].terms, vec![1, 2]);
        assert_eq!(base.events.len(), 2);
        assert_eq!(
            base.events[1],
            Event::Any {
                conjs: vec![Conj {
                    h: vec![1],
                    k: vec![],
                    needs: vec![6]
                }],
                weight: 4.0,
                kind: EventKind::Refined
            }
        );
        // Absorbing the same again adds nothing.
        assert_eq!(absorb(&mut base, new, &[6], &terms), 0);
    }
}
