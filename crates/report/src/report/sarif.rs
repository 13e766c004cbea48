//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Rules come from the rule
//! registry with their full help; results carry repo-relative URIs under `%SRCROOT%`, UTF-16
//! columns, GitHub's own line hash and a line-free `wtfcb/v1` identity as fingerprints, and
//! suppressions. GitHub's upload limits are enforced before writing (most severe results
//! kept); what was dropped is said in `run.properties` and on stderr.

use std::io::Write;

use serde_json::{json, Value};

use super::analyze::AnalyzeReport;
use super::options::{by_severity, ReportOptions};
use wtfcb_core::findings::{Category, Finding, Severity};
use wtfcb_core::rules::{registry, RuleMeta};

/// GitHub code scanning's limits for one upload.
const MAX_RESULTS: usize = 25_000;
const MAX_GZIP_BYTES: usize = 10 << 20;
/// GitHub rejects longer short descriptions; and more than 10 tags per rule.
const MAX_SHORT_DESCRIPTION: usize = 1024;
const MAX_TAGS: usize = 10;
/// GitHub takes at most 1,000 locations a result: a clone group of more copies lists its first
/// 1,000 and gives the whole count in `properties`.
const MAX_RELATED: usize = 1000;

const INFORMATION_URI: &str = "https://example.invalid/wtfcb";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// How sure a rule is that what it reports is there: measured metrics and exact syntax are
/// certain; rules that read intent from convention (`_ = f()` dropping an error, an empty
/// block meant as a no-op) can be wrong.
fn precision(m: &RuleMeta) -> &'static str {
    if m.graded || !m.thresholds.is_empty() {
        return "very-high";
    }
    match m.id {
        "syntax-error" | "todo-comment" | "unused-suppression" | "goto-statement"
        | "var-declaration" | "star-import" | "bare-except" | "debugger-statement" => "very-high",
        "ignored-error" | "empty-block" | "broad-except" | "assert-outside-tests" => "medium",
        _ => "high",
    }
}

/// CVSS-like scores GitHub shows for security rules only.
fn security_severity(m: &RuleMeta) -> Option<&'static str> {
    (m.category == Category::Security).then_some(match m.severity {
        Severity::Critical => "9.0",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    })
}

/// `complex-function` → `ComplexFunction`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    format!("{}...", wtfcb_core::text::prefix(text, max - 3))
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let what = m
        .doc
        .lines()
        .next()
        .unwrap_or(m.summary)
        .trim_start_matches("What: ");
    let languages: Vec<String> = if m.languages.is_empty() {
        vec!["all-languages".to_string()]
    } else {
        m.languages
            .iter()
            .map(|l| l.name().to_ascii_lowercase())
            .collect()
    };
    let mut tags: Vec<String> = vec![m.category.as_str().to_string()];
    tags.extend(languages);
    tags.dedup();
    tags.truncate(MAX_TAGS);
    let thresholds = if m.thresholds.is_empty() {
        String::new()
    } else {
        format!("Thresholds: {}.\n", m.thresholds_text())
    };
    let configure = format!(
        "Configure: `[rules.{id}]` in wtfcb.toml (`enabled`, `severity`{th}).\nSuppress: `wtfcb: ignore[{id}]` in a comment on the line or the line above.",
        id = m.id,
        th = if m.thresholds.is_empty() { "" } else { ", `thresholds`" }
    );
    let text = format!("{}\n{thresholds}{configure}", m.doc);
    let markdown = format!(
        "**{}**\n\n{}\n\n{}{}",
        m.summary,
        m.doc
            .lines()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        if thresholds.is_empty() {
            String::new()
        } else {
            format!("{thresholds}\n")
        },
        configure.replace('\n', "\n\n")
    );
    let mut properties = json!({
        "tags": tags,
        "precision": precision(m),
        "problem.severity": match m.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "recommendation",
        },
    });
    if let Some(score) = security_severity(m) {
        properties["security-severity"] = json!(score);
    }
    json!({
        "id": m.id,
        "name": pascal(m.id),
        "shortDescription": { "text": clip(m.summary, MAX_SHORT_DESCRIPTION) },
        "fullDescription": { "text": clip(what, MAX_SHORT_DESCRIPTION) },
        "help": { "text": text, "markdown": markdown },
        "helpUri": format!("{INFORMATION_URI}#rules"),
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": properties,
    })
}

/// A path as a relative URI reference: every byte outside RFC 3986's unreserved set and `/`
/// percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// GitHub's line hash of a finding's first line, computed from the file's text in the per-file
/// pass. A cross-file finding (a clone group, an import cycle) is made in the project phase,
/// which reads no file (a shard merge has none at hand): it takes one from its line-free
/// fingerprint instead, unique in the report and stable across runs, so that GitHub neither
/// merges two clone groups that start on equal lines nor splits one that moved.
fn primary_location_hash(f: &Finding) -> String {
    if !f.line_hash.is_empty() {
        return f.line_hash.clone();
    }
    format!("{}:1", f.fingerprint)
}

