//! Turning other tools' names into `ensure` ids: non-empty, without whitespace, unique.

use std::collections::HashMap;

/// Hands out unique ids for names, remembering the id each name got.
#[derive(Debug, Default)]
pub(crate) struct IdTable {
    by_name: HashMap<String, String>,
    taken: HashMap<String, usize>,
}

impl IdTable {
    /// The id of `name`, made on first use (see [`IdTable::fresh`]); the same name always
    /// gets the same id.
    pub(crate) fn id(&mut self, name: &str) -> &str {
        if !self.by_name.contains_key(name) {
            let id = self.fresh(name);
            self.by_name.insert(name.to_string(), id);
        }
        &self.by_name[name]
    }

    /// A new id for `name`, even if `name` was seen before. Whitespace becomes `_` (ids contain
    /// none); an id already taken gets a `~2`, `~3`, ... suffix.
    pub(crate) fn fresh(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect();
        if base.is_empty() {
            base.push('_');
        }
        let mut id = base.clone();
        let mut n = self.taken.get(&base).copied().unwrap_or(0);
        while self.taken.contains_key(&id) {
            n += 1;
            id = format!("{base}~{}", n + 1);
        }
        self.taken.insert(base, n);
        self.taken.entry(id.clone()).or_insert(0);
        id
    }

    /// The id of a name seen before.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.by_name.get(name).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_clean_unique_and_stable() {
        let mut t = IdTable::default();
        assert_eq!(t.id("web server"), "web_server");
        assert_eq!(t.id("web_server"), "web_server~2");
        assert_eq!(t.id("web\tserver"), "web_server~3");
        assert_eq!(t.id("web server"), "web_server");
        assert_eq!(t.id(""), "_");
        assert_eq!(t.id("a~2"), "a~2");
        assert_eq!(t.id("a"), "a");
        assert_eq!(t.id("a "), "a_");
        assert_eq!(t.id("a\n"), "a_~2");
        assert_eq!(t.get("web\tserver"), Some("web_server~3"));
        assert_eq!(t.get("nope"), None);
        assert_eq!(t.fresh("web server"), "web_server~4");
        assert_eq!(t.fresh("web server"), "web_server~5");
    }
}
