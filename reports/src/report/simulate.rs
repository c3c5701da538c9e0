//! Simulation: goals and their time to compromise, losses, exposure by asset, outages,
//! actors and attack paths.

use ensure_model::Model;
use ensure_simulator::result::{wilson, Summary};
use ensure_simulator::SimResult;

use super::{chart_or_note, headline, layer_name, org_names, section, table};
use crate::charts::{self, CascadeRow, ExceedanceCurve, HeatCell, TimelineRow, TtcCurve};
use crate::doc::{plain, Block, Column, Headline, Section, Tone};
use crate::fmt::{count, eur, hours, num, pct, pct_ci};

/// The percentiles a simulation reports, with their ranks.
fn percentiles(s: &Summary) -> [(f64, f64); 6] {
    [
        (0.05, s.p5),
        (0.25, s.p25),
        (0.5, s.p50),
        (0.75, s.p75),
        (0.95, s.p95),
        (0.99, s.p99),
    ]
}

pub(super) fn horizon(r: &SimResult) -> String {
    if (r.horizon_hours - 8760.0).abs() < 1e-9 {
        "a year (8,760 h)".into()
    } else {
        hours(r.horizon_hours)
    }
}

pub(super) fn headlines(r: &SimResult) -> Vec<Headline> {
    let l = &r.loss_eur;
    let mut out = vec![
        headline(
            "Mean loss within the horizon",
            eur(l.mean),
            format!("95 % CI {} – {}", eur(l.mean_ci95[0]), eur(l.mean_ci95[1])),
            Tone::Neutral,
        ),
        headline(
            "Value at risk, 99 %",
            eur(l.var99),
            "1 trial in 100 loses more".into(),
            Tone::Neutral,
        ),
    ];
    if let Some(g) = r.goals.iter().max_by(|a, b| {
        a.p_reached
            .p
            .total_cmp(&b.p_reached.p)
            .then(b.id.cmp(&a.id))
    }) {
        out.push(headline(
            "Most likely goal",
            pct(g.p_reached.p),
            g.id.clone(),
            if g.p_reached.p > 0.5 {
                Tone::Bad
            } else {
                Tone::Neutral
            },
        ));
    }
    out.push(headline(
        "Some asset down",
        pct(r.cascade.p_any_outage.p),
        format!(
            "assets down per trial: mean {}",
            num(r.cascade.assets_down.mean, 2)
        ),
        Tone::Neutral,
    ));
    out
}

pub(super) fn sections(model: &Model, r: &SimResult, suffix: &str) -> Vec<Section> {
    let id = |s: &str| format!("{s}{suffix}");
    let mut out = Vec::new();
    let config = if r.configuration.is_empty() {
        "none".to_string()
    } else {
        r.configuration.join(", ")
    };
    out.push(section(
        &id("simulation"),
        if suffix.is_empty() {
            "Simulation".to_string()
        } else {
            format!("Simulation {}", &suffix[1..])
        }
        .as_str(),
        2,
        vec![plain(format!(
            "{} trials of {} each, seed {}; controls on: {config}. Probabilities come with 95 % Wilson intervals, means with normal intervals. What a trial is (campaigns, attempts, detection, outages, losses) is defined in the book's chapter on the semantics.",
            count(r.trials),
            horizon(r),
            r.seed
        ))],
    ));
    out.push(goals(r, &id));
    out.push(losses(r, &id));
    out.push(exposure(model, r, &id));
    out.push(outages(model, r, &id));
    out.push(actors_and_paths(r, &id));
    out
}

