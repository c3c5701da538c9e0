//! The qualitative attack-graph semantics (semantics: "Qualitative semantics") as
//! constraints: which steps an attacker reaches from its entry steps under a configuration.
//!
//! A Boolean says a step is reached. A reached step must be justified: it is possible and an
//! entry step, or (`any`) some live parent is reached, or (`all`) it has a live parent and
//! every live parent is reached. Inside a strongly connected component the justifying parent
//! must also have a smaller integer rank, so every reached step has a finite derivation: the
//! reached set is contained in the least fixpoint. An *exact* encoding adds the converse (a
//! possible step whose condition holds is reached), which pins the reached set to the least
//! fixpoint itself; existential questions ("is some target reached?") need only the first
//! half, questions that count or negate reachability need both.
//!
//! Two preprocessing steps keep the problem small, both sound:
//! * the **cone of influence**: only steps reachable from a possible entry (with every edge
//!   present; removing edges never adds a path) and, when targets are given, ancestors of a
//!   target are encoded; the others are not reached;
//! * **robust `any` components**: steps that are `any`, possible in every configuration, and
//!   strongly connected through edges no configuration removes, are reached all together or
//!   not at all (each one's reached parent makes the next reached). Such a component gets one
//!   variable, justified by an entry step in it or a live parent outside it. Steps a property
//!   counts individually (guarded steps, for reachability with `min_controls`) stay apart: a
//!   derivation may avoid them, a component would not. Ranks are then
//!   needed only on the cycles that remain between components and single steps; in a model
//!   without `all` steps and without controls that change the graph, none remain. A
//!   derivation inside a component follows its robust edges from the step that was justified.

use std::collections::{HashMap, HashSet, VecDeque};

use ensure_model::{Requires, StepId};

use super::config::Config;
use super::graph;
use super::ir::*;
use super::Index;

/// What an attacker starts from and what it may do.
pub struct ReachSpec<'a> {
    /// Distinguishes the variables of several encodings in one problem ("" for one).
    pub tag: String,
    /// Entry steps, each with the condition under which it is one (e.g. "this actor was
    /// chosen").
    pub entries: Vec<(StepId, Expr)>,
    /// The condition under which the attacker can perform a step of its layer.
    pub capable: &'a dyn Fn(StepId) -> Expr,
    /// Encode only the ancestors of these steps (`None`: everything reachable).
    pub targets: Option<Vec<StepId>>,
    pub exact: bool,
    /// Steps that must keep a variable of their own (never merged into a component): those
    /// a property counts one by one, such as the steps guarded by counting controls, since a
    /// derivation may avoid them where a component would include them.
    pub separate: &'a dyn Fn(StepId) -> bool,
}

/// A node of the encoding: one step, or a robust `any` component of several.
struct Node {
    steps: Vec<StepId>,
    var: VarId,
    rank: Option<VarId>,
    /// Strongly connected component of the condensed graph.
    comp: u32,
}

/// The variables of one reachability encoding.
pub struct Reach {
    nodes: Vec<Node>,
    node_of: HashMap<StepId, usize>,
    entry: HashMap<StepId, Expr>,
    possible: HashMap<StepId, Expr>,
    /// For each component of several steps, its robust internal edges (parent -> children).
    internal: HashMap<usize, HashMap<StepId, Vec<StepId>>>,
    /// Steps of the cone, in a fixed order.
    pub cone: Vec<StepId>,
}

/// One node of a derivation: an entry step, or a step with the parents that justify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationNode {
    pub step: StepId,
    pub entry: bool,
    pub parents: Vec<StepId>,
}

impl Reach {
    /// Whether a step is reached (false outside the cone).
    pub fn reached(&self, s: StepId) -> Expr {
        self.node_of
            .get(&s)
            .map_or(FALSE, |n| Expr::var(self.nodes[*n].var))
    }

    pub fn in_cone(&self, s: StepId) -> bool {
        self.node_of.contains_key(&s)
    }

    /// The number of variables standing for steps (components count once).
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The parent's node is ordered before the child's, where they share a cycle.
    fn ordered(&self, p: StepId, s: StepId) -> Expr {
        if p == s {
            return FALSE;
        }
        let (Some(a), Some(b)) = (self.node_of.get(&p), self.node_of.get(&s)) else {
            return TRUE;
        };
        let (na, nb) = (&self.nodes[*a], &self.nodes[*b]);
        if a == b || na.comp != nb.comp {
            return TRUE;
        }
        match (na.rank, nb.rank) {
            (Some(ra), Some(rb)) => less(ra, rb),
            _ => TRUE,
        }
    }

