//! Properties a plan must make hold, checked by the verifier with the plan's controls on. A
//! violation's witness becomes the verifier's own blocking clauses
//! ([`ensure_verifier::repair::blocking_clauses`], the clauses its cheapest-repair search
//! learns), which the next optimisation must satisfy: lazily, as a repair does, so that only
//! the witnesses a plan actually meets are ever encoded.

use ensure_model::{Model, Property};
use ensure_verifier::{check_property, Options, Verdict};
use serde::{Deserialize, Serialize};

use crate::candidates::Candidates;
use crate::rules::Clause;

/// The verifier's answer for one property with a plan on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyVerdict {
    pub property: String,
    /// `holds`, `violated` or `unknown`.
    pub verdict: String,
    /// What was proved, the witness's summary, or why it is unknown.
    pub detail: String,
}

/// The verdicts of the must-hold properties with `chosen` on, and for each violated one the
/// clauses learnt from its witness (by position in `props`).
pub(crate) struct Checked {
    pub verdicts: Vec<PropertyVerdict>,
    pub learnt: Vec<(usize, Vec<Clause>)>,
    /// A property the verifier could not decide, and why.
    pub unknown: Option<String>,
}

impl Checked {
    pub fn all_hold(&self) -> bool {
        self.verdicts.iter().all(|v| v.verdict == "holds")
    }
}

pub(crate) fn check(
    model: &Model,
    cand: &Candidates,
    props: &[&Property],
    chosen: &[bool],
    options: &Options,
) -> Checked {
    let on = cand.chosen_controls(chosen);
    let mut out = Checked {
        verdicts: Vec::new(),
        learnt: Vec::new(),
        unknown: None,
    };
    for (i, p) in props.iter().enumerate() {
        let r = check_property(model, p, &on, options);
        let (verdict, detail) = match &r.verdict {
            Verdict::Holds { proved } => ("holds", proved.clone()),
            Verdict::Violated { witness } => {
                let clauses = ensure_verifier::repair::blocking_clauses(
                    model,
                    p,
                    witness,
                    &on,
                    &cand.controls,
                )
                .into_iter()
                .map(|(expr, requires)| Clause { expr, requires })
                .collect();
                out.learnt.push((i, clauses));
                ("violated", witness.summary.clone())
            }
            Verdict::Unknown { reason } => {
                out.unknown
                    .get_or_insert_with(|| format!("property `{}`: {reason}", p.id));
                ("unknown", reason.clone())
            }
        };
        out.verdicts.push(PropertyVerdict {
            property: p.id.clone(),
            verdict: verdict.into(),
            detail,
        });
    }
    out
}
