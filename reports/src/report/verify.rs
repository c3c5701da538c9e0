//! Verification: the verdict of every property, and each witness on the asset graph with
//! the places in the model file that it comes from.

use ensure_model::Model;

use super::{figure, headline, section, slug, table};
use crate::doc::{code, para, plain, strong, text, Block, Column, Headline, Section, Tone};
use crate::inputs::VerifiedModel;
use crate::layout;
use crate::witness::{self, Names};

pub(super) fn headlines(verify: &[VerifiedModel]) -> Vec<Headline> {
    if verify.is_empty() {
        return Vec::new();
    }
    let n: usize = verify.iter().map(|v| v.properties.len()).sum();
    let count = |s: &str| {
        verify
            .iter()
            .flat_map(|v| &v.properties)
            .filter(|p| p.verdict == s)
            .count()
    };
    let (violated, holds, unknown) = (count("violated"), count("holds"), count("unknown"));
    vec![headline(
        "Properties violated",
        format!("{violated} of {n}"),
        format!("{holds} hold, {unknown} unknown"),
        if violated > 0 {
            Tone::Bad
        } else if unknown > 0 {
            Tone::Neutral
        } else {
            Tone::Good
        },
    )]
}

/// Property, kind, verdict and the one-line reason, for the summary.
pub(super) fn verdict_table(verify: &[VerifiedModel]) -> Option<Block> {
    if verify.is_empty() {
        return None;
    }
    let rows = verify
        .iter()
        .flat_map(|v| &v.properties)
        .map(|p| {
            vec![
                p.id.clone(),
                p.kind.clone(),
                p.verdict.clone(),
                match p.verdict.as_str() {
                    "violated" => p
                        .witness
                        .as_ref()
                        .map(|w| w.summary.clone())
                        .unwrap_or_default(),
                    "holds" => p.proved.clone().unwrap_or_default(),
                    _ => p.reason.clone().unwrap_or_default(),
                },
            ]
        })
        .collect();
    Some(table(
        "verdicts",
        "Verdicts of the model's properties (details under Verification)",
        vec![
            Column::text("property"),
            Column::text("kind"),
            Column::text("verdict"),
            Column::text("why"),
        ],
        rows,
    ))
}

pub(super) fn sections(model: &Model, names: &Names<'_>, verify: &[VerifiedModel]) -> Vec<Section> {
    if verify.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let n_violated = verify
        .iter()
        .flat_map(|v| &v.properties)
        .filter(|p| p.verdict == "violated")
        .count();
    out.push(section(
        "verification",
        "Verification",
        2,
        vec![plain(format!(
            "The verifier proves a property or finds a witness: a concrete counterexample taken from the model. {n_violated} witness(es) follow, each drawn on the asset graph (the assets and relations it involves in red, the rest dimmed) and listed with the place in the model file of every element."
        ))],
    ));
    for v in verify {
        for p in &v.properties {
            let mut blocks = vec![para(vec![
                strong(format!("{}.", p.verdict)),
                text(format!(" {} ({} property", p.statement, p.kind)),
                text(match &p.location {
                    Some(l) => format!(", written at {l}"),
                    None => String::new(),
                }),
                text(if p.all_configurations {
                    "; checked for every configuration of the candidate controls)"
                } else {
                    ")"
                }),
            ])];
            match p.verdict.as_str() {
                "holds" => blocks.push(para(vec![
                    text("Proved: "),
                    text(p.proved.clone().unwrap_or_default()),
                    text("."),
                ])),
                "unknown" => blocks.push(para(vec![
                    text("Not decided: "),
                    text(p.reason.clone().unwrap_or_default()),
                    text(". Unknown is not a pass; raise the time budget with "),
                    code("--timeout-secs"),
                    text("."),
                ])),
                _ => {}
            }
            if let Some(w) = &p.witness {
                blocks.push(para(vec![
                    strong("Witness:"),
                    text(format!(" {}", w.summary)),
                ]));
                if let Some(cfg) = &w.configuration {
                    blocks.push(para(vec![
                        text("In the configuration with these controls on: "),
                        text(if cfg.is_empty() {
                            "none".to_string()
                        } else {
                            cfg.join(", ")
                        }),
                        text("."),
                    ]));
                }
                let h = witness::highlight(names, w);
                if !h.is_empty() {
                    let id = format!("fig-witness-{}", slug(&p.id));
                    blocks.push(figure(
                        &id,
                        "graph",
                        &format!("Witness of {}", p.id),
                        &format!(
                            "{} asset(s) and {} relation(s) of the witness highlighted on the asset graph.",
                            h.assets.len(),
                            h.edges.len()
                        ),
                        layout::asset_graph_svg_with(model, &h, &id),
                    ));
                }
                let rows = w
                    .elements
                    .iter()
                    .map(|e| {
                        vec![
                            e.role.clone(),
                            e.item.kind().to_string(),
                            e.label.clone(),
                            e.location
                                .as_ref()
                                .map(|l| l.to_string())
                                .unwrap_or_else(|| "—".into()),
                        ]
                    })
                    .collect();
                blocks.push(table(
                    &format!("witness-{}", p.id),
                    &format!("Elements of the witness of {}, most relevant first", p.id),
                    vec![
                        Column::text("role"),
                        Column::text("kind"),
                        Column::text("element"),
                        Column::text("where (file:line:column)"),
                    ],
                    rows,
                ));
                for n in &w.notes {
                    blocks.push(plain(format!("Note: {n}")));
                }
            }
            out.push(section(&format!("prop-{}", p.id), &p.id, 3, blocks));
        }
    }
    out
}
