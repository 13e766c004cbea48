//! `wtfcb analyze`: walk, read, parse, measure and check each file once (or take it from the
//! cache); findings out; the exit code from `--fail-on`.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;

use crate::analysis::{Finished, Run};
use crate::settings::{AnalyzeSettings, BaselineMode, Verbosity};
use wtfcb_report::baseline::Baseline;
use wtfcb_report::report::analyze::{self, AnalyzeReport, ProfileReport, Scaling};
use wtfcb_report::report::formats::{self, ReportOptions};
use wtfcb_report::report::json;

use super::ExitStatus;

pub fn run(
    settings: &AnalyzeSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    run_with(settings, None, out, err)
}

/// `analyze`, or with `parts` (checked by `shard::check_parts`) `merge`: every file's result
/// taken from its part instead of the file. The stages are `analysis::Run`'s; this renders.
pub fn run_with(
    settings: &AnalyzeSettings,
    parts: Option<Vec<crate::shard::Part>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let server = serve(settings, err)?;
    let live = server.as_ref().map(|s| std::sync::Arc::clone(s.live()));
    let stage = |name: &str, total: Option<u64>| {
        if let Some(live) = &live {
            live.stage(name, total);
        }
    };
    stage("walk", None);
    let mut run = Run::prepare(settings, parts)?;
    if settings.show_files {
        return show_files(&run.walked, out);
    }
    if settings.show_settings {
        return show_settings(settings, &run.walked, &run.configs, out);
    }
    run.live = live.clone();
    stage("files", Some(run.walked.files.len() as u64));
    run.open()?;
    let mut outcomes = run.files()?;
    if let (Some(args), Some(shard)) = (&settings.part, settings.shard) {
        run.for_part(&mut outcomes);
        return write_part(settings, (args, shard), run, outcomes, (out, err));
    }
    stage("cross-file", None);
    let cross = run.cross_file(&mut outcomes);
    if let Some(live) = &live {
        live.phase_ms("cross-file (wall)", cross.ms);
    }
    let new_since = run.new_code(&outcomes)?;
    stage("report", None);
    let finished = run.finish(outcomes, cross, new_since);
    if let Some(live) = &live {
        live.finish(live_result(&finished.report));
    }
    let status = if settings.baseline_action != BaselineMode::Apply {
        write_baseline(settings, finished, out, err)
    } else {
        render(settings, finished, out, err)
    };
    if let Some(server) = server {
        out.flush()?;
        server.stop(settings.serve_keep, err);
    }
    status
}

/// With `--serve`: the live page started, its address on stderr.
fn serve(
    settings: &AnalyzeSettings,
    err: &mut dyn Write,
) -> anyhow::Result<Option<crate::serve::Server>> {
    if !settings.serve {
        return Ok(None);
    }
    let live = std::sync::Arc::new(crate::serve::Live::new("analyze"));
    let server = crate::serve::Server::start(live)?;
    writeln!(err, "wtfcb: live at {}", server.url())?;
    Ok(Some(server))
}

/// The run's numbers as its report has them, for the live page's last state.
fn live_result(report: &AnalyzeReport) -> serde_json::Value {
    let s = &report.summary;
    let mut result = serde_json::json!({
        "files": s.files,
        "functions": s.functions,
        "findings": s.by_severity.values().sum::<u64>(),
        "skipped": s.skipped,
        "errors": s.errors,
        "analysis_failures": s.analysis_failures,
        "wall_ms": (report.run.wall_ms * 10.0).round() / 10.0,
    });
    for (severity, n) in &s.by_severity {
        result[severity.as_str()] = serde_json::json!(n);
    }
    result
}

