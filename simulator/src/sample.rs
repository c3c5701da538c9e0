//! Sampling the model's distributions from counter-based uniforms.
//!
//! Inverse CDFs wherever they have a closed form (constant, exponential, uniform, triangular,
//! lognormal through the normal quantile), so that one uniform gives one value and a
//! variant that scales a parameter moves each draw monotonically (common random numbers).
//! Gamma uses Marsaglia–Tsang rejection and PERT a Beta made of two Gammas, both fed by
//! numbered uniforms of their stream with a bounded number of tries.

use ensure_model::Distribution;

use crate::rng::Stream;

/// A distribution prepared for sampling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    Constant(f64),
    Exponential {
        mean: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Pert {
        min: f64,
        range: f64,
        alpha: f64,
        beta: f64,
    },
}

/// Tries of the Gamma rejection loop before giving up. Marsaglia–Tsang accepts at least 95 %
/// of candidates for shape >= 1, so running out has probability below 1e-40.
const GAMMA_TRIES: u32 = 32;
/// Uniforms one Gamma variate may use (two per try, plus one for shape < 1).
const GAMMA_SUBS: u32 = 2 * GAMMA_TRIES + 1;

impl Sampler {
    pub fn new(d: &Distribution) -> Sampler {
        match *d {
            Distribution::Constant(v) => Sampler::Constant(v),
            Distribution::Exponential { rate } => Sampler::Exponential { mean: 1.0 / rate },
            Distribution::LogNormal { mu, sigma } => Sampler::LogNormal { mu, sigma },
            Distribution::Gamma { shape, scale } => Sampler::Gamma { shape, scale },
            Distribution::Uniform { min, max } => Sampler::Uniform {
                min,
                width: max - min,
            },
            Distribution::Triangular { min, mode, max } => Sampler::Triangular { min, mode, max },
            Distribution::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (alpha, beta) = Distribution::pert_alpha_beta(min, mode, max, lambda);
                Sampler::Pert {
                    min,
                    range: max - min,
                    alpha,
                    beta,
                }
            }
        }
    }

    /// One value, from uniform 0 of `s` (and further numbered uniforms where needed).
    #[inline]
    pub fn sample(&self, s: &Stream) -> f64 {
        Draw::new(self).sample(s)
    }

    /// Whether every draw is 0 (no need to draw at all).
    pub fn is_constant_zero(&self) -> bool {
        matches!(*self, Sampler::Constant(v) if v == 0.0)
    }
}

#[inline]
fn triangular(min: f64, mode: f64, max: f64, u: f64) -> f64 {
    let range = max - min;
    let f_mode = (mode - min) / range;
    if u < f_mode {
        min + (u * range * (mode - min)).sqrt()
    } else {
        max - ((1.0 - u) * range * (max - mode)).sqrt()
    }
}

/// A standard Gamma(shape) variate from uniforms `first..` of `s` (Marsaglia and Tsang, "A
/// simple method for generating gamma variables", 2000; shape < 1 through Gamma(shape + 1)
/// times U^(1/shape)), with what the method derives from the shape computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GammaShape {
    /// `Some(1 / shape)` for a shape below 1 (boosted from shape + 1).
    boost_exponent: Option<f64>,
    d: f64,
    c: f64,
}

impl GammaShape {
    #[inline]
    pub fn new(shape: f64) -> GammaShape {
        let (a, boost_exponent) = if shape < 1.0 {
            (shape + 1.0, Some(1.0 / shape))
        } else {
            (shape, None)
        };
        let d = a - 1.0 / 3.0;
        GammaShape {
            boost_exponent,
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        }
    }

    #[inline]
    pub fn sample(&self, s: &Stream, first: u32) -> f64 {
        let (d, c) = (self.d, self.c);
        let mut value = d; // the mode, should every try fail (see GAMMA_TRIES)
        for i in 0..GAMMA_TRIES {
            let x = normal_quantile(s.u(first + 2 * i));
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = s.u(first + 2 * i + 1);
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                value = d * v;
                break;
            }
        }
        match self.boost_exponent {
            Some(e) => value * s.u(first + 2 * GAMMA_TRIES).powf(e),
            None => value,
        }
    }
}

