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
        super::walk::children(node)
            .filter(|(c, named)| *named && !c.is_comment_kind())
            .map(|(c, _)| c)
    }

    /// Whether the view's node's source text starts with one of `prefixes`: a test that costs
    /// no lookup in the tree, for a rule to rule out most nodes of a kind before it looks at
    /// their children (a call's callee starts where the call does).
    pub fn starts_with_any(&self, prefixes: &[&str]) -> bool {
        let rest = self
            .src
            .as_bytes()
            .get(self.node.start_byte()..)
            .unwrap_or(&[]);
        prefixes.iter().any(|p| rest.starts_with(p.as_bytes()))
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
