//! The risk figure a plan minimises, and its estimates from per-trial outcomes with 95 %
//! intervals.
//!
//! Every figure is a function of the trials' losses (or of whether each trial reached the
//! goal), so the optimiser's in-sample value, a re-simulation on the same seed and an
//! out-of-sample run are computed by one function ([`point`]) and can be compared exactly.
//! Quantiles follow the simulator: the `q`-quantile of `n` values is the one of rank
//! `ceil(q n)`. CVaR is the Rockafellar–Uryasev value `VaR + E[(L - VaR)+] / (1 - q)`,
//! which is what the optimiser's linearisation minimises.

use ensure_model::Model;
use ensure_simulator::result::{wilson, Z95};
use serde::{Deserialize, Serialize};

/// What a plan makes smallest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Objective {
    /// The mean loss per trial (per year with the default horizon), in EUR.
    ExpectedLoss,
    /// The mean of the worst `1 - level` share of trial losses, in EUR.
    Cvar { level: f64 },
    /// The `level`-quantile of the trial loss, in EUR.
    Var { level: f64 },
    /// The probability that the goal with this id is reached within the horizon.
    GoalProbability { goal: String },
}

impl Objective {
    /// Parses `expected-loss`, `cvar95`, `var99`, `cvar97.5`, `goal:ID`.
    pub fn parse(s: &str) -> Option<Objective> {
        let level = |rest: &str| -> Option<f64> {
            let pct: f64 = rest.parse().ok()?;
            (pct > 0.0 && pct < 100.0).then_some(pct / 100.0)
        };
        match s {
            "expected-loss" | "mean-loss" => Some(Objective::ExpectedLoss),
            _ => {
                if let Some(g) = s.strip_prefix("goal:") {
                    (!g.is_empty()).then(|| Objective::GoalProbability { goal: g.into() })
                } else if let Some(r) = s.strip_prefix("cvar") {
                    level(r).map(|level| Objective::Cvar { level })
                } else if let Some(r) = s.strip_prefix("var") {
                    level(r).map(|level| Objective::Var { level })
                } else {
                    None
                }
            }
        }
    }

    /// The spelling [`Objective::parse`] reads.
    pub fn id(&self) -> String {
        let pct = |l: f64| {
            let p = l * 100.0;
            if (p - p.round()).abs() < 1e-9 {
                format!("{}", p.round())
            } else {
                format!("{p}")
            }
        };
        match self {
            Objective::ExpectedLoss => "expected-loss".into(),
            Objective::Cvar { level } => format!("cvar{}", pct(*level)),
            Objective::Var { level } => format!("var{}", pct(*level)),
            Objective::GoalProbability { goal } => format!("goal:{goal}"),
        }
    }

    /// The figure in words.
    pub fn describe(&self) -> String {
        match self {
            Objective::ExpectedLoss => "expected loss per trial (EUR)".into(),
            Objective::Cvar { level } => format!(
                "CVaR {}: mean loss of the worst {} of trials (EUR)",
                self.id().trim_start_matches("cvar"),
                percent((1.0 - level) * 100.0)
            ),
            Objective::Var { level } => format!(
                "VaR {}: the {} quantile of the trial loss (EUR)",
                self.id().trim_start_matches("var"),
                percent(level * 100.0)
            ),
            Objective::GoalProbability { goal } => format!("P(goal {goal} reached)"),
        }
    }

    /// Whether the figure is money (and can be traded against the controls' cost).
    pub fn is_money(&self) -> bool {
        !matches!(self, Objective::GoalProbability { .. })
    }

