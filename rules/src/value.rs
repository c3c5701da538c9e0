//! Detection value: how much warning watching a point gives on the attacks that matter.
//!
//! Over the attacks `A` of `n` trials, a point `p` is **on the path** of attack `a` when a step
//! of `a`'s path is `p` (or, for an interface, a path edge runs over it) and completes at
//! `t_p < T_a - min_lead`; its **lead** is `T_a - t_p`. With `tau` the response time the
//! defender needs (`response_hours`):
//!
//! ```text
//! share_on_paths(p) = |{a : p on a's path}| / |A|
//! weighted_share(p) = sum over those a of min(1, lead_a(p) / tau) / |A|
//! value_eur(p)      = sum over those a of loss_a * min(1, lead_a(p) / tau) / n
//! ```
//!
//! `value_eur` is the loss per simulated horizon (a year by default) that passes through the
//! point with time enough to respond, counting a lead shorter than `tau` in proportion. Points
//! rank by `value_eur`, then `weighted_share` (which still separates points when the goals
//! carry no losses), then their label.

use serde::{Deserialize, Serialize};

use crate::attacks::{edge_flow, Attack};
use crate::points::{Point, Points};
use ensure_model::Model;

/// Nearest-rank percentiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Percentiles {
    /// `None` for an empty sample. Sorts `xs`.
    pub fn of(xs: &mut [f64]) -> Option<Percentiles> {
        if xs.is_empty() {
            return None;
        }
        xs.sort_by(f64::total_cmp);
        Some(Percentiles {
            p5: nearest_rank(xs, 0.05),
            p50: nearest_rank(xs, 0.50),
            p95: nearest_rank(xs, 0.95),
        })
    }
}

/// The nearest-rank `q`-quantile of sorted `xs`: the smallest value with at least `q` of the
/// sample at or below it.
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

/// The figures of one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointValue {
    /// `asset.step` or `flow:ID`.
    pub point: String,
    pub attacks_on_path: u64,
    pub share_on_paths: f64,
    /// Attacks that completed the point before their goal, on their path or not.
    pub attacks_seen: u64,
    pub share_seen: f64,
    /// Lead times on the path, hours.
    pub lead_hours: Percentiles,
    /// Mean loss of the attacks whose path passes through the point.
    pub mean_loss_eur: f64,
    pub weighted_share: f64,
    pub value_eur: f64,
    /// Yearly cost of watching it.
    pub cost_eur_per_year: f64,
}

/// The path points of an attack with their path times: steps of the path and interfaces of
/// its edges, before the goal (less `min_lead_hours`), first time each.
pub fn path_points(
    model: &Model,
    points: &Points,
    a: &Attack,
    min_lead_hours: f64,
) -> Vec<(u32, f64)> {
    let deadline = a.goal_hours - min_lead_hours;
    let mut out = Vec::new();
    for s in &a.path {
        if s.time_hours >= deadline {
            continue;
        }
        out.push((points.index(Point::Step(s.step)), s.time_hours));
        for &p in &s.parents {
            if let Some(f) = edge_flow(model, p, s.step) {
                out.push((points.index(Point::Interface(f)), s.time_hours));
            }
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
    out.dedup_by_key(|x| x.0);
    out
}

/// Ranks every point that some attack passes through or sees, best first, with its index.
pub fn rank(
    model: &Model,
    points: &Points,
    attacks: &[Attack],
    n_trials: u64,
    min_lead_hours: f64,
    response_hours: f64,
) -> Vec<(u32, PointValue)> {
    let n = points.len();
    let mut on_path = vec![0u64; n];
    let mut seen = vec![0u64; n];
    let mut leads: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut loss = vec![0.0f64; n];
    let mut weighted = vec![0.0f64; n];
    let mut value = vec![0.0f64; n];
    for a in attacks {
        for &(p, _) in &a.seen {
            seen[p as usize] += 1;
        }
        for (p, t) in path_points(model, points, a, min_lead_hours) {
            let i = p as usize;
            let lead = a.goal_hours - t;
            let w = if response_hours > 0.0 {
                (lead / response_hours).min(1.0)
            } else {
                1.0
            };
            on_path[i] += 1;
            leads[i].push(lead);
            loss[i] += a.loss_eur;
            weighted[i] += w;
            value[i] += a.loss_eur * w;
        }
    }
    let n_attacks = attacks.len().max(1) as f64;
    let n_trials = n_trials.max(1) as f64;
    let mut out: Vec<(u32, PointValue)> = (0..n)
        .filter(|&i| on_path[i] > 0 || seen[i] > 0)
        .map(|i| {
            let p = points.point(i as u32);
            let v = PointValue {
                point: points.label(model, p),
                attacks_on_path: on_path[i],
                share_on_paths: on_path[i] as f64 / n_attacks,
                attacks_seen: seen[i],
                share_seen: seen[i] as f64 / n_attacks,
                lead_hours: Percentiles::of(&mut leads[i]).unwrap_or(Percentiles {
                    p5: 0.0,
                    p50: 0.0,
                    p95: 0.0,
                }),
                mean_loss_eur: if on_path[i] > 0 {
                    loss[i] / on_path[i] as f64
                } else {
                    0.0
                },
                weighted_share: weighted[i] / n_attacks,
                value_eur: value[i] / n_trials,
                cost_eur_per_year: points.cost_eur(model, p),
            };
            (i as u32, v)
        })
        .collect();
    out.sort_by(|(_, a), (_, b)| {
        b.value_eur
            .total_cmp(&a.value_eur)
            .then(b.weighted_share.total_cmp(&a.weighted_share))
            .then(b.share_seen.total_cmp(&a.share_seen))
            .then(a.point.cmp(&b.point))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_its_definition() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(nearest_rank(&xs, 0.05), 1.0);
        assert_eq!(nearest_rank(&xs, 0.5), 5.0);
        assert_eq!(nearest_rank(&xs, 0.95), 10.0);
        assert_eq!(nearest_rank(&xs, 0.91), 10.0);
        assert_eq!(nearest_rank(&xs, 0.9), 9.0);
        assert_eq!(nearest_rank(&[7.0], 0.95), 7.0);
        let mut ys = vec![3.0, 1.0, 2.0];
        let p = Percentiles::of(&mut ys).expect("non-empty");
        assert_eq!((p.p5, p.p50, p.p95), (1.0, 2.0, 3.0));
        assert!(Percentiles::of(&mut []).is_none());
    }
}
