//! Outage losses traced back to the attack steps whose outages caused them.
//!
//! The simulator reports each asset's down intervals with the cause that opened them; an
//! interval may last longer because other outages overlapped it, and an interval opened by a
//! dependency goes back to the intervals of the assets depended on. Here each down interval
//! gets the monotone formula of its causes, in disjunctive form: a list of *conjunctions*,
//! each a set of attack outages (by the happening of the step that caused them) that
//! together keep the asset down, plus the candidates whose removal of a dependency entry on
//! the way would break that chain. The loss happens under a plan unless every conjunction is
//! broken.
//!
//! The rules, read off the cascade semantics (book: methods/semantics.md):
//! * an attack outage on the asset that starts inside the interval causes it on its own;
//! * a live dependency entry with `requires: all` is unmet while any member is down, so each
//!   member interval that overlaps the interval is, on its own, a possible cause (a
//!   dependency can only hold the service down during an interval that overlaps the unmet
//!   episode, which is how the overlap test can be exact about *which* intervals to follow);
//! * an entry with `requires: any` is unmet only while every member is down, so the member
//!   intervals combine: one from each member, all needed.
//!
//! The formula is conservative (it keeps every overlapping interval as a possible cause,
//! whatever the propagation draws and delays did), and it is capped: a formula with more than
//! [`MAX_CONJS`] conjunctions is treated as uncuttable. Per-hour losses are split into
//! segments by the times at which causes start and stop holding the asset down, so that a
//! plan that cuts one of two overlapping outages is credited with the hours only the other
//! one covered. An attack outage holds its asset for its own duration (re-drawn exactly as
//! the simulator draws it); a cause through a dependency is taken to hold the service from
//! the start of the member's outage to the end of the service's interval, because the
//! recovery time after the member comes back is not re-drawn here (conservative: the plan is
//! credited with fewer hours, never more).

use ensure_simulator::trial::Outage;

/// More conjunctions than this and the loss is taken as uncuttable.
pub(crate) const MAX_CONJS: usize = 64;

/// Happenings that must all happen, candidates any one of which breaks the chain, and
/// candidates at least one of which must be chosen (none: no such condition).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Conj {
    /// Trial-local happening numbers, sorted.
    pub h: Vec<u32>,
    /// Candidate numbers, sorted.
    pub k: Vec<u32>,
    /// Candidate numbers, sorted: the conjunction holds only if one of them is chosen (for
    /// losses seen only under a plan, see [`crate::scenarios`]). Empty: unconditional.
    pub needs: Vec<u32>,
}

impl Conj {
    pub fn new(h: Vec<u32>, k: Vec<u32>) -> Conj {
        Conj {
            h,
            k,
            needs: Vec::new(),
        }
    }

    /// Whether this conjunction holding implies `other` holding (so `self` adds nothing to
    /// a disjunction that has `other`).
    fn implies(&self, other: &Conj) -> bool {
        subset(&other.h, &self.h)
            && subset(&other.k, &self.k)
            && (other.needs.is_empty()
                || (!self.needs.is_empty() && subset(&self.needs, &other.needs)))
    }
}

/// A disjunction of conjunctions; `None` when too large to follow (uncuttable).
pub(crate) type Dnf = Option<Vec<Conj>>;

/// An outage that a completed step caused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttackOutage {
    pub asset: u32,
    pub start: f64,
    pub end: f64,
    /// The happening of the step that caused it.
    pub h: u32,
}

/// A dependency entry in place under the configuration simulated.
#[derive(Debug, Clone)]
pub(crate) struct LiveDep {
    /// Members, sorted and distinct.
    pub members: Vec<u32>,
    /// `requires: all` (any member down leaves it unmet).
    pub all: bool,
    /// Candidates that remove it.
    pub killers: Vec<u32>,
}

/// An outage impact's loss in one episode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutageLoss {
    pub asset: u32,
    pub episode: u32,
    /// The whole loss of the episode.
    pub loss: f64,
    pub rate_per_hour: f64,
}

/// Keeps the conjunctions that no other one implies (one that implies another adds nothing
/// to a disjunction), in a canonical order.
pub(crate) fn minimise(mut conjs: Vec<Conj>) -> Dnf {
    conjs.sort();
    conjs.dedup();
    let mut out: Vec<Conj> = Vec::new();
    for c in conjs {
        if out.iter().any(|o| c.implies(o)) {
            continue;
        }
        out.retain(|o| !o.implies(&c));
        out.push(c);
        if out.len() > MAX_CONJS {
            return None;
        }
    }
    out.sort();
    Some(out)
}

/// Whether sorted `a` is a subset of sorted `b`.
pub(crate) fn subset(a: &[u32], b: &[u32]) -> bool {
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j == b.len() || b[j] != *x {
            return false;
        }
        j += 1;
    }
    true
}

fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn or(a: Dnf, b: &Dnf) -> Dnf {
    let (mut a, b) = (a?, b.as_ref()?);
    a.extend(b.iter().cloned());
    minimise(a)
}

fn and(a: &Dnf, b: &Dnf) -> Dnf {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    if a.len() * b.len() > MAX_CONJS * MAX_CONJS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            // Cascades never carry conditions on the plan.
            debug_assert!(x.needs.is_empty() && y.needs.is_empty());
            out.push(Conj::new(union(&x.h, &y.h), union(&x.k, &y.k)));
        }
    }
    minimise(out)
}

fn with_killers(d: &Dnf, killers: &[u32]) -> Dnf {
    let d = d.as_ref()?;
    Some(
        d.iter()
            .map(|c| Conj {
                h: c.h.clone(),
                k: union(&c.k, killers),
                needs: c.needs.clone(),
            })
            .collect(),
    )
}

/// A cause that holds an asset down from `from` to `until` (within one interval).
struct Item {
    from: f64,
    until: f64,
    dnf: Dnf,
}

#[derive(Clone)]
enum Memo {
    Unknown,
    /// Being expanded, at this depth of the expansion.
    InProgress(usize),
    Done(Dnf),
}

/// The causes of the down intervals of one trial.
pub(crate) struct Tracer<'t> {
    outages: &'t [Outage],
    attack: &'t [AttackOutage],
    /// Live dependency entries by service asset.
    deps_of: &'t dyn Fn(u32) -> &'t [LiveDep],
    memo: Vec<Memo>,
    depth: usize,
    /// The shallowest interval still being expanded that a cycle of dependencies led back
    /// to. A formula computed below it lacks that interval's other causes, so it is not
    /// remembered; a cycle back to the interval itself only drops circular causes.
    cycle_to: usize,
}

