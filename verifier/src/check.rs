//! Checking one property: encode it, ask the solver for a counterexample within the time
//! budget, shrink it where a smallest one is wanted, and turn the answer into a verdict.

use std::time::{Duration, Instant};

use ensure_model::logic;
use ensure_model::{AssetId, ControlId, Model, Property, PropertyKind, StepId};

use crate::encode::config::{Config, Scope};
use crate::encode::ir::{Assignment, Expr, Problem};
use crate::encode::{attack, boundary, confinement, custom, resilience, Index};
use crate::report::*;
use crate::solve::{Outcome, Session};
use crate::verdict::{self as v, list};

/// How a property is checked.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Controls taken as on in addition to the enabled ones (a repair under test).
    pub also_on: Vec<ControlId>,
    pub timeout: Duration,
    /// The most formula nodes a custom property may ground to.
    pub grounding_budget: usize,
}

/// The scope of a property: the current configuration (plus `also_on`), or every
/// configuration of the remaining candidates.
pub fn scope(model: &Model, prop: &Property, also_on: &[ControlId]) -> Scope {
    if prop.all_configurations {
        Scope::all_with(model, also_on)
    } else {
        Scope::exactly(model, also_on)
    }
}

struct Run {
    started: Instant,
    deadline: Instant,
    stats: Stats,
}

impl Run {
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn load(&mut self, problem: &Problem, cone: usize) -> Session {
        self.stats.n_vars = problem.vars.len();
        self.stats.n_constraints = problem.assertions.len();
        self.stats.size = problem.size();
        self.stats.cone = cone;
        Session::new(problem)
    }

    fn check(&mut self, session: &mut Session, extra: &[Expr]) -> Outcome {
        let out = session.check(self.remaining(), extra);
        self.stats.checks = session.stats.checks;
        self.stats.solver_time = session.stats.solver_time;
        self.stats.solver = session.stats.z3.clone();
        out
    }

    /// Shrinks the witness `best` to a smallest one: asks for one of at most `size - 1`
    /// elements until the solver proves there is none (`true`: minimal). When it cannot
    /// tell, `best` stays as it is and a note says the `what` was not proved smallest.
    fn shrink(
        &mut self,
        session: &mut Session,
        best: &mut Assignment,
        size: impl Fn(&Assignment) -> usize,
        at_most: impl Fn(u32) -> Expr,
        what: &str,
        notes: &mut Vec<String>,
    ) -> bool {
        loop {
            let n = size(best) as u32;
            if n == 0 {
                return true;
            }
            match self.check(session, &[at_most(n - 1)]) {
                Outcome::Sat(asg) => *best = asg,
                Outcome::Unsat => return true,
                Outcome::Unknown(reason) => {
                    notes.push(format!("not proved to be a smallest {what} ({reason})"));
                    return false;
                }
            }
        }
    }
}

/// The candidate controls on in the solver's configuration, when the configuration was free.
fn configuration(cfg: &Config, asg: &Assignment) -> Option<Vec<ControlId>> {
    if cfg.scope.n_free() == 0 {
        return None;
    }
    Some(
        cfg.vars
            .iter()
            .filter(|(_, var)| asg.bool(*var))
            .map(|(c, _)| *c)
            .collect(),
    )
}

/// Elements naming the configuration's candidate controls.
fn configuration_elements(model: &Model, conf: &Option<Vec<ControlId>>) -> Vec<Element> {
    conf.iter()
        .flatten()
        .map(|c| v::control(model, *c, "candidate control on in this configuration"))
        .collect()
}

fn configuration_note(model: &Model, conf: &Option<Vec<ControlId>>) -> String {
    match conf {
        None => String::new(),
        Some(cs) if cs.is_empty() => " (configuration: no candidate control on)".into(),
        Some(cs) => format!(
            " (configuration: {} on)",
            list(cs.iter().map(|c| model.controls[c.idx()].id.clone()))
        ),
    }
}

pub fn check(ix: &Index, prop: &Property, setting: &Setting) -> PropertyReport {
    crate::solve::isolated(|| check_in_context(ix, prop, setting))
}

