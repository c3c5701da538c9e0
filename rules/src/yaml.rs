//! A small YAML writer for the documents this crate writes: maps keep their order, strings are
//! written plain only when no YAML reader could take them for anything else, and the same
//! value always gives the same bytes.

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

impl From<&str> for Y {
    fn from(s: &str) -> Y {
        Y::Str(s.to_string())
    }
}

impl From<String> for Y {
    fn from(s: String) -> Y {
        Y::Str(s)
    }
}

/// Renders a top-level map.
pub fn render(doc: &[(String, Y)]) -> String {
    let mut out = String::new();
    map(&mut out, doc, 0);
    out
}

const SPECIAL: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// Whether `s` may be written as a plain scalar: it starts with a letter and holds only
/// letters, digits and ` _./()-`, is no boolean or null word, and does not end in a space.
fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || " _./()-".contains(c))
        && !s.ends_with(' ')
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
}

fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x}");
        // `1` would read back as an integer; keep floats floats.
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    } else if x.is_nan() {
        ".nan".into()
    } else if x > 0.0 {
        ".inf".into()
    } else {
        "-.inf".into()
    }
}

fn inline(v: &Y) -> Option<String> {
    match v {
        Y::Str(s) if !s.contains('\n') => Some(scalar(s)),
        Y::Str(_) => None,
        Y::Num(x) => Some(num(*x)),
        Y::Int(i) => Some(i.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        Y::Seq(v) if v.is_empty() => Some("[]".into()),
        Y::Map(m) if m.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn block(out: &mut String, s: &str, indent: usize) {
    // `|-` keeps the lines and drops the final line break; lines that start with spaces would
    // need an indentation indicator, so they are trimmed instead.
    out.push_str("|-\n");
    for line in s.split('\n') {
        let line = line.trim_start();
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line.trim_end());
        }
        out.push('\n');
    }
}

fn map(out: &mut String, m: &[(String, Y)], indent: usize) {
    for (k, v) in m {
        pad(out, indent);
        out.push_str(&scalar(k));
        out.push(':');
        value(out, v, indent);
    }
}

/// Writes `v` after a key or a dash (the cursor is just past the `:` or `-`).
fn value(out: &mut String, v: &Y, indent: usize) {
    if let Some(s) = inline(v) {
        out.push(' ');
        out.push_str(&s);
        out.push('\n');
        return;
    }
    match v {
        Y::Str(s) => {
            out.push(' ');
            block(out, s, indent + 2);
        }
        Y::Seq(items) => {
            out.push('\n');
            for item in items {
                pad(out, indent + 2);
                out.push('-');
                match item {
                    Y::Map(m) if !m.is_empty() => {
                        // The first entry on the dash's line, the others under it.
                        let mut first = String::new();
                        map(&mut first, m, indent + 4);
                        out.push(' ');
                        out.push_str(&first[indent + 4..]);
                    }
                    other => value(out, other, indent + 2),
                }
            }
        }
        Y::Map(m) => {
            out.push('\n');
            map(out, m, indent + 2);
        }
        _ => unreachable!("scalars are inline"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: Y) -> (String, Y) {
        (k.to_string(), v)
    }

    #[test]
    fn renders_nested_documents() {
        let doc = vec![
            kv("title", "exploit-injection on web-front".into()),
            kv("id", "5f0c9d36-3c58-5b55-9a51-6a9b2f3f9a10".into()),
            kv("description", "line one: a\n  line two\n".into()),
            kv(
                "logsource",
                Y::Map(vec![
                    kv("product", "ensure".into()),
                    kv("category", "webserver".into()),
                ]),
            ),
            kv(
                "tags",
                Y::Seq(vec!["attack.t1190".into(), "attack.initial-access".into()]),
            ),
            kv(
                "paths",
                Y::Seq(vec![Y::Map(vec![
                    kv("share", Y::Num(0.5)),
                    kv("steps", Y::Seq(vec!["a.b".into()])),
                ])]),
            ),
            kv("n", Y::Int(3)),
            kv("x", Y::Num(2.0)),
            kv("empty", Y::Seq(vec![])),
            kv("yes", "no".into()),
            kv("date", "2026-11-25".into()),
            kv("quote", "it's: #1".into()),
        ];
        let want = "\
title: exploit-injection on web-front
id: '5f0c9d36-3c58-5b55-9a51-6a9b2f3f9a10'
description: |-
  line one: a
  line two

logsource:
  product: ensure
  category: webserver
tags:
  - attack.t1190
  - attack.initial-access
paths:
  - share: 0.5
    steps:
      - a.b
'n': 3
x: 2.0
empty: []
'yes': 'no'
date: '2026-11-25'
quote: 'it''s: #1'
";
        assert_eq!(render(&doc), want);
    }
}
