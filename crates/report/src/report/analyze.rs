//! The `analyze` report: files with their metrics and findings, and a summary.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use wtfcb_core::findings::FailOn;
use wtfcb_core::findings::{Finding, Severity};
use wtfcb_core::walk::{Diagnostic, Skipped, WalkResult};
use wtfcb_engine::engine::{FileRecord, Outcome};

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 2;

/// Phase times in milliseconds (the walk is wall time; the rest are summed over threads).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PhasesMs {
    pub walk: f64,
    /// Stat checks, hashing and cache lookups.
    pub cache: f64,
    pub read: f64,
    pub parse: f64,
    /// Metrics and syntactic rule hits (the single pass over the tree).
    #[serde(rename = "metrics")]
    pub facts: f64,
    pub rules: f64,
    /// Writing new cache entries at the end (wall time).
    pub cache_write: f64,
    /// The project phase: duplicate code and the import graph (wall time).
    pub project: f64,
    /// The per-file stage (wall time): reading, parsing and checking every file, on every
    /// thread; the run's parallel part.
    pub files: f64,
}

/// How this run went: timings and cache counters. The only part of the report that differs
/// between a cached and an uncached run, or between two runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunInfo {
    pub wall_ms: f64,
    pub jobs: usize,
    pub phases_ms: PhasesMs,
    /// Parser worker processes started (0 with `--in-process`, or when every file came from
    /// the cache); more than `jobs` means some were replaced after a crash or a hang.
    pub parser_processes: u64,
    /// Absent with `--no-cache`.
    pub cache: Option<wtfcb_store::cache::CacheStats>,
}

impl RunInfo {
    pub fn new(
        wall: std::time::Duration,
        jobs: usize,
        times: &wtfcb_engine::engine::PhaseTimes,
        parser_processes: u64,
        cache: Option<wtfcb_store::cache::CacheStats>,
    ) -> RunInfo {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        RunInfo {
            wall_ms: ms(wall),
            jobs,
            phases_ms: PhasesMs {
                walk: ms(times.walk()),
                cache: ms(times.cache()),
                read: ms(times.read()),
                parse: ms(times.parse()),
                facts: ms(times.facts()),
                rules: ms(times.rules()),
                cache_write: cache.as_ref().map_or(0.0, |c| c.write_ms),
                project: 0.0,
                files: ms(times.files()),
            },
            parser_processes,
            cache,
        }
    }
}

/// `analyze --profile-out`: the run's phases and counts with the profiler's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReport {
    pub files: u64,
    pub functions: u64,
    pub code_lines: u64,
    pub bytes: u64,
    pub run: RunInfo,
    /// Rendering and writing the report (wall time).
    pub report_ms: f64,
    /// The kernel's high-water mark of resident memory (exact; sampling can miss a peak).
    pub max_rss_bytes: Option<u64>,
    /// Bytes and allocations per phase, and peak live heaps (counted by the binary's global
    /// allocator while profiling; all zero in a build without it).
    pub allocations: wtfcb_core::alloc::AllocProfile,
    pub timeline: wtfcb_core::profile::Timeline,
    /// The run's serial part and what it allows on more cores (with the run's CPU time).
    pub scaling: Option<Scaling>,
}

/// The serial part of a run and the speedup Amdahl's law allows from it. The serial part is
/// the wall time outside the per-file stage (start, walk, config, cache open and close, the
/// cross-file phase, the report: one thread works while the others wait); its share is that
/// time over all the CPU time the run took (every thread, the parser processes included).
/// With a serial share `s`, no number of cores `n` runs it faster than `1 / (s + (1 - s) / n)`
/// times one core.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scaling {
    pub serial_ms: f64,
    pub cpu_ms: f64,
    pub serial_share: f64,
    pub speedup_8: f64,
    pub speedup_16: f64,
}

impl Scaling {
    /// From the run's whole wall time, its per-file stage's wall time and its CPU time; `None`
    /// without CPU time to divide by.
    pub fn of(wall_ms: f64, files_ms: f64, cpu_ms: f64) -> Option<Scaling> {
        if cpu_ms <= 0.0 || !cpu_ms.is_finite() {
            return None;
        }
        let serial_ms = (wall_ms - files_ms).max(0.0);
        let s = (serial_ms / cpu_ms).clamp(0.0, 1.0);
        let speedup = |n: f64| 1.0 / (s + (1.0 - s) / n);
        Some(Scaling {
            serial_ms,
            cpu_ms,
            serial_share: s,
            speedup_8: speedup(8.0),
            speedup_16: speedup(16.0),
        })
    }

