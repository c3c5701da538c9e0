//! The file format: serde types for what people write in a model file.
//!
//! These types mirror the YAML one to one and are deliberately separate from the in-memory
//! [`crate::Model`]: the file speaks in names and shorthands, the model in resolved ids.
//! `ensure schema` derives its JSON Schema from these types, so the schema cannot drift from
//! what the loader accepts. Units are in field names (`_hours`, `_eur`, `p_`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::located::Located;

/// A name written in the file, remembered with where it was written.
pub type Name = Located<String>;

macro_rules! model_doc {
    ($( $(#[$meta:meta])* $field:ident : $ty:ty ),* $(,)?) => {
        /// One model file: an ecosystem, or a variant of one (`extends`).
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct ModelDoc {
            /// Format version; `1` is the only one so far.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub ensure: Option<u32>,
            /// Short name of the ecosystem or variant.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            /// What this model is about.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub description: Option<String>,
            /// A base model this file modifies (path relative to this file). Entries with an
            /// existing id are merged field by field into the base; new ids are added.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub extends: Option<String>,
            /// Further files whose sections are appended to this one.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub include: Vec<String>,
            /// Ids of entries of the base model that this variant removes.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub remove: Vec<String>,
            /// Time horizon for simulations, in hours (default one year).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub horizon_hours: Option<f64>,
            $(
                $(#[$meta])*
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                pub $field: Vec<$ty>,
            )*
        }

        /// The list sections of a model file, in file order, for the loader to walk.
        pub const SECTIONS: &[&str] = &[$(stringify!($field)),*];

        /// Deserializes one element of section `name` and appends it to `doc`.
        pub(crate) fn push_section_element(
            doc: &mut ModelDoc,
            section: &str,
            node: &marked_yaml::Node,
        ) -> Result<(), marked_yaml::FromNodeError> {
            match section {
                $( stringify!($field) => doc.$field.push(marked_yaml::from_node(node)?), )*
                _ => unreachable!("section list and match are generated from one macro"),
            }
            Ok(())
        }
    };
}

model_doc! {
    /// Asset types added to the built-in catalog (each extends a catalog or earlier type).
    types: TypeDoc,
    /// The assets of the ecosystem: cyber, data, physical, human and organisational.
    assets: AssetDoc,
    /// Interfaces and data flows between assets, with their security attributes.
    flows: FlowDoc,
    /// Hosting: an asset runs on, or is located in, another.
    hosting: HostingDoc,
    /// Access rights: who may act on what.
    access: AccessDoc,
    /// Physical custody or possession: who holds or transports what.
    custody: CustodyDoc,
    /// Functional dependencies between services and organisations, for cascades.
    dependencies: DependencyDoc,
    /// Data-sharing agreements between organisations (for confinement properties).
    agreements: AgreementDoc,
    /// Attack steps beyond those the catalog gives each asset.
    attack_steps: StepDoc,
    /// Security controls, in place or candidate.
    controls: ControlDoc,
    /// Threat actors with their entry points.
    actors: ActorDoc,
    /// Attack goals: the named threats that the simulator and verifier target.
    goals: GoalDoc,
    /// Business impacts: what a compromise or an outage costs.
    impacts: ImpactDoc,
    /// Monitors: which steps they observe, how reliably and how fast.
    monitors: MonitorDoc,
    /// Interface security properties to verify.
    properties: PropertyDoc,
}

/// The five layers of an e-commerce ecosystem.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Cyber,
    Data,
    Physical,
    Human,
    Organisational,
}

impl Layer {
    pub const ALL: [Layer; 5] = [
        Layer::Cyber,
        Layer::Data,
        Layer::Physical,
        Layer::Human,
        Layer::Organisational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Cyber => "cyber",
            Layer::Data => "data",
            Layer::Physical => "physical",
            Layer::Human => "human",
            Layer::Organisational => "organisational",
        }
    }
}

/// An asset type: built in (the catalog) or declared in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeDoc {
    pub id: Name,
    /// The type this one specialises; it inherits its layer and attack steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<Name>,
    /// Required for a root type; inherited otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Layer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Attack steps of every asset of this type (a step with an inherited name replaces it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepTemplateDoc>,
}

/// Whether a step needs any one of its preconditions (OR) or all of them (AND).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requires {
    #[default]
    Any,
    All,
}

/// An attack step of an asset type. Preconditions are written `selector.step`, where the
/// selector names the neighbours through a relation: `self`, `host`, `hosted`, `flow_in`,
/// `flow_out`, `accessor`, `access`, `holder`, `held`, `zone`, `member`, `org`, `owned`,
/// `storer`, `stored`, `depends_on`, `dependent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepTemplateDoc {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub requires: Requires,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Name>,
    /// Time to compromise once the preconditions hold, in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttc_hours: Option<DistDoc>,
    /// Probability that the step succeeds at all (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_success: Option<f64>,
    /// MITRE ATT&CK technique ids, e.g. `T1566.002`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<Name>,
    /// MITRE CAPEC ids, e.g. `CAPEC-66`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capec: Vec<Name>,
    /// Reaching this step takes the asset out of service (for cascades).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub causes_outage: bool,
    /// How long the outage this step causes lasts, in hours (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_hours: Option<DistDoc>,
}

