//! The per-file pipeline: read once, parse once, extract every fact in one pass; run over all
//! files in a rayon pool of the requested size, results in input (sorted) order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::isolate::{self, Isolation};
use wtfcb_core::alloc::{self, Phase};
use wtfcb_core::facts::{FileFacts, FileMetrics};
use wtfcb_core::findings::Finding;
use wtfcb_core::lang::Language;
use wtfcb_core::parse::Failure;
use wtfcb_core::parse::ParseBudget;
use wtfcb_core::rules::{FileContext, Profile, Ruleset};
use wtfcb_core::source::{self, ReadError, Source};
use wtfcb_core::walk::{self, Candidate, Diagnostic, Skipped, WalkResult};
use wtfcb_store::cache::{self, Cache, CachedFile, Lookup};

/// What `scan` reports for one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
    /// The path relative to the project root (what identities use); not reported.
    #[serde(skip)]
    pub rel: String,
    pub language: Language,
    pub bytes: u64,
    /// Set when bad UTF-8 sequences were replaced before parsing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid_utf8: bool,
    #[serde(flatten)]
    pub facts: FileFacts,
    /// Set by `analyze`: per-file aggregates of the function metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<FileMetrics>,
    /// Set by `analyze`: the rules' findings, suppressed ones included, in line order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<Finding>>,
    /// Where the cache keeps this file's result (and its clone tokens, which a cached record
    /// leaves out of memory until the project phase asks for them).
    #[serde(skip)]
    pub cache_slot: Option<(cache::Digest16, cache::Digest16)>,
}

/// How one candidate ended.
#[derive(Debug)]
pub enum Outcome {
    Analyzed(Box<FileRecord>),
    Skipped(Skipped),
    /// The file could not be read (vanished, unreadable): a warning.
    Failed(Diagnostic),
    /// The analysis itself failed (a parser crashed or hung, an internal error): the run
    /// exits 2.
    Broken(Diagnostic),
}

/// Time spent per phase, summed over worker threads: each thread's wall-clock time inside the
/// phase (not CPU time: a thread waiting on I/O or on its parser process still counts). Parse
/// and facts times are measured where the work runs, in the parser process.
#[derive(Debug, Default)]
pub struct PhaseTimes {
    /// Wall time of the walk (it runs on one thread).
    walk_ns: AtomicU64,
    read_ns: AtomicU64,
    parse_ns: AtomicU64,
    facts_ns: AtomicU64,
    rules_ns: AtomicU64,
    /// Stat checks, cache lookups and hashing.
    cache_ns: AtomicU64,
    /// Wall time of the per-file stage, whose work runs on every thread.
    files_ns: AtomicU64,
}

impl PhaseTimes {
    fn add(counter: &AtomicU64, since: Instant) -> Instant {
        let now = Instant::now();
        counter.fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
        now
    }

    pub fn walk(&self) -> Duration {
        Duration::from_nanos(self.walk_ns.load(Ordering::Relaxed))
    }

    /// Wall time of the per-file stage.
    pub fn files(&self) -> Duration {
        Duration::from_nanos(self.files_ns.load(Ordering::Relaxed))
    }

    /// Counts the per-file stage's wall time since `since`.
    pub fn add_files(&self, since: Instant) {
        Self::add(&self.files_ns, since);
    }

    /// Counts the walk's time since `since`.
    pub fn add_walk(&self, since: Instant) {
        Self::add(&self.walk_ns, since);
    }
    pub fn read(&self) -> Duration {
        Duration::from_nanos(self.read_ns.load(Ordering::Relaxed))
    }
    pub fn parse(&self) -> Duration {
        Duration::from_nanos(self.parse_ns.load(Ordering::Relaxed))
    }
    pub fn facts(&self) -> Duration {
        Duration::from_nanos(self.facts_ns.load(Ordering::Relaxed))
    }
    pub fn rules(&self) -> Duration {
        Duration::from_nanos(self.rules_ns.load(Ordering::Relaxed))
    }
    pub fn cache(&self) -> Duration {
        Duration::from_nanos(self.cache_ns.load(Ordering::Relaxed))
    }
}

