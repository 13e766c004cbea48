//! `goto-statement`: c/C++ `goto`.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct GotoStatement;

static META: RuleMeta = RuleMeta {
    id: "goto-statement",
    category: Category::Design,
    severity: Severity::Low,
    summary: "C/C++ `goto`",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::C, Language::Cpp],
    kinds: &[
        (Language::C, &["goto_statement"]),
        (Language::Cpp, &["goto_statement"]),
    ],
    doc: "What: a `goto` statement.\n\
Why: jumps make control flow hard to follow and to change; they are counted by cognitive complexity too.\n\
Example: `if (err) goto fail;`.\n\
Fix: use structured control flow (early return, loops with break); in C, a single cleanup label at the end of a function is the accepted exception, so suppress the finding there.",
};

impl Rule for GotoStatement {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let label = view.field("label").map_or("", |l| view.text(l));
        Some(format!("`goto {label}` jumps across control flow"))
    }
}
