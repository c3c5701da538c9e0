//! The document as one self-contained HTML file: styles and SVG inline, no scripts, no
//! fonts or images fetched from anywhere. The markup is also well-formed XML (every element
//! closed, attributes quoted), so that tests can parse it strictly.

use std::fmt::Write;

use crate::doc::{Block, Document, Inline, Table, Tone};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; --accent: #0072b2;
  --bad: #b91c1c; --good: #047857; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 "Liberation Sans", Arial, Helvetica, sans-serif; }
header.top { padding: 28px 40px 18px; border-bottom: 1px solid var(--line); background: var(--bg); }
header.top h1 { margin: 0 0 4px; font-size: 26px; }
header.top p { margin: 0; color: var(--muted); }
.page { display: flex; align-items: flex-start; }
nav.toc { position: sticky; top: 0; flex: 0 0 230px; max-height: 100vh; overflow: auto;
  padding: 20px 16px 20px 24px; font-size: 14px; border-right: 1px solid var(--line); }
nav.toc ol { margin: 0; padding-left: 18px; }
nav.toc li { margin: 4px 0; }
nav.toc a { color: var(--ink); text-decoration: none; }
nav.toc a:hover { color: var(--accent); text-decoration: underline; }
main { flex: 1 1 auto; min-width: 0; max-width: 1180px; padding: 8px 40px 60px; }
h2 { margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); font-size: 22px; }
h3 { margin: 26px 0 8px; font-size: 18px; }
a { color: var(--accent); }
code { font-family: "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.9em;
  background: var(--bg); padding: 1px 4px; border-radius: 3px; }
pre { background: #111827; color: #f9fafb; padding: 12px 14px; border-radius: 6px;
  overflow-x: auto; font-size: 13px; line-height: 1.45; }
pre code { background: none; padding: 0; color: inherit; }
.headlines { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
  gap: 12px; margin: 14px 0 8px; }
