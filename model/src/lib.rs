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
pub mod logic;
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
        match model {
            Some(m) => {
                let formula_errors = check_formulas(&m, &loaded.sources);
                let ok = formula_errors.is_empty();
                diagnostics.extend(formula_errors);
                ok.then_some(m)
            }
            None => None,
        }
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

/// Compiles the `assert` of every custom property against the model; each problem becomes a
/// diagnostic placed at its character in the model file.
fn check_formulas(model: &Model, sources: &Sources) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for p in &model.properties {
        let Some((text, span)) = &p.assert else {
            continue;
        };
        if let Err(errors) = logic::compile(text, model) {
            for e in errors {
                let at = locate_in_scalar(sources, *span, text, e.offset, e.len);
                out.push(Diagnostic::error(e.code, at, e.message).with_hint_opt(e.hint));
            }
        }
    }
    out
}

/// The place in the file of character `offset` of the scalar `value` written at `span`.
///
/// A scalar's span is where it starts in the file (its opening quote or block indicator);
/// quotes, escapes and folded line breaks mean that characters of the value do not sit at
/// fixed distances from it, so the value is matched against the source text character by
/// character. When that fails, the scalar's own span is the answer.
pub fn locate_in_scalar(
    sources: &Sources,
    span: Span,
    value: &str,
    offset: usize,
    len: usize,
) -> Span {
    let Some(file) = sources.file(&span).filter(|_| span.is_known()) else {
        return span;
    };
    let src: Vec<char> = file.text.chars().collect();
    // Character index of the span's line and column.
    let mut line = 1;
    let mut start = None;
    let mut col = 1;
    for (i, c) in src.iter().enumerate() {
        if line == span.line && col == span.column {
            start = Some(i);
            break;
        }
        if *c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    let Some(mut p) = start else {
        return span;
    };
    let chars: Vec<char> = value.chars().collect();
    let matches = |v: char, s: char| v == s || (v == ' ' && s == '\n') || (v == '\n' && s == '\n');
    let mut target = None;
    for (i, v) in chars.iter().enumerate().take(offset + 1) {
        // A value character is never more than a line's worth of quoting or indentation away
        // from the previous one; give up rather than run into the next entry.
        let limit = (p + 400).min(src.len());
        let Some(q) = (p..limit).find(|q| matches(*v, src[*q])) else {
            return span;
        };
        if i == offset {
            target = Some(q);
        }
        p = q + 1;
    }
    let Some(q) = target.or(if offset >= chars.len() { Some(p) } else { None }) else {
        return span;
    };
    let (mut line, mut col) = (1, 1);
    for c in &src[..q.min(src.len())] {
        if *c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    Span {
        file_idx: span.file_idx,
        line,
        column: col,
        len,
    }
}
