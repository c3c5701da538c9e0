//! Statistics of a set of trials, kept in integers so that merging any grouping of partial
//! tallies gives bit-identical results: counts, sums of fixed-point values and of their
//! squares, and log-scale histograms with integer counts for quantiles.
//!
//! Fixed-point units: times in microhours (1e-6 h, 3.6 ms), money in cents, records and
//! asset counts as they are. Quantiles come from histograms with 64 bins per binary octave
//! (the top 6 bits of the mantissa), so a quantile read as its bin's midpoint is within
//! 1/128 = 0.78 % of a value in that bin.

use std::collections::BTreeMap;

use crate::compile::Compiled;
use crate::trial::{OutageCause, Trial};

/// Fixed-point scale of times.
pub const MICRO: f64 = 1e6;
/// Fixed-point scale of money.
pub const CENTS: f64 = 100.0;

const SUB_BITS: u32 = 6;
const SUBS: i32 = 1 << SUB_BITS;
/// Values below this count as zero in histograms (times below 4 ms, losses below a
/// millionth of a cent).
const ZERO_BELOW: f64 = 1e-9;

/// `v.round().max(0.0) as u128`: `v` rounded half away from zero, negative values and NaN
/// to 0, saturating. Exact without the library calls for `0 <= v < 2^52`, where `v - trunc(v)`
/// is exact, and by those calls elsewhere.
#[inline(always)]
pub(crate) fn fixed_point(v: f64) -> u128 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if (0.0..TWO_52).contains(&v) {
        // Below 2^52 the signed conversions are exact (and single instructions).
        let i = v as i64;
        u128::from(i as u64 + u64::from(v - i as f64 >= 0.5))
    } else {
        v.round().max(0.0) as u128
    }
}

/// `q.saturating_mul(q)`, with one 64-bit multiplication when `q` fits in 64 bits (and the
/// square then in 128).
#[inline(always)]
pub(crate) fn square(q: u128) -> u128 {
    match u64::try_from(q) {
        Ok(x) => u128::from(x) * u128::from(x),
        Err(_) => q.saturating_mul(q),
    }
}

/// A histogram of non-negative values on a log scale, dense between its lowest and highest
/// occupied bins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogHist {
    pub zeros: u64,
    lo: i32,
    counts: Vec<u64>,
}

impl LogHist {
    pub fn bin_of(x: f64) -> Option<i32> {
        if x.is_nan() || x < ZERO_BELOW || x.is_infinite() {
            return None;
        }
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7FF) as i32 - 1023;
        let mant = ((bits >> (52 - SUB_BITS)) & (SUBS as u64 - 1)) as i32;
        Some(exp * SUBS + mant)
    }

    /// The lower edge of bin `b`.
    pub fn lower(b: i32) -> f64 {
        let exp = b.div_euclid(SUBS);
        let m = b.rem_euclid(SUBS);
        2f64.powi(exp) * (1.0 + f64::from(m) / f64::from(SUBS))
    }

    /// The value a bin stands for: its midpoint.
    pub fn mid(b: i32) -> f64 {
        0.5 * (Self::lower(b) + Self::lower(b + 1))
    }

    pub fn add(&mut self, x: f64) {
        self.add_n(x, 1);
    }

    pub fn add_n(&mut self, x: f64, n: u64) {
        match Self::bin_of(x) {
            None => self.zeros += n,
            Some(b) => self.add_bin(b, n),
        }
    }

    pub fn add_bin(&mut self, b: i32, n: u64) {
        if self.counts.is_empty() {
            self.lo = b;
            self.counts.push(0);
        } else if b < self.lo {
            let grow = (self.lo - b) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.lo = b;
        } else if b >= self.lo + self.counts.len() as i32 {
            self.counts.resize((b - self.lo) as usize + 1, 0);
        }
        self.counts[(b - self.lo) as usize] += n;
    }

    pub fn merge(&mut self, o: &LogHist) {
        self.zeros += o.zeros;
        for (b, n) in o.bins() {
            self.add_bin(b, n);
        }
    }

    /// Occupied bins in increasing order.
    pub fn bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (self.lo + i as i32, *n))
    }

    pub fn total(&self) -> u64 {
        self.zeros + self.counts.iter().sum::<u64>()
    }

    /// The value of order statistic `rank` (1-based): 0 in the zero bin, else its bin's
    /// midpoint. `edge` -1 gives the bin's lower edge, +1 its upper edge (for conservative
    /// interval ends).
    pub fn value_at_rank(&self, rank: u64, edge: i8) -> f64 {
        if rank <= self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (b, n) in self.bins() {
            seen += n;
            if seen >= rank {
                return match edge {
                    -1 => Self::lower(b),
                    1 => Self::lower(b + 1),
                    _ => Self::mid(b),
                };
            }
        }
        self.bins().last().map_or(0.0, |(b, _)| Self::lower(b + 1))
    }

    /// How many values exceed `x`, counting a bin whose midpoint exceeds it.
    pub fn count_above(&self, x: f64) -> u64 {
        self.bins()
            .filter(|(b, _)| Self::mid(*b) > x)
            .map(|(_, n)| n)
            .sum::<u64>()
            + if x < 0.0 { self.zeros } else { 0 }
    }
}

