//! The supported languages and every per-language fact: extensions, shebangs, grammar and the
//! syntactic role of each node kind. Adding a language is a compile error until each `match`
//! below covers it.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Declares the languages once: the enum and [`Language::ALL`] come from one list, so no
/// language can be missing from `ALL`, nor stand at another place there than in the enum
/// (every per-language table is sized by `ALL` and indexed by [`Language::index`]).
macro_rules! languages {
    ($($name:ident),+ $(,)?) => {
        /// A language wtfcb parses. The order is the order of report tables.
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
            bincode::Encode,
            bincode::Decode,
        )]
        #[serde(rename_all = "lowercase")]
        pub enum Language {
            $($name),+
        }

        impl Language {
            /// Every language, in declaration order (`ALL[l.index()] == l`); per-language
            /// tables are sized by its length.
            pub const ALL: [Language; [$(Language::$name),+].len()] = [$(Language::$name),+];
        }
    };
}

languages!(Python, JavaScript, TypeScript, Tsx, Rust, Go, Java, C, Cpp, Ruby);

// `position` (an exhaustive match, which the compiler points at when a language is added)
// agrees with `ALL` and with the enum's own order.
const _: () = {
    let mut i = 0;
    while i < Language::ALL.len() {
        assert!(Language::ALL[i].position() == i && Language::ALL[i] as usize == i);
        i += 1;
    }
};

/// What a node kind means to the fact extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Other,
    /// A comment token: its lines are comment lines and it is not descended into.
    Comment,
    /// A named function or method definition.
    Function,
    /// An anonymous function: a function only when bound to a name.
    Lambda,
    /// A class-like definition (class, struct, interface, trait, impl, module).
    Class,
    /// A C++ namespace: a scope of names, not a class.
    Namespace,
    /// A node that may carry an import (`import`, `use`, `#include`, `require(...)`).
    Import,
    /// A Python expression statement: a docstring when it holds nothing but a string.
    StringStatement,
    /// `if` (and `else if`, which is an `if` inside an else branch), `unless`, `if` modifiers.
    If,
    /// A separate else-if clause node: Python `elif`, Ruby `elsif`.
    ElseIf,
    /// An `else` clause node (its parent decides whether it belongs to an `if`).
    Else,
    /// `for`, `while`, `do`, `loop`, `until`.
    Loop,
    /// `switch`, `match`, `select`, Ruby `case`.
    Switch,
    /// A case or match arm (the default or wildcard arm is recognised and not counted).
    Case,
    /// `catch`, `except`, `rescue`.
    Catch,
    /// `c ? a : b`, `a if c else b`.
    Ternary,
    /// Rust `let PATTERN = value else { ... }`: a decision when it has an `else`.
    LetElse,
    /// A binary expression that may be `&&`, `||`, `and`, `or`.
    Logical,
    /// A comprehension's `for` clause.
    ComprehensionFor,
    /// A comprehension's `if` clause.
    ComprehensionIf,
    /// A call (recursion; in some languages also `require`).
    Call,
    /// `return`.
    Return,
    /// `try` (nesting depth only).
    Try,
    /// `break` / `continue`, which may carry a label.
    Jump,
    /// `goto`.
    Goto,
    /// Written before an item and belonging to it: a Rust attribute (`#[allow(clippy::...)]`,
    /// which may silence a check), a JavaScript or TypeScript decorator (`@log`).
    Attribute,
}

