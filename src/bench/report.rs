//! The bench report as a text table or Markdown (`bench.md`).

use std::io::{self, Write};

use super::{BenchReport, ScenarioResult};

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn row(s: &ScenarioResult) -> [String; 11] {
    [
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

pub fn write_text(out: &mut dyn Write, report: &BenchReport) -> io::Result<()> {
    for (i, p) in report.projects.iter().enumerate() {
        writeln!(out, "{}", project_line(report, i))?;
        let rows: Vec<[String; 11]> = p.scenarios.iter().map(row).collect();
        let widths: Vec<usize> = (0..11)
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].chars().count())
                    .chain([HEADER[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| {
            cells
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    if c == 0 {
                        format!("{v:<w$}", w = widths[c])
                    } else {
                        format!("{v:>w$}", w = widths[c])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        writeln!(out, "{}", line(HEADER.to_vec()))?;
        for r in &rows {
            writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
        }
        for rec in &p.recommendations {
            writeln!(out, "  * {rec}")?;
        }
        writeln!(out)?;
    }
    if !report.scaling.is_empty() {
        writeln!(out, "scaling (generated projects):")?;
        writeln!(
            out,
            "{:>7} {:>8}  {:<22} {:>9} {:>12} {:>9}",
            "files", "MB", "scenario", "median s", "µs per file", "peak MiB"
        )?;
        for r in &report.scaling {
            writeln!(
                out,
                "{:>7} {:>8.1}  {:<22} {:>9.3} {:>12.0} {:>9.1}",
                r.files,
                r.mb,
                r.scenario,
                r.median_s,
                r.per_file_us,
                mib(r.peak_rss_bytes)
            )?;
        }
    }
    Ok(())
}

pub fn write_markdown(out: &mut dyn Write, report: &BenchReport) -> io::Result<()> {
    writeln!(out, "# wtfcb bench ({})\n", report.version)?;
    for (i, p) in report.projects.iter().enumerate() {
        writeln!(out, "## {}\n", project_line(report, i))?;
        writeln!(out, "| {} |", HEADER.join(" | "))?;
        writeln!(out, "|{}", " --- |".repeat(HEADER.len()))?;
        for s in &p.scenarios {
            writeln!(out, "| {} |", row(s).join(" | "))?;
        }
        writeln!(out)?;
        for rec in &p.recommendations {
            writeln!(out, "- {rec}")?;
        }
        writeln!(out)?;
    }
    if !report.scaling.is_empty() {
        writeln!(out, "## Scaling\n")?;
        writeln!(
            out,
            "| files | MB | scenario | median s | µs per file | peak MiB |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for r in &report.scaling {
            writeln!(
                out,
                "| {} | {:.1} | {} | {:.3} | {:.0} | {:.1} |",
                r.files,
                r.mb,
                r.scenario,
                r.median_s,
                r.per_file_us,
                mib(r.peak_rss_bytes)
            )?;
        }
    }
    Ok(())
}
