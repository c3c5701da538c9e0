//! The rule engine: rules compiled into a dispatch index, evaluated on one event at a time.
//!
//! Step, asset and flow names are interned; each rule's conditions (its *slots*: the single
//! match, or a sequence's `first` and `then`) are indexed by the most selective name they
//! require (the step, else the asset, else the flow, else they are checked on every event).
//! An event costs one hash lookup of its step (and of its asset or flow when some slot needs
//! them), then only the slots indexed under those names.
//!
//! **Time and order.** Events are evaluated in arrival order, on their own `time`. A sequence
//! fires on an event matching `then` when an event matching `first` with the same `by` key
//! arrived earlier, with `then.time - window <= first.time <= then.time`, both edges included;
//! one alert per `then` event, naming the latest such `first`. An event is checked as `then`
//! before it is remembered as `first`, so it never pairs with itself. Events may arrive out of
//! order: a `first` that arrives after its `then` matches nothing (it cannot be known yet), and
//! events older than the latest time seen less the allowed lateness are counted as *late*
//! (still evaluated; their sequence partners may have expired).

use std::collections::HashMap;
use std::io::{self, Write};

use ensure_rules::native::{is_key, Detection, Match, Rule, RuleSet};
use foldhash::fast::FixedState;
use serde::Serialize;

use crate::event::{self, Event, Str};
use crate::state::SeqStore;

/// Limits and policies of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Join keys remembered per sequence rule.
    pub max_keys_per_rule: usize,
    /// How far (hours) an event may lag the latest time seen without being counted late.
    pub lateness_hours: f64,
    /// Malformed lines quoted in the summary.
    pub max_examples: usize,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_keys_per_rule: 100_000,
            lateness_hours: 0.0,
            max_examples: 5,
        }
    }
}

/// A line that was not an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MalformedLine {
    /// 1-based, counted over the whole input.
    pub line: u64,
    pub error: String,
    /// The start of the line.
    pub text: String,
}

/// How many alerts a rule raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCount {
    pub id: String,
    pub name: String,
    pub alerts: u64,
}

/// What the engine saw and did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counters {
    pub lines: u64,
    pub events: u64,
    pub blank_lines: u64,
    pub malformed: u64,
    pub malformed_examples: Vec<MalformedLine>,
    pub late_events: u64,
    pub alerts: u64,
    pub rules: Vec<RuleCount>,
    /// Join keys remembered now, over all sequence rules.
    pub sequence_keys: u64,
    pub sequence_keys_expired: u64,
    /// Keys dropped by the cap while still in their window: possible missed sequences.
    pub sequence_keys_evicted: u64,
    /// Older `first` events replaced by newer ones in a full per-key ring (a loss only for
    /// `then` events that arrive out of order, older than the newest kept).
    pub sequence_firsts_replaced: u64,
}

/// A rule file the engine cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    #[error("rule `{rule}`: `by` key `{key}`: write asset, step, flow, source or fields.NAME")]
    BadKey { rule: String, key: String },
    #[error("rule `{rule}`: `within_hours` must be a non-negative number")]
    BadWindow { rule: String },
}

#[derive(Default)]
struct Symbols {
    map: HashMap<Box<str>, u32, FixedState>,
}

impl Symbols {
    fn intern(&mut self, s: &str) -> u32 {
        let n = self.map.len() as u32;
        *self.map.entry(s.into()).or_insert(n)
    }
    fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Debug)]
struct CMatch {
    steps: Option<Vec<u32>>,
    assets: Option<Vec<u32>>,
    flows: Option<Vec<u32>>,
    fields: Vec<(String, serde_json::Value)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Single,
    Then,
    First,
}

#[derive(Debug)]
struct Slot {
    rule: u32,
    role: Role,
    m: CMatch,
}

#[derive(Debug, Clone, PartialEq)]
enum KeyPart {
    Asset,
    Step,
    Flow,
    Source,
    Field(String),
}

enum Kind {
    Single,
    Sequence {
        window: f64,
        by: Vec<KeyPart>,
        store: SeqStore,
    },
}

struct CRule {
    id: String,
    name: String,
    kind: Kind,
    /// `"rule":...,"title":...` of the alert.
    head: String,
    /// `"techniques":...,"next_steps":...,...}` closing the alert.
    tail: String,
    alerts: u64,
}