    /// One line: the serial part, its share and the projection.
    pub fn line(&self) -> String {
        format!(
            "serial part {:.1} ms of {:.1} ms CPU ({:.1}%): Amdahl's law allows at most {:.1}x on 8 cores, {:.1}x on 16",
            self.serial_ms,
            self.cpu_ms,
            self.serial_share * 100.0,
            self.speedup_8,
            self.speedup_16
        )
    }
}

impl ProfileReport {
    pub fn write_summary(&self, err: &mut dyn Write) -> io::Result<()> {
        let p = &self.run.phases_ms;
        let t = &self.timeline;
        let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
        writeln!(
            err,
            "wtfcb profile: {} files, {} code lines, {:.1} MB in {:.1} ms on {} thread(s)",
            self.files,
            self.code_lines,
            mb(self.bytes),
            self.run.wall_ms,
            self.run.jobs
        )?;
        writeln!(
            err,
            "  phases (ms): walk {:.1} | summed over threads: cache {:.1}, read {:.1}, parse {:.1}, metrics {:.1}, rules {:.1} | project {:.1} | cache write {:.1} | report {:.1}",
            p.walk, p.cache, p.read, p.parse, p.facts, p.rules, p.project, p.cache_write, self.report_ms
        )?;
        if let Some(scaling) = &self.scaling {
            writeln!(err, "  {}", scaling.line())?;
        }
        let a = &self.allocations;
        let phases: Vec<String> = a
            .phases
            .iter()
            .map(|p| {
                format!(
                    "{} {:.1} MiB in {} allocations",
                    p.phase,
                    mb(p.bytes),
                    p.allocations
                )
            })
            .collect();
        writeln!(err, "  allocated: {}", phases.join(", "))?;
        writeln!(
            err,
            "  peak live heap: {:.1} MiB in this process, {:.1} MiB in one parse in a parser process",
            mb(a.peak_live_bytes),
            mb(a.parser_peak_live_bytes)
        )?;
        writeln!(
            err,
            "  memory: peak {:.1} MiB sampled ({:.1} MiB kernel high-water mark), average {:.1} MiB",
            mb(t.peak_rss_bytes),
            mb(self.max_rss_bytes.unwrap_or(0)),
            mb(t.avg_rss_bytes)
        )?;
        writeln!(
            err,
            "  cpu: average {:.0}%, peak {:.0}% (100% = one core); {} samples every {:.0} ms, sampling cost {:.2} ms",
            t.avg_cpu_percent,
            t.peak_cpu_percent,
            t.samples.len(),
            t.interval_ms,
            t.sampling_cost_ms
        )?;
        // The parser processes, sampled beside this one (they do most of the parsing).
        let parsers_peak = t
            .samples
            .iter()
            .map(|s| s.parsers_rss_bytes)
            .max()
            .unwrap_or(0);
        let cpu: Vec<f32> = t
            .samples
            .iter()
            .skip(1)
            .map(|s| s.parsers_cpu_percent)
            .collect();
        if parsers_peak > 0 {
            writeln!(
                err,
                "  parser processes: peak {:.1} MiB resident (all together), average cpu {:.0}%",
                mb(parsers_peak),
                cpu.iter().sum::<f32>() / cpu.len().max(1) as f32
            )?;
        }
        Ok(())
    }
}