    pub fn entry(&self, s: StepId) -> Expr {
        self.entry.get(&s).cloned().unwrap_or(FALSE)
    }

    /// Encodes the spec into `problem`.
    pub fn encode(ix: &Index, cfg: &Config, spec: &ReachSpec, problem: &mut Problem) -> Reach {
        let model = ix.model;
        let n = model.steps.len();
        let mut entry: HashMap<StepId, Vec<Expr>> = HashMap::new();
        for (s, cond) in &spec.entries {
            if !cond.is_false() {
                entry.entry(*s).or_default().push(cond.clone());
            }
        }
        let entry: HashMap<StepId, Expr> = entry.into_iter().map(|(s, cs)| (s, or(cs))).collect();
        let fwd = graph::closure(n, entry.keys().map(|s| s.idx()), |x| {
            ix.children[x].iter().map(|(c, _)| c.idx()).collect()
        });
        let in_cone: Vec<bool> = match &spec.targets {
            Some(t) => {
                let bwd = graph::closure(n, t.iter().map(|s| s.idx()), |x| {
                    model.steps[x].parents.iter().map(|p| p.idx()).collect()
                });
                fwd.iter().zip(&bwd).map(|(a, b)| *a && *b).collect()
            }
            None => fwd,
        };
        let cone: Vec<usize> = (0..n).filter(|i| in_cone[*i]).collect();
        let possible: HashMap<StepId, Expr> = cone
            .iter()
            .map(|&i| {
                let s = StepId(i as u32);
                let e = and([
                    (spec.capable)(s),
                    Expr::Const(model.step(s).p_success > 0.0),
                    not(cfg.blocked(s)),
                ]);
                (s, e)
            })
            .collect();

        // Robust `any` components: strongly connected through edges no configuration removes,
        // between `any` steps possible in every configuration.
        let robust_step = |x: usize| {
            in_cone[x]
                && model.steps[x].requires == Requires::Any
                && possible[&StepId(x as u32)].is_true()
                && !(spec.separate)(StepId(x as u32))
        };
        let robust_children = |x: usize| -> Vec<usize> {
            ix.children[x]
                .iter()
                .filter(|(c, k)| robust_step(c.idx()) && cfg.edge_alive(*c, *k).is_true())
                .map(|(c, _)| c.idx())
                .collect()
        };
        let robust_nodes: Vec<usize> = cone.iter().copied().filter(|x| robust_step(*x)).collect();
        let (rcomp, rnontrivial) = graph::sccs(n, &robust_nodes, robust_children, robust_step);
        let mut nodes: Vec<Node> = Vec::new();
        let mut node_of: HashMap<StepId, usize> = HashMap::with_capacity(cone.len());
        let mut group_node: HashMap<u32, usize> = HashMap::new();
        for &i in &cone {
            let s = StepId(i as u32);
            let grouped = robust_step(i) && rnontrivial[rcomp[i] as usize];
            let idx = if grouped {
                *group_node.entry(rcomp[i]).or_insert_with(|| {
                    nodes.push(Node {
                        steps: Vec::new(),
                        var: VarId(0),
                        rank: None,
                        comp: 0,
                    });
                    nodes.len() - 1
                })
            } else {
                nodes.push(Node {
                    steps: Vec::new(),
                    var: VarId(0),
                    rank: None,
                    comp: 0,
                });
                nodes.len() - 1
            };
            nodes[idx].steps.push(s);
            node_of.insert(s, idx);
        }
        // Cycles left between nodes need ranks.
        let node_parents = |x: usize| -> Vec<usize> {
            let mut out: Vec<usize> = nodes[x]
                .steps
                .iter()
                .flat_map(|s| model.step(*s).parents.iter())
                .filter_map(|p| node_of.get(p).copied())
                // A component's internal edges are no cycle between nodes, and a step listed
                // as its own parent never justifies itself (see `ordered`).
                .filter(|p| *p != x)
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        let parents_of: Vec<Vec<usize>> = (0..nodes.len()).map(node_parents).collect();
        let mut children_of: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (x, ps) in parents_of.iter().enumerate() {
            for p in ps {
                children_of[*p].push(x);
            }
        }
        let all: Vec<usize> = (0..nodes.len()).collect();
        let (ncomp, nnontrivial) =
            graph::sccs(nodes.len(), &all, |x| children_of[x].clone(), |_| true);
        for (x, node) in nodes.iter_mut().enumerate() {
            let label = model.step_label(node.steps[0]);
            let name = if node.steps.len() > 1 {
                format!("{label} (+{} steps)", node.steps.len() - 1)
            } else {
                label
            };
            node.var = problem.bool_var(format!("reached{} {name}", spec.tag));
            node.comp = ncomp[x];
            if nnontrivial[ncomp[x] as usize] {
                node.rank = Some(problem.int_var(format!("rank{} {name}", spec.tag)));
            }
        }
        let mut internal: HashMap<usize, HashMap<StepId, Vec<StepId>>> = HashMap::new();
        for (x, node) in nodes.iter().enumerate() {
            if node.steps.len() > 1 {
                let edges = node
                    .steps
                    .iter()
                    .map(|s| {
                        let kids = robust_children(s.idx())
                            .into_iter()
                            .map(|c| StepId(c as u32))
                            .filter(|c| node_of.get(c) == Some(&x))
                            .collect();
                        (*s, kids)
                    })
                    .collect();
                internal.insert(x, edges);
            }
        }
        let reach = Reach {
            nodes,
            node_of,
            entry,
            possible,
            internal,
            cone: cone.iter().map(|i| StepId(*i as u32)).collect(),
        };
        for (x, node) in reach.nodes.iter().enumerate() {
            reach.constrain(ix, cfg, spec, problem, x, node);
        }
        reach
    }

    /// The justification of a node (and, when exact, its closure).
    fn constrain(
        &self,
        ix: &Index,
        cfg: &Config,
        spec: &ReachSpec,
        problem: &mut Problem,
        x: usize,
        node: &Node,
    ) {
        let model = ix.model;
        let me = Expr::var(node.var);
        let label = model.step_label(node.steps[0]);
        if node.steps.len() > 1 {
            // A robust component: every member possible, `any`, internally connected.
            let mut supports = Vec::new();
            for s in &node.steps {
                supports.push(self.entry(*s));
                let step = model.step(*s);
                for (k, p) in step.parents.iter().enumerate() {
                    if self.node_of.get(p) == Some(&x) {
                        continue;
                    }
                    let alive = cfg.edge_alive(*s, k);
                    let support = and([self.reached(*p), alive.clone(), self.ordered(*p, *s)]);
                    supports.push(support);
                    if spec.exact {
                        problem.assert(
                            format!(
                                "{label} (+component): reached if {} is",
                                model.step_label(*p)
                            ),
                            implies(and2(self.reached(*p), alive), me.clone()),
                        );
                    }
                }
                if spec.exact {
                    problem.assert(
                        format!(
                            "{label} (+component): reached if {} is an entry",
                            model.step_label(*s)
                        ),
                        implies(self.entry(*s), me.clone()),
                    );
                }
            }
            problem.assert(
                format!(
                    "{label} and {} more steps (a robust component): reached only if justified",
                    node.steps.len() - 1
                ),
                implies(me, or(supports)),
            );
            return;
        }
        let s = node.steps[0];
        let step = model.step(s);
        let possible = self.possible[&s].clone();
        let entry = self.entry(s);
        let alive: Vec<Expr> = (0..step.parents.len())
            .map(|k| cfg.edge_alive(s, k))
            .collect();
        let body = match step.requires {
            Requires::Any => or(step
                .parents
                .iter()
                .zip(&alive)
                .map(|(p, a)| and([self.reached(*p), a.clone(), self.ordered(*p, s)]))),
            Requires::All => and2(
                or(alive.iter().cloned()),
                and(step.parents.iter().zip(&alive).map(|(p, a)| {
                    or2(not(a.clone()), and2(self.reached(*p), self.ordered(*p, s)))
                })),
            ),
        };
        problem.assert(
            format!("{label}: reached only if justified"),
            implies(me.clone(), and2(possible.clone(), or2(entry.clone(), body))),
        );
        if spec.exact {
            problem.assert(
                format!("{label}: reached if it is a possible entry"),
                implies(and2(possible.clone(), entry), me.clone()),
            );
            match step.requires {
                Requires::Any => {
                    for (p, a) in step.parents.iter().zip(&alive) {
                        problem.assert(
                            format!("{label}: reached if {} is", model.step_label(*p)),
                            implies(
                                and([possible.clone(), self.reached(*p), a.clone()]),
                                me.clone(),
                            ),
                        );
                    }
                }
                Requires::All => {
                    let all = and2(
                        or(alive.iter().cloned()),
                        and(step
                            .parents
                            .iter()
                            .zip(&alive)
                            .map(|(p, a)| or2(not(a.clone()), self.reached(*p)))),
                    );
                    problem.assert(
                        format!("{label}: reached if every live parent is"),
                        implies(and2(possible, all), me),
                    );
                }
            }
        }
    }

    /// A derivation of `roots` (each reached under `asg`), leaves first. Each `any` step gets
    /// one justifying parent, each `all` step all its live parents.
    pub fn derivation(
        &self,
        ix: &Index,
        cfg: &Config,
        asg: &Assignment,
        roots: &[StepId],
    ) -> Vec<DerivationNode> {
        let mut done: HashMap<StepId, usize> = HashMap::new();
        // A step met again while its parents are being derived would be a cycle, which the
        // ranks exclude; skipping it keeps a wrong encoding from looping here (the witness
        // checker of the tests would then reject the derivation).
        let mut expanding: HashSet<StepId> = HashSet::new();
        let mut inside: HashMap<usize, HashMap<StepId, Option<StepId>>> = HashMap::new();
        let mut out: Vec<DerivationNode> = Vec::new();
        for &root in roots {
            if done.contains_key(&root) || !asg.eval(&self.reached(root)) {
                continue;
            }
            // Explicit stack (derivations can be long): a step, then its node once its
            // parents are done.
            let mut stack: Vec<(StepId, Option<DerivationNode>)> = vec![(root, None)];
            while let Some((s, node)) = stack.pop() {
                if done.contains_key(&s) {
                    continue;
                }
                match node {
                    Some(node) => {
                        done.insert(s, out.len());
                        out.push(node);
                    }
                    None => {
                        if !expanding.insert(s) {
                            continue;
                        }
                        let node = self.justify(ix, cfg, asg, s, &mut inside);
                        let pending: Vec<StepId> = node
                            .parents
                            .iter()
                            .copied()
                            .filter(|p| !done.contains_key(p))
                            .collect();
                        stack.push((s, Some(node)));
                        for p in pending {
                            stack.push((p, None));
                        }
                    }
                }
            }
        }
        out
    }

    fn justify(
        &self,
        ix: &Index,
        cfg: &Config,
        asg: &Assignment,
        s: StepId,
        inside: &mut HashMap<usize, HashMap<StepId, Option<StepId>>>,
    ) -> DerivationNode {
        let x = self.node_of[&s];
        if self.nodes[x].steps.len() > 1 {
            // Inside a component: from the member the solver justified, along robust edges.
            let tree = inside
                .entry(x)
                .or_insert_with(|| self.component_tree(ix, cfg, asg, x));
            return match tree.get(&s).copied().flatten() {
                Some(parent) => DerivationNode {
                    step: s,
                    entry: false,
                    parents: vec![parent],
                },
                None => self.justify_step(ix, cfg, asg, s),
            };
        }
        self.justify_step(ix, cfg, asg, s)
    }

    /// How one step is justified from outside its node: as an entry, or by live parents.
    fn justify_step(
        &self,
        ix: &Index,
        cfg: &Config,
        asg: &Assignment,
        s: StepId,
    ) -> DerivationNode {
        let step = ix.model.step(s);
        if asg.eval(&self.entry(s)) {
            return DerivationNode {
                step: s,
                entry: true,
                parents: Vec::new(),
            };
        }
        let x = self.node_of[&s];
        let usable = |k: usize, p: StepId| {
            self.node_of.get(&p) != Some(&x)
                && asg.eval(&cfg.edge_alive(s, k))
                && asg.eval(&self.reached(p))
                && asg.eval(&self.ordered(p, s))
        };
        let parents = match step.requires {
            Requires::Any => step
                .parents
                .iter()
                .enumerate()
                .find(|(k, p)| usable(*k, **p))
                .map(|(_, p)| vec![*p])
                .unwrap_or_default(),
            Requires::All => step
                .parents
                .iter()
                .enumerate()
                .filter(|(k, _)| asg.eval(&cfg.edge_alive(s, *k)))
                .map(|(_, p)| *p)
                .collect(),
        };
        DerivationNode {
            step: s,
            entry: false,
            parents,
        }
    }

    /// For a reached component: the member justified from outside (an entry, or a live
    /// parent outside), then a breadth-first tree over the component's robust edges. Each
    /// member maps to its parent in the tree (`None` for the root).
    fn component_tree(
        &self,
        ix: &Index,
        cfg: &Config,
        asg: &Assignment,
        x: usize,
    ) -> HashMap<StepId, Option<StepId>> {
        let node = &self.nodes[x];
        let root = node
            .steps
            .iter()
            .copied()
            .find(|s| {
                let j = self.justify_step(ix, cfg, asg, *s);
                j.entry || !j.parents.is_empty()
            })
            .unwrap_or(node.steps[0]);
        let mut tree = HashMap::from([(root, None)]);
        let mut queue = VecDeque::from([root]);
        while let Some(u) = queue.pop_front() {
            for v in self.internal[&x].get(&u).into_iter().flatten() {
                if !tree.contains_key(v) {
                    tree.insert(*v, Some(u));
                    queue.push_back(*v);
                }
            }
        }
        tree
    }
}
