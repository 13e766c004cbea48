//! `long-function`: too many code lines in one function.

use super::{check_function_metric, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct LongFunction;

static META: RuleMeta = RuleMeta {
    id: "long-function",
    category: Category::Size,
    severity: Severity::Medium,
    summary: "Function with too many lines of code",
    thresholds: &[("medium", 50), ("high", 100)],
    graded: true,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: counts the code lines (not blank, not comment-only) of a function.\n\
Why: long functions do several things; they are hard to name, test and reuse.\n\
Example: a 120-line request handler that parses, validates, stores and renders.\n\
Fix: extract each step into a function with a name that says what it does.",
};

impl Rule for LongFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        check_function_metric(
            &META,
            file,
            out,
            &params.steps(),
            |f| f.code_lines,
            |f, value, limit| {
                format!(
                    "`{}` has {value} code lines (limit {limit})",
                    f.qualified_name
                )
            },
        );
    }
}
