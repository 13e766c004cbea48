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
}
