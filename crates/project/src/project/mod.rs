//! The project phase: analyses that span files (duplicate code, the import graph), run once
//! every file is read, on the facts each file's single pass stored (fresh or from the cache),
//! never on re-parsed files. Their findings join the files' own before the report is built.

pub mod clones;
pub mod contracts;
mod crate_allows;
mod go_errors;
pub mod gomod;
pub mod graph;
pub mod jsconfig;
pub mod state;

pub use wtfcb_store::cache::Reuse;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use wtfcb_core::facts::Suppression;
use wtfcb_core::findings::{Finding, Related};
use wtfcb_core::rules::{Profile, RuleMeta, Ruleset};
use wtfcb_engine::engine::{FileRecord, Outcome};
use wtfcb_store::cache::Cache;

/// How clones are compared: `type2` (names and literal values may differ) or `exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicatesMode {
    #[default]
    Type2,
    Exact,
}

impl DuplicatesMode {
    pub const ALL: [DuplicatesMode; 2] = [DuplicatesMode::Type2, DuplicatesMode::Exact];

    /// A mode by its name (`type2`, `exact`).
    pub fn parse(name: &str) -> Option<DuplicatesMode> {
        DuplicatesMode::ALL.into_iter().find(|m| m.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DuplicatesMode::Type2 => "type2",
            DuplicatesMode::Exact => "exact",
        }
    }
}

/// What the project phase adds to the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProjectSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplication: Option<DuplicationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imports: Option<graph::GraphSummary>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DuplicationSummary {
    /// `type2` or `exact`.
    pub mode: &'static str,
    /// Groups of copies found (suppressed ones included).
    pub groups: u64,
    /// Lines that lie in a copy, over all files.
    pub duplicated_lines: u64,
    /// Code lines of the files compared.
    pub code_lines: u64,
    /// `duplicated_lines / code_lines` in percent, two decimals.
    pub percent: f64,
}

/// An analyzed file with the settings that apply to it.
pub struct Analyzed<'a> {
    pub record: &'a mut FileRecord,
    /// The rules' settings for this file.
    pub profile: Arc<Profile>,
    pub is_test: bool,
}

impl Analyzed<'_> {
    /// Adds a project rule's finding (sorted in with the others at the end of the phase).
    pub fn add(&mut self, finding: Finding) {
        self.record
            .findings
            .get_or_insert_with(Vec::new)
            .push(finding);
    }
}

/// What the project phase works with besides the files.
pub struct Context<'a> {
    pub rules: &'a Ruleset,
    pub mode: DuplicatesMode,
    /// The project root: where `go.mod` is read and files are re-read when their cached
    /// tokens are missing.
    pub root: &'a Path,
    pub cache: Option<&'a Cache>,
    pub max_size: u64,
    /// The root config's `[imports]` contracts.
    pub contracts: &'a contracts::Contracts,
    /// Whether the phases reuse and save their state in the cache (not for a look at the
    /// project as it was, which must not replace today's).
    pub saved_state: bool,
}

impl Context<'_> {
    /// The cache the phases' saved states live in, when they are used.
    fn state_cache(&self) -> Option<&Cache> {
        self.cache.filter(|_| self.saved_state)
    }
}

/// What the project phase did.
#[derive(Debug, Default)]
pub struct ProjectRun {
    pub summary: ProjectSummary,
    /// Per phase, whether its saved result was reused, and why (empty without a cache).
    pub reuse: Vec<Reuse>,
    pub warnings: Vec<String>,
}

/// The analyzed files with the settings that apply to each.
fn analyzed<'a>(outcomes: &'a mut [Outcome], rules: &Ruleset) -> Vec<Analyzed<'a>> {
    outcomes
        .iter_mut()
        .filter_map(|o| match o {
            Outcome::Analyzed(record) => Some(record.as_mut()),
            _ => None,
        })
        .map(|record| Analyzed {
            profile: rules.profile_for(&record.rel),
            is_test: rules.is_test(&record.rel, record.language),
            record,
        })
        .collect()
}

