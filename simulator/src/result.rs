//! Finalised results: probabilities with Wilson intervals, means with normal-approximation
//! intervals from exact sums of squares, quantiles with order-statistic intervals read off
//! the histograms, loss exceedance data, attack paths, cascades; and a text summary.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::partial::{MergeError, Partial};
use crate::tally::{LogHist, ValueTally, CENTS, MICRO};

/// The 97.5 % standard normal quantile: 95 % two-sided intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A probability estimate with its 95 % Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probability {
    pub p: f64,
    pub ci95: [f64; 2],
    /// Trials (or events) counted.
    pub count: u64,
}

impl Probability {
    pub fn of(k: u64, n: u64) -> Probability {
        let (lo, hi) = wilson(k, n);
        Probability {
            p: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            ci95: [lo, hi],
            count: k,
        }
    }
}

/// The Wilson score interval for `k` successes in `n` trials at 95 %.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = Z95 * Z95;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A distribution of values: mean with its 95 % interval, percentiles, and the 95 %
/// interval of the median from order statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    pub mean_ci95: [f64; 2],
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub p99: f64,
    pub p50_ci95: [f64; 2],
}

/// Mean and its 95 % normal-approximation interval from exact fixed-point sums.
pub fn mean_ci(sum: u128, sum_sq: u128, n: u64, scale: f64) -> (f64, [f64; 2]) {
    if n == 0 {
        return (0.0, [0.0, 0.0]);
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    let half = if n > 1 {
        // sum_sq - sum^2 / n, computed exactly in integers where it fits.
        let centred = match sum.checked_mul(sum) {
            Some(s2) => (sum_sq.saturating_mul(u128::from(n)).saturating_sub(s2)) as f64 / nf,
            None => (sum_sq as f64 - (sum as f64) * (sum as f64) / nf).max(0.0),
        };
        Z95 * (centred / (nf - 1.0) / nf).sqrt()
    } else {
        0.0
    };
    (mean / scale, [(mean - half) / scale, (mean + half) / scale])
}

/// The q-quantile (rank ceil(q n)) and the 95 % interval of ranks around it.
pub fn quantile_ci(h: &LogHist, q: f64) -> (f64, [f64; 2]) {
    let n = h.total();
    if n == 0 {
        return (0.0, [0.0, 0.0]);
    }
    let nf = n as f64;
    let rank = ((q * nf).ceil() as u64).clamp(1, n);
    let sd = (nf * q * (1.0 - q)).sqrt();
    let lo = ((nf * q - Z95 * sd).floor() as u64).clamp(1, n);
    let hi = ((nf * q + Z95 * sd).ceil() as u64 + 1).clamp(1, n);
    (
        h.value_at_rank(rank, 0),
        [h.value_at_rank(lo, -1), h.value_at_rank(hi, 1)],
    )
}

fn summary(v: &ValueTally, scale: f64) -> Summary {
    let (mean, mean_ci95) = mean_ci(v.sum, v.sum_sq, v.n, scale);
    let q = |x: f64| quantile_ci(&v.hist, x).0;
    Summary {
        n: v.n,
        mean,
        mean_ci95,
        p5: q(0.05),
        p25: q(0.25),
        p50: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        p99: q(0.99),
        p50_ci95: quantile_ci(&v.hist, 0.5).1,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    /// Steps in canonical order (preconditions first), as `asset.step`.
    pub steps: Vec<String>,
    pub count: u64,
    /// Share of the trials that reached the goal.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalResult {
    pub id: String,
    pub name: String,
    /// Reached within the horizon.
    pub p_reached: Probability,
    /// Time to compromise from the start of the trial, of the trials that reach it.
    pub ttc_hours: Option<Summary>,
    /// Time from the start of the campaign that reached it: how long the attack took.
    pub attack_hours: Option<Summary>,
    /// Of the trials that reach it, those whose campaign raised an alert within the horizon.
    pub p_detected: Probability,
    /// Those whose first alert came before the goal was reached.
    pub p_detected_before_goal: Probability,
    /// Time from the campaign's start to its first alert, when detected.
    pub ttd_hours: Option<Summary>,
    pub n_distinct_paths: u64,
    pub top_paths: Vec<PathResult>,
    /// The distribution function of the time to reach it, over all trials: at each point,
    /// the probability that the goal is reached by then (so the curve ends at `p_reached`),
    /// with its 95 % Wilson interval. Read off the exact counts of the time histogram, at
    /// the upper edges of its bins (at most [`CDF_POINTS`] of them, spread on log and linear
    /// scales).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ttc_cdf: Vec<CdfPoint>,
}

/// The most points a distribution function ([`GoalResult::ttc_cdf`]) is given at.
pub const CDF_POINTS: usize = 60;

/// One point of an empirical distribution function: `P(T <= hours)` with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CdfPoint {
    pub hours: f64,
    pub p: f64,
    pub ci95: [f64; 2],
}

/// The empirical distribution function of the values in `h` over `n` trials (trials without
/// a value count as "not yet"), at the upper edges of the occupied bins: the histogram
/// counts are exact, so each point is an exact proportion, not an interpolation. Points
/// are thinned to at most `max`, half spread evenly on a log scale and half on a linear one
/// between the first and last edge; the last edge (where the curve reaches its final
/// height) and any zero values (a point at 0 h) are always kept.
pub fn cdf_points(h: &LogHist, n: u64, max: usize) -> Vec<CdfPoint> {
    let point = |hours: f64, k: u64| {
        let (lo, hi) = wilson(k, n);
        CdfPoint {
            hours,
            p: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            ci95: [lo, hi],
        }
    };
    let edges: Vec<(f64, u64)> = h
        .bins()
        .scan(h.zeros, |seen, (b, c)| {
            *seen += c;
            Some((LogHist::lower(b + 1), *seen))
        })
        .collect();
    let mut out = Vec::new();
    if h.zeros > 0 {
        out.push(point(0.0, h.zeros));
    }
    let (Some(first), Some(last)) = (edges.first(), edges.last()) else {
        return out;
    };
    // Half the points evenly on a log scale (early times in detail), half evenly on a
    // linear one (no long flat stretch late in the horizon): a point is kept when it is a
    // step past the last kept one on either scale.
    let budget = max.saturating_sub(out.len()).max(4);
    let half = (budget / 2 - 1).max(1) as f64;
    let log_step = (last.0 / first.0).ln() / half;
    let lin_step = (last.0 - first.0) / half;
    let mut kept: Option<f64> = None;
    for (i, &(t, k)) in edges.iter().enumerate() {
        let is_last = i + 1 == edges.len();
        let far = kept.is_none_or(|prev| {
            (t / prev).ln() >= log_step * 0.999_999 || t - prev >= lin_step * 0.999_999
        });
        if far || is_last {
            if is_last && out.len() >= max {
                out.pop();
            }
            out.push(point(t, k));
            kept = Some(t);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossResult {
    pub mean: f64,
    pub mean_ci95: [f64; 2],
    pub median: f64,
    pub var95: f64,
    pub var95_ci95: [f64; 2],
    pub var99: f64,
    pub var99_ci95: [f64; 2],
    pub p_any_loss: Probability,
    /// Loss exceedance curve: `[loss_eur, P(annual loss > loss_eur)]`.
    pub exceedance: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactResult {
    pub id: String,
    pub kind: String,
    /// Trials in which it occurs.
    pub p_occurs: Probability,
    pub mean_events: f64,
    /// Mean loss per trial (all trials).
    pub mean_loss_eur: f64,
    pub mean_loss_eur_ci95: [f64; 2],
    pub mean_records: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorResult {
    pub id: String,
    pub mean_campaigns: f64,
    /// Per campaign: an alert within the horizon.
    pub p_detected: Probability,
    /// Per campaign: a response cut it short.
    pub p_stopped: Probability,
    pub ttd_hours: Option<Summary>,
    pub mean_steps_per_campaign: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetResult {
    pub id: String,
    pub org: Option<String>,
    /// Some step of the asset completed.
    pub p_compromised: Probability,
    pub p_outage: Probability,
    /// Mean hours down per trial (all trials).
    pub mean_downtime_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgResult {
    pub id: String,
    pub p_any_compromised: Probability,
    pub mean_assets_compromised: f64,
    pub p_any_down: Probability,
    pub mean_assets_down: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDowntime {
    pub id: String,
    /// Hours down per trial, of the trials in which it went down.
    pub downtime_hours: Summary,
    /// When it is down: for each of equal slices of the horizon (`timeline_slice_hours`
    /// long), the expected share of the slice it spends down, over all trials (the mean
    /// probability that it is down at a time in the slice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeResult {
    pub p_any_outage: Probability,
    /// Assets down at some time in a trial (all trials).
    pub assets_down: Summary,
    /// Of those, assets taken down through a dependency.
    pub assets_down_by_cascade: Summary,
    /// Length of each outage interval.
    pub outage_hours: Option<Summary>,
    /// Downtime of the assets with outage impacts.
    pub services: Vec<ServiceDowntime>,
    /// The length of the slices of the services' timelines (hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline_slice_hours: Option<f64>,
    pub by_org: Vec<OrgResult>,
}

/// The results of a simulation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    pub model: String,
    pub model_hash: String,
    pub seed: u64,
    pub trials: u64,
    pub horizon_hours: f64,
    /// Controls that are on.
    pub configuration: Vec<String>,
    pub goals: Vec<GoalResult>,
    pub loss_eur: LossResult,
    pub records_exposed: Summary,
    pub impacts: Vec<ImpactResult>,
    pub actors: Vec<ActorResult>,
    /// Assets compromised or down in some trial, in model order.
    pub assets: Vec<AssetResult>,
    pub cascade: CascadeResult,
}

/// How many attack paths each goal lists.
pub const TOP_PATHS: usize = 10;

/// Turns a complete partial result into the results.
pub fn finalize(p: &Partial) -> Result<SimResult, MergeError> {
    p.check_complete()?;
    Ok(finalize_any(p))
}

/// Results of whatever trials the partial holds (complete or not).
pub(crate) fn finalize_any(p: &Partial) -> SimResult {
    let t = &p.tally;
    let n = t.n_trials;
    let l = &p.labels;
    let step_label: BTreeMap<u32, &str> =
        l.steps.iter().map(|s| (s.idx, s.label.as_str())).collect();
    let asset_label: BTreeMap<u32, (&str, Option<&String>)> = l
        .assets
        .iter()
        .map(|a| (a.idx, (a.id.as_str(), a.org.as_ref())))
        .collect();

    let goals = t
        .goals
        .iter()
        .zip(&l.goals)
        .map(|(g, gl)| {
            let mut paths: Vec<(&Vec<u32>, u64)> = g.paths.iter().map(|(k, v)| (k, *v)).collect();
            let label = |k: &Vec<u32>| -> Vec<String> {
                k.iter()
                    .map(|s| {
                        step_label
                            .get(s)
                            .map_or_else(|| format!("#{s}"), |x| x.to_string())
                    })
                    .collect()
            };
            let mut labelled: Vec<(Vec<String>, u64)> =
                paths.drain(..).map(|(k, v)| (label(k), v)).collect();
            labelled.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            GoalResult {
                id: gl.id.clone(),
                name: gl.name.clone(),
                p_reached: Probability::of(g.n_reached, n),
                ttc_hours: (g.n_reached > 0).then(|| summary(&g.ttc, MICRO)),
                attack_hours: (g.n_reached > 0).then(|| summary(&g.attack, MICRO)),
                p_detected: Probability::of(g.n_detected, g.n_reached),
                p_detected_before_goal: Probability::of(g.n_detected_before, g.n_reached),
                ttd_hours: (g.n_detected > 0).then(|| summary(&g.ttd, MICRO)),
                ttc_cdf: cdf_points(&g.ttc.hist, n, CDF_POINTS),
                n_distinct_paths: labelled.len() as u64,
                top_paths: labelled
                    .into_iter()
                    .take(TOP_PATHS)
                    .map(|(steps, count)| PathResult {
                        steps,
                        count,
                        share: count as f64 / g.n_reached.max(1) as f64,
                    })
                    .collect(),
            }
        })
        .collect();

    let (mean, mean_ci95) = mean_ci(t.loss.sum, t.loss.sum_sq, n, CENTS);
    let (var95, var95_ci95) = quantile_ci(&t.loss.hist, 0.95);
    let (var99, var99_ci95) = quantile_ci(&t.loss.hist, 0.99);
    let loss_eur = LossResult {
        mean,
        mean_ci95,
        median: quantile_ci(&t.loss.hist, 0.5).0,
        var95,
        var95_ci95,
        var99,
        var99_ci95,
        p_any_loss: Probability::of(t.loss.n_positive, n),
        exceedance: exceedance(&t.loss.hist),
    };

    let impacts = t
        .impacts
        .iter()
        .zip(&l.impacts)
        .map(|(i, il)| {
            // Per-trial mean over all trials: trials without the impact contribute zero.
            let (m, ci) = mean_ci(i.loss.sum, i.loss.sum_sq, n, CENTS);
            ImpactResult {
                id: il.id.clone(),
                kind: il.kind.clone(),
                p_occurs: Probability::of(i.n_trials, n),
                mean_events: ratio(i.n_events as f64, n),
                mean_loss_eur: m,
                mean_loss_eur_ci95: ci,
                mean_records: ratio(i.records as f64, n),
            }
        })
        .collect();

    let actors = t
        .actors
        .iter()
        .zip(&l.actors)
        .map(|(a, id)| ActorResult {
            id: id.clone(),
            mean_campaigns: ratio(a.n_campaigns as f64, n),
            p_detected: Probability::of(a.n_detected, a.n_campaigns),
            p_stopped: Probability::of(a.n_stopped, a.n_campaigns),
            ttd_hours: (a.n_detected > 0).then(|| summary(&a.ttd, MICRO)),
            mean_steps_per_campaign: ratio(a.steps_completed as f64, a.n_campaigns),
        })
        .collect();

    let assets = t
        .assets
        .iter()
        .enumerate()
        .filter(|(_, a)| a.n_compromised > 0 || a.n_down > 0)
        .map(|(i, a)| {
            let (id, org) = asset_label.get(&(i as u32)).copied().unwrap_or(("?", None));
            AssetResult {
                id: id.to_string(),
                org: org.cloned(),
                p_compromised: Probability::of(a.n_compromised, n),
                p_outage: Probability::of(a.n_down, n),
                mean_downtime_hours: ratio(a.downtime as f64 / MICRO, n),
            }
        })
        .collect();

    let by_org = t
        .orgs
        .iter()
        .zip(&l.orgs)
        .filter(|(o, _)| o.n_any_compromised > 0 || o.n_any_down > 0)
        .map(|(o, id)| OrgResult {
            id: id.clone(),
            p_any_compromised: Probability::of(o.n_any_compromised, n),
            mean_assets_compromised: ratio(o.assets_compromised as f64, n),
            p_any_down: Probability::of(o.n_any_down, n),
            mean_assets_down: ratio(o.assets_down as f64, n),
        })
        .collect();
    let slice_hours = p.header.horizon_hours / crate::tally::TIMELINE_BINS as f64;
    let cascade = CascadeResult {
        p_any_outage: Probability::of(t.assets_down.n_positive, n),
        assets_down: summary(&t.assets_down, 1.0),
        assets_down_by_cascade: summary(&t.assets_down_cascade, 1.0),
        outage_hours: (t.outage_hours.n > 0).then(|| summary(&t.outage_hours, MICRO)),
        services: t
            .service_downtime
            .iter()
            .map(|(a, v)| ServiceDowntime {
                id: asset_label.get(a).map_or("?", |x| x.0).to_string(),
                downtime_hours: summary(v, MICRO),
                timeline: t.service_timeline.get(a).map_or_else(Vec::new, |bins| {
                    let trial_hours = n as f64 * slice_hours;
                    bins.iter()
                        .map(|x| {
                            if n == 0 {
                                0.0
                            } else {
                                *x as f64 / MICRO / trial_hours
                            }
                        })
                        .collect()
                }),
            })
            .collect(),
        timeline_slice_hours: (!t.service_timeline.is_empty()).then_some(slice_hours),
        by_org,
    };

    SimResult {
        model: p.header.model.clone(),
        model_hash: p.header.model_hash.clone(),
        seed: p.header.seed,
        trials: n,
        horizon_hours: p.header.horizon_hours,
        configuration: p.header.configuration.clone(),
        goals,
        loss_eur,
        records_exposed: summary(&t.records, 1.0),
        impacts,
        actors,
        assets,
        cascade,
    }
}

fn ratio(x: f64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        x / n as f64
    }
}

/// Points of the loss exceedance curve: at ten thresholds per decade between the smallest
/// and the largest positive loss, the share of trials whose loss exceeds the threshold.
fn exceedance(h: &LogHist) -> Vec<[f64; 2]> {
    let n = h.total();
    let bins: Vec<(i32, u64)> = h.bins().collect();
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return Vec::new();
    };
    let lo = LogHist::lower(first.0).log10();
    let hi = LogHist::lower(last.0 + 1).log10();
    let mut out = Vec::new();
    let mut k = (lo * 10.0).floor() as i64;
    while (k as f64) / 10.0 <= hi {
        let x = 10f64.powf(k as f64 / 10.0);
        out.push([x, h.count_above(x) as f64 / n as f64]);
        k += 1;
    }
    out
}

// ------------------------------------------------------------------ text

fn eur(x: f64) -> String {
    let a = x.abs();
    let s = if a >= 1e9 {
        format!("{:.2} bn", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    };
    format!("EUR {s}")
}

pub(crate) fn hours(x: f64) -> String {
    if x >= 48.0 {
        format!("{:.1} d", x / 24.0)
    } else if x >= 1.0 {
        format!("{x:.1} h")
    } else {
        format!("{:.0} min", x * 60.0)
    }
}

pub(crate) fn pct(p: &Probability) -> String {
    format!(
        "{:.2} % [{:.2}, {:.2}]",
        100.0 * p.p,
        100.0 * p.ci95[0],
        100.0 * p.ci95[1]
    )
}

/// A plain-text summary of the results.
pub fn render_text(r: &SimResult) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} trials, seed {}, horizon {} h; controls on: {}",
        r.model,
        r.trials,
        r.seed,
        r.horizon_hours,
        if r.configuration.is_empty() {
            "none".to_string()
        } else {
            r.configuration.join(", ")
        }
    );
    let _ = writeln!(o, "\nGoals (probability within the horizon, 95 % CI):");
    for g in &r.goals {
        let _ = writeln!(o, "  {:<32} {}", g.id, pct(&g.p_reached));
        if let (Some(s), Some(a)) = (&g.ttc_hours, &g.attack_hours) {
            let _ = writeln!(
                o,
                "    time to compromise: median {} into the horizon (p5 {}, p95 {}); the attack itself took median {} (p5 {}, p95 {})",
                hours(s.p50),
                hours(s.p5),
                hours(s.p95),
                hours(a.p50),
                hours(a.p5),
                hours(a.p95)
            );
            let _ = write!(
                o,
                "    detected {:.1} % of those (before the goal {:.1} %)",
                100.0 * g.p_detected.p,
                100.0 * g.p_detected_before_goal.p
            );
            match &g.ttd_hours {
                Some(d) => {
                    let _ = writeln!(o, ", median time to detection {}", hours(d.p50));
                }
                None => o.push('\n'),
            }
            for p in g.top_paths.iter().take(3) {
                let _ = writeln!(o, "    {:5.1} %  {}", 100.0 * p.share, p.steps.join(" > "));
            }
        }
    }
    let l = &r.loss_eur;
    let _ = writeln!(
        o,
        "\nLoss per trial: mean {} [{}, {}], median {}, VaR95 {}, VaR99 {}; P(any loss) {}",
        eur(l.mean),
        eur(l.mean_ci95[0]),
        eur(l.mean_ci95[1]),
        eur(l.median),
        eur(l.var95),
        eur(l.var99),
        pct(&l.p_any_loss)
    );
    let mut impacts: Vec<&ImpactResult> =
        r.impacts.iter().filter(|i| i.p_occurs.count > 0).collect();
    impacts.sort_by(|a, b| b.mean_loss_eur.total_cmp(&a.mean_loss_eur));
    for i in impacts {
        let _ = writeln!(
            o,
            "  {:<32} {:<16} occurs {:6.2} %, mean {}{}",
            i.id,
            i.kind,
            100.0 * i.p_occurs.p,
            eur(i.mean_loss_eur),
            if i.mean_records > 0.0 {
                format!(", {:.0} records", i.mean_records)
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(o, "\nActors (per campaign):");
    for a in &r.actors {
        let _ = writeln!(
            o,
            "  {:<32} {:.2} campaigns/trial, detected {:.1} %, stopped {:.1} %{}",
            a.id,
            a.mean_campaigns,
            100.0 * a.p_detected.p,
            100.0 * a.p_stopped.p,
            a.ttd_hours
                .as_ref()
                .map(|d| format!(", median time to detection {}", hours(d.p50)))
                .unwrap_or_default()
        );
    }
    let c = &r.cascade;
    let _ = writeln!(
        o,
        "\nOutages: P(any) {}, assets down per trial mean {:.2} (p95 {:.0}), by cascade mean {:.2}",
        pct(&c.p_any_outage),
        c.assets_down.mean,
        c.assets_down.p95,
        c.assets_down_by_cascade.mean
    );
    for s in &c.services {
        let _ = writeln!(
            o,
            "  {:<32} down in {} trials: median {}, p95 {}",
            s.id,
            s.downtime_hours.n,
            hours(s.downtime_hours.p50),
            hours(s.downtime_hours.p95)
        );
    }
    let mut assets: Vec<&AssetResult> = r.assets.iter().collect();
    assets.sort_by(|a, b| b.p_compromised.p.total_cmp(&a.p_compromised.p));
    let _ = writeln!(o, "\nMost exposed assets (P compromised):");
    for a in assets.iter().take(10) {
        let _ = writeln!(
            o,
            "  {:<32} {:6.2} %{}",
            a.id,
            100.0 * a.p_compromised.p,
            if a.p_outage.count > 0 {
                format!(", outage {:.2} %", 100.0 * a.p_outage.p)
            } else {
                String::new()
            }
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_textbook_value() {
        // 81 of 263: Wilson 95 % interval (0.2553, 0.3662) (Newcombe 1998, example).
        let (lo, hi) = wilson(81, 263);
        assert!(
            (lo - 0.2553).abs() < 1e-3 && (hi - 0.3662).abs() < 1e-3,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0), (0.0, 1.0));
        let (lo, hi) = wilson(0, 100);
        assert!(lo.abs() < 1e-12 && (hi - 0.037).abs() < 1e-3, "{lo} {hi}");
    }

    #[test]
    fn mean_interval_from_sums() {
        // Values 1, 2, 3, 4 in cents: mean 2.5, sd 1.291, half-width 1.96 * 1.291 / 2.
        let (m, ci) = mean_ci(10, 30, 4, 1.0);
        assert!((m - 2.5).abs() < 1e-12);
        let half = Z95 * (5.0f64 / 3.0).sqrt() / 2.0;
        assert!((ci[1] - 2.5 - half).abs() < 1e-9 && (2.5 - ci[0] - half).abs() < 1e-9);
    }
}
