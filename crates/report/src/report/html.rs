//! `--format html`: one self-contained page that opens offline. Overview (verdict, totals,
//! findings by severity, category and language), charts as inline SVG (a histogram of function
//! complexity, directories by code lines coloured by their worst complexity), hotspots, and a
//! findings table rendered worst first, so it reads without JavaScript. One inline script,
//! allowed by its hash in a strict Content-Security-Policy, sorts and filters the table and
//! builds each file's function metrics from a JSON data block when it is opened. Every text
//! from code, paths and messages is escaped; the data block escapes `<`, `>`, `&`, U+2028
//! and U+2029, so no name can end it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use base64::Engine as _;
use serde_json::json;
use sha2::Digest as _;

use super::analyze::AnalyzeReport;
use super::options::{by_severity, ReportOptions};
use wtfcb_core::findings::Severity;

const SCRIPT: &str = include_str!("html/report.js");
/// Findings rows written into the page; the script adds the rest in chunks after the first
/// paint, so a report with thousands of findings still opens at once.
const PAGE_ROWS: usize = 1000;
const STYLE: &str = include_str!("html/report.css");

/// Text as HTML: `&`, `<`, `>`, `"` and `'` as entities (safe in elements and quoted
/// attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: nothing in it can close the element or be read as
/// markup, and it stays valid JavaScript for old parsers (U+2028, U+2029).
pub fn script_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The Content-Security-Policy: nothing may load or connect; inline style; the one script
/// by its hash.
pub fn content_security_policy() -> String {
    let hash = sha2::Sha256::digest(SCRIPT.as_bytes());
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

fn rank(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn sev(s: Severity) -> String {
    format!("<span class=\"sev {0}\">{0}</span>", s.as_str())
}

/// A horizontal bar chart: one labelled bar per row, with its value and note as text beside
/// it (colour is never the only signal).
fn bar_chart(title: &str, rows: &[(String, u64, &str, String)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let height = 22 * rows.len() + 8;
    let mut svg = format!(
        "<svg viewBox=\"0 0 800 {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    for (i, (label, value, colour, note)) in rows.iter().enumerate() {
        let y = 4 + i * 22;
        let w = (*value as f64 / max as f64 * 330.0).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"230\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" fill=\"{colour}\"><title>{}</title></rect><text x=\"{:.1}\" y=\"{}\">{value} {}</text>",
            y + 12,
            escape(&shorten(label, 34)),
            escape(label),
            236.0 + w,
            y + 12,
            escape(note)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
}

/// Counts of functions by cyclomatic complexity, as vertical bars.
fn histogram(report: &AnalyzeReport) -> String {
    let buckets: [(&str, u32, u32); 6] = [
        ("1", 1, 1),
        ("2–5", 2, 5),
        ("6–10", 6, 10),
        ("11–20", 11, 20),
        ("21–50", 21, 50),
        ("> 50", 51, u32::MAX),
    ];
    let mut counts = [0u64; 6];
    for f in report.files.iter().flat_map(|f| &f.facts.functions) {
        if let Some(i) = buckets
            .iter()
            .position(|(_, lo, hi)| (*lo..=*hi).contains(&f.cyclomatic))
        {
            counts[i] += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut svg = String::from(
        "<svg viewBox=\"0 0 420 200\" width=\"100%\" role=\"img\" aria-label=\"Functions by cyclomatic complexity\">",
    );
    for (i, ((label, lo, _), n)) in buckets.iter().zip(counts).enumerate() {
        let h = (n as f64 / max as f64 * 140.0).max(if n > 0 { 1.0 } else { 0.0 });
        let x = 10 + i * 68;
        let colour = if *lo > 20 {
            "#cf222e"
        } else if *lo > 10 {
            "#bf8700"
        } else {
            "#2da44e"
        };
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"56\" height=\"{h:.1}\" fill=\"{colour}\"><title>{label}: {n}</title></rect><text x=\"{}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text><text x=\"{}\" y=\"190\" text-anchor=\"middle\">{label}</text>",
            170.0 - h,
            x + 28,
            165.0 - h,
            x + 28
        );
    }
    svg.push_str("</svg>");
    svg
}

fn colour_for(worst: u32) -> &'static str {
    if worst > 20 {
        "#cf222e"
    } else if worst > 10 {
        "#bf8700"
    } else {
        "#2da44e"
    }
}

/// Directories (two levels deep) by code lines, coloured by their worst function.
fn directories(report: &AnalyzeReport) -> String {
    let mut dirs: BTreeMap<String, (u64, u32)> = BTreeMap::new();
    for f in &report.files {
        let parts: Vec<&str> = f.rel.split('/').collect();
        let dir = if parts.len() <= 1 {
            ".".to_string()
        } else {
            parts[..(parts.len() - 1).min(2)].join("/")
        };
        let e = dirs.entry(dir).or_default();
        e.0 += u64::from(f.facts.lines.code);
        e.1 = e.1.max(
            f.facts
                .functions
                .iter()
                .map(|x| x.cyclomatic)
                .max()
                .unwrap_or(0),
        );
    }
    let mut rows: Vec<_> = dirs.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    rows.truncate(20);
    let rows: Vec<(String, u64, &str, String)> = rows
        .into_iter()
        .map(|(d, (lines, worst))| {
            (
                d,
                lines,
                colour_for(worst),
                format!("lines · max CC {worst}"),
            )
        })
        .collect();
    bar_chart("Directories by code lines", &rows)
}

/// Counts by a key, as a two-column table, largest first.
fn count_table(head: &str, counts: &BTreeMap<String, u64>) -> String {
    let mut rows: Vec<_> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut t = format!(
        "<table><thead><tr><th>{}</th><th class=\"num\">findings</th></tr></thead><tbody>",
        escape(head)
    );
    for (k, n) in rows {
        let _ = write!(
            t,
            "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
            escape(k)
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// What the project phase found, readable without the script: the duplication share and
/// each import cycle with its files (when those rules ran).
fn across_files(
    h: &mut String,
    report: &AnalyzeReport,
    findings: &[(
        &wtfcb_engine::engine::FileRecord,
        &wtfcb_core::findings::Finding,
    )],
) {
    let project = &report.summary.project;
    if project.duplication.is_none() && project.imports.is_none() {
        return;
    }
    h.push_str("<section id=\"across\"><h2>Across files</h2>");
    if let Some(d) = &project.duplication {
        let _ = write!(
            h,
            "<p>Duplicated code: {} lines in {} group(s), {}% of {} code lines compared ({}).</p>",
            d.duplicated_lines, d.groups, d.percent, d.code_lines, d.mode
        );
    }
    if let Some(g) = &project.imports {
        let _ = write!(
            h,
            "<p>Imports: {} resolved between {} files, {} external, {} unresolved; {} cycle(s).</p>",
            g.edges, g.files, g.external, g.unresolved, g.cycles
        );
    }
    let cycles: Vec<&wtfcb_core::findings::Finding> = findings
        .iter()
        .map(|(_, f)| *f)
        .filter(|f| f.rule == "import-cycle")
        .collect();
    if !cycles.is_empty() {
        h.push_str("<ul id=\"cycles\">");
        for f in cycles {
            let _ = write!(
                h,
                "<li><code>{}</code>: {}</li>",
                escape(&f.path),
                escape(&f.message)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

// wtfcb: ignore[long-function] -- the page, section by section, in reading order.
pub fn write(out: &mut dyn Write, report: &AnalyzeReport, o: &ReportOptions) -> anyhow::Result<()> {
    let s = &report.summary;
    let findings: Vec<_> = by_severity(report)
        .into_iter()
        .filter(|(_, f)| !f.suppressed)
        .collect();
    let file_index: BTreeMap<&str, usize> = report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    let verdict = super::analyze::verdict(report, o.fail_on);
    let failed = verdict.starts_with("FAILED");
    let mut h = String::with_capacity(1 << 16);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>wtfcb report</title><style>{STYLE}</style></head><body>\
<header><h1>wtfcb report</h1><p class=\"verdict {}\">{} {}</p>\
<p class=\"muted\">wtfcb {} · {} files · {} functions · {} findings shown{}</p></header><main>",
        content_security_policy(),
        if failed { "failed" } else { "passed" },
        if failed { "✖" } else { "✔" },
        escape(&verdict),
        escape(report.version),
        s.files,
        s.functions,
        findings.len(),
        escape(&super::analyze::hidden_counts(s, " · ")),
    );
    // Overview.
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_language: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_sev: BTreeMap<Severity, u64> = BTreeMap::new();
    for (file, f) in &findings {
        *by_category
            .entry(f.category.as_str().to_string())
            .or_default() += 1;
        *by_language
            .entry(file.language.name().to_string())
            .or_default() += 1;
        *by_sev.entry(f.severity).or_default() += 1;
    }
    h.push_str("<section id=\"overview\"><h2>Overview</h2><div class=\"grid\"><div><table><thead><tr><th>severity</th><th class=\"num\">findings</th></tr></thead><tbody>");
    for sv in Severity::ALL.iter().rev() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            sev(*sv),
            by_sev.get(sv).copied().unwrap_or(0)
        );
    }
    h.push_str("</tbody></table></div><div>");
    h.push_str(&count_table("category", &by_category));
    h.push_str("</div><div>");
    h.push_str(&count_table("language", &by_language));
    h.push_str("</div></div></section>");
    // Charts.
    h.push_str("<section id=\"charts\"><h2>Complexity and size</h2><div class=\"grid\"><figure><figcaption>Functions by cyclomatic complexity</figcaption>");
    h.push_str(&histogram(report));
    h.push_str("</figure><figure><figcaption>Directories by code lines (bar), with the worst cyclomatic complexity inside (colour and text)</figcaption>");
    h.push_str(&directories(report));
    h.push_str("</figure></div></section>");
    // Hotspots: files ranked by their complexity times their findings.
    let mut per_file: BTreeMap<&str, u64> = BTreeMap::new();
    for (file, _) in &findings {
        *per_file.entry(file.path.as_str()).or_default() += 1;
    }
    let mut hotspots: Vec<(&str, u64, u64, u64)> = report
        .files
        .iter()
        .filter(|f| !report.out_of_focus.contains(&f.rel))
        .filter_map(|f| {
            let n = *per_file.get(f.path.as_str())?;
            let cc: u64 = f
                .facts
                .functions
                .iter()
                .map(|x| u64::from(x.cyclomatic))
                .sum();
            Some((f.path.as_str(), cc * n, cc, n))
        })
        .collect();
    hotspots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    hotspots.truncate(20);
    h.push_str("<section id=\"hotspots\"><h2>Hotspots</h2><p class=\"muted\">Files ranked by total cyclomatic complexity × findings.</p><div class=\"scroll\"><table><thead><tr><th>file</th><th class=\"num\">score</th><th class=\"num\">cyclomatic</th><th class=\"num\">findings</th></tr></thead><tbody>");
    for (path, score, cc, n) in &hotspots {
        let _ = write!(
            h,
            "<tr><td class=\"path\">{}</td><td class=\"num\">{score}</td><td class=\"num\">{cc}</td><td class=\"num\">{n}</td></tr>",
            escape(path)
        );
    }
    h.push_str("</tbody></table></div></section>");
    // Findings: rendered worst first; the script sorts and filters these rows.
    let _ = write!(
        h,
        "<section id=\"findings\"><h2>Findings (<span id=\"findings-count\">{}</span>)</h2>\
<div class=\"filters\"><label>minimum severity<select id=\"f-severity\"><option value=\"\">any</option>{}</select></label>\
<label>rule<select id=\"f-rule\"><option value=\"\">any</option>{}</select></label>\
<label>path contains<input id=\"f-path\" type=\"search\" placeholder=\"src/\"></label></div>\
<div class=\"scroll\"><table><thead><tr><th data-key=\"severity\" aria-sort=\"ascending\"><button type=\"button\">severity</button></th>\
<th data-key=\"rule\"><button type=\"button\">rule</button></th><th data-key=\"path\"><button type=\"button\">location</button></th>\
<th data-key=\"message\"><button type=\"button\">message</button></th><th class=\"hide-narrow\">symbol</th></tr></thead><tbody id=\"findings-body\" data-total=\"{}\">",
        findings.len(),
        Severity::ALL
            .iter()
            .rev()
            .map(|sv| format!("<option value=\"{}\">{}</option>", rank(*sv), sv.as_str()))
            .collect::<String>(),
        findings
            .iter()
            .map(|(_, f)| f.rule.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|r| format!("<option>{}</option>", escape(r)))
            .collect::<String>(),
        findings.len(),
    );
    let mut rows = Vec::with_capacity(findings.len());
    for (i, (file, f)) in findings.iter().enumerate() {
        let snippet = if o.html_source {
            f.snippet.as_str()
        } else {
            ""
        };
        rows.push(json!([
            rank(f.severity),
            f.rule,
            file_index.get(file.path.as_str()).copied().unwrap_or(0),
            f.start_line,
            f.message,
            f.symbol.as_deref().unwrap_or(""),
            snippet
        ]));
        // The worst ones are in the page itself (readable without JavaScript); the script
        // adds the rest from the data block after the first paint.
        if i >= PAGE_ROWS {
            continue;
        }
        let source = if snippet.is_empty() {
            String::new()
        } else {
            format!("<pre class=\"src\">{}</pre>", escape(snippet))
        };
        let _ = write!(
            h,
            "<tr data-i=\"{i}\"><td>{}</td><td><code>{}</code></td><td class=\"path\">{}:{}</td><td>{}{source}</td><td class=\"hide-narrow\"><code>{}</code></td></tr>",
            sev(f.severity),
            escape(&f.rule),
            escape(&file.path),
            f.start_line,
            escape(&f.message),
            escape(f.symbol.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</tbody></table></div>");
    if findings.len() > PAGE_ROWS {
        let _ = write!(
            h,
            "<p id=\"findings-more\" class=\"muted\">The {} most severe findings are listed; the other {} appear once the page's script has run (every report format has them all).</p>",
            PAGE_ROWS,
            findings.len() - PAGE_ROWS
        );
    }
    h.push_str("</section>");
    across_files(&mut h, report, &findings);
    // Files: each one's functions, built by the script when opened.
    h.push_str("<section id=\"files\"><h2>Files</h2><p class=\"muted\">Open a file for its functions' metrics.</p>");
    let mut files_data = Vec::with_capacity(report.files.len());
    for (i, f) in report.files.iter().enumerate() {
        let worst = f
            .facts
            .functions
            .iter()
            .map(|x| x.cyclomatic)
            .max()
            .unwrap_or(0);
        let _ = write!(
            h,
            "<details data-file=\"{i}\"><summary><span class=\"path\">{}</span> <span class=\"muted\">{} · {} code lines · {} functions · worst cyclomatic {worst} · {} findings</span></summary></details>",
            escape(&f.path),
            escape(f.language.name()),
            f.facts.lines.code,
            f.facts.functions.len(),
            per_file.get(f.path.as_str()).copied().unwrap_or(0)
        );
        let functions: Vec<serde_json::Value> = f
            .facts
            .functions
            .iter()
            .map(|x| {
                json!([
                    x.qualified_name,
                    x.start_line,
                    x.cyclomatic,
                    x.cognitive,
                    x.max_nesting,
                    x.parameters,
                    x.code_lines,
                    x.returns
                ])
            })
            .collect();
        files_data.push(json!([
            f.path,
            f.language.name(),
            f.facts.lines.code,
            functions
        ]));
    }
    h.push_str("</section></main>");
    let data = json!({ "findings": rows, "files": files_data });
    let _ = writeln!(
        h,
        "<script type=\"application/json\" id=\"wtfcb-data\">{}</script><script>{SCRIPT}</script></body></html>",
        script_json(&data)
    );
    out.write_all(h.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_from_input_can_become_markup() {
        assert_eq!(
            escape("</script><img src=x onerror=alert(1)>'\"&"),
            "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&quot;&amp;"
        );
        let data = script_json(&json!([
            "</script><script>alert(1)</script>",
            "a\u{2028}b&"
        ]));
        assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'));
        assert!(data.contains("\\u2028"));
        // Still the same data once parsed.
        let back: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert_eq!(back[0], "</script><script>alert(1)</script>");
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_script() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none';"));
        assert_eq!(csp.matches("sha256-").count(), 1);
    }
}
