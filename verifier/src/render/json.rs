//! Reports as JSON, written out explicitly so that the output's shape is a decision and not
//! a side effect of the report types.

use std::path::Path;

use ensure_model::Model;
use serde_json::{json, Value};

use super::{display_path, place, verdict_name, Input};
use crate::repair::{RepairReport, RepairStatus};
use crate::report::*;

fn place_json(input: &Input, span: ensure_model::Span, base: Option<&Path>) -> Value {
    match place(input.sources, span, base) {
        Some(p) => json!({"file": p.file, "line": p.line, "column": p.column}),
        None => Value::Null,
    }
}

fn item_json(model: &Model, item: &Item) -> Value {
    match item {
        Item::Asset(a) => json!({"asset": model.asset(*a).id}),
        Item::Step(s) => json!({"step": model.step_label(*s)}),
        Item::Flow(f) => json!({"flow": crate::encode::custom::flow_name(model, *f)}),
        Item::Control(c) => json!({"control": model.controls[c.idx()].id}),
        Item::Actor(a) => json!({"actor": model.actors[a.idx()].id}),
        Item::Dependency(d) => {
            json!({"dependency": crate::verdict::dependency(model, *d, "").label})
        }
    }
}

pub fn derivation_json(model: &Model, nodes: &[DerivationNode]) -> Value {
    nodes
        .iter()
        .map(|n| {
            json!({
                "step": model.step_label(n.step),
                "entry": n.entry,
                "from": n.parents.iter().map(|p| model.step_label(*p)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

pub fn detail_json(model: &Model, d: &Detail) -> Value {
    let a = |x: &ensure_model::AssetId| model.asset(*x).id.clone();
    let f = |x: &ensure_model::FlowId| crate::encode::custom::flow_name(model, *x);
    match d {
        Detail::Boundary { flows } => json!({"flows": flows.iter().map(|o| json!({
            "flow": f(&o.flow),
            "from_trust": o.from_trust,
            "to_trust": o.to_trust,
            "authentication": ensure_model::logic::auth_name(o.authentication),
            "encryption": ensure_model::logic::enc_name(o.encryption),
        })).collect::<Vec<_>>()}),
        Detail::Confinement {
            holder,
            trust,
            low_trust,
            outside_agreements,
            chain,
        } => json!({
            "holder": a(holder),
            "trust": trust,
            "low_trust": low_trust,
            "outside_agreements": outside_agreements,
            "chain": chain.iter().map(f).collect::<Vec<_>>(),
        }),
        Detail::Reachability {
            actor,
            target,
            derivation,
            controls,
        } => json!({
            "actor": model.actors[actor.idx()].id,
            "target": model.step_label(*target),
            "controls_met": controls.iter().map(|c| model.controls[c.idx()].id.clone()).collect::<Vec<_>>(),
            "derivation": derivation_json(model, derivation),
        }),
        Detail::Resilience {
            failed,
            propagation,
            minimal,
        } => json!({
            "failed": failed.iter().map(a).collect::<Vec<_>>(),
            "minimal": minimal,
            "propagation": propagation.iter().map(|n| json!({
                "asset": a(&n.asset),
                "failed": n.failed,
                "dependency": n.dependency.map(|d| crate::verdict::dependency(model, d, "").label),
                "because": n.because.iter().map(a).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
        Detail::Separation {
            coalition,
            reached,
            derivation,
            minimal,
        } => json!({
            "coalition": coalition.iter().map(a).collect::<Vec<_>>(),
            "minimal": minimal,
            "reached": reached.iter().map(|s| model.step_label(*s)).collect::<Vec<_>>(),
            "derivation": derivation_json(model, derivation),
        }),
        Detail::BlastRadius {
            identity,
            reached,
            derivation,
        } => json!({
            "identity": a(identity),
            "count": reached.len(),
            "reached": reached.iter().map(|(x, s)| json!({"asset": a(x), "step": model.step_label(*s)})).collect::<Vec<_>>(),
            "derivation": derivation_json(model, derivation),
        }),
        Detail::Custom { bindings } => json!({
            "bindings": bindings.iter().map(|(n, b)| {
                let value = match b {
                    Binding::Asset(x) => json!({"asset": a(x)}),
                    Binding::Flow(x) => json!({"flow": f(x)}),
                    Binding::Actor(x) => json!({"actor": model.actors[x.idx()].id}),
                    Binding::Control(x) => json!({"control": model.controls[x.idx()].id}),
                };
                json!({"variable": n, "value": value})
            }).collect::<Vec<_>>(),
        }),
    }
}

pub fn witness_json(input: &Input, model: &Model, w: &Witness, base: Option<&Path>) -> Value {
    json!({
        "summary": w.summary,
        "configuration": w.configuration.as_ref().map(|cs| cs.iter().map(|c| model.controls[c.idx()].id.clone()).collect::<Vec<_>>()),
        "notes": w.notes,
        "elements": w.elements.iter().map(|e| json!({
            "role": e.role,
            "label": e.label,
            "item": item_json(model, &e.item),
            "location": place_json(input, e.span, base),
        })).collect::<Vec<_>>(),
        "detail": detail_json(model, &w.detail),
    })
}

pub fn report(input: &Input, model: &Model, base: Option<&Path>) -> Value {
    let r = input.report;
    json!({
        "file": display_path(input.file, base),
        "model": r.model,
        "summary": {
            "properties": r.properties.len(),
            "violated": r.n_violated(),
            "unknown": r.n_unknown(),
        },
        "properties": r.properties.iter().map(|p| {
            let mut v = json!({
                "id": p.id,
                "kind": p.kind.as_str(),
                "statement": p.statement,
                "all_configurations": p.all_configurations,
                "location": place_json(input, p.span, base),
                "verdict": verdict_name(&p.verdict),
                "stats": {
                    "time_s": p.stats.time.as_secs_f64(),
                    "solver_time_s": p.stats.solver_time.as_secs_f64(),
                    "checks": p.stats.checks,
                    "variables": p.stats.n_vars,
                    "constraints": p.stats.n_constraints,
                    "size": p.stats.size,
                    "cone": p.stats.cone,
                    "z3": p.stats.solver,
                },
            });
            match &p.verdict {
                Verdict::Holds { proved } => v["proved"] = json!(proved),
                Verdict::Unknown { reason } => v["reason"] = json!(reason),
                Verdict::Violated { witness } => v["witness"] = witness_json(input, model, witness, base),
            }
            v
        }).collect::<Vec<_>>(),
    })
}

pub fn repair(r: &RepairReport, model: &Model) -> Value {
    let names = |cs: &[ensure_model::ControlId]| {
        cs.iter()
            .map(|c| model.controls[c.idx()].id.clone())
            .collect::<Vec<_>>()
    };
    let status = match &r.status {
        RepairStatus::NotNeeded => json!({"status": "not-needed"}),
        RepairStatus::Found { controls, cost_eur } => json!({
            "status": "found",
            "controls": names(controls),
            "cost_eur": cost_eur,
            "minimal": "proved",
        }),
        RepairStatus::Impossible { blocking } => json!({
            "status": "impossible",
            "blocking": blocking.iter().map(|b| json!({
                "property": b.property,
                "witness": b.summary,
                "requires": b.requires,
                "with": names(&b.under),
            })).collect::<Vec<_>>(),
        }),
        RepairStatus::Unknown { reason } => json!({"status": "unknown", "reason": reason}),
    };
    let mut v = status;
    v["cost_basis"] = json!(r.cost_basis);
    v["candidates"] = json!(names(&r.candidates));
    v["rounds"] = json!(r.rounds);
    v["clauses"] = json!(r.learned.len());
    v["time_s"] = json!(r.time.as_secs_f64());
    v
}