/// What a cross-file rule reads besides the files.
pub struct Inputs<'a> {
    pub ctx: &'a Context<'a>,
    /// The Go modules (`go.mod`, `go.work`), read once.
    pub go: &'a gomod::GoModules,
    /// The resolved import graph, for a rule that [`CrossFileRule::needs_graph`].
    pub graph: Option<&'a graph::Graph>,
}

/// A rule that runs once over the project, on every analyzed file's facts, after all files
/// are read (its `RuleMeta` says `scope: Scope::Project`, so its settings never change a
/// file's cached result). One implementation, and one line in [`RULES`].
pub trait CrossFileRule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Whether it reads the import graph. The graph is resolved (or its saved state taken)
    /// when a rule that needs it is wanted, on a thread of its own while the rules that do not
    /// run; those see the files without their imports, which the resolver holds meanwhile.
    fn needs_graph(&self) -> bool;

    /// Whether it has anything to do in this run: by default, whether the run's settings
    /// enable it.
    fn wanted(&self, ctx: &Context) -> bool {
        enabled(ctx.rules.base(), self.meta())
    }

    /// Adds its findings to the files (`Analyzed::add`, through `project_finding`, which
    /// honours each file's settings and suppressions), and its part of the summary to `run`.
    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, run: &mut ProjectRun);
}

/// The cross-file rules, in the order they run (within the two groups: without the graph,
/// then with it). Findings are sorted afterwards, so the order changes no report.
pub const RULES: &[&dyn CrossFileRule] = &[
    &DuplicateCode,
    &go_errors::IgnoredError,
    &graph::UnresolvedImport,
    &graph::ImportCycle,
    &contracts::ImportContract,
];

/// Runs the wanted cross-file rules over the analyzed files and adds their findings.
pub fn run(outcomes: &mut [Outcome], ctx: &Context) -> ProjectRun {
    let mut files = analyzed(outcomes, ctx.rules);
    let mut run = ProjectRun::default();
    let wanted: Vec<&dyn CrossFileRule> = RULES.iter().copied().filter(|r| r.wanted(ctx)).collect();
    let (on_graph, alone): (Vec<_>, Vec<_>) = wanted.iter().partition(|r| r.needs_graph());
    // The graph is resolved from the files' paths and imports alone: lent to a thread of its
    // own, it is resolved while the rules that do not need it run, and given back.
    let imports: Vec<Vec<wtfcb_core::facts::Import>> = files
        .iter_mut()
        .map(|f| std::mem::take(&mut f.record.facts.imports))
        .collect();
    let paths: Vec<(String, wtfcb_core::lang::Language)> = files
        .iter()
        .map(|f| (f.record.rel.clone(), f.record.language))
        .collect();
    // Resolver and `ignored-error` inputs besides the files: the Go modules, read once (bounded
    // reads; absent is fine).
    let go = gomod::GoModules::of_files(ctx.root, paths.iter().map(|(r, l)| (r.as_str(), *l)));
    let resolve = || resolve_graph(&paths, &imports, &go, ctx);
    let resolved = std::thread::scope(|scope| {
        // Without a thread (the system refused one), the graph is resolved after the others.
        let resolving = (!on_graph.is_empty()).then(|| {
            std::thread::Builder::new()
                .name("wtfcb-graph".into())
                .spawn_scoped(scope, resolve)
                .ok()
        });
        let inputs = Inputs {
            ctx,
            go: &go,
            graph: None,
        };
        for rule in &alone {
            run_timed(*rule, &mut files, &inputs, &mut run);
        }
        resolving.map(|handle| match handle {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => resolve(),
        })
    });
    for (file, imports) in files.iter_mut().zip(imports) {
        file.record.facts.imports = imports;
    }
    if let Some((graph, resolving, mut graph_run)) = resolved {
        let start = std::time::Instant::now();
        run.summary.imports = Some(graph::summarize(&mut files, &graph));
        let inputs = Inputs {
            ctx,
            go: &go,
            graph: Some(&graph),
        };
        for rule in &on_graph {
            rule.run(&mut files, &inputs, &mut run);
        }
        run.warnings.append(&mut graph_run.warnings);
        run.reuse.append(&mut graph_run.reuse);
        if let Some(r) = run.reuse.last_mut() {
            r.ms = (resolving + start.elapsed()).as_secs_f64() * 1e3;
        }
    }
    crate_allows::apply(&mut files);
    for file in &mut files {
        judge_project_suppressions(file);
        if let Some(findings) = &mut file.record.findings {
            wtfcb_core::findings::sort(findings);
            wtfcb_core::findings::disambiguate_fingerprints(findings);
        }
    }
    if ctx.state_cache().is_none() {
        run.reuse.clear();
    }
    run
}

