//! Which imports a file's code uses, read during the one walk: a Java import that only
//! Javadoc names (`{@link Foo}`) loads nothing, and a TypeScript import whose names are used
//! only as types is erased by the compiler (as `import type` is). Neither closes a cycle.
//!
//! An import's local names are watched from its statement on; every name leaf after it that
//! is a use in code (not a type position in TypeScript) marks its import used. A use before
//! the import (legal in TypeScript, whose imports are hoisted, but rare) is not seen, and the
//! import then counts as unused: a cycle may be missed, never invented.

use std::collections::HashMap;

use tree_sitter::Node;

use super::field::Field;
use super::{Import, ImportKind};
use crate::lang::Language;

/// The imports being watched: per local name, the index of its import among the file's.
#[derive(Default)]
pub struct ImportUse {
    names: HashMap<String, usize>,
    /// Per watched import (by index), whether code used one of its names.
    used: HashMap<usize, bool>,
}

impl ImportUse {
    pub fn active(&self) -> bool {
        !self.names.is_empty()
    }

    /// Watches the names an import statement binds, for the imports `imports[first..]` it
    /// added. Only imports that can be unused without effect are watched: a Java single-type
    /// or static import (not a wildcard), a TypeScript import with names (not one for its side
    /// effects, and not one already `import type`).
    pub fn watch(
        &mut self,
        node: Node,
        lang: Language,
        src: &str,
        imports: &[Import],
        first: usize,
    ) {
        let Some(index) = (first < imports.len()).then_some(first) else {
            return;
        };
        let import = &imports[index];
        if import.kind != ImportKind::Static {
            return;
        }
        let names = match lang {
            Language::Java => java_name(&import.specifier).into_iter().collect(),
            Language::TypeScript | Language::Tsx => typescript_names(node, src),
            Language::Python
            | Language::JavaScript
            | Language::Rust
            | Language::Go
            | Language::C
            | Language::Cpp
            | Language::Ruby => Vec::new(),
        };
        if names.is_empty() {
            return;
        }
        self.used.insert(index, false);
        for name in names {
            self.names.insert(name, index);
        }
    }

    /// A leaf of code after the imports: when it names a watched import in a use that
    /// loads it, that import is used.
    pub fn see(&mut self, lang: Language, leaf: Node, parent: Option<Node>, text: &str) {
        let Some(&index) = self.names.get(text) else {
            return;
        };
        if is_use(lang, leaf.kind_name(), parent.map(|p| p.kind_name())) {
            self.used.insert(index, true);
        }
    }

    /// Marks the watched imports no code used: `TypeOnly` in TypeScript, `Unused` in Java.
    pub fn settle(self, lang: Language, imports: &mut [Import]) {
        for (index, used) in self.used {
            if used {
                continue;
            }
            if let Some(import) = imports.get_mut(index) {
                import.kind = if lang == Language::Java {
                    ImportKind::Unused
                } else {
                    ImportKind::TypeOnly
                };
            }
        }
    }
}

/// The simple name a Java import binds: `a.b.Foo` binds `Foo`, `static a.b.Foo.bar` binds
/// `bar`; a wildcard binds names nobody can list.
fn java_name(specifier: &str) -> Option<String> {
    let last = specifier.rsplit('.').next()?;
    (!last.is_empty() && last != "*").then(|| last.to_string())
}

/// The local names a TypeScript import statement binds as values: its default, namespace and
/// named imports, less the names marked `type`. None for `import "./x"` (run for its effects).
fn typescript_names(node: Node, src: &str) -> Vec<String> {
    use super::names::named;
    let text = |n: Node| super::names::text(n, src).to_string();
    let mut names = Vec::new();
    let Some(clause) = named(node).find(|c| c.kind_name() == "import_clause") else {
        return names;
    };
    for part in named(clause) {
        match part.kind_name() {
            "identifier" => names.push(text(part)),
            "namespace_import" => names.extend(named(part).map(text)),
            "named_imports" => {
                for spec in named(part).filter(|s| s.kind_name() == "import_specifier") {
                    if spec.child(0).is_some_and(|k| k.kind_name() == "type") {
                        continue;
                    }
                    if let Some(local) = spec.field("alias").or_else(|| spec.field("name")) {
                        names.push(text(local));
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// Whether a name leaf is a use that needs the import at run time. Java: any name in code
/// (comments, where Javadoc lives, hold no leaves). TypeScript: a value name, not a type
/// (`type_identifier`), not the namespace of a qualified type (`ns.T`), not `typeof x` in a
/// type, not a property name.
fn is_use(lang: Language, kind: &str, parent: Option<&str>) -> bool {
    match lang {
        Language::Java => matches!(kind, "identifier" | "type_identifier"),
        Language::Python
        | Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Rust
        | Language::Go
        | Language::C
        | Language::Cpp
        | Language::Ruby => {
            matches!(kind, "identifier" | "shorthand_property_identifier")
                && !matches!(parent, Some("nested_type_identifier" | "type_query"))
        }
    }
}