/// What every file of a run goes through, and where it reports its times.
pub struct Pipeline<'a> {
    /// Rules, cache, parser isolation, times and given contents.
    pub services: Services<'a>,
    pub max_size: u64,
    pub budget: ParseBudget,
    /// Leave out content that reads as generated or minified (a default exclude).
    pub skip_generated: bool,
    /// Other tools' suppression comments count (`--no-peer-suppressions` turns them off).
    pub peer_suppressions: bool,
    /// Advanced once per file (a terminal's progress bar).
    pub progress: Option<&'a indicatif::ProgressBar>,
}

/// File contents by project-relative path (see [`Services::contents`]).
pub type Contents = std::collections::HashMap<String, wtfcb_core::source::Blob>;

/// The bytes of a candidate: given (from git), or read from disk with the stat of the read.
fn read_candidate(
    candidate: &Candidate,
    pipeline: &Pipeline,
) -> Result<(Vec<u8>, Option<source::Stat>), ReadError> {
    use wtfcb_core::source::Blob;
    match pipeline
        .services
        .contents
        .and_then(|c| c.get(&candidate.rel))
    {
        Some(&Blob::TooLarge(size)) => Err(ReadError::TooLarge {
            size,
            limit: pipeline.max_size,
        }),
        Some(Blob::Content(bytes)) if bytes.len() as u64 > pipeline.max_size => {
            Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: pipeline.max_size,
            })
        }
        Some(Blob::Content(bytes)) => Ok((bytes.clone(), None)),
        None => source::read_with_stat(&candidate.path, pipeline.max_size),
    }
}

/// Reads, parses and measures one file; with rules, also checks it; with a cache, serves
/// unchanged files from it and stores new results.
pub fn process(candidate: &Candidate, pipeline: &Pipeline) -> Outcome {
    match (pipeline.services.rules, pipeline.services.cache) {
        (Some(rules), Some(cache)) => process_cached(candidate, pipeline, rules, cache),
        _ => {
            let start = Instant::now();
            let reading = alloc::phase(Phase::Read);
            let source = match read_candidate(candidate, pipeline)
                .and_then(|(raw, _)| Source::from_bytes(raw))
            {
                Ok(source) => source,
                Err(err) => return read_failure(candidate, err),
            };
            drop(reading);
            PhaseTimes::add(&pipeline.services.times.read_ns, start);
            let profile = pipeline
                .services
                .rules
                .map(|r| r.profile_for(&candidate.rel));
            let checks = profile.as_deref().map(|p| {
                let test = pipeline
                    .services
                    .rules
                    .is_some_and(|r| r.is_test(&candidate.rel, candidate.language));
                (p, test)
            });
            match analyze_source(candidate, &source, checks, pipeline) {
                Ok(record) => Outcome::Analyzed(Box::new(record)),
                Err(failure) => failed(candidate, failure),
            }
        }
    }
}

