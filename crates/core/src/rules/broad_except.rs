//! `broad-except`: python `except Exception` / `except BaseException` that does not re-raise.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct BroadExcept;

static META: RuleMeta = RuleMeta {
    id: "broad-except",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Python `except Exception` / `except BaseException` that does not re-raise",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python],
    kinds: &[
        (Language::Python, &["except_clause"]),
    ],
    doc: "What: an except clause that catches `Exception` or `BaseException` (alone, with `as`, or in a tuple) and neither re-raises nor logs the error with its traceback (`logger.exception(...)`, `exc_info=`).\n\
Why: it swallows every error, including the bugs you did not anticipate, and hides them from callers and logs.\n\
Example: `except Exception: return None`.\n\
Fix: catch the specific exceptions the block can raise; or re-raise (`raise`) after logging.",
};

impl Rule for BroadExcept {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let broad = broad_type(view)?;
        let body = view
            .code_children(view.node)
            .find(|c| c.kind_name() == "block")?;
        let reraises = view
            .code_children(body)
            .any(|s| s.kind_name() == "raise_statement");
        // `logger.exception(...)` or `exc_info=True` records the error with its traceback
        // (ruff's BLE001 accepts both).
        let text = view.text(body);
        let logs = text.contains(".exception(") || text.contains("exc_info=");
        (!reraises && !logs)
            .then(|| format!("`except {broad}` catches every error and does not re-raise"))
    }
}

/// The type a Python except clause catches (alone, with `as`, or in a tuple); `None` for a
/// bare `except:`.
fn caught<'t>(view: &NodeView<'t, '_>) -> Option<tree_sitter::Node<'t>> {
    let caught = view.field("value").or_else(|| {
        view.code_children(view.node)
            .find(|c| c.kind_name() != "block")
    })?;
    match caught.kind_name() {
        "as_pattern" => caught.named_child(0),
        _ => Some(caught),
    }
}

/// `Exception` or `BaseException` when a Python except clause catches either.
pub(super) fn broad_type<'v>(view: &'v NodeView) -> Option<&'v str> {
    let caught = caught(view)?;
    let mut names = vec![caught];
    if matches!(caught.kind_name(), "tuple" | "parenthesized_expression") {
        names = view.code_children(caught).collect();
    }
    names
        .iter()
        .map(|n| view.text(*n))
        .find(|t| matches!(*t, "Exception" | "BaseException"))
}

/// Whether a Python except clause names a type narrower than `Exception`/`BaseException`.
pub(super) fn narrow_type(view: &NodeView) -> bool {
    caught(view).is_some() && broad_type(view).is_none()
}
