//! Past content through today's pipeline: each blob read from git (`git cat-file --batch`) and
//! handed to the engine as given content, with the project's rules, the content-keyed cache
//! and the parser processes, exactly as `analyze` would treat the same bytes at that path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use rayon::prelude::*;

use super::replay::BlobAt;
use super::store::{CrossSummary, FileSummary, FunctionSummary, Key, Store};
use crate::git::Repo;
use crate::settings::AnalyzeSettings;
use wtfcb_core::source::Blob;
use wtfcb_core::walk::{Candidate, WalkResult};
use wtfcb_engine::engine::{self, Contents, Outcome, PhaseTimes, Pipeline, Services};
use wtfcb_engine::isolate::Isolation;
use wtfcb_store::cache::Cache;

/// Blobs read from git at a time (their contents are held until they are analyzed).
const CHUNK: usize = 256;

/// The pipeline's services for a history run.
pub struct Analyzer<'s> {
    settings: &'s AnalyzeSettings,
    pub cache: Option<Cache>,
    isolation: Option<Isolation>,
    pub times: PhaseTimes,
    pool: rayon::ThreadPool,
    /// What every stored key depends on besides the blob and its path: this build, the
    /// settings, the walk's content rules.
    fingerprint: String,
}

/// The summary of one file's outcome.
pub fn summarize(outcome: &Outcome) -> FileSummary {
    match outcome {
        Outcome::Analyzed(record) => {
            let mut seen: HashMap<&str, u32> = HashMap::new();
            let functions = record
                .facts
                .functions
                .iter()
                .map(|f| {
                    // A name repeated in a file (overloads, redefinitions) is told apart by
                    // its occurrence.
                    let n = seen.entry(f.qualified_name.as_str()).or_insert(0);
                    *n += 1;
                    let name = if *n == 1 {
                        f.qualified_name.clone()
                    } else {
                        format!("{}#{n}", f.qualified_name)
                    };
                    FunctionSummary {
                        name,
                        cyclomatic: f.cyclomatic,
                        cognitive: f.cognitive,
                        lines: f.code_lines,
                    }
                })
                .collect();
            let mut findings: Vec<(String, wtfcb_core::findings::Severity, u32)> = Vec::new();
            for f in record.findings.iter().flatten().filter(|f| !f.suppressed) {
                match findings.iter_mut().find(|(rule, _, _)| *rule == f.rule) {
                    Some(entry) => entry.2 += 1,
                    None => findings.push((f.rule.clone(), f.severity, 1)),
                }
            }
            findings.sort_by(|a, b| a.0.cmp(&b.0));
            FileSummary {
                code_lines: record.facts.lines.code,
                functions,
                findings,
                skipped: None,
                failed: None,
            }
        }
        Outcome::Skipped(s) => FileSummary {
            skipped: Some(s.reason.clone()),
            ..FileSummary::default()
        },
        Outcome::Failed(d) | Outcome::Broken(d) => FileSummary {
            failed: Some(d.message.clone()),
            ..FileSummary::default()
        },
    }
}

impl<'s> Analyzer<'s> {
    pub fn new(settings: &'s AnalyzeSettings, warnings: &mut Vec<String>) -> anyhow::Result<Self> {
        let cache = settings
            .cache
            .clone()
            .and_then(|opts| Cache::open(opts, warnings));
        let options = &settings.walk.options;
        let fingerprint = format!(
            "{}|{}|{:?}|{}|{}|{:?}",
            wtfcb_store::cache::BUILD_ID,
            settings.rules.fingerprint(),
            options.default_excludes,
            options.peer_suppressions,
            options.max_file_size,
            settings.walk.parse_budget,
        );
        let pool = engine::thread_pool(settings.walk.jobs, false)?
            .ok_or_else(|| anyhow::anyhow!("no worker threads"))?;
        Ok(Analyzer {
            settings,
            cache,
            isolation: Some(crate::analysis::isolation(&settings.walk)?),
            times: PhaseTimes::default(),
            pool,
            fingerprint,
        })
    }

