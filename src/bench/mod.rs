//! `wtfcb bench`: runs `wtfcb analyze` as fresh child processes of this same binary, in
//! scenarios (sequential, parallel, cache cold / warm / one-change / fresh-checkout), and
//! reports what a user would see: wall time, CPU, peak memory, throughput, speedups, hit rates.
//!
//! Each child is sampled from here with `sysinfo` (its own memory and CPU timeline) and reaped
//! with `wait4`, which gives its exact user+sys time and peak RSS. The user's tree is only
//! read: caches live in a temporary directory, and edits happen on a temporary copy.

pub mod generate;
pub mod history;
mod html;
mod report;

pub use html::write_html;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use serde::Serialize;

use wtfcb_core::profile::{Sampler, Timeline};

pub use report::{write_markdown, write_text};

/// What a bench run does.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    /// The live page (`--serve`), told of each scenario as it ends.
    pub live: Option<std::sync::Arc<crate::serve::Live>>,
    pub path: PathBuf,
    /// `-j` values for the parallel scenarios.
    pub parallel: Vec<usize>,
    pub cache: bool,
    pub runs: usize,
    pub warmup: usize,
    pub full_suite: bool,
    pub sample_interval: Duration,
    /// The binary to run (this one).
    pub binary: PathBuf,
    /// The wall time the whole bench may take (`--budget`; None: no limit). Runs are cut and
    /// scenarios skipped, by estimate, to stay within it, and the report says which.
    pub budget: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Sequential,
    Parallel,
    CacheCold,
    CacheWarm,
    CacheOneChange,
    CacheFreshCheckout,
}

/// One child run, as measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunMeasure {
    pub wall_s: f64,
    pub cpu_s: f64,
    /// Peak resident memory from the kernel (`wait4`), exact.
    pub peak_rss_bytes: u64,
    /// Peak seen by the sampler.
    pub sampled_peak_rss_bytes: u64,
    pub avg_cpu_percent: f32,
    pub files: u64,
    pub code_lines: u64,
    pub bytes: u64,
    pub hit_rate: Option<f64>,
    pub files_parsed: Option<u64>,
    /// The child's own phase times (ms; walk and report wall, the rest summed over threads).
    pub phases_ms: Vec<(String, f64)>,
    /// The wall time of the child's per-file stage (ms), its parallel part.
    pub files_ms: Option<f64>,
    /// What the sampler saw of the child (memory and CPU over time), for `bench.html`.
    #[serde(skip)]
    pub timeline: Vec<wtfcb_core::profile::Sample>,
}

impl RunMeasure {
    /// The run's serial part (its whole wall time, process start and exit included, outside
    /// the per-file stage) against all the CPU time it took, and what that allows on more
    /// cores; `None` for a run without a per-file stage time (an older binary).
    pub fn scaling(&self) -> Option<wtfcb_report::report::analyze::Scaling> {
        wtfcb_report::report::analyze::Scaling::of(
            self.wall_s * 1e3,
            self.files_ms?,
            self.cpu_s * 1e3,
        )
    }
}

/// One scenario over K runs.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub kind: Kind,
    pub jobs: usize,
    pub runs: Vec<RunMeasure>,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub cpu_s: f64,
    pub peak_rss_bytes: u64,
    pub files_per_s: f64,
    pub lines_per_s: f64,
    pub mb_per_s: f64,
    /// Median of the baseline / median of this scenario. The baseline is `sequential` for the
    /// uncached scenarios, and the uncached run at the same `-j` for the cache scenarios, so a
    /// cache speedup never includes the gain from threads.
    pub speedup: Option<f64>,
    /// The scenario `speedup` is measured against.
    pub speedup_against: Option<String>,
    pub hit_rate: Option<f64>,
    /// Runs differ by more than 10% of the median.
    pub noisy: bool,
}

/// Every scenario on one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectResult {
    pub path: String,
    pub files: u64,
    pub bytes: u64,
    pub code_lines: u64,
    pub scenarios: Vec<ScenarioResult>,
    pub recommendations: Vec<String>,
    /// What `--budget` left out: `scenario: reason`, or fewer runs than asked for.
    pub budget_cuts: Vec<String>,
}