fn process_cached(
    candidate: &Candidate,
    pipeline: &Pipeline,
    rules: &Ruleset,
    cache: &Cache,
) -> Outcome {
    let times = pipeline.services.times;
    let start = Instant::now();
    // Restores the thread's phase when this file is done; `set_phase` switches on the way.
    let _phase = alloc::phase(Phase::Cache);
    let profile = rules.profile_for(&candidate.rel);
    let is_test = rules.is_test(&candidate.rel, candidate.language);
    let key = result_key(
        candidate,
        &profile,
        is_test,
        (pipeline.skip_generated, pipeline.peer_suppressions),
        cache,
    );
    // Given content has no file state: it is looked up by its hash.
    let given = pipeline
        .services
        .contents
        .is_some_and(|c| c.contains_key(&candidate.rel));
    // Unchanged since a recorded state, or read and hashed before the run to ask the remote
    // cache: known without reading the file.
    let known = cache
        .trusted_md5(candidate)
        .map(|md5| (md5, Lookup::StatHit))
        .or_else(|| {
            cache
                .prefetched(&candidate.rel)
                .map(|md5| (md5, Lookup::HashHit))
        })
        .filter(|_| !given);
    if let Some((md5, lookup)) = known {
        if let Some(hit) = cache.get(&md5, &key) {
            cache.count(lookup);
            PhaseTimes::add(&times.cache_ns, start);
            return Outcome::Analyzed(Box::new(from_cache(candidate, &hit, (md5, key))));
        }
    }
    let cache_done = PhaseTimes::add(&times.cache_ns, start);
    let read_ns = cache::now_ns();
    alloc::set_phase(Phase::Read);
    let (raw, stat) = match read_candidate(candidate, pipeline) {
        Ok(read) => read,
        Err(err) => return read_failure(candidate, err),
    };
    let read_done = PhaseTimes::add(&times.read_ns, cache_done);
    alloc::set_phase(Phase::Cache);
    // Hashing and the lookup are the cache's work; decoding the text is reading.
    let md5 = cache::content_md5(&raw);
    if let Some(hit) = cache.get(&md5, &key) {
        cache.count(Lookup::HashHit);
        if !given {
            cache.note_state(candidate, md5, stat, read_ns);
        }
        PhaseTimes::add(&times.cache_ns, read_done);
        return Outcome::Analyzed(Box::new(from_cache(candidate, &hit, (md5, key))));
    }
    cache.count(Lookup::Miss);
    let looked_up = PhaseTimes::add(&times.cache_ns, read_done);
    alloc::set_phase(Phase::Read);
    let source = match Source::from_bytes(raw) {
        Ok(source) => source,
        Err(err) => return read_failure(candidate, err),
    };
    let decoded = PhaseTimes::add(&times.read_ns, looked_up);
    alloc::set_phase(Phase::Cache);
    let budget = pipeline.budget.for_size(source.text.len());
    if let Some(known) = cache.known_failure(&md5, &key, budget) {
        PhaseTimes::add(&times.cache_ns, decoded);
        return failed(candidate, known);
    }
    PhaseTimes::add(&times.cache_ns, decoded);
    let record = match analyze_source(candidate, &source, Some((&profile, is_test)), pipeline) {
        Ok(record) => record,
        Err(failure) => {
            cache.put_failure(md5, key, &failure, budget);
            return failed(candidate, failure);
        }
    };
    cache.count_parsed();
    // Files with syntax errors are cached too: their result is as deterministic as any other,
    // and a grammar update changes the key (the build identity and grammar shapes are in it).
    let mut value = CachedFile::new(
        record.bytes,
        record.invalid_utf8,
        &record.facts,
        record.metrics.as_ref(),
        record.findings.as_deref().unwrap_or(&[]),
    );
    value.cpp_header = record.language != candidate.language;
    cache.offer_remote(&md5, &key, &value, &record.facts.tokens);
    cache.put(md5, key, value);
    cache.put_tokens(md5, key, &record.facts.tokens);
    let mut record = record;
    record.cache_slot = Some((md5, key));
    if !given {
        cache.note_state(candidate, md5, stat, read_ns);
    }
    Outcome::Analyzed(Box::new(record))
}

