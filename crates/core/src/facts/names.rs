//! Reading names, parameter lists and import targets off definition nodes, per language.
//! Each helper looks at a node and a bounded number of its descendants: no recursion.

use crate::facts::field::Field;
use crate::facts::walk;
use tree_sitter::Node;

use super::{Import, ImportKind, Suppression, Todo};
use crate::lang::Language;

/// Longest name kept; minified code can bind enormous expressions.
const MAX_NAME: usize = 200;

pub fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

fn clip(name: &str) -> String {
    let name = name.trim();
    if name.len() <= MAX_NAME {
        return name.to_string();
    }
    format!("{}…", crate::text::prefix(name, MAX_NAME))
}

/// Collapses white space, for names and paths written across lines (`use a::{b,\n c}`).
fn squash(s: &str) -> String {
    clip(&s.split_whitespace().collect::<String>())
}

fn unquote(s: &str) -> String {
    clip(
        s.trim()
            .trim_matches(|c| matches!(c, '"' | '\'' | '`' | '<' | '>')),
    )
}

/// Whether a TypeScript import names only types, each with its own `type` keyword
/// (`import { type A, type B } from "./a"`): no default or namespace import, at least one name.
/// A node's named children, in order.
pub fn named<'t>(n: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    (0..n.named_child_count()).filter_map(move |i| n.named_child(i))
}

fn only_inline_types(import: Node) -> bool {
    let Some(clause) = named(import).find(|c| c.kind_name() == "import_clause") else {
        return false;
    };
    let mut specifiers = 0;
    for part in named(clause) {
        if part.kind_name() != "named_imports" {
            return false;
        }
        for spec in named(part).filter(|s| s.kind_name() == "import_specifier") {
            specifiers += 1;
            if spec.child(0).is_none_or(|k| k.kind_name() != "type") {
                return false;
            }
        }
    }
    specifiers > 0
}

/// In C and C++ the name of a function hides in a chain of declarators
/// (`int *(*f)(int)`): follow `declarator` fields down to the function declarator.
pub fn c_function_declarator(node: Node) -> Option<Node> {
    let mut current = node.field("declarator");
    while let Some(n) = current {
        if n.kind_name() == "function_declarator" || n.kind_name() == "abstract_function_declarator"
        {
            return Some(n);
        }
        // `int& get()`: a reference declarator holds what it refers to without a field name.
        current = n.field("declarator").or_else(|| {
            (n.kind_name() == "reference_declarator")
                .then(|| n.named_child(0))
                .flatten()
        });
    }
    None
}

/// A C++ conversion operator's declarator (`operator bool() const`), if the function is one.
fn cpp_operator_cast(node: Node) -> Option<Node> {
    let mut current = node.field("declarator");
    while let Some(n) = current {
        if n.kind_name() == "operator_cast" {
            return Some(n);
        }
        current = n.field("declarator");
    }
    None
}

/// False for a declaration without a body (a Java abstract or interface method, a Go function
/// implemented in assembly), which is not
/// a function to measure.
pub fn has_body(node: Node, lang: Language) -> bool {
    // A Ruby `def f; end` has no body node and is still a definition.
    lang == Language::Ruby || node.field("body").is_some()
}

/// The declared name of a function-like node, as written (may be qualified: `A::f`).
pub fn function_name(node: Node, lang: Language, src: &str) -> Option<String> {
    // `operator bool() const`: named by what it converts to.
    if lang == Language::Cpp {
        if let Some(cast) = cpp_operator_cast(node) {
            let to = cast.field("type").map_or("", |t| text(t, src));
            return Some(format!("operator {}", squash(to)));
        }
    }
    // Computed keys (`[Symbol.iterator]() {}`) may span lines.
    Some(squash(text(function_name_node(node, lang)?, src)))
}

/// The node holding a function's declared name.
pub fn function_name_node(node: Node, lang: Language) -> Option<Node> {
    match lang {
        Language::C | Language::Cpp => {
            c_function_declarator(node).and_then(|d| d.field("declarator"))
        }
        Language::Python
        | Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Rust
        | Language::Go
        | Language::Java
        | Language::Ruby => node.field("name"),
    }
}

