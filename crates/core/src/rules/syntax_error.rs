//! `syntax-error`: the parser could not make sense of part of the file.

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct SyntaxError;

static META: RuleMeta = RuleMeta {
    id: "syntax-error",
    category: Category::ErrorProne,
    severity: Severity::High,
    summary: "File that does not parse (C and C++: see parse-incomplete)",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Rust,
        Language::Go,
        Language::Java,
        Language::Ruby,
    ],
    kinds: &[],
    doc: "What: the tree-sitter grammar found ERROR or MISSING nodes; the first one is reported \
with the total count, the text there (or the token that is missing) and the construct around \
it. C and C++ are reported by `parse-incomplete` instead.\n\
Why: code that does not parse will not run, and every metric of the file is approximate.\n\
Example: `def f(:` in Python, a missing `}` in JavaScript.\n\
Fix: correct the syntax; if the file is valid for a newer language version than the grammar \
knows, exclude it with --exclude or suppress with `wtfcb: ignore-file[syntax-error]`.",
};

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        let errors = file.facts.syntax_errors;
        if let Some(first) = errors.first {
            let message = format!(
                "{} syntax error(s); the first: {}",
                errors.count,
                describe(file)
            );
            let at = (first.line, first.column);
            out.emit(&META, params.severity, message, at, at, None);
        }
    }
}

/// The first error in words: ``unexpected `text` in if_statement`` or ``missing `)` in
/// arguments``, and how many functions around errors have approximate metrics.
pub fn describe(file: &FileContext) -> String {
    let mut text = match &file.facts.first_error {
        Some(e) if e.missing => format!("missing `{}`", e.text),
        Some(e) if e.text.is_empty() => "unexpected end of input".to_string(),
        Some(e) => format!("unexpected `{}`", e.text),
        None => "here".to_string(),
    };
    if let Some(e) = file
        .facts
        .first_error
        .as_ref()
        .filter(|e| !e.inside.is_empty())
    {
        text.push_str(&format!(" in {}", e.inside));
    }
    let approximate = file
        .facts
        .functions
        .iter()
        .filter(|f| f.approximate)
        .count();
    if approximate > 0 {
        text.push_str(&format!(
            "; the metrics of {approximate} function(s) around errors may be off"
        ));
    }
    text
}

/// One finding at the first error of the file, if it has any: `{count} {what}; the first:
/// {description}`.
pub fn emit_first_error(
    meta: &RuleMeta,
    file: &FileContext,
    params: &RuleParams,
    out: &mut Emitter,
    what: &str,
) {
    let errors = file.facts.syntax_errors;
    if let Some(first) = errors.first {
        let message = format!("{} {what}; the first: {}", errors.count, describe(file));
        let at = (first.line, first.column);
        out.emit(meta, params.severity, message, at, at, None);
    }
}
