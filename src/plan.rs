//! `ensure plan`: which candidate controls to buy within a budget, or the cost/risk frontier.
//! Parses and validates the flags into a `PlanConfig`, calls the planner, renders the result
//! and picks the exit code.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use clap::{Args, ValueEnum};
use ensure_planner::{BudgetBasis, Objective, PlanConfig, Solver, Status};

use crate::{exit, model_or_report, output};

/// No plan respects the rules (the conflicting rules are explained).
const INFEASIBLE: u8 = 4;

#[derive(Args)]
#[command(
    after_help = "Exit codes: 0 a plan was found (also when the search stopped early \
with the best plan so far; the output says so), 2 bad input, 3 the search stopped before \
finding any plan that respects the rules, 4 infeasible: no set of candidates respects the \
rules (budget, --require, groups, --at-most-one-per-asset, --must-hold); the output names \
the smallest set of conflicting rules."
)]
pub struct PlanArgs {
    /// The model file (YAML or JSON).
    model: PathBuf,
    /// The most the chosen candidates may cost, in EUR (on --budget-basis); `250000`,
    /// `250k` and `1.5M` are read alike. Required unless --frontier.
    #[arg(long)]
    budget: Option<String>,
    /// Which money the budget limits: one-off cost plus a year of upkeep (total), one-off
    /// cost (capex) or yearly upkeep (annual).
    #[arg(long, value_name = "BASIS", default_value = "total")]
    budget_basis: String,
    /// The figure to minimise: expected-loss, cvarNN or varNN (e.g. cvar95, var99: the
    /// level in percent), or goal:ID (the probability of reaching the goal).
    #[arg(long, default_value = "expected-loss")]
    objective: String,
    /// Minimise the figure plus the plan's cost on the budget basis (money figures only).
    #[arg(long)]
    with_cost: bool,
    /// Trials simulated for the optimisation (the sample-average approximation).
    #[arg(long, default_value_t = 10_000)]
    trials: u64,
    /// Seed of the optimisation's trials.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Trials of the out-of-sample check.
    #[arg(long, default_value_t = 10_000)]
    check_trials: u64,
    /// Seed of the out-of-sample check (default: --seed + 1).
    #[arg(long)]
    check_seed: Option<u64>,
    /// A control the plan must include (repeatable).
    #[arg(long = "require", value_name = "CONTROL")]
    require: Vec<String>,
    /// A property of the model that must hold with the plan on, checked by the verifier
    /// (repeatable).
    #[arg(long = "must-hold", value_name = "PROPERTY")]
    must_hold: Vec<String>,
    /// At most one chosen control protecting each asset.
    #[arg(long)]
    at_most_one_per_asset: bool,
    /// Sweep the budget and print the cost/risk frontier instead of one plan.
    #[arg(long)]
    frontier: bool,
    /// Budgets of the frontier, comma-separated (default: the sorted cumulative costs of
    /// the candidates, up to --budget).
    #[arg(long, value_delimiter = ',', requires = "frontier")]
    budgets: Vec<String>,
    /// The most re-simulations of the optimiser's proposals per budget.
    #[arg(long, default_value_t = 10)]
    max_rounds: usize,
    /// The most re-simulations of the local search that polishes the optimiser's plan
    /// (swaps, additions, removals judged by simulation); 0 turns it off.
    #[arg(long, default_value_t = 16)]
    polish: usize,
    /// The MILP solver: cbc or microlp.
    #[arg(long)]
    solver: Option<String>,
    /// Time limit of each optimisation, in seconds.
    #[arg(long, default_value_t = 60)]
    time_limit_secs: u64,
    /// Time limit of each property check, in seconds.
    #[arg(long, default_value_t = 60)]
    verify_timeout_secs: u64,
    /// Worker threads (0: every core). The results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Write the result here (atomically) instead of to stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
}

