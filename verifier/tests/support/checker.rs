//! Validates a witness against the semantics, independently of how it was found: a
//! derivation really derives its steps from the stated entries under the stated
//! configuration, a failed set really puts the service down, every listed flow really
//! crosses and is weak, and so on. A wrong witness is a failed test.

use std::collections::{BTreeSet, HashMap};

use ensure_model::logic::Value;
use ensure_model::{ActorId, AssetId, ControlId, Layer, Model, Property, PropertyKind, StepId};
use ensure_verifier::{Binding, DerivationNode, Detail, Witness};

use super::oracle::{self, World};

/// The configuration a witness speaks of, checked for admissibility.
fn configuration(model: &Model, p: &Property, w: &Witness) -> Result<oracle::On, String> {
    let mut on: oracle::On = model.controls.iter().map(|c| c.enabled).collect();
    match (&w.configuration, p.all_configurations) {
        (None, false) => Ok(on),
        (Some(cs), true) => {
            for c in cs {
                on[c.idx()] = true;
            }
            if !oracle::configurations(model, true).contains(&on) {
                return Err(format!("configuration {cs:?} is not admissible"));
            }
            Ok(on)
        }
        (Some(_), false) => Err("a configuration for a current-configuration property".into()),
        (None, true) => {
            // Allowed only when no candidate is free.
            if oracle::configurations(model, true).len() == 1 {
                Ok(on)
            } else {
                Err("no configuration named for an all-configurations property".into())
            }
        }
    }
}