/// One asset of the ecosystem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetDoc {
    pub id: Name,
    #[serde(rename = "type")]
    pub type_: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organisation that owns or operates the asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Name>,
    /// The network zone (or site) the asset sits in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Name>,
    /// Shorthand for a hosting relation to this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_on: Option<Name>,
    /// Data-class assets stored or processed here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<Name>,
    /// Trust level of a zone or organisation, 0 (untrusted) to 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<u8>,
    /// Number of records, for data-class assets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// Value in euros, for goods, shipments and other physical assets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_eur: Option<f64>,
    /// Whether this is a crown-jewel asset (the target of reachability properties).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub crown_jewel: bool,
    /// Free-form labels that properties can test.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Per-asset overrides of the catalog's attack steps, by step name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepOverrideDoc>,
}

/// Changes one catalog step on one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepOverrideDoc {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttc_hours: Option<DistDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_success: Option<f64>,
    /// Remove the step from this asset (it is not possible here).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// Extra preconditions, as `asset.step`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_from: Vec<Name>,
    /// How long the outage this step causes lasts, in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_hours: Option<DistDoc>,
}

/// How an interface authenticates its caller.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Authentication {
    None,
    Password,
    ApiKey,
    Token,
    Mfa,
    Certificate,
    Mtls,
}

/// How an interface protects data in transit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    None,
    Tls12,
    Tls13,
    Vpn,
    Physical,
}

/// An interface or data flow from a client to a server (or sender to receiver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub from: Name,
    pub to: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub authentication: Authentication,
    pub encryption: Encryption,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub input_validation: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rate_limited: bool,
    /// Data-class assets this flow carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<Name>,
}

/// `asset` runs on, or is kept in, `on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub asset: Name,
    pub on: Name,
}

/// What a holder of an access right may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    Read,
    Write,
    Execute,
    Admin,
    Physical,
}

/// `who` (a person, identity or service) holds `rights` on `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub who: Name,
    pub to: Name,
    pub rights: Vec<Right>,
}

/// `holder` has physical custody of `item` (a driver and a van, a courier and a tracker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub holder: Name,
    pub item: Name,
}

/// `service` works only while all (or any) of `on` work. Outages propagate along it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub service: Name,
    #[serde(default)]
    pub requires: Requires,
    pub on: Vec<Name>,
    /// Probability that a failure of what is needed takes the service down (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_propagate: Option<f64>,
    /// Delay before the outage reaches the service, in hours (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_hours: Option<DistDoc>,
    /// Time for the service to recover once what it needs is back, in hours (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_hours: Option<DistDoc>,
}

/// Organisation `from` may pass data class `data` to organisation `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Name>,
    pub from: Name,
    pub to: Name,
    pub data: Vec<Name>,
}

/// An attack step added to one asset, with explicit preconditions `asset.step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    pub asset: Name,
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub requires: Requires,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttc_hours: Option<DistDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_success: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capec: Vec<Name>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub causes_outage: bool,
    /// How long the outage this step causes lasts, in hours (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_hours: Option<DistDoc>,
}

/// What a control does to one attack step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectDoc {
    /// A step name (on every asset the control protects) or `asset.step`.
    pub step: Name,
    /// Probability that the control stops the step outright (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficacy: Option<f64>,
    /// Factor by which the step's time to compromise grows (>= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowdown: Option<f64>,
}

/// A security control, in place (`enabled`) or a candidate with its cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlDoc {
    pub id: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A category, e.g. `mfa`, `waf`, `awareness`, `segmentation`, `backup`, `escort`.
    pub kind: String,
    /// Assets the control protects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protects: Vec<Name>,
    /// What it does to attack steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<EffectDoc>,
    /// What it changes in the ecosystem when in place: interfaces hardened, relations removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeDoc>,
    /// One-off cost of putting it in place, in euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_eur: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upkeep_eur_per_year: Option<f64>,
    /// In place now (true) or a candidate (false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// Controls sharing a group are mutually exclusive options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A change to the ecosystem that a control makes when it is in place: either an interface
/// (`flow`) gets new security attributes, or a relation with an id is removed (`remove`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDoc {
    /// The id of the flow whose attributes change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_validation: Option<bool>,
    /// The data classes the flow carries from then on (replaces the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carries: Option<Vec<Name>>,
    /// The id of a flow, access right, custody, hosting or dependency entry that goes away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Name>,
}

/// A threat actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorDoc {
    pub id: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Steps the actor can start from, as `asset.step`.
    pub entry: Vec<Name>,
    /// Layers whose steps the actor can perform (default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Layer>,
    /// Attack campaigns per year (Poisson); absent means one campaign at time zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_per_year: Option<f64>,
}

