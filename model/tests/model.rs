//! Properties of the model crate as a whole: the file format round-trips, and no input,
//! however malformed, makes the loader panic.

use ensure_model::format::*;
use ensure_model::{build, catalog, check_str, load_str, Located, Model};
use proptest::prelude::*;

fn n(s: &str) -> Located<String> {
    Located::new(s.to_string())
}

/// Strings that YAML likes to misread: booleans, nulls, numbers, quotes, colons, unicode.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("yes".to_string()),
        Just("no".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("1e3".to_string()),
        Just("0x1F".to_string()),
        Just("- dash".to_string()),
        Just("key: value".to_string()),
        Just("# not a comment".to_string()),
        Just("  leading spaces".to_string()),
        Just("\"quoted\" and 'single'".to_string()),
        Just("line one\nline two".to_string()),
        Just("Zürich → Αθήνα 🚚".to_string()),
        "[a-zA-Z0-9 ,.:;!?'\"{}\\[\\]&*#|>%@`-]{0,30}",
    ]
}

const TYPES: &[&str] = &[
    "host",
    "web-application",
    "api",
    "database",
    "identity",
    "employee",
    "customer",
    "vehicle",
    "tracking-device",
    "warehouse",
    "customer-pii",
    "payment-card-data",
    "company",
    "network-zone",
];

fn dist() -> impl Strategy<Value = DistDoc> {
    prop_oneof![
        (0.0f64..100.0).prop_map(DistDoc::Constant),
        (0.001f64..10.0).prop_map(|r| DistDoc::Exponential(ExponentialDoc {
            rate: Some(r),
            mean: None
        })),
        (0.1f64..1000.0, 0.1f64..3.0).prop_map(|(m, s)| DistDoc::Lognormal(LognormalDoc {
            median: Some(m),
            mu: None,
            sigma: s
        })),
        (0.1f64..10.0, 0.1f64..100.0)
            .prop_map(|(a, b)| DistDoc::Gamma(GammaDoc { shape: a, scale: b })),
        (0.0f64..10.0, 10.5f64..20.0)
            .prop_map(|(a, b)| DistDoc::Uniform(UniformDoc { min: a, max: b })),
        (0.0f64..10.0, 10.0f64..20.0, 20.5f64..30.0).prop_map(|(a, m, b)| DistDoc::Pert(
            ThreePointDoc {
                min: a,
                mode: m,
                max: b,
                lambda: None
            }
        )),
    ]
}

/// A random but valid model document: typed assets, every relation kind, distributions.
fn model_doc() -> impl Strategy<Value = ModelDoc> {
    let asset = (
        0..TYPES.len(),
        proptest::option::of(tricky_text()),
        proptest::option::of(0u8..=10),
        any::<bool>(),
    );
    (
        proptest::collection::vec(asset, 2..25),
        proptest::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                0usize..7,
                0usize..5,
            ),
            0..30,
        ),
        proptest::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                proptest::option::of(dist()),
            ),
            0..10,
        ),
        proptest::option::of(tricky_text()),
    )
        .prop_map(|(assets, flows, deps, description)| {
            let mut doc = ModelDoc {
                name: Some("prop".into()),
                description,
                ..ModelDoc::default()
            };
            for (i, (t, name, trust, crown)) in assets.iter().enumerate() {
                doc.assets.push(AssetDoc {
                    id: n(&format!("a{i}")),
                    type_: n(TYPES[*t]),
                    name: name.clone(),
                    description: None,
                    org: None,
                    zone: None,
                    hosted_on: None,
                    stores: Vec::new(),
                    trust: *trust,
                    records: None,
                    value_eur: None,
                    crown_jewel: *crown,
                    tags: Vec::new(),
                    steps: Vec::new(),
                });
            }
            let k = doc.assets.len();
            let auths = [
                Authentication::None,
                Authentication::Password,
                Authentication::ApiKey,
                Authentication::Token,
                Authentication::Mfa,
                Authentication::Certificate,
                Authentication::Mtls,
            ];
            let encs = [
                Encryption::None,
                Encryption::Tls12,
                Encryption::Tls13,
                Encryption::Vpn,
                Encryption::Physical,
            ];
            for (a, b, au, en) in flows {
                let (a, b) = (a.index(k), b.index(k));
                if a != b {
                    doc.flows.push(FlowDoc {
                        id: None,
                        from: n(&format!("a{a}")),
                        to: n(&format!("a{b}")),
                        protocol: Some("https".into()),
                        authentication: auths[au],
                        encryption: encs[en],
                        input_validation: a % 2 == 0,
                        rate_limited: b % 3 == 0,
                        carries: Vec::new(),
                    });
                    doc.access.push(AccessDoc {
                        id: None,
                        who: n(&format!("a{a}")),
                        to: n(&format!("a{b}")),
                        rights: vec![Right::Read],
                    });
                }
            }
            for (a, b, d) in deps {
                let (a, b) = (a.index(k), b.index(k));
                if a != b {
                    doc.dependencies.push(DependencyDoc {
                        id: None,
                        service: n(&format!("a{a}")),
                        requires: if a % 2 == 0 {
                            Requires::All
                        } else {
                            Requires::Any
                        },
                        on: vec![n(&format!("a{b}"))],
                        p_propagate: Some(0.5),
                        delay_hours: d.clone(),
                        recovery_hours: d,
                    });
                }
            }
            doc
        })
}

/// Assets with their types, edges with their relation, steps with their parents.
type Shape = (
    Vec<(String, String)>,
    Vec<(String, String, String)>,
    Vec<(String, Vec<String>)>,
);

