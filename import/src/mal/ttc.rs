//! MAL time-to-compromise expressions as mal-toolbox writes them, mapped to an `ensure`
//! probability of success and a time distribution in hours.
//!
//! mal-toolbox stores a TTC as a tree: `{"type": "function", "name": "Exponential",
//! "arguments": [0.1]}`, `{"type": "number", "value": 2.0}`, or a binary operation
//! `{"type": "multiplication" | "division" | "addition" | "subtraction" | "exponentiation",
//! "lhs": ..., "rhs": ...}`. MAL uses a Bernoulli factor for "the step is possible at all"
//! (drawn once per simulation, as mal-simulator does), and one continuous distribution for the
//! time, in MAL's time unit (days by the MAL convention; see [`super::MalOptions`]). So a
//! product of Bernoulli factors, at most one distribution and positive numbers maps exactly
//! onto `p_success` times a scaled distribution; anything else (sums of distributions, products
//! of two distributions, Pareto, ...) has no exact `ensure` counterpart and is refused with
//! its path rather than approximated silently.

use ensure_model::format::{DistDoc, ExponentialDoc, GammaDoc, LognormalDoc, UniformDoc};
use serde_json::Value;

use crate::json::{kind, JsonPath, Reader};

/// A TTC read from a file: the probability that the step is possible and how long it takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ttc {
    pub(crate) p_success: f64,
    /// In MAL time units; `None` is instantaneous.
    pub(crate) time: Option<Time>,
}

/// A continuous time distribution in MAL time units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Time {
    Constant(f64),
    Exponential {
        rate: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
    /// `ln T ~ Normal(mu, sigma)`, as scipy's `lognorm(s=sigma, scale=exp(mu))` in mal-simulator.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
}

impl Time {
    /// The distribution of `k * T`, for `k > 0`.
    fn scaled(self, k: f64) -> Time {
        match self {
            Time::Constant(c) => Time::Constant(c * k),
            Time::Exponential { rate } => Time::Exponential { rate: rate / k },
            Time::Gamma { shape, scale } => Time::Gamma {
                shape,
                scale: scale * k,
            },
            Time::LogNormal { mu, sigma } => Time::LogNormal {
                mu: mu + k.ln(),
                sigma,
            },
            Time::Uniform { min, max } => Time::Uniform {
                min: min * k,
                max: max * k,
            },
        }
    }

    /// The `ensure` distribution of this time in hours, given the hours in one MAL unit.
    pub(crate) fn to_hours(self, hours_per_unit: f64) -> DistDoc {
        if let Time::Exponential { rate } = self {
            // The mean reads better than a rate per hour (240 h rather than 0.00416 per h).
            return DistDoc::Exponential(ExponentialDoc {
                rate: None,
                mean: Some(hours_per_unit / rate),
            });
        }
        match self.scaled(hours_per_unit) {
            Time::Constant(c) => DistDoc::Constant(c),
            Time::Exponential { rate } => DistDoc::Exponential(ExponentialDoc {
                rate: Some(rate),
                mean: None,
            }),
            Time::Gamma { shape, scale } => DistDoc::Gamma(GammaDoc { shape, scale }),
            Time::LogNormal { mu, sigma } => DistDoc::Lognormal(LognormalDoc {
                median: None,
                mu: Some(mu),
                sigma,
            }),
            Time::Uniform { min, max } => DistDoc::Uniform(UniformDoc { min, max }),
        }
    }
}

/// An evaluated sub-expression.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Number(f64),
    Ttc(Ttc),
}

/// Reads the TTC at `path`; `None` after reporting a problem. JSON `null` (no TTC in the
/// language) is instantaneous and certain, mal-simulator's default (`Instant`) for attack steps.
pub(crate) fn read(r: &mut Reader, v: &Value, path: &JsonPath) -> Option<Ttc> {
    if v.is_null() {
        return Some(Ttc {
            p_success: 1.0,
            time: None,
        });
    }
    match term(r, v, path)? {
        Term::Number(c) if c >= 0.0 => Some(Ttc {
            p_success: 1.0,
            time: Some(Time::Constant(c)),
        }),
        Term::Number(c) => {
            r.problem(
                path,
                format!("a time to compromise cannot be negative ({c})"),
            );
            None
        }
        Term::Ttc(t) => Some(t),
    }
}

