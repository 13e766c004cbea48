//! What the single pass (`extract`) reads for the project phase: clone tokens and imports,
//! checked on source text. In a file of their own, so that `tokens` (which `extract` uses)
//! does not import `extract` back.

/// Clone tokens as the single pass reads them.
mod tokens {
    use crate::facts::extract;
    use crate::lang::Language;

    fn tokens(lang: Language, src: &str) -> Vec<u32> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        let t = extract(&tree, src, lang, &crate::rules::SYNTACTIC).tokens;
        (0..t.len()).map(|i| t.value(i, true)).collect()
    }

    fn kinds(values: &[u32]) -> Vec<u8> {
        values.iter().map(|v| (v >> 16) as u8).collect()
    }

    // Issue 28: a string literal counted as several tokens (its quotes and parts: three in
    // Python and JS/TS, one more per escape in Go), so runs of strings made clones and `""`
    // and `"x"` were different kinds, cutting real clones at an empty string.
    #[test]
    fn a_string_literal_is_one_token_of_one_kind() {
        for (lang, strings, names) in [
            (
                Language::JavaScript,
                "f(\"\", \"x\", 'y\\n');\n",
                "f(a, b, c);\n",
            ),
            (Language::Python, "f(\"\", \"x\", 'y\\n')\n", "f(a, b, c)\n"),
            (
                Language::Go,
                "package p\nvar _ = f(\"\", \"x\", \"y\\n\")\n",
                "package p\nvar _ = f(a, b, c)\n",
            ),
            (
                Language::Rust,
                "fn g() { f(\"\", \"x\", \"y\\n\"); }\n",
                "fn g() { f(a, b, c); }\n",
            ),
        ] {
            let (with_strings, with_names) =
                (kinds(&tokens(lang, strings)), kinds(&tokens(lang, names)));
            // One token where each name stood, all three of one kind.
            assert_eq!(
                with_strings.len(),
                with_names.len(),
                "{lang:?}: {with_strings:?}"
            );
            let differing: Vec<u8> = with_strings
                .iter()
                .zip(&with_names)
                .filter(|(a, b)| a != b)
                .map(|(a, _)| *a)
                .collect();
            assert_eq!(differing.len(), 3, "{lang:?}: {with_strings:?}");
            assert!(
                differing.iter().all(|k| *k == differing[0]),
                "{lang:?}: {with_strings:?}"
            );
        }
    }

    #[test]
    fn names_are_one_symbol_operators_and_keywords_are_not() {
        let plus = tokens(Language::Python, "x = a + b\n");
        let renamed = tokens(Language::Python, "y = c + d\n");
        let minus = tokens(Language::Python, "x = a - b\n");
        assert_eq!(kinds(&plus), kinds(&renamed));
        assert_ne!(plus, renamed, "the exact values keep the names apart");
        assert_ne!(kinds(&plus), kinds(&minus), "`+` and `-` differ");
    }

    #[test]
    fn comments_imports_and_docstrings_are_left_out() {
        let bare = tokens(Language::Python, "def f():\n    return 1\n");
        let noisy = tokens(
            Language::Python,
            "# licence\nimport os\nfrom a import b\ndef f():\n    \"\"\"Doc.\"\"\"\n    # note\n    return 1\n",
        );
        assert_eq!(kinds(&bare), kinds(&noisy));
        let js = tokens(
            Language::JavaScript,
            "import x from './x';\nexport { y } from './y';\nexport function f() { return 1; }\n",
        );
        assert!(!js.is_empty(), "an exported function is code");
        let only_imports = tokens(
            Language::JavaScript,
            "import x from './x';\nexport { y } from './y';\n",
        );
        assert!(only_imports.is_empty());
    }

    #[test]
    fn data_tables_are_dropped_and_code_around_them_kept() {
        let numbers: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let src = format!("T = [{}]\nx = f(T)\n", numbers.join(", "));
        let t = tokens(Language::Python, &src);
        // `T =` and the call line are left: 2 + 6 tokens.
        assert_eq!(t.len(), 8, "{t:?}");
        let short = tokens(Language::Python, "T = [1, 2, 3]\n");
        assert_eq!(short.len(), 9, "a short list is code");
    }
}

/// Imports as the single pass reads them.
mod imports {
    use crate::facts::{extract, ImportKind};
    use crate::lang::Language;

    fn imports(lang: Language, src: &str) -> Vec<(String, ImportKind, u32)> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        extract(&tree, src, lang, &crate::rules::SYNTACTIC)
            .imports
            .into_iter()
            .map(|i| (i.specifier, i.kind, i.line))
            .collect()
    }

    // Issue 29: inline paths (`crate::x::y(...)`, 274 in wtfcb's own source against 214 `use`
    // lines) were no import edges, so wtfcb saw a cycle of 4 of its files where 28 import each
    // other. Test modules' paths stay out: the library's build has no such dependency.
    #[test]
    fn rust_inline_paths_are_imports() {
        let rust = imports(
            Language::Rust,
            "use crate::a;\nfn f() {\n    crate::b::run(1);\n    let x: super::c::Item = super::c::Item::new();\n    crate::b::run(2);\n    std::mem::take(&mut 1);\n}\n#[cfg(test)]\nmod tests {\n    fn t() { crate::z::y(); }\n}\n",
        );
        let specs: Vec<_> = rust.iter().map(|(s, _, l)| (s.as_str(), *l)).collect();
        assert_eq!(
            specs,
            [
                ("crate::a", 1),
                ("crate::b::run", 3),
                ("super::c::Item", 4),
                ("super::c::Item::new", 4)
            ]
        );
    }

    #[test]
    fn import_kinds_and_lines() {
        let ts = imports(
            Language::TypeScript,
            "import type { A } from './a';\nimport b from './b';\nexport * from './c';\nconst d = import('./d');\nconst e = require('./e');\nimport { type F, type G } from './f';\nimport { type H, i } from './h';\nimport j, { type K } from './j';\nimport { l } from './l';\nb(i, j);\nlet x: l;\n",
        );
        let kinds: Vec<_> = ts.iter().map(|(s, k, l)| (s.as_str(), *k, *l)).collect();
        // Issue 28: `import { type F, type G }` (every name a type) is erased like
        // `import type`; one value name, or a default import, keeps it a loading edge when
        // code uses it as a value; an import whose names are used as types only is erased.
        assert_eq!(
            kinds,
            [
                ("./a", ImportKind::TypeOnly, 1),
                ("./b", ImportKind::Static, 2),
                ("./c", ImportKind::ReExport, 3),
                ("./d", ImportKind::Dynamic, 4),
                ("./e", ImportKind::Static, 5),
                ("./f", ImportKind::TypeOnly, 6),
                ("./h", ImportKind::Static, 7),
                ("./j", ImportKind::Static, 8),
                ("./l", ImportKind::TypeOnly, 9),
            ]
        );
        let rust = imports(
            Language::Rust,
            "mod a;\nmod b { fn f() {} }\nuse crate::c;\n",
        );
        let specs: Vec<_> = rust.iter().map(|(s, _, l)| (s.as_str(), *l)).collect();
        assert_eq!(specs, [("mod a", 1), ("crate::c", 3)]);
        let c = imports(Language::C, "#include \"x.h\"\n#include <y.h>\n");
        assert_eq!(c[0].0, "\"x.h\"");
        assert_eq!(c[1].0, "<y.h>");
        let ruby = imports(Language::Ruby, "require_relative 'lib/x'\nrequire 'json'\n");
        assert_eq!(ruby[0].0, "./lib/x");
        assert_eq!(ruby[1].0, "json");
    }
}
