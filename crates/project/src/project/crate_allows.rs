//! A Rust crate root's `#![allow(clippy::...)]` holds for the whole crate, as clippy reads it:
//! tokio's `lib.rs` turns `clippy::cognitive_complexity` off for every module, and wtfcb then
//! must not report `cognitive-complexity` in any of them. The per-file pass reads the
//! attribute as a file-wide peer suppression of its root file (see `facts::peers`); this
//! spreads it to the crate's other files once all are read.
//!
//! A crate is approximated by its directory: `src/lib.rs` covers every Rust file under `src/`
//! but `src/main.rs` and `src/bin/` (binary crates of their own); a `src/main.rs` with no
//! `lib.rs` beside it covers `src/` but `src/bin/`. Which modules a binary declares beside a
//! library is not followed: a `main.rs`'s allows stay in `main.rs`.

use super::Analyzed;
use wtfcb_core::lang::Language;

/// A crate root with file-wide clippy allows: its `src/` directory, whether it is a library,
/// and the rules its allows stand for.
struct Root {
    dir: String,
    library: bool,
    rules: Vec<String>,
}

/// Marks suppressed the findings that a crate root's file-wide clippy allows cover.
pub fn apply(files: &mut [Analyzed]) {
    let roots: Vec<Root> = files.iter().filter_map(root_of).collect();
    if roots.is_empty() {
        return;
    }
    for file in files.iter_mut() {
        if file.record.language != Language::Rust {
            continue;
        }
        let covering: Vec<&String> = roots
            .iter()
            .filter(|root| covers(root, &roots, &file.record.rel))
            .flat_map(|root| &root.rules)
            .collect();
        if covering.is_empty() {
            continue;
        }
        for finding in file.record.findings.iter_mut().flatten() {
            if covering.iter().any(|r| **r == finding.rule) {
                finding.suppressed = true;
            }
        }
    }
}

/// The crate root a file is, with the rules of its file-wide clippy allows (none: not one).
fn root_of(file: &Analyzed) -> Option<Root> {
    if file.record.language != Language::Rust {
        return None;
    }
    let rel = &file.record.rel;
    let (dir, library) = match rel.strip_suffix("lib.rs") {
        Some(dir) => (dir, true),
        None => (rel.strip_suffix("main.rs")?, false),
    };
    if !(dir.is_empty() || dir.ends_with("src/")) {
        return None;
    }
    let rules: Vec<String> = file
        .record
        .facts
        .suppressions
        .iter()
        .filter(|s| s.peer && s.file_wide)
        .flat_map(|s| s.rules.iter().cloned())
        .collect();
    (!rules.is_empty()).then(|| Root {
        dir: dir.to_string(),
        library,
        rules,
    })
}

/// Whether a root's allows reach the file at `rel`: under its directory, not the root itself,
/// not `bin/`; a binary's root only when no library shares its directory, and never the
/// binary's `main.rs` from the library's root.
fn covers(root: &Root, roots: &[Root], rel: &str) -> bool {
    let Some(rest) = rel.strip_prefix(root.dir.as_str()) else {
        return false;
    };
    let own = if root.library { "lib.rs" } else { "main.rs" };
    if rest == own || rest.starts_with("bin/") {
        return false;
    }
    if root.library {
        rest != "main.rs"
    } else {
        !roots.iter().any(|r| r.dir == root.dir && r.library)
    }
}
