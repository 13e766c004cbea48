//! What the server answers from a document's analysis: diagnostics, code lenses, hovers and
//! code actions, with positions in the UTF-16 columns LSP counts.

use std::collections::HashMap;
use std::path::Path;

use lsp_types as lsp;

use super::workspace::{DocOutcome, DocResult};
use wtfcb_core::facts::Function;
use wtfcb_core::findings::{Finding, Severity};
use wtfcb_core::lang::Language;

/// The command a code action runs to open a rule's documentation.
pub const OPEN_RULE_DOCS: &str = "wtfcb.openRuleDocs";

/// The line `line` (0-based) of `text`, without its line break.
fn line_of(text: &str, line: u32) -> &str {
    let line = text.split('\n').nth(line as usize).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// The UTF-16 column of byte column `byte` (0-based) in `line`.
fn utf16_column(line: &str, byte: usize) -> u32 {
    wtfcb_core::text::prefix(line, byte).encode_utf16().count() as u32
}

/// The byte offset in `text` of an LSP position (UTF-16 column), clamped to the text.
pub fn offset_of(text: &str, position: lsp::Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= position.character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// Applies one `didChange` event to a document's text.
pub fn apply_change(text: &mut String, change: lsp::TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let start = offset_of(text, range.start);
            let end = offset_of(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

/// The range of 1-based line and byte column pairs in `text`.
fn range_of(
    text: &str,
    (line, column): (u32, u32),
    (end_line, end_column): (u32, u32),
) -> lsp::Range {
    let at = |line: u32, column: u32| {
        let l = line.saturating_sub(1);
        lsp::Position::new(
            l,
            utf16_column(line_of(text, l), column.saturating_sub(1) as usize),
        )
    };
    let start = at(line, column);
    let end = at(end_line.max(line), end_column);
    lsp::Range::new(start, if end < start { start } else { end })
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Critical | Severity::High => lsp::DiagnosticSeverity::ERROR,
        Severity::Medium => lsp::DiagnosticSeverity::WARNING,
        Severity::Low => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Info => lsp::DiagnosticSeverity::HINT,
    }
}

/// Writes every rule's documentation (`wtfcb rules ID`) into `dir`, once, when the server
/// starts: `codeDescription` links and the documentation command point there.
pub fn write_rule_docs(dir: &Path) -> anyhow::Result<()> {
    for rule in wtfcb_core::rules::registry() {
        let id = rule.meta().id;
        let mut text = Vec::new();
        crate::commands::rules::run(Some(id), crate::cli::RulesFormat::Text, &mut text)?;
        std::fs::write(dir.join(format!("{id}.md")), text)?;
    }
    Ok(())
}

/// The file with a rule's documentation, in the directory [`write_rule_docs`] filled.
pub fn rule_doc(dir: &Path, rule: &str) -> Option<std::path::PathBuf> {
    wtfcb_core::rules::find(rule)?;
    Some(dir.join(format!("{rule}.md")))
}

fn diagnostic(finding: &Finding, text: &str, docs: &Path) -> lsp::Diagnostic {
    let range = range_of(
        text,
        (finding.start_line, finding.start_column),
        (finding.end_line, finding.end_column),
    );
    let href = rule_doc(docs, &finding.rule)
        .and_then(|p| super::uri_of(&p).parse::<lsp::Uri>().ok())
        .map(|href| lsp::CodeDescription { href });
    let related = finding
        .related
        .iter()
        .take(50)
        .filter_map(|r| {
            let uri = super::uri_of(Path::new(&r.path)).parse::<lsp::Uri>().ok()?;
            let start = lsp::Position::new(r.start_line.saturating_sub(1), 0);
            let end = lsp::Position::new(r.end_line.saturating_sub(1), 0);
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, lsp::Range::new(start, end)),
                message: r.message.clone(),
            })
        })
        .collect::<Vec<_>>();
    lsp::Diagnostic {
        range,
        severity: Some(severity(finding.severity)),
        code: Some(lsp::NumberOrString::String(finding.rule.clone())),
        code_description: href,
        source: Some("wtfcb".into()),
        message: finding.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A document's diagnostics: its unsuppressed findings, the last workspace run's cross-file
/// findings for it, or the failure of its analysis.
pub fn diagnostics(
    result: &DocResult,
    cross: Option<&Vec<Finding>>,
    text: &str,
    docs: &Path,
) -> Vec<lsp::Diagnostic> {
    match &result.outcome {
        DocOutcome::Analyzed(record) => {
            let own = record
                .findings
                .iter()
                .flatten()
                .filter(|f| !f.suppressed && !wtfcb_core::rules::is_project_rule(&f.rule));
            // Cross-file findings point at lines of the saved file; past its last line they
            // stay on the last line.
            own.chain(cross.into_iter().flatten())
                .map(|f| diagnostic(f, text, docs))
                .collect()
        }
        DocOutcome::Skipped(_) => Vec::new(),
        DocOutcome::Failed(message) => vec![lsp::Diagnostic {
            range: lsp::Range::default(),
            severity: Some(lsp::DiagnosticSeverity::ERROR),
            code: Some(lsp::NumberOrString::String("analysis-failed".into())),
            source: Some("wtfcb".into()),
            message: format!("wtfcb could not analyze this text: {message}"),
            ..Default::default()
        }],
    }
}

fn functions(result: &DocResult) -> &[Function] {
    match &result.outcome {
        DocOutcome::Analyzed(record) => &record.facts.functions,
        _ => &[],
    }
}

/// One line of metrics for a function.
fn metrics_line(f: &Function) -> String {
    let lines = f.end_line.saturating_sub(f.start_line) + 1;
    format!(
        "cyclomatic {} · cognitive {} · nesting {} · {} lines{}",
        f.cyclomatic,
        f.cognitive,
        f.max_nesting,
        lines,
        if f.approximate { " (approximate)" } else { "" }
    )
}

/// A lens above each function with its metrics.
pub fn code_lenses(result: &DocResult, text: &str) -> Vec<lsp::CodeLens> {
    functions(result)
        .iter()
        .map(|f| {
            let line = f.name_at.line.saturating_sub(1);
            let column = utf16_column(
                line_of(text, line),
                f.name_at.column.saturating_sub(1) as usize,
            );
            let at = lsp::Position::new(line, column);
            lsp::CodeLens {
                range: lsp::Range::new(at, at),
                command: Some(lsp::Command {
                    title: metrics_line(f),
                    command: String::new(),
                    arguments: None,
                }),
                data: None,
            }
        })
        .collect()
}

/// The innermost function whose lines hold `line` (1-based).
fn function_at(result: &DocResult, line: u32) -> Option<&Function> {
    functions(result)
        .iter()
        .filter(|f| f.start_line <= line && line <= f.end_line)
        .min_by_key(|f| f.end_line - f.start_line)
}

/// A hover on a function: its metrics, and where its cognitive complexity comes from.
pub fn hover(result: &DocResult, text: &str, position: lsp::Position) -> Option<lsp::Hover> {
    let markdown = |value: String| lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: None,
    };
    let record = match &result.outcome {
        DocOutcome::Analyzed(record) => record,
        DocOutcome::Skipped(reason) => {
            return Some(markdown(format!(
                "wtfcb does not analyze this file: {reason}"
            )))
        }
        DocOutcome::Failed(_) => return None,
    };
    let f = function_at(result, position.line + 1)?;
    let mut md = format!(
        "**{}** — {}\n\n| metric | value |\n| --- | --- |\n| cyclomatic complexity | {} |\n| cognitive complexity | {} |\n| deepest nesting | {} |\n| parameters | {} |\n| code lines | {} |\n| returns | {} |\n",
        f.qualified_name,
        metrics_line(f),
        f.cyclomatic,
        f.cognitive,
        f.max_nesting,
        f.parameters,
        f.code_lines,
        f.returns
    );
    // The language the analysis settled on (a `.h` file may be C++).
    let steps =
        wtfcb_core::facts::explain::cognitive(record.language, text, f.start_line, f.end_line);
    if !steps.is_empty() {
        // A hover stays readable: the first steps, and how many more.
        const SHOWN: usize = 100;
        md.push_str("\nCognitive complexity, line by line:\n\n```text\n");
        for step in steps.iter().take(SHOWN) {
            md.push_str(&format!("{:>5}  {}\n", step.line, step.describe()));
        }
        if steps.len() > SHOWN {
            md.push_str(&format!(
                "  ... and {} more increments\n",
                steps.len() - SHOWN
            ));
        }
        md.push_str("```\n");
    }
    Some(markdown(md))
}

/// Where a comment starts in a language.
fn comment_prefix(language: Option<Language>) -> &'static str {
    match language {
        Some(Language::Python | Language::Ruby) => "#",
        _ => "//",
    }
}

