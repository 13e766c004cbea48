//! `unwrap-call`: rust `.unwrap()` / `.expect()` outside tests.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;
use tree_sitter::Node;

/// `#[test]`, `#[cfg(test)]`, `#[tokio::test]`... among the attributes just before an item.
fn has_test_attribute(view: &NodeView, item: Node) -> bool {
    let mut prev = item.prev_named_sibling();
    while let Some(p) = prev {
        match p.kind_name() {
            "attribute_item" => {
                let text = view.text(p);
                if text.contains("test") && !text.contains("not(test)") {
                    return true;
                }
            }
            "line_comment" | "block_comment" => {}
            _ => return false,
        }
        prev = p.prev_named_sibling();
    }
    false
}

pub struct UnwrapCall;

static META: RuleMeta = RuleMeta {
    id: "unwrap-call",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Rust `.unwrap()` / `.expect()` outside tests",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[Language::Rust],
    kinds: &[
        (Language::Rust, &["call_expression"]),
    ],
    doc: "What: a `.unwrap()` or `.expect(...)` call on an Option or Result, outside test code (test files, `#[test]` functions and `#[cfg(test)]` modules are skipped).\n\
Why: it panics on None or Err, turning a recoverable condition into a crash.\n\
Example: `let port: u16 = env::var(\"PORT\").unwrap().parse().unwrap();`.\n\
Fix: propagate with `?`, handle the case with `match`/`if let`, or use `unwrap_or`/`unwrap_or_else`.",
};

impl Rule for UnwrapCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let f = view.field("function")?;
        if f.kind_name() != "field_expression" {
            return None;
        }
        let method = view.text(f.field("field")?);
        if !matches!(method, "unwrap" | "expect") {
            return None;
        }
        let in_test = view.path.iter().any(|a| {
            matches!(a.kind_name(), "function_item" | "mod_item") && has_test_attribute(view, *a)
        });
        (!in_test).then(|| format!("`.{method}()` panics on None or Err"))
    }
}