/// A named threat: the attack goal reached when any target step is compromised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalDoc {
    pub id: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The threat of the pilot this goal stands for, in words.
    pub threat: String,
    /// Target steps, as `asset.step`; the goal is reached by any of them.
    pub targets: Vec<Name>,
    /// Actors pursuing this goal (default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Name>,
}

/// What kind of loss an impact stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ImpactKind {
    RecordsExposed,
    GoodsStolen,
    Fraud,
    Downtime,
    OrdersLost,
    Ransom,
    Other,
}

/// A business impact, triggered by a compromised step or by an asset's outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactDoc {
    pub id: Name,
    pub kind: ImpactKind,
    /// The step (`asset.step`) whose compromise causes the loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_step: Option<Name>,
    /// The asset whose outage causes the loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_outage: Option<Name>,
    /// Loss per occurrence, in euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_eur: Option<DistDoc>,
    /// Cost per hour of outage, in euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_eur_per_hour: Option<f64>,
    /// Records exposed per occurrence (default: the records of the data asset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
}

/// A monitor of the ENSURESEC kind: behavioural, data security, communication, physical asset,
/// policy compliance or incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorDoc {
    pub id: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub kind: String,
    /// Steps it observes: a step name on every asset in `on`, or `asset.step`.
    pub observes: Vec<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<Name>,
    /// Probability that one occurrence of an observed step is detected.
    pub p_detect: f64,
    /// Time from the step to the alert, in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_hours: Option<DistDoc>,
    /// Time from the alert to an effective response that stops the attack, in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_hours: Option<DistDoc>,
    /// Monitoring cost per year, in euros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_eur_per_year: Option<f64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// A property to verify. `kind` picks the meaning of the other fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyDoc {
    pub id: Name,
    /// The property in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    pub kind: PropertyKind,
    /// boundary: minimum trust difference that makes a flow a boundary crossing (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_trust_gap: Option<u8>,
    /// boundary: authentications accepted across a boundary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub require_authentication: Vec<Authentication>,
    /// boundary: encryptions accepted across a boundary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub require_encryption: Vec<Encryption>,
    /// confinement: the data class asset that must stay confined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Name>,
    /// confinement: the lowest zone trust the data may reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_trust: Option<u8>,
    /// reachability: the threat actor (default any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Name>,
    /// reachability: target assets (default the crown jewels); blast-radius: the identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Name>,
    /// reachability: controls every path must pass (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_controls: Option<u32>,
    /// reachability: only controls of these kinds count (default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_kinds: Vec<String>,
    /// resilience: the business service that must survive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Name>,
    /// resilience: how many failures it must survive; separation: coalition size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    /// separation: the two assets no coalition of `k` people may both reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Name>,
    /// blast-radius: the most assets one compromised identity may reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_assets: Option<u32>,
    /// Check under every on/off choice of the candidate controls, not only the current one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_configurations: bool,
    /// custom: the property as a formula of the property language, e.g.
    /// `forall f in flows: crosses(f, 1) -> f.encryption in [tls12, tls13]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assert: Option<Name>,
}

/// The kinds of property the verifier checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyKind {
    Boundary,
    Confinement,
    Reachability,
    Resilience,
    Separation,
    BlastRadius,
    /// A formula of the property language (`assert`).
    Custom,
}

impl PropertyKind {
    pub const ALL: [PropertyKind; 7] = [
        PropertyKind::Boundary,
        PropertyKind::Confinement,
        PropertyKind::Reachability,
        PropertyKind::Resilience,
        PropertyKind::Separation,
        PropertyKind::BlastRadius,
        PropertyKind::Custom,
    ];

    /// The name in model files (serde's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyKind::Boundary => "boundary",
            PropertyKind::Confinement => "confinement",
            PropertyKind::Reachability => "reachability",
            PropertyKind::Resilience => "resilience",
            PropertyKind::Separation => "separation",
            PropertyKind::BlastRadius => "blast-radius",
            PropertyKind::Custom => "custom",
        }
    }
}

/// A probability distribution, written `{name: {parameters}}`, e.g. `{constant: 4}` or
/// `{lognormal: {median: 48, sigma: 1}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistDoc {
    /// Always this value.
    Constant(f64),
    /// Give `rate` (per unit) or `mean`.
    Exponential(ExponentialDoc),
    /// Give `median` or `mu` (of the log), and `sigma` (of the log).
    Lognormal(LognormalDoc),
    Gamma(GammaDoc),
    Uniform(UniformDoc),
    Triangular(ThreePointDoc),
    /// Beta-PERT over `min`, `mode`, `max` (shape 4 unless `lambda` is given).
    Pert(ThreePointDoc),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExponentialDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LognormalDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    pub sigma: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GammaDoc {
    pub shape: f64,
    pub scale: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UniformDoc {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreePointDoc {
    pub min: f64,
    pub mode: f64,
    pub max: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
}

/// Writes a document as YAML that [`crate::load`] reads back to an equal document.
pub fn to_yaml(doc: &ModelDoc) -> Result<String, serde_saphyr::ser_error::Error> {
    serde_saphyr::to_string(doc)
}
