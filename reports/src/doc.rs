//! A report as a document: sections of paragraphs, headline figures, charts and tables. The
//! HTML and Markdown renderers draw the same document, and its JSON form is the report for
//! machines (and for snapshot tests).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub title: String,
    /// One line under the title.
    pub subtitle: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Anchor, unique in the document.
    pub id: String,
    pub title: String,
    /// 2 for a chapter (listed in the contents), 3 for a part of one.
    pub level: u8,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Block {
    Paragraph {
        text: Vec<Inline>,
    },
    Headlines {
        items: Vec<Headline>,
    },
    Figure(Figure),
    Table(Table),
    Code {
        text: String,
    },
    List {
        items: Vec<Vec<Inline>>,
    },
    /// A block folded away in HTML (long tables); inline in Markdown.
    Details {
        summary: String,
        blocks: Vec<Block>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "t", content = "v", rename_all = "kebab-case")]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
    Link { text: String, href: String },
}

/// A headline figure: a label, the value, and a note (interval, context).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub label: String,
    pub value: String,
    pub note: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tone {
    Good,
    Bad,
    Neutral,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Unique in the document; also the image's file name in the Markdown version.
    pub id: String,
    /// What kind of chart: `exceedance`, `ttc`, `heatmap`, `tornado`, `frontier`,
    /// `cascade`, `forest`, `graph`.
    pub kind: String,
    pub title: String,
    pub caption: String,
    /// The SVG document; left out of the JSON form.
    #[serde(skip)]
    pub svg: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub title: String,
    /// Right-aligned.
    pub numeric: bool,
}

impl Column {
    pub fn text(title: &str) -> Column {
        Column {
            title: title.into(),
            numeric: false,
        }
    }

    pub fn num(title: &str) -> Column {
        Column {
            title: title.into(),
            numeric: true,
        }
    }
}

pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

pub fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}

pub fn para(parts: Vec<Inline>) -> Block {
    Block::Paragraph { text: parts }
}

/// A paragraph of plain text.
pub fn plain(s: impl Into<String>) -> Block {
    Block::Paragraph {
        text: vec![text(s)],
    }
}

impl Document {
    /// Every figure, in document order.
    pub fn figures(&self) -> Vec<&Figure> {
        fn walk<'a>(blocks: &'a [Block], out: &mut Vec<&'a Figure>) {
            for b in blocks {
                match b {
                    Block::Figure(f) => out.push(f),
                    Block::Details { blocks, .. } => walk(blocks, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(&s.blocks, &mut out);
        }
        out
    }

    /// The document as pretty JSON (figures without their SVG), ending in a newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}
