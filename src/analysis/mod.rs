//! An analysis run (`analyze`, `baseline`, `merge`) as a sequence of named stages, each one
//! call from the command: [`Run::prepare`] (the walk, nested configs, the shard's files),
//! [`Run::open`] (git, the baseline and the cache, asked before anything is written),
//! [`Run::files`] (each file's result), [`Run::cross_file`] (duplicates, the import graph,
//! contracts), [`Run::new_code`] (`--new-since`: what was there at the merge-base) and
//! [`Run::finish`] (the parsers stopped, the cache closed, the report model built). The command
//! resolves settings, calls these in order, renders and maps the exit code.

mod changes;

use std::path::PathBuf;
use std::time::Instant;

use crate::settings::{AnalyzeSettings, BaselineMode, Verbosity, WalkSettings};
use wtfcb_core::profile::Sampler;
use wtfcb_core::walk::WalkResult;
use wtfcb_engine::engine::{self, Outcome, PhaseTimes, Services};
use wtfcb_engine::isolate::Isolation;
use wtfcb_project::project::{self, ProjectRun};
use wtfcb_report::baseline::Baseline;
use wtfcb_report::report::analyze::{self, AnalyzeReport, NewSinceSummary, RunInfo};
use wtfcb_store::cache::{Cache, Upload};

/// A run between its stages: what the earlier ones found, for the later ones.
pub struct Run<'s> {
    settings: &'s AnalyzeSettings,
    pub started: Instant,
    /// The resource sampler, with `--profile`.
    pub sampler: Option<Sampler>,
    pub times: PhaseTimes,
    /// Warnings for stderr, in the order they arose.
    pub warnings: Vec<String>,
    pub walked: WalkResult,
    pub configs: Vec<crate::config::Nested>,
    /// What a shard and a merge agree on.
    pub whole: Whole,
    /// A merge's outcomes, taken from the parts.
    merged: Option<Vec<Outcome>>,
    git: changes::Git,
    /// The baseline a run applies or prunes, and where it is.
    pub baseline: Option<Baseline>,
    pub baseline_path: PathBuf,
    pub cache: Option<Cache>,
    isolation: Option<Isolation>,
    /// The live dashboard, told of each file (`--serve`).
    pub live: Option<std::sync::Arc<crate::serve::Live>>,
}

/// The cross-file stage's result and its time.
pub struct CrossFile {
    pub run: ProjectRun,
    pub ms: f64,
}

/// What the last stage hands the command to render.
pub struct Finished {
    pub report: AnalyzeReport,
    /// The remote's writes, under way while the report is written.
    pub upload: Option<Upload>,
    pub warnings: Vec<String>,
    pub baseline: Option<Baseline>,
    pub scope: BaselineScope,
    pub baseline_path: PathBuf,
    /// Nested configs' paths, for `-v`.
    pub nested_configs: Vec<String>,
    pub sampler: Option<Sampler>,
    /// The largest parser process, for `--profile`.
    pub parser_peak: u64,
}