/// The bench report (`bench.json`).
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub tool: &'static str,
    pub version: &'static str,
    pub cores: usize,
    pub runs: usize,
    pub warmup: usize,
    pub projects: Vec<ProjectResult>,
    /// With `--full-suite`: one row per generated size and scenario.
    pub scaling: Vec<ScalingRow>,
    /// With `--compare`: this run set against the saved one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<history::Comparison>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalingRow {
    pub files: u64,
    pub mb: f64,
    pub scenario: String,
    pub median_s: f64,
    pub per_file_us: f64,
    pub peak_rss_bytes: u64,
}

/// Sizes of the `--full-suite` projects.
pub const SUITE_SIZES: [usize; 3] = [100, 1_000, 10_000];

impl BenchSettings {
    /// With `--serve`: a scenario begins.
    fn tell_stage(&self, name: &str) {
        if let Some(live) = &self.live {
            live.stage(name, None);
        }
    }

    /// With `--serve`: the scenarios measured so far.
    fn tell_runs(&self, results: &[ScenarioResult]) {
        if let Some(live) = &self.live {
            live.set_bench_runs(live_runs(results));
        }
    }
}

/// The scenarios measured so far, as the live page lists them.
fn live_runs(results: &[ScenarioResult]) -> serde_json::Value {
    let ms = |s: f64| (s * 1e4).round() / 10.0;
    results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": format!("{} (-j {})", r.name, r.jobs),
                "median_ms": ms(r.median_s),
                "min_ms": ms(r.min_s),
                "max_ms": ms(r.max_s),
                "files_per_second": r.files_per_s.round(),
            })
        })
        .collect()
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the bench; progress goes to `progress` (stderr).
pub fn run(
    settings: &BenchSettings,
    progress: &mut dyn std::io::Write,
) -> anyhow::Result<BenchReport> {
    let deadline = settings.budget.map(|b| Instant::now() + b);
    let mut report = BenchReport {
        tool: "wtfcb",
        version: env!("CARGO_PKG_VERSION"),
        cores: cores(),
        runs: settings.runs,
        warmup: settings.warmup,
        projects: Vec::new(),
        scaling: Vec::new(),
        comparison: None,
    };
    if settings.full_suite {
        let scratch = tempfile::tempdir().context("temporary directory for the suite")?;
        for size in SUITE_SIZES {
            let dir = scratch.path().join(format!("gen-{size}"));
            let made = generate::generate(&dir, size)
                .with_context(|| format!("generating {size} files"))?;
            writeln!(
                progress,
                "wtfcb bench: generated {} files ({:.1} MB, {} duplicates) in {}",
                made.files,
                made.bytes as f64 / 1e6,
                made.duplicates,
                dir.display()
            )?;
            let project = bench_project(settings, &dir, true, deadline, progress)?;
            for s in &project.scenarios {
                report.scaling.push(ScalingRow {
                    files: project.files,
                    mb: project.bytes as f64 / 1e6,
                    scenario: s.name.clone(),
                    median_s: s.median_s,
                    per_file_us: if project.files == 0 {
                        0.0
                    } else {
                        s.median_s * 1e6 / project.files as f64
                    },
                    peak_rss_bytes: s.peak_rss_bytes,
                });
            }
            report.projects.push(project);
        }
    } else {
        let project = bench_project(settings, &settings.path, settings.cache, deadline, progress)?;
        report.projects.push(project);
    }
    Ok(report)
}

fn scenarios(settings: &BenchSettings, cache: bool) -> Vec<(String, Kind, usize)> {
    let mut list = vec![("sequential".to_string(), Kind::Sequential, 1)];
    for &j in &settings.parallel {
        list.push((format!("parallel {j}"), Kind::Parallel, j));
    }
    if cache {
        let j = settings
            .parallel
            .iter()
            .copied()
            .max()
            .unwrap_or_else(cores);
        list.push(("cache cold".into(), Kind::CacheCold, j));
        list.push(("cache warm".into(), Kind::CacheWarm, j));
        list.push(("cache one-change".into(), Kind::CacheOneChange, j));
        list.push(("cache fresh-checkout".into(), Kind::CacheFreshCheckout, j));
    }
    list
}

