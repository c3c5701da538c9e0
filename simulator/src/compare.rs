//! A baseline and a variant on common random numbers, and their paired differences.
//!
//! Trial `t` of both models draws the same numbers for every element they share (random
//! numbers are keyed by element ids), so the per-trial difference isolates what the variant
//! changes. Probability differences get Newcombe's interval for paired proportions (method
//! 10 of Newcombe 1998, from Wilson intervals of the margins and the phi correlation); the
//! mean loss difference a normal interval from the exact sums of the paired differences.

use std::fmt::Write;
use std::ops::Range;

use ensure_model::Model;
use serde::{Deserialize, Serialize};

use crate::compile::{compile, Compiled, Configuration};
use crate::partial::Partial;
use crate::result::{self, wilson, SimResult, Z95};
use crate::tally::{Tally, TallyScratch, CENTS};
use crate::trial::{simulate_trial, TrialOptions, TrialScratch};
use crate::{fold_chunks, pool, SimError, CHUNK_TRIALS};

/// Paired counts of one goal: reached in both, in the baseline only, in the variant only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PairedGoal {
    both: u64,
    base_only: u64,
    variant_only: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PairedTally {
    n: u64,
    goals: Vec<PairedGoal>,
    /// Sum of per-trial (variant - baseline) losses in cents, and of their squares.
    loss_diff: i128,
    loss_diff_sq: u128,
}

impl PairedTally {
    fn merge(&mut self, o: &PairedTally) {
        self.n += o.n;
        for (a, b) in self.goals.iter_mut().zip(&o.goals) {
            a.both += b.both;
            a.base_only += b.base_only;
            a.variant_only += b.variant_only;
        }
        self.loss_diff += o.loss_diff;
        self.loss_diff_sq = self.loss_diff_sq.saturating_add(o.loss_diff_sq);
    }
}

/// A difference (variant minus baseline) with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub baseline: f64,
    pub variant: f64,
    pub difference: f64,
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalDifference {
    pub id: String,
    /// Probability of reaching the goal.
    pub p_reached: Difference,
    /// Trials in which both reach it, only the baseline, only the variant.
    pub n_both: u64,
    pub n_baseline_only: u64,
    pub n_variant_only: u64,
}

/// The comparison of a variant with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub trials: u64,
    pub seed: u64,
    /// Goals present in both models.
    pub goals: Vec<GoalDifference>,
    pub mean_loss_eur: Difference,
    pub baseline: SimResult,
    pub variant: SimResult,
}

/// Newcombe's method 10 interval for the difference `p2 - p1` of paired proportions, from
/// the 2x2 table: `a` both, `b` first only, `c` second only, `d` neither.
pub fn newcombe_paired(a: u64, b: u64, c: u64, d: u64) -> (f64, f64) {
    let n = a + b + c + d;
    if n == 0 {
        return (-1.0, 1.0);
    }
    let nf = n as f64;
    let p1 = (a + b) as f64 / nf;
    let p2 = (a + c) as f64 / nf;
    let (l1, u1) = wilson(a + b, n);
    let (l2, u2) = wilson(a + c, n);
    let (af, bf, cf, df) = (a as f64, b as f64, c as f64, d as f64);
    let den = ((af + bf) * (cf + df) * (af + cf) * (bf + df)).sqrt();
    let phi = if den > 0.0 {
        (af * df - bf * cf) / den
    } else {
        0.0
    };
    // Interval for theta = p1 - p2, then negated for p2 - p1.
    let theta = p1 - p2;
    let delta = ((p1 - l1).powi(2) - 2.0 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2).powi(2))
        .max(0.0)
        .sqrt();
    let eps = ((u1 - p1).powi(2) - 2.0 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2).powi(2))
        .max(0.0)
        .sqrt();
    let (lo, hi) = ((theta - delta).max(-1.0), (theta + eps).min(1.0));
    (-hi, -lo)
}

