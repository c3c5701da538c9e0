//! The attack graph that mal-toolbox writes (`AttackGraph.save_to_file`, format of
//! mal-toolbox 1.x and 2.x), as an `ensure` model.
//!
//! The file is `{"attack_steps": {FULL_NAME: STEP, ...}}`, where `FULL_NAME` is
//! `asset:step` and each `STEP` has an integer `id`, a `type` (`or`, `and`, `defense`, `exist`,
//! `notExist`), a `name`, the `asset` name, a `ttc` expression (see `ttc.rs`), and `parents` and
//! `children` as objects from node id to full name. Older mal-toolbox versions also wrote
//! `defense_status` and `existence_status` as strings and an `attackers` section with
//! `entry_points`; both are read.
//!
//! The translation follows what mal-simulator (3.x) does with the graph, so that both run the
//! same attack:
//!
//! * every MAL asset becomes an asset of type `mal-TYPE` (extending `mal-asset`, cyber layer)
//!   and every `or`/`and` step an attack step with `requires: any`/`all`, its attack-step
//!   parents in `from`, and its TTC mapped exactly: the product of Bernoulli factors is
//!   `p_success` (mal-simulator draws it once per episode, as `ensure` draws `p_success` once
//!   per campaign) and the distribution is converted from MAL time units to hours
//!   ([`MalOptions::hours_per_unit`], 24 by default since MAL TTCs are in days);
//! * a defence blocks its `and` children while it is on. A defence that is certainly on
//!   (`Enabled`, `Bernoulli(1)`) becomes an enabled control with efficacy 1 on those steps; one
//!   that is certainly off becomes a candidate control (so a plan can switch it on); one that is
//!   on with probability `p` becomes a step `DEFENCE-off` of its asset, an entry step with
//!   `p_success: 1 - p` that the guarded steps also require, so that, as in mal-simulator, its
//!   state is drawn once per run and shared by every step it guards. An `exist`/`notExist`
//!   step whose condition fails blocks its `and` children the same way (an enabled control of
//!   kind `mal-existence`); one whose condition holds blocks nothing;
//! * a defence or existence step does not block an `or` step (mal-simulator blocks an `or` step
//!   only when every parent is a blocking defence, and then no attack step leads to it anyway);
//! * mal-simulator's *necessity*: a disabled defence or a satisfied existence step counts as
//!   done for the steps below it, and so does an `or` step with such a parent, and an `and` step
//!   all of whose parents are such. An `and` step waits only for its other parents, or for any
//!   one of them if none is left (mal-simulator still needs one performed parent). A defence
//!   that is on with a probability counts as on here (mal-simulator decides per episode); a
//!   note says when that changes anything;
//! * `and` steps that wait for each other in a cycle never happen, in either tool; `ensure check`
//!   rejects such cycles, so they are imported without preconditions (still never reached);
//! * entry points (given as options, or in the file's `attackers`) are compromised at the start
//!   of the run, as with mal-simulator's `compromise_entrypoints_at_start`: they take no time,
//!   always succeed and are not blocked. They become the entry steps of one actor, `attacker`,
//!   without a frequency (one campaign at time zero).
//!
//! Not translated: mal-simulator's attacker *policy*. It runs one step per iteration, so its
//! times depend on the order in which its agent picks steps; `ensure` lets every enabled step
//! progress at once (the earliest-completion semantics of the book). The two agree on which
//! steps are reached, and along a single chain of steps on times, up to mal-simulator's
//! rounding of every step to whole iterations.

mod ttc;

use std::collections::{BTreeMap, HashMap};

use ensure_model::format::{
    ActorDoc, AssetDoc, ControlDoc, DistDoc, EffectDoc, GoalDoc, Layer, ModelDoc, Requires,
    StepDoc, TypeDoc,
};
use ensure_model::Located;
use serde_json::Value;

use crate::ids::IdTable;
use crate::json::{kind, parse, JsonPath, Reader};
use crate::{ImportError, Imported};

use ttc::Ttc;

