//! The results a report draws, read from the JSON files the analyses write.
//!
//! Simulation, comparison and sensitivity results are read into the simulator's own types
//! (they derive `Deserialize`). The verifier writes its JSON by hand and its crate needs Z3,
//! so its shape is mirrored here ([`VerifyDoc`]), reading only what a report shows; timings
//! are ignored, because a report must not change when the solver is faster.

use ensure_simulator::compare::Comparison;
use ensure_simulator::sensitivity::Sensitivity;
use ensure_simulator::SimResult;
use serde::{Deserialize, Serialize};

use crate::plan::PlanDoc;
use crate::rules::RulesDoc;

/// What `ensure verify --format json` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyDoc {
    pub models: Vec<VerifiedModel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedModel {
    pub file: String,
    pub model: String,
    pub properties: Vec<PropertyVerdict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyVerdict {
    pub id: String,
    pub kind: String,
    pub statement: String,
    #[serde(default)]
    pub all_configurations: bool,
    #[serde(default)]
    pub location: Option<Location>,
    /// `holds`, `violated` or `unknown`.
    pub verdict: String,
    #[serde(default)]
    pub proved: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub witness: Option<WitnessDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WitnessDoc {
    pub summary: String,
    #[serde(default)]
    pub configuration: Option<Vec<String>>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub elements: Vec<ElementDoc>,
    /// The structure by property kind (derivations, propagation, flows), read for the
    /// assets and edges it names.
    #[serde(default)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementDoc {
    pub role: String,
    pub label: String,
    pub item: ItemDoc,
    #[serde(default)]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemDoc {
    Asset(String),
    Step(String),
    Flow(String),
    Control(String),
    Actor(String),
    Dependency(String),
}

impl ItemDoc {
    pub fn kind(&self) -> &'static str {
        match self {
            ItemDoc::Asset(_) => "asset",
            ItemDoc::Step(_) => "step",
            ItemDoc::Flow(_) => "flow",
            ItemDoc::Control(_) => "control",
            ItemDoc::Actor(_) => "actor",
            ItemDoc::Dependency(_) => "dependency",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ItemDoc::Asset(s)
            | ItemDoc::Step(s)
            | ItemDoc::Flow(s)
            | ItemDoc::Control(s)
            | ItemDoc::Actor(s)
            | ItemDoc::Dependency(s) => s,
        }
    }
}

/// One result file, by what wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultDoc {
    Verify(VerifyDoc),
    Simulation(Box<SimResult>),
    Comparison(Box<Comparison>),
    Sensitivity(Sensitivity),
    Plan(Box<PlanDoc>),
    Rules(Box<RulesDoc>),
}

/// Why a result file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not a result that `ensure report` knows: {found}")]
    Unrecognised { found: String },
    #[error("{what}: {message} (line {line}, column {column})")]
    Shape {
        what: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("a partial result of `ensure simulate --shard`")]
    Partial,
}

impl InputError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            InputError::Syntax { .. } => "the file is not JSON; write results with `--format json`",
            InputError::Unrecognised { .. } => {
                "give files written by `ensure verify|simulate|compare|sensitivity|plan|rules --format json`"
            }
            InputError::Shape { .. } => {
                "the file looks like that result but does not match it; was it written by another version of ensure?"
            }
            InputError::Partial => "merge the shards first: `ensure merge PART... --out result.json`",
        }
    }
}