/// A distribution of per-trial (or per-event) values: how many were positive, exact sums in
/// fixed point, and a histogram.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueTally {
    pub n: u64,
    pub n_positive: u64,
    pub sum: u128,
    pub sum_sq: u128,
    pub hist: LogHist,
}

impl ValueTally {
    /// Adds `x`, kept in fixed point with `scale` units per unit of `x`.
    #[inline]
    pub fn add(&mut self, x: f64, scale: f64) {
        self.n += 1;
        if x == 0.0 {
            // What the general case does with a zero (of either sign): nothing to the sums.
            self.hist.zeros += 1;
            return;
        }
        let q = fixed_point(x * scale);
        if x > 0.0 {
            self.n_positive += 1;
        }
        self.sum = self.sum.saturating_add(q);
        self.sum_sq = self.sum_sq.saturating_add(square(q));
        self.hist.add(x);
    }

    pub fn merge(&mut self, o: &ValueTally) {
        self.n += o.n;
        self.n_positive += o.n_positive;
        self.sum = self.sum.saturating_add(o.sum);
        self.sum_sq = self.sum_sq.saturating_add(o.sum_sq);
        self.hist.merge(&o.hist);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalTally {
    pub n_reached: u64,
    /// Time to compromise of the trials that reach the goal (hours from the trial's start).
    pub ttc: ValueTally,
    /// The same, from the start of the campaign that reached it: how long the attack took.
    pub attack: ValueTally,
    /// Trials in which the campaign that reached the goal raised an alert.
    pub n_detected: u64,
    /// Its time to detection (hours from the campaign's start).
    pub ttd: ValueTally,
    /// Trials in which that alert came before the goal was reached.
    pub n_detected_before: u64,
    /// Attack paths (canonical derivations) and how often each reached the goal first.
    pub paths: BTreeMap<Vec<u32>, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpactTally {
    /// Trials in which the impact occurred at least once.
    pub n_trials: u64,
    pub n_events: u64,
    /// Loss per trial in which it occurred (cents).
    pub loss: ValueTally,
    pub records: u128,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorTally {
    pub n_campaigns: u64,
    pub n_detected: u64,
    /// Time to detection per detected campaign (hours).
    pub ttd: ValueTally,
    pub n_stopped: u64,
    pub steps_completed: u128,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetTally {
    pub n_compromised: u64,
    pub n_down: u64,
    /// Hours down per trial, in microhours.
    pub downtime: u128,
    pub downtime_sq: u128,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgTally {
    pub n_any_compromised: u64,
    pub assets_compromised: u128,
    pub n_any_down: u64,
    pub assets_down: u128,
}

/// Everything the results are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub n_trials: u64,
    pub goals: Vec<GoalTally>,
    /// Loss per trial (EUR, sums in cents).
    pub loss: ValueTally,
    /// Records exposed per trial.
    pub records: ValueTally,
    pub impacts: Vec<ImpactTally>,
    pub actors: Vec<ActorTally>,
    pub assets: Vec<AssetTally>,
    /// Per organisation (assets without one under the last index).
    pub orgs: Vec<OrgTally>,
    /// Assets down at some time, per trial.
    pub assets_down: ValueTally,
    /// Of those, assets taken down by a dependency (not directly by an attack step).
    pub assets_down_cascade: ValueTally,
    /// Length of each outage interval (hours).
    pub outage_hours: ValueTally,
    /// Downtime per trial of the assets with outage impacts (hours), by asset.
    pub service_downtime: BTreeMap<u32, ValueTally>,
    /// When those assets are down: for each, the hours down summed over trials in each of
    /// [`TIMELINE_BINS`] equal slices of the horizon, in fixed point (exact, so merging
    /// shards in any order gives the same sums).
    pub service_timeline: BTreeMap<u32, Vec<u128>>,
}

/// The slices of the horizon in which [`Tally::service_timeline`] counts downtime.
pub const TIMELINE_BINS: usize = 52;

/// Per-trial working memory for tallying, sized for one model.
pub struct TallyScratch {
    org_of: Vec<u32>,
    org_count: Vec<u32>,
    org_down: Vec<u32>,
    orgs_touched: Vec<u32>,
    impact_seen: Vec<u64>,
    impact_loss: Vec<f64>,
    impacts_touched: Vec<u32>,
    stamp: u64,
    costs_on_outage: Vec<bool>,
    horizon: f64,
}

impl TallyScratch {
    pub fn new(c: &Compiled<'_>) -> TallyScratch {
        let m = c.model;
        let orgs: Vec<usize> = org_assets(m);
        let mut org_index = vec![u32::MAX; m.assets.len()];
        for (i, o) in orgs.iter().enumerate() {
            org_index[*o] = i as u32;
        }
        let none = orgs.len() as u32;
        let org_of = m
            .assets
            .iter()
            .map(|a| a.org.map_or(none, |o| org_index[o.idx()]))
            .collect();
        let mut costs_on_outage = vec![false; m.assets.len()];
        for (a, flag) in costs_on_outage.iter_mut().enumerate() {
            *flag = !c.outage_impacts.row(a).is_empty();
        }
        TallyScratch {
            org_of,
            org_count: vec![0; orgs.len() + 1],
            org_down: vec![0; orgs.len() + 1],
            orgs_touched: Vec::new(),
            impact_seen: vec![0; m.impacts.len()],
            impact_loss: vec![0.0; m.impacts.len()],
            impacts_touched: Vec::new(),
            stamp: 0,
            costs_on_outage,
            horizon: c.horizon,
        }
    }
}

/// The assets that are some asset's organisation, in model order.
pub(crate) fn org_assets(m: &ensure_model::Model) -> Vec<usize> {
    let mut is_org = vec![false; m.assets.len()];
    for a in &m.assets {
        if let Some(o) = a.org {
            is_org[o.idx()] = true;
        }
    }
    (0..m.assets.len()).filter(|i| is_org[*i]).collect()
}

impl Tally {
    pub fn new(c: &Compiled<'_>) -> Tally {
        let m = c.model;
        Tally {
            n_trials: 0,
            goals: vec![GoalTally::default(); m.goals.len()],
            loss: ValueTally::default(),
            records: ValueTally::default(),
            impacts: vec![ImpactTally::default(); m.impacts.len()],
            actors: vec![ActorTally::default(); m.actors.len()],
            assets: vec![AssetTally::default(); m.assets.len()],
            orgs: vec![OrgTally::default(); org_assets(m).len() + 1],
            assets_down: ValueTally::default(),
            assets_down_cascade: ValueTally::default(),
            outage_hours: ValueTally::default(),
            service_downtime: BTreeMap::new(),
            service_timeline: BTreeMap::new(),
        }
    }

    /// Adds one trial.
    pub fn add(&mut self, t: &Trial, sc: &mut TallyScratch) {
        self.n_trials += 1;
        sc.stamp += 1;
        let stamp = sc.stamp;

        for g in &t.goals {
            let gt = &mut self.goals[g.goal.idx()];
            gt.n_reached += 1;
            gt.ttc.add(g.time_hours, MICRO);
            let camp = &t.campaigns[g.campaign as usize];
            gt.attack.add(g.time_hours - camp.start_hours, MICRO);
            if let Some(alert) = camp.first_alert_hours {
                gt.n_detected += 1;
                gt.ttd.add(alert - camp.start_hours, MICRO);
                if alert < g.time_hours {
                    gt.n_detected_before += 1;
                }
            }
            if !g.path.is_empty() {
                *gt.paths
                    .entry(g.path.iter().map(|s| s.0).collect())
                    .or_insert(0) += 1;
            }
        }

        self.loss.add(t.loss_eur, CENTS);
        let mut records = 0u64;
        sc.impacts_touched.clear();
        for e in &t.impacts {
            let i = e.impact.idx();
            if sc.impact_seen[i] != stamp {
                sc.impact_seen[i] = stamp;
                sc.impact_loss[i] = 0.0;
                sc.impacts_touched.push(i as u32);
                self.impacts[i].n_trials += 1;
            }
            sc.impact_loss[i] += e.loss_eur;
            self.impacts[i].n_events += 1;
            self.impacts[i].records += u128::from(e.records);
            records = records.saturating_add(e.records);
        }
        for &i in &sc.impacts_touched {
            self.impacts[i as usize]
                .loss
                .add(sc.impact_loss[i as usize], CENTS);
        }
        self.records.add(records as f64, 1.0);

        for camp in &t.campaigns {
            let at = &mut self.actors[camp.actor.idx()];
            at.n_campaigns += 1;
            at.steps_completed += u128::from(camp.n_completed);
            if let Some(alert) = camp.first_alert_hours {
                at.n_detected += 1;
                at.ttd.add(alert - camp.start_hours, MICRO);
            }
            if camp.stopped {
                at.n_stopped += 1;
            }
        }

        sc.orgs_touched.clear();
        for a in &t.compromised {
            self.assets[a.idx()].n_compromised += 1;
            let o = sc.org_of[a.idx()] as usize;
            if sc.org_count[o] == 0 && sc.org_down[o] == 0 {
                sc.orgs_touched.push(o as u32);
            }
            sc.org_count[o] += 1;
        }

        // Outages come by asset, then start.
        let mut n_down = 0u64;
        let mut n_cascade = 0u64;
        let mut i = 0;
        while i < t.outages.len() {
            let a = t.outages[i].asset.idx();
            let first = i;
            let mut hours = 0.0;
            let mut cascade = false;
            while i < t.outages.len() && t.outages[i].asset.idx() == a {
                let o = &t.outages[i];
                let len = o.end_hours - o.start_hours;
                hours += len;
                self.outage_hours.add(len, MICRO);
                cascade |= matches!(o.cause, OutageCause::Dependency(_));
                i += 1;
            }
            n_down += 1;
            n_cascade += u64::from(cascade);
            let o = sc.org_of[a] as usize;
            if sc.org_count[o] == 0 && sc.org_down[o] == 0 {
                sc.orgs_touched.push(o as u32);
            }
            sc.org_down[o] += 1;
            let at = &mut self.assets[a];
            at.n_down += 1;
            let q = fixed_point(hours * MICRO);
            at.downtime += q;
            at.downtime_sq = at.downtime_sq.saturating_add(square(q));
            if sc.costs_on_outage[a] {
                self.service_downtime
                    .entry(a as u32)
                    .or_default()
                    .add(hours, MICRO);
                let bins = timeline_of(&mut self.service_timeline, a as u32);
                for o in &t.outages[first..i] {
                    add_to_timeline(bins, o.start_hours, o.end_hours, sc.horizon);
                }
            }
        }
        self.assets_down.add(n_down as f64, 1.0);
        self.assets_down_cascade.add(n_cascade as f64, 1.0);
        for &o in &sc.orgs_touched {
            let o = o as usize;
            let (nc, nd) = (sc.org_count[o], sc.org_down[o]);
            if nc > 0 {
                self.orgs[o].n_any_compromised += 1;
                self.orgs[o].assets_compromised += u128::from(nc);
            }
            if nd > 0 {
                self.orgs[o].n_any_down += 1;
                self.orgs[o].assets_down += u128::from(nd);
            }
            sc.org_count[o] = 0;
            sc.org_down[o] = 0;
        }
    }

    /// Adds another tally of the same model. Integer sums and counts only: any grouping of
    /// merges gives the same result.
    pub fn merge(&mut self, o: &Tally) {
        self.n_trials += o.n_trials;
        for (a, b) in self.goals.iter_mut().zip(&o.goals) {
            a.n_reached += b.n_reached;
            a.ttc.merge(&b.ttc);
            a.attack.merge(&b.attack);
            a.n_detected += b.n_detected;
            a.ttd.merge(&b.ttd);
            a.n_detected_before += b.n_detected_before;
            for (p, n) in &b.paths {
                *a.paths.entry(p.clone()).or_insert(0) += n;
            }
        }
        self.loss.merge(&o.loss);
        self.records.merge(&o.records);
        for (a, b) in self.impacts.iter_mut().zip(&o.impacts) {
            a.n_trials += b.n_trials;
            a.n_events += b.n_events;
            a.loss.merge(&b.loss);
            a.records += b.records;
        }
        for (a, b) in self.actors.iter_mut().zip(&o.actors) {
            a.n_campaigns += b.n_campaigns;
            a.n_detected += b.n_detected;
            a.ttd.merge(&b.ttd);
            a.n_stopped += b.n_stopped;
            a.steps_completed += b.steps_completed;
        }
        for (a, b) in self.assets.iter_mut().zip(&o.assets) {
            a.n_compromised += b.n_compromised;
            a.n_down += b.n_down;
            a.downtime += b.downtime;
            a.downtime_sq = a.downtime_sq.saturating_add(b.downtime_sq);
        }
        for (a, b) in self.orgs.iter_mut().zip(&o.orgs) {
            a.n_any_compromised += b.n_any_compromised;
            a.assets_compromised += b.assets_compromised;
            a.n_any_down += b.n_any_down;
            a.assets_down += b.assets_down;
        }
        self.assets_down.merge(&o.assets_down);
        self.assets_down_cascade.merge(&o.assets_down_cascade);
        self.outage_hours.merge(&o.outage_hours);
        for (a, v) in &o.service_downtime {
            self.service_downtime.entry(*a).or_default().merge(v);
        }
        for (a, v) in &o.service_timeline {
            let bins = timeline_of(&mut self.service_timeline, *a);
            for (x, y) in bins.iter_mut().zip(v) {
                *x = x.saturating_add(*y);
            }
        }
    }
}

/// The timeline of service `a`, all zeros until something is added.
fn timeline_of(timelines: &mut BTreeMap<u32, Vec<u128>>, a: u32) -> &mut Vec<u128> {
    timelines.entry(a).or_insert_with(|| vec![0; TIMELINE_BINS])
}

/// Adds the hours of `[start, end)` that fall in each slice of `[0, horizon)`.
fn add_to_timeline(bins: &mut [u128], start: f64, end: f64, horizon: f64) {
    if horizon.is_nan() || horizon <= 0.0 {
        return;
    }
    let width = horizon / bins.len() as f64;
    let (start, end) = (start.max(0.0), end.min(horizon));
    if end <= start {
        return;
    }
    let first = ((start / width) as usize).min(bins.len() - 1);
    let last = ((end / width) as usize).min(bins.len() - 1);
    for (b, slot) in bins.iter_mut().enumerate().take(last + 1).skip(first) {
        let lo = start.max(b as f64 * width);
        let hi = end.min((b + 1) as f64 * width);
        if hi > lo {
            *slot = slot.saturating_add(fixed_point((hi - lo) * MICRO));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_within_one_percent() {
        for x in [1e-6, 0.0173, 1.0, 1.5, 3.999, 8760.0, 2.5e9] {
            let b = LogHist::bin_of(x).expect("positive");
            let (lo, hi) = (LogHist::lower(b), LogHist::lower(b + 1));
            assert!(lo <= x && x < hi, "{x} not in [{lo}, {hi})");
            assert!((LogHist::mid(b) / x - 1.0).abs() < 0.0079, "{x}");
        }
        assert_eq!(LogHist::bin_of(0.0), None);
    }

    #[test]
    fn quantiles_of_a_known_sample() {
        let mut h = LogHist::default();
        for i in 1..=1000 {
            h.add(f64::from(i));
        }
        h.add_n(0.0, 1000);
        assert_eq!(h.total(), 2000);
        assert_eq!(h.value_at_rank(1000, 0), 0.0);
        let median_of_positive = h.value_at_rank(1500, 0);
        assert!((median_of_positive / 500.0 - 1.0).abs() < 0.01);
        assert_eq!(h.count_above(-1.0), 2000);
        let above = h.count_above(900.0);
        assert!((95..=105).contains(&above), "{above}");
    }

    #[test]
    fn fixed_point_rounds_as_the_library_does() {
        let reference = |v: f64| v.round().max(0.0) as u128;
        let mut r = 12345u64;
        let mut vs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -0.4,
            -7.0,
            0.49999999999999994,
            4503599627370495.5,
            4503599627370496.0,
            1e30,
            1e40,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            123456.5,
            2f64.powi(51) + 0.5,
        ];
        for _ in 0..100_000 {
            r = crate::rng::mix(r);
            // Values over many magnitudes, and exact halves.
            let e = (r % 70) as i32 - 10;
            let m = (r >> 20) as f64 / (1u64 << 44) as f64;
            vs.push(m * 2f64.powi(e));
            vs.push(((r >> 30) % 100_000) as f64 + 0.5);
        }
        for v in vs {
            assert_eq!(fixed_point(v), reference(v), "{v}");
            let q = reference(v);
            assert_eq!(square(q), q.saturating_mul(q), "{v}");
        }
    }

    #[test]
    fn merging_in_any_grouping_is_identical() {
        let xs: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.37).sin().abs() * 1e4)
            .collect();
        let tally = |xs: &[f64]| {
            let mut v = ValueTally::default();
            for x in xs {
                v.add(*x, CENTS);
            }
            v
        };
        let whole = tally(&xs);
        let mut left = tally(&xs[..123]);
        let mut mid = tally(&xs[123..400]);
        mid.merge(&tally(&xs[400..]));
        left.merge(&mid);
        assert_eq!(whole, left);
        let mut other = tally(&xs[300..]);
        other.merge(&tally(&xs[..300]));
        assert_eq!(whole, other);
    }
}
