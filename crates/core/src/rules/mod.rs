//! The rule engine: rule metadata, the `Rule` trait, the registry, selection and suppression.
//! One file per rule.

mod assert_outside_tests;
mod bare_except;
mod broad_except;
mod catch_generic_exception;
mod cognitive_complexity;
mod complex_function;
mod console_call;
mod debugger_statement;
mod deep_nesting;
pub mod duplicate_code;
mod empty_block;
mod eval_exec;
mod explicit_any;
mod god_class;
mod goto_statement;
pub mod ignored_error;
pub mod import_contract;
pub mod import_cycle;
mod large_file;
mod long_function;
mod loose_equality;
mod mutable_default_argument;
mod non_null_assertion;
mod panic_call;
mod parse_incomplete;
mod print_call;
mod star_import;
mod syntax_error;
mod todo_comment;
mod todo_macro;
mod too_many_parameters;
pub mod unresolved_import;
mod unsafe_block;
mod unsafe_libc_call;
mod unused_suppression;
mod unwrap_call;
mod var_declaration;

pub mod profile;

pub use profile::{Layer, Override, Profile, RuleParams, RuleSetting, Ruleset};

use std::sync::OnceLock;

use crate::facts::{FileFacts, Function, Hit};
use crate::findings::{Category, Finding, Severity};
use crate::lang::Language;

/// What a rule is, for `wtfcb rules`, reports, selection and configuration.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Default thresholds, by name. A graded rule names them by severity (`medium`, `high`):
    /// a value over a step's limit is reported at that step's severity.
    pub thresholds: &'static [(&'static str, u32)],
    /// Whether the thresholds are severity steps (see `thresholds`).
    pub graded: bool,
    /// Whether the rule runs unless a config or `--select` says otherwise.
    pub on_by_default: bool,
    /// Whether the rule stays silent in test code (`tests/`, `test_*.py`, `#[cfg(test)]`...).
    pub skips_tests: bool,
    /// Where it runs: on each file as it is read, or once over the project.
    pub scope: Scope,
    /// Languages it applies to; empty means all.
    pub languages: &'static [Language],
    /// For syntactic rules: the node kinds, per language, handed to [`Rule::inspect`] during
    /// the single pass over each tree.
    pub kinds: &'static [(Language, &'static [&'static str])],
    /// What, why, example, fix.
    pub doc: &'static str,
}

/// Where a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On one file's facts, as the file is read: its settings are part of the file's cache key.
    File,
    /// Once per project, on every file's facts after all files are read (the cross-file rules
    /// of `wtfcb-project`): its settings never change a file's cached result.
    Project,
}

impl RuleMeta {
    /// Whether it is a cross-file rule (see [`Scope::Project`]).
    pub fn is_project(&self) -> bool {
        self.scope == Scope::Project
    }

    /// The default thresholds as text: `medium > 10, high > 20`.
    pub fn thresholds_text(&self) -> String {
        self.thresholds
            .iter()
            .map(|(name, value)| format!("{name} > {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn applies_to(&self, lang: Language) -> bool {
        self.languages.is_empty() || self.languages.contains(&lang)
    }
}

/// A file as the rules see it.
pub struct FileContext<'a> {
    /// The path as shown in reports.
    pub path: &'a str,
    /// The path relative to the project root: what fingerprints and test detection use.
    pub rel: &'a str,
    pub language: Language,
    pub text: &'a str,
    pub facts: &'a FileFacts,
    pub is_test: bool,
}

pub use crate::facts::checks::NodeView;

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Checks a file from its facts (the metric rules).
    fn check(&self, _file: &FileContext, _params: &RuleParams, _out: &mut Emitter) {}

    /// Looks at one node of a kind listed in `meta().kinds`, during the single pass; returns
    /// the finding's message when the node breaks the rule.
    fn inspect(&self, _view: &NodeView) -> Option<String> {
        None
    }
}

