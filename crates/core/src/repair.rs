//! Valid code the grammars cannot parse, rewritten so that they can, without moving a byte.
//!
//! Each grammar wtfcb uses is the newest release on crates.io, and each still rejects some
//! valid syntax. When a parse has errors, [`rewrite`] looks for those constructs and returns a
//! copy of the text in which each is replaced by text of the same length that the grammar does
//! parse; the caller parses the copy and keeps that tree if it has fewer errors. Every byte
//! offset, line and column stays where it was, and the facts are read from the original text
//! at those offsets, so names and tokens come out as written. The rewrites:
//!
//! - TypeScript 5.0 `export type * from 'm'` and `export type * as N from 'm'`: the word
//!   `type` becomes spaces (the import stays type-only: it is read from the original text).
//! - TypeScript names the grammar takes for keywords: a property or parameter called `abstract`
//!   or `using` with a type (`abstract?: boolean`, `f(using: any)`, as in `@babel/types` and
//!   `@angular/core`): its first letter becomes `_`.
//! - JSX attributes named by a reserved word in JavaScript files (`<label for="x">`,
//!   `<div class="a">`): tree-sitter-javascript 0.25 reads the word as a keyword; its first
//!   letter becomes `_`. The same text in `.tsx` parses and is left alone.
//! - Ruby's unary-not method `def !@` (and `def self.!@`): `!@` becomes `x!`, a method name the
//!   grammar knows; the function is still named `!@`.
//! - Java type annotations on a variable arity parameter (`Object @Nullable ... args`, as in
//!   Spring Boot): the annotations become spaces.
//! - A bare `&` in JSX text (`<a>Runtime & Build</a>`), found where the first parse's error
//!   nodes are (see [`rewrite_with_tree`]): it becomes a space.
//! - C and C++ macros, which the grammars see unexpanded (wtfcb has no preprocessor). A macro
//!   is a name in capitals with an underscore (`ARROW_EXPORT`, not `FILE`), outside comments,
//!   strings and directives:
//!   - `extern "C" {` and its `}` alone under `#ifdef __cplusplus` are blanked (the grammar
//!     sees both halves of the block, each with an unbalanced brace);
//!   - an export or attribute macro before a declaration (`ARROW_EXPORT Status f();`,
//!     `UPB_INLINE const T* f()`, `class ARROW_EXPORT Foo`) is blanked, or becomes an empty
//!     declaration `;` when it stands alone on its line, so the line still counts as code;
//!   - an annotation after a declarator (`void f() const ABSL_LOCKS_EXCLUDED(mu_);`,
//!     `int x_ ABSL_GUARDED_BY(mu_);`) is blanked;
//!   - a statement macro whose first argument declares (`ARROW_ASSIGN_OR_RAISE(auto b,
//!     f())`) loses the type and stays a call of its remaining arguments; one whose argument
//!     is a statement (`GPR_UNREACHABLE_CODE(return x;)`) becomes a call without arguments.
//! - C++ the grammar rejects in expressions and declarations (see `cpp_expressions`): explicit
//!   instantiations, anonymous enumerations with a base, `new T *[n]`, `->*` and `.*`,
//!   `operator new(n)` in an expression.
//! - Last, for C and C++ text whose rewrite still has errors ([`rewrite_conditionals`]): a
//!   conditional group inside a construct the grammar reads only whole keeps its first branch.

use crate::lang::Language;

/// JavaScript's reserved words, which tree-sitter-javascript 0.25 does not accept as JSX
/// attribute names.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
];

/// A same-length copy of `text` with every construct above rewritten, or `None` when there
/// is nothing to rewrite.
pub fn rewrite(lang: Language, text: &str) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let changed = match lang {
        Language::TypeScript | Language::Tsx => {
            // Both rewrites run: `|` would stop at the first that changed something.
            export_type_star(&mut bytes) | typed_keyword_names(&mut bytes)
        }
        Language::JavaScript => jsx_reserved_attributes(&mut bytes),
        Language::Ruby => ruby_unary_not(&mut bytes),
        Language::Java => java_vararg_annotations(&mut bytes),
        Language::C => c_macros(&mut bytes),
        Language::Cpp => c_macros(&mut bytes) | cpp_expressions(&mut bytes),
        Language::Python | Language::Rust | Language::Go => false,
    };
    // Only ASCII bytes are replaced, by ASCII bytes, so the copy is as valid UTF-8 as the text.
    changed.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// [`rewrite`], and what the first parse's errors point at: a bare `&` in JSX text (`<a>Runtime
/// & Build</a>`, valid for TypeScript and Babel, which the grammars take for the start of an
/// entity) becomes a space. `None` when there is nothing to rewrite.
pub fn rewrite_with_tree(lang: Language, text: &str, tree: &tree_sitter::Tree) -> Option<String> {
    let fixed = rewrite(lang, text);
    if !matches!(lang, Language::Tsx | Language::JavaScript) {
        return fixed;
    }
    let mut bytes = fixed.as_deref().unwrap_or(text).as_bytes().to_vec();
    if !jsx_ampersands(tree, &mut bytes) {
        return fixed;
    }
    String::from_utf8(bytes).ok()
}

/// Whether a C++ text holds a class or struct head with an export macro, `class ARROW_EXPORT
/// Foo {` or `struct ABSL_X Bar :`, which tree-sitter-cpp reads, without an error, as a
/// function: then [`rewrite`] runs although the parse has no error.
pub fn hides_a_class(lang: Language, text: &str) -> bool {
    if lang != Language::Cpp {
        return false;
    }
    let bytes = text.as_bytes();
    let heads = memchr::memmem::find_iter(bytes, b"class ")
        .chain(memchr::memmem::find_iter(bytes, b"struct "));
    heads.into_iter().any(|at| {
        let after_tag = skip_space(bytes, at + memchr::memchr(b' ', &bytes[at..]).unwrap_or(0));
        let word_end =
            |from: usize| from + bytes[from..].iter().take_while(|&&b| is_word(b)).count();
        let macro_end = word_end(after_tag);
        let name_at = skip_space(bytes, macro_end);
        (at == 0 || !is_word(bytes[at - 1]))
            && is_macro_name(&bytes[after_tag..macro_end])
            && bytes
                .get(macro_end)
                .is_some_and(|b| b.is_ascii_whitespace())
            && word_end(name_at) > name_at
    })
}

/// The last resort for a C or C++ text whose best parse (`tree`, of `text`: the file or its
/// rewrite) still has errors: the conditional groups those errors touch keep their first
/// branch only (see [`c_conditionals`]). Run after the other rewrites, and only when they did
/// not make the text parse, because it drops the other branches' code from the parse. `None`
/// when there is nothing to rewrite.
pub fn rewrite_conditionals(
    lang: Language,
    text: &str,
    tree: &tree_sitter::Tree,
) -> Option<String> {
    if !matches!(lang, Language::C | Language::Cpp) {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    if !c_conditionals(tree, &mut bytes) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// A conditional group, `#if`/`#ifdef`/`#ifndef` to its `#endif`.
struct Conditional {
    /// Where its first branch ends: at its first `#elif`/`#else`, or at its `#endif`.
    first_end: usize,
    /// Where its `#endif` line starts.
    endif: usize,
    /// Its directive lines (continuations included).
    directives: Vec<(usize, usize)>,
    /// The group it sits in, if any.
    parent: Option<usize>,
    closed: bool,
    /// `#if 0`: its first branch is the one no compiler reads.
    dead_first: bool,
    /// Its first branch's braces: opened less closed, and the lowest that count fell to. A
    /// branch that does not balance (`if (avx2) { ... } else {` before `#endif`, its `}` in
    /// another group) is read by no parser as written.
    braces: i32,
    lowest: i32,
}

impl Conditional {
    fn unbalanced(&self) -> bool {
        self.closed && (self.braces != 0 || self.lowest < 0)
    }
}

/// A directive's word (`if`, `ifdef`, `endif`, ...) and what follows it on the line.
fn directive_parts(line: &[u8]) -> (&[u8], &[u8]) {
    let at = line
        .iter()
        .skip(1)
        .position(|b| !matches!(b, b' ' | b'\t'))
        .map_or(line.len(), |p| p + 1);
    let len = line[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    (&line[at..at + len], &line[at + len..])
}

/// A brace, counted in the first branch of each open group it lies in.
fn count_brace(groups: &mut [Conditional], open: &[usize], opens: bool) {
    let step = if opens { 1 } else { -1 };
    for &g in open {
        let g = &mut groups[g];
        if g.directives.len() == 1 {
            g.braces += step;
            g.lowest = g.lowest.min(g.braces);
        }
    }
}

/// The conditional groups of a C or C++ file, in the order they open.
fn conditionals(bytes: &[u8]) -> Vec<Conditional> {
    let mut groups: Vec<Conditional> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (kind, s, e) in c_tokens(bytes) {
        if kind == Tok::Punct && matches!(bytes[s], b'{' | b'}') {
            count_brace(&mut groups, &open, bytes[s] == b'{');
            continue;
        }
        if kind != Tok::Directive {
            continue;
        }
        let line = &bytes[s..e];
        let (word, condition) = directive_parts(line);
        match word {
            b"if" | b"ifdef" | b"ifndef" => {
                groups.push(Conditional {
                    first_end: e,
                    endif: e,
                    directives: vec![(s, e)],
                    parent: open.last().copied(),
                    closed: false,
                    // `#if 0`, `#if 0  // old`, `#if 0 /* off */`.
                    dead_first: word == b"if"
                        && condition
                            .split(|&b| b == b'/')
                            .next()
                            .map(<[u8]>::trim_ascii)
                            == Some(b"0"),
                    braces: 0,
                    lowest: 0,
                });
                open.push(groups.len() - 1);
            }
            b"elif" | b"else" | b"elifdef" | b"elifndef" => {
                if let Some(&g) = open.last() {
                    let g = &mut groups[g];
                    if g.directives.len() == 1 {
                        g.first_end = s;
                    }
                    g.directives.push((s, e));
                }
            }
            b"endif" => {
                if let Some(g) = open.pop() {
                    let g = &mut groups[g];
                    if g.directives.len() == 1 {
                        g.first_end = s;
                    }
                    g.directives.push((s, e));
                    (g.endif, g.closed) = (s, true);
                }
            }
            _ => {}
        }
    }
    groups
}

/// Where a tree's error and missing nodes start and end, sorted (subtrees without errors are
/// not entered).
fn error_bounds(tree: &tree_sitter::Tree) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            out.extend([node.start_byte(), node.end_byte()]);
        }
        stack.extend(
            crate::facts::walk::children(node)
                .map(|(c, _)| c)
                .filter(|c| c.has_error()),
        );
    }
    out.sort_unstable();
    out
}

