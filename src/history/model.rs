//! The history report: the replay's events turned into numbers per commit (kept up to date
//! event by event, so a commit costs what it changed, not the size of its tree), series per
//! file and per function, hotspots (churn × complexity) and the functions that got worse.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::log::Commit;
use super::replay::{Event, Replay, Start};
use super::store::{CrossSummary, FileSummary};
use wtfcb_core::findings::Severity;

/// A distribution of per-function values: nearest-rank median and 90th percentile, the
/// largest, and the sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Dist {
    pub median: u32,
    pub p90: u32,
    pub max: u32,
    pub total: u64,
}

/// Counts of small values, by value (what a median over tens of thousands of functions is
/// read from, commit after commit, without sorting).
#[derive(Debug, Clone, Default)]
struct Histogram {
    dense: Vec<i64>,
    sparse: BTreeMap<u32, i64>,
    count: i64,
    total: i64,
}

const DENSE: u32 = 1024;

impl Histogram {
    fn add(&mut self, value: u32, sign: i64) {
        if value < DENSE {
            let i = value as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += sign;
        } else {
            let n = self.sparse.entry(value).or_insert(0);
            *n += sign;
            if *n == 0 {
                self.sparse.remove(&value);
            }
        }
        self.count += sign;
        self.total += sign * i64::from(value);
    }

    /// The value at nearest rank `ceil(q × n)`.
    fn quantile(&self, q: f64) -> u32 {
        if self.count <= 0 {
            return 0;
        }
        let rank = ((q * self.count as f64).ceil() as i64).max(1);
        let mut seen = 0;
        let dense = self.dense.iter().enumerate().map(|(v, &n)| (v as u32, n));
        let sparse = self.sparse.iter().map(|(&v, &n)| (v, n));
        for (value, n) in dense.chain(sparse) {
            seen += n;
            if seen >= rank {
                return value;
            }
        }
        0
    }

    fn max(&self) -> u32 {
        if let Some((&v, _)) = self.sparse.iter().next_back() {
            return v;
        }
        self.dense
            .iter()
            .rposition(|&n| n > 0)
            .map_or(0, |v| v as u32)
    }

    fn dist(&self) -> Dist {
        Dist {
            median: self.quantile(0.5),
            p90: self.quantile(0.9),
            max: self.max(),
            total: self.total.max(0) as u64,
        }
    }
}

/// A commit's numbers, kept up to date event by event.
#[derive(Debug, Clone, Default)]
struct Totals {
    files: i64,
    failed: i64,
    functions: i64,
    code_lines: i64,
    severities: [i64; 5],
    rules: BTreeMap<String, i64>,
    cyclomatic: Histogram,
    cognitive: Histogram,
    /// The blob of each file present, by file.
    live: HashMap<usize, usize>,
}

impl Totals {
    fn apply(&mut self, s: &FileSummary, sign: i64) {
        if s.failed.is_some() {
            self.failed += sign;
            return;
        }
        if s.skipped.is_some() {
            return;
        }
        self.files += sign;
        self.code_lines += sign * i64::from(s.code_lines);
        self.functions += sign * s.functions.len() as i64;
        for f in &s.functions {
            self.cyclomatic.add(f.cyclomatic, sign);
            self.cognitive.add(f.cognitive, sign);
        }
        for (rule, severity, n) in &s.findings {
            self.severities[*severity as usize] += sign * i64::from(*n);
            let count = self.rules.entry(rule.clone()).or_insert(0);
            *count += sign * i64::from(*n);
            if *count == 0 {
                self.rules.remove(rule);
            }
        }
    }
}

/// One commit in the report.
#[derive(Debug, Clone, Serialize)]
pub struct CommitPoint {
    pub id: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub files: u64,
    /// Files whose analysis failed (a grammar aborted or hung on them).
    pub files_failed: u64,
    pub functions: u64,
    pub code_lines: u64,
    /// Findings (not suppressed) by severity and by rule.
    pub findings: BTreeMap<&'static str, u64>,
    pub rules: BTreeMap<String, u64>,
    pub cyclomatic: Dist,
    pub cognitive: Dist,
    /// Analyzed files this commit changed, and its lines added and deleted in them.
    pub changed_files: u64,
    pub lines_added: u64,
    pub lines_deleted: u64,
    /// Duplicates and import cycles, for the sampled commits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_file: Option<CrossSummary>,
}

