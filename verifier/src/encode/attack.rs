//! The attack-graph properties: reachability (with a minimum number of controls met),
//! separation (no small coalition of insiders reaches two assets) and blast radius (what one
//! fully compromised identity reaches). The choices a counterexample makes (which actor,
//! which insiders, which configuration) are solver variables; the witness derivations are
//! read from the reached steps and their ranks.

use std::collections::BTreeMap;

use ensure_model::{ActorId, AssetId, ControlId, Layer, Model, Property, StepId};

use super::config::{Config, Scope};
use super::ir::*;
use super::reach::{Reach, ReachSpec};
use super::Index;

// ------------------------------------------------------------------------------ reachability

pub struct Reachability<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    pub reach: Reach,
    /// The actors considered, each with its choice variable (a constant when only one).
    pub actors: Vec<(ActorId, Expr)>,
    pub targets: Vec<AssetId>,
    pub target_steps: Vec<StepId>,
    /// Controls that count, with the steps they guard.
    pub counting: BTreeMap<ControlId, Vec<StepId>>,
    pub min_controls: u32,
}

/// The targets of a reachability property: those named, or else the crown jewels.
pub fn targets(model: &Model, prop: &Property) -> Vec<AssetId> {
    if prop.targets.is_empty() {
        (0..model.assets.len())
            .map(|i| AssetId(i as u32))
            .filter(|a| model.asset(*a).crown_jewel)
            .collect()
    } else {
        prop.targets.clone()
    }
}

pub fn encode_reachability<'m>(ix: &Index<'m>, prop: &Property, scope: Scope) -> Reachability<'m> {
    let model = ix.model;
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let actor_ids: Vec<ActorId> = match prop.actor {
        Some(a) => vec![a],
        None => (0..model.actors.len()).map(|i| ActorId(i as u32)).collect(),
    };
    let actors: Vec<(ActorId, Expr)> = if actor_ids.len() == 1 {
        vec![(actor_ids[0], TRUE)]
    } else {
        actor_ids
            .iter()
            .map(|a| {
                let v = problem.bool_var(format!("actor {}", model.actors[a.idx()].id));
                (*a, Expr::var(v))
            })
            .collect()
    };
    problem.assert(
        "one actor is chosen",
        exactly_one(actors.iter().map(|(_, e)| e.clone()).collect()),
    );
    let targets = targets(model, prop);
    let target_steps: Vec<StepId> = targets
        .iter()
        .flat_map(|a| model.steps_of(*a).iter().copied())
        .collect();
    let entries: Vec<(StepId, Expr)> = actors
        .iter()
        .flat_map(|(a, choice)| {
            model.actors[a.idx()]
                .entry
                .iter()
                .map(move |s| (*s, choice.clone()))
        })
        .collect();
    let capable = |s: StepId| capable(model, &actors, model.step(s).layer);
    let counts = |c: &ensure_model::Control| {
        prop.control_kinds.is_empty() || prop.control_kinds.contains(&c.kind)
    };
    let guarded: std::collections::HashSet<StepId> = model
        .controls
        .iter()
        .enumerate()
        .filter(|(i, c)| counts(c) && !cfg.on(ControlId(*i as u32)).is_false())
        .flat_map(|(_, c)| c.effects.iter().map(|e| e.step))
        .collect();
    let reach = Reach::encode(
        ix,
        &cfg,
        &ReachSpec {
            tag: String::new(),
            entries,
            capable: &capable,
            targets: Some(target_steps.clone()),
            exact: false,
            separate: &|s| guarded.contains(&s),
        },
        &mut problem,
    );
    problem.assert(
        "a step of a target is reached",
        or(target_steps.iter().map(|s| reach.reached(*s))),
    );
    let mut counting: BTreeMap<ControlId, Vec<StepId>> = BTreeMap::new();
    for (i, c) in model.controls.iter().enumerate() {
        if !counts(c) {
            continue;
        }
        let id = ControlId(i as u32);
        if cfg.on(id).is_false() {
            continue;
        }
        let guarded: Vec<StepId> = c
            .effects
            .iter()
            .map(|e| e.step)
            .filter(|s| reach.in_cone(*s))
            .collect();
        if !guarded.is_empty() {
            counting.insert(id, guarded);
        }
    }
    let mut met = Vec::new();
    for (c, steps) in &counting {
        let v = problem.bool_var(format!("met {}", model.controls[c.idx()].id));
        for s in steps {
            problem.assert(
                format!(
                    "{} is met where it guards {}",
                    model.controls[c.idx()].id,
                    model.step_label(*s)
                ),
                implies(and2(reach.reached(*s), cfg.on(*c)), Expr::var(v)),
            );
        }
        met.push(Expr::var(v));
    }
    let k = prop.min_controls;
    problem.assert(
        format!("fewer than {k} controls are met"),
        if k == 0 { FALSE } else { at_most(met, k - 1) },
    );
    Reachability {
        problem,
        cfg,
        reach,
        actors,
        targets,
        target_steps,
        counting,
        min_controls: k,
    }
}