/// How many measured runs of a scenario fit before `deadline`, given one run's estimated
/// time and the unmeasured runs still to come; None when not even one does.
fn runs_that_fit(
    asked: usize,
    unmeasured: usize,
    estimate: Option<f64>,
    deadline: Option<Instant>,
) -> Option<usize> {
    let (Some(estimate), Some(deadline)) = (estimate, deadline) else {
        return Some(asked);
    };
    let left = deadline
        .saturating_duration_since(Instant::now())
        .as_secs_f64();
    let fit = (left / estimate.max(1e-3)).floor() as usize;
    let measured = fit.saturating_sub(unmeasured).min(asked);
    (measured > 0).then_some(measured)
}

// wtfcb: ignore[long-function] -- one loop over the scenarios: prepare, estimate, run, record.
fn bench_project(
    settings: &BenchSettings,
    path: &Path,
    cache: bool,
    deadline: Option<Instant>,
    progress: &mut dyn std::io::Write,
) -> anyhow::Result<ProjectResult> {
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    let scratch = tempfile::tempdir().context("temporary directory")?;
    // The copy that cache one-change and fresh-checkout edit: never the user's files.
    let copy = scratch.path().join("copy");
    let mut copied: Option<PathBuf> = None;
    let mut results: Vec<ScenarioResult> = Vec::new();
    let mut cuts = Vec::new();
    for (name, kind, jobs) in scenarios(settings, cache) {
        // One run's time, estimated from what ran already: the cache scenarios by the
        // uncached run at their -j (an upper bound), the others by the slowest so far.
        let estimate = results
            .iter()
            .filter(|r| matches!(r.kind, Kind::Sequential | Kind::Parallel))
            .filter(|r| matches!(kind, Kind::Sequential | Kind::Parallel) || r.jobs == jobs)
            .map(|r| r.median_s)
            .reduce(f64::max)
            .or_else(|| results.iter().map(|r| r.median_s).reduce(f64::max));
        let fills = usize::from(matches!(
            kind,
            Kind::CacheWarm | Kind::CacheOneChange | Kind::CacheFreshCheckout
        ));
        let asked = settings.runs.max(1);
        let Some(planned) = runs_that_fit(asked, fills + settings.warmup, estimate, deadline)
        else {
            cuts.push(format!(
                "{name}: skipped, it would not finish within --budget (one run takes about {:.1} s)",
                estimate.unwrap_or_default()
            ));
            writeln!(
                progress,
                "wtfcb bench: {name} (-j {jobs}) skipped (--budget)"
            )?;
            continue;
        };
        let cache_dir = scratch.path().join(format!("cache-{}", results.len()));
        let target = match kind {
            Kind::CacheOneChange | Kind::CacheFreshCheckout => match &copied {
                Some(target) => target.clone(),
                None => {
                    let target = copy_project(path, &copy)
                        .context("copying the project for edit scenarios")?;
                    copied = Some(target.clone());
                    target
                }
            },
            _ => path.to_path_buf(),
        };
        let edit = pick_edit_target(&target);
        let run_once = |n: usize| -> anyhow::Result<RunMeasure> {
            match kind {
                Kind::CacheCold => {
                    let _ = std::fs::remove_dir_all(&cache_dir);
                }
                Kind::CacheOneChange => {
                    if let Some(file) = &edit {
                        append_comment(file, n)?;
                    }
                }
                Kind::CacheFreshCheckout => touch_tree(&target)?,
                _ => {}
            }
            let cached = !matches!(kind, Kind::Sequential | Kind::Parallel);
            measure(
                settings,
                &target,
                jobs,
                cached.then_some(cache_dir.as_path()),
            )
        };
        settings.tell_stage(&format!("{name} (-j {jobs})"));
        write!(progress, "wtfcb bench: {name} (-j {jobs}) ")?;
        progress.flush()?;
        if matches!(
            kind,
            Kind::CacheWarm | Kind::CacheOneChange | Kind::CacheFreshCheckout
        ) {
            run_once(0)?; // fill the cache
        }
        for w in 0..settings.warmup {
            run_once(w + 1)?;
        }
        let mut runs: Vec<RunMeasure> = Vec::new();
        for r in 0..planned {
            let started = Instant::now();
            runs.push(run_once(settings.warmup + r + 1)?);
            write!(progress, ".")?;
            progress.flush()?;
            // Another run like this one would end past the deadline: stop here.
            let took = started.elapsed();
            if deadline.is_some_and(|d| Instant::now() + took > d) {
                break;
            }
        }
        if runs.len() < asked {
            cuts.push(format!(
                "{name}: {} of {asked} runs, to stay within --budget",
                runs.len()
            ));
        }
        // Like with like: a cache scenario against the uncached run with as many threads.
        let baseline = match kind {
            Kind::Sequential | Kind::Parallel => results.first(),
            _ => results
                .iter()
                .find(|r| matches!(r.kind, Kind::Sequential | Kind::Parallel) && r.jobs == jobs)
                .or(results.first()),
        };
        let result = summarize(name, kind, jobs, runs, baseline);
        writeln!(
            progress,
            " median {:.3}s (min {:.3}, max {:.3}){}",
            result.median_s,
            result.min_s,
            result.max_s,
            if result.noisy { " noisy" } else { "" }
        )?;
        results.push(result);
        settings.tell_runs(&results);
    }
    let first = results.first().and_then(|s| s.runs.first());
    let mut project = ProjectResult {
        path: path.display().to_string(),
        files: first.map_or(0, |r| r.files),
        bytes: first.map_or(0, |r| r.bytes),
        code_lines: first.map_or(0, |r| r.code_lines),
        scenarios: results,
        recommendations: Vec::new(),
        budget_cuts: cuts,
    };
    project.recommendations = recommend(&project);
    Ok(project)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn summarize(
    name: String,
    kind: Kind,
    jobs: usize,
    runs: Vec<RunMeasure>,
    baseline: Option<&ScenarioResult>,
) -> ScenarioResult {
    let mut walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let median_s = median(&mut walls);
    let (min_s, max_s) = (walls[0], walls[walls.len() - 1]);
    let cpu_s = median(&mut runs.iter().map(|r| r.cpu_s).collect::<Vec<_>>());
    let peak = median(
        &mut runs
            .iter()
            .map(|r| r.peak_rss_bytes as f64)
            .collect::<Vec<_>>(),
    );
    let first = &runs[0];
    let per_s = |count: f64| {
        if median_s > 0.0 {
            count / median_s
        } else {
            0.0
        }
    };
    let hit_rates: Vec<f64> = runs.iter().filter_map(|r| r.hit_rate).collect();
    ScenarioResult {
        speedup: match (kind, baseline) {
            (Kind::Sequential, _) => Some(1.0),
            (_, Some(base)) if median_s > 0.0 => Some(base.median_s / median_s),
            _ => None,
        },
        speedup_against: match (kind, baseline) {
            (Kind::Sequential, _) => Some(name.clone()),
            (_, Some(base)) => Some(base.name.clone()),
            _ => None,
        },
        hit_rate: (!hit_rates.is_empty()).then(|| median(&mut hit_rates.clone())),
        noisy: median_s > 0.0 && (max_s - min_s) / median_s > 0.10,
        files_per_s: per_s(first.files as f64),
        lines_per_s: per_s(first.code_lines as f64),
        mb_per_s: per_s(first.bytes as f64 / 1e6),
        peak_rss_bytes: peak as u64,
        name,
        kind,
        jobs,
        median_s,
        min_s,
        max_s,
        cpu_s,
        runs,
    }
}

fn recommend(project: &ProjectResult) -> Vec<String> {
    let mut out = Vec::new();
    let uncached: Vec<&ScenarioResult> = project
        .scenarios
        .iter()
        .filter(|s| matches!(s.kind, Kind::Sequential | Kind::Parallel))
        .collect();
    if let Some(best) = uncached
        .iter()
        .min_by(|a, b| a.median_s.total_cmp(&b.median_s))
    {
        let gain = best.speedup.unwrap_or(1.0);
        let verdict = if best.jobs == 1 {
            "parallelism does not pay off here".to_string()
        } else if gain < 1.2 {
            format!("-j {} is fastest, but only {gain:.2}x sequential: little to gain from more threads", best.jobs)
        } else {
            format!("use -j {} ({gain:.2}x sequential)", best.jobs)
        };
        out.push(format!(
            "best -j on this machine ({} cores): {verdict}; {:.2}s median",
            cores(),
            best.median_s
        ));
        if let Some(warm) = project.scenarios.iter().find(|s| s.kind == Kind::CacheWarm) {
            let ratio = warm.median_s / best.median_s.max(1e-9);
            out.push(if ratio < 0.5 {
                format!(
                    "the cache pays off: an unchanged tree re-analyzes in {:.3}s, {:.1}% of the best uncached run ({:.0}x faster)",
                    warm.median_s,
                    ratio * 100.0,
                    1.0 / ratio
                )
            } else {
                format!(
                    "the cache barely helps here: warm {:.3}s vs {:.3}s uncached; {}",
                    warm.median_s,
                    best.median_s,
                    warm_run_cause(warm)
                )
            });
            if let Some(cold) = project.scenarios.iter().find(|s| s.kind == Kind::CacheCold) {
                if let Some(rate) = cold.hit_rate.filter(|r| *r > 0.0) {
                    out.push(format!(
                        "the cold-cache run already had {:.1}% hits: files with the same content as another file in the tree share one cache entry",
                        rate * 100.0
                    ));
                }
            }
        } else if project.budget_cuts.iter().any(|c| c.starts_with("cache")) {
            out.push(
                "the cache scenarios did not fit in --budget: raise it to see what the cache buys"
                    .to_string(),
            );
        } else {
            out.push("run with --cache to see what the cache buys".to_string());
        }
        out.extend(cold_run_notes(best));
    }
    out
}

/// What the fastest cold run's own measures say: its serial part and what more cores could
/// give, and the phase it spent most in.
fn cold_run_notes(best: &ScenarioResult) -> Vec<String> {
    let mut out = Vec::new();
    let Some(run) = best.runs.first() else {
        return out;
    };
    if let Some(scaling) = run.scaling() {
        out.push(format!(
            "a cold -j {} run: {} (the serial part must be about 3% or less to scale near-linearly to 8-16 cores)",
            best.jobs,
            scaling.line()
        ));
    }
    let total: f64 = run.phases_ms.iter().map(|(_, ms)| ms).sum();
    if let Some((phase, ms)) = run.phases_ms.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
        if total > 0.0 {
            out.push(format!(
                "{phase} dominates: {:.0}% of the phase time of an uncached run",
                ms / total * 100.0
            ));
        }
    }
    out
}

