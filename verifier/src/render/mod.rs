//! Reports as text for people, JSON for tools and SARIF 2.1.0 for code-scanning viewers.
//! Pure functions: they need the model's [`Sources`] to turn spans into file, line and
//! column, and a base directory to write paths relative to; they print nothing.

pub mod json;
pub mod sarif;
pub mod text;

use std::path::{Component, Path, PathBuf};

use ensure_model::{Sources, Span};

use crate::report::{Report, Verdict};

/// A report with the sources and the file it came from, as renderers need it.
pub struct Input<'a> {
    /// The model file as given (for messages).
    pub file: &'a Path,
    pub report: &'a Report,
    pub sources: &'a Sources,
}

/// A place in a file, for output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path of a source file for output: normalised, and relative to `base` when under it.
pub fn display_path(path: &Path, base: Option<&Path>) -> String {
    let p = normalize(path);
    let rel = match base {
        Some(b) if p.is_absolute() => p
            .strip_prefix(normalize(b))
            .map(Path::to_path_buf)
            .unwrap_or(p),
        _ => p,
    };
    rel.to_string_lossy().replace('\\', "/")
}

pub fn place(sources: &Sources, span: Span, base: Option<&Path>) -> Option<Place> {
    if !span.is_known() {
        return None;
    }
    let file = sources.file(&span)?;
    Some(Place {
        file: display_path(&file.path, base),
        line: span.line,
        column: span.column,
    })
}

pub fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Holds { .. } => "holds",
        Verdict::Violated { .. } => "violated",
        Verdict::Unknown { .. } => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_relative() {
        assert_eq!(
            display_path(Path::new("scenarios/x/variants/../model.yaml"), None),
            "scenarios/x/model.yaml"
        );
        assert_eq!(
            display_path(
                Path::new("/work/r/scenarios/m.yaml"),
                Some(Path::new("/work/r"))
            ),
            "scenarios/m.yaml"
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/m.yaml"), Some(Path::new("/work/r"))),
            "/elsewhere/m.yaml"
        );
    }
}
