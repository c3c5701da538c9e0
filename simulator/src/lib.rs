//! Monte Carlo simulation of cyber, physical and cascading attacks over an `ensure` model.
//!
//! The simulator implements the quantitative semantics of the book's semantics chapter: in
//! each trial the threat actors start Poisson-many campaigns, each a Dijkstra over the AND/OR
//! attack graph with steps slowed or stopped by the controls in force; monitors raise alerts
//! whose responses stop campaigns; outages cascade along functional dependencies; impacts
//! turn into losses. [`run`] is a function of the model and a [`SimConfig`]: every random
//! number is a keyed hash of `(seed, trial, campaign, purpose, element id)` ([`rng`]), so the
//! results do not depend on the thread count, shards merge exactly ([`partial::merge`]), and
//! a baseline and a variant share their random numbers ([`compare`]).
//!
//! Layers, from the bottom: [`rng`] and [`sample`] (random numbers), [`mod@compile`] (the
//! model flattened for one configuration), [`trial`] and the cascade (one trial, their events
//! in a monotone priority queue), [`tally`]
//! (exact, mergeable statistics), [`partial`] and [`result`] (shardable and final results),
//! [`compare`] and [`sensitivity`] on top. The crate never prints; long runs report progress
//! through a callback.
//!
//! Tools that look at single trials (planning, rule derivation) use the trial level:
//! [`compile()`] a model under a [`Configuration`], make a [`TrialScratch`] per thread (with
//! [`TrialOptions::completions`] to keep every completed step and its enabling parent), call
//! [`simulate_trial`] for trial `t` of a seed, read the [`Trial`] (campaigns, completions,
//! alerts and stop times, goals reached with their paths, outages, impacts, loss), extract a
//! [`derivation`], and ask [`control_would_stop`] whether a control that is off would have
//! stopped a step in that very trial (the same draw a re-simulation with it on would use).
//! [`for_each_trial`] and [`fold_chunks`] run that in parallel.

mod cascade;
pub mod compare;
pub mod compile;
pub mod partial;
mod queue;
pub mod result;
pub mod rng;
pub mod sample;
pub mod sensitivity;
pub mod tally;
pub mod trial;

use std::ops::Range;

use ensure_model::Model;
use rayon::prelude::*;

pub use compile::{compile, Compiled, Configuration};
pub use partial::{merge, MergeError, Partial, PartialDoc};
pub use result::{finalize, render_text, SimResult};
pub use rng::{control_stop_draw, control_would_stop};
pub use tally::Tally;
pub use trial::{derivation, simulate_trial, Trial, TrialOptions, TrialScratch};

/// Trials per chunk. Chunk boundaries are fixed whatever the thread count or shard, so that
/// precision stops and shards are reproducible.
pub const CHUNK_TRIALS: u64 = 1024;

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("unknown control `{0}`")]
    UnknownControl(String),
    #[error("controls {controls:?} of group `{group}` are on together; at most one may be")]
    GroupConflict {
        group: String,
        controls: Vec<String>,
    },
    #[error("the configuration has {got} controls, the model {expected}")]
    ConfigurationSize { expected: usize, got: usize },
    #[error("actor `{actor}` would start {mean} campaigns per trial on average; at most 100,000 are simulated")]
    TooManyCampaigns { actor: String, mean: f64 },
    #[error("the attack graph has {0} steps; at most 2^31 can be simulated")]
    TooManySteps(usize),
    #[error("unknown goal `{0}`")]
    UnknownGoal(String),
    #[error("shard {index}/{count} is not a shard: write I/N with 1 <= I <= N")]
    BadShard { index: u32, count: u32 },
    #[error("--precision cannot be combined with --shard: where it stops depends on all trials")]
    PrecisionWithShard,
    #[error("the number of trials must be at least 1")]
    NoTrials,
    #[error("the precision must be a positive number, not {0}")]
    BadPrecision(f64),
    #[error("cannot start {0} threads")]
    Threads(String),
    #[error("{0}")]
    Merge(#[from] MergeError),
}

/// A slice of a run: chunks are split into `count` contiguous ranges; this is the
/// `index`-th (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The chunk range of this shard among `n_chunks`.
    pub fn chunks(&self, n_chunks: u64) -> Range<u64> {
        let (i, n) = (u64::from(self.index), u64::from(self.count));
        (i * n_chunks / n)..((i + 1) * n_chunks / n)
    }
}

/// A figure whose confidence interval a precision target bounds.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// The probability that the goal with this id is reached.
    GoalProbability(String),
    /// The mean loss per trial, in euros.
    MeanLoss,
}

