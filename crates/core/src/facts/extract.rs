//! The single pass over a syntax tree. A `TreeCursor` walk with enter/leave events and explicit
//! stacks, so 5,000-deep nesting costs memory, never the call stack.

use crate::facts::field::Field;
use tree_sitter::{Node, Tree};

use super::checks::{NodeChecks, NodeView};
use super::names;
use super::tokens;
use super::{Class, FileFacts, Function, LineCounts, Position};
use crate::lang::{Language, Role};

const LINE_CODE: u8 = 1;
const LINE_COMMENT: u8 = 2;

enum ScopeKind {
    Function,
    Class(usize),
    Namespace,
}

/// The longest qualified name kept whole (bytes); see [`Extractor::qualify`].
pub const MAX_QUALIFIED: usize = 256;

/// An open definition on the path from the root: its node, its qualified name and what it is.
struct Scope {
    node_id: usize,
    qualified: String,
    kind: ScopeKind,
}

/// The running state of a function being measured.
struct Measured {
    /// Index into `facts.functions`.
    idx: usize,
    name: String,
    /// Cognitive-complexity nesting level.
    nesting: u32,
    /// Structural nesting depth (`if`, loops, `switch`, `try`).
    depth: u32,
    /// How many anonymous functions we are inside (their `return`s are not this function's).
    lambdas: u32,
    /// A method (its class, impl or receiver is known): a bare call of its own name is not
    /// recursion in languages that call methods through a receiver.
    is_method: bool,
    /// A Go method's receiver name: `t.Walk()` in `func (t *T) Walk()` is recursion.
    receiver: Option<String>,
    /// Whether a call in it may call it: false when its name is nowhere in its text (a call
    /// of itself names it), which spares most calls the search for their callee.
    may_recurse: bool,
}

/// A control structure whose children, except its condition, sit one level deeper.
struct Pending {
    node_id: usize,
    nesting: bool,
    depth: bool,
}

/// Fields that hold what a structure tests or iterates, not its body: nesting does not rise
/// there (SonarSource: nesting rises for bodies and branches, not for the condition).
const HEAD_FIELDS: [&str; 10] = [
    "condition",
    "value",
    "subject",
    "initializer",
    "update",
    // JavaScript's and TypeScript's name for a `for` loop's update clause.
    "increment",
    "left",
    "right",
    "pattern",
    "parameter",
];

/// What to give back when the walk leaves a node that raised a level.
#[derive(Clone, Copy, Default)]
struct Undo {
    node_id: usize,
    nesting: bool,
    depth: bool,
    lambda: bool,
    /// The nesting was lowered instead (an else-if's condition, see `adjust_levels`).
    lowered: bool,
}

struct Extractor<'a> {
    lang: Language,
    src: &'a str,
    roles: &'static [Role],
    /// Syntactic rules per node kind id.
    checks: &'static [Vec<u16>],
    /// The rules that run them.
    rules: &'a dyn NodeChecks,
    marks: Vec<u8>,
    facts: FileFacts,
    scopes: Vec<Scope>,
    measured: Vec<Measured>,
    undo: Vec<Undo>,
    /// Structures whose non-condition children raise the nesting.
    pending: Vec<Pending>,
    /// Preprocessor conditions (`#if A && B`) we are inside: not run-time decisions.
    preproc: Vec<usize>,
    /// The else-ifs we are inside, whose conditions stand at their chain's level.
    else_ifs: Vec<usize>,
    /// Go methods and their receiver type, matched to structs once the file is read.
    go_methods: Vec<String>,
    /// The entered nodes that put something on `pending`, `preproc`, `else_ifs`, `scopes` or
    /// `undo`, innermost last: every push is for the node being entered, and nodes are left
    /// in the reverse order, so a node left that is not last here has nothing to take off.
    held: Vec<usize>,
    /// The kind ids of the walk's path from the root, as `enter` last saw it (C and C++ only).
    path_kinds: Vec<u16>,
    /// Per kind id, whether it is a preprocessor directive's, in C and C++ (empty in the
    /// other languages, where no condition is a preprocessor's).
    preproc_kinds: &'static [bool],
    /// Per node kind id, how clone detection reads its tokens.
    token_classes: &'static [tokens::Class],
    /// Leaf tokens before this byte belong to an import: not clone material.
    import_end: usize,
    /// Leaf tokens before this byte are parts of a string literal already counted whole.
    string_end: usize,
    /// How many top-level anonymous functions took each name so far: the second `<it 'x'>`
    /// is `<it 'x'>[2]`, in file order (no line numbers in names).
    synthetic: std::collections::HashMap<String, u32>,
    /// The function being opened is such a top-level anonymous one (no class's method).
    opening_synthetic: bool,
    /// The parent's id and the first row of a run of attributes (and, in Rust, doc comments)
    /// written before an item as its siblings: tree-sitter-rust does not nest them in the item,
    /// nor does TypeScript's class body its members' decorators.
    attribute_run: Option<(usize, usize)>,
    /// The node that ended such a run, and the run's first row: its head.
    run_head: Option<(usize, usize)>,
    /// Which imports the code uses (Java, TypeScript).
    usage: super::usage::ImportUse,
    /// Go's declarations and dropped results (Go only).
    go: Option<super::golang::GoScan>,
    /// The Rust paths written inline already recorded as imports.
    inline_paths: std::collections::HashSet<String>,
    /// Each cognitive-complexity increment, when asked for ([`super::explain`]).
    steps: Option<Vec<super::explain::Step>>,
    /// By kind id: a leaf of the kind is only marked and recorded (`enter` has nothing else
    /// to do with it): no role, no syntactic check.
    plain_kinds: Vec<bool>,
}

/// Reads every fact of one file off its tree, in one walk.
pub fn extract(tree: &Tree, src: &str, lang: Language, checks: &dyn NodeChecks) -> FileFacts {
    extract_with(tree, src, lang, checks, false).0
}

/// [`extract`], and with `steps` every cognitive-complexity increment with its line.
pub(super) fn extract_with(
    tree: &Tree,
    src: &str,
    lang: Language,
    checks: &dyn NodeChecks,
    steps: bool,
) -> (FileFacts, Vec<super::explain::Step>) {
    let _grammar = super::field::Grammar::enter(lang);
    let mut ex = Extractor::new(src, lang, checks, steps);
    ex.read_tree(tree, tree.root_node().has_error());
    let steps = ex.steps.take().unwrap_or_default();
    (ex.finish(), steps)
}

/// [`extract`] over a file parsed in pieces ([`crate::parse::piece_starts`]): `next` gives
/// the tree of each piece in file order, each parsed alone where it stands in `src` (its
/// nodes keep their offsets, lines and columns in the file), and `None` after the last. Only
/// one piece's tree is alive at a time, so the memory a tree takes is the largest piece's,
/// not the file's. The walk reads each piece's root as the file's root, entered and left
/// once per piece: the pieces must parse without errors, each a run of whole top-level
/// items. An error from `next` ends the pass with it.
pub fn extract_pieces<E>(
    src: &str,
    lang: Language,
    checks: &dyn NodeChecks,
    next: &mut dyn FnMut() -> Result<Option<Tree>, E>,
) -> Result<FileFacts, E> {
    let _grammar = super::field::Grammar::enter(lang);
    let mut ex = Extractor::new(src, lang, checks, false);
    while let Some(tree) = next()? {
        ex.read_tree(&tree, false);
    }
    Ok(ex.finish())
}