/// C and C++ conditional groups inside a construct the grammar reads only whole: a member
/// initializer list (`a_(a),\n#ifndef NDEBUG\n checked_(false),\n#endif`), an expression
/// (`bool k =\n#ifdef X\n true;\n#else\n false;\n#endif`), a class head (`class A\n#ifdef
/// NDEBUG\n final\n#endif`), an `else` before `#endif`. Where the parse's errors start or end at
/// a group's directives (and at no group inside it), the parsing copy keeps the group's first
/// branch, as a
/// compiler with its condition true reads it, and blanks its directives and other branches
/// (of `#if 0`, the group is left as it is). The copy is kept only if it parses with fewer
/// errors (see `parse::parse_within`).
fn c_conditionals(tree: &tree_sitter::Tree, bytes: &mut [u8]) -> bool {
    let groups = conditionals(bytes);
    if groups.is_empty() {
        return false;
    }
    // A group is touched where an error starts or ends on one of its directive lines, or in
    // the white space before one (`bool k =` ends where the group that gives its value
    // begins): the directive splits what the error is in. An error inside a branch, away from
    // the directives, is not the group's doing, and an error around it all (recovery can
    // wrap the rest of the file in one node) touches none of its groups.
    let bounds = error_bounds(tree);
    let near = |(s, e): (usize, usize)| {
        let lead = bytes[..s]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let first = bounds.partition_point(|&b| b < s - lead);
        bounds.get(first).is_some_and(|&b| b <= e)
    };
    // A group whose first branch does not balance its braces is touched too, wherever the
    // errors are: kept alone, its first branch balances with the rest of the file only where
    // the compiler's reading (every condition true) does.
    let touched: Vec<bool> = groups
        .iter()
        .map(|g| g.closed && (g.unbalanced() || g.directives.iter().any(|&d| near(d))))
        .collect();
    let mut inner_touched = vec![false; groups.len()];
    for (g, group) in groups.iter().enumerate() {
        if let Some(p) = group.parent.filter(|_| touched[g]) {
            inner_touched[p] = true;
        }
    }
    let mut changed = false;
    for (g, group) in groups.iter().enumerate() {
        if !touched[g] || inner_touched[g] || group.dead_first {
            continue;
        }
        for &(s, e) in &group.directives {
            blank(bytes, s, e);
        }
        blank(bytes, group.first_end, group.endif);
        changed = true;
    }
    changed
}

/// Blanks the `&` an error node inside a JSX element starts with.
fn jsx_ampersands(tree: &tree_sitter::Tree, bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error()
            && bytes.get(node.start_byte()) == Some(&b'&')
            && node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "jsx_element" | "jsx_fragment"))
        {
            bytes[node.start_byte()] = b' ';
            changed = true;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor).filter(|c| c.has_error()));
    }
    changed
}

fn is_word(b: u8) -> bool {
    // A table: the tokenizer asks this of nearly every byte of a rewritten file.
    const WORD: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
            b += 1;
        }
        table
    };
    WORD[usize::from(b)]
}

/// Whether `word` stands at `at` as a whole word.
fn word_at(bytes: &[u8], at: usize, word: &str) -> bool {
    bytes[at..].starts_with(word.as_bytes())
        && (at == 0 || !is_word(bytes[at - 1]))
        && bytes.get(at + word.len()).is_none_or(|&b| !is_word(b))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

/// `export type *` → `export      *`.
fn export_type_star(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 0;
    while let Some(found) = find(bytes, at, b"export") {
        at = found + "export".len();
        if !word_at(bytes, found, "export") {
            continue;
        }
        let ty = skip_space(bytes, at);
        if ty == at || !word_at(bytes, ty, "type") {
            continue;
        }
        let star = skip_space(bytes, ty + "type".len());
        if star > ty + "type".len() && bytes.get(star) == Some(&b'*') {
            bytes[ty..ty + "type".len()].fill(b' ');
            changed = true;
        }
    }
    changed
}

/// `abstract?: T` → `_bstract?: T`, `(using: any)` → `(_sing: any)`.
fn typed_keyword_names(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    for word in ["abstract", "using"] {
        let mut at = 0;
        while let Some(found) = find(bytes, at, word.as_bytes()) {
            at = found + word.len();
            if !word_at(bytes, found, word) {
                continue;
            }
            let mut next = skip_space(bytes, at);
            if bytes.get(next) == Some(&b'?') {
                next = skip_space(bytes, next + 1);
            }
            if bytes.get(next) == Some(&b':') {
                bytes[found] = b'_';
                changed = true;
            }
        }
    }
    changed
}

/// `<tag ... for="x" class>` → `<tag ... _or="x" _lass>`: inside a JSX opening tag, an
/// attribute name that is a reserved word gets `_` for its first letter.
fn jsx_reserved_attributes(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 0;
    while let Some(open) = find(bytes, at, b"<") {
        at = open + 1;
        // `<Name` (a tag, not a comparison `a < b`: no space after `<`).
        if !bytes.get(at).is_some_and(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        let mut i = at;
        while bytes
            .get(i)
            .is_some_and(|&b| is_word(b) || matches!(b, b'.' | b':' | b'-'))
        {
            i += 1;
        }
        let (did, end) = jsx_attributes(bytes, i);
        changed |= did;
        at = end.max(at);
    }
    changed
}

/// The attributes of a JSX opening tag from `i` to its closing `>`: a `{...}` expression or a
/// string is skipped whole, a reserved word as a name gets `_` for its first letter. Returns
/// whether it changed anything and where the tag ends.
fn jsx_attributes(bytes: &mut [u8], mut i: usize) -> (bool, usize) {
    let mut changed = false;
    loop {
        i = skip_space(bytes, i);
        let skipped = match bytes.get(i) {
            None | Some(b'>' | b'<') => return (changed, i),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => return (changed, i),
            Some(b'{') => skip_braces(bytes, i),
            Some(b'"' | b'\'') => skip_string(bytes, i, false),
            Some(b'=') => Some(i + 1),
            Some(&b) if is_word(b) => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|&b| is_word(b) || matches!(b, b':' | b'-'))
                {
                    i += 1;
                }
                let next = bytes.get(skip_space(bytes, i)).copied();
                let is_attribute = matches!(next, Some(b'=' | b'>' | b'/') | None)
                    || next.is_some_and(|b| b.is_ascii_alphabetic() || b == b'{');
                if is_attribute && RESERVED.iter().any(|w| w.as_bytes() == &bytes[start..i]) {
                    bytes[start] = b'_';
                    changed = true;
                }
                Some(i)
            }
            Some(_) => None,
        };
        match skipped {
            Some(end) => i = end,
            None => return (changed, i),
        }
    }
}

