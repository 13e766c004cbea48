//! `explicit-any`: typeScript `any` type.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct ExplicitAny;

static META: RuleMeta = RuleMeta {
    id: "explicit-any",
    category: Category::Design,
    severity: Severity::Low,
    summary: "TypeScript `any` type",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::TypeScript, Language::Tsx],
    kinds: &[
        (Language::TypeScript, &["predefined_type"]),
        (Language::Tsx, &["predefined_type"]),
    ],
    doc: "What: a type annotation that is `any`.\n\
Why: `any` switches type checking off for the value and for everything it flows into.\n\
Example: `function parse(data: any)`.\n\
Fix: use a precise type, a generic, or `unknown` with a type guard.",
};

impl Rule for ExplicitAny {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        (view.text(view.node) == "any").then(|| {
            "`any` switches off type checking; use a precise type or `unknown`".to_string()
        })
    }
}
