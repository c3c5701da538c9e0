//! Text to [`ModelDoc`]: parse YAML (or JSON, which is YAML) into a tree that remembers
//! where everything was written, resolve `extends` and `include`, then deserialize each
//! element on its own so that one bad element does not hide the problems of the others.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use marked_yaml::{LoaderOptions, Node};

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::format::{push_section_element, ModelDoc, SECTIONS};
use crate::located::Span;

/// Inputs larger than this are refused before parsing: a model of a million assets is about
/// 200 MB, so this leaves room while keeping a hostile input from exhausting memory.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;
/// Nesting deeper than this is refused before parsing (a model needs about 8 levels); the
/// tree is dropped recursively, so unbounded depth would overflow the stack.
pub const MAX_NESTING: usize = 64;
/// How deep `extends`/`include` chains may go.
const MAX_FILE_DEPTH: usize = 32;

const SCALAR_KEYS: &[&str] = &["ensure", "name", "description", "horizon_hours"];
const FILE_KEYS: &[&str] = &["extends", "include", "remove"];

/// The text of every file a model was read from; spans index into it.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl Sources {
    pub fn file(&self, span: &crate::Span) -> Option<&SourceFile> {
        self.files.get(span.file_idx)
    }
}

/// What reading a model produced: the document (as far as it could be read), the files it
/// came from, and every problem found on the way.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub doc: ModelDoc,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// Ids of entries that could not be read; references to them are not reported again.
    pub broken_ids: HashSet<String>,
    /// Whether the document carries spans. The JSON fast path does not; [`crate::check`]
    /// reads such a file again, with spans, as soon as there is anything to report.
    pub has_spans: bool,
}

/// Reads a file's text; the model crate does no IO of its own, the caller supplies this.
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// Reads the model at `path`, following `extends` and `include`.
///
/// A self-contained JSON file takes a fast path (serde_json, no spans), which is what makes
/// models of 100,000 assets load in about a second; everything else, and any JSON file that
/// turns out to have problems, goes through [`load_with_spans`].
pub fn load(path: &Path, read: ReadFile<'_>) -> Loaded {
    // Only `.json` files are peeked at, so a YAML file is read once, not twice.
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if let Some(text) = is_json.then(|| read(path).ok()).flatten() {
        if text.len() <= MAX_INPUT_BYTES && text.trim_start().starts_with('{') {
            if let Ok(doc) = serde_json::from_str::<ModelDoc>(&text) {
                if doc.extends.is_none() && doc.include.is_empty() && doc.remove.is_empty() {
                    return Loaded {
                        doc,
                        sources: Sources {
                            files: vec![SourceFile {
                                path: path.to_path_buf(),
                                text,
                            }],
                        },
                        diagnostics: Vec::new(),
                        broken_ids: HashSet::new(),
                        has_spans: false,
                    };
                }
            }
        }
    }
    load_with_spans(path, read)
}

/// Reads the model at `path` into a tree that remembers where everything was written.
pub fn load_with_spans(path: &Path, read: ReadFile<'_>) -> Loaded {
    let mut cx = Cx {
        sources: Sources::default(),
        diagnostics: Vec::new(),
        read,
        stack: Vec::new(),
    };
    let root = cx.load_merged(path, Span::NONE, 0);
    let mut broken_ids = HashSet::new();
    let doc = match root {
        Some(node) => crate::located::with_spans(|| {
            deserialize_doc(&node, &mut cx.diagnostics, &mut broken_ids)
        }),
        None => ModelDoc::default(),
    };
    Loaded {
        doc,
        sources: cx.sources,
        diagnostics: cx.diagnostics,
        broken_ids,
        has_spans: true,
    }
}

/// Reads a model from text alone (no `extends` or `include` can be followed).
pub fn load_str(name: &str, text: &str) -> Loaded {
    let owned = text.to_string();
    let name_owned = PathBuf::from(name);
    let read = move |p: &Path| {
        if p == name_owned {
            Ok(owned.clone())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "models read from text cannot include other files",
            ))
        }
    };
    load(Path::new(name), &read)
}