impl Language {
    /// Human-readable name, as printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "Python",
            Language::JavaScript => "JavaScript",
            Language::TypeScript => "TypeScript",
            Language::Tsx => "TSX",
            Language::Rust => "Rust",
            Language::Go => "Go",
            Language::Java => "Java",
            Language::C => "C",
            Language::Cpp => "C++",
            Language::Ruby => "Ruby",
        }
    }

    /// The usual extension of the language's files (for files wtfcb writes, like fuzzing
    /// reproductions).
    pub fn extension(self) -> &'static str {
        match self {
            Language::Python => "py",
            Language::JavaScript => "js",
            Language::TypeScript => "ts",
            Language::Tsx => "tsx",
            Language::Rust => "rs",
            Language::Go => "go",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Ruby => "rb",
        }
    }

    /// The language a `.h` file is written in: C++ when its text shows C++ (`::`,
    /// `namespace`, `template <`, `class X {`, access specifiers), else C. Decided from the
    /// content alone, so a cached result keyed by content stays exact.
    pub fn of_header(text: &str) -> Language {
        if looks_like_cpp(text) {
            Language::Cpp
        } else {
            Language::C
        }
    }

    /// Dense index, for per-language arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Where the language stands in [`Language::ALL`]: one arm per language and no wildcard,
    /// so the compiler points here when a language is added (and a compile-time check holds
    /// it to `ALL`).
    pub const fn position(self) -> usize {
        match self {
            Language::Python => 0,
            Language::JavaScript => 1,
            Language::TypeScript => 2,
            Language::Tsx => 3,
            Language::Rust => 4,
            Language::Go => 5,
            Language::Java => 6,
            Language::C => 7,
            Language::Cpp => 8,
            Language::Ruby => 9,
        }
    }

    pub fn from_extension(ext: &str) -> Option<Language> {
        let lang = match ext {
            "py" | "pyi" => Language::Python,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "rs" => Language::Rust,
            "go" => Language::Go,
            "java" => Language::Java,
            "c" | "h" => Language::C,
            "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" => Language::Cpp,
            "rb" => Language::Ruby,
            _ => return None,
        };
        Some(lang)
    }

    /// Language from a path's extension (case-sensitive, as `.C` vs `.c` matter to some).
    pub fn from_path(path: &Path) -> Option<Language> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension)
    }

    /// Language from the first line of a file, if it is a shebang naming a known interpreter
    /// (`#!/usr/bin/env python3`, `#!/usr/bin/node`, `#!/usr/bin/env -S ruby -w`).
    pub fn from_shebang(head: &[u8]) -> Option<Language> {
        let rest = head.strip_prefix(b"#!")?;
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        let mut words = line.split_whitespace();
        let mut interp = words.next()?.rsplit('/').next()?;
        if interp == "env" {
            interp = words.find(|w| !w.starts_with('-'))?;
        }
        let base = interp.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        match base {
            "python" | "pypy" => Some(Language::Python),
            "node" | "nodejs" => Some(Language::JavaScript),
            "ruby" => Some(Language::Ruby),
            _ => None,
        }
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::C => tree_sitter_c::LANGUAGE.into(),
            Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Language::Ruby => tree_sitter_ruby::LANGUAGE.into(),
        }
    }

    /// Separator of qualified names (`Class.method`, `Type::method`).
    pub fn scope_separator(self) -> &'static str {
        match self {
            Language::Rust | Language::Cpp | Language::Ruby => "::",
            Language::Python
            | Language::JavaScript
            | Language::TypeScript
            | Language::Tsx
            | Language::Go
            | Language::Java
            | Language::C => ".",
        }
    }

    /// The role of a named node kind in this language's grammar.
    // wtfcb: ignore[complex-function, long-function] -- the per-language node-kind table.
    fn role_of(self, kind: &str) -> Role {
        match self {
            Language::Python => match kind {
                "comment" => Role::Comment,
                "function_definition" => Role::Function,
                "lambda" => Role::Lambda,
                "class_definition" => Role::Class,
                "import_statement" | "import_from_statement" => Role::Import,
                "expression_statement" => Role::StringStatement,
                "if_statement" => Role::If,
                "elif_clause" => Role::ElseIf,
                "else_clause" => Role::Else,
                "for_statement" | "while_statement" => Role::Loop,
                "match_statement" => Role::Switch,
                "case_clause" => Role::Case,
                "except_clause" | "except_group_clause" => Role::Catch,
                "conditional_expression" => Role::Ternary,
                "boolean_operator" => Role::Logical,
                "for_in_clause" => Role::ComprehensionFor,
                "if_clause" => Role::ComprehensionIf,
                "call" => Role::Call,
                "return_statement" => Role::Return,
                "try_statement" => Role::Try,
                _ => Role::Other,
            },
            Language::JavaScript | Language::TypeScript | Language::Tsx => match kind {
                "comment" | "html_comment" => Role::Comment,
                "function_declaration" | "generator_function_declaration" | "method_definition" => {
                    Role::Function
                }
                "function_expression"
                | "function"
                | "generator_function"
                | "arrow_function"
                | "class_static_block" => Role::Lambda,
                "class_declaration"
                | "class"
                | "abstract_class_declaration"
                | "interface_declaration"
                | "enum_declaration" => Role::Class,
                "import_statement" | "export_statement" => Role::Import,
                // Before a class member, a sibling of it in TypeScript's class body.
                "decorator" => Role::Attribute,
                "call_expression" => Role::Call,
                "if_statement" => Role::If,
                "else_clause" => Role::Else,
                "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                    Role::Loop
                }
                "switch_statement" => Role::Switch,
                "switch_case" => Role::Case,
                "catch_clause" => Role::Catch,
                "ternary_expression" => Role::Ternary,
                "binary_expression" => Role::Logical,
                "return_statement" => Role::Return,
                "try_statement" => Role::Try,
                "break_statement" | "continue_statement" => Role::Jump,
                _ => Role::Other,
            },
            Language::Rust => match kind {
                "line_comment" | "block_comment" => Role::Comment,
                "attribute_item" | "inner_attribute_item" => Role::Attribute,
                "function_item" => Role::Function,
                "closure_expression" => Role::Lambda,
                "struct_item" | "enum_item" | "union_item" | "trait_item" | "impl_item" => {
                    Role::Class
                }
                "use_declaration" | "extern_crate_declaration" | "mod_item" => Role::Import,
                "if_expression" => Role::If,
                "else_clause" => Role::Else,
                "let_declaration" => Role::LetElse,
                "while_expression" | "loop_expression" | "for_expression" => Role::Loop,
                "match_expression" => Role::Switch,
                "match_arm" => Role::Case,
                // `if let Some(x) = a && b`: the grammar's own node for a chain of `&&`.
                "binary_expression" | "let_chain" => Role::Logical,
                "call_expression" => Role::Call,
                "return_expression" => Role::Return,
                "break_expression" | "continue_expression" => Role::Jump,
                _ => Role::Other,
            },
            Language::Go => match kind {
                "comment" => Role::Comment,
                "function_declaration" | "method_declaration" => Role::Function,
                "func_literal" => Role::Lambda,
                "type_spec" => Role::Class,
                "import_spec" => Role::Import,
                "if_statement" => Role::If,
                "for_statement" => Role::Loop,
                "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                    Role::Switch
                }
                "expression_case" | "type_case" | "communication_case" => Role::Case,
                "binary_expression" => Role::Logical,
                "call_expression" => Role::Call,
                "return_statement" => Role::Return,
                "break_statement" | "continue_statement" => Role::Jump,
                "goto_statement" => Role::Goto,
                _ => Role::Other,
            },
            Language::Java => match kind {
                "line_comment" | "block_comment" => Role::Comment,
                "method_declaration"
                | "constructor_declaration"
                | "compact_constructor_declaration" => Role::Function,
                "lambda_expression" => Role::Lambda,
                "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration"
                | "annotation_type_declaration" => Role::Class,
                "import_declaration" => Role::Import,
                "if_statement" => Role::If,
                "for_statement" | "enhanced_for_statement" | "while_statement" | "do_statement" => {
                    Role::Loop
                }
                "switch_expression" | "switch_statement" => Role::Switch,
                "switch_label" => Role::Case,
                "catch_clause" => Role::Catch,
                "ternary_expression" => Role::Ternary,
                "binary_expression" => Role::Logical,
                "method_invocation" => Role::Call,
                "return_statement" => Role::Return,
                "try_statement" | "try_with_resources_statement" => Role::Try,
                "break_statement" | "continue_statement" => Role::Jump,
                _ => Role::Other,
            },
            Language::C | Language::Cpp => match kind {
                "comment" => Role::Comment,
                "function_definition" => Role::Function,
                "lambda_expression" => Role::Lambda,
                "struct_specifier" | "union_specifier" | "class_specifier" | "enum_specifier" => {
                    Role::Class
                }
                "namespace_definition" => Role::Namespace,
                "preproc_include" => Role::Import,
                "if_statement" => Role::If,
                "else_clause" => Role::Else,
                "for_statement" | "for_range_loop" | "while_statement" | "do_statement" => {
                    Role::Loop
                }
                "switch_statement" => Role::Switch,
                "case_statement" => Role::Case,
                "catch_clause" => Role::Catch,
                "conditional_expression" => Role::Ternary,
                "binary_expression" => Role::Logical,
                "call_expression" => Role::Call,
                "return_statement" => Role::Return,
                "try_statement" => Role::Try,
                "goto_statement" => Role::Goto,
                _ => Role::Other,
            },
            Language::Ruby => match kind {
                "comment" => Role::Comment,
                "method" | "singleton_method" => Role::Function,
                // Blocks are Ruby's closures: part of the method, one nesting level deeper.
                "lambda" | "block" | "do_block" => Role::Lambda,
                "class" | "module" => Role::Class,
                "call" => Role::Call,
                "if" | "unless" | "if_modifier" | "unless_modifier" => Role::If,
                "elsif" => Role::ElseIf,
                "else" => Role::Else,
                "while" | "until" | "for" | "while_modifier" | "until_modifier" => Role::Loop,
                "case" | "case_match" => Role::Switch,
                "when" | "in_clause" => Role::Case,
                // `y = Integer(x) rescue nil` decides as much as a `rescue` clause.
                "rescue" | "rescue_modifier" => Role::Catch,
                "conditional" => Role::Ternary,
                "binary" => Role::Logical,
                "return" => Role::Return,
                "begin" => Role::Try,
                _ => Role::Other,
            },
        }
    }

    /// The role table of this language, indexed by node kind id (built once per process).
    pub fn roles(self) -> &'static [Role] {
        static TABLES: [OnceLock<Vec<Role>>; Language::ALL.len()] =
            [const { OnceLock::new() }; Language::ALL.len()];
        TABLES[self.index()].get_or_init(|| {
            let grammar = self.grammar();
            (0..grammar.node_kind_count())
                .map(|id| {
                    let id = id as u16;
                    match grammar.node_kind_for_id(id) {
                        Some(kind) if grammar.node_kind_is_named(id) => self.role_of(kind),
                        _ => Role::Other,
                    }
                })
                .collect()
        })
    }
}

