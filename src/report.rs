//! `ensure report`: reads result files written by the analyses, and writes a report people
//! read: one self-contained HTML page, Markdown with SVG images, or the report as JSON.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use ensure_reports::{Document, Inputs, Provenance, ResultDoc};

use crate::{exit, model_or_report, output};

#[derive(Args)]
pub struct ReportArgs {
    /// The model the results are of (YAML or JSON).
    model: PathBuf,
    /// Result files: JSON written by `ensure verify`, `simulate`, `compare`, `sensitivity`,
    /// `plan` or `rules` with `--format json`, in any order and mix.
    results: Vec<PathBuf>,
    /// Write the report as one self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the report as Markdown (`DIR/report.md`) with its charts in `DIR/images/`.
    #[arg(long, value_name = "DIR")]
    markdown: Option<PathBuf>,
    /// Write the report's content (sections, tables, figure captions) as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// The version line written into reports.
pub fn version() -> String {
    format!("ensure {}", env!("CARGO_PKG_VERSION"))
}

/// Quotes a command-line argument for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Reads result files into the report's inputs, with a line per file saying what it is; a
/// file that is not a result is an error with its place and a hint.
pub fn read_results(paths: &[PathBuf]) -> Result<(Inputs, Vec<String>)> {
    let mut inputs = Inputs::default();
    let mut lines = Vec::new();
    for p in paths {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        match ensure_reports::parse_result(&text) {
            Ok(doc) => {
                lines.push(format!("# {}: {}", p.display(), describe(&doc)));
                inputs.add(doc);
            }
            Err(e) => {
                let place = match &e {
                    ensure_reports::InputError::Syntax { line, column, .. }
                    | ensure_reports::InputError::Shape { line, column, .. } => {
                        format!("{}:{line}:{column}", p.display())
                    }
                    _ => p.display().to_string(),
                };
                let what = match &e {
                    ensure_reports::InputError::Syntax { message, .. } => message.clone(),
                    ensure_reports::InputError::Shape { what, message, .. } => {
                        format!("not a valid {what}: {message}")
                    }
                    other => other.to_string(),
                };
                bail!("{place}: {what}\n  hint: {}", e.hint());
            }
        }
    }
    Ok((inputs, lines))
}

/// Writes a file people open (atomically), readable by everyone like any document: the
/// temporary file behind an atomic write is private to its owner.
pub fn publish(path: &Path, content: &[u8]) -> Result<()> {
    output::write_atomic(path, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot make {} readable", path.display()))?;
    }
    Ok(())
}

/// Writes the outputs asked for, each file atomically; Markdown's images before the text
/// that refers to them.
pub fn write_outputs(
    doc: &Document,
    html: Option<&Path>,
    markdown: Option<&Path>,
    json: Option<&Path>,
) -> Result<()> {
    if let Some(dir) = markdown {
        let md = ensure_reports::markdown::render(doc);
        for (rel, svg) in &md.images {
            publish(&dir.join(rel), svg.as_bytes())?;
        }
        publish(&dir.join("report.md"), md.text.as_bytes())?;
    }
    if let Some(path) = html {
        publish(path, ensure_reports::html::render(doc).as_bytes())?;
    }
    if let Some(path) = json {
        publish(path, doc.to_json().as_bytes())?;
    }
    Ok(())
}

pub fn run(a: ReportArgs) -> Result<u8> {
    if a.html.is_none() && a.markdown.is_none() && a.json.is_none() {
        bail!("nothing to write: give --html FILE, --markdown DIR and/or --json FILE");
    }
    let Some(model) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let (inputs, mut commands) = read_results(&a.results)?;
    let foreign = inputs.foreign(&model.name);
    if !foreign.is_empty() {
        bail!(
            "{} is model `{}`, but these results are of another model: {}\n  hint: give the model the results were made from",
            a.model.display(),
            model.name,
            foreign.join("; ")
        );
    }
    let mut cmd = vec![
        "ensure".to_string(),
        "report".into(),
        a.model.display().to_string(),
    ];
    cmd.extend(a.results.iter().map(|p| p.display().to_string()));
    for (flag, v) in [
        ("--html", &a.html),
        ("--markdown", &a.markdown),
        ("--json", &a.json),
    ] {
        if let Some(v) = v {
            cmd.push(flag.into());
            cmd.push(v.display().to_string());
        }
    }
    commands.push(
        cmd.iter()
            .map(|s| shell_quote(s))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let prov = Provenance {
        version: version(),
        commands,
    };
    let doc = ensure_reports::build(&model, &inputs, &prov);
    write_outputs(
        &doc,
        a.html.as_deref(),
        a.markdown.as_deref(),
        a.json.as_deref(),
    )?;
    Ok(exit::OK)
}

/// What a result file holds and how it was made, as far as the result itself tells.
fn describe(doc: &ResultDoc) -> String {
    match doc {
        ResultDoc::Verify(v) => format!(
            "verification of {}",
            v.models
                .iter()
                .map(|m| format!("{} ({} properties)", m.file, m.properties.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ResultDoc::Simulation(s) => format!("simulation, {} trials, seed {}", s.trials, s.seed),
        ResultDoc::Comparison(c) => format!(
            "comparison with variant `{}`, {} trials, seed {}",
            c.variant.model, c.trials, c.seed
        ),
        ResultDoc::Sensitivity(s) => format!(
            "sensitivity of the {}, {} trials per run, seed {}",
            s.figure, s.trials, s.seed
        ),
        ResultDoc::Plan(p) => format!("plan minimising the {}", p.figure()),
        ResultDoc::Rules(r) => format!("{} detection rules", r.rules.len()),
    }
}
