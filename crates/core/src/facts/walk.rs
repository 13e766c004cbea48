//! A preorder walk over a tree's visible nodes that yields what a `TreeCursor` walk reaches,
//! with each node's kind and visible child count, in about half the cursor's instructions: the
//! walk keeps one frame per level, hidden levels included, instead of rebuilding a child
//! iterator on every step (see `walk.c`). The fact pass is its one user; the tests prove it
//! equal to the cursor on every fixture, in every language, damaged or not.

use tree_sitter::{ffi, Node, Point, Tree};

#[repr(C)]
struct RawWalk {
    _private: [u8; 0],
}

#[repr(C)]
struct RawStep {
    node: ffi::TSNode,
    child_count: u32,
    depth: u32,
    end_byte: u32,
    end_point: ffi::TSPoint,
    symbol: u16,
}

/// A leaf the walk passed over (`WtfcbLeaf`): where it starts and ends, and its kind.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Leaf {
    pub start_byte: u32,
    pub end_byte: u32,
    pub start_row: u32,
    pub end_row: u32,
    pub end_column: u32,
    pub kind_id: u16,
}

#[repr(C)]
struct RawLeaves {
    plain: *const bool,
    plain_count: u32,
    leaves: *mut Leaf,
    capacity: u32,
    count: u32,
}

extern "C" {
    fn wtfcb_walk_new(tree: *const ffi::TSTree) -> *mut RawWalk;
    fn wtfcb_walk_delete(walk: *mut RawWalk);
    fn wtfcb_walk_next(
        walk: *mut RawWalk,
        descend: bool,
        pass_children: bool,
        out: *mut RawStep,
        leaves: *mut RawLeaves,
    ) -> bool;
    fn wtfcb_walk_field(walk: *const RawWalk) -> u16;
    fn wtfcb_children_start(node: ffi::TSNode, children: *mut RawChildren);
    fn wtfcb_children_next(
        children: *mut RawChildren,
        out: *mut ffi::TSNode,
        named: *mut bool,
    ) -> bool;
    fn wtfcb_children_end(children: *mut RawChildren);
    fn wtfcb_child_by_field_id(node: ffi::TSNode, field: u16) -> ffi::TSNode;
}

/// The child of `node` in the field with id `field`, as `Node::child_by_field_id` finds it,
/// in about half its instructions (see `walk.c`).
pub fn child_by_field_id(node: Node<'_>, field: std::num::NonZeroU16) -> Option<Node<'_>> {
    // SAFETY: the node is alive for its 'tree; the result is a node of the same tree or null.
    let out = unsafe { wtfcb_child_by_field_id(node.into_raw(), field.get()) };
    // SAFETY: non-null, it points into the node's tree.
    (!out.id.is_null()).then(|| unsafe { Node::from_raw(out) })
}

/// The C iterator's state (`WtfcbChildren` in walk.c, which asserts that it fits).
/// Left uninitialised until C writes it: it is moved with the iterator, never read in Rust.
#[repr(C, align(8))]
struct RawChildren([std::mem::MaybeUninit<u64>; 24]);

/// A node's visible children with whether each is named, as `Node::child(i)` and
/// `Node::is_named` give them, one at a time in one pass over the tree (a `TreeCursor` step
/// costs several hundred instructions; this iterator, a few dozen a child).
pub fn children(node: Node<'_>) -> Children<'_> {
    let mut raw = RawChildren([std::mem::MaybeUninit::uninit(); 24]);
    // SAFETY: the node is alive for its 'tree; `raw` is large enough (walk.c asserts it).
    unsafe { wtfcb_children_start(node.into_raw(), &mut raw) };
    Children {
        raw,
        tree: std::marker::PhantomData,
    }
}

/// A node's named children, as `Node::named_children` gives them (see [`children`]).
pub fn named_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    children(node).filter(|(_, named)| *named).map(|(c, _)| c)
}

/// The iterator [`children`] makes.
pub struct Children<'tree> {
    raw: RawChildren,
    tree: std::marker::PhantomData<&'tree Tree>,
}