fn goals(r: &SimResult, id: &dyn Fn(&str) -> String) -> Section {
    let n = r.trials;
    let days = r.horizon_hours / 24.0;
    let mut sorted: Vec<_> = r.goals.iter().collect();
    sorted.sort_by(|a, b| {
        b.p_reached
            .p
            .total_cmp(&a.p_reached.p)
            .then(a.id.cmp(&b.id))
    });
    let curves: Vec<TtcCurve> = sorted
        .iter()
        .filter_map(|g| {
            let s = g.ttc_hours.as_ref()?;
            let reached = g.p_reached.count;
            let mut points = vec![(0.0, 0.0)];
            let mut band = vec![(0.0, 0.0, 0.0)];
            if !g.ttc_cdf.is_empty() {
                // The simulator's distribution function: exact proportions at its points,
                // drawn as a step curve (the share only changes at those points).
                let mut last = (0.0, 0.0, 0.0);
                for pt in &g.ttc_cdf {
                    let d = (pt.hours / 24.0).min(days);
                    points.push((d, last.0));
                    band.push((d, last.1, last.2));
                    points.push((d, pt.p));
                    band.push((d, pt.ci95[0], pt.ci95[1]));
                    last = (pt.p, pt.ci95[0], pt.ci95[1]);
                }
            } else {
                // Results written before the simulator gave the distribution function: join
                // the reported percentiles.
                for (q, t) in percentiles(s) {
                    // The q-quantile is the value of rank ceil(q k) among the k trials that
                    // reached the goal: that many trials of n had reached it by then.
                    let k = ((q * reached as f64).ceil() as u64).clamp(1, reached);
                    let (lo, hi) = wilson(k, n);
                    points.push((t / 24.0, k as f64 / n as f64));
                    band.push((t / 24.0, lo, hi));
                }
            }
            points.push((days, g.p_reached.p));
            band.push((days, g.p_reached.ci95[0], g.p_reached.ci95[1]));
            Some(TtcCurve {
                label: g.id.clone(),
                note: format!("{} by day {}", pct(g.p_reached.p), num(days, 0)),
                points,
                band,
                median: Some((
                    ((0.5 * reached as f64).ceil() / n as f64),
                    [s.p50_ci95[0] / 24.0, s.p50_ci95[1] / 24.0],
                )),
            })
        })
        .collect();
    let never: Vec<&str> = sorted
        .iter()
        .filter(|g| g.ttc_hours.is_none())
        .map(|g| g.id.as_str())
        .collect();
    let chart = charts::ttc_cdf(
        "Time to compromise by goal",
        &format!("{} trials, seed {}", count(n), r.seed),
        days,
        &curves,
    );
    let mut caption = if sorted.iter().any(|g| !g.ttc_cdf.is_empty()) {
        "Share of trials in which the goal has been reached by each day: the simulator's empirical distribution function, exact counts at up to 60 times (half spread evenly on a log scale, half on a linear one), drawn as steps and ending at the probability within the horizon. The shaded band is the 95 % Wilson interval at each time, and the thick bar at the median's height is the 95 % interval of the median time."
    } else {
        "Share of trials in which the goal has been reached by each day. Each curve joins the simulator's reported percentiles (5th, 25th, 50th, 75th, 95th, 99th of the trials that reach the goal) and ends at the probability within the horizon; the shaded band is the 95 % Wilson interval at those points, and the thick bar at the median's height is the 95 % interval of the median time."
    }
    .to_string();
    if !never.is_empty() {
        caption.push_str(&format!(" Never reached: {}.", never.join(", ")));
    }
    let rows = sorted
        .iter()
        .map(|g| {
            let t = g.ttc_hours.as_ref();
            let a = g.attack_hours.as_ref();
            vec![
                g.id.clone(),
                g.name.clone(),
                pct_ci(g.p_reached.p, g.p_reached.ci95),
                t.map_or("—".into(), |s| hours(s.p50)),
                t.map_or("—".into(), |s| {
                    format!("{} – {}", hours(s.p5), hours(s.p95))
                }),
                a.map_or("—".into(), |s| hours(s.p50)),
                if g.p_reached.count > 0 {
                    pct(g.p_detected.p)
                } else {
                    "—".into()
                },
                if g.p_reached.count > 0 {
                    pct(g.p_detected_before_goal.p)
                } else {
                    "—".into()
                },
                count(g.n_distinct_paths),
            ]
        })
        .collect();
    section(
        &id("goals"),
        "Goals and time to compromise",
        3,
        vec![
            chart_or_note(&id("fig-ttc"), "ttc", "Time to compromise by goal", &caption, chart),
            table(
                &id("goals-table"),
                "Goals: probability within the horizon (95 % CI); time to compromise from the start of the horizon (median, 5th–95th percentile) and how long the successful attack itself took (median); detection of the campaigns that reached the goal",
                vec![
                    Column::text("goal"),
                    Column::text("name"),
                    Column::num("P(reached)"),
                    Column::num("median TTC"),
                    Column::num("TTC p5 – p95"),
                    Column::num("attack took"),
                    Column::num("detected"),
                    Column::num("before goal"),
                    Column::num("paths"),
                ],
                rows,
            ),
        ],
    )
}

