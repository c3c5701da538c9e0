//! The built-in catalog of asset types, written in `catalog.yaml` in the model file format.

use std::sync::OnceLock;

use crate::format::TypeDoc;

const CATALOG_YAML: &str = include_str!("catalog.yaml");

/// The catalog's types, parsed once. The catalog is part of the program: a test checks that
/// it loads without a single diagnostic, so failing here is a build defect.
pub fn types() -> &'static [TypeDoc] {
    static TYPES: OnceLock<Vec<TypeDoc>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let loaded = crate::load::load_str("<catalog>", CATALOG_YAML);
        // Spans inside the catalog point into its own text, which users never see; drop them
        // so that they are never mistaken for places in a user's file.
        let mut types = loaded.doc.types;
        for t in &mut types {
            t.id.span = crate::Span::NONE;
        }
        types
    })
}

/// The catalog's YAML text, for `ensure catalog` and the book.
pub fn source() -> &'static str {
    CATALOG_YAML
}

#[cfg(test)]
mod tests {
    #[test]
    fn catalog_loads_cleanly_and_every_step_has_a_default() {
        let loaded = crate::load::load_str("<catalog>", super::CATALOG_YAML);
        assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
        let (model, diags) = crate::build(&crate::format::ModelDoc::default(), super::types());
        assert!(diags.is_empty(), "{diags:#?}");
        let model = model.expect("an empty model builds");
        assert!(
            model.types.len() >= 35,
            "catalog has {} types",
            model.types.len()
        );
        for t in &model.types {
            for s in &t.steps {
                assert!(
                    s.ttc_hours.mean().is_finite(),
                    "{}.{} lacks a usable time-to-compromise",
                    t.id,
                    s.name
                );
            }
        }
        for layer in crate::Layer::ALL {
            assert!(
                model.types.iter().any(|t| t.layer == layer),
                "no type in layer {layer:?}"
            );
        }
    }
}