    /// Checks that the objective names what the model has.
    pub fn check(&self, model: &Model) -> Result<(), String> {
        match self {
            Objective::GoalProbability { goal } if !model.goals.iter().any(|g| &g.id == goal) => {
                Err(format!(
                    "no goal `{goal}` in the model (its goals: {})",
                    model
                        .goals
                        .iter()
                        .map(|g| g.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            _ => Ok(()),
        }
    }
}

fn percent(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{} %", x.round())
    } else {
        format!("{x:.1} %")
    }
}

/// The rank (1-based) of the `level`-quantile among `n` values.
pub(crate) fn quantile_rank(level: f64, n: usize) -> usize {
    ((level * n as f64 - 1e-9).ceil() as usize).clamp(1, n.max(1))
}

/// The figure of a set of trials: `losses[t]` is trial `t`'s loss, `reached[t]` whether it
/// reached the goal (only read for a goal objective).
pub fn point(objective: &Objective, losses: &[f64], reached: &[bool]) -> f64 {
    match objective {
        Objective::ExpectedLoss => mean(losses),
        Objective::GoalProbability { .. } => {
            if reached.is_empty() {
                0.0
            } else {
                reached.iter().filter(|r| **r).count() as f64 / reached.len() as f64
            }
        }
        Objective::Var { level } => {
            let sorted = sorted(losses);
            sorted
                .get(quantile_rank(*level, sorted.len()) - 1)
                .copied()
                .unwrap_or(0.0)
        }
        Objective::Cvar { level } => cvar(losses, *level),
    }
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Rockafellar–Uryasev CVaR at the empirical `level`-quantile.
pub(crate) fn cvar(losses: &[f64], level: f64) -> f64 {
    if losses.is_empty() {
        return 0.0;
    }
    let s = sorted(losses);
    let var = s[quantile_rank(level, s.len()) - 1];
    var + losses.iter().map(|l| (l - var).max(0.0)).sum::<f64>()
        / ((1.0 - level) * losses.len() as f64)
}

/// A figure estimated from simulated trials, with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub ci95: [f64; 2],
    pub trials: u64,
    pub seed: u64,
}

/// The figure of the trials with its 95 % interval: normal for a mean, Wilson for a
/// probability, order statistics for a quantile, and for CVaR the normal interval of the mean
/// of `VaR + (L - VaR)+ / (1 - q)`, the estimator's asymptotic form (VaR's own error does not
/// enter to first order because the Rockafellar–Uryasev function is flat at its minimum).
pub fn estimate(objective: &Objective, losses: &[f64], reached: &[bool], seed: u64) -> Estimate {
    let n = losses.len().max(reached.len());
    let value = point(objective, losses, reached);
    let ci95 = match objective {
        Objective::ExpectedLoss => mean_ci(losses),
        Objective::GoalProbability { .. } => {
            let k = reached.iter().filter(|r| **r).count() as u64;
            let (lo, hi) = wilson(k, reached.len() as u64);
            [lo, hi]
        }
        Objective::Var { level } => {
            let s = sorted(losses);
            quantile_ci(&s, *level)
        }
        Objective::Cvar { level } => {
            let s = sorted(losses);
            if s.is_empty() {
                [0.0, 0.0]
            } else {
                let var = s[quantile_rank(*level, s.len()) - 1];
                let phi: Vec<f64> = losses
                    .iter()
                    .map(|l| var + (l - var).max(0.0) / (1.0 - level))
                    .collect();
                let [lo, hi] = mean_ci(&phi);
                let half = (hi - lo) / 2.0;
                [value - half, value + half]
            }
        }
    };
    Estimate {
        value,
        ci95,
        trials: n as u64,
        seed,
    }
}

/// The mean and its 95 % normal interval.
pub(crate) fn mean_ci(xs: &[f64]) -> [f64; 2] {
    let n = xs.len();
    if n < 2 {
        let m = mean(xs);
        return [m, m];
    }
    let m = mean(xs);
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
    let half = Z95 * (var / n as f64).sqrt();
    [m - half, m + half]
}

/// The 95 % distribution-free interval of the `level`-quantile of sorted values: the values
/// at ranks `n q -/+ z sqrt(n q (1 - q))`, as the simulator reports VaR.
fn quantile_ci(sorted: &[f64], level: f64) -> [f64; 2] {
    let n = sorted.len();
    if n == 0 {
        return [0.0, 0.0];
    }
    let nf = n as f64;
    let sd = (nf * level * (1.0 - level)).sqrt();
    let lo = ((nf * level - Z95 * sd).floor() as usize).clamp(1, n);
    let hi = ((nf * level + Z95 * sd).ceil() as usize + 1).clamp(1, n);
    [sorted[lo - 1], sorted[hi - 1]]
}

/// A paired difference (plan minus baseline) on common random numbers, with its 95 %
/// interval; only for the expected loss and goal probabilities, where it has a closed form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub value: f64,
    pub ci95: [f64; 2],
}

pub(crate) fn paired_difference(
    objective: &Objective,
    base: (&[f64], &[bool]),
    plan: (&[f64], &[bool]),
) -> Option<Difference> {
    match objective {
        Objective::ExpectedLoss => {
            let d: Vec<f64> = plan.0.iter().zip(base.0).map(|(p, b)| p - b).collect();
            Some(Difference {
                value: mean(&d),
                ci95: mean_ci(&d),
            })
        }
        Objective::GoalProbability { .. } => {
            let (mut both, mut base_only, mut plan_only, mut neither) = (0u64, 0, 0, 0);
            for (b, p) in base.1.iter().zip(plan.1) {
                match (b, p) {
                    (true, true) => both += 1,
                    (true, false) => base_only += 1,
                    (false, true) => plan_only += 1,
                    (false, false) => neither += 1,
                }
            }
            let n = (both + base_only + plan_only + neither).max(1) as f64;
            let (lo, hi) =
                ensure_simulator::compare::newcombe_paired(both, base_only, plan_only, neither);
            Some(Difference {
                value: (plan_only as f64 - base_only as f64) / n,
                ci95: [lo, hi],
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_objectives() {
        for s in ["expected-loss", "cvar95", "var99", "cvar97.5", "goal:g-1"] {
            assert_eq!(Objective::parse(s).expect(s).id(), s);
        }
        for s in ["cvar", "var100", "cvar0", "goal:", "loss95", "var-5"] {
            assert_eq!(Objective::parse(s), None, "{s}");
        }
    }

    #[test]
    fn quantiles_follow_the_ceiling_rank() {
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        // rank ceil(0.95 * 20) = 19
        assert_eq!(point(&Objective::Var { level: 0.95 }, &xs, &[]), 19.0);
        // CVaR 95 of 1..20: VaR 19 + (20 - 19) / (0.05 * 20) = 20, the mean of the top 5 %.
        assert!((point(&Objective::Cvar { level: 0.95 }, &xs, &[]) - 20.0).abs() < 1e-12);
        // CVaR 90: VaR 18 + (1 + 2) / 2 = 19.5, the mean of {19, 20}.
        assert!((point(&Objective::Cvar { level: 0.9 }, &xs, &[]) - 19.5).abs() < 1e-12);
    }

    #[test]
    fn cvar_is_the_rockafellar_uryasev_minimum() {
        // min over eta of eta + E[(L - eta)+] / (1 - q), brute force over a fine grid and the
        // sample points, equals the closed form.
        let xs = [0.0, 0.0, 3.0, 7.5, 1.0, 12.0, 0.0, 4.0, 9.0, 2.0, 30.0];
        for level in [0.5, 0.8, 0.9, 0.95] {
            let ru = |eta: f64| {
                eta + xs.iter().map(|l| (l - eta).max(0.0)).sum::<f64>()
                    / ((1.0 - level) * xs.len() as f64)
            };
            let best = xs
                .iter()
                .copied()
                .chain((0..3000).map(|i| i as f64 * 0.01))
                .map(ru)
                .fold(f64::INFINITY, f64::min);
            assert!((cvar(&xs, level) - best).abs() < 1e-9, "level {level}");
        }
    }

    #[test]
    fn intervals_cover_their_estimates() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let reached: Vec<bool> = (0..1000).map(|i| i % 3 == 0).collect();
        for o in [
            Objective::ExpectedLoss,
            Objective::Cvar { level: 0.95 },
            Objective::Var { level: 0.95 },
            Objective::GoalProbability { goal: "g".into() },
        ] {
            let e = estimate(&o, &xs, &reached, 1);
            assert!(e.ci95[0] <= e.value && e.value <= e.ci95[1], "{o:?}: {e:?}");
            assert!(e.ci95[1] > e.ci95[0], "{o:?}: empty interval");
        }
        // The values 0..999 once each: mean 499.5, sample variance n (n + 1) / 12.
        let e = estimate(&Objective::ExpectedLoss, &xs, &[], 1);
        assert!((e.value - 499.5).abs() < 1e-9);
        let half = Z95 * (1000.0 * 1001.0 / 12.0 / 1000.0f64).sqrt();
        assert!((e.ci95[1] - e.value - half).abs() < 1e-9, "{e:?} vs {half}");
    }
}
