//! [`ModelDoc`] to [`Model`]: resolve names to ids, instantiate the catalog's attack steps
//! on every asset, and check everything, collecting every problem rather than stopping at
//! the first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use petgraph::graph::DiGraph;

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::distribution::Distribution;
use crate::format::*;
use crate::located::Span;
use crate::model::*;

/// Builds the model, or returns why it cannot. Warnings come back in both cases.
pub fn build(doc: &ModelDoc, catalog: &[TypeDoc]) -> (Option<Model>, Vec<Diagnostic>) {
    build_with_broken(doc, catalog, &HashSet::new())
}

/// Like [`build`], but references to `broken` ids (entries that could not be read, already
/// reported) are not reported a second time.
pub fn build_with_broken(
    doc: &ModelDoc,
    catalog: &[TypeDoc],
    broken: &HashSet<String>,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut b = Builder {
        broken: broken.clone(),
        ..Builder::default()
    };
    b.types(catalog, true);
    b.types(&doc.types, false);
    b.assets(&doc.assets);
    b.relations(doc);
    b.steps(doc);
    b.and_cycles();
    b.controls(&doc.controls);
    b.actors(&doc.actors);
    b.goals(&doc.goals);
    b.impacts(&doc.impacts);
    b.monitors(&doc.monitors);
    b.properties(&doc.properties);
    let horizon = match doc.horizon_hours {
        Some(h) if !(h.is_finite() && h > 0.0) => {
            b.err(Diagnostic::error(
                "E0301",
                Span::NONE,
                format!("`horizon_hours` must be a positive number, not {h}"),
            ));
            0.0
        }
        Some(h) => h,
        None => 8760.0,
    };
    if b.diags.iter().any(|d| d.severity == crate::Severity::Error) {
        return (None, b.diags);
    }
    b.reachability_warnings();
    let model = Model {
        name: doc.name.clone().unwrap_or_else(|| "unnamed".into()),
        description: doc.description.clone().unwrap_or_default(),
        horizon_hours: horizon,
        graph: b.graph(),
        types: b.types,
        assets: b.assets,
        flows: b.flows,
        hosting: b.hosting,
        access: b.access,
        custody: b.custody,
        dependencies: b.dependencies,
        agreements: b.agreements,
        steps: b.steps,
        controls: b.controls,
        actors: b.actors,
        goals: b.goals,
        impacts: b.impacts,
        monitors: b.monitors,
        properties: b.properties,
        via_sets: b.via_sets,
        asset_by_id: b.asset_by_id,
        steps_of: b.steps_of,
    };
    (Some(model), b.diags)
}

#[derive(Default)]
struct Builder {
    diags: Vec<Diagnostic>,
    broken: HashSet<String>,
    types: Vec<AssetType>,
    type_by_id: HashMap<String, TypeId>,
    assets: Vec<Asset>,
    asset_by_id: HashMap<String, AssetId>,
    flows: Vec<Flow>,
    hosting: Vec<Hosting>,
    via_sets: Vec<Vec<Via>>,
    access: Vec<Access>,
    custody: Vec<Custody>,
    dependencies: Vec<Dependency>,
    agreements: Vec<Agreement>,
    steps: Vec<AttackStep>,
    steps_of: Vec<Vec<StepId>>,
    /// Template preconditions of each step, resolved after all steps exist.
    /// For each step, the (type, template index) whose `from` it still has to resolve.
    pending_from: Vec<Option<(TypeId, usize)>>,
    controls: Vec<Control>,
    actors: Vec<Actor>,
    actor_by_id: HashMap<String, ActorId>,
    goals: Vec<Goal>,
    impacts: Vec<Impact>,
    monitors: Vec<Monitor>,
    properties: Vec<Property>,
}

/// What kind of asset a reference must name.
#[derive(Clone, Copy)]
enum Want {
    Any,
    Layer(Layer),
    /// A zone or a site: a network zone or a facility.
    Zone,
}

impl Builder {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn unique(&mut self, seen: &mut HashMap<String, Span>, id: &Name, what: &str) -> bool {
        if id.value.trim().is_empty() || id.value.chars().any(char::is_whitespace) {
            self.err(
                Diagnostic::error(
                    "E0201",
                    id.span,
                    format!("invalid {what} id `{}`", id.value),
                )
                .with_hint("ids are non-empty and contain no spaces, e.g. `payment-db`"),
            );
            return false;
        }
        if let Some(first) = seen.get(&id.value) {
            let line = first.line;
            self.err(
                Diagnostic::error(
                    "E0202",
                    id.span,
                    format!("duplicate {what} id `{}`", id.value),
                )
                .with_hint(format!("the first `{}` is on line {line}", id.value)),
            );
            return false;
        }
        seen.insert(id.value.clone(), id.span);
        true
    }

