//! Outages and their cascades along functional dependencies, as a discrete-event simulation.
//!
//! An asset is down while something holds it down: an attack outage, or a dependency entry
//! that propagated. A dependency entry is *unmet* while any (`requires: all`) or every
//! (`requires: any`) asset it names is down. Each time it becomes unmet an episode starts:
//! one draw decides whether it propagates; if so it takes the service down after its delay
//! unless it is met again first, and once met again it lets go after the recovery time.
//! Events are processed in time order (ties in the order they were scheduled); nothing at or
//! after the horizon happens, and intervals still open are cut there.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ensure_model::{AssetId, DependencyId, StepId};

use crate::compile::Compiled;
use crate::rng::{pair_key, Purpose, Stream};
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
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    events: Vec<Event>,
    touched: Vec<u32>,
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
            heap: BinaryHeap::new(),
            events: Vec::new(),
            touched: Vec::new(),
        }
    }

    fn push(&mut self, t: f64, e: Event) {
        self.heap
            .push(Reverse((t.to_bits(), self.events.len() as u32)));
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
    sc.heap.clear();
    sc.touched.clear();
    sc.events.clear();
    let h = c.horizon;
    let first = out.len();
    for (i, o) in attack.iter().enumerate() {
        sc.push(o.start, Event::AttackDown(i as u32));
        sc.push(o.end, Event::AttackUp(i as u32));
    }
    while let Some(Reverse((bits, idx))) = sc.heap.pop() {
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
    out[first..].sort_by(|x, y| {
        (x.asset, x.start_hours.to_bits()).cmp(&(y.asset, y.start_hours.to_bits()))
    });
}

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
    if !was && now {
        ds.episode += 1;
        let e = ds.episode;
        let key = pair_key(info.key, u64::from(e));
        let propagates = info.p_propagate >= 1.0
            || Stream::new(tl, key, Purpose::Propagate).u(0) < info.p_propagate;
        if propagates {
            ds.pending = e;
            let delay = c.samplers[info.delay as usize].sample(&Stream::new(
                tl,
                key,
                Purpose::PropagateDelay,
            ));
            sc.push(t + delay, Event::Take { dep: d, episode: e });
        }
    } else if was && !now {
        let e = ds.episode;
        if ds.pending == e {
            ds.pending = NONE;
        }
        if ds.holding == e {
            ds.holding = NONE;
            let key = pair_key(info.key, u64::from(e));
            let recovery =
                c.samplers[info.recovery as usize].sample(&Stream::new(tl, key, Purpose::Recovery));
            sc.push(t + recovery, Event::Release { dep: d, episode: e });
        }
    }
}
