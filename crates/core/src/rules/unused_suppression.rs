//! `unused-suppression`: a `wtfcb: ignore` comment that silences nothing (off by default, like
//! ruff's RUF100).

use super::{Emitter, FileContext, Rule, RuleMeta, RuleParams};
use crate::findings::{Category, Severity};

pub struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    id: "unused-suppression",
    category: Category::Style,
    severity: Severity::Low,
    summary: "Suppression comment that silences nothing",
    thresholds: &[],
    graded: false,
    on_by_default: false,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[],
    kinds: &[],
    doc: "What: a `wtfcb: ignore` or `ignore-file` comment, or one rule id in its list, that \
silences no finding of this run: the code it excused was fixed, moved, or the rule is off \
or names no rule at all.\n\
Why: stale suppressions hide the next real problem on that line and mislead readers.\n\
Example: an ignore for `bare-except` above a handler that now names its exception.\n\
Fix: delete the comment, or the rule id from its list.\n\
Off by default: turn it on with `--select unused-suppression` or `[rules.unused-suppression] \
enabled = true`.",
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}

/// Reports each suppression (or rule id in one) that silenced nothing. `used` holds, per
/// suppression of the file, the rule ids it silenced (`*` for a blanket one). Returns, per
/// finding emitted, the index of the suppression it is about.
pub fn report(
    file: &FileContext,
    params: &RuleParams,
    used: &[Vec<String>],
    out: &mut Emitter,
) -> Vec<usize> {
    let mut about = Vec::new();
    for (i, (s, used)) in file.facts.suppressions.iter().zip(used).enumerate() {
        // Another tool's comment is that tool's to judge.
        if s.peer {
            continue;
        }
        let directive = if s.file_wide { "ignore-file" } else { "ignore" };
        let message = if s.rules.is_empty() {
            if !used.is_empty() {
                continue;
            }
            format!("`wtfcb: {directive}` silences no finding")
        } else {
            // An ignore of this rule itself is judged on the findings of this rule; the
            // project rules' findings come after the files' own, so they are judged there
            // (`project::judge_project_suppressions`).
            let idle: Vec<String> = s
                .rules
                .iter()
                .filter(|id| *id != META.id && !used.contains(id))
                .filter(|id| !super::is_project_rule(id))
                .map(|id| match super::find(id) {
                    None => format!("`{id}` (no such rule)"),
                    Some(_) => format!("`{id}`"),
                })
                .collect();
            if idle.is_empty() {
                continue;
            }
            format!(
                "`wtfcb: {directive}` silences no finding of {}",
                idle.join(", ")
            )
        };
        let end = s.column + "wtfcb:".len() as u32 + directive.len() as u32 + 1;
        out.emit(
            &META,
            params.severity,
            message,
            (s.line, s.column),
            (s.line, end),
            None,
        );
        about.push(i);
    }
    about
}
