//! Planning (a plan, or the cost–risk frontier) and the derived detection rules.

use super::{chart_or_note, headline, section, table};
use crate::charts::{self, FrontierPoint};
use crate::doc::{plain, Block, Column, Headline, Section, Tone};
use crate::fmt::{count, eur, eur_signed, hours, pct, pct_ci, pp};
use crate::plan::{Figures, PlanDoc};
use crate::rules::RulesDoc;

fn value(money: bool, x: f64) -> String {
    if money {
        eur(x)
    } else {
        pct(x)
    }
}

fn diff(money: bool, x: f64) -> String {
    if money {
        eur_signed(x)
    } else {
        pp(x)
    }
}

fn budget(b: Option<f64>) -> String {
    b.map_or("no limit".into(), eur)
}

fn out_of_sample(money: bool, f: &Figures) -> String {
    let o = &f.out_of_sample;
    format!(
        "{} [{} – {}]",
        value(money, o.value),
        value(money, o.ci95[0]),
        value(money, o.ci95[1])
    )
}

pub(super) fn headlines(plans: &[PlanDoc], rules: &[RulesDoc]) -> Vec<Headline> {
    let mut out = Vec::new();
    for p in plans {
        let money = p.is_money();
        match p {
            PlanDoc::Plan(p) => {
                if let Some(r) = &p.reduction {
                    out.push(headline(
                        "Plan's reduction",
                        diff(money, r.value),
                        format!("{} control(s) for {}", p.controls.len(), eur(p.spent_eur)),
                        Tone::Good,
                    ));
                }
            }
            PlanDoc::Frontier(f) => {
                if let Some(best) = f
                    .points
                    .iter()
                    .filter_map(|pt| pt.figures.as_ref().map(|x| (pt, x)))
                    .min_by(|a, b| {
                        a.1.out_of_sample
                            .value
                            .total_cmp(&b.1.out_of_sample.value)
                            .then(a.0.spent_eur.total_cmp(&b.0.spent_eur))
                    })
                {
                    out.push(headline(
                        "Lowest risk on the frontier",
                        value(money, best.1.out_of_sample.value),
                        format!(
                            "for {}; baseline {}",
                            eur(best.0.spent_eur),
                            value(money, f.baseline.out_of_sample.value)
                        ),
                        Tone::Good,
                    ));
                }
            }
        }
    }
    for r in rules {
        if let Some(c) = &r.coverage {
            out.push(headline(
                "Attacks detected before their goal",
                pct(c.predicted.share),
                format!(
                    "{} rule(s) at {} points, {} per year",
                    r.rules.len(),
                    c.points.len(),
                    eur(c.cost_eur_per_year)
                ),
                if c.target_met { Tone::Good } else { Tone::Bad },
            ));
        }
    }
    out
}

