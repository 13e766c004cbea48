//! `wtfcb rules`: the rule table, or one rule's documentation.

use std::io::Write;

use anyhow::bail;

use crate::rules;

use super::ExitStatus;

pub fn run(id: Option<&str>, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match id {
        None => {
            writeln!(
                out,
                "{:<25} {:<12} {:<9} {:<31} {:<38} summary",
                "id", "category", "severity", "thresholds", "languages"
            )?;
            for rule in rules::registry() {
                let m = rule.meta();
                let langs = if m.languages.is_empty() {
                    "all".to_string()
                } else {
                    m.languages
                        .iter()
                        .map(|l| l.name())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                writeln!(
                    out,
                    "{:<25} {:<12} {:<9} {:<31} {:<38} {}",
                    m.id,
                    m.category.as_str(),
                    m.severity.as_str(),
                    if m.thresholds.is_empty() {
                        "-".to_string()
                    } else {
                        m.thresholds_text()
                    },
                    langs,
                    m.summary
                )?;
            }
        }
        Some(id) => {
            let Some(rule) = rules::find(id) else {
                bail!("unknown rule {id:?} (see `wtfcb rules`)");
            };
            let m = rule.meta();
            writeln!(
                out,
                "{} ({}, default severity {})",
                m.id,
                m.category.as_str(),
                m.severity.as_str()
            )?;
            writeln!(out, "{}", m.summary)?;
            if !m.thresholds.is_empty() {
                writeln!(out, "Thresholds: {}", m.thresholds_text())?;
            }
            if m.skips_tests {
                writeln!(out, "Skips test code.")?;
            }
            writeln!(out)?;
            writeln!(out, "{}", m.doc)?;
        }
    }
    Ok(ExitStatus::Success)
}
