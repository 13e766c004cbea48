//! `unsafe-block`: rust `unsafe` block.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct UnsafeBlock;

static META: RuleMeta = RuleMeta {
    id: "unsafe-block",
    category: Category::Security,
    severity: Severity::Info,
    summary: "Rust `unsafe` block",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Rust],
    kinds: &[
        (Language::Rust, &["unsafe_block"]),
    ],
    doc: "What: an `unsafe { ... }` block.\n\
Why: inside it the compiler no longer guarantees memory safety; each one deserves review and a `// SAFETY:` comment.\n\
Example: `unsafe { *ptr.add(i) }`.\n\
Fix: use a safe API where one exists; otherwise keep the block minimal and document why it is sound.",
};

impl Rule for UnsafeBlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, _view: &NodeView) -> Option<String> {
        Some("`unsafe` block: memory safety rests on this code".to_string())
    }
}
