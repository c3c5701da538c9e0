//! Checks the interface security properties of an `ensure` model with the Z3 SMT solver.
//!
//! [`verify`] answers every property of a model (or those asked for) with a [`Verdict`]:
//! it holds (and what was proved), it is violated (with a witness from the model whose
//! every element carries its place in the model file), or it is unknown (with the reason:
//! a timeout or a resource limit, never reported as holding). [`repair`] finds the cheapest
//! set of candidate controls that makes the properties hold, and proves it cheapest.
//! `render` turns reports into text, JSON and SARIF 2.1.0.
//!
//! The crate works in three layers (book: methods/semantics.md is the contract they
//! implement): `encode` writes each property as a small constraint problem without any
//! solver (its counterexamples are the problem's solutions; choices such as the actor, the
//! failed set, the coalition or the configuration are variables), `solve` is the only
//! module that talks to Z3, and `check`/`verdict` read the solver's answers back into ids
//! and source places. Z3 types never leave `solve`.

pub mod encode;
pub mod render;
pub mod repair;
pub mod report;

mod check;
mod solve;
mod verdict;

use std::time::Duration;

use ensure_model::logic::LogicError;
use ensure_model::Model;

pub use repair::{repair, RepairOptions, RepairReport, RepairStatus};
pub use report::*;

/// How to verify.
#[derive(Debug, Clone)]
pub struct Options {
    /// Property ids to check (all when empty).
    pub properties: Vec<String>,
    /// Time budget of each property.
    pub timeout: Duration,
    /// The most formula nodes a custom property may ground to before it is reported
    /// unknown (resource limit).
    pub grounding_budget: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            properties: Vec::new(),
            timeout: Duration::from_secs(60),
            grounding_budget: 5_000_000,
        }
    }
}

/// Why a model cannot be verified at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error("no property `{id}` in the model (its properties: {known})")]
    UnknownProperty { id: String, known: String },
    #[error("property `{id}`: the formula does not compile: {}", errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))]
    Formula { id: String, errors: Vec<LogicError> },
}

/// The properties selected by `ids` (all when empty), in model order.
pub(crate) fn select<'m>(
    model: &'m Model,
    ids: &[String],
) -> Result<Vec<&'m ensure_model::Property>, VerifyError> {
    for id in ids {
        if !model.properties.iter().any(|p| &p.id == id) {
            return Err(VerifyError::UnknownProperty {
                id: id.clone(),
                known: model
                    .properties
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let selected: Vec<_> = model
        .properties
        .iter()
        .filter(|p| ids.is_empty() || ids.contains(&p.id))
        .collect();
    for p in &selected {
        if let Some((text, _)) = &p.assert {
            if let Err(errors) = ensure_model::logic::compile(text, model) {
                return Err(VerifyError::Formula {
                    id: p.id.clone(),
                    errors,
                });
            }
        }
    }
    Ok(selected)
}

/// Checks the selected properties of `model`.
pub fn verify(model: &Model, options: &Options) -> Result<Report, VerifyError> {
    let selected = select(model, &options.properties)?;
    let ix = encode::Index::new(model);
    let setting = check::Setting {
        also_on: Vec::new(),
        timeout: options.timeout,
        grounding_budget: options.grounding_budget,
    };
    let properties = selected
        .into_iter()
        .map(|p| check::check(&ix, p, &setting))
        .collect();
    Ok(Report {
        model: model.name.clone(),
        properties,
    })
}

/// Checks one property, with `also_on` taken as on besides the enabled controls (the check a
/// repair runs). Exposed for tests and tools.
pub fn check_property(
    model: &Model,
    property: &ensure_model::Property,
    also_on: &[ensure_model::ControlId],
    options: &Options,
) -> PropertyReport {
    let ix = encode::Index::new(model);
    check::check(
        &ix,
        property,
        &check::Setting {
            also_on: also_on.to_vec(),
            timeout: options.timeout,
            grounding_budget: options.grounding_budget,
        },
    )
}

/// The report with every place taken from `model`, a reading of the same file that kept
/// places (ids are stable across readings: a model is built in file order). Used when the
/// model was first read on a path that does not record them.
pub fn relocate(report: &Report, model: &Model) -> Report {
    let span_of = |item: &Item| match item {
        Item::Asset(a) => model.asset(*a).span,
        Item::Step(s) => model.step(*s).span,
        Item::Flow(f) => model.flows[f.idx()].span,
        Item::Control(c) => model.controls[c.idx()].span,
        Item::Actor(a) => model.actors[a.idx()].span,
        Item::Dependency(d) => model.dependencies[d.idx()].span,
    };
    let mut out = report.clone();
    for p in &mut out.properties {
        if let Some(q) = model.properties.iter().find(|q| q.id == p.id) {
            p.span = q.span;
        }
        if let Verdict::Violated { witness } = &mut p.verdict {
            for e in &mut witness.elements {
                e.span = span_of(&e.item);
            }
        }
    }
    out
}