fn losses(r: &SimResult, id: &dyn Fn(&str) -> String) -> Section {
    let l = &r.loss_eur;
    let chart = charts::exceedance(
        "Loss exceedance",
        &format!(
            "{} trials, seed {}; P(any loss) {}",
            count(r.trials),
            r.seed,
            pct(l.p_any_loss.p)
        ),
        &horizon_short(r),
        &[ExceedanceCurve {
            label: r.model.clone(),
            points: &l.exceedance,
            markers: vec![("VaR 95 %".into(), l.var95), ("VaR 99 %".into(), l.var99)],
        }],
    );
    let summary_rows = vec![
        vec![
            "mean".into(),
            eur(l.mean),
            format!("{} – {}", eur(l.mean_ci95[0]), eur(l.mean_ci95[1])),
        ],
        vec!["median".into(), eur(l.median), String::new()],
        vec![
            "VaR 95 %".into(),
            eur(l.var95),
            format!("{} – {}", eur(l.var95_ci95[0]), eur(l.var95_ci95[1])),
        ],
        vec![
            "VaR 99 %".into(),
            eur(l.var99),
            format!("{} – {}", eur(l.var99_ci95[0]), eur(l.var99_ci95[1])),
        ],
        vec![
            "P(any loss)".into(),
            pct(l.p_any_loss.p),
            format!(
                "{} – {}",
                pct(l.p_any_loss.ci95[0]),
                pct(l.p_any_loss.ci95[1])
            ),
        ],
        vec![
            "records exposed (mean)".into(),
            num(r.records_exposed.mean, 0),
            format!(
                "median {}, p95 {}",
                num(r.records_exposed.p50, 0),
                num(r.records_exposed.p95, 0)
            ),
        ],
    ];
    let mut impacts: Vec<_> = r.impacts.iter().collect();
    impacts.sort_by(|a, b| {
        b.mean_loss_eur
            .total_cmp(&a.mean_loss_eur)
            .then(a.id.cmp(&b.id))
    });
    let impact_rows = impacts
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.kind.clone(),
                pct_ci(i.p_occurs.p, i.p_occurs.ci95),
                num(i.mean_events, 3),
                eur(i.mean_loss_eur),
                format!(
                    "{} – {}",
                    eur(i.mean_loss_eur_ci95[0]),
                    eur(i.mean_loss_eur_ci95[1])
                ),
                num(i.mean_records, 0),
            ]
        })
        .collect();
    let curve_rows = l
        .exceedance
        .iter()
        .map(|p| vec![eur(p[0]), pct(p[1])])
        .collect();
    section(
        &id("losses"),
        "Losses",
        3,
        vec![
            chart_or_note(
                &id("fig-exceedance"),
                "exceedance",
                "Loss exceedance",
                "Probability that the loss within the horizon exceeds each amount, both axes logarithmic; dashed lines mark the 95 % and 99 % values at risk. The curve ends where the trials run out: below 1 in the number of trials nothing can be seen.",
                chart,
            ),
            table(
                &id("loss-table"),
                "Loss within the horizon, with 95 % intervals",
                vec![Column::text("figure"), Column::num("value"), Column::num("95 % CI")],
                summary_rows,
            ),
            table(
                &id("impacts-table"),
                "Impacts, largest mean loss first: how often each occurs, and its mean loss per trial over all trials",
                vec![
                    Column::text("impact"),
                    Column::text("kind"),
                    Column::num("P(occurs)"),
                    Column::num("events / trial"),
                    Column::num("mean loss"),
                    Column::num("95 % CI"),
                    Column::num("records / trial"),
                ],
                impact_rows,
            ),
            Block::Details {
                summary: "The points of the loss exceedance curve".into(),
                blocks: vec![table(
                    &id("exceedance-table"),
                    "Loss exceedance curve: P(loss > amount)",
                    vec![Column::num("amount"), Column::num("P(loss > amount)")],
                    curve_rows,
                )],
            },
        ],
    )
}

