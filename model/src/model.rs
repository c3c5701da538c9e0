//! The in-memory model: a typed asset graph with resolved ids, and the attack graph over it.

use std::collections::HashMap;
use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::distribution::Distribution;
pub use crate::format::{
    Authentication, Encryption, ImpactKind, Layer, PropertyKind, Requires, Right,
};
use crate::located::Span;

macro_rules! id_type {
    ($($name:ident),*) => {$(
        /// A stable index into the model's table of this kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
id_type!(
    TypeId,
    AssetId,
    StepId,
    ControlId,
    ActorId,
    GoalId,
    ImpactId,
    MonitorId,
    FlowId,
    DependencyId,
    AccessId,
    CustodyId,
    HostingId
);

/// A resolved asset type.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetType {
    pub id: String,
    pub parent: Option<TypeId>,
    pub layer: Layer,
    pub description: String,
    /// Effective steps, inherited ones included, in declaration order.
    pub steps: Vec<StepTemplate>,
    pub builtin: bool,
    pub span: Span,
}

/// Where a template step looks for its preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Selector {
    SelfAsset,
    Host,
    Hosted,
    FlowIn,
    FlowOut,
    Accessor,
    Access,
    Holder,
    Held,
    Zone,
    Member,
    Org,
    Owned,
    Storer,
    Stored,
    Carrier,
    DependsOn,
    Dependent,
}

impl Selector {
    pub const ALL: &'static [(&'static str, Selector)] = &[
        ("self", Selector::SelfAsset),
        ("host", Selector::Host),
        ("hosted", Selector::Hosted),
        ("flow_in", Selector::FlowIn),
        ("flow_out", Selector::FlowOut),
        ("accessor", Selector::Accessor),
        ("access", Selector::Access),
        ("holder", Selector::Holder),
        ("held", Selector::Held),
        ("zone", Selector::Zone),
        ("member", Selector::Member),
        ("org", Selector::Org),
        ("owned", Selector::Owned),
        ("storer", Selector::Storer),
        ("stored", Selector::Stored),
        ("carrier", Selector::Carrier),
        ("depends_on", Selector::DependsOn),
        ("dependent", Selector::Dependent),
    ];

    pub fn parse(s: &str) -> Option<Selector> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, sel)| *sel)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepTemplate {
    pub name: String,
    pub description: Arc<str>,
    pub requires: Requires,
    pub from: Vec<(Selector, String)>,
    pub ttc_hours: Distribution,
    pub p_success: f64,
    pub attack: Arc<[String]>,
    pub capec: Arc<[String]>,
    pub causes_outage: bool,
    pub outage_hours: Option<Distribution>,
    /// The type that declared this version of the step.
    pub declared_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub description: String,
    pub type_id: TypeId,
    pub layer: Layer,
    pub org: Option<AssetId>,
    pub zone: Option<AssetId>,
    pub hosted_on: Vec<AssetId>,
    pub stores: Vec<AssetId>,
    pub trust: Option<u8>,
    pub records: Option<u64>,
    pub value_eur: Option<f64>,
    pub crown_jewel: bool,
    pub tags: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub id: Option<String>,
    pub from: AssetId,
    pub to: AssetId,
    pub protocol: Option<String>,
    pub authentication: Authentication,
    pub encryption: Encryption,
    pub input_validation: bool,
    pub rate_limited: bool,
    pub carries: Vec<AssetId>,
    pub span: Span,
}

/// `asset` runs on, or is kept in, `on` (from a `hosting:` entry or an asset's `hosted_on`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hosting {
    pub id: Option<String>,
    pub asset: AssetId,
    pub on: AssetId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub id: Option<String>,
    pub who: AssetId,
    pub to: AssetId,
    pub rights: Vec<Right>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Custody {
    pub id: Option<String>,
    pub holder: AssetId,
    pub item: AssetId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub id: Option<String>,
    pub service: AssetId,
    pub requires: Requires,
    pub on: Vec<AssetId>,
    pub p_propagate: f64,
    pub delay_hours: Distribution,
    pub recovery_hours: Distribution,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub from: AssetId,
    pub to: AssetId,
    pub data: Vec<AssetId>,
    pub span: Span,
}