/// A file's values at a commit where it changed (`None` values: it was removed).
#[derive(Debug, Clone, Serialize)]
pub struct FilePoint {
    pub commit: usize,
    pub path: String,
    pub present: bool,
    pub code_lines: u32,
    pub functions: u32,
    pub cyclomatic: u64,
    pub cognitive: u64,
    pub findings: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSeries {
    /// The file's path at the end of the range (or when it was last seen).
    pub path: String,
    pub points: Vec<FilePoint>,
}

/// A function's values at a commit where they changed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FunctionPoint {
    pub commit: usize,
    pub present: bool,
    pub cyclomatic: u32,
    pub cognitive: u32,
    pub lines: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionSeries {
    pub path: String,
    pub name: String,
    pub points: Vec<FunctionPoint>,
}

/// A file by churn × complexity.
#[derive(Debug, Clone, Serialize)]
pub struct Hotspot {
    pub path: String,
    /// Commits of the range that changed it, and their lines added and deleted.
    pub commits: u64,
    pub lines_added: u64,
    pub lines_deleted: u64,
    /// Distinct authors of those commits (with `--authors`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<u64>,
    /// At the end of the range: the sum of its functions' cyclomatic complexity, the largest
    /// cognitive complexity, code lines.
    pub cyclomatic: u64,
    pub max_cognitive: u32,
    pub code_lines: u32,
    /// `commits × cyclomatic`.
    pub score: u64,
}

/// A function whose complexity grew over the range.
#[derive(Debug, Clone, Serialize)]
pub struct Worsened {
    pub path: String,
    pub name: String,
    pub cognitive_before: u32,
    pub cognitive_after: u32,
    pub cyclomatic_before: u32,
    pub cyclomatic_after: u32,
    /// The commit (index) where it was first seen in the range.
    pub since: usize,
}

/// What the numbers of a history are made of.
pub struct Inputs<'a> {
    pub commits: &'a [Commit],
    pub replay: &'a Replay,
    /// Each blob's summary (absent: git did not have it).
    pub summaries: &'a [Option<&'a FileSummary>],
    pub cross: &'a HashMap<usize, CrossSummary>,
    pub authors: bool,
}

/// Everything computed from the replay.
pub struct Computed {
    pub commits: Vec<CommitPoint>,
    pub files: Vec<FileSeries>,
    pub functions: Vec<FunctionSeries>,
    pub hotspots: Vec<Hotspot>,
    pub worsened: Vec<Worsened>,
}

fn severity_counts(t: &Totals) -> BTreeMap<&'static str, u64> {
    Severity::ALL
        .iter()
        .map(|s| (s.as_str(), t.severities[*s as usize].max(0) as u64))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The file and function series of one event.
struct Series<'a> {
    inputs: &'a Inputs<'a>,
    files: Vec<Vec<FilePoint>>,
    functions: BTreeMap<(usize, String), Vec<FunctionPoint>>,
}

impl Series<'_> {
    fn record(&mut self, commit: usize, e: &Event) {
        // A version the walk leaves out (generated, minified, too large) is no version of the
        // file's series.
        let summary = |b: Option<usize>| {
            b.and_then(|b| self.inputs.summaries[b])
                .filter(|s| s.skipped.is_none())
        };
        let (before, after) = (summary(e.before), summary(e.after));
        if before.is_none() && after.is_none() {
            return;
        }
        let blob = e.after.or(e.before).unwrap_or(0);
        let path = self.inputs.replay.blobs[blob].rel.clone();
        let point = match after {
            Some(s) => FilePoint {
                commit,
                path,
                present: true,
                code_lines: s.code_lines,
                functions: s.functions.len() as u32,
                cyclomatic: s.functions.iter().map(|f| u64::from(f.cyclomatic)).sum(),
                cognitive: s.functions.iter().map(|f| u64::from(f.cognitive)).sum(),
                findings: s.findings.iter().map(|f| u64::from(f.2)).sum(),
            },
            None => FilePoint {
                commit,
                path,
                present: false,
                code_lines: 0,
                functions: 0,
                cyclomatic: 0,
                cognitive: 0,
                findings: 0,
            },
        };
        if self.files.len() <= e.file {
            self.files.resize(e.file + 1, Vec::new());
        }
        self.files[e.file].push(point);
        let old: HashMap<&str, &super::store::FunctionSummary> = before
            .map(|s| s.functions.iter().map(|f| (f.name.as_str(), f)).collect())
            .unwrap_or_default();
        let mut kept = std::collections::HashSet::new();
        for f in after.map(|s| s.functions.as_slice()).unwrap_or(&[]) {
            kept.insert(f.name.as_str());
            let same = old.get(f.name.as_str()).is_some_and(|o| {
                (o.cyclomatic, o.cognitive, o.lines) == (f.cyclomatic, f.cognitive, f.lines)
            });
            if !same {
                self.functions
                    .entry((e.file, f.name.clone()))
                    .or_default()
                    .push(FunctionPoint {
                        commit,
                        present: true,
                        cyclomatic: f.cyclomatic,
                        cognitive: f.cognitive,
                        lines: f.lines,
                    });
            }
        }
        for name in old.keys().filter(|n| !kept.contains(*n)) {
            self.functions
                .entry((e.file, (*name).to_string()))
                .or_default()
                .push(FunctionPoint {
                    commit,
                    present: false,
                    cyclomatic: 0,
                    cognitive: 0,
                    lines: 0,
                });
        }
    }
}

