//! `catch-generic-exception`: java catch of Exception, RuntimeException or Throwable.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct CatchGenericException;

static META: RuleMeta = RuleMeta {
    id: "catch-generic-exception",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Java catch of Exception, RuntimeException or Throwable",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Java],
    kinds: &[
        (Language::Java, &["catch_clause"]),
    ],
    doc: "What: a catch clause whose type is `Exception`, `RuntimeException` or `Throwable` (alone or in a multi-catch).\n\
Why: it catches programming errors (NullPointerException, ClassCastException) along with the failures you meant to handle, and hides them.\n\
Example: `catch (Exception e) { log.warn(\"failed\"); }`.\n\
Fix: catch the checked exceptions the block throws (`IOException`), and let the rest propagate.",
};

impl Rule for CatchGenericException {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let param = view
            .code_children(view.node)
            .find(|c| c.kind_name() == "catch_formal_parameter")?;
        let types = view
            .code_children(param)
            .find(|c| c.kind_name() == "catch_type")?;
        let generic = view.code_children(types).map(|t| view.text(t)).find(|t| {
            let simple = t.rsplit('.').next().unwrap_or(t);
            matches!(simple, "Exception" | "RuntimeException" | "Throwable")
        })?;
        Some(format!(
            "catching `{generic}` also catches programming errors"
        ))
    }
}
