//! Small random models for the differential tests: 4 to 10 assets of varied types, random
//! flows, hosting, access, custody and dependencies (`all`/`any`, cycles allowed), explicit
//! AND/OR steps, controls with effects (efficacy 1 included) and changes (removals and flow
//! hardening), groups, actors, and properties of every kind, some checked in every
//! configuration. Generation is a pure function of the seed, so a failing case is replayed
//! from the seed proptest prints.

use ensure_model::format::*;
use ensure_model::{Located, Model};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn some<T: Clone>(&mut self, xs: &[T], p: f64) -> Vec<T> {
        xs.iter().filter(|_| self.chance(p)).cloned().collect()
    }
}

fn n(s: impl Into<String>) -> Located<String> {
    Located::new(s.into())
}

const TYPES: &[&str] = &[
    "host",
    "api",
    "database",
    "identity",
    "employee",
    "customer-pii",
    "order-data",
    "vehicle",
    "tracking-device",
    "workstation",
    "web-application",
    "credential",
    "svc",
    "company",
    "network-zone",
];
const AUTHS: &[Authentication] = &[
    Authentication::None,
    Authentication::Password,
    Authentication::Token,
    Authentication::Mfa,
];
const ENCS: &[Encryption] = &[Encryption::None, Encryption::Tls12, Encryption::Tls13];

fn asset(id: &str, ty: &str) -> AssetDoc {
    AssetDoc {
        id: n(id),
        type_: n(ty),
        name: None,
        description: None,
        org: None,
        zone: None,
        hosted_on: None,
        stores: Vec::new(),
        trust: None,
        records: None,
        value_eur: None,
        crown_jewel: false,
        tags: Vec::new(),
        steps: Vec::new(),
    }
}

fn property(id: &str, kind: PropertyKind) -> PropertyDoc {
    PropertyDoc {
        id: n(id),
        statement: None,
        kind,
        min_trust_gap: None,
        require_authentication: Vec::new(),
        require_encryption: Vec::new(),
        data: None,
        min_trust: None,
        actor: None,
        targets: Vec::new(),
        min_controls: None,
        control_kinds: Vec::new(),
        service: None,
        k: None,
        assets: Vec::new(),
        max_assets: None,
        all_configurations: false,
        assert: None,
    }
}

