//! `wtfcb watch [PATH]`: analyzes the project, then again after files change, through the
//! cache (unchanged files are not parsed again) and the incremental cross-file phase, and says
//! what changed: new and fixed findings, and the worst functions. File events come from the
//! `notify` crate (inotify on Linux); a burst of them (a `git checkout` of another branch) is
//! one re-analysis, made once the events have been quiet for the debounce time.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::{WatchArgs, WatchFormat};
use crate::commands::ExitStatus;
use crate::settings::AnalyzeSettings;
use wtfcb_core::findings::Finding;
use wtfcb_core::lang::Language;
use wtfcb_report::report::analyze::AnalyzeReport;

/// A finding as the watch compares and shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Shown {
    path: String,
    line: u32,
    rule: String,
    severity: String,
    message: String,
    #[serde(skip)]
    fingerprint: String,
}

/// One analysis's result, as the watch compares them.
struct State {
    findings: BTreeMap<(String, String, String), Shown>,
    report: AnalyzeReport,
}

/// What one re-analysis found, as a JSON line (`--format jsonl`).
#[derive(Serialize)]
struct Change<'a> {
    event: &'static str,
    files: u64,
    /// Files parsed for this analysis (the others came from the cache).
    parsed: u64,
    wall_ms: f64,
    findings: u64,
    by_severity: BTreeMap<String, u64>,
    new: Vec<&'a Shown>,
    fixed: Vec<&'a Shown>,
}

