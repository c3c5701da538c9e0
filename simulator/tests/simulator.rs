//! The simulator against closed forms, and its determinism: thread counts, shards, common
//! random numbers. Every estimate must lie within 3.29 standard errors (99.9 %) of the exact
//! value, with fixed seeds; the standard errors come from the exact value, not the estimate.

use ensure_model::{Model, StepId};
use ensure_simulator::compile::{compile, Configuration};
use ensure_simulator::partial::PartialDoc;
use ensure_simulator::trial::{OutageCause, TrialOptions};
use ensure_simulator::{
    derivation, finalize, merge, run, run_partial, simulate_trial, Compiled, Figure, Precision,
    Shard, SimConfig, SimResult, TrialScratch,
};
use proptest::prelude::*;
use statrs::distribution::{ContinuousCDF, Gamma};

const Z: f64 = 3.29;

fn model(yaml: &str) -> Model {
    let checked = ensure_model::check_str("test.yaml", yaml);
    match checked.model {
        Some(m) => m,
        None => panic!("test model does not build: {:#?}", checked.diagnostics),
    }
}

fn pilot(name: &str) -> Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
        .join("model.yaml");
    let checked = ensure_model::check(&path, &|p| std::fs::read_to_string(p));
    checked.model.expect("pilot model builds")
}

fn step(m: &Model, label: &str) -> StepId {
    let (a, s) = label.split_once('.').expect("asset.step");
    m.step_id(m.asset_id(a).expect("asset"), s).expect("step")
}

/// `k` of `n` trials against an exact probability.
fn check_prob(k: u64, n: u64, exact: f64, what: &str) {
    let p = k as f64 / n as f64;
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    assert!(
        (p - exact).abs() <= Z * se + 1e-12,
        "{what}: estimate {p} ({k}/{n}), exact {exact}, {:.2} standard errors off",
        (p - exact).abs() / se
    );
}

/// A sample mean against an exact mean and standard deviation.
fn check_mean(xs: &[f64], exact: f64, sd: f64, what: &str) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let se = sd / n.sqrt();
    assert!(
        (m - exact).abs() <= Z * se,
        "{what}: mean {m}, exact {exact}, {:.2} standard errors off",
        (m - exact).abs() / se
    );
}

/// The time each trial reached `goal` (infinite when it did not).
fn goal_times(c: &Compiled<'_>, goal: usize, n: u64, seed: u64) -> Vec<f64> {
    let mut sc = TrialScratch::new(c, TrialOptions::default());
    (0..n)
        .map(|t| {
            let trial = simulate_trial(c, seed, t, &mut sc);
            trial
                .goals
                .iter()
                .find(|g| g.goal.idx() == goal)
                .map_or(f64::INFINITY, |g| g.time_hours)
        })
        .collect()
}

/// Checks the empirical CDF of `times` at each `t` against `cdf(t)`.
fn check_cdf(times: &[f64], ts: &[f64], cdf: impl Fn(f64) -> f64, what: &str) {
    for &t in ts {
        let k = times.iter().filter(|x| **x <= t).count() as u64;
        check_prob(k, times.len() as u64, cdf(t), &format!("{what} at t = {t}"));
    }
}

fn current(m: &Model) -> Compiled<'_> {
    compile(m, &Configuration::current(m)).expect("compiles")
}

const N: u64 = 20_000;

#[test]
fn chain_of_exponentials_is_hypoexponential() {
    let m = model(
        r#"
horizon_hours: 1000000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {exponential: {rate: 0.5}}}
  - {asset: a, name: s2, from: [a.s1], ttc_hours: {exponential: {rate: 0.25}}}
  - {asset: a, name: s3, from: [a.s2], ttc_hours: {exponential: {rate: 1.0}}}
actors: [{id: x, entry: [a.s1]}]
goals: [{id: g, threat: t, targets: [a.s3]}]
"#,
    );
    let c = current(&m);
    let times = goal_times(&c, 0, N, 1);
    let rates = [0.5, 0.25, 1.0];
    // Hypoexponential CDF for distinct rates: 1 - sum_i prod_{j != i} r_j / (r_j - r_i) e^{-r_i t}.
    let cdf = |t: f64| {
        1.0 - (0..3)
            .map(|i| {
                let w: f64 = (0..3)
                    .filter(|j| *j != i)
                    .map(|j| rates[j] / (rates[j] - rates[i]))
                    .product();
                w * (-rates[i] * t).exp()
            })
            .sum::<f64>()
    };
    check_cdf(&times, &[2.0, 5.0, 7.0, 12.0, 25.0], cdf, "chain CDF");
    let var: f64 = rates.iter().map(|r| 1.0 / (r * r)).sum();
    check_mean(&times, 7.0, var.sqrt(), "chain mean");
    // The whole pipeline reports the same through its histogram and sums.
    let r = run(&m, &SimConfig::new(N, 1)).expect("runs");
    let s = r.goals[0].ttc_hours.as_ref().expect("reached");
    assert!((s.mean - times.iter().sum::<f64>() / N as f64).abs() < 1e-5);
    assert_eq!(r.goals[0].top_paths[0].steps, ["a.s1", "a.s2", "a.s3"]);
}

#[test]
fn or_of_exponentials_is_the_minimum_and_and_is_the_maximum() {
    let m = model(
        r#"
horizon_hours: 1000000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: x1, ttc_hours: {exponential: {rate: 0.5}}}
  - {asset: a, name: x2, ttc_hours: {exponential: {rate: 0.2}}}
  - {asset: a, name: x3, ttc_hours: {exponential: {rate: 0.1}}}
  - {asset: a, name: any, from: [a.x1, a.x2, a.x3], ttc_hours: {constant: 0}}
  - {asset: a, name: all, requires: all, from: [a.x1, a.x2], ttc_hours: {constant: 0}}
actors: [{id: x, entry: [a.x1, a.x2, a.x3]}]
goals:
  - {id: g-any, threat: t, targets: [a.any]}
  - {id: g-all, threat: t, targets: [a.all]}
"#,
    );
    let c = current(&m);
    let any = goal_times(&c, 0, N, 2);
    check_cdf(
        &any,
        &[0.5, 1.0, 2.0, 4.0],
        |t| 1.0 - (-0.8 * t).exp(),
        "OR",
    );
    check_mean(&any, 1.25, 1.25, "OR mean");
    let all = goal_times(&c, 1, N, 3);
    let cdf = |t: f64| (1.0 - (-0.5 * t).exp()) * (1.0 - (-0.2 * t).exp());
    check_cdf(&all, &[1.0, 3.0, 6.0, 15.0], cdf, "AND");
    // E[max] = 1/a + 1/b - 1/(a + b); Var from E[max^2] = 2/a^2 + 2/b^2 - 2/(a+b)^2.
    let mean = 2.0 + 5.0 - 1.0 / 0.7;
    let m2 = 2.0 * 4.0 + 2.0 * 25.0 - 2.0 / 0.49;
    check_mean(&all, mean, (m2 - mean * mean).sqrt(), "AND mean");
}