pub(super) fn plans(plans: &[PlanDoc]) -> Vec<Section> {
    let mut out = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let suffix = if plans.len() > 1 {
            format!("-{}", i + 1)
        } else {
            String::new()
        };
        let money = p.is_money();
        match p {
            PlanDoc::Frontier(f) => {
                let mut pts = Vec::new();
                if !f.points.iter().any(|x| x.spent_eur == 0.0) {
                    pts.push(FrontierPoint {
                        cost_eur: 0.0,
                        in_sample: f.baseline.resimulated,
                        out_of_sample: Some((
                            f.baseline.out_of_sample.value,
                            f.baseline.out_of_sample.ci95,
                        )),
                    });
                }
                for x in &f.points {
                    if let Some(fig) = &x.figures {
                        pts.push(FrontierPoint {
                            cost_eur: x.spent_eur,
                            in_sample: fig.resimulated,
                            out_of_sample: Some((fig.out_of_sample.value, fig.out_of_sample.ci95)),
                        });
                    }
                }
                let chart = charts::frontier(
                    "Cost against risk",
                    &format!("{}; budgets on the {} basis", f.figure, f.budget_basis),
                    &f.figure,
                    money,
                    &pts,
                );
                let rows = std::iter::once(vec![
                    "baseline".into(),
                    eur(0.0),
                    "—".into(),
                    value(money, f.baseline.estimate),
                    value(money, f.baseline.resimulated),
                    out_of_sample(money, &f.baseline),
                    "—".into(),
                    String::new(),
                ])
                .chain(f.points.iter().map(|x| {
                    vec![
                        budget(x.budget_eur),
                        eur(x.spent_eur),
                        if x.controls.is_empty() {
                            "none".into()
                        } else {
                            x.controls.join(", ")
                        },
                        x.figures
                            .as_ref()
                            .map_or("—".into(), |g| value(money, g.estimate)),
                        x.figures
                            .as_ref()
                            .map_or("—".into(), |g| value(money, g.resimulated)),
                        x.figures
                            .as_ref()
                            .map_or("—".into(), |g| out_of_sample(money, g)),
                        x.reduction.as_ref().map_or("—".into(), |r| {
                            format!(
                                "{} [{} – {}]",
                                diff(money, r.value),
                                diff(money, r.ci95[0]),
                                diff(money, r.ci95[1])
                            )
                        }),
                        x.status.clone(),
                    ]
                }))
                .collect();
                out.push(section(
                    &format!("plan{suffix}"),
                    "Countermeasure plans",
                    2,
                    vec![
                        plain(format!(
                            "For each budget the planner chooses the candidate controls that minimise the {} on its planning trials (seed {}), then measures the plan again on fresh trials. Plans that a cheaper one dominates are dropped.",
                            f.figure, f.search.seed
                        )),
                        chart_or_note(
                            &format!("fig-frontier{suffix}"),
                            "frontier",
                            "Cost against risk",
                            "Blue: the figure of each plan re-simulated on the planning trials (in sample); orange: on fresh trials (out of sample) with its 95 % interval. The point at zero cost is the baseline.",
                            chart,
                        ),
                        table(
                            &format!("frontier-table{suffix}"),
                            "The frontier: for each budget, the controls chosen, what they cost, the figure as the optimiser estimated it, re-simulated in sample, and out of sample [95 % CI], and the paired reduction against the baseline [95 % CI]",
                            vec![
                                Column::text("budget"),
                                Column::num("spent"),
                                Column::text("controls"),
                                Column::num("estimate"),
                                Column::num("in sample"),
                                Column::num("out of sample"),
                                Column::num("reduction"),
                                Column::text("status"),
                            ],
                            rows,
                        ),
                    ],
                ));
            }
            PlanDoc::Plan(pl) => {
                let mut blocks = vec![plain(format!(
                    "Budget {} ({} basis), objective: {}. Status: {}.",
                    budget(pl.budget_eur),
                    pl.budget_basis,
                    pl.figure,
                    pl.status
                ))];
                let rows = pl
                    .controls
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.clone(),
                            c.name.clone(),
                            c.kind.clone(),
                            eur(c.cost_eur),
                            eur(c.upkeep_eur_per_year),
                            if c.required {
                                "yes".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                blocks.push(table(
                    &format!("plan-controls{suffix}"),
                    &format!("Controls to put in place ({} in all)", eur(pl.spent_eur)),
                    vec![
                        Column::text("control"),
                        Column::text("name"),
                        Column::text("kind"),
                        Column::num("cost"),
                        Column::num("upkeep / year"),
                        Column::text("required"),
                    ],
                    rows,
                ));
                let mut fig_rows = Vec::new();
                for (label, f) in [("baseline", &pl.baseline), ("plan", &pl.plan)] {
                    if let Some(f) = f {
                        fig_rows.push(vec![
                            label.to_string(),
                            value(money, f.estimate),
                            value(money, f.resimulated),
                            out_of_sample(money, f),
                        ]);
                    }
                }
                if let Some(r) = &pl.reduction {
                    fig_rows.push(vec![
                        "plan − baseline".into(),
                        String::new(),
                        String::new(),
                        format!(
                            "{} [{} – {}]",
                            diff(money, r.value),
                            diff(money, r.ci95[0]),
                            diff(money, r.ci95[1])
                        ),
                    ]);
                }
                blocks.push(table(
                    &format!("plan-figures{suffix}"),
                    &format!("The {}: optimiser's estimate, re-simulated in sample, and out of sample [95 % CI]", pl.figure),
                    vec![
                        Column::text(""),
                        Column::num("estimate"),
                        Column::num("in sample"),
                        Column::num("out of sample"),
                    ],
                    fig_rows,
                ));
                for c in &pl.conflicts {
                    blocks.push(plain(format!("Conflict: {}", c.explanation)));
                }
                for n in &pl.notes {
                    blocks.push(plain(format!("Note: {n}")));
                }
                out.push(section(
                    &format!("plan{suffix}"),
                    "Countermeasure plan",
                    2,
                    blocks,
                ));
            }
        }
    }
    out
}

