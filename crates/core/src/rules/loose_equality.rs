//! `loose-equality`: `==` / `!=` in JavaScript or TypeScript, other than against null.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct LooseEquality;

static META: RuleMeta = RuleMeta {
    id: "loose-equality",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "`==` / `!=` in JavaScript or TypeScript, other than against null",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::JavaScript, Language::TypeScript, Language::Tsx],
    kinds: &[
        (Language::JavaScript, &["binary_expression"]),
        (Language::TypeScript, &["binary_expression"]),
        (Language::Tsx, &["binary_expression"]),
    ],
    doc: "What: the `==` and `!=` operators, unless one side is `null` (where `== null` deliberately matches both null and undefined).\n\
Why: they convert types before comparing, so `0 == \"\"`, `\"1\" == 1` and `[] == false` are all true.\n\
Example: `if (count == \"0\")`.\n\
Fix: use `===` and `!==`.",
};

impl Rule for LooseEquality {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let op = view.field("operator")?;
        let op = view.text(op);
        if !matches!(op, "==" | "!=") {
            return None;
        }
        let against_null = ["left", "right"]
            .iter()
            .any(|side| view.field(side).is_some_and(|s| s.kind_name() == "null"));
        (!against_null).then(|| format!("`{op}` converts types before comparing; use `{op}=`"))
    }
}
