//! Renders models and results for people and machines.
//!
//! Everything here draws what it is given and recomputes nothing: the model crate decides
//! what the ecosystem is, analyses decide what it means, this crate decides how it looks.
//!
//! - [`graph`]: the asset graph as Graphviz DOT and node-link JSON; [`layout`]: a built-in
//!   layered SVG drawing of it (organisation bands, layer columns, highlighted witnesses).
//! - [`inputs`]: the analyses' JSON results, read into the simulator's own types or into
//!   mirrors of the verifier's, planner's and rule deriver's output ([`plan`], [`rules`]).
//! - [`charts`]: plotters charts as SVG strings (loss exceedance, time to compromise,
//!   compromise heat map, tornado, cost–risk frontier, outages, variant differences).
//! - [`report::build`] turns a model and its results into a [`doc::Document`], which
//!   [`html::render`] writes as one self-contained page and [`markdown::render`] as
//!   Markdown with SVG images; [`index`] links several reports.
//!
//! Output is a pure function of the input: no clock, no environment, no hash ordering, fixed
//! number formats, and text measured with a font compiled in ([`text`]), so two runs give
//! the same bytes. The crate does no IO.

pub mod charts;
pub mod doc;
pub mod fmt;
pub mod graph;
pub mod html;
pub mod index;
pub mod inputs;
pub mod layout;
pub mod markdown;
pub mod plan;
pub mod report;
pub mod rules;
pub mod text;
pub mod witness;

pub use doc::Document;
pub use inputs::{parse_result, InputError, Inputs, ResultDoc};
pub use report::{build, Provenance};