/// One of the most complex functions of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Hotspot {
    pub path: String,
    pub function: String,
    pub line: u32,
    pub cyclomatic: u32,
    pub cognitive: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AnalyzeSummary {
    pub files: u64,
    pub functions: u64,
    /// Unsuppressed findings per severity (all severities listed).
    pub by_severity: BTreeMap<Severity, u64>,
    /// Unsuppressed findings per rule.
    pub by_rule: BTreeMap<String, u64>,
    pub suppressed: u64,
    /// Findings the baseline accepts (hidden, not counted toward `--fail-on`).
    #[serde(skip_serializing_if = "super::is_zero")]
    pub baselined: u64,
    /// Baseline entries no finding matches any more (fixed, or the code is gone).
    #[serde(skip_serializing_if = "super::is_zero")]
    pub baseline_fixed: u64,
    /// With `--new-since`: the reference, its merge-base with HEAD, and how many findings
    /// were already there (hidden, not counted toward `--fail-on`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_since: Option<NewSinceSummary>,
    pub skipped: u64,
    pub errors: u64,
    /// Of the errors, files whose analysis failed (a parser crashed or hung, an internal
    /// error): the run exits 2.
    #[serde(skip_serializing_if = "super::is_zero")]
    pub analysis_failures: u64,
    /// Rust macro invocations whose body was not read as code (see `FileFacts::unread`).
    #[serde(skip_serializing_if = "super::is_zero")]
    pub unread_macro_bodies: u64,
    /// The ten functions of highest cyclomatic complexity (then cognitive, path, line).
    pub most_complex: Vec<Hotspot>,
    /// What the project phase found: `duplication`, `imports`.
    #[serde(flatten)]
    pub project: wtfcb_project::project::ProjectSummary,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NewSinceSummary {
    pub reference: String,
    pub merge_base: String,
    pub preexisting: u64,
    /// The files that changed since the merge-base (added, modified, renamed): what the run
    /// is about, and all its lists of hotspots show.
    #[serde(skip)]
    pub changed: std::collections::HashSet<String>,
}

/// What hides findings a team already knows: the baseline, and `--new-since`'s findings at
/// the merge-base (as a baseline of the base content, with its reference and commit).
#[derive(Default)]
pub struct Known<'a> {
    pub baseline: Option<&'a crate::baseline::Baseline>,
    /// Files the lists of most complex functions and hotspots leave out (test code; with
    /// `--new-since` or `--staged`, what the change did not touch), by project-relative path.
    pub out_of_focus: std::collections::HashSet<String>,
    /// Whether this run speaks for a baseline entry's path (see
    /// `commands::analyze::BaselineScope`): an entry of a file it did not look at is not
    /// "fixed".
    pub baseline_scope: Option<&'a (dyn Fn(&str) -> bool + 'a)>,
    pub new_since: Option<(NewSinceSummary, crate::baseline::Baseline)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeReport {
    pub tool: &'static str,
    pub version: &'static str,
    /// Version of this JSON layout; bumped on any incompatible change.
    pub schema_version: u32,
    /// MD5 of every effective rule setting (defaults, config, overrides, flags).
    pub settings_fingerprint: String,
    /// The config file used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    pub summary: AnalyzeSummary,
    pub files: Vec<FileRecord>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<Diagnostic>,
    /// Timings and cache counters of this run (everything else is the result).
    pub run: RunInfo,
    /// Files the lists of hotspots leave out (see [`Known::out_of_focus`]).
    #[serde(skip)]
    pub out_of_focus: std::collections::HashSet<String>,
}

/// The ten functions of highest cyclomatic complexity (then cognitive, path, line), leaving
/// out functions whose complexity finding is suppressed.
fn hotspots(
    files: &[FileRecord],
    out_of_focus: &std::collections::HashSet<String>,
) -> Vec<Hotspot> {
    let mut hotspots = Vec::new();
    for file in files.iter().filter(|f| !out_of_focus.contains(&f.rel)) {
        let quiet: std::collections::HashSet<&str> = file
            .findings
            .iter()
            .flatten()
            .filter(|x| {
                x.suppressed
                    && matches!(x.rule.as_str(), "complex-function" | "cognitive-complexity")
            })
            .filter_map(|x| x.symbol.as_deref())
            .collect();
        for f in &file.facts.functions {
            if quiet.contains(f.qualified_name.as_str()) {
                continue;
            }
            hotspots.push(Hotspot {
                path: file.path.clone(),
                function: f.qualified_name.clone(),
                line: f.start_line,
                cyclomatic: f.cyclomatic,
                cognitive: f.cognitive,
            });
        }
    }
    hotspots.sort_by(|a, b| {
        (b.cyclomatic, b.cognitive, &a.path, a.line).cmp(&(
            a.cyclomatic,
            a.cognitive,
            &b.path,
            b.line,
        ))
    });
    hotspots.truncate(10);
    hotspots
}

