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
        _ => false,
    };
    // Only ASCII bytes are replaced, by ASCII bytes, so the copy is as valid UTF-8 as the text.
    changed.then(|| String::from_utf8(bytes).ok()).flatten()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
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
        // `<Name` (a tag, not a comparison `a < b`: no space after `<`), then attributes up to
        // the closing `>`; a `{...}` expression or a string in between is skipped whole.
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
        loop {
            i = skip_space(bytes, i);
            match bytes.get(i) {
                None | Some(b'>') | Some(b'<') => break,
                Some(b'/') if bytes.get(i + 1) == Some(&b'>') => break,
                Some(b'{') => match skip_braces(bytes, i) {
                    Some(end) => i = end,
                    None => break,
                },
                Some(b'"' | b'\'') => match skip_string(bytes, i, false) {
                    Some(end) => i = end,
                    None => break,
                },
                Some(b'=') => i += 1,
                Some(&b) if is_word(b) => {
                    let start = i;
                    while bytes
                        .get(i)
                        .is_some_and(|&b| is_word(b) || matches!(b, b':' | b'-'))
                    {
                        i += 1;
                    }
                    let name = &bytes[start..i];
                    let next = bytes.get(skip_space(bytes, i)).copied();
                    let is_attribute = matches!(next, Some(b'=' | b'>' | b'/') | None)
                        || next.is_some_and(|b| b.is_ascii_alphabetic() || b == b'{');
                    if is_attribute && RESERVED.iter().any(|w| w.as_bytes() == name) {
                        bytes[start] = b'_';
                        changed = true;
                    }
                }
                Some(_) => break,
            }
        }
        at = i.max(at);
    }
    changed
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
        ] {
            assert_eq!(rewrite(lang, text), None, "{text}");
        }
    }
}