/// The cache key of a file's result: its effective settings (both C and C++ for a header,
/// which may turn out to be C++), whether generated content counts, test code, language.
fn result_key(
    candidate: &Candidate,
    profile: &Profile,
    is_test: bool,
    (skip_generated, peer_suppressions): (bool, bool),
    cache: &Cache,
) -> cache::Digest16 {
    let settings = if candidate.is_header() {
        format!(
            "{}{}",
            profile.fingerprint_for(Language::C),
            profile.fingerprint_for(Language::Cpp)
        )
    } else {
        profile.fingerprint_for(candidate.language).to_string()
    };
    // Whether generated and minified content is left out decides whether a result exists at
    // all: a result computed with `--no-default-excludes` must not serve a default run.
    let settings = if skip_generated {
        settings
    } else {
        format!("{settings}|all-content")
    };
    // Peer suppressions decide which findings are suppressed.
    let settings = if peer_suppressions {
        settings
    } else {
        format!("{settings}|no-peer-suppressions")
    };
    cache.key(&settings, is_test, candidate.language)
}

/// With a remote cache: looks up, in batches, the results of every file the local cache lacks,
/// and takes those the remote has (checked) into the local cache, so the run finds them there.
pub fn prefetch_remote(walked: &WalkResult, plan: &Plan, services: &Services) {
    use rayon::prelude::*;
    let (Some(cache), Some(rules)) = (services.cache, services.rules) else {
        return;
    };
    if !cache.has_remote() {
        return;
    }
    if services.contents.is_some() {
        return;
    }
    let skip_generated = plan.options.default_excludes != walk::DefaultExcludes::None;
    let peer_suppressions = plan.options.peer_suppressions;
    let max_size = plan.options.max_file_size;
    // Per file the local cache lacks: its content hash and key, and its state as read.
    let mut wanted: Vec<(
        cache::Digest16,
        cache::Digest16,
        &Candidate,
        Option<source::Stat>,
        i64,
    )> = walked
        .files
        .par_iter()
        .filter(|c| c.size <= max_size)
        .filter_map(|c| {
            let profile = rules.profile_for(&c.rel);
            let is_test = rules.is_test(&c.rel, c.language);
            let key = result_key(
                c,
                &profile,
                is_test,
                (skip_generated, peer_suppressions),
                cache,
            );
            if let Some(md5) = cache.peek_md5(c) {
                return (!cache.has(&md5, &key)).then_some((md5, key, c, None, 0));
            }
            let read_ns = cache::now_ns();
            let (bytes, stat) = source::read_with_stat(&c.path, max_size).ok()?;
            let md5 = cache::content_md5(&bytes);
            (!cache.has(&md5, &key)).then_some((md5, key, c, stat, read_ns))
        })
        .collect();
    wanted.sort_unstable_by_key(|w| (w.0, w.1));
    if wanted.is_empty() {
        return;
    }
    // Identical files share one lookup (`wanted` is sorted: they are neighbours). A value may
    // take what the file's size justifies.
    let mut keys: Vec<(String, usize)> = Vec::with_capacity(wanted.len());
    let mut slots: Vec<(cache::Digest16, cache::Digest16)> = Vec::with_capacity(wanted.len());
    for (md5, key, candidate, ..) in &wanted {
        if slots.last() != Some(&(*md5, *key)) {
            keys.push((
                cache::remote_key(md5, key),
                cache::file_value_limit(candidate.size),
            ));
            slots.push((*md5, *key));
        }
    }
    // A batch at a time, each taken into the local cache as soon as it is here: the cache's
    // writer thread stores one batch while the next is fetched, instead of all of them after
    // the last request.
    let mut served = std::collections::HashSet::new();
    for (keys, slots) in keys
        .chunks(wtfcb_store::remote::BATCH)
        .zip(slots.chunks(wtfcb_store::remote::BATCH))
    {
        let adopted: Vec<_> = slots
            .iter()
            .zip(cache.remote_results(keys))
            .filter_map(|(&(md5, key), value)| Some((md5, key, value?)))
            .collect();
        served.extend(adopted.iter().map(|(md5, key, _)| (*md5, *key)));
        cache.adopt_many(adopted);
    }
    // The files the remote served were read and hashed here: the run takes their results
    // without reading them again, and their states are recorded as any hashed file's.
    for (md5, key, candidate, stat, read_ns) in wanted {
        if served.contains(&(md5, key)) {
            cache.note_state(candidate, md5, stat, read_ns);
            cache.note_prefetched(&candidate.rel, md5);
        }
    }
}

