//! The terminal table of `scan`: one row per language and a total, as tokei prints it.

use std::io::{self, Write};

use super::{ScanReport, Totals};

const WIDTH: usize = 86;

fn row(out: &mut dyn Write, name: &str, t: &Totals) -> io::Result<()> {
    writeln!(
        out,
        " {:<12} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10} {:>9}",
        name,
        t.files,
        t.lines.total,
        t.lines.code,
        t.lines.comment,
        t.lines.blank,
        t.functions,
        t.classes
    )
}

pub fn write_scan(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let rule = "━".repeat(WIDTH);
    let thin = "─".repeat(WIDTH);
    writeln!(out, "{rule}")?;
    writeln!(
        out,
        " {:<12} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10} {:>9}",
        "Language", "Files", "Lines", "Code", "Comments", "Blanks", "Functions", "Classes"
    )?;
    writeln!(out, "{thin}")?;
    for (lang, totals) in &report.summary.languages {
        row(out, lang.name(), totals)?;
    }
    writeln!(out, "{thin}")?;
    row(out, "Total", &report.summary.total)?;
    writeln!(out, "{rule}")?;
    let s = &report.summary;
    if s.files_with_syntax_errors > 0 {
        writeln!(
            out,
            " {} file(s) with syntax errors",
            s.files_with_syntax_errors
        )?;
    }
    if s.files_with_invalid_utf8 > 0 {
        writeln!(
            out,
            " {} file(s) with invalid UTF-8 (decoded lossily)",
            s.files_with_invalid_utf8
        )?;
    }
    Ok(())
}