/// The first phase: assets and relations.
fn structure(r: &mut Rng) -> ModelDoc {
    let mut doc = ModelDoc {
        ensure: Some(1),
        name: Some("random".into()),
        ..ModelDoc::default()
    };
    doc.types.push(TypeDoc {
        id: n("svc"),
        extends: None,
        layer: Some(Layer::Organisational),
        description: None,
        steps: Vec::new(),
    });
    let n_assets = 4 + r.below(7);
    // A person with an account, so that insiders have something to misuse.
    let mut kinds: Vec<&str> = vec!["company", "network-zone", "employee", "identity"];
    // Usually an application or database too, whose steps follow interfaces into it.
    if r.chance(0.7) {
        kinds.push(*r.pick(&["api", "web-application", "database"]));
        // ... often on a host of its own, which makes a cycle of `compromise` steps.
        if r.chance(0.6) {
            kinds.push("host");
        }
    }
    while kinds.len() < n_assets {
        kinds.push(*r.pick(TYPES));
    }
    let ids: Vec<String> = (0..kinds.len()).map(|i| format!("a{i}")).collect();
    let of = |k: &[&str]| -> Vec<String> {
        ids.iter()
            .zip(&kinds)
            .filter(|(_, t)| k.contains(t))
            .map(|(i, _)| i.clone())
            .collect()
    };
    let orgs = of(&["company"]);
    let zones = of(&["network-zone"]);
    let data = of(&["customer-pii", "order-data"]);
    let cyber = of(&[
        "host",
        "api",
        "database",
        "identity",
        "workstation",
        "web-application",
        "credential",
    ]);
    for (i, k) in kinds.iter().enumerate() {
        let mut a = asset(&ids[i], k);
        if matches!(*k, "company" | "network-zone") || r.chance(0.15) {
            a.trust = Some(r.below(11) as u8);
        }
        if *k != "company" && (r.chance(0.6) || i == 2) {
            a.org = Some(n(r.pick(&orgs).clone()));
        }
        if !matches!(*k, "company") && r.chance(0.5) {
            let z = r.pick(&zones).clone();
            if z != ids[i] {
                a.zone = Some(n(z));
            }
        }
        if i == 4 && kinds.get(5) == Some(&"host") && r.chance(0.8) {
            a.hosted_on = Some(n(ids[5].clone()));
        } else if r.chance(0.2) {
            let h = r.pick(&ids).clone();
            if h != ids[i] {
                a.hosted_on = Some(n(h));
            }
        }
        if cyber.contains(&ids[i]) {
            a.stores = r.some(&data, 0.4).into_iter().map(n).collect();
        }
        a.crown_jewel = r.chance(0.25);
        if r.chance(0.2) {
            a.tags = vec![r.pick(&["pci", "public"]).to_string()];
        }
        doc.assets.push(a);
    }
    for i in 0..r.below(7) {
        let from = r.pick(&ids).clone();
        // The first interface goes into the application, when there is one.
        let to = if i == 0 && kinds.len() > 4 && kinds[4] != "svc" {
            ids[4].clone()
        } else {
            r.pick(&ids).clone()
        };
        if from == to {
            continue;
        }
        doc.flows.push(FlowDoc {
            id: Some(n(format!("f{i}"))),
            from: n(from),
            to: n(to),
            protocol: None,
            authentication: *r.pick(AUTHS),
            encryption: *r.pick(ENCS),
            input_validation: r.chance(0.5),
            rate_limited: false,
            carries: r.some(&data, 0.5).into_iter().map(n).collect(),
        });
    }
    // A second interface between the same two assets: the attack-graph edges it induces
    // are induced twice and survive the removal of either one.
    if !doc.flows.is_empty() && r.chance(0.6) {
        // Prefer an interface into an application or database, whose steps follow flows.
        let into_service: Vec<usize> = (0..doc.flows.len())
            .filter(|i| {
                let to = &doc.flows[*i].to.value;
                let k = ids.iter().position(|x| x == to).map(|j| kinds[j]);
                matches!(k, Some("api" | "web-application" | "database"))
            })
            .collect();
        let pick = if into_service.is_empty() {
            r.below(doc.flows.len())
        } else {
            *r.pick(&into_service)
        };
        let mut twin = doc.flows[pick].clone();
        twin.id = Some(n("f-twin"));
        twin.authentication = *r.pick(AUTHS);
        doc.flows.push(twin);
    }
    for i in 0..r.below(3) {
        let a = r.pick(&ids).clone();
        let on = r.pick(&ids).clone();
        if a != on {
            doc.hosting.push(HostingDoc {
                id: Some(n(format!("h{i}"))),
                asset: n(a),
                on: n(on),
            });
        }
    }
    doc.custody.push(CustodyDoc {
        id: Some(n("cu-person")),
        holder: n("a2"),
        item: n("a3"),
    });
    doc.access.push(AccessDoc {
        id: Some(n("acc-person")),
        who: n("a3"),
        to: n(r.pick(&ids).clone()),
        rights: vec![Right::Admin],
    });
    for i in 0..r.below(5) {
        doc.access.push(AccessDoc {
            id: Some(n(format!("acc{i}"))),
            who: n(r.pick(&ids).clone()),
            to: n(r.pick(&ids).clone()),
            rights: vec![*r.pick(&[Right::Read, Right::Admin, Right::Physical])],
        });
    }
    for i in 0..r.below(4) {
        doc.custody.push(CustodyDoc {
            id: Some(n(format!("cu{i}"))),
            holder: n(r.pick(&ids).clone()),
            item: n(r.pick(&ids).clone()),
        });
    }
    for i in 0..r.below(6) {
        let service = r.pick(&ids).clone();
        let on: Vec<String> = ids
            .iter()
            .filter(|x| **x != service)
            .filter(|_| r.chance(0.3))
            .cloned()
            .collect();
        if on.is_empty() {
            continue;
        }
        doc.dependencies.push(DependencyDoc {
            id: Some(n(format!("d{i}"))),
            service: n(service),
            requires: if r.chance(0.5) {
                Requires::All
            } else {
                Requires::Any
            },
            on: on.into_iter().map(n).collect(),
            p_propagate: Some(if r.chance(0.15) { 0.0 } else { 0.5 }),
            delay_hours: None,
            recovery_hours: None,
        });
    }
    if orgs.len() >= 2 || r.chance(0.5) {
        for _ in 0..r.below(3) {
            doc.agreements.push(AgreementDoc {
                id: None,
                from: n(r.pick(&orgs).clone()),
                to: n(r.pick(&orgs).clone()),
                data: r.some(&data, 0.6).into_iter().map(n).collect(),
            });
        }
    }
    doc
}