fn horizon_short(r: &SimResult) -> String {
    if (r.horizon_hours - 8760.0).abs() < 1e-9 {
        "a year".into()
    } else {
        hours(r.horizon_hours)
    }
}

fn exposure(model: &Model, r: &SimResult, id: &dyn Fn(&str) -> String) -> Section {
    let orgs = org_names(model);
    let mut row_names: Vec<String> = Vec::new();
    for o in &orgs {
        if !row_names.contains(o) {
            row_names.push(o.clone());
        }
    }
    let layers = crate::layout::COLUMNS;
    let present: Vec<_> = layers
        .iter()
        .filter(|l| model.assets.iter().any(|a| a.layer == **l))
        .copied()
        .collect();
    let by_id: std::collections::BTreeMap<&str, &ensure_simulator::result::AssetResult> =
        r.assets.iter().map(|a| (a.id.as_str(), a)).collect();
    let cells: Vec<HeatCell> = model
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| HeatCell {
            row: row_names.iter().position(|o| *o == orgs[i]).unwrap_or(0),
            col: present.iter().position(|l| *l == a.layer).unwrap_or(0),
            label: a.id.clone(),
            p: by_id.get(a.id.as_str()).map_or(0.0, |x| x.p_compromised.p),
        })
        .collect();
    let chart = charts::compromise_heatmap(
        "Where compromise happens",
        &format!(
            "P(asset compromised within the horizon) by organisation and layer; {} trials",
            count(r.trials)
        ),
        &row_names,
        &present
            .iter()
            .map(|l| layer_name(*l).to_string())
            .collect::<Vec<_>>(),
        &cells,
    );
    let mut assets: Vec<(usize, &ensure_simulator::result::AssetResult)> = r
        .assets
        .iter()
        .filter_map(|a| model.asset_id(&a.id).map(|i| (i.idx(), a)))
        .collect();
    assets.sort_by(|a, b| {
        b.1.p_compromised
            .p
            .total_cmp(&a.1.p_compromised.p)
            .then(a.0.cmp(&b.0))
    });
    let row = |(i, a): &(usize, &ensure_simulator::result::AssetResult)| {
        vec![
            a.id.clone(),
            orgs[*i].clone(),
            layer_name(model.assets[*i].layer).to_string(),
            pct_ci(a.p_compromised.p, a.p_compromised.ci95),
            pct(a.p_outage.p),
            hours(a.mean_downtime_hours),
        ]
    };
    let columns = || {
        vec![
            Column::text("asset"),
            Column::text("organisation"),
            Column::text("layer"),
            Column::num("P(compromised)"),
            Column::num("P(outage)"),
            Column::num("mean downtime"),
        ]
    };
    let top: Vec<Vec<String>> = assets.iter().take(15).map(row).collect();
    let mut blocks = vec![
        chart_or_note(
            &id("fig-heatmap"),
            "heatmap",
            "Where compromise happens",
            "Every asset of the model is a tile in the cell of its organisation (its own, or its host's) and layer, coloured by the probability that some attack step on it completes within the horizon; grey tiles were never compromised in any trial.",
            chart,
        ),
        table(
            &id("assets-top"),
            "The 15 most exposed assets (95 % CI); downtime is the mean over all trials",
            columns(),
            top,
        ),
    ];
    if assets.len() > 15 {
        blocks.push(Block::Details {
            summary: format!(
                "All {} assets compromised or down in some trial",
                assets.len()
            ),
            blocks: vec![table(
                &id("assets-all"),
                "Every asset compromised or down in some trial",
                columns(),
                assets.iter().map(row).collect(),
            )],
        });
    }
    section(&id("exposure"), "Exposure by asset", 3, blocks)
}

