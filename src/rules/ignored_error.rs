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
    doc: "What: an assignment from a single call of two or more results whose last target is `_` (`v, _ := f()`). By Go convention the last result is the error; for a function declared in the same file its signature decides (a last result that is not `error` drops no error). A lone `_ = f()` is a discard in plain sight, which errcheck's defaults accept too.\n\
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
        // `_ = f()` discards on purpose, in plain sight: errcheck's default accepts it.
        if view.code_children(left).count() == 1 {
            return None;
        }
        let callee = call.field("function").map_or("", |f| view.text(f));
        // A function of this file whose last result is not an `error` drops no error.
        if call
            .field("function")
            .is_some_and(|f| f.kind_name() == "identifier")
            && declared_result(view, callee).is_some_and(|last| last != "error")
        {
            return None;
        }
        Some(format!(
            "the error result of `{callee}(...)` is assigned to `_`"
        ))
    }
}

/// The type of the last result of the function `name` declared at the top level of this
/// file, if it is (`(*Head, *wlog.WL)` ends in `*wlog.WL`). Bounded: the file's top-level
/// declarations, at most 10,000 of them.
fn declared_result(view: &NodeView, name: &str) -> Option<String> {
    let mut root = view.node;
    while let Some(parent) = root.parent() {
        root = parent;
    }
    let count = root.named_child_count().min(10_000);
    let decl = (0..count)
        .filter_map(|i| root.named_child(i))
        .filter(|d| d.kind_name() == "function_declaration")
        .find(|d| d.field("name").is_some_and(|n| view.text(n) == name))?;
    let Some(result) = decl.field("result") else {
        return Some(String::new());
    };
    if result.kind_name() != "parameter_list" {
        return Some(view.text(result).to_string());
    }
    let last = result.named_child(result.named_child_count().checked_sub(1)?)?;
    let ty = last.field("type").unwrap_or(last);
    Some(view.text(ty).to_string())
}