impl<'a> Extractor<'a> {
    fn new(src: &'a str, lang: Language, checks: &'a dyn NodeChecks, steps: bool) -> Self {
        Extractor {
            lang,
            src,
            roles: lang.roles(),
            checks: checks.table(lang),
            rules: checks,
            marks: vec![0; count_lines(src)],
            facts: FileFacts::default(),
            scopes: Vec::new(),
            measured: Vec::new(),
            undo: Vec::new(),
            pending: Vec::new(),
            preproc: Vec::new(),
            else_ifs: Vec::new(),
            go_methods: Vec::new(),
            held: Vec::new(),
            path_kinds: Vec::new(),
            preproc_kinds: match lang {
                Language::C | Language::Cpp => super::field::preproc_kinds(lang),
                _ => &[],
            },
            token_classes: tokens::classes(lang),
            import_end: 0,
            string_end: 0,
            synthetic: std::collections::HashMap::new(),
            opening_synthetic: false,
            attribute_run: None,
            run_head: None,
            usage: super::usage::ImportUse::default(),
            go: (lang == Language::Go).then(super::golang::GoScan::default),
            inline_paths: std::collections::HashSet::new(),
            steps: steps.then(Vec::new),
            plain_kinds: plain_kinds(lang.roles(), checks.table(lang)),
        }
    }

    /// Walks one tree of the file, from its root to its end, with the macro bodies in it.
    fn read_tree(&mut self, tree: &Tree, has_errors: bool) {
        let arena = super::macros::Arena::default();
        let mut macros = super::macros::Reader::new(self.lang, self.src, &arena);
        if let Some(m) = macros.as_mut() {
            // What earlier pieces left unread.
            m.unread = self.facts.unread;
        }
        // The path from the root to the current node; parents without `Node::parent`'s walk
        // from the root.
        let mut path: Vec<Node> = Vec::new();
        let mut walk = Walking {
            ex: self,
            macros: macros.as_mut(),
            has_errors,
        };
        walk.tree(tree, &mut path, None, 0);
        while let Some(done) = path.pop() {
            self.leave(done);
        }
        if let Some(macros) = macros {
            self.facts.unread = macros.unread;
        }
    }
}

/// The fact pass's walk over a file's tree and the macro bodies read in it.
struct Walking<'w, 'e, 'a, 't> {
    ex: &'w mut Extractor<'e>,
    macros: Option<&'w mut super::macros::Reader<'a, 't>>,
    has_errors: bool,
}

impl<'t> Walking<'_, '_, '_, 't> {
    /// Walks `tree` in preorder, entering and leaving each node, with a macro body read as
    /// code ([`super::macros`]) walked in place of its token tree. `body` says where a body's
    /// tree sits: the token tree it stands for is last on `path`, the nodes that span the
    /// whole body (the root, the statement and the block, tuple or array the delimiters
    /// make) stand for it too and are not entered, so the token tree's children are the
    /// delimiters and what they hold; nothing from the body's end on is text of the file
    /// (the `;` read after an expression). `depth` counts the bodies the walk is in.
    fn tree(
        &mut self,
        tree: &'t Tree,
        path: &mut Vec<Node<'t>>,
        body: Option<super::macros::Body<'t>>,
        depth: usize,
    ) {
        let base = path.len();
        let mut walk = super::walk::Walk::new(tree);
        let mut descend = false;
        // How many nodes from the root down stand for the token tree.
        let mut wrappers = 0;
        let has_errors = self.has_errors && body.is_none();
        // Plain leaves are left to the walk, which passes over them and hands them back in
        // batches, outside macro bodies and trees with errors (where a leaf may be missing).
        let mut passed = (body.is_none() && !has_errors)
            .then(|| super::walk::PassedLeaves::new(self.ex.plain_kinds.clone(), PASSED_LEAVES));
        let mut pass_children = false;
        while let Some(step) = self.next_step(&mut walk, &mut passed, descend, pass_children) {
            descend = false;
            pass_children = false;
            let mut level = step.depth;
            if let Some(body) = body {
                if step.start_byte >= body.end {
                    continue;
                }
                // The root, where it starts (at the first token, or before the white
                // space that leads it), stands for the token tree.
                if step.depth == 0
                    || (step.depth == wrappers
                        && step.start_byte == body.start
                        && step.end_byte >= body.end)
                {
                    wrappers += 1;
                    descend = true;
                    continue;
                }
                level = base + step.depth - wrappers;
            }
            self.leave_to(path, level);
            // Most leaves are only marked and recorded: not entered, not put on `path`.
            if step.child_count == 0 && !has_errors && self.ex.plain_leaf(&step, path) {
                self.ex.leaf(&step, usize::from(step.kind_id));
                continue;
            }
            // The field is looked up only where it matters (it costs a search per node).
            let enter = self
                .ex
                .enter(&step, &|| walk.field_name(), path, has_errors);
            let parent = path.last().copied();
            path.push(step.node);
            if !enter || step.child_count == 0 {
                continue;
            }
            let inner = self
                .macros
                .as_mut()
                .and_then(|m| m.body(step.node, parent, depth));
            match inner {
                Some(inner) => self.tree(inner.tree, path, Some(inner), depth + 1),
                None => {
                    descend = true;
                    let kind = Some(step.kind_id);
                    pass_children = self.ex.leaves_plain_under(step.node.id(), kind);
                }
            }
        }
        if body.is_some() {
            self.leave_to(path, base);
        }
    }

    /// The walk's next step (see [`super::walk::Walk::next_passing`]), with the leaves it
    /// passed over on the way recorded first, when the state allows passing over any.
    #[inline(always)]
    fn next_step(
        &mut self,
        walk: &mut super::walk::Walk<'t>,
        passed: &mut Option<super::walk::PassedLeaves>,
        descend: bool,
        pass_children: bool,
    ) -> Option<super::walk::Step<'t>> {
        let pass_now = self.ex.may_pass_leaves() && !self.ex.usage.active();
        let Some(leaves) = passed.as_mut().filter(|_| pass_now) else {
            return walk.next_passing(descend, pass_children, None);
        };
        let next = walk.next_passing(descend, pass_children, Some(leaves));
        for leaf in leaves.passed() {
            self.ex.record_leaf(leaf);
        }
        next
    }

    /// Leaves the nodes on `path` deeper than `level`, the deepest first.
    #[inline(always)]
    fn leave_to(&mut self, path: &mut Vec<Node<'t>>, level: usize) {
        while path.len() > level {
            if let Some(done) = path.pop() {
                self.ex.leave(done);
            }
        }
    }
}

/// How many leaves the walk passes over a step at most (see `walk::PassedLeaves`); a leaf
/// past them is yielded and read as the others are.
const PASSED_LEAVES: usize = 256;

/// Kinds with no role and no syntactic check (see `Extractor::plain_kinds`).
fn plain_kinds(roles: &[Role], checks: &[Vec<u16>]) -> Vec<bool> {
    let mut plain: Vec<bool> = roles.iter().map(|&r| r == Role::Other).collect();
    for (p, c) in plain.iter_mut().zip(checks) {
        *p &= c.is_empty();
    }
    plain
}

/// Whether a line is white space only (as `str::trim` sees it), without decoding characters
/// where the line is ASCII: a line with code has a byte that is no white space.
fn is_blank(line: &str) -> bool {
    for &b in line.as_bytes() {
        match b {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {}
            0x80.. => return line.trim().is_empty(),
            _ => return false,
        }
    }
    true
}