/// Computes the report's numbers from the replay, commit by commit.
pub fn compute(inputs: &Inputs) -> Computed {
    let replay = inputs.replay;
    let mut children = vec![0usize; replay.steps.len()];
    for step in &replay.steps {
        if let Start::Parent(p) = step.start {
            children[p] += 1;
        }
    }
    let mut kept: HashMap<usize, Totals> = HashMap::new();
    let mut series = Series {
        inputs,
        files: Vec::new(),
        functions: BTreeMap::new(),
    };
    let mut points = Vec::with_capacity(replay.steps.len());
    let mut last = Totals::default();
    for (i, step) in replay.steps.iter().enumerate() {
        let mut totals = match step.start {
            Start::Parent(p) => {
                children[p] -= 1;
                if children[p] == 0 {
                    kept.remove(&p).unwrap_or_default()
                } else {
                    kept.get(&p).cloned().unwrap_or_default()
                }
            }
            Start::Tree => Totals::default(),
        };
        for e in &step.events {
            if let Some(s) = e.before.and_then(|b| inputs.summaries[b]) {
                totals.apply(s, -1);
            }
            if let Some(s) = e.after.and_then(|b| inputs.summaries[b]) {
                totals.apply(s, 1);
            }
            match e.after {
                Some(b) => totals.live.insert(e.file, b),
                None => totals.live.remove(&e.file),
            };
            series.record(i, e);
        }
        points.push(point(inputs, i, &totals, step));
        if i + 1 == replay.steps.len() {
            last = totals;
        } else if children[i] > 0 {
            kept.insert(i, totals);
        }
    }
    let hotspots = hotspots(inputs, &last);
    let worsened = worsened(inputs, &series, &last);
    let files = series
        .files
        .into_iter()
        .enumerate()
        .filter(|(_, p)| !p.is_empty())
        .map(|(f, points)| FileSeries {
            path: replay.files[f].rel.clone(),
            points,
        })
        .collect();
    let functions = series
        .functions
        .into_iter()
        .map(|((f, name), points)| FunctionSeries {
            path: replay.files[f].rel.clone(),
            name,
            points,
        })
        .collect();
    Computed {
        commits: points,
        files,
        functions,
        hotspots,
        worsened,
    }
}

fn point(inputs: &Inputs, i: usize, t: &Totals, step: &super::replay::Step) -> CommitPoint {
    let commit = &inputs.commits[i];
    let changed = match step.start {
        Start::Parent(_) => step.events.len() as u64,
        Start::Tree => 0,
    };
    CommitPoint {
        id: commit.id.clone(),
        time: commit.time,
        subject: commit.subject.clone(),
        author: inputs.authors.then(|| commit.author.clone()),
        files: t.files.max(0) as u64,
        files_failed: t.failed.max(0) as u64,
        functions: t.functions.max(0) as u64,
        code_lines: t.code_lines.max(0) as u64,
        findings: severity_counts(t),
        rules: t
            .rules
            .iter()
            .map(|(r, &n)| (r.clone(), n.max(0) as u64))
            .collect(),
        cyclomatic: t.cyclomatic.dist(),
        cognitive: t.cognitive.dist(),
        changed_files: changed,
        lines_added: step.added,
        lines_deleted: step.deleted,
        cross_file: inputs.cross.get(&i).copied(),
    }
}