fn templates(r: &mut Rng, m: &Model) -> String {
    let asset = |r: &mut Rng| m.assets[r.below(m.assets.len())].id.clone();
    let data: Vec<String> = m
        .assets
        .iter()
        .filter(|a| a.layer == Layer::Data)
        .map(|a| a.id.clone())
        .collect();
    let actor = if m.actors.is_empty() {
        None
    } else {
        Some(m.actors[r.below(m.actors.len())].id.clone())
    };
    let t = r.below(5) + 1;
    let g = r.below(3) + 1;
    loop {
        let s = match r.below(13) {
            0 => format!("forall f in flows: crosses(f, {g}) -> f.encryption in [tls12, tls13]"),
            1 => match &actor {
                Some(x) => format!("forall a in assets: not reachable({x}, a) or a.trust >= {t}"),
                None => continue,
            },
            2 => format!(
                "forall p in insiders: not (reaches(p, {}) and reaches(p, {}))",
                asset(r),
                asset(r)
            ),
            3 if !data.is_empty() => format!(
                "forall a in assets(layer: cyber): holds(a, {}) -> a.trust >= {t}",
                r.pick(&data)
            ),
            4 => "exists f in flows: f.authentication != none".to_string(),
            5 => format!(
                "forall c in controls: c.on or c.cost_eur > {}",
                r.below(3) * 100
            ),
            6 => "forall a, b in assets: hosted_on(a, b) -> a.zone == b.zone".to_string(),
            7 => format!(
                "forall p in persons: has_access(p, {}) -> custody(p, {})",
                asset(r),
                asset(r)
            ),
            8 => format!(
                "forall a in assets: depends_on(a, {}) -> not is(a, database)",
                asset(r)
            ),
            9 => "forall f in flows: f.from.trust <= f.to.trust or f.input_validation".to_string(),
            10 => "forall x in actors: forall a in assets(type: database): not reachable(x, a)"
                .to_string(),
            11 if !data.is_empty() => {
                let d = r.pick(&data).clone();
                format!("forall a in assets: stores(a, {d}) <-> exists f in flows: carries(f, {d}) and (f.from == a or f.to == a)")
            }
            12 => format!(
                "forall a in assets(tag: pci): a.org != none and a.zone.trust > {}",
                r.below(6)
            ),
            _ => continue,
        };
        return s;
    }
}

/// A random model with controls, actors and properties of every kind, or `None` when the
/// draw does not build (an AND cycle, say).
pub fn model(seed: u64) -> Option<Model> {
    model_and_doc(seed).map(|(m, _)| m)
}