/// What identifies a model's graph, independent of internal indices.
fn shape(m: &Model) -> Shape {
    let assets = m
        .assets
        .iter()
        .map(|a| (a.id.clone(), m.types[a.type_id.idx()].id.clone()))
        .collect();
    let mut edges: Vec<(String, String, String)> = m
        .graph
        .edge_indices()
        .map(|e| {
            let (s, t) = m.graph.edge_endpoints(e).expect("edge");
            (
                m.assets[s.index()].id.clone(),
                m.assets[t.index()].id.clone(),
                m.graph[e].label().to_string(),
            )
        })
        .collect();
    edges.sort();
    let steps = (0..m.steps.len())
        .map(|i| {
            let id = ensure_model::StepId(i as u32);
            let mut parents: Vec<String> = m
                .step(id)
                .parents
                .iter()
                .map(|p| m.step_label(*p))
                .collect();
            parents.sort();
            (m.step_label(id), parents)
        })
        .collect();
    (assets, edges, steps)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn model_to_yaml_to_model_is_the_same_graph(doc in model_doc()) {
        let yaml = to_yaml(&doc).expect("serializes");
        let loaded = load_str("roundtrip.yaml", &yaml);
        prop_assert!(loaded.diagnostics.is_empty(), "{:?}\n{yaml}", loaded.diagnostics);
        prop_assert_eq!(&loaded.doc, &doc, "document changed through YAML:\n{}", yaml);
        let (a, da) = build(&doc, catalog::types());
        let (b, db) = build(&loaded.doc, catalog::types());
        prop_assert_eq!(da.len(), db.len());
        let (a, b) = (a.expect("valid by construction"), b.expect("valid by construction"));
        prop_assert_eq!(shape(&a), shape(&b));
        // And JSON, the other input format, gives the same graph.
        let json = serde_json::to_string(&doc).expect("serializes");
        let from_json = check_str("roundtrip.json", &json);
        prop_assert_eq!(shape(&a), shape(from_json.model.as_ref().expect("valid")));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = check_str("fuzz.yaml", &text);
    }

    #[test]
    fn mutated_models_never_panic(doc in model_doc(), cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let yaml = to_yaml(&doc).expect("serializes");
        let mut bytes = yaml.into_bytes();
        for (at, byte) in cuts {
            let i = at.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
            match byte % 3 {
                0 if !bytes.is_empty() => { bytes.remove(i); }
                1 => bytes.insert(i, b"-:[]{}#&*!|>'\"\t\n "[byte as usize % 17]),
                _ => bytes.truncate(i),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let checked = check_str("mutated.yaml", &text);
        // Whatever happened, every diagnostic points inside the file it names.
        for d in &checked.diagnostics {
            if d.span.is_known() {
                prop_assert!(d.span.line <= text.lines().count() + 1, "{d:?}");
            }
        }
    }
}

/// Every attack-graph edge remembers the relation behind it, so a control that removes the
/// relation cuts exactly the edges it induced.
#[test]
fn control_changes_cut_the_edges_their_relations_induced() {
    use ensure_model::{AccessId, ControlId, FlowId, RelationRef, Via};
    let text = r#"
name: t
assets:
  - {id: org, type: company}
  - {id: db, type: database, org: org}
  - {id: clerk, type: employee, org: org}
  - {id: clerk-account, type: identity, org: org}
  - {id: api, type: api, org: org}
flows:
  - {id: f-api-db, from: api, to: db, authentication: password, encryption: tls12}
access:
  - {id: acc-clerk-db, who: clerk-account, to: db, rights: [read]}
custody:
  - {id: cus-clerk-account, holder: clerk, item: clerk-account}
controls:
  - id: least-privilege
    kind: access-control
    changes:
      - {remove: acc-clerk-db}
      - {flow: f-api-db, authentication: mtls}
"#;
    let checked = ensure_model::check_str("t.yaml", text);
    assert_eq!(checked.n_errors(), 0, "{:?}", checked.diagnostics);
    let m = checked.model.expect("valid model");
    let db = m.asset_id("db").unwrap();
    let use_ = m.step_id(db, "use").unwrap();
    let misuse = m
        .step_id(m.asset_id("clerk-account").unwrap(), "misuse")
        .unwrap();
    let s = m.step(use_);
    let i = s
        .parents
        .iter()
        .position(|p| *p == misuse)
        .expect("access edge");
    let via = s.parent_via[i];
    assert_eq!(via, Via::Access(AccessId(0)));
    let lp = ControlId(0);
    let removed = m.removed_relations(&|c| c == lp);
    assert_eq!(removed, vec![RelationRef::Access(AccessId(0))]);
    assert!(!m.via_alive(via, &|r| removed.contains(&r)));
    assert!(m.via_alive(via, &|_| false));
    // The db's compromise follows the api's through the flow, which the control keeps.
    let comp = m.step(m.step_id(db, "compromise").unwrap());
    let api_comp = m.step_id(m.asset_id("api").unwrap(), "compromise").unwrap();
    let j = comp.parents.iter().position(|p| *p == api_comp).unwrap();
    assert_eq!(comp.parent_via[j], Via::Flow(FlowId(0)));
    assert!(m.via_alive(comp.parent_via[j], &|r| removed.contains(&r)));
    let f = m.flow_as_configured(FlowId(0), &|c| c == lp);
    assert_eq!(f.authentication, Authentication::Mtls);
    assert_eq!(m.flows[0].authentication, Authentication::Password);
    for s in &m.steps {
        assert_eq!(s.parents.len(), s.parent_via.len());
    }
}
