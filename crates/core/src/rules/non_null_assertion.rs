//! `non-null-assertion`: typeScript non-null assertion `x!`.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct NonNullAssertion;

static META: RuleMeta = RuleMeta {
    id: "non-null-assertion",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "TypeScript non-null assertion `x!`",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::TypeScript, Language::Tsx],
    kinds: &[
        (Language::TypeScript, &["non_null_expression"]),
        (Language::Tsx, &["non_null_expression"]),
    ],
    doc: "What: the postfix `!` that tells TypeScript a value is not null or undefined.\n\
Why: it silences the compiler without checking, so a null slips through as a crash later.\n\
Example: `document.getElementById(\"app\")!.append(node)`.\n\
Fix: check for null (`if (!el) throw ...`), use optional chaining (`?.`) or a default (`??`).",
};

impl Rule for NonNullAssertion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let text = view.text(view.node);
        let shown: String = text.chars().take(40).collect();
        Some(format!(
            "non-null assertion `{shown}` is not checked at run time"
        ))
    }
}