/// Runs one rule; a phase it reports as reused or recomputed (`run.reuse`) is timed.
fn run_timed(
    rule: &dyn CrossFileRule,
    files: &mut [Analyzed],
    inputs: &Inputs,
    run: &mut ProjectRun,
) {
    let start = std::time::Instant::now();
    let phases = run.reuse.len();
    rule.run(files, inputs, run);
    if run.reuse.len() > phases {
        if let Some(r) = run.reuse.last_mut() {
            r.ms = start.elapsed().as_secs_f64() * 1e3;
        }
    }
}

/// `duplicate-code`: copies of code across (and within) files, and the duplicated-line share.
pub struct DuplicateCode;

impl CrossFileRule for DuplicateCode {
    fn meta(&self) -> &'static RuleMeta {
        &wtfcb_core::rules::duplicate_code::META
    }

    fn needs_graph(&self) -> bool {
        false
    }

    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, run: &mut ProjectRun) {
        run.summary.duplication = Some(duplicates(files, inputs.ctx, run));
    }
}

/// The import graph of the files at `paths` with their `imports`, how long it took, and what
/// resolving it said (warnings, reuse).
fn resolve_graph(
    paths: &[(String, wtfcb_core::lang::Language)],
    imports: &[Vec<wtfcb_core::facts::Import>],
    go: &gomod::GoModules,
    ctx: &Context,
) -> (graph::Graph, std::time::Duration, ProjectRun) {
    let start = std::time::Instant::now();
    let mut graph_run = ProjectRun::default();
    let nodes: Vec<graph::Node> = paths
        .iter()
        .zip(imports)
        .map(|((rel, language), imports)| graph::Node {
            rel,
            language: *language,
            imports,
        })
        .collect();
    let graph = graph::graph_of(&nodes, go, ctx, &mut graph_run);
    (graph, start.elapsed(), graph_run)
}

/// Brings into memory every clone token the project phase will read, trimmed to what it
/// reads, and drops the rest: what a shard's part must carry, since the merge reads no file.
pub fn load_all_tokens(outcomes: &mut [Outcome], ctx: &Context, warnings: &mut Vec<String>) {
    let need = token_need(ctx.rules, ctx.mode);
    let mut files = analyzed(outcomes, ctx.rules);
    let meta = &wtfcb_core::rules::duplicate_code::META;
    let compared: Vec<usize> = (0..files.len())
        .filter(|&i| {
            need != wtfcb_core::facts::tokens::Need::Nothing && enabled(&files[i].profile, meta)
        })
        .collect();
    load_tokens(&mut files, &compared, ctx, need, warnings);
    let mut keep = vec![false; files.len()];
    for &i in &compared {
        keep[i] = true;
    }
    for (file, keep) in files.iter_mut().zip(keep) {
        let tokens = &mut file.record.facts.tokens;
        tokens.retain(if keep {
            need
        } else {
            wtfcb_core::facts::tokens::Need::Nothing
        });
    }
}

/// What of the clone tokens the project phase will read (see `Tokens::retain`).
pub fn token_need(rules: &Ruleset, _mode: DuplicatesMode) -> wtfcb_core::facts::tokens::Need {
    use wtfcb_core::facts::tokens::Need;
    if !enabled(rules.base(), &wtfcb_core::rules::duplicate_code::META) {
        Need::Nothing
    } else {
        // Both modes read the names' text hashes: `exact` compares them, Type-2 checks that
        // copies read alike (see `clones::names_alike`).
        Need::All
    }
}

