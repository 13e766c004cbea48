//! One orchestrator per subcommand: settings in, exit status out.

pub mod analyze;
pub mod bench;
pub mod cache;
pub mod rules;
pub mod scan;

use std::io::Write;

use crate::settings::Verbosity;
use crate::walk::{Diagnostic, Skipped};

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

/// Per-file problems go to stderr: errors always, skips only when verbose (else a count).
pub fn report_problems(
    err: &mut dyn Write,
    verbosity: Verbosity,
    skipped: &[Skipped],
    errors: &[Diagnostic],
) -> std::io::Result<()> {
    for e in errors {
        writeln!(err, "wtfcb: warning: {}: {}", e.path, e.message)?;
    }
    match verbosity {
        Verbosity::Verbose => {
            for s in skipped {
                writeln!(err, "wtfcb: skipped {}: {}", s.path, s.reason)?;
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