/// Per-event values computed at most once, when a slot needs them.
struct Lazy {
    asset: Option<Option<u32>>,
    flow: Option<Option<u32>>,
    fields: Option<Vec<(String, serde_json::Value)>>,
}

/// The engine: compiled rules and their state.
pub struct Engine {
    config: EngineConfig,
    steps: Symbols,
    assets: Symbols,
    flows: Symbols,
    slots: Vec<Slot>,
    by_step: Vec<Vec<u32>>,
    by_asset: Vec<Vec<u32>>,
    by_flow: Vec<Vec<u32>>,
    any: Vec<u32>,
    rules: Vec<CRule>,
    watermark: f64,
    counters: Counters,
    candidates: Vec<u32>,
    key: Vec<u8>,
    alert: Vec<u8>,
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

impl Engine {
    pub fn new(set: &RuleSet, config: EngineConfig) -> Result<Engine, CompileError> {
        let mut e = Engine {
            config,
            steps: Symbols::default(),
            assets: Symbols::default(),
            flows: Symbols::default(),
            slots: Vec::new(),
            by_step: Vec::new(),
            by_asset: Vec::new(),
            by_flow: Vec::new(),
            any: Vec::new(),
            rules: Vec::new(),
            watermark: f64::NEG_INFINITY,
            counters: Counters {
                lines: 0,
                events: 0,
                blank_lines: 0,
                malformed: 0,
                malformed_examples: Vec::new(),
                late_events: 0,
                alerts: 0,
                rules: Vec::new(),
                sequence_keys: 0,
                sequence_keys_expired: 0,
                sequence_keys_evicted: 0,
                sequence_firsts_replaced: 0,
            },
            candidates: Vec::with_capacity(16),
            key: Vec::with_capacity(64),
            alert: Vec::with_capacity(1024),
        };
        for (ri, r) in set.rules.iter().enumerate() {
            e.add_rule(ri as u32, r)?;
        }
        let (ns, na, nf) = (e.steps.len(), e.assets.len(), e.flows.len());
        e.by_step.resize(ns, Vec::new());
        e.by_asset.resize(na, Vec::new());
        e.by_flow.resize(nf, Vec::new());
        for (si, s) in e.slots.iter().enumerate() {
            let si = si as u32;
            if let Some(steps) = &s.m.steps {
                for &x in steps {
                    e.by_step[x as usize].push(si);
                }
            } else if let Some(assets) = &s.m.assets {
                for &x in assets {
                    e.by_asset[x as usize].push(si);
                }
            } else if let Some(flows) = &s.m.flows {
                for &x in flows {
                    e.by_flow[x as usize].push(si);
                }
            } else {
                e.any.push(si);
            }
        }
        for list in e
            .by_step
            .iter_mut()
            .chain(e.by_asset.iter_mut())
            .chain(e.by_flow.iter_mut())
        {
            list.sort_unstable();
            list.dedup();
        }
        Ok(e)
    }