/// Reads `250000`, `250,000`, `250_000`, `250k`, `1.5M` as euros.
fn parse_eur(s: &str) -> Result<f64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('m' | 'M') => (&t[..t.len() - 1], 1e6),
        _ => (t.as_str(), 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| anyhow!("`{s}` is not an amount of euros: write e.g. 250000, 250k or 1.5M"))?;
    if !v.is_finite() || v < 0.0 {
        bail!("`{s}`: a budget is 0 or more euros");
    }
    Ok(v * mult)
}

pub fn run(a: PlanArgs) -> Result<u8> {
    let objective = Objective::parse(&a.objective).ok_or_else(|| {
        anyhow!(
            "unknown objective `{}`: write expected-loss, cvar95, var95 (any level in percent) or goal:ID",
            a.objective
        )
    })?;
    let basis = BudgetBasis::parse(&a.budget_basis).ok_or_else(|| {
        anyhow!(
            "unknown budget basis `{}`: write total, capex or annual",
            a.budget_basis
        )
    })?;
    let solver = match &a.solver {
        None => Solver::default(),
        Some(s) => Solver::parse(s)
            .filter(|s| Solver::available().contains(s))
            .ok_or_else(|| {
                anyhow!(
                    "unknown solver `{s}`: this build has {}",
                    Solver::available()
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
    };
    let budget = a.budget.as_deref().map(parse_eur).transpose()?;
    if budget.is_none() && !a.frontier {
        bail!("--budget is required (or ask for --frontier)");
    }
    let budgets = a
        .budgets
        .iter()
        .map(|b| parse_eur(b))
        .collect::<Result<Vec<f64>>>()?;
    let check_seed = a.check_seed.unwrap_or_else(|| a.seed.wrapping_add(1));
    if check_seed == a.seed {
        bail!("--check-seed must differ from --seed: the check needs fresh random numbers");
    }
    let Some(model) = model_or_report(&a.model) else {
        return Ok(exit::BAD_INPUT);
    };
    let mut cfg = PlanConfig::new(budget.unwrap_or(f64::INFINITY));
    cfg.objective = objective;
    cfg.basis = basis;
    cfg.with_cost = a.with_cost;
    cfg.trials = a.trials;
    cfg.seed = a.seed;
    cfg.check_trials = a.check_trials;
    cfg.check_seed = check_seed;
    cfg.require = a.require.clone();
    cfg.must_hold = a.must_hold.clone();
    cfg.at_most_one_per_asset = a.at_most_one_per_asset;
    cfg.max_rounds = a.max_rounds;
    cfg.polish = a.polish;
    cfg.threads = a.threads;
    cfg.solver = solver;
    cfg.time_limit = Duration::from_secs(a.time_limit_secs.max(1));
    cfg.verify_timeout = Duration::from_secs(a.verify_timeout_secs.max(1));

    if a.frontier {
        let budgets = if budgets.is_empty() {
            ensure_planner::auto_budgets(&model, basis, &cfg.require, cfg.budget_eur)
        } else {
            budgets
        };
        let f = ensure_planner::frontier(&model, &cfg, &budgets)?;
        let text = match a.format {
            PlanFormat::Text => ensure_planner::render::frontier_text(&f),
            PlanFormat::Json => serde_json::to_string_pretty(&f)? + "\n",
        };
        output::emit(a.out.as_deref(), text.as_bytes())?;
        let any = f.points.iter().any(|p| p.figures.is_some());
        let all_infeasible = f.points.iter().all(|p| p.status == Status::Infeasible);
        return Ok(if any {
            exit::OK
        } else if all_infeasible {
            INFEASIBLE
        } else {
            exit::UNKNOWN
        });
    }
    let p = ensure_planner::plan(&model, &cfg)?;
    let text = match a.format {
        PlanFormat::Text => ensure_planner::render::plan_text(&p),
        PlanFormat::Json => serde_json::to_string_pretty(&p)? + "\n",
    };
    output::emit(a.out.as_deref(), text.as_bytes())?;
    Ok(match p.status {
        Status::Infeasible => INFEASIBLE,
        _ if p.plan.is_none() => exit::UNKNOWN,
        _ => exit::OK,
    })
}