fn enabled(profile: &Profile, meta: &RuleMeta) -> bool {
    wtfcb_core::rules::index_of(meta.id).is_some_and(|i| profile.rules[i].enabled)
}

fn params<'p>(profile: &'p Profile, meta: &RuleMeta) -> &'p wtfcb_core::rules::RuleParams {
    let i = wtfcb_core::rules::index_of(meta.id).unwrap_or_else(|| unreachable!("{}", meta.id));
    &profile.rules[i]
}

fn duplicates(files: &mut [Analyzed], ctx: &Context, run: &mut ProjectRun) -> DuplicationSummary {
    let meta = &wtfcb_core::rules::duplicate_code::META;
    let limits = params(ctx.rules.base(), meta);
    let settings = clones::Settings {
        min_tokens: limits.limit("tokens") as usize,
        min_lines: limits.limit("lines"),
        exact: ctx.mode == DuplicatesMode::Exact,
    };
    // A file whose own settings turn the rule off (an override, a nested config) is left out,
    // and so is test code (as Sonar leaves it out of duplication): copies in tests are how
    // tests are written, and they made most of the findings on real trees.
    let compared: Vec<usize> = (0..files.len())
        .filter(|&i| enabled(&files[i].profile, meta) && !(meta.skips_tests && files[i].is_test))
        .collect();
    let found = clones_of(files, &compared, &settings, ctx, run);
    let mut summary = DuplicationSummary {
        mode: match ctx.mode {
            DuplicatesMode::Type2 => "type2",
            DuplicatesMode::Exact => "exact",
        },
        groups: found.groups.len() as u64,
        ..DuplicationSummary::default()
    };
    for (n, &i) in compared.iter().enumerate() {
        let lines = found.duplicated_lines[n];
        summary.duplicated_lines += u64::from(lines);
        summary.code_lines += u64::from(files[i].record.facts.lines.code);
        if let Some(m) = &mut files[i].record.metrics {
            m.duplicated_lines = lines;
        }
    }
    summary.percent = if summary.code_lines == 0 {
        0.0
    } else {
        (summary.duplicated_lines as f64 / summary.code_lines as f64 * 10_000.0).round() / 100.0
    };
    for group in &found.groups {
        report_clone(files, &compared, group);
    }
    summary
}

/// The clone groups: the saved ones when no compared file's tokens and no setting changed;
/// else detected afresh (and saved), with the tokens brought into memory first.
fn clones_of(
    files: &mut [Analyzed],
    compared: &[usize],
    settings: &clones::Settings,
    ctx: &Context,
    run: &mut ProjectRun,
) -> clones::Clones {
    let inputs = state::Inputs {
        settings: format!("{settings:?}"),
        files: compared
            .iter()
            .map(|&i| {
                let r = &files[i].record;
                let digest = r.facts.tokens_digest ^ (r.language.index() as u64 + 1);
                (r.rel.clone(), digest)
            })
            .collect(),
    };
    match state::load::<clones::Clones>(ctx.state_cache(), "duplicates", &inputs) {
        Ok((found, source)) => {
            run.reuse.push(Reuse {
                phase: "duplicates",
                reused: true,
                reason: source.reason("no clone tokens and no settings changed"),
                ms: 0.0,
            });
            found
        }
        Err((mut why, _)) => {
            let saved: Option<SavedMemo> = state::load_aux(ctx.state_cache(), MEMO)
                .filter(|m: &SavedMemo| m.settings == inputs.settings);
            let earlier = saved.as_ref().map(|m| clones::Earlier {
                memo: &m.memo,
                index: unchanged_in(&m.files, &inputs.files),
            });
            let used_memo = earlier.is_some();
            let mut source = Loader {
                files,
                compared,
                ctx,
                need: token_need(ctx.rules, ctx.mode),
                warnings: &mut run.warnings,
                failed: HashSet::new(),
            };
            let (found, memo, work) = clones::update(&mut source, settings, earlier);
            let failed = std::mem::take(&mut source.failed);
            if used_memo {
                why.reason = format!("{}; {}", why.reason, work_done(&work, compared.len()));
            }
            run.reuse.push(why);
            drop(saved);
            // A file compared as empty is remembered with a digest no file has, so the next
            // update winnows it again.
            let mut files = inputs.files.clone();
            for n in failed {
                files[n].1 = !files[n].1;
            }
            let memo = SavedMemo {
                settings: inputs.settings.clone(),
                files,
                memo,
            };
            state::save_aux(ctx.state_cache(), MEMO, &memo);
            state::save(ctx.state_cache(), "duplicates", inputs, &found);
            found
        }
    }
}