    fn probability(&mut self, p: f64, span: Span, what: &str) -> f64 {
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            self.err(
                Diagnostic::error(
                    "E0302",
                    span,
                    format!("{what} must be a probability between 0 and 1, not {p}"),
                )
                .with_hint("write a percentage as a fraction: 20 % is 0.2"),
            );
            return 0.0;
        }
        p
    }

    fn non_negative(&mut self, v: f64, span: Span, what: &str) -> f64 {
        if !(v.is_finite() && v >= 0.0) {
            self.err(Diagnostic::error(
                "E0303",
                span,
                format!("{what} must be a non-negative number, not {v}"),
            ));
            return 0.0;
        }
        v
    }

    fn dist(&mut self, d: &DistDoc, span: Span, what: &str) -> Distribution {
        match Distribution::from_doc(d) {
            Ok(d) => d,
            Err(msg) => {
                self.err(Diagnostic::error(
                    "E0304",
                    span,
                    format!("invalid {what}: {msg}"),
                ));
                Distribution::Constant(0.0)
            }
        }
    }

    // ---------------------------------------------------------------- types

    fn types(&mut self, docs: &[TypeDoc], builtin: bool) {
        // Parents may be declared after children, so resolve in rounds until nothing moves.
        let mut todo: Vec<&TypeDoc> = Vec::new();
        let mut seen: HashMap<String, Span> =
            self.types.iter().map(|t| (t.id.clone(), t.span)).collect();
        for t in docs {
            if self.unique(&mut seen, &t.id, "type") {
                todo.push(t);
            }
        }
        while !todo.is_empty() {
            let before = todo.len();
            let mut rest = Vec::new();
            for t in todo {
                let parent = match &t.extends {
                    Some(p) => match self.type_by_id.get(&p.value) {
                        Some(pid) => Some(*pid),
                        None if seen.contains_key(&p.value) => {
                            rest.push(t);
                            continue;
                        }
                        None => {
                            let hint =
                                did_you_mean(&p.value, self.type_by_id.keys().map(String::as_str));
                            self.err(
                                Diagnostic::error(
                                    "E0203",
                                    p.span,
                                    format!("unknown type `{}`", p.value),
                                )
                                .with_hint_opt(hint),
                            );
                            continue;
                        }
                    },
                    None => None,
                };
                self.add_type(t, parent, builtin);
            }
            if rest.len() == before {
                for t in &rest {
                    self.err(Diagnostic::error(
                        "E0204",
                        t.id.span,
                        format!("type `{}` extends itself through a cycle", t.id.value),
                    ));
                }
                break;
            }
            todo = rest;
        }
    }

    fn add_type(&mut self, t: &TypeDoc, parent: Option<TypeId>, builtin: bool) {
        let layer = match (t.layer, parent) {
            (Some(l), None) => l,
            (None, Some(p)) => self.types[p.idx()].layer,
            (Some(l), Some(p)) => {
                let pl = self.types[p.idx()].layer;
                if l != pl {
                    self.err(Diagnostic::error(
                        "E0205",
                        t.id.span,
                        format!(
                            "type `{}` is in layer {} but extends a type of layer {}",
                            t.id.value,
                            l.as_str(),
                            pl.as_str()
                        ),
                    ));
                }
                pl
            }
            (None, None) => {
                self.err(
                    Diagnostic::error(
                        "E0206",
                        t.id.span,
                        format!("type `{}` needs `extends` or `layer`", t.id.value),
                    )
                    .with_hint("extend a catalog type, e.g. `extends: api`"),
                );
                Layer::Cyber
            }
        };
        let mut steps: Vec<StepTemplate> = parent
            .map(|p| self.types[p.idx()].steps.clone())
            .unwrap_or_default();
        let mut seen_steps = HashSet::new();
        for s in &t.steps {
            if !seen_steps.insert(s.name.value.clone()) {
                self.err(Diagnostic::error(
                    "E0207",
                    s.name.span,
                    format!(
                        "step `{}` is declared twice in type `{}`",
                        s.name.value, t.id.value
                    ),
                ));
                continue;
            }
            let inherited = steps.iter().position(|x| x.name == s.name.value);
            let base = inherited.map(|i| steps[i].clone());
            let from = self.selectors(&s.from);
            let ttc = match (&s.ttc_hours, &base) {
                (Some(d), _) => self.dist(d, s.name.span, "ttc_hours"),
                (None, Some(b)) => b.ttc_hours,
                (None, None) => Distribution::Constant(0.0),
            };
            let p_success = match (s.p_success, &base) {
                (Some(p), _) => self.probability(p, s.name.span, "p_success"),
                (None, Some(b)) => b.p_success,
                (None, None) => 1.0,
            };
            let outage_hours = match (&s.outage_hours, &base) {
                (Some(d), _) => Some(self.dist(d, s.name.span, "outage_hours")),
                (None, Some(b)) => b.outage_hours,
                (None, None) => None,
            };
            let or_base =
                |v: &Vec<Name>, f: fn(&StepTemplate) -> &Arc<[String]>| -> Arc<[String]> {
                    if v.is_empty() {
                        base.as_ref().map(|b| f(b).clone()).unwrap_or_default()
                    } else {
                        v.iter().map(|n| n.value.clone()).collect()
                    }
                };
            let template = StepTemplate {
                name: s.name.value.clone(),
                description: s
                    .description
                    .as_deref()
                    .map(Arc::from)
                    .or_else(|| base.as_ref().map(|b| b.description.clone()))
                    .unwrap_or_default(),
                requires: s.requires,
                from,
                ttc_hours: ttc,
                p_success,
                attack: or_base(&s.attack, |b| &b.attack),
                capec: or_base(&s.capec, |b| &b.capec),
                causes_outage: s.causes_outage || base.as_ref().is_some_and(|b| b.causes_outage),
                outage_hours,
                declared_by: t.id.value.clone(),
            };
            match inherited {
                Some(i) => steps[i] = template,
                None => steps.push(template),
            }
        }
        let id = TypeId(self.types.len() as u32);
        self.type_by_id.insert(t.id.value.clone(), id);
        self.types.push(AssetType {
            id: t.id.value.clone(),
            parent,
            layer,
            description: t.description.clone().unwrap_or_default(),
            steps,
            builtin,
            span: t.id.span,
        });
    }

    fn selectors(&mut self, from: &[Name]) -> Vec<(Selector, String)> {
        let mut out = Vec::new();
        for f in from {
            let parsed = f
                .value
                .split_once('.')
                .and_then(|(sel, step)| Some((Selector::parse(sel)?, step)));
            match parsed {
                Some((sel, step)) if !step.is_empty() => out.push((sel, step.to_string())),
                _ => {
                    let sel = f.value.split('.').next().unwrap_or("");
                    let hint = did_you_mean(sel, Selector::ALL.iter().map(|(n, _)| *n))
                        .unwrap_or_else(|| {
                            let names: Vec<&str> = Selector::ALL.iter().map(|(n, _)| *n).collect();
                            format!("write `selector.step`; selectors are {}", names.join(", "))
                        });
                    self.err(
                        Diagnostic::error(
                            "E0208",
                            f.span,
                            format!("invalid precondition `{}`", f.value),
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
        out
    }

    // ---------------------------------------------------------------- assets

    fn assets(&mut self, docs: &[AssetDoc]) {
        let mut seen = HashMap::with_capacity(docs.len());
        self.assets.reserve(docs.len());
        self.asset_by_id.reserve(docs.len());
        // About five catalog steps per asset; reserving avoids copying the largest tables.
        self.steps.reserve(docs.len() * 5);
        self.pending_from.reserve(docs.len() * 5);
        self.steps_of.reserve(docs.len());
        let mut kept = Vec::new();
        for a in docs {
            if !self.unique(&mut seen, &a.id, "asset") {
                continue;
            }
            let Some(type_id) = self.type_by_id.get(&a.type_.value).copied() else {
                let hint = did_you_mean(&a.type_.value, self.type_by_id.keys().map(String::as_str))
                    .unwrap_or_else(|| "`ensure catalog` lists the built-in types".into());
                self.err(
                    Diagnostic::error(
                        "E0203",
                        a.type_.span,
                        format!("unknown type `{}`", a.type_.value),
                    )
                    .with_hint(hint),
                );
                self.broken.insert(a.id.value.clone());
                continue;
            };
            let id = AssetId(self.assets.len() as u32);
            self.asset_by_id.insert(a.id.value.clone(), id);
            let layer = self.types[type_id.idx()].layer;
            if let Some(t) = a.trust {
                if t > 10 {
                    self.err(
                        Diagnostic::error(
                            "E0305",
                            a.id.span,
                            format!("trust {t} of `{}` is out of range", a.id.value),
                        )
                        .with_hint("trust levels run from 0 (untrusted) to 10"),
                    );
                }
            }
            if let Some(v) = a.value_eur {
                self.non_negative(v, a.id.span, "value_eur");
            }
            self.assets.push(Asset {
                id: a.id.value.clone(),
                name: a.name.clone().unwrap_or_else(|| a.id.value.clone()),
                description: a.description.clone().unwrap_or_default(),
                type_id,
                layer,
                org: None,
                zone: None,
                hosted_on: Vec::new(),
                stores: Vec::new(),
                trust: a.trust,
                records: a.records,
                value_eur: a.value_eur,
                crown_jewel: a.crown_jewel,
                tags: a.tags.clone(),
                span: a.id.span,
            });
            kept.push((id, a));
        }
        for (id, a) in kept {
            let org = a
                .org
                .as_ref()
                .and_then(|o| self.asset_ref(o, Want::Layer(Layer::Organisational)));
            let zone = a.zone.as_ref().and_then(|z| self.asset_ref(z, Want::Zone));
            let host = a
                .hosted_on
                .as_ref()
                .and_then(|h| self.asset_ref(h, Want::Any));
            let stores: Vec<AssetId> = a
                .stores
                .iter()
                .filter_map(|d| self.asset_ref(d, Want::Layer(Layer::Data)))
                .collect();
            if let (Some(on), Some(h)) = (host, &a.hosted_on) {
                self.hosting.push(Hosting {
                    id: None,
                    asset: id,
                    on,
                    span: h.span,
                });
            }
            let asset = &mut self.assets[id.idx()];
            asset.org = org;
            asset.zone = zone;
            asset.hosted_on.extend(host);
            asset.stores = stores;
        }
    }

    fn asset_ref(&mut self, name: &Name, want: Want) -> Option<AssetId> {
        let Some(id) = self.asset_by_id.get(&name.value).copied() else {
            if self.broken.contains(&name.value) {
                return None;
            }
            let hint = did_you_mean(&name.value, self.asset_by_id.keys().map(String::as_str));
            self.err(
                Diagnostic::error(
                    "E0210",
                    name.span,
                    format!("unknown asset `{}`", name.value),
                )
                .with_hint_opt(hint),
            );
            return None;
        };
        let asset = &self.assets[id.idx()];
        let ok = match want {
            Want::Any => true,
            Want::Layer(l) => asset.layer == l,
            Want::Zone => self
                .type_chain(asset.type_id)
                .any(|t| t == "network-zone" || t == "facility"),
        };
        if !ok {
            let expected = match want {
                Want::Any => unreachable!("Want::Any accepts every asset"),
                Want::Layer(l) => format!("an asset of the {} layer", l.as_str()),
                Want::Zone => "a network zone or a facility".to_string(),
            };
            let ty = self.types[asset.type_id.idx()].id.clone();
            self.err(
                Diagnostic::error(
                    "E0211",
                    name.span,
                    format!(
                        "`{}` is a `{ty}`, but {expected} is expected here",
                        name.value
                    ),
                )
                .with_hint_opt(self.candidates_hint(want)),
            );
            return None;
        }
        Some(id)
    }

    fn candidates_hint(&self, want: Want) -> Option<String> {
        let names: Vec<&str> = self
            .assets
            .iter()
            .filter(|a| match want {
                Want::Layer(l) => a.layer == l,
                Want::Zone => self
                    .type_chain(a.type_id)
                    .any(|t| t == "network-zone" || t == "facility"),
                Want::Any => true,
            })
            .take(6)
            .map(|a| a.id.as_str())
            .collect();
        (!names.is_empty()).then(|| format!("candidates: {}", names.join(", ")))
    }

    fn type_chain(&self, t: TypeId) -> impl Iterator<Item = &str> {
        let mut cur = Some(t);
        std::iter::from_fn(move || {
            let id = cur?;
            cur = self.types[id.idx()].parent;
            Some(self.types[id.idx()].id.as_str())
        })
    }

    // ---------------------------------------------------------------- relations

    fn relations(&mut self, doc: &ModelDoc) {
        for f in &doc.flows {
            let from = self.asset_ref(&f.from, Want::Any);
            let to = self.asset_ref(&f.to, Want::Any);
            let carries: Vec<AssetId> = f
                .carries
                .iter()
                .filter_map(|d| self.asset_ref(d, Want::Layer(Layer::Data)))
                .collect();
            if let (Some(from), Some(to)) = (from, to) {
                if from == to {
                    self.err(Diagnostic::error(
                        "E0212",
                        f.to.span,
                        format!("flow from `{}` to itself", f.to.value),
                    ));
                    continue;
                }
                self.flows.push(Flow {
                    id: f.id.as_ref().map(|i| i.value.clone()),
                    from,
                    to,
                    protocol: f.protocol.clone(),
                    authentication: f.authentication,
                    encryption: f.encryption,
                    input_validation: f.input_validation,
                    rate_limited: f.rate_limited,
                    carries,
                    span: f.from.span,
                });
            }
        }
        for h in &doc.hosting {
            if let (Some(a), Some(on)) = (
                self.asset_ref(&h.asset, Want::Any),
                self.asset_ref(&h.on, Want::Any),
            ) {
                if a == on {
                    self.err(Diagnostic::error(
                        "E0212",
                        h.on.span,
                        format!("`{}` is hosted on itself", h.on.value),
                    ));
                } else {
                    self.assets[a.idx()].hosted_on.push(on);
                    self.hosting.push(Hosting {
                        id: h.id.as_ref().map(|i| i.value.clone()),
                        asset: a,
                        on,
                        span: h.asset.span,
                    });
                }
            }
        }
        for a in &doc.access {
            let who = self.asset_ref(&a.who, Want::Any);
            let to = self.asset_ref(&a.to, Want::Any);
            if a.rights.is_empty() {
                self.err(Diagnostic::error(
                    "E0306",
                    a.who.span,
                    "an access right needs at least one of read, write, execute, admin, physical",
                ));
            }
            if let (Some(who), Some(to)) = (who, to) {
                self.access.push(Access {
                    id: a.id.as_ref().map(|i| i.value.clone()),
                    who,
                    to,
                    rights: a.rights.clone(),
                    span: a.who.span,
                });
            }
        }
        for c in &doc.custody {
            let holder = self.asset_ref(&c.holder, Want::Any);
            let item = self.asset_ref(&c.item, Want::Any);
            if let (Some(holder), Some(item)) = (holder, item) {
                self.custody.push(Custody {
                    id: c.id.as_ref().map(|i| i.value.clone()),
                    holder,
                    item,
                    span: c.holder.span,
                });
            }
        }
        for d in &doc.dependencies {
            let service = self.asset_ref(&d.service, Want::Any);
            let on: Vec<AssetId> =
                d.on.iter()
                    .filter_map(|o| self.asset_ref(o, Want::Any))
                    .collect();
            if d.on.is_empty() {
                self.err(Diagnostic::error(
                    "E0307",
                    d.service.span,
                    "a dependency needs at least one asset in `on`",
                ));
            }
            let p = self.probability(d.p_propagate.unwrap_or(1.0), d.service.span, "p_propagate");
            let delay = d
                .delay_hours
                .as_ref()
                .map_or(Distribution::Constant(0.0), |x| {
                    self.dist(x, d.service.span, "delay_hours")
                });
            let recovery = d
                .recovery_hours
                .as_ref()
                .map_or(Distribution::Constant(0.0), |x| {
                    self.dist(x, d.service.span, "recovery_hours")
                });
            if let Some(service) = service {
                if on.contains(&service) {
                    self.err(Diagnostic::error(
                        "E0212",
                        d.service.span,
                        format!("`{}` depends on itself", d.service.value),
                    ));
                    continue;
                }
                self.dependencies.push(Dependency {
                    id: d.id.as_ref().map(|i| i.value.clone()),
                    service,
                    requires: d.requires,
                    on,
                    p_propagate: p,
                    delay_hours: delay,
                    recovery_hours: recovery,
                    span: d.service.span,
                });
            }
        }
        for g in &doc.agreements {
            let from = self.asset_ref(&g.from, Want::Layer(Layer::Organisational));
            let to = self.asset_ref(&g.to, Want::Layer(Layer::Organisational));
            let data: Vec<AssetId> = g
                .data
                .iter()
                .filter_map(|d| self.asset_ref(d, Want::Layer(Layer::Data)))
                .collect();
            if let (Some(from), Some(to)) = (from, to) {
                self.agreements.push(Agreement {
                    from,
                    to,
                    data,
                    span: g.from.span,
                });
            }
        }
    }

    fn graph(&self) -> DiGraph<AssetId, Relation> {
        let mut g = DiGraph::with_capacity(self.assets.len(), self.assets.len() * 3);
        for i in 0..self.assets.len() {
            g.add_node(AssetId(i as u32));
        }
        let n = |a: AssetId| petgraph::graph::NodeIndex::new(a.idx());
        for (i, a) in self.assets.iter().enumerate() {
            let me = AssetId(i as u32);
            if let Some(o) = a.org {
                g.add_edge(n(me), n(o), Relation::Org);
            }
            if let Some(z) = a.zone {
                g.add_edge(n(me), n(z), Relation::Zone);
            }
            for d in &a.stores {
                g.add_edge(n(me), n(*d), Relation::Stores);
            }
        }
        for h in &self.hosting {
            g.add_edge(n(h.asset), n(h.on), Relation::Hosting);
        }
        for (i, f) in self.flows.iter().enumerate() {
            g.add_edge(n(f.from), n(f.to), Relation::Flow(FlowId(i as u32)));
        }
        for a in &self.access {
            g.add_edge(n(a.who), n(a.to), Relation::Access);
        }
        for c in &self.custody {
            g.add_edge(n(c.holder), n(c.item), Relation::Custody);
        }
        for (i, d) in self.dependencies.iter().enumerate() {
            for o in &d.on {
                g.add_edge(
                    n(d.service),
                    n(*o),
                    Relation::Dependency(DependencyId(i as u32)),
                );
            }
        }
        g
    }

    // ---------------------------------------------------------------- attack graph

    fn steps(&mut self, doc: &ModelDoc) {
        let overrides: HashMap<&str, &AssetDoc> = doc
            .assets
            .iter()
            .map(|a| (a.id.value.as_str(), a))
            .collect();
        for ai in 0..self.assets.len() {
            let aid = AssetId(ai as u32);
            let asset_doc = overrides.get(self.assets[ai].id.as_str()).copied();
            let ty = self.assets[ai].type_id.idx();
            let templates = std::mem::take(&mut self.types[ty].steps);
            if let Some(ad) = asset_doc {
                for o in &ad.steps {
                    if !templates.iter().any(|t| t.name == o.name.value) {
                        let hint =
                            did_you_mean(&o.name.value, templates.iter().map(|t| t.name.as_str()));
                        self.err(
                            Diagnostic::error(
                                "E0401",
                                o.name.span,
                                format!(
                                    "`{}` has no step `{}` to override",
                                    self.assets[ai].id, o.name.value
                                ),
                            )
                            .with_hint_opt(hint.or_else(|| {
                                Some(format!(
                                    "its steps are: {}",
                                    join(templates.iter().map(|t| t.name.as_str()))
                                ))
                            })),
                        );
                    }
                }
            }
            for (ti, t) in templates.iter().enumerate() {
                let ov = asset_doc.and_then(|ad| ad.steps.iter().find(|o| o.name.value == t.name));
                if ov.is_some_and(|o| o.disabled) {
                    continue;
                }
                let mut step = AttackStep {
                    asset: aid,
                    name: t.name.clone(),
                    description: t.description.clone(),
                    requires: t.requires,
                    parents: Vec::new(),
                    ttc_hours: t.ttc_hours,
                    p_success: t.p_success,
                    attack: t.attack.clone(),
                    capec: t.capec.clone(),
                    causes_outage: t.causes_outage,
                    outage_hours: t.outage_hours.unwrap_or(DEFAULT_OUTAGE_HOURS),
                    parent_via: Vec::new(),
                    layer: self.assets[ai].layer,
                    span: self.assets[ai].span,
                };
                if let Some(o) = ov {
                    step.span = o.name.span;
                    if let Some(d) = &o.ttc_hours {
                        step.ttc_hours = self.dist(d, o.name.span, "ttc_hours");
                    }
                    if let Some(d) = &o.outage_hours {
                        step.outage_hours = self.dist(d, o.name.span, "outage_hours");
                    }
                    if let Some(p) = o.p_success {
                        step.p_success = self.probability(p, o.name.span, "p_success");
                    }
                }
                self.push_step(step, Some((TypeId(ty as u32), ti)));
            }
            self.types[ty].steps = templates;
        }
        let mut explicit_from: Vec<(StepId, &Vec<Name>)> = Vec::new();
        for s in &doc.attack_steps {
            let Some(aid) = self.asset_ref(&s.asset, Want::Any) else {
                continue;
            };
            if self.find_step(aid, &s.name.value).is_some() {
                self.err(
                    Diagnostic::error(
                        "E0402",
                        s.name.span,
                        format!("`{}` already has a step `{}`", s.asset.value, s.name.value),
                    )
                    .with_hint("override a catalog step under the asset's `steps:` instead"),
                );
                continue;
            }
            let step = AttackStep {
                asset: aid,
                name: s.name.value.clone(),
                description: s.description.as_deref().map(Arc::from).unwrap_or_default(),
                requires: s.requires,
                parents: Vec::new(),
                ttc_hours: s
                    .ttc_hours
                    .as_ref()
                    .map_or(Distribution::Constant(0.0), |d| {
                        self.dist(d, s.name.span, "ttc_hours")
                    }),
                p_success: self.probability(s.p_success.unwrap_or(1.0), s.name.span, "p_success"),
                attack: s.attack.iter().map(|n| n.value.clone()).collect(),
                capec: s.capec.iter().map(|n| n.value.clone()).collect(),
                causes_outage: s.causes_outage,
                outage_hours: s.outage_hours.as_ref().map_or(DEFAULT_OUTAGE_HOURS, |d| {
                    self.dist(d, s.name.span, "outage_hours")
                }),
                parent_via: Vec::new(),
                layer: self.assets[aid.idx()].layer,
                span: s.name.span,
            };
            let id = self.push_step(step, None);
            explicit_from.push((id, &s.from));
        }
        // Every step exists now: resolve preconditions.
        let neighbours = self.neighbour_index();
        // Parents are collected with the relation behind each, then merged per parent.
        let mut raw: Vec<Vec<(StepId, Via)>> = vec![Vec::new(); self.steps.len()];
        for (si, edges) in raw.iter_mut().enumerate() {
            let aid = self.steps[si].asset;
            let Some((ty, ti)) = self.pending_from[si] else {
                continue;
            };
            for (sel, name) in &self.types[ty.idx()].steps[ti].from {
                for (n, via) in neighbours.of(aid, *sel) {
                    if let Some(p) = self.find_step(n, name) {
                        if p.idx() != si {
                            edges.push((p, via));
                        }
                    }
                }
            }
        }
        for (id, from) in explicit_from {
            for f in from {
                if let Some(p) = self.step_ref(f) {
                    raw[id.idx()].push((p, Via::Fixed));
                }
            }
        }
        for a in &doc.assets {
            let Some(aid) = self.asset_by_id.get(&a.id.value).copied() else {
                continue;
            };
            for o in &a.steps {
                let Some(sid) = self.find_step(aid, &o.name.value) else {
                    continue;
                };
                for f in &o.also_from {
                    if let Some(p) = self.step_ref(f) {
                        raw[sid.idx()].push((p, Via::Fixed));
                    }
                }
            }
        }
        for (si, mut edges) in raw.into_iter().enumerate() {
            edges.sort();
            edges.dedup();
            let mut parents = Vec::with_capacity(edges.len());
            let mut vias = Vec::with_capacity(edges.len());
            let mut i = 0;
            while i < edges.len() {
                let p = edges[i].0;
                let j = edges[i..].iter().take_while(|e| e.0 == p).count() + i;
                let via = if j - i == 1 {
                    edges[i].1
                } else if edges[i..j].iter().any(|e| e.1 == Via::Fixed) {
                    Via::Fixed
                } else {
                    self.via_sets
                        .push(edges[i..j].iter().map(|e| e.1).collect());
                    Via::Many(self.via_sets.len() as u32 - 1)
                };
                parents.push(p);
                vias.push(via);
                i = j;
            }
            self.steps[si].parents = parents;
            self.steps[si].parent_via = vias;
        }
    }

    fn find_step(&self, asset: AssetId, name: &str) -> Option<StepId> {
        self.steps_of
            .get(asset.idx())?
            .iter()
            .copied()
            .find(|s| self.steps[s.idx()].name == name)
    }

    fn push_step(&mut self, step: AttackStep, from: Option<(TypeId, usize)>) -> StepId {
        let id = StepId(self.steps.len() as u32);
        if self.steps_of.len() <= step.asset.idx() {
            self.steps_of
                .resize(self.assets.len().max(step.asset.idx() + 1), Vec::new());
        }
        self.steps_of[step.asset.idx()].push(id);
        self.steps.push(step);
        self.pending_from.push(from);
        id
    }

    /// Resolves `asset.step`.
    fn step_ref(&mut self, r: &Name) -> Option<StepId> {
        let Some((asset, step)) = r.value.rsplit_once('.') else {
            self.err(
                Diagnostic::error(
                    "E0403",
                    r.span,
                    format!("`{}` is not a step reference", r.value),
                )
                .with_hint("write `asset.step`, e.g. `customer-db.exfiltrate`"),
            );
            return None;
        };
        let aid = self.asset_ref(&Located::at(asset.to_string(), r.span), Want::Any)?;
        match self.find_step(aid, step) {
            Some(s) => Some(s),
            None => {
                let names: Vec<&str> = self
                    .steps
                    .iter()
                    .filter(|s| s.asset == aid)
                    .map(|s| s.name.as_str())
                    .collect();
                let hint = did_you_mean(step, names.iter().copied())
                    .unwrap_or_else(|| format!("`{asset}` has steps: {}", names.join(", ")));
                self.err(
                    Diagnostic::error(
                        "E0404",
                        r.span,
                        format!("`{asset}` has no attack step `{step}`"),
                    )
                    .with_hint(hint),
                );
                None
            }
        }
    }

    fn neighbour_index(&self) -> Neighbours {
        let mut nb = Neighbours::new(self.assets.len());
        let fixed = Via::Fixed;
        for (i, a) in self.assets.iter().enumerate() {
            let me = AssetId(i as u32);
            if let Some(o) = a.org {
                nb.add(me, Selector::Org, o, fixed);
                nb.add(o, Selector::Owned, me, fixed);
            }
            if let Some(z) = a.zone {
                nb.add(me, Selector::Zone, z, fixed);
                nb.add(z, Selector::Member, me, fixed);
            }
            for d in &a.stores {
                nb.add(me, Selector::Stored, *d, fixed);
                nb.add(*d, Selector::Storer, me, fixed);
            }
        }
        for (i, h) in self.hosting.iter().enumerate() {
            let via = Via::Hosting(HostingId(i as u32));
            nb.add(h.asset, Selector::Host, h.on, via);
            nb.add(h.on, Selector::Hosted, h.asset, via);
        }
        for (i, f) in self.flows.iter().enumerate() {
            let via = Via::Flow(FlowId(i as u32));
            nb.add(f.to, Selector::FlowIn, f.from, via);
            nb.add(f.from, Selector::FlowOut, f.to, via);
            for d in &f.carries {
                nb.add(*d, Selector::Carrier, f.from, via);
                nb.add(*d, Selector::Carrier, f.to, via);
            }
        }
        for (i, a) in self.access.iter().enumerate() {
            let via = Via::Access(AccessId(i as u32));
            nb.add(a.to, Selector::Accessor, a.who, via);
            nb.add(a.who, Selector::Access, a.to, via);
        }
        for (i, c) in self.custody.iter().enumerate() {
            let via = Via::Custody(CustodyId(i as u32));
            nb.add(c.item, Selector::Holder, c.holder, via);
            nb.add(c.holder, Selector::Held, c.item, via);
        }
        for (i, d) in self.dependencies.iter().enumerate() {
            let via = Via::Dependency(DependencyId(i as u32));
            for o in &d.on {
                nb.add(d.service, Selector::DependsOn, *o, via);
                nb.add(*o, Selector::Dependent, d.service, via);
            }
        }
        nb
    }

    /// An AND step on a cycle of AND steps can never fire: each waits for the others.
    fn and_cycles(&mut self) {
        let mut g = petgraph::graphmap::DiGraphMap::<u32, ()>::new();
        for (i, s) in self.steps.iter().enumerate() {
            if s.requires == Requires::All {
                g.add_node(i as u32);
                for p in &s.parents {
                    if self.steps[p.idx()].requires == Requires::All {
                        g.add_edge(p.0, i as u32, ());
                    }
                }
            }
        }
        for scc in petgraph::algo::tarjan_scc(&g) {
            let cyclic = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
            if !cyclic {
                continue;
            }
            let mut names: Vec<String> = scc
                .iter()
                .map(|i| {
                    let s = &self.steps[*i as usize];
                    format!("{}.{}", self.assets[s.asset.idx()].id, s.name)
                })
                .collect();
            names.sort();
            let first = scc.iter().min().copied().unwrap_or(0) as usize;
            self.err(
                Diagnostic::error("E0405", self.steps[first].span, format!("AND-preconditions form a cycle: {}", names.join(" -> ")))
                    .with_hint("each of these steps waits for all the others; make one of them `requires: any`"),
            );
        }
    }

    /// Steps named by `step` (a step name on the protected assets, or `asset.step`).
    fn effect_steps(&mut self, step: &Name, on: &[AssetId]) -> Vec<StepId> {
        if step.value.contains('.') {
            return self.step_ref(step).into_iter().collect();
        }
        let found: Vec<StepId> = on
            .iter()
            .filter_map(|a| self.find_step(*a, &step.value))
            .collect();
        if found.is_empty() {
            let names: HashSet<&str> = on
                .iter()
                .flat_map(|a| {
                    self.steps
                        .iter()
                        .filter(move |s| s.asset == *a)
                        .map(|s| s.name.as_str())
                })
                .collect();
            let hint = if on.is_empty() {
                Some("name the assets in `protects`/`on`, or write `asset.step`".to_string())
            } else {
                did_you_mean(&step.value, names.iter().copied())
            };
            self.err(
                Diagnostic::error(
                    "E0406",
                    step.span,
                    format!("no protected asset has a step `{}`", step.value),
                )
                .with_hint_opt(hint),
            );
        }
        found
    }

    // ---------------------------------------------------------------- the rest

    fn controls(&mut self, docs: &[ControlDoc]) {
        let mut seen = HashMap::new();
        for c in docs {
            if !self.unique(&mut seen, &c.id, "control") {
                continue;
            }
            let protects: Vec<AssetId> = c
                .protects
                .iter()
                .filter_map(|a| self.asset_ref(a, Want::Any))
                .collect();
            let mut effects = Vec::new();
            if c.effects.is_empty() && c.changes.is_empty() {
                self.err(
                    Diagnostic::error(
                        "E0310",
                        c.id.span,
                        format!("control `{}` has no effects and no changes", c.id.value),
                    )
                    .with_hint(
                        "give `effects` on attack steps, `changes` to the ecosystem, or both",
                    ),
                );
            }
            let changes = c
                .changes
                .iter()
                .filter_map(|ch| self.change(ch, &c.id))
                .collect();
            for e in &c.effects {
                let efficacy = self.probability(e.efficacy.unwrap_or(0.0), e.step.span, "efficacy");
                let slowdown = e.slowdown.unwrap_or(1.0);
                if !(slowdown.is_finite() && slowdown >= 1.0) {
                    self.err(
                        Diagnostic::error(
                            "E0311",
                            e.step.span,
                            format!("slowdown must be a factor of at least 1, not {slowdown}"),
                        )
                        .with_hint("a control that makes a step 3 times slower has `slowdown: 3`"),
                    );
                }
                if e.efficacy.is_none() && e.slowdown.is_none() {
                    self.err(Diagnostic::error(
                        "E0312",
                        e.step.span,
                        "an effect needs `efficacy`, `slowdown` or both",
                    ));
                }
                for step in self.effect_steps(&e.step, &protects) {
                    effects.push(Effect {
                        step,
                        efficacy,
                        slowdown,
                    });
                }
            }
            let cost = self.non_negative(c.cost_eur.unwrap_or(0.0), c.id.span, "cost_eur");
            let upkeep = self.non_negative(
                c.upkeep_eur_per_year.unwrap_or(0.0),
                c.id.span,
                "upkeep_eur_per_year",
            );
            self.controls.push(Control {
                id: c.id.value.clone(),
                name: c.name.clone().unwrap_or_else(|| c.id.value.clone()),
                kind: c.kind.clone(),
                protects,
                effects,
                changes,
                cost_eur: cost,
                upkeep_eur_per_year: upkeep,
                enabled: c.enabled,
                group: c.group.clone(),
                span: c.id.span,
            });
        }
    }

    /// Resolves one control change against the relations' ids.
    fn change(&mut self, ch: &ChangeDoc, control: &Name) -> Option<Change> {
        let sets_flow = ch.authentication.is_some()
            || ch.encryption.is_some()
            || ch.input_validation.is_some()
            || ch.carries.is_some();
        match (&ch.flow, &ch.remove) {
            (Some(f), None) => {
                let Some(RelationRef::Flow(flow)) = self.relation_ref(f) else {
                    if self.relation_ref(f).is_some() {
                        self.err(Diagnostic::error(
                            "E0314",
                            f.span,
                            format!("`{}` is not a flow", f.value),
                        ));
                    }
                    return None;
                };
                if !sets_flow {
                    self.err(
                        Diagnostic::error(
                            "E0315",
                            f.span,
                            format!("the change to flow `{}` changes nothing", f.value),
                        )
                        .with_hint(
                            "give `authentication`, `encryption`, `input_validation` or `carries`",
                        ),
                    );
                }
                let carries = ch.carries.as_ref().map(|c| {
                    c.iter()
                        .filter_map(|d| self.asset_ref(d, Want::Layer(Layer::Data)))
                        .collect()
                });
                Some(Change::Flow {
                    flow,
                    authentication: ch.authentication,
                    encryption: ch.encryption,
                    input_validation: ch.input_validation,
                    carries,
                })
            }
            (None, Some(r)) if !sets_flow => self.relation_ref(r).map(Change::Remove),
            _ => {
                self.err(
                    Diagnostic::error(
                        "E0313",
                        control.span,
                        format!(
                            "a change of control `{}` needs either `flow` (with new attributes) or `remove`",
                            control.value
                        ),
                    )
                    .with_hint("e.g. `{flow: f-login, authentication: mfa}` or `{remove: acc-admin-db}`"),
                );
                None
            }
        }
    }

    /// Resolves the id of a flow, hosting, access, custody or dependency entry.
    fn relation_ref(&mut self, name: &Name) -> Option<RelationRef> {
        let id = Some(name.value.as_str());
        let found = (self.flows.iter().position(|f| f.id.as_deref() == id))
            .map(|i| RelationRef::Flow(FlowId(i as u32)))
            .or_else(|| {
                (self.access.iter().position(|a| a.id.as_deref() == id))
                    .map(|i| RelationRef::Access(AccessId(i as u32)))
            })
            .or_else(|| {
                (self.custody.iter().position(|c| c.id.as_deref() == id))
                    .map(|i| RelationRef::Custody(CustodyId(i as u32)))
            })
            .or_else(|| {
                (self.hosting.iter().position(|h| h.id.as_deref() == id))
                    .map(|i| RelationRef::Hosting(HostingId(i as u32)))
            })
            .or_else(|| {
                (self.dependencies.iter().position(|d| d.id.as_deref() == id))
                    .map(|i| RelationRef::Dependency(DependencyId(i as u32)))
            });
        if found.is_none() && !self.broken.contains(&name.value) {
            let ids = self
                .flows
                .iter()
                .filter_map(|f| f.id.as_deref())
                .chain(self.access.iter().filter_map(|a| a.id.as_deref()))
                .chain(self.custody.iter().filter_map(|c| c.id.as_deref()))
                .chain(self.hosting.iter().filter_map(|h| h.id.as_deref()))
                .chain(self.dependencies.iter().filter_map(|d| d.id.as_deref()));
            let hint = did_you_mean(&name.value, ids).unwrap_or_else(|| {
                "only flows, hosting, access, custody and dependency entries with an `id` can be named here".into()
            });
            self.err(
                Diagnostic::error(
                    "E0214",
                    name.span,
                    format!("unknown relation `{}`", name.value),
                )
                .with_hint(hint),
            );
        }
        found
    }

    fn actors(&mut self, docs: &[ActorDoc]) {
        let mut seen = HashMap::new();
        for a in docs {
            if !self.unique(&mut seen, &a.id, "actor") {
                continue;
            }
            if a.entry.is_empty() {
                self.err(Diagnostic::error(
                    "E0320",
                    a.id.span,
                    format!("actor `{}` has no entry steps", a.id.value),
                ));
            }
            let entry: Vec<StepId> = a.entry.iter().filter_map(|e| self.step_ref(e)).collect();
            if let Some(f) = a.frequency_per_year {
                if !(f.is_finite() && f > 0.0) {
                    self.err(Diagnostic::error(
                        "E0321",
                        a.id.span,
                        format!("frequency_per_year must be positive, not {f}"),
                    ));
                }
            }
            self.actor_by_id
                .insert(a.id.value.clone(), ActorId(self.actors.len() as u32));
            self.actors.push(Actor {
                id: a.id.value.clone(),
                name: a.name.clone().unwrap_or_else(|| a.id.value.clone()),
                description: a.description.clone().unwrap_or_default(),
                entry,
                capabilities: if a.capabilities.is_empty() {
                    Layer::ALL.to_vec()
                } else {
                    a.capabilities.clone()
                },
                frequency_per_year: a.frequency_per_year,
                span: a.id.span,
            });
        }
    }

    fn actor_ref(&mut self, n: &Name) -> Option<ActorId> {
        let found = self.actor_by_id.get(&n.value).copied();
        if found.is_none() && !self.broken.contains(&n.value) {
            let hint = did_you_mean(&n.value, self.actor_by_id.keys().map(String::as_str));
            self.err(
                Diagnostic::error("E0213", n.span, format!("unknown actor `{}`", n.value))
                    .with_hint_opt(hint),
            );
        }
        found
    }

    fn goals(&mut self, docs: &[GoalDoc]) {
        let mut seen = HashMap::new();
        for g in docs {
            if !self.unique(&mut seen, &g.id, "goal") {
                continue;
            }
            if g.targets.is_empty() {
                self.err(Diagnostic::error(
                    "E0330",
                    g.id.span,
                    format!("goal `{}` has no targets", g.id.value),
                ));
            }
            let targets = g.targets.iter().filter_map(|t| self.step_ref(t)).collect();
            let actors = g.actors.iter().filter_map(|a| self.actor_ref(a)).collect();
            self.goals.push(Goal {
                id: g.id.value.clone(),
                name: g.name.clone().unwrap_or_else(|| g.id.value.clone()),
                threat: g.threat.clone(),
                targets,
                actors,
                span: g.id.span,
            });
        }
    }

    fn impacts(&mut self, docs: &[ImpactDoc]) {
        let mut seen = HashMap::new();
        for i in docs {
            if !self.unique(&mut seen, &i.id, "impact") {
                continue;
            }
            let trigger = match (&i.on_step, &i.on_outage) {
                (Some(s), None) => self.step_ref(s).map(ImpactTrigger::Step),
                (None, Some(a)) => self.asset_ref(a, Want::Any).map(ImpactTrigger::Outage),
                _ => {
                    self.err(Diagnostic::error(
                        "E0340",
                        i.id.span,
                        format!(
                            "impact `{}` needs exactly one of `on_step` and `on_outage`",
                            i.id.value
                        ),
                    ));
                    None
                }
            };
            // Records default to those of the data asset whose step triggers the impact.
            let records = i.records.or_else(|| match trigger {
                Some(ImpactTrigger::Step(st)) => {
                    self.assets[self.steps[st.idx()].asset.idx()].records
                }
                _ => None,
            });
            if i.loss_eur.is_none() && i.cost_eur_per_hour.is_none() && records.is_none() {
                self.err(
                    Diagnostic::error(
                        "E0341",
                        i.id.span,
                        format!("impact `{}` has no loss", i.id.value),
                    )
                    .with_hint("give `loss_eur`, `cost_eur_per_hour` or `records`"),
                );
            }
            let loss = i
                .loss_eur
                .as_ref()
                .map(|d| self.dist(d, i.id.span, "loss_eur"));
            let per_hour = i
                .cost_eur_per_hour
                .map(|c| self.non_negative(c, i.id.span, "cost_eur_per_hour"));
            if let Some(trigger) = trigger {
                self.impacts.push(Impact {
                    id: i.id.value.clone(),
                    kind: i.kind,
                    trigger,
                    loss_eur: loss,
                    cost_eur_per_hour: per_hour,
                    records,
                    span: i.id.span,
                });
            }
        }
    }

    fn monitors(&mut self, docs: &[MonitorDoc]) {
        let mut seen = HashMap::new();
        for m in docs {
            if !self.unique(&mut seen, &m.id, "monitor") {
                continue;
            }
            let on: Vec<AssetId> =
                m.on.iter()
                    .filter_map(|a| self.asset_ref(a, Want::Any))
                    .collect();
            let mut observes = Vec::new();
            for o in &m.observes {
                observes.extend(self.effect_steps(o, &on));
            }
            observes.sort();
            observes.dedup();
            let p = self.probability(m.p_detect, m.id.span, "p_detect");
            let delay = m
                .delay_hours
                .as_ref()
                .map_or(Distribution::Constant(0.0), |d| {
                    self.dist(d, m.id.span, "delay_hours")
                });
            let response = m
                .response_hours
                .as_ref()
                .map_or(Distribution::Constant(0.0), |d| {
                    self.dist(d, m.id.span, "response_hours")
                });
            let cost = self.non_negative(
                m.cost_eur_per_year.unwrap_or(0.0),
                m.id.span,
                "cost_eur_per_year",
            );
            self.monitors.push(Monitor {
                id: m.id.value.clone(),
                name: m.name.clone().unwrap_or_else(|| m.id.value.clone()),
                kind: m.kind.clone(),
                observes,
                p_detect: p,
                delay_hours: delay,
                response_hours: response,
                cost_eur_per_year: cost,
                enabled: !m.disabled,
                span: m.id.span,
            });
        }
    }

    fn properties(&mut self, docs: &[PropertyDoc]) {
        let mut seen = HashMap::new();
        for p in docs {
            if !self.unique(&mut seen, &p.id, "property") {
                continue;
            }
            let need = |b: &mut Builder, present: bool, field: &str| {
                if !present {
                    b.err(
                        Diagnostic::error(
                            "E0350",
                            p.id.span,
                            format!("a {} property needs `{field}`", p.kind.as_str()),
                        )
                        .with_hint("`ensure schema` describes every property field"),
                    );
                }
            };
            match p.kind {
                PropertyKind::Boundary => {}
                PropertyKind::Confinement => {
                    need(self, p.data.is_some(), "data");
                    need(self, p.min_trust.is_some(), "min_trust");
                }
                PropertyKind::Reachability => {}
                PropertyKind::Resilience => {
                    need(self, p.service.is_some(), "service");
                    need(self, p.k.is_some(), "k");
                }
                PropertyKind::Separation => need(self, p.assets.len() == 2, "assets (exactly two)"),
                PropertyKind::BlastRadius => {
                    need(self, p.targets.len() == 1, "targets (the one identity)");
                    need(self, p.max_assets.is_some(), "max_assets");
                }
                PropertyKind::Custom => need(self, p.assert.is_some(), "assert"),
            }
            let data = p
                .data
                .as_ref()
                .and_then(|d| self.asset_ref(d, Want::Layer(Layer::Data)));
            let actor = p.actor.as_ref().and_then(|a| self.actor_ref(a));
            let targets = p
                .targets
                .iter()
                .filter_map(|t| self.asset_ref(t, Want::Any))
                .collect();
            let service = p
                .service
                .as_ref()
                .and_then(|s| self.asset_ref(s, Want::Any));
            let assets = p
                .assets
                .iter()
                .filter_map(|a| self.asset_ref(a, Want::Any))
                .collect();
            self.properties.push(Property {
                id: p.id.value.clone(),
                statement: p.statement.clone().unwrap_or_default(),
                kind: p.kind,
                min_trust_gap: p.min_trust_gap.unwrap_or(1),
                require_authentication: p.require_authentication.clone(),
                require_encryption: p.require_encryption.clone(),
                data,
                min_trust: p.min_trust,
                actor,
                targets,
                min_controls: p.min_controls.unwrap_or(1),
                control_kinds: p.control_kinds.clone(),
                service,
                k: p.k.unwrap_or(1),
                assets,
                max_assets: p.max_assets,
                all_configurations: p.all_configurations,
                assert: p.assert.as_ref().map(|a| (a.value.clone(), a.span)),
                span: p.id.span,
            });
        }
    }

    /// Warns about goals that no actor can reach even with every step succeeding: usually a
    /// missing relation or entry point rather than a secure design.
    fn reachability_warnings(&mut self) {
        let entries: Vec<StepId> = self
            .actors
            .iter()
            .flat_map(|a| a.entry.iter().copied())
            .collect();
        let reached = structurally_reachable(&self.steps, &entries);
        for g in &self.goals {
            if !g.targets.iter().any(|t| reached[t.idx()]) {
                self.diags.push(
                    Diagnostic::warning(
                        "W0001",
                        g.span,
                        format!(
                            "no actor can reach goal `{}` through the attack graph",
                            g.id
                        ),
                    )
                    .with_hint(
                        "check the actors' entry steps and the relations leading to the targets",
                    ),
                );
            }
        }
    }
}

/// Which steps can be reached from `entries` if every step succeeds (AND needs all parents).
pub fn structurally_reachable(steps: &[AttackStep], entries: &[StepId]) -> Vec<bool> {
    let mut children = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for p in &s.parents {
            children[p.idx()].push(i);
        }
    }
    let mut missing: Vec<usize> = steps
        .iter()
        .map(|s| match s.requires {
            Requires::Any => 1,
            Requires::All => s.parents.len().max(1),
        })
        .collect();
    let mut reached = vec![false; steps.len()];
    let mut queue: Vec<usize> = Vec::new();
    for e in entries {
        if !reached[e.idx()] {
            reached[e.idx()] = true;
            queue.push(e.idx());
        }
    }
    while let Some(i) = queue.pop() {
        for &c in &children[i] {
            if reached[c] {
                continue;
            }
            missing[c] -= 1;
            if missing[c] == 0 {
                reached[c] = true;
                queue.push(c);
            }
        }
    }
    reached
}

/// Each asset's neighbours, tagged with the selector that reaches them and the relation
/// behind it.
struct Neighbours {
    of: Vec<Vec<(Selector, AssetId, Via)>>,
}

impl Neighbours {
    fn new(n_assets: usize) -> Self {
        Neighbours {
            of: vec![Vec::new(); n_assets],
        }
    }

    fn add(&mut self, a: AssetId, sel: Selector, b: AssetId, via: Via) {
        self.of[a.idx()].push((sel, b, via));
    }

    fn of(&self, a: AssetId, sel: Selector) -> impl Iterator<Item = (AssetId, Via)> + '_ {
        let own = (sel == Selector::SelfAsset).then_some((a, Via::Fixed));
        own.into_iter().chain(
            self.of[a.idx()]
                .iter()
                .filter(move |(s, _, _)| *s == sel)
                .map(|(_, b, v)| (*b, *v)),
        )
    }
}

/// How long an outage lasts when the model does not say: one day (an assumption, stated in
/// the catalog reference).
pub const DEFAULT_OUTAGE_HOURS: Distribution = Distribution::Constant(24.0);

fn join<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

use crate::located::Located;
