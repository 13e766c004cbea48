//! The history report as text (a terminal summary), JSON (everything), CSV (one row per
//! commit) or HTML (the dashboard, [`super::html`]).

use std::io::Write;

use super::model::{findings_total, short, signed, thousands, trend_rows};
use super::{CommitPoint, HistoryReport};
use crate::cli::HistoryFormat;
use wtfcb_core::text::tty;
use wtfcb_report::report::csv::cell;

pub fn write(
    out: &mut dyn Write,
    report: &HistoryReport,
    format: HistoryFormat,
    top: usize,
) -> anyhow::Result<()> {
    match format {
        HistoryFormat::Json => wtfcb_report::report::json::write(out, report)?,
        HistoryFormat::Csv => write_csv(out, report)?,
        HistoryFormat::CsvHotspots => write_hotspots_csv(out, report)?,
        HistoryFormat::Text => write_text(out, report, top)?,
        HistoryFormat::Html => out.write_all(super::html::page(report, top).as_bytes())?,
    }
    Ok(())
}

const CSV_HEADER: [&str; 24] = [
    "commit",
    "time",
    "subject",
    "files",
    "files_failed",
    "functions",
    "code_lines",
    "cyclomatic_median",
    "cyclomatic_p90",
    "cyclomatic_max",
    "cyclomatic_total",
    "cognitive_median",
    "cognitive_p90",
    "cognitive_max",
    "cognitive_total",
    "findings",
    "findings_critical",
    "findings_high",
    "changed_files",
    "lines_added",
    "lines_deleted",
    "duplicated_lines",
    "duplicated_percent",
    "import_cycles",
];

/// One row per file present at the last commit that the range changed, highest score
/// first (the `authors` column only with `--authors`).
fn write_hotspots_csv(out: &mut dyn Write, report: &HistoryReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let authors = report.hotspots.iter().any(|h| h.authors.is_some());
    let mut header = vec![
        "path",
        "score",
        "commits",
        "lines_added",
        "lines_deleted",
        "cyclomatic",
        "max_cognitive",
        "code_lines",
    ];
    if authors {
        header.push("authors");
    }
    w.write_record(&header)?;
    for h in &report.hotspots {
        let mut row = vec![
            cell(&h.path).into_owned(),
            h.score.to_string(),
            h.commits.to_string(),
            h.lines_added.to_string(),
            h.lines_deleted.to_string(),
            h.cyclomatic.to_string(),
            h.max_cognitive.to_string(),
            h.code_lines.to_string(),
        ];
        if let Some(a) = h.authors {
            row.push(a.to_string());
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// One row per commit, oldest first; the cross-file columns are empty where not sampled.
fn write_csv(out: &mut dyn Write, report: &HistoryReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for c in &report.commits {
        let severity = |s: &str| c.findings.get(s).copied().unwrap_or(0).to_string();
        let cross = |f: &dyn Fn(&super::store::CrossSummary) -> String| {
            c.cross_file.as_ref().map(f).unwrap_or_default()
        };
        let row: Vec<String> = vec![
            c.id.clone(),
            c.time.to_string(),
            cell(&c.subject).into_owned(),
            c.files.to_string(),
            c.files_failed.to_string(),
            c.functions.to_string(),
            c.code_lines.to_string(),
            c.cyclomatic.median.to_string(),
            c.cyclomatic.p90.to_string(),
            c.cyclomatic.max.to_string(),
            c.cyclomatic.total.to_string(),
            c.cognitive.median.to_string(),
            c.cognitive.p90.to_string(),
            c.cognitive.max.to_string(),
            c.cognitive.total.to_string(),
            findings_total(c).to_string(),
            severity("critical"),
            severity("high"),
            c.changed_files.to_string(),
            c.lines_added.to_string(),
            c.lines_deleted.to_string(),
            cross(&|x| x.duplicated_lines.to_string()),
            cross(&|x| format!("{:.2}", x.duplicated_percent)),
            cross(&|x| x.import_cycles.to_string()),
        ];
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn write_text(out: &mut dyn Write, r: &HistoryReport, top: usize) -> anyhow::Result<()> {
    let (Some(first), Some(last)) = (r.commits.first(), r.commits.last()) else {
        return Ok(());
    };
    let run = &r.run;
    writeln!(
        out,
        "wtfcb history: {} commits ({}, {} → {}), {} file versions ({} analyzed now, {} from the history store) in {:.1} s",
        thousands(run.commits),
        tty(&r.range),
        short(&first.id),
        short(&last.id),
        thousands(run.file_versions),
        thousands(run.analyzed),
        thousands(run.from_store),
        run.seconds
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<20} {:>12} {:>12} {:>10}",
        "", "first", "last", "change"
    )?;
    for (label, a, b) in trend_rows(first, last) {
        writeln!(
            out,
            "{label:<20} {:>12} {:>12} {:>10}",
            thousands(a),
            thousands(b),
            signed(a, b)
        )?;
    }
    let sampled: Vec<&CommitPoint> = r
        .commits
        .iter()
        .filter(|c| c.cross_file.is_some())
        .collect();
    if let (Some(a), Some(b)) = (sampled.first(), sampled.last()) {
        let (x, y) = (
            a.cross_file.unwrap_or_default(),
            b.cross_file.unwrap_or_default(),
        );
        writeln!(
            out,
            "{:<20} {:>11.2}% {:>11.2}%   ({} sampled commits)",
            "duplicated lines",
            x.duplicated_percent,
            y.duplicated_percent,
            sampled.len()
        )?;
        writeln!(
            out,
            "{:<20} {:>12} {:>12} {:>10}",
            "import cycles",
            x.import_cycles,
            y.import_cycles,
            signed(x.import_cycles, y.import_cycles)
        )?;
    }
    write_hotspots(out, r, top)?;
    write_worsened(out, r, top)
}

fn write_hotspots(out: &mut dyn Write, r: &HistoryReport, top: usize) -> anyhow::Result<()> {
    if !r.hotspots.is_empty() {
        writeln!(
            out,
            "\nHotspots (commits × cyclomatic complexity, at the last commit)"
        )?;
        writeln!(
            out,
            "{:>8} {:>8} {:>14} {:>11} {:>8}  path",
            "score", "commits", "lines +/-", "cyclomatic", "max cog"
        )?;
        for h in r.hotspots.iter().take(top) {
            writeln!(
                out,
                "{:>8} {:>8} {:>14} {:>11} {:>8}  {}",
                thousands(h.score),
                h.commits,
                format!("+{}/-{}", h.lines_added, h.lines_deleted),
                h.cyclomatic,
                h.max_cognitive,
                tty(&h.path)
            )?;
        }
    }
    Ok(())
}

fn write_worsened(out: &mut dyn Write, r: &HistoryReport, top: usize) -> anyhow::Result<()> {
    if !r.worsened.is_empty() {
        writeln!(
            out,
            "\nFunctions that got worse (cognitive complexity since first seen)"
        )?;
        for w in r.worsened.iter().take(top) {
            writeln!(
                out,
                "{:>4} → {:<4} cyclomatic {:>3} → {:<3}  {}  {}",
                w.cognitive_before,
                w.cognitive_after,
                w.cyclomatic_before,
                w.cyclomatic_after,
                tty(&w.path),
                tty(&w.name)
            )?;
        }
    }
    Ok(())
}
