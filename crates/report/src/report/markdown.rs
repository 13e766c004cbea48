//! `--format markdown`: a summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`. The
//! verdict, counts by severity and category, findings by file in `<details>` sections (at most
//! `--max-findings`, most severe first, then "N more not shown"), and the most complex
//! functions. Every piece of text from code, paths or messages is escaped, so it can neither
//! break a table nor inject HTML.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use super::analyze::AnalyzeReport;
use super::options::{by_severity, ReportOptions};
use wtfcb_core::findings::Severity;

/// Text that renders as itself in GitHub-flavoured Markdown, in a table cell too: HTML's
/// special characters as entities, the punctuation that makes emphasis, code, links,
/// strikethrough or a table cell boundary backslash-escaped, line breaks as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for inside `<code>` (a path, a name): HTML-escaped, a table cell's `|` as an entity, and
/// every control character written out (`\n`), so that no name can end the HTML block around
/// it (a blank line does) and have what follows rendered as Markdown: a heading, a link, a
/// mention.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in super::html::escape(text).chars() {
        match c {
            '|' => out.push_str("&#124;"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🛑 critical",
        Severity::High => "🔴 high",
        Severity::Medium => "🟠 medium",
        Severity::Low => "🔵 low",
        Severity::Info => "⚪ info",
    }
}

/// Counts by category and severity of the findings listed (after `--min-severity`).
fn counts_table(
    md: &mut String,
    shown: &[(
        &wtfcb_engine::engine::FileRecord,
        &wtfcb_core::findings::Finding,
    )],
) -> std::fmt::Result {
    let mut table: BTreeMap<&str, BTreeMap<Severity, u64>> = BTreeMap::new();
    for (_, f) in shown {
        *table
            .entry(f.category.as_str())
            .or_default()
            .entry(f.severity)
            .or_default() += 1;
    }
    if !table.is_empty() {
        md.push_str("| category |");
        for sev in Severity::ALL.iter().rev() {
            write!(md, " {} |", icon(*sev))?;
        }
        md.push_str("\n| --- |");
        for _ in Severity::ALL {
            md.push_str(" ---: |");
        }
        md.push('\n');
        for (category, counts) in &table {
            write!(md, "| {} |", escape(category))?;
            for sev in Severity::ALL.iter().rev() {
                write!(md, " {} |", counts.get(sev).copied().unwrap_or(0))?;
            }
            md.push('\n');
        }
        md.push('\n');
    }
    Ok(())
}

pub fn write(out: &mut dyn Write, report: &AnalyzeReport, o: &ReportOptions) -> anyhow::Result<()> {
    let s = &report.summary;
    let mut md = String::new();
    let verdict = super::analyze::verdict(report, o.fail_on);
    let mark = if verdict.starts_with("FAILED") {
        "❌"
    } else {
        "✅"
    };
    writeln!(md, "## wtfcb: {mark} {}\n", escape(&verdict))?;
    let total: u64 = s.by_severity.values().sum();
    writeln!(
        md,
        "{} files, {} functions, {} findings{}\n",
        s.files,
        s.functions,
        total,
        escape(&super::analyze::hidden_counts(s, ", ")),
    )?;
    let shown: Vec<_> = by_severity(report)
        .into_iter()
        .filter(|(_, f)| !f.suppressed)
        .collect();
    counts_table(&mut md, &shown)?;
    // Findings by file, the files in order of their worst finding.
    let listed = &shown[..shown.len().min(o.max_findings)];
    let mut files: Vec<&str> = Vec::new();
    let mut by_file: BTreeMap<&str, Vec<&wtfcb_core::findings::Finding>> = BTreeMap::new();
    for (file, f) in listed {
        if !by_file.contains_key(file.path.as_str()) {
            files.push(&file.path);
        }
        by_file.entry(&file.path).or_default().push(f);
    }
    for path in files {
        let findings = &by_file[path];
        writeln!(
            md,
            "<details><summary><code>{}</code>: {} finding(s)</summary>\n",
            code(path),
            findings.len()
        )?;
        md.push_str("| line | severity | rule | message |\n| ---: | --- | --- | --- |\n");
        let mut sorted = findings.clone();
        sorted.sort_by_key(|f| (f.start_line, f.start_column));
        for f in sorted {
            writeln!(
                md,
                "| {} | {} | {} | {} |",
                f.start_line,
                icon(f.severity),
                escape(&f.rule),
                escape(&f.message)
            )?;
        }
        md.push_str("\n</details>\n\n");
    }
    if shown.len() > listed.len() {
        writeln!(
            md,
            "{} more not shown (`--max-findings {}`); the full list is in the JSON, SARIF or HTML report.\n",
            shown.len() - listed.len(),
            o.max_findings
        )?;
    }
    if !s.most_complex.is_empty() && s.files >= super::analyze::HOTSPOT_MIN_FILES {
        md.push_str("### Most complex functions\n\n| function | file | line | cyclomatic | cognitive |\n| --- | --- | ---: | ---: | ---: |\n");
        for h in &s.most_complex {
            writeln!(
                md,
                "| {} | <code>{}</code> | {} | {} | {} |",
                escape(&h.function),
                code(&h.path),
                h.line,
                h.cyclomatic,
                h.cognitive
            )?;
        }
    }
    out.write_all(md.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_keeps_tables_and_html_intact() {
        assert_eq!(
            super::escape("a|b <img src=x onerror=alert(1)>\n`x`"),
            "a\\|b &lt;img src=x onerror=alert(1)&gt; \\`x\\`"
        );
        assert_eq!(super::escape("operator<"), "operator&lt;");
    }

    // Issue 27: a file named `a\n\n# All checks passed\n\n[Approve](https:evil) @octocat\n\nx.py`
    // ended the `<details><summary><code>` block: the blank line closes an HTML block, and
    // what followed rendered as a heading, a link and a mention.
    #[test]
    fn a_name_cannot_leave_its_code_element() {
        let name = "a\n\n# All checks passed\r\n\n[Approve](https:evil) @x</code>|\u{1b}.py";
        let shown = super::code(name);
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(
            !shown.contains("</code>") && !shown.contains('|'),
            "{shown}"
        );
        assert_eq!(
            shown,
            "a\\n\\n# All checks passed\\r\\n\\n[Approve](https:evil) @x&lt;/code&gt;&#124;\\u{1b}.py"
        );
    }
}
