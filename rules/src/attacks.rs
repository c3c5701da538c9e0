//! Successful simulated attacks, the unit that detection rules are judged on.
//!
//! An **attack** is one campaign (of one actor, in one trial) that reaches at least one of
//! its goals (a goal counts the campaign when it names the campaign's actor or names none).
//! Its **goal time** `T` is the earliest completion of a target step of such a goal in the
//! campaign; its **path** is the derivation of that completion (the simulator's
//! [`ensure_simulator::derivation`]: the enabling parent of an `any` step, every live parent of
//! an `all` step). A monitoring point is **seen** by the attack when the campaign completes
//! the step (or completes a step entered over the interface) strictly before
//! `T - min_lead_hours`: any completion of the campaign counts, not only those on the path,
//! because a monitor sees every step the campaign takes, and detecting any of them before
//! the goal detects the attack. Its **loss** is the loss of the impacts its steps caused and
//! of the outages its steps started, as the simulator counts them (records exposed count once
//! per trial, for the first campaign that exposes them; outages propagated through
//! dependencies are not attributed to a campaign). Failed attempts are not events: the
//! simulator does not time those that no model monitor watches.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use ensure_model::{ActorId, AssetId, FlowId, GoalId, Model, RelationRef, StepId};
use ensure_simulator::trial::{ImpactCause, OutageCause};
use ensure_simulator::{Compiled, Trial, TrialOptions};

use crate::points::{Point, Points};

/// One step of an attack's path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    pub step: StepId,
    /// From the start of the trial.
    pub time_hours: f64,
    /// Its parents within the path.
    pub parents: Vec<StepId>,
}

/// A campaign that reached a goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Attack {
    pub trial: u64,
    /// Index into the trial's campaigns.
    pub campaign: u32,
    pub actor: ActorId,
    /// The earliest goal completion, from the start of the trial.
    pub goal_hours: f64,
    /// The target step completed at `goal_hours`.
    pub goal_step: StepId,
    /// Every goal the campaign reached, in goal order.
    pub goals: Vec<GoalId>,
    /// Points seen before the goal (less the minimum lead) with the first time each was
    /// seen, sorted by point index.
    pub seen: Vec<(u32, f64)>,
    /// The derivation of `goal_step`, in canonical order (ending with it).
    pub path: Vec<PathStep>,
    pub loss_eur: f64,
}

impl Attack {
    /// When the point was first seen before the goal, if it was.
    pub fn seen_at(&self, point: u32) -> Option<f64> {
        self.seen
            .binary_search_by_key(&point, |(p, _)| *p)
            .ok()
            .map(|i| self.seen[i].1)
    }
}

/// The flow over which the attack-graph edge `parent -> child` runs, if it runs over one
/// (the first, when several relations induce the edge).
pub fn edge_flow(model: &Model, parent: StepId, child: StepId) -> Option<FlowId> {
    let s = model.step(child);
    let i = s.parents.iter().position(|p| *p == parent)?;
    model
        .relations_of(s.parent_via[i])
        .into_iter()
        .filter_map(|r| match r {
            RelationRef::Flow(f) => Some(f),
            _ => None,
        })
        .min()
}

/// What the collection needs of a model, computed once.
pub struct Collector<'a> {
    pub model: &'a Model,
    pub points: &'a Points,
    /// Per step, the goals it is a target of.
    step_goals: Vec<Vec<GoalId>>,
    pub min_lead_hours: f64,
}