/// The probability that a defence is on at the start of a simulation, from its TTC: mal-toolbox
/// writes a defence's status as `Bernoulli(p)` (or the names `Enabled`/`Disabled`), and
/// mal-simulator switches it on with probability `p` per episode. No TTC means `Disabled`.
pub(crate) fn defence_status(r: &mut Reader, v: &Value, path: &JsonPath) -> Option<f64> {
    if v.is_null() {
        return Some(0.0);
    }
    let obj = r.object(v, path)?;
    let name = obj.get("name").and_then(Value::as_str);
    let is_function = obj.get("type").and_then(Value::as_str) == Some("function");
    match (is_function, name) {
        (true, Some("Enabled")) => Some(1.0),
        (true, Some("Disabled")) => Some(0.0),
        (true, Some("Bernoulli")) => {
            let args = arguments(r, obj, path, 1)?;
            r.probability(&args[0].1, &args[0].0)
        }
        _ => {
            r.problem(
                path,
                "a defence's status must be `Bernoulli(p)`, `Enabled` or `Disabled` \
                 (mal-simulator reads nothing else as a defence status)",
            );
            None
        }
    }
}

fn term(r: &mut Reader, v: &Value, path: &JsonPath) -> Option<Term> {
    let obj = r.object(v, path)?;
    let ty_path = path.key("type");
    let ty = r.required(obj, path, "type")?;
    let ty = r.string(ty, &ty_path)?;
    match ty {
        "function" => function(r, obj, path),
        "number" => {
            let value = r.required(obj, path, "value")?;
            r.number(value, &path.key("value")).map(Term::Number)
        }
        "multiplication" | "division" | "addition" | "subtraction" | "exponentiation" => {
            let lhs = r.required(obj, path, "lhs");
            let rhs = r.required(obj, path, "rhs");
            let (lhs, rhs) = (lhs?, rhs?);
            let lhs = term(r, lhs, &path.key("lhs"));
            let rhs = term(r, rhs, &path.key("rhs"));
            binary(r, ty, lhs?, rhs?, path)
        }
        other => {
            r.problem(
                &ty_path,
                format!("unknown TTC node type `{other}` (expected function, number or an arithmetic operation)"),
            );
            None
        }
    }
}

fn binary(r: &mut Reader, op: &str, lhs: Term, rhs: Term, path: &JsonPath) -> Option<Term> {
    use Term::{Number, Ttc as T};
    let numeric = |a: f64, b: f64| match op {
        "multiplication" => a * b,
        "division" => a / b,
        "addition" => a + b,
        "subtraction" => a - b,
        _ => a.powf(b),
    };
    let result = match (op, lhs, rhs) {
        (_, Number(a), Number(b)) => Number(numeric(a, b)),
        ("multiplication", T(a), T(b)) => {
            let time = match (a.time, b.time) {
                (None, t) | (t, None) => t,
                (Some(_), Some(_)) => {
                    r.problem(
                        path,
                        "a product of two time distributions has no ensure counterpart; \
                         use one distribution (and Bernoulli factors)",
                    );
                    return None;
                }
            };
            T(Ttc {
                p_success: a.p_success * b.p_success,
                time,
            })
        }
        ("multiplication", T(t), Number(k)) | ("multiplication", Number(k), T(t)) => {
            T(scale(r, t, k, path)?)
        }
        ("division", T(t), Number(k)) if k != 0.0 => T(scale(r, t, 1.0 / k, path)?),
        _ => {
            r.problem(
                path,
                format!(
                    "`{op}` of these operands has no ensure counterpart; a TTC must be a product \
                     of Bernoulli factors, at most one distribution and positive numbers"
                ),
            );
            return None;
        }
    };
    if let Number(x) = result {
        if !x.is_finite() {
            r.problem(path, format!("the expression evaluates to {x}"));
            return None;
        }
    }
    Some(result)
}

fn scale(r: &mut Reader, t: Ttc, k: f64, path: &JsonPath) -> Option<Ttc> {
    if !(k.is_finite() && k >= 0.0) {
        r.problem(
            path,
            format!("a time can only be scaled by a non-negative number, not {k}"),
        );
        return None;
    }
    let time = match t.time {
        // An instantaneous step stays instantaneous, and MAL's `Bernoulli(p) * 10` is one.
        None => None,
        Some(_) if k == 0.0 => Some(Time::Constant(0.0)),
        Some(time) => Some(time.scaled(k)),
    };
    Some(Ttc {
        p_success: t.p_success,
        time,
    })
}

