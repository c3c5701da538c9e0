//! From what the solver found to what a person reads: witnesses whose every element is an id
//! of the model with its place in the model file, a one-line summary, and statements of what
//! was proved.

use ensure_model::{ControlId, Model, StepId};

use crate::encode::custom::flow_name;
use crate::report::*;

pub fn asset(model: &Model, a: ensure_model::AssetId, role: &str) -> Element {
    Element {
        role: role.into(),
        item: Item::Asset(a),
        label: model.asset(a).id.clone(),
        span: model.asset(a).span,
    }
}

pub fn step(model: &Model, s: StepId, role: &str) -> Element {
    Element {
        role: role.into(),
        item: Item::Step(s),
        label: model.step_label(s),
        span: model.step(s).span,
    }
}

pub fn flow(model: &Model, f: ensure_model::FlowId, role: &str) -> Element {
    Element {
        role: role.into(),
        item: Item::Flow(f),
        label: flow_name(model, f),
        span: model.flows[f.idx()].span,
    }
}

pub fn control(model: &Model, c: ControlId, role: &str) -> Element {
    Element {
        role: role.into(),
        item: Item::Control(c),
        label: model.controls[c.idx()].id.clone(),
        span: model.controls[c.idx()].span,
    }
}

pub fn actor(model: &Model, a: ensure_model::ActorId, role: &str) -> Element {
    Element {
        role: role.into(),
        item: Item::Actor(a),
        label: model.actors[a.idx()].id.clone(),
        span: model.actors[a.idx()].span,
    }
}

pub fn dependency(model: &Model, d: ensure_model::DependencyId, role: &str) -> Element {
    let dep = &model.dependencies[d.idx()];
    Element {
        role: role.into(),
        item: Item::Dependency(d),
        label: dep
            .id
            .clone()
            .unwrap_or_else(|| format!("dependency of {}", model.asset(dep.service).id)),
        span: dep.span,
    }
}

/// The steps of a derivation as elements, leaves (entry steps) first.
pub fn derivation(model: &Model, nodes: &[DerivationNode]) -> Vec<Element> {
    nodes
        .iter()
        .map(|n| {
            step(
                model,
                n.step,
                if n.entry {
                    "entry step"
                } else {
                    "derived step"
                },
            )
        })
        .collect()
}

/// The derivation as indented lines, from the goal down to the entry steps.
pub fn derivation_lines(model: &Model, nodes: &[DerivationNode], roots: &[StepId]) -> Vec<String> {
    let by_step: std::collections::HashMap<StepId, &DerivationNode> =
        nodes.iter().map(|n| (n.step, n)).collect();
    let mut out = Vec::new();
    let mut shown = std::collections::HashSet::new();
    // (step, depth); explicit stack, derivations can be long.
    let mut stack: Vec<(StepId, usize)> = roots.iter().rev().map(|r| (*r, 0)).collect();
    while let Some((s, depth)) = stack.pop() {
        let Some(n) = by_step.get(&s) else { continue };
        let again = !shown.insert(s);
        let mark = if n.entry {
            " (entry)"
        } else if again && !n.parents.is_empty() {
            " (see above)"
        } else {
            ""
        };
        let how = match model.step(s).requires {
            ensure_model::Requires::All if !n.entry && n.parents.len() > 1 => " [all of]",
            _ => "",
        };
        out.push(format!(
            "{}{}{mark}{how}",
            "  ".repeat(depth),
            model.step_label(s)
        ));
        if !again {
            for p in n.parents.iter().rev() {
                stack.push((*p, depth + 1));
            }
        }
    }
    out
}

pub fn controls_phrase(model: &Model, cs: &[ControlId]) -> String {
    if cs.is_empty() {
        "no control".into()
    } else {
        let names: Vec<&str> = cs
            .iter()
            .map(|c| model.controls[c.idx()].id.as_str())
            .collect();
        format!(
            "{} control{} ({})",
            cs.len(),
            if cs.len() == 1 { "" } else { "s" },
            names.join(", ")
        )
    }
}

pub fn list(names: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = names.into_iter().collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        _ => format!("{} and {}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    }
}

/// "in every configuration of the N candidate controls" or "in the current configuration".
pub fn configurations_phrase(n_free: usize, all: bool) -> String {
    if !all {
        "in the current configuration".into()
    } else if n_free == 0 {
        "in every configuration (no candidate control can change)".into()
    } else {
        format!(
            "in every configuration of the {n_free} free candidate control{}",
            if n_free == 1 { "" } else { "s" }
        )
    }
}
