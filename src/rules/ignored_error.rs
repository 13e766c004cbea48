//! `ignored-error`: go call whose last result (the error) is assigned to `_`.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct IgnoredError;

static META: RuleMeta = RuleMeta {
    id: "ignored-error",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Go call whose last result (the error) is assigned to `_`",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    languages: &[Language::Go],
    kinds: &[
        (Language::Go, &["short_var_declaration", "assignment_statement"]),
    ],
    doc: "What: an assignment from a single call whose last target is `_` (`v, _ := f()`, `_ = f()`). By Go convention the last result is the error; without type information this rule relies on that convention.\n\
Why: an ignored error lets the program continue with a zero value as if all went well.\n\
Example: `n, _ := strconv.Atoi(s)`.\n\
Fix: check the error (`if err != nil { return err }`), or comment why it cannot fail.",
};

impl Rule for IgnoredError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let left = view.field("left")?;
        let right = view.field("right")?;
        let last = view.code_children(left).last()?;
        let mut values = view.code_children(right);
        let call = values.next()?;
        if values.next().is_some()
            || call.kind_name() != "call_expression"
            || view.text(last) != "_"
        {
            return None;
        }
        let callee = call.field("function").map_or("", |f| view.text(f));
        Some(format!(
            "the error result of `{callee}(...)` is assigned to `_`"
        ))
    }
}
