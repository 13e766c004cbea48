//! `mutable-default-argument`: python parameter default that is a mutable list, dict or set.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct MutableDefaultArgument;

static META: RuleMeta = RuleMeta {
    id: "mutable-default-argument",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Python parameter default that is a mutable list, dict or set",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python],
    kinds: &[
        (Language::Python, &["default_parameter", "typed_default_parameter"]),
    ],
    doc: "What: a parameter whose default value is a list, dict or set literal or comprehension, or a `list()`/`dict()`/`set()` call.\n\
Why: the default is built once, when the function is defined, and shared by every call; mutating it leaks state between calls.\n\
Example: `def add(item, seen=[]): seen.append(item)`.\n\
Fix: default to `None` and create the object inside: `seen = [] if seen is None else seen`.",
};

impl Rule for MutableDefaultArgument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let value = view.field("value")?;
        let mutable = match value.kind_name() {
            "list"
            | "dictionary"
            | "set"
            | "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension" => true,
            "call" => value.field("function").is_some_and(|f| {
                matches!(
                    view.text(f),
                    "list" | "dict" | "set" | "bytearray" | "defaultdict"
                )
            }),
            _ => false,
        };
        let name = view.field("name").map_or("", |n| view.text(n));
        mutable.then(|| {
            format!(
                "parameter `{name}` defaults to a mutable `{}`, shared by every call",
                view.text(value).chars().take(40).collect::<String>()
            )
        })
    }
}
