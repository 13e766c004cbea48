//! The one registry of `analyze` output formats. Each format is a file of `src/report/` with a
//! writer from the report model to a `&mut dyn Write`; adding one is that file and one line
//! here (the command line, `--report`, `-o` and the docs read this list).

use std::io::Write;

use super::analyze::{self, AnalyzeReport, TextOptions};
pub use super::options::{by_severity, shown, ReportOptions};

pub type Writer = fn(&mut dyn Write, &AnalyzeReport, &ReportOptions) -> anyhow::Result<()>;

/// An output format.
#[derive(Debug)]
pub struct Format {
    pub name: &'static str,
    /// File name endings that select it for `-o PATH`, longest first across formats.
    pub extensions: &'static [&'static str],
    pub about: &'static str,
    /// Whether it is for a terminal (colour allowed; stripped when written to a file).
    pub terminal: bool,
    pub write: Writer,
}

/// Every format, in the order `--help` lists them.
pub fn registry() -> &'static [Format] {
    static FORMATS: [Format; 11] = [
        Format {
            name: "text",
            extensions: &[".txt"],
            about: "findings grouped under their file, then the summary (alias: grouped)",
            terminal: true,
            write: |out, r, o| text(out, r, o, false),
        },
        Format {
            name: "concise",
            extensions: &[],
            about: "one finding per line: path:line:col: severity rule message",
            terminal: true,
            write: |out, r, o| text(out, r, o, true),
        },
        Format {
            name: "json",
            extensions: &[".json"],
            about: "the whole report: files, metrics, findings, summary",
            terminal: false,
            write: |out, r, _| super::json::write(out, r),
        },
        Format {
            name: "jsonl",
            extensions: &[".jsonl", ".ndjson"],
            about: "one finding per line as JSON",
            terminal: false,
            write: super::jsonl::write,
        },
        Format {
            name: "sarif",
            extensions: &[".sarif", ".sarif.json"],
            about: "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers",
            terminal: false,
            write: super::sarif::write,
        },
        Format {
            name: "github",
            extensions: &[],
            about: "GitHub Actions workflow commands: annotations on the pull request",
            terminal: false,
            write: super::github::write,
        },
        Format {
            name: "gitlab",
            extensions: &[".gitlab.json"],
            about: "GitLab Code Quality report (a JSON array)",
            terminal: false,
            write: super::gitlab::write,
        },
        Format {
            name: "markdown",
            extensions: &[".md", ".markdown"],
            about: "a summary for a pull-request comment or $GITHUB_STEP_SUMMARY",
            terminal: false,
            write: super::markdown::write,
        },
        Format {
            name: "csv",
            extensions: &[".csv"],
            about: "one finding per row (RFC 4180)",
            terminal: false,
            write: super::csv::write_findings,
        },
        Format {
            name: "csv-functions",
            extensions: &[".functions.csv"],
            about: "one function per row with its metrics, for spreadsheets (as lizard's CSV)",
            terminal: false,
            write: super::csv::write_functions,
        },
        Format {
            name: "html",
            extensions: &[".html", ".htm"],
            about: "one self-contained page with charts, sortable and filterable findings",
            terminal: false,
            write: super::html::write,
        },
    ];
    &FORMATS
}

/// The format named `name` (`grouped` is `text`).
pub fn find(name: &str) -> Option<&'static Format> {
    let name = if name == "grouped" { "text" } else { name };
    registry().iter().find(|f| f.name == name)
}

/// The format a file name asks for, by its longest matching ending.
pub fn for_path(path: &std::path::Path) -> Option<&'static Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    registry()
        .iter()
        .flat_map(|f| f.extensions.iter().map(move |e| (e, f)))
        .filter(|(e, _)| name.ends_with(**e))
        .max_by_key(|(e, _)| e.len())
        .map(|(_, f)| f)
}

/// `--report FORMAT:PATH`, or a plain path whose ending names the format (`-o PATH`).
pub fn parse_report(spec: &str) -> Result<(&'static Format, std::path::PathBuf), String> {
    if let Some((name, path)) = spec.split_once(':') {
        if let Some(format) = find(name) {
            if path.is_empty() {
                return Err(format!("--report {spec}: no path after `{name}:`"));
            }
            return Ok((format, path.into()));
        }
    }
    let path = std::path::PathBuf::from(spec);
    match for_path(&path) {
        Some(format) => Ok((format, path)),
        None => Err(format!(
            "{spec}: cannot tell the format from the name; write FORMAT:PATH (formats: {})",
            names().join(", ")
        )),
    }
}

/// Every format's name.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|f| f.name).collect()
}

fn text(
    out: &mut dyn Write,
    report: &AnalyzeReport,
    o: &ReportOptions,
    concise: bool,
) -> anyhow::Result<()> {
    if o.statistics {
        analyze::write_statistics(out, report, o.fail_on)?;
    } else {
        analyze::write_text(
            out,
            report,
            TextOptions {
                show_suppressed: o.show_suppressed,
                fail_on: o.fail_on,
                min_severity: o.min_severity,
                concise,
            },
        )?;
    }
    Ok(())
}

/// Writes one report to a file, atomically (a temporary file in the same directory, then a
/// rename): a reader never sees half a report, and a failed run leaves the old one. Terminal
/// formats are written without colour.
pub fn write_file(
    format: &Format,
    path: &std::path::Path,
    report: &AnalyzeReport,
    opts: &ReportOptions,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    if format.terminal {
        let mut plain = anstream::StripStream::new(&mut bytes);
        (format.write)(&mut plain, report, opts)?;
    } else {
        (format.write)(&mut bytes, report, opts)?;
    }
    wtfcb_core::fsio::write_atomically(path, &bytes)
        .map_err(|e| anyhow::anyhow!("--report {}: {e:#}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_endings_are_unique_and_resolve() {
        let mut seen = std::collections::HashSet::new();
        for f in registry() {
            assert!(seen.insert(f.name), "{}", f.name);
            assert!(std::ptr::eq(find(f.name).unwrap(), f));
            for e in f.extensions {
                let path = std::path::PathBuf::from(format!("report{e}"));
                assert_eq!(for_path(&path).unwrap().name, f.name, "{e}");
            }
        }
        assert_eq!(find("grouped").unwrap().name, "text");
        assert_eq!(parse_report("sarif:out.txt").unwrap().0.name, "sarif");
        assert_eq!(
            parse_report("gl-code-quality.gitlab.json").unwrap().0.name,
            "gitlab"
        );
        assert_eq!(
            parse_report("x.functions.csv").unwrap().0.name,
            "csv-functions"
        );
        assert!(parse_report("report.xyz").is_err());
        assert!(parse_report("json:").is_err());
        // A Windows-like or odd name with a colon is a path when its prefix is no format.
        assert_eq!(parse_report("C:report.json").unwrap().0.name, "json");
    }
}
