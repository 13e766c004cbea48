//! `wtfcb analyze`: walk, read, parse, measure and check each file once; findings out;
//! the exit code from `--fail-on`.

use std::io::Write;
use std::time::Instant;

use crate::cli::AnalyzeFormat;
use crate::engine::{self, PhaseTimes};
use crate::report::analyze::{self, AnalyzeReport};
use crate::report::json;
use crate::settings::{AnalyzeSettings, Verbosity};

use super::ExitStatus;

pub fn run(
    settings: &AnalyzeSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let times = PhaseTimes::default();
    let (walked, outcomes) = engine::run(&settings.walk, Some(&settings.rules), &times)?;
    let project = &settings.walk.project;
    let config = project.config.path.as_ref().map(|p| {
        let canonical = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        canonical
            .strip_prefix(&project.root)
            .unwrap_or(&canonical)
            .display()
            .to_string()
    });
    let mut report =
        AnalyzeReport::new(walked, outcomes, settings.rules.fingerprint.clone(), config);
    let failed = report.fails(settings.fail_on);
    report.hide_below(settings.min_severity);
    match settings.format {
        AnalyzeFormat::Text => analyze::write_text(out, &report)?,
        AnalyzeFormat::Json => json::write(out, &report)?,
    }
    out.flush()?;
    super::report_problems(err, settings.verbosity, &report.skipped, &report.errors)?;
    if settings.verbosity == Verbosity::Verbose {
        writeln!(
            err,
            "wtfcb: {} files in {:.3}s on {} thread(s): walk {:.3}s; summed over threads: read {:.3}s, parse {:.3}s, facts {:.3}s, rules {:.3}s",
            report.summary.files,
            started.elapsed().as_secs_f64(),
            settings.walk.jobs,
            times.walk().as_secs_f64(),
            times.read().as_secs_f64(),
            times.parse().as_secs_f64(),
            times.facts().as_secs_f64(),
            times.rules().as_secs_f64(),
        )?;
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
