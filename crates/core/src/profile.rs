//! The profiler: a background thread samples one process's resident memory and CPU use with
//! `sysinfo` at a fixed interval, into a timeline with peak and average. Used on wtfcb itself
//! (`analyze --profile`) and on the child processes `bench` runs.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

/// One sample.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    /// Milliseconds since sampling started.
    pub t_ms: f64,
    pub rss_bytes: u64,
    /// CPU use since the previous sample; 100 is one full core.
    pub cpu_percent: f32,
    /// The same of the process's children (the parser processes), when they are sampled.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub parsers_rss_bytes: u64,
    #[serde(default, skip_serializing_if = "is_zero_f32")]
    pub parsers_cpu_percent: f32,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

fn is_zero_f32(n: &f32) -> bool {
    *n == 0.0
}

/// Reads one process (and, if asked, its children) at a time: resident memory and the CPU
/// used since the previous reading.
pub struct Probe {
    system: System,
    pid: Pid,
    children: bool,
    started: Instant,
    /// The previous reading: when, the process's CPU ms, each child's CPU ms.
    last: Option<(f64, u64, std::collections::HashMap<u32, u64>)>,
}

/// The children of a process, from `/proc/PID/task/*/children` (Linux); none elsewhere.
fn child_pids(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out: Vec<u32> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Probe {
    pub fn new(pid: u32, children: bool) -> Probe {
        Probe {
            system: System::new(),
            pid: Pid::from_u32(pid),
            children,
            started: Instant::now(),
            last: None,
        }
    }

    /// One reading; `None` once the process is gone.
    pub fn sample(&mut self) -> Option<Sample> {
        // Threads are refreshed by default, which costs 5x more than the rest.
        let kind = ProcessRefreshKind::nothing()
            .with_memory()
            .with_cpu()
            .without_tasks();
        let kids = if self.children {
            child_pids(self.pid.as_u32())
        } else {
            Vec::new()
        };
        let mut pids: Vec<Pid> = kids.iter().map(|&p| Pid::from_u32(p)).collect();
        pids.push(self.pid);
        self.system
            .refresh_processes_specifics(ProcessesToUpdate::Some(&pids), true, kind);
        let process = self.system.process(self.pid)?;
        let t_ms = self.started.elapsed().as_secs_f64() * 1e3;
        // CPU% from the process's accumulated CPU time over the wall time between samples:
        // 100 is one core busy, 200 two.
        let cpu_ms = process.accumulated_cpu_time();
        let rss = process.memory();
        let mut child_cpu = std::collections::HashMap::new();
        let mut parsers_rss = 0;
        for &kid in &kids {
            if let Some(p) = self.system.process(Pid::from_u32(kid)) {
                parsers_rss += p.memory();
                child_cpu.insert(kid, p.accumulated_cpu_time());
            }
        }
        let (cpu_percent, parsers_cpu_percent) = match &self.last {
            Some((t0, c0, kids0)) => {
                // A child that started since the last reading used all its CPU time since.
                let used: u64 = child_cpu
                    .iter()
                    .map(|(pid, &now)| now.saturating_sub(kids0.get(pid).copied().unwrap_or(0)))
                    .sum();
                (
                    cpu_percent(*c0, cpu_ms, *t0, t_ms),
                    cpu_percent(0, used, *t0, t_ms),
                )
            }
            None => (0.0, 0.0),
        };
        self.last = Some((t_ms, cpu_ms, child_cpu));
        Some(Sample {
            t_ms,
            rss_bytes: rss,
            cpu_percent,
            parsers_rss_bytes: parsers_rss,
            parsers_cpu_percent,
        })
    }
}

/// What a sampler saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timeline {
    pub interval_ms: f64,
    pub samples: Vec<Sample>,
    pub peak_rss_bytes: u64,
    pub avg_rss_bytes: u64,
    pub peak_cpu_percent: f32,
    pub avg_cpu_percent: f32,
    /// CPU time the sampler thread spent taking samples (its cost to the run).
    pub sampling_cost_ms: f64,
}

impl Timeline {
    fn from_samples(interval: Duration, samples: Vec<Sample>, cost: Duration) -> Timeline {
        let n = samples.len().max(1) as f64;
        // The first CPU reading has no previous one to compare with.
        let cpu: Vec<f32> = samples.iter().skip(1).map(|s| s.cpu_percent).collect();
        Timeline {
            interval_ms: interval.as_secs_f64() * 1e3,
            peak_rss_bytes: samples.iter().map(|s| s.rss_bytes).max().unwrap_or(0),
            avg_rss_bytes: (samples.iter().map(|s| s.rss_bytes as f64).sum::<f64>() / n) as u64,
            peak_cpu_percent: cpu.iter().copied().fold(0.0, f32::max),
            avg_cpu_percent: if cpu.is_empty() {
                0.0
            } else {
                cpu.iter().sum::<f32>() / cpu.len() as f32
            },
            sampling_cost_ms: cost.as_secs_f64() * 1e3,
            samples,
        }
    }
}

