//! Per-file facts read off the syntax tree in one pass: line kinds, functions, classes, imports
//! and syntax errors. These are plain serialisable data, so a cache can store them as they are.

pub mod checks;
pub mod explain;
pub mod extract;
pub mod field;
pub mod golang;
pub mod macros;
pub mod names;
pub mod peers;
pub mod tokens;
pub mod usage;
pub mod walk;

#[cfg(test)]
mod complexity_tests;
#[cfg(test)]
mod extract_tests;

use serde::{Deserialize, Serialize};

pub use extract::extract;

/// Line counts the way tokei counts them: a line with any code is code, a line with only
/// comment text is a comment, a line with only whitespace is blank.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Function {
    pub name: String,
    /// The name with its enclosing classes and functions: `Class.method`, `Type::method`.
    pub qualified_name: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Where the name is written (the function's start when it has none of its own, as an
    /// anonymous function): where findings on the function point.
    pub name_at: Position,
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
    /// The function overlaps a syntax error, so its metrics come from a recovered tree and may
    /// be off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// Of `parameters`, those `too-many-parameters` leaves out: a Python method's `self` or
    /// `cls` and `*args`/`**kwargs`, which `parameters` counts (as lizard does) and ruff and
    /// pylint do not.
    #[serde(skip)]
    pub uncounted: u32,
    /// Lines of decorators, attributes or a template header written above `start_line` and
    /// belonging to the function (`@cache`, `#[inline]`, `template <class T>`): a suppression
    /// above them reaches its findings. Not in reports; `start_line` is where lizard starts.
    #[serde(skip)]
    pub lead: u32,
}

/// A class-like definition: class, struct, enum, union, interface, trait, impl block, module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Class {
    pub name: String,
    pub kind: String,
    pub start_line: u32,
    pub end_line: u32,
    pub methods: u32,
    pub code_lines: u32,
    /// Lines of decorators or attributes above `start_line` (`@dataclass`, `#[derive(...)]`),
    /// as [`Function::lead`].
    #[serde(skip)]
    pub lead: u32,
}

/// ERROR and MISSING nodes of the tree; a file with any is still counted.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
pub struct SyntaxErrors {
    pub count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<Position>,
}

/// What the first syntax error is: the text the parser could not place (its first line, cut
/// short), or the token it expected and did not find, and the construct around it.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
pub struct FirstError {
    /// For an ERROR node, the source text there; for a MISSING one, the expected token.
    pub text: String,
    pub missing: bool,
    /// The kind of the node around it (`export_statement`, `jsx_attribute`).
    pub inside: String,
}

/// A TODO / FIXME / XXX / HACK marker in a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Todo {
    pub line: u32,
    pub column: u32,
    pub tag: String,
    /// The comment line from the tag on, trimmed.
    pub text: String,
}

/// A suppression comment: `wtfcb: ignore`, or `ignore-file` for the whole file, with an optional
/// bracketed list of rule ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Suppression {
    pub line: u32,
    /// Where `wtfcb:` starts (1-based, bytes).
    pub column: u32,
    pub file_wide: bool,
    /// Rule ids; empty means every rule.
    pub rules: Vec<String>,
    /// Another tool's comment (`//nolint`, `# noqa`, `eslint-disable`, `rubocop:disable`) read
    /// as the wtfcb rules it stands for (see `facts::peers`): never judged unused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    /// For a region (`eslint-disable` ... `eslint-enable`, RuboCop's own-line disable): the
    /// last line it covers (`u32::MAX`: to the end of the file); 0 for none.
    #[serde(default)]
    pub until: u32,
}

impl Suppression {
    /// Whether the suppression reaches a finding whose first covered line is `from` and whose
    /// own line is `line`: its line or the one above, a region holding it, or the whole file.
    pub fn reaches(&self, from: u32, line: u32) -> bool {
        self.file_wide
            || (from.saturating_sub(1)..=line).contains(&self.line)
            || (self.until > 0 && self.line <= line && line <= self.until)
    }
}

/// Average and maximum of one metric over a file's functions.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
pub struct Stat {
    /// Rounded to two decimals, so reports are stable.
    pub avg: f64,
    pub max: u32,
}

