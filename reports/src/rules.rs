//! The derived detection rules (`ensure rules --format native`, the native rule set that
//! `ensure watch` runs), mirrored: what was chosen, what it detects, and each rule.

use serde::{Deserialize, Serialize};

use crate::inputs::{shape, InputError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesDoc {
    pub ensure_rules: u32,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub derivation: Option<Derivation>,
    #[serde(default)]
    pub coverage: Option<Coverage>,
    #[serde(default)]
    pub ranking: Vec<PointValue>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derivation {
    pub seed: u64,
    pub trials: u64,
    pub holdout_trials: u64,
    pub target_share: f64,
    #[serde(default)]
    pub budget_eur_per_year: Option<f64>,
    #[serde(default)]
    pub min_lead_hours: f64,
    #[serde(default)]
    pub response_hours: f64,
    #[serde(default)]
    pub controls_on: Vec<String>,
    #[serde(default)]
    pub attack_version: String,
    #[serde(default)]
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub attacks: u64,
    pub detected: u64,
    pub required: u64,
    pub target_met: bool,
    #[serde(default)]
    pub solver: String,
    pub cost_eur_per_year: f64,
    pub predicted: Share,
    pub points: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub attacks: u64,
    pub detected: u64,
    pub share: f64,
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointValue {
    pub point: String,
    pub attacks_on_path: u64,
    pub share_on_paths: f64,
    #[serde(default)]
    pub attacks_seen: u64,
    #[serde(default)]
    pub share_seen: f64,
    pub lead_hours: Percentiles,
    pub mean_loss_eur: f64,
    #[serde(default)]
    pub weighted_share: f64,
    pub value_eur: f64,
    pub cost_eur_per_year: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub title: String,
    pub level: String,
    /// `{"kind": "single" | "sequence", ...}`.
    pub detection: serde_json::Value,
    #[serde(default)]
    pub techniques: Vec<String>,
    #[serde(default)]
    pub assets_at_risk: Vec<String>,
    #[serde(default)]
    pub why: Option<Why>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Why {
    pub point: String,
    pub figures: PointValue,
    #[serde(default)]
    pub marginal_attacks: u64,
}

impl Rule {
    /// `single` or `sequence`.
    pub fn kind(&self) -> &str {
        self.detection
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("?")
    }
}

pub(crate) fn recognise(obj: &serde_json::Map<String, serde_json::Value>) -> bool {
    obj.contains_key("ensure_rules") && obj.contains_key("rules")
}

pub(crate) fn parse(text: &str) -> Result<RulesDoc, InputError> {
    shape("rule set", text)
}