impl<'tree> Iterator for Children<'tree> {
    type Item = (Node<'tree>, bool);

    fn next(&mut self) -> Option<Self::Item> {
        let mut out = ffi::TSNode {
            context: [0; 4],
            id: std::ptr::null(),
            tree: std::ptr::null(),
        };
        let mut named = false;
        // SAFETY: `raw` was started on a node of a tree alive for 'tree.
        if !unsafe { wtfcb_children_next(&mut self.raw, &mut out, &mut named) } {
            return None;
        }
        // SAFETY: the node points into that tree.
        Some((unsafe { Node::from_raw(out) }, named))
    }
}

impl Drop for Children<'_> {
    fn drop(&mut self) {
        // SAFETY: started by `children`, ended once.
        unsafe { wtfcb_children_end(&mut self.raw) }
    }
}

/// One visible node of the walk.
#[derive(Clone, Copy)]
pub struct Step<'tree> {
    pub node: Node<'tree>,
    /// `node.child_count()`.
    pub child_count: usize,
    /// `node.kind_id()`.
    pub kind_id: u16,
    /// Levels below the root (the root is at 0): the walk left every node at this depth or
    /// deeper that came before.
    pub depth: usize,
    /// `node.byte_range()`, `node.start_position()` and `node.end_position()`, read without
    /// a call into tree-sitter each.
    pub start_byte: usize,
    pub end_byte: usize,
    pub start: Point,
    pub end: Point,
}

/// The walk over one tree; borrows the tree, which must outlive it.
pub struct Walk<'tree> {
    raw: *mut RawWalk,
    tree: &'tree Tree,
}

impl<'tree> Walk<'tree> {
    pub fn new(tree: &'tree Tree) -> Walk<'tree> {
        // SAFETY: the tree is alive for 'tree, and the walk only reads it.
        let raw = unsafe { wtfcb_walk_new(tree_ptr(tree)) };
        Walk { raw, tree }
    }

    /// The next visible node in preorder: the first child of the node returned last when
    /// `descend` is set (and it has children), else the next node after its subtree.
    pub fn next(&mut self, descend: bool) -> Option<Step<'tree>> {
        self.next_passing(descend, false, None)
    }

    /// [`Walk::next`], passing over the leaves `leaves` allows on the way (see
    /// [`PassedLeaves`]) where their frame allows it: the children of a node the walk
    /// descends into with `pass_children`, and the hidden levels below them. The leaves
    /// passed over come before the step in preorder.
    #[inline(always)]
    pub fn next_passing(
        &mut self,
        descend: bool,
        pass_children: bool,
        leaves: Option<&mut PassedLeaves>,
    ) -> Option<Step<'tree>> {
        let raw_leaves = match leaves {
            Some(l) => {
                l.raw.count = 0;
                &mut l.raw as *mut RawLeaves
            }
            None => std::ptr::null_mut(),
        };
        let mut out = std::mem::MaybeUninit::<RawStep>::uninit();
        // SAFETY: `raw` is a live walk over `tree`; C writes every field of `out` when it
        // returns true, and `out` is read only then. `raw_leaves`, when not null, points at
        // a table of `plain_count` kinds and a buffer of `capacity` leaves, both alive for
        // the call.
        if !unsafe {
            wtfcb_walk_next(
                self.raw,
                descend,
                pass_children,
                out.as_mut_ptr(),
                raw_leaves,
            )
        } {
            return None;
        }
        // SAFETY: written in full (above). Read in place: a copy of the whole step first
        // cost 18 instructions a node.
        let out = unsafe { out.assume_init_ref() };
        let [start_byte, row, column, _alias] = out.node.context;
        // SAFETY: the node points into `tree`, which outlives 'tree.
        let node = unsafe { Node::from_raw(out.node) };
        Some(Step {
            node,
            child_count: out.child_count as usize,
            kind_id: out.symbol,
            depth: out.depth as usize,
            start_byte: start_byte as usize,
            end_byte: out.end_byte as usize,
            start: Point::new(row as usize, column as usize),
            end: Point::new(out.end_point.row as usize, out.end_point.column as usize),
        })
    }

    /// The field name of the node returned last in its parent, as `TreeCursor::field_name`
    /// gives it.
    pub fn field_name(&self) -> Option<&'static str> {
        // SAFETY: `raw` is a live walk.
        let id = unsafe { wtfcb_walk_field(self.raw) };
        std::num::NonZeroU16::new(id)
            .and_then(|id| self.tree.language().field_name_for_id(id.get()))
    }
}