/// Simulates `baseline` and `variant` (each in its current configuration unless given) on
/// the same trials and seed.
pub fn compare(
    baseline: &Model,
    variant: &Model,
    trials: u64,
    seed: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, SimError> {
    if trials == 0 {
        return Err(SimError::NoTrials);
    }
    let cb = compile(baseline, &Configuration::current(baseline))?;
    let cv = compile(variant, &Configuration::current(variant))?;
    compare_compiled(&cb, &cv, trials, seed, threads, progress)
}

/// As [`compare`], for models already compiled (for instance one model under two
/// configurations).
pub fn compare_compiled(
    cb: &Compiled<'_>,
    cv: &Compiled<'_>,
    trials: u64,
    seed: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, SimError> {
    let (mb, mv) = (cb.model(), cv.model());
    // Goals matched by id: (baseline index, variant index).
    let pairs: Vec<(usize, usize)> = mb
        .goals
        .iter()
        .enumerate()
        .filter_map(|(i, g)| mv.goals.iter().position(|h| h.id == g.id).map(|j| (i, j)))
        .collect();
    let options = TrialOptions {
        completions: false,
        paths: true,
    };
    let n_chunks = trials.div_ceil(CHUNK_TRIALS);
    let pool = pool(threads)?;
    let chunks: Range<u64> = 0..n_chunks;
    let (tb, tv, paired) = pool.install(|| {
        fold_chunks(
            chunks,
            trials,
            || {
                (
                    TrialScratch::new(cb, options),
                    TallyScratch::new(cb),
                    TrialScratch::new(cv, options),
                    TallyScratch::new(cv),
                    vec![false; mv.goals.len()],
                )
            },
            || {
                (
                    Tally::new(cb),
                    Tally::new(cv),
                    PairedTally {
                        goals: vec![PairedGoal::default(); pairs.len()],
                        ..PairedTally::default()
                    },
                )
            },
            |(sb, yb, sv, yv, reached_v), (tb, tv, pt), t| {
                let trial_b = simulate_trial(cb, seed, t, sb);
                tb.add(trial_b, yb);
                let loss_b = (trial_b.loss_eur * CENTS).round() as i128;
                let reached_b: Vec<bool> = {
                    let mut r = vec![false; mb.goals.len()];
                    for g in &trial_b.goals {
                        r[g.goal.idx()] = true;
                    }
                    r
                };
                let trial_v = simulate_trial(cv, seed, t, sv);
                tv.add(trial_v, yv);
                reached_v.iter_mut().for_each(|x| *x = false);
                for g in &trial_v.goals {
                    reached_v[g.goal.idx()] = true;
                }
                let loss_v = (trial_v.loss_eur * CENTS).round() as i128;
                pt.n += 1;
                for (k, (i, j)) in pairs.iter().enumerate() {
                    match (reached_b[*i], reached_v[*j]) {
                        (true, true) => pt.goals[k].both += 1,
                        (true, false) => pt.goals[k].base_only += 1,
                        (false, true) => pt.goals[k].variant_only += 1,
                        (false, false) => {}
                    }
                }
                let d = loss_v - loss_b;
                pt.loss_diff += d;
                let sq = d.unsigned_abs();
                pt.loss_diff_sq = pt.loss_diff_sq.saturating_add(sq.saturating_mul(sq));
            },
            |(a1, a2, a3), (b1, b2, b3)| {
                a1.merge(&b1);
                a2.merge(&b2);
                a3.merge(&b3);
            },
            progress,
        )
    });
    let chunks = vec![[0, n_chunks]];
    let rb = result::finalize_any(&Partial::new(
        cb,
        seed,
        trials,
        CHUNK_TRIALS,
        chunks.clone(),
        tb,
    ));
    let rv = result::finalize_any(&Partial::new(cv, seed, trials, CHUNK_TRIALS, chunks, tv));

    let n = paired.n;
    let goals = pairs
        .iter()
        .zip(&paired.goals)
        .map(|((i, _), g)| {
            let neither = n - g.both - g.base_only - g.variant_only;
            let (lo, hi) = newcombe_paired(g.both, g.base_only, g.variant_only, neither);
            let pb = (g.both + g.base_only) as f64 / n as f64;
            let pv = (g.both + g.variant_only) as f64 / n as f64;
            GoalDifference {
                id: mb.goals[*i].id.clone(),
                p_reached: Difference {
                    baseline: pb,
                    variant: pv,
                    difference: pv - pb,
                    ci95: [lo, hi],
                },
                n_both: g.both,
                n_baseline_only: g.base_only,
                n_variant_only: g.variant_only,
            }
        })
        .collect();
    let nf = n as f64;
    let mean_d = paired.loss_diff as f64 / nf;
    let var = if n > 1 {
        ((paired.loss_diff_sq as f64) - (paired.loss_diff as f64).powi(2) / nf).max(0.0)
            / (nf - 1.0)
    } else {
        0.0
    };
    let half = Z95 * (var / nf).sqrt();
    let mean_loss_eur = Difference {
        baseline: rb.loss_eur.mean,
        variant: rv.loss_eur.mean,
        difference: mean_d / CENTS,
        ci95: [(mean_d - half) / CENTS, (mean_d + half) / CENTS],
    };
    Ok(Comparison {
        trials,
        seed,
        goals,
        mean_loss_eur,
        baseline: rb,
        variant: rv,
    })
}

/// A plain-text summary of a comparison.
pub fn render_text(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} (baseline) vs {} (variant): {} trials on common random numbers, seed {}",
        c.baseline.model, c.variant.model, c.trials, c.seed
    );
    let _ = writeln!(
        o,
        "\n{:<32} {:>10} {:>10} {:>24}",
        "goal", "baseline", "variant", "difference [95 % CI]"
    );
    for g in &c.goals {
        let d = &g.p_reached;
        let _ = writeln!(
            o,
            "{:<32} {:>9.2}% {:>9.2}% {:>+8.2} [{:+.2}, {:+.2}] pp",
            g.id,
            100.0 * d.baseline,
            100.0 * d.variant,
            100.0 * d.difference,
            100.0 * d.ci95[0],
            100.0 * d.ci95[1]
        );
    }
    let l = &c.mean_loss_eur;
    let _ = writeln!(
        o,
        "\nmean loss per trial: EUR {:.0} -> EUR {:.0}, difference EUR {:+.0} [{:+.0}, {:+.0}]",
        l.baseline, l.variant, l.difference, l.ci95[0], l.ci95[1]
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{mix, unit};

    #[test]
    fn newcombe_interval_is_symmetric_when_the_table_is() {
        let (lo, hi) = newcombe_paired(30, 10, 10, 50);
        assert!((lo + hi).abs() < 1e-12 && hi > 0.0, "{lo} {hi}");
        assert_eq!(newcombe_paired(0, 0, 0, 0), (-1.0, 1.0));
    }

    /// Coverage of the true difference over many simulated paired tables is close to 95 %.
    #[test]
    fn newcombe_interval_covers_95_percent() {
        // Cell probabilities: both, first only, second only, neither.
        let cells = [0.3, 0.15, 0.05, 0.5];
        let truth = (cells[0] + cells[2]) - (cells[0] + cells[1]);
        let reps = 4000u64;
        let n = 150u64;
        let mut covered = 0;
        for r in 0..reps {
            let mut t = [0u64; 4];
            for i in 0..n {
                let u = unit(mix(r.wrapping_mul(1_000_003) ^ i));
                let mut acc = 0.0;
                let mut k = 3;
                for (j, p) in cells.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        k = j;
                        break;
                    }
                }
                t[k] += 1;
            }
            let (lo, hi) = newcombe_paired(t[0], t[1], t[2], t[3]);
            if lo <= truth && truth <= hi {
                covered += 1;
            }
        }
        let coverage = covered as f64 / reps as f64;
        // Standard error of the coverage estimate is 0.0034; Newcombe reports coverage
        // close to nominal for this method.
        assert!((0.93..=0.975).contains(&coverage), "coverage {coverage}");
    }
}
