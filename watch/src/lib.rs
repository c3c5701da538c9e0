//! The live monitor of `ensure`: reads events as JSON lines, runs the single and sequence
//! rules of a native rule set (`ensure-rules`) over them, and writes alerts as JSON lines with
//! what the attack graph predicts next and the assets at risk.
//!
//! [`event`] parses one line without copying; [`engine`] dispatches it to the rules that can
//! match in one hash lookup and keeps the sequence state in bounded stores ([`state`]);
//! [`source`] reads standard input, a followed file or a Unix domain socket. Nothing is
//! dropped silently: malformed lines, late events, evicted sequence keys and refused
//! connections are all counted in the [`Summary`], and memory stays bounded under any input.
//! The crate never prints; the alerts go to the writer it is given.

pub mod engine;
pub mod event;
pub mod source;
pub mod state;

pub use engine::{CompileError, Counters, Engine, EngineConfig};
pub use source::{Input, SourceConfig, SourceError, SourceStats, StopReason};

use serde::Serialize;

/// Everything a run of the monitor saw and did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counters: Counters,
    #[serde(flatten)]
    pub source: SourceStats,
}

/// Runs `engine` over `input` until it ends, goes idle or is stopped.
pub fn watch(
    engine: &mut Engine,
    input: &Input,
    config: &SourceConfig,
    out: &mut dyn std::io::Write,
) -> Result<Summary, SourceError> {
    let source = source::run(engine, input, config, out)?;
    Ok(Summary {
        counters: engine.counters(),
        source,
    })
}