impl<'s> Run<'s> {
    /// Stage 1: the walk (a run that fails here, or finds nothing, leaves nothing on disk), the
    /// nested configs' rules, and the shard's files (or, with `parts`, every file's outcome
    /// from its part: a merge).
    pub fn prepare(
        settings: &'s AnalyzeSettings,
        parts: Option<Vec<crate::shard::Part>>,
    ) -> anyhow::Result<Run<'s>> {
        let started = Instant::now();
        let profiling = settings.profile || settings.profile_out.is_some();
        if profiling {
            wtfcb_core::alloc::enable();
        }
        let sampler = profiling.then(|| Sampler::start_self(settings.sample_interval));
        let times = PhaseTimes::default();
        let mut warnings = settings.notes.clone();
        let (mut walked, configs) = settings.walk.walk_all(&times)?;
        settings
            .rules
            .set_nested(configs.iter().map(|n| n.rules()).collect())?;
        warnings.extend(run_wide_keys_ignored(&settings.walk.project, &configs));
        for pattern in &walked.unmatched_excludes {
            warnings.push(format!(
                "exclude pattern `{pattern}` matches no file (patterns are relative to the config's directory; `/x` anchors at it, `x` matches at any depth)"
            ));
        }
        let (whole, merged) = split(settings, &mut walked, parts, &mut warnings)?;
        let baseline_path = settings.baseline.clone().unwrap_or_else(|| {
            settings
                .walk
                .project
                .root
                .join(wtfcb_report::baseline::DEFAULT_NAME)
        });
        Ok(Run {
            settings,
            started,
            sampler,
            times,
            warnings,
            walked,
            configs,
            whole,
            merged,
            git: changes::Git::default(),
            baseline: None,
            baseline_path,
            cache: None,
            isolation: None,
            live: None,
        })
    }

    /// Stage 2: git (`--staged`, `--new-since`) and the baseline, asked before the cache is
    /// opened: a bad reference or a damaged baseline stops the run with nothing written.
    pub fn open(&mut self) -> anyhow::Result<()> {
        let settings = self.settings;
        self.git = changes::Git::prepare(settings, &mut self.walked)?;
        if settings.part.is_none() {
            self.baseline = load_baseline(settings, &self.baseline_path)?;
        }
        if let Some(b) = &self.baseline {
            self.warnings.extend(b.warnings.iter().cloned());
        }
        self.cache = settings
            .cache
            .clone()
            .filter(|_| !self.walked.files.is_empty())
            .and_then(|opts| Cache::open(opts, &mut self.warnings));
        self.isolation = Some(isolation(&settings.walk)?);
        Ok(())
    }

    /// What the per-file engine is given: the rules, the cache, the parsers, staged content.
    fn services(&self) -> Services<'_> {
        Services {
            rules: Some(&self.settings.rules),
            cache: self.cache.as_ref(),
            isolation: self
                .isolation
                .as_ref()
                .unwrap_or_else(|| unreachable!("`open` starts the parsers")),
            times: &self.times,
            contents: self.git.staged.as_ref(),
            tokens: project::token_need(&self.settings.rules, self.settings.duplicates),
            observer: self
                .live
                .as_deref()
                .map(|l| l as &dyn wtfcb_engine::engine::Observer),
        }
    }

    /// Stage 3: every file's result (from the cache, the remote, a part, or parsed now).
    pub fn files(&mut self) -> anyhow::Result<Vec<Outcome>> {
        let start = Instant::now();
        let outcomes = match self.merged.take() {
            Some(outcomes) => Ok(outcomes),
            None => process(
                &self.walked,
                &self.settings.walk,
                self.settings.verbosity,
                &self.services(),
            ),
        };
        self.times.add_files(start);
        outcomes
    }

    /// What the cross-file analyses are given.
    fn project_context(&self) -> project::Context<'_> {
        let settings = self.settings;
        project::Context {
            rules: &settings.rules,
            mode: settings.duplicates,
            root: &settings.walk.project.root,
            cache: self.cache.as_ref(),
            max_size: settings.walk.options.max_file_size,
            contracts: &settings.walk.project.config.contracts,
            saved_state: true,
        }
    }

    /// For a shard's part instead of stages 4 to 6: the parsers stopped and every file's clone
    /// tokens loaded, for the merge's cross-file analyses.
    pub fn for_part(&mut self, outcomes: &mut [Outcome]) {
        self.stop_parsers();
        let ctx = self.project_context();
        let mut warnings = Vec::new();
        project::load_all_tokens(outcomes, &ctx, &mut warnings);
        self.warnings.extend(warnings);
    }

    /// Stage 4: the cross-file analyses on the files' facts (duplicates, the import graph,
    /// cycles and contracts), reusing saved state where the inputs allow.
    pub fn cross_file(&mut self, outcomes: &mut [Outcome]) -> CrossFile {
        let start = Instant::now();
        let run = project::run(outcomes, &self.project_context());
        self.warnings.extend(run.warnings.iter().cloned());
        CrossFile {
            run,
            ms: start.elapsed().as_secs_f64() * 1e3,
        }
    }

    /// Stage 5: with `--new-since`, the findings at the merge-base (its files analyzed through
    /// the same cache and parsers).
    pub fn new_code(
        &self,
        outcomes: &[Outcome],
    ) -> anyhow::Result<Option<(NewSinceSummary, Baseline)>> {
        self.git
            .new_since(self.settings, &self.walked, outcomes, &self.services())
    }

    /// The parsers' warnings; the parser processes stopped. Their count and the largest's peak.
    fn stop_parsers(&mut self) -> (u64, u64) {
        let Some(isolation) = self.isolation.take() else {
            return (0, 0);
        };
        self.warnings.extend(isolation.warning());
        self.warnings.extend(engine::thread_warning());
        (isolation.workers_started(), isolation.parser_peak())
    }

    /// Stage 6: the parsers stopped, the remote's writes started, the cache closed; renames
    /// followed into the baseline; the report model built, with the run's numbers.
    pub fn finish(
        mut self,
        outcomes: Vec<Outcome>,
        cross: CrossFile,
        new_since: Option<(NewSinceSummary, Baseline)>,
    ) -> Finished {
        let settings = self.settings;
        let (parser_processes, parser_peak) = self.stop_parsers();
        let upload = self.cache.as_ref().and_then(Cache::start_upload);
        let mut warnings = std::mem::take(&mut self.warnings);
        let cache_stats = self.cache.take().map(|c| {
            let mut stats = c.finish(&mut warnings);
            stats.project = cross.run.reuse.clone();
            stats
        });
        let project = &settings.walk.project;
        let config = project.config.path.as_ref().map(|p| {
            let canonical = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            canonical
                .strip_prefix(&project.root)
                .unwrap_or(&canonical)
                .display()
                .to_string()
        });
        let baseline = self.baseline.take().map(|mut b| {
            changes::follow_renames(settings, &mut b, &self.walked, &outcomes, &mut warnings);
            b
        });
        let nested_configs: Vec<String> = self
            .configs
            .iter()
            .filter_map(|n| Some(n.config.path.as_ref()?.display().to_string()))
            .collect();
        let scope = BaselineScope::of(settings, &self.walked, &outcomes);
        let in_scope = |path: &str| scope.covers(path);
        let focus = new_since
            .as_ref()
            .map(|(info, _)| &info.changed)
            .or(self.git.staged_changed.as_ref());
        let out_of_focus = out_of_focus(settings, &self.walked, focus);
        let mut report = AnalyzeReport::new(
            self.walked,
            outcomes,
            settings.rules.fingerprint(),
            config,
            analyze::Known {
                baseline: baseline.as_ref(),
                baseline_scope: Some(&in_scope),
                out_of_focus,
                new_since,
            },
        );
        report.summary.project = cross.run.summary;
        if settings.baseline_action == BaselineMode::Apply {
            report.run = RunInfo::new(
                self.started.elapsed(),
                settings.walk.jobs,
                &self.times,
                parser_processes,
                cache_stats,
            );
            report.run.phases_ms.project = cross.ms;
            warnings.extend(unknown_rules_named(&report));
        }
        Finished {
            report,
            upload,
            warnings,
            baseline,
            scope,
            baseline_path: self.baseline_path,
            nested_configs,
            sampler: self.sampler,
            parser_peak,
        }
    }
}