/// The index just past the `}` that closes the `{` at `at`, strings inside skipped.
fn skip_braces(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' | b'`' => {
                i = skip_string(bytes, i, true)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the string that opens at `at`; backslashes escape only in JavaScript
/// strings, not in JSX attribute values.
fn skip_string(bytes: &[u8], at: usize, escapes: bool) -> Option<usize> {
    let quote = bytes[at];
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// `def !@` / `def self.!@` → `def x!` / `def self.x!`.
fn ruby_unary_not(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 0;
    while let Some(found) = find(bytes, at, b"def") {
        at = found + "def".len();
        if !word_at(bytes, found, "def") {
            continue;
        }
        let mut name = skip_space(bytes, at);
        if name == at {
            continue;
        }
        if bytes[name..].starts_with(b"self.") {
            name += "self.".len();
        }
        if bytes[name..].starts_with(b"!@") {
            bytes[name] = b'x';
            bytes[name + 1] = b'!';
            changed = true;
        }
    }
    changed
}

/// Java's type annotations on a variable arity parameter (`Object @Nullable ... args`, JLS
/// 8.4.1), which tree-sitter-java 0.23 rejects: the annotations become spaces.
fn java_vararg_annotations(bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut at = 0;
    while let Some(dots) = find(bytes, at, b"...") {
        at = dots + 3;
        // Annotations right before the dots, nearest first: `@A`, `@a.B`, `@A(x = 1)`.
        let mut end = dots;
        while let Some(start) = annotation_before(bytes, end) {
            blank(bytes, start, end);
            changed = true;
            end = start;
        }
    }
    changed
}

/// Where an annotation (`@A`, `@a.B`, `@A(x = 1)`) that ends, white space aside, at `end`
/// starts: its `@`.
fn annotation_before(bytes: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    while i > 0 && bytes[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if i > 0 && bytes[i - 1] == b')' {
        i = open_paren_before(bytes, i)?;
    }
    let name_end = i;
    while i > 0 && (is_word(bytes[i - 1]) || bytes[i - 1] == b'.') {
        i -= 1;
    }
    (i < name_end && i > 0 && bytes[i - 1] == b'@').then(|| i - 1)
}

/// The `(` matching the `)` just before `end`, looked for within 256 bytes (an annotation's
/// arguments are short, so many `...` cannot make the pass quadratic).
fn open_paren_before(bytes: &[u8], end: usize) -> Option<usize> {
    let floor = end.saturating_sub(256);
    let mut depth = 0usize;
    let mut i = end;
    while i > floor {
        i -= 1;
        match bytes[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = bytes.get(from..)?;
    memchr::memmem::find(rest, needle).map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(lang: Language, text: &str) -> bool {
        crate::parse::parse_raw(lang, text).root_node().has_error()
    }

    #[test]
    fn word_bytes_are_letters_digits_underscore_and_dollar() {
        let words: Vec<u8> = (0..=255u8).filter(|&b| is_word(b)).collect();
        let expected: Vec<u8> = (b'0'..=b'9')
            .chain(b'A'..=b'Z')
            .chain(b'a'..=b'z')
            .chain([b'_', b'$'])
            .collect::<std::collections::BTreeSet<u8>>()
            .into_iter()
            .collect();
        assert_eq!(words, expected);
    }

    // Issue 29: `Runtime & Build Information` in Prometheus's `Navbar.tsx` was a `high` syntax
    // error (typescript-eslint parses all 252 files of that UI).
    #[test]
    fn a_bare_ampersand_in_jsx_text_parses() {
        let tsx = "const m = a & b;\nexport const Nav = () => (\n  <nav>\n    <a>Runtime & Build</a>\n    <b>Tom &amp; Jerry {x & y}</b>\n  </nav>\n);\n";
        for lang in [Language::Tsx, Language::JavaScript] {
            let tree = crate::parse::parse_raw(lang, tsx);
            assert!(tree.root_node().has_error());
            let fixed = rewrite_with_tree(lang, tsx, &tree).unwrap();
            assert!(!errors(lang, &fixed), "{fixed}");
            // Only the bare one: the operators, the entity and the expression stay.
            assert_eq!(fixed.matches('&').count(), tsx.matches('&').count() - 1);
            assert!(fixed.contains("Runtime   Build"), "{fixed}");
        }
    }

    // Issue 29: RocksDB's headers declare unnamed parameters with defaults
    // (`uint64_t* = nullptr`, `bool /*is_retry*/ = false`), which tree-sitter-cpp rejects.
    // Issue 29: conditional directives inside an initializer list, an expression, a class head
    // or before an `else` block (RocksDB's `db_impl.cc`, `mmap.h`, `lru_cache.h`,
    // `version_set.cc`) were syntax errors: the grammar reads directives only between
    // declarations and statements.
    #[test]
    fn conditional_groups_inside_a_construct_keep_their_first_branch() {
        let cpp = concat!(
            "Foo::Foo(int a)\n    : a_(a),\n#ifndef NDEBUG\n      checked_(false),\n#endif\n      b_(0) {}\n",
            "static constexpr bool kHuge =\n#if defined(MAP_HUGETLB)\n    true;\n#else\n    false;\n#endif\n",
            "class LRUCache\n#ifdef NDEBUG\n    final\n#endif\n    : public Cache {\n  int x_;\n};\n",
            "int g(bool c) {\n#if USE_COROUTINES\n  if (c) {\n    return 1;\n  } else\n#endif  // USE_COROUTINES\n  {\n    return 2;\n  }\n}\n",
            "#ifdef FAST\nint h() { return 1; }\n#else\nint h() { return 2; }\n#endif\n",
            "#ifndef GFLAGS\nint stub() { return 1; }\n#else\nvoid run(int n) {\n  auto p = new Slice *[n];\n}\n#endif\n",
            "#if 0  // old\nint dead(\n#endif\n",
        );
        let first = crate::parse::parse_raw(Language::Cpp, cpp);
        assert!(first.root_node().has_error());
        let fixed = rewrite_conditionals(Language::Cpp, cpp, &first).unwrap();
        assert_eq!(fixed.len(), cpp.len());
        assert_eq!(fixed.matches('\n').count(), cpp.matches('\n').count());
        assert!(
            fixed.contains("      checked_(false),\n      \n"),
            "{fixed}"
        );
        assert!(fixed.contains("    true;\n     \n          \n"), "{fixed}");
        assert!(
            fixed.contains("class LRUCache\n             \n    final\n"),
            "{fixed}"
        );
        assert!(
            fixed.contains("  } else\n                         \n  {"),
            "{fixed}"
        );
        // Groups no error touches, and `#if 0`, stay as written.
        assert!(fixed.contains(
            "#ifdef FAST\nint h() { return 1; }\n#else\nint h() { return 2; }\n#endif\n"
        ));
        assert!(
            fixed.ends_with("#if 0  // old\nint dead(\n#endif\n"),
            "{fixed}"
        );
        // An error inside a branch, away from the directives, is not the group's doing.
        assert!(fixed.contains("#else\nvoid run(int n) {\n  auto p = new Slice *[n];\n}\n#endif\n"));
        let tree = crate::parse::parse(Language::Cpp, cpp).expect("parses");
        let facts =
            crate::facts::extract(&tree, cpp, Language::Cpp, &crate::facts::checks::NoChecks);
        let names: Vec<_> = facts.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Foo", "g", "h", "h", "stub", "run"], "{names:?}");
    }

    // Arrow's `encode_internal.cc`: a brace opened in one group and closed in another. Each
    // group alone does not balance; read with its condition true, the function does.
    #[test]
    fn groups_whose_braces_do_not_balance_keep_their_first_branch() {
        let cpp = concat!(
            "void Decode(Ctx* ctx, bool fixed) {\n",
            "#if defined(HAVE_AVX2)\n",
            "  if (ctx->has_avx2()) {\n    DecodeAvx2(fixed);\n  } else {\n",
            "#endif\n",
            "    if (fixed) {\n      DecodeImp(1);\n    } else {\n      DecodeImp(2);\n    }\n",
            "#if defined(HAVE_AVX2)\n",
            "  }\n",
            "#endif\n",
            "}\n",
            "#ifdef FAST\nint h() { return 1; }\n#else\nint h() { return 2; }\n#endif\n",
        );
        let first = crate::parse::parse_raw(Language::Cpp, cpp);
        assert!(first.root_node().has_error());
        let fixed = rewrite_conditionals(Language::Cpp, cpp, &first).unwrap();
        assert_eq!(fixed.len(), cpp.len());
        assert!(
            !crate::parse::parse_raw(Language::Cpp, &fixed)
                .root_node()
                .has_error(),
            "{fixed}"
        );
        assert!(
            fixed.contains("  } else {\n"),
            "the first branches are kept: {fixed}"
        );
        // A group that balances is left as written.
        assert!(fixed.ends_with(
            "#ifdef FAST\nint h() { return 1; }\n#else\nint h() { return 2; }\n#endif\n"
        ));
        let tree = crate::parse::parse(Language::Cpp, cpp).expect("parses");
        let facts =
            crate::facts::extract(&tree, cpp, Language::Cpp, &crate::facts::checks::NoChecks);
        assert_eq!(facts.syntax_errors.count, 0);
        let decode = &facts.functions[0];
        assert_eq!((decode.name.as_str(), decode.cyclomatic), ("Decode", 3));
    }

    // Issue 29: C++ that tree-sitter-cpp 0.23 rejects, in RocksDB's sources (explicit
    // instantiations in 5 files, pointers to members in 7, `new T *[n]` in 3, `operator new`
    // in an expression in 3, anonymous enumerations with a base in 2).
    #[test]
    fn cpp_expressions_the_grammar_rejects_are_made_readable() {
        let cpp = concat!(
            "template class CacheReservationManagerImpl<CacheEntryRole::kFilter>;\n",
            "class Reader {\n  enum : uint8_t { kEof = 1, kBad = 2 };\n};\n",
            "void f(int n) { auto p = new Slice *[n]; auto q = new ns::T<int> **[n]; }\n",
            "bool g(S* s, F fn) { return (s->*fn)(1) && (s[0].*fn)(2); }\n",
            "void* h(A* a) { void* m = a ? a->Get() : operator new(sizeof(X)); return m; }\n",
        );
        assert!(errors(Language::Cpp, cpp));
        let fixed = rewrite(Language::Cpp, cpp).unwrap();
        assert_eq!(fixed.len(), cpp.len());
        assert!(!errors(Language::Cpp, &fixed), "{fixed}");
        assert!(
            fixed.starts_with("         class CacheReservationManagerImpl<"),
            "{fixed}"
        );
        assert!(fixed.contains("enum           { kEof"), "{fixed}");
        assert!(fixed.contains("new Slice  [n]") && fixed.contains("new ns::T<int>   [n]"));
        assert!(fixed.contains("(s-> fn)(1) && (s[0]. fn)(2)"), "{fixed}");
        assert!(fixed.contains(": operator_new(sizeof(X))"), "{fixed}");
        let tree = crate::parse::parse(Language::Cpp, cpp).expect("parses");
        let facts =
            crate::facts::extract(&tree, cpp, Language::Cpp, &crate::facts::checks::NoChecks);
        let names: Vec<_> = facts.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["f", "g", "h"]);
        // What the grammar reads is left alone: declarations of the operators, a number times
        // a pointer, and C, where `new` is a name.
        for (lang, text) in [
            (
                Language::Cpp,
                "void* operator new(size_t n);\nR operator->*(int);\ndouble d = 1.*p;\n",
            ),
            (Language::C, "int f(int *new) { return new[0]; }\n"),
        ] {
            assert_eq!(rewrite(lang, text), None, "{text}");
        }
    }

    #[test]
    fn unnamed_parameters_with_defaults_get_a_name() {
        let cpp = "class A {\n  Status Get(int a, uint64_t* = nullptr, bool /*is_retry*/ = false,\n             std::vector<int>* const /*names*/ = nullptr, int& = k);\n  void G(Handle* = nullptr) {}\n};\nint f(int x) { int y = 0; y = x; x /* c */ = 2; return y == x ? 1 : 0; }\n";
        assert!(errors(Language::Cpp, cpp));
        let fixed = rewrite(Language::Cpp, cpp).unwrap();
        assert!(!errors(Language::Cpp, &fixed), "{fixed}");
        assert_eq!(fixed.len(), cpp.len());
        assert_eq!(fixed.matches("_= ").count(), 5, "{fixed}");
        // Assignments and comparisons are left as they are.
        assert!(
            fixed.contains("int y = 0; y = x; x /* c */ = 2; return y == x"),
            "{fixed}"
        );
    }

    // Issue 29: 8 of Spring Boot's main-code files were `high` syntax errors for
    // `Object @Nullable ... args`, which PMD parses.
    #[test]
    fn java_vararg_annotations_are_blanked() {
        let java = "class A {\n  void f(String fmt, Object @Nullable ... args) {}\n  void g(int @A @b.C(x = 1)... xs) {}\n  void h(int... ys) {}\n}\n";
        assert!(errors(Language::Java, java));
        let fixed = rewrite(Language::Java, java).unwrap();
        assert_eq!(fixed.len(), java.len());
        assert!(!errors(Language::Java, &fixed), "{fixed}");
        assert!(fixed.contains("Object           ... args"), "{fixed}");
        assert!(rewrite(Language::Java, "class B { void h(int... ys) {} }\n").is_none());
    }

    #[test]
    fn each_rewrite_keeps_every_offset_and_makes_the_text_parse() {
        let cases = [
            (
                Language::TypeScript,
                "export type * as HttpProxy from 'http-proxy-3';\nexport type * from \"./x\";\n",
                "export      * as HttpProxy from 'http-proxy-3';\nexport      * from \"./x\";\n",
            ),
            (
                Language::TypeScript,
                "interface N {\n  abstract?: boolean | null;\n}\nfunction f(using: any) {}\n",
                "interface N {\n  _bstract?: boolean | null;\n}\nfunction f(_sing: any) {}\n",
            ),
            (
                Language::JavaScript,
                "const a = <label for=\"x\" class='a' {...p} if>hi</label>;\nconst b = x < y;\n",
                "const a = <label _or=\"x\" _lass='a' {...p} _f>hi</label>;\nconst b = x < y;\n",
            ),
            (
                Language::Ruby,
                "class A\n  def !@\n    self\n  end\n  def self.!@; end\nend\n",
                "class A\n  def x!\n    self\n  end\n  def self.x!; end\nend\n",
            ),
        ];
        for (lang, text, want) in cases {
            assert!(errors(lang, text), "{text}");
            let got = rewrite(lang, text).expect("a rewrite");
            assert_eq!(got, want);
            assert_eq!(got.len(), text.len());
            assert!(!errors(lang, &got), "{got}");
        }
    }

    #[test]
    fn c_and_cpp_macros_are_neutralised_in_place() {
        let header = "#ifdef __cplusplus\nextern \"C\" {\n#endif\nint f(int a);\n#ifdef __cplusplus\n}\n#endif\n";
        let want = "#ifdef __cplusplus\n            \n#endif\nint f(int a);\n#ifdef __cplusplus\n \n#endif\n";
        let cpp = concat!(
            "class ARROW_EXPORT Foo {\n",
            "  void Run() const ABSL_LOCKS_EXCLUDED(mu_);\n",
            "  int x_ ABSL_GUARDED_BY(mu_) = 0;\n",
            "};\n",
            "ARROW_PYTHON_EXPORT\n",
            "Status Convert(int a);\n",
            "UPB_INLINE const upb_Def *get(upb_Pool *s) { return s; }\n",
            "Status F(int n) {\n",
            "  ARROW_ASSIGN_OR_RAISE(auto buffer, AllocateBuffer(10));\n",
            "  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<Buffer> b2, Alloc(n));\n",
            "  if (n) GPR_ASSERT(n > 0);\n",
            "  switch (n) { default: GPR_UNREACHABLE_CODE(return Status()); }\n",
            "}\n",
            "GRPCAPI const grpc_property* next(grpc_it* it);\n",
            "struct H {\n",
            "  void Orphan() override ABSL_NO_THREAD_SAFETY_ANALYSIS;\n",
            "  GPR_ATTRIBUTE_ALWAYS_INLINE_FUNCTION ~H() {}\n",
            "  static const GRPC_DLL Handle kInvalid;\n",
            "  void Run(GRPC_UNUSED int fd, Location whence = {}, Set s = {A, B});\n",
            "  explicit R(B* b) ABSL_LOCKS_EXCLUDED(b->mu_)\n      : b_(b) {}\n",
            "};\n",
            "void L(int n) { printf(\"%\" PRIuPTR \" of %\" PRId64, n, m); }\n",
            "Status ARROW_PY_EXPORT Register(int a);\n",
            "static void GPR_NOINLINE grow(int* sb) { if (sb) GPR_UNREACHABLE_CODE(return;); }\n",
            "struct P { GPR_INLINE_FN P(int) : r_(false) {} SOCKET s_ ABSL_GUARDED_BY(mu) = 0; };\n",
        );
        let traits = "namespace n {\nDECL_TRAITS(INT8, Int8,\n            int8_t)\nDECL_TRAITS(INT16, Int16, int16_t)\n}\n";
        let want_traits = format!(
            "namespace n {{\n;{}\n{}\n;{}\n}}\n",
            " ".repeat(22),
            " ".repeat(19),
            " ".repeat(33)
        );
        let want_traits = want_traits.as_str();
        let want_cpp = concat!(
            "class              Foo {\n",
            "  void Run() const                         ;\n",
            "  int x_                      = 0;\n",
            "};\n",
            ";                  \n",
            "Status Convert(int a);\n",
            "           const upb_Def *get(upb_Pool *s) { return s; }\n",
            "Status F(int n) {\n",
            "  ARROW_ASSIGN_OR_RAISE(     buffer, AllocateBuffer(10));\n",
            "  ARROW_ASSIGN_OR_RAISE(                        b2, Alloc(n));\n",
            "  if (n) GPR_ASSERT(n > 0);\n",
            "  switch (n) { default: GPR_UNREACHABLE_CODE(               ); }\n",
            "}\n",
            "        const grpc_property* next(grpc_it* it);\n",
            "struct H {\n",
            "  void Orphan() override                               ;\n",
            "                                       ~H() {}\n",
            "  static const          Handle kInvalid;\n",
            "  void Run(            int fd, Location whence = 0 , Set s = (A, B));\n",
            "  explicit R(B* b)                            \n      : b_(b) {}\n",
            "};\n",
            "void L(int n) { printf(\"%\" \"     \" \" of %\" \"    \", n, m); }\n",
            "Status                 Register(int a);\n",
            "static void              grow(int* sb) { if (sb) GPR_UNREACHABLE_CODE(       ); }\n",
            "struct P {               P(int) : r_(false) {} SOCKET s_                     = 0; };\n",
        );
        for (lang, text, want) in [
            (Language::C, header, want),
            (Language::Cpp, header, want),
            (Language::Cpp, cpp, want_cpp),
            (Language::Cpp, traits, want_traits),
        ] {
            assert!(errors(lang, text), "{text}");
            let got = rewrite(lang, text).expect("a rewrite");
            assert_eq!(got, want);
            assert!(!errors(lang, &got), "{got}");
        }
    }

    // RocksDB: a project's format macro, GNU attributes after declarators, a calling
    // convention between type and name (also at the end of its line), alignment macros after
    // a class tag and before a member; `BOOL WINAPI f(` keeps one of its two for the type.
    #[test]
    fn rocksdb_macros_are_neutralised() {
        let cpp = concat!(
            "void L(size_t n) { printf(\"%\" ROCKSDB_PRIszt \" b\", n); }\n",
            "void M() { bool unused __attribute__((__unused__)); Status s __attribute__((x)) = g(); }\n",
            "JNIEXPORT jboolean JNICALL Java_org_f(JNIEnv* env) { return 0; }\n",
            "JNIEXPORT jlong JNICALL\nJava_org_g(JNIEnv* env) { return 0; }\n",
            "struct ALIGN_AS(CACHE_LINE_SIZE) Rep {\n  ALIGN_AS(64) Atomic<size_t> n_;\n};\n",
            "BOOL WINAPI DllMain(HINSTANCE inst) { return TRUE; }\n",
        );
        let want = concat!(
            "void L(size_t n) { printf(\"%\" \"            \" \" b\", n); }\n",
            "void M() { bool unused                            ; Status s                    = g(); }\n",
            "          jboolean         Java_org_f(JNIEnv* env) { return 0; }\n",
            "          jlong        \nJava_org_g(JNIEnv* env) { return 0; }\n",
            "struct                           Rep {\n               Atomic<size_t> n_;\n};\n",
            "     WINAPI DllMain(HINSTANCE inst) { return TRUE; }\n",
        );
        assert!(errors(Language::Cpp, cpp), "{cpp}");
        let got = rewrite(Language::Cpp, cpp).expect("a rewrite");
        assert_eq!(got, want);
        assert!(!errors(Language::Cpp, &got), "{got}");
    }

    #[test]
    fn arrow_statement_macros_are_neutralised() {
        // Each line is a construct Arrow's C++ uses that stayed an error before (15.0% of its
        // files had one): a braced list or a lambda in a macro's arguments, a raw string with
        // a delimiter and a digit separator before one (which threw the tokens off), macros
        // standing as statements, a function named in capitals, the null directive.
        let cpp = concat!(
            "const char* k = R\"csv(a)\"b)csv\";\n",
            "Status F() {\n",
            "  ARROW_ASSIGN_OR_RAISE(arrow::Datum d, Call(\"x\", {a, b}));\n",
            "  RETURN_NOT_OK(Visit([&](int v) {\n",
            "    ARROW_ASSIGN_OR_RAISE(auto n, g(v, 1'000));\n",
            "    return n;\n",
            "  }));\n",
            "  ARROW_SUPPRESS_DEPRECATION_WARNING\n",
            "  return Make({}, d);\n",
            "  ARROW_UNSUPPRESS_DEPRECATION_WARNING\n",
            "}\n",
            "#\n",
            "Status P_PARTKEY(size_t thread_index) { return Status(); }\n",
            "ARROW_UNSUPPRESS_MISSING_DECLARATIONS_WARNING\n",
            "ARROW_UNSUPPRESS_DEPRECATION_WARNING\n",
        );
        let want = concat!(
            "const char* k = R\"csv(a)\"b)csv\";\n",
            "Status F() {\n",
            "  ARROW_ASSIGN_OR_RAISE(             d, Call(\"x\", {a, b}));\n",
            "  RETURN_NOT_OK(Visit([&](int v) {\n",
            "    ARROW_ASSIGN_OR_RAISE(     n, g(v, 1'000));\n",
            "    return n;\n",
            "  }));\n",
            "  ;                                 \n",
            "  return Make({}, d);\n",
            "  ;                                   \n",
            "}\n",
            " \n",
            "Status P_PARTKEY(size_t thread_index) { return Status(); }\n",
            ";                                            \n",
            ";                                   \n",
        );
        assert!(errors(Language::Cpp, cpp), "{cpp}");
        let got = rewrite(Language::Cpp, cpp).expect("a rewrite");
        assert_eq!(got, want);
        assert!(!errors(Language::Cpp, &got), "{got}");
        // Among a struct's fields, where tree-sitter-c takes no empty declaration, the macro
        // goes without a `;`; an enumerator alone between braces is left alone.
        let c = "struct S {\n  SUBTREE_BITS\n  bool b;\n};\nenum { ONLY_VALUE\n};\n";
        let got = rewrite(Language::C, c).expect("a rewrite");
        assert_eq!(
            got,
            "struct S {\n              \n  bool b;\n};\nenum { ONLY_VALUE\n};\n"
        );
        assert!(!errors(Language::C, &got), "{got}");
    }

    #[test]
    fn a_class_with_an_export_macro_is_a_class() {
        // tree-sitter-cpp reads it without an error as a function `Foo` of type `class
        // ARROW_EXPORT`, `public:` a label in its body: 50 of Arrow's header functions.
        let cpp = "class ARROW_EXPORT Foo {\n public:\n  int x;\n};\n";
        let first_kind = |tree: &tree_sitter::Tree| {
            let root = tree.root_node();
            root.named_child(0).map(|n| n.kind().to_owned())
        };
        let raw = crate::parse::parse_raw(Language::Cpp, cpp);
        assert!(!raw.root_node().has_error());
        assert_eq!(first_kind(&raw).as_deref(), Some("function_definition"));
        assert!(hides_a_class(Language::Cpp, cpp));
        let tree = crate::parse::parse(Language::Cpp, cpp).expect("a tree");
        assert_eq!(first_kind(&tree).as_deref(), Some("class_specifier"));
        // Not for a macro used as a type, nor in C, nor for a class without one.
        assert!(!hides_a_class(Language::Cpp, "class Foo {};\nMY_TYPE x;\n"));
        assert!(!hides_a_class(Language::Cpp, "subclass ARROW_X Foo;\n"));
        assert!(!hides_a_class(Language::C, cpp));
    }

    #[test]
    fn a_huge_one_line_file_is_rewritten_in_one_pass() {
        // 100,000 macro-like words and unclosed calls on one line: a rescan of the line per
        // word, or an unbounded search for each `)`, would take minutes here.
        let line = "static const GRPC_DLL Handle k, NAME_X(return a, ".repeat(50_000);
        let got = rewrite(Language::Cpp, &line).expect("a rewrite");
        assert_eq!(got.len(), line.len());
        assert!(!got.contains("GRPC_DLL"));
    }

    #[test]
    fn nothing_else_is_touched() {
        for (lang, text) in [
            (
                Language::TypeScript,
                "export type { A } from './a';\nexport * from 'b';\n",
            ),
            (Language::TypeScript, "const typeStar = 1; export typeof x;"),
            (
                Language::TypeScript,
                "abstract class A {}\nusing r = open();\n",
            ),
            (
                Language::JavaScript,
                "if (a < b && c > d) { for (;;) {} }\n",
            ),
            (
                Language::JavaScript,
                "const e = <div className=\"for\" data-if={a > b}>in</div>;",
            ),
            (Language::Ruby, "def !(x); end\ndef undef!@; end\n"),
            (Language::Python, "export type * from 'x'"),
            // Types named in capitals, plain macro calls, strings and comments stay.
            (
                Language::C,
                "EVP_MD_CTX ctx;\nRSA_METHOD const *m;\nint g(void) { if (a) GPR_ASSERT(a > 0); FOO_BAR(x, y); return 0; }\n",
            ),
            (
                Language::Cpp,
                "const char* s = \"ARROW_EXPORT int\";\n// ARROW_EXPORT int f();\nint h() { return MAX_SIZE; }\n",
            ),
        ] {
            assert_eq!(rewrite(lang, text), None, "{text}");
        }
    }
}