/// Where a warm run's time went, from what it measured: files the cache could not serve, or
/// its phases and the rest of the process (start, exit).
fn warm_run_cause(warm: &ScenarioResult) -> String {
    let Some(run) = warm.runs.first() else {
        return "no run to explain it".to_string();
    };
    if let (Some(rate), Some(parsed)) = (run.hit_rate, run.files_parsed) {
        if rate < 0.9 {
            return format!(
                "only {:.1}% of files came from the cache; {parsed} were parsed again (failed or skipped files are never cached)",
                rate * 100.0
            );
        }
    }
    let ms = |name: &str| {
        run.phases_ms
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, v)| *v)
    };
    let wall_ms = run.wall_s * 1e3;
    let parts = [
        ("walk", ms("walk")),
        ("cache lookups (summed over threads)", ms("cache")),
        ("project phase", ms("project")),
        ("report", ms("report")),
        ("cache write", ms("cache_write")),
    ];
    let inside: f64 = parts.iter().map(|(_, v)| v).sum();
    let rest = (wall_ms - inside).max(0.0);
    let mut list: Vec<String> = parts
        .iter()
        .map(|(n, v)| format!("{n} {v:.1} ms"))
        .collect();
    list.push(format!("process start, exit and the rest {rest:.1} ms"));
    format!("of its {wall_ms:.1} ms: {}", list.join(", "))
}

