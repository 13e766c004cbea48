//! `--format gitlab`: a GitLab Code Quality report, the JSON array GitLab's merge-request
//! widget reads (`artifacts: reports: codequality`). Suppressed findings are left out; each
//! finding's fingerprint is unique (rule, path, symbol, line text and occurrence).

use std::io::Write;

use serde::Serialize;

use super::analyze::AnalyzeReport;
use super::formats::{by_severity, ReportOptions};
use crate::findings::Severity;

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
            categories: [match f.category {
                crate::findings::Category::Complexity | crate::findings::Category::Size => {
                    "Complexity"
                }
                crate::findings::Category::Security => "Security",
                crate::findings::Category::Style | crate::findings::Category::Docs => "Style",
                _ => "Bug Risk",
            }],
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
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
