//! `console-call`: `console.*` call in JavaScript or TypeScript.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct ConsoleCall;

static META: RuleMeta = RuleMeta {
    id: "console-call",
    category: Category::Style,
    severity: Severity::Low,
    summary: "`console.*` call in JavaScript or TypeScript",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::JavaScript, Language::TypeScript, Language::Tsx],
    kinds: &[
        (Language::JavaScript, &["call_expression"]),
        (Language::TypeScript, &["call_expression"]),
        (Language::Tsx, &["call_expression"]),
    ],
    doc: "What: a call of `console.log`, `console.debug` or any other `console` method.\n\
Why: debugging output left in shipped code clutters users' consoles and can leak data.\n\
Example: `console.log(user)`.\n\
Fix: remove it, or use the project's logger.",
};

impl Rule for ConsoleCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        // The callee, and its object, start where the call does: most calls are ruled out
        // without a field lookup (2,770 calls cost 3.1 million instructions on the npm sample).
        if !view.starts_with_any(&["console"]) {
            return None;
        }
        let f = view.field("function")?;
        let object = f.field("object")?;
        (f.kind_name() == "member_expression" && view.text(object) == "console")
            .then(|| format!("`{}` call", view.text(f)))
    }
}
