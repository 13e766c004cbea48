//! Per-file facts read off the syntax tree in one pass: line kinds, functions, classes, imports
//! and syntax errors. These are plain serialisable data, so a cache can store them as they are.

mod extract;
mod names;

#[cfg(test)]
mod complexity_tests;

use serde::{Deserialize, Serialize};

pub use extract::extract;

/// Line counts the way tokei counts them: a line with any code is code, a line with only
/// comment text is a comment, a line with only whitespace is blank.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineCounts {
    pub total: u32,
    pub code: u32,
    pub comment: u32,
    pub blank: u32,
}

impl LineCounts {
    pub fn add(&mut self, other: &LineCounts) {
        self.total += other.total;
        self.code += other.code;
        self.comment += other.comment;
        self.blank += other.blank;
    }
}

/// A 1-based line and column (column in bytes, as tree-sitter and most editors count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub fn from_point(point: tree_sitter::Point) -> Position {
        Position {
            line: point.row as u32 + 1,
            column: point.column as u32 + 1,
        }
    }
}

/// A named function, method or bound closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// The name with its enclosing classes and functions: `Class.method`, `Type::method`.
    pub qualified_name: String,
    pub start_line: u32,
    pub end_line: u32,
    pub parameters: u32,
    pub code_lines: u32,
    /// McCabe cyclomatic complexity: 1 + decision points.
    pub cyclomatic: u32,
    /// SonarSource cognitive complexity.
    pub cognitive: u32,
    /// Deepest nesting of control structures (`if`, loops, `switch`, `try`) in the body.
    pub max_nesting: u32,
    /// Explicit `return` statements.
    pub returns: u32,
}

/// A class-like definition: class, struct, enum, union, interface, trait, impl block, module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub name: String,
    pub kind: String,
    pub start_line: u32,
    pub end_line: u32,
    pub methods: u32,
    pub code_lines: u32,
}

/// ERROR and MISSING nodes of the tree; a file with any is still counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxErrors {
    pub count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<Position>,
}

/// A TODO / FIXME / XXX / HACK marker in a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub line: u32,
    pub column: u32,
    pub tag: String,
    /// The comment line from the tag on, trimmed.
    pub text: String,
}

/// A `wtfcb: ignore[...]` or `wtfcb: ignore-file[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub line: u32,
    pub file_wide: bool,
    /// Rule ids; empty means every rule.
    pub rules: Vec<String>,
}

/// A node a syntactic rule flagged during the single pass; `analyze` turns it into a finding
/// when the rule is enabled for the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule in `rules::registry()`.
    pub rule: u16,
    pub start: Position,
    pub end: Position,
    /// The enclosing function or class.
    pub symbol: Option<String>,
    pub message: String,
}

/// Everything `scan` knows about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub lines: LineCounts,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub imports: Vec<String>,
    pub syntax_errors: SyntaxErrors,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub todos: Vec<Todo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    /// Syntactic rules' hits; consumed by the rules, never reported as they are.
    #[serde(skip)]
    pub hits: Vec<Hit>,
}