/// serde_json's message without its " at line L column C" (the place is reported apart).
fn message(e: &serde_json::Error) -> String {
    e.to_string()
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Reads `text` as a `T`, a mismatch reported as the shape of a `what`.
pub(crate) fn shape<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, InputError> {
    serde_json::from_str(text).map_err(|e| InputError::Shape {
        what,
        line: e.line(),
        column: e.column(),
        message: message(&e),
    })
}

/// Reads one result file, telling its kind from its shape.
pub fn parse_result(text: &str) -> Result<ResultDoc, InputError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| InputError::Syntax {
        line: e.line(),
        column: e.column(),
        message: message(&e),
    })?;
    let Some(obj) = v.as_object() else {
        return Err(InputError::Unrecognised {
            found: "a JSON value that is not an object".into(),
        });
    };
    let has = |k: &str| obj.contains_key(k);
    if has("models") {
        return shape("verification result", text).map(ResultDoc::Verify);
    }
    if has("baseline") && has("variant") && has("goals") {
        return shape("comparison", text).map(|c| ResultDoc::Comparison(Box::new(c)));
    }
    if has("rows") && has("figure") && has("base") {
        return shape("sensitivity result", text).map(ResultDoc::Sensitivity);
    }
    if has("model_hash") && has("loss_eur") {
        return shape("simulation result", text).map(|s| ResultDoc::Simulation(Box::new(s)));
    }
    if has("tally") || has("shard") {
        return Err(InputError::Partial);
    }
    if let Some(kind) = crate::plan::recognise(obj) {
        return crate::plan::parse(kind, text).map(|p| ResultDoc::Plan(Box::new(p)));
    }
    if crate::rules::recognise(obj) {
        return crate::rules::parse(text).map(|r| ResultDoc::Rules(Box::new(r)));
    }
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort();
    Err(InputError::Unrecognised {
        found: format!(
            "an object with keys {}",
            keys.iter()
                .take(8)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Everything one report draws, for one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub verify: Vec<VerifiedModel>,
    pub simulations: Vec<SimResult>,
    pub comparisons: Vec<Comparison>,
    pub sensitivity: Vec<Sensitivity>,
    pub plans: Vec<PlanDoc>,
    pub rules: Vec<RulesDoc>,
}

impl Inputs {
    pub fn add(&mut self, doc: ResultDoc) {
        match doc {
            ResultDoc::Verify(v) => self.verify.extend(v.models),
            ResultDoc::Simulation(s) => self.simulations.push(*s),
            ResultDoc::Comparison(c) => self.comparisons.push(*c),
            ResultDoc::Sensitivity(s) => self.sensitivity.push(s),
            ResultDoc::Plan(p) => self.plans.push(*p),
            ResultDoc::Rules(r) => self.rules.push(*r),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.verify.is_empty()
            && self.simulations.is_empty()
            && self.comparisons.is_empty()
            && self.sensitivity.is_empty()
            && self.plans.is_empty()
            && self.rules.is_empty()
    }

    /// The results that belong to another model than `name`: a report of one model must
    /// not silently draw another's numbers.
    pub fn foreign(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for v in &self.verify {
            if v.model != name {
                out.push(format!("verification of `{}` ({})", v.model, v.file));
            }
        }
        for s in &self.simulations {
            if s.model != name {
                out.push(format!("simulation of `{}`", s.model));
            }
        }
        for c in &self.comparisons {
            if c.baseline.model != name {
                out.push(format!("comparison with baseline `{}`", c.baseline.model));
            }
        }
        for s in &self.sensitivity {
            if s.model != name {
                out.push(format!("sensitivity of `{}`", s.model));
            }
        }
        for p in &self.plans {
            if p.model() != name {
                out.push(format!("plan of `{}`", p.model()));
            }
        }
        for r in &self.rules {
            if r.model != name {
                out.push(format!("rules of `{}`", r.model));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_get_a_place_and_a_hint() {
        let e = parse_result("{\n  \"models\": [\n    {\"file\": 3}\n  ]\n}").unwrap_err();
        match &e {
            InputError::Shape { what, line, .. } => {
                assert_eq!(*what, "verification result");
                assert_eq!(*line, 3);
            }
            other => panic!("{other:?}"),
        }
        let e = parse_result("{ \"models\": [ }").unwrap_err();
        assert!(matches!(e, InputError::Syntax { line: 1, .. }), "{e:?}");
        assert!(e.hint().contains("--format json"));
        let e = parse_result("{\"hello\": 1}").unwrap_err();
        assert!(e.to_string().contains("`hello`"), "{e}");
        assert!(matches!(
            parse_result("[1]"),
            Err(InputError::Unrecognised { .. })
        ));
    }

    #[test]
    fn a_verification_result_is_read_without_its_timings() {
        let text = r#"{"models": [{"file": "m.yaml", "model": "m", "summary": {"properties": 1},
          "properties": [{"id": "p", "kind": "boundary", "statement": "s", "all_configurations": false,
            "location": {"file": "m.yaml", "line": 4, "column": 3}, "verdict": "violated",
            "stats": {"time_s": 0.25},
            "witness": {"summary": "w", "notes": [], "configuration": null,
              "elements": [{"role": "r", "label": "f1", "item": {"flow": "f1"}, "location": null}],
              "detail": {"flows": []}}}]}]}"#;
        let ResultDoc::Verify(v) = parse_result(text).unwrap() else {
            panic!("not a verification result");
        };
        let p = &v.models[0].properties[0];
        assert_eq!(p.location.as_ref().unwrap().to_string(), "m.yaml:4:3");
        let w = p.witness.as_ref().unwrap();
        assert_eq!(w.elements[0].item, ItemDoc::Flow("f1".into()));
    }
}