/// The type a Go method is declared on: `func (s *Server) Run()` gives `Server`.
/// A Go method's receiver declaration (`t *T` in `func (t *T) Walk()`).
fn go_receiver_param(node: Node) -> Option<Node> {
    let receiver = node.field("receiver")?;
    walk::named_children(receiver).find(|c| c.kind_name() == "parameter_declaration")
}

/// The name a Go method calls its receiver by (`t` in `func (t *T) Walk()`), if it names it.
pub fn go_receiver_name(node: Node, src: &str) -> Option<String> {
    go_receiver_param(node)?
        .field("name")
        .map(|n| text(n, src).to_string())
}

pub fn go_receiver(node: Node, src: &str) -> Option<String> {
    let param = go_receiver_param(node)?;
    let mut ty = param.field("type")?;
    // `*T`, `T[K]`: the base type identifier.
    for _ in 0..4 {
        match ty.kind_name() {
            "pointer_type" => ty = ty.named_child(0)?,
            "generic_type" => ty = ty.field("type")?,
            _ => break,
        }
    }
    Some(clip(text(ty, src)))
}

/// The name a class-like node declares, or `None` when it is not a definition at all (a C
/// `struct s` used as a type, a Go `type` that is not a struct or interface).
pub fn class_name(node: Node, lang: Language, src: &str) -> Option<(String, &'static str)> {
    let kind = class_kind(node, lang)?;
    let name = match (lang, node.kind_name()) {
        (Language::Rust, "impl_item") => node.field("type").map(|t| {
            let full = text(t, src);
            full.split('<').next().unwrap_or(full).to_string()
        }),
        _ => node.field("name").map(|n| text(n, src).to_string()),
    };
    Some((
        name.map(|n| clip(&n))
            .unwrap_or_else(|| "<anonymous>".into()),
        kind,
    ))
}

fn class_kind(node: Node, lang: Language) -> Option<&'static str> {
    let kind = match (lang, node.kind_name()) {
        (Language::Go, "type_spec") => match node.field("type")?.kind_name() {
            "struct_type" => "struct",
            "interface_type" => "interface",
            _ => return None,
        },
        (Language::C | Language::Cpp, k) => {
            node.field("body")?;
            match k {
                "struct_specifier" => "struct",
                "union_specifier" => "union",
                "enum_specifier" => "enum",
                _ => "class",
            }
        }
        (_, "struct_item") => "struct",
        (_, "enum_item" | "enum_declaration") => "enum",
        (_, "union_item") => "union",
        (_, "trait_item") => "trait",
        (_, "impl_item") => "impl",
        (_, "interface_declaration") => "interface",
        (_, "record_declaration") => "record",
        (_, "annotation_type_declaration") => "annotation",
        (_, "module") => "module",
        _ => "class",
    };
    Some(kind)
}

/// The name an anonymous function is bound to: `const f = () => {}`, `f = lambda: 0`,
/// `let f = |x| x`, `f := func() {}`, `obj.handler = function () {}`, `{ key: () => {} }`.
/// `parent` and `grandparent` are the lambda's ancestors.
pub fn binding_name<'t>(
    parent: Option<Node<'t>>,
    grandparent: Option<Node<'t>>,
    src: &str,
) -> Option<(String, Node<'t>)> {
    let mut holder = parent?;
    if holder.kind_name() == "expression_list" {
        if holder.named_child_count() != 1 {
            return None;
        }
        holder = grandparent?;
    }
    // Only declarations, assignments and object keys bind: `cond && function () {}` has a
    // `left` too, and names nothing.
    let binds = matches!(
        holder.kind_name(),
        "variable_declarator"
            | "assignment_expression"
            | "augmented_assignment_expression"
            | "assignment"
            | "pair"
            | "public_field_definition"
            | "field_definition"
            | "property_assignment"
            | "let_declaration"
            | "short_var_declaration"
            | "assignment_statement"
            | "var_spec"
            | "const_spec"
            | "init_declarator"
            | "keyword_argument"
            | "default_parameter"
            | "operator_assignment"
    );
    if !binds {
        return None;
    }
    let target = ["name", "left", "pattern", "key", "property", "declarator"]
        .iter()
        .find_map(|field| holder.field(field))?;
    let target = if target.kind_name() == "expression_list" {
        if target.named_child_count() != 1 {
            return None;
        }
        target.named_child(0)?
    } else {
        target
    };
    let kind = target.kind_name();
    let bindable = kind.ends_with("identifier")
        || kind == "member_expression"
        || kind == "attribute"
        || kind == "string"
        || kind == "constant";
    bindable.then(|| (unquote(text(target, src)), target))
}

