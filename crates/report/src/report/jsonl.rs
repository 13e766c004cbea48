//! `--format jsonl`: one finding per line as a JSON object (the fields of the JSON report's
//! findings), in report order; suppressed and baselined findings carry their flags.

use std::io::Write;

use super::analyze::AnalyzeReport;
use super::options::ReportOptions;

pub fn write(out: &mut dyn Write, report: &AnalyzeReport, _: &ReportOptions) -> anyhow::Result<()> {
    // A buffer in front of `dyn Write`, as for the JSON report (see `json::pretty`).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    for file in &report.files {
        for finding in file.findings.iter().flatten() {
            serde_json::to_writer(&mut out, finding).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
