//! Reports of a small model from fixed results (`tests/fixtures/small/`, written once by the
//! `ensure` commands): golden Markdown and JSON, determinism, well-formed and self-contained
//! HTML with every chart drawn. Run with `ENSURE_BLESS=1` to rewrite the golden files after
//! an intended change, then review the diff.

use std::path::{Path, PathBuf};

use ensure_reports::{Document, Inputs, Provenance};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/small")
}

fn model() -> ensure_model::Model {
    let checked = ensure_model::check(&fixture().join("model.yaml"), &|p: &Path| {
        std::fs::read_to_string(p)
    });
    checked.model.expect("the fixture model is valid")
}

fn inputs() -> Inputs {
    let mut inputs = Inputs::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture().join("results"))
        .expect("fixture results")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let doc =
            ensure_reports::parse_result(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        inputs.add(doc);
    }
    inputs
}

fn provenance() -> Provenance {
    Provenance {
        version: "ensure (tests)".into(),
        commands: vec!["ensure report model.yaml results/*.json --html report.html".into()],
    }
}

fn document() -> Document {
    ensure_reports::build(&model(), &inputs(), &provenance())
}

fn check_golden(name: &str, actual: &str) -> Result<(), String> {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("ENSURE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("writable");
        std::fs::write(&path, actual).expect("writable");
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "missing golden file {} (run with ENSURE_BLESS=1)",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{} differs from line {}:\n  expected: {}\n  actual:   {}\n(run with ENSURE_BLESS=1 to accept)",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}

#[test]
fn markdown_and_json_match_the_golden_files() {
    let doc = document();
    let md = ensure_reports::markdown::render(&doc);
    let images: String = md
        .images
        .iter()
        .map(|(path, svg)| format!("{path} {} bytes\n", svg.len()))
        .collect();
    let failures: Vec<String> = [
        check_golden("small.md", &md.text),
        check_golden("small.json", &doc.to_json()),
        check_golden("small.images.txt", &images),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every image the Markdown refers to is one of its images.
    for (path, _) in &md.images {
        assert!(
            md.text.contains(&format!("]({path})")),
            "{path} not referenced"
        );
    }
}

#[test]
fn two_runs_give_the_same_bytes() {
    let a = ensure_reports::html::render(&document());
    let b = ensure_reports::html::render(&document());
    assert!(a == b, "two renderings of the same results differ");
    let ma = ensure_reports::markdown::render(&document());
    let mb = ensure_reports::markdown::render(&document());
    assert_eq!(ma, mb);
}

/// Drawn elements of an SVG.
fn n_marks(node: roxmltree::Node<'_, '_>) -> usize {
    node.descendants()
        .filter(|n| {
            matches!(
                n.tag_name().name(),
                "path" | "rect" | "line" | "polyline" | "polygon" | "circle" | "text"
            )
        })
        .count()
}

#[test]
fn the_html_is_well_formed_self_contained_and_draws_every_chart() {
    let html = ensure_reports::html::render(&document());
    let body = html
        .strip_prefix("<!DOCTYPE html>\n")
        .expect("starts with the HTML doctype");
    let xml = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    // Self-contained: nothing fetched, nothing run.
    for n in xml.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !matches!(
                tag,
                "script" | "link" | "iframe" | "img" | "object" | "embed"
            ),
            "<{tag}> in a self-contained report"
        );
        for a in n.attributes() {
            if matches!(a.name(), "src" | "href") {
                assert!(
                    a.value().starts_with('#') || !a.value().contains("://"),
                    "external reference {}={}",
                    a.name(),
                    a.value()
                );
            }
        }
    }
    for needle in ["@import", "url(http", "url(//", "@font-face"] {
        assert!(!html.contains(needle), "`{needle}` in the page");
    }
    // Ids are unique (several graph drawings share the page).
    let mut ids: Vec<&str> = xml
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let n_ids = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n_ids, "duplicate ids");
    // Every figure holds an SVG that draws something.
    let figures: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("figure"))
        .collect();
    let mut kinds: Vec<&str> = Vec::new();
    for f in &figures {
        let svg = f
            .descendants()
            .find(|n| n.tag_name().name() == "svg")
            .unwrap_or_else(|| panic!("figure {:?} has no SVG", f.attribute("id")));
        let marks = n_marks(svg);
        assert!(
            marks >= 10,
            "figure {:?}: {marks} drawn elements",
            f.attribute("id")
        );
        kinds.push(f.attribute("data-kind").expect("figures say their kind"));
    }
    for kind in [
        "graph",
        "ttc",
        "exceedance",
        "heatmap",
        "cascade",
        "forest",
        "tornado",
        "frontier",
    ] {
        assert!(kinds.contains(&kind), "no {kind} chart in {kinds:?}");
    }
    // One witness drawing per violated property, with the witness highlighted.
    let witnesses = figures
        .iter()
        .filter(|f| {
            f.attribute("id")
                .is_some_and(|id| id.starts_with("fig-witness-"))
        })
        .count();
    assert_eq!(witnesses, 3);
    assert!(html.contains("class=\"node hot\""));
}

#[test]
fn results_of_another_model_are_named() {
    let mut inputs = inputs();
    assert!(inputs.foreign("small-shop").is_empty());
    inputs.simulations[0].model = "someone-else".into();
    let foreign = inputs.foreign("small-shop");
    assert_eq!(foreign, vec!["simulation of `someone-else`".to_string()]);
}

#[test]
fn a_report_without_results_still_shows_the_model() {
    let doc = ensure_reports::build(&model(), &Inputs::default(), &provenance());
    let titles: Vec<&str> = doc.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Summary", "Asset graph", "Reproduce"]);
    assert_eq!(doc.figures().len(), 1);
}