impl AnalyzeReport {
    pub fn new(
        walk: WalkResult,
        outcomes: Vec<Outcome>,
        settings_fingerprint: String,
        config: Option<String>,
        known: Known,
    ) -> AnalyzeReport {
        let super::Gathered {
            mut files,
            skipped,
            errors,
            broken,
            ..
        } = super::gather(walk, outcomes);
        let mut summary = AnalyzeSummary {
            files: files.len() as u64,
            skipped: skipped.len() as u64,
            errors: errors.len() as u64,
            analysis_failures: broken,
            by_severity: Severity::ALL.iter().map(|s| (*s, 0)).collect(),
            unread_macro_bodies: files
                .iter()
                .map(|f| u64::from(f.facts.unread.macro_bodies))
                .sum(),
            ..AnalyzeSummary::default()
        };
        if let Some(baseline) = known.baseline {
            let matched = baseline.apply(
                files
                    .iter_mut()
                    .filter_map(|f| Some((f.rel.as_str(), f.findings.as_mut()?))),
            );
            let in_scope = |path: &str| known.baseline_scope.is_none_or(|scope| scope(path));
            summary.baseline_fixed = baseline
                .entries
                .iter()
                .zip(&matched)
                .filter(|(e, m)| !**m && in_scope(&e.path))
                .count() as u64;
        }
        if let Some((info, base)) = known.new_since {
            base.mark(
                files
                    .iter_mut()
                    .filter_map(|f| Some((f.rel.as_str(), f.findings.as_mut()?))),
                |f| f.preexisting = true,
            );
            summary.new_since = Some(info);
        }
        for file in &files {
            summary.functions += file.facts.functions.len() as u64;
            for finding in file.findings.iter().flatten() {
                if finding.suppressed {
                    summary.suppressed += 1;
                } else if finding.baselined {
                    summary.baselined += 1;
                } else if finding.preexisting {
                    if let Some(n) = &mut summary.new_since {
                        n.preexisting += 1;
                    }
                } else {
                    *summary.by_severity.entry(finding.severity).or_default() += 1;
                    *summary.by_rule.entry(finding.rule.clone()).or_default() += 1;
                }
            }
        }
        summary.most_complex = hotspots(&files, &known.out_of_focus);
        let out_of_focus = known.out_of_focus;
        AnalyzeReport {
            tool: "wtfcb",
            version: env!("CARGO_PKG_VERSION"),
            schema_version: SCHEMA_VERSION,
            settings_fingerprint,
            config,
            summary,
            files,
            skipped,
            errors,
            run: RunInfo::default(),
            out_of_focus,
        }
    }

    /// Drops findings below `min` from what is shown (the summary keeps counting them).
    pub fn hide_below(&mut self, min: Severity) {
        for file in &mut self.files {
            if let Some(findings) = &mut file.findings {
                findings.retain(|f| f.severity >= min);
            }
        }
    }

    /// Whether an unsuppressed finding reaches the failure threshold.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::Never => false,
            FailOn::At(threshold) => self
                .summary
                .by_severity
                .iter()
                .any(|(s, n)| *s >= threshold && *n > 0),
        }
    }

    fn findings(&self) -> impl Iterator<Item = (&FileRecord, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().flatten().map(move |x| (f, x)))
    }
}

/// What the text report shows besides the findings themselves.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    /// List suppressed findings too (they are always counted).
    pub show_suppressed: bool,
    pub fail_on: FailOn,
    pub min_severity: Severity,
    /// One finding per line with its path (`--format concise`) instead of grouped by file.
    pub concise: bool,
}

/// Styles of the text report: written as escape codes unless [`write_plain`] was called (the
/// binary calls it when colour is off, and writes to its output unfiltered; other callers get
/// the codes and strip them as they need).
mod paint {
    use anstyle::{AnsiColor, Style};
    use std::sync::atomic::{AtomicBool, Ordering};

    pub static PLAIN: AtomicBool = AtomicBool::new(false);

    pub const PATH: Style = Style::new().bold();
    pub const DIM: Style = Style::new().dimmed();
    pub const BLOCK: Style = AnsiColor::Red.on_default().bold();
    pub const PASSED: Style = AnsiColor::Green.on_default().bold();

    pub fn severity(s: wtfcb_core::findings::Severity) -> Style {
        use wtfcb_core::findings::Severity::*;
        match s {
            Critical | High => AnsiColor::Red.on_default().bold(),
            Medium => AnsiColor::Yellow.on_default(),
            Low => AnsiColor::Cyan.on_default(),
            Info => Style::new().dimmed(),
        }
    }

    /// `text` in `style`.
    pub fn it(style: Style, text: impl std::fmt::Display) -> String {
        if PLAIN.load(Ordering::Relaxed) {
            text.to_string()
        } else {
            format!("{style}{text}{style:#}")
        }
    }
}

