//! One trial: the actors' campaigns over the attack graph, detection and response, outages
//! and their cascades, and the losses they cause (book: methods/semantics.md, quantitative
//! semantics).
//!
//! A campaign is a Dijkstra over the AND/OR graph: an `any` step is enabled when its first
//! live parent completes (parents complete in time order, so the first is the earliest), an
//! `all` step when its last one does. Each step is therefore enabled at most once, its draws
//! are made then, and the queue (a radix heap, module `queue`) never holds a stale entry.
//! Per-step state lives in arrays stamped with a campaign epoch, so starting a campaign costs
//! nothing and a trial costs what its campaigns reach (per-goal state too is reset through the
//! list of goals the trial reached).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ensure_model::{ActorId, AssetId, DependencyId, GoalId, ImpactId, MonitorId, StepId};

use crate::cascade::{self, AttackOutage, CascadeScratch};
use crate::compile::{
    Compiled, StepInfo, ALL, BLOCKED, HAS_EFFECTS, HAS_GOALS, HAS_IMPACTS, HAS_MONITORS, OUTAGE,
    SLOWED,
};
use crate::queue::EventQueue;
use crate::rng::{mix, pair_key, trial_key, trial_level_key, Purpose, Stream};

/// A step completed in a campaign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    pub step: StepId,
    pub time_hours: f64,
    /// The parent whose completion enabled the step: the earliest live parent of an `any`
    /// step, the last of an `all` step (which needs every live parent); `None` for an entry.
    pub via: Option<StepId>,
}

/// One attack campaign of one actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub actor: ActorId,
    /// Its number among the actor's campaigns in this trial (part of its random key).
    pub index: u32,
    pub start_hours: f64,
    /// Its steps in `Trial::completions` (empty unless completions are recorded).
    pub completions: std::ops::Range<usize>,
    /// The first alert any monitor raised, if one came within the horizon.
    pub first_alert_hours: Option<f64>,
    /// When the earliest response stops the campaign (may lie beyond the horizon).
    pub stop_hours: Option<f64>,
    /// Whether the response cut the campaign short: a step would have completed at or after
    /// the stop.
    pub stopped: bool,
    /// How many steps completed.
    pub n_completed: u32,
}

/// A monitor's alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alert {
    /// Index into `Trial::campaigns`.
    pub campaign: u32,
    pub monitor: MonitorId,
    pub step: StepId,
    pub time_hours: f64,
    /// The monitor saw a failed attempt at the step, not its completion.
    pub failed_attempt: bool,
}

/// The first time a goal was reached in the trial.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalHit {
    pub goal: GoalId,
    /// From the start of the trial.
    pub time_hours: f64,
    pub campaign: u32,
    /// The target step that reached it.
    pub step: StepId,
    /// The derivation of `step` in canonical order (empty unless paths are recorded).
    pub path: Vec<StepId>,
}

/// Why an asset went down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutageCause {
    /// A step with `causes_outage` completed.
    Step { campaign: u32, step: StepId },
    /// A dependency entry of the asset propagated an outage.
    Dependency(DependencyId),
}

/// A maximal interval during which an asset was down, cut at the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outage {
    pub asset: AssetId,
    pub start_hours: f64,
    pub end_hours: f64,
    /// What took it down at `start_hours`.
    pub cause: OutageCause,
}

/// What caused an impact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImpactCause {
    Step {
        campaign: u32,
        step: StepId,
    },
    /// The `episode`-th outage of the asset in this trial.
    Outage {
        asset: AssetId,
        episode: u32,
    },
}

/// A loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpactEvent {
    pub impact: ImpactId,
    pub time_hours: f64,
    pub loss_eur: f64,
    pub records: u64,
    pub cause: ImpactCause,
}

/// Everything that happened in one trial.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trial {
    pub index: u64,
    pub campaigns: Vec<Campaign>,
    /// Every completed step, campaign by campaign (only when recorded, see [`TrialOptions`]).
    pub completions: Vec<Completion>,
    /// Assets with at least one completed step, in the order first reached.
    pub compromised: Vec<AssetId>,
    pub alerts: Vec<Alert>,
    /// Goals reached, in goal order.
    pub goals: Vec<GoalHit>,
    /// Outage intervals, by asset then start.
    pub outages: Vec<Outage>,
    pub impacts: Vec<ImpactEvent>,
    pub loss_eur: f64,
}

