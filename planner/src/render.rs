//! Plans and frontiers as text for a person. JSON is the serde form of the same types.

use std::fmt::Write;

use crate::objective::{Difference, Estimate, Objective};
use crate::plan::{Figures, Frontier, Plan, SearchStats, Status};

/// A money amount with a thousands separator, in whole euros.
pub fn eur(x: f64) -> String {
    let neg = x < 0.0;
    let mut digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        out = format!(",{tail}{out}");
    }
    format!("{}{digits}{out}", if neg { "-" } else { "" })
}

/// A money amount in a short form: 1.23 M, 456.7 k, 89.
fn short_eur(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{:.2} bn", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.2} M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.1} k", a / 1e3)
    } else {
        format!("{sign}{a:.0}")
    }
}

/// A value of the objective's figure: EUR or a percentage.
pub fn figure(objective: &Objective, x: f64) -> String {
    if objective.is_money() {
        format!("{} EUR", short_eur(x))
    } else {
        format!("{:.2} %", x * 100.0)
    }
}

fn bare(objective: &Objective, x: f64) -> String {
    if objective.is_money() {
        short_eur(x)
    } else {
        format!("{:.2} %", x * 100.0)
    }
}

fn with_ci(objective: &Objective, e: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        bare(objective, e.value),
        bare(objective, e.ci95[0]),
        bare(objective, e.ci95[1])
    )
}

fn difference(objective: &Objective, d: &Difference) -> String {
    let signed = |x: f64| {
        let s = bare(objective, x);
        if x > 0.0 {
            format!("+{s}")
        } else {
            s
        }
    };
    format!(
        "{} [{}, {}]",
        signed(d.value),
        signed(d.ci95[0]),
        signed(d.ci95[1])
    )
}

fn search_line(s: &SearchStats) -> String {
    format!(
        "{} solve(s) with {} ({} variables, {} integer, {} constraints, {} patterns); {} re-simulation(s) of proposals{}, {} property round(s), local search {} re-simulation(s) ({} improvement(s)); sampling {:.1} s, solving {:.1} s, re-simulating {:.1} s, verifying {:.1} s, checking {:.1} s",
        s.solves,
        s.solver,
        s.variables,
        s.integer_variables,
        s.constraints,
        s.patterns,
        s.rounds,
        if s.converged { " until the plan settled" } else { "" },
        s.property_rounds,
        s.polish_evaluations,
        s.polish_moves,
        s.sampling_seconds,
        s.solve_seconds,
        s.refine_seconds,
        s.verify_seconds,
        s.check_seconds
    )
}

fn figures_table(out: &mut String, o: &Objective, base: &Figures, plan: Option<&Figures>) {
    let cell = |row: usize, f: &Figures| match row {
        0 => bare(o, f.estimate),
        1 => bare(o, f.resimulated),
        _ => with_ci(o, &f.out_of_sample),
    };
    let labels = [
        "optimiser's estimate (in sample)",
        "re-simulated on the same trials",
        "out of sample [95 % CI]",
    ];
    let _ = writeln!(out, "  {:<34} {:<28} plan", "", "baseline");
    for (row, label) in labels.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<34} {:<28} {}",
            label,
            cell(row, base),
            plan.map_or_else(|| "-".into(), |p| cell(row, p))
        );
    }
}

fn samples(s: &SearchStats, out_of_sample: &Estimate) -> String {
    format!(
        "  (in sample: {} trials of seed {}; out of sample: {} trials of seed {})",
        s.scenarios.trials, s.seed, out_of_sample.trials, out_of_sample.seed
    )
}

