//! Synthetic ecosystems of any size, for scale tests and benchmarks.
//!
//! The shape follows the pilots: organisations (shops, payment providers, logistics firms,
//! suppliers), each with network zones, hosts, web front ends, APIs, databases, data classes,
//! staff with accounts and access rights, sites, vans, trackers and shipments; flows between
//! services inside and across organisations; functional dependencies for cascades; controls,
//! actors, goals, impacts and monitors. Generation is a pure function of `(n_assets, seed)`,
//! drawn from a small counter-based generator so that it needs no randomness crate.

use crate::format::*;
use crate::located::Located;

/// SplitMix64: tiny, fast, and good enough to pick shapes deterministically.
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
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn n(s: impl Into<String>) -> Name {
    Located::new(s.into())
}

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

fn flow(
    from: &str,
    to: &str,
    auth: Authentication,
    enc: Encryption,
    carries: Vec<Name>,
) -> FlowDoc {
    FlowDoc {
        id: None,
        from: n(from),
        to: n(to),
        protocol: Some("https".into()),
        authentication: auth,
        encryption: enc,
        input_validation: true,
        rate_limited: false,
        carries,
    }
}

fn exp(mean: f64) -> DistDoc {
    DistDoc::Exponential(ExponentialDoc {
        rate: None,
        mean: Some(mean),
    })
}

/// One organisation's block of about `UNIT` assets.
const UNIT: usize = 38;