/// What a trial records beyond what the statistics need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrialOptions {
    /// Keep every completed step with its enabling parent (for [`derivation`]); costs memory
    /// in proportion to what the campaigns reach.
    pub completions: bool,
    /// Compute the derivation of each goal hit ([`GoalHit::path`]).
    pub paths: bool,
}

const QUEUED: u32 = u32::MAX - 2;
const DONE: u32 = u32::MAX - 1;
const FAILED: u32 = u32::MAX;
const NONE: u32 = u32::MAX;
/// Marks a queued event as a failed attempt rather than a completion (step indices stay
/// below 2^31; `compile` refuses larger graphs).
pub(crate) const ATTEMPT: u32 = 1 << 31;

/// Reusable memory for trials of one compiled model. Not shared between threads: each
/// worker owns one.
pub struct TrialScratch {
    work: Work,
    trial: Trial,
}

/// Everything but the trial itself, so that a campaign can borrow both at once.
struct Work {
    options: TrialOptions,
    /// `(seed, mix(seed))` of the last trial.
    seed_hash: (u64, u64),
    epoch: u32,
    /// Per step: `epoch << 32 | state`, where state is QUEUED, DONE, FAILED or, for an `all`
    /// step, how many live parents it still waits for.
    mark: Vec<u64>,
    via: Vec<u32>,
    queue: EventQueue,
    asset_epoch: Vec<u32>,
    trial_epoch: u32,
    /// Per goal, the earliest time it was reached in this trial (infinite: not yet).
    goal_time: Vec<f64>,
    goal_campaign: Vec<u32>,
    goal_step: Vec<u32>,
    goal_path: Vec<Vec<StepId>>,
    /// Goals reached in this trial (those with a finite `goal_time`).
    goals_hit: Vec<u32>,
    /// Goals improved by the running campaign.
    improved: Vec<u32>,
    attack_outages: Vec<AttackOutage>,
    cascade: CascadeScratch,
    path_seen: Vec<u32>,
    path_epoch: u32,
}

impl TrialScratch {
    pub fn new(c: &Compiled<'_>, options: TrialOptions) -> TrialScratch {
        let n_goals = c.goal_actors.len();
        TrialScratch {
            work: Work {
                options,
                seed_hash: (0, mix(0)),
                epoch: 0,
                mark: vec![0; c.steps.len()],
                via: vec![NONE; c.steps.len()],
                queue: EventQueue::new(),
                asset_epoch: vec![0; c.model.assets.len()],
                trial_epoch: 0,
                goal_time: vec![f64::INFINITY; n_goals],
                goal_campaign: vec![0; n_goals],
                goal_step: vec![0; n_goals],
                goal_path: vec![Vec::new(); n_goals],
                goals_hit: Vec::new(),
                improved: Vec::new(),
                attack_outages: Vec::new(),
                cascade: CascadeScratch::new(c),
                path_seen: if options.paths {
                    vec![0; c.steps.len()]
                } else {
                    Vec::new()
                },
                path_epoch: 0,
            },
            trial: Trial::default(),
        }
    }

    /// The last trial simulated.
    pub fn trial(&self) -> &Trial {
        &self.trial
    }
}

impl Work {
    fn next_epoch(&mut self) -> u32 {
        if self.epoch == u32::MAX - 1 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
        self.epoch
    }
}

