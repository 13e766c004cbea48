//! Bench history: `bench --save NAME` keeps a run's timings, `bench --compare NAME` sets a new
//! run against them with a noise-aware verdict per scenario, so CI can gate on performance.
//!
//! A change is a regression only when the two runs' ranges do not overlap (the new fastest run
//! is slower than the old slowest) and the median moved by more than the threshold; an
//! improvement is the mirror image. Anything else is within the noise.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use super::BenchReport;

/// The largest saved file read back (a run of every scenario on many projects is a few KB).
const MAX_SAVED_BYTES: u64 = 16 << 20;
const FORMAT: u32 = 1;

/// One scenario's timings as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedScenario {
    pub project: String,
    pub scenario: String,
    pub jobs: usize,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
}

/// A saved run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub format: u32,
    pub name: String,
    pub version: String,
    pub cores: usize,
    pub scenarios: Vec<SavedScenario>,
}

impl Saved {
    pub fn of(name: &str, report: &BenchReport) -> Saved {
        Saved {
            format: FORMAT,
            name: name.to_string(),
            version: report.version.to_string(),
            cores: report.cores,
            scenarios: report
                .projects
                .iter()
                .flat_map(|p| {
                    p.scenarios.iter().map(|s| SavedScenario {
                        project: p.path.clone(),
                        scenario: s.name.clone(),
                        jobs: s.jobs,
                        median_s: s.median_s,
                        min_s: s.min_s,
                        max_s: s.max_s,
                    })
                })
                .collect(),
        }
    }
}

/// Where a saved run lives: NAME as a path when it has a `/` or ends in `.json`; otherwise
/// `NAME.json` in `$WTFCB_BENCH_DIR`, else `$XDG_DATA_HOME/wtfcb/bench`, else
/// `~/.local/share/wtfcb/bench` (never in the measured tree).
pub fn location(name: &str) -> anyhow::Result<PathBuf> {
    if name.contains('/') || name.ends_with(".json") {
        return Ok(PathBuf::from(name));
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        bail!("a saved bench name is letters, digits, '.', '_' and '-' (or a path), got {name:?}");
    }
    let dir = match (
        std::env::var_os("WTFCB_BENCH_DIR"),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    ) {
        (Some(dir), _, _) => PathBuf::from(dir),
        (None, Some(data), _) => PathBuf::from(data).join("wtfcb/bench"),
        (None, None, Some(home)) => PathBuf::from(home).join(".local/share/wtfcb/bench"),
        (None, None, None) => bail!("no place for saved benches: set WTFCB_BENCH_DIR"),
    };
    Ok(dir.join(format!("{name}.json")))
}

/// Every run saved in the default place (see [`location`]), oldest first by file time; at
/// most the newest `limit`, each read as [`load`] reads it (a damaged one is left out).
pub fn saved_runs(limit: usize) -> Vec<Saved> {
    let Some(dir) = location("x")
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort();
    let skip = found.len().saturating_sub(limit);
    found
        .into_iter()
        .skip(skip)
        .filter_map(|(_, path)| load(&path).ok())
        .collect()
}

/// Writes a saved run atomically (a temporary file beside it, then a rename).
pub fn save(path: &Path, saved: &Saved) -> anyhow::Result<()> {
    wtfcb_core::fsio::write_atomically(path, serde_json::to_string_pretty(saved)?.as_bytes())
}

/// Reads a saved run, trusting nothing: bounded size, known format, finite timings.
pub fn load(path: &Path) -> anyhow::Result<Saved> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("no saved bench at {}", path.display()))?
        .len();
    if size > MAX_SAVED_BYTES {
        bail!(
            "{}: {size} bytes is too large for a saved bench",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let saved: Saved = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved bench", path.display()))?;
    if saved.format != FORMAT {
        bail!(
            "{}: saved bench format {} (this wtfcb reads {FORMAT})",
            path.display(),
            saved.format
        );
    }
    let sane = |v: f64| v.is_finite() && v >= 0.0;
    if let Some(bad) = saved
        .scenarios
        .iter()
        .find(|s| !(sane(s.median_s) && sane(s.min_s) && sane(s.max_s)) || s.min_s > s.max_s)
    {
        bail!(
            "{}: impossible timings for {}",
            path.display(),
            bad.scenario
        );
    }
    Ok(saved)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Regression,
    Improvement,
    /// The ranges overlap, or the median moved less than the threshold.
    NoChange,
}

/// One scenario set against its saved self.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub project: String,
    pub scenario: String,
    pub jobs: usize,
    pub old_median_s: f64,
    pub new_median_s: f64,
    /// (new - old) / old, in percent.
    pub change_percent: f64,
    pub verdict: Verdict,
}

/// A run compared with a saved one.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub against: String,
    pub threshold_percent: f64,
    pub deltas: Vec<Delta>,
    /// Scenarios in only one of the two runs.
    pub unmatched: Vec<String>,
    pub regressions: usize,
}

