//! Verification time per property kind on generated models.
//!
//! `cargo run --release -p ensure-verifier --example bench_verify -- 1000 10000 100000`
//! generates `ensure generate --assets N --seed 1` for each N, then checks every property of
//! it (one of each kind, two of them over every configuration) with a 60-second budget each,
//! and prints one table row per property: wall time of the whole check (encoding, Z3, reading
//! the witness back), the cone of influence, the problem's size and the verdict.
//!
//! With `--hard`, each organisation also gets controls that change the attack graph (a
//! candidate that removes an access right, a candidate that blocks its application host's
//! compromise, an enabled one that removes an interface) and an AND step, and every property
//! is checked over every configuration: the solver then chooses among thousands of candidate
//! controls, and fewer steps can be merged into components (see `encode::reach`).

use std::time::{Duration, Instant};

use ensure_model::format::*;
use ensure_model::Located;
use ensure_verifier::{check_property, Options, Verdict};

fn name(s: impl Into<String>) -> Located<String> {
    Located::new(s.into())
}

/// Controls that change the graph, an AND step per organisation, every property over every
/// configuration.
fn harden(doc: &mut ModelDoc) {
    for (i, a) in doc.access.iter_mut().enumerate() {
        a.id = Some(name(format!("acc-{i}")));
    }
    for (i, f) in doc.flows.iter_mut().enumerate() {
        f.id = Some(name(format!("flow-{i}")));
    }
    let n_orgs = doc
        .assets
        .iter()
        .filter(|a| a.id.value.ends_with("-org"))
        .count();
    let control = |id: String, enabled: bool| ControlDoc {
        id: name(id),
        name: None,
        kind: "hardening".into(),
        protects: Vec::new(),
        effects: Vec::new(),
        changes: Vec::new(),
        cost_eur: Some(1000.0),
        upkeep_eur_per_year: Some(100.0),
        enabled,
        group: None,
    };
    for o in 0..n_orgs {
        let p = |s: &str| format!("o{o}-{s}");
        let find_access = |who: &str, to: &str| {
            doc.access
                .iter()
                .find(|a| a.who.value == who && a.to.value == to)
                .and_then(|a| a.id.clone())
        };
        let find_flow = |from: &str, to: &str| {
            doc.flows
                .iter()
                .find(|f| f.from.value == from && f.to.value == to)
                .and_then(|f| f.id.clone())
        };
        let mut lp = control(p("least-privilege"), false);
        if let Some(acc) = find_access(&p("staff3-account"), &p("route-store")) {
            lp.changes.push(ChangeDoc {
                flow: None,
                authentication: None,
                encryption: None,
                input_validation: None,
                carries: None,
                remove: Some(acc),
            });
        }
        let mut edr = control(p("edr"), false);
        edr.effects.push(EffectDoc {
            step: name(format!("{}.compromise", p("app-host"))),
            efficacy: Some(1.0),
            slowdown: None,
        });
        let mut seg = control(p("segmentation"), true);
        if let Some(f) = find_flow(&p("cdn"), &p("shop")) {
            seg.changes.push(ChangeDoc {
                flow: None,
                authentication: None,
                encryption: None,
                input_validation: None,
                carries: None,
                remove: Some(f),
            });
        }
        for c in [lp, edr, seg] {
            if !(c.effects.is_empty() && c.changes.is_empty()) {
                doc.controls.push(c);
            }
        }
        doc.attack_steps.push(StepDoc {
            asset: name(p("db")),
            name: name("insider-export"),
            description: None,
            requires: Requires::All,
            from: vec![
                name(format!("{}.exfiltrate", p("db"))),
                name(format!("{}.misuse", p("staff1-account"))),
            ],
            ttc_hours: None,
            p_success: None,
            attack: Vec::new(),
            capec: Vec::new(),
            causes_outage: false,
            outage_hours: None,
        });
    }
    for prop in &mut doc.properties {
        prop.all_configurations = true;
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 10_000]
    } else {
        sizes
    };
    let options = Options {
        timeout: Duration::from_secs(60),
        ..Options::default()
    };
    println!("| assets | attack steps | property | kind | all configs | verdict | time | in Z3 | checks | cone | variables | constraints |");
    println!("|---:|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|");
    let hard = std::env::args().any(|a| a == "--hard");
    for n in sizes {
        let mut doc = ensure_model::synthetic::generate(n, 1);
        if hard {
            harden(&mut doc);
        }
        let (model, diags) = ensure_model::build(&doc, ensure_model::catalog::types());
        let Some(model) = model else {
            eprintln!("{n}: the generated model does not build: {diags:#?}");
            std::process::exit(2);
        };
        let mut total = Duration::ZERO;
        for p in &model.properties {
            let started = Instant::now();
            let r = check_property(&model, p, &[], &options);
            let took = started.elapsed();
            total += took;
            let verdict = match &r.verdict {
                Verdict::Holds { .. } => "holds".to_string(),
                Verdict::Violated { .. } => "violated".to_string(),
                Verdict::Unknown { reason } => format!("unknown ({reason})"),
            };
            println!(
                "| {} | {} | `{}` | {} | {} | {} | {:.2} s | {:.2} s | {} | {} | {} | {} |",
                model.assets.len(),
                model.steps.len(),
                p.id,
                p.kind.as_str(),
                if p.all_configurations { "yes" } else { "no" },
                verdict,
                took.as_secs_f64(),
                r.stats.solver_time.as_secs_f64(),
                r.stats.checks,
                r.stats.cone,
                r.stats.n_vars,
                r.stats.n_constraints
            );
        }
        println!(
            "| {} | {} | all {} properties | | | | {:.2} s | | | | | |",
            model.assets.len(),
            model.steps.len(),
            model.properties.len(),
            total.as_secs_f64()
        );
        // Freeing a model of this size takes a noticeable time; the process ends anyway.
        std::mem::forget(model);
    }
}
