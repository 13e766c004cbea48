//! `wtfcb scan`: walk, read, parse, count; a table or JSON on stdout.

use std::io::Write;
use std::time::Instant;

use crate::cli::ScanFormat;
use crate::engine::{self, PhaseTimes};
use crate::report::{self, ScanReport};
use crate::settings::{ScanSettings, Verbosity};

use super::ExitStatus;

pub fn run(
    settings: &ScanSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let times = PhaseTimes::default();
    let mut warnings = Vec::new();
    let isolation = super::isolation(&settings.walk, &mut warnings);
    let walked = engine::walk_all(&settings.walk, &times)?;
    let outcomes = super::process(
        &walked,
        &settings.walk,
        settings.verbosity,
        &engine::Services {
            rules: None,
            cache: None,
            isolation: &isolation,
            times: &times,
            contents: None,
        },
    )?;
    warnings.extend(isolation.warning());
    drop(isolation);
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
    }
    Ok(super::exit_status(report.summary.analysis_failures, false))
}
