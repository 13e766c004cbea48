//! The per-file pipeline: read once, parse once, extract every fact in one pass; run over all
//! files in a rayon pool of the requested size, results in input (sorted) order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::facts::{self, FileFacts, FileMetrics};
use crate::findings::Finding;
use crate::lang::Language;
use crate::parse;
use crate::rules::{self, FileContext, Ruleset};
use crate::settings::WalkSettings;
use crate::source::{ReadError, Source};
use crate::walk::{self, Candidate, Diagnostic, Skipped, WalkResult};

/// What `scan` reports for one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
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
}

/// How one candidate ended.
#[derive(Debug)]
pub enum Outcome {
    Analyzed(Box<FileRecord>),
    Skipped(Skipped),
    Failed(Diagnostic),
}

/// Time spent per phase, summed over worker threads (CPU-side time, not wall time).
#[derive(Debug, Default)]
pub struct PhaseTimes {
    /// Wall time of the walk (it runs on one thread).
    walk_ns: AtomicU64,
    read_ns: AtomicU64,
    parse_ns: AtomicU64,
    facts_ns: AtomicU64,
    rules_ns: AtomicU64,
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
}

/// Reads, parses and measures one file; with `rules`, also checks it.
pub fn process(
    candidate: &Candidate,
    max_size: u64,
    rules: Option<&Ruleset>,
    times: &PhaseTimes,
) -> Outcome {
    let start = Instant::now();
    let source = match Source::read(&candidate.path, max_size) {
        Ok(source) => source,
        Err(err) => return read_failure(candidate, err),
    };
    let read_done = PhaseTimes::add(&times.read_ns, start);
    let tree = match parse::parse(candidate.language, &source.text) {
        Ok(tree) => tree,
        Err(err) => {
            return Outcome::Failed(Diagnostic {
                path: candidate.display.clone(),
                message: err.to_string(),
            })
        }
    };
    let parse_done = PhaseTimes::add(&times.parse_ns, read_done);
    let facts = facts::extract(&tree, &source.text, candidate.language);
    // Dropping a big tree is real work; count it with the pass that needed the tree.
    drop(tree);
    let facts_done = PhaseTimes::add(&times.facts_ns, parse_done);
    let mut facts = facts;
    let findings = rules.map(|ruleset| {
        let file = FileContext {
            path: &candidate.display,
            language: candidate.language,
            text: &source.text,
            facts: &facts,
            is_test: rules::is_test_path(&candidate.display),
        };
        let findings = ruleset.profile_for(&candidate.rel).check(&file);
        PhaseTimes::add(&times.rules_ns, facts_done);
        findings
    });
    facts.hits = Vec::new();
    Outcome::Analyzed(Box::new(FileRecord {
        path: candidate.display.clone(),
        language: candidate.language,
        bytes: source.bytes,
        invalid_utf8: source.invalid_utf8,
        metrics: findings.as_ref().map(|_| FileMetrics::of(&facts)),
        facts,
        findings,
    }))
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
            })
        }
        ReadError::Io(io) => Outcome::Failed(Diagnostic {
            path,
            message: io.to_string(),
        }),
    }
}

/// Processes every candidate on `jobs` threads; outcomes come back in candidate order.
pub fn process_all(
    candidates: &[Candidate],
    max_size: u64,
    jobs: usize,
    rules: Option<&Ruleset>,
    times: &PhaseTimes,
) -> anyhow::Result<Vec<Outcome>> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    Ok(pool.install(|| {
        candidates
            .par_iter()
            .with_max_len(1)
            .map(|c| process(c, max_size, rules, times))
            .collect()
    }))
}

/// The whole pipeline: walk, then process every file found (with `rules`, check it too).
pub fn run(
    settings: &WalkSettings,
    rules: Option<&Ruleset>,
    times: &PhaseTimes,
) -> anyhow::Result<(WalkResult, Vec<Outcome>)> {
    let start = Instant::now();
    let walked = walk::walk(&settings.paths, &settings.options)?;
    PhaseTimes::add(&times.walk_ns, start);
    let outcomes = process_all(
        &walked.files,
        settings.options.max_file_size,
        settings.jobs,
        rules,
        times,
    )?;
    Ok((walked, outcomes))
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
        let outcomes = process_all(&listed, 1 << 20, 2, None, &PhaseTimes::default()).unwrap();
        match &outcomes[0] {
            Outcome::Failed(d) => {
                assert_eq!(d.path, "gone.py");
                assert!(d.message.contains("vanished"), "{}", d.message);
            }
            other => panic!("expected a diagnostic, got {other:?}"),
        }
        assert!(matches!(&outcomes[1], Outcome::Analyzed(r) if r.path == "kept.py"));
    }

    #[test]
    fn file_grown_past_the_limit_after_the_walk_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.py"), "x = 1\n".repeat(100)).unwrap();
        let outcome = process(
            &candidate(dir.path(), "big.py"),
            10,
            None,
            &PhaseTimes::default(),
        );
        assert!(matches!(outcome, Outcome::Skipped(s) if s.reason.contains("too large")));
    }
}
