//! Configurations: which controls are on, fixed or left to the solver, and what follows from
//! that for the model (semantics: "Configurations"). Everything here is a formula over the
//! free controls' variables; with no free control it folds to constants.

use std::collections::HashMap;

use ensure_model::{
    AssetId, Authentication, Change, ControlId, Encryption, FlowId, Model, RelationRef, StepId, Via,
};

use super::ir::*;

/// Which controls are on: fixed on, fixed off, or free (a solver variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub fixed: Vec<Option<bool>>,
}

impl Scope {
    /// The current configuration: enabled controls on, candidates off.
    pub fn current(model: &Model) -> Scope {
        Scope {
            fixed: model.controls.iter().map(|c| Some(c.enabled)).collect(),
        }
    }

    /// Every configuration: enabled controls on, candidates free, except a candidate in the
    /// group of a control that is on, which stays off.
    pub fn all(model: &Model) -> Scope {
        Scope::all_with(model, &[])
    }

    /// Every configuration with `also_on` on as well (a repair under consideration).
    pub fn all_with(model: &Model, also_on: &[ControlId]) -> Scope {
        let mut fixed: Vec<Option<bool>> = model
            .controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.enabled || also_on.contains(&ControlId(i as u32))).then_some(true))
            .collect();
        close_groups(model, &mut fixed);
        Scope { fixed }
    }

    /// One configuration: enabled controls and `also_on` on, the rest off.
    pub fn exactly(model: &Model, also_on: &[ControlId]) -> Scope {
        Scope {
            fixed: model
                .controls
                .iter()
                .enumerate()
                .map(|(i, c)| Some(c.enabled || also_on.contains(&ControlId(i as u32))))
                .collect(),
        }
    }

    pub fn is_free(&self, c: ControlId) -> bool {
        self.fixed[c.idx()].is_none()
    }

    pub fn n_free(&self) -> usize {
        self.fixed.iter().filter(|f| f.is_none()).count()
    }
}

/// A free control in the group of a control that is on stays off.
fn close_groups(model: &Model, fixed: &mut [Option<bool>]) {
    for (i, c) in model.controls.iter().enumerate() {
        let Some(g) = &c.group else { continue };
        if fixed[i].is_some() {
            continue;
        }
        let mate_on = model
            .controls
            .iter()
            .enumerate()
            .any(|(j, d)| j != i && d.group.as_ref() == Some(g) && fixed[j] == Some(true));
        if mate_on {
            fixed[i] = Some(false);
        }
    }
}

/// A configuration encoded over a problem's variables.
pub struct Config<'m> {
    pub model: &'m Model,
    pub scope: Scope,
    on: Vec<Expr>,
    /// The variable of each free control.
    pub vars: Vec<(ControlId, VarId)>,
    removers: HashMap<RelationRef, Vec<ControlId>>,
    blockers: Vec<Vec<ControlId>>,
    /// Flow changes in file order: (control, flow, change index).
    flow_changes: Vec<Vec<(ControlId, usize)>>,
    hostings_of: Vec<Vec<usize>>,
}

