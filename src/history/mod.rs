//! `wtfcb history`: the project measured at each commit of a range, read from git's objects
//! (nothing checked out, nothing written into the repository). The range is replayed as
//! events (which file went from which blob to which), every distinct (blob, path) is analyzed
//! once through the same pipeline, cache and settings as `analyze` (and kept in the history
//! store for the next run), and the numbers per commit are kept up to date event by event.

mod analyze;
mod html;
pub mod log;
mod model;
mod render;
pub mod replay;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::HistoryArgs;
use crate::commands::ExitStatus;
use crate::git::Repo;
use crate::settings::Verbosity;
use log::Range;

pub use model::{CommitPoint, Dist, FileSeries, FunctionSeries, Hotspot, Worsened};

/// The report `history` writes (as JSON, and what the other formats show).
#[derive(Debug, Serialize)]
pub struct HistoryReport {
    /// The shape of this report; raised when a field changes meaning.
    pub version: u32,
    pub wtfcb: &'static str,
    /// The range as asked (`--last 100`, `v1.0..HEAD`).
    pub range: String,
    pub first_parent: bool,
    /// The project-relative paths followed (empty: the whole project).
    pub paths: Vec<String>,
    pub run: RunNumbers,
    /// Oldest first (parents before children).
    pub commits: Vec<CommitPoint>,
    /// Files present at the last commit that the range changed, by score.
    pub hotspots: Vec<Hotspot>,
    /// Functions whose cognitive complexity grew since first seen, most first.
    pub worsened: Vec<Worsened>,
    /// Each file's values at the commits that changed it.
    pub files: Vec<FileSeries>,
    /// Each function's values at the commits that changed them.
    pub functions: Vec<FunctionSeries>,
}

#[derive(Debug, Default, Serialize)]
pub struct RunNumbers {
    pub seconds: f64,
    pub commits: u64,
    /// Distinct (blob, path) pairs in the range: what had to be known.
    pub file_versions: u64,
    /// Of them, analyzed by this run (the others came from the history store).
    pub analyzed: u64,
    pub from_store: u64,
    /// Files parsed by this run (the others of `analyzed` were in the content cache).
    pub parsed: u64,
    /// File versions whose analysis failed, and blobs git did not have.
    pub failed: u64,
    pub missing: u64,
    /// Commits whose duplicates and import cycles were computed now, and read back.
    pub cross_file_computed: u64,
    pub cross_file_from_store: u64,
}

/// A path as typed, made project-relative without touching the file system beyond the
/// current directory (it may name a directory deleted since).
fn project_relative(path: &Path, cwd: &Path, root: &Path) -> anyhow::Result<String> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let rel = clean.strip_prefix(root).with_context(|| {
        format!(
            "history: {} is outside the project at {}",
            path.display(),
            root.display()
        )
    })?;
    Ok(wtfcb_core::walk::path_text(rel.as_os_str())
        .trim_end_matches('/')
        .to_string())
}

/// The analyze settings for the project at `base`, with the options `history` passes on.
fn settings(args: &HistoryArgs, base: &Path) -> anyhow::Result<crate::settings::AnalyzeSettings> {
    let mut argv: Vec<std::ffi::OsString> =
        vec!["wtfcb".into(), "analyze".into(), "--quiet".into()];
    if let Some(config) = &args.config {
        argv.extend(["--config".into(), config.as_os_str().to_owned()]);
    }
    if let Some(jobs) = args.jobs {
        argv.extend(["--jobs".into(), jobs.to_string().into()]);
    }
    if args.in_process {
        argv.push("--in-process".into());
    }
    if args.no_cache {
        argv.push("--no-cache".into());
    }
    if let Some(dir) = &args.cache_dir.cache_dir {
        argv.extend(["--cache-dir".into(), dir.as_os_str().to_owned()]);
    }
    argv.push(base.as_os_str().to_owned());
    crate::settings::parse_analyze(argv)
}