#[test]
fn an_and_step_waits_for_every_live_parent_and_derivations_show_them() {
    let m = model(
        r#"
horizon_hours: 100
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: x1, ttc_hours: {constant: 1}}
  - {asset: a, name: x2, ttc_hours: {constant: 3}}
  - {asset: a, name: y, from: [a.x1], ttc_hours: {constant: 1}}
  - {asset: a, name: both, requires: all, from: [a.y, a.x2], ttc_hours: {constant: 2}}
actors: [{id: x, entry: [a.x1, a.x2]}]
goals: [{id: g, threat: t, targets: [a.both]}]
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(
        &c,
        TrialOptions {
            completions: true,
            paths: true,
        },
    );
    let t = simulate_trial(&c, 1, 0, &mut sc);
    assert_eq!(t.goals.len(), 1);
    assert_eq!(t.goals[0].time_hours, 5.0);
    let labels = |v: &[StepId]| v.iter().map(|s| m.step_label(*s)).collect::<Vec<_>>();
    assert_eq!(labels(&t.goals[0].path), ["a.x1", "a.x2", "a.y", "a.both"]);
    let d = derivation(&c, t, 0, step(&m, "a.both")).expect("completed");
    assert_eq!(labels(&d), ["a.x1", "a.x2", "a.y", "a.both"]);
    assert_eq!(
        derivation(&c, t, 0, step(&m, "a.x1")).map(|d| d.len()),
        Some(1)
    );
}

#[test]
fn p_success_and_control_efficacies_multiply() {
    let m = model(
        r#"
horizon_hours: 100
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, p_success: 0.7, ttc_hours: {constant: 1}}
controls:
  - {id: c1, kind: k, enabled: true, effects: [{step: a.s, efficacy: 0.4}]}
  - {id: c2, kind: k, enabled: true, effects: [{step: a.s, efficacy: 0.5}]}
  - {id: c3, kind: k, effects: [{step: a.s, efficacy: 0.9}]}
actors: [{id: x, entry: [a.s]}]
goals: [{id: g, threat: t, targets: [a.s]}]
"#,
    );
    let r = run(&m, &SimConfig::new(N, 4)).expect("runs");
    check_prob(
        r.goals[0].p_reached.count,
        N,
        0.7 * 0.6 * 0.5,
        "p_success x controls",
    );
    // Switching c3 on as well multiplies by 0.1 more, on the same random numbers.
    let mut cfg = SimConfig::new(N, 4);
    cfg.configuration =
        Some(Configuration::current_with(&m, &["c3".to_string()], &[]).expect("known control"));
    let r3 = run(&m, &cfg).expect("runs");
    check_prob(r3.goals[0].p_reached.count, N, 0.021, "with c3");
    assert!(r3.goals[0].p_reached.count <= r.goals[0].p_reached.count);
}

#[test]
fn slowdowns_scale_the_time_to_compromise() {
    let m = model(
        r#"
horizon_hours: 1000000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, ttc_hours: {exponential: {rate: 0.5}}}
controls:
  - {id: c1, kind: k, enabled: true, effects: [{step: a.s, slowdown: 2}]}
  - {id: c2, kind: k, enabled: true, effects: [{step: a.s, slowdown: 1.5}]}
actors: [{id: x, entry: [a.s]}]
goals: [{id: g, threat: t, targets: [a.s]}]
"#,
    );
    let times = goal_times(&current(&m), 0, N, 5);
    check_cdf(
        &times,
        &[1.0, 3.0, 6.0, 12.0],
        |t| 1.0 - (-0.5 * t / 3.0).exp(),
        "slowed",
    );
    check_mean(&times, 6.0, 6.0, "slowed mean");
}

#[test]
fn gamma_times_match_their_cdf() {
    let m = model(
        r#"
horizon_hours: 1000000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, ttc_hours: {gamma: {shape: 2.5, scale: 4}}}
actors: [{id: x, entry: [a.s]}]
goals: [{id: g, threat: t, targets: [a.s]}]
"#,
    );
    let times = goal_times(&current(&m), 0, N, 6);
    let g = Gamma::new(2.5, 0.25).expect("valid gamma");
    check_cdf(&times, &[2.0, 6.0, 10.0, 20.0], |t| g.cdf(t), "gamma");
}

#[test]
fn detection_races_the_attack() {
    // The entry step completes at 0 and is detected with probability q after an exponential
    // delay (rate mu), stopping the campaign at once; the goal step takes an exponential time
    // (rate lambda). P(goal) = (1 - q) + q lambda / (lambda + mu).
    let m = model(
        r#"
horizon_hours: 1000000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {constant: 0}}
  - {asset: a, name: s2, from: [a.s1], ttc_hours: {exponential: {rate: 0.2}}}
monitors:
  - {id: m, kind: k, observes: [a.s1], p_detect: 0.6,
     delay_hours: {exponential: {rate: 0.3}}, response_hours: {constant: 0}}
actors: [{id: x, entry: [a.s1]}]
goals: [{id: g, threat: t, targets: [a.s2]}]
"#,
    );
    let r = run(&m, &SimConfig::new(N, 7)).expect("runs");
    check_prob(r.goals[0].p_reached.count, N, 0.4 + 0.6 * 0.2 / 0.5, "race");
    let a = &r.actors[0];
    check_prob(a.p_detected.count, N, 0.6, "detected campaigns");
    let ttd = a.ttd_hours.as_ref().expect("detections");
    let se = (1.0 / 0.3) / (a.p_detected.count as f64).sqrt();
    assert!(
        (ttd.mean - 1.0 / 0.3).abs() < Z * se,
        "mean time to detection {}",
        ttd.mean
    );
    // Stopped campaigns are those whose goal step had not completed at the alert.
    check_prob(a.p_stopped.count, N, 0.6 * 0.3 / 0.5, "stopped");
}

