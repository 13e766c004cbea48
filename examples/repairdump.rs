//! What the grammar-repair rewrites do to one file, for finding why a C, C++ or other file
//! still has syntax errors: `cargo run --release --example repairdump -- FILE [--text]`.
//!
//! It parses the file as is and after [`wtfcb::repair::rewrite`] (then, for C and C++, after
//! the conditional groups' rewrite), and prints each parse's error and missing nodes with
//! their line, column and the start of their text. With `--text` it also prints the lines the
//! rewrites changed, before and after.
use std::path::Path;

use wtfcb::lang::Language;
use wtfcb::repair;

fn errors(tree: &tree_sitter::Tree, text: &str, label: &str) -> usize {
    let mut found = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            found.push(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor).filter(|c| c.has_error()));
    }
    found.sort_by_key(|n| n.start_byte());
    println!("{label}: {} error node(s)", found.len());
    for node in found.iter().take(20) {
        let at = node.start_position();
        let end = node.end_byte().min(node.start_byte() + 60);
        let snippet = text
            .get(node.start_byte()..end)
            .unwrap_or("")
            .replace('\n', "⏎");
        let kind = if node.is_missing() {
            "missing"
        } else {
            "error"
        };
        println!("  {}:{} {kind} {snippet}", at.row + 1, at.column + 1);
    }
    found.len()
}

fn changed_lines(before: &str, after: &str) {
    for (n, (a, b)) in before.lines().zip(after.lines()).enumerate() {
        if a != b {
            println!("{:>6} - {a}\n{:>6} + {b}", n + 1, n + 1);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: repairdump FILE [--text]");
        std::process::exit(2);
    };
    let show_text = args.iter().any(|a| a == "--text");
    let lang = Language::from_path(Path::new(path)).expect("a language wtfcb reads");
    let text = std::fs::read_to_string(path).expect("a readable UTF-8 file");
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&lang.grammar())
        .expect("the grammar loads");
    let tree = parser.parse(&text, None).expect("a tree");
    errors(&tree, &text, "as written");
    let Some(fixed) = repair::rewrite_with_tree(lang, &text, &tree) else {
        println!("no rewrite");
        return;
    };
    if show_text {
        changed_lines(&text, &fixed);
    }
    let rewritten = parser.parse(&fixed, None).expect("a tree");
    errors(&rewritten, &text, "rewritten");
    if let Some(conditionals) = repair::rewrite_conditionals(lang, &fixed, &rewritten) {
        let last = parser.parse(&conditionals, None).expect("a tree");
        errors(&last, &text, "conditional groups");
    }
}
