//! Renders models and results for people and machines.
//!
//! Everything here draws what it is given and recomputes nothing: the model crate decides
//! what the ecosystem is, analyses decide what it means, this crate decides how it looks.

pub mod graph;
pub mod layout;