fn outages(model: &Model, r: &SimResult, id: &dyn Fn(&str) -> String) -> Section {
    let orgs = org_names(model);
    let c = &r.cascade;
    let org_order: Vec<&String> = {
        let mut v: Vec<&String> = Vec::new();
        for o in &orgs {
            if !v.contains(&o) {
                v.push(o);
            }
        }
        v
    };
    let mut services: Vec<(usize, String, &ensure_simulator::result::ServiceDowntime)> = c
        .services
        .iter()
        .map(|s| {
            let org = model
                .asset_id(&s.id)
                .map(|a| orgs[a.idx()].clone())
                .unwrap_or_else(|| "(no organisation)".into());
            let rank = org_order
                .iter()
                .position(|o| **o == org)
                .unwrap_or(usize::MAX);
            (rank, org, s)
        })
        .collect();
    services.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.id.cmp(&b.2.id)));
    let rows: Vec<CascadeRow> = services
        .iter()
        .filter(|(_, _, s)| s.downtime_hours.n > 0)
        .map(|(_, org, s)| CascadeRow {
            org: org.clone(),
            service: s.id.clone(),
            p_down: s.downtime_hours.n as f64 / r.trials.max(1) as f64,
            p5: s.downtime_hours.p5,
            p25: s.downtime_hours.p25,
            p50: s.downtime_hours.p50,
            p75: s.downtime_hours.p75,
            p95: s.downtime_hours.p95,
        })
        .collect();
    let chart = charts::cascade_timeline(
        "Which organisation's services are down, and for how long",
        &format!(
            "services with an outage impact, grouped by organisation; P(some asset down) {}",
            pct(c.p_any_outage.p)
        ),
        &rows,
    );
    let timeline_rows: Vec<TimelineRow> = services
        .iter()
        .filter(|(_, _, s)| !s.timeline.is_empty())
        .map(|(_, org, s)| TimelineRow {
            org: org.clone(),
            service: s.id.clone(),
            shares: s.timeline.clone(),
        })
        .collect();
    let timeline = (!timeline_rows.is_empty()).then(|| {
        let slice = c.timeline_slice_hours.unwrap_or(0.0);
        chart_or_note(
            &id("fig-timeline"),
            "timeline",
            "When each organisation's services are down",
            &format!(
                "For each service with an outage impact, grouped by organisation, the expected share of each {}-day slice of the horizon that it spends down, over all trials (the probability that it is down at a time in the slice, averaged over the slice). Darker is more; the scale runs to the largest share shown.",
                num(slice / 24.0, 1)
            ),
            charts::outage_timeline(
                "When each organisation's services are down",
                &format!("expected share of each slice spent down, {} trials", count(r.trials)),
                r.horizon_hours / 24.0,
                &timeline_rows,
            ),
        )
    });
    let service_rows = services
        .iter()
        .map(|(_, org, s)| {
            let d = &s.downtime_hours;
            vec![
                s.id.clone(),
                org.clone(),
                pct(d.n as f64 / r.trials.max(1) as f64),
                hours(d.p50),
                format!("{} – {}", hours(d.p5), hours(d.p95)),
                hours(d.mean),
            ]
        })
        .collect();
    let org_rows = c
        .by_org
        .iter()
        .map(|o| {
            vec![
                o.id.clone(),
                pct_ci(o.p_any_compromised.p, o.p_any_compromised.ci95),
                num(o.mean_assets_compromised, 2),
                pct_ci(o.p_any_down.p, o.p_any_down.ci95),
                num(o.mean_assets_down, 2),
            ]
        })
        .collect();
    let mut text = format!(
        "In {} of the trials some asset goes down; a trial has {} assets down on average ({} of them through a dependency, a cascade).",
        pct(c.p_any_outage.p),
        num(c.assets_down.mean, 2),
        num(c.assets_down_by_cascade.mean, 2)
    );
    if let Some(o) = &c.outage_hours {
        text.push_str(&format!(
            " An outage interval lasts {} at the median (5th–95th percentile {} – {}).",
            hours(o.p50),
            hours(o.p5),
            hours(o.p95)
        ));
    }
    section(
        &id("outages"),
        "Outages and cascades",
        3,
        vec![
            plain(text),
            chart_or_note(
                &id("fig-cascade"),
                "cascade",
                "Which organisation's services are down, and for how long",
                "For each service with an outage impact, the hours it is down within a trial in which it goes down at all, from the simulator's per-service downtime percentiles: whiskers from the 5th to the 95th percentile, the box from the 25th to the 75th, a tick at the median; on the right, how often the service goes down.",
                chart,
            ),
        ]
        .into_iter()
        .chain(timeline)
        .chain([
            table(
                &id("services-table"),
                "Services with outage impacts: share of trials with downtime, and hours down in those trials",
                vec![
                    Column::text("service"),
                    Column::text("organisation"),
                    Column::num("P(down)"),
                    Column::num("median down"),
                    Column::num("p5 – p95"),
                    Column::num("mean"),
                ],
                service_rows,
            ),
            table(
                &id("orgs-table"),
                "Organisations: compromise and outage of their assets (95 % CI), means per trial",
                vec![
                    Column::text("organisation"),
                    Column::num("P(any compromised)"),
                    Column::num("assets compromised"),
                    Column::num("P(any down)"),
                    Column::num("assets down"),
                ],
                org_rows,
            ),
        ])
        .collect(),
    )
}