impl<'m> Config<'m> {
    /// Declares a variable per free control and asserts the group constraints.
    pub fn new(model: &'m Model, scope: Scope, problem: &mut Problem) -> Config<'m> {
        let mut on = Vec::with_capacity(model.controls.len());
        let mut vars = Vec::new();
        for (i, c) in model.controls.iter().enumerate() {
            match scope.fixed[i] {
                Some(b) => on.push(Expr::Const(b)),
                None => {
                    let v = problem.bool_var(format!("on {}", c.id));
                    vars.push((ControlId(i as u32), v));
                    on.push(Expr::var(v));
                }
            }
        }
        let mut groups: HashMap<&str, Vec<Expr>> = HashMap::new();
        for (i, c) in model.controls.iter().enumerate() {
            if let (Some(g), None) = (&c.group, scope.fixed[i]) {
                groups.entry(g.as_str()).or_default().push(on[i].clone());
            }
        }
        let mut names: Vec<&&str> = groups.keys().collect();
        names.sort();
        let names: Vec<String> = names.into_iter().map(|s| s.to_string()).collect();
        for g in names {
            let members = groups.remove(g.as_str()).unwrap_or_default();
            problem.assert(format!("group {g}: at most one"), at_most(members, 1));
        }
        let mut removers: HashMap<RelationRef, Vec<ControlId>> = HashMap::new();
        let mut flow_changes = vec![Vec::new(); model.flows.len()];
        for (i, c) in model.controls.iter().enumerate() {
            for (k, ch) in c.changes.iter().enumerate() {
                match ch {
                    Change::Remove(r) => removers.entry(*r).or_default().push(ControlId(i as u32)),
                    Change::Flow { flow, .. } => {
                        flow_changes[flow.idx()].push((ControlId(i as u32), k))
                    }
                }
            }
        }
        let mut blockers = vec![Vec::new(); model.steps.len()];
        for (i, c) in model.controls.iter().enumerate() {
            for e in &c.effects {
                if e.efficacy >= 1.0 {
                    blockers[e.step.idx()].push(ControlId(i as u32));
                }
            }
        }
        let mut hostings_of = vec![Vec::new(); model.assets.len()];
        for (i, h) in model.hosting.iter().enumerate() {
            hostings_of[h.asset.idx()].push(i);
        }
        Config {
            model,
            scope,
            on,
            vars,
            removers,
            blockers,
            flow_changes,
            hostings_of,
        }
    }

    pub fn on(&self, c: ControlId) -> Expr {
        self.on[c.idx()].clone()
    }

    /// The controls that remove a relation.
    pub fn removers(&self, r: RelationRef) -> &[ControlId] {
        self.removers.get(&r).map_or(&[], Vec::as_slice)
    }

    pub fn removed(&self, r: RelationRef) -> Expr {
        or(self.removers(r).iter().map(|c| self.on(*c)))
    }

    pub fn relation_alive(&self, r: RelationRef) -> Expr {
        not(self.removed(r))
    }

    /// Whether an attack-graph edge survives (see `Model::via_alive`).
    pub fn via_alive(&self, via: Via) -> Expr {
        match via {
            Via::Fixed => TRUE,
            Via::Many(i) => {
                if self.model.via_sets[i as usize].contains(&Via::Fixed) {
                    return TRUE;
                }
                or(self
                    .model
                    .relations_of(via)
                    .into_iter()
                    .map(|r| self.relation_alive(r)))
            }
            v => or(self
                .model
                .relations_of(v)
                .into_iter()
                .map(|r| self.relation_alive(r))),
        }
    }

    /// Whether the edge from the `k`-th parent of `step` survives.
    pub fn edge_alive(&self, step: StepId, k: usize) -> Expr {
        self.via_alive(self.model.step(step).parent_via[k])
    }

    /// The controls that stop a step outright (efficacy 1).
    pub fn blockers(&self, s: StepId) -> &[ControlId] {
        &self.blockers[s.idx()]
    }

    pub fn blocked(&self, s: StepId) -> Expr {
        or(self.blockers[s.idx()].iter().map(|c| self.on(*c)))
    }

    pub fn flow_alive(&self, f: FlowId) -> Expr {
        self.relation_alive(RelationRef::Flow(f))
    }

    /// Controls with a change to this flow, in file order.
    pub fn flow_changers(&self, f: FlowId) -> impl Iterator<Item = ControlId> + '_ {
        self.flow_changes[f.idx()].iter().map(|(c, _)| *c)
    }

    /// One attribute of a flow as configured: later changes win.
    fn flow_attr<T: Clone + PartialEq>(
        &self,
        f: FlowId,
        original: T,
        pick: impl Fn(&Change) -> Option<T>,
    ) -> Guarded<T> {
        let mut g = Guarded::constant(original);
        for (c, k) in &self.flow_changes[f.idx()] {
            if let Some(v) = pick(&self.model.controls[c.idx()].changes[*k]) {
                g = g.override_with(self.on(*c), v);
            }
        }
        g
    }

    pub fn authentication(&self, f: FlowId) -> Guarded<Authentication> {
        self.flow_attr(f, self.model.flows[f.idx()].authentication, |ch| match ch {
            Change::Flow { authentication, .. } => *authentication,
            Change::Remove(_) => None,
        })
    }

    pub fn encryption(&self, f: FlowId) -> Guarded<Encryption> {
        self.flow_attr(f, self.model.flows[f.idx()].encryption, |ch| match ch {
            Change::Flow { encryption, .. } => *encryption,
            Change::Remove(_) => None,
        })
    }

    pub fn input_validation(&self, f: FlowId) -> Guarded<bool> {
        self.flow_attr(
            f,
            self.model.flows[f.idx()].input_validation,
            |ch| match ch {
                Change::Flow {
                    input_validation, ..
                } => *input_validation,
                Change::Remove(_) => None,
            },
        )
    }

    /// Whether the flow, as configured, lists `data` (whether it is in place is separate).
    pub fn lists(&self, f: FlowId, data: AssetId) -> Expr {
        let g = self.flow_attr(
            f,
            self.model.flows[f.idx()].carries.contains(&data),
            |ch| match ch {
                Change::Flow {
                    carries: Some(list),
                    ..
                } => Some(list.contains(&data)),
                _ => None,
            },
        );
        g.test(|b| *b)
    }

    /// The flow is in place and carries `data`.
    pub fn carries(&self, f: FlowId, data: AssetId) -> Expr {
        and2(self.flow_alive(f), self.lists(f, data))
    }

    /// Whether some configuration could make the flow carry `data`.
    pub fn may_carry(&self, f: FlowId, data: AssetId) -> bool {
        !self.carries(f, data).is_false()
    }

    /// The hosting entries of an asset (indices into `Model::hosting`).
    pub fn hostings_of(&self, a: AssetId) -> &[usize] {
        &self.hostings_of[a.idx()]
    }

    /// The values of the free controls under an assignment.
    pub fn read(&self, asg: &Assignment) -> Vec<bool> {
        self.on.iter().map(|e| asg.eval(e)).collect()
    }
}