    fn compile_match(&mut self, m: &Match) -> CMatch {
        let list = |syms: &mut Symbols, xs: &[String]| {
            if xs.is_empty() {
                None
            } else {
                let mut v: Vec<u32> = xs.iter().map(|x| syms.intern(x)).collect();
                v.sort_unstable();
                v.dedup();
                Some(v)
            }
        };
        CMatch {
            steps: list(&mut self.steps, &m.step),
            assets: list(&mut self.assets, &m.asset),
            flows: list(&mut self.flows, &m.flow),
            fields: m
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn add_rule(&mut self, ri: u32, r: &Rule) -> Result<(), CompileError> {
        let (kind, kind_name) = match &r.detection {
            Detection::Single { matches } => {
                let m = self.compile_match(matches);
                self.slots.push(Slot {
                    rule: ri,
                    role: Role::Single,
                    m,
                });
                (Kind::Single, "single")
            }
            Detection::Sequence {
                first,
                then,
                within_hours,
                by,
            } => {
                if !(within_hours.is_finite() && *within_hours >= 0.0) {
                    return Err(CompileError::BadWindow { rule: r.id.clone() });
                }
                let mut parts = Vec::new();
                for k in by {
                    if !is_key(k) {
                        return Err(CompileError::BadKey {
                            rule: r.id.clone(),
                            key: k.clone(),
                        });
                    }
                    parts.push(match k.as_str() {
                        "asset" => KeyPart::Asset,
                        "step" => KeyPart::Step,
                        "flow" => KeyPart::Flow,
                        "source" => KeyPart::Source,
                        f => KeyPart::Field(f["fields.".len()..].to_string()),
                    });
                }
                // `then` before `first`: an event is checked as the end of a sequence before
                // it is remembered as the start of one.
                let t = self.compile_match(then);
                self.slots.push(Slot {
                    rule: ri,
                    role: Role::Then,
                    m: t,
                });
                let f = self.compile_match(first);
                self.slots.push(Slot {
                    rule: ri,
                    role: Role::First,
                    m: f,
                });
                (
                    Kind::Sequence {
                        window: *within_hours,
                        by: parts,
                        store: SeqStore::new(self.config.max_keys_per_rule),
                    },
                    "sequence",
                )
            }
        };
        let head = format!(
            ",\"rule\":{},\"name\":{},\"kind\":\"{kind_name}\",\"level\":\"{}\",\"title\":{}",
            json_string(&r.id),
            json_string(&r.name),
            r.level.as_str(),
            json_string(&r.title)
        );
        let goals: Vec<&str> = r
            .why
            .as_ref()
            .map(|w| w.goals.iter().map(|g| g.goal.as_str()).collect())
            .unwrap_or_default();
        let tail = format!(
            ",\"techniques\":{},\"next_steps\":{},\"assets_at_risk\":{},\"goals\":{}}}\n",
            json(&r.techniques),
            json(&r.next_steps),
            json(&r.assets_at_risk),
            json(&goals)
        );
        self.rules.push(CRule {
            id: r.id.clone(),
            name: r.name.clone(),
            kind,
            head,
            tail,
            alerts: 0,
        });
        Ok(())
    }

    /// Evaluates one line of input (without its line break), writing any alerts to `out`.
    pub fn process_line(&mut self, line: &[u8], out: &mut dyn Write) -> io::Result<()> {
        self.counters.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            self.counters.blank_lines += 1;
            return Ok(());
        }
        match event::parse(line) {
            Ok(ev) => self.process(&ev, out),
            Err(e) => {
                self.malformed(line, e.0);
                Ok(())
            }
        }
    }

    /// Counts a line that could not be read as an event (for sources that reject a line
    /// before parsing, such as one longer than their limit).
    pub fn malformed(&mut self, line: &[u8], error: String) {
        self.counters.malformed += 1;
        if self.counters.malformed_examples.len() < self.config.max_examples {
            self.counters.malformed_examples.push(MalformedLine {
                line: self.counters.lines,
                error,
                text: String::from_utf8_lossy(&line[..line.len().min(120)]).into_owned(),
            });
        }
    }

    /// Counts a line a source dropped whole (too long), after counting it as a line.
    pub fn dropped_line(&mut self, start: &[u8], error: String) {
        self.counters.lines += 1;
        self.malformed(start, error);
    }

    /// Evaluates one event.
    pub fn process(&mut self, ev: &Event<'_>, out: &mut dyn Write) -> io::Result<()> {
        if let Some(f) = ev.fields {
            if !f.get().starts_with('{') {
                self.malformed_event(ev, "`fields` must be an object".into());
                return Ok(());
            }
        }
        self.counters.events += 1;
        if ev.time < self.watermark - self.config.lateness_hours {
            self.counters.late_events += 1;
        } else if ev.time > self.watermark {
            self.watermark = ev.time;
        }
        self.candidates.clear();
        let step = self.steps.get(ev.step.as_str());
        let mut lazy = Lazy {
            asset: None,
            flow: None,
            fields: None,
        };
        let mut lists = 0;
        if let Some(s) = step {
            if !self.by_step[s as usize].is_empty() {
                self.candidates.extend_from_slice(&self.by_step[s as usize]);
                lists += 1;
            }
        }
        if !self.by_asset.is_empty() {
            if let Some(a) = self.asset_of(ev, &mut lazy) {
                if !self.by_asset[a as usize].is_empty() {
                    self.candidates
                        .extend_from_slice(&self.by_asset[a as usize]);
                    lists += 1;
                }
            }
        }
        if !self.by_flow.is_empty() && ev.flow.is_some() {
            if let Some(f) = self.flow_of(ev, &mut lazy) {
                if !self.by_flow[f as usize].is_empty() {
                    self.candidates.extend_from_slice(&self.by_flow[f as usize]);
                    lists += 1;
                }
            }
        }
        if !self.any.is_empty() {
            self.candidates.extend_from_slice(&self.any);
            lists += 1;
        }
        if lists == 0 {
            return Ok(());
        }
        if lists > 1 {
            self.candidates.sort_unstable();
            self.candidates.dedup();
        }
        for i in 0..self.candidates.len() {
            let si = self.candidates[i] as usize;
            if !self.matches(si, ev, step, &mut lazy) {
                continue;
            }
            let (rule, role) = (self.slots[si].rule as usize, self.slots[si].role);
            match role {
                Role::Single => self.fire(rule, ev, None, out)?,
                Role::Then => {
                    self.key_of(rule, ev, &mut lazy);
                    let Kind::Sequence { window, store, .. } = &mut self.rules[rule].kind else {
                        continue;
                    };
                    if let Some(first) = store.find(&self.key, ev.time, *window) {
                        let first = first.to_string();
                        self.fire(rule, ev, Some(&first), out)?;
                    }
                }
                Role::First => {
                    self.key_of(rule, ev, &mut lazy);
                    let desc = first_json(ev);
                    let stale = self.watermark - self.config.lateness_hours;
                    let Kind::Sequence { window, store, .. } = &mut self.rules[rule].kind else {
                        continue;
                    };
                    store.insert(&self.key, ev.time, desc.into(), stale - *window);
                }
            }
        }
        Ok(())
    }

    fn malformed_event(&mut self, ev: &Event<'_>, error: String) {
        let text = format!(
            "{{\"time\":{},\"asset\":{},\"step\":{},...}}",
            ev.time_raw,
            json_string(ev.asset.as_str()),
            json_string(ev.step.as_str())
        );
        self.malformed(text.as_bytes(), error);
    }

    fn asset_of(&self, ev: &Event<'_>, lazy: &mut Lazy) -> Option<u32> {
        *lazy
            .asset
            .get_or_insert_with(|| self.assets.get(ev.asset.as_str()))
    }

    fn flow_of(&self, ev: &Event<'_>, lazy: &mut Lazy) -> Option<u32> {
        *lazy
            .flow
            .get_or_insert_with(|| ev.flow.as_ref().and_then(|f| self.flows.get(f.as_str())))
    }

    fn matches(&self, si: usize, ev: &Event<'_>, step: Option<u32>, lazy: &mut Lazy) -> bool {
        let m = &self.slots[si].m;
        if let Some(steps) = &m.steps {
            if !step.is_some_and(|s| steps.contains(&s)) {
                return false;
            }
        }
        if let Some(assets) = &m.assets {
            if !self.asset_of(ev, lazy).is_some_and(|a| assets.contains(&a)) {
                return false;
            }
        }
        if let Some(flows) = &m.flows {
            if !self.flow_of(ev, lazy).is_some_and(|f| flows.contains(&f)) {
                return false;
            }
        }
        if !m.fields.is_empty() {
            let fields = lazy.fields.get_or_insert_with(|| flat_fields(ev));
            for (k, want) in &m.fields {
                let Some((_, got)) = fields.iter().find(|(name, _)| name == k) else {
                    return false;
                };
                if !same_value(want, got) {
                    return false;
                }
            }
        }
        true
    }

    /// The join key of `ev` for sequence rule `rule`, into `self.key`.
    fn key_of(&mut self, rule: usize, ev: &Event<'_>, lazy: &mut Lazy) {
        self.key.clear();
        let Kind::Sequence { by, .. } = &self.rules[rule].kind else {
            return;
        };
        for part in by {
            // 0xFF never occurs in UTF-8: it separates parts; 0xFE marks a missing value.
            // Borrowed where the event holds the text: this runs on every matching event.
            let value: Option<std::borrow::Cow<'_, str>> = match part {
                KeyPart::Asset => Some(ev.asset.as_str().into()),
                KeyPart::Step => Some(ev.step.as_str().into()),
                KeyPart::Flow => ev.flow.as_ref().map(|s| s.as_str().into()),
                KeyPart::Source => ev.source.as_ref().map(|s| s.as_str().into()),
                KeyPart::Field(name) => {
                    let fields = lazy.fields.get_or_insert_with(|| flat_fields(ev));
                    fields
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| match v {
                            serde_json::Value::String(s) => s.as_str().into(),
                            other => other.to_string().into(),
                        })
                }
            };
            match value {
                Some(v) => self.key.extend_from_slice(v.as_bytes()),
                None => self.key.push(0xFE),
            }
            self.key.push(0xFF);
        }
    }

