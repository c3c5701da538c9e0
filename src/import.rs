//! `ensure import`: other tools' graphs as model files, so the same graph runs in `ensure` and
//! in the tool it came from.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use ensure_import::{GraphOptions, ImportError, Imported, MalOptions};

use crate::{exit, output};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// An attack graph written by mal-toolbox (`AttackGraph.save_to_file`, JSON).
    Mal {
        file: PathBuf,
        /// An entry point of the attacker, as `asset:step` (repeatable); compromised at the start
        /// as mal-simulator does.
        #[arg(long = "entry", value_name = "ASSET:STEP")]
        entry: Vec<String>,
        /// A step to report on, as `asset:step` (repeatable): it becomes a goal.
        #[arg(long = "goal", value_name = "ASSET:STEP")]
        goal: Vec<String>,
        /// Hours in one MAL time unit (MAL TTCs are in days).
        #[arg(long, default_value_t = 24.0)]
        hours_per_unit: f64,
        /// The model's horizon in hours (default one year).
        #[arg(long)]
        horizon_hours: Option<f64>,
        /// The model's name.
        #[arg(long)]
        name: Option<String>,
        /// Where to write the model (`.json` for JSON, YAML otherwise; stdout by default).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A node-link JSON graph (networkx `node_link_data`) with per-edge propagation
    /// probabilities: failures cascade as in the independent-cascade model.
    DependencyGraph {
        file: PathBuf,
        /// A node that fails at time zero, by id (repeatable), besides those marked `seed` or
        /// `p_fail` in the file.
        #[arg(long = "seed", value_name = "ID")]
        seed: Vec<String>,
        /// Propagation probability of edges that give none.
        #[arg(long, default_value_t = 1.0)]
        p_default: f64,
        /// The model's name.
        #[arg(long)]
        name: Option<String>,
        /// Where to write the model (`.json` for JSON, YAML otherwise; stdout by default).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: ImportCommand) -> Result<u8> {
    let (file, out, result) = match cmd {
        ImportCommand::Mal {
            file,
            entry,
            goal,
            hours_per_unit,
            horizon_hours,
            name,
            out,
        } => {
            let text = read(&file)?;
            let opts = MalOptions {
                hours_per_unit,
                entry,
                goals: goal,
                name,
            };
            let result = ensure_import::import_mal(&text, &opts).map(|mut i| {
                i.doc.horizon_hours = horizon_hours.or(i.doc.horizon_hours);
                i
            });
            (file, out, result)
        }
        ImportCommand::DependencyGraph {
            file,
            seed,
            p_default,
            name,
            out,
        } => {
            let text = read(&file)?;
            let opts = GraphOptions {
                p_default,
                seeds: seed,
                name,
            };
            (
                file,
                out,
                ensure_import::import_dependency_graph(&text, &opts),
            )
        }
    };
    match result {
        Ok(imported) => {
            write(&file, out.as_deref(), &imported)?;
            Ok(exit::OK)
        }
        Err(ImportError { problems }) => {
            for p in problems {
                eprintln!("error: {}: {}: {}", file.display(), p.path, p.message);
            }
            Ok(exit::BAD_INPUT)
        }
    }
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

fn write(file: &Path, out: Option<&Path>, imported: &Imported) -> Result<()> {
    for n in &imported.notes {
        eprintln!("note: {}: {}: {}", file.display(), n.path, n.message);
    }
    let json = out.is_some_and(|o| o.extension().is_some_and(|e| e == "json"));
    let text = if json {
        serde_json::to_string_pretty(&imported.doc)? + "\n"
    } else {
        ensure_model::format::to_yaml(&imported.doc)?
    };
    output::emit(out, text.as_bytes())
}
