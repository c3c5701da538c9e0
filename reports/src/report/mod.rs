//! Builds the report document of one model from the results given: the summary first, then
//! the asset graph, verification, simulation, variants, sensitivity, planning and rules, and
//! how to reproduce it all. Sections without results are left out.

mod plan;
mod simulate;
mod variants;
mod verify;

use ensure_model::{Layer, Model};

use crate::doc::{
    code, para, plain, strong, text, Block, Column, Document, Figure, Headline, Inline, Section,
    Table, Tone,
};
use crate::inputs::Inputs;
use crate::layout::{self, Highlight};

/// How the results were made, for the "Reproduce" section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// The tool and its version, e.g. `ensure 0.1.0`.
    pub version: String,
    /// The commands that reproduce every result and the report itself, in order.
    pub commands: Vec<String>,
}

/// Turns any text into an anchor: lower-case letters, digits and hyphens.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

pub(crate) fn section(id: &str, title: &str, level: u8, blocks: Vec<Block>) -> Section {
    Section {
        id: slug(id),
        title: title.into(),
        level,
        blocks,
    }
}

pub(crate) fn figure(id: &str, kind: &str, title: &str, caption: &str, svg: String) -> Block {
    Block::Figure(Figure {
        id: slug(id),
        kind: kind.into(),
        title: title.into(),
        caption: caption.into(),
        svg,
    })
}

/// A chart, or a sentence saying why there is none.
pub(crate) fn chart_or_note(
    id: &str,
    kind: &str,
    title: &str,
    caption: &str,
    svg: Result<String, crate::charts::ChartError>,
) -> Block {
    match svg {
        Ok(svg) => figure(id, kind, title, caption, svg),
        Err(e) => plain(format!("No chart “{title}”: {e}.")),
    }
}

pub(crate) fn table(
    id: &str,
    caption: &str,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
) -> Block {
    Block::Table(Table {
        id: slug(id),
        caption: caption.into(),
        columns,
        rows,
    })
}

/// The organisation lane of every asset, as the graph drawing has it: its organisation,
/// itself for an organisation, or its host's.
pub(crate) fn org_names(model: &Model) -> Vec<String> {
    (0..model.assets.len())
        .map(|i| {
            layout::lane_of(model, ensure_model::AssetId(i as u32))
                .map(|o| model.asset(o).id.clone())
                .unwrap_or_else(|| "(no organisation)".into())
        })
        .collect()
}

pub(crate) fn layer_name(l: Layer) -> &'static str {
    l.as_str()
}

/// The report of `model` from `inputs`.
pub fn build(model: &Model, inputs: &Inputs, prov: &Provenance) -> Document {
    let names = crate::witness::Names::new(model);
    let mut sections = vec![summary(model, inputs)];
    sections.push(graph(model));
    sections.extend(verify::sections(model, &names, &inputs.verify));
    for (i, r) in inputs.simulations.iter().enumerate() {
        let suffix = if inputs.simulations.len() > 1 {
            format!("-{}", i + 1)
        } else {
            String::new()
        };
        sections.extend(simulate::sections(model, r, &suffix));
    }
    sections.extend(variants::comparisons(&inputs.comparisons));
    sections.extend(variants::sensitivities(&inputs.sensitivity));
    sections.extend(plan::plans(&inputs.plans));
    sections.extend(plan::rules(&inputs.rules));
    sections.push(reproduce(prov));
    let n_orgs = model
        .assets
        .iter()
        .filter(|a| a.layer == Layer::Organisational && a.org.is_none())
        .count();
    Document {
        title: format!("Security report: {}", model.name),
        subtitle: format!(
            "{} assets in {} organisations, {} attack steps, {} goals, {} properties · {}",
            model.assets.len(),
            n_orgs,
            model.steps.len(),
            model.goals.len(),
            model.properties.len(),
            if prov.version.is_empty() {
                "ensure".to_string()
            } else {
                prov.version.clone()
            }
        ),
        sections,
    }
}

