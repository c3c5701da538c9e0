//! The vocabulary of `ensure`: an e-commerce ecosystem as a typed asset graph.
//!
//! A model file (YAML or JSON) is read into [`format::ModelDoc`] by [`load`], which follows
//! `extends`/`include` and remembers where every value was written. [`build`] resolves it
//! against the built-in [`catalog`] into a [`Model`]: assets of typed layers (cyber, data,
//! physical, human, organisational), typed relations, the attack graph instantiated from the
//! catalog's step templates, and the controls, actors, goals, impacts, monitors and properties
//! that refer to them. Every problem is returned as a [`Diagnostic`] with its place in the file.
//!
//! This crate knows nothing of solvers, sampling or output formats, and does no IO: callers
//! hand it a function that reads files.

pub mod build;
pub mod catalog;
pub mod diagnostic;
pub mod distribution;
pub mod format;
pub mod load;
pub mod located;
pub mod model;
pub mod synthetic;

pub use build::build;
pub use diagnostic::{Diagnostic, Severity};
pub use distribution::Distribution;
pub use load::{load, load_str, Loaded, ReadFile, SourceFile, Sources};
pub use located::{Located, Span};
pub use model::*;

/// A model read and checked: the model if it has no errors, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Checked {
    pub fn n_errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

/// Reads, resolves and checks the model at `path`.
pub fn check(path: &std::path::Path, read: ReadFile<'_>) -> Checked {
    let loaded = load(path, read);
    let fast = !loaded.has_spans;
    let checked = check_loaded(loaded);
    if fast && !checked.diagnostics.is_empty() {
        // Problems found on the fast path carry no places: read the file again with spans.
        return check_loaded(load::load_with_spans(path, read));
    }
    checked
}

/// Resolves and checks a model already read.
pub fn check_loaded(loaded: Loaded) -> Checked {
    let mut diagnostics = loaded.diagnostics;
    let model = if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        // Still resolve what was read, so that reference errors show up in the same run.
        let (_, more) = build::build_with_broken(&loaded.doc, catalog::types(), &loaded.broken_ids);
        diagnostics.extend(more);
        None
    } else {
        let (model, more) =
            build::build_with_broken(&loaded.doc, catalog::types(), &loaded.broken_ids);
        diagnostics.extend(more);
        model
    };
    diagnostics.sort_by_key(|d| (d.span.file_idx, d.span.line, d.span.column, d.severity));
    diagnostics.dedup();
    Checked {
        model,
        diagnostics,
        sources: loaded.sources,
    }
}

/// Reads and checks model text (no `extends`/`include`); handy for tests and tools.
pub fn check_str(name: &str, text: &str) -> Checked {
    check_loaded(load_str(name, text))
}