/// Every rule wtfcb has, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    static RULES: [&dyn Rule; 37] = [
        &assert_outside_tests::AssertOutsideTests,
        &bare_except::BareExcept,
        &broad_except::BroadExcept,
        &catch_generic_exception::CatchGenericException,
        &cognitive_complexity::CognitiveComplexity,
        &complex_function::ComplexFunction,
        &console_call::ConsoleCall,
        &debugger_statement::DebuggerStatement,
        &deep_nesting::DeepNesting,
        &duplicate_code::DuplicateCode,
        &empty_block::EmptyBlock,
        &eval_exec::EvalExec,
        &explicit_any::ExplicitAny,
        &god_class::GodClass,
        &goto_statement::GotoStatement,
        &ignored_error::IgnoredError,
        &import_contract::ImportContract,
        &import_cycle::ImportCycle,
        &large_file::LargeFile,
        &long_function::LongFunction,
        &loose_equality::LooseEquality,
        &mutable_default_argument::MutableDefaultArgument,
        &non_null_assertion::NonNullAssertion,
        &panic_call::PanicCall,
        &parse_incomplete::ParseIncomplete,
        &print_call::PrintCall,
        &star_import::StarImport,
        &syntax_error::SyntaxError,
        &todo_comment::TodoComment,
        &todo_macro::TodoMacro,
        &too_many_parameters::TooManyParameters,
        &unresolved_import::UnresolvedImport,
        &unsafe_block::UnsafeBlock,
        &unsafe_libc_call::UnsafeLibcCall,
        &unused_suppression::UnusedSuppression,
        &unwrap_call::UnwrapCall,
        &var_declaration::VarDeclaration,
    ];
    &RULES
}