/// Checks a derivation: leaves first, each node possible, entry nodes among `entries`,
/// `any` nodes with one live parent derived before, `all` nodes with exactly their live
/// parents (at least one), all derived before.
fn derivation(
    w: &World,
    nodes: &[DerivationNode],
    entries: &[StepId],
    caps: &[Layer],
) -> Result<(), String> {
    let m = w.model;
    let mut seen: HashMap<StepId, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let label = m.step_label(n.step);
        if seen.insert(n.step, i).is_some() {
            return Err(format!("{label} appears twice"));
        }
        if !w.possible(n.step, caps) {
            return Err(format!("{label} is not possible"));
        }
        let st = m.step(n.step);
        if n.entry {
            if !entries.contains(&n.step) {
                return Err(format!("{label} is marked entry but is not one"));
            }
            continue;
        }
        let live: BTreeSet<StepId> = st
            .parents
            .iter()
            .enumerate()
            .filter(|(k, _)| w.edge_alive(n.step, *k))
            .map(|(_, p)| *p)
            .collect();
        for p in &n.parents {
            if !live.contains(p) {
                return Err(format!(
                    "{label}: {} is not a live parent",
                    m.step_label(*p)
                ));
            }
            if !seen.contains_key(p) {
                return Err(format!(
                    "{label}: parent {} is not derived before it",
                    m.step_label(*p)
                ));
            }
        }
        match st.requires {
            ensure_model::Requires::Any => {
                if n.parents.len() != 1 {
                    return Err(format!("{label} (any) has {} parents", n.parents.len()));
                }
            }
            ensure_model::Requires::All => {
                let given: BTreeSet<StepId> = n.parents.iter().copied().collect();
                if live.is_empty() || given != live {
                    return Err(format!(
                        "{label} (all) does not list exactly its live parents"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn contains(nodes: &[DerivationNode], s: StepId) -> bool {
    nodes.iter().any(|n| n.step == s)
}

/// Checks a violation's witness against the semantics; `Err` says what is wrong.
pub fn check(model: &Model, p: &Property, wit: &Witness) -> Result<(), String> {
    let on = configuration(model, p, wit)?;
    let w = World::new(model, on);
    match (&wit.detail, p.kind) {
        (Detail::Boundary { flows }, PropertyKind::Boundary) => {
            let listed: BTreeSet<_> = flows.iter().map(|o| o.flow).collect();
            let truth = oracle::offending_flows(&w, p);
            if listed != truth || listed.is_empty() {
                return Err(format!(
                    "offending flows {listed:?}, but the semantics says {truth:?}"
                ));
            }
            for o in flows {
                let fl = &model.flows[o.flow.idx()];
                if o.from_trust != w.trust(fl.from) || o.to_trust != w.trust(fl.to) {
                    return Err("wrong trusts reported".into());
                }
                let c = w.flow(o.flow);
                if c.authentication != o.authentication || c.encryption != o.encryption {
                    return Err("wrong flow attributes reported".into());
                }
            }
            Ok(())
        }
        (
            Detail::Confinement {
                holder,
                trust,
                low_trust,
                outside_agreements,
                chain,
            },
            PropertyKind::Confinement,
        ) => {
            let d = p.data.expect("data");
            if !oracle::bad_holders(&w, p).contains(holder) {
                return Err(format!("{} is not a bad holder", model.asset(*holder).id));
            }
            if *trust != w.trust(*holder) {
                return Err("wrong trust".into());
            }
            if *low_trust != (w.trust(*holder) < p.min_trust.unwrap_or(0)) {
                return Err("wrong low-trust flag".into());
            }
            let outside = match (oracle::covered(model, d), model.asset(*holder).org) {
                (Some(c), Some(o)) => !c.contains(&o),
                _ => false,
            };
            if *outside_agreements != outside {
                return Err("wrong agreements flag".into());
            }
            for f in chain {
                if !w.carries(*f, d) {
                    return Err("a chain flow does not carry the data".into());
                }
            }
            let stores = |a: AssetId| model.asset(a).stores.contains(&d);
            if chain.is_empty() {
                // The holder stores the data, or holds it with no flow at all (impossible).
                if !stores(*holder) {
                    return Err("empty chain for a holder that does not store the data".into());
                }
                return Ok(());
            }
            // Walk from the holder backwards along the chain.
            let mut at = *holder;
            for f in chain.iter().rev() {
                let fl = &model.flows[f.idx()];
                at = if fl.from == at {
                    fl.to
                } else if fl.to == at {
                    fl.from
                } else {
                    return Err("the chain is not connected".into());
                };
            }
            // A holder connected to a storer through carrying flows gets a chain from one.
            let mut connected: BTreeSet<AssetId> = (0..model.assets.len())
                .map(|i| AssetId(i as u32))
                .filter(|a| stores(*a))
                .collect();
            loop {
                let before = connected.len();
                for (i, fl) in model.flows.iter().enumerate() {
                    if w.carries(ensure_model::FlowId(i as u32), d)
                        && (connected.contains(&fl.from) || connected.contains(&fl.to))
                    {
                        connected.insert(fl.from);
                        connected.insert(fl.to);
                    }
                }
                if connected.len() == before {
                    break;
                }
            }
            if connected.contains(holder) != stores(at) {
                return Err("the chain does not start at a storer".into());
            }
            if !connected.contains(holder) && chain.len() != 1 {
                return Err(
                    "an unconnected holder gets the one flow that makes it a holder".into(),
                );
            }
            Ok(())
        }
        (
            Detail::Reachability {
                actor,
                target,
                derivation: nodes,
                controls,
            },
            PropertyKind::Reachability,
        ) => {
            if p.actor.is_some_and(|a| a != *actor) {
                return Err("wrong actor".into());
            }
            let ac = &model.actors[actor.idx()];
            derivation(&w, nodes, &ac.entry, &ac.capabilities)?;
            let targets = oracle::targets(model, p);
            if !targets.contains(&model.step(*target).asset) || !contains(nodes, *target) {
                return Err("the target is not a derived step of a target asset".into());
            }
            let truth: BTreeSet<ControlId> = model
                .controls
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    w.on[*i]
                        && (p.control_kinds.is_empty() || p.control_kinds.contains(&c.kind))
                        && c.effects.iter().any(|e| contains(nodes, e.step))
                })
                .map(|(i, _)| ControlId(i as u32))
                .collect();
            let listed: BTreeSet<ControlId> = controls.iter().copied().collect();
            if listed != truth {
                return Err(format!("controls met {listed:?}, truly {truth:?}"));
            }
            if listed.len() >= p.min_controls as usize {
                return Err("the derivation meets enough controls".into());
            }
            Ok(())
        }
        (
            Detail::Resilience {
                failed,
                propagation,
                minimal,
            },
            PropertyKind::Resilience,
        ) => {
            let service = p.service.expect("service");
            if failed.len() > p.k as usize || failed.contains(&service) {
                return Err("failed set too large or contains the service".into());
            }
            if !w.down(failed)[service.idx()] {
                return Err("the failed set does not put the service down".into());
            }
            // The propagation: each node failed or down through a live entry unmet by
            // members listed before it; the service is the last.
            let mut down: BTreeSet<AssetId> = BTreeSet::new();
            for n in propagation {
                if n.failed {
                    if !failed.contains(&n.asset) {
                        return Err("a propagation leaf did not fail".into());
                    }
                } else {
                    let d = n
                        .dependency
                        .ok_or("no dependency for a propagated outage")?;
                    let dep = &model.dependencies[d.idx()];
                    if dep.service != n.asset || dep.p_propagate <= 0.0 {
                        return Err("wrong dependency entry".into());
                    }
                    if w.removed
                        .contains(&ensure_model::RelationRef::Dependency(d))
                    {
                        return Err("a removed dependency entry propagates".into());
                    }
                    let unmet = match dep.requires {
                        ensure_model::Requires::All => n
                            .because
                            .iter()
                            .any(|m| dep.on.contains(m) && down.contains(m)),
                        ensure_model::Requires::Any => dep
                            .on
                            .iter()
                            .all(|m| down.contains(m) && n.because.contains(m)),
                    };
                    if !unmet {
                        return Err("a propagation step is not justified".into());
                    }
                }
                down.insert(n.asset);
            }
            if propagation.last().map(|n| n.asset) != Some(service) {
                return Err("the propagation does not end at the service".into());
            }
            if *minimal {
                let truth = oracle::check_in(&w, p);
                if truth != oracle::Answer::Violated(Some(failed.len())) {
                    return Err(format!(
                        "claimed smallest {}, oracle {truth:?}",
                        failed.len()
                    ));
                }
            }
            Ok(())
        }
        (
            Detail::Separation {
                coalition,
                reached,
                derivation: nodes,
                minimal,
            },
            PropertyKind::Separation,
        ) => {
            let ins = oracle::insiders(model);
            if coalition.len() > p.k as usize || coalition.iter().any(|c| !ins.contains(c)) {
                return Err("not a coalition of at most k insiders".into());
            }
            let entries: Vec<StepId> = coalition
                .iter()
                .filter_map(|a| model.step_id(*a, "misuse"))
                .collect();
            derivation(&w, nodes, &entries, &Layer::ALL)?;
            for (s, a) in reached.iter().zip(&p.assets) {
                if model.step(*s).asset != *a || !contains(nodes, *s) {
                    return Err("a reached step is not derived or not of its asset".into());
                }
            }
            if *minimal && oracle::smallest_coalition(&w, p) != Some(coalition.len()) {
                return Err("the coalition is not a smallest one".into());
            }
            Ok(())
        }
        (
            Detail::BlastRadius {
                identity,
                reached,
                derivation: nodes,
            },
            PropertyKind::BlastRadius,
        ) => {
            if *identity != p.targets[0] {
                return Err("wrong identity".into());
            }
            derivation(&w, nodes, model.steps_of(*identity), &Layer::ALL)?;
            for (a, s) in reached {
                if model.step(*s).asset != *a || !contains(nodes, *s) {
                    return Err("a reached asset's step is not derived".into());
                }
            }
            let listed: BTreeSet<AssetId> = reached.iter().map(|(a, _)| *a).collect();
            let truth = oracle::blast(&w, p);
            if listed != truth {
                return Err(format!("reached {listed:?}, truly {truth:?}"));
            }
            if listed.len() <= p.max_assets.unwrap_or(0) as usize {
                return Err("not more than max_assets".into());
            }
            Ok(())
        }
        (Detail::Custom { bindings }, PropertyKind::Custom) => {
            let f = ensure_model::logic::compile(&p.assert.as_ref().expect("assert").0, model)
                .map_err(|e| format!("{e:?}"))?;
            let prefix = f.prefix();
            if bindings.len() != prefix.len() {
                return Err("one value per leading variable expected".into());
            }
            let mut env: Vec<Option<Value>> = vec![None; f.vars.len()];
            for ((name, b), v) in bindings.iter().zip(&prefix) {
                if *name != f.vars[*v].name {
                    return Err("bindings out of order".into());
                }
                let val = match b {
                    Binding::Asset(a) => Value::Asset(*a),
                    Binding::Flow(x) => Value::Flow(*x),
                    Binding::Actor(a) => Value::Actor(ActorId(a.0)),
                    Binding::Control(c) => Value::Control(*c),
                };
                if !oracle::members(&w, &f.vars[*v].domain).contains(&val) {
                    return Err(format!("{name} is bound outside its domain"));
                }
                env[*v] = Some(val);
            }
            let mut body = &f.body;
            for _ in &prefix {
                if let ensure_model::logic::Expr::Forall(_, b) = body {
                    body = b;
                }
            }
            if oracle::eval(&w, &f, body, &mut env) {
                return Err("the formula holds for the witness's values".into());
            }
            Ok(())
        }
        (d, k) => Err(format!("a {d:?} witness for a {k:?} property")),
    }
}