fn from_cache(
    candidate: &Candidate,
    hit: &CachedFile,
    slot: (cache::Digest16, cache::Digest16),
) -> FileRecord {
    FileRecord {
        path: candidate.display.clone(),
        rel: candidate.rel.clone(),
        language: if hit.cpp_header {
            Language::Cpp
        } else {
            candidate.language
        },
        bytes: hit.bytes,
        invalid_utf8: hit.invalid_utf8,
        facts: hit.facts.clone(),
        metrics: hit.metrics.clone(),
        findings: Some(hit.findings_for(&candidate.display, &candidate.rel)),
        cache_slot: Some(slot),
    }
}

/// Parses, measures and (with a profile, and whether the file is test code) checks decoded
/// source.
fn analyze_source(
    candidate: &Candidate,
    source: &Source,
    checks: Option<(&Profile, bool)>,
    pipeline: &Pipeline,
) -> Result<FileRecord, Failure> {
    let language = if candidate.is_header() {
        Language::of_header(&source.text)
    } else {
        candidate.language
    };
    if pipeline.skip_generated {
        // Read off the file's own bytes in this process: a panic here is the file's error,
        // not the run's end.
        let generated = isolate::guarded("content detection", || {
            walk::generated_reason(&source.text, language)
        })?;
        if let Some(reason) = generated {
            return Err(Failure::Excluded(reason));
        }
    }
    let budget = pipeline.budget.for_size(source.text.len());
    let extracted = pipeline
        .services
        .isolation
        .extract(language, &source.text, budget)?;
    let times = pipeline.services.times;
    times
        .parse_ns
        .fetch_add(extracted.parse_time.as_nanos() as u64, Ordering::Relaxed);
    times
        .facts_ns
        .fetch_add(extracted.facts_time.as_nanos() as u64, Ordering::Relaxed);
    let mut facts = extracted.facts;
    if !pipeline.peer_suppressions {
        facts.suppressions.retain(|s| !s.peer);
    }
    let facts_done = Instant::now();
    let findings = checks.map(|(profile, is_test)| {
        let file = FileContext {
            path: &candidate.display,
            rel: &candidate.rel,
            language,
            text: &source.text,
            facts: &facts,
            is_test,
        };
        let _rules = alloc::phase(Phase::Rules);
        let findings = isolate::guarded("rules", || profile.check(&file));
        PhaseTimes::add(&times.rules_ns, facts_done);
        findings
    });
    let findings = findings.transpose()?;
    facts.hits = Vec::new();
    Ok(FileRecord {
        path: candidate.display.clone(),
        rel: candidate.rel.clone(),
        language,
        bytes: source.bytes,
        invalid_utf8: source.invalid_utf8,
        metrics: findings.as_ref().map(|_| FileMetrics::of(&facts)),
        facts,
        findings,
        cache_slot: None,
    })
}

/// A file whose facts or findings could not be produced.
fn failed(candidate: &Candidate, failure: Failure) -> Outcome {
    let path = candidate.display.clone();
    let message = failure.message();
    if failure.is_skip() {
        Outcome::Skipped(Skipped {
            path,
            reason: message,
        })
    } else {
        Outcome::Broken(Diagnostic {
            path,
            message,
            analysis_failed: true,
        })
    }
}

fn read_failure(candidate: &Candidate, err: ReadError) -> Outcome {
    let path = candidate.display.clone();
    match err {
        ReadError::Binary => Outcome::Skipped(Skipped {
            path,
            reason: err.to_string(),
        }),
        ReadError::TooLarge { size, limit } => Outcome::Skipped(Skipped {
            path,
            reason: format!("too large ({size} bytes > --max-file-size {limit})"),
        }),
        ReadError::NotRegular => Outcome::Skipped(Skipped {
            path,
            reason: "not a regular file (FIFO, socket or device)".into(),
        }),
        ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            Outcome::Failed(Diagnostic {
                path,
                message: "vanished before it could be read".into(),
                analysis_failed: false,
            })
        }
        ReadError::Io(io) => Outcome::Failed(Diagnostic {
            path,
            message: io.to_string(),
            analysis_failed: false,
        }),
    }
}

