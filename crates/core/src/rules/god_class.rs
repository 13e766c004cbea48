//! `god-class`: a class with too many methods or too much code.

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct GodClass;

static META: RuleMeta = RuleMeta {
    id: "god-class",
    category: Category::Design,
    severity: Severity::Medium,
    summary: "Class with too many methods or lines of code",
    thresholds: &[("methods", 20), ("code-lines", 500)],
    graded: false,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: a class, struct, trait or impl block with more than 20 methods, or with more \
than 500 code lines and a method of its own (a namespace module that only holds classes is not \
one).\n\
Why: such classes gather unrelated responsibilities and become the place every change lands.\n\
Example: a `Manager` class with 45 methods for parsing, storage and rendering.\n\
Fix: split it along its responsibilities; move behaviour next to the data it uses.",
};

impl Rule for GodClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        let (max_methods, max_lines) = (params.limit("methods"), params.limit("code-lines"));
        for class in &file.facts.classes {
            let message = if class.methods > max_methods {
                format!(
                    "`{}` has {} methods (limit {max_methods})",
                    class.name, class.methods
                )
            } else if class.code_lines > max_lines && class.methods > 0 {
                // A class with no method of its own (a namespace module holding classes, a
                // table of constants) is not one place where changes land, however long.
                format!(
                    "`{}` has {} code lines (limit {max_lines})",
                    class.name, class.code_lines
                )
            } else {
                continue;
            };
            out.emit(
                &META,
                params.severity,
                message,
                (class.start_line, 1),
                (class.end_line, 1),
                Some(&class.name),
            );
            out.reach_back(class.start_line.saturating_sub(class.lead));
        }
    }
}
