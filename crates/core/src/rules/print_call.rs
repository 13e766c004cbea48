//! `print-call`: java `System.out` / `System.err` print call.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct PrintCall;

static META: RuleMeta = RuleMeta {
    id: "print-call",
    category: Category::Style,
    severity: Severity::Info,
    summary: "Java `System.out` / `System.err` print call",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Java],
    kinds: &[(Language::Java, &["method_invocation"])],
    doc: "What: a method call on `System.out` or `System.err` (`println`, `print`, `printf`...).\n\
Why: console output bypasses the logging configuration: no levels, no destination, no structure.\n\
Example: `System.out.println(\"user=\" + user);`.\n\
Fix: use the project's logger (`log.info(...)`).",
};

impl Rule for PrintCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let object = view.text(view.field("object")?);
        let name = view.text(view.field("name")?);
        matches!(object, "System.out" | "System.err")
            .then(|| format!("`{object}.{name}` bypasses logging"))
    }
}
