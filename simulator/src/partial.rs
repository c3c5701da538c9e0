//! Partial results: the integer tally of a slice of trials with everything needed to merge
//! it with the other slices and to finalise it without the model (`ensure merge`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compile::Compiled;
use crate::tally::{
    org_assets, ActorTally, AssetTally, GoalTally, ImpactTally, LogHist, OrgTally, Tally,
    ValueTally,
};

/// Format tag of partial-result files.
pub const PARTIAL_FORMAT: &str = "ensure-simulation-partial/1";

/// What a run was: merging needs these to agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub model: String,
    /// Fingerprint of the compiled model and configuration (hex).
    pub model_hash: String,
    pub seed: u64,
    /// Trials of the whole run (all shards together).
    pub trials: u64,
    pub chunk_trials: u64,
    pub horizon_hours: f64,
    /// Controls that are on.
    pub configuration: Vec<String>,
}

/// Names the finalised results need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    pub goals: Vec<GoalLabel>,
    pub impacts: Vec<ImpactLabel>,
    pub actors: Vec<String>,
    /// Organisations; the last entry stands for assets without one.
    pub orgs: Vec<String>,
    pub n_assets: u32,
    /// Assets that appear in the tally.
    pub assets: Vec<AssetLabel>,
    /// Steps that appear in attack paths.
    pub steps: Vec<StepLabel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalLabel {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactLabel {
    pub id: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetLabel {
    pub idx: u32,
    pub id: String,
    pub org: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepLabel {
    pub idx: u32,
    pub label: String,
}

/// The tally of some chunks of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub header: Header,
    /// Chunks covered, as sorted, disjoint half-open ranges of chunk indices.
    pub chunks: Vec<[u64; 2]>,
    pub labels: Labels,
    pub tally: Tally,
}

/// Why partial results do not fit together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    #[error("no partial results to merge")]
    Empty,
    #[error("not a partial result of `ensure simulate --shard` (format `{0}`)")]
    Format(String),
    #[error("partial results of different runs: {what} differs (`{a}` and `{b}`)")]
    Mismatch {
        what: &'static str,
        a: String,
        b: String,
    },
    #[error("chunks {0}..{1} are in more than one partial result")]
    Overlap(u64, u64),
    #[error("incomplete: chunks {missing} (trials {trials}) are missing; run the shards that cover them")]
    Incomplete { missing: String, trials: String },
}

impl Partial {
    /// The partial result of `tally`, which covers `chunks` of a run of `trials` trials.
    pub fn new(
        c: &Compiled<'_>,
        seed: u64,
        trials: u64,
        chunk_trials: u64,
        chunks: Vec<[u64; 2]>,
        tally: Tally,
    ) -> Partial {
        let m = c.model;
        let header = Header {
            model: m.name.clone(),
            model_hash: format!("{:016x}", c.fingerprint()),
            seed,
            trials,
            chunk_trials,
            horizon_hours: m.horizon_hours,
            configuration: c.configuration.on_ids(m),
        };
        let mut orgs: Vec<String> = org_assets(m)
            .into_iter()
            .map(|i| m.assets[i].id.clone())
            .collect();
        orgs.push("(no organisation)".into());
        let assets = tally
            .assets
            .iter()
            .enumerate()
            .filter(|(_, a)| **a != AssetTally::default())
            .map(|(i, _)| {
                let a = &m.assets[i];
                AssetLabel {
                    idx: i as u32,
                    id: a.id.clone(),
                    org: a.org.map(|o| m.asset(o).id.clone()),
                }
            })
            .collect();
        let mut step_idx: Vec<u32> = tally
            .goals
            .iter()
            .flat_map(|g| g.paths.keys().flatten().copied())
            .collect();
        step_idx.sort_unstable();
        step_idx.dedup();
        let labels = Labels {
            goals: m
                .goals
                .iter()
                .map(|g| GoalLabel {
                    id: g.id.clone(),
                    name: g.name.clone(),
                })
                .collect(),
            impacts: m
                .impacts
                .iter()
                .map(|i| ImpactLabel {
                    id: i.id.clone(),
                    kind: impact_kind(i.kind).into(),
                })
                .collect(),
            actors: m.actors.iter().map(|a| a.id.clone()).collect(),
            orgs,
            n_assets: m.assets.len() as u32,
            assets,
            steps: step_idx
                .into_iter()
                .map(|i| StepLabel {
                    idx: i,
                    label: m.step_label(ensure_model::StepId(i)),
                })
                .collect(),
        };
        Partial {
            header,
            chunks,
            labels,
            tally,
        }
    }

    pub fn n_chunks_total(&self) -> u64 {
        self.header.trials.div_ceil(self.header.chunk_trials.max(1))
    }

    /// Whether every chunk of the run is covered.
    pub fn is_complete(&self) -> bool {
        self.chunks == [[0, self.n_chunks_total()]]
            || (self.n_chunks_total() == 0 && self.chunks.is_empty())
    }

    /// Checks that the partial covers the whole run.
    pub fn check_complete(&self) -> Result<(), MergeError> {
        if self.is_complete() {
            return Ok(());
        }
        let total = self.n_chunks_total();
        let mut missing = Vec::new();
        let mut at = 0;
        for [a, b] in &self.chunks {
            if *a > at {
                missing.push([at, *a]);
            }
            at = *b;
        }
        if at < total {
            missing.push([at, total]);
        }
        let ct = self.header.chunk_trials;
        let trials = self.header.trials;
        Err(MergeError::Incomplete {
            missing: missing
                .iter()
                .map(|[a, b]| format!("{a}..{b}"))
                .collect::<Vec<_>>()
                .join(", "),
            trials: missing
                .iter()
                .map(|[a, b]| format!("{}..{}", a * ct, (b * ct).min(trials)))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Merges partial results of one run (same model, configuration, seed and trials) whose
/// chunks are disjoint. The result does not have to be complete.
pub fn merge(parts: &[Partial]) -> Result<Partial, MergeError> {
    let first = parts.first().ok_or(MergeError::Empty)?;
    let mut out = first.clone();
    for p in &parts[1..] {
        let h = (&out.header, &p.header);
        let mismatch =
            |what: &'static str, a: String, b: String| Err(MergeError::Mismatch { what, a, b });
        if h.0.model_hash != h.1.model_hash {
            return mismatch("model hash", h.0.model_hash.clone(), h.1.model_hash.clone());
        }
        if h.0.seed != h.1.seed {
            return mismatch("seed", h.0.seed.to_string(), h.1.seed.to_string());
        }
        if h.0.trials != h.1.trials {
            return mismatch("trials", h.0.trials.to_string(), h.1.trials.to_string());
        }
        if h.0.chunk_trials != h.1.chunk_trials {
            return mismatch(
                "chunk size",
                h.0.chunk_trials.to_string(),
                h.1.chunk_trials.to_string(),
            );
        }
        if h.0 != h.1 {
            return mismatch("header", format!("{:?}", h.0), format!("{:?}", h.1));
        }
        if p.labels.goals != out.labels.goals
            || p.labels.impacts != out.labels.impacts
            || p.labels.actors != out.labels.actors
            || p.labels.orgs != out.labels.orgs
            || p.labels.n_assets != out.labels.n_assets
        {
            return mismatch("labels", "…".into(), "…".into());
        }
        let mut ranges = out.chunks.clone();
        ranges.extend(p.chunks.iter().copied());
        ranges.sort();
        let mut merged: Vec<[u64; 2]> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r[0] < last[1] => {
                    return Err(MergeError::Overlap(r[0], last[1].min(r[1])))
                }
                Some(last) if r[0] == last[1] => last[1] = r[1],
                _ => merged.push(r),
            }
        }
        out.chunks = merged;
        let mut assets: BTreeMap<u32, AssetLabel> =
            out.labels.assets.drain(..).map(|a| (a.idx, a)).collect();
        for a in &p.labels.assets {
            assets.entry(a.idx).or_insert_with(|| a.clone());
        }
        out.labels.assets = assets.into_values().collect();
        let mut steps: BTreeMap<u32, StepLabel> =
            out.labels.steps.drain(..).map(|s| (s.idx, s)).collect();
        for s in &p.labels.steps {
            steps.entry(s.idx).or_insert_with(|| s.clone());
        }
        out.labels.steps = steps.into_values().collect();
        out.tally.merge(&p.tally);
    }
    Ok(out)
}

pub(crate) fn impact_kind(k: ensure_model::ImpactKind) -> &'static str {
    use ensure_model::ImpactKind::*;
    match k {
        RecordsExposed => "records-exposed",
        GoodsStolen => "goods-stolen",
        Fraud => "fraud",
        Downtime => "downtime",
        OrdersLost => "orders-lost",
        Ransom => "ransom",
        Other => "other",
    }
}

// ------------------------------------------------------------------ file form

/// The JSON form of a partial result: the tally in integers (128-bit sums as decimal text),
/// histograms as `[bin, count]` pairs, assets sparse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialDoc {
    pub format: String,
    pub header: Header,
    pub chunks: Vec<[u64; 2]>,
    pub labels: Labels,
    pub tally: TallyDoc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TallyDoc {
    n_trials: u64,
    goals: Vec<GoalDoc>,
    loss: ValueDoc,
    records: ValueDoc,
    impacts: Vec<ImpactDoc>,
    actors: Vec<ActorDoc>,
    assets: Vec<AssetDoc>,
    orgs: Vec<OrgDoc>,
    assets_down: ValueDoc,
    assets_down_cascade: ValueDoc,
    outage_hours: ValueDoc,
    service_downtime: Vec<(u32, ValueDoc)>,
    /// Absent in partial files written before the timeline existed.
    #[serde(default)]
    service_timeline: Vec<(u32, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ValueDoc {
    n: u64,
    n_positive: u64,
    sum: String,
    sum_sq: String,
    zeros: u64,
    bins: Vec<(i32, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GoalDoc {
    n_reached: u64,
    ttc: ValueDoc,
    attack: ValueDoc,
    n_detected: u64,
    ttd: ValueDoc,
    n_detected_before: u64,
    paths: Vec<(Vec<u32>, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ImpactDoc {
    n_trials: u64,
    n_events: u64,
    loss: ValueDoc,
    records: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ActorDoc {
    n_campaigns: u64,
    n_detected: u64,
    ttd: ValueDoc,
    n_stopped: u64,
    steps_completed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AssetDoc {
    idx: u32,
    n_compromised: u64,
    n_down: u64,
    downtime: String,
    downtime_sq: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OrgDoc {
    n_any_compromised: u64,
    assets_compromised: String,
    n_any_down: u64,
    assets_down: String,
}

fn num(s: &str) -> Result<u128, MergeError> {
    s.parse()
        .map_err(|_| MergeError::Format(format!("bad integer `{s}`")))
}

impl ValueDoc {
    fn of(v: &ValueTally) -> ValueDoc {
        ValueDoc {
            n: v.n,
            n_positive: v.n_positive,
            sum: v.sum.to_string(),
            sum_sq: v.sum_sq.to_string(),
            zeros: v.hist.zeros,
            bins: v.hist.bins().collect(),
        }
    }
    fn tally(&self) -> Result<ValueTally, MergeError> {
        let mut hist = LogHist::default();
        hist.zeros = self.zeros;
        for (b, n) in &self.bins {
            // Finite positive doubles have binary exponents in -1074..=1023.
            if !(-1075 * 64..1024 * 64).contains(b) {
                return Err(MergeError::Format(format!(
                    "histogram bin {b} out of range"
                )));
            }
            hist.add_bin(*b, *n);
        }
        Ok(ValueTally {
            n: self.n,
            n_positive: self.n_positive,
            sum: num(&self.sum)?,
            sum_sq: num(&self.sum_sq)?,
            hist,
        })
    }
}

impl PartialDoc {
    pub fn of(p: &Partial) -> PartialDoc {
        let t = &p.tally;
        PartialDoc {
            format: PARTIAL_FORMAT.into(),
            header: p.header.clone(),
            chunks: p.chunks.clone(),
            labels: p.labels.clone(),
            tally: TallyDoc {
                n_trials: t.n_trials,
                goals: t
                    .goals
                    .iter()
                    .map(|g| GoalDoc {
                        n_reached: g.n_reached,
                        ttc: ValueDoc::of(&g.ttc),
                        attack: ValueDoc::of(&g.attack),
                        n_detected: g.n_detected,
                        ttd: ValueDoc::of(&g.ttd),
                        n_detected_before: g.n_detected_before,
                        paths: g.paths.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                    })
                    .collect(),
                loss: ValueDoc::of(&t.loss),
                records: ValueDoc::of(&t.records),
                impacts: t
                    .impacts
                    .iter()
                    .map(|i| ImpactDoc {
                        n_trials: i.n_trials,
                        n_events: i.n_events,
                        loss: ValueDoc::of(&i.loss),
                        records: i.records.to_string(),
                    })
                    .collect(),
                actors: t
                    .actors
                    .iter()
                    .map(|a| ActorDoc {
                        n_campaigns: a.n_campaigns,
                        n_detected: a.n_detected,
                        ttd: ValueDoc::of(&a.ttd),
                        n_stopped: a.n_stopped,
                        steps_completed: a.steps_completed.to_string(),
                    })
                    .collect(),
                assets: t
                    .assets
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| **a != AssetTally::default())
                    .map(|(i, a)| AssetDoc {
                        idx: i as u32,
                        n_compromised: a.n_compromised,
                        n_down: a.n_down,
                        downtime: a.downtime.to_string(),
                        downtime_sq: a.downtime_sq.to_string(),
                    })
                    .collect(),
                orgs: t
                    .orgs
                    .iter()
                    .map(|o| OrgDoc {
                        n_any_compromised: o.n_any_compromised,
                        assets_compromised: o.assets_compromised.to_string(),
                        n_any_down: o.n_any_down,
                        assets_down: o.assets_down.to_string(),
                    })
                    .collect(),
                assets_down: ValueDoc::of(&t.assets_down),
                assets_down_cascade: ValueDoc::of(&t.assets_down_cascade),
                outage_hours: ValueDoc::of(&t.outage_hours),
                service_downtime: t
                    .service_downtime
                    .iter()
                    .map(|(a, v)| (*a, ValueDoc::of(v)))
                    .collect(),
                service_timeline: t
                    .service_timeline
                    .iter()
                    .map(|(a, v)| (*a, v.iter().map(|x| x.to_string()).collect()))
                    .collect(),
            },
        }
    }

    /// Back to a partial result, checking what can be checked.
    pub fn into_partial(self) -> Result<Partial, MergeError> {
        if self.format != PARTIAL_FORMAT {
            return Err(MergeError::Format(self.format));
        }
        let d = self.tally;
        let n_assets = self.labels.n_assets as usize;
        let bad = |what: &str| MergeError::Format(format!("inconsistent {what}"));
        if d.goals.len() != self.labels.goals.len()
            || d.impacts.len() != self.labels.impacts.len()
            || d.actors.len() != self.labels.actors.len()
            || d.orgs.len() != self.labels.orgs.len()
        {
            return Err(bad("labels"));
        }
        let mut assets = vec![AssetTally::default(); n_assets];
        for a in &d.assets {
            let slot = assets
                .get_mut(a.idx as usize)
                .ok_or_else(|| bad("asset index"))?;
            *slot = AssetTally {
                n_compromised: a.n_compromised,
                n_down: a.n_down,
                downtime: num(&a.downtime)?,
                downtime_sq: num(&a.downtime_sq)?,
            };
        }
        let tally = Tally {
            n_trials: d.n_trials,
            goals: d
                .goals
                .iter()
                .map(|g| {
                    Ok(GoalTally {
                        n_reached: g.n_reached,
                        ttc: g.ttc.tally()?,
                        attack: g.attack.tally()?,
                        n_detected: g.n_detected,
                        ttd: g.ttd.tally()?,
                        n_detected_before: g.n_detected_before,
                        paths: g.paths.iter().cloned().collect(),
                    })
                })
                .collect::<Result<_, MergeError>>()?,
            loss: d.loss.tally()?,
            records: d.records.tally()?,
            impacts: d
                .impacts
                .iter()
                .map(|i| {
                    Ok(ImpactTally {
                        n_trials: i.n_trials,
                        n_events: i.n_events,
                        loss: i.loss.tally()?,
                        records: num(&i.records)?,
                    })
                })
                .collect::<Result<_, MergeError>>()?,
            actors: d
                .actors
                .iter()
                .map(|a| {
                    Ok(ActorTally {
                        n_campaigns: a.n_campaigns,
                        n_detected: a.n_detected,
                        ttd: a.ttd.tally()?,
                        n_stopped: a.n_stopped,
                        steps_completed: num(&a.steps_completed)?,
                    })
                })
                .collect::<Result<_, MergeError>>()?,
            assets,
            orgs: d
                .orgs
                .iter()
                .map(|o| {
                    Ok(OrgTally {
                        n_any_compromised: o.n_any_compromised,
                        assets_compromised: num(&o.assets_compromised)?,
                        n_any_down: o.n_any_down,
                        assets_down: num(&o.assets_down)?,
                    })
                })
                .collect::<Result<_, MergeError>>()?,
            assets_down: d.assets_down.tally()?,
            assets_down_cascade: d.assets_down_cascade.tally()?,
            outage_hours: d.outage_hours.tally()?,
            service_downtime: d
                .service_downtime
                .iter()
                .map(|(a, v)| Ok((*a, v.tally()?)))
                .collect::<Result<_, MergeError>>()?,
            service_timeline: d
                .service_timeline
                .iter()
                .map(|(a, v)| {
                    if v.len() != crate::tally::TIMELINE_BINS {
                        return Err(MergeError::Format(format!(
                            "a service timeline has {} slices, not {}",
                            v.len(),
                            crate::tally::TIMELINE_BINS
                        )));
                    }
                    Ok((*a, v.iter().map(|x| num(x)).collect::<Result<_, _>>()?))
                })
                .collect::<Result<_, MergeError>>()?,
        };
        Ok(Partial {
            header: self.header,
            chunks: self.chunks,
            labels: self.labels,
            tally,
        })
    }
}
