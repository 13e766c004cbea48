//! `todo-comment`: TODO, FIXME, XXX and HACK markers.

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct TodoComment;

static META: RuleMeta = RuleMeta {
    id: "todo-comment",
    category: Category::Docs,
    severity: Severity::Info,
    summary: "TODO / FIXME / XXX / HACK comment",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: a comment with a TODO, FIXME, XXX or HACK tag as a word of its own.\n\
Why: such notes record known debt; listing them keeps it visible.\n\
Example: `# TODO: handle timeouts`.\n\
Fix: do the work, or move the note to the issue tracker and link it.",
};

impl Rule for TodoComment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, file: &FileContext, params: &RuleParams, out: &mut Emitter) {
        for todo in &file.facts.todos {
            let end = todo.column + todo.text.len() as u32;
            out.emit(
                &META,
                params.severity,
                format!("{} comment: {}", todo.tag, todo.text),
                (todo.line, todo.column),
                (todo.line, end),
                None,
            );
        }
    }
}
