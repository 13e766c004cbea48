//! Rust macro bodies read as code. tree-sitter-rust keeps the argument of a macro invocation
//! (`cfg_rt! { pub fn spawn() {..} }`, `assert!(a && b)`) as a token tree: a flat list of
//! tokens with no functions, conditions or paths in it. The compiler reads most of them as
//! items, statements or expressions, so the fact pass ([`super::extract`]) parses such a
//! token tree again on its own, at its offsets in the file, when it reaches it: a braced one
//! as a block (items and statements), a parenthesised or bracketed one as an expression
//! statement. A tree that parses without errors is walked in place of the token tree; one
//! that does not (`matches!(x, Some(_) if ..)`, `select! { v = rx => {..} }`) has each braced
//! group inside it tried the same way (the branches of `cfg_if!`, the arms of `select!`), and
//! counts as a body not read. Templates and data (`quote!`, `json!`) are judged by their
//! tokens and not parsed. Macro invocations inside a body read this way are read in turn, to
//! a bounded depth.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use tree_sitter::{Node, Range, Tree};

use crate::lang::Language;

/// How deep macro bodies are read inside macro bodies; deeper ones count as not read.
pub const MAX_DEPTH: usize = 8;

/// A macro body read as code: its tree, and the token tree's bytes (a node starting at `end`
/// is the `;` read after an expression, not text of the file).
#[derive(Clone, Copy)]
pub struct Body<'t> {
    pub tree: &'t Tree,
    pub start: usize,
    pub end: usize,
}

/// Trees that live as long as the fact pass: kept while nodes of earlier ones are on its
/// path, so they cannot live in a `Vec` that would move them.
#[derive(Default)]
pub struct Arena {
    // The boxes are the point: a reference handed out stays valid while the `Vec` grows.
    #[allow(clippy::vec_box)]
    trees: RefCell<Vec<Box<Tree>>>,
}

impl Arena {
    fn keep(&self, tree: Tree) -> &Tree {
        let boxed = Box::new(tree);
        let kept: *const Tree = &*boxed;
        self.trees.borrow_mut().push(boxed);
        // SAFETY: the box is neither dropped nor removed before the arena is, and a box's
        // contents do not move when the `Vec` holding it grows.
        unsafe { &*kept }
    }
}

/// The node kind ids the reader looks for.
struct Kinds {
    token_tree: u16,
    invocation: u16,
}

fn kinds() -> &'static Kinds {
    static KINDS: OnceLock<Kinds> = OnceLock::new();
    KINDS.get_or_init(|| {
        let grammar = Language::Rust.grammar();
        Kinds {
            token_tree: grammar.id_for_node_kind("token_tree", true),
            invocation: grammar.id_for_node_kind("macro_invocation", true),
        }
    })
}

/// Reads the macro bodies of one file as the fact pass reaches them.
pub struct Reader<'a, 't> {
    src: &'a str,
    arena: &'t Arena,
    /// Set at the first parse: all of a file's bodies share one budget, its size's.
    deadline: Option<Instant>,
    /// The braced groups of a body that did not parse whole, read by their start byte, until
    /// the walk reaches them.
    groups: HashMap<usize, (Tree, usize)>,
    /// Macro invocations whose body was not read whole, and the lines those bodies span.
    pub unread: super::Unread,
}

impl<'a, 't> Reader<'a, 't> {
    /// A reader for a file in `lang` (only Rust has one), keeping its trees in `arena`.
    pub fn new(lang: Language, src: &'a str, arena: &'t Arena) -> Option<Reader<'a, 't>> {
        (lang == Language::Rust).then_some(Reader {
            src,
            arena,
            deadline: None,
            groups: HashMap::new(),
            unread: super::Unread::default(),
        })
    }

