//! What the verifier answers: per property a verdict, with what was proved, a witness drawn
//! from the model (every element carrying its place in the model file), or the reason it
//! could not decide; and the solver's effort.

use std::collections::BTreeMap;
use std::time::Duration;

use ensure_model::{ActorId, AssetId, ControlId, DependencyId, FlowId, PropertyKind, Span, StepId};

pub use crate::encode::reach::DerivationNode;
pub use crate::encode::resilience::DownNode;

/// The verdicts of a model's properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The model's name.
    pub model: String,
    pub properties: Vec<PropertyReport>,
}

impl Report {
    pub fn n_violated(&self) -> usize {
        self.properties
            .iter()
            .filter(|p| matches!(p.verdict, Verdict::Violated { .. }))
            .count()
    }

    pub fn n_unknown(&self) -> usize {
        self.properties
            .iter()
            .filter(|p| matches!(p.verdict, Verdict::Unknown { .. }))
            .count()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyReport {
    pub id: String,
    pub kind: PropertyKind,
    pub statement: String,
    pub all_configurations: bool,
    /// Where the property is written.
    pub span: Span,
    pub verdict: Verdict,
    pub stats: Stats,
}

/// The answer for one property. A timeout or resource limit is `Unknown`, never `Holds`.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Holds { proved: String },
    Violated { witness: Box<Witness> },
    Unknown { reason: String },
}

/// A counterexample from the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    /// One line saying what goes wrong.
    pub summary: String,
    /// The controls on in the violating configuration, when the property is checked for
    /// every configuration (`None` for the current configuration).
    pub configuration: Option<Vec<ControlId>>,
    /// Every element of the witness, the most relevant first, each with its place.
    pub elements: Vec<Element>,
    pub detail: Detail,
    /// Caveats, e.g. that minimality could not be proved within the time budget.
    pub notes: Vec<String>,
}

/// One element of a witness: what it is, its part in the witness, and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub role: String,
    pub item: Item,
    pub label: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Asset(AssetId),
    Step(StepId),
    Flow(FlowId),
    Control(ControlId),
    Actor(ActorId),
    Dependency(DependencyId),
}

/// The structure of a witness, by property kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Boundary {
        flows: Vec<FlowOffence>,
    },
    Confinement {
        holder: AssetId,
        trust: u8,
        /// The holder's trust is below the minimum.
        low_trust: bool,
        /// The holder's organisation is not covered by the owner's agreements.
        outside_agreements: bool,
        /// Carrying flows from an asset that stores the data to the holder.
        chain: Vec<FlowId>,
    },
    Reachability {
        actor: ActorId,
        target: StepId,
        derivation: Vec<DerivationNode>,
        /// The counting controls that guard steps of the derivation.
        controls: Vec<ControlId>,
    },
    Resilience {
        failed: Vec<AssetId>,
        propagation: Vec<DownNode>,
        /// Whether no smaller failing set exists (proved by the solver).
        minimal: bool,
    },
    Separation {
        coalition: Vec<AssetId>,
        reached: [StepId; 2],
        derivation: Vec<DerivationNode>,
        minimal: bool,
    },
    BlastRadius {
        identity: AssetId,
        /// Every asset reached, with the step of it that the derivation reaches.
        reached: Vec<(AssetId, StepId)>,
        derivation: Vec<DerivationNode>,
    },
    Custom {
        /// The values of the leading universal variables that falsify the formula.
        bindings: Vec<(String, Binding)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowOffence {
    pub flow: FlowId,
    pub from_trust: u8,
    pub to_trust: u8,
    pub authentication: ensure_model::Authentication,
    pub encryption: ensure_model::Encryption,
}

/// A value of a quantified variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Asset(AssetId),
    Flow(FlowId),
    Actor(ActorId),
    Control(ControlId),
}

/// What the check cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub time: Duration,
    pub solver_time: Duration,
    /// Variables and constraint nodes of the encoding.
    pub n_vars: usize,
    pub n_constraints: usize,
    pub size: usize,
    /// Steps (or assets, or instances) inside the cone of influence that was encoded.
    pub cone: usize,
    pub checks: u32,
    /// Z3's statistics of the last check.
    pub solver: BTreeMap<String, f64>,
}
