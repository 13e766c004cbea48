//! Severity, Finding and the ordering every reporter relies on.

use clap::ValueEnum;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered: `info` < `low` < `medium` < `high` < `critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ValueEnum,
    bincode::Encode,
    bincode::Decode,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What kind of problem a rule finds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Complexity,
    Size,
    Design,
    ErrorProne,
    Security,
    Style,
    Docs,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Complexity => "complexity",
            Category::Size => "size",
            Category::Design => "design",
            Category::ErrorProne => "error-prone",
            Category::Security => "security",
            Category::Style => "style",
            Category::Docs => "docs",
        }
    }
}

/// One problem found at one place. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Finding {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The enclosing function or class, by qualified name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The first line of the finding, trimmed.
    pub snippet: String,
    /// Stable across edits that move code up or down: rule, path, symbol and snippet.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// The measured value, for metric rules (what a baseline compares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    /// Accepted by the baseline: not shown, not counted toward `--fail-on`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
    /// Already present at the merge-base of `--new-since`: not shown, not counted toward
    /// `--fail-on`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preexisting: bool,
}

/// A fingerprint from what identifies a finding, never its line number. White space in the
/// snippet is normalised so re-indenting keeps it.
pub fn fingerprint(rule: &str, path: &str, symbol: Option<&str>, snippet: &str) -> String {
    let mut hasher = Md5::new();
    for part in [
        rule,
        path,
        symbol.unwrap_or(""),
        &snippet.split_whitespace().collect::<Vec<_>>().join(" "),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fills in the fingerprints of one file's findings (in their report order), from the
/// project-relative path, so they never depend on how the command was typed. Identical
/// findings (same rule, symbol and line text) are told apart by their occurrence: the second
/// gets `#2` in its hash, and so on.
pub fn set_fingerprints(findings: &mut [Finding], rel_path: &str) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let base = fingerprint(&f.rule, rel_path, f.symbol.as_deref(), &f.snippet);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        f.fingerprint = if *n == 1 {
            base
        } else {
            let snippet = format!("{}\0#{n}", f.snippet);
            fingerprint(&f.rule, rel_path, f.symbol.as_deref(), &snippet)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    }

    #[test]
    fn fingerprint_ignores_indentation_but_not_symbol() {
        let a = fingerprint("r", "a.py", Some("f"), "  if x:  y");
        let b = fingerprint("r", "a.py", Some("f"), "if x: y");
        let c = fingerprint("r", "a.py", Some("g"), "if x: y");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 16);
    }

    // Two identical findings in one function shared a fingerprint, so a baseline could not
    // tell them apart.
    #[test]
    fn identical_findings_get_distinct_stable_fingerprints() {
        let finding = |line| Finding {
            rule: "eval-exec".into(),
            category: Category::Security,
            severity: Severity::High,
            message: "eval".into(),
            path: "/abs/typed/a.py".into(),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 5,
            symbol: Some("f".into()),
            snippet: "eval(x)".into(),
            fingerprint: String::new(),
            suppressed: false,
            value: None,
            baselined: false,
            preexisting: false,
        };
        let mut two = vec![finding(3), finding(9)];
        set_fingerprints(&mut two, "a.py");
        assert_ne!(two[0].fingerprint, two[1].fingerprint);
        // Moved down, and from another directory: the same fingerprints.
        let mut moved = vec![finding(13), finding(19)];
        moved[0].path = "a.py".into();
        set_fingerprints(&mut moved, "a.py");
        assert_eq!(moved[0].fingerprint, two[0].fingerprint);
        assert_eq!(moved[1].fingerprint, two[1].fingerprint);
    }
}
