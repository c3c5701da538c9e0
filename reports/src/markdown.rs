//! The document as Markdown (GitHub-flavoured tables) with its charts as SVG files beside it.

use std::fmt::Write;

use crate::doc::{Block, Document, Inline, Table};

/// The Markdown text and the images it refers to (`images/<figure id>.svg`).
#[derive(Debug, Clone, PartialEq)]
pub struct Markdown {
    pub text: String,
    /// `(path relative to the Markdown file, SVG document)`, in document order.
    pub images: Vec<(String, String)>,
}

/// Escapes characters that Markdown would read as markup.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn code_span(s: &str) -> String {
    // A span delimited by more backticks than it contains.
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn inline(parts: &[Inline]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(t) => out.push_str(&code_span(t)),
            Inline::Strong(t) => {
                let _ = write!(out, "**{}**", escape(t));
            }
            Inline::Link { text, href } => {
                let _ = write!(out, "[{}]({})", escape(text), href.replace(' ', "%20"));
            }
        }
    }
    out
}

fn cell(s: &str) -> String {
    escape(s).replace('\n', " ")
}

fn table(out: &mut String, t: &Table) {
    let _ = writeln!(out, "*{}*\n", escape(&t.caption));
    let _ = writeln!(
        out,
        "| {} |",
        t.columns
            .iter()
            .map(|c| cell(&c.title))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        out,
        "|{}|",
        t.columns
            .iter()
            .map(|c| if c.numeric { "---:" } else { "---" })
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &t.rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

fn blocks(out: &mut String, images: &mut Vec<(String, String)>, bs: &[Block], depth: usize) {
    for b in bs {
        match b {
            Block::Paragraph { text } => {
                let _ = writeln!(out, "{}\n", inline(text));
            }
            Block::Headlines { items } => {
                for h in items {
                    let note = if h.note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", escape(&h.note))
                    };
                    let _ = writeln!(
                        out,
                        "- {}: **{}**{note}",
                        escape(&h.label),
                        escape(&h.value)
                    );
                }
                out.push('\n');
            }
            Block::Figure(f) => {
                let path = format!("images/{}.svg", f.id);
                let _ = writeln!(
                    out,
                    "![{}]({path})\n\n*{}.* {}\n",
                    escape(&f.title),
                    escape(&f.title),
                    escape(&f.caption)
                );
                images.push((path, f.svg.clone()));
            }
            Block::Table(t) => table(out, t),
            Block::Code { text } => {
                let fence = if text.contains("```") { "````" } else { "```" };
                let _ = writeln!(out, "{fence}sh\n{}\n{fence}\n", text.trim_end());
            }
            Block::List { items } => {
                for i in items {
                    let _ = writeln!(out, "- {}", inline(i));
                }
                out.push('\n');
            }
            Block::Details {
                summary,
                blocks: inner,
            } => {
                let _ = writeln!(
                    out,
                    "{} {}\n",
                    "#".repeat((depth + 1).min(6)),
                    escape(summary)
                );
                blocks(out, images, inner, depth + 1);
            }
        }
    }
}

/// Renders the document; images are named after their figures.
pub fn render(doc: &Document) -> Markdown {
    let mut out = String::new();
    let mut images = Vec::new();
    let _ = writeln!(
        out,
        "# {}\n\n{}\n",
        escape(&doc.title),
        escape(&doc.subtitle)
    );
    out.push_str("Contents:\n\n");
    for s in doc.sections.iter().filter(|s| s.level <= 2) {
        let _ = writeln!(out, "- [{}](#{})", escape(&s.title), s.id);
    }
    out.push('\n');
    for s in &doc.sections {
        let level = usize::from(s.level.clamp(2, 4));
        let _ = writeln!(
            out,
            "<a id=\"{}\"></a>\n\n{} {}\n",
            s.id,
            "#".repeat(level),
            escape(&s.title)
        );
        blocks(&mut out, &mut images, &s.blocks, level);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    Markdown { text: out, images }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_code_spans_fenced() {
        assert_eq!(escape("a|b *c* [d]"), "a\\|b \\*c\\* \\[d\\]");
        assert_eq!(code_span("ensure verify m.yaml"), "`ensure verify m.yaml`");
        assert_eq!(code_span("a`b"), "``a`b``");
    }
}
