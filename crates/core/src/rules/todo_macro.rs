//! `todo-macro`: rust `todo!`, `unimplemented!` or `dbg!` left in code.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct TodoMacro;

static META: RuleMeta = RuleMeta {
    id: "todo-macro",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Rust `todo!`, `unimplemented!` or `dbg!` left in code",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Rust],
    kinds: &[
        (Language::Rust, &["macro_invocation"]),
    ],
    doc: "What: an invocation of `todo!`, `unimplemented!` or `dbg!`.\n\
Why: the first two panic when reached; `dbg!` prints to stderr. All three are scaffolding that should not ship.\n\
Example: `fn save(&self) -> io::Result<()> { todo!() }`.\n\
Fix: implement the code path, return an error, or remove the `dbg!`.",
};

impl Rule for TodoMacro {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let name = view.text(view.field("macro")?);
        let name = name.rsplit("::").next().unwrap_or(name);
        match name {
            "todo" | "unimplemented" => Some(format!("`{name}!` panics when reached")),
            "dbg" => Some("`dbg!` prints to stderr; remove it before shipping".to_string()),
            _ => None,
        }
    }
}