/// How to read a mal-toolbox attack graph.
#[derive(Debug, Clone, PartialEq)]
pub struct MalOptions {
    /// Hours in one MAL time unit. MAL TTCs are in days (`EasyAndCertain`, Exponential(1), is
    /// "about a day"), hence 24; mal-simulator itself counts one unit per iteration.
    pub hours_per_unit: f64,
    /// The attacker's entry points, as full names `asset:step`, added to those in the file.
    pub entry: Vec<String>,
    /// Steps to report on, as full names `asset:step`: each becomes a goal.
    pub goals: Vec<String>,
    /// The model's name (default `mal-import`).
    pub name: Option<String>,
}

impl Default for MalOptions {
    fn default() -> Self {
        MalOptions {
            hours_per_unit: 24.0,
            entry: Vec::new(),
            goals: Vec::new(),
            name: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Or,
    And,
    Defence,
    Exist,
    NotExist,
}

impl Kind {
    fn is_attack(self) -> bool {
        matches!(self, Kind::Or | Kind::And)
    }
}

/// One node of the attack graph as read.
#[derive(Debug)]
struct Node {
    full_name: String,
    path: JsonPath,
    id: i64,
    kind: Kind,
    name: String,
    asset: String,
    asset_type: Option<String>,
    /// For `or`/`and`: possibility and time.
    ttc: Option<Ttc>,
    /// For a defence or existence step: the probability that it blocks its `and` children
    /// (a defence that is on, an existence condition that fails).
    p_block: f64,
    parent_ids: Vec<(JsonPath, i64)>,
    child_ids: Vec<(JsonPath, i64)>,
}

/// Reads a mal-toolbox attack graph (JSON text) as an `ensure` model.
pub fn import_mal(text: &str, opts: &MalOptions) -> Result<Imported, ImportError> {
    let root = parse(text)?;
    let mut r = Reader::default();
    let here = JsonPath::root();
    if !(opts.hours_per_unit.is_finite() && opts.hours_per_unit > 0.0) {
        r.problem(
            &here,
            format!(
                "hours per MAL time unit must be greater than 0, not {}",
                opts.hours_per_unit
            ),
        );
        return Err(r.into_error());
    }
    let Some(obj) = r.object(&root, &here) else {
        return Err(r.into_error());
    };
    let steps_path = here.key("attack_steps");
    let Some(steps) = r.required(obj, &here, "attack_steps") else {
        return Err(r.into_error());
    };
    let Some(steps) = r.object(steps, &steps_path) else {
        return Err(r.into_error());
    };
    let mut nodes: Vec<Node> = steps
        .iter()
        .filter_map(|(k, v)| read_node(&mut r, k, v, &steps_path.key(k)))
        .collect();
    nodes.sort_by_key(|n| n.id);
    let graph = link(&mut r, &nodes);
    let entries = entry_points(&mut r, obj, &nodes, &graph, opts);
    let goals: Vec<usize> = opts
        .goals
        .iter()
        .filter_map(|g| graph.attack_step(&mut r, &nodes, g, &here, "goal"))
        .collect();
    if !r.problems.is_empty() {
        return Err(r.into_error());
    }
    let doc = build(&mut r, &nodes, &graph, &entries, &goals, opts);
    Ok(Imported {
        doc,
        notes: r.notes,
    })
}

fn read_node(r: &mut Reader, key: &str, v: &Value, path: &JsonPath) -> Option<Node> {
    let obj = r.object(v, path)?;
    let n_problems = r.problems.len();
    let id = r.required(obj, path, "id").and_then(|v| match v.as_i64() {
        Some(i) => Some(i),
        None => {
            r.problem(
                &path.key("id"),
                format!("expected an integer id, found {}", kind(v)),
            );
            None
        }
    });
    let step_kind = r.required(obj, path, "type").and_then(|v| {
        let s = r.string(v, &path.key("type"))?;
        match s {
            "or" => Some(Kind::Or),
            "and" => Some(Kind::And),
            "defense" => Some(Kind::Defence),
            "exist" => Some(Kind::Exist),
            "notExist" => Some(Kind::NotExist),
            other => {
                r.problem(
                    &path.key("type"),
                    format!("unknown step type `{other}` (expected or, and, defense, exist or notExist)"),
                );
                None
            }
        }
    });
    // mal-toolbox names a step `asset:step`, and falls back to `id:step` without a model.
    let (key_asset, key_step) = key.rsplit_once(':').unwrap_or(("", key));
    let name = match obj.get("name") {
        None | Some(Value::Null) => Some(key_step.to_string()),
        Some(v) => r.string(v, &path.key("name")).map(str::to_string),
    };
    let asset = match obj.get("asset") {
        None | Some(Value::Null) if !key_asset.is_empty() => Some(key_asset.to_string()),
        None | Some(Value::Null) => {
            r.problem(
                path,
                "missing field `asset` (and the step's key is not `asset:step`)",
            );
            None
        }
        Some(v) => r.string(v, &path.key("asset")).map(str::to_string),
    };
    let asset_type = obj
        .get("lang_graph_attack_step")
        .and_then(Value::as_str)
        .and_then(|s| s.split_once(':'))
        .map(|(t, _)| t.to_string());
    let parent_ids = id_list(r, obj, path, "parents");
    let child_ids = id_list(r, obj, path, "children");
    let ttc_v = obj.get("ttc").unwrap_or(&Value::Null);
    let ttc_path = path.key("ttc");
    let (ttc, p_block) = match step_kind? {
        Kind::Or | Kind::And => (Some(ttc::read(r, ttc_v, &ttc_path)?), 0.0),
        Kind::Defence => {
            let on = match obj.get("defense_status") {
                Some(s) if !s.is_null() => {
                    let s_path = path.key("defense_status");
                    let x = match s {
                        Value::String(t) => t.trim().parse::<f64>().ok().map(Value::from),
                        other => Some(other.clone()),
                    };
                    match x {
                        Some(x) => r.probability(&x, &s_path)?,
                        None => {
                            r.problem(&s_path, "expected a number between 0 and 1");
                            return None;
                        }
                    }
                }
                _ => ttc::defence_status(r, ttc_v, &ttc_path)?,
            };
            (None, on)
        }
        k @ (Kind::Exist | Kind::NotExist) => {
            let s_path = path.key("existence_status");
            let exists = match r.required(obj, path, "existence_status")? {
                Value::Bool(b) => *b,
                Value::String(s) if s == "True" || s == "true" => true,
                Value::String(s) if s == "False" || s == "false" => false,
                other => {
                    r.problem(
                        &s_path,
                        format!("expected a boolean, found {}", kind(other)),
                    );
                    return None;
                }
            };
            let holds = exists == (k == Kind::Exist);
            (None, if holds { 0.0 } else { 1.0 })
        }
    };
    if r.problems.len() > n_problems {
        return None;
    }
    Some(Node {
        full_name: key.to_string(),
        path: path.clone(),
        id: id?,
        kind: step_kind?,
        name: name?,
        asset: asset?,
        asset_type,
        ttc,
        p_block,
        parent_ids,
        child_ids,
    })
}

/// `parents`/`children`: an object from node id to full name (what mal-toolbox writes), or a
/// plain array of ids. Absent means none.
fn id_list(
    r: &mut Reader,
    obj: &serde_json::Map<String, Value>,
    path: &JsonPath,
    key: &str,
) -> Vec<(JsonPath, i64)> {
    let path = path.key(key);
    match obj.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .keys()
            .filter_map(|k| match k.trim().parse::<i64>() {
                Ok(i) => Some((path.key(k), i)),
                Err(_) => {
                    r.problem(&path.key(k), format!("`{k}` is not a node id (an integer)"));
                    None
                }
            })
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v.as_i64() {
                Some(id) => Some((path.idx(i), id)),
                None => {
                    r.problem(
                        &path.idx(i),
                        format!("expected a node id (an integer), found {}", kind(v)),
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            r.problem(
                &path,
                format!(
                    "expected an object or an array of node ids, found {}",
                    kind(other)
                ),
            );
            Vec::new()
        }
    }
}

/// The graph's edges, by node index, with both directions merged: mal-toolbox writes each
/// edge twice (as a child and as a parent); a file that lists it once is read the same.
struct Graph {
    by_id: HashMap<i64, usize>,
    by_full_name: HashMap<String, usize>,
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
}

impl Graph {
    /// The attack step (`or`/`and`) with full name `full`, for an option called `what`.
    fn attack_step(
        &self,
        r: &mut Reader,
        nodes: &[Node],
        full: &str,
        path: &JsonPath,
        what: &str,
    ) -> Option<usize> {
        match self.by_full_name.get(full) {
            Some(&i) if nodes[i].kind.is_attack() => Some(i),
            Some(_) => {
                r.problem(
                    path,
                    format!("{what} `{full}` is a defence or existence step, not an attack step"),
                );
                None
            }
            None => {
                r.problem(
                    path,
                    format!("{what} `{full}` is not a step of this graph (write `asset:step`)"),
                );
                None
            }
        }
    }
}

fn link(r: &mut Reader, nodes: &[Node]) -> Graph {
    let mut by_id = HashMap::with_capacity(nodes.len());
    let mut by_full_name = HashMap::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if let Some(&j) = by_id.get(&n.id) {
            let first: &Node = &nodes[j];
            r.problem(
                &n.path.key("id"),
                format!("id {} is also the id of `{}`", n.id, first.full_name),
            );
        } else {
            by_id.insert(n.id, i);
        }
        by_full_name.insert(n.full_name.clone(), i);
    }
    let mut parents = vec![Vec::new(); nodes.len()];
    let mut children = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for (p, id) in &n.parent_ids {
            match by_id.get(id) {
                Some(&j) => {
                    parents[i].push(j);
                    children[j].push(i);
                }
                None => r.problem(p, format!("no step has id {id}")),
            }
        }
        for (p, id) in &n.child_ids {
            match by_id.get(id) {
                Some(&j) => {
                    children[i].push(j);
                    parents[j].push(i);
                }
                None => r.problem(p, format!("no step has id {id}")),
            }
        }
    }
    for v in parents.iter_mut().chain(children.iter_mut()) {
        v.sort_unstable();
        v.dedup();
    }
    Graph {
        by_id,
        by_full_name,
        parents,
        children,
    }
}

/// Entry points from the options and from an `attackers` section (older mal-toolbox), as
/// node indices in id order.
fn entry_points(
    r: &mut Reader,
    root: &serde_json::Map<String, Value>,
    nodes: &[Node],
    g: &Graph,
    opts: &MalOptions,
) -> Vec<usize> {
    let here = JsonPath::root();
    let mut out: Vec<usize> = opts
        .entry
        .iter()
        .filter_map(|e| g.attack_step(r, nodes, e, &here, "entry point"))
        .collect();
    if let Some(attackers) = root.get("attackers").filter(|v| !v.is_null()) {
        let a_path = here.key("attackers");
        let list: Vec<(JsonPath, &Value)> = match attackers {
            Value::Object(m) => m.iter().map(|(k, v)| (a_path.key(k), v)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (a_path.idx(i), v))
                .collect(),
            other => {
                r.problem(
                    &a_path,
                    format!("expected an object or an array, found {}", kind(other)),
                );
                Vec::new()
            }
        };
        for (path, a) in list {
            let Some(a) = r.object(a, &path) else {
                continue;
            };
            for (p, id) in id_list(r, a, &path, "entry_points") {
                match g.by_id.get(&id) {
                    Some(&i) if nodes[i].kind.is_attack() => out.push(i),
                    Some(_) => r.problem(&p, format!("entry point {id} is not an attack step")),
                    None => r.problem(&p, format!("no step has id {id}")),
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// mal-simulator's necessity (`calculate_necessity`): a node is unnecessary when it behaves as
/// already done for the `and` steps below it. Defences and existence steps are necessary when
/// they block; an `or` step when all its parents are necessary; an `and` step when any is; a
/// step without parents always. Computed from the top down (all necessary, then lowered until
/// nothing changes), which gives the same greatest fixpoint as mal-simulator's propagation.
/// `fractional_on` decides defences that are on with a probability strictly between 0 and 1.
fn necessity(nodes: &[Node], g: &Graph, fractional_on: bool) -> Vec<bool> {
    let blocks = |n: &Node| n.p_block >= 1.0 || (n.p_block > 0.0 && fractional_on);
    let mut necessary = vec![true; nodes.len()];
    let mut queue: Vec<usize> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if !n.kind.is_attack() && !blocks(n) {
            necessary[i] = false;
            queue.push(i);
        }
    }
    while let Some(u) = queue.pop() {
        for &c in &g.children[u] {
            if !necessary[c] || !nodes[c].kind.is_attack() {
                continue;
            }
            let ps = &g.parents[c];
            let now = match nodes[c].kind {
                Kind::Or => ps.iter().all(|&p| necessary[p]),
                _ => ps.iter().any(|&p| necessary[p]),
            };
            if !now {
                necessary[c] = false;
                queue.push(c);
            }
        }
    }
    necessary
}

fn name(s: impl Into<String>) -> Located<String> {
    Located::new(s.into())
}

fn build(
    r: &mut Reader,
    nodes: &[Node],
    g: &Graph,
    entries: &[usize],
    goals: &[usize],
    opts: &MalOptions,
) -> ModelDoc {
    let here = JsonPath::root();
    let mut doc = ModelDoc {
        ensure: Some(1),
        name: Some(
            opts.name
                .clone()
                .unwrap_or_else(|| "mal-import".to_string()),
        ),
        ..Default::default()
    };
    // Assets and their types, in the order of their first step's id.
    let mut asset_ids = IdTable::default();
    let mut types: BTreeMap<String, ()> = BTreeMap::new();
    let mut seen_assets: HashMap<&str, ()> = HashMap::new();
    for n in nodes {
        if seen_assets.insert(&n.asset, ()).is_some() {
            continue;
        }
        let ty = format!("mal-{}", n.asset_type.as_deref().unwrap_or("Asset"));
        types.insert(ty.clone(), ());
        let id = asset_ids.id(&n.asset).to_string();
        doc.assets.push(AssetDoc {
            id: name(id.clone()),
            type_: name(ty),
            name: (id != n.asset).then(|| n.asset.clone()),
            description: None,
            org: None,
            zone: None,
            hosted_on: None,
            stores: Vec::new(),
            trust: None,
            records: None,
            value_eur: None,
            crown_jewel: false,
            tags: Vec::new(),
            steps: Vec::new(),
        });
    }
    doc.types.push(TypeDoc {
        id: name("mal-asset"),
        extends: None,
        layer: Some(Layer::Cyber),
        description: Some(
            "An asset of a MAL language, imported from a mal-toolbox attack graph.".into(),
        ),
        steps: Vec::new(),
    });
    for ty in types.keys() {
        doc.types.push(TypeDoc {
            id: name(ty.clone()),
            extends: Some(name("mal-asset")),
            layer: None,
            description: None,
            steps: Vec::new(),
        });
    }
    let asset_of = |i: usize| {
        asset_ids
            .get(&nodes[i].asset)
            .unwrap_or_default()
            .to_string()
    };
    let step_ref = |i: usize| format!("{}.{}", asset_of(i), nodes[i].name);

    let necessary = necessity(nodes, g, true);
    let necessary_if_off = necessity(nodes, g, false);
    let differs = nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.kind.is_attack() && necessary[*i] != necessary_if_off[*i])
        .count();
    if differs > 0 {
        r.note(
            &here,
            format!(
                "{differs} attack step(s) are needed or not depending on defences that are on with a probability; \
                 they are imported as needed (mal-simulator decides per episode)"
            ),
        );
    }
    let is_entry = {
        let mut v = vec![false; nodes.len()];
        for &e in entries {
            v[e] = true;
        }
        v
    };

    // Defences on with a probability strictly between 0 and 1: one gate step each, made when
    // first needed so that a defence guarding nothing adds nothing.
    let mut gates: BTreeMap<usize, String> = BTreeMap::new();
    let mut n_or_guarded = 0usize;
    let mut effects: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if !n.kind.is_attack() {
            continue;
        }
        let parents = &g.parents[i];
        let attack: Vec<usize> = parents
            .iter()
            .copied()
            .filter(|&p| nodes[p].kind.is_attack())
            .collect();
        let conds: Vec<usize> = parents
            .iter()
            .copied()
            .filter(|&p| !nodes[p].kind.is_attack())
            .collect();
        let ttc = n.ttc.clone().unwrap_or(Ttc {
            p_success: 1.0,
            time: None,
        });
        let mut step = StepDoc {
            asset: name(asset_of(i)),
            name: name(n.name.clone()),
            description: None,
            requires: if n.kind == Kind::And {
                Requires::All
            } else {
                Requires::Any
            },
            from: Vec::new(),
            ttc_hours: Some(
                ttc.time
                    .map_or(DistDoc::Constant(0.0), |t| t.to_hours(opts.hours_per_unit)),
            ),
            p_success: (ttc.p_success < 1.0).then_some(ttc.p_success),
            attack: Vec::new(),
            capec: Vec::new(),
            causes_outage: false,
            outage_hours: None,
        };
        if is_entry[i] {
            // Compromised at the start: no time, no failure, nothing blocks it, nothing before.
            step.ttc_hours = Some(DistDoc::Constant(0.0));
            step.p_success = None;
            doc.attack_steps.push(step);
            continue;
        }
        if n.kind == Kind::Or {
            if conds.iter().any(|&c| nodes[c].p_block > 0.0) && !attack.is_empty() {
                n_or_guarded += 1;
            }
            step.from = attack.iter().map(|&p| name(step_ref(p))).collect();
            doc.attack_steps.push(step);
            continue;
        }
        // An `and` step.
        let (needed, free): (Vec<usize>, Vec<usize>) = attack.iter().partition(|&&p| necessary[p]);
        let mut gate_refs = Vec::new();
        if !attack.is_empty() {
            for &c in &conds {
                let p_block = nodes[c].p_block;
                if p_block >= 1.0 || (nodes[c].kind == Kind::Defence && p_block == 0.0) {
                    effects.entry(c).or_default().push(i);
                } else if p_block > 0.0 {
                    let gate = gates
                        .entry(c)
                        .or_insert_with(|| format!("{}.{}-off", asset_of(c), nodes[c].name));
                    gate_refs.push(name(gate.clone()));
                }
            }
        } else {
            // No attack step leads here: mal-simulator never reaches it, and neither will we.
            for &c in &conds {
                if nodes[c].p_block >= 1.0
                    || (nodes[c].kind == Kind::Defence && nodes[c].p_block == 0.0)
                {
                    effects.entry(c).or_default().push(i);
                }
            }
        }
        if !needed.is_empty() {
            step.from = needed.iter().map(|&p| name(step_ref(p))).collect();
            step.from.extend(gate_refs);
        } else if gate_refs.is_empty() || free.len() == 1 {
            // Every attack parent counts as done: mal-simulator still needs one of them to have
            // happened, so the step waits for any (and for its gates).
            step.requires = if gate_refs.is_empty() {
                Requires::Any
            } else {
                Requires::All
            };
            step.from = free.iter().map(|&p| name(step_ref(p))).collect();
            step.from.extend(gate_refs);
        } else {
            // Any of several parents, and every gate: an `any` step in between.
            let helper = format!("{}-any", n.name);
            doc.attack_steps.push(StepDoc {
                asset: name(asset_of(i)),
                name: name(helper.clone()),
                description: Some(format!("Any parent of `{}` (import helper).", n.full_name)),
                requires: Requires::Any,
                from: free.iter().map(|&p| name(step_ref(p))).collect(),
                ttc_hours: Some(DistDoc::Constant(0.0)),
                p_success: None,
                attack: Vec::new(),
                capec: Vec::new(),
                causes_outage: false,
                outage_hours: None,
            });
            step.from = vec![name(format!("{}.{helper}", asset_of(i)))];
            step.from.extend(gate_refs);
        }
        doc.attack_steps.push(step);
    }
    if n_or_guarded > 0 {
        r.note(
            &here,
            format!(
                "{n_or_guarded} `or` step(s) have a defence or existence step among their parents; \
                 like mal-simulator, the import does not let it block them"
            ),
        );
    }

    for (&c, guarded) in &effects {
        let n = &nodes[c];
        let (kind, enabled) = match n.kind {
            Kind::Defence => ("mal-defense", n.p_block >= 1.0),
            _ => ("mal-existence", true),
        };
        doc.controls.push(ControlDoc {
            id: name(format!("{}:{}", asset_of(c), n.name)),
            name: Some(n.full_name.clone()),
            kind: kind.to_string(),
            protects: vec![name(asset_of(c))],
            effects: guarded
                .iter()
                .map(|&s| EffectDoc {
                    step: name(step_ref(s)),
                    efficacy: Some(1.0),
                    slowdown: None,
                })
                .collect(),
            changes: Vec::new(),
            cost_eur: None,
            upkeep_eur_per_year: None,
            enabled,
            group: None,
        });
    }
    for (&c, gate) in &gates {
        let n = &nodes[c];
        let (asset, step) = gate.rsplit_once('.').unwrap_or_default();
        doc.attack_steps.push(StepDoc {
            asset: name(asset),
            name: name(step),
            description: Some(format!(
                "Defence `{}` is off in this run (it is on with probability {}).",
                n.full_name, n.p_block
            )),
            requires: Requires::Any,
            from: Vec::new(),
            ttc_hours: Some(DistDoc::Constant(0.0)),
            p_success: Some(1.0 - n.p_block),
            attack: Vec::new(),
            capec: Vec::new(),
            causes_outage: false,
            outage_hours: None,
        });
    }

    cut_and_cycles(r, &mut doc.attack_steps);
    let mut entry: Vec<Located<String>> = entries.iter().map(|&e| name(step_ref(e))).collect();
    entry.extend(gates.values().map(|g| name(g.clone())));
    if entries.is_empty() {
        r.note(
            &here,
            "no entry points: the model has no attacker (give entry points as `asset:step`)",
        );
    } else {
        doc.actors.push(ActorDoc {
            id: name("attacker"),
            name: Some("The mal-simulator attacker".into()),
            description: None,
            entry,
            capabilities: Vec::new(),
            frequency_per_year: None,
        });
    }
    for &t in goals {
        let n = &nodes[t];
        doc.goals.push(GoalDoc {
            id: name(format!("{}:{}", asset_of(t), n.name)),
            name: None,
            threat: format!("The attacker reaches `{}`.", n.full_name),
            targets: vec![name(step_ref(t))],
            actors: Vec::new(),
        });
    }
    let n_attack = nodes.iter().filter(|n| n.kind.is_attack()).count();
    doc.description = Some(format!(
        "Imported from a mal-toolbox attack graph: {n_attack} attack steps, {} defence and existence steps; \
         one MAL time unit = {} hours.",
        nodes.len() - n_attack,
        opts.hours_per_unit
    ));
    doc
}

/// `and` steps that wait for each other in a cycle never happen, in mal-simulator as in
/// `ensure`, but `ensure check` rejects such a cycle as a modelling mistake (E0405). An imported
/// graph is what it is, so the cycle's steps keep no preconditions: still never reached.
fn cut_and_cycles(r: &mut Reader, steps: &mut [StepDoc]) {
    let index: HashMap<String, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{}.{}", s.asset, s.name), i))
        .collect();
    let mut g = petgraph::graphmap::DiGraphMap::<usize, ()>::new();
    for (i, s) in steps.iter().enumerate() {
        if s.requires != Requires::All {
            continue;
        }
        g.add_node(i);
        for f in &s.from {
            if let Some(&j) = index.get(f.as_str()) {
                if steps[j].requires == Requires::All {
                    g.add_edge(j, i, ());
                }
            }
        }
    }
    let mut n_cut = 0;
    for scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() > 1 || g.contains_edge(scc[0], scc[0]) {
            for i in scc {
                steps[i].from.clear();
                n_cut += 1;
            }
        }
    }
    if n_cut > 0 {
        r.note(
            &JsonPath::root(),
            format!("{n_cut} `and` step(s) wait for each other in cycles and can never happen; imported without preconditions"),
        );
    }
}

#[cfg(test)]
mod tests;