impl<'t> Tracer<'t> {
    /// `outages` as the trial has them (by asset, then start); `attack` in any order.
    pub(crate) fn new(
        outages: &'t [Outage],
        attack: &'t [AttackOutage],
        deps_of: &'t dyn Fn(u32) -> &'t [LiveDep],
    ) -> Tracer<'t> {
        Tracer {
            outages,
            attack,
            deps_of,
            memo: vec![Memo::Unknown; outages.len()],
            depth: 0,
            cycle_to: usize::MAX,
        }
    }

    /// The intervals of `asset` (a contiguous range of the trial's outages).
    fn intervals_of(&self, asset: u32) -> std::ops::Range<usize> {
        let lo = self.outages.partition_point(|o| o.asset.0 < asset);
        let hi = self.outages.partition_point(|o| o.asset.0 <= asset);
        lo..hi
    }

    /// The `episode`-th interval of `asset`.
    pub(crate) fn interval(&self, asset: u32, episode: u32) -> Option<usize> {
        let r = self.intervals_of(asset);
        let i = r.start + episode as usize;
        (i < r.end).then_some(i)
    }

    /// The causes of interval `i`, each with when it holds the asset down.
    fn items(&mut self, i: usize) -> Vec<Item> {
        let iv = self.outages[i];
        let asset = iv.asset.0;
        let mut items = Vec::new();
        for o in self.attack.iter().filter(|o| o.asset == asset) {
            if o.start >= iv.start_hours && o.start < iv.end_hours {
                items.push(Item {
                    from: o.start,
                    until: o.end.min(iv.end_hours),
                    dnf: Some(vec![Conj::new(vec![o.h], Vec::new())]),
                });
            }
        }
        let deps_of = self.deps_of;
        for d in deps_of(asset) {
            // Per member, the overlapping intervals and their formulas.
            let mut per_member: Vec<Vec<(f64, Dnf)>> = Vec::with_capacity(d.members.len());
            for &m in &d.members {
                let js: Vec<usize> = self
                    .intervals_of(m)
                    .filter(|&j| {
                        self.outages[j].start_hours < iv.end_hours
                            && self.outages[j].end_hours > iv.start_hours
                    })
                    .collect();
                per_member.push(
                    js.into_iter()
                        .map(|j| (self.outages[j].start_hours, self.dnf(j)))
                        .collect(),
                );
            }
            if d.all {
                for (from, dnf) in per_member.into_iter().flatten() {
                    items.push(Item {
                        from: from.max(iv.start_hours),
                        until: iv.end_hours,
                        dnf: with_killers(&dnf, &d.killers),
                    });
                }
            } else if per_member.iter().all(|js| !js.is_empty()) {
                // One interval from each member, all needed.
                let mut combos: Vec<(f64, Dnf)> = vec![(
                    f64::NEG_INFINITY,
                    Some(vec![Conj::new(Vec::new(), Vec::new())]),
                )];
                for js in &per_member {
                    if combos.len() * js.len() > MAX_CONJS {
                        combos = vec![(
                            per_member
                                .iter()
                                .flat_map(|js| js.iter().map(|j| j.0))
                                .fold(f64::INFINITY, f64::min),
                            None,
                        )];
                        break;
                    }
                    combos = combos
                        .iter()
                        .flat_map(|(f, c)| js.iter().map(move |(g, d)| (f.max(*g), and(c, d))))
                        .collect();
                }
                for (from, dnf) in combos {
                    items.push(Item {
                        from: from.max(iv.start_hours),
                        until: iv.end_hours,
                        dnf: with_killers(&dnf, &d.killers),
                    });
                }
            }
        }
        items
    }

    /// The formula of interval `i`: the disjunction of its causes. Uncuttable (`None`) when
    /// no cause is found, which the semantics rule out except through the cycle cut-off.
    pub(crate) fn dnf(&mut self, i: usize) -> Dnf {
        match &self.memo[i] {
            Memo::Done(d) => return d.clone(),
            Memo::InProgress(at) => {
                self.cycle_to = self.cycle_to.min(*at);
                return Some(Vec::new());
            }
            Memo::Unknown => {}
        }
        let depth = self.depth;
        self.depth += 1;
        self.memo[i] = Memo::InProgress(depth);
        let outer = std::mem::replace(&mut self.cycle_to, usize::MAX);
        let items = self.items(i);
        let mut d: Dnf = Some(Vec::new());
        for it in &items {
            d = or(d, &it.dnf);
        }
        let partial = self.cycle_to < depth;
        if d.as_ref().is_some_and(|c| c.is_empty()) && !partial {
            d = None;
        }
        self.memo[i] = if partial {
            Memo::Unknown
        } else {
            Memo::Done(d.clone())
        };
        self.cycle_to = if partial {
            self.cycle_to.min(outer)
        } else {
            outer
        };
        self.depth -= 1;
        d
    }

    /// The losses of one outage impact episode on interval `i`, as `(loss, formula)` pieces
    /// that add up to `loss`: the per-hour part split into segments with the causes holding
    /// the asset down throughout each, and the rest (a per-episode loss) with the formula of
    /// the whole interval.
    pub(crate) fn pieces(&mut self, i: usize, l: &OutageLoss) -> Vec<(f64, Dnf)> {
        let iv = self.outages[i];
        let whole = self.dnf(i);
        let hours = iv.end_hours - iv.start_hours;
        let hourly = l.rate_per_hour * hours;
        let mut out: Vec<(f64, Dnf)> = Vec::new();
        if hourly > 0.0 {
            let items = self.items(i);
            let mut cuts: Vec<f64> = vec![iv.start_hours, iv.end_hours];
            for it in &items {
                for t in [it.from, it.until] {
                    if t > iv.start_hours && t < iv.end_hours {
                        cuts.push(t);
                    }
                }
            }
            cuts.sort_by(f64::total_cmp);
            cuts.dedup();
            for w in cuts.windows(2) {
                let (a, b) = (w[0], w[1]);
                if b <= a {
                    continue;
                }
                let mut d: Dnf = Some(Vec::new());
                for it in items.iter().filter(|it| it.from <= a && it.until >= b) {
                    d = or(d, &it.dnf);
                }
                if d.as_ref().is_some_and(|c| c.is_empty()) {
                    d = whole.clone();
                }
                let loss = l.rate_per_hour * (b - a);
                match out.iter_mut().find(|(_, e)| *e == d) {
                    Some(slot) => slot.0 += loss,
                    None => out.push((loss, d)),
                }
            }
        }
        // What is not per hour: the per-episode draw (up to rounding of the split).
        let rest = l.loss - hourly;
        if rest > 1e-9 * l.loss.abs().max(1.0) {
            out.push((rest, whole));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ensure_model::{AssetId, DependencyId};
    use ensure_simulator::trial::OutageCause;

    fn iv(asset: u32, start: f64, end: f64) -> Outage {
        Outage {
            asset: AssetId(asset),
            start_hours: start,
            end_hours: end,
            cause: OutageCause::Dependency(DependencyId(0)),
        }
    }

    fn conj(h: &[u32], k: &[u32]) -> Conj {
        Conj::new(h.to_vec(), k.to_vec())
    }

    #[test]
    fn minimal_conjunctions_drop_supersets() {
        let d = minimise(vec![conj(&[1, 2], &[]), conj(&[1], &[]), conj(&[1], &[3])]);
        assert_eq!(d, Some(vec![conj(&[1], &[])]));
        // A condition on the plan makes a conjunction weaker, not stronger.
        let cond = |needs: &[u32]| Conj {
            needs: needs.to_vec(),
            ..conj(&[1], &[])
        };
        assert_eq!(
            minimise(vec![cond(&[4]), conj(&[1], &[])]),
            Some(vec![conj(&[1], &[])])
        );
        assert_eq!(
            minimise(vec![cond(&[4]), cond(&[4, 5])]),
            Some(vec![cond(&[4, 5])])
        );
        assert_eq!(
            minimise(vec![cond(&[4]), cond(&[5])]).map(|d| d.len()),
            Some(2)
        );
        assert!(subset(&[1, 3], &[0, 1, 2, 3]));
        assert!(!subset(&[1, 4], &[0, 1, 2, 3]));
    }

    #[test]
    fn all_dependencies_take_any_member_and_any_dependencies_need_every_member() {
        // Assets: 0 and 1 are members, 2 depends on both with `all`, 3 with `any`.
        let outages = vec![
            iv(0, 10.0, 20.0),
            iv(1, 15.0, 30.0),
            iv(2, 10.0, 30.0),
            iv(3, 15.0, 20.0),
        ];
        let attack = vec![
            AttackOutage {
                asset: 0,
                start: 10.0,
                end: 20.0,
                h: 0,
            },
            AttackOutage {
                asset: 1,
                start: 15.0,
                end: 30.0,
                h: 1,
            },
        ];
        // Entry 0 serves asset 2, entry 1 asset 3.
        let deps = [
            LiveDep {
                members: vec![0, 1],
                all: true,
                killers: vec![7],
            },
            LiveDep {
                members: vec![0, 1],
                all: false,
                killers: vec![],
            },
        ];
        let deps_of = |a: u32| -> &[LiveDep] {
            match a {
                2 => &deps[0..1],
                3 => &deps[1..2],
                _ => &[],
            }
        };
        let mut t = Tracer::new(&outages, &attack, &deps_of);
        assert_eq!(t.dnf(2), Some(vec![conj(&[0], &[7]), conj(&[1], &[7])]));
        assert_eq!(t.dnf(3), Some(vec![conj(&[0, 1], &[])]));
        // 20 hours down at 10 EUR/h: from 10 to 15 only member 0 is down; from 15 on member 1
        // is too, and either may be what holds the service (recovery is not re-drawn).
        let pieces = t.pieces(
            2,
            &OutageLoss {
                asset: 2,
                episode: 0,
                loss: 200.0,
                rate_per_hour: 10.0,
            },
        );
        assert_eq!(
            pieces,
            vec![
                (50.0, Some(vec![conj(&[0], &[7])])),
                (150.0, Some(vec![conj(&[0], &[7]), conj(&[1], &[7])])),
            ]
        );
    }

    #[test]
    fn overlapping_attack_outages_share_only_their_common_hours() {
        // Two attack outages on one asset, 0..10 and 5..20: one interval 0..20, 2 EUR/h and a
        // 7 EUR per-episode loss.
        let outages = vec![iv(0, 0.0, 20.0)];
        let attack = vec![
            AttackOutage {
                asset: 0,
                start: 0.0,
                end: 10.0,
                h: 2,
            },
            AttackOutage {
                asset: 0,
                start: 5.0,
                end: 20.0,
                h: 3,
            },
        ];
        let deps_of = |_: u32| -> &[LiveDep] { &[] };
        let mut t = Tracer::new(&outages, &attack, &deps_of);
        let pieces = t.pieces(
            0,
            &OutageLoss {
                asset: 0,
                episode: 0,
                loss: 47.0,
                rate_per_hour: 2.0,
            },
        );
        let either = Some(vec![conj(&[2], &[]), conj(&[3], &[])]);
        assert_eq!(
            pieces,
            vec![
                (10.0, Some(vec![conj(&[2], &[])])),
                (10.0, either.clone()),
                (20.0, Some(vec![conj(&[3], &[])])),
                (7.0, either),
            ]
        );
    }

    #[test]
    fn cycles_do_not_loop_and_do_not_invent_causes() {
        // 0 and 1 depend on each other; 0 was taken down by an attack.
        let outages = vec![iv(0, 5.0, 50.0), iv(1, 6.0, 50.0)];
        let attack = vec![AttackOutage {
            asset: 0,
            start: 5.0,
            end: 40.0,
            h: 4,
        }];
        let deps = [
            LiveDep {
                members: vec![1],
                all: true,
                killers: vec![],
            },
            LiveDep {
                members: vec![0],
                all: true,
                killers: vec![2],
            },
        ];
        let deps_of = |a: u32| -> &[LiveDep] { &deps[a as usize..a as usize + 1] };
        let mut t = Tracer::new(&outages, &attack, &deps_of);
        assert_eq!(t.dnf(1), Some(vec![conj(&[4], &[2])]));
        assert_eq!(t.dnf(0), Some(vec![conj(&[4], &[])]));
    }
}