/// C and C++ source as tokens, enough to find macro invocations: comments and string or
/// character literals are single tokens (never rewritten), a preprocessor line is one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word,
    Punct,
    Literal,
    Comment,
    Directive,
}

/// A token: its kind, start and end byte.
type Token = (Tok, usize, usize);

fn c_tokens(bytes: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            line_start |= b == b'\n';
            i += 1;
            continue;
        }
        let (kind, end) = c_token_at(bytes, i, line_start);
        let end = end.clamp(i + 1, bytes.len());
        out.push((kind, i, end));
        line_start = false;
        i = end;
    }
    out
}

/// The kind and end of the token that starts at `i`.
fn c_token_at(bytes: &[u8], i: usize, line_start: bool) -> (Tok, usize) {
    let b = bytes[i];
    let line_end =
        |from: usize| memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |n| from + n);
    if b == b'#' && line_start {
        // To the end of the line, continuations included.
        let continued = |end: usize| {
            let body = bytes[i..end].strip_suffix(b"\r").unwrap_or(&bytes[i..end]);
            end < bytes.len() && body.ends_with(b"\\")
        };
        let mut end = line_end(i);
        while continued(end) {
            end = line_end(end + 1);
        }
        return (Tok::Directive, end);
    }
    if bytes[i..].starts_with(b"//") {
        return (Tok::Comment, line_end(i));
    }
    if bytes[i..].starts_with(b"/*") {
        let end =
            memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |e| i + 2 + e + 2);
        return (Tok::Comment, end);
    }
    if b == b'"' || b == b'\'' {
        return (
            Tok::Literal,
            skip_string(bytes, i, true).unwrap_or(bytes.len()),
        );
    }
    if is_word(b) {
        return word_or_prefixed_literal(bytes, i);
    }
    (Tok::Punct, i + 1)
}

