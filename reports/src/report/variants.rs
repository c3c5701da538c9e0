//! What-if questions: variants compared with the baseline on common random numbers, and the
//! one-at-a-time sensitivity of a figure to every parameter.

use ensure_simulator::compare::Comparison;
use ensure_simulator::sensitivity::Sensitivity;

use super::{chart_or_note, headline, section, table};
use crate::charts::{self, ExceedanceCurve, ForestRow};
use crate::doc::{plain, Block, Column, Headline, Section, Tone};
use crate::fmt::{count, eur, eur_signed, pct, pp};

/// The variant's name without its baseline's, when it starts with it.
pub(crate) fn variant_label(c: &Comparison) -> String {
    let base = &c.baseline.model;
    match c.variant.model.strip_prefix(base.as_str()) {
        Some(rest)
            if !rest
                .trim_matches(|ch: char| !ch.is_alphanumeric())
                .is_empty() =>
        {
            rest.trim_start_matches(|ch: char| !ch.is_alphanumeric())
                .to_string()
        }
        _ => c.variant.model.clone(),
    }
}

pub(super) fn headlines(comparisons: &[Comparison]) -> Vec<Headline> {
    let best = comparisons.iter().min_by(|a, b| {
        a.mean_loss_eur
            .difference
            .total_cmp(&b.mean_loss_eur.difference)
            .then(a.variant.model.cmp(&b.variant.model))
    });
    match best {
        Some(c) if c.mean_loss_eur.difference < 0.0 => vec![headline(
            "Best variant by mean loss",
            eur_signed(c.mean_loss_eur.difference),
            variant_label(c),
            Tone::Good,
        )],
        _ => Vec::new(),
    }
}

pub(super) fn comparisons(cs: &[Comparison]) -> Vec<Section> {
    if cs.is_empty() {
        return Vec::new();
    }
    let rows: Vec<ForestRow> = cs
        .iter()
        .map(|c| ForestRow {
            label: variant_label(c),
            estimate: c.mean_loss_eur.difference,
            ci95: c.mean_loss_eur.ci95,
        })
        .collect();
    let trials = cs[0].trials;
    let forest = charts::forest(
        "Variants against the baseline: change in mean loss",
        &format!(
            "paired on common random numbers; {} trials, seed {}; green: a significant reduction, orange: a significant increase",
            count(trials),
            cs[0].seed
        ),
        "variant minus baseline, mean loss within the horizon (EUR)",
        true,
        &rows,
    );
    let mut curves = vec![ExceedanceCurve {
        label: format!("{} (baseline)", cs[0].baseline.model),
        points: &cs[0].baseline.loss_eur.exceedance,
        markers: Vec::new(),
    }];
    for c in cs {
        curves.push(ExceedanceCurve {
            label: variant_label(c),
            points: &c.variant.loss_eur.exceedance,
            markers: Vec::new(),
        });
    }
    let overlay = charts::exceedance(
        "Loss exceedance of the baseline and its variants",
        &format!("{} trials each, common random numbers", count(trials)),
        "the horizon",
        &curves,
    );
    let summary_rows = cs
        .iter()
        .map(|c| {
            let m = &c.mean_loss_eur;
            let better = c.goals.iter().filter(|g| g.p_reached.ci95[1] < 0.0).count();
            let worse = c.goals.iter().filter(|g| g.p_reached.ci95[0] > 0.0).count();
            vec![
                variant_label(c),
                eur(m.baseline),
                eur(m.variant),
                eur_signed(m.difference),
                format!("{} – {}", eur_signed(m.ci95[0]), eur_signed(m.ci95[1])),
                format!("{better} down, {worse} up"),
            ]
        })
        .collect();
    let mut goal_rows = Vec::new();
    for c in cs {
        for (k, g) in c.goals.iter().enumerate() {
            goal_rows.push(vec![
                if k == 0 {
                    variant_label(c)
                } else {
                    String::new()
                },
                g.id.clone(),
                pct(g.p_reached.baseline),
                pct(g.p_reached.variant),
                pp(g.p_reached.difference),
                format!("{} – {}", pp(g.p_reached.ci95[0]), pp(g.p_reached.ci95[1])),
            ]);
        }
    }
    vec![section(
        "variants",
        "Variants",
        2,
        vec![
            plain(format!(
                "Each variant is simulated on the same {} trials as the baseline, drawing the same random numbers for every element they share, so that differences are the variant's doing and their intervals are narrow (paired intervals: normal for the mean loss, Newcombe's for probabilities).",
                count(trials)
            )),
            chart_or_note(
                "fig-variants",
                "forest",
                "Variants against the baseline: change in mean loss",
                "Dot: variant minus baseline mean loss within the horizon; bar: its paired 95 % interval. Left of the zero line the variant lowers the loss.",
                forest,
            ),
            table(
                "variants-table",
                "Mean loss of each variant and the baseline, the paired difference with its 95 % interval, and how many goals became significantly less or more likely",
                vec![
                    Column::text("variant"),
                    Column::num("baseline"),
                    Column::num("variant"),
                    Column::num("difference"),
                    Column::num("95 % CI"),
                    Column::text("goals"),
                ],
                summary_rows,
            ),
            chart_or_note(
                "fig-variants-exceedance",
                "exceedance",
                "Loss exceedance of the baseline and its variants",
                "The loss exceedance curves of the baseline and of every variant on the same axes (both logarithmic).",
                overlay,
            ),
            Block::Details {
                summary: "Every goal under every variant".into(),
                blocks: vec![table(
                    "variants-goals",
                    "Probability of each goal within the horizon, baseline and variant, and the paired difference in percentage points with its 95 % interval",
                    vec![
                        Column::text("variant"),
                        Column::text("goal"),
                        Column::num("baseline"),
                        Column::num("variant"),
                        Column::num("difference"),
                        Column::num("95 % CI"),
                    ],
                    goal_rows,
                )],
            },
        ],
    )]
}

