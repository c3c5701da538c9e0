//! Planning time against the number of candidate controls and of sampled scenarios.
//!
//! ```sh
//! cargo run --release -p ensure-planner --example bench_plan -- [ASSETS] [--quick]
//! ```
//!
//! The model is `ensure_model::synthetic::generate(ASSETS, 1)` (default 1,000 assets) with
//! K candidate controls added here: each acts on one to three attack steps that the
//! baseline's campaigns actually complete (a candidate aimed at nothing would only pad the
//! program), with efficacies 0.3 to 0.9, some slowdowns, costs from 5,000 to 100,000 EUR
//! and a tenth of them in groups of mutually exclusive options. For K = 10, 100, 1,000 and
//! N = 1,000, 10,000, 100,000 trials it times, on every core:
//!
//! * **scenarios**: `Scenarios::sample` (the simulation with completions recorded, and the
//!   tracing of every loss to its attack paths and cutting candidates), against the plain
//!   simulation of the same trials (`outcomes`) in the same run: the tracing's overhead;
//! * **MILP**: one `Scenarios::optimise` (expected loss, budget a third of the candidates'
//!   total cost) with CBC: building and solving the program, its size, and its status;
//! * for K = 10, the same optimum by enumerating all 1,024 subsets with `Scenarios::estimate`
//!   (the brute force the optimiser replaces) and by microlp, with their times;
//! * the whole `plan` (with re-simulation rounds, the local search and the out-of-sample
//!   check) for N = 10,000.
//!
//! `--quick` runs only N = 1,000 and K up to 100; `--only K,N` one cell; `--plans` only the
//! whole plans.

use std::time::Instant;

use ensure_model::format::{ControlDoc, EffectDoc, ModelDoc};
use ensure_model::{Located, Model, StepId};
use ensure_planner::{
    outcomes, plan, BudgetBasis, Candidates, Objective, PlanConfig, Scenarios, Solver,
};
use ensure_simulator::trial::TrialOptions;
use ensure_simulator::{compile, simulate_trial, Configuration, TrialScratch};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn build(doc: &ModelDoc) -> Model {
    let (m, diags) = ensure_model::build(doc, ensure_model::catalog::types());
    m.unwrap_or_else(|| panic!("the generated model does not build: {diags:#?}"))
}

