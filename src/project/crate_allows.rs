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
use crate::lang::Language;

/// Marks suppressed the findings that a crate root's file-wide clippy allows cover.
pub fn apply(files: &mut [Analyzed]) {
    let roots: Vec<(String, bool, Vec<String>)> = files
        .iter()
        .filter(|f| f.record.language == Language::Rust)
        .filter_map(|f| {
            let rel = &f.record.rel;
            let (dir, library) = if let Some(dir) = rel.strip_suffix("lib.rs") {
                (dir, true)
            } else {
                (rel.strip_suffix("main.rs")?, false)
            };
            if !(dir.is_empty() || dir.ends_with("src/")) {
                return None;
            }
            let rules: Vec<String> = f
                .record
                .facts
                .suppressions
                .iter()
                .filter(|s| s.peer && s.file_wide)
                .flat_map(|s| s.rules.iter().cloned())
                .collect();
            (!rules.is_empty()).then(|| (dir.to_string(), library, rules))
        })
        .collect();
    if roots.is_empty() {
        return;
    }
    let has_library = |dir: &str| roots.iter().any(|(d, lib, _)| d == dir && *lib);
    for file in files.iter_mut() {
        if file.record.language != Language::Rust {
            continue;
        }
        let rel = file.record.rel.clone();
        let covering: Vec<&String> = roots
            .iter()
            .filter(|(dir, library, _)| {
                let Some(rest) = rel.strip_prefix(dir.as_str()) else {
                    return false;
                };
                let root = if *library { "lib.rs" } else { "main.rs" };
                if rest == root || rest.starts_with("bin/") {
                    return false;
                }
                // A binary's root covers only itself beside a library.
                *library && rest != "main.rs" || !*library && !has_library(dir)
            })
            .flat_map(|(_, _, rules)| rules)
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
