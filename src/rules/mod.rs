//! The rule engine: rule metadata, the `Rule` trait, the registry, selection and suppression.
//! One file per rule.

mod cognitive_complexity;
mod complex_function;
mod deep_nesting;
mod god_class;
mod large_file;
mod long_function;
mod syntax_error;
mod todo_comment;
mod too_many_parameters;

use std::collections::BTreeSet;

use anyhow::bail;

use crate::facts::{FileFacts, Function};
use crate::findings::{fingerprint, Category, Finding, Severity};
use crate::lang::Language;

/// What a rule is, for `wtfcb rules`, reports and selection.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Thresholds, as text (`medium > 10, high > 20`), or empty.
    pub thresholds: &'static str,
    /// Languages it applies to; empty means all.
    pub languages: &'static [Language],
    /// What, why, example, fix.
    pub doc: &'static str,
}

/// A file as the rules see it.
pub struct FileContext<'a> {
    pub path: &'a str,
    pub language: Language,
    pub text: &'a str,
    pub facts: &'a FileFacts,
    pub is_test: bool,
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, file: &FileContext, out: &mut Emitter);
}

/// Every rule wtfcb has, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    static RULES: [&dyn Rule; 9] = [
        &cognitive_complexity::CognitiveComplexity,
        &complex_function::ComplexFunction,
        &deep_nesting::DeepNesting,
        &god_class::GodClass,
        &large_file::LargeFile,
        &long_function::LongFunction,
        &syntax_error::SyntaxError,
        &todo_comment::TodoComment,
        &too_many_parameters::TooManyParameters,
    ];
    &RULES
}

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| r.meta().id == id)
}

/// Longest snippet kept, in characters.
const SNIPPET_CHARS: usize = 120;

/// Collects findings for one file, filling in snippet and fingerprint.
pub struct Emitter<'a> {
    file: &'a FileContext<'a>,
    /// Byte offsets of line starts, built on the first finding (most files have none).
    line_starts: std::cell::OnceCell<Vec<usize>>,
    pub findings: Vec<Finding>,
}

impl<'a> Emitter<'a> {
    pub fn new(file: &'a FileContext<'a>) -> Emitter<'a> {
        Emitter {
            file,
            line_starts: std::cell::OnceCell::new(),
            findings: Vec::new(),
        }
    }

    fn line(&self, line: u32) -> &str {
        let text = self.file.text;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
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
        // Cut before copying: a minified file's line can be a megabyte.
        let line = self.line(start_line).trim();
        let snippet = match line.char_indices().nth(SNIPPET_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_string(),
        };
        let fingerprint = fingerprint(meta.id, self.file.path, symbol, &snippet);
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
            fingerprint,
            suppressed: false,
        });
    }

    /// A finding on a whole function, reported at its first line.
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
            (f.start_line, 1),
            (f.end_line, end_column),
            Some(&f.qualified_name),
        );
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
        }
    }
}

/// The severity for a measured value against `(severity, limit)` steps, highest first:
/// the first step whose limit the value exceeds.
pub fn graded(value: u32, steps: &[(Severity, u32)]) -> Option<(Severity, u32)> {
    steps.iter().copied().find(|&(_, limit)| value > limit)
}

/// Paths of test code, where some rules do not apply.
pub fn is_test_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_test_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|dir| matches!(dir, "test" | "tests" | "__tests__" | "spec" | "testing"));
    in_test_dir
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.go")
        || name.ends_with("_test.rb")
        || name.ends_with("_spec.rb")
        || name == "conftest.py"
        || [".test.", ".spec."].iter().any(|m| name.contains(m))
        || name.ends_with("Test.java")
        || name.ends_with("Tests.java")
}

/// Which rules run, from `--select` / `--ignore` (rule ids or category names).
#[derive(Debug, Clone)]
pub struct Selection {
    pub enabled: BTreeSet<&'static str>,
}

impl Selection {
    pub fn new(select: &[String], ignore: &[String]) -> anyhow::Result<Selection> {
        let matching = |token: &str| -> anyhow::Result<Vec<&'static str>> {
            let ids: Vec<_> = registry()
                .iter()
                .map(|r| r.meta())
                .filter(|m| m.id == token || m.category.as_str() == token || token == "ALL")
                .map(|m| m.id)
                .collect();
            if ids.is_empty() {
                bail!("unknown rule or category {token:?} (see `wtfcb rules`)");
            }
            Ok(ids)
        };
        let mut enabled = BTreeSet::new();
        if select.is_empty() {
            enabled.extend(registry().iter().map(|r| r.meta().id));
        }
        for token in select
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            enabled.extend(matching(token)?);
        }
        for token in ignore
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            for id in matching(token)? {
                enabled.remove(id);
            }
        }
        Ok(Selection { enabled })
    }

    /// Runs the enabled rules that apply to the file; marks suppressed findings; sorts.
    pub fn check(&self, file: &FileContext) -> Vec<Finding> {
        let mut emitter = Emitter::new(file);
        for rule in registry() {
            let meta = rule.meta();
            let applies = meta.languages.is_empty() || meta.languages.contains(&file.language);
            if applies && self.enabled.contains(meta.id) {
                rule.check(file, &mut emitter);
            }
        }
        let mut findings = emitter.findings;
        for f in &mut findings {
            f.suppressed = file.facts.suppressions.iter().any(|s| {
                let names_rule = s.rules.is_empty() || s.rules.iter().any(|r| r == &f.rule);
                let reaches = s.file_wide || s.line == f.start_line || s.line + 1 == f.start_line;
                names_rule && reaches
            });
        }
        findings.sort_by(|a, b| {
            (a.start_line, a.start_column, &a.rule, &a.message).cmp(&(
                b.start_line,
                b.start_column,
                &b.rule,
                &b.message,
            ))
        });
        findings
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn every_rule_has_a_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
        for rule in registry() {
            let id = rule.meta().id;
            let has = std::fs::read_dir(dir.join(id))
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            assert!(has, "fixtures/rules/{id}/ is missing or empty");
        }
    }

    #[test]
    fn selection_by_id_category_and_ignore() {
        let all = Selection::new(&[], &[]).unwrap();
        assert_eq!(all.enabled.len(), registry().len());
        let cx = Selection::new(&["complexity".into()], &["deep-nesting".into()]).unwrap();
        assert!(cx.enabled.contains("complex-function") && !cx.enabled.contains("deep-nesting"));
        assert!(!cx.enabled.contains("large-file"));
        assert!(Selection::new(&["no-such-rule".into()], &[]).is_err());
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
        let facts = crate::facts::extract(&tree, &text, Language::JavaScript);
        let file = FileContext {
            path: "m.js",
            language: Language::JavaScript,
            text: &text,
            facts: &facts,
            is_test: false,
        };
        let findings = Selection::new(&["too-many-parameters".into()], &[])
            .unwrap()
            .check(&file);
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
            assert!(is_test_path(p), "{p}");
        }
        for p in ["src/a.rs", "contest.py", "latest/x.py"] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
