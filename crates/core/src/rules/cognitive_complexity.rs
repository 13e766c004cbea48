//! `cognitive-complexity`: SonarSource cognitive complexity over the limit.

use super::{check_function_metric, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct CognitiveComplexity;

static META: RuleMeta = RuleMeta {
    id: "cognitive-complexity",
    category: Category::Complexity,
    severity: Severity::Medium,
    summary: "Function that is hard to read (cognitive complexity)",
    thresholds: &[("medium", 15), ("high", 30)],
    graded: true,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: cognitive complexity (SonarSource) adds 1 for each break in linear flow (if, \
else if, else, loop, switch, catch, ternary, labelled jump, recursion, each run of like boolean \
operators) plus the nesting level for structures inside other structures.\n\
Why: deeply nested logic costs readers far more than flat logic; this metric tracks that cost.\n\
Example: an if inside a for inside an if adds 1 + 2 + 3 = 6.\n\
Fix: extract nested blocks into named functions, invert conditions to return early, merge \
conditions.",
};

impl Rule for CognitiveComplexity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        check_function_metric(
            &META,
            file,
            out,
            &params.steps(),
            |f| f.cognitive,
            |f, value, limit| {
                format!(
                    "`{}` has cognitive complexity {value} (limit {limit})",
                    f.qualified_name
                )
            },
        );
    }
}
