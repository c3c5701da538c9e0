//! A model under one configuration, flattened into arrays that a trial walks without
//! touching the model: the live attack graph in compressed rows, each step's effective
//! success probability, slowdown, draw keys, monitors, impacts and goals, the actors' entry
//! points and the live dependency structure.

use std::collections::HashMap;

use ensure_model::{ControlId, ImpactKind, ImpactTrigger, Model, RelationRef, Requires, StepId};

use crate::rng::{campaign_key, campaign_salt, key_of, mix, pair_key};
use crate::sample::{Draw, PoissonTable, Sampler};
use crate::SimError;

/// Which controls are on. The model's current configuration has the controls with
/// `enabled: true` on and the candidates off.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Configuration {
    on: Vec<bool>,
}

impl Configuration {
    /// The controls marked `enabled` in the model.
    pub fn current(model: &Model) -> Configuration {
        Configuration {
            on: model.controls.iter().map(|c| c.enabled).collect(),
        }
    }

    /// The controls for which `on` is true.
    pub fn from_fn(model: &Model, on: impl Fn(ControlId) -> bool) -> Configuration {
        Configuration {
            on: (0..model.controls.len())
                .map(|i| on(ControlId(i as u32)))
                .collect(),
        }
    }

    /// The current configuration with the named controls switched on and off.
    pub fn current_with(
        model: &Model,
        enable: &[String],
        disable: &[String],
    ) -> Result<Configuration, SimError> {
        let mut c = Configuration::current(model);
        for (ids, value) in [(enable, true), (disable, false)] {
            for id in ids {
                let i = model
                    .controls
                    .iter()
                    .position(|c| &c.id == id)
                    .ok_or_else(|| SimError::UnknownControl(id.clone()))?;
                c.on[i] = value;
            }
        }
        c.check(model)?;
        Ok(c)
    }

    pub fn is_on(&self, c: ControlId) -> bool {
        self.on.get(c.idx()).copied().unwrap_or(false)
    }

    /// The ids of the controls that are on, in model order.
    pub fn on_ids(&self, model: &Model) -> Vec<String> {
        model
            .controls
            .iter()
            .zip(&self.on)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.id.clone())
            .collect()
    }

    /// Checks that the configuration fits the model and respects control groups: a candidate
    /// (a control not `enabled` in the model) may be on only when no other control of its
    /// group is. Enabled controls of one group may be on together (the model's choice).
    pub fn check(&self, model: &Model) -> Result<(), SimError> {
        if self.on.len() != model.controls.len() {
            return Err(SimError::ConfigurationSize {
                expected: model.controls.len(),
                got: self.on.len(),
            });
        }
        let mut groups: HashMap<&str, (Vec<&str>, bool)> = HashMap::new();
        for (c, on) in model.controls.iter().zip(&self.on) {
            if let (Some(g), true) = (&c.group, *on) {
                let e = groups.entry(g).or_default();
                e.0.push(&c.id);
                e.1 |= !c.enabled;
            }
        }
        let mut clash: Vec<(&str, Vec<&str>)> = groups
            .into_iter()
            .filter(|(_, (v, candidate))| v.len() > 1 && *candidate)
            .map(|(g, (v, _))| (g, v))
            .collect();
        clash.sort();
        if let Some((group, controls)) = clash.into_iter().next() {
            return Err(SimError::GroupConflict {
                group: group.to_string(),
                controls: controls.iter().map(|s| s.to_string()).collect(),
            });
        }
        Ok(())
    }
}

/// Step flags.
pub(crate) const ALL: u8 = 1;
pub(crate) const HAS_IMPACTS: u8 = 2;
pub(crate) const HAS_GOALS: u8 = 4;
pub(crate) const HAS_MONITORS: u8 = 8;
pub(crate) const OUTAGE: u8 = 16;
pub(crate) const HAS_EFFECTS: u8 = 32;
/// A control that is on stops the step outright: every attempt fails (and can be seen).
pub(crate) const BLOCKED: u8 = 64;
/// Controls that are on slow the step down (its slowdown is not 1).
pub(crate) const SLOWED: u8 = 128;