/// Said when a run had fewer threads than asked for (the system refused more).
static FEWER_THREADS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A warning for the run's end when fewer threads than asked for could be started.
pub fn thread_warning() -> Option<String> {
    FEWER_THREADS.get().cloned()
}

/// A pool of `threads` threads or, when the system refuses that many (`ulimit -u`), the most
/// it starts, halving down to one (said once, in [`thread_warning`]); an error naming the
/// cause when not even one starts. `global`: rayon's global pool (used outside any pool).
pub fn thread_pool(threads: usize, global: bool) -> anyhow::Result<Option<rayon::ThreadPool>> {
    let mut n = threads.max(1);
    loop {
        let builder = rayon::ThreadPoolBuilder::new().num_threads(n);
        let built = if global {
            builder.build_global().map(|()| None)
        } else {
            builder.build().map(Some)
        };
        match built {
            Ok(pool) => {
                if n < threads {
                    let _ = FEWER_THREADS.set(format!(
                        "the system started only {n} of {threads} threads (ulimit -u?): the run went on with {n}"
                    ));
                }
                return Ok(pool);
            }
            // A thread that could not start is the only error with an I/O cause.
            Err(e) => match std::error::Error::source(&e) {
                Some(_) if n > 1 => n /= 2,
                Some(cause) => anyhow::bail!(
                    "cannot start a worker thread ({cause}): raise the process limit (ulimit -u) or stop other processes of this user"
                ),
                // The global pool was built before (a library caller, a test).
                None if global => return Ok(None),
                None => anyhow::bail!("cannot start {n} worker threads: {e}"),
            },
        }
    }
}

/// Processes every candidate on `jobs` threads; outcomes come back in candidate order.
pub fn process_all(
    candidates: &[Candidate],
    jobs: usize,
    pipeline: &Pipeline,
) -> anyhow::Result<Vec<Outcome>> {
    let pool = thread_pool(jobs, false)?.ok_or_else(|| anyhow::anyhow!("no worker threads"))?;
    Ok(pool.install(|| {
        candidates
            .par_iter()
            .with_max_len(1)
            .map(|c| {
                // Timed only for an observer: a run without one pays nothing for it.
                let observed = pipeline.services.observer.map(|o| (o, Instant::now()));
                let mut outcome = process(c, pipeline);
                if let Some((observer, started)) = observed {
                    observer.file_done(c, &outcome, started.elapsed(), &pipeline.services);
                }
                if let Outcome::Analyzed(record) = &mut outcome {
                    record.facts.tokens.retain(pipeline.services.tokens);
                }
                if let Some(bar) = pipeline.progress {
                    bar.inc(1);
                    // A quick run shows nothing; a slow one shows the bar after a second.
                    if bar.is_hidden() && bar.elapsed() > Duration::from_secs(1) {
                        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
                    }
                }
                outcome
            })
            .collect()
    }))
}

/// How to process what a walk found: the walk's options (size limit, default excludes, peer
/// suppressions), the threads and each file's parse budget. The caller resolves them.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub options: &'a walk::WalkOptions,
    pub jobs: usize,
    pub budget: ParseBudget,
}

/// What processing a walk uses besides the walk's settings.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    /// Set by `analyze`: run the rules.
    pub rules: Option<&'a Ruleset>,
    pub cache: Option<&'a Cache>,
    pub isolation: &'a Isolation,
    pub times: &'a PhaseTimes,
    /// See [`Pipeline::contents`].
    pub contents: Option<&'a Contents>,
    /// What of each file's clone tokens to keep in memory once it is processed (and cached).
    pub tokens: wtfcb_core::facts::tokens::Need,
    /// Told of each file as it is done (the live dashboard of `analyze --serve`).
    pub observer: Option<&'a dyn Observer>,
}