/// The compared files' clone tokens, brought into memory as detection asks for them.
struct Loader<'x, 'a> {
    files: &'x mut [Analyzed<'a>],
    /// Detection's file `n` is `files[compared[n]]`.
    compared: &'x [usize],
    ctx: &'x Context<'x>,
    need: wtfcb_core::facts::tokens::Need,
    warnings: &'x mut Vec<String>,
    /// Files whose tokens could not be loaded (tried once, compared as empty).
    failed: HashSet<usize>,
}

impl clones::TokenSource for Loader<'_, '_> {
    fn count(&self) -> usize {
        self.compared.len()
    }

    fn load(&mut self, which: &[usize]) -> bool {
        let wanted: Vec<usize> = which
            .iter()
            .filter(|n| !self.failed.contains(n))
            .map(|&n| self.compared[n])
            .collect();
        load_tokens(self.files, &wanted, self.ctx, self.need, self.warnings);
        for &n in which {
            if tokens_missing(&self.files[self.compared[n]].record.facts) {
                self.failed.insert(n);
            }
        }
        which.iter().all(|n| !self.failed.contains(n))
    }

    fn inputs(&self) -> Vec<clones::Input<'_>> {
        self.compared
            .iter()
            .map(|&i| clones::Input {
                language: self.files[i].record.language,
                tokens: &self.files[i].record.facts.tokens,
            })
            .collect()
    }
}

/// The phase name of the duplicates memo (what the next recomputation may reuse).
const MEMO: &str = "duplicates memo";

/// The memo of the last detection, with the settings and the files (path, token digest) it
/// was computed from.
#[derive(bincode::Encode, bincode::Decode)]
struct SavedMemo {
    settings: String,
    files: Vec<(String, u64)>,
    memo: clones::Memo,
}

/// Per file now, its number in the memo's files when it is there with the same tokens.
fn unchanged_in(before: &[(String, u64)], now: &[(String, u64)]) -> Vec<Option<u32>> {
    let old: HashMap<(&str, u64), u32> = before
        .iter()
        .enumerate()
        .map(|(i, (rel, digest))| ((rel.as_str(), *digest), i as u32))
        .collect();
    now.iter()
        .map(|(rel, digest)| old.get(&(rel.as_str(), *digest)).copied())
        .collect()
}

/// `1 of 1790 files fingerprinted, 12 of 30112 shared hashes compared again, 3 of 6992
/// groups built again, the rest reused`.
fn work_done(work: &clones::Work, files: usize) -> String {
    if work.memo_rejected {
        return "the saved memo did not fit the files (or some clone tokens could not be loaded), so everything was recomputed".into();
    }
    format!(
        "{} of {files} files fingerprinted, {} of {} shared hashes compared again, {} of {} groups built again, the rest reused",
        work.fingerprinted, work.hashes_compared, work.hashes, work.groups_rebuilt, work.groups
    )
}