/// The name of a top-level anonymous function from the call it is passed to, read from code
/// alone (never a line number, which would change with every edit above it): the callee and
/// its literal arguments, as `<describe 'store'>`, `<app.get '/x'>`, Ruby's `<included>` or
/// `<initializer "active_storage.configs">`. `parent` and `grandparent` are the function's
/// ancestors: a Ruby block is its call's child, a JS callback sits in its call's arguments.
pub fn callback_name(parent: Option<Node>, grandparent: Option<Node>, src: &str) -> Option<String> {
    let parent = parent?;
    let call = match parent.kind_name() {
        "call" | "method_call" => parent,
        "arguments" | "argument_list" => grandparent.filter(|g| {
            matches!(
                g.kind_name(),
                "call_expression" | "call" | "method_invocation" | "new_expression"
            )
        })?,
        _ => return None,
    };
    let callee = ["method", "function", "name", "constructor"]
        .iter()
        .find_map(|f| call.field(f))?;
    let mut name = squash(text(callee, src));
    if let Some(receiver) = call.field("receiver").or_else(|| call.field("object")) {
        if call.field("method").is_some() {
            name = format!("{}.{name}", squash(text(receiver, src)));
        }
    }
    let literal = |n: &Node| {
        matches!(
            n.kind_name(),
            "string"
                | "string_literal"
                | "simple_symbol"
                | "symbol"
                | "integer"
                | "number"
                | "interpreted_string_literal"
                | "raw_string_literal"
                | "delimited_symbol"
        )
    };
    let mut args = Vec::new();
    if let Some(list) = call.field("arguments") {
        for arg in walk::named_children(list).take(3) {
            if !literal(&arg) {
                break;
            }
            args.push(
                text(arg, src)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    let mut out = format!("<{name}");
    for arg in args {
        out.push(' ');
        out.push_str(&arg);
    }
    out.push('>');
    Some(clip(&out))
}

/// A function-like node's declared parameters, and how many of them `too-many-parameters`
/// leaves out: in Python, what ruff's and pylint's too-many-arguments leave out (a first `self`
/// or `cls`, `*args` and `**kwargs`); none elsewhere.
pub fn parameters(node: Node, lang: Language, src: &str) -> (u32, u32) {
    let params = match lang {
        Language::C | Language::Cpp => {
            c_function_declarator(node).and_then(|d| d.field("parameters"))
        }
        Language::Python
        | Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Rust
        | Language::Go
        | Language::Java
        | Language::Ruby => node.field("parameters").or_else(|| node.field("parameter")),
    };
    let Some(params) = params else { return (0, 0) };
    if params.kind_name() == "identifier" {
        return (1, 0);
    }
    if params.kind_name() == "closure_parameters" {
        // `|_|` is a parameter although `_` is no named node; `|a, b: T|` are two.
        let count = walk::children(params)
            .filter(|(c, _)| !matches!(c.kind_name(), "|" | "," | "attribute_item"))
            .count() as u32;
        return (count, 0);
    }
    let (mut count, mut uncounted) = (0, 0);
    for (i, child) in walk::named_children(params).enumerate() {
        count += match child.kind_name() {
            "comment"
            | "line_comment"
            | "block_comment"
            | "keyword_separator"
            | "positional_separator"
            // `#[cfg(unix)] fd: RawFd` is one parameter with an attribute.
            | "attribute_item" => 0,
            "parameter_declaration" if lang == Language::Go => {
                let mut inner = child.walk();
                child
                    .children_by_field_name("name", &mut inner)
                    .count()
                    .max(1) as u32
            }
            // `f(void)` declares no parameter.
            "parameter_declaration"
                if matches!(lang, Language::C | Language::Cpp)
                    && text(child, src).trim() == "void" =>
            {
                0
            }
            _ => 1,
        };
        if lang == Language::Python {
            uncounted += u32::from(python_uncounted(child, i, src));
        }
    }
    (count, uncounted)
}

/// Whether a Python parameter, the `i`th named child of the list, is one that
/// too-many-arguments leaves out.
fn python_uncounted(p: Node, i: usize, src: &str) -> bool {
    // `*args: int` is a typed parameter around the splat.
    let inner = if p.kind_name() == "typed_parameter" {
        p.named_child(0).unwrap_or(p)
    } else {
        p
    };
    let receiver =
        i == 0 && inner.kind_name() == "identifier" && matches!(text(inner, src), "self" | "cls");
    let splat = matches!(
        inner.kind_name(),
        "list_splat_pattern" | "dictionary_splat_pattern"
    );
    receiver || splat
}

/// The imports a node makes, as written, with their kind and line.
// wtfcb: ignore[complex-function, cognitive-complexity, long-function] -- one arm per language's import syntax.
pub fn imports(node: Node, lang: Language, src: &str, out: &mut Vec<Import>) {
    let line = node.start_position().row as u32 + 1;
    let mut push = |specifier: String, kind: ImportKind, names: Vec<String>| {
        out.push(Import {
            specifier,
            kind,
            line,
            names,
        })
    };
    match (lang, node.kind_name()) {
        (Language::Python, "import_statement") => {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let module = if name.kind_name() == "aliased_import" {
                    name.field("name")
                } else {
                    Some(name)
                };
                if let Some(m) = module {
                    push(squash(text(m, src)), ImportKind::Static, Vec::new());
                }
            }
        }
        (Language::Python, "import_from_statement") => {
            if let Some(m) = node.field("module_name") {
                let mut cursor = node.walk();
                let names = node
                    .children_by_field_name("name", &mut cursor)
                    .filter_map(|n| {
                        let n = if n.kind_name() == "aliased_import" {
                            n.field("name")?
                        } else {
                            n
                        };
                        Some(squash(text(n, src)))
                    })
                    .take(64)
                    .collect();
                push(squash(text(m, src)), ImportKind::Static, names);
            }
        }
        (Language::JavaScript | Language::TypeScript | Language::Tsx, "import_statement") => {
            if let Some(s) = node.field("source") {
                // `import type { A } from "./a"`: a `type` keyword right after `import`; or
                // `import { type A, type B } from "./a"`: every name imported as a type, which
                // TypeScript erases with the import.
                let type_only = node.child(1).is_some_and(|c| c.kind_name() == "type")
                    || only_inline_types(node);
                let kind = if type_only {
                    ImportKind::TypeOnly
                } else {
                    ImportKind::Static
                };
                push(unquote(text(s, src)), kind, Vec::new());
            }
        }
        (Language::JavaScript | Language::TypeScript | Language::Tsx, "export_statement") => {
            if let Some(s) = node.field("source") {
                // `export type * from 'm'` reaches here rewritten (`crate::repair`): the
                // original text still says `type`.
                let type_only = node.child(1).is_some_and(|c| {
                    c.kind_name() == "type"
                        || src
                            .get(node.start_byte()..c.start_byte())
                            .is_some_and(|head| head.split_whitespace().eq(["export", "type"]))
                });
                let kind = if type_only {
                    ImportKind::TypeOnly
                } else {
                    ImportKind::ReExport
                };
                push(unquote(text(s, src)), kind, Vec::new());
            }
        }
        (Language::JavaScript | Language::TypeScript | Language::Tsx, "call_expression") => {
            let Some(function) = node.field("function") else {
                return;
            };
            let kind = match function.kind_name() {
                "import" => ImportKind::Dynamic,
                "identifier" if text(function, src) == "require" => ImportKind::Static,
                _ => return,
            };
            if let Some(arg) = node.field("arguments").and_then(|a| a.named_child(0)) {
                if arg.kind_name() == "string" {
                    push(unquote(text(arg, src)), kind, Vec::new());
                }
            }
        }
        (Language::Rust, "use_declaration") => {
            if let Some(arg) = node.field("argument") {
                push(squash(text(arg, src)), ImportKind::Static, Vec::new());
            }
        }
        (Language::Rust, "extern_crate_declaration") => {
            if let Some(name) = node.field("name") {
                push(squash(text(name, src)), ImportKind::Static, Vec::new());
            }
        }
        // `mod m;` loads `m.rs` or `m/mod.rs`; an inline `mod m { ... }` loads nothing.
        (Language::Rust, "mod_item") if node.field("body").is_none() => {
            if let Some(name) = node.field("name") {
                push(
                    rust_mod(node, text(name, src), src),
                    ImportKind::Static,
                    Vec::new(),
                );
            }
        }
        (Language::Go, "import_spec") => {
            if let Some(path) = node.field("path") {
                push(unquote(text(path, src)), ImportKind::Static, Vec::new());
            }
        }
        (Language::Java, "import_declaration") => {
            let body = text(node, src).trim();
            let body = body.strip_prefix("import").unwrap_or(body).trim_start();
            let body = body.strip_prefix("static").unwrap_or(body);
            push(
                squash(body.trim_end_matches(';')),
                ImportKind::Static,
                Vec::new(),
            );
        }
        (Language::C | Language::Cpp, "preproc_include") => {
            if let Some(path) = node.field("path") {
                // Kept with its delimiters: `"x.h"` is looked up beside the file first, `<x.h>`
                // only on the include path.
                let spec = clip(&text(path, src).replace(char::is_whitespace, ""));
                push(spec, ImportKind::Static, Vec::new());
            }
        }
        (Language::Ruby, "call") => {
            if node.field("receiver").is_some() {
                return;
            }
            let Some(method) = node.field("method") else {
                return;
            };
            let relative = match text(method, src) {
                "require" => false,
                "require_relative" => true,
                _ => return,
            };
            if let Some(arg) = node.field("arguments").and_then(|a| a.named_child(0)) {
                if arg.kind_name() == "string" {
                    let spec = unquote(text(arg, src));
                    let spec = if relative && !spec.starts_with('.') {
                        format!("./{spec}")
                    } else {
                        spec
                    };
                    push(spec, ImportKind::Static, Vec::new());
                }
            }
        }
        _ => {}
    }
}

/// The operator of a short-circuit boolean expression (`&&`, `||`, `and`, `or`), or `None`
/// for any other binary expression.
pub fn logical_operator(node: Node) -> Option<&'static str> {
    if node.kind_name() == "let_chain" {
        return Some("&&");
    }
    let op = node.field("operator")?.kind_name();
    // `??` short-circuits like `||`; `&&=`, `||=` and `??=` are assignments, not conditions.
    matches!(op, "&&" | "||" | "and" | "or" | "??").then_some(op)
}

/// The decisions of a short-circuit expression: one, or one per `&&` of a Rust let chain (the
/// grammar holds all of them as children of one node).
pub fn logical_decisions(node: Node) -> u32 {
    if node.kind_name() != "let_chain" {
        return 1;
    }
    (0..node.child_count())
        .filter_map(|i| node.child(i))
        .filter(|c| c.kind_name() == "&&")
        .count() as u32
}

/// A path into the crate written in code (`crate::report::write(..)`, `super::Item`), outside
/// `use` declarations: an import of that module as much as a `use` is. Recorded once per
/// file and path (the outermost path of a nested one), with the line of its first use.
/// What a `mod m;` declaration loads, as the graph resolves it: `mod m`; `mod a::b::m` inside
/// inline modules `mod a { mod b { mod m; } }` (their names are directories); and with a
/// `#[path = "x.rs"]` attribute before it, `#[path = "x.rs"] mod m` (or `mod a::m`).
fn rust_mod(node: Node, name: &str, src: &str) -> String {
    let mut inline = Vec::new();
    let mut at = node.parent();
    while let Some(list) = at {
        let owner = list.parent();
        if let Some(owner) =
            owner.filter(|o| list.kind_name() == "declaration_list" && o.kind_name() == "mod_item")
        {
            if let Some(n) = owner.field("name") {
                inline.push(text(n, src));
            }
        }
        at = owner;
    }
    inline.reverse();
    inline.push(name);
    let module = inline.join("::");
    let mut before = node.prev_sibling();
    while let Some(attr) = before {
        match attr.kind_name() {
            "attribute_item" => {
                if let Some(path) = path_attribute(text(attr, src)) {
                    return format!("#[path = \"{path}\"] mod {module}");
                }
            }
            "line_comment" | "block_comment" => {}
            _ => break,
        }
        before = attr.prev_sibling();
    }
    format!("mod {module}")
}

/// The file a `#[path = "x.rs"]` attribute names.
fn path_attribute(attr: &str) -> Option<&str> {
    let inner = attr.strip_prefix("#[")?.strip_suffix(']')?.trim();
    let value = inner
        .strip_prefix("path")?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    let path = value.strip_prefix('"')?.strip_suffix('"')?;
    (!path.is_empty() && !path.contains(['"', '\\'])).then_some(path)
}

pub fn rust_inline_path(
    node: Node,
    path: &[Node],
    src: &str,
    seen: &mut std::collections::HashSet<String>,
    out: &mut Vec<Import>,
) {
    if !matches!(
        node.kind_name(),
        "scoped_identifier" | "scoped_type_identifier"
    ) {
        return;
    }
    let nested = path.last().is_some_and(|p| {
        matches!(
            p.kind_name(),
            "scoped_identifier" | "scoped_type_identifier" | "scoped_use_list" | "use_as_clause"
        )
    });
    let written = text(node, src);
    if nested
        || !(written.starts_with("crate::") || written.starts_with("super::"))
        || path.iter().any(|p| p.kind_name() == "use_declaration")
        || path.iter().any(|p| is_test_module(*p, src))
    {
        return;
    }
    let specifier = squash(written);
    // A set, not a scan of the imports: a file of many paths stays linear.
    if !seen.insert(specifier.clone()) {
        return;
    }
    out.push(Import {
        specifier,
        kind: ImportKind::Static,
        line: node.start_position().row as u32 + 1,
        names: Vec::new(),
    });
}

/// A `#[cfg(test)] mod tests { ... }`: built for tests only, so its paths are no dependency of
/// the library.
fn is_test_module(node: Node, src: &str) -> bool {
    node.kind_name() == "mod_item"
        && node.prev_named_sibling().is_some_and(|a| {
            a.kind_name() == "attribute_item" && text(a, src).contains("cfg(test)")
        })
}

/// A default or wildcard arm, which is no decision of its own.
pub fn is_default_case(node: Node, lang: Language, src: &str) -> bool {
    match lang {
        Language::Python => node
            .named_child(0)
            .is_some_and(|p| text(p, src).trim() == "_"),
        Language::Rust => node
            .field("pattern")
            .is_some_and(|p| text(p, src).trim() == "_"),
        Language::Java => text(node, src).trim_start().starts_with("default"),
        Language::C | Language::Cpp => node.field("value").is_none(),
        Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Go
        | Language::Ruby => false,
    }
}

/// A direct call of the function we are in, by its bare name or through `this`/`self`.
/// The names a method calls itself through: `self.f()`, `this.f()`.
fn own_receivers(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Rust => &["self"],
        Language::Python => &["self", "cls"],
        Language::Ruby => &["self"],
        Language::JavaScript | Language::TypeScript | Language::Tsx => &["this"],
        Language::Java | Language::Cpp => &["this"],
        // Go calls through a receiver of any name; C has no methods.
        Language::Go | Language::C => &[],
    }
}