/// A word, or a raw or prefixed string literal: `R"(...)"`, `u8"..."`, `L'x'`.
fn word_or_prefixed_literal(bytes: &[u8], start: usize) -> (Tok, usize) {
    let mut i = start;
    let number = bytes[start].is_ascii_digit();
    // A number may hold digit separators: `1'000`, `0xFF'FF`.
    let separator =
        |i: usize| number && bytes[i] == b'\'' && bytes.get(i + 1).is_some_and(|&b| is_word(b));
    while i < bytes.len() && (is_word(bytes[i]) || separator(i)) {
        i += 1;
    }
    let prefix = &bytes[start..i];
    match bytes.get(i) {
        Some(b'"') if matches!(prefix, b"R" | b"LR" | b"uR" | b"UR" | b"u8R") => {
            (Tok::Literal, raw_string_end(bytes, i))
        }
        Some(b'"' | b'\'') if matches!(prefix, b"L" | b"u" | b"U" | b"u8") => (
            Tok::Literal,
            skip_string(bytes, i, true).unwrap_or(bytes.len()),
        ),
        _ => (Tok::Word, i),
    }
}

/// The end of a raw string literal whose `"` is at `quote`: `R"delim( ... )delim"`, where the
/// delimiter is at most 16 characters (C++'s limit). A malformed one ends the text.
fn raw_string_end(bytes: &[u8], quote: usize) -> usize {
    let open = quote + 1;
    let delimiter_end = bytes[open..bytes.len().min(open + 17)]
        .iter()
        .position(|&b| b == b'(')
        .map(|n| open + n);
    let Some(paren) = delimiter_end else {
        return bytes.len();
    };
    let mut closing = Vec::with_capacity(paren - open + 2);
    closing.push(b')');
    closing.extend_from_slice(&bytes[open..paren]);
    closing.push(b'"');
    memchr::memmem::find(&bytes[paren + 1..], &closing)
        .map_or(bytes.len(), |e| paren + 1 + e + closing.len())
}

/// A macro's name as projects write them: upper case, digits and underscores, with at least
/// one underscore (`ARROW_EXPORT`, `ABSL_GUARDED_BY`; not `FILE` or `DWORD`).
fn is_macro_name(word: &[u8]) -> bool {
    word.len() >= 4
        && word.contains(&b'_')
        && word[0].is_ascii_uppercase()
        && word
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A name in capitals and digits, maybe with underscores, of four characters or more: what an
/// export macro without an underscore looks like (`GRPCAPI`, `WINAPI`).
fn is_macro_like(word: &[u8]) -> bool {
    word.len() >= 4
        && word[0].is_ascii_uppercase()
        && word
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Words that begin a declaration after an export or attribute macro.
const DECL_START: &[&[u8]] = &[
    b"void",
    b"int",
    b"char",
    b"bool",
    b"short",
    b"long",
    b"unsigned",
    b"signed",
    b"float",
    b"double",
    b"static",
    b"inline",
    b"extern",
    b"struct",
    b"class",
    b"enum",
    b"union",
    b"typedef",
    b"template",
    b"virtual",
    b"explicit",
    b"constexpr",
    b"friend",
    b"auto",
    b"typename",
    b"size_t",
];

/// Keywords before a `(` that make the parenthesis a condition, not a parameter list.
const NOT_A_DECLARATOR: &[&[u8]] = &[
    b"if",
    b"while",
    b"for",
    b"switch",
    b"return",
    b"sizeof",
    b"alignof",
    b"decltype",
    b"catch",
];

/// Blanks `bytes[from..to]`, newlines kept.
fn blank(bytes: &mut [u8], from: usize, to: usize) {
    for b in &mut bytes[from..to] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// The most tokens a macro's argument list is searched for its `)`: an unclosed `NAME(` costs
/// a bounded scan, so many of them cannot make the pass quadratic.
const MAX_ARGUMENT_TOKENS: usize = 512;

/// The token index just past the `)` matching the `(` at token `open`. An argument may hold
/// balanced braces (`f({a, b})`, a lambda's body with its `;`), but a `;` outside them or an
/// unmatched `}` ends the search (None), unless `statements` allows both, as in
/// `GPR_UNREACHABLE_CODE(return Pending{};)`.
fn close_paren(bytes: &[u8], toks: &[Token], open: usize, statements: bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut braces = 0usize;
    for (j, &(kind, s, _)) in toks.iter().enumerate().skip(open).take(MAX_ARGUMENT_TOKENS) {
        if kind != Tok::Punct {
            continue;
        }
        match bytes[s] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (braces == 0 || statements).then_some(j + 1);
                }
            }
            b'{' => braces += 1,
            b'}' if braces > 0 => braces -= 1,
            b'}' if !statements => return None,
            b';' if braces == 0 && !statements => return None,
            _ => {}
        }
    }
    None
}

/// Where a macro-like name stands: its token and the ones around it.
struct Site<'c> {
    code: &'c [Token],
    /// Per token of `code`: nothing but white space after it on its line.
    ends_line: &'c [bool],
    i: usize,
    /// A name with an underscore: `GRPCAPI` and `WINAPI` only count before a declaration.
    underscored: bool,
    at_line_start: bool,
    /// After `class`/`struct`/`union`/`enum`.
    after_tag: bool,
}

impl Site<'_> {
    fn token(&self, at: usize) -> Option<Token> {
        self.code.get(at).copied()
    }

    fn prev(&self) -> Option<Token> {
        self.i.checked_sub(1).map(|p| self.code[p])
    }

    fn next(&self) -> Option<Token> {
        self.token(self.i + 1)
    }

    fn prev_is_one_of(&self, bytes: &[u8], chars: &[u8]) -> bool {
        self.prev()
            .is_some_and(|p| p.0 == Tok::Punct && chars.contains(&bytes[p.1]))
    }

    fn prev_word_is_one_of(&self, bytes: &[u8], words: &[&[u8]]) -> bool {
        self.prev()
            .is_some_and(|p| p.0 == Tok::Word && words.contains(&&bytes[p.1..p.2]))
    }
}

fn punct_is(bytes: &[u8], t: Option<Token>, c: u8) -> bool {
    t.is_some_and(|t| t.0 == Tok::Punct && bytes[t.1] == c)
}

/// Words after which a parenthesis or name is an expression, not a declaration.
const EXPRESSION_KEYWORDS: &[&[u8]] = &[
    b"return", b"else", b"do", b"case", b"goto", b"throw", b"new", b"delete",
];

