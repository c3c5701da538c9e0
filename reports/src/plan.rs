//! The planner's results, mirrored: a plan at one budget (`ensure plan --format json`) or a
//! cost–risk frontier (`ensure plan --frontier --format json`). Only what a report shows is
//! read; search timings are ignored so that a report does not change with the machine.

use serde::{Deserialize, Serialize};

use crate::inputs::{shape, InputError};

/// A figure three ways: the optimiser's estimate, a re-simulation on its trials, and a
/// re-simulation with fresh random numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub estimate: f64,
    pub resimulated: f64,
    pub out_of_sample: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub ci95: [f64; 2],
    pub trials: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub value: f64,
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenControl {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub cost_eur: f64,
    #[serde(default)]
    pub upkeep_eur_per_year: f64,
    #[serde(default)]
    pub basis_cost_eur: f64,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanVerdict {
    pub property: String,
    pub verdict: String,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    #[serde(default)]
    pub explanation: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub solver: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub converged: bool,
    #[serde(default)]
    pub stop: Option<String>,
}

/// A plan at one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub model: String,
    /// The planner's objective (`{"kind": "expected-loss"}`, ...).
    pub objective: serde_json::Value,
    pub figure: String,
    pub budget_eur: Option<f64>,
    #[serde(default)]
    pub budget_basis: String,
    /// `found`, `stopped` or `infeasible`.
    pub status: String,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    pub controls: Vec<ChosenControl>,
    #[serde(default)]
    pub in_place: Vec<String>,
    pub spent_eur: f64,
    pub baseline: Option<Figures>,
    pub plan: Option<Figures>,
    pub reduction: Option<Difference>,
    #[serde(default)]
    pub properties: Vec<PlanVerdict>,
    #[serde(default)]
    pub search: Search,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub budget_eur: Option<f64>,
    pub status: String,
    pub controls: Vec<String>,
    pub spent_eur: f64,
    pub figures: Option<Figures>,
    pub reduction: Option<Difference>,
}

/// Cost against residual risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub model: String,
    pub objective: serde_json::Value,
    pub figure: String,
    #[serde(default)]
    pub budget_basis: String,
    pub baseline: Figures,
    pub points: Vec<FrontierPoint>,
    #[serde(default)]
    pub dropped: Vec<Option<f64>>,
    #[serde(default)]
    pub search: Search,
}

/// A planning result.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanDoc {
    Plan(Box<Plan>),
    Frontier(Box<Frontier>),
}

impl PlanDoc {
    pub fn model(&self) -> &str {
        match self {
            PlanDoc::Plan(p) => &p.model,
            PlanDoc::Frontier(f) => &f.model,
        }
    }

    pub fn figure(&self) -> &str {
        match self {
            PlanDoc::Plan(p) => &p.figure,
            PlanDoc::Frontier(f) => &f.figure,
        }
    }

    fn objective(&self) -> &serde_json::Value {
        match self {
            PlanDoc::Plan(p) => &p.objective,
            PlanDoc::Frontier(f) => &f.objective,
        }
    }

    /// Whether the figure is money (every objective but a goal's probability).
    pub fn is_money(&self) -> bool {
        self.objective().get("kind").and_then(|k| k.as_str()) != Some("goal-probability")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Plan,
    Frontier,
}

pub(crate) fn recognise(obj: &serde_json::Map<String, serde_json::Value>) -> Option<Kind> {
    if !obj.contains_key("objective") {
        return None;
    }
    if obj.contains_key("points") && obj.contains_key("baseline") {
        Some(Kind::Frontier)
    } else if obj.contains_key("controls") && obj.contains_key("spent_eur") {
        Some(Kind::Plan)
    } else {
        None
    }
}

pub(crate) fn parse(kind: Kind, text: &str) -> Result<PlanDoc, InputError> {
    match kind {
        Kind::Plan => shape("plan", text).map(|p| PlanDoc::Plan(Box::new(p))),
        Kind::Frontier => shape("frontier", text).map(|f| PlanDoc::Frontier(Box::new(f))),
    }
}