fn summary(model: &Model, inputs: &Inputs) -> Section {
    let mut blocks = Vec::new();
    if !model.description.trim().is_empty() {
        blocks.push(plain(model.description.trim().to_string()));
    }
    // What was asked.
    let mut asked: Vec<Vec<Inline>> = Vec::new();
    for v in &inputs.verify {
        asked.push(vec![
            strong("Verify"),
            text(format!(
                " {} properties of {} with Z3: does each hold in the model, and if not, what is a witness?",
                v.properties.len(),
                v.file
            )),
        ]);
    }
    for r in &inputs.simulations {
        asked.push(vec![
            strong("Simulate"),
            text(format!(
                " {} trials of {} each (seed {}): how likely is each goal, how fast, how much does it cost, what goes down?",
                crate::fmt::count(r.trials),
                simulate::horizon(r),
                r.seed
            )),
        ]);
    }
    if !inputs.comparisons.is_empty() {
        asked.push(vec![
            strong("Compare"),
            text(format!(
                " {} variant(s) with the baseline on common random numbers: what does each change?",
                inputs.comparisons.len()
            )),
        ]);
    }
    for s in &inputs.sensitivity {
        asked.push(vec![
            strong("Sensitivity"),
            text(format!(
                ": which of {} parameters move the {} most?",
                s.rows.len(),
                s.figure
            )),
        ]);
    }
    for p in &inputs.plans {
        asked.push(vec![
            strong("Plan"),
            text(format!(
                ": which controls to add to reduce the {}?",
                p.figure()
            )),
        ]);
    }
    for r in &inputs.rules {
        asked.push(vec![
            strong("Derive rules"),
            text(format!(
                ": where to watch, and which rules ({} derived) detect the simulated attacks before their goal?",
                r.rules.len()
            )),
        ]);
    }
    if !asked.is_empty() {
        blocks.push(para(vec![strong("What was asked.")]));
        blocks.push(Block::List { items: asked });
    }
    let mut heads = Vec::new();
    heads.extend(verify::headlines(&inputs.verify));
    if let Some(r) = inputs.simulations.first() {
        heads.extend(simulate::headlines(r));
    }
    heads.extend(variants::headlines(&inputs.comparisons));
    heads.extend(plan::headlines(&inputs.plans, &inputs.rules));
    if !heads.is_empty() {
        blocks.push(para(vec![strong("Headline figures.")]));
        blocks.push(Block::Headlines { items: heads });
    }
    if let Some(t) = verify::verdict_table(&inputs.verify) {
        blocks.push(t);
    }
    if inputs.is_empty() {
        blocks.push(plain(
            "No results were given: this report shows the model only.".to_string(),
        ));
    }
    section("summary", "Summary", 2, blocks)
}

fn graph(model: &Model) -> Section {
    let svg = layout::asset_graph_svg_with(model, &Highlight::default(), "g-main");
    let mut counts: Vec<(Layer, usize)> = Vec::new();
    for a in &model.assets {
        match counts.iter_mut().find(|(l, _)| *l == a.layer) {
            Some((_, n)) => *n += 1,
            None => counts.push((a.layer, 1)),
        }
    }
    counts.sort_by_key(|(l, _)| layout::column_of(*l));
    let blocks = vec![
        para(vec![text(format!(
            "{} assets and {} relations. One band per organisation (assets outside any organisation at the bottom), one column per layer; ",
            model.assets.len(),
            model.graph.edge_count()
        )), text("★ marks a crown jewel. The same graph is exported as Graphviz DOT by "), code("ensure graph MODEL --format dot"), text(".")]),
        figure(
            "fig-graph",
            "graph",
            "The asset graph",
            &format!(
                "Assets by organisation and layer ({}); edges are flows, hosting, access rights, custody, dependencies and storage.",
                counts
                    .iter()
                    .map(|(l, n)| format!("{n} {}", layer_name(*l)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            svg,
        ),
    ];
    section("asset-graph", "Asset graph", 2, blocks)
}

fn reproduce(prov: &Provenance) -> Section {
    let mut blocks = vec![plain(
        "Every figure above comes from the result files listed here; the commands below remake them and this report. The same results and the same version of ensure give a byte-identical report (no dates, stable ordering, fixed number formats), and a simulation's numbers depend only on the model, the seed and the number of trials, not on the machine or its thread count.".to_string(),
    )];
    if !prov.commands.is_empty() {
        blocks.push(Block::Code {
            text: prov.commands.join("\n"),
        });
    }
    if !prov.version.is_empty() {
        blocks.push(para(vec![
            text("Made with "),
            code(prov.version.clone()),
            text("."),
        ]));
    }
    section("reproduce", "Reproduce", 2, blocks)
}

pub(crate) fn headline(label: &str, value: String, note: String, tone: Tone) -> Headline {
    Headline {
        label: label.into(),
        value,
        note,
        tone,
    }
}
