//! Properties as constraint problems, without a solver: each property kind is encoded into
//! an [`ir::Problem`] whose satisfying assignments are exactly its counterexamples (what
//! the verifier looks for is a violation), together with what is needed to read a witness
//! back from an assignment. Everything here is pure and testable on its own; `solve` is the
//! only module that talks to Z3.

pub mod attack;
pub mod boundary;
pub mod config;
pub mod confinement;
pub mod custom;
pub mod graph;
pub mod ir;
pub mod reach;
pub mod resilience;
pub mod trust;

use ensure_model::{Model, StepId};

/// Lookups every encoding needs, built once per model.
pub struct Index<'m> {
    pub model: &'m Model,
    /// Children of each step, with the position of the step among the child's parents.
    pub children: Vec<Vec<(StepId, usize)>>,
}

impl<'m> Index<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut children = vec![Vec::new(); model.steps.len()];
        for (i, s) in model.steps.iter().enumerate() {
            for (k, p) in s.parents.iter().enumerate() {
                children[p.idx()].push((StepId(i as u32), k));
            }
        }
        Index { model, children }
    }
}
