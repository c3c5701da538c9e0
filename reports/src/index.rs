//! An index page linking several reports (the pilots), with each one's headline figures.

use crate::doc::{code, para, plain, text, Block, Document, Headline, Inline, Section};
use crate::report::{slug, Provenance};

/// One report to link.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    /// What the model is about, one paragraph.
    pub description: String,
    /// Links relative to the index: `(label, href)`.
    pub links: Vec<(String, String)>,
    pub headlines: Vec<Headline>,
}

/// The headline figures of a report: those of its summary.
pub fn headlines_of(doc: &Document) -> Vec<Headline> {
    doc.sections
        .first()
        .into_iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Headlines { items } => Some(items.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The index document.
pub fn build(title: &str, intro: &str, entries: &[Entry], prov: &Provenance) -> Document {
    let mut sections: Vec<Section> = entries
        .iter()
        .map(|e| {
            let mut links: Vec<Inline> = vec![text("Report: ")];
            for (k, (label, href)) in e.links.iter().enumerate() {
                if k > 0 {
                    links.push(text(" · "));
                }
                links.push(Inline::Link {
                    text: label.clone(),
                    href: href.clone(),
                });
            }
            let mut blocks = vec![plain(e.description.clone()), para(links)];
            if !e.headlines.is_empty() {
                blocks.push(Block::Headlines {
                    items: e.headlines.clone(),
                });
            }
            Section {
                id: slug(&e.name),
                title: e.name.clone(),
                level: 2,
                blocks,
            }
        })
        .collect();
    let mut repro = Vec::new();
    if !prov.commands.is_empty() {
        repro.push(Block::Code {
            text: prov.commands.join("\n"),
        });
    }
    if !prov.version.is_empty() {
        repro.push(para(vec![
            text("Made with "),
            code(prov.version.clone()),
            text("."),
        ]));
    }
    sections.push(Section {
        id: "reproduce".into(),
        title: "Reproduce".into(),
        level: 2,
        blocks: repro,
    });
    Document {
        title: title.into(),
        subtitle: intro.into(),
        sections,
    }
}