    /// The body to walk in place of `node`, when it is a macro's token tree (its parent is
    /// `parent`) that reads as code, or a braced group of one that did not; `depth` counts
    /// the bodies the walk is already in.
    pub fn body(&mut self, node: Node, parent: Option<Node>, depth: usize) -> Option<Body<'t>> {
        let kinds = kinds();
        if node.kind_id() != kinds.token_tree {
            return None;
        }
        if !self.groups.is_empty() {
            if let Some((tree, end)) = self.groups.remove(&node.start_byte()) {
                let start = node.start_byte();
                let tree = self.arena.keep(tree);
                return Some(Body { tree, start, end });
            }
        }
        if parent.is_none_or(|p| p.kind_id() != kinds.invocation) {
            return None;
        }
        let judged = judge(
            self.src
                .as_bytes()
                .get(node.byte_range())
                .unwrap_or_default(),
        );
        if judged == Judged::Flat {
            return None;
        }
        let range = node.range();
        let readable = judged != Judged::Foreign && depth < MAX_DEPTH;
        if judged == Judged::Read && depth < MAX_DEPTH {
            if let Some(tree) = self.parse(range) {
                let tree = self.arena.keep(tree);
                return Some(Body {
                    tree,
                    start: range.start_byte,
                    end: range.end_byte,
                });
            }
            // Items in parentheses (`cfg_64!( fn adc() {..} );`): what is inside, alone.
            if let Some((inside, tree)) = self.parse_inside(node) {
                let tree = self.arena.keep(tree);
                return Some(Body {
                    tree,
                    start: inside.start_byte,
                    end: inside.end_byte,
                });
            }
        }
        let mut whole = false;
        if readable {
            // `cfg_if!`'s frame is conditions on the build, not code: its branches are all
            // there is to read.
            whole = judged == Judged::Branches;
            for group in braced_groups(node, self.src) {
                match self.parse(group) {
                    Some(tree) => {
                        self.groups.insert(group.start_byte, (tree, group.end_byte));
                    }
                    None => whole = false,
                }
            }
        }
        if !whole {
            self.note_unread(range);
        }
        None
    }

    fn note_unread(&mut self, range: Range) {
        let unread = &mut self.unread;
        let line = range.start_point.row as u32 + 1;
        if unread.first_line == 0 || line < unread.first_line {
            unread.first_line = line;
        }
        let lines = range.end_point.row - range.start_point.row + 1;
        unread.macro_bodies = unread.macro_bodies.saturating_add(1);
        unread.lines = unread.lines.saturating_add(lines as u32);
    }

    /// What a parenthesised or bracketed token tree holds, parsed alone as items and
    /// statements, if it parses without errors.
    fn parse_inside(&mut self, node: Node) -> Option<(Range, Tree)> {
        let count = node.child_count();
        let (open, close) = (node.child(0)?, node.child(count.checked_sub(1)?)?);
        if count < 3 || matches!(open.kind(), "{") {
            return None;
        }
        let inside = Range {
            start_byte: open.end_byte(),
            start_point: open.end_position(),
            end_byte: close.start_byte(),
            end_point: close.start_position(),
        };
        let deadline = self.deadline();
        let tree = crate::parse::parse_part(Language::Rust, self.src, inside, false, deadline)?;
        (!tree.root_node().has_error()).then_some((inside, tree))
    }

    fn deadline(&mut self) -> Instant {
        let size = self.src.len();
        *self.deadline.get_or_insert_with(|| {
            Instant::now() + crate::parse::ParseBudget::DEFAULT.for_size(size)
        })
    }

    /// The token tree parsed alone, if it parses without errors.
    fn parse(&mut self, range: Range) -> Option<Tree> {
        let src = self.src;
        let deadline = self.deadline();
        let braced = src.as_bytes().get(range.start_byte) == Some(&b'{');
        let tree = crate::parse::parse_part(Language::Rust, src, range, !braced, deadline)?;
        (!tree.root_node().has_error()).then_some(tree)
    }
}

/// The braced groups within a token tree (not within another braced group), in order.
fn braced_groups(node: Node, src: &str) -> Vec<Range> {
    let mut found = Vec::new();
    // An explicit stack: token trees nest as deep as the text does.
    let mut stack = vec![node];
    while let Some(tree) = stack.pop() {
        let mut cursor = tree.walk();
        for child in tree.children(&mut cursor) {
            if child.kind() != "token_tree" {
                continue;
            }
            if src.as_bytes().get(child.start_byte()) == Some(&b'{') {
                found.push(child.range());
            } else {
                stack.push(child);
            }
        }
    }
    found.sort_unstable_by_key(|r| r.start_byte);
    found
}

