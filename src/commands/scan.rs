//! `wtfcb scan`: walk, read, parse, count; a table or JSON on stdout.

use std::io::Write;
use std::time::Instant;

use crate::cli::ScanFormat;
use crate::settings::{ScanSettings, Verbosity};
use wtfcb_engine::engine::{self, PhaseTimes};
use wtfcb_report::report::{self, ScanReport};

use super::ExitStatus;

pub fn run(
    settings: &ScanSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let times = PhaseTimes::default();
    let mut warnings = settings.notes.clone();
    let (walked, mut outcomes, cache_stats) = super::facts_only(settings, &times, &mut warnings)?;
    // Scan reports what the files are, not what the rules say of them.
    for outcome in &mut outcomes {
        if let engine::Outcome::Analyzed(record) = outcome {
            record.findings = None;
            record.metrics = None;
        }
    }
    let report = ScanReport::new(walked, outcomes);
    match settings.format {
        ScanFormat::Table => report::table::write_scan(out, &report)?,
        ScanFormat::Json => report::json::write(out, &report)?,
    }
    out.flush()?;
    super::report_warnings(err, settings.verbosity, &warnings)?;
    super::report_problems(err, settings.verbosity, &report.skipped, &report.errors)?;
    if settings.verbosity == Verbosity::Verbose {
        writeln!(
            err,
            "wtfcb: {} files in {:.3}s on {} thread(s): walk {:.3}s; summed over threads: read {:.3}s, parse {:.3}s, facts {:.3}s",
            report.summary.total.files,
            started.elapsed().as_secs_f64(),
            settings.walk.jobs,
            times.walk().as_secs_f64(),
            times.read().as_secs_f64(),
            times.parse().as_secs_f64(),
            times.facts().as_secs_f64(),
        )?;
        match &cache_stats {
            Some(c) => writeln!(
                err,
                "wtfcb: cache {}: {} files seen, {} stat hits, {} hash hits, {} misses, {} parsed, {} written",
                c.dir, c.files_seen, c.stat_hits, c.hash_hits, c.misses, c.files_parsed, c.entries_written
            )?,
            None => writeln!(err, "wtfcb: cache off")?,
        }
    }
    Ok(super::exit_status(report.summary.analysis_failures, false))
}
