//! `var-declaration`: `var` declaration in JavaScript or TypeScript.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct VarDeclaration;

static META: RuleMeta = RuleMeta {
    id: "var-declaration",
    category: Category::Style,
    severity: Severity::Low,
    summary: "`var` declaration in JavaScript or TypeScript",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::JavaScript, Language::TypeScript, Language::Tsx],
    kinds: &[
        (Language::JavaScript, &["variable_declaration"]),
        (Language::TypeScript, &["variable_declaration"]),
        (Language::Tsx, &["variable_declaration"]),
    ],
    doc: "What: a variable declared with `var`.\n\
Why: `var` is function-scoped and hoisted, so a variable leaks out of its block and can be used before it is assigned.\n\
Example: `for (var i = 0; i < n; i++) handlers.push(() => i);` captures one shared `i`.\n\
Fix: use `const`, or `let` when the variable is reassigned.",
};

impl Rule for VarDeclaration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, _view: &NodeView) -> Option<String> {
        Some("`var` is function-scoped and hoisted; use `let` or `const`".to_string())
    }
}