/// Macros that the C and C++ grammars, parsing without a preprocessor, cannot read.
fn c_macros(bytes: &mut [u8]) -> bool {
    let toks = c_tokens(bytes);
    let keep = |k: &usize| toks[*k].0 != Tok::Comment;
    let code: Vec<Token> = (0..toks.len()).filter(keep).map(|k| toks[k]).collect();
    let mut changed = extern_c_guards(bytes, &toks);
    // The null directive, a `#` alone on its line (`#` between groups in Arrow's headers),
    // which the grammars reject: blanked.
    for &(kind, s, e) in &toks {
        if kind == Tok::Directive && bytes[s + 1..e].iter().all(u8::is_ascii_whitespace) {
            blank(bytes, s, e);
            changed = true;
        }
    }
    changed |= braced_default_arguments(bytes, &code);
    changed |= unnamed_default_parameters(bytes, &toks);
    changed |= format_macros_in_strings(bytes, &toks);
    changed |= attributes_after_declarators(bytes, &code);
    // Where lines start and end, from every token (a comment on the line counts), so no
    // question about a line rescans it: the pass stays linear on a one-line file.
    let starts: Vec<bool> = (0..toks.len())
        .map(|k| k == 0 || bytes[toks[k - 1].2..toks[k].1].contains(&b'\n'))
        .collect();
    let starts_line: Vec<bool> = (0..toks.len()).filter(keep).map(|k| starts[k]).collect();
    let ends_line: Vec<bool> = (0..toks.len())
        .filter(keep)
        .map(|k| starts.get(k + 1).copied().unwrap_or(true))
        .collect();
    let mut i = 0;
    while i < code.len() {
        let (kind, s, e) = code[i];
        if kind != Tok::Word || !is_macro_like(&bytes[s..e]) {
            i += 1;
            continue;
        }
        let site = Site {
            code: &code,
            ends_line: &ends_line,
            i,
            underscored: is_macro_name(&bytes[s..e]),
            at_line_start: starts_line[i],
            after_tag: false,
        };
        let site = Site {
            after_tag: site.prev_word_is_one_of(bytes, &[b"class", b"struct", b"union", b"enum"]),
            ..site
        };
        let (did, next) = if site.underscored && punct_is(bytes, site.next(), b'(') {
            macro_call(bytes, &site)
        } else {
            (macro_word(bytes, &site), i + 1)
        };
        changed |= did;
        i = next;
    }
    changed
}

/// `NAME(...)`: an annotation after a declarator is blanked; a declaration macro alone on its
/// lines becomes `;`; a statement macro's declaring or statement argument is neutralised.
/// Returns whether it changed anything and the token to go on from.
fn macro_call(bytes: &mut [u8], site: &Site) -> (bool, usize) {
    let i = site.i;
    // `GPR_UNREACHABLE_CODE(return Pending{});`: a statement argument may hold braces and
    // semicolons.
    let statement_argument = site.token(i + 2).is_some_and(|t| {
        t.0 == Tok::Word
            && matches!(
                &bytes[t.1..t.2],
                b"return" | b"break" | b"continue" | b"goto"
            )
    });
    let end = close_paren(bytes, site.code, i + 1, statement_argument);
    let Some(end) = end else {
        return (false, i + 1);
    };
    let (start, stop) = (site.code[i].1, site.code[end - 1].2);
    let follows = site.token(end);
    // An alignment or attribute macro after a class tag (`struct ALIGN_AS(64) Rep {`) or
    // before a member's type at the start of its line (`ALIGN_AS(64) Atomic<T> n_;`).
    let names_next = follows.is_some_and(|f| f.0 == Tok::Word);
    if names_next
        && (site.after_tag || (site.at_line_start && starts_declaration(bytes, site.code, end)))
    {
        blank(bytes, start, stop);
        return (true, end);
    }
    if annotates_declarator(bytes, site, end) {
        // `void f() const ABSL_LOCKS_EXCLUDED(mu_);`, `int x_ ABSL_GUARDED_BY(mu_);`.
        blank(bytes, start, stop);
        return (true, end);
    }
    // A macro that expands to whole declarations or statements, used without a semicolon
    // (`DISALLOW_COPY_AND_ASSIGN(Foo)`, `NPY_INT_DECL(INT8, Int8, int8_t)`): alone on its
    // lines, followed by the start of something else. It becomes an empty declaration, `;`,
    // its lines still code.
    let line_ends = site.ends_line[end - 1];
    let next_starts_anew = match follows {
        None => true,
        Some(f) => {
            matches!(f.0, Tok::Directive | Tok::Word)
                || (f.0 == Tok::Punct && matches!(bytes[f.1], b'}' | b'#' | b'~'))
        }
    };
    if site.at_line_start && line_ends && next_starts_anew {
        blank(bytes, start, stop);
        bytes[start] = b';';
        return (true, end);
    }
    // A statement macro whose first argument declares (`ARROW_ASSIGN_OR_RAISE(auto b, f())`)
    // or is a statement (`GPR_UNREACHABLE_CODE(return false)`).
    let statement_start = site.at_line_start || site.prev_is_one_of(bytes, b"{;}:)");
    let changed = statement_start && declaring_argument(bytes, site.code, i + 2, end - 1);
    // Macros inside its arguments (a lambda's body: `RETURN_NOT_OK(Visit([&] {
    // ARROW_ASSIGN_OR_RAISE(auto n, f()); }))`) are read next, unless a statement went.
    (changed, if statement_argument { end } else { i + 2 })
}

/// Whether the macro call at `site`, whose tokens end before `end`, annotates a declarator:
/// it stands after one and what follows ends it. `Status P_PARTKEY(size_t thread_index) {` is
/// a function named in capitals instead: after a type, its parentheses declare parameters,
/// which no annotation's do.
fn annotates_declarator(bytes: &[u8], site: &Site, end: usize) -> bool {
    let function_named = site.prev().is_some_and(|p| p.0 == Tok::Word)
        && declares_parameters(&site.code[site.i + 2..end - 1]);
    !function_named && ends_declarator(bytes, site.token(end)) && after_declarator(bytes, site)
}

/// Whether what follows a macro call ends a declarator: `;`, `{`, `=`, `,`, `:` (a
/// constructor's initializers), a qualifier or another annotation.
fn ends_declarator(bytes: &[u8], follows: Option<Token>) -> bool {
    follows.is_some_and(|f| match f.0 {
        Tok::Punct => matches!(bytes[f.1], b';' | b'{' | b'=' | b',' | b':'),
        Tok::Word => {
            let w = &bytes[f.1..f.2];
            matches!(w, b"override" | b"final" | b"const" | b"noexcept") || is_macro_name(w)
        }
        _ => false,
    })
}

/// Whether a macro call stands after a declarator: a name, a parameter list, `&` or `]`.
fn after_declarator(bytes: &[u8], site: &Site) -> bool {
    site.prev().is_some_and(|p| match p.0 {
        Tok::Word => {
            let w = &bytes[p.1..p.2];
            !EXPRESSION_KEYWORDS.contains(&w) && !is_macro_name(w)
        }
        Tok::Punct if bytes[p.1] == b')' => !closes_condition(bytes, site.code, site.i - 1),
        Tok::Punct => matches!(bytes[p.1], b'&' | b']'),
        _ => false,
    })
}

/// A macro name not followed by `(`: an annotation after a declarator, or an export or
/// attribute macro in or before a declaration, is blanked.
fn macro_word(bytes: &mut [u8], site: &Site) -> bool {
    let (_, s, e) = site.code[site.i];
    // `void Orphan() override ABSL_NO_THREAD_SAFETY_ANALYSIS;`.
    let closes_declaration = site
        .next()
        .is_some_and(|n| n.0 == Tok::Punct && matches!(bytes[n.1], b';' | b'{' | b'='));
    let after_qualifier = site
        .prev_word_is_one_of(bytes, &[b"const", b"override", b"final", b"noexcept"])
        || (site.prev_is_one_of(bytes, b")") && !closes_condition(bytes, site.code, site.i - 1));
    if site.underscored && closes_declaration && after_qualifier {
        blank(bytes, s, e);
        return true;
    }
    // Alone on its line (`JNICALL` ending `JNIEXPORT jboolean JNICALL` is not).
    let alone = site.at_line_start && site.ends_line[site.i];
    if alone && site.underscored && stands_as_statement(bytes, site) {
        // `ARROW_SUPPRESS_DEPRECATION_WARNING` between statements: an empty statement, its line
        // still code; among a struct's fields, where the C grammar takes no `;`, nothing.
        blank(bytes, s, e);
        if !in_record_body(bytes, site.code, site.i) {
            bytes[s] = b';';
        }
        return true;
    }
    if !declares(bytes, site) {
        return false;
    }
    blank(bytes, s, e);
    if alone && !site.after_tag {
        // Keep the line as code: an empty declaration.
        bytes[s] = b';';
    }
    true
}

/// Whether token `at` is directly inside a `struct`, `union` or `class` body (`struct S {`,
/// `typedef struct {`), looking back at most [`MAX_ARGUMENT_TOKENS`] tokens for its `{`.
fn in_record_body(bytes: &[u8], code: &[Token], at: usize) -> bool {
    let mut depth = 0usize;
    for j in (at.saturating_sub(MAX_ARGUMENT_TOKENS)..at).rev() {
        if code[j].0 != Tok::Punct {
            continue;
        }
        match bytes[code[j].1] {
            b'}' => depth += 1,
            b'{' if depth > 0 => depth -= 1,
            b'{' => {
                let tag = |k: usize| {
                    code.get(k).is_some_and(|t| {
                        t.0 == Tok::Word
                            && matches!(&bytes[t.1..t.2], b"struct" | b"union" | b"class")
                    })
                };
                return j.checked_sub(1).is_some_and(tag) || j.checked_sub(2).is_some_and(tag);
            }
            _ => {}
        }
    }
    false
}

/// Whether a macro name alone on its line stands where a statement or declaration may: after
/// `;`, `{`, `}`, `:`, a directive or another macro, and before a word, a directive or a `}`
/// (not as the only thing between braces, which may be an enumerator).
fn stands_as_statement(bytes: &[u8], site: &Site) -> bool {
    // After a directive, `;`, `{`, `}`, another such macro alone on its line, or a label.
    let after = site.prev().is_none_or(|p| match p.0 {
        Tok::Directive => true,
        Tok::Punct => matches!(bytes[p.1], b';' | b'{' | b'}'),
        // (One rewritten already reads `;`.)
        Tok::Word => (is_macro_name(&bytes[p.1..p.2]) || bytes[p.1] == b';') && site.at_line_start,
        _ => false,
    }) || (site.prev_is_one_of(bytes, b":")
        && site.i >= 2
        && !punct_is(bytes, site.token(site.i - 2), b':'));
    let before = site.next().is_none_or(|n| match n.0 {
        Tok::Word | Tok::Directive => true,
        Tok::Punct => bytes[n.1] == b'}' && !site.prev_is_one_of(bytes, b"{"),
        _ => false,
    });
    after && before
}