fn check_in_context(ix: &Index, prop: &Property, setting: &Setting) -> PropertyReport {
    let started = Instant::now();
    let mut run = Run {
        started,
        deadline: started + setting.timeout,
        stats: Stats::default(),
    };
    let sc = scope(ix.model, prop, &setting.also_on);
    let verdict = match prop.kind {
        PropertyKind::Boundary => check_boundary(ix, prop, sc, &mut run),
        PropertyKind::Confinement => check_confinement(ix, prop, sc, &mut run),
        PropertyKind::Reachability => check_reachability(ix, prop, sc, &mut run),
        PropertyKind::Resilience => check_resilience(ix, prop, sc, &mut run),
        PropertyKind::Separation => check_separation(ix, prop, sc, &mut run),
        PropertyKind::BlastRadius => check_blast_radius(ix, prop, sc, &mut run),
        PropertyKind::Custom => check_custom(ix, prop, sc, setting, &mut run),
    };
    run.stats.time = run.started.elapsed();
    PropertyReport {
        id: prop.id.clone(),
        kind: prop.kind,
        statement: prop.statement.clone(),
        all_configurations: prop.all_configurations,
        span: prop.span,
        verdict,
        stats: run.stats,
    }
}

fn violated(witness: Witness) -> Verdict {
    Verdict::Violated {
        witness: Box::new(witness),
    }
}

// ------------------------------------------------------------------------------ boundary

