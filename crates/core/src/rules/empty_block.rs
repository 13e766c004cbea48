//! `empty-block`: empty function body or catch/except/rescue block without a comment.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};

use tree_sitter::Node;

use crate::lang::Language;

fn has_comment(node: Node) -> bool {
    crate::facts::walk::named_children(node).any(|c| c.kind_name() == "comment")
}

/// An empty function that is an idiom, not an omission: a Go method (how a type meets an
/// interface's method it has no use for, `func (*gceMetrics) Unregister() {}`), or a Rust
/// generic function with bounds (a compile-time assertion, `fn assert_send<T: Send>() {}`,
/// whose signature is the point).
fn deliberate_no_op(view: &NodeView) -> bool {
    let node = view.node;
    match view.lang {
        Language::Go => node.kind_name() == "method_declaration",
        Language::Rust => {
            node.field("type_parameters")
                .is_some_and(|t| view.text(t).contains(':'))
                || (0..node.named_child_count())
                    .filter_map(|i| node.named_child(i))
                    .any(|c| c.kind_name() == "where_clause")
                || in_trait_impl(view)
        }
        Language::Python
        | Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Java
        | Language::C
        | Language::Cpp
        | Language::Ruby => false,
    }
}

/// Whether a Rust function is a method of `impl Trait for Type` (the trait asks for it, and
/// `fn write_u8(&mut self, _: u8) {}` is that type's no-op, as a Go method is) or a trait's
/// default method (a no-op a type may replace).
fn in_trait_impl(view: &NodeView) -> bool {
    let n = view.path.len();
    n >= 2
        && view.path[n - 1].kind_name() == "declaration_list"
        && (view.path[n - 2].kind_name() == "trait_item"
            || (view.path[n - 2].kind_name() == "impl_item"
                && view.path[n - 2].field("trait").is_some()))
}

pub struct EmptyBlock;

static META: RuleMeta = RuleMeta {
    id: "empty-block",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "Empty function body or catch/except/rescue block without a comment",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[
        (Language::Python, &["function_definition", "except_clause"]),
        (Language::JavaScript, &["function_declaration", "function_expression", "method_definition", "generator_function_declaration", "catch_clause"]),
        (Language::TypeScript, &["function_declaration", "function_expression", "method_definition", "generator_function_declaration", "catch_clause"]),
        (Language::Tsx, &["function_declaration", "function_expression", "method_definition", "generator_function_declaration", "catch_clause"]),
        (Language::Rust, &["function_item"]),
        (Language::Go, &["function_declaration", "method_declaration"]),
        (Language::Java, &["method_declaration", "catch_clause"]),
        (Language::C, &["function_definition"]),
        (Language::Cpp, &["function_definition", "catch_clause"]),
        (Language::Ruby, &["method", "singleton_method", "rescue"]),
    ],
    doc: "What: a function or method whose body is empty (`{}`, or only `pass` in Python), or a catch/except/rescue block that is empty, with no comment inside; in Python only an `except:`, `except Exception:` or `except BaseException:` block (a narrower type, `except ImportError: pass`, names what it lets go, as ruff's S110 holds). Arrow functions and lambdas (often deliberate no-ops), constructors, Go methods and Rust methods of a trait or its implementation (a type's no-op for an interface or trait method, a trait's default) and Rust generic functions with bounds (compile-time assertions such as `fn assert_send<T: Send>() {}`) are not reported.\n\
Why: an empty handler swallows errors silently; an empty function is either unfinished or a deliberate no-op that deserves a comment saying so.\n\
Example: `try { save(); } catch (e) {}`.\n\
Fix: handle or log the error, or write a comment that explains why nothing needs to happen.",
};

impl Rule for EmptyBlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let node = view.node;
        let (what, empty) = match (view.lang, node.kind_name()) {
            (Language::Python, kind) => python_block(view, kind)?,
            (Language::Ruby, "rescue") => (
                "rescue block",
                node.field("body").is_none() && !has_comment(node),
            ),
            (Language::Ruby, _) => {
                let body = view.code_children(node).any(|c| {
                    !matches!(
                        c.kind_name(),
                        "identifier"
                            | "method_parameters"
                            | "constant"
                            | "self"
                            | "operator"
                            | "setter"
                    )
                });
                ("method body", !body && !has_comment(node))
            }
            (_, "catch_clause") => {
                let body = node
                    .field("body")
                    .or_else(|| node.named_child(node.named_child_count().checked_sub(1)?))?;
                ("catch block", body.named_child_count() == 0)
            }
            (_, _) => {
                let body = node.field("body")?;
                // Most bodies hold something: ruled out before the name and the declarator
                // are read.
                if body.named_child_count() != 0 {
                    return None;
                }
                let declarator = node.field("declarator").map_or("", |d| view.text(d));
                // C++ constructors, destructors and conversion operators are the functions
                // without a return type: `Foo() {}`, `Foo::Foo(long l) : a_(l) {}`, `~Foo() {}`.
                let constructor = matches!(
                    view.field("name").map(|n| view.text(n)),
                    Some("constructor")
                ) || declarator.contains('~')
                    || (view.lang == Language::Cpp && view.field("type").is_none());
                if constructor
                    || deliberate_no_op(view)
                    || !matches!(
                        body.kind_name(),
                        "statement_block" | "block" | "compound_statement"
                    )
                {
                    return None;
                }
                ("function body", true)
            }
        };
        if !empty {
            return None;
        }
        // A function's finding names it (the symbol may be the class around a nested one).
        let name = matches!(what, "function body" | "method body")
            .then(|| crate::facts::names::function_name(node, view.lang, view.src))
            .flatten()
            .map_or(String::new(), |n| format!(" of `{n}`"));
        Some(format!("empty {what}{name} without a comment"))
    }
}

/// What a Python function or except clause is and whether it is empty (`pass` alone, no
/// comment); `None` for an except clause that names a narrow type (see `broad_except::narrow_type`).
fn python_block(view: &NodeView, kind: &str) -> Option<(&'static str, bool)> {
    let node = view.node;
    // A function's block is its `body` field, found without listing its children; an
    // `except` clause's block has no field.
    let block = match kind {
        "function_definition" => node.field("body").filter(|b| b.kind_name() == "block")?,
        _ => view
            .code_children(node)
            .find(|c| c.kind_name() == "block")?,
    };
    let only_pass = view
        .code_children(block)
        .all(|s| s.kind_name() == "pass_statement");
    // A comment before the first statement belongs to the clause, not the block. Looked for
    // only in a block of `pass` alone (it costs a walk of the children).
    let commented = only_pass && (has_comment(node) || has_comment(block));
    if kind != "except_clause" {
        return Some(("function body", only_pass && !commented));
    }
    // `except ImportError: pass` names what it lets go: a decision in the code (ruff's S110
    // and bandit report only `except:` and `except Exception:`).
    if super::broad_except::narrow_type(view) {
        return None;
    }
    Some(("except block", only_pass && !commented))
}