/// Whether the macro at `site` stands in or before a declaration: `ARROW_EXPORT Status f();`,
/// `UPB_INLINE const T* f()`, `class ARROW_EXPORT Foo`, `static const GRPC_DLL Handle k;`,
/// `f(GRPC_UNUSED int fd)`, `Status ARROW_EXPORT Register(`, and before a constructor at the
/// start of a line or member: `GPR_ATTRIBUTE_ALWAYS_INLINE_FUNCTION Poll() : ready_(false)`.
fn declares(bytes: &[u8], site: &Site) -> bool {
    let next = site.next();
    if site.after_tag {
        return site.underscored && next.is_some_and(|n| n.0 == Tok::Word);
    }
    let after_macro = site
        .prev()
        .is_some_and(|p| p.0 == Tok::Word && is_macro_name(&bytes[p.1..p.2]));
    let inside_declaration = site.underscored
        && (site.prev_is_one_of(bytes, b"(,")
            || after_macro
            || site.prev_word_is_one_of(
                bytes,
                &[
                    b"const",
                    b"static",
                    b"inline",
                    b"extern",
                    b"virtual",
                    b"constexpr",
                ],
            ));
    if (site.at_line_start || inside_declaration)
        && starts_declaration(bytes, site.code, site.i + 1)
    {
        return true;
    }
    let names_a_function = next
        .is_some_and(|n| n.0 == Tok::Word && !is_macro_like(&bytes[n.1..n.2]))
        && punct_is(bytes, site.token(site.i + 2), b'(');
    let after_type = site
        .prev()
        .is_some_and(|p| p.0 == Tok::Word && !EXPRESSION_KEYWORDS.contains(&&bytes[p.1..p.2]));
    // A calling-convention macro without an underscore (`jboolean JNICALL Java_f(`) only
    // between a type and a name, and not after a name in capitals, which may be a macro too
    // (`BOOL WINAPI DllMain(`: one of them must stay the type).
    // (A word blanked already is no type.)
    let after_lower_type = after_type
        && site.prev().is_some_and(|p| {
            let w = &bytes[p.1..p.2];
            (w[0].is_ascii_alphabetic() || w[0] == b'_') && !is_macro_like(w)
        });
    names_a_function
        && if site.underscored {
            after_type || site.at_line_start || site.prev_is_one_of(bytes, b"{;}:")
        } else {
            after_lower_type
        }
}

/// `f(Location whence = {})` → `f(Location whence = 0 )`, `= {a, b})` → `= (a, b))`: a
/// braced default argument, which tree-sitter-cpp 0.23 reads as an unfinished compound literal.
fn braced_default_arguments(bytes: &mut [u8], code: &[Token]) -> bool {
    let mut changed = false;
    let is = |t: Option<&Token>, c: u8, bytes: &[u8]| punct_is(bytes, t.copied(), c);
    for j in 0..code.len() {
        if !(is(code.get(j), b'=', bytes) && is(code.get(j + 1), b'{', bytes)) {
            continue;
        }
        // The matching `}`, on a flat list of values.
        let Some(close) = (j + 2..code.len().min(j + 2 + MAX_ARGUMENT_TOKENS))
            .find(|&k| is(code.get(k), b'}', bytes))
        else {
            continue;
        };
        if code[j + 2..close]
            .iter()
            .any(|t| t.0 == Tok::Punct && matches!(bytes[t.1], b'{' | b';' | b'='))
        {
            continue;
        }
        if !(is(code.get(close + 1), b')', bytes) || is(code.get(close + 1), b',', bytes)) {
            continue;
        }
        let (open, end) = (code[j + 1].1, code[close].1);
        if close == j + 2 {
            bytes[open] = b'0';
            bytes[end] = b' ';
        } else {
            bytes[open] = b'(';
            bytes[end] = b')';
        }
        changed = true;
    }
    changed
}

/// `f(uint64_t* = nullptr, bool /*retry*/ = false)` → `f(uint64_t*_= nullptr, bool
/// /*retry*/_= false)`: an unnamed parameter with a default value, which tree-sitter-cpp 0.23
/// does not take; the space before `=` becomes a one-letter name. Only where an unnamed one
/// can stand (after `*`, `&`, `const` or a comment after a type) and the default is one word
/// or literal followed by `,` or `)`.
fn unnamed_default_parameters(bytes: &mut [u8], toks: &[Token]) -> bool {
    let mut changed = false;
    for j in 1..toks.len().saturating_sub(2) {
        let (kind, s, e) = toks[j];
        if kind != Tok::Punct || bytes[s] != b'=' || e != s + 1 || bytes[s - 1] != b' ' {
            continue;
        }
        let value = toks[j + 1].0;
        let closes =
            punct_is(bytes, Some(toks[j + 2]), b',') || punct_is(bytes, Some(toks[j + 2]), b')');
        if !matches!(value, Tok::Word | Tok::Literal) || !closes {
            continue;
        }
        let typed = |t: Token| match t.0 {
            Tok::Punct => matches!(bytes[t.1], b'*' | b'&'),
            Tok::Word => &bytes[t.1..t.2] == b"const",
            _ => false,
        };
        let prev = toks[j - 1];
        let unnamed = match prev.0 {
            Tok::Comment => j >= 2 && (typed(toks[j - 2]) || toks[j - 2].0 == Tok::Word),
            _ => typed(prev),
        };
        if unnamed && prev.2 < s {
            bytes[s - 1] = b'_';
            changed = true;
        }
    }
    changed
}

/// `"%" PRIuPTR " bytes"` → `"%" "     " " bytes"`: a format macro of `<inttypes.h>` (`PRI...`,
/// `SCN...`) or a project's own (`"%" ROCKSDB_PRIszt`) in a string concatenation becomes a
/// string literal of the same length. A name written right after a string literal can only
/// be a macro that expands to one; it starts with a capital (C++'s `operator "" _km` does not).
fn format_macros_in_strings(bytes: &mut [u8], toks: &[Token]) -> bool {
    let mut changed = false;
    for j in 1..toks.len() {
        let (kind, s, e) = toks[j];
        let word = &bytes[s..e];
        let after_string = toks[j - 1].0 == Tok::Literal && bytes[toks[j - 1].2 - 1] == b'"';
        let format_macro = kind == Tok::Word
            && word.len() >= 4
            && word[0].is_ascii_uppercase()
            && word.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
            && !punct_is(bytes, toks.get(j + 1).copied(), b'(');
        if format_macro && after_string {
            bytes[s] = b'"';
            bytes[s + 1..e - 1].fill(b' ');
            bytes[e - 1] = b'"';
            changed = true;
        }
    }
    changed
}

/// C++ that tree-sitter-cpp 0.23 rejects, each made readable by blanking a byte or a word (or
/// joining two words), found among the code tokens:
/// - an explicit instantiation, `template class A<Role::kX>;`: `template` is blanked (the
///   declaration of a specialisation remains);
/// - an anonymous enumeration with a base type, `enum : uint8_t {`: the base is blanked;
/// - an array of pointers made with `new`, `new Slice *[n]`: the `*` is blanked;
/// - a pointer-to-member access, `(this->*fn)(x)`, `(obj.*fn)(x)`: the `*` is blanked;
/// - `operator new(n)` called in an expression (after `?`, `:`, `=`, `(`, `,` or `return`):
///   the space becomes `_`, a call of one name.
fn cpp_expressions(bytes: &mut [u8]) -> bool {
    let toks = c_tokens(bytes);
    let code: Vec<Token> = toks.into_iter().filter(|t| t.0 != Tok::Comment).collect();
    let at = CodeAt { bytes, code: &code };
    let mut spaces: Vec<(usize, usize)> = Vec::new();
    let mut joins: Vec<usize> = Vec::new();
    for (i, &(_, start, end)) in code.iter().enumerate() {
        if at.word(i + 1, b"class") || at.word(i + 1, b"struct") || at.word(i + 1, b"union") {
            if at.word(i, b"template") {
                spaces.push((start, end));
            }
        } else if at.word(i, b"enum") {
            spaces.extend(at.enum_base(i));
        } else if at.word(i, b"new") {
            spaces.extend(at.pointer_array_stars(i));
        } else if at.member_pointer_star(i) {
            spaces.push((start, end));
        } else if at.operator_new_call(i) {
            joins.push(end);
        }
    }
    for &(s, e) in &spaces {
        blank(bytes, s, e);
    }
    for &j in &joins {
        bytes[j] = b'_';
    }
    !spaces.is_empty() || !joins.is_empty()
}

/// Code tokens and their text, for [`cpp_expressions`].
struct CodeAt<'a> {
    bytes: &'a [u8],
    code: &'a [Token],
}

