//! `wtfcb rules`: the rule table (all, or one category), one rule's documentation, or all of
//! it as JSON.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::bail;
use serde::Serialize;

use crate::cli::RulesFormat;
use wtfcb_core::rules::{self, RuleMeta};

use super::ExitStatus;

/// The table's width: it fits a 100-column terminal.
const WIDTH: usize = 100;

/// One rule as `wtfcb rules --format json` lists it.
#[derive(Serialize)]
struct RuleJson {
    id: &'static str,
    category: &'static str,
    severity: &'static str,
    summary: &'static str,
    thresholds: BTreeMap<&'static str, u32>,
    graded: bool,
    skips_tests: bool,
    /// Empty: every language.
    languages: Vec<&'static str>,
    config_key: String,
    doc: &'static str,
}

fn languages(m: &RuleMeta) -> String {
    if m.languages.is_empty() {
        "all".to_string()
    } else {
        m.languages
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn run(
    id: Option<&str>,
    format: RulesFormat,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let all: Vec<&RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
    let by_category = |c: &str| -> Vec<&RuleMeta> {
        all.iter()
            .copied()
            .filter(|m| m.category.as_str() == c)
            .collect()
    };
    let one = id.and_then(rules::find).map(|r| r.meta());
    if let (Some(m), RulesFormat::Text) = (one, format) {
        return write_doc(m, out);
    }
    let chosen: Vec<&RuleMeta> = match (id, one) {
        (None, _) => all,
        (Some(_), Some(m)) => vec![m],
        (Some(c), None) if !by_category(c).is_empty() => by_category(c),
        (Some(other), None) => bail!("unknown rule or category {other:?} (see `wtfcb rules`)"),
    };
    match format {
        RulesFormat::Json => {
            let list: Vec<RuleJson> = chosen
                .iter()
                .map(|m| RuleJson {
                    id: m.id,
                    category: m.category.as_str(),
                    severity: m.severity.as_str(),
                    summary: m.summary,
                    thresholds: m.thresholds.iter().copied().collect(),
                    graded: m.graded,
                    skips_tests: m.skips_tests,
                    languages: m.languages.iter().map(|l| l.name()).collect(),
                    config_key: format!("rules.{}", m.id),
                    doc: m.doc,
                })
                .collect();
            wtfcb_report::report::json::write(out, &list)?;
        }
        RulesFormat::Text => {
            writeln!(
                out,
                "{:<24} {:<12} {:<8} summary",
                "id", "category", "severity"
            )?;
            for m in chosen {
                let line = format!(
                    "{:<24} {:<12} {:<8} {}",
                    m.id,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.summary
                );
                let cut = line
                    .char_indices()
                    .nth(WIDTH - 1)
                    .map_or(line.as_str(), |(i, _)| &line[..i]);
                if cut.len() < line.len() {
                    writeln!(out, "{cut}…")?;
                } else {
                    writeln!(out, "{line}")?;
                }
            }
            writeln!(
                out,
                "\n`wtfcb rules ID` documents one rule; `wtfcb rules CATEGORY` lists a category."
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

/// One rule's documentation: what it finds, its thresholds and languages, how to configure and
/// how to suppress it.
fn write_doc(m: &RuleMeta, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    writeln!(
        out,
        "{} ({}, default severity {})",
        m.id,
        m.category.as_str(),
        m.severity.as_str()
    )?;
    writeln!(out, "{}", m.summary)?;
    writeln!(out, "Languages: {}", languages(m))?;
    if !m.thresholds.is_empty() {
        writeln!(out, "Thresholds: {}", m.thresholds_text())?;
    }
    if m.skips_tests {
        writeln!(out, "Skips test code.")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", m.doc)?;
    writeln!(out)?;
    let example = if m.graded {
        let steps: Vec<String> = m
            .thresholds
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        format!("thresholds = {{ {} }}", steps.join(", "))
    } else if !m.thresholds.is_empty() {
        let named: Vec<String> = m
            .thresholds
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        format!(
            "thresholds = {{ {} }}\nseverity = \"{}\"",
            named.join(", "),
            m.severity.as_str()
        )
    } else {
        format!("severity = \"{}\"", m.severity.as_str())
    };
    writeln!(
        out,
        "Configure (wtfcb.toml):\n[rules.{}]\nenabled = true\n{example}",
        m.id
    )?;
    writeln!(
        out,
        "\nSuppress: a comment `wtfcb: ignore[{id}]` on the finding's line or the line above, or \
         `wtfcb: ignore-file[{id}]` anywhere in the file.",
        id = m.id
    )?;
    Ok(ExitStatus::Success)
}
