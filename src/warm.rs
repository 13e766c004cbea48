//! Predictive warming: the files a developer is likely to open next are analyzed first, into
//! the cache, so that the editor (or the next `analyze`) finds them there.
//!
//! The order, each tier through the cache: the files changed on the branch (since its
//! merge-base with its upstream, `origin/HEAD`, `main` or `master`, committed or not, and
//! untracked ones); the most recently modified files; then the files those import (resolved
//! as the import graph resolves them). Files that import them are not looked for: finding them
//! needs every file's imports, and a file whose facts are cached is warm already. Then, with
//! `everything`, the rest of the project.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::analysis::{CrossFile, Run};
use crate::settings::AnalyzeSettings;
use wtfcb_core::walk::WalkResult;
use wtfcb_engine::engine::{FileRecord, Outcome, PhaseTimes};

/// How many of the most recently modified files are warmed.
pub const RECENT: usize = 50;

/// One tier's result.
#[derive(Debug, Serialize)]
pub struct Tier {
    pub name: &'static str,
    pub files: usize,
    /// Files parsed now (the others were in the cache already).
    pub parsed: u64,
}

/// The files changed on the branch, by project-relative path: against the merge-base with the
/// first of its upstream, `origin/HEAD`, `main`, `master` that resolves (the working tree
/// included), and the untracked files the walk found. Empty outside git.
fn branch_files(root: &Path, walked: &WalkResult) -> Vec<String> {
    let Ok(repo) = crate::git::Repo::discover(root, "warming") else {
        return Vec::new();
    };
    let upstreams = [
        "@{upstream}",
        "origin/HEAD",
        "origin/main",
        "main",
        "master",
    ];
    let base = upstreams
        .iter()
        .find_map(|r| repo.merge_base(r, "warming").ok())
        .or_else(|| repo.head());
    let mut files: Vec<String> = base
        .and_then(|b| repo.changes(&b, false, 50, "warming").ok())
        .map(|changes| changes.into_keys().collect())
        .unwrap_or_default();
    if let Ok(tracked) = repo.tracked("warming") {
        let untracked = walked
            .files
            .iter()
            .filter(|c| !tracked.contains(&repo.repo_path(&c.rel)));
        files.extend(untracked.map(|c| c.rel.clone()));
    }
    let analyzed: HashSet<&str> = walked.files.iter().map(|c| c.rel.as_str()).collect();
    files.retain(|f| analyzed.contains(f.as_str()));
    files.sort();
    files.dedup();
    files
}

/// The [`RECENT`] most recently modified files the walk found, newest first.
fn recent_files(walked: &WalkResult) -> Vec<String> {
    let mut by_time: Vec<(i64, &str)> = walked
        .files
        .iter()
        .map(|c| (c.mtime_ns, c.rel.as_str()))
        .collect();
    by_time.sort_by(|a, b| b.cmp(a));
    by_time
        .into_iter()
        .take(RECENT)
        .map(|(_, rel)| rel.to_string())
        .collect()
}

/// The files that the analyzed `records` import, among those the walk found.
fn imported_by(
    settings: &AnalyzeSettings,
    walked: &WalkResult,
    records: &[&FileRecord],
) -> Vec<String> {
    let warm: HashSet<&str> = records.iter().map(|r| r.rel.as_str()).collect();
    // The other files, as nodes without imports: what an import may name.
    let others: Vec<FileRecord> = walked
        .files
        .iter()
        .filter(|c| !warm.contains(c.rel.as_str()))
        .map(|c| FileRecord {
            path: c.display.clone(),
            rel: c.rel.clone(),
            language: c.language,
            bytes: 0,
            invalid_utf8: false,
            facts: Default::default(),
            metrics: None,
            findings: None,
            cache_slot: None,
        })
        .collect();
    let all: Vec<&FileRecord> = records.iter().copied().chain(others.iter()).collect();
    let project = &settings.walk.project;
    let go = wtfcb_project::project::gomod::GoModules::of_files(
        &project.root,
        all.iter().map(|r| (r.rel.as_str(), r.language)),
    );
    let resolved = wtfcb_project::project::graph::of_records(
        &all,
        &go,
        &project.root,
        &project.config.contracts.include_dirs,
    );
    let mut found: Vec<String> = resolved
        .graph
        .edges
        .iter()
        .filter(|e| e.from < records.len() && e.to >= records.len())
        .map(|e| all[e.to].rel.clone())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Analyzes `files` (project-relative) through the cache, without the cross-file phase.
fn analyze_files(root: &Path, files: &[String]) -> anyhow::Result<(Vec<Outcome>, u64)> {
    let paths: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
    let settings = crate::settings::settings_for_paths(&paths)?;
    let mut run = Run::prepare(&settings, None)?;
    run.open()?;
    let outcomes = run.files()?;
    // What the next tier needs of each file, its path and imports, kept; `finish` (which
    // makes the cache's writes) takes the outcomes.
    let kept: Vec<Outcome> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Analyzed(r) => Some(Outcome::Analyzed(Box::new(FileRecord {
                path: r.path.clone(),
                rel: r.rel.clone(),
                language: r.language,
                bytes: r.bytes,
                invalid_utf8: r.invalid_utf8,
                facts: wtfcb_core::facts::FileFacts {
                    imports: r.facts.imports.clone(),
                    ..Default::default()
                },
                metrics: None,
                findings: None,
                cache_slot: None,
            }))),
            _ => None,
        })
        .collect();
    let cross = CrossFile {
        run: Default::default(),
        ms: 0.0,
    };
    let finished = run.finish(outcomes, cross, None);
    let parsed = finished
        .report
        .run
        .cache
        .as_ref()
        .map_or(0, |c| c.files_parsed);
    Ok((kept, parsed))
}

/// Warms the cache of the project at `root` tier by tier, stopping between tiers once `stop`
/// is set; with `everything`, the rest of the project last.
pub fn warm(root: &Path, everything: bool, stop: &AtomicBool) -> anyhow::Result<Vec<Tier>> {
    let settings = crate::settings::settings_for(root, &[])?;
    let times = PhaseTimes::default();
    let (walked, _) = settings.walk.walk_all(&times)?;
    let root = settings.walk.project.root.clone();
    let mut done: HashSet<String> = HashSet::new();
    let mut tiers = Vec::new();
    let mut records: Vec<Box<FileRecord>> = Vec::new();
    let mut run_tier = |name: &'static str,
                        files: Vec<String>,
                        done: &mut HashSet<String>|
     -> anyhow::Result<Option<Vec<Outcome>>> {
        let files: Vec<String> = files
            .into_iter()
            .filter(|f| done.insert(f.clone()))
            .collect();
        if files.is_empty() || stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let (outcomes, parsed) = analyze_files(&root, &files)?;
        tiers.push(Tier {
            name,
            files: files.len(),
            parsed,
        });
        Ok(Some(outcomes))
    };
    for (name, files) in [
        ("branch", branch_files(&root, &walked)),
        ("recent", recent_files(&walked)),
    ] {
        for outcome in run_tier(name, files, &mut done)?.into_iter().flatten() {
            if let Outcome::Analyzed(r) = outcome {
                records.push(r);
            }
        }
    }
    let refs: Vec<&FileRecord> = records.iter().map(|r| r.as_ref()).collect();
    let neighbours = imported_by(&settings, &walked, &refs);
    run_tier("imported", neighbours, &mut done)?;
    if everything {
        let rest: Vec<String> = walked.files.iter().map(|c| c.rel.clone()).collect();
        run_tier("rest", rest, &mut done)?;
    }
    Ok(tiers)
}
