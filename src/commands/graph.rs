//! `wtfcb graph`: the resolved import graph of the project's files, as DOT or JSON. It reads
//! the same per-file facts (and cache entries) as `scan`, and resolves imports as the
//! `import-cycle` rule does.

use std::io::Write;

use serde::Serialize;

use crate::cli::GraphFormat;
use crate::engine::{FileRecord, Outcome, PhaseTimes};
use crate::project::graph;
use crate::settings::ScanSettings;

use super::ExitStatus;

#[derive(Serialize)]
struct GraphJson<'a> {
    files: Vec<&'a str>,
    edges: Vec<EdgeJson<'a>>,
    external: Vec<ImportJson<'a>>,
    unresolved: Vec<ImportJson<'a>>,
    /// Files that import each other (strongly connected components), each sorted.
    cycles: Vec<Vec<&'a str>>,
}

#[derive(Serialize)]
struct EdgeJson<'a> {
    from: &'a str,
    to: &'a str,
    line: u32,
    /// Whether the import loads the other file when this one loads (what cycles count).
    loads: bool,
}

#[derive(Serialize)]
struct ImportJson<'a> {
    from: &'a str,
    specifier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
}

pub fn run(
    settings: &ScanSettings,
    format: GraphFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let times = PhaseTimes::default();
    let mut warnings = settings.notes.clone();
    let (_, outcomes, _) = super::facts_only(settings, &times, &mut warnings)?;
    let records: Vec<&FileRecord> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Analyzed(r) => Some(r.as_ref()),
            _ => None,
        })
        .collect();
    let project = &settings.walk.project;
    let go_dirs: std::collections::BTreeSet<&str> = records
        .iter()
        .filter(|r| r.language == crate::lang::Language::Go)
        .map(|r| r.rel.rfind('/').map_or("", |i| &r.rel[..=i]))
        .collect();
    let go = crate::project::gomod::GoModules::read(&project.root, go_dirs);
    let resolved = graph::of_records(
        &records,
        &go,
        &project.root,
        &project.config.contracts.include_dirs,
    );
    match format {
        GraphFormat::Json => write_json(out, &records, &resolved)?,
        GraphFormat::Dot => write_dot(out, &records, &resolved)?,
    }
    out.flush()?;
    super::report_warnings(err, settings.verbosity, &warnings)?;
    Ok(ExitStatus::Success)
}

fn write_json(
    out: &mut dyn Write,
    records: &[&FileRecord],
    resolved: &graph::Resolved,
) -> anyhow::Result<()> {
    let rel = |i: usize| records[i].rel.as_str();
    let json = GraphJson {
        files: records.iter().map(|r| r.rel.as_str()).collect(),
        edges: resolved
            .graph
            .edges
            .iter()
            .map(|e| EdgeJson {
                from: rel(e.from),
                to: rel(e.to),
                line: e.line,
                loads: resolved.loading.contains(&(e.from, e.to)),
            })
            .collect(),
        external: resolved
            .graph
            .external
            .iter()
            .map(|(f, s)| ImportJson {
                from: rel(*f),
                specifier: s,
                line: None,
            })
            .collect(),
        unresolved: resolved
            .graph
            .unresolved
            .iter()
            .map(|(f, s, l)| ImportJson {
                from: rel(*f),
                specifier: s,
                line: Some(*l),
            })
            .collect(),
        cycles: resolved
            .cycles
            .iter()
            .map(|c| c.iter().map(|&f| rel(f)).collect())
            .collect(),
    };
    crate::report::json::write(out, &json)?;
    Ok(())
}

fn write_dot(
    out: &mut dyn Write,
    records: &[&FileRecord],
    resolved: &graph::Resolved,
) -> anyhow::Result<()> {
    let rel = |i: usize| records[i].rel.as_str();
    // The component of each file in a cycle: an edge is part of a cycle when both of its
    // ends are in the same one.
    let component: std::collections::HashMap<usize, usize> = resolved
        .cycles
        .iter()
        .enumerate()
        .flat_map(|(c, files)| files.iter().map(move |&f| (f, c)))
        .collect();
    writeln!(out, "digraph imports {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, fontname=\"monospace\"];")?;
    for (i, r) in records.iter().enumerate() {
        let colour = if component.contains_key(&i) {
            ", color=red"
        } else {
            ""
        };
        writeln!(
            out,
            "  \"{}\" [label=\"{}\"{colour}];",
            dot_id(&r.rel),
            dot_id(&r.rel)
        )?;
    }
    for e in &resolved.graph.edges {
        let style = if !resolved.loading.contains(&(e.from, e.to)) {
            ", style=dashed"
        } else if component
            .get(&e.from)
            .is_some_and(|c| component.get(&e.to) == Some(c))
        {
            ", color=red"
        } else {
            ""
        };
        writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
            dot_id(rel(e.from)),
            dot_id(rel(e.to)),
            e.line
        )?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

/// A path inside a DOT double-quoted string: quotes and backslashes escaped, control
/// characters (never sent to a renderer or terminal as they are) written as `\xNN`.
fn dot_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