#[test]
fn poisson_campaigns() {
    // f = 3 per year over half a year: 1.5 campaigns on average.
    let m = model(
        r#"
horizon_hours: 4380
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, ttc_hours: {constant: 0}}
actors: [{id: x, entry: [a.s], frequency_per_year: 3}]
goals: [{id: g, threat: t, targets: [a.s]}]
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(&c, TrialOptions::default());
    let mut counts = Vec::new();
    let mut reached = 0;
    let mut first = Vec::new();
    for t in 0..N {
        let trial = simulate_trial(&c, 8, t, &mut sc);
        counts.push(trial.campaigns.len() as f64);
        if let Some(g) = trial.goals.first() {
            reached += 1;
            first.push(g.time_hours);
        }
    }
    check_prob(reached, N, 1.0 - (-1.5f64).exp(), "at least one campaign");
    check_mean(&counts, 1.5, 1.5f64.sqrt(), "campaigns per trial");
    // The first campaign start: P(T <= t) = 1 - exp(-1.5 t / H).
    let h = 4380.0;
    let ts = [500.0, 1500.0, 3000.0];
    for t in ts {
        let k = first.iter().filter(|x| **x <= t).count() as u64;
        check_prob(
            k,
            N,
            1.0 - (-1.5 * t / h).exp(),
            &format!("first start <= {t}"),
        );
    }
}

#[test]
fn independent_cascade_on_a_tree_with_delays() {
    // r fails at 1 for 100 h; c1 and c2 depend on r, g1 and g2 on c1.
    let m = model(
        r#"
horizon_hours: 1000
assets:
  - {id: r, type: host}
  - {id: c1, type: host}
  - {id: c2, type: host}
  - {id: g1, type: host}
  - {id: g2, type: host}
attack_steps:
  - {asset: r, name: fail, ttc_hours: {constant: 1}, causes_outage: true, outage_hours: {constant: 100}}
dependencies:
  - {id: d-c1, service: c1, on: [r], p_propagate: 0.6, delay_hours: {constant: 2}}
  - {id: d-c2, service: c2, on: [r], p_propagate: 0.3, delay_hours: {constant: 5}, recovery_hours: {constant: 10}}
  - {id: d-g1, service: g1, on: [c1], p_propagate: 0.5, delay_hours: {constant: 3}}
  - {id: d-g2, service: g2, on: [c1], p_propagate: 0.8}
actors: [{id: x, entry: [r.fail]}]
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(&c, TrialOptions::default());
    let idx = |a: &str| m.asset_id(a).expect("asset");
    let mut down = [0u64; 5];
    let mut both_g = 0u64;
    for t in 0..N {
        let trial = simulate_trial(&c, 9, t, &mut sc);
        let mut seen = [false; 5];
        for o in &trial.outages {
            let i = o.asset.idx();
            seen[i] = true;
            let (start, end) = match m.assets[i].id.as_str() {
                "r" => (1.0, 101.0),
                "c1" => (3.0, 101.0),
                "c2" => (6.0, 111.0),
                "g1" => (6.0, 101.0),
                "g2" => (3.0, 101.0),
                _ => unreachable!(),
            };
            assert_eq!(
                (o.start_hours, o.end_hours),
                (start, end),
                "{}",
                m.assets[i].id
            );
            if i != idx("r").idx() {
                assert!(matches!(o.cause, OutageCause::Dependency(_)));
            }
        }
        for i in 0..5 {
            down[i] += u64::from(seen[i]);
        }
        both_g += u64::from(seen[idx("g1").idx()] && seen[idx("g2").idx()]);
    }
    assert_eq!(down[idx("r").idx()], N);
    check_prob(down[idx("c1").idx()], N, 0.6, "c1");
    check_prob(down[idx("c2").idx()], N, 0.3, "c2");
    check_prob(down[idx("g1").idx()], N, 0.6 * 0.5, "g1");
    check_prob(down[idx("g2").idx()], N, 0.6 * 0.8, "g2");
    check_prob(both_g, N, 0.6 * 0.5 * 0.8, "g1 and g2");
}

#[test]
fn dependencies_met_again_before_the_delay_do_not_propagate_and_any_needs_all_down() {
    let m = model(
        r#"
horizon_hours: 1000
assets:
  - {id: h1, type: host}
  - {id: h2, type: host}
  - {id: svc, type: host}
  - {id: slow, type: host}
attack_steps:
  - {asset: h1, name: fail, ttc_hours: {constant: 1}, causes_outage: true, outage_hours: {constant: 10}}
  - {asset: h2, name: fail, ttc_hours: {constant: 5}, causes_outage: true, outage_hours: {constant: 10}}
dependencies:
  - {id: d-any, service: svc, requires: any, on: [h1, h2], recovery_hours: {constant: 2}}
  - {id: d-slow, service: slow, on: [h1], delay_hours: {constant: 20}}
actors: [{id: x, entry: [h1.fail, h2.fail]}]
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(&c, TrialOptions::default());
    let t = simulate_trial(&c, 1, 0, &mut sc);
    let of = |a: &str| {
        t.outages
            .iter()
            .filter(|o| m.assets[o.asset.idx()].id == a)
            .map(|o| (o.start_hours, o.end_hours))
            .collect::<Vec<_>>()
    };
    // Both hosts down during [5, 11]: svc down from 5 until 11 + 2.
    assert_eq!(of("svc"), [(5.0, 13.0)]);
    // h1 is back at 11, before the 20 h delay ends: no propagation.
    assert_eq!(of("slow"), []);
}

#[test]
fn removed_relations_cut_the_edges_they_induce() {
    let m = model(
        r#"
horizon_hours: 10000
assets:
  - {id: h, type: host}
  - {id: w, type: web-application}
flows:
  - {id: f1, from: h, to: w, authentication: none, encryption: none}
controls:
  - {id: cut, kind: k, changes: [{remove: f1}]}
actors: [{id: x, entry: [h.compromise]}]
goals: [{id: g, threat: t, targets: [w.abuse-interface]}]
"#,
    );
    let open = run(&m, &SimConfig::new(2000, 1)).expect("runs");
    assert!(open.goals[0].p_reached.p > 0.3);
    let mut cfg = SimConfig::new(2000, 1);
    cfg.configuration =
        Some(Configuration::current_with(&m, &["cut".to_string()], &[]).expect("known"));
    let cut = run(&m, &cfg).expect("runs");
    assert_eq!(cut.goals[0].p_reached.count, 0);
}

#[test]
fn control_would_stop_predicts_the_simulation_with_the_control_on() {
    let m = model(
        r#"
horizon_hours: 1000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, p_success: 0.8, ttc_hours: {constant: 1}}
controls:
  - {id: c, kind: k, effects: [{step: a.s, efficacy: 0.5}]}
actors: [{id: x, entry: [a.s], frequency_per_year: 20}]
"#,
    );
    let off = current(&m);
    let on_cfg = Configuration::current_with(&m, &["c".to_string()], &[]).expect("known");
    let on = compile(&m, &on_cfg).expect("compiles");
    let mut s_off = TrialScratch::new(&off, TrialOptions::default());
    let mut s_on = TrialScratch::new(&on, TrialOptions::default());
    let (mut stopped, mut campaigns) = (0u64, 0u64);
    for t in 0..500 {
        let a = simulate_trial(&off, 7, t, &mut s_off).campaigns.clone();
        let b = simulate_trial(&on, 7, t, &mut s_on).campaigns.clone();
        assert_eq!(a.len(), b.len());
        for (ca, cb) in a.iter().zip(&b) {
            let would = ensure_simulator::control_would_stop(
                &m,
                7,
                t,
                ca.actor,
                ca.index,
                ensure_model::ControlId(0),
                step(&m, "a.s"),
            );
            assert_eq!(
                cb.n_completed > 0,
                ca.n_completed > 0 && !would,
                "trial {t}"
            );
            stopped += u64::from(would);
            campaigns += 1;
        }
    }
    check_prob(stopped, campaigns, 0.5, "control stops");
}

#[test]
fn candidates_of_one_group_are_exclusive() {
    let m = pilot("ecommerce-platform");
    let both = ["staff-mfa".to_string(), "staff-mfa-fido2".to_string()];
    let err = Configuration::current_with(&m, &both, &[]).expect_err("one group");
    assert!(err.to_string().contains("staff-mfa"), "{err}");
    assert!(Configuration::current_with(&m, &both[..1], &[]).is_ok());
    assert!(Configuration::current_with(&m, &["nope".to_string()], &[]).is_err());
}

#[test]
fn capabilities_limit_what_an_actor_does() {
    let m = model(
        r#"
horizon_hours: 100
assets:
  - {id: a, type: host}
  - {id: p, type: employee}
attack_steps:
  - {asset: a, name: s, ttc_hours: {constant: 1}}
  - {asset: p, name: t, from: [a.s], ttc_hours: {constant: 1}}
  - {asset: a, name: u, from: [p.t], ttc_hours: {constant: 1}}
actors: [{id: x, entry: [a.s], capabilities: [cyber]}]
goals: [{id: g, threat: t, targets: [a.u]}]
"#,
    );
    let r = run(&m, &SimConfig::new(100, 1)).expect("runs");
    assert_eq!(r.goals[0].p_reached.count, 0);
}

#[test]
fn loss_mean_and_var_against_the_lognormal() {
    let m = model(
        r#"
horizon_hours: 100
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, ttc_hours: {constant: 0}}
impacts:
  - {id: i, kind: fraud, on_step: a.s, loss_eur: {lognormal: {median: 1000, sigma: 0.5}}}
actors: [{id: x, entry: [a.s]}]
"#,
    );
    let r = run(&m, &SimConfig::new(N, 10)).expect("runs");
    let mean = 1000.0 * (0.125f64).exp();
    let sd = mean * ((0.25f64).exp() - 1.0).sqrt();
    let se = sd / (N as f64).sqrt();
    assert!(
        (r.loss_eur.mean - mean).abs() < Z * se,
        "mean loss {}",
        r.loss_eur.mean
    );
    // VaR95 is the 95 % quantile, exp(mu + 1.645 sigma), within the 1 % histogram bins and
    // the sampling error of a quantile.
    let var95 = 1000.0 * (0.5 * 1.644_853_626_951_472_2f64).exp();
    assert!(
        (r.loss_eur.var95 / var95 - 1.0).abs() < 0.03,
        "VaR95 {}",
        r.loss_eur.var95
    );
    assert!(r.loss_eur.var95_ci95[0] <= var95 && var95 <= r.loss_eur.var95_ci95[1]);
}

