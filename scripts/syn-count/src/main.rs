//! Functions with bodies as `syn` reads a tree of Rust files: free functions, methods and
//! trait methods with a default body. A macro body that parses as a file of items, or as the
//! statements of a block, is read too, as the compiler would once the macro expands (not
//! `macro_rules!` definitions, whose bodies are templates). `--list` prints `path:line` of
//! each function's name, the lines wtfcb's `name_at` gives.

use std::path::Path;
use syn::visit::Visit;

#[derive(Default)]
struct Count {
    lines: Vec<usize>,
    in_macros: usize,
    depth: usize,
}

impl Count {
    fn found(&mut self, name: &syn::Ident) {
        self.lines.push(name.span().start().line);
        if self.depth > 0 {
            self.in_macros += 1;
        }
    }
}

/// The statements of a block without its braces.
struct Statements(Vec<syn::Stmt>);

impl syn::parse::Parse for Statements {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        Ok(Statements(syn::Block::parse_within(input)?))
    }
}

impl<'a> Visit<'a> for Count {
    fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
        self.found(&item.sig.ident);
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        self.found(&item.sig.ident);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        if item.default.is_some() {
            self.found(&item.sig.ident);
        }
        syn::visit::visit_trait_item_fn(self, item);
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        self.depth += 1;
        if let Ok(file) = syn::parse2::<syn::File>(mac.tokens.clone()) {
            self.visit_file(&file);
        } else if let Ok(body) = syn::parse2::<Statements>(mac.tokens.clone()) {
            for statement in &body.0 {
                self.visit_stmt(statement);
            }
        }
        self.depth -= 1;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: syn-count DIR [--list]");
        std::process::exit(2);
    };
    let list = args.next().as_deref() == Some("--list");
    let (mut all, mut in_macros, mut failed) = (0, 0, 0);
    let files = walkdir::WalkDir::new(&root).sort_by_file_name();
    for entry in files.into_iter().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(file) = syn::parse_file(&text) else {
            failed += 1;
            continue;
        };
        let mut count = Count::default();
        count.visit_file(&file);
        all += count.lines.len();
        in_macros += count.in_macros;
        if list {
            let rel = path.strip_prefix(&root).unwrap_or(path);
            for line in &count.lines {
                println!("{}:{line}", Path::new(rel).display());
            }
        }
    }
    eprintln!("functions {all}, in macro bodies {in_macros}, files syn cannot parse {failed}");
}