/// From now on, the text report is written without styles: for a binary whose output takes
/// no colour, which can then skip filtering escape codes out of every byte it writes.
pub fn write_plain() {
    paint::PLAIN.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The most complex functions are listed for runs of at least this many files: for a handful
/// of files (a pre-commit batch) the list only repeats the findings.
pub const HOTSPOT_MIN_FILES: u64 = 10;

/// Findings grouped by file (blocking ones marked `✖`), the summary, and one last line that
/// says why the exit code is what it is.
pub fn write_text(
    out: &mut dyn Write,
    report: &AnalyzeReport,
    opts: TextOptions,
) -> io::Result<()> {
    let blocks =
        |f: &Finding| !f.suppressed && matches!(opts.fail_on, FailOn::At(t) if f.severity >= t);
    let mut current: Option<&str> = None;
    for (file, finding) in report.findings() {
        if (finding.suppressed && !opts.show_suppressed) || finding.baselined || finding.preexisting
        {
            continue;
        }
        if opts.concise {
            writeln!(
                out,
                "{}:{}:{}: {} {} {}{}",
                paint::it(paint::PATH, wtfcb_core::text::tty(&file.path)),
                finding.start_line,
                finding.start_column,
                paint::it(paint::severity(finding.severity), finding.severity.as_str()),
                finding.rule,
                wtfcb_core::text::tty(&finding.message),
                if finding.suppressed {
                    " (suppressed)".to_string()
                } else if blocks(finding) {
                    paint::it(paint::BLOCK, " ✖")
                } else {
                    String::new()
                }
            )?;
            current = Some(&file.path);
            continue;
        }
        if current != Some(file.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{}",
                paint::it(paint::PATH, wtfcb_core::text::tty(&file.path))
            )?;
            current = Some(&file.path);
        }
        let note = if finding.suppressed {
            " (suppressed)"
        } else {
            ""
        };
        let position = format!("{:>5}:{:<4}", finding.start_line, finding.start_column);
        let severity = format!("{:<8}", finding.severity.as_str());
        writeln!(
            out,
            "{} {} {} {:<22} {}{note}",
            if blocks(finding) {
                paint::it(paint::BLOCK, "✖")
            } else {
                " ".to_string()
            },
            paint::it(paint::DIM, position),
            paint::it(paint::severity(finding.severity), severity),
            finding.rule,
            wtfcb_core::text::tty(&finding.message)
        )?;
    }
    if current.is_some() {
        writeln!(out)?;
    }
    write_summary(out, report, opts)
}

/// The text report's summary lines and its verdict.
fn write_summary(out: &mut dyn Write, report: &AnalyzeReport, opts: TextOptions) -> io::Result<()> {
    let s = &report.summary;
    let shown = |sev: &Severity| *sev >= opts.min_severity;
    let total: u64 = s
        .by_severity
        .iter()
        .filter(|(k, _)| shown(k))
        .map(|(_, n)| n)
        .sum();
    let below: u64 = s
        .by_severity
        .iter()
        .filter(|(k, _)| !shown(k))
        .map(|(_, n)| n)
        .sum();
    let by_severity: Vec<String> = s
        .by_severity
        .iter()
        .rev()
        .filter(|(k, n)| **n > 0 && shown(k))
        .map(|(sev, n)| format!("{n} {}", sev.as_str()))
        .collect();
    let mut extra = String::new();
    if s.suppressed > 0 {
        extra.push_str(&format!(", {} suppressed", s.suppressed));
        if !opts.show_suppressed {
            extra.push_str(" (--show-suppressed lists them)");
        }
    }
    if s.baselined > 0 || s.baseline_fixed > 0 {
        extra.push_str(&format!(
            ", {} known finding(s) hidden by the baseline",
            s.baselined
        ));
        if s.baseline_fixed > 0 {
            extra.push_str(&format!(
                ", {} fixed since (run `wtfcb baseline prune`)",
                s.baseline_fixed
            ));
        }
    }
    if let Some(n) = &s.new_since {
        extra.push_str(&format!(
            ", {} already at {} (merge-base {}) hidden by --new-since",
            n.preexisting,
            wtfcb_core::text::tty(&n.reference),
            &n.merge_base[..n.merge_base.len().min(12)]
        ));
    }
    if below > 0 {
        extra.push_str(&format!(
            ", {below} below --min-severity {} hidden",
            opts.min_severity.as_str()
        ));
    }
    writeln!(
        out,
        "{} files, {} functions, {} findings{}{extra}",
        s.files,
        s.functions,
        total,
        if by_severity.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_severity.join(", "))
        },
    )?;
    if !s.by_rule.is_empty() {
        let rules: Vec<String> = s.by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
        writeln!(out, "by rule: {}", rules.join(", "))?;
    }
    if !s.most_complex.is_empty() && s.files >= HOTSPOT_MIN_FILES {
        writeln!(out, "most complex functions (cyclomatic / cognitive):")?;
        for h in &s.most_complex {
            writeln!(
                out,
                "  {:>4} / {:<4} {}:{} {}",
                h.cyclomatic,
                h.cognitive,
                wtfcb_core::text::tty(&h.path),
                h.line,
                wtfcb_core::text::tty(&h.function)
            )?;
        }
    }
    let mut verdict = verdict(report, opts.fail_on);
    if verdict.ends_with("(fail-on)") && verdict.starts_with("FAILED") {
        verdict.push_str(", marked ✖");
    }
    let style = if verdict.starts_with("FAILED") {
        paint::BLOCK
    } else {
        paint::PASSED
    };
    writeln!(out, "{}", paint::it(style, verdict))
}