#[test]
fn outage_costs_per_hour_and_per_episode() {
    let m = model(
        r#"
horizon_hours: 1000
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s, ttc_hours: {constant: 10}, causes_outage: true, outage_hours: {constant: 5}}
impacts:
  - {id: i, kind: downtime, on_outage: a, cost_eur_per_hour: 100, loss_eur: {constant: 7}}
actors: [{id: x, entry: [a.s]}]
"#,
    );
    let r = run(&m, &SimConfig::new(10, 1)).expect("runs");
    assert!(
        (r.loss_eur.mean - 507.0).abs() < 1e-9,
        "{}",
        r.loss_eur.mean
    );
    assert_eq!(r.assets[0].mean_downtime_hours, 5.0);
}

fn to_json(r: &SimResult) -> String {
    serde_json::to_string_pretty(r).expect("serialises")
}

#[test]
fn one_and_two_threads_and_four_merged_shards_give_identical_results() {
    let m = pilot("ecommerce-platform");
    let trials = 3 * 1024 + 100;
    let mut cfg = SimConfig::new(trials, 42);
    cfg.threads = 1;
    let one = to_json(&run(&m, &cfg).expect("runs"));
    cfg.threads = 2;
    let two = to_json(&run(&m, &cfg).expect("runs"));
    assert_eq!(one, two);
    let parts: Vec<_> = (0..4)
        .map(|i| {
            let mut c = SimConfig::new(trials, 42);
            c.threads = 2;
            c.shard = Some(Shard { index: i, count: 4 });
            let p = run_partial(&m, &c, &|_| {}).expect("shard runs");
            // Through the file form, as `ensure merge` reads it.
            let text = serde_json::to_string(&PartialDoc::of(&p)).expect("serialises");
            serde_json::from_str::<PartialDoc>(&text)
                .expect("parses")
                .into_partial()
                .expect("valid")
        })
        .collect();
    let merged = merge(&[
        parts[2].clone(),
        parts[0].clone(),
        parts[3].clone(),
        parts[1].clone(),
    ])
    .expect("fits");
    assert_eq!(to_json(&finalize(&merged).expect("complete")), one);
    let missing = merge(&parts[..3]).expect("fits");
    let err = finalize(&missing).expect_err("incomplete").to_string();
    assert!(err.contains("missing"), "{err}");
    assert!(merge(&[parts[0].clone(), parts[0].clone()]).is_err());
}