/// Generates a model of about `n_assets` assets (never fewer than one organisation's block).
pub fn generate(n_assets: usize, seed: u64) -> ModelDoc {
    let mut rng = Mix(seed ^ 0x005E_ED0F_E25E);
    let n_orgs = ((n_assets + UNIT / 2) / UNIT).max(1);
    let mut doc = ModelDoc {
        ensure: Some(1),
        name: Some(format!("synthetic-{n_assets}-{seed}")),
        description: Some(format!(
            "Synthetic ecosystem of {n_orgs} organisations (seed {seed})"
        )),
        ..ModelDoc::default()
    };
    doc.assets.push(AssetDoc {
        trust: Some(0),
        ..asset("internet", "network-zone")
    });
    let mut apis: Vec<String> = Vec::new();
    for o in 0..n_orgs {
        let p = |s: &str| format!("o{o}-{s}");
        let org_ty = ["company", "supplier", "bank", "logistics-provider"][o % 4];
        doc.assets.push(AssetDoc {
            trust: Some(5 + (o % 3) as u8),
            ..asset(&p("org"), org_ty)
        });
        let org = Some(n(p("org")));
        let with_org = |mut a: AssetDoc| {
            a.org = org.clone();
            a
        };
        for (z, trust) in [("dmz", 3u8), ("internal", 6), ("pci", 8)] {
            doc.assets.push(with_org(AssetDoc {
                trust: Some(trust),
                ..asset(&p(z), "network-zone")
            }));
        }
        for (h, z) in [
            ("web-host", "dmz"),
            ("app-host", "internal"),
            ("db-host", "pci"),
        ] {
            doc.assets.push(with_org(AssetDoc {
                zone: Some(n(p(z))),
                ..asset(&p(h), "host")
            }));
        }
        for d in ["pii", "cards", "orders", "routes"] {
            let ty = match d {
                "pii" => "customer-pii",
                "cards" => "payment-card-data",
                "orders" => "order-data",
                _ => "delivery-route",
            };
            doc.assets.push(with_org(AssetDoc {
                records: Some(10_000 + rng.below(1_000_000) as u64),
                ..asset(&p(d), ty)
            }));
        }
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("dmz"))),
            hosted_on: Some(n(p("web-host"))),
            ..asset(&p("shop"), "web-application")
        }));
        for a in ["checkout", "orders-api", "routing-api"] {
            doc.assets.push(with_org(AssetDoc {
                zone: Some(n(p("internal"))),
                hosted_on: Some(n(p("app-host"))),
                ..asset(&p(a), "api")
            }));
            apis.push(p(a));
        }
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("pci"))),
            hosted_on: Some(n(p("db-host"))),
            stores: vec![n(p("pii")), n(p("cards")), n(p("orders"))],
            crown_jewel: true,
            ..asset(&p("db"), "database")
        }));
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("internal"))),
            hosted_on: Some(n(p("app-host"))),
            stores: vec![n(p("routes"))],
            ..asset(&p("route-store"), "data-store")
        }));
        doc.assets
            .push(with_org(asset(&p("psp"), "payment-gateway")));
        doc.assets
            .push(with_org(asset(&p("cdn"), "third-party-service")));
        for s in 0..4 {
            let who = p(&format!("staff{s}"));
            let ty = ["employee", "administrator", "dispatcher", "driver"][s];
            doc.assets.push(with_org(asset(&who, ty)));
            doc.assets
                .push(with_org(asset(&format!("{who}-account"), "identity")));
            doc.assets.push(with_org(AssetDoc {
                zone: Some(n(p("internal"))),
                ..asset(&format!("{who}-pc"), "workstation")
            }));
            doc.custody.push(CustodyDoc {
                id: None,
                holder: n(who.clone()),
                item: n(format!("{who}-account")),
            });
            doc.access.push(AccessDoc {
                id: None,
                who: n(who.clone()),
                to: n(format!("{who}-pc")),
                rights: vec![Right::Execute],
            });
            let target = [
                p("orders-api"),
                p("db-host"),
                p("route-store"),
                p("route-store"),
            ][s]
                .clone();
            doc.access.push(AccessDoc {
                id: None,
                who: n(format!("{who}-account")),
                to: n(target),
                rights: vec![Right::Read],
            });
        }
        doc.assets.push(with_org(asset(&p("customer"), "customer")));
        doc.assets
            .push(with_org(asset(&p("customer-account"), "identity")));
        doc.custody.push(CustodyDoc {
            id: None,
            holder: n(p("customer")),
            item: n(p("customer-account")),
        });
        doc.access.push(AccessDoc {
            id: None,
            who: n(p("customer-account")),
            to: n(p("shop")),
            rights: vec![Right::Read, Right::Write],
        });
        doc.assets
            .push(with_org(asset(&p("warehouse"), "warehouse")));
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("warehouse"))),
            ..asset(&p("van"), "vehicle")
        }));
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("warehouse"))),
            ..asset(&p("tracker"), "tracking-device")
        }));
        doc.assets.push(with_org(AssetDoc {
            hosted_on: Some(n(p("van"))),
            value_eur: Some(50_000.0 + rng.below(500_000) as f64),
            ..asset(&p("shipment"), "shipment")
        }));
        doc.assets.push(with_org(AssetDoc {
            zone: Some(n(p("warehouse"))),
            ..asset(&p("door-sensor"), "sensor")
        }));
        doc.custody.push(CustodyDoc {
            id: None,
            holder: n(p("staff3")),
            item: n(p("van")),
        });
        doc.custody.push(CustodyDoc {
            id: None,
            holder: n(p("staff3")),
            item: n(p("tracker")),
        });

        use Authentication as A;
        use Encryption as E;
        doc.flows.push(flow(
            "internet",
            &p("shop"),
            A::None,
            E::Tls13,
            vec![n(p("pii"))],
        ));
        doc.flows.push(flow(
            &p("shop"),
            &p("checkout"),
            A::Token,
            E::Tls13,
            vec![n(p("cards"))],
        ));
        doc.flows.push(flow(
            &p("shop"),
            &p("orders-api"),
            A::Token,
            E::Tls13,
            vec![n(p("orders"))],
        ));
        doc.flows.push(flow(
            &p("checkout"),
            &p("db"),
            A::Password,
            E::Tls12,
            vec![n(p("cards"))],
        ));
        doc.flows.push(flow(
            &p("orders-api"),
            &p("db"),
            A::Password,
            E::Tls12,
            vec![n(p("pii"))],
        ));
        doc.flows.push(flow(
            &p("routing-api"),
            &p("route-store"),
            A::Password,
            E::None,
            vec![n(p("routes"))],
        ));
        doc.flows.push(flow(
            &p("checkout"),
            &p("psp"),
            A::Mtls,
            E::Tls13,
            vec![n(p("cards"))],
        ));
        doc.flows
            .push(flow(&p("cdn"), &p("shop"), A::None, E::Tls13, Vec::new()));
        // Cross-organisation interfaces: each shop calls a few other organisations' APIs.
        for _ in 0..3 {
            if apis.len() > 3 {
                let other = apis[rng.below(apis.len() - 3)].clone();
                let auth = if rng.chance(0.7) { A::Mtls } else { A::ApiKey };
                doc.flows.push(flow(
                    &p("orders-api"),
                    &other,
                    auth,
                    E::Tls13,
                    vec![n(p("orders"))],
                ));
                doc.dependencies.push(DependencyDoc {
                    id: None,
                    service: n(p("checkout")),
                    requires: Requires::Any,
                    on: vec![n(other)],
                    p_propagate: Some(0.5),
                    delay_hours: Some(exp(2.0)),
                    recovery_hours: Some(exp(12.0)),
                });
            }
        }
        doc.dependencies.push(DependencyDoc {
            id: None,
            service: n(p("shop")),
            requires: Requires::All,
            on: vec![n(p("checkout")), n(p("orders-api"))],
            p_propagate: Some(0.9),
            delay_hours: Some(exp(0.5)),
            recovery_hours: Some(exp(4.0)),
        });
        doc.dependencies.push(DependencyDoc {
            id: None,
            service: n(p("checkout")),
            requires: Requires::All,
            on: vec![n(p("db")), n(p("psp"))],
            p_propagate: Some(1.0),
            delay_hours: None,
            recovery_hours: Some(exp(2.0)),
        });
        doc.controls.push(ControlDoc {
            id: n(p("waf")),
            name: None,
            kind: "waf".into(),
            protects: vec![n(p("shop"))],
            effects: vec![EffectDoc {
                step: n("exploit-injection"),
                efficacy: Some(0.6),
                slowdown: Some(2.0),
            }],
            changes: Vec::new(),
            cost_eur: Some(20_000.0),
            upkeep_eur_per_year: Some(5_000.0),
            enabled: rng.chance(0.5),
            group: None,
        });
        doc.controls.push(ControlDoc {
            id: n(p("mfa")),
            name: None,
            kind: "mfa".into(),
            protects: (0..4).map(|s| n(p(&format!("staff{s}-account")))).collect(),
            effects: vec![EffectDoc {
                step: n("authenticate"),
                efficacy: Some(0.9),
                slowdown: None,
            }],
            changes: Vec::new(),
            cost_eur: Some(15_000.0),
            upkeep_eur_per_year: Some(3_000.0),
            enabled: false,
            group: None,
        });
        doc.monitors.push(MonitorDoc {
            id: n(p("db-monitor")),
            name: None,
            kind: "data-security".into(),
            observes: vec![n("exfiltrate")],
            on: vec![n(p("db"))],
            p_detect: 0.5,
            delay_hours: Some(exp(6.0)),
            response_hours: Some(exp(24.0)),
            cost_eur_per_year: Some(30_000.0),
            disabled: false,
        });
        doc.impacts.push(ImpactDoc {
            id: n(p("breach")),
            kind: ImpactKind::RecordsExposed,
            on_step: Some(n(format!("{}.disclose", p("pii")))),
            on_outage: None,
            loss_eur: Some(DistDoc::Lognormal(LognormalDoc {
                median: Some(1.0e6),
                mu: None,
                sigma: 1.0,
            })),
            cost_eur_per_hour: None,
            records: None,
        });
        doc.impacts.push(ImpactDoc {
            id: n(p("downtime")),
            kind: ImpactKind::Downtime,
            on_step: None,
            on_outage: Some(n(p("shop"))),
            loss_eur: None,
            cost_eur_per_hour: Some(10_000.0),
            records: None,
        });
    }
    doc.actors.push(ActorDoc {
        id: n("phishers"),
        name: None,
        description: None,
        entry: (0..n_orgs)
            .flat_map(|o| (0..4).map(move |s| n(format!("o{o}-staff{s}.deceive"))))
            .collect(),
        capabilities: vec![Layer::Human, Layer::Cyber, Layer::Data],
        frequency_per_year: Some(12.0),
    });
    doc.actors.push(ActorDoc {
        id: n("web-attackers"),
        name: None,
        description: None,
        entry: (0..n_orgs)
            .map(|o| n(format!("o{o}-shop.exploit-injection")))
            .collect(),
        capabilities: Vec::new(),
        frequency_per_year: None,
    });
    doc.goals.push(GoalDoc {
        id: n("customer-data"),
        name: Some("Customer data disclosed".into()),
        threat: "data breach".into(),
        targets: (0..n_orgs)
            .map(|o| n(format!("o{o}-pii.disclose")))
            .collect(),
        actors: Vec::new(),
    });
    doc.properties.push(PropertyDoc {
        id: n("card-data-confined"),
        statement: Some("Card data never reaches a zone of trust below 6".into()),
        kind: PropertyKind::Confinement,
        data: Some(n("o0-cards")),
        min_trust: Some(6),
        ..empty_property()
    });
    // One property of every kind, so that the verifier's benchmarks cover them all.
    doc.properties.extend(properties());
    doc
}

