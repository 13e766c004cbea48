//! What `ignored-error` needs of a Go file, read in the one walk: the functions and methods it
//! declares (does the last result say `error`?) and the calls whose results it drops (`v, _ :=
//! f()`, a bare `f()`). Whether a dropped call returns an error is decided once every file is
//! read (see `project::go_errors`): by the declarations of the callee's package in the project,
//! or by Go's standard library (`go_std_errors.txt`).

use std::collections::HashMap;

use tree_sitter::Node;

use super::field::Field;
use super::names::text;
use super::Position;

/// A Go file's declarations and dropped results.
#[derive(Debug, Clone, Default, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct GoFacts {
    pub funcs: Vec<GoFunc>,
    pub drops: Vec<GoDrop>,
}

impl GoFacts {
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty() && self.drops.is_empty()
    }
}

/// A function or method declared at the top level.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct GoFunc {
    pub name: String,
    pub method: bool,
    /// Its last result is `error`.
    pub error_last: bool,
}

/// What a call names.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub enum Callee {
    /// `f()`: a function of the file's package (or a builtin, or a variable).
    Local(String),
    /// `x.m()` where `x` is no imported package: a method (or a field holding a function).
    Method(String),
    /// `pkg.F()`: a function of an imported package, by import path.
    Package { path: String, name: String },
}

/// A call statement or assignment that drops a call's last result.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct GoDrop {
    pub callee: Callee,
    /// The callee as written (`os.Remove`), at most 200 bytes.
    pub text: String,
    pub start: Position,
    pub end: Position,
    /// A bare call statement (every result dropped), not `v, _ := f()`.
    pub bare: bool,
}

/// The walk's state: the file's imports by the name they bind.
#[derive(Default)]
pub struct GoScan {
    imports: HashMap<String, String>,
}

impl GoScan {
    /// Reads what `ignored-error` needs from one node, whose kind is `kind_id` (the walk's).
    pub fn visit(&mut self, node: Node, kind_id: u16, src: &str, out: &mut GoFacts) {
        // The kinds read, looked up by id: most nodes are none of them, and comparing each
        // node's kind name with each was 15% of the Go sample's fact pass.
        const KINDS: [&str; 6] = [
            "import_spec",
            "function_declaration",
            "method_declaration",
            "short_var_declaration",
            "assignment_statement",
            "expression_statement",
        ];
        static IDS: std::sync::OnceLock<[u16; 6]> = std::sync::OnceLock::new();
        let ids = IDS.get_or_init(|| {
            let grammar = crate::lang::Language::Go.grammar();
            KINDS.map(|kind| grammar.id_for_node_kind(kind, true))
        });
        let Some(at) = ids.iter().position(|&id| id == kind_id) else {
            return;
        };
        match KINDS[at] {
            "import_spec" => self.import(node, src),
            "function_declaration" | "method_declaration" => {
                if let Some(name) = node.field("name") {
                    out.funcs.push(GoFunc {
                        name: text(name, src).to_string(),
                        method: KINDS[at] == "method_declaration",
                        error_last: error_last(node, src),
                    });
                }
            }
            "short_var_declaration" | "assignment_statement" => {
                if let Some(call) = blank_last(node, src) {
                    self.drop(call, src, false, out);
                }
            }
            "expression_statement" => {
                if let Some(call) = node
                    .named_child(0)
                    .filter(|c| c.kind_name() == "call_expression")
                {
                    self.drop(call, src, true, out);
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, node: Node, src: &str) {
        let Some(path) = node.field("path") else {
            return;
        };
        let path = text(path, src)
            .trim_matches(|c| c == '"' || c == '`')
            .to_string();
        let local = match node.field("name").map(|n| text(n, src)) {
            Some("_" | ".") => return,
            Some(alias) => alias.to_string(),
            None => path.rsplit('/').next().unwrap_or(&path).to_string(),
        };
        self.imports.insert(local, path);
    }

    fn drop(&self, call: Node, src: &str, bare: bool, out: &mut GoFacts) {
        let Some(function) = call.field("function") else {
            return;
        };
        let callee = match function.kind_name() {
            "identifier" => Callee::Local(text(function, src).to_string()),
            "selector_expression" => {
                let (Some(operand), Some(field)) =
                    (function.field("operand"), function.field("field"))
                else {
                    return;
                };
                let name = text(field, src).to_string();
                match self.imports.get(text(operand, src)) {
                    Some(path) if operand.kind_name() == "identifier" => Callee::Package {
                        path: path.clone(),
                        name,
                    },
                    _ => Callee::Method(name),
                }
            }
            _ => return,
        };
        let written = crate::text::prefix(text(function, src), 200).to_string();
        out.drops.push(GoDrop {
            callee,
            text: written,
            start: Position::from_point(call.start_position()),
            end: Position::from_point(call.end_position()),
            bare,
        });
    }
}

/// Whether a function declaration's last result is `error`.
fn error_last(decl: Node, src: &str) -> bool {
    let Some(result) = decl.field("result") else {
        return false;
    };
    if result.kind_name() != "parameter_list" {
        return text(result, src) == "error";
    }
    let Some(last) = result
        .named_child_count()
        .checked_sub(1)
        .and_then(|i| result.named_child(i))
    else {
        return false;
    };
    last.field("type").is_some_and(|t| text(t, src) == "error")
}

/// The call of an assignment of two or more targets, the last `_`, from one call (`v, _ :=
/// f()`). A lone `_ = f()` discards in plain sight, as errcheck's defaults accept.
fn blank_last<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let (left, right) = (node.field("left")?, node.field("right")?);
    let targets: Vec<Node> = (0..left.named_child_count())
        .filter_map(|i| left.named_child(i))
        .filter(|n| n.kind_name() != "comment")
        .collect();
    if targets.len() < 2 || targets.last().map(|t| text(*t, src)) != Some("_") {
        return None;
    }
    let values: Vec<Node> = (0..right.named_child_count())
        .filter_map(|i| right.named_child(i))
        .filter(|n| n.kind_name() != "comment")
        .collect();
    match values[..] {
        [call] if call.kind_name() == "call_expression" => Some(call),
        _ => None,
    }
}

/// Whether `path.name` is a function of Go's standard library whose last result is `error`.
pub fn std_returns_error(path: &str, name: &str) -> bool {
    static TABLE: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        include_str!("go_std_errors.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    });
    table.contains(format!("{path}.{name}").as_str())
}

/// Whether a Go file is left out of its package's build by a constraint before its package
/// clause (`//go:build ignore`, `// +build ignore`): a generator run by `go run`, whose
/// imports load nothing for the package.
pub fn build_ignored(src: &str) -> bool {
    src.lines()
        .take_while(|l| !l.trim_start().starts_with("package "))
        .take(200)
        .map(str::trim)
        .any(|l| {
            let constraint = l
                .strip_prefix("//go:build ")
                .or_else(|| l.strip_prefix("// +build "));
            constraint.is_some_and(|c| c.split_whitespace().any(|t| t == "ignore"))
        })
}