/// The relation that made one step a precondition of another. Controls that remove a
/// relation (`changes: [{remove: id}]`) cut the attack-graph edges it induced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// The same asset, a zone, organisation or storage link, or an explicit `asset.step`
    /// reference: nothing a control can remove.
    Fixed,
    Flow(FlowId),
    Access(AccessId),
    Custody(CustodyId),
    Hosting(HostingId),
    Dependency(DependencyId),
    /// Several relations induce the same edge (an index into [`Model::via_sets`]): the edge
    /// survives while any of them does.
    Many(u32),
}

/// A relation that a control's change can remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationRef {
    Flow(FlowId),
    Access(AccessId),
    Custody(CustodyId),
    Hosting(HostingId),
    Dependency(DependencyId),
}

/// One node of the attack graph: a step on one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackStep {
    pub asset: AssetId,
    pub name: String,
    /// Shared with the template it came from (there are hundreds of thousands of steps).
    pub description: Arc<str>,
    pub requires: Requires,
    pub parents: Vec<StepId>,
    /// For each parent, the relation that made it one (same length as `parents`).
    pub parent_via: Vec<Via>,
    pub ttc_hours: Distribution,
    pub p_success: f64,
    pub attack: Arc<[String]>,
    pub capec: Arc<[String]>,
    pub causes_outage: bool,
    /// How long the outage lasts (meaningful when `causes_outage`).
    pub outage_hours: Distribution,
    pub layer: Layer,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub step: StepId,
    pub efficacy: f64,
    pub slowdown: f64,
}

/// A change to the ecosystem that a control makes when in place.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The flow gets these attributes (`None` keeps the current one).
    Flow {
        flow: FlowId,
        authentication: Option<Authentication>,
        encryption: Option<Encryption>,
        input_validation: Option<bool>,
        carries: Option<Vec<AssetId>>,
    },
    /// The relation goes away, and with it the attack-graph edges it induced.
    Remove(RelationRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub protects: Vec<AssetId>,
    pub effects: Vec<Effect>,
    pub changes: Vec<Change>,
    pub cost_eur: f64,
    pub upkeep_eur_per_year: f64,
    pub enabled: bool,
    pub group: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub description: String,
    pub entry: Vec<StepId>,
    pub capabilities: Vec<Layer>,
    pub frequency_per_year: Option<f64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: String,
    pub name: String,
    pub threat: String,
    pub targets: Vec<StepId>,
    pub actors: Vec<ActorId>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImpactTrigger {
    Step(StepId),
    Outage(AssetId),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    pub id: String,
    pub kind: ImpactKind,
    pub trigger: ImpactTrigger,
    pub loss_eur: Option<Distribution>,
    pub cost_eur_per_hour: Option<f64>,
    pub records: Option<u64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub observes: Vec<StepId>,
    pub p_detect: f64,
    pub delay_hours: Distribution,
    pub response_hours: Distribution,
    pub cost_eur_per_year: f64,
    pub enabled: bool,
    pub span: Span,
}

/// A property to verify, with its references resolved. Which fields matter depends on
/// `kind`; the builder has checked that those are present.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub id: String,
    pub statement: String,
    pub kind: PropertyKind,
    pub min_trust_gap: u8,
    pub require_authentication: Vec<Authentication>,
    pub require_encryption: Vec<Encryption>,
    pub data: Option<AssetId>,
    pub min_trust: Option<u8>,
    pub actor: Option<ActorId>,
    pub targets: Vec<AssetId>,
    pub min_controls: u32,
    pub control_kinds: Vec<String>,
    pub service: Option<AssetId>,
    pub k: u32,
    pub assets: Vec<AssetId>,
    pub max_assets: Option<u32>,
    pub all_configurations: bool,
    /// custom: the formula as written (the verifier parses it).
    pub assert: Option<(String, Span)>,
    pub span: Span,
}

