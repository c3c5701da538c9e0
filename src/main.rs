//! `ensure`: the command line. It parses arguments, calls the libraries, renders their
//! results and chooses the exit code; it holds no analysis of its own.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod import;
mod output;
mod pilots;
mod plan;
mod reference;
mod render;
mod report;
mod rules;
mod simulate;
mod verify;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use ensure_model::{Checked, Model};

/// Exit codes, shared by every command.
mod exit {
    pub const OK: u8 = 0;
    pub const VIOLATED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const UNKNOWN: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "ensure",
    version,
    about = "Verify and simulate the security of e-commerce ecosystems"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check model files and report every problem, with its place and a hint.
    Check {
        /// Model files (YAML or JSON).
        #[arg(required = true)]
        models: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = DiagFormat::Text)]
        format: DiagFormat,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Print the JSON Schema of the model file format.
    Schema {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export the asset graph.
    Graph {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Generate a synthetic but realistic ecosystem of about N assets.
    Generate {
        #[arg(long)]
        assets: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = DocFormat::Yaml)]
        format: DocFormat,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the built-in catalog of asset types and attack steps with their defaults.
    Catalog {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Verify the model's properties with Z3: holds (proved), violated (a witness) or unknown.
    Verify(verify::VerifyArgs),
    /// Monte Carlo simulation: goal probabilities, times, detection, losses, cascades.
    Simulate(simulate::SimulateArgs),
    /// Merge the partial results of `ensure simulate --shard` into the results of one run.
    Merge(simulate::MergeArgs),
    /// Simulate a baseline and a variant on common random numbers; paired differences.
    Compare(simulate::CompareArgs),
    /// Rank parameters by how much they move a figure (tornado data).
    Sensitivity(simulate::SensitivityArgs),
    /// Choose the candidate controls that minimise a risk figure within a budget, checked
    /// out of sample; or the cost/risk frontier.
    Plan(plan::PlanArgs),
    /// Derive detection rules from simulated attacks: where to watch, as Sigma or native rules.
    Rules(rules::RulesArgs),
    /// Run native rules over a stream of JSON events and write alerts as JSON lines.
    Watch(watch::WatchArgs),
    /// Write a report people read (self-contained HTML, Markdown with SVG charts) from
    /// result files.
    Report(report::ReportArgs),
    /// The pilots end to end: check, verify, simulate, compare, sensitivity, plan, rules,
    /// and a report of each with an index page.
    Pilots(pilots::PilotsArgs),
    /// Import another tool's graph as a model: a mal-toolbox attack graph, or a node-link
    /// dependency graph.
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// The command-line reference of the book, as Markdown (tests/book.rs keeps it current).
    #[command(hide = true)]
    HelpMarkdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiagFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Json,
    /// A layered drawing (organisation lanes, layer columns) that needs no Graphviz.
    Svg,
}

#[derive(Clone, Copy, ValueEnum)]
enum DocFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Text,
    Yaml,
    /// The book's catalog reference: every type and the steps it declares, as tables.
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}

fn read_file(p: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(p)
}

fn check_model(path: &Path) -> Checked {
    ensure_model::check(path, &read_file)
}