/// What a trial needs of one attack step, packed for cache locality (32 bytes: two steps to
/// a cache line). What few steps need lives beside: [`Compiled::slowdown`] (flag [`SLOWED`]),
/// [`Compiled::outage`] (flag [`OUTAGE`]); who may attempt it, in [`ActorInfo::attempts`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepInfo {
    pub key: u64,
    /// `p_success` (a control that blocks the step outright sets [`BLOCKED`] instead).
    pub p: f64,
    pub ttc: u32,
    pub asset: u32,
    /// Live parents.
    pub n_parents: u32,
    pub flags: u8,
}

/// One control's stop draw on one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EffectDraw {
    pub efficacy: f64,
    /// `pair_key(control, step)`.
    pub key: u64,
}

/// One monitor observing one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MonitorDraw {
    pub monitor: u32,
    pub p_detect: f64,
    pub delay: u32,
    pub response: u32,
    /// `pair_key(monitor, step)`.
    pub key: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct ActorInfo {
    pub key: u64,
    pub entries: Vec<u32>,
    /// The entries' step data, contiguous: a campaign reads them all, and an actor may have
    /// an entry in every organisation of a large model.
    pub entry_info: Vec<StepInfo>,
    pub capabilities: u8,
    /// The steps that lead towards one of the actor's goals, as a bit set over steps; `None`
    /// when the actor pursues no goal and so tries everything it can.
    pub relevant: Option<Vec<u64>>,
    /// The steps the actor attempts when enabled, as a bit set: `p_success > 0`, in its
    /// capabilities and, for a goal-directed actor, relevant.
    pub attempts: Vec<u64>,
    /// Mean number of campaigns per trial; `None`: one campaign at time 0.
    pub mean_campaigns: Option<f64>,
    /// The Poisson count of campaigns, tabulated (`Some` when `mean_campaigns` is).
    pub campaigns: Option<PoissonTable>,
    /// `campaign_salt(key, k)` of the actor's first campaigns, computed once.
    pub campaign_salts: Vec<u64>,
}

/// Campaign salts computed at compile time per actor: enough for the campaigns of all but
/// extreme frequencies (later ones are computed as needed).
const SALTED_CAMPAIGNS: u32 = 64;

