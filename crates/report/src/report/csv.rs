//! `--format csv` (one finding per row) and `--format csv-functions` (one function per row
//! with its metrics, as lizard's CSV), RFC 4180 through the `csv` crate. A cell that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a
//! leading `'`, as OWASP advises against CSV injection.

use std::io::Write;

use super::analyze::AnalyzeReport;
use super::options::{shown, ReportOptions};

/// A cell that no spreadsheet evaluates.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

pub fn write_findings(
    out: &mut dyn Write,
    report: &AnalyzeReport,
    _: &ReportOptions,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "rule",
        "category",
        "message",
        "symbol",
        "value",
        "suppressed",
        "fingerprint",
    ])?;
    for (file, f) in shown(report) {
        w.write_record([
            cell(&file.path).as_ref(),
            &f.start_line.to_string(),
            &f.start_column.to_string(),
            &f.end_line.to_string(),
            &f.end_column.to_string(),
            f.severity.as_str(),
            &f.rule,
            f.category.as_str(),
            &cell(&f.message),
            &cell(f.symbol.as_deref().unwrap_or("")),
            &f.value.map(|v| v.to_string()).unwrap_or_default(),
            if f.suppressed { "true" } else { "false" },
            &f.fingerprint,
        ])?;
    }
    w.flush()?;
    Ok(())
}

pub fn write_functions(
    out: &mut dyn Write,
    report: &AnalyzeReport,
    _: &ReportOptions,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "path",
        "function",
        "line",
        "end_line",
        "cyclomatic",
        "cognitive",
        "nesting",
        "parameters",
        "code_lines",
        "returns",
    ])?;
    for file in &report.files {
        for f in &file.facts.functions {
            w.write_record([
                cell(&file.path).as_ref(),
                &cell(&f.qualified_name),
                &f.start_line.to_string(),
                &f.end_line.to_string(),
                &f.cyclomatic.to_string(),
                &f.cognitive.to_string(),
                &f.max_nesting.to_string(),
                &f.parameters.to_string(),
                &f.code_lines.to_string(),
                &f.returns.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::cell("-1"), "'-1");
        assert_eq!(super::cell("src/a.py"), "src/a.py");
    }
}
