//! `wtfcb bench`: the performance report, or `--generate` a synthetic project.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::bench::{self, history, BenchSettings};
use crate::cli::{BenchArgs, BenchFormat};
use wtfcb_report::report::json;

use super::ExitStatus;

pub fn run(
    args: &BenchArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if let Some(dir) = &args.generate {
        let files = args.files.unwrap_or(0);
        let made = bench::generate::generate(dir, files)
            .with_context(|| format!("generating into {}", dir.display()))?;
        writeln!(
            out,
            "wrote {} files ({:.1} MB, {} duplicates) to {}",
            made.files,
            made.bytes as f64 / 1e6,
            made.duplicates,
            dir.display()
        )?;
        return Ok(ExitStatus::Success);
    }
    check(args)?;
    let server = serve(args, err)?;
    let settings = BenchSettings {
        live: server.as_ref().map(|s| std::sync::Arc::clone(s.live())),
        path: args.path.clone().unwrap_or_else(|| PathBuf::from(".")),
        // The default `-j` (every core) is always measured, so a recommendation never rests on
        // a setting nobody timed against it.
        parallel: {
            let mut jobs = args.parallel.clone();
            jobs.push(bench::cores());
            jobs.sort_unstable();
            jobs.dedup();
            jobs
        },
        cache: args.cache || args.full_suite,
        runs: args.runs,
        warmup: args.warmup,
        full_suite: args.full_suite,
        budget: (args.budget > 0.0).then(|| Duration::from_secs_f64(args.budget)),
        sample_interval: Duration::from_millis(args.sample_interval),
        binary: std::env::current_exe().context("locating the wtfcb binary")?,
    };
    // Locate (and read) a saved run before measuring, so a typo fails in a second, not after.
    let saved = match &args.compare {
        Some(name) => Some(history::load(&history::location(name)?)?),
        None => None,
    };
    let save_to = args.save.as_deref().map(history::location).transpose()?;
    let mut report = bench::run(&settings, err)?;
    let now = history::Saved::of(args.save.as_deref().unwrap_or("now"), &report);
    if let Some(old) = &saved {
        report.comparison = Some(history::compare(old, &now, args.threshold));
    }
    if let Some(path) = &save_to {
        history::save(path, &now)?;
        writeln!(err, "wtfcb bench: saved to {}", path.display())?;
    }
    if let Some(dir) = &args.output {
        std::fs::create_dir_all(dir).with_context(|| format!("--output {}", dir.display()))?;
        let mut file = std::fs::File::create(dir.join("bench.json"))?;
        json::write(&mut file, &report)?;
        let mut file = std::fs::File::create(dir.join("bench.md"))?;
        bench::write_markdown(&mut file, &report)?;
        let mut page = Vec::new();
        bench::write_html(&mut page, &report)?;
        wtfcb_core::fsio::write_atomically(&dir.join("bench.html"), &page)?;
    }
    match args.format {
        BenchFormat::Text => bench::write_text(out, &report)?,
        BenchFormat::Markdown => bench::write_markdown(out, &report)?,
        BenchFormat::Json => json::write(out, &report)?,
    }
    if let (Some(c), BenchFormat::Text | BenchFormat::Markdown) = (&report.comparison, args.format)
    {
        history::write_text(out, c)?;
    }
    out.flush()?;
    if let Some(server) = server {
        let scenarios: usize = report.projects.iter().map(|p| p.scenarios.len()).sum();
        server
            .live()
            .finish(serde_json::json!({ "scenarios": scenarios }));
        server.stop(args.serve_keep, err);
    }
    Ok(match &report.comparison {
        Some(c) if c.regressions > 0 => ExitStatus::Failure,
        _ => ExitStatus::Success,
    })
}

/// With `--serve`: the live page started (with the runs saved before), its address on stderr.
fn serve(args: &BenchArgs, err: &mut dyn Write) -> anyhow::Result<Option<crate::serve::Server>> {
    if !args.serve {
        return Ok(None);
    }
    let live = std::sync::Arc::new(crate::serve::Live::new("bench"));
    let saved: Vec<serde_json::Value> = history::saved_runs(50)
        .iter()
        .map(|s| {
            let runs: Vec<serde_json::Value> = s
                .scenarios
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": format!("{} (-j {})", c.scenario, c.jobs),
                        "median_ms": (c.median_s * 1e4).round() / 10.0,
                    })
                })
                .collect();
            serde_json::json!({"name": s.name, "runs": runs})
        })
        .collect();
    live.set_saved(serde_json::Value::Array(saved));
    let server = crate::serve::Server::start(live)?;
    writeln!(err, "wtfcb: live at {}", server.url())?;
    Ok(Some(server))
}

/// The options' values, checked before anything is measured.
fn check(args: &BenchArgs) -> anyhow::Result<()> {
    if args.parallel.contains(&0) {
        bail!("--parallel must be at least 1");
    }
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if args.sample_interval == 0 {
        bail!("--sample-interval must be at least 1 ms");
    }
    if !(args.budget.is_finite() && (0.0..=1e9).contains(&args.budget)) {
        bail!(
            "--budget must be a number of seconds from 0 (no limit) up, got {}",
            args.budget
        );
    }
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        bail!("--threshold must be a percentage of 0 or more");
    }
    Ok(())
}
