//! One orchestrator per subcommand: settings in, exit status out.

pub mod analyze;
pub mod bench;
pub mod cache;
pub mod graph;
pub mod merge;
pub mod rules;
pub mod scan;
pub mod watch;

use std::io::Write;

use crate::settings::Verbosity;
use wtfcb_core::text::tty;
use wtfcb_core::walk::{Diagnostic, Skipped};

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Ran; nothing at or above the failure threshold.
    Success,
    /// Ran; something at or above the failure threshold.
    Failure,
    /// Usage or fatal error.
    Error,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// A failed analysis of any file outranks findings: the report is incomplete.
pub fn exit_status(analysis_failures: u64, findings_failed: bool) -> ExitStatus {
    if analysis_failures > 0 {
        ExitStatus::Error
    } else if findings_failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Walks and reads every file's facts, no rule run, through the cache: what `scan` and
/// `graph` share. The cache is written before this returns.
pub fn facts_only(
    settings: &crate::settings::ScanSettings,
    times: &wtfcb_engine::engine::PhaseTimes,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(
    wtfcb_core::walk::WalkResult,
    Vec<wtfcb_engine::engine::Outcome>,
    Option<wtfcb_store::cache::CacheStats>,
)> {
    let (walked, configs) = settings.walk.walk_all(times)?;
    settings
        .rules
        .set_nested(configs.iter().map(|n| n.rules()).collect())?;
    let cache = settings
        .cache
        .clone()
        .filter(|_| !walked.files.is_empty())
        .and_then(|opts| wtfcb_store::cache::Cache::open(opts, warnings));
    let isolation = crate::analysis::isolation(&settings.walk)?;
    let outcomes = crate::analysis::process(
        &walked,
        &settings.walk,
        settings.verbosity,
        &wtfcb_engine::engine::Services {
            rules: Some(&settings.rules),
            cache: cache.as_ref(),
            isolation: &isolation,
            times,
            contents: None,
            tokens: wtfcb_core::facts::tokens::Need::Nothing,
            observer: None,
        },
    )?;
    warnings.extend(isolation.warning());
    warnings.extend(wtfcb_engine::engine::thread_warning());
    drop(isolation);
    let upload = cache.as_ref().and_then(|c| c.start_upload());
    let mut stats = cache.map(|c| c.finish(warnings));
    if let Some(upload) = upload {
        finish_upload(
            upload,
            settings.verbosity,
            stats.as_mut(),
            warnings,
            &mut std::io::stderr(),
        )?;
    }
    Ok((walked, outcomes, stats))
}

/// Waits for the remote's writes, records its counters (the run's stats, `cache stats`) and
/// says on stderr what it did, unless quiet; its failure becomes a warning.
pub fn finish_upload(
    upload: wtfcb_store::cache::Upload,
    verbosity: Verbosity,
    stats: Option<&mut wtfcb_store::cache::CacheStats>,
    warnings: &mut Vec<String>,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let (mut remote, warning) = upload.join();
    warnings.extend(warning);
    if let Some(stats) = stats {
        remote.queued = stats.remote.as_ref().map_or(0, |r| r.queued);
        warnings.extend(wtfcb_store::cache::save_remote_stats(
            std::path::Path::new(&stats.dir),
            &remote,
        ));
        stats.remote = Some(remote.clone());
    }
    if verbosity != Verbosity::Quiet {
        writeln!(err, "wtfcb: {}", remote.line())?;
    }
    Ok(())
}

/// Run-level warnings (they may name paths) go to stderr unless quiet.
pub fn report_warnings(
    err: &mut dyn Write,
    verbosity: Verbosity,
    warnings: &[String],
) -> std::io::Result<()> {
    if verbosity != Verbosity::Quiet {
        for w in warnings {
            writeln!(err, "wtfcb: warning: {}", tty(w))?;
        }
    }
    Ok(())
}

/// Code left unread (Rust macro bodies that do not parse as code) goes to stderr: per file
/// when verbose, else a count, nothing when quiet.
pub fn report_unread(
    err: &mut dyn Write,
    verbosity: Verbosity,
    files: &[wtfcb_engine::engine::FileRecord],
) -> std::io::Result<()> {
    let unread = files.iter().filter(|f| !f.facts.unread.is_empty());
    match verbosity {
        Verbosity::Verbose => {
            for f in unread {
                let u = f.facts.unread;
                let (bodies, lines) = match (u.macro_bodies, u.lines) {
                    (1, 1) => ("1 macro body".to_string(), "1 line".to_string()),
                    (1, l) => ("1 macro body".to_string(), format!("{l} lines")),
                    (b, l) => (format!("{b} macro bodies"), format!("{l} lines")),
                };
                writeln!(
                    err,
                    "wtfcb: not read: {}:{}: {bodies} ({lines}) not Rust code (the first here)",
                    tty(&f.path),
                    u.first_line,
                )?;
            }
        }
        Verbosity::Normal => {
            let (files, bodies) = unread.fold((0u64, 0u64), |(n, b), f| {
                (n + 1, b + u64::from(f.facts.unread.macro_bodies))
            });
            if files > 0 {
                writeln!(
                    err,
                    "wtfcb: {bodies} Rust macro bod{} in {files} file(s) not read as code (-v lists them)",
                    if bodies == 1 { "y" } else { "ies" }
                )?;
            }
        }
        Verbosity::Quiet => {}
    }
    Ok(())
}

/// Per-file problems go to stderr: errors always, skips only when verbose (else a count).
pub fn report_problems(
    err: &mut dyn Write,
    verbosity: Verbosity,
    skipped: &[Skipped],
    errors: &[Diagnostic],
) -> std::io::Result<()> {
    for e in errors {
        let level = if e.analysis_failed {
            "error"
        } else {
            "warning"
        };
        writeln!(err, "wtfcb: {level}: {}: {}", tty(&e.path), tty(&e.message))?;
    }
    let failed = errors.iter().filter(|e| e.analysis_failed).count();
    if failed > 0 {
        writeln!(
            err,
            "wtfcb: {failed} file(s) could not be analyzed; every other file was, but the report is incomplete (exit 2)"
        )?;
    }
    match verbosity {
        Verbosity::Verbose => {
            for s in skipped {
                writeln!(err, "wtfcb: skipped {}: {}", tty(&s.path), tty(&s.reason))?;
            }
        }
        Verbosity::Normal if !skipped.is_empty() => {
            writeln!(
                err,
                "wtfcb: {} file(s) skipped (-v lists them)",
                skipped.len()
            )?;
        }
        _ => {}
    }
    Ok(())
}