/// Leaves of a kind `plain` marks that the walk may pass over instead of yielding, and the
/// ones the last step passed over.
pub struct PassedLeaves {
    /// What C reads and writes: its pointers point into the two vectors' heap buffers, which
    /// stay where they are (neither vector grows) when the struct moves.
    raw: RawLeaves,
    buffer: Vec<Leaf>,
    /// Owns what `raw.plain` points into.
    _plain: Vec<bool>,
}

impl PassedLeaves {
    /// Room for `capacity` leaves a step; `plain[kind_id]` says which kinds to pass over.
    pub fn new(plain: Vec<bool>, capacity: usize) -> Self {
        let mut buffer = vec![Leaf::default(); capacity];
        PassedLeaves {
            raw: RawLeaves {
                plain: plain.as_ptr(),
                plain_count: u32::try_from(plain.len()).unwrap_or(u32::MAX),
                leaves: buffer.as_mut_ptr(),
                capacity: u32::try_from(capacity).unwrap_or(u32::MAX),
                count: 0,
            },
            buffer,
            _plain: plain,
        }
    }

    /// The leaves the last step given these passed over, in preorder.
    pub fn passed(&self) -> &[Leaf] {
        &self.buffer[..(self.raw.count as usize).min(self.buffer.len())]
    }
}

impl Drop for Walk<'_> {
    fn drop(&mut self) {
        // SAFETY: made by `wtfcb_walk_new` and dropped once.
        unsafe { wtfcb_walk_delete(self.raw) }
    }
}

