//! What the user typed, validated once into the settings a run uses. Nothing below `commands`
//! sees clap types.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::cli::{AnalyzeArgs, OutputArgs, ScanArgs, ScanFormat, WalkArgs};
use crate::config::{self, Config};
use wtfcb_core::findings::Severity;
use wtfcb_core::findings::{parse_fail_on, FailOn};
use wtfcb_core::parse::ParseBudget;
use wtfcb_core::rules::{Layer, Ruleset};
use wtfcb_core::walk::{DefaultExcludes, WalkOptions};
use wtfcb_engine::isolate::MemoryBudget;
use wtfcb_store::cache::CacheOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl From<&OutputArgs> for Verbosity {
    fn from(args: &OutputArgs) -> Self {
        if args.quiet {
            Verbosity::Quiet
        } else if args.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

/// The project a run belongs to: its root and its configuration.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding the top-most config file of the repository, else the repository
    /// root, else the deepest directory that contains every path (canonical).
    pub root: PathBuf,
    /// The root's config: every file's unless a closer one applies (see `nested`), and the
    /// only source of run-wide settings (fail-on, baseline, cache, limits).
    pub config: Config,
    /// `--config FILE`: that file applies to every file, and no other is looked for.
    pub explicit: bool,
}

impl Project {
    /// Finds the project of `paths`, whatever their order: for each path, the configs from
    /// it up to its repository root; the top-most of them is the root config when it is the
    /// same for every path, else there is none (see below). Outside a
    /// repository (no `.git` above), only the closest config counts, and only below the home
    /// directory (see `config::chain`), so a stray config in a home directory never captures
    /// unrelated trees.
    pub fn locate(
        paths: &[PathBuf],
        explicit: Option<&std::path::Path>,
    ) -> anyhow::Result<Project> {
        let config_path = match explicit {
            Some(path) => {
                if !path.is_file() {
                    bail!("--config {}: no such file", path.display());
                }
                Some(path.to_path_buf())
            }
            None => {
                let mut roots: Vec<Option<PathBuf>> = paths
                    .iter()
                    .map(|p| {
                        let chain = config::chain(p);
                        if config::repository_root(p).is_some() {
                            chain.last().cloned()
                        } else {
                            chain.first().cloned()
                        }
                    })
                    .collect();
                roots.sort();
                roots.dedup();
                // The root config is the one that covers every path given. Paths under
                // different configs (a pre-commit hook's `app/m.py tests/test_m.py` beside a
                // `tests/wtfcb.toml`) have none: the root is then the repository's (or their
                // common directory), and each file's closest config applies to it alone.
                match roots.as_slice() {
                    [Some(one)] => Some(one.clone()),
                    _ => None,
                }
            }
        };
        let config = match &config_path {
            Some(path) => config::load(path)?,
            None => Config::default(),
        };
        let from_config = config_path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .and_then(|p| p.parent().map(PathBuf::from));
        let mut repos: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| config::repository_root(p))
            .collect();
        repos.sort_by_key(|r| (r.components().count(), r.clone()));
        let root = from_config
            .or_else(|| repos.into_iter().next())
            .or_else(|| common_ancestor(paths))
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Project {
            root,
            config,
            explicit: explicit.is_some(),
        })
    }

    /// The configs below the root that are closest to some of `files`, and the files their
    /// own `include`/`exclude` leave out, removed from `files`. Each directory is looked at
    /// once. With `--config`, none.
    pub fn nested_configs(
        &self,
        files: &mut Vec<wtfcb_core::walk::Candidate>,
    ) -> anyhow::Result<Vec<config::Nested>> {
        if self.explicit {
            return Ok(Vec::new());
        }
        let root_config = self
            .config
            .path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok());
        // Directory (project-relative, with `/`) → index of its closest nested config.
        let mut closest: HashMap<String, Option<usize>> = HashMap::new();
        let mut nested: Vec<config::Nested> = Vec::new();
        let mut owner = Vec::with_capacity(files.len());
        for file in files.iter() {
            let dir = match file.rel.rfind('/') {
                Some(i) => &file.rel[..=i],
                None => "",
            };
            // Files outside the root (`rel` is not relative) have no nested config.
            let outside = file.rel.starts_with('/') || file.rel.starts_with("../");
            owner.push(if outside || dir.is_empty() {
                None
            } else {
                self.closest(dir, root_config.as_deref(), &mut closest, &mut nested)?
            });
        }
        let filters = nested
            .iter()
            .map(|n| {
                let set = |globs: &[String]| wtfcb_core::walk::glob_set(globs);
                let include = (!n.config.include.is_empty())
                    .then(|| set(&n.config.include))
                    .transpose()?;
                Ok((include, set(&n.config.exclude)?))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut owners = owner.into_iter();
        files.retain(|file| {
            let Some(i) = owners.next().flatten() else {
                return true;
            };
            let inner = &file.rel[nested[i].dir.len()..];
            let (include, exclude) = &filters[i];
            !exclude.is_match(inner) && include.as_ref().is_none_or(|s| s.is_match(inner))
        });
        Ok(nested)
    }

    /// The nested config closest above the project-relative directory `dir` (ending in
    /// `/`), memoised in `closest`; new configs are loaded into `nested`.
    fn closest(
        &self,
        dir: &str,
        root_config: Option<&std::path::Path>,
        closest: &mut HashMap<String, Option<usize>>,
        nested: &mut Vec<config::Nested>,
    ) -> anyhow::Result<Option<usize>> {
        if dir.is_empty() {
            return Ok(None);
        }
        if let Some(&known) = closest.get(dir) {
            return Ok(known);
        }
        let here = config::config_in(&self.root.join(dir))
            .filter(|c| std::fs::canonicalize(c).ok().as_deref() != root_config);
        let found = match here {
            Some(path) => {
                let config = config::load(&path)?;
                nested.push(config::Nested {
                    dir: dir.to_string(),
                    config,
                });
                Some(nested.len() - 1)
            }
            None => {
                let parent = match dir[..dir.len() - 1].rfind('/') {
                    Some(i) => &dir[..=i],
                    None => "",
                };
                self.closest(parent, root_config, closest, nested)?
            }
        };
        closest.insert(dir.to_string(), found);
        Ok(found)
    }
}

