//! `duplicate-code`: the same code in more than one place. A project rule: it runs on every
//! file's clone tokens once all files are read (see `project::clones`).

use super::{Rule, RuleMeta};
use crate::findings::{Category, Severity};

pub struct DuplicateCode;

pub static META: RuleMeta = RuleMeta {
    id: "duplicate-code",
    category: Category::Duplication,
    severity: Severity::Low,
    summary: "the same code (names and literal values aside) in more than one place",
    thresholds: &[("tokens", 50), ("lines", 6)],
    graded: false,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::Project,
    languages: &[],
    kinds: &[],
    doc: "What: a run of at least `tokens` tokens over at least `lines` lines that appears more \
than once, in one file or across files, with the same keywords, operators and punctuation in \
the same order. By default names and literal values may differ (Type-2 clones: `a + b` and \
`x + y` match, `a + b` and `a - b` never do; a string literal is one token, `\"\"` and `\"x\"` alike); \
`--duplicates exact` matches identical text only. \
Comments, import / `use` / `#include` statements and data tables (long runs of literals) are \
not compared, so shared licence headers and import blocks are no clone. Each group of copies \
is reported once, at its first place by path and line, with the other copies as related \
locations. Test code is not compared (as in Sonar): copies in tests are how tests are written. \
Files are compared within a language family: JavaScript, TypeScript and TSX \
together, C and C++ together, each other language on its own.\n\
Why: a fix made in one copy and not the others is a classic source of bugs; copies are \
candidates for one shared function.\n\
Example: the same 12-line validation block pasted into two request handlers.\n\
Fix: extract the shared code into a function (or a table-driven helper), or, when the copies \
must stay apart, suppress the finding at its first place.",
};

impl Rule for DuplicateCode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
