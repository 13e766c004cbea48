//! `star-import`: python `from module import *`.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct StarImport;

static META: RuleMeta = RuleMeta {
    id: "star-import",
    category: Category::Style,
    severity: Severity::Low,
    summary: "Python `from module import *`",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python],
    kinds: &[
        (Language::Python, &["import_from_statement"]),
    ],
    doc: "What: `from module import *`.\n\
Why: it hides where names come from, lets a new name in the module silently shadow yours, and defeats undefined-name checks.\n\
Example: `from os.path import *`.\n\
Fix: import the names you use (`from os.path import join, exists`) or the module (`import os.path`).",
};

impl Rule for StarImport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let star = view
            .code_children(view.node)
            .any(|c| c.kind_name() == "wildcard_import");
        let module = view.field("module_name").map_or("", |m| view.text(m));
        star.then(|| format!("`from {module} import *` hides where names come from"))
    }
}
