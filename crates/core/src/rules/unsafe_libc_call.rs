//! `unsafe-libc-call`: c/C++ call of gets, strcpy, strcat, sprintf or vsprintf.

use super::{NodeView, Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct UnsafeLibcCall;

static META: RuleMeta = RuleMeta {
    id: "unsafe-libc-call",
    category: Category::Security,
    severity: Severity::High,
    summary: "C/C++ call of gets, strcpy, strcat, sprintf or vsprintf",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::C, Language::Cpp],
    kinds: &[
        (Language::C, &["call_expression"]),
        (Language::Cpp, &["call_expression"]),
    ],
    doc: "What: a call of `gets`, `strcpy`, `strcat`, `sprintf` or `vsprintf` (also as `std::`).\n\
Why: none of them knows the destination's size, so long input overflows the buffer: the classic memory-corruption vulnerability.\n\
Example: `char buf[16]; strcpy(buf, argv[1]);`.\n\
Fix: use the bounded forms (`fgets`, `snprintf`, `strlcpy`/`strncat` with care) or `std::string`.",
};

impl Rule for UnsafeLibcCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        // The callee starts where the call does: most calls are ruled out by their first
        // bytes before the field lookup.
        const STARTS: [&str; 6] = ["gets", "strcpy", "strcat", "sprintf", "vsprintf", "std::"];
        if !view.starts_with_any(&STARTS) {
            return None;
        }
        let f = view.text(view.field("function")?);
        let name = f.strip_prefix("std::").unwrap_or(f);
        matches!(name, "gets" | "strcpy" | "strcat" | "sprintf" | "vsprintf")
            .then(|| format!("`{f}` does not check the destination size"))
    }
}