fn range_of(args: &HistoryArgs) -> (Range, String) {
    match (&args.since, &args.from) {
        (Some(since), _) => (Range::Since(since.clone()), format!("{since}..HEAD")),
        (None, Some(from)) => {
            let to = args.to.clone().unwrap_or_else(|| "HEAD".into());
            (
                Range::Between(from.clone(), to.clone()),
                format!("{from}..{to}"),
            )
        }
        (None, None) => {
            let n = args.last.unwrap_or(100);
            (Range::Last(n), format!("--last {n}"))
        }
    }
}

/// The commits whose cross-file numbers are computed: the last, and in each of `n - 1` equal
/// slices of the range the commit with the smallest hash of its id (so that a range that
/// grew by a commit mostly samples the same commits, which the store then has).
pub fn sample(ids: &[&str], n: usize) -> HashSet<usize> {
    let mut chosen = HashSet::new();
    if n == 0 || ids.is_empty() {
        return chosen;
    }
    chosen.insert(ids.len() - 1);
    let slices = (n - 1).min(ids.len());
    for s in 0..slices {
        let (a, b) = (s * ids.len() / slices, (s + 1) * ids.len() / slices);
        if let Some(i) = (a..b).min_by_key(|&i| wtfcb_core::text::fnv64(ids[i].as_bytes())) {
            chosen.insert(i);
        }
    }
    chosen
}

/// Each commit's lines added and deleted per path against its first parent: from the store,
/// or from git for the commits it lacks (and then kept).
fn add_churn(
    repo: &Repo,
    commits: &mut [log::Commit],
    store: &mut store::Store,
    warnings: &mut Vec<String>,
) {
    let key = |c: &log::Commit| {
        let mut h = <md5::Md5 as md5::Digest>::new();
        md5::Digest::update(&mut h, b"churn\0");
        md5::Digest::update(&mut h, c.id.as_bytes());
        if let Some(p) = c.parents.first() {
            md5::Digest::update(&mut h, p.as_bytes());
        }
        let key: store::Key = md5::Digest::finalize(h).into();
        key
    };
    let lacking: Vec<(String, Option<String>)> = commits
        .iter()
        .filter(|c| store.churn(&key(c)).is_none())
        .map(|c| (c.id.clone(), c.parents.first().cloned()))
        .collect();
    // Line counts need every changed blob: a damaged repository loses them, not the run.
    let mut fresh = match log::numstat(repo, &lacking) {
        Ok(fresh) => fresh,
        Err(e) => {
            warnings.push(format!("{e:#}; lines added and deleted are left at 0"));
            HashMap::new()
        }
    };
    for commit in commits.iter_mut() {
        let k = key(commit);
        commit.numstat = match fresh.remove(&commit.id) {
            Some(churn) => {
                store.put_churn(k, churn.clone());
                churn
            }
            None => store.churn(&k).cloned().unwrap_or_default(),
        };
    }
}

/// Warnings for file versions whose analysis failed and blobs git lacked.
fn failure_warnings(
    replay: &replay::Replay,
    summaries: &[Option<&store::FileSummary>],
    warnings: &mut Vec<String>,
) -> u64 {
    let failed: Vec<String> = replay
        .blobs
        .iter()
        .zip(summaries)
        .filter_map(|(b, s)| {
            let reason = s.as_ref()?.failed.as_ref()?;
            Some(format!(
                "{} (blob {}): {reason}",
                b.rel,
                &b.object[..b.object.len().min(10)]
            ))
        })
        .collect();
    for f in failed.iter().take(20) {
        warnings.push(format!("analysis failed: {f}"));
    }
    if failed.len() > 20 {
        warnings.push(format!(
            "... and {} more failed file versions",
            failed.len() - 20
        ));
    }
    failed.len() as u64
}

/// What the command resolved before anything is analyzed.
struct Plan {
    settings: crate::settings::AnalyzeSettings,
    repo: Repo,
    /// The project-relative paths followed (empty: all).
    under: Vec<String>,
    range_text: String,
    commits: Vec<log::Commit>,
}

