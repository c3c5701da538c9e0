//! Values remembered with the place in a file where they were written.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A place in a source file: which file (an index into the loader's file table), line and
/// column (both 1-based), and how many characters the written value spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file_idx: usize,
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

impl Span {
    /// A span for things that were not written in any file (built by code).
    pub const NONE: Span = Span {
        file_idx: usize::MAX,
        line: 0,
        column: 0,
        len: 0,
    };

    pub fn is_known(&self) -> bool {
        self.line > 0 && self.file_idx != usize::MAX
    }

    pub(crate) fn from_marked(span: &marked_yaml::Span, len: usize) -> Span {
        match span.start() {
            Some(m) => Span {
                file_idx: m.source(),
                line: m.line(),
                column: m.column(),
                len,
            },
            None => Span::NONE,
        }
    }
}

/// A value and where it was written. Equality and serialization see the value only, so a
/// model written back to YAML and read again compares equal.
#[derive(Clone)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T) -> Self {
        Located {
            value,
            span: Span::NONE,
        }
    }

    pub fn at(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

impl Located<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl From<&str> for Located<String> {
    fn from(s: &str) -> Self {
        Located::new(s.to_string())
    }
}

thread_local! {
    /// Whether the deserializer in use is marked-yaml's, which can report spans. Set only by
    /// [`with_spans`]; any other deserializer (serde_json's fast path) yields unknown spans.
    static SPANS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (a marked-yaml deserialization) with span capture on.
pub(crate) fn with_spans<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            SPANS.with(|s| s.set(self.0));
        }
    }
    let _reset = Reset(SPANS.with(|s| s.replace(true)));
    f()
}

impl<'de, T: Deserialize<'de> + fmt::Display + Clone> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !SPANS.with(|s| s.get()) {
            return T::deserialize(d).map(Located::new);
        }
        let spanned = marked_yaml::Spanned::<T>::deserialize(d)?;
        let span = spanned.span().to_owned();
        let value = (*spanned).clone();
        let len = value.to_string().chars().count().max(1);
        Ok(Located {
            span: Span::from_marked(&span, len),
            value,
        })
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