/// A whole run of the stages, as `wtfcb analyze` makes it without `--new-since`, for the
/// commands that analyze a project again and again (`watch`, the language server's workspace
/// runs): every file through the cache, the cross-file phase, the report model.
pub fn whole(settings: &AnalyzeSettings) -> anyhow::Result<Finished> {
    let mut run = Run::prepare(settings, None)?;
    run.open()?;
    let mut outcomes = run.files()?;
    let cross = run.cross_file(&mut outcomes);
    Ok(run.finish(outcomes, cross, None))
}

/// Where a run parses: supervised worker processes unless `--in-process`.
pub fn isolation(walk: &WalkSettings) -> anyhow::Result<Isolation> {
    if walk.isolate {
        Isolation::processes(walk.memory_per_file).map_err(anyhow::Error::msg)
    } else {
        Ok(Isolation::InProcess)
    }
}

/// Processes what the walk found, with a progress bar on a terminal.
pub fn process(
    walked: &wtfcb_core::walk::WalkResult,
    walk: &WalkSettings,
    verbosity: Verbosity,
    services: &wtfcb_engine::engine::Services,
) -> anyhow::Result<Vec<wtfcb_engine::engine::Outcome>> {
    wtfcb_engine::engine::prefetch_remote(walked, &walk.plan(), services);
    let bar = progress_bar(walked.files.len(), verbosity);
    let outcomes =
        wtfcb_engine::engine::process_walked(walked, &walk.plan(), services, bar.as_ref());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Not one parser process could start: the files are unread, and the run says so.
    if let Some(fatal) = services.isolation.fatal() {
        anyhow::bail!(fatal);
    }
    outcomes
}