fn result(path: &str, f: &Finding, rule_index: usize, o: &ReportOptions) -> Value {
    let [start_column, end_column] = f.columns_utf16.unwrap_or([f.start_column, f.end_column]);
    let mut region = json!({
        "startLine": f.start_line,
        "startColumn": start_column,
        "endLine": f.end_line,
        "endColumn": end_column,
    });
    if !f.snippet.is_empty() {
        region["snippet"] = json!({ "text": f.snippet });
    }
    let mut properties =
        json!({ "severity": f.severity.as_str(), "category": f.category.as_str() });
    if let Some(v) = f.value {
        properties["value"] = json!(v);
    }
    if let Some(symbol) = &f.symbol {
        properties["symbol"] = json!(symbol);
    }
    let fingerprints = json!({
        "wtfcb/v1": f.fingerprint,
        "primaryLocationLineHash": primary_location_hash(f),
    });
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&format!("{}{path}", o.repo_prefix)), "uriBaseId": "%SRCROOT%" },
                "region": region,
            }
        }],
        "partialFingerprints": fingerprints,
        "properties": properties,
    });
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .take(MAX_RELATED)
            .enumerate()
            .map(|(i, rel)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&format!("{}{}", o.repo_prefix, rel.rel)), "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": rel.start_line, "endLine": rel.end_line },
                    },
                    "message": { "text": rel.message },
                })
            })
            .collect();
        r["relatedLocations"] = json!(related);
        if f.related.len() > MAX_RELATED {
            r["properties"]["relatedCount"] = json!(f.related.len());
        }
    }
    if f.suppressed {
        r["suppressions"] = json!([{ "kind": "inSource" }]);
    }
    r
}

pub fn write(out: &mut dyn Write, report: &AnalyzeReport, o: &ReportOptions) -> anyhow::Result<()> {
    let rules: Vec<&RuleMeta> = registry().iter().map(|r| r.meta()).collect();
    let index = |id: &str| rules.iter().position(|m| m.id == id).unwrap_or(0);
    let mut results: Vec<Value> = by_severity(report)
        .into_iter()
        .map(|(file, f)| result(&file.rel, f, index(&f.rule), o))
        .collect();
    let total = results.len();
    results.truncate(MAX_RESULTS);
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": if e.analysis_failed { "error" } else { "warning" },
                "message": { "text": e.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&e.path) } } }],
            })
        })
        .collect();
    let build = |results: &[Value], dropped: usize| -> Value {
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "wtfcb",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules.iter().map(|m| rule_descriptor(m)).collect::<Vec<_>>(),
                }},
                "automationDetails": { "id": o.sarif_category },
                "columnKind": "utf16CodeUnits",
                "invocations": [{
                    "executionSuccessful": report.summary.analysis_failures == 0,
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
                "properties": {
                    "wtfcb/results": total,
                    "wtfcb/dropped": dropped,
                    "wtfcb/settingsFingerprint": report.settings_fingerprint,
                },
            }],
        })
    };
    // Within the compressed size limit: keep the most severe results that fit. A document
    // whose uncompressed JSON is within the limit is within it gzipped too (JSON compresses
    // far below the few bytes gzip can add), so only larger ones are compressed to measure.
    let mut kept = results.len();
    let mut sarif = build(&results[..kept], total - kept);
    while kept > 0 && over_limit(&sarif)? {
        kept = kept * 9 / 10;
        sarif = build(&results[..kept], total - kept);
    }
    if kept < total {
        eprintln!(
            "wtfcb: warning: SARIF: kept the {kept} most severe of {total} results (GitHub accepts at most {MAX_RESULTS} results and 10 MB gzipped per upload)"
        );
    }
    super::json::pretty(out, &sarif)?;
    Ok(())
}

fn over_limit(value: &Value) -> anyhow::Result<bool> {
    let compact = serde_json::to_vec(value)?;
    if compact.len() <= MAX_GZIP_BYTES - 1024 {
        return Ok(false);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&compact)?;
    Ok(gz.finish()?.len() > MAX_GZIP_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(uri("src/a b#c%.py"), "src/a%20b%23c%25.py");
        assert_eq!(uri("é.py"), "%C3%A9.py");
    }

    #[test]
    fn every_rule_descriptor_is_within_githubs_limits() {
        for r in registry() {
            let d = rule_descriptor(r.meta());
            let short = d["shortDescription"]["text"].as_str().unwrap();
            assert!(!short.is_empty() && short.len() <= MAX_SHORT_DESCRIPTION);
            assert!(!d["fullDescription"]["text"].as_str().unwrap().is_empty());
            assert!(!d["help"]["text"].as_str().unwrap().is_empty());
            assert!(d["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("wtfcb: ignore["));
            assert!(d["properties"]["tags"].as_array().unwrap().len() <= MAX_TAGS);
            let security = d["properties"].get("security-severity").is_some();
            assert_eq!(
                security,
                r.meta().category == Category::Security,
                "{}",
                r.meta().id
            );
        }
    }
}
