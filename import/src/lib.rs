//! Imports graphs written by other tools as `ensure` model documents, so that the same graph
//! can be run by `ensure` and by the tools people use today.
//!
//! * [`mal`]: the attack graph that mal-toolbox serialises (`AttackGraph.save_to_file`):
//!   attack steps of type `or`/`and`, defences, existence steps, TTC expressions.
//! * [`dependency_graph`]: a node-link JSON graph (networkx `node_link_data`, either spelling
//!   of the edge list) with per-edge propagation probabilities: an independent cascade.
//!
//! Both return an [`Imported`]: a [`ModelDoc`] that `ensure check` accepts, plus notes on
//! what the translation had to approximate. Neither prints nor reads files: callers pass the
//! text. A malformed input yields every problem found, each with its JSON path, never a
//! panic. How each format maps onto the semantics chapter of the book is documented on the
//! module.

pub mod dependency_graph;
mod ids;
mod json;
pub mod mal;

use ensure_model::format::ModelDoc;

pub use dependency_graph::{import_dependency_graph, GraphOptions};
pub use mal::{import_mal, MalOptions};

/// A model translated from another tool's file.
#[derive(Debug, Clone)]
pub struct Imported {
    pub doc: ModelDoc,
    /// Where the translation is not exact, or input was skipped, and why.
    pub notes: Vec<Note>,
}

/// Something the caller should know about a translation that still succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// JSON path of the input it is about (`$` for the whole file).
    pub path: String,
    pub message: String,
}

/// One thing wrong with the input, at a JSON path such as `$.attack_steps["h1:connect"].ttc`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Every problem found in an input that could not be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ImportError {
    pub problems: Vec<Problem>,
}