impl Figure {
    /// Parses `goal:ID` or `mean-loss`.
    pub fn parse(s: &str) -> Option<Figure> {
        match s {
            "mean-loss" | "loss" => Some(Figure::MeanLoss),
            _ => s
                .strip_prefix("goal:")
                .map(|g| Figure::GoalProbability(g.to_string())),
        }
    }

    /// Checks that the figure names something in the model.
    pub fn check(&self, model: &Model) -> Result<(), SimError> {
        match self {
            Figure::GoalProbability(g) if !model.goals.iter().any(|x| &x.id == g) => {
                Err(SimError::UnknownGoal(g.clone()))
            }
            _ => Ok(()),
        }
    }

    /// The figure and the half-width of its 95 % interval.
    pub fn of(&self, r: &SimResult) -> (f64, f64) {
        match self {
            Figure::GoalProbability(g) => {
                r.goals
                    .iter()
                    .find(|x| &x.id == g)
                    .map_or((0.0, f64::INFINITY), |x| {
                        let p = &x.p_reached;
                        (p.p, (p.ci95[1] - p.ci95[0]) / 2.0)
                    })
            }
            Figure::MeanLoss => {
                let l = &r.loss_eur;
                (l.mean, (l.mean_ci95[1] - l.mean_ci95[0]) / 2.0)
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Figure::GoalProbability(g) => format!("P(goal {g})"),
            Figure::MeanLoss => "mean loss (EUR)".into(),
        }
    }
}

/// Run until the 95 % interval of `figure` is narrower than `half_width` on each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    pub figure: Figure,
    pub half_width: f64,
}

/// What to simulate and how.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Trials of the run (with `precision`: the most to run).
    pub trials: u64,
    pub seed: u64,
    /// Worker threads; 0 uses every core. Results do not depend on it.
    pub threads: usize,
    pub shard: Option<Shard>,
    pub precision: Option<Precision>,
    /// Which controls are on; `None`: the model's current configuration.
    pub configuration: Option<Configuration>,
    /// Record attack paths (derivations of goal hits).
    pub paths: bool,
}

impl SimConfig {
    pub fn new(trials: u64, seed: u64) -> SimConfig {
        SimConfig {
            trials,
            seed,
            threads: 0,
            shard: None,
            precision: None,
            configuration: None,
            paths: true,
        }
    }

    fn check(&self, model: &Model) -> Result<(), SimError> {
        if self.trials == 0 {
            return Err(SimError::NoTrials);
        }
        if let Some(s) = self.shard {
            if s.count == 0 || s.index >= s.count {
                return Err(SimError::BadShard {
                    index: s.index + 1,
                    count: s.count,
                });
            }
            if self.precision.is_some() {
                return Err(SimError::PrecisionWithShard);
            }
        }
        if let Some(p) = &self.precision {
            if !(p.half_width.is_finite() && p.half_width > 0.0) {
                return Err(SimError::BadPrecision(p.half_width));
            }
            p.figure.check(model)?;
        }
        Ok(())
    }
}

/// Simulates the model: the results of all trials (or of the precision run).
pub fn run(model: &Model, config: &SimConfig) -> Result<SimResult, SimError> {
    let p = run_partial(model, config, &|_| {})?;
    Ok(result::finalize_any(&p))
}

/// Simulates the chunks `config` asks for (all, a shard, or as many as the precision target
/// needs) and returns their partial result. `progress` receives the number of trials
/// completed by each finished chunk, from worker threads.
pub fn run_partial(
    model: &Model,
    config: &SimConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Partial, SimError> {
    config.check(model)?;
    let configuration = config
        .configuration
        .clone()
        .unwrap_or_else(|| Configuration::current(model));
    let c = compile(model, &configuration)?;
    let pool = pool(config.threads)?;
    let n_chunks = config.trials.div_ceil(CHUNK_TRIALS);
    let options = TrialOptions {
        completions: false,
        paths: config.paths,
    };
    let tally_chunks = |range: Range<u64>| {
        pool.install(|| tally_chunks(&c, config.seed, config.trials, range, options, progress))
    };
    match (&config.precision, config.shard) {
        (Some(p), _) => {
            let mut tally = Tally::new(&c);
            let mut done = 0u64;
            let mut batch = 8u64;
            loop {
                let next = (done + batch).min(n_chunks);
                tally.merge(&tally_chunks(done..next));
                done = next;
                let part = Partial::new(
                    &c,
                    config.seed,
                    config.trials,
                    CHUNK_TRIALS,
                    vec![[0, done]],
                    tally.clone(),
                );
                let (_, half) = p.figure.of(&result::finalize_any(&part));
                if half < p.half_width || done == n_chunks {
                    // A precision run is complete at the trials it ran.
                    let ran = (done * CHUNK_TRIALS).min(config.trials);
                    let mut part = part;
                    part.header.trials = ran;
                    return Ok(part);
                }
                batch = (batch * 2).min(64);
            }
        }
        (None, shard) => {
            let range = shard.map_or(0..n_chunks, |s| s.chunks(n_chunks));
            let tally = tally_chunks(range.clone());
            let chunks = if range.is_empty() {
                Vec::new()
            } else {
                vec![[range.start, range.end]]
            };
            Ok(Partial::new(
                &c,
                config.seed,
                config.trials,
                CHUNK_TRIALS,
                chunks,
                tally,
            ))
        }
    }
}

pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool, SimError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SimError::Threads(e.to_string()))
}

