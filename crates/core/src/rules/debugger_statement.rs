//! `debugger-statement`: debugger breakpoint left in code.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};

use crate::lang::Language;

pub struct DebuggerStatement;

static META: RuleMeta = RuleMeta {
    id: "debugger-statement",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Debugger breakpoint left in code",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python, Language::JavaScript, Language::TypeScript, Language::Tsx, Language::Ruby],
    kinds: &[
        (Language::Python, &["call"]),
        (Language::JavaScript, &["debugger_statement"]),
        (Language::TypeScript, &["debugger_statement"]),
        (Language::Tsx, &["debugger_statement"]),
        (Language::Ruby, &["call", "identifier"]),
    ],
    doc: "What: Python `breakpoint()` and `pdb.set_trace()` (also ipdb, pudb); the JavaScript/TypeScript `debugger` statement; Ruby `binding.pry`, `binding.irb`, `byebug` and `debugger`.\n\
Why: a forgotten breakpoint stops the program waiting for a debugger in production or in CI.\n\
Example: `import pdb; pdb.set_trace()`.\n\
Fix: remove it before committing; use logging or a conditional breakpoint in the IDE.",
};

impl Rule for DebuggerStatement {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let node = view.node;
        let text = match (view.lang, node.kind_name()) {
            // The callee is the call's first child: most calls are ruled out by their text.
            (Language::Python, "call")
                if !view.starts_with_any(&["breakpoint", "pdb.", "ipdb.", "pudb."]) =>
            {
                return None
            }
            (Language::Python, "call") => {
                let f = view.text(view.field("function")?);
                let hit = f == "breakpoint"
                    || matches!(f, "pdb.set_trace" | "ipdb.set_trace" | "pudb.set_trace");
                hit.then_some(f)?
            }
            (Language::Ruby, "call") => {
                let receiver = view.text(view.field("receiver")?);
                let method = view.text(view.field("method")?);
                (receiver == "binding" && matches!(method, "pry" | "irb"))
                    .then_some(view.text(node))?
            }
            (Language::Ruby, "identifier") => {
                let name = view.text(node);
                // A bare `byebug` / `debugger` statement, not a variable of that name.
                let statement = view.parent().is_some_and(|p| {
                    matches!(
                        p.kind_name(),
                        "program"
                            | "body_statement"
                            | "then"
                            | "else"
                            | "do"
                            | "begin"
                            | "ensure"
                            | "block_body"
                            | "if_modifier"
                            | "unless_modifier"
                    )
                });
                (statement && matches!(name, "byebug" | "debugger")).then_some(name)?
            }
            _ => "debugger",
        };
        Some(format!("debugger breakpoint `{text}` left in code"))
    }
}