/// Settings, repository, paths and the range's commits; a shallow clone is a warning.
fn plan(args: &HistoryArgs, warnings: &mut Vec<String>) -> anyhow::Result<Plan> {
    let cwd = std::env::current_dir().context("history: the current directory")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let base = args
        .paths
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let settings = settings(args, &base)?;
    let root = settings.walk.project.root.clone();
    let repo = Repo::discover(&root, "history")?;
    // As `analyze`: no path is the current directory (all of the project at its root).
    let typed = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut under: Vec<String> = typed
        .iter()
        .map(|p| project_relative(p, &cwd, &root))
        .collect::<anyhow::Result<_>>()?;
    if under.iter().any(String::is_empty) {
        under.clear();
    }
    under.sort();
    under.dedup();
    let (range, range_text) = range_of(args);
    let commits = log::commits(&repo, &range, args.first_parent)?;
    if commits.is_empty() {
        anyhow::bail!("history: the range {range_text} holds no commits");
    }
    if repo
        .run(&["rev-parse", "--is-shallow-repository"], "history")
        .is_ok_and(|o| o.starts_with(b"true"))
    {
        warnings.push(
            "the repository is shallow: history stops at its shallow boundary (`git fetch --unshallow` for all of it)"
                .into(),
        );
    }
    Ok(Plan {
        settings,
        repo,
        under,
        range_text,
        commits,
    })
}

/// The sampled commits' cross-file numbers: from the store, or computed (and kept).
fn cross_file(
    plan: &Plan,
    analyzer: &analyze::Analyzer,
    replay: &replay::Replay,
    sampled: &HashSet<usize>,
    store: &mut store::Store,
    numbers: &mut RunNumbers,
) -> anyhow::Result<HashMap<usize, store::CrossSummary>> {
    let mut cross = HashMap::new();
    let mut order: Vec<usize> = sampled.iter().copied().collect();
    order.sort_unstable();
    for i in order {
        let key = analyzer.commit_key(&plan.commits[i].id, &plan.under);
        let summary = match store.commit(&key) {
            Some(s) => {
                numbers.cross_file_from_store += 1;
                *s
            }
            None => {
                let tree = replay.trees.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                let s = analyzer.cross_file(&plan.repo, &replay.blobs, tree)?;
                store.put_commit(key, s);
                numbers.cross_file_computed += 1;
                s
            }
        };
        cross.insert(i, summary);
    }
    Ok(cross)
}