/// A property of each kind over the first organisation's block (and, for reachability,
/// every organisation's database), with thresholds a well-run shop would set.
fn properties() -> Vec<PropertyDoc> {
    use Authentication as A;
    use Encryption as E;
    vec![
        PropertyDoc {
            id: n("interfaces-protected"),
            statement: Some(
                "Every boundary-crossing interface authenticates strongly over TLS".into(),
            ),
            kind: PropertyKind::Boundary,
            min_trust_gap: Some(1),
            require_authentication: vec![A::Mtls, A::Token, A::Certificate, A::Mfa],
            require_encryption: vec![E::Tls12, E::Tls13],
            ..empty_property()
        },
        PropertyDoc {
            id: n("card-data-confined-any-configuration"),
            statement: Some(
                "Card data stays in trust 6 or more whatever candidates are chosen".into(),
            ),
            kind: PropertyKind::Confinement,
            data: Some(n("o0-cards")),
            min_trust: Some(6),
            all_configurations: true,
            ..empty_property()
        },
        PropertyDoc {
            id: n("databases-behind-two-controls"),
            statement: Some("Every web attack on a database meets two controls".into()),
            kind: PropertyKind::Reachability,
            actor: Some(n("web-attackers")),
            min_controls: Some(2),
            ..empty_property()
        },
        PropertyDoc {
            id: n("shop-survives-one-failure"),
            statement: Some("The first shop survives any single failure".into()),
            kind: PropertyKind::Resilience,
            service: Some(n("o0-shop")),
            k: Some(1),
            ..empty_property()
        },
        PropertyDoc {
            id: n("no-insider-db-and-routes"),
            statement: Some(
                "No single insider reaches both the database and the route store".into(),
            ),
            kind: PropertyKind::Separation,
            assets: vec![n("o0-db"), n("o0-route-store")],
            k: Some(1),
            ..empty_property()
        },
        PropertyDoc {
            id: n("admin-blast-radius"),
            statement: Some("A stolen administrator account reaches at most 10 assets".into()),
            kind: PropertyKind::BlastRadius,
            targets: vec![n("o0-staff1-account")],
            max_assets: Some(10),
            ..empty_property()
        },
        PropertyDoc {
            id: n("crossings-encrypted"),
            statement: Some("Boundary-crossing flows are encrypted".into()),
            kind: PropertyKind::Custom,
            assert: Some(n(
                "forall f in flows: crosses(f, 1) -> f.encryption in [tls12, tls13]",
            )),
            ..empty_property()
        },
        PropertyDoc {
            id: n("phishers-never-reach-db-any-configuration"),
            statement: Some(
                "No phishing path reaches the first database, whatever candidates are chosen"
                    .into(),
            ),
            kind: PropertyKind::Reachability,
            actor: Some(n("phishers")),
            targets: vec![n("o0-db")],
            min_controls: Some(1),
            all_configurations: true,
            ..empty_property()
        },
    ]
}

fn empty_property() -> PropertyDoc {
    PropertyDoc {
        id: n(""),
        statement: None,
        kind: PropertyKind::Boundary,
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

#[cfg(test)]
mod tests {
    #[test]
    fn generated_models_build_without_diagnostics() {
        for n in [1, 40, 400, 4000] {
            let doc = super::generate(n, 7);
            let (model, diags) = crate::build(&doc, crate::catalog::types());
            assert!(diags.is_empty(), "{diags:#?}");
            let model = model.expect("builds");
            let got = model.assets.len();
            assert!(
                got > super::UNIT && got.abs_diff(n) <= super::UNIT,
                "{got} assets for {n}"
            );
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(super::generate(200, 3), super::generate(200, 3));
        assert_ne!(super::generate(200, 3), super::generate(200, 4));
    }
}