/// One child `wtfcb analyze` run, sampled from here and reaped with `wait4`.
fn measure(
    settings: &BenchSettings,
    target: &Path,
    jobs: usize,
    cache_dir: Option<&Path>,
) -> anyhow::Result<RunMeasure> {
    let scratch = tempfile::NamedTempFile::new()?;
    let mut cmd = Command::new(&settings.binary);
    cmd.arg("analyze")
        .arg(target)
        .args(["--fail-on", "never", "-q", "-j", &jobs.to_string()])
        .arg("--profile-out")
        .arg(scratch.path())
        .env_remove("WTFCB_CACHE_DIR")
        .env_remove("WTFCB_NO_CACHE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match cache_dir {
        Some(dir) => cmd.arg("--cache-dir").arg(dir),
        None => cmd.arg("--no-cache"),
    };
    let start = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", settings.binary.display()))?;
    let sampler = Sampler::start(child.id(), settings.sample_interval);
    let usage = wait_with_usage(child.id())?;
    let wall = start.elapsed();
    let timeline: Timeline = sampler.stop();
    if usage.code != Some(0) {
        bail!(
            "`wtfcb analyze {}` exited with {:?}",
            target.display(),
            usage.code
        );
    }
    let profile: serde_json::Value = serde_json::from_slice(&std::fs::read(scratch.path())?)
        .context("reading the child's profile")?;
    let u = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let run = &profile["run"];
    let mut phases_ms: Vec<(String, f64)> = run["phases_ms"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    // The per-file stage's wall time spans the phases summed over threads: kept apart.
    let files_ms = phases_ms
        .iter()
        .position(|(n, _)| n == "files")
        .map(|i| phases_ms.remove(i).1);
    phases_ms.push((
        "report".into(),
        profile["report_ms"].as_f64().unwrap_or(0.0),
    ));
    Ok(RunMeasure {
        wall_s: wall.as_secs_f64(),
        cpu_s: usage.cpu.as_secs_f64(),
        peak_rss_bytes: usage.max_rss_bytes,
        sampled_peak_rss_bytes: timeline.peak_rss_bytes,
        avg_cpu_percent: timeline.avg_cpu_percent,
        files: u(&profile["files"]),
        code_lines: u(&profile["code_lines"]),
        bytes: u(&profile["bytes"]),
        hit_rate: run["cache"]["hit_rate"].as_f64(),
        files_parsed: run["cache"]["files_parsed"].as_u64(),
        phases_ms,
        files_ms,
        timeline: timeline.samples,
    })
}

struct Usage {
    code: Option<i32>,
    cpu: Duration,
    max_rss_bytes: u64,
}

/// Waits for a child and returns its exit code, user+sys CPU time and peak RSS.
fn wait_with_usage(pid: u32) -> anyhow::Result<Usage> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data; wait4 fills it for the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = loop {
        // SAFETY: valid pointers to locals; pid is our own child.
        let rc = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if rc == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break rc;
    };
    if rc == -1 {
        bail!("waiting for the child: {}", std::io::Error::last_os_error());
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    Ok(Usage {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss_bytes: usage.ru_maxrss as u64 * 1024,
    })
}

/// An I/O error that names its path.
fn at_path(path: &Path) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Copies one file, writable by its owner whatever the source's mode (a read-only checkout or
/// mount must still give an editable copy).
fn copy_file(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).map_err(at_path(from))?;
    let mut perms = std::fs::metadata(to).map_err(at_path(to))?.permissions();
    perms.set_mode(perms.mode() | 0o600);
    std::fs::set_permissions(to, perms).map_err(at_path(to))
}

