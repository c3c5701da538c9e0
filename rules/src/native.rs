//! The native rule format that `ensure watch` runs: a versioned JSON document of single-event
//! and sequence (correlation) rules, each with what to predict when it fires and why it exists.
//!
//! ```json
//! {"ensure_rules": 1, "model": "...", "derivation": {...}, "coverage": {...},
//!  "rules": [{"id": "...", "name": "...", "title": "...", "level": "high",
//!             "detection": {"kind": "single", "match": {"step": ["exploit-injection"],
//!                                                      "asset": ["web-front"]}},
//!             "next_steps": [...], "assets_at_risk": [...], "why": {...}}, ...]}
//! ```
//!
//! A [`Match`] holds when every list it gives contains the event's value (an empty or absent
//! list matches anything) and every `fields` entry equals the event's field of that name. A
//! sequence fires on an event matching `then` when an earlier event matching `first`, with the
//! same values of the `by` keys, lies at most `within_hours` before it (see `ensure-watch`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::logsource::LogSource;
use crate::value::{Percentiles, PointValue};

/// The version of the format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A set of rules and how they were derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The format version ([`FORMAT_VERSION`]).
    pub ensure_rules: u32,
    /// The model the rules were derived from (empty for hand-written rules).
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<Derivation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// The best points by detection value, chosen or not (the first few).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<PointValue>,
    pub rules: Vec<Rule>,
}

/// The parameters of a derivation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    pub seed: u64,
    /// Trials the points were chosen on: `0..trials`.
    pub trials: u64,
    /// Held-out trials the prediction was measured on: `trials..trials + holdout_trials`.
    pub holdout_trials: u64,
    pub target_share: f64,
    pub budget_eur_per_year: Option<f64>,
    pub min_lead_hours: f64,
    pub response_hours: f64,
    /// Controls on in the simulated configuration.
    pub controls_on: Vec<String>,
    pub horizon_hours: f64,
    pub attack_version: String,
    pub date: String,
}

/// What the chosen points detect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Attacks of the training trials.
    pub attacks: u64,
    /// Of those, detected before their goal by a chosen point.
    pub detected: u64,
    /// What the target share required.
    pub required: u64,
    pub target_met: bool,
    /// `optimal` or `time-limit`.
    pub solver: crate::cover::CoverStatus,
    pub cost_eur_per_year: f64,
    /// The share on held-out trials: the prediction for new attacks.
    pub predicted: Share,
    pub points: Vec<String>,
}

/// A detected share with its 95 % Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    pub attacks: u64,
    pub detected: u64,
    pub share: f64,
    pub ci95: [f64; 2],
}

impl Share {
    pub fn of(detected: u64, attacks: u64) -> Share {
        let (lo, hi) = ensure_simulator::result::wilson(detected, attacks);
        Share {
            attacks,
            detected,
            share: if attacks == 0 {
                0.0
            } else {
                detected as f64 / attacks as f64
            },
            ci95: [lo, hi],
        }
    }

    pub fn contains(&self, share: f64) -> bool {
        self.ci95[0] - 1e-12 <= share && share <= self.ci95[1] + 1e-12
    }
}

/// Sigma's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn raised(self) -> Level {
        Level::ALL[(self as usize + 1).min(4)]
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A UUID (derived rules: version 5, from the model name and the rule's point).
    pub id: String,
    /// A short identifier (`[a-z0-9_]`), also the Sigma rule's `name`.
    pub name: String,
    pub title: String,
    pub level: Level,
    pub detection: Detection,
    /// ATT&CK technique ids of the step (`T1190`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub techniques: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logsource: Option<LogSource>,
    /// What the attack graph predicts comes next.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<NextStep>,
    /// Assets the attacks through this point went on to reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets_at_risk: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Detection {
    /// One event.
    Single {
        #[serde(rename = "match")]
        matches: Match,
    },
    /// An event matching `first`, then within `within_hours` one matching `then`, with equal
    /// values of the `by` keys (`asset`, `step`, `flow`, `source` or `fields.NAME`).
    Sequence {
        first: Match,
        then: Match,
        within_hours: f64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        by: Vec<String>,
    },
}

/// Conditions on one event; absent or empty lists match anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asset: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<String>,
    /// Equalities on the event's `fields` object (strings, numbers or booleans).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A step the attack graph predicts after the rule's point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    /// `asset.step`.
    pub step: String,
    /// Share of the attacks through the point whose path continued with this step.
    pub share: f64,
    /// Median hours from the point to the step.
    pub median_hours: f64,
}

/// Why a rule exists: the point's figures and the attack paths behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Why {
    /// `asset.step` or `flow:ID`.
    pub point: String,
    pub figures: PointValue,
    /// Attacks the point alone detects among those no better-ranked chosen point detects.
    pub marginal_attacks: u64,
    /// Goals of the attacks through the point, with their share of them.
    pub goals: Vec<GoalShare>,
    /// The most common paths through the point.
    pub paths: Vec<PathShare>,
    /// Sequence rules: share of the attacks through `then` preceded by `first` in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_support: Option<f64>,
    /// Sequence rules: hours from `first` to `then` on the paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap_hours: Option<Percentiles>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalShare {
    pub goal: String,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathShare {
    pub share: f64,
    pub steps: Vec<String>,
}

/// A rule file that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("format version {found}, this build reads version {FORMAT_VERSION}; derive the rules again with `ensure rules --format native`")]
    Version { found: u32 },
    #[error("rule `{rule}`: {message}")]
    Invalid { rule: String, message: String },
}

