//! What every report format shares, below the registry of formats: the options they are
//! written with and the findings they list.

use wtfcb_core::findings::{FailOn, Severity};

use super::analyze::AnalyzeReport;

/// What the reporters need besides the report itself.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub show_suppressed: bool,
    pub fail_on: FailOn,
    pub min_severity: Severity,
    /// `--statistics`: counts per rule instead of findings (text formats).
    pub statistics: bool,
    /// `--max-findings`: the most findings a Markdown report lists.
    pub max_findings: usize,
    /// `--sarif-category`: SARIF's `automationDetails.id` prefix.
    pub sarif_category: String,
    /// The project root relative to the repository root (`/`-separated, empty or ending in
    /// `/`): what SARIF's `%SRCROOT%`-relative URIs start with.
    pub repo_prefix: String,
    /// `--html-source`: source excerpts of flagged lines in the HTML report.
    pub html_source: bool,
}

/// Findings in the order reports list them when they must choose: most severe first, then
/// path and position.
pub fn by_severity(
    report: &AnalyzeReport,
) -> Vec<(
    &wtfcb_engine::engine::FileRecord,
    &wtfcb_core::findings::Finding,
)> {
    let mut all: Vec<_> = shown(report).collect();
    all.sort_by(|(fa, a), (fb, b)| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| fa.path.cmp(&fb.path))
            .then_with(|| (a.start_line, a.start_column).cmp(&(b.start_line, b.start_column)))
    });
    all
}

/// The findings a report lists: not accepted by the baseline or `--new-since` (suppressed ones
/// are listed, marked, in the machine formats).
pub fn shown(
    report: &AnalyzeReport,
) -> impl Iterator<
    Item = (
        &wtfcb_engine::engine::FileRecord,
        &wtfcb_core::findings::Finding,
    ),
> {
    report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().flatten().map(move |x| (f, x)))
        .filter(|(_, x)| !x.baselined && !x.preexisting)
}