/// Whether a call calls the function it is in. In a method, a bare call of its own name is
/// the method itself only where the language looks names up in the class first (Java, Ruby,
/// C++); in Python, JavaScript and Rust it names something else (`set(xs)` in `def set`).
pub fn calls_itself(
    node: Node,
    lang: Language,
    src: &str,
    function: &str,
    (is_method, receiver_name): (bool, Option<&str>),
) -> bool {
    if function.is_empty() {
        return false;
    }
    let named_receiver = receiver_name.map(|r| [r]);
    let receivers = match &named_receiver {
        // A Go method calls itself through its own receiver's name (`t.Walk()`).
        Some(named) => &named[..],
        None => own_receivers(lang),
    };
    let callee = match lang {
        Language::Java => node.field("name"),
        Language::Ruby => node.field("method"),
        Language::Python
        | Language::JavaScript
        | Language::TypeScript
        | Language::Tsx
        | Language::Rust
        | Language::Go
        | Language::C
        | Language::Cpp => node.field("function"),
    };
    let Some(callee) = callee else { return false };
    if callee.kind_name().ends_with("identifier") {
        let receiver = match lang {
            Language::Java => node.field("object"),
            Language::Ruby => node.field("receiver"),
            Language::Python
            | Language::JavaScript
            | Language::TypeScript
            | Language::Tsx
            | Language::Rust
            | Language::Go
            | Language::C
            | Language::Cpp => None,
        };
        let own = match receiver {
            Some(r) => is_method && receivers.contains(&text(r, src)),
            None => !is_method || matches!(lang, Language::Java | Language::Ruby | Language::Cpp),
        };
        return own && text(callee, src) == function;
    }
    match member_call(callee) {
        (Some(o), Some(m)) => {
            is_method && receivers.contains(&text(o, src)) && text(m, src) == function
        }
        _ => false,
    }
}