/// The kind of an edge of the asset graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// An interface or data flow (index into `Model::flows`).
    Flow(FlowId),
    /// Runs on, or is kept in.
    Hosting,
    /// Member of a zone or site.
    Zone,
    /// Owned or operated by an organisation.
    Org,
    /// Stores a data class.
    Stores,
    /// Holds access rights on.
    Access,
    /// Has physical custody of.
    Custody,
    /// Functionally depends on (index into `Model::dependencies`).
    Dependency(DependencyId),
}

impl Relation {
    pub fn label(self) -> &'static str {
        match self {
            Relation::Flow(_) => "flow",
            Relation::Hosting => "hosted-on",
            Relation::Zone => "in-zone",
            Relation::Org => "owned-by",
            Relation::Stores => "stores",
            Relation::Access => "access",
            Relation::Custody => "custody",
            Relation::Dependency(_) => "depends-on",
        }
    }
}

/// An e-commerce ecosystem: the typed asset graph, the attack graph over it, and the
/// controls, actors, goals, impacts, monitors and properties that refer to both.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub horizon_hours: f64,
    pub types: Vec<AssetType>,
    pub assets: Vec<Asset>,
    pub flows: Vec<Flow>,
    pub hosting: Vec<Hosting>,
    pub access: Vec<Access>,
    pub custody: Vec<Custody>,
    pub dependencies: Vec<Dependency>,
    pub agreements: Vec<Agreement>,
    pub steps: Vec<AttackStep>,
    pub controls: Vec<Control>,
    pub actors: Vec<Actor>,
    pub goals: Vec<Goal>,
    pub impacts: Vec<Impact>,
    pub monitors: Vec<Monitor>,
    pub properties: Vec<Property>,
    /// Relation sets of edges that several relations induce (see [`Via::Many`]).
    pub via_sets: Vec<Vec<Via>>,
    /// The asset graph; node weights are asset ids, node `i` is asset `i`.
    pub graph: DiGraph<AssetId, Relation>,
    pub(crate) asset_by_id: HashMap<String, AssetId>,
    pub(crate) steps_of: Vec<Vec<StepId>>,
}

impl Model {
    pub fn asset(&self, id: AssetId) -> &Asset {
        &self.assets[id.idx()]
    }

    pub fn asset_id(&self, name: &str) -> Option<AssetId> {
        self.asset_by_id.get(name).copied()
    }

    pub fn step(&self, id: StepId) -> &AttackStep {
        &self.steps[id.idx()]
    }

    pub fn step_id(&self, asset: AssetId, name: &str) -> Option<StepId> {
        self.steps_of
            .get(asset.idx())?
            .iter()
            .copied()
            .find(|s| self.steps[s.idx()].name == name)
    }

    /// `asset.step`, the name a person reads and writes.
    pub fn step_label(&self, id: StepId) -> String {
        let s = self.step(id);
        format!("{}.{}", self.asset(s.asset).id, s.name)
    }

    pub fn type_of(&self, asset: AssetId) -> &AssetType {
        &self.types[self.asset(asset).type_id.idx()]
    }

    /// Whether `ty` is `ancestor` or one of its descendants.
    pub fn type_is(&self, ty: TypeId, ancestor: &str) -> bool {
        let mut cur = Some(ty);
        while let Some(t) = cur {
            if self.types[t.idx()].id == ancestor {
                return true;
            }
            cur = self.types[t.idx()].parent;
        }
        false
    }

    /// The attack steps on one asset.
    pub fn steps_of(&self, asset: AssetId) -> &[StepId] {
        self.steps_of.get(asset.idx()).map_or(&[], Vec::as_slice)
    }

    pub fn node(&self, asset: AssetId) -> NodeIndex {
        NodeIndex::new(asset.idx())
    }