/// The report in every format asked for, the profile, and what goes to stderr; the exit
/// status from `--fail-on` and the analysis failures.
fn render(
    settings: &AnalyzeSettings,
    finished: Finished,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let Finished {
        mut report,
        upload,
        mut warnings,
        nested_configs,
        sampler,
        parser_peak,
        ..
    } = finished;
    let project = &settings.walk.project;
    let failed = report.fails(settings.fail_on);
    let totals = Totals::of(&report);
    report.hide_below(settings.min_severity);
    let report_start = Instant::now();
    let reporting = wtfcb_core::alloc::phase(wtfcb_core::alloc::Phase::Report);
    let opts = ReportOptions {
        show_suppressed: settings.show_suppressed,
        fail_on: settings.fail_on,
        min_severity: settings.min_severity,
        statistics: settings.statistics,
        max_findings: settings.max_findings,
        sarif_category: settings.sarif_category.clone(),
        repo_prefix: repo_prefix(&project.root),
        html_source: settings.html_source,
    };
    (settings.format.write)(out, &report, &opts)?;
    for (format, path) in &settings.reports {
        formats::write_file(format, path, &report, &opts)?;
    }
    out.flush()?;
    drop(reporting);
    if let Some(upload) = upload {
        super::finish_upload(
            upload,
            settings.verbosity,
            report.run.cache.as_mut(),
            &mut warnings,
            err,
        )?;
    }
    if let Some(sampler) = sampler {
        let report_ms = report_start.elapsed().as_secs_f64() * 1e3;
        let cpu_ms = wtfcb_core::profile::cpu_self_and_children().map(|d| d.as_secs_f64() * 1e3);
        let scaling = cpu_ms.and_then(|cpu| {
            Scaling::of(
                report.run.wall_ms + report_ms,
                report.run.phases_ms.files,
                cpu,
            )
        });
        let profile = ProfileReport {
            files: totals.files,
            functions: totals.functions,
            code_lines: totals.code_lines,
            bytes: totals.bytes,
            report_ms,
            run: report.run.clone(),
            max_rss_bytes: wtfcb_core::profile::max_rss_self(),
            allocations: wtfcb_core::alloc::snapshot(parser_peak),
            timeline: sampler.stop(),
            scaling,
        };
        write_profile(settings, &profile, err)?;
    }
    super::report_warnings(err, settings.verbosity, &warnings)?;
    super::report_problems(err, settings.verbosity, &report.skipped, &report.errors)?;
    super::report_unread(err, settings.verbosity, &report.files)?;
    if settings.verbosity == Verbosity::Verbose {
        write_verbose(&report, project, &nested_configs, err)?;
    }
    let status = super::exit_status(report.summary.analysis_failures, failed);
    wtfcb_core::alloc::discard(report);
    Ok(status)
}

/// What `--profile` measures the run's throughput by, counted before findings are hidden.
struct Totals {
    files: u64,
    functions: u64,
    code_lines: u64,
    bytes: u64,
}

impl Totals {
    fn of(report: &AnalyzeReport) -> Totals {
        Totals {
            files: report.summary.files,
            functions: report.summary.functions,
            code_lines: report
                .files
                .iter()
                .map(|f| u64::from(f.facts.lines.code))
                .sum(),
            bytes: report.files.iter().map(|f| f.bytes).sum(),
        }
    }
}

/// `--profile`'s summary on stderr; `--profile-out`: `.html`, the timeline and phases as
/// charts, anything else JSON.
fn write_profile(
    settings: &AnalyzeSettings,
    profile: &ProfileReport,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    if settings.profile {
        profile.write_summary(err)?;
    }
    if let Some(path) = &settings.profile_out {
        let mut bytes = Vec::new();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        {
            bytes = wtfcb_report::report::charts::profile_page(profile).into_bytes();
        } else {
            json::write(&mut bytes, profile)?;
        }
        wtfcb_core::fsio::write_atomically(path, &bytes)
            .with_context(|| format!("--profile-out {}", path.display()))?;
    }
    Ok(())
}