/// Copies `path` for the scenarios that edit files, with what shapes its analysis from above:
/// the project root's place (`.git`, kept as an empty marker with its `info/exclude`), the
/// config file, and every `.gitignore` and `.ignore` between the root and `path`. Returns the
/// copy of `path` inside `to`. Without them the copy would analyze other files under other
/// settings than the runs it is compared with.
fn copy_project(path: &Path, to: &Path) -> std::io::Result<PathBuf> {
    let canonical = std::fs::canonicalize(path).map_err(at_path(path))?;
    let project = crate::settings::Project::locate(std::slice::from_ref(&canonical), None)
        .map_err(|e| std::io::Error::other(format!("{}: {e:#}", path.display())))?;
    let Ok(rel) = canonical.strip_prefix(&project.root) else {
        copy_tree(path, to)?;
        return Ok(to.to_path_buf());
    };
    let target = to.join(rel);
    if canonical.is_file() {
        copy_tree(&canonical, target.parent().unwrap_or(to))?;
    } else {
        copy_tree(&canonical, &target)?;
    }
    let git = project.root.join(".git");
    if git.exists() {
        std::fs::create_dir_all(to.join(".git/info")).map_err(at_path(to))?;
        let exclude = git.join("info/exclude");
        if exclude.is_file() {
            copy_file(&exclude, &to.join(".git/info/exclude"))?;
        }
    }
    if let Some(config) = &project.config.path {
        let config = std::fs::canonicalize(config).map_err(at_path(config))?;
        if let Ok(config_rel) = config.strip_prefix(&project.root) {
            copy_file(&config, &to.join(config_rel))?;
        }
    }
    let mut dir = project.root.clone();
    let mut dest = to.to_path_buf();
    for part in rel.parent().into_iter().flat_map(Path::components) {
        for name in [".gitignore", ".ignore"] {
            if dir.join(name).is_file() {
                copy_file(&dir.join(name), &dest.join(name))?;
            }
        }
        dir.push(part);
        dest.push(part);
    }
    for name in [".gitignore", ".ignore"] {
        if dir.join(name).is_file() && !dest.join(name).exists() {
            std::fs::create_dir_all(&dest).map_err(at_path(&dest))?;
            copy_file(&dir.join(name), &dest.join(name))?;
        }
    }
    Ok(target)
}

