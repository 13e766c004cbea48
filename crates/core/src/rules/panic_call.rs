//! `panic-call`: go `panic(...)` call.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct PanicCall;

static META: RuleMeta = RuleMeta {
    id: "panic-call",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Go `panic(...)` call",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Go],
    kinds: &[
        (Language::Go, &["call_expression"]),
    ],
    doc: "What: a call of the built-in `panic`.\n\
Why: a panic crashes the program unless recovered; library code should return errors and let the caller decide.\n\
Example: `if cfg == nil { panic(\"no config\") }`.\n\
Fix: return an error; keep panic for truly impossible states (and `Must...` helpers).",
};

impl Rule for PanicCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        // The callee starts where the call does: a call whose text does not start so is
        // ruled out before the field lookup (every call in a Go file comes here).
        if !view.starts_with_any(&["panic"]) {
            return None;
        }
        let f = view.field("function")?;
        (view.text(f) == "panic")
            .then(|| "`panic` crashes the program; return an error".to_string())
    }
}
