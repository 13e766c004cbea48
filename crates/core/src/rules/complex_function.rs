//! `complex-function`: cyclomatic complexity over the limit.

use super::{check_function_metric, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct ComplexFunction;

static META: RuleMeta = RuleMeta {
    id: "complex-function",
    category: Category::Complexity,
    severity: Severity::Medium,
    summary: "Function with too many independent paths (cyclomatic complexity)",
    thresholds: &[("medium", 10), ("high", 20)],
    graded: true,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: cyclomatic complexity (McCabe) counts the independent paths through a function: \
1 plus one for each if, elif/else if, loop, non-default case, catch, conditional expression, \
&&/|| and comprehension clause.\n\
Why: every path needs a test; past 10 a function is hard to test completely and to change safely.\n\
Example: a 40-line validation function with 15 if/elif branches scores 16.\n\
Fix: split the function by responsibility, replace branch ladders with a lookup table or \
polymorphism, return early.",
};

impl Rule for ComplexFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        check_function_metric(
            &META,
            file,
            out,
            &params.steps(),
            |f| f.cyclomatic,
            |f, value, limit| {
                format!(
                    "`{}` has cyclomatic complexity {value} (limit {limit})",
                    f.qualified_name
                )
            },
        );
    }
}
