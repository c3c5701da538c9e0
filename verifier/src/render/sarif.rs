//! Reports as a SARIF 2.1.0 log, so that code-scanning viewers show violations on the lines
//! of the model file.
//!
//! One run; one rule per property kind; one result per property: a violated property is a
//! `fail` result of level `error` whose primary location is the most relevant witness element
//! and whose related locations are the others; a property that holds is a `pass` and an
//! undecided one `open` (both of level `none`, as the specification requires for results that
//! are not failures), the latter also raising a tool execution notification. Paths are
//! relative to `SRCROOT`, the directory the command ran in.

use std::path::Path;

use ensure_model::{Model, Span};
use serde_json::{json, Value};

use super::{display_path, place, Input};
use crate::report::*;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn rule_text(kind: ensure_model::PropertyKind) -> (&'static str, &'static str, &'static str) {
    use ensure_model::PropertyKind as K;
    match kind {
        K::Boundary => (
            "BoundaryProtection",
            "Every interface that crosses a trust boundary authenticates and encrypts as required.",
            "A flow crosses a trust boundary when the trusts of its two ends differ by at least `min_trust_gap`. Every such flow in place must use one of `require_authentication` and one of `require_encryption`. The witness lists every offending flow; fix it by changing the flow's security attributes (a control's `changes: [{flow: ..., authentication: ...}]`) or removing it.",
        ),
        K::Confinement => (
            "DataConfinement",
            "A data class is held only by assets of enough trust, within its owner's agreements.",
            "The data class is held by the assets that store it and by both ends of every flow in place that carries it. Each holder must have trust at least `min_trust`, and belong to the owner's organisation, no organisation, or one that a chain of agreements covering the data reaches. The witness names the holder and a chain of carrying flows from an asset that stores the data.",
        ),
        K::Reachability => (
            "AttackPathControls",
            "Every attack path of the actor to a crown jewel meets at least `min_controls` controls.",
            "For the actor named (or any actor), every derivation in the attack graph that reaches a step of a target asset (default: the crown jewels) must meet at least `min_controls` distinct controls (of `control_kinds`, when given) guarding its steps. The witness is a derivation with fewer controls, from the actor's entry steps.",
        ),
        K::Resilience => (
            "ServiceResilience",
            "The business service survives any `k` failures through its functional dependencies.",
            "No set of at most `k` assets other than the service, failing together, may put the service down through its dependency entries (all of `on` for `requires: all`, any for `requires: any`; several entries of one service are all needed). The witness is a smallest failing set and how the failure propagates.",
        ),
        K::Separation => (
            "SeparationOfDuties",
            "No coalition of at most `k` insiders reaches both assets.",
            "Insiders are the people who belong to an organisation. A coalition starts from its members' `misuse` steps and reaches what those derive together. No coalition of at most `k` may reach both `assets`. The witness is a smallest such coalition and a derivation reaching both.",
        ),
        K::BlastRadius => (
            "BlastRadius",
            "One fully compromised identity reaches at most `max_assets` other assets.",
            "With every step of the identity as an entry step, at most `max_assets` assets other than the identity may have a reached step. The witness lists every asset reached, each with a derivation.",
        ),
        K::Custom => (
            "CustomFormula",
            "A formula of the property language holds in the model.",
            "The `assert` formula quantifies over the model's assets, flows, actors, persons, insiders and controls. The witness gives values of the leading universally quantified variables for which it is false.",
        ),
    }
}

fn rules() -> Value {
    ensure_model::PropertyKind::ALL
        .iter()
        .map(|k| {
            let (name, short, full) = rule_text(*k);
            json!({
                "id": k.as_str(),
                "name": name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "help": {"text": full},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "ensure"]},
            })
        })
        .collect()
}

/// Percent-encodes a relative path for a URI reference, keeping `/`.
fn uri_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn artifact(file: &str) -> Value {
    if file.starts_with('/') {
        json!({"uri": format!("file://{}", uri_path(file))})
    } else {
        json!({"uri": uri_path(file), "uriBaseId": "SRCROOT"})
    }
}