#[test]
fn precision_runs_stop_at_the_same_trial_whatever_the_threads() {
    let m = pilot("bank-payments");
    let goal = m.goals[0].id.clone();
    let mut cfg = SimConfig::new(1_000_000, 3);
    cfg.precision = Some(Precision {
        figure: Figure::GoalProbability(goal),
        half_width: 0.01,
    });
    cfg.threads = 1;
    let a = run(&m, &cfg).expect("runs");
    cfg.threads = 2;
    let b = run(&m, &cfg).expect("runs");
    assert_eq!(to_json(&a), to_json(&b));
    let half = (a.goals[0].p_reached.ci95[1] - a.goals[0].p_reached.ci95[0]) / 2.0;
    assert!(
        half < 0.01 && a.trials < 1_000_000 && a.trials % 1024 == 0,
        "{half} {}",
        a.trials
    );
}

#[test]
fn a_variant_identical_to_its_baseline_differs_by_nothing() {
    let m = pilot("pharmacy-supply-chain");
    let c = ensure_simulator::compare::compare(&m, &m, 2048, 5, 2, &|_| {}).expect("runs");
    for g in &c.goals {
        assert_eq!((g.n_baseline_only, g.n_variant_only), (0, 0), "{}", g.id);
    }
    assert_eq!(c.mean_loss_eur.difference, 0.0);
    assert_eq!(to_json(&c.baseline), to_json(&c.variant));
}

#[test]
fn pilots_simulate_with_sane_figures() {
    for name in [
        "ecommerce-platform",
        "pharmacy-supply-chain",
        "bank-payments",
    ] {
        let m = pilot(name);
        let r = run(&m, &SimConfig::new(2048, 1)).expect("runs");
        for g in &r.goals {
            let p = &g.p_reached;
            assert!((0.0..=1.0).contains(&p.p) && p.ci95[0] <= p.p && p.p <= p.ci95[1]);
        }
        assert!(r.loss_eur.mean.is_finite() && r.loss_eur.mean >= 0.0);
        assert!(r.loss_eur.median <= r.loss_eur.var95 && r.loss_eur.var95 <= r.loss_eur.var99);
    }
}

// ------------------------------------------------------------------ random models

/// A random small model: OR steps may have any parents (cycles included), AND steps only
/// earlier ones (AND cycles are invalid models).
#[derive(Debug, Clone)]
struct RandomModel {
    parents: Vec<Vec<usize>>,
    all: Vec<bool>,
    rates: Vec<f64>,
    p: Vec<f64>,
    /// (step, efficacy, slowdown) of one candidate control each.
    effects: Vec<(usize, f64, f64)>,
    freq: Option<f64>,
    goal: usize,
    /// (step, p_detect) of a monitor.
    monitor: Option<(usize, f64)>,
}

impl RandomModel {
    fn yaml(&self) -> String {
        let n = self.parents.len();
        let mut y =
            String::from("horizon_hours: 200\nassets: [{id: a, type: host}]\nattack_steps:\n");
        for i in 0..n {
            let from: Vec<String> = self.parents[i]
                .iter()
                .filter(|q| **q != i && (!self.all[i] || **q < i))
                .map(|q| format!("a.s{q}"))
                .collect();
            y += &format!(
                "  - {{asset: a, name: s{i}, requires: {}, from: [{}], p_success: {}, ttc_hours: {{exponential: {{rate: {}}}}}}}\n",
                if self.all[i] && !from.is_empty() { "all" } else { "any" },
                from.join(", "),
                self.p[i],
                self.rates[i]
            );
        }
        y += "controls:\n";
        for (k, (s, e, sl)) in self.effects.iter().enumerate() {
            y += &format!(
                "  - {{id: c{k}, kind: k, effects: [{{step: a.s{}, efficacy: {e}, slowdown: {sl}}}]}}\n",
                s % n
            );
        }
        if let Some((s, pd)) = self.monitor {
            y += &format!(
                "monitors: [{{id: m, kind: k, observes: [a.s{}], p_detect: {pd}, delay_hours: {{exponential: {{mean: 5}}}}}}]\n",
                s % n
            );
        }
        y += &format!(
            "actors: [{{id: x, entry: [a.s0]{}}}]\n",
            self.freq
                .map(|f| format!(", frequency_per_year: {f}"))
                .unwrap_or_default()
        );
        y += &format!(
            "goals: [{{id: g, threat: t, targets: [a.s{}]}}]\n",
            self.goal % n
        );
        y
    }
}