/// A [`Sampler`] prepared for the many draws of a simulation: what the Gamma-based methods
/// derive from their parameters computed once. [`Sampler::sample`] goes through it, so both
/// draw the same values from the same streams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Draw {
    Constant(f64),
    Exponential {
        mean: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Gamma {
        scale: f64,
        shape: GammaShape,
    },
    Pert {
        min: f64,
        range: f64,
        alpha: GammaShape,
        beta: GammaShape,
    },
}

impl Draw {
    #[inline]
    pub fn new(s: &Sampler) -> Draw {
        match *s {
            Sampler::Constant(v) => Draw::Constant(v),
            Sampler::Exponential { mean } => Draw::Exponential { mean },
            Sampler::LogNormal { mu, sigma } => Draw::LogNormal { mu, sigma },
            Sampler::Uniform { min, width } => Draw::Uniform { min, width },
            Sampler::Triangular { min, mode, max } => Draw::Triangular { min, mode, max },
            Sampler::Gamma { shape, scale } => Draw::Gamma {
                scale,
                shape: GammaShape::new(shape),
            },
            Sampler::Pert {
                min,
                range,
                alpha,
                beta,
            } => Draw::Pert {
                min,
                range,
                alpha: GammaShape::new(alpha),
                beta: GammaShape::new(beta),
            },
        }
    }

    /// One value, from uniform 0 of `s` (and further numbered uniforms where needed).
    #[inline]
    pub fn sample(&self, s: &Stream) -> f64 {
        match *self {
            Draw::Constant(v) => v,
            Draw::Exponential { mean } => -mean * s.u(0).ln(),
            Draw::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(s.u(0))).exp(),
            Draw::Uniform { min, width } => min + width * s.u(0),
            Draw::Triangular { min, mode, max } => triangular(min, mode, max, s.u(0)),
            Draw::Gamma { scale, shape } => scale * shape.sample(s, 0),
            Draw::Pert {
                min,
                range,
                alpha,
                beta,
            } => {
                let x = alpha.sample(s, 0);
                let y = beta.sample(s, GAMMA_SUBS);
                min + range * (x / (x + y))
            }
        }
    }

    /// One value, from the stream `stream()` makes, which a constant does not need (making
    /// a stream costs a hash).
    #[inline(always)]
    pub fn sample_from(&self, stream: impl FnOnce() -> Stream) -> f64 {
        match *self {
            Draw::Constant(v) => v,
            _ => self.sample(&stream()),
        }
    }
}

/// How many events a Poisson process of mean `mean` produces, by inversion of its CDF from
/// uniforms of `s`. Means above 500 are split into independent parts (a sum of independent
/// Poisson counts is Poisson) so that `exp(-mean)` never underflows.
pub fn poisson(mean: f64, s: &Stream) -> u64 {
    const PART: f64 = 500.0;
    let parts = (mean / PART).ceil().max(1.0) as u32;
    let part_mean = mean / f64::from(parts);
    (0..parts)
        .map(|i| poisson_inversion(part_mean, s.u(i)))
        .sum()
}

/// A Poisson count of fixed mean prepared for many draws: [`PoissonTable::sample`] returns
/// exactly what [`poisson`] does, the CDF that the inversion walks computed once (by the same
/// operations in the same order) instead of at every draw.
#[derive(Debug, Clone)]
pub(crate) struct PoissonTable {
    parts: u32,
    /// Whether to search the table from the start (a small mean stops after a few steps).
    linear: bool,
    /// `cdf[k]`: the CDF at `k` of one part, as [`poisson_inversion`] accumulates it, for `k`
    /// up to its step limit.
    cdf: Vec<f64>,
}

impl PoissonTable {
    pub fn new(mean: f64) -> PoissonTable {
        const PART: f64 = 500.0;
        let parts = (mean / PART).ceil().max(1.0) as u32;
        let part_mean = mean / f64::from(parts);
        let limit = (part_mean + 40.0 * part_mean.sqrt() + 40.0) as u64;
        let mut p = (-part_mean).exp();
        let mut cdf = p;
        let mut table = Vec::with_capacity(limit as usize + 1);
        table.push(cdf);
        for k in 1..=limit {
            p *= part_mean / k as f64;
            cdf += p;
            table.push(cdf);
        }
        PoissonTable {
            parts,
            linear: part_mean <= 8.0,
            cdf: table,
        }
    }

