//! `assert-outside-tests`: python `assert` in non-test code.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct AssertOutsideTests;

static META: RuleMeta = RuleMeta {
    id: "assert-outside-tests",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Python `assert` in non-test code",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[Language::Python],
    kinds: &[
        (Language::Python, &["assert_statement"]),
    ],
    doc: "What: an `assert` statement outside test code.\n\
Why: `python -O` removes every assert, so a check that guards real input or state disappears in optimised runs.\n\
Example: `assert user.is_admin`.\n\
Fix: raise an exception (`if not user.is_admin: raise PermissionError(...)`); keep assert for invariants in tests.",
};

impl Rule for AssertOutsideTests {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, _view: &NodeView) -> Option<String> {
        Some(
            "`assert` is removed under `python -O`; raise an exception for checks that must hold"
                .to_string(),
        )
    }
}