/// Lines as an editor numbers them: a final line without a newline still counts.
fn count_lines(src: &str) -> usize {
    let newlines = crate::text::count_newlines(src.as_bytes());
    newlines + usize::from(!src.is_empty() && !src.ends_with('\n'))
}

/// The last row a node really occupies: a token that swallows its newline ends at column 0
/// of the next row.
fn last_row(node: Node) -> usize {
    let (start, end) = (node.start_position(), node.end_position());
    if end.column == 0 && end.row > start.row {
        end.row - 1
    } else {
        end.row
    }
}

impl Extractor<'_> {
    fn mark(&mut self, row: usize, flag: u8) {
        if let Some(m) = self.marks.get_mut(row) {
            *m |= flag;
        }
    }

    fn mark_range(&mut self, node: Node, flag: u8) {
        let (first, last) = (node.start_position().row, last_row(node));
        let end = (last + 1).min(self.marks.len());
        for m in self.marks.get_mut(first..end).into_iter().flatten() {
            *m |= flag;
        }
    }

    /// Handles a node on the way down; returns whether to visit its children.
    // Inlined into the walk's loop, as `adjust_levels` and `leave` are (each is called once
    // per node): that took 8 M off the npm sample's 594 M instructions.
    #[inline(always)]
    // wtfcb: ignore[complex-function] -- one arm per node role: a dispatch table.
    fn enter(
        &mut self,
        step: &super::walk::Step,
        field: &dyn Fn() -> Option<&'static str>,
        path: &[Node],
        has_errors: bool,
    ) -> bool {
        let (node, children) = (step.node, step.child_count);
        // In C and C++, the kinds of `path`'s nodes, kept beside it: each node entered is
        // pushed on `path` next, and `path` only loses nodes from its end.
        let mut preproc_parent = false;
        if !self.preproc_kinds.is_empty() {
            self.path_kinds.truncate(path.len());
            let parent = self.path_kinds.last().copied();
            preproc_parent =
                parent.is_some_and(|k| self.preproc_kinds.get(usize::from(k)) == Some(&true));
            self.path_kinds.push(step.kind_id);
        }
        self.adjust_levels(node, field, path);
        if preproc_parent && field() == Some("condition") {
            self.preproc.push(node.id());
            self.hold(node.id());
        }
        if has_errors && (node.is_error() || node.is_missing()) {
            self.note_error(node, path);
        }
        let kind = usize::from(step.kind_id);
        if self.checks.get(kind).is_some_and(|c| !c.is_empty()) {
            let view = NodeView {
                node,
                path,
                lang: self.lang,
                src: self.src,
            };
            let scopes = &self.scopes;
            self.rules.inspect(
                self.checks,
                &view,
                &|| scopes.last().map(|s| s.qualified.clone()),
                &mut self.facts.hits,
            );
        }
        let role = self.roles.get(kind).copied().unwrap_or(Role::Other);
        if self.attribute_run.is_some() {
            self.end_attribute_run(node, role, path);
        }
        match role {
            Role::Comment => {
                if self.lang == Language::Rust && is_outer_doc_comment(node, self.src) {
                    self.extend_attribute_run(node, path)
                }
                self.mark_range(node, LINE_COMMENT);
                names::comment_markers(
                    node,
                    self.src,
                    self.lang,
                    &mut self.facts.todos,
                    &mut self.facts.suppressions,
                );
                return false;
            }
            Role::StringStatement if is_docstring(node) => {
                self.mark_range(node, LINE_COMMENT);
                return false;
            }
            Role::Function if names::has_body(node, self.lang) => {
                self.open_function(node, None, path)
            }
            // `module.exports = function equal(a, b) {...}`: a named function expression is
            // known by its own name, the one its recursive calls use.
            Role::Lambda
                if matches!(
                    node.kind_name(),
                    "function_expression" | "function" | "generator_function"
                ) && node.field("name").is_some() =>
            {
                self.open_function(node, None, path)
            }
            Role::Lambda => {
                let parent = path.last().copied();
                let grandparent = path.len().checked_sub(2).map(|i| path[i]);
                match names::binding_name(parent, grandparent, self.src) {
                    Some(name) => self.open_function(node, Some(name), path),
                    // An anonymous function is part of the function around it, one level deeper.
                    None if !self.measured.is_empty() => self.raise(node, true, false, true),
                    // At the top level nothing else would measure it: a callback passed at
                    // module level, `export default function () {}`, a static block.
                    None => self.open_callback(node, path),
                }
            }
            Role::Class => self.open_class(node, path),
            Role::Namespace => self.open_namespace(node),
            Role::Import => self.import_statement(node),
            Role::Call => {
                names::imports(node, self.lang, self.src, &mut self.facts.imports);
                self.measure(node, role, path);
            }
            Role::Attribute => self.attribute(node, path),
            Role::Function | Role::StringStatement | Role::Other => {}
            _ => self.measure(node, role, path),
        }
        self.language_facts(step, path);
        self.token(step, kind, children);
        true
    }

    /// An import statement's imports, watched for uses in the code after it.
    fn import_statement(&mut self, node: Node) {
        let first = self.facts.imports.len();
        names::imports(node, self.lang, self.src, &mut self.facts.imports);
        if self.lang == Language::Rust {
            // An inline path written as a `use` already names is that import.
            let added = self.facts.imports[first..]
                .iter()
                .map(|i| i.specifier.clone());
            self.inline_paths.extend(added);
        }
        self.usage
            .watch(node, self.lang, self.src, &self.facts.imports, first);
        if tokens::is_import_statement(node) {
            self.import_end = node.end_byte();
        }
    }

    /// What one language's rules need beyond the common facts: uses of imported names after
    /// the imports (see `usage`), Go's declarations and dropped results (see `golang`).
    fn language_facts(&mut self, step: &super::walk::Step, path: &[Node]) {
        let parent = path.last().copied();
        if step.child_count == 0 && self.usage.active() && step.start_byte >= self.import_end {
            let text = self.src.get(step.start_byte..step.end_byte).unwrap_or("");
            self.usage.see(self.lang, step.node, parent, text);
        }
        if let Some(go) = &mut self.go {
            go.visit(step.node, step.kind_id, self.src, &mut self.facts.go);
        }
        // Only paths with `::` are read: ruled out by kind id first (a test of the kind's name
        // on every node was 3% of a Rust sample's fact pass).
        if self.lang == Language::Rust
            && super::field::rust_scoped_kinds().get(usize::from(step.kind_id)) == Some(&true)
        {
            let seen = &mut self.inline_paths;
            names::rust_inline_path(step.node, path, self.src, seen, &mut self.facts.imports);
        }
    }

    /// A leaf is a token; so is a whole string literal, whose parts are then none.
    fn token(&mut self, step: &super::walk::Step, kind: usize, children: usize) {
        if children == 0 {
            self.leaf(step, kind);
            return;
        }
        let class = self.token_classes.get(kind).copied().unwrap_or_default();
        if class.string && step.start_byte >= self.import_end.max(self.string_end) {
            let text = self.src.get(step.start_byte..step.end_byte).unwrap_or("");
            self.facts
                .tokens
                .push(class, text, step.start.row as u32 + 1);
            self.string_end = step.end_byte;
        }
    }

    /// Whether `enter` would do nothing with this leaf but [`Extractor::leaf`], and `leave`
    /// nothing at all: its kind has no role and no syntactic check, its parent raises no
    /// levels for it, it ends no run of attributes, it is no condition of a C preprocessor
    /// directive, and import uses do not read it. (Go's scan and Rust's inline paths read no
    /// leaves.) A leaf with an error (missing) is ruled out by the caller.
    #[inline(always)]
    fn plain_leaf(&self, step: &super::walk::Step, path: &[Node]) -> bool {
        let kind = usize::from(step.kind_id);
        if self.plain_kinds.get(kind) != Some(&true)
            || !self.may_pass_leaves()
            || (self.usage.active() && step.start_byte >= self.import_end)
        {
            return false;
        }
        let Some(parent) = path.last() else {
            return false;
        };
        // `path_kinds` holds the kinds of `path`'s nodes (and stale ones past its end).
        let parent_kind = self.path_kinds.get(path.len() - 1).copied();
        self.leaves_plain_under(parent.id(), parent_kind)
    }

    /// Whether a plain leaf in this state may be left to the walk (see
    /// [`super::walk::PassedLeaves`]), as far as the state outside its parent and the import
    /// uses (which the callers test) go: it would end no run of attributes.
    #[inline(always)]
    fn may_pass_leaves(&self) -> bool {
        self.attribute_run.is_none()
    }

    /// Whether the leaves among the children of node `id` (of kind `kind`, kept in C and C++
    /// only) are plain as far as their parent goes: it raises no levels for its children, and
    /// it is no C preprocessor directive (whose condition is entered).
    #[inline(always)]
    fn leaves_plain_under(&self, id: usize, kind: Option<u16>) -> bool {
        if !self.preproc_kinds.is_empty()
            && kind.is_none_or(|k| self.preproc_kinds.get(usize::from(k)) != Some(&false))
        {
            return false;
        }
        self.pending.last().is_none_or(|p| p.node_id != id) && self.else_ifs.last() != Some(&id)
    }

    /// Marks a leaf's lines as code and records it as a clone token, unless it is empty or
    /// belongs to an import. Its positions come with the step, not from calls into tree-sitter.
    fn leaf(&mut self, step: &super::walk::Step, kind: usize) {
        self.record_leaf(&super::walk::Leaf {
            start_byte: step.start_byte as u32,
            end_byte: step.end_byte as u32,
            start_row: step.start.row as u32,
            end_row: step.end.row as u32,
            end_column: step.end.column as u32,
            kind_id: kind as u16,
        });
    }

    /// [`Extractor::leaf`] for a leaf the walk passed over, or one it yielded.
    #[inline(always)]
    fn record_leaf(&mut self, leaf: &super::walk::Leaf) {
        let range = leaf.start_byte as usize..leaf.end_byte as usize;
        if range.is_empty() {
            return;
        }
        let (start, end) = (leaf.start_row as usize, leaf.end_row as usize);
        self.mark(start, LINE_CODE);
        // A token that swallows its newline ends at column 0 of the next row.
        let last = if leaf.end_column == 0 && end > start {
            end - 1
        } else {
            end
        };
        self.mark(last, LINE_CODE);
        if range.start >= self.import_end.max(self.string_end) {
            let class = self
                .token_classes
                .get(usize::from(leaf.kind_id))
                .copied()
                .unwrap_or_default();
            let text = self.src.get(range).unwrap_or("");
            self.facts.tokens.push(class, text, leaf.start_row + 1);
        }
    }

    /// Notes that the node being entered put something on a stack `leave` takes it off.
    fn hold(&mut self, id: usize) {
        if self.held.last() != Some(&id) {
            self.held.push(id);
        }
    }

    #[inline(always)]
    fn leave(&mut self, node: Node) {
        // Most nodes put nothing on any stack: one comparison rules them out.
        if self.held.last() != Some(&node.id()) {
            return;
        }
        self.held.pop();
        if self.pending.last().is_some_and(|p| p.node_id == node.id()) {
            self.pending.pop();
        }
        if self.preproc.last() == Some(&node.id()) {
            self.preproc.pop();
        }
        if self.else_ifs.last() == Some(&node.id()) {
            self.else_ifs.pop();
        }
        // A function node may also be the child of a structure that raised its parent's levels:
        // close the function first, then give the levels back to the parent.
        if self.scopes.last().is_some_and(|s| s.node_id == node.id()) {
            if let Some(Scope {
                kind: ScopeKind::Function,
                ..
            }) = self.scopes.pop()
            {
                self.measured.pop();
            }
        }
        // A node may have raised twice: as a structure's child and as an anonymous function.
        while self.undo.last().is_some_and(|u| u.node_id == node.id()) {
            if let (Some(u), Some(m)) = (self.undo.pop(), self.measured.last_mut()) {
                m.nesting -= u32::from(u.nesting);
                m.nesting += u32::from(u.lowered);
                m.depth -= u32::from(u.depth);
                m.lambdas -= u32::from(u.lambda);
            }
        }
    }

    /// Raises the current function's nesting levels until the walk leaves `node`.
    fn raise(&mut self, node: Node, nesting: bool, depth: bool, lambda: bool) {
        let Some(m) = self.measured.last_mut() else {
            return;
        };
        m.nesting += u32::from(nesting);
        m.depth += u32::from(depth);
        m.lambdas += u32::from(lambda);
        let f = &mut self.facts.functions[m.idx];
        f.max_nesting = f.max_nesting.max(m.depth);
        self.undo.push(Undo {
            node_id: node.id(),
            nesting,
            depth,
            lambda,
            lowered: false,
        });
        self.hold(node.id());
    }

    /// Before a node is handled: a child of a structure (not its head) stands one level
    /// deeper; the condition of an else-if stands at its chain's `if` level, one less than the
    /// `else` it hangs in.
    #[inline(always)]
    fn adjust_levels(
        &mut self,
        node: Node,
        field: &dyn Fn() -> Option<&'static str>,
        path: &[Node],
    ) {
        let Some(parent) = path.last() else {
            return;
        };
        if let Some(p) = self.pending.last() {
            if p.node_id == parent.id() && !field().is_some_and(|f| HEAD_FIELDS.contains(&f)) {
                let (nesting, depth) = (p.nesting, p.depth);
                self.raise(node, nesting, depth, false);
            }
        }
        if self.else_ifs.last() == Some(&parent.id()) && field() == Some("condition") {
            if let Some(m) = self.measured.last_mut().filter(|m| m.nesting > 0) {
                m.nesting -= 1;
                self.undo.push(Undo {
                    node_id: node.id(),
                    nesting: false,
                    depth: false,
                    lambda: false,
                    lowered: true,
                });
                self.hold(node.id());
            }
        }
    }

    fn role_of(&self, node: Node) -> Role {
        self.roles
            .get(node.kind_id() as usize)
            .copied()
            .unwrap_or(Role::Other)
    }

    /// Adds what a control-flow node contributes to the function it is in: cyclomatic
    /// decisions, cognitive increments (structural + nesting, or flat), depth and returns.
    // wtfcb: ignore[complex-function] -- one arm per control-flow role: a dispatch table.
    fn measure(&mut self, node: Node, role: Role, path: &[Node]) {
        let Some(m) = self.measured.last() else {
            return;
        };
        let (idx, nesting, in_lambda) = (m.idx, m.nesting, m.lambdas > 0);
        if !self.preproc.is_empty() && matches!(role, Role::Logical | Role::Ternary) {
            return;
        }
        let parent = path.last().copied();
        let (mut cyclomatic, mut cognitive) = (0, 0);
        let (mut raise_nesting, mut raise_depth) = (false, false);
        let mut else_of_if = 0;
        match role {
            Role::If => {
                cyclomatic = 1;
                if self.is_else_if(node, parent) {
                    cognitive = 1;
                    self.else_ifs.push(node.id());
                    self.hold(node.id());
                } else {
                    cognitive = 1 + nesting;
                    (raise_nesting, raise_depth) = (true, true);
                }
                else_of_if = self.plain_else_of_if(node);
            }
            Role::ElseIf => (cyclomatic, cognitive) = (1, 1),
            Role::Else => {
                let of_if = parent.is_some_and(|p| self.role_of(p) == Role::If);
                let holds_if = self
                    .sole_code_child(node)
                    .is_some_and(|c| self.role_of(c) == Role::If);
                cognitive = u32::from(of_if && !holds_if);
            }
            Role::Loop => {
                (cyclomatic, cognitive) = (1, 1 + nesting);
                (raise_nesting, raise_depth) = (true, true);
            }
            Role::Switch => {
                cognitive = 1 + nesting;
                (raise_nesting, raise_depth) = (true, true);
            }
            Role::Case => {
                cyclomatic = u32::from(!names::is_default_case(node, self.lang, self.src))
            }
            Role::Catch => {
                (cyclomatic, cognitive) = (1, 1 + nesting);
                raise_nesting = true;
            }
            Role::Ternary => {
                (cyclomatic, cognitive) = (1, 1 + nesting);
                raise_nesting = true;
            }
            Role::LetElse if node.field("alternative").is_some() => {
                (cyclomatic, cognitive) = (1, 1 + nesting);
                (raise_nesting, raise_depth) = (true, true);
            }
            Role::Logical => {
                if let Some(op) = names::logical_operator(node) {
                    cyclomatic = names::logical_decisions(node);
                    // One increment per run of like operators: `a && b && c` is one.
                    let same_as_parent = parent.is_some_and(|p| {
                        self.role_of(p) == Role::Logical && names::logical_operator(p) == Some(op)
                    });
                    cognitive = u32::from(!same_as_parent);
                }
            }
            Role::ComprehensionFor | Role::ComprehensionIf => cyclomatic = 1,
            Role::Call => {
                let own = m.may_recurse
                    && names::calls_itself(
                        node,
                        self.lang,
                        self.src,
                        &m.name,
                        (m.is_method, m.receiver.as_deref()),
                    );
                cognitive = u32::from(own);
            }
            Role::Return if !in_lambda => {
                self.facts.functions[idx].returns += 1;
            }
            Role::Try => raise_depth = true,
            Role::Jump => cognitive = u32::from(names::has_label(node, self.lang)),
            Role::Goto => cognitive = 1,
            _ => {}
        }
        let flat_if = role == Role::If && !raise_nesting;
        self.record_steps(idx, (node, role, flat_if), (cognitive, nesting, else_of_if));
        cognitive += else_of_if;
        let f = &mut self.facts.functions[idx];
        f.cyclomatic += cyclomatic;
        f.cognitive += cognitive;
        if raise_nesting || raise_depth {
            // The children raise the levels as the walk enters them, conditions excepted.
            self.pending.push(Pending {
                node_id: node.id(),
                nesting: raise_nesting,
                depth: raise_depth,
            });
            self.hold(node.id());
        }
    }

    /// Go and Java hang a plain `else` block straight off the `if`: 1 when `node` has one.
    fn plain_else_of_if(&self, node: Node) -> u32 {
        if !matches!(self.lang, Language::Go | Language::Java) {
            return 0;
        }
        let alt = node.field("alternative");
        u32::from(alt.is_some_and(|a| a.kind_name() != "if_statement"))
    }

    /// With [`super::explain`] asking: the cognitive-complexity steps of one control-flow
    /// node (its increment at its nesting level, and a Go or Java `if`'s `else`).
    fn record_steps(
        &mut self,
        function: usize,
        (node, role, else_if): (Node, Role, bool),
        (increment, nesting, else_of_if): (u32, u32, u32),
    ) {
        if let Some(steps) = self.steps.as_mut() {
            let at = super::explain::At {
                node,
                role,
                src: self.src,
                else_if,
            };
            steps.extend(super::explain::Step::of(function, at, increment, nesting));
            steps.extend(super::explain::Step::of_else(function, at, else_of_if));
        }
    }

    /// The only named child that is not a comment (`else /* istanbul ignore else */ if`).
    fn sole_code_child<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut code =
            super::walk::named_children(node).filter(|c| self.role_of(*c) != Role::Comment);
        let first = code.next()?;
        code.next().is_none().then_some(first)
    }

    /// An `if` that is the whole else branch of another `if`.
    fn is_else_if(&self, node: Node, parent: Option<Node>) -> bool {
        let Some(parent) = parent else { return false };
        match self.role_of(parent) {
            Role::Else => self
                .sole_code_child(parent)
                .is_some_and(|c| c.id() == node.id()),
            Role::If => parent
                .field("alternative")
                .is_some_and(|a| a.id() == node.id()),
            _ => false,
        }
    }

    /// Counts an ERROR or MISSING node, describes the first, and marks every function open
    /// here (it overlaps the error: its numbers come from a recovered tree).
    fn note_error(&mut self, node: Node, path: &[Node]) {
        let errors = &mut self.facts.syntax_errors;
        errors.count += 1;
        if errors.first.is_none() {
            errors.first = Some(Position::from_point(node.start_position()));
            self.facts.first_error = Some(first_error(node, path, self.src));
        }
        for m in &self.measured {
            if let Some(f) = self.facts.functions.get_mut(m.idx) {
                f.approximate = true;
            }
        }
    }

    /// The name with its enclosing scopes. Past [`MAX_QUALIFIED`] bytes the middle scopes
    /// give way to `…` (the outermost one, cut to 64 bytes, and the name itself stay), so a
    /// file of functions nested 100,000 deep costs memory linear in its size, not quadratic.
    fn qualify(&self, name: &str) -> String {
        let Some(scope) = self.scopes.last() else {
            return name.to_string();
        };
        let sep = self.lang.scope_separator();
        if scope.qualified.len() + sep.len() + name.len() <= MAX_QUALIFIED {
            return format!("{}{sep}{name}", scope.qualified);
        }
        let outer = scope.qualified.split(sep).next().unwrap_or_default();
        format!("{}{sep}…{sep}{name}", crate::text::prefix(outer, 64))
    }

    /// A top-level anonymous function, named from the call it is passed to (see
    /// `names::callback_name`), with its ordinal when the name repeats.
    fn open_callback(&mut self, node: Node, path: &[Node]) {
        let parent = path.last().copied();
        let grandparent = path.len().checked_sub(2).map(|i| path[i]);
        let name = names::callback_name(parent, grandparent, self.src)
            .unwrap_or_else(|| "<anonymous>".to_string());
        let n = self.synthetic.entry(name.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 {
            name
        } else {
            format!("{name}[{n}]")
        };
        self.opening_synthetic = true;
        self.open_function(node, Some((name, node)), path);
        self.opening_synthetic = false;
    }

    /// An attribute or decorator: part of the item after it (unless it is Rust's `#![...]`,
    /// of the item around it); a Rust one may silence a check.
    fn attribute(&mut self, node: Node, path: &[Node]) {
        if node.kind_name() != "inner_attribute_item" {
            self.extend_attribute_run(node, path);
        }
        if self.lang == Language::Rust {
            let allowed = super::peers::rust_attribute(node, self.src);
            self.facts.suppressions.extend(allowed);
        }
    }

    /// A sibling of a run of attributes other than an attribute or a comment ends the run: the
    /// run is its head.
    fn end_attribute_run(&mut self, node: Node, role: Role, path: &[Node]) {
        if let Some((parent, row)) = self.attribute_run {
            if path.last().map_or(usize::MAX, |p| p.id()) == parent
                && !matches!(role, Role::Attribute | Role::Comment)
            {
                self.attribute_run = None;
                self.run_head = Some((node.id(), row));
            }
        }
    }

    /// An attribute, decorator or doc comment before an item starts a run of them, or continues
    /// the run its previous sibling is in.
    fn extend_attribute_run(&mut self, node: Node, path: &[Node]) {
        let parent = path.last().map_or(usize::MAX, |p| p.id());
        let row = match self.attribute_run {
            Some((p, row)) if p == parent => row,
            _ => node.start_position().row,
        };
        self.attribute_run = Some((parent, row));
    }

    /// How many lines of a function's or class's head are written above its node: the
    /// decorators, attributes or template header before it and belonging to it.
    fn lead(&mut self, node: Node, path: &[Node]) -> u32 {
        let start = node.start_position().row;
        let around = |kinds: &[&str]| {
            path.iter()
                .rev()
                .take_while(|p| kinds.contains(&p.kind_name()))
                .last()
                .map_or(start, |p| p.start_position().row.min(start))
        };
        let siblings = match self.run_head.take() {
            Some((id, row)) if id == node.id() => row.min(start),
            _ => start,
        };
        let around = match self.lang {
            Language::Python => around(&["decorated_definition"]),
            Language::Cpp => around(&["template_declaration"]),
            // Decorators before `export` belong to the `export` statement.
            Language::JavaScript | Language::TypeScript | Language::Tsx => {
                around(&["export_statement"])
            }
            _ => start,
        };
        (start - siblings.min(around)) as u32
    }

    /// Ruby's own notation: `Arrow::Slicer#initialize`, `Arrow::Table.load` for a singleton
    /// method (classes and modules nest with `::`).
    fn ruby_method_name(&self, node: Node, name: &str, qualified: &mut String) {
        let Some(Scope {
            kind: ScopeKind::Class(_),
            ..
        }) = self.scopes.last()
        else {
            return;
        };
        let mark = if node.kind_name() == "singleton_method" {
            "."
        } else {
            "#"
        };
        if let Some(owner) = qualified.strip_suffix(&format!("::{name}")) {
            *qualified = format!("{owner}{mark}{name}");
        }
    }

    fn open_function(&mut self, node: Node, bound: Option<(String, Node)>, path: &[Node]) {
        let name_node = bound
            .as_ref()
            .map(|(_, n)| *n)
            .or_else(|| names::function_name_node(node, self.lang));
        let name_at = name_node.unwrap_or(node).start_position();
        let bound_name = bound.map(|(name, _)| name);
        let written = bound_name
            .or_else(|| names::function_name(node, self.lang, self.src))
            .unwrap_or_else(|| "<anonymous>".to_string());
        // `A::f` defined out of line, `obj.handler = ...`: the last segment is the name.
        let name = if written.starts_with('[') || self.opening_synthetic {
            // A computed key, `[Symbol.iterator]`, is its own name; so is a callback's
            // (`<app.get '/x'>`).
            written.clone()
        } else {
            written
                .rsplit([':', '.'])
                .find(|s| !s.is_empty())
                .unwrap_or(&written)
                .to_string()
        };
        let mut qualified = self.qualify(&written);
        if self.lang == Language::Go && node.kind_name() == "method_declaration" {
            if let Some(receiver) = names::go_receiver(node, self.src) {
                qualified = format!("{receiver}.{written}");
                self.go_methods.push(receiver);
            }
        }
        if self.lang == Language::Ruby {
            self.ruby_method_name(node, &name, &mut qualified);
        }
        // Go methods, and JavaScript methods of object literals as of classes, are called
        // through a receiver: a bare call of the same name is another function's.
        let mut is_method = matches!(
            (self.lang, node.kind_name()),
            (Language::Go, "method_declaration")
                | (
                    Language::JavaScript | Language::TypeScript | Language::Tsx,
                    "method_definition"
                )
        );
        let synthetic = self.opening_synthetic;
        if let Some(Scope {
            kind: ScopeKind::Class(idx),
            ..
        }) = self.scopes.last()
        {
            if !synthetic {
                self.facts.classes[*idx].methods += 1;
                is_method = true;
            }
        }
        let (parameters, uncounted) = names::parameters(node, self.lang, self.src);
        let start = node.start_position().row;
        let lead = self.lead(node, path);
        self.facts.functions.push(Function {
            name: name.clone(),
            qualified_name: qualified.clone(),
            start_line: start as u32 + 1,
            end_line: last_row(node) as u32 + 1,
            name_at: Position::from_point(name_at),
            parameters,
            code_lines: 0,
            cyclomatic: 1,
            cognitive: 0,
            max_nesting: 0,
            returns: 0,
            approximate: false,
            uncounted,
            lead,
        });
        let idx = self.facts.functions.len() - 1;
        let may_recurse = self.may_recurse(node, name_node, &name);
        self.measured.push(Measured {
            idx,
            name,
            may_recurse,
            nesting: 0,
            depth: 0,
            lambdas: 0,
            is_method,
            receiver: (self.lang == Language::Go && is_method)
                .then(|| names::go_receiver_name(node, self.src))
                .flatten(),
        });
        self.hold(node.id());
        self.scopes.push(Scope {
            node_id: node.id(),
            qualified,
            kind: ScopeKind::Function,
        });
    }

    /// Whether a function's own name is written in its text other than where it is declared
    /// (see `Measured::may_recurse`). Searched only in the outer levels of nested functions,
    /// so that the searches cost at most a few passes over the file.
    fn may_recurse(&self, node: Node, name_node: Option<Node>, name: &str) -> bool {
        const SEARCHED_LEVELS: usize = 4;
        if self.measured.len() >= SEARCHED_LEVELS {
            return true;
        }
        let range = node.byte_range();
        // The declared name is no call; a callee is a node apart from it.
        let skip = name_node
            .map(|n| n.byte_range())
            .filter(|n| range.start <= n.start && n.end <= range.end)
            .unwrap_or(range.start..range.start);
        // One searcher for both parts (building it is most of a short search's cost).
        let finder = memchr::memmem::Finder::new(name.as_bytes());
        let found = |part: std::ops::Range<usize>| {
            let text = self.src.as_bytes().get(part).unwrap_or(&[]);
            finder.find(text).is_some()
        };
        !name.is_empty() && (found(range.start..skip.start) || found(skip.end..range.end))
    }

    /// A named C++ namespace qualifies what is inside (`arrow::engine::FromProto`), as lizard
    /// names it; an anonymous one adds nothing.
    fn open_namespace(&mut self, node: Node) {
        let Some(name) = node.field("name") else {
            return;
        };
        let name: String = names::text(name, self.src).split_whitespace().collect();
        if name.is_empty() {
            return;
        }
        let qualified = self.qualify(&name);
        self.hold(node.id());
        self.scopes.push(Scope {
            node_id: node.id(),
            qualified,
            kind: ScopeKind::Namespace,
        });
    }

    fn open_class(&mut self, node: Node, path: &[Node]) {
        let Some((mut name, kind)) = names::class_name(node, self.lang, self.src) else {
            return;
        };
        if name == "<anonymous>" {
            let parent = path.last().copied();
            let grandparent = path.len().checked_sub(2).map(|i| path[i]);
            if let Some((bound, _)) = names::binding_name(parent, grandparent, self.src) {
                name = bound;
            }
        }
        let qualified = self.qualify(&name);
        let start = node.start_position().row;
        let lead = self.lead(node, path);
        self.facts.classes.push(Class {
            name,
            kind: kind.to_string(),
            start_line: start as u32 + 1,
            end_line: last_row(node) as u32 + 1,
            methods: 0,
            code_lines: 0,
            lead,
        });
        let idx = self.facts.classes.len() - 1;
        self.hold(node.id());
        self.scopes.push(Scope {
            node_id: node.id(),
            qualified,
            kind: ScopeKind::Class(idx),
        });
    }

    fn finish(mut self) -> FileFacts {
        // Line kinds: blank by text; else code if any token lies on it, comment if only
        // comments do; text no token covers (inside a multi-line string) is code.
        let mut lines = LineCounts {
            total: self.marks.len() as u32,
            ..LineCounts::default()
        };
        let mut code_prefix = Vec::with_capacity(self.marks.len() + 1);
        code_prefix.push(0u32);
        // Lines found with memchr: `str::split` costs several times more a line.
        let bytes = self.src.as_bytes();
        let mut start = 0;
        for row in 0..self.marks.len() {
            let end = memchr::memchr(b'\n', bytes.get(start..).unwrap_or(&[]))
                .map_or(bytes.len(), |i| start + i);
            // A newline is a character boundary on both sides.
            let text = self.src.get(start..end).unwrap_or("");
            start = end + 1;
            let mark = self.marks[row];
            let is_code = if is_blank(text) {
                lines.blank += 1;
                false
            } else if mark & LINE_CODE == 0 && mark & LINE_COMMENT != 0 {
                lines.comment += 1;
                false
            } else {
                lines.code += 1;
                true
            };
            code_prefix.push(code_prefix[row] + u32::from(is_code));
        }
        self.facts.lines = lines;
        let rows = code_prefix.len() - 1;
        let code_between = |start: u32, end: u32| {
            let first = (start as usize - 1).min(rows);
            let last = (end as usize).min(rows);
            code_prefix[last] - code_prefix[first]
        };
        for f in &mut self.facts.functions {
            f.code_lines = code_between(f.start_line, f.end_line);
        }
        for c in &mut self.facts.classes {
            c.code_lines = code_between(c.start_line, c.end_line);
        }
        self.facts.tokens.drop_data_tables();
        self.facts.tokens_digest = self.facts.tokens.digest();
        for receiver in self.go_methods {
            if let Some(class) = self.facts.classes.iter_mut().find(|c| c.name == receiver) {
                class.methods += 1;
            }
        }
        self.usage.settle(self.lang, &mut self.facts.imports);
        if self.lang == Language::Go && super::golang::build_ignored(self.src) {
            for import in &mut self.facts.imports {
                import.kind = super::ImportKind::Unused;
            }
        }
        self.facts
    }
}

