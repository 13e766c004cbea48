//! The bench report as a text table or Markdown (`bench.md`).

use std::io::{self, Write};

use super::{BenchReport, ScalingRow, ScenarioResult};

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

const HEADER: [&str; 11] = [
    "scenario",
    "-j",
    "median s",
    "min–max s",
    "cpu s",
    "peak MiB",
    "files/s",
    "lines/s",
    "MB/s",
    "speedup",
    "hit rate",
];

fn row(s: &ScenarioResult) -> Vec<String> {
    vec![
        s.name.clone(),
        s.jobs.to_string(),
        format!("{:.3}", s.median_s),
        format!("{:.3}–{:.3}", s.min_s, s.max_s),
        format!("{:.2}", s.cpu_s),
        format!("{:.1}", mib(s.peak_rss_bytes)),
        format!("{:.0}", s.files_per_s),
        format!("{:.0}", s.lines_per_s),
        format!("{:.1}", s.mb_per_s),
        s.speedup.map_or("-".into(), |x| format!("{x:.2}x")),
        match (s.hit_rate, s.noisy) {
            (Some(h), noisy) => format!("{:.1}%{}", h * 100.0, if noisy { " noisy" } else { "" }),
            (None, true) => "- noisy".into(),
            (None, false) => "-".into(),
        },
    ]
}

const SCALING_HEADER: [&str; 6] = [
    "files",
    "MB",
    "scenario",
    "median s",
    "µs per file",
    "peak MiB",
];
/// The column of `SCALING_HEADER` that holds text (left-aligned).
const SCALING_TEXT_COLUMN: usize = 2;

fn scaling_row(r: &ScalingRow) -> Vec<String> {
    vec![
        r.files.to_string(),
        format!("{:.1}", r.mb),
        r.scenario.clone(),
        format!("{:.3}", r.median_s),
        format!("{:.0}", r.per_file_us),
        format!("{:.1}", mib(r.peak_rss_bytes)),
    ]
}

fn project_line(report: &BenchReport, i: usize) -> String {
    let p = &report.projects[i];
    format!(
        "{}: {} files, {:.1} MB, {} code lines; {} runs after {} warm-up, {} cores",
        p.path,
        p.files,
        p.bytes as f64 / 1e6,
        p.code_lines,
        report.runs,
        report.warmup,
        report.cores
    )
}

/// A text table: columns as wide as their widest cell, numbers right-aligned, the `text`
/// column left-aligned.
fn write_aligned(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    text: usize,
) -> io::Result<()> {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .enumerate()
            .map(|(c, v)| {
                if c == text {
                    format!("{v:<w$}", w = widths[c])
                } else {
                    format!("{v:>w$}", w = widths[c])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&mut header.iter().copied()))?;
    for r in rows {
        writeln!(out, "{}", line(&mut r.iter().map(String::as_str)))?;
    }
    Ok(())
}

fn write_markdown_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "|{}", " --- |".repeat(header.len()))?;
    for r in rows {
        writeln!(out, "| {} |", r.join(" | "))?;
    }
    Ok(())
}

pub fn write_text(out: &mut dyn Write, report: &BenchReport) -> io::Result<()> {
    for (i, p) in report.projects.iter().enumerate() {
        writeln!(out, "{}", project_line(report, i))?;
        let rows: Vec<_> = p.scenarios.iter().map(row).collect();
        write_aligned(out, &HEADER, &rows, 0)?;
        for cut in &p.budget_cuts {
            writeln!(out, "  budget: {cut}")?;
        }
        for rec in &p.recommendations {
            writeln!(out, "  * {rec}")?;
        }
        writeln!(out)?;
    }
    if !report.scaling.is_empty() {
        writeln!(out, "scaling (generated projects):")?;
        let rows: Vec<_> = report.scaling.iter().map(scaling_row).collect();
        write_aligned(out, &SCALING_HEADER, &rows, SCALING_TEXT_COLUMN)?;
    }
    Ok(())
}

pub fn write_markdown(out: &mut dyn Write, report: &BenchReport) -> io::Result<()> {
    writeln!(out, "# wtfcb bench ({})\n", report.version)?;
    for (i, p) in report.projects.iter().enumerate() {
        writeln!(out, "## {}\n", project_line(report, i))?;
        let rows: Vec<_> = p.scenarios.iter().map(row).collect();
        write_markdown_table(out, &HEADER, &rows)?;
        writeln!(out)?;
        for cut in &p.budget_cuts {
            writeln!(out, "- Budget: {cut}")?;
        }
        for rec in &p.recommendations {
            writeln!(out, "- {rec}")?;
        }
        writeln!(out)?;
    }
    if !report.scaling.is_empty() {
        writeln!(out, "## Scaling\n")?;
        let rows: Vec<_> = report.scaling.iter().map(scaling_row).collect();
        write_markdown_table(out, &SCALING_HEADER, &rows)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{Kind, ProjectResult};

    fn report() -> BenchReport {
        let scenario = ScenarioResult {
            name: "cache warm".into(),
            kind: Kind::CacheWarm,
            jobs: 2,
            runs: Vec::new(),
            median_s: 0.143,
            min_s: 0.136,
            max_s: 0.151,
            cpu_s: 0.2,
            peak_rss_bytes: 64 * 1024 * 1024,
            files_per_s: 12581.0,
            lines_per_s: 4352448.0,
            mb_per_s: 221.8,
            speedup: Some(48.93),
            speedup_against: Some("parallel 2".into()),
            hit_rate: Some(0.996),
            noisy: true,
        };
        BenchReport {
            comparison: None,
            tool: "wtfcb",
            version: "0",
            cores: 2,
            runs: 5,
            warmup: 1,
            projects: vec![ProjectResult {
                path: "p".into(),
                files: 10,
                bytes: 1000,
                code_lines: 100,
                scenarios: vec![scenario],
                recommendations: vec!["use -j 2".into()],
                budget_cuts: Vec::new(),
            }],
            scaling: vec![ScalingRow {
                files: 10000,
                mb: 47.1,
                scenario: "cache warm".into(),
                median_s: 0.305,
                per_file_us: 30.5,
                peak_rss_bytes: 100 * 1024 * 1024,
            }],
        }
    }

    #[test]
    fn text_and_markdown_tables() {
        let mut text = Vec::new();
        write_text(&mut text, &report()).unwrap();
        let text = String::from_utf8(text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Header and row of each table have the same width: columns line up.
        assert_eq!(lines[1].chars().count(), lines[2].chars().count(), "{text}");
        assert!(lines[2].starts_with("cache warm  ") && lines[2].ends_with("99.6% noisy"));
        assert_eq!(lines[3], "  * use -j 2");
        let scaling = &lines[lines.len() - 2..];
        assert_eq!(
            scaling[0].chars().count(),
            scaling[1].chars().count(),
            "{text}"
        );
        assert!(scaling[1].contains("10000") && scaling[1].contains("cache warm"));
        assert!(scaling[1].ends_with("100.0"), "{}", scaling[1]);

        let mut md = Vec::new();
        write_markdown(&mut md, &report()).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(
            md.contains("| cache warm | 2 | 0.143 | 0.136–0.151 |"),
            "{md}"
        );
        assert!(
            md.contains("| 10000 | 47.1 | cache warm | 0.305 | 30 | 100.0 |"),
            "{md}"
        );
    }
}
