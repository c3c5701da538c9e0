//! Detection rules derived from simulated attacks: where to watch an `ensure` model, and the
//! rules that watch it.
//!
//! The simulator says which attack steps lie on the paths that reach the model's goals and how
//! much warning each gives. This crate turns that into rules:
//!
//! 1. [`attacks`]: the successful simulated attacks (campaigns that reach a goal), their paths,
//!    the points they pass before their goal, and the loss that followed;
//! 2. [`value`]: the detection value of every point (share of attacks, lead time, loss);
//! 3. [`cover`]: the cheapest set of points that detects a target share of attacks before
//!    their goal within a budget (a set cover solved with CBC through good_lp);
//! 4. [`derive`](mod@derive): the whole pipeline, the choice measured on held-out trials, and one rule per
//!    chosen point with the figures behind it, in the [`native`] format that `ensure watch`
//!    runs, with sequence rules along the paths;
//! 5. [`sigma`]: the same single-event rules as Sigma rules.
//!
//! [`events`] defines the event schema and writes the events that simulated attacks produce;
//! [`replay`] judges a replay's alerts against the attacks. The crate never prints and does no
//! IO beyond the writer it is given; solver types stay inside [`cover`].

pub mod attack;
pub mod attacks;
pub mod cover;
pub mod derive;
pub mod events;
pub mod logsource;
pub mod native;
pub mod points;
pub mod replay;
pub mod sigma;
pub mod value;
mod yaml;

pub use derive::{derive, DeriveConfig, Derived};
pub use native::{Detection, Level, Match, Rule, RuleSet};

/// Why rules could not be derived.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Simulation(#[from] ensure_simulator::SimError),
    #[error("{0}")]
    Cover(#[from] cover::CoverError),
}