/// MAL's named TTCs, with mal-simulator's definitions (`named_ttc_dists`), plus `Zero` and
/// `Infinity`, which the MAL compiler accepts.
fn named(name: &str) -> Option<Ttc> {
    let exp = |rate: f64| Some(Time::Exponential { rate });
    let (p_success, time) = match name {
        "EasyAndCertain" => (1.0, exp(1.0)),
        "EasyAndUncertain" => (0.5, None),
        "HardAndCertain" => (1.0, exp(0.1)),
        "HardAndUncertain" => (0.5, exp(0.1)),
        "VeryHardAndCertain" => (1.0, exp(0.01)),
        "VeryHardAndUncertain" => (0.5, exp(0.01)),
        "Enabled" | "Instant" | "Zero" => (1.0, None),
        "Disabled" | "Infinity" => (0.0, None),
        _ => return None,
    };
    Some(Ttc { p_success, time })
}

fn function(r: &mut Reader, obj: &serde_json::Map<String, Value>, path: &JsonPath) -> Option<Term> {
    let name_v = r.required(obj, path, "name")?;
    let name = r.string(name_v, &path.key("name"))?;
    let time = |t: Time| {
        Some(Term::Ttc(Ttc {
            p_success: 1.0,
            time: Some(t),
        }))
    };
    match name {
        "Bernoulli" => {
            let a = arguments(r, obj, path, 1)?;
            let p = r.probability(&a[0].1, &a[0].0)?;
            Some(Term::Ttc(Ttc {
                p_success: p,
                time: None,
            }))
        }
        "Exponential" => {
            let a = numbers(r, obj, path, 1)?;
            positive(r, a[0], "the rate", path)?;
            time(Time::Exponential { rate: a[0].1 })
        }
        "Gamma" => {
            let a = numbers(r, obj, path, 2)?;
            positive(r, a[0], "the shape", path)?;
            positive(r, a[1], "the scale", path)?;
            time(Time::Gamma {
                shape: a[0].1,
                scale: a[1].1,
            })
        }
        "LogNormal" => {
            let a = numbers(r, obj, path, 2)?;
            positive(r, a[1], "the standard deviation", path)?;
            time(Time::LogNormal {
                mu: a[0].1,
                sigma: a[1].1,
            })
        }
        "Uniform" => {
            let a = numbers(r, obj, path, 2)?;
            if !(0.0 <= a[0].1 && a[0].1 <= a[1].1) {
                r.problem(
                    &path.key("arguments"),
                    format!(
                        "Uniform needs 0 <= min <= max, not ({}, {})",
                        a[0].1, a[1].1
                    ),
                );
                return None;
            }
            time(Time::Uniform {
                min: a[0].1,
                max: a[1].1,
            })
        }
        "Binomial" | "Pareto" | "TruncatedNormal" => {
            r.problem(
                &path.key("name"),
                format!("the {name} distribution has no ensure counterpart (mal-simulator does not run it either)"),
            );
            None
        }
        other => match named(other) {
            Some(t) => {
                let a = obj.get("arguments");
                if a.is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty())) {
                    r.problem(
                        &path.key("arguments"),
                        format!("`{other}` takes no arguments"),
                    );
                    return None;
                }
                Some(Term::Ttc(t))
            }
            None => {
                r.problem(
                    &path.key("name"),
                    format!("unknown TTC distribution `{other}`"),
                );
                None
            }
        },
    }
}

type Arg = (JsonPath, Value);

/// The `arguments` array with exactly `n` entries, each with its path.
fn arguments(
    r: &mut Reader,
    obj: &serde_json::Map<String, Value>,
    path: &JsonPath,
    n: usize,
) -> Option<Vec<Arg>> {
    let a_path = path.key("arguments");
    let a = r.required(obj, path, "arguments")?;
    let Some(a) = a.as_array() else {
        r.problem(&a_path, format!("expected an array, found {}", kind(a)));
        return None;
    };
    if a.len() != n {
        r.problem(
            &a_path,
            format!("expected {n} argument(s), found {}", a.len()),
        );
        return None;
    }
    Some(
        a.iter()
            .enumerate()
            .map(|(i, v)| (a_path.idx(i), v.clone()))
            .collect(),
    )
}

