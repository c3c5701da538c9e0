//! The controls a plan may choose, and what each costs on the chosen budget basis.
//!
//! A candidate is a control that is not in place (`enabled: false`) and whose group, if any,
//! has no control in place: the semantics keep such a candidate off whatever a plan says
//! (book: methods/semantics.md, configurations). Controls in place stay on and cost nothing.

use ensure_model::{Control, ControlId, Model};
use ensure_simulator::Configuration;
use serde::{Deserialize, Serialize};

/// Which money the budget limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetBasis {
    /// One-off cost plus one year of upkeep: what the first year costs.
    Total,
    /// One-off cost only.
    Capex,
    /// Yearly upkeep only.
    Annual,
}

impl BudgetBasis {
    pub const ALL: [BudgetBasis; 3] = [BudgetBasis::Total, BudgetBasis::Capex, BudgetBasis::Annual];

    pub fn parse(s: &str) -> Option<BudgetBasis> {
        BudgetBasis::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetBasis::Total => "total",
            BudgetBasis::Capex => "capex",
            BudgetBasis::Annual => "annual",
        }
    }

    /// The basis in words, for outputs.
    pub fn describe(self) -> &'static str {
        match self {
            BudgetBasis::Total => "one-off cost plus one year of upkeep",
            BudgetBasis::Capex => "one-off cost only",
            BudgetBasis::Annual => "yearly upkeep only",
        }
    }

    /// What a control costs on this basis, in EUR.
    pub fn cost_eur(self, c: &Control) -> f64 {
        match self {
            BudgetBasis::Total => c.cost_eur + c.upkeep_eur_per_year,
            BudgetBasis::Capex => c.cost_eur,
            BudgetBasis::Annual => c.upkeep_eur_per_year,
        }
    }
}

/// The candidate controls of a model, numbered `0..len()` in model order.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    /// Candidate `i` is control `controls[i]`.
    pub controls: Vec<ControlId>,
    /// For each control of the model, its candidate number.
    index: Vec<Option<u32>>,
    /// Controls that are not in place but can never be on, because a control of their group
    /// is: `(control, the one in place)`.
    pub held_off: Vec<(ControlId, ControlId)>,
}

impl Candidates {
    pub fn of(model: &Model) -> Candidates {
        let mut controls = Vec::new();
        let mut index = vec![None; model.controls.len()];
        let mut held_off = Vec::new();
        for (i, c) in model.controls.iter().enumerate() {
            if c.enabled {
                continue;
            }
            let in_place = c.group.as_ref().and_then(|g| {
                model
                    .controls
                    .iter()
                    .position(|d| d.enabled && d.group.as_ref() == Some(g))
            });
            match in_place {
                Some(j) => held_off.push((ControlId(i as u32), ControlId(j as u32))),
                None => {
                    index[i] = Some(controls.len() as u32);
                    controls.push(ControlId(i as u32));
                }
            }
        }
        Candidates {
            controls,
            index,
            held_off,
        }
    }

    pub fn len(&self) -> usize {
        self.controls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.controls.is_empty()
    }

    /// The candidate number of a control, if it is a candidate.
    pub fn index_of(&self, c: ControlId) -> Option<usize> {
        self.index
            .get(c.idx())
            .copied()
            .flatten()
            .map(|i| i as usize)
    }

    pub fn control<'m>(&self, model: &'m Model, i: usize) -> &'m Control {
        &model.controls[self.controls[i].idx()]
    }

    /// The cost of each candidate on `basis`.
    pub fn costs(&self, model: &Model, basis: BudgetBasis) -> Vec<f64> {
        (0..self.len())
            .map(|i| basis.cost_eur(self.control(model, i)))
            .collect()
    }

    /// The model's controls in place plus the chosen candidates.
    pub fn configuration(&self, model: &Model, chosen: &[bool]) -> Configuration {
        Configuration::from_fn(model, |c| {
            model.controls[c.idx()].enabled || self.index_of(c).is_some_and(|i| chosen[i])
        })
    }

    /// The chosen candidates' control ids.
    pub fn chosen_controls(&self, chosen: &[bool]) -> Vec<ControlId> {
        self.controls
            .iter()
            .zip(chosen)
            .filter(|(_, on)| **on)
            .map(|(c, _)| *c)
            .collect()
    }

    /// The chosen candidates' ids, in model order.
    pub fn chosen_ids(&self, model: &Model, chosen: &[bool]) -> Vec<String> {
        self.chosen_controls(chosen)
            .into_iter()
            .map(|c| model.controls[c.idx()].id.clone())
            .collect()
    }
}