/// The deepest directory containing every path (canonical), if they exist.
fn common_ancestor(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut dirs = paths.iter().filter_map(|p| {
        let c = std::fs::canonicalize(p).ok()?;
        Some(if c.is_dir() {
            c
        } else {
            c.parent()?.to_path_buf()
        })
    });
    let mut common = dirs.next()?;
    for d in dirs {
        while !d.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

/// The most results `--cache-memory` may keep in memory (about 10 KB each).
pub const MAX_CACHE_MEMORY: usize = 1_000_000;

/// The most threads a run may use: far past any machine's cores, short of what stalls one.
pub const MAX_JOBS: usize = 256;

/// Physical memory of this machine, in bytes.
fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The default memory budget of one parse: 1 GiB per MiB of source (and at least that), over
/// three times what the most demanding ordinary file needs (100-300x its size).
pub const DEFAULT_MEMORY_PER_FILE: u64 = 1 << 30;

/// Where and how to walk, and how many threads to use.
#[derive(Debug, Clone)]
pub struct WalkSettings {
    pub paths: Vec<PathBuf>,
    pub options: WalkOptions,
    pub jobs: usize,
    pub project: Project,
    /// How long one file may take to parse.
    pub parse_budget: ParseBudget,
    /// Parse in supervised worker processes (the default) or in-process.
    pub isolate: bool,
    /// Each parse's memory budget.
    pub memory_per_file: MemoryBudget,
}

impl WalkSettings {
    /// What the per-file engine needs of these settings.
    pub fn plan(&self) -> wtfcb_engine::engine::Plan<'_> {
        wtfcb_engine::engine::Plan {
            options: &self.options,
            jobs: self.jobs,
            budget: self.parse_budget,
        }
    }

    /// The walk, timed, and the configs below the project root that apply to its files.
    pub fn walk_all(
        &self,
        times: &wtfcb_engine::engine::PhaseTimes,
    ) -> anyhow::Result<(wtfcb_core::walk::WalkResult, Vec<crate::config::Nested>)> {
        let start = std::time::Instant::now();
        let _walking = wtfcb_core::alloc::phase(wtfcb_core::alloc::Phase::Walk);
        let mut walked = wtfcb_core::walk::walk(&self.paths, &self.options)?;
        let configs = self.project.nested_configs(&mut walked.files)?;
        times.add_walk(start);
        Ok((walked, configs))
    }

    pub fn from_args(args: &WalkArgs) -> anyhow::Result<WalkSettings> {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let project = Project::locate(&paths, args.config.as_deref())?;
        let max_file_size = match &args.max_file_size {
            Some(text) => parse_size::Config::new()
                .with_binary()
                .parse_size(text.trim())
                .with_context(|| format!("invalid --max-file-size {text:?}"))?,
            None => project.config.max_file_size.unwrap_or(1024 * 1024),
        };
        let per_mib = match args.parse_timeout {
            Some(secs) => wtfcb_core::parse::budget_seconds(secs, "--parse-timeout")?,
            None => project
                .config
                .parse_timeout
                .unwrap_or(ParseBudget::DEFAULT.per_mib),
        };
        let parse_budget = ParseBudget { per_mib };
        let memory_per_file = match &args.memory_per_file {
            Some(text) => parse_size::Config::new()
                .with_binary()
                .parse_size(text.trim())
                .with_context(|| format!("invalid --memory-per-file {text:?}"))?,
            None => project
                .config
                .memory_per_file
                .unwrap_or(DEFAULT_MEMORY_PER_FILE),
        };
        let jobs = match args.jobs {
            Some(0) => bail!("--jobs must be at least 1"),
            Some(n) if n > MAX_JOBS => bail!("--jobs must be at most {MAX_JOBS}, got {n}"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // Every thread may hold one parser process at its budget at once: together they may
        // not ask for more than the machine has .
        let memory_per_file = MemoryBudget {
            per_mib: memory_per_file,
            cap: machine_memory().map_or(u64::MAX, |total| total / jobs as u64),
        };
        Ok(WalkSettings {
            paths,
            options: WalkOptions {
                include: args.include.clone(),
                exclude: args.exclude.clone(),
                no_ignore: args.no_ignore,
                default_excludes: if args.no_default_excludes {
                    DefaultExcludes::None
                } else if project.config.replaces_default_excludes {
                    DefaultExcludes::ContentOnly
                } else {
                    DefaultExcludes::All
                },
                hidden: args.hidden,
                follow_links: args.follow_links,
                max_file_size,
                peer_suppressions: !args.no_peer_suppressions,
                tracked_dirs: tracked_dirs(&project.root, args.no_default_excludes),
                project_root: Some(project.root.clone()),
                project_include: project.config.include.clone(),
                project_exclude: project.config.exclude.clone(),
                threads: jobs,
            },
            jobs,
            parse_budget,
            isolate: !args.in_process,
            memory_per_file,
            project,
        })
    }
}

#[derive(Debug)]
pub struct ScanSettings {
    pub walk: WalkSettings,
    pub format: ScanFormat,
    pub verbosity: Verbosity,
    /// No rules at all (every one off): what keys scan's cache entries, so a second scan
    /// parses nothing that did not change.
    pub rules: Ruleset,
    /// `None` with `--no-cache`.
    pub cache: Option<CacheOptions>,
    /// Warnings about the settings themselves, said when the run starts.
    pub notes: Vec<String>,
}

impl ScanSettings {
    pub fn from_args(args: &ScanArgs) -> anyhow::Result<ScanSettings> {
        Self::from_parts(&args.walk, &args.output, &args.cache, args.format)
    }

    /// The settings of a run that reads facts only (`scan`, `graph`).
    pub fn from_parts(
        walk: &crate::cli::WalkArgs,
        output: &crate::cli::OutputArgs,
        cache: &crate::cli::CacheUseArgs,
        format: ScanFormat,
    ) -> anyhow::Result<ScanSettings> {
        let walk = WalkSettings::from_args(walk)?;
        // No rule runs: a scan costs what its counts cost, and its cache entries are its own.
        let none = Layer {
            select: Some(Vec::new()),
            ..Layer::default()
        };
        let rules = Ruleset::new(Layer::default(), Vec::new(), none)?;
        if !(1..=MAX_CACHE_MEMORY).contains(&cache.cache_memory) {
            bail!(
                "--cache-memory must be between 1 and {MAX_CACHE_MEMORY} entries, got {}",
                cache.cache_memory
            );
        }
        let remote = remote_options(&cache.remote, &walk.project.config)?;
        let cache = (!cache.no_cache).then(|| {
            let mut opts = cache_options(&walk.project, cache.dir.cache_dir.as_deref());
            opts.verify_hashes = cache.verify_hashes;
            opts.memory_entries = cache.cache_memory;
            opts.remote = remote;
            opts
        });
        Ok(ScanSettings {
            format,
            verbosity: Verbosity::from(output),
            rules,
            cache,
            notes: walk.project.config.notes(),
            walk,
        })
    }
}

#[derive(Debug)]
pub struct AnalyzeSettings {
    pub walk: WalkSettings,
    /// The baseline file to apply (or to write or prune), if any.
    pub baseline: Option<PathBuf>,
    /// `wtfcb baseline write|prune` instead of a report.
    pub baseline_action: BaselineMode,
    /// `--new-since REF`.
    pub new_since: Option<String>,
    /// `--staged`: analyze the git index.
    pub staged: bool,
    /// The report on stdout.
    pub format: &'static wtfcb_report::report::formats::Format,
    /// `--report`: further reports, each to its file.
    pub reports: Vec<(&'static wtfcb_report::report::formats::Format, PathBuf)>,
    pub max_findings: usize,
    pub sarif_category: String,
    pub html_source: bool,
    pub duplicates: wtfcb_project::project::DuplicatesMode,
    pub verbosity: Verbosity,
    pub rules: Ruleset,
    pub min_severity: Severity,
    /// List suppressed findings in text output.
    pub show_suppressed: bool,
    /// `--statistics`: counts per rule instead of findings.
    pub statistics: bool,
    /// `--show-files`: list what would be analyzed, analyze nothing.
    pub show_files: bool,
    /// `--show-settings`: each file's effective settings, analyze nothing.
    pub show_settings: bool,
    pub fail_on: FailOn,
    /// `None` with `--no-cache`.
    pub cache: Option<CacheOptions>,
    pub profile: bool,
    pub profile_out: Option<PathBuf>,
    pub sample_interval: std::time::Duration,
    /// `--serve` (and `--serve-keep`): the live page.
    pub serve: bool,
    pub serve_keep: bool,
    /// `--shard I/N`: analyze only this shard's files.
    pub shard: Option<crate::shard::Shard>,
    /// `--format part`: write the shard's part (with what the merge must walk and configure
    /// as this run did) instead of a report.
    pub part: Option<crate::shard::AnalysisArgs>,
    /// Warnings about the options themselves, said when the run starts.
    pub notes: Vec<String>,
}

/// The baseline a config file names (relative to its directory): inside the project, since a
/// repository's config must not make `baseline write` or `prune` replace a file elsewhere
/// (`baseline = "../notes.txt"`). `--baseline` (the user's own word) may name any file.
fn config_baseline(project: &Project) -> anyhow::Result<Option<PathBuf>> {
    let Some(named) = project.config.baseline.as_ref() else {
        return Ok(None);
    };
    let config = project.config.path.as_deref();
    let dir = config
        .and_then(|p| p.parent())
        .map_or_else(|| project.root.clone(), PathBuf::from);
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
    let inside = !std::path::Path::new(named).is_absolute()
        && dir
            .strip_prefix(&root)
            .ok()
            .and_then(|rel| {
                wtfcb_core::text::normalize(&format!(
                    "{}/{named}",
                    wtfcb_core::walk::path_text(rel.as_os_str())
                ))
            })
            .is_some_and(|rel| !rel.is_empty());
    if !inside {
        bail!(
            "{}: `baseline = {:?}` names a file outside the project ({}): a config's baseline must be inside it (give --baseline FILE to use another)",
            config.map_or_else(|| "the config".into(), |p| p.display().to_string()),
            wtfcb_core::text::tty(named),
            root.display()
        );
    }
    Ok(Some(dir.join(named)))
}

/// In a git repository, the directories that hold tracked files (see
/// `WalkOptions::tracked_dirs`); `None` outside one, when git is not there, or when nothing
/// is excluded by default anyway.
fn tracked_dirs(
    root: &std::path::Path,
    no_default_excludes: bool,
) -> Option<std::sync::Arc<std::collections::HashSet<PathBuf>>> {
    if no_default_excludes || config::repository_root(root).is_none() {
        return None;
    }
    let repo = crate::git::Repo::discover(root, "the walk").ok()?;
    repo.tracked_dirs("the walk").ok().map(std::sync::Arc::new)
}

/// The cache directory: `--cache-dir` / `WTFCB_CACHE_DIR`, else `.wtfcb-cache` at the root.
pub fn cache_options(project: &Project, dir: Option<&std::path::Path>) -> CacheOptions {
    let dir = dir
        .map(PathBuf::from)
        .unwrap_or_else(|| project.root.join(".wtfcb-cache"));
    let mut opts = CacheOptions::new(dir).for_project(&project.root);
    if let Some(days) = project.config.cache_max_age_days {
        opts.max_age_days = days;
    }
    if let Some(size) = project.config.cache_max_size {
        opts.max_size = size;
    }
    opts
}

/// The remote cache a run uses, from the command line, the config and the environment:
/// `None` without a URL. A URL of the wrong form is a usage error.
pub fn remote_options(
    args: &crate::cli::RemoteArgs,
    config: &Config,
) -> anyhow::Result<Option<wtfcb_store::remote::RemoteOptions>> {
    use wtfcb_store::remote::{Remote, RemoteOptions, DEFAULT_TOKEN_ENV, SIGNING_KEY_ENV};
    let remote = &config.remote;
    // Only the user names the remote: a config's `cache.remote` is ignored (`Config::notes`).
    let Some(url) = args.remote_cache.clone().filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let token_env = DEFAULT_TOKEN_ENV.to_string();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let timeout = std::time::Duration::from_secs_f64(remote.timeout.unwrap_or(10.0));
    let opts = RemoteOptions {
        url,
        read_only: args.remote_cache_read_only || remote.read_only == Some(true),
        token: env(&token_env),
        token_env,
        signing_key: env(SIGNING_KEY_ENV).map(String::into_bytes),
        ttl: std::time::Duration::from_secs(u64::from(remote.ttl_days.unwrap_or(30)) * 86_400),
        connect_timeout: timeout.min(std::time::Duration::from_secs(3)),
        timeout,
    };
    Remote::new(opts.clone()).map_err(anyhow::Error::msg)?;
    Ok(Some(opts))
}

impl AnalyzeSettings {
    pub fn from_args(args: &AnalyzeArgs) -> anyhow::Result<AnalyzeSettings> {
        let walk = WalkSettings::from_args(&args.walk)?;
        let config = &walk.project.config;
        let fail_on = match (args.report.fail_on, &config.fail_on) {
            (Some(f), _) => f,
            (None, Some(text)) => parse_fail_on(text).map_err(anyhow::Error::msg)?,
            (None, None) => FailOn::At(Severity::High),
        };
        let rules = Ruleset::new(
            config.rules.clone(),
            config.overrides.clone(),
            cli_layer(&args.select, &args.extend_select, &args.ignore),
        )?
        .with_test_paths(config.test_paths.clone());
        let cache = (!args.cache.no_cache).then(|| {
            let mut opts = cache_options(&walk.project, args.cache.dir.cache_dir.as_deref());
            opts.verify_hashes = args.cache.verify_hashes;
            opts.memory_entries = args.cache.cache_memory;
            opts
        });
        let mut notes = config.notes();
        let cache = match (cache, remote_options(&args.cache.remote, config)?) {
            (Some(mut opts), remote) => {
                opts.remote = remote;
                Some(opts)
            }
            (None, Some(remote)) => {
                notes.push(format!(
                    "the remote cache {} is not used with --no-cache: it sits behind the local cache",
                    wtfcb_store::remote::redact(&remote.url)
                ));
                None
            }
            (None, None) => None,
        };
        if !(1..=MAX_CACHE_MEMORY).contains(&args.cache.cache_memory) {
            bail!(
                "--cache-memory must be between 1 and {MAX_CACHE_MEMORY} entries, got {}",
                args.cache.cache_memory
            );
        }
        if args.profile.sample_interval == 0 {
            bail!("--sample-interval must be at least 1 ms");
        }
        let (shard, part) = shard_args(args)?;
        Ok(AnalyzeSettings {
            profile: args.profile.profile,
            profile_out: args.profile.profile_out.clone(),
            sample_interval: std::time::Duration::from_millis(args.profile.sample_interval),
            serve: args.profile.serve,
            serve_keep: args.profile.serve_keep,
            cache,
            format: if part.is_some() {
                wtfcb_report::report::formats::find("json").context("the json format")?
            } else {
                wtfcb_report::report::formats::find(&args.report.format)
                    .with_context(|| format!("--format {}: no such format", args.report.format))?
            },
            shard,
            part,
            notes,
            reports: args
                .report
                .reports
                .iter()
                .map(|spec| {
                    wtfcb_report::report::formats::parse_report(spec).map_err(anyhow::Error::msg)
                })
                .collect::<anyhow::Result<_>>()?,
            max_findings: args.report.max_findings,
            sarif_category: args.report.sarif_category.clone(),
            html_source: args.report.html_source,
            duplicates: args.duplicates,
            verbosity: Verbosity::from(&args.output),
            rules,
            min_severity: args.report.min_severity,
            show_suppressed: args.report.show_suppressed,
            baseline: match &args.report.baseline {
                Some(path) => Some(path.clone()),
                None => config_baseline(&walk.project)?,
            },
            baseline_action: BaselineMode::Apply,
            new_since: args.report.new_since.clone(),
            staged: args.staged,
            statistics: args.report.statistics,
            show_files: args.show_files,
            show_settings: args.show_settings,
            fail_on,
            walk,
        })
    }
}

/// `--shard` and `--format part`, checked: a part is written by a plain run of some shard
/// (`1/1` without `--shard`); what only a whole report can do belongs to `merge`.
fn shard_args(
    args: &AnalyzeArgs,
) -> anyhow::Result<(
    Option<crate::shard::Shard>,
    Option<crate::shard::AnalysisArgs>,
)> {
    use crate::shard::Shard;
    let shard = match args.shard.as_deref() {
        None => None,
        Some("auto") => Some(
            Shard::from_env(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
                .map_err(anyhow::Error::msg)?,
        ),
        Some(text) => Some(Shard::parse(text).map_err(anyhow::Error::msg)?),
    };
    if shard.is_some() && args.staged {
        bail!("--shard and --staged do not go together: a pre-commit run is one job");
    }
    if args.report.format != crate::cli::PART_FORMAT_NAME {
        return Ok((shard, None));
    }
    let report_only = [
        ("--new-since", args.report.new_since.is_some()),
        ("--baseline", args.report.baseline.is_some()),
        ("--report", !args.report.reports.is_empty()),
        ("--statistics", args.report.statistics),
        ("--staged", args.staged),
    ];
    for (flag, given) in report_only {
        if given {
            bail!(
                "--format part writes what `wtfcb merge` reports on: give {flag} to `wtfcb merge`"
            );
        }
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        bail!("--format part writes a binary file: redirect it (`> part-1.wtfcb`)");
    }
    let shard = shard.unwrap_or(Shard { index: 1, total: 1 });
    Ok((Some(shard), Some(crate::shard::AnalysisArgs::of(args))))
}

/// What `analyze` does with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineMode {
    /// Hide what it accepts (when there is one).
    Apply,
    /// `wtfcb baseline write`.
    Write,
    /// `wtfcb baseline prune`.
    Prune,
}

/// `--select` / `--extend-select` / `--ignore` as a rule layer (comma-separated or repeated).
fn cli_layer(select: &[String], extend_select: &[String], ignore: &[String]) -> Layer {
    let tokens = |values: &[String]| -> Vec<String> {
        values
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    Layer {
        select: (!select.is_empty()).then(|| tokens(select)),
        extend_select: tokens(extend_select),
        ignore: tokens(ignore),
        rules: Vec::new(),
    }
}

/// Every setting a file's result depends on besides its content: the build, the rules after
/// every config file (nested ones too), and the per-file limits. A shard part carries it, and
/// a merge accepts only parts made alike.
pub fn result_identity(settings: &AnalyzeSettings) -> String {
    let walk = &settings.walk;
    let text = format!(
        "{}|{}|{}|{:?}|{}|{:?}|{:?}|{:?}",
        env!("CARGO_PKG_VERSION"),
        wtfcb_store::cache::BUILD_ID,
        settings.rules.fingerprint(),
        settings.duplicates,
        walk.options.max_file_size,
        walk.options.default_excludes,
        walk.parse_budget,
        walk.memory_per_file,
    );
    wtfcb_core::text::hex(&<md5::Md5 as md5::Digest>::digest(text.as_bytes()))
}

/// The settings `wtfcb analyze PATH...` would use for a list of files.
pub fn settings_for_paths(paths: &[std::path::PathBuf]) -> anyhow::Result<AnalyzeSettings> {
    let mut argv: Vec<std::ffi::OsString> =
        vec!["wtfcb".into(), "analyze".into(), "--quiet".into()];
    argv.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
    parse_analyze(argv)
}

/// The settings of an `analyze` command line (`argv[0]` included).
pub fn parse_analyze(argv: Vec<std::ffi::OsString>) -> anyhow::Result<AnalyzeSettings> {
    use anyhow::Context as _;
    use clap::Parser as _;
    let cli = crate::cli::Cli::try_parse_from(argv).context("the analysis settings")?;
    let crate::cli::Command::Analyze(args) = cli.command else {
        anyhow::bail!("not an analyze command line");
    };
    AnalyzeSettings::from_args(&args)
}

/// The settings `wtfcb analyze [EXTRA...] ROOT` would use (its config, rules and cache), for
/// the commands that analyze a project again and again (`lsp`, `watch`).
pub fn settings_for(root: &std::path::Path, extra: &[&str]) -> anyhow::Result<AnalyzeSettings> {
    let mut argv = vec![
        std::ffi::OsString::from("wtfcb"),
        "analyze".into(),
        "--quiet".into(),
    ];
    argv.extend(extra.iter().map(std::ffi::OsString::from));
    argv.push(root.as_os_str().to_owned());
    parse_analyze(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn walk_settings(args: &[&str]) -> anyhow::Result<WalkSettings> {
        let cli = crate::cli::Cli::try_parse_from(args)?;
        match cli.command {
            crate::cli::Command::Scan(scan) => WalkSettings::from_args(&scan.walk),
            other => panic!("not scan: {other:?}"),
        }
    }

    #[test]
    fn sizes_accept_units() {
        let s = walk_settings(&["wtfcb", "scan", "--max-file-size", "2M"]).unwrap();
        assert_eq!(s.options.max_file_size, 2 * 1024 * 1024);
        let s = walk_settings(&["wtfcb", "scan", "--max-file-size", "1500"]).unwrap();
        assert_eq!(s.options.max_file_size, 1500);
        assert!(walk_settings(&["wtfcb", "scan", "--max-file-size", "lots"]).is_err());
    }

    #[test]
    fn zero_jobs_is_refused_and_no_path_means_dot() {
        assert!(walk_settings(&["wtfcb", "scan", "-j", "0"]).is_err());
        let s = walk_settings(&["wtfcb", "scan"]).unwrap();
        assert_eq!(s.paths, [PathBuf::from(".")]);
        assert!(s.jobs >= 1);
    }
}