    /// Children of each step in the attack graph (the inverse of `parents`).
    pub fn step_children(&self) -> Vec<Vec<StepId>> {
        let mut children = vec![Vec::new(); self.steps.len()];
        for (i, s) in self.steps.iter().enumerate() {
            for p in &s.parents {
                children[p.idx()].push(StepId(i as u32));
            }
        }
        children
    }

    pub fn n_attack_edges(&self) -> usize {
        self.steps.iter().map(|s| s.parents.len()).sum()
    }

    /// The relations behind one attack-graph edge (empty for [`Via::Fixed`]).
    pub fn relations_of(&self, via: Via) -> Vec<RelationRef> {
        fn one(v: Via) -> Option<RelationRef> {
            match v {
                Via::Fixed | Via::Many(_) => None,
                Via::Flow(f) => Some(RelationRef::Flow(f)),
                Via::Access(a) => Some(RelationRef::Access(a)),
                Via::Custody(c) => Some(RelationRef::Custody(c)),
                Via::Hosting(h) => Some(RelationRef::Hosting(h)),
                Via::Dependency(d) => Some(RelationRef::Dependency(d)),
            }
        }
        match via {
            Via::Many(i) => self.via_sets[i as usize]
                .iter()
                .filter_map(|v| one(*v))
                .collect(),
            v => one(v).into_iter().collect(),
        }
    }

    /// Whether an edge survives when the relations `removed` says are gone: it does while any
    /// relation behind it remains (a fixed edge always does).
    pub fn via_alive(&self, via: Via, removed: &dyn Fn(RelationRef) -> bool) -> bool {
        match via {
            Via::Fixed => true,
            Via::Many(i) => self.via_sets[i as usize]
                .iter()
                .any(|v| *v == Via::Fixed || self.relations_of(*v).iter().any(|r| !removed(*r))),
            v => self.relations_of(v).iter().any(|r| !removed(*r)),
        }
    }

    /// The relations removed by the controls for which `on` is true.
    pub fn removed_relations(&self, on: &dyn Fn(ControlId) -> bool) -> Vec<RelationRef> {
        let mut out: Vec<RelationRef> = self
            .controls
            .iter()
            .enumerate()
            .filter(|(i, _)| on(ControlId(*i as u32)))
            .flat_map(|(_, c)| c.changes.iter())
            .filter_map(|ch| match ch {
                Change::Remove(r) => Some(*r),
                Change::Flow { .. } => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The effects of every control on each step: `(control, efficacy, slowdown)`.
    pub fn step_effects(&self) -> Vec<Vec<(ControlId, f64, f64)>> {
        let mut out = vec![Vec::new(); self.steps.len()];
        for (ci, c) in self.controls.iter().enumerate() {
            for e in &c.effects {
                out[e.step.idx()].push((ControlId(ci as u32), e.efficacy, e.slowdown));
            }
        }
        out
    }

    /// The flow as it is when the controls for which `on` is true are in place (later
    /// controls' changes win where two change the same attribute).
    pub fn flow_as_configured(&self, flow: FlowId, on: &dyn Fn(ControlId) -> bool) -> Flow {
        let mut f = self.flows[flow.idx()].clone();
        for (ci, c) in self.controls.iter().enumerate() {
            if !on(ControlId(ci as u32)) {
                continue;
            }
            for ch in &c.changes {
                if let Change::Flow {
                    flow: id,
                    authentication,
                    encryption,
                    input_validation,
                    carries,
                } = ch
                {
                    if *id != flow {
                        continue;
                    }
                    if let Some(a) = authentication {
                        f.authentication = *a;
                    }
                    if let Some(e) = encryption {
                        f.encryption = *e;
                    }
                    if let Some(v) = input_validation {
                        f.input_validation = *v;
                    }
                    if let Some(c) = carries {
                        f.carries = c.clone();
                    }
                }
            }
        }
        f
    }
}
