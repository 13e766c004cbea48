//! `deep-nesting`: control structures nested too deeply.

use super::{check_function_metric, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct DeepNesting;

static META: RuleMeta = RuleMeta {
    id: "deep-nesting",
    category: Category::Complexity,
    severity: Severity::Medium,
    summary: "Control structures nested too deeply",
    thresholds: &[("medium", 4)],
    graded: true,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: the deepest nesting of if, loop, switch and try blocks inside a function.\n\
Why: each level is one more condition a reader must hold in mind.\n\
Example: `for` > `if` > `try` > `for` > `if` is five levels.\n\
Fix: return or continue early, extract the inner levels into a function.",
};

impl Rule for DeepNesting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        check_function_metric(
            &META,
            file,
            out,
            &params.steps(),
            |f| f.max_nesting,
            |f, value, limit| {
                format!(
                    "`{}` nests control structures {value} levels deep (limit {limit})",
                    f.qualified_name
                )
            },
        );
    }
}