/// Code actions for the wtfcb diagnostics in the request: suppress on the line, suppress in
/// the file, open the rule's documentation.
pub fn code_actions(
    result: &DocResult,
    text: &str,
    uri: &lsp::Uri,
    params: &lsp::CodeActionParams,
    docs: &Path,
) -> Vec<lsp::CodeActionOrCommand> {
    let prefix = comment_prefix(result.language);
    let mut actions = Vec::new();
    let mut seen_rules = Vec::new();
    for d in &params.context.diagnostics {
        let Some(lsp::NumberOrString::String(rule)) = &d.code else {
            continue;
        };
        if d.source.as_deref() != Some("wtfcb") || rule == "analysis-failed" {
            continue;
        }
        let line = d.range.start.line;
        let indent: String = line_of(text, line)
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        let above = format!("{indent}{prefix} wtfcb: ignore[{rule}]\n");
        actions.push(edit_action(
            format!("Suppress {rule} here (wtfcb: ignore)"),
            uri,
            lsp::Position::new(line, 0),
            above,
            d,
        ));
        if seen_rules.contains(rule) {
            continue;
        }
        seen_rules.push(rule.clone());
        // After a shebang or an encoding line, which must stay first.
        let first = line_of(text, 0);
        let top = u32::from(first.starts_with("#!") || first.contains("coding"));
        actions.push(edit_action(
            format!("Suppress {rule} in this file (wtfcb: ignore-file)"),
            uri,
            lsp::Position::new(top, 0),
            format!("{prefix} wtfcb: ignore-file[{rule}]\n"),
            d,
        ));
        if rule_doc(docs, rule).is_some() {
            actions.push(lsp::CodeActionOrCommand::Command(lsp::Command {
                title: format!("Show the documentation of {rule}"),
                command: OPEN_RULE_DOCS.into(),
                arguments: Some(vec![serde_json::Value::String(rule.clone())]),
            }));
        }
    }
    actions
}