/// The trials of chunk `k` of a run of `trials`.
pub fn chunk_trials(k: u64, trials: u64) -> Range<u64> {
    (k * CHUNK_TRIALS).min(trials)..((k + 1) * CHUNK_TRIALS).min(trials)
}

/// Tallies the trials of `chunks` on the current rayon pool.
pub fn tally_chunks(
    c: &Compiled<'_>,
    seed: u64,
    trials: u64,
    chunks: Range<u64>,
    options: TrialOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Tally {
    fold_chunks(
        chunks,
        trials,
        || (TrialScratch::new(c, options), tally::TallyScratch::new(c)),
        || Tally::new(c),
        |(ts, ys), acc, t| {
            let trial = simulate_trial(c, seed, t, ts);
            acc.add(trial, ys);
        },
        |a, b| a.merge(&b),
        progress,
    )
}

/// Runs `per_trial` on every trial of `chunks` in parallel (on the current rayon pool), each
/// worker with its own scratch, and merges the per-worker accumulators. Deterministic when
/// `merge` is exact and commutative (as [`Tally::merge`] is): which trials a worker gets
/// varies with the thread count.
pub fn fold_chunks<S, A>(
    chunks: Range<u64>,
    trials: u64,
    scratch: impl Fn() -> S + Sync + Send,
    init: impl Fn() -> A + Sync + Send,
    per_trial: impl Fn(&mut S, &mut A, u64) + Sync + Send,
    merge: impl Fn(&mut A, A) + Sync + Send,
    progress: &(dyn Fn(u64) + Sync),
) -> A
where
    A: Send,
    S: Send,
{
    let range = if chunks.is_empty() {
        0..0
    } else {
        chunk_trials(chunks.start, trials).start..chunk_trials(chunks.end - 1, trials).end
    };
    // Work units small enough to keep every thread busy when there are few trials (a large
    // model may run only a few dozen), large enough to make scratch set-up negligible.
    let threads = rayon::current_num_threads() as u64;
    let unit = ((range.end - range.start) / (16 * threads)).clamp(1, CHUNK_TRIALS);
    fold_trials(range, unit, scratch, init, per_trial, merge, progress)
}

/// Runs `per_trial` on every trial of `trials` in parallel, in work units of `unit` trials,
/// each worker with its own scratch and accumulator; see [`fold_chunks`].
pub fn fold_trials<S, A>(
    trials: Range<u64>,
    unit: u64,
    scratch: impl Fn() -> S + Sync + Send,
    init: impl Fn() -> A + Sync + Send,
    per_trial: impl Fn(&mut S, &mut A, u64) + Sync + Send,
    merge: impl Fn(&mut A, A) + Sync + Send,
    progress: &(dyn Fn(u64) + Sync),
) -> A
where
    A: Send,
    S: Send,
{
    let unit = unit.max(1);
    let n_units = (trials.end.saturating_sub(trials.start)).div_ceil(unit);
    (0..n_units)
        .into_par_iter()
        .fold(
            || (None::<S>, init()),
            |(mut s, mut acc), k| {
                let sc = s.get_or_insert_with(&scratch);
                let first = trials.start + k * unit;
                let last = (first + unit).min(trials.end);
                for t in first..last {
                    per_trial(sc, &mut acc, t);
                }
                progress(last - first);
                (s, acc)
            },
        )
        .map(|(_, acc)| acc)
        .reduce(&init, |mut a, b| {
            merge(&mut a, b);
            a
        })
}

/// Calls `visit` with every trial of `trials`, in parallel on `threads` threads (0: all
/// cores), in no particular order. For tools that look at single trials (planning, rule
/// derivation); [`run`] is built the same way.
pub fn for_each_trial(
    c: &Compiled<'_>,
    seed: u64,
    trials: Range<u64>,
    options: TrialOptions,
    threads: usize,
    visit: &(dyn Fn(&Trial) + Sync),
) -> Result<(), SimError> {
    let pool = pool(threads)?;
    pool.install(|| {
        trials.into_par_iter().for_each_init(
            || TrialScratch::new(c, options),
            |sc, t| visit(simulate_trial(c, seed, t, sc)),
        )
    });
    Ok(())
}
