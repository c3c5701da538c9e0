//! Reading a `serde_json::Value` field by field while remembering where we are, so that every
//! problem names its JSON path and reading goes on past it.

use serde_json::{Map, Value};

use crate::{ImportError, Note, Problem};

/// A JSON path written the way people read it: `$.nodes[3].id`, `$.attack_steps["a:b"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonPath(String);

impl JsonPath {
    pub(crate) fn root() -> Self {
        JsonPath("$".to_string())
    }

    pub(crate) fn key(&self, k: &str) -> Self {
        let plain = !k.is_empty()
            && !k.starts_with(|c: char| c.is_ascii_digit())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain {
            JsonPath(format!("{}.{k}", self.0))
        } else {
            let quoted = serde_json::to_string(k).unwrap_or_else(|_| format!("{k:?}"));
            JsonPath(format!("{}[{quoted}]", self.0))
        }
    }

    pub(crate) fn idx(&self, i: usize) -> Self {
        JsonPath(format!("{}[{i}]", self.0))
    }

    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Collects problems and notes while an input is read.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub(crate) problems: Vec<Problem>,
    pub(crate) notes: Vec<Note>,
}

impl Reader {
    pub(crate) fn problem(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.0.clone(),
            message: message.into(),
        });
    }

    pub(crate) fn note(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.notes.push(Note {
            path: path.0.clone(),
            message: message.into(),
        });
    }

    pub(crate) fn into_error(self) -> ImportError {
        ImportError {
            problems: self.problems,
        }
    }

    pub(crate) fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &JsonPath,
    ) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.problem(path, format!("expected an object, found {}", kind(other)));
                None
            }
        }
    }

    /// A field that must be present (JSON `null` counts as absent).
    pub(crate) fn required<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: &JsonPath,
        key: &str,
    ) -> Option<&'v Value> {
        match obj.get(key) {
            Some(Value::Null) | None => {
                self.problem(path, format!("missing field `{key}`"));
                None
            }
            Some(v) => Some(v),
        }
    }

    pub(crate) fn string<'v>(&mut self, v: &'v Value, path: &JsonPath) -> Option<&'v str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                self.problem(path, format!("expected a string, found {}", kind(other)));
                None
            }
        }
    }

    pub(crate) fn number(&mut self, v: &Value, path: &JsonPath) -> Option<f64> {
        match v.as_f64() {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.problem(path, format!("expected a number, found {}", kind(v)));
                None
            }
        }
    }

    /// A probability: a number in [0, 1].
    pub(crate) fn probability(&mut self, v: &Value, path: &JsonPath) -> Option<f64> {
        let p = self.number(v, path)?;
        if (0.0..=1.0).contains(&p) {
            Some(p)
        } else {
            self.problem(
                path,
                format!("a probability must be between 0 and 1, not {p}"),
            );
            None
        }
    }
}

/// Parses JSON text, turning a syntax error into a problem at `$` with its line and column.
pub(crate) fn parse(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| ImportError {
        problems: vec![Problem {
            path: "$".to_string(),
            message: format!(
                "not valid JSON: {} (line {}, column {})",
                strip_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        }],
    })
}

/// serde_json appends " at line L column C" to its messages; we print the place once.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// How a value is called in a message: "a string", "an array", ...
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        let p = JsonPath::root()
            .key("attack_steps")
            .key("h1:connect")
            .key("ttc");
        assert_eq!(p.as_str(), r#"$.attack_steps["h1:connect"].ttc"#);
        assert_eq!(
            JsonPath::root().key("nodes").idx(3).key("id").as_str(),
            "$.nodes[3].id"
        );
        assert_eq!(JsonPath::root().key("7").as_str(), r#"$["7"]"#);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = parse("{\n  \"a\": [1, 2,\n}").unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].path, "$");
        assert!(
            e.problems[0].message.contains("line 3"),
            "{}",
            e.problems[0].message
        );
        assert!(
            !e.problems[0].message.contains(" at line "),
            "{}",
            e.problems[0].message
        );
    }
}