/// What to do with a macro's token tree, judged from its tokens before any parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judged {
    /// Nothing in it that reading would add: no definition, condition, loop, closure,
    /// `unsafe`, project path or call a rule looks for (`println!("{}", x.len())`,
    /// `assert_eq!(a, b)`, `vec![1, 2]`: most invocations). Not parsed: each parse has a
    /// fixed cost.
    Flat,
    /// A template or data, not Rust: `quote!`'s `#name` and `#(...)*`, a `$metavariable`,
    /// JSON (`json!({"a": 1})`, a braced group opening with a string and a colon). Not
    /// parsed: a parse that fails pays for tree-sitter's error recovery.
    Foreign,
    /// Rust blocks in a frame of code that is not Rust: `select! { v = rx => {..} }` (a `=>`
    /// among the body's own tokens). Its braced groups are read, not the whole.
    Groups,
    /// Branches on the build: `cfg_if! { if #[cfg(unix)] {..} else {..} }` (an `if #` among
    /// the body's own tokens). Its braced groups are read; when they all parse, nothing of it
    /// is left unread.
    Branches,
    Read,
}

/// Judges a token tree by its text (strings and comments skipped), a byte at a time: a scan
/// costs far less than visiting its tokens as nodes, and most token trees are judged `Flat`.
fn judge(body: &[u8]) -> Judged {
    let mut scan = Scan {
        text: body,
        at: 0,
        depth: 0,
        read: false,
        framed: false,
        branches: false,
        brace_then_string: 0,
        last: 0,
        muted: 0,
        mute_next: false,
    };
    match scan.run() {
        Some(judged) => judged,
        None if scan.framed => Judged::Groups,
        None if scan.branches => Judged::Branches,
        None if scan.read => Judged::Read,
        None => Judged::Flat,
    }
}

/// The state of [`judge`]'s scan.
struct Scan<'t> {
    text: &'t [u8],
    at: usize,
    /// Bracket depth: 1 inside the body's own delimiters.
    depth: usize,
    read: bool,
    framed: bool,
    branches: bool,
    /// 1 right after a `{`, 2 after a `{` and a string: JSON's `{"key":`.
    brace_then_string: u8,
    /// The last byte of code seen before this one (not white space).
    last: u8,
    /// Inside a `macro_rules!` definition's group at this depth (0: not): its `$x` and `#`
    /// are the definition's, and a definition is Rust.
    muted: usize,
    /// A `macro_rules` was just seen: its next group is a definition.
    mute_next: bool,
}