/// Per-file aggregates of the per-function metrics.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
pub struct FileMetrics {
    pub functions: u32,
    /// Comment lines / (code + comment lines), rounded to three decimals.
    pub comment_ratio: f64,
    pub cyclomatic: Stat,
    pub cognitive: Stat,
    pub max_nesting: Stat,
    pub parameters: Stat,
    pub code_lines: Stat,
    pub returns: Stat,
    /// Lines that lie in duplicated code (set by the project phase).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicated_lines: u32,
    /// Files of the project this file imports, and that import it (set by the project phase).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fan_out: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fan_in: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FileMetrics {
    pub fn of(facts: &FileFacts) -> FileMetrics {
        let stat = |metric: fn(&Function) -> u32| {
            let n = facts.functions.len();
            if n == 0 {
                return Stat::default();
            }
            let sum: u64 = facts.functions.iter().map(|f| u64::from(metric(f))).sum();
            Stat {
                avg: (sum as f64 / n as f64 * 100.0).round() / 100.0,
                max: facts.functions.iter().map(metric).max().unwrap_or(0),
            }
        };
        let lines = facts.lines;
        let written = lines.code + lines.comment;
        FileMetrics {
            functions: facts.functions.len() as u32,
            comment_ratio: if written == 0 {
                0.0
            } else {
                (f64::from(lines.comment) / f64::from(written) * 1000.0).round() / 1000.0
            },
            cyclomatic: stat(|f| f.cyclomatic),
            cognitive: stat(|f| f.cognitive),
            max_nesting: stat(|f| f.max_nesting),
            parameters: stat(|f| f.parameters),
            code_lines: stat(|f| f.code_lines),
            returns: stat(|f| f.returns),
            duplicated_lines: 0,
            fan_out: 0,
            fan_in: 0,
        }
    }
}

/// A node a syntactic rule flagged during the single pass; `analyze` turns it into a finding
/// when the rule is enabled for the file.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
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
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
pub struct FileFacts {
    pub lines: LineCounts,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub imports: Vec<Import>,
    pub syntax_errors: SyntaxErrors,
    /// What the first syntax error is (absent without errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<FirstError>,
    /// Code the grammar keeps as plain tokens that could not be read as code.
    #[serde(default, skip_serializing_if = "Unread::is_empty")]
    pub unread: Unread,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub todos: Vec<Todo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    /// Syntactic rules' hits; consumed by the rules, never reported as they are.
    #[serde(skip)]
    pub hits: Vec<Hit>,
    /// The file's code as clone detection reads it (not reported: it is as long as the file).
    /// May be left out of memory (a cached file) while `tokens_digest` says what it is.
    #[serde(skip)]
    pub tokens: Tokens,
    /// A digest of `tokens`: what the project phase's saved state is keyed by.
    #[serde(skip)]
    pub tokens_digest: u64,
    /// Go: declarations and dropped call results, for `ignored-error` (not reported).
    #[serde(skip)]
    pub go: golang::GoFacts,
}

/// What of a file was not read as code although a compiler reads it: Rust macro invocations
/// whose body parses neither as items and statements nor as an expression (`quote! { #x }`,
/// `json!({"a": 1})`, `matches!(e, P if e.ok())`; see `macros`), and the lines those bodies
/// span (braced blocks inside them that parse are read all the same).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
pub struct Unread {
    pub macro_bodies: u32,
    pub lines: u32,
    /// The line of the first such body (0 without any).
    pub first_line: u32,
}

impl Unread {
    pub fn is_empty(&self) -> bool {
        self.macro_bodies == 0
    }
}

/// How a file refers to another.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    /// Loaded with the file: `import`, `use`, `#include`, `require`, `mod m;`.
    Static,
    /// Loaded when the code runs: `import("./x")`.
    Dynamic,
    /// Read by the type checker only: TypeScript `import type`.
    TypeOnly,
    /// Passed on: `export ... from "./x"`.
    ReExport,
    /// Named by no code of the file (a Java import that only Javadoc's `{@link}` names), or
    /// of a file no build includes (a Go `//go:build ignore` generator): loads nothing.
    Unused,
}

/// One import as written: the specifier, what kind it is, and its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Import {
    pub specifier: String,
    pub kind: ImportKind,
    pub line: u32,
    /// Python `from M import a, b`: the names, which may be submodules of `M`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// The leaf tokens of a file with comments, imports and data tables left out, for clone
/// detection: per token its normalised kind and a 16-bit hash of its text, and where lines
/// start (3 bytes a token and 8 a line; 1 a token once the texts are dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub kinds: Vec<u8>,
    /// Empty when the run compares kinds only (see `Tokens::retain`).
    pub texts: Vec<u16>,
    /// (index of the first token on a line, that line), in order.
    pub lines: Vec<(u32, u32)>,
    /// While collecting: how many literal and separator tokens the tokens end with (0 once
    /// the file is read).
    data_run: usize,
}