/// Copies a tree (without `.git` and caches) for the scenarios that edit files.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_file() {
        std::fs::create_dir_all(to).map_err(at_path(to))?;
        let name = from.file_name().unwrap_or_default();
        return copy_file(from, &to.join(name));
    }
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        std::fs::create_dir_all(&dst).map_err(at_path(&dst))?;
        for entry in std::fs::read_dir(&src).map_err(at_path(&src))? {
            let entry = entry.map_err(at_path(&src))?;
            let name = entry.file_name();
            if name == ".git" || name == ".wtfcb-cache" {
                continue;
            }
            let kind = entry.file_type().map_err(at_path(&entry.path()))?;
            if kind.is_dir() {
                stack.push((entry.path(), dst.join(&name)));
            } else if kind.is_file() {
                copy_file(&entry.path(), &dst.join(&name))?;
            }
        }
    }
    Ok(())
}

/// The first supported source file in path order: the one `cache one-change` edits.
fn pick_edit_target(root: &Path) -> Option<PathBuf> {
    let options = wtfcb_core::walk::WalkOptions::default();
    let walked = wtfcb_core::walk::walk(&[root.to_path_buf()], &options).ok()?;
    walked.files.into_iter().next().map(|c| c.path)
}

fn append_comment(file: &Path, n: usize) -> std::io::Result<()> {
    use std::io::Write;
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let marker = if matches!(ext, "py" | "pyi" | "rb") {
        "#"
    } else {
        "//"
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .map_err(at_path(file))?;
    writeln!(f, "{marker} wtfcb bench edit {n}").map_err(at_path(file))
}

/// Gives every file a new mtime, contents unchanged: what a fresh checkout looks like.
fn touch_tree(root: &Path) -> std::io::Result<()> {
    let now = SystemTime::now();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(at_path(&dir))? {
            let entry = entry.map_err(at_path(&dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(at_path(&path))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(now))
                    .map_err(at_path(&path))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    // A read-only checkout gave a read-only copy, and the edit scenarios failed with a bare
    // `Permission denied`.
    #[test]
    fn the_working_copy_of_a_read_only_tree_is_writable() {
        let src = tempfile::tempdir().unwrap();
        let file = src.path().join("a.py");
        std::fs::write(&file, "x = 1\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        let dst = tempfile::tempdir().unwrap();
        copy_tree(src.path(), &dst.path().join("copy")).unwrap();
        let mode = std::fs::metadata(dst.path().join("copy/a.py"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o200, 0o200, "{mode:o}");
    }

    #[test]
    fn io_errors_name_their_path() {
        let err = append_comment(Path::new("/nonexistent/dir/a.py"), 1).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dir/a.py"), "{err}");
    }
}