/// `text` with its comments and string and character literals blanked out (each byte a space,
/// newlines kept): what the code of a header says, not its prose (`// see std::vector`).
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let end = if rest.starts_with(b"//") {
            rest.iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| i + n)
        } else if rest.starts_with(b"/*") {
            rest.windows(2)
                .skip(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |n| i + n + 4)
        } else if matches!(rest[0], b'"' | b'\'') {
            let quote = rest[0];
            let mut j = 1;
            while j < rest.len() && rest[j] != quote && rest[j] != b'\n' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            i + (j + 1).min(rest.len())
        } else {
            out.push(rest[0]);
            i += 1;
            continue;
        };
        out.extend(
            bytes[i..end]
                .iter()
                .map(|&b| if b == b'\n' { b'\n' } else { b' ' }),
        );
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether header text uses C++: a scope operator, or a C++ keyword in the position only C++
/// gives it, in its code (never in a comment or a string).
fn looks_like_cpp(text: &str) -> bool {
    let code = code_only(text);
    let text = code.as_str();
    if text.contains("::")
        || ["public:", "private:", "protected:", "extern \"C++\""]
            .iter()
            .any(|k| text.contains(k))
    {
        return true;
    }
    let bytes = text.as_bytes();
    let word_at = |i: usize, word: &str| {
        let before = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let end = i + word.len();
        let after = bytes
            .get(end)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        before && after && text[end..].starts_with(|c: char| c.is_whitespace() || c == '<')
    };
    let next_after = |i: usize, word: &str| text[i + word.len()..].trim_start();
    for (word, follows) in [
        (
            "namespace",
            (|rest: &str| rest.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '{'))
                as fn(&str) -> bool,
        ),
        ("template", |rest: &str| rest.starts_with('<')),
        ("class", |rest: &str| {
            let name_end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            name_end > 0 && rest[name_end..].trim_start().starts_with(['{', ':'])
        }),
    ] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(word) {
            let i = from + pos;
            if word_at(i, word) && follows(next_after(i, word)) {
                return true;
            }
            from = i + word.len();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_that_show_cpp_are_cpp() {
        for cpp in [
            "namespace n { int f(); }",
            "template <typename T> T id(T x);",
            "class Foo {\n public:\n int get(int x) const;\n};",
            "class Foo : public Bar {};",
            "int x = std::max(1, 2);",
        ] {
            assert_eq!(Language::of_header(cpp), Language::Cpp, "{cpp}");
        }
        for c in [
            "int add(int a, int b);\nstruct classy { int namespace_id; };",
            "/* a class of errors */\n#define TEMPLATE 1\nint f(void);",
            "typedef struct { int class_; } t;",
            // Issue 29: `::` in a comment or a string made `sqlite3.h` C++ (12 syntax errors).
            "/* see sqlite3::open in the C++ wrapper */\nint sqlite3_open(const char *);",
            "// like std::vector, public: grows\nint grow(void);",
            "const char *sep = \"::\";\nchar c = ':';",
        ] {
            assert_eq!(Language::of_header(c), Language::C, "{c}");
        }
    }

    #[test]
    fn extensions_map_to_languages() {
        assert_eq!(Language::from_extension("pyi"), Some(Language::Python));
        assert_eq!(Language::from_extension("cjs"), Some(Language::JavaScript));
        assert_eq!(Language::from_extension("mts"), Some(Language::TypeScript));
        assert_eq!(Language::from_extension("tsx"), Some(Language::Tsx));
        assert_eq!(Language::from_extension("hxx"), Some(Language::Cpp));
        assert_eq!(Language::from_extension("h"), Some(Language::C));
        assert_eq!(Language::from_extension("md"), None);
    }

    #[test]
    fn shebangs_map_to_languages() {
        assert_eq!(
            Language::from_shebang(b"#!/usr/bin/env python3\nprint()"),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_shebang(b"#!/usr/bin/python3.11"),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_shebang(b"#!/usr/local/bin/node"),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::from_shebang(b"#!/usr/bin/env -S ruby -w"),
            Some(Language::Ruby)
        );
        assert_eq!(Language::from_shebang(b"#!/bin/sh"), None);
        assert_eq!(Language::from_shebang(b"print()"), None);
    }

    #[test]
    fn all_lists_every_language_where_its_index_says() {
        for (i, lang) in Language::ALL.into_iter().enumerate() {
            assert_eq!((lang.index(), lang.position()), (i, i), "{lang:?}");
        }
    }

    #[test]
    fn every_language_loads_and_names_its_roles() {
        for lang in Language::ALL {
            let roles = lang.roles();
            assert!(
                roles.contains(&Role::Comment),
                "{lang:?} has no comment kind"
            );
            assert!(
                roles.contains(&Role::Function),
                "{lang:?} has no function kind"
            );
            assert!(roles.contains(&Role::Class), "{lang:?} has no class kind");
            assert!(
                roles.contains(&Role::Import) || roles.contains(&Role::Call),
                "{lang:?} has no import kind"
            );
            for role in [
                Role::If,
                Role::Loop,
                Role::Logical,
                Role::Return,
                Role::Case,
            ] {
                assert!(roles.contains(&role), "{lang:?} has no {role:?} kind");
            }
        }
    }
}