    fn fire(
        &mut self,
        rule: usize,
        ev: &Event<'_>,
        first: Option<&str>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let r = &mut self.rules[rule];
        r.alerts += 1;
        self.counters.alerts += 1;
        let a = &mut self.alert;
        a.clear();
        a.extend_from_slice(b"{\"time\":");
        a.extend_from_slice(ev.time_raw.as_bytes());
        a.extend_from_slice(r.head.as_bytes());
        a.extend_from_slice(b",\"asset\":");
        push_str(a, &ev.asset);
        a.extend_from_slice(b",\"step\":");
        push_str(a, &ev.step);
        if let Some(id) = &ev.id {
            a.extend_from_slice(b",\"event\":");
            push_str(a, id);
        }
        if let Some(f) = first {
            a.extend_from_slice(b",\"first\":");
            a.extend_from_slice(f.as_bytes());
        }
        a.extend_from_slice(r.tail.as_bytes());
        out.write_all(a)
    }

    /// What the engine has seen so far.
    pub fn counters(&self) -> Counters {
        let mut c = self.counters.clone();
        c.rules = self
            .rules
            .iter()
            .map(|r| RuleCount {
                id: r.id.clone(),
                name: r.name.clone(),
                alerts: r.alerts,
            })
            .collect();
        for r in &self.rules {
            if let Kind::Sequence { store, .. } = &r.kind {
                c.sequence_keys += store.len() as u64;
                c.sequence_keys_expired += store.expired;
                c.sequence_keys_evicted += store.evicted;
                c.sequence_firsts_replaced += store.overflow;
            }
        }
        c
    }
}

