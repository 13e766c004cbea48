//! `parse-incomplete`: C or C++ the grammar could not parse. wtfcb reads C and C++ without
//! their preprocessor, so a macro can hide from it what the compiler sees; an error there
//! says more about the tool than about the code, and is reported at `info` (it counts toward
//! `--fail-on` only when a config raises its severity).

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct ParseIncomplete;

static META: RuleMeta = RuleMeta {
    id: "parse-incomplete",
    category: Category::ErrorProne,
    severity: Severity::Info,
    summary: "C/C++ the grammar could not parse (macros, extensions): metrics may be off",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::C, Language::Cpp],
    kinds: &[],
    doc:
        "What: the C or C++ grammar found ERROR or MISSING nodes. wtfcb parses C and C++ \
without a preprocessor, so macro invocations that expand to declarations or statements \
(`ASSIGN_OR_RAISE(auto x, f());`), attribute and export macros, and compiler extensions can \
fail to parse in code that compiles. The first place is reported with the total count, the \
text there and how many functions around errors have approximate metrics.\n\
Why: the functions around an error are measured from a recovered tree; their numbers may be \
off, and code the grammar cannot read is not checked by the syntactic rules.\n\
Example: `ARROW_ASSIGN_OR_RAISE(auto buffer, AllocateBuffer(10));`.\n\
Fix: nothing in the code, when it compiles. Raise the severity (`[rules.parse-incomplete] \
severity = \"high\"`) to gate on it, or silence a file with `wtfcb: ignore-file[parse-incomplete]`.",
};

impl Rule for ParseIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        super::syntax_error::emit_first_error(
            &META,
            file,
            params,
            out,
            "place(s) the C/C++ grammar could not parse (read without a preprocessor)",
        );
    }
}