/// `--statistics`: unsuppressed findings per rule, most frequent first (then by id), with each
/// rule's severities, then the verdict.
pub fn write_statistics(
    out: &mut dyn Write,
    report: &AnalyzeReport,
    fail_on: FailOn,
) -> io::Result<()> {
    let mut rows: Vec<(&String, &u64)> = report.summary.by_rule.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (rule, n) in rows {
        let meta = wtfcb_core::rules::find(rule).map(|r| r.meta());
        writeln!(out, "{n:>7}  {rule:<24} {}", meta.map_or("", |m| m.summary))?;
    }
    writeln!(out, "{}", verdict(report, fail_on))
}

/// What is counted but not listed, each part starting with `sep`: suppressed findings, those
/// the baseline accepts, those `--new-since` found at the merge-base.
pub fn hidden_counts(s: &AnalyzeSummary, sep: &str) -> String {
    let mut out = String::new();
    if s.suppressed > 0 {
        out.push_str(&format!("{sep}{} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        out.push_str(&format!("{sep}{} hidden by the baseline", s.baselined));
    }
    if let Some(n) = &s.new_since {
        out.push_str(&format!(
            "{sep}{} already at {}",
            n.preexisting, n.reference
        ));
    }
    out
}

/// Why the exit code is what it is, in one line.
pub fn verdict(report: &AnalyzeReport, fail_on: FailOn) -> String {
    let s = &report.summary;
    if s.analysis_failures > 0 {
        return format!(
            "FAILED: {} file(s) could not be analyzed (see errors)",
            s.analysis_failures
        );
    }
    match fail_on {
        FailOn::Never => "passed: --fail-on never".to_string(),
        FailOn::At(t) => {
            let n: u64 = s
                .by_severity
                .iter()
                .filter(|(k, _)| **k >= t)
                .map(|(_, n)| n)
                .sum();
            if n > 0 {
                format!(
                    "FAILED: {n} finding(s) at or above {} (fail-on)",
                    t.as_str()
                )
            } else {
                format!("passed: no finding at or above {} (fail-on)", t.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_part_bounds_the_speedup_as_amdahl_says() {
        // 50 ms of 1,000 ms CPU outside the parallel stage: 5%.
        let s = Scaling::of(300.0, 250.0, 1000.0).unwrap();
        assert_eq!(s.serial_ms, 50.0);
        assert!((s.serial_share - 0.05).abs() < 1e-12);
        assert!((s.speedup_8 - 1.0 / (0.05 + 0.95 / 8.0)).abs() < 1e-12);
        assert!((s.speedup_16 - 1.0 / (0.05 + 0.95 / 16.0)).abs() < 1e-12);
        // A run all serial gains nothing; one all parallel gains every core.
        assert_eq!(Scaling::of(100.0, 0.0, 100.0).unwrap().speedup_16, 1.0);
        assert_eq!(Scaling::of(100.0, 100.0, 200.0).unwrap().speedup_8, 8.0);
        // Clocks that disagree never give a share outside 0..1; no CPU time, no scaling.
        assert_eq!(Scaling::of(10.0, 50.0, 100.0).unwrap().serial_share, 0.0);
        assert_eq!(Scaling::of(500.0, 0.0, 100.0).unwrap().serial_share, 1.0);
        assert!(Scaling::of(1.0, 0.0, 0.0).is_none());
        assert!(s.line().contains("(5.0%)"), "{}", s.line());
    }
}