/// A plan as text.
pub fn plan_text(p: &Plan) -> String {
    let mut out = String::new();
    let o = &p.objective;
    let budget = if p.budget_eur.is_finite() {
        format!("{} EUR", eur(p.budget_eur))
    } else {
        "no limit".into()
    };
    let _ = writeln!(
        out,
        "Plan for `{}`: minimise {}{}, budget {budget} ({}: {})",
        p.model,
        p.figure,
        if p.with_cost {
            " plus the plan's cost"
        } else {
            ""
        },
        p.budget_basis.as_str(),
        p.budget_basis.describe()
    );
    let status = match p.status {
        Status::Found => "found: the search converged".to_string(),
        Status::Stopped => format!(
            "stopped early ({}); the plan is the best found so far",
            p.search.stop.clone().unwrap_or_default()
        ),
        Status::Infeasible => "infeasible: no plan respects these rules".into(),
    };
    let _ = writeln!(out, "Status: {status}");
    for c in &p.conflicts {
        let _ = writeln!(out, "  conflict: {}", c.explanation);
    }
    if p.status != Status::Infeasible {
        let _ = writeln!(out);
        if p.controls.is_empty() {
            let _ = writeln!(
                out,
                "Buy nothing: no candidate within the rules lowers the figure."
            );
        } else {
            let _ = writeln!(out, "Buy:");
            for c in &p.controls {
                let _ = writeln!(
                    out,
                    "  {:<32} {:>12} EUR  (one-off {}, upkeep {} a year){}",
                    c.id,
                    eur(c.basis_cost_eur),
                    eur(c.cost_eur),
                    eur(c.upkeep_eur_per_year),
                    if c.required { ", mandatory" } else { "" }
                );
            }
            let _ = writeln!(
                out,
                "  {:<32} {:>12} EUR  of {budget}",
                "total",
                eur(p.spent_eur)
            );
        }
        if !p.in_place.is_empty() {
            let _ = writeln!(out, "Kept in place: {}", p.in_place.join(", "));
        }
    }
    if let Some(base) = &p.baseline {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}:", capitalise(&p.figure));
        figures_table(&mut out, o, base, p.plan.as_ref());
        let _ = writeln!(out, "{}", samples(&p.search, &base.out_of_sample));
        if let Some(d) = &p.reduction {
            let _ = writeln!(
                out,
                "  plan minus baseline, out of sample, paired: {}",
                difference(o, d)
            );
        }
    }
    if !p.properties.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Properties re-verified with the plan on:");
        for v in &p.properties {
            let _ = writeln!(out, "  {}: {} ({})", v.property, v.verdict, v.detail);
        }
    }
    if !p.notes.is_empty() {
        let _ = writeln!(out);
        for n in &p.notes {
            let _ = writeln!(out, "Note: {n}.");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Search: {}", search_line(&p.search));
    let s = &p.search.scenarios;
    let _ = writeln!(
        out,
        "Scenarios: {} trials, {} losses traced to {} step completions with {} attack paths",
        s.trials, s.events, s.happenings, s.derivations
    );
    out
}

/// A frontier as text.
pub fn frontier_text(f: &Frontier) -> String {
    let mut out = String::new();
    let o = &f.objective;
    let _ = writeln!(
        out,
        "Frontier for `{}`: {} against cost ({}: {})",
        f.model,
        f.figure,
        f.budget_basis.as_str(),
        f.budget_basis.describe()
    );
    let _ = writeln!(
        out,
        "Baseline: {} in sample, {} out of sample",
        bare(o, f.baseline.resimulated),
        with_ci(o, &f.baseline.out_of_sample)
    );
    let _ = writeln!(out, "{}", samples(&f.search, &f.baseline.out_of_sample));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| budget (EUR) | spent (EUR) | controls | estimate | re-simulated | out of sample [95 % CI] | change out of sample, paired [95 % CI] |"
    );
    let _ = writeln!(out, "|---:|---:|---|---:|---:|---|---|");
    for p in &f.points {
        match &p.figures {
            Some(fig) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    eur(p.budget_eur),
                    eur(p.spent_eur),
                    if p.controls.is_empty() {
                        "(none)".to_string()
                    } else {
                        p.controls.join(", ")
                    },
                    bare(o, fig.estimate),
                    bare(o, fig.resimulated),
                    with_ci(o, &fig.out_of_sample),
                    p.reduction
                        .as_ref()
                        .map_or("-".to_string(), |d| difference(o, d))
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | - | {} | - | - | - | - |",
                    eur(p.budget_eur),
                    match p.status {
                        Status::Infeasible => "infeasible",
                        _ => "no plan found",
                    }
                );
            }
        }
    }
    if !f.dropped.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Dropped (dominated by, or the same plan as, a cheaper point): budgets {}",
            f.dropped
                .iter()
                .map(|b| eur(*b))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Search: {}", search_line(&f.search));
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_shortened() {
        assert_eq!(eur(1234567.4), "1,234,567");
        assert_eq!(eur(-950.0), "-950");
        assert_eq!(short_eur(117_110_000.0), "117.11 M");
        assert_eq!(short_eur(45_600.0), "45.6 k");
        assert_eq!(
            figure(&Objective::GoalProbability { goal: "g".into() }, 0.1234),
            "12.34 %"
        );
    }
}