impl ActorInfo {
    /// The key of the actor's `k`-th campaign in the trial with key `trial_key`.
    #[inline]
    pub fn campaign_key(&self, trial_key: u64, k: u32) -> u64 {
        match self.campaign_salts.get(k as usize) {
            Some(salt) => mix(trial_key ^ salt),
            None => campaign_key(trial_key, self.key, k),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ImpactInfo {
    pub key: u64,
    /// Records exposed once stay exposed: such an impact counts at most once per trial.
    pub once_per_trial: bool,
    pub loss: Option<u32>,
    pub cost_eur_per_hour: f64,
    pub records: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct DepInfo {
    pub id: u32,
    pub key: u64,
    /// `pair_key(key, 1)`: the key of the entry's first episode in a trial, by far the most
    /// common, computed once.
    pub key_first_episode: u64,
    pub service: u32,
    pub all: bool,
    pub n_on: u32,
    pub p_propagate: f64,
    pub delay: u32,
    pub recovery: u32,
}

/// Rows of a compressed sparse table: `items[off[i]..off[i + 1]]` belong to row `i`.
#[derive(Debug, Clone)]
pub(crate) struct Csr<T> {
    pub off: Vec<u32>,
    pub items: Vec<T>,
}

impl<T> Csr<T> {
    fn from_rows(n_rows: usize, mut pairs: Vec<(u32, T)>) -> Csr<T> {
        pairs.sort_by_key(|p| p.0);
        let mut off = vec![0u32; n_rows + 1];
        for (r, _) in &pairs {
            off[*r as usize + 1] += 1;
        }
        for i in 0..n_rows {
            off[i + 1] += off[i];
        }
        Csr {
            off,
            items: pairs.into_iter().map(|p| p.1).collect(),
        }
    }

    #[inline(always)]
    pub fn row(&self, i: usize) -> &[T] {
        &self.items[self.off[i] as usize..self.off[i + 1] as usize]
    }
}

/// A model compiled for simulation under one configuration.
#[derive(Debug, Clone)]
pub struct Compiled<'m> {
    pub(crate) model: &'m Model,
    pub(crate) configuration: Configuration,
    pub(crate) horizon: f64,
    /// The distributions of the model, interned, prepared for drawing.
    pub(crate) draws: Vec<Draw>,
    pub(crate) steps: Vec<StepInfo>,
    /// Per step, the product of the slowdowns of the controls that are on (read for the
    /// steps flagged [`SLOWED`]; multiplying by 1 changes nothing).
    pub(crate) slowdown: Vec<f64>,
    /// Per step with `causes_outage`, its outage duration's draw (`u32::MAX` for others).
    pub(crate) outage: Vec<u32>,
    pub(crate) children: Csr<u32>,
    pub(crate) parents: Csr<u32>,
    pub(crate) effects: Csr<EffectDraw>,
    pub(crate) monitors: Csr<MonitorDraw>,
    pub(crate) step_impacts: Csr<u32>,
    pub(crate) step_goals: Csr<u32>,
    /// Per goal, which actors count (`None`: all).
    pub(crate) goal_actors: Vec<Option<Vec<bool>>>,
    pub(crate) impacts: Vec<ImpactInfo>,
    pub(crate) outage_impacts: Csr<u32>,
    pub(crate) actors: Vec<ActorInfo>,
    pub(crate) deps: Vec<DepInfo>,
    pub(crate) member_deps: Csr<u32>,
    /// Whether some step can cause an outage (otherwise the cascade phase is skipped).
    pub(crate) any_outage: bool,
    fingerprint: u64,
}

/// The steps from which some target of a goal the actor pursues can be reached through live
/// edges: a goal-directed attacker spends no effort elsewhere. Steps that take no effort (a
/// constant time of 0 and certain success: states such as "data disclosed" or "an insider
/// has acted") follow whenever their preconditions hold, goal or not, so the impacts they
/// carry are not lost. `None` when no goal names the actor (or names no actor at all, which
/// counts as every actor) — then it tries everything.
fn relevant_steps(
    model: &Model,
    parents: &Csr<u32>,
    actor: ensure_model::ActorId,
) -> Option<Vec<u64>> {
    let mut stack: Vec<u32> = model
        .goals
        .iter()
        .filter(|g| g.actors.is_empty() || g.actors.contains(&actor))
        .flat_map(|g| g.targets.iter().map(|t| t.0))
        .collect();
    if stack.is_empty() {
        return None;
    }
    let mut bits = vec![0u64; model.steps.len().div_ceil(64)];
    for (i, st) in model.steps.iter().enumerate() {
        let effortless =
            st.p_success >= 1.0 && st.ttc_hours == ensure_model::Distribution::Constant(0.0);
        if effortless {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    let mut seen = vec![0u64; bits.len()];
    while let Some(s) = stack.pop() {
        let (w, b) = (s as usize / 64, s % 64);
        if seen[w] >> b & 1 == 1 {
            continue;
        }
        seen[w] |= 1 << b;
        bits[w] |= 1 << b;
        stack.extend_from_slice(parents.row(s as usize));
    }
    Some(bits)
}

/// The steps an actor attempts when they are enabled, as a bit set over steps.
fn attempted_steps(
    model: &Model,
    steps: &[StepInfo],
    capabilities: u8,
    relevant: Option<&[u64]>,
) -> Vec<u64> {
    let mut bits = vec![0u64; steps.len().div_ceil(64)];
    for (i, (info, s)) in steps.iter().zip(&model.steps).enumerate() {
        let attempted = info.p > 0.0
            && layer_bit(s.layer) & capabilities != 0
            && relevant.is_none_or(|r| r[i / 64] >> (i % 64) & 1 == 1);
        if attempted {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
}

/// Campaign means above this are refused: a trial would take too long to mean anything.
const MAX_MEAN_CAMPAIGNS: f64 = 100_000.0;

/// Flattens the model under `configuration`.
pub fn compile<'m>(
    model: &'m Model,
    configuration: &Configuration,
) -> Result<Compiled<'m>, SimError> {
    configuration.check(model)?;
    if model.steps.len() >= crate::trial::ATTEMPT as usize {
        return Err(SimError::TooManySteps(model.steps.len()));
    }
    let on = |c: ControlId| configuration.is_on(c);
    let removed = model.removed_relations(&on);
    let is_removed = |r: RelationRef| removed.binary_search(&r).is_ok();
    let mut fp = Fingerprint::default();
    fp.f64(model.horizon_hours);
    let mut samplers = Samplers::default();
    let n = model.steps.len();

    // Live edges.
    let mut parent_rows = Vec::new();
    let mut child_rows = Vec::new();
    for (i, s) in model.steps.iter().enumerate() {
        for (p, via) in s.parents.iter().zip(&s.parent_via) {
            if model.via_alive(*via, &is_removed) {
                parent_rows.push((i as u32, p.0));
                child_rows.push((p.0, i as u32));
            }
        }
    }
    let parents = Csr::from_rows(n, parent_rows);
    let mut children = Csr::from_rows(n, child_rows);
    // Children in index order, whatever order the rows were built in.
    for i in 0..n {
        let (a, b) = (children.off[i] as usize, children.off[i + 1] as usize);
        children.items[a..b].sort_unstable();
    }

    // Control effects, one draw per (control, step).
    let mut per_pair: Vec<(u32, u32, f64, f64)> = Vec::new();
    for (ci, c) in model.controls.iter().enumerate() {
        if !on(ControlId(ci as u32)) {
            continue;
        }
        for e in &c.effects {
            per_pair.push((e.step.0, ci as u32, e.efficacy, e.slowdown));
        }
    }
    per_pair.sort_by_key(|e| (e.0, e.1));
    let mut effect_rows: Vec<(u32, EffectDraw)> = Vec::new();
    let mut slowdown = vec![1.0f64; n];
    let mut blocked = vec![false; n];
    let mut i = 0;
    while i < per_pair.len() {
        let (step, control) = (per_pair[i].0, per_pair[i].1);
        let mut keep = 1.0;
        let mut slow = 1.0;
        while i < per_pair.len() && per_pair[i].0 == step && per_pair[i].1 == control {
            keep *= 1.0 - per_pair[i].2;
            slow *= per_pair[i].3;
            i += 1;
        }
        let efficacy = 1.0 - keep;
        slowdown[step as usize] *= slow;
        if efficacy >= 1.0 {
            blocked[step as usize] = true;
        }
        if efficacy > 0.0 {
            effect_rows.push((
                step,
                EffectDraw {
                    efficacy,
                    key: pair_key(
                        key_of(&model.controls[control as usize].id),
                        key_of(&model.step_label(StepId(step))),
                    ),
                },
            ));
        }
    }
    let effects = Csr::from_rows(n, effect_rows);

    // Monitors that are enabled.
    let mut monitor_rows = Vec::new();
    for (mi, m) in model.monitors.iter().enumerate() {
        if !m.enabled || m.p_detect <= 0.0 {
            continue;
        }
        let mut observed: Vec<StepId> = m.observes.clone();
        observed.sort();
        observed.dedup();
        let mkey = key_of(&m.id);
        let delay = samplers.intern(Sampler::new(&m.delay_hours));
        let response = samplers.intern(Sampler::new(&m.response_hours));
        for s in observed {
            monitor_rows.push((
                s.0,
                MonitorDraw {
                    monitor: mi as u32,
                    p_detect: m.p_detect,
                    delay,
                    response,
                    key: pair_key(mkey, key_of(&model.step_label(s))),
                },
            ));
        }
    }
    let monitors = Csr::from_rows(n, monitor_rows);

    // Impacts.
    let mut step_impact_rows = Vec::new();
    let mut outage_impact_rows = Vec::new();
    let mut impacts = Vec::with_capacity(model.impacts.len());
    for (ii, imp) in model.impacts.iter().enumerate() {
        match imp.trigger {
            ImpactTrigger::Step(s) => {
                step_impact_rows.push((s.0, ii as u32));
                fp.u64(u64::from(s.0));
            }
            ImpactTrigger::Outage(a) => {
                outage_impact_rows.push((a.0, ii as u32));
                fp.u64(u64::from(a.0) | 1 << 40);
            }
        }
        impacts.push(ImpactInfo {
            key: key_of(&imp.id),
            once_per_trial: imp.kind == ImpactKind::RecordsExposed,
            loss: imp
                .loss_eur
                .as_ref()
                .map(|d| samplers.intern(Sampler::new(d))),
            cost_eur_per_hour: imp.cost_eur_per_hour.unwrap_or(0.0),
            records: imp.records.unwrap_or(0),
        });
        fp.str(&imp.id);
        fp.u64(ii as u64);
    }
    let step_impacts = Csr::from_rows(n, step_impact_rows);
    let outage_impacts = Csr::from_rows(model.assets.len(), outage_impact_rows);

    // Goals.
    let mut goal_rows = Vec::new();
    let mut goal_actors = Vec::with_capacity(model.goals.len());
    for (gi, g) in model.goals.iter().enumerate() {
        let mut targets = g.targets.clone();
        targets.sort();
        targets.dedup();
        for t in targets {
            goal_rows.push((t.0, gi as u32));
            fp.u64(u64::from(t.0));
        }
        goal_actors.push(if g.actors.is_empty() {
            None
        } else {
            let mut mask = vec![false; model.actors.len()];
            for a in &g.actors {
                mask[a.idx()] = true;
                fp.u64(u64::from(a.0));
            }
            Some(mask)
        });
        fp.str(&g.id);
    }
    let step_goals = Csr::from_rows(n, goal_rows);

    // Steps.
    let mut steps = Vec::with_capacity(n);
    let mut outages = Vec::with_capacity(n);
    let mut any_outage = false;
    for (i, s) in model.steps.iter().enumerate() {
        let key = key_of(&model.step_label(StepId(i as u32)));
        let mut flags = 0u8;
        if s.requires == Requires::All {
            flags |= ALL;
        }
        if !step_impacts.row(i).is_empty() {
            flags |= HAS_IMPACTS;
        }
        if !step_goals.row(i).is_empty() {
            flags |= HAS_GOALS;
        }
        if !monitors.row(i).is_empty() {
            flags |= HAS_MONITORS;
        }
        if !effects.row(i).is_empty() {
            flags |= HAS_EFFECTS;
        }
        if blocked[i] {
            flags |= BLOCKED;
        }
        let outage = if s.causes_outage {
            flags |= OUTAGE;
            any_outage = true;
            samplers.intern(Sampler::new(&s.outage_hours))
        } else {
            u32::MAX
        };
        if slowdown[i] != 1.0 {
            flags |= SLOWED;
        }
        let info = StepInfo {
            key,
            p: s.p_success,
            ttc: samplers.intern(Sampler::new(&s.ttc_hours)),
            asset: s.asset.0,
            n_parents: parents.row(i).len() as u32,
            flags,
        };
        fp.u64(key);
        fp.f64(info.p);
        fp.f64(slowdown[i]);
        fp.u64(u64::from(info.ttc));
        fp.u64(u64::from(outage));
        // (SLOWED repeats the slowdown: left out, as before it existed.)
        fp.u64(u64::from(info.flags & !SLOWED) | u64::from(layer_bit(s.layer)) << 8);
        for c in parents.row(i) {
            fp.u64(u64::from(*c));
        }
        for e in effects.row(i) {
            fp.u64(e.key);
            fp.f64(e.efficacy);
        }
        for m in monitors.row(i) {
            fp.u64(m.key);
            fp.f64(m.p_detect);
            fp.u64(u64::from(m.delay) << 32 | u64::from(m.response));
        }
        steps.push(info);
        outages.push(outage);
    }

    // Actors.
    let mut actors = Vec::with_capacity(model.actors.len());
    for a in &model.actors {
        let mut entries: Vec<u32> = a.entry.iter().map(|s| s.0).collect();
        entries.sort_unstable();
        entries.dedup();
        let mean_campaigns = a
            .frequency_per_year
            .map(|f| f * model.horizon_hours / 8760.0);
        if let Some(m) = mean_campaigns {
            if !(m.is_finite() && m <= MAX_MEAN_CAMPAIGNS) {
                return Err(SimError::TooManyCampaigns {
                    actor: a.id.clone(),
                    mean: m,
                });
            }
        }
        let actor_id = ensure_model::ActorId(actors.len() as u32);
        let key = key_of(&a.id);
        let capabilities = a.capabilities.iter().fold(0, |m, l| m | layer_bit(*l));
        let relevant = relevant_steps(model, &parents, actor_id);
        let info = ActorInfo {
            key,
            campaign_salts: (0..SALTED_CAMPAIGNS)
                .map(|k| campaign_salt(key, k))
                .collect(),
            entry_info: entries.iter().map(|e| steps[*e as usize]).collect(),
            entries,
            capabilities,
            attempts: attempted_steps(model, &steps, capabilities, relevant.as_deref()),
            relevant,
            mean_campaigns,
            campaigns: mean_campaigns.map(PoissonTable::new),
        };
        fp.u64(info.key);
        if let Some(r) = &info.relevant {
            for w in r {
                fp.u64(*w);
            }
        }
        fp.f64(info.mean_campaigns.unwrap_or(-1.0));
        fp.u64(u64::from(info.capabilities));
        for e in &info.entries {
            fp.u64(u64::from(*e));
        }
        actors.push(info);
    }

    // Live dependencies.
    let mut deps = Vec::new();
    let mut member_rows = Vec::new();
    for (di, d) in model.dependencies.iter().enumerate() {
        if is_removed(RelationRef::Dependency(ensure_model::DependencyId(
            di as u32,
        ))) {
            continue;
        }
        let mut on: Vec<u32> = d.on.iter().map(|a| a.0).collect();
        on.sort_unstable();
        on.dedup();
        let idx = deps.len() as u32;
        for a in &on {
            member_rows.push((*a, idx));
        }
        let key = key_of(&dependency_label(model, di));
        let info = DepInfo {
            id: di as u32,
            key,
            key_first_episode: pair_key(key, 1),
            service: d.service.0,
            all: d.requires == Requires::All,
            n_on: on.len() as u32,
            p_propagate: d.p_propagate,
            delay: samplers.intern(Sampler::new(&d.delay_hours)),
            recovery: samplers.intern(Sampler::new(&d.recovery_hours)),
        };
        fp.u64(info.key);
        fp.u64(u64::from(info.service) << 1 | u64::from(info.all));
        fp.f64(info.p_propagate);
        fp.u64(u64::from(info.delay) << 32 | u64::from(info.recovery));
        for a in &on {
            fp.u64(u64::from(*a));
        }
        deps.push(info);
    }
    let member_deps = Csr::from_rows(model.assets.len(), member_rows);

    for imp in &impacts {
        fp.u64(imp.key);
        fp.u64(u64::from(imp.loss.unwrap_or(u32::MAX)));
        fp.f64(imp.cost_eur_per_hour);
        fp.u64(imp.records);
    }
    for s in &samplers.list {
        fp.sampler(s);
    }
    Ok(Compiled {
        model,
        configuration: configuration.clone(),
        horizon: model.horizon_hours,
        draws: samplers.list.iter().map(Draw::new).collect(),
        steps,
        slowdown,
        outage: outages,
        children,
        parents,
        effects,
        monitors,
        step_impacts,
        step_goals,
        goal_actors,
        impacts,
        outage_impacts,
        actors,
        deps,
        member_deps,
        any_outage,
        fingerprint: fp.0,
    })
}

/// The id of a dependency entry; an entry without one is named by what it joins, which
/// stays the same across variants that do not change it.
pub fn dependency_label(model: &Model, idx: usize) -> String {
    let d = &model.dependencies[idx];
    match &d.id {
        Some(id) => id.clone(),
        None => {
            let on: Vec<&str> = d.on.iter().map(|a| model.asset(*a).id.as_str()).collect();
            let req = if d.requires == Requires::All {
                "all"
            } else {
                "any"
            };
            format!("{}<-{req}:{}", model.asset(d.service).id, on.join(","))
        }
    }
}

fn layer_bit(l: ensure_model::Layer) -> u8 {
    let i = ensure_model::Layer::ALL
        .iter()
        .position(|x| *x == l)
        .unwrap_or(0);
    1 << i
}

impl<'m> Compiled<'m> {
    pub fn model(&self) -> &'m Model {
        self.model
    }

    pub fn configuration(&self) -> &Configuration {
        &self.configuration
    }

    /// A hash of everything a simulation reads: two compiled models with the same fingerprint
    /// give the same results for the same seed.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The number of live attack-graph edges.
    pub fn n_live_edges(&self) -> usize {
        self.children.items.len()
    }

    /// How many live children a step has (edges a completion of it scans).
    pub fn n_children(&self, step: StepId) -> usize {
        self.children.row(step.idx()).len()
    }

    /// The live parents of a step (those whose edge survives the configuration's removals).
    pub fn live_parents(&self, step: StepId) -> impl Iterator<Item = StepId> + '_ {
        self.parents.row(step.idx()).iter().map(|p| StepId(*p))
    }

    /// Whether the step needs all of its live parents.
    pub fn requires_all(&self, step: StepId) -> bool {
        self.steps[step.idx()].flags & ALL != 0
    }
}

#[derive(Default)]
struct Samplers {
    list: Vec<Sampler>,
    index: HashMap<[u64; 5], u32>,
}

impl Samplers {
    fn intern(&mut self, s: Sampler) -> u32 {
        let key = sampler_words(&s);
        if let Some(i) = self.index.get(&key) {
            return *i;
        }
        let i = self.list.len() as u32;
        self.list.push(s);
        self.index.insert(key, i);
        i
    }
}

fn sampler_words(s: &Sampler) -> [u64; 5] {
    let b = f64::to_bits;
    match *s {
        Sampler::Constant(v) => [0, b(v), 0, 0, 0],
        Sampler::Exponential { mean } => [1, b(mean), 0, 0, 0],
        Sampler::LogNormal { mu, sigma } => [2, b(mu), b(sigma), 0, 0],
        Sampler::Gamma { shape, scale } => [3, b(shape), b(scale), 0, 0],
        Sampler::Uniform { min, width } => [4, b(min), b(width), 0, 0],
        Sampler::Triangular { min, mode, max } => [5, b(min), b(mode), b(max), 0],
        Sampler::Pert {
            min,
            range,
            alpha,
            beta,
        } => [6, b(min), b(range), b(alpha), b(beta)],
    }
}

/// A running hash of 64-bit words.
#[derive(Default)]
struct Fingerprint(u64);

impl Fingerprint {
    fn u64(&mut self, x: u64) {
        self.0 = mix(self.0 ^ mix(x));
    }
    fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    fn str(&mut self, s: &str) {
        self.u64(key_of(s));
    }
    fn sampler(&mut self, s: &Sampler) {
        for w in sampler_words(s) {
            self.u64(w);
        }
    }
}