/// The object and the member of a call through a receiver (`o.m`, `o->m`, Go's `o.m`).
fn member_call(callee: Node) -> (Option<Node>, Option<Node>) {
    match callee.kind_name() {
        "member_expression" => (callee.field("object"), callee.field("property")),
        "attribute" => (callee.field("object"), callee.field("attribute")),
        "field_expression" => (
            callee.field("value").or_else(|| callee.field("argument")),
            callee.field("field"),
        ),
        "selector_expression" => (callee.field("operand"), callee.field("field")),
        _ => (None, None),
    }
}

/// `break label` / `continue label`: a jump that breaks linear flow further than a plain one.
pub fn has_label(node: Node, lang: Language) -> bool {
    walk::named_children(node).any(|c| match c.kind_name() {
        "statement_identifier" | "label_name" | "label" => true,
        // Java's label is an identifier; Rust's `break value` carries one that is no label.
        "identifier" => lang == Language::Java,
        _ => false,
    })
}

const TODO_TAGS: [&str; 4] = ["TODO", "FIXME", "XXX", "HACK"];

/// Finds TODO-style tags and `wtfcb:` directives in a comment, one per comment line.
pub fn comment_markers(
    node: Node,
    src: &str,
    lang: Language,
    todos: &mut Vec<Todo>,
    suppressions: &mut Vec<Suppression>,
) {
    let body = text(node, src);
    let first_row = node.start_position().row;
    let first_col = node.start_position().column;
    if super::peers::mentions_marker(lang, body.as_bytes()) {
        peer_markers(node, src, lang, body, suppressions);
    }
    if !may_hold_marker(body) {
        return;
    }
    for (i, line) in body.split('\n').enumerate() {
        let row = (first_row + i) as u32 + 1;
        if let Some((at, tag)) = find_tag(line) {
            let column = if i == 0 { first_col + at } else { at } as u32 + 1;
            let text = clip(line[at..].trim_end_matches("*/").trim());
            todos.push(Todo {
                line: row,
                column,
                tag: tag.to_string(),
                text,
            });
        }
        if let Some(at) = line.find("wtfcb:") {
            if let Some(mut s) = parse_directive(&line[at + "wtfcb:".len()..], row) {
                s.column = if i == 0 { first_col + at } else { at } as u32 + 1;
                suppressions.push(s);
            }
        }
    }
}