struct Cx<'a> {
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    read: ReadFile<'a>,
    stack: Vec<PathBuf>,
}

impl Cx<'_> {
    /// Parses `path` and resolves its `extends` and `include` into one mapping node.
    fn load_merged(&mut self, path: &Path, referenced_at: Span, depth: usize) -> Option<Node> {
        let path = &normalize(path);
        if depth > MAX_FILE_DEPTH {
            self.diagnostics.push(Diagnostic::error(
                "E0003",
                referenced_at,
                format!("`extends`/`include` nested more than {MAX_FILE_DEPTH} files deep"),
            ));
            return None;
        }
        if self.stack.iter().any(|p| p == path) {
            let chain: Vec<String> = self.stack.iter().map(|p| p.display().to_string()).collect();
            self.diagnostics.push(
                Diagnostic::error(
                    "E0004",
                    referenced_at,
                    format!("`{}` includes or extends itself", path.display()),
                )
                .with_hint(format!(
                    "the chain is {} -> {}",
                    chain.join(" -> "),
                    path.display()
                )),
            );
            return None;
        }
        let text = match (self.read)(path) {
            Ok(t) => t,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "E0001",
                        referenced_at,
                        format!("cannot read `{}`: {e}", path.display()),
                    )
                    .with_hint(
                        "check the path; relative paths are resolved from the including file",
                    ),
                );
                return None;
            }
        };
        let file_idx = self.sources.files.len();
        self.sources.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
        });
        let mut node = parse(
            file_idx,
            &self.sources.files[file_idx].text,
            &mut self.diagnostics,
        )?;
        self.stack.push(path.to_path_buf());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();

        let map = node.as_mapping_mut()?;
        let extends = map.remove("extends");
        let includes = map.remove("include");
        let removes = map.remove("remove");

        for (inc_path, inc_span) in string_list(includes.as_ref(), "include", &mut self.diagnostics)
        {
            if let Some(inc) = self.load_merged(&dir.join(&inc_path), inc_span, depth + 1) {
                append_sections(&mut node, inc, &mut self.diagnostics);
            }
        }

        let mut result = node;
        if let Some(ext) = extends {
            let span = node_span(&ext);
            match ext.as_scalar() {
                Some(s) => {
                    if let Some(base) = self.load_merged(&dir.join(s.as_str()), span, depth + 1) {
                        result = merge_variant(base, result);
                    }
                }
                None => self.diagnostics.push(Diagnostic::error(
                    "E0101",
                    span,
                    "`extends` must be a path to the base model",
                )),
            }
        }
        let removes = string_list(removes.as_ref(), "remove", &mut self.diagnostics);
        remove_ids(&mut result, &removes, &mut self.diagnostics);
        self.stack.pop();
        Some(result)
    }
}