fn physical(input: &Input, span: Span, base: Option<&Path>) -> Option<Value> {
    let p = place(input.sources, span, base)?;
    let mut region = json!({"startLine": p.line, "startColumn": p.column});
    if span.len > 0 {
        region["endColumn"] = json!(p.column + span.len);
    }
    Some(json!({"artifactLocation": artifact(&p.file), "region": region}))
}

fn location(
    input: &Input,
    span: Span,
    base: Option<&Path>,
    message: Option<String>,
) -> Option<Value> {
    let mut loc = json!({"physicalLocation": physical(input, span, base)?});
    if let Some(m) = message {
        loc["message"] = json!({"text": m});
    }
    Some(loc)
}

/// A SARIF log of the reports of one or more models.
pub fn log(inputs: &[(Input, &Model)], base: Option<&Path>, repair: Option<Value>) -> Value {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for (input, model) in inputs {
        for p in &input.report.properties {
            let rule_index = ensure_model::PropertyKind::ALL
                .iter()
                .position(|k| *k == p.kind)
                .unwrap_or(0);
            let property_loc = location(input, p.span, base, None);
            let mut props = json!({
                "propertyId": p.id,
                "statement": p.statement,
                "allConfigurations": p.all_configurations,
                "model": input.report.model,
                "timeSeconds": p.stats.time.as_secs_f64(),
            });
            let (kind, level, text, locations, related) = match &p.verdict {
                Verdict::Holds { proved } => {
                    props["proved"] = json!(proved);
                    (
                        "pass",
                        "none",
                        format!("Property `{}` holds: {proved}.", p.id),
                        property_loc.into_iter().collect::<Vec<_>>(),
                        Vec::new(),
                    )
                }
                Verdict::Unknown { reason } => {
                    let text = format!("Property `{}` could not be decided: {reason}.", p.id);
                    let mut n = json!({"level": "warning", "message": {"text": text}});
                    if let Some(l) = &property_loc {
                        n["locations"] = json!([l]);
                    }
                    notifications.push(n);
                    props["reason"] = json!(reason);
                    (
                        "open",
                        "none",
                        text,
                        property_loc.into_iter().collect(),
                        Vec::new(),
                    )
                }
                Verdict::Violated { witness } => {
                    props["witness"] = super::json::detail_json(model, &witness.detail);
                    if let Some(cs) = &witness.configuration {
                        props["configuration"] = json!(cs
                            .iter()
                            .map(|c| model.controls[c.idx()].id.clone())
                            .collect::<Vec<_>>());
                    }
                    let mut located = witness.elements.iter().filter(|e| e.span.is_known());
                    let primary = located
                        .next()
                        .and_then(|e| {
                            location(
                                input,
                                e.span,
                                base,
                                Some(format!("{}: {}", e.role, e.label)),
                            )
                        })
                        .or(property_loc.clone());
                    let mut related: Vec<Value> = located
                        .filter_map(|e| {
                            location(
                                input,
                                e.span,
                                base,
                                Some(format!("{}: {}", e.role, e.label)),
                            )
                        })
                        .collect();
                    if let Some(l) = property_loc.clone() {
                        let mut l = l;
                        l["message"] = json!({"text": format!("property {}", p.id)});
                        related.push(l);
                    }
                    for (i, r) in related.iter_mut().enumerate() {
                        r["id"] = json!(i);
                    }
                    let mut text = format!("Property `{}` is violated: {}.", p.id, witness.summary);
                    for note in &witness.notes {
                        text.push_str(&format!(" Note: {note}."));
                    }
                    (
                        "fail",
                        "error",
                        text,
                        primary.into_iter().collect(),
                        related,
                    )
                }
            };
            let mut result = json!({
                "ruleId": p.kind.as_str(),
                "ruleIndex": rule_index,
                "kind": kind,
                "level": level,
                "message": {"text": text},
                "locations": locations,
                "properties": props,
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            results.push(result);
        }
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "ensure",
            "fullName": "ensure verifier (interface security properties, Z3)",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules(),
        }},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    });
    if let Some(b) = base {
        let mut uri = format!("file://{}", uri_path(&display_path(b, None)));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({"SRCROOT": {"uri": uri}});
    }
    if let Some(r) = repair {
        run["properties"] = json!({"repair": r});
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}