/// A progress bar on stderr for `total` files: only on a terminal, never with `-q`, and drawn
/// only once the run has taken a second (a quick run shows nothing).
pub fn progress_bar(total: usize, verbosity: Verbosity) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if verbosity == Verbosity::Quiet || total == 0 || !std::io::stderr().is_terminal() {
        return None;
    }
    // Hidden until the run has taken a second (see `engine::process_all`).
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::hidden(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files  {elapsed}  ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// What a shard and a merge agree on before the split: the whole walk and every setting.
pub struct Whole {
    pub walk: crate::shard::WalkId,
    pub identity: String,
}

/// Takes what the whole walk found, then keeps `--shard`'s files; with `parts` (a merge), every
/// file's outcome from its part.
fn split(
    settings: &AnalyzeSettings,
    walked: &mut wtfcb_core::walk::WalkResult,
    parts: Option<Vec<crate::shard::Part>>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(Whole, Option<Vec<wtfcb_engine::engine::Outcome>>)> {
    let whole = Whole {
        walk: crate::shard::WalkId::of(&walked.files),
        identity: crate::settings::result_identity(settings),
    };
    let merged = parts
        .map(|parts| crate::shard::outcomes_from(parts, &walked.files, whole.walk, &whole.identity))
        .transpose()?;
    if let Some(shard) = settings.shard {
        let before = walked.files.len();
        walked.files.retain(|c| shard.owns(&c.rel));
        if settings.part.is_none() {
            warnings.push(format!(
                "--shard {shard}: this report covers {} of {before} files, and duplicates and the import graph see only those; write parts (--format part) and `wtfcb merge` them for the whole project",
                walked.files.len()
            ));
        }
    }
    Ok((whole, merged))
}

/// A suppression that names no rule silences nothing: a warning says where each is.
fn unknown_rules_named(report: &AnalyzeReport) -> Vec<String> {
    let mut warnings = Vec::new();
    for file in &report.files {
        for s in &file.facts.suppressions {
            for id in s
                .rules
                .iter()
                .filter(|id| wtfcb_core::rules::find(id).is_none())
            {
                warnings.push(format!(
                    "{}:{}: `wtfcb: ignore` names no rule `{id}` (see `wtfcb rules`)",
                    file.path, s.line
                ));
            }
        }
    }
    warnings
}

/// A warning for each nested config that sets keys only the root config decides.
fn run_wide_keys_ignored(
    project: &crate::settings::Project,
    configs: &[crate::config::Nested],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for n in configs {
        let c = &n.config;
        let run_wide: Vec<&str> = [
            ("fail-on", c.fail_on.is_some()),
            ("baseline", c.baseline.is_some()),
            ("max-file-size", c.max_file_size.is_some()),
            ("memory-per-file", c.memory_per_file.is_some()),
            ("parse-timeout", c.parse_timeout.is_some()),
            (
                "cache",
                c.cache_max_age_days.is_some() || c.cache_max_size.is_some(),
            ),
            ("imports", c.has_contracts),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if let (false, Some(path)) = (run_wide.is_empty(), &c.path) {
            warnings.push(format!(
                "{}: `{}` applies to a whole run and is read from the root config only ({})",
                path.display(),
                run_wide.join("`, `"),
                project_config_name(project)
            ));
        }
    }
    warnings
}

/// The files the lists of hotspots leave out: test code never leads them, and with
/// `--new-since` or `--staged` (`focus`: the files the change touched) only the change is
/// listed.
fn out_of_focus(
    settings: &AnalyzeSettings,
    walked: &wtfcb_core::walk::WalkResult,
    focus: Option<&std::collections::HashSet<String>>,
) -> std::collections::HashSet<String> {
    walked
        .files
        .iter()
        .filter(|c| {
            settings.rules.is_test(&c.rel, c.language) || focus.is_some_and(|f| !f.contains(&c.rel))
        })
        .map(|c| c.rel.clone())
        .collect()
}

/// What a run speaks for, for a baseline's entries: the files it analyzed, and files gone from
/// the disk under the paths it was given. A run over a subset of the project (`baseline prune
/// PATH`, a pre-commit hook's file list) neither prunes nor counts as fixed the entries of
/// files it did not look at.
pub struct BaselineScope {
    analyzed: std::collections::HashSet<String>,
    /// The given paths, project-relative (`""`: the whole project).
    given: Vec<String>,
    root: std::path::PathBuf,
}

impl BaselineScope {
    pub fn of(
        settings: &AnalyzeSettings,
        walked: &wtfcb_core::walk::WalkResult,
        outcomes: &[wtfcb_engine::engine::Outcome],
    ) -> BaselineScope {
        let root = &settings.walk.project.root;
        let analyzed = walked
            .files
            .iter()
            .zip(outcomes)
            .filter(|(_, o)| matches!(o, wtfcb_engine::engine::Outcome::Analyzed(_)))
            .map(|(c, _)| c.rel.clone())
            .collect();
        let root_canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let paths = if settings.walk.paths.is_empty() {
            vec![std::path::PathBuf::from(".")]
        } else {
            settings.walk.paths.clone()
        };
        let given = paths
            .iter()
            .filter_map(|p| {
                let p = std::fs::canonicalize(p).ok()?;
                let rel = p.strip_prefix(&root_canonical).ok()?;
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| wtfcb_core::walk::path_text(c.as_os_str()))
                    .collect();
                Some(parts.join("/"))
            })
            .collect();
        BaselineScope {
            analyzed,
            given,
            root: root.clone(),
        }
    }

    pub fn covers(&self, path: &str) -> bool {
        if self.analyzed.contains(path) {
            return true;
        }
        let under = self.given.iter().any(|g| {
            g.is_empty()
                || path == g
                || path
                    .strip_prefix(g.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        });
        under && !self.root.join(path).exists()
    }
}

/// The root config's path, for messages.
fn project_config_name(project: &crate::settings::Project) -> String {
    project.config.path.as_ref().map_or_else(
        || format!("none at {}", project.root.display()),
        |p| p.display().to_string(),
    )
}

/// The baseline a run applies (`analyze`) or prunes (`baseline prune`); none for `write`.
fn load_baseline(
    settings: &AnalyzeSettings,
    path: &std::path::Path,
) -> anyhow::Result<Option<Baseline>> {
    Ok(match settings.baseline_action {
        BaselineMode::Apply => settings
            .baseline
            .as_ref()
            .map(|p| Baseline::load(p))
            .transpose()?,
        BaselineMode::Prune => Some(Baseline::load(path)?),
        BaselineMode::Write => None,
    })
}