impl Scan<'_> {
    /// Scans to the end; `Some` as soon as the body is known to be no Rust.
    fn run(&mut self) -> Option<Judged> {
        let text = self.text;
        while self.at < text.len() {
            let c = text[self.at];
            let next = text.get(self.at + 1).copied().unwrap_or(0);
            if c.is_ascii_whitespace() {
                self.at += 1;
                continue;
            }
            let brace_then_string = std::mem::take(&mut self.brace_then_string);
            if self.skip_text(c, next, brace_then_string) {
                continue;
            }
            match c {
                b'$' | b'#' | b':' if self.muted > 0 => {}
                b'$' => return Some(Judged::Foreign),
                b'#' if next == b'(' => return Some(Judged::Foreign),
                b':' if brace_then_string == 2 && next != b':' => return Some(Judged::Foreign),
                b'&' if next == b'&' => self.read = true,
                b'|' => self.read = true,
                b'=' if next == b'>' && self.depth == 1 => self.framed = true,
                b'(' | b'[' | b'{' | b')' | b']' | b'}' => self.bracket(c),
                _ if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 => {
                    if let Some(judged) = self.word() {
                        return Some(judged);
                    }
                    continue;
                }
                _ => {}
            }
            self.last = c;
            self.at += 1;
        }
        None
    }

    /// An opening or closing bracket: the depth, and where a definition's group ends.
    fn bracket(&mut self, c: u8) {
        if matches!(c, b'(' | b'[' | b'{') {
            self.depth += 1;
            if std::mem::take(&mut self.mute_next) {
                self.muted = self.depth;
            }
            self.brace_then_string = u8::from(c == b'{');
        } else {
            if self.muted == self.depth {
                self.muted = 0;
            }
            self.depth = self.depth.saturating_sub(1);
        }
    }

    /// Steps past a string, comment or character literal starting at `at`, if one does.
    fn skip_text(&mut self, c: u8, next: u8, brace_then_string: u8) -> bool {
        match c {
            b'"' => {
                self.skip_string(self.at + 1);
                self.brace_then_string = if brace_then_string == 1 { 2 } else { 0 };
                self.last = b'"';
            }
            b'/' if next == b'/' => {
                self.at = find(self.text, self.at, b"\n").unwrap_or(self.text.len());
                self.brace_then_string = brace_then_string;
            }
            b'/' if next == b'*' => {
                self.skip_block_comment();
                self.brace_then_string = brace_then_string;
            }
            b'\'' => {
                self.skip_quote();
                self.last = b'\'';
            }
            _ => return false,
        }
        true
    }

    /// A name, keyword, number or prefixed literal (`r"..."`, `b'x'`) at `at`.
    fn word(&mut self) -> Option<Judged> {
        let text = self.text;
        let start = self.at;
        let mut end = start;
        while end < text.len()
            && (text[end] == b'_' || text[end].is_ascii_alphanumeric() || text[end] >= 0x80)
        {
            end += 1;
        }
        let word = &text[start..end];
        let after = text.get(end).copied().unwrap_or(0);
        // Raw and byte strings: `r"..."`, `r#"..."#`, `b"..."`, `br"..."`, `c"..."`, `b'x'`.
        if matches!(word, b"r" | b"br" | b"cr") && matches!(after, b'"' | b'#') {
            self.skip_raw(end);
            self.last = b'"';
            return None;
        }
        if matches!(word, b"b" | b"c") && after == b'"' {
            self.skip_string(end + 1);
            self.last = b'"';
            return None;
        }
        if word == b"b" && after == b'\'' {
            self.at = end;
            self.skip_quote();
            self.last = b'\'';
            return None;
        }
        if word == b"macro_rules" {
            self.mute_next = true;
        }
        if self.last == b'#' && self.muted == 0 && !word[0].is_ascii_digit() {
            // `quote!`'s `#name`.
            return Some(Judged::Foreign);
        }
        match word {
            b"fn" | b"if" | b"match" | b"while" | b"for" | b"loop" | b"unsafe" | b"impl"
            | b"mod" | b"struct" | b"enum" | b"trait" | b"use" | b"crate" | b"super"
            | b"unwrap" | b"expect" | b"todo" | b"unimplemented" | b"dbg" => self.read = true,
            _ => {}
        }
        if word == b"if" && self.depth == 1 {
            let rest = &text[end..];
            let next = rest.iter().find(|b| !b.is_ascii_whitespace());
            if next == Some(&b'#') {
                // `cfg_if!`'s `if #[cfg(..)] {`.
                self.branches = true;
            }
        }
        self.last = b'a';
        self.at = end;
        None
    }

    /// Past a string whose text starts at `from` (after its `"`), escapes included.
    fn skip_string(&mut self, from: usize) {
        let text = self.text;
        let mut i = from;
        while i < text.len() {
            match text[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.at = i + 1;
                    return;
                }
                _ => i += 1,
            }
        }
        self.at = text.len();
    }

    /// Past a raw string whose `#`s or `"` start at `from`.
    fn skip_raw(&mut self, from: usize) {
        let text = self.text;
        let hashes = text[from..].iter().take_while(|&&b| b == b'#').count();
        let open = from + hashes;
        if text.get(open) != Some(&b'"') {
            self.at = open;
            return;
        }
        let mut close = vec![b'"'];
        close.extend(std::iter::repeat_n(b'#', hashes));
        self.at = find(text, open + 1, &close).map_or(text.len(), |i| i + close.len());
    }

    /// Past a character literal (`'x'`, `'\n'`) or a lifetime (`'a`) at `at`.
    fn skip_quote(&mut self) {
        let text = self.text;
        let i = self.at + 1;
        if text.get(i) == Some(&b'\\') {
            self.at = find(text, i + 2, b"'").map_or(text.len(), |j| j + 1);
        } else if text.get(i + 1) == Some(&b'\'') {
            self.at = i + 2;
        } else {
            // A lifetime, or a character of several bytes.
            let end = text[i..]
                .iter()
                .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80))
                .map_or(text.len(), |n| i + n);
            self.at = if text.get(end) == Some(&b'\'') {
                end + 1
            } else {
                end.max(i)
            };
        }
    }

    /// Past a block comment at `at` (they nest in Rust).
    fn skip_block_comment(&mut self) {
        let text = self.text;
        let mut depth = 0usize;
        let mut i = self.at;
        while i + 1 < text.len() {
            match (text[i], text[i + 1]) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        self.at = i;
                        return;
                    }
                }
                _ => i += 1,
            }
        }
        self.at = text.len();
    }
}

