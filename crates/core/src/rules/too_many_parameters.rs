//! `too-many-parameters`: a function that takes too many parameters.

use super::{check_function_metric, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct TooManyParameters;

static META: RuleMeta = RuleMeta {
    id: "too-many-parameters",
    category: Category::Design,
    severity: Severity::Low,
    summary: "Function with too many parameters",
    thresholds: &[("low", 5), ("medium", 8)],
    graded: true,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc:
        "What: counts declared parameters, including `self`/`this` receivers written in the list, but a Python method's `self` or `cls` and Python's `*args` and `**kwargs` (as ruff's and pylint's too-many-arguments leave them out; the `parameters` metric counts them, as lizard does).\n\
Why: long parameter lists are easy to call wrongly and signal a missing abstraction.\n\
Example: `def connect(host, port, user, password, timeout, retries, tls)`.\n\
Fix: group related parameters into a struct, class or options object.",
};

impl Rule for TooManyParameters {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        check_function_metric(
            &META,
            file,
            out,
            &params.steps(),
            |f| f.parameters.saturating_sub(f.uncounted),
            |f, value, limit| {
                format!(
                    "`{}` takes {value} parameters (limit {limit})",
                    f.qualified_name
                )
            },
        );
    }
}
