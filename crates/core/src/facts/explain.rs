//! Where a function's cognitive complexity comes from: each increment the fact pass counts,
//! with its line and what it is, as SonarSource's paper explains a score ("+1 if", "+2 for
//! (nesting 1)"). The editor's hover shows it; the fact pass records steps only when asked.

use tree_sitter::Node;

use crate::lang::{Language, Role};

/// One cognitive-complexity increment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The function it counts toward (its index in the file's functions).
    pub function: usize,
    /// 1-based.
    pub line: u32,
    /// What was counted: `if`, `else if`, `for`, `&&`, `recursion`...
    pub what: String,
    /// The whole increment, nesting included.
    pub increment: u32,
    /// The nesting part of it.
    pub nesting: u32,
}

/// Where an increment is counted: its node and what the node is.
#[derive(Clone, Copy)]
pub(super) struct At<'n, 's> {
    pub node: Node<'n>,
    pub role: Role,
    pub src: &'s str,
    /// An `if` that continues an else branch: a flat increment.
    pub else_if: bool,
}

impl Step {
    /// The step of an increment of `increment` at nesting level `nesting`, if any.
    pub(super) fn of(function: usize, at: At, increment: u32, nesting: u32) -> Option<Step> {
        if increment == 0 {
            return None;
        }
        let what = match at.role {
            Role::If if at.else_if => "else if".to_string(),
            Role::If => "if".into(),
            Role::ElseIf => "else if".into(),
            Role::Else => "else".into(),
            Role::Ternary => "?: (conditional expression)".into(),
            Role::Logical => logical_operator(at.node, at.src),
            Role::Call => "recursion".into(),
            Role::Jump => "break or continue to a label".into(),
            Role::Goto => "goto".into(),
            Role::LetElse => "let-else".into(),
            // The first word of the node kind names the structure in every grammar
            // (`for_statement`, `while_expression`, `catch_clause`, `except_clause`).
            _ => at.node.kind().split('_').next().unwrap_or("").to_string(),
        };
        // A structural increment carries the nesting level; a flat one does not.
        let structural = matches!(
            at.role,
            Role::Loop | Role::Switch | Role::Catch | Role::Ternary | Role::LetElse
        ) || (at.role == Role::If && !at.else_if);
        Some(Step {
            function,
            line: at.node.start_position().row as u32 + 1,
            what,
            increment,
            nesting: if structural { nesting } else { 0 },
        })
    }

    /// The `else` of a Go or Java `if` (the grammar hangs it off the `if`), if it has one.
    pub(super) fn of_else(function: usize, at: At, increment: u32) -> Option<Step> {
        if increment == 0 {
            return None;
        }
        let alternative = at.node.child_by_field_name("alternative")?;
        Some(Step {
            function,
            line: alternative.start_position().row as u32 + 1,
            what: "else".into(),
            increment,
            nesting: 0,
        })
    }

    /// `+2 for (nesting 1)`, `+1 and sequence`.
    pub fn describe(&self) -> String {
        if self.nesting > 0 {
            format!(
                "+{} {} (nesting {})",
                self.increment, self.what, self.nesting
            )
        } else {
            format!("+{} {}", self.increment, self.what)
        }
    }
}

/// The operator of a logical expression, as written.
fn logical_operator(node: Node, src: &str) -> String {
    node.child_by_field_name("operator")
        .and_then(|op| src.get(op.byte_range()))
        .map_or_else(|| "logical operator".into(), |op| format!("{op} sequence"))
}

/// The cognitive-complexity increments of the function spanning lines `start_line` to
/// `end_line` of `text` (the innermost such one), in source order. Parses in this process:
/// call it on text that a parser process has read without harm.
pub fn cognitive(language: Language, text: &str, start_line: u32, end_line: u32) -> Vec<Step> {
    let Ok(tree) = crate::parse::parse(language, text) else {
        return Vec::new();
    };
    let (facts, steps) =
        super::extract::extract_with(&tree, text, language, &super::checks::NoChecks, true);
    let Some(index) = facts
        .functions
        .iter()
        .rposition(|f| f.start_line == start_line && f.end_line == end_line)
    else {
        return Vec::new();
    };
    let mut mine: Vec<Step> = steps.into_iter().filter(|s| s.function == index).collect();
    mine.sort_by_key(|s| s.line);
    mine
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_add_up_to_the_score_and_say_what_each_is() {
        let text = "def f(xs, y):\n    for x in xs:\n        if x and y:\n            return f(x)\n        elif y:\n            pass\n        else:\n            pass\n";
        let tree = crate::parse::parse(Language::Python, text).unwrap();
        let facts = crate::facts::extract::extract(
            &tree,
            text,
            Language::Python,
            &crate::facts::checks::NoChecks,
        );
        let f = &facts.functions[0];
        let steps = cognitive(Language::Python, text, f.start_line, f.end_line);
        let described: Vec<(u32, String)> = steps.iter().map(|s| (s.line, s.describe())).collect();
        assert_eq!(
            described,
            [
                (2, "+1 for".to_string()),
                (3, "+2 if (nesting 1)".to_string()),
                (3, "+1 and sequence".to_string()),
                (4, "+1 recursion".to_string()),
                (5, "+1 else if".to_string()),
                (7, "+1 else".to_string()),
            ]
        );
        let total: u32 = steps.iter().map(|s| s.increment).sum();
        assert_eq!(total, f.cognitive);
    }
}
