//! `wtfcb graph`: the resolved import graph of the project's files, as DOT or JSON. It reads
//! the same per-file facts (and cache entries) as `scan`, and resolves imports as the
//! `import-cycle` rule does.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::cli::{GraphFormat, GraphLevel};
use crate::settings::ScanSettings;
use wtfcb_engine::engine::{FileRecord, Outcome, PhaseTimes};
use wtfcb_project::project::graph;

use super::ExitStatus;

#[derive(Serialize)]
struct GraphJson<'a> {
    /// `file`, or `package` when some nodes are packages (see [`View`]).
    level: &'static str,
    files: Vec<&'a str>,
    edges: Vec<EdgeJson<'a>>,
    external: Vec<ImportJson<'a>>,
    unresolved: Vec<ImportJson<'a>>,
    /// Nodes that import each other (strongly connected components), each sorted.
    cycles: Vec<Vec<&'a str>>,
}

/// The graph as shown: its nodes (files, or Go packages as their directories), the edges
/// between them (one per pair, at the first import's line, loading when any of its imports
/// loads), and the imports out of the project, by node.
struct View {
    level: &'static str,
    nodes: Vec<String>,
    edges: Vec<(usize, usize, u32, bool)>,
    external: Vec<(usize, String)>,
    unresolved: Vec<(usize, String, u32)>,
    cycles: Vec<Vec<usize>>,
}

/// The name of a Cargo package (`[package] name`, `-` read as `_`, as code names the crate)
/// whose manifest is in `dir`, if it has one.
fn crate_name(root: &Path, dir: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).ok()?;
    let value: toml::Table = manifest.parse().ok()?;
    let name = value.get("package")?.get("name")?.as_str()?;
    Some(name.replace('-', "_"))
}

/// A Rust file's package as a module path: the module its directory is, under the crate the
/// nearest `Cargo.toml` above it names (`crates/core/src/facts/walk.rs` is in
/// `wtfcb_core::facts`). Outside `src/` (tests, benches, examples) the crate and the
/// directory below it (`wtfcb tests/cli`); with no manifest above it, its directory.
fn rust_module(root: &Path, rel: &str, crates: &mut HashMap<String, Option<String>>) -> String {
    let dir = rel.rfind('/').map_or("", |i| &rel[..i]);
    let mut at = dir;
    loop {
        let found = crates
            .entry(at.to_string())
            .or_insert_with(|| crate_name(root, at))
            .clone();
        if let Some(name) = found {
            let below = dir[at.len()..].trim_start_matches('/');
            return match below.strip_prefix("src") {
                Some("") => name,
                Some(rest) if rest.starts_with('/') => {
                    format!("{name}{}", rest.replace('/', "::"))
                }
                _ if below.is_empty() => name,
                _ => format!("{name} {below}/"),
            };
        }
        match at.rfind('/') {
            Some(i) => at = &at[..i],
            None if !at.is_empty() => at = "",
            None => return format!("{dir}/"),
        }
    }
}

/// The dotted name of each Python package directory (one that holds an analyzed
/// `__init__.py`): the directories from the top-most package down (`email.mime` for
/// `Lib/email/mime/`). Two trees may hold packages of one name (`tests/fixtures/app` and
/// `app`): each keeps its own node, named with where its tree starts (`app (tests/fixtures/)`).
fn python_packages<'r>(inits: &std::collections::HashSet<&'r str>) -> HashMap<&'r str, String> {
    let mut named: Vec<(&str, String, &str)> = inits
        .iter()
        .map(|&dir| {
            let mut top = dir;
            while let Some(i) = top.rfind('/') {
                if !inits.contains(&top[..i]) {
                    break;
                }
                top = &top[..i];
            }
            let start = top.rfind('/').map_or(0, |i| i + 1);
            (dir, dir[start..].replace('/', "."), &dir[..start])
        })
        .collect();
    named.sort();
    let mut trees: HashMap<String, std::collections::HashSet<&str>> = HashMap::new();
    for (_, dotted, tree) in &named {
        trees.entry(dotted.clone()).or_default().insert(tree);
    }
    named
        .into_iter()
        .map(|(dir, dotted, tree)| {
            let name = if trees[&dotted].len() > 1 {
                format!("{dotted} ({})", if tree.is_empty() { "./" } else { tree })
            } else {
                dotted
            };
            (dir, name)
        })
        .collect()
}

