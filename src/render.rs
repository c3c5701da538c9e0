//! Diagnostics for people, in the style of rustc: what, where, the line, and a hint.

use std::fmt::Write;

use ensure_model::{Diagnostic, Severity, Sources};

/// Renders one diagnostic with its source line and a caret under the offending value.
pub fn diagnostic(d: &Diagnostic, sources: &Sources) -> String {
    let mut out = String::new();
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{level}[{}]: {}", d.code, d.message);
    match sources.file(&d.span).filter(|_| d.span.is_known()) {
        Some(file) => {
            let line_no = d.span.line;
            let _ = writeln!(
                out,
                "  --> {}:{}:{}",
                file.path.display(),
                line_no,
                d.span.column
            );
            if let Some(line) = file.text.lines().nth(line_no - 1) {
                let gutter = line_no.to_string().len();
                let pad = " ".repeat(gutter);
                let shown: String = line.chars().take(160).collect();
                let start = d.span.column.saturating_sub(1).min(shown.chars().count());
                let width = d
                    .span
                    .len
                    .clamp(1, shown.chars().count().saturating_sub(start).max(1));
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line_no} | {shown}");
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(start), "^".repeat(width));
            }
        }
        None => {
            if let Some(file) = sources.files.first() {
                let _ = writeln!(out, "  --> {}", file.path.display());
            }
        }
    }
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "  = hint: {h}");
    }
    out
}

/// All diagnostics, then a one-line count.
pub fn diagnostics(ds: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in ds {
        out.push_str(&diagnostic(d, sources));
        out.push('\n');
    }
    out
}

/// Diagnostics as JSON, for editors and CI annotations.
pub fn diagnostics_json(ds: &[Diagnostic], sources: &Sources) -> serde_json::Value {
    ds.iter()
        .map(|d| {
            let file = sources
                .file(&d.span)
                .filter(|_| d.span.is_known())
                .map(|f| f.path.display().to_string());
            serde_json::json!({
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "code": d.code,
                "message": d.message,
                "file": file,
                "line": d.span.is_known().then_some(d.span.line),
                "column": d.span.is_known().then_some(d.span.column),
                "hint": d.hint,
            })
        })
        .collect()
}