/// `--format part`: the shard's files (their clone tokens loaded) written as a part; the cache
/// saved; problems on stderr. Gating is the merge's: a shard that wrote its part succeeded.
fn write_part(
    settings: &AnalyzeSettings,
    (args, shard): (&crate::shard::AnalysisArgs, crate::shard::Shard),
    mut run: Run,
    outcomes: Vec<wtfcb_engine::engine::Outcome>,
    (out, err): (&mut dyn Write, &mut dyn Write),
) -> anyhow::Result<ExitStatus> {
    let header = crate::shard::Header {
        part_version: crate::shard::PART_VERSION,
        version: env!("CARGO_PKG_VERSION").to_string(),
        build: wtfcb_store::cache::BUILD_ID.to_string(),
        shard,
        args: args.clone(),
        identity: run.whole.identity.clone(),
        walk: run.whole.walk,
        records: run.walked.files.len() as u64,
        commit: crate::git::Repo::discover(&settings.walk.project.root, "shard")
            .ok()
            .and_then(|repo| repo.head()),
    };
    crate::shard::write_part(out, &header, &run.walked.files, &outcomes)?;
    let mut warnings = std::mem::take(&mut run.warnings);
    if let Some(c) = run.cache.take() {
        let upload = c.start_upload();
        let mut stats = Some(c.finish(&mut warnings));
        if let Some(upload) = upload {
            super::finish_upload(
                upload,
                settings.verbosity,
                stats.as_mut(),
                &mut warnings,
                err,
            )?;
        }
    }
    let report = AnalyzeReport::new(
        run.walked,
        outcomes,
        String::new(),
        None,
        analyze::Known {
            baseline: None,
            baseline_scope: None,
            out_of_focus: Default::default(),
            new_since: None,
        },
    );
    super::report_warnings(err, settings.verbosity, &warnings)?;
    super::report_problems(err, settings.verbosity, &report.skipped, &report.errors)?;
    Ok(ExitStatus::Success)
}

/// `-v`: the project root and configs, the phases' times, the cache's counters and what each
/// project phase reused.
fn write_verbose(
    report: &AnalyzeReport,
    project: &crate::settings::Project,
    nested_configs: &[String],
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let configs: Vec<String> = project
        .config
        .path
        .iter()
        .map(|p| p.display().to_string())
        .chain(nested_configs.iter().cloned())
        .collect();
    writeln!(
        err,
        "wtfcb: project root {}; config files: {}",
        wtfcb_core::text::tty(&project.root.display().to_string()),
        if configs.is_empty() {
            "none (defaults)".to_string()
        } else {
            wtfcb_core::text::tty(&configs.join(", ")).into_owned()
        }
    )?;
    let run = &report.run;
    writeln!(
        err,
        "wtfcb: {} files in {:.3}s on {} thread(s): walk {:.3}s; summed over threads: cache {:.3}s, read {:.3}s, parse {:.3}s, facts {:.3}s, rules {:.3}s",
        report.summary.files,
        run.wall_ms / 1e3,
        run.jobs,
        run.phases_ms.walk / 1e3,
        run.phases_ms.cache / 1e3,
        run.phases_ms.read / 1e3,
        run.phases_ms.parse / 1e3,
        run.phases_ms.facts / 1e3,
        run.phases_ms.rules / 1e3,
    )?;
    match &run.cache {
        Some(c) => writeln!(
            err,
            "wtfcb: cache {}: {} files seen, {} stat hits, {} hash hits, {} misses, {} parsed, {} written; read {:.1}ms, write {:.1}ms",
            c.dir, c.files_seen, c.stat_hits, c.hash_hits, c.misses, c.files_parsed,
            c.entries_written, c.read_ms, c.write_ms
        )?,
        None => writeln!(err, "wtfcb: cache off")?,
    }
    for r in run.cache.iter().flat_map(|c| &c.project) {
        writeln!(
            err,
            "wtfcb: {}: {} ({}) in {:.1}ms",
            r.phase,
            if r.reused { "reused" } else { "recomputed" },
            wtfcb_core::text::tty(&r.reason),
            r.ms
        )?;
    }
    writeln!(
        err,
        "wtfcb: project phase {:.1}ms",
        report.run.phases_ms.project
    )?;
    Ok(())
}

/// The project root relative to its repository's root, `/`-separated and ending in `/` (empty
/// at the top, or outside a repository): what SARIF, GitHub and GitLab paths start with.
fn repo_prefix(root: &std::path::Path) -> String {
    let Some(top) = crate::config::repository_root(root) else {
        return String::new();
    };
    match root.strip_prefix(&top) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let parts: Vec<String> = rel
                .components()
                .map(|c| wtfcb_core::walk::path_text(c.as_os_str()))
                .collect();
            format!("{}/", parts.join("/"))
        }
        _ => String::new(),
    }
}