fn edit_action(
    title: String,
    uri: &lsp::Uri,
    at: lsp::Position,
    new_text: String,
    diagnostic: &lsp::Diagnostic,
) -> lsp::CodeActionOrCommand {
    let edit = lsp::TextEdit::new(lsp::Range::new(at, at), new_text);
    // lsp-types' own map type: its `Uri` key caches a parse in a `Cell`, never changed here.
    #[allow(clippy::mutable_key_type)]
    let changes = HashMap::from([(uri.clone(), vec![edit])]);
    lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
        title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_edits_land_there() {
        let mut text = String::from("a = 'é😀'\nb = 1\n");
        // `é` is one UTF-16 unit (two bytes), `😀` two (four bytes): column 8 is after it.
        assert_eq!(offset_of(&text, lsp::Position::new(0, 8)), "a = 'é😀".len());
        assert_eq!(utf16_column(line_of(&text, 0), "a = 'é😀".len()), 8);
        apply_change(
            &mut text,
            lsp::TextDocumentContentChangeEvent {
                range: Some(lsp::Range::new(
                    lsp::Position::new(0, 8),
                    lsp::Position::new(1, 1),
                )),
                range_length: None,
                text: "'\nc".into(),
            },
        );
        assert_eq!(text, "a = 'é😀'\nc = 1\n");
        // Past the end: clamped.
        assert_eq!(offset_of(&text, lsp::Position::new(9, 9)), text.len());
    }
}
