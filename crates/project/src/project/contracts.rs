//! The `import-contract` rule: `[[imports.forbidden]]` pairs on direct imports, `layers` on
//! chains of imports (breadth-first from each lower layer, so each chain reported is a
//! shortest one).

use std::collections::VecDeque;

use super::graph::Graph;
use super::{enabled, project_finding, Analyzed, Context, CrossFileRule, Inputs, ProjectRun};
use wtfcb_core::findings::Related;
use wtfcb_core::rules::RuleMeta;

/// One `[[imports.forbidden]]` contract: files matching `from` must not import files
/// matching `to`.
#[derive(Debug, Clone)]
pub struct Forbidden {
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
    pub from_set: globset::GlobSet,
    pub to_set: globset::GlobSet,
}

/// The import contracts of `[imports]` (run-wide: the root config's), checked by the
/// `import-contract` rule on the resolved graph.
#[derive(Debug, Clone, Default)]
pub struct Contracts {
    pub forbidden: Vec<Forbidden>,
    /// `layers`, highest first: each may import the ones after it, never one before it,
    /// directly or through other files.
    pub layers: Vec<(String, globset::GlobSet)>,
    /// `include-dirs`: where C and C++ `#include`s are looked up (project-relative, `/`-ended),
    /// after the including file's directory.
    pub include_dirs: Vec<String>,
}

impl Contracts {
    pub fn is_empty(&self) -> bool {
        self.forbidden.is_empty() && self.layers.is_empty()
    }
}

/// `import-contract`: the root config's `[imports]` contracts, on the resolved graph.
pub struct ImportContract;

impl CrossFileRule for ImportContract {
    fn meta(&self) -> &'static RuleMeta {
        &wtfcb_core::rules::import_contract::META
    }

    fn needs_graph(&self) -> bool {
        true
    }

    fn wanted(&self, ctx: &Context) -> bool {
        enabled(ctx.rules.base(), self.meta()) && !ctx.contracts.is_empty()
    }

    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, _: &mut ProjectRun) {
        if let Some(graph) = inputs.graph {
            check(files, graph, inputs.ctx.contracts);
        }
    }
}

pub(super) fn check(files: &mut [Analyzed], graph: &Graph, contracts: &Contracts) {
    forbidden(files, graph, contracts);
    layers(files, graph, contracts);
}

fn push(
    files: &mut [Analyzed],
    at: usize,
    line: u32,
    message: String,
    identity: &str,
    related: Vec<Related>,
) {
    let meta = &wtfcb_core::rules::import_contract::META;
    if let Some(mut finding) = project_finding(&files[at], meta, message, (line, line), identity) {
        finding.related = related;
        files[at].add(finding);
    }
}

fn forbidden(files: &mut [Analyzed], graph: &Graph, contracts: &Contracts) {
    for e in &graph.edges {
        let (from, to) = (&files[e.from].record.rel, &files[e.to].record.rel);
        let Some(rule) = contracts
            .forbidden
            .iter()
            .find(|f| f.from_set.is_match(from) && f.to_set.is_match(to))
        else {
            continue;
        };
        let message = format!(
            "imports {}, which the contract `{}` must not import `{}` forbids{}",
            files[e.to].record.path,
            rule.from,
            rule.to,
            rule.reason
                .as_deref()
                .map_or(String::new(), |r| format!(": {r}"))
        );
        let identity = format!("forbidden\n{from}\n{to}");
        let related = vec![Related {
            path: files[e.to].record.path.clone(),
            rel: to.clone(),
            start_line: 1,
            end_line: 1,
            message: "the file imported".into(),
            test: files[e.to].is_test,
        }];
        push(files, e.from, e.line, message, &identity, related);
    }
}

fn layers(files: &mut [Analyzed], graph: &Graph, contracts: &Contracts) {
    let n = files.len();
    let layer_of: Vec<Option<usize>> = files
        .iter()
        .map(|f| {
            contracts
                .layers
                .iter()
                .position(|(_, set)| set.is_match(&f.record.rel))
        })
        .collect();
    let mut adjacency: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n];
    for e in &graph.edges {
        adjacency[e.from].push((e.to, e.line));
    }
    let names: Vec<&str> = contracts.layers.iter().map(|(n, _)| n.as_str()).collect();
    for low in 1..contracts.layers.len() {
        // Breadth-first from every file of this layer; a file of a higher layer reached is a
        // violation, and the search does not go on through it.
        let mut parent: Vec<Option<(usize, u32)>> = vec![None; n];
        let mut seen = vec![false; n];
        let mut queue = VecDeque::new();
        for f in (0..n).filter(|&f| layer_of[f] == Some(low)) {
            seen[f] = true;
            queue.push_back(f);
        }
        let mut reached = Vec::new();
        while let Some(v) = queue.pop_front() {
            if layer_of[v].is_some_and(|l| l < low) {
                reached.push(v);
                continue;
            }
            for &(w, line) in &adjacency[v] {
                if !seen[w] {
                    seen[w] = true;
                    parent[w] = Some((v, line));
                    queue.push_back(w);
                }
            }
        }
        reached.sort_unstable();
        for target in reached {
            // The chain back to its source in the lower layer: per file, the line where it
            // imports the next one (0 for the target).
            let mut chain = vec![(target, 0)];
            let mut at = target;
            while let Some((p, line)) = parent[at] {
                chain.push((p, line));
                at = p;
            }
            chain.reverse();
            let high = layer_of[target].unwrap_or(0);
            let path: Vec<String> = chain
                .iter()
                .map(|&(f, _)| files[f].record.path.clone())
                .collect();
            let message = format!(
                "layer `{}` must not import layer `{}` (layers, highest first: {}): {}",
                names[low],
                names[high],
                names.join(" > "),
                path.join(" → ")
            );
            let related = chain[1..]
                .iter()
                .map(|&(f, line)| Related {
                    path: files[f].record.path.clone(),
                    rel: files[f].record.rel.clone(),
                    // Where this file imports the next one; the target at its first line.
                    start_line: line.max(1),
                    end_line: line.max(1),
                    message: if f == target {
                        format!("in layer `{}`", names[high])
                    } else {
                        "imports the next file of the chain".into()
                    },
                    test: files[f].is_test,
                })
                .collect();
            let (first, line) = chain[0];
            let identity = format!(
                "layers\n{}\n{}",
                files[first].record.rel, files[target].record.rel
            );
            push(files, first, line, message, &identity, related);
        }
    }
}