fn hotspots(inputs: &Inputs, last: &Totals) -> Vec<Hotspot> {
    let mut out: Vec<Hotspot> = last
        .live
        .iter()
        .filter_map(|(&file, &blob)| {
            let history = &inputs.replay.files[file];
            let summary = inputs.summaries[blob]?;
            if history.commits == 0 || summary.skipped.is_some() {
                return None;
            }
            let cyclomatic: u64 = summary
                .functions
                .iter()
                .map(|f| u64::from(f.cyclomatic))
                .sum();
            Some(Hotspot {
                path: history.rel.clone(),
                commits: history.commits,
                lines_added: history.added,
                lines_deleted: history.deleted,
                authors: inputs.authors.then_some(history.authors.len() as u64),
                cyclomatic,
                max_cognitive: summary
                    .functions
                    .iter()
                    .map(|f| f.cognitive)
                    .max()
                    .unwrap_or(0),
                code_lines: summary.code_lines,
                score: history.commits * cyclomatic,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.path.cmp(&b.path)));
    out
}

/// Functions present at the end whose cognitive complexity grew since they were first seen,
/// most first (then by cyclomatic growth, path and name).
fn worsened(inputs: &Inputs, series: &Series, last: &Totals) -> Vec<Worsened> {
    let mut out: Vec<Worsened> = series
        .functions
        .iter()
        .filter(|((file, _), _)| last.live.contains_key(file))
        .filter_map(|((file, name), points)| {
            let first = points.iter().find(|p| p.present)?;
            let end = points.last().filter(|p| p.present)?;
            (end.cognitive > first.cognitive).then(|| Worsened {
                path: inputs.replay.files[*file].rel.clone(),
                name: name.clone(),
                cognitive_before: first.cognitive,
                cognitive_after: end.cognitive,
                cyclomatic_before: first.cyclomatic,
                cyclomatic_after: end.cyclomatic,
                since: first.commit,
            })
        })
        .collect();
    let growth = |w: &Worsened| {
        (
            w.cognitive_after - w.cognitive_before,
            i64::from(w.cyclomatic_after) - i64::from(w.cyclomatic_before),
        )
    };
    out.sort_by(|a, b| {
        growth(b)
            .cmp(&growth(a))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// All findings of a commit.
pub fn findings_total(c: &CommitPoint) -> u64 {
    c.findings.values().sum()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn signed(a: u64, b: u64) -> String {
    match b.cmp(&a) {
        std::cmp::Ordering::Greater => format!("+{}", thousands(b - a)),
        std::cmp::Ordering::Less => format!("-{}", thousands(a - b)),
        std::cmp::Ordering::Equal => "0".into(),
    }
}

/// Short commit id.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

/// The trend rows: (label, value at the first commit, at the last).
pub fn trend_rows(first: &CommitPoint, last: &CommitPoint) -> Vec<(&'static str, u64, u64)> {
    type Value = fn(&CommitPoint) -> u64;
    let values: [(&'static str, Value); 10] = [
        ("files", |c| c.files),
        ("functions", |c| c.functions),
        ("code lines", |c| c.code_lines),
        ("cyclomatic median", |c| c.cyclomatic.median.into()),
        ("cyclomatic p90", |c| c.cyclomatic.p90.into()),
        ("cyclomatic max", |c| c.cyclomatic.max.into()),
        ("cognitive median", |c| c.cognitive.median.into()),
        ("cognitive p90", |c| c.cognitive.p90.into()),
        ("cognitive max", |c| c.cognitive.max.into()),
        ("findings", findings_total),
    ];
    values
        .iter()
        .map(|(label, value)| (*label, value(first), value(last)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_follow_nearest_rank_as_values_come_and_go() {
        let mut h = Histogram::default();
        for v in [1, 2, 3, 4, 5, 6, 7, 8, 9, 2000] {
            h.add(v, 1);
        }
        assert_eq!(
            h.dist(),
            Dist {
                median: 5,
                p90: 9,
                max: 2000,
                total: 2045
            }
        );
        h.add(2000, -1);
        h.add(9, -1);
        assert_eq!(
            h.dist(),
            Dist {
                median: 4,
                p90: 8,
                max: 8,
                total: 36
            }
        );
        let mut sorted: Vec<u32> = (1..=8).collect();
        sorted.sort_unstable();
        // ceil(0.5 × 8) = 4th value; ceil(0.9 × 8) = 8th.
        assert_eq!(sorted[3], h.quantile(0.5));
        assert_eq!(sorted[7], h.quantile(0.9));
        assert_eq!(Histogram::default().dist(), Dist::default());
    }
}