pub fn compare(old: &Saved, new: &Saved, threshold_percent: f64) -> Comparison {
    let mut deltas = Vec::new();
    let mut unmatched = Vec::new();
    for n in &new.scenarios {
        let Some(o) = old
            .scenarios
            .iter()
            .find(|o| o.project == n.project && o.scenario == n.scenario && o.jobs == n.jobs)
        else {
            unmatched.push(format!("{}: {} (new)", n.project, n.scenario));
            continue;
        };
        let change = if o.median_s > 0.0 {
            (n.median_s - o.median_s) / o.median_s * 100.0
        } else {
            0.0
        };
        let verdict = if n.min_s > o.max_s && change > threshold_percent {
            Verdict::Regression
        } else if n.max_s < o.min_s && -change > threshold_percent {
            Verdict::Improvement
        } else {
            Verdict::NoChange
        };
        deltas.push(Delta {
            project: n.project.clone(),
            scenario: n.scenario.clone(),
            jobs: n.jobs,
            old_median_s: o.median_s,
            new_median_s: n.median_s,
            change_percent: (change * 10.0).round() / 10.0,
            verdict,
        });
    }
    for o in &old.scenarios {
        let seen = new
            .scenarios
            .iter()
            .any(|n| n.project == o.project && n.scenario == o.scenario && n.jobs == o.jobs);
        if !seen {
            unmatched.push(format!("{}: {} (saved only)", o.project, o.scenario));
        }
    }
    Comparison {
        against: old.name.clone(),
        threshold_percent,
        regressions: deltas
            .iter()
            .filter(|d| d.verdict == Verdict::Regression)
            .count(),
        deltas,
        unmatched,
    }
}

/// The comparison as an aligned table.
pub fn write_text(out: &mut dyn std::io::Write, c: &Comparison) -> std::io::Result<()> {
    writeln!(
        out,
        "\ncompared with {} (a regression: ranges apart and median +{}% or more):",
        c.against, c.threshold_percent
    )?;
    writeln!(
        out,
        "{:<42} {:>3} {:>10} {:>10} {:>8}  verdict",
        "scenario", "-j", "saved s", "now s", "change"
    )?;
    for d in &c.deltas {
        let name = format!("{}: {}", wtfcb_core::text::tty(&d.project), d.scenario);
        writeln!(
            out,
            "{:<42} {:>3} {:>10.3} {:>10.3} {:>+7.1}%  {}",
            name,
            d.jobs,
            d.old_median_s,
            d.new_median_s,
            d.change_percent,
            match d.verdict {
                Verdict::Regression => "REGRESSION",
                Verdict::Improvement => "improvement",
                Verdict::NoChange => "no change",
            }
        )?;
    }
    for u in &c.unmatched {
        writeln!(out, "  not compared: {}", wtfcb_core::text::tty(u))?;
    }
    writeln!(out, "{} regression(s)", c.regressions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(runs: &[(&str, f64, f64, f64)]) -> Saved {
        Saved {
            format: FORMAT,
            name: "base".into(),
            version: "0".into(),
            cores: 2,
            scenarios: runs
                .iter()
                .map(|(name, median, min, max)| SavedScenario {
                    project: "p".into(),
                    scenario: name.to_string(),
                    jobs: 2,
                    median_s: *median,
                    min_s: *min,
                    max_s: *max,
                })
                .collect(),
        }
    }

    #[test]
    fn a_regression_needs_separate_ranges_and_a_real_move() {
        let old = saved(&[
            ("apart", 1.0, 0.95, 1.05),
            ("overlap", 1.0, 0.9, 1.5),
            ("small", 1.0, 0.99, 1.01),
            ("faster", 1.0, 0.95, 1.05),
            ("gone", 1.0, 1.0, 1.0),
        ]);
        let new = saved(&[
            ("apart", 1.3, 1.2, 1.4),
            ("overlap", 1.3, 1.2, 1.4),
            ("small", 1.05, 1.04, 1.06),
            ("faster", 0.5, 0.45, 0.55),
            ("added", 1.0, 1.0, 1.0),
        ]);
        let c = compare(&old, &new, 10.0);
        let verdicts: Vec<_> = c
            .deltas
            .iter()
            .map(|d| (d.scenario.as_str(), d.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("apart", Verdict::Regression),
                ("overlap", Verdict::NoChange),
                ("small", Verdict::NoChange),
                ("faster", Verdict::Improvement),
            ]
        );
        assert_eq!(c.regressions, 1);
        assert_eq!(c.deltas[0].change_percent, 30.0);
        assert_eq!(c.unmatched, ["p: added (new)", "p: gone (saved only)"]);
    }

    #[test]
    fn saved_runs_round_trip_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let s = saved(&[("x", 1.0, 0.9, 1.1)]);
        save(&path, &s).unwrap();
        assert_eq!(load(&path).unwrap().scenarios, s.scenarios);
        std::fs::write(&path, "{\"format\": 1}").unwrap();
        assert!(load(&path).is_err());
        let mut bad = s.clone();
        bad.scenarios[0].min_s = 5.0;
        save(&path, &bad).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("impossible"));
        assert!(location("../x").is_ok());
        assert!(location("a b").is_err());
    }
}