impl RuleSet {
    /// Pretty JSON with a final newline; the same rule set always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads and checks a rule file.
    pub fn from_json(text: &str) -> Result<RuleSet, FormatError> {
        // The version first, so that a newer file says so instead of failing on a new field.
        #[derive(Deserialize)]
        struct Version {
            ensure_rules: Option<u32>,
        }
        let syntax = |e: serde_json::Error| FormatError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_string(),
        };
        let v: Version = serde_json::from_str(text).map_err(syntax)?;
        match v.ensure_rules {
            Some(FORMAT_VERSION) => {}
            Some(found) => return Err(FormatError::Version { found }),
            None => {
                return Err(FormatError::Syntax {
                    line: 1,
                    column: 1,
                    message: "missing field `ensure_rules` (the format version): is this an ensure rule file?".into(),
                })
            }
        }
        let set: RuleSet = serde_json::from_str(text).map_err(syntax)?;
        set.check()?;
        Ok(set)
    }

    /// Checks what serde cannot: windows, keys and unique ids.
    pub fn check(&self) -> Result<(), FormatError> {
        let mut ids = std::collections::HashSet::new();
        for r in &self.rules {
            let bad = |message: String| FormatError::Invalid {
                rule: r.id.clone(),
                message,
            };
            if r.id.is_empty() {
                return Err(bad("empty id".into()));
            }
            if !ids.insert(r.id.as_str()) {
                return Err(bad("two rules have this id".into()));
            }
            let matches: Vec<&Match> = match &r.detection {
                Detection::Single { matches } => vec![matches],
                Detection::Sequence {
                    first,
                    then,
                    within_hours,
                    by,
                } => {
                    if !(within_hours.is_finite() && *within_hours >= 0.0) {
                        return Err(bad(format!(
                            "`within_hours` must be a non-negative number, not {within_hours}"
                        )));
                    }
                    for k in by {
                        if !is_key(k) {
                            return Err(bad(format!(
                                "`by` key `{k}`: write asset, step, flow, source or fields.NAME"
                            )));
                        }
                    }
                    vec![first, then]
                }
            };
            for m in matches {
                for (k, v) in &m.fields {
                    if !(v.is_string() || v.is_number() || v.is_boolean()) {
                        return Err(bad(format!(
                            "field `{k}`: compare with a string, number or boolean"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether `k` names something of an event a sequence can join on.
pub fn is_key(k: &str) -> bool {
    matches!(k, "asset" | "step" | "flow" | "source")
        || k.strip_prefix("fields.").is_some_and(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuleSet {
        RuleSet {
            ensure_rules: FORMAT_VERSION,
            model: "m".into(),
            derivation: None,
            coverage: None,
            ranking: Vec::new(),
            rules: vec![
                Rule {
                    id: "a".into(),
                    name: "a".into(),
                    title: "A".into(),
                    level: Level::High,
                    detection: Detection::Single {
                        matches: Match {
                            step: vec!["exploit-injection".into()],
                            asset: vec!["web".into()],
                            ..Match::default()
                        },
                    },
                    techniques: vec!["T1190".into()],
                    logsource: None,
                    next_steps: vec![NextStep {
                        step: "web.compromise".into(),
                        share: 0.9,
                        median_hours: 4.0,
                    }],
                    assets_at_risk: vec!["db".into()],
                    why: None,
                },
                Rule {
                    id: "b".into(),
                    name: "b".into(),
                    title: "B".into(),
                    level: Level::Critical,
                    detection: Detection::Sequence {
                        first: Match {
                            step: vec!["x".into()],
                            ..Match::default()
                        },
                        then: Match {
                            step: vec!["y".into()],
                            fields: [("user".to_string(), serde_json::json!("bob"))]
                                .into_iter()
                                .collect(),
                            ..Match::default()
                        },
                        within_hours: 2.5,
                        by: vec!["fields.session".into()],
                    },
                    techniques: vec![],
                    logsource: None,
                    next_steps: vec![],
                    assets_at_risk: vec![],
                    why: None,
                },
            ],
        }
    }

    #[test]
    fn round_trips_through_json() {
        let s = sample();
        let text = s.to_json();
        assert_eq!(RuleSet::from_json(&text), Ok(s.clone()));
        assert_eq!(RuleSet::from_json(&text).expect("reads").to_json(), text);
    }

    #[test]
    fn bad_files_are_explained() {
        let err = RuleSet::from_json("{\"ensure_rules\": 1, \"rules\": [}").unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::Syntax {
                    line: 1,
                    column: 31,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            RuleSet::from_json("{\"ensure_rules\": 7, \"rules\": []}"),
            Err(FormatError::Version { found: 7 })
        );
        assert!(matches!(
            RuleSet::from_json("{\"rules\": []}"),
            Err(FormatError::Syntax { .. })
        ));
        let unknown = "{\"ensure_rules\": 1, \"rules\": [], \"extra\": 1}";
        let e = RuleSet::from_json(unknown).unwrap_err().to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");

        let mut s = sample();
        s.rules[1].id = "a".into();
        assert!(matches!(s.check(), Err(FormatError::Invalid { .. })));
        let mut s = sample();
        if let Detection::Sequence { within_hours, .. } = &mut s.rules[1].detection {
            *within_hours = -1.0;
        }
        assert!(s.check().is_err());
        let mut s = sample();
        if let Detection::Sequence { by, .. } = &mut s.rules[1].detection {
            by.push("colour".into());
        }
        assert!(s.check().unwrap_err().to_string().contains("colour"));
    }
}
