//! Reports: the data every renderer reads, and one module per output format. Renderers write
//! to a `&mut dyn Write` and never print directly.

pub mod analyze;
pub mod charts;
pub mod csv;
pub mod formats;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod markdown;
pub mod options;
pub mod sarif;
pub mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use wtfcb_core::facts::LineCounts;
use wtfcb_core::lang::Language;
use wtfcb_core::walk::{Diagnostic, Skipped, WalkResult};
use wtfcb_engine::engine::{FileRecord, Outcome};

/// Totals for one language (or for all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub lines: LineCounts,
    pub functions: u64,
    pub classes: u64,
}

impl Totals {
    fn add(&mut self, file: &FileRecord) {
        self.files += 1;
        self.bytes += file.bytes;
        self.lines.add(&file.facts.lines);
        self.functions += file.facts.functions.len() as u64;
        self.classes += file.facts.classes.len() as u64;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub total: Totals,
    pub languages: BTreeMap<Language, Totals>,
    /// Files with at least one ERROR or MISSING node.
    pub files_with_syntax_errors: u64,
    pub files_with_invalid_utf8: u64,
    pub skipped: u64,
    pub errors: u64,
    /// Of the errors, files whose analysis failed (a parser crashed or hung, an internal
    /// error): the run exits 2.
    #[serde(skip_serializing_if = "is_zero")]
    pub analysis_failures: u64,
    /// Files of languages wtfcb does not parse.
    pub other_files: u64,
}

/// Everything `wtfcb scan` found, in a deterministic order.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub tool: &'static str,
    pub version: &'static str,
    pub summary: ScanSummary,
    pub files: Vec<FileRecord>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<Diagnostic>,
}

/// The analyzed files, and every skip and error of the walk and of the per-file work, sorted.
pub struct Gathered {
    pub files: Vec<FileRecord>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<Diagnostic>,
    pub other_files: usize,
    /// How many of the errors are failed analyses.
    pub broken: u64,
}

pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Joins the walk's skips and errors with the per-file outcomes (which are in walk order).
pub fn gather(walk: WalkResult, outcomes: Vec<Outcome>) -> Gathered {
    let WalkResult {
        mut skipped,
        mut errors,
        other_files,
        ..
    } = walk;
    let mut files = Vec::with_capacity(outcomes.len());
    let mut broken = 0;
    for outcome in outcomes {
        match outcome {
            Outcome::Analyzed(record) => files.push(*record),
            Outcome::Skipped(skip) => skipped.push(skip),
            Outcome::Failed(diag) => errors.push(diag),
            Outcome::Broken(diag) => {
                broken += 1;
                errors.push(diag);
            }
        }
    }
    skipped.sort();
    errors.sort();
    Gathered {
        files,
        skipped,
        errors,
        other_files,
        broken,
    }
}

impl ScanReport {
    pub fn new(walk: WalkResult, outcomes: Vec<Outcome>) -> ScanReport {
        let Gathered {
            files,
            skipped,
            errors,
            other_files,
            broken,
        } = gather(walk, outcomes);
        let mut summary = ScanSummary {
            skipped: skipped.len() as u64,
            errors: errors.len() as u64,
            analysis_failures: broken,
            other_files: other_files as u64,
            ..ScanSummary::default()
        };
        for file in &files {
            summary.total.add(file);
            summary
                .languages
                .entry(file.language)
                .or_default()
                .add(file);
            summary.files_with_syntax_errors += u64::from(file.facts.syntax_errors.count > 0);
            summary.files_with_invalid_utf8 += u64::from(file.invalid_utf8);
        }
        ScanReport {
            tool: "wtfcb",
            version: env!("CARGO_PKG_VERSION"),
            summary,
            files,
            skipped,
            errors,
        }
    }
}