fn tree_ptr(tree: &Tree) -> *const ffi::TSTree {
    // `Tree` is a pointer to the tree-sitter tree; the root node carries the same pointer.
    tree.root_node().into_raw().tree
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Language;

    /// What the test compares of each node the two walks reach.
    type Seen = (usize, u16, usize, usize, usize, usize, Option<&'static str>);

    fn seen(node: Node, depth: usize, field: Option<&'static str>) -> Seen {
        (
            node.id(),
            node.kind_id(),
            node.start_byte(),
            node.end_byte(),
            node.start_position().column,
            depth,
            field,
        )
    }

    /// The cursor walk, skipping the children of the nodes `skip` picks.
    fn by_cursor(tree: &Tree, skip: &dyn Fn(usize) -> bool) -> Vec<Seen> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        let mut depth = 0;
        loop {
            out.push(seen(cursor.node(), depth, cursor.field_name()));
            if !skip(out.len()) && cursor.goto_first_child() {
                depth += 1;
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
                depth -= 1;
            }
        }
    }

    fn by_walk(tree: &Tree, skip: &dyn Fn(usize) -> bool) -> Vec<Seen> {
        let mut out = Vec::new();
        let mut walk = Walk::new(tree);
        let mut descend = false;
        while let Some(step) = walk.next(descend) {
            assert_eq!(step.child_count, step.node.child_count());
            assert_eq!(step.kind_id, step.node.kind_id());
            assert_eq!(step.start_byte..step.end_byte, step.node.byte_range());
            assert_eq!(step.start, step.node.start_position());
            assert_eq!(step.end, step.node.end_position());
            out.push(seen(step.node, step.depth, walk.field_name()));
            descend = !skip(out.len());
        }
        assert!(walk.next(true).is_none(), "a finished walk stays finished");
        out
    }

    /// A node as the walk yields it, or a leaf it passed over (kind, bytes, start row, end
    /// row and column).
    #[derive(Debug, PartialEq)]
    enum Visit {
        Yielded(Seen),
        Passed(u16, std::ops::Range<usize>, usize, usize, usize),
    }

    /// Leaves passed over: those whose kinds `plain` marks, `capacity` at most a step, among
    /// the children of the nodes `passes` picks (by their place in the output).
    struct Passing<'a> {
        plain: &'a [bool],
        passes: &'a dyn Fn(usize) -> bool,
        capacity: usize,
    }

    /// The walk passing over leaves as `how` says.
    fn by_passing(tree: &Tree, how: &Passing) -> Vec<Visit> {
        let mut out = Vec::new();
        let mut walk = Walk::new(tree);
        let mut leaves = PassedLeaves::new(how.plain.to_vec(), how.capacity);
        let (mut descend, mut pass_children) = (false, false);
        loop {
            let next = walk.next_passing(descend, pass_children, Some(&mut leaves));
            out.extend(leaves.passed().iter().map(|l| {
                let bytes = l.start_byte as usize..l.end_byte as usize;
                let (start, end, column) = (l.start_row, l.end_row, l.end_column);
                Visit::Passed(
                    l.kind_id,
                    bytes,
                    start as usize,
                    end as usize,
                    column as usize,
                )
            }));
            let Some(step) = next else {
                break;
            };
            out.push(Visit::Yielded(seen(
                step.node,
                step.depth,
                walk.field_name(),
            )));
            descend = true;
            pass_children = (how.passes)(out.len());
        }
        out
    }

    /// What [`by_passing`] should give, from the walk that yields every node.
    fn passing_expected(tree: &Tree, how: &Passing) -> Vec<Visit> {
        let mut out = Vec::new();
        let mut walk = Walk::new(tree);
        // Whether each node on the path from the root may have its leaves passed over.
        let mut allows: Vec<bool> = Vec::new();
        let mut run = 0;
        while let Some(step) = walk.next(true) {
            allows.truncate(step.depth);
            let parent_allows = allows.last().copied().unwrap_or(false);
            let kind = usize::from(step.kind_id);
            if step.child_count == 0
                && parent_allows
                && how.plain.get(kind) == Some(&true)
                && run < how.capacity
            {
                run += 1;
                let (start, end) = (step.start, step.end);
                let bytes = step.start_byte..step.end_byte;
                out.push(Visit::Passed(
                    step.kind_id,
                    bytes,
                    start.row,
                    end.row,
                    end.column,
                ));
                // A leaf has no children: what it allows is never read.
                allows.push(false);
                continue;
            }
            run = 0;
            out.push(Visit::Yielded(seen(
                step.node,
                step.depth,
                walk.field_name(),
            )));
            allows.push((how.passes)(out.len()));
        }
        out
    }

    fn assert_same(lang: Language, text: &str, what: &str) {
        let Ok(tree) = crate::parse::parse(lang, text) else {
            return;
        };
        let all = by_cursor(&tree, &|_| false);
        assert_eq!(by_walk(&tree, &|_| false), all, "{what}");
        // Leaves passed over: of every kind under every node with room for all of them; of
        // every third kind under some nodes, two a step.
        let kinds = tree.language().node_kind_count();
        let every: Vec<bool> = vec![true; kinds];
        let thirds: Vec<bool> = (0..kinds).map(|k| k % 3 == 1).collect();
        let (always, sometimes) = (|_: usize| true, |n: usize| n % 5 != 2);
        let cases = [
            Passing {
                plain: &every,
                passes: &always,
                capacity: 256,
            },
            Passing {
                plain: &thirds,
                passes: &sometimes,
                capacity: 2,
            },
        ];
        for how in &cases {
            assert_eq!(
                by_passing(&tree, how),
                passing_expected(&tree, how),
                "{what}: passing leaves, room for {}",
                how.capacity
            );
        }
        let some = |n: usize| n % 7 == 3;
        assert_eq!(by_walk(&tree, &some), by_cursor(&tree, &some), "{what}");
        assert!(all.len() > 1 || text.trim().is_empty(), "{what}");
        assert_children(tree.root_node(), what);
        assert_fields(&tree, what);
    }

    /// Every node's child in every field of its grammar, against tree-sitter's lookup.
    fn assert_fields(tree: &Tree, what: &str) {
        let fields = u16::try_from(tree.language().field_count()).expect("a u16");
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            for id in (1..=fields).filter_map(std::num::NonZeroU16::new) {
                let ours = child_by_field_id(node, id)
                    .map(|c| (c.id(), c.byte_range(), c.start_position(), c.kind_id()));
                let theirs = node
                    .child_by_field_id(id.get())
                    .map(|c| (c.id(), c.byte_range(), c.start_position(), c.kind_id()));
                assert_eq!(ours, theirs, "{what}: field {id} of {}", node.kind());
            }
            stack.extend(children(node).map(|(c, _)| c));
        }
    }

    /// Every node's children as the lister gives them, against `Node::child` one by one.
    fn assert_children(root: Node, what: &str) {
        type Child = (usize, usize, Point, usize, u16, bool);
        let seen = |c: Node, named: bool| -> Child {
            let (start, end) = (c.start_byte(), c.end_byte());
            (c.id(), start, c.start_position(), end, c.kind_id(), named)
        };
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let expected: Vec<Child> = (0..node.child_count())
                .filter_map(|i| node.child(i))
                .map(|c| seen(c, c.is_named()))
                .collect();
            let listed: Vec<Child> = children(node).map(|(c, n)| seen(c, n)).collect();
            assert_eq!(listed, expected, "{what}: children of {}", node.kind());
            stack.extend(children(node).map(|(c, _)| c));
        }
    }

    // Every fixture in every language, as it is and damaged (errors, missing nodes, extras):
    // the same nodes, in the same order, at the same depth, with the same fields.
    #[test]
    fn the_walk_reaches_what_a_cursor_reaches() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut seeds = crate::mutate::seeds(&root.join("langs")).expect("fixtures");
        for dir in ["rules"] {
            for entry in std::fs::read_dir(root.join(dir))
                .expect("fixtures")
                .flatten()
            {
                if entry.path().is_dir() {
                    seeds.extend(crate::mutate::seeds(&entry.path()).unwrap_or_default());
                }
            }
        }
        let langs: std::collections::HashSet<_> = seeds.iter().map(|s| s.language).collect();
        assert_eq!(
            langs.len(),
            Language::ALL.len(),
            "a fixture in every language"
        );
        let mut rng = fastrand::Rng::with_seed(7);
        for (i, seed) in seeds.iter().enumerate() {
            let text = String::from_utf8_lossy(&seed.text);
            assert_same(seed.language, &text, &format!("seed {i}"));
            let other = &seeds[(i + 1) % seeds.len()].text;
            for m in crate::mutate::Mutation::ALL {
                let damaged = crate::mutate::mutate(&mut rng, m, &seed.text, other);
                let damaged = String::from_utf8_lossy(&damaged);
                assert_same(seed.language, &damaged, &format!("seed {i} {m:?}"));
            }
        }
    }

    // A long list of statements is a balanced tree of hidden repetition nodes, deeper than the
    // iterator's inline levels: it grows them on the heap and still lists every child.
    #[test]
    fn children_under_deep_hidden_levels_are_all_listed() {
        let src = "x = 1\n".repeat(3000);
        let tree = crate::parse::parse(Language::Python, &src).expect("parses");
        let root = tree.root_node();
        assert_eq!(root.child_count(), 3000);
        assert_children(root, "3000 statements");
        // Dropped part way, with its levels on the heap: `Drop` frees them (a double free
        // would abort here; a leak shows only under valgrind or LeakSanitizer).
        let mut some = children(root);
        assert!(some.nth(1500).is_some());
    }

    #[test]
    fn an_empty_tree_is_its_root() {
        let tree = crate::parse::parse(Language::Python, "").expect("parses");
        let mut walk = Walk::new(&tree);
        let root = walk.next(true).expect("the root");
        assert_eq!((root.depth, root.child_count), (0, 0));
        assert_eq!(walk.field_name(), None);
        assert!(walk.next(true).is_none());
    }
}