/// The candidate closest to a misspelt `input`, if one is close enough to be what was meant
/// (edit distance at most 2, and at most a third of the input's length).
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    let limit = (input.chars().count() / 3).clamp(1, 2);
    candidates
        .into_iter()
        .map(|c| (distance(input, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` for a misspelt rule id or category, or nothing.
pub fn suggestion(input: &str) -> String {
    let names = registry().iter().map(|r| r.meta().id).chain(
        [
            Category::Complexity,
            Category::Size,
            Category::Design,
            Category::ErrorProne,
            Category::Security,
            Category::Style,
            Category::Docs,
            Category::Duplication,
        ]
        .map(Category::as_str),
    );
    did_you_mean(input, names).map_or(String::new(), |s| format!("; did you mean `{s}`?"))
}

/// Whether `id` names a cross-file rule (see [`Scope::Project`]).
pub fn is_project_rule(id: &str) -> bool {
    find(id).is_some_and(|r| r.meta().is_project())
}

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| r.meta().id == id)
}

pub fn index_of(id: &str) -> Option<usize> {
    registry().iter().position(|r| r.meta().id == id)
}

/// For each node kind id of a language, the registry indices of the syntactic rules that
/// inspect it (built once per process).
pub fn dispatch(lang: Language) -> &'static [Vec<u16>] {
    static TABLES: [OnceLock<Vec<Vec<u16>>>; Language::ALL.len()] =
        [const { OnceLock::new() }; Language::ALL.len()];
    TABLES[lang.index()].get_or_init(|| {
        let grammar = lang.grammar();
        (0..grammar.node_kind_count())
            .map(|id| {
                let id = id as u16;
                let Some(kind) = grammar.node_kind_for_id(id) else {
                    return Vec::new();
                };
                if !grammar.node_kind_is_named(id) {
                    return Vec::new();
                }
                registry()
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| {
                        rule.meta()
                            .kinds
                            .iter()
                            .any(|(l, kinds)| *l == lang && kinds.contains(&kind))
                    })
                    .map(|(i, _)| i as u16)
                    .collect()
            })
            .collect()
    })
}

/// Runs the syntactic rules registered for `view.node`'s kind; records what they find.
pub fn inspect_node(
    table: &[Vec<u16>],
    view: &NodeView,
    symbol: &dyn Fn() -> Option<String>,
    hits: &mut Vec<Hit>,
) {
    let Some(rules) = table.get(view.node.kind_id() as usize) else {
        return;
    };
    for &idx in rules {
        if let Some(message) = registry()[idx as usize].inspect(view) {
            hits.push(Hit {
                rule: idx,
                start: crate::facts::Position::from_point(view.node.start_position()),
                end: crate::facts::Position::from_point(view.node.end_position()),
                symbol: symbol(),
                message,
            });
        }
    }
}

/// The syntactic rules, as the fact pass runs them on each node it walks.
pub struct Syntactic;

/// The one [`Syntactic`]: what every analysis passes to [`crate::facts::extract`].
pub static SYNTACTIC: Syntactic = Syntactic;

impl crate::facts::checks::NodeChecks for Syntactic {
    fn table(&self, lang: Language) -> &'static [Vec<u16>] {
        dispatch(lang)
    }

    fn inspect(
        &self,
        table: &[Vec<u16>],
        view: &NodeView,
        symbol: &dyn Fn() -> Option<String>,
        hits: &mut Vec<Hit>,
    ) {
        inspect_node(table, view, symbol, hits);
    }
}

/// Longest snippet kept, in characters.
const SNIPPET_CHARS: usize = 120;

/// Collects findings for one file, filling in snippet and fingerprint.
pub struct Emitter<'a> {
    file: &'a FileContext<'a>,
    /// Byte offsets of line starts, built on the first finding (most files have none).
    line_starts: std::cell::OnceCell<Vec<usize>>,
    pub findings: Vec<Finding>,
    /// Per finding, the first line it covers for suppressions: a comment on the line above
    /// it, or on any line from there to the finding's own, silences it. A function finding
    /// points at the name, and a comment above its attributes or return type still reaches it.
    pub reach_from: Vec<u32>,
}

impl<'a> Emitter<'a> {
    pub fn new(file: &'a FileContext<'a>) -> Emitter<'a> {
        Emitter {
            file,
            line_starts: std::cell::OnceCell::new(),
            findings: Vec::new(),
            reach_from: Vec::new(),
        }
    }

    fn line(&self, line: u32) -> &str {
        let text = self.file.text;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |n| start + n);
        &text[start..end]
    }

    pub fn emit(
        &mut self,
        meta: &RuleMeta,
        severity: Severity,
        message: String,
        (start_line, start_column): (u32, u32),
        (end_line, end_column): (u32, u32),
        symbol: Option<&str>,
    ) {
        let columns_utf16 = {
            let utf16 = |line: &str, column: u32| -> u32 {
                let at = (column.max(1) - 1) as usize;
                crate::text::prefix(line, at).encode_utf16().count() as u32 + 1
            };
            let (first, last) = (self.line(start_line), self.line(end_line));
            (!first.is_ascii() || !last.is_ascii())
                .then(|| [utf16(first, start_column), utf16(last, end_column)])
        };
        // Cut before copying: a minified file's line can be a megabyte.
        let line = self.line(start_line).trim();
        let snippet = match line.char_indices().nth(SNIPPET_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_string(),
        };
        self.findings.push(Finding {
            rule: meta.id.to_string(),
            category: meta.category,
            severity,
            message,
            path: self.file.path.to_string(),
            start_line,
            start_column,
            end_line,
            end_column,
            symbol: symbol.map(str::to_string),
            snippet,
            // Set once the file's findings are sorted (`findings::set_fingerprints`).
            fingerprint: String::new(),
            suppressed: false,
            value: None,
            baselined: false,
            preexisting: false,
            line_hash: String::new(),
            columns_utf16,
            related: Vec::new(),
            identity: None,
        });
        self.reach_from.push(start_line);
    }

    /// A finding on a whole function, reported at its name (where editors and reviewers look
    /// for it), ending where the function ends.
    pub fn on_function(
        &mut self,
        meta: &RuleMeta,
        severity: Severity,
        message: String,
        f: &Function,
    ) {
        let end_column = self.line(f.end_line).len() as u32 + 1;
        self.emit(
            meta,
            severity,
            message,
            (f.name_at.line, f.name_at.column),
            (f.end_line, end_column),
            Some(&f.qualified_name),
        );
        self.reach_back(f.start_line.saturating_sub(f.lead));
    }

    /// Lets a suppression from `line` on reach the finding just emitted: a comment above a
    /// function's or class's decorators, attributes or template header, or its return type.
    pub fn reach_back(&mut self, line: u32) {
        if let Some(reach) = self.reach_from.last_mut() {
            *reach = line.min(*reach);
        }
    }
}

/// The common shape of the per-function metric rules: grade one metric of every function
/// against `steps` and report each function over a limit.
pub fn check_function_metric(
    meta: &RuleMeta,
    file: &FileContext,
    out: &mut Emitter,
    steps: &[(Severity, u32)],
    metric: impl Fn(&Function) -> u32,
    describe: impl Fn(&Function, u32, u32) -> String,
) {
    for f in &file.facts.functions {
        let value = metric(f);
        if let Some((severity, limit)) = graded(value, steps) {
            out.on_function(meta, severity, describe(f, value, limit), f);
            if let Some(last) = out.findings.last_mut() {
                last.value = Some(value);
            }
        }
    }
}

/// The severity for a measured value against `(severity, limit)` steps, highest first:
/// the first step whose limit the value exceeds.
pub fn graded(value: u32, steps: &[(Severity, u32)]) -> Option<(Severity, u32)> {
    steps.iter().copied().find(|&(_, limit)| value > limit)
}

/// Paths of test code, where some rules do not apply.
pub fn is_test_path(path: &str, lang: Language) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // Cargo builds `benches/` and `examples/` as targets of their own, beside the library: in
    // Rust they are test-like code (an `unwrap()` there is fine).
    let rust_aux = lang == Language::Rust
        && path
            .split('/')
            .rev()
            .skip(1)
            .any(|dir| matches!(dir, "benches" | "examples"));
    let in_test_dir = path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir,
            "test" | "tests" | "__tests__" | "spec" | "testing" | "testdata"
        )
    });
    in_test_dir
        || rust_aux
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.go")
        || name.ends_with("_test.rb")
        || name.ends_with("_spec.rb")
        || name == "conftest.py"
        || [".test.", ".spec."].iter().any(|m| name.contains(m))
        || name.ends_with("Test.java")
        || name.ends_with("Tests.java")
        || is_c_family_test(name)
}

/// C and C++ test files by the common conventions: `*_test.cc`, `*_unittest.cpp`,
/// `*_tests.cxx`, `test_*.c`, `*-test.cc`.
fn is_c_family_test(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "c" | "cc" | "cpp" | "cxx" | "c++" | "h" | "hh" | "hpp")
        && (stem.starts_with("test_")
            || ["_test", "_tests", "_unittest", "-test", "_benchmark"]
                .iter()
                .any(|s| stem.ends_with(s)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = BTreeSet::new();
        for rule in registry() {
            let m = rule.meta();
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                m.id
            );
            assert!(
                !m.summary.is_empty() && m.doc.len() > 80,
                "{} needs a doc",
                m.id
            );
            for part in ["Why", "Example", "Fix"] {
                assert!(m.doc.contains(part), "{} doc lacks {part}", m.id);
            }
        }
        let ids: Vec<_> = registry().iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "registry in id order");
    }

    fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
        files
    }

    // `languages` (shown and used to skip rules) must agree with the languages `kinds` inspects.
    #[test]
    fn syntactic_rules_declare_the_languages_they_inspect() {
        for rule in registry() {
            let m = rule.meta();
            if m.kinds.is_empty() {
                continue;
            }
            let inspected: BTreeSet<Language> = m.kinds.iter().map(|(l, _)| *l).collect();
            let declared: BTreeSet<Language> = if m.languages.is_empty() {
                Language::ALL.into_iter().collect()
            } else {
                m.languages.iter().copied().collect()
            };
            assert_eq!(inspected, declared, "{}", m.id);
        }
    }

    #[test]
    fn suggestions_for_misspelt_names() {
        assert_eq!(
            suggestion("long-functon"),
            "; did you mean `long-function`?"
        );
        assert_eq!(suggestion("complexty"), "; did you mean `complexity`?");
        assert_eq!(suggestion("zzz"), "");
        assert_eq!(did_you_mean("hgh", ["low", "medium", "high"]), Some("high"));
    }

    #[test]
    fn every_rule_has_a_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules");
        for rule in registry() {
            let id = rule.meta().id;
            let has = std::fs::read_dir(dir.join(id))
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            assert!(has, "fixtures/rules/{id}/ is missing or empty");
            // A syntactic rule has a fixture in every language it inspects.
            for (lang, _) in rule.meta().kinds {
                let covered = walk_files(&dir.join(id))
                    .iter()
                    .any(|p| Language::from_path(p) == Some(*lang));
                assert!(covered, "fixtures/rules/{id}/ has no {} file", lang.name());
            }
        }
    }

    // Regression: snippets were copied whole, then truncated, keeping each minified line's
    // megabyte of capacity alive per finding (1.1 GB peak RSS on the npm corpus).
    #[test]
    fn snippet_of_a_huge_line_is_cut_before_copying() {
        let text = format!(
            "function f(a, b, c, d, e, g) {{ {} }}",
            "x;".repeat(500_000)
        );
        let tree = crate::parse::parse(Language::JavaScript, &text).unwrap();
        let facts =
            crate::facts::extract(&tree, &text, Language::JavaScript, &crate::rules::SYNTACTIC);
        let file = FileContext {
            path: "m.js",
            rel: "m.js",
            language: Language::JavaScript,
            text: &text,
            facts: &facts,
            is_test: false,
        };
        let mut profile = Profile::default();
        profile
            .apply(&Layer {
                select: Some(vec!["too-many-parameters".into()]),
                ..Layer::default()
            })
            .unwrap();
        let findings = profile.check(&file);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].snippet.chars().count(), SNIPPET_CHARS + 1);
        assert!(findings[0].snippet.capacity() < 1024);
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/a.rs",
            "pkg/test_x.py",
            "x_test.go",
            "a/b.spec.ts",
            "src/FooTest.java",
            "spec/a_spec.rb",
        ] {
            assert!(is_test_path(p, Language::Python), "{p}");
        }
        for p in ["src/a.rs", "contest.py", "latest/x.py", "examples/demo.py"] {
            assert!(!is_test_path(p, Language::Python), "{p}");
        }
        // Rust benches and examples are test-like, other languages' are not.
        assert!(is_test_path("benches/parse.rs", Language::Rust));
        assert!(is_test_path("crate/examples/demo.rs", Language::Rust));
        assert!(!is_test_path("src/examples.rs", Language::Rust));
        // Go's `testdata/` holds fixtures the go tool never builds.
        assert!(is_test_path(
            "go/types/testdata/check/decls0.go",
            Language::Go
        ));
        assert!(!is_test_path("go/types/data.go", Language::Go));
        for p in [
            "cpp/src/arrow/array_test.cc",
            "x/parser_unittest.cpp",
            "test_io.c",
            "a/b-test.cc",
        ] {
            assert!(is_test_path(p, Language::Cpp), "{p}");
        }
        assert!(!is_test_path("src/contest.cc", Language::Cpp));
    }
}