fn push_str(a: &mut Vec<u8>, s: &Str<'_>) {
    if s.is_plain() {
        a.push(b'"');
        a.extend_from_slice(s.as_str().as_bytes());
        a.push(b'"');
    } else {
        a.extend_from_slice(json_string(s.as_str()).as_bytes());
    }
}

/// The `first` event as the alert describes it.
fn first_json(ev: &Event<'_>) -> String {
    let mut a = Vec::with_capacity(128);
    a.extend_from_slice(b"{\"time\":");
    a.extend_from_slice(ev.time_raw.as_bytes());
    a.extend_from_slice(b",\"asset\":");
    push_str(&mut a, &ev.asset);
    a.extend_from_slice(b",\"step\":");
    push_str(&mut a, &ev.step);
    if let Some(id) = &ev.id {
        a.extend_from_slice(b",\"event\":");
        push_str(&mut a, id);
    }
    a.push(b'}');
    String::from_utf8(a).unwrap_or_default()
}

/// The event's `fields`, nested objects flattened to dotted names (`{"user": {"name": x}}`
/// gives `user.name`); arrays and nulls are left out.
fn flat_fields(ev: &Event<'_>) -> Vec<(String, serde_json::Value)> {
    fn walk(prefix: &str, v: serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let name = if prefix.is_empty() {
                        k
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&name, v, out);
                }
            }
            serde_json::Value::Array(_) | serde_json::Value::Null => {}
            scalar => out.push((prefix.to_string(), scalar)),
        }
    }
    let mut out = Vec::new();
    if let Some(raw) = ev.fields {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.get()) {
            walk("", v, &mut out);
        }
    }
    out
}

fn same_value(want: &serde_json::Value, got: &serde_json::Value) -> bool {
    match (want, got) {
        (serde_json::Value::Number(a), serde_json::Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}
