//! `eval-exec`: code built from strings at run time: eval, exec, new Function, instance_eval.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};

use crate::lang::Language;

pub struct EvalExec;

static META: RuleMeta = RuleMeta {
    id: "eval-exec",
    category: Category::Security,
    severity: Severity::High,
    summary: "Code built from strings at run time: eval, exec, new Function, instance_eval",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python, Language::JavaScript, Language::TypeScript, Language::Tsx, Language::Ruby],
    kinds: &[
        (Language::Python, &["call"]),
        (Language::JavaScript, &["call_expression", "new_expression"]),
        (Language::TypeScript, &["call_expression", "new_expression"]),
        (Language::Tsx, &["call_expression", "new_expression"]),
        (Language::Ruby, &["call"]),
    ],
    doc: "What: Python `eval()`/`exec()`, JavaScript/TypeScript `eval()` and `new Function(...)`, Ruby `eval` and `instance_eval`/`class_eval`/`module_eval` given code that can come from outside (a variable, a call, a string that interpolates one; as RuboCop's Security/Eval judges). Not Ruby code of literal text, Rails' `class_eval <<~RUBY, __FILE__, __LINE__ + 1` idiom, or a block passed along (`instance_eval(&block)`).\n\
Why: running text as code invites code injection when any part of the text comes from outside, and defeats every static check.\n\
Example: `eval(request.args[\"expr\"])`.\n\
Fix: parse the data instead (`ast.literal_eval`, `JSON.parse`), dispatch through a table of allowed operations, or use a block instead of a string in Ruby.",
};

impl Rule for EvalExec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let (lang, node) = (view.lang, view.node);
        match (lang, node.kind_name()) {
            // The callee is the call's first child: most calls are ruled out by their text.
            (Language::Python, "call") if !view.starts_with_any(&["eval", "exec"]) => None,
            (_, "call_expression") if !view.starts_with_any(&["eval"]) => None,
            (Language::Python, "call") => {
                let f = view.text(view.field("function")?);
                matches!(f, "eval" | "exec").then(|| format!("`{f}()` runs a string as code"))
            }
            (_, "call_expression") => {
                let f = view.field("function")?;
                (f.kind_name() == "identifier" && view.text(f) == "eval")
                    .then(|| "`eval()` runs a string as code".to_string())
            }
            (_, "new_expression") => {
                let c = view.field("constructor")?;
                (view.text(c) == "Function")
                    .then(|| "`new Function(...)` compiles a string as code".to_string())
            }
            (Language::Ruby, "call") => {
                let method = view.text(view.field("method")?);
                let evals = match method {
                    "eval" => true,
                    "instance_eval" | "class_eval" | "module_eval" => view.field("block").is_none(),
                    _ => false,
                };
                if !evals {
                    return None;
                }
                let args = view.field("arguments")?;
                let code = args.named_child(0)?;
                ruby_code_from_outside(view, args, code)
                    .then(|| format!("`{method}` runs a string as code"))
            }
            _ => None,
        }
    }
}

/// Whether what a Ruby `eval`-like call runs (`code`, its first argument) can come from
/// outside the program, as RuboCop's `Security/Eval` judges: a variable or a call can, and so
/// can a string that interpolates one; a string of literal text cannot, nor Rails' own
/// metaprogramming idiom (`class_eval <<~RUBY, __FILE__, __LINE__ + 1`: a heredoc of code with
/// the place it stands at), nor a block passed along (`instance_eval(&block)` runs no string).
fn ruby_code_from_outside(
    view: &NodeView,
    args: tree_sitter::Node,
    code: tree_sitter::Node,
) -> bool {
    let any_child = |n: tree_sitter::Node, test: &dyn Fn(tree_sitter::Node) -> bool| {
        (0..n.named_child_count()).any(|i| n.named_child(i).is_some_and(test))
    };
    match code.kind_name() {
        "block_argument" => false,
        "string" => any_child(code, &|c| c.kind_name() == "interpolation"),
        "heredoc_beginning" => !any_child(args, &|a| view.text(a) == "__FILE__"),
        _ => true,
    }
}