fn arb_model(with_monitor: bool) -> impl Strategy<Value = String> {
    (2usize..8).prop_flat_map(move |n| {
        (
            prop::collection::vec(prop::collection::vec(0..n, 0..3), n),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(0.01f64..2.0, n),
            prop::collection::vec(prop::sample::select(vec![1.0, 0.9, 0.5]), n),
            prop::collection::vec((0usize..8, 0.0f64..0.9, 1.0f64..4.0), 1..3),
            prop::option::of(50.0f64..2000.0),
            0usize..8,
            0usize..8,
        )
            .prop_map(move |(parents, all, rates, p, effects, freq, goal, ms)| {
                RandomModel {
                    parents,
                    all,
                    rates,
                    p,
                    effects,
                    freq,
                    goal,
                    monitor: with_monitor.then_some((ms, 0.7)),
                }
                .yaml()
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn results_do_not_depend_on_threads_and_probabilities_are_probabilities(y in arb_model(true)) {
        let m = model(&y);
        let mut cfg = SimConfig::new(1500, 11);
        cfg.threads = 1;
        let a = run(&m, &cfg).expect("runs");
        cfg.threads = 2;
        let b = run(&m, &cfg).expect("runs");
        prop_assert_eq!(to_json(&a), to_json(&b));
        for g in &a.goals {
            let p = &g.p_reached;
            prop_assert!((0.0..=1.0).contains(&p.p) && p.ci95[0] <= p.p && p.p <= p.ci95[1]);
            prop_assert!(g.p_detected.p <= 1.0 && g.p_detected_before_goal.p <= g.p_detected.p);
        }
    }

    /// Without monitors, a control that only stops or slows steps never brings a goal
    /// earlier in any trial (common random numbers make this hold trial by trial). With
    /// monitors it can: slowing an observed step delays the alert that would have stopped a
    /// parallel branch.
    #[test]
    fn controls_never_help_the_attacker_without_monitors(y in arb_model(false)) {
        let m = model(&y);
        let off = compile(&m, &Configuration::current(&m)).expect("compiles");
        let on_cfg = Configuration::from_fn(&m, |_| true);
        let on = compile(&m, &on_cfg).expect("compiles");
        let mut s_off = TrialScratch::new(&off, TrialOptions::default());
        let mut s_on = TrialScratch::new(&on, TrialOptions::default());
        for t in 0..300 {
            let a = simulate_trial(&off, 3, t, &mut s_off).goals.first().map(|g| g.time_hours);
            let b = simulate_trial(&on, 3, t, &mut s_on).goals.first().map(|g| g.time_hours);
            match (a, b) {
                (None, Some(_)) => prop_assert!(false, "trial {}: goal reached only with controls", t),
                (Some(x), Some(y)) => prop_assert!(y >= x, "trial {}: {} with controls < {}", t, y, x),
                _ => {}
            }
        }
    }
}

/// Actors are goal-directed: they spend no effort on steps that lead to none of their goals.
/// An actor that no goal names tries everything it can reach.
#[test]
fn actors_only_take_steps_towards_their_goals() {
    let yaml = |goal_actor: &str| {
        format!(
            r#"
assets: [{{id: a, type: host}}]
attack_steps:
  - {{asset: a, name: s1, ttc_hours: {{constant: 1}}}}
  - {{asset: a, name: toward, from: [a.s1], ttc_hours: {{constant: 1}}}}
  - {{asset: a, name: aside, from: [a.s1], ttc_hours: {{constant: 1}}}}
actors: [{{id: x, entry: [a.s1]}}, {{id: y, entry: [a.s1]}}]
goals: [{{id: g, threat: t, targets: [a.toward], actors: [{goal_actor}]}}]
"#
        )
    };
    let m = model(&yaml("x"));
    let c = current(&m);
    let mut sc = TrialScratch::new(
        &c,
        TrialOptions {
            completions: true,
            paths: false,
        },
    );
    let trial = simulate_trial(&c, 7, 0, &mut sc);
    let done = |actor: u32| -> Vec<String> {
        trial
            .campaigns
            .iter()
            .filter(|k| k.actor.0 == actor)
            .flat_map(|k| trial.completions[k.completions.clone()].iter())
            .map(|x| m.step_label(x.step))
            .collect()
    };
    // x pursues the goal: it never takes the side step. y pursues none: it takes everything.
    assert_eq!(done(0), ["a.s1", "a.toward"]);
    assert_eq!(done(1), ["a.s1", "a.toward", "a.aside"]);
}

/// Monitors see failed attempts too: a step that a control blocks outright (or that fails on
/// its own odds) is still tried, and a monitor watching it still raises its alerts.
#[test]
fn monitors_see_failed_attempts() {
    let m = model(
        r#"
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {constant: 1}}
  - {asset: a, name: blocked, from: [a.s1], ttc_hours: {constant: 2}}
  - {asset: a, name: coin, from: [a.s1], ttc_hours: {constant: 3}, p_success: 0.5}
actors: [{id: x, entry: [a.s1]}]
controls:
  - {id: block, kind: k, enabled: true, effects: [{step: a.blocked, efficacy: 1}]}
monitors:
  - {id: m1, kind: k, observes: [a.blocked], p_detect: 1, delay_hours: {constant: 0}, response_hours: {constant: 1000}}
  - {id: m2, kind: k, observes: [a.coin], p_detect: 1, delay_hours: {constant: 0}, response_hours: {constant: 1000}}
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(&c, TrialOptions::default());
    let (mut coin_failed, mut coin_seen) = (0u64, 0u64);
    for t in 0..N {
        let trial = simulate_trial(&c, 3, t, &mut sc);
        let blocked: Vec<_> = trial.alerts.iter().filter(|a| a.monitor.0 == 0).collect();
        assert_eq!(
            blocked.len(),
            1,
            "trial {t}: the blocked attempt is always seen"
        );
        assert!(blocked[0].failed_attempt);
        assert_eq!(blocked[0].time_hours, 3.0);
        let coin: Vec<_> = trial.alerts.iter().filter(|a| a.monitor.0 == 1).collect();
        assert_eq!(
            coin.len(),
            1,
            "trial {t}: the coin step is seen, won or lost"
        );
        coin_seen += 1;
        coin_failed += u64::from(coin[0].failed_attempt);
    }
    check_prob(
        coin_failed,
        coin_seen,
        0.5,
        "failed share of the watched coin step",
    );
}

/// The same records cannot be exposed twice: a records-exposed impact counts at most once per
/// trial, whatever the number of campaigns, while a fraud impact counts in every campaign.
#[test]
fn records_are_exposed_once_per_trial_and_fraud_recurs() {
    let m = model(
        r#"
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {constant: 1}, p_success: 0.4}
actors: [{id: x, entry: [a.s1], frequency_per_year: 3}]
impacts:
  - {id: breach, kind: records-exposed, on_step: a.s1, records: 10, loss_eur: {constant: 100}}
  - {id: fraud, kind: fraud, on_step: a.s1, loss_eur: {constant: 1}}
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(&c, TrialOptions::default());
    let (mut breached, mut frauds) = (0u64, Vec::new());
    for t in 0..N {
        let trial = simulate_trial(&c, 5, t, &mut sc);
        let b: Vec<_> = trial.impacts.iter().filter(|i| i.impact.0 == 0).collect();
        assert!(b.len() <= 1, "trial {t}: {} exposures", b.len());
        if let Some(first) = b.first() {
            let earliest = trial
                .impacts
                .iter()
                .filter(|i| i.impact.0 == 1)
                .map(|i| i.time_hours)
                .fold(f64::INFINITY, f64::min);
            assert_eq!(first.time_hours, earliest, "the earliest exposure is kept");
        }
        breached += b.len() as u64;
        frauds.push(trial.impacts.iter().filter(|i| i.impact.0 == 1).count() as f64);
    }
    // Successful campaigns are Poisson with mean 3 * 0.4 (thinning, within the horizon as
    // every step takes 1 h: a campaign starting in the last hour fails; 1/8760 is negligible
    // next to the tolerance but included).
    let lambda: f64 = 3.0 * 0.4 * (8759.0 / 8760.0);
    check_prob(breached, N, 1.0 - (-lambda).exp(), "P(records exposed)");
    check_mean(&frauds, lambda, lambda.sqrt(), "frauds per trial");
}

/// A model that exercises every feature at once (goal-directed and undirected actors,
/// Poisson campaigns, every distribution, any and all steps, efficacies, slowdowns and a
/// blocking control, monitors watching completions and failed attempts, records exposed
/// once, outage impacts, cascades through any and all dependencies with delays and recovery).
const PINNED: &str = r#"
horizon_hours: 8760
assets:
  - {id: web, type: host}
  - {id: db, type: host}
  - {id: app, type: host}
  - {id: pay, type: host}
  - {id: shop, type: host}
attack_steps:
  - {asset: web, name: probe, ttc_hours: {exponential: {rate: 0.1}}}
  - {asset: web, name: exploit, from: [web.probe], ttc_hours: {gamma: {shape: 0.6, scale: 30}}, p_success: 0.7}
  - {asset: web, name: phish, ttc_hours: {lognormal: {median: 48, sigma: 1.1}}, p_success: 0.4}
  - {asset: app, name: pivot, from: [web.exploit, web.phish], ttc_hours: {triangular: {min: 2, mode: 10, max: 50}}}
  - {asset: app, name: escalate, from: [app.pivot], ttc_hours: {pert: {min: 1, mode: 5, max: 40}}, causes_outage: true, outage_hours: {gamma: {shape: 2.5, scale: 10}}}
  - {asset: db, name: dump, requires: all, from: [app.pivot, app.escalate], ttc_hours: {uniform: {min: 1, max: 9}}}
  - {asset: db, name: wipe, from: [db.dump], ttc_hours: {constant: 0}, causes_outage: true, outage_hours: {exponential: {mean: 72}}}
  - {asset: pay, name: skim, from: [web.exploit], ttc_hours: {exponential: {rate: 0.02}}, p_success: 0.9}
  - {asset: pay, name: crash, from: [pay.skim], ttc_hours: {constant: 3}, causes_outage: true, outage_hours: {constant: 30}}
controls:
  - {id: waf, kind: k, enabled: true, effects: [{step: web.exploit, efficacy: 0.3, slowdown: 2}]}
  - {id: mfa, kind: k, enabled: true, effects: [{step: web.phish, efficacy: 0.5}, {step: app.pivot, slowdown: 1.5}]}
  - {id: lock, kind: k, enabled: true, effects: [{step: pay.crash, efficacy: 1}]}
  - {id: spare, kind: k, enabled: false, effects: [{step: db.dump, efficacy: 0.9}]}
monitors:
  - {id: ids, kind: k, observes: [web.exploit, app.escalate], p_detect: 0.5, delay_hours: {exponential: {rate: 0.05}}, response_hours: {uniform: {min: 1, max: 20}}}
  - {id: siem, kind: k, observes: [pay.crash, db.dump], p_detect: 0.8, delay_hours: {constant: 1}, response_hours: {constant: 2}}
dependencies:
  - {id: d-shop, service: shop, requires: all, on: [app, db], p_propagate: 0.7, delay_hours: {exponential: {rate: 0.5}}, recovery_hours: {constant: 4}}
  - {id: d-pay, service: pay, requires: all, on: [db, shop], p_propagate: 0.5, delay_hours: {constant: 1}}
  - {service: web, on: [shop], p_propagate: 0.3}
impacts:
  - {id: breach, kind: records-exposed, on_step: db.dump, records: 5000, loss_eur: {pert: {min: 10000, mode: 50000, max: 500000}}}
  - {id: fraud, kind: fraud, on_step: pay.skim, loss_eur: {lognormal: {median: 2000, sigma: 0.8}}}
  - {id: down, kind: downtime, on_outage: shop, cost_eur_per_hour: 250, loss_eur: {triangular: {min: 100, mode: 500, max: 3000}}}
  - {id: down-db, kind: downtime, on_outage: db, cost_eur_per_hour: 40}
actors:
  - {id: crew, entry: [web.probe, web.phish], frequency_per_year: 4}
  - {id: vandal, entry: [web.probe]}
goals:
  - {id: g-data, threat: t, actors: [crew], targets: [db.dump]}
  - {id: g-money, threat: t, actors: [crew], targets: [pay.skim]}
  - {id: g-any, threat: t, targets: [db.wipe, shop.compromise]}
"#;

/// The results of [`PINNED`] are pinned: a change to any number the simulation draws or
/// computes changes these hashes (`key_of` of the JSON that `ensure simulate --format json`
/// writes). Optimisations must keep them; a deliberate change of the semantics or of the
/// random numbers updates them, and says so.
#[test]
fn results_are_pinned() {
    let m = model(PINNED);
    for (seed, paths, expected, with_cdf) in [
        (11, true, 0x3c95_5d48_d037_4341u64, 0xba06_2dc9_1837_4a50u64),
        (12, true, 0xdb55_a493_90cc_d807, 0x3e97_c28d_3ebd_5bea),
        (11, false, 0x7444_863e_d725_dfde, 0x9167_69ac_c0ff_eeaf),
        (12, false, 0x7d1a_2cd0_a1dc_9ee5, 0x8f66_0e03_7249_6686),
    ] {
        let mut config = SimConfig::new(3000, seed);
        config.paths = paths;
        let mut r = run(&m, &config).expect("runs");
        let full = ensure_simulator::rng::key_of(&(to_json(&r) + "\n"));
        // The figures pinned before the goals' distribution functions and the services'
        // timelines were added: those must not have moved.
        for g in &mut r.goals {
            g.ttc_cdf.clear();
        }
        for s in &mut r.cascade.services {
            s.timeline.clear();
        }
        r.cascade.timeline_slice_hours = None;
        let json = to_json(&r) + "\n";
        assert_eq!(
            ensure_simulator::rng::key_of(&json),
            expected,
            "seed {seed}, paths {paths}: the results changed"
        );
        assert_eq!(
            full, with_cdf,
            "seed {seed}, paths {paths}: the distribution functions or timelines changed"
        );
    }
}

/// The goal's distribution function, read off the time histogram, is exact at its points:
/// on a hypoexponential chain cut by the horizon, every point's estimate lies within
/// Bonferroni-corrected bounds of the closed form, its Wilson interval holds the estimate,
/// the curve never falls and ends at `p_reached`, and it has at most `CDF_POINTS` points.
#[test]
fn ttc_distribution_function_matches_the_closed_form() {
    let m = model(
        r#"
horizon_hours: 6
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {exponential: {rate: 0.5}}}
  - {asset: a, name: s2, from: [a.s1], ttc_hours: {exponential: {rate: 0.25}}}
actors: [{id: x, entry: [a.s1]}]
goals: [{id: g, threat: t, targets: [a.s2]}]
"#,
    );
    let r = run(&m, &SimConfig::new(N, 3)).expect("runs");
    let g = &r.goals[0];
    let cdf = |t: f64| 1.0 - 2.0 * (-0.25 * t).exp() + (-0.5 * t).exp();
    assert!(g.ttc_cdf.len() > 10 && g.ttc_cdf.len() <= ensure_simulator::result::CDF_POINTS);
    // 60 points: a two-sided 0.1 % test at each keeps the family-wise error below 6 %.
    for pt in &g.ttc_cdf {
        assert!(pt.hours <= 6.0 * 1.01, "a point past the horizon: {pt:?}");
        let exact = cdf(pt.hours);
        let se = (exact * (1.0 - exact) / N as f64).sqrt().max(1e-9);
        assert!(
            (pt.p - exact).abs() <= Z * se + 1e-12,
            "at {} h: {} against {exact}",
            pt.hours,
            pt.p
        );
        assert!(pt.ci95[0] <= pt.p && pt.p <= pt.ci95[1]);
    }
    assert!(g
        .ttc_cdf
        .windows(2)
        .all(|w| w[0].hours < w[1].hours && w[0].p <= w[1].p));
    assert_eq!(g.ttc_cdf.last().expect("points").p, g.p_reached.p);
}

/// Effortless steps (constant time 0, certain success) are states, not actions: they follow
/// whatever the actor's goals, so the impacts they carry still count.
#[test]
fn effortless_consequences_follow_whatever_the_goal() {
    let m = model(
        r#"
assets: [{id: a, type: host}]
attack_steps:
  - {asset: a, name: s1, ttc_hours: {constant: 1}}
  - {asset: a, name: toward, from: [a.s1], ttc_hours: {constant: 1}}
  - {asset: a, name: incident, from: [a.s1], ttc_hours: {constant: 0}}
  - {asset: a, name: aside, from: [a.s1], ttc_hours: {constant: 0}, p_success: 0.999}
actors: [{id: x, entry: [a.s1]}]
goals: [{id: g, threat: t, targets: [a.toward], actors: [x]}]
impacts: [{id: cost, kind: other, on_step: a.incident, loss_eur: {constant: 5}}]
"#,
    );
    let c = current(&m);
    let mut sc = TrialScratch::new(
        &c,
        TrialOptions {
            completions: true,
            paths: false,
        },
    );
    let trial = simulate_trial(&c, 7, 0, &mut sc);
    let mut done: Vec<String> = trial
        .completions
        .iter()
        .map(|x| m.step_label(x.step))
        .collect();
    done.sort();
    // `aside` may fail, so it is an action the goal-directed actor skips.
    assert_eq!(done, ["a.incident", "a.s1", "a.toward"]);
    assert_eq!(trial.loss_eur, 5.0);
}

/// The services' timelines against the closed form: a step with an exponential time to
/// compromise (rate r) takes the service down for a constant D hours, so it is down at
/// time t with probability F(t) - F(t - D), F(t) = 1 - exp(-r t); each slice's figure is
/// that probability averaged over the slice.
#[test]
fn service_timeline_matches_the_closed_form() {
    let m = model(
        r#"
horizon_hours: 520
assets: [{id: shop, type: host}]
attack_steps:
  - {asset: shop, name: crash, ttc_hours: {exponential: {rate: 0.01}}, causes_outage: true, outage_hours: {constant: 60}}
actors: [{id: x, entry: [shop.crash]}]
impacts: [{id: down, kind: downtime, on_outage: shop, cost_eur_per_hour: 1}]
"#,
    );
    let r = run(&m, &SimConfig::new(N, 5)).expect("runs");
    let slice = r.cascade.timeline_slice_hours.expect("a timeline");
    assert_eq!(slice, 10.0);
    let s = &r.cascade.services[0];
    assert_eq!(s.timeline.len(), 52);
    let f = |t: f64| {
        if t <= 0.0 {
            0.0
        } else {
            1.0 - (-0.01 * t).exp()
        }
    };
    for (b, got) in s.timeline.iter().enumerate() {
        // The slice average of F(t) - F(t - 60), by the midpoint rule on 1,000 points.
        let exact = (0..1000)
            .map(|i| {
                let t = (b as f64 + (i as f64 + 0.5) / 1000.0) * slice;
                f(t) - f(t - 60.0)
            })
            .sum::<f64>()
            / 1000.0;
        // The share down within a slice varies less than a yes/no at one instant, so the
        // binomial standard error bounds it.
        let se = (exact * (1.0 - exact) / N as f64).sqrt().max(1e-9);
        assert!(
            (got - exact).abs() <= Z * se + 1e-9,
            "slice {b}: {got} against {exact}"
        );
    }
    // Hours down summed over the timeline are the mean downtime per trial.
    let total: f64 = s.timeline.iter().map(|x| x * slice).sum();
    let mean = s.downtime_hours.mean * s.downtime_hours.n as f64 / N as f64;
    assert!(
        (total - mean).abs() < 1e-6 * mean.max(1.0),
        "{total} {mean}"
    );
}
