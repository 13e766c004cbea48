//! `--format gitlab`: a GitLab Code Quality report, the JSON array GitLab's merge-request
//! widget reads (`artifacts: reports: codequality`). Suppressed findings are left out; each
//! finding's fingerprint is unique (rule, path, symbol, line text and occurrence).

use std::io::Write;

use serde::Serialize;

use super::analyze::AnalyzeReport;
use super::options::{by_severity, ReportOptions};
use wtfcb_core::findings::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    categories: [&'static str; 1],
    fingerprint: &'a str,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

pub fn write(out: &mut dyn Write, report: &AnalyzeReport, o: &ReportOptions) -> anyhow::Result<()> {
    let issues: Vec<Issue> = by_severity(report)
        .into_iter()
        .filter(|(_, f)| !f.suppressed)
        .map(|(file, f)| Issue {
            kind: "issue",
            check_name: &f.rule,
            description: &f.message,
            categories: [category(f.category)],
            fingerprint: &f.fingerprint,
            severity: match f.severity {
                Severity::Info => "info",
                Severity::Low => "minor",
                Severity::Medium => "major",
                Severity::High => "critical",
                Severity::Critical => "blocker",
            },
            location: Location {
                path: format!("{}{}", o.repo_prefix, file.rel),
                lines: Lines {
                    begin: f.start_line,
                    end: f.end_line,
                },
            },
        })
        .collect();
    super::json::pretty(out, &issues)?;
    Ok(())
}

/// GitLab Code Quality's category of a finding's category (one of its eight; every category
/// named, so a new one is a compile error here).
fn category(c: wtfcb_core::findings::Category) -> &'static str {
    use wtfcb_core::findings::Category;
    match c {
        Category::Complexity | Category::Size => "Complexity",
        Category::Security => "Security",
        Category::Style | Category::Docs => "Style",
        Category::Duplication => "Duplication",
        Category::Design => "Clarity",
        Category::ErrorProne => "Bug Risk",
    }
}

#[cfg(test)]
mod tests {
    use wtfcb_core::findings::Category;

    // Issue 28: duplicate-code findings went to GitLab as `Bug Risk`.
    #[test]
    fn categories_are_gitlabs_own() {
        assert_eq!(super::category(Category::Duplication), "Duplication");
        assert_eq!(super::category(Category::ErrorProne), "Bug Risk");
        assert_eq!(super::category(Category::Design), "Clarity");
        assert_eq!(super::category(Category::Size), "Complexity");
    }
}