/// Where `needle` next occurs in `text` at or after `from`.
fn find(text: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(text.get(from..)?, needle).map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::{judge, Judged};
    use crate::facts::{extract, FileFacts};
    use crate::lang::Language;

    fn facts(src: &str) -> FileFacts {
        let tree = crate::parse::parse(Language::Rust, src).expect("parses");
        extract(&tree, src, Language::Rust, &crate::rules::SYNTACTIC)
    }

    fn functions(f: &FileFacts) -> Vec<(String, u32, u32, u32)> {
        f.functions
            .iter()
            .map(|f| {
                (
                    f.qualified_name.clone(),
                    f.start_line,
                    f.cyclomatic,
                    f.cognitive,
                )
            })
            .collect()
    }

    // tokio's `cfg_rt! { ... }`: items in a braced body are functions, methods and paths.
    #[test]
    fn items_in_a_braced_body_are_read_where_they_are() {
        let src = "mod a;\ncfg_rt! {\n    pub fn spawn(x: u32) -> u32 {\n        if x > 1 { 2 } else { 3 }\n    }\n    impl Handle {\n        fn run(&self) { crate::a::go(); }\n    }\n}\n";
        let f = facts(src);
        assert_eq!(
            functions(&f),
            [
                ("spawn".to_string(), 3, 2, 2),
                ("Handle::run".to_string(), 7, 1, 0)
            ]
        );
        assert_eq!(f.functions[0].name_at.column, 12);
        assert_eq!(f.classes.len(), 1);
        let imports: Vec<_> = f.imports.iter().map(|i| (&*i.specifier, i.line)).collect();
        assert_eq!(imports, [("mod a", 1), ("crate::a::go", 7)]);
        assert!(f.unread.is_empty());
        // The body's lines are code as they were.
        assert_eq!((f.lines.code, f.lines.total), (9, 9));
    }

    // `assert!(a && b)`: an expression argument is read as an expression.
    #[test]
    fn an_expression_argument_counts_toward_its_function() {
        let f = facts("fn g(a: bool, b: bool) {\n    assert!(a && b);\n    let v = vec![if a { 1 } else { 2 }; 3];\n}\n");
        assert_eq!(functions(&f), [("g".to_string(), 1, 3, 3)]);
        assert!(f.unread.is_empty());
    }

    // num-bigint's `cfg_64!( #[inline] fn adc(..) {..} );`, tokio's `mac!( async fn foo() {} );`.
    #[test]
    fn items_in_parentheses_are_read() {
        let f = facts("cfg_64!(\n    #[inline]\n    fn adc(a: u8) -> u8 { if a > 1 { 1 } else { 0 } }\n    fn sbb() {}\n);\n");
        assert_eq!(
            functions(&f),
            [("adc".to_string(), 3, 2, 2), ("sbb".to_string(), 4, 1, 0)]
        );
        assert!(f.unread.is_empty());
        assert_eq!((f.lines.code, f.lines.total), (5, 5));
    }

    #[test]
    fn bodies_inside_bodies_are_read() {
        let f = facts("cfg_net! {\n    cfg_rt! {\n        fn deep() { if true {} }\n    }\n}\n");
        assert_eq!(functions(&f), [("deep".to_string(), 3, 2, 1)]);
    }

    // A body that is no Rust (`quote!`, `cfg_if!`'s `if #[cfg]`) counts as not read, and
    // the braced blocks inside it that are Rust are read all the same.
    #[test]
    fn a_body_that_is_no_rust_is_counted_and_its_blocks_read() {
        let src = "cfg_if! {\n    if #[cfg(unix)] {\n        fn unix() {}\n    } else {\n        fn other() {}\n    }\n}\nquote! { fn #name() {} }\n";
        let f = facts(src);
        let names: Vec<_> = f.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["unix", "other"]);
        // `cfg_if!` is read whole through its branches; `quote!` is not Rust.
        assert_eq!((f.unread.macro_bodies, f.unread.lines), (1, 1));
        assert_eq!(f.unread.first_line, 8);
        let broken = facts("cfg_if! {\n    if #[cfg(unix)] {\n        fn unix() {}\n    } else {\n        fn (\n    }\n}\n");
        assert_eq!(broken.functions.len(), 1);
        assert_eq!((broken.unread.macro_bodies, broken.unread.lines), (1, 7));
    }

    // Macro definitions are patterns and templates, not code; a `!` that opens no macro
    // (`!=`, `!(a)`) is no invocation.
    #[test]
    fn definitions_and_negations_are_left_as_they_are() {
        let src = "macro_rules! m {\n    ($x:expr) => { fn made() {} };\n}\nfn n(a: bool) -> bool { !(a) && a != !a }\n";
        let f = facts(src);
        assert_eq!(functions(&f), [("n".to_string(), 4, 2, 1)]);
        assert!(f.unread.is_empty());
    }

    // Deeper than `MAX_DEPTH` bodies stay token trees and count as not read: the walk and
    // the parses are bounded whatever the nesting.
    #[test]
    fn nesting_is_bounded() {
        let depth = super::MAX_DEPTH + 4;
        let mut src = String::new();
        for _ in 0..depth {
            src.push_str("m! { ");
        }
        src.push_str("fn inner() {}");
        for _ in 0..depth {
            src.push_str(" }");
        }
        src.push('\n');
        let f = facts(&src);
        assert!(f.functions.is_empty());
        assert_eq!(f.unread.macro_bodies, 1);
    }

    // A body at the very end of the file, without a newline after it, and a body on a line
    // with other text: positions are the file's own.
    #[test]
    fn a_body_at_the_end_of_the_file() {
        let f = facts("fn z() { let _ = 1; }\nm!(|x| if x { 1 } else { 2 })");
        // The closure at the top level is measured on its own, where it is written.
        let closure = &f.functions[1];
        assert_eq!(
            (
                closure.start_line,
                closure.name_at.column,
                closure.cyclomatic
            ),
            (2, 4, 2)
        );
        assert!(f.unread.is_empty());
        assert_eq!((f.lines.code, f.lines.total), (2, 2));
    }

    #[test]
    fn token_trees_are_judged_by_their_text() {
        let cases: [(&str, Judged); 16] = [
            (r#"("{} {}", a, b)"#, Judged::Flat),
            ("[1, 2, 3]", Judged::Flat),
            ("(a && b)", Judged::Read),
            ("(x.unwrap())", Judged::Read),
            ("{ pub fn spawn() {} }", Judged::Read),
            ("(crate::a::b())", Judged::Read),
            // Words in strings, comments and character literals are no code.
            (
                r#"("if fn match && | $x #name", 'a', '\'', b'|')"#,
                Judged::Flat,
            ),
            ("(a /* if && */, b // fn\n)", Judged::Flat),
            (r##"(r#"if " && $x"#, x)"##, Judged::Flat),
            ("('a, 'b)", Judged::Flat),
            ("{ fn #name() {} }", Judged::Foreign),
            ("{ #(#fields),* }", Judged::Foreign),
            ("{ $x:expr }", Judged::Foreign),
            (r#"({"a": 1})"#, Judged::Foreign),
            ("{ if #[cfg(unix)] { fn a() {} } }", Judged::Branches),
            ("{ v = rx.recv() => { f() } }", Judged::Groups),
        ];
        for (text, want) in cases {
            assert_eq!(judge(text.as_bytes()), want, "{text}");
        }
        // A macro defined in a body is Rust, its `$x` and `#` included.
        let defined = "{ macro_rules! m { ($x:expr) => { #[doc = $x] fn f() {} }; } fn g() {} }";
        assert_eq!(judge(defined.as_bytes()), Judged::Read);
        assert_eq!(
            judge(b"{ macro_rules! m { () => {} } $x }"),
            Judged::Foreign
        );
        // A lone `#[attr]` and a `::` path of another crate are Rust.
        assert_eq!(judge(b"{ #[inline] fn f() {} }"), Judged::Read);
        assert_eq!(judge(b"(std::mem::take(x))"), Judged::Flat);
    }
}