/// Other tools' suppressions in a comment (see `facts::peers`): line directives, regions
/// opened, and regions closed by their enable comment.
fn peer_markers(
    node: Node,
    src: &str,
    lang: Language,
    body: &str,
    suppressions: &mut Vec<Suppression>,
) {
    let first_row = node.start_position().row;
    let start = node.start_byte();
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let first_own_line = src[line_start..start].trim().is_empty();
    for (i, line) in body.split('\n').enumerate() {
        let row = (first_row + i) as u32 + 1;
        let own_line = i > 0 || first_own_line;
        let Some((mut s, reach, enable)) = super::peers::parse(lang, line, row, own_line) else {
            continue;
        };
        if i == 0 {
            s.column += node.start_position().column as u32;
        }
        if enable {
            // Closes the open regions it names (all of them when it names none).
            for open in suppressions
                .iter_mut()
                .filter(|o| o.peer && o.until == u32::MAX)
            {
                if s.rules.is_empty() || open.rules.iter().any(|r| s.rules.contains(r)) {
                    open.until = row;
                }
            }
            continue;
        }
        if matches!(reach, super::peers::Reach::Region) {
            s.until = u32::MAX;
        }
        suppressions.push(s);
    }
}

/// Whether `body` holds a tag or a `wtfcb:` anywhere: one pass over the bytes, before the
/// search line by line that most comments do not need.
fn may_hold_marker(body: &str) -> bool {
    let bytes = body.as_bytes();
    let holds = |at: usize| {
        let rest = &bytes[at..];
        rest.starts_with(b"wtfcb:") || TODO_TAGS.iter().any(|t| rest.starts_with(t.as_bytes()))
    };
    memchr::memchr3_iter(b'T', b'F', b'X', bytes).any(holds)
        || memchr::memchr2_iter(b'H', b'w', bytes).any(holds)
}

