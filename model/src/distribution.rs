//! Validated probability distributions with canonical parameters.
//!
//! The model only describes distributions; sampling lives in the simulator. The closed-form
//! moments here are what tests and reports compare sampled figures against.

use crate::format::DistDoc;

/// A distribution over non-negative values (times in hours, losses in euros).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    Constant(f64),
    Exponential {
        rate: f64,
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
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Beta-PERT: a Beta(alpha, beta) scaled to [min, max].
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        lambda: f64,
    },
}

impl Distribution {
    /// Checks parameters and converts shorthands (mean, median) to canonical ones.
    /// The error says which parameter is wrong and why.
    pub fn from_doc(doc: &DistDoc) -> Result<Distribution, String> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(format!("`{name}` must be a finite number, not {v}"))
            }
        };
        let positive = |name: &str, v: f64| {
            let v = finite(name, v)?;
            if v > 0.0 {
                Ok(v)
            } else {
                Err(format!("`{name}` must be greater than 0, not {v}"))
            }
        };
        let non_negative = |name: &str, v: f64| {
            let v = finite(name, v)?;
            if v >= 0.0 {
                Ok(v)
            } else {
                Err(format!("`{name}` must not be negative, not {v}"))
            }
        };
        Ok(match doc {
            DistDoc::Constant(v) => Distribution::Constant(non_negative("constant", *v)?),
            DistDoc::Exponential(e) => match (e.rate, e.mean) {
                (Some(r), None) => Distribution::Exponential {
                    rate: positive("rate", r)?,
                },
                (None, Some(m)) => Distribution::Exponential {
                    rate: 1.0 / positive("mean", m)?,
                },
                _ => return Err("give exactly one of `rate` and `mean`".into()),
            },
            DistDoc::Lognormal(l) => {
                let sigma = positive("sigma", l.sigma)?;
                let mu = match (l.median, l.mu) {
                    (Some(m), None) => positive("median", m)?.ln(),
                    (None, Some(mu)) => finite("mu", mu)?,
                    _ => return Err("give exactly one of `median` and `mu`".into()),
                };
                Distribution::LogNormal { mu, sigma }
            }
            DistDoc::Gamma(g) => Distribution::Gamma {
                shape: positive("shape", g.shape)?,
                scale: positive("scale", g.scale)?,
            },
            DistDoc::Uniform(u) => {
                let (min, max) = (non_negative("min", u.min)?, finite("max", u.max)?);
                if max <= min {
                    return Err(format!("`max` ({max}) must be greater than `min` ({min})"));
                }
                Distribution::Uniform { min, max }
            }
            DistDoc::Triangular(t) | DistDoc::Pert(t) => {
                let min = non_negative("min", t.min)?;
                let mode = finite("mode", t.mode)?;
                let max = finite("max", t.max)?;
                if !(min <= mode && mode <= max && min < max) {
                    return Err(format!(
                        "need min <= mode <= max and min < max, got {min}, {mode}, {max}"
                    ));
                }
                if let DistDoc::Pert(_) = doc {
                    let lambda = match t.lambda {
                        Some(l) => positive("lambda", l)?,
                        None => 4.0,
                    };
                    Distribution::Pert {
                        min,
                        mode,
                        max,
                        lambda,
                    }
                } else {
                    if t.lambda.is_some() {
                        return Err("`lambda` belongs to `pert`, not `triangular`".into());
                    }
                    Distribution::Triangular { min, mode, max }
                }
            }
        })
    }

    /// The file form of this distribution (canonical parameters).
    pub fn to_doc(&self) -> DistDoc {
        use crate::format::*;
        match *self {
            Distribution::Constant(v) => DistDoc::Constant(v),
            Distribution::Exponential { rate } => DistDoc::Exponential(ExponentialDoc {
                rate: Some(rate),
                mean: None,
            }),
            Distribution::LogNormal { mu, sigma } => DistDoc::Lognormal(LognormalDoc {
                median: None,
                mu: Some(mu),
                sigma,
            }),
            Distribution::Gamma { shape, scale } => DistDoc::Gamma(GammaDoc { shape, scale }),
            Distribution::Uniform { min, max } => DistDoc::Uniform(UniformDoc { min, max }),
            Distribution::Triangular { min, mode, max } => DistDoc::Triangular(ThreePointDoc {
                min,
                mode,
                max,
                lambda: None,
            }),
            Distribution::Pert {
                min,
                mode,
                max,
                lambda,
            } => DistDoc::Pert(ThreePointDoc {
                min,
                mode,
                max,
                lambda: Some(lambda),
            }),
        }
    }

    /// The Beta shape parameters of a PERT distribution.
    pub fn pert_alpha_beta(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
        let range = max - min;
        let alpha = 1.0 + lambda * (mode - min) / range;
        let beta = 1.0 + lambda * (max - mode) / range;
        (alpha, beta)
    }

    /// The mean, in closed form.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Constant(v) => v,
            Distribution::Exponential { rate } => 1.0 / rate,
            Distribution::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Gamma { shape, scale } => shape * scale,
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Pert {
                min,
                mode,
                max,
                lambda,
            } => (min + lambda * mode + max) / (lambda + 2.0),
        }
    }

    /// A short human-readable form, e.g. `lognormal(median 48, sigma 1)`.
    pub fn describe(&self) -> String {
        fn g(v: f64) -> String {
            let s = format!("{v:.4}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            s.to_string()
        }
        match *self {
            Distribution::Constant(v) => format!("constant {}", g(v)),
            Distribution::Exponential { rate } => format!("exponential(mean {})", g(1.0 / rate)),
            Distribution::LogNormal { mu, sigma } => {
                format!("lognormal(median {}, sigma {})", g(mu.exp()), g(sigma))
            }
            Distribution::Gamma { shape, scale } => {
                format!("gamma(shape {}, scale {})", g(shape), g(scale))
            }
            Distribution::Uniform { min, max } => format!("uniform({}, {})", g(min), g(max)),
            Distribution::Triangular { min, mode, max } => {
                format!("triangular({}, {}, {})", g(min), g(mode), g(max))
            }
            Distribution::Pert { min, mode, max, .. } => {
                format!("pert({}, {}, {})", g(min), g(mode), g(max))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::*;

    fn check(doc: DistDoc, expect: Result<Distribution, &str>) {
        let got = Distribution::from_doc(&doc);
        match (got, expect) {
            (Ok(g), Ok(e)) => assert_eq!(g, e),
            (Err(g), Err(e)) => assert!(g.contains(e), "error `{g}` lacks `{e}`"),
            (g, e) => panic!("got {g:?}, expected {e:?}"),
        }
    }

    #[test]
    fn shorthands_and_errors() {
        check(
            DistDoc::Exponential(ExponentialDoc {
                rate: None,
                mean: Some(4.0),
            }),
            Ok(Distribution::Exponential { rate: 0.25 }),
        );
        check(
            DistDoc::Exponential(ExponentialDoc {
                rate: Some(-1.0),
                mean: None,
            }),
            Err("`rate` must be greater than 0"),
        );
        check(
            DistDoc::Exponential(ExponentialDoc {
                rate: Some(1.0),
                mean: Some(1.0),
            }),
            Err("exactly one"),
        );
        check(
            DistDoc::Lognormal(LognormalDoc {
                median: Some(1.0),
                mu: None,
                sigma: 0.5,
            }),
            Ok(Distribution::LogNormal {
                mu: 0.0,
                sigma: 0.5,
            }),
        );
        check(
            DistDoc::Triangular(ThreePointDoc {
                min: 3.0,
                mode: 1.0,
                max: 5.0,
                lambda: None,
            }),
            Err("min <= mode <= max"),
        );
        check(
            DistDoc::Uniform(UniformDoc { min: 2.0, max: 2.0 }),
            Err("greater than `min`"),
        );
        check(DistDoc::Constant(f64::NAN), Err("finite"));
    }

    #[test]
    fn means_are_closed_forms() {
        let pert = Distribution::Pert {
            min: 0.0,
            mode: 3.0,
            max: 12.0,
            lambda: 4.0,
        };
        assert!((pert.mean() - 4.0).abs() < 1e-12);
        let ln = Distribution::LogNormal {
            mu: 0.0,
            sigma: 1.0,
        };
        assert!((ln.mean() - (0.5f64).exp()).abs() < 1e-12);
        let (a, b) = Distribution::pert_alpha_beta(0.0, 3.0, 12.0, 4.0);
        assert!((a - 2.0).abs() < 1e-12 && (b - 4.0).abs() < 1e-12);
    }
}