/// Simulates trial `trial_idx` of `seed`: a pure function of the compiled model, the seed
/// and the index.
pub fn simulate_trial<'s>(
    c: &Compiled<'_>,
    seed: u64,
    trial_idx: u64,
    sc: &'s mut TrialScratch,
) -> &'s Trial {
    let TrialScratch { work: w, trial } = sc;
    // trial_key(seed, t) = mix(mix(seed) ^ t), the inner hash kept while the seed stays.
    if w.seed_hash.0 != seed {
        w.seed_hash = (seed, mix(seed));
    }
    let tk = mix(w.seed_hash.1 ^ trial_idx);
    debug_assert_eq!(tk, trial_key(seed, trial_idx));
    let tl = trial_level_key(tk);
    let h = c.horizon;
    trial.index = trial_idx;
    trial.campaigns.clear();
    trial.completions.clear();
    trial.compromised.clear();
    trial.alerts.clear();
    trial.goals.clear();
    trial.outages.clear();
    trial.impacts.clear();
    trial.loss_eur = 0.0;
    w.attack_outages.clear();
    if w.trial_epoch == u32::MAX {
        w.asset_epoch.iter_mut().for_each(|e| *e = 0);
        w.trial_epoch = 0;
    }
    w.trial_epoch += 1;

    for (ai, actor) in c.actors.iter().enumerate() {
        match &actor.campaigns {
            Some(count) => {
                // Both streams belong to the actor at the trial level: one element hash.
                let ha = mix(tl ^ actor.key);
                let n = count.sample(&Stream::from_element_hash(ha, Purpose::CampaignCount));
                let starts = Stream::from_element_hash(ha, Purpose::CampaignStart);
                for k in 0..n as u32 {
                    let t0 = h * starts.u(k);
                    run_campaign(c, tk, ai, k, t0, w, trial);
                }
            }
            None => run_campaign(c, tk, ai, 0, 0.0, w, trial),
        }
    }

    if !w.goals_hit.is_empty() {
        // Goal order; each goal was listed once, when first reached.
        w.goals_hit.sort_unstable();
        for &g in &w.goals_hit {
            let g = g as usize;
            trial.goals.push(GoalHit {
                goal: GoalId(g as u32),
                time_hours: w.goal_time[g],
                campaign: w.goal_campaign[g],
                step: StepId(w.goal_step[g]),
                path: std::mem::take(&mut w.goal_path[g]),
            });
            w.goal_time[g] = f64::INFINITY;
        }
        w.goals_hit.clear();
    }

    if !w.attack_outages.is_empty() {
        cascade::run(c, tl, &w.attack_outages, &mut w.cascade, &mut trial.outages);
        outage_impacts(c, tl, trial);
    }
    keep_first_exposure(c, &mut trial.impacts);
    trial.loss_eur = trial.impacts.iter().map(|i| i.loss_eur).sum();
    trial
}

/// What every step of one campaign shares.
struct CampaignCx<'a> {
    c: &'a Compiled<'a>,
    /// The campaign's key.
    ck: u64,
    /// `epoch << 32`.
    tag: u64,
    /// The steps the actor attempts ([`crate::compile::ActorInfo::attempts`]).
    attempts: &'a [u64],
    horizon: f64,
}