fn actors_and_paths(r: &SimResult, id: &dyn Fn(&str) -> String) -> Section {
    let actor_rows = r
        .actors
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                num(a.mean_campaigns, 2),
                num(a.mean_steps_per_campaign, 1),
                pct_ci(a.p_detected.p, a.p_detected.ci95),
                pct(a.p_stopped.p),
                a.ttd_hours.as_ref().map_or("—".into(), |d| hours(d.p50)),
            ]
        })
        .collect();
    let mut blocks = vec![table(
        &id("actors-table"),
        "Threat actors: campaigns per trial, steps completed per campaign, share of campaigns detected and stopped (95 % CI), median time to detection",
        vec![
            Column::text("actor"),
            Column::num("campaigns"),
            Column::num("steps"),
            Column::num("detected"),
            Column::num("stopped"),
            Column::num("median TTD"),
        ],
        actor_rows,
    )];
    let mut path_rows = Vec::new();
    for g in &r.goals {
        for (k, p) in g.top_paths.iter().take(3).enumerate() {
            path_rows.push(vec![
                if k == 0 { g.id.clone() } else { String::new() },
                pct(p.share),
                p.steps.join(" › "),
            ]);
        }
    }
    if !path_rows.is_empty() {
        blocks.push(table(
            &id("paths-table"),
            "The most frequent attack paths of each goal (share of the trials that reached it)",
            vec![
                Column::text("goal"),
                Column::num("share"),
                Column::text("path"),
            ],
            path_rows,
        ));
    }
    section(&id("actors"), "Actors and attack paths", 3, blocks)
}
