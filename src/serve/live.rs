//! What the live page shows of a run, kept up to date from the worker threads (each file as it
//! is done), the command (each stage) and a sampler (memory and CPU of wtfcb and its parser
//! processes every quarter second). Every list is bounded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use wtfcb_core::walk::Candidate;
use wtfcb_engine::engine::{Observer, Outcome, Services};

/// Slowest files kept.
const SLOWEST: usize = 10;
/// Failures kept (the count goes on).
const FAILURES: usize = 200;
/// Timeline points kept: the oldest are thinned out past this.
const TIMELINE: usize = 1200;

#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    pub path: String,
    pub ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub path: String,
    pub message: String,
}

/// One point of the resource timeline.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    pub t_ms: f64,
    pub rss_mib: f64,
    pub cpu_percent: f32,
    pub parsers_rss_mib: f64,
    pub parsers_cpu_percent: f32,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
    pub parsed: u64,
    pub remote_hits: u64,
}

/// A snapshot, as the page receives it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct State {
    /// `analyze` or `bench`.
    pub kind: &'static str,
    /// The stage under way (`walk`, `files`, `cross-file`, `report`, `done`).
    pub stage: String,
    pub elapsed_ms: f64,
    pub total: u64,
    pub done: u64,
    pub analyzed: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cache: Option<CacheCounts>,
    /// Summed over threads during the files stage; wall time for the stages after it.
    pub phases_ms: BTreeMap<String, f64>,
    pub slowest: Vec<Slow>,
    pub failures: Vec<Failure>,
    pub timeline: Vec<Point>,
    /// The run's final numbers (what its report says), once it is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// For `bench`: the measurements so far and the saved runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bench: Option<serde_json::Value>,
    /// Bumped at every change: the page is sent a state only when it changed.
    pub seq: u64,
}

/// The shared live state of one run.
#[derive(Debug)]
pub struct Live {
    started: Instant,
    state: Mutex<State>,
    seq: AtomicU64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

impl Live {
    pub fn new(kind: &'static str) -> Live {
        Live {
            started: Instant::now(),
            state: Mutex::new(State {
                kind,
                stage: "start".into(),
                ..State::default()
            }),
            seq: AtomicU64::new(0),
        }
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut state) = self.state.lock() {
            f(&mut state);
            state.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        }
    }

    /// The state now.
    pub fn snapshot(&self) -> State {
        let mut state = self.state.lock().map(|s| s.clone()).unwrap_or_default();
        state.elapsed_ms = ms(self.started.elapsed());
        state
    }

    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    /// A stage begins; `total` files, if known.
    pub fn stage(&self, name: &str, total: Option<u64>) {
        self.update(|s| {
            s.stage = name.to_string();
            if let Some(total) = total {
                s.total = total;
            }
        });
    }

    /// A stage's wall time.
    pub fn phase_ms(&self, name: &str, ms: f64) {
        self.update(|s| {
            s.phases_ms.insert(name.to_string(), ms);
        });
    }

    /// The run ended with `result` (the numbers its report shows).
    pub fn finish(&self, result: serde_json::Value) {
        self.update(|s| {
            s.stage = "done".into();
            s.result = Some(result);
        });
    }

    /// For `bench`: the runs saved before (oldest first).
    pub fn set_saved(&self, saved: serde_json::Value) {
        self.update(|s| {
            let bench = s
                .bench
                .get_or_insert_with(|| serde_json::json!({"runs": []}));
            bench["saved"] = saved;
        });
    }

    /// For `bench`: the scenarios measured so far.
    pub fn set_bench_runs(&self, runs: serde_json::Value) {
        self.update(|s| {
            let bench = s
                .bench
                .get_or_insert_with(|| serde_json::json!({"saved": []}));
            bench["runs"] = runs;
        });
    }

    /// A resource sample of wtfcb and its parser processes.
    pub fn sample(&self, sample: &wtfcb_core::profile::Sample) {
        let mib = |b: u64| (b as f64 / f64::from(1 << 20) * 10.0).round() / 10.0;
        self.update(|s| {
            if s.timeline.len() >= TIMELINE {
                // Keep every other point of the older half: the timeline stays bounded and
                // still spans the whole run.
                let half = s.timeline.len() / 2;
                let mut i = 0;
                s.timeline.retain(|_| {
                    i += 1;
                    i > half || i % 2 == 0
                });
            }
            s.timeline.push(Point {
                t_ms: (sample.t_ms * 10.0).round() / 10.0,
                rss_mib: mib(sample.rss_bytes),
                cpu_percent: sample.cpu_percent.round(),
                parsers_rss_mib: mib(sample.parsers_rss_bytes),
                parsers_cpu_percent: sample.parsers_cpu_percent.round(),
            });
        });
    }
}

impl Observer for Live {
    fn file_done(
        &self,
        candidate: &Candidate,
        outcome: &Outcome,
        took: Duration,
        services: &Services,
    ) {
        let times = services.times;
        let cache = services.cache.map(|c| {
            let live = c.live();
            CacheCounts {
                hits: live.hits,
                misses: live.misses,
                parsed: live.parsed,
                remote_hits: live.remote_hits,
            }
        });
        self.update(|s| {
            s.done += 1;
            match outcome {
                Outcome::Analyzed(_) => s.analyzed += 1,
                Outcome::Skipped(_) => s.skipped += 1,
                Outcome::Failed(d) | Outcome::Broken(d) => {
                    s.failed += 1;
                    if s.failures.len() < FAILURES {
                        s.failures.push(Failure {
                            path: candidate.display.clone(),
                            message: d.message.clone(),
                        });
                    }
                }
            }
            let took = ms(took);
            if s.slowest.len() < SLOWEST || s.slowest.last().is_some_and(|l| l.ms < took) {
                s.slowest.push(Slow {
                    path: candidate.display.clone(),
                    ms: took,
                });
                s.slowest
                    .sort_by(|a, b| b.ms.total_cmp(&a.ms).then_with(|| a.path.cmp(&b.path)));
                s.slowest.truncate(SLOWEST);
            }
            s.cache = cache;
            for (name, d) in [
                ("cache", times.cache()),
                ("read", times.read()),
                ("parse", times.parse()),
                ("metrics", times.facts()),
                ("rules", times.rules()),
            ] {
                s.phases_ms.insert(name.to_string(), ms(d));
            }
        });
    }
}