pub(super) fn rules(sets: &[RulesDoc]) -> Vec<Section> {
    let mut out = Vec::new();
    for (i, r) in sets.iter().enumerate() {
        let suffix = if sets.len() > 1 {
            format!("-{}", i + 1)
        } else {
            String::new()
        };
        let mut blocks = Vec::new();
        if let (Some(c), Some(d)) = (&r.coverage, &r.derivation) {
            blocks.push(plain(format!(
                "The monitoring points were chosen on {} simulated trials (seed {}) so that at least {} of the attacks that reach a goal are detected before it, at the least cost per year; on {} held-out trials the chosen points detect {} of {} attacks before their goal: {}.",
                count(d.trials),
                d.seed,
                pct(d.target_share),
                count(d.holdout_trials),
                count(c.predicted.detected),
                count(c.predicted.attacks),
                pct_ci(c.predicted.share, c.predicted.ci95),
            )));
        }
        let by_point: std::collections::BTreeMap<&str, &crate::rules::PointValue> = r
            .ranking
            .iter()
            .map(|p| (p.point.as_str(), p))
            .chain(
                r.rules
                    .iter()
                    .filter_map(|x| x.why.as_ref())
                    .map(|w| (w.point.as_str(), &w.figures)),
            )
            .collect();
        if let Some(c) = &r.coverage {
            let rows = c
                .points
                .iter()
                .map(|p| match by_point.get(p.as_str()) {
                    Some(v) => vec![
                        p.clone(),
                        pct(v.share_on_paths),
                        hours(v.lead_hours.p50),
                        eur(v.mean_loss_eur),
                        eur(v.cost_eur_per_year),
                    ],
                    None => vec![p.clone(), "—".into(), "—".into(), "—".into(), "—".into()],
                })
                .collect();
            blocks.push(table(
                &format!("rules-points{suffix}"),
                &format!(
                    "Chosen monitoring points ({} per year in all): the share of attacks whose path passes the point, the median warning before the goal, and the mean loss of those attacks",
                    eur(c.cost_eur_per_year)
                ),
                vec![
                    Column::text("point"),
                    Column::num("attacks on path"),
                    Column::num("median lead"),
                    Column::num("mean loss"),
                    Column::num("cost / year"),
                ],
                rows,
            ));
        }
        let rule_rows: Vec<Vec<String>> = r
            .rules
            .iter()
            .map(|x| {
                vec![
                    x.name.clone(),
                    x.title.clone(),
                    x.level.clone(),
                    x.kind().to_string(),
                    x.techniques.join(", "),
                    x.why
                        .as_ref()
                        .map_or("—".into(), |w| pct(w.figures.share_on_paths)),
                ]
            })
            .collect();
        let rules_table = table(
            &format!("rules-table{suffix}"),
            &format!(
                "The {} rules (native format for ensure watch; Sigma for single-event rules)",
                r.rules.len()
            ),
            vec![
                Column::text("rule"),
                Column::text("title"),
                Column::text("level"),
                Column::text("kind"),
                Column::text("ATT&CK"),
                Column::num("attacks on path"),
            ],
            rule_rows,
        );
        if r.rules.len() > 20 {
            blocks.push(Block::Details {
                summary: format!("All {} rules", r.rules.len()),
                blocks: vec![rules_table],
            });
        } else {
            blocks.push(rules_table);
        }
        out.push(section(
            &format!("rules{suffix}"),
            "Detection rules",
            2,
            blocks,
        ));
    }
    out
}
