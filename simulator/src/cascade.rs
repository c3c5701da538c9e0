//! Outages and their cascades along functional dependencies, as a discrete-event simulation.
//!
//! An asset is down while something holds it down: an attack outage, or a dependency entry
//! that propagated. A dependency entry is *unmet* while any (`requires: all`) or every
//! (`requires: any`) asset it names is down. Each time it becomes unmet an episode starts:
//! one draw decides whether it propagates; if so it takes the service down after its delay
//! unless it is met again first, and once met again it lets go after the recovery time.
//! Events are processed in time order (ties in the order they were scheduled); nothing at or
//! after the horizon happens, and intervals still open are cut there.

use ensure_model::{AssetId, DependencyId, StepId};

use crate::compile::Compiled;
use crate::queue::EventQueue;
use crate::rng::{mix, pair_key, Purpose, Stream};
use crate::trial::{Outage, OutageCause};

/// An outage that a completed step causes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttackOutage {
    pub asset: u32,
    pub start: f64,
    pub end: f64,
    pub campaign: u32,
    pub step: u32,
}

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Index into the attack outages.
    AttackDown(u32),
    AttackUp(u32),
    Take {
        dep: u32,
        episode: u32,
    },
    Release {
        dep: u32,
        episode: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct AssetState {
    epoch: u32,
    holds: u32,
    down_since: f64,
    cause: OutageCause,
    /// Its place among the assets touched in the trial, in asset order (for sorting).
    rank: u32,
}

#[derive(Debug, Clone, Copy)]
struct DepState {
    epoch: u32,
    n_down: u32,
    episode: u32,
    /// The episode whose take-down is scheduled and not yet cancelled.
    pending: u32,
    /// The episode that holds the service down.
    holding: u32,
}

pub(crate) struct CascadeScratch {
    epoch: u32,
    assets: Vec<AssetState>,
    deps: Vec<DepState>,
    /// (time, index into `events`): the index orders same-time events as scheduled.
    queue: EventQueue,
    events: Vec<Event>,
    touched: Vec<u32>,
    /// For sorting the outages: per rank, where its asset's intervals go; the sorted copy;
    /// the touched assets as a bit set, read in order when that is cheaper than sorting them.
    offsets: Vec<u32>,
    sorted: Vec<Outage>,
    touched_bits: Vec<u64>,
}

impl CascadeScratch {
    pub fn new(c: &Compiled<'_>) -> CascadeScratch {
        CascadeScratch {
            epoch: 0,
            assets: vec![
                AssetState {
                    epoch: 0,
                    holds: 0,
                    down_since: 0.0,
                    cause: OutageCause::Dependency(DependencyId(0)),
                    rank: 0,
                };
                if c.any_outage {
                    c.model.assets.len()
                } else {
                    0
                }
            ],
            deps: vec![
                DepState {
                    epoch: 0,
                    n_down: 0,
                    episode: 0,
                    pending: NONE,
                    holding: NONE,
                };
                if c.any_outage { c.deps.len() } else { 0 }
            ],
            queue: EventQueue::new(),
            events: Vec::new(),
            touched: Vec::new(),
            offsets: Vec::new(),
            sorted: Vec::new(),
            touched_bits: vec![
                0;
                if c.any_outage {
                    c.model.assets.len().div_ceil(64)
                } else {
                    0
                }
            ],
        }
    }

    #[inline]
    fn push(&mut self, t: f64, e: Event) {
        self.queue.push(t.to_bits(), self.events.len() as u32);
        self.events.push(e);
    }

    fn asset(&mut self, a: u32) -> &mut AssetState {
        let epoch = self.epoch;
        let s = &mut self.assets[a as usize];
        if s.epoch != epoch {
            *s = AssetState {
                epoch,
                holds: 0,
                down_since: 0.0,
                cause: OutageCause::Dependency(DependencyId(0)),
                rank: 0,
            };
            self.touched.push(a);
        }
        &mut self.assets[a as usize]
    }

    fn dep(&mut self, d: u32) -> &mut DepState {
        let epoch = self.epoch;
        let s = &mut self.deps[d as usize];
        if s.epoch != epoch {
            *s = DepState {
                epoch,
                n_down: 0,
                episode: 0,
                pending: NONE,
                holding: NONE,
            };
        }
        s
    }
}

/// Runs the cascade of one trial from its attack outages; appends the outage intervals, by
/// asset then start, to `out`.
pub(crate) fn run(
    c: &Compiled<'_>,
    trial_level: u64,
    attack: &[AttackOutage],
    sc: &mut CascadeScratch,
    out: &mut Vec<Outage>,
) {
    if sc.epoch == u32::MAX {
        sc.assets.iter_mut().for_each(|a| a.epoch = 0);
        sc.deps.iter_mut().for_each(|d| d.epoch = 0);
        sc.epoch = 0;
    }
    sc.epoch += 1;
    sc.queue.clear();
    sc.touched.clear();
    sc.events.clear();
    let h = c.horizon;
    let first = out.len();
    for (i, o) in attack.iter().enumerate() {
        sc.push(o.start, Event::AttackDown(i as u32));
        sc.push(o.end, Event::AttackUp(i as u32));
    }
    while let Some((bits, idx)) = sc.queue.pop() {
        let ev = sc.events[idx as usize];
        let t = f64::from_bits(bits);
        if t >= h {
            break;
        }
        match ev {
            Event::AttackDown(i) => {
                let o = attack[i as usize];
                hold(
                    c,
                    trial_level,
                    sc,
                    o.asset,
                    t,
                    OutageCause::Step {
                        campaign: o.campaign,
                        step: StepId(o.step),
                    },
                );
            }
            Event::AttackUp(i) => release(c, trial_level, sc, attack[i as usize].asset, t, out),
            Event::Take { dep, episode } => {
                let ds = sc.dep(dep);
                if ds.pending == episode {
                    ds.pending = NONE;
                    ds.holding = episode;
                    let info = &c.deps[dep as usize];
                    hold(
                        c,
                        trial_level,
                        sc,
                        info.service,
                        t,
                        OutageCause::Dependency(DependencyId(info.id)),
                    );
                }
            }
            Event::Release { dep, .. } => {
                release(c, trial_level, sc, c.deps[dep as usize].service, t, out)
            }
        }
    }
    for i in 0..sc.touched.len() {
        let a = sc.touched[i];
        let s = sc.assets[a as usize];
        if s.holds > 0 {
            out.push(Outage {
                asset: AssetId(a),
                start_hours: s.down_since,
                end_hours: h,
                cause: s.cause,
            });
        }
    }
    sort_outages(sc, &mut out[first..]);
}

/// Sorts the trial's outage intervals by asset, then start, as a stable sort on both would.
/// The intervals of one asset are recorded in the order they start (they are disjoint, and
/// events come in time order), so a stable counting sort by asset, over the assets the trial
/// touched, gives that order; it is checked, and a full sort covers what the semantics never
/// produces.
fn sort_outages(sc: &mut CascadeScratch, out: &mut [Outage]) {
    let by_start = |x: &Outage, y: &Outage| {
        (x.asset, x.start_hours.to_bits()).cmp(&(y.asset, y.start_hours.to_bits()))
    };
    if out.is_sorted_by(|x, y| by_start(x, y).is_le()) {
        return;
    }
    let epoch = sc.epoch;
    if out.iter().any(|o| sc.assets[o.asset.idx()].epoch != epoch) {
        out.sort_by(by_start);
        return;
    }
    // The touched assets in asset order: from a bit set when the model is small next to
    // them (a few words per asset), by sorting otherwise.
    if !sc.touched_bits.is_empty() && sc.touched_bits.len() <= 4 * sc.touched.len() {
        for &a in &sc.touched {
            sc.touched_bits[a as usize / 64] |= 1 << (a % 64);
        }
        sc.touched.clear();
        for (w, word) in sc.touched_bits.iter_mut().enumerate() {
            let mut m = *word;
            while m != 0 {
                sc.touched.push((w * 64) as u32 + m.trailing_zeros());
                m &= m - 1;
            }
            *word = 0;
        }
    } else {
        sc.touched.sort_unstable();
    }
    sc.offsets.clear();
    sc.offsets.resize(sc.touched.len() + 1, 0);
    for (rank, &a) in sc.touched.iter().enumerate() {
        sc.assets[a as usize].rank = rank as u32;
    }
    for o in out.iter() {
        sc.offsets[sc.assets[o.asset.idx()].rank as usize + 1] += 1;
    }
    for i in 1..sc.offsets.len() {
        sc.offsets[i] += sc.offsets[i - 1];
    }
    sc.sorted.clear();
    sc.sorted.extend_from_slice(out);
    for o in &sc.sorted {
        let slot = &mut sc.offsets[sc.assets[o.asset.idx()].rank as usize];
        out[*slot as usize] = *o;
        *slot += 1;
    }
    if !out.is_sorted_by(|x, y| by_start(x, y).is_le()) {
        // Starts out of order within an asset: the stable sort on both from the order so
        // far, which kept each asset's intervals in the order they were recorded.
        out.sort_by(by_start);
    }
}

#[inline]
fn hold(c: &Compiled<'_>, tl: u64, sc: &mut CascadeScratch, a: u32, t: f64, cause: OutageCause) {
    let s = sc.asset(a);
    s.holds += 1;
    if s.holds == 1 {
        s.down_since = t;
        s.cause = cause;
        for &d in c.member_deps.row(a as usize) {
            member_changed(c, tl, sc, d, true, t);
        }
    }
}

#[inline]
fn release(
    c: &Compiled<'_>,
    tl: u64,
    sc: &mut CascadeScratch,
    a: u32,
    t: f64,
    out: &mut Vec<Outage>,
) {
    let s = sc.asset(a);
    if s.holds == 0 {
        return;
    }
    s.holds -= 1;
    if s.holds == 0 {
        out.push(Outage {
            asset: AssetId(a),
            start_hours: s.down_since,
            end_hours: t,
            cause: s.cause,
        });
        for &d in c.member_deps.row(a as usize) {
            member_changed(c, tl, sc, d, false, t);
        }
    }
}

/// One asset named by dependency entry `d` went down (`down`) or came back.
#[inline]
fn member_changed(c: &Compiled<'_>, tl: u64, sc: &mut CascadeScratch, d: u32, down: bool, t: f64) {
    let info = &c.deps[d as usize];
    let unmet = |n_down: u32| {
        if info.all {
            n_down >= 1
        } else {
            n_down == info.n_on
        }
    };
    let ds = sc.dep(d);
    let was = unmet(ds.n_down);
    if down {
        ds.n_down += 1;
    } else {
        ds.n_down -= 1;
    }
    let now = unmet(ds.n_down);
    // The draws of episode `e` are keyed by `pair_key(entry, e)`, all from one element hash.
    let episode_hash = |e: u32| {
        let key = if e == 1 {
            info.key_first_episode
        } else {
            pair_key(info.key, u64::from(e))
        };
        mix(tl ^ key)
    };
    if !was && now {
        ds.episode += 1;
        let e = ds.episode;
        let hk = episode_hash(e);
        let propagates = info.p_propagate >= 1.0
            || Stream::from_element_hash(hk, Purpose::Propagate).u(0) < info.p_propagate;
        if propagates {
            ds.pending = e;
            let delay = c.draws[info.delay as usize]
                .sample_from(|| Stream::from_element_hash(hk, Purpose::PropagateDelay));
            sc.push(t + delay, Event::Take { dep: d, episode: e });
        }
    } else if was && !now {
        let e = ds.episode;
        if ds.pending == e {
            ds.pending = NONE;
        }
        if ds.holding == e {
            ds.holding = NONE;
            let recovery = c.draws[info.recovery as usize]
                .sample_from(|| Stream::from_element_hash(episode_hash(e), Purpose::Recovery));
            sc.push(t + recovery, Event::Release { dep: d, episode: e });
        }
    }
}