    /// The key of a blob's summary: the blob, its path and language, the rules' settings for
    /// that path, and the run's fingerprint.
    pub fn blob_key(&self, blob: &BlobAt) -> Key {
        let rules = &self.settings.rules;
        let profile = rules.profile_for(&blob.rel);
        let mut h = Md5::new();
        for part in [
            self.fingerprint.as_str(),
            blob.object.as_str(),
            blob.rel.as_str(),
            blob.language.name(),
            profile.fingerprint_for(blob.language),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update([u8::from(rules.is_test(&blob.rel, blob.language))]);
        h.finalize().into()
    }

    /// The key of a commit's cross-file numbers.
    pub fn commit_key(&self, commit: &str, under: &[String]) -> Key {
        let mut h = Md5::new();
        h.update(self.fingerprint.as_bytes());
        h.update(format!("{:?}", self.settings.duplicates).as_bytes());
        h.update(commit.as_bytes());
        for u in under {
            h.update([0]);
            h.update(u.as_bytes());
        }
        h.finalize().into()
    }

    fn candidate(&self, blob: &BlobAt, size: u64) -> Candidate {
        Candidate {
            display: blob.rel.clone(),
            path: self.root().join(&blob.rel),
            language: blob.language,
            rel: blob.rel.clone(),
            size,
            mtime_ns: 0,
            identity: (0, 0),
        }
    }

    fn root(&self) -> &Path {
        &self.settings.walk.project.root
    }

    fn services<'a>(&'a self, contents: &'a Contents) -> Services<'a> {
        Services {
            rules: Some(&self.settings.rules),
            cache: self.cache.as_ref(),
            isolation: self
                .isolation
                .as_ref()
                .unwrap_or_else(|| unreachable!("the parsers run until `finish`")),
            times: &self.times,
            contents: Some(contents),
            tokens: wtfcb_core::facts::tokens::Need::Nothing,
            observer: None,
        }
    }

    fn pipeline<'a>(&'a self, services: Services<'a>) -> Pipeline<'a> {
        let options = &self.settings.walk.options;
        Pipeline {
            services,
            max_size: options.max_file_size,
            budget: self.settings.walk.parse_budget,
            skip_generated: options.default_excludes != wtfcb_core::walk::DefaultExcludes::None,
            peer_suppressions: options.peer_suppressions,
            progress: None,
        }
    }

    /// Analyzes each of `wanted` (indexes into `blobs`) that the store lacks, into the store.
    /// Blobs git does not have are returned (a damaged or partial repository).
    pub fn analyze_missing(
        &self,
        repo: &Repo,
        blobs: &[BlobAt],
        store: &mut Store,
        progress: Option<&indicatif::ProgressBar>,
    ) -> anyhow::Result<(u64, Vec<usize>)> {
        let wanted: Vec<(usize, Key)> = blobs
            .iter()
            .enumerate()
            .map(|(i, b)| (i, self.blob_key(b)))
            .filter(|(_, key)| store.blob(key).is_none())
            .collect();
        if let Some(bar) = progress {
            bar.set_length(wanted.len() as u64);
        }
        let max_size = self.settings.walk.options.max_file_size;
        let mut absent = Vec::new();
        for chunk in wanted.chunks(CHUNK) {
            let objects: Vec<String> = chunk
                .iter()
                .map(|&(i, _)| blobs[i].object.clone())
                .collect();
            let mut read = repo.blobs(&objects, max_size, "history")?;
            let items: Vec<(usize, Key, Blob)> = chunk
                .iter()
                .filter_map(|&(i, key)| {
                    // The same object may be wanted at several paths: cloned for all but one.
                    let blob = match read.get(&blobs[i].object) {
                        Some(b) => b.clone(),
                        None => {
                            absent.push(i);
                            return None;
                        }
                    };
                    Some((i, key, blob))
                })
                .collect();
            read.clear();
            let summaries: Vec<(Key, FileSummary)> = self.pool.install(|| {
                items
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|(i, key, blob)| {
                        let candidate = self.candidate(&blobs[i], blob.size());
                        let contents: Contents = HashMap::from([(candidate.rel.clone(), blob)]);
                        let pipeline = self.pipeline(self.services(&contents));
                        let summary = summarize(&engine::process(&candidate, &pipeline));
                        if let Some(bar) = progress {
                            bar.inc(1);
                        }
                        (key, summary)
                    })
                    .collect()
            });
            for (key, summary) in summaries {
                store.put_blob(key, summary);
            }
        }
        Ok(((wanted.len() - absent.len()) as u64, absent))
    }

    /// The cross-file numbers of one commit's tree (`tree`: indexes into `blobs`): every file
    /// through the pipeline (from the cache where it has them), then duplicates and the
    /// import graph over them, without touching the working tree's saved project state.
    pub fn cross_file(
        &self,
        repo: &Repo,
        blobs: &[BlobAt],
        tree: &[usize],
    ) -> anyhow::Result<CrossSummary> {
        let objects: Vec<String> = tree.iter().map(|&i| blobs[i].object.clone()).collect();
        let read = repo.blobs(
            &objects,
            self.settings.walk.options.max_file_size,
            "history",
        )?;
        let mut contents = Contents::new();
        let mut files = Vec::new();
        for &i in tree {
            if let Some(blob) = read.get(&blobs[i].object) {
                files.push(self.candidate(&blobs[i], blob.size()));
                contents.insert(blobs[i].rel.clone(), blob.clone());
            }
        }
        drop(read);
        files.sort();
        let walk = WalkResult {
            files,
            ..WalkResult::default()
        };
        let mut services = self.services(&contents);
        services.tokens =
            wtfcb_project::project::token_need(&self.settings.rules, self.settings.duplicates);
        let mut outcomes =
            engine::process_walked(&walk, &self.settings.walk.plan(), &services, None)?;
        drop(contents);
        let settings = self.settings;
        let ctx = wtfcb_project::project::Context {
            rules: &settings.rules,
            mode: settings.duplicates,
            root: &settings.walk.project.root,
            cache: self.cache.as_ref(),
            max_size: settings.walk.options.max_file_size,
            contracts: &settings.walk.project.config.contracts,
            saved_state: false,
        };
        let run = wtfcb_project::project::run(&mut outcomes, &ctx);
        let mut summary = CrossSummary::default();
        if let Some(d) = &run.summary.duplication {
            summary.duplicated_lines = d.duplicated_lines;
            summary.code_lines = d.code_lines;
            summary.duplicated_percent = d.percent;
        }
        if let Some(g) = &run.summary.imports {
            summary.import_cycles = g.cycles;
            summary.import_edges = g.edges;
        }
        Ok(summary)
    }

    /// The parsers stopped and the cache closed; their warnings.
    pub fn finish(mut self, warnings: &mut Vec<String>) -> Option<wtfcb_store::cache::CacheStats> {
        if let Some(isolation) = self.isolation.take() {
            warnings.extend(isolation.warning());
        }
        warnings.extend(engine::thread_warning());
        self.cache.take().map(|c| c.finish(warnings))
    }
}

/// `<cache dir>/history`, where the history store lives, when the run has a cache.
pub fn store_dir(settings: &AnalyzeSettings) -> Option<PathBuf> {
    settings.cache.as_ref().map(|c| c.dir.join("history"))
}