/// The first tag that stands as a word of its own (`TODO:` yes, `TODOS` or `xTODO` no).
fn find_tag(line: &str) -> Option<(usize, &'static str)> {
    let bytes = line.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    TODO_TAGS
        .iter()
        .flat_map(|tag| line.match_indices(tag).map(move |(at, _)| (at, *tag)))
        .filter(|(at, tag)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + tag.len()).copied();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .min_by_key(|(at, _)| *at)
}

/// Parses ` ignore`, ` ignore[a, b]`, ` ignore-file[a]` after `wtfcb:`.
fn parse_directive(rest: &str, line: u32) -> Option<Suppression> {
    let rest = rest.trim_start();
    let (file_wide, after) = if let Some(a) = rest.strip_prefix("ignore-file") {
        (true, a)
    } else {
        (false, rest.strip_prefix("ignore")?)
    };
    let rules = match after.strip_prefix('[') {
        Some(list) => {
            let list = &list[..list.find(']')?];
            list.split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect()
        }
        None if after.is_empty()
            || after.starts_with(char::is_whitespace)
            || after.starts_with("*/") =>
        {
            Vec::new()
        }
        None => return None,
    };
    Some(Suppression {
        line,
        column: 0,
        file_wide,
        rules,
        peer: false,
        until: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_test_passes_every_comment_with_a_marker() {
        for tag in TODO_TAGS {
            for body in [
                format!("# {tag}: x"),
                format!("/* a\n * b {tag}\n */"),
                tag.to_string(),
            ] {
                assert!(may_hold_marker(&body), "{body:?}");
            }
        }
        assert!(may_hold_marker("x = 1  # wtfcb: ignore[eval-exec]"));
        assert!(!may_hold_marker("/* The Fine Xylophone Has wtfcb ToDo */"));
    }

    #[test]
    fn tags_must_be_words() {
        assert_eq!(find_tag("# TODO: fix"), Some((2, "TODO")));
        assert_eq!(find_tag("// see FIXME and TODO"), Some((7, "FIXME")));
        assert_eq!(find_tag("# TODOS are not tags, nor xHACK"), None);
    }

    #[test]
    fn directives() {
        assert_eq!(
            parse_directive(" ignore", 3),
            Some(Suppression {
                line: 3,
                column: 0,
                file_wide: false,
                rules: vec![],
                peer: false,
                until: 0
            })
        );
        assert_eq!(
            parse_directive(" ignore[a-b, c ] why", 1),
            Some(Suppression {
                line: 1,
                column: 0,
                file_wide: false,
                rules: vec!["a-b".into(), "c".into()],
                peer: false,
                until: 0
            })
        );
        assert_eq!(
            parse_directive(" ignore-file[x]", 1),
            Some(Suppression {
                line: 1,
                column: 0,
                file_wide: true,
                rules: vec!["x".into()],
                peer: false,
                until: 0
            })
        );
        assert_eq!(parse_directive(" ignored", 1), None);
        assert_eq!(parse_directive(" ignore[unclosed", 1), None);
    }
}