impl CodeAt<'_> {
    fn word(&self, j: usize, w: &[u8]) -> bool {
        self.code
            .get(j)
            .is_some_and(|t| t.0 == Tok::Word && &self.bytes[t.1..t.2] == w)
    }

    fn punct(&self, j: usize, c: u8) -> bool {
        self.code
            .get(j)
            .is_some_and(|t| t.0 == Tok::Punct && self.bytes[t.1] == c)
    }

    /// `enum : uint8_t {`: the base, from the `:` to the `{` (a few words: `unsigned long
    /// long`, `std::uint8_t`).
    fn enum_base(&self, i: usize) -> Option<(usize, usize)> {
        if !self.punct(i + 1, b':') || self.punct(i + 2, b':') {
            return None;
        }
        let brace = (i + 2..self.code.len().min(i + 12)).find(|&j| self.punct(j, b'{'))?;
        let plain = |j: usize| self.code[j].0 == Tok::Word || self.punct(j, b':');
        (i + 2..brace)
            .all(plain)
            .then(|| (self.code[i + 1].1, self.code[brace - 1].2))
    }

    /// `new T *[n]`, `new ns::T<U> **[n]`: the stars before the `[`.
    fn pointer_array_stars(&self, i: usize) -> Vec<(usize, usize)> {
        let typed = |j: usize| {
            self.code[j].0 == Tok::Word
                || [b':', b'<', b'>', b','].iter().any(|&c| self.punct(j, c))
        };
        let mut j = i + 1;
        while j < self.code.len().min(i + 32) && typed(j) {
            j += 1;
        }
        let stars = j;
        while self.punct(j, b'*') {
            j += 1;
        }
        if j == stars || stars == i + 1 || !self.punct(j, b'[') {
            return Vec::new();
        }
        (stars..j)
            .map(|k| (self.code[k].1, self.code[k].2))
            .collect()
    }

    /// The `*` of `->*` or `.*` written without spaces (not of `operator->*`, nor `1.*x`, a
    /// number times x, nor `...*`).
    fn member_pointer_star(&self, i: usize) -> bool {
        if i < 2 || !self.punct(i, b'*') {
            return false;
        }
        let (before, star) = (self.code[i - 1], self.code[i].1);
        let touching = |a: Token, b: usize| a.1 + 1 == b;
        let arrow = self.punct(i - 1, b'>')
            && self.punct(i - 2, b'-')
            && touching(before, star)
            && touching(self.code[i - 2], before.1)
            && !(i >= 3 && self.word(i - 3, b"operator"));
        let number =
            self.code[i - 2].2 == before.1 && self.bytes[self.code[i - 2].1].is_ascii_digit();
        let dot = self.punct(i - 1, b'.')
            && touching(before, star)
            && !number
            && self.bytes[before.1 - 1] != b'.';
        arrow || dot
    }

    /// `operator new(` (or `delete`) called in an expression: after `?`, a single `:`, `=`,
    /// `(`, `,` or `return`.
    fn operator_new_call(&self, i: usize) -> bool {
        let named = self.word(i, b"operator")
            && (self.word(i + 1, b"new") || self.word(i + 1, b"delete"))
            && self.punct(i + 2, b'(')
            && self.code[i + 1].1 == self.code[i].2 + 1;
        if !named || i == 0 {
            return false;
        }
        let p = self.code[i - 1];
        let single_colon = self.punct(i - 1, b':') && !(p.1 >= 1 && self.bytes[p.1 - 1] == b':');
        single_colon
            || [b'?', b'=', b'(', b',']
                .iter()
                .any(|&c| self.punct(i - 1, c))
            || self.word(i - 1, b"return")
    }
}

/// `bool was_last __attribute__((__unused__));` → the attribute blanked: GNU attributes after a
/// declarator (a name, or a parameter list's `)`), before `;`, `=`, `,`, `)` or `{`, which
/// tree-sitter-cpp reads only before a declaration.
fn attributes_after_declarators(bytes: &mut [u8], code: &[Token]) -> bool {
    let mut changed = false;
    let mut j = 1;
    while j + 1 < code.len() {
        let (kind, s, _) = code[j];
        let attribute = kind == Tok::Word && &bytes[s..code[j].2] == b"__attribute__";
        let after = match code[j - 1].0 {
            Tok::Word => !EXPRESSION_KEYWORDS.contains(&&bytes[code[j - 1].1..code[j - 1].2]),
            Tok::Punct => bytes[code[j - 1].1] == b')',
            _ => false,
        };
        if !(attribute && after && punct_is(bytes, Some(code[j + 1]), b'(')) {
            j += 1;
            continue;
        }
        let Some(end) = close_paren(bytes, code, j + 1, false) else {
            j += 1;
            continue;
        };
        let follows = code.get(end).copied();
        if follows.is_some_and(|f| {
            f.0 == Tok::Punct && matches!(bytes[f.1], b';' | b'=' | b',' | b')' | b'{')
        }) {
            blank(bytes, s, code[end - 1].2);
            changed = true;
        }
        j = end;
    }
    changed
}

/// Whether the `)` at token `close` ends the condition of `if`/`while`/... or a call.
fn closes_condition(bytes: &[u8], code: &[Token], close: usize) -> bool {
    let mut depth = 0usize;
    for j in (0..=close).rev() {
        let (kind, s, _) = code[j];
        if kind != Tok::Punct {
            continue;
        }
        match bytes[s] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    // `name(...)` and a lambda's `[...](...)` are parameter lists.
                    return j.checked_sub(1).is_none_or(|w| match code[w].0 {
                        Tok::Word => NOT_A_DECLARATOR.contains(&&bytes[code[w].1..code[w].2]),
                        Tok::Punct => bytes[code[w].1] != b']',
                        _ => true,
                    });
                }
            }
            _ => {}
        }
    }
    true
}

/// Whether the tokens between a name's parentheses declare parameters (two words in a row:
/// `size_t n`, `deflate_state *const s` has `Pos cur_match`), which no annotation's or
/// call's arguments do: then a name in capitals before them is a function's, not a macro.
fn declares_parameters(inside: &[Token]) -> bool {
    inside
        .windows(2)
        .any(|w| w[0].0 == Tok::Word && w[1].0 == Tok::Word)
}

/// Whether the tokens from `at` begin a declaration: a declaration keyword, `const T`, or a
/// type followed by a name, `*`, `&`, `<` or `::`.
fn starts_declaration(bytes: &[u8], code: &[Token], at: usize) -> bool {
    let text = |j: usize| code.get(j).map(|t| (t.0, &bytes[t.1..t.2]));
    match text(at) {
        Some((Tok::Word, w)) if w == b"const" => matches!(text(at + 1), Some((Tok::Word, _))),
        Some((Tok::Word, w)) if DECL_START.contains(&w) => true,
        Some((Tok::Word, w)) if !is_macro_name(w) => match text(at + 1) {
            // `T name`, but not `T name ANNOTATION(...)`: there the macro is the type; and
            // `T CONVENTION name(` (`jboolean JNICALL Java_f(`), and `T NAME(int n)`.
            Some((Tok::Word, next)) => {
                !is_macro_like(next)
                    || (matches!(text(at + 2), Some((Tok::Word, _)))
                        && matches!(text(at + 3), Some((Tok::Punct, b"("))))
                    || (matches!(text(at + 2), Some((Tok::Punct, b"(")))
                        && close_paren(bytes, code, at + 2, false)
                            .is_some_and(|end| declares_parameters(&code[at + 3..end - 1])))
            }
            Some((Tok::Punct, p)) => matches!(p, b"*" | b"&" | b"<" | b":"),
            _ => false,
        },
        Some((Tok::Word, w)) => is_macro_name(w) && starts_declaration(bytes, code, at + 1),
        // A destructor: `GPR_ATTRIBUTE_ALWAYS_INLINE_FUNCTION ~Handler() {`.
        Some((Tok::Punct, b"~")) => matches!(text(at + 1), Some((Tok::Word, _))),
        _ => false,
    }
}

/// In a macro's argument list (tokens `from..to`), blanks the type of a declaring first
/// argument (`auto b`, `std::shared_ptr<Buffer> buf`, `int64_t n`) or a leading statement
/// keyword (`return x`).
fn declaring_argument(bytes: &mut [u8], code: &[Token], from: usize, to: usize) -> bool {
    let Some(first) = code.get(from) else {
        return false;
    };
    let word_of = |t: &Token| (t.0 == Tok::Word).then(|| &bytes[t.1..t.2]);
    if word_of(first).is_some_and(|w| matches!(w, b"return" | b"break" | b"continue" | b"goto")) {
        // The whole statement goes: what is left is a call without arguments. (Its tokens may
        // hold braces and semicolons, which no argument list can.)
        if let Some(last) = to.checked_sub(1).and_then(|l| code.get(l)) {
            blank(bytes, first.1, last.2);
        }
        return true;
    }
    // The first argument: up to a top-level comma.
    let mut depth = 0i32;
    let mut end = to;
    for (j, t) in code.iter().enumerate().take(to).skip(from) {
        if t.0 == Tok::Punct {
            match bytes[t.1] {
                b'(' | b'<' | b'[' => depth += 1,
                b')' | b'>' | b']' => depth -= 1,
                b',' if depth == 0 => {
                    end = j;
                    break;
                }
                _ => {}
            }
        }
    }
    if end < from + 2 {
        return false;
    }
    let last = code[end - 1];
    let before = code[end - 2];
    // The name: an identifier; the type before it: words, `::`, balanced `<>`, `*`, `&`.
    let names = last.0 == Tok::Word
        && !bytes[last.1].is_ascii_digit()
        && !is_macro_name(&bytes[last.1..last.2]);
    let typed = before.0 == Tok::Word
        || (before.0 == Tok::Punct && matches!(bytes[before.1], b'>' | b'*' | b'&'));
    let type_part = &code[from..end - 1];
    let only_type_tokens = type_part.iter().all(|t| match t.0 {
        Tok::Word => !bytes[t.1].is_ascii_digit(),
        Tok::Punct => matches!(bytes[t.1], b':' | b'<' | b'>' | b'*' | b'&' | b','),
        _ => false,
    });
    let count = |c: u8| {
        type_part
            .iter()
            .filter(|t| t.0 == Tok::Punct && bytes[t.1] == c)
            .count()
    };
    if !(names && typed && only_type_tokens && count(b'<') == count(b'>')) {
        return false;
    }
    blank(bytes, first.1, before.2);
    true
}

/// `#ifdef __cplusplus` / `extern "C" {` / `#endif` and its closing `}`: the braces only
/// exist for a C++ compiler, and a grammar that sees both halves of the block sees an
/// unbalanced brace in each. Blanked when a guard holds nothing else.
fn extern_c_guards(bytes: &mut [u8], toks: &[Token]) -> bool {
    let mut changed = false;
    for (j, t) in toks.iter().enumerate() {
        if t.0 != Tok::Directive {
            continue;
        }
        let line: Vec<&[u8]> = bytes[t.1..t.2]
            .split(|b| b.is_ascii_whitespace() || *b == b'#' || *b == b'(' || *b == b')')
            .filter(|w| !w.is_empty())
            .collect();
        let guards = matches!(
            line.as_slice(),
            [b"ifdef", b"__cplusplus"] | [b"if", b"defined", b"__cplusplus"]
        );
        if !guards {
            continue;
        }
        // The guarded tokens, up to the next directive.
        let body: Vec<&Token> = toks[j + 1..]
            .iter()
            .take_while(|t| t.0 != Tok::Directive)
            .filter(|t| t.0 != Tok::Comment)
            .collect();
        let text: Vec<&[u8]> = body.iter().map(|t| &bytes[t.1..t.2]).collect();
        let is_open =
            text.as_slice() == [b"extern".as_slice(), b"\"C\"".as_slice(), b"{".as_slice()];
        let is_close = text.as_slice() == [b"}".as_slice()];
        if is_open || is_close {
            let (from, to) = (body[0].1, body[body.len() - 1].2);
            blank(bytes, from, to);
            changed = true;
        }
    }
    changed
}