/// Removes `.` and resolves `..` lexically, so that one file reached by two spellings is
/// recognised as one (the model crate does no IO, so it cannot ask the file system).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Parses one file's text into a mapping node, or reports why it cannot.
fn parse(file_idx: usize, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let at = |line, column| Span {
        file_idx,
        line,
        column,
        len: 1,
    };
    if text.len() > MAX_INPUT_BYTES {
        diags.push(Diagnostic::error(
            "E0002",
            at(1, 1),
            format!(
                "the file is {} bytes; the limit is {MAX_INPUT_BYTES}",
                text.len()
            ),
        ));
        return None;
    }
    if let Some((line, column)) = too_deep(text) {
        diags.push(
            Diagnostic::error(
                "E0005",
                at(line, column),
                format!("nesting deeper than {MAX_NESTING} levels"),
            )
            .with_hint("a model needs only a few levels; is a bracket unclosed?"),
        );
        return None;
    }
    if text.trim().is_empty() {
        diags.push(
            Diagnostic::error("E0006", at(1, 1), "the file is empty")
                .with_hint("a model is a mapping with sections such as `assets:` and `flows:`"),
        );
        return None;
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    match marked_yaml::parse_yaml_with_options(file_idx, text, options) {
        Ok(node) => Some(node),
        Err(e) => {
            diags.push(load_error(file_idx, e));
            None
        }
    }
}

fn load_error(file_idx: usize, e: marked_yaml::LoadError) -> Diagnostic {
    use marked_yaml::LoadError as L;
    let span_of = |m: &marked_yaml::Marker| Span {
        file_idx,
        line: m.line(),
        column: m.column(),
        len: 1,
    };
    match e {
        L::TopLevelMustBeMapping(m) => Diagnostic::error(
            "E0010",
            span_of(&m),
            "a model file must be a mapping of sections",
        )
        .with_hint("start with `name:` and sections such as `assets:`"),
        L::TopLevelMustBeSequence(m) => {
            Diagnostic::error("E0010", span_of(&m), "unexpected top-level sequence")
        }
        L::UnexpectedAnchor(m) => Diagnostic::error(
            "E0011",
            span_of(&m),
            "YAML anchors and aliases are not supported in model files",
        )
        .with_hint("use `include:` or a variant with `extends:` to share definitions"),
        L::MappingKeyMustBeScalar(m) => {
            Diagnostic::error("E0012", span_of(&m), "a mapping key must be a plain value")
        }
        L::UnexpectedTag(m) => Diagnostic::error(
            "E0013",
            span_of(&m),
            "YAML tags (`!name`) are not supported in model files",
        ),
        L::ScanError(m, se) => {
            Diagnostic::error("E0014", span_of(&m), format!("invalid YAML: {}", se.info()))
        }
        L::DuplicateKey(inner) => {
            let prev = inner.prev_key.span().start().map(|m| m.line()).unwrap_or(0);
            Diagnostic::error(
                "E0015",
                Span::from_marked(inner.key.span(), inner.key.as_str().chars().count().max(1)),
                format!("key `{}` appears twice in one mapping", inner.key.as_str()),
            )
            .with_hint(format!(
                "the first `{}` is on line {prev}",
                inner.prev_key.as_str()
            ))
        }
    }
}

/// Finds where flow or block nesting first exceeds [`MAX_NESTING`], without parsing.
/// Over-approximates (brackets in strings count), which only makes it stricter.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (line_idx, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent / 2 > MAX_NESTING {
            return Some((line_idx + 1, 1));
        }
        for (col, ch) in line.chars().enumerate() {
            match ch {
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some((line_idx + 1, col + 1));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                '#' => break,
                _ => {}
            }
        }
    }
    None
}

pub(crate) fn node_span(node: &Node) -> Span {
    let len = node
        .as_scalar()
        .map_or(1, |s| s.as_str().chars().count().max(1));
    Span::from_marked(node.span(), len)
}

