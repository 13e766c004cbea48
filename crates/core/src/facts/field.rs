//! `node.field("name")`: a node's child by field name, without tree-sitter's search through
//! every field name of the grammar on each call (`ts_language_field_id_for_name` compares the
//! name with each of them: 1.7% of a cold run's instructions on cpython).
//!
//! The fact pass declares the grammar of the tree it walks ([`Grammar::enter`]); while it is
//! declared, each field name is looked up in the grammar once per thread and its id kept.
//! Outside a declared walk, `field` asks tree-sitter as `child_by_field_name` does.

use std::cell::{Cell, RefCell};
use std::num::NonZeroU16;

use tree_sitter::Node;

use crate::lang::Language;

struct Ids {
    grammar: Option<Language>,
    /// Field names asked for so far, with their id in `grammar` (None: the grammar has no such
    /// field).
    known: Vec<(&'static str, Option<NonZeroU16>)>,
}

thread_local! {
    /// The kind names of the declared grammar by kind id (empty with none declared); apart
    /// from `IDS`, so `kind_name` reads it without a borrow.
    static KINDS: Cell<&'static [&'static str]> = const { Cell::new(&[]) };
    /// Per kind id of the declared grammar, whether its name says comment (see
    /// [`Field::is_comment_kind`]).
    static COMMENTS: Cell<&'static [bool]> = const { Cell::new(&[]) };
    static IDS: RefCell<Ids> = const {
        RefCell::new(Ids {
            grammar: None,
            known: Vec::new(),
        })
    };
}

/// The grammar of the tree this thread is walking, declared until the guard is dropped.
pub struct Grammar {
    before: Option<Language>,
}

impl Grammar {
    pub fn enter(lang: Language) -> Grammar {
        let before = IDS.with_borrow_mut(|ids| {
            let before = ids.grammar;
            if before != Some(lang) {
                ids.known.clear();
            }
            ids.grammar = Some(lang);
            KINDS.set(kind_names(lang));
            COMMENTS.set(comment_kinds(lang));
            before
        });
        Grammar { before }
    }
}

impl Drop for Grammar {
    fn drop(&mut self) {
        IDS.with_borrow_mut(|ids| {
            if ids.grammar != self.before {
                ids.known.clear();
            }
            ids.grammar = self.before;
            KINDS.set(self.before.map_or(&[], kind_names));
            COMMENTS.set(self.before.map_or(&[], comment_kinds));
        });
    }
}

/// Every kind name of `lang`'s grammar by kind id, read from tree-sitter once per process.
fn kind_names(lang: Language) -> &'static [&'static str] {
    static TABLES: [std::sync::OnceLock<Vec<&'static str>>; Language::ALL.len()] =
        [const { std::sync::OnceLock::new() }; Language::ALL.len()];
    TABLES[lang.index()].get_or_init(|| {
        let grammar = lang.grammar();
        (0..grammar.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| grammar.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect()
    })
}

/// One table per language of a test on each kind name, by kind id, built on first use.
type KindTables = [std::sync::OnceLock<Vec<bool>>; Language::ALL.len()];

fn kinds_where(
    tables: &'static KindTables,
    lang: Language,
    test: fn(&str) -> bool,
) -> &'static [bool] {
    tables[lang.index()].get_or_init(|| kind_names(lang).iter().map(|k| test(k)).collect())
}

/// Per kind id of `lang`'s grammar, whether the kind's name contains "comment".
fn comment_kinds(lang: Language) -> &'static [bool] {
    static TABLES: KindTables = [const { std::sync::OnceLock::new() }; Language::ALL.len()];
    kinds_where(&TABLES, lang, |k| k.contains("comment"))
}

/// Per kind id of Rust's grammar, whether the kind is a path written with `::` (what
/// `names::rust_inline_path` reads).
pub fn rust_scoped_kinds() -> &'static [bool] {
    static TABLES: KindTables = [const { std::sync::OnceLock::new() }; Language::ALL.len()];
    kinds_where(&TABLES, Language::Rust, |k| {
        matches!(k, "scoped_identifier" | "scoped_type_identifier")
    })
}

