//! Countermeasure planning: which candidate controls to put in place so that a risk figure
//! (expected loss, VaR, CVaR, or the probability of reaching a goal) is smallest within a
//! budget, and how sure we can be.
//!
//! Planning sits above the simulator and the verifier and combines them. The simulator's
//! trials, with every candidate off, are reduced to [`Scenarios`]: each loss traced to the
//! attack paths behind it and, for every candidate, whether the candidate would have cut
//! them (the very random numbers a re-simulation would use). A mixed-integer program over
//! those scenarios (a sample-average approximation, solved with CBC or microlp through
//! `good_lp`) picks the controls; the verifier's blocking clauses make must-hold properties
//! hold; re-simulating each proposal on the same trials teaches the scenarios what they
//! missed until the proposal settles; a local search judged by simulation polishes the
//! result; and the plan is finally re-simulated with fresh random numbers, its figure
//! reported with a 95 % interval next to the optimiser's estimate.
//! Rules that no plan can respect are explained by a smallest conflicting set.
//!
//! Layers: [`candidates`] and [`objective`] (what is chosen, what is measured),
//! [`scenarios`] with the cascade tracing in `trace` (the data), `formulate` and `rules`
//! (the program), `milp` (the only module that talks to a solver), `properties` (the only
//! one that talks to the verifier), [`plan`] (the loop, frontiers, the result types) and
//! [`render`] (text). The crate never prints.

pub mod candidates;
mod formulate;
mod milp;
pub mod objective;
pub mod plan;
mod properties;
pub mod render;
mod rules;
pub mod scenarios;
mod trace;

pub use candidates::{BudgetBasis, Candidates};
pub use milp::Solver;
pub use objective::{Difference, Estimate, Objective};
pub use plan::{
    admits, auto_budgets, frontier, plan, ChosenControl, Figures, Frontier, FrontierPoint, Optimum,
    Plan, PlanConfig, SearchStats, Status,
};
pub use properties::PropertyVerdict;
pub use rules::{Conflict, Rule};
pub use scenarios::{outcomes, Outcomes, ScenarioStats, Scenarios};

/// Why planning could not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("no control `{id}` in the model (its controls: {known})")]
    UnknownControl { id: String, known: String },
    #[error("no property `{id}` in the model (its properties: {known})")]
    UnknownProperty { id: String, known: String },
    #[error("{0}")]
    Objective(String),
    #[error("the budget must be a number of euros, 0 or more, not {0}")]
    BadBudget(f64),
    #[error("the number of trials must be at least 1")]
    NoTrials,
    #[error("the out-of-sample check needs its own seed, not the optimisation's ({0})")]
    SameSeed(u64),
    #[error("a probability cannot be added to a cost: --with-cost needs a money objective")]
    CostWithProbability,
    #[error("this build has no {0} solver")]
    NoSolver(String),
    #[error("{0}")]
    Simulation(ensure_simulator::SimError),
    #[error("{0}")]
    Verifier(String),
    #[error("cannot start threads: {0}")]
    Threads(String),
    #[error("a plan names {got} candidates, the scenarios' model has {expected}")]
    Candidates { expected: usize, got: usize },
}