impl CampaignCx<'_> {
    /// Enabling a step at `t` makes all its draws: whether it succeeds (its own p_success
    /// and each control's stop, independently) and when the attempt ends. A step is attempted
    /// at most once per campaign: one that fails is marked so that no other parent enables
    /// it again. A failed attempt that a monitor watches is queued too, flagged, so that the
    /// monitor can see it in time order; one that nothing watches leaves no trace, so its
    /// time is not drawn (draws are keyed, so skipping one changes no other).
    #[inline(always)]
    fn enable(&self, s: u32, info: &StepInfo, t: f64, via: u32, w: &mut Work) {
        let attempted = self.attempts[s as usize / 64] >> (s % 64) & 1 == 1;
        w.mark[s as usize] = self.tag | u64::from(FAILED);
        if !attempted {
            return;
        }
        let c = self.c;
        let hs = mix(self.ck ^ info.key);
        let succeeds = info.flags & BLOCKED == 0
            && (info.p >= 1.0 || Stream::from_element_hash(hs, Purpose::Success).u(0) < info.p)
            && (info.flags & HAS_EFFECTS == 0
                || c.effects
                    .row(s as usize)
                    .iter()
                    .all(|e| Stream::new(self.ck, e.key, Purpose::ControlStop).u(0) >= e.efficacy));
        if !succeeds && info.flags & HAS_MONITORS == 0 {
            return;
        }
        let mut ttc =
            c.draws[info.ttc as usize].sample(&Stream::from_element_hash(hs, Purpose::Ttc));
        if info.flags & SLOWED != 0 {
            ttc *= c.slowdown[s as usize];
        }
        let done = t + ttc;
        // Also refuses NaN.
        if done.is_nan() || done > self.horizon {
            return;
        }
        if succeeds {
            w.mark[s as usize] = self.tag | u64::from(QUEUED);
            w.via[s as usize] = via;
            w.queue.push(done.to_bits(), s);
        } else {
            w.queue.push(done.to_bits(), s | ATTEMPT);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_campaign(
    c: &Compiled<'_>,
    tk: u64,
    actor_idx: usize,
    k: u32,
    t0: f64,
    w: &mut Work,
    trial: &mut Trial,
) {
    let actor = &c.actors[actor_idx];
    let ck = actor.campaign_key(tk, k);
    let epoch = w.next_epoch();
    let tag = u64::from(epoch) << 32;
    let campaign_idx = trial.campaigns.len() as u32;
    let first_completion = trial.completions.len();
    let mut stop = f64::INFINITY;
    let mut first_alert = f64::INFINITY;
    let mut stopped = false;
    let mut n_completed = 0u32;
    w.improved.clear();
    w.queue.clear();
    let cx = CampaignCx {
        c,
        ck,
        tag,
        attempts: &actor.attempts,
        horizon: c.horizon,
    };

    // Entries are distinct and nothing is marked yet in this campaign.
    for (&e, info) in actor.entries.iter().zip(&actor.entry_info) {
        cx.enable(e, info, t0, NONE, w);
    }

    while let Some((bits, tagged)) = w.queue.pop() {
        let t = f64::from_bits(bits);
        let failed_attempt = tagged & ATTEMPT != 0;
        let s = tagged & !ATTEMPT;
        if t >= stop {
            // Stopped means the response cut off a step that would have completed.
            stopped = !failed_attempt || w.queue.any_tag(|x| x & ATTEMPT == 0);
            w.queue.clear();
            break;
        }
        let si = s as usize;
        let info = &c.steps[si];
        if failed_attempt {
            observe(
                c,
                ck,
                si,
                t,
                campaign_idx,
                true,
                &mut stop,
                &mut first_alert,
                trial,
            );
            continue;
        }
        w.mark[si] = tag | u64::from(DONE);
        n_completed += 1;
        if w.options.completions {
            let via = w.via[si];
            trial.completions.push(Completion {
                step: StepId(s),
                time_hours: t,
                via: (via != NONE).then_some(StepId(via)),
            });
        }
        let asset = info.asset as usize;
        if w.asset_epoch[asset] != w.trial_epoch {
            w.asset_epoch[asset] = w.trial_epoch;
            trial.compromised.push(AssetId(info.asset));
        }
        if info.flags & (HAS_MONITORS | HAS_GOALS | HAS_IMPACTS | OUTAGE) != 0 {
            if info.flags & HAS_MONITORS != 0 {
                observe(
                    c,
                    ck,
                    si,
                    t,
                    campaign_idx,
                    false,
                    &mut stop,
                    &mut first_alert,
                    trial,
                );
            }
            if info.flags & HAS_GOALS != 0 {
                for &g in c.step_goals.row(si) {
                    let gi = g as usize;
                    let counts = c.goal_actors[gi]
                        .as_ref()
                        .is_none_or(|mask| mask[actor_idx]);
                    if counts && t < w.goal_time[gi] {
                        if w.goal_time[gi] == f64::INFINITY {
                            w.goals_hit.push(g);
                        }
                        w.goal_time[gi] = t;
                        w.goal_campaign[gi] = campaign_idx;
                        w.goal_step[gi] = s;
                        if !w.improved.contains(&g) {
                            w.improved.push(g);
                        }
                    }
                }
            }
            if info.flags & HAS_IMPACTS != 0 {
                for &i in c.step_impacts.row(si) {
                    let imp = &c.impacts[i as usize];
                    let loss = imp.loss.map_or(0.0, |l| {
                        c.draws[l as usize].sample_from(|| Stream::new(ck, imp.key, Purpose::Loss))
                    });
                    trial.impacts.push(ImpactEvent {
                        impact: ImpactId(i),
                        time_hours: t,
                        loss_eur: loss,
                        records: imp.records,
                        cause: ImpactCause::Step {
                            campaign: campaign_idx,
                            step: StepId(s),
                        },
                    });
                }
            }
            if info.flags & OUTAGE != 0 {
                let d = c.draws[c.outage[si] as usize]
                    .sample_from(|| Stream::new(ck, info.key, Purpose::Outage));
                w.attack_outages.push(AttackOutage {
                    asset: info.asset,
                    start: t,
                    end: t + d,
                    campaign: campaign_idx,
                    step: s,
                });
            }
        }
        for &ch in c.children.row(si) {
            let m = w.mark[ch as usize];
            if (m >> 32) as u32 == epoch {
                let state = m as u32;
                if state >= QUEUED {
                    continue;
                }
                // An `all` step still waiting for `state` parents.
                if state == 1 {
                    cx.enable(ch, &c.steps[ch as usize], t, s, w);
                } else {
                    w.mark[ch as usize] = m - 1;
                }
            } else {
                let ci = &c.steps[ch as usize];
                if ci.flags & ALL != 0 && ci.n_parents > 1 {
                    w.mark[ch as usize] = tag | u64::from(ci.n_parents - 1);
                } else {
                    cx.enable(ch, ci, t, s, w);
                }
            }
        }
    }

    if w.options.paths {
        for i in 0..w.improved.len() {
            let g = w.improved[i] as usize;
            let path = canonical_derivation(c, w, w.goal_step[g]);
            w.goal_path[g] = path;
        }
    }
    trial.campaigns.push(Campaign {
        actor: ActorId(actor_idx as u32),
        index: k,
        start_hours: t0,
        completions: first_completion..trial.completions.len(),
        first_alert_hours: first_alert.is_finite().then_some(first_alert),
        stop_hours: stop.is_finite().then_some(stop),
        stopped,
        n_completed,
    });
}

/// Records exposed once stay exposed: of the events of an impact that counts once per trial,
/// only the earliest (then the lowest campaign) is kept, whichever actor ran first.
fn keep_first_exposure(c: &Compiled<'_>, impacts: &mut Vec<ImpactEvent>) {
    let once = |e: &ImpactEvent| c.impacts[e.impact.idx()].once_per_trial;
    if impacts.iter().filter(|e| once(e)).count() < 2 {
        return;
    }
    let campaign = |e: &ImpactEvent| match e.cause {
        ImpactCause::Step { campaign, .. } => campaign,
        ImpactCause::Outage { .. } => u32::MAX,
    };
    let mut first: Vec<(ImpactId, usize)> = Vec::new();
    for (i, e) in impacts.iter().enumerate().filter(|(_, e)| once(e)) {
        match first.iter_mut().find(|(imp, _)| *imp == e.impact) {
            None => first.push((e.impact, i)),
            Some((_, best)) => {
                let b = &impacts[*best];
                if (e.time_hours, campaign(e)) < (b.time_hours, campaign(b)) {
                    *best = i;
                }
            }
        }
    }
    let mut i = 0;
    impacts.retain(|e| {
        let keep = !once(e)
            || first
                .iter()
                .any(|(imp, best)| *imp == e.impact && *best == i);
        i += 1;
        keep
    });
}

/// Monitors of step `si` look at its completion (or failed attempt) at `t`: each detects it
/// independently, and an alert brings the campaign's stop forward to alert + response.
#[allow(clippy::too_many_arguments)]
fn observe(
    c: &Compiled<'_>,
    ck: u64,
    si: usize,
    t: f64,
    campaign_idx: u32,
    failed_attempt: bool,
    stop: &mut f64,
    first_alert: &mut f64,
    trial: &mut Trial,
) {
    for m in c.monitors.row(si) {
        let hm = mix(ck ^ m.key);
        if Stream::from_element_hash(hm, Purpose::Detect).u(0) >= m.p_detect {
            continue;
        }
        let delay =
            c.draws[m.delay as usize].sample(&Stream::from_element_hash(hm, Purpose::DetectDelay));
        let response =
            c.draws[m.response as usize].sample(&Stream::from_element_hash(hm, Purpose::Response));
        let alert = t + delay;
        *stop = stop.min(alert + response);
        if alert <= c.horizon {
            *first_alert = first_alert.min(alert);
            trial.alerts.push(Alert {
                campaign: campaign_idx,
                monitor: MonitorId(m.monitor),
                step: StepId(si as u32),
                time_hours: alert,
                failed_attempt,
            });
        }
    }
}

/// The derivation of `target` in the campaign that just ran, from its `via` and mark arrays,
/// in canonical order (Kahn's algorithm, ties broken by step index) so that one derivation
/// always reads the same whatever the completion times.
fn canonical_derivation(c: &Compiled<'_>, sc: &mut Work, target: u32) -> Vec<StepId> {
    if sc.path_epoch == u32::MAX {
        sc.path_seen.iter_mut().for_each(|e| *e = 0);
        sc.path_epoch = 0;
    }
    sc.path_epoch += 1;
    let pe = sc.path_epoch;
    let via = &sc.via;
    collect_derivation(c, target, pe, &mut sc.path_seen, |s| {
        let v = via[s as usize];
        (v != NONE).then_some(v)
    })
}

/// Collects the derivation of `target` (for an `any` step its enabling parent, for an `all`
/// step every live parent) and orders it canonically.
fn collect_derivation(
    c: &Compiled<'_>,
    target: u32,
    stamp: u32,
    seen: &mut [u32],
    via_of: impl Fn(u32) -> Option<u32>,
) -> Vec<StepId> {
    let preds = |s: u32| -> Vec<u32> {
        if c.steps[s as usize].flags & ALL != 0 && via_of(s).is_some() {
            c.parents.row(s as usize).to_vec()
        } else {
            via_of(s).into_iter().collect()
        }
    };
    let mut nodes = vec![target];
    seen[target as usize] = stamp;
    let mut i = 0;
    while i < nodes.len() {
        for p in preds(nodes[i]) {
            if seen[p as usize] != stamp {
                seen[p as usize] = stamp;
                nodes.push(p);
            }
        }
        i += 1;
    }
    nodes.sort_unstable();
    // In-degree within the derivation; then repeatedly emit the smallest ready step.
    let pos = |s: u32| nodes.binary_search(&s).ok();
    let mut indeg = vec![0u32; nodes.len()];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (ni, &n) in nodes.iter().enumerate() {
        for p in preds(n) {
            if let Some(pi) = pos(p) {
                indeg[ni] += 1;
                succ[pi].push(ni);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = indeg
        .iter()
        .enumerate()
        .filter(|(_, d)| **d == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        out.push(StepId(nodes[i]));
        for &j in &succ[i] {
            indeg[j] -= 1;
            if indeg[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    out
}

/// The derivation of `step` in campaign `campaign` of a trial simulated with
/// `TrialOptions::completions`: the steps that justify its completion (for an `any` step the
/// parent that enabled it, for an `all` step every live parent, recursively), in canonical
/// order ending with `step`. `None` when the step did not complete in that campaign or
/// completions were not recorded.
pub fn derivation(
    c: &Compiled<'_>,
    trial: &Trial,
    campaign: u32,
    step: StepId,
) -> Option<Vec<StepId>> {
    let camp = trial.campaigns.get(campaign as usize)?;
    let comps = trial.completions.get(camp.completions.clone())?;
    let via: std::collections::HashMap<u32, Option<u32>> = comps
        .iter()
        .map(|k| (k.step.0, k.via.map(|v| v.0)))
        .collect();
    via.get(&step.0)?;
    let mut seen = vec![0u32; c.steps.len()];
    Some(collect_derivation(c, step.0, 1, &mut seen, |s| {
        via.get(&s).copied().flatten()
    }))
}

/// Losses of outage impacts: per episode of the asset's downtime, `cost_eur_per_hour` times
/// its hours plus one draw of `loss_eur`.
fn outage_impacts(c: &Compiled<'_>, tl: u64, trial: &mut Trial) {
    let mut episode = 0u32;
    let mut last_asset = u32::MAX;
    for o in &trial.outages {
        if o.asset.0 != last_asset {
            last_asset = o.asset.0;
            episode = 0;
        }
        for &i in c.outage_impacts.row(o.asset.idx()) {
            let imp = &c.impacts[i as usize];
            let mut loss = imp.cost_eur_per_hour * (o.end_hours - o.start_hours);
            if let Some(l) = imp.loss {
                loss += c.draws[l as usize].sample_from(|| {
                    Stream::new(tl, pair_key(imp.key, u64::from(episode)), Purpose::Loss)
                });
            }
            trial.impacts.push(ImpactEvent {
                impact: ImpactId(i),
                time_hours: o.start_hours,
                loss_eur: loss,
                records: imp.records,
                cause: ImpactCause::Outage {
                    asset: o.asset,
                    episode,
                },
            });
        }
        episode += 1;
    }
}