.headline { border: 1px solid var(--line); border-left: 5px solid var(--muted);
  border-radius: 6px; padding: 10px 12px; background: #fff; }
.headline.bad { border-left-color: var(--bad); }
.headline.good { border-left-color: var(--good); }
.headline .label { font-size: 13px; color: var(--muted); }
.headline .value { font-size: 22px; font-weight: bold; margin: 2px 0; }
.headline .note { font-size: 12px; color: var(--muted); }
figure.figure { margin: 18px 0 22px; }
figure.figure .svg { border: 1px solid var(--line); border-radius: 6px; padding: 4px;
  overflow-x: auto; background: #fff; }
figure.figure svg { display: block; max-width: 100%; height: auto; }
figcaption { margin-top: 6px; font-size: 13px; color: var(--muted); }
figcaption b { color: var(--ink); }
.table-wrap { overflow-x: auto; margin: 10px 0 18px; }
table { border-collapse: collapse; font-size: 13.5px; min-width: 50%; }
caption { text-align: left; font-size: 13px; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; text-align: left; }
th { background: var(--bg); font-weight: bold; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fcfcfd; }
td.verdict-violated { color: var(--bad); font-weight: bold; }
td.verdict-holds { color: var(--good); font-weight: bold; }
td.verdict-unknown { color: #b45309; font-weight: bold; }
details { margin: 10px 0 16px; }
summary { cursor: pointer; color: var(--accent); }
footer { color: var(--muted); font-size: 12px; padding: 16px 40px; border-top: 1px solid var(--line); }
@media (max-width: 900px) { nav.toc { display: none; } main { padding: 8px 16px 40px; } }
@media print { nav.toc { display: none; } figure.figure, table { break-inside: avoid; } }
"#;

fn inline(out: &mut String, parts: &[Inline]) {
    for p in parts {
        match p {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(t) => {
                let _ = write!(out, "<code>{}</code>", escape(t));
            }
            Inline::Strong(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(t));
            }
            Inline::Link { text, href } => {
                let _ = write!(out, r#"<a href="{}">{}</a>"#, escape(href), escape(text));
            }
        }
    }
}

/// The verdict columns get a class so that colour marks them; everything else is text.
fn cell_class(column: &str, value: &str) -> &'static str {
    if column != "verdict" {
        return "";
    }
    match value {
        "violated" => " verdict-violated",
        "holds" => " verdict-holds",
        "unknown" => " verdict-unknown",
        _ => "",
    }
}

fn table(out: &mut String, t: &Table) {
    let _ = write!(
        out,
        r#"<div class="table-wrap"><table id="{}"><caption>{}</caption><thead><tr>"#,
        escape(&t.id),
        escape(&t.caption)
    );
    for c in &t.columns {
        let _ = write!(
            out,
            r#"<th{}>{}</th>"#,
            if c.numeric { r#" class="num""# } else { "" },
            escape(&c.title)
        );
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, v) in row.iter().enumerate() {
            let col = t.columns.get(i);
            let num = col.is_some_and(|c| c.numeric);
            let class = format!(
                "{}{}",
                if num { "num" } else { "" },
                cell_class(col.map_or("", |c| c.title.as_str()), v)
            );
            let class = class.trim();
            if class.is_empty() {
                let _ = write!(out, "<td>{}</td>", escape(v));
            } else {
                let _ = write!(out, r#"<td class="{class}">{}</td>"#, escape(v));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn svg_body(svg: &str) -> &str {
    // An XML declaration is not allowed inside HTML.
    match svg.find("<svg") {
        Some(i) => svg[i..].trim_end(),
        None => svg.trim_end(),
    }
}

fn blocks(out: &mut String, bs: &[Block]) {
    for b in bs {
        match b {
            Block::Paragraph { text } => {
                out.push_str("<p>");
                inline(out, text);
                out.push_str("</p>\n");
            }
            Block::Headlines { items } => {
                out.push_str(r#"<div class="headlines">"#);
                for h in items {
                    let tone = match h.tone {
                        Tone::Good => " good",
                        Tone::Bad => " bad",
                        Tone::Neutral => "",
                    };
                    let _ = write!(
                        out,
                        r#"<div class="headline{tone}"><div class="label">{}</div><div class="value">{}</div><div class="note">{}</div></div>"#,
                        escape(&h.label),
                        escape(&h.value),
                        escape(&h.note)
                    );
                }
                out.push_str("</div>\n");
            }
            Block::Figure(f) => {
                let _ = writeln!(
                    out,
                    r#"<figure class="figure {kind}" id="{id}" data-kind="{kind}"><div class="svg">"#,
                    kind = escape(&f.kind),
                    id = escape(&f.id)
                );
                out.push_str(svg_body(&f.svg));
                let _ = writeln!(
                    out,
                    "\n</div><figcaption><b>{}.</b> {}</figcaption></figure>",
                    escape(&f.title),
                    escape(&f.caption)
                );
            }
            Block::Table(t) => table(out, t),
            Block::Code { text } => {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(text));
            }
            Block::List { items } => {
                out.push_str("<ul>\n");
                for i in items {
                    out.push_str("<li>");
                    inline(out, i);
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Details {
                summary,
                blocks: inner,
            } => {
                let _ = writeln!(out, "<details><summary>{}</summary>", escape(summary));
                blocks(out, inner);
                out.push_str("</details>\n");
            }
        }
    }
}

/// The document as a standalone HTML page.
pub fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(256 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title));
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<header class=\"top\"><h1>{}</h1><p>{}</p></header>",
        escape(&doc.title),
        escape(&doc.subtitle)
    );
    out.push_str("<div class=\"page\">\n<nav class=\"toc\"><ol>\n");
    for s in doc.sections.iter().filter(|s| s.level <= 2) {
        let _ = writeln!(
            out,
            r##"<li><a href="#{}">{}</a></li>"##,
            escape(&s.id),
            escape(&s.title)
        );
    }
    out.push_str("</ol></nav>\n<main>\n");
    for s in &doc.sections {
        let level = s.level.clamp(2, 4);
        let _ = writeln!(
            out,
            r#"<section id="{}"><h{level}>{}</h{level}>"#,
            escape(&s.id),
            escape(&s.title)
        );
        blocks(&mut out, &s.blocks);
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</div>\n");
    let _ = writeln!(
        out,
        "<footer>Written by ensure from the results listed under “Reproduce”. The page needs no network.</footer>\n</body>\n</html>"
    );
    out
}