/// `wtfcb baseline write|prune`: every finding of the run, or the old entries some finding
/// still matches, written to the baseline file.
fn write_baseline(
    settings: &AnalyzeSettings,
    finished: Finished,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let Finished {
        report,
        upload,
        mut warnings,
        baseline,
        scope,
        baseline_path,
        ..
    } = finished;
    let baseline_path = baseline_path.as_path();
    let kept = match (&baseline, settings.baseline_action) {
        (Some(old), BaselineMode::Prune) => {
            // Entries some finding still matches (hidden or, worse now, shown).
            let mut files = report.files.clone();
            let matched = old.apply(
                files
                    .iter_mut()
                    .filter_map(|f| Some((f.rel.as_str(), f.findings.as_mut()?))),
            );
            // Entries of files this run did not look at are kept as they are.
            old.entries
                .iter()
                .zip(matched)
                .filter(|(e, m)| *m || !scope.covers(&e.path))
                .map(|(e, _)| e.clone())
                .collect()
        }
        _ => report
            .files
            .iter()
            .flat_map(|f| {
                wtfcb_report::baseline::entries_of(f.findings.as_deref().unwrap_or(&[]), &f.rel)
            })
            .collect(),
    };
    let before = baseline.as_ref().map_or(0, |b| b.entries.len());
    // Where renames after today are looked up from.
    let commit = crate::git::Repo::discover(&settings.walk.project.root, "baseline")
        .ok()
        .and_then(|repo| repo.head());
    let written = Baseline {
        entries: kept,
        commit,
        warnings: Vec::new(),
    };
    wtfcb_report::baseline::check_overwrite(baseline_path)?;
    written.save(baseline_path)?;
    writeln!(
        out,
        "wrote {} entries to {}{}",
        written.entries.len(),
        baseline_path.display(),
        if settings.baseline_action == BaselineMode::Prune {
            format!(" ({} dropped)", before - written.entries.len())
        } else {
            String::new()
        }
    )?;
    if let Some(upload) = upload {
        super::finish_upload(upload, settings.verbosity, None, &mut warnings, err)?;
    }
    super::report_warnings(err, settings.verbosity, &warnings)?;
    Ok(ExitStatus::Success)
}

/// `--show-files`: what would be analyzed, one per line.
fn show_files(
    walked: &wtfcb_core::walk::WalkResult,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    for file in &walked.files {
        writeln!(out, "{}", wtfcb_core::text::tty(&file.display))?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// `--show-settings`: for each file, where its settings come from and every rule that applies
/// to its language, as this run would use them.
fn show_settings(
    settings: &AnalyzeSettings,
    walked: &wtfcb_core::walk::WalkResult,
    configs: &[crate::config::Nested],
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let project = &settings.walk.project;
    let config = project
        .config
        .path
        .as_ref()
        .map_or("none (defaults)".to_string(), |p| p.display().to_string());
    writeln!(
        out,
        "project root: {}
config: {config}",
        wtfcb_core::text::tty(&project.root.display().to_string())
    )?;
    for file in &walked.files {
        let profile = settings.rules.profile_for(&file.rel);
        let test = settings.rules.is_test(&file.rel, file.language);
        let nested = settings
            .rules
            .config_dir_of(&file.rel)
            .and_then(|dir| configs.iter().find(|n| n.dir == dir))
            .and_then(|n| n.config.path.as_ref())
            .map(|p| {
                format!(
                    "; config {}",
                    wtfcb_core::text::tty(&p.display().to_string())
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "\n{} ({}{}; settings {}{nested})",
            wtfcb_core::text::tty(&file.display),
            file.language.name(),
            if test { ", test code" } else { "" },
            &profile.fingerprint_for(file.language)[..12]
        )?;
        for (rule, params) in wtfcb_core::rules::registry().iter().zip(&profile.rules) {
            let m = rule.meta();
            if !m.applies_to(file.language) {
                continue;
            }
            let state = if !params.enabled {
                "off".to_string()
            } else if m.skips_tests && test {
                "silent here (skips test code)".to_string()
            } else if m.graded {
                let steps: Vec<String> = params
                    .thresholds
                    .iter()
                    .map(|(s, v)| format!("{s} > {v}"))
                    .collect();
                steps.join(", ")
            } else if params.thresholds.is_empty() {
                params.severity.as_str().to_string()
            } else {
                let named: Vec<String> = params
                    .thresholds
                    .iter()
                    .map(|(n, v)| format!("{n} > {v}"))
                    .collect();
                format!("{}, {}", params.severity.as_str(), named.join(", "))
            };
            writeln!(out, "  {:<24} {state}", m.id)?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