pub fn run(
    args: &WatchArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    // Analyzed as typed (reports show paths as `analyze` does); watched by its real path.
    let given = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = std::fs::canonicalize(&given).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}",
            wtfcb_core::text::tty(&given.display().to_string())
        )
    })?;
    let debounce = Duration::from_millis(args.debounce_ms);
    let mut settings = crate::settings::settings_for(&given, &[])?;
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })?;
    notify::Watcher::watch(&mut watcher, &root, notify::RecursiveMode::Recursive)?;
    crate::signals::catch();
    let mut state = analyze(&settings)?;
    emit(out, args.format, &given, &state, None)?;
    let mut pending: Option<Instant> = None;
    let mut config_changed = false;
    while !crate::signals::stopped() {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(event)) => {
                let (relevant, config) = relevance(&root, &event);
                if relevant {
                    pending = Some(Instant::now());
                    config_changed |= config;
                }
            }
            Ok(Err(e)) => writeln!(err, "wtfcb watch: warning: {e}")?,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if pending.is_none_or(|at| at.elapsed() < debounce) {
            continue;
        }
        pending = None;
        if std::mem::take(&mut config_changed) {
            match crate::settings::settings_for(&given, &[]) {
                Ok(s) => settings = s,
                Err(e) => writeln!(
                    err,
                    "wtfcb watch: the config does not load, the previous one stays: {e:#}"
                )?,
            }
        }
        match analyze(&settings) {
            Ok(next) => {
                if changed(&state, &next) {
                    emit(out, args.format, &given, &next, Some(&state))?;
                }
                state = next;
            }
            Err(e) => writeln!(err, "wtfcb watch: the analysis failed: {e:#}")?,
        }
    }
    if args.format == WatchFormat::Text {
        writeln!(out, "wtfcb watch: stopped")?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// Whether a new analysis differs from the last in anything the watch shows: files parsed
/// again (an edit), files added or removed, findings.
fn changed(before: &State, now: &State) -> bool {
    let parsed = now.report.run.cache.as_ref().map_or(1, |c| c.files_parsed);
    parsed > 0
        || now.report.summary.files != before.report.summary.files
        || now.findings.keys().ne(before.findings.keys())
}

/// Whether an event can change a result (a file in a language wtfcb reads, a config or an
/// ignore file; nothing in `.git/` or the cache), and whether it touched the config.
fn relevance(root: &Path, event: &notify::Event) -> (bool, bool) {
    if matches!(event.kind, notify::EventKind::Access(_)) {
        return (false, false);
    }
    let mut relevant = false;
    let mut config = false;
    let structural = matches!(
        event.kind,
        notify::EventKind::Create(_)
            | notify::EventKind::Remove(_)
            | notify::EventKind::Modify(notify::event::ModifyKind::Name(_))
    );
    for path in &event.paths {
        let rel = path.strip_prefix(root).unwrap_or(path);
        if rel.as_os_str().is_empty() {
            continue;
        }
        let internal = rel.components().any(|c| {
            let c = c.as_os_str();
            c == ".git" || c == ".wtfcb-cache"
        });
        if internal {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let is_config = name == "wtfcb.toml";
        config |= is_config;
        relevant |= is_config
            || matches!(name, ".gitignore" | ".ignore" | ".wtfcbignore")
            || Language::from_path(path).is_some()
            // A directory created, removed or renamed may hold source files.
            || (structural && path.extension().is_none());
    }
    (relevant, config)
}

/// One analysis through the cache, as `wtfcb analyze` runs it.
fn analyze(settings: &AnalyzeSettings) -> anyhow::Result<State> {
    let report = crate::analysis::whole(settings)?.report;
    let findings = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().flatten())
        .filter(|f| !f.suppressed && !f.baselined)
        .map(|f| {
            let shown = shown(f);
            (
                (f.path.clone(), f.rule.clone(), f.fingerprint.clone()),
                shown,
            )
        })
        .collect();
    Ok(State { findings, report })
}

fn shown(f: &Finding) -> Shown {
    Shown {
        path: f.path.clone(),
        line: f.start_line,
        rule: f.rule.clone(),
        severity: f.severity.as_str().to_string(),
        message: f.message.clone(),
        fingerprint: f.fingerprint.clone(),
    }
}

/// Writes one analysis: the first in full, each later one as what changed.
fn emit(
    out: &mut dyn Write,
    format: WatchFormat,
    root: &Path,
    now: &State,
    before: Option<&State>,
) -> anyhow::Result<()> {
    let new: Vec<&Shown> = now
        .findings
        .iter()
        .filter(|(k, _)| before.is_some_and(|b| !b.findings.contains_key(*k)))
        .map(|(_, v)| v)
        .collect();
    let fixed: Vec<&Shown> = before
        .map(|b| {
            b.findings
                .iter()
                .filter(|(k, _)| !now.findings.contains_key(*k))
                .map(|(_, v)| v)
                .collect()
        })
        .unwrap_or_default();
    let summary = &now.report.summary;
    let parsed = now
        .report
        .run
        .cache
        .as_ref()
        .map_or(summary.files, |c| c.files_parsed);
    let change = Change {
        event: if before.is_some() { "change" } else { "start" },
        files: summary.files,
        parsed,
        wall_ms: (now.report.run.wall_ms * 10.0).round() / 10.0,
        findings: now.findings.len() as u64,
        by_severity: summary
            .by_severity
            .iter()
            .map(|(s, n)| (s.as_str().to_string(), *n))
            .collect(),
        new,
        fixed,
    };
    match format {
        WatchFormat::Jsonl => {
            serde_json::to_writer(&mut *out, &change)?;
            writeln!(out)?;
        }
        WatchFormat::Text => text(out, root, &change, now)?,
    }
    out.flush()?;
    Ok(())
}

/// The compact terminal summary: counts, what is new and fixed, the worst functions.
fn text(out: &mut dyn Write, root: &Path, change: &Change, now: &State) -> anyhow::Result<()> {
    use wtfcb_core::text::tty;
    let severities: Vec<String> = change
        .by_severity
        .iter()
        .rev()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    writeln!(
        out,
        "wtfcb watch {}: {} files ({} parsed) in {:.0} ms; {} findings ({}); {} new, {} fixed",
        tty(&root.display().to_string()),
        change.files,
        change.parsed,
        change.wall_ms,
        change.findings,
        severities.join(", "),
        change.new.len(),
        change.fixed.len()
    )?;
    const SHOWN: usize = 10;
    for (mark, list) in [("+", &change.new), ("-", &change.fixed)] {
        for f in list.iter().take(SHOWN) {
            writeln!(
                out,
                "  {mark} {}:{} {} {} {}",
                tty(&f.path),
                f.line,
                f.severity,
                f.rule,
                tty(&f.message)
            )?;
        }
        if list.len() > SHOWN {
            writeln!(out, "  {mark} ... and {} more", list.len() - SHOWN)?;
        }
    }
    if change.event == "start" {
        for h in now.report.summary.most_complex.iter().take(5) {
            writeln!(
                out,
                "  worst: {}:{} {} (cyclomatic {}, cognitive {})",
                tty(&h.path),
                h.line,
                tty(&h.function),
                h.cyclomatic,
                h.cognitive
            )?;
        }
    }
    Ok(())
}