/// A Rust doc comment for the item after it (`/// ...`, `/** ... */`), which is an attribute
/// of that item; not `////` nor `/***`, which are plain comments, nor `//!`, which documents
/// the item around it.
fn is_outer_doc_comment(node: Node, src: &str) -> bool {
    let text = names::text(node, src).as_bytes();
    (text.starts_with(b"///") && !text.starts_with(b"////"))
        || (text.starts_with(b"/**") && !text.starts_with(b"/***") && !text.starts_with(b"/**/"))
}

/// A Python statement that is only a string literal: a docstring (tokei counts these as
/// comments wherever they stand).
fn is_docstring(node: Node) -> bool {
    let mut named = super::walk::named_children(node);
    let first = named.next();
    first.is_some_and(|c| matches!(c.kind_name(), "string" | "concatenated_string"))
        && named.next().is_none()
}

/// What an error node is: the text there (its first line, at most 40 characters) or, for a
/// MISSING node, the token the grammar expected; and the kind of the node around it.
fn first_error(node: Node, path: &[Node], src: &str) -> super::FirstError {
    let text = if node.is_missing() {
        node.kind_name().to_string()
    } else {
        let raw = src.get(node.byte_range()).unwrap_or("");
        let line = raw.lines().next().unwrap_or("").trim();
        match line.char_indices().nth(40) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_string(),
        }
    };
    super::FirstError {
        text,
        missing: node.is_missing(),
        inside: path
            .last()
            .map_or(String::new(), |p| p.kind_name().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(imports: &[crate::facts::Import]) -> Vec<&str> {
        imports.iter().map(|i| i.specifier.as_str()).collect()
    }

    fn facts(lang: Language, src: &str) -> FileFacts {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        extract(&tree, src, lang, &crate::rules::SYNTACTIC)
    }

    // Leaves the walk reads quickly (no role, no check) still meet the syntactic rules when a
    // rule looks at their kind: Ruby's bare `byebug` is an identifier, a leaf.
    #[test]
    fn a_rule_on_a_leaf_kind_sees_every_such_leaf() {
        let src = "def f(a)\n  byebug\n  a\nend\n";
        let hits = facts(Language::Ruby, src).hits;
        let lines: Vec<(u32, u32)> = hits
            .iter()
            .map(|h| (h.start.line, h.start.column))
            .collect();
        assert_eq!(lines, [(2, 3)], "{hits:?}");
        let debugger = crate::rules::index_of("debugger-statement").unwrap() as u16;
        assert!(hits.iter().all(|h| h.rule == debugger), "{hits:?}");
    }

    #[test]
    fn a_blank_line_is_what_trim_leaves_empty() {
        let pieces = [
            " ", "\t", "\r", "\u{b}", "\u{c}", "\u{1c}", "\u{85}", "\u{a0}", "\u{3000}", "x", "é",
            "\u{200b}",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..3000 {
            let line: String = (0..rng.usize(0..6))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            assert_eq!(is_blank(&line), line.trim().is_empty(), "{line:?}");
        }
    }

    #[test]
    fn python_lines_functions_classes_imports() {
        let src = "\
#!/usr/bin/env python3
\"\"\"Module doc.

More.
\"\"\"
import os, sys as system
from .pkg import thing

class Greeter:
    def hello(self, name, *args, greeting=\"hi\", **kw):
        # say it
        def inner():
            return 1
        text = \"\"\"a
b\"\"\"
        return inner()

    handler = lambda self: 0

f = lambda x, y: x + y
";
        let f = facts(Language::Python, src);
        assert_eq!(
            f.lines,
            LineCounts {
                total: 20,
                code: 11,
                comment: 5,
                blank: 4
            }
        );
        assert_eq!(specs(&f.imports), ["os", "sys", ".pkg"]);
        let q: Vec<_> = f
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(
            q,
            [
                "Greeter.hello",
                "Greeter.hello.inner",
                "Greeter.handler",
                "f"
            ]
        );
        assert_eq!(f.functions[0].parameters, 5);
        assert_eq!(
            (f.functions[0].start_line, f.functions[0].end_line),
            (10, 16)
        );
        assert_eq!(f.functions[0].code_lines, 6);
        assert_eq!(f.functions[3].parameters, 2);
        assert_eq!(f.classes.len(), 1);
        assert_eq!(f.classes[0].methods, 2);
        assert_eq!(f.syntax_errors.count, 0);
    }

    #[test]
    fn javascript_bound_and_anonymous_functions() {
        let src = "\
import x from './x.js';
const fs = require('fs');
// helper
const f = (a, b) => a + b;
function g() { return [1].map(v => v * 2); }
class A { m() {} static s(a) {} }
obj.handler = function () {};
/* block
   comment */
";
        let f = facts(Language::JavaScript, src);
        let q: Vec<_> = f
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["f", "g", "A.m", "A.s", "obj.handler"]);
        assert_eq!(f.functions[4].name, "handler");
        assert_eq!(specs(&f.imports), ["./x.js", "fs"]);
        assert_eq!(
            f.lines,
            LineCounts {
                total: 9,
                code: 6,
                comment: 3,
                blank: 0
            }
        );
        assert_eq!(f.classes[0].methods, 2);
    }

    #[test]
    fn rust_impl_methods_are_qualified_by_type() {
        let src = "\
use std::collections::{HashMap,
    HashSet};
struct S;
impl<T> Wrap<T> {
    fn new(x: T) -> Self { let c = |y: u8| y; Wrap(x) }
}
fn free(&self, a: u8) {}
";
        let f = facts(Language::Rust, src);
        let q: Vec<_> = f
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["Wrap::new", "Wrap::new::c", "free"]);
        assert_eq!(specs(&f.imports), ["std::collections::{HashMap,HashSet}"]);
        let kinds: Vec<_> = f
            .classes
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str(), c.methods))
            .collect();
        assert_eq!(kinds, [("S", "struct", 0), ("Wrap", "impl", 1)]);
        assert_eq!(f.functions[2].parameters, 2);
    }

    #[test]
    fn go_methods_attach_to_their_struct() {
        let src = "\
package main
import (
\t\"fmt\"
\tstr \"strings\"
)
type Server struct{ n int }
type ID int
func (s *Server) Run(a, b int, c string) error { return nil }
func main() { f := func() {}; f() }
";
        let f = facts(Language::Go, src);
        let q: Vec<_> = f
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["Server.Run", "main", "main.f"]);
        assert_eq!(f.functions[0].parameters, 3);
        assert_eq!(specs(&f.imports), ["fmt", "strings"]);
        assert_eq!(f.classes.len(), 1);
        assert_eq!(f.classes[0].methods, 1);
    }

    #[test]
    fn c_and_cpp_declarators() {
        let c = facts(Language::C, "#include <stdio.h>\nstatic int *f(void) { return 0; }\nstruct p { int x; };\nstruct p g(struct p a, int b) { return a; }\n");
        let q: Vec<_> = c
            .functions
            .iter()
            .map(|f| (f.qualified_name.as_str(), f.parameters))
            .collect();
        assert_eq!(q, [("f", 0), ("g", 2)]);
        assert_eq!(specs(&c.imports), ["<stdio.h>"]);
        assert_eq!(c.classes.len(), 1);
        let cpp = facts(Language::Cpp, "namespace n {\nclass A { public: void m(int x) {} };\n}\nvoid A::out() {}\nauto l = [](int a) { return a; };\n");
        let q: Vec<_> = cpp
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["n::A::m", "A::out", "l"]);
        // Namespaces qualify names, nested and C++17 `a::b` ones too; anonymous ones do not.
        let ns = facts(
            Language::Cpp,
            "namespace arrow { namespace engine {\nint FromProto(int x) { return x; }\n} }\nnamespace a::b { void f() {} }\nnamespace { void hidden() {} }\n",
        );
        let q: Vec<_> = ns
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["arrow::engine::FromProto", "a::b::f", "hidden"]);
        assert!(ns.classes.is_empty());
        assert_eq!(cpp.functions[1].name, "out");
        assert_eq!(cpp.classes[0].methods, 1);
    }

    #[test]
    fn java_and_ruby() {
        let java = facts(Language::Java, "import java.util.List;\nimport static a.B.*;\nclass A {\n  A() {}\n  void m(int a, String b) { Runnable r = () -> {}; }\n}\n");
        let q: Vec<_> = java
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["A.A", "A.m", "A.m.r"]);
        assert_eq!(specs(&java.imports), ["java.util.List", "a.B.*"]);
        let ruby = facts(Language::Ruby, "require 'json'\nmodule M\n  class C\n    def go(a, b = 1)\n      x = 1\n    end\n    def self.make; end\n  end\nend\n=begin\ndoc\n=end\n");
        let q: Vec<_> = ruby
            .functions
            .iter()
            .map(|f| f.qualified_name.as_str())
            .collect();
        assert_eq!(q, ["M::C#go", "M::C.make"]);
        assert_eq!(specs(&ruby.imports), ["json"]);
        assert_eq!(ruby.lines.comment, 3);
        assert_eq!(
            ruby.classes.iter().map(|c| c.methods).collect::<Vec<_>>(),
            [0, 2]
        );
    }

    #[test]
    fn syntax_errors_are_counted_with_first_location() {
        let f = facts(
            Language::Python,
            "def ok():\n    return 1\n\ndef broken(:\n    pass\n",
        );
        assert!(f.syntax_errors.count >= 1);
        assert_eq!(f.syntax_errors.first.map(|p| p.line), Some(4));
    }

    // Issue 17: the message said only "N syntax error(s); the first is here", and nothing said
    // which functions' numbers came from a recovered tree.
    #[test]
    fn the_first_error_is_described_and_overlapping_functions_are_approximate() {
        let f = facts(
            Language::Python,
            "def ok():\n    return 1\n\ndef broken(:\n    pass\n",
        );
        let e = f.first_error.clone().unwrap();
        assert!(
            e.missing && e.text == ")" && e.inside == "parameters",
            "{e:?}"
        );
        let approximate: Vec<bool> = f.functions.iter().map(|x| x.approximate).collect();
        assert_eq!(approximate, vec![false, true]);
        let f = facts(
            Language::Cpp,
            "int clean(int a) { return a; }\nStatus Load(int n) {\n  ARROW_ASSIGN_OR_RAISE(auto buffer, AllocateBuffer(n));\n  return buffer;\n}\n",
        );
        let e = f.first_error.clone().unwrap();
        assert!(
            !e.missing && e.text.contains("ARROW_ASSIGN_OR_RAISE"),
            "{e:?}"
        );
        let approximate: Vec<&str> = f
            .functions
            .iter()
            .filter(|x| x.approximate)
            .map(|x| x.name.as_str())
            .collect();
        assert_eq!(approximate, vec!["Load"]);
    }

    #[test]
    fn empty_and_comment_only() {
        assert_eq!(facts(Language::Rust, "").lines, LineCounts::default());
        let f = facts(Language::Rust, "// a\n\n/* b\nc */");
        assert_eq!(
            f.lines,
            LineCounts {
                total: 4,
                code: 0,
                comment: 3,
                blank: 1
            }
        );
    }

    #[test]
    fn crlf_and_no_trailing_newline() {
        let f = facts(Language::JavaScript, "let a = 1;\r\n\r\n// c\r\nlet b = 2;");
        assert_eq!(
            f.lines,
            LineCounts {
                total: 4,
                code: 2,
                comment: 1,
                blank: 1
            }
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 5_000;
        let src = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let f = facts(Language::Python, &src);
        assert_eq!(f.lines.code, 1);
    }
}