/// A running sampler; `stop` ends it and returns the timeline.
pub struct Sampler {
    stop: mpsc::Sender<()>,
    /// `None` when no thread could be started: no samples, never a failed run.
    handle: Option<JoinHandle<Timeline>>,
}

impl Sampler {
    /// Samples process `pid` every `interval` (at least 1 ms) until stopped or it exits.
    pub fn start(pid: u32, interval: Duration) -> Sampler {
        Sampler::start_with(pid, interval, false)
    }

    /// The same, with its children (the parser processes) when `children`.
    pub fn start_with(pid: u32, interval: Duration, children: bool) -> Sampler {
        let interval = interval.max(Duration::from_millis(1));
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("wtfcb-sampler".into())
            .spawn(move || {
                let mut probe = Probe::new(pid, children);
                let mut samples = Vec::new();
                let mut cost = Duration::ZERO;
                loop {
                    let before = thread_cpu_time();
                    let Some(sample) = probe.sample() else {
                        break;
                    };
                    samples.push(sample);
                    cost += thread_cpu_time().saturating_sub(before);
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
                Timeline::from_samples(interval, samples, cost)
            });
        Sampler {
            stop,
            handle: handle.ok(),
        }
    }

    /// Samples this process and its parser processes.
    pub fn start_self(interval: Duration) -> Sampler {
        Sampler::start_with(std::process::id(), interval, true)
    }

    pub fn stop(self) -> Timeline {
        let _ = self.stop.send(());
        self.handle.and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

/// CPU time used so far by the calling thread: what sampling costs the run.
/// CPU% between two samples: CPU milliseconds used over wall milliseconds passed, so 100 is
/// one core busy and 200 two.
fn cpu_percent(cpu0_ms: u64, cpu1_ms: u64, t0_ms: f64, t1_ms: f64) -> f32 {
    if t1_ms <= t0_ms {
        return 0.0;
    }
    (cpu1_ms.saturating_sub(cpu0_ms) as f64 / (t1_ms - t0_ms) * 100.0) as f32
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a local timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The kernel's high-water mark of this process's resident memory (Linux `VmHWM`), exact where
/// sampling can miss a short peak.
pub fn max_rss_self() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User and system CPU time of this process and of its children that ended (the parser
/// processes, once stopped).
pub fn cpu_self_and_children() -> Option<std::time::Duration> {
    let mut total = std::time::Duration::ZERO;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: `rusage` is plain old data that getrusage fills.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to a local.
        if unsafe { libc::getrusage(who, &mut usage) } != 0 {
            return None;
        }
        for t in [usage.ru_utime, usage.ru_stime] {
            total += std::time::Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    // sysinfo's own cpu_usage read about 50% for two busy threads; the percentage must scale
    // with cores: two cores busy for the whole interval is 200.
    #[test]
    fn cpu_percent_counts_every_core() {
        assert_eq!(cpu_percent(1_000, 1_100, 0.0, 50.0), 200.0);
        assert_eq!(cpu_percent(1_000, 1_050, 10.0, 60.0), 100.0);
        assert_eq!(cpu_percent(5, 3, 0.0, 10.0), 0.0);
        assert_eq!(cpu_percent(0, 10, 5.0, 5.0), 0.0);
    }

    // No timing and no comparison with an idle moment (other tests allocate in this process
    // meanwhile): the sampler takes its first sample as it starts, so a block allocated and
    // touched before it starts, and alive until it stops, is in that sample.
    #[test]
    fn peak_rss_includes_a_large_allocation() {
        let size = 256 * 1024 * 1024;
        // Touch every page so the memory is resident, and keep it alive while sampling.
        let block = vec![1u8; size];
        let sum: u64 = block.iter().step_by(4096).map(|&b| u64::from(b)).sum();
        assert_eq!(sum, (size / 4096) as u64);
        let sampler = Sampler::start_self(Duration::from_millis(5));
        let during = sampler.stop();
        drop(block);
        assert!(!during.samples.is_empty());
        assert!(
            during.peak_rss_bytes >= size as u64 * 9 / 10,
            "peak {} for a block of {size}",
            during.peak_rss_bytes,
        );
        assert!(max_rss_self().unwrap_or(u64::MAX) >= size as u64);
        assert!(during.samples.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));
    }
}