pub fn run(
    args: &HistoryArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let verbosity = Verbosity::from(&args.output_args);
    let mut warnings = Vec::new();
    let mut plan = plan(args, &mut warnings)?;
    let analyzer = analyze::Analyzer::new(&plan.settings, &mut warnings)?;
    let mut store =
        store::Store::open(analyze::store_dir(&plan.settings).as_deref(), &mut warnings);
    add_churn(&plan.repo, &mut plan.commits, &mut store, &mut warnings);
    let ids: Vec<&str> = plan.commits.iter().map(|c| c.id.as_str()).collect();
    let sampled = sample(&ids, args.cross_file);
    let selection = replay::Selection {
        repo: &plan.repo,
        under: plan.under.clone(),
        selector: wtfcb_core::walk::PathSelector::new(&plan.settings.walk.options)?,
    };
    let replay = replay::replay(
        &selection,
        &plan.commits,
        &replay::Options {
            first_parent: args.first_parent,
            authors: args.authors,
            want_trees: &sampled,
        },
    )?;
    let bar = crate::analysis::progress_bar(replay.blobs.len(), verbosity);
    let (analyzed, absent) =
        analyzer.analyze_missing(&plan.repo, &replay.blobs, &mut store, bar.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut numbers = RunNumbers::default();
    let cross = cross_file(
        &plan,
        &analyzer,
        &replay,
        &sampled,
        &mut store,
        &mut numbers,
    )?;
    store.save(&mut warnings);
    let absent: HashSet<usize> = absent.into_iter().collect();
    let summaries: Vec<Option<&store::FileSummary>> = replay
        .blobs
        .iter()
        .enumerate()
        .map(|(i, b)| {
            (!absent.contains(&i))
                .then(|| store.blob(&analyzer.blob_key(b)))
                .flatten()
        })
        .collect();
    numbers.failed = failure_warnings(&replay, &summaries, &mut warnings);
    if !absent.is_empty() {
        warnings.push(format!(
            "{} file version(s) are missing from the repository (a damaged or partial clone): left out at their commits",
            absent.len()
        ));
    }
    let computed = model::compute(&model::Inputs {
        commits: &plan.commits,
        replay: &replay,
        summaries: &summaries,
        cross: &cross,
        authors: args.authors,
    });
    let stats = analyzer.finish(&mut warnings);
    numbers.parsed = stats.map_or(analyzed, |s| s.files_parsed);
    numbers.commits = plan.commits.len() as u64;
    numbers.file_versions = replay.blobs.len() as u64;
    numbers.analyzed = analyzed;
    numbers.from_store = (replay.blobs.len() as u64).saturating_sub(analyzed + absent.len() as u64);
    numbers.missing = absent.len() as u64;
    numbers.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let report = HistoryReport {
        version: 1,
        wtfcb: env!("CARGO_PKG_VERSION"),
        range: plan.range_text,
        first_parent: args.first_parent,
        paths: plan.under,
        run: numbers,
        commits: computed.commits,
        hotspots: computed.hotspots,
        worsened: computed.worsened,
        files: computed.files,
        functions: computed.functions,
    };
    emit(args, &report, &warnings, out, err)?;
    Ok(ExitStatus::Success)
}

/// The warnings on stderr (unless `--quiet`), the report on stdout or into its file.
fn emit(
    args: &HistoryArgs,
    report: &HistoryReport,
    warnings: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let verbosity = Verbosity::from(&args.output_args);
    if verbosity != Verbosity::Quiet {
        for w in warnings {
            writeln!(err, "wtfcb: warning: {}", wtfcb_core::text::tty(w))?;
        }
    }
    match &args.output {
        Some(path) => {
            let mut bytes = Vec::new();
            render::write(&mut bytes, report, args.format, args.top)?;
            write_file(path, &bytes)?;
        }
        None => render::write(out, report, args.format, args.top)?,
    }
    Ok(())
}

/// Writes the report file (created with the usual permissions, replaced if it exists).
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("history: cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_spread_and_mostly_survive_a_new_commit() {
        let ids: Vec<String> = (0..1000).map(|i| format!("{i:040x}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let a = sample(&refs, 10);
        assert!(a.contains(&999));
        assert_eq!(a.len(), 10);
        // One per tenth of the range (nine slices) plus the last.
        let mut sorted: Vec<usize> = a.iter().copied().collect();
        sorted.sort_unstable();
        for (s, i) in sorted.iter().take(9).enumerate() {
            assert!((s * 1000 / 9..(s + 1) * 1000 / 9).contains(i), "{sorted:?}");
        }
        // The range moved by one commit: most samples are the same commits.
        let b: HashSet<&str> = sample(&refs[1..], 10)
            .iter()
            .map(|&i| refs[1 + i])
            .collect();
        let a: HashSet<&str> = a.iter().map(|&i| refs[i]).collect();
        assert!(a.intersection(&b).count() >= 7, "{a:?} {b:?}");
        assert!(sample(&refs, 0).is_empty());
        assert_eq!(sample(&refs[..1], 5), HashSet::from([0]));
    }

    #[test]
    fn typed_paths_become_project_relative_even_when_gone() {
        let root = Path::new("/p");
        assert_eq!(
            project_relative(Path::new("src/old"), Path::new("/p"), root).unwrap(),
            "src/old"
        );
        assert_eq!(
            project_relative(Path::new("../a.py"), Path::new("/p/x"), root).unwrap(),
            "a.py"
        );
        assert_eq!(
            project_relative(Path::new("."), Path::new("/p"), root).unwrap(),
            ""
        );
        assert!(project_relative(Path::new("/q/a.py"), Path::new("/p"), root).is_err());
    }
}
