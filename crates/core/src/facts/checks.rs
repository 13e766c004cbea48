//! The checks the fact pass runs on each node it walks, behind a trait the rules implement:
//! facts read trees, rules judge them, and the fact pass names no rule.

use tree_sitter::Node;

use super::field::Field;
use super::Hit;
use crate::lang::Language;

/// A node handed to a syntactic rule, with its ancestors (root first).
pub struct NodeView<'t, 's> {
    pub node: Node<'t>,
    pub path: &'s [Node<'t>],
    pub lang: Language,
    pub src: &'s str,
}

impl<'t> NodeView<'t, '_> {
    /// The source text of a node.
    pub fn text(&self, node: Node) -> &str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    pub fn parent(&self) -> Option<Node<'t>> {
        self.path.last().copied()
    }

    pub fn field(&self, name: &'static str) -> Option<Node<'t>> {
        self.node.field(name)
    }

    /// Named children other than comments.
    pub fn code_children(&self, node: Node<'t>) -> impl Iterator<Item = Node<'t>> {
        // A cursor over the children, lazily: `.all()`/`.find()` stop early, nothing is
        // collected.
        let mut cursor = node.walk();
        let mut started = false;
        std::iter::from_fn(move || loop {
            let moved = if started {
                cursor.goto_next_sibling()
            } else {
                started = true;
                cursor.goto_first_child()
            };
            if !moved {
                return None;
            }
            let child = cursor.node();
            if child.is_named() && !child.kind_name().contains("comment") {
                return Some(child);
            }
        })
    }
}

/// What the fact pass asks of the syntactic rules.
pub trait NodeChecks: Sync {
    /// Per node kind id of `lang`'s grammar, the checks to run on a node of that kind.
    fn table(&self, lang: Language) -> &'static [Vec<u16>];

    /// Runs the checks `table` lists for the view's node, a hit for each that fires.
    fn inspect(
        &self,
        table: &[Vec<u16>],
        view: &NodeView,
        symbol: &dyn Fn() -> Option<String>,
        hits: &mut Vec<Hit>,
    );
}

/// No checks: for a pass that needs only facts (clone tokens read again).
pub struct NoChecks;

impl NodeChecks for NoChecks {
    fn table(&self, _: Language) -> &'static [Vec<u16>] {
        &[]
    }

    fn inspect(
        &self,
        _: &[Vec<u16>],
        _: &NodeView,
        _: &dyn Fn() -> Option<String>,
        _: &mut Vec<Hit>,
    ) {
    }
}
