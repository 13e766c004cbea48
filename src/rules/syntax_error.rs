//! `syntax-error`: the parser could not make sense of part of the file.

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct SyntaxError;

static META: RuleMeta = RuleMeta {
    id: "syntax-error",
    category: Category::ErrorProne,
    severity: Severity::High,
    summary: "File that does not parse",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    languages: &[],
    kinds: &[],
    doc: "What: the tree-sitter grammar found ERROR or MISSING nodes; the first one is reported \
with the total count.\n\
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
            let message = format!("{} syntax error(s); the first is here", errors.count);
            let at = (first.line, first.column);
            out.emit(&META, params.severity, message, at, at, None);
        }
    }
}
