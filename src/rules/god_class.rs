//! `god-class`: a class with too many methods or too much code.

use super::{Emitter, FileContext, Rule, RuleMeta};
use crate::findings::{Category, Severity};

pub struct GodClass;

const MAX_METHODS: u32 = 20;
const MAX_CODE_LINES: u32 = 500;

static META: RuleMeta = RuleMeta {
    id: "god-class",
    category: Category::Design,
    severity: Severity::Medium,
    summary: "Class with too many methods or lines of code",
    thresholds: "medium > 20 methods or > 500 code lines",
    languages: &[],
    doc: "What: a class, struct, trait or impl block with more than 20 methods or more than 500 \
code lines.\n\
Why: such classes gather unrelated responsibilities and become the place every change lands.\n\
Example: a `Manager` class with 45 methods for parsing, storage and rendering.\n\
Fix: split it along its responsibilities; move behaviour next to the data it uses.",
};

impl Rule for GodClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, out: &mut Emitter) {
        for class in &file.facts.classes {
            let message = if class.methods > MAX_METHODS {
                format!(
                    "`{}` has {} methods (limit {MAX_METHODS})",
                    class.name, class.methods
                )
            } else if class.code_lines > MAX_CODE_LINES {
                format!(
                    "`{}` has {} code lines (limit {MAX_CODE_LINES})",
                    class.name, class.code_lines
                )
            } else {
                continue;
            };
            out.emit(
                &META,
                META.severity,
                message,
                (class.start_line, 1),
                (class.end_line, 1),
                Some(&class.name),
            );
        }
    }
}
