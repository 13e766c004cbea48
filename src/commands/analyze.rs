//! `wtfcb analyze`: walk, read, parse, measure and check each file once (or take it from the
//! cache); findings out; the exit code from `--fail-on`.

use std::io::Write;
use std::time::Instant;

use crate::settings::BaselineMode;
use anyhow::Context;
use wtfcb_engine::engine::{self, PhaseTimes};
use wtfcb_report::baseline::Baseline;
use wtfcb_report::report::formats::{self, ReportOptions};
use wtfcb_store::cache::Cache;

use crate::settings::{AnalyzeSettings, Verbosity};
use wtfcb_core::profile::Sampler;
use wtfcb_report::report::analyze::{self, AnalyzeReport, ProfileReport, RunInfo};
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
/// taken from its part instead of the file.
// wtfcb: ignore[long-function] -- the analyze orchestrator: each step is one call, in order.
pub fn run_with(
    settings: &AnalyzeSettings,
    parts: Option<Vec<crate::shard::Part>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let profiling = settings.profile || settings.profile_out.is_some();
    if profiling {
        wtfcb_core::alloc::enable();
    }
    let sampler = profiling.then(|| Sampler::start_self(settings.sample_interval));
    let times = PhaseTimes::default();
    let mut warnings = settings.notes.clone();
    // Walk first: a run that fails before analyzing (a missing path), or finds nothing to
    // analyze, leaves nothing on disk.
    let (mut walked, configs) = settings.walk.walk_all(&times)?;
    settings
        .rules
        .set_nested(configs.iter().map(|n| n.rules()).collect())?;
    warnings.extend(run_wide_keys_ignored(&settings.walk.project, &configs));
    for pattern in &walked.unmatched_excludes {
        warnings.push(format!(
            "exclude pattern `{pattern}` matches no file (patterns are relative to the config's directory; `/x` anchors at it, `x` matches at any depth)"
        ));
    }
    let (whole, merged) = split(settings, &mut walked, parts, &mut warnings)?;
    if settings.show_files {
        return show_files(&walked, out);
    }
    if settings.show_settings {
        return show_settings(settings, &walked, &configs, out);
    }
    // Git and the baseline are asked before the cache is opened: a bad reference or a damaged
    // baseline stops the run with nothing written.
    let git = super::changes::Git::prepare(settings, &mut walked)?;
    let project = &settings.walk.project;
    let baseline_path = settings
        .baseline
        .clone()
        .unwrap_or_else(|| project.root.join(wtfcb_report::baseline::DEFAULT_NAME));
    let baseline = if settings.part.is_some() {
        None
    } else {
        load_baseline(settings, &baseline_path)?
    };
    if let Some(b) = &baseline {
        warnings.extend(b.warnings.iter().cloned());
    }
    let cache = settings
        .cache
        .clone()
        .filter(|_| !walked.files.is_empty())
        .and_then(|opts| Cache::open(opts, &mut warnings));
    let isolation = super::isolation(&settings.walk)?;
    let services = engine::Services {
        rules: Some(&settings.rules),
        cache: cache.as_ref(),
        isolation: &isolation,
        times: &times,
        contents: git.staged.as_ref(),
        tokens: wtfcb_project::project::token_need(&settings.rules, settings.duplicates),
    };
    let mut outcomes = match merged {
        Some(outcomes) => outcomes,
        None => super::process(&walked, &settings.walk, settings.verbosity, &services)?,
    };
    let project_ctx = wtfcb_project::project::Context {
        rules: &settings.rules,
        mode: settings.duplicates,
        root: &settings.walk.project.root,
        cache: cache.as_ref(),
        max_size: settings.walk.options.max_file_size,
        contracts: &settings.walk.project.config.contracts,
        saved_state: true,
    };
    if let (Some(args), Some(shard)) = (&settings.part, settings.shard) {
        warnings.extend(isolation.warning());
        warnings.extend(wtfcb_engine::engine::thread_warning());
        drop(isolation);
        wtfcb_project::project::load_all_tokens(&mut outcomes, &project_ctx, &mut warnings);
        let part = Part { args, shard, whole };
        return write_part(
            settings,
            part,
            walked,
            outcomes,
            cache,
            warnings,
            (out, err),
        );
    }
    let project_start = Instant::now();
    let project_run = wtfcb_project::project::run(&mut outcomes, &project_ctx);
    warnings.extend(project_run.warnings.iter().cloned());
    let project_ms = project_start.elapsed().as_secs_f64() * 1e3;
    let new_since = git.new_since(settings, &walked, &outcomes, &services)?;
    warnings.extend(isolation.warning());
    warnings.extend(wtfcb_engine::engine::thread_warning());
    let parser_processes = isolation.workers_started();
    let parser_peak = isolation.parser_peak();
    drop(isolation);
    // The remote's writes go on while the report is written.
    let upload = cache.as_ref().and_then(Cache::start_upload);
    let cache_stats = cache.map(|c| {
        let mut stats = c.finish(&mut warnings);
        stats.project = project_run.reuse.clone();
        stats
    });
    let config = project.config.path.as_ref().map(|p| {
        let canonical = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        canonical
            .strip_prefix(&project.root)
            .unwrap_or(&canonical)
            .display()
            .to_string()
    });
    let baseline = baseline.map(|mut b| {
        super::changes::follow_renames(settings, &mut b, &walked, &outcomes, &mut warnings);
        b
    });
    let nested_configs: Vec<String> = configs
        .iter()
        .filter_map(|n| Some(n.config.path.as_ref()?.display().to_string()))
        .collect();
    let scope = BaselineScope::of(settings, &walked, &outcomes);
    let in_scope = |path: &str| scope.covers(path);
    let focus = new_since
        .as_ref()
        .map(|(info, _)| &info.changed)
        .or(git.staged_changed.as_ref());
    let out_of_focus = out_of_focus(settings, &walked, focus);
    let mut report = AnalyzeReport::new(
        walked,
        outcomes,
        settings.rules.fingerprint(),
        config,
        analyze::Known {
            baseline: baseline.as_ref(),
            baseline_scope: Some(&in_scope),
            out_of_focus,
            new_since,
        },
    );
    report.summary.project = project_run.summary;
    if settings.baseline_action != BaselineMode::Apply {
        write_baseline(
            settings,
            &report,
            (baseline.as_ref(), &scope),
            &baseline_path,
            out,
        )?;
        if let Some(upload) = upload {
            super::finish_upload(upload, settings.verbosity, None, &mut warnings, err)?;
        }
        super::report_warnings(err, settings.verbosity, &warnings)?;
        return Ok(ExitStatus::Success);
    }
    report.run = RunInfo::new(
        started.elapsed(),
        settings.walk.jobs,
        &times,
        parser_processes,
        cache_stats,
    );
    report.run.phases_ms.project = project_ms;
    let failed = report.fails(settings.fail_on);
    warnings.extend(unknown_rules_named(&report));
    let totals = (
        report.summary.files,
        report.summary.functions,
        report
            .files
            .iter()
            .map(|f| u64::from(f.facts.lines.code))
            .sum::<u64>(),
        report.files.iter().map(|f| f.bytes).sum::<u64>(),
    );
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
        let (files, functions, code_lines, bytes) = totals;
        let profile = ProfileReport {
            files,
            functions,
            code_lines,
            bytes,
            report_ms: report_start.elapsed().as_secs_f64() * 1e3,
            run: report.run.clone(),
            max_rss_bytes: wtfcb_core::profile::max_rss_self(),
            allocations: wtfcb_core::alloc::snapshot(parser_peak),
            timeline: sampler.stop(),
        };
        if settings.profile {
            profile.write_summary(err)?;
        }
        if let Some(path) = &settings.profile_out {
            // `.html`: the timeline and phases as charts; anything else: JSON.
            let mut bytes = Vec::new();
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"))
            {
                bytes = wtfcb_report::report::charts::profile_page(&profile).into_bytes();
            } else {
                json::write(&mut bytes, &profile)?;
            }
            wtfcb_core::fsio::write_atomically(path, &bytes)
                .with_context(|| format!("--profile-out {}", path.display()))?;
        }
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

/// What a shard and a merge agree on before the split: the whole walk and every setting.
struct Whole {
    walk: crate::shard::WalkId,
    identity: String,
}

/// Takes what the whole walk found, then keeps `--shard`'s files; with `parts` (a merge), every
/// file's outcome from its part.
fn split(
    settings: &AnalyzeSettings,
    walked: &mut wtfcb_core::walk::WalkResult,
    parts: Option<Vec<crate::shard::Part>>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(Whole, Option<Vec<wtfcb_engine::engine::Outcome>>)> {
    let whole = Whole {
        walk: crate::shard::WalkId::of(&walked.files),
        identity: crate::settings::result_identity(settings),
    };
    let merged = parts
        .map(|parts| crate::shard::outcomes_from(parts, &walked.files, whole.walk, &whole.identity))
        .transpose()?;
    if let Some(shard) = settings.shard {
        let before = walked.files.len();
        walked.files.retain(|c| shard.owns(&c.rel));
        if settings.part.is_none() {
            warnings.push(format!(
                "--shard {shard}: this report covers {} of {before} files, and duplicates and the import graph see only those; write parts (--format part) and `wtfcb merge` them for the whole project",
                walked.files.len()
            ));
        }
    }
    Ok((whole, merged))
}

/// A shard's part to write.
struct Part<'a> {
    args: &'a crate::shard::AnalysisArgs,
    shard: crate::shard::Shard,
    whole: Whole,
}

/// `--format part`: the shard's files (their clone tokens loaded) written as a part; the cache
/// saved; problems on stderr. Gating is the merge's: a shard that wrote its part succeeded.
fn write_part(
    settings: &AnalyzeSettings,
    part: Part,
    walked: wtfcb_core::walk::WalkResult,
    outcomes: Vec<wtfcb_engine::engine::Outcome>,
    cache: Option<Cache>,
    mut warnings: Vec<String>,
    (out, err): (&mut dyn Write, &mut dyn Write),
) -> anyhow::Result<ExitStatus> {
    let header = crate::shard::Header {
        part_version: crate::shard::PART_VERSION,
        version: env!("CARGO_PKG_VERSION").to_string(),
        build: wtfcb_store::cache::BUILD_ID.to_string(),
        shard: part.shard,
        args: part.args.clone(),
        identity: part.whole.identity,
        walk: part.whole.walk,
        records: walked.files.len() as u64,
        commit: crate::git::Repo::discover(&settings.walk.project.root, "shard")
            .ok()
            .and_then(|repo| repo.head()),
    };
    crate::shard::write_part(out, &header, &walked.files, &outcomes)?;
    if let Some(c) = cache {
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
        walked,
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

/// A suppression that names no rule silences nothing: a warning says where each is.
fn unknown_rules_named(report: &AnalyzeReport) -> Vec<String> {
    let mut warnings = Vec::new();
    for file in &report.files {
        for s in &file.facts.suppressions {
            for id in s
                .rules
                .iter()
                .filter(|id| wtfcb_core::rules::find(id).is_none())
            {
                warnings.push(format!(
                    "{}:{}: `wtfcb: ignore` names no rule `{id}` (see `wtfcb rules`)",
                    file.path, s.line
                ));
            }
        }
    }
    warnings
}

/// A warning for each nested config that sets keys only the root config decides.
fn run_wide_keys_ignored(
    project: &crate::settings::Project,
    configs: &[crate::config::Nested],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for n in configs {
        let c = &n.config;
        let run_wide: Vec<&str> = [
            ("fail-on", c.fail_on.is_some()),
            ("baseline", c.baseline.is_some()),
            ("max-file-size", c.max_file_size.is_some()),
            ("memory-per-file", c.memory_per_file.is_some()),
            ("parse-timeout", c.parse_timeout.is_some()),
            (
                "cache",
                c.cache_max_age_days.is_some() || c.cache_max_size.is_some(),
            ),
            ("imports", c.has_contracts),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if let (false, Some(path)) = (run_wide.is_empty(), &c.path) {
            warnings.push(format!(
                "{}: `{}` applies to a whole run and is read from the root config only ({})",
                path.display(),
                run_wide.join("`, `"),
                project_config_name(project)
            ));
        }
    }
    warnings
}

/// The files the lists of hotspots leave out: test code never leads them, and with
/// `--new-since` or `--staged` (`focus`: the files the change touched) only the change is
/// listed.
fn out_of_focus(
    settings: &AnalyzeSettings,
    walked: &wtfcb_core::walk::WalkResult,
    focus: Option<&std::collections::HashSet<String>>,
) -> std::collections::HashSet<String> {
    walked
        .files
        .iter()
        .filter(|c| {
            settings.rules.is_test(&c.rel, c.language) || focus.is_some_and(|f| !f.contains(&c.rel))
        })
        .map(|c| c.rel.clone())
        .collect()
}

/// What a run speaks for, for a baseline's entries: the files it analyzed, and files gone from
/// the disk under the paths it was given. A run over a subset of the project (`baseline prune
/// PATH`, a pre-commit hook's file list) neither prunes nor counts as fixed the entries of
/// files it did not look at.
pub(crate) struct BaselineScope {
    analyzed: std::collections::HashSet<String>,
    /// The given paths, project-relative (`""`: the whole project).
    given: Vec<String>,
    root: std::path::PathBuf,
}

impl BaselineScope {
    fn of(
        settings: &AnalyzeSettings,
        walked: &wtfcb_core::walk::WalkResult,
        outcomes: &[wtfcb_engine::engine::Outcome],
    ) -> BaselineScope {
        let root = &settings.walk.project.root;
        let analyzed = walked
            .files
            .iter()
            .zip(outcomes)
            .filter(|(_, o)| matches!(o, wtfcb_engine::engine::Outcome::Analyzed(_)))
            .map(|(c, _)| c.rel.clone())
            .collect();
        let root_canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let paths = if settings.walk.paths.is_empty() {
            vec![std::path::PathBuf::from(".")]
        } else {
            settings.walk.paths.clone()
        };
        let given = paths
            .iter()
            .filter_map(|p| {
                let p = std::fs::canonicalize(p).ok()?;
                let rel = p.strip_prefix(&root_canonical).ok()?;
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| wtfcb_core::walk::path_text(c.as_os_str()))
                    .collect();
                Some(parts.join("/"))
            })
            .collect();
        BaselineScope {
            analyzed,
            given,
            root: root.clone(),
        }
    }

    fn covers(&self, path: &str) -> bool {
        if self.analyzed.contains(path) {
            return true;
        }
        let under = self.given.iter().any(|g| {
            g.is_empty()
                || path == g
                || path
                    .strip_prefix(g.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        });
        under && !self.root.join(path).exists()
    }
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

/// The root config's path, for messages.
fn project_config_name(project: &crate::settings::Project) -> String {
    project.config.path.as_ref().map_or_else(
        || format!("none at {}", project.root.display()),
        |p| p.display().to_string(),
    )
}

/// `wtfcb baseline write|prune`: every finding of the run, or the old entries some finding
/// still matches, written to the baseline file.
fn write_baseline(
    settings: &AnalyzeSettings,
    report: &AnalyzeReport,
    (baseline, scope): (Option<&Baseline>, &BaselineScope),
    baseline_path: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
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
    Ok(())
}

/// The baseline a run applies (`analyze`) or prunes (`baseline prune`); none for `write`.
fn load_baseline(
    settings: &AnalyzeSettings,
    path: &std::path::Path,
) -> anyhow::Result<Option<Baseline>> {
    Ok(match settings.baseline_action {
        BaselineMode::Apply => settings
            .baseline
            .as_ref()
            .map(|p| Baseline::load(p))
            .transpose()?,
        BaselineMode::Prune => Some(Baseline::load(path)?),
        BaselineMode::Write => None,
    })
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