/// The finding of one clone group, at its first copy, with the others as related places.
fn report_clone(files: &mut [Analyzed], compared: &[usize], group: &clones::Group) {
    let meta = &wtfcb_core::rules::duplicate_code::META;
    let primary = group.regions[0];
    let related: Vec<Related> = group.regions[1..]
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let file = &files[compared[r.file]];
            Related {
                path: file.record.path.clone(),
                rel: file.record.rel.clone(),
                start_line: r.start_line,
                end_line: r.end_line,
                message: format!("copy {} of {}", n + 2, group.regions.len()),
                test: file.is_test,
            }
        })
        .collect();
    let lines = primary.end_line - primary.start_line + 1;
    let mut others: Vec<String> = related
        .iter()
        .take(3)
        .map(|r| format!("{}:{}-{}", r.path, r.start_line, r.end_line))
        .collect();
    if related.len() > 3 {
        others.push(format!("and {} more", related.len() - 3));
    }
    let file = &mut files[compared[primary.file]];
    let message = format!(
        "{lines} lines ({} tokens) duplicated: also at {}",
        group.tokens(),
        others.join(", ")
    );
    let finding = project_finding(
        file,
        meta,
        message,
        (primary.start_line, primary.end_line),
        &format!("{:016x}", group.identity),
    );
    if let Some(mut finding) = finding {
        finding.value = Some(lines);
        finding.related = related;
        file.add(finding);
    }
}

/// Whether a file's clone tokens are out of memory (a cached record leaves them in the cache):
/// none there, though its digest says it has some.
fn tokens_missing(facts: &wtfcb_core::facts::FileFacts) -> bool {
    facts.tokens.is_empty() && facts.tokens_digest != wtfcb_core::facts::Tokens::default().digest()
}

