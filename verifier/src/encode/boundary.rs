//! Boundary: every flow in place that crosses a trust boundary uses an accepted
//! authentication and encryption. A counterexample is a configuration in which some
//! crossing flow does not; the witness lists every such flow of that configuration.

use ensure_model::{FlowId, Model, Property};

use super::config::{Config, Scope};
use super::ir::*;
use super::trust::Trust;

pub struct Boundary<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    /// Per flow that could offend: the condition under which it does.
    pub offends: Vec<(FlowId, Expr)>,
    /// How many flows could cross a boundary at all (for the statement of what was proved).
    pub n_may_cross: usize,
}

/// Whether the trusts of the two ends differ by at least `gap`.
pub fn crosses(trust: &mut Trust, cfg: &Config, f: FlowId, gap: u8) -> Expr {
    let flow = &cfg.model.flows[f.idx()];
    let a = trust.of(cfg, flow.from);
    let b = trust.of(cfg, flow.to);
    let mut cases = Vec::new();
    for (ca, va) in &a.0 {
        for (cb, vb) in &b.0 {
            if va.abs_diff(*vb) >= gap {
                cases.push(and2(ca.clone(), cb.clone()));
            }
        }
    }
    and2(cfg.flow_alive(f), or(cases))
}

pub fn encode<'m>(model: &'m Model, prop: &Property, scope: Scope) -> Boundary<'m> {
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let mut trust = Trust::default();
    let mut offends = Vec::new();
    let mut n_may_cross = 0;
    for i in 0..model.flows.len() {
        let f = FlowId(i as u32);
        let crossing = crosses(&mut trust, &cfg, f, prop.min_trust_gap);
        if crossing.is_false() {
            continue;
        }
        n_may_cross += 1;
        let auth_ok = if prop.require_authentication.is_empty() {
            TRUE
        } else {
            cfg.authentication(f)
                .test(|a| prop.require_authentication.contains(a))
        };
        let enc_ok = if prop.require_encryption.is_empty() {
            TRUE
        } else {
            cfg.encryption(f)
                .test(|e| prop.require_encryption.contains(e))
        };
        let weak = and2(crossing, not(and2(auth_ok, enc_ok)));
        if !weak.is_false() {
            offends.push((f, weak));
        }
    }
    problem.assert(
        "some flow in place crosses a boundary without the required protection",
        or(offends.iter().map(|(_, e)| e.clone())),
    );
    Boundary {
        problem,
        cfg,
        offends,
        n_may_cross,
    }
}