/// The synthetic model with `k` candidate controls on steps its baseline completes.
fn with_candidates(doc: &ModelDoc, base: &Model, k: usize) -> Model {
    // The steps the baseline's campaigns complete, in step order.
    let c = compile(base, &Configuration::current(base)).expect("compiles");
    let mut sc = TrialScratch::new(
        &c,
        TrialOptions {
            completions: true,
            paths: false,
        },
    );
    let mut seen = vec![false; base.steps.len()];
    for t in 0..200 {
        for k in &simulate_trial(&c, 99, t, &mut sc).completions {
            seen[k.step.idx()] = true;
        }
    }
    let targets: Vec<String> = (0..base.steps.len())
        .filter(|i| seen[*i])
        .map(|i| base.step_label(StepId(i as u32)))
        .collect();
    let mut r = Mix(k as u64);
    let mut doc = doc.clone();
    // Exactly the bench's candidates: the generator's own stay out.
    doc.controls.retain(|c| c.enabled);
    for i in 0..k {
        let effects = (0..1 + r.below(3))
            .map(|_| EffectDoc {
                step: Located::new(targets[r.below(targets.len())].clone()),
                efficacy: Some(0.3 + 0.6 * r.unit()),
                slowdown: (r.below(5) == 0).then_some(2.0),
            })
            .collect();
        doc.controls.push(ControlDoc {
            id: Located::new(format!("bench-{i}")),
            name: None,
            kind: "bench".into(),
            protects: Vec::new(),
            effects,
            changes: Vec::new(),
            cost_eur: Some((5_000 + 5_000 * r.below(20)) as f64),
            upkeep_eur_per_year: Some((1_000 * r.below(10)) as f64),
            enabled: false,
            group: (r.below(10) == 0).then(|| format!("options-{}", r.below(k / 10 + 1))),
        });
    }
    build(&doc)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let plans_only = args.iter().any(|a| a == "--plans");
    let assets: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let doc = ensure_model::synthetic::generate(assets, 1);
    let base = build(&doc);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "model: synthetic {assets} assets, {} attack steps, {} controls in place (the generator's {} candidates are left out); {threads} threads",
        base.steps.len(),
        base.controls.iter().filter(|c| c.enabled).count(),
        Candidates::of(&base).len()
    );
    let only: Option<(usize, u64)> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| {
            let (k, n) = v.split_once(',')?;
            Some((k.parse().ok()?, n.parse().ok()?))
        });
    let (ks, ns): (Vec<usize>, Vec<u64>) = match only {
        Some((k, n)) => (vec![k], vec![n]),
        None if quick => (vec![10, 100], vec![1000]),
        None => (vec![10, 100, 1000], vec![1000, 10_000, 100_000]),
    };
    println!();
    println!("| candidates | trials | plain simulation (s) | scenarios (s) | tracing overhead | losses traced | patterns | MILP variables | MILP constraints | MILP build + solve (s) | status |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let obj = Objective::ExpectedLoss;
    for &k in &ks {
        let m = with_candidates(&doc, &base, k);
        let cand = Candidates::of(&m);
        let total: f64 = cand.costs(&m, BudgetBasis::Total).iter().sum();
        let mut cfg = PlanConfig::new(total / 3.0);
        cfg.time_limit = std::time::Duration::from_secs(600);
        for &n in ns.iter().filter(|_| !plans_only) {
            let t0 = Instant::now();
            let config = cand.configuration(&m, &vec![false; cand.len()]);
            let plain = outcomes(&m, &config, &obj, 1, n, 0).expect("simulates");
            let t_plain = t0.elapsed().as_secs_f64();
            let t0 = Instant::now();
            let (s, base_out) = Scenarios::sample(&m, &cand, &obj, 1, n, 0).expect("samples");
            let t_sample = t0.elapsed().as_secs_f64();
            assert_eq!(plain, base_out, "the scenarios simulate the same trials");
            let opt = s.optimise(&m, &cfg).expect("optimises");
            println!(
                "| {k} | {n} | {t_plain:.2} | {t_sample:.2} | {:.2}x | {} | {} | {} | {} | {:.2} | {} |",
                t_sample / t_plain,
                s.stats().events,
                opt.patterns,
                opt.variables,
                opt.constraints,
                opt.seconds,
                opt.status
            );
            if k == 10 {
                // The brute force the optimiser replaces, and the pure-Rust solver.
                let t0 = Instant::now();
                let mut best = f64::INFINITY;
                for mask in 0u32..1 << cand.len() {
                    let x: Vec<bool> = (0..cand.len()).map(|i| mask >> i & 1 == 1).collect();
                    if ensure_planner::admits(&m, &cfg, &x) {
                        best = best.min(s.estimate(&x));
                    }
                }
                let t_enum = t0.elapsed().as_secs_f64();
                let milp = opt.chosen.as_ref().map_or(f64::NAN, |x| s.estimate(x));
                let mut mcfg = cfg.clone();
                mcfg.solver = Solver::Microlp;
                let micro = s.optimise(&m, &mcfg).expect("optimises");
                let micro_v = micro.chosen.as_ref().map_or(f64::NAN, |x| s.estimate(x));
                println!(
                    "|  | (K = 10, N = {n}: enumeration of 1,024 subsets {t_enum:.2} s, optimum {best:.6e}; CBC {:.2} s, {milp:.6e} ({:.0}x faster); microlp {:.2} s, {micro_v:.6e}, {}) | | | | | | | | | |",
                    opt.seconds,
                    t_enum / opt.seconds,
                    micro.seconds,
                    micro.status
                );
            }
        }
        if !quick && only.is_none() {
            let mut pc = cfg.clone();
            pc.trials = 10_000;
            pc.check_trials = 10_000;
            let t0 = Instant::now();
            let p = plan(&m, &pc).expect("plans");
            let sp = &p.search;
            println!(
                "|  | (K = {k}: whole plan, 10,000 trials: {:.1} s = sampling {:.1} + solving {:.1} ({} solves) + re-simulating {:.1} ({} rounds, {} local-search runs) + checking {:.1}; {} controls, {:?}) | | | | | | | | | |",
                t0.elapsed().as_secs_f64(),
                sp.sampling_seconds,
                sp.solve_seconds,
                sp.solves,
                sp.refine_seconds,
                sp.rounds,
                sp.polish_evaluations,
                sp.check_seconds,
                p.controls.len(),
                p.status
            );
        }
    }
    println!();
    println!("peak RSS {:.0} MB", peak_rss_mb());
}