fn numbers(
    r: &mut Reader,
    obj: &serde_json::Map<String, Value>,
    path: &JsonPath,
    n: usize,
) -> Option<Vec<(usize, f64)>> {
    let args = arguments(r, obj, path, n)?;
    let mut out = Vec::with_capacity(n);
    for (i, (p, v)) in args.iter().enumerate() {
        out.push((i, r.number(v, p)?));
    }
    Some(out)
}

fn positive(r: &mut Reader, (i, x): (usize, f64), what: &str, path: &JsonPath) -> Option<()> {
    if x > 0.0 {
        Some(())
    } else {
        r.problem(
            &path.key("arguments").idx(i),
            format!("{what} must be greater than 0, not {x}"),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reads a TTC and returns either the result or the problems as `path: message` lines.
    fn check(v: Value) -> Result<Ttc, Vec<String>> {
        let mut r = Reader::default();
        match read(&mut r, &v, &JsonPath::root().key("ttc")) {
            Some(t) if r.problems.is_empty() => Ok(t),
            _ => Err(r.problems.iter().map(ToString::to_string).collect()),
        }
    }

    fn f(name: &str, args: &[f64]) -> Value {
        json!({"type": "function", "name": name, "arguments": args})
    }

    fn op(ty: &str, lhs: Value, rhs: Value) -> Value {
        json!({"type": ty, "lhs": lhs, "rhs": rhs})
    }

    fn num(x: f64) -> Value {
        json!({"type": "number", "value": x})
    }

    fn ok(p_success: f64, time: Option<Time>) -> Result<Ttc, Vec<String>> {
        Ok(Ttc { p_success, time })
    }

    #[test]
    fn distributions_map_one_to_one() {
        assert_eq!(check(Value::Null), ok(1.0, None));
        assert_eq!(
            check(f("Exponential", &[0.1])),
            ok(1.0, Some(Time::Exponential { rate: 0.1 }))
        );
        assert_eq!(
            check(f("Gamma", &[2.0, 3.0])),
            ok(
                1.0,
                Some(Time::Gamma {
                    shape: 2.0,
                    scale: 3.0
                })
            )
        );
        assert_eq!(
            check(f("LogNormal", &[1.5, 0.8])),
            ok(
                1.0,
                Some(Time::LogNormal {
                    mu: 1.5,
                    sigma: 0.8
                })
            )
        );
        assert_eq!(
            check(f("Uniform", &[1.0, 4.0])),
            ok(1.0, Some(Time::Uniform { min: 1.0, max: 4.0 }))
        );
        assert_eq!(check(f("Bernoulli", &[0.3])), ok(0.3, None));
        assert_eq!(check(num(2.0)), ok(1.0, Some(Time::Constant(2.0))));
    }

    #[test]
    fn named_ttcs_follow_mal_simulator() {
        assert_eq!(
            check(f("HardAndUncertain", &[])),
            ok(0.5, Some(Time::Exponential { rate: 0.1 }))
        );
        assert_eq!(check(f("EasyAndUncertain", &[])), ok(0.5, None));
        assert_eq!(
            check(f("VeryHardAndCertain", &[])),
            ok(1.0, Some(Time::Exponential { rate: 0.01 }))
        );
        assert_eq!(check(f("Infinity", &[])), ok(0.0, None));
        assert_eq!(check(f("Zero", &[])), ok(1.0, None));
        assert_eq!(
            check(f("Disabled", &[1.0])),
            Err(vec!["$.ttc.arguments: `Disabled` takes no arguments".into()])
        );
    }

    #[test]
    fn products_of_bernoullis_distribution_and_numbers_are_exact() {
        let t = op(
            "multiplication",
            f("Bernoulli", &[0.5]),
            op(
                "multiplication",
                f("Exponential", &[0.05]),
                f("Bernoulli", &[0.4]),
            ),
        );
        assert_eq!(check(t), ok(0.2, Some(Time::Exponential { rate: 0.05 })));
        let scaled = op("multiplication", num(2.0), f("Exponential", &[0.5]));
        assert_eq!(
            check(scaled),
            ok(1.0, Some(Time::Exponential { rate: 0.25 }))
        );
        let divided = op("division", f("Gamma", &[2.0, 3.0]), num(3.0));
        assert_eq!(
            check(divided),
            ok(
                1.0,
                Some(Time::Gamma {
                    shape: 2.0,
                    scale: 1.0
                })
            )
        );
        let e = std::f64::consts::E;
        let lognormal = op("multiplication", f("LogNormal", &[1.0, 0.5]), num(e));
        assert_eq!(
            check(lognormal),
            ok(
                1.0,
                Some(Time::LogNormal {
                    mu: 2.0,
                    sigma: 0.5
                })
            )
        );
        let numeric = op(
            "addition",
            num(1.0),
            op("exponentiation", num(2.0), num(3.0)),
        );
        assert_eq!(check(numeric), ok(1.0, Some(Time::Constant(9.0))));
    }

    #[test]
    fn hours_conversion_scales_each_family_exactly() {
        let d = |t: Time| t.to_hours(24.0);
        assert_eq!(
            d(Time::Exponential { rate: 0.1 }),
            DistDoc::Exponential(ExponentialDoc {
                rate: None,
                mean: Some(24.0 / 0.1)
            })
        );
        assert_eq!(
            d(Time::Gamma {
                shape: 2.0,
                scale: 3.0
            }),
            DistDoc::Gamma(GammaDoc {
                shape: 2.0,
                scale: 72.0
            })
        );
        assert_eq!(
            d(Time::LogNormal {
                mu: 1.0,
                sigma: 0.5
            }),
            DistDoc::Lognormal(LognormalDoc {
                median: None,
                mu: Some(1.0 + 24f64.ln()),
                sigma: 0.5
            })
        );
        assert_eq!(
            d(Time::Uniform { min: 1.0, max: 2.0 }),
            DistDoc::Uniform(UniformDoc {
                min: 24.0,
                max: 48.0
            })
        );
        assert_eq!(d(Time::Constant(0.5)), DistDoc::Constant(12.0));
    }

    #[test]
    fn what_ensure_cannot_express_is_refused_with_its_path() {
        let sum = op(
            "addition",
            f("Exponential", &[1.0]),
            f("Exponential", &[2.0]),
        );
        assert_eq!(
            check(sum),
            Err(vec!["$.ttc: `addition` of these operands has no ensure counterpart; a TTC must be a product of Bernoulli factors, at most one distribution and positive numbers".into()])
        );
        let two = op(
            "multiplication",
            f("Exponential", &[1.0]),
            f("Gamma", &[1.0, 1.0]),
        );
        assert_eq!(check(two).unwrap_err().len(), 1);
        assert_eq!(
            check(f("Pareto", &[1.0, 2.0])),
            Err(vec!["$.ttc.name: the Pareto distribution has no ensure counterpart (mal-simulator does not run it either)".into()])
        );
        assert_eq!(
            check(f("Exponential", &[0.0])),
            Err(vec![
                "$.ttc.arguments[0]: the rate must be greater than 0, not 0".into()
            ])
        );
        assert_eq!(
            check(f("Bernoulli", &[1.5])),
            Err(vec![
                "$.ttc.arguments[0]: a probability must be between 0 and 1, not 1.5".into()
            ])
        );
        assert_eq!(
            check(json!({"type": "function", "name": "Exponential"})),
            Err(vec!["$.ttc: missing field `arguments`".into()])
        );
        assert_eq!(
            check(op(
                "multiplication",
                json!("x"),
                json!({"type": "function"})
            )),
            Err(vec![
                "$.ttc.lhs: expected an object, found a string".into(),
                "$.ttc.rhs: missing field `name`".into()
            ])
        );
        assert_eq!(
            check(num(-1.0)),
            Err(vec![
                "$.ttc: a time to compromise cannot be negative (-1)".into()
            ])
        );
        assert_eq!(
            check(op("multiplication", f("Exponential", &[1.0]), num(-2.0))),
            Err(vec![
                "$.ttc: a time can only be scaled by a non-negative number, not -2".into()
            ])
        );
        assert_eq!(
            check(json!({"type": "sqrt"})),
            Err(vec!["$.ttc.type: unknown TTC node type `sqrt` (expected function, number or an arithmetic operation)".into()])
        );
    }

    #[test]
    fn defence_statuses() {
        let status = |v: Value| {
            let mut r = Reader::default();
            let s = defence_status(&mut r, &v, &JsonPath::root());
            (s, r.problems.len())
        };
        assert_eq!(status(Value::Null), (Some(0.0), 0));
        assert_eq!(status(f("Enabled", &[])), (Some(1.0), 0));
        assert_eq!(status(f("Disabled", &[])), (Some(0.0), 0));
        assert_eq!(status(f("Bernoulli", &[0.3])), (Some(0.3), 0));
        assert_eq!(status(f("Exponential", &[0.3])), (None, 1));
    }
}
