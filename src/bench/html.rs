//! `bench.html` (written beside `bench.json` by `bench --output DIR`): each project's
//! scenarios as medians with min–max whiskers, the scaling of `--full-suite` (files against
//! seconds, log-log), and the memory and CPU timeline of each scenario's median run.

use std::io::Write;

use super::{BenchReport, ScenarioResult};
use wtfcb_report::report::charts;
use wtfcb_report::report::html::escape;

/// The run whose wall time is the scenario's median (the first of two middle ones).
fn median_run(s: &ScenarioResult) -> Option<&super::RunMeasure> {
    let mut runs: Vec<&super::RunMeasure> = s.runs.iter().collect();
    runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    runs.get(runs.len().saturating_sub(1) / 2).copied()
}

pub fn write_html(out: &mut dyn Write, report: &BenchReport) -> anyhow::Result<()> {
    let mut body = format!(
        "<p>wtfcb {} on {} core(s); {} measured run(s) per scenario after {} warm-up run(s).</p>",
        escape(report.version),
        report.cores,
        report.runs,
        report.warmup
    );
    for project in &report.projects {
        body.push_str(&format!(
            "<section><h2>{}</h2><p class=\"muted\">{} files, {} code lines, {:.1} MB</p>",
            escape(&project.path),
            project.files,
            project.code_lines,
            project.bytes as f64 / 1e6
        ));
        let rows: Vec<(String, f64, f64, f64)> = project
            .scenarios
            .iter()
            .map(|s| (s.name.clone(), s.median_s, s.min_s, s.max_s))
            .collect();
        body.push_str(&charts::whiskers(
            "Wall time per scenario: median, with the fastest and slowest run",
            "s",
            &rows,
        ));
        for s in &project.scenarios {
            let Some(run) = median_run(s) else { continue };
            if run.timeline.len() < 2 {
                continue;
            }
            body.push_str(&format!(
                "<h3>{}: the median run over time</h3><div class=\"grid\">",
                escape(&s.name)
            ));
            body.push_str(&charts::lines(
                "Resident memory (MiB)",
                "ms",
                "MiB",
                &[(
                    "memory".into(),
                    run.timeline
                        .iter()
                        .map(|x| (x.t_ms, x.rss_bytes as f64 / (1 << 20) as f64))
                        .collect(),
                )],
                false,
            ));
            body.push_str(&charts::lines(
                "CPU (%, 100 = one core)",
                "ms",
                "%",
                &[(
                    "CPU".into(),
                    run.timeline
                        .iter()
                        .skip(1)
                        .map(|x| (x.t_ms, f64::from(x.cpu_percent)))
                        .collect(),
                )],
                false,
            ));
            body.push_str("</div>");
        }
        body.push_str("</section>");
    }
    if !report.scaling.is_empty() {
        let mut names: Vec<&str> = report.scaling.iter().map(|r| r.scenario.as_str()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        let series: Vec<(String, Vec<(f64, f64)>)> = names
            .iter()
            .map(|name| {
                (
                    name.to_string(),
                    report
                        .scaling
                        .iter()
                        .filter(|r| r.scenario == *name)
                        .map(|r| (r.files as f64, r.median_s))
                        .collect(),
                )
            })
            .collect();
        body.push_str("<section><h2>Scaling (--full-suite)</h2>");
        body.push_str(&charts::lines(
            "Median wall time against project size (log-log: a straight line of slope 1 is linear)",
            "files",
            "s",
            &series,
            true,
        ));
        body.push_str("</section>");
    }
    out.write_all(charts::page("wtfcb bench", &body).as_bytes())?;
    Ok(())
}
