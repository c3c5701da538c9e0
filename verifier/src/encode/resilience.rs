//! Resilience: no set of at most `k` failed assets puts the service down through functional
//! dependencies (semantics: "Functional dependencies"). The failed set is a solver choice;
//! "down" is a least fixpoint (dependencies can form cycles), encoded like reachability:
//! a down asset has failed or has an unmet dependency entry in place, justified by members
//! of smaller rank inside a cycle.

use std::collections::HashMap;

use ensure_model::{AssetId, DependencyId, Model, Property, RelationRef, Requires};

use super::config::{Config, Scope};
use super::graph;
use super::ir::*;

pub struct Resilience<'m> {
    pub problem: Problem,
    pub cfg: Config<'m>,
    pub service: AssetId,
    pub k: u32,
    /// The assets whose failure can matter, with their "failed" variables.
    pub failed: Vec<(AssetId, VarId)>,
    pub down: HashMap<AssetId, VarId>,
    rank: HashMap<AssetId, VarId>,
    comp: Vec<u32>,
    /// Dependency entries of each asset of the cone that can propagate.
    deps: HashMap<AssetId, Vec<DependencyId>>,
}

/// One asset of the propagation: failed, or down because a dependency entry is unmet by
/// the listed members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownNode {
    pub asset: AssetId,
    pub failed: bool,
    pub dependency: Option<DependencyId>,
    pub because: Vec<AssetId>,
}

pub fn encode<'m>(model: &'m Model, prop: &Property, scope: Scope) -> Resilience<'m> {
    let service = prop
        .service
        .expect("the builder requires `service` for resilience");
    let mut problem = Problem::default();
    let cfg = Config::new(model, scope, &mut problem);
    let n = model.assets.len();
    let mut deps: HashMap<AssetId, Vec<DependencyId>> = HashMap::new();
    for (i, d) in model.dependencies.iter().enumerate() {
        if d.p_propagate > 0.0 {
            deps.entry(d.service)
                .or_default()
                .push(DependencyId(i as u32));
        }
    }
    let members = |x: usize| -> Vec<usize> {
        deps.get(&AssetId(x as u32))
            .into_iter()
            .flatten()
            .flat_map(|d| model.dependencies[d.idx()].on.iter().map(|a| a.idx()))
            .collect()
    };
    let in_cone = graph::closure(n, [service.idx()], members);
    let cone: Vec<usize> = (0..n).filter(|i| in_cone[*i]).collect();
    let (comp, nontrivial) = graph::sccs(n, &cone, members, |y| in_cone[y]);
    let mut failed = Vec::new();
    let mut down = HashMap::new();
    let mut rank = HashMap::new();
    for &i in &cone {
        let a = AssetId(i as u32);
        let id = &model.asset(a).id;
        down.insert(a, problem.bool_var(format!("down {id}")));
        if a != service {
            failed.push((a, problem.bool_var(format!("failed {id}"))));
        }
        if nontrivial[comp[i] as usize] {
            rank.insert(a, problem.int_var(format!("rank {id}")));
        }
    }
    let mut r = Resilience {
        problem,
        cfg,
        service,
        k: prop.k,
        failed,
        down,
        rank,
        comp,
        deps,
    };
    let failed_of: HashMap<AssetId, VarId> = r.failed.iter().copied().collect();
    for &i in &cone {
        let a = AssetId(i as u32);
        let id = model.asset(a).id.clone();
        let unmet = or(r
            .deps
            .get(&a)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|d| and2(r.live(d), r.unmet(d, a))));
        let failed = failed_of.get(&a).map_or(FALSE, |v| Expr::var(*v));
        r.problem.assert(
            format!("{id}: down only if failed or a dependency is unmet"),
            implies(Expr::var(r.down[&a]), or2(failed, unmet)),
        );
    }
    let service_down = Expr::var(r.down[&service]);
    r.problem
        .assert(format!("{} is down", model.asset(service).id), service_down);
    let k = r.k;
    r.problem.assert(
        format!("at most {k} failures"),
        at_most(r.failed.iter().map(|(_, v)| Expr::var(*v)).collect(), k),
    );
    r
}

impl Resilience<'_> {
    fn live(&self, d: DependencyId) -> Expr {
        self.cfg.relation_alive(RelationRef::Dependency(d))
    }

    fn ordered(&self, m: AssetId, a: AssetId) -> Expr {
        match (self.rank.get(&m), self.rank.get(&a)) {
            (Some(rm), Some(ra)) if self.comp[m.idx()] == self.comp[a.idx()] => less(*rm, *ra),
            _ => TRUE,
        }
    }

    fn down_before(&self, m: AssetId, a: AssetId) -> Expr {
        and2(Expr::var(self.down[&m]), self.ordered(m, a))
    }

    /// Entry `d` of `a` is unmet by assets down before `a`.
    fn unmet(&self, d: DependencyId, a: AssetId) -> Expr {
        let dep = &self.cfg.model.dependencies[d.idx()];
        let members = dep.on.iter().map(|m| self.down_before(*m, a));
        match dep.requires {
            Requires::All => or(members),
            Requires::Any => and(members),
        }
    }

    /// Bounds the failed set to `k` (for the search of a smallest one).
    pub fn at_most(&self, k: u32) -> Expr {
        at_most(self.failed.iter().map(|(_, v)| Expr::var(*v)).collect(), k)
    }

    pub fn read_failed(&self, asg: &Assignment) -> Vec<AssetId> {
        self.failed
            .iter()
            .filter(|(_, v)| asg.bool(*v))
            .map(|(a, _)| *a)
            .collect()
    }

    /// How the failure propagates to the service, leaves first.
    pub fn propagation(&self, asg: &Assignment) -> Vec<DownNode> {
        let failed: HashMap<AssetId, bool> = self
            .failed
            .iter()
            .map(|(a, v)| (*a, asg.bool(*v)))
            .collect();
        let mut out: Vec<DownNode> = Vec::new();
        let mut done: std::collections::HashSet<AssetId> = Default::default();
        let mut expanding: std::collections::HashSet<AssetId> = Default::default();
        let mut stack: Vec<(AssetId, Option<DownNode>)> = vec![(self.service, None)];
        while let Some((a, node)) = stack.pop() {
            if done.contains(&a) {
                continue;
            }
            if let Some(node) = node {
                done.insert(a);
                out.push(node);
                continue;
            }
            if !expanding.insert(a) {
                continue;
            }
            let node = if failed.get(&a).copied().unwrap_or(false) {
                DownNode {
                    asset: a,
                    failed: true,
                    dependency: None,
                    because: Vec::new(),
                }
            } else {
                let d = self
                    .deps
                    .get(&a)
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|d| asg.eval(&self.live(*d)) && asg.eval(&self.unmet(*d, a)));
                let because = match d {
                    Some(d) => {
                        let dep = &self.cfg.model.dependencies[d.idx()];
                        let down: Vec<AssetId> = dep
                            .on
                            .iter()
                            .copied()
                            .filter(|m| asg.eval(&self.down_before(*m, a)))
                            .collect();
                        match dep.requires {
                            Requires::All => down.into_iter().take(1).collect(),
                            Requires::Any => down,
                        }
                    }
                    None => Vec::new(),
                };
                DownNode {
                    asset: a,
                    failed: false,
                    dependency: d,
                    because,
                }
            };
            let pending: Vec<AssetId> = node
                .because
                .iter()
                .copied()
                .filter(|m| !done.contains(m))
                .collect();
            stack.push((a, Some(node)));
            for m in pending {
                stack.push((m, None));
            }
        }
        out
    }
}