pub(super) fn sensitivities(ss: &[Sensitivity]) -> Vec<Section> {
    let mut out = Vec::new();
    for (i, s) in ss.iter().enumerate() {
        let suffix = if ss.len() > 1 {
            format!("-{}", i + 1)
        } else {
            String::new()
        };
        let money = charts::is_money(&s.figure);
        let value = |x: f64| if money { eur(x) } else { pct(x) };
        let chart = charts::tornado(s, 15, &format!("What moves the {}", s.figure));
        let row = |r: &ensure_simulator::sensitivity::SensitivityRow| {
            vec![
                r.parameter.clone(),
                r.low_setting.clone(),
                value(r.low),
                r.high_setting.clone(),
                value(r.high),
                value(r.swing),
            ]
        };
        let columns = || {
            vec![
                Column::text("parameter"),
                Column::text("low end"),
                Column::num("figure"),
                Column::text("high end"),
                Column::num("figure"),
                Column::num("swing"),
            ]
        };
        let mut blocks = vec![
            plain(format!(
                "Each parameter is moved to a low and a high end, one at a time, and the model re-simulated on common random numbers ({} trials per run, seed {}); the {} at the base values is {}.",
                count(s.trials),
                s.seed,
                s.figure,
                value(s.base)
            )),
            chart_or_note(
                &format!("fig-tornado{suffix}"),
                "tornado",
                &format!("What moves the {}", s.figure),
                "The 15 parameters with the largest swing, largest at the top: the bar runs from the base value (black line) to the figure with the parameter at its low end (blue) and at its high end (orange).",
                chart,
            ),
            table(
                &format!("sensitivity-top{suffix}"),
                "The 20 largest swings",
                columns(),
                s.rows.iter().take(20).map(row).collect(),
            ),
        ];
        if s.rows.len() > 20 {
            blocks.push(Block::Details {
                summary: format!("All {} parameters", s.rows.len()),
                blocks: vec![table(
                    &format!("sensitivity-all{suffix}"),
                    "Every parameter, largest swing first",
                    columns(),
                    s.rows.iter().map(row).collect(),
                )],
            });
        }
        out.push(section(
            &format!("sensitivity{suffix}"),
            &format!("Sensitivity of the {}", s.figure),
            2,
            blocks,
        ));
    }
    out
}
