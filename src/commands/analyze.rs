//! `wtfcb analyze`: walk, read, parse, measure and check each file once (or take it from the
//! cache); findings out; the exit code from `--fail-on`.

use std::io::Write;
use std::time::Instant;

use crate::cache::Cache;
use crate::cli::AnalyzeFormat;
use crate::engine::{self, PhaseTimes};
use crate::report::analyze::{self, AnalyzeReport, RunInfo};
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
    let mut warnings = Vec::new();
    let cache = settings
        .cache
        .clone()
        .and_then(|opts| Cache::open(opts, &mut warnings));
    let (walked, outcomes) = engine::run(
        &settings.walk,
        Some(&settings.rules),
        cache.as_ref(),
        &times,
    )?;
    let cache_stats = cache.map(|c| c.finish(&mut warnings));
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
    report.run = RunInfo::new(started.elapsed(), settings.walk.jobs, &times, cache_stats);
    let failed = report.fails(settings.fail_on);
    report.hide_below(settings.min_severity);
    match settings.format {
        AnalyzeFormat::Text => analyze::write_text(out, &report)?,
        AnalyzeFormat::Json => json::write(out, &report)?,
    }
    out.flush()?;
    if settings.verbosity != Verbosity::Quiet {
        for w in &warnings {
            writeln!(err, "wtfcb: warning: {w}")?;
        }
    }
    super::report_problems(err, settings.verbosity, &report.skipped, &report.errors)?;
    if settings.verbosity == Verbosity::Verbose {
        let run = &report.run;
        writeln!(
            err,
            "wtfcb: {} files in {:.3}s on {} thread(s): walk {:.3}s; summed over threads: cache {:.3}s, read {:.3}s, parse {:.3}s, facts {:.3}s, rules {:.3}s",
            report.summary.files,
            run.wall_ms / 1e3,
            run.jobs,
            run.phases_ms.walk / 1e3,
            run.phases_ms.cache / 1e3,
            run.phases_ms.read / 1e3,
            run.phases_ms.parse / 1e3,
            run.phases_ms.facts / 1e3,
            run.phases_ms.rules / 1e3,
        )?;
        match &run.cache {
            Some(c) => writeln!(
                err,
                "wtfcb: cache {}: {} files seen, {} stat hits, {} hash hits, {} misses, {} parsed, {} written; read {:.1}ms, write {:.1}ms",
                c.dir, c.files_seen, c.stat_hits, c.hash_hits, c.misses, c.files_parsed,
                c.entries_written, c.read_ms, c.write_ms
            )?,
            None => writeln!(err, "wtfcb: cache off")?,
        }
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
