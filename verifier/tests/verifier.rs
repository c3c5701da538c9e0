//! The verifier against an independent reading of the semantics: verdicts, witnesses and
//! repairs on thousands of small random models agree with brute force; the pilots' verdicts
//! and witnesses; and SMT-LIB snapshots of small encodings, so that encodings can be
//! reviewed (`ENSURE_BLESS=1` rewrites the snapshots).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ensure_model::{ControlId, Model, PropertyKind};
use ensure_verifier::{repair, verify, Options, RepairOptions, RepairStatus, Verdict};
use proptest::prelude::*;
use support::{checker, gen, oracle};

fn options() -> Options {
    Options {
        timeout: Duration::from_secs(60),
        ..Options::default()
    }
}

/// Every verdict agrees with the oracle, and every witness passes the checker.
fn agree(model: &Model) -> Result<(), String> {
    let report = verify(model, &options()).map_err(|e| e.to_string())?;
    for (p, r) in model.properties.iter().zip(&report.properties) {
        let truth = oracle::holds(model, p);
        let what = format!(
            "{} ({:?}, all configurations: {})",
            p.id, p.kind, p.all_configurations
        );
        match &r.verdict {
            Verdict::Holds { .. } if truth => {}
            Verdict::Violated { witness } if !truth => {
                checker::check(model, p, witness)
                    .map_err(|e| format!("{what}: wrong witness: {e}\n{witness:#?}"))?;
            }
            v => {
                return Err(format!(
                    "{what}: verifier says {v:?}, oracle says holds = {truth}"
                ))
            }
        }
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("ENSURE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(700),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// About 8 properties per model, every kind, some over every configuration.
    #[test]
    fn verdicts_and_witnesses_agree_with_brute_force(seed in any::<u64>()) {
        if let Some(model) = gen::model(seed) {
            if let Err(e) = agree(&model) {
                prop_assert!(false, "seed {seed}: {e}\n--- model\n{}", gen::yaml(seed));
            }
        }
    }
}

/// The cheapest repair by enumeration: `None` when no set of candidates works.
fn cheapest_repair(model: &Model) -> Option<(Vec<ControlId>, i64)> {
    let blocked = |g: &Option<String>| {
        g.as_ref().is_some_and(|g| {
            model
                .controls
                .iter()
                .any(|c| c.enabled && c.group.as_ref() == Some(g))
        })
    };
    let cands: Vec<ControlId> = (0..model.controls.len())
        .map(|i| ControlId(i as u32))
        .filter(|c| {
            let x = &model.controls[c.idx()];
            !x.enabled && !blocked(&x.group)
        })
        .collect();
    let cost = |c: &ControlId| {
        let x = &model.controls[c.idx()];
        ((x.cost_eur + x.upkeep_eur_per_year) * 100.0).round() as i64
    };
    let mut best: Option<(Vec<ControlId>, i64)> = None;
    for mask in 0u32..(1 << cands.len()) {
        let set: Vec<ControlId> = cands
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, c)| *c)
            .collect();
        let groups: Vec<&String> = set
            .iter()
            .filter_map(|c| model.controls[c.idx()].group.as_ref())
            .collect();
        if (1..groups.len()).any(|i| groups[..i].contains(&groups[i])) {
            continue;
        }
        let total: i64 = set.iter().map(cost).sum();
        if best.as_ref().is_some_and(|(_, b)| *b <= total) {
            continue;
        }
        if model
            .properties
            .iter()
            .all(|p| oracle::holds_with(model, p, &set))
        {
            best = Some((set, total));
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(150),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The repair is a repair, no cheaper set of candidates is one, and "impossible" means
    /// that no set is.
    #[test]
    fn repairs_are_cheapest_and_impossibility_is_real(seed in any::<u64>()) {
        let Some(model) = gen::model(seed) else { return Ok(()) };
        let r = repair(&model, &RepairOptions { verify: options(), ..RepairOptions::default() })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let truth = cheapest_repair(&model);
        let cost = |cs: &[ControlId]| cs.iter().map(|c| {
            let x = &model.controls[c.idx()];
            ((x.cost_eur + x.upkeep_eur_per_year) * 100.0).round() as i64
        }).sum::<i64>();
        match (&r.status, &truth) {
            (RepairStatus::NotNeeded, Some((_, 0))) => {}
            (RepairStatus::Found { controls, .. }, Some((_, best))) => {
                prop_assert!(model.properties.iter().all(|p| oracle::holds_with(&model, p, controls)),
                    "seed {seed}: the repair {controls:?} does not make every property hold");
                prop_assert_eq!(cost(controls), *best, "seed {}: not the cheapest", seed);
            }
            (RepairStatus::Impossible { blocking }, None) => {
                prop_assert!(!blocking.is_empty());
            }
            (status, truth) => prop_assert!(false, "seed {seed}: repair says {status:?}, brute force {truth:?}\n--- model\n{}", gen::yaml(seed)),
        }
    }
}

/// The generator exercises both answers of every kind, so the differential tests test
/// something.
#[test]
fn random_models_cover_every_kind_and_answer() {
    let mut seen: std::collections::BTreeMap<(String, bool, bool), usize> = Default::default();
    let mut built = 0;
    for seed in 0..400u64 {
        let Some(model) = gen::model(seed) else {
            continue;
        };
        built += 1;
        for p in &model.properties {
            let kind = format!("{:?}", p.kind);
            *seen
                .entry((kind, p.all_configurations, oracle::holds(&model, p)))
                .or_default() += 1;
        }
    }
    assert!(built >= 300, "only {built} of 400 draws build");
    for kind in [
        PropertyKind::Boundary,
        PropertyKind::Confinement,
        PropertyKind::Reachability,
        PropertyKind::Resilience,
        PropertyKind::Separation,
        PropertyKind::BlastRadius,
        PropertyKind::Custom,
    ] {
        for all in [false, true] {
            for holds in [false, true] {
                let n = seen
                    .get(&(format!("{kind:?}"), all, holds))
                    .copied()
                    .unwrap_or(0);
                assert!(
                    n >= 5,
                    "{kind:?} all={all} holds={holds}: only {n} cases\n{seen:#?}"
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------ pilots

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(path: &Path) -> Model {
    let checked = ensure_model::check(path, &|p: &Path| std::fs::read_to_string(p));
    checked
        .model
        .unwrap_or_else(|| panic!("{}: {:#?}", path.display(), checked.diagnostics))
}

/// The verified verdicts of the pilots (as recorded in their READMEs): `H` holds, `V`
/// violated, one letter per property in model order.
const PILOTS: &[(&str, &str)] = &[
    ("bank-payments/model.yaml", "VVVHVV"),
    ("bank-payments/variants/crm-masking.yaml", "HVVHVH"),
    ("bank-payments/variants/defence-in-depth.yaml", "HHHHVH"),
    ("bank-payments/variants/offline-backups.yaml", "VVVHVV"),
    ("bank-payments/variants/sca-everywhere.yaml", "VVVHVV"),
    ("bank-payments/variants/staff-mfa-and-edr.yaml", "VHVHVV"),
    ("ecommerce-platform/model.yaml", "VVHVVVVVV"),
    (
        "ecommerce-platform/variants/mfa-everywhere.yaml",
        "VVHVVVVVV",
    ),
    (
        "ecommerce-platform/variants/psp-hosted-fields.yaml",
        "VHHVVVVVV",
    ),
    (
        "ecommerce-platform/variants/third-party-script-integrity.yaml",
        "VVHHVVVVV",
    ),
    (
        "ecommerce-platform/variants/waf-and-segmentation.yaml",
        "VVHVHVVVV",
    ),
    ("pharmacy-supply-chain/model.yaml", "VVVHV"),
    (
        "pharmacy-supply-chain/variants/tamper-evident-trackers.yaml",
        "VVVHH",
    ),
    (
        "pharmacy-supply-chain/variants/two-person-route-release.yaml",
        "HVVHV",
    ),
    (
        "pharmacy-supply-chain/variants/vetted-staff-and-escorts.yaml",
        "VVVHV",
    ),
];

#[test]
fn pilots_verdicts_are_the_recorded_ones_and_their_witnesses_are_valid() {
    let mut failures = Vec::new();
    for (file, expected) in PILOTS {
        let model = load(&root().join("scenarios").join(file));
        let report = verify(&model, &options()).expect("pilot properties resolve");
        let got: String = report
            .properties
            .iter()
            .map(|p| match p.verdict {
                Verdict::Holds { .. } => 'H',
                Verdict::Violated { .. } => 'V',
                Verdict::Unknown { .. } => 'U',
            })
            .collect();
        if got != *expected {
            failures.push(format!("{file}: {got}, recorded {expected}"));
        }
        for (p, r) in model.properties.iter().zip(&report.properties) {
            if let Verdict::Violated { witness } = &r.verdict {
                if let Err(e) = checker::check(&model, p, witness) {
                    failures.push(format!("{file}: {}: {e}", p.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------ snapshots

const SNAPSHOT_MODEL: &str = r#"
assets:
  - {id: shop, type: company, trust: 7}
  - {id: partner, type: company, trust: 4}
  - {id: dmz, type: network-zone, trust: 3, org: shop}
  - {id: lan, type: network-zone, trust: 6, org: shop}
  - {id: web-host, type: host, zone: dmz, org: shop}
  - {id: web, type: web-application, zone: dmz, org: shop, hosted_on: web-host}
  - {id: db, type: database, zone: lan, org: shop, stores: [pii], crown_jewel: true}
  - {id: pii, type: customer-pii, org: shop}
  - {id: clerk, type: employee, org: shop}
  - {id: clerk-account, type: identity, zone: lan, org: shop}
  - {id: checkout, type: api, zone: lan, org: shop}
flows:
  - {id: f-web-db, from: web, to: db, authentication: password, encryption: none, carries: [pii]}
  - {id: f-web-partner, from: web, to: partner, authentication: token, encryption: tls13, carries: [pii]}
access:
  - {id: acc-clerk-db, who: clerk-account, to: db, rights: [read]}
custody:
  - {id: cu-clerk, holder: clerk, item: clerk-account}
dependencies:
  - {id: d-checkout, service: checkout, requires: all, on: [db, web]}
  - {id: d-web, service: web, requires: any, on: [checkout, dmz]}
controls:
  - id: waf
    kind: waf
    effects: [{step: web.exploit-injection, efficacy: 0.6}]
    enabled: true
  - id: tls-db
    kind: encryption
    changes: [{flow: f-web-db, encryption: tls12}]
    cost_eur: 1000
  - id: no-clerk-db
    kind: least-privilege
    changes: [{remove: acc-clerk-db}]
    cost_eur: 500
actors:
  - {id: web-attacker, entry: [web.exploit-injection]}
properties:
  - {id: boundary, kind: boundary, require_encryption: [tls12, tls13], all_configurations: true}
  - {id: confined, kind: confinement, data: pii, min_trust: 5}
  - {id: two-controls, kind: reachability, actor: web-attacker, targets: [db], min_controls: 2}
  - {id: checkout-up, kind: resilience, service: checkout, k: 1}
  - {id: separate, kind: separation, assets: [db, pii], k: 1}
  - {id: clerk-radius, kind: blast-radius, targets: [clerk-account], max_assets: 2}
  - {id: custom, kind: custom, assert: "forall f in flows: crosses(f, 1) -> f.encryption != none"}
"#;

fn snapshot(name: &str, actual: &str) -> Result<(), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.smt2"));
    if std::env::var_os("ENSURE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("snapshot dir");
        std::fs::write(&path, actual).expect("snapshot is writable");
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "missing snapshot {} (run with ENSURE_BLESS=1)",
            path.display()
        )
    })?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs:\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}

#[test]
fn encodings_of_a_small_model_match_their_smt2_snapshots() {
    use ensure_verifier::encode::{
        attack, boundary, config::Scope, confinement, custom, resilience, Index,
    };
    let checked = ensure_model::check_str("snapshot.yaml", SNAPSHOT_MODEL);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
    let ix = Index::new(&model);
    let prop = |id: &str| {
        model
            .properties
            .iter()
            .find(|p| p.id == id)
            .expect("property")
    };
    let current = || Scope::current(&model);
    let mut failures = Vec::new();
    let mut check = |name: &str, text: String| {
        if let Err(e) = snapshot(name, &text) {
            failures.push(e);
        }
    };
    check(
        "boundary",
        boundary::encode(&model, prop("boundary"), Scope::all(&model))
            .problem
            .to_smt2(),
    );
    check(
        "confinement",
        confinement::encode(&model, prop("confined"), current())
            .problem
            .to_smt2(),
    );
    check(
        "reachability",
        attack::encode_reachability(&ix, prop("two-controls"), current())
            .problem
            .to_smt2(),
    );
    check(
        "resilience",
        resilience::encode(&model, prop("checkout-up"), current())
            .problem
            .to_smt2(),
    );
    check(
        "separation",
        attack::encode_separation(&ix, prop("separate"), Scope::all(&model))
            .problem
            .to_smt2(),
    );
    let blast = attack::encode_blast_radius(&ix, prop("clerk-radius"), current());
    let mut p = blast.problem.clone();
    p.assert("more than max_assets assets are reached", blast.too_many());
    check("blast-radius", p.to_smt2());
    let formula =
        ensure_model::logic::compile(&prop("custom").assert.as_ref().expect("assert").0, &model)
            .expect("compiles");
    check(
        "custom",
        custom::encode(&ix, &formula, Scope::all(&model), 1_000_000)
            .expect("small")
            .problem
            .to_smt2(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A step listed among its own preconditions does not justify itself (least fixpoint), and
/// steps on a cycle are reached only from outside it.
#[test]
fn cycles_justify_nothing_by_themselves() {
    let text = r#"
assets:
  - {id: org, type: company}
  - {id: h, type: host, org: org}
  - {id: app, type: api, org: org, hosted_on: h}
  - {id: db, type: database, org: org, crown_jewel: true}
  - {id: clerk, type: employee, org: org}
attack_steps:
  - {asset: app, name: loop, from: [app.loop, h.compromise]}
  - {asset: clerk, name: gate, from: [clerk.deceive], p_success: 0}
  - {asset: db, name: self-made, from: [db.self-made, clerk.gate]}
  - {asset: db, name: via-loop, requires: all, from: [app.loop, db.self-made]}
actors:
  - {id: outsider, entry: [clerk.deceive]}
properties:
  - {id: never, kind: reachability, actor: outsider, targets: [db], min_controls: 1}
  - {id: radius, kind: blast-radius, targets: [clerk], max_assets: 0}
"#;
    let checked = ensure_model::check_str("cycles.yaml", text);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
    agree(&model).expect("verdicts and witnesses agree with the oracle");
    let report = verify(&model, &options()).expect("verifies");
    assert!(matches!(
        report.properties[0].verdict,
        Verdict::Holds { .. }
    ));
}

/// With no time at all, nothing is decided: every verdict is unknown, none "holds".
#[test]
fn no_time_means_unknown_never_holds() {
    let model = load(&root().join("scenarios/pharmacy-supply-chain/model.yaml"));
    let report = verify(
        &model,
        &Options {
            timeout: Duration::ZERO,
            ..Options::default()
        },
    )
    .expect("verifies");
    for p in &report.properties {
        match &p.verdict {
            Verdict::Unknown { reason } => assert!(reason.starts_with("timeout"), "{reason}"),
            v => panic!("{}: {v:?}", p.id),
        }
    }
}