/// Brings the clone tokens of the compared files into memory where a cached record left them
/// out: from the cache, or (an entry pruned since) by reading and parsing the file again.
fn load_tokens(
    files: &mut [Analyzed],
    compared: &[usize],
    ctx: &Context,
    need: wtfcb_core::facts::tokens::Need,
    warnings: &mut Vec<String>,
) {
    use rayon::prelude::*;
    let wanted: std::collections::HashSet<usize> = compared
        .iter()
        .copied()
        .filter(|&i| tokens_missing(&files[i].record.facts))
        .collect();
    let problems: Vec<String> = files
        .par_iter_mut()
        .enumerate()
        .filter(|(i, _)| wanted.contains(i))
        .filter_map(|(_, file)| {
            let record = &mut *file.record;
            let digest = record.facts.tokens_digest;
            let cached = record
                .cache_slot
                .and_then(|(md5, key)| ctx.cache?.get_tokens(&md5, &key))
                .filter(|t| !t.is_empty());
            let tokens = cached.or_else(|| {
                let path = ctx.root.join(&record.rel);
                let bytes = wtfcb_core::source::read_bytes(&path, ctx.max_size).ok()?;
                let source = wtfcb_core::source::Source::from_bytes(bytes).ok()?;
                let tree = wtfcb_core::parse::parse(record.language, &source.text).ok()?;
                let tokens = wtfcb_core::facts::extract(
                    &tree,
                    &source.text,
                    record.language,
                    &wtfcb_core::facts::checks::NoChecks,
                )
                .tokens;
                (tokens.digest() == digest).then_some(tokens)
            });
            match tokens {
                Some(mut tokens) => {
                    tokens.retain(need);
                    record.facts.tokens = tokens;
                    None
                }
                None => Some(record.path.clone()),
            }
        })
        .collect();
    if !problems.is_empty() {
        warnings.push(format!(
            "duplicate-code: the clone tokens of {} file(s) were neither in the cache nor readable as analyzed (changed during the run?), so they were compared as empty: {}",
            problems.len(),
            problems.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
}

/// A finding of a project rule on `file`, from `start` to `end` (lines), with `identity`
/// standing for its content in the fingerprint (project rules have no line text at hand);
/// suppressed as the file's comments say. `None` when the file's settings turn the rule off.
fn project_finding(
    file: &Analyzed,
    meta: &RuleMeta,
    message: String,
    (start, end): (u32, u32),
    identity: &str,
) -> Option<Finding> {
    let own = params(&file.profile, meta);
    if !own.enabled {
        return None;
    }
    let facts = &file.record.facts;
    let symbol = facts
        .functions
        .iter()
        .filter(|f| f.start_line <= start && start <= f.end_line)
        .min_by_key(|f| f.end_line - f.start_line)
        .map(|f| f.qualified_name.clone());
    let fingerprint =
        wtfcb_core::findings::fingerprint(meta.id, &file.record.rel, symbol.as_deref(), identity);
    Some(Finding {
        rule: meta.id.to_string(),
        category: meta.category,
        severity: own.severity,
        message,
        path: file.record.path.clone(),
        start_line: start,
        start_column: 1,
        end_line: end,
        end_column: 1,
        symbol,
        snippet: String::new(),
        fingerprint,
        suppressed: suppressed(&facts.suppressions, meta.id, start),
        value: None,
        baselined: false,
        preexisting: false,
        line_hash: String::new(),
        columns_utf16: None,
        related: Vec::new(),
        identity: Some(format!("{}:{identity}", meta.id)),
    })
}

/// `unused-suppression` for the project rules, whose findings come after a file's own were
/// judged: a blanket `wtfcb: ignore` that silenced a clone or a cycle is used after all (its
/// finding goes), and a project rule id that silenced none is idle (said in the comment's
/// finding, or in a new one).
fn judge_project_suppressions(file: &mut Analyzed) {
    let Some(rule) = wtfcb_core::rules::find("unused-suppression") else {
        return;
    };
    let meta = rule.meta();
    if !params(&file.profile, meta).enabled || file.record.facts.suppressions.is_empty() {
        return;
    }
    let suppressions = file.record.facts.suppressions.clone();
    let findings = file.record.findings.get_or_insert_with(Vec::new);
    let project: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.suppressed && wtfcb_core::rules::is_project_rule(&f.rule))
        .map(|f| (f.rule.clone(), f.start_line))
        .collect();
    let mut added = Vec::new();
    for s in suppressions.iter().filter(|s| !s.peer) {
        let reaches = |line: u32| s.reaches(line, line);
        let at_comment =
            |f: &Finding| f.rule == meta.id && f.start_line == s.line && f.start_column == s.column;
        if s.rules.is_empty() {
            if project.iter().any(|(_, line)| reaches(*line)) {
                findings.retain(|f| !at_comment(f));
            }
            continue;
        }
        let idle: Vec<String> = s
            .rules
            .iter()
            .filter(|id| wtfcb_core::rules::is_project_rule(id))
            .filter(|id| !project.iter().any(|(r, line)| r == *id && reaches(*line)))
            .map(|id| format!("`{id}`"))
            .collect();
        if idle.is_empty() {
            continue;
        }
        if let Some(existing) = findings.iter_mut().find(|f| at_comment(f)) {
            existing.message = format!("{}, {}", existing.message, idle.join(", "));
            continue;
        }
        let directive = if s.file_wide { "ignore-file" } else { "ignore" };
        let message = format!(
            "`wtfcb: {directive}` silences no finding of {}",
            idle.join(", ")
        );
        added.push((s.line, s.column, directive, message, idle.join(",")));
    }
    for (line, column, directive, message, ids) in added {
        let identity = format!("{directive}[{ids}]");
        if let Some(mut finding) = project_finding(file, meta, message, (line, line), &identity) {
            finding.start_column = column;
            finding.end_column = column + "wtfcb:".len() as u32 + directive.len() as u32 + 1;
            file.add(finding);
        }
    }
}

/// Whether a suppression comment reaches a finding of `rule` at `line` (the line itself, the
/// one above, or the whole file).
fn suppressed(suppressions: &[Suppression], rule: &str, line: u32) -> bool {
    suppressions
        .iter()
        .any(|s| (s.rules.is_empty() || s.rules.iter().any(|r| r == rule)) && s.reaches(line, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cross_file_rule_runs_and_only_those() {
        // A rule whose meta says `Scope::Project` never runs per file: it must be here.
        let mut declared: Vec<&str> = wtfcb_core::rules::registry()
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.is_project())
            .map(|m| m.id)
            .collect();
        let mut registered: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        declared.sort_unstable();
        registered.sort_unstable();
        assert_eq!(registered, declared);
        assert_eq!(registered.len(), 5);
    }
}