fn check_boundary(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let enc = boundary::encode(model, prop, sc);
    let mut session = run.load(&enc.problem, model.flows.len());
    match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => Verdict::Unknown { reason },
        Outcome::Unsat => {
            let auth = if prop.require_authentication.is_empty() {
                "any authentication".to_string()
            } else {
                format!(
                    "one of {}",
                    list(
                        prop.require_authentication
                            .iter()
                            .map(|a| logic::auth_name(*a).to_string())
                    )
                )
            };
            let encr = if prop.require_encryption.is_empty() {
                "any encryption".to_string()
            } else {
                format!(
                    "one of {}",
                    list(
                        prop.require_encryption
                            .iter()
                            .map(|e| logic::enc_name(*e).to_string())
                    )
                )
            };
            Verdict::Holds {
                proved: format!(
                    "every flow in place whose ends differ in trust by at least {} ({} of {} flows can) uses {auth} and {encr}, {}",
                    prop.min_trust_gap,
                    enc.n_may_cross,
                    model.flows.len(),
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                ),
            }
        }
        Outcome::Sat(asg) => {
            let mut trust = crate::encode::trust::Trust::default();
            let value = |g: &crate::encode::ir::Guarded<u8>| {
                g.0.iter().find(|(c, _)| asg.eval(c)).map_or(0, |(_, t)| *t)
            };
            let flows: Vec<FlowOffence> = enc
                .offends
                .iter()
                .filter(|(_, e)| asg.eval(e))
                .map(|(f, _)| {
                    let fl = &model.flows[f.idx()];
                    FlowOffence {
                        flow: *f,
                        from_trust: value(&trust.of(&enc.cfg, fl.from)),
                        to_trust: value(&trust.of(&enc.cfg, fl.to)),
                        authentication: *enc
                            .cfg
                            .authentication(*f)
                            .0
                            .iter()
                            .find(|(c, _)| asg.eval(c))
                            .map_or(&fl.authentication, |(_, a)| a),
                        encryption: *enc
                            .cfg
                            .encryption(*f)
                            .0
                            .iter()
                            .find(|(c, _)| asg.eval(c))
                            .map_or(&fl.encryption, |(_, e)| e),
                    }
                })
                .collect();
            let conf = configuration(&enc.cfg, &asg);
            let mut elements: Vec<Element> = flows
                .iter()
                .map(|o| {
                    v::flow(
                        model,
                        o.flow,
                        "flow crossing a boundary without the required protection",
                    )
                })
                .collect();
            elements.extend(configuration_elements(model, &conf));
            let described: Vec<String> = flows
                .iter()
                .map(|o| {
                    format!(
                        "{} (trust {} -> {}, {}, {})",
                        crate::encode::custom::flow_name(model, o.flow),
                        o.from_trust,
                        o.to_trust,
                        logic::auth_name(o.authentication),
                        logic::enc_name(o.encryption)
                    )
                })
                .collect();
            violated(Witness {
                summary: format!(
                    "{} flow{} cross{} a trust boundary without the required protection: {}{}",
                    flows.len(),
                    if flows.len() == 1 { "" } else { "s" },
                    if flows.len() == 1 { "es" } else { "" },
                    described.join("; "),
                    configuration_note(model, &conf)
                ),
                configuration: conf,
                elements,
                detail: Detail::Boundary { flows },
                notes: Vec::new(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ confinement

fn check_confinement(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let mut enc = confinement::encode(model, prop, sc);
    let mut session = run.load(&enc.problem, enc.connected.len());
    let data = &model.asset(enc.data).id;
    match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => Verdict::Unknown { reason },
        Outcome::Unsat => Verdict::Holds {
            proved: format!(
                "every asset that holds {data} ({} can) has trust at least {} and belongs to {}, {}",
                enc.connected.len(),
                enc.min_trust,
                if enc.covered.is_empty() {
                    "any organisation (the data has no owner)".to_string()
                } else {
                    format!(
                        "no organisation, or one of {}",
                        list(enc.covered.iter().map(|o| model.asset(*o).id.clone()))
                    )
                },
                v::configurations_phrase(enc.cfg.scope.n_free(), all)
            ),
        },
        Outcome::Sat(asg) => {
            let Some((holder, chain)) = enc.read(&asg) else {
                return Verdict::Unknown {
                    reason: "internal: the solver's model chooses no holder".into(),
                };
            };
            let cand = enc
                .candidates
                .iter()
                .find(|c| c.asset == holder)
                .expect("the holder is a candidate");
            let low_trust = asg.eval(&cand.low_trust);
            let outside = cand.outside_agreements;
            let trust = enc
                .trust
                .of(&enc.cfg, holder)
                .0
                .iter()
                .find(|(c, _)| asg.eval(c))
                .map_or(0, |(_, t)| *t);
            let conf = configuration(&enc.cfg, &asg);
            let mut elements = vec![v::asset(model, holder, "holder that may not hold the data")];
            elements.extend(chain.iter().map(|f| v::flow(model, *f, "flow carrying the data")));
            if let Some(first) = chain.first() {
                let fl = &model.flows[first.idx()];
                let storer = [fl.from, fl.to]
                    .into_iter()
                    .find(|a| model.asset(*a).stores.contains(&enc.data));
                if let Some(s) = storer {
                    elements.push(v::asset(model, s, "asset that stores the data"));
                }
            }
            elements.push(v::asset(model, enc.data, "data class"));
            elements.extend(configuration_elements(model, &conf));
            let mut why = Vec::new();
            if low_trust {
                why.push(format!("trust {trust} < {}", enc.min_trust));
            }
            if outside {
                let org = model.asset(holder).org.map(|o| model.asset(o).id.clone());
                why.push(format!(
                    "organisation {} has no agreement for it",
                    org.unwrap_or_default()
                ));
            }
            let how = if chain.is_empty() {
                "it stores it".to_string()
            } else {
                format!(
                    "through {}",
                    chain
                        .iter()
                        .map(|f| crate::encode::custom::flow_name(model, *f))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            violated(Witness {
                summary: format!(
                    "{data} is held by {} ({}): {how}{}",
                    model.asset(holder).id,
                    why.join(", "),
                    configuration_note(model, &conf)
                ),
                configuration: conf,
                elements,
                detail: Detail::Confinement {
                    holder,
                    trust,
                    low_trust,
                    outside_agreements: outside,
                    chain,
                },
                notes: Vec::new(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ reachability

fn check_reachability(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let enc = attack::encode_reachability(ix, prop, sc);
    let mut session = run.load(&enc.problem, enc.reach.cone.len());
    let targets = list(enc.targets.iter().map(|a| model.asset(*a).id.clone()));
    let who = match prop.actor {
        Some(a) => model.actors[a.idx()].id.clone(),
        None => "any actor".into(),
    };
    let kinds = if prop.control_kinds.is_empty() {
        String::new()
    } else {
        format!(" of kind {}", list(prop.control_kinds.iter().cloned()))
    };
    match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => Verdict::Unknown { reason },
        Outcome::Unsat => Verdict::Holds {
            proved: if enc.targets.is_empty() {
                "there is no target (no `targets` and no crown jewel)".into()
            } else if enc.min_controls == 0 {
                "min_controls is 0: nothing to prove".into()
            } else {
                format!(
                    "every derivation of {who} that reaches a step of {targets} meets at least {} distinct control{}{kinds} ({} steps in the cone of influence), {}",
                    enc.min_controls,
                    if enc.min_controls == 1 { "" } else { "s" },
                    enc.reach.cone.len(),
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                )
            },
        },
        Outcome::Sat(asg) => {
            let actor = enc
                .actors
                .iter()
                .find(|(_, c)| asg.eval(c))
                .map(|(a, _)| *a)
                .expect("one actor is chosen");
            let Some(target) = enc
                .target_steps
                .iter()
                .copied()
                .find(|s| asg.eval(&enc.reach.reached(*s)))
            else {
                return Verdict::Unknown {
                    reason: "internal: no target step reached in the solver's model".into(),
                };
            };
            let derivation = enc.reach.derivation(ix, &enc.cfg, &asg, &[target]);
            let controls: Vec<ControlId> = enc
                .counting
                .iter()
                .filter(|(c, steps)| {
                    asg.eval(&enc.cfg.on(**c)) && derivation.iter().any(|n| steps.contains(&n.step))
                })
                .map(|(c, _)| *c)
                .collect();
            let conf = configuration(&enc.cfg, &asg);
            let mut elements = vec![
                v::step(model, target, "target step reached"),
                v::actor(model, actor, "threat actor"),
            ];
            elements.extend(v::derivation(model, &derivation));
            elements.extend(
                controls
                    .iter()
                    .map(|c| v::control(model, *c, "control met on the way")),
            );
            elements.extend(configuration_elements(model, &conf));
            violated(Witness {
                summary: format!(
                    "{} reaches {} meeting {}{kinds}, fewer than {}{}",
                    model.actors[actor.idx()].id,
                    model.step_label(target),
                    v::controls_phrase(model, &controls),
                    enc.min_controls,
                    configuration_note(model, &conf)
                ),
                configuration: conf,
                elements,
                detail: Detail::Reachability {
                    actor,
                    target,
                    derivation,
                    controls,
                },
                notes: Vec::new(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ resilience

fn check_resilience(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let enc = resilience::encode(model, prop, sc);
    let mut session = run.load(&enc.problem, enc.down.len());
    let service = &model.asset(enc.service).id;
    let mut best = match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => return Verdict::Unknown { reason },
        Outcome::Unsat => {
            return Verdict::Holds {
                proved: format!(
                    "no set of at most {} of the {} assets {service} depends on (directly or not) puts it down, {}",
                    enc.k,
                    enc.failed.len(),
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                ),
            }
        }
        Outcome::Sat(asg) => asg,
    };
    let mut notes = Vec::new();
    let minimal = run.shrink(
        &mut session,
        &mut best,
        |asg| enc.read_failed(asg).len(),
        |k| enc.at_most(k),
        "failing set",
        &mut notes,
    );
    let failed = enc.read_failed(&best);
    let propagation = enc.propagation(&best);
    let conf = configuration(&enc.cfg, &best);
    let mut elements: Vec<Element> = failed
        .iter()
        .map(|a| v::asset(model, *a, "failed asset"))
        .collect();
    for n in &propagation {
        if n.failed {
            continue;
        }
        elements.push(v::asset(model, n.asset, "asset down by propagation"));
        if let Some(d) = n.dependency {
            elements.push(v::dependency(model, d, "unmet dependency"));
        }
    }
    elements.extend(configuration_elements(model, &conf));
    violated(Witness {
        summary: format!(
            "failing {} puts {service} down{}{}",
            list(failed.iter().map(|a| model.asset(*a).id.clone())),
            if minimal {
                " (a smallest failing set)"
            } else {
                ""
            },
            configuration_note(model, &conf)
        ),
        configuration: conf,
        elements,
        detail: Detail::Resilience {
            failed,
            propagation,
            minimal,
        },
        notes,
    })
}

// ------------------------------------------------------------------------------ separation

fn check_separation(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let enc = attack::encode_separation(ix, prop, sc);
    let mut session = run.load(&enc.problem, enc.reach.cone.len());
    let [a, b] = enc.assets;
    let (an, bn) = (&model.asset(a).id, &model.asset(b).id);
    let mut best = match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => return Verdict::Unknown { reason },
        Outcome::Unsat => {
            return Verdict::Holds {
                proved: format!(
                    "no coalition of at most {} of the {} insiders reaches both {an} and {bn}, {}",
                    enc.k,
                    enc.insiders.len(),
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                ),
            }
        }
        Outcome::Sat(asg) => asg,
    };
    let mut notes = Vec::new();
    let minimal = run.shrink(
        &mut session,
        &mut best,
        |asg| enc.coalition(asg).len(),
        |k| enc.at_most(k),
        "coalition",
        &mut notes,
    );
    let coalition = enc.coalition(&best);
    let reached_of = |x: AssetId| {
        model
            .steps_of(x)
            .iter()
            .copied()
            .find(|s| best.eval(&enc.reach.reached(*s)))
    };
    let (Some(sa), Some(sb)) = (reached_of(a), reached_of(b)) else {
        return Verdict::Unknown {
            reason: "internal: the solver's model does not reach both assets".into(),
        };
    };
    let derivation = enc.reach.derivation(ix, &enc.cfg, &best, &[sa, sb]);
    let conf = configuration(&enc.cfg, &best);
    let mut elements: Vec<Element> = coalition
        .iter()
        .map(|p| v::asset(model, *p, "insider of the coalition"))
        .collect();
    elements.push(v::step(model, sa, "step reached of the first asset"));
    elements.push(v::step(model, sb, "step reached of the second asset"));
    elements.extend(v::derivation(model, &derivation));
    elements.extend(configuration_elements(model, &conf));
    let who = list(coalition.iter().map(|p| model.asset(*p).id.clone()));
    violated(Witness {
        summary: format!(
            "{who}{} reach{} both {} and {}{}",
            if coalition.len() == 1 {
                " alone"
            } else {
                " together"
            },
            if coalition.len() == 1 { "es" } else { "" },
            model.step_label(sa),
            model.step_label(sb),
            configuration_note(model, &conf)
        ),
        configuration: conf,
        elements,
        detail: Detail::Separation {
            coalition,
            reached: [sa, sb],
            derivation,
            minimal,
        },
        notes,
    })
}

// ------------------------------------------------------------------------------ blast radius

fn check_blast_radius(ix: &Index, prop: &Property, sc: Scope, run: &mut Run) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let enc = attack::encode_blast_radius(ix, prop, sc);
    let mut session = run.load(&enc.problem, enc.reach.cone.len());
    let id = &model.asset(enc.identity).id;
    match run.check(&mut session, &[enc.too_many()]) {
        Outcome::Unknown(reason) => Verdict::Unknown { reason },
        Outcome::Unsat => {
            // The count in the current configuration, for the record.
            let current: Vec<Expr> = enc
                .cfg
                .vars
                .iter()
                .map(|(c, var)| {
                    if model.controls[c.idx()].enabled {
                        Expr::var(*var)
                    } else {
                        crate::encode::ir::not(Expr::var(*var))
                    }
                })
                .collect();
            let count = match run.check(&mut session, &current) {
                Outcome::Sat(asg) => Some(enc.reached_assets(&asg).len()),
                _ => None,
            };
            let now = match count {
                Some(n) if all => format!("; {n} in the current configuration"),
                Some(n) => format!(": {n}"),
                None => String::new(),
            };
            Verdict::Holds {
                proved: format!(
                    "{id}, fully compromised, reaches at most {} other assets {}{now}",
                    enc.max_assets,
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                ),
            }
        }
        Outcome::Sat(asg) => {
            let reached = enc.reached_assets(&asg);
            let pairs: Vec<(AssetId, StepId)> = reached
                .iter()
                .filter_map(|a| {
                    model
                        .steps_of(*a)
                        .iter()
                        .copied()
                        .find(|s| asg.eval(&enc.reach.reached(*s)))
                        .map(|s| (*a, s))
                })
                .collect();
            let roots: Vec<StepId> = pairs.iter().map(|(_, s)| *s).collect();
            let derivation = enc.reach.derivation(ix, &enc.cfg, &asg, &roots);
            let conf = configuration(&enc.cfg, &asg);
            let mut elements = vec![v::asset(model, enc.identity, "compromised identity")];
            elements.extend(
                pairs
                    .iter()
                    .map(|(a, _)| v::asset(model, *a, "asset reached")),
            );
            elements.extend(v::derivation(model, &derivation));
            elements.extend(configuration_elements(model, &conf));
            violated(Witness {
                summary: format!(
                    "{id} reaches {} assets, more than {}: {}{}",
                    pairs.len(),
                    enc.max_assets,
                    list(pairs.iter().map(|(a, _)| model.asset(*a).id.clone())),
                    configuration_note(model, &conf)
                ),
                configuration: conf,
                elements,
                detail: Detail::BlastRadius {
                    identity: enc.identity,
                    reached: pairs,
                    derivation,
                },
                notes: Vec::new(),
            })
        }
    }
}

// ------------------------------------------------------------------------------ custom

fn check_custom(
    ix: &Index,
    prop: &Property,
    sc: Scope,
    setting: &Setting,
    run: &mut Run,
) -> Verdict {
    let model = ix.model;
    let all = prop.all_configurations;
    let Some((text, _)) = &prop.assert else {
        return Verdict::Unknown {
            reason: "the property has no `assert`".into(),
        };
    };
    let formula = match logic::compile(text, model) {
        Ok(f) => f,
        Err(errors) => {
            return Verdict::Unknown {
                reason: format!(
                    "the formula does not compile: {}",
                    errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            }
        }
    };
    let enc = match custom::encode(ix, &formula, sc, setting.grounding_budget) {
        Ok(e) => e,
        Err(t) => {
            return Verdict::Unknown {
                reason: format!(
                    "resource limit: grounding the formula over the model needs more than {} formula nodes",
                    t.budget
                ),
            }
        }
    };
    let mut session = run.load(
        &enc.problem,
        enc.n_instances.min(usize::MAX as u128) as usize,
    );
    let vars: Vec<String> = enc
        .choices
        .iter()
        .map(|(v, _)| formula.vars[*v].name.clone())
        .collect();
    match run.check(&mut session, &[]) {
        Outcome::Unknown(reason) => Verdict::Unknown { reason },
        Outcome::Unsat => Verdict::Holds {
            proved: if vars.is_empty() {
                format!(
                    "the formula holds {}",
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                )
            } else {
                format!(
                    "the formula holds for every value of {} ({} combinations), {}",
                    list(vars.iter().cloned()),
                    enc.n_instances,
                    v::configurations_phrase(enc.cfg.scope.n_free(), all)
                )
            },
        },
        Outcome::Sat(asg) => {
            let mut bindings = Vec::new();
            let mut elements = Vec::new();
            for (var, values) in &enc.choices {
                let name = formula.vars[*var].name.clone();
                let Some((val, _)) = values.iter().find(|(_, x)| asg.bool(*x)) else {
                    continue;
                };
                let role = format!("value of `{name}`");
                let b = match val {
                    logic::Value::Asset(a) => {
                        elements.push(v::asset(model, *a, &role));
                        Binding::Asset(*a)
                    }
                    logic::Value::Flow(f) => {
                        elements.push(v::flow(model, *f, &role));
                        Binding::Flow(*f)
                    }
                    logic::Value::Actor(a) => {
                        elements.push(v::actor(model, *a, &role));
                        Binding::Actor(*a)
                    }
                    logic::Value::Control(c) => {
                        elements.push(v::control(model, *c, &role));
                        Binding::Control(*c)
                    }
                    _ => continue,
                };
                bindings.push((name, b));
            }
            let conf = configuration(&enc.cfg, &asg);
            elements.extend(configuration_elements(model, &conf));
            let shown: Vec<String> = bindings
                .iter()
                .zip(&elements)
                .map(|((n, _), e)| format!("{n} = {}", e.label))
                .collect();
            violated(Witness {
                summary: if shown.is_empty() {
                    format!("the formula is false{}", configuration_note(model, &conf))
                } else {
                    format!(
                        "the formula is false for {}{}",
                        shown.join(", "),
                        configuration_note(model, &conf)
                    )
                },
                configuration: conf,
                elements,
                detail: Detail::Custom { bindings },
                notes: Vec::new(),
            })
        }
    }
}