    #[inline]
    pub fn sample(&self, s: &Stream) -> u64 {
        (0..self.parts).map(|i| self.invert(s.u(i))).sum()
    }

    /// The first `k` whose CDF reaches `u`, at most the step limit: where the loop of
    /// [`poisson_inversion`] stops. The CDF never decreases (it adds non-negative terms),
    /// so a binary search finds the same `k` when the mean is large.
    #[inline]
    fn invert(&self, u: f64) -> u64 {
        let limit = self.cdf.len() - 1;
        if self.linear {
            let mut k = 0;
            while k < limit && self.cdf[k] < u {
                k += 1;
            }
            k as u64
        } else {
            self.cdf.partition_point(|c| *c < u).min(limit) as u64
        }
    }
}

fn poisson_inversion(mean: f64, u: f64) -> u64 {
    let mut k = 0u64;
    let mut p = (-mean).exp();
    let mut cdf = p;
    // The CDF reaches u within mean + 40 sqrt(mean) + 40 steps except for u within 1e-16 of
    // 1, where rounding could keep it below u forever.
    let limit = (mean + 40.0 * mean.sqrt() + 40.0) as u64;
    while cdf < u && k < limit {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
    }
    k
}

/// The standard normal quantile function, Wichura's algorithm AS 241 (PPND16), accurate to
/// about 1e-16 relative. The coefficients are written as published.
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2.509_080_928_730_122_7e3 * r + 3.343_057_558_358_812_8e4) * r
                + 6.726_577_092_700_870_1e4)
                * r
                + 4.592_195_393_154_987_1e4)
                * r
                + 1.373_169_376_550_946e4)
                * r
                + 1.971_590_950_306_551_4e3)
                * r
                + 1.331_416_678_917_843_8e2)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((5.226_495_278_852_854_5e3 * r + 2.872_908_573_572_194_3e4) * r
                + 3.930_789_580_009_271e4)
                * r
                + 2.121_379_430_158_659_7e4)
                * r
                + 5.394_196_021_424_751e3)
                * r
                + 6.871_870_074_920_579e2)
                * r
                + 4.231_333_070_160_091e1)
                * r
                + 1.0);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        let r = r - 1.6;
        (((((((7.745_450_142_783_414e-4 * r + 2.272_384_498_926_918_5e-2) * r
            + 2.417_807_251_774_506e-1)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((1.050_750_071_644_416_9e-9 * r + 5.475_938_084_995_345e-4) * r
                + 1.519_866_656_361_645_7e-2)
                * r
                + 1.481_039_764_274_800_8e-1)
                * r
                + 6.897_673_349_851e-1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((2.010_334_399_292_288_1e-7 * r + 2.711_555_568_743_487_6e-5) * r
            + 1.242_660_947_388_078_4e-3)
            * r
            + 2.653_218_952_657_612_4e-2)
            * r
            + 2.965_605_718_285_048_7e-1)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((2.044_263_103_389_939_7e-15 * r + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 1.487_536_129_085_061_5e-2)
                * r
                + 1.369_298_809_227_358e-1)
                * r
                + 5.998_322_065_558_88e-1)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{campaign_key, key_of, trial_key, Purpose};

    fn streams(n: u64) -> impl Iterator<Item = Stream> {
        (0..n).map(|t| {
            Stream::new(
                campaign_key(trial_key(3, t), key_of("a"), 0),
                key_of("x.y"),
                Purpose::Ttc,
            )
        })
    }

    /// Sample mean and its standard error.
    fn mean_se(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (m, (v / n).sqrt())
    }

    fn check_mean(d: Distribution) {
        let s = Sampler::new(&d);
        let xs: Vec<f64> = streams(100_000).map(|st| s.sample(&st)).collect();
        let (m, se) = mean_se(&xs);
        assert!(
            (m - d.mean()).abs() < 4.0 * se + 1e-12,
            "{d:?}: sample mean {m} vs {} (se {se})",
            d.mean()
        );
        assert!(xs.iter().all(|x| x.is_finite() && *x >= 0.0), "{d:?}");
    }

    #[test]
    fn sample_means_match_closed_forms() {
        check_mean(Distribution::Constant(3.0));
        check_mean(Distribution::Exponential { rate: 0.25 });
        check_mean(Distribution::LogNormal {
            mu: 1.0,
            sigma: 0.8,
        });
        check_mean(Distribution::Uniform { min: 2.0, max: 5.0 });
        check_mean(Distribution::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 7.0,
        });
        check_mean(Distribution::Gamma {
            shape: 2.5,
            scale: 3.0,
        });
        check_mean(Distribution::Gamma {
            shape: 0.4,
            scale: 2.0,
        });
        check_mean(Distribution::Pert {
            min: 0.0,
            mode: 3.0,
            max: 12.0,
            lambda: 4.0,
        });
    }

    #[test]
    fn gamma_and_pert_variances_match_closed_forms() {
        // Gamma(k, theta): variance k theta^2. PERT = min + range Beta(a, b): variance
        // range^2 a b / ((a + b)^2 (a + b + 1)).
        let var = |d: Distribution| {
            let s = Sampler::new(&d);
            let xs: Vec<f64> = streams(100_000).map(|st| s.sample(&st)).collect();
            let (m, _) = mean_se(&xs);
            xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64
        };
        let g = var(Distribution::Gamma {
            shape: 2.5,
            scale: 3.0,
        });
        assert!((g / 22.5 - 1.0).abs() < 0.03, "gamma variance {g}");
        let (a, b) = Distribution::pert_alpha_beta(0.0, 3.0, 12.0, 4.0);
        let exact = 144.0 * a * b / ((a + b).powi(2) * (a + b + 1.0));
        let p = var(Distribution::Pert {
            min: 0.0,
            mode: 3.0,
            max: 12.0,
            lambda: 4.0,
        });
        assert!(
            (p / exact - 1.0).abs() < 0.03,
            "pert variance {p} vs {exact}"
        );
    }

    #[test]
    fn normal_quantile_matches_statrs() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let n = Normal::new(0.0, 1.0).expect("standard normal");
        for i in 1..2000 {
            let p = i as f64 / 2000.0;
            let (a, b) = (normal_quantile(p), n.inverse_cdf(p));
            assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "p {p}: {a} vs {b}");
        }
        for p in [1e-300, 1e-100, 1e-20, 1e-10, 1e-5] {
            let a = normal_quantile(p);
            assert!((n.cdf(a) / p - 1.0).abs() < 1e-6, "tail p {p}: {a}");
        }
        for p in [1e-5, 1e-3, 0.1, 0.3] {
            assert!(
                (normal_quantile(1.0 - p) + normal_quantile(p)).abs() < 1e-9,
                "{p}"
            );
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
    }

    #[test]
    fn poisson_counts_match_mean_and_zero_probability() {
        for mean in [0.3, 4.0, 1234.5] {
            let xs: Vec<f64> = streams(50_000).map(|s| poisson(mean, &s) as f64).collect();
            let (m, se) = mean_se(&xs);
            assert!((m - mean).abs() < 4.0 * se, "mean {mean}: {m} (se {se})");
            if mean < 10.0 {
                let p0 = xs.iter().filter(|x| **x == 0.0).count() as f64 / xs.len() as f64;
                let exact = (-mean).exp();
                let se0 = (exact * (1.0 - exact) / xs.len() as f64).sqrt();
                assert!((p0 - exact).abs() < 4.0 * se0, "P(0) {p0} vs {exact}");
            }
        }
    }

    /// Sampling as first written, every parameter derived at every draw: the prepared draws
    /// must give exactly these values, or simulation results would change.
    fn reference_sample(sampler: &Sampler, s: &Stream) -> f64 {
        fn gamma(shape: f64, s: &Stream, first: u32) -> f64 {
            let (a, boost) = if shape < 1.0 {
                (
                    shape + 1.0,
                    Some(s.u(first + 2 * GAMMA_TRIES).powf(1.0 / shape)),
                )
            } else {
                (shape, None)
            };
            let d = a - 1.0 / 3.0;
            let c = 1.0 / (9.0 * d).sqrt();
            let mut value = d;
            for i in 0..GAMMA_TRIES {
                let x = normal_quantile(s.u(first + 2 * i));
                let v = 1.0 + c * x;
                if v <= 0.0 {
                    continue;
                }
                let v = v * v * v;
                let u = s.u(first + 2 * i + 1);
                if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                    value = d * v;
                    break;
                }
            }
            match boost {
                Some(b) => value * b,
                None => value,
            }
        }
        match *sampler {
            Sampler::Constant(v) => v,
            Sampler::Exponential { mean } => -mean * s.u(0).ln(),
            Sampler::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(s.u(0))).exp(),
            Sampler::Uniform { min, width } => min + width * s.u(0),
            Sampler::Triangular { min, mode, max } => triangular(min, mode, max, s.u(0)),
            Sampler::Gamma { shape, scale } => scale * gamma(shape, s, 0),
            Sampler::Pert {
                min,
                range,
                alpha,
                beta,
            } => {
                let x = gamma(alpha, s, 0);
                let y = gamma(beta, s, GAMMA_SUBS);
                min + range * (x / (x + y))
            }
        }
    }

    #[test]
    fn prepared_draws_are_the_samplers_draws() {
        let dists = [
            Distribution::Constant(3.0),
            Distribution::Exponential { rate: 0.25 },
            Distribution::LogNormal {
                mu: 1.0,
                sigma: 0.8,
            },
            Distribution::Uniform { min: 2.0, max: 5.0 },
            Distribution::Triangular {
                min: 1.0,
                mode: 2.0,
                max: 7.0,
            },
            Distribution::Gamma {
                shape: 2.5,
                scale: 3.0,
            },
            Distribution::Gamma {
                shape: 0.4,
                scale: 2.0,
            },
            Distribution::Gamma {
                shape: 1.0,
                scale: 1.0,
            },
            Distribution::Pert {
                min: 0.0,
                mode: 3.0,
                max: 12.0,
                lambda: 4.0,
            },
            Distribution::Pert {
                min: 10_000.0,
                mode: 10_000.0,
                max: 500_000.0,
                lambda: 0.5,
            },
        ];
        for d in dists {
            let sampler = Sampler::new(&d);
            let draw = Draw::new(&sampler);
            for st in streams(20_000) {
                let a = reference_sample(&sampler, &st);
                assert_eq!(a.to_bits(), sampler.sample(&st).to_bits(), "{d:?}");
                assert_eq!(a.to_bits(), draw.sample(&st).to_bits(), "{d:?}");
                assert_eq!(a.to_bits(), draw.sample_from(|| st).to_bits(), "{d:?}");
            }
        }
    }

    #[test]
    fn poisson_tables_draw_exactly_what_the_inversion_draws() {
        for mean in [
            0.0, 1e-9, 0.3, 2.0, 17.5, 63.9, 499.0, 500.0, 1234.5, 25_000.0, 1e5,
        ] {
            let table = PoissonTable::new(mean);
            for s in streams(3_000) {
                assert_eq!(table.sample(&s), poisson(mean, &s), "mean {mean}");
            }
            // The extreme uniforms, where the step limit matters.
            for u in [unit_min(), 0.5, 1.0 - 1e-16, 1.0 - f64::EPSILON / 4.0] {
                let parts = (mean / 500.0f64).ceil().max(1.0) as u32;
                assert_eq!(
                    table.invert(u),
                    poisson_inversion(mean / f64::from(parts), u),
                    "mean {mean}, u {u}"
                );
            }
        }
    }

    fn unit_min() -> f64 {
        crate::rng::unit(0)
    }

    #[test]
    fn triangular_and_exponential_are_inverse_cdfs() {
        // Quantiles at known uniforms: the inverse CDF maps u to the exact quantile.
        assert!((triangular(0.0, 1.0, 2.0, 0.5) - 1.0).abs() < 1e-12);
        assert!((triangular(0.0, 0.0, 1.0, 0.75) - 0.5).abs() < 1e-12);
        assert!((triangular(0.0, 1.0, 1.0, 0.25) - 0.5).abs() < 1e-12);
    }
}