impl View {
    fn of(
        records: &[&FileRecord],
        resolved: &graph::Resolved,
        level: GraphLevel,
        root: &Path,
    ) -> View {
        let mut crates = HashMap::new();
        // The directories that are Python packages.
        let inits: std::collections::HashSet<&str> = records
            .iter()
            .filter_map(|r| match r.rel.strip_suffix("__init__.py") {
                Some(dir) if r.language == wtfcb_core::lang::Language::Python => {
                    Some(dir.trim_end_matches('/'))
                }
                _ => None,
            })
            .collect();
        let packages = python_packages(&inits);
        let mut unit = |r: &FileRecord| -> String {
            let by_package = match level {
                GraphLevel::File => false,
                GraphLevel::Package => true,
                GraphLevel::Auto => r.language == wtfcb_core::lang::Language::Go,
            };
            if by_package && r.language == wtfcb_core::lang::Language::Rust {
                return rust_module(root, &r.rel, &mut crates);
            }
            let dir = r.rel.rfind('/').map_or("", |i| &r.rel[..i]);
            if by_package && r.language == wtfcb_core::lang::Language::Python {
                if let Some(name) = packages.get(dir) {
                    return name.clone();
                }
            }
            match r.rel.rfind('/') {
                Some(i) if by_package => r.rel[..=i].to_string(),
                None if by_package => "./".to_string(),
                _ => r.rel.clone(),
            }
        };
        let units: Vec<String> = records.iter().map(|r| unit(r)).collect();
        let mut nodes = units.clone();
        nodes.sort();
        nodes.dedup();
        let index: std::collections::HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let of: Vec<usize> = units.iter().map(|u| index[u.as_str()]).collect();
        let mut edges: std::collections::BTreeMap<(usize, usize), (u32, bool)> =
            std::collections::BTreeMap::new();
        for e in &resolved.graph.edges {
            let (a, b) = (of[e.from], of[e.to]);
            // An import within one package is no edge of the package graph.
            if a == b && e.from != e.to {
                continue;
            }
            let loads = resolved.loading.contains(&(e.from, e.to));
            let entry = edges.entry((a, b)).or_insert((e.line, false));
            entry.0 = entry.0.min(e.line);
            entry.1 |= loads;
        }
        let mut external: Vec<(usize, String)> = resolved
            .graph
            .external
            .iter()
            .map(|(f, s)| (of[*f], s.clone()))
            .collect();
        external.sort();
        external.dedup();
        let unresolved = resolved
            .graph
            .unresolved
            .iter()
            .map(|(f, s, l)| (of[*f], s.clone(), *l))
            .collect();
        let mut cycles: Vec<Vec<usize>> = resolved
            .cycles
            .iter()
            .map(|c| {
                let mut units: Vec<usize> = c.iter().map(|&f| of[f]).collect();
                units.sort_unstable();
                units.dedup();
                units
            })
            .filter(|units| units.len() > 1)
            .collect();
        cycles.sort();
        cycles.dedup();
        let grouped = records.iter().zip(&of).any(|(r, &u)| nodes[u] != r.rel);
        View {
            level: if grouped { "package" } else { "file" },
            nodes,
            edges: edges
                .into_iter()
                .map(|((a, b), (line, loads))| (a, b, line, loads))
                .collect(),
            external,
            unresolved,
            cycles,
        }
    }
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
    (format, level): (GraphFormat, GraphLevel),
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
    let go = wtfcb_project::project::gomod::GoModules::of_files(
        &project.root,
        records.iter().map(|r| (r.rel.as_str(), r.language)),
    );
    let resolved = graph::of_records(
        &records,
        &go,
        &project.root,
        &project.config.contracts.include_dirs,
    );
    let view = View::of(&records, &resolved, level, &project.root);
    match format {
        GraphFormat::Json => write_json(out, &view)?,
        GraphFormat::Dot => write_dot(out, &view)?,
    }
    out.flush()?;
    super::report_warnings(err, settings.verbosity, &warnings)?;
    Ok(ExitStatus::Success)
}

fn write_json(out: &mut dyn Write, view: &View) -> anyhow::Result<()> {
    let name = |i: usize| view.nodes[i].as_str();
    let json = GraphJson {
        level: view.level,
        files: view.nodes.iter().map(String::as_str).collect(),
        edges: view
            .edges
            .iter()
            .map(|&(from, to, line, loads)| EdgeJson {
                from: name(from),
                to: name(to),
                line,
                loads,
            })
            .collect(),
        external: view
            .external
            .iter()
            .map(|(f, s)| ImportJson {
                from: name(*f),
                specifier: s,
                line: None,
            })
            .collect(),
        unresolved: view
            .unresolved
            .iter()
            .map(|(f, s, l)| ImportJson {
                from: name(*f),
                specifier: s,
                line: Some(*l),
            })
            .collect(),
        cycles: view
            .cycles
            .iter()
            .map(|c| c.iter().map(|&f| name(f)).collect())
            .collect(),
    };
    wtfcb_report::report::json::write(out, &json)?;
    Ok(())
}

fn write_dot(out: &mut dyn Write, view: &View) -> anyhow::Result<()> {
    // The component of each node in a cycle: an edge is part of a cycle when both of its
    // ends are in the same one.
    let component: std::collections::HashMap<usize, usize> = view
        .cycles
        .iter()
        .enumerate()
        .flat_map(|(c, nodes)| nodes.iter().map(move |&n| (n, c)))
        .collect();
    writeln!(out, "digraph imports {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, fontname=\"monospace\"];")?;
    for (i, name) in view.nodes.iter().enumerate() {
        let colour = if component.contains_key(&i) {
            ", color=red"
        } else {
            ""
        };
        writeln!(
            out,
            "  \"{}\" [label=\"{}\"{colour}];",
            dot_id(name),
            dot_id(name)
        )?;
    }
    for &(from, to, line, loads) in &view.edges {
        let style = if !loads {
            ", style=dashed"
        } else if component
            .get(&from)
            .is_some_and(|c| component.get(&to) == Some(c))
        {
            ", color=red"
        } else {
            ""
        };
        writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{line}\"{style}];",
            dot_id(&view.nodes[from]),
            dot_id(&view.nodes[to]),
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
