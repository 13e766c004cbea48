//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=...,line=...::message`), then the verdict as a plain line. GitHub shows at most
//! 10 error and 10 warning annotations per step (and 50 per run); SARIF upload has no such cap.

use std::io::Write;

use super::analyze::AnalyzeReport;
use super::options::{by_severity, ReportOptions};
use wtfcb_core::findings::Severity;

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(out: &mut dyn Write, report: &AnalyzeReport, o: &ReportOptions) -> anyhow::Result<()> {
    for (file, f) in by_severity(report) {
        if f.suppressed {
            continue;
        }
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            property(&format!("{}{}", o.repo_prefix, file.rel)),
            f.start_line,
            f.end_line,
            f.start_column,
            f.end_column,
            property(&format!("wtfcb {} ({})", f.rule, f.severity.as_str())),
            data(&f.message)
        )?;
    }
    writeln!(out, "{}", data(&super::analyze::verdict(report, o.fail_on)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn workflow_command_escaping() {
        assert_eq!(super::data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(super::property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
