//! `large-file`: a file with too many code lines.

use super::{graded, Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct LargeFile;

static META: RuleMeta = RuleMeta {
    id: "large-file",
    category: Category::Size,
    severity: Severity::Low,
    summary: "File with too many lines of code",
    thresholds: &[("low", 1000)],
    graded: true,
    on_by_default: true,
    skips_tests: true,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: counts the code lines of a file (not blank, not comment-only).\n\
Why: very large files mix concerns and are slow to navigate and review.\n\
Example: a 3,000-line `utils.py`.\n\
Fix: split the file into modules by topic.",
};

impl Rule for LargeFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        let code = file.facts.lines.code;
        if let Some((severity, limit)) = graded(code, &params.steps()) {
            let message = format!("file has {code} code lines (limit {limit})");
            out.emit(
                &META,
                severity,
                message,
                (1, 1),
                (file.facts.lines.total.max(1), 1),
                None,
            );
        }
    }
}
