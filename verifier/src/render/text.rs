//! Reports for people.

use std::fmt::Write;
use std::path::Path;

use ensure_model::Model;

use super::{place, Input};
use crate::repair::{RepairReport, RepairStatus};
use crate::report::*;
use crate::verdict::derivation_lines;

fn at(input: &Input, span: ensure_model::Span, base: Option<&Path>) -> String {
    match place(input.sources, span, base) {
        Some(p) => format!("{}:{}:{}", p.file, p.line, p.column),
        None => "(no place in a file)".into(),
    }
}

pub fn report(input: &Input, model: &Model, base: Option<&Path>) -> String {
    let r = input.report;
    let mut out = String::new();
    let n = r.properties.len();
    let violated = r.n_violated();
    let unknown = r.n_unknown();
    let _ = writeln!(
        out,
        "{}: `{}`: {n} propert{}: {} hold, {violated} violated, {unknown} unknown",
        super::display_path(input.file, base),
        r.model,
        if n == 1 { "y" } else { "ies" },
        n - violated - unknown,
    );
    for p in &r.properties {
        out.push('\n');
        let head = match &p.verdict {
            Verdict::Holds { .. } => "HOLDS",
            Verdict::Violated { .. } => "VIOLATED",
            Verdict::Unknown { .. } => "UNKNOWN",
        };
        let _ = writeln!(
            out,
            "{head} {} ({}{})",
            p.id,
            p.kind.as_str(),
            if p.all_configurations {
                ", all configurations"
            } else {
                ""
            }
        );
        if !p.statement.is_empty() {
            let _ = writeln!(out, "  {}", p.statement.trim());
        }
        let _ = writeln!(out, "  --> {}", at(input, p.span, base));
        match &p.verdict {
            Verdict::Holds { proved } => {
                let _ = writeln!(out, "  proved: {proved}");
            }
            Verdict::Unknown { reason } => {
                let _ = writeln!(out, "  reason: {reason}");
            }
            Verdict::Violated { witness } => witness_text(&mut out, input, model, witness, base),
        }
        let s = &p.stats;
        let _ = writeln!(
            out,
            "  solver: {:.3} s ({:.3} s in Z3, {} check{}), {} variables, {} constraints, cone {}",
            s.time.as_secs_f64(),
            s.solver_time.as_secs_f64(),
            s.checks,
            if s.checks == 1 { "" } else { "s" },
            s.n_vars,
            s.n_constraints,
            s.cone
        );
    }
    out
}

fn witness_text(out: &mut String, input: &Input, model: &Model, w: &Witness, base: Option<&Path>) {
    let _ = writeln!(out, "  witness: {}", w.summary);
    for note in &w.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    for e in &w.elements {
        // Derivation steps are shown as a tree below.
        if e.role == "entry step" || e.role == "derived step" {
            continue;
        }
        let _ = writeln!(
            out,
            "    {}: {}  ({})",
            e.role,
            e.label,
            at(input, e.span, base)
        );
    }
    let (nodes, roots): (&[DerivationNode], Vec<ensure_model::StepId>) = match &w.detail {
        Detail::Reachability {
            derivation, target, ..
        } => (derivation, vec![*target]),
        Detail::Separation {
            derivation,
            reached,
            ..
        } => (derivation, reached.to_vec()),
        Detail::BlastRadius {
            derivation,
            reached,
            ..
        } => (derivation, reached.iter().map(|(_, s)| *s).collect()),
        _ => (&[], Vec::new()),
    };
    if !nodes.is_empty() {
        let _ = writeln!(
            out,
            "  derivation (each step from the steps indented under it):"
        );
        for line in derivation_lines(model, nodes, &roots) {
            let _ = writeln!(out, "    {line}");
        }
    }
    if let Detail::Resilience { propagation, .. } = &w.detail {
        let _ = writeln!(out, "  propagation:");
        for n in propagation {
            let a = &model.asset(n.asset).id;
            if n.failed {
                let _ = writeln!(out, "    {a} fails");
            } else {
                let dep = n
                    .dependency
                    .map(|d| {
                        model.dependencies[d.idx()]
                            .id
                            .clone()
                            .unwrap_or_else(|| format!("a dependency of {a}"))
                    })
                    .unwrap_or_default();
                let because: Vec<&str> = n
                    .because
                    .iter()
                    .map(|m| model.asset(*m).id.as_str())
                    .collect();
                let _ = writeln!(
                    out,
                    "    {a} goes down: {dep} is unmet ({} down)",
                    because.join(", ")
                );
            }
        }
    }
}

pub fn repair(r: &RepairReport, model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nREPAIR (cost of a control: {})", r.cost_basis);
    let name = |c: &ensure_model::ControlId| model.controls[c.idx()].id.clone();
    match &r.status {
        RepairStatus::NotNeeded => {
            let _ = writeln!(out, "  not needed: every selected property holds already");
        }
        RepairStatus::Found { controls, cost_eur } => {
            let _ = writeln!(
                out,
                "  turn on: {} (EUR {:.2})",
                controls.iter().map(name).collect::<Vec<_>>().join(", "),
                cost_eur
            );
            let _ = writeln!(
                out,
                "  minimal: proved (cheapest among {} candidate controls; every one of the {} learned clauses is necessary)",
                r.candidates.len(),
                r.learned.len()
            );
        }
        RepairStatus::Impossible { blocking } => {
            let _ = writeln!(
                out,
                "  none exists: no set of the {} candidate controls makes the properties hold",
                r.candidates.len()
            );
            for b in blocking {
                let _ = writeln!(out, "    {}: {}", b.property, b.summary);
                let _ = writeln!(out, "      a repair would need {}", b.requires);
            }
        }
        RepairStatus::Unknown { reason } => {
            let _ = writeln!(out, "  unknown: {reason}");
        }
    }
    let _ = writeln!(
        out,
        "  search: {} round{}, {} clause{}, {:.3} s",
        r.rounds,
        if r.rounds == 1 { "" } else { "s" },
        r.learned.len(),
        if r.learned.len() == 1 { "" } else { "s" },
        r.time.as_secs_f64()
    );
    out
}