/// The model and the document it was built from (to show a failing case).
pub fn model_and_doc(seed: u64) -> Option<(Model, ModelDoc)> {
    let mut r = Rng::new(seed);
    let mut doc = structure(&mut r);
    let (first, _) = ensure_model::build(&doc, ensure_model::catalog::types());
    let first = first?;
    let labels: Vec<String> = (0..first.steps.len())
        .map(|i| first.step_label(ensure_model::StepId(i as u32)))
        .collect();
    if labels.is_empty() {
        return None;
    }
    let ids: Vec<String> = first.assets.iter().map(|a| a.id.clone()).collect();
    // Explicit steps, some AND, possibly on cycles.
    for i in 0..r.below(3) {
        let a = r.pick(&ids).clone();
        let from: Vec<Located<String>> = (0..1 + r.below(3))
            .map(|_| n(r.pick(&labels).clone()))
            .collect();
        doc.attack_steps.push(StepDoc {
            asset: n(a),
            name: n(format!("x{i}")),
            description: None,
            requires: if r.chance(0.5) {
                Requires::All
            } else {
                Requires::Any
            },
            from,
            ttc_hours: None,
            p_success: Some(if r.chance(0.1) { 0.0 } else { 0.5 }),
            attack: Vec::new(),
            capec: Vec::new(),
            causes_outage: false,
            outage_hours: None,
        });
    }
    let mut relations: Vec<String> = Vec::new();
    relations.extend(
        doc.flows
            .iter()
            .filter_map(|f| f.id.as_ref().map(|i| i.value.clone())),
    );
    relations.extend(
        doc.hosting
            .iter()
            .filter_map(|f| f.id.as_ref().map(|i| i.value.clone())),
    );
    relations.extend(
        doc.access
            .iter()
            .filter_map(|f| f.id.as_ref().map(|i| i.value.clone())),
    );
    relations.extend(
        doc.custody
            .iter()
            .filter_map(|f| f.id.as_ref().map(|i| i.value.clone())),
    );
    relations.extend(
        doc.dependencies
            .iter()
            .filter_map(|f| f.id.as_ref().map(|i| i.value.clone())),
    );
    let flows: Vec<String> = doc
        .flows
        .iter()
        .filter_map(|f| f.id.as_ref().map(|i| i.value.clone()))
        .collect();
    let data: Vec<String> = first
        .assets
        .iter()
        .filter(|a| a.layer == Layer::Data)
        .map(|a| a.id.clone())
        .collect();
    for i in 0..r.below(5) {
        let mut effects = Vec::new();
        for _ in 0..r.below(3) {
            let (efficacy, slowdown) = match r.below(3) {
                0 => (Some(1.0), None),
                1 => (Some(0.5), None),
                _ => (None, Some(2.0)),
            };
            // Often a step on a cycle (`compromise`), where derivations can go round.
            let cyclic: Vec<&String> = labels
                .iter()
                .filter(|l| l.ends_with(".compromise"))
                .collect();
            let step = if !cyclic.is_empty() && r.chance(0.4) {
                (*r.pick(&cyclic)).clone()
            } else {
                r.pick(&labels).clone()
            };
            effects.push(EffectDoc {
                step: n(step),
                efficacy,
                slowdown,
            });
        }
        let mut changes = Vec::new();
        for _ in 0..r.below(3) {
            if r.chance(0.5) && !relations.is_empty() {
                let twin = relations.iter().any(|x| x == "f-twin") && r.chance(0.5);
                let target = if twin {
                    "f-twin".to_string()
                } else {
                    r.pick(&relations).clone()
                };
                changes.push(ChangeDoc {
                    flow: None,
                    authentication: None,
                    encryption: None,
                    input_validation: None,
                    carries: None,
                    remove: Some(n(target)),
                });
            } else if !flows.is_empty() {
                let carries = r
                    .chance(0.3)
                    .then(|| r.some(&data, 0.5).into_iter().map(n).collect());
                changes.push(ChangeDoc {
                    flow: Some(n(r.pick(&flows).clone())),
                    authentication: Some(*r.pick(AUTHS)),
                    encryption: r.chance(0.5).then(|| *r.pick(ENCS)),
                    input_validation: r.chance(0.3).then(|| r.chance(0.5)),
                    carries,
                    remove: None,
                });
            }
        }
        if effects.is_empty() && changes.is_empty() {
            effects.push(EffectDoc {
                step: n(r.pick(&labels).clone()),
                efficacy: Some(1.0),
                slowdown: None,
            });
        }
        doc.controls.push(ControlDoc {
            id: n(format!("c{i}")),
            name: None,
            kind: r.pick(&["mfa", "waf", "segmentation"]).to_string(),
            protects: Vec::new(),
            effects,
            changes,
            cost_eur: Some((1 + r.below(5)) as f64 * 100.0),
            upkeep_eur_per_year: Some(r.below(3) as f64 * 50.0),
            enabled: r.chance(0.3),
            group: r.chance(0.3).then(|| "g".to_string()),
        });
    }
    for i in 0..1 + r.below(2) {
        let caps = if r.chance(0.5) {
            Vec::new()
        } else {
            let c = r.some(&Layer::ALL, 0.6);
            if c.is_empty() {
                vec![Layer::Cyber]
            } else {
                c
            }
        };
        let mut entry: Vec<Located<String>> = (0..1 + r.below(3))
            .map(|_| n(r.pick(&labels).clone()))
            .collect();
        // Often the application's exposed step, so that attacks go through its host's cycle.
        for exposed in ["a4.exploit-injection", "a4.compromise"] {
            if labels.iter().any(|l| l == exposed) && r.chance(0.5) {
                entry[0] = n(exposed);
                break;
            }
        }
        doc.actors.push(ActorDoc {
            id: n(format!("actor{i}")),
            name: None,
            description: None,
            entry,
            capabilities: caps,
            frequency_per_year: None,
        });
    }
    let all = |r: &mut Rng| r.chance(0.3);
    let mut p = property("p-boundary", PropertyKind::Boundary);
    p.min_trust_gap = Some(1 + r.below(3) as u8);
    p.require_authentication = r.some(
        &[
            Authentication::Token,
            Authentication::Mfa,
            Authentication::Password,
        ],
        0.5,
    );
    p.require_encryption = r.some(&[Encryption::Tls12, Encryption::Tls13], 0.5);
    p.all_configurations = all(&mut r);
    doc.properties.push(p);
    if !data.is_empty() {
        let mut p = property("p-confinement", PropertyKind::Confinement);
        p.data = Some(n(r.pick(&data).clone()));
        p.min_trust = Some(r.below(8) as u8);
        p.all_configurations = all(&mut r);
        doc.properties.push(p);
    }
    let mut p = property("p-reachability", PropertyKind::Reachability);
    if r.chance(0.5) {
        p.actor = Some(n(format!("actor{}", r.below(doc.actors.len()))));
    }
    if !data.is_empty() && r.chance(0.3) {
        p.targets = vec![n(r.pick(&data).clone())];
    } else if r.chance(0.6) {
        p.targets = (0..1 + r.below(2))
            .map(|_| n(r.pick(&ids).clone()))
            .collect();
    }
    p.min_controls = Some(r.below(3) as u32);
    if r.chance(0.3) {
        p.control_kinds = vec![r.pick(&["mfa", "waf"]).to_string()];
    }
    p.all_configurations = all(&mut r);
    doc.properties.push(p);
    let mut p = property("p-resilience", PropertyKind::Resilience);
    p.service = Some(n(r.pick(&ids).clone()));
    p.k = Some(r.below(4) as u32);
    p.all_configurations = all(&mut r);
    doc.properties.push(p);
    let mut p = property("p-separation", PropertyKind::Separation);
    p.assets = vec![n(r.pick(&ids).clone()), n(r.pick(&ids).clone())];
    p.k = Some(1 + r.below(2) as u32);
    p.all_configurations = all(&mut r);
    doc.properties.push(p);
    let mut p = property("p-blast", PropertyKind::BlastRadius);
    p.targets = vec![n(r.pick(&ids).clone())];
    p.max_assets = Some(r.below(6) as u32);
    p.all_configurations = all(&mut r);
    doc.properties.push(p);
    let (second, _) = ensure_model::build(&doc, ensure_model::catalog::types());
    let second = second?;
    for i in 0..2 {
        let mut p = property(&format!("p-custom-{i}"), PropertyKind::Custom);
        p.assert = Some(n(templates(&mut r, &second)));
        p.all_configurations = all(&mut r);
        doc.properties.push(p);
    }
    let (model, _) = ensure_model::build(&doc, ensure_model::catalog::types());
    let model = model?;
    for p in &model.properties {
        if let Some((text, _)) = &p.assert {
            ensure_model::logic::compile(text, &model).ok()?;
        }
    }
    Some((model, doc))
}

/// The model of a seed as YAML, for failure messages.
pub fn yaml(seed: u64) -> String {
    model_and_doc(seed)
        .and_then(|(_, d)| ensure_model::format::to_yaml(&d).ok())
        .unwrap_or_default()
}