/// The actor (one of `actors`, whichever is chosen) can act on steps of `layer`. Exactly one
/// actor is chosen, so a layer every one of them has is simply possible.
fn capable(model: &Model, actors: &[(ActorId, Expr)], layer: Layer) -> Expr {
    if actors
        .iter()
        .all(|(a, _)| model.actors[a.idx()].capabilities.contains(&layer))
    {
        return if actors.is_empty() { FALSE } else { TRUE };
    }
    or(actors.iter().map(|(a, choice)| {
        and2(
            choice.clone(),
            Expr::Const(model.actors[a.idx()].capabilities.contains(&layer)),
        )
    }))
}

// ------------------------------------------------------------------------------ separation

pub struct Separation<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    pub reach: Reach,
    /// Insiders with a `misuse` step, their membership variable and that step.
    pub insiders: Vec<(AssetId, VarId, StepId)>,
    pub assets: [AssetId; 2],
    pub k: u32,
}

/// Human-layer assets that belong to an organisation.
pub fn insiders(model: &Model) -> Vec<AssetId> {
    (0..model.assets.len())
        .map(|i| AssetId(i as u32))
        .filter(|a| {
            let x = model.asset(*a);
            x.layer == Layer::Human && x.org.is_some()
        })
        .collect()
}

pub fn encode_separation<'m>(ix: &Index<'m>, prop: &Property, scope: Scope) -> Separation<'m> {
    let model = ix.model;
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let pair = [prop.assets[0], prop.assets[1]];
    let mut members = Vec::new();
    for p in insiders(model) {
        if let Some(s) = model.step_id(p, "misuse") {
            let v = problem.bool_var(format!("member {}", model.asset(p).id));
            members.push((p, v, s));
        }
    }
    let entries = members
        .iter()
        .map(|(_, v, s)| (*s, Expr::var(*v)))
        .collect();
    let targets: Vec<StepId> = pair
        .iter()
        .flat_map(|a| model.steps_of(*a).iter().copied())
        .collect();
    let reach = Reach::encode(
        ix,
        &cfg,
        &ReachSpec {
            tag: String::new(),
            entries,
            capable: &|_| TRUE,
            targets: Some(targets),
            exact: false,
            separate: &|_| false,
        },
        &mut problem,
    );
    for a in pair {
        problem.assert(
            format!("a step of {} is reached", model.asset(a).id),
            or(model.steps_of(a).iter().map(|s| reach.reached(*s))),
        );
    }
    let k = prop.k;
    problem.assert(
        format!("at most {k} insiders"),
        at_most(members.iter().map(|(_, v, _)| Expr::var(*v)).collect(), k),
    );
    Separation {
        problem,
        cfg,
        reach,
        insiders: members,
        assets: pair,
        k,
    }
}

impl Separation<'_> {
    pub fn at_most(&self, k: u32) -> Expr {
        at_most(
            self.insiders
                .iter()
                .map(|(_, v, _)| Expr::var(*v))
                .collect(),
            k,
        )
    }

    pub fn coalition(&self, asg: &Assignment) -> Vec<AssetId> {
        self.insiders
            .iter()
            .filter(|(_, v, _)| asg.bool(*v))
            .map(|(a, _, _)| *a)
            .collect()
    }
}

// ------------------------------------------------------------------------------ blast radius

pub struct BlastRadius<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    pub reach: Reach,
    pub identity: AssetId,
    pub max_assets: u32,
    /// Each asset other than the identity that could be reached, with "some step of it is".
    pub assets: Vec<(AssetId, Expr)>,
}

/// Everything reachable from `identity` with all its steps as entries, exactly. The count
/// constraint is added by the caller (the check needs it; reading the count does not).
pub fn encode_blast_radius<'m>(ix: &Index<'m>, prop: &Property, scope: Scope) -> BlastRadius<'m> {
    let model = ix.model;
    let identity = prop.targets[0];
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let entries = model
        .steps_of(identity)
        .iter()
        .map(|s| (*s, TRUE))
        .collect();
    let reach = Reach::encode(
        ix,
        &cfg,
        &ReachSpec {
            tag: String::new(),
            entries,
            capable: &|_| TRUE,
            targets: None,
            exact: true,
            separate: &|_| false,
        },
        &mut problem,
    );
    let mut by_asset: BTreeMap<AssetId, Vec<StepId>> = BTreeMap::new();
    for s in &reach.cone {
        let a = model.step(*s).asset;
        if a != identity {
            by_asset.entry(a).or_default().push(*s);
        }
    }
    let assets = by_asset
        .into_iter()
        .map(|(a, steps)| (a, or(steps.iter().map(|s| reach.reached(*s)))))
        .collect();
    BlastRadius {
        problem,
        cfg,
        reach,
        identity,
        max_assets: prop.max_assets.unwrap_or(0),
        assets,
    }
}

impl BlastRadius<'_> {
    /// More than `max_assets` assets are reached.
    pub fn too_many(&self) -> Expr {
        at_least(
            self.assets.iter().map(|(_, e)| e.clone()).collect(),
            self.max_assets + 1,
        )
    }

    pub fn reached_assets(&self, asg: &Assignment) -> Vec<AssetId> {
        self.assets
            .iter()
            .filter(|(_, e)| asg.eval(e))
            .map(|(a, _)| *a)
            .collect()
    }
}