/// Loads a model for commands that need a valid one; prints the problems and returns
/// `None` if it has errors.
fn model_or_report(path: &Path) -> Option<Model> {
    let checked = check_model(path);
    let text = render::diagnostics(&checked.diagnostics, &checked.sources);
    if !text.is_empty() {
        eprint!("{text}");
    }
    checked.model
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check {
            models,
            format,
            deny_warnings,
        } => {
            let mut failed = false;
            let mut json = Vec::new();
            for path in &models {
                let checked = check_model(path);
                let n_errors = checked.n_errors();
                let n_warnings = checked.diagnostics.len() - n_errors;
                failed |= n_errors > 0 || (deny_warnings && n_warnings > 0);
                match format {
                    DiagFormat::Text => {
                        eprint!("{}", render::diagnostics(&checked.diagnostics, &checked.sources));
                        match &checked.model {
                            Some(m) => println!(
                                "{}: ok: `{}`: {} assets, {} relations, {} attack steps ({} edges), {} controls, {} actors, {} goals, {} properties{}",
                                path.display(),
                                m.name,
                                m.assets.len(),
                                m.graph.edge_count(),
                                m.steps.len(),
                                m.n_attack_edges(),
                                m.controls.len(),
                                m.actors.len(),
                                m.goals.len(),
                                m.properties.len(),
                                if n_warnings > 0 { format!(", {n_warnings} warning(s)") } else { String::new() }
                            ),
                            None => println!("{}: {n_errors} error(s), {n_warnings} warning(s)", path.display()),
                        }
                    }
                    DiagFormat::Json => json.push(serde_json::json!({
                        "file": path.display().to_string(),
                        "ok": checked.model.is_some(),
                        "diagnostics": render::diagnostics_json(&checked.diagnostics, &checked.sources),
                    })),
                }
                // A large model takes a noticeable time to free, and the process is about to
                // end anyway.
                std::mem::forget(checked);
            }
            if let DiagFormat::Json = format {
                println!("{}", serde_json::to_string_pretty(&json)?);
            }
            Ok(if failed { exit::BAD_INPUT } else { exit::OK })
        }
        Command::Schema { out } => {
            let schema = schemars::schema_for!(ensure_model::format::ModelDoc);
            output::emit(
                out.as_deref(),
                (serde_json::to_string_pretty(&schema)? + "\n").as_bytes(),
            )?;
            Ok(exit::OK)
        }
        Command::Graph { model, format, out } => {
            let Some(m) = model_or_report(&model) else {
                return Ok(exit::BAD_INPUT);
            };
            let text = match format {
                GraphFormat::Dot => ensure_reports::graph::to_dot(&m),
                GraphFormat::Json => {
                    serde_json::to_string_pretty(&ensure_reports::graph::to_json(&m))? + "\n"
                }
                GraphFormat::Svg => {
                    ensure_reports::layout::asset_graph_svg(&m, &Default::default())
                }
            };
            output::emit(out.as_deref(), text.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Generate {
            assets,
            seed,
            format,
            out,
        } => {
            let doc = ensure_model::synthetic::generate(assets, seed);
            let text = match format {
                DocFormat::Yaml => ensure_model::format::to_yaml(&doc)?,
                DocFormat::Json => serde_json::to_string(&doc)? + "\n",
            };
            output::emit(out.as_deref(), text.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Catalog { format } => {
            let text = match format {
                CatalogFormat::Yaml => ensure_model::catalog::source().to_string(),
                CatalogFormat::Text => catalog_text(),
                CatalogFormat::Markdown => reference::catalog_markdown(),
            };
            output::emit(None, text.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Verify(a) => verify::run(a),
        Command::Import { what } => import::run(what),
        Command::Simulate(a) => simulate::simulate(a),
        Command::Merge(a) => simulate::merge(a),
        Command::Compare(a) => simulate::compare(a),
        Command::Sensitivity(a) => simulate::sensitivity(a),
        Command::Plan(a) => plan::run(a),
        Command::Rules(a) => rules::run(a),
        Command::Watch(a) => watch::run(a),
        Command::Report(a) => report::run(a),
        Command::Pilots(a) => pilots::run(a),
        Command::HelpMarkdown => {
            output::emit(None, reference::cli_markdown(Cli::command()).as_bytes())?;
            Ok(exit::OK)
        }
    }
}

fn catalog_text() -> String {
    use std::fmt::Write;
    let (model, _) = ensure_model::build(&Default::default(), ensure_model::catalog::types());
    let Some(model) = model else {
        return String::new();
    };
    let mut out = String::new();
    for t in &model.types {
        let parent = t
            .parent
            .map(|p| format!(" extends {}", model.types[p.idx()].id))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} [{}]{parent}: {}",
            t.id,
            t.layer.as_str(),
            t.description
        );
        for s in t.steps.iter().filter(|s| s.declared_by == t.id) {
            let from: Vec<String> = s
                .from
                .iter()
                .map(|(sel, n)| format!("{}.{n}", sel.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "  {} ({}) ttc {} p {}{}{}",
                s.name,
                if s.requires == ensure_model::Requires::All {
                    "all"
                } else {
                    "any"
                },
                s.ttc_hours.describe(),
                s.p_success,
                if from.is_empty() {
                    String::new()
                } else {
                    format!(" from {}", from.join(", "))
                },
                if s.attack.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", s.attack.join(", "))
                },
            );
        }
    }
    out
}