/// Per kind id of `lang`'s grammar, whether the kind is a preprocessor directive's
/// (`preproc_if`, `preproc_ifdef`, ...).
pub fn preproc_kinds(lang: Language) -> &'static [bool] {
    static TABLES: KindTables = [const { std::sync::OnceLock::new() }; Language::ALL.len()];
    kinds_where(&TABLES, lang, |k| k.starts_with("preproc_"))
}

pub trait Field<'t> {
    /// The child in field `name`, as `child_by_field_name` finds it.
    fn field(&self, name: &'static str) -> Option<Node<'t>>;

    /// `kind()`, from a table while a grammar is declared: tree-sitter's `kind()` measures
    /// and checks the name's C string on every call (1% of a cold run's instructions).
    fn kind_name(&self) -> &'static str;

    /// Whether the kind's name contains "comment" (`comment`, `line_comment`, `doc_comment`
    /// and the like), from a table while a grammar is declared: a substring search per node
    /// cost about 190 instructions.
    fn is_comment_kind(&self) -> bool;
}

impl<'t> Field<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        let id = IDS.with_borrow_mut(|ids| {
            ids.grammar?;
            // The same name is almost always the same static string: compare addresses
            // first, and the text only for a name not found so (a `memcmp` a known name).
            let same = |n: &&str| std::ptr::eq(n.as_ptr(), name.as_ptr()) && n.len() == name.len();
            if let Some(&(_, id)) = ids.known.iter().find(|(n, _)| same(n)) {
                return Some(id);
            }
            if let Some(&(_, id)) = ids.known.iter().find(|(n, _)| *n == name) {
                return Some(id);
            }
            let id = self.language().field_id_for_name(name);
            ids.known.push((name, id));
            Some(id)
        });
        match id {
            Some(Some(id)) => super::walk::child_by_field_id(*self, id),
            Some(None) => None,
            None => self.child_by_field_name(name),
        }
    }

    fn kind_name(&self) -> &'static str {
        let id = usize::from(self.kind_id());
        let name = KINDS.get().get(id).copied().unwrap_or_else(|| self.kind());
        debug_assert_eq!(name, self.kind(), "a node of the declared grammar");
        name
    }

    fn is_comment_kind(&self) -> bool {
        let id = usize::from(self.kind_id());
        COMMENTS
            .get()
            .get(id)
            .copied()
            .unwrap_or_else(|| self.kind().contains("comment"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_match_tree_sitter_inside_and_outside_a_declared_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&Language::Python.grammar()).unwrap();
        let tree = parser.parse("def f(a):\n    return g(a)\n", None).unwrap();
        let def = tree.root_node().child(0).unwrap();
        let call = def
            .child_by_field_name("body")
            .and_then(|b| b.child(0))
            .and_then(|r| r.child(1))
            .unwrap();
        let check = || {
            for (node, name) in [
                (def, "name"),
                (def, "parameters"),
                (def, "body"),
                (def, "return_type"),
                (call, "function"),
                (call, "arguments"),
                (call, "no_such_field"),
            ] {
                assert_eq!(node.field(name), node.child_by_field_name(name), "{name}");
                assert_eq!(node.kind_name(), node.kind());
                assert!(!node.is_comment_kind());
            }
        };
        let commented = parser.parse("# note\nx = 1\n", None).unwrap();
        let (comment, statement) = (
            commented.root_node().child(0).unwrap(),
            commented.root_node().child(1).unwrap(),
        );
        let comments = || {
            assert!(comment.is_comment_kind());
            assert!(!statement.is_comment_kind());
        };
        check();
        comments();
        {
            let _python = Grammar::enter(Language::Python);
            comments();
            check();
            check();
            {
                // Another grammar declared inside: its ids are its own, and Python's come back.
                let _rust = Grammar::enter(Language::Rust);
            }
            check();
        }
        check();
    }

    #[test]
    fn comment_kinds_are_the_kinds_named_so() {
        for lang in Language::ALL {
            let names = kind_names(lang);
            let table = comment_kinds(lang);
            assert_eq!(table.len(), names.len());
            for (name, &comment) in names.iter().zip(table) {
                assert_eq!(comment, name.contains("comment"), "{lang:?} {name}");
            }
            assert!(table.iter().any(|&c| c), "{lang:?} has a comment kind");
        }
    }
}