impl<'a> Collector<'a> {
    pub fn new(model: &'a Model, points: &'a Points, min_lead_hours: f64) -> Collector<'a> {
        let mut step_goals = vec![Vec::new(); model.steps.len()];
        for (gi, g) in model.goals.iter().enumerate() {
            for t in &g.targets {
                let v: &mut Vec<GoalId> = &mut step_goals[t.idx()];
                if !v.contains(&GoalId(gi as u32)) {
                    v.push(GoalId(gi as u32));
                }
            }
        }
        Collector {
            model,
            points,
            step_goals,
            min_lead_hours,
        }
    }

    fn counts(&self, goal: GoalId, actor: ActorId) -> bool {
        let g = &self.model.goals[goal.idx()];
        g.actors.is_empty() || g.actors.contains(&actor)
    }

    /// The attacks of one trial simulated with `TrialOptions::completions`.
    pub fn attacks_of(&self, c: &Compiled<'_>, trial: &Trial) -> Vec<Attack> {
        let mut out = Vec::new();
        let mut outage_campaign: HashMap<(AssetId, u32), u32> = HashMap::new();
        let mut last = None;
        let mut episode = 0u32;
        for o in &trial.outages {
            if last != Some(o.asset) {
                last = Some(o.asset);
                episode = 0;
            }
            if let OutageCause::Step { campaign, .. } = o.cause {
                outage_campaign.insert((o.asset, episode), campaign);
            }
            episode += 1;
        }
        for (ci, camp) in trial.campaigns.iter().enumerate() {
            let comps = &trial.completions[camp.completions.clone()];
            let mut goal_hit: Option<(f64, StepId)> = None;
            let mut goals: Vec<GoalId> = Vec::new();
            for k in comps {
                for &g in &self.step_goals[k.step.idx()] {
                    if self.counts(g, camp.actor) {
                        if !goals.contains(&g) {
                            goals.push(g);
                        }
                        let better = match goal_hit {
                            None => true,
                            Some((t, s)) => (k.time_hours, k.step) < (t, s),
                        };
                        if better {
                            goal_hit = Some((k.time_hours, k.step));
                        }
                    }
                }
            }
            let Some((goal_hours, goal_step)) = goal_hit else {
                continue;
            };
            goals.sort();
            let deadline = goal_hours - self.min_lead_hours;
            let mut seen: Vec<(u32, f64)> = Vec::new();
            for k in comps {
                if k.time_hours >= deadline {
                    continue;
                }
                seen.push((self.points.index(Point::Step(k.step)), k.time_hours));
                if let Some(f) = k.via.and_then(|p| edge_flow(self.model, p, k.step)) {
                    seen.push((self.points.index(Point::Interface(f)), k.time_hours));
                }
            }
            // First sighting of each point.
            seen.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            seen.dedup_by_key(|(p, _)| *p);

            let time_of: HashMap<StepId, (f64, Option<StepId>)> = comps
                .iter()
                .map(|k| (k.step, (k.time_hours, k.via)))
                .collect();
            let steps = ensure_simulator::derivation(c, trial, ci as u32, goal_step)
                .unwrap_or_else(|| vec![goal_step]);
            let path = steps
                .iter()
                .map(|&s| {
                    let (t, via) = time_of.get(&s).copied().unwrap_or((goal_hours, None));
                    let parents = if via.is_some() && c.requires_all(s) {
                        c.live_parents(s).filter(|p| steps.contains(p)).collect()
                    } else {
                        via.into_iter().collect()
                    };
                    PathStep {
                        step: s,
                        time_hours: t,
                        parents,
                    }
                })
                .collect();

            let loss_eur = trial
                .impacts
                .iter()
                .filter(|i| match i.cause {
                    ImpactCause::Step { campaign, .. } => campaign == ci as u32,
                    ImpactCause::Outage { asset, episode } => {
                        outage_campaign.get(&(asset, episode)) == Some(&(ci as u32))
                    }
                })
                .map(|i| i.loss_eur)
                .sum();
            out.push(Attack {
                trial: trial.index,
                campaign: ci as u32,
                actor: camp.actor,
                goal_hours,
                goal_step,
                goals,
                seen,
                path,
                loss_eur,
            });
        }
        out
    }

    /// The attacks of the trials `trials` of `seed`, in trial then campaign order (whatever
    /// the thread count).
    pub fn collect(
        &self,
        c: &Compiled<'_>,
        seed: u64,
        trials: Range<u64>,
        threads: usize,
    ) -> Result<Vec<Attack>, ensure_simulator::SimError> {
        let all = Mutex::new(Vec::new());
        let options = TrialOptions {
            completions: true,
            paths: false,
        };
        ensure_simulator::for_each_trial(c, seed, trials, options, threads, &|trial| {
            let found = self.attacks_of(c, trial);
            if !found.is_empty() {
                all.lock().unwrap_or_else(|e| e.into_inner()).extend(found);
            }
        })?;
        let mut all = all.into_inner().unwrap_or_else(|e| e.into_inner());
        all.sort_by_key(|a| (a.trial, a.campaign));
        Ok(all)
    }
}