fn string_list(node: Option<&Node>, key: &str, diags: &mut Vec<Diagnostic>) -> Vec<(String, Span)> {
    let Some(node) = node else { return Vec::new() };
    let items: Vec<&Node> = match node {
        Node::Scalar(_) => vec![node],
        Node::Sequence(seq) => seq.iter().collect(),
        Node::Mapping(_) => {
            diags.push(Diagnostic::error(
                "E0101",
                node_span(node),
                format!("`{key}` must be a list of strings"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_scalar() {
            Some(s) => out.push((s.as_str().to_string(), node_span(item))),
            None => diags.push(Diagnostic::error(
                "E0101",
                node_span(item),
                format!("`{key}` must be a list of strings"),
            )),
        }
    }
    out
}

fn element_id(node: &Node) -> Option<&str> {
    node.as_mapping()?.get_scalar("id").map(|s| s.as_str())
}

/// Appends the list sections of `other` to those of `base`.
fn append_sections(base: &mut Node, other: Node, diags: &mut Vec<Diagnostic>) {
    let (Some(base_map), Node::Mapping(other_map)) = (base.as_mapping_mut(), other) else {
        return;
    };
    for (key, value) in other_map.iter() {
        if !SECTIONS.contains(&key.as_str()) {
            if !SCALAR_KEYS.contains(&key.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "E0102",
                        Span::from_marked(key.span(), key.as_str().len().max(1)),
                        format!(
                            "an included file may only contain list sections, not `{}`",
                            key.as_str()
                        ),
                    )
                    .with_hint("put names and settings in the including file"),
                );
            }
            continue;
        }
        match base_map.get_mut(key.as_str()) {
            Some(Node::Sequence(existing)) => {
                if let Node::Sequence(items) = value {
                    existing.extend(items.iter().cloned());
                }
            }
            _ => {
                base_map.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Applies a variant to its base: same-id entries merge field by field, new ones are added,
/// top-level settings replace the base's.
fn merge_variant(mut base: Node, overlay: Node) -> Node {
    let (Some(base_map), Node::Mapping(overlay_map)) = (base.as_mapping_mut(), overlay) else {
        return base;
    };
    for (key, value) in overlay_map.iter() {
        let is_section = SECTIONS.contains(&key.as_str());
        match (is_section, base_map.get_mut(key.as_str()), value) {
            (true, Some(Node::Sequence(existing)), Node::Sequence(items)) => {
                for item in items.iter() {
                    let target = element_id(item)
                        .and_then(|id| existing.iter_mut().find(|e| element_id(e) == Some(id)));
                    match target {
                        Some(t) => merge_node(t, item),
                        None => existing.push(item.clone()),
                    }
                }
            }
            _ => {
                base_map.insert(key.clone(), value.clone());
            }
        }
    }
    base
}

/// Deep-merges mapping `over` into `base`; anything else replaces.
fn merge_node(base: &mut Node, over: &Node) {
    match (base.as_mapping_mut(), over) {
        (Some(bm), Node::Mapping(om)) => {
            for (k, v) in om.iter() {
                match bm.get_mut(k.as_str()) {
                    Some(existing)
                        if existing.as_mapping().is_some() && v.as_mapping().is_some() =>
                    {
                        merge_node(existing, v)
                    }
                    _ => {
                        bm.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        _ => *base = over.clone(),
    }
}

fn remove_ids(node: &mut Node, ids: &[(String, Span)], diags: &mut Vec<Diagnostic>) {
    let Some(map) = node.as_mapping_mut() else {
        return;
    };
    let mut found: HashSet<&str> = HashSet::new();
    for (_, value) in map.iter_mut() {
        if let Node::Sequence(items) = value {
            items.retain(|item| match element_id(item) {
                Some(id) => match ids.iter().find(|(r, _)| r == id) {
                    Some((r, _)) => {
                        found.insert(r.as_str());
                        false
                    }
                    None => true,
                },
                None => true,
            });
        }
    }
    for (id, span) in ids {
        if !found.contains(id.as_str()) {
            diags.push(
                Diagnostic::error(
                    "E0103",
                    *span,
                    format!("`remove` names `{id}`, which the base model does not have"),
                )
                .with_hint("only entries with an `id` can be removed"),
            );
        }
    }
}

/// Turns the merged tree into a [`ModelDoc`], one element at a time.
fn deserialize_doc(
    root: &Node,
    diags: &mut Vec<Diagnostic>,
    broken_ids: &mut HashSet<String>,
) -> ModelDoc {
    let mut doc = ModelDoc::default();
    let Some(map) = root.as_mapping() else {
        return doc;
    };
    for (key, value) in map.iter() {
        let k = key.as_str();
        let key_span = Span::from_marked(key.span(), k.chars().count().max(1));
        if SECTIONS.contains(&k) {
            match value {
                Node::Sequence(items) => {
                    for item in items.iter() {
                        if let Err(e) = push_section_element(&mut doc, k, item) {
                            diags.push(from_node_error(e, item));
                            if let Some(id) = element_id(item) {
                                broken_ids.insert(id.to_string());
                            }
                        }
                    }
                }
                // `assets:` with nothing after it is an empty section.
                Node::Scalar(s)
                    if s.as_str().is_empty() || s.as_str() == "~" || s.as_str() == "null" => {}
                _ => diags.push(
                    Diagnostic::error(
                        "E0104",
                        node_span(value),
                        format!("section `{k}` must be a list"),
                    )
                    .with_hint(format!(
                        "write each entry of `{k}` on a line starting with `- `"
                    )),
                ),
            }
            continue;
        }
        let result = match k {
            "ensure" => marked_yaml::from_node(value).map(|v| doc.ensure = Some(v)),
            "name" => marked_yaml::from_node(value).map(|v| doc.name = Some(v)),
            "description" => marked_yaml::from_node(value).map(|v| doc.description = Some(v)),
            "horizon_hours" => marked_yaml::from_node(value).map(|v| doc.horizon_hours = Some(v)),
            _ => {
                let known = SCALAR_KEYS
                    .iter()
                    .chain(FILE_KEYS)
                    .chain(SECTIONS.iter())
                    .copied();
                diags.push(
                    Diagnostic::error("E0100", key_span, format!("unknown section `{k}`"))
                        .with_hint_opt(
                            did_you_mean(k, known)
                                .or_else(|| Some(format!("sections are: {}", SECTIONS.join(", ")))),
                        ),
                );
                continue;
            }
        };
        if let Err(e) = result {
            diags.push(from_node_error(e, value));
        }
    }
    doc
}

fn from_node_error(e: marked_yaml::FromNodeError, node: &Node) -> Diagnostic {
    use marked_yaml::Error as E;
    let path = e.path().map(str::to_string);
    let span = match e.start_mark() {
        Some(m) => Span {
            file_idx: m.source(),
            line: m.line(),
            column: m.column(),
            len: 1,
        },
        None => node_span(node),
    };
    let at = path.map(|p| format!(" at `{p}`")).unwrap_or_default();
    match e.into_inner() {
        E::UnknownFieldError(field, expected, fspan) => {
            let span = span_or(
                Span::from_marked(&fspan, field.chars().count().max(1)),
                node,
            );
            Diagnostic::error("E0110", span, format!("unknown key `{field}`")).with_hint_opt(
                did_you_mean(&field, expected.iter().copied())
                    .or_else(|| Some(format!("expected one of: {}", expected.join(", ")))),
            )
        }
        E::NotBoolean(_) => {
            Diagnostic::error("E0111", span, format!("expected `true` or `false`{at}"))
        }
        E::IntegerParseFailure(pe, _) => {
            Diagnostic::error("E0112", span, format!("expected a whole number{at}: {pe}"))
        }
        E::FloatParseFailure(pe, _) => {
            Diagnostic::error("E0113", span, format!("expected a number{at}: {pe}"))
        }
        E::Other(msg, _) => {
            let hint = hint_for_serde_message(&msg);
            Diagnostic::error("E0114", span, format!("{}{at}", tidy_serde_message(&msg)))
                .with_hint_opt(hint)
        }
    }
}

fn span_or(span: Span, node: &Node) -> Span {
    if span.is_known() {
        span
    } else {
        node_span(node)
    }
}

fn tidy_serde_message(msg: &str) -> String {
    msg.replace("`Located`", "a value")
        .trim_end_matches('.')
        .to_string()
}

fn hint_for_serde_message(msg: &str) -> Option<String> {
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (wrong, tail) = rest.split_once('`')?;
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        return did_you_mean(wrong, expected.iter().copied())
            .or_else(|| Some(format!("expected one of: {}", expected.join(", "))));
    }
    if msg.starts_with("missing field") {
        return Some("add the key; `ensure schema` lists what each entry needs".into());
    }
    None
}