/// Watches a run file by file, from the worker threads.
pub trait Observer: Sync {
    /// `candidate` ended as `outcome` after `took`; `services` has the run's cache and phase
    /// times so far.
    fn file_done(
        &self,
        candidate: &Candidate,
        outcome: &Outcome,
        took: Duration,
        services: &Services,
    );
}

/// Processes what a walk found.
pub fn process_walked(
    walked: &WalkResult,
    plan: &Plan,
    services: &Services,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<Vec<Outcome>> {
    let pipeline = Pipeline {
        services: *services,
        max_size: plan.options.max_file_size,
        budget: plan.budget,
        skip_generated: plan.options.default_excludes != walk::DefaultExcludes::None,
        peer_suppressions: plan.options.peer_suppressions,
        progress,
    };
    process_all(&walked.files, plan.jobs, &pipeline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(dir: &std::path::Path, name: &str) -> Candidate {
        Candidate {
            display: name.to_string(),
            path: dir.join(name),
            language: Language::Python,
            rel: name.to_string(),
            size: 0,
            mtime_ns: 0,
            identity: (0, 0),
        }
    }

    #[test]
    fn file_deleted_between_walk_and_read_is_a_diagnostic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kept.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("gone.py"), "y = 2\n").unwrap();
        let listed = vec![
            candidate(dir.path(), "gone.py"),
            candidate(dir.path(), "kept.py"),
        ];
        std::fs::remove_file(dir.path().join("gone.py")).unwrap();
        let rules = Ruleset::from_cli(wtfcb_core::rules::Layer::default()).unwrap();
        let mut warnings = Vec::new();
        let cache = Cache::open(
            cache::CacheOptions::new(dir.path().join("cache")),
            &mut warnings,
        )
        .unwrap();
        let times = PhaseTimes::default();
        // Scan, analyze, and analyze through the cache all report it the same way.
        for (rules, cache) in [
            (None, None),
            (Some(&rules), None),
            (Some(&rules), Some(&cache)),
        ] {
            let pipeline = Pipeline {
                services: Services {
                    rules,
                    cache,
                    times: &times,
                    isolation: &Isolation::InProcess,
                    contents: None,
                    tokens: wtfcb_core::facts::tokens::Need::All,
                    observer: None,
                },
                max_size: 1 << 20,
                budget: ParseBudget::DEFAULT,
                skip_generated: true,
                peer_suppressions: true,
                progress: None,
            };
            let outcomes = process_all(&listed, 2, &pipeline).unwrap();
            match &outcomes[0] {
                Outcome::Failed(d) => {
                    assert_eq!(d.path, "gone.py");
                    assert!(d.message.contains("vanished"), "{}", d.message);
                }
                other => panic!("expected a diagnostic, got {other:?}"),
            }
            assert!(matches!(&outcomes[1], Outcome::Analyzed(r) if r.path == "kept.py"));
        }
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn file_grown_past_the_limit_after_the_walk_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.py"), "x = 1\n".repeat(100)).unwrap();
        let times = PhaseTimes::default();
        let pipeline = Pipeline {
            services: Services {
                rules: None,
                cache: None,
                times: &times,
                isolation: &Isolation::InProcess,
                contents: None,
                tokens: wtfcb_core::facts::tokens::Need::All,
                observer: None,
            },
            max_size: 10,
            budget: ParseBudget::DEFAULT,
            skip_generated: true,
            peer_suppressions: true,
            progress: None,
        };
        let outcome = process(&candidate(dir.path(), "big.py"), &pipeline);
        assert!(matches!(outcome, Outcome::Skipped(s) if s.reason.contains("too large")));
    }
}
